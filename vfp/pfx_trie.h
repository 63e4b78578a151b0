/* Longest-prefix lookup for the port ACLs' address prefixes, with memory
 * in proportion to the prefixes: a multibit trie whose root is indexed by
 * the address's first 16 bits and whose deeper levels by 8 bits each
 * (IPv4: 16-8-8, at most three loads; IPv6: 16 then 8 per level, as deep
 * as the prefixes go). A root costs 256 KiB and each group of 256 entries
 * 1 KiB, where rte_lpm and rte_lpm6 reserve a 64 MiB tbl24 per table
 * whatever they hold: 110 pods with port ACLs would need 7-14 GiB.
 *
 * Built once, then read-only: prefixes are added in increasing depth (the
 * port ACL compiler sorts them so), so an add only overwrites entries of
 * shallower prefixes and a lookup never sees a half-made table (tables are
 * published by pointer after they are built). Lookups may run on any
 * number of threads.
 * Layer: vfp/, engine layer (VFP; DPDK only). */
#ifndef HVS_PFX_TRIE_H
#define HVS_PFX_TRIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PFX_TRIE_ROOT_BITS 16
#define PFX_TRIE_VALID (UINT32_C(1) << 31)
#define PFX_TRIE_GROUP (UINT32_C(1) << 30)
#define PFX_TRIE_VALUE_MASK (PFX_TRIE_GROUP - 1)

struct pfx_trie {
	uint8_t addr_len;  /* 4 or 16 bytes */
	uint32_t nb_groups, max_groups;
	uint32_t *root;    /* 1 << 16 entries */
	uint32_t *groups;  /* max_groups x 256 entries */
};

/* Room for max_groups groups of 256 entries (pfx_trie_groups_needed);
 * NULL on no memory. addr_len 4 (IPv4) or 16 (IPv6). */
struct pfx_trie *pfx_trie_create(unsigned addr_len, uint32_t max_groups, int socket);
void pfx_trie_free(struct pfx_trie *t);

/* The groups a set of prefixes needs: one per distinct (level, leading
 * bytes) on the path of each prefix deeper than 16 bits. addrs holds n
 * addresses of addr_len bytes (network order), depths their lengths.
 * Returns the count, or -1 on no memory. */
int64_t pfx_trie_groups_needed(unsigned addr_len, const uint8_t *addrs,
			       const uint8_t *depths, unsigned n);

/* Adds addr/depth (depth 1..8*addr_len; host bits ignored) with value
 * (< 2^30). Prefixes must come in increasing depth. 0, or -1 when out of
 * groups. */
int pfx_trie_add(struct pfx_trie *t, const uint8_t *addr, unsigned depth,
		 uint32_t value);

/* The value of the longest prefix holding addr: 0 with *value, or -1. */
static inline int pfx_trie_lookup(const struct pfx_trie *t, const uint8_t *addr,
				  uint32_t *value)
{
	uint32_t e = t->root[(uint32_t)addr[0] << 8 | addr[1]];
	unsigned i = 2;

	while (e & PFX_TRIE_GROUP)
		e = t->groups[(size_t)(e & PFX_TRIE_VALUE_MASK) << 8 | addr[i++]];
	*value = e & PFX_TRIE_VALUE_MASK;
	return (e & PFX_TRIE_VALID) ? 0 : -1;
}

/* IPv4 in host byte order, the common case. */
static inline int pfx_trie_lookup4(const struct pfx_trie *t, uint32_t ip,
				   uint32_t *value)
{
	uint32_t e = t->root[ip >> 16];

	if (e & PFX_TRIE_GROUP) {
		e = t->groups[(size_t)(e & PFX_TRIE_VALUE_MASK) << 8 | ((ip >> 8) & 0xff)];
		if (e & PFX_TRIE_GROUP)
			e = t->groups[(size_t)(e & PFX_TRIE_VALUE_MASK) << 8 | (ip & 0xff)];
	}
	*value = e & PFX_TRIE_VALUE_MASK;
	return (e & PFX_TRIE_VALID) ? 0 : -1;
}

/* The block of IPv4 addresses around ip that share its lookup result, as
 * a mask: its /16 or /24 when no deeper prefix splits it, else ip alone. */
static inline uint32_t pfx_trie_block_mask4(const struct pfx_trie *t, uint32_t ip)
{
	uint32_t e = t->root[ip >> 16];

	if (!(e & PFX_TRIE_GROUP))
		return UINT32_C(0xffff0000);
	e = t->groups[(size_t)(e & PFX_TRIE_VALUE_MASK) << 8 | ((ip >> 8) & 0xff)];
	return (e & PFX_TRIE_GROUP) ? UINT32_MAX : UINT32_C(0xffffff00);
}

/* Bytes the trie holds (for tests and the memory benchmark). */
uint64_t pfx_trie_memory(const struct pfx_trie *t);

#endif
