/*
 * Intel VT-d remapping hardware (Intel Virtualization Technology for
 * Directed I/O, Architecture Specification rev 4.1): the register set of one
 * remapping unit (§11.4), the root and context entries of legacy mode
 * (§9.1, §9.3), the 128-bit invalidation descriptors (§6.5.2) and the fault
 * recording registers (§11.4.14). Second-level page-table entries are in
 * lib/common/pt.h (VTD_SL_*), walked by lib/common/pt.c.
 *
 * The encoders and the fault decoder in vtd.c are freestanding, so host
 * tests check them bit by bit.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* §11.4: register offsets. */
#define VTD_VER 0x00
#define VTD_CAP 0x08
#define VTD_ECAP 0x10
#define VTD_GCMD 0x18
#define VTD_GSTS 0x1c
#define VTD_RTADDR 0x20
#define VTD_CCMD 0x28
#define VTD_FSTS 0x34
#define VTD_FECTL 0x38
#define VTD_FEDATA 0x3c
#define VTD_FEADDR 0x40
#define VTD_FEUADDR 0x44
#define VTD_IQH 0x80
#define VTD_IQT 0x88
#define VTD_IQA 0x90
#define VTD_ICS 0x9c

/* §11.4.2: Capability register. */
#define VTD_CAP_ND(cap) ((unsigned)((cap)&7))			  /* 2^(4 + 2*ND) domain IDs */
#define VTD_CAP_RWBF (1ull << 4)				  /* flush write buffers after table updates */
#define VTD_CAP_CM (1ull << 7)					  /* caching mode: not-present entries cached */
#define VTD_CAP_SAGAW(cap) ((unsigned)(((cap) >> 8) & 0x1f))	  /* bit 1: 39-bit 3-level, bit 2: 48-bit 4-level */
#define VTD_CAP_MGAW(cap) ((unsigned)(((cap) >> 16) & 0x3f) + 1)  /* widest input address, bits */
#define VTD_CAP_FRO(cap) ((unsigned)(((cap) >> 24) & 0x3ff) * 16) /* byte offset of the fault recording registers */
#define VTD_CAP_SLLPS(cap) ((unsigned)(((cap) >> 34) & 0xf))	  /* bit 0: 2 MiB, bit 1: 1 GiB leaves */
#define VTD_CAP_NFR(cap) ((unsigned)(((cap) >> 40) & 0xff) + 1)	  /* fault recording registers */
#define VTD_CAP_PSI (1ull << 39)				  /* page-selective IOTLB invalidation */
#define VTD_CAP_MAMV(cap) ((unsigned)(((cap) >> 48) & 0x3f))	  /* largest address mask: 2^MAMV pages */
#define VTD_SAGAW_39 (1u << 1)
#define VTD_SAGAW_48 (1u << 2)

/* §11.4.3: Extended Capability register. */
#define VTD_ECAP_C (1ull << 0)					    /* page-walk coherency: without it, flush table updates from the caches */
#define VTD_ECAP_QI (1ull << 1)					    /* queued invalidation */
#define VTD_ECAP_IR (1ull << 3)					    /* interrupt remapping */
#define VTD_ECAP_PT (1ull << 6)					    /* pass-through translation type */
#define VTD_ECAP_IRO(ecap) ((unsigned)(((ecap) >> 8) & 0x3ff) * 16) /* byte offset of the IOTLB registers */

/* §11.4.4, §11.4.5: Global Command and Status; each command bit has its status at the same place. */
#define VTD_GCMD_TE (1u << 31)	 /* translation enable */
#define VTD_GCMD_SRTP (1u << 30) /* set root table pointer (one-shot) */
#define VTD_GCMD_SFL (1u << 29)	 /* one-shot */
#define VTD_GCMD_WBF (1u << 27)	 /* write buffer flush (one-shot) */
#define VTD_GCMD_QIE (1u << 26)	 /* queued invalidation enable */
#define VTD_GCMD_IRE (1u << 25)
#define VTD_GCMD_SIRTP (1u << 24) /* one-shot */
/* §11.4.4: write back the persistent status bits, never the one-shot ones. */
#define VTD_GSTS_ONE_SHOT (VTD_GCMD_SRTP | VTD_GCMD_SFL | VTD_GCMD_WBF | VTD_GCMD_SIRTP)

/* §11.4.9: Fault Status register; PFO, PPF... are write-1-to-clear except PPF (the OR of the records' F). */
#define VTD_FSTS_PFO (1u << 0) /* primary fault overflow: a fault was lost */
#define VTD_FSTS_PPF (1u << 1) /* a fault record is pending */
#define VTD_FSTS_IQE (1u << 4) /* invalidation queue error */
#define VTD_FSTS_ICE (1u << 5)
#define VTD_FSTS_ITE (1u << 6)
#define VTD_FSTS_FRI(fsts) ((unsigned)((fsts) >> 8) & 0xff) /* the first pending record */
/* §11.4.10: Fault Event Control. */
#define VTD_FECTL_IM (1u << 31) /* interrupt mask */

/* §11.4.13: Invalidation Queue Address: base, 2^QS 4 KiB pages of 128-bit descriptors. */
#define VTD_IQA_QS_MASK 7ull
#define VTD_IQ_DESC_SIZE 16
/* §11.4.11/12: head and tail are byte offsets of 128-bit descriptors, bits 18:4. */
#define VTD_IQ_OFFSET_MASK 0x7fff0ull

/* §9.1: root entry (one per bus). */
struct vtd_root_entry {
	uint64_t lo; /* P bit 0, context-table pointer 63:12 */
	uint64_t hi; /* reserved in legacy mode */
};
_Static_assert(sizeof(struct vtd_root_entry) == 16, "VT-d §9.1");
#define VTD_ROOT_P (1ull << 0)

