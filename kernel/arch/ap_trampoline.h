/*
 * The parameter block at the end of boot/ap_trampoline.S, which
 * kernel/arch/smp.c fills in. The offsets are checked on both sides: by
 * .error in the assembly and by _Static_assert against the struct here.
 */
#pragma once

#define AP_PARAM_CR3 0
#define AP_PARAM_STACK 8
#define AP_PARAM_ENTRY 16
#define AP_PARAM_CPU 24
#define AP_PARAM_GDT_OFFSET 32
#define AP_PARAM_GDT_POINTER_OFFSET 40
#define AP_PARAM_LONG_MODE_OFFSET 48
#define AP_PARAM_LONG_MODE_POINTER_OFFSET 56
#define AP_PARAM_SIZE 64

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct ap_trampoline_params {
	uint64_t cr3, stack, entry, cpu; /* written by smp.c */
	/* written by the assembler: where in the page the trampoline's pieces are */
	uint64_t gdt_offset, gdt_pointer_offset, long_mode_offset, long_mode_pointer_offset;
};
_Static_assert(offsetof(struct ap_trampoline_params, cr3) == AP_PARAM_CR3, "ap_trampoline.S must agree");
_Static_assert(offsetof(struct ap_trampoline_params, stack) == AP_PARAM_STACK, "ap_trampoline.S must agree");
_Static_assert(offsetof(struct ap_trampoline_params, entry) == AP_PARAM_ENTRY, "ap_trampoline.S must agree");
_Static_assert(offsetof(struct ap_trampoline_params, cpu) == AP_PARAM_CPU, "ap_trampoline.S must agree");
_Static_assert(offsetof(struct ap_trampoline_params, gdt_offset) == AP_PARAM_GDT_OFFSET, "ap_trampoline.S must agree");
_Static_assert(offsetof(struct ap_trampoline_params, gdt_pointer_offset) == AP_PARAM_GDT_POINTER_OFFSET,
	       "ap_trampoline.S must agree");
_Static_assert(offsetof(struct ap_trampoline_params, long_mode_offset) == AP_PARAM_LONG_MODE_OFFSET,
	       "ap_trampoline.S must agree");
_Static_assert(offsetof(struct ap_trampoline_params, long_mode_pointer_offset) == AP_PARAM_LONG_MODE_POINTER_OFFSET,
	       "ap_trampoline.S must agree");
_Static_assert(sizeof(struct ap_trampoline_params) == AP_PARAM_SIZE, "ap_trampoline.S must agree");
#endif
