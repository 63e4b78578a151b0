/* VFP port ACLs (vfp/port_acl.h): precedence (MAC > longest prefix >
 * ANY, Deny > Allow at equal specificity, no match allows), Meter rules,
 * directions and the local/remote swap, non-IP frames, per-worker counters
 * and their carry-over, JSON round trip and validation, and a randomised
 * comparison of the compiled lookups against a brute-force evaluator
 * written from the rules. Needs EAL (rte_lpm, rte_lpm6, rte_malloc). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <rte_malloc.h>

#include <rte_mbuf.h>

#include "acl_json.h"
#include "addr_parse.h"
#include "eal_fixture.h"
#include "port_acl.h"

#define NB_WORKERS 4
#define VM_MAC "02:00:00:00:00:01"   /* the port's VM */
#define PEER_MAC "02:00:00:00:00:02" /* the other side */

/* Room for rte_lpm/rte_lpm6 (64 MiB tbl24 each). */
static void eal_setup(void)
{
	test_eal_init_mem("512");
}

TestSuite(port_acl, .init = eal_setup, .fini = test_eal_cleanup, .timeout = 50);
TestSuite(port_acl_json, .timeout = 10);

/* ---- helpers ------------------------------------------------------------- */

static struct port_acl_rule rule(uint32_t id, const char *action, const char *dir,
				 const char *field, const char *addr)
{
	char text[256], err[256];
	json_error_t je;
	json_t *o;
	struct port_acl_rule r = {.id = id};

	snprintf(text, sizeof(text),
		 "{\"Action\": \"%s\", \"Direction\": \"%s\", \"%s\": \"%s\"}",
		 action, dir, field, addr);
	o = json_loads(text, 0, &je);
	cr_assert_not_null(o, "%s", je.text);
	cr_assert_eq(port_acl_rule_from_json(o, "Acls[0]", &r, err, sizeof(err)), 0,
		     "%s: %s", text, err);
	json_decref(o);
	cr_assert_eq(r.id, id);
	return r;
}

static struct port_acl_table *compile(const struct port_acl_rule *rules, unsigned n)
{
	char err[256] = "";
	struct port_acl_table *t =
		port_acl_compile(rules, n, NB_WORKERS, SOCKET_ID_ANY, err, sizeof(err));

	cr_assert_not_null(t, "port_acl_compile: %s", err);
	return t;
}

static struct rte_ether_addr mac(const char *s)
{
	struct rte_ether_addr m;

	cr_assert_eq(mac_parse(s, &m), 0, "bad MAC %s", s);
	return m;
}

static struct vfp_pkt frame(const char *smac, const char *dmac, const char *sip,
			    const char *dip)
{
	struct vfp_pkt p;

	memset(&p, 0, sizeof(p));
	p.src_mac = mac(smac);
	p.dst_mac = mac(dmac);
	p.len = 100;
	if (sip == NULL)
		return p; /* not IP (ARP) */
	if (strchr(sip, ':') != NULL) {
		p.family = 6;
		cr_assert_eq(inet_pton(AF_INET6, sip, p.src_ip6), 1);
		cr_assert_eq(inet_pton(AF_INET6, dip, p.dst_ip6), 1);
	} else {
		struct in_addr a;

		p.family = 4;
		cr_assert_eq(inet_pton(AF_INET, sip, &a), 1);
		p.src_ip4 = ntohl(a.s_addr);
		cr_assert_eq(inet_pton(AF_INET, dip, &a), 1);
		p.dst_ip4 = ntohl(a.s_addr);
	}
	p.proto = 17;
	return p;
}

/* Toward the VM (remote -> local) and from it (local -> remote). */
static struct vfp_pkt in(const char *remote_ip, const char *local_ip)
{
	return frame(PEER_MAC, VM_MAC, remote_ip, local_ip);
}

static struct vfp_pkt out(const char *local_ip, const char *remote_ip)
{
	return frame(VM_MAC, PEER_MAC, local_ip, remote_ip);
}

static struct vfp_pkt arp_in(void)
{
	return frame(PEER_MAC, VM_MAC, NULL, NULL);
}

static enum acl_verdict cls(struct port_acl_table *t, enum acl_dir dir,
			    struct vfp_pkt p)
{
	return port_acl_classify(t, dir, &p, 0);
}

#define ALLOW ACL_VERDICT_ALLOW
#define DENY ACL_VERDICT_DENY
#define IN ACL_DIR_INBOUND
#define OUT ACL_DIR_OUTBOUND

