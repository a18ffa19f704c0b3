/*
 * blktest: checks a storage area from inside a process.
 *
 *   blktest write PATH SEED    writes a pattern over the first blocks, flushes, reads it back
 *   blktest verify PATH SEED   reads the pattern back (after a reboot)
 *   blktest readonly PATH SEED on an area without write right: opening for writing is
 *                              refused, reading works and finds the pattern, a write
 *                              through the read-only grant is refused and changes nothing;
 *                              on a hardware-enforced area: opening it for reading alone is refused
 *   blktest checks PATH        one owner at a time, commands outside the area refused,
 *                              memory outside the grant refused, an owner killed frees it
 *   blktest adminbell PATH clean|garbage  hardware-enforced: open, (ring the VF's admin
 *                              doorbell with garbage,) a write and read on its own queue, close
 *   blktest hold PATH          opens the area and keeps it until killed (on a VF with
 *                              16 reads handed to the device and never reaped)
 *   blktest pair PATH SEED OTHER SEED2  `write` on PATH while a second process does on OTHER
 *   blktest zeroes PATH SEED   writes the pattern, then Write Zeroes over blocks 8-23 of it:
 *                              those read back as zeros, the rest unchanged
 *   blktest unflushed PATH SEED  writes the pattern of `write` without a Flush and keeps the
 *                              area open until killed: what a clean power-off must flush
 *   blktest loop PATH N        N 4 KiB writes and N reads, one command per batch, on a
 *                              dedicated CPU: the system calls and interrupts they cost
 *   blktest irq PATH N         the same, sleeping on the queue's interrupt instead of polling
 *   blktest dma PATH ADDR [write]
 *                              hardware-enforced area only: the attack an IOMMU stops, a read
 *                              whose data the VF writes at bus address ADDR, or with write a
 *                              write whose data it reads at ADDR + 4 KiB (block 0 of the area
 *                              is lost); prints the verdict, the DMA blocked (this process's
 *                              counters) and what the grant answers afterwards (the kernel
 *                              stops a VF whose DMA was blocked: EIO)
 *
 * Each line it prints starts with "blktest:"; the last is "blktest: ok" or a failure.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/os/io.h"
#include "lib/common/nvme_cmd.h"
#include "lib/os/os.h"

#define PATTERN_BYTES (256 * 1024) /* two commands' worth at the kernel-checked maximum */
#define BUF_BYTES PATTERN_BYTES

/* What `pair` holds back while the other process prints, so the lines do not interleave. */
static char held[2048];
static bool holding;

static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (holding) {
		size_t used = strlen(held);
		vsnprintf(held + used, sizeof(held) - used, fmt, ap);
	} else {
		vprintf(fmt, ap);
	}
	va_end(ap);
}

static int failed(const char *what, long err, const struct nvme_io *io)
{
	say("blktest: FAIL %s: %s%s%s\n", what, os_strerror(err), io && io->error[0] ? ": " : "",
	       io ? io->error : "");
	return 1;
}

static uint8_t pattern_byte(uint64_t seed, size_t i) { return (uint8_t)((i * 2654435761u) >> 13 ^ seed ^ i >> 9); }

static const char *mode_name(const struct nvme_io *io)
{
	return io->info.mode == SIETCH_STORE_HARDWARE ? "hardware-enforced" : "kernel-checked";
}

static int open_failed(const char *path, long err, unsigned rights)
{
	const char *hint = nvme_io_open_hint(err, rights);
	say("blktest: FAIL open %s: %s%s%s\n", path, os_strerror(err), *hint ? ": " : "", hint);
	return 1;
}

