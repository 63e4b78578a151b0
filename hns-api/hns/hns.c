/* The HNS service core: request routing, the response envelope, the object
 * indexes and the per-request transaction.
 *
 * A mutating request validates everything first, then applies its changes
 * in memory through txn_* (each recording its own undo), then writes every
 * changed object to the store in one SQLite transaction. If the store
 * fails, the undo log puts memory back exactly as it was; dataplane
 * callbacks only run after the commit. */
#include "envelope.h"
#include "hns_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

/* ---- errors and paths ---- */

void herr_init(struct herr *e)
{
	e->status = 400;
	e->msg[0] = '\0';
	e->warnings = NULL;
	e->logged = NULL;
	e->kept = NULL;
}

void herr_init_req(struct herr *e, const struct hns *h)
{
	herr_init(e);
	e->warnings = h->warnings;
	e->logged = h->warned;
	e->kept = h->kept;
}

int hfail(struct herr *e, int status, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	e->status = status;
	if (path != NULL)
		n = snprintf(e->msg, sizeof(e->msg), "%s: ",
			     path[0] ? path : "(root)");
	if (n < 0 || (size_t)n >= sizeof(e->msg))
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg + n, sizeof(e->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

const char *pmember(char *buf, const char *path, const char *key)
{
	json_path_member(buf, HNS_PATH_LEN, path, key);
	return buf;
}

const char *pindex(char *buf, const char *path, size_t i)
{
	json_path_index(buf, HNS_PATH_LEN, path, i);
	return buf;
}

/* ---- allocation (the control plane has no way to continue without
 * memory; failing loudly beats half-updated indexes) ---- */

void *hns_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL) {
		fprintf(stderr, "hns: out of memory\n");
		abort();
	}
	return p;
}

void *hns_xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	if (q == NULL) {
		fprintf(stderr, "hns: out of memory\n");
		abort();
	}
	return q;
}

void hns_copy_text(char *buf, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (n >= len)
		n = 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

char *hns_xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL) {
		fprintf(stderr, "hns: out of memory\n");
		abort();
	}
	return d;
}

/* ---- string map: open addressing, linear probing, backward-shift
 * deletion (no tombstones, so lookups stay short after many deletes) ---- */

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h ? h : 1;
}

void hmap_init(struct hmap *m)
{
	memset(m, 0, sizeof(*m));
}

void hmap_free(struct hmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

static struct hmap_slot *hmap_find(const struct hmap *m, const char *key,
				   uint32_t hash)
{
	if (m->cap == 0)
		return NULL;
	for (size_t i = hash & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct hmap_slot *s = &m->slots[i];

		if (s->key == NULL)
			return NULL;
		if (s->hash == hash && strcmp(s->key, key) == 0)
			return s;
	}
}

void *hmap_get(const struct hmap *m, const char *key)
{
	struct hmap_slot *s = hmap_find(m, key, str_hash(key));

	return s ? s->val : NULL;
}

static void hmap_insert(struct hmap *m, const char *key, uint32_t hash, void *val)
{
	size_t i = hash & (m->cap - 1);

	while (m->slots[i].key != NULL)
		i = (i + 1) & (m->cap - 1);
	m->slots[i] = (struct hmap_slot){ key, hash, val };
	m->n++;
}

void hmap_put(struct hmap *m, const char *key, void *val)
{
	uint32_t hash = str_hash(key);
	struct hmap_slot *s = hmap_find(m, key, hash);

	if (s != NULL) {
		s->key = key;
		s->val = val;
		return;
	}
	if ((m->n + 1) * 10 > m->cap * 7) {
		struct hmap old = *m;

		m->cap = m->cap ? m->cap * 2 : 64;
		m->slots = hns_xcalloc(m->cap, sizeof(*m->slots));
		m->n = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.slots[i].key)
				hmap_insert(m, old.slots[i].key, old.slots[i].hash,
					    old.slots[i].val);
		free(old.slots);
	}
	hmap_insert(m, key, hash, val);
}

void hmap_del(struct hmap *m, const char *key)
{
	struct hmap_slot *s = hmap_find(m, key, str_hash(key));
	size_t i, j, mask = m->cap - 1;

	if (s == NULL)
		return;
	i = (size_t)(s - m->slots);
	m->slots[i].key = NULL;
	m->n--;
	for (j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t home = m->slots[j].hash & mask;

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->slots[i] = m->slots[j];
			m->slots[j].key = NULL;
			i = j;
		}
	}
}

/* ---- objects ---- */

static const char *const kind_names[HK_N] = {
	"network", "endpoint", "namespace", "policylist",
};

struct hns_obj *hns_find(struct hns *h, enum hns_kind k, const char *id)
{
	return hmap_get(&h->ids[k], id);
}

