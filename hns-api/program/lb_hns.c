/* HNS load balancers in the switch (lb_hns.h).
 *
 * An update keeps every engine LB whose frontend (vip, protocol, port)
 * stays and changes it in place with lb_ctl_update: its established
 * connections keep their backends (the engine carries them over), which a
 * remove + add would cut. Frontends that are new are added, the ones that
 * went are removed last, so a failure on the way can still be undone. */
#include "lb_hns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb_ctl.h"

#define ID_LEN 37
#define N_BUCKETS 16384 /* kube-proxy's largest clusters: ~10,000 LBs a node */

struct fe {                  /* one engine LB */
	struct lb_config cfg;    /* cfg.backends points at backends */
	struct lb_backend *backends;
	uint32_t handle;
};

struct lbe {                 /* one HNS LB */
	char id[ID_LEN];
	struct lbe *chain;       /* hash bucket */
	struct lbe *prev, *next; /* creation order, for /stats */
	size_t n_fe;
	struct fe *fe;
	size_t n_be;
	char (*be_ids)[ID_LEN];
	uint32_t *be_ips;
};

struct lb_hns {
	struct vswitch *sw;
	struct lbe *buckets[N_BUCKETS];
	struct lbe *head, *tail;
};

static uint32_t hash_id(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h % N_BUCKETS;
}

static struct lbe *find(const struct lb_hns *l, const char *id)
{
	struct lbe *e = l->buckets[hash_id(id)];

	while (e != NULL && strcmp(e->id, id) != 0)
		e = e->chain;
	return e;
}

struct lb_hns *lb_hns_create(struct vswitch *sw)
{
	struct lb_hns *l = calloc(1, sizeof(*l));

	if (l != NULL)
		l->sw = sw;
	return l;
}

static void fe_free(struct fe *fe, size_t n)
{
	for (size_t i = 0; fe != NULL && i < n; i++)
		free(fe[i].backends);
	free(fe);
}

static void lbe_free(struct lbe *e)
{
	fe_free(e->fe, e->n_fe);
	free(e->be_ids);
	free(e->be_ips);
	free(e);
}

void lb_hns_destroy(struct lb_hns *l)
{
	if (l == NULL)
		return;
	for (struct lbe *e = l->head, *next; e; e = next) {
		next = e->next;
		lbe_free(e);
	}
	free(l);
}

static int status_of(int rc)
{
	return rc == -EEXIST ? 409 : rc == -EINVAL ? 400 : rc == -ENOSPC ? 507 : 500;
}

static int ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

