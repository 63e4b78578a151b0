/* Per-port QoS caps (qos_ctl.h). */
#include "qos_ctl.h"

#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "qos.h"

/* A bucket holds 50 ms of the rate plus the largest frame that crosses
 * the switch (a GRO/TSO segment of 64 KiB from a veth): enough for the
 * worker to catch up after the OS held it off the CPU for a while, small
 * enough that a burst after idling stays short; bursts beyond it wait in
 * the FIFO (qos.h) rather than being dropped. */
#define QOS_BURST_MS 50
#define QOS_MIN_BURST (65535 + 18)

int qos_ctl_set(struct vswitch *sw, uint16_t port, uint64_t bytes_per_sec)
{
	struct port_qos *q = NULL, *old;

	if (port >= VS_MAX_PORTS || !sw->ports[port].in_use)
		return -1;
	if (bytes_per_sec > 0) {
		unsigned queues = RTE_MAX(sw->ports[port].nb_rxq, 1u);
		uint64_t share = RTE_MAX(bytes_per_sec / queues, 1u);
		struct rte_meter_srtcm_params p = {
			.cir = share,
			.cbs = share * QOS_BURST_MS / 1000 + QOS_MIN_BURST,
			.ebs = 0,
		};

		q = rte_zmalloc_socket("port_qos", sizeof(*q), RTE_CACHE_LINE_SIZE,
				       (int)rte_socket_id());
		if (q == NULL)
			return -1;
		q->bytes_per_sec = bytes_per_sec;
		q->hold_bytes_max = (uint32_t)RTE_MIN(share * QOS_HOLD_MS / 1000,
						      (uint64_t)UINT32_MAX);
		if (rte_meter_srtcm_profile_config(&q->profile, &p) != 0) {
			rte_free(q);
			return -1;
		}
		for (unsigned w = 0; w < RTE_MAX_LCORE; w++)
			rte_meter_srtcm_config(&q->meter[w], &q->profile);
	}
	old = sw->qos[port];
	__atomic_store_n(&sw->qos[port], q, __ATOMIC_RELEASE);
	if (old != NULL) {
		if (sw->qsbr != NULL)
			rte_rcu_qsbr_synchronize(sw->qsbr, RTE_QSBR_THRID_INVALID);
		qos_hold_free(old); /* frames it held are lost with the policy */
		rte_free(old);
	}
	return 0;
}

uint64_t qos_ctl_get(const struct vswitch *sw, uint16_t port)
{
	const struct port_qos *q = port < VS_MAX_PORTS ? sw->qos[port] : NULL;

	return q != NULL ? q->bytes_per_sec : 0;
}
