/* VFP extended ACLs, as Add-VMNetworkAdapterExtendedAcl: 5-tuple rules
 * (LocalIPAddress, RemoteIPAddress: prefix or ANY; LocalPort, RemotePort:
 * number, range a-b or ANY; Protocol: TCP, UDP, ICMP, a number or ANY),
 * Action Allow/Deny, Direction Inbound/Outbound, Weight (higher wins),
 * Stateful (an allowed outbound flow admits its return traffic inbound
 * until idle for IdleSessionTimeout seconds). Evaluated before port ACLs;
 * a packet matching no extended rule falls through to them.
 *
 * Rules compile into an rte_acl context per direction (priority = weight),
 * so the cost does not grow with the rule count. Stateful flows live in a
 * per-port flow table that outlives recompiles; workers insert and refresh
 * entries and expire idle ones themselves, so the control plane never
 * writes it. HNS ACL endpoint policies (v1/v2) map onto these rules.
 * Layer: vfp/, engine layer (VFP; DPDK only). */
#ifndef HVS_EXT_ACL_H
#define HVS_EXT_ACL_H

#include <stddef.h>
#include <stdint.h>

#include "acl_common.h"
#include "ext_acl_rule.h"
#include "vfp_pkt.h"

struct ext_acl_table;
struct ext_acl_flows;
struct ext_acl_flow_table;

struct ext_acl_table *ext_acl_compile(const struct ext_acl_rule *rules,
				      unsigned n, unsigned nb_workers,
				      int socket, char *err, size_t errlen);
void ext_acl_free(struct ext_acl_table *t);

/* Stateful flows: one table shared by a switch's ports (capacity flows in
 * all), each port holding a handle with its quota. At most
 * EXT_ACL_FLOW_OWNERS handles are open on a table at once. */
#define EXT_ACL_FLOW_OWNER_BITS 10
#define EXT_ACL_FLOW_OWNERS (1u << EXT_ACL_FLOW_OWNER_BITS)
struct ext_acl_flow_table *ext_acl_flow_table_create(const char *name,
						     uint32_t capacity, int socket);
/* After every handle on it is freed. */
void ext_acl_flow_table_free(struct ext_acl_flow_table *t);
uint32_t ext_acl_flow_table_count(const struct ext_acl_flow_table *t);
/* A port's handle (control thread): NULL when every owner slot is taken
 * or out of memory. Its flows are its own: other ports' never match. */
struct ext_acl_flows *ext_acl_flows_open(struct ext_acl_flow_table *t,
					 uint32_t quota, int socket);
/* A handle on a private table of capacity flows (tests, tools). */
struct ext_acl_flows *ext_acl_flows_create(const char *name, uint32_t capacity,
					   int socket);
/* After the workers stopped using it (RCU): its flows stay in the table,
 * matching nothing, until the sweep deletes them. */
void ext_acl_flows_free(struct ext_acl_flows *f);
uint32_t ext_acl_flows_count(const struct ext_acl_flows *f);

enum ext_acl_result { EXT_ACL_NO_MATCH, EXT_ACL_ALLOW, EXT_ACL_DENY };

/* Worker: an inbound packet of a tracked flow is allowed (and refreshes
 * it); otherwise the highest-weight matching rule decides, and an allowed
 * outbound packet of a stateful rule starts or refreshes its flow. now is
 * the switch clock in seconds. flows may be NULL (no stateful rules). */
enum ext_acl_result ext_acl_classify(struct ext_acl_table *t,
				     struct ext_acl_flows *flows,
				     enum acl_dir dir, const struct vfp_pkt *pkt,
				     unsigned worker, uint32_t now);

/* ext_acl_classify for n packets (at most EXT_ACL_BURST_MAX) crossing the
 * port in one direction, with the same verdicts, counters and flows as n
 * calls in order: res[i] is packet i's enum ext_acl_result. The burst's
 * verdict cache sets are prefetched together and its cache misses and
 * IPv6 packets take one rte_acl_classify call (vector paths from 4 keys). */
#define EXT_ACL_BURST_MAX 64
void ext_acl_classify_burst(struct ext_acl_table *t, struct ext_acl_flows *flows,
			    enum acl_dir dir, const struct vfp_pkt *const *pkts,
			    unsigned n, unsigned worker, uint32_t now, uint8_t *res);

int ext_acl_rule_hits(const struct ext_acl_table *t, uint32_t rule_id,
		      uint64_t *packets, uint64_t *bytes);
void ext_acl_carry_counters(struct ext_acl_table *new_t,
			    const struct ext_acl_table *old_t);

#endif
