/* The REST paths of port ACL rules (acl_api.h): GET, POST and DELETE for
 * both layers, written once over struct layer (acl_internal.h).
 *
 * A POST or DELETE is a job in two halves. prepare (the background thread
 * when there is one, else inline) parses and checks the body, builds the
 * port's next rule set, compiles it (vfp_change) and writes the reply and
 * the text to store; finish (main lcore) stores the API rules, then puts
 * the compiled set in force (publish, RCU grace period) and answers. So a
 * 10,000-rule change costs the main lcore a store write and a pointer
 * swap, not a compile: MAC learning and other clients carry on. prepare
 * only reads model state that the main lcore leaves alone while a change
 * is out (the router applies one change at a time). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl_internal.h"
#include "bg_work.h"
#include "envelope.h"

struct acl_job {
	struct acl_api *a;
	const struct layer *L;
	uint16_t port;
	char port_name[VS_NAME_MAX];
	void *ticket;
	/* the request */
	bool post;
	bool all;      /* DELETE of the port's own rules, else of id */
	uint32_t id;
	char *body;
	size_t len;
	uint32_t first; /* POST: the first new id */
	/* the outcome */
	int status;
	json_t *resp;
	char *text;            /* resp as JSON text (background jobs) */
	struct vfp_change change;
	bool changed;          /* change holds the next rule set, compiled */
	char *store_text;      /* the API rules to store; NULL: none */
	unsigned n_new;
};

static int reply_ok(json_t **resp, json_t *output)
{
	*resp = envelope_ok(output);
	return 200;
}

static int get_rule(struct acl_api *a, uint16_t port, const struct layer *L,
		    uint32_t id, const char *port_name, json_t **resp)
{
	const void *cur;
	unsigned n;

	L->current(a->sw->vfp, port, &cur, &n);
	for (unsigned i = 0; i < n; i++)
		if (L->id(acl_rule_at(L, cur, i)) == id)
			return reply_ok(resp, acl_rule_json(a, port, L, acl_rule_at(L, cur, i),
							    true));
	return envelope_fail(resp, 404, "port '%s' has no %s %" PRIu32, port_name,
			     L->what, id);
}

/* The compiled next rule set and the text to store (prepare's last step):
 * the status, 200 when both are made. */
static int compile_next(struct acl_job *j, const void *rules, unsigned n)
{
	char err[ERR_MAX];

	if (vfp_change_init(j->a->sw->vfp, &j->change, j->port, j->L->vfp, rules, n,
			    err, sizeof(err)) < 0 ||
	    vfp_change_compile(j->a->sw->vfp, &j->change, err, sizeof(err)) < 0) {
		vfp_change_discard(&j->change);
		return envelope_fail(&j->resp, 507, "cannot install the rules: %s", err);
	}
	j->changed = true;
	if (acl_api_rules_text(j->a, j->port, j->L, rules, n, &j->store_text) < 0)
		return envelope_fail(&j->resp, 507, "out of memory");
	return 200;
}

/* POST: the body is one rule object or an array of them; all are
 * validated before anything changes. Output: the new rules. */
