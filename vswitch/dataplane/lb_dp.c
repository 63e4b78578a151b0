/* The LB stage of the pipeline (lb_dp.h): engine verdicts turned into
 * delivery, RSTs, drops and trace notes. */
#include "lb_dp.h"

#include <stdio.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "egress.h"
#include "forward.h"
#include "l2bridge.h"
#include "l3.h"
#include "l3_dp.h"
#include "lb.h"
#include "obnat_dp.h"
#include "pipeline.h"
#include "worker.h"

#define SWEEP_EVERY 64   /* polls between connection sweeps */
#define SWEEP_BUDGET 64  /* connections visited per sweep */
#define HANDOFF_BURST 32

static inline uint32_t neigh_slot(uint32_t ip)
{
	return (rte_be_to_cpu_32(ip) * 2654435761u) >> (32 - 10);
}

_Static_assert(LB_DP_NEIGH_SIZE == 1024, "neigh_slot takes 10 bits");

/* Remembers where ip was last heard: only written when it changed, so a
 * steady flow costs one compare. */
static inline void neigh_learn(struct lb_dp_worker *lw, uint32_t ip,
			       const struct rte_ether_addr *mac, uint16_t port, uint16_t vid)
{
	struct lb_dp_neigh *n = &lw->neigh[neigh_slot(ip)];

	if (ip == 0 || (ip & rte_cpu_to_be_32(0xf0000000)) == rte_cpu_to_be_32(0xe0000000))
		return; /* unspecified, multicast */
	if (likely(n->ip == ip && n->port == port && n->vid == vid &&
		   rte_is_same_ether_addr(&n->mac, mac)))
		return;
	n->ip = ip;
	n->port = port;
	n->vid = vid;
	rte_ether_addr_copy(mac, &n->mac);
}

/* Where ip is (network order), if known: the cache, the L2Bridge
 * endpoints, the router's uplink neighbours. */
static bool neigh_find(const struct worker *w, struct lb_dp_worker *lw, uint32_t ip,
		       struct lb_dp_neigh *out)
{
	const struct lb_dp_neigh *n = &lw->neigh[neigh_slot(ip)];
	const struct l2b_view *l2b;
	const struct l3_view *v;
	struct neigh_entry e;

	if (likely(n->ip == ip)) {
		*out = *n;
		return true;
	}
	l2b = l2b_view_get(w->sw);
	for (uint8_t i = 0; l2b != NULL && i < l2b->nb_eps; i++)
		if (l2b->eps[i].has_ip4 && l2b->eps[i].ip4 == ip) {
			*out = (struct lb_dp_neigh){.ip = ip, .mac = l2b->eps[i].mac,
						    .port = l2b->eps[i].port,
						    .vid = UINT16_MAX};
			return true;
		}
	/* an L2Bridge remote endpoint with a MAC of its own: out of its
	 * network's uplink (one without goes by the uplink's neighbours) */
	if (l2b != NULL) {
		const struct l2b_remote *r = l2b_remote_by_ip4(l2b, ip);

		if (r != NULL && !r->by_route && l2b->nets[r->net].uplink >= 0) {
			*out = (struct lb_dp_neigh){.ip = ip, .mac = r->mac,
						    .port = (uint16_t)l2b->nets[r->net].uplink,
						    .vid = UINT16_MAX};
			return true;
		}
	}
	v = l3_view_get(w->sw);
	if (v != NULL && v->uplink_neigh != NULL &&
	    neigh_lookup(v->uplink_neigh, rte_be_to_cpu_32(ip), &e)) {
		*out = (struct lb_dp_neigh){.ip = ip, .mac = e.mac, .port = e.port,
					    .vid = e.vid};
		/* kept here: a remote backend may never send through us (DSR),
		 * and the router's table is a hash lookup; refreshed whenever
		 * the address sends */
		lw->neigh[neigh_slot(ip)] = *out;
		return true;
	}
	return false;
}

/* A pod's frame the LB sends out of its L2Bridge network's uplink (to a
 * remote backend) gets H, as every frame of its pods does there. */
