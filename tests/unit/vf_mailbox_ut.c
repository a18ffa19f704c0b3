/*
 * Host tests of the shared VF mailbox (lib/os/vf_mailbox.c) against a model of
 * the control register alone, at offsets of the test's choosing: VFU that
 * sticks only while the PF does not hold the buffer (PFU), the read-to-clear
 * PFSTS, PFACK and RSTD, a PF that acknowledges a REQ and may answer it, and a
 * clock that only the model advances. The drivers' own tests (igbvf_ut.c,
 * ixgbevf_ut.c) run the same code at the 82576's and 82599's offsets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define VF_IO_MODEL
#include "tests/unit/stubs/vf_clock.h"
#include "lib/os/vf_mailbox.c"

#define CONTROL 0x0c0 /* not either device's offset: the code must take the caller's */
#define MEMORY 0x400
#define TIMEOUT_US 5000

static struct model {
	struct vf_mailbox mbx;
	uint8_t bar; /* where the VF's BAR would be: the model checks it is the one given */
	uint32_t reg[0x800 / 4];
	unsigned reads, writes;
	/* the PF */
	int pfu_held;	  /* VFU refused this many more times; -1: forever */
	int rsti;	  /* RSTI shows */
	int no_ack;	  /* a REQ gets no PFACK */
	int answer;	  /* a REQ gets a reply (PFSTS) too */
	uint32_t verdict; /* in the reply's word 0 */
	unsigned notices; /* messages of its own the PF sends before its reply, each once ACKed */
	uint32_t reply[VF_MAILBOX_WORDS];
	int reply_pending;
	uint32_t in[VF_MAILBOX_WORDS]; /* the last message as the PF read it */
	unsigned requests, acks;
} * m;

static uint32_t *R(uint32_t reg)
{
	return &m->reg[reg / 4];
}

uint32_t vf_read(volatile void *bar, uint32_t reg)
{
	assert_ptr_equal(bar, &m->bar);
	vf_clock.us++;
	m->reads++;
	uint32_t value = *R(reg);
	if (reg == CONTROL) {
		if (m->pfu_held)
			value |= VF_MAILBOX_PFU;
		if (m->rsti)
			value |= VF_MAILBOX_RSTI;
		*R(reg) &= ~VF_MAILBOX_READ_TO_CLEAR;
	}
	return value;
}

static void pf_put(const uint32_t *msg)
{
	for (int i = 0; i < VF_MAILBOX_WORDS; i++)
		*R(MEMORY + 4 * i) = msg[i];
	*R(CONTROL) |= VF_MAILBOX_PFSTS;
}

/* The PF puts its next message: a notice of its own while it has any, then the reply. */
static void pf_next(void)
{
	static const uint32_t notice[VF_MAILBOX_WORDS] = { 0x0100 };
	if (m->notices > 0) {
		m->notices--;
		pf_put(notice);
		return;
	}
	m->reply_pending = 0;
	pf_put(m->reply);
}

/* The PF's side of a REQ: it reads the message, acknowledges it and may put its reply. */
static void pf_take_request(void)
{
	m->requests++;
	for (int i = 0; i < VF_MAILBOX_WORDS; i++)
		m->in[i] = *R(MEMORY + 4 * i);
	if (!m->no_ack)
		*R(CONTROL) |= VF_MAILBOX_PFACK;
	if (!m->answer)
		return;
	m->reply[0] = (m->in[0] & VF_MAILBOX_MSG_TYPE_MASK) | m->verdict;
	for (int i = 1; i < VF_MAILBOX_WORDS; i++)
		m->reply[i] = m->in[i] | 0x80000000u;
	m->reply_pending = 1;
	pf_next();
}

void vf_write(volatile void *bar, uint32_t reg, uint32_t value)
{
	assert_ptr_equal(bar, &m->bar);
	m->writes++;
	if (reg != CONTROL) {
		assert_true(*R(CONTROL) & VF_MAILBOX_VFU); /* the buffer is written only while held */
		*R(reg) = value;
		return;
	}
	int granted = (value & VF_MAILBOX_VFU) && m->pfu_held == 0;
	if (m->pfu_held > 0 && (value & VF_MAILBOX_VFU))
		m->pfu_held--;
	*R(CONTROL) = (*R(CONTROL) & ~VF_MAILBOX_VFU) | (granted ? VF_MAILBOX_VFU : 0);
	if (value & VF_MAILBOX_REQ)
		pf_take_request();
	if (value & VF_MAILBOX_ACK) {
		m->acks++;
		if (m->reply_pending)
			pf_next();
	}
}

