/* The L2Bridge/Private layer (vswitch/l2bridge.h): the view built from the
 * ports' endpoint entries, the source rewrite (ARP sha included, behind
 * VLAN tags), the neighbour advertisement built in place (checksum checked
 * by an independent computation), and live VLAN changes of a port with
 * their flood sets. Needs EAL for mbufs and rte_malloc. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "eal_fixture.h"
#include "l2bridge_ctl.h"

static struct rte_mempool *pool;

/* A port set's ports 0..63 (the tests use no others: those must be empty). */
static uint64_t lo64(portset_t s)
{
	for (unsigned i = 1; i < PORTSET_WORDS; i++)
		cr_assert_eq(s.w[i], 0, "ports past 63 in a set: word %u 0x%lx", i,
			     (unsigned long)s.w[i]);
	return s.w[0];
}

/* The ports it holds as {0..VS_MAX_PORTS-1} less the ports in low. */
static bool all_but(portset_t s, uint64_t low)
{
	portset_t want = portset_full();

	want.w[0] &= ~low;
	return portset_equal(&s, &want);
}

static void setup(void)
{
	test_eal_init();
	pool = rte_pktmbuf_pool_create("unit_mbufs", 63, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	cr_assert_not_null(pool);
}

static void teardown(void)
{
	rte_mempool_free(pool);
	pool = NULL;
	test_eal_cleanup();
}

static const struct rte_ether_addr H = {{0x02, 0x15, 0x5d, 0xaa, 0xbb, 0xcc}};
static const struct rte_ether_addr E1 = {{0x02, 0, 0, 0, 0x10, 0x05}};

static struct l2b_port_entry entry(enum l2b_net_type type, const char *net,
				   int uplink, uint32_t ip)
{
	struct l2b_port_entry e = {.used = true, .type = type, .uplink = uplink,
				   .has_ip4 = true, .ip4 = ip, .host_mac = H, .mac = E1};

	snprintf(e.net_id, sizeof(e.net_id), "%s", net);
	return e;
}

static struct rte_mbuf *frame(const uint8_t *bytes, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	cr_assert_not_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), bytes, len);
	return m;
}

TestSuite(l2b, .init = setup, .fini = teardown);

Test(l2b, no_view_without_l2bridge_or_private_endpoints)
{
	struct l2b_port_entry e[VS_MAX_PORTS] = {0};
	bool oom;

	cr_assert_null(l2b_view_build(e, &oom));
	cr_assert(!oom);
	e[1] = entry(L2B_NET_TRANSPARENT, "t", 0, 0x0a000005);
	cr_assert_null(l2b_view_build(e, &oom), "Transparent is plain L2");
}

Test(l2b, l2bridge_endpoints_group_by_network)
{
	struct l2b_port_entry e[VS_MAX_PORTS] = {0};
	struct l2b_view *v;
	bool oom;

	e[1] = entry(L2B_NET_L2BRIDGE, "a", 0, 0x0a000005);
	e[2] = entry(L2B_NET_L2BRIDGE, "a", 0, 0x0a000006);
	e[3] = entry(L2B_NET_L2BRIDGE, "b", 4, 0x0a000007);
	v = l2b_view_build(e, &oom);
	cr_assert_not_null(v);
	cr_assert_eq(v->nb_nets, 2);
	cr_assert_eq(v->nb_eps, 3);
	cr_assert_eq(v->port_net[1], v->port_net[2]);
	cr_assert_neq(v->port_net[1], v->port_net[3]);
	cr_assert_eq(v->port_net[0], -1);
	cr_assert_eq(lo64(v->ingress_ports), 0x1fu, "uplinks 0, 4 and ports 1-3: 0x%lx",
		     (unsigned long)lo64(v->ingress_ports));
	cr_assert_eq(v->eps[0].ip4, htonl(0x0a000005));
	cr_assert_eq(lo64(v->nets[v->port_net[1]].ports), 0x6u);
	for (unsigned p = 0; p < VS_MAX_PORTS; p++)
		cr_assert(all_but(v->allowed[p], 0), "no Private: all allowed");
	rte_free(v);
}

