/* The LB set: engine create/free and the control thread's writes. An LB
 * is an immutable struct lb_object (backends + Maglev table + per-worker
 * per-backend counters) published into its slot with one atomic store;
 * the old object is queued and freed after a grace period (retire.c), so
 * a worker never sees it half-built and never waits, and the writer does
 * not wait either. Frontends (vip, proto, port) map to slots in a
 * lock-free rte_hash; a deleted key's position is freed only after the
 * grace period. Per-LB counters live per worker and slot, summed on read.
 * Layer: lb/, engine layer (load balancer; DPDK only). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "lb_internal.h"

void lb_engine_config_defaults(struct lb_engine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nb_workers = 1;
	cfg->socket = SOCKET_ID_ANY;
	cfg->max_lbs = 16384;
	cfg->max_conns = 65536;
	cfg->tcp_established_timeout = 7440;
	cfg->tcp_transient_timeout = 120;
	cfg->udp_timeout = 120;
}

struct lb_engine *lb_engine_create(const struct lb_engine_config *cfg)
{
	static unsigned instance;
	struct lb_engine *e = rte_zmalloc_socket("lb", sizeof(*e), RTE_CACHE_LINE_SIZE,
						 cfg->socket);
	char name[RTE_HASH_NAMESIZE];

	if (e == NULL || cfg->nb_workers == 0 || cfg->max_lbs == 0)
		goto fail;
	e->cfg = *cfg;
	e->tsc_established = cfg->tcp_established_timeout * rte_get_tsc_hz();
	e->tsc_transient = cfg->tcp_transient_timeout * rte_get_tsc_hz();
	e->tsc_udp = cfg->udp_timeout * rte_get_tsc_hz();
	e->slots = rte_zmalloc_socket("lb_slots", cfg->max_lbs * sizeof(*e->slots), 0,
				      cfg->socket);
	e->slot_taken = calloc(cfg->max_lbs, sizeof(*e->slot_taken));
	e->hosts = calloc(1, sizeof(*e->hosts));
	snprintf(name, sizeof(name), "lbfe%u", __atomic_fetch_add(&instance, 1, __ATOMIC_RELAXED));
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = cfg->max_lbs < 8 ? 8 : cfg->max_lbs,
		.key_len = sizeof(struct lb_frontend_key),
		.hash_func = rte_jhash,
		.socket_id = cfg->socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	e->frontends = rte_hash_create(&hp);
	if (e->slots == NULL || e->slot_taken == NULL || e->hosts == NULL ||
	    e->frontends == NULL)
		goto fail;
	if (lb_conn_tables_create(e) < 0)
		goto fail;
	return e;
fail:
	lb_engine_free(e);
	return NULL;
}

void lb_engine_free(struct lb_engine *e)
{
	if (e == NULL)
		return;
	lb_conn_tables_free(e);
	if (e->frontends != NULL && e->slot_taken != NULL)
		lb_retire_free_all(e);
	if (e->slots != NULL)
		for (uint32_t i = 0; i < e->cfg.max_lbs; i++)
			lb_object_free(e->slots[i]);
	rte_free(e->slots);
	free(e->slot_taken);
	rte_hash_free(e->frontends);
	free(e->hosts);
	rte_free(e);
}

static struct lb_frontend_key frontend_key(const struct lb_config *c)
{
	struct lb_frontend_key k = {
		.vip = rte_cpu_to_be_32(c->vip),
		.port = rte_cpu_to_be_16(c->port),
		.proto = c->proto,
	};
	return k;
}

static int check_config(const struct lb_config *c, char *err)
{
	if (c->proto != IPPROTO_TCP && c->proto != IPPROTO_UDP && c->proto != IPPROTO_SCTP) {
		snprintf(err, LB_ERR_MAX, "protocol %u is not TCP, UDP or SCTP", c->proto);
		return -EINVAL;
	}
	if (c->port == 0) {
		snprintf(err, LB_ERR_MAX, "external port 0");
		return -EINVAL;
	}
	if (c->nb_backends == 0 || c->backends == NULL) {
		snprintf(err, LB_ERR_MAX, "a load balancer needs at least one backend");
		return -EINVAL;
	}
	if (c->nb_backends > LB_MAX_BACKENDS) {
		snprintf(err, LB_ERR_MAX, "%u backends, at most %u", c->nb_backends,
			 LB_MAX_BACKENDS);
		return -EINVAL;
	}
	if (c->distribution > LB_DIST_CLIENT_IP) {
		snprintf(err, LB_ERR_MAX, "distribution type %d unknown", c->distribution);
		return -EINVAL;
	}
	for (unsigned i = 0; i < c->nb_backends; i++)
		if (c->backends[i].ip == 0 || c->backends[i].port == 0) {
			snprintf(err, LB_ERR_MAX, "backend %u has no address or port", i);
			return -EINVAL;
		}
	return 0;
}

static struct lb_object *object_build(struct lb_engine *e, const struct lb_config *c,
				      uint32_t uid, char *err)
{
	struct lb_object *o = calloc(1, sizeof(*o));
	unsigned nb = c->nb_backends, nw = e->cfg.nb_workers;

	if (o == NULL)
		goto nomem;
	o->uid = uid;
	o->gen = ++e->next_gen;
	o->cfg = *c;
	o->nb_workers = nw;
	o->backends = malloc(nb * sizeof(*o->backends));
	o->stats = rte_zmalloc("lb_bstats", (size_t)nw * nb * sizeof(*o->stats),
			       RTE_CACHE_LINE_SIZE);
	o->stats_base = calloc(nb, sizeof(*o->stats_base));
	if (o->backends == NULL || o->stats == NULL || o->stats_base == NULL)
		goto nomem;
	memcpy(o->backends, c->backends, nb * sizeof(*o->backends));
	o->cfg.backends = o->backends;
	if (lb_maglev_build(o, err) < 0) {
		lb_object_free(o);
		return NULL;
	}
	return o;
nomem:
	snprintf(err, LB_ERR_MAX, "out of memory");
	lb_object_free(o);
	return NULL;
}

static void clear_lb_counters(struct lb_engine *e, uint32_t slot)
{
	for (unsigned w = 0; w < e->cfg.nb_workers; w++)
		memset(&e->workers[w].lb_stats[slot], 0, sizeof(struct lb_counters));
}

/* The lowest slot neither in use nor waiting for its old object to be
 * freed (a worker may still count into it). */
