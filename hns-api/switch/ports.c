/* The northbound's port model (ports.h): the switch's ports plus what only
 * the API knows of them (Devargs, the attached endpoint), hot-plug through
 * the control layer (port_hotplug.h), persistence of API-plugged ports. */
#include "ports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_policy.h"
#include "acl_api.h"
#include "addr_parse.h"
#include "port_hotplug.h"
#include "stats_read.h"
#include "store.h"
#include "store_rows.h"

#define ENDPOINT_ID_MAX 64

/* What the API knows about a port slot beyond struct vs_port. */
struct port_extra {
	char devargs[CONFIG_DEVARGS_MAX];
	char endpoint_id[ENDPOINT_ID_MAX];   /* "" when nothing attached */
	char endpoint_name[VS_NAME_MAX * 2];
};

struct ports {
	struct vswitch *sw;
	struct acl_api *acl;
	struct hns_store *store; /* NULL: changes live in memory only */
	/* what hot-plugged Devargs may name; NULL: anything (unit tests) */
	const struct access_policy *access;
	struct port_extra x[VS_MAX_PORTS];
};

struct ports *ports_create(struct vswitch *sw, const struct switch_config *cfg,
			   struct acl_api *acl)
{
	struct ports *ps = calloc(1, sizeof(*ps));

	if (ps == NULL)
		return NULL;
	ps->sw = sw;
	ps->acl = acl;
	for (uint16_t i = 0; i < cfg->nb_ports && i < VS_MAX_PORTS; i++) {
		snprintf(ps->x[i].devargs, sizeof(ps->x[i].devargs), "%s",
			 cfg->ports[i].devargs);
		acl_api_port_config(acl, i, &cfg->ports[i]);
	}
	return ps;
}

void ports_destroy(struct ports *ps)
{
	free(ps);
}

void ports_set_store(struct ports *ps, struct hns_store *store)
{
	ps->store = store;
}

void ports_set_access(struct ports *ps, const struct access_policy *ap)
{
	ps->access = ap;
}

/* Devargs from a request (or stored from one): 0, or 403 with err. */
static int check_access(const struct ports *ps, const char *devargs, char *err,
			size_t errlen)
{
	return ps->access != NULL ? access_devargs(ps->access, devargs, err, errlen) : 0;
}

int ports_find(const struct ports *ps, const char *name)
{
	int p = vswitch_port_find(ps->sw, name);

	return p >= 0 && p < ps->sw->nb_ports && ps->sw->ports[p].in_use ? p : -1;
}

/* A new (or reused) slot starts afresh: no endpoint, no API rules. */
static void slot_reset(struct ports *ps, uint16_t index, const char *devargs)
{
	memset(&ps->x[index], 0, sizeof(ps->x[index]));
	acl_api_port_removed(ps->acl, index);
	if (devargs != NULL)
		snprintf(ps->x[index].devargs, sizeof(ps->x[index].devargs), "%s",
			 devargs);
}

int ports_add_device(struct ports *ps, const char *name, const char *devargs,
		     char *err, size_t errlen)
{
	struct vswitch *sw = ps->sw;
	struct port_config *pc;
	uint16_t index;
	int rc;

	if (strlen(name) == 0 || strlen(name) >= VS_NAME_MAX) {
		snprintf(err, errlen, "port name must be 1-%d characters", VS_NAME_MAX - 1);
		return 400;
	}
	if (strlen(devargs) == 0 || strlen(devargs) >= CONFIG_DEVARGS_MAX) {
		snprintf(err, errlen, "Devargs must be 1-%d characters",
			 CONFIG_DEVARGS_MAX - 1);
		return 400;
	}
	rc = check_access(ps, devargs, err, errlen);
	if (rc != 0)
		return rc;
	for (uint16_t p = 0; p < sw->nb_ports; p++)
		if (sw->ports[p].in_use && strcmp(ps->x[p].devargs, devargs) == 0) {
			snprintf(err, errlen, "port '%s' already uses Devargs '%s'",
				 sw->ports[p].name, devargs);
			return 400;
		}
	pc = calloc(1, sizeof(*pc));
	if (pc == NULL) {
		snprintf(err, errlen, "out of memory");
		return 400;
	}
	snprintf(pc->name, sizeof(pc->name), "%s", name);
	snprintf(pc->devargs, sizeof(pc->devargs), "%s", devargs);
	vlan_config_init(&pc->vlan);
	rc = vswitch_port_add(sw, pc, &index, err, errlen);
	free(pc);
	if (rc < 0)
		return 400;
	slot_reset(ps, index, devargs);
	fprintf(stderr, "vswitchd: port %u '%s' added: %s\n", index, name, devargs);
	return 0;
}

