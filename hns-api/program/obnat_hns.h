/* HNS OutBoundNAT endpoint policies on the switch port the endpoint is
 * attached to (obnat_ctl.h), for endpoints of L2Bridge and Transparent
 * networks (bridged to the uplink) and of Overlay networks (routed out of
 * it by the DR when no overlay route holds the destination: obnat_dp.h,
 * overlay.h); a NAT network's endpoints are already behind WinNAT.
 *
 * v1 {"Type":"OutBoundNAT","ExceptionList":[...],"Destinations":[...],
 * "VIP":"..","MaxPortPoolUsage":N,"Flags":N}; v2's Settings reach us in
 * that v1 form (Exceptions -> ExceptionList, VirtualIP -> VIP). All of an
 * endpoint's OutBoundNAT policies make one rule (obnat_match.h: an
 * exception in any exceptions policy exempts, a Destinations policy SNATs
 * its destinations regardless). The external address is the first VIP
 * any of them gives, else the host address: the network's ManagementIP,
 * else its uplink port's first IPAddresses (what GET /networks/{id}
 * reports). MaxPortPoolUsage N: the pool is ports 1024..1024+N-1 (the
 * smallest N given). Flags: 2 (IPv6) policies are skipped (the switch
 * SNATs IPv4 only); 1 (LocalRoutedVip) changes nothing here.
 * Layer: hns-api/program/, northbound, HNS -> switch programming. */
#ifndef HVS_OBNAT_HNS_H
#define HVS_OBNAT_HNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "obnat_ctl.h"

struct vswitch;
struct hns;

#define OBNAT_FLAG_LOCAL_ROUTED_VIP 1
#define OBNAT_FLAG_IPV6 2

/* The rule of an endpoint's policies (v1 JSON): 1 and *out's rule,
 * external address (VIP, 0 when none given) and max_ports; 0 if it has no
 * OutBoundNAT policy that applies; -1 with err naming the field. */
int obnat_hns_rule(const json_t *endpoint_v1, struct obnat_endpoint *out,
		   char *err, size_t errlen);

/* Does the switch enforce the OutBoundNAT of a network of this HNS type
 * (L2Bridge, Transparent, Overlay; any case)? */
bool obnat_hns_network_type(const char *type);

void obnat_hns_endpoint_attached(struct vswitch *sw, struct hns *h, uint16_t port,
				 const json_t *endpoint_v1);
void obnat_hns_endpoint_detached(struct vswitch *sw, uint16_t port);

#endif
