/* The startup config (SPEC section 4): the Switch and its Ports, parsed
 * strictly into plain structs the daemon applies. Parsing is all-or-nothing:
 * on any error the output is untouched and err holds one line naming the
 * JSON path. */
#ifndef HVS_CONFIG_H
#define HVS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_ether.h>

#include "ext_acl.h"
#include "port_acl.h"
#include "switch.h"
#include "vlan.h"

#define CONFIG_MAX_STATIC_MACS 64
#define CONFIG_DEVARGS_MAX 1024
#define CONFIG_ENDPOINT_REF_MAX 256
#define CONFIG_MAX_PORT_IPS 4
#define CONFIG_MAX_NEIGHBORS 16

struct config_neighbor {
	uint32_t ip; /* host byte order */
	struct rte_ether_addr mac;
};

struct port_config {
	char name[VS_NAME_MAX];
	char devargs[CONFIG_DEVARGS_MAX];
	bool uplink;
	struct vlan_config vlan;
	uint16_t nb_macs;
	struct rte_ether_addr macs[CONFIG_MAX_STATIC_MACS];
	char endpoint[CONFIG_ENDPOINT_REF_MAX]; /* HNS endpoint name or ID, or "" */
	/* "Acls" and "ExtendedAcls", ids 1..n in config order. Heap arrays
	 * (NULL when empty) owned by the struct: config_release() or
	 * config_port_release() frees them. */
	struct port_acl_rule *acls;
	uint32_t nb_acls;
	struct ext_acl_rule *ext_acls;
	uint32_t nb_ext_acls;
	/* "IPAddresses" ("192.0.2.10/24", IPv4) and "DefaultGateway": the
	 * switch's own addresses on this port (host byte order; 0: none). */
	uint8_t nb_ips;
	uint32_t ips[CONFIG_MAX_PORT_IPS];
	uint8_t plens[CONFIG_MAX_PORT_IPS];
	uint32_t default_gw;
	/* "MacAddress": the device's address (has_mac), "Neighbors": static
	 * ARP entries on this port's links. */
	bool has_mac;
	struct rte_ether_addr mac;
	uint8_t nb_neighbors;
	struct config_neighbor neighbors[CONFIG_MAX_NEIGHBORS];
};

struct switch_config {
	char name[VS_NAME_MAX];
	uint32_t mac_aging_sec;
	uint32_t mac_table_size;
	/* "PacketBuffers": mbufs beyond what the rings need (a big pcap
	 * replayed with infinite_rx holds one per frame); 0: none */
	uint32_t packet_buffers;
	uint16_t nb_ports;
	struct port_config ports[VS_MAX_PORTS];
	/* The "Networks" and "Endpoints" arrays, kept as JSON for the HNS
	 * service (which validates them as it does POST bodies); NULL when
	 * absent or empty. Owned references: config_release() drops them. */
	json_t *networks, *endpoints;
	/* "Nats" (validated with nat_json_parse at parse time; applied after
	 * the ports are up). NULL when absent or empty; owned reference. */
	json_t *nats;
};

#define CONFIG_DEFAULT_MAC_AGING 300
#define CONFIG_DEFAULT_MAC_TABLE 65536

/* One port object (the "Ports" element syntax, every rule of the startup
 * config) for hot-plug through the API; path prefixes error paths ("" for
 * a request body). 0, or -1 with err and pc untouched. Conflicts with
 * other ports are the caller's to check. */
int config_parse_port(const json_t *port, const char *path,
		      struct port_config *pc, char *err, size_t errlen);

/* Drops what a successful parse holds beyond the struct itself (the
 * Networks/Endpoints JSON, every port's ACL arrays). Safe to call twice. */
void config_release(struct switch_config *cfg);
/* The same for one port of config_parse_port(). Safe to call twice. */
void config_port_release(struct port_config *pc);

int config_parse_file(const char *path, struct switch_config *cfg, char *err,
		      size_t errlen);
int config_parse_text(const char *text, struct switch_config *cfg, char *err,
		      size_t errlen);

#endif
