/*
 * AMD SVM: the virtual machine control block and the names of its bits
 * (AMD APM vol.2 ch.15 "Secure Virtual Machine" and appendix B "Layout of
 * VMCB"; exit codes appendix C "SVM Intercept Exit Codes").
 *
 * The VMCB is one 4 KiB-aligned page: the control area at 000h (Table B-1)
 * and the state-save area at 400h (Table B-2). Every field's offset is
 * asserted below against those tables. The MSRs that enable SVM (EFER.SVME,
 * VM_CR, VM_HSAVE_PA) are named with the other MSRs in kernel/arch.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/common/x86_segment.h"

/* --- control area (Table B-1) ------------------------------------------- */

struct vmcb_control {
	uint32_t intercept_cr;         /* 000h: 15:0 reads of CR0-15, 31:16 writes */
	uint32_t intercept_dr;         /* 004h: 15:0 reads of DR0-15, 31:16 writes */
	uint32_t intercept_exceptions; /* 008h: one bit per exception vector */
	uint32_t intercept_misc1;      /* 00Ch: SVM_MISC1_* */
	uint32_t intercept_misc2;      /* 010h: SVM_MISC2_* */
	uint32_t intercept_misc3;      /* 014h: SVM_MISC3_* */
	uint8_t reserved_018[0x03c - 0x018];
	uint16_t pause_filter_threshold; /* 03Ch */
	uint16_t pause_filter_count;     /* 03Eh */
	uint64_t iopm_base_pa;           /* 040h: 12 KiB I/O permission map, 4 KiB aligned */
	uint64_t msrpm_base_pa;          /* 048h: 8 KiB MSR permission map, 4 KiB aligned */
	uint64_t tsc_offset;             /* 050h */
	uint32_t guest_asid;             /* 058h */
	uint8_t tlb_control;             /* 05Ch: SVM_TLB_* */
	uint8_t reserved_05d[3];
	uint64_t vintr;            /* 060h: SVM_VINTR_* (V_TPR, V_IRQ, V_INTR_VECTOR ...) */
	uint64_t interrupt_shadow; /* 068h: SVM_INT_SHADOW, SVM_GUEST_INT_MASK */
	uint64_t exitcode;         /* 070h: VMEXIT_* */
	uint64_t exitinfo1;        /* 078h */
	uint64_t exitinfo2;        /* 080h */
	uint64_t exitintinfo;      /* 088h: an event being delivered at the exit, EVENTINJ format */
	uint64_t nested_ctl;       /* 090h: SVM_NESTED_* */
	uint64_t avic_apic_bar;    /* 098h */
	uint64_t ghcb_gpa;         /* 0A0h */
	uint64_t eventinj;         /* 0A8h: SVM_EVTINJ_* */
	uint64_t ncr3;             /* 0B0h: the nested page table's root */
	uint64_t virt_ext;         /* 0B8h: SVM_VIRT_EXT_* */
	uint32_t vmcb_clean;       /* 0C0h: SVM_CLEAN_* */
	uint32_t reserved_0c4;
	uint64_t nrip;             /* 0C8h: next RIP, with the NRIPS feature (TCG has none) */
	uint8_t insn_len;          /* 0D0h: bytes fetched, with decode assists */
	uint8_t insn_bytes[15];    /* 0D1h */
	uint64_t avic_backing_page;   /* 0E0h */
	uint8_t reserved_0e8[8];
	uint64_t avic_logical_table;  /* 0F0h */
	uint64_t avic_physical_table; /* 0F8h */
	uint8_t reserved_100[8];
	uint64_t vmsa_pa;             /* 108h: SEV-ES */
	uint8_t reserved_110[0x3e0 - 0x110];
	uint8_t reserved_host[0x400 - 0x3e0]; /* 3E0h: for the host's own use */
};

