#include "pipeline.h"

#include <rte_prefetch.h>

#include "forward.h"
#include "l2bridge.h"
#include "l3_dp.h"
#include "learn.h"
#include "lb_dp.h"
#include "mac_lookup.h"
#include "overlay.h"
#include "parse.h"
#include "qos.h"
#include "vfp.h"
#include "worker.h"

#define PREFETCH_AHEAD 4

_Static_assert(VS_BURST <= PACL_BURST_MAX, "a burst fits one port ACL batch");
_Static_assert(VS_BURST <= VFP_BURST_MAX && VS_BURST <= 32, "a burst fits one VFP batch and mask");

/* parse -> ingress VLAN; the VFP ingress (traffic Outbound from the
 * port's VM) is the caller's, a burst at once. pol is the ingress port's
 * policy, NULL without rules; with batch (port ACLs alone) the packet is
 * not parsed for VFP here, else a policy's packets are. Returns -1 or the
 * drop reason. */
static inline int admit(const struct vs_port *port, const struct vfp_port_policy *pol,
			bool batch, struct rte_mbuf *m, struct pkt_meta *pm)
{
	int reason = parse_ethernet(m, pm);

	if (unlikely(reason >= 0))
		return reason;
	pm->vid = vlan_ingress_vid(&port->vlan, pm->wire_tagged, pm->wire_vid);
	if (unlikely(pm->vid == VLAN_NONE))
		return DROP_VLAN_FILTER;
	pm->vp_parsed = pol != NULL && !batch;
	if (pm->vp_parsed)
		vfp_pkt_parse(m, pm->vp);
	return -1;
}

/* New or moved sources go to the learner, each once a burst; confirmed
 * ones enter the worker's learn cache for the rest of the second. */
static void learn_sources(struct worker *w, uint64_t *cache, uint16_t in_port,
			  uint32_t now, const struct burst_lookup *bl, uint16_t n)
{
	uint8_t done = MAC_SLOT_NONE;

	for (uint16_t i = 0; i < n; i++) {
		uint8_t slot = bl->src_slot[i];
		uint64_t key;

		if (slot == done || slot == MAC_SLOT_NONE)
			continue;
		done = slot;
		key = bl->keys[slot];
		if (!mac_entry_needs_learn(bl->hit[slot], in_port, now)) {
			learn_cache_put(cache, key);
			continue;
		}
		if (!learn_request_push(w->learn_ring, key, in_port))
			w->c.learn_queue_full++;
	}
}

/* At receive, while a trace runs: the filter decides whether this packet
 * is traced; its id travels in pm (and in the mbuf, for later bursts). */
static void trace_received(struct worker *w, struct trace *t, uint16_t in_port,
			   struct rte_mbuf *m, struct pkt_meta *pm)
{
	uint64_t id = trace_admit(t, w->id, in_port, m);

	*pkt_trace_id(m) = id;
	pm->trace_id = id;
	pm->in_port = in_port;
	if (id != 0)
		trace_record(t, w->id, id, TRACE_EV_RECEIVED, in_port, in_port, m,
			     NULL, NULL);
}

/* Frames for the router (l3_dp.h) leave the burst; the rest stay for L2.
 * Without L3 configuration this is one load and branch per burst. */
static uint16_t route_burst(struct worker *w, uint16_t in_port,
			    struct rte_mbuf **ok, struct pkt_meta *meta, uint16_t n)
{
	const struct l3_view *v = l3_view_get(w->sw);

	return v == NULL ? n : l3_route_burst(w, v, in_port, ok, meta, n);
}

void pipeline_process_burst(struct worker *w, uint16_t in_port,
			    struct rte_mbuf **pkts, uint16_t n)
{
	const struct vs_port *port = &w->sw->ports[in_port];
	struct port_counters *pc = &w->c.port[in_port];
	struct pkt_meta meta[VS_BURST];
	struct rte_mbuf *ok[VS_BURST];
	struct vfp_pkt vps[VS_BURST];
	const struct vfp_port_policy *pol = vfp_policy(w->sw->vfp, in_port);
	uint32_t now = vswitch_now(w->sw);
	struct trace *trace = trace_for_burst(w->sw);
	/* a QoS cap on what this port's endpoint sends: NULL without */
	struct port_qos *qos = qos_get(w->sw, in_port);
	struct lb_engine *lb = lb_dp_engine(w->sw);
	/* port ACLs alone: classified a burst at once after admission */
	bool batch = pol != NULL && pol->ext == NULL && pol->acl != NULL;
	uint16_t nok = 0;
	struct port_acl_gather acl_in; /* batch: the addresses, from admission */
	uint64_t rx_bytes = 0;

