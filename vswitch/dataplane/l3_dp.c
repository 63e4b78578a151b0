/* The router on the workers: ARP and echo for the switch's addresses, NAT
 * traffic to its owner worker, translated packets out to their next hop. */
#include "l3_dp.h"

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>

#include "egress.h"
#include "forward.h"
#include "l3_internal.h"
#include "obnat_dp.h"
#include "winnat.h"
#include "worker.h"

static bool on_uplink_link(const struct l3_view *v, uint32_t ip)
{
	for (uint8_t i = 0; i < v->nb_ips; i++)
		if ((ip & v->masks[i]) == (v->ips[i] & v->masks[i]))
			return true;
	return false;
}

static bool is_uplink_ip(const struct l3_view *v, uint32_t ip)
{
	for (uint8_t i = 0; i < v->nb_ips; i++)
		if (ip == v->ips[i])
			return true;
	return false;
}

static bool nat_has_port(const struct l3_nat_view *n, const struct l3_view *v,
			 uint16_t port)
{
	if (n->listed || !portset_is_empty(&n->ports))
		return portset_test(&n->ports, port);
	return !(v->has_uplink && port == v->uplink);
}

/* The NAT an inside packet from port with source src belongs to. */
static const struct l3_nat_view *nat_inside(const struct l3_view *v, uint16_t port,
					    uint32_t src)
{
	for (uint8_t i = 0; i < v->nb_nats; i++) {
		const struct l3_nat_view *n = &v->nats[i];

		if (nat_has_port(n, v, port) && (src & n->mask) == n->prefix)
			return n;
	}
	return NULL;
}

/* The NAT whose gateway address ip is, reachable from port. */
static const struct l3_nat_view *nat_by_gateway(const struct l3_view *v,
						uint16_t port, uint32_t ip)
{
	for (uint8_t i = 0; i < v->nb_nats; i++)
		if (v->nats[i].gw_ip == ip && nat_has_port(&v->nats[i], v, port))
			return &v->nats[i];
	return NULL;
}

static const struct l3_nat_view *nat_by_external(const struct l3_view *v, uint32_t ip)
{
	for (uint8_t i = 0; i < v->nb_nats; i++)
		if (v->nats[i].ext_ip == ip)
			return &v->nats[i];
	return NULL;
}

/* The NAT an inbound packet to external address ip belongs to: when
 * several NATs share the address, the one whose port pool holds the
 * destination port (TCP/UDP) or echo id. */
static const struct l3_nat_view *nat_inbound(const struct l3_view *v, uint32_t ip,
					     const struct rte_mbuf *m, uint16_t off)
{
	const struct l3_nat_view *first = NULL;
	const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);
	uint16_t l4 = off + (uint16_t)((h->version_ihl & 0xf) * 4), port = 0;
	bool have_port = false;

	for (uint8_t i = 0; i < v->nb_nats; i++) {
		const struct l3_nat_view *n = &v->nats[i];

		if (n->ext_ip != ip)
			continue;
		if (first == NULL) {
			first = n;
			continue;
		}
		if (!have_port && rte_pktmbuf_data_len(m) >= l4 + 8) {
			const uint8_t *p = rte_pktmbuf_mtod_offset(m, const uint8_t *, l4);

			/* TCP/UDP destination port; ICMP echo id */
			port = h->next_proto_id == IPPROTO_ICMP ? (uint16_t)(p[4] << 8 | p[5])
								: (uint16_t)(p[2] << 8 | p[3]);
			have_port = true;
		}
		if (have_port && port >= n->port_min && port <= n->port_max)
			return n;
	}
	return first; /* the only one, or none holds the port: it filters */
}

/* One of the switch's own addresses, as seen from port (the uplink's,
 * a NAT's external one, the gateway of a NAT the port belongs to)? */
