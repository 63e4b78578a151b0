/* One MAC table lookup per burst for both the sources (learning) and the
 * destinations (forwarding): a single bulk call of up to 2 x VS_BURST keys,
 * with a key equal to the previous packet's key looked up only once (the
 * one-entry cache VPP keeps; a burst from one host to one host is the
 * common case). */
#ifndef HVS_MAC_LOOKUP_H
#define HVS_MAC_LOOKUP_H

#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_mbuf.h>

#include "mac_table.h"
#include "parse.h"
#include "switch.h"

#define MAC_SLOT_NONE 0xff
#define LEARN_CACHE_SIZE 4096 /* per worker, direct-mapped */

/* A source this worker already confirmed (entry on in_port, last_seen
 * refreshed) in the current second: its frames skip the source lookup
 * until the second changes. Valid for one second only, so aging (at least
 * one second idle), removals and moves are seen within a second. */
struct learn_cache_slot {
	uint64_t key;
	uint32_t sec;
	uint16_t port;
	uint16_t valid;
};

static inline struct learn_cache_slot *
learn_cache_slot(struct learn_cache_slot *cache, uint64_t key)
{
	return &cache[rte_hash_crc_8byte(key, 0) & (LEARN_CACHE_SIZE - 1)];
}

static inline bool learn_cache_hit(const struct learn_cache_slot *c,
				   uint64_t key, uint16_t port, uint32_t now)
{
	return c->key == key && c->sec == now && c->port == port && c->valid;
}

struct burst_lookup {
	uint64_t keys[2 * VS_BURST];
	struct mac_entry *hit[2 * VS_BURST];
	uint8_t src_slot[VS_BURST]; /* index into keys/hit; NONE: cached */
	uint8_t dst_slot[VS_BURST]; /* MAC_SLOT_NONE: group address, flood */
	uint8_t nb_keys;
};

/* Adds key unless it equals the key in slot *last; returns its slot. */
static inline uint8_t burst_lookup_add(struct burst_lookup *bl, uint64_t key,
				       uint8_t *last)
{
	if (*last != MAC_SLOT_NONE && bl->keys[*last] == key)
		return *last;
	bl->keys[bl->nb_keys] = key;
	*last = bl->nb_keys++;
	return *last;
}

static inline void burst_lookup_run(struct burst_lookup *bl,
				    const struct mac_table *t,
				    struct learn_cache_slot *cache,
				    uint16_t in_port, uint32_t now,
				    struct rte_mbuf *const *pkts,
				    const struct pkt_meta *meta, uint16_t n)
{
	uint8_t last_src = MAC_SLOT_NONE, last_dst = MAC_SLOT_NONE;

	bl->nb_keys = 0;
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_ether_hdr *eh =
			rte_pktmbuf_mtod(pkts[i], const struct rte_ether_hdr *);
		uint64_t src = mac_key(meta[i].vid, &eh->src_addr);

		bl->src_slot[i] = learn_cache_hit(learn_cache_slot(cache, src), src,
						  in_port, now)
					  ? MAC_SLOT_NONE
					  : burst_lookup_add(bl, src, &last_src);
		bl->dst_slot[i] = rte_is_multicast_ether_addr(&eh->dst_addr)
					  ? MAC_SLOT_NONE
					  : burst_lookup_add(bl, mac_key(meta[i].vid, &eh->dst_addr),
							     &last_dst);
	}
	mac_table_lookup_bulk(t, bl->keys, bl->nb_keys, bl->hit);
}

#endif
