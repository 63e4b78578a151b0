/* Transparent, L2Bridge and Private networks from the control side (main
 * lcore): building the view workers read (dataplane/l2bridge.h) from what
 * the control plane knows of each port's endpoint, publishing it with RCU,
 * and changing a live port's VLAN config.
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_L2BRIDGE_CTL_H
#define HVS_L2BRIDGE_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l2bridge.h"

/* Builds a view from the ports' entries (NULL when no entry needs one:
 * no L2Bridge or Private endpoint). *oom set on out-of-memory. */
struct l2b_view *l2b_view_build(const struct l2b_port_entry entries[VS_MAX_PORTS],
				bool *oom);
/* The same with remote endpoints: those of an L2Bridge network with a
 * local endpoint in the view enter it (the first L2B_MAX_REMOTES; of
 * two with one address, the first). The remotes and their hash share the
 * view's allocation, so l2b_view_publish frees them with it. */
struct l2b_view *l2b_view_build_remotes(const struct l2b_port_entry entries[VS_MAX_PORTS],
					const struct l2b_remote_entry *remotes,
					size_t nb_remotes, bool *oom);
/* Publishes v (may be NULL), waits for a grace period and frees the old. */
void l2b_view_publish(struct vswitch *sw, struct l2b_view *v);
void l2b_fini(struct vswitch *sw);

/* Changes a live port's VLAN config without stopping the workers: the
 * port joins the flood sets of the new config's VLANs first, then the
 * config fields change one aligned store at a time in an order where a
 * worker reading them between two stores sees the old or the new policy
 * (never a mix that admits a VLAN neither admits), then the port leaves
 * the flood sets of VLANs it no longer carries. A packet in flight may see
 * the old ingress and the new egress policy: it is then delivered or
 * dropped as a VLAN filter mismatch, never misdelivered across VLANs.
 * (Workers read the fields with plain aligned loads, as they read the
 * flood sets that port hot-plug changes the same way.) */
void l2b_port_set_vlan(struct vswitch *sw, uint16_t port,
		       const struct vlan_config *next);

#endif