/* The engine configs of lb into a new entry (no handles yet). */
static struct lbe *build(const char *id, const struct hns_lb *lb, char *err,
			 size_t errlen)
{
	struct lbe *e = calloc(1, sizeof(*e));
	size_t n = 0;

	if (e == NULL)
		goto nomem;
	snprintf(e->id, sizeof(e->id), "%s", id);
	if (lb->n_backends > LB_MAX_BACKENDS) {
		snprintf(err, errlen, "HostComputeEndpoints: %zu backends; the switch "
			 "balances over at most %d", lb->n_backends, LB_MAX_BACKENDS);
		lbe_free(e);
		return NULL;
	}
	e->n_be = lb->n_backends;
	e->be_ids = calloc(e->n_be ? e->n_be : 1, sizeof(*e->be_ids));
	e->be_ips = calloc(e->n_be ? e->n_be : 1, sizeof(*e->be_ips));
	if (e->be_ids == NULL || e->be_ips == NULL)
		goto nomem;
	for (size_t b = 0; b < e->n_be; b++) {
		snprintf(e->be_ids[b], ID_LEN, "%s", lb->backends[b].endpoint_id);
		if (ipv4(lb->backends[b].ip, &e->be_ips[b]) < 0) {
			snprintf(err, errlen, "HostComputeEndpoints[%zu]: '%s' is not an "
				 "IPv4 address", b, lb->backends[b].ip);
			lbe_free(e);
			return NULL;
		}
	}
	for (size_t r = 0; r < lb->n_rules; r++)
		n += lb->rules[r].n_vips ? lb->rules[r].n_vips : 1;
	e->fe = calloc(n ? n : 1, sizeof(*e->fe));
	if (e->fe == NULL)
		goto nomem;
	for (size_t r = 0; r < lb->n_rules; r++) {
		const struct hns_lb_rule *ru = &lb->rules[r];
		uint32_t svip = 0;

		if (ru->source_vip != NULL && ipv4(ru->source_vip, &svip) < 0) {
			snprintf(err, errlen, "SourceVIP: '%s' is not an IPv4 address",
				 ru->source_vip);
			lbe_free(e);
			return NULL;
		}
		for (size_t v = 0; v < (ru->n_vips ? ru->n_vips : 1); v++) {
			struct fe *fe = &e->fe[e->n_fe];

			fe->handle = LB_INVALID_HANDLE;
			fe->backends = calloc(e->n_be ? e->n_be : 1, sizeof(*fe->backends));
			e->n_fe++;
			if (fe->backends == NULL)
				goto nomem;
			if (ru->n_vips && ipv4(ru->vips[v], &fe->cfg.vip) < 0) {
				snprintf(err, errlen, "FrontendVIPs[%zu]: '%s' is not an "
					 "IPv4 address", v, ru->vips[v]);
				lbe_free(e);
				return NULL;
			}
			fe->cfg.proto = ru->protocol;
			fe->cfg.port = ru->external_port;
			fe->cfg.distribution = (enum lb_distribution)ru->distribution;
			fe->cfg.dsr = ru->dsr;
			fe->cfg.source_vip = svip;
			lb_config_set_hns_flags(&fe->cfg, ru->flags);
			fe->cfg.nb_backends = (unsigned)e->n_be;
			fe->cfg.backends = fe->backends;
			for (size_t b = 0; b < e->n_be; b++)
				fe->backends[b] = (struct lb_backend){
					.ip = e->be_ips[b],
					/* InternalPort 0: the service's own port */
					.port = ru->internal_port ? ru->internal_port
								  : ru->external_port,
					.weight = 1,
				};
		}
	}
	return e;
nomem:
	snprintf(err, errlen, "out of memory");
	if (e != NULL)
		lbe_free(e);
	return NULL;
}

static bool same_frontend(const struct lb_config *a, const struct lb_config *b)
{
	return a->vip == b->vip && a->proto == b->proto && a->port == b->port;
}

/* The old engine LB the new frontend k takes over, or -1. */
static long match_old(const struct lbe *old, const bool *taken,
		      const struct lb_config *cfg)
{
	for (size_t i = 0; old != NULL && i < old->n_fe; i++)
		if (!taken[i] && same_frontend(&old->fe[i].cfg, cfg))
			return (long)i;
	return -1;
}

static void unlink_entry(struct lb_hns *l, struct lbe *e)
{
	struct lbe **pp = &l->buckets[hash_id(e->id)];

	while (*pp != e)
		pp = &(*pp)->chain;
	*pp = e->chain;
	if (e->prev)
		e->prev->next = e->next;
	else
		l->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		l->tail = e->prev;
}

static void link_entry(struct lb_hns *l, struct lbe *e, struct lbe *in_place_of)
{
	uint32_t b = hash_id(e->id);

	e->chain = l->buckets[b];
	l->buckets[b] = e;
	if (in_place_of != NULL) { /* keep the creation order */
		e->prev = in_place_of->prev;
		e->next = in_place_of->next;
		if (e->prev)
			e->prev->next = e;
		else
			l->head = e;
		if (e->next)
			e->next->prev = e;
		else
			l->tail = e;
		return;
	}
	e->prev = l->tail;
	e->next = NULL;
	if (l->tail)
		l->tail->next = e;
	else
		l->head = e;
	l->tail = e;
}

