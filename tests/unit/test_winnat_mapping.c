/* WinNAT static mappings, hairpin and port proxy (winnat/winnat.h):
 * configured bindings, conflicts, the port pool around mapped ports,
 * hairpin through a mapping, portproxy to an inside and an outside
 * connect address. Needs EAL. */
#include <errno.h>
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

TestSuite(winnat_mapping, .init = setup, .fini = teardown, .timeout = 60);

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG

static int add_map(struct winnat *n, uint8_t proto, uint16_t ext_port, uint32_t ip,
		   uint16_t port)
{
	char err[128];
	struct winnat_mapping mp = { .proto = proto, .external_port = ext_port,
				     .internal_ip = ip, .internal_port = port };

	return winnat_mapping_add(n, &mp, err, sizeof(err));
}

Test(winnat_mapping, inbound_through_static_mapping)
{
	struct winnat *n = mknat();
	struct winnat_events ev = { 0 };

	cr_assert_eq(add_map(n, TCP, 8080, A2, 80), 0);
	cr_assert_eq(bindings(n), 1);
	cr_assert_eq(binfo[0].configured, true);
	cr_assert_eq(binfo[0].external_ip, EXT);
	cr_assert_eq(binfo[0].external_port, 8080);
	cr_assert_eq(binfo[0].internal_ip, A2);
	cr_assert_eq(binfo[0].internal_port, 80);
	/* any remote may use it: no filtering for a mapping */
	struct rte_mbuf *i = TCPP(R2, 33333, EXT, 8080, SYN);

	cr_assert_eq(IN(n, i, 5, &ev, NULL), WINNAT_TO_INSIDE);
	assert_tu(i, R2, 33333, A2, 80);
	check_csums(i);
	cr_assert_eq(ev.n, 2);
	cr_assert_str_eq(evtext(&ev, 0), "TCP session created. Internal source transport addr: "
			 "172.18.0.3:80 (CompartmentId 1), Internal dest transport addr: "
			 "65.55.44.110:33333, External source transport addr 192.168.1.70:8080, "
			 "External dest transport addr 65.55.44.110:33333, Lifetime: 6 seconds, "
			 "TcpState:Closed/NA");
	cr_assert(strstr(evtext(&ev, 1), "TcpState: External SYN received") != NULL);
	struct rte_mbuf *o = TCPP(A2, 80, R2, 33333, SYN | ACK);

	cr_assert_eq(OUT(n, o, 5, NULL, NULL), WINNAT_TO_OUTSIDE);
	assert_tu(o, EXT, 8080, R2, 33333);
	check_csums(o);
	cr_assert_eq(sessions(n, 5), 1);
	cr_assert_eq(sinfo[0].configured, true);
	cr_assert_eq(sinfo[0].tcp_state, WINNAT_TCP_ESTABLISHED);
	/* the mapped endpoint's own connections use the mapped port */
	struct rte_mbuf *own = TCPP(A2, 80, R1, 443, SYN);

	cr_assert_eq(OUT(n, own, 5, NULL, NULL), WINNAT_TO_OUTSIDE);
	assert_tu(own, EXT, 8080, R1, 443);
	/* sessions expire, the mapping stays */
	cr_assert_eq(winnat_expire(n, 100000, 100, NULL), 2);
	cr_assert_eq(bindings(n), 1);
	cr_assert_eq(binfo[0].session_count, 0);
	rte_pktmbuf_free(i);
	rte_pktmbuf_free(o);
	rte_pktmbuf_free(own);
	winnat_free(n);
}

