/* WinNAT: the session table of one NAT object (New-NetNat, or one HNS NAT
 * network) and the IPv4 translation around it (SPEC 5.4).
 *
 * A session is a pair of tuples, as conntrack keeps them: the ORIGINAL
 * tuple (side, proto, src ip:port -> dst ip:port) of the packet that made
 * it and the REPLY tuple its answers carry. A packet matching one tuple is
 * rewritten to the reverse of the other. That one shape covers
 *   - SNAT:      orig (inside,  A:a -> R:r)  reply (outside, R:r -> E:e)
 *   - a mapping: orig (outside, R:r -> E:80) reply (inside,  B:80 -> R:r)
 *   - hairpin:   orig (inside,  A:a -> E:80) reply (inside,  B:80 -> E:e)
 *   - portproxy: orig (outside, R:r -> L:l)  reply (inside,  C:c -> G:g)
 * "Inside" tuples carry the NAT's compartment, so internal prefixes may
 * overlap between NAT objects. For ICMP query sessions the echo id plays
 * both ports.
 *
 * Bindings are endpoint-independent mappings (RFC 4787 REQ-1): internal
 * (compartment, proto, IP, port) -> external (IP, port); every session of
 * one internal transport address uses one binding; the external port is the
 * internal one when free. A binding counts its sessions and is freed with
 * its last one, unless it is Configured (a static mapping).
 *
 * Threading: one writer. Every function that takes a non-const struct
 * winnat must run on one thread at a time (the NAT's owner worker; the
 * dataplane hands the NAT's packets and the control plane's changes to
 * it, vswitch/nat_dp.h). winnat_foreach_session / _binding and
 * winnat_read_counters may run on any other thread concurrently with the
 * writer: entries are seqlock-guarded and a torn entry is skipped or
 * re-read, never reported half-written. No allocation after create.
 * Layer: winnat/, engine layer (WinNAT; DPDK only). */
#ifndef HVS_WINNAT_H
#define HVS_WINNAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#define WINNAT_NAME_MAX 64

enum winnat_filtering {
	WINNAT_ADDRESS_DEPENDENT_FILTERING,    /* WinNAT's default */
	WINNAT_ENDPOINT_INDEPENDENT_FILTERING,
};

/* All addresses and ports here are in host byte order. */
struct winnat_config {
	char name[WINNAT_NAME_MAX];
	uint32_t compartment;        /* 1.. ; keys every inside tuple */
	uint32_t internal_prefix;    /* InternalIPInterfaceAddressPrefix */
	uint8_t internal_plen;
	/* internal_plen 0 allowed: every source is inside (an HNS
	 * OutBoundNAT, whose caller picks the packets) */
	bool any_source;
	uint32_t external_ip;        /* the uplink's IP unless given */
	uint32_t gateway_ip;         /* the switch's address inside (portproxy source) */
	uint32_t tcp_established_timeout; /* s, 1800 */
	uint32_t tcp_transient_timeout;   /* s, 120 */
	uint32_t udp_idle_timeout;        /* s, 120 */
	uint32_t icmp_query_timeout;      /* s, 30 */
	enum winnat_filtering tcp_filtering, udp_filtering;
	bool udp_inbound_refresh;    /* inbound UDP refreshes the session; false */
	uint32_t max_sessions;       /* session table size, default 65536 */
	uint16_t port_min, port_max; /* external port pool, default 1024..65535 */
	/* a UDP port never handed out (0: none): an HNS OutBoundNAT on a host
	 * whose VXLAN traffic comes to the same address keeps it clear */
	uint16_t udp_reserved_port;
};

/* Fills WinNAT's defaults (SPEC 5.4); the caller sets name, prefix and
 * addresses. */
void winnat_config_defaults(struct winnat_config *c);

struct winnat;

/* NULL with err on bad config (names the field: "InternalIPInterfaceAddressPrefix",
 * "max_sessions"...) or allocation failure. socket: NUMA socket of the owner. */
struct winnat *winnat_create(const struct winnat_config *cfg, int socket,
			     char *err, size_t errlen);
void winnat_free(struct winnat *n);
const struct winnat_config *winnat_config(const struct winnat *n);

/* ---- packets ---- */

