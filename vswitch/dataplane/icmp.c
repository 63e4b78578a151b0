/* ICMPv4 for the switch's own addresses and for routing: echo replies in
 * place, error messages (RFC 792, with the RFC 1122 3.2.2 and RFC 1812
 * 4.3.2.7 "never answer" rules), and the TTL decrement with the RFC 1624
 * incremental checksum. Everything works on the first segment. */
#include "l3.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#define ETH_MIN_FRAME 60   /* without FCS */
#define ICMP_HDR_LEN 8
#define REPLY_TTL 64

/* The IPv4 header at l3_off if it is sane and wholly in the first segment;
 * *avail is how many bytes of the datagram (by total length) the segment
 * holds. */
static const struct rte_ipv4_hdr *ipv4_at(const struct rte_mbuf *m,
					  uint16_t l3_off, uint32_t *avail)
{
	uint32_t len = rte_pktmbuf_data_len(m);

	if ((uint32_t)l3_off + sizeof(struct rte_ipv4_hdr) > len)
		return NULL;
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l3_off);
	uint32_t ihl = rte_ipv4_hdr_len(ip);
	uint32_t total = rte_be_to_cpu_16(ip->total_length);

	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) ||
	    (uint32_t)l3_off + ihl > len || total < ihl)
		return NULL;
	*avail = RTE_MIN(total, len - l3_off);
	return ip;
}

static bool is_fragment(const struct rte_ipv4_hdr *ip)
{
	return (ip->fragment_offset &
		RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0;
}

static bool is_later_fragment(const struct rte_ipv4_hdr *ip)
{
	return (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) != 0;
}

/* Echo requests that are fragments (even the first) are not answered: the
 * reply would carry only part of the data. */
bool icmp_is_echo_request(const struct rte_mbuf *m, uint16_t l3_off)
{
	uint32_t avail;
	const struct rte_ipv4_hdr *ip = ipv4_at(m, l3_off, &avail);

	if (ip == NULL || ip->next_proto_id != IPPROTO_ICMP || is_fragment(ip))
		return false;
	uint32_t ihl = rte_ipv4_hdr_len(ip);

	/* the whole datagram must be here: the reply echoes all of it */
	if (avail < rte_be_to_cpu_16(ip->total_length) ||
	    avail < ihl + ICMP_HDR_LEN)
		return false;
	const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)
		((const uint8_t *)ip + ihl);

	return ic->icmp_type == RTE_IP_ICMP_ECHO_REQUEST && ic->icmp_code == 0;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), 16-bit words in network order.
 * For a header whose checksum was right, this equals a full recomputation
 * unless the new data sums to zero (then a full sum gives 0xffff, this 0). */

static void swap_bytes(void *a, void *b, size_t n)
{
	uint8_t tmp[8];

	memcpy(tmp, a, n);
	memcpy(a, b, n);
	memcpy(b, tmp, n);
}

void icmp_echo_reply_in_place(struct rte_mbuf *m, uint16_t l3_off)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3_off);
	uint32_t ihl = rte_ipv4_hdr_len(ip);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)((uint8_t *)ip + ihl);

	swap_bytes(&eth->src_addr, &eth->dst_addr, sizeof(eth->src_addr));
	swap_bytes(&ip->src_addr, &ip->dst_addr, sizeof(ip->src_addr));
	ip->time_to_live = REPLY_TTL;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);

	/* type and code share the first 16-bit word */
	uint16_t old_w = rte_cpu_to_be_16((uint16_t)(ic->icmp_type << 8 | ic->icmp_code));

	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	uint16_t new_w = rte_cpu_to_be_16((uint16_t)(ic->icmp_type << 8 | ic->icmp_code));

	ic->icmp_cksum = csum_update16(ic->icmp_cksum, old_w, new_w);
	if (ic->icmp_cksum == 0) {
		/* the one case eqn. 3 and a full sum disagree (all-zero
		 * message): rare, so recompute */
		uint32_t len = rte_be_to_cpu_16(ip->total_length) - ihl;

		ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, len);
	}
}

/* RFC 1122 3.2.2: no error about a datagram whose source is not one host
 * (zero, loopback, broadcast, multicast, class E) or whose destination is
 * broadcast or multicast. */
static bool is_unicast_host(uint32_t a)
{
	return a != 0 && (a >> 24) != 127 && (a >> 28) < 14;
}

static bool is_icmp_error_type(uint8_t type)
{
	switch (type) {
	case RTE_IP_ICMP_ECHO_REPLY:
	case RTE_IP_ICMP_ECHO_REQUEST:
	case 9: case 10:  /* router advertisement, solicitation */
	case 13: case 14: /* timestamp */
	case 15: case 16: /* information */
	case 17: case 18: /* address mask */
		return false;
	default:
		return true;  /* 3, 4, 5, 11, 12 and anything unknown */
	}
}

struct rte_mbuf *icmp_error_build(struct rte_mempool *pool,
				  const struct rte_mbuf *orig, uint16_t l3_off,
				  uint8_t type, uint8_t code, uint32_t src_ip,
				  const struct rte_ether_addr *src_mac, uint16_t vid)
{
	uint32_t avail;
	const struct rte_ipv4_hdr *oip;

	if (l3_off < sizeof(struct rte_ether_hdr) ||
	    (oip = ipv4_at(orig, l3_off, &avail)) == NULL ||
	    is_later_fragment(oip))
		return NULL;
	const struct rte_ether_hdr *oeth =
		rte_pktmbuf_mtod(orig, const struct rte_ether_hdr *);
	uint32_t osrc = rte_be_to_cpu_32(oip->src_addr);
	uint32_t odst = rte_be_to_cpu_32(oip->dst_addr);
	uint32_t ihl = rte_ipv4_hdr_len(oip);

	if (rte_is_multicast_ether_addr(&oeth->dst_addr) ||
	    !is_unicast_host(osrc) || !is_unicast_host(odst))
		return NULL;
	if (oip->next_proto_id == IPPROTO_ICMP &&
	    (avail < ihl + 1 ||
	     is_icmp_error_type(((const uint8_t *)oip)[ihl])))
		return NULL;

	uint32_t quote = ihl + RTE_MIN(avail - ihl, (uint32_t)8);
	uint32_t l2 = sizeof(struct rte_ether_hdr) +
		      (vid != 0 ? sizeof(struct rte_vlan_hdr) : 0);
	uint32_t ip_len = sizeof(struct rte_ipv4_hdr) + ICMP_HDR_LEN + quote;
	uint32_t frame = RTE_MAX(l2 + ip_len, (uint32_t)ETH_MIN_FRAME);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	if (m == NULL)
		return NULL;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)frame);

	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p, 0, frame);

	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;

	memcpy(&eth->dst_addr, &oeth->src_addr, sizeof(eth->dst_addr));
	memcpy(&eth->src_addr, src_mac, sizeof(*src_mac));
	if (vid != 0) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(vid & 0x0fff);
		vh->eth_proto = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	} else {
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	}

	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + l2);

	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)ip_len);
	ip->packet_id = 0;
	ip->fragment_offset = 0; /* DF clear */
	ip->time_to_live = REPLY_TTL;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = rte_cpu_to_be_32(src_ip);
	ip->dst_addr = oip->src_addr;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);

	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);

	ic->icmp_type = type;
	ic->icmp_code = code;
	/* bytes 4..7 (unused / pointer / next-hop MTU) stay zero */
	memcpy((uint8_t *)ic + ICMP_HDR_LEN, oip, quote);
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, ICMP_HDR_LEN + quote);
	return m;
}