static bool l2b_uplink_source(const struct l2b_view *l2b, uint16_t in_port,
			      uint16_t out_port, struct rte_ether_hdr *eh)
{
	int ni = l2b != NULL ? l2b->port_net[in_port] : -1;

	if (ni < 0 || l2b->nets[ni].uplink != out_port)
		return false;
	rte_ether_addr_copy(&l2b->nets[ni].host_mac, &eh->src_addr);
	return true;
}

static bool on_uplink_link(const struct l3_view *v, uint32_t ip)
{
	for (uint8_t i = 0; i < v->nb_ips; i++)
		if ((ip & v->masks[i]) == (v->ips[i] & v->masks[i]))
			return true;
	return false;
}

/* Who has ip (network order)? Out of the uplink from its address when ip
 * is on the uplink's link, else an ARP probe (sender 0.0.0.0, RFC 5227)
 * flooded to the other ports of vid: an endpoint answers it without our
 * having an address on its subnet, and the answer (to the router MAC,
 * target 0.0.0.0) is learnt and consumed by lb_dp_burst. */
static void ask(struct worker *w, uint32_t ip, uint16_t vid)
{
	const struct l3_view *v = l3_view_get(w->sw);
	uint32_t hip = rte_be_to_cpu_32(ip);
	struct rte_mbuf *req;
	struct vfp_pkt vp;
	struct pkt_meta pm = {.vid = vid, .vp = &vp};

	if (v == NULL)
		return; /* no router MAC to ask from */
	if (v->has_uplink && v->nb_ips > 0 && on_uplink_link(v, hip)) {
		req = arp_request_build(w->pool, &v->router_mac, v->ips[0], hip, 0);
		if (req != NULL) {
			pm.vid = v->uplink_vid;
			egress_routed(w, v->uplink, req, &pm);
		}
		return;
	}
	req = arp_request_build(w->pool, &v->router_mac, 0, hip, 0);
	if (req != NULL) {
		const struct egress_src src = egress_src_switch();
		portset_t members = w->sw->flood_members[vid];

		if (v->has_uplink)
			members = portset_without(members, v->uplink);
		flood_to_ports(w, &src, members, req, &pm);
	}
}

bool lb_dp_tcp_rst_in_place(struct rte_mbuf *m, uint16_t l3_off)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3_off);
	unsigned ihl = (ip->version_ihl & 0xf) * 4u;
	struct rte_tcp_hdr *th;
	struct rte_ether_addr tmp;
	uint32_t a, seq, ack, seg_len;
	uint16_t p, tot;
	uint8_t f;

	if (ip->next_proto_id != IPPROTO_TCP ||
	    rte_pktmbuf_data_len(m) < l3_off + ihl + sizeof(*th))
		return false;
	th = (struct rte_tcp_hdr *)((uint8_t *)ip + ihl);
	f = th->tcp_flags;
	if (f & RTE_TCP_RST_FLAG)
		return false;
	tot = rte_be_to_cpu_16(ip->total_length);
	seg_len = tot > ihl + (th->data_off >> 4) * 4u ? tot - ihl - (th->data_off >> 4) * 4u : 0;
	seg_len += !!(f & RTE_TCP_SYN_FLAG) + !!(f & RTE_TCP_FIN_FLAG);
	/* RFC 793, "Reset Generation": seq from the segment's ACK if it has
	 * one, else 0 with ACK = its sequence plus length */
	if (f & RTE_TCP_ACK_FLAG) {
		seq = th->recv_ack;
		ack = 0;
		th->tcp_flags = RTE_TCP_RST_FLAG;
	} else {
		seq = 0;
		ack = rte_cpu_to_be_32(rte_be_to_cpu_32(th->sent_seq) + seg_len);
		th->tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	}
	th->sent_seq = seq;
	th->recv_ack = ack;
	th->data_off = 5 << 4;
	th->rx_win = 0;
	th->tcp_urp = 0;
	p = th->src_port;
	th->src_port = th->dst_port;
	th->dst_port = p;
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(ihl + sizeof(*th)));
	ip->time_to_live = 64;
	ip->fragment_offset = 0;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	rte_ether_addr_copy(&eh->src_addr, &tmp);
	rte_ether_addr_copy(&eh->dst_addr, &eh->src_addr);
	rte_ether_addr_copy(&tmp, &eh->dst_addr);
	/* cut the payload: the mbuf is a single segment here */
	m->data_len = (uint16_t)(l3_off + ihl + sizeof(*th));
	m->pkt_len = m->data_len;
	return true;
}

