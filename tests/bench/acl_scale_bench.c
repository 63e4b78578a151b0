/* HNS ACLs at node scale (issue 18, item 5): a Kubernetes node's pods each
 * hold their own ACL set, compiled as extended ACLs (vfp/ext_acl.h).
 * Reports, on one core, without I/O:
 *   - the memory all the compiled sets take (DPDK heap bytes allocated
 *     before and after; rte_acl contexts live there), and the most a
 *     change adds while the new set is compiled next to the old one;
 *   - the shared stateful flow table (ext_acl_flows.c) with a handle per
 *     pod, which is the rest of the ACL state;
 *   - classification cost per packet with the full set and with one rule,
 *     so "independent of the rule count" is a number.
 *
 * usage: acl-scale-bench [EAL args] -- [PODS [RULES]]   (default 110 50)
 *
 * A pod's set is what Calico writes: a default Block In (priority 65500)
 * and RULES-1 Allow rules, In and Out alternating, TCP or UDP, a remote
 * /32 or /24 and a local port each (priority 1000 + i; weight = 65535 -
 * priority as the HNS mapping gives). Packets are inbound, random
 * 5-tuples of which half hit an Allow rule; the cost is compared with a
 * 2-rule set (the default deny and one Allow) that the same share hits. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "ext_acl.h"

#define NB_PKTS 4096
#define FLOW_CAPACITY 262144 /* the switch's shared table (README) */
#define FLOW_QUOTA 65536

