/* Extended ACL internals beyond ext_acl.h, for tests and diagnostics.
 * Layer: vfp/, engine layer (VFP; DPDK only). */
#ifndef HVS_EXT_ACL_INTERNAL_H
#define HVS_EXT_ACL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "ext_acl.h"

/* A flow as the stateful table keys it: the port-relative 5-tuple and the
 * port's owner id in the shared table (ext_acl_flows.c). */
struct flow_key {
	uint8_t family; /* 4 or 6; 0 marks an invalid entry */
	uint8_t proto;
	uint16_t lport, rport;
	uint16_t owner; /* generation << OWNER_SLOT_BITS | slot */
	uint8_t local[16], remote[16];
};

/* A port's handle on the shared flow table. */
struct ext_acl_flows {
	struct ext_acl_flow_table *t;
	uint16_t owner;       /* the key's owner id */
	uint32_t quota;
	uint32_t used;        /* a flow was ever added: lookups worth it */
	bool own_table;       /* ext_acl_flows_create's private table */
};

/* Worker: is k a live flow of port (refreshing it)? / start or refresh it
 * (true: it is in the table, seen at now or later). Either way a flow
 * found live at second now stays so for the rest of that second (it
 * expires only after idling; it goes only with its port), which lets the
 * verdict cache skip both for the second (ext_acl_cache.h). */
bool ext_acl_flow_admit(struct ext_acl_flows *port, const struct flow_key *k,
			uint32_t now);
bool ext_acl_flow_track(struct ext_acl_flows *port, const struct flow_key *k,
			uint32_t now, uint32_t timeout);

/* Flows a stateful rule would have started but the table was full (the
 * packets were still allowed by their rule). */
uint64_t ext_acl_flows_not_created(const struct ext_acl_flows *f);
/* Flows removed after idling past their timeout. */
uint64_t ext_acl_flows_expired(const struct ext_acl_flows *f);

/* rte_acl contexts of a table: one per direction and family with rules,
 * more when a rule set had to be split. */
unsigned ext_acl_nb_contexts(const struct ext_acl_table *t);

#endif
