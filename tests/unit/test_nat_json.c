/* WinNAT JSON (vswitch/nat_json.h): NAT objects, static mappings, port
 * proxies, sessions and bindings; the IPv4 text helpers of
 * hns-api/schema/addr_parse.h. Every validation error starts with the JSON path
 * of the field; a failed parse leaves the output untouched. No EAL. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "addr_parse.h"
#include "nat_json.h"

/* JSON written with single quotes for readability; ' becomes ". */
static json_t *jl(const char *text)
{
	char *s = strdup(text);
	json_error_t jerr;
	json_t *doc;

	cr_assert_not_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	doc = json_loads(s, JSON_REJECT_DUPLICATES, &jerr);
	cr_assert_not_null(doc, "bad test JSON %s: %s", s, jerr.text);
	free(s);
	return doc;
}

static char err[1024];

#define NAT_MIN "'Name': 'winnat', 'InternalIPInterfaceAddressPrefix': '172.18.0.0/16'"

static struct nat_json parse_ok(const char *text)
{
	struct nat_json n;
	json_t *doc = jl(text);

	cr_assert_eq(nat_json_parse(doc, "", &n, err, sizeof(err)), 0, "rejected %s: %s",
		     text, err);
	json_decref(doc);
	return n;
}

/* Fails with err "<path>: ..." containing also; n untouched. */
static void parse_fails(const char *text, const char *path, const char *also)
{
	struct nat_json n, before;
	json_t *doc = jl(text);
	size_t k = strlen(path);

	memset(&n, 0x5c, sizeof(n));
	memcpy(&before, &n, sizeof(n));
	err[0] = '\0';
	cr_assert_eq(nat_json_parse(doc, "Nats[1]", &n, err, sizeof(err)), -1,
		     "accepted %s", text);
	cr_assert(strncmp(err, "Nats[1]", 7) == 0 && strncmp(err + 7, path, k) == 0 &&
		  err[7 + k] == ':', "error '%s' does not start with 'Nats[1]%s:'",
		  err, path);
	if (also != NULL)
		cr_assert(strstr(err, also) != NULL, "error '%s' lacks '%s'", err, also);
	cr_assert_eq(memcmp(&n, &before, sizeof(n)), 0, "a failed parse wrote (%s)", err);
	json_decref(doc);
}

/* ---- addr_parse ---- */

Test(ipv4, parse_and_format)
{
	uint32_t ip;
	uint8_t len;
	char buf[IPV4_FMT_SIZE];

	cr_assert_eq(ipv4_parse("192.0.2.10", &ip), 0);
	cr_assert_eq(ip, 0xc000020a);
	ipv4_format(ip, buf);
	cr_assert_str_eq(buf, "192.0.2.10");
	ipv4_format(UINT32_MAX, buf);
	cr_assert_str_eq(buf, "255.255.255.255");
	for (const char *const *b = (const char *const[]){"", "1.2.3", "1.2.3.4.5",
			"256.1.1.1", "01.2.3.4", "1.2.3.4 ", "a.b.c.d", "1..2.3",
			"1.2.3.4/24", "-1.2.3.4", NULL}; *b; b++)
		cr_assert_eq(ipv4_parse(*b, &ip), -1, "accepted '%s'", *b);
	cr_assert_eq(ipv4_prefix_parse("10.0.0.0/8", &ip, &len), 0);
	cr_assert(ip == 0x0a000000 && len == 8);
	cr_assert_eq(ipv4_prefix_parse("10.0.0.1/8", &ip, &len), -2);
	cr_assert_eq(ipv4_prefix_parse("10.0.0.0", &ip, &len), -1);
	cr_assert_eq(ipv4_prefix_parse("10.0.0.0/33", &ip, &len), -1);
	cr_assert_eq(ipv4_prefix_parse("10.0.0.0/08", &ip, &len), -1);
	cr_assert_eq(ipv4_prefix_parse("0.0.0.0/0", &ip, &len), 0);
	cr_assert_eq(ipv4_addr_len_parse("192.0.2.10/24", &ip, &len), 0);
	cr_assert(ip == 0xc000020a && len == 24);
	cr_assert_eq(ipv4_addr_len_parse("192.0.2.10/", &ip, &len), -1);
	cr_assert(ipv4_in_prefix(0xc000020a, 0xc0000200, 24));
	cr_assert(!ipv4_in_prefix(0xc000030a, 0xc0000200, 24));
	cr_assert_eq(ipv4_mask(0), 0);
	cr_assert_eq(ipv4_mask(32), UINT32_MAX);
	cr_assert_eq(ipv4_mask(20), 0xfffff000);
}

