/* The switch's configuration as plain structs (control layer): what the
 * startup config (hns-api/schema/config.h) and a hot-plugged port's JSON
 * are parsed into, and what the control plane applies. No JSON here.
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_PORT_CONFIG_H
#define HVS_PORT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

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
	bool endpoint_host; /* attached as the host's vNIC (SystemType Host) */
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
	/* "LoadBalancerConnections": LB connections per worker (0: the
	 * engine's default, 65536) */
	uint32_t lb_max_conns;
	/* "OutBoundNatSessions": the session table of each HNS OutBoundNAT
	 * WinNAT object (obnat_ctl.h; 0: WinNAT's default, 65536) */
	uint32_t obnat_max_sessions;
	uint16_t nb_ports;
	struct port_config ports[VS_MAX_PORTS];
	/* Opaque to the switch (jansson's json_t, owned by the northbound):
	 * the "Networks" and "Endpoints" arrays, kept as JSON for the HNS
	 * service (which validates them as it does POST bodies), and "Nats"
	 * (validated at parse time, applied after the ports are up). NULL
	 * when absent or empty; config_release() drops them. */
	struct json_t *networks, *endpoints;
	struct json_t *nats;
	/* "LoadBalancers" (config_lb.h): validated at parse time, applied
	 * after the northbound has started, before the workers. */
	struct json_t *lbs;
};

#define CONFIG_DEFAULT_MAC_AGING 300
#define CONFIG_DEFAULT_MAC_TABLE 65536

#endif
