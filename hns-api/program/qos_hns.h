/* HNS QOS endpoint policies (v1 {"Type":"QOS",
 * "MaximumOutgoingBandwidthInBytes": N}, v2 the same in Settings: N bytes
 * per second) on the switch port the endpoint is attached to: the
 * port's cap on what the endpoint sends (qos_ctl.h). Several QOS policies:
 * the smallest cap holds; 0 means none.
 * Layer: hns-api/program/, northbound, HNS -> switch programming. */
#ifndef HVS_QOS_HNS_H
#define HVS_QOS_HNS_H

#include <stdint.h>

#include <jansson.h>

struct vswitch;

/* The cap an endpoint's v1 JSON asks for, in bytes/s (0: none). */
uint64_t qos_hns_cap(const json_t *endpoint_v1);
void qos_hns_endpoint_attached(struct vswitch *sw, uint16_t port,
			       const json_t *endpoint_v1);
void qos_hns_endpoint_detached(struct vswitch *sw, uint16_t port);

#endif
