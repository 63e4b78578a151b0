/* Switch ports on a Linux tap with virtio-net headers (PortKind "tap"):
 * the worker reads and writes the tap's file descriptor itself, one frame
 * per read()/writev(), so that big segments cross the switch whole. The
 * kernel hands over TCP segments of up to 64 KiB (TSO/GSO) with their
 * checksum left partial; they travel as offload requests in the mbuf
 * (offload.h) and leave as such to another tap port, or are finished in
 * software on the way to any other port (tx_enqueue_offloaded, worker.c).
 * The control plane opens the tap and makes it a port (tap_port.h).
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_TAP_IO_H
#define HVS_TAP_IO_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "stats.h"
#include "switch.h"

/* How much of a frame a big buffer cannot hold (a 64 KiB IP packet plus
 * its Ethernet header and tags) is read here and chained. */
#define TAP_OVERFLOW 256

struct tap_io {
	int fd;                    /* the tap, non-blocking, IFF_VNET_HDR */
	/* every tap's readiness, shared by all tap ports (-1: none): a
	 * worker asks it once a round which of its taps to read, not each
	 * idle tap with a read (tap_ready) */
	int epfd;
	bool offload;              /* the kernel may send TSO/partial checksums */
	struct rte_mempool *big;   /* 64 KiB mbufs for what is read */
	struct rte_mbuf *spare;    /* the next read's buffer (RX worker only) */
	uint8_t overflow[TAP_OVERFLOW];
};

/* Reads up to max frames: what fits one mbuf of pool is copied into one,
 * bigger ones keep their big buffer. Frames the switch cannot carry are
 * counted in pc and dropped. Returns the number read. */
uint16_t tap_rx_burst(struct tap_io *t, struct rte_mempool *pool,
		      struct port_counters *pc, struct rte_mbuf **pkts, uint16_t max);

/* Per worker: the round's readiness of its taps, asked of the kernel once
 * a round (one epoll_wait for all of them, level-triggered). */
struct tap_readiness {
	uint32_t round;    /* tap_round_start adds one */
	bool asked;        /* this round's epoll_wait is done */
	uint32_t ready[VS_MAX_PORTS]; /* port -> the last round it was ready */
};

static inline void tap_round_start(struct tap_readiness *r)
{
	r->round++;
	r->asked = false;
}

/* Has the tap on port anything to read this round? The first tap a worker
 * asks about in a round costs one epoll_wait; a failed one says yes. */
bool tap_ready(struct tap_readiness *r, const struct tap_io *t, uint16_t port);

/* Writes frames in order until the tap's queue is full; frees what it
 * wrote, returns the count (the caller drops the rest, as for an ethdev). */
uint16_t tap_tx_burst(struct tap_io *t, struct rte_mbuf **pkts, uint16_t n);

#endif
