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

#endif