/* §9.3: legacy context entry (one per device/function of a bus). */
struct vtd_context_entry {
	uint64_t lo; /* P 0, FPD 1, TT 3:2, second-level page-table pointer 63:12 */
	uint64_t hi; /* AW 2:0, domain ID 23:8 */
};
_Static_assert(sizeof(struct vtd_context_entry) == 16, "VT-d §9.3");
#define VTD_CTX_P (1ull << 0)
#define VTD_CTX_FPD (1ull << 1)		 /* fault processing disable */
#define VTD_CTX_TT_TRANSLATE (0ull << 2) /* untranslated requests through the second-level tables */
#define VTD_CTX_TT_PASS (2ull << 2)	 /* untranslated requests pass as physical addresses (ECAP.PT) */
#define VTD_CTX_TT_MASK (3ull << 2)
#define VTD_CTX_AW_39 1ull /* 3-level tables */
#define VTD_CTX_AW_48 2ull /* 4-level tables */
#define VTD_CTX_DID_SHIFT 8
#define VTD_PT_ADDR_MASK 0x000ffffffffff000ull

/* §6.5.2: 128-bit invalidation descriptors (legacy mode). */
struct vtd_inv_desc {
	uint64_t lo, hi;
};
_Static_assert(sizeof(struct vtd_inv_desc) == VTD_IQ_DESC_SIZE, "VT-d §6.5.2");
#define VTD_INV_CONTEXT 0x1 /* §6.5.2.1 */
#define VTD_INV_IOTLB 0x2   /* §6.5.2.3 */
#define VTD_INV_IEC 0x4	    /* §6.5.2.7: interrupt entry cache */
#define VTD_INV_WAIT 0x5    /* §6.5.2.8 */
/* Granularity, bits 5:4 of context and IOTLB descriptors. */
#define VTD_INV_G_GLOBAL (1ull << 4)
#define VTD_INV_G_DOMAIN (2ull << 4)
#define VTD_INV_G_DEVICE (3ull << 4)  /* context: one source ID; IOTLB: page-selective */
#define VTD_INV_IOTLB_DR (1ull << 7)  /* drain reads */
#define VTD_INV_IOTLB_DW (1ull << 6)  /* drain writes */
#define VTD_INV_IEC_INDEX (1ull << 4) /* one interrupt entry, not all */
#define VTD_INV_WAIT_IF (1ull << 4)
#define VTD_INV_WAIT_SW (1ull << 5) /* write the status data to the status address */
#define VTD_INV_WAIT_FN (1ull << 6)

struct vtd_inv_desc vtd_inv_context_global(void);
/* The context entries of one source ID (bus << 8 | devfn) in domain did. */
struct vtd_inv_desc vtd_inv_context_device(uint16_t did, uint16_t sid);
struct vtd_inv_desc vtd_inv_iotlb_global(void);
/* Every IOTLB and paging-structure cache entry of domain did, reads and writes drained. */
struct vtd_inv_desc vtd_inv_iotlb_domain(uint16_t did);
/* 2^order pages from addr (aligned to them) in domain did (CAP.PSI). */
struct vtd_inv_desc vtd_inv_iotlb_pages(uint16_t did, uint64_t addr, unsigned order);
/*
 * The page-selective descriptors that cover [addr, addr + size) in domain did: each block
 * aligned to its own size, at most 2^max_order pages (CAP.MAMV). Returns how many were
 * written to out, or 0 if more than max would be needed (then invalidate the domain).
 */
unsigned vtd_inv_iotlb_range(uint16_t did, uint64_t addr, uint64_t size, unsigned max_order, struct vtd_inv_desc *out,
			     unsigned max);
struct vtd_inv_desc vtd_inv_iec_global(void);
/* Completion: the unit writes data to status_phys (4-byte aligned) once everything before it is done. */
struct vtd_inv_desc vtd_inv_wait(uint64_t status_phys, uint32_t data);

/* Entry encoders. */
struct vtd_root_entry vtd_root_entry(uint64_t context_table_phys);
/* Translated through second-level tables at root_phys of the given width, in domain did. */
struct vtd_context_entry vtd_context_translate(uint64_t root_phys, unsigned address_width, uint16_t did);
/* Untranslated DMA passes as physical (the kernel's own devices when ECAP.PT). */
struct vtd_context_entry vtd_context_pass(unsigned address_width, uint16_t did);
/* The AW field for a width, or -1 if the context entry cannot say it. */
int vtd_context_aw(unsigned address_width);

/* §11.4.14: one 128-bit fault recording register, and what it says. */
#define VTD_FRCD_F (1ull << 63) /* in hi: the record is valid; write 1 to clear */
#define VTD_FRCD_T (1ull << 62) /* in hi: 1 a read request, 0 a write */
#define VTD_FRCD_FR_SHIFT 32	/* in hi: fault reason 39:32 */
#define VTD_FRCD_SID_MASK 0xffffull

struct vtd_fault {
	bool valid;
	bool write;
	uint16_t sid;	  /* requester ID: bus << 8 | device << 3 | function */
	uint8_t reason;	  /* §7.1.3 table 28, and appendix: the fault reason codes */
	uint64_t address; /* the page the request was for (bits 11:0 are not recorded) */
};

struct vtd_fault vtd_fault_decode(uint64_t lo, uint64_t hi);
/* A short English name of a fault reason, "unknown" for codes not listed. */
const char *vtd_fault_reason_name(uint8_t reason);

/* The widest second-level table walk both the unit and the engine do: 48 or 39, 0 if none. */
unsigned vtd_pick_address_width(uint64_t cap);
