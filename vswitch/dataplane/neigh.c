/* The neighbour cache (l3.h): IPv4 -> (MAC, port, VLAN).
 *
 * Built like the MAC table (mac_table.c): an rte_hash with lock-free readers
 * whose key data is a pointer to a slot in a pool. One writer, the main
 * lcore. Readers copy a slot under its seqlock, so an update in place (a new
 * MAC, port or time) is never seen half-written. A deleted slot returns to
 * the pool only when the hash reclaims its key after an RCU grace period;
 * with no qsbr (unit tests) at once. Workers queue updates on their own
 * single-producer ring, the main lcore drains them. */
#include "l3.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_seqlock.h>

#include "slot_pool.h"

#define NEIGH_RING_SIZE 1024

struct neigh_slot {
	rte_seqlock_t lock;
	struct neigh_entry e;
};

struct neigh_table {
	struct rte_hash *hash;     /* ip (host order) -> struct neigh_slot * */
	struct neigh_slot *slots;  /* pool */
	struct slot_pool free;     /* indexes of free slots (writer only) */
	uint32_t capacity;         /* live entries allowed */
	uint32_t nb_live;
	bool deferred_free;
};

/* What a worker queues: 16 bytes. */
struct neigh_note_rec {
	uint32_t ip;
	uint16_t port, vid;
	struct rte_ether_addr mac;
	uint16_t pad;
};

static struct neigh_slot *slot_alloc(struct neigh_table *t)
{
	int64_t i = slot_pool_get(&t->free);

	return i < 0 ? NULL : &t->slots[i];
}

static void slot_release(struct neigh_table *t, struct neigh_slot *s)
{
	slot_pool_put(&t->free, (uint32_t)(s - t->slots));
}

static void reclaim_cb(void *p, void *key_data)
{
	slot_release(p, key_data);
}

struct neigh_table *neigh_create(const char *name, uint32_t capacity, int socket,
				 struct rte_rcu_qsbr *qsbr)
{
	/* room above capacity: cuckoo hashing does not fill every slot */
	uint32_t slots = capacity + capacity / 8 + 8;
	struct rte_hash_parameters params = {
		.name = name,
		.entries = slots,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};

	if (capacity == 0)
		return NULL;
	struct neigh_table *t = rte_zmalloc_socket("neigh_table", sizeof(*t), 0, socket);

	if (t == NULL)
		return NULL;
	t->capacity = capacity;
	t->hash = rte_hash_create(&params);
	t->slots = rte_zmalloc_socket("neigh_slots", sizeof(*t->slots) * (slots + 1),
				      RTE_CACHE_LINE_SIZE, socket);
	/* live plus RCU-pending keys never exceed the hash's key slots */
	if (t->hash == NULL || t->slots == NULL ||
	    slot_pool_init(&t->free, slots + 1, socket) < 0)
		goto fail;
	for (uint32_t i = 0; i <= slots; i++)
		rte_seqlock_init(&t->slots[i].lock);
	if (qsbr != NULL) {
		if (slot_pool_rcu_attach(t->hash, qsbr, t, reclaim_cb) < 0)
			goto fail;
		t->deferred_free = true;
	}
	return t;
fail:
	neigh_free(t);
	return NULL;
}

void neigh_free(struct neigh_table *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->hash);
	slot_pool_fini(&t->free);
	rte_free(t->slots);
	rte_free(t);
}

static struct neigh_slot *find(const struct neigh_table *t, uint32_t ip)
{
	void *data;

	return rte_hash_lookup_data(t->hash, &ip, &data) >= 0 ? data : NULL;
}

bool neigh_lookup(const struct neigh_table *t, uint32_t ip, struct neigh_entry *out)
{
	const struct neigh_slot *s = find(t, ip);
	uint32_t sn;

	if (s == NULL)
		return false;
	do {
		sn = rte_seqlock_read_begin(&s->lock);
		*out = s->e;
	} while (rte_seqlock_read_retry(&s->lock, sn));
	return true;
}

