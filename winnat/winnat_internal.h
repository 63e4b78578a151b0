/* WinNAT internals shared by the module's files (not for other modules).
 *
 * Everything taken from packets (addresses, ports, echo ids) is kept in
 * network byte order so the fast path never swaps; the config, events and
 * info structs are host order and converted at the edges.
 * Layer: winnat/, engine layer (WinNAT; DPDK only). */
#ifndef HVS_WINNAT_INTERNAL_H
#define HVS_WINNAT_INTERNAL_H

#include <netinet/in.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>

#include "winnat.h"

#define WN_NONE UINT32_MAX
#define WN_PROXY_MAX 64
#define WN_FRAG_SLOTS 256      /* power of two */
#define WN_FRAG_LIFETIME 10    /* s a remembered first fragment stays */
#define WN_TCP_NEW_LIFETIME 6  /* s a TCP session lives before its internal SYN */
#define WN_COMPARTMENT_MAX 0xffffffu /* 24 bits: shares a key word with proto */

/* One tuple as a 16-byte hash key (rte_hash compares 16-byte keys with
 * one SSE compare). cp = compartment << 8 | proto, compartment 0 being the
 * outside. */
/* The three hash keys are 8-byte aligned wherever they live (stack,
 * parsed packets, bursts): rte_hash_crc reads them 8 bytes at a time. */
struct wn_key {
	alignas(8) uint32_t src_ip;
	uint32_t dst_ip;
	uint16_t src_port, dst_port;
	uint32_t cp;
};

static inline uint32_t wn_cp(uint32_t compartment, uint8_t proto)
{
	return compartment << 8 | proto;
}

static inline bool wn_key_inside(const struct wn_key *k)
{
	return (k->cp >> 8) != 0;
}

/* Binding and filter keys share the binding hash's 16-byte shape. */
struct wn_bkey {
	alignas(8) uint32_t cp;    /* internal: compartment << 8 | proto; external: proto */
	uint32_t ip;
	uint16_t port;
	uint16_t pad;
	uint32_t pad2;
};

static inline uint64_t wn_mapped_ip_bit(uint32_t ip)
{
	return UINT64_C(1) << (rte_hash_crc_4byte(ip, 0) & 63);
}

struct wn_fkey {        /* address-dependent filtering: sessions per remote IP */
	alignas(8) uint32_t binding;
	uint32_t remote_ip;
};

enum {
	WN_S_USED = 1,
	WN_S_CONFIGURED = 2, /* static mapping or portproxy session */
	WN_S_FILTER = 4,     /* counted in the filter hash */
};

enum { WN_ORIG = 0, WN_REPLY = 1 };

/* A session: k[WN_ORIG] and k[WN_REPLY] are both in the session hash,
 * whose data is index << 1 | direction. seq is the readers' seqlock:
 * odd while the writer changes the entry's identity; last_seen and
 * lifetime alone are single stores readers may see old or new. */
struct wn_session {
	uint32_t seq;
	uint32_t last_seen;
	uint32_t lifetime;
	uint32_t binding;   /* WN_NONE for portproxy sessions */
	struct wn_key k[2];
	uint8_t proto;
	uint8_t tcp_state;
	uint8_t flags;
	uint8_t pad;
	uint16_t pool_port; /* host order: a portproxy's port from the TCP pool */
} __rte_cache_aligned;

enum { WN_B_USED = 1, WN_B_CONFIGURED = 2 };

struct wn_binding {
	uint32_t seq;
	uint32_t sessions;
	uint32_t int_ip, ext_ip;      /* network order */
	uint16_t int_port, ext_port;  /* network order */
	uint8_t proto;
	uint8_t flags;
};

/* The later fragments of a translated datagram follow its first one. */
struct wn_frag {
	uint32_t src, dst;       /* as received */
	uint32_t nsrc, ndst;     /* as sent */
	uint32_t side;           /* compartment it arrived from, 0 outside */
	uint32_t stamp;
	uint16_t id;
	uint8_t proto;
	uint8_t verdict;         /* 0: free */
};

struct wn_stats {
	uint64_t sessions, bindings;
	uint64_t sessions_created, sessions_deleted;
	uint64_t bindings_created, bindings_deleted;
	uint64_t translated_out, translated_in;
	uint64_t drops[WINNAT_DROP_COUNT];
};

