/*
 * Intel 82576 (igb) registers and descriptor layouts, for the PF half in the
 * kernel and the VF half in libos. "82576" below is the Intel 82576EB GbE
 * Controller Datasheet: register offsets are from its register summary
 * (chapter 8, "Programming Interface", the PF and the VF register tables),
 * descriptor layouts from chapter 7, "Inline Functions". Each citation
 * names the section as well as its number, since numbers move between
 * revisions of the datasheet.
 *
 * The register file is sparse (offsets up to 0x10000), so registers are
 * named offsets; every structure the device reads or writes in memory is a
 * struct with a _Static_assert on each field offset and its size.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define IGB_VENDOR_ID 0x8086
#define IGB_PF_DEVICE_ID 0x10c9 /* 82576 copper, what QEMU's igb is */
#define IGB_VF_DEVICE_ID 0x10ca /* its virtual function, the SR-IOV capability's VF Device ID */

#define IGB_MAX_VFS 8     /* 82576 "Virtualization": eight pools, one a VF */
#define IGB_QUEUES 16     /* sixteen receive and sixteen transmit queues; pool n owns n and n + 8 */
#define IGB_PF_BAR_REGS 0 /* BAR0: 128 KiB of registers */
#define IGB_PF_BAR_MSIX 3 /* BAR3: MSI-X table and PBA */
#define IGB_VF_BAR_REGS 0 /* a VF's BAR0: 16 KiB of registers */
#define IGB_VF_BAR_MSIX 3 /* a VF's BAR3: its 3-entry MSI-X table */

/* ---- general registers ---- */
#define IGB_CTRL 0x00000     /* Device Control */
#define IGB_STATUS 0x00008   /* Device Status */
#define IGB_CTRL_EXT 0x00018 /* Extended Device Control */
#define IGB_MDIC 0x00020     /* MDI Control (PHY access) */

#define IGB_CTRL_SLU (1u << 6)   /* Set Link Up */
#define IGB_CTRL_RST (1u << 26)  /* Device Reset, self-clearing */
#define IGB_CTRL_VME (1u << 30)  /* VLAN Mode Enable */
#define IGB_STATUS_LU (1u << 1)  /* Link Up */
#define IGB_CTRL_EXT_PFRSTD (1u << 14) /* PF Reset Done: the VFs' mailboxes leave reset */

/* ---- interrupt registers ---- */
#define IGB_ICR 0x000c0  /* Interrupt Cause Read, read to clear */
#define IGB_IMS 0x000d0  /* Interrupt Mask Set */
#define IGB_IMC 0x000d8  /* Interrupt Mask Clear */
#define IGB_GPIE 0x01514 /* General Purpose Interrupt Enable */
#define IGB_EICS 0x01520 /* Extended Interrupt Cause Set */
#define IGB_EIMS 0x01524 /* Extended Interrupt Mask Set */
#define IGB_EIMC 0x01528 /* Extended Interrupt Mask Clear */
#define IGB_EIAC 0x0152c /* Extended Interrupt Auto Clear */
#define IGB_EIAM 0x01530 /* Extended Interrupt Auto Mask */
#define IGB_EICR 0x01580 /* Extended Interrupt Cause Read */
#define IGB_EITR(n) (0x01680 + 4 * (n)) /* Interrupt Throttle, n < 25 */
#define IGB_IVAR(n) (0x01700 + 4 * (n)) /* Interrupt Vector Allocation, n < 8 */
#define IGB_IVAR_MISC 0x01740

#define IGB_ICR_LSC (1u << 2)   /* Link Status Change */
#define IGB_ICR_VMMB (1u << 8)  /* a VF mailbox event */
#define IGB_GPIE_MSIX_MODE (1u << 4)
#define IGB_GPIE_EIAME (1u << 30)
#define IGB_GPIE_PBA (1u << 31)
#define IGB_IVAR_VALID 0x80u