void lb_dp_format_created(char *buf, size_t len, uint32_t vip, uint16_t vport,
			  uint32_t dip, uint16_t dport)
{
	uint32_t v = rte_be_to_cpu_32(vip), d = rte_be_to_cpu_32(dip);

	snprintf(buf, len, "LB connection created. VIP %u.%u.%u.%u:%u -> DIP %u.%u.%u.%u:%u",
		 v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff, rte_be_to_cpu_16(vport),
		 d >> 24, (d >> 16) & 0xff, (d >> 8) & 0xff, d & 0xff, rte_be_to_cpu_16(dport));
}

static void trace_created(struct worker *w, const struct pkt_meta *pm, uint16_t port,
			  const struct rte_mbuf *m, uint16_t off, uint32_t vip, uint16_t vport)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);
	const uint16_t *ports = (const uint16_t *)((const uint8_t *)ip +
						   (ip->version_ihl & 0xf) * 4u);
	char text[TRACE_TEXT_MAX];

	lb_dp_format_created(text, sizeof(text), vip, vport, ip->dst_addr, ports[1]);
	trace_note(w, pm, port, m, text);
}

/* A removed backend's packet: RST to the client, counted as dropped. */
static void backend_removed(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
			    struct pkt_meta *pm, uint16_t off)
{
	if (pkt_traced(pm))
		trace_record(w->trace_cur, w->id, pm->trace_id, TRACE_EV_DROPPED, in_port,
			     pm->in_port, m, drop_reason_text(DROP_LB_BACKEND_REMOVED), NULL);
	w->c.port[in_port].drops[DROP_LB_BACKEND_REMOVED]++;
	if (m->nb_segs == 1 && lb_dp_tcp_rst_in_place(m, off)) {
		/* straight back: our own answer, the request's VLAN tag kept */
		egress_reply(w, in_port, m, pm);
		return;
	}
	rte_pktmbuf_free(m);
}

static enum drop_reason lb_drop_reason(uint8_t r)
{
	switch (r) {
	case LB_REASON_TABLE_FULL:
	case LB_REASON_SNAT_CONFLICT: return DROP_NO_BUFFERS;
	default: return DROP_NO_ROUTE; /* the LB was removed under the connection */
	}
}

/* The answer to our ARP probe (target 0.0.0.0, to the router MAC): learnt
 * by the caller, not for anyone else. */
static bool is_probe_answer(const struct worker *w, const struct rte_mbuf *m,
			    uint16_t off)
{
	const struct l3_view *v = l3_view_get(w->sw);
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct arp_info a;

	return v != NULL && rte_is_same_ether_addr(&eh->dst_addr, &v->router_mac) &&
	       arp_parse(m, off, &a) && a.op == RTE_ARP_OP_REPLY && a.tpa == 0;
}

static void hand_to_owner(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
			  const struct pkt_meta *pm)
{
	m->hash.usr = in_port;
	*pkt_trace_id(m) = pm->trace_id;
	if (rte_ring_mp_enqueue(w->sw->lb_handoff, m) != 0)
		drop_traced(w, in_port, m, pm, DROP_NO_BUFFERS);
}

/* Where in_port's frames come from, for the frontends' reach (lb.h
 * lb_origin): a network's or the router's uplink, a host vNIC, or else an
 * endpoint. */
static enum lb_origin port_origin(const struct worker *w, uint16_t in_port)
{
	const struct l3_view *v = l3_view_get(w->sw);
	const struct l2b_view *l2b = l2b_view_get(w->sw);

