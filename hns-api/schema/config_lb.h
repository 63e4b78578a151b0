/* The startup config's "LoadBalancers" (an hvswitch extension, README
 * "Startup config"): load balancers made at start without the REST API,
 * for replay golden tests and hosts without an orchestrator. Each element
 * is close to an HNS v2 HostComputeLoadBalancer, with backends as plain
 * addresses since the config has no endpoint objects:
 *   {"FrontendVIPs": ["10.96.0.10"],       absent or []: a NodePort (every
 *                                          address of the uplink)
 *    "PortMappings": [{"Protocol": 6, "InternalPort": 80,
 *                      "ExternalPort": 8080, "DistributionType": 0,
 *                      "Flags": 0}],       HNS PortMapping Flags (lb.h LB_PM_*)
 *    "Flags": 1,                           1: DSR
 *    "SourceVIP": "10.0.0.254",
 *    "Backends": ["10.0.0.2", "10.0.0.3"]}
 * One engine LB (lb.h) per frontend VIP x PortMapping.
 * Layer: hns-api/schema/, northbound, schema layer (JSON <-> C, parsers). */
#ifndef HVS_CONFIG_LB_H
#define HVS_CONFIG_LB_H

#include <stddef.h>

#include <jansson.h>

#include "json_util.h"

struct vswitch;

/* Strict check of the array: 0, or -1 with e naming the field
 * ("LoadBalancers[1].PortMappings[0].Protocol: ..."). Also refuses a
 * frontend (VIP, protocol, port) given twice. */
int config_lb_check(const json_t *lbs, struct json_err *e);

/* Adds them through lb_ctl (after config_lb_check passed). 0, or -1 with
 * err naming the element. */
int config_lb_apply(struct vswitch *sw, const json_t *lbs, char *err, size_t errlen);

#endif
