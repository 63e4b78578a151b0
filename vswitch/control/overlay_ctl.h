/* Overlay networks from the control side (main lcore): what the HNS
 * programmer knows (struct ov_spec, typed, no JSON) becomes the immutable
 * view workers read (dataplane/overlay.h), published with RCU; the old
 * view is freed after a grace period, so no worker uses a removed
 * endpoint or route once the call returns.
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_OVERLAY_CTL_H
#define HVS_OVERLAY_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "overlay.h"

/* One Overlay network with its local endpoints and remote routes.
 * Addresses in host byte order. */
struct ov_spec_net {
	uint32_t vni;
	uint32_t subnet;
	uint8_t plen;
	uint32_t gw;
	struct rte_ether_addr dr_mac;
	uint32_t pa;
	uint16_t uplink;
	uint16_t udp_port; /* 0: 4789 */
	bool host_route;   /* a HostRoute policy: the host vNIC is the route to
			    * the host (its provider address) */
};

struct ov_spec_ep {
	uint32_t ip;
	struct rte_ether_addr mac;
	uint16_t port;
	uint8_t net; /* index in nets */
	bool host;   /* the host's vNIC (attached with SystemType Host) */
};

struct ov_spec_route {
	uint32_t prefix;
	uint8_t plen;
	uint8_t net;
	uint32_t vni;
	uint32_t pa;
	struct rte_ether_addr dr_mac;
	bool remote_ep; /* a remote endpoint (/32, dr_mac its own MAC) */
};

struct ov_spec {
	uint8_t nb_nets, nb_eps;
	uint16_t nb_routes;
	struct ov_spec_net nets[OV_MAX_NETS];
	struct ov_spec_ep eps[OV_MAX_EPS];
	struct ov_spec_route routes[OV_MAX_ROUTES];
};

/* Builds the view of s (NULL, no error, when s has no endpoint: nothing to
 * route). Routes are sorted longest prefix first (equal prefixes keep
 * their order: the first given wins); the uplinks' MTUs and the
 * endpoint ports' untagged VLANs are read from sw. NULL with err on
 * out-of-memory or an invalid spec (a port out of range). */
struct ov_view *ov_view_build(const struct vswitch *sw, const struct ov_spec *s,
			      char *err, size_t errlen);
/* Publishes v (may be NULL), waits for a grace period, frees the old. */
void ov_view_publish(struct vswitch *sw, struct ov_view *v);
void ov_fini(struct vswitch *sw);

#endif
