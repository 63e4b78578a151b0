/* The one egress decision (vswitch/dataplane/egress.h): the predicate's
 * steps and their drop reasons (source port, Private isolation, VLAN
 * egress; VFP egress with no policy passes), the sources it is asked for
 * (a switched frame, one under an L2Bridge/Private view, a routed one) and
 * the flood mask that is its form for every port at once. No EAL: with no
 * VFP policy on the out port the predicate does not read the frame. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "egress.h"

static struct worker *w;
static struct vswitch *sw;
static struct vfp *vfp; /* no policy on any port */

static void setup(void)
{
	w = calloc(1, sizeof(*w));
	sw = calloc(1, sizeof(*sw));
	vfp = calloc(1, sizeof(*vfp));
	cr_assert(w != NULL && sw != NULL && vfp != NULL);
	w->sw = sw;
	sw->vfp = vfp;
	sw->nb_ports = 6;
	for (unsigned p = 0; p < 6; p++) {
		sw->ports[p].in_use = true;
		vlan_config_init(&sw->ports[p].vlan);
	}
	/* port 3: Access 10; port 4: Trunk native 1, allowed 10 */
	sw->ports[3].vlan.mode = VLAN_MODE_ACCESS;
	sw->ports[3].vlan.access_vid = 10;
	sw->ports[4].vlan.mode = VLAN_MODE_TRUNK;
	sw->ports[4].vlan.native_vid = 1;
	vlan_bitmap_set(sw->ports[4].vlan.allowed, 10);
	vswitch_build_flood_members(sw);
}

static void teardown(void)
{
	free(vfp);
	free(sw);
	free(w);
}

TestSuite(egress, .init = setup, .fini = teardown);

/* egress_flood_mask's ports 0..63 (these tests use no others). */
static uint64_t fm(const struct egress_src *src, uint16_t vid)
{
	portset_t s = egress_flood_mask(sw, src, vid);

	for (unsigned i = 1; i < PORTSET_WORDS; i++)
		cr_assert_eq(s.w[i], 0, "ports past 63 in the flood mask");
	return s.w[0];
}

static int ask(const struct egress_src *src, uint16_t out, uint16_t vid,
	       enum vlan_egress *action)
{
	struct vfp_pkt vp;
	struct pkt_meta pm = {.vid = vid, .vp = &vp};

	return egress_should_deliver(w, src, out, NULL, &pm, action);
}

Test(egress, frame_is_delivered_to_another_port_of_its_vlan)
{
	struct egress_src src = egress_src_port(0);
	enum vlan_egress action = VLAN_EGRESS_DROP;

	cr_assert_eq(ask(&src, 1, 0, &action), -1);
	cr_assert_eq(action, VLAN_EGRESS_UNTAGGED);
}

Test(egress, frame_is_never_sent_back_out_of_its_source_port)
{
	struct egress_src src = egress_src_port(2);
	enum vlan_egress action;

	cr_assert_eq(ask(&src, 2, 0, &action), DROP_SOURCE_PORT);
}

Test(egress, routed_frame_may_leave_by_the_port_it_came_in)
{
	struct egress_src src = egress_src_switch();
	enum vlan_egress action;

	for (uint16_t p = 0; p < 3; p++)
		cr_assert_eq(ask(&src, p, 0, &action), -1, "port %u", p);
}

Test(egress, port_that_does_not_carry_the_vlan_is_a_vlan_filter_drop)
{
	struct egress_src src = egress_src_port(0);
	enum vlan_egress action;

	cr_assert_eq(ask(&src, 3, 20, &action), DROP_VLAN_FILTER, "Access 10, VLAN 20");
	cr_assert_eq(ask(&src, 1, 10, &action), DROP_VLAN_FILTER, "Untagged, VLAN 10");
	cr_assert_eq(ask(&src, 3, 10, &action), -1);
	cr_assert_eq(action, VLAN_EGRESS_UNTAGGED);
	cr_assert_eq(ask(&src, 4, 10, &action), -1);
	cr_assert_eq(action, VLAN_EGRESS_TAGGED, "trunk: allowed VLAN leaves tagged");
	cr_assert_eq(ask(&src, 4, 1, &action), -1);
	cr_assert_eq(action, VLAN_EGRESS_UNTAGGED, "trunk: native VLAN leaves untagged");
}

/* l2b_view_build uses rte_zmalloc: built here without EAL, by hand, the
 * way l2b_view_build fills it (ports 1 and 2 Private "p"; port 5 an
 * L2Bridge endpoint with uplink 0). */
static void view_private_and_l2bridge(struct l2b_view *v)
{
	memset(v, 0, sizeof(*v));
	for (unsigned p = 0; p < VS_MAX_PORTS; p++) {
		v->port_net[p] = -1;
		v->allowed[p] = portset_andnot(portset_full(),
					       portset_or(portset_of(1), portset_of(2)));
	}
	v->allowed[1] = v->allowed[2] = portset_or(portset_of(1), portset_of(2));
	v->nb_nets = 1;
	v->nets[0].uplink = 0;
	v->nets[0].ports = portset_of(5);
	v->nets[0].host_mac = (struct rte_ether_addr){{0x02, 0x15, 0x5d, 0xaa, 0xbb, 0xcc}};
	v->port_net[5] = 0;
}

