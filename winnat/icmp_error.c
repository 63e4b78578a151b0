/* ICMP errors (destination unreachable, source quench, time exceeded,
 * parameter problem) quoting a packet of a session.
 *
 * The quoted packet went the other way, so its reverse is a packet of the
 * session arriving on this side: look that up and translate it as if it
 * had come, then write the quote back reversed. The outer destination
 * becomes the session's peer; the outer source too when the error comes
 * from the quoted destination itself (an endpoint's port unreachable),
 * not from a router on the way. Checksums: the quoted IP header and the
 * quoted L4 checksum (when the quote holds it) incrementally, the ICMP
 * checksum recomputed over the message: errors are rare and the quote
 * changes in many places. */
#include <netinet/in.h>
#include <string.h>

#include <rte_icmp.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "csum.h"
#include "winnat_internal.h"

#define QUOTE_L4_MIN 8 /* RFC 792: the quote holds at least 8 bytes of L4 */

/* Rewrites the quote to src:sport -> dst:dport, updating the L4 checksum
 * only when the quote holds it. */
static void quote_rewrite(struct rte_ipv4_hdr *q, uint8_t *ql4, uint32_t qlen,
			  uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	uint8_t proto = q->next_proto_id;

	if ((proto == IPPROTO_TCP && qlen >= sizeof(struct rte_tcp_hdr)) ||
	    proto == IPPROTO_UDP || proto == IPPROTO_ICMP) {
		wn_rewrite(q, ql4, proto, src, sport, dst, dport);
		return;
	}
	/* a TCP quote cut before its checksum: addresses and ports only */
	wn_rewrite(q, NULL, proto, src, sport, dst, dport);
	memcpy(ql4, &sport, 2);
	memcpy(ql4 + 2, &dport, 2);
}

/* The session key of the quote's reverse, or false if it has none. */
static bool quote_key(const struct rte_ipv4_hdr *q, const uint8_t *ql4, uint32_t side,
		      struct wn_key *k)
{
	uint8_t proto = q->next_proto_id;

	k->src_ip = q->dst_addr;
	k->dst_ip = q->src_addr;
	k->cp = wn_cp(side, proto);
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		memcpy(&k->dst_port, ql4, 2);
		memcpy(&k->src_port, ql4 + 2, 2);
		return true;
	}
	if (proto == IPPROTO_ICMP && (ql4[0] == RTE_IP_ICMP_ECHO_REQUEST ||
				      ql4[0] == RTE_IP_ICMP_ECHO_REPLY)) {
		memcpy(&k->src_port, ql4 + 4, 2);
		k->dst_port = k->src_port;
		return true;
	}
	return false;
}

static void icmp_recompute(struct wn_pkt *p)
{
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)p->l4;
	uint16_t sum = 0;

	ic->icmp_cksum = 0;
	if (p->l4_len >= p->l4_total)
		sum = rte_raw_cksum(p->l4, p->l4_total);
	else if (rte_raw_cksum_mbuf(p->m, p->l4_off, p->l4_total, &sum) != 0)
		return;
	ic->icmp_cksum = (uint16_t)~sum;
}

enum winnat_verdict wn_icmp_error(struct winnat *n, struct wn_pkt *p, uint32_t side,
				  enum winnat_drop *drop)
{
	struct rte_ipv4_hdr *q = (struct rte_ipv4_hdr *)(p->l4 + sizeof(struct rte_icmp_hdr));
	uint32_t room = p->l4_len - sizeof(struct rte_icmp_hdr), qihl, qlen;
	const struct wn_key *o;
	struct wn_key k;
	uint8_t *ql4;
	int64_t hit;

	if (room < sizeof(*q) + QUOTE_L4_MIN)
		return wn_drop(n, drop, WINNAT_DROP_INVALID);
	qihl = (q->version_ihl & 0xf) * 4u;
	if ((q->version_ihl >> 4) != 4 || qihl < sizeof(*q) || room < qihl + QUOTE_L4_MIN)
		return wn_drop(n, drop, WINNAT_DROP_INVALID);
	ql4 = (uint8_t *)q + qihl;
	qlen = room - qihl;
	if (!quote_key(q, ql4, side, &k) ||
	    (hit = wn_session_lookup(n, &k, wn_key_hash(n, &k))) < 0) {
		if (side == 0 && p->k.dst_ip == n->ext_ip)
			return wn_drop(n, drop, WINNAT_DROP_FILTERED);
		return WINNAT_PASS;
	}
	o = &n->s[hit >> 1].k[(hit & 1) ^ 1];
	/* the reverse would become o->dst -> o->src; the quote is its reverse */
	quote_rewrite(q, ql4, qlen, o->src_ip, o->src_port, o->dst_ip, o->dst_port);
	wn_rewrite(p->ip, NULL, IPPROTO_ICMP,
		   p->ip->src_addr == k.src_ip ? o->dst_ip : p->ip->src_addr,
		   0, o->src_ip, 0);
	icmp_recompute(p);
	return wn_key_inside(o) ? WINNAT_TO_INSIDE : WINNAT_TO_OUTSIDE;
}
