/* Field validation shared by every schema, and the HNS policies: parsed
 * from v1 (flat {"Type": "NAT", ...}) or v2 ({"Type": "PortMapping",
 * "Settings": {...}}) into one canonical v1 form, and shown back in either.
 *
 * Each policy type is a table row: its v1 and v2 type names, where it may
 * appear (endpoint, network, subnet, policy list) and its fields with their
 * v1 and v2 names, so the cross-schema mapping (NAT <-> PortMapping, ROUTE
 * <-> SDNRoute, OutBoundNAT VIP <-> VirtualIP, ...) is data, not code. */
#include "hns_internal.h"
#include "hns_acl_policy.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- field values ---- */

static int want(const json_t *v, json_type t, const char *what,
		const char *path, struct herr *e)
{
	bool ok = t == JSON_TRUE ? json_is_boolean(v) : json_typeof(v) == t;

	if (!ok)
		return hfail(e, 400, path, "must be %s, not %s", what, json_type_name(v));
	return 0;
}

/* Calls fn on each trimmed item of a comma list; fails on empty items. */
static int csv_each(const char *s, const char *path, struct herr *e,
		    int (*fn)(const char *item, const char *path, struct herr *e,
			      void *arg),
		    void *arg)
{
	char item[128];
	const char *p = s;

	if (*s == '\0')
		return 0;
	while (p != NULL) {
		int rc = text_list_next(&p, item, sizeof(item));

		if (rc == -1)
			return hfail(e, 400, path, "empty item in list '%s'", s);
		if (rc < 0)
			return hfail(e, 400, path, "item too long in list '%s'", s);
		if (fn(item, path, e, arg) < 0)
			return -1;
	}
	return 0;
}

static int item_ip(const char *item, const char *path, struct herr *e, void *arg)
{
	struct ipaddr a;

	(void)arg;
	if (ip_parse(item, &a) < 0)
		return hfail(e, 400, path, "'%s' is not a valid IP address", item);
	return 0;
}

static json_t *addr_canonical(const char *s, bool allow_prefix,
			      const char *path, struct herr *e)
{
	struct ipaddr a;
	char buf[80];
	int len;

	if (allow_prefix && strchr(s, '/')) {
		if (prefix_parse(s, &a, &len, false) < 0) {
			hfail(e, 400, path, "'%s' is not a valid IP prefix", s);
			return NULL;
		}
		ip_format(&a, buf, sizeof(buf) - 5);
		snprintf(buf + strlen(buf), 5, "/%d", len);
		return json_string(buf);
	}
	if (ip_parse(s, &a) < 0) {
		hfail(e, 400, path, allow_prefix ?
		      "'%s' is not a valid IP address or prefix" :
		      "'%s' is not a valid IP address", s);
		return NULL;
	}
	ip_format(&a, buf, sizeof(buf));
	return json_string(buf);
}

/* An address (or prefix) checked, kept as written. */
static json_t *addr_checked(const char *s, bool allow_prefix, const char *path,
			    struct herr *e)
{
	json_t *c = addr_canonical(s, allow_prefix, path, e);

	if (c == NULL)
		return NULL;
	json_decref(c);
	return json_string(s);
}

