/* IPv4 fragments. Only the first fragment carries the ports, so the later
 * ones of a datagram are rewritten like the first: it is remembered here
 * by (side, proto, src, dst, IP id) with the addresses it was given. The
 * table is small and direct-mapped: a newer datagram may evict an older
 * one whose later fragments are then dropped, which only costs what any
 * fragment loss costs. No reassembly: fragments must not arrive before
 * their first one. */
#include <rte_hash_crc.h>

#include "csum.h"
#include "winnat_internal.h"

static struct wn_frag *slot(struct winnat *n, uint32_t side, uint8_t proto, uint16_t id,
			    uint32_t src, uint32_t dst)
{
	uint32_t h = rte_hash_crc_4byte(src, dst ^ ((uint32_t)id << 8 | proto) ^ side);

	return &n->frag[h & (WN_FRAG_SLOTS - 1)];
}

void wn_frag_remember(struct winnat *n, uint32_t side, uint8_t proto, uint16_t id,
		      uint32_t src, uint32_t dst, uint32_t nsrc, uint32_t ndst,
		      uint8_t verdict, uint32_t now)
{
	struct wn_frag *f = slot(n, side, proto, id, src, dst);

	*f = (struct wn_frag){
		.src = src, .dst = dst, .nsrc = nsrc, .ndst = ndst, .side = side,
		.stamp = now, .id = id, .proto = proto, .verdict = verdict,
	};
}

uint8_t wn_frag_follow(struct winnat *n, struct rte_ipv4_hdr *ip, uint32_t side, uint32_t now)
{
	struct wn_frag *f = slot(n, side, ip->next_proto_id, ip->packet_id, ip->src_addr,
				 ip->dst_addr);

	if (f->verdict == 0 || f->src != ip->src_addr || f->dst != ip->dst_addr ||
	    f->id != ip->packet_id || f->proto != ip->next_proto_id || f->side != side ||
	    now - f->stamp > WN_FRAG_LIFETIME)
		return 0;
	ip->hdr_checksum = csum_update32(csum_update32(ip->hdr_checksum, ip->src_addr, f->nsrc),
					 ip->dst_addr, f->ndst);
	ip->src_addr = f->nsrc;
	ip->dst_addr = f->ndst;
	return f->verdict;
}