enum winnat_verdict {
	WINNAT_PASS,    /* not this NAT's traffic: left untouched */
	WINNAT_TO_OUTSIDE, /* translated; route it to its (new) destination outside */
	WINNAT_TO_INSIDE,  /* translated; deliver it to its (new) destination inside */
	WINNAT_DROP,    /* counted; reason in *drop */
};

enum winnat_drop {
	WINNAT_DROP_FILTERED,        /* "NAT filtered" */
	WINNAT_DROP_TABLE_FULL,      /* "NAT session table full" */
	WINNAT_DROP_PORT_EXHAUSTED,  /* "NAT port exhausted" */
	WINNAT_DROP_INVALID,         /* "Invalid packet": truncated, bad header */
	WINNAT_DROP_FRAGMENT,        /* "NAT fragment without a session" */
	WINNAT_DROP_COUNT
};

/* What a packet caused, for traces (pcap/). Filled only when the caller
 * passes an event list; formatting is left to winnat_event_format so the
 * fast path never builds text. */
enum winnat_event_type {
	WINNAT_EV_BINDING_CREATED,
	WINNAT_EV_BINDING_DELETED,
	WINNAT_EV_SESSION_CREATED,
	WINNAT_EV_SESSION_STATE_UPDATED,
	WINNAT_EV_SESSION_DELETED,
};

enum winnat_tcp_state {
	WINNAT_TCP_CLOSED_NA,         /* "Closed/NA" (new, or not TCP) */
	WINNAT_TCP_INTERNAL_SYN,      /* "Internal SYN received" */
	WINNAT_TCP_EXTERNAL_SYN,      /* "External SYN received" */
	WINNAT_TCP_ESTABLISHED,       /* "Established" */
	WINNAT_TCP_INTERNAL_FIN,      /* "Internal FIN received" */
	WINNAT_TCP_EXTERNAL_FIN,      /* "External FIN received" */
	WINNAT_TCP_BOTH_FIN,          /* "Internal and external FIN received" */
	WINNAT_TCP_RST,               /* "Closed by RST" */
};

struct winnat_tuple {
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port;
};

struct winnat_event {
	uint8_t type;        /* enum winnat_event_type */
	uint8_t proto;       /* IPPROTO_TCP/UDP/ICMP */
	uint8_t tcp_state;   /* enum winnat_tcp_state */
	bool configured;
	uint32_t compartment;
	uint32_t lifetime;   /* seconds the session/binding now lives */
	uint32_t session_count;
	/* internal source -> internal dest, external source -> external dest */
	struct winnat_tuple internal, external;
};

#define WINNAT_EVENTS_MAX 8

struct winnat_events {
	uint16_t n;
	struct winnat_event ev[WINNAT_EVENTS_MAX]; /* extra events are not kept */
};

/* Writes WinNAT's event line, e.g.
 * "TCP binding created. Internal transport addr: 172.23.183.39:49161
 * (CompartmentId 1), External transport addr 192.168.1.70:1227,
 * SessionCount: 0, Configured: False" or "TCP session state updated.
 * Internal source transport addr: ... TcpState: Internal SYN received".
 * Returns the length snprintf would. */
int winnat_event_format(const struct winnat_event *e, char *buf, size_t len);
const char *winnat_tcp_state_text(enum winnat_tcp_state s);
const char *winnat_drop_text(enum winnat_drop d);

/* A packet from the inside (a port of this NAT's network), IPv4 header at
 * l3_off in the first segment. Creates binding/session as needed and
 * rewrites addresses, ports/echo id and checksums in place (incremental;
 * IPv4, TCP, UDP, ICMP; ICMP errors: outer and embedded headers).
 * Hairpin (destination = a mapped external address) returns TO_INSIDE.
 * PASS when the source is outside internal_prefix or the packet is not
 * TCP/UDP/ICMP (the caller decides). TTL is left to the caller. ev may be NULL. */
enum winnat_verdict winnat_outbound(struct winnat *n, struct rte_mbuf *m,
				    uint16_t l3_off, uint32_t now,
				    struct winnat_events *ev, enum winnat_drop *drop);

/* A packet from the outside addressed to one of this NAT's external
 * addresses (or a portproxy listen address). TO_INSIDE when a session,
 * mapping or (per the filtering behaviour) binding admits it; DROP
 * FILTERED otherwise; PASS when the destination is none of this NAT's. */
