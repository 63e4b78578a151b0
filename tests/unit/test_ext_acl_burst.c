/* Extended ACLs a burst at a time (vfp/ext_acl.h ext_acl_classify_burst,
 * vfp/vfp.h vfp_classify_burst): bursts mixing ports, directions, IPv4 and
 * IPv6, cache hits and misses, repeated flows and workers decide and count
 * exactly as one packet at a time and as a brute-force reading of the
 * rules; the verdict cache's per-second memo of stateful flows admits and
 * refreshes exactly as the flow table does. Needs EAL (rte_acl, rte_hash). */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "eal_fixture.h"
#include "ext_acl.h"
#include "ext_acl_internal.h"
#include "vfp.h"

#define TCP 6
#define UDP 17
#define ICMP 1
#define NB_WORKERS 2

static void setup(void)
{
	test_eal_init();
}

static void teardown(void)
{
	test_eal_cleanup();
}

TestSuite(ext_acl_burst, .init = setup, .fini = teardown, .timeout = 120);

static uint32_t seed = 12345;

static uint32_t rnd(uint32_t n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 8) % n;
}

static struct ext_acl_table *compile(const struct ext_acl_rule *rules, unsigned n)
{
	char err[256] = "";
	struct ext_acl_table *t = ext_acl_compile(rules, n, NB_WORKERS, SOCKET_ID_ANY,
						  err, sizeof(err));

	cr_assert_not_null(t, "ext_acl_compile: %s", err);
	return t;
}

/* Addresses from small pools, so rules and packets meet: IPv4 10.0.x.y,
 * IPv6 fd00::x:y. */
static void pool_addr(uint8_t family, uint8_t *a)
{
	memset(a, 0, 16);
	if (family == 4) {
		a[0] = 10;
		a[2] = (uint8_t)rnd(4);
		a[3] = (uint8_t)rnd(16);
	} else {
		a[0] = 0xfd;
		a[13] = (uint8_t)rnd(4);
		a[15] = (uint8_t)rnd(16);
	}
}

static void rand_prefix(uint8_t family, struct acl_prefix *p)
{
	static const uint8_t depth4[] = { 8, 16, 24, 28, 32 }, depth6[] = { 8, 64, 112, 124, 128 };

	memset(p, 0, sizeof(*p));
	if (rnd(4) == 0) {
		p->any = true;
		return;
	}
	p->family = family;
	p->depth = family == 4 ? depth4[rnd(5)] : depth6[rnd(5)];
	pool_addr(family, p->addr);
}

static void rand_rule(struct ext_acl_rule *r, uint32_t id)
{
	static const uint16_t protos[] = { EXT_ACL_PROTO_ANY, TCP, TCP, UDP, ICMP };
	uint8_t fam = rnd(2) ? 4 : 6;

	memset(r, 0, sizeof(*r));
	r->id = id;
	r->action = rnd(3) ? ACL_ALLOW : ACL_DENY;
	r->dir = rnd(2) ? ACL_DIR_INBOUND : ACL_DIR_OUTBOUND;
	rand_prefix(fam, &r->local_ip);
	rand_prefix(fam, &r->remote_ip);
	if (r->local_ip.any && r->remote_ip.any) { /* no catch-alls: some packets match nothing */
		r->remote_ip.any = false;
		r->remote_ip.family = fam;
		r->remote_ip.depth = fam == 4 ? 32 : 128;
		pool_addr(fam, r->remote_ip.addr);
	}
	r->protocol = protos[rnd(5)];
	r->local_port_hi = r->remote_port_hi = 65535;
	if (r->protocol == TCP || r->protocol == UDP) {
		if (rnd(2))
			r->local_port_lo = r->local_port_hi = (uint16_t)(1000 + rnd(8));
		if (rnd(3) == 0) {
			r->remote_port_lo = 2000;
			r->remote_port_hi = (uint16_t)(2000 + rnd(8));
		}
	}
	r->weight = rnd(50);
	r->stateful = r->action == ACL_ALLOW && rnd(2);
	r->idle_timeout = EXT_ACL_DEFAULT_IDLE_TIMEOUT;
}

