#include "nat_json.h"

#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr_parse.h"
#include "json_util.h"

#define PATH_MAX_LEN 256

static const char FILTER_ADDRESS[] = "AddressDependentFiltering";
static const char FILTER_ENDPOINT[] = "EndpointIndependentFiltering";

void nat_json_defaults(struct winnat_config *c)
{
	memset(c, 0, sizeof(*c));
	c->tcp_established_timeout = NAT_JSON_DEFAULT_TCP_ESTABLISHED;
	c->tcp_transient_timeout = NAT_JSON_DEFAULT_TCP_TRANSIENT;
	c->udp_idle_timeout = NAT_JSON_DEFAULT_UDP_IDLE;
	c->icmp_query_timeout = NAT_JSON_DEFAULT_ICMP_QUERY;
	c->tcp_filtering = WINNAT_ADDRESS_DEPENDENT_FILTERING;
	c->udp_filtering = WINNAT_ADDRESS_DEPENDENT_FILTERING;
	c->udp_inbound_refresh = false;
	c->max_sessions = NAT_JSON_DEFAULT_MAX_SESSIONS;
	c->port_min = NAT_JSON_DEFAULT_PORT_MIN;
	c->port_max = NAT_JSON_DEFAULT_PORT_MAX;
}

static bool valid_nat_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= WINNAT_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

/* An optional (or required) IPv4 address member; *given says whether it
 * was there. Not 0.0.0.0, broadcast or multicast. */
static int get_ipv4(const json_t *obj, const char *path, const char *key,
		    bool required, uint32_t *ip, bool *given, struct json_err *e)
{
	const char *text = NULL;
	char p[PATH_MAX_LEN];
	uint32_t v;

	if (given != NULL)
		*given = false;
	if (json_get_string(obj, path, key, required, &text, e) < 0)
		return -1;
	if (text == NULL)
		return 0;
	json_path_member(p, sizeof(p), path, key);
	if (strchr(text, ':') != NULL)
		return json_fail(e, p, "'%s': IPv6 addresses are not supported by "
				 "WinNAT here (IPv4 only)", text);
	if (ipv4_parse(text, &v) < 0)
		return json_fail(e, p, "'%s' is not an IPv4 address", text);
	if (v == 0 || v == UINT32_MAX || (v >> 28) == 0xe)
		return json_fail(e, p, "'%s' is not a unicast address", text);
	*ip = v;
	if (given != NULL)
		*given = true;
	return 0;
}

