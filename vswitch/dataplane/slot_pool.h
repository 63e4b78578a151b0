/* A stack of free entry indexes for a table whose entries live in an array
 * beside an rte_hash that stores a pointer to its entry (mac_table.c,
 * neigh.c), and the RCU hookup that returns a deleted key's entry only
 * after a grace period. Single writer: the table's writer thread.
 * Layer: vswitch/dataplane/, dataplane layer (worker lcores, per packet). */
#ifndef HVS_SLOT_POOL_H
#define HVS_SLOT_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

struct slot_pool {
	uint32_t *stack; /* free indexes; the next one handed out on top */
	uint32_t nb_free;
};

/* n free indexes, 0 handed out first. -1 on no memory. */
static inline int slot_pool_init(struct slot_pool *p, uint32_t n, int socket)
{
	p->stack = rte_malloc_socket("slot_pool", sizeof(uint32_t) * n, 0, socket);
	if (p->stack == NULL)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		p->stack[i] = n - 1 - i;
	p->nb_free = n;
	return 0;
}

static inline void slot_pool_fini(struct slot_pool *p)
{
	rte_free(p->stack);
	p->stack = NULL;
	p->nb_free = 0;
}

/* A free index, or -1 when none is left. */
static inline int64_t slot_pool_get(struct slot_pool *p)
{
	return p->nb_free == 0 ? -1 : (int64_t)p->stack[--p->nb_free];
}

static inline void slot_pool_put(struct slot_pool *p, uint32_t index)
{
	p->stack[p->nb_free++] = index;
}

/* Deleted keys of h are reclaimed after a grace period of qsbr, calling
 * reclaim(ctx, key data) then (RTE_HASH_QSBR_MODE_DQ). 0 or -1. */
static inline int slot_pool_rcu_attach(struct rte_hash *h, struct rte_rcu_qsbr *qsbr,
				       void *ctx, rte_hash_free_key_data reclaim)
{
	struct rte_hash_rcu_config rcu = {
		.v = qsbr,
		.mode = RTE_HASH_QSBR_MODE_DQ,
		.key_data_ptr = ctx,
		.free_key_data_func = reclaim,
	};

	return rte_hash_rcu_qsbr_add(h, &rcu) == 0 ? 0 : -1;
}

#endif
