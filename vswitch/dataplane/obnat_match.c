/* Building an OutBoundNAT rule (obnat_match.h): pure C, no DPDK. */
#include "obnat_match.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void obnat_rule_init(struct obnat_rule *r)
{
	memset(r, 0, sizeof(*r));
}

static int parse_prefix(const char *text, struct obnat_prefix *out)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t len = slash != NULL ? (size_t)(slash - text) : strlen(text);
	unsigned long plen = 32;
	struct in_addr a;

	if (len == 0 || len >= sizeof(addr))
		return -1;
	memcpy(addr, text, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, &a) != 1)
		return -1;
	if (slash != NULL) {
		char *end;

		if (slash[1] < '0' || slash[1] > '9')
			return -1;
		plen = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || plen > 32)
			return -1;
	}
	out->mask = plen == 0 ? 0 : ~UINT32_C(0) << (32 - plen);
	out->net = ntohl(a.s_addr) & out->mask;
	return 0;
}

int obnat_rule_add_prefix(struct obnat_rule *r, const char *text, bool destination)
{
	struct obnat_prefix p;
	uint8_t *n = destination ? &r->nb_destinations : &r->nb_exceptions;

	if (parse_prefix(text, &p) < 0)
		return -1;
	if (*n >= OBNAT_PREFIXES_MAX)
		return -2;
	(destination ? r->destinations : r->exceptions)[(*n)++] = p;
	return 0;
}
