/* WinNAT objects as JSON (SPEC 5.4, 6): PascalCase names as Get-NetNat,
 * Add-NetNatStaticMapping, Get-NetNatSession and netsh portproxy show
 * them, read strictly (json_util.h: unknown fields are errors, every
 * error is "<JSON path>: message") into the winnat structs, and written
 * back.
 *
 * NAT object:
 *   Name                               required, 1-63 of A-Z a-z 0-9 . _ -
 *   InternalIPInterfaceAddressPrefix   required, IPv4 prefix ("172.18.0.0/16",
 *                                      host bits zero, length 1-30)
 *   ExternalIPAddress                  optional: default the uplink's IP
 *   GatewayAddress                     optional: default the prefix's first host
 *   CompartmentId                      optional: default the lowest free id
 *   TcpEstablishedConnectionTimeout    1800 s  } each 1-86400
 *   TcpTransientConnectionTimeout      120 s   }
 *   UdpIdleSessionTimeout              120 s   }
 *   IcmpQueryTimeout                   30 s    }
 *   TcpFilteringBehavior, UdpFilteringBehavior
 *                                      "AddressDependentFiltering" (default)
 *                                      or "EndpointIndependentFiltering"
 *   UdpInboundRefresh                  false
 *   MaxSessions                        65536 (1-16000000)
 *   ExternalPortRange                  "1024-65535" ("lo-hi" or "port", 1-65535)
 *   StaticMappings                     optional array of static mappings
 * Output adds "Active": true and shows the effective addresses and
 * compartment.
 *
 * Static mapping: Protocol "TCP"|"UDP", ExternalIPAddress (optional: the
 * NAT's), ExternalPort, InternalIPAddress, InternalPort (ports 1-65535),
 * NatName (optional on input: must name the NAT). Output adds
 * StaticMappingID.
 *
 * Port proxy (netsh interface portproxy v4tov4, TCP): ListenAddress,
 * ListenPort, ConnectAddress, ConnectPort. Output adds NatName.
 *
 * Parsing is all-or-nothing: on error the output is untouched.
 * Layer: hns-api/schema/, northbound, schema layer (JSON <-> C, parsers). */
#ifndef HVS_NAT_JSON_H
#define HVS_NAT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "winnat.h"

#define NAT_JSON_DEFAULT_TCP_ESTABLISHED 1800
#define NAT_JSON_DEFAULT_TCP_TRANSIENT 120
#define NAT_JSON_DEFAULT_UDP_IDLE 120
#define NAT_JSON_DEFAULT_ICMP_QUERY 30
#define NAT_JSON_DEFAULT_MAX_SESSIONS 65536
#define NAT_JSON_MAX_SESSIONS 16000000
#define NAT_JSON_DEFAULT_PORT_MIN 1024
#define NAT_JSON_DEFAULT_PORT_MAX 65535
#define NAT_JSON_TIMEOUT_MAX 86400
#define NAT_JSON_MAX_MAPPINGS 1024

/* A parsed NAT object. cfg->external_ip / gateway_ip / compartment are 0
 * when not given (nat_ctl_add fills them); the *_given flags say so too. */
struct nat_json {
	struct winnat_config cfg;
	bool external_given, gateway_given, compartment_given;
	uint32_t nb_mappings;
	struct winnat_mapping *mappings; /* heap, NULL when none */
};

/* WinNAT's defaults (SPEC 5.4) for every knob; name, prefix and addresses
 * zero. */
void nat_json_defaults(struct winnat_config *cfg);

/* A NAT object; path prefixes error paths ("" for a request body,
 * "Nats[1]" in the config). 0, or -1 with err and out untouched. */
int nat_json_parse(const json_t *obj, const char *path, struct nat_json *out,
		   char *err, size_t errlen);
/* Frees the mappings. Safe to call twice. */
void nat_json_release(struct nat_json *n);

/* A static mapping. nat_name (may be NULL) is what a "NatName" member
 * must equal. 0, or -1 with err and mp untouched. */
int nat_mapping_json_parse(const json_t *obj, const char *path,
			   const char *nat_name, struct winnat_mapping *mp,
			   char *err, size_t errlen);

/* A port proxy. 0, or -1 with err and px untouched. */
int nat_proxy_json_parse(const json_t *obj, const char *path,
			 struct winnat_proxy *px, char *err, size_t errlen);

/* The NAT as the API shows it, from its effective config (winnat_config()
 * of the running NAT): every field above but StaticMappings, plus
 * "Active": true. The caller adds "StaticMappings". */
json_t *nat_json_format(const struct winnat_config *cfg);

/* The input form of a parsed NAT (what nat_json_parse reads back to the
 * same struct): defaulted addresses and compartment left out, every knob
 * written, StaticMappings when there are any. */
json_t *nat_json_format_config(const struct nat_json *n);

/* A static mapping as shown: Protocol, ExternalIPAddress (effective:
 * nat_external_ip when the mapping has none), ExternalPort,
 * InternalIPAddress, InternalPort, StaticMappingID, NatName. */
json_t *nat_mapping_json_format(const struct winnat_mapping *mp,
				const char *nat_name, uint32_t id,
				uint32_t nat_external_ip);
/* The input form (ExternalIPAddress only when the mapping has one). */
json_t *nat_mapping_json_config(const struct winnat_mapping *mp);

/* ListenAddress, ListenPort, ConnectAddress, ConnectPort, and NatName
 * when nat_name is not NULL. */
json_t *nat_proxy_json_format(const struct winnat_proxy *px, const char *nat_name);

/* Get-NetNatSession-like: Protocol, InternalRoutingDomainId,
 * CompartmentId, InternalSourceAddress, InternalSourcePort,
 * InternalDestinationAddress, InternalDestinationPort,
 * ExternalSourceAddress, ExternalSourcePort, ExternalDestinationAddress,
 * ExternalDestinationPort, TcpState, Lifetime, IdleSeconds, Configured. */
json_t *nat_session_json(const struct winnat_session_info *s);

/* Protocol, InternalTransportAddress "ip:port", ExternalTransportAddress
 * "ip:port", CompartmentId, SessionCount, Configured. */
json_t *nat_binding_json(const struct winnat_binding_info *b);

/* "TCP", "UDP", "ICMP" or the number. buf holds 8. */
const char *nat_proto_text(uint8_t proto, char *buf);

#endif