json_t *field_value(const struct fdesc *d, const json_t *v, const char *path,
		    bool v2, struct herr *e)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	struct ipaddr a;
	char buf[80];
	uint64_t mac;
	int len;

	switch (d->kind) {
	case FK_STR:
	case FK_NAME:
		if (want(v, JSON_STRING, "a string", path, e) < 0)
			return NULL;
		if (d->kind == FK_NAME && *s == '\0') {
			hfail(e, 400, path, "must not be empty");
			return NULL;
		}
		return json_string(s);
	case FK_BOOL:
		if (want(v, JSON_TRUE, "a boolean", path, e) < 0)
			return NULL;
		return json_boolean(json_is_true(v));
	case FK_UINT: {
		json_int_t n;

		if (want(v, JSON_INTEGER, "an integer", path, e) < 0)
			return NULL;
		n = json_integer_value(v);
		if (n < 0 || (uint64_t)n < d->min || (uint64_t)n > d->max) {
			hfail(e, 400, path, "%lld is out of range %llu-%llu",
			      (long long)n, (unsigned long long)d->min,
			      (unsigned long long)d->max);
			return NULL;
		}
		return json_integer(n);
	}
	case FK_IPOPT:
		if (want(v, JSON_STRING, "a string", path, e) < 0)
			return NULL;
		if (*s == '\0')
			return json_string(""); /* any address */
		/* fall through */
	case FK_IP:
	case FK_IP4:
	case FK_IP6:
		if (want(v, JSON_STRING, "a string", path, e) < 0)
			return NULL;
		if (ip_parse(s, &a) < 0 || (d->kind == FK_IP4 && a.family != 4) ||
		    (d->kind == FK_IP6 && a.family != 6)) {
			hfail(e, 400, path, "'%s' is not a valid %s address", s,
			      d->kind == FK_IP4 ? "IPv4" :
			      d->kind == FK_IP6 ? "IPv6" : "IP");
			return NULL;
		}
		return json_string(s); /* as the client wrote it */
	case FK_PREFIX:
		if (want(v, JSON_STRING, "a string", path, e) < 0)
			return NULL;
		if (prefix_parse(s, &a, &len, false) < 0) {
			hfail(e, 400, path, "'%s' is not a valid IP prefix (address/length)", s);
			return NULL;
		}
		return json_string(s);
	case FK_MAC:
		if (want(v, JSON_STRING, "a string", path, e) < 0)
			return NULL;
		if (hns_mac_parse(s, &mac) < 0) {
			hfail(e, 400, path, "'%s' is not a valid MAC address", s);
			return NULL;
		}
		return json_string(s);
	case FK_IPCSV:
		if (want(v, JSON_STRING, "a string", path, e) < 0)
			return NULL;
		if (csv_each(s, path, e, item_ip, NULL) < 0)
			return NULL;
		return json_string(s); /* as the client wrote it */
	case FK_ADDRCSV:
	case FK_PORTCSV:
	case FK_PROTOCSV:
		/* the items are read by the ACL policy's one reader
		 * (acl_check, hns_acl_policy.h) */
		if (want(v, JSON_STRING, "a string", path, e) < 0)
			return NULL;
		return json_string(s);
	case FK_PROTO: {
		json_int_t n = -1;

		if (json_is_integer(v)) {
			n = json_integer_value(v);
		} else if (s != NULL) {
			if (strcasecmp(s, "TCP") == 0)
				n = 6;
			else if (strcasecmp(s, "UDP") == 0)
				n = 17;
			else if (strcmp(s, "6") == 0 || strcmp(s, "17") == 0)
				n = atoi(s);
		} else if (want(v, JSON_STRING, "a string or an integer", path, e) < 0) {
			return NULL;
		}
		if (n != 6 && n != 17) {
			char shown[64];

			if (s)
				snprintf(shown, sizeof(shown), "'%s'", s);
			else
				snprintf(shown, sizeof(shown), "%lld", (long long)n);
			hfail(e, 400, path, "%s is not a protocol here (TCP, UDP, 6 or 17)",
			      shown);
			return NULL;
		}
		(void)v2;
		return json_string(n == 6 ? "TCP" : "UDP");
	}
	case FK_ENUM:
		if (want(v, JSON_STRING, "a string", path, e) < 0)
			return NULL;
		for (const char *const *p = d->enums; *p; p++)
			if (strcasecmp(*p, s) == 0)
				return json_string(*p);
		buf[0] = '\0';
		for (const char *const *p = d->enums; *p; p++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
				 p == d->enums ? "" : ", ", *p);
		hfail(e, 400, path, "'%s' is not one of %s", s, buf);
		return NULL;
	case FK_ADDRARRAY:
	case FK_IPARRAY:
	case FK_STRARRAY: {
		json_t *out, *item;
		size_t i;
		char p[HNS_PATH_LEN];

		if (want(v, JSON_ARRAY, "an array", path, e) < 0)
			return NULL;
		out = json_array();
		json_array_foreach(v, i, item) {
			json_t *c;

			pindex(p, path, i);
			if (want(item, JSON_STRING, "a string", p, e) < 0) {
				json_decref(out);
				return NULL;
			}
			c = d->kind == FK_STRARRAY ? json_incref(item) :
			    addr_checked(json_string_value(item),
					 d->kind == FK_ADDRARRAY, p, e);
			if (c == NULL) {
				json_decref(out);
				return NULL;
			}
			json_array_append_new(out, c);
		}
		return out;
	}
	case FK_STRMAP: {
		const char *k;
		json_t *item;
		char p[HNS_PATH_LEN];

		if (want(v, JSON_OBJECT, "an object", path, e) < 0)
			return NULL;
		json_object_foreach((json_t *)v, k, item)
			if (want(item, JSON_STRING, "a string", pmember(p, path, k), e) < 0)
				return NULL;
		return json_deep_copy(v);
	}
	case FK_ANY:
		return json_deep_copy(v);
	}
	hfail(e, 500, path, "internal: unknown field kind");
	return NULL;
}

