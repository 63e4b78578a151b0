/* VFP extended ACLs (vfp/ext_acl.h): weights, 5-tuple matching on IPv4 and
 * IPv6, direction mapping, stateful flows (creation, return traffic,
 * expiry, refresh, recompiles, a full table, concurrent workers), hit
 * counters, the rule JSON and the HNS ACL policy mapping, and 5,000 random
 * rules against a brute-force evaluator. Needs EAL (rte_acl, rte_hash). */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <rte_lcore.h>

#include "acl_json.h"
#include "eal_fixture.h"
#include "ext_acl.h"
#include "ext_acl_internal.h"

#define TCP 6
#define UDP 17
#define ICMP 1
#define ICMP6 58
#define NB_WORKERS 2

static uint32_t next_id = 1;

static void setup(void)
{
	test_eal_init();
}

static void teardown(void)
{
	test_eal_cleanup();
}

TestSuite(ext_acl, .init = setup, .fini = teardown, .timeout = 60);

/* ---- helpers ---- */

/* JSON written with ' for " to keep the test readable. */
static json_t *J(const char *text)
{
	char *s = strdup(text);
	json_error_t je;
	json_t *o;

	for (char *c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	o = json_loads(s, 0, &je);
	cr_assert_not_null(o, "bad test JSON %s: %s", s, je.text);
	free(s);
	return o;
}

static struct ext_acl_rule R(const char *text)
{
	json_t *o = J(text);
	struct ext_acl_rule r;
	char err[256] = "";

	cr_assert_eq(ext_acl_rule_from_json(o, "r", &r, err, sizeof(err)), 0,
		     "%s: %s", text, err);
	json_decref(o);
	r.id = next_id++;
	return r;
}

/* The error ext_acl_rule_from_json gives for text (which must fail). */
static const char *rule_error(const char *text)
{
	static char err[256];
	json_t *o = J(text);
	struct ext_acl_rule r;

	err[0] = '\0';
	cr_assert_eq(ext_acl_rule_from_json(o, "Acl[3]", &r, err, sizeof(err)), -1,
		     "%s was accepted", text);
	json_decref(o);
	return err;
}

static struct ext_acl_table *compile(const struct ext_acl_rule *rules, unsigned n)
{
	char err[256] = "";
	struct ext_acl_table *t = ext_acl_compile(rules, n, NB_WORKERS,
						  SOCKET_ID_ANY, err, sizeof(err));

	cr_assert_not_null(t, "ext_acl_compile: %s", err);
	return t;
}

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1, "bad IPv4 %s", s);
	return ntohl(a.s_addr);
}

static bool has_ports(uint8_t proto)
{
	return proto == TCP || proto == UDP || proto == 132 || proto == ICMP ||
	       proto == ICMP6;
}

static struct vfp_pkt P4(uint8_t proto, const char *src, uint16_t sport,
			 const char *dst, uint16_t dport)
{
	struct vfp_pkt p;

	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.proto = proto;
	p.src_ip4 = ip4(src);
	p.dst_ip4 = ip4(dst);
	p.has_ports = has_ports(proto);
	p.src_port = sport;
	p.dst_port = dport;
	p.len = 100;
	return p;
}

static struct vfp_pkt P6(uint8_t proto, const char *src, uint16_t sport,
			 const char *dst, uint16_t dport)
{
	struct vfp_pkt p;

	memset(&p, 0, sizeof(p));
	p.family = 6;
	p.proto = proto;
	cr_assert_eq(inet_pton(AF_INET6, src, p.src_ip6), 1, "bad IPv6 %s", src);
	cr_assert_eq(inet_pton(AF_INET6, dst, p.dst_ip6), 1, "bad IPv6 %s", dst);
	p.has_ports = has_ports(proto);
	p.src_port = sport;
	p.dst_port = dport;
	p.len = 100;
	return p;
}

#define IN ACL_DIR_INBOUND
#define OUT ACL_DIR_OUTBOUND
#define NO_MATCH EXT_ACL_NO_MATCH
#define ALLOW EXT_ACL_ALLOW
#define DENY EXT_ACL_DENY

static const char *res_name(enum ext_acl_result r)
{
	return r == ALLOW ? "ALLOW" : r == DENY ? "DENY" : "NO_MATCH";
}

#define expect(t, flows, dir, pkt, now, want) do { \
	struct vfp_pkt p_ = (pkt); \
	enum ext_acl_result r_ = ext_acl_classify((t), (flows), (dir), &p_, 0, (now)); \
	cr_expect_eq(r_, (want), "line %d: %s, want %s", __LINE__, res_name(r_), \
		     res_name(want)); \
} while (0)

/* ---- weights ---- */

Test(ext_acl, higher_weight_wins_in_any_order)
{
	struct ext_acl_rule a[2] = {
		R("{'Action':'Deny','Direction':'Inbound','Weight':10}"),
		R("{'Action':'Allow','Direction':'Inbound','Weight':20}"),
	};
	struct ext_acl_rule b[2] = { a[1], a[0] };
	struct ext_acl_table *t1 = compile(a, 2), *t2 = compile(b, 2);
	struct vfp_pkt p = P4(TCP, "1.2.3.4", 1000, "10.0.0.1", 80);

	expect(t1, NULL, IN, p, 0, ALLOW);
	expect(t2, NULL, IN, p, 0, ALLOW);

	/* a more specific rule of lower weight loses */
	struct ext_acl_rule c[2] = {
		R("{'Action':'Allow','Direction':'Inbound','Weight':5,"
		  "'RemoteIPAddress':'1.2.3.4','LocalPort':'80','Protocol':'TCP'}"),
		R("{'Action':'Deny','Direction':'Inbound','Weight':6}"),
	};
	struct ext_acl_table *t3 = compile(c, 2);

	expect(t3, NULL, IN, p, 0, DENY);
	ext_acl_free(t1);
	ext_acl_free(t2);
	ext_acl_free(t3);
}

Test(ext_acl, deny_beats_allow_at_equal_weight)
{
	struct ext_acl_rule a[2] = {
		R("{'Action':'Allow','Direction':'Outbound','Weight':7}"),
		R("{'Action':'Deny','Direction':'Outbound','Weight':7}"),
	};
	struct ext_acl_rule b[2] = { a[1], a[0] };
	struct ext_acl_table *t1 = compile(a, 2), *t2 = compile(b, 2);
	struct vfp_pkt p = P4(UDP, "10.0.0.1", 5000, "8.8.8.8", 53);

	expect(t1, NULL, OUT, p, 0, DENY);
	expect(t2, NULL, OUT, p, 0, DENY);
	ext_acl_free(t1);
	ext_acl_free(t2);
}

/* ---- matching ---- */

Test(ext_acl, each_field_of_the_5_tuple)
{
	struct ext_acl_rule r[] = {
		R("{'Action':'Allow','Direction':'Inbound','Weight':10,"
		  "'LocalIPAddress':'10.0.0.0/24','RemoteIPAddress':'192.168.1.0/28',"
		  "'LocalPort':'1000-2000','RemotePort':'53','Protocol':'UDP'}"),
		R("{'Action':'Deny','Direction':'Inbound','Weight':1}"),
	};
	struct ext_acl_table *t = compile(r, 2);

	/* all fields match */
	expect(t, NULL, IN, P4(UDP, "192.168.1.5", 53, "10.0.0.9", 1500), 0, ALLOW);
	/* local port range edges */
	expect(t, NULL, IN, P4(UDP, "192.168.1.5", 53, "10.0.0.9", 1000), 0, ALLOW);
	expect(t, NULL, IN, P4(UDP, "192.168.1.5", 53, "10.0.0.9", 2000), 0, ALLOW);
	expect(t, NULL, IN, P4(UDP, "192.168.1.5", 53, "10.0.0.9", 999), 0, DENY);
	expect(t, NULL, IN, P4(UDP, "192.168.1.5", 53, "10.0.0.9", 2001), 0, DENY);
	/* remote port */
	expect(t, NULL, IN, P4(UDP, "192.168.1.5", 54, "10.0.0.9", 1500), 0, DENY);
	/* local prefix edges */
	expect(t, NULL, IN, P4(UDP, "192.168.1.5", 53, "10.0.0.255", 1500), 0, ALLOW);
	expect(t, NULL, IN, P4(UDP, "192.168.1.5", 53, "10.0.1.0", 1500), 0, DENY);
	/* remote prefix edges */
	expect(t, NULL, IN, P4(UDP, "192.168.1.15", 53, "10.0.0.9", 1500), 0, ALLOW);
	expect(t, NULL, IN, P4(UDP, "192.168.1.16", 53, "10.0.0.9", 1500), 0, DENY);
	/* protocol */
	expect(t, NULL, IN, P4(TCP, "192.168.1.5", 53, "10.0.0.9", 1500), 0, DENY);
	ext_acl_free(t);
}

