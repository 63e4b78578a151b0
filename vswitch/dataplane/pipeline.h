/* The per-packet path of the switch, run to completion on a burst:
 *
 *   parse -> ingress VLAN -> VFP ingress -> learn -> forwarding decision
 *         -> VFP egress -> egress VLAN -> TX buffer
 *
 * Each stage is a small function in its own file (parse.h, vlan.h, learn.h,
 * forward.c, flood.c, vlan_tag.h); this file only strings them together so
 * ACLs, NAT and MAC rewrite plug in at the two VFP hooks without reshaping
 * the path. Every packet that does not leave is counted under a drop reason.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_PIPELINE_H
#define HVS_PIPELINE_H

#include <stdint.h>

#include <rte_mbuf.h>

struct worker;
struct pkt_meta;

void pipeline_process_burst(struct worker *w, uint16_t in_port,
			    struct rte_mbuf **pkts, uint16_t n);

/* The rest of the path for frames already admitted (L2Bridge, router, L2
 * switching): the tail of pipeline_process_burst, also run by the LB
 * owner on frames other workers handed it (lb_dp.h). */
/* Sends on what the ports' QoS FIFOs let go now (qos.h); the worker calls
 * it every poll while its qos_held is nonzero. */
void pipeline_release_held(struct worker *w);

void pipeline_continue(struct worker *w, uint16_t in_port, struct rte_mbuf **ok,
		       struct pkt_meta *meta, uint16_t nok);

#endif
