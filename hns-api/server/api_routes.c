#include "api_routes.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_telemetry.h>

#include "acl_api.h"
#include "addr_parse.h"
#include "drop_reason.h"
#include "mac_table.h"
#include "nat_api.h"
#include "nat_hns.h"
#include "net_hns.h"
#include "trace_api.h"
#include "options.h"
#include "port_hotplug.h"
#include "stats.h"
#include "stats_json.h"
#include "store.h"
#include "worker.h"

_Static_assert(OPTIONS_MAX_API == API_MAX_LISTENERS,
	       "options.h and api_server.h disagree on the listener count");

#define ENDPOINT_ID_MAX 64
#define JSON_TYPE "application/json"
#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* What the API knows about a port slot beyond struct vs_port. */
struct port_extra {
	char devargs[CONFIG_DEVARGS_MAX];
	char endpoint_id[ENDPOINT_ID_MAX];   /* "" when nothing attached */
	char endpoint_name[VS_NAME_MAX * 2];
};

struct api_routes {
	struct vswitch *sw;
	struct hns *hns;
	struct hns_store *store; /* NULL: /ports changes live in memory only */
	struct acl_api *acl;
	struct nat_api *nat;
	struct net_hns *nets; /* Transparent/L2Bridge/Private (net_hns.h) */
	json_t *config_nats; /* the config's "Nats", applied at restore time */
	struct port_extra ports[VS_MAX_PORTS];
};

struct api_routes *api_routes_create(struct vswitch *sw,
				     const struct switch_config *cfg)
{
	struct api_routes *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->sw = sw;
	r->acl = acl_api_create(sw);
	r->nat = nat_api_create(sw);
	r->nets = net_hns_create(sw);
	if (r->acl == NULL || r->nat == NULL || r->nets == NULL) {
		acl_api_destroy(r->acl);
		nat_api_destroy(r->nat);
		net_hns_destroy(r->nets);
		free(r);
		return NULL;
	}
	r->config_nats = json_incref(cfg->nats);
	for (uint16_t i = 0; i < cfg->nb_ports && i < VS_MAX_PORTS; i++) {
		snprintf(r->ports[i].devargs, sizeof(r->ports[i].devargs), "%s",
			 cfg->ports[i].devargs);
		acl_api_port_config(r->acl, i, &cfg->ports[i]);
	}
	return r;
}

static struct api_routes *telemetry_routes; /* read by the telemetry thread */

void api_routes_destroy(struct api_routes *r)
{
	if (r == NULL)
		return;
	if (__atomic_load_n(&telemetry_routes, __ATOMIC_ACQUIRE) == r)
		__atomic_store_n(&telemetry_routes, NULL, __ATOMIC_RELEASE);
	acl_api_destroy(r->acl);
	nat_api_destroy(r->nat);
	net_hns_destroy(r->nets);
	json_decref(r->config_nats);
	free(r);
}

/* Networks and attachments hns_create() restored came before the service
 * existed: the NAT networks' NATs, and the attached endpoints' NAT,
 * Transparent, L2Bridge and Private networks are programmed now. */
static void nat_networks_restore(struct api_routes *r)
{
	json_t *resp = NULL, *net;
	size_t i;

	if (hns_handle(r->hns, "GET", "/networks/", NULL, 0, &resp) == 200)
		json_array_foreach(json_object_get(resp, "Output"), i, net)
			nat_hns_network_created(r->nat, net);
	json_decref(resp);
	for (uint16_t p = 0; p < r->sw->nb_ports; p++) {
		char path[ENDPOINT_ID_MAX + 16];
		json_t *resp = NULL;

		if (!r->sw->ports[p].in_use || r->ports[p].endpoint_id[0] == '\0')
			continue;
		snprintf(path, sizeof(path), "/endpoints/%s", r->ports[p].endpoint_id);
		if (hns_handle(r->hns, "GET", path, NULL, 0, &resp) == 200) {
			nat_hns_endpoint_attached(r->nat, r->hns, p,
						  json_object_get(resp, "Output"));
			net_hns_endpoint_attached(r->nets, r->hns, p,
						  json_object_get(resp, "Output"));
		}
		json_decref(resp);
	}
}

void api_routes_set_hns(struct api_routes *r, struct hns *h)
{
	r->hns = h;
	if (h != NULL)
		nat_networks_restore(r);
}

void api_routes_set_store(struct api_routes *r, struct hns_store *store)
{
	r->store = store;
	acl_api_set_store(r->acl, store);
	nat_api_set_store(r->nat, store);
}

static int collect_port_row(void *arg, const char *id, const char *json_text)
{
	json_t *rows = arg, *row = json_pack("{s:s, s:s}", "id", id, "json", json_text);

	return row == NULL || json_array_append_new(rows, row) < 0 ? -1 : 0;
}

