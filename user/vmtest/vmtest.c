/*
 * vmtest: the kernel's VM calls (lib/common/vm_abi.h) driven by a tiny VMM.
 *
 * Small real-mode guests, assembled into this program and copied into a
 * memory object mapped at guest-physical 0, exercise every kind of exit:
 * port I/O in and out, CPUID, an MMIO write and read at an address with no
 * memory, VMMCALL, an MSR read, EFER (which the kernel keeps itself), HLT,
 * an injected interrupt, an interrupt window and a triple fault; a second
 * vCPU runs garbage. Then two VMs run at once on two threads, a VMM is
 * killed in the middle of a run and the free frame count must come back,
 * and bad arguments must be refused.
 *
 * Each case prints `vmtest: NAME: pass` or `vmtest: NAME: fail: WHY`, and the
 * last line is `vmtest: done: N passed, N failed`; the exit status is 0 when
 * nothing failed. On a machine without SVM the only case is `no-svm`: the
 * calls must say -SIETCH_ENODEV. `vmtest spin` is the VMM that gets killed.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/common/vm_abi.h"
#include "lib/common/x86_decode.h"
#include "lib/common/x86_mmio.h"
#include "lib/os/os.h"

/* ---- the guests (16-bit code, run at CS=0 in real mode) ---- */

#define GUEST_RAM (64u << 10)
#define MAIN_IP 0x1000
#define HANDLER_IP 0x1800
#define LOOP_IP 0x1c00
#define GARBAGE_IP 0x4000
#define IDT_DESC 0x3000 /* a 6-byte IDTR image with limit 0 */
#define FCW_ADDR 0x3010
#define GUEST_FCW 0x0272
#define LOOP_COUNT 200

extern const uint8_t guest_main[], guest_main_end[], guest_handler[], guest_handler_end[];
extern const uint8_t guest_loop[], guest_loop_end[], guest_garbage[], guest_garbage_end[];
extern const uint8_t guest_spin[], guest_spin_end[], guest_long[], guest_long_end[];
extern const uint8_t guest_wait[], guest_wait_end[];

__asm__(".pushsection .rodata\n"
	".code16\n"
	"guest_main:\n"
	"	mov $0x42, %al\n"
	"	out %al, $0x80\n"          /* io-out */
	"	mov $0x3f8, %dx\n"
	"	mov $0x1234, %ax\n"
	"	out %ax, %dx\n"            /* io-out-word */
	"	in $0x71, %al\n"           /* io-in: the VMM answers 5Ah */
	"	mov %al, 0x2000\n"
	"	xor %eax, %eax\n"
	"	cpuid\n"                   /* cpuid: the VMM answers ebx = 'Siet' */
	"	mov %ebx, 0x2004\n"
	"	mov $0xb800, %bx\n"
	"	mov %bx, %ds\n"
	"	movb $0x77, 0x10\n"        /* mmio-write at B8010h */
	"	mov 0x20, %al\n"           /* mmio-read at B8020h: the VMM answers 99h */
	"	xor %bx, %bx\n"
	"	mov %bx, %ds\n"
	"	mov %al, 0x2001\n"
	"	vmmcall\n"                 /* vmmcall */
	"	mov $0x10, %ecx\n"
	"	rdmsr\n"                   /* msr: TSC, the VMM answers 1234h */
	"	mov %eax, 0x200c\n"
	"	mov $0xc0000080, %ecx\n"
	"	rdmsr\n"                   /* EFER: the kernel answers, no exit */
	"	mov %eax, 0x2008\n"
	"	wrmsr\n"
	"	fldcw 0x3010\n"            /* the guest's own x87 control word */
	"	movups 0x3020, %xmm7\n"    /* and its own SSE register */
	"	hlt\n"                     /* hlt: the VMM injects vector 20h */
	"	sti\n"
	"	nop\n"                     /* the interrupt arrives here: the handler says so on port 81h */
	"	cli\n"
	"	out %al, $0x82\n"          /* the VMM asks for an interrupt window */
	"	sti\n"
	"	nop\n"                     /* intr-window */
	"	cli\n"
	"	lidt 0x3000\n"
	"	int $0x21\n"               /* beyond the IDT's limit: #GP, #DF, shutdown */
	"guest_main_end:\n"
	"guest_handler:\n"
	"	mov $0x20, %al\n"
	"	out %al, $0x81\n"
	"	iret\n"
	"guest_handler_end:\n"
	"guest_loop:\n"                   /* AL = the VM's own number */
	"	mov $" "200" ", %cx\n"
	"1:	movb %al, 0x2100\n"
	"	out %al, $0x80\n"
	"	loop 1b\n"
	"	hlt\n"
	"guest_loop_end:\n"
	"guest_garbage:\n"
	"	ud2\n"
	"	.byte 0xff, 0xff, 0xff, 0xff\n"
	"guest_garbage_end:\n"
	"guest_spin:\n"
	"1:	incw 0x2200\n"
	"	jmp 1b\n"
	"guest_spin_end:\n"
	"guest_wait:\n"
	"	sti\n"
	"1:	jmp 1b\n"
	"guest_wait_end:\n"
	".code64\n"
	"guest_long:\n"                   /* 64-bit, at linear 40005000h = physical 5000h */
	"	movl $0x1ff, 0x100010\n"  /* mmio write beyond RAM, fetched through the guest's tables */
	"	mov 0x100020, %rax\n"     /* mmio read of 8 bytes */
	"	mov %rax, 0x6000\n"
	"	mov $0xc0000080, %ecx\n"
	"	rdmsr\n"                  /* EFER as the guest sees it: LME|LMA */
	"	mov %eax, 0x6008\n"
	"	cpuid\n"
	"	hlt\n"
	"guest_long_end:\n"
	".popsection\n");

/* ---- reporting ---- */

static int passed, failed;
static char why[256];

