/* Extended ACLs: rule compilation onto rte_acl, per-packet classification,
 * hit counters and the per-port stateful flow table. The rule JSON and the
 * HNS policy mapping are in hns-api/schema/ext_acl_json.c.
 *
 * Compiled form. One rte_acl context per direction and address family,
 * category 1. A rule with an IPv4 (IPv6) address goes into the IPv4 (IPv6)
 * contexts only; a rule with both addresses ANY goes into both. Search
 * keys are laid out port-relative: protocol, local address, remote
 * address, local port, remote port (local = destination for inbound
 * traffic, source for outbound). Ports are 32-bit range fields so that a
 * packet without ports (ICMP, ICMPv6, non-first fragments, truncated L4)
 * can carry the value PORTLESS, which only the full range of an ANY port
 * matches. Priorities are ranks: all rules sorted by (weight, Deny over
 * Allow, earlier rule first) get 1..n, so rte_acl's "highest priority
 * wins" is exactly "highest weight wins, Deny on ties", and equal rules
 * resolve deterministically (the first listed). userdata = rule index + 1.
 * A rule set too complex for one context (rte_acl has at most 8 tries of
 * bounded size) is split into chunks by priority range (chunk_set).
 *
 * Classification takes a burst of one port and direction at a time
 * (ext_acl_classify is a burst of one): the IPv4 packets' verdict cache
 * sets (ext_acl_cache.h) are hashed and prefetched first, then read; what
 * they miss and the IPv6 packets go to rte_acl in one call per family,
 * whose vector paths need at least 4 keys (a packet at a time ran its
 * scalar search); counters are added once per run of packets decided by
 * one rule. */
#include "ext_acl.h"
#include "ext_acl_cache.h"
#include "ext_acl_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#define PORTLESS 0x10000u

/* ---- search keys (network byte order, as rte_acl reads them) ---- */

struct key4 {
	uint8_t proto;
	uint8_t pad[3];
	uint32_t local, remote;
	uint32_t lport, rport;
};

struct key6 {
	uint8_t proto;
	uint8_t pad[3];
	uint32_t local[4], remote[4];
	uint32_t lport, rport;
};

enum { F4_PROTO, F4_LOCAL, F4_REMOTE, F4_LPORT, F4_RPORT, F4_NUM };
enum { F6_PROTO, F6_LOCAL, F6_REMOTE = F6_LOCAL + 4, F6_LPORT = F6_REMOTE + 4,
       F6_RPORT, F6_NUM };

RTE_ACL_RULE_DEF(rule4, F4_NUM);
RTE_ACL_RULE_DEF(rule6, F6_NUM);

static const struct rte_acl_field_def defs4[F4_NUM] = {
	{ RTE_ACL_FIELD_TYPE_BITMASK, 1, F4_PROTO, 0, offsetof(struct key4, proto) },
	{ RTE_ACL_FIELD_TYPE_MASK, 4, F4_LOCAL, 1, offsetof(struct key4, local) },
	{ RTE_ACL_FIELD_TYPE_MASK, 4, F4_REMOTE, 2, offsetof(struct key4, remote) },
	{ RTE_ACL_FIELD_TYPE_RANGE, 4, F4_LPORT, 3, offsetof(struct key4, lport) },
	{ RTE_ACL_FIELD_TYPE_RANGE, 4, F4_RPORT, 4, offsetof(struct key4, rport) },
};

#define D6_ADDR(f, base, i) \
	{ RTE_ACL_FIELD_TYPE_MASK, 4, (f) + (i), (f) + (i), \
	  offsetof(struct key6, base) + 4 * (i) }

static const struct rte_acl_field_def defs6[F6_NUM] = {
	{ RTE_ACL_FIELD_TYPE_BITMASK, 1, F6_PROTO, 0, offsetof(struct key6, proto) },
	D6_ADDR(F6_LOCAL, local, 0), D6_ADDR(F6_LOCAL, local, 1),
	D6_ADDR(F6_LOCAL, local, 2), D6_ADDR(F6_LOCAL, local, 3),
	D6_ADDR(F6_REMOTE, remote, 0), D6_ADDR(F6_REMOTE, remote, 1),
	D6_ADDR(F6_REMOTE, remote, 2), D6_ADDR(F6_REMOTE, remote, 3),
	{ RTE_ACL_FIELD_TYPE_RANGE, 4, F6_LPORT, F6_LPORT, offsetof(struct key6, lport) },
	{ RTE_ACL_FIELD_TYPE_RANGE, 4, F6_RPORT, F6_RPORT, offsetof(struct key6, rport) },
};