_Static_assert(offsetof(struct vmcb_control, intercept_cr) == 0x000, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, intercept_dr) == 0x004, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, intercept_exceptions) == 0x008, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, intercept_misc1) == 0x00c, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, intercept_misc2) == 0x010, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, intercept_misc3) == 0x014, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, pause_filter_threshold) == 0x03c, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, pause_filter_count) == 0x03e, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, iopm_base_pa) == 0x040, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, msrpm_base_pa) == 0x048, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, tsc_offset) == 0x050, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, guest_asid) == 0x058, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, tlb_control) == 0x05c, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, vintr) == 0x060, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, interrupt_shadow) == 0x068, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, exitcode) == 0x070, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, exitinfo1) == 0x078, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, exitinfo2) == 0x080, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, exitintinfo) == 0x088, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, nested_ctl) == 0x090, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, avic_apic_bar) == 0x098, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, ghcb_gpa) == 0x0a0, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, eventinj) == 0x0a8, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, ncr3) == 0x0b0, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, virt_ext) == 0x0b8, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, vmcb_clean) == 0x0c0, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, nrip) == 0x0c8, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, insn_len) == 0x0d0, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, insn_bytes) == 0x0d1, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, avic_backing_page) == 0x0e0, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, avic_logical_table) == 0x0f0, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, avic_physical_table) == 0x0f8, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, vmsa_pa) == 0x108, "APM Table B-1");
_Static_assert(offsetof(struct vmcb_control, reserved_host) == 0x3e0, "APM Table B-1");
_Static_assert(sizeof(struct vmcb_control) == 0x400, "APM Table B-1: the save area is at 400h");

/* intercept_cr / intercept_dr (000h, 004h). */
#define SVM_INTERCEPT_CR_READ(n) (1u << (n))
#define SVM_INTERCEPT_CR_WRITE(n) (1u << (16 + (n)))
#define SVM_INTERCEPT_DR_READ(n) (1u << (n))
#define SVM_INTERCEPT_DR_WRITE(n) (1u << (16 + (n)))
/* intercept_exceptions (008h). */
#define SVM_INTERCEPT_EXCEPTION(vector) (1u << (vector))

/* intercept_misc1 (00Ch). */
#define SVM_MISC1_INTR (1u << 0)
#define SVM_MISC1_NMI (1u << 1)
#define SVM_MISC1_SMI (1u << 2)
#define SVM_MISC1_INIT (1u << 3)
#define SVM_MISC1_VINTR (1u << 4)
#define SVM_MISC1_CR0_SEL_WRITE (1u << 5) /* CR0 writes that change bits other than TS and MP */
#define SVM_MISC1_IDTR_READ (1u << 6)
#define SVM_MISC1_GDTR_READ (1u << 7)
#define SVM_MISC1_LDTR_READ (1u << 8)
#define SVM_MISC1_TR_READ (1u << 9)
#define SVM_MISC1_IDTR_WRITE (1u << 10)
#define SVM_MISC1_GDTR_WRITE (1u << 11)
#define SVM_MISC1_LDTR_WRITE (1u << 12)
#define SVM_MISC1_TR_WRITE (1u << 13)
#define SVM_MISC1_RDTSC (1u << 14)
#define SVM_MISC1_RDPMC (1u << 15)
#define SVM_MISC1_PUSHF (1u << 16)
#define SVM_MISC1_POPF (1u << 17)
#define SVM_MISC1_CPUID (1u << 18)
#define SVM_MISC1_RSM (1u << 19)
#define SVM_MISC1_IRET (1u << 20)
#define SVM_MISC1_INTN (1u << 21)
#define SVM_MISC1_INVD (1u << 22)
#define SVM_MISC1_PAUSE (1u << 23)
#define SVM_MISC1_HLT (1u << 24)
#define SVM_MISC1_INVLPG (1u << 25)
#define SVM_MISC1_INVLPGA (1u << 26)
#define SVM_MISC1_IOIO_PROT (1u << 27) /* consult the I/O permission map */
#define SVM_MISC1_MSR_PROT (1u << 28)  /* consult the MSR permission map */
#define SVM_MISC1_TASK_SWITCH (1u << 29)
#define SVM_MISC1_FERR_FREEZE (1u << 30)
#define SVM_MISC1_SHUTDOWN (1u << 31)

