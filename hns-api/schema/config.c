#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acl_json.h"
#include "addr_parse.h"
#include "config_l3.h"
#include "config_lb.h"
#include "json_util.h"
#include "nat_json.h"
#include "vfp.h"

static int parse_switch(const json_t *root, struct switch_config *cfg,
			struct json_err *e)
{
	static const char *const fields[] = {"Name", "MacAgingSeconds",
					     "MacTableSize", "PacketBuffers",
					     "LoadBalancerConnections",
					     "OutBoundNatSessions", NULL};
	const json_t *sw = NULL;
	const char *name = "vSwitch";
	uint64_t aging = CONFIG_DEFAULT_MAC_AGING, size = CONFIG_DEFAULT_MAC_TABLE;
	uint64_t buffers = 0, lb_conns = 0, obnat_sessions = 0;

	if (json_get_object(root, "", "Switch", false, &sw, e) < 0)
		return -1;
	if (sw != NULL &&
	    (json_check_members(sw, "Switch", fields, e) < 0 ||
	     json_get_string(sw, "Switch", "Name", false, &name, e) < 0 ||
	     json_get_uint(sw, "Switch", "MacAgingSeconds", false, 1, 86400 * 365,
			   &aging, e) < 0 ||
	     json_get_uint(sw, "Switch", "MacTableSize", false, 1024, 1 << 24,
			   &size, e) < 0 ||
	     json_get_uint(sw, "Switch", "PacketBuffers", false, 0, 1 << 24,
			   &buffers, e) < 0 ||
	     json_get_uint(sw, "Switch", "LoadBalancerConnections", false, 1024, 1 << 24,
			   &lb_conns, e) < 0 ||
	     json_get_uint(sw, "Switch", "OutBoundNatSessions", false, 1024, 1 << 24,
			   &obnat_sessions, e) < 0))
		return -1;
	if (strlen(name) == 0 || strlen(name) >= VS_NAME_MAX)
		return json_fail(e, "Switch.Name", "must be 1-%d characters",
				 VS_NAME_MAX - 1);
	snprintf(cfg->name, sizeof(cfg->name), "%s", name);
	cfg->mac_aging_sec = (uint32_t)aging;
	cfg->mac_table_size = (uint32_t)size;
	cfg->packet_buffers = (uint32_t)buffers;
	cfg->lb_max_conns = (uint32_t)lb_conns;
	cfg->obnat_max_sessions = (uint32_t)obnat_sessions;
	return 0;
}

static int parse_vlan(const json_t *port, const char *path,
		      struct vlan_config *vlan, struct json_err *e)
{
	static const char *const fields[] = {"OperationMode", "AccessVlanId",
					     "NativeVlanId", "AllowedVlanIdList",
					     NULL};
	const json_t *v = NULL;
	const char *mode = NULL, *list = NULL;
	uint64_t access = 0, native = 0;
	char p[256], msg[160];

	vlan_config_init(vlan);
	if (json_get_object(port, path, "Vlan", false, &v, e) < 0)
		return -1;
	if (v == NULL)
		return 0;
	json_path_member(p, sizeof(p), path, "Vlan");
	if (json_check_members(v, p, fields, e) < 0 ||
	    json_get_string(v, p, "OperationMode", true, &mode, e) < 0 ||
	    json_get_uint(v, p, "AccessVlanId", false, 1, VLAN_ID_MAX, &access, e) < 0 ||
	    json_get_uint(v, p, "NativeVlanId", false, 0, VLAN_ID_MAX, &native, e) < 0 ||
	    json_get_string(v, p, "AllowedVlanIdList", false, &list, e) < 0)
		return -1;

	char fp[300];
	bool has_access = json_object_get(v, "AccessVlanId") != NULL;
	bool has_native = json_object_get(v, "NativeVlanId") != NULL;