Test(ext_acl, protocol_any_and_numbers)
{
	struct ext_acl_rule r[] = {
		R("{'Action':'Allow','Direction':'Outbound','Weight':3,'RemotePort':'443'}"),
		R("{'Action':'Allow','Direction':'Outbound','Weight':2,'Protocol':47}"),
		R("{'Action':'Deny','Direction':'Outbound','Weight':1,'Protocol':'ANY'}"),
	};
	struct ext_acl_table *t = compile(r, 3);

	expect(t, NULL, OUT, P4(TCP, "10.0.0.1", 999, "1.1.1.1", 443), 0, ALLOW);
	expect(t, NULL, OUT, P4(UDP, "10.0.0.1", 999, "1.1.1.1", 443), 0, ALLOW);
	expect(t, NULL, OUT, P4(132, "10.0.0.1", 999, "1.1.1.1", 443), 0, ALLOW);
	expect(t, NULL, OUT, P4(TCP, "10.0.0.1", 999, "1.1.1.1", 444), 0, DENY);
	expect(t, NULL, OUT, P4(47, "10.0.0.1", 0, "1.1.1.1", 0), 0, ALLOW);
	expect(t, NULL, OUT, P4(50, "10.0.0.1", 0, "1.1.1.1", 0), 0, DENY);
	ext_acl_free(t);
}

Test(ext_acl, icmp_and_portless_packets_match_only_port_any_rules)
{
	struct ext_acl_rule r[] = {
		/* protocol ANY with a port: TCP/UDP only */
		R("{'Action':'Allow','Direction':'Inbound','Weight':9,'LocalPort':'0-100'}"),
		R("{'Action':'Deny','Direction':'Inbound','Weight':5,'Protocol':'ICMP'}"),
		R("{'Action':'Allow','Direction':'Inbound','Weight':1}"),
	};
	struct ext_acl_table *t = compile(r, 3);
	/* an echo request: vfp_pkt carries the id as src_port */
	struct vfp_pkt echo = P4(ICMP, "1.1.1.1", 7, "10.0.0.1", 0);
	struct vfp_pkt frag = P4(TCP, "1.1.1.1", 0, "10.0.0.1", 0);

	expect(t, NULL, IN, echo, 0, DENY);
	expect(t, NULL, IN, P4(TCP, "1.1.1.1", 7, "10.0.0.1", 50), 0, ALLOW);
	/* a non-first fragment has no ports: only the port-ANY rule */
	frag.has_ports = false;
	expect(t, NULL, IN, frag, 0, ALLOW);
	expect(t, NULL, IN, P6(ICMP6, "fd00::1", 3, "fd00::2", 0), 0, ALLOW);
	ext_acl_free(t);

	struct ext_acl_rule r2[] = {
		R("{'Action':'Deny','Direction':'Inbound','Weight':9,'LocalPort':'0'}"),
	};
	t = compile(r2, 1);
	/* port 0 in the packet is not "no port" */
	expect(t, NULL, IN, echo, 0, NO_MATCH);
	expect(t, NULL, IN, frag, 0, NO_MATCH);
	expect(t, NULL, IN, P4(UDP, "1.1.1.1", 7, "10.0.0.1", 0), 0, DENY);
	/* the same addresses with ports 0 after the fragment, and the
	 * fragment again: the verdict cache tells them apart */
	expect(t, NULL, IN, P4(TCP, "1.1.1.1", 0, "10.0.0.1", 0), 0, DENY);
	expect(t, NULL, IN, frag, 0, NO_MATCH);
	ext_acl_free(t);
}

Test(ext_acl, ipv6)
{
	struct ext_acl_rule r[] = {
		R("{'Action':'Deny','Direction':'Inbound','Weight':10,"
		  "'LocalIPAddress':'fd00:1::/64','RemoteIPAddress':'2001:db8::/100',"
		  "'Protocol':'TCP','LocalPort':'22'}"),
		R("{'Action':'Allow','Direction':'Inbound','Weight':5,"
		  "'LocalIPAddress':'fd00:1::abcd'}"),
		R("{'Action':'Allow','Direction':'Inbound','Weight':1,"
		  "'LocalIPAddress':'10.0.0.0/8'}"),
	};
	struct ext_acl_table *t = compile(r, 3);

	expect(t, NULL, IN, P6(TCP, "2001:db8::0fff:ffff", 4000, "fd00:1::abcd", 22), 0, DENY);
	expect(t, NULL, IN, P6(TCP, "2001:db8::1000:0", 4000, "fd00:1::abcd", 22), 0, ALLOW);
	expect(t, NULL, IN, P6(TCP, "2001:db8::1", 4000, "fd00:1::abcd", 23), 0, ALLOW);
	expect(t, NULL, IN, P6(UDP, "2001:db8::1", 4000, "fd00:1::abcd", 22), 0, ALLOW);
	expect(t, NULL, IN, P6(TCP, "2001:db8::1", 4000, "fd00:1:0:1::abcd", 22), 0,
	       NO_MATCH);
	expect(t, NULL, IN, P6(TCP, "2001:db8::1", 4000, "fd00:1::abce", 23), 0, NO_MATCH);
	/* IPv4 rules never match IPv6 packets, and the reverse */
	expect(t, NULL, IN, P4(TCP, "2.2.2.2", 4000, "10.1.1.1", 22), 0, ALLOW);
	expect(t, NULL, IN, P4(TCP, "2.2.2.2", 4000, "11.1.1.1", 22), 0, NO_MATCH);
	ext_acl_free(t);

	/* 0.0.0.0/0 is every IPv4 address, not ANY */
	struct ext_acl_rule r2[] = {
		R("{'Action':'Deny','Direction':'Inbound','RemoteIPAddress':'0.0.0.0/0'}"),
	};
	t = compile(r2, 1);
	expect(t, NULL, IN, P4(UDP, "2.2.2.2", 1, "3.3.3.3", 2), 0, DENY);
	expect(t, NULL, IN, P6(UDP, "::2", 1, "::3", 2), 0, NO_MATCH);
	ext_acl_free(t);
}

Test(ext_acl, direction_maps_local_and_remote)
{
	struct ext_acl_rule r[] = {
		R("{'Action':'Deny','Direction':'Inbound','LocalIPAddress':'10.0.0.5',"
		  "'LocalPort':'80','RemoteIPAddress':'1.1.1.1','RemotePort':'5555','Protocol':'TCP'}"),
		R("{'Action':'Deny','Direction':'Outbound','LocalIPAddress':'10.0.0.6',"
		  "'LocalPort':'81','RemoteIPAddress':'2.2.2.2','RemotePort':'6666','Protocol':'TCP'}"),
	};
	struct ext_acl_table *t = compile(r, 2);

	/* inbound: local = destination, remote = source */
	expect(t, NULL, IN, P4(TCP, "1.1.1.1", 5555, "10.0.0.5", 80), 0, DENY);
	expect(t, NULL, IN, P4(TCP, "10.0.0.5", 80, "1.1.1.1", 5555), 0, NO_MATCH);
	/* outbound: local = source, remote = destination */
	expect(t, NULL, OUT, P4(TCP, "10.0.0.6", 81, "2.2.2.2", 6666), 0, DENY);
	expect(t, NULL, OUT, P4(TCP, "2.2.2.2", 6666, "10.0.0.6", 81), 0, NO_MATCH);
	/* a rule applies to its direction only */
	expect(t, NULL, OUT, P4(TCP, "1.1.1.1", 5555, "10.0.0.5", 80), 0, NO_MATCH);
	expect(t, NULL, IN, P4(TCP, "10.0.0.6", 81, "2.2.2.2", 6666), 0, NO_MATCH);
	ext_acl_free(t);
}

Test(ext_acl, no_match_and_non_ip)
{
	struct ext_acl_rule r[] = {
		R("{'Action':'Deny','Direction':'Inbound','Protocol':'UDP'}"),
		R("{'Action':'Deny','Direction':'Outbound'}"),
	};
	struct ext_acl_table *t = compile(r, 2);
	struct vfp_pkt arp;

	expect(t, NULL, IN, P4(TCP, "1.1.1.1", 1, "2.2.2.2", 2), 0, NO_MATCH);
	memset(&arp, 0, sizeof(arp));
	arp.len = 60;
	expect(t, NULL, IN, arp, 0, NO_MATCH);
	expect(t, NULL, OUT, arp, 0, NO_MATCH);
	/* Both is not a classify direction */
	expect(t, NULL, ACL_DIR_BOTH, P4(UDP, "1.1.1.1", 1, "2.2.2.2", 2), 0, NO_MATCH);
	ext_acl_free(t);

	/* no rules at all */
	t = compile(NULL, 0);
	expect(t, NULL, IN, P4(UDP, "1.1.1.1", 1, "2.2.2.2", 2), 0, NO_MATCH);
	expect(t, NULL, OUT, P6(UDP, "::1", 1, "::2", 2), 0, NO_MATCH);
	ext_acl_free(t);
}

/* ---- stateful flows ---- */

static struct ext_acl_flows *flows_new(uint32_t capacity)
{
	struct ext_acl_flows *f = ext_acl_flows_create("unit_flows", capacity,
						       SOCKET_ID_ANY);

	cr_assert_not_null(f, "ext_acl_flows_create: %s", rte_strerror(rte_errno));
	return f;
}

#define STATEFUL_RULES \
	R("{'Action':'Allow','Direction':'Outbound','Weight':10,'Protocol':'TCP'," \
	  "'RemotePort':'443','Stateful':true,'IdleSessionTimeout':30}"), \
	R("{'Action':'Allow','Direction':'Outbound','Weight':10,'Protocol':'UDP'," \
	  "'RemotePort':'53'}"), \
	R("{'Action':'Allow','Direction':'Outbound','Weight':9,'Protocol':'ICMP'," \
	  "'Stateful':true}"), \
	R("{'Action':'Deny','Direction':'Inbound','Weight':100}")