/* ---- NAT objects ---- */

Test(nat_json, defaults_are_winnat_defaults)
{
	struct nat_json n = parse_ok("{" NAT_MIN "}");
	const struct winnat_config *c = &n.cfg;

	cr_assert_str_eq(c->name, "winnat");
	cr_assert_eq(c->internal_prefix, 0xac120000);
	cr_assert_eq(c->internal_plen, 16);
	cr_assert(!n.external_given && !n.gateway_given && !n.compartment_given);
	cr_assert_eq(c->external_ip, 0);
	cr_assert_eq(c->gateway_ip, 0);
	cr_assert_eq(c->compartment, 0);
	cr_assert_eq(c->tcp_established_timeout, 1800);
	cr_assert_eq(c->tcp_transient_timeout, 120);
	cr_assert_eq(c->udp_idle_timeout, 120);
	cr_assert_eq(c->icmp_query_timeout, 30);
	cr_assert_eq(c->tcp_filtering, WINNAT_ADDRESS_DEPENDENT_FILTERING);
	cr_assert_eq(c->udp_filtering, WINNAT_ADDRESS_DEPENDENT_FILTERING);
	cr_assert(!c->udp_inbound_refresh);
	cr_assert_eq(c->max_sessions, 65536);
	cr_assert_eq(c->port_min, 1024);
	cr_assert_eq(c->port_max, 65535);
	cr_assert_eq(n.nb_mappings, 0);
	cr_assert_null(n.mappings);
	nat_json_release(&n);
}

Test(nat_json, every_field_is_read)
{
	struct nat_json n = parse_ok(
		"{" NAT_MIN ", 'ExternalIPAddress': '192.0.2.10', 'GatewayAddress': "
		"'172.18.0.254', 'CompartmentId': 7, 'TcpEstablishedConnectionTimeout': 600,"
		" 'TcpTransientConnectionTimeout': 60, 'UdpIdleSessionTimeout': 30,"
		" 'IcmpQueryTimeout': 5, 'TcpFilteringBehavior': 'EndpointIndependentFiltering',"
		" 'UdpFilteringBehavior': 'endpointindependentfiltering',"
		" 'UdpInboundRefresh': true, 'MaxSessions': 1000, 'ExternalPortRange': '2000-2999',"
		" 'StaticMappings': [{'Protocol': 'TCP', 'ExternalPort': 8080,"
		" 'InternalIPAddress': '172.18.0.5', 'InternalPort': 80},"
		" {'Protocol': 'udp', 'ExternalIPAddress': '192.0.2.11', 'ExternalPort': 53,"
		" 'InternalIPAddress': '172.18.0.6', 'InternalPort': 53, 'NatName': 'winnat'}]}");
	const struct winnat_config *c = &n.cfg;

	cr_assert(n.external_given && n.gateway_given && n.compartment_given);
	cr_assert_eq(c->external_ip, 0xc000020a);
	cr_assert_eq(c->gateway_ip, 0xac1200fe);
	cr_assert_eq(c->compartment, 7);
	cr_assert_eq(c->tcp_established_timeout, 600);
	cr_assert_eq(c->tcp_transient_timeout, 60);
	cr_assert_eq(c->udp_idle_timeout, 30);
	cr_assert_eq(c->icmp_query_timeout, 5);
	cr_assert_eq(c->tcp_filtering, WINNAT_ENDPOINT_INDEPENDENT_FILTERING);
	cr_assert_eq(c->udp_filtering, WINNAT_ENDPOINT_INDEPENDENT_FILTERING);
	cr_assert(c->udp_inbound_refresh);
	cr_assert_eq(c->max_sessions, 1000);
	cr_assert(c->port_min == 2000 && c->port_max == 2999);
	cr_assert_eq(n.nb_mappings, 2);
	cr_assert(n.mappings[0].proto == IPPROTO_TCP && n.mappings[0].external_ip == 0 &&
		  n.mappings[0].external_port == 8080 &&
		  n.mappings[0].internal_ip == 0xac120005 && n.mappings[0].internal_port == 80);
	cr_assert(n.mappings[1].proto == IPPROTO_UDP &&
		  n.mappings[1].external_ip == 0xc000020b);
	nat_json_release(&n);
	nat_json_release(&n); /* twice is fine */
}