struct hns_obj *hns_lookup(struct hns *h, enum hns_kind k, const char *id)
{
	char g[HNS_GUID_LEN + 1];

	if (!hns_guid_parse(id, g))
		return NULL;
	return hns_find(h, k, g);
}

void obj_free(struct hns_obj *o)
{
	if (o == NULL)
		return;
	json_decref(o->doc);
	free(o->name);
	switch (o->kind) {
	case HK_NETWORK:
		network_free((struct hns_network *)o);
		return;
	case HK_ENDPOINT:
		endpoint_free((struct hns_endpoint *)o);
		return;
	default:
		free(o);
	}
}

static struct hmap *name_map(struct hns *h, const struct hns_obj *o)
{
	return o->kind == HK_NETWORK ? &h->net_names :
	       o->kind == HK_ENDPOINT ? &h->ep_names : NULL;
}

static void ep_account(struct hns *h, struct hns_endpoint *ep, bool add)
{
	struct hns_network *n = ep->net;

	if (add) {
		n->n_endpoints++;
		if (ep->sub >= 0)
			pool_set(&n->subnets[ep->sub].pool,
				 ep->ip - n->subnets[ep->sub].pool.base);
		if (ep->has_mac)
			macset_add(&h->macs, ep->mac);
	} else {
		n->n_endpoints--;
		if (ep->sub >= 0)
			pool_clear(&n->subnets[ep->sub].pool,
				   ep->ip - n->subnets[ep->sub].pool.base);
		if (ep->has_mac) {
			macset_del(&h->macs, ep->mac);
			if (n->n_macr)
				mac_freed(n->macr, n->n_macr, ep->mac);
			else
				mac_freed(&h->default_mac, 1, ep->mac);
		}
	}
	endpoint_bind_port(h, ep, add);
}

static void obj_index(struct hns *h, struct hns_obj *o, bool add)
{
	struct hmap *names = name_map(h, o);

	if (add) {
		hmap_put(&h->ids[o->kind], o->id, o);
		if (names && o->name)
			hmap_put(names, o->name, o);
	} else {
		hmap_del(&h->ids[o->kind], o->id);
		if (names && o->name)
			hmap_del(names, o->name);
	}
	if (o->kind == HK_ENDPOINT)
		ep_account(h, (struct hns_endpoint *)o, add);
}

static void list_append(struct hns_list *l, struct hns_obj *o)
{
	o->next = NULL;
	o->prev = l->tail;
	if (l->tail)
		l->tail->next = o;
	else
		l->head = o;
	l->tail = o;
	l->n++;
}

/* Leaves o->prev/next pointing at its old neighbours for list_relink. */
static void list_unlink(struct hns_list *l, struct hns_obj *o)
{
	if (o->prev)
		o->prev->next = o->next;
	else
		l->head = o->next;
	if (o->next)
		o->next->prev = o->prev;
	else
		l->tail = o->prev;
	l->n--;
}

static void list_relink(struct hns_list *l, struct hns_obj *o)
{
	if (o->prev)
		o->prev->next = o;
	else
		l->head = o;
	if (o->next)
		o->next->prev = o;
	else
		l->tail = o;
	l->n++;
}

/* ---- transaction ---- */

enum uop { U_CREATE, U_DELETE, U_DOC, U_ATT, U_NS };

struct undo {
	enum uop op;
	struct hns_obj *o;
	json_t *doc;  /* U_DOC: previous doc; U_ATT: previous attachment */
	char *name;   /* U_DOC: previous name */
	bool bound;   /* U_ATT */
	struct hns_namespace *ns; /* U_NS */
};

struct notify {
	enum { N_ATTACHED, N_DETACHED, N_NET_CREATED, N_NET_DELETED,
	       N_PLUMBED, N_UNPLUMB, N_REMOTE_CREATED, N_REMOTE_DELETED } what;
	char *port; /* endpoint notices */
	json_t *ep; /* the endpoint's or the network's v1 JSON */
};

static struct undo *undo_push(struct hns *h, enum uop op, struct hns_obj *o)
{
	struct undo *u;

	if (h->n_undo == h->cap_undo) {
		h->cap_undo = h->cap_undo ? h->cap_undo * 2 : 16;
		h->undo = hns_xrealloc(h->undo, h->cap_undo * sizeof(*h->undo));
	}
	u = &h->undo[h->n_undo++];
	memset(u, 0, sizeof(*u));
	u->op = op;
	u->o = o;
	return u;
}

static void mark_dirty(struct hns *h, struct hns_obj *o)
{
	if (o->dirty)
		return;
	o->dirty = true;
	o->dirty_next = h->dirty;
	h->dirty = o;
}

void txn_begin(struct hns *h)
{
	h->n_undo = 0;
	h->dirty = NULL;
	h->n_notify = 0;
}

