/* ACL values as text (acl_text.h): prefixes, port ranges, protocols,
 * and the cross-field checks every ACL schema shares. */
#include "acl_text.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr_parse.h"

#define PATH_LEN 256

bool acl_text_is_any(const char *s)
{
	return strcasecmp(s, "ANY") == 0 || strcmp(s, "*") == 0;
}

/* "ANY", "*", an address (a host prefix) or address/length. Host bits
 * beyond the length are cleared. 0 or -1. */
int acl_text_prefix_parse(const char *s, struct acl_prefix *p)
{
	struct ip_prefix ip;

	memset(p, 0, sizeof(*p));
	if (acl_text_is_any(s)) {
		p->any = true;
		return 0;
	}
	if (ip_prefix_parse(s, IP_PREFIX_LEN_OPTIONAL, &ip) != IP_PREFIX_OK)
		return -1;
	ip_prefix_clear_host_bits(&ip);
	acl_prefix_from_ip(p, &ip);
	return 0;
}

void acl_text_prefix_format(const struct acl_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	unsigned max = p->family == 4 ? 32 : 128;

	if (p->any) {
		snprintf(buf, len, "ANY");
		return;
	}
	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	if (p->depth == max)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, p->depth);
}

static int parse_u16_text(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s) || strlen(s) > 5)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* "ANY", "*", "80" or "1000-2000". 0, -1 (syntax) or -2 (reversed). */
int acl_text_ports_parse(const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(s, '-');
	char first[8];

	if (acl_text_is_any(s)) {
		*lo = 0;
		*hi = 65535;
		return 0;
	}
	if (dash == NULL) {
		if (parse_u16_text(s, lo) < 0)
			return -1;
		*hi = *lo;
		return 0;
	}
	if ((size_t)(dash - s) >= sizeof(first))
		return -1;
	memcpy(first, s, (size_t)(dash - s));
	first[dash - s] = '\0';
	if (parse_u16_text(first, lo) < 0 || parse_u16_text(dash + 1, hi) < 0)
		return -1;
	return *lo > *hi ? -2 : 0;
}

void acl_text_ports_format(uint16_t lo, uint16_t hi, char *buf, size_t len)
{
	if (lo == 0 && hi == 65535)
		snprintf(buf, len, "ANY");
	else if (lo == hi)
		snprintf(buf, len, "%u", lo);
	else
		snprintf(buf, len, "%u-%u", lo, hi);
}

static const struct {
	const char *name;
	uint16_t number;
} proto_names[] = {
	{ "TCP", 6 }, { "UDP", 17 }, { "ICMP", 1 }, { "ICMPv6", 58 },
	{ "IGMP", 2 }, { "ANY", EXT_ACL_PROTO_ANY },
};

/* A protocol name or decimal number (0-255); hns also takes 256 (HNS's
 * "any"). 0 or -1. */
int acl_text_proto_parse(const char *s, bool hns, uint16_t *out)
{
	char *end;
	unsigned long v;

	for (size_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (strcasecmp(s, proto_names[i].name) == 0) {
			*out = proto_names[i].number;
			return 0;
		}
	if (strcmp(s, "*") == 0) {
		*out = EXT_ACL_PROTO_ANY;
		return 0;
	}
	if (!isdigit((unsigned char)*s) || strlen(s) > 3)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > (hns ? 256u : 255u))
		return -1;
	*out = v == 256 ? EXT_ACL_PROTO_ANY : (uint16_t)v;
	return 0;
}

void acl_text_proto_format(uint16_t proto, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (proto_names[i].number == proto) {
			snprintf(buf, len, "%s", proto_names[i].name);
			return;
		}
	snprintf(buf, len, "%u", proto);
}

/* Protocols whose packets carry ports (vfp_pkt's has_ports): a rule with
 * a port other than ANY needs one of these or ANY. */
bool acl_proto_has_ports(uint16_t proto)
{
	return proto == EXT_ACL_PROTO_ANY || proto == 6 || proto == 17 ||
	       proto == 132;
}

bool acl_ports_any(uint16_t lo, uint16_t hi)
{
	return lo == 0 && hi == 65535;
}

int acl_json_enum(const json_t *obj, const char *path, const char *key,
		    const char *const *names, int *out, struct json_err *e)
{
	const char *s = NULL;
	char fp[PATH_LEN];

	if (json_get_string(obj, path, key, true, &s, e) < 0)
		return -1;
	for (int i = 0; names[i] != NULL; i++)
		if (strcasecmp(names[i], s) == 0) {
			*out = i;
			return 0;
		}
	json_path_member(fp, sizeof(fp), path, key);
	return json_fail(e, fp, "'%s' is not one of %s or %s", s, names[0], names[1]);
}

/* Cross-field checks shared by both schemas; the keys name the fields to
 * blame. 0 or -1. */
int acl_rule_check(const struct ext_acl_rule *r, const char *path,
		      const char *lport_key, const char *rport_key,
		      const char *raddr_key, struct json_err *e)
{
	char fp[PATH_LEN];

	if (!r->local_ip.any && !r->remote_ip.any &&
	    r->local_ip.family != r->remote_ip.family) {
		json_path_member(fp, sizeof(fp), path, raddr_key);
		return json_fail(e, fp, "an IPv%u address with an IPv%u local address",
				 r->remote_ip.family, r->local_ip.family);
	}
	if (!acl_proto_has_ports(r->protocol)) {
		const char *key = !acl_ports_any(r->local_port_lo, r->local_port_hi) ?
				  lport_key :
				  !acl_ports_any(r->remote_port_lo, r->remote_port_hi) ?
				  rport_key : NULL;
		char proto[16];

		if (key != NULL) {
			acl_text_proto_format(r->protocol, proto, sizeof(proto));
			json_path_member(fp, sizeof(fp), path, key);
			return json_fail(e, fp, "protocol %s has no ports (only TCP, "
					 "UDP, SCTP (132) or any protocol)", proto);
		}
	}
	return 0;
}
