/* Extended ACLs: the rule JSON (Add-VMNetworkAdapterExtendedAcl's fields),
 * read strictly and written back. Errors name the JSON path of the field.
 * The values (prefixes, ports, protocols) are read by acl_text.c, which
 * the HNS ACL policy (hns_acl_policy.c) uses too. */
#include "ext_acl.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "acl_json.h"
#include "acl_text.h"
#include "json_util.h"

#define PATH_LEN 256
#define IDLE_TIMEOUT_MAX INT32_MAX /* the expiry test is a signed difference */

/* ---- the extended ACL rule JSON ---- */

static const char *const rule_fields[] = {
	"Action", "Direction", "LocalIPAddress", "RemoteIPAddress", "LocalPort",
	"RemotePort", "Protocol", "Weight", "Stateful", "IdleSessionTimeout",
	NULL,
};

static int get_prefix(const json_t *obj, const char *path, const char *key,
		      struct acl_prefix *p, struct json_err *e)
{
	const char *s = NULL;
	char fp[PATH_LEN];

	p->any = true;
	if (json_get_string(obj, path, key, false, &s, e) < 0)
		return -1;
	if (s == NULL)
		return 0;
	if (acl_text_prefix_parse(s, p) < 0) {
		json_path_member(fp, sizeof(fp), path, key);
		return json_fail(e, fp, "'%s' is not an IP address, prefix "
				 "(address/length) or ANY", s);
	}
	return 0;
}

/* A port: "80", "1000-2000", "ANY" or an integer. */
static int get_ports(const json_t *obj, const char *path, const char *key,
		     uint16_t *lo, uint16_t *hi, struct json_err *e)
{
	const json_t *v = json_object_get(obj, key);
	char fp[PATH_LEN];
	int rc;

	*lo = 0;
	*hi = 65535;
	if (v == NULL)
		return 0;
	json_path_member(fp, sizeof(fp), path, key);
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		if (n < 0 || n > 65535)
			return json_fail(e, fp, "%lld is not a port (0-65535)",
					 (long long)n);
		*lo = *hi = (uint16_t)n;
		return 0;
	}
	if (!json_is_string(v))
		return json_fail(e, fp, "must be a string or an integer");
	rc = acl_text_ports_parse(json_string_value(v), lo, hi);
	if (rc == -2)
		return json_fail(e, fp, "range '%s' is reversed (low-high)",
				 json_string_value(v));
	if (rc < 0)
		return json_fail(e, fp, "'%s' is not a port (0-65535), a range "
				 "low-high or ANY", json_string_value(v));
	return 0;
}

static int get_proto(const json_t *obj, const char *path, uint16_t *proto,
		     struct json_err *e)
{
	const json_t *v = json_object_get(obj, "Protocol");
	char fp[PATH_LEN];

	*proto = EXT_ACL_PROTO_ANY;
	if (v == NULL)
		return 0;
	json_path_member(fp, sizeof(fp), path, "Protocol");
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		if (n < 0 || n > 255)
			return json_fail(e, fp, "%lld is not a protocol (" PROTO_HELP ")",
					 (long long)n);
		*proto = (uint16_t)n;
		return 0;
	}
	if (!json_is_string(v))
		return json_fail(e, fp, "must be a string or an integer");
	if (acl_text_proto_parse(json_string_value(v), false, proto) < 0)
		return json_fail(e, fp, "'%s' is not a protocol (" PROTO_HELP ")",
				 json_string_value(v));
	return 0;
}
int ext_acl_rule_from_json(const json_t *obj, const char *path,
			   struct ext_acl_rule *r, char *err, size_t errlen)
{
	static const char *const actions[] = { "Allow", "Deny", NULL };
	static const char *const dirs[] = { "Inbound", "Outbound", NULL };
	struct json_err e = { err, errlen };
	uint64_t weight = 0, timeout = 0;
	bool stateful = false;
	const char *dir_s = NULL;
	char fp[PATH_LEN];
	int action, dir;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(obj))
		return json_fail(&e, path, "must be an object");
	if (json_check_members(obj, path, rule_fields, &e) < 0)
		return -1;
	if (acl_json_enum(obj, path, "Action", actions, &action, &e) < 0)
		return -1;
	if (json_get_string(obj, path, "Direction", true, &dir_s, &e) < 0)
		return -1;
	if (strcasecmp(dir_s, "Both") == 0) {
		json_path_member(fp, sizeof(fp), path, "Direction");
		return json_fail(&e, fp, "Both is not valid for an extended ACL "
				 "(Inbound or Outbound)");
	}
	if (acl_json_enum(obj, path, "Direction", dirs, &dir, &e) < 0 ||
	    get_prefix(obj, path, "LocalIPAddress", &r->local_ip, &e) < 0 ||
	    get_prefix(obj, path, "RemoteIPAddress", &r->remote_ip, &e) < 0 ||
	    get_ports(obj, path, "LocalPort", &r->local_port_lo,
		      &r->local_port_hi, &e) < 0 ||
	    get_ports(obj, path, "RemotePort", &r->remote_port_lo,
		      &r->remote_port_hi, &e) < 0 ||
	    get_proto(obj, path, &r->protocol, &e) < 0 ||
	    json_get_uint(obj, path, "Weight", false, 0, 65535, &weight, &e) < 0 ||
	    json_get_bool(obj, path, "Stateful", false, &stateful, &e) < 0 ||
	    json_get_uint(obj, path, "IdleSessionTimeout", false, 0,
			  IDLE_TIMEOUT_MAX, &timeout, &e) < 0)
		return -1;
	r->action = action == 0 ? ACL_ALLOW : ACL_DENY;
	r->dir = dir == 0 ? ACL_DIR_INBOUND : ACL_DIR_OUTBOUND;
	r->weight = (uint32_t)weight;
	r->stateful = stateful;
	/* 0 (what Windows shows for "not set") means the default */
	r->idle_timeout = timeout ? (uint32_t)timeout : EXT_ACL_DEFAULT_IDLE_TIMEOUT;
	if (stateful && r->action == ACL_DENY) {
		json_path_member(fp, sizeof(fp), path, "Stateful");
		return json_fail(&e, fp, "only an Allow rule can be Stateful");
	}
	return acl_rule_check(r, path, "LocalPort", "RemotePort", "RemoteIPAddress", &e);
}

json_t *ext_acl_rule_to_json(const struct ext_acl_rule *r)
{
	char lip[64], rip[64], lp[16], rp[16], proto[16];

	acl_text_prefix_format(&r->local_ip, lip, sizeof(lip));
	acl_text_prefix_format(&r->remote_ip, rip, sizeof(rip));
	acl_text_ports_format(r->local_port_lo, r->local_port_hi, lp, sizeof(lp));
	acl_text_ports_format(r->remote_port_lo, r->remote_port_hi, rp, sizeof(rp));
	acl_text_proto_format(r->protocol, proto, sizeof(proto));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:b, s:I}",
			 "Action", r->action == ACL_DENY ? "Deny" : "Allow",
			 "Direction", r->dir == ACL_DIR_OUTBOUND ? "Outbound" : "Inbound",
			 "LocalIPAddress", lip, "RemoteIPAddress", rip,
			 "LocalPort", lp, "RemotePort", rp, "Protocol", proto,
			 "Weight", (json_int_t)r->weight, "Stateful", (int)r->stateful,
			 "IdleSessionTimeout", (json_int_t)r->idle_timeout);
}
