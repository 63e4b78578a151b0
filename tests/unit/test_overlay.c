/* The Overlay layer (vswitch/dataplane/overlay.h, control/overlay_ctl.h):
 * the view built from a spec (subnets masked, port sets, defaults, routes
 * sorted longest prefix first), the route lookup (longest prefix among
 * RemoteSubnetRoutes and remote endpoints, per network) and the
 * encapsulation of a whole pod frame (inner MACs rewritten, outer headers
 * checked field by field, and decapsulated back to the same inner frame).
 * Needs EAL for mbufs and rte_malloc. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>
#include <rte_vxlan.h>

#include "eal_fixture.h"
#include "overlay_ctl.h"
#include "vxlan.h"

static struct rte_mempool *pool;
static struct vswitch *sw;

static void setup(void)
{
	test_eal_init();
	pool = rte_pktmbuf_pool_create("unit_mbufs", 63, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	cr_assert_not_null(pool);
	sw = calloc(1, sizeof(*sw)); /* no ports in use: MTU 1500, VLAN 0 */
	cr_assert_not_null(sw);
}

static void teardown(void)
{
	ov_fini(sw);
	free(sw);
	rte_mempool_free(pool);
	pool = NULL;
	test_eal_cleanup();
}

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const struct rte_ether_addr DR = {{0x02, 0x15, 0x5d, 0, 0, 0x01}};
static const struct rte_ether_addr DR_B = {{0x0e, 0x2a, 0x0a, 0xf4, 0x02, 0x01}};
static const struct rte_ether_addr POD = {{0x0e, 0x2a, 0x0a, 0xf4, 0x01, 0x02}};
static const struct rte_ether_addr UP = {{0x02, 0, 0, 0, 0x99, 0x01}};

static void add_net(struct ov_spec *s, uint32_t subnet, uint32_t vni)
{
	struct ov_spec_net *n = &s->nets[s->nb_nets++];

	memset(n, 0, sizeof(*n));
	n->vni = vni;
	n->subnet = subnet | 0x33; /* host bits: masked by the build */
	n->plen = 24;
	n->gw = subnet + 1;
	n->dr_mac = DR;
	n->pa = IP4(10, 99, 0, 1);
	n->uplink = 0;
}

static void add_route(struct ov_spec *s, uint8_t net, uint32_t prefix, uint8_t plen,
		      uint32_t pa)
{
	struct ov_spec_route *r = &s->routes[s->nb_routes++];

	memset(r, 0, sizeof(*r));
	r->net = net;
	r->prefix = prefix;
	r->plen = plen;
	r->vni = 4096;
	r->pa = pa;
	r->dr_mac = DR_B;
}

static void add_ep(struct ov_spec *s, uint8_t net, uint16_t port, uint32_t ip)
{
	struct ov_spec_ep *e = &s->eps[s->nb_eps++];

	memset(e, 0, sizeof(*e));
	e->net = net;
	e->port = port;
	e->ip = ip;
	e->mac = POD;
}

TestSuite(overlay, .init = setup, .fini = teardown);

Test(overlay, no_view_without_local_endpoints)
{
	struct ov_spec *s = calloc(1, sizeof(*s));
	char err[128];

	add_net(s, IP4(10, 244, 1, 0), 4096);
	add_route(s, 0, IP4(10, 244, 2, 0), 24, IP4(10, 99, 0, 2));
	cr_assert_null(ov_view_build(sw, s, err, sizeof(err)));
	cr_assert_str_empty(err, "no endpoint is no error: %s", err);
	free(s);
}

Test(overlay, view_fields_ports_and_defaults)
{
	struct ov_spec *s = calloc(1, sizeof(*s));
	struct ov_view *v;
	char err[128];

	add_net(s, IP4(10, 244, 1, 0), 4096);
	s->nets[0].udp_port = 0;
	add_ep(s, 0, 3, IP4(10, 244, 1, 2));
	add_ep(s, 0, 5, IP4(10, 244, 1, 3));
	v = ov_view_build(sw, s, err, sizeof(err));
	cr_assert_not_null(v, "%s", err);
	cr_assert_eq(v->nets[0].subnet, IP4(10, 244, 1, 0));
	cr_assert_eq(v->nets[0].mask, 0xffffff00u);
	cr_assert_eq(v->nets[0].udp_port, 4789, "VxlanPort defaults to 4789");
	cr_assert_eq(v->nets[0].mtu, 1500);
	cr_assert(portset_test(&v->ep_ports, 3) && portset_test(&v->ep_ports, 5));
	cr_assert_eq(portset_count(&v->ep_ports), 2);
	cr_assert(portset_test(&v->uplink_ports, 0));
	cr_assert_eq(portset_count(&v->uplink_ports), 1);
	cr_assert_eq(v->port_net[3], 0);
	cr_assert_eq(v->port_net[4], -1);
	cr_assert_not_null(ov_ep_by_ip(v, 0, IP4(10, 244, 1, 3)));
	cr_assert_eq(ov_ep_by_ip(v, 0, IP4(10, 244, 1, 3))->port, 5);
	cr_assert_null(ov_ep_by_ip(v, 0, IP4(10, 244, 1, 4)));
	ov_view_publish(sw, v);
	cr_assert_eq(ov_view_get(sw), v);
	ov_view_publish(sw, NULL);
	cr_assert_null(ov_view_get(sw));
	free(s);
}

