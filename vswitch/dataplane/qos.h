/* Per-port QoS: a cap on what an endpoint sends (HNS QOS policy,
 * MaximumOutgoingBandwidthInBytes), policed at the switch port that
 * receives its traffic with a single-rate token bucket (rte_meter srTCM,
 * colour-blind): a frame that finds too few tokens is dropped and counted
 * as "QoS rate exceeded". Each worker polls its own RX queues, so each has
 * its own bucket with the rate shared out by the port's RX queue count
 * (rte_meter is not thread-safe; this keeps the fast path lock-free).
 *
 * The control plane (qos_ctl.h) publishes a port's struct port_qos with a
 * release store and frees the old one after an RCU grace period; workers
 * load it once a burst: no QoS is one load and branch.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_QOS_H
#define HVS_QOS_H

#include <stdint.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_meter.h>

#include "switch.h"

struct pkt_meta;
struct worker;

struct port_qos {
	uint64_t bytes_per_sec;  /* the port's cap, as configured */
	struct rte_meter_srtcm_profile profile; /* per queue share */
	struct rte_meter_srtcm meter[RTE_MAX_LCORE]; /* by worker id */
};

static inline struct port_qos *qos_get(const struct vswitch *sw, uint16_t port)
{
	return __atomic_load_n(&sw->qos[port], __ATOMIC_ACQUIRE);
}

/* Polices a burst received on in_port: keeps the frames within the rate
 * (compacted at the front of pkts/meta) and drops the rest. Returns how
 * many stay. */
uint16_t qos_police_burst(struct worker *w, struct port_qos *q, uint16_t in_port,
			  struct rte_mbuf **pkts, struct pkt_meta *meta, uint16_t n);

#endif
