/*
 * A guest's page tables interpreted in software, with the processor's
 * semantics: every paging mode a guest passes through (Intel SDM vol.3A
 * §4.1–4.7; AMD APM vol.2 §5.1–5.6), the access-rights checks, accessed and
 * dirty updates, and the exact #PF a guest would take.
 *
 * This is not lib/common/pt.c: that engine builds and edits tables Sietch
 * owns; this one only reads tables a guest owns (and sets their A/D bits), so
 * it must accept every legal format and reject exactly what the CPU rejects.
 *
 * Tables are read and written through a struct x86_mem of physical
 * addresses. Give it the guest-physical memory of a VM (x86_nested_mem_init
 * below walks the nested table for each access) and the walk is the
 * two-dimensional one of nested paging (AMD APM vol.2 §15.25).
 *
 * Not modelled: 5-level paging (CR4.LA57), protection keys, global pages
 * and memory types.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/common/x86_mem.h"

/* The control-register and EFER bits that select and shape a walk, and
 * the few others a guest's state is checked by (Intel SDM vol.3A §2.5 for
 * CR0/CR4, §2.2.1 for EFER; AMD APM vol.2 §15.4 for SVME). Guest state, read
 * from the VMCB/VMCS: the host's own names live in kernel/arch. */
#define X86_CR0_PE (1ull << 0)
#define X86_CR0_WP (1ull << 16)
#define X86_CR0_NW (1ull << 29)
#define X86_CR0_CD (1ull << 30)
#define X86_CR0_PG (1ull << 31)
#define X86_CR4_PSE (1ull << 4)
#define X86_CR4_PAE (1ull << 5)
#define X86_CR4_LA57 (1ull << 12)
#define X86_CR4_SMEP (1ull << 20)
#define X86_CR4_SMAP (1ull << 21)
#define X86_EFER_LME (1ull << 8)
#define X86_EFER_LMA (1ull << 10)
#define X86_EFER_NXE (1ull << 11)
#define X86_EFER_SVME (1ull << 12)

/* #PF error code bits (Intel SDM vol.3A §4.7, Figure 4-12). */
#define X86_PF_P (1u << 0)    /* 0: not present; 1: a protection or reserved-bit violation */
#define X86_PF_W (1u << 1)    /* the access was a write */
#define X86_PF_U (1u << 2)    /* the access was a user-mode (CPL 3) access */
#define X86_PF_RSVD (1u << 3) /* a reserved bit was set in some entry */
#define X86_PF_I (1u << 4)    /* the access was an instruction fetch */

/* What is being done: combine. */
#define X86_ACCESS_READ 0u
#define X86_ACCESS_WRITE (1u << 0)
#define X86_ACCESS_USER (1u << 1)  /* CPL 3 (§4.6: "user-mode access") */
#define X86_ACCESS_FETCH (1u << 2)
#define X86_ACCESS_NO_AD (1u << 3) /* translate and check, but leave A/D bits alone (a probe) */
/* A supervisor data access SMAP lets through: explicit, with RFLAGS.AC=1
 * (§4.6.1); implicit accesses such as descriptor-table reads never are. */
#define X86_ACCESS_SMAP_EXEMPT (1u << 4)

enum x86_paging_mode {
	X86_PAGING_OFF,    /* CR0.PG = 0: linear is physical */
	X86_PAGING_32,     /* two levels of 4-byte entries, 4 MiB pages with CR4.PSE (§4.3) */
	X86_PAGING_PAE,    /* PDPT, PD, PT of 8-byte entries, 2 MiB pages (§4.4) */
	X86_PAGING_4LEVEL, /* PML4, PDPT, PD, PT, 2 MiB and 1 GiB pages (§4.5) */
};

/* The guest's paging state. maxphyaddr is what the guest's CPUID reports
 * (CPUID 8000_0008h EAX[7:0]); 0 means 52. page_1g: CPUID
 * 8000_0001h EDX[26], without which PS in a PDPTE is a reserved bit.
 * pdptes: in PAE mode, the four PDPTE registers the CPU loaded with CR3
 * (§4.4.1, x86_pae_load_pdptes), which later writes to the PDPT do not
 * change; NULL reads the PDPT from memory at each walk. */
struct x86_paging {
	uint64_t cr0, cr3, cr4, efer;
	unsigned maxphyaddr;
	bool page_1g;
	const uint64_t *pdptes;
};

struct x86_walk_result {
	uint64_t phys;         /* the translated address */
	uint64_t page_size;    /* 4 KiB, 4 MiB, 2 MiB or 1 GiB; 0 with paging off */
	int levels;            /* entries used, root first, in entry_addr/entry */
	uint64_t entry_addr[4]; /* physical address of each entry used (for write-protecting tables) */
	uint64_t entry[4];      /* each entry as read, before A/D were set */
	bool writable;         /* R/W=1 at every level */
	bool user;             /* U/S=1 at every level */
	bool executable;       /* no XD at any level (or EFER.NXE=0) */
};

