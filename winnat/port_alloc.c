/* External port pools: one bitmap of 65536 ports per protocol (TCP, UDP,
 * ICMP echo ids) for the NAT's external address. A set bit is a port some
 * binding, static mapping, portproxy listener or portproxy session holds,
 * so dynamic allocation never hands it out. Allocation keeps the internal
 * port when it is in the pool and free (SPEC 5.4), else takes the next free
 * port after a rotating cursor, which spreads reuse of freed ports. */
#include <netinet/in.h>

#include "winnat_internal.h"

int wn_pidx(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return WN_PIDX_TCP;
	case IPPROTO_UDP:
		return WN_PIDX_UDP;
	case IPPROTO_ICMP:
		return WN_PIDX_ICMP;
	default:
		return -1;
	}
}

bool wn_port_taken(const struct winnat *n, int pidx, uint16_t port)
{
	return (n->ports[pidx][port >> 6] >> (port & 63)) & 1;
}

static bool in_pool(const struct winnat *n, uint16_t port)
{
	return port >= n->cfg.port_min && port <= n->cfg.port_max;
}

void wn_port_take(struct winnat *n, int pidx, uint16_t port)
{
	if (!wn_port_taken(n, pidx, port) && in_pool(n, port))
		n->pool_free[pidx]--;
	n->ports[pidx][port >> 6] |= UINT64_C(1) << (port & 63);
}

void wn_port_free(struct winnat *n, int pidx, uint16_t port)
{
	if (wn_port_taken(n, pidx, port) && in_pool(n, port))
		n->pool_free[pidx]++;
	n->ports[pidx][port >> 6] &= ~(UINT64_C(1) << (port & 63));
}

/* First free port in [from, to], or -1: a word at a time. */
static int find_free(const uint64_t *bm, uint32_t from, uint32_t to)
{
	uint32_t p = from;

	while (p <= to) {
		uint64_t free_bits = ~bm[p >> 6] & (~UINT64_C(0) << (p & 63));

		if (free_bits != 0) {
			uint32_t got = (p & ~63u) + (uint32_t)__builtin_ctzll(free_bits);

			return got <= to ? (int)got : -1;
		}
		p = (p | 63) + 1;
	}
	return -1;
}

int wn_port_alloc(struct winnat *n, int pidx, uint16_t want)
{
	uint32_t lo = n->cfg.port_min, hi = n->cfg.port_max;
	uint32_t cur = n->port_cursor[pidx];
	int p;

	if (n->pool_free[pidx] == 0)
		return -1; /* exhausted: fail without scanning the whole pool */
	if (want >= lo && want <= hi && !wn_port_taken(n, pidx, want)) {
		wn_port_take(n, pidx, want);
		return want;
	}
	if (cur < lo || cur > hi)
		cur = lo;
	p = find_free(n->ports[pidx], cur, hi);
	if (p < 0 && cur > lo)
		p = find_free(n->ports[pidx], lo, cur - 1);
	if (p < 0)
		return -1;
	wn_port_take(n, pidx, (uint16_t)p);
	n->port_cursor[pidx] = (uint32_t)p + 1;
	return p;
}
