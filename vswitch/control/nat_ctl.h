/* NAT objects in the running switch (SPEC 5.4/5.5; control layer, main
 * lcore): each one a WinNAT table
 * (winnat/winnat.h) owned by one worker, which alone translates its packets
 * (other workers hand them over through the owner's ring) and alone
 * changes its table. The control plane (main lcore) adds and removes NAT
 * objects (published with RCU), and changes mappings and proxies by posting
 * a command the owner applies on its next poll; it waits for the answer.
 * Reading sessions, bindings and counters needs no owner: winnat's readers
 * are safe beside its writer.
 *
 * Slots are stable: a NAT keeps its slot id until removed.
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_NAT_CTL_H
#define HVS_NAT_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l3_dp.h" /* NAT_DP_MAX */
#include "winnat.h"

struct vswitch;

/* Adds a NAT. cfg->external_ip 0: the uplink's first IP (error if the
 * uplink has none); cfg->gateway_ip 0: the first host address of the
 * internal prefix; cfg->compartment 0: the lowest free id >= 1.
 * port_mask: switch ports whose traffic belongs to this NAT (0: any
 * non-uplink port whose source is inside the prefix, unless listed: then
 * port_mask is the whole set, 0 none, as for an HNS network's NAT before
 * an endpoint attaches). Returns the slot, or -1 with err (duplicate
 * name, table full, winnat_create's error). */
int nat_ctl_add(struct vswitch *sw, const struct winnat_config *cfg,
	       portset_t port_mask, bool listed, char *err, size_t errlen);

/* Adds the NAT of an HNS OutBoundNAT (obnat_dp.h): no inside ports; its
 * outbound packets come from forwarding, its replies are bridged back to
 * the endpoints. Same returns as nat_ctl_add. */
int nat_ctl_add_obnat(struct vswitch *sw, const struct winnat_config *cfg,
		      char *err, size_t errlen);

/* Removes a NAT and every session of it (after an RCU grace period). */
int nat_ctl_remove(struct vswitch *sw, int slot);

/* Slot of a NAT by name, or -1. */
int nat_ctl_find(const struct vswitch *sw, const char *name);

/* The NAT in a slot (NULL if free): for winnat_config / foreach / counters. */
const struct winnat *nat_ctl_get(const struct vswitch *sw, int slot);

/* Sets which ports belong to a NAT (HNS endpoints attaching/detaching). */
int nat_ctl_set_ports(struct vswitch *sw, int slot, portset_t port_mask);
portset_t nat_ctl_ports(const struct vswitch *sw, int slot);

/* Run on the owner worker (or directly when no worker runs); same returns
 * as winnat_mapping_add / _del / winnat_proxy_add / _del. */
int nat_ctl_mapping_add(struct vswitch *sw, int slot, const struct winnat_mapping *mp,
		       char *err, size_t errlen);
int nat_ctl_mapping_del(struct vswitch *sw, int slot, uint8_t proto,
		       uint32_t external_ip, uint16_t external_port);
int nat_ctl_proxy_add(struct vswitch *sw, int slot, const struct winnat_proxy *px,
		     char *err, size_t errlen);
int nat_ctl_proxy_del(struct vswitch *sw, int slot, uint32_t listen_ip,
		     uint16_t listen_port);

/* Sum of every NAT's counters (for /stats "Nat"). */
void nat_ctl_counters(const struct vswitch *sw, struct winnat_counters *sum);

#endif