Test(egress, private_port_reaches_only_its_network)
{
	static struct l2b_view v;
	struct egress_src src;
	enum vlan_egress action;

	view_private_and_l2bridge(&v);
	src = egress_src_l2b(&v, 1);
	cr_assert_eq(ask(&src, 2, 0, &action), -1, "same Private network");
	cr_assert_eq(ask(&src, 0, 0, &action), DROP_VLAN_FILTER, "the uplink");
	src = egress_src_l2b(&v, 0);
	cr_assert_eq(ask(&src, 1, 0, &action), DROP_VLAN_FILTER, "into a Private network");
	cr_assert_eq(src.uplink, -1, "the uplink itself has no uplink rewrite");
}

Test(egress, l2bridge_endpoint_source_names_its_uplink_and_host_mac)
{
	static struct l2b_view v;
	struct egress_src src;

	view_private_and_l2bridge(&v);
	src = egress_src_l2b(&v, 5);
	cr_assert_eq(src.uplink, 0);
	cr_assert_not_null(src.host_mac);
	cr_assert(rte_is_same_ether_addr(src.host_mac, &v.nets[0].host_mac));
	src = egress_src_port(5);
	cr_assert_eq(src.uplink, -1, "no view, no rewrite");
}

Test(egress, flood_mask_is_the_predicate_for_every_port)
{
	static struct l2b_view v;
	struct egress_src src = egress_src_port(0);
	enum vlan_egress action;

	/* VLAN 0: ports 0, 1, 2, 5 (Untagged); 3 is Access 10, 4 Trunk native 1 */
	cr_assert_eq(fm(&src, 0), 0x26u);
	for (uint16_t p = 0; p < 6; p++)
		cr_assert_eq((fm(&src, 0) >> p) & 1,
			     ask(&src, p, 0, &action) == -1, "port %u", p);
	cr_assert_eq(fm(&src, 10), 0x18u, "Access 10 and the trunk");
	view_private_and_l2bridge(&v);
	src = egress_src_l2b(&v, 1);
	cr_assert_eq(fm(&src, 0), 0x4u, "Private: its network only");
	src = egress_src_l2b(&v, 5);
	cr_assert_eq(fm(&src, 0), 0x1u, "not into the Private ports");
}

/* Past the 32 ports of uint32_t masks (issue 18): every port of a full
 * switch floods, in every word of the set, and the flood mask is the
 * predicate there too; Private isolation holds between ports far apart. */
Test(egress, ports_past_64_flood_and_are_isolated)
{
	static struct l2b_view v;
	struct egress_src src;
	enum vlan_egress action;
	portset_t mask;

	sw->nb_ports = VS_MAX_PORTS;
	for (unsigned p = 0; p < VS_MAX_PORTS; p++) {
		sw->ports[p].in_use = true;
		vlan_config_init(&sw->ports[p].vlan);
	}
	vswitch_build_flood_members(sw);
	cr_assert_eq(portset_count(&sw->flood_members[0]), VS_MAX_PORTS);
	src = egress_src_port(VS_MAX_PORTS - 1);
	mask = egress_flood_mask(sw, &src, 0);
	cr_assert_eq(portset_count(&mask), VS_MAX_PORTS - 1);
	for (uint16_t p = 0; p < VS_MAX_PORTS; p++)
		cr_assert_eq(portset_test(&mask, p), ask(&src, p, 0, &action) == -1,
			     "port %u", p);
	cr_assert_not(portset_test(&mask, VS_MAX_PORTS - 1), "not back to the source");
	/* ports 3 and 100 Private "p", the rest reach neither */
	memset(&v, 0, sizeof(v));
	for (unsigned p = 0; p < VS_MAX_PORTS; p++) {
		v.port_net[p] = -1;
		v.allowed[p] = portset_andnot(portset_full(),
					      portset_or(portset_of(3), portset_of(100)));
	}
	v.allowed[3] = v.allowed[100] = portset_or(portset_of(3), portset_of(100));
	src = egress_src_l2b(&v, 100);
	mask = egress_flood_mask(sw, &src, 0);
	cr_assert_eq(portset_count(&mask), 1);
	cr_assert(portset_test(&mask, 3));
	cr_assert_eq(ask(&src, 3, 0, &action), -1);
	cr_assert_eq(ask(&src, 64, 0, &action), DROP_VLAN_FILTER);
	src = egress_src_l2b(&v, 70);
	mask = egress_flood_mask(sw, &src, 0);
	cr_assert_eq(portset_count(&mask), VS_MAX_PORTS - 3);
	cr_assert_not(portset_test(&mask, 100));
	cr_assert_eq(ask(&src, 100, 0, &action), DROP_VLAN_FILTER);
	cr_assert_eq(ask(&src, 127, 0, &action), -1);
	cr_assert_eq(ask(&src, 70, 0, &action), DROP_SOURCE_PORT);
}
