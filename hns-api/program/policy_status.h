/* What the switch does with each of an endpoint's HNS policies (issue 18):
 * for GET /endpoints/{id}/policystatus (an hvswitch extension) and
 * `hnsctl endpoint show`. One entry per policy, in the endpoint's order:
 * {"Type", "Status": "Enforced" | "Stored" | "Not attached", "Why"} and,
 * while the endpoint is attached, its counters: ACL policies the packets
 * and bytes of their rules, QOS the frames its cap dropped.
 * Layer: hns-api/program/, northbound, HNS -> switch programming. */
#ifndef HVS_POLICY_STATUS_H
#define HVS_POLICY_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "obnat_ctl.h"

/* ep is the endpoint's v1 JSON; nat_network: its network is a NAT network
 * (its NAT policies are WinNAT mappings); ext_rules: its port's extended
 * ACL rules as the API lists them (acl_api_rules_json), NULL when the
 * endpoint is not attached; qos_drops: its port's "QoS rate exceeded"
 * count; l2bridge_network: its network is an L2Bridge one (ROUTE/SDNRoute
 * are enforced); sdn_route: its port's per-prefix SDNRoute packet counts
 * (PORT_SDN_ROUTES of them), NULL when not attached; obnat_network: its
 * network is L2Bridge, Transparent or Overlay (its IPv4 OutBoundNAT
 * policies are enforced, obnat_hns_network_type); obnat: its port's OutBoundNAT (NULL: none programmed), whose
 * policies then show "Enforced" with the packets SNATed and the
 * endpoint's live sessions (attached without: "Stored"). A new array. */
json_t *policy_status(const json_t *ep, bool nat_network, const json_t *ext_rules,
		      uint64_t qos_drops, bool l2bridge_network, const uint64_t *sdn_route,
		      bool obnat_network, const struct obnat_status *obnat);

#endif
