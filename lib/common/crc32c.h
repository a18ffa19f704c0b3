/*
 * CRC-32C (Castagnoli), the checksum of iSCSI (RFC 3720 §B.4), ext4 and
 * btrfs metadata and NVMe's own data digests: it detects every burst error up
 * to 32 bits and every odd number of bit errors, which is what a torn or
 * corrupted block looks like. Table-driven in plain C, so the kernel can use
 * it without SSE 4.2's crc32 instruction.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Extends crc (0 to start) over len bytes; crc32c_update(0, "123456789", 9)
 * is E3069283h (RFC 3720 §B.4's check value). */
uint32_t crc32c_update(uint32_t crc, const void *data, size_t len);

static inline uint32_t crc32c(const void *data, size_t len)
{
	return crc32c_update(0, data, len);
}