static bool is_switch_address(const struct l3_view *v, uint16_t port, uint32_t ip)
{
	return is_uplink_ip(v, ip) || nat_by_external(v, ip) != NULL ||
	       nat_by_gateway(v, port, ip) != NULL;
}

/* A whole IPv4 header (version 4, IHL >= 5) at off? */
static bool ipv4_header_ok(const struct rte_mbuf *m, uint16_t off)
{
	const struct rte_ipv4_hdr *ip;

	if (rte_pktmbuf_data_len(m) < off + sizeof(*ip))
		return false;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);
	return (ip->version_ihl >> 4) == 4 && (ip->version_ihl & 0xf) >= 5;
}

/* The NAT an IPv4 packet to the router goes through: by its destination
 * from the uplink, by its port and source from inside; NULL: none. */
static const struct l3_nat_view *nat_of(const struct l3_view *v, uint16_t in_port,
					bool inbound, const struct rte_mbuf *m, uint16_t off)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);

	return inbound ? nat_inbound(v, rte_be_to_cpu_32(ip->dst_addr), m, off)
		       : nat_inside(v, in_port, rte_be_to_cpu_32(ip->src_addr));
}

static const struct l3_nat_view *nat_by_slot(const struct l3_view *v, uint8_t slot)
{
	for (uint8_t i = 0; i < v->nb_nats; i++)
		if (v->nats[i].slot == slot)
			return &v->nats[i];
	return NULL;
}

/* Rewrites the Ethernet addresses and sends m out of out_port in vid. */
static void send_routed(struct worker *w, const struct l3_view *v, uint16_t out_port,
			struct rte_mbuf *m, struct pkt_meta *pm,
			const struct rte_ether_addr *dst, uint16_t vid)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(&v->router_mac, &eh->src_addr);
	pm->vid = vid;
	pm->vp_parsed = false; /* addresses changed: VFP egress parses again */
	egress_routed(w, out_port, m, pm);
}

/* Sends a frame the router made (ARP request) out of one port in vid. */
static void send_made(struct worker *w, uint16_t out_port, struct rte_mbuf *m,
		      uint16_t vid)
{
	struct vfp_pkt vp;
	struct pkt_meta pm = {.vid = vid, .vp = &vp};

	egress_routed(w, out_port, m, &pm);
}

/* Answers an echo request to one of our addresses on the port it came in. */
static void echo_reply(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
		       const struct pkt_meta *pm, uint16_t off)
{
	icmp_echo_reply_in_place(m, off);
	/* straight to TX: no VFP egress (our own answer), no VLAN egress (request's tag kept) */
	egress_reply(w, in_port, m, pm);
}

void l3_uplink_send(struct worker *w, const struct l3_view *v,
		    struct rte_mbuf *m, struct pkt_meta *pm, uint16_t off)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);
	uint32_t dst = rte_be_to_cpu_32(ip->dst_addr);
	uint32_t hop = on_uplink_link(v, dst) ? dst : v->default_gw;
	struct neigh_entry e;

	if (!v->has_uplink || hop == 0) {
		drop_traced(w, v->has_uplink ? v->uplink : 0, m, pm, DROP_NO_ROUTE);
		return;
	}
	if (w->l3->hop_poll == w->c.polls + 1 && w->l3->hop_ip == hop) {
		send_routed(w, v, v->uplink, m, pm, &w->l3->hop.mac, w->l3->hop.vid);
		return;
	}
	if (neigh_lookup(v->uplink_neigh, hop, &e)) {
		/* a burst mostly goes to one next hop: keep it for this poll */
		w->l3->hop_ip = hop;
		w->l3->hop = e;
		w->l3->hop_poll = w->c.polls + 1;
		send_routed(w, v, v->uplink, m, pm, &e.mac, e.vid);
		return;
	}
	uint64_t now = rte_get_tsc_cycles();

	*pkt_trace_id(m) = pm->trace_id;
	m->hash.usr = pm->in_port; /* for the trace once it leaves */
	if (!neigh_pending_add(&w->l3->out_pending, m, hop, v->uplink, off, now)) {
		drop_traced(w, v->uplink, m, pm, DROP_NEXT_HOP_UNRESOLVED);
		return;
	}
	if (neigh_should_ask(&w->l3->out_pending, hop, now) && v->nb_ips > 0) {
		struct rte_mbuf *req = arp_request_build(w->pool, &v->router_mac,
							 v->ips[0], hop, 0);
		if (req != NULL)
			send_made(w, v->uplink, req, v->uplink_vid);
	}
}