void txn_create(struct hns *h, struct hns_obj *o)
{
	if (o->seq == 0)
		o->seq = h->seq_hint;
	if (o->seq == 0)
		o->seq = ++h->seq;
	else if (o->seq > h->seq)
		h->seq = o->seq;
	list_append(&h->lists[o->kind], o);
	obj_index(h, o, true);
	o->created = true;
	mark_dirty(h, o);
	undo_push(h, U_CREATE, o);
}

void txn_delete(struct hns *h, struct hns_obj *o)
{
	obj_index(h, o, false);
	list_unlink(&h->lists[o->kind], o);
	o->deleted = true;
	mark_dirty(h, o);
	undo_push(h, U_DELETE, o);
}

static void set_name(struct hns *h, struct hns_obj *o, char *name)
{
	struct hmap *names = name_map(h, o);

	if (names && o->name)
		hmap_del(names, o->name);
	o->name = name;
	if (names && o->name)
		hmap_put(names, o->name, o);
}

void txn_set_doc(struct hns *h, struct hns_obj *o, json_t *doc)
{
	struct undo *u = undo_push(h, U_DOC, o);
	const char *name = json_string_value(json_object_get(doc, "Name"));

	u->doc = o->doc;
	o->doc = doc;
	if (name_map(h, o)) {
		u->name = o->name; /* kept (and freed) by the undo entry */
		set_name(h, o, name && *name ? hns_xstrdup(name) : NULL);
	}
	mark_dirty(h, o);
}

void txn_set_att(struct hns *h, struct hns_endpoint *ep, json_t *att, bool bound)
{
	struct undo *u = undo_push(h, U_ATT, &ep->o);

	u->doc = ep->att;
	u->bound = ep->bound;
	endpoint_bind_port(h, ep, false);
	ep->att = att;
	ep->bound = bound;
	endpoint_bind_port(h, ep, true);
	mark_dirty(h, &ep->o);
}

void txn_set_ns(struct hns *h, struct hns_endpoint *ep, struct hns_namespace *ns)
{
	struct undo *u = undo_push(h, U_NS, &ep->o);

	u->ns = ep->ns;
	ep->ns = ns;
}

static struct notify *notify_push(struct hns *h)
{
	if (h->n_notify == h->cap_notify) {
		h->cap_notify = h->cap_notify ? h->cap_notify * 2 : 8;
		h->notify = hns_xrealloc(h->notify, h->cap_notify * sizeof(*h->notify));
	}
	return &h->notify[h->n_notify++];
}

void txn_notify(struct hns *h, bool attached, const char *port,
		struct hns_endpoint *ep)
{
	struct notify *n = notify_push(h);

	n->what = attached ? N_ATTACHED : N_DETACHED;
	n->port = hns_xstrdup(port);
	n->ep = endpoint_render_v1(ep);
}

void txn_notify_network(struct hns *h, bool created, const struct hns_obj *net)
{
	struct notify *n = notify_push(h);

	n->what = created ? N_NET_CREATED : N_NET_DELETED;
	n->port = NULL;
	n->ep = json_incref(net->doc); /* a network's doc is its v1 form */
}

void txn_notify_remote(struct hns *h, bool created, const struct hns_endpoint *ep)
{
	struct notify *n = notify_push(h);

	n->what = created ? N_REMOTE_CREATED : N_REMOTE_DELETED;
	n->port = NULL;
	n->ep = endpoint_render_v1(ep);
}

/* Plumbing (issue 16): what a request made in Linux is undone if the
 * transaction aborts; what it removes goes only once it committed. */
void txn_plumbed(struct hns *h, const json_t *record)
{
	struct notify *n = notify_push(h);

	n->what = N_PLUMBED;
	n->port = NULL;
	n->ep = json_incref((json_t *)record);
}

void txn_unplumb(struct hns *h, const json_t *record)
{
	struct notify *n = notify_push(h);

	n->what = N_UNPLUMB;
	n->port = NULL;
	n->ep = json_incref((json_t *)record);
}

/* An aborted transaction's plumbing, newest first, down to mark. */
static void unplumb_made(struct hns *h, size_t mark)
{
	for (size_t i = h->n_notify; i > mark; i--)
		if (h->notify[i - 1].what == N_PLUMBED && h->dp.unplumb)
			h->dp.unplumb(h->dp.ctx, h->notify[i - 1].ep);
}

static void clear_dirty(struct hns *h)
{
	for (struct hns_obj *o = h->dirty, *next; o; o = next) {
		next = o->dirty_next;
		o->dirty = false;
		o->created = false;
		o->dirty_next = NULL;
	}
	h->dirty = NULL;
}

static void drop_notifies(struct hns *h)
{
	for (size_t i = 0; i < h->n_notify; i++) {
		free(h->notify[i].port);
		json_decref(h->notify[i].ep);
	}
	h->n_notify = 0;
}

