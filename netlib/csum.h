/* Incremental Internet checksum updates (RFC 1624, eqn. 3):
 *     HC' = ~(~HC + ~m + m')
 * for a header or L4 checksum HC when a 16-bit field m becomes m' (or a
 * 32-bit field, as two 16-bit halves). Values are taken as they sit in the
 * packet (network byte order): one's complement sums are byte-order
 * independent, so no swapping is needed. Used by WinNAT and the load
 * balancer for their rewrites and by the switch for the TTL decrement
 * (csum_update16 on the TTL/protocol word).
 * Layer: netlib/, header-only helpers below the engines (plain C, nothing of ours). */
#ifndef HVS_WINNAT_CSUM_H
#define HVS_WINNAT_CSUM_H

#include <stdint.h>

/* Folds a 32-bit one's complement accumulator to 16 bits. */
static inline uint16_t csum_fold32(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Checksum after a 16-bit field changed from old_v to new_v. */
static inline uint16_t csum_update16(uint16_t cksum, uint16_t old_v, uint16_t new_v)
{
	uint32_t sum = (uint16_t)~cksum;

	sum += (uint16_t)~old_v;
	sum += new_v;
	return (uint16_t)~csum_fold32(sum);
}

/* Checksum after a 32-bit field (an IPv4 address) changed. */
static inline uint16_t csum_update32(uint16_t cksum, uint32_t old_v, uint32_t new_v)
{
	uint32_t sum = (uint16_t)~cksum;

	sum += (uint16_t)~(old_v >> 16);
	sum += (uint16_t)~(old_v & 0xffff);
	sum += new_v >> 16;
	sum += new_v & 0xffff;
	return (uint16_t)~csum_fold32(sum);
}

/* The same for a UDP checksum: 0 means "none" and stays 0; a computed 0
 * is sent as 0xffff (RFC 768). */
static inline uint16_t csum_update16_udp(uint16_t cksum, uint16_t old_v, uint16_t new_v)
{
	if (cksum == 0)
		return 0;
	cksum = csum_update16(cksum, old_v, new_v);
	return cksum == 0 ? 0xffff : cksum;
}

static inline uint16_t csum_update32_udp(uint16_t cksum, uint32_t old_v, uint32_t new_v)
{
	if (cksum == 0)
		return 0;
	cksum = csum_update32(cksum, old_v, new_v);
	return cksum == 0 ? 0xffff : cksum;
}

#endif