static int add_port(struct api_routes *r, const json_t *doc, uint16_t *index,
		    char *name, size_t name_len, char *err, size_t errlen);
static int store_port(struct api_routes *r, const char *name, const char *text,
		      char *err, size_t errlen);

/* A stored port the config now has (by name, Devargs or Uplink): the
 * config wins, the stored port and its API rules go. */
static void drop_stored_port(struct api_routes *r, const char *id, const char *why)
{
	char err[512];

	fprintf(stderr, "vswitchd: warning: stored port '%s' dropped: %s\n", id, why);
	if (store_port(r, id, NULL, err, sizeof(err)) < 0)
		fprintf(stderr, "vswitchd: warning: %s\n", err);
}

int api_routes_restore_ports(struct api_routes *r, char *err, size_t errlen)
{
	json_t *rows, *row;
	size_t i;

	if (r->store == NULL)
		return 0;
	rows = json_array();
	if (rows == NULL || store_load(r->store, "port", collect_port_row, rows) != 0) {
		snprintf(err, errlen, "loading the ports: %s",
			 rows == NULL ? "out of memory" : store_error(r->store));
		json_decref(rows);
		return -1;
	}
	json_array_foreach(rows, i, row) {
		const char *id = json_string_value(json_object_get(row, "id"));
		const char *text = json_string_value(json_object_get(row, "json"));
		char name[VS_NAME_MAX] = "", why[1024];
		json_error_t jerr;
		json_t *doc;
		uint16_t index;
		int status;

		if (vswitch_port_find(r->sw, id) >= 0) {
			drop_stored_port(r, id, "the config has a port of that name");
			continue;
		}
		doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
		if (doc == NULL) {
			fprintf(stderr, "vswitchd: warning: stored port '%s' left out: "
				"%s\n", id, jerr.text);
			continue;
		}
		status = add_port(r, doc, &index, name, sizeof(name), why, sizeof(why));
		json_decref(doc);
		if (status == 409) {
			drop_stored_port(r, id, why);
		} else if (status != 0) {
			fprintf(stderr, "vswitchd: warning: stored port '%s' left out: %s\n",
				id, why);
		} else {
			fprintf(stderr, "vswitchd: port %u '%s' restored: %s\n", index, name,
				r->ports[index].devargs);
		}
	}
	json_decref(rows);
	return 0;
}

int api_routes_restore_acls(struct api_routes *r, char *err, size_t errlen)
{
	if (acl_api_restore(r->acl, err, errlen) < 0)
		return -1;
	/* the config's Nats, then the stored NATs (a stored one whose name
	 * the config or an HNS network took is dropped) */
	if (r->config_nats != NULL &&
	    nat_api_apply_config(r->nat, r->config_nats, err, errlen) < 0)
		return -1;
	return nat_api_restore(r->nat, err, errlen);
}

void api_routes_poll(void *arg)
{
	api_server_poll(arg);
}

bool api_unix_socket_in_use(const char *path)
{
	struct sockaddr_un sa;
	int fd;
	bool live;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return live;
}

static bool port_live(const struct vswitch *sw, int p)
{
	return p >= 0 && p < sw->nb_ports && sw->ports[p].in_use;
}

/* ---- the HNS service's view of the switch ------------------------------ */

static bool dp_port_exists(void *ctx, const char *port_name)
{
	struct api_routes *r = ctx;

	return vswitch_port_find(r->sw, port_name) >= 0;
}

static int dp_port_add(void *ctx, const char *port_name, const char *devargs,
		       char *err, size_t errlen)
{
	struct api_routes *r = ctx;
	struct port_config *pc;
	uint16_t index;
	int rc;

	if (strlen(port_name) == 0 || strlen(port_name) >= VS_NAME_MAX) {
		snprintf(err, errlen, "port name must be 1-%d characters", VS_NAME_MAX - 1);
		return -1;
	}
	if (strlen(devargs) == 0 || strlen(devargs) >= CONFIG_DEVARGS_MAX) {
		snprintf(err, errlen, "Devargs must be 1-%d characters",
			 CONFIG_DEVARGS_MAX - 1);
		return -1;
	}
	for (uint16_t p = 0; p < r->sw->nb_ports; p++)
		if (r->sw->ports[p].in_use && strcmp(r->ports[p].devargs, devargs) == 0) {
			snprintf(err, errlen, "port '%s' already uses Devargs '%s'",
				 r->sw->ports[p].name, devargs);
			return -1;
		}
	pc = calloc(1, sizeof(*pc));
	if (pc == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(pc->name, sizeof(pc->name), "%s", port_name);
	snprintf(pc->devargs, sizeof(pc->devargs), "%s", devargs);
	vlan_config_init(&pc->vlan);
	rc = vswitch_port_add(r->sw, pc, &index, err, errlen);
	free(pc);
	if (rc < 0)
		return -1;
	memset(&r->ports[index], 0, sizeof(r->ports[index]));
	acl_api_port_removed(r->acl, index); /* a reused slot starts afresh */
	snprintf(r->ports[index].devargs, sizeof(r->ports[index].devargs), "%s", devargs);
	fprintf(stderr, "vswitchd: port %u '%s' added: %s\n", index, port_name, devargs);
	return 0;
}

static const char *json_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : "";
}

