/* Host tests for kernel/vmm/guest_cr.c, the control-register emulation SVM
 * shadow paging and the VMX back end share: MOV to CR0/CR3/CR4 with the
 * processor's checks and its entry into and exit from long mode, LMSW and
 * CLTS, what a write asks of the shadow (CR3 resync, whole-TLB flush),
 * INVLPG's linear address, and the event a guest's own fault becomes; then
 * the Multiboot2 entry's way into long mode as the VMX shadow back end runs
 * it, with the hardware registers the shadow engine derives at each step. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/vmm/guest_cr.c"
/* pt.c and x86_walk.c each have a static is_leaf and destroy_table. */
#define is_leaf pt_is_leaf
#define destroy_table pt_destroy_table
#include "lib/common/pt.c"
#undef is_leaf
#undef destroy_table
#include "kernel/shadowpt/shadowpt.c"
#include "lib/common/pt_format.c"
#include "lib/common/x86_walk.c"

#define FAKE_BASE 0x10000000ull
#include "tests/unit/stubs/fake_memory.h"

#define CR0_ET (1ull << 4)
#define CR0_TS (1ull << 3)
#define CR0_MP (1ull << 1)
#define CR4_PGE (1ull << 7)
#define CR4_VMXE (1ull << 13)
#define ALL_CR4 (~CR4_VMXE & 0xffffffull)

/* The Multiboot2 entry's state (Multiboot2 spec §3.3): protected mode, paging off. */
static struct x86_paging entry_state(void)
{
	return (struct x86_paging){ .cr0 = X86_CR0_PE | CR0_ET, .cr3 = 0, .cr4 = 0, .efer = 0 };
}

static void test_cr0_checks(void **state)
{
	(void)state;
	struct x86_paging g = entry_state();
	/* SDM vol.3A §2.5: #GP for bits 63:32, PG without PE, NW without CD; nothing changes. */
	assert_int_equal(guest_cr_write(&g, 0, 1ull << 32 | X86_CR0_PE, ALL_CR4), GUEST_CR_GP);
	assert_int_equal(guest_cr_write(&g, 0, X86_CR0_PG, ALL_CR4), GUEST_CR_GP);
	assert_int_equal(guest_cr_write(&g, 0, X86_CR0_PE | X86_CR0_NW, ALL_CR4), GUEST_CR_GP);
	assert_int_equal(g.cr0, X86_CR0_PE | CR0_ET);
	/* ET is hardwired to 1; CD with NW is allowed. */
	assert_int_equal(guest_cr_write(&g, 0, X86_CR0_PE | X86_CR0_CD | X86_CR0_NW, ALL_CR4), 0);
	assert_int_equal(g.cr0, X86_CR0_PE | X86_CR0_CD | X86_CR0_NW | CR0_ET);
	assert_int_equal(guest_cr_read(&g, 0), g.cr0);
	/* 32-bit paging on: no long mode without LME. */
	assert_int_equal(guest_cr_write(&g, 0, X86_CR0_PE | X86_CR0_PG, ALL_CR4), 0);
	assert_int_equal(g.efer & X86_EFER_LMA, 0);
}

/* §10.8.5: LMA follows PG while LME is set, and PG then needs PAE. */
static void test_long_mode(void **state)
{
	(void)state;
	struct x86_paging g = entry_state();
	g.efer = X86_EFER_LME;
	assert_int_equal(guest_cr_write(&g, 0, X86_CR0_PE | X86_CR0_PG, ALL_CR4), GUEST_CR_GP);
	assert_int_equal(g.efer, X86_EFER_LME);
	assert_int_equal(guest_cr_write(&g, 4, X86_CR4_PAE, ALL_CR4), 0);
	assert_int_equal(guest_cr_write(&g, 0, X86_CR0_PE | X86_CR0_PG, ALL_CR4), 0);
	assert_int_equal(g.efer, X86_EFER_LME | X86_EFER_LMA);
	/* PAE cannot go off in long mode (§2.5); PG off leaves it. */
	assert_int_equal(guest_cr_write(&g, 4, 0, ALL_CR4), GUEST_CR_GP);
	assert_int_equal(g.cr4, X86_CR4_PAE);
	assert_int_equal(guest_cr_write(&g, 0, X86_CR0_PE, ALL_CR4), 0);
	assert_int_equal(g.efer, X86_EFER_LME);
	assert_int_equal(guest_cr_write(&g, 4, 0, ALL_CR4), 0);
}

