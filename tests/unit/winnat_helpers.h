/* Packet helpers of the WinNAT unit tests (test_winnat*.c): building
 * IPv4/TCP/UDP/ICMP packets in mbufs, reading them back, checking every
 * checksum against a full recomputation, a NAT with test defaults, and
 * the EAL fixture. */
#ifndef HVS_TEST_WINNAT_HELPERS_H
#define HVS_TEST_WINNAT_HELPERS_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "eal_fixture.h"
#include "winnat.h"

/* not every file uses every helper */
#pragma GCC diagnostic ignored "-Wunused-function"


#define TCP 6
#define UDP 17
#define ICMP 1
#define L3 14 /* IPv4 header after an Ethernet header */

static struct rte_mempool *mp;

static void setup(void)
{
	test_eal_init_mem("256");
	mp = rte_pktmbuf_pool_create("wn_test", 512, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     SOCKET_ID_ANY);
	cr_assert_not_null(mp);
}

static void teardown(void)
{
	rte_mempool_free(mp);
	test_eal_cleanup();
}

static uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return a << 24 | b << 16 | c << 8 | d;
}

/* What to build: proto, addresses and ports (ICMP: sport is the echo id,
 * type the ICMP type), TCP flags, payload length, fragment field. */
struct pk {
	uint8_t proto;
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t flags;
	uint8_t type;
	uint16_t plen;
	uint16_t frag;   /* host order fragment_offset field */
	uint16_t ipid;
	bool nocsum;     /* UDP without checksum */
};

static struct rte_ipv4_hdr *iph(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, L3);
}

static uint8_t *l4h(struct rte_mbuf *m)
{
	return (uint8_t *)iph(m) + sizeof(struct rte_ipv4_hdr);
}

static uint16_t l4_hdr_len(uint8_t proto)
{
	return proto == TCP ? sizeof(struct rte_tcp_hdr) : 8;
}

static struct rte_mbuf *build(const struct pk *k)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	bool later = (k->frag & RTE_IPV4_HDR_OFFSET_MASK) != 0;
	uint16_t l4len = (later ? 0 : l4_hdr_len(k->proto)) + k->plen;
	uint16_t total = sizeof(struct rte_ipv4_hdr) + l4len;
	uint8_t *d;

	cr_assert_not_null(m);
	d = (uint8_t *)rte_pktmbuf_append(m, L3 + total);
	cr_assert_not_null(d);
	memset(d, 0, L3 + total);
	((struct rte_ether_hdr *)d)->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = iph(m);
	uint8_t *l4 = l4h(m);

	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(total);
	ip->packet_id = rte_cpu_to_be_16(k->ipid);
	ip->fragment_offset = rte_cpu_to_be_16(k->frag);
	ip->time_to_live = 64;
	ip->next_proto_id = k->proto;
	ip->src_addr = rte_cpu_to_be_32(k->src);
	ip->dst_addr = rte_cpu_to_be_32(k->dst);
	for (uint16_t i = 0; i < l4len; i++)
		l4[i] = (uint8_t)rand();
	if (!later && k->proto == TCP) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;

		t->src_port = rte_cpu_to_be_16(k->sport);
		t->dst_port = rte_cpu_to_be_16(k->dport);
		t->data_off = 0x50;
		t->tcp_flags = k->flags;
		t->cksum = 0;
		t->cksum = rte_ipv4_udptcp_cksum(ip, t);
	} else if (!later && k->proto == UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;

		u->src_port = rte_cpu_to_be_16(k->sport);
		u->dst_port = rte_cpu_to_be_16(k->dport);
		u->dgram_len = rte_cpu_to_be_16(l4len);
		u->dgram_cksum = 0;
		if (!k->nocsum)
			u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
	} else if (!later) {
		struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)l4;

		ic->icmp_type = k->type;
		ic->icmp_code = 0;
		ic->icmp_ident = rte_cpu_to_be_16(k->sport);
		ic->icmp_cksum = 0;
		ic->icmp_cksum = (uint16_t)~rte_raw_cksum(l4, l4len);
	}
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return m;
}

static struct rte_mbuf *TCPP(uint32_t s, uint16_t sp, uint32_t d, uint16_t dp, uint8_t fl)
{
	return build(&(struct pk){ .proto = TCP, .src = s, .dst = d, .sport = sp, .dport = dp,
				   .flags = fl, .plen = 10 });
}

static struct rte_mbuf *UDPP(uint32_t s, uint16_t sp, uint32_t d, uint16_t dp)
{
	return build(&(struct pk){ .proto = UDP, .src = s, .dst = d, .sport = sp, .dport = dp,
				   .plen = 12 });
}

static struct rte_mbuf *ECHO(uint32_t s, uint32_t d, uint16_t id, uint8_t type)
{
	return build(&(struct pk){ .proto = ICMP, .src = s, .dst = d, .sport = id,
				   .type = type, .plen = 16 });
}

/* A packet as read back, host order (ICMP: the echo id as both ports). */
struct tu {
	uint32_t src, dst;
	uint16_t sport, dport;
};

