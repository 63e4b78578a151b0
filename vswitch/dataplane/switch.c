#include "switch.h"

void vswitch_build_flood_members(struct vswitch *sw)
{
	for (unsigned vid = 0; vid < VLAN_ID_COUNT; vid++) {
		portset_t members = portset_empty();

		for (uint16_t p = 0; p < sw->nb_ports; p++)
			if (sw->ports[p].in_use &&
			    vlan_port_carries(&sw->ports[p].vlan, (uint16_t)vid))
				portset_set(&members, p);
		sw->flood_members[vid] = members;
	}
}
