/* Namespaces and attaches made real in Linux (issue 16): the model's side.
 * It decides what to plumb and records it; the dataplane callbacks
 * (hns.h netns_make / plumb / unplumb) do it. An HNS namespace other than
 * the host's default one is a network namespace (its doc keeps NetNsPath,
 * NetNsOwned and the PortKind asked for); an endpoint added to it gets an
 * interface there and a switch port, recorded in its attachment as
 * "Plumb" so removal, a failed commit and a restart know what exists.
 * Layer: hns-api/hns/, northbound, HNS model layer (no DPDK). */
#include "hns_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const port_kinds[] = { "af_xdp", "af_packet", "tap", NULL };

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int plumb_kind_check(const json_t *in, const char *path, const char **kind,
		     struct herr *e)
{
	const json_t *v = json_object_get(in, "PortKind");
	char p[HNS_PATH_LEN];

	*kind = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	pmember(p, path, "PortKind");
	if (json_is_string(v))
		for (size_t i = 0; port_kinds[i]; i++)
			if (strcasecmp(json_string_value(v), port_kinds[i]) == 0) {
				*kind = port_kinds[i];
				return 0;
			}
	return hfail(e, 400, p, "must be one of af_packet, tap, af_xdp");
}

/* The status and text of a failed callback; its err starts with the field. */
static int dp_fail(struct herr *e, int rc, const char *err)
{
	return hfail(e, rc >= 400 && rc < 600 ? rc : 500, NULL, "%s",
		     err[0] ? err : "plumbing failed");
}

int plumb_namespace_open(struct hns *h, const char *ns_id, const json_t *in,
			 const char *path, json_t *fields, struct herr *e)
{
	const char *type = sget(fields, "Type");
	const char *want = NULL, *kind;
	const json_t *v = json_object_get(in, "NetNsPath");
	json_t *rec = NULL;
	char p[HNS_PATH_LEN], err[512] = "";
	int rc;

	if (plumb_kind_check(in, path, &kind, e) < 0)
		return -1;
	pmember(p, path, "NetNsPath");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || json_string_length(v) == 0)
			return hfail(e, 400, p, "must be a non-empty path (/run/netns/x, /proc/PID/ns/net)");
		want = json_string_value(v);
	}
	/* the host's own compartment is the host's namespace */
	if (type && strstr(type, "Default") != NULL) {
		if (want)
			return hfail(e, 400, p, "a %s namespace is the host's own", type);
		return 0;
	}
	if (h->dp.netns_make == NULL)
		return 0;
	rc = h->dp.netns_make(h->dp.ctx, ns_id, want, &rec, err, sizeof(err));
	if (rc != 0)
		return dp_fail(e, rc, err);
	txn_plumbed(h, rec);
	json_object_set(fields, "NetNsPath", json_object_get(rec, "NetNsPath"));
	json_object_set(fields, "NetNsOwned", json_object_get(rec, "NetNsOwned"));
	if (kind)
		json_object_set_new(fields, "PortKind", json_string(kind));
	json_decref(rec);
	return 0;
}

void plumb_namespace_restore(struct hns *h, const struct hns_namespace *ns)
{
	json_t *rec = NULL;
	char err[512] = "";

	/* one the store has that is gone (a reboot) is made again */
	if (h->dp.netns_make == NULL || !json_is_true(json_object_get(ns->o.doc, "NetNsOwned")))
		return;
	if (h->dp.netns_make(h->dp.ctx, ns->o.id, NULL, &rec, err, sizeof(err)) != 0)
		fprintf(stderr, "vswitchd: warning: namespace %s: %s\n", ns->o.id, err);
	json_decref(rec);
}

/* {NetNsPath, NetNsOwned} of a namespace doc, or NULL (none). */
static json_t *netns_of(const json_t *doc)
{
	json_t *r;

	if (sget(doc, "NetNsPath") == NULL)
		return NULL;
	r = json_object();
	json_object_set(r, "NetNsPath", json_object_get(doc, "NetNsPath"));
	json_object_set_new(r, "NetNsOwned",
			    json_boolean(json_is_true(json_object_get(doc, "NetNsOwned"))));
	return r;
}

bool plumb_namespace_real(const struct hns *h, const struct hns_namespace *ns)
{
	return h->dp.plumb != NULL && sget(ns->o.doc, "NetNsPath") != NULL;
}

