/* One extended ACL rule as the engine takes it (ext_acl.h): plain C, no
 * DPDK, so the northbound's parsers (which the DPDK-free HNS model uses)
 * can fill it.
 * Layer: vfp/, engine layer (VFP; this header is DPDK-free). */
#ifndef HVS_EXT_ACL_RULE_H
#define HVS_EXT_ACL_RULE_H

#include <stdbool.h>
#include <stdint.h>

#include "acl_common.h"

#define EXT_ACL_PROTO_ANY 0xffff
#define EXT_ACL_DEFAULT_IDLE_TIMEOUT 60

struct ext_acl_rule {
	uint32_t id; /* stable across recompiles */
	enum acl_action action; /* ALLOW or DENY */
	enum acl_dir dir;       /* INBOUND or OUTBOUND */
	struct acl_prefix local_ip, remote_ip;
	uint16_t local_port_lo, local_port_hi;   /* 0-65535 = ANY */
	uint16_t remote_port_lo, remote_port_hi;
	uint16_t protocol;      /* 0-255 or EXT_ACL_PROTO_ANY */
	uint32_t weight;        /* higher wins */
	bool stateful;
	uint32_t idle_timeout;  /* seconds, stateful only */
};

#endif