	if (v != NULL && v->has_uplink && v->uplink == in_port)
		return LB_FROM_UPLINK;
	for (uint8_t i = 0; l2b != NULL && i < l2b->nb_nets; i++) {
		if (l2b->nets[i].uplink == in_port)
			return LB_FROM_UPLINK;
		if (l2b->nets[i].host_port == in_port)
			return LB_FROM_HOST;
	}
	return LB_FROM_ENDPOINT;
}

uint16_t lb_dp_burst(struct worker *w, struct lb_engine *e, uint16_t in_port,
		     struct rte_mbuf **pkts, struct pkt_meta *meta, uint16_t n)
{
	struct lb_dp_worker *lw = w->lb;
	struct rte_mbuf *cand[VS_BURST];
	uint16_t off[VS_BURST], idx[VS_BURST];
	uint32_t vip[VS_BURST], sip[VS_BURST], loop[VS_BURST];
	uint16_t vport[VS_BURST];
	struct lb_result res[VS_BURST];
	uint16_t nc = 0, j = 0;
	bool owner = w->id == LB_DP_OWNER || w->sw->lb_handoff == NULL;
	const uint64_t *filter = w->sw->lb_filter;
	const struct obnat_view *ob = obnat_view_get(w->sw);
	uint64_t keep = 0; /* bit i: pkts[i] stays */

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		rte_be16_t type;
		uint16_t o = frame_l3_offset(m, &type);

		if (o != 0 && type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
			struct arp_info a;

			if (!owner) { /* the owner learns from it, then switches it */
				hand_to_owner(w, in_port, m, &meta[i]);
				continue;
			}

			if (arp_parse(m, o, &a) && a.spa != 0)
				neigh_learn(lw, rte_cpu_to_be_32(a.spa), &a.sha, in_port,
					    meta[i].vid);
			if (is_probe_answer(w, m, o)) {
				rte_pktmbuf_free(m);
				continue;
			}
		}
		if (o == 0 || type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
		    rte_pktmbuf_data_len(m) < o + sizeof(struct rte_ipv4_hdr)) {
			keep |= UINT64_C(1) << i;
			continue;
		}
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, o);

		if (!lb_dp_filter_has(filter, ip->dst_addr) &&
		    !lb_dp_filter_has(filter, ip->src_addr)) {
			/* no LB has either address: untouched. (Nothing is lost
			 * by not learning its sender: a client is learnt from
			 * its request, a backend from anything it sends.) */
			keep |= UINT64_C(1) << i;
			continue;
		}
		if (!owner) {
			hand_to_owner(w, in_port, m, &meta[i]);
			continue;
		}
		sip[nc] = ip->src_addr; /* learnt after the verdict, see below */
		/* a pod with the loopback-DSR OutBoundNAT reaching itself */
		loop[nc] = obnat_loopback_snat(ob, in_port, ip->src_addr);
		if (pkt_traced(&meta[i])) {
			vip[nc] = ip->dst_addr;
			vport[nc] = rte_pktmbuf_data_len(m) >= o + (ip->version_ihl & 0xf) * 4u + 4
				? *rte_pktmbuf_mtod_offset(m, const uint16_t *,
							    o + (ip->version_ihl & 0xf) * 4u + 2)
				: 0;
		}
		cand[nc] = m;
		off[nc] = o;
		idx[nc++] = i;
	}
	if (nc != 0)
		lb_process_burst_from(e, w->id, port_origin(w, in_port), cand, off, loop, nc,
				      rte_get_tsc_cycles(), res);
	for (uint16_t k = 0; k < nc; k++) {
		struct rte_mbuf *m = cand[k];
		struct pkt_meta *pm = &meta[idx[k]];
		struct lb_dp_neigh to;

		/* where the sender is: a client when it opens a connection, a
		 * backend when it answers, anyone else as it passes; not on
		 * every packet of an established connection, so many clients
		 * do not keep rewriting the cache */
		if (res[k].verdict != LB_FORWARD || res[k].reason == LB_REASON_NEW_CONNECTION)
			neigh_learn(lw, sip[k], &rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr,
				    in_port, pm->vid);
		switch (res[k].verdict) {
		case LB_PASS:
			keep |= UINT64_C(1) << idx[k];
			continue;
		case LB_DROP:
			pm->in_port = in_port;
			if (res[k].reason == LB_REASON_BACKEND_REMOVED)
				backend_removed(w, in_port, m, pm, off[k]);
			else
				drop_traced(w, in_port, m, pm, lb_drop_reason(res[k].reason));
			continue;
		default:
			break;
		}
		pm->vp_parsed = false; /* addresses changed: VFP egress parses again */
		if (pkt_traced(pm) && res[k].reason == LB_REASON_NEW_CONNECTION)
			trace_created(w, pm, in_port, m, off[k], vip[k], vport[k]);
		if (neigh_find(w, lw, res[k].next_hop, &to)) {
			struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
			const struct l3_view *v = l3_view_get(w->sw);

			rte_ether_addr_copy(&to.mac, &eh->dst_addr);
			/* out of the uplink the frame comes from the host: H for an
			 * L2Bridge pod's, else the router's MAC, as routed */
			if (!l2b_uplink_source(l2b_view_get(w->sw), in_port, to.port, eh) &&
			    v != NULL && v->has_uplink && to.port == v->uplink)
				rte_ether_addr_copy(&v->router_mac, &eh->src_addr);
			if (to.vid != UINT16_MAX)
				pm->vid = to.vid;
			pm->in_port = in_port;
			egress_routed(w, to.port, m, pm);
			continue;
		}
		if (res[k].verdict == LB_FORWARD) {
			pm->in_port = in_port;
			ask(w, res[k].next_hop, pm->vid);
			drop_traced(w, in_port, m, pm, DROP_NEXT_HOP_UNRESOLVED);
			continue;
		}
		/* a reply to a client not heard of is switched as it is: the
		 * client that opened the connection was learnt, so this is rare */
		keep |= UINT64_C(1) << idx[k];
	}
	for (uint16_t i = 0; i < n; i++)
		if (keep & (UINT64_C(1) << i)) {
			pkts[j] = pkts[i];
			meta[j++] = meta[i];
		}
	return j;
}