static void test_cr3_cr4_effects(void **state)
{
	(void)state;
	struct x86_paging g = entry_state();
	/* Every MOV to CR3 resynchronises, the same value too; bit 63 (no PCID flush) is not kept. */
	assert_int_equal(guest_cr_write(&g, 3, 0x5000, ALL_CR4), GUEST_CR_CR3_LOAD);
	assert_int_equal(guest_cr_write(&g, 3, 1ull << 63 | 0x5000, ALL_CR4), GUEST_CR_CR3_LOAD);
	assert_int_equal(guest_cr_read(&g, 3), 0x5000);
	/* Toggling PGE either way flushes global entries too (§4.10.4.1); other bits do not. */
	assert_int_equal(guest_cr_write(&g, 4, X86_CR4_PSE, ALL_CR4), 0);
	assert_int_equal(guest_cr_write(&g, 4, X86_CR4_PSE | CR4_PGE, ALL_CR4), GUEST_CR_FLUSH_ALL);
	assert_int_equal(guest_cr_write(&g, 4, X86_CR4_PSE | CR4_PGE | X86_CR4_PAE, ALL_CR4), 0);
	assert_int_equal(guest_cr_write(&g, 4, X86_CR4_PSE, ALL_CR4), GUEST_CR_FLUSH_ALL);
	/* A bit the processor does not allow (VMXE for a VMX guest). */
	assert_int_equal(guest_cr_write(&g, 4, X86_CR4_PSE | CR4_VMXE, ALL_CR4), GUEST_CR_GP);
	assert_int_equal(guest_cr_read(&g, 4), X86_CR4_PSE);
	/* CR2, CR8 and the rest are not this file's. */
	assert_int_equal(guest_cr_write(&g, 8, 0, ALL_CR4), GUEST_CR_GP);
}

static void test_lmsw_clts(void **state)
{
	(void)state;
	uint64_t cr0 = X86_CR0_PG | X86_CR0_PE | CR0_ET | CR0_TS;
	/* Bits 3:0 only: TS and MP from the source, PE stays set, the rest stays. */
	assert_int_equal(guest_cr_lmsw(cr0, 0xfff2), X86_CR0_PG | X86_CR0_PE | CR0_ET | CR0_MP);
	/* PE can be set by LMSW. */
	assert_int_equal(guest_cr_lmsw(CR0_ET, 1), CR0_ET | X86_CR0_PE);
}

static void test_invlpg_linear(void **state)
{
	(void)state;
	/* 64-bit mode: ES/CS/SS/DS bases count as 0, FS and GS's do; no wrap. */
	assert_int_equal(guest_cr_linear(true, 3, 0x1000, 0xffff800000001000ull), 0xffff800000001000ull);
	assert_int_equal(guest_cr_linear(true, 4, 0x10000, 0x1000), 0x11000);
	assert_int_equal(guest_cr_linear(true, 5, 0x20000, 0x1000), 0x21000);
	/* Elsewhere every base counts and the address wraps at 4 GiB. */
	assert_int_equal(guest_cr_linear(false, 3, 0x1000, 0x2000), 0x3000);
	assert_int_equal(guest_cr_linear(false, 0, 0xfffff000u, 0x2000), 0x1000);
}

static void test_fault_event(void **state)
{
	(void)state;
	uint64_t cr2 = 0x1234;
	struct x86_fault pf = { .vector = X86_EXC_PF, .error_code = X86_PF_W | X86_PF_P, .address = 0xdead000 };
	/* A #PF: vector 14, a hardware exception with its error code; CR2 the address. */
	uint64_t e = guest_cr_fault_event(0, &pf, &cr2);
	assert_int_equal(e, svm_evtinj(14, SVM_EVTINJ_TYPE_EXCEPTION, 1, X86_PF_W | X86_PF_P));
	assert_int_equal(e & 0xfff, 0xb0e); /* VMX interruption information: EV, type 3, vector 14 */
	assert_int_equal(cr2, 0xdead000);
	/* During delivery of an interrupt: the #PF. During delivery of a #PF: #DF(0), CR2 unchanged. */
	cr2 = 0;
	uint64_t intr = svm_evtinj(0x30, SVM_EVTINJ_TYPE_INTR, 0, 0);
	assert_int_equal(guest_cr_fault_event(intr, &pf, &cr2), e);
	cr2 = 0;
	assert_int_equal(guest_cr_fault_event(e, &pf, &cr2), svm_evtinj(8, SVM_EVTINJ_TYPE_EXCEPTION, 1, 0));
	assert_int_equal(cr2, 0);
	/* #GP has an error code and leaves CR2; #UD has none. */
	struct x86_fault gp = { .vector = X86_EXC_GP, .error_code = 0x18 }, ud = { .vector = X86_EXC_UD };
	assert_int_equal(guest_cr_fault_event(0, &gp, &cr2), svm_evtinj(13, SVM_EVTINJ_TYPE_EXCEPTION, 1, 0x18));
	assert_int_equal(guest_cr_fault_event(0, &ud, &cr2), svm_evtinj(6, SVM_EVTINJ_TYPE_EXCEPTION, 0, 0));
	assert_int_equal(cr2, 0);
}

/* ---- the Multiboot2 entry under VMX shadow paging ---- */

static struct fake_mem frames;
static uint8_t guest_ram[4 * PAGE_SIZE];

