/*
 * NVMe 1.4 (NVM Express Base Specification revision 1.4, June 2019): the
 * controller register file, the queue entries and the admin data structures
 * Sietch reads or writes, each as a struct with its offsets and size asserted
 * (after SPDK's include/spdk/nvme_spec.h). Shared by the kernel half
 * (drivers/nvme/ctl.c) and the libos half (drivers/nvme/io.c), so it includes
 * nothing but the C headers.
 *
 * Everything is little-endian (§1.6 "Conventions"), as x86-64 is: fields are
 * plain integers. Multi-bit fields are named shifts and masks, never C
 * bitfields. Fields Sietch does not use are kept as reserved bytes, so each
 * struct is exactly the size the device reads or writes.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define NVME_PAGE_SIZE 4096u /* CC.MPS = 0: the memory page size is 2^(12+0) (§3.1.5) */

/* --- Controller registers (§3.1 "Register Definition") -------- */

struct nvme_registers {
	uint64_t cap;      /* 0x00 Controller Capabilities (§3.1.1) */
	uint32_t vs;       /* 0x08 Version (§3.1.2) */
	uint32_t intms;    /* 0x0c Interrupt Mask Set (§3.1.3): INTx/MSI only */
	uint32_t intmc;    /* 0x10 Interrupt Mask Clear (§3.1.4) */
	uint32_t cc;       /* 0x14 Controller Configuration (§3.1.5) */
	uint32_t rsvd18;
	uint32_t csts;     /* 0x1c Controller Status (§3.1.6) */
	uint32_t nssr;     /* 0x20 NVM Subsystem Reset (§3.1.7) */
	uint32_t aqa;      /* 0x24 Admin Queue Attributes (§3.1.8) */
	uint64_t asq;      /* 0x28 Admin Submission Queue Base Address (§3.1.9) */
	uint64_t acq;      /* 0x30 Admin Completion Queue Base Address (§3.1.10) */
	uint32_t cmbloc;   /* 0x38 Controller Memory Buffer Location (§3.1.11) */
	uint32_t cmbsz;    /* 0x3c Controller Memory Buffer Size (§3.1.12) */
	uint32_t bpinfo;   /* 0x40 Boot Partition Information (§3.1.13) */
	uint32_t bprsel;   /* 0x44 Boot Partition Read Select (§3.1.14) */
	uint64_t bpmbl;    /* 0x48 Boot Partition Memory Buffer Location (§3.1.15) */
	uint64_t cmbmsc;   /* 0x50 CMB Memory Space Control (§3.1.16) */
	uint32_t cmbsts;   /* 0x58 CMB Status (§3.1.17) */
	uint8_t rsvd5c[0xe00 - 0x5c];
	uint32_t pmrcap;   /* 0xe00 Persistent Memory Region Capabilities (§3.1.18) */
	uint32_t pmrctl;   /* 0xe04 */
	uint32_t pmrsts;   /* 0xe08 */
	uint32_t pmrebs;   /* 0xe0c */
	uint32_t pmrswtp;  /* 0xe10 */
	uint32_t pmrmscl;  /* 0xe14 */
	uint32_t pmrmscu;  /* 0xe18 */
	uint8_t rsvde1c[0x1000 - 0xe1c];
	uint32_t doorbell[]; /* 0x1000: see nvme_sq_tail_doorbell() */
};
_Static_assert(offsetof(struct nvme_registers, cap) == 0x00, "CAP");
_Static_assert(offsetof(struct nvme_registers, vs) == 0x08, "VS");
_Static_assert(offsetof(struct nvme_registers, intms) == 0x0c, "INTMS");
_Static_assert(offsetof(struct nvme_registers, intmc) == 0x10, "INTMC");
_Static_assert(offsetof(struct nvme_registers, cc) == 0x14, "CC");
_Static_assert(offsetof(struct nvme_registers, csts) == 0x1c, "CSTS");
_Static_assert(offsetof(struct nvme_registers, nssr) == 0x20, "NSSR");
_Static_assert(offsetof(struct nvme_registers, aqa) == 0x24, "AQA");
_Static_assert(offsetof(struct nvme_registers, asq) == 0x28, "ASQ");
_Static_assert(offsetof(struct nvme_registers, acq) == 0x30, "ACQ");
_Static_assert(offsetof(struct nvme_registers, cmbloc) == 0x38, "CMBLOC");
_Static_assert(offsetof(struct nvme_registers, cmbsz) == 0x3c, "CMBSZ");
_Static_assert(offsetof(struct nvme_registers, bpinfo) == 0x40, "BPINFO");
_Static_assert(offsetof(struct nvme_registers, bpmbl) == 0x48, "BPMBL");
_Static_assert(offsetof(struct nvme_registers, cmbmsc) == 0x50, "CMBMSC");
_Static_assert(offsetof(struct nvme_registers, cmbsts) == 0x58, "CMBSTS");
_Static_assert(offsetof(struct nvme_registers, pmrcap) == 0xe00, "PMRCAP");
_Static_assert(offsetof(struct nvme_registers, pmrmscu) == 0xe18, "PMRMSCU");
_Static_assert(offsetof(struct nvme_registers, doorbell) == 0x1000, "doorbells");
_Static_assert(sizeof(struct nvme_registers) == 0x1000, "register file before the doorbells");

