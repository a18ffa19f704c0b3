/*
 * lspci: the PCI functions the kernel found, with their BARs and
 * capabilities; each SR-IOV virtual function is listed under its physical
 * function, with the process that holds it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/common/pci.h"
#include "lib/os/os.h"

#define MAX_FUNCTIONS 256
#define BATCH 32

static struct sietch_pci_info fns[MAX_FUNCTIONS];

static const char *class_name(uint32_t class_code)
{
	static const struct {
		uint16_t class;
		const char *name;
	} names[] = {
		{ 0x0100, "SCSI" }, { 0x0101, "IDE" }, { 0x0106, "SATA" }, { 0x0108, "NVM Express" },
		{ 0x0200, "Ethernet" }, { 0x0300, "VGA" }, { 0x0600, "host bridge" }, { 0x0601, "ISA bridge" },
		{ 0x0604, "PCI bridge" }, { 0x0c03, "USB" }, { 0x0c05, "SMBus" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].class == class_code >> 8)
			return names[i].name;
	return "";
}

/* Names from the PCI Code and ID Assignment specification 1.11, §2 and §3. */
static const char *cap_name(uint8_t id)
{
	switch (id) {
	case PCI_CAP_ID_PM: return "PM";
	case PCI_CAP_ID_MSI: return "MSI";
	case PCI_CAP_ID_VENDOR: return "vendor";
	case PCI_CAP_ID_EXP: return "PCIe";
	case PCI_CAP_ID_MSIX: return "MSI-X";
	case 0x0d: return "SSVID"; /* bridge subsystem vendor ID */
	case 0x12: return "SATA";
	default: return 0;
	}
}

static const char *ecap_name(uint16_t id)
{
	switch (id) {
	case PCI_ECAP_ID_AER: return "AER";
	case PCI_ECAP_ID_ARI: return "ARI";
	case PCI_ECAP_ID_SRIOV: return "SR-IOV";
	case 0x0003: return "DSN";
	case 0x000b: return "vendor";
	case 0x000d: return "ACS";
	case 0x0019: return "SecPCIe";
	default: return 0;
	}
}

static void print_size(uint64_t size)
{
	if (size >= (1ull << 20) && !(size & ((1ull << 20) - 1)))
		printf("%lluM", (unsigned long long)(size >> 20));
	else if (size >= 1024 && !(size & 1023))
		printf("%lluK", (unsigned long long)(size >> 10));
	else
		printf("%llu", (unsigned long long)size);
}

static void print_bar(const char *indent, const char *label, unsigned index, const struct sietch_pci_bar *bar,
		      const char *suffix)
{
	if (!bar->size || (bar->flags & SIETCH_PCI_BAR_UPPER))
		return;
	printf("%s%sBAR%u %s%s ", indent, label, index,
	       bar->flags & SIETCH_PCI_BAR_IO ? "io" : bar->flags & SIETCH_PCI_BAR_64 ? "mem64" : "mem32",
	       bar->flags & SIETCH_PCI_BAR_PREFETCH ? " pref" : "");
	if (bar->base)
		printf("0x%llx", (unsigned long long)bar->base);
	else
		printf("unassigned");
	printf(" [");
	print_size(bar->size);
	printf("%s]\n", suffix);
}

static void print_window(const char *name, uint64_t base, uint64_t limit)
{
	if (limit < base)
		printf(" %s closed", name);
	else
		printf(" %s 0x%llx-0x%llx", name, (unsigned long long)base, (unsigned long long)limit);
}

static void print_windows(const char *indent, const struct sietch_pci_info *f)
{
	printf("%swindows:", indent);
	print_window("mem", f->mem_base, f->mem_limit);
	print_window("pref", f->pref_base, f->pref_limit);
	printf("\n");
}

