/* Incremental Internet checksum updates (RFC 1624, eqn. 3) for the LB's
 * address and port rewrites. The same helpers as winnat/csum.h: engines
 * include only themselves and DPDK (DESIGN.md), so lb/ cannot use that
 * header; when a shared engine-utility folder exists both should move
 * there. Values are taken in network byte order as they sit in the packet.
 * Layer: lb/, engine layer (load balancer; DPDK only). */
#ifndef HVS_LB_CSUM_H
#define HVS_LB_CSUM_H

#include <stdint.h>

static inline uint16_t lb_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static inline uint16_t lb_csum_update16(uint16_t cksum, uint16_t old_v, uint16_t new_v)
{
	uint32_t sum = (uint16_t)~cksum;

	sum += (uint16_t)~old_v;
	sum += new_v;
	return (uint16_t)~lb_csum_fold(sum);
}

static inline uint16_t lb_csum_update32(uint16_t cksum, uint32_t old_v, uint32_t new_v)
{
	uint32_t sum = (uint16_t)~cksum;

	sum += (uint16_t)~(old_v >> 16);
	sum += (uint16_t)~(old_v & 0xffff);
	sum += new_v >> 16;
	sum += new_v & 0xffff;
	return (uint16_t)~lb_csum_fold(sum);
}

#endif