/* intercept_misc2 (010h). */
#define SVM_MISC2_VMRUN (1u << 0) /* VMRUN must always be intercepted (§15.5.1) */
#define SVM_MISC2_VMMCALL (1u << 1)
#define SVM_MISC2_VMLOAD (1u << 2)
#define SVM_MISC2_VMSAVE (1u << 3)
#define SVM_MISC2_STGI (1u << 4)
#define SVM_MISC2_CLGI (1u << 5)
#define SVM_MISC2_SKINIT (1u << 6)
#define SVM_MISC2_RDTSCP (1u << 7)
#define SVM_MISC2_ICEBP (1u << 8)
#define SVM_MISC2_WBINVD (1u << 9)
#define SVM_MISC2_MONITOR (1u << 10)
#define SVM_MISC2_MWAIT (1u << 11)
#define SVM_MISC2_MWAIT_ARMED (1u << 12)
#define SVM_MISC2_XSETBV (1u << 13)
#define SVM_MISC2_RDPRU (1u << 14)
#define SVM_MISC2_EFER_WRITE_TRAP (1u << 15)
#define SVM_MISC2_CR_WRITE_TRAP(n) (1u << (16 + (n)))

/* intercept_misc3 (014h). */
#define SVM_MISC3_INVLPGB (1u << 0)
#define SVM_MISC3_INVLPGB_ILLEGAL (1u << 1)
#define SVM_MISC3_INVPCID (1u << 2)
#define SVM_MISC3_MCOMMIT (1u << 3)
#define SVM_MISC3_TLBSYNC (1u << 4)

/* tlb_control (05Ch, §15.16.1). TCG implements only the first two. */
#define SVM_TLB_NOTHING 0x00
#define SVM_TLB_FLUSH_ALL 0x01
#define SVM_TLB_FLUSH_ASID 0x03
#define SVM_TLB_FLUSH_ASID_NONGLOBAL 0x07

/* vintr (060h, §15.21). */
#define SVM_VINTR_TPR_MASK 0xffull
#define SVM_VINTR_IRQ (1ull << 8)
#define SVM_VINTR_GIF (1ull << 9)
#define SVM_VINTR_PRIO_SHIFT 16
#define SVM_VINTR_PRIO_MASK (0xfull << SVM_VINTR_PRIO_SHIFT)
#define SVM_VINTR_IGN_TPR (1ull << 20)
#define SVM_VINTR_MASKING (1ull << 24) /* the guest's RFLAGS.IF masks only virtual interrupts */
#define SVM_VINTR_GIF_ENABLE (1ull << 25)
#define SVM_VINTR_AVIC_ENABLE (1ull << 31)
#define SVM_VINTR_VECTOR_SHIFT 32
#define SVM_VINTR_VECTOR_MASK (0xffull << SVM_VINTR_VECTOR_SHIFT)

/* interrupt_shadow (068h). */
#define SVM_INT_SHADOW (1ull << 0)     /* the guest is in an STI/MOV SS shadow */
#define SVM_GUEST_INT_MASK (1ull << 1) /* the guest's RFLAGS.IF, with V_INTR_MASKING */

/* nested_ctl (090h). */
#define SVM_NESTED_NP_ENABLE (1ull << 0)
#define SVM_NESTED_SEV (1ull << 1)
#define SVM_NESTED_SEV_ES (1ull << 2)

/* virt_ext (0B8h). */
#define SVM_VIRT_EXT_LBR (1ull << 0)
#define SVM_VIRT_EXT_VMSAVE_VMLOAD (1ull << 1)

/* vmcb_clean (0C0h, §15.15.3): a set bit lets the CPU keep its cached copy. */
#define SVM_CLEAN_INTERCEPTS (1u << 0) /* intercepts, TSC offset, pause filter */
#define SVM_CLEAN_IOPM (1u << 1)       /* IOPM and MSRPM bases */
#define SVM_CLEAN_ASID (1u << 2)
#define SVM_CLEAN_TPR (1u << 3)   /* vintr */
#define SVM_CLEAN_NP (1u << 4)    /* nested_ctl NP_ENABLE, ncr3, g_pat */
#define SVM_CLEAN_CRX (1u << 5)   /* CR0, CR3, CR4, EFER */
#define SVM_CLEAN_DRX (1u << 6)   /* DR6, DR7 */
#define SVM_CLEAN_DT (1u << 7)    /* GDTR, IDTR */
#define SVM_CLEAN_SEG (1u << 8)   /* CS, DS, SS, ES, CPL */
#define SVM_CLEAN_CR2 (1u << 9)
#define SVM_CLEAN_LBR (1u << 10)
#define SVM_CLEAN_AVIC (1u << 11)

