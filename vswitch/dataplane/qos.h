/* Per-port QoS: a cap on what an endpoint sends (HNS QOS policy,
 * MaximumOutgoingBandwidthInBytes), enforced at the switch port that
 * receives its traffic by a shaper: a single-rate token bucket (rte_meter
 * srTCM, colour-blind) in front of a short FIFO. A frame that finds enough
 * tokens (and nothing queued before it) goes on; one that does not waits in
 * the FIFO, which the worker drains at the rate on every poll; one that
 * finds the FIFO full (QOS_HOLD_MS of the rate, at most QOS_HOLD_MAX
 * frames) is dropped and counted as "QoS rate exceeded". Queueing instead
 * of policing is what keeps TCP at the cap: a policer's drops cost it
 * 10-80% of the rate, a queue only delays it.
 *
 * Each worker polls its own RX queues, so each has its own bucket and FIFO
 * with the rate shared out by the port's RX queue count (rte_meter is not
 * thread-safe; this keeps the fast path lock-free). The control plane
 * (qos_ctl.h) publishes a port's struct port_qos with a release store and,
 * after an RCU grace period, frees the old one with the frames still in its
 * FIFOs; workers load it once a burst: no QoS is one load and branch, and a
 * worker with nothing held pays one test a poll.
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

#define QOS_HOLD_MAX 256 /* frames a worker holds for one port (power of 2) */
#define QOS_HOLD_MS 100   /* ... and at most this much of the rate in bytes */

/* One worker's frames of one port waiting for tokens, oldest first. */
struct qos_hold {
	uint16_t head;
	uint16_t count;
	uint32_t bytes;
	struct rte_mbuf *m[QOS_HOLD_MAX];
};

struct port_qos {
	uint64_t bytes_per_sec;  /* the port's cap, as configured */
	uint32_t hold_bytes_max; /* a worker's FIFO, in bytes */
	struct rte_meter_srtcm_profile profile; /* per queue share */
	struct rte_meter_srtcm meter[RTE_MAX_LCORE]; /* by worker id */
	struct qos_hold hold[RTE_MAX_LCORE];         /* by worker id */
};

static inline struct port_qos *qos_get(const struct vswitch *sw, uint16_t port)
{
	return __atomic_load_n(&sw->qos[port], __ATOMIC_ACQUIRE);
}

/* Shapes a burst received on in_port: keeps the frames that may go now
 * (compacted at the front of pkts/meta), holds those that must wait
 * (setting in_port's bit in the worker's qos_held) and drops the rest.
 * Returns how many go now. */
uint16_t qos_shape_burst(struct worker *w, struct port_qos *q, uint16_t in_port,
			 struct rte_mbuf **pkts, struct pkt_meta *meta, uint16_t n);

/* Takes up to max held frames that the bucket now lets go, oldest first,
 * into pkts; returns how many. Clears nothing: see qos_hold_empty. */
uint16_t qos_release(struct worker *w, struct port_qos *q, struct rte_mbuf **pkts,
		     uint16_t max);

static inline int qos_hold_empty(const struct port_qos *q, unsigned worker)
{
	return q->hold[worker].count == 0;
}

/* Frees the frames a (no longer published) port_qos holds: control plane,
 * after the grace period. */
void qos_hold_free(struct port_qos *q);

#endif