static struct tu rd(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = iph(m);
	uint8_t *l4 = l4h(m);
	struct tu t = { rte_be_to_cpu_32(ip->src_addr), rte_be_to_cpu_32(ip->dst_addr), 0, 0 };
	uint16_t p[3];

	memcpy(p, l4, sizeof(p));
	if (ip->next_proto_id == ICMP) {
		memcpy(&p[0], l4 + 4, 2);
		p[1] = p[0];
	}
	t.sport = rte_be_to_cpu_16(p[0]);
	t.dport = rte_be_to_cpu_16(p[1]);
	return t;
}

#define assert_tu(m, s, sp, d, dp) do { \
	struct tu t_ = rd(m); \
	cr_assert_eq(t_.src, (s), "src %08x", t_.src); \
	cr_assert_eq(t_.sport, (sp), "sport %u", t_.sport); \
	cr_assert_eq(t_.dst, (d), "dst %08x", t_.dst); \
	cr_assert_eq(t_.dport, (dp), "dport %u", t_.dport); \
} while (0)

/* Checks every checksum of the packet against a full recomputation. */
static void check_csums(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = iph(m);
	uint8_t *l4 = l4h(m);
	uint16_t saved = ip->hdr_checksum, l4len;
	uint16_t *ck;

	ip->hdr_checksum = 0;
	cr_assert_eq(saved, rte_ipv4_cksum(ip), "IPv4 checksum");
	ip->hdr_checksum = saved;
	if (rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK)
		return;
	l4len = rte_be_to_cpu_16(ip->total_length) - sizeof(*ip);
	if (ip->next_proto_id == TCP)
		ck = (uint16_t *)(l4 + 16);
	else if (ip->next_proto_id == UDP)
		ck = (uint16_t *)(l4 + 6);
	else
		ck = (uint16_t *)(l4 + 2);
	saved = *ck;
	if (ip->next_proto_id == UDP && saved == 0)
		return; /* no checksum */
	*ck = 0;
	if (ip->next_proto_id == ICMP)
		cr_assert_eq(saved, (uint16_t)~rte_raw_cksum(l4, l4len), "ICMP checksum");
	else
		cr_assert_eq(saved, rte_ipv4_udptcp_cksum(ip, l4), "L4 checksum proto %u",
			     ip->next_proto_id);
	*ck = saved;
}

static struct winnat *mknat_cfg(struct winnat_config *c)
{
	char err[128] = "";
	struct winnat *n = winnat_create(c, SOCKET_ID_ANY, err, sizeof(err));

	cr_assert_not_null(n, "winnat_create: %s", err);
	return n;
}

#define INSIDE_NET ip4(172, 18, 0, 0)
#define EXT ip4(192, 168, 1, 70)
#define GW ip4(172, 18, 0, 1)
#define A1 ip4(172, 18, 0, 2)
#define A2 ip4(172, 18, 0, 3)
#define R1 ip4(65, 55, 44, 109)
#define R2 ip4(65, 55, 44, 110)

static void base_cfg(struct winnat_config *c)
{
	winnat_config_defaults(c);
	snprintf(c->name, sizeof(c->name), "winnat");
	c->internal_prefix = INSIDE_NET;
	c->internal_plen = 16;
	c->external_ip = EXT;
	c->gateway_ip = GW;
	c->max_sessions = 1024;
}

static struct winnat *mknat(void)
{
	struct winnat_config c;

	base_cfg(&c);
	return mknat_cfg(&c);
}

static enum winnat_verdict OUT(struct winnat *n, struct rte_mbuf *m, uint32_t now,
			       struct winnat_events *ev, enum winnat_drop *drop)
{
	return winnat_outbound(n, m, L3, now, ev, drop);
}

static enum winnat_verdict IN(struct winnat *n, struct rte_mbuf *m, uint32_t now,
			      struct winnat_events *ev, enum winnat_drop *drop)
{
	return winnat_inbound(n, m, L3, now, ev, drop);
}

/* Sessions and bindings as the readers see them. */
#define INFO_MAX 64
static struct winnat_session_info sinfo[INFO_MAX];
static struct winnat_binding_info binfo[INFO_MAX];
static int nsinfo, nbinfo;

static int take_session(void *ctx, const struct winnat_session_info *s)
{
	(void)ctx;
	if (nsinfo < INFO_MAX)
		sinfo[nsinfo++] = *s;
	return 0;
}

static int take_binding(void *ctx, const struct winnat_binding_info *b)
{
	(void)ctx;
	if (nbinfo < INFO_MAX)
		binfo[nbinfo++] = *b;
	return 0;
}

static int sessions(struct winnat *n, uint32_t now)
{
	nsinfo = 0;
	winnat_foreach_session(n, now, take_session, NULL);
	return nsinfo;
}

static int bindings(struct winnat *n)
{
	nbinfo = 0;
	winnat_foreach_binding(n, take_binding, NULL);
	return nbinfo;
}

static const char *evtext(const struct winnat_events *ev, unsigned i)
{
	static char buf[4][512];

	cr_assert_lt(i, ev->n, "event %u of %u", i, ev->n);
	winnat_event_format(&ev->ev[i], buf[i & 3], sizeof(buf[0]));
	return buf[i & 3];
}


#endif
