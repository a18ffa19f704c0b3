/* The bootstrap CPU's path from boot/entry.S to a running system. */
#include "kernel/arch/cpu.h"
#include "kernel/arch/cpu_features.h"
#include "kernel/arch/gdt.h"
#include "kernel/arch/ioapic.h"
#include "kernel/arch/lapic.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/platform.h"
#include "kernel/arch/serial.h"
#include "kernel/arch/smp.h"
#include "kernel/arch/syscall.h"
#include "kernel/arch/timer.h"
#include "kernel/arch/trap.h"
#include "kernel/console.h"
#include "kernel/ctl/counters.h"
#include "kernel/ctl/endpoint.h"
#include "kernel/ctl/memory.h"
#include "drivers/console/kernel/console.h"
#include "drivers/igb/kernel/igb.h"
#include "drivers/nvme/kernel/ctl.h"
#include "kernel/iommu/iommu.h"
#include "kernel/ctl/namespace.h"
#include "kernel/ctl/spawn.h"
#include "kernel/ctl/syscall.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/sched.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/vm.h"
#include "kernel/pci/pci.h"
#include "kernel/test/faults.h"
#include "kernel/test/ktest.h"
#include "lib/common/cmdline.h"
#include "lib/common/multiboot2.h"
#include "lib/common/string.h"

#define CMDLINE_MAX 512

static char cmdline[CMDLINE_MAX];

static void print_memory_map(const void *info)
{
	uint64_t base, len;
	uint32_t type;
	for (size_t i = 0; mb2_mmap_entry(info, i, &base, &len, &type); i++)
		kprintf("mem: map base=0x%lx len=0x%lx type=%u\n", base, len, type);
}

static void boot_cpu_init(uint32_t magic, uint64_t info_phys, const void **info_out)
{
	percpu_init(&cpus[0], 0, 0);
	cpus_online = 1;
	serial_init();
	kprintf("\nsietch: booting\n");
	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not started by a Multiboot2 loader (magic 0x%x)", magic);
	if (info_phys >= (1ull << 30))
		panic("boot information at 0x%lx, beyond the boot mapping", info_phys);
	const void *info = phys_to_virt(info_phys);
	gdt_load(&cpus[0]);
	idt_init();
	idt_load();
	size_t full = strlen(mb2_cmdline(info)), len = full < CMDLINE_MAX - 1 ? full : CMDLINE_MAX - 1;
	memcpy(cmdline, mb2_cmdline(info), len);
	cmdline_unescape(cmdline);
	kprintf("sietch: command line '%s'\n", cmdline);
	if (full > len)
		kprintf("sietch: command line is %lu bytes, longer than %u: the last %lu are ignored\n", full,
			CMDLINE_MAX - 1, full - len);
	print_memory_map(info);
	*info_out = info;
}

static bool have_boot_image;

/* The boot image is the module called initrd.tar (or initrd), else the first one. */
static bool boot_image_find(const void *info, uint32_t *start, uint32_t *end)
{
	const char *name;
	for (size_t i = 0; mb2_module(info, i, start, end, &name); i++)
		if (strcmp(name, "initrd.tar") == 0 || strcmp(name, "initrd") == 0)
			return true;
	return mb2_module(info, 0, start, end, &name);
}

/* The boot image's files become the name tree; every module is also /boot/NAME (an archive cannot hold itself,
 * nor the kernel), and /dev/console joins them. */
static void names_init(const void *info)
{
	uint32_t start, end;
	const char *name;
	have_boot_image = boot_image_find(info, &start, &end);
	if (have_boot_image)
		namespace_init(phys_to_virt(start), end - start);
	else
		namespace_init(0, 0);
	for (size_t i = 0; mb2_module(info, i, &start, &end, &name); i++)
		if (*name && !namespace_add_boot_file(name, phys_to_virt(start), end - start))
			kprintf("namespace: boot module '%s' is not a file name for /boot\n", name);
	console_device_init();
}

/* Why spawning pid 1 failed, in words: the errors spawn_program returns. */
static const char *init_error_text(long err)
{
	switch (-err) {
	case SIETCH_ENOENT: return "no such file";
	case SIETCH_EISDIR: return "a directory or a device, not a program";
	case SIETCH_ENOEXEC: return "not an ELF64 x86-64 executable";
	case SIETCH_ENOMEM: return "out of memory";
	case SIETCH_E2BIG: return "its name is too long";
	default: return "it cannot be started";
	}
}