static uint64_t hits(struct port_acl_table *t, uint32_t id)
{
	uint64_t p = 0, b = 0;

	cr_assert_eq(port_acl_rule_hits(t, id, &p, &b), 0, "no rule %u", id);
	cr_assert_eq(b, p * 100, "rule %u: %llu bytes for %llu packets", id,
		     (unsigned long long)b, (unsigned long long)p);
	return p;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- 1. a MAC match beats any IP match ------------------------------------ */

Test(port_acl, mac_allow_beats_ip32_deny)
{
	struct port_acl_rule r[] = {
		rule(1, "Allow", "Inbound", "RemoteMacAddress", PEER_MAC),
		rule(2, "Deny", "Inbound", "RemoteIPAddress", "192.0.2.7"),
		rule(3, "Deny", "Inbound", "LocalIPAddress", "2001:db8::1"),
		rule(4, "Deny", "Inbound", "LocalIPAddress", "10.0.0.1/32"),
	};
	struct port_acl_table *t = compile(r, N(r));

	cr_assert_eq(cls(t, IN, in("192.0.2.7", "10.0.0.1")), ALLOW);
	cr_assert_eq(cls(t, IN, in("2001:db8::9", "2001:db8::1")), ALLOW);
	cr_assert_eq(hits(t, 1), 2);
	cr_assert_eq(hits(t, 2) + hits(t, 3) + hits(t, 4), 0);
	/* another peer MAC: the /32s decide */
	struct vfp_pkt p = frame("02:00:00:00:00:99", VM_MAC, "192.0.2.7", "10.0.0.9");
	cr_assert_eq(cls(t, IN, p), DENY);
	cr_assert_eq(hits(t, 2), 1);
	port_acl_free(t);
}

Test(port_acl, mac_deny_beats_ip32_allow)
{
	struct port_acl_rule r[] = {
		rule(1, "Deny", "Both", "LocalMacAddress", VM_MAC),
		rule(2, "Allow", "Both", "RemoteIPAddress", "192.0.2.7/32"),
		rule(3, "Allow", "Both", "RemoteIPAddress", "2001:db8::7/128"),
	};
	struct port_acl_table *t = compile(r, N(r));

	cr_assert_eq(cls(t, IN, in("192.0.2.7", "10.0.0.1")), DENY);
	cr_assert_eq(cls(t, OUT, out("10.0.0.1", "192.0.2.7")), DENY);
	cr_assert_eq(cls(t, IN, in("2001:db8::7", "2001:db8::1")), DENY);
	cr_assert_eq(cls(t, OUT, out("2001:db8::1", "2001:db8::7")), DENY);
	cr_assert_eq(hits(t, 1), 4);
	cr_assert_eq(hits(t, 2) + hits(t, 3), 0);
	port_acl_free(t);
}

/* ---- 2. the longest prefix wins; local and remote compete -------------- */

Test(port_acl, longest_prefix_v4)
{
	struct port_acl_rule r[] = {
		rule(8, "Deny", "Inbound", "RemoteIPAddress", "10.0.0.0/8"),
		rule(24, "Allow", "Inbound", "RemoteIPAddress", "10.1.2.0/24"),
		rule(32, "Deny", "Inbound", "RemoteIPAddress", "10.1.2.3"),
		rule(16, "Allow", "Inbound", "LocalIPAddress", "172.16.0.0/16"),
		rule(28, "Deny", "Inbound", "LocalIPAddress", "172.16.5.0/28"),
	};
	struct port_acl_table *t = compile(r, N(r));

	/* remote only (local 192.168.0.1 matches nothing) */
	cr_assert_eq(cls(t, IN, in("10.9.9.9", "192.168.0.1")), DENY);  /* /8 */
	cr_assert_eq(cls(t, IN, in("10.1.2.4", "192.168.0.1")), ALLOW); /* /24 */
	cr_assert_eq(cls(t, IN, in("10.1.2.3", "192.168.0.1")), DENY);  /* /32 */
	cr_assert_eq(cls(t, IN, in("11.0.0.1", "192.168.0.1")), ALLOW); /* none */
	cr_assert_eq(hits(t, 8), 1);
	cr_assert_eq(hits(t, 24), 1);
	cr_assert_eq(hits(t, 32), 1);
	/* local /16 allow vs remote /8 deny: /16 wins */
	cr_assert_eq(cls(t, IN, in("10.9.9.9", "172.16.9.9")), ALLOW);
	cr_assert_eq(hits(t, 16), 1);
	/* local /16 allow vs remote /24 allow vs remote /32 deny */
	cr_assert_eq(cls(t, IN, in("10.1.2.3", "172.16.9.9")), DENY);
	cr_assert_eq(hits(t, 32), 2);
	/* local /28 deny beats remote /24 allow */
	cr_assert_eq(cls(t, IN, in("10.1.2.4", "172.16.5.1")), DENY);
	cr_assert_eq(hits(t, 28), 1);
	/* remote /32 deny beats local /28 deny: either way denied, /32 counted */
	cr_assert_eq(cls(t, IN, in("10.1.2.3", "172.16.5.1")), DENY);
	cr_assert_eq(hits(t, 32), 3);
	cr_assert_eq(hits(t, 28), 1);
	port_acl_free(t);
}

Test(port_acl, longest_prefix_v6)
{
	struct port_acl_rule r[] = {
		rule(32, "Deny", "Outbound", "RemoteIPAddress", "2001:db8::/32"),
		rule(64, "Allow", "Outbound", "RemoteIPAddress", "2001:db8:0:1::/64"),
		rule(128, "Deny", "Outbound", "RemoteIPAddress", "2001:db8:0:1::5"),
		rule(48, "Allow", "Outbound", "LocalIPAddress", "fd00:1:2::/48"),
		rule(100, "Deny", "Outbound", "LocalIPAddress", "fd00:1:2:3::/100"),
	};
	struct port_acl_table *t = compile(r, N(r));

	cr_assert_eq(cls(t, OUT, out("fd99::1", "2001:db8:5::1")), DENY);
	cr_assert_eq(cls(t, OUT, out("fd99::1", "2001:db8:0:1::6")), ALLOW);
	cr_assert_eq(cls(t, OUT, out("fd99::1", "2001:db8:0:1::5")), DENY);
	cr_assert_eq(cls(t, OUT, out("fd99::1", "2001:db9::1")), ALLOW);
	/* local /48 allow beats remote /32 deny */
	cr_assert_eq(cls(t, OUT, out("fd00:1:2:9::1", "2001:db8:5::1")), ALLOW);
	cr_assert_eq(hits(t, 48), 1);
	/* remote /64 allow beats local /48 allow: counted on the /64 */
	cr_assert_eq(cls(t, OUT, out("fd00:1:2:9::1", "2001:db8:0:1::6")), ALLOW);
	cr_assert_eq(hits(t, 64), 2);
	/* local /100 deny beats remote /64 allow; remote /128 beats local /100 */
	cr_assert_eq(cls(t, OUT, out("fd00:1:2:3::1", "2001:db8:0:1::6")), DENY);
	cr_assert_eq(hits(t, 100), 1);
	cr_assert_eq(cls(t, OUT, out("fd00:1:2:3::1", "2001:db8:0:1::5")), DENY);
	cr_assert_eq(hits(t, 128), 2);
	cr_assert_eq(hits(t, 100), 1);
	/* an IPv4 packet matches no IPv6 prefix */
	cr_assert_eq(cls(t, OUT, out("10.0.0.1", "10.0.0.2")), ALLOW);
	port_acl_free(t);
}

/* A remote /8 deny and a local /32 allow with a deeper unrelated prefix
 * inside the /8: inheritance through the longest match in the union. */
Test(port_acl, inheritance_across_sides)
{
	struct port_acl_rule r[] = {
		rule(1, "Deny", "Inbound", "RemoteIPAddress", "10.0.0.0/8"),
		rule(2, "Allow", "Inbound", "LocalIPAddress", "10.1.1.1/32"),
		rule(3, "Meter", "Inbound", "LocalIPAddress", "10.1.0.0/16"),
		rule(4, "Allow", "Outbound", "RemoteIPAddress", "10.1.1.0/24"),
	};
	struct port_acl_table *t = compile(r, N(r));

	/* remote 10.1.1.1 hits the local /32's and outbound /24's LPM entries,
	 * which must still carry the inbound remote /8 */
	cr_assert_eq(cls(t, IN, in("10.1.1.1", "192.168.0.1")), DENY);
	cr_assert_eq(cls(t, IN, in("10.1.1.7", "192.168.0.1")), DENY);
	cr_assert_eq(hits(t, 1), 2);
	cr_assert_eq(hits(t, 3), 0); /* the meter is a local prefix */
	cr_assert_eq(cls(t, IN, in("10.1.1.7", "10.1.1.1")), ALLOW);
	cr_assert_eq(hits(t, 2), 1);
	cr_assert_eq(hits(t, 3), 1); /* local 10.1.1.1 is in the /16 */
	port_acl_free(t);
}

/* ---- 3. a specific match beats ANY ---------------------------------------- */

Test(port_acl, specific_beats_ip_any)
{
	struct port_acl_rule r[] = {
		rule(1, "Deny", "Inbound", "RemoteIPAddress", "ANY"),
		rule(2, "Allow", "Inbound", "RemoteIPAddress", "10.0.0.0/8"),
		rule(3, "Allow", "Inbound", "RemoteIPAddress", "2001:db8::/32"),
		rule(4, "Allow", "Inbound", "LocalIPAddress", "0.0.0.0/0"),
	};
	struct port_acl_table *t = compile(r, N(r));

	cr_assert_eq(cls(t, IN, in("10.1.1.1", "192.168.0.1")), ALLOW);
	cr_assert_eq(hits(t, 2), 1);
	cr_assert_eq(cls(t, IN, in("2001:db8::1", "fd00::1")), ALLOW);
	cr_assert_eq(hits(t, 3), 1);
	cr_assert_eq(cls(t, IN, in("2001:db9::1", "fd00::1")), DENY); /* ANY */
	cr_assert_eq(hits(t, 1), 1);
	/* 0.0.0.0/0 is a prefix: more specific than ANY, for IPv4 only */
	cr_assert_eq(cls(t, IN, in("11.1.1.1", "192.168.0.1")), ALLOW);
	cr_assert_eq(hits(t, 4), 1);
	port_acl_free(t);
}

Test(port_acl, specific_beats_mac_any)
{
	struct port_acl_rule r[] = {
		rule(1, "Deny", "Inbound", "RemoteMacAddress", "ANY"),
		rule(2, "Allow", "Inbound", "RemoteMacAddress", PEER_MAC),
		rule(3, "Allow", "Inbound", "RemoteIPAddress", "2001:db8::5"),
		rule(4, "Allow", "Inbound", "LocalIPAddress", "10.0.0.1"),
	};
	struct port_acl_table *t = compile(r, N(r));

	/* the MAC beats MAC ANY */
	cr_assert_eq(cls(t, IN, in("192.0.2.1", "192.0.2.2")), ALLOW);
	cr_assert_eq(hits(t, 2), 1);
	/* another MAC: MAC ANY denies, unless an IP prefix matches */
	struct vfp_pkt p = frame("02:00:00:00:00:77", VM_MAC, "192.0.2.1", "192.0.2.2");
	cr_assert_eq(cls(t, IN, p), DENY);
	cr_assert_eq(hits(t, 1), 1);
	p = frame("02:00:00:00:00:77", VM_MAC, "192.0.2.1", "10.0.0.1");
	cr_assert_eq(cls(t, IN, p), ALLOW);
	cr_assert_eq(hits(t, 4), 1);
	p = frame("02:00:00:00:00:77", VM_MAC, "2001:db8::5", "fd00::1");
	cr_assert_eq(cls(t, IN, p), ALLOW);
	cr_assert_eq(hits(t, 3), 1);
	p = frame("02:00:00:00:00:77", VM_MAC, "2001:db8::6", "fd00::1");
	cr_assert_eq(cls(t, IN, p), DENY);
	cr_assert_eq(hits(t, 1), 2);
	port_acl_free(t);
}

/* IP ANY and MAC ANY are equally unspecific: Deny wins between them. */
Test(port_acl, ip_any_and_mac_any_tie)
{
	struct port_acl_rule a[] = {
		rule(1, "Allow", "Inbound", "LocalMacAddress", "ANY"),
		rule(2, "Deny", "Inbound", "RemoteIPAddress", "any"),
	};
	struct port_acl_rule b[] = {
		rule(1, "Deny", "Inbound", "LocalMacAddress", "ANY"),
		rule(2, "Allow", "Inbound", "RemoteIPAddress", "Any"),
	};
	struct port_acl_table *t = compile(a, N(a));

	cr_assert_eq(cls(t, IN, in("10.0.0.1", "10.0.0.2")), DENY);
	cr_assert_eq(cls(t, IN, arp_in()), ALLOW); /* IP ANY does not match */
	cr_assert_eq(hits(t, 2), 1);
	cr_assert_eq(hits(t, 1), 1);
	port_acl_free(t);
	t = compile(b, N(b));
	cr_assert_eq(cls(t, IN, in("2001:db8::1", "2001:db8::2")), DENY);
	cr_assert_eq(cls(t, IN, arp_in()), DENY);
	cr_assert_eq(hits(t, 1), 2);
	port_acl_free(t);
}

/* ---- 4. Deny beats Allow at equal specificity ----------------------------- */

Test(port_acl, deny_beats_allow_same_prefix)
{
	struct port_acl_rule r[] = {
		rule(1, "Allow", "Inbound", "RemoteIPAddress", "10.0.0.0/24"),
		rule(2, "Deny", "Inbound", "RemoteIPAddress", "10.0.0.0/24"),
		rule(3, "Allow", "Inbound", "RemoteIPAddress", "2001:db8::/64"),
		rule(4, "Deny", "Inbound", "RemoteIPAddress", "2001:db8::/64"),
		/* equal depth on the two sides */
		rule(5, "Allow", "Inbound", "LocalIPAddress", "172.16.0.0/16"),
		rule(6, "Deny", "Inbound", "RemoteIPAddress", "192.168.0.0/16"),
		rule(7, "Allow", "Inbound", "RemoteMacAddress", "02:00:00:00:00:41"),
		rule(8, "Deny", "Inbound", "LocalMacAddress", "02:00:00:00:00:42"),
	};
	struct port_acl_table *t = compile(r, N(r));

	cr_assert_eq(cls(t, IN, in("10.0.0.5", "1.1.1.1")), DENY);
	cr_assert_eq(cls(t, IN, in("2001:db8::5", "fd00::1")), DENY);
	cr_assert_eq(hits(t, 2), 1);
	cr_assert_eq(hits(t, 4), 1);
	cr_assert_eq(hits(t, 1) + hits(t, 3), 0);
	cr_assert_eq(cls(t, IN, in("192.168.1.1", "172.16.1.1")), DENY);
	cr_assert_eq(hits(t, 6), 1);
	/* remote MAC allow vs local MAC deny */
	struct vfp_pkt p = frame("02:00:00:00:00:41", "02:00:00:00:00:42", "1.1.1.1",
				 "2.2.2.2");
	cr_assert_eq(cls(t, IN, p), DENY);
	cr_assert_eq(hits(t, 8), 1);
	cr_assert_eq(hits(t, 7), 0);
	port_acl_free(t);
}

Test(port_acl, deny_beats_allow_ip_any)
{
	struct port_acl_rule r[] = {
		rule(1, "Allow", "Both", "LocalIPAddress", "ANY"),
		rule(2, "Deny", "Both", "RemoteIPAddress", "ANY"),
	};
	struct port_acl_table *t = compile(r, N(r));

	cr_assert_eq(cls(t, IN, in("10.0.0.5", "10.0.0.6")), DENY);
	cr_assert_eq(cls(t, OUT, out("2001:db8::1", "2001:db8::2")), DENY);
	cr_assert_eq(cls(t, IN, arp_in()), ALLOW);
	cr_assert_eq(hits(t, 2), 2);
	cr_assert_eq(hits(t, 1), 0);
	port_acl_free(t);
}

Test(port_acl, deny_beats_allow_mac_any)
{
	struct port_acl_rule r[] = {
		rule(1, "Allow", "Outbound", "LocalMacAddress", "ANY"),
		rule(2, "Deny", "Outbound", "LocalMacAddress", "ANY"),
		rule(3, "Allow", "Outbound", "LocalMacAddress", VM_MAC),
	};
	struct port_acl_table *t = compile(r, N(r));

	cr_assert_eq(cls(t, OUT, out("10.0.0.1", "10.0.0.2")), ALLOW); /* MAC */
	struct vfp_pkt p = frame("02:00:00:00:00:33", PEER_MAC, NULL, NULL);
	cr_assert_eq(cls(t, OUT, p), DENY);
	cr_assert_eq(hits(t, 2), 1);
	port_acl_free(t);
}

/* ---- no match, empty ------------------------------------------------------ */

Test(port_acl, no_match_allows)
{
	struct port_acl_rule r[] = {
		rule(1, "Deny", "Inbound", "RemoteIPAddress", "10.0.0.0/8"),
		rule(2, "Deny", "Inbound", "RemoteIPAddress", "2001:db8::/32"),
		rule(3, "Deny", "Inbound", "RemoteMacAddress", "02:00:00:00:00:66"),
	};
	struct port_acl_table *t = compile(r, N(r));

	cr_assert_eq(cls(t, IN, in("11.0.0.1", "10.0.0.1")), ALLOW);
	cr_assert_eq(cls(t, IN, in("2001:db9::1", "2001:db8::1")), ALLOW);
	cr_assert_eq(cls(t, IN, arp_in()), ALLOW);
	cr_assert_eq(hits(t, 1) + hits(t, 2) + hits(t, 3), 0);
	port_acl_free(t);
}

Test(port_acl, empty_table_allows)
{
	struct port_acl_table *t = compile(NULL, 0);
	uint64_t p, b;

	cr_assert_eq(cls(t, IN, in("10.0.0.1", "10.0.0.2")), ALLOW);
	cr_assert_eq(cls(t, OUT, out("2001:db8::1", "2001:db8::2")), ALLOW);
	cr_assert_eq(cls(t, IN, arp_in()), ALLOW);
	cr_assert_eq(port_acl_rule_hits(t, 0, &p, &b), -1);
	port_acl_free(t);
	port_acl_free(NULL);
}

/* ---- Meter ---------------------------------------------------------------- */

Test(port_acl, meter_counts_never_decides)
{
	struct port_acl_rule r[] = {
		rule(1, "Meter", "Inbound", "RemoteIPAddress", "10.1.2.3"),
		rule(2, "Allow", "Inbound", "RemoteIPAddress", "10.0.0.0/8"),
		rule(3, "Meter", "Inbound", "RemoteIPAddress", "10.1.0.0/16"),
		rule(4, "Deny", "Inbound", "RemoteIPAddress", "ANY"),
		rule(5, "Meter", "Inbound", "RemoteMacAddress", "ANY"),
		rule(6, "Meter", "Inbound", "RemoteIPAddress", "2001:db8::/32"),
		rule(7, "Meter", "Inbound", "RemoteIPAddress", "2001:db8::1"),
	};
	struct port_acl_table *t = compile(r, N(r));
	uint64_t p = 0, b = 0;

	/* the /32 meter is more specific than the /8 allow but does not decide */
	cr_assert_eq(cls(t, IN, in("10.1.2.3", "192.168.0.1")), ALLOW);
	cr_assert_eq(hits(t, 1), 1);
	cr_assert_eq(hits(t, 2), 1);
	cr_assert_eq(hits(t, 3), 0); /* only the most specific meter counts */
	cr_assert_eq(hits(t, 5), 0);
	cr_assert_eq(port_acl_rule_hits(t, 1, &p, &b), 0);
	cr_assert_eq(b, 100);
	cr_assert_eq(cls(t, IN, in("10.1.9.9", "192.168.0.1")), ALLOW);
	cr_assert_eq(hits(t, 3), 1);
	/* a meter alone does not allow past a deny */
	cr_assert_eq(cls(t, IN, in("2001:db8::1", "fd00::1")), DENY);
	cr_assert_eq(hits(t, 7), 1);
	cr_assert_eq(hits(t, 4), 1);
	cr_assert_eq(cls(t, IN, in("2001:db8::2", "fd00::1")), DENY);
	cr_assert_eq(hits(t, 6), 1);
	/* non-IP: the MAC ANY meter counts, nothing decides */
	cr_assert_eq(cls(t, IN, arp_in()), ALLOW);
	cr_assert_eq(hits(t, 5), 1);
	port_acl_free(t);
}

Test(port_acl, meter_only_allows)
{
	struct port_acl_rule r[] = {
		rule(1, "Meter", "Both", "LocalMacAddress", VM_MAC),
		rule(2, "Meter", "Both", "RemoteIPAddress", "10.0.0.0/8"),
	};
	struct port_acl_table *t = compile(r, N(r));

	cr_assert_eq(cls(t, IN, in("10.0.0.1", "10.0.0.2")), ALLOW);
	cr_assert_eq(cls(t, OUT, out("10.0.0.2", "10.0.0.1")), ALLOW);
	cr_assert_eq(hits(t, 1), 2); /* the MAC meter is the most specific */
	cr_assert_eq(hits(t, 2), 0);
	struct vfp_pkt p = frame(PEER_MAC, "02:00:00:00:00:55", "10.0.0.1", "10.0.0.2");
	cr_assert_eq(cls(t, IN, p), ALLOW);
	cr_assert_eq(hits(t, 2), 1);
	port_acl_free(t);
}

/* ---- directions ----------------------------------------------------------- */

Test(port_acl, direction_inbound_outbound_both)
{
	struct port_acl_rule r[] = {
		rule(1, "Deny", "Inbound", "RemoteIPAddress", "10.0.0.0/8"),
		rule(2, "Deny", "Outbound", "RemoteIPAddress", "2001:db8::/32"),
		rule(3, "Deny", "Both", "RemoteIPAddress", "192.0.2.0/24"),
	};
	struct port_acl_table *t = compile(r, N(r));

	cr_assert_eq(cls(t, IN, in("10.0.0.1", "172.16.0.1")), DENY);
	cr_assert_eq(cls(t, OUT, out("172.16.0.1", "10.0.0.1")), ALLOW);
	cr_assert_eq(cls(t, OUT, out("fd00::1", "2001:db8::1")), DENY);
	cr_assert_eq(cls(t, IN, in("2001:db8::1", "fd00::1")), ALLOW);
	cr_assert_eq(cls(t, IN, in("192.0.2.1", "172.16.0.1")), DENY);
	cr_assert_eq(cls(t, OUT, out("172.16.0.1", "192.0.2.1")), DENY);
	cr_assert_eq(hits(t, 3), 2);
	port_acl_free(t);
}

Test(port_acl, local_remote_swap_with_direction)
{
	struct port_acl_rule r[] = {
		rule(1, "Deny", "Both", "LocalIPAddress", "10.0.0.1"),
		rule(2, "Deny", "Both", "LocalIPAddress", "2001:db8::1"),
		rule(3, "Deny", "Both", "RemoteMacAddress", "02:00:00:00:00:bb"),
	};
	struct port_acl_table *t = compile(r, N(r));

	/* inbound: local is the destination */
	cr_assert_eq(cls(t, IN, in("10.9.9.9", "10.0.0.1")), DENY);
	cr_assert_eq(cls(t, IN, in("10.0.0.1", "10.9.9.9")), ALLOW);
	/* outbound: local is the source */
	cr_assert_eq(cls(t, OUT, out("10.0.0.1", "10.9.9.9")), DENY);
	cr_assert_eq(cls(t, OUT, out("10.9.9.9", "10.0.0.1")), ALLOW);
	cr_assert_eq(cls(t, IN, in("fd00::9", "2001:db8::1")), DENY);
	cr_assert_eq(cls(t, IN, in("2001:db8::1", "fd00::9")), ALLOW);
	cr_assert_eq(cls(t, OUT, out("2001:db8::1", "fd00::9")), DENY);
	cr_assert_eq(cls(t, OUT, out("fd00::9", "2001:db8::1")), ALLOW);
	/* MACs: remote is the source inbound, the destination outbound */
	struct vfp_pkt p = frame("02:00:00:00:00:bb", VM_MAC, NULL, NULL);
	cr_assert_eq(cls(t, IN, p), DENY);
	cr_assert_eq(cls(t, OUT, p), ALLOW);
	p = frame(VM_MAC, "02:00:00:00:00:bb", NULL, NULL);
	cr_assert_eq(cls(t, OUT, p), DENY);
	cr_assert_eq(cls(t, IN, p), ALLOW);
	cr_assert_eq(hits(t, 1), 2);
	cr_assert_eq(hits(t, 2), 2);
	cr_assert_eq(hits(t, 3), 2);
	port_acl_free(t);
}

/* ---- non-IP frames -------------------------------------------------------- */

Test(port_acl, ip_rules_skip_arp_mac_rules_match)
{
	struct port_acl_rule r[] = {
		rule(1, "Deny", "Inbound", "RemoteIPAddress", "ANY"),
		rule(2, "Deny", "Inbound", "LocalIPAddress", "0.0.0.0/0"),
		rule(3, "Deny", "Inbound", "LocalIPAddress", "::/0"),
	};
	struct port_acl_rule m[] = {
		rule(1, "Deny", "Inbound", "RemoteMacAddress", PEER_MAC),
	};
	struct port_acl_rule a[] = {
		rule(1, "Deny", "Inbound", "LocalMacAddress", "ANY"),
	};
	struct port_acl_table *t = compile(r, N(r));

	cr_assert_eq(cls(t, IN, arp_in()), ALLOW);
	cr_assert_eq(cls(t, IN, in("10.0.0.1", "10.0.0.2")), DENY);
	cr_assert_eq(cls(t, IN, in("2001:db8::1", "2001:db8::2")), DENY);
	cr_assert_eq(hits(t, 1), 0);
	cr_assert_eq(hits(t, 2), 1);
	cr_assert_eq(hits(t, 3), 1);
	port_acl_free(t);
	t = compile(m, N(m));
	cr_assert_eq(cls(t, IN, arp_in()), DENY);
	port_acl_free(t);
	t = compile(a, N(a));
	cr_assert_eq(cls(t, IN, arp_in()), DENY);
	cr_assert_eq(cls(t, IN, in("10.0.0.1", "10.0.0.2")), DENY);
	port_acl_free(t);
}

/* ---- counters ------------------------------------------------------------- */

Test(port_acl, counters_sum_workers)
{
	struct port_acl_rule r[] = {
		rule(10, "Deny", "Inbound", "RemoteIPAddress", "10.0.0.0/8"),
		rule(20, "Meter", "Inbound", "RemoteIPAddress", "10.0.0.0/16"),
	};
	struct port_acl_table *t = compile(r, N(r));
	struct vfp_pkt p = in("10.0.1.1", "192.168.0.1");
	uint64_t pk, by;

	for (unsigned w = 0; w < NB_WORKERS; w++)
		for (unsigned i = 0; i <= w; i++) {
			p.len = 60 + w;
			cr_assert_eq(port_acl_classify(t, IN, &p, w), DENY);
		}
	cr_assert_eq(port_acl_rule_hits(t, 10, &pk, &by), 0);
	cr_assert_eq(pk, 1 + 2 + 3 + 4);
	cr_assert_eq(by, 60 * 1 + 61 * 2 + 62 * 3 + 63 * 4);
	cr_assert_eq(port_acl_rule_hits(t, 20, &pk, &by), 0);
	cr_assert_eq(pk, 10);
	cr_assert_eq(port_acl_rule_hits(t, 30, &pk, &by), -1);
	port_acl_free(t);
}

Test(port_acl, counters_carry_over_by_id)
{
	struct port_acl_rule r1[] = {
		rule(1, "Deny", "Inbound", "RemoteIPAddress", "10.0.0.0/8"),
		rule(2, "Allow", "Inbound", "RemoteIPAddress", "2001:db8::/32"),
		rule(3, "Meter", "Inbound", "RemoteMacAddress", PEER_MAC),
	};
	/* 1 dropped, 2 and 3 kept in another order (2 changed), 4 new */
	struct port_acl_rule r2[] = {
		rule(4, "Deny", "Inbound", "RemoteIPAddress", "10.0.0.0/8"),
		rule(3, "Meter", "Inbound", "RemoteMacAddress", PEER_MAC),
		rule(2, "Allow", "Inbound", "RemoteIPAddress", "2001:db8::/48"),
	};
	struct port_acl_table *t1 = compile(r1, N(r1)), *t2, *t3;
	uint64_t p, b;

	for (unsigned w = 0; w < NB_WORKERS; w++) {
		struct vfp_pkt a = in("10.0.0.1", "192.168.0.1");
		struct vfp_pkt c = in("2001:db8::1", "fd00::1");

		port_acl_classify(t1, IN, &a, w);
		port_acl_classify(t1, IN, &c, w);
		port_acl_classify(t1, IN, &c, w);
	}
	cr_assert_eq(hits(t1, 1), 4);
	cr_assert_eq(hits(t1, 2), 8);
	cr_assert_eq(hits(t1, 3), 12);

	t2 = compile(r2, N(r2));
	cr_assert_eq(cls(t2, IN, in("10.0.0.1", "192.168.0.1")), DENY); /* before carry */
	port_acl_carry_counters(t2, t1);
	port_acl_free(t1);
	cr_assert_eq(port_acl_rule_hits(t2, 1, &p, &b), -1);
	cr_assert_eq(hits(t2, 2), 8);
	cr_assert_eq(hits(t2, 3), 13);
	cr_assert_eq(hits(t2, 4), 1);

	/* again: carried and new hits move on together */
	cr_assert_eq(cls(t2, IN, in("2001:db8::1", "fd00::1")), ALLOW);
	t3 = compile(r2, N(r2));
	port_acl_carry_counters(t3, t2);
	port_acl_free(t2);
	cr_assert_eq(hits(t3, 2), 9);
	cr_assert_eq(hits(t3, 3), 14);
	cr_assert_eq(hits(t3, 4), 1);
	port_acl_free(t3);
}

/* ---- JSON ----------------------------------------------------------------- */

static json_t *load(const char *text)
{
	json_error_t je;
	json_t *o = json_loads(text, 0, &je);

	cr_assert_not_null(o, "%s: %s", text, je.text);
	return o;
}

Test(port_acl_json, round_trip)
{
	static const char *const in_texts[] = {
		"{\"Action\":\"Allow\",\"Direction\":\"Inbound\",\"RemoteIPAddress\":\"10.0.0.0/8\"}",
		"{\"Action\":\"deny\",\"Direction\":\"outbound\",\"LocalIPAddress\":\"192.0.2.1\"}",
		"{\"Action\":\"METER\",\"Direction\":\"both\",\"LocalIPAddress\":\"any\"}",
		"{\"Action\":\"Deny\",\"Direction\":\"Both\",\"RemoteIPAddress\":\"2001:DB8::1\"}",
		"{\"Action\":\"Allow\",\"Direction\":\"Inbound\",\"RemoteIPAddress\":\"fe80::/10\"}",
		"{\"Action\":\"Allow\",\"Direction\":\"Inbound\",\"RemoteIPAddress\":\"0.0.0.0/0\"}",
		"{\"Action\":\"Deny\",\"Direction\":\"Inbound\",\"LocalMacAddress\":\"02-00-00-AA-BB-CC\"}",
		"{\"Action\":\"Deny\",\"Direction\":\"Outbound\",\"RemoteMacAddress\":\"aNy\"}",
	};
	static const char *const want[] = {
		"{\"Action\": \"Allow\", \"Direction\": \"Inbound\", \"RemoteIPAddress\": \"10.0.0.0/8\"}",
		"{\"Action\": \"Deny\", \"Direction\": \"Outbound\", \"LocalIPAddress\": \"192.0.2.1/32\"}",
		"{\"Action\": \"Meter\", \"Direction\": \"Both\", \"LocalIPAddress\": \"ANY\"}",
		"{\"Action\": \"Deny\", \"Direction\": \"Both\", \"RemoteIPAddress\": \"2001:db8::1/128\"}",
		"{\"Action\": \"Allow\", \"Direction\": \"Inbound\", \"RemoteIPAddress\": \"fe80::/10\"}",
		"{\"Action\": \"Allow\", \"Direction\": \"Inbound\", \"RemoteIPAddress\": \"0.0.0.0/0\"}",
		"{\"Action\": \"Deny\", \"Direction\": \"Inbound\", \"LocalMacAddress\": \"02:00:00:aa:bb:cc\"}",
		"{\"Action\": \"Deny\", \"Direction\": \"Outbound\", \"RemoteMacAddress\": \"ANY\"}",
	};

	for (size_t i = 0; i < N(in_texts); i++) {
		struct port_acl_rule r = {.id = 7}, r2 = {.id = 7};
		char err[256];
		json_t *o = load(in_texts[i]), *back;
		char *s;

		cr_assert_eq(port_acl_rule_from_json(o, "Acls[0]", &r, err, sizeof(err)), 0,
			     "%s: %s", in_texts[i], err);
		cr_assert_eq(r.id, 7);
		back = port_acl_rule_to_json(&r);
		cr_assert_not_null(back);
		s = json_dumps(back, JSON_SORT_KEYS);
		cr_assert_str_eq(s, want[i]);
		cr_assert_eq(port_acl_rule_from_json(back, "Acls[0]", &r2, err, sizeof(err)), 0,
			     "%s: %s", s, err);
		cr_assert_eq(r2.action, r.action);
		cr_assert_eq(r2.dir, r.dir);
		cr_assert_eq(r2.kind, r.kind);
		cr_assert_eq(r2.ip.any, r.ip.any);
		cr_assert_eq(r2.ip.family, r.ip.family);
		cr_assert_eq(r2.ip.depth, r.ip.depth);
		cr_assert_arr_eq(r2.ip.addr, r.ip.addr, 16);
		cr_assert_eq(r2.mac_any, r.mac_any);
		cr_assert_arr_eq(r2.mac.addr_bytes, r.mac.addr_bytes, 6);
		free(s);
		json_decref(back);
		json_decref(o);
	}
}

Test(port_acl_json, parsed_values)
{
	struct port_acl_rule r = {0};
	char err[256];
	json_t *o = load("{\"Action\":\"Deny\",\"Direction\":\"Outbound\","
			 "\"RemoteIPAddress\":\"10.1.2.3/24\"}");

	cr_assert_eq(port_acl_rule_from_json(o, "", &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(r.action, ACL_DENY);
	cr_assert_eq(r.dir, ACL_DIR_OUTBOUND);
	cr_assert_eq(r.kind, PORT_ACL_REMOTE_IP);
	cr_assert_not(r.ip.any);
	cr_assert_eq(r.ip.family, 4);
	cr_assert_eq(r.ip.depth, 24);
	cr_assert_eq(r.ip.addr[0], 10);
	cr_assert_eq(r.ip.addr[3], 3);
	json_decref(o);
}

struct bad_case {
	const char *json;
	const char *want; /* in the message */
};

Test(port_acl_json, validation_errors)
{
	static const struct bad_case cases[] = {
		{"{\"Action\":\"Deny\",\"Direction\":\"Inbound\",\"LocalIPAddress\":\"10.0.0.0/33\"}",
		 "Ports[0].Acls[2].LocalIPAddress: "},
		{"{\"Action\":\"Deny\",\"Direction\":\"Inbound\",\"RemoteIPAddress\":\"300.1.1.1\"}",
		 "Ports[0].Acls[2].RemoteIPAddress: "},
		{"{\"Action\":\"Deny\",\"Direction\":\"Inbound\",\"RemoteIPAddress\":\"2001:db8::/129\"}",
		 "Ports[0].Acls[2].RemoteIPAddress: "},
		{"{\"Action\":\"Deny\",\"Direction\":\"Inbound\",\"RemoteIPAddress\":\"10.0.0.0/\"}",
		 "Ports[0].Acls[2].RemoteIPAddress: "},
		{"{\"Action\":\"Deny\",\"Direction\":\"Inbound\",\"RemoteIPAddress\":\"10.0.0.0/-1\"}",
		 "Ports[0].Acls[2].RemoteIPAddress: "},
		{"{\"Action\":\"Deny\",\"Direction\":\"Inbound\",\"RemoteIPAddress\":\"10.0.0.0/8x\"}",
		 "Ports[0].Acls[2].RemoteIPAddress: "},
		{"{\"Action\":\"Deny\",\"Direction\":\"Inbound\",\"RemoteIPAddress\":\"\"}",
		 "Ports[0].Acls[2].RemoteIPAddress: "},
		{"{\"Action\":\"Deny\",\"Direction\":\"Inbound\",\"RemoteIPAddress\":\"02:00:00:00:00:01\"}",
		 "Ports[0].Acls[2].RemoteIPAddress: "},
		{"{\"Action\":\"Deny\",\"Direction\":\"Inbound\",\"LocalIPAddress\":\"10.0.0.1\","
		 "\"RemoteIPAddress\":\"10.0.0.2\"}",
		 "Ports[0].Acls[2].RemoteIPAddress: "},
		{"{\"Action\":\"Deny\",\"Direction\":\"Inbound\",\"LocalMacAddress\":\"ANY\","
		 "\"RemoteIPAddress\":\"ANY\"}",
		 "LocalMacAddress"},
		{"{\"Action\":\"Deny\",\"Direction\":\"Inbound\"}",
		 "LocalIPAddress, RemoteIPAddress, LocalMacAddress or RemoteMacAddress"},
		{"{\"Action\":\"Block\",\"Direction\":\"Inbound\",\"LocalIPAddress\":\"ANY\"}",
		 "Ports[0].Acls[2].Action: "},
		{"{\"Action\":\"Allow\",\"Direction\":\"In\",\"LocalIPAddress\":\"ANY\"}",
		 "Ports[0].Acls[2].Direction: "},
		{"{\"Direction\":\"Inbound\",\"LocalIPAddress\":\"ANY\"}",
		 "Ports[0].Acls[2].Action: required"},
		{"{\"Action\":\"Allow\",\"LocalIPAddress\":\"ANY\"}",
		 "Ports[0].Acls[2].Direction: required"},
		{"{\"Action\":\"Allow\",\"Direction\":\"Inbound\",\"LocalMacAddress\":\"02:00:00:00:00\"}",
		 "Ports[0].Acls[2].LocalMacAddress: "},
		{"{\"Action\":\"Allow\",\"Direction\":\"Inbound\",\"RemoteMacAddress\":\"10.0.0.1\"}",
		 "Ports[0].Acls[2].RemoteMacAddress: "},
		{"{\"Action\":\"Allow\",\"Direction\":\"Inbound\",\"RemoteMacAddress\":\"02:00:00:00:00:0g\"}",
		 "Ports[0].Acls[2].RemoteMacAddress: "},
		{"{\"Action\":\"Allow\",\"Direction\":\"Inbound\",\"LocalIPAddress\":\"ANY\",\"Weight\":1}",
		 "Ports[0].Acls[2].Weight: unknown field"},
		{"{\"Action\":1,\"Direction\":\"Inbound\",\"LocalIPAddress\":\"ANY\"}",
		 "Ports[0].Acls[2].Action: must be a string"},
		{"{\"Action\":\"Allow\",\"Direction\":true,\"LocalIPAddress\":\"ANY\"}",
		 "Ports[0].Acls[2].Direction: must be a string"},
		{"{\"Action\":\"Allow\",\"Direction\":\"Inbound\",\"LocalIPAddress\":[\"10.0.0.1\"]}",
		 "Ports[0].Acls[2].LocalIPAddress: must be a string"},
		{"{\"Action\":\"Allow\",\"Direction\":\"Inbound\",\"LocalMacAddress\":null}",
		 "Ports[0].Acls[2].LocalMacAddress: must be a string"},
		{"[1]", "Ports[0].Acls[2]: "},
	};

	for (size_t i = 0; i < N(cases); i++) {
		struct port_acl_rule r;
		char err[256] = "";
		json_t *o = load(cases[i].json);

		memset(&r, 0xa5, sizeof(r));
		cr_assert_eq(port_acl_rule_from_json(o, "Ports[0].Acls[2]", &r, err,
						     sizeof(err)), -1,
			     "accepted: %s", cases[i].json);
		cr_assert_not_null(strstr(err, cases[i].want), "%s: \"%s\" lacks \"%s\"",
				   cases[i].json, err, cases[i].want);
		json_decref(o);
	}
}

/* ---- the compiled lookups against a brute-force evaluator ----------------- */

/* Specificity from the rules, independently of the implementation: a MAC
 * beats every IP prefix, a longer prefix beats a shorter one, any prefix
 * (even /0) beats ANY, and IP ANY and MAC ANY are equal. */
static int ref_spec(const struct port_acl_rule *r)
{
	if (r->kind == PORT_ACL_LOCAL_MAC || r->kind == PORT_ACL_REMOTE_MAC)
		return r->mac_any ? 0 : 1000;
	return r->ip.any ? 0 : 1 + r->ip.depth;
}

static bool ref_prefix_match(const struct acl_prefix *p, const uint8_t *a)
{
	for (unsigned bit = 0; bit < p->depth; bit++) {
		unsigned mask = 0x80u >> (bit % 8);

		if ((p->addr[bit / 8] & mask) != (a[bit / 8] & mask))
			return false;
	}
	return true;
}

static bool ref_match(const struct port_acl_rule *r, enum acl_dir dir,
		      const struct vfp_pkt *p)
{
	bool inbound = dir == ACL_DIR_INBOUND;
	bool local = r->kind == PORT_ACL_LOCAL_IP || r->kind == PORT_ACL_LOCAL_MAC;
	/* local: the destination inbound, the source outbound */
	bool use_dst = local == inbound;

	if (!(r->dir & dir))
		return false;
	if (r->kind == PORT_ACL_LOCAL_MAC || r->kind == PORT_ACL_REMOTE_MAC) {
		const struct rte_ether_addr *m = use_dst ? &p->dst_mac : &p->src_mac;

		return r->mac_any || memcmp(m, &r->mac, 6) == 0;
	}
	if (p->family == 0)
		return false;
	if (r->ip.any)
		return true;
	if (r->ip.family != p->family)
		return false;
	if (p->family == 4) {
		uint32_t a = use_dst ? p->dst_ip4 : p->src_ip4;
		uint8_t b[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8),
				(uint8_t)a};

		return ref_prefix_match(&r->ip, b);
	}
	return ref_prefix_match(&r->ip, use_dst ? p->dst_ip6 : p->src_ip6);
}

/* The verdict; *dec and *met get the counted rules (-1: none). At equal
 * rank the lowest index is counted. */
static enum acl_verdict ref_classify(const struct port_acl_rule *rules, unsigned n,
				     enum acl_dir dir, const struct vfp_pkt *p,
				     int *dec, int *met)
{
	int dspec = -1, mspec = -1;
	bool ddeny = false;

	*dec = -1;
	*met = -1;
	for (unsigned i = 0; i < n; i++) {
		const struct port_acl_rule *r = &rules[i];
		int s;

		if (!ref_match(r, dir, p))
			continue;
		s = ref_spec(r);
		if (r->action == ACL_METER) {
			if (s > mspec) {
				mspec = s;
				*met = (int)i;
			}
			continue;
		}
		bool deny = r->action == ACL_DENY;

		if (s > dspec || (s == dspec && deny && !ddeny)) {
			dspec = s;
			ddeny = deny;
			*dec = (int)i;
		}
	}
	return *dec >= 0 && ddeny ? ACL_VERDICT_DENY : ACL_VERDICT_ALLOW;
}

static uint64_t rng_state = 0x243F6A8885A308D3ull;

static uint32_t rnd(uint32_t n)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)(((rng_state * 0x2545F4914F6CDD1Dull) >> 32) % n);
}

