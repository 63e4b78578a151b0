/* The verdict cache of an extended ACL table: which rule (if any) an IPv4
 * 5-tuple matched, remembered per worker, so the packets of a flow after
 * its first skip rte_acl (the idea of Open vSwitch's exact-match cache).
 *
 * Why: rte_acl walks a trie per field (a few hundred cycles for a 5-tuple
 * on its scalar path); a hit here is a CRC32 of 16 bytes, one cache line
 * (prefetched for the whole burst by ext_acl_classify_burst) and 8-byte
 * compares. The table is immutable, so an entry never goes stale: a rule
 * change compiles a new table with an empty cache. Each worker has its own
 * sets (no sharing, no atomics).
 *
 * A set is one cache line of three ways (three 16-byte keys, then their
 * results). A miss fills an empty way, else evicts the way the key's hash
 * picks (bits above the set index). With 1,024 flows in 2,048 sets of two
 * ways filled most-recent-first, the few sets that drew three flows missed
 * on every packet of all three (a cyclic pattern defeats LRU): 12% of the
 * bench's packets. With three ways and a per-key victim, four flows in a
 * set still leave two of them hitting, and four-flow sets are rare.
 * IPv6 packets are not cached (their key does not fit; they take rte_acl,
 * batched per burst). What the cache holds is the rte_acl result only:
 * hit counters, Deny, and the stateful flow tracking still run for every
 * packet.
 * Layer: vfp/, engine layer (VFP; DPDK only). */
#ifndef HVS_EXT_ACL_CACHE_H
#define HVS_EXT_ACL_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>

/* sets per worker and table (3 ways each): 6,144 flows, 128 KiB */
#define EXT_ACL_CACHE_SETS 2048
#define EXT_ACL_CACHE_WAYS 3
_Static_assert((EXT_ACL_CACHE_SETS & (EXT_ACL_CACHE_SETS - 1)) == 0, "power of two");

/* An IPv4 port-relative 5-tuple, its direction and the port's owner id
 * as two 64-bit words (made in registers: a key stored field by field and
 * read back as words stalls on store forwarding, 28% of the classification
 * in perf), hashed and compared as such:
 *   w[0] = local address | remote address << 32 (host order)
 *   w[1] = local port | remote port << 16 | owner << 32 | protocol << 48
 *          | dir << 56, dir 1 inbound, 2 outbound, | 4 without ports
 *          (0: an empty way; a packet without ports is not one with
 *          ports 0) */
struct ext_acl_cache_key {
	uint64_t w[2];
};

static inline struct ext_acl_cache_key
ext_acl_cache_key_make(uint32_t local, uint32_t remote, uint16_t lport, uint16_t rport,
		       uint16_t owner, uint8_t proto, uint8_t dir)
{
	return (struct ext_acl_cache_key){ .w = {
		(uint64_t)local | (uint64_t)remote << 32,
		(uint64_t)lport | (uint64_t)rport << 16 | (uint64_t)owner << 32 |
		(uint64_t)proto << 48 | (uint64_t)dir << 56 } };
}

static inline bool ext_acl_cache_key_empty(const struct ext_acl_cache_key *k)
{
	return (k->w[1] >> 56) == 0;
}

/* A way's result before rte_acl was asked (made by a stateful admission,
 * which decides without the rules). */
#define EXT_ACL_CACHE_UNSEARCHED UINT32_MAX

/* live: the stateful flow of way w was found live, or tracked, in the
 * second (now mod 2^29) bits 3-31 name, if bit w is set. A flow live at
 * second s stays so for the rest of s (it expires only after idling at
 * least a second; it goes only with its port), so its packets skip the
 * flow table until the second changes; at most one lookup a flow, worker
 * and second. (A flow found expired by another worker as this one
 * refreshed it may then pass inbound for the rest of the second, as the
 * packet that raced the delete did before.) */
#define EXT_ACL_CACHE_LIVE_WAYS 3u
#define EXT_ACL_CACHE_LIVE_SECOND(now) ((uint32_t)(now) << EXT_ACL_CACHE_LIVE_WAYS)
_Static_assert(EXT_ACL_CACHE_WAYS <= EXT_ACL_CACHE_LIVE_WAYS, "a live bit per way");

struct ext_acl_cache_set {
	struct ext_acl_cache_key key[EXT_ACL_CACHE_WAYS];
	uint32_t result[EXT_ACL_CACHE_WAYS]; /* rte_acl result: 0 no rule, else rule index + 1 */
	uint32_t live;
} __rte_aligned(RTE_CACHE_LINE_SIZE);
_Static_assert(sizeof(struct ext_acl_cache_set) == RTE_CACHE_LINE_SIZE, "a set is one cache line");

static inline uint32_t ext_acl_cache_hash(const struct ext_acl_cache_key *k)
{
	return rte_hash_crc_8byte(k->w[1], rte_hash_crc_8byte(k->w[0], 0));
}

/* The set (one cache line) of a key whose hash is h. */
static inline struct ext_acl_cache_set *
ext_acl_cache_set(struct ext_acl_cache_set *worker_sets, uint32_t h)
{
	return &worker_sets[h & (EXT_ACL_CACHE_SETS - 1)];
}

static inline bool ext_acl_cache_key_is(const struct ext_acl_cache_key *a,
					const struct ext_acl_cache_key *k)
{
	return ((a->w[0] ^ k->w[0]) | (a->w[1] ^ k->w[1])) == 0;
}

/* The way of the set that holds k, or -1 (a key's dir is never 0, so an
 * empty way never matches). */
static inline int ext_acl_cache_find(const struct ext_acl_cache_set *set,
				     const struct ext_acl_cache_key *k)
{
	for (unsigned w = 0; w < EXT_ACL_CACHE_WAYS; w++)
		if (ext_acl_cache_key_is(&set->key[w], k))
			return (int)w;
	return -1;
}

/* The way that holds k (hash h) from now on: k's own, else an empty way,
 * else the one h picks (its result then EXT_ACL_CACHE_UNSEARCHED, its
 * live bit clear). */
static inline unsigned ext_acl_cache_place(struct ext_acl_cache_set *set,
					   const struct ext_acl_cache_key *k, uint32_t h)
{
	unsigned way = (h >> 16) % EXT_ACL_CACHE_WAYS;

	for (unsigned w = 0; w < EXT_ACL_CACHE_WAYS; w++) {
		if (ext_acl_cache_key_is(&set->key[w], k))
			return w;
		if (ext_acl_cache_key_empty(&set->key[w])) {
			way = w;
			break;
		}
	}
	set->key[way] = *k;
	set->result[way] = EXT_ACL_CACHE_UNSEARCHED;
	set->live &= ~(UINT32_C(1) << way);
	return way;
}

static inline bool ext_acl_cache_live(const struct ext_acl_cache_set *set, unsigned way,
				      uint32_t now)
{
	return (set->live >> way & 1) &&
	       (set->live & ~((UINT32_C(1) << EXT_ACL_CACHE_LIVE_WAYS) - 1)) ==
	       EXT_ACL_CACHE_LIVE_SECOND(now);
}

static inline void ext_acl_cache_set_live(struct ext_acl_cache_set *set, unsigned way,
					  uint32_t now)
{
	uint32_t second = EXT_ACL_CACHE_LIVE_SECOND(now);

	if ((set->live & ~((UINT32_C(1) << EXT_ACL_CACHE_LIVE_WAYS) - 1)) != second)
		set->live = second;
	set->live |= UINT32_C(1) << way;
}

#endif
