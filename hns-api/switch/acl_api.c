/* The port ACL and extended ACL model (acl_api.h): the two layers'
 * description (struct layer says how to handle a layer's rules: size, id,
 * JSON, install, counters), the startup config's rules, rule ids, the
 * state store, the ACL rules of attached endpoints' policies and the
 * restore at start. The REST handlers are in acl_routes.c. A change is
 * always: copy the rules in force, edit the copy, install the copy; the
 * VFP keeps the old set if the install fails. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acl_internal.h"
#include "acl_json.h"
#include "bg_work.h"
#include "envelope.h"
#include "port_hotplug.h"
#include "store.h"
#include "store_rows.h"

/* The store kind of a port's next rule ids per layer (ACL_API_KIND_NEXT_IDS). */
#define KIND_NEXT_IDS ACL_API_KIND_NEXT_IDS

/* ---- the two layers ---------------------------------------------------- */

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

const struct layer acl_layers[LAYER_COUNT] = {
	[LAYER_ACL] = {LAYER_ACL, VFP_LAYER_ACL, "acls", "portacls", "ACL rule", sizeof(struct port_acl_rule),
		       acl_id, acl_set_id, acl_from_json, acl_to_json, acl_install,
		       vfp_port_acl_hits, acl_current},
	[LAYER_EXT] = {LAYER_EXT, VFP_LAYER_EXT, "extendedacls", "portextacls", "extended ACL rule",
		       sizeof(struct ext_acl_rule), ext_id, ext_set_id,
		       ext_from_json, ext_to_json, ext_install, vfp_ext_acl_hits,
		       ext_current},
};

void *acl_rule_at(const struct layer *L, const void *rules, unsigned i)
{
	return (char *)rules + (size_t)i * L->size;
}

bool acl_is_policy(const struct layer *L, const void *r)
{
	return L->index == LAYER_EXT && L->id(r) >= ACL_POLICY_ID_BASE;
}

/* The rules in force, split: the port's own (config, API) first, then
 * those from endpoint policies. Copies into a new array of room rules
 * (at least the current count): own rules at [0, *n_own), policy rules
 * after them. NULL when out of memory. */
void *acl_copy_rules(const struct vfp *v, uint16_t port, const struct layer *L,
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
		if (!acl_is_policy(L, acl_rule_at(L, cur, i)))
			memcpy(acl_rule_at(L, out, own++), acl_rule_at(L, cur, i), L->size);
	for (unsigned i = 0; i < n; i++)
		if (acl_is_policy(L, acl_rule_at(L, cur, i)))
			memcpy(acl_rule_at(L, out, own + pol++), acl_rule_at(L, cur, i), L->size);
	*n_own = own;
	*n_policy = pol;
	return out;
}

/* ---- the startup config -------------------------------------------------- */

