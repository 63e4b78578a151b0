/* VFP ACL rules as JSON (schema layer): port ACL rules, extended ACL
 * rules (and, through hns_acl_policy.h, HNS ACL endpoint policies), read
 * strictly with errors naming the JSON path, and written back. Fills the engine's plain structs
 * (vfp/port_acl.h, vfp/ext_acl.h).
 * Layer: hns-api/schema/, northbound, schema layer (JSON <-> C, parsers). */
#ifndef HVS_ACL_JSON_H
#define HVS_ACL_JSON_H

#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "acl_text.h"
#include "ext_acl.h"
#include "hns_acl_policy.h"
#include "port_acl.h"

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

#endif
