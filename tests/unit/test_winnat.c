/* WinNAT core (winnat/winnat.h): bindings (endpoint-independent mapping,
 * port choice), sessions both ways, checksums against full recomputation,
 * filtering, TCP states and lifetimes with WinNAT's event text, expiry,
 * UDP refresh, fragments, table full, port exhaustion, compartments and
 * the readers. Needs EAL (rte_hash, mbufs). */
#include <arpa/inet.h>
#include <pthread.h>
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

TestSuite(winnat, .init = setup, .fini = teardown, .timeout = 60);

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG

Test(winnat, binding_reused_for_two_remotes)
{
	struct winnat *n = mknat();
	struct rte_mbuf *m1 = TCPP(A1, 49161, R1, 443, SYN);
	struct rte_mbuf *m2 = TCPP(A1, 49161, R2, 80, SYN);

	cr_assert_eq(OUT(n, m1, 10, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(OUT(n, m2, 10, NULL, NULL), WINNAT_TO_OUTSIDE);
	/* the internal port was free, so it is the external one too */
	assert_tu(m1, EXT, 49161, R1, 443);
	assert_tu(m2, EXT, 49161, R2, 80);
	cr_assert_eq(bindings(n), 1);
	cr_assert_eq(binfo[0].session_count, 2);
	cr_assert_eq(binfo[0].external_port, 49161);
	cr_assert_eq(binfo[0].configured, false);
	cr_assert_eq(sessions(n, 10), 2);
	rte_pktmbuf_free(m1);
	rte_pktmbuf_free(m2);
	winnat_free(n);
}

Test(winnat, external_port_kept_when_free_else_other)
{
	struct winnat *n = mknat();
	struct rte_mbuf *m1 = UDPP(A1, 5000, R1, 53);
	struct rte_mbuf *m2 = UDPP(A2, 5000, R1, 53);
	struct rte_mbuf *m3 = UDPP(A1, 80, R1, 53); /* below the pool */

	cr_assert_eq(OUT(n, m1, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(OUT(n, m2, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(OUT(n, m3, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(rd(m1).sport, 5000);
	cr_assert_neq(rd(m2).sport, 5000);
	cr_assert_geq(rd(m2).sport, 1024);
	cr_assert_geq(rd(m3).sport, 1024, "ports outside the pool are not kept");
	cr_assert_neq(rd(m3).sport, rd(m2).sport);
	/* replies reach the right endpoints */
	struct rte_mbuf *r2 = UDPP(R1, 53, EXT, rd(m2).sport);

	cr_assert_eq(IN(n, r2, 2, NULL, NULL), WINNAT_TO_INSIDE);
	assert_tu(r2, R1, 53, A2, 5000);
	rte_pktmbuf_free(m1);
	rte_pktmbuf_free(m2);
	rte_pktmbuf_free(m3);
	rte_pktmbuf_free(r2);
	winnat_free(n);
}

Test(winnat, reserved_udp_port_is_never_handed_out)
{
	/* an HNS OutBoundNAT keeps VXLAN's port clear: a reply to it would
	 * be taken for VXLAN by the host */
	struct winnat_config c;

	base_cfg(&c);
	c.udp_reserved_port = 4789;
	struct winnat *n = mknat_cfg(&c);
	struct rte_mbuf *u = UDPP(A1, 4789, R1, 53);
	struct rte_mbuf *t = TCPP(A1, 4789, R1, 443, SYN);

	cr_assert_eq(OUT(n, u, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_neq(rd(u).sport, 4789, "the reserved port was given out");
	cr_assert_eq(OUT(n, t, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(rd(t).sport, 4789, "only UDP's port is reserved");
	rte_pktmbuf_free(u);
	rte_pktmbuf_free(t);
	winnat_free(n);
}

Test(winnat, session_both_directions)
{
	struct winnat *n = mknat();
	struct rte_mbuf *o = TCPP(A1, 40000, R1, 443, SYN);
	struct rte_mbuf *i = TCPP(R1, 443, EXT, 40000, SYN | ACK);
	struct rte_mbuf *o2 = TCPP(A1, 40000, R1, 443, ACK);
	struct winnat_counters c;

	cr_assert_eq(OUT(n, o, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	assert_tu(o, EXT, 40000, R1, 443);
	check_csums(o);
	cr_assert_eq(IN(n, i, 1, NULL, NULL), WINNAT_TO_INSIDE);
	assert_tu(i, R1, 443, A1, 40000);
	check_csums(i);
	cr_assert_eq(OUT(n, o2, 2, NULL, NULL), WINNAT_TO_OUTSIDE);
	assert_tu(o2, EXT, 40000, R1, 443);
	winnat_read_counters(n, &c);
	cr_assert_eq(c.sessions, 1);
	cr_assert_eq(c.bindings, 1);
	cr_assert_eq(c.translated_out, 2);
	cr_assert_eq(c.translated_in, 1);
	/* not ours: outside the prefix, or another destination */
	struct rte_mbuf *x = TCPP(ip4(10, 0, 0, 1), 1, R1, 2, SYN);
	struct rte_mbuf *y = TCPP(R1, 443, ip4(1, 2, 3, 4), 40000, ACK);

	cr_assert_eq(OUT(n, x, 2, NULL, NULL), WINNAT_PASS);
	cr_assert_eq(IN(n, y, 2, NULL, NULL), WINNAT_PASS);
	assert_tu(y, R1, 443, ip4(1, 2, 3, 4), 40000);
	rte_pktmbuf_free(o);
	rte_pktmbuf_free(i);
	rte_pktmbuf_free(o2);
	rte_pktmbuf_free(x);
	rte_pktmbuf_free(y);
	winnat_free(n);
}

Test(winnat, checksums_match_full_recomputation)
{
	struct winnat *n = mknat();

	srand(7);
	for (int i = 0; i < 3000; i++) {
		uint8_t protos[] = { TCP, UDP, ICMP };
		struct pk k = {
			.proto = protos[i % 3],
			.src = INSIDE_NET | (uint32_t)(rand() & 0xffff),
			.dst = ip4(8, (unsigned)rand() & 0xff, (unsigned)rand() & 0xff, 1),
			.sport = (uint16_t)rand(), .dport = (uint16_t)(rand() | 1),
			.flags = ACK, .type = RTE_IP_ICMP_ECHO_REQUEST,
			.plen = (uint16_t)(rand() % 200), .ipid = (uint16_t)rand(),
			.nocsum = (i % 7) == 1,
		};
		if (k.src == INSIDE_NET)
			k.src++;
		struct rte_mbuf *m = build(&k);
		enum winnat_verdict v = OUT(n, m, 1, NULL, NULL);

		cr_assert_eq(v, WINNAT_TO_OUTSIDE, "packet %d", i);
		check_csums(m);
		if (k.proto == UDP && k.nocsum)
			cr_assert_eq(((struct rte_udp_hdr *)l4h(m))->dgram_cksum, 0);
		struct tu t = rd(m);
		struct pk r = k;

		r.src = t.dst;
		r.dst = t.src;
		r.sport = t.dport;
		r.dport = t.sport;
		r.type = RTE_IP_ICMP_ECHO_REPLY;
		struct rte_mbuf *back = build(&r);

		cr_assert_eq(IN(n, back, 1, NULL, NULL), WINNAT_TO_INSIDE, "reply %d", i);
		check_csums(back);
		assert_tu(back, k.dst, k.proto == ICMP ? k.sport : k.dport, k.src, k.sport);
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(back);
		winnat_expire(n, 100000, 4096, NULL);
	}
	winnat_free(n);
}

static void filtering_case(enum winnat_filtering f, uint8_t proto)
{
	struct winnat_config c;
	enum winnat_drop drop = WINNAT_DROP_COUNT;
	struct winnat_counters cnt;

	base_cfg(&c);
	c.tcp_filtering = c.udp_filtering = f;
	struct winnat *n = mknat_cfg(&c);
	struct rte_mbuf *o = build(&(struct pk){ .proto = proto, .src = A1, .sport = 6000,
						  .dst = R1, .dport = 3478, .flags = SYN });
	/* the contacted remote IP on another port, and an uncontacted IP */
	struct rte_mbuf *same_ip = build(&(struct pk){ .proto = proto, .src = R1, .sport = 9999,
							.dst = EXT, .dport = 6000, .flags = SYN });
	struct rte_mbuf *other_ip = build(&(struct pk){ .proto = proto, .src = R2, .sport = 3478,
							 .dst = EXT, .dport = 6000, .flags = SYN });

	cr_assert_eq(OUT(n, o, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(IN(n, same_ip, 1, NULL, &drop), WINNAT_TO_INSIDE);
	assert_tu(same_ip, R1, 9999, A1, 6000);
	check_csums(same_ip);
	if (f == WINNAT_ADDRESS_DEPENDENT_FILTERING) {
		cr_assert_eq(IN(n, other_ip, 1, NULL, &drop), WINNAT_DROP);
		cr_assert_eq(drop, WINNAT_DROP_FILTERED);
		winnat_read_counters(n, &cnt);
		cr_assert_eq(cnt.drops[WINNAT_DROP_FILTERED], 1);
		cr_assert_str_eq(winnat_drop_text(drop), "NAT filtered");
	} else {
		cr_assert_eq(IN(n, other_ip, 1, NULL, &drop), WINNAT_TO_INSIDE);
		assert_tu(other_ip, R2, 3478, A1, 6000);
	}
	/* a port nobody is bound to is filtered either way */
	struct rte_mbuf *unbound = build(&(struct pk){ .proto = proto, .src = R1, .sport = 1,
							.dst = EXT, .dport = 6001 });

	cr_assert_eq(IN(n, unbound, 1, NULL, &drop), WINNAT_DROP);
	cr_assert_eq(drop, WINNAT_DROP_FILTERED);
	/* the accepted session counts on the same binding */
	cr_assert_eq(bindings(n), 1);
	cr_assert_eq(binfo[0].session_count, f == WINNAT_ADDRESS_DEPENDENT_FILTERING ? 2 : 3);
	rte_pktmbuf_free(o);
	rte_pktmbuf_free(same_ip);
	rte_pktmbuf_free(other_ip);
	rte_pktmbuf_free(unbound);
	winnat_free(n);
}

Test(winnat, address_dependent_filtering_udp)
{
	filtering_case(WINNAT_ADDRESS_DEPENDENT_FILTERING, UDP);
}

Test(winnat, address_dependent_filtering_tcp)
{
	filtering_case(WINNAT_ADDRESS_DEPENDENT_FILTERING, TCP);
}

Test(winnat, endpoint_independent_filtering)
{
	filtering_case(WINNAT_ENDPOINT_INDEPENDENT_FILTERING, UDP);
	filtering_case(WINNAT_ENDPOINT_INDEPENDENT_FILTERING, TCP);
}

Test(winnat, filtering_forgets_remote_with_its_last_session)
{
	struct winnat *n = mknat();
	enum winnat_drop drop;
	struct rte_mbuf *o1 = UDPP(A1, 6000, R1, 1);
	struct rte_mbuf *o2 = UDPP(A1, 6000, R2, 1);
	struct rte_mbuf *i1 = UDPP(R1, 2, EXT, 6000);

	cr_assert_eq(OUT(n, o1, 0, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(OUT(n, o2, 100, NULL, NULL), WINNAT_TO_OUTSIDE);
	/* R1's session expires at 120, R2's keeps the binding alive */
	cr_assert_eq(winnat_expire(n, 130, 100, NULL), 1);
	cr_assert_eq(IN(n, i1, 130, NULL, &drop), WINNAT_DROP);
	cr_assert_eq(drop, WINNAT_DROP_FILTERED);
	rte_pktmbuf_free(o1);
	rte_pktmbuf_free(o2);
	rte_pktmbuf_free(i1);
	winnat_free(n);
}

#define IN_SRC "Internal source transport addr: 172.18.0.2:49161 (CompartmentId 1), " \
	"Internal dest transport addr: 65.55.44.109:443, External source transport addr " \
	"192.168.1.70:49161, External dest transport addr 65.55.44.109:443"

Test(winnat, tcp_states_lifetimes_and_events)
{
	struct winnat *n = mknat();
	struct winnat_events ev = { 0 };
	struct rte_mbuf *m;

	m = TCPP(A1, 49161, R1, 443, SYN);
	cr_assert_eq(OUT(n, m, 100, &ev, NULL), WINNAT_TO_OUTSIDE);
	rte_pktmbuf_free(m);
	cr_assert_eq(ev.n, 3);
	cr_assert_str_eq(evtext(&ev, 0), "TCP binding created. Internal transport addr: "
			 "172.18.0.2:49161 (CompartmentId 1), External transport addr "
			 "192.168.1.70:49161, SessionCount: 0, Configured: False");
	cr_assert_str_eq(evtext(&ev, 1), "TCP session created. " IN_SRC
			 ", Lifetime: 6 seconds, TcpState:Closed/NA");
	cr_assert_str_eq(evtext(&ev, 2), "TCP session state updated. " IN_SRC
			 ", Lifetime: 120 seconds, TcpState: Internal SYN received");
	cr_assert_eq(sessions(n, 100), 1);
	cr_assert_eq(sinfo[0].tcp_state, WINNAT_TCP_INTERNAL_SYN);
	cr_assert_eq(sinfo[0].lifetime, 120);

	ev.n = 0;
	m = TCPP(R1, 443, EXT, 49161, SYN | ACK);
	cr_assert_eq(IN(n, m, 101, &ev, NULL), WINNAT_TO_INSIDE);
	rte_pktmbuf_free(m);
	cr_assert_eq(ev.n, 1);
	cr_assert_str_eq(evtext(&ev, 0), "TCP session state updated. " IN_SRC
			 ", Lifetime: 1800 seconds, TcpState: Established");

	ev.n = 0;
	m = TCPP(A1, 49161, R1, 443, ACK); /* no change, no event */
	cr_assert_eq(OUT(n, m, 102, &ev, NULL), WINNAT_TO_OUTSIDE);
	rte_pktmbuf_free(m);
	cr_assert_eq(ev.n, 0);
	/* established: still there after the transient timeout */
	cr_assert_eq(winnat_expire(n, 102 + 1000, 100, NULL), 0);

	m = TCPP(A1, 49161, R1, 443, FIN | ACK);
	cr_assert_eq(OUT(n, m, 1200, &ev, NULL), WINNAT_TO_OUTSIDE);
	rte_pktmbuf_free(m);
	cr_assert_str_eq(evtext(&ev, 0), "TCP session state updated. " IN_SRC
			 ", Lifetime: 120 seconds, TcpState: Internal FIN received");
	m = TCPP(R1, 443, EXT, 49161, FIN | ACK);
	cr_assert_eq(IN(n, m, 1201, &ev, NULL), WINNAT_TO_INSIDE);
	rte_pktmbuf_free(m);
	cr_assert_str_eq(evtext(&ev, 1), "TCP session state updated. " IN_SRC
			 ", Lifetime: 120 seconds, TcpState: Internal and external FIN received");

	ev.n = 0;
	cr_assert_eq(winnat_expire(n, 1201 + 119, 100, &ev), 0);
	cr_assert_eq(winnat_expire(n, 1201 + 120, 100, &ev), 1);
	cr_assert_eq(ev.n, 2);
	cr_assert_str_eq(evtext(&ev, 0), "TCP session deleted. " IN_SRC
			 ", Lifetime: 120 seconds, TcpState: Internal and external FIN received");
	cr_assert_str_eq(evtext(&ev, 1), "TCP binding deleted. Internal transport addr: "
			 "172.18.0.2:49161 (CompartmentId 1), External transport addr "
			 "192.168.1.70:49161, SessionCount: 0, Configured: False");
	winnat_free(n);
}

Test(winnat, tcp_new_session_lives_6s_and_rst)
{
	struct winnat *n = mknat();
	struct winnat_events ev = { 0 };
	struct rte_mbuf *m = TCPP(A1, 30000, R1, 80, ACK); /* no SYN: stays new */

	cr_assert_eq(OUT(n, m, 50, &ev, NULL), WINNAT_TO_OUTSIDE);
	rte_pktmbuf_free(m);
	cr_assert_eq(sessions(n, 50), 1);
	cr_assert_eq(sinfo[0].lifetime, 6);
	cr_assert_eq(sinfo[0].tcp_state, WINNAT_TCP_CLOSED_NA);
	cr_assert_eq(winnat_expire(n, 55, 10, NULL), 0);
	cr_assert_eq(winnat_expire(n, 56, 10, NULL), 1);
	cr_assert_eq(sessions(n, 56), 0);

	/* SYN from outside first (mapping-like order), then a RST */
	struct winnat_config c;

	base_cfg(&c);
	c.tcp_filtering = WINNAT_ENDPOINT_INDEPENDENT_FILTERING;
	struct winnat *e = mknat_cfg(&c);

	m = TCPP(A1, 30000, R1, 80, ACK);
	cr_assert_eq(OUT(e, m, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	rte_pktmbuf_free(m);
	ev.n = 0;
	m = TCPP(R2, 80, EXT, 30000, SYN);
	cr_assert_eq(IN(e, m, 1, &ev, NULL), WINNAT_TO_INSIDE);
	rte_pktmbuf_free(m);
	cr_assert_eq(ev.n, 2);
	cr_assert_eq(ev.ev[1].tcp_state, WINNAT_TCP_EXTERNAL_SYN);
	cr_assert(strstr(evtext(&ev, 1), "TcpState: External SYN received") != NULL);
	m = TCPP(A1, 30000, R2, 80, RST);
	ev.n = 0;
	cr_assert_eq(OUT(e, m, 2, &ev, NULL), WINNAT_TO_OUTSIDE);
	rte_pktmbuf_free(m);
	cr_assert_eq(ev.ev[0].tcp_state, WINNAT_TCP_RST);
	cr_assert_eq(ev.ev[0].lifetime, 120);
	cr_assert(strstr(evtext(&ev, 0), "TcpState: Closed by RST") != NULL);
	winnat_free(e);
	winnat_free(n);
}

Test(winnat, expiry_frees_session_binding_and_port)
{
	struct winnat *n = mknat();
	struct winnat_counters c;
	struct rte_mbuf *m1 = UDPP(A1, 5000, R1, 53);
	struct rte_mbuf *m2, *m3;

	cr_assert_eq(OUT(n, m1, 0, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(rd(m1).sport, 5000);
	cr_assert_eq(winnat_expire(n, 119, 1000, NULL), 0);
	cr_assert_eq(winnat_expire(n, 120, 1000, NULL), 1);
	winnat_read_counters(n, &c);
	cr_assert_eq(c.sessions, 0);
	cr_assert_eq(c.bindings, 0);
	cr_assert_eq(c.sessions_deleted, 1);
	cr_assert_eq(c.bindings_deleted, 1);
	cr_assert_eq(bindings(n), 0);
	/* the port is free again: another endpoint keeps its own 5000 */
	m2 = UDPP(A2, 5000, R1, 53);
	cr_assert_eq(OUT(n, m2, 200, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(rd(m2).sport, 5000);
	/* and the old reply no longer maps */
	m3 = UDPP(R1, 53, EXT, 5000);
	cr_assert_eq(IN(n, m3, 200, NULL, NULL), WINNAT_TO_INSIDE);
	assert_tu(m3, R1, 53, A2, 5000);
	rte_pktmbuf_free(m1);
	rte_pktmbuf_free(m2);
	rte_pktmbuf_free(m3);
	winnat_free(n);
}

Test(winnat, expire_walks_budget_entries)
{
	struct winnat *n = mknat();

	for (uint16_t i = 0; i < 100; i++) {
		struct rte_mbuf *m = UDPP(A1, (uint16_t)(2000 + i), R1, 53);

		cr_assert_eq(OUT(n, m, 0, NULL, NULL), WINNAT_TO_OUTSIDE);
		rte_pktmbuf_free(m);
	}
	cr_assert_eq(winnat_expire(n, 500, 30, NULL), 30);
	cr_assert_eq(winnat_expire(n, 500, 30, NULL), 30);
	cr_assert_eq(winnat_expire(n, 500, 1000, NULL), 40);
	cr_assert_eq(sessions(n, 500), 0);
	winnat_free(n);
}

static void udp_refresh_case(bool refresh)
{
	struct winnat_config c;

	base_cfg(&c);
	c.udp_inbound_refresh = refresh;
	struct winnat *n = mknat_cfg(&c);
	struct rte_mbuf *o = UDPP(A1, 7000, R1, 53);
	struct rte_mbuf *i = UDPP(R1, 53, EXT, 7000);

	cr_assert_eq(OUT(n, o, 0, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(IN(n, i, 100, NULL, NULL), WINNAT_TO_INSIDE);
	cr_assert_eq(sessions(n, 110), 1);
	cr_assert_eq(sinfo[0].idle, refresh ? 10 : 110);
	cr_assert_eq(sinfo[0].lifetime, 120);
	cr_assert_eq(winnat_expire(n, 120, 100, NULL), refresh ? 0 : 1);
	cr_assert_eq(winnat_expire(n, 220, 100, NULL), refresh ? 1 : 0);
	rte_pktmbuf_free(o);
	rte_pktmbuf_free(i);
	winnat_free(n);
}

Test(winnat, udp_idle_timeout_no_inbound_refresh)
{
	udp_refresh_case(false);
}

Test(winnat, udp_inbound_refresh_true)
{
	udp_refresh_case(true);
}

Test(winnat, fragments_follow_first)
{
	struct winnat *n = mknat();
	enum winnat_drop drop;
	struct rte_mbuf *first = build(&(struct pk){ .proto = UDP, .src = A1, .sport = 4000,
						     .dst = R1, .dport = 53, .plen = 64,
						     .frag = RTE_IPV4_HDR_MF_FLAG, .ipid = 77 });
	struct rte_mbuf *later = build(&(struct pk){ .proto = UDP, .src = A1, .dst = R1,
						     .plen = 40, .frag = 9, .ipid = 77 });
	struct rte_mbuf *orphan = build(&(struct pk){ .proto = UDP, .src = A1, .dst = R1,
						      .plen = 40, .frag = 9, .ipid = 78 });

	cr_assert_eq(OUT(n, first, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	assert_tu(first, EXT, 4000, R1, 53);
	check_csums(first);
	cr_assert_eq(OUT(n, later, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(rte_be_to_cpu_32(iph(later)->src_addr), EXT);
	cr_assert_eq(rte_be_to_cpu_32(iph(later)->dst_addr), R1);
	check_csums(later);
	cr_assert_eq(OUT(n, orphan, 1, NULL, &drop), WINNAT_DROP);
	cr_assert_eq(drop, WINNAT_DROP_FRAGMENT);
	/* the same for replies coming in */
	struct rte_mbuf *rfirst = build(&(struct pk){ .proto = UDP, .src = R1, .sport = 53,
						      .dst = EXT, .dport = 4000, .plen = 64,
						      .frag = RTE_IPV4_HDR_MF_FLAG, .ipid = 5 });
	struct rte_mbuf *rlater = build(&(struct pk){ .proto = UDP, .src = R1, .dst = EXT,
						      .plen = 8, .frag = 9, .ipid = 5 });

	cr_assert_eq(IN(n, rfirst, 2, NULL, NULL), WINNAT_TO_INSIDE);
	cr_assert_eq(IN(n, rlater, 2, NULL, NULL), WINNAT_TO_INSIDE);
	cr_assert_eq(rte_be_to_cpu_32(iph(rlater)->dst_addr), A1);
	check_csums(rlater);
	rte_pktmbuf_free(first);
	rte_pktmbuf_free(later);
	rte_pktmbuf_free(orphan);
	rte_pktmbuf_free(rfirst);
	rte_pktmbuf_free(rlater);
	winnat_free(n);
}

Test(winnat, table_full_keeps_existing_flows)
{
	struct winnat_config c;
	enum winnat_drop drop;

	base_cfg(&c);
	c.max_sessions = 4;
	struct winnat *n = mknat_cfg(&c);

	for (uint16_t i = 0; i < 4; i++) {
		struct rte_mbuf *m = UDPP(A1, (uint16_t)(3000 + i), R1, 53);

		cr_assert_eq(OUT(n, m, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
		rte_pktmbuf_free(m);
	}
	struct rte_mbuf *m5 = UDPP(A1, 3004, R1, 53);
	struct rte_mbuf *m6 = UDPP(A1, 3000, R2, 53); /* new session, old binding */

	cr_assert_eq(OUT(n, m5, 1, NULL, &drop), WINNAT_DROP);
	cr_assert_eq(drop, WINNAT_DROP_TABLE_FULL);
	cr_assert_eq(OUT(n, m6, 1, NULL, &drop), WINNAT_DROP);
	cr_assert_eq(drop, WINNAT_DROP_TABLE_FULL);
	for (uint16_t i = 0; i < 4; i++) {
		struct rte_mbuf *o = UDPP(A1, (uint16_t)(3000 + i), R1, 53);
		struct rte_mbuf *r = UDPP(R1, 53, EXT, (uint16_t)(3000 + i));

		cr_assert_eq(OUT(n, o, 2, NULL, NULL), WINNAT_TO_OUTSIDE);
		cr_assert_eq(IN(n, r, 2, NULL, NULL), WINNAT_TO_INSIDE);
		assert_tu(r, R1, 53, A1, 3000 + i);
		rte_pktmbuf_free(o);
		rte_pktmbuf_free(r);
	}
	struct winnat_counters cnt;

	winnat_read_counters(n, &cnt);
	cr_assert_eq(cnt.drops[WINNAT_DROP_TABLE_FULL], 2);
	cr_assert_eq(cnt.bindings, 4, "no binding left behind by the failed flow");
	rte_pktmbuf_free(m5);
	rte_pktmbuf_free(m6);
	winnat_free(n);
}

Test(winnat, port_pool_exhausted)
{
	struct winnat_config c;
	enum winnat_drop drop;

	base_cfg(&c);
	c.port_min = 2000;
	c.port_max = 2002;
	struct winnat *n = mknat_cfg(&c);
	uint16_t seen[3];

	for (uint16_t i = 0; i < 3; i++) {
		struct rte_mbuf *m = TCPP(A1, (uint16_t)(100 + i), R1, 80, SYN);

		cr_assert_eq(OUT(n, m, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
		seen[i] = rd(m).sport;
		cr_assert(seen[i] >= 2000 && seen[i] <= 2002);
		rte_pktmbuf_free(m);
	}
	cr_assert(seen[0] != seen[1] && seen[1] != seen[2] && seen[0] != seen[2]);
	struct rte_mbuf *m = TCPP(A1, 103, R1, 80, SYN);

	cr_assert_eq(OUT(n, m, 1, NULL, &drop), WINNAT_DROP);
	cr_assert_eq(drop, WINNAT_DROP_PORT_EXHAUSTED);
	cr_assert_str_eq(winnat_drop_text(drop), "NAT port exhausted");
	rte_pktmbuf_free(m);
	/* existing bindings still take new sessions */
	m = TCPP(A1, 100, R2, 80, SYN);
	cr_assert_eq(OUT(n, m, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(rd(m).sport, seen[0]);
	rte_pktmbuf_free(m);
	winnat_free(n);
}

Test(winnat, overlapping_prefixes_in_two_compartments)
{
	struct winnat_config c1, c2;

	base_cfg(&c1);
	base_cfg(&c2);
	c2.compartment = 2;
	c2.external_ip = ip4(192, 168, 1, 71);
	struct winnat *n1 = mknat_cfg(&c1), *n2 = mknat_cfg(&c2);
	struct rte_mbuf *a = UDPP(A1, 5353, R1, 53), *b = UDPP(A1, 5353, R1, 53);

	cr_assert_eq(OUT(n1, a, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(OUT(n2, b, 1, NULL, NULL), WINNAT_TO_OUTSIDE);
	assert_tu(a, EXT, 5353, R1, 53);
	assert_tu(b, ip4(192, 168, 1, 71), 5353, R1, 53);
	struct rte_mbuf *ra = UDPP(R1, 53, EXT, 5353);
	struct rte_mbuf *rb = UDPP(R1, 53, ip4(192, 168, 1, 71), 5353);

	cr_assert_eq(IN(n1, rb, 1, NULL, NULL), WINNAT_PASS, "not n1's address");
	cr_assert_eq(IN(n1, ra, 1, NULL, NULL), WINNAT_TO_INSIDE);
	cr_assert_eq(IN(n2, rb, 1, NULL, NULL), WINNAT_TO_INSIDE);
	assert_tu(ra, R1, 53, A1, 5353);
	assert_tu(rb, R1, 53, A1, 5353);
	cr_assert_eq(sessions(n2, 1), 1);
	cr_assert_eq(sinfo[0].compartment, 2);
	struct winnat_events ev = { 0 };
	struct rte_mbuf *t = TCPP(A1, 1234, R1, 80, SYN);

	cr_assert_eq(OUT(n2, t, 1, &ev, NULL), WINNAT_TO_OUTSIDE);
	cr_assert(strstr(evtext(&ev, 0), "(CompartmentId 2)") != NULL);
	rte_pktmbuf_free(a);
	rte_pktmbuf_free(b);
	rte_pktmbuf_free(ra);
	rte_pktmbuf_free(rb);
	rte_pktmbuf_free(t);
	winnat_free(n1);
	winnat_free(n2);
}

Test(winnat, foreach_session_reports_winnat_fields)
{
	struct winnat *n = mknat();
	struct rte_mbuf *m = TCPP(A2, 49161, R1, 443, SYN);

	cr_assert_eq(OUT(n, m, 10, NULL, NULL), WINNAT_TO_OUTSIDE);
	cr_assert_eq(sessions(n, 15), 1);
	cr_assert_eq(sinfo[0].proto, TCP);
	cr_assert_eq(sinfo[0].compartment, 1);
	cr_assert_eq(sinfo[0].internal.src_ip, A2);
	cr_assert_eq(sinfo[0].internal.src_port, 49161);
	cr_assert_eq(sinfo[0].internal.dst_ip, R1);
	cr_assert_eq(sinfo[0].internal.dst_port, 443);
	cr_assert_eq(sinfo[0].external.src_ip, EXT);
	cr_assert_eq(sinfo[0].external.src_port, 49161);
	cr_assert_eq(sinfo[0].external.dst_ip, R1);
	cr_assert_eq(sinfo[0].external.dst_port, 443);
	cr_assert_eq(sinfo[0].idle, 5);
	cr_assert_eq(sinfo[0].lifetime, 120);
	cr_assert_eq(sinfo[0].configured, false);
	winnat_flush(n);
	cr_assert_eq(sessions(n, 15), 0);
	cr_assert_eq(bindings(n), 0);
	rte_pktmbuf_free(m);
	winnat_free(n);
}

Test(winnat, bad_config_names_field)
{
	struct winnat_config c;
	char err[128] = "";

	base_cfg(&c);
	c.internal_plen = 0;
	cr_assert_null(winnat_create(&c, SOCKET_ID_ANY, err, sizeof(err)));
	cr_assert(strstr(err, "InternalIPInterfaceAddressPrefix") != NULL, "%s", err);
	base_cfg(&c);
	c.max_sessions = 0;
	cr_assert_null(winnat_create(&c, SOCKET_ID_ANY, err, sizeof(err)));
	cr_assert(strstr(err, "max_sessions") != NULL, "%s", err);
}

Test(winnat, invalid_and_passed_packets)
{
	struct winnat *n = mknat();
	enum winnat_drop drop;
	struct rte_mbuf *m = UDPP(A1, 1, R1, 2);

	/* truncated UDP header */
	iph(m)->total_length = rte_cpu_to_be_16(20 + 4);
	rte_pktmbuf_trim(m, 16);
	cr_assert_eq(OUT(n, m, 1, NULL, &drop), WINNAT_DROP);
	cr_assert_eq(drop, WINNAT_DROP_INVALID);
	rte_pktmbuf_free(m);
	/* not TCP/UDP/ICMP */
	m = UDPP(A1, 1, R1, 2);
	iph(m)->next_proto_id = 47;
	cr_assert_eq(OUT(n, m, 1, NULL, &drop), WINNAT_PASS);
	rte_pktmbuf_free(m);
	/* inside to inside */
	m = UDPP(A1, 1, A2, 2);
	cr_assert_eq(OUT(n, m, 1, NULL, &drop), WINNAT_PASS);
	rte_pktmbuf_free(m);
	winnat_free(n);
}

/* ---- readers beside the writer ---- */

struct reader {
	struct winnat *n;
	volatile bool stop;
	unsigned long seen, bad;
};

/* Every flow below has internal port p -> R1:p+1 and keeps p outside:
 * a torn copy would break that. */
static int check_session(void *ctx, const struct winnat_session_info *s)
{
	struct reader *r = ctx;

	r->seen++;
	if (s->internal.dst_port != (uint16_t)(s->internal.src_port + 1) ||
	    s->external.src_port != s->internal.src_port || s->internal.src_ip != A1 ||
	    s->external.src_ip != EXT || s->proto != UDP)
		r->bad++;
	return 0;
}

static int check_binding(void *ctx, const struct winnat_binding_info *b)
{
	struct reader *r = ctx;

	if (b->internal_port != b->external_port || b->internal_ip != A1)
		r->bad++;
	return 0;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct winnat_counters c;

	while (!r->stop) {
		winnat_foreach_session(r->n, 0, check_session, r);
		winnat_foreach_binding(r->n, check_binding, r);
		winnat_read_counters(r->n, &c);
	}
	return NULL;
}

Test(winnat, readers_concurrent_with_writer)
{
	struct winnat *n = mknat();
	struct reader r = { .n = n };
	pthread_t th;

	cr_assert_eq(pthread_create(&th, NULL, reader_main, &r), 0);
	for (uint32_t round = 0; round < 200; round++) {
		for (uint16_t i = 0; i < 200; i++) {
			uint16_t p = (uint16_t)(2000 + ((round * 37 + i * 101) % 20000));
			struct rte_mbuf *m = UDPP(A1, p, R1, (uint16_t)(p + 1));

			OUT(n, m, round * 10, NULL, NULL);
			rte_pktmbuf_free(m);
		}
		winnat_expire(n, round * 10, 300, NULL);
	}
	r.stop = true;
	pthread_join(th, NULL);
	cr_assert_gt(r.seen, 0);
	cr_assert_eq(r.bad, 0, "%lu torn reads of %lu", r.bad, r.seen);
	winnat_free(n);
}

/* The burst path (one bulk lookup) gives every packet what the one-by-one
 * path gives it, in order: new flows, established ones, a flow whose first
 * two packets share the burst, a packet of another network (PASS), an
 * ICMP echo and unsolicited inbound traffic. Two NATs built alike, one fed
 * per packet and one per burst, must agree byte for byte. */
Test(winnat, burst_matches_one_by_one)
{
	struct winnat *one = mknat(), *bulk = mknat();
	struct rte_mbuf *a[12], *b[12];
	uint16_t off[12];
	enum winnat_verdict v[12], want[12];
	enum winnat_drop why[12];
	struct winnat_events ev[12];

	for (int round = 0; round < 3; round++) {
		unsigned n = 0;

/* the builders fill payloads at random: b is a copy of a */
#define BOTH(expr) do { a[n] = (expr); b[n] = rte_pktmbuf_copy(a[n], mp, 0, UINT32_MAX); n++; } while (0)
		BOTH(UDPP(A1, 5000, R1, 53));
		BOTH(UDPP(A1, 5000, R1, 53));          /* same flow, same burst */
		BOTH(TCPP(A2, 40000, R2, 443, round == 0 ? SYN : ACK));
		BOTH(UDPP(ip4(10, 9, 9, 9), 1, R1, 2));  /* not this NAT's: PASS */
		BOTH(ECHO(A1, R2, 77, 8));
		BOTH(UDPP(A2, 6000 + round, R1, 53));  /* new each round */
#undef BOTH
		for (unsigned i = 0; i < n; i++) {
			enum winnat_drop d = WINNAT_DROP_INVALID;

			want[i] = winnat_outbound(one, a[i], L3, 10 + round, NULL, &d);
			off[i] = L3;
			ev[i].n = 0;
			why[i] = WINNAT_DROP_INVALID;
		}
		winnat_translate_burst(bulk, false, b, off, n, 10 + round, ev, v, why);
		for (unsigned i = 0; i < n; i++) {
			cr_assert_eq(v[i], want[i], "round %d packet %u: verdict %d, one by one %d",
				     round, i, v[i], want[i]);
			cr_assert_eq(rte_pktmbuf_data_len(a[i]), rte_pktmbuf_data_len(b[i]), "round %d packet %u: lengths %u %u", round, i, rte_pktmbuf_data_len(a[i]), rte_pktmbuf_data_len(b[i]));
			if (v[i] == WINNAT_TO_OUTSIDE) {
				check_csums(a[i]);
				check_csums(b[i]);
			}
			for (unsigned k = 0; k < rte_pktmbuf_data_len(a[i]); k++)
				cr_assert_eq(rte_pktmbuf_mtod(a[i], uint8_t *)[k],
					     rte_pktmbuf_mtod(b[i], uint8_t *)[k],
					     "round %d packet %u: byte %u differs: %02x %02x", round, i, k,
					     rte_pktmbuf_mtod(a[i], uint8_t *)[k], rte_pktmbuf_mtod(b[i], uint8_t *)[k]);
			if (v[i] == WINNAT_TO_OUTSIDE)
				check_csums(b[i]);
		}
		if (round == 0)
			cr_assert_eq(ev[0].n, 2, "the first packet's events (binding and "
				     "session created) are its own: %u", ev[0].n);
		for (unsigned i = 0; i < n; i++) {
			rte_pktmbuf_free(a[i]);
			rte_pktmbuf_free(b[i]);
		}
	}
	/* replies come back the same way too, inbound, as one burst */
	{
		struct rte_mbuf *ra = UDPP(R1, 53, EXT, 5000);
		struct rte_mbuf *rb = rte_pktmbuf_copy(ra, mp, 0, UINT32_MAX);
		struct rte_mbuf *sa = UDPP(ip4(8, 8, 8, 8), 53, EXT, 5000);
		struct rte_mbuf *sb = rte_pktmbuf_copy(sa, mp, 0, UINT32_MAX);
		struct rte_mbuf *bb[2] = {rb, sb};
		enum winnat_drop d = WINNAT_DROP_INVALID;

		cr_assert_eq(IN(one, ra, 20, NULL, &d), WINNAT_TO_INSIDE);
		cr_assert_eq(IN(one, sa, 20, NULL, &d), WINNAT_DROP);
		winnat_translate_burst(bulk, true, bb, off, 2, 20, NULL, v, why);
		cr_assert_eq(v[0], WINNAT_TO_INSIDE);
		cr_assert_eq(v[1], WINNAT_DROP);
		cr_assert_eq(why[1], WINNAT_DROP_FILTERED);
		cr_assert(memcmp(rte_pktmbuf_mtod(ra, void *), rte_pktmbuf_mtod(rb, void *),
				 rte_pktmbuf_data_len(ra)) == 0);
		assert_tu(rb, R1, 53, A1, 5000);
		rte_pktmbuf_free(ra);
		rte_pktmbuf_free(rb);
		rte_pktmbuf_free(sa);
		rte_pktmbuf_free(sb);
	}
	winnat_free(one);
	winnat_free(bulk);
}

/* any_source (an HNS OutBoundNAT's object): prefix /0 is accepted, every
 * source is inside and every destination outside, even one in the
 * source's own subnet (the caller picked the packet); replies come back. */
Test(winnat, any_source_translates_every_source_and_destination)
{
	struct winnat_config c;
	struct winnat *n;
	enum winnat_drop drop;
	struct rte_mbuf *m;

	base_cfg(&c);
	c.internal_prefix = 0;
	c.internal_plen = 0;
	c.any_source = true;
	n = mknat_cfg(&c);
	m = UDPP(ip4(10, 244, 1, 5), 5353, ip4(10, 244, 2, 7), 53);
	cr_assert_eq(OUT(n, m, 1, NULL, &drop), WINNAT_TO_OUTSIDE);
	assert_tu(m, EXT, 5353, ip4(10, 244, 2, 7), 53);
	check_csums(m);
	rte_pktmbuf_free(m);
	m = UDPP(ip4(10, 244, 2, 7), 53, EXT, 5353);
	cr_assert_eq(IN(n, m, 2, NULL, &drop), WINNAT_TO_INSIDE);
	assert_tu(m, ip4(10, 244, 2, 7), 53, ip4(10, 244, 1, 5), 5353);
	rte_pktmbuf_free(m);
	winnat_free(n);
}