static bool fail_because(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool fail_because(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return false;
}

#define CHECK(cond, ...)                              \
	do {                                          \
		if (!(cond))                          \
			return fail_because(__VA_ARGS__); \
	} while (0)

/* A step that explains its own failure in `why`. */
#define STEP(call)                    \
	do {                          \
		if (!(call))          \
			return false; \
	} while (0)

static void verdict(const char *name, bool ok)
{
	if (ok) {
		passed++;
		printf("vmtest: %s: pass\n", name);
	} else {
		failed++;
		printf("vmtest: %s: fail: %s\n", name, why);
	}
	why[0] = 0;
	fflush(stdout);
}

/* ---- a tiny VMM ---- */

struct guest {
	long vm, memory, vcpu;
	uint8_t *ram; /* the VMM's view of guest-physical 0 .. GUEST_RAM */
	struct sietch_vcpu_run run;
};

static bool guest_create(struct guest *g)
{
	memset(g, 0, sizeof(*g));
	g->vm = os_vm_create(0);
	CHECK(g->vm >= 0, "vm_create: %s", os_strerror(g->vm));
	g->memory = os_memory_create(GUEST_RAM);
	CHECK(g->memory >= 0, "memory_create: %s", os_strerror(g->memory));
	long addr = os_memory_map(g->memory, NULL, SIETCH_PROT_READ | SIETCH_PROT_WRITE);
	CHECK(addr >= 0, "memory_map: %s", os_strerror(addr));
	g->ram = (uint8_t *)addr;
	long err = os_vm_map(g->vm, g->memory, 0, 0, GUEST_RAM, SIETCH_PROT_READ | SIETCH_PROT_WRITE | SIETCH_PROT_EXEC);
	CHECK(err == 0, "vm_map: %s", os_strerror(err));
	g->vcpu = os_vcpu_create(g->vm, 0);
	CHECK(g->vcpu >= 0, "vcpu_create: %s", os_strerror(g->vcpu));
	return true;
}

static void guest_load(struct guest *g, uint32_t at, const uint8_t *start, const uint8_t *end)
{
	memcpy(g->ram + at, start, (size_t)(end - start));
}

/* Real mode at 0000:ip, the stack at 7000h, the IVT at 0 with idt_limit. */
static bool real_mode(long vcpu, uint16_t ip, uint32_t idt_limit, uint64_t rax)
{
	struct sietch_vcpu_sregs s;
	long err = os_vcpu_get(vcpu, SIETCH_VCPU_SREGS, &s, sizeof(s));
	CHECK(err == 0, "vcpu_get sregs: %s", os_strerror(err));
	const struct sietch_vm_segment code = { .attr = 0x9b, .limit = 0xffff }, data = { .attr = 0x93, .limit = 0xffff };
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.idtr = (struct sietch_vm_segment){ .limit = idt_limit };
	s.cr0 = 0x10; /* ET; caches on */
	s.cr4 = 0x200; /* OSFXSR: SSE works, in real mode too */
	err = os_vcpu_set(vcpu, SIETCH_VCPU_SREGS, &s, sizeof(s));
	CHECK(err == 0, "vcpu_set sregs: %s", os_strerror(err));
	struct sietch_vcpu_regs r = { .rip = ip, .rflags = 2 };
	r.gpr[SIETCH_RSP] = 0x7000;
	r.gpr[SIETCH_RAX] = rax;
	err = os_vcpu_set(vcpu, SIETCH_VCPU_REGS, &r, sizeof(r));
	CHECK(err == 0, "vcpu_set regs: %s", os_strerror(err));
	return true;
}

static const char *reason_name(unsigned r)
{
	const char *n = sietch_vm_exit_name(r);
	return n ? n : "?";
}

/* Runs until the next exit, which must be `reason`. */
static bool run_to(struct guest *g, unsigned reason)
{
	long err = os_vcpu_run(g->vcpu, &g->run);
	g->run.request = 0;
	CHECK(err == 0, "vcpu_run: %s", os_strerror(err));
	CHECK(g->run.exit.reason == reason, "exit %s (hw %#lx, rip %#lx) where %s was due",
	      reason_name(g->run.exit.reason), (unsigned long)g->run.exit.hw_code, (unsigned long)g->run.exit.rip,
	      reason_name(reason));
	return true;
}

/* The next entry continues at rip (and with every other register as in run.regs). */
static void resume_at(struct guest *g, uint64_t rip)
{
	g->run.regs.rip = rip;
	g->run.request |= SIETCH_RUN_SET_REGS;
}

static bool expect_io(struct guest *g, uint16_t port, unsigned size, unsigned direction, uint64_t value)
{
	if (!run_to(g, SIETCH_VM_EXIT_IO))
		return false;
	const struct sietch_vm_exit_io *io = &g->run.exit.io;
	CHECK(io->port == port && io->size == size && io->direction == direction && !io->string && !io->rep,
	      "io exit port %#x size %u dir %u, not %#x/%u/%u", io->port, io->size, io->direction, port, size,
	      direction);
	CHECK(direction == SIETCH_VM_IO_IN || io->value == value, "OUT value %#lx, not %#lx",
	      (unsigned long)io->value, (unsigned long)value);
	CHECK(io->next_rip > g->run.exit.rip && io->next_rip - g->run.exit.rip <= 2, "next rip %#lx after %#lx",
	      (unsigned long)io->next_rip, (unsigned long)g->run.exit.rip);
	resume_at(g, io->next_rip);
	return true;
}

static uint16_t host_fcw(void)
{
	uint16_t fcw;
	__asm__ volatile("fnstcw %0" : "=m"(fcw));
	return fcw;
}

/* ---- the cases on the main guest, in the order it exits ---- */

static struct guest main_guest;

static bool case_io(struct guest *g)
{
	STEP(expect_io(g, 0x80, 1, SIETCH_VM_IO_OUT, 0x42));
	CHECK(g->run.exit.rip == MAIN_IP + 2, "first exit (after a 2-byte MOV) at rip %#lx", (unsigned long)g->run.exit.rip);
	STEP(expect_io(g, 0x3f8, 2, SIETCH_VM_IO_OUT, 0x1234));
	STEP(expect_io(g, 0x71, 1, SIETCH_VM_IO_IN, 0));
	g->run.regs.gpr[SIETCH_RAX] = (g->run.regs.gpr[SIETCH_RAX] & ~0xffull) | 0x5a;
	return true;
}

static bool case_cpuid(struct guest *g)
{
	STEP(run_to(g, SIETCH_VM_EXIT_CPUID));
	CHECK(g->run.exit.cpuid.leaf == 0, "leaf %#x", g->run.exit.cpuid.leaf);
	CHECK(g->ram[0x2000] == 0x5a, "the IN result did not reach guest memory: %#x", g->ram[0x2000]);
	g->run.regs.gpr[SIETCH_RAX] = 1;
	g->run.regs.gpr[SIETCH_RBX] = 0x74656953; /* "Siet" */
	resume_at(g, g->run.exit.rip + 2);
	return true;
}

static bool case_mmio(struct guest *g)
{
	STEP(run_to(g, SIETCH_VM_EXIT_MMIO));
	const struct sietch_vm_exit_mmio *m = &g->run.exit.mmio;
	CHECK(memcmp(g->ram + 0x2004, "Siet", 4) == 0, "CPUID's answer did not reach guest memory");
	CHECK(m->gpa == 0xb8010 && m->write && m->size == 1 && m->value == 0x77 && m->decoded_len == 5,
	      "write: gpa %#lx write %u size %u value %#lx len %u", (unsigned long)m->gpa, m->write, m->size,
	      (unsigned long)m->value, m->decoded_len);
	CHECK(m->insn_len == 15 && m->insn[0] == 0xc6, "instruction bytes: %u, first %#x", m->insn_len, m->insn[0]);
	resume_at(g, g->run.exit.rip + m->decoded_len);

	STEP(run_to(g, SIETCH_VM_EXIT_MMIO));
	CHECK(m->gpa == 0xb8020 && !m->write && m->size == 1, "read: gpa %#lx write %u size %u",
	      (unsigned long)m->gpa, m->write, m->size);
	/* What a VMM does: decode the bytes the kernel fetched, complete the load. */
	struct x86_insn insn;
	CHECK(x86_decode(m->insn, m->insn_len, X86_MODE_16, &insn) == 0 && insn.len == m->decoded_len,
	      "the VMM's decoder disagrees");
	x86_mmio_complete(&insn, g->run.regs.gpr, g->run.regs.rflags, 0x99);
	resume_at(g, g->run.exit.rip + insn.len);
	return true;
}

static bool case_vmmcall(struct guest *g)
{
	STEP(run_to(g, SIETCH_VM_EXIT_VMMCALL));
	CHECK(g->ram[0x2001] == 0x99, "the MMIO read's value did not reach the guest: %#x", g->ram[0x2001]);
	resume_at(g, g->run.exit.rip + 3);
	return true;
}

static const uint8_t vmm_pattern[16] = "the VMM's xmm7!";
static uint8_t vmm_xmm7[16];

static bool case_msr(struct guest *g)
{
	for (int i = 0; i < 16; i++)
		g->ram[0x3020 + i] = (uint8_t)(0xa0 + i); /* what the guest loads into its XMM7 */

	STEP(run_to(g, SIETCH_VM_EXIT_MSR_READ));
	CHECK(g->run.exit.msr.index == 0x10, "msr %#x", g->run.exit.msr.index);
	g->run.regs.gpr[SIETCH_RAX] = 0x1234;
	g->run.regs.gpr[SIETCH_RDX] = 0;
	resume_at(g, g->run.exit.rip + 2);
	return true;
}

static bool case_hlt(struct guest *g)
{
	/* The VMM's own XMM7 around the run in which the guest loads its one (no C code in between). */
	__asm__ volatile("movdqu %0, %%xmm7" ::"m"(vmm_pattern) : "xmm7");
	long err = os_vcpu_run(g->vcpu, &g->run);
	__asm__ volatile("movdqu %%xmm7, %0" : "=m"(vmm_xmm7));
	g->run.request = 0;
	CHECK(err == 0 && g->run.exit.reason == SIETCH_VM_EXIT_HLT, "vcpu_run %ld, exit %s where hlt was due", err,
	      reason_name(g->run.exit.reason));
	uint32_t tsc, efer;
	memcpy(&tsc, g->ram + 0x200c, 4);
	memcpy(&efer, g->ram + 0x2008, 4);
	CHECK(tsc == 0x1234, "RDMSR's answer did not reach the guest: %#x", tsc);
	CHECK(efer == 0, "the guest read EFER %#x (SVME must not show)", efer);
	CHECK(g->run.exit.efer == 0, "exit record EFER %#lx", (unsigned long)g->run.exit.efer);
	return true;
}

static bool case_fpu(struct guest *g)
{
	struct sietch_vcpu_fpu fpu;
	long err = os_vcpu_get(g->vcpu, SIETCH_VCPU_FPU, &fpu, sizeof(fpu));
	CHECK(err == 0, "vcpu_get fpu: %s", os_strerror(err));
	uint16_t fcw = (uint16_t)(fpu.fxsave[0] | fpu.fxsave[1] << 8);
	CHECK(fcw == GUEST_FCW, "the guest's FCW is %#x, not %#x", fcw, GUEST_FCW);
	CHECK(host_fcw() == 0x37f, "the VMM's FCW changed to %#x", host_fcw());
	/* FXSAVE keeps XMM7 at byte 288 (SDM vol.1 Table 10-2). */
	CHECK(memcmp(&fpu.fxsave[160 + 7 * 16], g->ram + 0x3020, 16) == 0, "the guest's XMM7 is not what it loaded");
	CHECK(memcmp(vmm_xmm7, vmm_pattern, 16) == 0, "the VMM's XMM7 changed while the guest ran");
	return true;
}

static bool case_inject(struct guest *g)
{
	struct sietch_vcpu_event e = { .type = SIETCH_EVENT_INTR, .vector = 0x20 };
	long err = os_vcpu_inject(g->vcpu, &e);
	CHECK(err == 0, "vcpu_inject: %s", os_strerror(err));
	CHECK(os_vcpu_inject(g->vcpu, &e) == -SIETCH_EBUSY, "a second pending INTR was taken");
	resume_at(g, g->run.exit.rip + 1); /* past HLT, with IF still clear: the kernel waits for STI */
	STEP(expect_io(g, 0x81, 1, SIETCH_VM_IO_OUT, 0x20));
	CHECK(!g->run.interrupt_pending, "the interrupt is still pending");
	return true;
}

static bool case_window(struct guest *g)
{
	STEP(expect_io(g, 0x82, 1, SIETCH_VM_IO_OUT, 0x20));
	g->run.request |= SIETCH_RUN_INTR_WINDOW;
	STEP(run_to(g, SIETCH_VM_EXIT_INTR_WINDOW));
	CHECK(g->run.regs.rflags & (1u << 9), "window with IF clear");
	return true;
}

static bool case_triple_fault(struct guest *g)
{
	STEP(run_to(g, SIETCH_VM_EXIT_SHUTDOWN));
	CHECK(g->run.exit.cr0 == 0x10, "cr0 %#lx in the report", (unsigned long)g->run.exit.cr0);
	/* A dead vCPU stays dead until its registers are set again. */
	CHECK(run_to(g, SIETCH_VM_EXIT_SHUTDOWN), "run after shutdown: %s", why);
	return true;
}

static bool case_garbage(struct guest *g)
{
	long vcpu = os_vcpu_create(g->vm, 1);
	CHECK(vcpu >= 0, "vcpu_create 1: %s", os_strerror(vcpu));
	guest_load(g, GARBAGE_IP, guest_garbage, guest_garbage_end);
	long main_vcpu = g->vcpu;
	g->vcpu = vcpu;
	bool ok = real_mode(vcpu, GARBAGE_IP, 0, 0) && run_to(g, SIETCH_VM_EXIT_SHUTDOWN);
	g->vcpu = main_vcpu;
	STEP(ok);
	CHECK(g->run.exit.rip >= GARBAGE_IP && g->run.exit.rip < GARBAGE_IP + 8, "rip %#lx",
	      (unsigned long)g->run.exit.rip);
	os_close(vcpu);
	return true;
}

static bool case_counters(struct guest *g)
{
	struct sietch_counters c;
	long err = os_counters(SIETCH_COUNTERS_VM, (uint64_t)g->vm, &c);
	CHECK(err == 0, "counters of the VM: %s", os_strerror(err));
	const struct sietch_vm_counters *v = &c.vm;
	CHECK(v->exit[SIETCH_VM_EXIT_IO] == 5 && v->exit[SIETCH_VM_EXIT_MMIO] == 2 &&
		      v->exit[SIETCH_VM_EXIT_CPUID] == 1 && v->exit[SIETCH_VM_EXIT_VMMCALL] == 1 &&
		      v->exit[SIETCH_VM_EXIT_MSR_READ] == 1 && v->exit[SIETCH_VM_EXIT_HLT] == 1 &&
		      v->exit[SIETCH_VM_EXIT_HOST_MSR] == 2 && v->exit[SIETCH_VM_EXIT_INTR_WINDOW] == 1 &&
		      v->exit[SIETCH_VM_EXIT_SHUTDOWN] == 2,
	      "exits io %lu mmio %lu cpuid %lu vmmcall %lu msr %lu hlt %lu host_msr %lu window %lu shutdown %lu",
	      (unsigned long)v->exit[1], (unsigned long)v->exit[2], (unsigned long)v->exit[3],
	      (unsigned long)v->exit[8], (unsigned long)v->exit[4], (unsigned long)v->exit[6],
	      (unsigned long)v->exit[19], (unsigned long)v->exit[9], (unsigned long)v->exit[7]);
	CHECK(v->injected == 1 && v->runs >= 15 && v->entries >= 14 && v->exits >= 14 && v->guest_ns > 0,
	      "injected %lu runs %lu entries %lu exits %lu guest_ns %lu", (unsigned long)v->injected,
	      (unsigned long)v->runs, (unsigned long)v->entries, (unsigned long)v->exits, (unsigned long)v->guest_ns);
	err = os_counters(SIETCH_COUNTERS_VCPU, (uint64_t)g->vcpu, &c);
	CHECK(err == 0 && c.vm.exit[SIETCH_VM_EXIT_IO] == 5, "vCPU counters: %s, io %lu", os_strerror(err),
	      (unsigned long)c.vm.exit[SIETCH_VM_EXIT_IO]);
	err = os_counters(SIETCH_COUNTERS_SELF, 0, &c);
	CHECK(err == 0 && c.vm.exit[SIETCH_VM_EXIT_IO] >= 5, "process counters: io %lu",
	      (unsigned long)c.vm.exit[SIETCH_VM_EXIT_IO]);
	err = os_counters(SIETCH_COUNTERS_SYSTEM, 0, &c);
	CHECK(err == 0 && c.vm.vms >= 1 && c.vm.vcpus >= 1, "system counters: %lu VMs %lu vCPUs",
	      (unsigned long)c.vm.vms, (unsigned long)c.vm.vcpus);
	CHECK(os_counters(SIETCH_COUNTERS_VM, (uint64_t)g->vcpu, &c) == -SIETCH_EBADF, "VM scope took a vCPU");
	return true;
}

/* ---- bad arguments on live objects ---- */

static bool case_badargs(struct guest *g)
{
	const unsigned rwx = SIETCH_PROT_READ | SIETCH_PROT_WRITE | SIETCH_PROT_EXEC;
	struct {
		const char *what;
		long got, want;
	} t[] = {
		{ "vm_create flags", os_vm_create(2), -SIETCH_EINVAL },
		{ "overlapping map", os_vm_map(g->vm, g->memory, 0, 0x1000, 0x1000, rwx), -SIETCH_EEXIST },
		{ "misaligned gpa", os_vm_map(g->vm, g->memory, 0, 0x100010, 0x1000, rwx), -SIETCH_EINVAL },
		{ "misaligned offset", os_vm_map(g->vm, g->memory, 8, 0x100000, 0x1000, rwx), -SIETCH_EINVAL },
		{ "size 0", os_vm_map(g->vm, g->memory, 0, 0x100000, 0, rwx), -SIETCH_EINVAL },
		{ "past the object", os_vm_map(g->vm, g->memory, 0, 0x100000, GUEST_RAM + 0x1000, rwx), -SIETCH_EINVAL },
		{ "offset past it", os_vm_map(g->vm, g->memory, GUEST_RAM, 0x100000, 0x1000, rwx), -SIETCH_EINVAL },
		{ "huge size", os_vm_map(g->vm, g->memory, 0x1000, 0x100000, ~0xfffull, rwx), -SIETCH_EINVAL },
		{ "gpa past 1 TiB", os_vm_map(g->vm, g->memory, 0, SIETCH_VM_GPA_LIMIT, 0x1000, rwx), -SIETCH_EINVAL },
		{ "gpa wraps", os_vm_map(g->vm, g->memory, 0, ~0xfffull, 0x2000, rwx), -SIETCH_EINVAL },
		{ "no READ", os_vm_map(g->vm, g->memory, 0, 0x100000, 0x1000, SIETCH_PROT_WRITE), -SIETCH_EINVAL },
		{ "unknown prot", os_vm_map(g->vm, g->memory, 0, 0x100000, 0x1000, 0x11), -SIETCH_EINVAL },
		{ "memory handle bad", os_vm_map(g->vm, 9999, 0, 0x100000, 0x1000, rwx), -SIETCH_EBADF },
		{ "VM as memory", os_vm_map(g->vm, g->vm, 0, 0x100000, 0x1000, rwx), -SIETCH_EBADF },
		{ "vCPU as VM", os_vm_map(g->vcpu, g->memory, 0, 0x100000, 0x1000, rwx), -SIETCH_EBADF },
		{ "unmap partial", os_vm_unmap(g->vm, 0, 0x1000), -SIETCH_EINVAL },
		{ "unmap nothing", os_vm_unmap(g->vm, 0x200000, 0x1000), -SIETCH_ENOENT },
		{ "unmap misaligned", os_vm_unmap(g->vm, 0x10, 0x1000), -SIETCH_EINVAL },
		{ "vcpu index 16", os_vcpu_create(g->vm, SIETCH_VM_MAX_VCPUS), -SIETCH_EINVAL },
		{ "vcpu index taken", os_vcpu_create(g->vm, 0), -SIETCH_EEXIST },
		{ "run request bits", 0, 0 },
		{ "run bad pointer", os_vcpu_run(g->vcpu, (struct sietch_vcpu_run *)0xdead0000ul), -SIETCH_EFAULT },
		{ "run kernel pointer", os_vcpu_run(g->vcpu, (struct sietch_vcpu_run *)0xffffffff80000000ul), -SIETCH_EFAULT },
		{ "get bad what", os_vcpu_get(g->vcpu, 9, &g->run.regs, sizeof(g->run.regs)), -SIETCH_EINVAL },
		{ "get bad size", os_vcpu_get(g->vcpu, SIETCH_VCPU_REGS, &g->run.regs, 8), -SIETCH_EINVAL },
		{ "get bad pointer", os_vcpu_get(g->vcpu, SIETCH_VCPU_REGS, (void *)8, sizeof(struct sietch_vcpu_regs)),
		  -SIETCH_EFAULT },
		{ "set bad pointer", os_vcpu_set(g->vcpu, SIETCH_VCPU_FPU, (void *)0xdead0000ul,
						sizeof(struct sietch_vcpu_fpu)), -SIETCH_EFAULT },
		{ "inject NMI vector", os_vcpu_inject(g->vcpu, &(struct sietch_vcpu_event){ .type = 2, .vector = 3 }),
		  -SIETCH_EINVAL },
		{ "inject exception 2", os_vcpu_inject(g->vcpu, &(struct sietch_vcpu_event){ .type = 3, .vector = 2 }),
		  -SIETCH_EINVAL },
		{ "inject exception 40", os_vcpu_inject(g->vcpu, &(struct sietch_vcpu_event){ .type = 3, .vector = 40 }),
		  -SIETCH_EINVAL },
		{ "inject type 7", os_vcpu_inject(g->vcpu, &(struct sietch_vcpu_event){ .type = 7, .vector = 40 }),
		  -SIETCH_EINVAL },
		{ "inject INTR 300", os_vcpu_inject(g->vcpu, &(struct sietch_vcpu_event){ .type = 0, .vector = 300 }),
		  -SIETCH_EINVAL },
		{ "inject bad pointer", os_vcpu_inject(g->vcpu, (void *)0xdead0000ul), -SIETCH_EFAULT },
		{ "VM counters bad", os_counters(SIETCH_COUNTERS_VM, 9999, (struct sietch_counters *)0), -SIETCH_EBADF },
	};
	struct sietch_vcpu_run run = { .request = 1u << 7 };
	t[20].got = os_vcpu_run(g->vcpu, &run);
	t[20].want = -SIETCH_EINVAL;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(t[i].got == t[i].want, "%s: %ld, not %ld", t[i].what, t[i].got, t[i].want);

	/* Bad state never reaches the VMCB: CR0.NW without CD, and an MXCSR FXRSTOR would fault on. */
	struct sietch_vcpu_sregs s, after;
	CHECK(os_vcpu_get(g->vcpu, SIETCH_VCPU_SREGS, &s, sizeof(s)) == 0, "vcpu_get sregs");
	s.cr0 = (1ull << 29) | 0x11;
	CHECK(os_vcpu_set(g->vcpu, SIETCH_VCPU_SREGS, &s, sizeof(s)) == -SIETCH_EINVAL, "CR0.NW without CD taken");
	s.cr0 = 0x11;
	s.efer = 1ull << 8;
	s.cr0 |= 1ull << 31; /* long mode without PAE */
	CHECK(os_vcpu_set(g->vcpu, SIETCH_VCPU_SREGS, &s, sizeof(s)) == -SIETCH_EINVAL, "LME+PG without PAE taken");
	CHECK(os_vcpu_get(g->vcpu, SIETCH_VCPU_SREGS, &after, sizeof(after)) == 0 && after.cr0 == 0x10,
	      "a refused set changed CR0 to %#lx", (unsigned long)after.cr0);
	struct sietch_vcpu_fpu fpu;
	CHECK(os_vcpu_get(g->vcpu, SIETCH_VCPU_FPU, &fpu, sizeof(fpu)) == 0, "vcpu_get fpu");
	memset(&fpu.fxsave[24], 0xff, 4);
	CHECK(os_vcpu_set(g->vcpu, SIETCH_VCPU_FPU, &fpu, sizeof(fpu)) == -SIETCH_EINVAL, "MXCSR ffffffff taken");
	return true;
}

/* ---- a 64-bit guest with its own page tables ---- */

#define LONG_CODE 0x5000
#define LONG_LINEAR 0x40000000ull /* PDPT[1]: the guest's second GiB maps physical 0 */

static void put64(uint8_t *ram, uint32_t at, uint64_t v) { memcpy(ram + at, &v, 8); }

static bool case_long_mode(void)
{
	static struct guest lg;
	struct guest *g = &lg;
	STEP(guest_create(g));
	guest_load(g, LONG_CODE, guest_long, guest_long_end);
	/* PML4 8000h, PDPT 9000h; PD A000h maps the first 2 MiB 1:1, PD B000h maps linear 1 GiB to 0. */
	put64(g->ram, 0x8000, 0x9000 | 3);
	put64(g->ram, 0x9000, 0xa000 | 3);
	put64(g->ram, 0x9008, 0xb000 | 3);
	put64(g->ram, 0xa000, 0x83);
	put64(g->ram, 0xb000, 0x83);
	struct sietch_vcpu_sregs s;
	CHECK(os_vcpu_get(g->vcpu, SIETCH_VCPU_SREGS, &s, sizeof(s)) == 0, "vcpu_get sregs");
	s.cs = (struct sietch_vm_segment){ .selector = 8, .attr = 0x29b, .limit = 0xffffffff };
	s.ds = s.es = s.ss = (struct sietch_vm_segment){ .selector = 0x10, .attr = 0xc93, .limit = 0xffffffff };
	s.cr0 = 0x80000011; /* PG, ET, PE */
	s.cr3 = 0x8000;
	s.cr4 = 0x20; /* PAE */
	s.efer = 0x500; /* LME, LMA */
	long err = os_vcpu_set(g->vcpu, SIETCH_VCPU_SREGS, &s, sizeof(s));
	CHECK(err == 0, "vcpu_set long-mode sregs: %s", os_strerror(err));
	struct sietch_vcpu_regs r = { .rip = LONG_LINEAR + LONG_CODE, .rflags = 2 };
	r.gpr[SIETCH_RSP] = 0x7000;
	CHECK(os_vcpu_set(g->vcpu, SIETCH_VCPU_REGS, &r, sizeof(r)) == 0, "vcpu_set regs");

	STEP(run_to(g, SIETCH_VM_EXIT_MMIO));
	const struct sietch_vm_exit_mmio *m = &g->run.exit.mmio;
	CHECK(g->run.exit.rip == LONG_LINEAR + LONG_CODE, "rip %#lx", (unsigned long)g->run.exit.rip);
	CHECK(m->gpa == 0x100010 && m->write && m->size == 4 && m->value == 0x1ff && m->insn[0] == 0xc7,
	      "write: gpa %#lx write %u size %u value %#lx insn %#x", (unsigned long)m->gpa, m->write, m->size,
	      (unsigned long)m->value, m->insn[0]);
	resume_at(g, g->run.exit.rip + m->decoded_len);
	STEP(run_to(g, SIETCH_VM_EXIT_MMIO));
	CHECK(m->gpa == 0x100020 && !m->write && m->size == 8, "read: gpa %#lx size %u", (unsigned long)m->gpa, m->size);
	struct x86_insn insn;
	CHECK(x86_decode(m->insn, m->insn_len, X86_MODE_64, &insn) == 0, "the VMM's decoder refuses it");
	x86_mmio_complete(&insn, g->run.regs.gpr, g->run.regs.rflags, 0x1122334455667788ull);
	resume_at(g, g->run.exit.rip + insn.len);
	STEP(run_to(g, SIETCH_VM_EXIT_CPUID));
	resume_at(g, g->run.exit.rip + 2);
	STEP(run_to(g, SIETCH_VM_EXIT_HLT));
	uint64_t loaded;
	uint32_t efer;
	memcpy(&loaded, g->ram + 0x6000, 8);
	memcpy(&efer, g->ram + 0x6008, 4);
	CHECK(loaded == 0x1122334455667788ull, "the 8-byte MMIO load gave %#lx", (unsigned long)loaded);
	CHECK(efer == 0x500 && g->run.exit.efer == 0x500, "EFER %#x in the guest, %#lx in the exit", efer,
	      (unsigned long)g->run.exit.efer);
	CHECK(g->run.exit.cr0 == 0x80000011 && g->run.exit.cr3 == 0x8000, "cr0 %#lx cr3 %#lx",
	      (unsigned long)g->run.exit.cr0, (unsigned long)g->run.exit.cr3);
	os_close(g->vcpu);
	os_close(g->vm);
	os_close(g->memory);
	return true;
}

/* ---- a guest that never exits, and a VMM that wants control back ---- */

#define RETURN_ON_INTR_RUNS 100

static bool case_return_on_intr(void)
{
	static struct guest sg;
	struct guest *g = &sg;
	STEP(guest_create(g));
	guest_load(g, MAIN_IP, guest_spin, guest_spin_end);
	STEP(real_mode(g->vcpu, MAIN_IP, 0x3ff, 0));
	uint16_t last = 0;
	for (int i = 0; i < 3; i++) {
		/* A host interrupt already pending at the entry ends a run before the guest's first
		 * instruction (seen on a loaded host): progress is asked of some run, not of each. */
		uint16_t count = last;
		for (int run = 0; run < RETURN_ON_INTR_RUNS && count == last; run++) {
			g->run.request = SIETCH_RUN_RETURN_ON_INTR;
			STEP(run_to(g, SIETCH_VM_EXIT_NONE));
			memcpy(&count, g->ram + 0x2200, 2);
		}
		CHECK(count != last, "the guest made no progress in %d returns (%u)", RETURN_ON_INTR_RUNS, count);
		last = count;
	}
	os_close(g->vcpu);
	os_close(g->vm);
	os_close(g->memory);
	return true;
}

/* ---- an interrupt injected from another thread while the guest runs ---- */

struct async_run {
	struct guest g;
	volatile int done;
	long err;
	uint64_t returned_ns;
};

static void async_thread(void *arg)
{
	struct async_run *a = arg;
	a->err = os_vcpu_run(a->g.vcpu, &a->g.run);
	a->returned_ns = (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC);
	a->done = 1;
}

static bool case_inject_running(void)
{
	static struct async_run a;
	struct guest *g = &a.g;
	STEP(guest_create(g));
	guest_load(g, MAIN_IP, guest_wait, guest_wait_end);
	guest_load(g, HANDLER_IP, guest_handler, guest_handler_end);
	g->ram[0x20 * 4] = HANDLER_IP & 0xff;
	g->ram[0x20 * 4 + 1] = HANDLER_IP >> 8;
	STEP(real_mode(g->vcpu, MAIN_IP, 0x3ff, 0));
	long tid = os_thread_create(async_thread, &a, 0);
	CHECK(tid >= 0, "thread_create: %s", os_strerror(tid));
	struct sietch_counters c;
	for (int tries = 0; tries < 500; tries++) { /* until the guest has run a while */
		if (os_counters(SIETCH_COUNTERS_VCPU, (uint64_t)g->vcpu, &c) == 0 && c.vm.entries >= 2)
			break;
		os_sleep_ns(2 * 1000 * 1000);
	}
	CHECK(!a.done, "vcpu_run returned early: %s, exit %s", os_strerror(a.err), reason_name(g->run.exit.reason));
	struct sietch_vcpu_event nmi = { .type = SIETCH_EVENT_NMI, .vector = 2 };
	CHECK(os_vcpu_inject(g->vcpu, &nmi) == -SIETCH_EBUSY, "an NMI was taken while the vCPU runs");
	struct sietch_vcpu_event e = { .type = SIETCH_EVENT_INTR, .vector = 0x20 };
	long err = os_vcpu_inject(g->vcpu, &e);
	CHECK(err == 0, "vcpu_inject while running: %s", os_strerror(err));
	uint64_t start = (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC);
	for (int tries = 0; !a.done && tries < 2000; tries++)
		os_sleep_ns(1000 * 1000);
	CHECK(a.done, "the guest never took the interrupt");
	CHECK(a.err == 0 && g->run.exit.reason == SIETCH_VM_EXIT_IO && g->run.exit.io.port == 0x81,
	      "vcpu_run %s, exit %s port %#x", os_strerror(a.err), reason_name(g->run.exit.reason),
	      g->run.exit.io.port);
	printf("inject-running: the VMM saw the handler's exit %lu us after the injection\n",
	       (unsigned long)((a.returned_ns - start) / 1000));
	os_close(g->vcpu);
	os_close(g->vm);
	os_close(g->memory);
	return true;
}

/* ---- two VMs at once, on two threads ---- */

struct loop_vm {
	struct guest g;
	uint8_t id;
	volatile int done;
	int outs;
	uint64_t ns_per_exit; /* a guest OUT to the VMM and back, on average */
	bool ok;
	char why[128];
};

static void loop_thread(void *arg)
{
	struct loop_vm *l = arg;
	struct guest *g = &l->g;
	uint64_t start = (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC);
	for (;;) {
		long err = os_vcpu_run(g->vcpu, &g->run);
		g->run.request = 0;
		if (err || g->run.exit.reason != SIETCH_VM_EXIT_IO)
			break;
		if (g->run.exit.io.port == 0x80 && g->run.exit.io.value == l->id)
			l->outs++;
		resume_at(g, g->run.exit.io.next_rip);
	}
	l->ns_per_exit = ((uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC) - start) / (uint64_t)(l->outs + 1);
	l->ok = g->run.exit.reason == SIETCH_VM_EXIT_HLT && l->outs == LOOP_COUNT && g->ram[0x2100] == l->id;
	snprintf(l->why, sizeof(l->why), "vm %u: last exit %s, %d OUTs of its own, memory %#x", l->id,
		 reason_name(g->run.exit.reason), l->outs, g->ram[0x2100]);
	l->done = 1;
}

static bool case_two_vms(void)
{
	static struct loop_vm vms[2];
	for (int i = 0; i < 2; i++) {
		vms[i] = (struct loop_vm){ .id = (uint8_t)(0xa0 + i) };
		STEP(guest_create(&vms[i].g));
		guest_load(&vms[i].g, LOOP_IP, guest_loop, guest_loop_end);
		STEP(real_mode(vms[i].g.vcpu, LOOP_IP, 0x3ff, vms[i].id));
	}
	for (int i = 0; i < 2; i++) {
		long tid = os_thread_create(loop_thread, &vms[i], 0);
		CHECK(tid >= 0, "thread_create: %s", os_strerror(tid));
	}
	for (int spins = 0; !(vms[0].done && vms[1].done) && spins < 6000; spins++)
		os_sleep_ns(10 * 1000 * 1000);
	for (int i = 0; i < 2; i++) {
		CHECK(vms[i].done, "vm %u never finished", vms[i].id);
		CHECK(vms[i].ok, "%s", vms[i].why);
		os_close(vms[i].g.vcpu);
		os_close(vms[i].g.vm);
		os_close(vms[i].g.memory);
	}
	printf("two-vms: %lu and %lu us per port-I/O exit, guest to VMM and back\n",
	       (unsigned long)(vms[0].ns_per_exit / 1000), (unsigned long)(vms[1].ns_per_exit / 1000));
	return true;
}

/* ---- a VMM killed in the middle of a run ---- */

/* `vmtest spin`: a VMM whose guest never exits to it. */
static int spin(void)
{
	static struct guest g;
	if (!guest_create(&g)) {
		printf("vmtest spin: %s\n", why);
		return 1;
	}
	guest_load(&g, MAIN_IP, guest_spin, guest_spin_end);
	if (!real_mode(g.vcpu, MAIN_IP, 0x3ff, 0))
		return 1;
	long err = os_vcpu_run(g.vcpu, &g.run);
	printf("vmtest spin: vcpu_run returned %ld, exit %s\n", err, reason_name(g.run.exit.reason));
	return 1;
}

static uint64_t free_frames(void)
{
	struct sietch_counters c;
	return os_counters(SIETCH_COUNTERS_SYSTEM, 0, &c) == 0 ? c.free_frames : 0;
}

/* Spawns a spinning VMM, waits until its guest has run, kills it; the frames it had must all come back. */
static bool kill_one(uint64_t *before, uint64_t *after)
{
	*before = free_frames();
	char *const argv[] = { "vmtest", "spin", NULL };
	long child = os_spawn("/bin/vmtest", argv);
	CHECK(child >= 0, "spawn: %s", os_strerror(child));
	struct sietch_proc_info info[64];
	long n = os_proc_list(info, 64);
	uint32_t pid = 0;
	for (long i = 0; i < n && i < 64; i++)
		if (info[i].parent == (uint32_t)os_self() && info[i].state == 0)
			pid = info[i].pid;
	bool running = false;
	for (int tries = 0; pid && !running && tries < 3000; tries++) {
		struct sietch_counters c;
		/* Entries beyond the first mean host interrupts ended the guest and were handled. */
		running = os_counters(SIETCH_COUNTERS_PROCESS, pid, &c) == 0 && c.vm.entries >= 3 &&
			  c.vm.exit[SIETCH_VM_EXIT_HOST_INTR] >= 2;
		if (!running)
			os_sleep_ns(10 * 1000 * 1000);
	}
	long err = os_kill(child, 137);
	int status = 0;
	long werr = os_wait(child, &status);
	os_close(child);
	CHECK(running, "the spinning guest never ran (pid %u)", pid);
	CHECK(err == 0 && werr == 0 && status == 137, "kill %ld, wait %ld, status %d", err, werr, status);
	/* A dead thread's kernel stack is freed by the next switch on its CPU: give that a moment. */
	for (int tries = 0; (*after = free_frames()) != *before && tries < 100; tries++)
		os_sleep_ns(10 * 1000 * 1000);
	return true;
}

static bool case_kill(void)
{
	uint64_t before, after;
	STEP(kill_one(&before, &after)); /* the first round grows the kernel heap */
	STEP(kill_one(&before, &after));
	CHECK(after == before, "%lu frames free before, %lu after", (unsigned long)before, (unsigned long)after);
	printf("kill-frees-frames: %lu frames free before and after\n", (unsigned long)after);
	return true;
}

/* ---- handles in another process ---- */

/* `vmtest foreign`: finds the VM and vCPU handles its parent sent and must be refused on every call. */
static int foreign(void)
{
	long vm = -1, vcpu = -1;
	for (int tries = 0; (vm < 0 || vcpu < 0) && tries < 500; tries++) {
		for (long h = 3; h < 32; h++) {
			struct sietch_stat st;
			if (os_stat(h, &st) == 0 && st.type == SIETCH_TYPE_VM)
				vm = h;
			if (os_stat(h, &st) == 0 && st.type == SIETCH_TYPE_VCPU)
				vcpu = h;
		}
		if (vm < 0 || vcpu < 0)
			os_sleep_ns(10 * 1000 * 1000);
	}
	struct sietch_vcpu_run run = { 0 };
	struct sietch_vcpu_regs regs;
	struct sietch_counters c;
	long r[] = {
		os_vm_unmap(vm, 0, GUEST_RAM), os_vcpu_create(vm, 5), os_vcpu_run(vcpu, &run),
		os_vcpu_get(vcpu, SIETCH_VCPU_REGS, &regs, sizeof(regs)), os_counters(SIETCH_COUNTERS_VM, (uint64_t)vm, &c),
	};
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		if (r[i] != -SIETCH_EPERM) {
			printf("vmtest foreign: call %zu on vm %ld / vcpu %ld gave %ld, not EPERM\n", i, vm, vcpu, r[i]);
			return 1;
		}
	}
	return 0;
}

