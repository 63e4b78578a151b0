/* VXLAN (RFC 7348) encapsulation and decapsulation for Overlay networks
 * (issue 19), as the Linux kernel's vxlan device speaks it, so hvswitch
 * and Linux nodes (flannel's vxlan backend, Calico VXLAN) exchange pod
 * traffic: outer Ethernet / IPv4 (DF set, TTL 64 unless given) / UDP
 * (destination 4789 or the network's VxlanPort; source port from a hash of
 * the inner flow, in 49152-65535, so ECMP spreads flows and keeps each on
 * one path) / VXLAN (I flag, 24-bit VNI = the network's IsolationId).
 * The outer UDP checksum is 0, as Linux sends it over IPv4; the outer IPv4
 * checksum is computed, or left to the port when it offloads it.
 *
 * Engine layer: no state, no allocation; one frame at a time (the caller
 * runs them over its burst). Addresses in host byte order. A tunnel used
 * for many frames keeps a precomputed header (struct vxlan_template).
 * Layer: vxlan/, engine layer (VXLAN; DPDK only). */
#ifndef HVS_VXLAN_H
#define HVS_VXLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>

#define VXLAN_PORT 4789
/* outer Ethernet + IPv4 + UDP + VXLAN: what encapsulation adds, and what
 * an Overlay network's MTU (EncapOverhead) leaves room for */
#define VXLAN_OVERHEAD 50
#define VXLAN_SRC_PORT_MIN 49152
#define VXLAN_VNI_MAX 0xffffffu

/* One remote end: where the frame goes and from where. */
struct vxlan_tunnel {
	uint32_t local_ip, remote_ip;        /* provider addresses */
	struct rte_ether_addr local_mac;     /* the uplink's MAC */
	struct rte_ether_addr next_hop_mac;  /* the remote, or its router */
	uint16_t dst_port;                   /* 0: VXLAN_PORT */
	uint32_t vni;
	uint8_t ttl;                         /* 0: 64 */
};

/* The outer UDP source port for an inner Ethernet frame: a hash of its
 * IPv4/IPv6 addresses, protocol and ports (Ethernet addresses and type
 * for other frames), mapped into 49152-65535. */
uint16_t vxlan_src_port(const struct rte_mbuf *inner);

/* CRC32-C of 8 or 4 bytes at p (any alignment): what rte_hash_crc gives
 * for an 8-byte or 4-byte buffer, as one instruction on a plain load. */
static inline uint32_t vxlan_crc8_at(const uint8_t *p, uint32_t init)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return rte_hash_crc_8byte(w, init);
}

static inline uint32_t vxlan_crc4_at(const uint8_t *p, uint32_t init)
{
	uint32_t w;

	memcpy(&w, p, sizeof(w));
	return rte_hash_crc_4byte(w, init);
}

/* A 32-bit flow hash folded into the upper quarter of the port space. */
static inline uint16_t vxlan_src_port_fold(uint32_t h)
{
	h ^= h >> 16;
	return (uint16_t)(VXLAN_SRC_PORT_MIN + (h & 0x3fff));
}

/* vxlan_src_port for an inner IPv4 header at ip with len bytes from it
 * to the frame's end (at least 20): for a caller that has parsed the
 * frame already. Addresses and protocol, and the ports of TCP, UDP and
 * SCTP unless a non-first fragment. */
static inline uint16_t vxlan_src_port_ipv4(const uint8_t *ip, uint32_t len)
{
	const struct rte_ipv4_hdr *h4 = (const struct rte_ipv4_hdr *)ip;
	uint32_t ihl = (uint32_t)(h4->version_ihl & 0x0f) * 4;
	uint8_t proto = h4->next_proto_id;
	uint32_t h = vxlan_crc8_at(ip + 12, proto);

	if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP) &&
	    !(h4->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) &&
	    len >= ihl + 4)
		h = vxlan_crc4_at(ip + ihl, h);
	return vxlan_src_port_fold(h);
}

/* Prepends the outer headers to the inner Ethernet frame m (which must
 * have 50 bytes of headroom). ip_csum_offload: the port computes the
 * outer IPv4 checksum (ol_flags and lengths are set for it). 0, or -1:
 * no headroom, a VNI over 24 bits. Builds a template (below) each call:
 * for a tunnel used for many frames, keep the template and use
 * vxlan_encap_template. */
int vxlan_encap(struct rte_mbuf *m, const struct vxlan_tunnel *t, bool ip_csum_offload);

/* ---- the fast path: one precomputed header per tunnel ----
 *
 * Everything encapsulation writes but three 16-bit fields is the same for
 * every frame of a tunnel: the outer Ethernet, IPv4, UDP and VXLAN headers
 * and, for a routed frame, the inner Ethernet addresses (the DR rewrites
 * them). The template holds those 62 bytes, and the outer IPv4 header's
 * checksum sum without its total length; a frame then costs one 64-byte
 * copy, the lengths and source port stored, and the checksum folded in
 * registers (nothing written is read back: no store-to-load stalls, which
 * were a third of the per-frame cost when the checksum was computed over
 * the just-written header). */