/* ---- receive and transmit registers ---- */
#define IGB_RCTL 0x00100   /* Receive Control */
#define IGB_TCTL 0x00400   /* Transmit Control */
#define IGB_RXCSUM 0x05000 /* Receive Checksum Control */
#define IGB_RLPML 0x05004  /* Receive Long Packet Maximum Length */
#define IGB_MTA(n) (0x05200 + 4 * (n))  /* Multicast Table Array, n < 128 */
#define IGB_RAL(n) ((n) < 16 ? 0x05400 + 8 * (n) : 0x054e0 + 8 * ((n) - 16)) /* Receive Address Low, n < 24 */
#define IGB_RAH(n) (IGB_RAL(n) + 4)    /* Receive Address High */
#define IGB_VFTA(n) (0x05600 + 4 * (n)) /* VLAN Filter Table Array, n < 128 */
#define IGB_MRQC 0x05818                /* Multiple Receive Queues Command */

#define IGB_RCTL_EN (1u << 1)
#define IGB_RCTL_UPE (1u << 3) /* unicast promiscuous */
#define IGB_RCTL_MPE (1u << 4) /* multicast promiscuous */
#define IGB_RCTL_LPE (1u << 5) /* long packets */
#define IGB_RCTL_BAM (1u << 15)
#define IGB_RCTL_SECRC (1u << 26) /* strip the Ethernet CRC */
#define IGB_TCTL_EN (1u << 1)
#define IGB_TCTL_PSP (1u << 3) /* pad short packets */
#define IGB_RAH_AV (1u << 31)  /* Address Valid */
#define IGB_RAH_POOL_SHIFT 18  /* RAH pool select, bits 25:18 */
#define IGB_MRQC_VMDQ 0x3u     /* MRQC.Multiple Receive Queues Enable: VMDq, pools by MAC and VLAN, no RSS */

/* Queue n's registers: queues 0-3 at 0x2800/0x3800 + 0x100n, 4-15 at 0xc000/0xe000 + 0x40n. */
#define IGB_RXQ(n, reg) ((n) < 4 ? 0x02800 + 0x100 * (n) + (reg) : 0x0c000 + 0x40 * (n) + (reg))
#define IGB_TXQ(n, reg) ((n) < 4 ? 0x03800 + 0x100 * (n) + (reg) : 0x0e000 + 0x40 * (n) + (reg))
#define IGB_RDBAL(n) IGB_RXQ(n, 0x00) /* Receive Descriptor Base Address Low */
#define IGB_RDBAH(n) IGB_RXQ(n, 0x04)
#define IGB_RDLEN(n) IGB_RXQ(n, 0x08) /* bytes, a multiple of 128 */
#define IGB_SRRCTL(n) IGB_RXQ(n, 0x0c) /* Split and Replication Receive Control */
#define IGB_RDH(n) IGB_RXQ(n, 0x10)
#define IGB_RDT(n) IGB_RXQ(n, 0x18)
#define IGB_RXDCTL(n) IGB_RXQ(n, 0x28)
#define IGB_TDBAL(n) IGB_TXQ(n, 0x00)
#define IGB_TDBAH(n) IGB_TXQ(n, 0x04)
#define IGB_TDLEN(n) IGB_TXQ(n, 0x08)
#define IGB_TDH(n) IGB_TXQ(n, 0x10)
#define IGB_TDT(n) IGB_TXQ(n, 0x18)
#define IGB_TXDCTL(n) IGB_TXQ(n, 0x28)
#define IGB_TDWBAL(n) IGB_TXQ(n, 0x38) /* Transmit Descriptor Head Write-Back Address: bit 0 enables it */
#define IGB_TDWBAH(n) IGB_TXQ(n, 0x3c)

#define IGB_SRRCTL_BSIZEPKT_SHIFT 0 /* packet buffer size in KiB, bits 6:0 */
#define IGB_SRRCTL_DESCTYPE_ADV_ONEBUF (1u << 25) /* advanced descriptors, one buffer */
#define IGB_SRRCTL_DROP_EN (1u << 31)
#define IGB_XDCTL_ENABLE (1u << 25) /* RXDCTL/TXDCTL queue enable */

/* ---- virtualization registers ---- */
#define IGB_VMBMEM(vf) (0x00800 + 64 * (vf)) /* PF-VF mailbox memory, 16 dwords a VF */
#define IGB_P2VMAILBOX(vf) (0x00c00 + 4 * (vf))
#define IGB_MBVFICR 0x00c80 /* Mailbox VF Interrupt Cause: requests 7:0, acks 23:16 */
#define IGB_MBVFIMR 0x00c84
#define IGB_VFLRE 0x00c88   /* VF Function Level Reset events */
#define IGB_VFRE 0x00c8c    /* VF Receive Enables */
#define IGB_VFTE 0x00c90    /* VF Transmit Enables */
#define IGB_QDE 0x02408     /* Queue Drop Enable */
#define IGB_DTXSWC 0x03500  /* DMA Tx Switch Control */
#define IGB_VMVIR(vf) (0x03700 + 4 * (vf)) /* VM VLAN Insert */
#define IGB_VT_CTL 0x0581c
#define IGB_VMOLR(vf) (0x05ad0 + 4 * (vf)) /* VM Offload */
#define IGB_VLVF(n) (0x05d00 + 4 * (n))    /* VLAN VM Filter, n < 32 */

