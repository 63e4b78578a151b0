/* VFP port ACLs (port_acl.h).
 *
 * Specificity, as a rank compared numerically (0: no match):
 *   ANY (IP or MAC)          spec 0
 *   IP prefix of depth d     spec 1 + d   (1..129; /0 is a prefix, not ANY)
 *   MAC address              spec 130
 * A deciding (Allow/Deny) candidate has rank ((spec + 1) << 1) | deny, so a
 * more specific match always wins and Deny wins at equal specificity; a
 * Meter candidate has rank spec + 1. Equal ranks go to the lowest rule
 * index, so the counted rule is deterministic.
 *
 * The compiled table:
 *   - one prefix trie per family (pfx_trie.h: memory in proportion to
 *     the prefixes, at most three loads for IPv4) holding the distinct
 *     prefixes of all local and remote rules of both directions; the next
 *     hop indexes a result with one slot per (direction, side). A slot
 *     holds the best decider and the best meter among the rules of that
 *     direction and side whose prefix contains the looked-up prefix, so the
 *     longest matching prefix in the union (which the trie returns) gives
 *     the right answer for every slot: every matching prefix of an address
 *     is an ancestor of its longest matching prefix. Results are computed
 *     in increasing depth, each inheriting from its longest ancestor (an
 *     trie lookup in the partial table). /0 prefixes (which the trie does
 *     not hold) live in a per-family default result used on a miss.
 *   - an open-addressing exact-match table of MAC addresses with the same
 *     four-slot results;
 *   - per direction, the ANY slots: MAC ANY alone (any frame) and MAC ANY
 *     merged with IP ANY (IP packets).
 * A packet costs at most two MAC probes and two trie lookups. */
#include "port_acl.h"
#include "pfx_trie.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_vect.h>


/* ------------------------------------------------------------------ */
/* Compiled table                                                      */

#define SPEC_ANY 0u
#define SPEC_IP(d) (1u + (d))
#define SPEC_MAC 130u
#define DEC_RANK(spec, deny) ((uint16_t)((((spec) + 1u) << 1) | ((deny) ? 1u : 0u)))
#define MET_RANK(spec) ((uint16_t)((spec) + 1u))
#define NO_RULE UINT32_MAX

#define SIDE_LOCAL 0
#define SIDE_REMOTE 1

/* The best decider and meter for one direction and side. */
struct pacl_slot {
	uint16_t dec_rank; /* 0: none */
	uint16_t met_rank; /* 0: none */
	uint32_t dec_rule;
	uint32_t met_rule;
};

/* [direction: 0 inbound, 1 outbound][side: local, remote] */
struct pacl_res {
	struct pacl_slot s[2][2];
};

/* A slot as two keys that compare like slot_merge: rank << 32 | ~rule,
 * 0 for none. */
struct pacl_key {
	uint64_t dec;
	uint64_t met;
};

struct pacl_fast {
	struct pacl_key s[2][2];
} __rte_aligned(64);

struct pacl_ctr {
	uint64_t packets;
	uint64_t bytes;
};

struct pacl_id {
	uint32_t id;
	uint32_t idx;
};

#define MAC_EMPTY UINT64_MAX

struct pacl_mac_ent {
	uint64_t key; /* the MAC in the low 48 bits; MAC_EMPTY: free */
	uint32_t res;
};

struct port_acl_table {
	/* read by workers */
	struct pacl_res any_all; /* s[dir][0]: MAC ANY (every frame) */
	struct pacl_res any_ip;  /* s[dir][0]: MAC ANY and IP ANY (IP packets) */
	struct pacl_ctr *ctr;    /* nb_workers blocks of ctr_stride entries */
	size_t ctr_stride;
	unsigned nb_workers;
	bool has_meter;
	bool has_v4, has_v6;
	struct pacl_mac_ent *mac_tab; /* NULL: no specific MAC rules */
	uint32_t mac_mask;
	unsigned mac_shift;
	struct pacl_res *mac_res;
	struct pfx_trie *trie4; /* NULL: no IPv4 prefixes deeper than /0 */
	struct pacl_res *res4;
	/* res4 (then def4, at index nb4) merged with any_ip, as keys: an
	 * IPv4 packet without MAC rules in two loads and two max */
	struct pacl_fast *fast4;
	uint32_t nb4;
	struct pacl_res def4;   /* /0 rules */
	struct pfx_trie *trie6;
	struct pacl_res *res6;
	struct pacl_res def6;
	/* control */
	unsigned n;
	struct pacl_ctr *base; /* carried over from previous tables */
	struct pacl_id *ids;   /* sorted by (id, idx) */
};

