/* HNS ACL endpoint policies (hns_acl_policy.h) to extended ACL rules: the
 * one reader of the policy, used by the HNS model to validate a request
 * and by the switch to enforce what was accepted. */
#include "hns_acl_policy.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acl_text.h"
#include "json_util.h"

#define PATH_LEN 256

#define HNS_MAX_ITEMS 1024 /* per comma list */

struct hns_lists {
	struct acl_prefix laddr[HNS_MAX_ITEMS], raddr[HNS_MAX_ITEMS];
	uint16_t lport[HNS_MAX_ITEMS][2], rport[HNS_MAX_ITEMS][2];
	uint16_t proto[HNS_MAX_ITEMS];
	unsigned nladdr, nraddr, nlport, nrport, nproto;
};

enum list_kind { L_ADDR, L_PORT, L_PROTO };

/* Splits a comma list into trimmed items; "" (or absent) is one ANY item. */
static int parse_list(const char *s, const char *fp, enum list_kind kind,
		      void *out, unsigned *count, struct json_err *e)
{
	const char *p = s;

	*count = 0;
	if (s == NULL || *s == '\0') {
		if (kind == L_ADDR) {
			((struct acl_prefix *)out)[0].any = true;
		} else if (kind == L_PORT) {
			((uint16_t (*)[2])out)[0][0] = 0;
			((uint16_t (*)[2])out)[0][1] = 65535;
		} else {
			((uint16_t *)out)[0] = EXT_ACL_PROTO_ANY;
		}
		*count = 1;
		return 0;
	}
	while (p != NULL) {
		char item[64];
		int rc = text_list_next(&p, item, sizeof(item));

		if (rc == -1)
			return json_fail(e, fp, "empty item in list '%s'", s);
		if (rc < 0)
			return json_fail(e, fp, "item too long in list '%s'", s);
		if (*count >= HNS_MAX_ITEMS)
			return json_fail(e, fp, "more than %d items in list",
					 HNS_MAX_ITEMS);
		switch (kind) {
		case L_ADDR:
			if (acl_text_prefix_parse(item, &((struct acl_prefix *)out)[*count]) < 0)
				return json_fail(e, fp, "'%s' is not an IP address or "
						 "prefix", item);
			break;
		case L_PORT: {
			uint16_t *range = ((uint16_t (*)[2])out)[*count];

			rc = acl_text_ports_parse(item, &range[0], &range[1]);
			if (rc == -2)
				return json_fail(e, fp, "range '%s' is reversed (low-high)",
						 item);
			if (rc < 0)
				return json_fail(e, fp, "'%s' is not a port (0-65535) or "
						 "range low-high", item);
			break;
		}
		case L_PROTO:
			if (acl_text_proto_parse(item, true, &((uint16_t *)out)[*count]) < 0)
				return json_fail(e, fp, "'%s' is not a protocol (" PROTO_HELP
						 ")", item);
			break;
		}
		(*count)++;
	}
	return 0;
}

/* An optional string member, failing on another type. */
static int opt_string(const json_t *obj, const char *path, const char *key,
		      const char **out, char *fp, struct json_err *e)
{
	*out = NULL;
	json_path_member(fp, PATH_LEN, path, key);
	return json_get_string(obj, path, key, false, out, e);
}

