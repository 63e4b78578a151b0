/* Load balancer engine: the HNS HostComputeLoadBalancer (Kubernetes
 * services) in the dataplane. IPv4, TCP/UDP/SCTP.
 *
 * An LB is a frontend (VIP, or 0 = "any host address" for NodePort;
 * protocol; external port) and a backend set (DIP, internal port, weight).
 * A NEW connection picks its backend from the LB's Maglev table (maglev.c)
 * by a hash of its 5-tuple, or of the client IP for DistributionType 1/2;
 * a backend change moves only the flows it must. The choice is then kept
 * in the worker's connection table (conn_table.c), so established
 * connections keep their backend across LB updates until they expire or
 * their backend is removed (then they are reported, and the packet
 * dropped with LB_REASON_BACKEND_REMOVED so the caller can send a RST).
 *
 * Threading: one control thread calls lb_add / lb_update / lb_remove /
 * lb_set_host_addresses (the writer); an LB is an immutable object
 * published with an atomic store, and what it replaced is freed once every
 * worker has passed a quiescent point (lb_reclaim, from the control loop;
 * the writer never waits for a grace period), so workers never block. Each worker owns its connection table and
 * counters: lb_process_burst / lb_worker_sweep with worker w run on one
 * thread only, and both directions of a connection must reach the same
 * worker (the dataplane hands LB traffic to an owner worker, as it does
 * for WinNAT), and each worker reports its quiescent state on the QSBR
 * between bursts (as for vfp/). lb_read_counters sums the per-worker
 * counters; it runs on the control thread (it reads the LB object the
 * writer frees). No allocation, syscall or logging per packet.
 *
 * Addresses and ports in this API are in host byte order.
 * Layer: lb/, engine layer (load balancer; DPDK only). */
#ifndef HVS_LB_H
#define HVS_LB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#define LB_ERR_MAX 128
#define LB_MAX_BACKENDS 4096
#define LB_MAX_HOST_ADDRS 16
#define LB_INVALID_HANDLE UINT32_MAX

enum lb_distribution {               /* HNS PortMappings[].DistributionType */
	LB_DIST_FIVE_TUPLE = 0,      /* per connection */
	LB_DIST_CLIENT_IP_PROTO = 1, /* same backend for client IP + protocol */
	LB_DIST_CLIENT_IP = 2,       /* same backend for client IP (sessionAffinity) */
};

struct lb_backend {
	uint32_t ip;       /* DIP */
	uint16_t port;     /* InternalPort */
	uint16_t weight;   /* 0 is taken as 1 */
};

/* Where a packet entered the switch, for a frontend's reach (lb_config
 * not_from): HNS PortMapping Flags say which frontends the outside and
 * the host itself may use. */
enum lb_origin {
	LB_FROM_ENDPOINT = 0, /* a local endpoint (pod, VM): east-west */
	LB_FROM_UPLINK = 1,   /* the wire: north-south */
	LB_FROM_HOST = 2,     /* the host's own vNIC */
};
#define LB_NOT_FROM(origin) (1u << (origin))

struct lb_config {
	uint32_t vip;          /* 0 = every host address (NodePort) */
	uint8_t proto;         /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
	uint16_t port;         /* ExternalPort */
	enum lb_distribution distribution;
	bool dsr;              /* LB Flags 1: no reverse translation (but
	                          * see lb_process_burst_loopback) */
	uint32_t source_vip;   /* 0 = none; else SNAT the client to it */
	/* LB_NOT_FROM bits: origins whose new connections the frontend does
	 * not take (they pass untouched); 0 = reachable from everywhere */
	uint8_t not_from;
	/* PortMapping PreserveDIP: the destination address stays the VIP
	 * (only the port becomes InternalPort); the packet is delivered to
	 * the backend by its address (lb_result.next_hop), which must accept
	 * the VIP as its own, and its replies from VIP:InternalPort go back
	 * as VIP:ExternalPort */
	bool preserve_dip;
	unsigned nb_backends;
	const struct lb_backend *backends;
};