/* The pattern's two halves read back in one batch and compared: 0, or 1 after saying why. */
static int read_pattern(struct nvme_io *io, uint32_t half, uint64_t seed)
{
	long err;
	if ((err = nvme_io_read(io, 0, half, 0)) || (err = nvme_io_read(io, half, half, PATTERN_BYTES / 2)) ||
	    (err = nvme_io_submit(io)))
		return failed("read", err, io);
	for (size_t i = 0; i < PATTERN_BYTES; i++) {
		if (io->buf[i] != pattern_byte(seed, i)) {
			say("blktest: FAIL byte %zu reads %02x, not %02x\n", i, io->buf[i], pattern_byte(seed, i));
			return 1;
		}
	}
	return 0;
}

static int run_pattern(const char *path, uint64_t seed, bool write)
{
	struct nvme_io io;
	long err = nvme_io_open(&io, path, BUF_BYTES);
	if (err)
		return open_failed(path, err, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE);
	say("blktest: %s: %llu blocks of %u bytes, mode %s\n", path, (unsigned long long)io.info.blocks,
	       io.info.block_size, mode_name(&io));
	uint32_t half = PATTERN_BYTES / 2 / io.info.block_size;
	if (write) {
		for (size_t i = 0; i < PATTERN_BYTES; i++)
			io.buf[i] = pattern_byte(seed, i);
		/* two writes and a flush in one batch: one system call */
		if ((err = nvme_io_write(&io, 0, half, 0)) || (err = nvme_io_write(&io, half, half, PATTERN_BYTES / 2)) ||
		    (err = nvme_io_flush(&io)) || (err = nvme_io_submit(&io)))
			return failed("write", err, &io);
		memset(io.buf, 0, PATTERN_BYTES);
	}
	if (read_pattern(&io, half, seed))
		return 1;
	say("blktest: %s %d bytes with seed %llu in %llu system calls\n", write ? "wrote and read back" : "verified",
	       PATTERN_BYTES, (unsigned long long)seed, (unsigned long long)io.syscalls);
	nvme_io_close(&io);
	say("blktest: ok\n");
	return 0;
}

/* Two processes at once: a child writes and reads back its pattern on other while this one
 * does on path; this one's lines come after the child has ended. */
static int run_pair(const char *path, uint64_t seed, const char *other, const char *other_seed)
{
	char *argv[] = { "blktest", "write", (char *)other, (char *)other_seed, NULL };
	long child = os_spawn("/bin/blktest", argv);
	if (child < 0)
		return failed("spawn", child, NULL);
	holding = true;
	int bad = run_pattern(path, seed, true);
	int status = 0;
	os_wait(child, &status);
	holding = false;
	printf("%s", held);
	printf("blktest: the other writer (%s) ended with status %d\n", other, status & 0xff);
	return bad || status;
}

/* An area whose rights lack WRITE: opening it for writing is refused, for reading it works
 * and reads SEED's pattern (from `write`), and a Write through the read-only grant is refused
 * by the kernel before the device sees it: the pattern is still there afterwards. */
