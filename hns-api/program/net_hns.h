/* HNS Transparent, L2Bridge and Private networks in the dataplane: when an
 * endpoint of such a network is attached to a switch port, the port gets
 * the endpoint's VLAN (v1 endpoint "VLAN" policy, else its subnet's, else
 * the network's: Access mode, the uplink carrying it tagged) and, for
 * L2Bridge and Private, an entry in the l2bridge.h view. Detaching (or
 * deleting the endpoint) undoes both before the callback returns.
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

#endif
