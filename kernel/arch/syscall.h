/* The SYSCALL/SYSRET entry (AMD APM vol.2 §6.1): MSR set-up here, the path in syscall_entry.S. */
#pragma once

/* EFER.SCE, STAR, LSTAR, FMASK on the calling CPU. */
void arch_syscall_init_this_cpu(void);
