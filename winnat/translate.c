/* The packet paths: parse, look the tuple up, rewrite in place.
 *
 * A packet's tuple, with the side it arrived on, is looked up once in the
 * session hash (its signature computed once and reused if a session is
 * created). A match in direction d rewrites the packet to the reverse of
 * the session's other tuple, which also tells where it goes next. Packets
 * without a session go to new_flow.c, ICMP errors to icmp_error.c, later
 * fragments follow their first fragment (fragment.c). */
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include <rte_icmp.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "csum.h"
#include "winnat_internal.h"

enum { PARSE_OK = 0, PARSE_PASS = 1, PARSE_INVALID = -1 };

enum winnat_verdict wn_drop(struct winnat *n, enum winnat_drop *drop, enum winnat_drop why)
{
	n->st.drops[why]++;
	if (drop != NULL)
		*drop = why;
	return WINNAT_DROP;
}

static bool icmp_is_error(uint8_t type)
{
	return type == 3 /* destination unreachable */ || type == 4 /* source quench */ ||
	       type == 11 /* time exceeded */ || type == 12 /* parameter problem */;
}

/* L4 part: ports (or echo id as both), TCP flags, ICMP kind. */
static int parse_l4(struct wn_pkt *p)
{
	const uint8_t *l4 = p->l4;

	switch (p->proto) {
	case IPPROTO_TCP:
		if (p->l4_len < sizeof(struct rte_tcp_hdr))
			return PARSE_INVALID;
		p->tcp_flags = ((const struct rte_tcp_hdr *)l4)->tcp_flags;
		break;
	case IPPROTO_UDP:
		if (p->l4_len < sizeof(struct rte_udp_hdr))
			return PARSE_INVALID;
		break;
	default: /* ICMP */
		if (p->l4_len < sizeof(struct rte_icmp_hdr))
			return PARSE_INVALID;
		p->icmp_type = l4[0];
		if (p->icmp_type == RTE_IP_ICMP_ECHO_REQUEST ||
		    p->icmp_type == RTE_IP_ICMP_ECHO_REPLY) {
			uint16_t id = ((const struct rte_icmp_hdr *)l4)->icmp_ident;

			p->k.src_port = p->k.dst_port = id;
			return PARSE_OK;
		}
		p->icmp_error = icmp_is_error(p->icmp_type);
		return p->icmp_error ? PARSE_OK : PARSE_PASS;
	}
	memcpy(&p->k.src_port, l4, 4); /* both ports, as in the packet */
	return PARSE_OK;
}

/* IPv4 header at l3_off, all headers in the first segment. */
static int parse(struct rte_mbuf *m, uint16_t l3_off, struct wn_pkt *p)
{
	uint32_t len = rte_pktmbuf_data_len(m);
	struct rte_ipv4_hdr *ip;
	uint32_t ihl, tot;
	uint16_t frag;

	p->ip = NULL;
	if (len < (uint32_t)l3_off + sizeof(*ip))
		return PARSE_INVALID;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3_off);
	p->ip = ip;
	if ((ip->version_ihl >> 4) != 4)
		return PARSE_PASS;
	ihl = (ip->version_ihl & 0xf) * 4u;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (ihl < sizeof(*ip) || tot < ihl || len < l3_off + ihl)
		return PARSE_INVALID;
	p->m = m;
	p->proto = ip->next_proto_id;
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP && p->proto != IPPROTO_ICMP)
		return PARSE_PASS;
	p->k.src_ip = ip->src_addr;
	p->k.dst_ip = ip->dst_addr;
	p->k.src_port = p->k.dst_port = 0;
	p->tcp_flags = 0;
	p->icmp_error = false;
	frag = rte_be_to_cpu_16(ip->fragment_offset);
	if (frag & RTE_IPV4_HDR_OFFSET_MASK) {
		p->l4 = NULL; /* a later fragment: no L4 header */
		return PARSE_OK;
	}
	p->first_frag = (frag & RTE_IPV4_HDR_MF_FLAG) != 0;
	p->l4 = (uint8_t *)ip + ihl;
	p->l4_off = l3_off + ihl;
	p->l4_total = tot - ihl;
	p->l4_len = RTE_MIN(len - l3_off - ihl, p->l4_total);
	return parse_l4(p);
}