/* EVENTINJ (0A8h) and EXITINTINFO (088h) (§15.20, Figure 15-5). */
#define SVM_EVTINJ_VECTOR_MASK 0xffull
#define SVM_EVTINJ_TYPE_SHIFT 8
#define SVM_EVTINJ_TYPE_MASK (7ull << SVM_EVTINJ_TYPE_SHIFT)
#define SVM_EVTINJ_TYPE_INTR (0ull << SVM_EVTINJ_TYPE_SHIFT) /* external or virtual interrupt */
#define SVM_EVTINJ_TYPE_NMI (2ull << SVM_EVTINJ_TYPE_SHIFT)
#define SVM_EVTINJ_TYPE_EXCEPTION (3ull << SVM_EVTINJ_TYPE_SHIFT)
#define SVM_EVTINJ_TYPE_SOFT_INT (4ull << SVM_EVTINJ_TYPE_SHIFT) /* INTn */
#define SVM_EVTINJ_EV (1ull << 11) /* an error code is pushed */
#define SVM_EVTINJ_VALID (1ull << 31)
#define SVM_EVTINJ_ERROR_SHIFT 32

/* The EVENTINJ value that delivers vector of type (SVM_EVTINJ_TYPE_*), with
 * an error code when has_error. */
static inline uint64_t svm_evtinj(uint8_t vector, uint64_t type, int has_error, uint32_t error)
{
	uint64_t v = SVM_EVTINJ_VALID | type | vector;
	if (has_error)
		v |= SVM_EVTINJ_EV | (uint64_t)error << SVM_EVTINJ_ERROR_SHIFT;
	return v;
}

/* EXITINFO1 of an IOIO exit (§15.10.2, Figure 15-2); EXITINFO2 is the next RIP. */
#define SVM_IOIO_IN (1ull << 0) /* TYPE: 1 = IN */
#define SVM_IOIO_STR (1ull << 2)
#define SVM_IOIO_REP (1ull << 3)
#define SVM_IOIO_SZ8 (1ull << 4)
#define SVM_IOIO_SZ16 (1ull << 5)
#define SVM_IOIO_SZ32 (1ull << 6)
#define SVM_IOIO_A16 (1ull << 7)
#define SVM_IOIO_A32 (1ull << 8)
#define SVM_IOIO_A64 (1ull << 9)
#define SVM_IOIO_SEG_SHIFT 10 /* the effective segment of INS/OUTS */
#define SVM_IOIO_SEG_MASK (7ull << SVM_IOIO_SEG_SHIFT)
#define SVM_IOIO_PORT_SHIFT 16
#define SVM_IOIO_PORT_MASK (0xffffull << SVM_IOIO_PORT_SHIFT)

/* An IOIO exit's EXITINFO1 taken apart: the port, the access width in
 * bytes (1, 2 or 4) and the direction. */
static inline uint16_t svm_ioio_port(uint64_t exitinfo1)
{
	return (uint16_t)((exitinfo1 & SVM_IOIO_PORT_MASK) >> SVM_IOIO_PORT_SHIFT);
}

static inline unsigned svm_ioio_size(uint64_t exitinfo1)
{
	return (exitinfo1 & SVM_IOIO_SZ32) ? 4 : (exitinfo1 & SVM_IOIO_SZ16) ? 2 : 1;
}

static inline int svm_ioio_is_in(uint64_t exitinfo1)
{
	return (exitinfo1 & SVM_IOIO_IN) != 0;
}

/* EXITINFO1 of a nested page fault (§15.25.6): a #PF error code, plus
 * whether the fault was on the final guest-physical address or on the
 * guest's own page tables; EXITINFO2 is the guest-physical address. */
#define SVM_NPF_P (1ull << 0)
#define SVM_NPF_W (1ull << 1)
#define SVM_NPF_U (1ull << 2)
#define SVM_NPF_RSVD (1ull << 3)
#define SVM_NPF_I (1ull << 4)
#define SVM_NPF_FINAL_GPA (1ull << 32)
#define SVM_NPF_GUEST_TABLES (1ull << 33)