Test(nat_json, single_port_range)
{
	struct nat_json n = parse_ok("{" NAT_MIN ", 'ExternalPortRange': '5000'}");

	cr_assert(n.cfg.port_min == 5000 && n.cfg.port_max == 5000);
}

Test(nat_json_errors, name)
{
	parse_fails("{'InternalIPInterfaceAddressPrefix': '10.0.0.0/8'}", ".Name",
		    "required");
	parse_fails("{'Name': '', 'InternalIPInterfaceAddressPrefix': '10.0.0.0/8'}",
		    ".Name", "1-63");
	parse_fails("{'Name': 'a b', 'InternalIPInterfaceAddressPrefix': '10.0.0.0/8'}",
		    ".Name", NULL);
	parse_fails("{'Name': 'a123456789b123456789c123456789d123456789e123456789f123456789ghij',"
		    " 'InternalIPInterfaceAddressPrefix': '10.0.0.0/8'}", ".Name", NULL);
	parse_fails("{'Name': 5, 'InternalIPInterfaceAddressPrefix': '10.0.0.0/8'}",
		    ".Name", "must be a string");
}

Test(nat_json_errors, not_an_object_and_unknown_fields)
{
	parse_fails("[]", "", "must be an object");
	parse_fails("{" NAT_MIN ", 'Nmae': 'x'}", ".Nmae", "unknown field");
	parse_fails("{" NAT_MIN ", 'Active': true}", ".Active", "unknown field");
}

Test(nat_json_errors, internal_prefix)
{
	parse_fails("{'Name': 'n'}", ".InternalIPInterfaceAddressPrefix", "required");
	parse_fails("{'Name': 'n', 'InternalIPInterfaceAddressPrefix': '172.18.0.1/16'}",
		    ".InternalIPInterfaceAddressPrefix", "172.18.0.0/16");
	parse_fails("{'Name': 'n', 'InternalIPInterfaceAddressPrefix': '172.18.0.0'}",
		    ".InternalIPInterfaceAddressPrefix", "not an IPv4 prefix");
	parse_fails("{'Name': 'n', 'InternalIPInterfaceAddressPrefix': 'fd00::/64'}",
		    ".InternalIPInterfaceAddressPrefix", "IPv6");
	parse_fails("{'Name': 'n', 'InternalIPInterfaceAddressPrefix': '10.0.0.0/31'}",
		    ".InternalIPInterfaceAddressPrefix", "1-30");
	parse_fails("{'Name': 'n', 'InternalIPInterfaceAddressPrefix': '0.0.0.0/0'}",
		    ".InternalIPInterfaceAddressPrefix", "1-30");
	parse_fails("{'Name': 'n', 'InternalIPInterfaceAddressPrefix': 16}",
		    ".InternalIPInterfaceAddressPrefix", "must be a string");
}

