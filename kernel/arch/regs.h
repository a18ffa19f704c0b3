/*
 * x86-64 architectural registers: control registers, EFER, RFLAGS, and the
 * model-specific registers the kernel (and later the SVM and VMX back ends)
 * touch, with their bits. Only #defines, so the assembly in boot/ and kernel/arch/
 * include it as well as C.
 */
#pragma once

#ifdef __ASSEMBLER__
#define REG_BIT(n) (1 << (n))
#else
#define REG_BIT(n) (1ull << (n))
#endif

/* CR0, SDM vol.3 §2.5 */
#define CR0_PE REG_BIT(0) /* protected mode */
#define CR0_MP REG_BIT(1) /* with TS: WAIT/FWAIT honour TS (§13.1.3 wants it for SSE) */
#define CR0_EM REG_BIT(2) /* x87 emulation: must be clear for SSE */
#define CR0_TS REG_BIT(3) /* task switched: next x87/SSE use faults #NM */
#define CR0_WP REG_BIT(16) /* supervisor writes honour read-only pages */
#define CR0_PG REG_BIT(31) /* paging */

/* CR4, SDM vol.3 §2.5 */
#define CR4_PAE REG_BIT(5)
#define CR4_PGE REG_BIT(7)         /* global pages; toggling it flushes global TLB entries (§4.10.4.1) */
#define CR4_OSFXSR REG_BIT(9)      /* the OS saves SSE state with FXSAVE */
#define CR4_OSXMMEXCPT REG_BIT(10) /* SIMD exceptions raise #XM */
#define CR4_VMXE REG_BIT(13)       /* VMX enable, SDM vol.3 §24.7 */

/* RFLAGS, SDM vol.1 §3.4.3 */
#define RFLAGS_RESERVED_ONE REG_BIT(1) /* always reads as 1 */
#define RFLAGS_TF REG_BIT(8)
#define RFLAGS_IF REG_BIT(9)
#define RFLAGS_DF REG_BIT(10)
#define RFLAGS_AC REG_BIT(18)

/* Model-specific registers, SDM vol.4 table 2-2 unless noted. */
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_APIC_BASE 0x1b
#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081  /* SYSCALL/SYSRET segments, AMD APM vol.2 §6.1.1 */
#define MSR_LSTAR 0xc0000082 /* 64-bit SYSCALL entry point */
#define MSR_FMASK 0xc0000084 /* RFLAGS bits SYSCALL clears */
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102 /* exchanged with GS base by SWAPGS */

/* IA32_APIC_BASE, SDM vol.3 §11.4.4 */
#define APIC_BASE_ENABLE REG_BIT(11) /* xAPIC global enable */

/* EFER, SDM vol.3 §2.2.1 and AMD APM vol.2 §3.1.7 */
#define EFER_SCE REG_BIT(0)   /* SYSCALL/SYSRET */
#define EFER_LME REG_BIT(8)   /* long mode enable */
#define EFER_LMA REG_BIT(10)  /* long mode active: the processor sets it */
#define EFER_NXE REG_BIT(11)  /* execute-disable bit in page tables */
#define EFER_SVME REG_BIT(12) /* AMD: SVM enable, APM vol.2 §15.4 */

/* AMD SVM, APM vol.2 §15.30 "SVM-related MSRs" */
#define MSR_VM_CR 0xc0010114          /* §15.30.1 */
#define VM_CR_LOCK REG_BIT(3)         /* SVMDIS is read-only */
#define VM_CR_SVMDIS REG_BIT(4)       /* EFER.SVME cannot be set (firmware disabled SVM) */
#define MSR_VM_HSAVE_PA 0xc0010117    /* §15.30.4: host state save area for VMRUN */

/* IA32_FEATURE_CONTROL, SDM vol.3 §24.7 "Enabling and Entering VMX Operation" */
#define FEATURE_CONTROL_LOCK REG_BIT(0)             /* writes #GP until reset */
#define FEATURE_CONTROL_VMX_IN_SMX REG_BIT(1)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX REG_BIT(2)  /* VMXON allowed outside SMX */

/* VMX capability MSRs, SDM vol.3 appendix A "VMX Capability Reporting Facility" */
#define MSR_IA32_VMX_BASIC 0x480                /* §A.1: VMCS revision, region size, memory type */
#define MSR_IA32_VMX_PINBASED_CTLS 0x481        /* §A.3.1 */
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482       /* §A.3.2 */
#define MSR_IA32_VMX_EXIT_CTLS 0x483            /* §A.4 */
#define MSR_IA32_VMX_ENTRY_CTLS 0x484           /* §A.5 */
#define MSR_IA32_VMX_MISC 0x485                 /* §A.6 */
#define MSR_IA32_VMX_CR0_FIXED0 0x486           /* §A.7: CR0 bits that must be 1 in VMX operation */
#define MSR_IA32_VMX_CR0_FIXED1 0x487           /* §A.7: CR0 bits that may be 1 */
#define MSR_IA32_VMX_CR4_FIXED0 0x488           /* §A.8 */
#define MSR_IA32_VMX_CR4_FIXED1 0x489           /* §A.8 */
#define MSR_IA32_VMX_VMCS_ENUM 0x48a            /* §A.9 */
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b      /* §A.3.3 */
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48c         /* §A.10 */
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48d   /* §A.3.1, when VMX_BASIC bit 55 is set */
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e  /* §A.3.2 */
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48f       /* §A.4 */
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490      /* §A.5 */
#define MSR_IA32_VMX_VMFUNC 0x491               /* §A.11 */
