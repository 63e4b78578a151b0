/* Extended ACLs: the rule JSON (Add-VMNetworkAdapterExtendedAcl's fields)
 * and the HNS ACL endpoint policy (v1 flat object or v2 {Type, Settings})
 * mapped onto extended rules. Errors name the JSON path of the field. */
#include "ext_acl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acl_json.h"
#include "addr_parse.h"
#include "json_util.h"

#define PATH_LEN 256
#define IDLE_TIMEOUT_MAX INT32_MAX /* the expiry test is a signed difference */

/* ---- values shared by both schemas ---- */

static bool is_any(const char *s)
{
	return strcasecmp(s, "ANY") == 0 || strcmp(s, "*") == 0;
}

/* "ANY", "*", an address (a host prefix) or address/length. Host bits
 * beyond the length are cleared. 0 or -1. */
static int prefix_parse(const char *s, struct acl_prefix *p)
{
	struct ip_prefix ip;

	memset(p, 0, sizeof(*p));
	if (is_any(s)) {
		p->any = true;
		return 0;
	}
	if (ip_prefix_parse(s, IP_PREFIX_LEN_OPTIONAL, &ip) != IP_PREFIX_OK)
		return -1;
	ip_prefix_clear_host_bits(&ip);
	acl_prefix_from_ip(p, &ip);
	return 0;
}

static void prefix_format(const struct acl_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	unsigned max = p->family == 4 ? 32 : 128;

	if (p->any) {
		snprintf(buf, len, "ANY");
		return;
	}
	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	if (p->depth == max)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, p->depth);
}

static int parse_u16_text(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s) || strlen(s) > 5)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* "ANY", "*", "80" or "1000-2000". 0, -1 (syntax) or -2 (reversed). */
static int port_range_parse(const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(s, '-');
	char first[8];

	if (is_any(s)) {
		*lo = 0;
		*hi = 65535;
		return 0;
	}
	if (dash == NULL) {
		if (parse_u16_text(s, lo) < 0)
			return -1;
		*hi = *lo;
		return 0;
	}
	if ((size_t)(dash - s) >= sizeof(first))
		return -1;
	memcpy(first, s, (size_t)(dash - s));
	first[dash - s] = '\0';
	if (parse_u16_text(first, lo) < 0 || parse_u16_text(dash + 1, hi) < 0)
		return -1;
	return *lo > *hi ? -2 : 0;
}

static void port_range_format(uint16_t lo, uint16_t hi, char *buf, size_t len)
{
	if (lo == 0 && hi == 65535)
		snprintf(buf, len, "ANY");
	else if (lo == hi)
		snprintf(buf, len, "%u", lo);
	else
		snprintf(buf, len, "%u-%u", lo, hi);
}

static const struct {
	const char *name;
	uint16_t number;
} proto_names[] = {
	{ "TCP", 6 }, { "UDP", 17 }, { "ICMP", 1 }, { "ICMPv6", 58 },
	{ "IGMP", 2 }, { "ANY", EXT_ACL_PROTO_ANY },
};

#define PROTO_HELP "TCP, UDP, ICMP, ICMPv6, IGMP, a number 0-255 or ANY"

/* A protocol name or decimal number (0-255); hns also takes 256 (HNS's
 * "any"). 0 or -1. */
static int proto_parse(const char *s, bool hns, uint16_t *out)
{
	char *end;
	unsigned long v;

	for (size_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (strcasecmp(s, proto_names[i].name) == 0) {
			*out = proto_names[i].number;
			return 0;
		}
	if (strcmp(s, "*") == 0) {
		*out = EXT_ACL_PROTO_ANY;
		return 0;
	}
	if (!isdigit((unsigned char)*s) || strlen(s) > 3)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > (hns ? 256u : 255u))
		return -1;
	*out = v == 256 ? EXT_ACL_PROTO_ANY : (uint16_t)v;
	return 0;
}

static void proto_format(uint16_t proto, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (proto_names[i].number == proto) {
			snprintf(buf, len, "%s", proto_names[i].name);
			return;
		}
	snprintf(buf, len, "%u", proto);
}

/* Protocols whose packets carry ports (vfp_pkt's has_ports): a rule with
 * a port other than ANY needs one of these or ANY. */
static bool proto_has_ports(uint16_t proto)
{
	return proto == EXT_ACL_PROTO_ANY || proto == 6 || proto == 17 ||
	       proto == 132;
}

static bool port_any(uint16_t lo, uint16_t hi)
{
	return lo == 0 && hi == 65535;
}

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
	if (prefix_parse(s, p) < 0) {
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
	rc = port_range_parse(json_string_value(v), lo, hi);
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
	if (proto_parse(json_string_value(v), false, proto) < 0)
		return json_fail(e, fp, "'%s' is not a protocol (" PROTO_HELP ")",
				 json_string_value(v));
	return 0;
}

