/* One MAC table lookup per burst for both the sources (learning) and the
 * destinations (forwarding): a single bulk call of up to 2 x VS_BURST keys,
 * with a key equal to the previous packet's key looked up only once (the
 * one-entry cache VPP keeps; a burst from one host to one host is the
 * common case).
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_MAC_LOOKUP_H
#define HVS_MAC_LOOKUP_H

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_mbuf.h>

#include "mac_table.h"
#include "parse.h"
#include "switch.h"

#define MAC_SLOT_NONE 0xff
#define LEARN_CACHE_SIZE 4096 /* keys per ingress port, direct-mapped */

/* Sources a worker already confirmed (entry on that ingress port,
 * last_seen refreshed) in the current second: their frames skip the source
 * lookup until the second changes. One table of bare keys per ingress port
 * (8 bytes a slot, 0 empty: no valid source has key 0), emptied when the
 * port's first burst of a new second arrives; so aging (at least one
 * second idle), removals and moves are seen within a second. */
struct learn_cache {
	uint64_t keys[VS_MAX_PORTS][LEARN_CACHE_SIZE];
	uint32_t sec[VS_MAX_PORTS]; /* the second keys[port] holds */
};

/* in_port's table for second now. */
static inline uint64_t *learn_cache_port(struct learn_cache *c, uint16_t port,
					 uint32_t now)
{
	if (unlikely(c->sec[port] != now)) {
		memset(c->keys[port], 0, sizeof(c->keys[port]));
		c->sec[port] = now;
	}
	return c->keys[port];
}

static inline uint32_t learn_cache_index(uint64_t key)
{
	return rte_hash_crc_8byte(key, 0) & (LEARN_CACHE_SIZE - 1);
}

static inline bool learn_cache_holds(const uint64_t *keys, uint64_t key)
{
	return keys[learn_cache_index(key)] == key;
}

static inline void learn_cache_put(uint64_t *keys, uint64_t key)
{
	keys[learn_cache_index(key)] = key;
}

/* mac_key of the address at p, read as one 8-byte load: p must have 8
 * readable bytes (a frame's destination or source address: a valid frame
 * holds 14). */
static inline uint64_t mac_key_load8(uint16_t vid, const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return (uint64_t)vid << 48 | rte_be_to_cpu_64(v) >> 16;
}

struct burst_lookup {
	uint64_t keys[2 * VS_BURST];
	struct mac_entry *hit[2 * VS_BURST];
	uint8_t src_slot[VS_BURST]; /* index into keys/hit; NONE: cached */
	uint8_t dst_slot[VS_BURST]; /* MAC_SLOT_NONE: group address, flood */
	uint8_t nb_keys;
	bool learn; /* a source was not in the learn cache */
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
				    const uint64_t *cache,
				    struct rte_mbuf *const *pkts,
				    const struct pkt_meta *meta, uint16_t n)
{
	uint8_t last_src = MAC_SLOT_NONE, last_dst = MAC_SLOT_NONE;

	bl->nb_keys = 0;
	bl->learn = false;
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_ether_hdr *eh =
			rte_pktmbuf_mtod(pkts[i], const struct rte_ether_hdr *);
		uint64_t src = mac_key_load8(meta[i].vid, eh->src_addr.addr_bytes);

		if (learn_cache_holds(cache, src)) {
			bl->src_slot[i] = MAC_SLOT_NONE;
		} else {
			bl->src_slot[i] = burst_lookup_add(bl, src, &last_src);
			bl->learn = true;
		}
		bl->dst_slot[i] = rte_is_multicast_ether_addr(&eh->dst_addr)
					  ? MAC_SLOT_NONE
					  : burst_lookup_add(bl, mac_key_load8(meta[i].vid,
									     eh->dst_addr.addr_bytes),
							     &last_dst);
	}
	mac_table_lookup_bulk(t, bl->keys, bl->nb_keys, bl->hit);
}

#endif