/* Without pid 1 nothing can ever run: say why and stop with a failure status rather than idle for ever. */
static _Noreturn void init_failed(const char *path, long err)
{
	kprintf("sietch: cannot start %s: %s (error %ld)\n", path, init_error_text(err), -err);
	if (!have_boot_image)
		kprintf("sietch: the boot loader passed no boot image (initrd.tar); with too little memory GRUB cannot "
			"load it\n");
	system_halt_all(EXIT_FAIL);
}

/* The first process: /bin/init, or the program named by init= (tests run one program this way). */
static void start_init(void)
{
	char path[128] = "/bin/init", block[128];
	cmdline_get(cmdline, "init", path, sizeof(path));
	const char *base = path;
	for (const char *c = path; *c; c++)
		if (*c == '/')
			base = c + 1;
	size_t len = strlen(base) + 1;
	memcpy(block, base, len);
	struct proc *init;
	long err = spawn_program(path, block, len, 0, &init);
	if (err)
		init_failed(path, err);
	kprintf("sietch: started %s as pid %u\n", path, init->pid);
	object_unref(&init->object);
}

static const void *acpi_map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	return kmap_phys(phys, len, 0);
}

static void flush_tlb(void *arg)
{
	(void)arg;
	tlb_flush_all_local();
}

/*
 * kernel/arch starts the CPUs with memory lent from kernel/mm: the trampoline
 * page below 1 MiB, identity-mapped for the few instructions it runs at its
 * physical address after paging turns on, and a stack per CPU.
 */
static void start_other_cpus(void)
{
	uint64_t phys = frame_alloc_contiguous(1, 1, SMP_TRAMPOLINE_LIMIT);
	if (phys == FRAME_NONE)
		panic("smp: no free page below 1 MiB for the AP trampoline");
	if (vm_map(&kernel_space, 0, 0, LARGE_PAGE_SIZE, VM_WRITE | VM_EXEC | VM_LARGE))
		panic("smp: cannot identity-map the trampoline");
	struct smp_boot_memory memory = { kernel_space.root, phys, phys_to_virt(phys), kmalloc, KERNEL_STACK_SIZE };
	smp_start(&memory);
	/* Nothing but the trampoline used the identity map: drop it (unmap also flushes this CPU's TLB). */
	vm_unmap(&kernel_space, 0, LARGE_PAGE_SIZE, false);
	smp_run_on_all(flush_tlb, 0);
	frame_free(phys);
}

void init_exited(int status)
{
	kprintf("sietch: init exited with status %d\n", status);
	system_halt_all(status == 0 ? EXIT_PASS : EXIT_FAIL);
}

static void after_boot(void)
{
	char value[256];
	if (cmdline_get(cmdline, "fault", value, sizeof(value)))
		fault_trigger(value);
	if (cmdline_get(cmdline, "wx", value, sizeof(value)))
		wx_trigger(value);
	if (cmdline_get(cmdline, "test", value, sizeof(value)))
		ktest_run(value);
	start_init();
}

void kernel_main(uint32_t magic, uint64_t info_phys)
{
	const void *info;
	boot_cpu_init(magic, info_phys, &info);
	frame_init(info);
	vm_init(info);
	cpu_features_init();
	platform_init(info, acpi_map);
	lapic_init(kmap_mmio(platform.madt.lapic_phys, PAGE_SIZE));
	lapic_enable();
	cpus[0].apic_id = lapic_id();
	ioapic_init(&platform.madt, kmap_mmio);
	timer_calibrate();
	arch_syscall_init_this_cpu();
	counters_init();
	memory_init(); /* proc's exit hooks run in the order added: memory, then endpoints */
	endpoint_init();
	syscall_init();
	sched_init_this_cpu();
	proc_init();
	names_init(info);
	pci_init(cmdline);
	iommu_init(platform.dmar, cmdline); /* before any driver starts a device's DMA */
	nvme_init();
	timer_start_this_cpu();
	interrupts_enable();
	start_other_cpus();
	igb_init(cmdline);
	kprintf("sietch: boot ok: cpus=%u mem=%luMiB\n", cpus_online, (uint64_t)(frame_managed_count() * PAGE_SIZE >> 20));
	after_boot();
	sched_idle();
}