Test(overlay, out_of_range_port_refused)
{
	struct ov_spec *s = calloc(1, sizeof(*s));
	char err[128];

	add_net(s, IP4(10, 244, 1, 0), 4096);
	add_ep(s, 0, VS_MAX_PORTS, IP4(10, 244, 1, 2));
	cr_assert_null(ov_view_build(sw, s, err, sizeof(err)));
	cr_assert(strstr(err, "out of range") != NULL, "%s", err);
	free(s);
}

Test(overlay, longest_prefix_wins_per_network)
{
	struct ov_spec *s = calloc(1, sizeof(*s));
	const struct ov_route *r;
	struct ov_view *v;
	char err[128];

	add_net(s, IP4(10, 244, 1, 0), 4096);
	add_net(s, IP4(10, 250, 1, 0), 5000);
	add_ep(s, 0, 1, IP4(10, 244, 1, 2));
	/* given shortest first: the build sorts */
	add_route(s, 0, IP4(10, 0, 0, 0), 8, IP4(10, 99, 0, 8));
	add_route(s, 0, IP4(10, 244, 0, 0), 16, IP4(10, 99, 0, 16));
	add_route(s, 0, IP4(10, 244, 2, 0), 24, IP4(10, 99, 0, 24));
	add_route(s, 0, IP4(10, 244, 2, 5), 32, IP4(10, 99, 0, 32)); /* a remote endpoint */
	add_route(s, 1, IP4(10, 244, 2, 0), 25, IP4(10, 99, 0, 99)); /* the other network's */
	v = ov_view_build(sw, s, err, sizeof(err));
	cr_assert_not_null(v, "%s", err);
	for (uint16_t i = 1; i < v->nb_routes; i++)
		cr_assert_geq(v->routes[i - 1].plen, v->routes[i].plen);
	r = ov_route_lookup(v, 0, IP4(10, 244, 2, 5));
	cr_assert(r != NULL && r->pa == IP4(10, 99, 0, 32));
	r = ov_route_lookup(v, 0, IP4(10, 244, 2, 6));
	cr_assert(r != NULL && r->pa == IP4(10, 99, 0, 24), "the /25 is network 1's");
	r = ov_route_lookup(v, 0, IP4(10, 244, 9, 1));
	cr_assert(r != NULL && r->pa == IP4(10, 99, 0, 16));
	r = ov_route_lookup(v, 0, IP4(10, 1, 1, 1));
	cr_assert(r != NULL && r->pa == IP4(10, 99, 0, 8));
	cr_assert_null(ov_route_lookup(v, 0, IP4(192, 168, 1, 1)));
	r = ov_route_lookup(v, 1, IP4(10, 244, 2, 6));
	cr_assert(r != NULL && r->pa == IP4(10, 99, 0, 99));
	cr_assert_null(ov_route_lookup(v, 1, IP4(10, 244, 2, 200)));
	/* which routes a burst may reuse for any address in them: those with
	 * no longer route of their network inside (network 1's /25 is not) */
	for (uint16_t i = 0; i < v->nb_routes; i++) {
		const struct ov_route *x = &v->routes[i];

		cr_assert_eq(x->no_longer_inside, x->plen >= 25,
			     "/%u of network %u: no_longer_inside %d", x->plen, x->net,
			     x->no_longer_inside);
	}
	ov_view_publish(sw, v);
	free(s);
}

