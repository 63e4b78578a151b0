/* HNS NAT networks in the dataplane: a network of Type NAT has a NAT of
 * its name from creation to deletion; its endpoints attached to switch
 * ports are the NAT's inside ports (nat_hns.c). Main lcore only.
 * Layer: hns-api/program/, northbound, program layer (HNS -> switch). */
#ifndef HVS_NAT_HNS_H
#define HVS_NAT_HNS_H

#include <stdint.h>

#include <jansson.h>

#include "hns.h"

struct nat_api;

/* A network (v1 JSON) was created / deleted: its NAT, if of Type NAT. */
void nat_hns_network_created(struct nat_api *na, const json_t *network_v1);
void nat_hns_network_deleted(struct nat_api *na, const json_t *network_v1);

void nat_hns_endpoint_attached(struct nat_api *na, struct hns *h, uint16_t port,
			       const json_t *endpoint_v1);
void nat_hns_endpoint_detached(struct nat_api *na, struct hns *h, uint16_t port,
			       const json_t *endpoint_v1);

#endif
