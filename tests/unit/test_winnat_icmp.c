/* WinNAT ICMP (winnat/winnat.h): echo id translation, query timeout,
 * ICMP errors both ways with outer and quoted headers rewritten and every
 * checksum checked against a full recomputation. Needs EAL. */
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

#include "winnat_helpers.h"

TestSuite(winnat_icmp, .init = setup, .fini = teardown, .timeout = 60);

/* An ICMP error from src to dst quoting the first qlen bytes of the IPv4
 * packet in q (all of it when qlen is 0). */
static struct rte_mbuf *icmp_error(uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
				   struct rte_mbuf *q, uint16_t qlen)
{
	uint16_t qtot = rte_be_to_cpu_16(iph(q)->total_length);
	struct rte_mbuf *m;
	uint8_t *l4;

	if (qlen == 0 || qlen > qtot)
		qlen = qtot;
	m = build(&(struct pk){ .proto = ICMP, .src = src, .dst = dst, .type = type,
				.plen = qlen });
	l4 = l4h(m);
	l4[1] = code;
	memset(l4 + 4, 0, 4);
	memcpy(l4 + 8, iph(q), qlen);
	((struct rte_icmp_hdr *)l4)->icmp_cksum = 0;
	((struct rte_icmp_hdr *)l4)->icmp_cksum = (uint16_t)~rte_raw_cksum(l4, 8 + qlen);
	return m;
}

static struct rte_ipv4_hdr *quote(struct rte_mbuf *m)
{
	return (struct rte_ipv4_hdr *)(l4h(m) + 8);
}

/* The IPv4 bytes of a packet, to compare a quote with. */
static uint8_t saved[256];

static void save(struct rte_mbuf *m)
{
	memcpy(saved, iph(m), rte_be_to_cpu_16(iph(m)->total_length));
}

