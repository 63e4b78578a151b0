/* HNS load balancers in the switch: each HNS load balancer (hns.h struct
 * hns_lb, from a HostComputeLoadBalancer or a v1 ELB policy list) becomes
 * one engine load balancer (lb_ctl.h) per frontend VIP x PortMapping (no
 * VIPs: vip 0, every host address, the NodePort case), with the backends
 * in the LB's endpoint order. A change is all or nothing: what an update
 * added is removed and what it changed is put back if any step fails.
 * Also the per-LB and per-backend counters for the LB's GET output and the
 * /stats "LoadBalancers" section. Main lcore only.
 * Layer: hns-api/program/, northbound, program layer (HNS -> switch). */
#ifndef HVS_LB_HNS_H
#define HVS_LB_HNS_H

#include <stddef.h>

#include <stdio.h>

#include <jansson.h>

#include "hns.h"
#include "json_text.h"

struct lb_hns;
struct vswitch;

struct lb_hns *lb_hns_create(struct vswitch *sw);
/* Frees the bookkeeping; the engine LBs go with the engine (lb_ctl_destroy). */
void lb_hns_destroy(struct lb_hns *l);

/* hns_dataplane.lb_set: programs id as lb (NULL: removes it). 0, or an
 * HTTP status (400, 409 frontend taken, 500, 507 table full) with err. */
int lb_hns_set(struct lb_hns *l, const char *id, const struct hns_lb *lb,
	       char *err, size_t errlen);
/* hns_dataplane.lb_counters: {"Packets", "Bytes", "Connections", "Drops",
 * "Frontends": ["10.96.0.10 TCP 80", ...], "Backends": [{"ID",
 * "IPAddress", "Packets", "Bytes", "Connections", "Drops"}]}, summed over
 * the LB's frontends. 0, or -1 if id is not programmed. */
int lb_hns_counters(const struct lb_hns *l, const char *id, json_t *out);
/* hns_dataplane.lb_counters_text: the same object as compact JSON text
 * (what json_dumps writes of it), for the whole-list GETs. 0, or -1 (id
 * is not programmed, or out of memory) with nothing written. */
int lb_hns_counters_text(const struct lb_hns *l, const char *id, struct jtext *t);
/* The /stats "LoadBalancers" array: every programmed LB's counters, as
 * above, with its "ID", in creation order. */
json_t *lb_hns_stats(const struct lb_hns *l);
/* The same counters for /metrics (Prometheus text): hvswitch_lb_*_total
 * {lb} and hvswitch_lb_backend_*_total{lb,backend}; nothing without LBs. */
void lb_hns_metrics(const struct lb_hns *l, FILE *f);

#endif