static int read_only(const char *path, uint64_t seed)
{
	struct nvme_io io;
	const unsigned rw = SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE;
	long err = nvme_io_open(&io, path, BUF_BYTES);
	if (!err && io.info.mode == SIETCH_STORE_HARDWARE) {
		/* never read-only, and no read-only grant of it either: its VF would carry writes */
		nvme_io_close(&io);
		err = nvme_io_open_rights(&io, path, BUF_BYTES, SIETCH_RIGHT_READ);
		if (!err)
			nvme_io_close(&io);
		say("blktest: %s is hardware-enforced: open for reading alone: %s: %s\n", path, os_strerror(err),
		    nvme_io_open_hint(err, SIETCH_RIGHT_READ));
		say(err == -SIETCH_EINVAL ? "blktest: ok\n" : "blktest: FAIL\n");
		return err != -SIETCH_EINVAL;
	}
	if (err != -SIETCH_EPERM) {
		if (!err)
			nvme_io_close(&io);
		say("blktest: FAIL opening %s for writing was not refused (%ld)\n", path, err);
		return 1;
	}
	say("blktest: open %s for writing refused: %s: %s\n", path, os_strerror(err), nvme_io_open_hint(err, rw));
	if ((err = nvme_io_open_rights(&io, path, BUF_BYTES, SIETCH_RIGHT_READ)))
		return open_failed(path, err, SIETCH_RIGHT_READ);
	say("blktest: %s open for reading, mode %s\n", path, mode_name(&io));
	for (size_t i = 0; i < io.info.block_size; i++)
		io.buf[i] = (uint8_t)~pattern_byte(seed, i);
	if ((err = nvme_io_write(&io, 0, 1, 0)))
		return failed("queueing a write", err, &io);
	err = nvme_io_submit(&io);
	if (err != -SIETCH_EPERM || io.result[0].error != -SIETCH_EPERM) {
		say("blktest: FAIL a write through a read-only grant gave %ld (command %d)\n", err, io.result[0].error);
		return 1;
	}
	say("blktest: a write through the read-only grant refused: %s\n", os_strerror(err));
	uint32_t half = PATTERN_BYTES / 2 / io.info.block_size;
	memset(io.buf, 0, PATTERN_BYTES);
	if (read_pattern(&io, half, seed))
		return 1;
	say("blktest: read %d bytes with seed %llu through the read-only grant\n", PATTERN_BYTES,
	    (unsigned long long)seed);
	nvme_io_close(&io);
	say("blktest: ok\n");
	return 0;
}

#define ZEROES_FIRST 8
#define ZEROES_COUNT 16

static int write_zeroes(const char *path, uint64_t seed)
{
	struct nvme_io io;
	long err = nvme_io_open(&io, path, BUF_BYTES);
	if (err)
		return failed("open", err, NULL);
	if (!(io.info.flags & SIETCH_STORE_WRITE_ZEROES)) {
		printf("blktest: %s: the controller has no Write Zeroes\nblktest: ok\n", path);
		return 0;
	}
	uint32_t half = PATTERN_BYTES / 2 / io.info.block_size;
	for (size_t i = 0; i < PATTERN_BYTES; i++)
		io.buf[i] = pattern_byte(seed, i);
	if ((err = nvme_io_write(&io, 0, half, 0)) || (err = nvme_io_write(&io, half, half, PATTERN_BYTES / 2)) ||
	    (err = nvme_io_write_zeroes(&io, ZEROES_FIRST, ZEROES_COUNT)) || (err = nvme_io_submit(&io)))
		return failed("write and write zeroes", err, &io);
	memset(io.buf, 0xa5, PATTERN_BYTES);
	if ((err = nvme_io_read(&io, 0, half, 0)) || (err = nvme_io_read(&io, half, half, PATTERN_BYTES / 2)) ||
	    (err = nvme_io_submit(&io)))
		return failed("read", err, &io);
	size_t zero_start = (size_t)ZEROES_FIRST * io.info.block_size;
	size_t zero_end = zero_start + (size_t)ZEROES_COUNT * io.info.block_size;
	for (size_t i = 0; i < PATTERN_BYTES; i++) {
		uint8_t want = i >= zero_start && i < zero_end ? 0 : pattern_byte(seed, i);
		if (io.buf[i] != want) {
			printf("blktest: FAIL byte %zu reads %02x, not %02x\n", i, io.buf[i], want);
			return 1;
		}
	}
	printf("blktest: write zeroes: blocks %u-%u read back as zeros, the rest unchanged, mode %s\n", ZEROES_FIRST,
	       ZEROES_FIRST + ZEROES_COUNT - 1, mode_name(&io));
	nvme_io_close(&io);
	printf("blktest: ok\n");
	return 0;
}