Test(ext_acl, stateful_return_traffic_passes_an_inbound_deny)
{
	struct ext_acl_rule r[] = { STATEFUL_RULES };
	struct ext_acl_table *t = compile(r, 4);
	struct ext_acl_flows *f = flows_new(1024);

	/* unsolicited inbound: the deny rule */
	expect(t, f, IN, P4(TCP, "8.8.8.8", 443, "10.0.0.5", 40000), 100, DENY);
	cr_expect_eq(ext_acl_flows_count(f), 0);
	expect(t, f, OUT, P4(TCP, "10.0.0.5", 40000, "8.8.8.8", 443), 100, ALLOW);
	cr_expect_eq(ext_acl_flows_count(f), 1);
	/* the return traffic */
	expect(t, f, IN, P4(TCP, "8.8.8.8", 443, "10.0.0.5", 40000), 101, ALLOW);
	/* other tuples stay denied: another local port, remote, protocol */
	expect(t, f, IN, P4(TCP, "8.8.8.8", 443, "10.0.0.5", 40001), 101, DENY);
	expect(t, f, IN, P4(TCP, "8.8.4.4", 443, "10.0.0.5", 40000), 101, DENY);
	expect(t, f, IN, P4(UDP, "8.8.8.8", 443, "10.0.0.5", 40000), 101, DENY);
	expect(t, f, IN, P4(TCP, "8.8.8.8", 444, "10.0.0.5", 40000), 101, DENY);
	/* the outbound packet's own tuple inbound is not its return */
	expect(t, f, IN, P4(TCP, "10.0.0.5", 40000, "8.8.8.8", 443), 101, DENY);
	/* a non-stateful allow starts no flow */
	expect(t, f, OUT, P4(UDP, "10.0.0.5", 5353, "8.8.8.8", 53), 101, ALLOW);
	expect(t, f, IN, P4(UDP, "8.8.8.8", 53, "10.0.0.5", 5353), 101, DENY);
	cr_expect_eq(ext_acl_flows_count(f), 1);
	/* ICMP: portless flow */
	expect(t, f, OUT, P4(ICMP, "10.0.0.5", 77, "1.1.1.1", 0), 101, ALLOW);
	expect(t, f, IN, P4(ICMP, "1.1.1.1", 77, "10.0.0.5", 0), 102, ALLOW);
	cr_expect_eq(ext_acl_flows_count(f), 2);
	/* without a flow table nothing is tracked */
	expect(t, NULL, OUT, P4(TCP, "10.0.0.5", 40002, "8.8.8.8", 443), 100, ALLOW);
	expect(t, NULL, IN, P4(TCP, "8.8.8.8", 443, "10.0.0.5", 40000), 101, DENY);
	ext_acl_flows_free(f);
	ext_acl_free(t);
}

/* One table shared by the switch's ports (issue 18: 110 pods): a port
 * admits only its own flows, holds at most its quota, and a freed port's
 * flows match nothing and are swept away. */
Test(ext_acl, shared_flow_table_isolates_ports_and_enforces_quotas)
{
	struct ext_acl_rule r[] = { STATEFUL_RULES };
	struct ext_acl_table *t = compile(r, 4);
	struct ext_acl_flow_table *tab = ext_acl_flow_table_create("unit_shared", 1024,
								   SOCKET_ID_ANY);
	struct ext_acl_flows *a, *b, *c;
	char local[32];

	cr_assert_not_null(tab);
	a = ext_acl_flows_open(tab, 8, SOCKET_ID_ANY);
	b = ext_acl_flows_open(tab, 8, SOCKET_ID_ANY);
	cr_assert(a != NULL && b != NULL);
	expect(t, a, OUT, P4(TCP, "10.0.0.5", 40000, "8.8.8.8", 443), 100, ALLOW);
	expect(t, a, IN, P4(TCP, "8.8.8.8", 443, "10.0.0.5", 40000), 100, ALLOW);
	/* the same tuple on another port is not its flow */
	expect(t, b, IN, P4(TCP, "8.8.8.8", 443, "10.0.0.5", 40000), 100, DENY);
	cr_expect_eq(ext_acl_flows_count(a), 1);
	cr_expect_eq(ext_acl_flows_count(b), 0);
	/* a's quota: 8 flows, the 9th is not created; b is not affected */
	for (int i = 1; i < 12; i++) {
		snprintf(local, sizeof(local), "10.0.0.%d", 10 + i);
		expect(t, a, OUT, P4(TCP, local, 40000, "8.8.8.8", 443), 100, ALLOW);
	}
	cr_expect_eq(ext_acl_flows_count(a), 8);
	cr_expect_eq(ext_acl_flows_not_created(a), 4);
	expect(t, b, OUT, P4(TCP, "10.0.1.5", 40000, "8.8.8.8", 443), 100, ALLOW);
	expect(t, b, IN, P4(TCP, "8.8.8.8", 443, "10.0.1.5", 40000), 100, ALLOW);
	cr_expect_eq(ext_acl_flows_count(b), 1);
	cr_expect_eq(ext_acl_flow_table_count(tab), 9);
	/* a leaves; whoever gets its owner slot next does not see a's flows */
	ext_acl_flows_free(a);
	for (unsigned i = 0; i < EXT_ACL_FLOW_OWNERS; i++) {
		c = ext_acl_flows_open(tab, 8, SOCKET_ID_ANY);
		cr_assert_not_null(c, "open %u", i);
		expect(t, c, IN, P4(TCP, "8.8.8.8", 443, "10.0.0.5", 40000), 100, DENY);
		ext_acl_flows_free(c);
	}
	/* new flows sweep the dead ones out (8 of a's, long before they idle out) */
	c = ext_acl_flows_open(tab, 1024, SOCKET_ID_ANY);
	for (int i = 0; i < 64 && ext_acl_flow_table_count(tab) > 1 + (unsigned)i; i++) {
		snprintf(local, sizeof(local), "10.0.2.%d", i);
		expect(t, c, OUT, P4(TCP, local, 40000, "8.8.8.8", 443), 101, ALLOW);
	}
	cr_expect_eq(ext_acl_flows_count(b), 1, "b's flow survives the sweep");
	cr_expect_leq(ext_acl_flow_table_count(tab),
		      1 + ext_acl_flows_count(c), "a's flows are gone: %u left",
		      ext_acl_flow_table_count(tab));
	ext_acl_flows_free(b);
	ext_acl_flows_free(c);
	ext_acl_flow_table_free(tab);
	ext_acl_free(t);
}

Test(ext_acl, stateful_ipv6)
{
	struct ext_acl_rule r[] = {
		R("{'Action':'Allow','Direction':'Outbound','Protocol':'UDP',"
		  "'RemoteIPAddress':'2001:db8::/32','Stateful':true}"),
		R("{'Action':'Deny','Direction':'Inbound'}"),
	};
	struct ext_acl_table *t = compile(r, 2);
	struct ext_acl_flows *f = flows_new(1024);

	expect(t, f, OUT, P6(UDP, "fd00::5", 1234, "2001:db8::9", 53), 10, ALLOW);
	expect(t, f, IN, P6(UDP, "2001:db8::9", 53, "fd00::5", 1234), 10, ALLOW);
	expect(t, f, IN, P6(UDP, "2001:db8::9", 53, "fd00::6", 1234), 10, DENY);
	/* the same numbers as IPv4 are another flow */
	expect(t, f, IN, P4(UDP, "0.0.0.0", 53, "0.0.0.0", 1234), 10, DENY);
	ext_acl_flows_free(f);
	ext_acl_free(t);
}

Test(ext_acl, idle_flows_expire)
{
	struct ext_acl_rule r[] = { STATEFUL_RULES };
	struct ext_acl_table *t = compile(r, 4);
	struct ext_acl_flows *f = flows_new(1024);
	struct vfp_pkt out = P4(TCP, "10.0.0.5", 40000, "8.8.8.8", 443);
	struct vfp_pkt back = P4(TCP, "8.8.8.8", 443, "10.0.0.5", 40000);

	expect(t, f, OUT, out, 1000, ALLOW);
	/* idle exactly the timeout: still admitted (and refreshed) */
	expect(t, f, IN, back, 1030, ALLOW);
	/* idle past it: gone, the deny rule decides, the flow is removed */
	expect(t, f, IN, back, 1061, DENY);
	cr_expect_eq(ext_acl_flows_count(f), 0);
	cr_expect_eq(ext_acl_flows_expired(f), 1);
	expect(t, f, IN, back, 1062, DENY);
	/* a new outbound packet starts it again */
	expect(t, f, OUT, out, 2000, ALLOW);
	expect(t, f, IN, back, 2001, ALLOW);
	/* the default timeout applies without IdleSessionTimeout (ICMP rule) */
	expect(t, f, OUT, P4(ICMP, "10.0.0.5", 1, "1.1.1.1", 0), 3000, ALLOW);
	expect(t, f, IN, P4(ICMP, "1.1.1.1", 1, "10.0.0.5", 0),
	       3000 + EXT_ACL_DEFAULT_IDLE_TIMEOUT, ALLOW);
	expect(t, f, IN, P4(ICMP, "1.1.1.1", 1, "10.0.0.5", 0),
	       3001 + 2 * EXT_ACL_DEFAULT_IDLE_TIMEOUT, DENY);
	ext_acl_flows_free(f);
	ext_acl_free(t);
}

