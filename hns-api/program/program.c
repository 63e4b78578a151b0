/* The northbound's composition and the HNS programmer (program.h). */
#include "program.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl_api.h"
#include "bg_work.h"
#include "config_endpoints.h"
#include "hns.h"
#include "lb_hns.h"
#include "nat_api.h"
#include "nat_hns.h"
#include "obnat_hns.h"
#include "net_hns.h"
#include "ns_hns.h"
#include "overlay_hns.h"
#include "envelope.h"
#include "policy_status.h"
#include "ports.h"
#include "qos_hns.h"
#include "stats_json.h"
#include "stats_read.h"
#include "store.h"

struct program {
	struct vswitch *sw;
	const struct access_policy *access; /* the caller's, outlives us */
	struct hns_store *store;
	struct hns_dataplane dp; /* lives as long as hns */
	struct hns *hns;
	struct ports *ports;
	struct acl_api *acl;
	struct nat_api *nat;
	struct net_hns *nets; /* Transparent/L2Bridge/Private (net_hns.h) */
	struct lb_hns *lbs;   /* HNS load balancers (lb_hns.h) */
	struct ns_hns *ns;    /* namespaces and attaches in Linux (ns_hns.h) */
	struct overlay_hns *overlay; /* Overlay networks (overlay_hns.h) */
	struct bg_work *bg;   /* REST changes made off the main lcore */
};

/* ---- the HNS model's view of the switch ---------------------------------- */

static bool dp_port_exists(void *ctx, const char *port_name)
{
	struct program *pg = ctx;

	return ports_find(pg->ports, port_name) >= 0;
}

static int dp_port_add(void *ctx, const char *port_name, const char *devargs,
		       char *err, size_t errlen)
{
	struct program *pg = ctx;

	return ports_add_device(pg->ports, port_name, devargs, err, errlen); /* 0/400/403 */
}

static const char *json_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : "";
}

/* The endpoint's ACL policies, NAT and network programming on its port. */
static void program_endpoint(struct program *pg, uint16_t p, const json_t *ep_v1)
{
	acl_api_endpoint_attached(pg->acl, p, ep_v1);
	qos_hns_endpoint_attached(pg->sw, p, ep_v1);
	if (pg->hns != NULL) {
		nat_hns_endpoint_attached(pg->nat, pg->hns, p, ep_v1);
		net_hns_endpoint_attached(pg->nets, pg->hns, p, ep_v1);
		obnat_hns_endpoint_attached(pg->sw, pg->hns, p, ep_v1);
	}
}

static void dp_endpoint_attached(void *ctx, const char *port_name,
				 const json_t *endpoint_v1)
{
	struct program *pg = ctx;
	int p = ports_find(pg->ports, port_name);

	if (p < 0)
		return;
	ports_bind_endpoint(pg->ports, (uint16_t)p, json_str(endpoint_v1, "ID"),
			    json_str(endpoint_v1, "Name"));
	program_endpoint(pg, (uint16_t)p, endpoint_v1);
}

static void dp_endpoint_detached(void *ctx, const char *port_name,
				 const json_t *endpoint_v1)
{
	struct program *pg = ctx;
	int p = ports_find(pg->ports, port_name);

	if (p < 0)
		return;
	ports_unbind_endpoint(pg->ports, (uint16_t)p, json_str(endpoint_v1, "ID"));
	acl_api_endpoint_detached(pg->acl, (uint16_t)p, endpoint_v1);
	qos_hns_endpoint_detached(pg->sw, (uint16_t)p);
	obnat_hns_endpoint_detached(pg->sw, (uint16_t)p);
	net_hns_endpoint_detached(pg->nets, (uint16_t)p, endpoint_v1);
	if (pg->hns != NULL) {
		nat_hns_endpoint_detached(pg->nat, pg->hns, (uint16_t)p, endpoint_v1);
		/* now, before the port may go: no overlay entry outlives it */
		overlay_hns_sync(pg->overlay, pg->hns, pg->ports);
	}
}

static void dp_topology_changed(void *ctx)
{
	struct program *pg = ctx;

	if (pg->hns != NULL)
		overlay_hns_sync(pg->overlay, pg->hns, pg->ports);
}

static void dp_network_created(void *ctx, const json_t *network_v1)
{
	struct program *pg = ctx;

	/* while hns_create() restores the store, networks are programmed
	 * later (program_restored), after the stored NATs */
	if (pg->hns != NULL)
		nat_hns_network_created(pg->nat, network_v1);
}

