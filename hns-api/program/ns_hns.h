/* HNS namespaces and attaches plumbed in Linux (issue 16): the dataplane
 * side of hns.h's netns_make / plumb / unplumb. A namespace is a network
 * namespace (made as /run/netns/<ID>, or adopted by path); an endpoint's
 * attach is a veth whose inner end is the endpoint (in the pod's
 * namespace as eth0, eth1..., or on the host as vEthernet-<name>) and
 * whose outer end, "hv<tag><id6><plug count>" in the host namespace, is hot-plugged
 * as a switch port of the chosen kind (net_af_packet by default, net_af_xdp
 * on request). The tag (4 hex digits of the
 * --state path, random without one) tells this daemon's interfaces from
 * another's, so a start can remove what a kill -9 left and no stored
 * attachment claims. Netlink through vswitch/control/host_*.h.
 * Layer: hns-api/program/, northbound, programmer layer (HNS intent to switch). */
#ifndef HVS_NS_HNS_H
#define HVS_NS_HNS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct ports;
struct ns_hns;

/* state_path: the --state file (NULL: none; then nothing outlives us). */
struct ns_hns *ns_hns_create(struct ports *ports, const char *state_path);
/* Daemon stop: removes every interface it made (the ports close with
 * the switch); namespaces it made go too unless a state keeps them. */
void ns_hns_destroy(struct ns_hns *nh);

int ns_hns_netns_make(struct ns_hns *nh, const char *ns_id, const char *path,
		      json_t **record, char *err, size_t errlen);
int ns_hns_plumb(struct ns_hns *nh, const json_t *endpoint_v1,
		 const json_t *netns, const char *kind, const json_t *old,
		 json_t **record, char *err, size_t errlen);
void ns_hns_unplumb(struct ns_hns *nh, const json_t *record);

/* After the restore: deletes this daemon's host interfaces (by tag) that
 * no restored attachment uses, left by a kill -9. */
void ns_hns_sweep(struct ns_hns *nh);

/* The pool of spares (--pod-port-pool): up to spares pod interfaces made
 * ahead of need, each a veth whose outer end ("hv<tag>sp<n>") is already
 * a net_af_packet switch port, so that a pod's plumb (default kind, into
 * a namespace, not a restore) costs only netlink: the port's packet
 * sockets, whose set-up waits for kernel RCU grace periods, are most of
 * a plumb's time. Spares take switch ports (GET /ports lists them) and
 * leave the last 2 free slots alone; they go at stop, or when the pool
 * is made smaller. */
#define NS_HNS_POOL_MAX 8
void ns_hns_set_pool(struct ns_hns *nh, unsigned spares);
/* Main lcore, between requests: makes one spare if the pool is short
 * (one, so a request waits for at most one port's set-up). 1 made, 0
 * nothing to do, -1 failed (logged; tried again after 10 s). */
int ns_hns_pool_fill(struct ns_hns *nh);

#endif
