/* VFP port ACLs, as Add-VMNetworkAdapterAcl: unordered rules of one
 * address each (LocalIPAddress, RemoteIPAddress, LocalMacAddress or
 * RemoteMacAddress: a prefix, a MAC or ANY), Action Allow/Deny/Meter,
 * Direction Inbound/Outbound/Both. The winner for a packet:
 *   1. a MAC match beats any IP match;
 *   2. among IP matches the longest prefix wins (local and remote compete);
 *   3. a specific match beats ANY;
 *   4. at equal specificity Deny beats Allow.
 * No match allows. Meter rules never decide: the most specific matching
 * Meter rule (same precedence) counts the packet. IP rules (ANY included)
 * match IP packets only; MAC rules match every frame.
 *
 * Rules compile into per-direction lookup structures whose cost does not
 * depend on the rule count: rte_lpm / rte_lpm6 for local and remote
 * prefixes (the next hop indexes a result that carries the depth and the
 * best action at that prefix) and an rte_hash for MACs. Tables are built
 * by the control plane and published with RCU (vfp.h); workers only read.
 * Hit counters are per worker and per rule, summed when read.
 * Layer: vfp/, engine layer (VFP; DPDK only). */
#ifndef HVS_PORT_ACL_H
#define HVS_PORT_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "acl_common.h"
#include "vfp_pkt.h"

enum port_acl_addr_kind {
	PORT_ACL_LOCAL_IP,
	PORT_ACL_REMOTE_IP,
	PORT_ACL_LOCAL_MAC,
	PORT_ACL_REMOTE_MAC,
};

struct port_acl_rule {
	uint32_t id; /* stable across recompiles; assigned by the control plane */
	enum acl_action action;
	enum acl_dir dir;
	enum port_acl_addr_kind kind;
	struct acl_prefix ip;      /* IP kinds */
	bool mac_any;              /* MAC kinds */
	struct rte_ether_addr mac; /* MAC kinds */
};

struct port_acl_table;

/* Compiles n rules for a port; counters for nb_workers workers. NULL with
 * err on failure (memory). An empty rule set is valid (allows all). */
struct port_acl_table *port_acl_compile(const struct port_acl_rule *rules,
					unsigned n, unsigned nb_workers,
					int socket, char *err, size_t errlen);
void port_acl_free(struct port_acl_table *t);

/* Worker: the verdict for a packet in a direction (INBOUND or OUTBOUND);
 * counts the deciding rule's hit (and the meter's) in worker's counters. */
enum acl_verdict port_acl_classify(struct port_acl_table *t, enum acl_dir dir,
				   const struct vfp_pkt *pkt, unsigned worker);

#define PACL_BURST_MAX 32

/* Worker: port_acl_classify for n <= PACL_BURST_MAX frames at once, parsed
 * as needed (vps[i] may be overwritten by vfp_pkt_parse_addrs for pkts[i]).
 * Returns the Deny verdicts as a mask (bit i: pkts[i]). Counts as n calls
 * of port_acl_classify would. */
uint32_t port_acl_classify_burst(struct port_acl_table *t, enum acl_dir dir,
				 struct rte_mbuf *const *pkts, unsigned n,
				 struct vfp_pkt *vps, unsigned worker);

/* The burst's IPv4 addresses, gathered by the caller while it reads each
 * frame anyway (the pipeline's admission pass), for
 * port_acl_classify_gathered. Start with plain = bytes = 0. */
struct port_acl_gather {
	uint32_t src[PACL_BURST_MAX], dst[PACL_BURST_MAX]; /* host order */
	uint32_t plain; /* bit i: frame i is untagged IPv4 (addresses above) */
	uint32_t bytes; /* of every gathered frame */
};

/* An untagged IPv4 frame's addresses (host order) read straight from the
 * mbuf; false for anything else (vfp_pkt_parse_addrs then decides). */
static inline bool port_acl_plain_ipv4(const struct rte_mbuf *m, uint32_t *src, uint32_t *dst)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t avail = rte_pktmbuf_data_len(m);
	uint16_t type;
	uint32_t a;

	if (unlikely(avail < RTE_ETHER_HDR_LEN + 20))
		return false;
	memcpy(&type, p + 12, 2);
	if (unlikely(type != RTE_BE16(RTE_ETHER_TYPE_IPV4)))
		return false;
	/* version 4, IHL 5 (the common case) or 6 to 15 within the frame */
	if (unlikely(p[14] != 0x45) &&
	    ((p[14] >> 4) != 4 || (p[14] & 0xf) < 5 ||
	     (uint32_t)(p[14] & 0xf) * 4 > avail - RTE_ETHER_HDR_LEN))
		return false;
	memcpy(&a, p + RTE_ETHER_HDR_LEN + 12, 4);
	*src = rte_be_to_cpu_32(a);
	memcpy(&a, p + RTE_ETHER_HDR_LEN + 16, 4);
	*dst = rte_be_to_cpu_32(a);
	return true;
}

static inline void port_acl_gather_frame(struct port_acl_gather *g, unsigned i,
					 const struct rte_mbuf *m)
{
	uint32_t src = 0, dst = 0;

	g->plain |= (uint32_t)port_acl_plain_ipv4(m, &src, &dst) << i;
	g->src[i] = src;
	g->dst[i] = dst;
	g->bytes += rte_pktmbuf_pkt_len(m);
}

/* port_acl_classify_burst with the frames' addresses gathered (frame i of
 * pkts is entry i of g). */
uint32_t port_acl_classify_gathered(struct port_acl_table *t, enum acl_dir dir,
				    const struct port_acl_gather *g,
				    struct rte_mbuf *const *pkts, unsigned n,
				    struct vfp_pkt *vps, unsigned worker);

/* Control: a rule's hits summed over workers (rule found by id): 0, or -1
 * if the table has no such rule. */
int port_acl_rule_hits(const struct port_acl_table *t, uint32_t rule_id,
		       uint64_t *packets, uint64_t *bytes);
/* After a recompile, once no worker uses old (RCU grace period): moves the
 * hit counts of rules present in both tables into new. */
void port_acl_carry_counters(struct port_acl_table *new_t,
			     const struct port_acl_table *old_t);

#endif