int plumb_endpoint_in(struct hns *h, struct hns_endpoint *ep,
		      const struct hns_namespace *ns, const char *kind,
		      struct herr *e)
{
	json_t *netns = ns ? netns_of(ns->o.doc) : NULL, *rec = NULL, *v1, *att;
	const char *port;
	char err[640] = "";
	int rc;

	if (h->dp.plumb == NULL || (ns != NULL && netns == NULL))
		return 0;
	if (kind == NULL && ns != NULL)
		kind = sget(ns->o.doc, "PortKind");
	v1 = endpoint_render_v1(ep);
	rc = h->dp.plumb(h->dp.ctx, v1, netns, kind, NULL, &rec, err, sizeof(err));
	json_decref(v1);
	json_decref(netns);
	if (rc != 0)
		return dp_fail(e, rc, err);
	txn_plumbed(h, rec);
	port = sget(rec, "Port");
	att = json_object();
	if (ns) {
		json_object_set_new(att, "ContainerId", json_string(ns->o.id));
		json_object_set_new(att, "SystemType", json_string("Container"));
	} else {
		json_object_set_new(att, "SystemType", json_string("Host"));
	}
	json_object_set_new(att, "VirtualNicName", json_string(port));
	json_object_set_new(att, "Attached", json_true());
	json_object_set(att, "Plumb", rec);
	txn_set_att(h, ep, att, true);
	txn_notify(h, true, port, ep);
	json_decref(rec);
	return 0;
}

bool plumb_endpoint_is(const struct hns_endpoint *ep)
{
	return json_object_get(ep->att, "Plumb") != NULL;
}

void plumb_endpoint_out(struct hns *h, struct hns_endpoint *ep)
{
	json_t *rec = json_object_get(ep->att, "Plumb");
	const char *port = sget(ep->att, "VirtualNicName");

	if (rec == NULL)
		return;
	json_incref(rec);
	if (ep->bound && port)
		txn_notify(h, false, port, ep); /* detached before its port goes */
	txn_unplumb(h, rec);
	json_decref(rec);
	txn_set_att(h, ep, NULL, false);
}

void plumb_namespace_close(struct hns *h, const struct hns_namespace *ns)
{
	json_t *rec = netns_of(ns->o.doc);

	if (rec == NULL || h->dp.unplumb == NULL) {
		json_decref(rec);
		return;
	}
	txn_unplumb(h, rec);
	json_decref(rec);
}

bool plumb_restore(struct hns *h, struct hns_endpoint *ep, json_t *att)
{
	json_t *old = json_object_get(att, "Plumb"), *rec = NULL, *v1, *netns = NULL;
	char err[640] = "";
	int rc;

	if (h->dp.plumb == NULL)
		return false;
	if (sget(old, "NetNsPath")) {
		netns = json_object();
		json_object_set(netns, "NetNsPath", json_object_get(old, "NetNsPath"));
		json_object_set(netns, "NetNsOwned", json_object_get(old, "NetNsOwned"));
	}
	v1 = endpoint_render_v1(ep);
	rc = h->dp.plumb(h->dp.ctx, v1, netns, sget(old, "PortKind"), old, &rec,
			 err, sizeof(err));
	json_decref(v1);
	json_decref(netns);
	if (rc != 0) {
		fprintf(stderr, "vswitchd: warning: endpoint %s: cannot plumb it again: %s\n",
			ep->o.id, err);
		return false;
	}
	json_object_set_new(att, "Plumb", rec);
	json_object_set(att, "VirtualNicName", json_object_get(rec, "Port"));
	return true;
}

void plumb_render(const struct hns_endpoint *ep, json_t *out)
{
	const json_t *rec = json_object_get(ep->att, "Plumb");

	if (rec == NULL || !ep->bound)
		return;
	json_object_set(out, "InterfaceName", json_object_get(rec, "InterfaceName"));
	json_object_set(out, "HostInterfaceName", json_object_get(rec, "HostInterfaceName"));
	json_object_set(out, "PortKind", json_object_get(rec, "PortKind"));
	if (json_object_get(rec, "NetNsPath"))
		json_object_set(out, "NetNsPath", json_object_get(rec, "NetNsPath"));
}
