/* Packet translation: classify a burst with one bulk lookup in the
 * worker's connection table, then rewrite each packet in place with
 * incremental checksum updates (RFC 1624; a UDP checksum of 0 stays 0).
 *   forward (client -> VIP:port):  dst := DIP:InternalPort, and with a
 *                                  SourceVIP src := SourceVIP:port, the
 *                                  client's port unless another client
 *                                  of that backend has it (then the next
 *                                  free one, a bounded search)
 *   reply (backend -> client):     src := VIP:port, dst := client (un-SNAT)
 *   DSR:                           forward only; the backend answers the
 *                                  client itself, so no reply tuple exists
 *   DSR loopback (lb.h,            the backend is the client itself and its
 *   lb_process_burst_loopback):    sender gave an address: forward and reply
 *                                  as with a SourceVIP (that address), so
 *                                  the pod does not see itself as the source
 * SCTP's CRC32c covers the ports but not the addresses, so it is computed
 * afresh when a port changes. A packet without a connection is looked up
 * by frontend (the exact VIP, then the "any host address" frontend if the
 * destination is one of the host's addresses) and gets a new connection
 * whose backend the LB's Maglev table picks. Any packet may open one, not
 * only a SYN: after a restart, established flows hash to the same backend.
 * Layer: lb/, engine layer (load balancer; DPDK only). */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_prefetch.h>
#include <rte_sctp.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "csum.h"
#include "lb_internal.h"

#define CHUNK RTE_HASH_LOOKUP_BULK_MAX
#define SNAT_PORT_TRIES 64

struct parsed {
	struct rte_ipv4_hdr *ip;
	void *l4;
	uint16_t l4_len;
	uint8_t tcp_flags;
	bool valid;
};

static bool parse(struct rte_mbuf *m, uint16_t l3_off, struct parsed *p, struct lb_tuple *t)
{
	memset(t, 0, sizeof(*t));
	p->valid = false;
	if (m->data_len < l3_off + sizeof(struct rte_ipv4_hdr))
		return false;
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3_off);
	unsigned ihl = (ip->version_ihl & 0xf) * 4u;
	uint16_t min_l4;

	if ((ip->version_ihl >> 4) != 4 || ihl < 20 ||
	    (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) != 0)
		return false;
	switch (ip->next_proto_id) {
	case IPPROTO_TCP: min_l4 = sizeof(struct rte_tcp_hdr); break;
	case IPPROTO_UDP: min_l4 = sizeof(struct rte_udp_hdr); break;
	case IPPROTO_SCTP: min_l4 = sizeof(struct rte_sctp_hdr); break;
	default: return false;
	}
	if (m->data_len < l3_off + ihl + min_l4)
		return false;
	p->ip = ip;
	p->l4 = (uint8_t *)ip + ihl;
	p->l4_len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - ihl);
	const struct rte_udp_hdr *ports = p->l4;   /* ports lead all three */

	t->src = ip->src_addr;
	t->dst = ip->dst_addr;
	t->sport = ports->src_port;
	t->dport = ports->dst_port;
	t->proto = ip->next_proto_id;
	p->tcp_flags = t->proto == IPPROTO_TCP ? ((struct rte_tcp_hdr *)p->l4)->tcp_flags : 0;
	p->valid = true;
	return true;
}

static void sctp_recompute(struct rte_mbuf *m, const struct parsed *p)
{
	struct rte_sctp_hdr *s = p->l4;

	if ((uint8_t *)p->l4 + p->l4_len > rte_pktmbuf_mtod(m, uint8_t *) + m->data_len)
		return;   /* not contiguous: left to the NIC / receiver */
	s->cksum = 0;
	s->cksum = rte_cpu_to_le_32(~rte_hash_crc(s, p->l4_len, 0xffffffff));
}