static void slot_init(struct pacl_slot *s)
{
	s->dec_rank = 0;
	s->met_rank = 0;
	s->dec_rule = NO_RULE;
	s->met_rule = NO_RULE;
}

static void res_init(struct pacl_res *r)
{
	for (int d = 0; d < 2; d++)
		for (int side = 0; side < 2; side++)
			slot_init(&r->s[d][side]);
}

static inline void slot_merge(struct pacl_slot *b, const struct pacl_slot *c)
{
	if (c->dec_rank > b->dec_rank ||
	    (c->dec_rank == b->dec_rank && c->dec_rule < b->dec_rule)) {
		b->dec_rank = c->dec_rank;
		b->dec_rule = c->dec_rule;
	}
	if (c->met_rank > b->met_rank ||
	    (c->met_rank == b->met_rank && c->met_rule < b->met_rule)) {
		b->met_rank = c->met_rank;
		b->met_rule = c->met_rule;
	}
}

/* Adds rule idx (of specificity spec) to slot s. */
static void slot_add(struct pacl_slot *s, const struct port_acl_rule *r,
		     uint32_t idx, unsigned spec)
{
	struct pacl_slot c;

	slot_init(&c);
	if (r->action == ACL_METER) {
		c.met_rank = MET_RANK(spec);
		c.met_rule = idx;
	} else {
		c.dec_rank = DEC_RANK(spec, r->action == ACL_DENY);
		c.dec_rule = idx;
	}
	slot_merge(s, &c);
}

/* Adds the rule to res in each of its directions, on its side. */
static void res_add(struct pacl_res *res, const struct port_acl_rule *r,
		    uint32_t idx, unsigned spec)
{
	int side = (r->kind == PORT_ACL_LOCAL_IP || r->kind == PORT_ACL_LOCAL_MAC)
		   ? SIDE_LOCAL : SIDE_REMOTE;

	if (r->dir & ACL_DIR_INBOUND)
		slot_add(&res->s[0][side], r, idx, spec);
	if (r->dir & ACL_DIR_OUTBOUND)
		slot_add(&res->s[1][side], r, idx, spec);
}

static inline uint64_t mac_key(const struct rte_ether_addr *m)
{
	const uint8_t *b = m->addr_bytes;

	return (uint64_t)b[0] << 40 | (uint64_t)b[1] << 32 | (uint64_t)b[2] << 24 |
	       (uint64_t)b[3] << 16 | (uint64_t)b[4] << 8 | (uint64_t)b[5];
}

static inline uint32_t mac_hash(const struct port_acl_table *t, uint64_t key)
{
	return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> t->mac_shift);
}