static void dp_network_deleted(void *ctx, const json_t *network_v1)
{
	struct program *pg = ctx;

	nat_hns_network_deleted(pg->nat, network_v1);
}

static void dp_remote_endpoint_created(void *ctx, const json_t *endpoint_v1)
{
	struct program *pg = ctx;

	if (pg->hns != NULL) /* restored ones: program_restored */
		net_hns_remote_created(pg->nets, pg->hns, endpoint_v1);
}

static void dp_remote_endpoint_deleted(void *ctx, const json_t *endpoint_v1)
{
	struct program *pg = ctx;

	net_hns_remote_deleted(pg->nets, endpoint_v1);
}

/* Drops seen from the endpoint's side: "incoming" are frames on their way
 * to it that the switch dropped at its port (egress filters, full TX ring,
 * no buffers), "outgoing" frames it sent that the switch refused (bad
 * frames, hairpin). VLAN and security-policy drops are counted on the port
 * that decided them, which for an endpoint port is mostly the delivery
 * side, so they count as incoming. */
static int dp_port_stats(void *ctx, const char *port_name, json_t *out)
{
	struct program *pg = ctx;
	int p = ports_find(pg->ports, port_name);
	struct port_counters c;
	uint64_t in, outd;

	if (p < 0)
		return -1;
	stats_read_port(pg->sw, (uint16_t)p, &c);
	in = c.drops[DROP_VLAN_FILTER] + c.drops[DROP_SECURITY_POLICY] +
	     c.drops[DROP_TX_RING_FULL] + c.drops[DROP_NO_BUFFERS];
	outd = c.drops[DROP_INVALID_PACKET] + c.drops[DROP_SOURCE_PORT];
	json_object_set_new(out, "BytesReceived", json_integer((json_int_t)c.tx_bytes));
	json_object_set_new(out, "BytesSent", json_integer((json_int_t)c.rx_bytes));
	json_object_set_new(out, "PacketsReceived", json_integer((json_int_t)c.tx_packets));
	json_object_set_new(out, "PacketsSent", json_integer((json_int_t)c.rx_packets));
	json_object_set_new(out, "DroppedPacketsIncoming", json_integer((json_int_t)in));
	json_object_set_new(out, "DroppedPacketsOutgoing", json_integer((json_int_t)outd));
	return 0;
}

/* Networks report the uplink's address as their ManagementIP. */
static int dp_uplink_address(void *ctx, char *buf, size_t len)
{
	struct program *pg = ctx;
	uint32_t ip;

	if (ports_uplink_ip(pg->ports, &ip) < 0)
		return -1;
	snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
		 (ip >> 8) & 0xff, ip & 0xff);
	return 0;
}

/* Load balancers: also while hns_create() restores the store (they come
 * last there, after the endpoints whose addresses they balance to). */
static int dp_lb_set(void *ctx, const char *id, const struct hns_lb *lb,
		     char *err, size_t errlen)
{
	struct program *pg = ctx;

	return lb_hns_set(pg->lbs, id, lb, err, errlen);
}

static int dp_lb_counters(void *ctx, const char *id, json_t *out)
{
	struct program *pg = ctx;

	return lb_hns_counters(pg->lbs, id, out);
}

static int dp_lb_counters_text(void *ctx, const char *id, struct jtext *out)
{
	struct program *pg = ctx;

	return lb_hns_counters_text(pg->lbs, id, out);
}

static int dp_netns_make(void *ctx, const char *ns_id, const char *path,
			 json_t **record, char *err, size_t errlen)
{
	return ns_hns_netns_make(((struct program *)ctx)->ns, ns_id, path, record,
				 err, errlen);
}

static int dp_plumb(void *ctx, const json_t *ep, const json_t *netns,
		    const char *kind, const json_t *old, json_t **record,
		    char *err, size_t errlen)
{
	return ns_hns_plumb(((struct program *)ctx)->ns, ep, netns, kind, old,
			    record, err, errlen);
}

static void dp_unplumb(void *ctx, const json_t *record)
{
	ns_hns_unplumb(((struct program *)ctx)->ns, record);
}