#define IGB_P2VMAILBOX_STS (1u << 0) /* PF sends a message */
#define IGB_P2VMAILBOX_ACK (1u << 1) /* PF acknowledges one */
#define IGB_P2VMAILBOX_PFU (1u << 3) /* PF owns the buffer */
#define IGB_MBVFICR_REQ(vf) (1u << (vf))
#define IGB_MBVFICR_ACK(vf) (1u << (16 + (vf)))
#define IGB_DTXSWC_LOOPBACK_EN (1u << 31) /* VF-to-VF switching */
#define IGB_VT_CTL_DIS_DEF_POOL (1u << 29)
#define IGB_VMOLR_AUPE (1u << 24) /* accept untagged */
#define IGB_VMOLR_BAM (1u << 27)  /* accept broadcast */
#define IGB_VMOLR_STRCRC (1u << 31)

/* ---- what the PF driver (drivers/igb/kernel) programs besides ---- */
#define IGB_CTRL_EXT_DRV_LOAD (1u << 28) /* the driver has taken the device from firmware */
#define IGB_ICR_ALL 0xffffffffu           /* IMC: mask every cause */
#define IGB_IVAR_MISC_OTHER_SHIFT 8       /* IVAR_MISC bits 15:8: the vector of ICR's "other" causes */
#define IGB_RCTL_VFE (1u << 18)           /* VLAN filter enable: tagged frames need VFTA and VLVF */
#define IGB_STATUS_SPEED_SHIFT 6          /* STATUS bits 7:6: 00 10 Mb/s, 01 100 Mb/s, 1x 1000 Mb/s */
#define IGB_STATUS_SPEED_MASK 3u
#define IGB_RLPML_MAX 0x3fffu             /* RLPML / VMOLR.RLPML: 14 bits of bytes */
#define IGB_VT_CTL_DEF_PL_SHIFT 7
#define IGB_VMOLR_RLPML_MASK 0x3fffu      /* the pool's longest frame */
#define IGB_VMOLR_LPE (1u << 16)          /* the pool takes long frames up to RLPML */
#define IGB_VMOLR_ROMPE (1u << 25)        /* accept multicast that hits the MTA */
#define IGB_RAH_POOL_MASK (0xffu << IGB_RAH_POOL_SHIFT)
#define IGB_VLVF_VLANID_MASK 0xfffu
#define IGB_VLVF_POOLSEL_SHIFT 12         /* bits 19:12: the pools that take this VLAN */
#define IGB_VLVF_ENABLE (1u << 31)
#define IGB_VLVF_COUNT 32
#define IGB_MTA_COUNT 128
#define IGB_RA_COUNT 24                   /* 16 RAL/RAH pairs and 8 in the RA2 block */
#define IGB_P2VMAILBOX_RVFU (1u << 4)     /* clear the VF's VFU: a VF that died holding the buffer */
#define IGB_DTXSWC_MAC_SPOOF(vf) (1u << (vf))        /* bits 7:0: drop a pool's frames from another MAC */
#define IGB_DTXSWC_VLAN_SPOOF(vf) (1u << (8 + (vf))) /* bits 15:8: the same for VLAN tags */

/* MDI Control: PHY register access (PHY address 1 on the 82576's internal PHY). */
#define IGB_MDIC_DATA_MASK 0xffffu
#define IGB_MDIC_REG_SHIFT 16
#define IGB_MDIC_PHY_SHIFT 21
#define IGB_MDIC_OP_WRITE (1u << 26)
#define IGB_MDIC_READY (1u << 28)
#define IGB_MDIC_ERROR (1u << 30)
#define IGB_PHY_ADDRESS 1
#define IGB_PHY_BMCR 0                     /* IEEE 802.3 clause 22 register 0, Control */
#define IGB_PHY_BMCR_ANRESTART (1u << 9)
#define IGB_PHY_BMCR_AUTOEN (1u << 12)

