/* Packets without a session: what may start one, and its two tuples.
 *
 *   outbound  SNAT      orig (in,  A:a -> R:r)   reply (out, R:r -> E:e)
 *             hairpin   orig (in,  A:a -> E:p)   reply (in,  B:q -> E:e)
 *             portproxy orig (in,  A:a -> L:l)   reply (C's side, C:c -> G:g)
 *   inbound   mapping   orig (out, R:r -> E:p)   reply (in,  B:q -> R:r)
 *             binding   orig (out, R:r -> E:e)   reply (in,  A:a -> R:r)
 *             portproxy orig (out, R:r -> L:l)   reply (C's side, C:c -> G:g)
 * where A:a has binding E:e, B:q is mapped at E:p, G is gateway_ip when
 * C is inside and the external address otherwise, g a pool port. */
#include <netinet/in.h>

#include <rte_icmp.h>

#include "winnat_internal.h"

static enum winnat_verdict fail(struct winnat *n, int64_t rc, enum winnat_drop *drop)
{
	return wn_drop(n, drop, (enum winnat_drop)(-rc - 1));
}

/* Creates the session and translates its first packet. */
static enum winnat_verdict start(struct winnat *n, struct wn_pkt *p, hash_sig_t sig,
				 const struct wn_key *reply, uint32_t binding, uint8_t flags,
				 uint16_t pool_port, uint32_t now, struct winnat_events *ev,
				 enum winnat_drop *drop)
{
	int64_t idx = wn_session_create(n, &p->k, sig, reply, binding, flags, pool_port,
					now, ev);

	if (idx < 0) {
		/* a binding made for this packet alone must not linger */
		if (binding != WN_NONE && n->b[binding].sessions == 0 &&
		    !(n->b[binding].flags & WN_B_CONFIGURED))
			wn_binding_delete(n, binding, ev);
		return fail(n, idx, drop);
	}
	return wn_apply(n, p, (uint32_t)idx, WN_ORIG, now, ev);
}

static enum winnat_verdict proxy_start(struct winnat *n, struct wn_pkt *p, hash_sig_t sig,
				       const struct winnat_proxy *px, uint32_t now,
				       struct winnat_events *ev, enum winnat_drop *drop)
{
	uint32_t c_ip = rte_cpu_to_be_32(px->connect_ip);
	bool c_in = wn_inside(n, c_ip);
	int g = wn_port_alloc(n, WN_PIDX_TCP, 0);
	struct wn_key reply = {
		.src_ip = c_ip, .dst_ip = c_in ? n->gw_ip : n->ext_ip,
		.src_port = rte_cpu_to_be_16(px->connect_port),
		.cp = c_in ? n->cp_in[WN_PIDX_TCP] : IPPROTO_TCP,
	};
	enum winnat_verdict v;

	if (g < 0)
		return wn_drop(n, drop, WINNAT_DROP_PORT_EXHAUSTED);
	reply.dst_port = rte_cpu_to_be_16((uint16_t)g);
	v = start(n, p, sig, &reply, WN_NONE, WN_S_CONFIGURED, (uint16_t)g, now, ev, drop);
	if (v == WINNAT_DROP)
		wn_port_free(n, WN_PIDX_TCP, (uint16_t)g);
	return v;
}

enum winnat_verdict wn_new_outbound(struct winnat *n, struct wn_pkt *p, hash_sig_t sig,
				    uint32_t now, struct winnat_events *ev,
				    enum winnat_drop *drop)
{
	struct wn_key reply;
	struct wn_bkey mk;
	int64_t b, m = -1;