	if (strcasecmp(mode, "Untagged") == 0) {
		vlan->mode = VLAN_MODE_UNTAGGED;
	} else if (strcasecmp(mode, "Access") == 0) {
		vlan->mode = VLAN_MODE_ACCESS;
		if (!has_access) {
			json_path_member(fp, sizeof(fp), p, "AccessVlanId");
			return json_fail(e, fp, "required with OperationMode Access");
		}
		vlan->access_vid = (uint16_t)access;
	} else if (strcasecmp(mode, "Trunk") == 0) {
		vlan->mode = VLAN_MODE_TRUNK;
		json_path_member(fp, sizeof(fp), p, "AllowedVlanIdList");
		if (list == NULL)
			return json_fail(e, fp, "required with OperationMode Trunk");
		if (vlan_parse_id_list(list, vlan->allowed, msg, sizeof(msg)) < 0)
			return json_fail(e, fp, "%s", msg);
		vlan->native_vid = (uint16_t)native;
	} else {
		json_path_member(fp, sizeof(fp), p, "OperationMode");
		return json_fail(e, fp, "'%s' is not Untagged, Access or Trunk", mode);
	}
	const char *stray = NULL;
	if (has_access && vlan->mode != VLAN_MODE_ACCESS)
		stray = "AccessVlanId";
	else if ((has_native || list) && vlan->mode != VLAN_MODE_TRUNK)
		stray = has_native ? "NativeVlanId" : "AllowedVlanIdList";
	if (stray) {
		json_path_member(fp, sizeof(fp), p, stray);
		return json_fail(e, fp, "not valid with OperationMode %s", mode);
	}
	return 0;
}

static int parse_macs(const json_t *port, const char *path,
		      struct port_config *pc, struct json_err *e)
{
	const json_t *arr = NULL, *v;
	size_t i;
	char p[256], ep[300];

	if (json_get_array(port, path, "MacAddresses", false, &arr, e) < 0)
		return -1;
	if (arr == NULL)
		return 0;
	json_path_member(p, sizeof(p), path, "MacAddresses");
	if (json_array_size(arr) > CONFIG_MAX_STATIC_MACS)
		return json_fail(e, p, "at most %d addresses", CONFIG_MAX_STATIC_MACS);
	json_array_foreach(arr, i, v) {
		struct rte_ether_addr mac;

		json_path_index(ep, sizeof(ep), p, i);
		if (!json_is_string(v))
			return json_fail(e, ep, "must be a string");
		if (mac_parse(json_string_value(v), &mac) < 0)
			return json_fail(e, ep, "'%s' is not a MAC address",
					 json_string_value(v));
		if (!rte_is_valid_assigned_ether_addr(&mac))
			return json_fail(e, ep, "'%s' is not a unicast MAC address",
					 json_string_value(v));
		pc->macs[pc->nb_macs++] = mac;
	}
	return 0;
}

/* One rule at index i of a rule array: parsed by the VFP layer's own JSON
 * reader (which names the field in errors), id i + 1. */
typedef int (*rule_reader)(const json_t *obj, const char *path, void *rule,
			   uint32_t index, char *err, size_t errlen);

static int read_port_acl(const json_t *obj, const char *path, void *rule,
			 uint32_t index, char *err, size_t errlen)
{
	struct port_acl_rule *r = rule;

	if (port_acl_rule_from_json(obj, path, r, err, errlen) < 0)
		return -1;
	r->id = index + 1;
	return 0;
}

static int read_ext_acl(const json_t *obj, const char *path, void *rule,
			uint32_t index, char *err, size_t errlen)
{
	struct ext_acl_rule *r = rule;

	if (ext_acl_rule_from_json(obj, path, r, err, errlen) < 0)
		return -1;
	r->id = index + 1;
	return 0;
}

/* "Acls" (port ACLs) or "ExtendedAcls": an array of rule objects, errors
 * named with their path ("Ports[1].Acls[0].RemoteIPAddress: ..."). On
 * error nothing is kept. */
static int parse_rules(const json_t *port, const char *path, const char *key,
		       size_t rule_size, rule_reader read, void **out,
		       uint32_t *nb, struct json_err *e)
{
	const json_t *arr = NULL, *v;
	uint8_t *rules;
	size_t i, n;
	char p[256], ep[300];

	if (json_get_array(port, path, key, false, &arr, e) < 0)
		return -1;
	n = json_array_size(arr);
	if (n == 0)
		return 0;
	json_path_member(p, sizeof(p), path, key);
	if (n > VFP_MAX_RULES)
		return json_fail(e, p, "at most %d rules", VFP_MAX_RULES);
	rules = calloc(n, rule_size);
	if (rules == NULL)
		return json_fail(e, p, "out of memory");
	json_array_foreach(arr, i, v) {
		json_path_index(ep, sizeof(ep), p, i);
		if (!json_is_object(v) ||
		    read(v, ep, rules + i * rule_size, (uint32_t)i, e->buf, e->len) < 0) {
			free(rules);
			return json_is_object(v) ? -1 : json_fail(e, ep, "must be an object");
		}
	}
	*out = rules;
	*nb = (uint32_t)n;
	return 0;
}

