/* HNS Overlay networks programmed into the switch (issue 19): after every
 * committed change to a network or endpoint, and at start-up after the
 * store is restored, the whole overlay state is rebuilt from the HNS model
 * and published (overlay_ctl.h): per Overlay network (v1 "Overlay", v2
 * Type Overlay) its VNI (the subnet's VSID IsolationId), pod subnet and
 * gateway, the DR MAC and provider address it reports (DrMacAddress,
 * ProviderAddress), its uplink (NetworkAdapterName, else the switch's
 * uplink), the VXLAN port (VxlanPort policy, else 4789); its endpoints
 * attached to switch ports; its RemoteSubnetRoute policies; its remote
 * endpoints (IsRemoteEndpoint / v2 Flags 1) with a PA/ProviderAddress
 * policy as /32 routes. Rebuilding from the model makes every path (PATCH
 * Add/Remove, endpoint create/delete, attach/detach, restart with --state)
 * the same code, and idempotent: the result depends only on the model.
 * Main lcore only.
 * Layer: hns-api/program/, northbound, program layer (HNS -> switch). */
#ifndef HVS_OVERLAY_HNS_H
#define HVS_OVERLAY_HNS_H

#include <stdbool.h>

#include <jansson.h>

#include "hns.h"

struct vswitch;
struct ports;
struct overlay_hns;

struct overlay_hns *overlay_hns_create(struct vswitch *sw);
/* Frees the view too (workers stopped). */
void overlay_hns_destroy(struct overlay_hns *oh);

/* Rebuilds and publishes the overlay view from h and the ports'
 * attachments. Cheap without Overlay networks (one pass over the
 * networks). */
void overlay_hns_sync(struct overlay_hns *oh, struct hns *h, const struct ports *ports);

/* policystatus: marks the endpoint's PA/ProviderAddress policies
 * "Enforced" when the endpoint is programmed as a local overlay endpoint
 * (status is policy_status()'s array, in the endpoint's policy order). */
void overlay_hns_policy_status(const struct overlay_hns *oh, const json_t *ep,
			       json_t *status);

#endif