/* Undoes the log back to n_undo == mark, newest first. */
static void undo_to(struct hns *h, size_t mark)
{
	while (h->n_undo > mark) {
		struct undo *u = &h->undo[--h->n_undo];
		struct hns_obj *o = u->o;
		struct hns_endpoint *ep = (struct hns_endpoint *)o;

		switch (u->op) {
		case U_CREATE:
			obj_index(h, o, false);
			list_unlink(&h->lists[o->kind], o);
			obj_free(o);
			break;
		case U_DELETE:
			list_relink(&h->lists[o->kind], o);
			obj_index(h, o, true);
			o->deleted = false;
			break;
		case U_DOC:
			json_decref(o->doc);
			o->doc = u->doc;
			if (name_map(h, o)) {
				char *cur = o->name;

				set_name(h, o, u->name);
				free(cur);
			}
			break;
		case U_ATT:
			endpoint_bind_port(h, ep, false);
			json_decref(ep->att);
			ep->att = u->doc;
			ep->bound = u->bound;
			endpoint_bind_port(h, ep, true);
			break;
		case U_NS:
			ep->ns = u->ns;
			break;
		}
	}
}

void txn_abort(struct hns *h)
{
	clear_dirty(h);
	undo_to(h, 0);
	unplumb_made(h, 0);
	drop_notifies(h);
}

/* Loading only (nothing is persisted, so the dirty marks can go): undoes
 * what one object's restore did since its marks, and its notices. */
static void load_rollback(struct hns *h, size_t undo_mark, size_t notify_mark)
{
	clear_dirty(h);
	undo_to(h, undo_mark);
	unplumb_made(h, notify_mark);
	while (h->n_notify > notify_mark) {
		struct notify *n = &h->notify[--h->n_notify];

		free(n->port);
		json_decref(n->ep);
	}
}

static json_t *stored_form(const struct hns_obj *o)
{
	json_t *s = json_copy(o->doc);

	json_object_set_new(s, "Seq", json_integer((json_int_t)o->seq));
	if (o->kind == HK_ENDPOINT) {
		const struct hns_endpoint *ep = (const struct hns_endpoint *)o;

		if (ep->att)
			json_object_set(s, "Attachment", ep->att);
	}
	return s;
}

static int persist(struct hns *h, struct herr *e)
{
	struct hns_store *st = h->store;

	if (h->loading || st == NULL || h->dirty == NULL)
		return 0;
	if (store_begin(st) < 0)
		return hfail(e, 500, NULL, "state store: %s", store_error(st));
	for (struct hns_obj *o = h->dirty; o; o = o->dirty_next) {
		int r = 0;

		if (o->deleted && o->created)
			continue;
		if (o->deleted) {
			r = store_delete(st, kind_names[o->kind], o->id);
		} else {
			json_t *s = stored_form(o);
			char *text = json_dumps(s, JSON_COMPACT);

			r = text ? store_put(st, kind_names[o->kind], o->id, text) : -1;
			free(text);
			json_decref(s);
		}
		if (r < 0) {
			hfail(e, 500, NULL, "state store: %s", store_error(st));
			store_rollback(st);
			return -1;
		}
	}
	if (store_commit(st) < 0) {
		hfail(e, 500, NULL, "state store: %s", store_error(st));
		store_rollback(st);
		return -1;
	}
	return 0;
}

int txn_end(struct hns *h, int r, struct herr *e)
{
	if (r < 0) {
		txn_abort(h);
		return -1;
	}
	return txn_commit(h, e);
}

int txn_commit(struct hns *h, struct herr *e)
{
	bool topology = false;

	if (persist(h, e) < 0) {
		txn_abort(h);
		return -1;
	}
	for (struct hns_obj *o = h->dirty; o != NULL && !topology; o = o->dirty_next)
		topology = o->kind == HK_NETWORK || o->kind == HK_ENDPOINT;
	clear_dirty(h);
	/* release what the undo log kept alive: old docs and names first,
	 * then the deleted objects themselves */
	for (size_t i = 0; i < h->n_undo; i++) {
		struct undo *u = &h->undo[i];

		if (u->op == U_DOC || u->op == U_ATT)
			json_decref(u->doc);
		if (u->op == U_DOC)
			free(u->name);
	}
	for (size_t i = 0; i < h->n_undo; i++)
		if (h->undo[i].op == U_DELETE) {
			if (h->undo[i].o->kind == HK_ENDPOINT)
				lb_endpoint_gone(h, h->undo[i].o->id);
			obj_free(h->undo[i].o);
		}
	h->n_undo = 0;
	for (size_t i = 0; i < h->n_notify; i++) {
		struct notify *n = &h->notify[i];

		if (n->what == N_ATTACHED && h->dp.endpoint_attached)
			h->dp.endpoint_attached(h->dp.ctx, n->port, n->ep);
		if (n->what == N_DETACHED && h->dp.endpoint_detached)
			h->dp.endpoint_detached(h->dp.ctx, n->port, n->ep);
		if (n->what == N_NET_CREATED && h->dp.network_created)
			h->dp.network_created(h->dp.ctx, n->ep);
		if (n->what == N_NET_DELETED && h->dp.network_deleted)
			h->dp.network_deleted(h->dp.ctx, n->ep);
		if (n->what == N_REMOTE_CREATED && h->dp.remote_endpoint_created)
			h->dp.remote_endpoint_created(h->dp.ctx, n->ep);
		if (n->what == N_REMOTE_DELETED && h->dp.remote_endpoint_deleted)
			h->dp.remote_endpoint_deleted(h->dp.ctx, n->ep);
		if (n->what == N_UNPLUMB && h->dp.unplumb)
			h->dp.unplumb(h->dp.ctx, n->ep);
	}
	drop_notifies(h);
	if (topology && !h->loading && h->dp.topology_changed)
		h->dp.topology_changed(h->dp.ctx);
	return 0;
}

