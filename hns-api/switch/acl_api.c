/* Port ACL and extended ACL control (acl_api.h). Both layers go through
 * one set of functions: struct layer says how to handle a layer's rules
 * (size, id, JSON, install, counters), so GET/POST/DELETE are written
 * once. A change is always: copy the rules in force, edit the copy,
 * install the copy; the VFP keeps the old set if the install fails. */
#include "acl_api.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acl_json.h"
#include "envelope.h"
#include "port_hotplug.h"
#include "store.h"
#include "store_rows.h"
#include "vfp.h"

#define ENDPOINT_ID_MAX 64
#define ERR_MAX 1024
/* The store kind of a port's next rule ids per layer (ACL_API_KIND_NEXT_IDS). */
#define KIND_NEXT_IDS ACL_API_KIND_NEXT_IDS

enum { LAYER_ACL, LAYER_EXT, LAYER_COUNT };

struct acl_port_state {
	/* The next id the API hands out per layer; 0: not known yet (taken
	 * from the rules in force on first use). */
	uint32_t next_id[LAYER_COUNT];
	/* The endpoint whose ACL policies are installed, "" if none. */
	char endpoint[ENDPOINT_ID_MAX];
	/* Rules with ids 1..cfg_max came with the port's config (startup
	 * config or POST /ports body) and are not stored as API rules. */
	uint32_t cfg_max[LAYER_COUNT];
};

struct acl_api {
	struct vswitch *sw;
	struct hns_store *store; /* NULL: API rules live in memory only */
	struct acl_port_state ports[VS_MAX_PORTS];
};

/* ---- the two layers ---------------------------------------------------- */

struct layer {
	int index;
	const char *path; /* "acls" */
	const char *kind; /* of the store rows: "portacls" */
	const char *what; /* for messages */
	size_t size;      /* of one rule */
	uint32_t (*id)(const void *r);
	void (*set_id)(void *r, uint32_t id);
	int (*from_json)(const json_t *obj, const char *path, void *r,
			 char *err, size_t errlen);
	json_t *(*to_json)(const void *r);
	int (*install)(struct vfp *v, uint16_t port, const void *rules,
		       unsigned n, char *err, size_t errlen);
	int (*hits)(const struct vfp *v, uint16_t port, uint32_t id,
		    uint64_t *packets, uint64_t *bytes);
	void (*current)(const struct vfp *v, uint16_t port, const void **rules,
			unsigned *n);
};

static uint32_t acl_id(const void *r) { return ((const struct port_acl_rule *)r)->id; }
static void acl_set_id(void *r, uint32_t id) { ((struct port_acl_rule *)r)->id = id; }
static int acl_from_json(const json_t *obj, const char *path, void *r, char *err,
			 size_t errlen)
{
	return port_acl_rule_from_json(obj, path, r, err, errlen);
}
static json_t *acl_to_json(const void *r) { return port_acl_rule_to_json(r); }
static int acl_install(struct vfp *v, uint16_t port, const void *rules,
		       unsigned n, char *err, size_t errlen)
{
	return vfp_set_port_acls(v, port, rules, n, err, errlen);
}
static void acl_current(const struct vfp *v, uint16_t port, const void **rules,
			unsigned *n)
{
	*rules = vfp_rules(v, port)->acl;
	*n = vfp_rules(v, port)->nb_acl;
}

static uint32_t ext_id(const void *r) { return ((const struct ext_acl_rule *)r)->id; }
static void ext_set_id(void *r, uint32_t id) { ((struct ext_acl_rule *)r)->id = id; }
static int ext_from_json(const json_t *obj, const char *path, void *r, char *err,
			 size_t errlen)
{
	return ext_acl_rule_from_json(obj, path, r, err, errlen);
}
static json_t *ext_to_json(const void *r) { return ext_acl_rule_to_json(r); }
static int ext_install(struct vfp *v, uint16_t port, const void *rules,
		       unsigned n, char *err, size_t errlen)
{
	return vfp_set_ext_acls(v, port, rules, n, err, errlen);
}
static void ext_current(const struct vfp *v, uint16_t port, const void **rules,
			unsigned *n)
{
	*rules = vfp_rules(v, port)->ext;
	*n = vfp_rules(v, port)->nb_ext;
}

