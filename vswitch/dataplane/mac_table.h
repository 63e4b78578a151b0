/* The vmSwitch MAC table: (VLAN, MAC) -> switch port.
 *
 * Workers only read it, lock-free (rte_hash RW_CONCURRENCY_LF). Exactly one
 * thread writes it, the main lcore, which applies learn requests the workers
 * queue (see learn.h), adds static entries and ages entries out. Workers keep
 * an existing entry fresh by storing the current second into its last_seen
 * (a relaxed store, no lock). Key slots of deleted entries are reclaimed only
 * after every worker has passed a quiescent state (rte_rcu_qsbr), so a worker
 * holding an entry pointer never sees it reused.
 *
 * Static entries (config MacAddresses, endpoints) never age and are never
 * moved by learning: "static wins".
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_MAC_TABLE_H
#define HVS_MAC_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_rcu_qsbr.h>

#include "slot_pool.h"

#define MAC_TABLE_BULK_MAX 64 /* = RTE_HASH_LOOKUP_BULK_MAX */

struct mac_entry {
	uint16_t port;      /* switch port index */
	uint8_t is_static;
	uint8_t in_use;
	uint32_t last_seen; /* switch clock, seconds */
};

struct mac_table {
	struct rte_hash *hash;      /* key -> struct mac_entry * */
	struct mac_entry *entries;  /* pool, capacity + 1 entries */
	struct slot_pool free;      /* indexes of free entries (writer only) */
	uint32_t capacity;          /* live entries allowed */
	uint32_t nb_live;           /* live entries (RCU-pending excluded) */
	bool deferred_free;         /* RCU reclaims; else free at once */
};

enum mac_learn_result {
	MAC_LEARN_NEW,
	MAC_LEARN_MOVED,
	MAC_LEARN_REFRESHED,
	MAC_LEARN_STATIC_KEPT, /* a static entry owns this MAC: not moved */
	MAC_LEARN_FULL,
};

/* The hash key: VLAN in the top 16 bits, MAC in the low 48. The table
 * stores it padded to 16 bytes, the smallest size rte_hash compares with
 * SIMD instead of memcmp (measured: 8-byte keys spent ~6% in memcmp). */
struct mac_hkey {
	uint64_t key;
	uint64_t zero;
};

static inline uint64_t mac_key(uint16_t vid, const struct rte_ether_addr *mac)
{
	const uint8_t *b = mac->addr_bytes;

	return (uint64_t)vid << 48 | (uint64_t)b[0] << 40 | (uint64_t)b[1] << 32 |
	       (uint64_t)b[2] << 24 | (uint64_t)b[3] << 16 |
	       (uint64_t)b[4] << 8 | (uint64_t)b[5];
}

static inline uint16_t mac_key_vid(uint64_t key) { return (uint16_t)(key >> 48); }

static inline void mac_key_addr(uint64_t key, struct rte_ether_addr *mac)
{
	for (int i = 0; i < 6; i++)
		mac->addr_bytes[i] = (uint8_t)(key >> (40 - 8 * i));
}

/* qsbr may be NULL when no reader runs concurrently (unit tests). */
struct mac_table *mac_table_create(const char *name, uint32_t capacity,
				   int socket, struct rte_rcu_qsbr *qsbr);
void mac_table_free(struct mac_table *t);

/* Reader side (workers): entries of n keys (n <= MAC_TABLE_BULK_MAX),
 * NULL for a miss. */
static inline void mac_table_lookup_bulk(const struct mac_table *t,
					 const uint64_t *keys, unsigned n,
					 struct mac_entry **out)
{
	struct mac_hkey hkeys[MAC_TABLE_BULK_MAX];
	const void *key_ptrs[MAC_TABLE_BULK_MAX];
	void *data[MAC_TABLE_BULK_MAX];
	uint64_t hits = 0;

	if (n <= 1) { /* one host to one host: the bulk set-up costs more */
		if (n == 1) {
			hkeys[0] = (struct mac_hkey){keys[0], 0};
			if (rte_hash_lookup_data(t->hash, &hkeys[0], data) < 0)
				data[0] = NULL;
			out[0] = data[0];
		}
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		hkeys[i] = (struct mac_hkey){keys[i], 0};
		key_ptrs[i] = &hkeys[i];
	}
	rte_hash_lookup_bulk_data(t->hash, key_ptrs, n, &hits, data);
	for (unsigned i = 0; i < n; i++)
		out[i] = (hits >> i) & 1 ? (struct mac_entry *)data[i] : NULL;
}

/* Reader side: does a frame from this source on in_port need the writer?
 * Refreshes last_seen in place when the entry is already right. */
static inline bool mac_entry_needs_learn(struct mac_entry *e, uint16_t in_port,
					 uint32_t now)
{
	if (e == NULL)
		return true;
	if (e->port == in_port) {
		if (__atomic_load_n(&e->last_seen, __ATOMIC_RELAXED) != now)
			__atomic_store_n(&e->last_seen, now, __ATOMIC_RELAXED);
		return false;
	}
	return !e->is_static;
}

/* Writer side (main lcore only). */
enum mac_learn_result mac_table_learn(struct mac_table *t, uint64_t key,
				      uint16_t port, uint32_t now);
/* Adds or overwrites a static entry. Returns 0 or -ENOSPC. */
int mac_table_add_static(struct mac_table *t, uint64_t key, uint16_t port);
/* Removes one entry, static or learned. Returns 0 or -ENOENT. */
int mac_table_remove(struct mac_table *t, uint64_t key);
/* Removes learned entries idle for max_age seconds or more; returns count. */
unsigned mac_table_age(struct mac_table *t, uint32_t now, uint32_t max_age);
/* Removes every entry (learned and static) pointing at port. */
unsigned mac_table_flush_port(struct mac_table *t, uint16_t port);
/* Writer-side single lookup (also fine for tests). */
const struct mac_entry *mac_table_find(const struct mac_table *t, uint64_t key);
uint32_t mac_table_count(const struct mac_table *t);

#endif