static void dp_endpoint_attached(void *ctx, const char *port_name,
				 const json_t *endpoint_v1)
{
	struct api_routes *r = ctx;
	int p = vswitch_port_find(r->sw, port_name);

	if (p < 0)
		return;
	snprintf(r->ports[p].endpoint_id, sizeof(r->ports[p].endpoint_id), "%s",
		 json_str(endpoint_v1, "ID"));
	snprintf(r->ports[p].endpoint_name, sizeof(r->ports[p].endpoint_name), "%s",
		 json_str(endpoint_v1, "Name"));
	acl_api_endpoint_attached(r->acl, (uint16_t)p, endpoint_v1);
	if (r->hns != NULL) {
		nat_hns_endpoint_attached(r->nat, r->hns, (uint16_t)p, endpoint_v1);
		net_hns_endpoint_attached(r->nets, r->hns, (uint16_t)p, endpoint_v1);
	}
}

static void dp_network_created(void *ctx, const json_t *network_v1)
{
	struct api_routes *r = ctx;

	nat_hns_network_created(r->nat, network_v1);
}

static void dp_network_deleted(void *ctx, const json_t *network_v1)
{
	struct api_routes *r = ctx;

	nat_hns_network_deleted(r->nat, network_v1);
}

static void dp_endpoint_detached(void *ctx, const char *port_name,
				 const json_t *endpoint_v1)
{
	struct api_routes *r = ctx;
	int p = vswitch_port_find(r->sw, port_name);
	const char *id = json_str(endpoint_v1, "ID");

	if (p < 0)
		return;
	if (id[0] == '\0' || strcmp(r->ports[p].endpoint_id, id) == 0) {
		r->ports[p].endpoint_id[0] = '\0';
		r->ports[p].endpoint_name[0] = '\0';
	}
	acl_api_endpoint_detached(r->acl, (uint16_t)p, endpoint_v1);
	net_hns_endpoint_detached(r->nets, (uint16_t)p, endpoint_v1);
	if (r->hns != NULL)
		nat_hns_endpoint_detached(r->nat, r->hns, (uint16_t)p, endpoint_v1);
}

/* Drops seen from the endpoint's side: "incoming" are frames on their way
 * to it that the switch dropped at its port (egress filters, full TX ring,
 * no buffers), "outgoing" frames it sent that the switch refused (bad
 * frames, hairpin). VLAN and security-policy drops are counted on the port
 * that decided them, which for an endpoint port is mostly the delivery
 * side, so they count as incoming. */