int fields_parse(const json_t *obj, const char *path, const struct fdesc *tab,
		 size_t n, bool v2, const char *const *extra, json_t *out,
		 struct herr *e)
{
	const char *key;
	json_t *v;
	char p[HNS_PATH_LEN];

	if (!json_is_object(obj))
		return hfail(e, 400, path, "must be an object, not %s", json_type_name(obj));
	/* unknown members first: a typo is named even when something else is
	 * also missing */
	json_object_foreach((json_t *)obj, key, v) {
		bool known = false;

		for (size_t i = 0; i < n && !known; i++) {
			const char *name = v2 ? tab[i].v2 : tab[i].name;

			known = name != NULL && strcmp(name, key) == 0;
		}
		for (const char *const *x = extra; x && *x && !known; x++)
			known = strcmp(*x, key) == 0;
		if (known)
			continue;
		if (e->warnings == NULL)
			return hfail(e, 400, pmember(p, path, key), "unknown field");
		hns_warn(e, pmember(p, path, key),
			 "not an HNS field; kept as given, not enforced");
		json_object_set_new(out, key, json_deep_copy(v));
		/* the canonical form keeps it; the other view's renderer may
		 * not (a v2 policy's Settings), so it is kept by path too */
		hns_kept_record(e, path, key, v);
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = v2 ? tab[i].v2 : tab[i].name;
		json_t *c;

		if (name == NULL)
			continue;
		v = json_object_get(obj, name);
		pmember(p, path, name);
		if (v == NULL) {
			if (tab[i].required)
				return hfail(e, 400, p, "required field is missing");
			if (tab[i].kind == FK_PROTO)
				json_object_set_new(out, tab[i].name, json_string("TCP"));
			continue;
		}
		c = field_value(&tab[i], v, p, v2, e);
		if (c == NULL)
			return -1;
		json_object_set_new(out, tab[i].name, c);
	}
	return 0;
}

void fields_render(const json_t *canon, const struct fdesc *tab, size_t n,
		   bool v2, json_t *out)
{
	for (size_t i = 0; i < n; i++) {
		const char *name = v2 ? tab[i].v2 : tab[i].name;
		json_t *v = json_object_get(canon, tab[i].name);

		if (name == NULL || v == NULL)
			continue;
		if (v2 && tab[i].kind == FK_PROTO && json_is_string(v))
			json_object_set_new(out, name, json_integer(
				strcmp(json_string_value(v), "UDP") == 0 ? 17 : 6));
		else
			json_object_set(out, name, v);
	}
}

