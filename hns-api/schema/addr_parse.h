/* Address text parsing (schema layer): the one MAC, IPv4 address and
 * prefix parser used by the config, the REST routes and the HNS model.
 * DPDK-free: the rte_ether_addr forms take the type by pointer only.
 * Layer: hns-api/schema/, northbound, schema layer (JSON <-> C, parsers). */
#ifndef HVS_ADDR_PARSE_H
#define HVS_ADDR_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#define MAC_ADDR_LEN 6
#define MAC_FMT_SIZE 18

struct rte_ether_addr;

/* "02:00:00:00:00:01" or Windows' "02-00-00-00-00-01". Returns 0 or -1. */
int mac_parse_bytes(const char *text, uint8_t mac[MAC_ADDR_LEN]);
/* Always "02:00:00:00:00:01"; buf holds MAC_FMT_SIZE. */
void mac_format_bytes(const uint8_t mac[MAC_ADDR_LEN], char *buf);
/* The same on DPDK's type (ether_text.c). */
int mac_parse(const char *text, struct rte_ether_addr *mac);
void mac_format(const struct rte_ether_addr *mac, char *buf);

/* IPv4 text, host byte order. Strict dotted quad: four decimal octets
 * 0-255 without leading zeros, nothing else. 0 or -1. */
int ipv4_parse(const char *text, uint32_t *ip);

/* The one prefix parser (IPv4 and IPv6), every other prefix reader wraps
 * it: "a.b.c.d/len" or an IPv6 address "/len"; len is decimal without
 * leading zeros, 0-32 or 0-128. */
struct ip_prefix {
	uint8_t family;   /* 4 or 6 */
	uint8_t len;      /* on IP_PREFIX_LENGTH_RANGE: the number given (max 255) */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
};

enum ip_prefix_flag {
	IP_PREFIX_LEN_OPTIONAL = 1, /* a bare address is a host prefix */
	IP_PREFIX_V4_ONLY = 2,
};

enum ip_prefix_result {
	IP_PREFIX_OK = 0,
	IP_PREFIX_BAD_ADDRESS = -1,  /* family still set: 6 when it has a ':' */
	IP_PREFIX_BAD_LENGTH = -2,   /* missing, empty or not a decimal number */
	IP_PREFIX_LENGTH_RANGE = -3, /* beyond 32 / 128 */
};

int ip_prefix_parse(const char *text, unsigned flags, struct ip_prefix *p);
/* Is any address bit beyond the length set ("10.0.0.1/8")? */
bool ip_prefix_has_host_bits(const struct ip_prefix *p);
/* Clears the address bits beyond the length. */
void ip_prefix_clear_host_bits(struct ip_prefix *p);

/* A network prefix "a.b.c.d/len" (len 0-32, required): 0, -1 when it is
 * not one, -2 when address bits beyond the prefix are set ("10.0.0.1/8"). */
int ipv4_prefix_parse(const char *text, uint32_t *prefix, uint8_t *plen);

/* An interface address "a.b.c.d/len" (the host part is the address, as in
 * "192.0.2.10/24"). 0 or -1. */
int ipv4_addr_len_parse(const char *text, uint32_t *ip, uint8_t *plen);

/* The netmask of a prefix length (0-32), host byte order. */
uint32_t ipv4_mask(uint8_t plen);

/* Is ip inside prefix/plen? */
bool ipv4_in_prefix(uint32_t ip, uint32_t prefix, uint8_t plen);

#define IPV4_FMT_SIZE 16
/* "192.0.2.10"; buf holds IPV4_FMT_SIZE. */
void ipv4_format(uint32_t ip, char *buf);

#endif