static const struct vf_mailbox_device device = {
	.control = CONTROL,
	.memory = MEMORY,
	.timeout_us = TIMEOUT_US,
	.notices = 2,
};

static const struct vf_mailbox_device no_notices = {
	.control = CONTROL,
	.memory = MEMORY,
	.timeout_us = TIMEOUT_US,
};

static int setup(void **state)
{
	(void)state;
	m = calloc(1, sizeof(*m));
	vf_clock = (struct vf_clock){ 0 };
	m->verdict = VF_MAILBOX_MSG_ACK;
	vf_mailbox_init(&m->mbx, &device, &m->bar);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(vf_clock.sleeps, 0); /* the mailbox polls; it never sleeps */
	free(m);
	return 0;
}

static void test_send_writes_the_words_and_waits_for_the_ack(void **state)
{
	(void)state;
	uint32_t msg[3] = { 0x02, 0x11223344, 0x5566 };
	assert_int_equal(vf_mailbox_send(&m->mbx, msg, 3), 0);
	assert_int_equal(m->requests, 1);
	assert_memory_equal(m->in, msg, sizeof(msg));
	assert_false(*R(CONTROL) & VF_MAILBOX_VFU); /* REQ gave the buffer back */
	assert_int_equal(m->mbx.seen, 0);	    /* the PFACK was consumed */
	assert_int_equal(vf_clock.pauses, 0);	    /* the ACK was there at the first look */
}

static void test_receive_reads_the_reply_and_acknowledges_it(void **state)
{
	(void)state;
	m->answer = 1;
	uint32_t msg[2] = { 0x08, 7 };
	assert_int_equal(vf_mailbox_send(&m->mbx, msg, 2), 0);
	/* PFACK and PFSTS came in the same read: taking one must not lose the other. */
	assert_true(m->mbx.seen & VF_MAILBOX_PFSTS);
	assert_false(*R(CONTROL) & VF_MAILBOX_PFSTS); /* cleared in the register by that read */
	uint32_t reply[VF_MAILBOX_WORDS];
	assert_int_equal(vf_mailbox_receive(&m->mbx, reply, VF_MAILBOX_WORDS), 0);
	assert_int_equal(reply[0], 0x80000008u);
	assert_int_equal(reply[1], 0x80000007u);
	assert_int_equal(m->acks, 1);
	assert_false(*R(CONTROL) & VF_MAILBOX_VFU);
	assert_int_equal(m->mbx.seen, 0);
}

static void test_receive_times_out_without_a_message(void **state)
{
	(void)state;
	uint32_t reply[1];
	assert_int_equal(vf_mailbox_receive(&m->mbx, reply, 1), -SIETCH_ETIMEDOUT);
	assert_in_range(vf_clock.us, TIMEOUT_US, TIMEOUT_US + 100); /* the caller's timeout, not another */
	assert_int_equal(m->acks, 0);
}

static void test_send_times_out_when_the_pf_never_acks(void **state)
{
	(void)state;
	m->no_ack = 1;
	uint32_t msg[1] = { 0x01 };
	assert_int_equal(vf_mailbox_send(&m->mbx, msg, 1), -SIETCH_ETIMEDOUT);
	assert_int_equal(m->requests, 1);
	assert_in_range(vf_clock.us, TIMEOUT_US, TIMEOUT_US + 100);
}

static void test_a_stale_ack_is_not_taken_for_the_answer(void **state)
{
	(void)state;
	*R(CONTROL) |= VF_MAILBOX_PFACK | VF_MAILBOX_PFSTS;
	vf_mailbox_refresh(&m->mbx); /* seen now, consumed by nobody */
	assert_int_equal(m->mbx.seen, VF_MAILBOX_PFACK | VF_MAILBOX_PFSTS);
	m->no_ack = 1;
	uint32_t msg[1] = { 0x01 };
	assert_int_equal(vf_mailbox_send(&m->mbx, msg, 1), -SIETCH_ETIMEDOUT);
	assert_false(m->mbx.seen & VF_MAILBOX_PFSTS);
}

static void test_lock_waits_for_the_pf_to_free_the_buffer(void **state)
{
	(void)state;
	m->pfu_held = 5;
	uint32_t msg[1] = { 0x01 };
	assert_int_equal(vf_mailbox_send(&m->mbx, msg, 1), 0);
	assert_int_equal(vf_clock.pauses, 5);
	m->pfu_held = -1;
	assert_int_equal(vf_mailbox_send(&m->mbx, msg, 1), -SIETCH_EBUSY);
	assert_int_equal(m->requests, 1); /* nothing written without the buffer */
	m->answer = 1;
	*R(CONTROL) |= VF_MAILBOX_PFSTS;
	uint32_t reply[1];
	assert_int_equal(vf_mailbox_receive(&m->mbx, reply, 1), -SIETCH_EBUSY);
	assert_int_equal(m->acks, 0);
}

