/* Connection table: one per worker, owned by it, so no locks. Entries sit
 * in an array preallocated at create (no allocation per packet) with a
 * free list; an rte_hash maps both tuples of a connection (the client's
 * forward tuple and, unless DSR, the reply tuple the backend sends) to
 * index << 1 | is_reply, so one bulk lookup classifies a burst. Expiry and
 * the reporting of connections whose backend or LB was removed are done
 * by lb_worker_sweep, a bounded round-robin walk the worker runs between
 * bursts; the fast path revalidates lazily too (translate.c).
 * Layer: lb/, engine layer (load balancer; DPDK only). */
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "lb_internal.h"

int lb_conn_tables_create(struct lb_engine *e)
{
	static unsigned instance;
	unsigned nw = e->cfg.nb_workers;
	uint32_t max = e->cfg.max_conns;

	e->workers = rte_zmalloc_socket("lb_workers", nw * sizeof(*e->workers),
					RTE_CACHE_LINE_SIZE, e->cfg.socket);
	if (e->workers == NULL)
		return -ENOMEM;
	for (unsigned w = 0; w < nw; w++) {
		struct lb_worker *wk = &e->workers[w];
		char name[RTE_HASH_NAMESIZE];

		snprintf(name, sizeof(name), "lbct%u",
			 __atomic_fetch_add(&instance, 1, __ATOMIC_RELAXED));
		struct rte_hash_parameters hp = {
			.name = name,
			.entries = 2 * max,   /* forward + reply tuple */
			.key_len = sizeof(struct lb_tuple),
			.hash_func = rte_hash_crc,
			.socket_id = e->cfg.socket,
		};
		wk->conns = rte_hash_create(&hp);
		wk->entries = rte_zmalloc_socket("lb_conns", (size_t)max * sizeof(*wk->entries),
						 RTE_CACHE_LINE_SIZE, e->cfg.socket);
		wk->free_list = rte_malloc_socket("lb_free", (size_t)max * sizeof(uint32_t), 0,
						  e->cfg.socket);
		wk->lb_stats = rte_zmalloc_socket("lb_stats",
						  e->cfg.max_lbs * sizeof(*wk->lb_stats),
						  RTE_CACHE_LINE_SIZE, e->cfg.socket);
		if (wk->conns == NULL || wk->entries == NULL || wk->free_list == NULL ||
		    wk->lb_stats == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < max; i++)
			wk->free_list[i] = max - 1 - i;
		wk->nb_free = max;
	}
	return 0;
}

void lb_conn_tables_free(struct lb_engine *e)
{
	if (e->workers == NULL)
		return;
	for (unsigned w = 0; w < e->cfg.nb_workers; w++) {
		rte_hash_free(e->workers[w].conns);
		rte_free(e->workers[w].entries);
		rte_free(e->workers[w].free_list);
		rte_free(e->workers[w].lb_stats);
	}
	rte_free(e->workers);
}

/* Index of the new entry, or -ENOSPC (table full) / -EEXIST (the reply
 * tuple is another connection's: a SourceVIP clash). */
int32_t lb_conn_insert(struct lb_worker *wk, const struct lb_conn *c)
{
	if (wk->nb_free == 0)
		return -ENOSPC;
	if (!c->dsr && rte_hash_lookup(wk->conns, &c->rev) >= 0)
		return -EEXIST;
	uint32_t idx = wk->free_list[wk->nb_free - 1];

	if (rte_hash_add_key_data(wk->conns, &c->fwd, (void *)(uintptr_t)(idx << 1)) < 0)
		return -ENOSPC;
	if (!c->dsr &&
	    rte_hash_add_key_data(wk->conns, &c->rev, (void *)(uintptr_t)(idx << 1 | 1)) < 0) {
		rte_hash_del_key(wk->conns, &c->fwd);
		return -ENOSPC;
	}
	wk->nb_free--;
	wk->entries[idx] = *c;
	wk->entries[idx].in_use = true;
	return (int32_t)idx;
}

void lb_conn_delete(struct lb_worker *wk, uint32_t idx)
{
	struct lb_conn *c = &wk->entries[idx];

	rte_hash_del_key(wk->conns, &c->fwd);
	if (!c->dsr)
		rte_hash_del_key(wk->conns, &c->rev);
	c->in_use = false;
	wk->free_list[wk->nb_free++] = idx;
}

static void conn_info(const struct lb_conn *c, struct lb_conn_info *i)
{
	*i = (struct lb_conn_info){
		.lb = c->lb,
		.proto = c->fwd.proto,
		.client_ip = rte_be_to_cpu_32(c->fwd.src),
		.vip = rte_be_to_cpu_32(c->fwd.dst),
		.backend_ip = rte_be_to_cpu_32(c->backend_ip),
		.snat_ip = rte_be_to_cpu_32(c->snat_ip),
		.client_port = rte_be_to_cpu_16(c->fwd.sport),
		.vport = rte_be_to_cpu_16(c->fwd.dport),
		.backend_port = rte_be_to_cpu_16(c->backend_port),
		.snat_port = rte_be_to_cpu_16(c->snat_port),
		.tcp_established = c->state == LB_CONN_ESTABLISHED,
		.loopback = c->loopback,
	};
}

/* Why a connection must go, or LB_REASON_NONE. */
static enum lb_reason conn_verdict(const struct lb_engine *e, const struct lb_conn *c,
				   uint64_t now)
{
	const struct lb_object *o = lb_slot_load(e, c->lb);

	if (o == NULL || o->uid != c->uid)
		return LB_REASON_LB_REMOVED;
	if (o->gen != c->gen) {
		unsigned b;

		for (b = 0; b < o->cfg.nb_backends; b++)
			if (rte_cpu_to_be_32(o->backends[b].ip) == c->backend_ip &&
			    rte_cpu_to_be_16(o->backends[b].port) == c->backend_port)
				break;
		if (b == o->cfg.nb_backends)
			return LB_REASON_BACKEND_REMOVED;
	}
	return now >= c->expires ? LB_REASON_EXPIRED : LB_REASON_NONE;
}

unsigned lb_worker_sweep(struct lb_engine *e, unsigned w, uint64_t now, unsigned budget,
			 lb_report_fn report, void *arg)
{
	struct lb_worker *wk = &e->workers[w];
	uint32_t max = e->cfg.max_conns;
	unsigned deleted = 0;

	if (budget > max)
		budget = max;
	for (unsigned i = 0; i < budget; i++) {
		uint32_t idx = wk->sweep_pos;
		struct lb_conn *c = &wk->entries[idx];

		wk->sweep_pos = idx + 1 == max ? 0 : idx + 1;
		if (!c->in_use)
			continue;
		enum lb_reason why = conn_verdict(e, c, now);

		if (why == LB_REASON_NONE)
			continue;
		/* a TCP connection whose backend was removed stays until it
		 * expires: its client's next packet finds it and gets the RST
		 * ("LB backend removed"); deleted here, that packet would open
		 * a new connection mid-stream, which the new backend resets
		 * without the switch counting why */
		if (why == LB_REASON_BACKEND_REMOVED && c->fwd.proto == IPPROTO_TCP &&
		    now < c->expires)
			continue;
		if (report != NULL) {
			struct lb_conn_info info;

			conn_info(c, &info);
			report(&info, why, arg);
		}
		lb_conn_delete(wk, idx);
		deleted++;
	}
	return deleted;
}

unsigned lb_worker_conn_count(const struct lb_engine *e, unsigned w)
{
	return e->cfg.max_conns - e->workers[w].nb_free;
}