static int prepare_post(struct acl_job *j)
{
	const struct layer *L = j->L;
	json_error_t jerr;
	json_t *doc, *out;
	unsigned own = 0, pol = 0, n_cur;
	const void *cur;
	char err[ERR_MAX];
	char *rules = NULL;
	int status;

	doc = json_loadb(j->body != NULL ? j->body : "", j->len, JSON_REJECT_DUPLICATES,
			 &jerr);
	if (doc == NULL)
		return envelope_fail(&j->resp, 400, "line %d column %d: %s", jerr.line,
				     jerr.column, jerr.text);
	if (!json_is_object(doc) && !json_is_array(doc)) {
		status = envelope_fail(&j->resp, 400, "(root): must be a rule object or "
				       "an array of rule objects");
		goto out;
	}
	j->n_new = json_is_object(doc) ? 1 : (unsigned)json_array_size(doc);
	L->current(j->a->sw->vfp, j->port, &cur, &n_cur);
	if ((size_t)n_cur + j->n_new > VFP_MAX_RULES) {
		status = envelope_fail(&j->resp, 400, "a port holds at most %d %ss "
				       "(it has %u)", VFP_MAX_RULES, L->what, n_cur);
		goto out;
	}
	if ((uint64_t)j->first + j->n_new > ACL_POLICY_ID_BASE) {
		status = envelope_fail(&j->resp, 409, "no %s ids left on this port",
				       L->what);
		goto out;
	}
	rules = acl_copy_rules(j->a->sw->vfp, j->port, L, n_cur + j->n_new, &own, &pol);
	if (rules == NULL) {
		status = envelope_fail(&j->resp, 507, "out of memory");
		goto out;
	}
	/* new rules go between the port's own and the policy rules */
	memmove(acl_rule_at(L, rules, own + j->n_new), acl_rule_at(L, rules, own),
		(size_t)pol * L->size);
	for (unsigned i = 0; i < j->n_new; i++) {
		const json_t *item = json_is_object(doc) ? doc : json_array_get(doc, i);
		void *r = acl_rule_at(L, rules, own + i);
		char path[32] = "";

		if (json_is_array(doc))
			snprintf(path, sizeof(path), "[%u]", i);
		if (!json_is_object(item)) {
			status = envelope_fail(&j->resp, 400, "%s: must be a rule object", path);
			goto out;
		}
		if (L->from_json(item, path, r, err, sizeof(err)) < 0) {
			status = envelope_fail(&j->resp, 400, "%s", err);
			goto out;
		}
		L->set_id(r, j->first + i);
	}
	if (j->n_new > 0 &&
	    (status = compile_next(j, rules, own + j->n_new + pol)) != 200)
		goto out;
	out = json_array();
	for (unsigned i = 0; i < j->n_new; i++) /* new rules: no hits yet */
		json_array_append_new(out, acl_rule_json(j->a, j->port, L,
							 acl_rule_at(L, rules, own + i), false));
	for (unsigned i = 0; i < j->n_new; i++) {
		json_t *o = json_array_get(out, i);

		json_object_set_new(o, "Packets", json_integer(0));
		json_object_set_new(o, "Bytes", json_integer(0));
	}
	status = reply_ok(&j->resp, out);
out:
	free(rules);
	json_decref(doc);
	return status;
}

/* DELETE of one rule (id) or, with all, of every rule of the port's own;
 * policy rules stay. Output: what was deleted, with its final counters. */