void wn_rewrite(struct rte_ipv4_hdr *ip, uint8_t *l4, uint8_t proto,
		uint32_t nsrc, uint16_t nsport, uint32_t ndst, uint16_t ndport)
{
	uint32_t osrc = ip->src_addr, odst = ip->dst_addr;

	ip->hdr_checksum = csum_update32(csum_update32(ip->hdr_checksum, osrc, nsrc),
					 odst, ndst);
	ip->src_addr = nsrc;
	ip->dst_addr = ndst;
	if (l4 == NULL)
		return;
	if (proto == IPPROTO_ICMP) {
		struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)l4;

		/* echo: no pseudo-header; the id is both "ports" */
		ic->icmp_cksum = csum_update16(ic->icmp_cksum, ic->icmp_ident, nsport);
		ic->icmp_ident = nsport;
		return;
	}
	/* TCP and UDP: the ports sit first, the pseudo-header has addresses */
	uint8_t *ckp = l4 + (proto == IPPROTO_TCP ? offsetof(struct rte_tcp_hdr, cksum)
						  : offsetof(struct rte_udp_hdr, dgram_cksum));
	uint16_t ports[2], c;

	memcpy(ports, l4, sizeof(ports));
	memcpy(&c, ckp, sizeof(c));
	if (proto != IPPROTO_UDP || c != 0) { /* no UDP checksum stays none */
		c = csum_update32(c, osrc, nsrc);
		c = csum_update32(c, odst, ndst);
		c = csum_update16(c, ports[0], nsport);
		c = csum_update16(c, ports[1], ndport);
		if (proto == IPPROTO_UDP && c == 0)
			c = 0xffff;
		memcpy(ckp, &c, sizeof(c));
	}
	ports[0] = nsport;
	ports[1] = ndport;
	memcpy(l4, ports, sizeof(ports));
}

enum winnat_verdict wn_apply(struct winnat *n, struct wn_pkt *p, uint32_t idx, int dir,
			     uint32_t now, struct winnat_events *ev)
{
	struct wn_session *s = &n->s[idx];
	const struct wn_key *o = &s->k[dir ^ 1];
	bool from_inside = wn_key_inside(&p->k);

	if (p->proto == IPPROTO_TCP && p->l4 != NULL) {
		/* the "internal" side: the tuple the session's inside end sends */
		bool internal = dir == (wn_key_inside(&s->k[WN_ORIG]) ? WN_ORIG : WN_REPLY);
		uint8_t st = wn_tcp_next(s->tcp_state, p->tcp_flags, internal);

		if (st != s->tcp_state) {
			wn_session_set_state(n, s, st);
			wn_ev_session(n, s, WINNAT_EV_SESSION_STATE_UPDATED, ev);
		}
	}
	if (from_inside || p->proto != IPPROTO_UDP || n->cfg.udp_inbound_refresh)
		__atomic_store_n(&s->last_seen, now, __ATOMIC_RELAXED);
	wn_rewrite(p->ip, p->l4, p->proto, o->dst_ip, o->dst_port, o->src_ip, o->src_port);
	if (p->first_frag)
		wn_frag_remember(n, p->k.cp >> 8, p->proto, p->ip->packet_id, p->k.src_ip,
				 p->k.dst_ip, p->ip->src_addr, p->ip->dst_addr,
				 wn_key_inside(o) ? WINNAT_TO_INSIDE : WINNAT_TO_OUTSIDE, now);
	return wn_key_inside(o) ? WINNAT_TO_INSIDE : WINNAT_TO_OUTSIDE;
}

