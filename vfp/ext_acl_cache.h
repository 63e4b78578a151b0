/* The verdict cache of an extended ACL table: which rule (if any) a
 * 5-tuple matched, remembered per worker, so the packets of a flow after
 * its first skip rte_acl (the idea of Open vSwitch's exact-match cache).
 *
 * Why: ext_acl_classify sees one packet at a time, and rte_acl_classify
 * with fewer than 4 packets runs its scalar search, several hundred
 * cycles for a 5-tuple; a hit here is one CRC32 hash, one cache line and
 * a 40-byte compare. The table is immutable, so an entry never goes stale:
 * a rule change compiles a new table with an empty cache. Each worker has
 * its own sets (no sharing, no atomics). A set has two ways: a new entry
 * goes first and pushes the older one to the second way, so two flows
 * hashing alike do not evict each other on every packet (with one way, a
 * pod's 1,024 flows missed about a third of the time in 4,096 slots).
 * What the cache holds is the rte_acl result only: hit counters,
 * Deny, and the stateful flow tracking still run for every packet.
 * Layer: vfp/, engine layer (VFP; DPDK only). */
#ifndef HVS_EXT_ACL_CACHE_H
#define HVS_EXT_ACL_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_hash_crc.h>

#include "ext_acl_internal.h"

/* sets per worker and table (2 ways each): 4,096 flows, 192 KiB */
#define EXT_ACL_CACHE_SETS 2048
#define EXT_ACL_CACHE_WAYS 2
#define EXT_ACL_CACHE_SLOTS (EXT_ACL_CACHE_SETS * EXT_ACL_CACHE_WAYS)
_Static_assert((EXT_ACL_CACHE_SETS & (EXT_ACL_CACHE_SETS - 1)) == 0, "power of two");
_Static_assert(sizeof(struct flow_key) == 40, "flow_key has no padding to hash");

struct ext_acl_cache_slot {
	struct flow_key key; /* key.family 0: empty */
	uint8_t outbound;
	uint32_t result;     /* rte_acl result: 0 no rule, else rule index + 1 */
};

/* The set (EXT_ACL_CACHE_WAYS slots) k belongs to in a worker's slots. */
static inline struct ext_acl_cache_slot *
ext_acl_cache_set(struct ext_acl_cache_slot *worker_slots, const struct flow_key *k,
		  bool outbound)
{
	uint32_t h = rte_hash_crc(k, sizeof(*k), outbound);

	return &worker_slots[(h & (EXT_ACL_CACHE_SETS - 1)) * EXT_ACL_CACHE_WAYS];
}

static inline bool ext_acl_cache_slot_is(const struct ext_acl_cache_slot *s,
					 const struct flow_key *k, bool outbound)
{
	return s->key.family != 0 && s->outbound == outbound &&
	       memcmp(&s->key, k, sizeof(*k)) == 0;
}

/* true with *result when the set remembers k */
static inline bool ext_acl_cache_find(const struct ext_acl_cache_slot *set,
				      const struct flow_key *k, bool outbound,
				      uint32_t *result)
{
	for (unsigned w = 0; w < EXT_ACL_CACHE_WAYS; w++)
		if (ext_acl_cache_slot_is(&set[w], k, outbound)) {
			*result = set[w].result;
			return true;
		}
	return false;
}

static inline void ext_acl_cache_fill(struct ext_acl_cache_slot *set,
				      const struct flow_key *k, bool outbound,
				      uint32_t result)
{
	for (unsigned w = EXT_ACL_CACHE_WAYS - 1; w > 0; w--)
		set[w] = set[w - 1];
	set[0].key = *k;
	set[0].outbound = outbound;
	set[0].result = result;
}

#endif