static int write_unflushed(const char *path, uint64_t seed)
{
	struct nvme_io io;
	long err = nvme_io_open(&io, path, BUF_BYTES);
	if (err)
		return failed("open", err, NULL);
	uint32_t half = PATTERN_BYTES / 2 / io.info.block_size;
	for (size_t i = 0; i < PATTERN_BYTES; i++)
		io.buf[i] = pattern_byte(seed, i);
	if ((err = nvme_io_write(&io, 0, half, 0)) || (err = nvme_io_write(&io, half, half, PATTERN_BYTES / 2)) ||
	    (err = nvme_io_submit(&io)))
		return failed("write", err, &io);
	printf("blktest: wrote %d bytes with seed %llu, mode %s, not flushed; holding %s\n", PATTERN_BYTES,
	       (unsigned long long)seed, mode_name(&io), path);
	for (;;)
		os_sleep_ns(1000000000);
}

/* One raw command through store_submit: the kernel's verdict on it. */
static long submit_one(struct nvme_io *io, const struct nvme_sqe *c)
{
	io->batch[0] = *c;
	io->count = 1;
	long err = nvme_io_submit(io);
	return err;
}

static int expect(const char *what, long got, long want)
{
	printf("blktest: %s: %s (%s expected)\n", what, got ? os_strerror(got) : "accepted", want ? os_strerror(want) : "accepted");
	return got == want ? 0 : 1;
}

static int range_checks(struct nvme_io *io)
{
	struct nvme_sqe c;
	int bad = 0;
	uint64_t end = io->info.blocks;
	nvme_cmd_read(&c, io->info.nsid, end, 1);
	nvme_prp_build_contiguous(&c, io->buf_bus, io->info.block_size, NULL);
	bad |= expect("read of the block after the area", submit_one(io, &c), -SIETCH_EACCES);
	nvme_cmd_write(&c, io->info.nsid, end - 1, 2, 0);
	nvme_prp_build_contiguous(&c, io->buf_bus, 2 * io->info.block_size, NULL);
	bad |= expect("write across the area's end", submit_one(io, &c), -SIETCH_EACCES);
	nvme_cmd_write(&c, io->info.nsid, 0xffffffffffffull, 1, 0);
	nvme_prp_build_contiguous(&c, io->buf_bus, io->info.block_size, NULL);
	bad |= expect("write far past the area", submit_one(io, &c), -SIETCH_EACCES);
	nvme_cmd_read(&c, io->info.nsid, 0, 1);
	nvme_prp_build_contiguous(&c, 0x100000, io->info.block_size, NULL); /* kernel memory */
	bad |= expect("read into memory that is not the grant's", submit_one(io, &c), -SIETCH_EFAULT);
	nvme_cmd_identify(&c, NVME_IDENTIFY_CNS_CONTROLLER, 0, 0);
	bad |= expect("an admin opcode", submit_one(io, &c), -SIETCH_EINVAL);
	nvme_cmd_read(&c, io->info.nsid, end - 1, 1);
	nvme_prp_build_contiguous(&c, io->buf_bus, io->info.block_size, NULL);
	bad |= expect("read of the area's last block", submit_one(io, &c), 0);
	return bad;
}

/* Hardware-enforced mode: the device refuses what lies outside the namespace
 * the VF sees; a garbage admin doorbell write runs no admin command. */
static int device_checks(struct nvme_io *io)
{
	struct nvme_sqe c;
	int bad = 0;
	uint32_t other = io->info.nsid == 1 ? 2 : 1;
	nvme_cmd_read(&c, other, 0, 1);
	nvme_prp_build_contiguous(&c, io->buf_bus, io->info.block_size, NULL);
	long err = submit_one(io, &c);
	printf("blktest: read of namespace %u (not attached to this VF): %s\n", other, io->error);
	bad |= expect("read of another namespace", err, -SIETCH_EIO);
	nvme_cmd_read(&c, io->info.nsid, io->info.blocks, 1);
	nvme_prp_build_contiguous(&c, io->buf_bus, io->info.block_size, NULL);
	err = submit_one(io, &c);
	printf("blktest: read past the namespace: %s\n", io->error);
	bad |= expect("read past the namespace", err, -SIETCH_EIO);
	/* the admin submission queue's tail doorbell is the page's first word (CAP.DSTRD 0) */
	volatile uint32_t *admin_tail = (volatile uint32_t *)io->info.doorbells;
	*admin_tail = 7;
	*admin_tail = 0xffffffffu;
	nvme_cmd_read(&c, io->info.nsid, 0, 1);
	nvme_prp_build_contiguous(&c, io->buf_bus, io->info.block_size, NULL);
	bad |= expect("own queue after garbage in the admin doorbell", submit_one(io, &c), 0);
	/* Garbage in its own submission queue, rung past the library's back: the device fetches
	 * it and answers, or not; only this queue is left out of step (closing resets the VF). */
	struct nvme_queue *q = &io->queue;
	uint16_t slot = q->sq_tail;
	memset(&q->cfg.sq[slot], 0xa5, sizeof(struct nvme_sqe));
	*(volatile uint32_t *)q->cfg.sq_tail_doorbell = (uint32_t)(slot + 1) % q->cfg.sq_entries;
	os_sleep_ns(100000000);
	printf("blktest: garbage in its own submission queue rung (entry %u)\n", slot);
	return bad;
}