int lb_hns_set(struct lb_hns *l, const char *id, const struct hns_lb *lb,
	       char *err, size_t errlen)
{
	struct lbe *old = find(l, id), *e;
	bool *taken;
	long *from; /* per new frontend: the old one it updated, or -1 (added) */
	char why[LB_ERR_MAX] = "";
	int rc = 0;
	size_t k;

	if (lb == NULL) {
		if (old == NULL)
			return 0;
		for (size_t i = 0; i < old->n_fe; i++)
			lb_ctl_remove(l->sw, old->fe[i].handle);
		unlink_entry(l, old);
		lbe_free(old);
		return 0;
	}
	if ((e = build(id, lb, err, errlen)) == NULL)
		return strcmp(err, "out of memory") == 0 ? 500 : 400;
	taken = calloc(old ? old->n_fe + 1 : 1, sizeof(*taken));
	from = calloc(e->n_fe + 1, sizeof(*from));
	if (taken == NULL || from == NULL) {
		free(taken);
		free(from);
		lbe_free(e);
		snprintf(err, errlen, "out of memory");
		return 500;
	}
	for (k = 0; k < e->n_fe; k++) {
		struct fe *fe = &e->fe[k];
		long o = match_old(old, taken, &fe->cfg);

		from[k] = o;
		if (o >= 0) {
			taken[o] = true;
			fe->handle = old->fe[o].handle;
			rc = lb_ctl_update(l->sw, fe->handle, &fe->cfg, why);
		} else {
			rc = lb_ctl_add(l->sw, &fe->cfg, &fe->handle, why);
		}
		if (rc < 0)
			break;
	}
	if (rc < 0) {
		/* undo frontends 0..k-1, newest first */
		while (k-- > 0) {
			char ignored[LB_ERR_MAX];

			if (from[k] >= 0)
				lb_ctl_update(l->sw, e->fe[k].handle, &old->fe[from[k]].cfg,
					      ignored);
			else
				lb_ctl_remove(l->sw, e->fe[k].handle);
		}
		snprintf(err, errlen, "%s", why);
		free(taken);
		free(from);
		lbe_free(e);
		return status_of(rc);
	}
	for (size_t i = 0; old != NULL && i < old->n_fe; i++)
		if (!taken[i])
			lb_ctl_remove(l->sw, old->fe[i].handle);
	if (old != NULL)
		unlink_entry(l, old);
	link_entry(l, e, old);
	if (old != NULL)
		lbe_free(old);
	free(taken);
	free(from);
	return 0;
}

/* ---- counters ---- */

static const char *proto_name(uint8_t p)
{
	return p == 6 ? "TCP" : p == 17 ? "UDP" : p == 132 ? "SCTP" : "?";
}

static json_t *counters_json(const struct lb_counters *c)
{
	return json_pack("{s:I,s:I,s:I,s:I}", "Packets", (json_int_t)c->packets,
			 "Bytes", (json_int_t)c->bytes,
			 "Connections", (json_int_t)c->connections,
			 "Drops", (json_int_t)c->drops);
}

static void add_counters(struct lb_counters *to, const struct lb_counters *c)
{
	to->packets += c->packets;
	to->bytes += c->bytes;
	to->connections += c->connections;
	to->drops += c->drops;
}

/* An LB's counters summed over its frontends: total, and per backend into
 * be_sum (n_be + 1 zeroed entries); each frontend's text ("10.96.0.10 TCP
 * 80", "* TCP 80") into fe_text (n_fe entries) when not NULL. -1: out of
 * memory. */