Test(nat_json_errors, addresses)
{
	parse_fails("{" NAT_MIN ", 'ExternalIPAddress': '192.0.2'}", ".ExternalIPAddress",
		    "not an IPv4 address");
	parse_fails("{" NAT_MIN ", 'ExternalIPAddress': '2001:db8::1'}",
		    ".ExternalIPAddress", "IPv6");
	parse_fails("{" NAT_MIN ", 'ExternalIPAddress': '0.0.0.0'}", ".ExternalIPAddress",
		    "unicast");
	parse_fails("{" NAT_MIN ", 'ExternalIPAddress': '224.0.0.1'}", ".ExternalIPAddress",
		    "unicast");
	parse_fails("{" NAT_MIN ", 'GatewayAddress': '10.0.0.1'}", ".GatewayAddress",
		    "not inside");
	parse_fails("{" NAT_MIN ", 'GatewayAddress': '172.18.0.0'}", ".GatewayAddress",
		    "network or broadcast");
	parse_fails("{" NAT_MIN ", 'GatewayAddress': '172.18.255.255'}", ".GatewayAddress",
		    "network or broadcast");
	parse_fails("{" NAT_MIN ", 'CompartmentId': 0}", ".CompartmentId", "out of range");
	parse_fails("{" NAT_MIN ", 'CompartmentId': '1'}", ".CompartmentId",
		    "must be an integer");
}

Test(nat_json_errors, timeouts_and_knobs)
{
	static const char *const timeouts[] = {
		"TcpEstablishedConnectionTimeout", "TcpTransientConnectionTimeout",
		"UdpIdleSessionTimeout", "IcmpQueryTimeout", NULL};
	char text[256], path[64];

	for (const char *const *t = timeouts; *t; t++) {
		snprintf(path, sizeof(path), ".%s", *t);
		snprintf(text, sizeof(text), "{" NAT_MIN ", '%s': 0}", *t);
		parse_fails(text, path, "out of range 1-86400");
		snprintf(text, sizeof(text), "{" NAT_MIN ", '%s': 86401}", *t);
		parse_fails(text, path, "out of range 1-86400");
		snprintf(text, sizeof(text), "{" NAT_MIN ", '%s': 1.5}", *t);
		parse_fails(text, path, "must be an integer");
	}
	parse_fails("{" NAT_MIN ", 'TcpFilteringBehavior': 'Open'}", ".TcpFilteringBehavior",
		    "AddressDependentFiltering");
	parse_fails("{" NAT_MIN ", 'UdpFilteringBehavior': 1}", ".UdpFilteringBehavior",
		    "must be a string");
	parse_fails("{" NAT_MIN ", 'UdpInboundRefresh': 'yes'}", ".UdpInboundRefresh",
		    "must be a boolean");
	parse_fails("{" NAT_MIN ", 'MaxSessions': 0}", ".MaxSessions", "out of range");
	parse_fails("{" NAT_MIN ", 'MaxSessions': 16000001}", ".MaxSessions", "out of range");
	parse_fails("{" NAT_MIN ", 'ExternalPortRange': '2000-1000'}", ".ExternalPortRange",
		    "above");
	parse_fails("{" NAT_MIN ", 'ExternalPortRange': '0-1000'}", ".ExternalPortRange",
		    "1-65535");
	parse_fails("{" NAT_MIN ", 'ExternalPortRange': '1000-65536'}", ".ExternalPortRange",
		    "1-65535");
	parse_fails("{" NAT_MIN ", 'ExternalPortRange': '1000-'}", ".ExternalPortRange",
		    "not a port range");
	parse_fails("{" NAT_MIN ", 'ExternalPortRange': 'any'}", ".ExternalPortRange",
		    "not a port range");
}