/* Which of the four modes CR0, CR4 and EFER select (§4.1.1, Table 4-1).
 * 4-level is chosen by EFER.LMA, which the CPU sets when CR0.PG turns on
 * with EFER.LME (the VMCB and VMCS keep it). */
enum x86_paging_mode x86_paging_mode(const struct x86_paging *pg);

/* Loads the four PAE PDPTEs at cr3 as MOV CR3 (or enabling PAE paging)
 * does: 0; X86_FAULT with #GP(0) if a present one has a reserved bit set
 * (§4.4.1: the load itself faults); X86_NOMEM if the PDPT is not memory. */
int x86_pae_load_pdptes(const struct x86_mem *mem, uint64_t cr3, unsigned maxphyaddr,
			uint64_t pdptes[4], struct x86_fault *fault);

/* Translates the linear address lin for an access (X86_ACCESS_*).
 * 0: *out is filled and, unless X86_ACCESS_NO_AD, every entry used has its
 *    accessed bit and a written leaf its dirty bit set in memory (§4.8).
 * X86_FAULT: *fault is the #PF the guest takes (error code and CR2 = lin).
 * X86_NOMEM: an entry is not in mem; fault->address is that entry's address.
 * A/D bits are set only when the whole access is allowed, as KVM's walker
 * does (the SDM lets a CPU set A on a walk that then faults, §4.8). The
 * update writes the entry's low 4 bytes back: it is not the CPU's locked
 * operation, so where other vCPUs of the guest run meanwhile, mem->write
 * must make it one (an atomic OR of the new bits is enough). */
int x86_walk(const struct x86_mem *mem, const struct x86_paging *pg, uint64_t lin,
	     unsigned access, struct x86_walk_result *out, struct x86_fault *fault);

/*
 * Memory reached through a page walk: each access is translated by x86_walk
 * over the memory below (under) with paging state pg and the access bits in
 * access (WRITE is added for writes), then made there, page by page. When a
 * translation fails the access returns -1, and status (X86_FAULT or
 * X86_NOMEM) and fault say why.
 */
struct x86_paged_mem {
	const struct x86_mem *under;
	struct x86_paging pg;
	unsigned access;
	int status;
	struct x86_fault fault;
};

/*
 * A guest-physical memory through a nested page table at ncr3 in host
 * memory: 4-level, NX and WP on, every access a user access (AMD APM vol.2
 * §15.25.5: nested walks are user accesses; NPT entries have U=1 at every
 * level). On a failure, fault is the nested #PF error code and the
 * guest-physical address: what #VMEXIT(NPF) reports in EXITINFO1/EXITINFO2.
 */
void x86_nested_mem_init(struct x86_paged_mem *n, struct x86_mem *as_mem,
			 const struct x86_mem *host, uint64_t ncr3, unsigned maxphyaddr);

/*
 * A guest's linear memory through its own tables (pg) over its physical
 * memory, with access X86_ACCESS_USER for CPL 3 and X86_ACCESS_FETCH for
 * instruction fetch. On a failure, fault is the #PF (or #GP) the guest takes.
 * Instruction fetch for the decoder and descriptor-table reads for
 * x86_segment use it.
 */
void x86_linear_mem_init(struct x86_paged_mem *l, struct x86_mem *as_mem,
			 const struct x86_mem *phys, const struct x86_paging *pg, unsigned access);

/*
 * The whole two-dimensional translation of nested paging (AMD APM vol.2
 * §15.25.5), in one call: lin through the guest's tables (pg), every table
 * access and the final guest-physical address through the nested table at
 * ncr3 in host memory. Returns
 *   0            out->guest is the guest walk, out->hpa the host address;
 *   X86_FAULT    the guest's own fault, in *fault (reflect it to the guest);
 *   X86_NESTED   a nested fault, in *fault (error code, guest-physical
 *                address), with out->nested_in_tables saying whether it came
 *                from a guest table access or the final address (the two
 *                EXITINFO1 bits of #VMEXIT(NPF));
 *   X86_NOMEM    the nested table itself is not in host memory.
 */
struct x86_walk_2d_result {
	struct x86_walk_result guest;
	uint64_t hpa;
	uint64_t host_page_size;
	bool nested_in_tables;
};

int x86_walk_2d(const struct x86_mem *host, uint64_t ncr3, unsigned maxphyaddr,
		const struct x86_paging *pg, uint64_t lin, unsigned access,
		struct x86_walk_2d_result *out, struct x86_fault *fault);