/* Is pc's name, device or uplink role taken? 0, or 409 with err. */
static int check_conflicts(const struct ports *ps, const struct port_config *pc,
			   char *err, size_t errlen)
{
	const struct vswitch *sw = ps->sw;

	if (vswitch_port_find(sw, pc->name) >= 0) {
		snprintf(err, errlen, "Name: port '%s' already exists", pc->name);
		return 409;
	}
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		if (!sw->ports[p].in_use)
			continue;
		if (strcmp(ps->x[p].devargs, pc->devargs) == 0) {
			snprintf(err, errlen, "Devargs: port '%s' already uses this device",
				 sw->ports[p].name);
			return 409;
		}
		if (pc->uplink && sw->ports[p].uplink) {
			snprintf(err, errlen, "Uplink: port '%s' is already the uplink",
				 sw->ports[p].name);
			return 409;
		}
	}
	return 0;
}

/* Plugs pc with its ACLs. 0, or the HTTP status with err, nothing left. */
static int plug(struct ports *ps, const struct port_config *pc, uint16_t *index,
		char *err, size_t errlen)
{
	struct vswitch *sw = ps->sw;
	char why[768];
	int status = check_access(ps, pc->devargs, err, errlen);

	if (status == 0)
		status = check_conflicts(ps, pc, err, errlen);
	if (status != 0)
		return status;
	if (vswitch_port_add(sw, pc, index, err, errlen) < 0)
		return 400;
	acl_api_port_removed(ps->acl, *index); /* a reused slot starts afresh */
	if (config_apply_port_acls(sw, *index, pc, why, sizeof(why)) < 0) {
		char ignore[256];

		/* nothing half-applied: the port goes again */
		vswitch_port_remove(sw, pc->name, ignore, sizeof(ignore));
		snprintf(err, errlen, "cannot install the port's ACLs: %s", why);
		return 507; /* the rules' tables did not fit in memory */
	}
	acl_api_port_config(ps->acl, *index, pc);
	memset(&ps->x[*index], 0, sizeof(ps->x[*index]));
	snprintf(ps->x[*index].devargs, sizeof(ps->x[*index].devargs), "%s",
		 pc->devargs);
	return 0;
}

/* Undoes plug() (the store refused the port). */
static void unplug(struct ports *ps, uint16_t index, const char *name)
{
	char ignore[256];

	if (vswitch_port_remove(ps->sw, name, ignore, sizeof(ignore)) < 0)
		fprintf(stderr, "vswitchd: port '%s': cannot remove it again: %s\n",
			name, ignore);
	slot_reset(ps, index, NULL);
}

/* One transaction: the port's row put (text) or deleted (NULL), and its
 * API rule rows deleted. 0, or -1 with err and nothing stored. */
static int store_port(struct ports *ps, const char *name, const char *text,
		      char *err, size_t errlen)
{
	int rc;

	if (ps->store == NULL)
		return 0;
	rc = store_begin(ps->store);
	if (rc == 0)
		rc = text != NULL ? store_put(ps->store, "port", name, text)
				  : store_delete(ps->store, "port", name);
	if (rc == 0)
		rc = store_delete(ps->store, "portacls", name);
	if (rc == 0)
		rc = store_delete(ps->store, "portextacls", name);
	if (rc == 0)
		rc = store_delete(ps->store, ACL_API_KIND_NEXT_IDS, name);
	if (rc == 0)
		rc = store_commit(ps->store);
	if (rc != 0) {
		snprintf(err, errlen, "state store: %s", store_error(ps->store));
		store_rollback(ps->store);
		return -1;
	}
	return 0;
}

/* Parses and plugs doc; name gets the port's name. 0 or an HTTP status. */
static int add_parsed(struct ports *ps, const json_t *doc, uint16_t *index,
		      char *name, size_t name_len, char *err, size_t errlen)
{
	struct port_config *pc = calloc(1, sizeof(*pc));
	int status;

	if (pc == NULL) {
		snprintf(err, errlen, "out of memory");
		return 507;
	}
	if (config_parse_port(doc, "", pc, err, errlen) < 0) {
		status = 400;
	} else {
		snprintf(name, name_len, "%s", pc->name);
		status = plug(ps, pc, index, err, errlen);
	}
	config_port_release(pc);
	free(pc);
	return status;
}

int ports_add_json(struct ports *ps, const json_t *doc, uint16_t *index,
		   char *err, size_t errlen)
{
	char name[VS_NAME_MAX] = "", *text = NULL;
	int status = add_parsed(ps, doc, index, name, sizeof(name), err, errlen);

	if (status != 0)
		return status;
	if (ps->store != NULL) {
		text = json_dumps(doc, JSON_COMPACT);
		if (text == NULL)
			snprintf(err, errlen, "out of memory");
		if (text == NULL || store_port(ps, name, text, err, errlen) < 0) {
			unplug(ps, *index, name);
			free(text);
			return 500;
		}
		free(text);
	}
	fprintf(stderr, "vswitchd: port %u '%s' added: %s\n", *index, name,
		ps->x[*index].devargs);
	return 0;
}

