/*
 * A guest's local APIC; see lapic.h. Register offsets from SDM vol.3
 * Table 11-1 ("Local APIC Register Address Map").
 */
#include "user/vmm/lapic.h"

#include <string.h>

#define APIC_ID 0x20
#define APIC_VERSION 0x30
#define APIC_TPR 0x80
#define APIC_APR 0x90
#define APIC_PPR 0xa0
#define APIC_EOI 0xb0
#define APIC_LDR 0xd0
#define APIC_DFR 0xe0
#define APIC_SVR 0xf0
#define APIC_ISR 0x100
#define APIC_TMR 0x180
#define APIC_IRR 0x200
#define APIC_ESR 0x280
#define APIC_LVT_CMCI 0x2f0
#define APIC_ICR_LOW 0x300
#define APIC_ICR_HIGH 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INITIAL 0x380
#define APIC_TIMER_CURRENT 0x390
#define APIC_TIMER_DIVIDE 0x3e0

#define APIC_VERSION_VALUE 0x00060014u /* version 0x14 (integrated APIC), max LVT entry 6 (§11.4.8) */
#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define ICR_LEVEL_ASSERT (1u << 14)
#define NS_PER_S 1000000000ull
#define NEVER UINT64_MAX

void lapic_init(struct lapic *l, uint32_t id)
{
	memset(l, 0, sizeof(*l));
	l->id = id;
	l->dfr = 0xffffffffu;
	l->svr = 0xff; /* §11.4.7.1: the state after reset, software-disabled */
	for (int i = 0; i < 7; i++)
		l->lvt[i] = LVT_MASKED;
	l->timer_deadline_ns = NEVER;
}

static int lvt_index(uint32_t offset)
{
	if (offset == APIC_LVT_CMCI)
		return 6;
	if (offset >= APIC_LVT_TIMER && offset <= APIC_LVT_ERROR)
		return (int)(offset - APIC_LVT_TIMER) / 0x10;
	return -1;
}

static int highest_bit(const uint32_t bits[8])
{
	for (int i = 7; i >= 0; i--)
		if (bits[i])
			return i * 32 + 31 - __builtin_clz(bits[i]);
	return -1;
}

static uint64_t timer_divisor(const struct lapic *l)
{
	/* §11.5.4, Figure 11-10: bits 0, 1 and 3; 111b divides by 1 */
	uint32_t v = (l->timer_divide & 3) | ((l->timer_divide & 8) >> 1);
	return v == 7 ? 1 : 2ull << v;
}

static uint64_t ticks_to_ns(const struct lapic *l, uint64_t ticks)
{
	return ticks * timer_divisor(l) * (NS_PER_S / LAPIC_BUS_HZ);
}

static uint32_t timer_current(const struct lapic *l, uint64_t now_ns)
{
	if (!l->timer_initial || l->timer_deadline_ns == NEVER)
		return 0;
	uint64_t period = ticks_to_ns(l, l->timer_initial);
	uint64_t elapsed = now_ns > l->timer_start_ns ? now_ns - l->timer_start_ns : 0;
	if (l->lvt[0] & LVT_TIMER_PERIODIC)
		elapsed %= period;
	else if (elapsed >= period)
		return 0;
	return (uint32_t)(l->timer_initial - elapsed / (ticks_to_ns(l, 1)));
}

static void timer_arm(struct lapic *l, uint64_t now_ns)
{
	l->timer_start_ns = now_ns;
	l->timer_deadline_ns = l->timer_initial ? now_ns + ticks_to_ns(l, l->timer_initial) : NEVER;
}

void lapic_timer_poll(struct lapic *l, uint64_t now_ns)
{
	if (now_ns < l->timer_deadline_ns)
		return;
	if (!(l->lvt[0] & LVT_MASKED) && (l->svr & SVR_ENABLE))
		lapic_set_irr(l, (uint8_t)l->lvt[0]);
	if (l->lvt[0] & LVT_TIMER_PERIODIC) {
		uint64_t period = ticks_to_ns(l, l->timer_initial);
		l->timer_deadline_ns += period;
		if (l->timer_deadline_ns <= now_ns) /* far behind (the VMM was not scheduled): skip the missed ticks */
			l->timer_deadline_ns = now_ns + period;
		l->timer_start_ns = l->timer_deadline_ns - period;
	} else {
		l->timer_deadline_ns = NEVER;
	}
}