/* Floods "who has ip" into a NAT's inside ports, through egress as a
 * frame the switch made (a listed port that does not carry the NAT's
 * VLAN counts a VLAN filter drop). */
static void ask_inside(struct worker *w, const struct l3_view *v,
		       const struct l3_nat_view *n, uint32_t ip)
{
	struct rte_mbuf *req = arp_request_build(w->pool, &v->router_mac, n->gw_ip, ip, 0);
	const struct egress_src src = egress_src_switch();
	struct vfp_pkt vp;
	struct pkt_meta pm = {.vid = n->vid, .vp = &vp};
	portset_t members;

	if (req == NULL)
		return;
	members = n->listed || !portset_is_empty(&n->ports) ? n->ports
							     : w->sw->flood_members[n->vid];
	if (v->has_uplink)
		members = portset_without(members, v->uplink);
	flood_to_ports(w, &src, members, req, &pm);
}

static void inside_transmit(struct worker *w, const struct l3_view *v,
			    const struct l3_nat_view *n, struct rte_mbuf *m,
			    struct pkt_meta *pm, uint16_t off)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);
	uint32_t dst = rte_be_to_cpu_32(ip->dst_addr);
	struct neigh_entry e;
	struct neigh_pending *p = &w->l3->in_pending[n->slot];
	uint64_t now;

	if (neigh_lookup(n->inside, dst, &e)) {
		send_routed(w, v, e.port, m, pm, &e.mac, e.vid);
		return;
	}
	now = rte_get_tsc_cycles();
	*pkt_trace_id(m) = pm->trace_id;
	m->hash.usr = pm->in_port; /* for the trace once it leaves */
	if (!neigh_pending_add(p, m, dst, 0, off, now)) {
		drop_traced(w, v->has_uplink ? v->uplink : 0, m, pm, DROP_NEXT_HOP_UNRESOLVED);
		return;
	}
	if (neigh_should_ask(p, dst, now))
		ask_inside(w, v, n, dst);
}

static enum drop_reason nat_drop_reason(enum winnat_drop d)
{
	switch (d) {
	case WINNAT_DROP_FILTERED: return DROP_NAT_FILTERED;
	case WINNAT_DROP_TABLE_FULL: return DROP_NAT_TABLE_FULL;
	case WINNAT_DROP_PORT_EXHAUSTED: return DROP_NAT_PORT_EXHAUSTED;
	case WINNAT_DROP_FRAGMENT: return DROP_NAT_FRAGMENT;
	default: return DROP_INVALID_PACKET;
	}
}

/* A new inside session teaches the owner where its inside end lives. */
static void learn_inside(const struct l3_nat_view *n, const struct winnat_events *ev,
			 const struct rte_mbuf *m, uint32_t sender, uint16_t in_port,
			 uint16_t vid, uint32_t now)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	/* the sender, as it sent: not the session's "internal" address, which
	 * for a port proxy session is the connect side */
	for (uint16_t i = 0; i < ev->n; i++) {
		struct neigh_entry e = {.port = in_port, .vid = vid, .updated = now};

		if (ev->ev[i].type != WINNAT_EV_SESSION_CREATED)
			continue;
		rte_ether_addr_copy(&eh->src_addr, &e.mac);
		neigh_set(n->inside, sender, &e);
		return;
	}
}