static int entry_sum(const struct lb_hns *l, const struct lbe *e,
		     struct lb_counters *total, struct lb_counters *be_sum,
		     char (*fe_text)[64])
{
	struct lb_counters stack_be[8];
	struct lb_counters *be = e->n_be + 1 <= sizeof(stack_be) / sizeof(stack_be[0]) ?
				 stack_be : calloc(e->n_be + 1, sizeof(*be));

	if (be == NULL)
		return -1;
	for (size_t i = 0; i < e->n_fe; i++) {
		const struct fe *fe = &e->fe[i];
		struct lb_counters t = { 0 };
		struct in_addr a = { .s_addr = htonl(fe->cfg.vip) };
		char *text;

		memset(be, 0, e->n_be * sizeof(*be));
		/* no engine yet, or not programmed: it counted nothing */
		if (lb_ctl_counters(l->sw, fe->handle, &t, be, (unsigned)e->n_be) == 0) {
			add_counters(total, &t);
			for (size_t b = 0; b < e->n_be; b++)
				add_counters(&be_sum[b], &be[b]);
		}
		if (fe_text == NULL)
			continue;
		text = fe_text[i];
		if (fe->cfg.vip != 0)
			inet_ntop(AF_INET, &a, text, 64);
		else
			snprintf(text, 64, "*");
		snprintf(text + strlen(text), 64 - strlen(text), " %s %u",
			 proto_name(fe->cfg.proto), fe->cfg.port);
	}
	if (be != stack_be)
		free(be);
	return 0;
}

static int entry_counters(const struct lb_hns *l, const struct lbe *e, json_t *out)
{
	struct lb_counters total = { 0 };
	struct lb_counters *be_sum = calloc(e->n_be + 1, sizeof(*be_sum));
	char (*fe_text)[64] = calloc(e->n_fe + 1, sizeof(*fe_text));
	json_t *fes, *bes, *c;

	if (be_sum == NULL || fe_text == NULL || entry_sum(l, e, &total, be_sum, fe_text) < 0) {
		free(be_sum);
		free(fe_text);
		return -1;
	}
	fes = json_array();
	bes = json_array();
	for (size_t i = 0; i < e->n_fe; i++)
		json_array_append_new(fes, json_string(fe_text[i]));
	c = counters_json(&total);
	json_object_update(out, c);
	json_decref(c);
	json_object_set_new(out, "Frontends", fes);
	for (size_t b = 0; b < e->n_be; b++) {
		char ip[INET_ADDRSTRLEN];
		struct in_addr a = { .s_addr = htonl(e->be_ips[b]) };
		json_t *o = counters_json(&be_sum[b]);

		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		json_object_set_new(o, "ID", json_string(e->be_ids[b]));
		json_object_set_new(o, "IPAddress", json_string(ip));
		json_array_append_new(bes, o);
	}
	json_object_set_new(out, "Backends", bes);
	free(be_sum);
	free(fe_text);
	return 0;
}

/* counters_json's members as text */
static void counters_text(struct jtext *t, const struct lb_counters *c)
{
	jtext_lit(t, "\"Packets\":");
	jtext_int(t, (json_int_t)c->packets);
	jtext_lit(t, ",\"Bytes\":");
	jtext_int(t, (json_int_t)c->bytes);
	jtext_lit(t, ",\"Connections\":");
	jtext_int(t, (json_int_t)c->connections);
	jtext_lit(t, ",\"Drops\":");
	jtext_int(t, (json_int_t)c->drops);
}