/* Addresses from small pools, so rules overlap and packets match. */
static struct rte_ether_addr rnd_mac(void)
{
	struct rte_ether_addr m = {{0x02, 0, 0, 0, (uint8_t)rnd(4), (uint8_t)rnd(256)}};

	if (rnd(8) == 0)
		m.addr_bytes[3] = 1; /* outside the pool */
	return m;
}

static void rnd_ip4(uint8_t *a)
{
	a[0] = 10;
	a[1] = (uint8_t)rnd(4);
	a[2] = (uint8_t)rnd(8);
	a[3] = (uint8_t)(rnd(32) | (rnd(2) << 7));
	if (rnd(16) == 0)
		for (int i = 0; i < 4; i++)
			a[i] = (uint8_t)rnd(256);
}

static void rnd_ip6(uint8_t *a)
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[5] = (uint8_t)rnd(4);
	a[7] = (uint8_t)rnd(4);
	a[13] = (uint8_t)rnd(4);
	a[15] = (uint8_t)rnd(16);
	if (rnd(16) == 0)
		for (int i = 0; i < 16; i++)
			a[i] = (uint8_t)rnd(256);
}

static struct port_acl_rule rnd_rule(uint32_t id)
{
	static const enum acl_action actions[] = {ACL_ALLOW, ACL_ALLOW, ACL_DENY,
						  ACL_DENY, ACL_METER};
	struct port_acl_rule r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.action = actions[rnd(5)];
	r.dir = (enum acl_dir)(1 + rnd(3));
	/* MAC rules beat everything: fewer of them, so IP rules decide too */
	r.kind = rnd(100) < 15 ? (enum port_acl_addr_kind)(2 + rnd(2))
			       : (enum port_acl_addr_kind)rnd(2);
	if (r.kind == PORT_ACL_LOCAL_MAC || r.kind == PORT_ACL_REMOTE_MAC) {
		r.mac_any = rnd(100) == 0;
		if (!r.mac_any)
			r.mac = rnd_mac();
		return r;
	}
	if (rnd(200) == 0) {
		r.ip.any = true;
		return r;
	}
	if (rnd(2) == 0) {
		r.ip.family = 4;
		rnd_ip4(r.ip.addr);
		r.ip.depth = (uint8_t)(rnd(8) == 0 ? 32 : rnd(33));
	} else {
		r.ip.family = 6;
		rnd_ip6(r.ip.addr);
		r.ip.depth = (uint8_t)(rnd(8) == 0 ? 128 : rnd(129));
	}
	return r;
}

