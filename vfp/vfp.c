#include "vfp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

struct vfp *vfp_create(unsigned nb_workers, int socket, struct rte_rcu_qsbr *qsbr)
{
	struct vfp *v = rte_zmalloc_socket("vfp", sizeof(*v), RTE_CACHE_LINE_SIZE, socket);

	if (v == NULL)
		return NULL;
	v->nb_workers = nb_workers;
	v->socket = socket;
	v->qsbr = qsbr;
	return v;
}

static void free_policy(struct vfp_port_policy *pol)
{
	if (pol == NULL)
		return;
	port_acl_free(pol->acl);
	ext_acl_free(pol->ext);
	rte_free(pol); /* the flows belong to vfp_port_rules */
}

void vfp_free(struct vfp *v)
{
	if (v == NULL)
		return;
	for (uint16_t p = 0; p < VFP_MAX_PORTS; p++) {
		free_policy(v->policy[p]);
		free(v->rules[p].acl);
		free(v->rules[p].ext);
		ext_acl_flows_free(v->rules[p].flows);
	}
	ext_acl_flow_table_free(v->flow_table);
	rte_free(v);
}

/* Publishes pol as the port's policy, waits until no worker can hold the
 * previous one, carries its counters over and returns it (to be freed). */
static struct vfp_port_policy *publish(struct vfp *v, uint16_t port,
				       struct vfp_port_policy *pol)
{
	struct vfp_port_policy *old;

	if (pol != NULL)
		__atomic_fetch_or(&v->policy_mask[port / 64], UINT64_C(1) << (port % 64),
				  __ATOMIC_RELEASE);
	old = __atomic_exchange_n(&v->policy[port], pol, __ATOMIC_ACQ_REL);
	if (pol == NULL)
		__atomic_fetch_and(&v->policy_mask[port / 64], ~(UINT64_C(1) << (port % 64)),
				   __ATOMIC_RELEASE);

	if (v->qsbr != NULL)
		rte_rcu_qsbr_synchronize(v->qsbr, RTE_QSBR_THRID_INVALID);
	if (old != NULL && pol != NULL) {
		if (old->acl != NULL && pol->acl != NULL)
			port_acl_carry_counters(pol->acl, old->acl);
		if (old->ext != NULL && pol->ext != NULL)
			ext_acl_carry_counters(pol->ext, old->ext);
	}
	return old;
}

/* The compiled policy for a rule set, NULL policy (and 0) when it has no
 * rules. Touches nothing of v but its settings: any thread may run it. */
static int compile(const struct vfp *v, const struct vfp_port_rules *r,
		   struct vfp_port_policy **out, char *err, size_t errlen)
{
	struct vfp_port_policy *pol;