static uint32_t free_slot(struct lb_engine *e)
{
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t s = e->slot_hint; s < e->cfg.max_lbs; s++)
			if (!e->slot_taken[s]) {
				e->slot_hint = s + 1;
				return s;
			}
		e->slot_hint = e->cfg.max_lbs;
		if (lb_reclaim_pending(e) == 0)
			break;
		lb_reclaim_wait(e); /* full of removed LBs still held */
	}
	return LB_INVALID_HANDLE;
}

/* Positions of deleted keys wait for the grace period too: a table full
 * of them waits for it once before it is really full. */
static int frontend_add(struct lb_engine *e, const struct lb_frontend_key *k, uint32_t slot)
{
	int rc = rte_hash_add_key_data(e->frontends, k, (void *)(uintptr_t)slot);

	if (rc == -ENOSPC && lb_reclaim_pending(e) > 0) {
		lb_reclaim_wait(e);
		rc = rte_hash_add_key_data(e->frontends, k, (void *)(uintptr_t)slot);
	}
	return rc;
}

int lb_add(struct lb_engine *e, const struct lb_config *c, uint32_t *handle, char *err)
{
	struct lb_frontend_key k = frontend_key(c);
	void *data;
	uint32_t slot;
	int rc = check_config(c, err);

	if (rc < 0)
		return rc;
	if (rte_hash_lookup_data(e->frontends, &k, &data) >= 0) {
		snprintf(err, LB_ERR_MAX, "frontend already used by load balancer %u",
			 (uint32_t)(uintptr_t)data);
		return -EEXIST;
	}
	slot = free_slot(e);
	if (slot == LB_INVALID_HANDLE) {
		snprintf(err, LB_ERR_MAX, "all %u load balancer slots in use", e->cfg.max_lbs);
		return -ENOSPC;
	}
	struct lb_object *o = object_build(e, c, ++e->next_uid, err);

	if (o == NULL)
		return -ENOMEM;
	/* the key first: no worker can find the slot before the object is in */
	rc = frontend_add(e, &k, slot);
	if (rc < 0) {
		lb_object_free(o);
		snprintf(err, LB_ERR_MAX, "frontend table full");
		return -ENOSPC;
	}
	clear_lb_counters(e, slot);
	e->slot_taken[slot] = true;
	__atomic_store_n(&e->slots[slot], o, __ATOMIC_RELEASE);
	*handle = slot;
	return 0;
}

/* The key's position is freed after the grace period, with what the same
 * write replaced (one queue entry). */
static int32_t frontend_del(struct lb_engine *e, const struct lb_config *c)
{
	struct lb_frontend_key k = frontend_key(c);
	int32_t pos = rte_hash_del_key(e->frontends, &k);

	return pos < 0 ? -1 : pos;
}