/* EXITINFO1 of an MSR exit (§15.11): 0 = RDMSR, 1 = WRMSR. */
#define SVM_MSR_EXIT_WRITE 1

/* The permission maps (§15.10.1, §15.11): one bit per port (plus 3 bytes
 * of spill-over for accesses at the top); two bits (read, write) per MSR in
 * three ranges of 8192 MSRs. */
#define SVM_IOPM_SIZE (12ull << 10)
#define SVM_MSRPM_SIZE (8ull << 10)

/* CPUID Fn8000_000A: the SVM revision, ASID count (EBX) and features (EDX). */
#define SVM_CPUID_LEAF 0x8000000au
#define SVM_CPUID_EDX_NP (1u << 0)
#define SVM_CPUID_EDX_LBRV (1u << 1)
#define SVM_CPUID_EDX_SVML (1u << 2)
#define SVM_CPUID_EDX_NRIPS (1u << 3)
#define SVM_CPUID_EDX_VMCB_CLEAN (1u << 5)
#define SVM_CPUID_EDX_FLUSH_BY_ASID (1u << 6)
#define SVM_CPUID_EDX_DECODE_ASSISTS (1u << 7)
#define SVM_CPUID_EDX_PAUSE_FILTER (1u << 10)
#define SVM_CPUID_EDX_VGIF (1u << 16)

/* --- state-save area (Table B-2, offsets from 400h) ---------------------- */

/* A segment in the save area is a struct x86_segment: selector, attributes
 * in the packed 12-bit format, limit, base (Table B-2, "segment"). */
_Static_assert(offsetof(struct x86_segment, selector) == 0, "APM Table B-2 segment selector");
_Static_assert(offsetof(struct x86_segment, attr) == 2, "APM Table B-2 segment attributes");
_Static_assert(offsetof(struct x86_segment, limit) == 4, "APM Table B-2 segment limit");
_Static_assert(offsetof(struct x86_segment, base) == 8, "APM Table B-2 segment base");
_Static_assert(sizeof(struct x86_segment) == 16, "APM Table B-2 segment");

struct vmcb_save {
	struct x86_segment es, cs, ss, ds, fs, gs; /* 000h..05Fh */
	struct x86_segment gdtr, ldtr, idtr, tr;   /* 060h..09Fh: GDTR/IDTR use limit and base only */
	uint8_t reserved_0a0[0x0ca - 0x0a0];
	uint8_t vmpl; /* 0CAh */
	uint8_t cpl;  /* 0CBh */
	uint8_t reserved_0cc[4];
	uint64_t efer; /* 0D0h */
	uint8_t reserved_0d8[0x148 - 0x0d8];
	uint64_t cr4;    /* 148h */
	uint64_t cr3;    /* 150h */
	uint64_t cr0;    /* 158h */
	uint64_t dr7;    /* 160h */
	uint64_t dr6;    /* 168h */
	uint64_t rflags; /* 170h */
	uint64_t rip;    /* 178h */
	uint8_t reserved_180[0x1d8 - 0x180];
	uint64_t rsp;       /* 1D8h */
	uint64_t s_cet;     /* 1E0h */
	uint64_t ssp;       /* 1E8h */
	uint64_t isst_addr; /* 1F0h */
	uint64_t rax;       /* 1F8h */
	uint64_t star;      /* 200h */
	uint64_t lstar;     /* 208h */
	uint64_t cstar;     /* 210h */
	uint64_t sfmask;    /* 218h */
	uint64_t kernel_gs_base; /* 220h */
	uint64_t sysenter_cs;    /* 228h */
	uint64_t sysenter_esp;   /* 230h */
	uint64_t sysenter_eip;   /* 238h */
	uint64_t cr2;            /* 240h */
	uint8_t reserved_248[0x268 - 0x248];
	uint64_t g_pat;          /* 268h: the guest PAT, used by nested paging */
	uint64_t dbgctl;         /* 270h */
	uint64_t br_from;        /* 278h */
	uint64_t br_to;          /* 280h */
	uint64_t last_excp_from; /* 288h */
	uint64_t last_excp_to;   /* 290h */
	uint8_t reserved_298[0x2e0 - 0x298];
	uint64_t spec_ctrl; /* 2E0h */
	uint8_t reserved_2e8[0xc00 - 0x2e8];
};

