/* HNS OutBoundNAT: which destinations an endpoint's policies SNAT, as one
 * rule the dataplane tests per packet (obnat_dp.h).
 *
 * An endpoint may carry several OutBoundNAT policies (win-bridge appends an
 * exceptions policy, an extra exception policy and, with loopbackDSR, a
 * Destinations policy: ../shared/hns/CLIENTS.md 1.2). They combine as:
 *   - a policy with Destinations SNATs traffic to those destinations,
 *     whatever any exception says;
 *   - a policy without Destinations (an "exceptions policy", exceptions
 *     or none) SNATs every destination except the exceptions; the
 *     exceptions of all such policies are one set: an exception in any of
 *     them exempts.
 * So: SNAT(d) = d in some Destinations, or (an exceptions policy exists
 * and d is in no exception). Prefixes are IPv4, host byte order.
 * Pure C, no DPDK: unit-tested without EAL.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_OBNAT_MATCH_H
#define HVS_OBNAT_MATCH_H

#include <stdbool.h>
#include <stdint.h>

/* Exceptions (or destinations) an endpoint holds at most, all its
 * policies together; more are refused when the endpoint is programmed. */
#define OBNAT_PREFIXES_MAX 32

struct obnat_prefix {
	uint32_t net, mask;
};

struct obnat_rule {
	bool snat_by_default; /* an exceptions policy exists */
	uint8_t nb_exceptions, nb_destinations;
	struct obnat_prefix exceptions[OBNAT_PREFIXES_MAX];
	struct obnat_prefix destinations[OBNAT_PREFIXES_MAX];
};

static inline bool obnat_prefixes_hold(const struct obnat_prefix *p, uint8_t n,
				       uint32_t ip)
{
	for (uint8_t i = 0; i < n; i++)
		if ((ip & p[i].mask) == p[i].net)
			return true;
	return false;
}

/* Is traffic from the endpoint to dst (host order) SNATed? */
static inline bool obnat_rule_snat(const struct obnat_rule *r, uint32_t dst)
{
	if (obnat_prefixes_hold(r->destinations, r->nb_destinations, dst))
		return true;
	return r->snat_by_default &&
	       !obnat_prefixes_hold(r->exceptions, r->nb_exceptions, dst);
}

/* Building a rule, one policy at a time (the program layer). */
void obnat_rule_init(struct obnat_rule *r);
/* Adds "a.b.c.d" or "a.b.c.d/len" as an exception (destination false) or
 * a destination. -1: not an IPv4 address or prefix; -2: too many. */
int obnat_rule_add_prefix(struct obnat_rule *r, const char *text, bool destination);

#endif