static struct vfp_pkt rnd_pkt(void)
{
	struct vfp_pkt p;

	memset(&p, 0, sizeof(p));
	p.src_mac = rnd_mac();
	p.dst_mac = rnd_mac();
	p.len = 60 + rnd(1400);
	switch (rnd(10)) {
	case 0:
		break; /* not IP */
	case 1: case 2: case 3: case 4: {
		uint8_t a[4];

		p.family = 4;
		rnd_ip4(a);
		p.src_ip4 = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
			    (uint32_t)a[2] << 8 | a[3];
		rnd_ip4(a);
		p.dst_ip4 = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
			    (uint32_t)a[2] << 8 | a[3];
		break;
	}
	default:
		p.family = 6;
		rnd_ip6(p.src_ip6);
		rnd_ip6(p.dst_ip6);
		break;
	}
	return p;
}

static void random_round(unsigned nrules, unsigned npkts, uint64_t seed,
			 bool check_coverage)
{
	struct port_acl_rule *rules = calloc(nrules, sizeof(*rules));
	uint64_t *pk = calloc(nrules, sizeof(*pk)), *by = calloc(nrules, sizeof(*by));
	unsigned denied = 0, decided = 0, metered = 0;
	struct port_acl_table *t;

	cr_assert(rules && pk && by);
	rng_state = seed;
	for (unsigned i = 0; i < nrules; i++)
		rules[i] = rnd_rule(1000 + i);
	t = compile(rules, nrules);
	for (unsigned k = 0; k < npkts; k++) {
		struct vfp_pkt p = rnd_pkt();

		for (enum acl_dir dir = ACL_DIR_INBOUND; dir <= ACL_DIR_OUTBOUND; dir++) {
			int dec, met;
			enum acl_verdict want = ref_classify(rules, nrules, dir, &p, &dec, &met);
			enum acl_verdict got = port_acl_classify(t, dir, &p, k % NB_WORKERS);

			cr_assert_eq(got, want, "packet %u dir %d: got %d, want %d (rule %d)",
				     k, dir, got, want, dec);
			if (dec >= 0) {
				pk[dec]++;
				by[dec] += p.len;
				decided++;
			}
			if (met >= 0) {
				pk[met]++;
				by[met] += p.len;
				metered++;
			}
			denied += want == ACL_VERDICT_DENY;
		}
	}
	/* the counted rules are the reference's (lowest index at a tie) */
	for (unsigned i = 0; i < nrules; i++) {
		uint64_t p = 0, b = 0;

		cr_assert_eq(port_acl_rule_hits(t, 1000 + i, &p, &b), 0);
		cr_assert_eq(p, pk[i], "rule %u: %llu packets, want %llu", i,
			     (unsigned long long)p, (unsigned long long)pk[i]);
		cr_assert_eq(b, by[i], "rule %u bytes", i);
	}
	/* the sample exercised both outcomes and the meters */
	if (check_coverage) {
		cr_assert_gt(denied, npkts / 20, "denied %u", denied);
		cr_assert_lt(denied, 2 * npkts - npkts / 20, "denied %u", denied);
		cr_assert_gt(metered, npkts / 20, "metered %u", metered);
		cr_assert_gt(decided, npkts, "decided %u", decided);
	}
	port_acl_free(t);
	free(rules);
	free(pk);
	free(by);
}