static void rand_pkt(struct vfp_pkt *p)
{
	static const uint8_t protos[] = { TCP, TCP, UDP, UDP, ICMP, 47 };
	uint8_t a[16];

	memset(p, 0, sizeof(*p));
	p->family = rnd(3) ? 4 : 6;
	p->proto = protos[rnd(6)];
	if (p->family == 4) {
		pool_addr(4, a);
		p->src_ip4 = (uint32_t)a[0] << 24 | (uint32_t)a[2] << 8 | a[3];
		pool_addr(4, a);
		p->dst_ip4 = (uint32_t)a[0] << 24 | (uint32_t)a[2] << 8 | a[3];
	} else {
		pool_addr(6, p->src_ip6);
		pool_addr(6, p->dst_ip6);
	}
	if (rnd(5) == 0) { /* both ends outside the rules' pool: no rule matches */
		p->src_ip4 ^= 0x20000000u;
		p->dst_ip4 ^= 0x20000000u;
		p->src_ip6[0] ^= 0x02;
		p->dst_ip6[0] ^= 0x02;
	}
	p->has_ports = p->proto != 47 && rnd(8) != 0;
	if (p->has_ports) {
		p->src_port = (uint16_t)(rnd(2) ? 1000 + rnd(8) : 2000 + rnd(8));
		p->dst_port = (uint16_t)(rnd(2) ? 1000 + rnd(8) : 2000 + rnd(8));
	}
	p->len = 60 + rnd(1400);
}

static bool ref_prefix(const struct acl_prefix *pf, const struct vfp_pkt *p, bool src)
{
	uint8_t a[16];

	if (pf->any)
		return true;
	if (pf->family != p->family)
		return false;
	if (p->family == 4) {
		uint32_t v = src ? p->src_ip4 : p->dst_ip4;

		a[0] = (uint8_t)(v >> 24), a[1] = (uint8_t)(v >> 16);
		a[2] = (uint8_t)(v >> 8), a[3] = (uint8_t)v;
	} else {
		memcpy(a, src ? p->src_ip6 : p->dst_ip6, 16);
	}
	for (unsigned b = 0; b < pf->depth; b++)
		if ((a[b / 8] ^ pf->addr[b / 8]) & (0x80u >> (b % 8)))
			return false;
	return true;
}

/* The rules read literally: the matching rule of the highest weight, Deny
 * over Allow at equal weight, the first listed of equals. */
static const struct ext_acl_rule *reference(const struct ext_acl_rule *rules, unsigned n,
					    enum acl_dir dir, const struct vfp_pkt *p)
{
	const bool in = dir == ACL_DIR_INBOUND;
	const bool portless = p->proto == ICMP || !p->has_ports;
	const struct ext_acl_rule *best = NULL;

	for (unsigned i = 0; i < n; i++) {
		const struct ext_acl_rule *r = &rules[i];
		uint16_t lp = in ? p->dst_port : p->src_port, rp = in ? p->src_port : p->dst_port;
		bool lany = r->local_port_lo == 0 && r->local_port_hi == 65535;
		bool rany = r->remote_port_lo == 0 && r->remote_port_hi == 65535;

		if (r->dir != dir || !ref_prefix(&r->local_ip, p, !in) ||
		    !ref_prefix(&r->remote_ip, p, in) ||
		    (r->protocol != EXT_ACL_PROTO_ANY && r->protocol != p->proto) ||
		    (!lany && (portless || lp < r->local_port_lo || lp > r->local_port_hi)) ||
		    (!rany && (portless || rp < r->remote_port_lo || rp > r->remote_port_hi)))
			continue;
		if (best == NULL || r->weight > best->weight ||
		    (r->weight == best->weight && r->action == ACL_DENY &&
		     best->action == ACL_ALLOW))
			best = r;
	}
	return best;
}

#define PORTS 2
#define RULES 300
#define POOL 3000
#define BURSTS 4000

/* Two ports' rule sets, each compiled twice: one table classified a burst
 * at a time, its twin a packet at a time. Bursts of 1-64 packets, each for
 * a random port and direction, drawn from a pool (so flows repeat: cache
 * hits, and the same flow twice in a burst), mixed families, both workers
 * and a worker without a cache. Verdicts must be the twin's and the
 * reference's, and at the end every rule's counters the twin's. */