/* HNS PortMappings[].Flags (CLIENTS.md 2) */
#define LB_PM_ILB 1u             /* internal only: not from the uplink */
#define LB_PM_LOCAL_ROUTED_VIP 2u /* a NodePort the host itself may use */
#define LB_PM_USE_MUX 4u         /* DSR through a mux: the switch is the mux */
#define LB_PM_PRESERVE_DIP 8u    /* deliver with the VIP as destination */
#define LB_PM_VIP_EXTERNAL_IP 16u /* reachable from outside (the default
                                   * unless ILB, as v1 ELBs without ILB) */
#define LB_PM_ALL 31u

/* Sets c's reach and PreserveDIP from a PortMapping's Flags (after c->vip):
 * ILB keeps the uplink out; a NodePort (vip 0) answers the host vNIC only
 * with LocalRoutedVIP (a ClusterIP always does, as on Windows). */
static inline void lb_config_set_hns_flags(struct lb_config *c, uint32_t pm_flags)
{
	c->not_from = 0;
	if (pm_flags & LB_PM_ILB)
		c->not_from |= LB_NOT_FROM(LB_FROM_UPLINK);
	if (c->vip == 0 && !(pm_flags & LB_PM_LOCAL_ROUTED_VIP))
		c->not_from |= LB_NOT_FROM(LB_FROM_HOST);
	c->preserve_dip = (pm_flags & LB_PM_PRESERVE_DIP) != 0;
}

struct lb_engine_config {
	unsigned nb_workers;
	int socket;
	uint32_t max_lbs;                 /* default 16384 */
	uint32_t max_conns;               /* per worker, default 65536 */
	uint32_t tcp_established_timeout; /* s, default 7440 */
	uint32_t tcp_transient_timeout;   /* s (SYN, FIN, RST), default 120 */
	uint32_t udp_timeout;             /* s, default 120 (SCTP too) */
	struct rte_rcu_qsbr *qsbr;        /* the workers' QSBR; NULL: no readers */
};

enum lb_verdict {
	LB_PASS = 0,    /* not for a load balancer: untouched */
	LB_FORWARD,     /* client -> backend, translated */
	LB_REPLY,       /* backend -> client, translated back */
	LB_DROP,        /* see the reason */
};

enum lb_reason {
	LB_REASON_NONE = 0,
	LB_REASON_NEW_CONNECTION,   /* LB_FORWARD that created the connection */
	LB_REASON_BACKEND_REMOVED,  /* "LB backend removed": send a TCP RST */
	LB_REASON_LB_REMOVED,
	LB_REASON_TABLE_FULL,
	LB_REASON_SNAT_CONFLICT,    /* no free SourceVIP port near the client's */
	LB_REASON_EXPIRED,          /* lb_worker_sweep only */
};

struct lb_result {
	uint8_t verdict;        /* enum lb_verdict */
	uint8_t reason;         /* enum lb_reason */
	uint32_t lb;            /* handle, when verdict != LB_PASS */
	/* LB_FORWARD / LB_REPLY: where to deliver (network order): the
	 * packet's new destination address, except with PreserveDIP, where
	 * a forward packet still carries the VIP: its backend's address */
	uint32_t next_hop;
};

/* A connection as lb_worker_sweep reports it. */
struct lb_conn_info {
	uint32_t lb;
	uint8_t proto;
	uint32_t client_ip, vip, backend_ip, snat_ip;
	uint16_t client_port, vport, backend_port, snat_port;
	bool tcp_established;
	bool loopback;   /* a DSR LB's client reaching itself, SNATed (below) */
};

struct lb_counters {
	uint64_t packets, bytes, connections, drops;
};

struct lb_engine;

void lb_engine_config_defaults(struct lb_engine_config *cfg);
struct lb_engine *lb_engine_create(const struct lb_engine_config *cfg);
/* After the workers have stopped using it. */
void lb_engine_free(struct lb_engine *e);

/* Control thread. 0 or a negative errno with err (LB_ERR_MAX) filled in:
 * -EINVAL bad input (no backends, bad protocol or port, too many
 * backends), -EEXIST the frontend (vip, proto, port) is another LB's
 * (HNS 0x803B0013), -ENOSPC no free LB slot, -ENOENT unknown handle. */
int lb_add(struct lb_engine *e, const struct lb_config *cfg, uint32_t *handle,
	   char *err);