/* ---- compiled table ---- */

struct ext_acl_counter {
	uint64_t packets, bytes;
};

struct rule_verdict {
	uint8_t deny;
	uint8_t stateful;
	uint32_t timeout;
};

struct id_index {
	uint32_t id, idx;
};

/* The contexts of one direction and family. Normally one; a rule set
 * whose tries outgrow rte_acl's limits is split into chunks of contiguous
 * priority ranges, highest first, so the first chunk that matches has the
 * answer. */
#define MAX_CHUNKS 32

struct chunk_set {
	unsigned n;
	struct rte_acl_ctx *acl[MAX_CHUNKS];
};

struct ext_acl_table {
	struct chunk_set set[2][2]; /* [outbound][ipv6]; n == 0: no rules */
	const struct rule_verdict *verdict; /* per rule */
	unsigned n, nb_workers;
	size_t stride;                    /* counters per worker (cache lines) */
	struct ext_acl_counter *counters; /* nb_workers * stride, worker-written */
	struct ext_acl_counter *base;     /* carried over; control plane only */
	struct id_index *by_id;           /* sorted by id */
	/* nb_workers * EXT_ACL_CACHE_SETS, worker-written (ext_acl_cache.h) */
	struct ext_acl_cache_set *cache;
};

static unsigned acl_instance; /* unique rte_acl context names */

static bool rule_in_family(const struct ext_acl_rule *r, unsigned fam)
{
	uint8_t want = fam ? 6 : 4;

	return (r->local_ip.any || r->local_ip.family == want) &&
	       (r->remote_ip.any || r->remote_ip.family == want);
}

static bool rule_valid(const struct ext_acl_rule *r)
{
	const struct acl_prefix *p[2] = { &r->local_ip, &r->remote_ip };

	if ((r->action != ACL_ALLOW && r->action != ACL_DENY) ||
	    (r->dir != ACL_DIR_INBOUND && r->dir != ACL_DIR_OUTBOUND) ||
	    (r->protocol > 255 && r->protocol != EXT_ACL_PROTO_ANY) ||
	    r->local_port_lo > r->local_port_hi ||
	    r->remote_port_lo > r->remote_port_hi || r->weight > 65535)
		return false;
	for (int i = 0; i < 2; i++)
		if (!p[i]->any && !(p[i]->family == 4 && p[i]->depth <= 32) &&
		    !(p[i]->family == 6 && p[i]->depth <= 128))
			return false;
	return rule_in_family(r, 0) || rule_in_family(r, 1);
}

/* Field values of a rule (host order, as rte_acl takes them). */
static void set_proto(struct rte_acl_field *f, const struct ext_acl_rule *r)
{
	if (r->protocol == EXT_ACL_PROTO_ANY) {
		f->value.u8 = 0;
		f->mask_range.u8 = 0;
	} else {
		f->value.u8 = (uint8_t)r->protocol;
		f->mask_range.u8 = 0xff;
	}
}

static void set_ports(struct rte_acl_field *f, uint16_t lo, uint16_t hi)
{
	if (lo == 0 && hi == 65535) {
		f->value.u32 = 0;
		f->mask_range.u32 = UINT32_MAX; /* PORTLESS too */
	} else {
		f->value.u32 = lo;
		f->mask_range.u32 = hi;
	}
}

/* 32 bits of a prefix, word w (0 for IPv4), as a MASK field. */
static void set_addr_word(struct rte_acl_field *f, const struct acl_prefix *p,
			  unsigned w)
{
	int bits;

	if (p->any) {
		f->value.u32 = 0;
		f->mask_range.u32 = 0;
		return;
	}
	bits = (int)p->depth - 32 * (int)w;
	bits = bits < 0 ? 0 : bits > 32 ? 32 : bits;
	uint32_t v = (uint32_t)p->addr[4 * w] << 24 | (uint32_t)p->addr[4 * w + 1] << 16 |
		     (uint32_t)p->addr[4 * w + 2] << 8 | p->addr[4 * w + 3];
	f->value.u32 = bits ? v & (uint32_t)(UINT32_MAX << (32 - bits)) : 0;
	f->mask_range.u32 = (uint32_t)bits;
}

struct rank {
	uint32_t weight;
	uint32_t deny;
	uint32_t idx;
};

static int rank_cmp(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight < y->weight ? -1 : 1;
	if (x->deny != y->deny)
		return x->deny < y->deny ? -1 : 1;
	/* the earlier rule ranks higher */
	return x->idx > y->idx ? -1 : x->idx < y->idx ? 1 : 0;
}