_Static_assert(offsetof(struct vmcb_save, es) == 0x000, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, cs) == 0x010, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, ss) == 0x020, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, ds) == 0x030, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, fs) == 0x040, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, gs) == 0x050, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, gdtr) == 0x060, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, ldtr) == 0x070, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, idtr) == 0x080, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, tr) == 0x090, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, vmpl) == 0x0ca, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, cpl) == 0x0cb, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, efer) == 0x0d0, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, cr4) == 0x148, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, cr3) == 0x150, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, cr0) == 0x158, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, dr7) == 0x160, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, dr6) == 0x168, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, rflags) == 0x170, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, rip) == 0x178, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, rsp) == 0x1d8, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, s_cet) == 0x1e0, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, ssp) == 0x1e8, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, isst_addr) == 0x1f0, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, rax) == 0x1f8, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, star) == 0x200, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, lstar) == 0x208, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, cstar) == 0x210, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, sfmask) == 0x218, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, kernel_gs_base) == 0x220, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, sysenter_cs) == 0x228, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, sysenter_esp) == 0x230, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, sysenter_eip) == 0x238, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, cr2) == 0x240, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, g_pat) == 0x268, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, dbgctl) == 0x270, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, br_from) == 0x278, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, br_to) == 0x280, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, last_excp_from) == 0x288, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, last_excp_to) == 0x290, "APM Table B-2");
_Static_assert(offsetof(struct vmcb_save, spec_ctrl) == 0x2e0, "APM Table B-2");

/* The whole VMCB: one page, 4 KiB aligned (§15.5.1). */
struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
};

_Static_assert(offsetof(struct vmcb, save) == 0x400, "APM appendix B: the save area at 400h");
_Static_assert(sizeof(struct vmcb) == 4096, "the VMCB is one 4 KiB page");

/* --- exit codes (appendix C) ------------------------------------------- */

/* Ranges: one code per register or vector. */
#define VMEXIT_CR_READ(n) (0x000u + (n))
#define VMEXIT_CR_WRITE(n) (0x010u + (n))
#define VMEXIT_DR_READ(n) (0x020u + (n))
#define VMEXIT_DR_WRITE(n) (0x030u + (n))
#define VMEXIT_EXCEPTION(vector) (0x040u + (vector))
#define VMEXIT_CR_WRITE_TRAP(n) (0x090u + (n))

/* The single codes, from one table that gives both the constants and the
 * names in svm_exit_name. */