/* An IPv4 packet's source address (host order), before translation. */
static uint32_t ipv4_source(const struct rte_mbuf *m, uint16_t off)
{
	return rte_be_to_cpu_32(rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
							 off)->src_addr);
}

static void trace_nat_events(struct worker *w, const struct pkt_meta *pm,
			     uint16_t port, const struct rte_mbuf *m,
			     const struct winnat_events *ev)
{
	char text[TRACE_TEXT_MAX];

	for (uint16_t i = 0; i < ev->n && i < WINNAT_EVENTS_MAX; i++) {
		winnat_event_format(&ev->ev[i], text, sizeof(text));
		trace_note(w, pm, port, m, text);
	}
}

/* An OutBoundNAT's translation: on as forwarding or the DR sent it (obnat_dp.h). */
static void obnat_finish(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
			 struct pkt_meta *pm, uint16_t off, bool inbound,
			 enum winnat_verdict verdict, enum winnat_drop why)
{
	switch (verdict) {
	case WINNAT_TO_OUTSIDE:
		obnat_send_out(w, in_port, m, pm, off, true);
		return;
	case WINNAT_TO_INSIDE:
		obnat_deliver(w, m, pm, off);
		return;
	case WINNAT_DROP:
		drop_traced(w, in_port, m, pm, nat_drop_reason(why));
		return;
	case WINNAT_PASS:
	default:
		/* not TCP/UDP/ICMP: WinNAT leaves it, it leaves as it came */
		if (!inbound)
			obnat_send_out(w, in_port, m, pm, off, false);
		else
			drop_traced(w, in_port, m, pm, DROP_NO_ROUTE);
		return;
	}
}

/* What follows a translation: learning, trace events, then out, in or
 * dropped by the verdict. */
static void nat_finish(struct worker *w, const struct l3_view *v,
		       const struct l3_nat_view *n, uint16_t in_port, struct rte_mbuf *m,
		       struct pkt_meta *pm, uint16_t off, bool inbound,
		       enum winnat_verdict verdict, enum winnat_drop why,
		       const struct winnat_events *ev, uint32_t sender, uint32_t now)
{
	if (ev->n != 0) {
		if (!inbound && !n->obnat)
			learn_inside(n, ev, m, sender, in_port, pm->vid, now);
		if (pkt_traced(pm))
			trace_nat_events(w, pm, in_port, m, ev);
	}
	if (n->obnat) {
		obnat_finish(w, in_port, m, pm, off, inbound, verdict, why);
		return;
	}
	switch (verdict) {
	case WINNAT_TO_OUTSIDE:
		ipv4_ttl_decrement(m, off);
		l3_uplink_send(w, v, m, pm, off);
		return;
	case WINNAT_TO_INSIDE:
		ipv4_ttl_decrement(m, off);
		inside_transmit(w, v, n, m, pm, off);
		return;
	case WINNAT_DROP:
		drop_traced(w, in_port, m, pm, nat_drop_reason(why));
		return;
	case WINNAT_PASS:
	default:
		drop_traced(w, in_port, m, pm, DROP_NO_ROUTE);
		return;
	}
}

static bool ttl_expires(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
			struct pkt_meta *pm, uint16_t off)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);

	if (likely(ip->time_to_live > 1))
		return false;
	drop_traced(w, in_port, m, pm, DROP_TTL_EXPIRED);
	return true;
}

/* Runs one packet through its NAT: on the owner worker only. */
static void nat_run(struct worker *w, const struct l3_view *v,
		    const struct l3_nat_view *n, uint16_t in_port, struct rte_mbuf *m,
		    struct pkt_meta *pm, uint16_t off, bool inbound)
{
	struct winnat_events ev = {.n = 0};
	enum winnat_drop why = WINNAT_DROP_INVALID;
	uint32_t now = vswitch_now(w->sw);
	enum winnat_verdict verdict;
	uint32_t sender;