#define NVME_REG_CAP offsetof(struct nvme_registers, cap)
#define NVME_REG_VS offsetof(struct nvme_registers, vs)
#define NVME_REG_INTMS offsetof(struct nvme_registers, intms)
#define NVME_REG_INTMC offsetof(struct nvme_registers, intmc)
#define NVME_REG_CC offsetof(struct nvme_registers, cc)
#define NVME_REG_CSTS offsetof(struct nvme_registers, csts)
#define NVME_REG_NSSR offsetof(struct nvme_registers, nssr)
#define NVME_REG_AQA offsetof(struct nvme_registers, aqa)
#define NVME_REG_ASQ offsetof(struct nvme_registers, asq)
#define NVME_REG_ACQ offsetof(struct nvme_registers, acq)
#define NVME_REG_DOORBELLS offsetof(struct nvme_registers, doorbell)

/* CAP (§3.1.1). */
#define NVME_CAP_MQES(cap) ((uint32_t)((cap) & 0xffff) + 1) /* 0's based in the register */
#define NVME_CAP_CQR (1ull << 16)                           /* queues must be physically contiguous */
#define NVME_CAP_TO_MS(cap) ((uint32_t)(((cap) >> 24) & 0xff) * 500) /* in 500 ms units */
#define NVME_CAP_DSTRD(cap) ((uint32_t)((cap) >> 32) & 0xf)
#define NVME_CAP_NSSRS (1ull << 36)
#define NVME_CAP_CSS_NVM (1ull << 37) /* CSS bit 0: the NVM command set */
#define NVME_CAP_BPS (1ull << 45)
#define NVME_CAP_MPSMIN(cap) ((uint32_t)((cap) >> 48) & 0xf) /* 2^(12+MPSMIN) bytes */
#define NVME_CAP_MPSMAX(cap) ((uint32_t)((cap) >> 52) & 0xf)
#define NVME_CAP_PMRS (1ull << 56)
#define NVME_CAP_CMBS (1ull << 57)

/* VS (§3.1.2): major 31:16, minor 15:08, tertiary 07:00. */
#define NVME_VS_MAJOR(vs) ((vs) >> 16)
#define NVME_VS_MINOR(vs) (((vs) >> 8) & 0xff)
#define NVME_VS_1_4 0x00010400u

/* CC (§3.1.5). */
#define NVME_CC_EN (1u << 0)
#define NVME_CC_CSS_NVM (0u << 4)
#define NVME_CC_MPS(shift) ((uint32_t)((shift) - 12) << 7) /* page = 2^(12+MPS) */
#define NVME_CC_AMS_RR (0u << 11)                          /* round robin arbitration */
#define NVME_CC_SHN_NONE (0u << 14)
#define NVME_CC_SHN_NORMAL (1u << 14)
#define NVME_CC_SHN_ABRUPT (2u << 14)
#define NVME_CC_SHN_MASK (3u << 14)
#define NVME_CC_IOSQES(log2) ((uint32_t)(log2) << 16) /* I/O SQ entry size 2^n: 6 (64 B) */
#define NVME_CC_IOCQES(log2) ((uint32_t)(log2) << 20) /* I/O CQ entry size 2^n: 4 (16 B) */

/* CSTS (§3.1.6). */
#define NVME_CSTS_RDY (1u << 0)
#define NVME_CSTS_CFS (1u << 1) /* controller fatal status */
#define NVME_CSTS_SHST_MASK (3u << 2)
#define NVME_CSTS_SHST_NORMAL (0u << 2)
#define NVME_CSTS_SHST_OCCURRING (1u << 2)
#define NVME_CSTS_SHST_COMPLETE (2u << 2)
#define NVME_CSTS_NSSRO (1u << 4)
#define NVME_CSTS_PP (1u << 5)

/* NSSR (§3.1.7): writing "NVMe" in ASCII starts an NVM subsystem reset. */
#define NVME_NSSR_RESET 0x4e564d65u

