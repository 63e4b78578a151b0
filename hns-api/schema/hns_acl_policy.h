/* The HNS ACL endpoint policy, read once: v1 {"Type":"ACL", Protocols,
 * Action Allow/Block, Direction In/Out, LocalAddresses, RemoteAddresses
 * (comma lists), LocalPorts, RemotePorts, Priority (lower wins),
 * RuleType} or the v2 Settings of the same names, to extended ACL rules:
 * comma lists expand to one rule per combination; weight = 65535 -
 * Priority. The HNS model calls it to refuse a policy the switch could not
 * enforce; the switch calls it to enforce what was accepted. DPDK-free.
 * Layer: hns-api/schema/, northbound, schema layer (JSON <-> C, parsers). */
#ifndef HVS_HNS_ACL_POLICY_H
#define HVS_HNS_ACL_POLICY_H

#include <stddef.h>

#include <jansson.h>

#include "ext_acl_rule.h"

/* The most rules one policy may expand to (vfp's per-port layer limit). */
#define HNS_ACL_POLICY_MAX_RULES 65536

/* Writes at most max rules to out (out NULL: only counts); returns the
 * count, or -1 with err ("path.Field: ..."). */
int ext_acl_rules_from_hns_policy(const json_t *policy, const char *path,
				  struct ext_acl_rule *out, unsigned max,
				  char *err, size_t errlen);

#endif