Test(l2b, private_ports_reach_only_each_other)
{
	struct l2b_port_entry e[VS_MAX_PORTS] = {0};
	struct l2b_view *v;
	bool oom;

	e[1] = entry(L2B_NET_PRIVATE, "p", -1, 0x0a000005);
	e[2] = entry(L2B_NET_PRIVATE, "p", -1, 0x0a000006);
	e[5] = entry(L2B_NET_PRIVATE, "q", -1, 0x0a000007);
	v = l2b_view_build(e, &oom);
	cr_assert_not_null(v);
	cr_assert_eq(lo64(v->allowed[1]), 0x6u);
	cr_assert_eq(lo64(v->allowed[2]), 0x6u);
	cr_assert_eq(lo64(v->allowed[5]), 0x20u);
	cr_assert(all_but(v->allowed[0], 0x26), "uplink: all but 1, 2, 5");
	cr_assert_eq(lo64(v->ingress_ports), 0u, "no rewrite for Private");
	cr_assert_eq(v->nb_eps, 0);
	rte_free(v);
}

Test(l2b, source_rewrite_reaches_arp_sha_behind_a_tag)
{
	const uint8_t in[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0x10, 0x05,
		0x81, 0x00, 0x00, 0x0a, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
		0x02, 0, 0, 0, 0x10, 0x05, 10, 0, 0, 5,
		0, 0, 0, 0, 0, 0, 10, 0, 0, 1};
	struct rte_mbuf *m = frame(in, sizeof(in));
	const uint8_t *p;
	rte_be16_t type;

	cr_assert_eq(frame_l3_offset(m, &type), 18);
	cr_assert_eq(type, RTE_BE16(RTE_ETHER_TYPE_ARP));
	l2b_rewrite_source(m, &E1, &H);
	p = rte_pktmbuf_mtod(m, const uint8_t *);
	cr_assert_eq(memcmp(p + 6, H.addr_bytes, 6), 0, "Ethernet source");
	cr_assert_eq(memcmp(p + 18 + 8, H.addr_bytes, 6), 0, "ARP sha");
	cr_assert_eq(memcmp(p + 12, in + 12, 6 + 8), 0, "tag and ARP header kept");
	cr_assert_eq(memcmp(p + 18 + 14, in + 18 + 14, 14), 0, "spa, tha, tpa kept");
	rte_pktmbuf_free(m);
}