static int id_cmp(const void *a, const void *b)
{
	const struct id_index *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx ? 1 : 0;
}

/* Without a size limit (max_size 0) rte_acl_build splits tries at its
 * smallest node limit (0x800 nodes, at most 8 tries), which bounds the
 * memory of a context; a rule set that needs more than 8 such tries fails
 * with -ENOMEM and is built as several chunks instead. (With a size limit
 * the tries start at 0x4000 nodes: fewer chunks but tens of MB for a
 * thousand random IPv6 rules.) */
/* One rte_acl context for the rules idx[0..m) of a family. 0, or a
 * negative errno (-ENOMEM, -ERANGE: too big, worth splitting). */
static int build_one(const struct ext_acl_rule *rules, const uint32_t *prio,
		     const uint32_t *idx, unsigned m, enum acl_dir dir,
		     unsigned fam, int socket, struct rte_acl_ctx **out)
{
	const unsigned nf = fam ? F6_NUM : F4_NUM;
	const size_t rsz = RTE_ACL_RULE_SZ(nf);
	char name[RTE_ACL_NAMESIZE];
	struct rte_acl_ctx *ctx;
	struct rte_acl_config cfg;
	uint8_t *ar = calloc(m, rsz);
	int rc;

	if (ar == NULL)
		return -ENOMEM;
	for (unsigned k = 0; k < m; k++) {
		const struct ext_acl_rule *r = &rules[idx[k]];
		struct rte_acl_rule *ru = (struct rte_acl_rule *)(ar + k * rsz);
		struct rte_acl_field *f = ((struct rule6 *)ru)->field;

		ru->data.category_mask = 1;
		ru->data.priority = (int32_t)prio[idx[k]];
		ru->data.userdata = idx[k] + 1;
		if (fam == 0) {
			f = ((struct rule4 *)ru)->field;
			set_proto(&f[F4_PROTO], r);
			set_addr_word(&f[F4_LOCAL], &r->local_ip, 0);
			set_addr_word(&f[F4_REMOTE], &r->remote_ip, 0);
			set_ports(&f[F4_LPORT], r->local_port_lo, r->local_port_hi);
			set_ports(&f[F4_RPORT], r->remote_port_lo, r->remote_port_hi);
		} else {
			set_proto(&f[F6_PROTO], r);
			for (unsigned w = 0; w < 4; w++) {
				set_addr_word(&f[F6_LOCAL + w], &r->local_ip, w);
				set_addr_word(&f[F6_REMOTE + w], &r->remote_ip, w);
			}
			set_ports(&f[F6_LPORT], r->local_port_lo, r->local_port_hi);
			set_ports(&f[F6_RPORT], r->remote_port_lo, r->remote_port_hi);
		}
	}
	snprintf(name, sizeof(name), "eacl%u_%c%c",
		 __atomic_fetch_add(&acl_instance, 1, __ATOMIC_RELAXED),
		 dir == ACL_DIR_INBOUND ? 'i' : 'o', fam ? '6' : '4');
	struct rte_acl_param prm = {
		.name = name,
		.socket_id = socket,
		.rule_size = (uint32_t)rsz,
		.max_rule_num = m,
	};
	ctx = rte_acl_create(&prm);
	if (ctx == NULL) {
		free(ar);
		return -ENOSPC; /* not worth splitting */
	}
	rc = rte_acl_add_rules(ctx, (const struct rte_acl_rule *)ar, m);
	free(ar);
	if (rc == 0) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.num_categories = 1;
		cfg.num_fields = nf;
		memcpy(cfg.defs, fam ? defs6 : defs4, nf * sizeof(cfg.defs[0]));
		rc = rte_acl_build(ctx, &cfg);
	}
	if (rc != 0) {
		rte_acl_free(ctx);
		return rc < 0 ? rc : -EINVAL;
	}
	*out = ctx;
	return 0;
}

/* Builds idx[0..m) (highest priority first) into set, splitting it in two
 * while rte_acl cannot take it whole. 0 or a negative errno. */