/* Hardware-enforced mode: open, ring the VF's admin submission queue doorbell with garbage
 * (when garbage), then one write and read on the process's own queue, and close. Run once
 * without and once with the garbage, QEMU's trace of admin commands tells what the ring ran. */
static int admin_bell(const char *path, bool garbage)
{
	struct nvme_io io;
	long err = nvme_io_open(&io, path, BUF_BYTES);
	if (err)
		return open_failed(path, err, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE);
	if (io.info.mode != SIETCH_STORE_HARDWARE) {
		say("blktest: FAIL %s is not hardware-enforced: there is no doorbell page\n", path);
		return 1;
	}
	if (garbage) {
		/* the admin submission queue's tail doorbell is the page's first word (CAP.DSTRD 0) */
		volatile uint32_t *admin_tail = (volatile uint32_t *)io.info.doorbells;
		*admin_tail = 7;
		*admin_tail = 0xffffffffu;
	}
	for (uint32_t i = 0; i < io.info.block_size; i++)
		io.buf[i] = pattern_byte(garbage, i);
	if ((err = nvme_io_write(&io, 0, 1, 0)) || (err = nvme_io_flush(&io)) || (err = nvme_io_read(&io, 0, 1, 0)) ||
	    (err = nvme_io_submit(&io)))
		return failed("own queue", err, &io);
	say("blktest: admin doorbell %s, then own queue fine\n", garbage ? "rung with garbage" : "left alone");
	nvme_io_close(&io);
	say("blktest: ok\n");
	return 0;
}

static int owner_checks(const char *path, struct nvme_io *io)
{
	struct nvme_io second;
	int bad = expect("a second open in the owner", nvme_io_open(&second, path, 4096), -SIETCH_EBUSY);
	nvme_io_close(io);
	char *argv[] = { "blktest", "hold", (char *)path, NULL };
	long child = os_spawn("/bin/blktest", argv);
	if (child < 0)
		return failed("spawn", child, NULL);
	long err = 0;
	for (int i = 0; i < 500; i++) { /* until the child holds it: then open is refused */
		os_sleep_ns(10000000);
		if ((err = nvme_io_open(&second, path, 4096)))
			break;
		nvme_io_close(&second);
	}
	bad |= expect("open while another process holds it", err, -SIETCH_EBUSY);
	int status;
	os_kill(child, 9);
	os_wait(child, &status);
	err = nvme_io_open(&second, path, 4096);
	bad |= expect("open after that owner was killed", err, 0);
	if (!err)
		nvme_io_close(&second);
	return bad;
}

static int run_checks(const char *path)
{
	struct nvme_io io;
	long err = nvme_io_open(&io, path, BUF_BYTES);
	if (err)
		return failed("open", err, NULL);
	printf("blktest: %s: mode %s\n", path, mode_name(&io));
	int bad = io.info.mode == SIETCH_STORE_HARDWARE ? device_checks(&io) : range_checks(&io);
	bad |= owner_checks(path, &io);
	printf(bad ? "blktest: FAIL\n" : "blktest: ok\n");
	return bad;
}