/* Rewrites the source (is_src) or destination address and port. */
static void rewrite(const struct parsed *p, bool is_src, uint32_t ip, uint16_t port)
{
	struct rte_udp_hdr *ports = p->l4;
	uint32_t old_ip = is_src ? p->ip->src_addr : p->ip->dst_addr;
	uint16_t old_port = is_src ? ports->src_port : ports->dst_port;

	if (old_ip == ip && old_port == port)
		return;
	if (is_src) {
		p->ip->src_addr = ip;
		ports->src_port = port;
	} else {
		p->ip->dst_addr = ip;
		ports->dst_port = port;
	}
	p->ip->hdr_checksum = csum_update32(p->ip->hdr_checksum, old_ip, ip);
	if (p->ip->next_proto_id == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = p->l4;

		t->cksum = csum_update32(t->cksum, old_ip, ip);
		t->cksum = csum_update16(t->cksum, old_port, port);
	} else if (p->ip->next_proto_id == IPPROTO_UDP && ports->dgram_cksum != 0) {
		uint16_t c = csum_update32(ports->dgram_cksum, old_ip, ip);

		c = csum_update16(c, old_port, port);
		ports->dgram_cksum = c == 0 ? 0xffff : c;
	}
}

static void finish_sctp(struct rte_mbuf *m, const struct parsed *p, uint16_t old_port,
			uint16_t new_port)
{
	if (p->ip->next_proto_id == IPPROTO_SCTP && old_port != new_port)
		sctp_recompute(m, p);
}

static void conn_touch(const struct lb_engine *e, struct lb_conn *c, const struct parsed *p,
		       bool is_reply, uint64_t now)
{
	uint64_t timeout = e->tsc_udp;

	if (c->fwd.proto == IPPROTO_TCP) {
		uint8_t f = p->tcp_flags;

		if (f & (RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG))
			c->state = LB_CONN_TRANSIENT;
		else if (is_reply || (c->dsr && (f & RTE_TCP_ACK_FLAG) && !(f & RTE_TCP_SYN_FLAG)))
			c->state = LB_CONN_ESTABLISHED;
		timeout = c->state == LB_CONN_ESTABLISHED ? e->tsc_established : e->tsc_transient;
	}
	c->expires = now + timeout;
}

static void count(struct lb_worker *wk, struct lb_object *o, unsigned w, struct lb_conn *c,
		  const struct rte_mbuf *m, bool is_new)
{
	struct lb_counters *s = &wk->lb_stats[c->lb];
	struct lb_backend_stats *b = &o->stats[w * o->cfg.nb_backends + c->backend_idx];

	s->packets++;
	s->bytes += m->pkt_len;
	s->connections += is_new;
	b->packets++;
	b->bytes += m->pkt_len;
	b->connections += is_new;
}

/* The connection's LB object, revalidated if the LB changed since; NULL
 * (with why) if the LB or the connection's backend is gone. */
static struct lb_object *conn_object(const struct lb_engine *e, struct lb_conn *c,
				     enum lb_reason *why)
{
	struct lb_object *o = lb_slot_load(e, c->lb);

	if (unlikely(o == NULL || o->uid != c->uid)) {
		*why = LB_REASON_LB_REMOVED;
		return NULL;
	}
	if (likely(o->gen == c->gen))
		return o;
	for (unsigned b = 0; b < o->cfg.nb_backends; b++)
		if (rte_cpu_to_be_32(o->backends[b].ip) == c->backend_ip &&
		    rte_cpu_to_be_16(o->backends[b].port) == c->backend_port) {
			c->backend_idx = (uint16_t)b;
			c->gen = o->gen;
			return o;
		}
	*why = LB_REASON_BACKEND_REMOVED;
	return NULL;
}

static void drop(struct lb_result *r, uint32_t lb, enum lb_reason why)
{
	*r = (struct lb_result){.verdict = LB_DROP, .reason = why, .lb = lb};
}

static void established(struct lb_engine *e, unsigned w, struct rte_mbuf *m,
			const struct parsed *p, uint32_t data, uint64_t now,
			struct lb_result *r)
{
	struct lb_worker *wk = &e->workers[w];
	uint32_t idx = data >> 1;
	bool is_reply = data & 1;
	struct lb_conn *c = &wk->entries[idx];
	enum lb_reason why = LB_REASON_NONE;
	struct lb_object *o = conn_object(e, c, &why);