/* Both rule layers of a port. */
static int parse_acls(const json_t *port, const char *path,
		      struct port_config *pc, struct json_err *e)
{
	void *acls = NULL, *ext = NULL;

	if (parse_rules(port, path, "Acls", sizeof(struct port_acl_rule),
			read_port_acl, &acls, &pc->nb_acls, e) < 0)
		return -1;
	pc->acls = acls;
	if (parse_rules(port, path, "ExtendedAcls", sizeof(struct ext_acl_rule),
			read_ext_acl, &ext, &pc->nb_ext_acls, e) < 0)
		return -1; /* the caller releases pc->acls */
	pc->ext_acls = ext;
	return 0;
}

void config_port_release(struct port_config *pc)
{
	free(pc->acls);
	free(pc->ext_acls);
	pc->acls = NULL;
	pc->ext_acls = NULL;
	pc->nb_acls = pc->nb_ext_acls = 0;
}

static bool valid_port_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= VS_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static int parse_port(const json_t *port, const char *path,
		      struct port_config *pc, struct json_err *e)
{
	static const char *const fields[] = {
		"Name", "Devargs", "Uplink", "MacAddresses", "Vlan",
		"Acls", "ExtendedAcls", "Endpoint", "IPAddresses", "DefaultGateway",
		"MacAddress", "Neighbors", "EndpointSystemType", NULL};
	const char *name = NULL, *devargs = NULL, *endpoint = NULL, *systype = NULL;
	char p[256];

	memset(pc, 0, sizeof(*pc));
	if (!json_is_object(port))
		return json_fail(e, path, "must be an object");
	if (json_check_members(port, path, fields, e) < 0 ||
	    json_get_string(port, path, "Name", true, &name, e) < 0 ||
	    json_get_string(port, path, "Devargs", true, &devargs, e) < 0 ||
	    json_get_bool(port, path, "Uplink", false, &pc->uplink, e) < 0 ||
	    json_get_string(port, path, "Endpoint", false, &endpoint, e) < 0 ||
	    json_get_string(port, path, "EndpointSystemType", false, &systype, e) < 0)
		return -1;
	json_path_member(p, sizeof(p), path, "EndpointSystemType");
	if (systype != NULL && strcasecmp(systype, "Host") != 0 &&
	    strcasecmp(systype, "Container") != 0)
		return json_fail(e, p, "'%s' must be Container or Host", systype);
	pc->endpoint_host = systype != NULL && strcasecmp(systype, "Host") == 0;
	json_path_member(p, sizeof(p), path, "Endpoint");
	if (endpoint != NULL && (strlen(endpoint) == 0 ||
				 strlen(endpoint) >= CONFIG_ENDPOINT_REF_MAX))
		return json_fail(e, p, "must be an endpoint name or ID of 1-%d characters",
				 CONFIG_ENDPOINT_REF_MAX - 1);
	if (endpoint != NULL)
		snprintf(pc->endpoint, sizeof(pc->endpoint), "%s", endpoint);
	json_path_member(p, sizeof(p), path, "Name");
	if (!valid_port_name(name))
		return json_fail(e, p, "'%s' must be 1-%d characters of A-Z a-z 0-9 . _ -",
				 name, VS_NAME_MAX - 1);
	json_path_member(p, sizeof(p), path, "Devargs");
	if (strlen(devargs) == 0 || strlen(devargs) >= CONFIG_DEVARGS_MAX)
		return json_fail(e, p, "must be 1-%d characters", CONFIG_DEVARGS_MAX - 1);
	snprintf(pc->name, sizeof(pc->name), "%s", name);
	snprintf(pc->devargs, sizeof(pc->devargs), "%s", devargs);
	if (parse_vlan(port, path, &pc->vlan, e) < 0 ||
	    parse_macs(port, path, pc, e) < 0 ||
	    config_parse_port_l3(port, path, pc, e) < 0)
		return -1;
	/* Last: the only step that allocates, so no earlier failure leaks. */
	if (parse_acls(port, path, pc, e) < 0) {
		config_port_release(pc);
		return -1;
	}
	return 0;
}

