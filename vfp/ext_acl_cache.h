/* The verdict cache of an extended ACL table: which rule (if any) an IPv4
 * 5-tuple matched, remembered per worker, so the packets of a flow after
 * its first skip rte_acl (the idea of Open vSwitch's exact-match cache).
 *
 * Why: ext_acl_classify sees one packet at a time, and rte_acl_classify
 * with fewer than 4 packets runs its scalar search, several hundred
 * cycles for a 5-tuple; a hit here is a CRC32 of 16 bytes, one cache line
 * and two 8-byte compares. The table is immutable, so an entry never goes
 * stale: a rule change compiles a new table with an empty cache. Each
 * worker has its own sets (no sharing, no atomics). A set is one cache
 * line of two ways: a new entry goes first and pushes the older one to
 * the second way, so two flows hashing alike do not evict each other on
 * every packet (with one way, a pod's 1,024 flows missed about a third of
 * the time in 4,096 slots). IPv6 packets are not cached (their key does
 * not fit the line; they take rte_acl every time). What the cache holds
 * is the rte_acl result only: hit counters, Deny, and the stateful flow
 * tracking still run for every packet.
 * Layer: vfp/, engine layer (VFP; DPDK only). */
#ifndef HVS_EXT_ACL_CACHE_H
#define HVS_EXT_ACL_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>

/* sets per worker and table (2 ways each): 4,096 flows, 128 KiB */
#define EXT_ACL_CACHE_SETS 2048
#define EXT_ACL_CACHE_WAYS 2
#define EXT_ACL_CACHE_SLOTS (EXT_ACL_CACHE_SETS * EXT_ACL_CACHE_WAYS)
_Static_assert((EXT_ACL_CACHE_SETS & (EXT_ACL_CACHE_SETS - 1)) == 0, "power of two");

/* An IPv4 port-relative 5-tuple, its direction and the port's owner id:
 * 16 bytes, no padding, hashed and compared as two 8-byte words. */
struct ext_acl_cache_key {
	uint32_t local, remote;
	uint16_t lport, rport;
	uint16_t owner;
	uint8_t proto;
	uint8_t dir; /* 1 inbound, 2 outbound, | 4 without ports; 0: empty slot */
};
_Static_assert(sizeof(struct ext_acl_cache_key) == 16, "cache key has no padding");

struct ext_acl_cache_slot {
	struct ext_acl_cache_key key;
	uint32_t result; /* rte_acl result: 0 no rule, else rule index + 1 */
	uint32_t pad[3];
};
_Static_assert(sizeof(struct ext_acl_cache_slot) * EXT_ACL_CACHE_WAYS == RTE_CACHE_LINE_SIZE,
	       "a set is one cache line");

static inline uint64_t ext_acl_cache_word(const struct ext_acl_cache_key *k, unsigned i)
{
	uint64_t w;

	memcpy(&w, (const uint8_t *)k + 8 * i, sizeof(w));
	return w;
}

/* The set (EXT_ACL_CACHE_WAYS slots, one cache line) k belongs to. */
static inline struct ext_acl_cache_slot *
ext_acl_cache_set(struct ext_acl_cache_slot *worker_slots, const struct ext_acl_cache_key *k)
{
	uint32_t h = rte_hash_crc_8byte(ext_acl_cache_word(k, 1),
					rte_hash_crc_8byte(ext_acl_cache_word(k, 0), 0));

	return &worker_slots[(h & (EXT_ACL_CACHE_SETS - 1)) * EXT_ACL_CACHE_WAYS];
}

static inline bool ext_acl_cache_slot_is(const struct ext_acl_cache_slot *s,
					 const struct ext_acl_cache_key *k)
{
	return ext_acl_cache_word(&s->key, 0) == ext_acl_cache_word(k, 0) &&
	       ext_acl_cache_word(&s->key, 1) == ext_acl_cache_word(k, 1);
}

/* true with *result when the set remembers k (k->dir is never 0, so an
 * empty slot never matches) */
static inline bool ext_acl_cache_find(const struct ext_acl_cache_slot *set,
				      const struct ext_acl_cache_key *k, uint32_t *result)
{
	for (unsigned w = 0; w < EXT_ACL_CACHE_WAYS; w++)
		if (ext_acl_cache_slot_is(&set[w], k)) {
			*result = set[w].result;
			return true;
		}
	return false;
}

static inline void ext_acl_cache_fill(struct ext_acl_cache_slot *set,
				      const struct ext_acl_cache_key *k, uint32_t result)
{
	for (unsigned w = EXT_ACL_CACHE_WAYS - 1; w > 0; w--)
		set[w] = set[w - 1];
	set[0].key = *k;
	set[0].result = result;
}

#endif