	if (!n->obnat && ttl_expires(w, in_port, m, pm, off))
		return; /* an OutBoundNAT bridges, or the DR routed it: not the router's TTL */
	sender = ipv4_source(m, off);
	verdict = inbound ? winnat_inbound(n->nat, m, off, now, &ev, &why)
			  : winnat_outbound(n->nat, m, off, now, &ev, &why);
	nat_finish(w, v, n, in_port, m, pm, off, inbound, verdict, why, &ev, sender, now);
}

static bool hand_over(struct worker *w, const struct l3_nat_view *n, uint16_t in_port,
		      struct rte_mbuf *m, const struct pkt_meta *pm,
		      enum l3_handoff_kind kind)
{
	struct worker *owner = w->sw->workers[n->owner];

	m->hash.usr = handoff_tag(in_port, n->slot, kind);
	*pkt_trace_id(m) = pm->trace_id;
	if (rte_ring_mp_enqueue(owner->l3->handoff, m) != 0)
		drop_traced(w, in_port, m, pm, DROP_NO_BUFFERS);
	return true;
}

/* An inside host's ARP to or from the gateway: learnt by the owner. */
static void arp_inside(struct worker *w, const struct l3_view *v,
		       const struct l3_nat_view *n, uint16_t in_port,
		       struct rte_mbuf *m, struct pkt_meta *pm, uint16_t off,
		       const struct arp_info *a)
{
	struct neigh_entry e = {.mac = a->sha, .port = in_port, .vid = pm->vid,
				.updated = vswitch_now(w->sw)};

	neigh_set(n->inside, a->spa, &e);
	if (a->op == RTE_ARP_OP_REQUEST) {
		arp_reply_in_place(m, off, a, &v->router_mac);
		/* straight to TX: no VFP egress (our own answer), no VLAN egress (request's tag kept) */
		egress_reply(w, in_port, m, pm);
	} else {
		rte_pktmbuf_free(m);
	}
}

static bool arp_input(struct worker *w, const struct l3_view *v, uint16_t in_port,
		      struct rte_mbuf *m, struct pkt_meta *pm, uint16_t off)
{
	struct arp_info a;
	const struct l3_nat_view *n;

	if (!arp_parse(m, off, &a))
		return false;
	if (a.op != RTE_ARP_OP_REQUEST && a.op != RTE_ARP_OP_REPLY)
		return false;
	if (v->has_uplink && in_port == v->uplink &&
	    (is_uplink_ip(v, a.tpa) || nat_by_external(v, a.tpa) != NULL)) {
		neigh_note(w->l3->neigh_ring, a.spa, &a.sha, in_port, pm->vid);
		if (a.op == RTE_ARP_OP_REQUEST) {
			arp_reply_in_place(m, off, &a, &v->router_mac);
			/* straight to TX: no VFP egress (our own answer), no VLAN egress (request's tag kept) */
			egress_reply(w, in_port, m, pm);
		} else {
			rte_pktmbuf_free(m);
		}
		return true;
	}
	n = nat_by_gateway(v, in_port, a.tpa);
	if (n == NULL)
		return false;
	if (n->owner != w->id)
		return hand_over(w, n, in_port, m, pm, HANDOFF_ARP);
	arp_inside(w, v, n, in_port, m, pm, off, &a);
	return true;
}

static void ipv4_input(struct worker *w, const struct l3_view *v, uint16_t in_port,
		       struct rte_mbuf *m, struct pkt_meta *pm, uint16_t off)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);
	const struct l3_nat_view *n;
	bool inbound = v->has_uplink && in_port == v->uplink;

	if (!ipv4_header_ok(m, off)) {
		drop_traced(w, in_port, m, pm, DROP_INVALID_PACKET);
		return;
	}
	/* ping to the switch itself: any of its addresses, from either side */
	if (is_switch_address(v, in_port, rte_be_to_cpu_32(ip->dst_addr)) &&
	    icmp_is_echo_request(m, off)) {
		echo_reply(w, in_port, m, pm, off);
		return;
	}
	n = nat_of(v, in_port, inbound, m, off);
	if (n == NULL) {
		drop_traced(w, in_port, m, pm, DROP_NO_ROUTE);
		return;
	}
	if (n->owner != w->id)
		hand_over(w, n, in_port, m, pm, inbound ? HANDOFF_NAT_IN : HANDOFF_NAT_OUT);
	else
		nat_run(w, v, n, in_port, m, pm, off, inbound);
}