#define WN_PIDX_TCP 0
#define WN_PIDX_UDP 1
#define WN_PIDX_ICMP 2
#define WN_PORT_WORDS (65536 / 64)

struct winnat {
	struct winnat_config cfg;
	uint32_t prefix, mask;         /* host order */
	uint32_t ext_ip, gw_ip;        /* network order */
	uint32_t cp_in[3];             /* wn_cp(compartment, proto) per pidx */

	struct rte_hash *sh;           /* session tuples */
	struct rte_hash *bh;           /* binding internal + external keys */
	struct rte_hash *fh;           /* (binding, remote ip) -> count */

	struct wn_session *s;
	uint32_t *s_free;
	uint32_t s_nfree, s_max, s_hwm, s_cursor;

	struct wn_binding *b;
	uint32_t *b_free;
	uint32_t b_nfree, b_max, b_hwm;

	uint64_t ports[3][WN_PORT_WORDS]; /* 1 = taken (binding, mapping, proxy) */
	uint32_t port_cursor[3];
	uint32_t pool_free[3];         /* free ports in port_min..port_max */

	struct winnat_proxy proxy[WN_PROXY_MAX];
	unsigned nproxy;
	/* a bit per external address of a static mapping (wn_mapped_ip_bit),
	 * never cleared: a new outbound flow looks for a hairpin only when
	 * its destination's bit is set */
	uint64_t mapped_ips;

	struct wn_frag frag[WN_FRAG_SLOTS];
	struct wn_stats st;
};

/* ---- nat_table.c ---- */
int wn_tables_create(struct winnat *n, int socket);
void wn_tables_free(struct winnat *n);
/* Session lookup: index << 1 | direction, or -1. */
int64_t wn_session_lookup(const struct winnat *n, const struct wn_key *k, hash_sig_t sig);
static inline hash_sig_t wn_key_hash(const struct winnat *n, const struct wn_key *k)
{
	return rte_hash_hash(n->sh, k);
}
/* New session on binding b (WN_NONE: none); orig's hash is orig_sig.
 * Returns its index or -WINNAT_DROP_* - 1. Emits "session created". */
int64_t wn_session_create(struct winnat *n, const struct wn_key *orig, hash_sig_t orig_sig,
			  const struct wn_key *reply, uint32_t binding, uint8_t flags,
			  uint16_t pool_port, uint32_t now, struct winnat_events *ev);
void wn_session_delete(struct winnat *n, uint32_t idx, struct winnat_events *ev);
void wn_session_set_state(struct winnat *n, struct wn_session *s, uint8_t state);
uint32_t wn_state_lifetime(const struct winnat *n, uint8_t proto, uint8_t state);

int64_t wn_binding_find(const struct winnat *n, const struct wn_bkey *k);
/* Binding of internal (ip, port) for proto, creating it (port from the
 * pool) if absent. Returns the index or -WINNAT_DROP_* - 1. */
int64_t wn_binding_get(struct winnat *n, uint8_t proto, uint32_t ip, uint16_t port,
		       struct winnat_events *ev);
/* A configured binding at a given external address (mappings). */
int64_t wn_binding_add(struct winnat *n, uint8_t proto, uint32_t int_ip, uint16_t int_port,
		       uint32_t ext_ip, uint16_t ext_port, bool configured,
		       struct winnat_events *ev);
void wn_binding_delete(struct winnat *n, uint32_t idx, struct winnat_events *ev);
bool wn_filter_has(const struct winnat *n, uint32_t binding, uint32_t remote_ip);

static inline void wn_bkey_int(struct wn_bkey *k, uint32_t compartment, uint8_t proto,
			       uint32_t ip, uint16_t port)
{
	*k = (struct wn_bkey){ .cp = wn_cp(compartment, proto), .ip = ip, .port = port };
}

static inline void wn_bkey_ext(struct wn_bkey *k, uint8_t proto, uint32_t ip, uint16_t port)
{
	*k = (struct wn_bkey){ .cp = proto, .ip = ip, .port = port };
}

/* ---- port_alloc.c (ports in host order) ---- */
int wn_pidx(uint8_t proto);
int wn_port_alloc(struct winnat *n, int pidx, uint16_t want);
bool wn_port_taken(const struct winnat *n, int pidx, uint16_t port);
void wn_port_take(struct winnat *n, int pidx, uint16_t port);
void wn_port_free(struct winnat *n, int pidx, uint16_t port);

