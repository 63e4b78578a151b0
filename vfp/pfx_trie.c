/* The port ACLs' prefix trie (pfx_trie.h). */
#include "pfx_trie.h"

#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#define ROOT_ENTRIES (UINT32_C(1) << PFX_TRIE_ROOT_BITS)
#define GROUP_ENTRIES 256u

struct pfx_trie *pfx_trie_create(unsigned addr_len, uint32_t max_groups, int socket)
{
	struct pfx_trie *t;

	if ((addr_len != 4 && addr_len != 16) || max_groups > PFX_TRIE_VALUE_MASK)
		return NULL;
	t = rte_zmalloc_socket("pfx_trie", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL)
		return NULL;
	t->addr_len = (uint8_t)addr_len;
	t->max_groups = max_groups;
	t->root = rte_zmalloc_socket("pfx_trie_root", ROOT_ENTRIES * sizeof(uint32_t),
				     RTE_CACHE_LINE_SIZE, socket);
	if (max_groups > 0)
		t->groups = rte_zmalloc_socket("pfx_trie_groups",
					       (size_t)max_groups * GROUP_ENTRIES *
					       sizeof(uint32_t), RTE_CACHE_LINE_SIZE,
					       socket);
	if (t->root == NULL || (max_groups > 0 && t->groups == NULL)) {
		pfx_trie_free(t);
		return NULL;
	}
	return t;
}

void pfx_trie_free(struct pfx_trie *t)
{
	if (t == NULL)
		return;
	rte_free(t->root);
	rte_free(t->groups);
	rte_free(t);
}

uint64_t pfx_trie_memory(const struct pfx_trie *t)
{
	return t == NULL ? 0 :
	       sizeof(*t) + ROOT_ENTRIES * sizeof(uint32_t) +
	       (uint64_t)t->max_groups * GROUP_ENTRIES * sizeof(uint32_t);
}

/* A group key: its level (byte 0) and the address bytes that lead to it. */
struct group_key {
	uint8_t b[17];
};

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct group_key));
}

static unsigned levels_of(unsigned depth)
{
	return depth <= PFX_TRIE_ROOT_BITS ? 0 : (depth - PFX_TRIE_ROOT_BITS + 7) / 8;
}

int64_t pfx_trie_groups_needed(unsigned addr_len, const uint8_t *addrs,
			       const uint8_t *depths, unsigned n)
{
	struct group_key *keys;
	size_t nk = 0, distinct = 0;

	for (unsigned i = 0; i < n; i++)
		nk += levels_of(depths[i]);
	if (nk == 0)
		return 0;
	keys = calloc(nk, sizeof(*keys));
	if (keys == NULL)
		return -1;
	nk = 0;
	for (unsigned i = 0; i < n; i++)
		for (unsigned l = 1; l <= levels_of(depths[i]); l++) {
			/* the group at level l is reached by the first l + 1 bytes */
			keys[nk].b[0] = (uint8_t)l;
			memcpy(&keys[nk].b[1], addrs + (size_t)i * addr_len, l + 1);
			nk++;
		}
	qsort(keys, nk, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < nk; i++)
		if (i == 0 || memcmp(&keys[i], &keys[i - 1], sizeof(keys[i])) != 0)
			distinct++;
	free(keys);
	return (int64_t)distinct;
}

static void fill(uint32_t *entries, unsigned first, unsigned count, uint32_t e)
{
	for (unsigned i = 0; i < count; i++)
		entries[first + i] = e;
}

/* The group under *e, made (holding *e's leaf everywhere) if *e is a leaf. */
static uint32_t *descend(struct pfx_trie *t, uint32_t *e)
{
	uint32_t g;

	if (!(*e & PFX_TRIE_GROUP)) {
		if (t->nb_groups >= t->max_groups)
			return NULL;
		g = t->nb_groups++;
		fill(t->groups + (size_t)g * GROUP_ENTRIES, 0, GROUP_ENTRIES, *e);
		*e = PFX_TRIE_GROUP | g;
	}
	return t->groups + (size_t)(*e & PFX_TRIE_VALUE_MASK) * GROUP_ENTRIES;
}

int pfx_trie_add(struct pfx_trie *t, const uint8_t *addr, unsigned depth,
		 uint32_t value)
{
	const uint32_t leaf = PFX_TRIE_VALID | (value & PFX_TRIE_VALUE_MASK);
	unsigned first16 = (unsigned)addr[0] << 8 | addr[1];
	uint32_t *entries, *e;

	if (depth == 0 || depth > 8u * t->addr_len || value > PFX_TRIE_VALUE_MASK)
		return -1;
	if (depth <= PFX_TRIE_ROOT_BITS) {
		unsigned span = 1u << (PFX_TRIE_ROOT_BITS - depth);

		fill(t->root, first16 & ~(span - 1), span, leaf);
		return 0;
	}
	e = &t->root[first16];
	for (unsigned l = 1;; l++) {
		unsigned rest = depth - PFX_TRIE_ROOT_BITS - 8 * (l - 1);
		uint8_t byte = addr[l + 1];

		entries = descend(t, e);
		if (entries == NULL)
			return -1;
		if (rest <= 8) {
			unsigned span = 1u << (8 - rest);

			fill(entries, byte & ~(span - 1), span, leaf);
			return 0;
		}
		e = &entries[byte];
	}
}