int neigh_set(struct neigh_table *t, uint32_t ip, const struct neigh_entry *e)
{
	struct neigh_slot *s = find(t, ip);

	if (s != NULL) {
		rte_seqlock_write_lock(&s->lock);
		s->e = *e;
		rte_seqlock_write_unlock(&s->lock);
		return 0;
	}
	if (t->nb_live >= t->capacity || (s = slot_alloc(t)) == NULL)
		return -ENOSPC;
	/* not yet published: no reader can see it, but a reader that held
	 * this slot before its reuse is past a grace period already */
	rte_seqlock_write_lock(&s->lock);
	s->e = *e;
	rte_seqlock_write_unlock(&s->lock);
	if (rte_hash_add_key_data(t->hash, &ip, s) != 0) {
		slot_release(t, s);
		return -ENOSPC;
	}
	t->nb_live++;
	return 0;
}

static void remove_key(struct neigh_table *t, uint32_t ip, struct neigh_slot *s)
{
	int32_t pos = rte_hash_del_key(t->hash, &ip);

	if (pos < 0)
		return;
	t->nb_live--;
	if (t->deferred_free)
		return; /* the RCU defer queue calls reclaim_cb later */
	rte_hash_free_key_with_position(t->hash, pos);
	slot_release(t, s);
}

int neigh_delete(struct neigh_table *t, uint32_t ip)
{
	struct neigh_slot *s = find(t, ip);

	if (s == NULL)
		return -ENOENT;
	remove_key(t, ip, s);
	return 0;
}

/* Collects expired keys, then deletes them: an rte_hash must not change
 * while it is iterated. */
unsigned neigh_age(struct neigh_table *t, uint32_t now, uint32_t ttl)
{
	unsigned removed = 0, n;
	struct { uint32_t ip; struct neigh_slot *s; } batch[256];

	do {
		const void *key;
		void *data;
		uint32_t iter = 0;

		n = 0;
		while (n < RTE_DIM(batch) &&
		       rte_hash_iterate(t->hash, &key, &data, &iter) >= 0) {
			struct neigh_slot *s = data;

			if (now - s->e.updated >= ttl) {
				batch[n].ip = *(const uint32_t *)key;
				batch[n++].s = s;
			}
		}
		for (unsigned i = 0; i < n; i++)
			remove_key(t, batch[i].ip, batch[i].s);
		removed += n;
	} while (n == RTE_DIM(batch));
	return removed;
}

void neigh_foreach(const struct neigh_table *t,
		   void (*fn)(void *ctx, uint32_t ip, const struct neigh_entry *e),
		   void *ctx)
{
	const void *key;
	void *data;
	uint32_t iter = 0;

	/* the writer's own view: no seqlock needed; fn must not change t */
	while (rte_hash_iterate(t->hash, &key, &data, &iter) >= 0) {
		struct neigh_entry e = ((const struct neigh_slot *)data)->e;

		fn(ctx, *(const uint32_t *)key, &e);
	}
}

uint32_t neigh_count(const struct neigh_table *t)
{
	return t->nb_live;
}

struct rte_ring *neigh_ring_create(unsigned worker_id, int socket)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "neigh%u", worker_id);
	return rte_ring_create_elem(name, sizeof(struct neigh_note_rec),
				    NEIGH_RING_SIZE, socket,
				    RING_F_SP_ENQ | RING_F_SC_DEQ);
}

bool neigh_note(struct rte_ring *r, uint32_t ip, const struct rte_ether_addr *mac,
		uint16_t port, uint16_t vid)
{
	struct neigh_note_rec rec = {.ip = ip, .port = port, .vid = vid, .mac = *mac};

	return rte_ring_sp_enqueue_elem(r, &rec, sizeof(rec)) == 0;
}

unsigned neigh_drain(struct neigh_table *t, struct rte_ring *r, uint32_t now)
{
	struct neigh_note_rec recs[64];
	unsigned total = 0, n;

	while ((n = rte_ring_sc_dequeue_burst_elem(r, recs, sizeof(recs[0]),
						   RTE_DIM(recs), NULL)) > 0) {
		for (unsigned k = 0; k < n; k++) {
			struct neigh_entry e = {
				.mac = recs[k].mac,
				.port = recs[k].port,
				.vid = recs[k].vid,
				.updated = now,
			};

			neigh_set(t, recs[k].ip, &e); /* full: dropped */
		}
		total += n;
	}
	return total;
}
