/* HNS Transparent, L2Bridge and Private networks in the dataplane: when an
 * endpoint of such a network is attached to a switch port, the port gets
 * the endpoint's VLAN (v1 endpoint "VLAN" policy, else its subnet's, else
 * the network's: Access mode, the uplink carrying it tagged) and, for
 * L2Bridge and Private, an entry in the l2bridge.h view. Detaching (or
 * deleting the endpoint) undoes both before the callback returns. An
 * L2Bridge endpoint's ROUTE/SDNRoute prefixes and whether it is the host's
 * vNIC (SystemType Host) go in its entry; remote endpoints of L2Bridge
 * networks are the view's IP -> MAC entries.
 * Main lcore only.
 * Layer: hns-api/program/, northbound, program layer (HNS -> switch). */
#ifndef HVS_NET_HNS_H
#define HVS_NET_HNS_H

#include <stdint.h>

#include <jansson.h>

#include "hns.h"

struct vswitch;

struct net_hns;

struct net_hns *net_hns_create(struct vswitch *sw);
/* Frees the view too (workers stopped). */
void net_hns_destroy(struct net_hns *nh);

void net_hns_endpoint_attached(struct net_hns *nh, struct hns *h, uint16_t port,
			       const json_t *endpoint_v1);
void net_hns_endpoint_detached(struct net_hns *nh, uint16_t port,
			       const json_t *endpoint_v1);

/* Remote endpoints (v1 JSON) of L2Bridge networks: IP -> MAC entries of
 * the view (l2bridge.h), added and removed as HNS creates and deletes
 * them; others are ignored. */
void net_hns_remote_created(struct net_hns *nh, struct hns *h, const json_t *endpoint_v1);
void net_hns_remote_deleted(struct net_hns *nh, const json_t *endpoint_v1);
/* While on, changes are kept and the view is published once, when it is
 * turned off (the restore of thousands of remote endpoints). */
void net_hns_batch(struct net_hns *nh, bool on);

/* A ROUTE/SDNRoute policy's IPv4 DestinationPrefix (network order; an
 * address alone is a /32, host bits cleared). -1: another type, or not an
 * IPv4 prefix (not enforced). */
int net_hns_sdn_route_prefix(const json_t *policy, uint32_t *net, uint32_t *mask);

#endif
