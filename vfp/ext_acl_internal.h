/* Extended ACL internals beyond ext_acl.h, for tests and diagnostics.
 * Layer: vfp/, engine layer (VFP; DPDK only). */
#ifndef HVS_EXT_ACL_INTERNAL_H
#define HVS_EXT_ACL_INTERNAL_H

#include <stdint.h>

#include "ext_acl.h"

/* Flows a stateful rule would have started but the table was full (the
 * packets were still allowed by their rule). */
uint64_t ext_acl_flows_not_created(const struct ext_acl_flows *f);
/* Flows removed after idling past their timeout. */
uint64_t ext_acl_flows_expired(const struct ext_acl_flows *f);

/* rte_acl contexts of a table: one per direction and family with rules,
 * more when a rule set had to be split. */
unsigned ext_acl_nb_contexts(const struct ext_acl_table *t);

#endif