Test(ext_acl_burst, bursts_decide_and_count_as_packets_one_at_a_time)
{
	struct ext_acl_rule *rules[PORTS];
	struct ext_acl_table *burst_t[PORTS], *single_t[PORTS];
	struct vfp_pkt *pool = calloc(POOL, sizeof(*pool));
	unsigned bad = 0, bad_ref = 0, seen[3] = { 0 }, v6 = 0, total = 0;

	cr_assert_not_null(pool);
	for (unsigned p = 0; p < PORTS; p++) {
		rules[p] = calloc(RULES, sizeof(**rules));
		cr_assert_not_null(rules[p]);
		for (unsigned i = 0; i < RULES; i++)
			rand_rule(&rules[p][i], i + 1);
		burst_t[p] = compile(rules[p], RULES);
		single_t[p] = compile(rules[p], RULES);
	}
	for (unsigned i = 0; i < POOL; i++)
		rand_pkt(&pool[i]);
	for (unsigned b = 0; b < BURSTS; b++) {
		const struct vfp_pkt *pk[EXT_ACL_BURST_MAX];
		uint8_t res[EXT_ACL_BURST_MAX];
		unsigned n = 1 + rnd(EXT_ACL_BURST_MAX), port = rnd(PORTS);
		enum acl_dir dir = rnd(2) ? ACL_DIR_INBOUND : ACL_DIR_OUTBOUND;
		/* worker 2 has no cache (nb_workers 2): rte_acl every time */
		unsigned worker = rnd(10) == 0 ? NB_WORKERS : b & 1;

		for (unsigned i = 0; i < n; i++)
			pk[i] = i > 0 && rnd(8) == 0 ? pk[rnd(i)] : &pool[rnd(POOL)];
		ext_acl_classify_burst(burst_t[port], NULL, dir, pk, n, worker, 100, res);
		for (unsigned i = 0; i < n; i++) {
			enum ext_acl_result one = ext_acl_classify(single_t[port], NULL, dir, pk[i],
								   worker, 100);
			const struct ext_acl_rule *w = reference(rules[port], RULES, dir, pk[i]);
			enum ext_acl_result want = w == NULL ? EXT_ACL_NO_MATCH :
						   w->action == ACL_DENY ? EXT_ACL_DENY :
						   EXT_ACL_ALLOW;

			seen[want]++;
			v6 += pk[i]->family == 6;
			total++;
			if (res[i] != one && bad++ < 5)
				cr_expect_eq(res[i], one, "burst %u packet %u: %d, one at a time %d",
					     b, i, res[i], one);
			if (res[i] != want && bad_ref++ < 5)
				cr_expect_eq(res[i], want, "burst %u packet %u: %d, reference %d",
					     b, i, res[i], want);
		}
	}
	cr_expect_eq(bad, 0, "%u of %u packets decided otherwise than one at a time", bad, total);
	cr_expect_eq(bad_ref, 0, "%u of %u packets decided otherwise than the reference",
		     bad_ref, total);
	/* the draw makes every outcome and both families */
	cr_expect_gt(seen[EXT_ACL_NO_MATCH], total / 50);
	cr_expect_gt(seen[EXT_ACL_ALLOW], total / 10);
	cr_expect_gt(seen[EXT_ACL_DENY], total / 20);
	cr_expect_gt(v6, total / 5);
	for (unsigned p = 0; p < PORTS; p++) {
		unsigned wrong = 0;

		for (unsigned i = 0; i < RULES; i++) {
			uint64_t bp, bb, sp, sb;

			cr_assert_eq(ext_acl_rule_hits(burst_t[p], rules[p][i].id, &bp, &bb), 0);
			cr_assert_eq(ext_acl_rule_hits(single_t[p], rules[p][i].id, &sp, &sb), 0);
			if ((bp != sp || bb != sb) && wrong++ < 5)
				cr_expect(false, "port %u rule %u: %lu packets %lu bytes, one at a "
					  "time %lu %lu", p, rules[p][i].id, (unsigned long)bp,
					  (unsigned long)bb, (unsigned long)sp, (unsigned long)sb);
		}
		cr_expect_eq(wrong, 0, "port %u: %u rules counted otherwise", p, wrong);
		ext_acl_free(burst_t[p]);
		ext_acl_free(single_t[p]);
		free(rules[p]);
	}
	free(pool);
}

/* A pod's stateful rules: Allow Out TCP to port 443 (stateful, 30 s idle),
 * Deny In. */
static void stateful_rules(struct ext_acl_rule r[2])
{
	memset(r, 0, 2 * sizeof(*r));
	r[0] = (struct ext_acl_rule){ .id = 1, .action = ACL_ALLOW, .dir = ACL_DIR_OUTBOUND,
				      .local_ip.any = true, .remote_ip.any = true,
				      .local_port_hi = 65535, .remote_port_lo = 443,
				      .remote_port_hi = 443, .protocol = TCP, .weight = 10,
				      .stateful = true, .idle_timeout = 30 };
	r[1] = (struct ext_acl_rule){ .id = 2, .action = ACL_DENY, .dir = ACL_DIR_INBOUND,
				      .local_ip.any = true, .remote_ip.any = true,
				      .local_port_hi = 65535, .remote_port_hi = 65535,
				      .protocol = EXT_ACL_PROTO_ANY, .weight = 1 };
}

