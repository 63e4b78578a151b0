/* IPAM: address and prefix text, per-subnet IPv4 address bitmaps with a
 * next-free cursor, MAC text in the HNS form and MAC pools.
 *
 * Allocation cost does not grow with the number of endpoints: a subnet's
 * pool finds the lowest free address from a cursor below which every
 * address is in use (full 4096-address pages are skipped by their count),
 * and MACs come from per-range cursors checked against a hash set. */
#include "hns_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr_parse.h"

/* ---- addresses ---- */

int ip_parse(const char *s, struct ipaddr *a)
{
	struct in_addr v4;

	memset(a, 0, sizeof(*a));
	if (s == NULL || *s == '\0')
		return -1;
	if (inet_pton(AF_INET, s, &v4) == 1) {
		a->family = 4;
		a->v4 = ntohl(v4.s_addr);
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->v6) == 1) {
		a->family = 6;
		return 0;
	}
	return -1;
}

static void mask_bits(struct ipaddr *a, int len)
{
	if (a->family == 4) {
		a->v4 = len == 0 ? 0 : a->v4 & (0xffffffffu << (32 - len));
		return;
	}
	for (int i = 0; i < 16; i++) {
		int keep = len - i * 8;

		if (keep >= 8)
			continue;
		a->v6[i] = keep <= 0 ? 0 : (uint8_t)(a->v6[i] & (0xff << (8 - keep)));
	}
}

int prefix_parse(const char *s, struct ipaddr *a, int *len, bool strict)
{
	struct ip_prefix p;

	memset(a, 0, sizeof(*a));
	if (ip_prefix_parse(s, 0, &p) != IP_PREFIX_OK)
		return -1;
	a->family = p.family;
	if (p.family == 4)
		a->v4 = (uint32_t)p.addr[0] << 24 | (uint32_t)p.addr[1] << 16 |
			(uint32_t)p.addr[2] << 8 | p.addr[3];
	else
		memcpy(a->v6, p.addr, sizeof(a->v6));
	*len = p.len;
	return strict && ip_prefix_has_host_bits(&p) ? -2 : 0;
}

void ip_format(const struct ipaddr *a, char *buf, size_t len)
{
	if (a->family == 4) {
		struct in_addr v4 = { .s_addr = htonl(a->v4) };

		inet_ntop(AF_INET, &v4, buf, (socklen_t)len);
	} else {
		inet_ntop(AF_INET6, a->v6, buf, (socklen_t)len);
	}
}

bool prefix_contains(const struct ipaddr *net, int len, const struct ipaddr *a)
{
	struct ipaddr m;

	if (net->family != a->family)
		return false;
	m = *a;
	mask_bits(&m, len);
	return net->family == 4 ? m.v4 == net->v4
				: memcmp(m.v6, net->v6, 16) == 0;
}

bool prefixes_overlap(const struct ipaddr *a, int alen, const struct ipaddr *b,
		      int blen)
{
	if (a->family != b->family)
		return false;
	return alen <= blen ? prefix_contains(a, alen, b)
			    : prefix_contains(b, blen, a);
}

/* ---- IPv4 pools ---- */

#define PAGE_BITS 4096u
#define PAGE_WORDS (PAGE_BITS / 64)

void pool_init(struct ip_pool *p, uint32_t base, int len)
{
	memset(p, 0, sizeof(*p));
	p->base = base;
	p->size = len >= 32 ? 1u : 1u << (32 - len);
	p->n_pages = (p->size + PAGE_BITS - 1) / PAGE_BITS;
	p->pages = hns_xcalloc(p->n_pages, sizeof(*p->pages));
	p->page_used = hns_xcalloc(p->n_pages, sizeof(*p->page_used));
	/* the network and broadcast addresses are never handed out */
	if (len <= 30) {
		pool_set(p, 0);
		pool_set(p, p->size - 1);
	}
}

void pool_fini(struct ip_pool *p)
{
	if (p->pages == NULL)
		return;
	for (uint32_t i = 0; i < p->n_pages; i++)
		free(p->pages[i]);
	free(p->pages);
	free(p->page_used);
	memset(p, 0, sizeof(*p));
}

bool pool_test(const struct ip_pool *p, uint32_t idx)
{
	const uint64_t *pg;

	if (idx >= p->size)
		return true;
	pg = p->pages[idx / PAGE_BITS];
	return pg != NULL && (pg[(idx % PAGE_BITS) / 64] >> (idx % 64) & 1);
}

void pool_set(struct ip_pool *p, uint32_t idx)
{
	uint32_t pi = idx / PAGE_BITS;
	uint64_t bit = 1ULL << (idx % 64);
	uint64_t *w;

	if (idx >= p->size)
		return;
	if (p->pages[pi] == NULL)
		p->pages[pi] = hns_xcalloc(PAGE_WORDS, sizeof(uint64_t));
	w = &p->pages[pi][(idx % PAGE_BITS) / 64];
	if (*w & bit)
		return;
	*w |= bit;
	p->page_used[pi]++;
	p->used++;
	if (idx == p->cursor)
		p->cursor++;
}

void pool_clear(struct ip_pool *p, uint32_t idx)
{
	uint32_t pi = idx / PAGE_BITS;
	uint64_t bit = 1ULL << (idx % 64);
	uint64_t *w;

	if (idx >= p->size || p->pages[pi] == NULL)
		return;
	w = &p->pages[pi][(idx % PAGE_BITS) / 64];
	if (!(*w & bit))
		return;
	*w &= ~bit;
	p->page_used[pi]--;
	p->used--;
	if (idx < p->cursor)
		p->cursor = idx;
}