	if (unlikely(o == NULL)) {
		if (why == LB_REASON_BACKEND_REMOVED)   /* a removed LB's slot may be reused */
			wk->lb_stats[c->lb].drops++;
		drop(r, c->lb, why);
		lb_conn_delete(wk, idx);
		return;
	}
	if (!is_reply) {
		if (c->snat_ip != 0)
			rewrite(p, true, c->snat_ip, c->snat_port);
		rewrite(p, false, c->preserve_dip ? c->fwd.dst : c->backend_ip, c->backend_port);
		finish_sctp(m, p, c->fwd.dport, c->backend_port);
	} else {
		rewrite(p, true, c->fwd.dst, c->fwd.dport);
		if (c->snat_ip != 0)
			rewrite(p, false, c->fwd.src, c->fwd.sport);
		finish_sctp(m, p, c->backend_port, c->fwd.dport);
	}
	conn_touch(e, c, p, is_reply, now);
	count(wk, o, w, c, m, false);
	*r = (struct lb_result){.verdict = is_reply ? LB_REPLY : LB_FORWARD, .lb = c->lb,
				.next_hop = is_reply ? p->ip->dst_addr : c->backend_ip};
}

static bool is_host_address(const struct lb_engine *e, uint32_t ip)
{
	const struct lb_hosts *h = __atomic_load_n(&e->hosts, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < h->n; i++)
		if (h->ips[i] == ip)
			return true;
	return false;
}

/* The LB of the frontend this tuple addresses that takes new connections
 * from origin (its slot in *slot), or NULL: the exact VIP first, then
 * "every host address" when the destination is one. */
static struct lb_object *frontend_find(const struct lb_engine *e, const struct lb_tuple *t,
				       enum lb_origin origin, int32_t *slot)
{
	struct lb_frontend_key k = {.vip = t->dst, .port = t->dport, .proto = t->proto};
	struct lb_object *o;
	void *data;

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			if (!is_host_address(e, t->dst))
				return NULL;
			k.vip = 0;
		}
		if (rte_hash_lookup_data(e->frontends, &k, &data) < 0)
			continue;
		*slot = (int32_t)(uintptr_t)data;
		o = lb_slot_load(e, (uint32_t)*slot);
		if (o != NULL && !(o->cfg.not_from & LB_NOT_FROM(origin)))
			return o;
	}
	return NULL;
}

/* Inserts c; with a SourceVIP whose reply tuple another connection has
 * (two clients, one port, one backend), moves to the next ports. */
static int32_t insert_with_snat_port(struct lb_worker *wk, struct lb_conn *c)
{
	int32_t idx = lb_conn_insert(wk, c);

	for (unsigned tries = 0; idx == -EEXIST && c->snat_ip != 0 && tries < SNAT_PORT_TRIES;
	     tries++) {
		uint16_t port = rte_be_to_cpu_16(c->snat_port);

		port = port == UINT16_MAX ? 1024 : port + 1;
		c->snat_port = rte_cpu_to_be_16(port);
		c->rev.dport = c->snat_port;
		idx = lb_conn_insert(wk, c);
	}
	return idx;
}

