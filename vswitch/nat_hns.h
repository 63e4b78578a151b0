/* HNS NAT networks in the dataplane: endpoints of a network of Type NAT
 * attached to switch ports (nat_hns.c). Main lcore only. */
#ifndef HVS_NAT_HNS_H
#define HVS_NAT_HNS_H

#include <stdint.h>

#include <jansson.h>

#include "hns.h"

struct nat_api;

void nat_hns_endpoint_attached(struct nat_api *na, struct hns *h, uint16_t port,
			       const json_t *endpoint_v1);
void nat_hns_endpoint_detached(struct nat_api *na, struct hns *h, uint16_t port,
			       const json_t *endpoint_v1);

#endif
