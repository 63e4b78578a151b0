/* MAC learning, split from forwarding (as VPP's l2_learn is): workers look
 * up each source and, when the MAC is new or has moved, queue a request on
 * their own single-producer ring. The main lcore, the MAC table's only
 * writer, drains the rings and applies them. A MAC is therefore known a
 * fraction of a millisecond after its first frame; frames to it in that
 * window are flooded, exactly as for any unknown unicast.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_LEARN_H
#define HVS_LEARN_H

#include <stdint.h>

#include <rte_ring.h>

#include "switch.h"

#define LEARN_RING_SIZE 4096

struct learn_request {
	uint64_t key; /* mac_key() */
	uint16_t port;
	uint16_t pad[3];
};

struct rte_ring *learn_ring_create(unsigned worker_id, int socket);

/* Worker side: false when the ring is full (the request is lost, the packet
 * is not; the next frame from that MAC asks again). */
static inline bool learn_request_push(struct rte_ring *ring, uint64_t key,
				      uint16_t port)
{
	struct learn_request r = {.key = key, .port = port};

	return rte_ring_sp_enqueue_elem(ring, &r, sizeof(r)) == 0;
}

/* Main lcore: applies every queued request; returns how many. */
unsigned learn_drain(struct vswitch *sw, uint32_t now);

#endif