/* AQA (§3.1.8): both sizes 0's based, at most 4096 entries. */
#define NVME_AQA(sq_entries, cq_entries) \
	((uint32_t)((sq_entries) - 1) | ((uint32_t)((cq_entries) - 1) << 16))
#define NVME_ADMIN_QUEUE_MAX 4096u

/*
 * Doorbells (§3.1.24, §3.1.25): submission queue y's tail doorbell at
 * 1000h + (2y × (4 << CAP.DSTRD)), completion queue y's head doorbell at
 * 1000h + ((2y + 1) × (4 << CAP.DSTRD)). Offsets from the start of BAR0.
 */
static inline uint64_t nvme_sq_tail_doorbell(uint32_t qid, uint32_t dstrd)
{
	return 0x1000 + (uint64_t)(2 * qid) * (4u << dstrd);
}

static inline uint64_t nvme_cq_head_doorbell(uint32_t qid, uint32_t dstrd)
{
	return 0x1000 + (uint64_t)(2 * qid + 1) * (4u << dstrd);
}

/* --- Submission Queue Entry (§4.2 "Submission Queue Entry – Command Format") --- */

struct nvme_sqe {
	uint8_t opc;      /* CDW0 07:00 opcode */
	uint8_t flags;    /* CDW0 15:08: FUSE 09:08, PSDT 15:14 */
	uint16_t cid;     /* CDW0 31:16 command identifier */
	uint32_t nsid;    /* CDW1 */
	uint32_t cdw2;
	uint32_t cdw3;
	uint64_t mptr;    /* CDW4-5 metadata pointer */
	uint64_t prp1;    /* CDW6-7 data pointer: PRP entry 1 (§4.3) */
	uint64_t prp2;    /* CDW8-9 PRP entry 2 or PRP list pointer */
	uint32_t cdw10;
	uint32_t cdw11;
	uint32_t cdw12;
	uint32_t cdw13;
	uint32_t cdw14;
	uint32_t cdw15;
};
_Static_assert(offsetof(struct nvme_sqe, opc) == 0, "SQE opcode");
_Static_assert(offsetof(struct nvme_sqe, flags) == 1, "SQE FUSE/PSDT");
_Static_assert(offsetof(struct nvme_sqe, cid) == 2, "SQE CID");
_Static_assert(offsetof(struct nvme_sqe, nsid) == 4, "SQE NSID");
_Static_assert(offsetof(struct nvme_sqe, mptr) == 16, "SQE MPTR");
_Static_assert(offsetof(struct nvme_sqe, prp1) == 24, "SQE PRP1");
_Static_assert(offsetof(struct nvme_sqe, prp2) == 32, "SQE PRP2");
_Static_assert(offsetof(struct nvme_sqe, cdw10) == 40, "SQE CDW10");
_Static_assert(offsetof(struct nvme_sqe, cdw15) == 60, "SQE CDW15");
_Static_assert(sizeof(struct nvme_sqe) == 64, "SQE is 64 bytes (CC.IOSQES = 6)");
#define NVME_SQES_LOG2 6

#define NVME_SQE_PSDT_PRP (0u << 6) /* PRPs, not SGLs (§4.2, Command Dword 0) */

/* --- Completion Queue Entry (§4.6; status field §4.6.1) --- */

struct nvme_cqe {
	uint32_t dw0;     /* command specific */
	uint32_t dw1;     /* reserved */
	uint16_t sqhd;    /* SQ head pointer: entries the controller has consumed */
	uint16_t sqid;    /* SQ the command came from */
	uint16_t cid;     /* command identifier */
	uint16_t status;  /* P 0, SC 08:01, SCT 11:09, CRD 13:12, M 14, DNR 15 */
};
_Static_assert(offsetof(struct nvme_cqe, dw0) == 0, "CQE DW0");
_Static_assert(offsetof(struct nvme_cqe, sqhd) == 8, "CQE SQHD");
_Static_assert(offsetof(struct nvme_cqe, sqid) == 10, "CQE SQID");
_Static_assert(offsetof(struct nvme_cqe, cid) == 12, "CQE CID");
_Static_assert(offsetof(struct nvme_cqe, status) == 14, "CQE status and phase");
_Static_assert(sizeof(struct nvme_cqe) == 16, "CQE is 16 bytes (CC.IOCQES = 4)");
#define NVME_CQES_LOG2 4

#define NVME_CQE_PHASE 0x0001u
#define NVME_STATUS_SC(status) (((status) >> 1) & 0xff)
#define NVME_STATUS_SCT(status) (((status) >> 9) & 0x7)
#define NVME_STATUS_CRD(status) (((status) >> 12) & 0x3)
#define NVME_STATUS_MORE (1u << 14)
#define NVME_STATUS_DNR (1u << 15) /* do not retry */
#define NVME_STATUS_MAKE(sct, sc) ((uint16_t)(((sct) & 0x7) << 9 | ((sc) & 0xff) << 1))