int ext_acl_rules_from_hns_policy(const json_t *policy, const char *path,
				  struct ext_acl_rule *out, unsigned max,
				  char *err, size_t errlen)
{
	static const char *const v1_fields[] = {
		"Type", "Id", "Protocol", "Protocols", "InternalPort", "Action",
		"Direction", "LocalAddresses", "RemoteAddresses", "LocalPorts",
		"LocalPort", "RemotePorts", "RemotePort", "RuleType", "Priority",
		"ServiceName", NULL,
	};
	static const char *const v2_top[] = { "Type", "Settings", NULL };
	static const char *const v2_fields[] = {
		"Protocols", "Action", "Direction", "LocalAddresses",
		"RemoteAddresses", "LocalPorts", "RemotePorts", "RuleType",
		"Priority", NULL,
	};
	static const char *const actions[] = { "Allow", "Block", NULL };
	static const char *const dirs[] = { "In", "Out", NULL };
	static const char *const ruletypes[] = { "Host", "Switch", NULL };
	struct json_err e = { err, errlen };
	const json_t *obj = policy, *settings = NULL;
	char spath[PATH_LEN], fp[PATH_LEN];
	const char *type = NULL, *s, *ignored;
	uint64_t prio = 0, one = 0, v1_proto = 0, v1_lport = 0, v1_rport = 0;
	bool family_pair = false;
	struct hns_lists *l;
	int action, dir, rt;
	bool v2;
	unsigned n = 0;
	int rc = -1;

	if (!json_is_object(policy))
		return json_fail(&e, path, "must be an object");
	if (json_get_string(policy, path, "Type", true, &type, &e) < 0)
		return -1;
	if (strcasecmp(type, "ACL") != 0) {
		json_path_member(fp, sizeof(fp), path, "Type");
		return json_fail(&e, fp, "'%s' is not an ACL policy", type);
	}
	v2 = json_object_get(policy, "Settings") != NULL;
	if (v2) {
		if (json_check_members(policy, path, v2_top, &e) < 0 ||
		    json_get_object(policy, path, "Settings", true, &settings, &e) < 0)
			return -1;
		json_path_member(spath, sizeof(spath), path, "Settings");
		obj = settings;
		if (json_check_members(obj, spath, v2_fields, &e) < 0)
			return -1;
	} else {
		snprintf(spath, sizeof(spath), "%s", path);
		if (json_check_members(obj, spath, v1_fields, &e) < 0)
			return -1;
		/* v1-only fields: type-checked, not used (InternalPort and
		 * ServiceName do not select traffic in the switch) */
		if (json_get_string(obj, spath, "Id", false, &ignored, &e) < 0 ||
		    json_get_string(obj, spath, "ServiceName", false, &ignored, &e) < 0 ||
		    json_get_uint(obj, spath, "InternalPort", false, 0, 65535, &one,
				  &e) < 0)
			return -1;
	}
	if (acl_json_enum(obj, spath, "Action", actions, &action, &e) < 0 ||
	    acl_json_enum(obj, spath, "Direction", dirs, &dir, &e) < 0 ||
	    json_get_uint(obj, spath, "Priority", false, 0, 65535, &prio, &e) < 0)
		return -1;
	/* RuleType Host or Switch: both are enforced at the switch port */
	if (json_object_get(obj, "RuleType") != NULL) {
		const char *r = NULL;

		if (json_get_string(obj, spath, "RuleType", true, &r, &e) < 0)
			return -1;
		for (rt = 0; ruletypes[rt] && strcasecmp(ruletypes[rt], r) != 0; rt++)
			;
		if (ruletypes[rt] == NULL) {
			json_path_member(fp, sizeof(fp), spath, "RuleType");
			return json_fail(&e, fp, "'%s' is not one of Host or Switch", r);
		}
	}

	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return json_fail(&e, path, "out of memory");

	/* v1's single-valued Protocol, LocalPort, RemotePort (hcsshim always
	 * sends them; 0, and Protocol 256, mean not set) apply when the
	 * matching list is empty */
	if (!v2 &&
	    (json_get_uint(obj, spath, "Protocol", false, 0, 256, &v1_proto, &e) < 0 ||
	     json_get_uint(obj, spath, "LocalPort", false, 0, 65535, &v1_lport, &e) < 0 ||
	     json_get_uint(obj, spath, "RemotePort", false, 0, 65535, &v1_rport, &e) < 0))
		goto out;
	if (opt_string(obj, spath, "Protocols", &s, fp, &e) < 0 ||
	    parse_list(s, fp, L_PROTO, l->proto, &l->nproto, &e) < 0)
		goto out;
	if ((s == NULL || *s == '\0') && v1_proto != 0 && v1_proto != 256)
		l->proto[0] = (uint16_t)v1_proto;
	if (opt_string(obj, spath, "LocalAddresses", &s, fp, &e) < 0 ||
	    parse_list(s, fp, L_ADDR, l->laddr, &l->nladdr, &e) < 0 ||
	    opt_string(obj, spath, "RemoteAddresses", &s, fp, &e) < 0 ||
	    parse_list(s, fp, L_ADDR, l->raddr, &l->nraddr, &e) < 0 ||
	    opt_string(obj, spath, "LocalPorts", &s, fp, &e) < 0 ||
	    parse_list(s, fp, L_PORT, l->lport, &l->nlport, &e) < 0)
		goto out;
	if ((s == NULL || *s == '\0') && v1_lport != 0)
		l->lport[0][0] = l->lport[0][1] = (uint16_t)v1_lport;
	if (opt_string(obj, spath, "RemotePorts", &s, fp, &e) < 0 ||
	    parse_list(s, fp, L_PORT, l->rport, &l->nrport, &e) < 0)
		goto out;
	if ((s == NULL || *s == '\0') && v1_rport != 0)
		l->rport[0][0] = l->rport[0][1] = (uint16_t)v1_rport;

	/* one rule per combination; local/remote address pairs of different
	 * families can match nothing and are left out */
	for (unsigned a = 0; a < l->nladdr; a++)
		for (unsigned b = 0; b < l->nraddr; b++) {
			const struct acl_prefix *la = &l->laddr[a], *ra = &l->raddr[b];

			if (!la->any && !ra->any && la->family != ra->family)
				continue;
			family_pair = true;
			for (unsigned p = 0; p < l->nproto; p++)
				for (unsigned i = 0; i < l->nlport; i++)
					for (unsigned j = 0; j < l->nrport; j++) {
						struct ext_acl_rule r = {
							.action = action == 0 ? ACL_ALLOW : ACL_DENY,
							.dir = dir == 0 ? ACL_DIR_INBOUND :
									  ACL_DIR_OUTBOUND,
							.local_ip = *la,
							.remote_ip = *ra,
							.local_port_lo = l->lport[i][0],
							.local_port_hi = l->lport[i][1],
							.remote_port_lo = l->rport[j][0],
							.remote_port_hi = l->rport[j][1],
							.protocol = l->proto[p],
							.weight = 65535 - (uint32_t)prio,
							/* an allowed outbound flow admits its
							 * return traffic, as HNS ACLs do */
							.stateful = action == 0 && dir == 1,
							.idle_timeout = EXT_ACL_DEFAULT_IDLE_TIMEOUT,
						};

						if (acl_rule_check(&r, spath,
							       v2 || json_object_get(obj, "LocalPorts") ?
							       "LocalPorts" : "LocalPort",
							       v2 || json_object_get(obj, "RemotePorts") ?
							       "RemotePorts" : "RemotePort",
							       "RemoteAddresses", &e) < 0)
							goto out;
						if (n >= max) {
							json_fail(&e, path, "expands to more than %u "
								  "rules", max);
							goto out;
						}
						if (out != NULL)
							out[n] = r;
						n++;
					}
		}
	if (!family_pair) {
		json_path_member(fp, sizeof(fp), spath, "RemoteAddresses");
		json_fail(&e, fp, "no address of the same IP version as "
			  "LocalAddresses");
		goto out;
	}
	rc = (int)n;
out:
	free(l);
	return rc;
}