Test(ext_acl, traffic_refreshes_flows)
{
	struct ext_acl_rule r[] = { STATEFUL_RULES };
	struct ext_acl_table *t = compile(r, 4);
	struct ext_acl_flows *f = flows_new(1024);
	struct vfp_pkt out = P4(TCP, "10.0.0.5", 40000, "8.8.8.8", 443);
	struct vfp_pkt back = P4(TCP, "8.8.8.8", 443, "10.0.0.5", 40000);

	expect(t, f, OUT, out, 100, ALLOW);
	/* inbound refreshes */
	for (uint32_t now = 120; now <= 300; now += 20)
		expect(t, f, IN, back, now, ALLOW);
	/* outbound refreshes */
	for (uint32_t now = 325; now <= 500; now += 25)
		expect(t, f, OUT, out, now, ALLOW);
	expect(t, f, IN, back, 530, ALLOW);
	expect(t, f, IN, back, 561, DENY);
	/* an expired flow found by its outbound packet is revived */
	expect(t, f, OUT, out, 1000, ALLOW);
	expect(t, f, IN, back, 1001, ALLOW);
	cr_expect_eq(ext_acl_flows_count(f), 1);
	ext_acl_flows_free(f);
	ext_acl_free(t);
}

Test(ext_acl, flows_survive_a_recompile)
{
	struct ext_acl_rule r[] = { STATEFUL_RULES };
	struct ext_acl_table *t = compile(r, 4), *t2;
	struct ext_acl_flows *f = flows_new(1024);
	struct vfp_pkt back = P4(TCP, "8.8.8.8", 443, "10.0.0.5", 40000);

	expect(t, f, OUT, P4(TCP, "10.0.0.5", 40000, "8.8.8.8", 443), 100, ALLOW);
	ext_acl_free(t);
	/* a new rule set without the stateful rule, same flow table */
	struct ext_acl_rule r2[] = {
		R("{'Action':'Deny','Direction':'Inbound','Weight':65535}"),
		R("{'Action':'Deny','Direction':'Outbound','Weight':65535}"),
	};
	t2 = compile(r2, 2);
	expect(t2, f, IN, back, 110, ALLOW);
	expect(t2, f, IN, P4(TCP, "8.8.8.8", 443, "10.0.0.5", 40001), 110, DENY);
	/* outbound is decided by the rules: no flow refresh by a deny */
	expect(t2, f, OUT, P4(TCP, "10.0.0.5", 40000, "8.8.8.8", 443), 120, DENY);
	expect(t2, f, IN, back, 140, ALLOW); /* refreshed at 110 by inbound */
	expect(t2, f, IN, back, 171, DENY);
	ext_acl_flows_free(f);
	ext_acl_free(t2);
}

Test(ext_acl, full_flow_table_still_allows)
{
	struct ext_acl_rule r[] = { STATEFUL_RULES };
	struct ext_acl_table *t = compile(r, 4);
	struct ext_acl_flows *f = flows_new(64);
	unsigned admitted = 0;

	for (unsigned i = 0; i < 2000; i++)
		expect(t, f, OUT, P4(TCP, "10.0.0.5", (uint16_t)(10000 + i), "8.8.8.8", 443),
		       100, ALLOW);
	cr_expect_gt(ext_acl_flows_not_created(f), 0);
	cr_expect_leq(ext_acl_flows_count(f) + ext_acl_flows_not_created(f), 2000);
	cr_expect_eq(ext_acl_flows_count(f) + ext_acl_flows_not_created(f), 2000);
	for (unsigned i = 0; i < 2000; i++) {
		struct vfp_pkt p = P4(TCP, "8.8.8.8", 443, "10.0.0.5", (uint16_t)(10000 + i));

		admitted += ext_acl_classify(t, f, IN, &p, 0, 101) == ALLOW;
	}
	cr_expect_eq(admitted, ext_acl_flows_count(f));
	/* once they expire, the sweep on new flows makes room again */
	uint64_t before = ext_acl_flows_not_created(f);

	for (unsigned i = 0; i < 48; i++)
		expect(t, f, OUT, P4(TCP, "10.0.0.6", (uint16_t)(10000 + i), "8.8.8.8", 443),
		       1000, ALLOW);
	cr_expect_eq(ext_acl_flows_not_created(f), before);
	for (unsigned i = 0; i < 48; i++)
		expect(t, f, IN, P4(TCP, "8.8.8.8", 443, "10.0.0.6", (uint16_t)(10000 + i)),
		       1001, ALLOW);
	cr_expect_geq(ext_acl_flows_expired(f), 48);
	ext_acl_flows_free(f);
	ext_acl_free(t);
}

/* Workers (registered lcores) sharing one flow table: each keeps its own
 * "live" flows refreshed and must always see their return traffic, while
 * a stream of short-lived flows from every worker expires, gets deleted
 * and recycles table positions underneath. The clock advances with the
 * total work done, so a descheduled thread does not stall expiry. */
#define STRESS_THREADS 4
#define STRESS_LIVE 64
#define STRESS_ROUNDS 3000

struct stress_shared {
	struct ext_acl_table *t;
	struct ext_acl_flows *f;
	uint32_t rounds; /* all threads' */
};

struct stress {
	struct stress_shared *sh;
	unsigned id;
	unsigned lost, checked;
	int registered;
};

static struct vfp_pkt live_pkt(unsigned thread, unsigned i, bool out)
{
	char local[16];

	snprintf(local, sizeof(local), "10.%u.0.%u", thread, i);
	return out ? P4(TCP, local, (uint16_t)(1000 + i), "8.8.8.8", 443) :
		     P4(TCP, "8.8.8.8", 443, local, (uint16_t)(1000 + i));
}

static void *stress_worker(void *arg)
{
	struct stress *s = arg;
	struct stress_shared *sh = s->sh;
	uint16_t dying = 0;

	s->registered = rte_thread_register();
	for (unsigned round = 0; round < STRESS_ROUNDS; round++) {
		uint32_t now = __atomic_fetch_add(&sh->rounds, 1, __ATOMIC_RELAXED) / 8;

		for (unsigned i = 0; i < STRESS_LIVE; i++) {
			struct vfp_pkt out = live_pkt(s->id, i, true);
			struct vfp_pkt back = live_pkt(s->id, i, false);

			ext_acl_classify(sh->t, sh->f, OUT, &out, s->id, now);
			s->lost += ext_acl_classify(sh->t, sh->f, IN, &back, s->id,
						    now) != ALLOW;
			s->checked++;
		}
		for (unsigned i = 0; i < 8; i++) {
			char local[16];
			struct vfp_pkt out;

			snprintf(local, sizeof(local), "11.%u.0.1", s->id);
			/* RemotePort 53: the 1 s timeout rule */
			out = P4(UDP, local, dying++, "8.8.8.8", 53);
			ext_acl_classify(sh->t, sh->f, OUT, &out, s->id, now);
		}
	}
	if (s->registered == 0)
		rte_thread_unregister();
	return NULL;
}

Test(ext_acl, concurrent_workers_keep_live_flows)
{
	struct ext_acl_rule r[] = {
		R("{'Action':'Allow','Direction':'Outbound','Protocol':'TCP',"
		  "'Stateful':true,'IdleSessionTimeout':100000}"),
		R("{'Action':'Allow','Direction':'Outbound','Protocol':'UDP',"
		  "'RemotePort':'53','Stateful':true,'IdleSessionTimeout':1}"),
		R("{'Action':'Deny','Direction':'Inbound'}"),
	};
	struct stress_shared sh = {
		.t = ext_acl_compile(r, 3, STRESS_THREADS, SOCKET_ID_ANY, NULL, 0),
		.f = flows_new(2048),
	};
	struct stress s[STRESS_THREADS];
	pthread_t th[STRESS_THREADS];

	cr_assert_not_null(sh.t);
	for (unsigned i = 0; i < STRESS_THREADS; i++)
		for (unsigned j = 0; j < STRESS_LIVE; j++)
			expect(sh.t, sh.f, OUT, live_pkt(i, j, true), 0, ALLOW);
	cr_assert_eq(ext_acl_flows_count(sh.f), STRESS_THREADS * STRESS_LIVE);
	for (unsigned i = 0; i < STRESS_THREADS; i++) {
		s[i] = (struct stress){ .sh = &sh, .id = i };
		cr_assert_eq(pthread_create(&th[i], NULL, stress_worker, &s[i]), 0);
	}
	for (unsigned i = 0; i < STRESS_THREADS; i++)
		pthread_join(th[i], NULL);
	for (unsigned i = 0; i < STRESS_THREADS; i++) {
		cr_expect_eq(s[i].registered, 0, "rte_thread_register failed");
		cr_expect_eq(s[i].lost, 0, "worker %u lost %u of %u live flows", i,
			     s[i].lost, s[i].checked);
	}
	cr_expect_gt(ext_acl_flows_expired(sh.f), 1000);
	cr_expect_eq(ext_acl_flows_not_created(sh.f), 0,
		     "%llu flows not created",
		     (unsigned long long)ext_acl_flows_not_created(sh.f));
	/* live flows plus the few dying ones not yet swept */
	cr_expect_lt(ext_acl_flows_count(sh.f), 1536);
	ext_acl_flows_free(sh.f);
	ext_acl_free(sh.t);
}

/* ---- counters ---- */

