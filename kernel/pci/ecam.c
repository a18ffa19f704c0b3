/* ECAM configuration access (kernel/pci/ecam.h). */
#include "kernel/pci/ecam.h"

#include "kernel/arch/platform.h"
#include "kernel/arch/spinlock.h"
#include "kernel/console.h"
#include "kernel/mm/vm.h"
#include "lib/common/mmio.h"

#define ECAM_BUS_BYTES (1ull << 20) /* 32 devices x 8 functions x 4 KiB (PCIe §7.2.2) */

static struct ecam_region regions[ACPI_MAX_MCFG];
static unsigned region_count;
static struct spinlock map_lock = SPINLOCK_INIT("ecam map");

/* Maps a bus's configuration space on first use; uncached, as MMIO must be. The lock keeps two CPUs from mapping one bus twice. */
static volatile uint8_t *ecam_bus(struct ecam_region *r, uint8_t bus)
{
	uint64_t phys = r->phys + ((uint64_t)bus << 20);
	if (!__atomic_load_n(&r->mapped[bus], __ATOMIC_ACQUIRE)) {
		spin_lock(&map_lock);
		if (!r->mapped[bus])
			kmap_mmio(phys, ECAM_BUS_BYTES);
		__atomic_store_n(&r->mapped[bus], 1, __ATOMIC_RELEASE);
		spin_unlock(&map_lock);
	}
	return phys_to_virt(phys);
}

static volatile void *ecam_address(struct ecam_region *r, uint16_t rid, uint16_t offset)
{
	uint8_t bus = PCI_RID_BUS(rid);
	if (bus < r->bus_start || bus > r->bus_end || offset >= PCI_CFG_SIZE)
		return 0;
	return ecam_bus(r, bus) + ((uint64_t)(rid & 0xff) << 12) + offset;
}

/* A function that is not there answers all ones (PCIe §7.2.2), and so does a bus outside the window. */
static uint32_t ecam_read(void *ctx, uint16_t rid, uint16_t offset, unsigned width)
{
	volatile void *a = ecam_address(ctx, rid, offset);
	if (!a)
		return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	if (width == 1)
		return mmio_read8(a);
	if (width == 2)
		return mmio_read16(a);
	return mmio_read32(a);
}

static void ecam_write(void *ctx, uint16_t rid, uint16_t offset, unsigned width, uint32_t value)
{
	volatile void *a = ecam_address(ctx, rid, offset);
	if (!a)
		return;
	if (width == 1)
		mmio_write8(a, (uint8_t)value);
	else if (width == 2)
		mmio_write16(a, (uint16_t)value);
	else
		mmio_write32(a, value);
}

unsigned ecam_init(void)
{
	if (!platform.have_mcfg)
		return 0;
	for (uint32_t i = 0; i < platform.mcfg.count && region_count < ACPI_MAX_MCFG; i++) {
		struct ecam_region *r = &regions[region_count];
		r->phys = platform.mcfg.region[i].base;
		r->segment = platform.mcfg.region[i].segment;
		r->bus_start = platform.mcfg.region[i].bus_start;
		r->bus_end = platform.mcfg.region[i].bus_end;
		if (r->bus_end < r->bus_start || !r->phys) {
			kprintf("pci: MCFG entry %u is malformed; ignored\n", i);
			continue;
		}
		r->cfg = (struct pci_cfg){ .ctx = r, .read = ecam_read, .write = ecam_write };
		region_count++;
	}
	return region_count;
}

unsigned ecam_region_count(void) { return region_count; }

struct ecam_region *ecam_region(unsigned index) { return index < region_count ? &regions[index] : 0; }

const struct pci_cfg *ecam_cfg(uint16_t segment)
{
	for (unsigned i = 0; i < region_count; i++)
		if (regions[i].segment == segment)
			return &regions[i].cfg;
	return 0;
}
