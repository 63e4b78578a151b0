/* Load balancers in the running switch (lb_ctl.h, control layer). */
#include "lb_ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_byteorder.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "lb_dp.h"
#include "switch.h"
#include "worker.h"

/* The addresses of one LB in the filter (network order). */
struct lb_ctl_ips {
	unsigned n;
	uint32_t ip[];
};

/* The filter's writer side: a count per bit (several addresses and LBs
 * share bits), the LBs' address lists by handle, the host addresses. */
struct lb_ctl_state {
	uint16_t refs[1u << LB_DP_FILTER_BITS];
	uint32_t max_lbs;
	struct lb_ctl_ips **by_handle;
	struct lb_ctl_ips *hosts;
};

static void filter_add(struct vswitch *sw, const struct lb_ctl_ips *l)
{
	for (unsigned i = 0; l != NULL && i < l->n; i++) {
		uint32_t b = lb_dp_filter_bit(l->ip[i]);

		if (sw->lb_ctl->refs[b]++ == 0)
			__atomic_fetch_or(&sw->lb_filter[b >> 6], UINT64_C(1) << (b & 63),
					  __ATOMIC_RELEASE);
	}
}

/* After the LB's new view (or its removal) is published. A worker may
 * still hold the old view for the rest of a burst: with the bit already
 * clear, its packet passes the stage untouched, as it would a moment
 * later, so this need not wait for the grace period. */
static void filter_del(struct vswitch *sw, const struct lb_ctl_ips *l)
{
	for (unsigned i = 0; l != NULL && i < l->n; i++) {
		uint32_t b = lb_dp_filter_bit(l->ip[i]);

		if (--sw->lb_ctl->refs[b] == 0)
			__atomic_fetch_and(&sw->lb_filter[b >> 6], ~(UINT64_C(1) << (b & 63)),
					   __ATOMIC_RELEASE);
	}
}

/* VIP, SourceVIP, backends: what requests go to and replies come from. */
static struct lb_ctl_ips *ips_of(const struct lb_config *c)
{
	struct lb_ctl_ips *l = malloc(sizeof(*l) + (c->nb_backends + 2) * sizeof(uint32_t));

	if (l == NULL)
		return NULL;
	l->n = 0;
	if (c->vip != 0)
		l->ip[l->n++] = rte_cpu_to_be_32(c->vip);
	if (c->source_vip != 0)
		l->ip[l->n++] = rte_cpu_to_be_32(c->source_vip);
	for (unsigned i = 0; c->backends != NULL && i < c->nb_backends; i++)
		l->ip[l->n++] = rte_cpu_to_be_32(c->backends[i].ip);
	return l;
}

static void dp_state_free(struct vswitch *sw)
{
	for (unsigned i = 0; i < sw->nb_workers; i++)
		if (sw->workers[i] != NULL) {
			rte_free(sw->workers[i]->lb);
			sw->workers[i]->lb = NULL;
		}
	rte_ring_free(sw->lb_handoff);
	sw->lb_handoff = NULL;
	rte_free(sw->lb_filter);
	sw->lb_filter = NULL;
	if (sw->lb_ctl != NULL) {
		for (uint32_t h = 0; h < sw->lb_ctl->max_lbs; h++)
			free(sw->lb_ctl->by_handle[h]);
		free(sw->lb_ctl->by_handle);
		free(sw->lb_ctl->hosts);
		free(sw->lb_ctl);
		sw->lb_ctl = NULL;
	}
}

/* What the LB stage (lb_dp.h) needs before it sees the engine: each
 * worker's neighbour cache, the address filter and, with several
 * workers, the owner's ring. */
static int dp_state_create(struct vswitch *sw, uint32_t max_lbs)
{
	sw->lb_filter = rte_zmalloc("lb_filter", (1u << LB_DP_FILTER_BITS) / 8,
				    RTE_CACHE_LINE_SIZE);
	sw->lb_ctl = calloc(1, sizeof(*sw->lb_ctl));
	if (sw->lb_filter == NULL || sw->lb_ctl == NULL)
		goto fail;
	sw->lb_ctl->max_lbs = max_lbs;
	sw->lb_ctl->by_handle = calloc(max_lbs, sizeof(*sw->lb_ctl->by_handle));
	if (sw->lb_ctl->by_handle == NULL)
		goto fail;
	for (unsigned i = 0; i < sw->nb_workers; i++) {
		struct worker *w = sw->workers[i];

		if (w == NULL)
			continue;
		w->lb = rte_zmalloc_socket("lb_dp", sizeof(*w->lb), RTE_CACHE_LINE_SIZE,
					   (int)rte_lcore_to_socket_id(w->lcore));
		if (w->lb == NULL)
			goto fail;
	}
	if (sw->nb_workers > 1) {
		sw->lb_handoff = rte_ring_create("lb_handoff", LB_DP_HANDOFF_SIZE,
						 (int)rte_socket_id(), RING_F_SC_DEQ);
		if (sw->lb_handoff == NULL)
			goto fail;
	}
	return 0;
fail:
	dp_state_free(sw);
	return -1;
}

