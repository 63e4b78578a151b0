/* Address text parsing shared by the config and the API. */
#ifndef HVS_ADDR_PARSE_H
#define HVS_ADDR_PARSE_H

#include <rte_ether.h>

/* "02:00:00:00:00:01" or Windows' "02-00-00-00-00-01". Returns 0 or -1. */
int mac_parse(const char *text, struct rte_ether_addr *mac);
/* Always "02:00:00:00:00:01"; buf holds RTE_ETHER_ADDR_FMT_SIZE. */
void mac_format(const struct rte_ether_addr *mac, char *buf);

#endif