static bool case_foreign(struct guest *g)
{
	char *const argv[] = { "vmtest", "foreign", NULL };
	long child = os_spawn("/bin/vmtest", argv);
	CHECK(child >= 0, "spawn: %s", os_strerror(child));
	long a = os_handle_send(child, g->vm, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE);
	long b = os_handle_send(child, g->vcpu, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE);
	int status = -1;
	long err = os_wait(child, &status);
	os_close(child);
	CHECK(a >= 0 && b >= 0, "handle_send: %s, %s", os_strerror(a), os_strerror(b));
	CHECK(err == 0 && status == 0, "the other process's calls were not all refused (status %d)", status);
	return true;
}

/* ---- random VM calls ---- */

/* The fuzzer, on a machine with SVM, where its VM calls reach past the handle checks. */
static bool case_fuzz(void)
{
	char *const argv[] = { "fuzz", "4000", "4242", NULL };
	struct sietch_counters before, after;
	os_counters(SIETCH_COUNTERS_SYSTEM, 0, &before);
	long child = os_spawn("/bin/fuzz", argv);
	CHECK(child >= 0, "spawn fuzz: %s", os_strerror(child));
	int status = -1;
	long err = os_wait(child, &status);
	os_close(child);
	CHECK(err == 0 && status == 0, "fuzz 4000 4242: wait %ld, status %d", err, status);
	os_counters(SIETCH_COUNTERS_SYSTEM, 0, &after);
	uint64_t calls = 0;
	for (unsigned nr = SYS_vm_create; nr <= SYS_vcpu_inject; nr++)
		calls += after.syscall[nr] - before.syscall[nr];
	printf("fuzz: %lu VM calls, %lu VMs live after it\n", (unsigned long)calls, (unsigned long)after.vm.vms);
	CHECK(calls > 0, "the fuzzer made no VM call");
	CHECK(after.vm.vms == before.vm.vms, "the fuzzer's VMs outlived it: %lu, were %lu",
	      (unsigned long)after.vm.vms, (unsigned long)before.vm.vms);
	return true;
}

