#include "mac_table.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_hash_crc.h>
#include <rte_malloc.h>

/* Entries live in a pool and the hash stores a pointer to one as the key's
 * data, so a reader gets key and entry atomically. A deleted entry returns to
 * the pool only when the hash reclaims its key, after an RCU grace period. */

static struct mac_entry *entry_alloc(struct mac_table *t)
{
	int64_t i = slot_pool_get(&t->free);

	return i < 0 ? NULL : &t->entries[i];
}

static void entry_release(struct mac_table *t, struct mac_entry *e)
{
	e->in_use = 0;
	slot_pool_put(&t->free, (uint32_t)(e - t->entries));
}

static void reclaim_cb(void *p, void *key_data)
{
	entry_release(p, key_data);
}

struct mac_table *mac_table_create(const char *name, uint32_t capacity,
				   int socket, struct rte_rcu_qsbr *qsbr)
{
	/* Cuckoo hashing cannot place every key at 100% load, so the hash
	 * gets an eighth more room than the entries we allow: a full table
	 * can still take a new MAC after losing one. */
	uint32_t slots = capacity + capacity / 8;
	struct rte_hash_parameters params = {
		.name = name,
		.entries = slots,
		.key_len = sizeof(struct mac_hkey),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct mac_table *t = rte_zmalloc_socket("mac_table", sizeof(*t), 0, socket);

	if (t == NULL)
		return NULL;
	t->capacity = capacity;
	t->hash = rte_hash_create(&params);
	t->entries = rte_zmalloc_socket("mac_entries",
					sizeof(*t->entries) * (slots + 1),
					RTE_CACHE_LINE_SIZE, socket);
	/* Live plus RCU-pending keys never exceed the hash's key slots
	 * (slots + 1), so a pool that size never runs dry first. */
	if (t->hash == NULL || t->entries == NULL ||
	    slot_pool_init(&t->free, slots + 1, socket) < 0)
		goto fail;
	if (qsbr != NULL) {
		if (slot_pool_rcu_attach(t->hash, qsbr, t, reclaim_cb) < 0)
			goto fail;
		t->deferred_free = true;
	}
	return t;
fail:
	mac_table_free(t);
	return NULL;
}

void mac_table_free(struct mac_table *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->hash);
	slot_pool_fini(&t->free);
	rte_free(t->entries);
	rte_free(t);
}

static struct mac_entry *find(const struct mac_table *t, uint64_t key)
{
	struct mac_hkey hk = {key, 0};
	void *data;

	return rte_hash_lookup_data(t->hash, &hk, &data) >= 0 ? data : NULL;
}

const struct mac_entry *mac_table_find(const struct mac_table *t, uint64_t key)
{
	return find(t, key);
}

/* The entry is complete before the hash publishes its pointer. */
static struct mac_entry *insert(struct mac_table *t, uint64_t key,
				uint16_t port, bool is_static, uint32_t now)
{
	struct mac_entry *e = t->nb_live < t->capacity ? entry_alloc(t) : NULL;

	if (e == NULL)
		return NULL;
	e->port = port;
	e->is_static = is_static;
	e->in_use = 1;
	e->last_seen = now;
	struct mac_hkey hk = {key, 0};

	if (rte_hash_add_key_data(t->hash, &hk, e) != 0) {
		entry_release(t, e);
		return NULL;
	}
	t->nb_live++;
	return e;
}

enum mac_learn_result mac_table_learn(struct mac_table *t, uint64_t key,
				      uint16_t port, uint32_t now)
{
	struct mac_entry *e = find(t, key);

	if (e == NULL)
		return insert(t, key, port, false, now) ? MAC_LEARN_NEW
							: MAC_LEARN_FULL;
	if (e->is_static)
		return e->port == port ? MAC_LEARN_REFRESHED
				       : MAC_LEARN_STATIC_KEPT;
	__atomic_store_n(&e->last_seen, now, __ATOMIC_RELAXED);
	if (e->port == port)
		return MAC_LEARN_REFRESHED;
	__atomic_store_n(&e->port, port, __ATOMIC_RELEASE);
	return MAC_LEARN_MOVED;
}

int mac_table_add_static(struct mac_table *t, uint64_t key, uint16_t port)
{
	struct mac_entry *e = find(t, key);

	if (e == NULL)
		return insert(t, key, port, true, 0) ? 0 : -ENOSPC;
	e->is_static = 1;
	__atomic_store_n(&e->port, port, __ATOMIC_RELEASE);
	return 0;
}

static void remove_key(struct mac_table *t, uint64_t key)
{
	struct mac_hkey hk = {key, 0};
	struct mac_entry *e = find(t, key);
	int32_t pos = rte_hash_del_key(t->hash, &hk);

	if (pos < 0)
		return;
	t->nb_live--;
	if (t->deferred_free)
		return; /* the RCU defer queue calls reclaim_cb later */
	rte_hash_free_key_with_position(t->hash, pos);
	entry_release(t, e);
}

int mac_table_remove(struct mac_table *t, uint64_t key)
{
	if (find(t, key) == NULL)
		return -ENOENT;
	remove_key(t, key);
	return 0;
}

/* Collects keys matching a predicate, then deletes them: an rte_hash must
 * not change while it is iterated. */
typedef bool (*entry_pred)(const struct mac_entry *e, const void *arg);

static unsigned remove_matching(struct mac_table *t, entry_pred pred,
				const void *arg)
{
	unsigned removed = 0, n;
	uint64_t batch[256];

	do {
		const void *key;
		void *data;
		uint32_t iter = 0;

		n = 0;
		while (n < RTE_DIM(batch) &&
		       rte_hash_iterate(t->hash, &key, &data, &iter) >= 0) {
			if (pred(data, arg))
				batch[n++] = ((const struct mac_hkey *)key)->key;
		}
		for (unsigned i = 0; i < n; i++)
			remove_key(t, batch[i]);
		removed += n;
	} while (n == RTE_DIM(batch));
	return removed;
}

struct age_arg {
	uint32_t now, max_age;
};

static bool is_expired(const struct mac_entry *e, const void *arg)
{
	const struct age_arg *a = arg;

	return !e->is_static &&
	       a->now - __atomic_load_n(&e->last_seen, __ATOMIC_RELAXED) >=
		       a->max_age;
}

unsigned mac_table_age(struct mac_table *t, uint32_t now, uint32_t max_age)
{
	struct age_arg a = {now, max_age};

	return remove_matching(t, is_expired, &a);
}

static bool is_on_port(const struct mac_entry *e, const void *arg)
{
	return e->port == *(const uint16_t *)arg;
}

unsigned mac_table_flush_port(struct mac_table *t, uint16_t port)
{
	return remove_matching(t, is_on_port, &port);
}

uint32_t mac_table_count(const struct mac_table *t)
{
	return t->nb_live;
}