Test(winnat_mapping, conflicts)
{
	struct winnat *n = mknat();
	char err[128] = "";
	struct winnat_mapping bad = { .proto = 47, .external_port = 1, .internal_ip = A1,
				      .internal_port = 1 };

	cr_assert_eq(add_map(n, UDP, 5353, A1, 5353), 0);
	cr_assert_eq(add_map(n, UDP, 5353, A2, 1), -EEXIST);
	cr_assert_eq(add_map(n, TCP, 5353, A2, 1), 0, "other protocol, other port space");
	/* a dynamic binding holds 6000 */
	struct rte_mbuf *m = UDPP(A2, 6000, R1, 53);

	cr_assert_eq(OUT(n, m, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(rd(m).sport, 6000);
	cr_assert_eq(add_map(n, UDP, 6000, A1, 6000), -EBUSY);
	cr_assert_eq(winnat_mapping_add(n, &bad, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "Protocol") != NULL, "%s", err);
	cr_assert_eq(winnat_mapping_del(n, UDP, 0, 6000), -ENOENT, "dynamic: not a mapping");
	cr_assert_eq(winnat_mapping_del(n, UDP, 0, 7000), -ENOENT);
	rte_pktmbuf_free(m);
	winnat_free(n);
}

Test(winnat_mapping, dynamic_allocation_skips_mapped_ports)
{
	struct winnat_config c;
	enum winnat_drop drop;

	base_cfg(&c);
	c.port_min = 2000;
	c.port_max = 2002;
	struct winnat *n = mknat_cfg(&c);

	cr_assert_eq(add_map(n, UDP, 2001, A2, 53), 0);
	/* A1:2001 would keep its port, but it is mapped */
	struct rte_mbuf *a = UDPP(A1, 2001, R1, 1);
	struct rte_mbuf *b = UDPP(A1, 2002, R1, 1);
	struct rte_mbuf *d = UDPP(A1, 2003, R1, 1);

	cr_assert_eq(OUT(n, a, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(OUT(n, b, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(rd(b).sport, 2002);
	cr_assert_eq(rd(a).sport, 2000);
	cr_assert_eq(OUT(n, d, 1, NULL, &drop), WINNAT_DROP);
	cr_assert_eq(drop, WINNAT_DROP_PORT_EXHAUSTED);
	/* deleting the mapping frees its port for dynamic use */
	cr_assert_eq(winnat_mapping_del(n, UDP, 0, 2001), 0);
	rte_pktmbuf_free(d);
	d = UDPP(A1, 2003, R1, 1);
	cr_assert_eq(OUT(n, d, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(rd(d).sport, 2001);
	rte_pktmbuf_free(a);
	rte_pktmbuf_free(b);
	rte_pktmbuf_free(d);
	winnat_free(n);
}

Test(winnat_mapping, delete_removes_sessions)
{
	struct winnat *n = mknat();
	enum winnat_drop drop;

	cr_assert_eq(add_map(n, UDP, 9000, A2, 9000), 0);
	struct rte_mbuf *i = UDPP(R1, 1, EXT, 9000);

	cr_assert_eq(IN(n, i, 1, NULL, NULL), WINNAT_TO_INSIDE);
	cr_assert_eq(sessions(n, 1), 1);
	cr_assert_eq(winnat_mapping_del(n, UDP, EXT, 9000), 0);
	cr_assert_eq(sessions(n, 1), 0);
	cr_assert_eq(bindings(n), 0);
	rte_pktmbuf_free(i);
	i = UDPP(R1, 1, EXT, 9000);
	cr_assert_eq(IN(n, i, 1, NULL, &drop), WINNAT_DROP);
	cr_assert_eq(drop, WINNAT_DROP_FILTERED);
	rte_pktmbuf_free(i);
	winnat_free(n);
}

Test(winnat_mapping, hairpin)
{
	struct winnat *n = mknat();

	cr_assert_eq(add_map(n, TCP, 8080, A2, 80), 0);
	struct rte_mbuf *q = TCPP(A1, 50000, EXT, 8080, SYN);

	cr_assert_eq(OUT(n, q, 1, NULL, NULL), WINNAT_TO_INSIDE);
	assert_tu(q, EXT, 50000, A2, 80);
	check_csums(q);
	struct rte_mbuf *r = TCPP(A2, 80, EXT, 50000, SYN | ACK);

	cr_assert_eq(OUT(n, r, 1, NULL, NULL), WINNAT_TO_INSIDE);
	assert_tu(r, EXT, 8080, A1, 50000);
	check_csums(r);
	cr_assert_eq(sessions(n, 1), 1);
	cr_assert_eq(sinfo[0].tcp_state, WINNAT_TCP_ESTABLISHED);
	/* deleting the mapping ends the hairpin session and its binding */
	cr_assert_eq(winnat_mapping_del(n, TCP, 0, 8080), 0);
	cr_assert_eq(sessions(n, 1), 0);
	cr_assert_eq(bindings(n), 0);
	/* our own address with nothing published: not NAT's */
	struct rte_mbuf *x = TCPP(A1, 50001, EXT, 8081, SYN);

	cr_assert_eq(OUT(n, x, 1, NULL, NULL), WINNAT_PASS);
	rte_pktmbuf_free(q);
	rte_pktmbuf_free(r);
	rte_pktmbuf_free(x);
	winnat_free(n);
}

Test(winnat_mapping, portproxy_to_inside)
{
	struct winnat *n = mknat();
	char err[128];
	uint32_t host = ip4(192, 168, 1, 99); /* another address the switch owns */
	struct winnat_proxy px = { .listen_ip = host, .listen_port = 8000,
				   .connect_ip = A2, .connect_port = 80 };

	cr_assert_eq(winnat_proxy_add(n, &px, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(winnat_proxy_add(n, &px, err, sizeof(err)), -EEXIST);
	struct rte_mbuf *s = TCPP(R1, 40001, host, 8000, SYN);

	cr_assert_eq(IN(n, s, 1, NULL, NULL), WINNAT_TO_INSIDE);
	struct tu t = rd(s);

	cr_assert_eq(t.src, GW);
	cr_assert_eq(t.dst, A2);
	cr_assert_eq(t.dport, 80);
	cr_assert(t.sport >= 1024);
	check_csums(s);
	/* the connect side answers to the gateway and it goes back out */
	struct rte_mbuf *a = TCPP(A2, 80, GW, t.sport, SYN | ACK);

	cr_assert_eq(OUT(n, a, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	assert_tu(a, host, 8000, R1, 40001);
	check_csums(a);
	cr_assert_eq(sessions(n, 1), 1);
	cr_assert_eq(sinfo[0].configured, true);
	cr_assert_eq(sinfo[0].tcp_state, WINNAT_TCP_ESTABLISHED);
	/* a container may use the proxy too */
	struct rte_mbuf *c = TCPP(A1, 40002, host, 8000, SYN);

	cr_assert_eq(OUT(n, c, 1, NULL, NULL), WINNAT_TO_INSIDE);
	cr_assert_eq(rd(c).dst, A2);
	cr_assert_eq(rd(c).src, GW);
	cr_assert_eq(winnat_proxy_del(n, host, 8000), 0);
	cr_assert_eq(sessions(n, 1), 0);
	cr_assert_eq(winnat_proxy_del(n, host, 8000), -ENOENT);
	rte_pktmbuf_free(s);
	rte_pktmbuf_free(a);
	rte_pktmbuf_free(c);
	winnat_free(n);
}

Test(winnat_mapping, portproxy_to_outside)
{
	struct winnat *n = mknat();
	char err[128];
	uint32_t far = ip4(10, 9, 9, 9);
	struct winnat_proxy px = { .listen_ip = EXT, .listen_port = 8443,
				   .connect_ip = far, .connect_port = 443 };

	cr_assert_eq(winnat_proxy_add(n, &px, err, sizeof(err)), 0, "%s", err);
	/* the listen port is taken on the external address */
	cr_assert_eq(add_map(n, TCP, 8443, A1, 1), -EEXIST);
	struct rte_mbuf *s = TCPP(R1, 40001, EXT, 8443, SYN);

	cr_assert_eq(IN(n, s, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	struct tu t = rd(s);

	cr_assert_eq(t.src, EXT);
	cr_assert_eq(t.dst, far);
	cr_assert_eq(t.dport, 443);
	check_csums(s);
	struct rte_mbuf *a = TCPP(far, 443, EXT, t.sport, SYN | ACK);

	cr_assert_eq(IN(n, a, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	assert_tu(a, EXT, 8443, R1, 40001);
	check_csums(a);
	/* the proxy's pool port is freed with its session */
	cr_assert_eq(winnat_expire(n, 100000, 10, NULL), 1);
	struct rte_mbuf *u = TCPP(A1, t.sport, R2, 1, SYN);

	cr_assert_eq(OUT(n, u, 100000, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(rd(u).sport, t.sport);
	rte_pktmbuf_free(s);
	rte_pktmbuf_free(a);
	rte_pktmbuf_free(u);
	winnat_free(n);
}
