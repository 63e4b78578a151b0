/* hvswitch-cni's pure JSON: the CNI result of an HNS endpoint and its
 * network, the CNI error object, the cniVersion checks, and the HNS
 * endpoint policies a runtime's capabilities ask for (portMappings,
 * bandwidth). No I/O, so the unit tests drive it with plain JSON.
 * Layer: hns-api/cni/, hvswitch-cni, a CNI plugin (a REST client). */
#ifndef HVS_CNI_RESULT_H
#define HVS_CNI_RESULT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* CNI's well-known error codes (spec "Error"); 100+ are the plugin's. */
enum cni_code {
	CNI_ERR_INCOMPATIBLE = 1,
	CNI_ERR_UNSUPPORTED_FIELD = 2,
	CNI_ERR_UNKNOWN_CONTAINER = 3,
	CNI_ERR_INVALID_ENV = 4,
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6,
	CNI_ERR_INVALID_CONFIG = 7,
	CNI_ERR_TRY_LATER = 11,
	CNI_ERR_NOT_AVAILABLE = 50, /* STATUS (1.1): cannot serve ADD now */
	CNI_ERR_HNS = 100,       /* the daemon refused a request */
	CNI_ERR_IPAM = 101,      /* the delegated IPAM plugin failed */
	CNI_ERR_CHECK = 102,     /* CHECK found the interface changed */
};

/* The versions we speak, for VERSION; cni_version_ok() accepts them. */
extern const char *const cni_supported_versions[];
bool cni_version_ok(const char *v);
/* 0.3.x and 0.4.0 results carry "version" in each ip (1.0.0 dropped it). */
bool cni_version_pre1(const char *v);

/* {"cniVersion", "code", "msg", "details"?}; details may be NULL. */
json_t *cni_error_json(const char *version, int code, const char *msg,
		       const char *details);

/* The result of ADD: endpoint is the HNS v1 endpoint after the plumb
 * (MacAddress, IPAddress, PrefixLength, GatewayAddress, InterfaceName),
 * network the v1 network (DNSServerList, DNSSuffix), sandbox CNI_NETNS.
 * prev_ipam, if not NULL, is a delegated IPAM plugin's result: its ips,
 * routes and dns are kept (the endpoint's interface index set). NULL with
 * err if the endpoint lacks what a result needs. */
json_t *cni_result_from_hns(const char *version, const json_t *endpoint,
			    const json_t *network, const char *sandbox,
			    const json_t *prev_ipam, char *err, size_t errlen);

/* HNS v1 endpoint policies for runtimeConfig.portMappings
 * ([{hostPort, containerPort, protocol, hostIP}] -> NAT, hostIP as VIP)
 * and runtimeConfig.bandwidth ({egressRate bits/s} -> QOS
 * MaximumOutgoingBandwidthInBytes bytes/s), appended to policies. -1 with
 * err on a malformed entry. */
int cni_capability_policies(const json_t *runtime_config, json_t *policies,
			    char *err, size_t errlen);

/* The config's "policies" as win-bridge/sdnbridge write them
 * ({"Name": "EndpointPolicy", "Value": {...}}) or bare HNS policies
 * ({"Type": ...}), appended to policies as HNS endpoint policies; entries
 * for other consumers (a "Name" other than EndpointPolicy) are skipped. */
int cni_config_policies(const json_t *conf_policies, json_t *policies,
			char *err, size_t errlen);

#endif