	w->trace_cur = trace;
	acl_in.plain = 0;
	acl_in.bytes = 0;
	for (uint16_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		int reason;

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		rx_bytes += rte_pktmbuf_pkt_len(m);
		meta[nok].vp = &vps[nok];
		meta[nok].trace_id = 0;
		if (unlikely(trace != NULL))
			trace_received(w, trace, in_port, m, &meta[nok]);
		reason = admit(port, pol, batch, m, &meta[nok]);
		if (unlikely(reason >= 0)) {
			drop_traced(w, in_port, m, &meta[nok], (enum drop_reason)reason);
			continue;
		}
		if (batch) /* while the frame is at hand */
			port_acl_gather_frame(&acl_in, nok, m);
		ok[nok++] = m;
	}
	pc->rx_packets += n;
	pc->rx_bytes += rx_bytes;
	if (unlikely(pol != NULL) && nok != 0) {
		uint32_t deny;

		if (batch) {
			deny = port_acl_classify_gathered(pol->acl, ACL_DIR_OUTBOUND,
							  &acl_in, ok, nok, vps, w->id);
		} else { /* extended ACLs: the burst at once (vfp.h) */
			const struct vfp_pkt *vpp[VS_BURST];

			for (uint16_t i = 0; i < nok; i++)
				vpp[i] = &vps[i];
			deny = (uint32_t)vfp_classify_burst(pol, ACL_DIR_OUTBOUND, vpp, nok,
							    w->id, now);
		}
		if (unlikely(deny != 0)) {
			uint16_t j = 0;

			for (uint16_t i = 0; i < nok; i++) {
				if (deny & (UINT32_C(1) << i)) {
					drop_traced(w, in_port, ok[i], &meta[i],
						    DROP_SECURITY_POLICY);
					continue;
				}
				ok[j] = ok[i];
				meta[j] = meta[i];
				j++;
			}
			nok = j;
		}
	}
	if (unlikely(qos != NULL) && nok != 0)
		nok = qos_shape_burst(w, qos, in_port, ok, meta, nok);
	/* load balancers: NULL (one load and branch) without */
	if (unlikely(lb != NULL) && nok != 0)
		nok = lb_dp_burst(w, lb, in_port, ok, meta, nok);
	if (nok != 0)
		pipeline_continue(w, in_port, ok, meta, nok);
}

/* Frames a QoS FIFO held, let go at the rate: parsed again (they were
 * admitted, ACLs included, before they were held) and sent on from the LB
 * stage, as if they had found tokens at once. */
static void release_held_port(struct worker *w, uint16_t port, struct port_qos *q)
{
	const struct vs_port *p = &w->sw->ports[port];
	struct rte_mbuf *pkts[VS_BURST];
	struct pkt_meta meta[VS_BURST];
	struct vfp_pkt vps[VS_BURST];
	struct lb_engine *lb = lb_dp_engine(w->sw);
	uint16_t n = qos_release(w, q, pkts, VS_BURST), nok = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct pkt_meta *pm = &meta[nok];
		int reason;

		pm->vp = &vps[nok];
		pm->trace_id = w->trace_cur != NULL ? *pkt_trace_id(pkts[i]) : 0;
		pm->in_port = port;
		/* no policy: its ACLs passed it before it waited; the port's
		 * VLANs may have changed meanwhile */
		reason = admit(p, NULL, false, pkts[i], pm);
		if (unlikely(reason >= 0)) {
			drop_traced(w, port, pkts[i], pm, (enum drop_reason)reason);
			continue;
		}
		pkts[nok++] = pkts[i];
	}
	if (unlikely(lb != NULL) && nok != 0)
		nok = lb_dp_burst(w, lb, port, pkts, meta, nok);
	if (nok != 0)
		pipeline_continue(w, port, pkts, meta, nok);
}

void pipeline_release_held(struct worker *w)
{
	w->trace_cur = trace_for_burst(w->sw);
	PORTSET_FOREACH(port, w->qos_held) {
		struct port_qos *q = qos_get(w->sw, port);

		/* a replaced policy's FIFO is freed by the control plane */
		if (q != NULL)
			release_held_port(w, port, q);
		if (q == NULL || qos_hold_empty(q, w->id))
			portset_clear(&w->qos_held, port);
	}
}

void pipeline_continue(struct worker *w, uint16_t in_port, struct rte_mbuf **ok,
		       struct pkt_meta *meta, uint16_t nok)
{
	const struct l2b_view *l2b = l2b_view_get(w->sw);
	const struct ov_view *ov = ov_view_get(w->sw);
	uint32_t now = vswitch_now(w->sw);
	struct burst_lookup bl;
	uint64_t *learned;

	/* Overlay networks (overlay.h): NULL (one load and branch) without */
	if (unlikely(ov != NULL) && nok != 0)
		nok = ov_ingress_burst(w, ov, in_port, ok, meta, nok);
	if (unlikely(l2b != NULL) && nok != 0)
		nok = l2b_ingress_burst(w, l2b, in_port, ok, meta, nok);
	if (nok != 0)
		nok = route_burst(w, in_port, ok, meta, nok);
	if (nok == 0)
		return;
	learned = learn_cache_port(&w->learn_cache, in_port, now);
	burst_lookup_run(&bl, w->sw->macs, learned, ok, meta, nok);
	if (bl.learn)
		learn_sources(w, learned, in_port, now, &bl, nok);
	forward_burst(w, in_port, l2b, &bl, ok, meta, nok);
}