enum winnat_verdict winnat_inbound(struct winnat *n, struct rte_mbuf *m,
				   uint16_t l3_off, uint32_t now,
				   struct winnat_events *ev, enum winnat_drop *drop);

#define WINNAT_BURST_MAX 32

/* winnat_outbound (inbound false) or winnat_inbound (true) for cnt <=
 * WINNAT_BURST_MAX packets at once, the same verdicts in v[i] and drops in
 * drop[i], the packets processed in order: established sessions are found
 * with one bulk hash lookup for the burst. ev: NULL, or cnt event lists
 * (ev[i] for packet i). */
void winnat_translate_burst(struct winnat *n, bool inbound, struct rte_mbuf **m,
			    const uint16_t *l3_off, unsigned cnt, uint32_t now,
			    struct winnat_events *ev, enum winnat_verdict *v,
			    enum winnat_drop *drop);

/* Expires up to budget sessions whose lifetime ran out (and bindings left
 * without sessions); returns how many were deleted. Call often (each poll
 * loop): cost is O(budget). ev may be NULL. */
unsigned winnat_expire(struct winnat *n, uint32_t now, unsigned budget,
		       struct winnat_events *ev);

/* ---- static mappings and port proxy (writer thread only) ---- */

struct winnat_mapping {
	uint8_t proto;          /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t external_ip;   /* 0: the NAT's external_ip */
	uint16_t external_port;
	uint32_t internal_ip;
	uint16_t internal_port;
};

/* Add-NetNatStaticMapping: a Configured binding that never expires.
 * -EEXIST if the external port is mapped already, -EBUSY if a dynamic
 * binding holds it, -EINVAL (err names the field) on bad values. */
int winnat_mapping_add(struct winnat *n, const struct winnat_mapping *mp,
		       char *err, size_t errlen);
/* Removes the mapping and its sessions. -ENOENT if absent. */
int winnat_mapping_del(struct winnat *n, uint8_t proto, uint32_t external_ip,
		       uint16_t external_port);

struct winnat_proxy {
	uint32_t listen_ip;     /* any address the switch receives (uplink, gateway) */
	uint16_t listen_port;
	uint32_t connect_ip;
	uint16_t connect_port;
};

/* netsh interface portproxy add v4tov4 (TCP): connections to listen reach
 * connect with their source rewritten to gateway_ip (connect inside) or
 * external_ip (connect outside) and a pool port; done per packet. */
int winnat_proxy_add(struct winnat *n, const struct winnat_proxy *px,
		     char *err, size_t errlen);
int winnat_proxy_del(struct winnat *n, uint32_t listen_ip, uint16_t listen_port);

/* Deletes every dynamic session and binding (mappings stay). */
void winnat_flush(struct winnat *n);

/* ---- reading (any thread) ---- */

struct winnat_session_info {
	uint8_t proto;
	uint8_t tcp_state;
	uint32_t compartment;
	struct winnat_tuple internal, external; /* as in events */
	uint32_t lifetime;   /* configured lifetime of its current state, s */
	uint32_t idle;       /* seconds since its last packet */
	bool configured;     /* made through a static mapping or portproxy */
};

struct winnat_binding_info {
	uint8_t proto;
	uint32_t compartment;
	uint32_t internal_ip, external_ip;
	uint16_t internal_port, external_port;
	uint32_t session_count;
	bool configured;
};

struct winnat_counters {
	uint64_t sessions, bindings;          /* now */
	uint64_t sessions_created, sessions_deleted;
	uint64_t bindings_created, bindings_deleted;
	uint64_t translated_out, translated_in;
	uint64_t drops[WINNAT_DROP_COUNT];
};

/* Calls fn for each live session/binding (stops early if fn returns
 * nonzero, and returns that value). */
int winnat_foreach_session(const struct winnat *n, uint32_t now,
			   int (*fn)(void *ctx, const struct winnat_session_info *s),
			   void *ctx);
int winnat_foreach_binding(const struct winnat *n,
			   int (*fn)(void *ctx, const struct winnat_binding_info *b),
			   void *ctx);
void winnat_read_counters(const struct winnat *n, struct winnat_counters *c);

#endif
