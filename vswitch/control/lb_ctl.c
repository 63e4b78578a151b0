/* Load balancers in the running switch (lb_ctl.h, control layer). */
#include "lb_ctl.h"

#include <errno.h>
#include <stdio.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "lb_dp.h"
#include "switch.h"
#include "worker.h"

static void dp_state_free(struct vswitch *sw)
{
	for (unsigned i = 0; i < sw->nb_workers; i++)
		if (sw->workers[i] != NULL) {
			rte_free(sw->workers[i]->lb);
			sw->workers[i]->lb = NULL;
		}
	rte_ring_free(sw->lb_handoff);
	sw->lb_handoff = NULL;
}

/* What the LB stage (lb_dp.h) needs before it sees the engine: each
 * worker's neighbour cache and, with several workers, the owner's ring. */
static int dp_state_create(struct vswitch *sw)
{
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
	if (e == NULL || dp_state_create(sw) < 0) {
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
	return lb_set_host_addresses(sw->lb, ips, n);
}

int lb_ctl_add(struct vswitch *sw, const struct lb_config *cfg, uint32_t *handle,
	       char *err)
{
	struct lb_engine *e = engine(sw, err);

	if (e == NULL)
		return -ENOMEM;
	return lb_add(e, cfg, handle, err);
}

int lb_ctl_update(struct vswitch *sw, uint32_t handle, const struct lb_config *cfg,
		  char *err)
{
	if (sw->lb == NULL) {
		snprintf(err, LB_ERR_MAX, "no such load balancer");
		return -ENOENT;
	}
	return lb_update(sw->lb, handle, cfg, err);
}

int lb_ctl_remove(struct vswitch *sw, uint32_t handle)
{
	if (sw->lb == NULL)
		return -ENOENT;
	return lb_remove(sw->lb, handle);
}

int lb_ctl_counters(const struct vswitch *sw, uint32_t handle,
		    struct lb_counters *total, struct lb_counters *backends,
		    unsigned nb_backends)
{
	if (sw->lb == NULL)
		return -ENOENT;
	return lb_read_counters(sw->lb, handle, total, backends, nb_backends);
}

void lb_ctl_destroy(struct vswitch *sw)
{
	if (sw->lb == NULL)
		return;
	lb_engine_free(sw->lb);
	sw->lb = NULL;
	dp_state_free(sw);
}