Test(port_acl, random_10000_rules_match_reference)
{
	random_round(10000, 10000, 0x243F6A8885A308D3ull, true);
}

Test(port_acl, random_small_rule_sets_match_reference)
{
	/* few rules: many packets fall through to ANY, /0 or no match */
	for (uint64_t s = 1; s <= 30; s++)
		random_round(1 + (unsigned)(s * 7 % 60), 2000, s * 0x9E3779B97F4A7C15ull,
			     false);
}

/* ---- burst classification == per-packet classification ------------------ */

/* A real frame for p: Ethernet (VLAN-tagged if asked), then IPv4 or IPv6
 * with a UDP header, or an ARP-typed payload; p->len bytes in all. */
static struct rte_mbuf *frame_of(struct rte_mempool *mp, struct vfp_pkt *p,
				 bool tagged)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint16_t len = (uint16_t)RTE_MAX(p->len, 80u);
	uint8_t *d, *l3;
	uint16_t type = p->family == 4 ? RTE_ETHER_TYPE_IPV4
			: p->family == 6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_ARP;

	cr_assert_not_null(m);
	d = (uint8_t *)rte_pktmbuf_append(m, len);
	cr_assert_not_null(d);
	memset(d, 0, len);
	memcpy(d, &p->dst_mac, 6);
	memcpy(d + 6, &p->src_mac, 6);
	l3 = d + 12;
	if (tagged) {
		*l3++ = 0x81, *l3++ = 0x00, *l3++ = 0x00, *l3++ = 0x0a;
	}
	*l3++ = (uint8_t)(type >> 8), *l3++ = (uint8_t)type;
	if (p->family == 4) {
		uint16_t tot = (uint16_t)(len - (l3 - d));

		l3[0] = 0x45, l3[2] = (uint8_t)(tot >> 8), l3[3] = (uint8_t)tot;
		l3[8] = 64, l3[9] = IPPROTO_UDP;
		for (int i = 0; i < 4; i++) {
			l3[12 + i] = (uint8_t)(p->src_ip4 >> (24 - 8 * i));
			l3[16 + i] = (uint8_t)(p->dst_ip4 >> (24 - 8 * i));
		}
	} else if (p->family == 6) {
		uint16_t pl = (uint16_t)(len - (l3 - d) - 40);

		l3[0] = 0x60, l3[4] = (uint8_t)(pl >> 8), l3[5] = (uint8_t)pl;
		l3[6] = IPPROTO_UDP, l3[7] = 64;
		memcpy(l3 + 8, p->src_ip6, 16);
		memcpy(l3 + 24, p->dst_ip6, 16);
	}
	p->len = len;
	return m;
}