/* Names, devices and static MACs must not repeat; one uplink at most. */
static int check_port_conflicts(const struct switch_config *cfg, uint16_t i,
				struct json_err *e)
{
	const struct port_config *pc = &cfg->ports[i];
	char p[256], mp[300];

	for (uint16_t j = 0; j < i; j++) {
		const struct port_config *o = &cfg->ports[j];

		snprintf(p, sizeof(p), "Ports[%u]", i);
		if (strcmp(o->name, pc->name) == 0)
			return json_fail(e, strcat(p, ".Name"),
					 "'%s' is already the name of Ports[%u]",
					 pc->name, j);
		if (strcmp(o->devargs, pc->devargs) == 0)
			return json_fail(e, strcat(p, ".Devargs"),
					 "Ports[%u] already uses this device", j);
		if (o->uplink && pc->uplink)
			return json_fail(e, strcat(p, ".Uplink"),
					 "Ports[%u] is already the uplink", j);
		for (uint16_t a = 0; a < pc->nb_ips; a++)
			for (uint16_t b = 0; b < o->nb_ips; b++)
				if (pc->ips[a] == o->ips[b]) {
					snprintf(mp, sizeof(mp), "%s.IPAddresses[%u]", p, a);
					return json_fail(e, mp,
							 "already an address of port '%s'",
							 o->name);
				}
		for (uint16_t a = 0; a < pc->nb_macs; a++)
			for (uint16_t b = 0; b < o->nb_macs; b++)
				if (rte_is_same_ether_addr(&pc->macs[a], &o->macs[b])) {
					snprintf(mp, sizeof(mp), "%s.MacAddresses[%u]", p, a);
					return json_fail(e, mp,
							 "already a static address of port '%s'",
							 o->name);
				}
	}
	return 0;
}

/* "Nats": each element a NAT object (nat_json.h), names unique. One
 * without ExternalIPAddress takes the uplink's address, so the uplink
 * must have IPAddresses. Kept as JSON, applied once the ports are up. */
static int check_nats(const json_t *nats, const struct switch_config *cfg,
		      struct json_err *e)
{
	const json_t *v;
	size_t i;
	bool uplink_ip = false;

	for (uint16_t k = 0; k < cfg->nb_ports; k++)
		if (cfg->ports[k].uplink && cfg->ports[k].nb_ips > 0)
			uplink_ip = true;
	json_array_foreach(nats, i, v) {
		struct nat_json n;
		char p[64], fp[128];

		json_path_index(p, sizeof(p), "Nats", i);
		if (nat_json_parse(v, p, &n, e->buf, e->len) < 0)
			return -1;
		nat_json_release(&n);
		for (size_t j = 0; j < i; j++) {
			const char *other = json_string_value(
				json_object_get(json_array_get(nats, j), "Name"));

			if (other != NULL && strcmp(other, n.cfg.name) == 0) {
				json_path_member(fp, sizeof(fp), p, "Name");
				return json_fail(e, fp, "'%s' is already the name of "
						 "Nats[%zu]", n.cfg.name, j);
			}
		}
		if (!n.external_given && !uplink_ip) {
			json_path_member(fp, sizeof(fp), p, "ExternalIPAddress");
			return json_fail(e, fp, "required when no Uplink port has "
					 "IPAddresses");
		}
	}
	return 0;
}

static int parse_ports(const json_t *ports, struct switch_config *cfg,
		       struct json_err *e);

static int parse_root(const json_t *root, struct switch_config *cfg,
		      struct json_err *e)
{
	static const char *const fields[] = {"Switch", "Ports", "Nats",
					     "Networks", "Endpoints",
					     "LoadBalancers", NULL};
	const json_t *ports = NULL, *networks = NULL, *endpoints = NULL;
	const json_t *nats = NULL, *lbs = NULL;