static void bind_dataplane(struct program *pg)
{
	memset(&pg->dp, 0, sizeof(pg->dp));
	pg->dp.ctx = pg;
	pg->dp.port_exists = dp_port_exists;
	pg->dp.port_add = dp_port_add;
	pg->dp.endpoint_attached = dp_endpoint_attached;
	pg->dp.endpoint_detached = dp_endpoint_detached;
	pg->dp.network_created = dp_network_created;
	pg->dp.network_deleted = dp_network_deleted;
	pg->dp.remote_endpoint_created = dp_remote_endpoint_created;
	pg->dp.remote_endpoint_deleted = dp_remote_endpoint_deleted;
	pg->dp.port_stats = dp_port_stats;
	pg->dp.uplink_address = dp_uplink_address;
	pg->dp.lb_set = dp_lb_set;
	pg->dp.lb_counters = dp_lb_counters;
	pg->dp.lb_counters_text = dp_lb_counters_text;
	pg->dp.netns_make = dp_netns_make;
	pg->dp.plumb = dp_plumb;
	pg->dp.unplumb = dp_unplumb;
	pg->dp.topology_changed = dp_topology_changed;
}

/* Networks and attachments hns_create() restored came before the
 * programmer existed: the NAT networks' NATs, and the attached endpoints'
 * NAT, Transparent, L2Bridge and Private networks are programmed now. */
static void program_restored(struct program *pg)
{
	json_t *nets = hns_network_list(pg->hns), *net;
	json_t *eps = hns_endpoint_list(pg->hns), *ep;
	size_t i;

	json_array_foreach(nets, i, net)
		nat_hns_network_created(pg->nat, net);
	json_decref(nets);
	net_hns_batch(pg->nets, true); /* one view for every restored entry */
	json_array_foreach(eps, i, ep)
		if (json_is_true(json_object_get(ep, "IsRemoteEndpoint")))
			net_hns_remote_created(pg->nets, pg->hns, ep);
	json_decref(eps);
	for (uint16_t p = 0; p < pg->sw->nb_ports; p++) {
		const char *id;
		json_t *ep;

		if (!pg->sw->ports[p].in_use)
			continue;
		id = ports_endpoint(pg->ports, p);
		ep = id[0] != '\0' ? hns_endpoint_get(pg->hns, id) : NULL;
		if (ep != NULL) {
			nat_hns_endpoint_attached(pg->nat, pg->hns, p, ep);
			net_hns_endpoint_attached(pg->nets, pg->hns, p, ep);
			obnat_hns_endpoint_attached(pg->sw, pg->hns, p, ep);
		}
		json_decref(ep);
	}
	overlay_hns_sync(pg->overlay, pg->hns, pg->ports);
	net_hns_batch(pg->nets, false);
}

/* GET /endpoints/{id}/policystatus: what the switch does with each of the
 * endpoint's policies (policy_status.h). 200 with the array, or 404. */
int program_endpoint_policy_status(struct program *pg, const char *id, json_t **resp)
{
	json_t *ep = pg->hns != NULL ? hns_endpoint_get(pg->hns, id) : NULL, *net, *rules = NULL;
	const char *ep_id;
	uint64_t qos_drops = 0;
	struct port_counters c;
	struct obnat_status obnat;
	bool nat = false, l2b = false, snat = false, snat_net;
	int port = -1;

	if (ep == NULL)
		return envelope_fail(resp, 404, "Element not found. (no endpoint with ID '%s')", id);
	ep_id = json_string_value(json_object_get(ep, "ID"));
	for (uint16_t p = 0; p < pg->sw->nb_ports && port < 0 && ep_id != NULL; p++)
		if (pg->sw->ports[p].in_use && strcasecmp(ports_endpoint(pg->ports, p), ep_id) == 0)
			port = p;
	net = hns_endpoint_network(pg->hns, ep);
	nat = net != NULL && strcasecmp(json_string_value(json_object_get(net, "Type")) ?
					json_string_value(json_object_get(net, "Type")) : "",
					"NAT") == 0;
	snat_net = net != NULL &&
		   obnat_hns_network_type(json_string_value(json_object_get(net, "Type")));
	l2b = net != NULL && strcasecmp(json_string_value(json_object_get(net, "Type")) ?
					json_string_value(json_object_get(net, "Type")) : "",
					"L2Bridge") == 0;
	json_decref(net);
	if (port >= 0) {
		stats_read_port(pg->sw, (uint16_t)port, &c);
		qos_drops = c.drops[DROP_QOS_RATE_EXCEEDED];
		snat = obnat_ctl_status(pg->sw, (uint16_t)port, &obnat);
		rules = acl_api_rules_json(pg->acl, (uint16_t)port, true);
		if (rules == NULL)
			rules = json_array();
	}
	*resp = envelope_ok(policy_status(ep, nat, rules, qos_drops, l2b,
					  port >= 0 ? c.sdn_route : NULL, snat_net,
					  snat ? &obnat : NULL));
	overlay_hns_policy_status(pg->overlay, ep, json_object_get(*resp, "Output"));
	json_decref(rules);
	json_decref(ep);
	return 200;
}