/* Replaces the whole LB (HcnModifyLoadBalancer): new connections use the
 * new backends at once, established ones keep theirs unless removed. */
int lb_update(struct lb_engine *e, uint32_t handle, const struct lb_config *cfg,
	      char *err);
int lb_remove(struct lb_engine *e, uint32_t handle);
/* The addresses a frontend with vip 0 (NodePort) answers on. */
int lb_set_host_addresses(struct lb_engine *e, const uint32_t *ips, unsigned n);

/* Control thread, often (the control loop): frees what lb_update /
 * lb_remove / lb_set_host_addresses replaced once every worker on the
 * QSBR has passed a quiescent point since; never waits. Returns how many
 * entries still wait (lb_reclaim_pending). lb_reclaim_wait waits for a
 * grace period and frees them all. */
unsigned lb_reclaim(struct lb_engine *e);
unsigned lb_reclaim_pending(const struct lb_engine *e);
void lb_reclaim_wait(struct lb_engine *e);

/* Worker w: translates IPv4 packets in place; l3_off[i] is the IPv4
 * header's offset in the first segment; now is rte_get_tsc_cycles(). */
void lb_process_burst(struct lb_engine *e, unsigned w, struct rte_mbuf **m,
		      const uint16_t *l3_off, unsigned n, uint64_t now,
		      struct lb_result *res);
/* The same, with the loopback-DSR hairpin (HNS OutBoundNAT
 * `Destinations: [podIP]`, CLIENTS.md 2): loopback_snat[i] (host order;
 * 0: none; the array may be NULL) is the address packet i's sender SNATs
 * to when a DSR LB picks the sender itself as the backend. Such a new
 * connection is translated both ways, as with a SourceVIP: forward
 * dst := DIP:InternalPort and src := loopback_snat:port (the client's
 * port unless taken), and the backend's reply (to that address) gets
 * src := VIP:port, dst := the client; without it the pod's kernel would
 * see a packet from itself and answer locally. Other DSR connections
 * (backend not the client, or no address) stay DSR. The choice is made
 * when the connection opens: later packets follow the connection. */
void lb_process_burst_loopback(struct lb_engine *e, unsigned w, struct rte_mbuf **m,
			       const uint16_t *l3_off, const uint32_t *loopback_snat,
			       unsigned n, uint64_t now, struct lb_result *res);
/* The same for a burst that entered from origin: a frontend whose
 * not_from has that origin opens no connection for it (LB_PASS).
 * lb_process_burst and _loopback are LB_FROM_ENDPOINT. */
void lb_process_burst_from(struct lb_engine *e, unsigned w, enum lb_origin origin,
			   struct rte_mbuf **m, const uint16_t *l3_off,
			   const uint32_t *loopback_snat, unsigned n, uint64_t now,
			   struct lb_result *res);

/* Worker w: visits up to budget connections (round robin over the table)
 * and deletes those expired or whose backend or LB was removed, calling
 * report (may be NULL) for each. Returns the number deleted. */
typedef void (*lb_report_fn)(const struct lb_conn_info *c, enum lb_reason why,
			     void *arg);
unsigned lb_worker_sweep(struct lb_engine *e, unsigned w, uint64_t now,
			 unsigned budget, lb_report_fn report, void *arg);
unsigned lb_worker_conn_count(const struct lb_engine *e, unsigned w);

/* Control thread: sums over workers. backends (may be NULL) receives up to
 * nb_backends per-backend totals in the order of the last lb_add/update's
 * backends array. */
int lb_read_counters(const struct lb_engine *e, uint32_t handle,
		     struct lb_counters *total, struct lb_counters *backends,
		     unsigned nb_backends);

/* Backend index (in the config's order) the Maglev table gives hash h;
 * for tests and tools. -1 if the handle is unknown. */
int lb_select_backend(const struct lb_engine *e, uint32_t handle, uint32_t h);
/* The hash lb_process_burst uses for a new connection of this LB. */
uint32_t lb_flow_hash(enum lb_distribution d, uint8_t proto, uint32_t src,
		      uint32_t dst, uint16_t sport, uint16_t dport);

#endif