int64_t pool_find_free(struct ip_pool *p)
{
	uint32_t i = p->cursor;

	while (i < p->size) {
		uint32_t pi = i / PAGE_BITS;
		const uint64_t *pg = p->pages[pi];
		uint32_t w;
		uint64_t word;

		if (pg == NULL)
			break;
		if (p->page_used[pi] == PAGE_BITS) {
			i = (pi + 1) * PAGE_BITS;
			continue;
		}
		w = (i % PAGE_BITS) / 64;
		/* bits below i in its word count as used */
		word = pg[w] | ((1ULL << (i % 64)) - 1);
		while (word == ~0ULL && ++w < PAGE_WORDS)
			word = pg[w];
		if (w == PAGE_WORDS) {
			i = (pi + 1) * PAGE_BITS;
			continue;
		}
		i = pi * PAGE_BITS + w * 64 + (uint32_t)__builtin_ctzll(~word);
		break;
	}
	if (i >= p->size)
		return -1;
	p->cursor = i; /* everything below is in use */
	return i;
}

/* ---- MACs ---- */

int hns_mac_parse(const char *s, uint64_t *mac)
{
	uint8_t b[MAC_ADDR_LEN];
	uint64_t m = 0;

	if (s == NULL || mac_parse_bytes(s, b) < 0)
		return -1;
	for (int i = 0; i < MAC_ADDR_LEN; i++)
		m = m << 8 | b[i];
	*mac = m;
	return 0;
}

void hns_mac_format(uint64_t mac, char buf[18])
{
	snprintf(buf, 18, "%02X-%02X-%02X-%02X-%02X-%02X",
		 (unsigned)(mac >> 40 & 0xff), (unsigned)(mac >> 32 & 0xff),
		 (unsigned)(mac >> 24 & 0xff), (unsigned)(mac >> 16 & 0xff),
		 (unsigned)(mac >> 8 & 0xff), (unsigned)(mac & 0xff));
}

#define MACSET_USED (1ULL << 63)

static size_t mac_hash(uint64_t mac, size_t cap)
{
	uint64_t x = mac * 0x9E3779B97F4A7C15ULL;

	return (size_t)(x >> 17) & (cap - 1);
}

void macset_init(struct macset *s)
{
	memset(s, 0, sizeof(*s));
}

void macset_free(struct macset *s)
{
	free(s->keys);
	memset(s, 0, sizeof(*s));
}

bool macset_has(const struct macset *s, uint64_t mac)
{
	if (s->cap == 0)
		return false;
	for (size_t i = mac_hash(mac, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (s->keys[i] == 0)
			return false;
		if (s->keys[i] == (mac | MACSET_USED))
			return true;
	}
}

static void macset_grow(struct macset *s)
{
	struct macset n = { .cap = s->cap ? s->cap * 2 : 64 };

	n.keys = hns_xcalloc(n.cap, sizeof(uint64_t));
	for (size_t i = 0; i < s->cap; i++)
		if (s->keys[i])
			macset_add(&n, s->keys[i] & ~MACSET_USED);
	free(s->keys);
	*s = n;
}

void macset_add(struct macset *s, uint64_t mac)
{
	size_t i;

	if ((s->n + 1) * 10 > s->cap * 7)
		macset_grow(s);
	for (i = mac_hash(mac, s->cap); s->keys[i]; i = (i + 1) & (s->cap - 1))
		if (s->keys[i] == (mac | MACSET_USED))
			return;
	s->keys[i] = mac | MACSET_USED;
	s->n++;
}

void macset_del(struct macset *s, uint64_t mac)
{
	size_t i, j, mask = s->cap - 1;

	if (s->cap == 0)
		return;
	for (i = mac_hash(mac, s->cap);; i = (i + 1) & mask) {
		if (s->keys[i] == 0)
			return;
		if (s->keys[i] == (mac | MACSET_USED))
			break;
	}
	/* backward-shift deletion keeps probe chains intact */
	s->keys[i] = 0;
	s->n--;
	for (j = (i + 1) & mask; s->keys[j]; j = (j + 1) & mask) {
		size_t home = mac_hash(s->keys[j] & ~MACSET_USED, s->cap);

		if (((j - home) & mask) >= ((j - i) & mask)) {
			s->keys[i] = s->keys[j];
			s->keys[j] = 0;
			i = j;
		}
	}
}

bool mac_alloc(struct mac_range *r, size_t n, const struct macset *used,
	       uint64_t *out)
{
	for (size_t k = 0; k < n; k++) {
		/* from the cursor to the end, then (addresses freed by another
		 * network sharing the range) from the start */
		for (int pass = 0; pass < 2; pass++) {
			uint64_t from = pass ? r[k].start : r[k].cursor;
			uint64_t to = pass ? r[k].cursor : r[k].end + 1;

			for (uint64_t m = from; m < to; m++) {
				if (!macset_has(used, m)) {
					if (pass == 0)
						r[k].cursor = m;
					*out = m;
					return true;
				}
			}
			if (pass == 0)
				r[k].cursor = r[k].end + 1;
		}
	}
	return false;
}

void mac_freed(struct mac_range *r, size_t n, uint64_t mac)
{
	for (size_t k = 0; k < n; k++)
		if (mac >= r[k].start && mac <= r[k].end && mac < r[k].cursor)
			r[k].cursor = mac;
}