static int build_chunks(const struct ext_acl_rule *rules, const uint32_t *prio,
			const uint32_t *idx, unsigned m, enum acl_dir dir,
			unsigned fam, int socket, struct chunk_set *set)
{
	struct rte_acl_ctx *ctx = NULL;
	int rc;

	if (set->n == MAX_CHUNKS)
		return -E2BIG;
	rc = build_one(rules, prio, idx, m, dir, fam, socket, &ctx);
	if (rc == 0) {
		set->acl[set->n++] = ctx;
		return 0;
	}
	if ((rc != -ENOMEM && rc != -ERANGE) || m < 2)
		return rc;
	rc = build_chunks(rules, prio, idx, m / 2, dir, fam, socket, set);
	if (rc == 0)
		rc = build_chunks(rules, prio, idx + m / 2, m - m / 2, dir, fam,
				  socket, set);
	return rc;
}

static int prio_desc(const void *a, const void *b, void *arg)
{
	const uint32_t *prio = arg;
	uint32_t x = prio[*(const uint32_t *)a], y = prio[*(const uint32_t *)b];

	return x > y ? -1 : x < y ? 1 : 0;
}

/* The chunk set of one direction and family (none when no rule applies).
 * 0 or -1 with err. */
static int build_set(const struct ext_acl_rule *rules, unsigned n,
		     const uint32_t *prio, enum acl_dir dir, unsigned fam,
		     int socket, struct chunk_set *set, char *err, size_t errlen)
{
	uint32_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	unsigned m = 0;
	int rc;

	if (idx == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < n; i++)
		if (rules[i].dir == dir && rule_in_family(&rules[i], fam))
			idx[m++] = i;
	qsort_r(idx, m, sizeof(*idx), prio_desc, (void *)prio);
	rc = m ? build_chunks(rules, prio, idx, m, dir, fam, socket, set) : 0;
	free(idx);
	if (rc != 0) {
		snprintf(err, errlen, "cannot compile the %s IPv%c extended ACL "
			 "rules: %s", dir == ACL_DIR_INBOUND ? "inbound" : "outbound",
			 fam ? '6' : '4',
			 rc == -E2BIG ? "too complex (more than 32 rte_acl contexts)" :
			 rc == -ENOSPC ? "cannot create an rte_acl context" :
			 rc == -ENOMEM ? "out of memory" : rte_strerror(-rc));
		return -1;
	}
	return 0;
}

void ext_acl_free(struct ext_acl_table *t)
{
	if (t == NULL)
		return;
	for (int d = 0; d < 2; d++)
		for (int f = 0; f < 2; f++)
			for (unsigned c = 0; c < t->set[d][f].n; c++)
				rte_acl_free(t->set[d][f].acl[c]);
	rte_free((void *)t->verdict);
	rte_free(t->counters);
	rte_free(t->base);
	rte_free(t->cache);
	free(t->by_id);
	rte_free(t);
}