static int prepare_delete(struct acl_job *j)
{
	const struct layer *L = j->L;
	struct acl_port_state *st = &j->a->ports[j->port];
	const void *cur;
	unsigned n, kept = 0;
	json_t *gone = json_array();
	char *rules;
	int status;

	L->current(j->a->sw->vfp, j->port, &cur, &n);
	rules = calloc(n ? n : 1, L->size);
	if (rules == NULL || gone == NULL) {
		status = envelope_fail(&j->resp, 507, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		const void *r = acl_rule_at(L, cur, i);
		bool hit = j->all ? !acl_is_policy(L, r) : L->id(r) == j->id;

		if (hit && !j->all && acl_is_policy(L, r)) {
			status = envelope_fail(&j->resp, 409, "%s %" PRIu32 " comes from the "
					       "ACL policies of endpoint %s: update or "
					       "detach the endpoint instead", L->what,
					       j->id, st->endpoint[0] ? st->endpoint
								      : "(unknown)");
			goto out;
		}
		if (hit)
			json_array_append_new(gone, acl_rule_json(j->a, j->port, L, r, true));
		else
			memcpy(acl_rule_at(L, rules, kept++), r, L->size);
	}
	if (!j->all && json_array_size(gone) == 0) {
		status = envelope_fail(&j->resp, 404, "port '%s' has no %s %" PRIu32,
				       j->port_name, L->what, j->id);
		goto out;
	}
	if (kept != n && (status = compile_next(j, rules, kept)) != 200)
		goto out;
	status = reply_ok(&j->resp, j->all ? json_incref(gone)
					   : json_incref(json_array_get(gone, 0)));
out:
	free(rules);
	json_decref(gone);
	return status;
}

static void prepare(struct acl_job *j)
{
	j->status = j->post ? prepare_post(j) : prepare_delete(j);
}

/* Main lcore: the API rules stored, then the compiled set in force. */
static void finish(struct acl_job *j)
{
	char err[ERR_MAX];

	if (j->status != 200 || !j->changed)
		return;
	if (acl_store_rules(j->a, j->port, j->L, j->port_name, j->store_text,
			    j->post ? j->first + j->n_new : 0, err, sizeof(err)) < 0) {
		vfp_change_discard(&j->change);
		json_decref(j->resp);
		free(j->text);
		j->text = NULL;
		j->status = envelope_fail(&j->resp, 500, "%s", err);
		return;
	}
	vfp_change_commit(j->a->sw->vfp, &j->change);
	if (j->post)
		j->a->ports[j->port].next_id[j->L->index] = j->first + j->n_new;
}

static void job_free(struct acl_job *j)
{
	vfp_change_discard(&j->change);
	json_decref(j->resp);
	free(j->text);
	free(j->store_text);
	free(j->body);
	free(j);
}

/* The background halves: prepare and the reply's text on the thread,
 * finish and the answer on the main lcore. */
static void bg_prepare(void *arg)
{
	struct acl_job *j = arg;

	prepare(j);
	if (j->resp != NULL) {
		j->text = json_dumps(j->resp, JSON_COMPACT);
		json_decref(j->resp);
		j->resp = NULL;
	}
}

/* The replaced policy's tables are freed on the thread too (DPDK zeroes
 * what it frees: tens of milliseconds for a large table). */
static void bg_free(void *arg)
{
	job_free(arg);
}

static void bg_finish(void *arg)
{
	struct acl_job *j = arg;
	char *text;

	finish(j);
	if (j->text == NULL && j->resp != NULL) /* an error made by finish */
		j->text = json_dumps(j->resp, JSON_COMPACT);
	if (j->text == NULL) {
		j->status = 507;
		j->text = strdup("{\"Success\":false,\"Error\":\"out of memory\","
				 "\"Output\":null}");
	}
	text = j->text;
	j->text = NULL;
	j->a->answer(j->a->answer_ctx, j->ticket, j->status, text,
		     text != NULL ? strlen(text) : 0);
	if (j->change.retired == NULL || bg_work_submit(j->a->bg, bg_free, NULL, j) < 0)
		job_free(j);
}

/* A change: in the background when there is one (ACL_API_LATER), else at
 * once. */
static int change(struct acl_api *a, uint16_t port, const char *port_name,
		  const struct layer *L, struct acl_job *proto, const char *body,
		  size_t len, void *ticket, json_t **resp)
{
	struct acl_job *j = calloc(1, sizeof(*j));
	int status;

	if (j == NULL)
		return envelope_fail(resp, 507, "out of memory");
	*j = *proto;
	j->a = a;
	j->L = L;
	j->port = port;
	j->ticket = ticket;
	snprintf(j->port_name, sizeof(j->port_name), "%s", port_name);
	if (j->post)
		j->first = acl_peek_next_id(a, port, L);
	if (body != NULL && len > 0) {
		j->body = malloc(len);
		if (j->body == NULL) {
			free(j);
			return envelope_fail(resp, 507, "out of memory");
		}
		memcpy(j->body, body, len);
		j->len = len;
	}
	if (a->bg != NULL && a->answer != NULL && ticket != NULL &&
	    bg_work_submit(a->bg, bg_prepare, bg_finish, j) == 0) {
		*resp = NULL;
		return ACL_API_LATER;
	}
	prepare(j);
	finish(j);
	status = j->status;
	*resp = j->resp;
	j->resp = NULL;
	job_free(j);
	return status;
}

static const struct layer *layer_of(const char *sub, const char **rest)
{
	for (int i = 0; i < LAYER_COUNT; i++) {
		size_t n = strlen(acl_layers[i].path);

		if (strncmp(sub, acl_layers[i].path, n) == 0 &&
		    (sub[n] == '\0' || sub[n] == '/')) {
			*rest = sub[n] == '/' ? sub + n + 1 : sub + n;
			return &acl_layers[i];
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
		   size_t body_len, void *ticket, json_t **resp)
{
	const char *rest = "";
	const struct layer *L = layer_of(sub, &rest);
	struct acl_job job = {0};
	char idtext[24];
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
			return reply_ok(resp, acl_rules_json(a, port, L, true));
		job.post = strcmp(method, "POST") == 0;
		job.all = true;
		if (job.post || strcmp(method, "DELETE") == 0)
			return change(a, port, port_name, L, &job, body, body_len, ticket, resp);
		return envelope_fail(resp, 405, "method %s not allowed on /ports/%s/%s "
				     "(allowed: GET, POST, DELETE)", method, port_name,
				     L->path);
	}
	snprintf(idtext, sizeof(idtext), "%.*s", (int)(n < 20 ? n : 20), rest);
	job.id = n < 20 ? acl_parse_id(idtext) : 0;
	if (job.id == 0)
		return envelope_fail(resp, 404, "'%.*s' is not a rule id of port '%s' "
				     "(ids are numbers)", (int)n, rest, port_name);
	if (is_get(method))
		return get_rule(a, port, L, job.id, port_name, resp);
	if (strcmp(method, "DELETE") == 0)
		return change(a, port, port_name, L, &job, NULL, 0, ticket, resp);
	return envelope_fail(resp, 405, "method %s not allowed on /ports/%s/%s/%" PRIu32
			     " (allowed: GET, DELETE)", method, port_name, L->path, job.id);
}