static void count_translated(struct winnat *n, enum winnat_verdict v, bool outbound)
{
	if (v == WINNAT_TO_INSIDE || v == WINNAT_TO_OUTSIDE) {
		if (outbound)
			n->st.translated_out++;
		else
			n->st.translated_in++;
	}
}

/* Shared by both directions once the packet parsed: side is the
 * compartment it came from (0: outside). */
static enum winnat_verdict translate(struct winnat *n, struct wn_pkt *p, uint32_t side,
				     uint32_t now, struct winnat_events *ev,
				     enum winnat_drop *drop)
{
	hash_sig_t sig;
	int64_t hit;

	p->k.cp = wn_cp(side, p->proto);
	if (p->l4 == NULL) {
		uint8_t v = wn_frag_follow(n, p->ip, side, now);

		if (v != 0)
			return (enum winnat_verdict)v;
		if (side == 0 && p->k.dst_ip != n->ext_ip && !wn_proxy_find(n, p->k.dst_ip, 0))
			return WINNAT_PASS;
		return wn_drop(n, drop, WINNAT_DROP_FRAGMENT);
	}
	if (p->icmp_error)
		return wn_icmp_error(n, p, side, drop);
	sig = wn_key_hash(n, &p->k);
	hit = wn_session_lookup(n, &p->k, sig);
	if (hit >= 0) {
		rte_prefetch0(&n->s[hit >> 1]);
		return wn_apply(n, p, (uint32_t)(hit >> 1), (int)(hit & 1), now, ev);
	}
	return side != 0 ? wn_new_outbound(n, p, sig, now, ev, drop)
			 : wn_new_inbound(n, p, sig, now, ev, drop);
}

enum winnat_verdict winnat_outbound(struct winnat *n, struct rte_mbuf *m,
				    uint16_t l3_off, uint32_t now,
				    struct winnat_events *ev, enum winnat_drop *drop)
{
	struct wn_pkt p;
	enum winnat_verdict v;
	int rc = parse(m, l3_off, &p);

	if (rc == PARSE_PASS)
		return WINNAT_PASS;
	if (rc == PARSE_INVALID) {
		/* only this NAT's sources are its business */
		if (p.ip == NULL || !wn_inside(n, p.ip->src_addr))
			return WINNAT_PASS;
		return wn_drop(n, drop, WINNAT_DROP_INVALID);
	}
	if (!wn_inside(n, p.k.src_ip))
		return WINNAT_PASS;
	v = translate(n, &p, n->cfg.compartment, now, ev, drop);
	count_translated(n, v, true);
	return v;
}

enum winnat_verdict winnat_inbound(struct winnat *n, struct rte_mbuf *m,
				   uint16_t l3_off, uint32_t now,
				   struct winnat_events *ev, enum winnat_drop *drop)
{
	struct wn_pkt p;
	enum winnat_verdict v;
	int rc = parse(m, l3_off, &p);

	if (rc == PARSE_PASS)
		return WINNAT_PASS;
	if (rc == PARSE_INVALID)
		return wn_drop(n, drop, WINNAT_DROP_INVALID);
	v = translate(n, &p, 0, now, ev, drop);
	count_translated(n, v, false);
	return v;
}

/* Parsed for the bulk lookup: a plain TCP/UDP/ICMP-query packet of this
 * NAT's (outbound: from inside its prefix) with its key's side set. */
static bool bulk_candidate(struct winnat *n, bool inbound, struct rte_mbuf *m,
			   uint16_t off, struct wn_pkt *p)
{
	if (parse(m, off, p) != PARSE_OK || p->l4 == NULL || p->icmp_error)
		return false;
	if (!inbound && !wn_inside(n, p->k.src_ip))
		return false;
	p->k.cp = wn_cp(inbound ? 0 : n->cfg.compartment, p->proto);
	return true;
}