/* Status Code Type (§4.6.1.1). */
#define NVME_SCT_GENERIC 0x0
#define NVME_SCT_COMMAND_SPECIFIC 0x1
#define NVME_SCT_MEDIA 0x2
#define NVME_SCT_PATH 0x3
#define NVME_SCT_VENDOR 0x7

/* Generic Command Status (§4.6.1.2.1; 80h-82h are the NVM command set's). */
#define NVME_SC_SUCCESS 0x00
#define NVME_SC_INVALID_OPCODE 0x01
#define NVME_SC_INVALID_FIELD 0x02
#define NVME_SC_COMMAND_ID_CONFLICT 0x03
#define NVME_SC_DATA_TRANSFER_ERROR 0x04
#define NVME_SC_ABORTED_POWER_LOSS 0x05
#define NVME_SC_INTERNAL_ERROR 0x06
#define NVME_SC_ABORT_REQUESTED 0x07
#define NVME_SC_ABORTED_SQ_DELETION 0x08
#define NVME_SC_ABORTED_FAILED_FUSED 0x09
#define NVME_SC_ABORTED_MISSING_FUSED 0x0a
#define NVME_SC_INVALID_NAMESPACE_OR_FORMAT 0x0b
#define NVME_SC_COMMAND_SEQUENCE_ERROR 0x0c
#define NVME_SC_PRP_OFFSET_INVALID 0x13
#define NVME_SC_OPERATION_DENIED 0x15
#define NVME_SC_NAMESPACE_WRITE_PROTECTED 0x20
#define NVME_SC_LBA_OUT_OF_RANGE 0x80
#define NVME_SC_CAPACITY_EXCEEDED 0x81
#define NVME_SC_NAMESPACE_NOT_READY 0x82

/* Command Specific Status (§4.6.1.2.2). */
#define NVME_SC_COMPLETION_QUEUE_INVALID 0x00
#define NVME_SC_INVALID_QUEUE_IDENTIFIER 0x01
#define NVME_SC_INVALID_QUEUE_SIZE 0x02
#define NVME_SC_INVALID_INTERRUPT_VECTOR 0x08
#define NVME_SC_INVALID_QUEUE_DELETION 0x0c
#define NVME_SC_NAMESPACE_ALREADY_ATTACHED 0x18
#define NVME_SC_NAMESPACE_IS_PRIVATE 0x19
#define NVME_SC_NAMESPACE_NOT_ATTACHED 0x1a
#define NVME_SC_CONTROLLER_LIST_INVALID 0x1c
#define NVME_SC_INVALID_CONTROLLER_IDENTIFIER 0x1f
#define NVME_SC_INVALID_SECONDARY_CONTROLLER_STATE 0x20
#define NVME_SC_INVALID_NUMBER_OF_RESOURCES 0x21
#define NVME_SC_INVALID_RESOURCE_IDENTIFIER 0x22

/* Media and Data Integrity Errors (§4.6.1.2.3). */
#define NVME_SC_WRITE_FAULT 0x80
#define NVME_SC_UNRECOVERED_READ_ERROR 0x81
#define NVME_SC_ACCESS_DENIED 0x86

/* --- Opcodes ------------------------------------------------------------ */

/* Admin Command Set (§5, "Opcodes for Admin Commands"). */
#define NVME_ADMIN_DELETE_IO_SQ 0x00
#define NVME_ADMIN_CREATE_IO_SQ 0x01
#define NVME_ADMIN_GET_LOG_PAGE 0x02
#define NVME_ADMIN_DELETE_IO_CQ 0x04
#define NVME_ADMIN_CREATE_IO_CQ 0x05
#define NVME_ADMIN_IDENTIFY 0x06
#define NVME_ADMIN_ABORT 0x08
#define NVME_ADMIN_SET_FEATURES 0x09
#define NVME_ADMIN_GET_FEATURES 0x0a
#define NVME_ADMIN_ASYNC_EVENT_REQUEST 0x0c
#define NVME_ADMIN_NS_MANAGEMENT 0x0d
#define NVME_ADMIN_FIRMWARE_COMMIT 0x10
#define NVME_ADMIN_FIRMWARE_DOWNLOAD 0x11
#define NVME_ADMIN_DEVICE_SELF_TEST 0x14
#define NVME_ADMIN_NS_ATTACHMENT 0x15
#define NVME_ADMIN_KEEP_ALIVE 0x18
#define NVME_ADMIN_DIRECTIVE_SEND 0x19
#define NVME_ADMIN_DIRECTIVE_RECEIVE 0x1a
#define NVME_ADMIN_VIRTUALIZATION_MANAGEMENT 0x1c
#define NVME_ADMIN_DOORBELL_BUFFER_CONFIG 0x7c
#define NVME_ADMIN_FORMAT_NVM 0x80
#define NVME_ADMIN_SECURITY_SEND 0x81
#define NVME_ADMIN_SECURITY_RECEIVE 0x82
#define NVME_ADMIN_SANITIZE 0x84

