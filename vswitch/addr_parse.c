#include "addr_parse.h"

#include <ctype.h>
#include <stdio.h>

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int mac_parse(const char *text, struct rte_ether_addr *mac)
{
	const char *p = text;
	char sep = 0;

	for (int i = 0; i < RTE_ETHER_ADDR_LEN; i++) {
		int hi = hex_value(p[0]), lo = hi < 0 ? -1 : hex_value(p[1]);

		if (hi < 0 || lo < 0)
			return -1;
		mac->addr_bytes[i] = (uint8_t)(hi << 4 | lo);
		p += 2;
		if (i == RTE_ETHER_ADDR_LEN - 1)
			break;
		if (*p == '\0')
			return -1;
		if (sep == 0 && (*p == ':' || *p == '-'))
			sep = *p;
		if (*p != sep)
			return -1;
		p++;
	}
	return *p == '\0' ? 0 : -1;
}

void mac_format(const struct rte_ether_addr *mac, char *buf)
{
	const uint8_t *b = mac->addr_bytes;

	snprintf(buf, RTE_ETHER_ADDR_FMT_SIZE, "%02x:%02x:%02x:%02x:%02x:%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5]);
}