#define SVM_EXIT_CODES(X)                          \
	X(VMEXIT_INTR, 0x060, "intr")              \
	X(VMEXIT_NMI, 0x061, "nmi")                \
	X(VMEXIT_SMI, 0x062, "smi")                \
	X(VMEXIT_INIT, 0x063, "init")              \
	X(VMEXIT_VINTR, 0x064, "vintr")            \
	X(VMEXIT_CR0_SEL_WRITE, 0x065, "cr0_sel_write") \
	X(VMEXIT_IDTR_READ, 0x066, "idtr_read")    \
	X(VMEXIT_GDTR_READ, 0x067, "gdtr_read")    \
	X(VMEXIT_LDTR_READ, 0x068, "ldtr_read")    \
	X(VMEXIT_TR_READ, 0x069, "tr_read")        \
	X(VMEXIT_IDTR_WRITE, 0x06a, "idtr_write")  \
	X(VMEXIT_GDTR_WRITE, 0x06b, "gdtr_write")  \
	X(VMEXIT_LDTR_WRITE, 0x06c, "ldtr_write")  \
	X(VMEXIT_TR_WRITE, 0x06d, "tr_write")      \
	X(VMEXIT_RDTSC, 0x06e, "rdtsc")            \
	X(VMEXIT_RDPMC, 0x06f, "rdpmc")            \
	X(VMEXIT_PUSHF, 0x070, "pushf")            \
	X(VMEXIT_POPF, 0x071, "popf")              \
	X(VMEXIT_CPUID, 0x072, "cpuid")            \
	X(VMEXIT_RSM, 0x073, "rsm")                \
	X(VMEXIT_IRET, 0x074, "iret")              \
	X(VMEXIT_SWINT, 0x075, "swint")            \
	X(VMEXIT_INVD, 0x076, "invd")              \
	X(VMEXIT_PAUSE, 0x077, "pause")            \
	X(VMEXIT_HLT, 0x078, "hlt")                \
	X(VMEXIT_INVLPG, 0x079, "invlpg")          \
	X(VMEXIT_INVLPGA, 0x07a, "invlpga")        \
	X(VMEXIT_IOIO, 0x07b, "ioio")              \
	X(VMEXIT_MSR, 0x07c, "msr")                \
	X(VMEXIT_TASK_SWITCH, 0x07d, "task_switch") \
	X(VMEXIT_FERR_FREEZE, 0x07e, "ferr_freeze") \
	X(VMEXIT_SHUTDOWN, 0x07f, "shutdown")      \
	X(VMEXIT_VMRUN, 0x080, "vmrun")            \
	X(VMEXIT_VMMCALL, 0x081, "vmmcall")        \
	X(VMEXIT_VMLOAD, 0x082, "vmload")          \
	X(VMEXIT_VMSAVE, 0x083, "vmsave")          \
	X(VMEXIT_STGI, 0x084, "stgi")              \
	X(VMEXIT_CLGI, 0x085, "clgi")              \
	X(VMEXIT_SKINIT, 0x086, "skinit")          \
	X(VMEXIT_RDTSCP, 0x087, "rdtscp")          \
	X(VMEXIT_ICEBP, 0x088, "icebp")            \
	X(VMEXIT_WBINVD, 0x089, "wbinvd")          \
	X(VMEXIT_MONITOR, 0x08a, "monitor")        \
	X(VMEXIT_MWAIT, 0x08b, "mwait")            \
	X(VMEXIT_MWAIT_CONDITIONAL, 0x08c, "mwait_conditional") \
	X(VMEXIT_XSETBV, 0x08d, "xsetbv")          \
	X(VMEXIT_RDPRU, 0x08e, "rdpru")            \
	X(VMEXIT_EFER_WRITE_TRAP, 0x08f, "efer_write_trap") \
	X(VMEXIT_INVLPGB, 0x0a0, "invlpgb")        \
	X(VMEXIT_INVLPGB_ILLEGAL, 0x0a1, "invlpgb_illegal") \
	X(VMEXIT_INVPCID, 0x0a2, "invpcid")        \
	X(VMEXIT_MCOMMIT, 0x0a3, "mcommit")        \
	X(VMEXIT_TLBSYNC, 0x0a4, "tlbsync")        \
	X(VMEXIT_NPF, 0x400, "npf")                \
	X(VMEXIT_AVIC_INCOMPLETE_IPI, 0x401, "avic_incomplete_ipi") \
	X(VMEXIT_AVIC_NOACCEL, 0x402, "avic_noaccel") \
	X(VMEXIT_VMGEXIT, 0x403, "vmgexit")

#define SVM_EXIT_ENUM(name, code, text) name = code,
enum { SVM_EXIT_CODES(SVM_EXIT_ENUM) };
#undef SVM_EXIT_ENUM

/* EXITCODE is 64 bits; VMRUN's consistency-check failure is -1 (§15.5.1). */
#define VMEXIT_INVALID (~0ull)
#define VMEXIT_BUSY (~0ull - 1)

/* A short name of an exit code, for reports and counters ("cpuid",
 * "cr_write", "exception", ...); "unknown" for codes not in appendix C. */
static inline const char *svm_exit_name(uint64_t code)
{
	if (code == VMEXIT_INVALID)
		return "invalid";
	if (code == VMEXIT_BUSY)
		return "busy";
	if (code < 0x60) {
		static const char *const ranges[6] = {
			"cr_read", "cr_write", "dr_read", "dr_write", "exception", "exception",
		};
		return ranges[code >> 4];
	}
	if (code >= 0x90 && code < 0xa0)
		return "cr_write_trap";
	switch (code) {
#define SVM_EXIT_CASE(name, value, text) case value: return text;
	SVM_EXIT_CODES(SVM_EXIT_CASE)
#undef SVM_EXIT_CASE
	}
	return "unknown";
}