static struct vfp_pkt tcp4(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct vfp_pkt p;

	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.proto = TCP;
	p.has_ports = true;
	p.src_ip4 = src;
	p.dst_ip4 = dst;
	p.src_port = sport;
	p.dst_port = dport;
	p.len = 100;
	return p;
}

#define POD 0x0a000005u    /* 10.0.0.5 */
#define REMOTE 0x08080808u /* 8.8.8.8 */
#define FLOWS 24

/* n outbound packets (flows 40000.. to REMOTE:443) or their returns, one
 * burst; the number allowed. */
static unsigned burst_flows(struct ext_acl_table *t, struct ext_acl_flows *f,
			    enum acl_dir dir, unsigned n, uint32_t now)
{
	struct vfp_pkt p[FLOWS];
	const struct vfp_pkt *pk[FLOWS];
	uint8_t res[FLOWS];
	unsigned allowed = 0;

	for (unsigned i = 0; i < n; i++) {
		p[i] = dir == ACL_DIR_OUTBOUND ? tcp4(POD, (uint16_t)(40000 + i), REMOTE, 443)
					       : tcp4(REMOTE, 443, POD, (uint16_t)(40000 + i));
		pk[i] = &p[i];
	}
	ext_acl_classify_burst(t, f, dir, pk, n, 0, now, res);
	for (unsigned i = 0; i < n; i++)
		allowed += res[i] == EXT_ACL_ALLOW;
	return allowed;
}

/* The cache's memo of a flow live this second must not outlive the
 * second: a flow refreshed by outbound traffic in a later second is
 * refreshed in the table (its return traffic passes until idle from
 * then), one only seen in an earlier second expires, and return traffic
 * in a later second is looked up again. */
Test(ext_acl_burst, stateful_flows_refresh_and_expire_through_the_cache)
{
	struct ext_acl_rule r[2];
	struct ext_acl_table *t;
	struct ext_acl_flows *f = ext_acl_flows_create("burst_flows", 1024, SOCKET_ID_ANY);

	cr_assert_not_null(f, "ext_acl_flows_create: %s", rte_strerror(rte_errno));
	stateful_rules(r);
	t = compile(r, 2);
	cr_expect_eq(burst_flows(t, f, ACL_DIR_INBOUND, FLOWS, 100), 0, "unsolicited: denied");
	cr_expect_eq(burst_flows(t, f, ACL_DIR_OUTBOUND, FLOWS, 100), FLOWS);
	cr_expect_eq(ext_acl_flows_count(f), FLOWS);
	/* the same second again: from the memo, nothing new in the table */
	cr_expect_eq(burst_flows(t, f, ACL_DIR_OUTBOUND, FLOWS, 100), FLOWS);
	cr_expect_eq(ext_acl_flows_count(f), FLOWS);
	cr_expect_eq(burst_flows(t, f, ACL_DIR_INBOUND, FLOWS, 100), FLOWS);
	cr_expect_eq(burst_flows(t, f, ACL_DIR_INBOUND, FLOWS, 100), FLOWS);
	/* outbound at 125 refreshes the first half (a new second: the table
	 * is asked again) */
	cr_expect_eq(burst_flows(t, f, ACL_DIR_OUTBOUND, FLOWS / 2, 125), FLOWS / 2);
	/* at 140 the other half idled 40 s (> 30): only the refreshed pass */
	cr_expect_eq(burst_flows(t, f, ACL_DIR_INBOUND, FLOWS, 140), FLOWS / 2);
	/* inbound at 140 refreshed them too: at 165 (25 s later) they pass */
	cr_expect_eq(burst_flows(t, f, ACL_DIR_INBOUND, FLOWS / 2, 165), FLOWS / 2);
	/* and after 31 s of silence none does, though the memo once said live */
	cr_expect_eq(burst_flows(t, f, ACL_DIR_INBOUND, FLOWS, 196), 0);
	cr_expect_eq(burst_flows(t, f, ACL_DIR_INBOUND, FLOWS, 196), 0);
	ext_acl_free(t);
	ext_acl_flows_free(f);
}