static int hold(const char *path)
{
	struct nvme_io io;
	long err = nvme_io_open(&io, path, 4096);
	/* owner_checks' parent opens and closes it while waiting for us: try again a while */
	for (int i = 0; i < 500 && err == -SIETCH_EBUSY; i++) {
		os_sleep_ns(10000000);
		err = nvme_io_open(&io, path, 4096);
	}
	if (err == -SIETCH_EPERM) /* a read-only area is held for reading */
		err = nvme_io_open_rights(&io, path, 4096, SIETCH_RIGHT_READ);
	if (err)
		return failed("open", err, NULL);
	if (io.info.mode == SIETCH_STORE_HARDWARE) {
		/* commands handed to the device and never reaped: whoever kills us leaves them in flight */
		for (unsigned i = 0; i < 16; i++) {
			struct nvme_sqe c;
			nvme_cmd_read(&c, io.info.nsid, i, 1);
			nvme_prp_build_contiguous(&c, io.buf_bus, io.info.block_size, NULL);
			nvme_queue_submit(&io.queue, &c, io.timeout_us, NULL);
		}
		nvme_queue_ring(&io.queue);
	}
	printf("blktest: holding %s\n", path);
	for (;;)
		os_sleep_ns(1000000000);
}

/* The crossings of n writes and n reads of 4 KiB, each its own batch. */
static int crossings(const char *path, unsigned n, bool interrupts)
{
	struct nvme_io io;
	struct sietch_counters before, after, base;
	long err = nvme_io_open(&io, path, 4096);
	if (err)
		return failed("open", err, NULL);
	if (interrupts && (err = nvme_io_use_interrupts(&io)))
		return failed("interrupts", err, &io);
	/* a CPU of one's own: no tick while one thread runs (the interrupt case stays where the vector goes) */
	bool pinned = !interrupts && os_thread_pin(0, 1) == 0;
	os_counters(SIETCH_COUNTERS_SELF, 0, &base);
	os_counters(SIETCH_COUNTERS_SELF, 0, &before);
	uint64_t calls0 = io.syscalls;
	for (unsigned i = 0; i < 2 * n && !err; i++) {
		/* the area's second half: the pattern of `write` in its first stays */
		uint64_t half = io.info.blocks / 2, block = half + (i / 2 * 8) % (half - 8);
		err = i % 2 ? nvme_io_read(&io, block, 4096 / io.info.block_size, 0)
			    : nvme_io_write(&io, block, 4096 / io.info.block_size, 0);
		if (!err)
			err = nvme_io_submit(&io);
	}
	os_counters(SIETCH_COUNTERS_SELF, 0, &after);
	if (pinned)
		os_thread_pin(0, SIETCH_CPU_ANY);
	if (err)
		return failed("loop", err, &io);
	uint64_t per_read = before.syscalls - base.syscalls; /* what reading the counters itself costs */
	printf("blktest: %s%s: %u writes and %u reads of 4 KiB: %llu system calls, %llu interrupts%s; %.2f system calls per batch, %llu interrupt waits\n",
	       mode_name(&io), interrupts ? " with interrupts" : "", n, n,
	       (unsigned long long)(after.syscalls - before.syscalls - per_read),
	       (unsigned long long)(after.interrupts - before.interrupts), pinned ? " (on a dedicated CPU)" : "",
	       (double)(io.syscalls - calls0) / (2.0 * n), (unsigned long long)io.waits);
	printf("blktest: ok\n");
	return 0;
}

/*
 * What the grant answers once the DMA is done: an error once the kernel has stopped the
 * VF, which it does from a thread of its own a little after the fault interrupt (bounds
 * generous for a loaded machine under TCG). Nothing blocked within 2 s (no IOMMU): it stays
 * granted.
 */