/* ---- without SVM ---- */

static bool case_no_svm(long vm)
{
	CHECK(vm == -SIETCH_ENODEV, "vm_create: %ld", vm);
	CHECK(os_vm_map(3, 3, 0, 0, 4096, 1) == -SIETCH_EBADF, "vm_map on no VM");
	CHECK(os_vcpu_run(3, NULL) == -SIETCH_EBADF, "vcpu_run on no vCPU");
	return true;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "spin") == 0)
		return spin();
	if (argc > 1 && strcmp(argv[1], "foreign") == 0)
		return foreign();
	long vm = os_vm_create(0);
	if (vm < 0) {
		verdict("no-svm", case_no_svm(vm));
	} else {
		os_close(vm);
		struct guest *g = &main_guest;
		bool up = guest_create(g);
		if (up) {
			guest_load(g, MAIN_IP, guest_main, guest_main_end);
			guest_load(g, HANDLER_IP, guest_handler, guest_handler_end);
			g->ram[0x20 * 4] = HANDLER_IP & 0xff; /* IVT entry 20h: 0000:1800 */
			g->ram[0x20 * 4 + 1] = HANDLER_IP >> 8;
			g->ram[FCW_ADDR] = GUEST_FCW & 0xff;
			g->ram[FCW_ADDR + 1] = GUEST_FCW >> 8;
			up = real_mode(g->vcpu, MAIN_IP, 0x3ff, 0);
		}
		verdict("create", up);
		/* Each case needs the one before it: the guest runs on from where it stopped. */
		static const struct {
			const char *name;
			bool (*fn)(struct guest *);
		} steps[] = {
			{ "io", case_io }, { "cpuid", case_cpuid }, { "mmio", case_mmio }, { "vmmcall", case_vmmcall },
			{ "msr", case_msr }, { "hlt", case_hlt }, { "fpu", case_fpu }, { "inject", case_inject },
			{ "window", case_window }, { "triple-fault", case_triple_fault }, { "garbage", case_garbage },
			{ "counters", case_counters }, { "badargs", case_badargs }, { "foreign-handles", case_foreign },
		};
		for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
			bool ok = up && steps[i].fn(g);
			if (!up)
				fail_because("an earlier step failed");
			verdict(steps[i].name, ok);
			up = up && (ok || i >= 10);
		}
		verdict("long-mode", case_long_mode());
		verdict("return-on-intr", case_return_on_intr());
		verdict("inject-running", case_inject_running());
		verdict("two-vms", case_two_vms());
		verdict("kill-frees-frames", case_kill());
		verdict("fuzz", case_fuzz());
	}
	printf("vmtest: done: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
