/* Virtual Filtering Platform: the per-port policy layers the pipeline calls
 * between ingress VLAN admission and forwarding (ingress) and between the
 * forwarding decision and egress VLAN tagging (egress).
 *
 * Layers arrive with their issues (port ACLs, extended ACLs, L2Bridge MAC
 * rewrite); until a port has a layer, both hooks pass every packet. The
 * hooks take the switch port index and the packet's switching VLAN so the
 * layers can key their per-port tables on them. */
#ifndef HVS_VFP_H
#define HVS_VFP_H

#include <stdint.h>

#include <rte_mbuf.h>

enum vfp_verdict {
	VFP_PASS,
	VFP_DROP_SECURITY, /* "Failed Security Policy" */
};

static inline enum vfp_verdict vfp_port_ingress(uint16_t port, uint16_t vid,
						struct rte_mbuf *m)
{
	(void)port, (void)vid, (void)m;
	return VFP_PASS;
}

static inline enum vfp_verdict vfp_port_egress(uint16_t port, uint16_t vid,
					       struct rte_mbuf *m)
{
	(void)port, (void)vid, (void)m;
	return VFP_PASS;
}

#endif