Test(ext_acl, hit_counters_per_rule_and_carry_over)
{
	struct ext_acl_rule r[] = {
		R("{'Action':'Allow','Direction':'Inbound','Protocol':'TCP'}"),
		R("{'Action':'Deny','Direction':'Inbound','Protocol':'UDP'}"),
		R("{'Action':'Deny','Direction':'Outbound'}"),
	};
	struct ext_acl_table *t = compile(r, 3), *t2;
	struct vfp_pkt tcp = P4(TCP, "1.1.1.1", 1, "2.2.2.2", 2);
	struct vfp_pkt udp = P4(UDP, "1.1.1.1", 1, "2.2.2.2", 2);
	uint64_t packets = 0, bytes = 0;

	tcp.len = 60;
	udp.len = 1500;
	for (unsigned i = 0; i < 5; i++)
		ext_acl_classify(t, NULL, IN, &tcp, i % NB_WORKERS, 0);
	ext_acl_classify(t, NULL, IN, &udp, 1, 0);
	ext_acl_classify(t, NULL, IN, &udp, 0, 0);
	/* a worker index beyond the table's is not counted, still classified */
	cr_expect_eq(ext_acl_classify(t, NULL, IN, &udp, NB_WORKERS + 3, 0), DENY);

	cr_assert_eq(ext_acl_rule_hits(t, r[0].id, &packets, &bytes), 0);
	cr_expect_eq(packets, 5);
	cr_expect_eq(bytes, 300);
	cr_assert_eq(ext_acl_rule_hits(t, r[1].id, &packets, &bytes), 0);
	cr_expect_eq(packets, 2);
	cr_expect_eq(bytes, 3000);
	cr_assert_eq(ext_acl_rule_hits(t, r[2].id, &packets, &bytes), 0);
	cr_expect_eq(packets, 0);
	cr_expect_eq(bytes, 0);
	cr_expect_eq(ext_acl_rule_hits(t, 999999, &packets, &bytes), -1);

	/* recompile: rule 0 kept (moved), rule 1 dropped, a new rule */
	struct ext_acl_rule n[] = {
		R("{'Action':'Deny','Direction':'Inbound','Protocol':'ICMP'}"),
		r[0],
		r[2],
	};
	t2 = compile(n, 3);
	ext_acl_carry_counters(t2, t);
	ext_acl_free(t);
	ext_acl_classify(t2, NULL, IN, &tcp, 1, 0);
	cr_assert_eq(ext_acl_rule_hits(t2, r[0].id, &packets, &bytes), 0);
	cr_expect_eq(packets, 6);
	cr_expect_eq(bytes, 360);
	cr_expect_eq(ext_acl_rule_hits(t2, r[1].id, &packets, &bytes), -1);
	cr_assert_eq(ext_acl_rule_hits(t2, n[0].id, &packets, &bytes), 0);
	cr_expect_eq(packets, 0);
	ext_acl_free(t2);
}

Test(ext_acl, invalid_rules_are_refused_by_compile)
{
	struct ext_acl_rule r = R("{'Action':'Allow','Direction':'Inbound'}");
	char err[128] = "";

	r.dir = ACL_DIR_BOTH;
	cr_expect_null(ext_acl_compile(&r, 1, 1, SOCKET_ID_ANY, err, sizeof(err)));
	cr_expect(strstr(err, "invalid") != NULL, "%s", err);
	r.dir = ACL_DIR_INBOUND;
	r.local_port_lo = 10;
	r.local_port_hi = 9;
	cr_expect_null(ext_acl_compile(&r, 1, 1, SOCKET_ID_ANY, err, sizeof(err)));
}

/* ---- rule JSON ---- */

static void expect_error(const char *json, const char *field, const char *word)
{
	const char *err = rule_error(json);
	char want[64];

	snprintf(want, sizeof(want), "Acl[3].%s: ", field);
	cr_expect(strstr(err, want) != NULL, "%s: error '%s' does not name %s",
		  json, err, want);
	if (word)
		cr_expect(strstr(err, word) != NULL, "%s: error '%s' lacks '%s'",
			  json, err, word);
}

Test(ext_acl, json_validation_errors)
{
	expect_error("{'Action':'Allow','Direction':'Inbound','LocalPort':'2000-1000'}",
		     "LocalPort", "reversed");
	expect_error("{'Action':'Allow','Direction':'Inbound','RemotePort':'9-8'}",
		     "RemotePort", "reversed");
	expect_error("{'Action':'Allow','Direction':'Both'}", "Direction", "Both");
	expect_error("{'Action':'Allow','Direction':'Sideways'}", "Direction", "Sideways");
	expect_error("{'Action':'Deny','Direction':'Outbound','Stateful':true}",
		     "Stateful", "Allow");
	expect_error("{'Action':'Allow','Direction':'Inbound','Protocol':'TPC'}",
		     "Protocol", "TPC");
	expect_error("{'Action':'Allow','Direction':'Inbound','Protocol':256}",
		     "Protocol", "256");
	expect_error("{'Action':'Allow','Direction':'Inbound','Protocol':true}",
		     "Protocol", NULL);
	expect_error("{'Action':'Allow','Direction':'Inbound','Protocol':'ICMP',"
		     "'LocalPort':'80'}", "LocalPort", "ICMP");
	expect_error("{'Action':'Allow','Direction':'Inbound','Protocol':1,"
		     "'RemotePort':'1-2'}", "RemotePort", "ICMP");
	expect_error("{'Action':'Allow','Direction':'Inbound','Colour':'red'}",
		     "Colour", "unknown field");
	expect_error("{'Direction':'Inbound'}", "Action", "missing");
	expect_error("{'Action':'Permit','Direction':'Inbound'}", "Action", "Permit");
	expect_error("{'Action':'Allow'}", "Direction", "missing");
	expect_error("{'Action':'Allow','Direction':'Inbound','LocalIPAddress':'10.0.0.0/33'}",
		     "LocalIPAddress", "10.0.0.0/33");
	expect_error("{'Action':'Allow','Direction':'Inbound','RemoteIPAddress':'fd00::/129'}",
		     "RemoteIPAddress", NULL);
	expect_error("{'Action':'Allow','Direction':'Inbound','RemoteIPAddress':'host'}",
		     "RemoteIPAddress", "host");
	expect_error("{'Action':'Allow','Direction':'Inbound','LocalIPAddress':'10.0.0.1',"
		     "'RemoteIPAddress':'fd00::1'}", "RemoteIPAddress", "IPv6");
	expect_error("{'Action':'Allow','Direction':'Inbound','LocalPort':'65536'}",
		     "LocalPort", "65536");
	expect_error("{'Action':'Allow','Direction':'Inbound','LocalPort':-1}",
		     "LocalPort", NULL);
	expect_error("{'Action':'Allow','Direction':'Inbound','LocalPort':'80,81'}",
		     "LocalPort", NULL);
	expect_error("{'Action':'Allow','Direction':'Inbound','Weight':65536}",
		     "Weight", "65536");
	expect_error("{'Action':'Allow','Direction':'Inbound','Weight':'5'}",
		     "Weight", "integer");
	expect_error("{'Action':'Allow','Direction':'Inbound','Stateful':'yes'}",
		     "Stateful", "boolean");
	expect_error("{'Action':'Allow','Direction':'Inbound','IdleSessionTimeout':-5}",
		     "IdleSessionTimeout", NULL);

	/* not an object */
	char err[128] = "";
	struct ext_acl_rule r;
	json_t *a = json_array();

	cr_expect_eq(ext_acl_rule_from_json(a, "X", &r, err, sizeof(err)), -1);
	cr_expect(strstr(err, "X: ") != NULL, "%s", err);
	json_decref(a);
}

Test(ext_acl, json_defaults_and_values)
{
	struct ext_acl_rule r = R("{'Action':'allow','Direction':'outbound'}");

	cr_expect_eq(r.action, ACL_ALLOW);
	cr_expect_eq(r.dir, ACL_DIR_OUTBOUND);
	cr_expect(r.local_ip.any && r.remote_ip.any);
	cr_expect_eq(r.local_port_lo, 0);
	cr_expect_eq(r.local_port_hi, 65535);
	cr_expect_eq(r.remote_port_lo, 0);
	cr_expect_eq(r.remote_port_hi, 65535);
	cr_expect_eq(r.protocol, EXT_ACL_PROTO_ANY);
	cr_expect_eq(r.weight, 0);
	cr_expect(!r.stateful);
	cr_expect_eq(r.idle_timeout, EXT_ACL_DEFAULT_IDLE_TIMEOUT);

	r = R("{'Action':'Deny','Direction':'Inbound','LocalIPAddress':'10.1.2.3/8',"
	      "'RemoteIPAddress':'ANY','LocalPort':80,'RemotePort':'100-200',"
	      "'Protocol':'17','Weight':65535,'IdleSessionTimeout':5}");
	cr_expect_eq(r.action, ACL_DENY);
	cr_expect(!r.local_ip.any);
	cr_expect_eq(r.local_ip.family, 4);
	cr_expect_eq(r.local_ip.depth, 8);
	cr_expect_eq(r.local_ip.addr[0], 10);
	cr_expect_eq(r.local_ip.addr[1], 0, "host bits are cleared");
	cr_expect(r.remote_ip.any);
	cr_expect_eq(r.local_port_lo, 80);
	cr_expect_eq(r.local_port_hi, 80);
	cr_expect_eq(r.remote_port_lo, 100);
	cr_expect_eq(r.remote_port_hi, 200);
	cr_expect_eq(r.protocol, 17);
	cr_expect_eq(r.weight, 65535);
	cr_expect_eq(r.idle_timeout, 5);

	r = R("{'Action':'Allow','Direction':'Inbound','Protocol':'ICMPv6',"
	      "'RemoteIPAddress':'fd00::1'}");
	cr_expect_eq(r.protocol, 58);
	cr_expect_eq(r.remote_ip.family, 6);
	cr_expect_eq(r.remote_ip.depth, 128);
}