static void test_bad_lengths_touch_nothing(void **state)
{
	(void)state;
	uint32_t msg[VF_MAILBOX_WORDS + 1] = { 0 };
	assert_int_equal(vf_mailbox_send(&m->mbx, msg, 0), -SIETCH_EINVAL);
	assert_int_equal(vf_mailbox_send(&m->mbx, msg, VF_MAILBOX_WORDS + 1), -SIETCH_EINVAL);
	assert_int_equal(vf_mailbox_receive(&m->mbx, msg, 0), -SIETCH_EINVAL);
	assert_int_equal(vf_mailbox_receive(&m->mbx, msg, VF_MAILBOX_WORDS + 1), -SIETCH_EINVAL);
	assert_int_equal(m->reads + m->writes, 0);
}

static void test_pf_reset_bits(void **state)
{
	(void)state;
	assert_false(vf_mailbox_pf_reset_pending(&m->mbx));
	m->rsti = 1;
	assert_true(vf_mailbox_pf_reset_pending(&m->mbx));
	m->rsti = 0;
	*R(CONTROL) |= VF_MAILBOX_RSTD;
	assert_false(vf_mailbox_pf_reset_pending(&m->mbx)); /* this read saw RSTD and cleared it */
	assert_true(vf_mailbox_take(&m->mbx, VF_MAILBOX_RSTD));
	assert_false(vf_mailbox_take(&m->mbx, VF_MAILBOX_RSTD)); /* taken once */
	*R(CONTROL) |= VF_MAILBOX_RSTD;
	vf_mailbox_refresh(&m->mbx);
	vf_mailbox_init(&m->mbx, &device, &m->bar); /* a VF reset forgets what came before it */
	assert_false(vf_mailbox_take(&m->mbx, VF_MAILBOX_RSTD));
}

static void test_call_pairs_a_request_with_its_reply(void **state)
{
	(void)state;
	m->answer = 1;
	uint32_t msg[3] = { 0x02, 0x11223344, 0x5566 };
	assert_int_equal(vf_mailbox_call(&m->mbx, msg, 3, 2), 0);
	assert_int_equal(msg[0], 0x02 | VF_MAILBOX_MSG_ACK);
	assert_int_equal(msg[1], 0x91223344u);
	assert_int_equal(msg[2], 0x5566); /* beyond reply_words: left alone */
	m->verdict = VF_MAILBOX_MSG_NACK;
	msg[0] = 0x02;
	assert_int_equal(vf_mailbox_call(&m->mbx, msg, 3, 2), -SIETCH_EACCES);
	m->verdict = 0; /* neither ACK nor NACK */
	msg[0] = 0x02;
	assert_int_equal(vf_mailbox_call(&m->mbx, msg, 3, 2), -SIETCH_EIO);
	m->answer = 0;
	msg[0] = 0x02;
	assert_int_equal(vf_mailbox_call(&m->mbx, msg, 3, 2), -SIETCH_ETIMEDOUT);
	assert_int_equal(m->requests, 4);
}

static void test_call_skips_as_many_notices_as_the_device_allows(void **state)
{
	(void)state;
	m->answer = 1;
	m->notices = 2;
	uint32_t msg[2] = { 0x05, 1518 };
	assert_int_equal(vf_mailbox_call(&m->mbx, msg, 2, 2), 0);
	assert_int_equal(msg[0], 0x05 | VF_MAILBOX_MSG_ACK);
	assert_int_equal(m->acks, 3); /* both notices and the reply read */
	m->notices = 3;
	msg[0] = 0x05;
	assert_int_equal(vf_mailbox_call(&m->mbx, msg, 2, 2), -SIETCH_EIO);
	vf_mailbox_init(&m->mbx, &no_notices, &m->bar);
	m->notices = 1;
	msg[0] = 0x05;
	assert_int_equal(vf_mailbox_call(&m->mbx, msg, 2, 2), -SIETCH_EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_send_writes_the_words_and_waits_for_the_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_reads_the_reply_and_acknowledges_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_times_out_without_a_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_times_out_when_the_pf_never_acks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_stale_ack_is_not_taken_for_the_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_waits_for_the_pf_to_free_the_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_lengths_touch_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pf_reset_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_call_pairs_a_request_with_its_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_call_skips_as_many_notices_as_the_device_allows, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