static const struct layer layers[LAYER_COUNT] = {
	[LAYER_ACL] = {LAYER_ACL, "acls", "portacls", "ACL rule", sizeof(struct port_acl_rule),
		       acl_id, acl_set_id, acl_from_json, acl_to_json, acl_install,
		       vfp_port_acl_hits, acl_current},
	[LAYER_EXT] = {LAYER_EXT, "extendedacls", "portextacls", "extended ACL rule",
		       sizeof(struct ext_acl_rule), ext_id, ext_set_id,
		       ext_from_json, ext_to_json, ext_install, vfp_ext_acl_hits,
		       ext_current},
};

static void *rule_at(const struct layer *L, const void *rules, unsigned i)
{
	return (char *)rules + (size_t)i * L->size;
}

static bool is_policy(const struct layer *L, const void *r)
{
	return L->index == LAYER_EXT && L->id(r) >= ACL_POLICY_ID_BASE;
}

/* The rules in force, split: the port's own (config, API) first, then
 * those from endpoint policies. Copies into a new array of room rules
 * (at least the current count): own rules at [0, *n_own), policy rules
 * after them. NULL when out of memory. */
static void *copy_rules(const struct vfp *v, uint16_t port, const struct layer *L,
			unsigned room, unsigned *n_own, unsigned *n_policy)
{
	const void *cur;
	unsigned n, own = 0, pol = 0;
	char *out;

	L->current(v, port, &cur, &n);
	if (room < n)
		room = n;
	out = calloc(room ? room : 1, L->size);
	if (out == NULL)
		return NULL;
	for (unsigned i = 0; i < n; i++)
		if (!is_policy(L, rule_at(L, cur, i)))
			memcpy(rule_at(L, out, own++), rule_at(L, cur, i), L->size);
	for (unsigned i = 0; i < n; i++)
		if (is_policy(L, rule_at(L, cur, i)))
			memcpy(rule_at(L, out, own + pol++), rule_at(L, cur, i), L->size);
	*n_own = own;
	*n_policy = pol;
	return out;
}

/* ---- the startup config -------------------------------------------------- */