static void print_caps(const char *indent, const struct sietch_pci_info *f)
{
	if (f->cap_count) {
		printf("%scaps:", indent);
		for (unsigned i = 0; i < f->cap_count && i < SIETCH_PCI_CAPS; i++) {
			const char *name = cap_name(f->cap_id[i]);
			name ? printf(" %s@%x", name, f->cap_offset[i]) : printf(" %02x@%x", f->cap_id[i], f->cap_offset[i]);
		}
		printf("%s\n", f->cap_count > SIETCH_PCI_CAPS ? " ..." : "");
	}
	if (f->ecap_count) {
		printf("%secaps:", indent);
		for (unsigned i = 0; i < f->ecap_count && i < SIETCH_PCI_CAPS; i++) {
			const char *name = ecap_name(f->ecap_id[i]);
			name ? printf(" %s@%x", name, f->ecap_offset[i]) : printf(" %04x@%x", f->ecap_id[i], f->ecap_offset[i]);
		}
		printf("%s\n", f->ecap_count > SIETCH_PCI_CAPS ? " ..." : "");
	}
	if (f->flags & SIETCH_PCI_MSIX)
		printf("%smsi-x: %u vectors, table BAR%u+0x%x, PBA BAR%u+0x%x\n", indent, f->msix_vectors,
		       f->msix_table_bar, f->msix_table_offset, f->msix_pba_bar, f->msix_pba_offset);
}

static void print_address(const struct sietch_pci_info *f)
{
	printf("%02x:%02x.%u", f->bus, f->devfn >> 3, f->devfn & 7);
}

static void print_function(const struct sietch_pci_info *f, const char *indent)
{
	char more[16];
	snprintf(more, sizeof(more), "%s    ", indent);
	printf("%s", indent);
	print_address(f);
	printf(" %04x:%04x class %04x %s", f->vendor, f->device, (unsigned)(f->class_code >> 8),
	       class_name(f->class_code));
	if (f->flags & SIETCH_PCI_VF) {
		printf(" VF %u of ", f->vf_index);
		print_address(&fns[f->pf]);
		struct sietch_vnic_pool pool;
		if (f->owner)
			printf(" owner pid %u", f->owner);
		if (f->owner && f->vendor == 0x8086 && f->device == 0x10ca && os_vnic_pool(f->vf_index, &pool) == 0)
			printf(pool.tx_rate_mbps ? " tx limit %u Mb/s" : " tx limit none", pool.tx_rate_mbps);
		else if (!f->owner)
			printf(" owner none");
		printf(" decodes %s", f->flags & SIETCH_PCI_DECODES ? "yes" : "no");
	}
	if (f->flags & SIETCH_PCI_BRIDGE)
		printf(" buses %u-%u", f->secondary, f->subordinate);
	printf("\n");
	for (unsigned b = 0; b < SIETCH_PCI_BARS; b++)
		print_bar(more, "", b, &f->bar[b], "");
	if (f->flags & SIETCH_PCI_BRIDGE)
		print_windows(more, f);
	print_caps(more, f);
	if (f->flags & SIETCH_PCI_DMA_REMAPPED) {
		if (f->dma_domain == SIETCH_PCI_DMA_KERNEL)
			printf("%sdma: the kernel's, untranslated\n", more);
		else if (f->dma_domain == SIETCH_PCI_DMA_BLOCKED)
			printf("%sdma: blocked\n", more);
		else
			printf("%sdma: domain %u, its owner's memory only\n", more, f->dma_domain);
	}
	if (f->flags & SIETCH_PCI_SRIOV) {
		printf("%ssr-iov: %u of %u VFs, offset 0x%x, stride %u, VF device %04x\n", more, f->num_vfs,
		       f->total_vfs, f->vf_offset, f->vf_stride, f->vf_device);
		for (unsigned b = 0; b < SIETCH_PCI_BARS; b++)
			print_bar(more, "VF ", b, &f->vf_bar[b], " each");
	}
}

int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		printf("usage: lspci\n");
		return 2;
	}
	size_t n = 0;
	for (;;) {
		long got = os_pci_list(n, &fns[n], MAX_FUNCTIONS - n < BATCH ? MAX_FUNCTIONS - n : BATCH);
		if (got < 0) {
			printf("lspci: %s\n", os_strerror(got));
			return 1;
		}
		n += (size_t)got;
		if (got == 0 || n == MAX_FUNCTIONS)
			break;
	}
	for (size_t i = 0; i < n; i++) {
		if (fns[i].flags & SIETCH_PCI_VF)
			continue;
		print_function(&fns[i], "");
		for (size_t v = 0; v < n; v++)
			if ((fns[v].flags & SIETCH_PCI_VF) && fns[v].pf == i)
				print_function(&fns[v], "  ");
	}
	bool remapped = false;
	for (size_t i = 0; i < n; i++)
		remapped |= (fns[i].flags & SIETCH_PCI_DMA_REMAPPED) != 0;
	printf(remapped ? "lspci: device DMA remapped by the IOMMU\n"
			: "lspci: no IOMMU: a device's owner can make it reach any memory\n");
	return 0;
}