/* Transmit rate limiting per queue (what Linux's igb calls RTTDQSEL/RTTBCNRC/RTTBCNRM): select the
 * queue, then write the rate factor, link speed / rate, as a 10.14 fixed-point number. */
#define IGB_RTTDQSEL 0x03604
#define IGB_RTTBCNRM 0x03690
#define IGB_RTTBCNRC 0x036b0
#define IGB_RTTBCNRC_RS_ENA (1u << 31)
#define IGB_RTTBCNRC_RF_INT_SHIFT 14
#define IGB_RTTBCNRC_RF_DEC_MASK 0x3fffu
#define IGB_RTTBCNRC_RF_INT_MASK (IGB_RTTBCNRC_RF_DEC_MASK << IGB_RTTBCNRC_RF_INT_SHIFT)

/* ---- a VF's own register file (its BAR0) ---- */
#define IGBVF_CTRL 0x0000
#define IGBVF_STATUS 0x0008
#define IGBVF_VMBMEM 0x0800     /* the VF's view of its 16 mailbox dwords */
#define IGBVF_V2PMAILBOX 0x0c40 /* VF-to-PF mailbox control */
#define IGBVF_EICS 0x1520
#define IGBVF_EIMS 0x1524
#define IGBVF_EIMC 0x1528
#define IGBVF_EIAC 0x152c
#define IGBVF_EIAM 0x1530
#define IGBVF_EICR 0x1580
#define IGBVF_EITR(n) (0x1680 + 4 * (n)) /* n < 3 */
#define IGBVF_IVAR0 0x1700
#define IGBVF_IVAR_MISC 0x1740
/* A VF's queue 0 (its pool's queue n in the PF's numbering) sits at the queue-0 offsets. */
#define IGBVF_RDBAL IGB_RDBAL(0)
#define IGBVF_TDBAL IGB_TDBAL(0)

/* A VF's receive and transmit queue 0 (82576 "Virtual Function Device Registers" table: the
 * same offsets as the PF's queue 0; QEMU's igbvf.c vf_to_pf_addr maps them to queue n). */
#define IGBVF_RDBAH IGB_RDBAH(0)
#define IGBVF_RDLEN IGB_RDLEN(0)
#define IGBVF_SRRCTL IGB_SRRCTL(0)
#define IGBVF_RDH IGB_RDH(0)
#define IGBVF_RDT IGB_RDT(0)
#define IGBVF_RXDCTL IGB_RXDCTL(0)
#define IGBVF_TDBAH IGB_TDBAH(0)
#define IGBVF_TDLEN IGB_TDLEN(0)
#define IGBVF_TDH IGB_TDH(0)
#define IGBVF_TDT IGB_TDT(0)
#define IGBVF_TXDCTL IGB_TXDCTL(0)
/* The VF's own statistics ("Virtual Function Statistics" in the same table): 32-bit, they
 * wrap rather than clear on read, so the driver keeps 64-bit sums of the differences. */
#define IGBVF_VFGPRC 0x0f10 /* good packets received */
#define IGBVF_VFGPTC 0x0f14 /* good packets transmitted */
#define IGBVF_VFGORC 0x0f18 /* good octets received */
#define IGBVF_VFGOTC 0x0f34 /* good octets transmitted */
#define IGBVF_VFMPRC 0x0f3c /* multicast packets received */

#define IGBVF_CTRL_RST (1u << 26)
#define IGBVF_STATUS_LU (1u << 1) /* the PF's Link Up, which a VF reads through its STATUS */
/* 82576 §7.1.3.1 "Receive Descriptor Queue Structure", SRRCTL: BSIZEPACKET counts KiB. */
#define IGB_SRRCTL_BSIZEPKT_UNIT 1024u
#define IGB_SRRCTL_DESCTYPE_MASK (7u << 25)
/* RXDCTL/TXDCTL prefetch, host and write-back thresholds, bits 4:0, 12:8, 20:16 ("Receive
 * Descriptor Control", "Transmit Descriptor Control"). */