/* Independent ICMPv6 checksum: pseudo-header + body, ones' complement. */
static uint16_t icmp6_sum(const uint8_t *ip6, const uint8_t *body, uint32_t len)
{
	uint32_t s = 0;

	for (int i = 8; i < 40; i += 2) /* src and dst */
		s += (uint32_t)(ip6[i] << 8 | ip6[i + 1]);
	s += len + 58;
	for (uint32_t i = 0; i < len; i += 2)
		s += (uint32_t)(body[i] << 8 | (i + 1 < len ? body[i + 1] : 0));
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

Test(l2b, neighbour_solicitation_becomes_an_advertisement)
{
	uint8_t in[14 + 40 + 32] = {0};
	uint8_t target[16], asker[16], want_tgt[16];
	struct rte_mbuf *m;
	const uint8_t *p;

	inet_pton(AF_INET6, "fd00::5", want_tgt);
	inet_pton(AF_INET6, "fd00::1", asker);
	memcpy(in, "\x33\x33\xff\x00\x00\x05\x02\x00\x00\x00\x99\x01\x86\xdd", 14);
	in[14] = 0x60;
	in[14 + 5] = 32;   /* payload length */
	in[14 + 6] = 58;   /* ICMPv6 */
	in[14 + 7] = 255;  /* hop limit */
	memcpy(in + 14 + 8, asker, 16);
	inet_pton(AF_INET6, "ff02::1:ff00:5", in + 14 + 24);
	in[54] = 135;
	memcpy(in + 54 + 8, want_tgt, 16);
	in[54 + 24] = 1; /* source link-layer option */
	in[54 + 25] = 1;
	m = frame(in, sizeof(in));
	cr_assert(l2b_ns_target(m, 14, target));
	cr_assert_eq(memcmp(target, want_tgt, 16), 0);
	cr_assert_eq(l2b_na_in_place(m, 14, target, &H), 0);
	p = rte_pktmbuf_mtod(m, const uint8_t *);
	cr_assert_eq(rte_pktmbuf_pkt_len(m), 14 + 40 + 32);
	cr_assert_eq(memcmp(p, "\x02\x00\x00\x00\x99\x01", 6), 0, "to the asker");
	cr_assert_eq(memcmp(p + 6, H.addr_bytes, 6), 0, "from H");
	cr_assert_eq(memcmp(p + 14 + 8, want_tgt, 16), 0, "IPv6 source = target");
	cr_assert_eq(memcmp(p + 14 + 24, asker, 16), 0, "IPv6 destination = asker");
	cr_assert_eq(p[54], 136);
	cr_assert_eq(p[54 + 4], 0x60, "solicited, override");
	cr_assert_eq(p[54 + 24], 2, "target link-layer option");
	cr_assert_eq(memcmp(p + 54 + 26, H.addr_bytes, 6), 0);
	cr_assert_eq(icmp6_sum(p + 14, p + 54, 32), 0xffff, "checksum verifies");
	rte_pktmbuf_free(m);
}

/* An ND message of the given type from E1 (behind tag_len bytes of VLAN
 * tag) with one link-layer option of type opt holding mac. */
static struct rte_mbuf *nd_frame(uint8_t icmp_type, uint16_t opt_at, uint8_t opt,
				 const struct rte_ether_addr *mac, bool tagged)
{
	uint8_t in[18 + 40 + 64] = {0};
	uint16_t l3 = tagged ? 18 : 14, len = (uint16_t)(opt_at + 8);
	uint8_t *ip = in + l3, *icmp = ip + 40;
	uint16_t ck;

	memcpy(in, "\x33\x33\x00\x00\x00\x01", 6);
	memcpy(in + 6, E1.addr_bytes, 6);
	if (tagged)
		memcpy(in + 12, "\x81\x00\x00\x0a", 4);
	memcpy(in + l3 - 2, "\x86\xdd", 2);
	ip[0] = 0x60;
	ip[5] = (uint8_t)len;
	ip[6] = 58;
	ip[7] = 255;
	inet_pton(AF_INET6, "fd00::5", ip + 8);
	inet_pton(AF_INET6, "ff02::1", ip + 24);
	icmp[0] = icmp_type;
	inet_pton(AF_INET6, "fd00::5", icmp + 8); /* NS/NA target */
	icmp[opt_at] = opt;
	icmp[opt_at + 1] = 1;
	memcpy(icmp + opt_at + 2, mac->addr_bytes, 6);
	ck = htons((uint16_t)~icmp6_sum(ip, icmp, len));
	memcpy(icmp + 2, &ck, 2);
	return frame(in, l3 + 40u + len);
}

Test(l2b, nd_link_layer_options_name_the_host_mac)
{
	static const struct {
		uint8_t type, opt;
		uint16_t at;
		bool tagged;
	} cases[] = {
		{135, 1, 24, false}, /* NS, source link-layer address */
		{136, 2, 24, true},  /* NA, target link-layer address, tagged */
		{133, 1, 8, false},  /* RS */
	};

	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		struct rte_mbuf *m = nd_frame(cases[i].type, cases[i].at, cases[i].opt, &E1,
					      cases[i].tagged);
		uint16_t l3 = cases[i].tagged ? 18 : 14;
		const uint8_t *p;

		l2b_rewrite_source(m, &E1, &H);
		p = rte_pktmbuf_mtod(m, const uint8_t *);
		cr_assert_eq(memcmp(p + 6, H.addr_bytes, 6), 0, "case %u: Ethernet source", i);
		cr_assert_eq(memcmp(p + l3 + 40 + cases[i].at + 2, H.addr_bytes, 6), 0,
			     "case %u: the option names H", i);
		cr_assert_eq(icmp6_sum(p + l3, p + l3 + 40, cases[i].at + 8u), 0xffff,
			     "case %u: checksum verifies", i);
		rte_pktmbuf_free(m);
	}
}

Test(l2b, nd_option_naming_another_mac_is_left_alone)
{
	static const struct rte_ether_addr other = {{0x02, 0, 0, 0, 0x77, 0x77}};
	struct rte_mbuf *m = nd_frame(135, 24, 1, &other, false);
	uint8_t before[14 + 40 + 32];

	memcpy(before, rte_pktmbuf_mtod(m, const uint8_t *), sizeof(before));
	l2b_rewrite_source(m, &E1, &H);
	cr_assert_eq(memcmp(rte_pktmbuf_mtod(m, const uint8_t *) + 6, H.addr_bytes, 6), 0);
	cr_assert_eq(memcmp(rte_pktmbuf_mtod(m, const uint8_t *) + 12, before + 12,
			    sizeof(before) - 12), 0,
		     "only the Ethernet source changes");
	rte_pktmbuf_free(m);
}

