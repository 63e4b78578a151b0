/* The rte_ether_addr forms of the MAC parser (addr_parse.h), for the
 * callers that hold DPDK's type; addr_parse.c itself stays DPDK-free. */
#include "addr_parse.h"

#include <rte_ether.h>

int mac_parse(const char *text, struct rte_ether_addr *mac)
{
	return mac_parse_bytes(text, mac->addr_bytes);
}

void mac_format(const struct rte_ether_addr *mac, char *buf)
{
	mac_format_bytes(mac->addr_bytes, buf);
}
