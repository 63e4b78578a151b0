/* L3 glue building blocks (SPEC 5.5): the switch answers ARP and ICMP echo
 * for its own addresses, resolves next hops with ARP into a neighbour
 * cache, and holds packets briefly while a next hop resolves.
 *
 * Packet helpers work in place on the first segment; l3_off is the offset
 * of the ARP/IPv4 header (after Ethernet and any VLAN tags), so tags are
 * kept as they came. Addresses are host byte order.
 *
 * The neighbour cache: IPv4 -> (MAC, switch port, VLAN). Workers read it
 * lock-free; one writer (the main lcore) applies updates that workers
 * queue on their own ring (neigh_note), like MAC learning. Entries age out
 * after NEIGH_TTL_SEC unless refreshed; RCU (the switch's qsbr) protects
 * readers from reuse.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_L3_H
#define HVS_L3_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "csum.h"

#define NEIGH_TTL_SEC 300

/* ---- ARP ---- */

struct arp_info {
	uint16_t op;                 /* 1 request, 2 reply */
	struct rte_ether_addr sha, tha;
	uint32_t spa, tpa;
};

/* Parses an Ethernet/IPv4 ARP packet at l3_off. false if it is not one or
 * is truncated. */
bool arp_parse(const struct rte_mbuf *m, uint16_t l3_off, struct arp_info *a);

/* Turns the ARP request m (already parsed as a) into the reply "a->tpa is
 * at mac", addressed to the requester, in place (Ethernet src/dst too). */
void arp_reply_in_place(struct rte_mbuf *m, uint16_t l3_off,
			const struct arp_info *a, const struct rte_ether_addr *mac);

/* A broadcast "who has target_ip, tell src_ip" frame, tagged with vid when
 * vid != 0. NULL if the pool is empty. */
struct rte_mbuf *arp_request_build(struct rte_mempool *pool,
				   const struct rte_ether_addr *src_mac,
				   uint32_t src_ip, uint32_t target_ip, uint16_t vid);

/* ---- ICMP ---- */

/* Is m (IPv4 at l3_off) an ICMP echo request to dst? Checks lengths. */
bool icmp_is_echo_request(const struct rte_mbuf *m, uint16_t l3_off);

/* Turns an echo request into its reply in place: swaps IPs and MACs,
 * type 0, TTL 64, checksums fixed (IPv4 header recomputed, ICMP
 * incremental). The frame's own MAC becomes the source. */
void icmp_echo_reply_in_place(struct rte_mbuf *m, uint16_t l3_off);

/* Builds an ICMP error (type, code; e.g. 11/0 TTL exceeded, 3/3 port
 * unreachable) from src_ip about the IPv4 packet orig (at l3_off): IP header
 * + 8 bytes of orig quoted (RFC 792), Ethernet addressed back to orig's
 * source with src_mac, tagged with vid when vid != 0. NULL on no buffer or
 * when orig is itself an ICMP error, a fragment past the first, or not
 * unicast (RFC 1122 3.2.2). */
struct rte_mbuf *icmp_error_build(struct rte_mempool *pool,
				  const struct rte_mbuf *orig, uint16_t l3_off,
				  uint8_t type, uint8_t code, uint32_t src_ip,
				  const struct rte_ether_addr *src_mac, uint16_t vid);

/* Decrements the IPv4 TTL with an incremental checksum update. Returns the
 * new TTL (0 means the caller must not forward it: the header stays as
 * received, for an ICMP quote). Inline: every routed packet pays it. */
static inline uint8_t ipv4_ttl_decrement(struct rte_mbuf *m, uint16_t l3_off)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3_off);
	uint8_t ttl = ip->time_to_live;

	if (ttl <= 1)
		return 0;
	/* TTL and protocol share one 16-bit word */
	ip->hdr_checksum = csum_update16(ip->hdr_checksum,
					 rte_cpu_to_be_16((uint16_t)(ttl << 8 | ip->next_proto_id)),
					 rte_cpu_to_be_16((uint16_t)((ttl - 1) << 8 | ip->next_proto_id)));
	ip->time_to_live = (uint8_t)(ttl - 1);
	return (uint8_t)(ttl - 1);
}

/* ---- neighbour cache ---- */

struct neigh_entry {
	struct rte_ether_addr mac;
	uint16_t port;  /* switch port it was heard on */
	uint16_t vid;   /* VLAN it was heard in */
	uint32_t updated; /* coarse seconds */
};

struct neigh_table;

struct neigh_table *neigh_create(const char *name, uint32_t capacity, int socket,
				 struct rte_rcu_qsbr *qsbr);
void neigh_free(struct neigh_table *t);

/* Reader side (any worker): true and *out if ip is known. */
bool neigh_lookup(const struct neigh_table *t, uint32_t ip, struct neigh_entry *out);

/* Writer side (main lcore only). */
int neigh_set(struct neigh_table *t, uint32_t ip, const struct neigh_entry *e);
int neigh_delete(struct neigh_table *t, uint32_t ip);
unsigned neigh_age(struct neigh_table *t, uint32_t now, uint32_t ttl);
/* Calls fn for each entry (main lcore), for GET /neighbors. */
void neigh_foreach(const struct neigh_table *t,
		   void (*fn)(void *ctx, uint32_t ip, const struct neigh_entry *e),
		   void *ctx);
uint32_t neigh_count(const struct neigh_table *t);

/* Per-worker update queue: workers note what ARP told them, the main lcore
 * drains every ring into the table (control loop). */
struct rte_ring *neigh_ring_create(unsigned worker_id, int socket);
/* false (nothing queued) if the ring is full; the next ARP retries. */
bool neigh_note(struct rte_ring *r, uint32_t ip, const struct rte_ether_addr *mac,
		uint16_t port, uint16_t vid);
unsigned neigh_drain(struct neigh_table *t, struct rte_ring *r, uint32_t now);

/* ---- packets waiting for a next hop (one per worker) ---- */

#define NEIGH_PENDING_MAX 64
#define NEIGH_PENDING_TIMEOUT_MS 1000
#define NEIGH_ARP_RETRY_MS 200

struct neigh_pending_pkt {
	struct rte_mbuf *m;
	uint32_t next_hop;
	uint16_t out_port;
	uint16_t l3_off;
	uint64_t deadline; /* TSC */
};

struct neigh_pending {
	uint16_t n;
	struct neigh_pending_pkt q[NEIGH_PENDING_MAX];
	/* last ARP request per next hop, to rate-limit requests */
	struct { uint32_t ip; uint64_t tsc; } asked[16];
};

/* Queues m until next_hop resolves. false if full (caller drops it). */
bool neigh_pending_add(struct neigh_pending *p, struct rte_mbuf *m,
		       uint32_t next_hop, uint16_t out_port, uint16_t l3_off,
		       uint64_t now_tsc);

/* Should a request for ip go out now (none in the last NEIGH_ARP_RETRY_MS)?
 * Records the answer as asked. */
bool neigh_should_ask(struct neigh_pending *p, uint32_t ip, uint64_t now_tsc);

/* Hands every queued packet whose next hop is now in t to ready(ctx, pkt,
 * entry) and every expired one to expired(ctx, pkt); keeps the rest in
 * order. Returns how many left the queue. */
unsigned neigh_pending_poll(struct neigh_pending *p, const struct neigh_table *t,
			    uint64_t now_tsc,
			    void (*ready)(void *ctx, struct neigh_pending_pkt *pk,
					  const struct neigh_entry *e),
			    void (*expired)(void *ctx, struct neigh_pending_pkt *pk),
			    void *ctx);

#endif