/* ---- responses and bodies ---- */

int hns_reply(json_t **resp, int status, const char *error, json_t *output)
{
	return envelope_reply(resp, status, error, output);
}

int hns_reply_err(json_t **resp, const struct herr *e)
{
	return hns_reply(resp, e->status, e->msg, NULL);
}

json_t *hns_body(const char *body, size_t len, bool allow_empty, struct herr *e)
{
	json_error_t jerr;
	json_t *v;

	if (body == NULL)
		len = 0;
	while (len > 0 && (body[len - 1] == ' ' || body[len - 1] == '\n' ||
			   body[len - 1] == '\r' || body[len - 1] == '\t'))
		len--;
	if (len == 0) {
		if (allow_empty)
			return json_object();
		hfail(e, 400, "", "request body is empty (expected a JSON object)");
		return NULL;
	}
	v = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (v == NULL) {
		hfail(e, 400, "", "malformed JSON: %s (line %d, column %d)",
		      jerr.text, jerr.line, jerr.column);
		return NULL;
	}
	if (!json_is_object(v)) {
		hfail(e, 400, "", "must be an object, not %s",
		      json_is_array(v) ? "an array" : json_is_string(v) ? "a string" :
		      json_is_integer(v) || json_is_real(v) ? "a number" :
		      json_is_boolean(v) ? "a boolean" : "null");
		json_decref(v);
		return NULL;
	}
	if (e->warnings != NULL && wire_normalize(v, "", e) < 0) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/* ---- routing ---- */

#define MAX_SEGS 4

static int split_path(const char *path, char *buf, size_t len, char **segs)
{
	int n = 0;
	char *p, *save = NULL;

	snprintf(buf, len, "%s", path ? path : "");
	p = strchr(buf, '?');
	if (p)
		*p = '\0';
	for (p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (n == MAX_SEGS)
			return -1;
		segs[n++] = p;
	}
	return n;
}

static int route(struct hns *h, const char *method, const char *path,
		 const char *query, const char *body, size_t body_len,
		 json_t **response)
{
	char buf[1024];
	char *s[MAX_SEGS] = { NULL };
	int n = split_path(path, buf, sizeof(buf), s);
	struct herr e;

	herr_init(&e);
	if (method == NULL)
		method = "GET";
	if (n < 1)
		goto not_found;
	if (strcmp(s[0], "globals") == 0 && n == 2 && strcmp(s[1], "version") == 0)
		return hns_globals_version(method, response);
	if (strcmp(s[0], "v2") == 0) {
		if (n < 2 || n > 3)
			goto not_found;
		if (strcmp(s[1], "networks") != 0 && strcmp(s[1], "endpoints") != 0 &&
		    strcmp(s[1], "namespaces") != 0 && strcmp(s[1], "loadbalancers") != 0)
			goto not_found;
		if (n == 2 && strcmp(method, "GET") == 0 && strchr(path, '?'))
			return hns_v2_list_query(h, s[1], strchr(path, '?') + 1,
						 false, response);
		if (n == 2 && strcmp(method, "GET") == 0 && query && *query)
			return hns_v2_list_query(h, s[1], query, true, response);
		if (strcmp(s[1], "loadbalancers") == 0)
			return hns_v2_loadbalancers(h, method, s[2], body, body_len,
						    response);
		return hns_v2_handle(h, method, s[1], s[2], body, body_len, response);
	}
	if (strcmp(s[0], "networks") == 0 && n <= 2)
		return hns_v1_networks(h, method, s[1], body, body_len, response);
	if (strcmp(s[0], "endpoints") == 0 && n <= 3)
		return hns_v1_endpoints(h, method, s[1], s[2], body, body_len,
					response);
	if (strcmp(s[0], "endpointstats") == 0 && n == 2)
		return hns_v1_endpointstats(h, method, s[1], response);
	if (strcmp(s[0], "policylists") == 0 && n <= 2)
		return hns_v1_policylists(h, method, s[1], body, body_len, response);
	if (strcmp(s[0], "namespaces") == 0 && n <= 3)
		return hns_v1_namespaces(h, method, s[1], s[2], body, body_len,
					 response);
not_found:
	hfail(&e, 404, NULL, "no such path: %s", path ? path : "");
	return hns_reply_err(response, &e);
}

/* Every REST request is lenient (hns_wire.c): what it accepted without
 * enforcing comes back in "Warnings"; a v2 failure carries the HRESULT
 * hcsshim classifies errors by. */
int hns_handle(struct hns *h, const char *method, const char *path,
	       const char *body, size_t body_len, json_t **response)
{
	return hns_handle_query(h, method, path, NULL, body, body_len, response);
}

int hns_handle_query(struct hns *h, const char *method, const char *path,
		     const char *query, const char *body, size_t body_len,
		     json_t **response)
{
	int status;

	h->warnings = json_array();
	h->kept = json_object();
	status = route(h, method, path, query, body, body_len, response);
	if (status == 200 && json_array_size(h->warnings) > 0)
		json_object_set(*response, "Warnings", h->warnings);
	json_decref(h->warnings);
	h->warnings = NULL;
	json_decref(h->kept);
	h->kept = NULL;
	if (status != 200 && path && strncmp(path, "/v2/", 4) == 0)
		hns_set_error_code(*response, status);
	return status;
}

int hns_handle_text(struct hns *h, const char *method, const char *path,
		    const char *query, char **text, size_t *len)
{
	char buf[1024];
	char *s[MAX_SEGS] = { NULL };
	const char *q;
	struct jtext t;
	bool v2;
	int n;

	if (path == NULL || (method != NULL && strcmp(method, "GET") != 0))
		return 0;
	/* the same routes as route() takes to these lists */
	n = split_path(path, buf, sizeof(buf), s);
	if (n == 2 && strcmp(s[0], "v2") == 0 && strcmp(s[1], "loadbalancers") == 0) {
		q = strchr(path, '?');
		if (q != NULL ? !hns_filter_all(q + 1, false)
			      : query != NULL && *query && !hns_filter_all(query, true))
			return 0;
		v2 = true;
	} else if (n == 1 && strcmp(s[0], "policylists") == 0) {
		v2 = false;
	} else {
		return 0;
	}
	/* envelope_reply's object: Success, Error, Output */
	jtext_init(&t, (size_t)h->lists[HK_POLICYLIST].n * (v2 ? 1100 : 420) + 64);
	jtext_lit(&t, "{\"Success\":true,\"Error\":\"\",\"Output\":");
	if (v2)
		lb_list_text_v2(h, &t);
	else
		policylists_text(h, &t);
	jtext_lit(&t, "}");
	*text = jtext_take(&t, len);
	return *text != NULL ? 200 : 0;
}

/* ---- life cycle ---- */

struct loaded {
	char id[HNS_GUID_LEN + 1];
	uint64_t seq;
	size_t order;
	json_t *doc;
};

struct load_ctx {
	struct loaded *v;
	size_t n, cap;
	const char *kind;
	char *err;
	size_t errlen;
};

static int load_one(void *arg, const char *id, const char *json_text)
{
	struct load_ctx *c = arg;
	json_error_t jerr;
	json_t *doc = json_loads(json_text, JSON_REJECT_DUPLICATES, &jerr);
	json_t *seq;

	if (!json_is_object(doc)) {
		/* a stored value never stops a start: skipped, kept stored */
		fprintf(stderr, "vswitchd: warning: state store: %s %s not restored "
			"(kept in the store): bad JSON: %s\n", c->kind, id,
			doc ? "not an object" : jerr.text);
		json_decref(doc);
		return 0;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->v = hns_xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	seq = json_object_get(doc, "Seq");
	c->v[c->n].seq = json_is_integer(seq) ? (uint64_t)json_integer_value(seq) : 0;
	json_object_del(doc, "Seq");
	snprintf(c->v[c->n].id, sizeof(c->v[c->n].id), "%s", id);
	c->v[c->n].order = c->n;
	c->v[c->n].doc = doc;
	c->n++;
	return 0;
}

static int by_seq(const void *a, const void *b)
{
	const struct loaded *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int load_kind(struct hns *h, enum hns_kind k, char *err, size_t errlen)
{
	struct load_ctx c = { .kind = kind_names[k], .err = err, .errlen = errlen };
	int r = store_load(h->store, kind_names[k], load_one, &c);

	if (r != 0 && err[0] == '\0')
		snprintf(err, errlen, "state store: loading %ss: %s", kind_names[k],
			 store_error(h->store));
	if (r == 0 && c.n > 1)
		qsort(c.v, c.n, sizeof(*c.v), by_seq);
	for (size_t i = 0; r == 0 && i < c.n; i++) {
		struct herr e;
		struct hns_obj *o = NULL;
		json_t *doc = c.v[i].doc;
		json_t *att = NULL;
		/* what the object kept of its client's nested unknown keys
		 * (hns_kept_store) goes back into the loaded doc as it was */
		json_t *kept = json_incref(json_object_get(doc, HNS_KEPT_KEY));
		size_t undo_mark = h->n_undo, notify_mark = h->n_notify;

		json_object_del(doc, HNS_KEPT_KEY);
		herr_init_req(&e, h);
		h->seq_hint = c.v[i].seq;
		switch (k) {
		case HK_NETWORK:
			r = network_create_v1(h, doc, "", (struct hns_network **)&o, &e);
			break;
		case HK_ENDPOINT:
			att = json_incref(json_object_get(doc, "Attachment"));
			json_object_del(doc, "Attachment");
			r = endpoint_create_v1(h, doc, "", (struct hns_endpoint **)&o, &e);
			if (r == 0 && att)
				r = endpoint_restore_attachment(h,
					(struct hns_endpoint *)o, att);
			else
				json_decref(att);
			break;
		case HK_NAMESPACE:
			r = namespace_create(h, doc, "", true, true,
					     (struct hns_namespace **)&o, &e);
			break;
		case HK_POLICYLIST:
			r = policylist_create(h, doc, "", true,
					      (struct hns_policylist **)&o, &e);
			break;
		default:
			break;
		}
		h->seq_hint = 0;
		if (r == 0 && kept != NULL && o != NULL)
			json_object_set(o->doc, HNS_KEPT_KEY, kept);
		json_decref(kept);
		if (r != 0) {
			/* A stored value never stops a start (a later version
			 * may read it): this object is left out, the rest load,
			 * the row stays in the store. */
			load_rollback(h, undo_mark, notify_mark);
			fprintf(stderr, "vswitchd: warning: state store: %s %s not "
				"restored (kept in the store): %s\n", kind_names[k],
				c.v[i].id, e.msg[0] ? e.msg : "restore failed");
			r = 0;
		}
	}
	for (size_t i = 0; i < c.n; i++)
		json_decref(c.v[i].doc);
	free(c.v);
	return r == 0 ? 0 : -1;
}

struct hns *hns_create(struct hns_store *store, const struct hns_dataplane *dp,
		       char *err, size_t errlen)
{
	struct hns *h = hns_xcalloc(1, sizeof(*h));
	struct herr e;

	if (err && errlen)
		err[0] = '\0';
	h->store = store;
	if (dp)
		h->dp = *dp;
	for (int k = 0; k < HK_N; k++)
		hmap_init(&h->ids[k]);
	hmap_init(&h->net_names);
	hmap_init(&h->ep_names);
	hmap_init(&h->ports);
	hmap_init(&h->lb_frontends);
	macset_init(&h->macs);
	h->warned = json_object();
	h->default_mac = (struct mac_range){ HNS_DEFAULT_MAC_START,
					     HNS_DEFAULT_MAC_END,
					     HNS_DEFAULT_MAC_START };
	if (store == NULL)
		return h;
	/* everything in one load transaction: attachments are re-applied
	 * through the dataplane once all objects are back; stored objects
	 * keep the unknown keys they were accepted with (no one to warn) */
	h->loading = true;
	h->warnings = json_array();
	txn_begin(h);
	for (int k = 0; k < HK_N; k++) {
		char local[512];

		if (load_kind(h, (enum hns_kind)k, err ? err : local,
			      err ? errlen : sizeof(local)) < 0) {
			txn_abort(h);
			h->loading = false;
			hns_destroy(h);
			return NULL;
		}
	}
	herr_init(&e);
	txn_commit(h, &e); /* loading: nothing is written back */
	h->loading = false;
	lb_restore(h); /* load balancers last: their backends are back */
	json_decref(h->warnings);
	h->warnings = NULL;
	return h;
}

void hns_destroy(struct hns *h)
{
	if (h == NULL)
		return;
	/* endpoints before the networks their pools live in */
	static const enum hns_kind order[] = { HK_POLICYLIST, HK_NAMESPACE,
					       HK_ENDPOINT, HK_NETWORK };

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		struct hns_obj *o = h->lists[order[i]].head, *next;

		for (; o; o = next) {
			next = o->next;
			obj_free(o);
		}
	}
	for (int k = 0; k < HK_N; k++)
		hmap_free(&h->ids[k]);
	hmap_free(&h->net_names);
	hmap_free(&h->ep_names);
	hmap_free(&h->ports);
	lb_index_free(h);
	macset_free(&h->macs);
	json_decref(h->warned);
	json_decref(h->warnings);
	drop_notifies(h);
	free(h->notify);
	free(h->undo);
	free(h);
}

/* An element of the startup config that the state store already brought
 * back (same name, and same ID if the element gives one) is not created a
 * second time on restart. Objects made earlier in the same config do not
 * count: a duplicate within the config is a conflict. */
static bool already_there(struct hmap *names, const json_t *item)
{
	const char *name = json_string_value(json_object_get(item, "Name"));
	const char *id = json_string_value(json_object_get(item, "ID"));
	struct hns_obj *old = name ? hmap_get(names, name) : NULL;
	char g[HNS_GUID_LEN + 1];

	if (old == NULL || old->created)
		return false;
	return id == NULL || (hns_guid_parse(id, g) && strcmp(g, old->id) == 0);
}

int hns_apply_config(struct hns *h, const json_t *networks,
		     const json_t *endpoints, char *err, size_t errlen)
{
	struct herr e;
	const json_t *item;
	size_t i;
	char p[HNS_PATH_LEN];

	herr_init(&e);
	if (networks && !json_is_array(networks)) {
		snprintf(err, errlen, "Networks: must be an array");
		return -1;
	}
	if (endpoints && !json_is_array(endpoints)) {
		snprintf(err, errlen, "Endpoints: must be an array");
		return -1;
	}
	txn_begin(h);
	json_array_foreach(networks, i, item) {
		struct hns_network *n = NULL;

		pindex(p, "Networks", i);
		if (already_there(&h->net_names, item))
			continue;
		if (network_create_v1(h, item, p, &n, &e) < 0)
			goto fail;
	}
	json_array_foreach(endpoints, i, item) {
		struct hns_endpoint *ep = NULL;

		pindex(p, "Endpoints", i);
		if (already_there(&h->ep_names, item))
			continue;
		if (endpoint_create_v1(h, item, p, &ep, &e) < 0)
			goto fail;
	}
	if (txn_commit(h, &e) < 0)
		goto failed;
	return 0;
fail:
	txn_abort(h);
failed:
	snprintf(err, errlen, "%s", e.msg);
	return -1;
}

int hns_reply_not_allowed(const char *method, const char *what, json_t **resp)
{
	struct herr e;

	hfail(&e, 405, NULL, "method %s is not allowed on %s", method, what);
	return hns_reply_err(resp, &e);
}

json_t *hns_network_list(struct hns *h)
{
	json_t *out = json_array();

	for (struct hns_obj *o = h->lists[HK_NETWORK].head; o; o = o->next)
		json_array_append(out, o->doc); /* a network's doc is its v1 form */
	return out;
}

json_t *hns_network_get(struct hns *h, const char *id)
{
	struct hns_obj *o = id != NULL ? hns_lookup(h, HK_NETWORK, id) : NULL;

	return o != NULL ? json_incref(o->doc) : NULL;
}

json_t *hns_endpoint_list(struct hns *h)
{
	json_t *out = json_array();

	for (struct hns_obj *o = h->lists[HK_ENDPOINT].head; o; o = o->next)
		json_array_append_new(out, endpoint_render_v1((struct hns_endpoint *)o));
	return out;
}

json_t *hns_endpoint_get(struct hns *h, const char *id)
{
	struct hns_obj *o = id != NULL ? hns_lookup(h, HK_ENDPOINT, id) : NULL;

	return o != NULL ? endpoint_render_v1((struct hns_endpoint *)o) : NULL;
}

json_t *hns_endpoint_network(struct hns *h, const json_t *endpoint_v1)
{
	return hns_network_get(h, json_string_value(json_object_get(endpoint_v1,
								    "VirtualNetwork")));
}

int hns_endpoint_attach(struct hns *h, const char *id, const char *port,
			bool host, char *err, size_t errlen)
{
	struct hns_endpoint *ep = (struct hns_endpoint *)hns_lookup(h, HK_ENDPOINT, id);
	json_t *in = host ? json_pack("{s:s, s:s}", "VirtualNicName", port, "SystemType", "Host")
			  : json_pack("{s:s}", "VirtualNicName", port);
	struct herr e;
	int r;

	herr_init(&e);
	if (ep == NULL || in == NULL) {
		snprintf(err, errlen, ep == NULL ? "no endpoint with ID '%s'" :
			 "out of memory", id);
		json_decref(in);
		return -1;
	}
	txn_begin(h);
	r = endpoint_attach(h, ep, in, &e);
	json_decref(in);
	if (txn_end(h, r, &e) < 0) {
		snprintf(err, errlen, "%s", e.msg);
		return -1;
	}
	return 0;
}
