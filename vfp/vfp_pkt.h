/* The fields VFP layers match on, parsed once per packet at the first hook
 * that needs them: MACs, IPv4/IPv6 addresses, protocol and L4 ports.
 * Addresses and ports are in host byte order (IPv6 as 16 network-order
 * bytes). A packet that is not IP has family 0; a non-first IP fragment or
 * an IP packet too short for its L4 header has has_ports false. */
#ifndef HVS_VFP_PKT_H
#define HVS_VFP_PKT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

struct vfp_pkt {
	struct rte_ether_addr src_mac, dst_mac;
	uint8_t family;     /* 0, 4 or 6 */
	uint8_t proto;      /* IP protocol (IPv6: the first non-extension header) */
	bool has_ports;     /* TCP/UDP/SCTP ports (ICMP: id in src_port) valid */
	uint8_t tcp_flags;  /* TCP only */
	uint32_t src_ip4, dst_ip4;
	uint8_t src_ip6[16], dst_ip6[16];
	uint16_t src_port, dst_port;
	uint32_t len;       /* frame bytes, for counters */
};

/* Parses the frame in m from its Ethernet header, skipping up to two VLAN
 * tags. Never reads past the data of the first segment. */
void vfp_pkt_parse(const struct rte_mbuf *m, struct vfp_pkt *pkt);

#endif