static uint64_t heap_bytes(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t sum = 0;

	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

static void prefix4(struct acl_prefix *p, uint32_t ip, uint8_t depth)
{
	memset(p, 0, sizeof(*p));
	p->family = 4;
	p->depth = depth;
	p->addr[0] = ip >> 24;
	p->addr[1] = ip >> 16;
	p->addr[2] = ip >> 8;
	p->addr[3] = ip;
}

/* Pod pod's rule set: rules[0] the default deny, the rest Allow rules. */
static void pod_rules(struct ext_acl_rule *rules, unsigned n, unsigned pod)
{
	memset(rules, 0, n * sizeof(*rules));
	for (unsigned i = 0; i < n; i++) {
		struct ext_acl_rule *r = &rules[i];

		r->id = i + 1;
		r->local_ip.any = true;
		r->remote_ip.any = true;
		r->local_port_hi = r->remote_port_hi = 65535;
		r->protocol = EXT_ACL_PROTO_ANY;
		if (i == 0) {
			r->action = ACL_DENY;
			r->dir = ACL_DIR_INBOUND;
			r->weight = 65535 - 65500;
			continue;
		}
		r->action = ACL_ALLOW;
		r->dir = i % 2 ? ACL_DIR_INBOUND : ACL_DIR_OUTBOUND;
		r->protocol = i % 3 ? 6 : 17;
		/* remotes in 10.<pod>.<i>.0/24 or a /32 in it */
		prefix4(&r->remote_ip, 0x0a000000u | (pod & 0xff) << 16 | i << 8 | (i % 4 ? 0 : 7),
			i % 4 ? 24 : 32);
		r->remote_ip.any = false;
		r->local_port_lo = r->local_port_hi = 1000 + i;
		r->weight = 65535 - (1000 + i);
		r->stateful = r->dir == ACL_DIR_OUTBOUND;
		r->idle_timeout = EXT_ACL_DEFAULT_IDLE_TIMEOUT;
	}
}

static void random_packets(struct vfp_pkt *pkts, unsigned rules, unsigned pod)
{
	for (unsigned k = 0; k < NB_PKTS; k++) {
		struct vfp_pkt *p = &pkts[k];
		/* an inbound Allow rule's remote (odd i), or next to it */
		unsigned i = 1 + 2 * (unsigned)rte_rand_max(rules / 2 ? rules / 2 : 1);
		bool hit = rte_rand() & 1;

		memset(p, 0, sizeof(*p));
		p->family = 4;
		p->proto = i % 3 ? 6 : 17;
		p->has_ports = true;
		p->len = 64;
		/* inbound: remote is the source, local the destination */
		p->src_ip4 = 0x0a000000u | (pod & 0xff) << 16 | i << 8 | 7;
		if (!hit)
			p->src_ip4 ^= 0x00800000u;
		p->dst_ip4 = 0x0af40105u;
		p->src_port = 40000 + rte_rand_max(20000);
		p->dst_port = 1000 + i;
	}
}

/* Cycles per packet classifying inbound packets against t. */
static double classify_cost(struct ext_acl_table *t, struct ext_acl_flows *f,
			    const struct vfp_pkt *pkts, unsigned *allowed)
{
	const unsigned rounds = 200;
	uint64_t start = rte_rdtsc();

	*allowed = 0;
	for (unsigned r = 0; r < rounds; r++)
		for (unsigned k = 0; k < NB_PKTS; k++)
			*allowed += ext_acl_classify(t, f, ACL_DIR_INBOUND, &pkts[k], 0, 1) ==
				    EXT_ACL_ALLOW;
	return (double)(rte_rdtsc() - start) / ((double)rounds * NB_PKTS);
}

int main(int argc, char **argv)
{
	int eal = rte_eal_init(argc, argv);
	unsigned pods = 110, nrules = 50;

	if (eal < 0) {
		fprintf(stderr, "acl-scale-bench: EAL init failed\n");
		return 1;
	}
	argc -= eal;
	argv += eal;
	if (argc > 1)
		pods = (unsigned)strtoul(argv[1], NULL, 10);
	if (argc > 2)
		nrules = (unsigned)strtoul(argv[2], NULL, 10);
	if (pods == 0 || nrules == 0 || pods > 4096) {
		fprintf(stderr, "usage: acl-scale-bench [EAL args] -- [PODS [RULES]]\n");
		return 2;
	}

	struct ext_acl_rule *rules = calloc(nrules, sizeof(*rules));
	struct ext_acl_table **tables = calloc(pods, sizeof(*tables));
	struct ext_acl_flows **handles = calloc(pods, sizeof(*handles));
	struct vfp_pkt *pkts = calloc(NB_PKTS, sizeof(*pkts));
	char err[256];

	if (rules == NULL || tables == NULL || handles == NULL || pkts == NULL)
		return 1;

	uint64_t before = heap_bytes(), t0 = rte_rdtsc();

	for (unsigned p = 0; p < pods; p++) {
		pod_rules(rules, nrules, p);
		tables[p] = ext_acl_compile(rules, nrules, 1, SOCKET_ID_ANY, err, sizeof(err));
		if (tables[p] == NULL) {
			fprintf(stderr, "acl-scale-bench: pod %u: %s\n", p, err);
			return 1;
		}
	}
	double compile_ms = (double)(rte_rdtsc() - t0) * 1e3 / (double)rte_get_tsc_hz() / pods;
	uint64_t sets = heap_bytes() - before;

	/* a change: pod 0's new set next to its old one */
	uint64_t mid = heap_bytes();
	pod_rules(rules, nrules, 0);
	struct ext_acl_table *next = ext_acl_compile(rules, nrules, 1, SOCKET_ID_ANY, err, sizeof(err));
	uint64_t change = heap_bytes() - mid;

	if (next == NULL)
		return 1;
	ext_acl_free(next);

	uint64_t fbefore = heap_bytes();
	struct ext_acl_flow_table *ft = ext_acl_flow_table_create("acl_scale", FLOW_CAPACITY,
								  SOCKET_ID_ANY);

	if (ft == NULL)
		return 1;
	for (unsigned p = 0; p < pods; p++)
		if ((handles[p] = ext_acl_flows_open(ft, FLOW_QUOTA, SOCKET_ID_ANY)) == NULL)
			return 1;
	uint64_t flows = heap_bytes() - fbefore;

	printf("acl-scale %u pods x %u rules: compiled sets %.1f MiB (%.0f KiB a pod), "
	       "a change adds %.0f KiB, shared flow table + %u handles %.1f MiB, "
	       "all ACL state %.1f MiB; compile %.2f ms a set\n",
	       pods, nrules, sets / 1048576.0, sets / 1024.0 / pods, change / 1024.0, pods,
	       flows / 1048576.0, (sets + change + flows) / 1048576.0, compile_ms);

	unsigned allowed_full, allowed_two;
	random_packets(pkts, nrules, 0);
	double full = classify_cost(tables[0], handles[0], pkts, &allowed_full);

	pod_rules(rules, 2, 0);
	struct ext_acl_table *two = ext_acl_compile(rules, 2, 1, SOCKET_ID_ANY, err, sizeof(err));

	if (two == NULL)
		return 1;
	random_packets(pkts, 2, 0);
	double small = classify_cost(two, handles[0], pkts, &allowed_two);

	printf("acl-scale classify: %.1f cycles/packet with %u rules (%.0f%% allowed), "
	       "%.1f with 2 rules (%.0f%% allowed): ratio %.2f\n",
	       full, nrules, 100.0 * allowed_full / (200.0 * NB_PKTS), small,
	       100.0 * allowed_two / (200.0 * NB_PKTS), full / small);
	ext_acl_free(two);
	for (unsigned p = 0; p < pods; p++) {
		ext_acl_flows_free(handles[p]);
		ext_acl_free(tables[p]);
	}
	ext_acl_flow_table_free(ft);
	free(rules);
	free(tables);
	free(handles);
	free(pkts);
	rte_eal_cleanup();
	return 0;
}