json_t *doc_ordered(json_t *obj, const char *const *order)
{
	json_t *out = json_object();
	const char *key;
	json_t *v;

	for (const char *const *k = order; *k; k++) {
		v = json_object_get(obj, *k);
		if (v)
			json_object_set(out, *k, v);
	}
	json_object_foreach(obj, key, v)
		if (json_object_get(out, key) == NULL)
			json_object_set(out, key, v);
	json_decref(obj);
	return out;
}

/* ---- policies ---- */

static const char *const e_action[] = { "Allow", "Block", NULL };
static const char *const e_direction[] = { "In", "Out", NULL };
static const char *const e_ruletype[] = { "Host", "Switch", NULL };

#define U16 0, 65535
#define U32 0, UINT32_MAX
#define PORT 1, 65535

static const struct fdesc f_nat[] = {
	{ "Protocol", "Protocol", FK_PROTO, false, 0, 0, NULL },
	{ "InternalPort", "InternalPort", FK_UINT, true, PORT, NULL },
	{ "ExternalPort", "ExternalPort", FK_UINT, true, PORT, NULL },
	{ "VIP", "VIP", FK_IPOPT, false, 0, 0, NULL },
	{ "Flags", "Flags", FK_UINT, false, U32, NULL },
};

static const struct fdesc f_acl[] = {
	{ "Id", "Id", FK_STR, false, 0, 0, NULL },
	{ "Protocol", NULL, FK_UINT, false, 0, 256, NULL }, /* 256: any */
	{ "Protocols", "Protocols", FK_PROTOCSV, false, 0, 0, NULL },
	{ "InternalPort", NULL, FK_UINT, false, U16, NULL },
	{ "Action", "Action", FK_ENUM, true, 0, 0, e_action },
	{ "Direction", "Direction", FK_ENUM, true, 0, 0, e_direction },
	{ "LocalAddresses", "LocalAddresses", FK_ADDRCSV, false, 0, 0, NULL },
	{ "RemoteAddresses", "RemoteAddresses", FK_ADDRCSV, false, 0, 0, NULL },
	{ "LocalPorts", "LocalPorts", FK_PORTCSV, false, 0, 0, NULL },
	{ "LocalPort", NULL, FK_UINT, false, U16, NULL },
	{ "RemotePorts", "RemotePorts", FK_PORTCSV, false, 0, 0, NULL },
	{ "RemotePort", NULL, FK_UINT, false, U16, NULL },
	{ "RuleType", "RuleType", FK_ENUM, false, 0, 0, e_ruletype },
	{ "Priority", "Priority", FK_UINT, false, U16, NULL },
	{ "ServiceName", NULL, FK_STR, false, 0, 0, NULL },
};

static const struct fdesc f_vlan[] = {
	{ "VLAN", "IsolationId", FK_UINT, true, 1, 4094, NULL },
};

static const struct fdesc f_vsid[] = {
	{ "VSID", "IsolationId", FK_UINT, true, 1, 16777215, NULL },
};

static const struct fdesc f_outboundnat[] = {
	{ "VIP", "VirtualIP", FK_IPOPT, false, 0, 0, NULL },
	{ "ExceptionList", "Exceptions", FK_ADDRARRAY, false, 0, 0, NULL },
	{ "Destinations", "Destinations", FK_ADDRARRAY, false, 0, 0, NULL },
	{ "Flags", "Flags", FK_UINT, false, U32, NULL },
	{ "MaxPortPoolUsage", "MaxPortPoolUsage", FK_UINT, false, U16, NULL },
};

static const struct fdesc f_route[] = {
	{ "DestinationPrefix", "DestinationPrefix", FK_PREFIX, true, 0, 0, NULL },
	{ "NextHop", "NextHop", FK_IP, false, 0, 0, NULL },
	{ "NeedEncap", "NeedEncap", FK_BOOL, false, 0, 0, NULL },
};

