/* What port ACLs and extended ACLs share: actions, directions, address
 * prefixes. "Inbound" is traffic toward the port's VM/container (the
 * switch transmits it on the port); "Outbound" is traffic from it (the
 * switch receives it on the port). "Local" is the port's side: the source
 * of outbound traffic and the destination of inbound traffic; "Remote" is
 * the other side.
 * Layer: vfp/, engine layer (VFP; DPDK only). */
#ifndef HVS_ACL_COMMON_H
#define HVS_ACL_COMMON_H

#include <stdbool.h>
#include <stdint.h>

enum acl_action { ACL_ALLOW, ACL_DENY, ACL_METER };

enum acl_dir {
	ACL_DIR_INBOUND = 1,
	ACL_DIR_OUTBOUND = 2,
	ACL_DIR_BOTH = 3, /* port ACLs only */
};

/* An IPv4 or IPv6 prefix, or ANY. */
struct acl_prefix {
	bool any;
	uint8_t family; /* 4 or 6 when !any */
	uint8_t depth;  /* 0-32 / 0-128 */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
};

/* A packet's verdict from a VFP layer. */
enum acl_verdict { ACL_VERDICT_ALLOW, ACL_VERDICT_DENY };

#endif