static struct lb_engine *engine(struct vswitch *sw, char *err)
{
	struct lb_engine_config cfg;
	struct lb_engine *e;

	if (sw->lb != NULL)
		return sw->lb;
	lb_engine_config_defaults(&cfg);
	cfg.nb_workers = sw->nb_workers > 0 ? sw->nb_workers : 1;
	cfg.socket = (int)rte_socket_id();
	cfg.qsbr = sw->qsbr;
	if (sw->lb_max_conns != 0)
		cfg.max_conns = sw->lb_max_conns;
	e = lb_engine_create(&cfg);
	if (e == NULL || dp_state_create(sw, cfg.max_lbs) < 0) {
		lb_engine_free(e);
		snprintf(err, LB_ERR_MAX, "load balancer engine: out of memory");
		return NULL;
	}
	__atomic_store_n(&sw->lb, e, __ATOMIC_RELEASE);
	lb_ctl_refresh_host_addresses(sw);
	return e;
}

int lb_ctl_refresh_host_addresses(struct vswitch *sw)
{
	uint32_t ips[LB_MAX_HOST_ADDRS];
	unsigned n = 0;

	if (sw->lb == NULL)
		return 0;
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		const struct vs_port *vp = &sw->ports[p];

		if (!vp->in_use || !vp->uplink)
			continue;
		for (unsigned i = 0; i < vp->nb_ips && n < LB_MAX_HOST_ADDRS; i++)
			ips[n++] = vp->ips[i];
	}
	struct lb_ctl_ips *l = malloc(sizeof(*l) + n * sizeof(uint32_t)), *old;
	int rc;

	if (l == NULL)
		return -ENOMEM;
	l->n = n;
	for (unsigned i = 0; i < n; i++)
		l->ip[i] = rte_cpu_to_be_32(ips[i]);
	filter_add(sw, l);
	rc = lb_set_host_addresses(sw->lb, ips, n);
	old = rc == 0 ? sw->lb_ctl->hosts : l;
	if (rc == 0)
		sw->lb_ctl->hosts = l;
	filter_del(sw, old);
	free(old);
	return rc;
}

int lb_ctl_add(struct vswitch *sw, const struct lb_config *cfg, uint32_t *handle,
	       char *err)
{
	struct lb_engine *e = engine(sw, err);

	struct lb_ctl_ips *l;
	int rc;

	if (e == NULL)
		return -ENOMEM;
	l = ips_of(cfg);
	if (l == NULL) {
		snprintf(err, LB_ERR_MAX, "out of memory");
		return -ENOMEM;
	}
	filter_add(sw, l); /* before the LB is published: no packet slips by */
	rc = lb_add(e, cfg, handle, err);
	if (rc < 0 || *handle >= sw->lb_ctl->max_lbs) {
		filter_del(sw, l);
		free(l);
		return rc < 0 ? rc : -ENOSPC;
	}
	sw->lb_ctl->by_handle[*handle] = l;
	return 0;
}

int lb_ctl_update(struct vswitch *sw, uint32_t handle, const struct lb_config *cfg,
		  char *err)
{
	if (sw->lb == NULL) {
		snprintf(err, LB_ERR_MAX, "no such load balancer");
		return -ENOENT;
	}
	struct lb_ctl_ips *l = ips_of(cfg);
	int rc;

	if (l == NULL) {
		snprintf(err, LB_ERR_MAX, "out of memory");
		return -ENOMEM;
	}
	filter_add(sw, l);
	rc = lb_update(sw->lb, handle, cfg, err); /* no wait: lb_ctl_reclaim frees */
	if (rc < 0 || handle >= sw->lb_ctl->max_lbs) {
		filter_del(sw, l);
		free(l);
		return rc;
	}
	filter_del(sw, sw->lb_ctl->by_handle[handle]);
	free(sw->lb_ctl->by_handle[handle]);
	sw->lb_ctl->by_handle[handle] = l;
	return 0;
}

int lb_ctl_remove(struct vswitch *sw, uint32_t handle)
{
	int rc;

	if (sw->lb == NULL)
		return -ENOENT;
	rc = lb_remove(sw->lb, handle);
	if (rc == 0 && handle < sw->lb_ctl->max_lbs) {
		filter_del(sw, sw->lb_ctl->by_handle[handle]);
		free(sw->lb_ctl->by_handle[handle]);
		sw->lb_ctl->by_handle[handle] = NULL;
	}
	return rc;
}

int lb_ctl_counters(const struct vswitch *sw, uint32_t handle,
		    struct lb_counters *total, struct lb_counters *backends,
		    unsigned nb_backends)
{
	if (sw->lb == NULL)
		return -ENOENT;
	return lb_read_counters(sw->lb, handle, total, backends, nb_backends);
}

void lb_ctl_reclaim(struct vswitch *sw)
{
	struct lb_engine *e = sw->lb;

	if (e != NULL)
		lb_reclaim(e);
}

void lb_ctl_destroy(struct vswitch *sw)
{
	if (sw->lb == NULL)
		return;
	lb_engine_free(sw->lb);
	sw->lb = NULL;
	dp_state_free(sw);
}