static void new_connection(struct lb_engine *e, unsigned w, enum lb_origin origin,
			   struct rte_mbuf *m, const struct parsed *p, const struct lb_tuple *t,
			   uint32_t loopback_snat, uint64_t now, struct lb_result *r)
{
	int32_t slot = -1;
	struct lb_object *o = frontend_find(e, t, origin, &slot);

	if (o == NULL) {
		*r = (struct lb_result){.verdict = LB_PASS};
		return;
	}
	struct lb_worker *wk = &e->workers[w];
	const struct lb_config *cfg = &o->cfg;
	uint32_t h = lb_flow_hash(cfg->distribution, t->proto, rte_be_to_cpu_32(t->src),
				  rte_be_to_cpu_32(t->dst), rte_be_to_cpu_16(t->sport),
				  rte_be_to_cpu_16(t->dport));
	uint16_t b = lb_maglev_pick(o, h);
	struct lb_conn c = {
		.fwd = *t,
		.backend_ip = rte_cpu_to_be_32(o->backends[b].ip),
		.backend_port = rte_cpu_to_be_16(o->backends[b].port),
		.backend_idx = b,
		.snat_ip = cfg->dsr ? 0 : rte_cpu_to_be_32(cfg->source_vip),
		.lb = (uint32_t)slot,
		.uid = o->uid,
		.gen = o->gen,
		.state = LB_CONN_TRANSIENT,
		.dsr = cfg->dsr,
		.preserve_dip = cfg->preserve_dip,
	};
	/* loopback-DSR: a pod reaching itself through a DSR VIP is SNATed to
	 * its OutBoundNAT address, and its replies come back to be reversed */
	if (cfg->dsr && loopback_snat != 0 && c.backend_ip == t->src) {
		c.snat_ip = rte_cpu_to_be_32(loopback_snat);
		c.dsr = false;
		c.loopback = true;
	}
	c.snat_port = t->sport;
	c.rev = (struct lb_tuple){
		.src = c.preserve_dip ? t->dst : c.backend_ip,
		.dst = c.snat_ip ? c.snat_ip : t->src,
		.sport = c.backend_port, .dport = t->sport, .proto = t->proto,
	};
	int32_t idx = insert_with_snat_port(wk, &c);

	if (idx < 0) {
		wk->lb_stats[slot].drops++;
		drop(r, (uint32_t)slot, idx == -EEXIST ? LB_REASON_SNAT_CONFLICT
						       : LB_REASON_TABLE_FULL);
		return;
	}
	established(e, w, m, p, (uint32_t)idx << 1, now, r);
	wk->lb_stats[slot].connections++;
	o->stats[w * cfg->nb_backends + b].connections++;
	r->reason = LB_REASON_NEW_CONNECTION;
}

static void process_chunk(struct lb_engine *e, unsigned w, enum lb_origin origin,
			  struct rte_mbuf **m,
			  const uint16_t *l3_off, const uint32_t *loopback_snat, unsigned n,
			  uint64_t now, struct lb_result *res)
{
	struct lb_tuple keys[CHUNK];
	const void *key_ptrs[CHUNK];
	struct parsed p[CHUNK];
	void *data[CHUNK];
	uint64_t hits = 0;

	for (unsigned i = 0; i < n; i++) {
		parse(m[i], l3_off[i], &p[i], &keys[i]);
		key_ptrs[i] = &keys[i];
	}
	rte_hash_lookup_bulk_data(e->workers[w].conns, key_ptrs, n, &hits, data);
	/* the entries of a burst are scattered over the table: fetch them all
	 * before touching the first */
	for (uint64_t h = hits; h != 0; h &= h - 1)
		rte_prefetch0(&e->workers[w].entries[(uintptr_t)data[__builtin_ctzll(h)] >> 1]);
	for (unsigned i = 0; i < n; i++) {
		if (!p[i].valid)
			res[i] = (struct lb_result){.verdict = LB_PASS};
		else if (hits & (1ULL << i))
			established(e, w, m[i], &p[i], (uint32_t)(uintptr_t)data[i], now, &res[i]);
		else
			new_connection(e, w, origin, m[i], &p[i], &keys[i],
				       loopback_snat != NULL ? loopback_snat[i] : 0, now, &res[i]);
	}
}

void lb_process_burst_from(struct lb_engine *e, unsigned w, enum lb_origin origin,
			   struct rte_mbuf **m, const uint16_t *l3_off,
			   const uint32_t *loopback_snat, unsigned n, uint64_t now,
			   struct lb_result *res)
{
	for (unsigned i = 0; i < n; i += CHUNK) {
		unsigned k = n - i < CHUNK ? n - i : CHUNK;

		process_chunk(e, w, origin, m + i, l3_off + i,
			      loopback_snat != NULL ? loopback_snat + i : NULL, k, now, res + i);
	}
}

void lb_process_burst_loopback(struct lb_engine *e, unsigned w, struct rte_mbuf **m,
			       const uint16_t *l3_off, const uint32_t *loopback_snat,
			       unsigned n, uint64_t now, struct lb_result *res)
{
	lb_process_burst_from(e, w, LB_FROM_ENDPOINT, m, l3_off, loopback_snat, n, now, res);
}

void lb_process_burst(struct lb_engine *e, unsigned w, struct rte_mbuf **m,
		      const uint16_t *l3_off, unsigned n, uint64_t now, struct lb_result *res)
{
	lb_process_burst_from(e, w, LB_FROM_ENDPOINT, m, l3_off, NULL, n, now, res);
}