static int dp_port_stats(void *ctx, const char *port_name, json_t *out)
{
	struct api_routes *r = ctx;
	int p = vswitch_port_find(r->sw, port_name);
	struct port_counters c;
	uint64_t in, outd;

	if (p < 0)
		return -1;
	stats_sum_port(r->sw, (uint16_t)p, &c);
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

void api_routes_dataplane(struct api_routes *r, struct hns_dataplane *dp)
{
	memset(dp, 0, sizeof(*dp));
	dp->ctx = r;
	dp->port_exists = dp_port_exists;
	dp->port_add = dp_port_add;
	dp->endpoint_attached = dp_endpoint_attached;
	dp->endpoint_detached = dp_endpoint_detached;
	dp->network_created = dp_network_created;
	dp->network_deleted = dp_network_deleted;
	dp->port_stats = dp_port_stats;
}

/* ---- replies ----------------------------------------------------------- */

static void reply_json(struct api_reply *reply, int status, json_t *doc)
{
	reply->status = status;
	reply->content_type = JSON_TYPE;
	reply->body = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
	reply->len = reply->body != NULL ? strlen(reply->body) : 0;
	json_decref(doc);
	if (reply->body == NULL) {
		reply->status = 500;
		reply->body = strdup("{\"Success\":false,\"Error\":\"out of memory\","
				     "\"Output\":null}");
		reply->len = reply->body != NULL ? strlen(reply->body) : 0;
	}
}

static bool utf8_valid(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

static void reply_error(struct api_reply *reply, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reply_error(struct api_reply *reply, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The text may quote a request path, any bytes, or end in a UTF-8
	 * sequence cut at sizeof(msg): json_pack refuses what is not UTF-8
	 * (it was answered 500 "out of memory"), so such bytes become '?'. */
	if (!utf8_valid(msg))
		for (char *p = msg; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
	reply_json(reply, status, json_pack("{s:b, s:s, s:n}", "Success", 0,
					    "Error", msg, "Output"));
}

static void reply_bad_method(struct api_reply *reply, const char *method,
			     const char *path, const char *allowed)
{
	reply_error(reply, 405, "method %s not allowed on %s (allowed: %s)", method,
		    path, allowed);
}

/* ---- /ports ------------------------------------------------------------ */

static bool is_get(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}


/* "10,20,100-199" from a trunk's allowed bitmap. */
static void vlan_list_text(const struct vlan_config *v, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned vid = 1; vid <= VLAN_ID_MAX && n < len; vid++) {
		unsigned end = vid;

		if (!vlan_bitmap_test(v->allowed, (uint16_t)vid))
			continue;
		while (end + 1 <= VLAN_ID_MAX && vlan_bitmap_test(v->allowed, (uint16_t)(end + 1)))
			end++;
		if (end == vid)
			n += (size_t)snprintf(buf + n, len - n, "%s%u", n ? "," : "", vid);
		else
			n += (size_t)snprintf(buf + n, len - n, "%s%u-%u", n ? "," : "", vid, end);
		vid = end;
	}
}

/* The section-4 "Vlan" object. */
static json_t *vlan_json(const struct vlan_config *v)
{
	char list[8192];

	switch (v->mode) {
	case VLAN_MODE_ACCESS:
		return json_pack("{s:s, s:i}", "OperationMode", "Access",
				 "AccessVlanId", (int)v->access_vid);
	case VLAN_MODE_TRUNK:
		vlan_list_text(v, list, sizeof(list));
		return json_pack("{s:s, s:s, s:i}", "OperationMode", "Trunk",
				 "AllowedVlanIdList", list, "NativeVlanId",
				 (int)v->native_vid);
	case VLAN_MODE_UNTAGGED:
		break;
	}
	return json_pack("{s:s}", "OperationMode", "Untagged");
}

static json_t *drops_json(const uint64_t *drops)
{
	json_t *o = json_object();

	for (unsigned r = 0; r < DROP_REASON_COUNT; r++)
		json_object_set_new(o, drop_reason_text(r), json_integer((json_int_t)drops[r]));
	return o;
}

static json_t *port_json(const struct api_routes *r, uint16_t p)
{
	const struct vs_port *port = &r->sw->ports[p];
	const struct port_extra *x = &r->ports[p];
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	struct port_counters c;
	json_t *o;

	stats_sum_port(r->sw, p, &c);
	mac_format(&port->mac, mac);
	o = json_pack("{s:s, s:i, s:b, s:o, s:s, s:I, s:I, s:I, s:I, s:o}",
		      "Name", port->name, "Index", (int)p, "Uplink", port->uplink,
		      "Vlan", vlan_json(&port->vlan), "MacAddress", mac,
		      "RxPackets", (json_int_t)c.rx_packets,
		      "TxPackets", (json_int_t)c.tx_packets,
		      "RxBytes", (json_int_t)c.rx_bytes,
		      "TxBytes", (json_int_t)c.tx_bytes,
		      "Drops", drops_json(c.drops));
	if (o == NULL)
		return NULL;
	if (x->devargs[0] != '\0')
		json_object_set_new(o, "Devargs", json_string(x->devargs));
	if (x->endpoint_id[0] != '\0') {
		json_object_set_new(o, "Endpoint", json_string(x->endpoint_id));
		if (x->endpoint_name[0] != '\0')
			json_object_set_new(o, "EndpointName", json_string(x->endpoint_name));
	}
	json_object_set_new(o, "Acls", acl_api_rules_json(r->acl, p, false));
	json_object_set_new(o, "ExtendedAcls", acl_api_rules_json(r->acl, p, true));
	return o;
}

/* Hot-plugs the port doc describes (as in the startup config) with its
 * ACLs. Returns 0 and the index, or the HTTP status of the refusal with
 * err; nothing is left behind on error. */
static int add_port(struct api_routes *r, const json_t *doc, uint16_t *index,
		    char *name, size_t name_len, char *err, size_t errlen)
{
	struct vswitch *sw = r->sw;
	struct port_config *pc = calloc(1, sizeof(*pc));
	int status = 0;

	if (pc == NULL) {
		snprintf(err, errlen, "out of memory");
		return 500;
	}
	if (config_parse_port(doc, "", pc, err, errlen) < 0) {
		status = 400;
		goto out;
	}
	snprintf(name, name_len, "%s", pc->name);
	if (vswitch_port_find(sw, pc->name) >= 0) {
		snprintf(err, errlen, "Name: port '%s' already exists", pc->name);
		status = 409;
		goto out;
	}
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		if (!sw->ports[p].in_use)
			continue;
		if (strcmp(r->ports[p].devargs, pc->devargs) == 0) {
			snprintf(err, errlen, "Devargs: port '%s' already uses this device",
				 sw->ports[p].name);
			status = 409;
			goto out;
		}
		if (pc->uplink && sw->ports[p].uplink) {
			snprintf(err, errlen, "Uplink: port '%s' is already the uplink",
				 sw->ports[p].name);
			status = 409;
			goto out;
		}
	}
	if (vswitch_port_add(sw, pc, index, err, errlen) < 0) {
		status = 400;
		goto out;
	}
	acl_api_port_removed(r->acl, *index); /* a reused slot starts afresh */
	{
		char why[768];

		if (config_apply_port_acls(sw, *index, pc, why, sizeof(why)) < 0) {
			char ignore[256];

			/* nothing half-applied: the port goes again */
			vswitch_port_remove(sw, pc->name, ignore, sizeof(ignore));
			snprintf(err, errlen, "cannot install the port's ACLs: %s", why);
			status = 500;
			goto out;
		}
	}
	acl_api_port_config(r->acl, *index, pc);
	memset(&r->ports[*index], 0, sizeof(r->ports[*index]));
	snprintf(r->ports[*index].devargs, sizeof(r->ports[*index].devargs), "%s",
		 pc->devargs);
out:
	config_port_release(pc);
	free(pc);
	return status;
}

/* Undoes add_port() (the store refused the port). */
static void unplug_port(struct api_routes *r, uint16_t index, const char *name)
{
	char ignore[256];

	if (vswitch_port_remove(r->sw, name, ignore, sizeof(ignore)) < 0)
		fprintf(stderr, "vswitchd: port '%s': cannot remove it again: %s\n",
			name, ignore);
	memset(&r->ports[index], 0, sizeof(r->ports[index]));
	acl_api_port_removed(r->acl, index);
}

/* One transaction: the port's row put (text) or deleted (NULL), and its
 * API rule rows deleted. 0, or -1 with err and nothing stored. */
static int store_port(struct api_routes *r, const char *name, const char *text,
		      char *err, size_t errlen)
{
	int rc;

	if (r->store == NULL)
		return 0;
	rc = store_begin(r->store);
	if (rc == 0)
		rc = text != NULL ? store_put(r->store, "port", name, text)
				  : store_delete(r->store, "port", name);
	if (rc == 0)
		rc = store_delete(r->store, "portacls", name);
	if (rc == 0)
		rc = store_delete(r->store, "portextacls", name);
	if (rc == 0)
		rc = store_commit(r->store);
	if (rc != 0) {
		snprintf(err, errlen, "state store: %s", store_error(r->store));
		store_rollback(r->store);
		return -1;
	}
	return 0;
}

/* POST /ports: hot-plug a port described as in the startup config; with a
 * store, its JSON is stored (kind "port") before the reply. */
static void create_port(struct api_routes *r, const char *body, size_t len,
			struct api_reply *reply)
{
	json_error_t jerr;
	json_t *doc;
	char err[1024], name[VS_NAME_MAX] = "", *text = NULL;
	uint16_t index;
	int status;

	doc = json_loadb(body != NULL ? body : "", body != NULL ? len : 0,
			 JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		reply_error(reply, 400, "line %d column %d: %s", jerr.line, jerr.column,
			    jerr.text);
		return;
	}
	status = add_port(r, doc, &index, name, sizeof(name), err, sizeof(err));
	if (status != 0) {
		reply_error(reply, status, "%s", err);
		json_decref(doc);
		return;
	}
	if (r->store != NULL) {
		text = json_dumps(doc, JSON_COMPACT);
		if (text == NULL)
			snprintf(err, sizeof(err), "out of memory");
		if (text == NULL || store_port(r, name, text, err, sizeof(err)) < 0) {
			unplug_port(r, index, name);
			reply_error(reply, 500, "%s", err);
			free(text);
			json_decref(doc);
			return;
		}
		free(text);
	}
	fprintf(stderr, "vswitchd: port %u '%s' added: %s\n", index, name,
		r->ports[index].devargs);
	reply_json(reply, 200, port_json(r, index));
	json_decref(doc);
}

/* DELETE /ports/{name}: hot-unplug, unless an endpoint is attached. */
static void delete_port(struct api_routes *r, const char *name,
			struct api_reply *reply)
{
	int p = vswitch_port_find(r->sw, name);
	char err[256];

	if (!port_live(r->sw, p)) {
		reply_error(reply, 404, "no port '%s'", name);
		return;
	}
	if (r->ports[p].endpoint_id[0] != '\0') {
		reply_error(reply, 409, "endpoint %s is attached to port '%s' "
			    "(detach it first)", r->ports[p].endpoint_id, name);
		return;
	}
	/* The store first: removal cannot fail past the checks above, while
	 * a removed port could not be put back as it was. */
	if (store_port(r, name, NULL, err, sizeof(err)) < 0) {
		reply_error(reply, 500, "%s", err);
		return;
	}
	if (vswitch_port_remove(r->sw, name, err, sizeof(err)) < 0) {
		reply_error(reply, 500, "%s", err);
		return;
	}
	memset(&r->ports[p], 0, sizeof(r->ports[p]));
	acl_api_port_removed(r->acl, (uint16_t)p); /* the switch cleared its rules */
	fprintf(stderr, "vswitchd: port '%s' removed\n", name);
	reply->status = 204;
	reply->body = NULL;
	reply->len = 0;
	reply->content_type = JSON_TYPE;
}

static void route_one_port(struct api_routes *r, const char *method,
			   const char *path, const char *name,
			   struct api_reply *reply);

/* /ports/{name}/{sub}: the port's ACLs (acl_api.h). */
static void route_port_sub(struct api_routes *r, const char *method,
			   const char *name_sub, const char *body, size_t len,
			   struct api_reply *reply)
{
	const char *slash = strchr(name_sub, '/');
	const char *sub = slash + 1;
	char name[VS_NAME_MAX];
	json_t *resp = NULL;
	int p, status;

	if ((size_t)(slash - name_sub) >= sizeof(name)) {
		reply_error(reply, 404, "no port '%.*s'", (int)(slash - name_sub), name_sub);
		return;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(slash - name_sub), name_sub);
	if (!acl_api_path(sub)) {
		reply_error(reply, 404, "no such path: /ports/%s", name_sub);
		return;
	}
	p = vswitch_port_find(r->sw, name);
	if (!port_live(r->sw, p)) {
		reply_error(reply, 404, "no port '%s'", name);
		return;
	}
	status = acl_api_handle(r->acl, (uint16_t)p, name, method, sub, body, len, &resp);
	if (resp == NULL) {
		reply_error(reply, 500, "out of memory");
		return;
	}
	reply_json(reply, status, resp);
}

static void route_ports(struct api_routes *r, const char *method,
			const char *path, const char *body, size_t len,
			struct api_reply *reply)
{
	const char *name = path + strlen("/ports");
	struct vswitch *sw = r->sw;

	if (*name == '/')
		name++;
	if (*name == '\0') {
		if (strcmp(method, "POST") == 0) {
			create_port(r, body, len, reply);
		} else if (is_get(method)) {
			json_t *arr = json_array();

			for (uint16_t i = 0; i < sw->nb_ports; i++)
				if (sw->ports[i].in_use)
					json_array_append_new(arr, port_json(r, i));
			reply_json(reply, 200, arr);
		} else {
			reply_bad_method(reply, method, path, "GET, POST");
		}
		return;
	}
	if (strchr(name, '/') != NULL && strchr(name, '/')[1] != '\0') {
		route_port_sub(r, method, name, body, len, reply);
		return;
	}
	if (strchr(name, '/') != NULL) { /* "/ports/p1/" is "/ports/p1" */
		char one[VS_NAME_MAX + 1];

		snprintf(one, sizeof(one), "%.*s", (int)(strchr(name, '/') - name), name);
		route_one_port(r, method, path, one, reply);
		return;
	}
	route_one_port(r, method, path, name, reply);
}

static void route_one_port(struct api_routes *r, const char *method,
			   const char *path, const char *name,
			   struct api_reply *reply)
{
	struct vswitch *sw = r->sw;
	int p;

	if (strcmp(method, "DELETE") == 0) {
		delete_port(r, name, reply);
		return;
	}
	if (!is_get(method)) {
		reply_bad_method(reply, method, path, "GET, DELETE");
		return;
	}
	p = vswitch_port_find(sw, name);
	if (!port_live(sw, p)) {
		reply_error(reply, 404, "no port '%s'", name);
		return;
	}
	reply_json(reply, 200, port_json(r, (uint16_t)p));
}

/* ---- /metrics ---------------------------------------------------------- */

static void metric_head(FILE *f, const char *name, const char *type,
			const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void port_counter(FILE *f, const struct vswitch *sw,
			 const struct port_counters *c, const char *name,
			 const char *help, size_t field)
{
	metric_head(f, name, "counter", help);
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		uint64_t v;

		if (!sw->ports[p].in_use)
			continue;
		memcpy(&v, (const char *)&c[p] + field, sizeof(v));
		fprintf(f, "%s{port=\"", name);
		metrics_put_label(f, sw->ports[p].name);
		fprintf(f, "\"} %" PRIu64 "\n", v);
	}
}

static void route_metrics(struct api_routes *r, struct api_reply *reply)
{
	const struct vswitch *sw = r->sw;
	struct port_counters c[VS_MAX_PORTS], total;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL) {
		reply_error(reply, 500, "out of memory");
		return;
	}
	memset(&total, 0, sizeof(total));
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		memset(&c[p], 0, sizeof(c[p]));
		if (sw->ports[p].in_use) {
			stats_sum_port(sw, p, &c[p]);
			port_counters_add(&total, &c[p]);
		}
	}
	port_counter(f, sw, c, "hvswitch_port_rx_packets_total",
		     "Frames received on a switch port.",
		     offsetof(struct port_counters, rx_packets));
	port_counter(f, sw, c, "hvswitch_port_tx_packets_total",
		     "Frames sent on a switch port.",
		     offsetof(struct port_counters, tx_packets));
	port_counter(f, sw, c, "hvswitch_port_rx_bytes_total",
		     "Bytes received on a switch port.",
		     offsetof(struct port_counters, rx_bytes));
	port_counter(f, sw, c, "hvswitch_port_tx_bytes_total",
		     "Bytes sent on a switch port.",
		     offsetof(struct port_counters, tx_bytes));
	metric_head(f, "hvswitch_port_drops_total", "counter",
		    "Frames dropped, by the port they were counted on and reason.");
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		if (!sw->ports[p].in_use)
			continue;
		for (unsigned d = 0; d < DROP_REASON_COUNT; d++) {
			fputs("hvswitch_port_drops_total{port=\"", f);
			metrics_put_label(f, sw->ports[p].name);
			fputs("\",reason=\"", f);
			metrics_put_label(f, drop_reason_text(d));
			fprintf(f, "\"} %" PRIu64 "\n", c[p].drops[d]);
		}
	}
	metric_head(f, "hvswitch_drops_total", "counter",
		    "Frames dropped on any port, by reason.");
	for (unsigned d = 0; d < DROP_REASON_COUNT; d++) {
		fputs("hvswitch_drops_total{reason=\"", f);
		metrics_put_label(f, drop_reason_text(d));
		fprintf(f, "\"} %" PRIu64 "\n", total.drops[d]);
	}
	metric_head(f, "hvswitch_mac_table_entries", "gauge",
		    "Entries in the MAC table (learned and static).");
	fprintf(f, "hvswitch_mac_table_entries %u\n",
		(unsigned)(sw->macs != NULL ? mac_table_count(sw->macs) : 0));
	metric_head(f, "hvswitch_worker_busy_polls_total", "counter",
		    "Polls of a worker that received at least one frame.");
	for (unsigned i = 0; i < sw->nb_workers; i++)
		fprintf(f, "hvswitch_worker_busy_polls_total{worker=\"%u\",lcore=\"%u\"} %"
			PRIu64 "\n", sw->workers[i]->id, sw->workers[i]->lcore,
			sw->workers[i]->c.busy_polls);
	metric_head(f, "hvswitch_worker_learn_queue_full_total", "counter",
		    "MAC learn requests lost because a worker's queue was full.");
	for (unsigned i = 0; i < sw->nb_workers; i++)
		fprintf(f, "hvswitch_worker_learn_queue_full_total{worker=\"%u\",lcore=\"%u\"} %"
			PRIu64 "\n", sw->workers[i]->id, sw->workers[i]->lcore,
			sw->workers[i]->c.learn_queue_full);
	stats_nat_metrics(sw, f);
	if (fclose(f) != 0 || buf == NULL) {
		free(buf);
		reply_error(reply, 500, "out of memory");
		return;
	}
	reply->status = 200;
	reply->body = buf;
	reply->len = len;
	reply->content_type = METRICS_TYPE;
}