int lb_update(struct lb_engine *e, uint32_t handle, const struct lb_config *c, char *err)
{
	if (handle >= e->cfg.max_lbs || e->slots[handle] == NULL) {
		snprintf(err, LB_ERR_MAX, "no load balancer %u", handle);
		return -ENOENT;
	}
	struct lb_object *old = e->slots[handle];
	struct lb_frontend_key k = frontend_key(c), old_k = frontend_key(&old->cfg);
	bool moved = memcmp(&k, &old_k, sizeof(k)) != 0;
	void *data;
	int rc = check_config(c, err);

	if (rc < 0)
		return rc;
	if (moved && rte_hash_lookup_data(e->frontends, &k, &data) >= 0) {
		snprintf(err, LB_ERR_MAX, "frontend already used by load balancer %u",
			 (uint32_t)(uintptr_t)data);
		return -EEXIST;
	}
	struct lb_object *o = object_build(e, c, old->uid, err);

	if (o == NULL)
		return -ENOMEM;
	if (moved && frontend_add(e, &k, handle) < 0) {
		lb_object_free(o);
		snprintf(err, LB_ERR_MAX, "frontend table full");
		return -ENOSPC;
	}
	o->pred = old; /* its counts until it is freed */
	__atomic_store_n(&e->slots[handle], o, __ATOMIC_RELEASE);
	lb_retire(e, &(struct lb_retired){
		.obj = old, .successor = o,
		.key_pos = moved ? frontend_del(e, &old->cfg) : -1,
		.slot = LB_INVALID_HANDLE,
	});
	return 0;
}

int lb_remove(struct lb_engine *e, uint32_t handle)
{
	if (handle >= e->cfg.max_lbs || e->slots[handle] == NULL)
		return -ENOENT;
	struct lb_object *old = e->slots[handle];
	int32_t pos = frontend_del(e, &old->cfg);

	__atomic_store_n(&e->slots[handle], NULL, __ATOMIC_RELEASE);
	lb_retire(e, &(struct lb_retired){.obj = old, .key_pos = pos, .slot = handle});
	return 0;
}

int lb_set_host_addresses(struct lb_engine *e, const uint32_t *ips, unsigned n)
{
	if (n > LB_MAX_HOST_ADDRS)
		return -EINVAL;
	struct lb_hosts *h = calloc(1, sizeof(*h)), *old = e->hosts;

	if (h == NULL)
		return -ENOMEM;
	h->n = n;
	for (unsigned i = 0; i < n; i++)
		h->ips[i] = rte_cpu_to_be_32(ips[i]);
	__atomic_store_n(&e->hosts, h, __ATOMIC_RELEASE);
	lb_retire(e, &(struct lb_retired){.hosts = old, .key_pos = -1,
					   .slot = LB_INVALID_HANDLE});
	return 0;
}

int lb_read_counters(const struct lb_engine *e, uint32_t handle, struct lb_counters *total,
		     struct lb_counters *backends, unsigned nb_backends)
{
	if (handle >= e->cfg.max_lbs)
		return -ENOENT;
	const struct lb_object *o = lb_slot_load(e, handle);

	if (o == NULL)
		return -ENOENT;
	memset(total, 0, sizeof(*total));
	for (unsigned w = 0; w < e->cfg.nb_workers; w++) {
		const struct lb_counters *s = &e->workers[w].lb_stats[handle];

		total->packets += __atomic_load_n(&s->packets, __ATOMIC_RELAXED);
		total->bytes += __atomic_load_n(&s->bytes, __ATOMIC_RELAXED);
		total->connections += __atomic_load_n(&s->connections, __ATOMIC_RELAXED);
		total->drops += __atomic_load_n(&s->drops, __ATOMIC_RELAXED);
	}
	for (unsigned b = 0; backends != NULL && b < nb_backends && b < o->cfg.nb_backends; b++) {
		struct lb_backend_stats t;

		lb_backend_totals(o, b, &t);
		backends[b] = (struct lb_counters){t.packets, t.bytes, t.connections, 0};
	}
	return 0;
}

int lb_select_backend(const struct lb_engine *e, uint32_t handle, uint32_t h)
{
	if (handle >= e->cfg.max_lbs)
		return -1;
	const struct lb_object *o = lb_slot_load(e, handle);

	return o == NULL ? -1 : lb_maglev_pick(o, h);
}

uint32_t lb_flow_hash(enum lb_distribution d, uint8_t proto, uint32_t src, uint32_t dst,
		      uint16_t sport, uint16_t dport)
{
	switch (d) {
	case LB_DIST_CLIENT_IP:
		return rte_jhash_1word(src, 0x1b873593u);
	case LB_DIST_CLIENT_IP_PROTO:
		return rte_jhash_2words(src, proto, 0x1b873593u);
	default:
		return rte_jhash_3words(src, dst, ((uint32_t)sport << 16) | dport,
					0x1b873593u ^ proto);
	}
}
