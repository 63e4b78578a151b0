/* Adding and removing switch ports while the workers run (REST /ports,
 * HNS attach with Devargs). The control plane prepares everything a worker
 * could touch before publishing it, and on removal unpublishes first and
 * waits for an RCU grace period before closing the device:
 *
 * add:    probe + start the device, fill the port slot, set each worker's
 *         TX queue, install static MACs, add it to the VLAN flood sets,
 *         publish new RX queue lists.
 * remove: drop it from the flood sets and RX queue lists, flush its MAC
 *         entries, wait until every worker passed a quiescent state (none
 *         can still send to it or read from it), then close the device.
 *
 * Main lcore only.
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_PORT_HOTPLUG_H
#define HVS_PORT_HOTPLUG_H

#include <stddef.h>

#include "port_config.h"
#include "switch.h"

/* The index of the port of that name, or -1. */
int vswitch_port_find(const struct vswitch *sw, const char *name);

/* 0 and the new port's index in *index, or -1 with err. */
int vswitch_port_add(struct vswitch *sw, const struct port_config *cfg,
		     uint16_t *index, char *err, size_t errlen);

/* 0, or -1 with err (unknown port). */
int vswitch_port_remove(struct vswitch *sw, const char *name, char *err,
			size_t errlen);

/* Closes every port in use (at exit, after the workers stopped). */
void vswitch_ports_close_all(struct vswitch *sw);

#endif