/* ---- dispatch ---------------------------------------------------------- */

static bool path_is(const char *path, const char *base)
{
	size_t n = strlen(base);

	return strncmp(path, base, n) == 0 &&
	       (path[n] == '\0' || (path[n] == '/' && path[n + 1] == '\0'));
}

static bool path_under(const char *path, const char *base)
{
	size_t n = strlen(base);

	return strncmp(path, base, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

void api_routes_handle(void *ctx, const char *method, const char *path,
		       const char *query, const char *body, size_t body_len,
		       struct api_reply *reply)
{
	struct api_routes *r = ctx;
	json_t *resp = NULL;
	int status;

	if (path_is(path, "/stats")) {
		if (!is_get(method))
			reply_bad_method(reply, method, path, "GET");
		else
			reply_json(reply, 200, stats_to_json(r->sw));
		return;
	}
	if (path_is(path, "/metrics")) {
		if (!is_get(method))
			reply_bad_method(reply, method, path, "GET");
		else
			route_metrics(r, reply);
		return;
	}
	if (path_is(path, "/trace")) {
		status = trace_api_handle(r->sw, method, body, body_len, &resp);
		reply_json(reply, status, resp);
		return;
	}
	if (path_under(path, "/ports")) {
		route_ports(r, method, path, body, body_len, reply);
		return;
	}
	if (nat_api_path(path)) { /* /nats..., /portproxy... (nat_api.h) */
		status = nat_api_handle(r->nat, method, path, query, body, body_len, &resp);
		if (resp == NULL)
			reply_error(reply, 500, "out of memory");
		else
			reply_json(reply, status, resp);
		return;
	}
	if (r->hns == NULL) {
		reply_error(reply, 404, "no such path: %s", path);
		return;
	}
	status = hns_handle(r->hns, method, path, body, body_len, &resp);
	if (resp == NULL) {
		reply_error(reply, status >= 400 ? status : 500, "%s",
			    status == 404 ? "no such path" : "no response");
		return;
	}
	reply_json(reply, status, resp);
}

/* ---- DPDK telemetry ---------------------------------------------------- */

/* Telemetry keys stay plain identifiers: "Drops_INVALID_PACKET". */
static const char *const tel_drop_keys[DROP_REASON_COUNT] = {
#define TEL_DROP_KEY(sym, text) [DROP_##sym] = "Drops_" #sym,
	FOREACH_DROP_REASON(TEL_DROP_KEY)
#undef TEL_DROP_KEY
};

static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct api_routes *r = __atomic_load_n(&telemetry_routes, __ATOMIC_ACQUIRE);
	struct port_counters c, total;

	(void)cmd;
	(void)params;
	if (r == NULL)
		return -1;
	memset(&total, 0, sizeof(total));
	for (uint16_t p = 0; p < r->sw->nb_ports; p++) {
		if (!r->sw->ports[p].in_use)
			continue;
		stats_sum_port(r->sw, p, &c);
		port_counters_add(&total, &c);
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "Switch", r->sw->name);
	rte_tel_data_add_dict_u64(d, "RxPackets", total.rx_packets);
	rte_tel_data_add_dict_u64(d, "TxPackets", total.tx_packets);
	rte_tel_data_add_dict_u64(d, "RxBytes", total.rx_bytes);
	rte_tel_data_add_dict_u64(d, "TxBytes", total.tx_bytes);
	for (unsigned i = 0; i < DROP_REASON_COUNT; i++)
		rte_tel_data_add_dict_u64(d, tel_drop_keys[i], total.drops[i]);
	rte_tel_data_add_dict_u64(d, "MacTableEntries",
				  r->sw->macs != NULL ? mac_table_count(r->sw->macs) : 0);
	rte_tel_data_add_dict_int(d, "Workers", (int)r->sw->nb_workers);
	return 0;
}

/* /hvswitch/ports: {name: {RxPackets, ...}}; /hvswitch/ports,NAME: one. */
static struct rte_tel_data *tel_port(const struct vswitch *sw, uint16_t p)
{
	struct rte_tel_data *o = rte_tel_data_alloc();
	struct port_counters c;
	uint64_t drops = 0;

	if (o == NULL)
		return NULL;
	stats_sum_port(sw, p, &c);
	for (unsigned i = 0; i < DROP_REASON_COUNT; i++)
		drops += c.drops[i];
	rte_tel_data_start_dict(o);
	rte_tel_data_add_dict_int(o, "Index", p);
	rte_tel_data_add_dict_int(o, "Uplink", sw->ports[p].uplink);
	rte_tel_data_add_dict_u64(o, "RxPackets", c.rx_packets);
	rte_tel_data_add_dict_u64(o, "TxPackets", c.tx_packets);
	rte_tel_data_add_dict_u64(o, "RxBytes", c.rx_bytes);
	rte_tel_data_add_dict_u64(o, "TxBytes", c.tx_bytes);
	rte_tel_data_add_dict_u64(o, "Drops", drops);
	return o;
}

static int tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct api_routes *r = __atomic_load_n(&telemetry_routes, __ATOMIC_ACQUIRE);

	(void)cmd;
	if (r == NULL)
		return -1;
	rte_tel_data_start_dict(d);
	for (uint16_t p = 0; p < r->sw->nb_ports; p++) {
		struct rte_tel_data *o;

		if (!r->sw->ports[p].in_use ||
		    (params != NULL && params[0] != '\0' &&
		     strcmp(params, r->sw->ports[p].name) != 0))
			continue;
		o = tel_port(r->sw, p);
		if (o != NULL && rte_tel_data_add_dict_container(d, r->sw->ports[p].name,
								 o, 0) != 0)
			rte_tel_data_free(o);
	}
	return 0;
}

int api_routes_register_telemetry(struct api_routes *r)
{
	static bool registered;

	__atomic_store_n(&telemetry_routes, r, __ATOMIC_RELEASE);
	if (registered)
		return 0;
	registered = true;
	if (rte_telemetry_register_cmd("/hvswitch/stats", tel_stats,
				       "Switch totals: packets, bytes, drops by reason. "
				       "No parameters") != 0 ||
	    rte_telemetry_register_cmd("/hvswitch/ports", tel_ports,
				       "Per-port counters. Parameter: a port name "
				       "(optional)") != 0)
		return -1;
	return 0;
}
