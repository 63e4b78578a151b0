/* Shared internals of lb/ (not for other modules): the published LB
 * object, the connection entry and the engine.
 * Layer: lb/, engine layer (load balancer; DPDK only). */
#ifndef HVS_LB_INTERNAL_H
#define HVS_LB_INTERNAL_H

#include <rte_common.h>
#include <rte_hash.h>

#include "lb.h"

/* Per worker and backend; summed on read. */
struct lb_backend_stats {
	uint64_t packets, bytes, connections;
};

/* Immutable once published (except the per-worker counters). */
struct lb_object {
	uint32_t uid;          /* per lb_add: tells a reused slot apart */
	uint32_t gen;          /* per publish: connections revalidate on change */
	struct lb_config cfg;  /* cfg.backends points at backends below */
	struct lb_backend *backends;
	uint32_t table_size;   /* prime */
	uint16_t *table;       /* Maglev: slot -> backend index */
	unsigned nb_workers;
	struct lb_backend_stats *stats;      /* [worker * nb_backends + b] */
	struct lb_backend_stats *stats_base; /* carried over from the previous object */
	/* Control thread only: the object this one replaced while it waits
	 * to be freed (its counts are read through it until then, retire.c). */
	struct lb_object *pred;
};

struct lb_frontend_key {
	uint32_t vip;   /* network order */
	uint16_t port;  /* network order */
	uint8_t proto;
	uint8_t pad;
};

/* Connection tuple as it sits in the packet (network order). */
struct lb_tuple {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t pad[3];
};

enum lb_conn_state { LB_CONN_TRANSIENT, LB_CONN_ESTABLISHED };

struct lb_conn {
	struct lb_tuple fwd;   /* client -> VIP as received */
	struct lb_tuple rev;   /* backend -> client (or SourceVIP) as it will arrive */
	uint32_t backend_ip;   /* network order */
	uint16_t backend_port; /* network order */
	uint16_t backend_idx;
	uint32_t snat_ip;      /* network order, 0 = none */
	uint16_t snat_port;    /* network order; the client's port unless taken */
	uint32_t lb;           /* slot */
	uint32_t uid, gen;     /* of the object last validated against */
	uint64_t expires;      /* tsc */
	uint8_t state;
	bool dsr, in_use;
	bool loopback;         /* DSR LB, client == backend: SNATed, not DSR */
	bool preserve_dip;     /* forward keeps dst = VIP (only the port changes) */
};

struct lb_counters_slot {
	struct lb_counters c;
} __rte_cache_aligned;

struct lb_worker {
	struct rte_hash *conns;     /* tuple -> index << 1 | is_reply */
	struct lb_conn *entries;
	uint32_t *free_list;
	uint32_t nb_free;
	uint32_t sweep_pos;
	struct lb_counters *lb_stats; /* [slot] */
} __rte_cache_aligned;

struct lb_hosts {
	unsigned n;
	uint32_t ips[LB_MAX_HOST_ADDRS]; /* network order */
};

/* What a write replaced, freed once every worker has passed a quiescent
 * point after token (retire.c). */
struct lb_retired {
	uint64_t token;
	struct lb_object *obj;       /* NULL: none */
	struct lb_object *successor; /* receives obj's final backend counts */
	int32_t key_pos;             /* frontend key position, -1: none */
	uint32_t slot;               /* slot handed out again, or LB_INVALID_HANDLE */
	struct lb_hosts *hosts;      /* NULL: none */
};

struct lb_retire_queue {         /* FIFO: items[head..n) wait */
	struct lb_retired *items;
	unsigned head, n, cap;
};

struct lb_engine {
	struct lb_engine_config cfg;
	uint64_t tsc_established, tsc_transient, tsc_udp;
	struct rte_hash *frontends;   /* lb_frontend_key -> slot, lock-free readers */
	struct lb_object **slots;     /* [max_lbs], atomically published */
	bool *slot_taken;             /* [max_lbs]: in use or its object not yet freed */
	uint32_t slot_hint;           /* no free slot below it */
	struct lb_retire_queue retired;
	struct lb_hosts *hosts;       /* atomically published */
	uint32_t next_uid, next_gen;
	struct lb_worker *workers;
};

/* maglev.c */
int lb_maglev_build(struct lb_object *o, char *err);
static inline uint16_t lb_maglev_pick(const struct lb_object *o, uint32_t h)
{
	return o->table[(uint32_t)(((uint64_t)h * o->table_size) >> 32)];
}

/* retire.c */
void lb_retire(struct lb_engine *e, const struct lb_retired *what);
void lb_retire_free_all(struct lb_engine *e);
void lb_object_free(struct lb_object *o);
void lb_backend_totals(const struct lb_object *o, unsigned b, struct lb_backend_stats *t);

/* conn_table.c */
int lb_conn_tables_create(struct lb_engine *e);
void lb_conn_tables_free(struct lb_engine *e);
int32_t lb_conn_insert(struct lb_worker *wk, const struct lb_conn *c);
void lb_conn_delete(struct lb_worker *wk, uint32_t idx);

static inline struct lb_object *lb_slot_load(const struct lb_engine *e, uint32_t slot)
{
	return __atomic_load_n(&e->slots[slot], __ATOMIC_ACQUIRE);
}

#endif