#define IGB_XDCTL_PTHRESH(n) ((uint32_t)(n) << 0)
#define IGB_XDCTL_HTHRESH(n) ((uint32_t)(n) << 8)
#define IGB_XDCTL_WTHRESH(n) ((uint32_t)(n) << 16)
/* Ring lengths: RDLEN/TDLEN are bytes and a multiple of 128, so rings are multiples of 8 descriptors. */
#define IGB_RING_ALIGN 128u
#define IGBVF_V2PMAILBOX_REQ (1u << 0)  /* VF sends a message */
#define IGBVF_V2PMAILBOX_ACK (1u << 1)
#define IGBVF_V2PMAILBOX_VFU (1u << 2)  /* VF owns the buffer */
#define IGBVF_V2PMAILBOX_PFU (1u << 3)
#define IGBVF_V2PMAILBOX_PFSTS (1u << 4) /* PF wrote a message */
#define IGBVF_V2PMAILBOX_PFACK (1u << 5)
#define IGBVF_V2PMAILBOX_RSTI (1u << 6) /* PF reset in progress */
#define IGBVF_V2PMAILBOX_RSTD (1u << 7) /* PF reset done */

/* ---- descriptors ---- */

/* §7.1.5.1 "Advanced Receive Descriptors (Read Format)": software fills it. */
struct igb_rx_desc_read {
	uint64_t packet_addr; /* bit 0 doubles as No Snoop Enable where enabled */
	uint64_t header_addr; /* bit 0 is DD when written back: keep it clear */
};

/* §7.1.5.2 "Advanced Receive Descriptors (Write-Back Format)": the device writes it over the read format. */
struct igb_rx_desc_wb {
	uint16_t pkt_info;  /* RSS type 3:0, packet type 16:4 */
	uint16_t hdr_info;  /* header length, split header */
	uint32_t rss_or_csum; /* RSS hash, or IP ID and fragment checksum */
	uint32_t status_error;
	uint16_t length;    /* bytes written to the packet buffer */
	uint16_t vlan;
};

union igb_rx_desc {
	struct igb_rx_desc_read read;
	struct igb_rx_desc_wb wb;
};

#define IGB_RXD_STAT_DD (1u << 0)  /* Descriptor Done */
#define IGB_RXD_STAT_EOP (1u << 1) /* End of Packet */
#define IGB_RXD_STAT_VP (1u << 3)  /* 802.1Q tagged */
#define IGB_RXD_STAT_UDPCS (1u << 4)
#define IGB_RXD_STAT_L4CS (1u << 5)
#define IGB_RXD_STAT_IPCS (1u << 6)
#define IGB_RXD_ERR_L4E (1u << 29)
#define IGB_RXD_ERR_IPE (1u << 30)
#define IGB_RXD_ERR_RXE (1u << 31)

/* §7.2.2.3 "Advanced Transmit Data Descriptor", read format. */
struct igb_tx_desc_read {
	uint64_t buffer_addr;
	uint32_t cmd_type_len; /* DTALEN 15:0, DTYP 23:20, DCMD 31:24 */
	uint32_t olinfo_status; /* STA 3:0, IDX 6:4, POPTS 13:8, PAYLEN 31:14 */
};

/* §7.2.2.3: its write-back format. */
struct igb_tx_desc_wb {
	uint64_t reserved;
	uint32_t nxtseq_seed;
	uint32_t status; /* DD in bit 0 */
};

union igb_tx_desc {
	struct igb_tx_desc_read read;
	struct igb_tx_desc_wb wb;
};

/* §7.2.2.2 "Advanced Transmit Context Descriptor": checksum and segmentation offload context. */
struct igb_tx_context_desc {
	uint32_t vlan_macip_lens; /* IPLEN 8:0, MACLEN 15:9, VLAN 31:16 */
	uint32_t seqnum_seed;
	uint32_t type_tucmd_mlhl; /* TUCMD 19:9, DTYP 23:20, DCMD 31:24 */
	uint32_t mss_l4len_idx;   /* IDX 6:4, L4LEN 15:8, MSS 31:16 */
};