static int get_enum(const json_t *obj, const char *path, const char *key,
		    const char *const *names, int *out, struct json_err *e)
{
	const char *s = NULL;
	char fp[PATH_LEN];

	if (json_get_string(obj, path, key, true, &s, e) < 0)
		return -1;
	for (int i = 0; names[i] != NULL; i++)
		if (strcasecmp(names[i], s) == 0) {
			*out = i;
			return 0;
		}
	json_path_member(fp, sizeof(fp), path, key);
	return json_fail(e, fp, "'%s' is not one of %s or %s", s, names[0], names[1]);
}

/* Cross-field checks shared by both schemas; the keys name the fields to
 * blame. 0 or -1. */
static int check_rule(const struct ext_acl_rule *r, const char *path,
		      const char *lport_key, const char *rport_key,
		      const char *raddr_key, struct json_err *e)
{
	char fp[PATH_LEN];

	if (!r->local_ip.any && !r->remote_ip.any &&
	    r->local_ip.family != r->remote_ip.family) {
		json_path_member(fp, sizeof(fp), path, raddr_key);
		return json_fail(e, fp, "an IPv%u address with an IPv%u local address",
				 r->remote_ip.family, r->local_ip.family);
	}
	if (!proto_has_ports(r->protocol)) {
		const char *key = !port_any(r->local_port_lo, r->local_port_hi) ?
				  lport_key :
				  !port_any(r->remote_port_lo, r->remote_port_hi) ?
				  rport_key : NULL;
		char proto[16];

		if (key != NULL) {
			proto_format(r->protocol, proto, sizeof(proto));
			json_path_member(fp, sizeof(fp), path, key);
			return json_fail(e, fp, "protocol %s has no ports (only TCP, "
					 "UDP, SCTP (132) or any protocol)", proto);
		}
	}
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
	if (get_enum(obj, path, "Action", actions, &action, &e) < 0)
		return -1;
	if (json_get_string(obj, path, "Direction", true, &dir_s, &e) < 0)
		return -1;
	if (strcasecmp(dir_s, "Both") == 0) {
		json_path_member(fp, sizeof(fp), path, "Direction");
		return json_fail(&e, fp, "Both is not valid for an extended ACL "
				 "(Inbound or Outbound)");
	}
	if (get_enum(obj, path, "Direction", dirs, &dir, &e) < 0 ||
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
	return check_rule(r, path, "LocalPort", "RemotePort", "RemoteIPAddress", &e);
}

json_t *ext_acl_rule_to_json(const struct ext_acl_rule *r)
{
	char lip[64], rip[64], lp[16], rp[16], proto[16];

	prefix_format(&r->local_ip, lip, sizeof(lip));
	prefix_format(&r->remote_ip, rip, sizeof(rip));
	port_range_format(r->local_port_lo, r->local_port_hi, lp, sizeof(lp));
	port_range_format(r->remote_port_lo, r->remote_port_hi, rp, sizeof(rp));
	proto_format(r->protocol, proto, sizeof(proto));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:b, s:I}",
			 "Action", r->action == ACL_DENY ? "Deny" : "Allow",
			 "Direction", r->dir == ACL_DIR_OUTBOUND ? "Outbound" : "Inbound",
			 "LocalIPAddress", lip, "RemoteIPAddress", rip,
			 "LocalPort", lp, "RemotePort", rp, "Protocol", proto,
			 "Weight", (json_int_t)r->weight, "Stateful", (int)r->stateful,
			 "IdleSessionTimeout", (json_int_t)r->idle_timeout);
}

/* ---- HNS ACL policies ---- */

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
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char item[64];
		int rc = 0;

		while (n > 0 && isspace((unsigned char)*p)) {
			p++;
			n--;
		}
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		if (n == 0)
			return json_fail(e, fp, "empty item in list '%s'", s);
		if (n >= sizeof(item))
			return json_fail(e, fp, "item too long in list '%s'", s);
		if (*count >= HNS_MAX_ITEMS)
			return json_fail(e, fp, "more than %d items in list",
					 HNS_MAX_ITEMS);
		memcpy(item, p, n);
		item[n] = '\0';
		switch (kind) {
		case L_ADDR:
			if (prefix_parse(item, &((struct acl_prefix *)out)[*count]) < 0)
				return json_fail(e, fp, "'%s' is not an IP address or "
						 "prefix", item);
			break;
		case L_PORT: {
			uint16_t *range = ((uint16_t (*)[2])out)[*count];

			rc = port_range_parse(item, &range[0], &range[1]);
			if (rc == -2)
				return json_fail(e, fp, "range '%s' is reversed (low-high)",
						 item);
			if (rc < 0)
				return json_fail(e, fp, "'%s' is not a port (0-65535) or "
						 "range low-high", item);
			break;
		}
		case L_PROTO:
			if (proto_parse(item, true, &((uint16_t *)out)[*count]) < 0)
				return json_fail(e, fp, "'%s' is not a protocol (" PROTO_HELP
						 ")", item);
			break;
		}
		(*count)++;
		if (end == NULL)
			return 0;
		p = end + 1;
	}
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
	if (get_enum(obj, spath, "Action", actions, &action, &e) < 0 ||
	    get_enum(obj, spath, "Direction", dirs, &dir, &e) < 0 ||
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

						if (check_rule(&r, spath,
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
						out[n++] = r;
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