uint32_t lapic_read(struct lapic *l, uint32_t offset, uint64_t now_ns)
{
	if (offset >= APIC_ISR && offset < APIC_ISR + 0x80)
		return l->isr[(offset - APIC_ISR) / 0x10];
	if (offset >= APIC_IRR && offset < APIC_IRR + 0x80)
		return l->irr[(offset - APIC_IRR) / 0x10];
	if (offset >= APIC_TMR && offset < APIC_TMR + 0x80)
		return 0; /* every interrupt is edge-triggered here */
	if (lvt_index(offset) >= 0)
		return l->lvt[lvt_index(offset)];
	switch (offset) {
	case APIC_ID: return l->id << 24;
	case APIC_VERSION: return APIC_VERSION_VALUE;
	case APIC_TPR: return l->tpr;
	case APIC_PPR: {
		int in_service = highest_bit(l->isr);
		uint32_t isrv = in_service < 0 ? 0 : (uint32_t)in_service & 0xf0;
		return (l->tpr & 0xf0) > isrv ? l->tpr : isrv;
	}
	case APIC_LDR: return l->ldr;
	case APIC_DFR: return l->dfr;
	case APIC_SVR: return l->svr;
	case APIC_ESR: return l->esr;
	case APIC_ICR_LOW: return l->icr_low & ~(1u << 12); /* delivery status: always idle */
	case APIC_ICR_HIGH: return l->icr_high;
	case APIC_TIMER_INITIAL: return l->timer_initial;
	case APIC_TIMER_CURRENT: return timer_current(l, now_ns);
	case APIC_TIMER_DIVIDE: return l->timer_divide;
	default: return 0; /* APR, reserved */
	}
}

static void eoi(struct lapic *l)
{
	int v = highest_bit(l->isr);
	if (v >= 0)
		l->isr[v / 32] &= ~(1u << (v % 32));
}

static bool icr_send(struct lapic *l, uint32_t value, struct lapic_ipi *ipi)
{
	l->icr_low = value;
	*ipi = (struct lapic_ipi){
		.mode = (uint8_t)((value >> 8) & 7),
		.vector = (uint8_t)value,
		.shorthand = (uint8_t)((value >> 18) & 3),
		.level_assert = value & ICR_LEVEL_ASSERT,
		.dest = l->icr_high >> 24,
	};
	return true;
}

bool lapic_write(struct lapic *l, uint32_t offset, uint32_t value, uint64_t now_ns, struct lapic_ipi *ipi)
{
	int lvt = lvt_index(offset);
	if (lvt >= 0) {
		l->lvt[lvt] = (l->svr & SVR_ENABLE) ? value : value | LVT_MASKED;
		return false;
	}
	switch (offset) {
	case APIC_ID: l->id = value >> 24; break;
	case APIC_TPR: l->tpr = value & 0xff; break;
	case APIC_EOI: eoi(l); break;
	case APIC_LDR: l->ldr = value & 0xff000000u; break;
	case APIC_DFR: l->dfr = value | 0x0fffffffu; break;
	case APIC_SVR:
		l->svr = value & 0x3ff;
		if (!(value & SVR_ENABLE)) /* §11.4.7.2: software-disabling masks every LVT */
			for (int i = 0; i < 7; i++)
				l->lvt[i] |= LVT_MASKED;
		break;
	case APIC_ESR: l->esr = 0; break;
	case APIC_ICR_HIGH: l->icr_high = value & 0xff000000u; break;
	case APIC_ICR_LOW: return icr_send(l, value, ipi);
	case APIC_TIMER_INITIAL:
		l->timer_initial = value;
		timer_arm(l, now_ns);
		break;
	case APIC_TIMER_DIVIDE: l->timer_divide = value & 0xb; break;
	default: break; /* read-only or reserved */
	}
	return false;
}

void lapic_set_irr(struct lapic *l, uint8_t vector)
{
	if (vector >= 16) /* vectors 0-15 are illegal for the APIC (§11.5.2) */
		l->irr[vector / 32] |= 1u << (vector % 32);
}

int lapic_pending(const struct lapic *l)
{
	int v = highest_bit(l->irr), in_service = highest_bit(l->isr);
	if (v < 0 || !(l->svr & SVR_ENABLE))
		return -1;
	if ((uint32_t)(v & 0xf0) <= (l->tpr & 0xf0) || (in_service >= 0 && (v & 0xf0) <= (in_service & 0xf0)))
		return -1;
	return v;
}

void lapic_accept(struct lapic *l, uint8_t vector)
{
	l->irr[vector / 32] &= ~(1u << (vector % 32));
	l->isr[vector / 32] |= 1u << (vector % 32);
}