int config_apply_port_acls(struct vswitch *sw, uint16_t port,
			   const struct port_config *pc, char *err,
			   size_t errlen)
{
	const struct layer *E = &layers[LAYER_EXT], *A = &layers[LAYER_ACL];
	struct port_acl_rule *old_acl;
	struct ext_acl_rule *ext;
	unsigned own, pol, old_n, none;
	int rc = -1;

	if (sw->vfp == NULL || port >= VS_MAX_PORTS) {
		snprintf(err, errlen, "no VFP state for port %u", port);
		return -1;
	}
	/* ext = the config's rules, then those of an attached endpoint. */
	ext = copy_rules(sw->vfp, port, E, 0, &own, &pol);
	old_acl = copy_rules(sw->vfp, port, A, 0, &old_n, &none);
	if (ext == NULL || old_acl == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (pc->nb_ext_acls + pol > VFP_MAX_RULES) {
		snprintf(err, errlen, "ExtendedAcls: at most %d rules with the "
			 "endpoint's ACL policies", VFP_MAX_RULES);
		goto out;
	}
	{
		struct ext_acl_rule *all = calloc(pc->nb_ext_acls + pol + 1, sizeof(*all));

		if (all == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (pc->nb_ext_acls)
			memcpy(all, pc->ext_acls, pc->nb_ext_acls * sizeof(*all));
		if (pol)
			memcpy(all + pc->nb_ext_acls, ext, pol * sizeof(*all));
		free(ext);
		ext = all;
	}
	if ((pc->nb_acls > 0 || old_n > 0) &&
	    vfp_set_port_acls(sw->vfp, port, pc->acls, pc->nb_acls, err, errlen) < 0)
		goto out;
	if ((pc->nb_ext_acls > 0 || own > 0) &&
	    vfp_set_ext_acls(sw->vfp, port, ext, pc->nb_ext_acls + pol, err,
			     errlen) < 0) {
		char ignore[256];

		/* all or nothing: put the port ACLs back */
		vfp_set_port_acls(sw->vfp, port, old_acl, old_n, ignore, sizeof(ignore));
		goto out;
	}
	rc = 0;
out:
	free(ext);
	free(old_acl);
	return rc;
}

/* ---- replies --------------------------------------------------------------- */

static int reply_ok(json_t **resp, json_t *output)
{
	*resp = envelope_ok(output);
	return 200;
}

/* A rule as the API shows it: "Id" first, the rule's JSON, the endpoint a
 * policy rule comes from, and the hit counters if asked. */
static json_t *rule_json(const struct acl_api *a, uint16_t port,
			 const struct layer *L, const void *r, bool counters)
{
	json_t *o = json_object(), *body = L->to_json(r);
	char id[16];

	snprintf(id, sizeof(id), "%" PRIu32, L->id(r));
	json_object_set_new(o, "Id", json_string(id));
	if (body != NULL)
		json_object_update(o, body);
	json_decref(body);
	if (is_policy(L, r) && a->ports[port].endpoint[0] != '\0')
		json_object_set_new(o, "Endpoint", json_string(a->ports[port].endpoint));
	if (counters) {
		uint64_t packets = 0, bytes = 0;

		if (L->hits(a->sw->vfp, port, L->id(r), &packets, &bytes) < 0)
			packets = bytes = 0;
		json_object_set_new(o, "Packets", json_integer((json_int_t)packets));
		json_object_set_new(o, "Bytes", json_integer((json_int_t)bytes));
	}
	return o;
}

static json_t *rules_json(const struct acl_api *a, uint16_t port,
			  const struct layer *L, bool counters)
{
	json_t *arr = json_array();
	const void *cur;
	unsigned n;

	L->current(a->sw->vfp, port, &cur, &n);
	for (unsigned i = 0; i < n; i++)
		json_array_append_new(arr, rule_json(a, port, L, rule_at(L, cur, i),
						     counters));
	return arr;
}

json_t *acl_api_rules_json(const struct acl_api *a, uint16_t port, bool ext)
{
	if (a == NULL || a->sw->vfp == NULL || port >= VS_MAX_PORTS)
		return json_array();
	return rules_json(a, port, &layers[ext ? LAYER_EXT : LAYER_ACL], false);
}

/* ---- ids --------------------------------------------------------------------- */

/* The first id of the next rules the API adds to a layer (not consumed). */
static uint32_t peek_next_id(struct acl_api *a, uint16_t port, const struct layer *L)
{
	struct acl_port_state *st = &a->ports[port];

	if (st->next_id[L->index] == 0) {
		const void *cur;
		uint32_t max = 0;
		unsigned n;

		L->current(a->sw->vfp, port, &cur, &n);
		for (unsigned i = 0; i < n; i++) {
			uint32_t id = L->id(rule_at(L, cur, i));

			if (!is_policy(L, rule_at(L, cur, i)) && id > max)
				max = id;
		}
		st->next_id[L->index] = max + 1;
	}
	return st->next_id[L->index];
}

/* ---- the state store ---------------------------------------------------------- */

/* Is r one of the port's API-made rules (not config, not policy)? */
static bool is_api_rule(const struct acl_api *a, uint16_t port,
			const struct layer *L, const void *r)
{
	return !is_policy(L, r) && L->id(r) > a->ports[port].cfg_max[L->index];
}

/* The port's API-made rules of a layer as stored: [{"Id": "7", ...}]. */
static json_t *api_rules_json(const struct acl_api *a, uint16_t port,
			      const struct layer *L)
{
	json_t *arr = json_array();
	const void *cur;
	unsigned n;

	if (arr == NULL)
		return NULL;
	L->current(a->sw->vfp, port, &cur, &n);
	for (unsigned i = 0; i < n; i++)
		if (is_api_rule(a, port, L, rule_at(L, cur, i)) &&
		    json_array_append_new(arr, rule_json(a, port, L, rule_at(L, cur, i),
							 false)) < 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

static uint32_t peek_next_id(struct acl_api *a, uint16_t port, const struct layer *L);

/* Stores the API rules now in force on a layer of the port (no row when
 * there are none) and, when next is not 0, the layer's next id (kind
 * KIND_NEXT_IDS, {"acls": n, "extendedacls": m}), so an id handed out is
 * not handed out again after a restart even if its rule was deleted: one
 * transaction. 0, or -1 with err and nothing stored. Without a store: 0. */
static int persist_rules(struct acl_api *a, uint16_t port, const struct layer *L,
			 const char *port_name, uint32_t next, char *err,
			 size_t errlen)
{
	json_t *arr, *ids = NULL;
	char *text = NULL, *ids_text = NULL;
	int rc;

	if (a->store == NULL)
		return 0;
	arr = api_rules_json(a, port, L);
	if (arr != NULL && json_array_size(arr) > 0)
		text = json_dumps(arr, JSON_COMPACT);
	if (next != 0) {
		ids = json_object();
		for (int l = 0; ids != NULL && l < LAYER_COUNT; l++)
			json_object_set_new(ids, layers[l].path, json_integer(
				l == L->index ? next : peek_next_id(a, port, &layers[l])));
		ids_text = ids != NULL ? json_dumps(ids, JSON_COMPACT) : NULL;
	}
	if (arr == NULL || (json_array_size(arr) > 0 && text == NULL) ||
	    (next != 0 && ids_text == NULL)) {
		json_decref(arr);
		json_decref(ids);
		free(text);
		free(ids_text);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = store_begin(a->store);
	if (rc == 0)
		rc = text != NULL ? store_put(a->store, L->kind, port_name, text)
				  : store_delete(a->store, L->kind, port_name);
	if (rc == 0 && ids_text != NULL)
		rc = store_put(a->store, KIND_NEXT_IDS, port_name, ids_text);
	if (rc == 0)
		rc = store_commit(a->store);
	if (rc != 0) {
		snprintf(err, errlen, "state store: %s", store_error(a->store));
		store_rollback(a->store);
	}
	free(text);
	free(ids_text);
	json_decref(arr);
	json_decref(ids);
	return rc != 0 ? -1 : 0;
}

/* Puts the old rules back after the store refused a change. */
static void undo_install(struct acl_api *a, uint16_t port, const struct layer *L,
			 const void *old, unsigned n)
{
	char err[ERR_MAX];

	if (L->install(a->sw->vfp, port, old, n, err, sizeof(err)) < 0)
		fprintf(stderr, "vswitchd: port '%s': cannot restore the %ss after a "
			"store error: %s\n", a->sw->ports[port].name, L->what, err);
}

/* A copy of the rules in force (NULL when out of memory). */
static void *dup_current(const struct acl_api *a, uint16_t port,
			 const struct layer *L, unsigned *n)
{
	const void *cur;
	void *out;

	L->current(a->sw->vfp, port, &cur, n);
	out = calloc(*n ? *n : 1, L->size);
	if (out != NULL && *n)
		memcpy(out, cur, (size_t)*n * L->size);
	return out;
}

/* ---- GET / POST / DELETE --------------------------------------------------- */

static int get_rule(struct acl_api *a, uint16_t port, const struct layer *L,
		    uint32_t id, const char *port_name, json_t **resp)
{
	const void *cur;
	unsigned n;

	L->current(a->sw->vfp, port, &cur, &n);
	for (unsigned i = 0; i < n; i++)
		if (L->id(rule_at(L, cur, i)) == id)
			return reply_ok(resp, rule_json(a, port, L, rule_at(L, cur, i), true));
	return envelope_fail(resp, 404, "port '%s' has no %s %" PRIu32, port_name,
			  L->what, id);
}

/* POST: the body is one rule object or an array of them; all are
 * validated before anything changes. Output: the new rules. */
static int post_rules(struct acl_api *a, uint16_t port, const struct layer *L,
		      const char *body, size_t len, json_t **resp)
{
	json_error_t jerr;
	json_t *doc, *out = NULL;
	const json_t *item;
	unsigned own = 0, pol = 0, n_new, n_cur;
	const void *cur;
	uint32_t first;
	char err[ERR_MAX];
	char *rules = NULL;
	int status;

	doc = json_loadb(body != NULL ? body : "", body != NULL ? len : 0,
			 JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL)
		return envelope_fail(resp, 400, "line %d column %d: %s", jerr.line,
				  jerr.column, jerr.text);
	if (!json_is_object(doc) && !json_is_array(doc)) {
		status = envelope_fail(resp, 400, "(root): must be a rule object or an "
				    "array of rule objects");
		goto out;
	}
	n_new = json_is_object(doc) ? 1 : (unsigned)json_array_size(doc);
	L->current(a->sw->vfp, port, &cur, &n_cur);
	if ((size_t)n_cur + n_new > VFP_MAX_RULES) {
		status = envelope_fail(resp, 400, "a port holds at most %d %ss "
				    "(it has %u)", VFP_MAX_RULES, L->what, n_cur);
		goto out;
	}
	rules = copy_rules(a->sw->vfp, port, L, n_cur + n_new, &own, &pol);
	if (rules == NULL) {
		status = envelope_fail(resp, 507, "out of memory");
		goto out;
	}
	/* new rules go between the port's own and the policy rules */
	memmove(rule_at(L, rules, own + n_new), rule_at(L, rules, own),
		(size_t)pol * L->size);
	first = peek_next_id(a, port, L);
	if ((uint64_t)first + n_new > ACL_POLICY_ID_BASE) {
		status = envelope_fail(resp, 409, "no %s ids left on this port", L->what);
		goto out;
	}
	for (unsigned i = 0; i < n_new; i++) {
		char path[32] = "";
		void *r = rule_at(L, rules, own + i);

		item = json_is_object(doc) ? doc : json_array_get(doc, i);
		if (json_is_array(doc))
			snprintf(path, sizeof(path), "[%u]", i);
		if (!json_is_object(item)) {
			status = envelope_fail(resp, 400, "%s: must be a rule object", path);
			goto out;
		}
		if (L->from_json(item, path, r, err, sizeof(err)) < 0) {
			status = envelope_fail(resp, 400, "%s", err);
			goto out;
		}
		L->set_id(r, first + i);
	}
	if (n_new > 0) {
		unsigned n_old;
		void *old = dup_current(a, port, L, &n_old);

		if (old == NULL) {
			status = envelope_fail(resp, 507, "out of memory");
			goto out;
		}
		if (L->install(a->sw->vfp, port, rules, own + n_new + pol, err,
			       sizeof(err)) < 0) {
			free(old);
			status = envelope_fail(resp, 507, "cannot install the rules: %s", err);
			goto out;
		}
		if (persist_rules(a, port, L, a->sw->ports[port].name,
				  first + n_new, err, sizeof(err)) < 0) {
			undo_install(a, port, L, old, n_old);
			free(old);
			status = envelope_fail(resp, 500, "%s", err);
			goto out;
		}
		free(old);
	}
	a->ports[port].next_id[L->index] = first + n_new;
	out = json_array();
	for (unsigned i = 0; i < n_new; i++)
		json_array_append_new(out, rule_json(a, port, L,
						     rule_at(L, rules, own + i), true));
	status = reply_ok(resp, out);
out:
	free(rules);
	json_decref(doc);
	return status;
}

/* DELETE of one rule (id) or, with all, of every rule of the port's own;
 * policy rules stay. Output: what was deleted, with its final counters. */
static int delete_rules(struct acl_api *a, uint16_t port, const struct layer *L,
			bool all, uint32_t id, const char *port_name, json_t **resp)
{
	const void *cur;
	unsigned n, kept = 0;
	char err[ERR_MAX];
	json_t *gone = json_array();
	char *rules;

	L->current(a->sw->vfp, port, &cur, &n);
	rules = calloc(n ? n : 1, L->size);
	if (rules == NULL) {
		json_decref(gone);
		return envelope_fail(resp, 507, "out of memory");
	}
	for (unsigned i = 0; i < n; i++) {
		const void *r = rule_at(L, cur, i);
		bool hit = all ? !is_policy(L, r) : L->id(r) == id;

		if (hit && !all && is_policy(L, r)) {
			free(rules);
			json_decref(gone);
			return envelope_fail(resp, 409, "%s %" PRIu32 " comes from the ACL "
					  "policies of endpoint %s: update or detach "
					  "the endpoint instead", L->what, id,
					  a->ports[port].endpoint[0] ?
					  a->ports[port].endpoint : "(unknown)");
		}
		if (hit)
			json_array_append_new(gone, rule_json(a, port, L, r, true));
		else
			memcpy(rule_at(L, rules, kept++), r, L->size);
	}
	if (!all && json_array_size(gone) == 0) {
		free(rules);
		json_decref(gone);
		return envelope_fail(resp, 404, "port '%s' has no %s %" PRIu32, port_name,
				  L->what, id);
	}
	if (kept != n) {
		unsigned n_old;
		void *old = dup_current(a, port, L, &n_old);

		if (old == NULL) {
			free(rules);
			json_decref(gone);
			return envelope_fail(resp, 507, "out of memory");
		}
		if (L->install(a->sw->vfp, port, rules, kept, err, sizeof(err)) < 0) {
			free(old);
			free(rules);
			json_decref(gone);
			return envelope_fail(resp, 507, "cannot install the rules: %s", err);
		}
		if (persist_rules(a, port, L, port_name, 0, err, sizeof(err)) < 0) {
			undo_install(a, port, L, old, n_old);
			free(old);
			free(rules);
			json_decref(gone);
			return envelope_fail(resp, 500, "%s", err);
		}
		free(old);
	}
	free(rules);
	if (!all) {
		json_t *one = json_incref(json_array_get(gone, 0));

		json_decref(gone);
		return reply_ok(resp, one);
	}
	return reply_ok(resp, gone);
}

/* "17" -> 17; 0 for anything else (ids start at 1). */
static uint32_t parse_id(const char *s)
{
	unsigned long long v = 0;

	if (*s == '\0' || strlen(s) > 10)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (unsigned)(*s - '0');
	}
	return v <= UINT32_MAX ? (uint32_t)v : 0;
}

static const struct layer *layer_of(const char *sub, const char **rest)
{
	for (int i = 0; i < LAYER_COUNT; i++) {
		size_t n = strlen(layers[i].path);

		if (strncmp(sub, layers[i].path, n) == 0 &&
		    (sub[n] == '\0' || sub[n] == '/')) {
			*rest = sub[n] == '/' ? sub + n + 1 : sub + n;
			return &layers[i];
		}
	}
	return NULL;
}

bool acl_api_path(const char *sub)
{
	const char *rest;

	return layer_of(sub, &rest) != NULL;
}

static bool is_get(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

int acl_api_handle(struct acl_api *a, uint16_t port, const char *port_name,
		   const char *method, const char *sub, const char *body,
		   size_t body_len, json_t **resp)
{
	const char *rest = "";
	const struct layer *L = layer_of(sub, &rest);
	char idtext[24];
	uint32_t id;
	size_t n;

	if (L == NULL || port >= VS_MAX_PORTS)
		return envelope_fail(resp, 404, "no such path: /ports/%s/%s", port_name, sub);
	if (a->sw->vfp == NULL)
		return envelope_fail(resp, 503, "the switch has no VFP state");
	n = strlen(rest);
	if (n > 0 && rest[n - 1] == '/')
		n--; /* "acls/7/" is "acls/7" */
	if (n == 0) {
		if (is_get(method))
			return reply_ok(resp, rules_json(a, port, L, true));
		if (strcmp(method, "POST") == 0)
			return post_rules(a, port, L, body, body_len, resp);
		if (strcmp(method, "DELETE") == 0)
			return delete_rules(a, port, L, true, 0, port_name, resp);
		return envelope_fail(resp, 405, "method %s not allowed on /ports/%s/%s "
				  "(allowed: GET, POST, DELETE)", method, port_name,
				  L->path);
	}
	snprintf(idtext, sizeof(idtext), "%.*s", (int)(n < 20 ? n : 20), rest);
	id = n < 20 ? parse_id(idtext) : 0;
	if (id == 0)
		return envelope_fail(resp, 404, "'%.*s' is not a rule id of port '%s' "
				  "(ids are numbers)", (int)n, rest, port_name);
	if (is_get(method))
		return get_rule(a, port, L, id, port_name, resp);
	if (strcmp(method, "DELETE") == 0)
		return delete_rules(a, port, L, false, id, port_name, resp);
	return envelope_fail(resp, 405, "method %s not allowed on /ports/%s/%s/%" PRIu32
			  " (allowed: GET, DELETE)", method, port_name, L->path, id);
}

/* ---- HNS ACL endpoint policies ---------------------------------------------- */

static const char *endpoint_id(const json_t *ep)
{
	const char *id = json_string_value(json_object_get(ep, "ID"));

	return id != NULL ? id : "";
}

/* Installs own ++ policy as the port's extended ACLs; logs failures. */
static void install_ext(struct acl_api *a, uint16_t port,
			const struct ext_acl_rule *rules, unsigned n,
			const char *what)
{
	char err[ERR_MAX];

	if (vfp_set_ext_acls(a->sw->vfp, port, rules, n, err, sizeof(err)) < 0)
		fprintf(stderr, "vswitchd: port '%s': cannot %s the endpoint's ACL "
			"policies: %s\n", a->sw->ports[port].name, what, err);
}

void acl_api_endpoint_attached(struct acl_api *a, uint16_t port,
			       const json_t *ep)
{
	const struct layer *E = &layers[LAYER_EXT];
	const json_t *policies = json_object_get(ep, "Policies"), *pol;
	struct ext_acl_rule *rules;
	unsigned own, old_pol, n = 0, room;
	size_t i;

	if (a == NULL || a->sw->vfp == NULL || port >= VS_MAX_PORTS)
		return;
	snprintf(a->ports[port].endpoint, sizeof(a->ports[port].endpoint), "%s",
		 endpoint_id(ep));
	rules = copy_rules(a->sw->vfp, port, E, VFP_MAX_RULES, &own, &old_pol);
	if (rules == NULL) {
		fprintf(stderr, "vswitchd: port '%s': out of memory for the endpoint's "
			"ACL policies\n", a->sw->ports[port].name);
		return;
	}
	room = VFP_MAX_RULES - own;
	json_array_foreach(policies, i, pol) {
		const char *type = json_string_value(json_object_get(pol, "Type"));
		char path[64], err[ERR_MAX];
		int k;

		if (type == NULL || strcasecmp(type, "ACL") != 0)
			continue;
		snprintf(path, sizeof(path), "Policies[%zu]", i);
		k = ext_acl_rules_from_hns_policy(pol, path, rules + own + n, room - n,
						  err, sizeof(err));
		if (k < 0) {
			fprintf(stderr, "vswitchd: endpoint %s on port '%s': ACL policy "
				"left out: %s\n", endpoint_id(ep),
				a->sw->ports[port].name, err);
			continue;
		}
		n += (unsigned)k;
	}
	for (unsigned k = 0; k < n; k++)
		rules[own + k].id = ACL_POLICY_ID_BASE + 1 + k;
	if (n > 0 || old_pol > 0)
		install_ext(a, port, rules, own + n, "install");
	free(rules);
}

void acl_api_endpoint_detached(struct acl_api *a, uint16_t port,
			       const json_t *ep)
{
	const struct layer *E = &layers[LAYER_EXT];
	struct ext_acl_rule *rules;
	unsigned own, pol;
	const char *id = endpoint_id(ep);

	if (a == NULL || a->sw->vfp == NULL || port >= VS_MAX_PORTS)
		return;
	if (id[0] != '\0' && a->ports[port].endpoint[0] != '\0' &&
	    strcmp(id, a->ports[port].endpoint) != 0)
		return; /* not the endpoint whose policies are installed */
	a->ports[port].endpoint[0] = '\0';
	rules = copy_rules(a->sw->vfp, port, E, 0, &own, &pol);
	if (rules == NULL)
		return;
	if (pol > 0)
		install_ext(a, port, rules, own, "remove");
	free(rules);
}

void acl_api_port_removed(struct acl_api *a, uint16_t port)
{
	if (a != NULL && port < VS_MAX_PORTS)
		memset(&a->ports[port], 0, sizeof(a->ports[port]));
}

void acl_api_set_store(struct acl_api *a, struct hns_store *store)
{
	a->store = store;
}

void acl_api_port_config(struct acl_api *a, uint16_t port,
			 const struct port_config *pc)
{
	if (a == NULL || port >= VS_MAX_PORTS)
		return;
	a->ports[port].cfg_max[LAYER_ACL] = pc != NULL ? pc->nb_acls : 0;
	a->ports[port].cfg_max[LAYER_EXT] = pc != NULL ? pc->nb_ext_acls : 0;
	a->ports[port].next_id[LAYER_ACL] = a->ports[port].next_id[LAYER_EXT] = 0;
}

/* One stored row: the port's API rules of a layer back in force, after its
 * config rules and before its policy rules, with their ids (an id the
 * config took meanwhile gets a new one above all others). */
static void restore_row(struct acl_api *a, const struct layer *L,
			const char *name, const char *text)
{
	int p = vswitch_port_find(a->sw, name);
	json_error_t jerr;
	json_t *doc = NULL, *item;
	char *rules = NULL, err[ERR_MAX];
	unsigned own, pol, k, i;
	uint32_t max = 0, prev = 0;
	bool renumbered = false;
	size_t j;

	if (p < 0 || !a->sw->ports[p].in_use) {
		fprintf(stderr, "vswitchd: warning: stored %ss of port '%s' left out: "
			"no such port\n", L->what, name);
		return;
	}
	doc = json_loads(text, 0, &jerr);
	if (!json_is_array(doc)) {
		fprintf(stderr, "vswitchd: warning: stored %ss of port '%s' left out: "
			"not a JSON array\n", L->what, name);
		goto out;
	}
	k = (unsigned)json_array_size(doc);
	rules = copy_rules(a->sw->vfp, (uint16_t)p, L, VFP_MAX_RULES, &own, &pol);
	if (rules == NULL || own + k + pol > VFP_MAX_RULES) {
		fprintf(stderr, "vswitchd: warning: stored %ss of port '%s' left out: "
			"%s\n", L->what, name, rules == NULL ? "out of memory" :
			"too many rules");
		goto out;
	}
	memmove(rule_at(L, rules, own + k), rule_at(L, rules, own), (size_t)pol * L->size);
	for (i = 0; i < own; i++)
		if (L->id(rule_at(L, rules, i)) > max)
			max = L->id(rule_at(L, rules, i));
	prev = max;
	json_array_foreach(doc, j, item) {
		json_t *body = json_is_object(item) ? json_copy(item) : NULL;
		uint32_t id = parse_id(json_string_value(json_object_get(item, "Id")) ?
				       json_string_value(json_object_get(item, "Id")) : "");
		char path[32];

		snprintf(path, sizeof(path), "[%zu]", j);
		if (body != NULL)
			json_object_del(body, "Id");
		if (body == NULL || id == 0 || id >= ACL_POLICY_ID_BASE ||
		    L->from_json(body, path, rule_at(L, rules, own + (unsigned)j), err,
				 sizeof(err)) < 0) {
			fprintf(stderr, "vswitchd: warning: stored %ss of port '%s' left "
				"out: %s\n", L->what, name, body == NULL ? "not an object" :
				id == 0 || id >= ACL_POLICY_ID_BASE ? "bad Id" : err);
			json_decref(body);
			goto out;
		}
		json_decref(body);
		L->set_id(rule_at(L, rules, own + (unsigned)j), id);
		if (id > max)
			max = id;
	}
	/* ids stay; one the config took meanwhile moves above all others */
	for (i = 0; i < k; i++) {
		void *r = rule_at(L, rules, own + i);

		if (L->id(r) <= prev || L->id(r) <= a->ports[p].cfg_max[L->index]) {
			L->set_id(r, ++max);
			renumbered = true;
		}
		prev = L->id(r);
	}
	if (L->install(a->sw->vfp, (uint16_t)p, rules, own + k + pol, err,
		       sizeof(err)) < 0) {
		fprintf(stderr, "vswitchd: warning: stored %ss of port '%s' left out: "
			"%s\n", L->what, name, err);
		goto out;
	}
	a->ports[p].next_id[L->index] = 0; /* above the highest id in force */
	if (renumbered) {
		fprintf(stderr, "vswitchd: warning: port '%s': stored %ss renumbered "
			"(the config uses their ids)\n", name, L->what);
		if (persist_rules(a, (uint16_t)p, L, name, 0, err, sizeof(err)) < 0)
			fprintf(stderr, "vswitchd: warning: %s\n", err);
	}
out:
	free(rules);
	json_decref(doc);
}

/* The stored next ids: a layer's counter continues above the highest id
 * ever handed out, not only above the rules in force. */
static int restore_next_ids(struct acl_api *a, char *err, size_t errlen)
{
	json_t *rows = store_rows(a->store, KIND_NEXT_IDS, err, errlen), *row;
	size_t i;

	if (rows == NULL)
		return -1;
	json_array_foreach(rows, i, row) {
		const char *name = json_string_value(json_object_get(row, "id"));
		json_t *doc = json_loads(json_string_value(json_object_get(row, "json")),
					 0, NULL);
		int p = vswitch_port_find(a->sw, name);

		if (p >= 0 && a->sw->ports[p].in_use && json_is_object(doc))
			for (int l = 0; l < LAYER_COUNT; l++) {
				json_int_t next = json_integer_value(
					json_object_get(doc, layers[l].path));

				if (next > peek_next_id(a, (uint16_t)p, &layers[l]) &&
				    next <= ACL_POLICY_ID_BASE)
					a->ports[p].next_id[l] = (uint32_t)next;
			}
		json_decref(doc);
	}
	json_decref(rows);
	return 0;
}

int acl_api_restore(struct acl_api *a, char *err, size_t errlen)
{
	if (a == NULL || a->store == NULL || a->sw->vfp == NULL)
		return 0;
	for (int l = 0; l < LAYER_COUNT; l++) {
		const struct layer *L = &layers[l];
		json_t *rows = store_rows(a->store, L->kind, err, errlen), *row;
		size_t i;

		if (rows == NULL)
			return -1;
		json_array_foreach(rows, i, row)
			restore_row(a, L, json_string_value(json_object_get(row, "id")),
				    json_string_value(json_object_get(row, "json")));
		json_decref(rows);
	}
	return restore_next_ids(a, err, errlen);
}

struct acl_api *acl_api_create(struct vswitch *sw)
{
	struct acl_api *a = calloc(1, sizeof(*a));

	if (a != NULL)
		a->sw = sw;
	return a;
}

void acl_api_destroy(struct acl_api *a)
{
	free(a);
}