struct ext_acl_table *ext_acl_compile(const struct ext_acl_rule *rules,
				      unsigned n, unsigned nb_workers,
				      int socket, char *err, size_t errlen)
{
	const size_t per_line = RTE_CACHE_LINE_SIZE / sizeof(struct ext_acl_counter);
	struct ext_acl_table *t;
	struct rule_verdict *v;
	struct rank *rk = NULL;
	uint32_t *prio = NULL;
	int rc = 0;

	if (n >= RTE_ACL_MAX_PRIORITY) {
		snprintf(err, errlen, "too many extended ACL rules");
		return NULL;
	}
	for (unsigned i = 0; i < n; i++)
		if (!rule_valid(&rules[i])) {
			snprintf(err, errlen, "extended ACL rule %u (id %u) is "
				 "invalid", i, rules[i].id);
			return NULL;
		}
	t = rte_zmalloc_socket("ext_acl", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL)
		goto nomem;
	t->n = n;
	t->nb_workers = nb_workers;
	t->stride = (n + per_line - 1) / per_line * per_line;
	v = rte_zmalloc_socket("ext_acl_verdict", (n ? n : 1) * sizeof(*v),
			       RTE_CACHE_LINE_SIZE, socket);
	t->verdict = v;
	t->counters = rte_zmalloc_socket("ext_acl_counters",
					 RTE_MAX(t->stride * nb_workers, (size_t)1) *
					 sizeof(struct ext_acl_counter),
					 RTE_CACHE_LINE_SIZE, socket);
	t->base = rte_zmalloc_socket("ext_acl_base",
				     (n ? n : 1) * sizeof(struct ext_acl_counter),
				     RTE_CACHE_LINE_SIZE, socket);
	t->by_id = malloc((n ? n : 1) * sizeof(*t->by_id));
	t->cache = rte_zmalloc_socket("ext_acl_cache",
				      RTE_MAX((size_t)nb_workers, (size_t)1) *
				      EXT_ACL_CACHE_SETS * sizeof(*t->cache),
				      RTE_CACHE_LINE_SIZE, socket);
	if (v == NULL || t->counters == NULL || t->base == NULL || t->by_id == NULL ||
	    t->cache == NULL)
		goto nomem;
	for (unsigned i = 0; i < n; i++) {
		v[i].deny = rules[i].action == ACL_DENY;
		v[i].stateful = rules[i].stateful && rules[i].action == ACL_ALLOW;
		v[i].timeout = rules[i].idle_timeout ? rules[i].idle_timeout :
			       EXT_ACL_DEFAULT_IDLE_TIMEOUT;
		if (v[i].timeout > INT32_MAX)
			v[i].timeout = INT32_MAX;
		t->by_id[i] = (struct id_index){ rules[i].id, i };
	}
	qsort(t->by_id, n, sizeof(*t->by_id), id_cmp);

	/* priorities: ranks by (weight, Deny over Allow, earlier first) */
	rk = malloc((n ? n : 1) * sizeof(*rk));
	prio = malloc((n ? n : 1) * sizeof(*prio));
	if (rk == NULL || prio == NULL)
		goto nomem;
	for (unsigned i = 0; i < n; i++)
		rk[i] = (struct rank){ rules[i].weight, rules[i].action == ACL_DENY, i };
	qsort(rk, n, sizeof(*rk), rank_cmp);
	for (unsigned k = 0; k < n; k++)
		prio[rk[k].idx] = k + 1; /* n <= RTE_ACL_MAX_PRIORITY checked above */
	for (unsigned d = 0; d < 2 && rc == 0; d++)
		for (unsigned f = 0; f < 2 && rc == 0; f++)
			rc = build_set(rules, n, prio, d ? ACL_DIR_OUTBOUND :
				       ACL_DIR_INBOUND, f, socket, &t->set[d][f],
				       err, errlen);
	free(rk);
	free(prio);
	if (rc != 0) {
		ext_acl_free(t);
		return NULL;
	}
	return t;
nomem:
	free(rk);
	free(prio);
	ext_acl_free(t);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

unsigned ext_acl_nb_contexts(const struct ext_acl_table *t)
{
	unsigned n = 0;

	for (int d = 0; d < 2; d++)
		for (int f = 0; f < 2; f++)
			n += t->set[d][f].n;
	return n;
}

/* ---- hit counters ---- */

static const struct id_index *find_id(const struct ext_acl_table *t, uint32_t id)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) { /* first entry with id >= the one searched */
		size_t mid = lo + (hi - lo) / 2;

		if (t->by_id[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->n && t->by_id[lo].id == id ? &t->by_id[lo] : NULL;
}

static void rule_sum(const struct ext_acl_table *t, uint32_t idx,
		     uint64_t *packets, uint64_t *bytes)
{
	uint64_t p = t->base[idx].packets, b = t->base[idx].bytes;

	for (unsigned w = 0; w < t->nb_workers; w++) {
		const struct ext_acl_counter *c = &t->counters[w * t->stride + idx];

		p += __atomic_load_n(&c->packets, __ATOMIC_RELAXED);
		b += __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
	}
	*packets = p;
	*bytes = b;
}

int ext_acl_rule_hits(const struct ext_acl_table *t, uint32_t rule_id,
		      uint64_t *packets, uint64_t *bytes)
{
	const struct id_index *x = t ? find_id(t, rule_id) : NULL;

	if (x == NULL)
		return -1;
	rule_sum(t, x->idx, packets, bytes);
	return 0;
}

void ext_acl_carry_counters(struct ext_acl_table *new_t,
			    const struct ext_acl_table *old_t)
{
	if (new_t == NULL || old_t == NULL)
		return;
	for (unsigned i = 0; i < new_t->n; i++) {
		const struct id_index *x = find_id(old_t, new_t->by_id[i].id);
		uint64_t p, b;

		/* duplicate ids: the first of each pair up (find_id returns
		 * the old table's first, so only carry into the new first) */
		if (x == NULL || (i > 0 && new_t->by_id[i - 1].id == new_t->by_id[i].id))
			continue;
		rule_sum(old_t, x->idx, &p, &b);
		new_t->base[new_t->by_id[i].idx].packets += p;
		new_t->base[new_t->by_id[i].idx].bytes += b;
	}
}

/* ---- classification ---- */

/* The worker's counters of rule idx: plain stores (one writer), read with
 * relaxed loads by rule_sum. */
static inline void count_hits(struct ext_acl_table *t, uint32_t idx, unsigned worker,
			      uint32_t packets, uint64_t bytes)
{
	struct ext_acl_counter *c;

	if (worker >= t->nb_workers)
		return;
	c = &t->counters[worker * t->stride + idx];
	__atomic_store_n(&c->packets, c->packets + packets, __ATOMIC_RELAXED);
	__atomic_store_n(&c->bytes, c->bytes + bytes, __ATOMIC_RELAXED);
}

static inline uint32_t be32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v; /* bytes already in network order */
}

/* The port-relative flow key of a packet (the stateful table's key). */
static inline void flow_key_of(const struct vfp_pkt *pkt, bool in, bool portless,
			       uint16_t owner, struct flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->owner = owner;
	k->family = pkt->family;
	k->proto = pkt->proto;
	if (!portless) {
		k->lport = in ? pkt->dst_port : pkt->src_port;
		k->rport = in ? pkt->src_port : pkt->dst_port;
	}
	if (pkt->family == 6) {
		memcpy(k->local, in ? pkt->dst_ip6 : pkt->src_ip6, 16);
		memcpy(k->remote, in ? pkt->src_ip6 : pkt->dst_ip6, 16);
	} else {
		uint32_t l = rte_cpu_to_be_32(in ? pkt->dst_ip4 : pkt->src_ip4);
		uint32_t r = rte_cpu_to_be_32(in ? pkt->src_ip4 : pkt->dst_ip4);

		memcpy(k->local, &l, 4);
		memcpy(k->remote, &r, 4);
	}
}

static inline bool pkt_portless(const struct vfp_pkt *pkt)
{
	return pkt->proto == IPPROTO_ICMP || pkt->proto == IPPROTO_ICMPV6 || !pkt->has_ports;
}

/* rte_acl search keys of packets (network order, as rte_acl reads them). */
static inline void key4_of(const struct vfp_pkt *pkt, bool in, bool portless,
			   struct key4 *k)
{
	memset(k, 0, sizeof(*k));
	k->proto = pkt->proto;
	k->local = rte_cpu_to_be_32(in ? pkt->dst_ip4 : pkt->src_ip4);
	k->remote = rte_cpu_to_be_32(in ? pkt->src_ip4 : pkt->dst_ip4);
	k->lport = rte_cpu_to_be_32(portless ? PORTLESS : in ? pkt->dst_port : pkt->src_port);
	k->rport = rte_cpu_to_be_32(portless ? PORTLESS : in ? pkt->src_port : pkt->dst_port);
}

static inline void key6_of(const struct vfp_pkt *pkt, bool in, bool portless,
			   struct key6 *k)
{
	memset(k, 0, sizeof(*k));
	k->proto = pkt->proto;
	for (unsigned w = 0; w < 4; w++) {
		k->local[w] = be32_at(&(in ? pkt->dst_ip6 : pkt->src_ip6)[4 * w]);
		k->remote[w] = be32_at(&(in ? pkt->src_ip6 : pkt->dst_ip6)[4 * w]);
	}
	k->lport = rte_cpu_to_be_32(portless ? PORTLESS : in ? pkt->dst_port : pkt->src_port);
	k->rport = rte_cpu_to_be_32(portless ? PORTLESS : in ? pkt->src_port : pkt->dst_port);
}

/* The highest-priority rule of set for each of the n search keys in data:
 * res[i] = its index + 1, or 0. One rte_acl_classify call per chunk for
 * all keys at once (its vector paths take 4, 8 or 16 keys per step; a
 * single key takes the scalar search); a later chunk sees only the keys
 * the earlier ones left without a match. */
static void acl_search_burst(const struct chunk_set *set, const uint8_t **data,
			     uint32_t *res, unsigned n)
{
	const uint8_t *rest[EXT_ACL_BURST_MAX];
	uint32_t rest_res[EXT_ACL_BURST_MAX];
	unsigned rest_at[EXT_ACL_BURST_MAX];

	rte_acl_classify(set->acl[0], data, res, n, 1);
	for (unsigned c = 1; c < set->n; c++) {
		unsigned m = 0;

		for (unsigned i = 0; i < n; i++)
			if (res[i] == 0) {
				rest_at[m] = i;
				rest[m++] = data[i];
			}
		if (m == 0)
			return;
		rte_acl_classify(set->acl[c], rest, rest_res, m, 1);
		for (unsigned j = 0; j < m; j++)
			res[rest_at[j]] = rest_res[j];
	}
}

/* What a packet of the burst still needs after a pass. */
enum step {
	STEP_DONE,   /* res decided (not IP, no rules, or an admitted flow) */
	STEP_CACHED, /* IPv4 with a cache set to look in */
	STEP_SEARCH, /* rte_acl (IPv6, or no cache for this worker) */
	STEP_MISSED, /* rte_acl, then its result into the cache way */
	STEP_MATCH,  /* match[i] is the rte_acl result, cached in way[i] */
	STEP_SEARCHED, /* match[i] is the rte_acl result, not cached */
};

void ext_acl_classify_burst(struct ext_acl_table *t, struct ext_acl_flows *flows,
			    enum acl_dir dir, const struct vfp_pkt *const *pkts,
			    unsigned n, unsigned worker, uint32_t now, uint8_t *res)
{
	const bool in = dir == ACL_DIR_INBOUND;
	const uint16_t owner = flows != NULL ? flows->owner : 0;
	struct ext_acl_cache_set *sets = NULL;
	const struct chunk_set *set4 = NULL, *set6 = NULL;
	bool track_in;
	uint8_t step[EXT_ACL_BURST_MAX], way[EXT_ACL_BURST_MAX];
	uint32_t match[EXT_ACL_BURST_MAX], hash[EXT_ACL_BURST_MAX];
	struct ext_acl_cache_key ck[EXT_ACL_BURST_MAX];
	struct ext_acl_cache_set *cs[EXT_ACL_BURST_MAX];
	unsigned nsearch = 0;

	RTE_ASSERT(n <= EXT_ACL_BURST_MAX);
	if (dir != ACL_DIR_INBOUND && dir != ACL_DIR_OUTBOUND) {
		memset(res, EXT_ACL_NO_MATCH, n);
		return;
	}
	/* inbound packets of flows the port opened pass whatever the rules
	 * say (stateful return traffic), once a flow was ever added */
	track_in = in && flows != NULL && __atomic_load_n(&flows->used, __ATOMIC_ACQUIRE);
	if (t != NULL) {
		set4 = &t->set[!in][0];
		set6 = &t->set[!in][1];
		if (worker < t->nb_workers)
			sets = &t->cache[(size_t)worker * EXT_ACL_CACHE_SETS];
	}

	/* first pass: the IPv4 cache sets, prefetched for the whole burst */
	for (unsigned i = 0; i < n; i++) {
		const struct vfp_pkt *p = pkts[i];
		const struct chunk_set *set = p->family == 4 ? set4 : p->family == 6 ? set6 : NULL;

		res[i] = EXT_ACL_NO_MATCH;
		step[i] = STEP_DONE;
		if ((p->family != 4 && p->family != 6) ||
		    (!track_in && (set == NULL || set->n == 0)))
			continue;
		if (p->family == 4 && sets != NULL) {
			const bool portless = pkt_portless(p);

			ck[i] = ext_acl_cache_key_make(
				in ? p->dst_ip4 : p->src_ip4, in ? p->src_ip4 : p->dst_ip4,
				portless ? 0 : in ? p->dst_port : p->src_port,
				portless ? 0 : in ? p->src_port : p->dst_port,
				owner, p->proto, (uint8_t)((in ? 1 : 2) | (portless ? 4 : 0)));
			hash[i] = ext_acl_cache_hash(&ck[i]);
			cs[i] = ext_acl_cache_set(sets, hash[i]);
			rte_prefetch0(cs[i]);
			step[i] = STEP_CACHED;
		} else {
			step[i] = STEP_SEARCH;
		}
	}
	/* second pass: admitted flows, cached results */
	for (unsigned i = 0; i < n; i++) {
		const struct vfp_pkt *p;
		const struct chunk_set *set;
		int w;

		if (step[i] == STEP_DONE)
			continue;
		p = pkts[i];
		w = step[i] == STEP_CACHED ? ext_acl_cache_find(cs[i], &ck[i]) : -1;
		if (unlikely(track_in)) {
			struct flow_key fk;

			if (w >= 0 && ext_acl_cache_live(cs[i], (unsigned)w, now)) {
				res[i] = EXT_ACL_ALLOW;
				step[i] = STEP_DONE;
				continue;
			}
			flow_key_of(p, true, pkt_portless(p), owner, &fk);
			if (ext_acl_flow_admit(flows, &fk, now)) {
				if (step[i] == STEP_CACHED) {
					if (w < 0)
						w = (int)ext_acl_cache_place(cs[i], &ck[i], hash[i]);
					ext_acl_cache_set_live(cs[i], (unsigned)w, now);
				}
				res[i] = EXT_ACL_ALLOW;
				step[i] = STEP_DONE;
				continue;
			}
			set = p->family == 4 ? set4 : set6;
			if (set == NULL || set->n == 0) {
				step[i] = STEP_DONE;
				continue;
			}
		}
		if (step[i] != STEP_CACHED) {
			nsearch++;
		} else if (w >= 0 && cs[i]->result[w] != EXT_ACL_CACHE_UNSEARCHED) {
			match[i] = cs[i]->result[w];
			way[i] = (uint8_t)w;
			step[i] = STEP_MATCH;
		} else {
			step[i] = STEP_MISSED;
			nsearch++;
		}
	}
	/* misses and IPv6: rte_acl, one call per family for the burst */
	for (unsigned fam = 0; fam < 2 && nsearch != 0; fam++) {
		const uint8_t *data[EXT_ACL_BURST_MAX];
		uint32_t r[EXT_ACL_BURST_MAX];
		unsigned at[EXT_ACL_BURST_MAX], m = 0;
		union {
			struct key4 k4[EXT_ACL_BURST_MAX];
			struct key6 k6[EXT_ACL_BURST_MAX];
		} keys;

		for (unsigned i = 0; i < n; i++) {
			const struct vfp_pkt *p = pkts[i];

			if ((step[i] != STEP_SEARCH && step[i] != STEP_MISSED) ||
			    (p->family == 6) != (fam == 1))
				continue;
			if (fam == 0) {
				key4_of(p, in, pkt_portless(p), &keys.k4[m]);
				data[m] = (const uint8_t *)&keys.k4[m];
			} else {
				key6_of(p, in, pkt_portless(p), &keys.k6[m]);
				data[m] = (const uint8_t *)&keys.k6[m];
			}
			at[m++] = i;
		}
		if (m == 0)
			continue;
		acl_search_burst(fam ? set6 : set4, data, r, m);
		for (unsigned j = 0; j < m; j++) {
			unsigned i = at[j];

			if (step[i] == STEP_MISSED) {
				/* two packets of a new flow in a burst: one way */
				way[i] = (uint8_t)ext_acl_cache_place(cs[i], &ck[i], hash[i]);
				cs[i]->result[way[i]] = r[j];
			}
			match[i] = r[j];
			step[i] = step[i] == STEP_MISSED ? STEP_MATCH : STEP_SEARCHED;
		}
	}
	/* the deciding rules: counters, Deny, stateful tracking. A run of
	 * packets decided by one rule (the common case: a pod's traffic meets
	 * a few rules) is counted with one load and store, not one a packet. */
	uint32_t run_idx = UINT32_MAX, run_packets = 0;
	uint64_t run_bytes = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct rule_verdict *v;
		uint32_t idx;

		if ((step[i] != STEP_MATCH && step[i] != STEP_SEARCHED) || match[i] == 0)
			continue;
		idx = match[i] - 1;
		v = &t->verdict[idx];
		if (idx != run_idx) {
			if (run_packets != 0)
				count_hits(t, run_idx, worker, run_packets, run_bytes);
			run_idx = idx;
			run_packets = 0;
			run_bytes = 0;
		}
		run_packets++;
		run_bytes += pkts[i]->len;
		if (v->deny) {
			res[i] = EXT_ACL_DENY;
			continue;
		}
		res[i] = EXT_ACL_ALLOW;
		if (!in && v->stateful && flows != NULL) {
			/* a cached flow tracked this second needs nothing more */
			const bool cached = step[i] == STEP_MATCH;
			struct flow_key k;

			if (cached && ext_acl_cache_live(cs[i], way[i], now))
				continue;
			flow_key_of(pkts[i], false, pkt_portless(pkts[i]), owner, &k);
			if (ext_acl_flow_track(flows, &k, now, v->timeout) && cached)
				ext_acl_cache_set_live(cs[i], way[i], now);
		}
	}
	if (run_packets != 0)
		count_hits(t, run_idx, worker, run_packets, run_bytes);
}

enum ext_acl_result ext_acl_classify(struct ext_acl_table *t,
				     struct ext_acl_flows *flows,
				     enum acl_dir dir, const struct vfp_pkt *pkt,
				     unsigned worker, uint32_t now)
{
	uint8_t res;

	ext_acl_classify_burst(t, flows, dir, &pkt, 1, worker, now, &res);
	return (enum ext_acl_result)res;
}