Test(nat_json_errors, static_mappings_name_their_element)
{
	parse_fails("{" NAT_MIN ", 'StaticMappings': {}}", ".StaticMappings",
		    "must be an array");
	parse_fails("{" NAT_MIN ", 'StaticMappings': [5]}", ".StaticMappings[0]",
		    "must be an object");
	parse_fails("{" NAT_MIN ", 'StaticMappings': [{'Protocol': 'TCP', 'ExternalPort': 1,"
		    " 'InternalIPAddress': '172.18.0.5', 'InternalPort': 1}, {'Protocol': 'ICMP',"
		    " 'ExternalPort': 1, 'InternalIPAddress': '172.18.0.5', 'InternalPort': 1}]}",
		    ".StaticMappings[1].Protocol", "TCP or UDP");
	parse_fails("{" NAT_MIN ", 'StaticMappings': [{'Protocol': 'TCP', 'ExternalPort': 0,"
		    " 'InternalIPAddress': '172.18.0.5', 'InternalPort': 1}]}",
		    ".StaticMappings[0].ExternalPort", "out of range 1-65535");
	parse_fails("{" NAT_MIN ", 'StaticMappings': [{'Protocol': 'TCP', 'ExternalPort': 1,"
		    " 'InternalIPAddress': '172.18.0.5', 'InternalPort': 65536}]}",
		    ".StaticMappings[0].InternalPort", "out of range 1-65535");
	parse_fails("{" NAT_MIN ", 'StaticMappings': [{'Protocol': 'TCP', 'ExternalPort': 1,"
		    " 'InternalPort': 1}]}", ".StaticMappings[0].InternalIPAddress", "required");
	parse_fails("{" NAT_MIN ", 'StaticMappings': [{'Protocol': 'TCP', 'ExternalPort': 1,"
		    " 'InternalIPAddress': '172.18.0.5', 'InternalPort': 1, 'NatName': 'other'}]}",
		    ".StaticMappings[0].NatName", "not this NAT");
	parse_fails("{" NAT_MIN ", 'StaticMappings': [{'Protocol': 'TCP', 'ExternalPort': 1,"
		    " 'InternalIPAddress': '172.18.0.5', 'InternalPort': 1, 'Id': 1}]}",
		    ".StaticMappings[0].Id", "unknown field");
	parse_fails("{" NAT_MIN ", 'StaticMappings': [{'Protocol': 'TCP', 'ExternalPort': 1,"
		    " 'InternalIPAddress': '172.18.0.5', 'InternalPort': 1}, {'Protocol': 'tcp',"
		    " 'ExternalPort': 1, 'InternalIPAddress': '172.18.0.6', 'InternalPort': 2}]}",
		    ".StaticMappings[1].ExternalPort", "StaticMappings[0]");
}

Test(nat_json, round_trip_parse_format_parse)
{
	static const char *const docs[] = {
		"{" NAT_MIN "}",
		"{" NAT_MIN ", 'ExternalIPAddress': '192.0.2.10', 'GatewayAddress': "
		"'172.18.0.254', 'CompartmentId': 7, 'TcpEstablishedConnectionTimeout': 600,"
		" 'UdpFilteringBehavior': 'EndpointIndependentFiltering',"
		" 'UdpInboundRefresh': true, 'MaxSessions': 1000, 'ExternalPortRange': '2000-2999',"
		" 'StaticMappings': [{'Protocol': 'TCP', 'ExternalPort': 8080,"
		" 'InternalIPAddress': '172.18.0.5', 'InternalPort': 80},"
		" {'Protocol': 'UDP', 'ExternalIPAddress': '192.0.2.11', 'ExternalPort': 53,"
		" 'InternalIPAddress': '172.18.0.6', 'InternalPort': 53}]}",
		NULL};

	for (const char *const *d = docs; *d; d++) {
		struct nat_json a = parse_ok(*d), b;
		json_t *out = nat_json_format_config(&a);
		char *text = json_dumps(out, JSON_COMPACT);

		cr_assert_eq(nat_json_parse(out, "", &b, err, sizeof(err)), 0,
			     "own output rejected: %s: %s", text, err);
		cr_assert_eq(memcmp(&a.cfg, &b.cfg, sizeof(a.cfg)), 0, "config differs: %s", text);
		cr_assert(a.external_given == b.external_given &&
			  a.gateway_given == b.gateway_given &&
			  a.compartment_given == b.compartment_given);
		cr_assert_eq(a.nb_mappings, b.nb_mappings);
		if (a.nb_mappings)
			cr_assert_eq(memcmp(a.mappings, b.mappings,
					    a.nb_mappings * sizeof(*a.mappings)), 0);
		free(text);
		json_decref(out);
		nat_json_release(&a);
		nat_json_release(&b);
	}
}

