/* The kernel log on the serial console, panics, and how the machine stops. */
#pragma once

#include <stdarg.h>
#include <stdint.h>

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Exit statuses through QEMU's isa-debug-exit device (QEMU exits with
 * (v << 1) | 1). On real hardware nothing listens at the port, and the CPU halts.
 */
#define EXIT_PASS 0x10      /* QEMU status 33 */
#define EXIT_FAIL 0x11      /* QEMU status 35 */
#define EXIT_EXCEPTION 0x12 /* QEMU status 37 */
_Noreturn void system_exit(uint8_t code);
_Noreturn void system_halt_all(uint8_t exit_code); /* stop every CPU, then exit */

/* From here on, printing ignores the console lock: a dying CPU may hold it. */
void console_set_panicking(void);
