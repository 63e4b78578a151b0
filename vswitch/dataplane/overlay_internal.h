/* What the two halves of the Overlay stage share (overlay.c: the pod
 * side and the stage's entry; overlay_decap.c: the uplink side). Not for
 * other stages: their interface is overlay.h.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_OVERLAY_INTERNAL_H
#define HVS_OVERLAY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "overlay.h"
#include "parse.h"

struct worker;

/* Delivers a routed frame to a local endpoint of n: its MAC, from the DR
 * MAC, through egress (VFP egress parses it again). */
void ov_deliver_local(struct worker *w, const struct ov_net *n, const struct ov_ep *ep,
		      struct rte_mbuf *m, struct pkt_meta *pm);

/* A frame from an overlay uplink: true when consumed (VXLAN to one of the
 * networks' provider address and port, decapsulated and delivered or
 * dropped); false leaves it to the next stages. */
bool ov_from_uplink(struct worker *w, const struct ov_view *v, uint16_t in_port,
		    struct rte_mbuf *m, struct pkt_meta *pm);

#endif