	*out = NULL;
	if (r->nb_acl == 0 && r->nb_ext == 0)
		return 0;
	pol = rte_zmalloc_socket("vfp_policy", sizeof(*pol), RTE_CACHE_LINE_SIZE, v->socket);
	if (pol == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (r->nb_acl > 0) {
		pol->acl = port_acl_compile(r->acl, r->nb_acl, v->nb_workers, v->socket,
					    err, errlen);
		if (pol->acl == NULL)
			goto fail;
	}
	if (r->nb_ext > 0) {
		pol->ext = ext_acl_compile(r->ext, r->nb_ext, v->nb_workers, v->socket,
					   err, errlen);
		if (pol->ext == NULL)
			goto fail;
		pol->flows = r->flows;
	}
	*out = pol;
	return 0;
fail:
	free_policy(pol);
	return -1;
}

static void *copy_rules(const void *rules, unsigned n, size_t size)
{
	void *c = n ? malloc(n * size) : NULL;

	if (c != NULL)
		memcpy(c, rules, n * size);
	return c;
}

void vfp_change_discard(struct vfp_change *c)
{
	free(c->rules.acl);
	free(c->rules.ext);
	free_policy(c->policy);
	free_policy(c->retired);
	memset(c, 0, sizeof(*c));
}

/* The port's rules in force with one layer replaced by a copy of rules;
 * the ext layer gets the port's stateful flow table, made on first use. */
int vfp_change_init(struct vfp *v, struct vfp_change *c, uint16_t port,
		    enum vfp_layer layer, const void *rules, unsigned n,
		    char *err, size_t errlen)
{
	const struct vfp_port_rules *cur = &v->rules[port];
	bool ext = layer == VFP_LAYER_EXT;

	memset(c, 0, sizeof(*c));
	c->port = port;
	if (n > VFP_MAX_RULES) {
		snprintf(err, errlen, "at most %d %s rules per port", VFP_MAX_RULES,
			 ext ? "extended ACL" : "port ACL");
		return -1;
	}
	if (ext && n > 0 && cur->flows == NULL) {
		if (v->flow_table == NULL)
			v->flow_table = ext_acl_flow_table_create("vfp_flows",
								  VFP_FLOW_TABLE_CAPACITY,
								  v->socket);
		if (v->flow_table != NULL)
			v->rules[port].flows = ext_acl_flows_open(v->flow_table,
								  VFP_FLOW_CAPACITY,
								  v->socket);
		if (cur->flows == NULL) {
			snprintf(err, errlen, "cannot create the stateful flow table");
			return -1;
		}
	}
	c->rules.flows = cur->flows;
	c->rules.nb_acl = ext ? cur->nb_acl : n;
	c->rules.nb_ext = ext ? n : cur->nb_ext;
	c->rules.acl = copy_rules(ext ? cur->acl : rules, c->rules.nb_acl,
				  sizeof(struct port_acl_rule));
	c->rules.ext = copy_rules(ext ? rules : cur->ext, c->rules.nb_ext,
				  sizeof(struct ext_acl_rule));
	if ((c->rules.nb_acl && c->rules.acl == NULL) ||
	    (c->rules.nb_ext && c->rules.ext == NULL)) {
		vfp_change_discard(c);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int vfp_change_compile(const struct vfp *v, struct vfp_change *c, char *err,
		       size_t errlen)
{
	return compile(v, &c->rules, &c->policy, err, errlen);
}

void vfp_change_commit(struct vfp *v, struct vfp_change *c)
{
	struct vfp_port_rules *r = &v->rules[c->port];

	struct vfp_port_policy *old = publish(v, c->port, c->policy);

	free(r->acl);
	free(r->ext);
	r->acl = c->rules.acl;
	r->nb_acl = c->rules.nb_acl;
	r->ext = c->rules.ext;
	r->nb_ext = c->rules.nb_ext;
	memset(c, 0, sizeof(*c));
	c->retired = old;
}

static int set_layer(struct vfp *v, uint16_t port, enum vfp_layer layer,
		     const void *rules, unsigned n, char *err, size_t errlen)
{
	struct vfp_change c;

	if (vfp_change_init(v, &c, port, layer, rules, n, err, errlen) < 0)
		return -1;
	if (vfp_change_compile(v, &c, err, errlen) < 0) {
		vfp_change_discard(&c);
		return -1;
	}
	vfp_change_commit(v, &c);
	vfp_change_discard(&c);
	return 0;
}

int vfp_set_port_acls(struct vfp *v, uint16_t port,
		      const struct port_acl_rule *rules, unsigned n,
		      char *err, size_t errlen)
{
	return set_layer(v, port, VFP_LAYER_ACL, rules, n, err, errlen);
}

int vfp_set_ext_acls(struct vfp *v, uint16_t port,
		     const struct ext_acl_rule *rules, unsigned n,
		     char *err, size_t errlen)
{
	return set_layer(v, port, VFP_LAYER_EXT, rules, n, err, errlen);
}

void vfp_clear_port(struct vfp *v, uint16_t port)
{
	free_policy(publish(v, port, NULL));
	free(v->rules[port].acl);
	free(v->rules[port].ext);
	ext_acl_flows_free(v->rules[port].flows);
	memset(&v->rules[port], 0, sizeof(v->rules[port]));
}

int vfp_port_acl_hits(const struct vfp *v, uint16_t port, uint32_t rule_id,
		      uint64_t *packets, uint64_t *bytes)
{
	const struct vfp_port_policy *pol = v->policy[port];

	return pol && pol->acl ? port_acl_rule_hits(pol->acl, rule_id, packets, bytes) : -1;
}

int vfp_ext_acl_hits(const struct vfp *v, uint16_t port, uint32_t rule_id,
		     uint64_t *packets, uint64_t *bytes)
{
	const struct vfp_port_policy *pol = v->policy[port];

	return pol && pol->ext ? ext_acl_rule_hits(pol->ext, rule_id, packets, bytes) : -1;
}

enum vfp_verdict vfp_classify(const struct vfp_port_policy *pol, enum acl_dir dir,
			      const struct vfp_pkt *pkt, unsigned worker,
			      uint32_t now)
{
	if (pol->ext != NULL) {
		switch (ext_acl_classify(pol->ext, pol->flows, dir, pkt, worker, now)) {
		case EXT_ACL_ALLOW:
			return VFP_PASS;
		case EXT_ACL_DENY:
			return VFP_DROP_SECURITY;
		case EXT_ACL_NO_MATCH:
			break;
		}
	}
	if (pol->acl != NULL &&
	    port_acl_classify(pol->acl, dir, pkt, worker) == ACL_VERDICT_DENY)
		return VFP_DROP_SECURITY;
	return VFP_PASS;
}

uint64_t vfp_classify_burst(const struct vfp_port_policy *pol, enum acl_dir dir,
			    const struct vfp_pkt *const *pkts, unsigned n,
			    unsigned worker, uint32_t now)
{
	uint8_t res[VFP_BURST_MAX];
	uint64_t drop = 0;

	if (pol->ext != NULL)
		ext_acl_classify_burst(pol->ext, pol->flows, dir, pkts, n, worker, now, res);
	else
		memset(res, EXT_ACL_NO_MATCH, n);
	for (unsigned i = 0; i < n; i++) {
		if (res[i] == EXT_ACL_ALLOW)
			continue;
		if (res[i] == EXT_ACL_DENY ||
		    (pol->acl != NULL &&
		     port_acl_classify(pol->acl, dir, pkts[i], worker) == ACL_VERDICT_DENY))
			drop |= UINT64_C(1) << i;
	}
	return drop;
}