int ports_remove(struct ports *ps, const char *name, char *err, size_t errlen)
{
	int p = ports_find(ps, name);

	if (p < 0) {
		snprintf(err, errlen, "no port '%s'", name);
		return 404;
	}
	if (ps->x[p].endpoint_id[0] != '\0') {
		snprintf(err, errlen, "endpoint %s is attached to port '%s' "
			 "(detach it first)", ps->x[p].endpoint_id, name);
		return 409;
	}
	/* The store first: removal cannot fail past the checks above, while
	 * a removed port could not be put back as it was. */
	if (store_port(ps, name, NULL, err, errlen) < 0)
		return 500;
	if (vswitch_port_remove(ps->sw, name, err, errlen) < 0)
		return 500;
	slot_reset(ps, (uint16_t)p, NULL); /* the switch cleared its rules */
	fprintf(stderr, "vswitchd: port '%s' removed\n", name);
	return 0;
}

/* A stored port the config now has (by name, Devargs or Uplink): the
 * config wins, the stored port and its API rules go. */
static void drop_stored_port(struct ports *ps, const char *id, const char *why)
{
	char err[512];

	fprintf(stderr, "vswitchd: warning: stored port '%s' dropped: %s\n", id, why);
	if (store_port(ps, id, NULL, err, sizeof(err)) < 0)
		fprintf(stderr, "vswitchd: warning: %s\n", err);
}

static void restore_row(struct ports *ps, const char *id, const char *text)
{
	char name[VS_NAME_MAX] = "", why[1024];
	json_error_t jerr;
	json_t *doc;
	uint16_t index;
	int status;

	if (vswitch_port_find(ps->sw, id) >= 0) {
		drop_stored_port(ps, id, "the config has a port of that name");
		return;
	}
	doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		fprintf(stderr, "vswitchd: warning: stored port '%s' left out: %s\n",
			id, jerr.text);
		return;
	}
	status = add_parsed(ps, doc, &index, name, sizeof(name), why, sizeof(why));
	json_decref(doc);
	if (status == 409)
		drop_stored_port(ps, id, why);
	else if (status != 0)
		fprintf(stderr, "vswitchd: warning: stored port '%s' left out: %s\n",
			id, why);
	else
		fprintf(stderr, "vswitchd: port %u '%s' restored: %s\n", index, name,
			ps->x[index].devargs);
}

int ports_restore(struct ports *ps, char *err, size_t errlen)
{
	json_t *rows, *row;
	size_t i;

	if (ps->store == NULL)
		return 0;
	rows = store_rows(ps->store, "port", err, errlen);
	if (rows == NULL)
		return -1;
	json_array_foreach(rows, i, row)
		restore_row(ps, json_string_value(json_object_get(row, "id")),
			    json_string_value(json_object_get(row, "json")));
	json_decref(rows);
	return 0;
}

void ports_bind_endpoint(struct ports *ps, uint16_t port, const char *id,
			 const char *name)
{
	snprintf(ps->x[port].endpoint_id, sizeof(ps->x[port].endpoint_id), "%s", id);
	snprintf(ps->x[port].endpoint_name, sizeof(ps->x[port].endpoint_name), "%s",
		 name);
}

void ports_unbind_endpoint(struct ports *ps, uint16_t port, const char *id)
{
	if (id[0] == '\0' || strcmp(ps->x[port].endpoint_id, id) == 0) {
		ps->x[port].endpoint_id[0] = '\0';
		ps->x[port].endpoint_name[0] = '\0';
	}
}

const char *ports_endpoint(const struct ports *ps, uint16_t port)
{
	return ps->x[port].endpoint_id;
}

/* ---- JSON -------------------------------------------------------------- */

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

json_t *ports_describe(const struct ports *ps, uint16_t p)
{
	const struct vs_port *port = &ps->sw->ports[p];
	const struct port_extra *x = &ps->x[p];
	char mac[MAC_FMT_SIZE];
	struct port_counters c;
	json_t *o;

	stats_read_port(ps->sw, p, &c);
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
	json_object_set_new(o, "Acls", acl_api_rules_json(ps->acl, p, false));
	json_object_set_new(o, "ExtendedAcls", acl_api_rules_json(ps->acl, p, true));
	return o;
}

json_t *ports_describe_all(const struct ports *ps)
{
	json_t *arr = json_array();

	for (uint16_t i = 0; i < ps->sw->nb_ports; i++)
		if (ps->sw->ports[i].in_use)
			json_array_append_new(arr, ports_describe(ps, i));
	return arr;
}

int ports_uplink_ip(const struct ports *ps, uint32_t *ip)
{
	for (uint16_t i = 0; i < ps->sw->nb_ports; i++) {
		const struct vs_port *port = &ps->sw->ports[i];

		if (port->in_use && port->uplink && port->nb_ips > 0) {
			*ip = port->ips[0];
			return 0;
		}
	}
	return -1;
}

unsigned ports_free_slots(const struct ports *ps)
{
	unsigned used = 0;

	for (uint16_t i = 0; i < ps->sw->nb_ports; i++)
		used += ps->sw->ports[i].in_use;
	/* slots only: a tap port (the pods' kind, the namespace pool's) needs
	 * no ethdev; another kind past RTE_MAX_ETHPORTS is refused by name */
	return used < VS_MAX_PORTS ? VS_MAX_PORTS - used : 0;
}