static const struct fdesc f_qos[] = {
	{ "MaximumOutgoingBandwidthInBytes", "MaximumOutgoingBandwidthInBytes",
	  FK_UINT, true, 0, INT64_MAX, NULL },
};

static const struct fdesc f_pa[] = {
	{ "PA", "ProviderAddress", FK_IP, true, 0, 0, NULL },
};

static const struct fdesc f_elb[] = {
	{ "Protocol", NULL, FK_UINT, false, 0, 255, NULL },
	{ "InternalPort", NULL, FK_UINT, false, U16, NULL },
	{ "ExternalPort", NULL, FK_UINT, false, U16, NULL },
	{ "SourceVIP", NULL, FK_IP, false, 0, 0, NULL },
	{ "VIPs", NULL, FK_IPARRAY, false, 0, 0, NULL },
	{ "ILB", NULL, FK_BOOL, false, 0, 0, NULL },
	{ "IsDSR", NULL, FK_BOOL, false, 0, 0, NULL },
	{ "DSR", NULL, FK_BOOL, false, 0, 0, NULL }, /* IsDSR's other spelling */
	/* what only a v2 PortMapping says (hns_lb.c keeps it in the ELB) */
	{ "DistributionType", NULL, FK_UINT, false, 0, 2, NULL },
	{ "Flags", NULL, FK_UINT, false, 0, UINT32_MAX, NULL },
};

static const struct fdesc f_remotesubnet[] = {
	{ "DestinationPrefix", "DestinationPrefix", FK_PREFIX, true, 0, 0, NULL },
	{ "IsolationId", "IsolationId", FK_UINT, false, U16, NULL },
	{ "ProviderAddress", "ProviderAddress", FK_IP, false, 0, 0, NULL },
	{ "DistributedRouterMacAddress", "DistributedRouterMacAddress", FK_MAC,
	  false, 0, 0, NULL },
};