/* Flows the table has no room for are not remembered as live: their
 * return traffic stays denied, in that second too. */
Test(ext_acl_burst, flows_not_created_are_not_remembered_as_live)
{
	struct ext_acl_rule r[2];
	struct ext_acl_table *t;
	struct ext_acl_flows *f = ext_acl_flows_create("burst_full", 8, SOCKET_ID_ANY);
	unsigned created;

	cr_assert_not_null(f);
	stateful_rules(r);
	t = compile(r, 2);
	/* every outbound packet is allowed by its rule, tracked or not */
	cr_expect_eq(burst_flows(t, f, ACL_DIR_OUTBOUND, FLOWS, 100), FLOWS);
	cr_expect_eq(burst_flows(t, f, ACL_DIR_OUTBOUND, FLOWS, 100), FLOWS);
	created = ext_acl_flows_count(f);
	cr_expect_gt(created, 0);
	cr_expect_lt(created, FLOWS);
	cr_expect_eq(burst_flows(t, f, ACL_DIR_INBOUND, FLOWS, 100), created);
	cr_expect_eq(burst_flows(t, f, ACL_DIR_INBOUND, FLOWS, 100), created);
	ext_acl_free(t);
	ext_acl_flows_free(f);
}

/* vfp_classify_burst: an extended ACL decides; a packet no extended rule
 * matches falls through to the port ACLs; the drop mask is what
 * vfp_classify says a packet at a time. The policy mask names the ports
 * with rules. */
Test(ext_acl_burst, vfp_burst_falls_through_to_port_acls)
{
	struct vfp *v = vfp_create(NB_WORKERS, SOCKET_ID_ANY, NULL);
	struct ext_acl_rule er[2];
	struct port_acl_rule pr = { .id = 1, .action = ACL_DENY, .dir = ACL_DIR_BOTH,
				    .kind = PORT_ACL_REMOTE_IP,
				    .ip = { .family = 4, .depth = 8, .addr = { 8 } } };
	char err[256] = "";
	struct vfp_pkt p[4];
	const struct vfp_pkt *pk[4];
	uint64_t drop;

	cr_assert_not_null(v);
	stateful_rules(er);
	er[1].remote_ip.any = false; /* Deny In only from 9.0.0.0/8 */
	er[1].remote_ip.family = 4;
	er[1].remote_ip.depth = 8;
	er[1].remote_ip.addr[0] = 9;
	cr_assert_eq(vfp_set_ext_acls(v, 3, er, 2, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vfp_set_port_acls(v, 3, &pr, 1, err, sizeof(err)), 0, "%s", err);
	uint64_t mask[VFP_MASK_WORDS];

	vfp_policy_mask(v, mask);
	cr_expect_eq(mask[0], 1u << 3);
	cr_expect_eq(mask[VFP_MASK_WORDS - 1], VFP_MASK_WORDS == 1 ? 1u << 3 : 0);
	p[0] = tcp4(POD, 40000, REMOTE, 443);      /* out: ext Allow */
	p[1] = tcp4(POD, 40000, REMOTE, 80);       /* out: no ext rule, port ACL Deny 8/8 */
	p[2] = tcp4(0x09000001u, 80, POD, 40000);  /* in: ext Deny */
	p[3] = tcp4(0x0b000001u, 80, POD, 40000);  /* in: neither: allowed */
	for (unsigned i = 0; i < 4; i++)
		pk[i] = &p[i];
	drop = vfp_classify_burst(vfp_policy(v, 3), ACL_DIR_OUTBOUND, pk, 2, 0, 100);
	cr_expect_eq(drop, 2u, "outbound drop mask %lx", (unsigned long)drop);
	drop = vfp_classify_burst(vfp_policy(v, 3), ACL_DIR_INBOUND, pk + 2, 2, 0, 100);
	cr_expect_eq(drop, 1u, "inbound drop mask %lx", (unsigned long)drop);
	for (unsigned i = 0; i < 4; i++)
		cr_expect_eq(vfp_classify(vfp_policy(v, 3), i < 2 ? ACL_DIR_OUTBOUND :
					  ACL_DIR_INBOUND, &p[i], 1, 100),
			     (i == 1 || i == 2) ? VFP_DROP_SECURITY : VFP_PASS, "packet %u", i);
	vfp_clear_port(v, 3);
	vfp_policy_mask(v, mask);
	for (unsigned i = 0; i < VFP_MASK_WORDS; i++)
		cr_expect_eq(mask[i], 0);
	vfp_free(v);
}