bool l3_input(struct worker *w, const struct l3_view *v, uint16_t in_port,
	      struct rte_mbuf *m, struct pkt_meta *pm)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	rte_be16_t type;
	uint16_t off = frame_l3_offset(m, &type);
	bool to_router = rte_is_same_ether_addr(&eh->dst_addr, &v->router_mac);

	pm->in_port = in_port;
	if (off == 0) {
		if (!to_router)
			return false;
		drop_traced(w, in_port, m, pm, DROP_INVALID_PACKET);
		return true;
	}
	if (type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
		if (arp_input(w, v, in_port, m, pm, off))
			return true;
		if (!to_router)
			return false;
		drop_traced(w, in_port, m, pm, DROP_INVALID_PACKET);
		return true;
	}
	if (!to_router)
		return false;
	if (type != RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		drop_traced(w, in_port, m, pm, DROP_NO_ROUTE);
		return true;
	}
	ipv4_input(w, v, in_port, m, pm, off);
	return true;
}

/* ---- a burst's NAT packets at once ----
 * The common case (IPv4 through one NAT this worker owns, to none of the
 * switch's own addresses) is collected while the burst is walked and
 * translated with one bulk session lookup (winnat_translate_burst);
 * everything else takes l3_input. */

struct nat_batch {
	const struct l3_nat_view *nat;
	bool inbound;
	uint16_t n;
	struct rte_mbuf *m[VS_BURST];
	struct pkt_meta pm[VS_BURST]; /* copies: the caller compacts its array */
	uint16_t off[VS_BURST];
};

/* The NAT a frame for the router is a plain translation of, or NULL. */
static const struct l3_nat_view *nat_candidate(struct worker *w, const struct l3_view *v,
					       uint16_t in_port, struct rte_mbuf *m,
					       bool *inbound, uint16_t *off)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip;
	const struct l3_nat_view *n;
	rte_be16_t type;

	if (!rte_is_same_ether_addr(&eh->dst_addr, &v->router_mac))
		return NULL;
	*off = frame_l3_offset(m, &type);
	if (*off == 0 || type != RTE_BE16(RTE_ETHER_TYPE_IPV4) || !ipv4_header_ok(m, *off))
		return NULL;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, *off);
	/* TTL expiry, and ICMP that may be a ping to the switch itself, take
	 * l3_input */
	if (ip->time_to_live <= 1 || (ip->next_proto_id == IPPROTO_ICMP &&
				      is_switch_address(v, in_port,
							rte_be_to_cpu_32(ip->dst_addr))))
		return NULL;
	*inbound = v->has_uplink && in_port == v->uplink;
	n = nat_of(v, in_port, *inbound, m, *off);
	return n != NULL && n->owner == w->id ? n : NULL;
}

static void nat_batch_run(struct worker *w, const struct l3_view *v, uint16_t in_port,
			  struct nat_batch *b)
{
	struct winnat_events ev[VS_BURST];
	enum winnat_verdict verdict[VS_BURST];
	enum winnat_drop why[VS_BURST];
	uint32_t sender[VS_BURST];
	uint32_t now = vswitch_now(w->sw);