Test(nat_json, output_shows_effective_values_and_active)
{
	struct nat_json n = parse_ok("{" NAT_MIN "}");
	json_t *o;

	n.cfg.external_ip = 0xc000020a;
	n.cfg.gateway_ip = 0xac120001;
	n.cfg.compartment = 3;
	o = nat_json_format(&n.cfg);
	cr_assert_str_eq(json_string_value(json_object_get(o, "Name")), "winnat");
	cr_assert_str_eq(json_string_value(json_object_get(o,
			 "InternalIPInterfaceAddressPrefix")), "172.18.0.0/16");
	cr_assert_str_eq(json_string_value(json_object_get(o, "ExternalIPAddress")),
			 "192.0.2.10");
	cr_assert_str_eq(json_string_value(json_object_get(o, "GatewayAddress")),
			 "172.18.0.1");
	cr_assert_eq(json_integer_value(json_object_get(o, "CompartmentId")), 3);
	cr_assert(json_is_true(json_object_get(o, "Active")));
	cr_assert_eq(json_integer_value(json_object_get(o, "TcpEstablishedConnectionTimeout")),
		     1800);
	cr_assert_str_eq(json_string_value(json_object_get(o, "TcpFilteringBehavior")),
			 "AddressDependentFiltering");
	cr_assert_str_eq(json_string_value(json_object_get(o, "ExternalPortRange")),
			 "1024-65535");
	cr_assert(json_is_false(json_object_get(o, "UdpInboundRefresh")));
	cr_assert_eq(json_integer_value(json_object_get(o, "MaxSessions")), 65536);
	json_decref(o);
}

/* ---- mappings, proxies ---- */

Test(nat_mapping_json, parse_format)
{
	struct winnat_mapping mp;
	json_t *doc = jl("{'Protocol': 'UDP', 'ExternalPort': 5353, 'InternalIPAddress':"
			 " '10.0.0.7', 'InternalPort': 53}"), *o;

	cr_assert_eq(nat_mapping_json_parse(doc, "", "n1", &mp, err, sizeof(err)), 0, "%s",
		     err);
	o = nat_mapping_json_format(&mp, "n1", 4, 0xc000020a);
	cr_assert_eq(json_integer_value(json_object_get(o, "StaticMappingID")), 4);
	cr_assert_str_eq(json_string_value(json_object_get(o, "NatName")), "n1");
	cr_assert_str_eq(json_string_value(json_object_get(o, "Protocol")), "UDP");
	cr_assert_str_eq(json_string_value(json_object_get(o, "ExternalIPAddress")),
			 "192.0.2.10");
	cr_assert_eq(json_integer_value(json_object_get(o, "ExternalPort")), 5353);
	cr_assert_str_eq(json_string_value(json_object_get(o, "InternalIPAddress")),
			 "10.0.0.7");
	cr_assert_eq(json_integer_value(json_object_get(o, "InternalPort")), 53);
	json_decref(o);
	o = nat_mapping_json_config(&mp);
	cr_assert_null(json_object_get(o, "ExternalIPAddress"));
	cr_assert_null(json_object_get(o, "StaticMappingID"));
	json_decref(o);
	json_decref(doc);
	/* a request body: errors have no prefix */
	doc = jl("{'Protocol': 'TCP', 'ExternalPort': 'x', 'InternalIPAddress': '10.0.0.7',"
		 " 'InternalPort': 53}");
	cr_assert_eq(nat_mapping_json_parse(doc, "", NULL, &mp, err, sizeof(err)), -1);
	cr_assert(strncmp(err, "ExternalPort: ", 14) == 0, "%s", err);
	json_decref(doc);
	doc = jl("{'ExternalPort': 1, 'InternalIPAddress': '10.0.0.7', 'InternalPort': 53}");
	cr_assert_eq(nat_mapping_json_parse(doc, "", NULL, &mp, err, sizeof(err)), -1);
	cr_assert(strncmp(err, "Protocol: ", 10) == 0, "%s", err);
	json_decref(doc);
}