Test(ext_acl, json_round_trip)
{
	const char *in[] = {
		"{'Action':'Deny','Direction':'Inbound'}",
		"{'Action':'Allow','Direction':'Outbound','LocalIPAddress':'10.0.0.0/24',"
		"'RemoteIPAddress':'1.2.3.4','LocalPort':'1-2','RemotePort':443,"
		"'Protocol':'TCP','Weight':9,'Stateful':true,'IdleSessionTimeout':77}",
		"{'Action':'Allow','Direction':'Inbound','LocalIPAddress':'fd00:1::/48',"
		"'Protocol':47}",
		"{'Action':'Allow','Direction':'Inbound','Protocol':'icmp'}",
	};

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct ext_acl_rule a = R(in[i]), b;
		json_t *j = ext_acl_rule_to_json(&a), *j2;
		char err[128] = "";

		cr_assert_not_null(j);
		cr_assert_eq(ext_acl_rule_from_json(j, "", &b, err, sizeof(err)), 0,
			     "%s", err);
		j2 = ext_acl_rule_to_json(&b);
		cr_expect(json_equal(j, j2), "%s does not round-trip", in[i]);
		b.id = a.id;
		cr_expect_eq(memcmp(&a, &b, sizeof(a)), 0, "%s", in[i]);
		json_decref(j);
		json_decref(j2);
	}
	struct ext_acl_rule r = R(in[1]);
	json_t *j = ext_acl_rule_to_json(&r);

	cr_expect_str_eq(json_string_value(json_object_get(j, "LocalIPAddress")),
			 "10.0.0.0/24");
	cr_expect_str_eq(json_string_value(json_object_get(j, "RemotePort")), "443");
	cr_expect_str_eq(json_string_value(json_object_get(j, "LocalPort")), "1-2");
	cr_expect_str_eq(json_string_value(json_object_get(j, "Protocol")), "TCP");
	cr_expect(json_is_true(json_object_get(j, "Stateful")));
	json_decref(j);
}

/* ---- HNS ACL policies ---- */

static int hns(const char *text, struct ext_acl_rule *out, unsigned max,
	       char *err, size_t errlen)
{
	json_t *o = J(text);
	int n = ext_acl_rules_from_hns_policy(o, "Policies[2]", out, max, err, errlen);

	json_decref(o);
	return n;
}

static bool has_rule(const struct ext_acl_rule *r, int n, const char *remote,
		     uint16_t lport)
{
	for (int i = 0; i < n; i++) {
		char buf[64];

		inet_ntop(r[i].remote_ip.family == 6 ? AF_INET6 : AF_INET,
			  r[i].remote_ip.addr, buf, sizeof(buf));
		if (!r[i].remote_ip.any && strcmp(buf, remote) == 0 &&
		    r[i].local_port_lo == lport && r[i].local_port_hi == lport)
			return true;
	}
	return false;
}

Test(ext_acl, hns_v1_policy)
{
	struct ext_acl_rule r[16];
	char err[256] = "";
	/* as hcsshim's ACLPolicy marshals it: zero numbers included */
	int n = hns("{'Type':'ACL','Id':'a1','Protocol':0,'Protocols':'6',"
		    "'InternalPort':0,'Action':'Block','Direction':'In',"
		    "'LocalAddresses':'','RemoteAddresses':'10.0.0.0/8, 192.168.1.1',"
		    "'LocalPorts':'80,443','LocalPort':0,'RemotePort':0,"
		    "'RuleType':'Switch','Priority':200,'ServiceName':''}",
		    r, 16, err, sizeof(err));

	cr_assert_eq(n, 4, "%s", err);
	for (int i = 0; i < n; i++) {
		cr_expect_eq(r[i].action, ACL_DENY);
		cr_expect_eq(r[i].dir, ACL_DIR_INBOUND);
		cr_expect_eq(r[i].protocol, 6);
		cr_expect_eq(r[i].weight, 65535 - 200);
		cr_expect(r[i].local_ip.any);
		cr_expect(!r[i].stateful);
		cr_expect_eq(r[i].remote_port_lo, 0);
		cr_expect_eq(r[i].remote_port_hi, 65535);
	}
	cr_expect(has_rule(r, n, "10.0.0.0", 80));
	cr_expect(has_rule(r, n, "10.0.0.0", 443));
	cr_expect(has_rule(r, n, "192.168.1.1", 80));
	cr_expect(has_rule(r, n, "192.168.1.1", 443));

	/* v1 single-valued fields, Allow Out: stateful */
	n = hns("{'Type':'ACL','Protocol':17,'Action':'Allow','Direction':'Out',"
		"'RemotePort':53,'RemoteAddresses':'fd00::53','Priority':100}",
		r, 16, err, sizeof(err));
	cr_assert_eq(n, 1, "%s", err);
	cr_expect_eq(r[0].action, ACL_ALLOW);
	cr_expect_eq(r[0].dir, ACL_DIR_OUTBOUND);
	cr_expect_eq(r[0].protocol, 17);
	cr_expect_eq(r[0].remote_port_lo, 53);
	cr_expect_eq(r[0].remote_port_hi, 53);
	cr_expect_eq(r[0].remote_ip.family, 6);
	cr_expect_eq(r[0].weight, 65535 - 100);
	cr_expect(r[0].stateful);

	/* no protocol at all: ANY; Priority absent: 0, the highest weight */
	n = hns("{'Type':'ACL','Action':'allow','Direction':'in'}", r, 16, err, sizeof(err));
	cr_assert_eq(n, 1, "%s", err);
	cr_expect_eq(r[0].protocol, EXT_ACL_PROTO_ANY);
	cr_expect_eq(r[0].weight, 65535);
	cr_expect(r[0].local_ip.any && r[0].remote_ip.any);
}

Test(ext_acl, hns_v2_policy)
{
	struct ext_acl_rule r[64];
	char err[256] = "";
	int n = hns("{'Type':'ACL','Settings':{'Protocols':'6,17','Action':'Allow',"
		    "'Direction':'Out','LocalAddresses':'10.0.0.5,fd00::5',"
		    "'RemoteAddresses':'8.8.8.8,2001:db8::/32,1.1.1.1','RemotePorts':'53,1000-2000',"
		    "'RuleType':'Host','Priority':300}}",
		    r, 64, err, sizeof(err));

	/* 2 protocols x (1x2 IPv4 pairs + 1x1 IPv6 pair) x 2 remote ports */
	cr_assert_eq(n, 12, "%s", err);
	for (int i = 0; i < n; i++) {
		cr_expect_eq(r[i].dir, ACL_DIR_OUTBOUND);
		cr_expect_eq(r[i].weight, 65535 - 300);
		cr_expect(r[i].stateful);
		cr_expect(r[i].protocol == 6 || r[i].protocol == 17);
		cr_expect_eq(r[i].local_ip.family, r[i].remote_ip.family);
	}
	cr_expect_eq(hns("{'Type':'ACL','Settings':{'Action':'Allow','Direction':'Out'}}",
			 r, 64, err, sizeof(err)), 1, "%s", err);
	/* too many for the caller's array */
	cr_expect_eq(hns("{'Type':'ACL','Settings':{'Protocols':'6,17','Action':'Allow',"
			 "'Direction':'Out','LocalPorts':'1,2,3'}}", r, 5, err, sizeof(err)), -1);
	cr_expect(strstr(err, "Policies[2]: ") != NULL, "%s", err);
}

Test(ext_acl, hns_priority_orders_rules)
{
	struct ext_acl_rule r[4];
	char err[256] = "";
	int n;

	n = hns("{'Type':'ACL','Action':'Block','Direction':'In','Priority':1000}",
		r, 4, err, sizeof(err));
	cr_assert_eq(n, 1, "%s", err);
	n = hns("{'Type':'ACL','Settings':{'Action':'Allow','Direction':'In',"
		"'Protocols':'TCP','LocalPorts':'80','Priority':100}}",
		r + 1, 3, err, sizeof(err));
	cr_assert_eq(n, 1, "%s", err);
	n = hns("{'Type':'ACL','Action':'Allow','Direction':'Out','Priority':1000}",
		r + 2, 2, err, sizeof(err));
	cr_assert_eq(n, 1, "%s", err);
	n = hns("{'Type':'ACL','Action':'Block','Direction':'Out','Priority':200,"
		"'RemoteAddresses':'6.6.6.6'}", r + 3, 1, err, sizeof(err));
	cr_assert_eq(n, 1, "%s", err);
	for (int i = 0; i < 4; i++)
		r[i].id = next_id++;

	struct ext_acl_table *t = compile(r, 4);
	struct ext_acl_flows *f = flows_new(256);

	/* Priority 100 Allow beats Priority 1000 Block */
	expect(t, f, IN, P4(TCP, "1.1.1.1", 1234, "10.0.0.5", 80), 0, ALLOW);
	expect(t, f, IN, P4(TCP, "1.1.1.1", 1234, "10.0.0.5", 81), 0, DENY);
	/* Priority 200 Block beats Priority 1000 Allow */
	expect(t, f, OUT, P4(TCP, "10.0.0.5", 1234, "6.6.6.6", 80), 0, DENY);
	/* the stateful Allow Out admits its return traffic past the Block In */
	expect(t, f, OUT, P4(TCP, "10.0.0.5", 1234, "7.7.7.7", 81), 0, ALLOW);
	expect(t, f, IN, P4(TCP, "7.7.7.7", 81, "10.0.0.5", 1234), 1, ALLOW);
	ext_acl_flows_free(f);
	ext_acl_free(t);
}

