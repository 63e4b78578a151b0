/* ACL values as text, shared by every ACL schema (the extended ACL rule
 * JSON, the HNS ACL policy): address prefixes ("ANY", "*", an address or
 * address/length), port ranges ("ANY", "80", "1000-2000"), protocols
 * (names or 0-255; HNS also 256 = any), and the cross-field checks of a
 * rule. DPDK-free: the HNS model validates with these.
 * Layer: hns-api/schema/, northbound, schema layer (JSON <-> C, parsers). */
#ifndef HVS_ACL_TEXT_H
#define HVS_ACL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "addr_parse.h"
#include "ext_acl_rule.h"
#include "json_util.h"

#define PROTO_HELP "TCP, UDP, ICMP, ICMPv6, IGMP, a number 0-255 or ANY"

/* A parsed prefix (addr_parse.h) as the ACL engines hold it. */
static inline void acl_prefix_from_ip(struct acl_prefix *p, const struct ip_prefix *ip)
{
	memset(p, 0, sizeof(*p));
	p->family = ip->family;
	p->depth = ip->len;
	memcpy(p->addr, ip->addr, sizeof(p->addr));
}

bool acl_text_is_any(const char *s);
/* Host bits beyond the length are cleared. 0 or -1. */
int acl_text_prefix_parse(const char *s, struct acl_prefix *p);
void acl_text_prefix_format(const struct acl_prefix *p, char *buf, size_t len);
/* 0, -1 (syntax) or -2 (reversed range). */
int acl_text_ports_parse(const char *s, uint16_t *lo, uint16_t *hi);
void acl_text_ports_format(uint16_t lo, uint16_t hi, char *buf, size_t len);
/* hns: 256 is taken as any. 0 or -1. */
int acl_text_proto_parse(const char *s, bool hns, uint16_t *out);
void acl_text_proto_format(uint16_t proto, char *buf, size_t len);
/* TCP, UDP, SCTP or any: the protocols a port condition can apply to. */
bool acl_proto_has_ports(uint16_t proto);
bool acl_ports_any(uint16_t lo, uint16_t hi);

/* A required string member that must be one of names (any case); *out is
 * its index. 0 or -1 with e filled. */
int acl_json_enum(const json_t *obj, const char *path, const char *key,
		  const char *const *names, int *out, struct json_err *e);
/* Cross-field checks of a rule (address families agree; ports only with
 * a protocol that has them); the keys name the fields to blame. */
int acl_rule_check(const struct ext_acl_rule *r, const char *path,
		   const char *lport_key, const char *rport_key,
		   const char *raddr_key, struct json_err *e);

#endif
