/* The port ACLs' prefix trie (vfp/pfx_trie.h): the longest prefix wins for
 * random IPv4 and IPv6 prefix sets (checked against a scan of every
 * prefix), the group count it asks for is exactly what it uses, the IPv4
 * block mask names addresses that share a result, and its memory is in
 * proportion to the prefixes (not rte_lpm's 64 MiB). EAL (rte_malloc). */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "eal_fixture.h"
#include "pfx_trie.h"

static void setup(void)
{
	test_eal_init_mem("128");
}

static void teardown(void)
{
	rte_eal_cleanup();
}

TestSuite(pfx_trie, .init = setup, .fini = teardown);

#define MAXP 400

struct pfx {
	uint8_t a[16];
	uint8_t depth;
};

static void mask(uint8_t *a, unsigned len, unsigned depth)
{
	for (unsigned i = 0; i < len; i++) {
		unsigned bits = depth > 8 * i ? depth - 8 * i : 0;

		a[i] &= bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
	}
}

static bool holds(const struct pfx *p, const uint8_t *a, unsigned len)
{
	uint8_t m[16];

	memcpy(m, a, len);
	mask(m, len, p->depth);
	return memcmp(m, p->a, len) == 0;
}

static int by_depth(const void *x, const void *y)
{
	return ((const struct pfx *)x)->depth - ((const struct pfx *)y)->depth;
}

/* n random prefixes near one another (so they nest and share groups),
 * deduplicated, sorted by depth; returns how many. */
static unsigned make_prefixes(struct pfx *p, unsigned n, unsigned len, unsigned seed)
{
	unsigned k = 0;

	srand(seed);
	for (unsigned i = 0; i < n; i++) {
		struct pfx c = {.depth = (uint8_t)(1 + rand() % (8 * len))};
		bool dup = false;

		c.a[0] = len == 4 ? 10 : 0xfd;
		for (unsigned b = 1; b < len; b++)
			c.a[b] = (uint8_t)(b < 3 ? rand() % 4 : rand());
		mask(c.a, len, c.depth);
		for (unsigned j = 0; j < k && !dup; j++)
			dup = p[j].depth == c.depth && memcmp(p[j].a, c.a, len) == 0;
		if (!dup)
			p[k++] = c;
	}
	qsort(p, k, sizeof(*p), by_depth);
	return k;
}

static struct pfx_trie *build(const struct pfx *p, unsigned n, unsigned len)
{
	uint8_t addrs[MAXP * 16], depths[MAXP];
	struct pfx_trie *t;
	int64_t groups;

	for (unsigned i = 0; i < n; i++) {
		memcpy(addrs + i * len, p[i].a, len);
		depths[i] = p[i].depth;
	}
	groups = pfx_trie_groups_needed(len, addrs, depths, n);
	cr_assert_geq(groups, 0);
	t = pfx_trie_create(len, (uint32_t)groups, 0);
	cr_assert_not_null(t);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(pfx_trie_add(t, p[i].a, p[i].depth, i), 0, "prefix %u", i);
	cr_assert_eq(t->nb_groups, t->max_groups, "asked for %u groups, used %u",
		     t->max_groups, t->nb_groups);
	return t;
}

/* The longest prefix holding a (the last in depth order wins ties of
 * depth, which cannot happen: prefixes are distinct). */
static int scan(const struct pfx *p, unsigned n, const uint8_t *a, unsigned len)
{
	int best = -1;

	for (unsigned i = 0; i < n; i++)
		if (holds(&p[i], a, len) && (best < 0 || p[i].depth >= p[best].depth))
			best = (int)i;
	return best;
}

static void check_family(unsigned len, unsigned seed)
{
	static struct pfx p[MAXP];
	unsigned n = make_prefixes(p, MAXP, len, seed);
	struct pfx_trie *t = build(p, n, len);

	for (unsigned probe = 0; probe < 20000; probe++) {
		uint8_t a[16];
		uint32_t v = 0;
		int want, got;

		/* half the probes inside a prefix, half anywhere near */
		memcpy(a, p[rand() % n].a, len);
		for (unsigned b = probe % 2 ? 1 : len - 1; b < len; b++)
			a[b] ^= (uint8_t)(rand() & (b < 3 ? 3 : 0xff));
		want = scan(p, n, a, len);
		got = pfx_trie_lookup(t, a, &v) == 0 ? (int)v : -1;
		cr_assert_eq(got, want, "IPv%u probe %u: trie %d, scan %d", len == 4 ? 4 : 6,
			     probe, got, want);
		if (len == 4) {
			uint32_t ip = (uint32_t)a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
			uint32_t v4 = 0, m = pfx_trie_block_mask4(t, ip), other = ip ^ (~m & (uint32_t)rand());
			int r4 = pfx_trie_lookup4(t, ip, &v4) == 0 ? (int)v4 : -1;
			uint8_t ob[4] = {other >> 24, other >> 16, other >> 8, other};

			cr_assert_eq(r4, want, "lookup4 agrees with lookup");
			cr_assert_eq(scan(p, n, ob, 4), want,
				     "an address in the same block (mask %08x) shares the result", m);
		}
	}
	pfx_trie_free(t);
}

Test(pfx_trie, ipv4_longest_prefix_wins)
{
	check_family(4, 1);
	check_family(4, 2);
}

Test(pfx_trie, ipv6_longest_prefix_wins)
{
	check_family(16, 3);
}

Test(pfx_trie, default_miss_and_full_depths)
{
	struct pfx p[3] = {{{192, 0, 2, 0}, 24}, {{192, 0, 2, 128}, 25}, {{192, 0, 2, 200}, 32}};
	struct pfx_trie *t = build(p, 3, 4);
	uint32_t v;

	cr_assert_eq(pfx_trie_lookup4(t, 0xc0000201, &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(pfx_trie_lookup4(t, 0xc0000281, &v), 0);
	cr_assert_eq(v, 1);
	cr_assert_eq(pfx_trie_lookup4(t, 0xc00002c8, &v), 0);
	cr_assert_eq(v, 2);
	cr_assert_eq(pfx_trie_lookup4(t, 0xc0000301, &v), -1, "outside every prefix: a miss");
	cr_assert_eq(pfx_trie_block_mask4(t, 0xc0000301), 0xffffff00u);
	cr_assert_eq(pfx_trie_block_mask4(t, 0xc0000201), 0xffffffffu);
	cr_assert_eq(pfx_trie_block_mask4(t, 0x0a000001), 0xffff0000u);
	pfx_trie_free(t);
}

/* 50 rules on each of 110 pods: well under a MiB a pod where rte_lpm
 * reserved 64 MiB (and a fourth group would be refused: no overcommit) */
Test(pfx_trie, memory_in_proportion_to_the_prefixes)
{
	struct pfx p[50];
	struct pfx_trie *t;

	for (unsigned i = 0; i < 50; i++)
		p[i] = (struct pfx){{10, (uint8_t)(i % 3), (uint8_t)i, 7}, (uint8_t)(i < 25 ? 24 : 32)};
	qsort(p, 50, sizeof(*p), by_depth);
	t = build(p, 50, 4);
	cr_assert_lt(pfx_trie_memory(t), 512 * 1024, "%llu bytes",
		     (unsigned long long)pfx_trie_memory(t));
	cr_assert_lt(110 * pfx_trie_memory(t), 64ull << 20);
	cr_assert_eq(pfx_trie_add(t, (const uint8_t[4]){11, 0, 0, 1}, 32, 99), -1,
		     "a prefix needing a group it was not sized for is refused");
	pfx_trie_free(t);
}
