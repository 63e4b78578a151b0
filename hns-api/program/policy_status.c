/* Per-policy status of an endpoint (policy_status.h). */
#include "policy_status.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <stdlib.h>

#include "acl_api.h"
#include "hns_acl_policy.h"
#include "obnat_hns.h"
#include "net_hns.h"
#include "stats_read.h"

/* Types the switch enforces, and what it does with them. */
static const struct {
	const char *type;
	const char *what;
} enforced[] = {
	{ "ACL", "extended ACL rules on the endpoint's port" },
	{ "VLAN", "the endpoint's port is an access port of the VLAN" },
	{ "QOS", "a cap on what the endpoint sends, shaped at its port" },
};

static const char *enforced_what(const char *type, bool nat_network)
{
	if (strcasecmp(type, "NAT") == 0)
		return nat_network ? "a WinNAT static mapping of the network's NAT" : NULL;
	for (size_t i = 0; i < sizeof(enforced) / sizeof(enforced[0]); i++)
		if (strcasecmp(type, enforced[i].type) == 0)
			return enforced[i].what;
	return NULL;
}

/* The packets and bytes of rules [first, first + n) in the port's list. */
static void acl_counters(const json_t *rules, uint32_t first, unsigned n, json_t *out)
{
	uint64_t packets = 0, bytes = 0;
	const json_t *r;
	size_t i;

	json_array_foreach(rules, i, r) {
		const char *id = json_string_value(json_object_get(r, "Id"));
		unsigned long v = id ? strtoul(id, NULL, 10) : 0;

		if (v >= first && v < (unsigned long)first + n) {
			packets += (uint64_t)json_integer_value(json_object_get(r, "Packets"));
			bytes += (uint64_t)json_integer_value(json_object_get(r, "Bytes"));
		}
	}
	json_object_set_new(out, "Rules", json_integer(n));
	json_object_set_new(out, "Packets", json_integer((json_int_t)packets));
	json_object_set_new(out, "Bytes", json_integer((json_int_t)bytes));
}

/* An OutBoundNAT policy the switch enforces once attached: an IPv4 one
 * on an L2Bridge, Transparent or Overlay network (obnat_hns.h). */
static bool obnat_enforceable(const json_t *pol, const char *type, bool obnat_network)
{
	return obnat_network && strcasecmp(type, "OutBoundNAT") == 0 &&
	       !(json_integer_value(json_object_get(pol, "Flags")) & OBNAT_FLAG_IPV6);
}

static void obnat_counters(const struct obnat_status *o, json_t *out)
{
	char ip[16];
	uint32_t a = o->external_ip;

	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		 (a >> 8) & 0xff, a & 0xff);
	json_object_set_new(out, "ExternalAddress", json_string(ip));
	json_object_set_new(out, "Nat", json_string(o->nat));
	json_object_set_new(out, "Packets", json_integer((json_int_t)o->packets));
	json_object_set_new(out, "Sessions", json_integer((json_int_t)o->sessions));
}

/* A ROUTE/SDNRoute policy: enforced on L2Bridge for an IPv4 prefix among
 * the port's first PORT_SDN_ROUTES (*slot counts them in policy order,
 * as net_hns.c fills the port's entry). */
static void route_status(const json_t *pol, bool l2bridge, const uint64_t *sdn_route,
			 unsigned *slot, json_t *s)
{
	uint32_t net, mask;
	bool ok = net_hns_sdn_route_prefix(pol, &net, &mask) == 0 && *slot < PORT_SDN_ROUTES;

	if (!l2bridge || !ok) {
		json_object_set_new(s, "Status", json_string("Stored"));
		json_object_set_new(s, "Why", json_string(
			!l2bridge ? "kept as given; enforced on L2Bridge networks only" :
			"kept as given; not an IPv4 prefix, or past the port's prefixes"));
		return;
	}
	json_object_set_new(s, "Status", json_string(sdn_route ? "Enforced" : "Not attached"));
	json_object_set_new(s, "Why", json_string(
		"traffic from the endpoint to the prefix that no load balancer takes "
		"goes to the host vNIC (NextHop and NeedEncap unused on L2Bridge)"));
	if (sdn_route != NULL)
		json_object_set_new(s, "Packets", json_integer((json_int_t)sdn_route[*slot]));
	(*slot)++;
}

json_t *policy_status(const json_t *ep, bool nat_network, const json_t *ext_rules,
		      uint64_t qos_drops, bool l2bridge_network, const uint64_t *sdn_route,
		      bool obnat_network, const struct obnat_status *obnat)
{
	unsigned route_slot = 0;
	json_t *out = json_array(), *pol;
	/* the endpoint's ACL rules are numbered in policy order from
	 * ACL_POLICY_ID_BASE + 1 (acl_api_endpoint_attached) */
	uint32_t next_rule = ACL_POLICY_ID_BASE + 1;
	const bool attached = ext_rules != NULL;
	size_t i;

	json_array_foreach(json_object_get(ep, "Policies"), i, pol) {
		const char *type = json_string_value(json_object_get(pol, "Type"));
		const char *what = type ? enforced_what(type, nat_network) : NULL;
		bool snat = type != NULL && obnat_enforceable(pol, type, obnat_network);
		json_t *s = json_object();
		char err[256];
		int rules = 0;

		json_object_set_new(s, "Type", json_string(type ? type : ""));
		if (type != NULL && (strcasecmp(type, "ROUTE") == 0 ||
				     strcasecmp(type, "SDNRoute") == 0)) {
			route_status(pol, l2bridge_network, attached ? sdn_route : NULL,
				     &route_slot, s);
			json_array_append_new(out, s);
			continue;
		}
		if (type != NULL && strcasecmp(type, "ACL") == 0)
			rules = ext_acl_rules_from_hns_policy(pol, "", NULL,
							      HNS_ACL_POLICY_MAX_RULES,
							      err, sizeof(err));
		if (snat && attached && obnat == NULL)
			snat = false; /* could not be programmed: the log says why */
		else if (snat)
			what = "SNAT to the host address (or VIP) of what the endpoint "
			       "sends out of its network's uplink, but to its exceptions";
		json_object_set_new(s, "Status", json_string(
			what == NULL ? "Stored" : !attached ? "Not attached" : "Enforced"));
		json_object_set_new(s, "Why", json_string(
			what != NULL ? what : "kept as given; this switch does not enforce it"));
		if (attached && rules > 0)
			acl_counters(ext_rules, next_rule, (unsigned)rules, s);
		if (attached && type != NULL && strcasecmp(type, "QOS") == 0)
			json_object_set_new(s, "Dropped", json_integer((json_int_t)qos_drops));
		if (snat && attached)
			obnat_counters(obnat, s);
		if (rules > 0)
			next_rule += (uint32_t)rules;
		json_array_append_new(out, s);
	}
	return out;
}
