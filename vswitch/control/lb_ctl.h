/* Load balancers in the running switch (issue 17; control layer, main
 * lcore): the typed southbound API the HNS load balancer objects and the
 * REST routes call. One engine (lb/lb.h) per switch, made on first use;
 * the workers read it through sw->lb (published with a release store, so a
 * worker sees either NULL or the whole engine).
 *
 * An HNS HostComputeLoadBalancer becomes one engine LB per frontend VIP x
 * PortMapping; the caller keeps the handles. Addresses and ports in host
 * byte order, as in lb.h.
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_LB_CTL_H
#define HVS_LB_CTL_H

#include <stdint.h>

#include "lb.h"

struct vswitch;

/* 0 or a negative errno with err (LB_ERR_MAX) filled, as lb_add:
 * -EINVAL bad input, -EEXIST duplicate frontend (HNS 0x803B0013),
 * -ENOSPC no free slot, -ENOMEM the engine could not be made. */
int lb_ctl_add(struct vswitch *sw, const struct lb_config *cfg, uint32_t *handle,
	       char *err);
/* Replaces the whole LB; established connections keep their backend
 * unless it was removed (they are then reset by the owner worker). */
int lb_ctl_update(struct vswitch *sw, uint32_t handle, const struct lb_config *cfg,
		  char *err);
int lb_ctl_remove(struct vswitch *sw, uint32_t handle);

/* Per-LB and per-backend totals over the workers (backends may be NULL). */
int lb_ctl_counters(const struct vswitch *sw, uint32_t handle,
		    struct lb_counters *total, struct lb_counters *backends,
		    unsigned nb_backends);

/* The host addresses NodePort frontends (vip 0) answer on: the uplink's
 * IPs, refreshed by lb_ctl_add and when the uplink's addresses change. */
int lb_ctl_refresh_host_addresses(struct vswitch *sw);

/* The control loop, every round: frees what updates and removals
 * replaced once the workers are past it (lb_reclaim; never waits). */
void lb_ctl_reclaim(struct vswitch *sw);

/* Frees the engine; after the workers stopped. */
void lb_ctl_destroy(struct vswitch *sw);

#endif