/* New outbound flows of a burst whose socket has a binding: their reply
 * tuples and filter keys are looked up together, results unused, before
 * the sessions are made one by one. A bulk lookup fetches all their
 * buckets at once, so each add then finds its buckets in cache instead of
 * waiting for memory in turn. */
static void warm_new_flows(struct winnat *n, const struct wn_pkt *p, uint32_t miss,
			   unsigned cnt)
{
	struct wn_key rk[WINNAT_BURST_MAX];
	struct wn_fkey fk[WINNAT_BURST_MAX];
	const void *rkp[WINNAT_BURST_MAX], *fkp[WINNAT_BURST_MAX];
	int32_t pos[WINNAT_BURST_MAX];
	unsigned nk = 0;

	for (unsigned i = 0; i < cnt; i++) {
		struct wn_bkey bk;
		int64_t bi;

		if (!((miss >> i) & 1))
			continue;
		wn_bkey_int(&bk, p[i].k.cp >> 8, p[i].proto, p[i].k.src_ip, p[i].k.src_port);
		bi = wn_binding_find(n, &bk);
		if (bi < 0)
			continue;
		rk[nk] = wn_snat_reply(&p[i], &n->b[bi]);
		fk[nk] = (struct wn_fkey){.binding = (uint32_t)bi, .remote_ip = p[i].k.dst_ip};
		rkp[nk] = &rk[nk];
		fkp[nk] = &fk[nk];
		nk++;
	}
	if (nk < 2)
		return; /* nothing to overlap */
	rte_hash_lookup_bulk(n->sh, rkp, nk, pos);
	rte_hash_lookup_bulk(n->fh, fkp, nk, pos);
}

void winnat_translate_burst(struct winnat *n, bool inbound, struct rte_mbuf **m,
			    const uint16_t *l3_off, unsigned cnt, uint32_t now,
			    struct winnat_events *ev, enum winnat_verdict *v,
			    enum winnat_drop *drop)
{
	struct wn_pkt p[WINNAT_BURST_MAX];
	const void *keys[WINNAT_BURST_MAX];
	void *data[WINNAT_BURST_MAX];
	uint8_t slot[WINNAT_BURST_MAX];
	uint32_t cand = 0;
	uint64_t hits = 0;
	unsigned nk = 0;

	RTE_ASSERT(cnt <= WINNAT_BURST_MAX);
	for (unsigned i = 0; i < cnt; i++) {
		if (!bulk_candidate(n, inbound, m[i], l3_off[i], &p[i]))
			continue;
		cand |= UINT32_C(1) << i;
		slot[i] = (uint8_t)nk;
		keys[nk++] = &p[i].k;
	}
	if (nk != 0)
		rte_hash_lookup_bulk_data(n->sh, keys, nk, &hits, data);
	if (!inbound && nk > 1 && hits != (UINT64_MAX >> (64 - nk))) {
		uint32_t miss = 0;

		for (unsigned i = 0; i < cnt; i++)
			if (((cand >> i) & 1) && !((hits >> slot[i]) & 1))
				miss |= UINT32_C(1) << i;
		warm_new_flows(n, p, miss, cnt);
	}
	/* in packet order: a miss creates its session before a later packet
	 * of the same flow looks again */
	for (unsigned i = 0; i < cnt; i++) {
		struct winnat_events *e = ev != NULL ? &ev[i] : NULL;

		if (!((cand >> i) & 1)) {
			v[i] = inbound ? winnat_inbound(n, m[i], l3_off[i], now, e, &drop[i])
				       : winnat_outbound(n, m[i], l3_off[i], now, e, &drop[i]);
			continue;
		}
		if ((hits >> slot[i]) & 1) {
			uintptr_t hit = (uintptr_t)data[slot[i]];

			v[i] = wn_apply(n, &p[i], (uint32_t)(hit >> 1), (int)(hit & 1), now, e);
		} else {
			v[i] = translate(n, &p[i], p[i].k.cp >> 8, now, e, &drop[i]);
		}
		count_translated(n, v[i], !inbound);
	}
}
