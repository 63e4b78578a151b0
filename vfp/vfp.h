/* Virtual Filtering Platform: per-port policy layers between the switch's
 * ingress VLAN admission and forwarding (traffic Outbound from the port's
 * VM) and between forwarding and egress tagging (traffic Inbound to the
 * destination port's VM). Layers, in evaluation order:
 *   extended ACLs (ext_acl.h): the highest-weight match decides;
 *   port ACLs (port_acl.h): unordered, most specific match decides.
 *
 * Each port's compiled policy is one immutable object published with an
 * atomic pointer; a change compiles a new object (on any thread: a large
 * rule set is compiled off the main lcore), publishes it, waits for
 * an RCU grace period (no worker still uses the old one), carries the hit
 * counters over and frees the old one. Workers never block or lock. A port
 * without rules has no policy object: the hook costs one pointer load.
 * Layer: vfp/, engine layer (VFP; DPDK only). */
#ifndef HVS_VFP_H
#define HVS_VFP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "acl_common.h"
#include "ext_acl.h"
#include "port_acl.h"
#include "vfp_pkt.h"

#define VFP_MAX_PORTS 128
#define VFP_MASK_WORDS ((VFP_MAX_PORTS + 63) / 64)
#define VFP_MAX_RULES 65536 /* per port and layer */
#define VFP_FLOW_CAPACITY 65536 /* stateful flows per port (its quota) */
/* stateful flows of all ports together: one table (ext_acl_flows.c), made
 * with the first stateful port, about 33 MiB */
#define VFP_FLOW_TABLE_CAPACITY 262144

enum vfp_verdict {
	VFP_PASS,
	VFP_DROP_SECURITY, /* "Failed Security Policy" */
};

struct vfp_port_policy {
	struct port_acl_table *acl; /* NULL: no port ACLs */
	struct ext_acl_table *ext;  /* NULL: no extended ACLs */
	struct ext_acl_flows *flows; /* the port's stateful flows (ext only) */
};

/* The rules as the control plane holds them, for reads and recompiles. */
struct vfp_port_rules {
	struct port_acl_rule *acl;
	unsigned nb_acl;
	struct ext_acl_rule *ext;
	unsigned nb_ext;
	struct ext_acl_flows *flows; /* kept across recompiles */
};

struct vfp {
	struct vfp_port_policy *policy[VFP_MAX_PORTS]; /* read by workers */
	/* bit p: port p has a policy (set before, cleared after its pointer),
	 * so a burst to ports without rules skips the batch at one load */
	uint64_t policy_mask[VFP_MASK_WORDS];
	struct vfp_port_rules rules[VFP_MAX_PORTS];
	struct rte_rcu_qsbr *qsbr;
	unsigned nb_workers;
	int socket;
	struct ext_acl_flow_table *flow_table; /* every port's stateful flows */
};

/* qsbr may be NULL when no worker runs (unit tests). */
struct vfp *vfp_create(unsigned nb_workers, int socket, struct rte_rcu_qsbr *qsbr);
void vfp_free(struct vfp *v);

enum vfp_layer { VFP_LAYER_ACL, VFP_LAYER_EXT };

/* A port's next rule sets and their compiled policy, in three steps so the
 * slow one can leave the main lcore: init (main lcore: copies the rules in
 * force with one layer replaced), compile (any thread, one change at a
 * time per port), then commit (main lcore: publish, RCU grace period,
 * counters carried over; the old policy is left in retired) and discard
 * (any thread: frees what is left, a retired policy included, so the
 * main lcore need not spend a large table's free). Between init and
 * commit the port's rules must not change otherwise. */
struct vfp_change {
	uint16_t port;
	struct vfp_port_rules rules;
	struct vfp_port_policy *policy;
	struct vfp_port_policy *retired; /* after commit: the one replaced */
};

int vfp_change_init(struct vfp *v, struct vfp_change *c, uint16_t port,
		    enum vfp_layer layer, const void *rules, unsigned n,
		    char *err, size_t errlen);
int vfp_change_compile(const struct vfp *v, struct vfp_change *c, char *err,
		       size_t errlen);
void vfp_change_commit(struct vfp *v, struct vfp_change *c);
void vfp_change_discard(struct vfp_change *c);

/* Control plane (main lcore): the three steps at once. Each replaces a
 * layer's whole rule set of a port; rules are copied. 0, or -1 with err
 * and the old rules in force. */
int vfp_set_port_acls(struct vfp *v, uint16_t port,
		      const struct port_acl_rule *rules, unsigned n,
		      char *err, size_t errlen);
int vfp_set_ext_acls(struct vfp *v, uint16_t port,
		     const struct ext_acl_rule *rules, unsigned n,
		     char *err, size_t errlen);
/* Drops every rule and flow of a port (port removed). */
void vfp_clear_port(struct vfp *v, uint16_t port);

static inline const struct vfp_port_rules *vfp_rules(const struct vfp *v,
						     uint16_t port)
{
	return &v->rules[port];
}
/* Hits of one rule, summed over workers: 0, or -1 if no such rule. */
int vfp_port_acl_hits(const struct vfp *v, uint16_t port, uint32_t rule_id,
		      uint64_t *packets, uint64_t *bytes);
int vfp_ext_acl_hits(const struct vfp *v, uint16_t port, uint32_t rule_id,
		     uint64_t *packets, uint64_t *bytes);

/* Worker side. */
static inline const struct vfp_port_policy *vfp_policy(const struct vfp *v,
						       uint16_t port)
{
	return __atomic_load_n(&v->policy[port], __ATOMIC_ACQUIRE);
}

/* The ports with a policy as VFP_MASK_WORDS words (bit p of word p / 64). */
static inline void vfp_policy_mask(const struct vfp *v, uint64_t *words)
{
	for (unsigned i = 0; i < VFP_MASK_WORDS; i++)
		words[i] = __atomic_load_n(&v->policy_mask[i], __ATOMIC_RELAXED);
}

/* The verdicts of n parsed packets (at most VFP_BURST_MAX) crossing one
 * port in one direction, as n vfp_classify calls in order: bit i set when
 * packet i is to be dropped (VFP_DROP_SECURITY). The extended ACLs take
 * the burst at once (ext_acl_classify_burst). */
#define VFP_BURST_MAX 64
_Static_assert(VFP_BURST_MAX <= EXT_ACL_BURST_MAX, "a VFP burst is one ext ACL burst");
uint64_t vfp_classify_burst(const struct vfp_port_policy *pol, enum acl_dir dir,
			    const struct vfp_pkt *const *pkts, unsigned n,
			    unsigned worker, uint32_t now);

/* The verdict for a parsed packet crossing a port in a direction. */
enum vfp_verdict vfp_classify(const struct vfp_port_policy *pol, enum acl_dir dir,
			      const struct vfp_pkt *pkt, unsigned worker,
			      uint32_t now);

#endif