/* ---- tcp_state.c ---- */
/* Next state after a packet with TCP flags from the internal side or not. */
uint8_t wn_tcp_next(uint8_t state, uint8_t tcp_flags, bool internal);

/* ---- events.c ---- */
void wn_session_tuples(const struct wn_session *s, struct winnat_tuple *in,
		       struct winnat_tuple *ext);
void wn_ev_session(const struct winnat *n, const struct wn_session *s, uint8_t type,
		   struct winnat_events *ev);
void wn_ev_binding(const struct winnat *n, const struct wn_binding *b, uint8_t type,
		   struct winnat_events *ev);

/* ---- seqlock (writer side) ---- */
static inline void wn_write_begin(uint32_t *seq)
{
	__atomic_store_n(seq, *seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void wn_write_end(uint32_t *seq)
{
	__atomic_store_n(seq, *seq + 1, __ATOMIC_RELEASE);
}

/* ---- fragment.c (addresses network order) ---- */
void wn_frag_remember(struct winnat *n, uint32_t side, uint8_t proto, uint16_t id,
		      uint32_t src, uint32_t dst, uint32_t nsrc, uint32_t ndst,
		      uint8_t verdict, uint32_t now);
/* Rewrites a later fragment like its first one; that one's verdict, or 0
 * when no first fragment is remembered. */
uint8_t wn_frag_follow(struct winnat *n, struct rte_ipv4_hdr *ip, uint32_t side, uint32_t now);

/* ---- mapping.c ---- */
const struct winnat_proxy *wn_proxy_find(const struct winnat *n, uint32_t ip_be,
					 uint16_t port_be);

/* ---- translate.c / icmp_error.c ---- */
struct wn_pkt {
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;
	uint8_t *l4;           /* NULL for a later fragment */
	uint32_t l4_off;       /* from the start of the packet data */
	uint32_t l4_len;       /* bytes of L4 in the first segment */
	uint32_t l4_total;     /* L4 bytes in the datagram (IP total length) */
	struct wn_key k;       /* as received, side filled in */
	uint8_t proto;
	uint8_t tcp_flags;
	uint8_t icmp_type;
	bool first_frag;       /* MF set, offset 0 */
	bool icmp_error;
};

static inline bool wn_inside(const struct winnat *n, uint32_t ip_be)
{
	return (rte_be_to_cpu_32(ip_be) & n->mask) == n->prefix;
}

/* The reply tuple of an outbound SNAT session through binding b: the
 * remote answers to b's external address and port. */
static inline struct wn_key wn_snat_reply(const struct wn_pkt *p, const struct wn_binding *b)
{
	struct wn_key reply = {
		.src_ip = p->k.dst_ip, .src_port = p->k.dst_port,
		.dst_ip = b->ext_ip, .dst_port = b->ext_port, .cp = p->proto,
	};

	if (p->proto == IPPROTO_ICMP)
		reply.src_port = reply.dst_port; /* the echo id plays both ports */
	return reply;
}

enum winnat_verdict wn_icmp_error(struct winnat *n, struct wn_pkt *p, uint32_t side,
				  enum winnat_drop *drop);
enum winnat_verdict wn_drop(struct winnat *n, enum winnat_drop *drop, enum winnat_drop why);
/* Rewrites src/dst ip and ports or echo id (l4: NULL for IP only). */
void wn_rewrite(struct rte_ipv4_hdr *ip, uint8_t *l4, uint8_t proto,
		uint32_t nsrc, uint16_t nsport, uint32_t ndst, uint16_t ndport);

/* Translates a packet that matched session idx in direction dir (state,
 * refresh, rewrite); the verdict follows the other tuple's side. */
enum winnat_verdict wn_apply(struct winnat *n, struct wn_pkt *p, uint32_t idx, int dir,
			     uint32_t now, struct winnat_events *ev);

/* ---- new_flow.c: packets without a session ---- */
enum winnat_verdict wn_new_outbound(struct winnat *n, struct wn_pkt *p, hash_sig_t sig,
				    uint32_t now, struct winnat_events *ev,
				    enum winnat_drop *drop);
enum winnat_verdict wn_new_inbound(struct winnat *n, struct wn_pkt *p, hash_sig_t sig,
				   uint32_t now, struct winnat_events *ev,
				   enum winnat_drop *drop);

#endif
