/* Port ACL rules as JSON (the "Acls" of a port in the startup config and
 * the REST /ports/{name}/acls bodies): read strictly, written back the
 * same way. The engine (vfp/port_acl.h) knows nothing of JSON. */
#include "acl_json.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr_parse.h"
#include "json_util.h"

/* ------------------------------------------------------------------ */
/* JSON                                                                */

static const char *const addr_fields[] = {
	[PORT_ACL_LOCAL_IP] = "LocalIPAddress",
	[PORT_ACL_REMOTE_IP] = "RemoteIPAddress",
	[PORT_ACL_LOCAL_MAC] = "LocalMacAddress",
	[PORT_ACL_REMOTE_MAC] = "RemoteMacAddress",
};

static const char *action_name(enum acl_action a)
{
	switch (a) {
	case ACL_ALLOW: return "Allow";
	case ACL_DENY: return "Deny";
	case ACL_METER: return "Meter";
	}
	return "?";
}

static const char *dir_name(enum acl_dir d)
{
	switch (d) {
	case ACL_DIR_INBOUND: return "Inbound";
	case ACL_DIR_OUTBOUND: return "Outbound";
	case ACL_DIR_BOTH: return "Both";
	}
	return "?";
}

/* "ANY", "a.b.c.d[/n]" or an IPv6 address with an optional "/n". On error
 * writes why (without the field path) and returns -1. */
static int prefix_parse(const char *text, struct acl_prefix *p, char *why,
			size_t whylen)
{
	struct ip_prefix ip;
	const char *slash = strchr(text, '/');

	memset(p, 0, sizeof(*p));
	if (strcasecmp(text, "ANY") == 0) {
		p->any = true;
		return 0;
	}
	switch (ip_prefix_parse(text, IP_PREFIX_LEN_OPTIONAL, &ip)) {
	case IP_PREFIX_OK:
		break;
	case IP_PREFIX_BAD_ADDRESS:
		if (slash == text || text[0] == '\0' ||
		    (slash ? (size_t)(slash - text) : strlen(text)) > INET6_ADDRSTRLEN)
			snprintf(why, whylen, "\"%s\" is not an IP address or prefix, or ANY",
				 text);
		else
			snprintf(why, whylen, "\"%.*s\" is not an IPv%d address",
				 slash ? (int)(slash - text) : (int)strlen(text), text,
				 ip.family);
		return -1;
	case IP_PREFIX_BAD_LENGTH:
		snprintf(why, whylen, "\"%s\": prefix length \"%s\" is not a number",
			 text, slash + 1);
		return -1;
	default:
		snprintf(why, whylen, "\"%s\": prefix length %u is out of range 0-%u",
			 text, ip.len, ip.family == 4 ? 32 : 128);
		return -1;
	}
	acl_prefix_from_ip(p, &ip);
	return 0;
}

static void prefix_format(const struct acl_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (p->any) {
		snprintf(buf, len, "ANY");
		return;
	}
	if (inet_ntop(p->family == 6 ? AF_INET6 : AF_INET, p->addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, p->depth);
}

int port_acl_rule_from_json(const json_t *obj, const char *path,
			    struct port_acl_rule *r, char *err, size_t errlen)
{
	static const char *const allowed[] = {
		"Action", "Direction", "LocalIPAddress", "RemoteIPAddress",
		"LocalMacAddress", "RemoteMacAddress", NULL,
	};
	struct json_err e = {err, errlen};
	struct port_acl_rule out;
	const char *action = NULL, *dir = NULL, *addr = NULL;
	int kind = -1;
	char p[256], why[160];

	if (path == NULL)
		path = "";
	if (!json_is_object(obj))
		return json_fail(&e, path, "a port ACL rule must be an object");
	if (json_check_members(obj, path, allowed, &e) < 0)
		return -1;
	memset(&out, 0, sizeof(out));
	out.id = r->id; /* the control plane's, not the JSON's */

	if (json_get_string(obj, path, "Action", true, &action, &e) < 0)
		return -1;
	if (strcasecmp(action, "Allow") == 0)
		out.action = ACL_ALLOW;
	else if (strcasecmp(action, "Deny") == 0)
		out.action = ACL_DENY;
	else if (strcasecmp(action, "Meter") == 0)
		out.action = ACL_METER;
	else {
		json_path_member(p, sizeof(p), path, "Action");
		return json_fail(&e, p, "\"%s\" is not Allow, Deny or Meter", action);
	}

	if (json_get_string(obj, path, "Direction", true, &dir, &e) < 0)
		return -1;
	if (strcasecmp(dir, "Inbound") == 0)
		out.dir = ACL_DIR_INBOUND;
	else if (strcasecmp(dir, "Outbound") == 0)
		out.dir = ACL_DIR_OUTBOUND;
	else if (strcasecmp(dir, "Both") == 0)
		out.dir = ACL_DIR_BOTH;
	else {
		json_path_member(p, sizeof(p), path, "Direction");
		return json_fail(&e, p, "\"%s\" is not Inbound, Outbound or Both", dir);
	}

	for (int k = PORT_ACL_LOCAL_IP; k <= PORT_ACL_REMOTE_MAC; k++) {
		const char *s = NULL;

		if (json_get_string(obj, path, addr_fields[k], false, &s, &e) < 0)
			return -1;
		if (s == NULL)
			continue;
		if (kind >= 0) {
			json_path_member(p, sizeof(p), path, addr_fields[k]);
			return json_fail(&e, p, "a rule has one address, and %s is also given",
					 addr_fields[kind]);
		}
		kind = k;
		addr = s;
	}
	if (kind < 0)
		return json_fail(&e, path, "one of LocalIPAddress, RemoteIPAddress, "
				 "LocalMacAddress or RemoteMacAddress is required");
	out.kind = (enum port_acl_addr_kind)kind;
	json_path_member(p, sizeof(p), path, addr_fields[kind]);
	if (kind == PORT_ACL_LOCAL_IP || kind == PORT_ACL_REMOTE_IP) {
		if (prefix_parse(addr, &out.ip, why, sizeof(why)) < 0)
			return json_fail(&e, p, "%s", why);
	} else if (strcasecmp(addr, "ANY") == 0) {
		out.mac_any = true;
	} else if (mac_parse(addr, &out.mac) < 0) {
		return json_fail(&e, p, "\"%s\" is not a MAC address or ANY", addr);
	}
	*r = out;
	return 0;
}

json_t *port_acl_rule_to_json(const struct port_acl_rule *r)
{
	char buf[INET6_ADDRSTRLEN + 8];
	json_t *o;

	if (r->kind == PORT_ACL_LOCAL_IP || r->kind == PORT_ACL_REMOTE_IP)
		prefix_format(&r->ip, buf, sizeof(buf));
	else if (r->mac_any)
		snprintf(buf, sizeof(buf), "ANY");
	else
		mac_format(&r->mac, buf);
	o = json_object();
	if (o == NULL)
		return NULL;
	if (json_object_set_new(o, "Action", json_string(action_name(r->action))) < 0 ||
	    json_object_set_new(o, "Direction", json_string(dir_name(r->dir))) < 0 ||
	    (unsigned)r->kind > PORT_ACL_REMOTE_MAC ||
	    json_object_set_new(o, addr_fields[r->kind], json_string(buf)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