/* NVM Command Set (§6, "Opcodes for NVM Commands"). */
#define NVME_NVM_FLUSH 0x00
#define NVME_NVM_WRITE 0x01
#define NVME_NVM_READ 0x02
#define NVME_NVM_WRITE_UNCORRECTABLE 0x04
#define NVME_NVM_COMPARE 0x05
#define NVME_NVM_WRITE_ZEROES 0x08
#define NVME_NVM_DATASET_MANAGEMENT 0x09
#define NVME_NVM_VERIFY 0x0c

/* --- Command dwords ----------------------------------------------------- */

/* Create I/O Completion Queue (§5.3): CDW10 QID 15:00, QSIZE 31:16 (0's
 * based); CDW11 PC 0, IEN 1, IV 31:16. */
#define NVME_CREATE_CQ_PC (1u << 0)
#define NVME_CREATE_CQ_IEN (1u << 1)
#define NVME_CREATE_CQ_IV(vector) ((uint32_t)(vector) << 16)
/* Create I/O Submission Queue (§5.4): CDW11 PC 0, QPRIO 02:01, CQID 31:16. */
#define NVME_CREATE_SQ_PC (1u << 0)
#define NVME_CREATE_SQ_CQID(cqid) ((uint32_t)(cqid) << 16)
#define NVME_QUEUE_ID_SIZE(qid, entries) ((uint32_t)(qid) | ((uint32_t)((entries) - 1) << 16))

/* Identify (§5.15, the CNS values): CDW10 CNS 07:00, CNTID 31:16. */
#define NVME_IDENTIFY_CNS_NAMESPACE 0x00
#define NVME_IDENTIFY_CNS_CONTROLLER 0x01
#define NVME_IDENTIFY_CNS_ACTIVE_NS_LIST 0x02
#define NVME_IDENTIFY_CNS_ALLOCATED_NS_LIST 0x10
#define NVME_IDENTIFY_CNS_ALLOCATED_NS 0x11 /* Identify Namespace of an allocated NSID, attached or not */
#define NVME_IDENTIFY_CNS_NS_CONTROLLER_LIST 0x12 /* controllers attached to NSID */
#define NVME_IDENTIFY_CNS_CONTROLLER_LIST 0x13    /* controllers in the subsystem */
#define NVME_IDENTIFY_CNS_PRIMARY_CAPS 0x14
#define NVME_IDENTIFY_CNS_SECONDARY_LIST 0x15
#define NVME_IDENTIFY_CNTID(id) ((uint32_t)(id) << 16)
#define NVME_IDENTIFY_SIZE 4096u

/* Set Features / Get Features (§5.21, §5.13): CDW10 FID 07:00. Number of
 * Queues (§5.21.1.7): CDW11 NSQR 15:00, NCQR 31:16, both 0's based; the
 * completion's DW0 holds the counts allocated, the same way. */
#define NVME_FEAT_VOLATILE_WRITE_CACHE 0x06
#define NVME_FEAT_NUMBER_OF_QUEUES 0x07
#define NVME_NUM_QUEUES(sq, cq) ((uint32_t)((sq) - 1) | ((uint32_t)((cq) - 1) << 16))
#define NVME_NUM_QUEUES_SQ(dw0) (((dw0) & 0xffff) + 1)
#define NVME_NUM_QUEUES_CQ(dw0) (((dw0) >> 16) + 1)

/* Namespace Attachment (§5.19): CDW10 SEL 03:00; the data
 * is a controller list (below). */
#define NVME_NS_ATTACH 0x0
#define NVME_NS_DETACH 0x1

/* Virtualization Management (§5.22): CDW10 ACT 03:00, RT
 * 10:08, CNTLID 31:16; CDW11 NR 15:00 (number of resources). */
#define NVME_VM_ACT_PRIMARY_FLEXIBLE 0x1 /* the primary's flexible allocation */
#define NVME_VM_ACT_SECONDARY_OFFLINE 0x7
#define NVME_VM_ACT_SECONDARY_ASSIGN 0x8
#define NVME_VM_ACT_SECONDARY_ONLINE 0x9
#define NVME_VM_RT_VQ 0x0 /* virtual queue resources */
#define NVME_VM_RT_VI 0x1 /* virtual interrupt resources */
#define NVME_VM_CDW10(act, rt, cntlid) \
	((uint32_t)(act) | ((uint32_t)(rt) << 8) | ((uint32_t)(cntlid) << 16))