	/* only echo requests start ICMP query sessions */
	if (p->proto == IPPROTO_ICMP && p->icmp_type != RTE_IP_ICMP_ECHO_REQUEST)
		return WINNAT_PASS;
	if (n->nproxy != 0 && p->proto == IPPROTO_TCP) {
		const struct winnat_proxy *px = wn_proxy_find(n, p->k.dst_ip, p->k.dst_port);

		if (px != NULL)
			return proxy_start(n, p, sig, px, now, ev, drop);
	}
	/* inside to inside is not NAT's; with any_source the caller picked
	 * the packets it wants translated */
	if (!n->cfg.any_source && wn_inside(n, p->k.dst_ip))
		return WINNAT_PASS;
	if (p->proto != IPPROTO_ICMP && (n->mapped_ips & wn_mapped_ip_bit(p->k.dst_ip))) {
		wn_bkey_ext(&mk, p->proto, p->k.dst_ip, p->k.dst_port);
		m = wn_binding_find(n, &mk);
		if (m >= 0 && !(n->b[m].flags & WN_B_CONFIGURED))
			m = -1; /* hairpin only to static mappings */
	}
	if (m < 0 && p->k.dst_ip == n->ext_ip)
		return WINNAT_PASS; /* our own address, nothing published there */
	if (n->s_nfree == 0) /* before making a binding it could not use */
		return wn_drop(n, drop, WINNAT_DROP_TABLE_FULL);
	b = wn_binding_get(n, p->proto, p->k.src_ip, p->k.src_port, ev);
	if (b < 0)
		return fail(n, b, drop);
	reply = wn_snat_reply(p, &n->b[b]);
	if (m >= 0) {
		/* hairpin: the mapped endpoint answers to our external address */
		reply.src_ip = n->b[m].int_ip;
		reply.src_port = n->b[m].int_port;
		reply.cp = p->k.cp;
	}
	return start(n, p, sig, &reply, (uint32_t)b, 0, 0, now, ev, drop);
}

/* Filtering (RFC 4787): may remote R send to this dynamic binding? */
static bool admitted(const struct winnat *n, uint32_t b, const struct wn_pkt *p)
{
	enum winnat_filtering f = p->proto == IPPROTO_TCP ? n->cfg.tcp_filtering
							  : n->cfg.udp_filtering;

	return f == WINNAT_ENDPOINT_INDEPENDENT_FILTERING ||
	       wn_filter_has(n, b, p->k.src_ip);
}

enum winnat_verdict wn_new_inbound(struct winnat *n, struct wn_pkt *p, hash_sig_t sig,
				   uint32_t now, struct winnat_events *ev,
				   enum winnat_drop *drop)
{
	struct wn_bkey bk;
	struct wn_key reply;
	int64_t b = -1;

	/* echo requests to us are the switch's to answer */
	if (p->proto == IPPROTO_ICMP)
		return WINNAT_PASS;
	wn_bkey_ext(&bk, p->proto, p->k.dst_ip, p->k.dst_port);
	b = wn_binding_find(n, &bk);
	if (b < 0) {
		const struct winnat_proxy *px = NULL;

		if (n->nproxy != 0 && p->proto == IPPROTO_TCP)
			px = wn_proxy_find(n, p->k.dst_ip, p->k.dst_port);
		if (px != NULL)
			return proxy_start(n, p, sig, px, now, ev, drop);
		if (p->k.dst_ip == n->ext_ip)
			return wn_drop(n, drop, WINNAT_DROP_FILTERED);
		return WINNAT_PASS;
	}
	bool configured = (n->b[b].flags & WN_B_CONFIGURED) != 0;

	if (!configured && !admitted(n, (uint32_t)b, p))
		return wn_drop(n, drop, WINNAT_DROP_FILTERED);
	reply = (struct wn_key){
		.src_ip = n->b[b].int_ip, .src_port = n->b[b].int_port,
		.dst_ip = p->k.src_ip, .dst_port = p->k.src_port,
		.cp = n->cp_in[wn_pidx(p->proto)],
	};
	return start(n, p, sig, &reply, (uint32_t)b, configured ? WN_S_CONFIGURED : 0, 0,
		     now, ev, drop);
}
