/* The startup config (SPEC section 4): the Switch and its Ports, parsed
 * strictly into plain structs the daemon applies. Parsing is all-or-nothing:
 * on any error the output is untouched and err holds one line naming the
 * JSON path. */
#ifndef HVS_CONFIG_H
#define HVS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include "switch.h"
#include "vlan.h"

#define CONFIG_MAX_STATIC_MACS 64
#define CONFIG_DEVARGS_MAX 1024

struct port_config {
	char name[VS_NAME_MAX];
	char devargs[CONFIG_DEVARGS_MAX];
	bool uplink;
	struct vlan_config vlan;
	uint16_t nb_macs;
	struct rte_ether_addr macs[CONFIG_MAX_STATIC_MACS];
};

struct switch_config {
	char name[VS_NAME_MAX];
	uint32_t mac_aging_sec;
	uint32_t mac_table_size;
	uint16_t nb_ports;
	struct port_config ports[VS_MAX_PORTS];
};

#define CONFIG_DEFAULT_MAC_AGING 300
#define CONFIG_DEFAULT_MAC_TABLE 65536

int config_parse_file(const char *path, struct switch_config *cfg, char *err,
		      size_t errlen);
int config_parse_text(const char *text, struct switch_config *cfg, char *err,
		      size_t errlen);

#endif
