/*
 * blktest: checks a storage area from inside a process.
 *
 *   blktest write PATH SEED    writes a pattern over the first blocks, flushes, reads it back
 *   blktest verify PATH SEED   reads the pattern back (after a reboot)
 *   blktest checks PATH        one owner at a time, commands outside the area refused,
 *                              memory outside the grant refused, an owner killed frees it
 *   blktest hold PATH          opens the area and keeps it until killed
 *
 * Each line it prints starts with "blktest:"; the last is "blktest: ok" or a failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/os/io.h"
#include "lib/common/nvme_cmd.h"
#include "lib/os/os.h"

#define PATTERN_BYTES (256 * 1024) /* two commands' worth at the kernel-checked maximum */
#define BUF_BYTES PATTERN_BYTES

static int failed(const char *what, long err, const struct nvme_io *io)
{
	printf("blktest: FAIL %s: %s%s%s\n", what, os_strerror(err), io && io->error[0] ? ": " : "",
	       io ? io->error : "");
	return 1;
}

static uint8_t pattern_byte(uint64_t seed, size_t i) { return (uint8_t)((i * 2654435761u) >> 13 ^ seed ^ i >> 9); }

static const char *mode_name(const struct nvme_io *io)
{
	return io->info.mode == SIETCH_STORE_HARDWARE ? "hardware-enforced" : "kernel-checked";
}

static int run_pattern(const char *path, uint64_t seed, bool write)
{
	struct nvme_io io;
	long err = nvme_io_open(&io, path, BUF_BYTES);
	if (err)
		return failed("open", err, NULL);
	printf("blktest: %s: %llu blocks of %u bytes, mode %s\n", path, (unsigned long long)io.info.blocks,
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
	if ((err = nvme_io_read(&io, 0, half, 0)) || (err = nvme_io_read(&io, half, half, PATTERN_BYTES / 2)) ||
	    (err = nvme_io_submit(&io)))
		return failed("read", err, &io);
	for (size_t i = 0; i < PATTERN_BYTES; i++) {
		if (io.buf[i] != pattern_byte(seed, i)) {
			printf("blktest: FAIL byte %zu reads %02x, not %02x\n", i, io.buf[i], pattern_byte(seed, i));
			return 1;
		}
	}
	printf("blktest: %s %d bytes with seed %llu in %llu system calls\n", write ? "wrote and read back" : "verified",
	       PATTERN_BYTES, (unsigned long long)seed, (unsigned long long)io.submits);
	nvme_io_close(&io);
	printf("blktest: ok\n");
	return 0;
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
	int bad = range_checks(&io);
	bad |= owner_checks(path, &io);
	printf(bad ? "blktest: FAIL\n" : "blktest: ok\n");
	return bad;
}

static int hold(const char *path)
{
	struct nvme_io io;
	long err = nvme_io_open(&io, path, 4096);
	if (err)
		return failed("open", err, NULL);
	printf("blktest: holding %s\n", path);
	for (;;)
		os_sleep_ns(1000000000);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "write"))
		return run_pattern(argv[2], strtoull(argv[3], NULL, 0), true);
	if (argc == 4 && !strcmp(argv[1], "verify"))
		return run_pattern(argv[2], strtoull(argv[3], NULL, 0), false);
	if (argc == 3 && !strcmp(argv[1], "checks"))
		return run_checks(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "hold"))
		return hold(argv[2]);
	fprintf(stderr, "usage: blktest write|verify PATH SEED | checks PATH | hold PATH\n");
	return 2;
}