/* A pod's UDP frame to the DR: Ethernet, IPv4 (TTL 63), UDP, payload. */
static struct rte_mbuf *pod_frame(uint16_t payload)
{
	static uint8_t p[1600];
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint16_t len = (uint16_t)(14 + 20 + 8 + payload);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + 14);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	char *dst;

	cr_assert_not_null(m);
	memset(p, 0, len);
	memcpy(p, &DR, 6);
	memcpy(p + 6, &POD, 6);
	p[12] = 0x08;
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)(20 + 8 + payload));
	ip->time_to_live = 63;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = htonl(IP4(10, 244, 1, 2));
	ip->dst_addr = htonl(IP4(10, 244, 2, 5));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = htons(1234);
	udp->dst_port = htons(5678);
	udp->dgram_len = htons((uint16_t)(8 + payload));
	for (uint16_t i = 0; i < payload; i++)
		p[42 + i] = (uint8_t)i;
	dst = rte_pktmbuf_append(m, len);
	cr_assert_not_null(dst);
	memcpy(dst, p, len);
	return m;
}

Test(overlay, encap_of_a_pod_frame_and_back)
{
	struct ov_net n = {.vni = 4096, .dr_mac = DR, .pa = IP4(10, 99, 0, 1),
			   .udp_port = 4789, .mtu = 1500};
	struct ov_route r = {.vni = 4097, .pa = IP4(10, 99, 0, 2), .dr_mac = DR_B, .plen = 24};
	struct rte_mbuf *m = pod_frame(1000), *want = pod_frame(1000);
	uint8_t *w = rte_pktmbuf_mtod(want, uint8_t *);
	uint16_t sport = vxlan_src_port(want); /* the inner flow's: MACs not hashed */
	const uint8_t *p;
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	const struct rte_vxlan_hdr *vx;
	struct vxlan_outer o;

	memcpy(w, &DR_B, 6); /* the inner frame as it must leave */
	memcpy(w + 6, &DR, 6);
	cr_assert_eq(ov_route_prepare(&n, &r), 0);
	cr_assert_eq(ov_encap(m, &r, &UP, vxlan_src_port(m)), 0);
	cr_assert_eq(rte_pktmbuf_pkt_len(m), rte_pktmbuf_pkt_len(want) + 50);
	p = rte_pktmbuf_mtod(m, const uint8_t *);
	cr_assert_arr_eq(p + 6, &UP, 6, "outer source = the uplink's MAC");
	cr_assert_eq(p[12], 0x08);
	cr_assert_eq(p[13], 0x00);
	ip = (const struct rte_ipv4_hdr *)(p + 14);
	cr_assert_eq(ip->version_ihl, 0x45);
	cr_assert_eq(ntohs(ip->total_length), 1042 + 36);
	cr_assert_eq(ntohs(ip->fragment_offset), RTE_IPV4_HDR_DF_FLAG, "DF set");
	cr_assert_eq(ip->time_to_live, 64);
	cr_assert_eq(ip->next_proto_id, IPPROTO_UDP);
	cr_assert_eq(ntohl(ip->src_addr), IP4(10, 99, 0, 1));
	cr_assert_eq(ntohl(ip->dst_addr), IP4(10, 99, 0, 2));
	{
		struct rte_ipv4_hdr copy = *ip;

		copy.hdr_checksum = 0;
		cr_assert_eq(rte_ipv4_cksum(&copy), ip->hdr_checksum, "outer IPv4 checksum");
	}
	udp = (const struct rte_udp_hdr *)(ip + 1);
	cr_assert_eq(ntohs(udp->src_port), sport);
	cr_assert_eq(ntohs(udp->dst_port), 4789);
	cr_assert_eq(ntohs(udp->dgram_len), 1042 + 16);
	cr_assert_eq(udp->dgram_cksum, 0);
	vx = (const struct rte_vxlan_hdr *)(udp + 1);
	cr_assert_eq(ntohl(vx->vx_flags), 0x08000000u);
	cr_assert_eq(ntohl(vx->vx_vni) >> 8, 4097, "the route's VNI");
	cr_assert_arr_eq(p + 50, w, rte_pktmbuf_pkt_len(want),
			 "inner frame: DR_B <- DR, the rest untouched");
	cr_assert_eq(vxlan_decap(m, 4789, &o), VXLAN_DECAP_OK);
	cr_assert_eq(o.vni, 4097);
	cr_assert_eq(o.dst_ip, IP4(10, 99, 0, 2));
	cr_assert_eq(rte_pktmbuf_pkt_len(m), rte_pktmbuf_pkt_len(want));
	cr_assert_arr_eq(rte_pktmbuf_mtod(m, uint8_t *), w, rte_pktmbuf_pkt_len(want));
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(want);
}
