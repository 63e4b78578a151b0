/* Private to the router (l3_dp.c, l3_ctl.c): the main lcore's state and
 * the commands it posts to NAT owners.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_L3_INTERNAL_H
#define HVS_L3_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "l3_dp.h"
#include "winnat.h"

enum nat_cmd_op { NAT_CMD_MAP_ADD, NAT_CMD_MAP_DEL, NAT_CMD_PROXY_ADD, NAT_CMD_PROXY_DEL };

/* One control-plane change, applied by the NAT's owner; the main lcore
 * waits for done. */
struct nat_cmd {
	enum nat_cmd_op op;
	struct winnat *nat;
	struct winnat_mapping map;
	struct winnat_proxy proxy;
	int result;
	char err[256];
	int done;
};

void nat_cmd_run(struct nat_cmd *c);

struct nat_slot {
	bool used;
	struct winnat *nat;
	struct neigh_table *inside;
	portset_t ports;
	bool listed; /* ports is the whole set (empty: none), see nat_ctl_add */
	uint16_t owner;
	uint16_t vid;
	bool obnat; /* an HNS OutBoundNAT's (obnat_dp.h) */
};

struct l3_ctl {
	struct neigh_table *uplink_neigh;
	struct nat_slot slots[NAT_DP_MAX];
	uint32_t last_age;
};

/* Handed-over packets carry what the owner needs in m->hash.usr. */
enum l3_handoff_kind { HANDOFF_NAT_OUT, HANDOFF_NAT_IN, HANDOFF_ARP, HANDOFF_OBNAT_OUT };

static inline uint32_t handoff_tag(uint16_t in_port, uint8_t slot,
				   enum l3_handoff_kind kind)
{
	return (uint32_t)in_port | (uint32_t)slot << 8 | (uint32_t)kind << 16;
}

#endif
