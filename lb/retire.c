/* Deferred reclamation of what a control-thread write replaced: an LB
 * object, a frontend key's position in the lock-free hash, a host address
 * set. lb_update / lb_remove / lb_set_host_addresses publish the new view
 * and queue the old one with a QSBR token (rte_rcu_qsbr_start) instead of
 * waiting in rte_rcu_qsbr_synchronize: on a busy host the wait is for the
 * OS to schedule the worker lcore, which made an API update's tail
 * milliseconds long (issue 17: update p99 < 1 ms). lb_reclaim, called
 * from the control loop, frees the entries every worker has passed a
 * quiescent point since (rte_rcu_qsbr_check without waiting), oldest
 * first.
 *
 * FIFO order matters for the counters: an updated LB's backends keep their
 * packet counts. The counts the old object still collects while a worker
 * holds it are read through the new object's pred link and added to its
 * stats_base when the old one is freed; a chain of updates is freed in the
 * order it was made, so each object has its predecessor's counts before it
 * passes them on. A removed LB's slot is only handed out again once its
 * object is freed, so a worker finishing a burst on the old object cannot
 * count into a new LB's per-slot counters.
 *
 * The queue is bounded (LB_RETIRE_MAX): past it, or when the frontend
 * table is full of positions waiting to be freed, the writer waits for a
 * grace period as before (lb_reclaim_wait).
 * Layer: lb/, engine layer (load balancer; DPDK only). */
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "lb_internal.h"

#define LB_RETIRE_MAX 4096

static bool find_backend(const struct lb_object *o, const struct lb_backend *b,
			 unsigned *idx)
{
	for (unsigned j = 0; j < o->cfg.nb_backends; j++)
		if (o->backends[j].ip == b->ip && o->backends[j].port == b->port) {
			*idx = j;
			return true;
		}
	return false;
}

void lb_backend_totals(const struct lb_object *o, unsigned b, struct lb_backend_stats *t)
{
	unsigned j;

	*t = o->stats_base[b];
	for (unsigned w = 0; w < o->nb_workers; w++) {
		const struct lb_backend_stats *s = &o->stats[w * o->cfg.nb_backends + b];

		t->packets += __atomic_load_n(&s->packets, __ATOMIC_RELAXED);
		t->bytes += __atomic_load_n(&s->bytes, __ATOMIC_RELAXED);
		t->connections += __atomic_load_n(&s->connections, __ATOMIC_RELAXED);
	}
	if (o->pred != NULL && find_backend(o->pred, &o->backends[b], &j)) {
		struct lb_backend_stats p;

		lb_backend_totals(o->pred, j, &p);
		t->packets += p.packets;
		t->bytes += p.bytes;
		t->connections += p.connections;
	}
}

void lb_object_free(struct lb_object *o)
{
	if (o == NULL)
		return;
	free(o->backends);
	free(o->table);
	rte_free(o->stats);
	free(o->stats_base);
	free(o);
}

/* old's readers are gone: its final counts move into its successor. */
static void carry_backend_stats(struct lb_object *old, struct lb_object *o)
{
	for (unsigned b = 0; b < o->cfg.nb_backends; b++) {
		unsigned j;
		struct lb_backend_stats t;

		if (!find_backend(old, &o->backends[b], &j))
			continue;
		lb_backend_totals(old, j, &t);
		o->stats_base[b].packets += t.packets;
		o->stats_base[b].bytes += t.bytes;
		o->stats_base[b].connections += t.connections;
	}
	o->pred = NULL;
}

static void release(struct lb_engine *e, const struct lb_retired *r)
{
	if (r->obj != NULL) {
		if (r->successor != NULL)
			carry_backend_stats(r->obj, r->successor);
		lb_object_free(r->obj);
	}
	if (r->key_pos >= 0)
		rte_hash_free_key_with_position(e->frontends, r->key_pos);
	if (r->slot != LB_INVALID_HANDLE) {
		e->slot_taken[r->slot] = false;
		if (r->slot < e->slot_hint)
			e->slot_hint = r->slot;
	}
	free(r->hosts);
}

static unsigned reclaim(struct lb_engine *e, bool drain)
{
	struct lb_retire_queue *q = &e->retired;

	while (q->head < q->n) {
		const struct lb_retired *r = &q->items[q->head];

		if (!drain && e->cfg.qsbr != NULL &&
		    rte_rcu_qsbr_check(e->cfg.qsbr, r->token, false) != 1)
			break;
		release(e, r);
		q->head++;
	}
	if (q->head == q->n)
		q->head = q->n = 0;
	return q->n - q->head;
}

unsigned lb_reclaim(struct lb_engine *e)
{
	return e->retired.n == 0 ? 0 : reclaim(e, false);
}

unsigned lb_reclaim_pending(const struct lb_engine *e)
{
	return e->retired.n - e->retired.head;
}

void lb_reclaim_wait(struct lb_engine *e)
{
	if (e->retired.n == 0)
		return;
	if (e->cfg.qsbr != NULL)
		rte_rcu_qsbr_synchronize(e->cfg.qsbr, RTE_QSBR_THRID_INVALID);
	reclaim(e, true);
}

/* Room for one more entry: compacts the consumed head or grows. */
static int make_room(struct lb_retire_queue *q)
{
	if (q->n < q->cap)
		return 0;
	if (q->head > 0) {
		memmove(q->items, q->items + q->head, (q->n - q->head) * sizeof(*q->items));
		q->n -= q->head;
		q->head = 0;
		return 0;
	}
	unsigned cap = q->cap ? q->cap * 2 : 64;
	struct lb_retired *items = realloc(q->items, cap * sizeof(*items));

	if (items == NULL)
		return -1;
	q->items = items;
	q->cap = cap;
	return 0;
}

void lb_retire(struct lb_engine *e, const struct lb_retired *what)
{
	struct lb_retire_queue *q = &e->retired;
	struct lb_retired r = *what;

	if (e->cfg.qsbr == NULL) { /* no readers: nothing to wait for */
		release(e, &r);
		return;
	}
	if (q->n - q->head >= LB_RETIRE_MAX || make_room(q) < 0) {
		/* the workers are far behind (or no memory): wait, as a
		 * synchronous writer would, and free the queue, then this */
		rte_rcu_qsbr_synchronize(e->cfg.qsbr, RTE_QSBR_THRID_INVALID);
		reclaim(e, true);
		release(e, &r);
		return;
	}
	r.token = rte_rcu_qsbr_start(e->cfg.qsbr);
	q->items[q->n++] = r;
}

void lb_retire_free_all(struct lb_engine *e)
{
	reclaim(e, true);
	free(e->retired.items);
	memset(&e->retired, 0, sizeof(e->retired));
}