	for (uint16_t i = 0; i < b->n; i++) {
		ev[i].n = 0;
		why[i] = WINNAT_DROP_INVALID;
		sender[i] = ipv4_source(b->m[i], b->off[i]);
	}
	winnat_translate_burst(b->nat->nat, b->inbound, b->m, b->off, b->n, now, ev,
			       verdict, why);
	for (uint16_t i = 0; i < b->n; i++)
		nat_finish(w, v, b->nat, in_port, b->m[i], &b->pm[i], b->off[i], b->inbound,
			   verdict[i], why[i], &ev[i], sender[i], now);
	b->n = 0;
}

uint16_t l3_route_burst(struct worker *w, const struct l3_view *v, uint16_t in_port,
			struct rte_mbuf **pkts, struct pkt_meta *meta, uint16_t n)
{
	struct nat_batch b;
	uint16_t j = 0;

	b.n = 0;
	for (uint16_t i = 0; i < n; i++) {
		const struct l3_nat_view *nat;
		bool inbound;
		uint16_t off;

		if (!l3_wants(v, pkts[i])) {
			pkts[j] = pkts[i];
			meta[j++] = meta[i];
			continue;
		}
		nat = nat_candidate(w, v, in_port, pkts[i], &inbound, &off);
		if (nat != NULL && (b.n == 0 || nat == b.nat)) {
			meta[i].in_port = in_port;
			b.nat = nat;
			b.inbound = inbound;
			b.m[b.n] = pkts[i];
			b.pm[b.n] = meta[i];
			b.off[b.n++] = off;
			continue;
		}
		if (!l3_input(w, v, in_port, pkts[i], &meta[i])) {
			pkts[j] = pkts[i];
			meta[j++] = meta[i];
		}
	}
	if (b.n != 0)
		nat_batch_run(w, v, in_port, &b);
	return j;
}

void l3_obnat_outbound(struct worker *w, uint8_t slot, uint16_t in_port,
		       struct rte_mbuf **m, struct pkt_meta *pm, const uint16_t *off,
		       uint16_t n)
{
	const struct l3_view *v = l3_view_get(w->sw);
	const struct l3_nat_view *nat = v != NULL ? nat_by_slot(v, slot) : NULL;
	struct nat_batch b;

	if (unlikely(nat == NULL || !nat->obnat)) { /* being removed */
		for (uint16_t i = 0; i < n; i++)
			drop_traced(w, in_port, m[i], &pm[i], DROP_NO_ROUTE);
		return;
	}
	if (nat->owner != w->id) {
		for (uint16_t i = 0; i < n; i++)
			hand_over(w, nat, in_port, m[i], &pm[i], HANDOFF_OBNAT_OUT);
		return;
	}
	b.nat = nat;
	b.inbound = false;
	b.n = n;
	for (uint16_t i = 0; i < n; i++) {
		b.m[i] = m[i];
		b.pm[i] = pm[i];
		b.off[i] = off[i];
	}
	nat_batch_run(w, v, in_port, &b);
}

/* ---- the owner's side ---- */

static void run_handed(struct worker *w, const struct l3_view *v, struct rte_mbuf *m)
{
	uint32_t tag = m->hash.usr;
	uint16_t in_port = tag & 0xff;
	const struct l3_nat_view *n = nat_by_slot(v, (tag >> 8) & 0xff);
	enum l3_handoff_kind kind = (enum l3_handoff_kind)(tag >> 16);
	const struct vs_port *port = &w->sw->ports[in_port];
	struct vfp_pkt vp;
	struct pkt_meta pm = {.vp = &vp};
	struct arp_info a;
	rte_be16_t type;
	uint16_t off = frame_l3_offset(m, &type);

	if (n == NULL || off == 0 || parse_ethernet(m, &pm) >= 0) {
		drop_packet(w, in_port, m, DROP_NO_ROUTE);
		return;
	}
	pm.vid = vlan_ingress_vid(&port->vlan, pm.wire_tagged, pm.wire_vid);
	pm.trace_id = *pkt_trace_id(m);
	pm.in_port = in_port;
	if (kind == HANDOFF_ARP) {
		if (arp_parse(m, off, &a))
			arp_inside(w, v, n, in_port, m, &pm, off, &a);
		else
			drop_packet(w, in_port, m, DROP_INVALID_PACKET);
		return;
	}
	nat_run(w, v, n, in_port, m, &pm, off, kind == HANDOFF_NAT_IN);
}

