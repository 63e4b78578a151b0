/* HNS OutBoundNAT on endpoint ports in the running switch (control layer,
 * main lcore): sets or clears a port's OutBoundNAT (obnat_dp.h). Each
 * external address (with its port pool size) is one WinNAT object, a NAT
 * slot of the router made on first use and removed with its last port;
 * the per-port rules are one immutable view published with RCU (the old
 * one freed after a grace period, so workers never wait).
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_OBNAT_CTL_H
#define HVS_OBNAT_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include "obnat_match.h"

struct vswitch;

/* One endpoint's OutBoundNAT, its policies combined (obnat_match.h). */
struct obnat_endpoint {
	struct obnat_rule rule;
	uint32_t external_ip; /* host order: the VIP, else the host address */
	uint16_t max_ports;   /* MaxPortPoolUsage: pool 1024..1024+N-1; 0: 1024..65535 */
	uint16_t uplink;      /* the port its network leaves by */
	uint32_t ip4;         /* the endpoint's IPv4 address, host order */
	struct rte_ether_addr mac; /* its own MAC */
	bool routed;          /* an Overlay endpoint: the DR routes what is SNATed */
};

/* Sets (replaces) port's OutBoundNAT. 0, or -1 with err (no router, NAT
 * slots full, out of memory): then the port's previous setting stays. */
int obnat_ctl_set(struct vswitch *sw, uint16_t port, const struct obnat_endpoint *ep,
		  char *err, size_t errlen);
/* Clears it (no-op if none). */
void obnat_ctl_clear(struct vswitch *sw, uint16_t port);

struct obnat_status {
	uint32_t external_ip;  /* host order */
	uint64_t packets;      /* packets SNATed from the port */
	uint64_t sessions;     /* live sessions of the endpoint's address */
	char nat[64];          /* the WinNAT object's name (/stats Nat.Nats) */
};

/* false if the port has no OutBoundNAT. */
bool obnat_ctl_status(const struct vswitch *sw, uint16_t port, struct obnat_status *st);

void obnat_ctl_fini(struct vswitch *sw);

#endif