Test(l2b, dad_solicitation_is_not_answered)
{
	uint8_t in[14 + 40 + 24] = {0};
	uint8_t target[16];
	struct rte_mbuf *m;

	memcpy(in, "\x33\x33\xff\x00\x00\x05\x02\x00\x00\x00\x99\x01\x86\xdd", 14);
	in[14] = 0x60;
	in[14 + 5] = 24;
	in[14 + 6] = 58;
	in[14 + 7] = 255;
	in[54] = 135;
	m = frame(in, sizeof(in));
	cr_assert(!l2b_ns_target(m, 14, target), "unspecified source: DAD");
	rte_pktmbuf_free(m);
}

Test(l2b, live_vlan_change_moves_the_port_between_flood_sets)
{
	struct vswitch *sw = calloc(1, sizeof(*sw));
	struct vlan_config access10, trunk;

	cr_assert_not_null(sw);
	sw->nb_ports = 2;
	for (uint16_t p = 0; p < 2; p++) {
		sw->ports[p].in_use = true;
		vlan_config_init(&sw->ports[p].vlan);
	}
	vswitch_build_flood_members(sw);
	cr_assert_eq(lo64(sw->flood_members[0]), 0x3u);
	vlan_config_init(&access10);
	access10.mode = VLAN_MODE_ACCESS;
	access10.access_vid = 10;
	l2b_port_set_vlan(sw, 1, &access10);
	cr_assert_eq(sw->ports[1].vlan.mode, VLAN_MODE_ACCESS);
	cr_assert_eq(sw->ports[1].vlan.access_vid, 10);
	cr_assert_eq(lo64(sw->flood_members[0]), 0x1u);
	cr_assert_eq(lo64(sw->flood_members[10]), 0x2u);
	vlan_config_init(&trunk);
	trunk.mode = VLAN_MODE_TRUNK;
	vlan_bitmap_set(trunk.allowed, 10);
	l2b_port_set_vlan(sw, 0, &trunk);
	cr_assert_eq(lo64(sw->flood_members[0]), 0x1u, "native 0");
	cr_assert_eq(lo64(sw->flood_members[10]), 0x3u);
	vlan_config_init(&access10); /* back to Untagged */
	l2b_port_set_vlan(sw, 1, &access10);
	cr_assert_eq(lo64(sw->flood_members[0]), 0x3u);
	cr_assert_eq(lo64(sw->flood_members[10]), 0x1u);
	for (unsigned vid = 0; vid < VLAN_ID_COUNT; vid++)
		if (vid != 0 && vid != 10)
			cr_assert_eq(lo64(sw->flood_members[vid]), 0u, "vid %u", vid);
	free(sw);
}

/* ---- remote endpoints and SDNRoute prefixes in the view ---- */

static struct l2b_remote_entry remote(const char *net, uint32_t ip, uint8_t last, bool by_route)
{
	struct l2b_remote_entry r = {.ip4 = ip, .by_route = by_route,
				     .mac = {{0x02, 0x33, 0, 0, 0, last}}};

	snprintf(r.net_id, sizeof(r.net_id), "%s", net);
	return r;
}