/* ---- start-up and restore order ------------------------------------------- */

static struct program *create_models(struct vswitch *sw, const struct switch_config *cfg)
{
	struct program *pg = calloc(1, sizeof(*pg));

	if (pg == NULL)
		return NULL;
	pg->sw = sw;
	pg->acl = acl_api_create(sw);
	pg->nat = nat_api_create(sw);
	pg->nets = net_hns_create(sw);
	pg->lbs = lb_hns_create(sw);
	pg->overlay = overlay_hns_create(sw);
	pg->ports = pg->acl != NULL ? ports_create(sw, cfg, pg->acl) : NULL;
	if (pg->acl == NULL || pg->nat == NULL || pg->nets == NULL || pg->lbs == NULL ||
	    pg->overlay == NULL || pg->ports == NULL) {
		program_stop(pg);
		return NULL;
	}
	bind_dataplane(pg);
	return pg;
}

static int open_store(struct program *pg, const char *state_path, char *what,
		      size_t whatlen, char *err, size_t errlen)
{
	char why[1024];

	if (state_path == NULL)
		return 0;
	pg->store = store_open(state_path, why, sizeof(why));
	if (pg->store == NULL) {
		if (strstr(why, state_path) != NULL) /* names the file */
			snprintf(what, whatlen, "--state");
		else
			snprintf(what, whatlen, "--state %s", state_path);
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	ports_set_store(pg->ports, pg->store);
	acl_api_set_store(pg->acl, pg->store);
	nat_api_set_store(pg->nat, pg->store);
	return 0;
}

/* Step 4: the config's HNS objects and port attachments. */
static int apply_config_hns(struct program *pg, const struct switch_config *cfg,
			    char *err, size_t errlen)
{
	if (config_check_endpoints(pg->hns, cfg, err, errlen) < 0)
		return -1;
	if (cfg->networks != NULL || cfg->endpoints != NULL) {
		json_t *empty = json_array();
		int rc = hns_apply_config(pg->hns,
					  cfg->networks != NULL ? cfg->networks : empty,
					  cfg->endpoints != NULL ? cfg->endpoints : empty,
					  err, errlen);

		json_decref(empty);
		if (rc < 0)
			return -1;
	}
	return config_attach_endpoints(pg->hns, cfg, err, errlen);
}

static void progress(const struct program_hooks *h, const char *step)
{
	if (h != NULL && h->progress != NULL)
		h->progress(h->arg, step);
}

static bool stopped(const struct program_hooks *h, char *what, size_t whatlen,
		    char *err, size_t errlen)
{
	if (h == NULL || h->stop == NULL || !h->stop(h->arg))
		return false;
	snprintf(what, whatlen, "start-up");
	snprintf(err, errlen, "stopped");
	return true;
}

struct program *program_start(struct vswitch *sw, const struct switch_config *cfg,
			      const struct access_policy *access,
			      const char *state_path, const char *config_path,
			      const struct program_hooks *hooks,
			      char *what, size_t whatlen, char *err, size_t errlen)
{
	struct program *pg;

	progress(hooks, "state");
	pg = create_models(sw, cfg);
	if (pg == NULL) {
		snprintf(what, whatlen, "error");
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* from here on, Devargs come from the API (or its stored ports) */
	pg->access = access;
	ports_set_access(pg->ports, access);
	if (open_store(pg, state_path, what, whatlen, err, errlen) < 0)
		goto fail;
	pg->ns = ns_hns_create(pg->ports, state_path);
	if (pg->ns == NULL) {
		snprintf(what, whatlen, "error");
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	snprintf(what, whatlen, "state");
	if (stopped(hooks, what, whatlen, err, errlen) ||
	    ports_restore(pg->ports, err, errlen) < 0)
		goto fail;
	if (stopped(hooks, what, whatlen, err, errlen))
		goto fail;
	progress(hooks, "HNS");
	pg->hns = hns_create(pg->store, &pg->dp, err, errlen);
	if (pg->hns == NULL) {
		snprintf(what, whatlen, "%s", state_path != NULL ? "state" : "HNS");
		goto fail;
	}
	if (stopped(hooks, what, whatlen, err, errlen))
		goto fail;
	if (apply_config_hns(pg, cfg, err, errlen) < 0) {
		snprintf(what, whatlen, "config %s", config_path);
		goto fail;
	}
	snprintf(what, whatlen, "state");
	if (stopped(hooks, what, whatlen, err, errlen) ||
	    acl_api_restore(pg->acl, err, errlen) < 0)
		goto fail;
	/* The config's Nats, then the stored NATs, then the restored NAT
	 * networks' NATs: the NATs that ran before the restart take their
	 * slots first, so a network whose NAT did not fit (16 NATs) cannot
	 * push one of them out now. */
	if (cfg->nats != NULL && nat_api_apply_config(pg->nat, cfg->nats, err, errlen) < 0)
		goto fail;
	if (stopped(hooks, what, whatlen, err, errlen) ||
	    nat_api_restore(pg->nat, err, errlen) < 0)
		goto fail;
	program_restored(pg);
	ns_hns_sweep(pg->ns); /* what a kill -9 left that nothing claims */
	return pg;
fail:
	program_stop(pg);
	return NULL;
}

int program_background_start(struct program *pg, acl_api_answer_fn answer,
			     void *ctx, char *err, size_t errlen)
{
	pg->bg = bg_work_start(err, errlen);
	if (pg->bg == NULL)
		return -1;
	acl_api_set_background(pg->acl, pg->bg, answer, ctx);
	return 0;
}

void program_background_poll(struct program *pg)
{
	if (pg != NULL)
		bg_work_poll(pg->bg);
}

void program_idle(struct program *pg)
{
	if (pg != NULL)
		ns_hns_pool_fill(pg->ns);
}

void program_set_pod_port_pool(struct program *pg, unsigned spares)
{
	ns_hns_set_pool(pg->ns, spares);
}

bool program_background_settling(const struct program *pg)
{
	return pg != NULL && acl_api_settling(pg->acl) > 0;
}

void program_background_stop(struct program *pg)
{
	if (pg == NULL || pg->bg == NULL)
		return;
	bg_work_stop(pg->bg); /* what is in the background finishes, is answered */
	pg->bg = NULL;
	acl_api_set_background(pg->acl, NULL, NULL, NULL);
}

void program_stop(struct program *pg)
{
	if (pg == NULL)
		return;
	program_background_stop(pg);
	if (pg->hns != NULL)
		hns_destroy(pg->hns);
	ns_hns_destroy(pg->ns);
	if (pg->store != NULL)
		store_close(pg->store);
	ports_destroy(pg->ports);
	acl_api_destroy(pg->acl);
	nat_api_destroy(pg->nat);
	net_hns_destroy(pg->nets);
	lb_hns_destroy(pg->lbs);
	overlay_hns_destroy(pg->overlay);
	free(pg);
}

int program_metrics(const struct program *pg, char **text, size_t *len)
{
	char *base, *lbs = NULL;
	size_t base_len, lbs_len = 0;
	FILE *f;

	if (stats_metrics_text(pg->sw, &base, &base_len) < 0)
		return -1;
	f = pg->lbs != NULL ? open_memstream(&lbs, &lbs_len) : NULL;
	if (f != NULL) {
		lb_hns_metrics(pg->lbs, f);
		fclose(f);
	}
	if (lbs_len == 0) {
		free(lbs);
		*text = base;
		*len = base_len;
		return 0;
	}
	*text = malloc(base_len + lbs_len + 1);
	if (*text == NULL) {
		free(base);
		free(lbs);
		return -1;
	}
	memcpy(*text, base, base_len);
	memcpy(*text + base_len, lbs, lbs_len + 1);
	*len = base_len + lbs_len;
	free(base);
	free(lbs);
	return 0;
}

json_t *program_stats(const struct program *pg)
{
	json_t *doc = stats_to_json(pg->sw);

	if (doc != NULL)
		json_object_set_new(doc, "LoadBalancers", lb_hns_stats(pg->lbs));
	return doc;
}

int program_write_stats(const struct program *pg, const char *path)
{
	return stats_write_doc(program_stats(pg), path);
}

struct vswitch *program_switch(const struct program *pg)
{
	return pg->sw;
}

const struct access_policy *program_access(const struct program *pg)
{
	return pg->access;
}

struct hns *program_hns(const struct program *pg)
{
	return pg->hns;
}

struct ports *program_ports(const struct program *pg)
{
	return pg->ports;
}

struct acl_api *program_acl(const struct program *pg)
{
	return pg->acl;
}

struct nat_api *program_nat(const struct program *pg)
{
	return pg->nat;
}
