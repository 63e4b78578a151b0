/* Stateful flows of extended ACLs (ext_acl.h, ext_acl_internal.h).
 *
 * One table is shared by every port of a switch (vfp.c): a port's flows are
 * the entries whose key carries its owner id, and a port may hold at most
 * its quota of them. Per-port tables of 65,536 flows took 8.9 MiB each
 * (110 pods: 980 MiB); a shared one is sized for the switch, and ports
 * with few flows cost nothing but their owner slot. An owner id is a slot
 * (of EXT_ACL_FLOW_OWNERS) and a generation: a port's handle freed bumps
 * the generation, so its flows no longer match any lookup and the sweep
 * deletes them as dead.
 *
 * An rte_hash (multi-writer add, lock-free readers) maps a flow key to its
 * key position, which indexes a preallocated entry array; the hash stores
 * no data. Only workers write: outbound packets of stateful Allow rules
 * add and refresh flows, inbound return packets refresh them, and a worker
 * that finds an expired flow deletes it (plus a small incremental sweep on
 * each new flow, so flows nobody looks up again do not fill the table).
 *
 * Reclaiming positions. With RW_CONCURRENCY_LF a deleted key's position is
 * reused only after rte_hash_free_key_with_position. The deleting worker
 * calls it immediately (there is no grace period among workers) after
 * marking the entry invalid. A concurrent reader that got the position
 * from rte_hash_lookup just before the delete may therefore read an entry
 * being recycled for another flow. Entries are guarded like a seqlock: the
 * writer makes seq odd, writes the key, last_seen and timeout, and makes
 * seq even again; a reader copies nothing but compares the stored key with
 * its own and accepts the entry only if seq was even and unchanged around
 * the reads and the key is its key. A stale or half-written entry thus
 * reads as "no flow" (the inbound packet then meets the rules; an outbound
 * one re-adds its key, which returns the existing position, and rewrites
 * the entry). The same check covers rte_hash's own lookup reading a key
 * slot that is being reused. The remaining races are benign: a refresh
 * racing with the slot's reuse stores a current time into the new flow's
 * last_seen; a worker deleting an expired flow just as another re-creates
 * it may delete the fresh one, which the next outbound packet restores.
 * Writers (add, delete, free) serialise on the hash's internal lock, which
 * only workers take. */

#include "ext_acl.h"
#include "ext_acl_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>



#define OWNER_SLOT_BITS EXT_ACL_FLOW_OWNER_BITS
#define OWNER_SLOT_MASK ((1u << OWNER_SLOT_BITS) - 1)
_Static_assert(EXT_ACL_FLOW_OWNERS == 1u << OWNER_SLOT_BITS, "owner slots");

struct flow_entry {
	uint32_t seq;
	uint32_t last_seen;
	uint32_t timeout;
	struct flow_key key;
} __rte_cache_aligned;

/* A port's share of the table. Counters are the workers' (atomics). */
struct owner_slot {
	uint32_t count;       /* its flows in the table */
	uint16_t gen;         /* of the handle that holds it now */
	uint8_t open;         /* held by a handle (control thread) */
	uint64_t not_created; /* quota or table full */
	uint64_t expired;
};

struct ext_acl_flow_table {
	struct rte_hash *h;
	struct flow_entry *e;
	uint32_t nb_entries;  /* positions rte_hash can return */
	uint32_t sweep;       /* next entry the incremental sweep checks */
	uint32_t hwm;         /* 1 + the highest position ever used */
	uint32_t sweep_step;  /* entries checked per new flow */
	uint32_t capacity;
	unsigned next_slot;   /* round robin, so a slot's reuse is rare */
	struct owner_slot owners[EXT_ACL_FLOW_OWNERS];
};


/* Entries swept per new flow: 8 x (positions / capacity), at least 4.
 * Positions exceed the capacity by the per-lcore free-slot caches
 * (RTE_MAX_LCORE - 1) x 63, and freed positions queue behind unused ones,
 * so over time every position gets used: with s entries per new flow a
 * flow lingers at most positions / s new flows past its expiry, i.e. the
 * expired flows still in the table stay below positions / s (about 1/8
 * of the capacity). A full table sweeps SWEEP_FULL_MUL times that before
 * giving up on a new flow. */
#define SWEEP_MIN 4
#define SWEEP_PER_CAPACITY 8
#define SWEEP_FULL_MUL 8