static void expect_hns_error(const char *json, const char *path, const char *word)
{
	struct ext_acl_rule r[16];
	char err[256] = "";

	cr_expect_eq(hns(json, r, 16, err, sizeof(err)), -1, "%s was accepted", json);
	cr_expect(strstr(err, path) != NULL, "%s: error '%s' does not name %s",
		  json, err, path);
	if (word)
		cr_expect(strstr(err, word) != NULL, "%s: error '%s' lacks '%s'",
			  json, err, word);
}

Test(ext_acl, hns_policy_errors)
{
	expect_hns_error("{'Type':'NAT','Action':'Allow','Direction':'In'}",
			 "Policies[2].Type: ", "NAT");
	expect_hns_error("{'Type':'ACL','Action':'Deny','Direction':'In'}",
			 "Policies[2].Action: ", "Block");
	expect_hns_error("{'Type':'ACL','Action':'Allow','Direction':'Inbound'}",
			 "Policies[2].Direction: ", "Inbound");
	expect_hns_error("{'Type':'ACL','Action':'Allow'}",
			 "Policies[2].Direction: ", "missing");
	expect_hns_error("{'Type':'ACL','Settings':{'Action':'Allow','Direction':'In',"
			 "'Id':'x'}}", "Policies[2].Settings.Id: ", "unknown");
	expect_hns_error("{'Type':'ACL','Action':'Allow','Direction':'In','Bogus':1}",
			 "Policies[2].Bogus: ", "unknown");
	expect_hns_error("{'Type':'ACL','Settings':{'Action':'Allow','Direction':'In',"
			 "'Protocols':'ICMP','LocalPorts':'80'}}",
			 "Policies[2].Settings.LocalPorts: ", "ICMP");
	expect_hns_error("{'Type':'ACL','Action':'Allow','Direction':'In',"
			 "'Protocol':1,'LocalPort':80}", "Policies[2].LocalPort: ", "ICMP");
	expect_hns_error("{'Type':'ACL','Action':'Allow','Direction':'In',"
			 "'RemotePorts':'90-80'}", "Policies[2].RemotePorts: ", "reversed");
	expect_hns_error("{'Type':'ACL','Action':'Allow','Direction':'In',"
			 "'RemotePorts':'80,,81'}", "Policies[2].RemotePorts: ", "empty");
	expect_hns_error("{'Type':'ACL','Action':'Allow','Direction':'In',"
			 "'RemoteAddresses':'10.0.0.1,nope'}",
			 "Policies[2].RemoteAddresses: ", "nope");
	expect_hns_error("{'Type':'ACL','Action':'Allow','Direction':'In',"
			 "'Protocols':'6,XTP'}", "Policies[2].Protocols: ", "XTP");
	expect_hns_error("{'Type':'ACL','Action':'Allow','Direction':'In',"
			 "'Priority':70000}", "Policies[2].Priority: ", NULL);
	expect_hns_error("{'Type':'ACL','Action':'Allow','Direction':'In',"
			 "'RuleType':'Router'}", "Policies[2].RuleType: ", "Router");
	expect_hns_error("{'Type':'ACL','Action':'Allow','Direction':'In',"
			 "'LocalAddresses':'10.0.0.1','RemoteAddresses':'fd00::1'}",
			 "Policies[2].RemoteAddresses: ", NULL);
	expect_hns_error("{'Type':'ACL','Settings':'x'}", "Policies[2].Settings: ",
			 "object");
}

/* ---- random rules against a brute-force evaluator ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)((rng_state >> 11) % n);
}

/* Addresses from a small space so that rules and packets meet:
 * IPv4 10.a.b.c (a 0-1, b 0-3), IPv6 fd00::a:0:0:b:c (a 0-3, b 0-3). */
static void rand_addr(uint8_t family, uint8_t *a)
{
	memset(a, 0, 16);
	if (family == 4) {
		a[0] = rnd(20) ? 10 : 11;
		a[1] = (uint8_t)rnd(2);
		a[2] = (uint8_t)rnd(8);
		a[3] = (uint8_t)rnd(256);
	} else {
		a[0] = rnd(20) ? 0xfd : 0xfc;
		a[7] = (uint8_t)rnd(4);
		a[13] = (uint8_t)rnd(8);
		a[15] = (uint8_t)rnd(256);
		if (rnd(8) == 0)
			a[9] = (uint8_t)rnd(256);
	}
}

static void rand_prefix(uint8_t family, struct acl_prefix *p)
{
	static const uint8_t d4[] = { 0, 8, 15, 16, 21, 22, 23, 24, 24, 26, 27, 30,
				      31, 32, 32, 32, 32, 32, 32, 32 };
	static const uint8_t d6[] = { 0, 8, 56, 64, 65, 100, 110, 111, 112, 120, 121,
				      124, 127, 128, 128, 128, 128, 128, 128, 128 };
	unsigned max = family == 4 ? 32 : 128;

	memset(p, 0, sizeof(*p));
	if (rnd(100) < 10) {
		p->any = true;
		return;
	}
	p->family = family;
	p->depth = family == 4 ? d4[rnd(sizeof(d4))] : d6[rnd(sizeof(d6))];
	rand_addr(family, p->addr);
	for (unsigned bit = p->depth; bit < max; bit++)
		p->addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
}

static uint16_t rand_pkt_port(void)
{
	return rnd(10) == 0 ? (uint16_t)rnd(65536) : (uint16_t)rnd(48);
}

static void rand_ports(uint16_t *lo, uint16_t *hi)
{
	uint32_t k = rnd(10);

	if (k < 4) {
		*lo = 0;
		*hi = 65535;
	} else if (k < 7) {
		*lo = *hi = rand_pkt_port();
	} else if (k < 9) {
		uint16_t a = (uint16_t)rnd(48), b = (uint16_t)rnd(48);

		*lo = a < b ? a : b;
		*hi = a < b ? b : a;
	} else {
		uint16_t a = (uint16_t)rnd(65536), b = (uint16_t)rnd(65536);

		*lo = a < b ? a : b;
		*hi = a < b ? b : a;
	}
}

static void rand_rule(struct ext_acl_rule *r, uint32_t id)
{
	static const uint16_t protos[] = { EXT_ACL_PROTO_ANY, EXT_ACL_PROTO_ANY, 6, 6, 6,
					   17, 17, 1, 58, 47 };
	uint32_t fam = rnd(100);

	memset(r, 0, sizeof(*r));
	r->id = id;
	r->action = rnd(2) ? ACL_ALLOW : ACL_DENY;
	r->dir = rnd(2) ? ACL_DIR_INBOUND : ACL_DIR_OUTBOUND;
	if (fam < 2) {
		r->local_ip.any = r->remote_ip.any = true;
	} else {
		rand_prefix(fam < 55 ? 4 : 6, &r->local_ip);
		rand_prefix(fam < 55 ? 4 : 6, &r->remote_ip);
	}
	r->protocol = protos[rnd(sizeof(protos) / sizeof(protos[0]))];
	if (r->protocol == EXT_ACL_PROTO_ANY || r->protocol == 6 || r->protocol == 17) {
		rand_ports(&r->local_port_lo, &r->local_port_hi);
		rand_ports(&r->remote_port_lo, &r->remote_port_hi);
	} else {
		r->local_port_hi = r->remote_port_hi = 65535;
	}
	/* no catch-all rules, so that packets can match nothing, and broad
	 * rules weigh less, so that they do not decide everything */
	bool broad = (r->local_ip.any || r->local_ip.depth < 16) &&
		     (r->remote_ip.any || r->remote_ip.depth < 16);

	if (broad && r->protocol == EXT_ACL_PROTO_ANY)
		r->protocol = rnd(2) ? 6 : 17;
	if (broad && (r->protocol == 6 || r->protocol == 17) && rnd(4))
		r->local_port_lo = r->local_port_hi = rand_pkt_port();
	r->weight = broad ? rnd(20) : rnd(60);
	r->idle_timeout = EXT_ACL_DEFAULT_IDLE_TIMEOUT;
}

static void rand_pkt(struct vfp_pkt *p, enum acl_dir *dir)
{
	static const uint8_t protos[] = { 6, 6, 6, 17, 17, 1, 58, 47, 132 };

	memset(p, 0, sizeof(*p));
	*dir = rnd(2) ? ACL_DIR_INBOUND : ACL_DIR_OUTBOUND;
	p->family = rnd(2) ? 4 : 6;
	p->proto = protos[rnd(sizeof(protos))];
	if (p->family == 4) {
		uint8_t a[16];

		rand_addr(4, a);
		p->src_ip4 = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
		rand_addr(4, a);
		p->dst_ip4 = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	} else {
		rand_addr(6, p->src_ip6);
		rand_addr(6, p->dst_ip6);
	}
	p->has_ports = has_ports(p->proto) && rnd(10) != 0;
	if (p->has_ports) {
		p->src_port = rand_pkt_port();
		p->dst_port = rand_pkt_port();
	}
	p->len = 64;
}