static long grant_answer(struct nvme_io *io, uint64_t *blocked)
{
	struct sietch_counters self;
	struct sietch_dma_region region;
	long r = 0;
	uint64_t start = (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC) / 1000000, now = start;
	for (; now - start < 20000; now = (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC) / 1000000) {
		os_counters(SIETCH_COUNTERS_SELF, 0, &self);
		*blocked = self.dma_faults;
		if ((r = os_dma_alloc(io->store, 4096, &region)) < 0 || (!*blocked && now - start > 2000))
			break;
		os_sleep_ns(50000000);
	}
	return r < 0 ? r : 0;
}

static int run_dma(const char *path, const char *address_text, bool write)
{
	struct nvme_io io;
	uint64_t target = strtoull(address_text, 0, 0) & ~0xfffull;
	long err = nvme_io_open(&io, path, BUF_BYTES);
	if (err)
		return failed("open", err, NULL);
	if (io.info.mode != SIETCH_STORE_HARDWARE) {
		printf("blktest: FAIL %s is %s: the kernel checks every address\n", path, mode_name(&io));
		return 1;
	}
	printf("blktest: %s queues at bus 0x%llx and 0x%llx\n", path, (unsigned long long)io.info.sq_bus,
	       (unsigned long long)io.info.cq_bus);
	struct nvme_sqe c;
	if (write) {
		nvme_cmd_write(&c, io.info.nsid, 0, 1, 0);
		nvme_prp_build_contiguous(&c, target + 4096, io.info.block_size, NULL);
	} else {
		nvme_cmd_read(&c, io.info.nsid, 0, 1);
		nvme_prp_build_contiguous(&c, target, io.info.block_size, NULL);
	}
	err = submit_one(&io, &c);
	printf("blktest: %s 0x%llx: %s\n", write ? "write from" : "read into",
	       (unsigned long long)(write ? target + 4096 : target), err ? os_strerror(err) : "done");
	uint64_t blocked = 0;
	long answer = grant_answer(&io, &blocked);
	printf("blktest: %llu DMA blocked by the IOMMU\n", (unsigned long long)blocked);
	printf("blktest: %s afterwards: %s\n", path, answer ? os_strerror(answer) : "still granted");
	nvme_io_close(&io);
	printf("blktest: ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "loop"))
		return crossings(argv[2], (unsigned)strtoul(argv[3], NULL, 0), false);
	if (argc == 4 && !strcmp(argv[1], "irq"))
		return crossings(argv[2], (unsigned)strtoul(argv[3], NULL, 0), true);
	if (argc == 4 && !strcmp(argv[1], "write"))
		return run_pattern(argv[2], strtoull(argv[3], NULL, 0), true);
	if (argc == 4 && !strcmp(argv[1], "verify"))
		return run_pattern(argv[2], strtoull(argv[3], NULL, 0), false);
	if (argc == 6 && !strcmp(argv[1], "pair"))
		return run_pair(argv[2], strtoull(argv[3], NULL, 0), argv[4], argv[5]);
	if (argc == 4 && !strcmp(argv[1], "adminbell"))
		return admin_bell(argv[2], !strcmp(argv[3], "garbage"));
	if (argc == 4 && !strcmp(argv[1], "readonly"))
		return read_only(argv[2], strtoull(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "zeroes"))
		return write_zeroes(argv[2], strtoull(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "unflushed"))
		return write_unflushed(argv[2], strtoull(argv[3], NULL, 0));
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "dma"))
		return run_dma(argv[2], argv[3], argc == 5 && !strcmp(argv[4], "write"));
	if (argc == 3 && !strcmp(argv[1], "checks"))
		return run_checks(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "hold"))
		return hold(argv[2]);
	fprintf(stderr, "usage: blktest write|verify|readonly PATH SEED | checks PATH | adminbell PATH clean|garbage | hold PATH | zeroes|unflushed PATH SEED | pair PATH SEED OTHER SEED2 | loop|irq PATH N | dma PATH ADDR [write]\n");
	return 2;
}