/* Read, Write and Write Zeroes (§6, their Command Dword 12): CDW10-11 SLBA, CDW12
 * NLB 15:00 (0's based), DEAC 25 (write zeroes), FUA 30, LR 31. */
#define NVME_RW_NLB(blocks) ((uint32_t)((blocks) - 1) & 0xffff)
#define NVME_RW_MAX_BLOCKS 65536u
#define NVME_RW_FUA (1u << 30)
#define NVME_WZ_DEAC (1u << 25)
#define NVME_NSID_ALL 0xffffffffu /* Flush of every namespace (§6.8) */

/* --- Identify Controller (§5.15.2, CNS 01h) --------------------------- */

struct nvme_identify_controller {
	uint16_t vid;          /* 0 PCI vendor ID */
	uint16_t ssvid;        /* 2 */
	char sn[20];           /* 4 serial number, ASCII, space padded */
	char mn[40];           /* 24 model number */
	char fr[8];            /* 64 firmware revision */
	uint8_t rab;           /* 72 */
	uint8_t ieee[3];       /* 73 */
	uint8_t cmic;          /* 76 multi-path I/O and namespace sharing */
	uint8_t mdts;          /* 77 max transfer 2^MDTS pages of CAP.MPSMIN; 0 = no limit */
	uint16_t cntlid;       /* 78 controller ID */
	uint32_t ver;          /* 80 */
	uint32_t rtd3r;        /* 84 */
	uint32_t rtd3e;        /* 88 */
	uint32_t oaes;         /* 92 */
	uint32_t ctratt;       /* 96 */
	uint16_t rrls;         /* 100 */
	uint8_t rsvd102[9];
	uint8_t cntrltype;     /* 111: 1 I/O controller, 2 discovery, 3 admin */
	uint8_t fguid[16];     /* 112 */
	uint16_t crdt[3];      /* 128 */
	uint8_t rsvd134[256 - 134];
	uint16_t oacs;         /* 256 optional admin command support */
	uint8_t acl;           /* 258 */
	uint8_t aerl;          /* 259 */
	uint8_t frmw;          /* 260 */
	uint8_t lpa;           /* 261 */
	uint8_t elpe;          /* 262 */
	uint8_t npss;          /* 263 */
	uint8_t rsvd264[512 - 264];
	uint8_t sqes;          /* 512 required 03:00 and maximum 07:04 SQ entry size, log2 */
	uint8_t cqes;          /* 513 same for CQ entries */
	uint16_t maxcmd;       /* 514 */
	uint32_t nn;           /* 516 number of namespaces (highest NSID) */
	uint16_t oncs;         /* 520 optional NVM command support */
	uint16_t fuses;        /* 522 */
	uint8_t fna;           /* 524 */
	uint8_t vwc;           /* 525 volatile write cache */
	uint16_t awun;         /* 526 */
	uint16_t awupf;        /* 528 */
	uint8_t nvscc;         /* 530 */
	uint8_t nwpc;          /* 531 */
	uint16_t acwu;         /* 532 */
	uint16_t rsvd534;
	uint32_t sgls;         /* 536 */
	uint32_t mnan;         /* 540 */
	uint8_t rsvd544[768 - 544];
	char subnqn[256];      /* 768 NVM subsystem NVMe qualified name */
	uint8_t rsvd1024[2048 - 1024];
	uint8_t psd[32][32];   /* 2048 power state descriptors */
	uint8_t vs[1024];      /* 3072 vendor specific */
};
_Static_assert(offsetof(struct nvme_identify_controller, vid) == 0, "VID");
_Static_assert(offsetof(struct nvme_identify_controller, sn) == 4, "SN");
_Static_assert(offsetof(struct nvme_identify_controller, mn) == 24, "MN");
_Static_assert(offsetof(struct nvme_identify_controller, fr) == 64, "FR");
_Static_assert(offsetof(struct nvme_identify_controller, cmic) == 76, "CMIC");
_Static_assert(offsetof(struct nvme_identify_controller, mdts) == 77, "MDTS");
_Static_assert(offsetof(struct nvme_identify_controller, cntlid) == 78, "CNTLID");
_Static_assert(offsetof(struct nvme_identify_controller, ver) == 80, "VER");
_Static_assert(offsetof(struct nvme_identify_controller, ctratt) == 96, "CTRATT");
_Static_assert(offsetof(struct nvme_identify_controller, cntrltype) == 111, "CNTRLTYPE");
_Static_assert(offsetof(struct nvme_identify_controller, crdt) == 128, "CRDT1");
_Static_assert(offsetof(struct nvme_identify_controller, oacs) == 256, "OACS");
_Static_assert(offsetof(struct nvme_identify_controller, npss) == 263, "NPSS");
_Static_assert(offsetof(struct nvme_identify_controller, sqes) == 512, "SQES");
_Static_assert(offsetof(struct nvme_identify_controller, cqes) == 513, "CQES");
_Static_assert(offsetof(struct nvme_identify_controller, maxcmd) == 514, "MAXCMD");
_Static_assert(offsetof(struct nvme_identify_controller, nn) == 516, "NN");
_Static_assert(offsetof(struct nvme_identify_controller, oncs) == 520, "ONCS");
_Static_assert(offsetof(struct nvme_identify_controller, vwc) == 525, "VWC");
_Static_assert(offsetof(struct nvme_identify_controller, sgls) == 536, "SGLS");
_Static_assert(offsetof(struct nvme_identify_controller, mnan) == 540, "MNAN");
_Static_assert(offsetof(struct nvme_identify_controller, subnqn) == 768, "SUBNQN");
_Static_assert(offsetof(struct nvme_identify_controller, psd) == 2048, "PSD0");
_Static_assert(offsetof(struct nvme_identify_controller, vs) == 3072, "vendor specific");
_Static_assert(sizeof(struct nvme_identify_controller) == NVME_IDENTIFY_SIZE, "Identify Controller");

