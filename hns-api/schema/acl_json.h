/* VFP ACL rules as JSON (schema layer): port ACL rules, extended ACL
 * rules and HNS ACL endpoint policies, read strictly with errors naming
 * the JSON path, and written back. Fills the engine's plain structs
 * (vfp/port_acl.h, vfp/ext_acl.h).
 * Layer: hns-api/schema/, northbound, schema layer (JSON <-> C, parsers). */
#ifndef HVS_ACL_JSON_H
#define HVS_ACL_JSON_H

#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "addr_parse.h"
#include "ext_acl.h"
#include "port_acl.h"

/* A parsed prefix (addr_parse.h) as the ACL engines hold it. */
static inline void acl_prefix_from_ip(struct acl_prefix *p, const struct ip_prefix *ip)
{
	memset(p, 0, sizeof(*p));
	p->family = ip->family;
	p->depth = ip->len;
	memcpy(p->addr, ip->addr, sizeof(p->addr));
}

/* From the port ACL JSON ({"Action", "Direction", and exactly one of
 * "LocalIPAddress", "RemoteIPAddress", "LocalMacAddress",
 * "RemoteMacAddress"}; unknown fields rejected). path names the rule in
 * messages ("Ports[0].Acls[2]"). 0, or -1 with err ("path.Field: ..."). */
int port_acl_rule_from_json(const json_t *obj, const char *path,
			    struct port_acl_rule *r, char *err, size_t errlen);
/* The same JSON back (without counters). */
json_t *port_acl_rule_to_json(const struct port_acl_rule *r);

/* From the extended ACL JSON ({"Action", "Direction", "LocalIPAddress",
 * "RemoteIPAddress", "LocalPort", "RemotePort", "Protocol", "Weight",
 * "Stateful", "IdleSessionTimeout"}). 0, or -1 with err naming the field. */
int ext_acl_rule_from_json(const json_t *obj, const char *path,
			   struct ext_acl_rule *r, char *err, size_t errlen);
json_t *ext_acl_rule_to_json(const struct ext_acl_rule *r);

/* HNS ACL endpoint policy (v1 {"Type":"ACL", Protocols, Action Allow/Block,
 * Direction In/Out, LocalAddresses, RemoteAddresses (comma lists),
 * LocalPorts, RemotePorts, Priority (lower wins), RuleType} or the v2
 * Settings of the same names) to extended rules: comma lists expand to one
 * rule per combination; weight = 65535 - Priority. Writes at most max
 * rules; returns the count, or -1 with err. */
int ext_acl_rules_from_hns_policy(const json_t *policy, const char *path,
				  struct ext_acl_rule *out, unsigned max,
				  char *err, size_t errlen);

#endif