static inline const struct pacl_res *mac_find(const struct port_acl_table *t,
					      uint64_t key)
{
	uint32_t i = mac_hash(t, key);

	for (;;) {
		const struct pacl_mac_ent *e = &t->mac_tab[i];

		if (e->key == key)
			return &t->mac_res[e->res];
		if (e->key == MAC_EMPTY)
			return NULL;
		i = (i + 1) & t->mac_mask;
	}
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void *zalloc(const char *what, size_t size, int socket)
{
	return rte_zmalloc_socket(what, size ? size : 1, RTE_CACHE_LINE_SIZE, socket);
}

static int id_cmp(const void *a, const void *b)
{
	const struct pacl_id *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool rule_valid(const struct port_acl_rule *r)
{
	if (r->action != ACL_ALLOW && r->action != ACL_DENY && r->action != ACL_METER)
		return false;
	if (r->dir != ACL_DIR_INBOUND && r->dir != ACL_DIR_OUTBOUND &&
	    r->dir != ACL_DIR_BOTH)
		return false;
	switch (r->kind) {
	case PORT_ACL_LOCAL_IP:
	case PORT_ACL_REMOTE_IP:
		return r->ip.any || (r->ip.family == 4 && r->ip.depth <= 32) ||
		       (r->ip.family == 6 && r->ip.depth <= 128);
	case PORT_ACL_LOCAL_MAC:
	case PORT_ACL_REMOTE_MAC:
		return true;
	}
	return false;
}

/* --- MAC table --- */

struct mac_item {
	uint64_t key;
	uint32_t idx;
};

static int mac_item_cmp(const void *a, const void *b)
{
	const struct mac_item *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int build_mac(struct port_acl_table *t, const struct port_acl_rule *rules,
		     unsigned n, int socket, char *err, size_t errlen)
{
	struct mac_item *items;
	unsigned m = 0, distinct = 0;
	uint32_t cap = 16;
	unsigned bits = 4;

	for (unsigned i = 0; i < n; i++)
		if ((rules[i].kind == PORT_ACL_LOCAL_MAC ||
		     rules[i].kind == PORT_ACL_REMOTE_MAC) && !rules[i].mac_any)
			m++;
	if (m == 0)
		return 0;
	items = malloc(m * sizeof(*items));
	if (items == NULL)
		return fail(err, errlen, "port ACLs: out of memory");
	m = 0;
	for (unsigned i = 0; i < n; i++)
		if ((rules[i].kind == PORT_ACL_LOCAL_MAC ||
		     rules[i].kind == PORT_ACL_REMOTE_MAC) && !rules[i].mac_any) {
			items[m].key = mac_key(&rules[i].mac);
			items[m].idx = i;
			m++;
		}
	qsort(items, m, sizeof(*items), mac_item_cmp);
	for (unsigned i = 0; i < m; i++)
		if (i == 0 || items[i].key != items[i - 1].key)
			distinct++;
	while (cap < 2 * distinct) {
		cap <<= 1;
		bits++;
	}
	t->mac_mask = cap - 1;
	t->mac_shift = 64 - bits;
	t->mac_tab = zalloc("port_acl_mac", cap * sizeof(*t->mac_tab), socket);
	t->mac_res = zalloc("port_acl_mac_res", distinct * sizeof(*t->mac_res), socket);
	if (t->mac_tab == NULL || t->mac_res == NULL) {
		free(items);
		return fail(err, errlen, "port ACLs: out of memory");
	}
	for (uint32_t i = 0; i < cap; i++)
		t->mac_tab[i].key = MAC_EMPTY;
	uint32_t r = 0;
	for (unsigned i = 0; i < m; i++) {
		if (i > 0 && items[i].key != items[i - 1].key)
			r++;
		if (i == 0 || items[i].key != items[i - 1].key) {
			uint32_t h = mac_hash(t, items[i].key);

			while (t->mac_tab[h].key != MAC_EMPTY)
				h = (h + 1) & t->mac_mask;
			t->mac_tab[h].key = items[i].key;
			t->mac_tab[h].res = r;
			res_init(&t->mac_res[r]);
		}
		res_add(&t->mac_res[r], &rules[items[i].idx], items[i].idx, SPEC_MAC);
	}
	free(items);
	return 0;
}

/* --- IP prefixes --- */

struct pfx_item {
	uint8_t addr[16]; /* masked, network order */
	uint8_t depth;
	uint32_t idx;
};

static int pfx_item_cmp(const void *a, const void *b)
{
	const struct pfx_item *x = a, *y = b;
	int c;

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	c = memcmp(x->addr, y->addr, 16);
	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool pfx_same(const struct pfx_item *x, const struct pfx_item *y)
{
	return x->depth == y->depth && memcmp(x->addr, y->addr, 16) == 0;
}

static void mask_addr(uint8_t *a, unsigned depth)
{
	for (unsigned i = 0; i < 16; i++) {
		if (depth >= 8 * (i + 1))
			continue;
		if (depth <= 8 * i)
			a[i] = 0;
		else
			a[i] &= (uint8_t)(0xff00u >> (depth - 8 * i));
	}
}

/* How many trie groups the distinct prefixes need (pfx_trie.h). */
static int64_t groups_needed(const struct pfx_item *g, unsigned ng, unsigned family)
{
	unsigned len = family == 4 ? 4 : 16;
	uint8_t *addrs = malloc((size_t)RTE_MAX(ng, 1u) * len);
	uint8_t *depths = malloc(RTE_MAX(ng, 1u));
	int64_t r = -1;

	if (addrs != NULL && depths != NULL) {
		for (unsigned i = 0; i < ng; i++) {
			memcpy(addrs + (size_t)i * len, g[i].addr, len);
			depths[i] = g[i].depth;
		}
		r = pfx_trie_groups_needed(len, addrs, depths, ng);
	}
	free(addrs);
	free(depths);
	return r;
}

static int build_ip(struct port_acl_table *t, const struct port_acl_rule *rules,
		    unsigned n, unsigned family, int socket, char *err, size_t errlen)
{
	struct pacl_res *def = family == 4 ? &t->def4 : &t->def6;
	struct pfx_item *items;
	struct pacl_res *res;
	struct pfx_trie *trie;
	unsigned m = 0, ng = 0;
	int64_t nb_groups;

	for (unsigned i = 0; i < n; i++) {
		const struct port_acl_rule *r = &rules[i];

		if ((r->kind != PORT_ACL_LOCAL_IP && r->kind != PORT_ACL_REMOTE_IP) ||
		    r->ip.any || r->ip.family != family)
			continue;
		if (family == 4)
			t->has_v4 = true;
		else
			t->has_v6 = true;
		if (r->ip.depth == 0)
			res_add(def, r, i, SPEC_IP(0));
		else
			m++;
	}
	if (m == 0)
		return 0;
	items = calloc(m, sizeof(*items));
	if (items == NULL)
		return fail(err, errlen, "port ACLs: out of memory");
	m = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct port_acl_rule *r = &rules[i];

		if ((r->kind != PORT_ACL_LOCAL_IP && r->kind != PORT_ACL_REMOTE_IP) ||
		    r->ip.any || r->ip.family != family || r->ip.depth == 0)
			continue;
		memcpy(items[m].addr, r->ip.addr, family == 4 ? 4 : 16);
		mask_addr(items[m].addr, r->ip.depth);
		items[m].depth = r->ip.depth;
		items[m].idx = i;
		m++;
	}
	/* by depth, so that each prefix's ancestors are in the trie before it */
	qsort(items, m, sizeof(*items), pfx_item_cmp);
	/* the distinct prefixes, compacted at the front */
	struct pfx_item *groups = malloc(m * sizeof(*groups));

	if (groups == NULL) {
		free(items);
		return fail(err, errlen, "port ACLs: out of memory");
	}
	for (unsigned i = 0; i < m; i++)
		if (i == 0 || !pfx_same(&items[i], &items[i - 1]))
			groups[ng++] = items[i];
	nb_groups = groups_needed(groups, ng, family);
	if (nb_groups < 0) {
		free(groups);
		free(items);
		return fail(err, errlen, "port ACLs: out of memory");
	}
	res = zalloc("port_acl_res", ng * sizeof(*res), socket);
	if (res == NULL) {
		free(groups);
		free(items);
		return fail(err, errlen, "port ACLs: out of memory");
	}
	if (family == 4)
		t->res4 = res, t->nb4 = ng;
	else
		t->res6 = res;

	trie = pfx_trie_create(family == 4 ? 4 : 16, (uint32_t)nb_groups, socket);
	if (family == 4)
		t->trie4 = trie;
	else
		t->trie6 = trie;
	if (trie == NULL) {
		free(groups);
		free(items);
		return fail(err, errlen, "port ACLs: out of memory for the IPv%u "
			    "lookup table (%u prefixes)", family, ng);
	}

	unsigned j = 0; /* walks items alongside groups */

	for (uint32_t gi = 0; gi < ng; gi++) {
		const struct pfx_item *g = &groups[gi];
		uint32_t nh;
		int rc;

		/* inherit from the longest ancestor already in the table */
		rc = pfx_trie_lookup(trie, g->addr, &nh);
		res[gi] = rc == 0 ? res[nh] : *def;
		for (; j < m && pfx_same(&items[j], g); j++)
			res_add(&res[gi], &rules[items[j].idx], items[j].idx,
				SPEC_IP(g->depth));
		if (pfx_trie_add(trie, g->addr, g->depth, gi) < 0) {
			free(groups);
			free(items);
			return fail(err, errlen, "port ACLs: cannot add an IPv%u prefix "
				    "(out of trie groups)", family);
		}
	}
	free(groups);
	free(items);
	return 0;
}

static inline uint64_t dec_key(const struct pacl_slot *s)
{
	return s->dec_rank ? (uint64_t)s->dec_rank << 32 | (uint32_t)~s->dec_rule : 0;
}

static inline uint64_t met_key(const struct pacl_slot *s)
{
	return s->met_rank ? (uint64_t)s->met_rank << 32 | (uint32_t)~s->met_rule : 0;
}

static int build_fast4(struct port_acl_table *t, int socket, char *err,
		       size_t errlen)
{
	t->fast4 = zalloc("port_acl_fast4", (t->nb4 + 1) * sizeof(*t->fast4), socket);
	if (t->fast4 == NULL)
		return fail(err, errlen, "port ACLs: out of memory");
	for (uint32_t i = 0; i <= t->nb4; i++) {
		const struct pacl_res *r = i < t->nb4 ? &t->res4[i] : &t->def4;

		for (int d = 0; d < 2; d++)
			for (int side = 0; side < 2; side++) {
				struct pacl_slot b = t->any_ip.s[d][0];

				slot_merge(&b, &r->s[d][side]);
				t->fast4[i].s[d][side].dec = dec_key(&b);
				t->fast4[i].s[d][side].met = met_key(&b);
			}
	}
	return 0;
}

struct port_acl_table *port_acl_compile(const struct port_acl_rule *rules,
					unsigned n, unsigned nb_workers,
					int socket, char *err, size_t errlen)
{
	struct port_acl_table *t;

	for (unsigned i = 0; i < n; i++)
		if (!rule_valid(&rules[i])) {
			fail(err, errlen, "port ACLs: rule %u (id %u) is invalid", i,
			     rules[i].id);
			return NULL;
		}
	if (nb_workers == 0)
		nb_workers = 1;
	t = rte_zmalloc_socket("port_acl", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL) {
		fail(err, errlen, "port ACLs: out of memory");
		return NULL;
	}
	t->n = n;
	t->nb_workers = nb_workers;
	res_init(&t->any_all);
	res_init(&t->any_ip);
	res_init(&t->def4);
	res_init(&t->def6);

	/* counters, one cache-line aligned block per worker */
	t->ctr_stride = RTE_ALIGN_CEIL(RTE_MAX(n, 1u) * sizeof(struct pacl_ctr),
				       RTE_CACHE_LINE_SIZE) / sizeof(struct pacl_ctr);
	t->ctr = zalloc("port_acl_ctr",
			t->ctr_stride * nb_workers * sizeof(struct pacl_ctr), socket);
	t->base = zalloc("port_acl_base", n * sizeof(*t->base), socket);
	t->ids = zalloc("port_acl_ids", n * sizeof(*t->ids), socket);
	if (t->ctr == NULL || t->base == NULL || t->ids == NULL) {
		fail(err, errlen, "port ACLs: out of memory");
		goto error;
	}
	for (unsigned i = 0; i < n; i++) {
		t->ids[i].id = rules[i].id;
		t->ids[i].idx = i;
	}
	qsort(t->ids, n, sizeof(*t->ids), id_cmp);

	/* ANY */
	struct pacl_res ip_any;

	res_init(&ip_any);
	for (unsigned i = 0; i < n; i++) {
		const struct port_acl_rule *r = &rules[i];

		if (r->action == ACL_METER)
			t->has_meter = true;
		if ((r->kind == PORT_ACL_LOCAL_MAC || r->kind == PORT_ACL_REMOTE_MAC) &&
		    r->mac_any)
			res_add(&t->any_all, r, i, SPEC_ANY);
		else if ((r->kind == PORT_ACL_LOCAL_IP || r->kind == PORT_ACL_REMOTE_IP) &&
			 r->ip.any)
			res_add(&ip_any, r, i, SPEC_ANY);
	}
	/* local and remote ANY match the same packets: fold into side 0 */
	for (int d = 0; d < 2; d++) {
		slot_merge(&t->any_all.s[d][0], &t->any_all.s[d][1]);
		t->any_ip.s[d][0] = t->any_all.s[d][0];
		slot_merge(&t->any_ip.s[d][0], &ip_any.s[d][0]);
		slot_merge(&t->any_ip.s[d][0], &ip_any.s[d][1]);
	}

	if (build_mac(t, rules, n, socket, err, errlen) < 0 ||
	    build_ip(t, rules, n, 4, socket, err, errlen) < 0 ||
	    build_ip(t, rules, n, 6, socket, err, errlen) < 0 ||
	    build_fast4(t, socket, err, errlen) < 0)
		goto error;
	return t;
error:
	port_acl_free(t);
	return NULL;
}

void port_acl_free(struct port_acl_table *t)
{
	if (t == NULL)
		return;
	pfx_trie_free(t->trie4);
	pfx_trie_free(t->trie6);
	rte_free(t->res4);
	rte_free(t->fast4);
	rte_free(t->res6);
	rte_free(t->mac_tab);
	rte_free(t->mac_res);
	rte_free(t->ctr);
	rte_free(t->base);
	rte_free(t->ids);
	rte_free(t);
}

static inline void count(struct pacl_ctr *c, uint32_t len)
{
	/* one writer per block: plain increments, published atomically */
	__atomic_store_n(&c->packets, c->packets + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&c->bytes, c->bytes + len, __ATOMIC_RELAXED);
}

/* The best decider and meter for a packet. */
static inline struct pacl_slot classify_slot(const struct port_acl_table *t,
					     unsigned d, const struct vfp_pkt *pkt)
{
	struct pacl_slot b;

	b = pkt->family != 0 ? t->any_ip.s[d][0] : t->any_all.s[d][0];

	if (t->mac_tab != NULL) {
		const struct rte_ether_addr *lm = d ? &pkt->src_mac : &pkt->dst_mac;
		const struct rte_ether_addr *rm = d ? &pkt->dst_mac : &pkt->src_mac;
		const struct pacl_res *r;

		r = mac_find(t, mac_key(lm));
		if (r != NULL)
			slot_merge(&b, &r->s[d][SIDE_LOCAL]);
		r = mac_find(t, mac_key(rm));
		if (r != NULL)
			slot_merge(&b, &r->s[d][SIDE_REMOTE]);
		/* a MAC match beats any IP match: skip the tries if settled */
		if (b.dec_rank >= DEC_RANK(SPEC_MAC, 0) &&
		    (!t->has_meter || b.met_rank == MET_RANK(SPEC_MAC)))
			return b;
	}

	if (pkt->family == 4 && t->has_v4) {
		const struct pacl_res *rl = &t->def4, *rr = &t->def4;
		uint32_t l = d ? pkt->src_ip4 : pkt->dst_ip4;
		uint32_t r = d ? pkt->dst_ip4 : pkt->src_ip4;
		uint32_t nh;

		if (t->trie4 != NULL) {
			if (pfx_trie_lookup4(t->trie4, l, &nh) == 0)
				rl = &t->res4[nh];
			if (pfx_trie_lookup4(t->trie4, r, &nh) == 0)
				rr = &t->res4[nh];
		}
		slot_merge(&b, &rl->s[d][SIDE_LOCAL]);
		slot_merge(&b, &rr->s[d][SIDE_REMOTE]);
	} else if (pkt->family == 6 && t->has_v6) {
		const struct pacl_res *rl = &t->def6, *rr = &t->def6;
		const uint8_t *l = d ? pkt->src_ip6 : pkt->dst_ip6;
		const uint8_t *r = d ? pkt->dst_ip6 : pkt->src_ip6;
		uint32_t nh;

		if (t->trie6 != NULL) {
			if (pfx_trie_lookup(t->trie6, l, &nh) == 0)
				rl = &t->res6[nh];
			if (pfx_trie_lookup(t->trie6, r, &nh) == 0)
				rr = &t->res6[nh];
		}
		slot_merge(&b, &rl->s[d][SIDE_LOCAL]);
		slot_merge(&b, &rr->s[d][SIDE_REMOTE]);
	}
	return b;
}

enum acl_verdict port_acl_classify(struct port_acl_table *t, enum acl_dir dir,
				   const struct vfp_pkt *pkt, unsigned worker)
{
	const unsigned d = dir == ACL_DIR_OUTBOUND;
	struct pacl_slot b;

	if (t == NULL)
		return ACL_VERDICT_ALLOW;
	b = classify_slot(t, d, pkt);
	if (likely(worker < t->nb_workers)) {
		struct pacl_ctr *c = t->ctr + (size_t)worker * t->ctr_stride;

		if (b.met_rank != 0)
			count(&c[b.met_rule], pkt->len);
		if (b.dec_rank != 0)
			count(&c[b.dec_rule], pkt->len);
	}
	if (b.dec_rank != 0 && (b.dec_rank & 1))
		return ACL_VERDICT_DENY;
	return ACL_VERDICT_ALLOW;
}


/* Counts runs of packets that hit the same rule with one store. */
struct ctr_run {
	uint32_t rule;
	uint32_t packets;
	uint64_t bytes;
};

static inline void run_flush(struct pacl_ctr *c, const struct ctr_run *r)
{
	if (r->packets != 0) {
		struct pacl_ctr *e = &c[r->rule];

		__atomic_store_n(&e->packets, e->packets + r->packets, __ATOMIC_RELAXED);
		__atomic_store_n(&e->bytes, e->bytes + r->bytes, __ATOMIC_RELAXED);
	}
}

static inline void run_add(struct pacl_ctr *c, struct ctr_run *r, uint32_t rule,
			   uint32_t len)
{
	if (rule != r->rule) {
		run_flush(c, r);
		r->rule = rule;
		r->packets = 0;
		r->bytes = 0;
	}
	r->packets++;
	r->bytes += len;
}

/* The fast4 index for an IPv4 address. */
static inline uint32_t fast4_index(const struct port_acl_table *t, uint32_t ip)
{
	uint32_t nh;

	if (t->trie4 != NULL && pfx_trie_lookup4(t->trie4, ip, &nh) == 0)
		return nh;
	return t->nb4;
}

/* The addresses that share ip's fast4 index as (ip & mask): ip's /16 or
 * /24 when no deeper prefix splits it, else ip alone; every address
 * without a table. */
static inline uint32_t fast4_block_mask(const struct port_acl_table *t, uint32_t ip)
{
	return t->trie4 == NULL ? 0 : pfx_trie_block_mask4(t->trie4, ip);
}

/* The last lookup of a burst, valid for its whole block: traffic repeats
 * addresses and subnets. */
struct fast4_memo {
	uint32_t ip, mask, nh;
};

static inline uint32_t fast4_memo_index(const struct port_acl_table *t,
					struct fast4_memo *m, uint32_t ip)
{
	if (likely(((ip ^ m->ip) & m->mask) == 0))
		return m->nh;
	m->ip = ip;
	m->nh = fast4_index(t, ip);
	m->mask = fast4_block_mask(t, ip);
	return m->nh;
}

/* Do all n addresses fall in the memo's block? */
static inline bool memo_covers(const struct fast4_memo *m, const uint32_t *ip,
			       unsigned n)
{
	uint32_t diff = 0;

	for (unsigned i = 0; i < n; i++)
		diff |= (ip[i] ^ m->ip) & m->mask;
	return diff == 0;
}

static inline void count_rule(struct pacl_ctr *c, uint64_t key, uint32_t packets,
			      uint32_t bytes)
{
	if (c != NULL && key != 0)
		run_flush(c, &(struct ctr_run){~(uint32_t)key, packets, bytes});
}

uint32_t port_acl_classify_burst(struct port_acl_table *t, enum acl_dir dir,
				 struct rte_mbuf *const *pkts, unsigned n,
				 struct vfp_pkt *vps, unsigned worker)
{
	struct port_acl_gather g = {.plain = 0, .bytes = 0};

	for (unsigned i = 0; i < n && i < PACL_BURST_MAX; i++)
		port_acl_gather_frame(&g, i, pkts[i]);
	return port_acl_classify_gathered(t, dir, &g, pkts, n, vps, worker);
}

uint32_t port_acl_classify_gathered(struct port_acl_table *t, enum acl_dir dir,
				    const struct port_acl_gather *g,
				    struct rte_mbuf *const *pkts, unsigned n,
				    struct vfp_pkt *vps, unsigned worker)
{
	const unsigned d = dir == ACL_DIR_OUTBOUND;
	struct ctr_run dec_run = {NO_RULE, 0, 0}, met_run = {NO_RULE, 0, 0};
	struct pacl_ctr *c = NULL;
	const struct pacl_fast *f;
	uint32_t deny = 0, plain, bytes = g->bytes;
	const uint32_t *la = d ? g->src : g->dst, *ra = d ? g->dst : g->src;
	struct fast4_memo local, remote;

	if (t == NULL || n == 0)
		return 0;
	RTE_ASSERT(n <= PACL_BURST_MAX);
	f = t->fast4;
	if (likely(worker < t->nb_workers))
		c = t->ctr + (size_t)worker * t->ctr_stride;
	/* MAC rules need the per-frame path */
	plain = likely(t->mac_tab == NULL) ? g->plain & (UINT32_MAX >> (32 - n)) : 0;
	local = (struct fast4_memo){0, fast4_block_mask(t, 0), fast4_index(t, 0)};
	remote = local;
	if (likely(plain == (UINT32_MAX >> (32 - n)))) {
		/* one local and one remote block for the whole burst (one
		 * subnet to one host): one verdict, counted once */
		const struct pacl_key *l = &f[fast4_memo_index(t, &local, la[0])].s[d][SIDE_LOCAL];
		const struct pacl_key *r = &f[fast4_memo_index(t, &remote, ra[0])].s[d][SIDE_REMOTE];

		if (memo_covers(&local, la, n) && memo_covers(&remote, ra, n)) {
			uint64_t dec = RTE_MAX(l->dec, r->dec);

			count_rule(c, dec, n, bytes);
			if (t->has_meter)
				count_rule(c, RTE_MAX(l->met, r->met), n, bytes);
			return (dec >> 32) & 1 ? plain : 0;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t dec, met;
		uint32_t len = rte_pktmbuf_pkt_len(pkts[i]);

		if (likely(plain & (UINT32_C(1) << i))) {
			const struct pacl_key *l, *r;

			l = &f[fast4_memo_index(t, &local, la[i])].s[d][SIDE_LOCAL];
			r = &f[fast4_memo_index(t, &remote, ra[i])].s[d][SIDE_REMOTE];
			dec = RTE_MAX(l->dec, r->dec);
			met = t->has_meter ? RTE_MAX(l->met, r->met) : 0;
		} else {
			struct pacl_slot b;

			vfp_pkt_parse_addrs(pkts[i], &vps[i]);
			b = classify_slot(t, d, &vps[i]);
			dec = dec_key(&b);
			met = met_key(&b);
		}
		deny |= (uint32_t)((dec >> 32) & 1) << i;
		if (unlikely(c == NULL))
			continue;
		if (dec != 0)
			run_add(c, &dec_run, ~(uint32_t)dec, len);
		if (met != 0)
			run_add(c, &met_run, ~(uint32_t)met, len);
	}
	if (c != NULL) {
		run_flush(c, &dec_run);
		run_flush(c, &met_run);
	}
	return deny;
}

/* The hits of rule index i: carried plus every worker's. */
static void rule_sum(const struct port_acl_table *t, uint32_t i, uint64_t *packets,
		     uint64_t *bytes)
{
	uint64_t p = t->base[i].packets, b = t->base[i].bytes;

	for (unsigned w = 0; w < t->nb_workers; w++) {
		const struct pacl_ctr *c = &t->ctr[(size_t)w * t->ctr_stride + i];

		p += __atomic_load_n(&c->packets, __ATOMIC_RELAXED);
		b += __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
	}
	*packets += p;
	*bytes += b;
}

/* The first position of id in t->ids, or t->n. */
static unsigned id_lower(const struct port_acl_table *t, uint32_t id)
{
	unsigned lo = 0, hi = t->n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (t->ids[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Sums the hits of every rule with id into *packets, *bytes; false if none. */
static bool id_sum(const struct port_acl_table *t, uint32_t id, uint64_t *packets,
		   uint64_t *bytes)
{
	unsigned i = id_lower(t, id);
	bool found = false;

	for (; i < t->n && t->ids[i].id == id; i++) {
		rule_sum(t, t->ids[i].idx, packets, bytes);
		found = true;
	}
	return found;
}

int port_acl_rule_hits(const struct port_acl_table *t, uint32_t rule_id,
		       uint64_t *packets, uint64_t *bytes)
{
	uint64_t p = 0, b = 0;

	if (t == NULL || !id_sum(t, rule_id, &p, &b))
		return -1;
	*packets = p;
	*bytes = b;
	return 0;
}

void port_acl_carry_counters(struct port_acl_table *new_t,
			     const struct port_acl_table *old_t)
{
	if (new_t == NULL || old_t == NULL)
		return;
	for (unsigned i = 0; i < new_t->n; i++) {
		uint64_t p = 0, b = 0;

		/* the first rule of each id takes the old rules' total */
		if (i > 0 && new_t->ids[i].id == new_t->ids[i - 1].id)
			continue;
		if (!id_sum(old_t, new_t->ids[i].id, &p, &b))
			continue;
		new_t->base[new_t->ids[i].idx].packets += p;
		new_t->base[new_t->ids[i].idx].bytes += b;
	}
}