#define NVME_CMIC_MULTI_CONTROLLER (1u << 1)
#define NVME_CMIC_SRIOV (1u << 2) /* this controller belongs to an SR-IOV function */
#define NVME_OACS_FORMAT (1u << 1)
#define NVME_OACS_NS_MANAGEMENT (1u << 3)
#define NVME_OACS_VIRTUALIZATION (1u << 7)
#define NVME_OACS_DOORBELL_BUFFER (1u << 8)
#define NVME_ONCS_WRITE_ZEROES (1u << 3)
#define NVME_VWC_PRESENT (1u << 0)
#define NVME_QES_REQUIRED(qes) ((qes) & 0xf)
#define NVME_QES_MAXIMUM(qes) ((qes) >> 4)

/* --- Identify Namespace (§5.15.2, CNS 00h, NVM command set) -------------- */

struct nvme_lba_format {
	uint16_t ms;      /* metadata bytes per block */
	uint8_t lbads;    /* block size 2^LBADS; 0 = format not available */
	uint8_t rp;       /* relative performance 01:00 */
};
_Static_assert(sizeof(struct nvme_lba_format) == 4, "LBA Format");

struct nvme_identify_namespace {
	uint64_t nsze;        /* 0 size in blocks */
	uint64_t ncap;        /* 8 capacity in blocks */
	uint64_t nuse;        /* 16 blocks in use */
	uint8_t nsfeat;       /* 24 */
	uint8_t nlbaf;        /* 25 number of LBA formats, 0's based */
	uint8_t flbas;        /* 26 formatted LBA size: index 03:00 */
	uint8_t mc;           /* 27 */
	uint8_t dpc;          /* 28 */
	uint8_t dps;          /* 29 */
	uint8_t nmic;         /* 30 namespace multi-path and sharing */
	uint8_t rescap;       /* 31 */
	uint8_t rsvd32[128 - 32];
	struct nvme_lba_format lbaf[16]; /* 128 */
	uint8_t rsvd192[384 - 192];
	uint8_t vs[4096 - 384];
};
_Static_assert(offsetof(struct nvme_identify_namespace, nsze) == 0, "NSZE");
_Static_assert(offsetof(struct nvme_identify_namespace, ncap) == 8, "NCAP");
_Static_assert(offsetof(struct nvme_identify_namespace, nuse) == 16, "NUSE");
_Static_assert(offsetof(struct nvme_identify_namespace, nlbaf) == 25, "NLBAF");
_Static_assert(offsetof(struct nvme_identify_namespace, flbas) == 26, "FLBAS");
_Static_assert(offsetof(struct nvme_identify_namespace, nmic) == 30, "NMIC");
_Static_assert(offsetof(struct nvme_identify_namespace, lbaf) == 128, "LBAF0");
_Static_assert(offsetof(struct nvme_identify_namespace, vs) == 384, "vendor specific");
_Static_assert(sizeof(struct nvme_identify_namespace) == NVME_IDENTIFY_SIZE, "Identify Namespace");

#define NVME_FLBAS_INDEX(flbas) ((flbas) & 0xf)
#define NVME_NMIC_SHARED (1u << 0)