int lb_hns_counters_text(const struct lb_hns *l, const char *id, struct jtext *t)
{
	const struct lbe *e = find(l, id);
	struct lb_counters total = { 0 }, stack_sum[9];
	struct lb_counters *be_sum = stack_sum;
	char stack_fe[8][64], (*fe_text)[64] = stack_fe;

	if (e == NULL)
		return -1;
	/* the common LB (a few backends, one frontend) without a malloc */
	memset(stack_sum, 0, sizeof(stack_sum));
	if (e->n_be + 1 > sizeof(stack_sum) / sizeof(stack_sum[0]))
		be_sum = calloc(e->n_be + 1, sizeof(*be_sum));
	if (e->n_fe > sizeof(stack_fe) / sizeof(stack_fe[0]))
		fe_text = calloc(e->n_fe, sizeof(*fe_text));
	if (be_sum == NULL || fe_text == NULL || entry_sum(l, e, &total, be_sum, fe_text) < 0) {
		if (be_sum != stack_sum)
			free(be_sum);
		if (fe_text != stack_fe)
			free(fe_text);
		return -1;
	}
	/* entry_counters' object: the totals, Frontends, Backends */
	jtext_lit(t, "{");
	counters_text(t, &total);
	jtext_lit(t, ",\"Frontends\":[");
	for (size_t i = 0; i < e->n_fe; i++) {
		if (i > 0)
			jtext_lit(t, ",");
		jtext_cstring(t, fe_text[i]);
	}
	jtext_lit(t, "],\"Backends\":[");
	for (size_t b = 0; b < e->n_be; b++) {
		char ip[INET_ADDRSTRLEN];
		struct in_addr a = { .s_addr = htonl(e->be_ips[b]) };

		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		if (b > 0)
			jtext_lit(t, ",");
		jtext_lit(t, "{");
		counters_text(t, &be_sum[b]);
		jtext_lit(t, ",\"ID\":");
		jtext_cstring(t, e->be_ids[b]);
		jtext_lit(t, ",\"IPAddress\":");
		jtext_cstring(t, ip);
		jtext_lit(t, "}");
	}
	jtext_lit(t, "]}");
	if (be_sum != stack_sum)
		free(be_sum);
	if (fe_text != stack_fe)
		free(fe_text);
	return 0;
}

int lb_hns_counters(const struct lb_hns *l, const char *id, json_t *out)
{
	const struct lbe *e = find(l, id);

	return e != NULL ? entry_counters(l, e, out) : -1;
}

json_t *lb_hns_stats(const struct lb_hns *l)
{
	json_t *arr = json_array();

	for (const struct lbe *e = l->head; e; e = e->next) {
		json_t *o = json_pack("{s:s}", "ID", e->id);

		if (entry_counters(l, e, o) == 0)
			json_array_append_new(arr, o);
		else
			json_decref(o);
	}
	return arr;
}

/* One counter of every LB (and of its backends) in the Prometheus text
 * format. */
static void metric(FILE *f, const json_t *rows, const char *name, const char *help,
		   const char *key)
{
	const json_t *row, *be;
	size_t i, j;

	fprintf(f, "# HELP hvswitch_lb_%s_total %s\n# TYPE hvswitch_lb_%s_total counter\n",
		name, help, name);
	json_array_foreach(rows, i, row)
		fprintf(f, "hvswitch_lb_%s_total{lb=\"%s\"} %lld\n", name,
			json_string_value(json_object_get(row, "ID")),
			(long long)json_integer_value(json_object_get(row, key)));
	fprintf(f, "# HELP hvswitch_lb_backend_%s_total %s, per backend\n"
		"# TYPE hvswitch_lb_backend_%s_total counter\n", name, help, name);
	json_array_foreach(rows, i, row)
		json_array_foreach(json_object_get(row, "Backends"), j, be)
			fprintf(f, "hvswitch_lb_backend_%s_total{lb=\"%s\",backend=\"%s\"} %lld\n",
				name, json_string_value(json_object_get(row, "ID")),
				json_string_value(json_object_get(be, "IPAddress")),
				(long long)json_integer_value(json_object_get(be, key)));
}

void lb_hns_metrics(const struct lb_hns *l, FILE *f)
{
	json_t *rows = lb_hns_stats(l);

	if (json_array_size(rows) > 0) {
		metric(f, rows, "packets", "Packets a load balancer translated", "Packets");
		metric(f, rows, "bytes", "Bytes a load balancer translated", "Bytes");
		metric(f, rows, "connections", "Connections a load balancer made",
		       "Connections");
		metric(f, rows, "drops", "Packets a load balancer dropped", "Drops");
	}
	json_decref(rows);
}