Test(winnat_icmp, echo_id_translation_both_ways)
{
	struct winnat *n = mknat();
	struct rte_mbuf *q1 = ECHO(A1, R1, 5000, RTE_IP_ICMP_ECHO_REQUEST);
	struct rte_mbuf *q2 = ECHO(A2, R1, 5000, RTE_IP_ICMP_ECHO_REQUEST);
	struct rte_mbuf *q3 = ECHO(A1, R2, 5000, RTE_IP_ICMP_ECHO_REQUEST);

	cr_assert_eq(OUT(n, q1, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(OUT(n, q2, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(OUT(n, q3, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	assert_tu(q1, EXT, 5000, R1, 5000);
	assert_tu(q3, EXT, 5000, R2, 5000); /* one binding per internal id */
	uint16_t id2 = rd(q2).sport;

	cr_assert_neq(id2, 5000);
	check_csums(q1);
	check_csums(q2);
	struct rte_mbuf *r1 = ECHO(R1, EXT, 5000, RTE_IP_ICMP_ECHO_REPLY);
	struct rte_mbuf *r2 = ECHO(R1, EXT, id2, RTE_IP_ICMP_ECHO_REPLY);

	cr_assert_eq(IN(n, r1, 2, NULL, NULL), WINNAT_TO_INSIDE);
	cr_assert_eq(IN(n, r2, 2, NULL, NULL), WINNAT_TO_INSIDE);
	assert_tu(r1, R1, 5000, A1, 5000);
	assert_tu(r2, R1, 5000, A2, 5000);
	check_csums(r1);
	check_csums(r2);
	/* pings to us are the switch's; replies without a query pass */
	struct rte_mbuf *p1 = ECHO(R1, EXT, 9, RTE_IP_ICMP_ECHO_REQUEST);
	struct rte_mbuf *p2 = ECHO(A1, R1, 9, RTE_IP_ICMP_ECHO_REPLY);

	cr_assert_eq(IN(n, p1, 2, NULL, NULL), WINNAT_PASS);
	cr_assert_eq(OUT(n, p2, 2, NULL, NULL), WINNAT_PASS);
	rte_pktmbuf_free(q1);
	rte_pktmbuf_free(q2);
	rte_pktmbuf_free(q3);
	rte_pktmbuf_free(r1);
	rte_pktmbuf_free(r2);
	rte_pktmbuf_free(p1);
	rte_pktmbuf_free(p2);
	winnat_free(n);
}

Test(winnat_icmp, query_timeout_and_events)
{
	struct winnat *n = mknat();
	struct winnat_events ev = { 0 };
	struct rte_mbuf *q = ECHO(A1, R1, 5000, RTE_IP_ICMP_ECHO_REQUEST);

	cr_assert_eq(OUT(n, q, 10, &ev, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(ev.n, 2);
	cr_assert_str_eq(evtext(&ev, 0), "ICMP binding created. Internal transport addr: "
			 "172.18.0.2:5000 (CompartmentId 1), External transport addr "
			 "192.168.1.70:5000, SessionCount: 0, Configured: False");
	cr_assert_str_eq(evtext(&ev, 1), "ICMP session created. Internal source transport "
			 "addr: 172.18.0.2:5000 (CompartmentId 1), Internal dest transport addr: "
			 "65.55.44.109:5000, External source transport addr 192.168.1.70:5000, "
			 "External dest transport addr 65.55.44.109:5000, Lifetime: 30 seconds, "
			 "TcpState:Closed/NA");
	cr_assert_eq(sessions(n, 10), 1);
	cr_assert_eq(sinfo[0].lifetime, 30);
	cr_assert_eq(winnat_expire(n, 39, 10, NULL), 0);
	ev.n = 0;
	cr_assert_eq(winnat_expire(n, 40, 10, &ev), 1);
	cr_assert_eq(ev.n, 2);
	cr_assert_eq(ev.ev[0].type, WINNAT_EV_SESSION_DELETED);
	cr_assert_eq(ev.ev[1].type, WINNAT_EV_BINDING_DELETED);
	struct rte_mbuf *late = ECHO(R1, EXT, 5000, RTE_IP_ICMP_ECHO_REPLY);

	cr_assert_eq(IN(n, late, 41, NULL, NULL), WINNAT_PASS);
	rte_pktmbuf_free(q);
	rte_pktmbuf_free(late);
	winnat_free(n);
}

/* Checks the quote's IP checksum and, for a whole UDP quote, its UDP one. */
static void check_quote(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *q = quote(m);
	uint16_t c = q->hdr_checksum;

	q->hdr_checksum = 0;
	cr_assert_eq(c, rte_ipv4_cksum(q), "quoted IPv4 checksum");
	q->hdr_checksum = c;
	if (q->next_proto_id == UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(q + 1);

		c = u->dgram_cksum;
		u->dgram_cksum = 0;
		cr_assert_eq(c, rte_ipv4_udptcp_cksum(q, u), "quoted UDP checksum");
		u->dgram_cksum = c;
	}
}

Test(winnat_icmp, inbound_error_translated_outer_and_quote)
{
	struct winnat *n = mknat();
	uint32_t router = ip4(80, 1, 1, 1);
	struct rte_mbuf *o = UDPP(A1, 5000, R1, 53);

	save(o); /* the quote must come back as exactly this packet */
	cr_assert_eq(OUT(n, o, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	struct rte_mbuf *e = icmp_error(router, EXT, 11, 0, o, 0);

	cr_assert_eq(IN(n, e, 1, NULL, NULL), WINNAT_TO_INSIDE);
	cr_assert_eq(rte_be_to_cpu_32(iph(e)->src_addr), router);
	cr_assert_eq(rte_be_to_cpu_32(iph(e)->dst_addr), A1);
	cr_assert_eq(memcmp(quote(e), saved, rte_be_to_cpu_16(quote(e)->total_length)), 0);
	check_quote(e);
	check_csums(e);
	/* port unreachable from the remote itself */
	struct rte_mbuf *e2 = icmp_error(R1, EXT, 3, 3, o, 0);

	cr_assert_eq(IN(n, e2, 1, NULL, NULL), WINNAT_TO_INSIDE);
	cr_assert_eq(rte_be_to_cpu_32(iph(e2)->src_addr), R1);
	cr_assert_eq(rte_be_to_cpu_32(iph(e2)->dst_addr), A1);
	check_quote(e2);
	check_csums(e2);
	rte_pktmbuf_free(o);
	rte_pktmbuf_free(e);
	rte_pktmbuf_free(e2);
	winnat_free(n);
}

Test(winnat_icmp, inbound_error_quoting_echo_and_cut_tcp)
{
	struct winnat *n = mknat();
	uint32_t router = ip4(80, 1, 1, 1);
	struct rte_mbuf *q = ECHO(A1, R1, 777, RTE_IP_ICMP_ECHO_REQUEST);
	struct rte_mbuf *t = TCPP(A1, 40000, R1, 80, RTE_TCP_SYN_FLAG);

	save(q);
	cr_assert_eq(OUT(n, q, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_neq(rd(q).sport, 777); /* below the pool: another id */
	struct rte_mbuf *e = icmp_error(router, EXT, 11, 0, q, 0);

	cr_assert_eq(IN(n, e, 1, NULL, NULL), WINNAT_TO_INSIDE);
	cr_assert_eq(rte_be_to_cpu_32(iph(e)->dst_addr), A1);
	cr_assert_eq(memcmp(quote(e), saved, rte_be_to_cpu_16(quote(e)->total_length)), 0);
	check_csums(e);

	cr_assert_eq(OUT(n, t, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	struct rte_mbuf *e2 = icmp_error(router, EXT, 3, 1, t, 28); /* IP + 8 bytes */

	cr_assert_eq(IN(n, e2, 1, NULL, NULL), WINNAT_TO_INSIDE);
	cr_assert_eq(rte_be_to_cpu_32(quote(e2)->src_addr), A1);
	uint16_t ports[2];

	memcpy(ports, quote(e2) + 1, 4);
	cr_assert_eq(rte_be_to_cpu_16(ports[0]), 40000);
	cr_assert_eq(rte_be_to_cpu_16(ports[1]), 80);
	check_quote(e2);
	check_csums(e2);
	rte_pktmbuf_free(q);
	rte_pktmbuf_free(t);
	rte_pktmbuf_free(e);
	rte_pktmbuf_free(e2);
	winnat_free(n);
}

Test(winnat_icmp, outbound_error_for_mapped_flow)
{
	struct winnat *n = mknat();
	char err[64];
	struct winnat_mapping mp = { .proto = UDP, .external_port = 8080, .internal_ip = A2,
				     .internal_port = 80 };

	cr_assert_eq(winnat_mapping_add(n, &mp, err, sizeof(err)), 0);
	struct rte_mbuf *i = UDPP(R1, 4444, EXT, 8080);

	save(i);
	cr_assert_eq(IN(n, i, 1, NULL, NULL), WINNAT_TO_INSIDE);
	assert_tu(i, R1, 4444, A2, 80);
	/* the container has nothing on port 80 and says so */
	struct rte_mbuf *e = icmp_error(A2, R1, 3, 3, i, 0);

	cr_assert_eq(OUT(n, e, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(rte_be_to_cpu_32(iph(e)->src_addr), EXT);
	cr_assert_eq(rte_be_to_cpu_32(iph(e)->dst_addr), R1);
	cr_assert_eq(memcmp(quote(e), saved, rte_be_to_cpu_16(quote(e)->total_length)), 0);
	check_quote(e);
	check_csums(e);
	rte_pktmbuf_free(i);
	rte_pktmbuf_free(e);
	winnat_free(n);
}

Test(winnat_icmp, unmatched_errors)
{
	struct winnat *n = mknat();
	enum winnat_drop drop;
	struct rte_mbuf *stray = UDPP(EXT, 1111, R1, 53);
	struct rte_mbuf *e = icmp_error(R1, EXT, 3, 3, stray, 0);

	cr_assert_eq(IN(n, e, 1, NULL, &drop), WINNAT_DROP);
	cr_assert_eq(drop, WINNAT_DROP_FILTERED);
	/* a container's error about traffic NAT never saw is not NAT's */
	struct rte_mbuf *local = UDPP(R1, 1, A1, 2);
	struct rte_mbuf *e2 = icmp_error(A1, R1, 3, 3, local, 0);

	cr_assert_eq(OUT(n, e2, 1, NULL, NULL), WINNAT_PASS);
	/* too short to quote anything */
	struct rte_mbuf *e3 = icmp_error(R1, EXT, 3, 3, stray, 12);

	cr_assert_eq(IN(n, e3, 1, NULL, &drop), WINNAT_DROP);
	cr_assert_eq(drop, WINNAT_DROP_INVALID);
	rte_pktmbuf_free(stray);
	rte_pktmbuf_free(e);
	rte_pktmbuf_free(local);
	rte_pktmbuf_free(e2);
	rte_pktmbuf_free(e3);
	winnat_free(n);
}