static bool ref_prefix(const struct acl_prefix *p, const struct vfp_pkt *pkt, bool src)
{
	uint8_t a[16];

	if (p->any)
		return true;
	if (p->family != pkt->family)
		return false;
	if (pkt->family == 4) {
		uint32_t v = src ? pkt->src_ip4 : pkt->dst_ip4;

		a[0] = (uint8_t)(v >> 24);
		a[1] = (uint8_t)(v >> 16);
		a[2] = (uint8_t)(v >> 8);
		a[3] = (uint8_t)v;
	} else {
		memcpy(a, src ? pkt->src_ip6 : pkt->dst_ip6, 16);
	}
	for (unsigned bit = 0; bit < p->depth; bit++) {
		unsigned mask = 0x80u >> (bit % 8);

		if ((a[bit / 8] & mask) != (p->addr[bit / 8] & mask))
			return false;
	}
	return true;
}

static bool ref_port(uint16_t lo, uint16_t hi, bool portless, uint16_t port)
{
	if (lo == 0 && hi == 65535)
		return true;
	return !portless && lo <= port && port <= hi;
}

/* The specification, literally: the matching rule of the highest weight,
 * Deny over Allow at equal weight. */
static enum ext_acl_result reference(const struct ext_acl_rule *rules, unsigned n,
				     enum acl_dir dir, const struct vfp_pkt *p,
				     const struct ext_acl_rule **winner)
{
	const bool in = dir == ACL_DIR_INBOUND;
	const bool portless = p->proto == 1 || p->proto == 58 || !p->has_ports;
	const struct ext_acl_rule *best = NULL;

	for (unsigned i = 0; i < n; i++) {
		const struct ext_acl_rule *r = &rules[i];

		if (r->dir != dir || !ref_prefix(&r->local_ip, p, !in) ||
		    !ref_prefix(&r->remote_ip, p, in) ||
		    (r->protocol != EXT_ACL_PROTO_ANY && r->protocol != p->proto) ||
		    !ref_port(r->local_port_lo, r->local_port_hi, portless,
			      in ? p->dst_port : p->src_port) ||
		    !ref_port(r->remote_port_lo, r->remote_port_hi, portless,
			      in ? p->src_port : p->dst_port))
			continue;
		/* strict: of equal rules the first one listed wins */
		if (best == NULL || r->weight > best->weight ||
		    (r->weight == best->weight && r->action == ACL_DENY &&
		     best->action == ACL_ALLOW))
			best = r;
	}
	*winner = best;
	return best == NULL ? EXT_ACL_NO_MATCH :
	       best->action == ACL_DENY ? EXT_ACL_DENY : EXT_ACL_ALLOW;
}

#define RANDOM_RULES 5000
#define RANDOM_PACKETS 5000

Test(ext_acl, random_rules_agree_with_brute_force)
{
	struct ext_acl_rule *rules = calloc(RANDOM_RULES, sizeof(*rules));
	struct ext_acl_table *t;
	unsigned seen[3] = { 0 }, bad = 0, wrong_rule = 0;

	cr_assert_not_null(rules);
	for (unsigned i = 0; i < RANDOM_RULES; i++)
		rand_rule(&rules[i], i + 1);
	t = compile(rules, RANDOM_RULES);
	for (unsigned i = 0; i < RANDOM_PACKETS; i++) {
		struct vfp_pkt p;
		enum acl_dir dir;

		rand_pkt(&p, &dir);
		const struct ext_acl_rule *winner = NULL;
		enum ext_acl_result want = reference(rules, RANDOM_RULES, dir, &p, &winner);
		uint64_t before = 0, after = 0, bytes;

		if (winner != NULL)
			cr_assert_eq(ext_acl_rule_hits(t, winner->id, &before, &bytes), 0);
		enum ext_acl_result got = ext_acl_classify(t, NULL, dir, &p, 0, 0);

		/* the deciding rule is the one counted */
		if (winner != NULL) {
			ext_acl_rule_hits(t, winner->id, &after, &bytes);
			wrong_rule += after != before + 1;
		}

		seen[want]++;
		if (got != want && bad++ < 10)
			cr_expect_eq(got, want, "packet %u (IPv%u proto %u %s): %s, "
				     "reference %s", i, p.family, p.proto,
				     dir == ACL_DIR_INBOUND ? "in" : "out",
				     res_name(got), res_name(want));
	}
	cr_expect_eq(bad, 0, "%u of %d packets disagree", bad, RANDOM_PACKETS);
	cr_expect_eq(wrong_rule, 0, "%u of %d packets counted on another rule",
		     wrong_rule, RANDOM_PACKETS);
	/* the draw exercises every outcome */
	cr_expect_gt(seen[EXT_ACL_NO_MATCH], RANDOM_PACKETS / 500);
	cr_expect_gt(seen[EXT_ACL_ALLOW], RANDOM_PACKETS / 10);
	cr_expect_gt(seen[EXT_ACL_DENY], RANDOM_PACKETS / 10);
	ext_acl_free(t);
	free(rules);
}

/* The verdict cache (ext_acl_cache.h): a flow's later packets are decided
 * from the worker's slot, not rte_acl. A pool of packets four times the
 * slots, drawn again and again in both directions by two workers, makes
 * hits, misses and slot collisions; every answer and every counted rule
 * must still be the reference's. */
#define CACHE_POOL 16384
#define CACHE_DRAWS 60000

Test(ext_acl, repeated_packets_agree_through_the_verdict_cache)
{
	struct ext_acl_rule *rules = calloc(500, sizeof(*rules));
	struct vfp_pkt *pool = calloc(CACHE_POOL, sizeof(*pool));
	enum acl_dir *dirs = calloc(CACHE_POOL, sizeof(*dirs));
	enum ext_acl_result *want = calloc(CACHE_POOL, sizeof(*want));
	const struct ext_acl_rule **winner = calloc(CACHE_POOL, sizeof(*winner));
	unsigned bad = 0, wrong_rule = 0;
	struct ext_acl_table *t;

	cr_assert(rules && pool && dirs && want && winner);
	for (unsigned i = 0; i < 500; i++)
		rand_rule(&rules[i], i + 1);
	t = compile(rules, 500);
	for (unsigned i = 0; i < CACHE_POOL; i++) {
		rand_pkt(&pool[i], &dirs[i]);
		want[i] = reference(rules, 500, dirs[i], &pool[i], &winner[i]);
	}
	for (unsigned d = 0; d < CACHE_DRAWS; d++) {
		unsigned i = (unsigned)rand() % CACHE_POOL, worker = d & 1;
		uint64_t before = 0, after = 0, bytes;

		if (winner[i] != NULL)
			ext_acl_rule_hits(t, winner[i]->id, &before, &bytes);
		enum ext_acl_result got = ext_acl_classify(t, NULL, dirs[i], &pool[i], worker, 0);

		if (winner[i] != NULL) {
			ext_acl_rule_hits(t, winner[i]->id, &after, &bytes);
			wrong_rule += after != before + 1;
		}
		if (got != want[i] && bad++ < 10)
			cr_expect_eq(got, want[i], "draw %u (packet %u): %s, reference %s", d, i,
				     res_name(got), res_name(want[i]));
	}
	cr_expect_eq(bad, 0, "%u of %d draws disagree", bad, CACHE_DRAWS);
	cr_expect_eq(wrong_rule, 0, "%u of %d draws counted on another rule", wrong_rule,
		     CACHE_DRAWS);
	ext_acl_free(t);
	free(rules);
	free(pool);
	free(dirs);
	free(want);
	free(winner);
}

/* A rule set too big for one rte_acl context (at most 8 tries of 0x800
 * nodes) is split into several, and still decides like the reference. */
#define BIG_RULES 7000
#define BIG_PACKETS 5000

Test(ext_acl, big_rule_sets_are_split_and_still_agree)
{
	struct ext_acl_rule *rules = calloc(BIG_RULES, sizeof(*rules));
	struct ext_acl_table *t;
	unsigned bad = 0, seen[3] = { 0 };

	cr_assert_not_null(rules);
	rng_state = 0x1234567887654321ull;
	/* the random rules of one direction and family */
	for (unsigned i = 0; i < BIG_RULES; i++) {
		do
			rand_rule(&rules[i], i + 1);
		while (rules[i].local_ip.family == 6 || rules[i].remote_ip.family == 6);
		rules[i].dir = ACL_DIR_INBOUND;
	}
	t = compile(rules, BIG_RULES);
	cr_expect_gt(ext_acl_nb_contexts(t), 2, "not split: %u context(s)",
		     ext_acl_nb_contexts(t));
	for (unsigned i = 0; i < BIG_PACKETS; i++) {
		struct vfp_pkt p;
		enum acl_dir dir;
		const struct ext_acl_rule *winner;

		do
			rand_pkt(&p, &dir);
		while (p.family != 4);
		dir = ACL_DIR_INBOUND;
		enum ext_acl_result want = reference(rules, BIG_RULES, dir, &p, &winner);

		seen[want]++;
		if (ext_acl_classify(t, NULL, dir, &p, 0, 0) != want)
			bad++;
	}
	cr_expect_eq(bad, 0, "%u of %d packets disagree", bad, BIG_PACKETS);
	cr_expect_gt(seen[EXT_ACL_ALLOW], BIG_PACKETS / 10);
	cr_expect_gt(seen[EXT_ACL_DENY], BIG_PACKETS / 10);
	ext_acl_free(t);
	free(rules);
}