/* A burst from one /24 (or one host) to one host or one /24, the case the
 * burst path classifies once; now and then a frame from elsewhere. */
static struct vfp_pkt subnet_pkt(uint32_t local_net, uint32_t remote, bool remote_net,
				 enum acl_dir dir)
{
	struct vfp_pkt p = rnd_pkt();
	/* low bytes as rnd_ip4 draws them, so the /32 rules get hit */
	uint32_t local = local_net | rnd(32) | rnd(2) << 7;

	if (rnd(8) == 0)
		return p;
	p.family = 4;
	if (remote_net)
		remote |= rnd(32) | rnd(2) << 7;
	p.src_ip4 = dir == ACL_DIR_OUTBOUND ? local : remote;
	p.dst_ip4 = dir == ACL_DIR_OUTBOUND ? remote : local;
	return p;
}

static uint32_t rnd_ip4_host(void)
{
	uint8_t a[4];

	rnd_ip4(a);
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static void burst_round(unsigned nrules, bool with_mac_rules, bool subnets,
			uint64_t seed, struct rte_mempool *mp)
{
	struct port_acl_rule *rules = calloc(nrules, sizeof(*rules));
	struct port_acl_table *tb, *tp;
	unsigned n = 0;

	cr_assert_not_null(rules);
	rng_state = seed;
	while (n < nrules) {
		struct port_acl_rule r = rnd_rule(1000 + n);

		if (!with_mac_rules && (r.kind == PORT_ACL_LOCAL_MAC ||
					r.kind == PORT_ACL_REMOTE_MAC))
			continue; /* IP-only tables take the IPv4 fast path */
		rules[n++] = r;
	}
	tb = compile(rules, nrules);
	tp = compile(rules, nrules);
	for (unsigned b = 0; b < 64; b++) {
		struct rte_mbuf *pkts[PACL_BURST_MAX];
		struct vfp_pkt vps[PACL_BURST_MAX];
		unsigned cnt = 1 + rnd(PACL_BURST_MAX);
		enum acl_dir dir = b & 1 ? ACL_DIR_OUTBOUND : ACL_DIR_INBOUND;
		uint32_t local_net = rnd_ip4_host() & 0xffffff00;
		uint32_t remote = rnd_ip4_host();
		bool remote_net = rnd(4) == 0;
		uint32_t deny;

		if (remote_net)
			remote &= 0xffffff00;
		for (unsigned i = 0; i < cnt; i++) {
			struct vfp_pkt p = subnets ? subnet_pkt(local_net, remote, remote_net, dir)
						   : rnd_pkt();

			/* runs of one address exercise the one-entry memo */
			if (i > 0 && rnd(3) == 0)
				p = vps[i - 1];
			pkts[i] = frame_of(mp, &p, rnd(8) == 0);
			vps[i] = p;
		}
		deny = port_acl_classify_burst(tb, dir, pkts, cnt, vps, b % NB_WORKERS);
		for (unsigned i = 0; i < cnt; i++) {
			struct vfp_pkt parsed;

			vfp_pkt_parse(pkts[i], &parsed);
			enum acl_verdict want = port_acl_classify(tp, dir, &parsed, b % NB_WORKERS);

			cr_assert_eq((deny >> i) & 1, want == ACL_VERDICT_DENY,
				     "seed %llx burst %u frame %u: burst and per-packet disagree",
				     (unsigned long long)seed, b, i);
			rte_pktmbuf_free(pkts[i]);
		}
	}
	for (unsigned i = 0; i < nrules; i++) {
		uint64_t pb = 0, bb = 0, pp = 0, bp = 0;

		cr_assert_eq(port_acl_rule_hits(tb, 1000 + i, &pb, &bb), 0);
		cr_assert_eq(port_acl_rule_hits(tp, 1000 + i, &pp, &bp), 0);
		cr_assert(pb == pp && bb == bp, "rule %u: burst %llu/%llu, per packet %llu/%llu",
			  i, (unsigned long long)pb, (unsigned long long)bb,
			  (unsigned long long)pp, (unsigned long long)bp);
	}
	port_acl_free(tb);
	port_acl_free(tp);
	free(rules);
}

Test(port_acl, burst_classification_matches_per_packet)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create("pacl_burst", 1023, 0, 0,
							 RTE_MBUF_DEFAULT_BUF_SIZE,
							 SOCKET_ID_ANY);

	cr_assert_not_null(mp);
	for (uint64_t s = 1; s <= 12; s++) {
		burst_round(s % 3 == 0 ? 2000 : 1 + (unsigned)(s * 11 % 80), false, false,
			    s * 0x9E3779B97F4A7C15ull, mp);
		burst_round(1 + (unsigned)(s * 13 % 80), true, false,
			    s * 0xD1B54A32D192ED03ull, mp);
		/* whole bursts from one subnet: one verdict for the burst, or
		 * not when a longer rule splits the /24 */
		burst_round(s % 3 == 0 ? 2000 : 1 + (unsigned)(s * 7 % 80), false, true,
			    s * 0x94D049BB133111EBull, mp);
	}
	rte_mempool_free(mp);
}