/* --- Controller List (the "Controller List" format): Identify CNS 12h/13h, Namespace Attachment data --- */

#define NVME_CONTROLLER_LIST_MAX 2047
struct nvme_controller_list {
	uint16_t count;                               /* identifiers that follow */
	uint16_t id[NVME_CONTROLLER_LIST_MAX];        /* in increasing order */
};
_Static_assert(offsetof(struct nvme_controller_list, id) == 2, "identifier 0");
_Static_assert(sizeof(struct nvme_controller_list) == 4096, "Controller List");

/* --- Active Namespace ID list (§5.15.2, CNS 02h): increasing, 0-terminated --- */

struct nvme_ns_list {
	uint32_t nsid[1024];
};
_Static_assert(sizeof(struct nvme_ns_list) == 4096, "Namespace List");

/* --- Primary Controller Capabilities (§5.15.2, CNS 14h) --------- */

struct nvme_primary_caps {
	uint16_t cntlid;  /* 0 */
	uint16_t portid;  /* 2 */
	uint8_t crt;      /* 4 controller resource types: VQ 0, VI 1 */
	uint8_t rsvd5[27];
	uint32_t vqfrt;   /* 32 VQ flexible resources total */
	uint32_t vqrfa;   /* 36 VQ resources flexible assigned (to secondaries) */
	uint16_t vqrfap;  /* 40 VQ flexible allocated to the primary */
	uint16_t vqprt;   /* 42 VQ private resources total */
	uint16_t vqfrsm;  /* 44 VQ flexible resources per secondary, maximum */
	uint16_t vqgran;  /* 46 */
	uint8_t rsvd48[16];
	uint32_t vifrt;   /* 64 the same for VI */
	uint32_t virfa;   /* 68 */
	uint16_t virfap;  /* 72 */
	uint16_t viprt;   /* 74 */
	uint16_t vifrsm;  /* 76 */
	uint16_t vigran;  /* 78 */
	uint8_t rsvd80[4096 - 80];
};
_Static_assert(offsetof(struct nvme_primary_caps, crt) == 4, "CRT");
_Static_assert(offsetof(struct nvme_primary_caps, vqfrt) == 32, "VQFRT");
_Static_assert(offsetof(struct nvme_primary_caps, vqrfap) == 40, "VQRFAP");
_Static_assert(offsetof(struct nvme_primary_caps, vqfrsm) == 44, "VQFRSM");
_Static_assert(offsetof(struct nvme_primary_caps, vifrt) == 64, "VIFRT");
_Static_assert(offsetof(struct nvme_primary_caps, virfap) == 72, "VIRFAP");
_Static_assert(offsetof(struct nvme_primary_caps, vigran) == 78, "VIGRAN");
_Static_assert(sizeof(struct nvme_primary_caps) == 4096, "Primary Controller Capabilities");

/* --- Secondary Controller List (§5.15.2, CNS 15h; its Secondary Controller Entry) ---------- */

struct nvme_secondary_entry {
	uint16_t scid;   /* 0 secondary controller identifier */
	uint16_t pcid;   /* 2 its primary controller */
	uint8_t scs;     /* 4 state: bit 0 online */
	uint8_t rsvd5[3];
	uint16_t vfn;    /* 8 virtual function number (1 = the first VF) */
	uint16_t nvq;    /* 10 VQ flexible resources assigned */
	uint16_t nvi;    /* 12 VI flexible resources assigned */
	uint8_t rsvd14[18];
};
_Static_assert(offsetof(struct nvme_secondary_entry, pcid) == 2, "PCID");
_Static_assert(offsetof(struct nvme_secondary_entry, scs) == 4, "SCS");
_Static_assert(offsetof(struct nvme_secondary_entry, vfn) == 8, "VFN");
_Static_assert(offsetof(struct nvme_secondary_entry, nvq) == 10, "NVQ");
_Static_assert(offsetof(struct nvme_secondary_entry, nvi) == 12, "NVI");
_Static_assert(sizeof(struct nvme_secondary_entry) == 32, "Secondary Controller Entry");

#define NVME_SCS_ONLINE (1u << 0)
#define NVME_SECONDARY_LIST_MAX 127
struct nvme_secondary_list {
	uint8_t count;   /* 0 entries that follow */
	uint8_t rsvd1[31];
	struct nvme_secondary_entry entry[NVME_SECONDARY_LIST_MAX]; /* 32 */
};
_Static_assert(offsetof(struct nvme_secondary_list, entry) == 32, "entry 0");
_Static_assert(sizeof(struct nvme_secondary_list) == 4096, "Secondary Controller List");