static const struct fdesc f_drmac[] = {
	{ "Address", "Address", FK_MAC, true, 0, 0, NULL },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct pdesc {
	const char *v1, *v2;
	unsigned ctx;
	const struct fdesc *f;
	size_t nf;
};

static const struct pdesc policy_types[] = {
	{ "NAT", "PortMapping", PC_EP, f_nat, N(f_nat) },
	{ "ACL", "ACL", PC_EP, f_acl, N(f_acl) },
	{ "VLAN", "VLAN", PC_EP | PC_NET | PC_SUB, f_vlan, N(f_vlan) },
	{ "VSID", "VSID", PC_NET | PC_SUB, f_vsid, N(f_vsid) },
	{ "OutBoundNAT", "OutBoundNAT", PC_EP, f_outboundnat, N(f_outboundnat) },
	{ "ROUTE", "SDNRoute", PC_EP | PC_PL, f_route, N(f_route) },
	{ "QOS", "QOS", PC_EP, f_qos, N(f_qos) },
	{ "PA", "ProviderAddress", PC_EP | PC_NET, f_pa, N(f_pa) },
	{ "ELB", NULL, PC_PL, f_elb, N(f_elb) },
	{ "HostRoute", "HostRoute", PC_NET, NULL, 0 },
	{ "RemoteSubnetRoute", "RemoteSubnetRoute", PC_NET, f_remotesubnet,
	  N(f_remotesubnet) },
	{ "DrMacAddress", "DrMacAddress", PC_NET, f_drmac, N(f_drmac) },
};

static const char *ctx_name(unsigned ctx)
{
	return ctx == PC_EP ? "an endpoint" : ctx == PC_NET ? "a network" :
	       ctx == PC_SUB ? "a subnet" : "a policy list";
}

static const struct pdesc *find_type(const char *type, bool v2, bool exact)
{
	for (size_t i = 0; i < N(policy_types); i++) {
		const char *name = v2 ? policy_types[i].v2 : policy_types[i].v1;

		if (name && (exact ? strcmp(name, type) == 0
				   : strcasecmp(name, type) == 0))
			return &policy_types[i];
	}
	return NULL;
}

/* A policy this switch does not enforce here (an unknown type, or a type
 * of another place): kept verbatim when lenient, refused when strict. */
static json_t *policy_unenforced(const json_t *p, const char *tp,
				 const char *type, const struct pdesc *d,
				 unsigned ctx, bool v2, struct herr *e)
{
	char allowed[256] = "";

	if (e->warnings != NULL) {
		hns_warn(e, tp, "policy type '%s' is not enforced on %s; kept as given",
			 type, ctx_name(ctx));
		return json_deep_copy(p);
	}
	for (size_t i = 0; i < N(policy_types); i++) {
		const char *name = v2 ? policy_types[i].v2 : policy_types[i].v1;

		if (name && (policy_types[i].ctx & ctx))
			snprintf(allowed + strlen(allowed),
				 sizeof(allowed) - strlen(allowed), "%s%s",
				 allowed[0] ? ", " : "", name);
	}
	if (d == NULL)
		hfail(e, 400, tp, "unknown policy type '%s' (%s policy is one of %s)",
		      type, ctx_name(ctx), allowed);
	else
		hfail(e, 400, tp, "'%s' is not %s policy (one of %s)", type,
		      ctx_name(ctx), allowed);
	return NULL;
}

static const struct fdesc *policy_field(const struct pdesc *d, const char *key,
					bool v2)
{
	for (size_t i = 0; i < d->nf; i++) {
		const char *name = v2 ? d->f[i].v2 : d->f[i].name;

		if (name && strcmp(name, key) == 0)
			return &d->f[i];
	}
	return NULL;
}

/* The members of obj that are fields of d, in the schema's spelling (a v2
 * Settings may also use a field's v1 name: Calico's v1->v2 conversion keeps
 * "ExceptionList"). Other members fail when strict; when lenient they are
 * reported and left out, so what is enforced never sees them. */
static json_t *policy_fields(const json_t *obj, const char *path,
			     const struct pdesc *d, bool v2, const char *skip,
			     struct herr *e)
{
	json_t *out = json_object(), *v;
	const char *key;
	char p[HNS_PATH_LEN];

	json_object_foreach((json_t *)obj, key, v) {
		const struct fdesc *f = policy_field(d, key, v2);

		if (skip && strcmp(key, skip) == 0)
			continue;
		if (f == NULL && v2 && (f = policy_field(d, key, false)) != NULL &&
		    f->v2 != NULL && json_object_get(obj, f->v2) != NULL)
			f = NULL; /* both spellings given: the v2 one counts */
		if (f != NULL) {
			json_object_set(out, v2 ? f->v2 : f->name, v);
			continue;
		}
		if (e->warnings == NULL) {
			hfail(e, 400, pmember(p, path, key), "unknown field");
			json_decref(out);
			return NULL;
		}
		hns_warn(e, pmember(p, path, key), "not a field of a %s policy; ignored",
			 v2 ? d->v2 : d->v1);
	}
	return out;
}

/* The table row of a policy type name: the schema's own names, any case;
 * the route policy also under its other schema's name (clients send
 * "ROUTE", "SDNRoute", "SDNROUTE", "SdnRoute" to both). */
static const struct pdesc *policy_type(const char *type, bool v2)
{
	const struct pdesc *d = find_type(type, v2, false);

	if (d == NULL && (d = find_type(type, !v2, false)) != NULL &&
	    strcmp(d->v1, "ROUTE") != 0)
		d = NULL;
	return d;
}

/* An ACL policy is accepted only if the switch can enforce it: the rules
 * it expands to are read by the same code that installs them. */
static int acl_check(const json_t *canon, const char *path, struct herr *e)
{
	char err[sizeof(e->msg)];

	if (ext_acl_rules_from_hns_policy(canon, path, NULL,
					  HNS_ACL_POLICY_MAX_RULES, err,
					  sizeof(err)) < 0)
		return hfail(e, 400, NULL, "%s", err);
	return 0;
}

json_t *policy_parse(const json_t *p, const char *path, unsigned ctx, bool v2,
		     struct herr *e)
{
	const struct pdesc *d;
	const json_t *tv, *settings = NULL;
	json_t *out, *known;
	char tp[HNS_PATH_LEN], sp[HNS_PATH_LEN];
	int r;

	if (!json_is_object(p)) {
		hfail(e, 400, path, "must be an object, not %s", json_type_name(p));
		return NULL;
	}
	pmember(tp, path, "Type");
	tv = json_object_get(p, "Type");
	if (tv == NULL) {
		hfail(e, 400, tp, "required field is missing");
		return NULL;
	}
	if (!json_is_string(tv)) {
		hfail(e, 400, tp, "must be a string, not %s", json_type_name(tv));
		return NULL;
	}
	d = policy_type(json_string_value(tv), v2);
	if (d == NULL || !(d->ctx & ctx))
		return policy_unenforced(p, tp, json_string_value(tv), d, ctx, v2, e);
	if (v2) {
		const char *key;
		json_t *v;

		json_object_foreach((json_t *)p, key, v)
			if (strcmp(key, "Type") != 0 && strcmp(key, "Settings") != 0) {
				if (e->warnings == NULL) {
					hfail(e, 400, pmember(sp, path, key), "unknown field");
					return NULL;
				}
				hns_warn(e, pmember(sp, path, key),
					 "not a field of a policy; ignored");
			}
		settings = json_object_get(p, "Settings");
		pmember(sp, path, "Settings");
		if (settings != NULL && !json_is_object(settings)) {
			hfail(e, 400, sp, "must be an object, not %s",
			      json_type_name(settings));
			return NULL;
		}
	}
	known = v2 ? (settings ? policy_fields(settings, sp, d, true, NULL, e)
			       : json_object())
		   : policy_fields(p, path, d, false, "Type", e);
	if (known == NULL)
		return NULL;
	out = json_object();
	json_object_set_new(out, "Type", json_string(d->v1));
	r = fields_parse(known, v2 ? sp : path, d->f, d->nf, v2, NULL, out, e);
	json_decref(known);
	if (r == 0 && d->f == f_acl)
		r = acl_check(out, v2 ? sp : path, e);
	if (r < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

json_t *policies_parse(const json_t *arr, const char *path, unsigned ctx,
		       bool v2, struct herr *e)
{
	json_t *out, *item;
	size_t i;
	char p[HNS_PATH_LEN];

	if (!json_is_array(arr)) {
		hfail(e, 400, path, "must be an array, not %s", json_type_name(arr));
		return NULL;
	}
	out = json_array();
	json_array_foreach(arr, i, item) {
		json_t *c = policy_parse(item, pindex(p, path, i), ctx, v2, e);

		if (c == NULL) {
			json_decref(out);
			return NULL;
		}
		json_array_append_new(out, c);
	}
	return out;
}

json_t *policy_render_v2(const json_t *canon)
{
	const json_t *tv = json_object_get(canon, "Type");
	const struct pdesc *d = json_is_string(tv) ?
		find_type(json_string_value(tv), false, true) : NULL;
	json_t *out, *settings, *src;

	if (d == NULL || d->v2 == NULL)
		return json_incref((json_t *)canon);
	src = json_copy((json_t *)canon);
	if (strcmp(d->v1, "ACL") == 0) {
		/* v1's single-valued fields fold into v2's lists */
		static const char *const pairs[][2] = {
			{ "Protocol", "Protocols" },
			{ "LocalPort", "LocalPorts" },
			{ "RemotePort", "RemotePorts" },
		};

		for (size_t i = 0; i < N(pairs); i++) {
			json_t *one = json_object_get(src, pairs[i][0]);
			char buf[24];

			if (one && !json_object_get(src, pairs[i][1])) {
				snprintf(buf, sizeof(buf), "%lld",
					 (long long)json_integer_value(one));
				json_object_set_new(src, pairs[i][1], json_string(buf));
			}
		}
	}
	out = json_object();
	settings = json_object();
	json_object_set_new(out, "Type", json_string(d->v2));
	fields_render(src, d->f, d->nf, true, settings);
	if (json_object_size(settings) > 0)
		json_object_set(out, "Settings", settings);
	json_decref(settings);
	json_decref(src);
	return out;
}

json_t *policies_render_v2(const json_t *arr)
{
	json_t *out = json_array(), *item;
	size_t i;

	json_array_foreach(arr, i, item)
		json_array_append_new(out, policy_render_v2(item));
	return out;
}

/* ---- routes ---- */

static const struct fdesc f_routes[] = {
	{ "NextHop", "NextHop", FK_IP, false, 0, 0, NULL },
	{ "DestinationPrefix", "DestinationPrefix", FK_PREFIX, true, 0, 0, NULL },
	{ "Metric", "Metric", FK_UINT, false, U16, NULL },
};

json_t *routes_parse(const json_t *arr, const char *path, struct herr *e)
{
	json_t *out, *item;
	size_t i;
	char p[HNS_PATH_LEN];

	if (!json_is_array(arr)) {
		hfail(e, 400, path, "must be an array, not %s", json_type_name(arr));
		return NULL;
	}
	out = json_array();
	json_array_foreach(arr, i, item) {
		json_t *r;

		/* a zero Go Route marshals as {} (sdnbridge without a
		 * gateway sends "Routes":[{}]): no route */
		if (json_is_object(item) && json_object_size(item) == 0)
			continue;
		r = json_object();
		if (fields_parse(item, pindex(p, path, i), f_routes, N(f_routes),
				 false, NULL, r, e) < 0) {
			json_decref(r);
			json_decref(out);
			return NULL;
		}
		json_array_append_new(out, r);
	}
	return out;
}

/* ---- comparing policies by meaning ---- */

/* A copy of v with every string that is a MAC, an address or a prefix in
 * one spelling (MAC dashed upper-case, prefix with its host bits cleared):
 * what PATCH Remove matches on. */
static json_t *semantic_copy(const json_t *v)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		struct ipaddr a;
		uint64_t mac;
		char buf[80];
		int len;

		if (hns_mac_parse(s, &mac) == 0) {
			hns_mac_format(mac, buf);
			return json_string(buf);
		}
		if (strchr(s, '/') && prefix_parse(s, &a, &len, false) == 0) {
			if (a.family == 4)
				a.v4 &= len == 0 ? 0 : ~UINT32_C(0) << (32 - len);
			ip_format(&a, buf, sizeof(buf) - 5);
			snprintf(buf + strlen(buf), 5, "/%d", len);
			return json_string(buf);
		}
		if (ip_parse(s, &a) == 0) {
			ip_format(&a, buf, sizeof(buf));
			return json_string(buf);
		}
		return json_string(s);
	}
	if (json_is_array(v)) {
		json_t *out = json_array(), *item;
		size_t i;

		json_array_foreach(v, i, item)
			json_array_append_new(out, semantic_copy(item));
		return out;
	}
	if (json_is_object(v)) {
		json_t *out = json_object(), *item;
		const char *key;

		json_object_foreach((json_t *)v, key, item)
			json_object_set_new(out, key, semantic_copy(item));
		return out;
	}
	return json_incref((json_t *)v);
}

bool policy_same(const json_t *a, const json_t *b)
{
	json_t *x = semantic_copy(a), *y = semantic_copy(b);
	bool same = json_equal(x, y);

	json_decref(x);
	json_decref(y);
	return same;
}