static unsigned flows_instance;

struct ext_acl_flow_table *ext_acl_flow_table_create(const char *name,
						     uint32_t capacity, int socket)
{
	struct ext_acl_flow_table *f;
	char hname[RTE_HASH_NAMESIZE];
	int32_t max;

	f = rte_zmalloc_socket("ext_acl_flow_table", sizeof(*f), RTE_CACHE_LINE_SIZE,
			       socket);
	if (f == NULL)
		return NULL;
	snprintf(hname, sizeof(hname), "%.20s_%u", name ? name : "eacl_flows",
		 __atomic_fetch_add(&flows_instance, 1, __ATOMIC_RELAXED));
	struct rte_hash_parameters hp = {
		.name = hname,
		.entries = RTE_MAX(capacity, 8u),
		.key_len = sizeof(struct flow_key),
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD |
			      RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	f->capacity = hp.entries;
	f->h = rte_hash_create(&hp);
	if (f->h == NULL)
		goto fail;
	/* with per-lcore free-slot caches, positions go beyond capacity */
	max = rte_hash_max_key_id(f->h);
	if (max < 0)
		goto fail;
	f->nb_entries = (uint32_t)max + 1;
	f->sweep_step = (uint32_t)RTE_MAX((uint64_t)SWEEP_MIN,
		((uint64_t)SWEEP_PER_CAPACITY * f->nb_entries + hp.entries - 1) /
		hp.entries);
	f->e = rte_zmalloc_socket("ext_acl_flow_entries",
				  (size_t)f->nb_entries * sizeof(*f->e),
				  RTE_CACHE_LINE_SIZE, socket);
	if (f->e == NULL)
		goto fail;
	return f;
fail:
	ext_acl_flow_table_free(f);
	return NULL;
}

void ext_acl_flow_table_free(struct ext_acl_flow_table *f)
{
	if (f == NULL)
		return;
	rte_hash_free(f->h);
	rte_free(f->e);
	rte_free(f);
}

uint32_t ext_acl_flow_table_count(const struct ext_acl_flow_table *f)
{
	int32_t n = f ? rte_hash_count(f->h) : 0;

	return n > 0 ? (uint32_t)n : 0;
}

struct ext_acl_flows *ext_acl_flows_open(struct ext_acl_flow_table *t,
					 uint32_t quota, int socket)
{
	struct ext_acl_flows *f;
	struct owner_slot *o = NULL;
	unsigned slot = 0;

	for (unsigned i = 0; i < EXT_ACL_FLOW_OWNERS && o == NULL; i++) {
		slot = (t->next_slot + i) % EXT_ACL_FLOW_OWNERS;
		if (!t->owners[slot].open)
			o = &t->owners[slot];
	}
	if (o == NULL)
		return NULL;
	f = rte_zmalloc_socket("ext_acl_flows", sizeof(*f), RTE_CACHE_LINE_SIZE, socket);
	if (f == NULL)
		return NULL;
	t->next_slot = (slot + 1) % EXT_ACL_FLOW_OWNERS;
	/* a new generation: the slot's earlier flows match no lookup and are
	 * swept as dead; its counters start again */
	__atomic_store_n(&o->gen, (uint16_t)((o->gen + 1) & (0xffffu >> OWNER_SLOT_BITS)),
			 __ATOMIC_RELEASE);
	__atomic_store_n(&o->count, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&o->not_created, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&o->expired, 0, __ATOMIC_RELAXED);
	o->open = 1;
	f->t = t;
	f->owner = (uint16_t)(o->gen << OWNER_SLOT_BITS | slot);
	f->quota = quota;
	return f;
}

struct ext_acl_flows *ext_acl_flows_create(const char *name, uint32_t capacity,
					   int socket)
{
	struct ext_acl_flow_table *t = ext_acl_flow_table_create(name, capacity, socket);
	struct ext_acl_flows *f = t ? ext_acl_flows_open(t, capacity, socket) : NULL;

	if (f == NULL) {
		ext_acl_flow_table_free(t);
		return NULL;
	}
	f->own_table = true;
	return f;
}

void ext_acl_flows_free(struct ext_acl_flows *f)
{
	struct owner_slot *o;

	if (f == NULL)
		return;
	o = &f->t->owners[f->owner & OWNER_SLOT_MASK];
	/* its flows stay until swept: the next open bumps the generation */
	__atomic_store_n(&o->gen, (uint16_t)((o->gen + 1) & (0xffffu >> OWNER_SLOT_BITS)),
			 __ATOMIC_RELEASE);
	o->open = 0;
	if (f->own_table)
		ext_acl_flow_table_free(f->t);
	rte_free(f);
}

static const struct owner_slot *slot_of(const struct ext_acl_flows *f)
{
	return &f->t->owners[f->owner & OWNER_SLOT_MASK];
}

uint32_t ext_acl_flows_count(const struct ext_acl_flows *f)
{
	return f ? __atomic_load_n(&slot_of(f)->count, __ATOMIC_RELAXED) : 0;
}

uint64_t ext_acl_flows_not_created(const struct ext_acl_flows *f)
{
	return f ? __atomic_load_n(&slot_of(f)->not_created, __ATOMIC_RELAXED) : 0;
}

uint64_t ext_acl_flows_expired(const struct ext_acl_flows *f)
{
	return f ? __atomic_load_n(&slot_of(f)->expired, __ATOMIC_RELAXED) : 0;
}

/* The live owner slot of a key, or NULL when its handle was freed. */
static struct owner_slot *owner_live(struct ext_acl_flow_table *t, uint16_t owner)
{
	struct owner_slot *o = &t->owners[owner & OWNER_SLOT_MASK];

	return __atomic_load_n(&o->gen, __ATOMIC_ACQUIRE) == owner >> OWNER_SLOT_BITS
	       ? o : NULL;
}

/* count - 1, never below 0 (a slot reopened while its old flows are
 * deleted may have been reset under them). */
static void count_down(uint32_t *count)
{
	uint32_t c = __atomic_load_n(count, __ATOMIC_RELAXED);

	while (c > 0 && !__atomic_compare_exchange_n(count, &c, c - 1, false,
						     __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static bool expired(uint32_t last, uint32_t timeout, uint32_t now)
{
	return (int32_t)(now - last) > (int32_t)timeout;
}

/* Reads entry fe as a flow of key k: true with its times if it is. */
static bool entry_read(const struct flow_entry *fe, const struct flow_key *k,
		       uint32_t *last, uint32_t *timeout)
{
	uint32_t s1 = __atomic_load_n(&fe->seq, __ATOMIC_ACQUIRE);
	bool same;

	if (s1 & 1)
		return false;
	same = memcmp(&fe->key, k, sizeof(*k)) == 0;
	*last = __atomic_load_n(&fe->last_seen, __ATOMIC_RELAXED);
	*timeout = __atomic_load_n(&fe->timeout, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return same && __atomic_load_n(&fe->seq, __ATOMIC_RELAXED) == s1;
}

/* Writes entry fe: the flow k, or invalid when k is NULL. */
static void entry_write(struct flow_entry *fe, const struct flow_key *k,
			uint32_t now, uint32_t timeout)
{
	__atomic_fetch_add(&fe->seq, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (k != NULL) {
		memcpy(&fe->key, k, sizeof(*k));
		__atomic_store_n(&fe->last_seen, now, __ATOMIC_RELAXED);
		__atomic_store_n(&fe->timeout, timeout, __ATOMIC_RELAXED);
	} else {
		__atomic_store_n(&fe->key.family, 0, __ATOMIC_RELAXED);
	}
	__atomic_fetch_add(&fe->seq, 1, __ATOMIC_RELEASE);
}

/* Deletes flow k, which the caller found expired (or its owner gone). */
static void flow_delete(struct ext_acl_flow_table *f, const struct flow_key *k)
{
	int32_t pos = rte_hash_del_key(f->h, k);
	struct owner_slot *o;

	if (pos < 0)
		return; /* another worker was first */
	entry_write(&f->e[pos], NULL, 0, 0);
	rte_hash_free_key_with_position(f->h, pos);
	o = owner_live(f, k->owner);
	if (o != NULL) {
		count_down(&o->count);
		__atomic_fetch_add(&o->expired, 1, __ATOMIC_RELAXED);
	}
}

/* Checks count entries from the shared sweep cursor, deleting expired
 * flows. Only positions rte_hash has handed out are visited (its free
 * list gives out low positions first, so a table that never filled is
 * swept quickly). */
static void flow_sweep(struct ext_acl_flow_table *f, uint32_t count, uint32_t now)
{
	uint32_t hwm = __atomic_load_n(&f->hwm, __ATOMIC_RELAXED);
	uint32_t start = __atomic_fetch_add(&f->sweep, count, __ATOMIC_RELAXED);

	if (hwm == 0)
		return;
	if (count > hwm)
		count = hwm;
	for (uint32_t i = 0; i < count; i++) {
		struct flow_entry *fe = &f->e[(start + i) % hwm];
		struct flow_key k;
		uint32_t s1 = __atomic_load_n(&fe->seq, __ATOMIC_ACQUIRE), last, to;

		if ((s1 & 1) || __atomic_load_n(&fe->key.family, __ATOMIC_RELAXED) == 0)
			continue;
		memcpy(&k, &fe->key, sizeof(k));
		if (!entry_read(fe, &k, &last, &to) || k.family == 0 ||
		    (!expired(last, to, now) && owner_live(f, k.owner) != NULL))
			continue;
		flow_delete(f, &k);
	}
}

/* Inbound: is k (port-relative, with its owner) a live flow? Refreshes it. */
static bool flow_admit(struct ext_acl_flow_table *f, const struct flow_key *k,
		       uint32_t now)
{
	int32_t pos = rte_hash_lookup(f->h, k);
	struct flow_entry *fe;
	uint32_t last, to;

	if (pos < 0 || (uint32_t)pos >= f->nb_entries)
		return false;
	fe = &f->e[pos];
	if (!entry_read(fe, k, &last, &to))
		return false;
	if (expired(last, to, now)) {
		flow_delete(f, k);
		return false;
	}
	if ((int32_t)(now - last) > 0)
		__atomic_store_n(&fe->last_seen, now, __ATOMIC_RELAXED);
	return true;
}

/* Outbound packet of a stateful Allow rule: starts or refreshes flow k;
 * true when k is in the table with last_seen >= now after it. */
static bool flow_track(struct ext_acl_flows *port, const struct flow_key *k,
		       uint32_t now, uint32_t timeout)
{
	struct ext_acl_flow_table *f = port->t;
	struct owner_slot *o = &f->owners[port->owner & OWNER_SLOT_MASK];
	int32_t pos = rte_hash_lookup(f->h, k);
	uint32_t last, to;

	if (pos >= 0 && (uint32_t)pos < f->nb_entries &&
	    entry_read(&f->e[pos], k, &last, &to)) {
		struct flow_entry *fe = &f->e[pos];

		if ((int32_t)(now - last) > 0 || expired(last, to, now))
			__atomic_store_n(&fe->last_seen, now, __ATOMIC_RELAXED);
		if (to != timeout)
			__atomic_store_n(&fe->timeout, timeout, __ATOMIC_RELAXED);
		return true;
	}
	flow_sweep(f, f->sweep_step, now);
	if (__atomic_load_n(&o->count, __ATOMIC_RELAXED) >= port->quota) {
		__atomic_fetch_add(&o->not_created, 1, __ATOMIC_RELAXED);
		return false;
	}
	pos = rte_hash_add_key(f->h, k);
	if (pos == -ENOSPC) {
		flow_sweep(f, f->sweep_step * SWEEP_FULL_MUL, now);
		pos = rte_hash_add_key(f->h, k);
	}
	if (pos < 0 || (uint32_t)pos >= f->nb_entries) {
		__atomic_fetch_add(&o->not_created, 1, __ATOMIC_RELAXED);
		return false;
	}
	entry_write(&f->e[pos], k, now, timeout);
	__atomic_fetch_add(&o->count, 1, __ATOMIC_RELAXED);
	for (uint32_t h = __atomic_load_n(&f->hwm, __ATOMIC_RELAXED);
	     (uint32_t)pos >= h;)
		if (__atomic_compare_exchange_n(&f->hwm, &h, (uint32_t)pos + 1, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			break;
	if (__atomic_load_n(&port->used, __ATOMIC_RELAXED) == 0)
		__atomic_store_n(&port->used, 1, __ATOMIC_RELEASE);
	return true;
}

bool ext_acl_flow_admit(struct ext_acl_flows *port, const struct flow_key *k,
			uint32_t now)
{
	return __atomic_load_n(&port->used, __ATOMIC_ACQUIRE) && flow_admit(port->t, k, now);
}

bool ext_acl_flow_track(struct ext_acl_flows *port, const struct flow_key *k,
			uint32_t now, uint32_t timeout)
{
	return flow_track(port, k, now, timeout);
}

