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
	rte_free(v);
}

/* Publishes pol as the port's policy, waits until no worker can hold the
 * previous one, carries its counters over and frees it. */
static void publish(struct vfp *v, uint16_t port, struct vfp_port_policy *pol)
{
	struct vfp_port_policy *old =
		__atomic_exchange_n(&v->policy[port], pol, __ATOMIC_ACQ_REL);

	if (v->qsbr != NULL)
		rte_rcu_qsbr_synchronize(v->qsbr, RTE_QSBR_THRID_INVALID);
	if (old != NULL && pol != NULL) {
		if (old->acl != NULL && pol->acl != NULL)
			port_acl_carry_counters(pol->acl, old->acl);
		if (old->ext != NULL && pol->ext != NULL)
			ext_acl_carry_counters(pol->ext, old->ext);
	}
	free_policy(old);
}

/* A policy object for the rules in r, sharing the unchanged layer's
 * compiled table is not possible (tables are freed with their policy), so
 * both layers are compiled; NULL policy when the port has no rules. */
static int rebuild(struct vfp *v, uint16_t port, const struct vfp_port_rules *r,
		   char *err, size_t errlen)
{
	struct vfp_port_policy *pol;

	if (r->nb_acl == 0 && r->nb_ext == 0) {
		publish(v, port, NULL);
		return 0;
	}
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
	publish(v, port, pol);
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

int vfp_set_port_acls(struct vfp *v, uint16_t port,
		      const struct port_acl_rule *rules, unsigned n,
		      char *err, size_t errlen)
{
	struct vfp_port_rules next = v->rules[port];

	if (n > VFP_MAX_RULES) {
		snprintf(err, errlen, "at most %d port ACL rules per port", VFP_MAX_RULES);
		return -1;
	}
	next.acl = copy_rules(rules, n, sizeof(*rules));
	next.nb_acl = n;
	if ((n && next.acl == NULL) || rebuild(v, port, &next, err, errlen) < 0) {
		if (n && next.acl == NULL)
			snprintf(err, errlen, "out of memory");
		free(next.acl);
		return -1;
	}
	free(v->rules[port].acl);
	v->rules[port] = next;
	return 0;
}

int vfp_set_ext_acls(struct vfp *v, uint16_t port,
		     const struct ext_acl_rule *rules, unsigned n,
		     char *err, size_t errlen)
{
	struct vfp_port_rules next = v->rules[port];
	char name[32];

	if (n > VFP_MAX_RULES) {
		snprintf(err, errlen, "at most %d extended ACL rules per port", VFP_MAX_RULES);
		return -1;
	}
	if (n > 0 && next.flows == NULL) {
		static unsigned instance;

		snprintf(name, sizeof(name), "vfp_flows%u_%u", port, instance++);
		next.flows = ext_acl_flows_create(name, VFP_FLOW_CAPACITY, v->socket);
		if (next.flows == NULL) {
			snprintf(err, errlen, "cannot create the stateful flow table");
			return -1;
		}
		v->rules[port].flows = next.flows; /* kept even if the rest fails */
	}
	next.ext = copy_rules(rules, n, sizeof(*rules));
	next.nb_ext = n;
	if ((n && next.ext == NULL) || rebuild(v, port, &next, err, errlen) < 0) {
		if (n && next.ext == NULL)
			snprintf(err, errlen, "out of memory");
		free(next.ext);
		return -1;
	}
	free(v->rules[port].ext);
	v->rules[port] = next;
	return 0;
}

void vfp_clear_port(struct vfp *v, uint16_t port)
{
	publish(v, port, NULL);
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