/* Frames handed over by the other workers, run as bursts of one port
 * (consecutive frames of a port together). */
static void run_handed(struct worker *w, struct lb_engine *e)
{
	struct rte_mbuf *pkts[HANDOFF_BURST];
	unsigned n = rte_ring_sc_dequeue_burst(w->sw->lb_handoff, (void **)pkts,
					       HANDOFF_BURST, NULL);

	for (unsigned i = 0; i < n;) {
		uint16_t port = (uint16_t)pkts[i]->hash.usr;
		struct rte_mbuf *ok[HANDOFF_BURST];
		struct pkt_meta meta[HANDOFF_BURST];
		struct vfp_pkt vps[HANDOFF_BURST];
		uint16_t nok = 0;

		for (; i < n && (uint16_t)pkts[i]->hash.usr == port; i++) {
			struct rte_mbuf *m = pkts[i];
			struct pkt_meta *pm = &meta[nok];

			*pm = (struct pkt_meta){.vp = &vps[nok], .trace_id = *pkt_trace_id(m),
						.in_port = port};
			if (parse_ethernet(m, pm) >= 0) {
				drop_packet(w, port, m, DROP_INVALID_PACKET);
				continue;
			}
			pm->vid = vlan_ingress_vid(&w->sw->ports[port].vlan, pm->wire_tagged,
						   pm->wire_vid);
			ok[nok++] = m;
		}
		nok = lb_dp_burst(w, e, port, ok, meta, nok);
		if (nok != 0)
			pipeline_continue(w, port, ok, meta, nok);
	}
}

void lb_dp_poll(struct worker *w)
{
	struct lb_engine *e = lb_dp_engine(w->sw);

	if (e == NULL || (w->id != LB_DP_OWNER && w->sw->lb_handoff != NULL))
		return;
	if (w->sw->lb_handoff != NULL)
		run_handed(w, e);
	/* expired connections and those of removed backends or LBs go */
	if (++w->lb->polls % SWEEP_EVERY == 0)
		lb_worker_sweep(e, w->id, rte_get_tsc_cycles(), SWEEP_BUDGET, NULL, NULL);
}