#define IGB_TXD_DTALEN_MASK 0xffffu
#define IGB_TXD_DTYP_CTXT (0x2u << 20)
#define IGB_TXD_DTYP_DATA (0x3u << 20)
#define IGB_TXD_DCMD_EOP (1u << 24)
#define IGB_TXD_DCMD_IFCS (1u << 25) /* insert the Ethernet CRC */
#define IGB_TXD_DCMD_RS (1u << 27)   /* report status: write DD back */
#define IGB_TXD_DCMD_DEXT (1u << 29) /* advanced (extended) descriptor */
#define IGB_TXD_DCMD_VLE (1u << 30)
#define IGB_TXD_DCMD_TSE (1u << 31)
#define IGB_TXD_STAT_DD (1u << 0)
#define IGB_TXD_POPTS_IXSM (1u << 8) /* insert the IP checksum */
#define IGB_TXD_POPTS_TXSM (1u << 9) /* insert the TCP/UDP checksum */
#define IGB_TXD_PAYLEN_SHIFT 14
#define IGB_TXCTX_MACLEN_SHIFT 9
#define IGB_TXCTX_TUCMD_IPV4 (1u << 10)
#define IGB_TXCTX_TUCMD_L4T_TCP (1u << 11)

_Static_assert(offsetof(struct igb_rx_desc_read, header_addr) == 8, "82576 §7.1.5.1");
_Static_assert(sizeof(struct igb_rx_desc_read) == 16, "82576 §7.1.5.1");
_Static_assert(offsetof(struct igb_rx_desc_wb, hdr_info) == 2, "82576 §7.1.5.2");
_Static_assert(offsetof(struct igb_rx_desc_wb, rss_or_csum) == 4, "82576 §7.1.5.2");
_Static_assert(offsetof(struct igb_rx_desc_wb, status_error) == 8, "82576 §7.1.5.2");
_Static_assert(offsetof(struct igb_rx_desc_wb, length) == 12, "82576 §7.1.5.2");
_Static_assert(offsetof(struct igb_rx_desc_wb, vlan) == 14, "82576 §7.1.5.2");
_Static_assert(sizeof(union igb_rx_desc) == 16, "82576 §7.1.5");
_Static_assert(offsetof(struct igb_tx_desc_read, cmd_type_len) == 8, "82576 §7.2.2.3");
_Static_assert(offsetof(struct igb_tx_desc_read, olinfo_status) == 12, "82576 §7.2.2.3");
_Static_assert(offsetof(struct igb_tx_desc_wb, status) == 12, "82576 §7.2.2.3");
_Static_assert(sizeof(union igb_tx_desc) == 16, "82576 §7.2.2.3");
_Static_assert(offsetof(struct igb_tx_context_desc, seqnum_seed) == 4, "82576 §7.2.2.2");
_Static_assert(offsetof(struct igb_tx_context_desc, type_tucmd_mlhl) == 8, "82576 §7.2.2.2");
_Static_assert(offsetof(struct igb_tx_context_desc, mss_l4len_idx) == 12, "82576 §7.2.2.2");
_Static_assert(sizeof(struct igb_tx_context_desc) == 16, "82576 §7.2.2.2");

/* The PF-VF mailbox ("Virtualization", mailbox): 16 dwords a message; the first carries the type and
 * the ACK/NACK/CTS bits, as Linux's igb and igbvf drivers define the protocol on top of it. */
#define IGB_MBX_WORDS 16
#define IGB_MBX_ACK (1u << 31)
#define IGB_MBX_NACK (1u << 30)
#define IGB_MBX_CTS (1u << 29)

/* Message types in word 0 bits 15:0 (Linux's e1000_mbx.h names them; the 82576 carries bits only). */
#define IGB_MBX_TYPE_MASK 0xffffu
#define IGB_MBX_INFO_SHIFT 16 /* bits 23:16: a message's argument, e.g. a multicast count */
#define IGB_VF_RESET 0x01          /* VF -> PF: reset me; reply ACK + MAC in words 1-2 */
#define IGB_VF_SET_MAC_ADDR 0x02   /* words 1-2: the MAC; NACKed unless it is the VF's own */
#define IGB_VF_SET_MULTICAST 0x03  /* count in INFO, 16-bit hashes from word 1 on */
#define IGB_VF_SET_VLAN 0x04
#define IGB_VF_SET_LPE 0x05        /* word 1: the largest frame the VF receives, CRC excluded */
#define IGB_VF_SET_PROMISC 0x06
#define IGB_VF_API_NEGOTIATE 0x08  /* word 1: the API version the VF speaks; ACK if the PF does too */
#define IGB_PF_CONTROL_MSG 0x0100  /* PF -> VF: a notice (PF reset, link change) */
#define IGB_MBX_API_1_0 1          /* Sietch's version of the message set above */