int config_apply_port_acls(struct vswitch *sw, uint16_t port,
			   const struct port_config *pc, char *err,
			   size_t errlen)
{
	const struct layer *E = &acl_layers[LAYER_EXT], *A = &acl_layers[LAYER_ACL];
	struct port_acl_rule *old_acl;
	struct ext_acl_rule *ext;
	unsigned own, pol, old_n, none;
	int rc = -1;

	if (sw->vfp == NULL || port >= VS_MAX_PORTS) {
		snprintf(err, errlen, "no VFP state for port %u", port);
		return -1;
	}
	/* ext = the config's rules, then those of an attached endpoint. */
	ext = acl_copy_rules(sw->vfp, port, E, 0, &own, &pol);
	old_acl = acl_copy_rules(sw->vfp, port, A, 0, &old_n, &none);
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

/* A rule as the API shows it: "Id" first, the rule's JSON, the endpoint a
 * policy rule comes from, and the hit counters if asked. */
json_t *acl_rule_json(const struct acl_api *a, uint16_t port,
			 const struct layer *L, const void *r, bool counters)
{
	json_t *o = json_object(), *body = L->to_json(r);
	char id[16];

	snprintf(id, sizeof(id), "%" PRIu32, L->id(r));
	json_object_set_new(o, "Id", json_string(id));
	if (body != NULL)
		json_object_update(o, body);
	json_decref(body);
	if (acl_is_policy(L, r) && a->ports[port].endpoint[0] != '\0')
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

json_t *acl_rules_json(const struct acl_api *a, uint16_t port,
			  const struct layer *L, bool counters)
{
	json_t *arr = json_array();
	const void *cur;
	unsigned n;

	L->current(a->sw->vfp, port, &cur, &n);
	for (unsigned i = 0; i < n; i++)
		json_array_append_new(arr, acl_rule_json(a, port, L, acl_rule_at(L, cur, i),
						     counters));
	return arr;
}

json_t *acl_api_rules_json(const struct acl_api *a, uint16_t port, bool ext)
{
	if (a == NULL || a->sw->vfp == NULL || port >= VS_MAX_PORTS)
		return json_array();
	return acl_rules_json(a, port, &acl_layers[ext ? LAYER_EXT : LAYER_ACL], false);
}

/* ---- ids --------------------------------------------------------------------- */

/* The first id of the next rules the API adds to a layer (not consumed). */
uint32_t acl_peek_next_id(struct acl_api *a, uint16_t port, const struct layer *L)
{
	struct acl_port_state *st = &a->ports[port];

	if (st->next_id[L->index] == 0) {
		const void *cur;
		uint32_t max = 0;
		unsigned n;

		L->current(a->sw->vfp, port, &cur, &n);
		for (unsigned i = 0; i < n; i++) {
			uint32_t id = L->id(acl_rule_at(L, cur, i));

			if (!acl_is_policy(L, acl_rule_at(L, cur, i)) && id > max)
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
	return !acl_is_policy(L, r) && L->id(r) > a->ports[port].cfg_max[L->index];
}

int acl_api_rules_text(const struct acl_api *a, uint16_t port,
		       const struct layer *L, const void *rules, unsigned n,
		       char **text)
{
	json_t *arr = json_array();

	*text = NULL;
	if (arr == NULL)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		const void *r = acl_rule_at(L, rules, i);
		json_t *o, *body;
		char id[16];

		if (!is_api_rule(a, port, L, r))
			continue;
		o = json_object();
		body = L->to_json(r);
		snprintf(id, sizeof(id), "%" PRIu32, L->id(r));
		if (o == NULL || body == NULL ||
		    json_object_set_new(o, "Id", json_string(id)) < 0 ||
		    json_object_update(o, body) < 0 || json_array_append_new(arr, o) < 0) {
			json_decref(o);
			json_decref(body);
			json_decref(arr);
			return -1;
		}
		json_decref(body);
	}
	if (json_array_size(arr) > 0 && (*text = json_dumps(arr, JSON_COMPACT)) == NULL) {
		json_decref(arr);
		return -1;
	}
	json_decref(arr);
	return 0;
}

int acl_store_rules(struct acl_api *a, uint16_t port, const struct layer *L,
		    const char *port_name, const char *text, uint32_t next,
		    char *err, size_t errlen)
{
	json_t *ids = NULL;
	char *ids_text = NULL;
	int rc;

	if (a->store == NULL)
		return 0;
	if (next != 0) {
		ids = json_object();
		for (int l = 0; ids != NULL && l < LAYER_COUNT; l++)
			json_object_set_new(ids, acl_layers[l].path, json_integer(
				l == L->index ? next : acl_peek_next_id(a, port, &acl_layers[l])));
		ids_text = ids != NULL ? json_dumps(ids, JSON_COMPACT) : NULL;
		json_decref(ids);
		if (ids_text == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
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
	free(ids_text);
	return rc != 0 ? -1 : 0;
}

/* Stores the API rules now in force on a layer of the port (no row when
 * there are none), so ids survive a restart as they are. */
static int persist_rules(struct acl_api *a, uint16_t port, const struct layer *L,
			 const char *port_name, char *err, size_t errlen)
{
	const void *cur;
	char *text;
	unsigned n;
	int rc;

	if (a->store == NULL)
		return 0;
	L->current(a->sw->vfp, port, &cur, &n);
	if (acl_api_rules_text(a, port, L, cur, n, &text) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = acl_store_rules(a, port, L, port_name, text, 0, err, errlen);
	free(text);
	return rc;
}

/* "17" -> 17; 0 for anything else (ids start at 1). */
uint32_t acl_parse_id(const char *s)
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

/* ---- HNS ACL endpoint policies ---------------------------------------------- */

static const char *endpoint_id(const json_t *ep)
{
	const char *id = json_string_value(json_object_get(ep, "ID"));

	return id != NULL ? id : "";
}

/* An endpoint's ACL policies compiled in the background: the port's
 * extended set (own ++ policy) made on the main lcore, compiled on the
 * thread, put in force on the main lcore. */
struct policy_job {
	struct acl_api *a;
	uint16_t port;
	uint32_t gen;
	const char *what;
	struct vfp_change change;
	int rc;
	char err[ERR_MAX];
};

static void log_policy_failure(const struct acl_api *a, uint16_t port, const char *what,
			       const char *err)
{
	fprintf(stderr, "vswitchd: port '%s': cannot %s the endpoint's ACL "
		"policies: %s\n", a->sw->ports[port].name, what, err);
}

static void policy_compile(void *arg)
{
	struct policy_job *j = arg;

	j->rc = vfp_change_compile(j->a->sw->vfp, &j->change, j->err, sizeof(j->err));
}

static void policy_free(void *arg)
{
	struct policy_job *j = arg;

	vfp_change_discard(&j->change);
	free(j);
}

static void policy_commit(void *arg)
{
	struct policy_job *j = arg;
	struct acl_api *a = j->a;

	a->settling--;
	if (j->rc < 0)
		log_policy_failure(a, j->port, j->what, j->err);
	else if (j->gen == a->port_gen[j->port]) /* else the port went meanwhile */
		vfp_change_commit(a->sw->vfp, &j->change);
	/* the replaced tables are freed on the thread (DPDK zeroes them) */
	if (j->change.retired == NULL || bg_work_submit(a->bg, policy_free, NULL, j) < 0)
		policy_free(j);
}

/* Installs own ++ policy as the port's extended ACLs, in the background
 * when there is one (acl_api_settling() counts it until it is in force);
 * logs failures. */
static void install_ext(struct acl_api *a, uint16_t port,
			const struct ext_acl_rule *rules, unsigned n,
			const char *what)
{
	struct policy_job *j;
	char err[ERR_MAX];

	if (a->bg != NULL && (j = calloc(1, sizeof(*j))) != NULL) {
		*j = (struct policy_job){a, port, a->port_gen[port], what, {0}, 0, ""};
		if (vfp_change_init(a->sw->vfp, &j->change, port, VFP_LAYER_EXT, rules, n,
				    err, sizeof(err)) < 0) {
			free(j);
			log_policy_failure(a, port, what, err);
			return;
		}
		if (bg_work_submit(a->bg, policy_compile, policy_commit, j) == 0) {
			a->settling++;
			return;
		}
		vfp_change_discard(&j->change);
		free(j);
	}
	if (vfp_set_ext_acls(a->sw->vfp, port, rules, n, err, sizeof(err)) < 0)
		log_policy_failure(a, port, what, err);
}

unsigned acl_api_settling(const struct acl_api *a)
{
	return a != NULL ? a->settling : 0;
}

void acl_api_endpoint_attached(struct acl_api *a, uint16_t port,
			       const json_t *ep)
{
	const struct layer *E = &acl_layers[LAYER_EXT];
	const json_t *policies = json_object_get(ep, "Policies"), *pol;
	struct ext_acl_rule *rules;
	unsigned own, old_pol, n = 0, room;
	size_t i;

	if (a == NULL || a->sw->vfp == NULL || port >= VS_MAX_PORTS)
		return;
	snprintf(a->ports[port].endpoint, sizeof(a->ports[port].endpoint), "%s",
		 endpoint_id(ep));
	rules = acl_copy_rules(a->sw->vfp, port, E, VFP_MAX_RULES, &own, &old_pol);
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
	const struct layer *E = &acl_layers[LAYER_EXT];
	struct ext_acl_rule *rules;
	unsigned own, pol;
	const char *id = endpoint_id(ep);

	if (a == NULL || a->sw->vfp == NULL || port >= VS_MAX_PORTS)
		return;
	if (id[0] != '\0' && a->ports[port].endpoint[0] != '\0' &&
	    strcmp(id, a->ports[port].endpoint) != 0)
		return; /* not the endpoint whose policies are installed */
	a->ports[port].endpoint[0] = '\0';
	rules = acl_copy_rules(a->sw->vfp, port, E, 0, &own, &pol);
	if (rules == NULL)
		return;
	if (pol > 0)
		install_ext(a, port, rules, own, "remove");
	free(rules);
}

void acl_api_port_removed(struct acl_api *a, uint16_t port)
{
	if (a != NULL && port < VS_MAX_PORTS) {
		memset(&a->ports[port], 0, sizeof(a->ports[port]));
		a->port_gen[port]++;
	}
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
	rules = acl_copy_rules(a->sw->vfp, (uint16_t)p, L, VFP_MAX_RULES, &own, &pol);
	if (rules == NULL || own + k + pol > VFP_MAX_RULES) {
		fprintf(stderr, "vswitchd: warning: stored %ss of port '%s' left out: "
			"%s\n", L->what, name, rules == NULL ? "out of memory" :
			"too many rules");
		goto out;
	}
	memmove(acl_rule_at(L, rules, own + k), acl_rule_at(L, rules, own), (size_t)pol * L->size);
	for (i = 0; i < own; i++)
		if (L->id(acl_rule_at(L, rules, i)) > max)
			max = L->id(acl_rule_at(L, rules, i));
	prev = max;
	json_array_foreach(doc, j, item) {
		json_t *body = json_is_object(item) ? json_copy(item) : NULL;
		uint32_t id = acl_parse_id(json_string_value(json_object_get(item, "Id")) ?
				       json_string_value(json_object_get(item, "Id")) : "");
		char path[32];

		snprintf(path, sizeof(path), "[%zu]", j);
		if (body != NULL)
			json_object_del(body, "Id");
		if (body == NULL || id == 0 || id >= ACL_POLICY_ID_BASE ||
		    L->from_json(body, path, acl_rule_at(L, rules, own + (unsigned)j), err,
				 sizeof(err)) < 0) {
			fprintf(stderr, "vswitchd: warning: stored %ss of port '%s' left "
				"out: %s\n", L->what, name, body == NULL ? "not an object" :
				id == 0 || id >= ACL_POLICY_ID_BASE ? "bad Id" : err);
			json_decref(body);
			goto out;
		}
		json_decref(body);
		L->set_id(acl_rule_at(L, rules, own + (unsigned)j), id);
		if (id > max)
			max = id;
	}
	/* ids stay; one the config took meanwhile moves above all others */
	for (i = 0; i < k; i++) {
		void *r = acl_rule_at(L, rules, own + i);

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
		if (persist_rules(a, (uint16_t)p, L, name, err, sizeof(err)) < 0)
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
					json_object_get(doc, acl_layers[l].path));

				if (next > acl_peek_next_id(a, (uint16_t)p, &acl_layers[l]) &&
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
		const struct layer *L = &acl_layers[l];
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

void acl_api_set_background(struct acl_api *a, struct bg_work *bg,
			    acl_api_answer_fn answer, void *ctx)
{
	a->bg = bg;
	a->answer = answer;
	a->answer_ctx = ctx;
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