Test(nat_proxy_json, parse_format_errors)
{
	struct winnat_proxy px, before;
	json_t *doc = jl("{'ListenAddress': '192.0.2.10', 'ListenPort': 8080,"
			 " 'ConnectAddress': '172.18.0.5', 'ConnectPort': 80}"), *o;

	cr_assert_eq(nat_proxy_json_parse(doc, "", &px, err, sizeof(err)), 0, "%s", err);
	cr_assert(px.listen_ip == 0xc000020a && px.listen_port == 8080 &&
		  px.connect_ip == 0xac120005 && px.connect_port == 80);
	o = nat_proxy_json_format(&px, "winnat");
	cr_assert_str_eq(json_string_value(json_object_get(o, "ListenAddress")), "192.0.2.10");
	cr_assert_eq(json_integer_value(json_object_get(o, "ListenPort")), 8080);
	cr_assert_str_eq(json_string_value(json_object_get(o, "ConnectAddress")), "172.18.0.5");
	cr_assert_eq(json_integer_value(json_object_get(o, "ConnectPort")), 80);
	cr_assert_str_eq(json_string_value(json_object_get(o, "NatName")), "winnat");
	json_object_del(o, "NatName");
	cr_assert_eq(nat_proxy_json_parse(o, "", &before, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(memcmp(&px, &before, sizeof(px)), 0, "round trip differs");
	json_decref(o);
	json_decref(doc);

	static const struct {
		const char *json, *path;
	} bad[] = {
		{"{'ListenPort': 1, 'ConnectAddress': '1.1.1.1', 'ConnectPort': 1}",
		 "ListenAddress: "},
		{"{'ListenAddress': '1.1.1', 'ListenPort': 1, 'ConnectAddress': '1.1.1.1',"
		 " 'ConnectPort': 1}", "ListenAddress: "},
		{"{'ListenAddress': '1.1.1.1', 'ListenPort': 0, 'ConnectAddress': '1.1.1.1',"
		 " 'ConnectPort': 1}", "ListenPort: "},
		{"{'ListenAddress': '1.1.1.1', 'ListenPort': 1, 'ConnectAddress': 'x',"
		 " 'ConnectPort': 1}", "ConnectAddress: "},
		{"{'ListenAddress': '1.1.1.1', 'ListenPort': 1, 'ConnectAddress': '1.1.1.1',"
		 " 'ConnectPort': 70000}", "ConnectPort: "},
		{"{'ListenAddress': '1.1.1.1', 'ListenPort': 1, 'ConnectAddress': '1.1.1.1',"
		 " 'ConnectPort': 1, 'Protocol': 'UDP'}", "Protocol: "},
		{"{'ListenAddress': '1.1.1.1', 'ListenPort': 1, 'ConnectAddress': '1.1.1.1',"
		 " 'ConnectPort': 1, 'V6': 1}", "V6: "},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		doc = jl(bad[i].json);
		memset(&px, 0x5c, sizeof(px));
		memcpy(&before, &px, sizeof(px));
		cr_assert_eq(nat_proxy_json_parse(doc, "", &px, err, sizeof(err)), -1,
			     "accepted %s", bad[i].json);
		cr_assert(strncmp(err, bad[i].path, strlen(bad[i].path)) == 0,
			  "'%s' does not start with '%s'", err, bad[i].path);
		cr_assert_eq(memcmp(&px, &before, sizeof(px)), 0);
		json_decref(doc);
	}
}

/* ---- sessions, bindings ---- */

Test(nat_session_json, fields)
{
	struct winnat_session_info s = {
		.proto = IPPROTO_TCP, .tcp_state = WINNAT_TCP_ESTABLISHED, .compartment = 1,
		.internal = {.src_ip = 0xac1200a7, .dst_ip = 0x08080808, .src_port = 49161,
			     .dst_port = 443},
		.external = {.src_ip = 0xc0a80146, .dst_ip = 0x08080808, .src_port = 1227,
			     .dst_port = 443},
		.lifetime = 1800, .idle = 3, .configured = false};
	json_t *o = nat_session_json(&s);

	cr_assert_str_eq(json_string_value(json_object_get(o, "Protocol")), "TCP");
	cr_assert_eq(json_integer_value(json_object_get(o, "CompartmentId")), 1);
	cr_assert_eq(json_integer_value(json_object_get(o, "InternalRoutingDomainId")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(o, "InternalSourceAddress")),
			 "172.18.0.167");
	cr_assert_eq(json_integer_value(json_object_get(o, "InternalSourcePort")), 49161);
	cr_assert_str_eq(json_string_value(json_object_get(o, "InternalDestinationAddress")),
			 "8.8.8.8");
	cr_assert_eq(json_integer_value(json_object_get(o, "InternalDestinationPort")), 443);
	cr_assert_str_eq(json_string_value(json_object_get(o, "ExternalSourceAddress")),
			 "192.168.1.70");
	cr_assert_eq(json_integer_value(json_object_get(o, "ExternalSourcePort")), 1227);
	cr_assert_str_eq(json_string_value(json_object_get(o, "ExternalDestinationAddress")),
			 "8.8.8.8");
	cr_assert_eq(json_integer_value(json_object_get(o, "ExternalDestinationPort")), 443);
	cr_assert_str_eq(json_string_value(json_object_get(o, "TcpState")),
			 winnat_tcp_state_text(WINNAT_TCP_ESTABLISHED));
	cr_assert_eq(json_integer_value(json_object_get(o, "Lifetime")), 1800);
	cr_assert_eq(json_integer_value(json_object_get(o, "IdleSeconds")), 3);
	cr_assert(json_is_false(json_object_get(o, "Configured")));
	json_decref(o);
	s.proto = IPPROTO_UDP;
	o = nat_session_json(&s);
	cr_assert_str_eq(json_string_value(json_object_get(o, "Protocol")), "UDP");
	cr_assert_str_eq(json_string_value(json_object_get(o, "TcpState")),
			 winnat_tcp_state_text(WINNAT_TCP_CLOSED_NA));
	json_decref(o);
}

Test(nat_binding_json, fields)
{
	struct winnat_binding_info b = {
		.proto = IPPROTO_UDP, .compartment = 2, .internal_ip = 0xac1200a7,
		.external_ip = 0xc0a80146, .internal_port = 49161, .external_port = 1227,
		.session_count = 5, .configured = true};
	json_t *o = nat_binding_json(&b);

	cr_assert_str_eq(json_string_value(json_object_get(o, "Protocol")), "UDP");
	cr_assert_str_eq(json_string_value(json_object_get(o, "InternalTransportAddress")),
			 "172.18.0.167:49161");
	cr_assert_str_eq(json_string_value(json_object_get(o, "ExternalTransportAddress")),
			 "192.168.1.70:1227");
	cr_assert_eq(json_integer_value(json_object_get(o, "CompartmentId")), 2);
	cr_assert_eq(json_integer_value(json_object_get(o, "SessionCount")), 5);
	cr_assert(json_is_true(json_object_get(o, "Configured")));
	json_decref(o);
}