#define VXLAN_TEMPLATE_LEN (VXLAN_OVERHEAD + 2 * RTE_ETHER_ADDR_LEN)

struct vxlan_template {
	/* outer Ethernet (14) + IPv4 (20) + UDP (8) + VXLAN (8), then the
	 * inner destination and source MACs (12); padded to 64 to copy whole */
	uint8_t hdr[64] __rte_aligned(16);
	uint32_t ip_sum; /* one's-complement sum of the outer IPv4 header,
			  * total length and checksum 0, in memory order */
};

/* Fills t for tunnel tun; the frames it encapsulates get inner addresses
 * inner_dst / inner_src. 0, or -1: a VNI over 24 bits. */
int vxlan_template_init(struct vxlan_template *t, const struct vxlan_tunnel *tun,
			const struct rte_ether_addr *inner_dst,
			const struct rte_ether_addr *inner_src);

/* Encapsulates the inner Ethernet frame m with template t and UDP source
 * port sport (vxlan_src_port of the inner frame). Writes the outer
 * headers and the inner Ethernet addresses. 0, or -1: less than 50 bytes
 * of headroom (m untouched). */
static inline int vxlan_encap_template(struct rte_mbuf *m, const struct vxlan_template *t,
				       uint16_t sport, bool ip_csum_offload)
{
	uint32_t inner_len = rte_pktmbuf_pkt_len(m), sum;
	uint16_t ip_len, udp_len, csum, port;
	uint8_t *p;

	if (unlikely(rte_pktmbuf_headroom(m) < VXLAN_OVERHEAD))
		return -1;
	/* rte_pktmbuf_prepend without its checks (done above) */
	m->data_off = (uint16_t)(m->data_off - VXLAN_OVERHEAD);
	m->data_len = (uint16_t)(m->data_len + VXLAN_OVERHEAD);
	m->pkt_len += VXLAN_OVERHEAD;
	p = rte_pktmbuf_mtod(m, uint8_t *);
	/* 62 bytes in four 16-byte stores, the third at 30 so that the outer
	 * IPv4 destination (30-33), which the router reads next to pick the
	 * next hop, lies within one store: a load spanning two stores waits
	 * for both to retire instead of being forwarded (it was most of the
	 * router's time per frame) */
	rte_mov16(p, t->hdr);
	rte_mov16(p + 16, t->hdr + 16);
	rte_mov16(p + 30, t->hdr + 30);
	rte_mov16(p + 46, t->hdr + 46);
	ip_len = rte_cpu_to_be_16((uint16_t)(inner_len + VXLAN_OVERHEAD - RTE_ETHER_HDR_LEN));
	udp_len = rte_cpu_to_be_16((uint16_t)(inner_len + VXLAN_OVERHEAD - RTE_ETHER_HDR_LEN - 20));
	port = rte_cpu_to_be_16(sport);
	memcpy(p + RTE_ETHER_HDR_LEN + 2, &ip_len, 2);     /* IPv4 total length */
	memcpy(p + RTE_ETHER_HDR_LEN + 20, &port, 2);      /* UDP source port */
	memcpy(p + RTE_ETHER_HDR_LEN + 24, &udp_len, 2);   /* UDP length */
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = 20;
	if (ip_csum_offload) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		return 0; /* the template's checksum field is 0 */
	}
	sum = t->ip_sum + ip_len;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	csum = (uint16_t)~sum;
	memcpy(p + RTE_ETHER_HDR_LEN + 10, &csum, 2);      /* IPv4 checksum */
	return 0;
}

enum vxlan_decap_result {
	VXLAN_DECAP_OK = 0,
	VXLAN_NOT_VXLAN,   /* not IPv4/UDP to the port: not ours, leave it */
	VXLAN_BAD_HEADER,  /* to the port, but no I flag, reserved bits, a
			    * fragment, bad lengths: drop ("VXLAN bad header") */
	VXLAN_TRUNCATED,   /* shorter than its headers say: drop */
};

/* Information about an outer frame the decapsulation removed. */
struct vxlan_outer {
	uint32_t vni;
	uint32_t src_ip, dst_ip;    /* host byte order */
	uint16_t src_port;
};

/* If m is a VXLAN frame to UDP port dst_port (0: VXLAN_PORT), strips the
 * outer headers (m then starts at the inner Ethernet header) and fills
 * out. m is untouched unless the result is VXLAN_DECAP_OK. */
enum vxlan_decap_result vxlan_decap(struct rte_mbuf *m, uint16_t dst_port,
				    struct vxlan_outer *out);

#endif
