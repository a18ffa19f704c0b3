/*
 * blkbench PATH [OPS]: 4 KiB random reads and writes on a storage area at
 * queue depth 1 and 32; IOPS, latency p50/p99 and system calls per command.
 *
 * Kernel-checked mode runs a depth-32 batch as one store_submit: the batch
 * completes as a whole, so each command's latency is its batch's. Through a
 * VF controller (hardware-enforced mode) the same loop will run on the
 * process's own queue pair; the mode is printed on each line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/os/io.h"
#include "lib/os/os.h"

#define IO_BYTES 4096u
#define DEPTH_MAX 32

static uint64_t rng = 88172645463325252ull;

static uint64_t next_random(void)
{
	rng ^= rng << 13; /* xorshift64 (Marsaglia 2003) */
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static long run_case(struct nvme_io *io, bool write, unsigned depth, unsigned ops, uint64_t *lat)
{
	uint32_t blocks = IO_BYTES / io->info.block_size;
	uint64_t slots = io->info.blocks / blocks;
	uint64_t calls = io->syscalls;
	long start = os_clock_ns(SIETCH_CLOCK_MONOTONIC);
	for (unsigned done = 0; done < ops; done += depth) {
		for (unsigned i = 0; i < depth; i++) {
			uint64_t block = next_random() % slots * blocks;
			long err = write ? nvme_io_write(io, block, blocks, i * IO_BYTES)
					 : nvme_io_read(io, block, blocks, i * IO_BYTES);
			if (err)
				return err;
		}
		long t0 = os_clock_ns(SIETCH_CLOCK_MONOTONIC);
		long err = nvme_io_submit(io);
		long t1 = os_clock_ns(SIETCH_CLOCK_MONOTONIC);
		if (err)
			return err;
		for (unsigned i = 0; i < depth; i++)
			lat[done + i] = (uint64_t)(t1 - t0);
	}
	long elapsed = os_clock_ns(SIETCH_CLOCK_MONOTONIC) - start;
	qsort(lat, ops, sizeof(lat[0]), cmp_u64);
	printf("blkbench: %s rand%-5s qd%-2u %8.0f IOPS  p50 %7.1f us  p99 %7.1f us  %.3f system calls per command\n",
	       io->info.mode == SIETCH_STORE_HARDWARE ? "vf     " : "checked", write ? "write" : "read", depth,
	       ops * 1e9 / (double)elapsed, lat[ops / 2] / 1e3, lat[ops * 99 / 100] / 1e3,
	       (double)(io->syscalls - calls) / ops);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: blkbench PATH [OPS]\n");
		return 2;
	}
	unsigned ops = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 2048;
	ops = (ops + DEPTH_MAX - 1) / DEPTH_MAX * DEPTH_MAX;
	uint64_t *lat = malloc(ops * sizeof(*lat));
	struct nvme_io io;
	long err = lat ? nvme_io_open(&io, argv[1], DEPTH_MAX * IO_BYTES) : -SIETCH_ENOMEM;
	if (err) {
		printf("blkbench: %s: %s\n", argv[1], os_strerror(err));
		return 1;
	}
	if (io.info.blocks * io.info.block_size < IO_BYTES) {
		printf("blkbench: %s is smaller than one 4 KiB block\n", argv[1]);
		return 1;
	}
	static const unsigned depths[] = { 1, DEPTH_MAX };
	for (unsigned w = 0; w < 2 && !err; w++)
		for (unsigned d = 0; d < 2 && !err; d++)
			err = run_case(&io, w, depths[d], ops, lat);
	if (err) {
		printf("blkbench: %s %s\n", os_strerror(err), io.error);
		return 1;
	}
	printf("blkbench: ok\n");
	nvme_io_close(&io);
	return 0;
}
