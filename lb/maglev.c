/* Backend selection table: Maglev consistent hashing (Eisenbud et al.,
 * NSDI 2016). Each backend has a permutation of the table's slots
 * (offset + j * skip mod M, from two hashes of its DIP:port, so the order
 * of the backend list does not matter); backends take turns claiming their
 * next free preferred slot until the table is full. A backend change
 * therefore moves about 1/N of the slots, and the load is even to within
 * one slot per backend. A weight w gives a backend w turns per round.
 *
 * M is the first prime after one of a few fixed sizes (1024, 4096, ...,
 * 1048576, then the next prime): the smallest that gives >= 100 slots per unit of weight,
 * which keeps spread and disruption close to the ideal while a 4-backend
 * service costs 2 KB rather than the paper's fixed 65537 slots (10,000
 * services are normal). M stays the same while the total weight moves
 * within a step (1-10, 11-40, 41-163, ...); only a change across a step
 * rebuilds the table with a new M and moves most NEW flows: established
 * ones are kept by the connection table.
 *
 * Filling the table takes about M ln M probes, more than half of them for
 * its last sqrt(M) slots, when almost every probe finds a taken slot: a
 * tenth of an API create with 4 backends (issue 17). From there each turn
 * looks at the free slots instead: the slot a backend would reach first
 * is the free one with the smallest index j in its permutation, j = (slot
 * - offset) * skip^-1 mod M (M is prime), since every slot before its next
 * probe is taken. The table is the same as probing to the end gives
 * (test_lb's maglev_fill_matches_probing_to_the_end).
 * Layer: lb/, engine layer (load balancer; DPDK only). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_jhash.h>

#include "lb_internal.h"

#define SLOTS_PER_WEIGHT 100
#define MAX_TOTAL_WEIGHT 10000

static bool is_prime(uint32_t n)
{
	if (n < 2)
		return false;
	for (uint32_t d = 2; (uint64_t)d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

/* x^-1 mod m, m prime and 0 < x < m (extended Euclid). */
static uint32_t inverse_mod(uint32_t x, uint32_t m)
{
	int64_t t = 0, nt = 1, r = m, nr = x;

	while (nr != 0) {
		int64_t q = r / nr, tmp;

		tmp = t - q * nt; t = nt; nt = tmp;
		tmp = r - q * nr; r = nr; nr = tmp;
	}
	return (uint32_t)(t < 0 ? t + m : t);
}

static uint32_t isqrt(uint32_t m)
{
	uint32_t r = 1;

	while ((uint64_t)(r + 1) * (r + 1) <= m)
		r++;
	return r;
}

/* The free slot (of n_free) backend i reaches first; removed from free. */
static uint32_t take_first_free(uint32_t *free_slots, uint32_t *n_free, uint32_t offset,
				uint32_t inv_skip, uint32_t m)
{
	uint64_t best_j = UINT64_MAX;
	uint32_t best = 0, slot;

	for (uint32_t k = 0; k < *n_free; k++) {
		uint32_t s = free_slots[k], d = s >= offset ? s - offset : s + m - offset;
		uint64_t j = (uint64_t)d * inv_skip % m;

		if (j < best_j) {
			best_j = j;
			best = k;
		}
	}
	slot = free_slots[best];
	free_slots[best] = free_slots[--*n_free];
	return slot;
}

static uint32_t table_size_for(uint32_t total_weight)
{
	uint32_t m = 1024;

	while (m < total_weight * SLOTS_PER_WEIGHT)
		m *= 4;
	while (!is_prime(m))
		m++;
	return m;
}

int lb_maglev_build(struct lb_object *o, char *err)
{
	unsigned n = o->cfg.nb_backends;
	uint32_t total = 0;

	for (unsigned i = 0; i < n; i++)
		total += o->backends[i].weight ? o->backends[i].weight : 1;
	if (total > MAX_TOTAL_WEIGHT) {
		snprintf(err, LB_ERR_MAX, "total backend weight %u exceeds %u",
			 total, MAX_TOTAL_WEIGHT);
		return -EINVAL;
	}
	uint32_t m = table_size_for(total);
	/* pos[i] walks backend i's permutation offset + j * skip (mod m)
	 * by adding skip: no division per probe (filling the table takes
	 * about m ln m probes; with a modulo each, a third of an API create) */
	uint32_t tail = isqrt(m);
	uint32_t *pos = malloc(n * sizeof(*pos));
	uint32_t *offset = malloc(n * sizeof(*offset));
	uint32_t *skip = malloc(n * sizeof(*skip));
	uint32_t *free_slots = malloc(tail * sizeof(*free_slots));
	uint16_t *table = malloc(m * sizeof(*table));
	uint32_t n_free = 0;
	bool tail_phase = false;

	if (pos == NULL || offset == NULL || skip == NULL || free_slots == NULL ||
	    table == NULL) {
		free(pos); free(offset); free(skip); free(free_slots); free(table);
		snprintf(err, LB_ERR_MAX, "out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t ip = o->backends[i].ip, port = o->backends[i].port;

		offset[i] = pos[i] = rte_jhash_2words(ip, port, 0x9e3779b9u) % m;
		skip[i] = rte_jhash_2words(ip, port, 0x85ebca6bu) % (m - 1) + 1;
	}
	memset(table, 0xff, m * sizeof(*table));
	uint32_t filled = 0;

	while (filled < m) {
		for (unsigned i = 0; i < n && filled < m; i++) {
			unsigned turns = o->backends[i].weight ? o->backends[i].weight : 1;

			for (unsigned t = 0; t < turns && filled < m; t++) {
				uint32_t c;

				if (!tail_phase && m - filled <= tail) {
					/* skip[] becomes its inverse: no probe follows */
					for (c = 0; c < m; c++)
						if (table[c] == UINT16_MAX)
							free_slots[n_free++] = c;
					for (unsigned k = 0; k < n; k++)
						skip[k] = inverse_mod(skip[k], m);
					tail_phase = true;
				}
				if (tail_phase) {
					c = take_first_free(free_slots, &n_free, offset[i], skip[i], m);
				} else {
					do {
						c = pos[i];
						pos[i] += skip[i];   /* both < m < 2^31 */
						if (pos[i] >= m)
							pos[i] -= m;
					} while (table[c] != UINT16_MAX);
				}
				table[c] = (uint16_t)i;
				filled++;
			}
		}
	}
	free(pos);
	free(offset);
	free(skip);
	free(free_slots);
	o->table = table;
	o->table_size = m;
	return 0;
}