struct pending_ctx {
	struct worker *w;
	const struct l3_view *v;
};

static void pending_ready(void *arg, struct neigh_pending_pkt *pk,
			  const struct neigh_entry *e)
{
	struct pending_ctx *c = arg;
	struct vfp_pkt vp;
	struct pkt_meta pm = {.vp = &vp, .trace_id = *pkt_trace_id(pk->m),
			      .in_port = (uint16_t)pk->m->hash.usr};

	if (parse_ethernet(pk->m, &pm) >= 0) {
		drop_traced(c->w, e->port, pk->m, &pm, DROP_INVALID_PACKET);
		return;
	}
	send_routed(c->w, c->v, e->port, pk->m, &pm, &e->mac, e->vid);
}

static void pending_expired(void *arg, struct neigh_pending_pkt *pk)
{
	struct pending_ctx *c = arg;
	struct pkt_meta pm = {.trace_id = *pkt_trace_id(pk->m),
			      .in_port = (uint16_t)pk->m->hash.usr};

	drop_traced(c->w, c->v->has_uplink ? c->v->uplink : 0, pk->m, &pm,
		    DROP_NEXT_HOP_UNRESOLVED);
}

static void pending_drop_all(struct worker *w, struct neigh_pending *p)
{
	for (uint16_t i = 0; i < p->n; i++)
		drop_packet(w, 0, p->q[i].m, DROP_NEXT_HOP_UNRESOLVED);
	p->n = 0;
}

static void commands_poll(struct worker *w)
{
	void *c;

	while (rte_ring_sc_dequeue(w->l3->cmds, &c) == 0)
		nat_cmd_run(c);
}

#define HANDOFF_BURST 32
#define HOUSEKEEPING_EVERY 16
#define EXPIRE_BUDGET 64

static void housekeeping(struct worker *w, const struct l3_view *v)
{
	struct l3_worker *lw = w->l3;
	struct pending_ctx ctx = {w, v};
	uint64_t now_tsc = rte_get_tsc_cycles();
	uint32_t now = vswitch_now(w->sw);

	commands_poll(w);
	if (lw->out_pending.n != 0)
		neigh_pending_poll(&lw->out_pending, v->uplink_neigh, now_tsc,
				   pending_ready, pending_expired, &ctx);
	for (uint8_t s = 0; s < NAT_DP_MAX; s++) {
		const struct l3_nat_view *n;

		if (lw->in_pending[s].n == 0)
			continue;
		n = nat_by_slot(v, s);
		if (n == NULL)
			pending_drop_all(w, &lw->in_pending[s]);
		else
			neigh_pending_poll(&lw->in_pending[s], n->inside, now_tsc,
					   pending_ready, pending_expired, &ctx);
	}
	for (uint8_t i = 0; i < v->nb_nats; i++)
		if (v->nats[i].owner == w->id)
			winnat_expire(v->nats[i].nat, now, EXPIRE_BUDGET, NULL);
}

void l3_worker_poll(struct worker *w)
{
	const struct l3_view *v = l3_view_get(w->sw);
	struct rte_mbuf *pkts[HANDOFF_BURST];
	unsigned n;

	if (v == NULL) {
		if (w->l3 != NULL && !rte_ring_empty(w->l3->cmds))
			commands_poll(w);
		return;
	}
	n = rte_ring_sc_dequeue_burst(w->l3->handoff, (void **)pkts, HANDOFF_BURST, NULL);
	for (unsigned i = 0; i < n; i++)
		run_handed(w, v, pkts[i]);
	if (++w->l3->sweep % HOUSEKEEPING_EVERY == 0)
		housekeeping(w, v);
}