static int gread(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (addr >= sizeof(guest_ram) || len > sizeof(guest_ram) - addr)
		return -1;
	memcpy(buf, guest_ram + addr, len);
	return 0;
}

static int gwrite(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	(void)ctx;
	if (addr >= sizeof(guest_ram) || len > sizeof(guest_ram) - addr)
		return -1;
	memcpy(guest_ram + addr, buf, len);
	return 0;
}

/* Guest RAM [0, 16 MiB) at host physical + 4 GiB. */
static int map(void *ctx, uint64_t gpa, uint64_t *hpa, bool *writable)
{
	(void)ctx;
	if (gpa >= (16ull << 20))
		return -1;
	*hpa = gpa + (1ull << 32);
	*writable = true;
	return 0;
}

/* The shadow leaf for lin in the current root, 0 if none. */
static uint64_t shadow_leaf(struct shadow *sh, uint64_t lin)
{
	uint64_t *slot = leaf_slot(sh, sh->current, lin, false);
	return slot ? *slot : 0;
}

/* What vmx_shadow_enter gives the VMCS (CR0/CR4 before VMX's fixed bits). */
static struct x86_paging hw_of(struct shadow *sh, const struct x86_paging *g)
{
	assert_int_equal(shadow_sync(sh, g), 0);
	return (struct x86_paging){
		.cr0 = shadow_hw_cr0(sh), .cr3 = shadow_hw_cr3(sh), .cr4 = shadow_hw_cr4(sh), .efer = shadow_hw_efer(sh)
	};
}

static void test_entry_to_long_mode(void **state)
{
	(void)state;
	memset(&frames, 0, sizeof(frames));
	frames.frames = calloc(FAKE_FRAMES, PAGE_SIZE);
	frames.fail_after = -1;
	struct x86_mem guest_mem = { NULL, gread, gwrite };
	struct shadow_env env = {
		.guest_phys = &guest_mem,
		.gpa_to_hpa = map,
		.tables = { &frames, fake_phys_to_ptr, fake_alloc, fake_free },
	};
	struct shadow sh;
	shadow_init(&sh, &env, FAKE_FRAMES);

	/* Paging off: without an unrestricted guest the processor runs PAE paging with PG forced on
	 * (the guest reads its own CR0 from the read shadow), on an identity shadow. */
	struct x86_paging g = entry_state();
	struct x86_paging hw = hw_of(&sh, &g);
	assert_int_equal(hw.cr0, X86_CR0_PE | CR0_ET | X86_CR0_PG | X86_CR0_WP);
	assert_int_equal(hw.cr4 & X86_CR4_PAE, X86_CR4_PAE);
	assert_int_equal(hw.efer & (X86_EFER_LME | X86_EFER_LMA), 0); /* IA-32e mode guest off */
	assert_true(hw.cr3 != 0 && hw.cr3 < (1ull << 32));
	struct shadow_fault f;
	assert_int_equal(shadow_page_fault(&sh, 0x203000, X86_PF_W, 0, &f), SHADOW_FIXED);
	assert_int_equal(shadow_leaf(&sh, 0x203000) & 0x000ffffffffff000ull, 0x203000 + (1ull << 32));

	/* The guest's way into long mode: EFER.LME (WRMSR), CR4.PAE, CR3, then CR0.PG. */
	g.efer |= X86_EFER_LME;
	hw = hw_of(&sh, &g);
	assert_int_equal(hw.efer & X86_EFER_LME, 0); /* still paging off to the guest: LME would be long mode */
	assert_int_equal(guest_cr_write(&g, 4, X86_CR4_PAE, ALL_CR4), 0);
	assert_int_equal(guest_cr_write(&g, 3, 0x1000, ALL_CR4), GUEST_CR_CR3_LOAD);
	shadow_guest_cr3_write(&sh);
	assert_int_equal(guest_cr_write(&g, 0, g.cr0 | X86_CR0_PG, ALL_CR4), 0);
	hw = hw_of(&sh, &g);
	assert_int_equal(hw.efer & (X86_EFER_LME | X86_EFER_LMA), X86_EFER_LME | X86_EFER_LMA); /* IA-32e on */
	assert_int_equal(hw.cr0, g.cr0 | X86_CR0_WP);
	assert_int_equal(sh.stats.mode_changes, 1);
	assert_true(shadow_take_tlb_flush(&sh));
	assert_int_equal(shadow_leaf(&sh, 0x203000), 0); /* the identity shadow is gone */

	shadow_destroy(&sh);
	assert_int_equal(frames.allocs, frames.frees);
	free(frames.frames);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr0_checks),
		cmocka_unit_test(test_long_mode),
		cmocka_unit_test(test_cr3_cr4_effects),
		cmocka_unit_test(test_lmsw_clts),
		cmocka_unit_test(test_invlpg_linear),
		cmocka_unit_test(test_fault_event),
		cmocka_unit_test(test_entry_to_long_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
