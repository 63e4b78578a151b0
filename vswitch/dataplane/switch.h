/* The switch as the dataplane sees it: ports, VLAN flood domains, the MAC
 * table and the workers. Built by the main lcore before workers start;
 * workers only read it (MAC table entries excepted, see mac_table.h).
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_SWITCH_H
#define HVS_SWITCH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>
#include <rte_spinlock.h>

#include "mac_table.h"
#include "portset.h"
#include "vlan.h"

#define VS_NAME_MAX 64
/* vs_port.eth_port of a tap port: no ethdev (rte_eth_* calls refuse it) */
#define VS_NO_ETH_PORT UINT16_MAX
#define VS_BURST 32

struct worker;
struct vfp;
struct l3_view;
struct l3_ctl;
struct l2b_view;
struct ov_view;
struct trace;
struct lb_engine;
struct port_qos;
struct obnat_view;
struct obnat_ctl;
struct rte_ring;
struct lb_ctl_state;

struct tap_io;

struct vs_port {
	char name[VS_NAME_MAX];
	bool in_use;       /* false: a removed port's free slot */
	uint16_t index;    /* switch port number, 0..nb_ports-1 */
	uint16_t eth_port; /* DPDK ethdev port id; VS_NO_ETH_PORT for a tap */
	bool uplink;
	struct vlan_config vlan;
	uint16_t nb_rxq, nb_txq;
	/* Fewer TX queues than workers: workers share queues under this
	 * lock (never taken by the control plane). */
	bool tx_shared;
	rte_spinlock_t tx_lock;
	/* PortKind "tap" (tap_io.h): the worker reads and writes the tap
	 * itself, no ethdev (eth_port is VS_NO_ETH_PORT); tx_offload:
	 * frames may leave with their offload requests (offload.h). */
	struct tap_io *tap;
	bool tx_offload;
	struct rte_ether_addr mac;
	/* "IPAddresses"/"DefaultGateway": the router's addresses on this port
	 * (host byte order; only the uplink's are used so far). */
	uint8_t nb_ips;
	uint32_t ips[4];
	uint8_t plens[4];
	uint32_t default_gw;
	/* static ARP entries ("Neighbors"), put in the router's table */
	uint8_t nb_neighbors;
	struct vs_neighbor {
		uint32_t ip;
		struct rte_ether_addr mac;
	} neighbors[16];
};

struct vswitch {
	char name[VS_NAME_MAX];
	uint16_t nb_ports; /* slots used so far; removed ports leave holes */
	struct vs_port ports[VS_MAX_PORTS];
	/* flood_members[vid]: ports that carry VLAN vid. */
	portset_t flood_members[VLAN_ID_COUNT];
	struct mac_table *macs;
	struct vfp *vfp; /* per-port policy layers (vfp.h) */
	/* The router (l3_dp.h): the view workers read (NULL: no L3, every
	 * frame is switched) and the main lcore's state behind it. */
	struct l3_view *l3_view;
	struct l3_ctl *l3;
	/* Transparent/L2Bridge/Private networks (l2bridge.h): NULL without
	 * an L2Bridge or Private endpoint. */
	struct l2b_view *l2b_view;
	/* Overlay networks (overlay.h): NULL without an Overlay endpoint. */
	struct ov_view *ov_view;
	struct trace *trace; /* the running trace (pcap/trace.h) or NULL */
	/* Load balancers (lb/lb.h, lb_ctl.h): NULL until the first is added;
	 * workers load it with acquire. */
	struct lb_engine *lb;
	/* per-port QoS caps (qos.h): NULL, or the port's token buckets */
	struct port_qos *qos[VS_MAX_PORTS];
	/* HNS OutBoundNAT on endpoint ports (obnat_dp.h): NULL without;
	 * the control side's state (obnat_ctl.c) */
	struct obnat_view *obnat_view;
	struct obnat_ctl *obnat_ctl;
	/* LB packets the other workers hand to the owner (lb_dp.h); made
	 * with the engine when there is more than one worker. */
	struct rte_ring *lb_handoff;
	uint32_t lb_max_conns; /* Switch.LoadBalancerConnections, 0: default */
	uint32_t obnat_max_sessions; /* Switch.OutBoundNatSessions, 0: default */
	uint64_t *lb_filter;   /* addresses an LB may touch (lb_dp.h) */
	struct lb_ctl_state *lb_ctl; /* the control side's (lb_ctl.c) */
	bool workers_running; /* commands to owners are posted, not run inline */
	uint32_t mac_aging_sec;
	uint32_t extra_mbufs; /* Switch.PacketBuffers */
	struct rte_rcu_qsbr *qsbr;
	uint32_t clock_sec; /* coarse clock, advanced by the main lcore */
	int stop;           /* set by the main lcore to end the workers */
	unsigned nb_workers;
	struct worker *workers[RTE_MAX_LCORE];
};

/* Recomputes flood_members from the ports' VLAN configs. */
void vswitch_build_flood_members(struct vswitch *sw);

static inline uint32_t vswitch_now(const struct vswitch *sw)
{
	return __atomic_load_n(&sw->clock_sec, __ATOMIC_RELAXED);
}

#endif
