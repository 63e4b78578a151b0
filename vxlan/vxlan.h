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
 * runs them over its burst). Addresses in host byte order.
 * Layer: vxlan/, engine layer (VXLAN; DPDK only). */
#ifndef HVS_VXLAN_H
#define HVS_VXLAN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

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

/* Prepends the outer headers to the inner Ethernet frame m (which must
 * have 50 bytes of headroom). ip_csum_offload: the port computes the
 * outer IPv4 checksum (ol_flags and lengths are set for it). 0, or -1:
 * no headroom, a VNI over 24 bits. */
int vxlan_encap(struct rte_mbuf *m, const struct vxlan_tunnel *t, bool ip_csum_offload);

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