	if (!json_is_object(root))
		return json_fail(e, "", "the config must be a JSON object");
	if (json_check_members(root, "", fields, e) < 0 ||
	    parse_switch(root, cfg, e) < 0 ||
	    json_get_array(root, "", "Nats", false, &nats, e) < 0 ||
	    json_get_array(root, "", "LoadBalancers", false, &lbs, e) < 0 ||
	    json_get_array(root, "", "Networks", false, &networks, e) < 0 ||
	    json_get_array(root, "", "Endpoints", false, &endpoints, e) < 0 ||
	    json_get_array(root, "", "Ports", false, &ports, e) < 0)
		return -1;
	/* Borrowed from root here; parse_loaded takes references on success.
	 * Their elements are checked by the HNS service when applied. */
	cfg->networks = json_array_size(networks) > 0 ? (json_t *)networks : NULL;
	cfg->endpoints = json_array_size(endpoints) > 0 ? (json_t *)endpoints : NULL;
	if (ports != NULL && parse_ports(ports, cfg, e) < 0)
		return -1;
	if (check_nats(nats, cfg, e) < 0)
		return -1;
	cfg->nats = json_array_size(nats) > 0 ? (json_t *)nats : NULL;
	if (config_lb_check(lbs, e) < 0)
		return -1;
	cfg->lbs = json_array_size(lbs) > 0 ? (json_t *)lbs : NULL;
	return 0;
}

static int parse_ports(const json_t *ports, struct switch_config *cfg,
		       struct json_err *e)
{
	const json_t *port;
	size_t i;
	char p[64];

	if (json_array_size(ports) > VS_MAX_PORTS)
		return json_fail(e, "Ports", "at most %d ports", VS_MAX_PORTS);
	json_array_foreach(ports, i, port) {
		json_path_index(p, sizeof(p), "Ports", i);
		if (parse_port(port, p, &cfg->ports[i], e) < 0)
			return -1;
		cfg->nb_ports = (uint16_t)(i + 1);
		if (check_port_conflicts(cfg, (uint16_t)i, e) < 0)
			return -1;
	}
	return 0;
}

static int parse_loaded(json_t *root, const json_error_t *jerr,
			struct switch_config *out, char *err, size_t errlen)
{
	struct json_err e = {err, errlen};
	struct switch_config *cfg;
	int rc;

	if (root == NULL) {
		snprintf(err, errlen, "line %d column %d: %s", jerr->line,
			 jerr->column, jerr->text);
		return -1;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL) {
		json_decref(root);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = parse_root(root, cfg, &e);
	if (rc == 0) {
		json_incref(cfg->networks);
		json_incref(cfg->endpoints);
		json_incref(cfg->nats);
		json_incref(cfg->lbs);
		*out = *cfg;
	} else {
		/* ports parsed before the failing one own their ACL arrays */
		for (uint16_t i = 0; i < cfg->nb_ports; i++)
			config_port_release(&cfg->ports[i]);
	}
	free(cfg);
	json_decref(root);
	return rc;
}

int config_parse_port(const json_t *port, const char *path,
		      struct port_config *pc, char *err, size_t errlen)
{
	struct json_err e = {err, errlen};
	struct port_config *tmp = calloc(1, sizeof(*tmp));

	if (tmp == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (parse_port(port, path, tmp, &e) < 0) {
		free(tmp);
		return -1;
	}
	*pc = *tmp;
	free(tmp);
	return 0;
}

void config_release(struct switch_config *cfg)
{
	for (uint16_t i = 0; i < cfg->nb_ports && i < VS_MAX_PORTS; i++)
		config_port_release(&cfg->ports[i]);
	json_decref(cfg->networks);
	json_decref(cfg->endpoints);
	json_decref(cfg->nats);
	json_decref(cfg->lbs);
	cfg->networks = cfg->endpoints = cfg->nats = cfg->lbs = NULL;
}

int config_parse_file(const char *path, struct switch_config *cfg, char *err,
		      size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);

	if (root == NULL && jerr.line < 0) { /* could not read the file */
		snprintf(err, errlen, "%s", jerr.text);
		return -1;
	}
	return parse_loaded(root, &jerr, cfg, err, errlen);
}

int config_parse_text(const char *text, struct switch_config *cfg, char *err,
		      size_t errlen)
{
	json_error_t jerr;

	return parse_loaded(json_loads(text, JSON_REJECT_DUPLICATES, &jerr),
			    &jerr, cfg, err, errlen);
}