Test(l2b, thousands_of_remotes_are_found_by_hash)
{
	struct l2b_port_entry e[VS_MAX_PORTS] = {0};
	enum { N = 5000 };
	struct l2b_remote_entry *rs = calloc(N + 2, sizeof(*rs));
	struct l2b_view *v;
	bool oom;

	cr_assert_not_null(rs);
	e[1] = entry(L2B_NET_L2BRIDGE, "a", 0, 0x0a000005);
	for (uint32_t i = 0; i < N; i++)
		rs[i] = remote("a", 0x0a010000 + i, (uint8_t)i, i % 2 == 0);
	rs[N] = remote("a", 0x0a010000, 0xee, false);     /* a second with one address */
	rs[N + 1] = remote("nolocal", 0x0b000001, 1, false); /* no endpoint of its net here */
	v = l2b_view_build_remotes(e, rs, N + 2, &oom);
	cr_assert_not_null(v);
	cr_assert_eq(v->nb_remotes, (uint32_t)N, "%u", v->nb_remotes);
	cr_assert_geq(v->remote_mask + 1, 2u * N, "at most half full");
	for (uint32_t i = 0; i < N; i++) {
		const struct l2b_remote *r = l2b_remote_by_ip4(v, htonl(0x0a010000 + i));

		cr_assert_not_null(r, "remote %u", i);
		cr_assert_eq(r->mac.addr_bytes[5], (uint8_t)i);
		cr_assert_eq(r->by_route, i % 2 == 0);
		cr_assert_eq(r->net, v->port_net[1]);
	}
	cr_assert_eq(l2b_remote_by_ip4(v, htonl(0x0a010000))->mac.addr_bytes[5], 0,
		     "of two with one address the first stays");
	cr_assert_null(l2b_remote_by_ip4(v, htonl(0x0b000001)), "a network without a local endpoint");
	cr_assert_null(l2b_remote_by_ip4(v, htonl(0x0a000005)), "a local endpoint is no remote");
	cr_assert_null(l2b_remote_by_ip4(v, htonl(0x0a020000)));
	rte_free(v);
	free(rs);
}

Test(l2b, no_remotes_no_lookup)
{
	struct l2b_port_entry e[VS_MAX_PORTS] = {0};
	struct l2b_view *v;
	bool oom;

	e[1] = entry(L2B_NET_L2BRIDGE, "a", 0, 0x0a000005);
	v = l2b_view_build(e, &oom);
	cr_assert_not_null(v);
	cr_assert_eq(v->nb_remotes, 0u);
	cr_assert_null(l2b_remote_by_ip4(v, htonl(0x0a000005)));
	cr_assert_eq(lo64(v->route_ports), 0u, "no SDNRoute: no port scans prefixes");
	rte_free(v);
}

Test(l2b, routes_and_the_host_vnic_per_network)
{
	struct l2b_port_entry e[VS_MAX_PORTS] = {0};
	struct l2b_view *v;
	bool oom;

	e[1] = entry(L2B_NET_L2BRIDGE, "a", 0, 0x0a000005);
	e[1].nb_routes = 2;
	e[1].routes[0] = (struct l2b_route){htonl(0x0a600000), htonl(0xfff00000)};
	e[1].routes[1] = (struct l2b_route){htonl(0xc0000202), htonl(0xffffffff)};
	e[2] = entry(L2B_NET_L2BRIDGE, "a", 0, 0x0a000002);
	e[2].host_vnic = true;
	e[2].mac = (struct rte_ether_addr){{0x02, 0, 0, 0, 0x10, 0x02}};
	e[3] = entry(L2B_NET_L2BRIDGE, "b", 4, 0x0a000007);
	v = l2b_view_build(e, &oom);
	cr_assert_not_null(v);
	cr_assert_eq(lo64(v->route_ports), 0x2u);
	cr_assert_eq(v->nb_routes[1], 2);
	cr_assert_eq(v->nets[v->port_net[1]].host_port, 2);
	cr_assert_eq(v->nets[v->port_net[1]].host_vnic_mac.addr_bytes[5], 0x02);
	cr_assert_eq(v->nets[v->port_net[3]].host_port, -1, "b has no host vNIC");
	rte_free(v);
}

Test(l2b, route_prefix_match)
{
	const struct l2b_route r[] = {
		{htonl(0x0a600000), htonl(0xfff00000)}, /* 10.96.0.0/12 */
		{htonl(0xc0000202), htonl(0xffffffff)}, /* 192.0.2.2/32 */
	};
	const struct l2b_route all = {0, 0};
	uint8_t which = 99;

	cr_assert(l2b_route_match(r, 2, htonl(0x0a600001), &which));
	cr_assert_eq(which, 0);
	cr_assert(l2b_route_match(r, 2, htonl(0x0a6fffff), &which), "last of the /12");
	cr_assert_not(l2b_route_match(r, 2, htonl(0x0a700000), &which), "past the /12");
	cr_assert(l2b_route_match(r, 2, htonl(0xc0000202), &which));
	cr_assert_eq(which, 1);
	cr_assert_not(l2b_route_match(r, 2, htonl(0xc0000203), &which), "/32 is one address");
	cr_assert_not(l2b_route_match(r, 0, htonl(0x0a600001), &which), "no prefixes");
	cr_assert(l2b_route_match(&all, 1, htonl(0x08080808), &which), "/0 holds all");
}