static int get_port(const json_t *obj, const char *path, const char *key,
		    uint16_t *port, struct json_err *e)
{
	uint64_t v = 0;

	if (json_get_uint(obj, path, key, true, 1, 65535, &v, e) < 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int get_timeout(const json_t *obj, const char *path, const char *key,
		       uint32_t *out, struct json_err *e)
{
	uint64_t v = *out;

	if (json_get_uint(obj, path, key, false, 1, NAT_JSON_TIMEOUT_MAX, &v, e) < 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int get_filtering(const json_t *obj, const char *path, const char *key,
			 enum winnat_filtering *out, struct json_err *e)
{
	const char *text = NULL;
	char p[PATH_MAX_LEN];

	if (json_get_string(obj, path, key, false, &text, e) < 0)
		return -1;
	if (text == NULL)
		return 0;
	if (strcasecmp(text, FILTER_ADDRESS) == 0) {
		*out = WINNAT_ADDRESS_DEPENDENT_FILTERING;
	} else if (strcasecmp(text, FILTER_ENDPOINT) == 0) {
		*out = WINNAT_ENDPOINT_INDEPENDENT_FILTERING;
	} else {
		json_path_member(p, sizeof(p), path, key);
		return json_fail(e, p, "'%s' is not %s or %s", text, FILTER_ADDRESS,
				 FILTER_ENDPOINT);
	}
	return 0;
}

/* "1024-65535" or "5000": ports 1-65535, lo <= hi. */
static int parse_port_number(const char **s, unsigned *out)
{
	unsigned v = 0;
	int n = 0;

	while (**s >= '0' && **s <= '9' && n < 6) {
		v = v * 10 + (unsigned)(**s - '0');
		(*s)++;
		n++;
	}
	if (n == 0 || n > 5)
		return -1;
	*out = v;
	return 0;
}

static int get_port_range(const json_t *obj, const char *path, uint16_t *lo,
			  uint16_t *hi, struct json_err *e)
{
	const char *text = NULL, *s;
	char p[PATH_MAX_LEN];
	unsigned a, b;

	if (json_get_string(obj, path, "ExternalPortRange", false, &text, e) < 0)
		return -1;
	if (text == NULL)
		return 0;
	json_path_member(p, sizeof(p), path, "ExternalPortRange");
	s = text;
	if (parse_port_number(&s, &a) < 0)
		return json_fail(e, p, "'%s' is not a port range like 1024-65535", text);
	b = a;
	if (*s == '-') {
		s++;
		if (parse_port_number(&s, &b) < 0)
			return json_fail(e, p, "'%s' is not a port range like 1024-65535",
					 text);
	}
	if (*s != '\0')
		return json_fail(e, p, "'%s' is not a port range like 1024-65535", text);
	if (a < 1 || a > 65535 || b < 1 || b > 65535)
		return json_fail(e, p, "'%s': ports are 1-65535", text);
	if (a > b)
		return json_fail(e, p, "'%s': the first port is above the last", text);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static int get_prefix(const json_t *obj, const char *path, struct winnat_config *c,
		      struct json_err *e)
{
	static const char key[] = "InternalIPInterfaceAddressPrefix";
	const char *text = NULL;
	char p[PATH_MAX_LEN];
	uint32_t prefix;
	uint8_t plen;
	int rc;

	if (json_get_string(obj, path, key, true, &text, e) < 0)
		return -1;
	json_path_member(p, sizeof(p), path, key);
	if (strchr(text, ':') != NULL)
		return json_fail(e, p, "'%s': IPv6 prefixes are not supported by "
				 "WinNAT here (IPv4 only)", text);
	rc = ipv4_prefix_parse(text, &prefix, &plen);
	if (rc == -2) {
		char net[IPV4_FMT_SIZE];

		ipv4_addr_len_parse(text, &prefix, &plen);
		ipv4_format(prefix & ipv4_mask(plen), net);
		return json_fail(e, p, "'%s' has host bits set (the prefix is %s/%u)",
				 text, net, plen);
	}
	if (rc < 0)
		return json_fail(e, p, "'%s' is not an IPv4 prefix like 172.18.0.0/16",
				 text);
	if (plen < 1 || plen > 30)
		return json_fail(e, p, "'%s': the prefix length must be 1-30", text);
	c->internal_prefix = prefix;
	c->internal_plen = plen;
	return 0;
}

int nat_mapping_json_parse(const json_t *obj, const char *path,
			   const char *nat_name, struct winnat_mapping *out,
			   char *err, size_t errlen)
{
	static const char *const fields[] = {
		"Protocol", "ExternalIPAddress", "ExternalPort", "InternalIPAddress",
		"InternalPort", "NatName", NULL};
	struct json_err e = {err, errlen};
	struct winnat_mapping mp;
	const char *proto = NULL, *name = NULL;
	char p[PATH_MAX_LEN];

	memset(&mp, 0, sizeof(mp));
	if (!json_is_object(obj))
		return json_fail(&e, path, "must be an object, not %s",
				 json_type_name(obj));
	if (json_check_members(obj, path, fields, &e) < 0 ||
	    json_get_string(obj, path, "Protocol", true, &proto, &e) < 0)
		return -1;
	json_path_member(p, sizeof(p), path, "Protocol");
	if (strcasecmp(proto, "TCP") == 0)
		mp.proto = IPPROTO_TCP;
	else if (strcasecmp(proto, "UDP") == 0)
		mp.proto = IPPROTO_UDP;
	else
		return json_fail(&e, p, "'%s' is not TCP or UDP", proto);
	if (get_ipv4(obj, path, "ExternalIPAddress", false, &mp.external_ip, NULL,
		     &e) < 0 ||
	    get_port(obj, path, "ExternalPort", &mp.external_port, &e) < 0 ||
	    get_ipv4(obj, path, "InternalIPAddress", true, &mp.internal_ip, NULL,
		     &e) < 0 ||
	    get_port(obj, path, "InternalPort", &mp.internal_port, &e) < 0 ||
	    json_get_string(obj, path, "NatName", false, &name, &e) < 0)
		return -1;
	if (name != NULL && nat_name != NULL && strcmp(name, nat_name) != 0) {
		json_path_member(p, sizeof(p), path, "NatName");
		return json_fail(&e, p, "'%s' is not this NAT ('%s')", name, nat_name);
	}
	*out = mp;
	return 0;
}

int nat_proxy_json_parse(const json_t *obj, const char *path,
			 struct winnat_proxy *out, char *err, size_t errlen)
{
	static const char *const fields[] = {
		"ListenAddress", "ListenPort", "ConnectAddress", "ConnectPort",
		"Protocol", NULL};
	struct json_err e = {err, errlen};
	struct winnat_proxy px;
	const char *proto = NULL;

	memset(&px, 0, sizeof(px));
	if (!json_is_object(obj))
		return json_fail(&e, path, "must be an object, not %s",
				 json_type_name(obj));
	if (json_check_members(obj, path, fields, &e) < 0 ||
	    get_ipv4(obj, path, "ListenAddress", true, &px.listen_ip, NULL, &e) < 0 ||
	    get_port(obj, path, "ListenPort", &px.listen_port, &e) < 0 ||
	    get_ipv4(obj, path, "ConnectAddress", true, &px.connect_ip, NULL, &e) < 0 ||
	    get_port(obj, path, "ConnectPort", &px.connect_port, &e) < 0 ||
	    json_get_string(obj, path, "Protocol", false, &proto, &e) < 0)
		return -1;
	if (proto != NULL && strcasecmp(proto, "TCP") != 0) {
		char p[PATH_MAX_LEN];

		json_path_member(p, sizeof(p), path, "Protocol");
		return json_fail(&e, p, "'%s': a port proxy is TCP only (v4tov4)", proto);
	}
	*out = px;
	return 0;
}

static int parse_mappings(const json_t *obj, const char *path, const char *name,
			  struct nat_json *n, struct json_err *e)
{
	const json_t *arr = NULL, *v;
	char p[PATH_MAX_LEN], ep[PATH_MAX_LEN + 24];
	size_t i, k;

	if (json_get_array(obj, path, "StaticMappings", false, &arr, e) < 0)
		return -1;
	k = json_array_size(arr);
	if (k == 0)
		return 0;
	json_path_member(p, sizeof(p), path, "StaticMappings");
	if (k > NAT_JSON_MAX_MAPPINGS)
		return json_fail(e, p, "at most %d mappings", NAT_JSON_MAX_MAPPINGS);
	n->mappings = calloc(k, sizeof(*n->mappings));
	if (n->mappings == NULL)
		return json_fail(e, p, "out of memory");
	json_array_foreach(arr, i, v) {
		json_path_index(ep, sizeof(ep), p, i);
		if (nat_mapping_json_parse(v, ep, name, &n->mappings[i], e->buf,
					   e->len) < 0)
			goto fail;
		for (size_t j = 0; j < i; j++) {
			const struct winnat_mapping *a = &n->mappings[j], *b = &n->mappings[i];

			if (a->proto == b->proto && a->external_ip == b->external_ip &&
			    a->external_port == b->external_port) {
				char f[PATH_MAX_LEN + 48];

				json_path_member(f, sizeof(f), ep, "ExternalPort");
				json_fail(e, f, "StaticMappings[%zu] already maps this "
					  "protocol and port", j);
				goto fail;
			}
		}
	}
	n->nb_mappings = (uint32_t)k;
	return 0;
fail:
	free(n->mappings);
	n->mappings = NULL;
	return -1;
}

int nat_json_parse(const json_t *obj, const char *path, struct nat_json *out,
		   char *err, size_t errlen)
{
	static const char *const fields[] = {
		"Name", "InternalIPInterfaceAddressPrefix", "ExternalIPAddress",
		"GatewayAddress", "CompartmentId", "TcpEstablishedConnectionTimeout",
		"TcpTransientConnectionTimeout", "UdpIdleSessionTimeout",
		"IcmpQueryTimeout", "TcpFilteringBehavior", "UdpFilteringBehavior",
		"UdpInboundRefresh", "MaxSessions", "ExternalPortRange",
		"StaticMappings", NULL};
	struct json_err e = {err, errlen};
	struct nat_json n;
	struct winnat_config *c = &n.cfg;
	const char *name = NULL;
	char p[PATH_MAX_LEN];
	uint64_t v;

	memset(&n, 0, sizeof(n));
	nat_json_defaults(c);
	if (!json_is_object(obj))
		return json_fail(&e, path, "must be an object, not %s",
				 json_type_name(obj));
	if (json_check_members(obj, path, fields, &e) < 0 ||
	    json_get_string(obj, path, "Name", true, &name, &e) < 0)
		return -1;
	json_path_member(p, sizeof(p), path, "Name");
	if (!valid_nat_name(name))
		return json_fail(&e, p, "'%s' must be 1-%d characters of A-Z a-z 0-9 . _ -",
				 name, WINNAT_NAME_MAX - 1);
	snprintf(c->name, sizeof(c->name), "%s", name);
	if (get_prefix(obj, path, c, &e) < 0 ||
	    get_ipv4(obj, path, "ExternalIPAddress", false, &c->external_ip,
		     &n.external_given, &e) < 0 ||
	    get_ipv4(obj, path, "GatewayAddress", false, &c->gateway_ip,
		     &n.gateway_given, &e) < 0)
		return -1;
	if (n.gateway_given) {
		uint32_t host = c->gateway_ip & ~ipv4_mask(c->internal_plen);

		json_path_member(p, sizeof(p), path, "GatewayAddress");
		if (!ipv4_in_prefix(c->gateway_ip, c->internal_prefix, c->internal_plen))
			return json_fail(&e, p, "%s is not inside "
					 "InternalIPInterfaceAddressPrefix",
					 json_string_value(json_object_get(obj,
									   "GatewayAddress")));
		if (host == 0 || host == ~ipv4_mask(c->internal_plen))
			return json_fail(&e, p, "%s is the network or broadcast address "
					 "of InternalIPInterfaceAddressPrefix",
					 json_string_value(json_object_get(obj,
									   "GatewayAddress")));
	}
	v = 0;
	if (json_get_uint(obj, path, "CompartmentId", false, 1, UINT32_MAX, &v, &e) < 0)
		return -1;
	if (json_object_get(obj, "CompartmentId") != NULL) {
		n.compartment_given = true;
		c->compartment = (uint32_t)v;
	}
	if (get_timeout(obj, path, "TcpEstablishedConnectionTimeout",
			&c->tcp_established_timeout, &e) < 0 ||
	    get_timeout(obj, path, "TcpTransientConnectionTimeout",
			&c->tcp_transient_timeout, &e) < 0 ||
	    get_timeout(obj, path, "UdpIdleSessionTimeout", &c->udp_idle_timeout,
			&e) < 0 ||
	    get_timeout(obj, path, "IcmpQueryTimeout", &c->icmp_query_timeout, &e) < 0 ||
	    get_filtering(obj, path, "TcpFilteringBehavior", &c->tcp_filtering, &e) < 0 ||
	    get_filtering(obj, path, "UdpFilteringBehavior", &c->udp_filtering, &e) < 0 ||
	    json_get_bool(obj, path, "UdpInboundRefresh", false, &c->udp_inbound_refresh,
			  &e) < 0)
		return -1;
	v = c->max_sessions;
	if (json_get_uint(obj, path, "MaxSessions", false, 1, NAT_JSON_MAX_SESSIONS,
			  &v, &e) < 0)
		return -1;
	c->max_sessions = (uint32_t)v;
	if (get_port_range(obj, path, &c->port_min, &c->port_max, &e) < 0)
		return -1;
	/* Last: the only step that allocates. */
	if (parse_mappings(obj, path, c->name, &n, &e) < 0)
		return -1;
	*out = n;
	return 0;
}

void nat_json_release(struct nat_json *n)
{
	free(n->mappings);
	n->mappings = NULL;
	n->nb_mappings = 0;
}

/* ---- output ---------------------------------------------------------- */

const char *nat_proto_text(uint8_t proto, char *buf)
{
	switch (proto) {
	case IPPROTO_TCP: return "TCP";
	case IPPROTO_UDP: return "UDP";
	case IPPROTO_ICMP: return "ICMP";
	}
	snprintf(buf, 8, "%u", proto);
	return buf;
}

static void set_ip(json_t *o, const char *key, uint32_t ip)
{
	char buf[IPV4_FMT_SIZE];

	ipv4_format(ip, buf);
	json_object_set_new(o, key, json_string(buf));
}

static const char *filtering_text(enum winnat_filtering f)
{
	return f == WINNAT_ENDPOINT_INDEPENDENT_FILTERING ? FILTER_ENDPOINT
							  : FILTER_ADDRESS;
}

/* Everything but the addresses, compartment and mappings. */
static json_t *knobs_json(const struct winnat_config *c)
{
	char prefix[IPV4_FMT_SIZE + 4], net[IPV4_FMT_SIZE], range[16];
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	ipv4_format(c->internal_prefix, net);
	snprintf(prefix, sizeof(prefix), "%s/%u", net, c->internal_plen);
	snprintf(range, sizeof(range), "%u-%u", c->port_min, c->port_max);
	json_object_set_new(o, "Name", json_string(c->name));
	json_object_set_new(o, "InternalIPInterfaceAddressPrefix", json_string(prefix));
	json_object_set_new(o, "TcpEstablishedConnectionTimeout",
			    json_integer(c->tcp_established_timeout));
	json_object_set_new(o, "TcpTransientConnectionTimeout",
			    json_integer(c->tcp_transient_timeout));
	json_object_set_new(o, "UdpIdleSessionTimeout", json_integer(c->udp_idle_timeout));
	json_object_set_new(o, "IcmpQueryTimeout", json_integer(c->icmp_query_timeout));
	json_object_set_new(o, "TcpFilteringBehavior",
			    json_string(filtering_text(c->tcp_filtering)));
	json_object_set_new(o, "UdpFilteringBehavior",
			    json_string(filtering_text(c->udp_filtering)));
	json_object_set_new(o, "UdpInboundRefresh", json_boolean(c->udp_inbound_refresh));
	json_object_set_new(o, "MaxSessions", json_integer(c->max_sessions));
	json_object_set_new(o, "ExternalPortRange", json_string(range));
	return o;
}

json_t *nat_json_format(const struct winnat_config *c)
{
	json_t *o = knobs_json(c);

	if (o == NULL)
		return NULL;
	set_ip(o, "ExternalIPAddress", c->external_ip);
	set_ip(o, "GatewayAddress", c->gateway_ip);
	json_object_set_new(o, "CompartmentId", json_integer(c->compartment));
	json_object_set_new(o, "Active", json_true());
	return o;
}

json_t *nat_json_format_config(const struct nat_json *n)
{
	json_t *o = knobs_json(&n->cfg);

	if (o == NULL)
		return NULL;
	if (n->external_given)
		set_ip(o, "ExternalIPAddress", n->cfg.external_ip);
	if (n->gateway_given)
		set_ip(o, "GatewayAddress", n->cfg.gateway_ip);
	if (n->compartment_given)
		json_object_set_new(o, "CompartmentId", json_integer(n->cfg.compartment));
	if (n->nb_mappings > 0) {
		json_t *arr = json_array();

		for (uint32_t i = 0; i < n->nb_mappings; i++)
			json_array_append_new(arr, nat_mapping_json_config(&n->mappings[i]));
		json_object_set_new(o, "StaticMappings", arr);
	}
	return o;
}

json_t *nat_mapping_json_config(const struct winnat_mapping *mp)
{
	char pb[8];
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "Protocol", json_string(nat_proto_text(mp->proto, pb)));
	if (mp->external_ip != 0)
		set_ip(o, "ExternalIPAddress", mp->external_ip);
	json_object_set_new(o, "ExternalPort", json_integer(mp->external_port));
	set_ip(o, "InternalIPAddress", mp->internal_ip);
	json_object_set_new(o, "InternalPort", json_integer(mp->internal_port));
	return o;
}

json_t *nat_mapping_json_format(const struct winnat_mapping *mp,
				const char *nat_name, uint32_t id,
				uint32_t nat_external_ip)
{
	char pb[8];
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "StaticMappingID", json_integer(id));
	json_object_set_new(o, "NatName", json_string(nat_name));
	json_object_set_new(o, "Protocol", json_string(nat_proto_text(mp->proto, pb)));
	set_ip(o, "ExternalIPAddress", mp->external_ip != 0 ? mp->external_ip
							    : nat_external_ip);
	json_object_set_new(o, "ExternalPort", json_integer(mp->external_port));
	set_ip(o, "InternalIPAddress", mp->internal_ip);
	json_object_set_new(o, "InternalPort", json_integer(mp->internal_port));
	return o;
}

json_t *nat_proxy_json_format(const struct winnat_proxy *px, const char *nat_name)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	set_ip(o, "ListenAddress", px->listen_ip);
	json_object_set_new(o, "ListenPort", json_integer(px->listen_port));
	set_ip(o, "ConnectAddress", px->connect_ip);
	json_object_set_new(o, "ConnectPort", json_integer(px->connect_port));
	if (nat_name != NULL)
		json_object_set_new(o, "NatName", json_string(nat_name));
	return o;
}

json_t *nat_session_json(const struct winnat_session_info *s)
{
	char pb[8];
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "Protocol", json_string(nat_proto_text(s->proto, pb)));
	json_object_set_new(o, "InternalRoutingDomainId", json_integer(s->compartment));
	json_object_set_new(o, "CompartmentId", json_integer(s->compartment));
	set_ip(o, "InternalSourceAddress", s->internal.src_ip);
	json_object_set_new(o, "InternalSourcePort", json_integer(s->internal.src_port));
	set_ip(o, "InternalDestinationAddress", s->internal.dst_ip);
	json_object_set_new(o, "InternalDestinationPort",
			    json_integer(s->internal.dst_port));
	set_ip(o, "ExternalSourceAddress", s->external.src_ip);
	json_object_set_new(o, "ExternalSourcePort", json_integer(s->external.src_port));
	set_ip(o, "ExternalDestinationAddress", s->external.dst_ip);
	json_object_set_new(o, "ExternalDestinationPort",
			    json_integer(s->external.dst_port));
	json_object_set_new(o, "TcpState", json_string(
		s->proto == IPPROTO_TCP ? winnat_tcp_state_text(s->tcp_state)
					: winnat_tcp_state_text(WINNAT_TCP_CLOSED_NA)));
	json_object_set_new(o, "Lifetime", json_integer(s->lifetime));
	json_object_set_new(o, "IdleSeconds", json_integer(s->idle));
	json_object_set_new(o, "Configured", json_boolean(s->configured));
	return o;
}

static void set_transport(json_t *o, const char *key, uint32_t ip, uint16_t port)
{
	char ipb[IPV4_FMT_SIZE], buf[32];

	ipv4_format(ip, ipb);
	snprintf(buf, sizeof(buf), "%s:%u", ipb, port);
	json_object_set_new(o, key, json_string(buf));
}

json_t *nat_binding_json(const struct winnat_binding_info *b)
{
	char pb[8];
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "Protocol", json_string(nat_proto_text(b->proto, pb)));
	set_transport(o, "InternalTransportAddress", b->internal_ip, b->internal_port);
	set_transport(o, "ExternalTransportAddress", b->external_ip, b->external_port);
	json_object_set_new(o, "CompartmentId", json_integer(b->compartment));
	json_object_set_new(o, "SessionCount", json_integer(b->session_count));
	json_object_set_new(o, "Configured", json_boolean(b->configured));
	return o;
}
