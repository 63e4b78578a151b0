/* HNS v1 through hns_handle (hns-api/hns.h): networks, endpoints,
 * policies, update, attach/detach with a fake dataplane, endpointstats,
 * policy lists, every validation error, hns_apply_config and persistence
 * through the SQLite store. No EAL. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <sqlite3.h>

#include "hns.h"
#include "hns_request.h"
#include "hns_internal.h"

static char pbuf[256];
#define P(...) (snprintf(pbuf, sizeof(pbuf), __VA_ARGS__), pbuf)
#include "store.h"

/* ---- helpers ---- */

static bool is_upper_guid(const char *s)
{
	if (s == NULL || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i]) || islower((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

static char net_id[64], ep_id[64];

static void make_net(void)
{
	ok("POST", "/networks/",
	   "{'Name': 'nat', 'Type': 'NAT', 'Subnets': [{'AddressPrefix': "
	   "'10.0.0.0/24', 'GatewayAddress': '10.0.0.1'}]}");
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
}

static void make_ep(const char *name)
{
	char body[256];

	snprintf(body, sizeof(body), "{'Name': '%s', 'VirtualNetwork': '%s'}", name,
		 net_id);
	ok("POST", "/endpoints/", body);
	snprintf(ep_id, sizeof(ep_id), "%s", ostr("ID"));
}

static void path_of(char *buf, size_t len, const char *fmt, const char *id)
{
	snprintf(buf, len, fmt, id);
}

/* ---- fake dataplane ---- */

static struct fake {
	char ports[8][32];
	int n_ports;
	int exists_calls, add_calls, add_fail;
	char added[32], devargs[128];
	int attached, detached;
	char attached_port[32], detached_port[32];
	char attached_ep[64];
	int stats_calls;
} fk;

static bool fake_exists(void *ctx, const char *port)
{
	(void)ctx;
	fk.exists_calls++;
	for (int i = 0; i < fk.n_ports; i++)
		if (strcmp(fk.ports[i], port) == 0)
			return true;
	return false;
}

static int fake_add(void *ctx, const char *port, const char *devargs, char *e,
		    size_t elen)
{
	(void)ctx;
	fk.add_calls++;
	snprintf(fk.added, sizeof(fk.added), "%s", port);
	snprintf(fk.devargs, sizeof(fk.devargs), "%s", devargs);
	if (fk.add_fail) {
		snprintf(e, elen, "probe failed");
		return -1;
	}
	snprintf(fk.ports[fk.n_ports++], sizeof(fk.ports[0]), "%s", port);
	return 0;
}

static void fake_attached(void *ctx, const char *port, const json_t *ep)
{
	(void)ctx;
	fk.attached++;
	snprintf(fk.attached_port, sizeof(fk.attached_port), "%s", port);
	snprintf(fk.attached_ep, sizeof(fk.attached_ep), "%s",
		 json_string_value(json_object_get(ep, "ID")));
}

static void fake_detached(void *ctx, const char *port, const json_t *ep)
{
	(void)ctx;
	(void)ep;
	fk.detached++;
	snprintf(fk.detached_port, sizeof(fk.detached_port), "%s", port);
}

static int fake_stats(void *ctx, const char *port, json_t *s)
{
	(void)ctx;
	(void)port;
	fk.stats_calls++;
	json_object_set_new(s, "BytesReceived", json_integer(1000));
	json_object_set_new(s, "BytesSent", json_integer(2000));
	json_object_set_new(s, "PacketsReceived", json_integer(10));
	json_object_set_new(s, "PacketsSent", json_integer(20));
	json_object_set_new(s, "DroppedPacketsIncoming", json_integer(1));
	json_object_set_new(s, "DroppedPacketsOutgoing", json_integer(2));
	return 0;
}

static const struct hns_dataplane fake_dp = {
	.ctx = &fk,
	.port_exists = fake_exists,
	.port_add = fake_add,
	.endpoint_attached = fake_attached,
	.endpoint_detached = fake_detached,
	.port_stats = fake_stats,
};

static void setup(void)
{
	char e[256];

	memset(&fk, 0, sizeof(fk));
	snprintf(fk.ports[fk.n_ports++], sizeof(fk.ports[0]), "c1");
	snprintf(fk.ports[fk.n_ports++], sizeof(fk.ports[0]), "c2");
	h = hns_create(NULL, &fake_dp, e, sizeof(e));
	cr_assert_not_null(h, "%s", e);
}

static void teardown(void)
{
	json_decref(resp);
	resp = NULL;
	hns_destroy(h);
	h = NULL;
}

TestSuite(networks, .init = setup, .fini = teardown);
TestSuite(validation, .init = setup, .fini = teardown);
TestSuite(endpoints, .init = setup, .fini = teardown);
TestSuite(policies, .init = setup, .fini = teardown);
TestSuite(attach, .init = setup, .fini = teardown);
TestSuite(policylists, .init = setup, .fini = teardown);
TestSuite(config, .init = setup, .fini = teardown);

/* ---- networks ---- */

Test(networks, create_returns_upper_case_guid_and_canonical_fields)
{
	ok("POST", "/networks/",
	   "{'Name': 'n1', 'Type': 'nat', 'Subnets': [{'AddressPrefix': "
	   "'10.0.0.0/24', 'GatewayAddress': '10.0.0.1'}], 'DNSServerList': "
	   "'8.8.8.8, 1.1.1.1', 'MacPools': [{'StartMacAddress': "
	   "'00:15:5d:10:00:00', 'EndMacAddress': '00-15-5D-10-00-FF'}]}");
	cr_assert(is_upper_guid(ostr("ID")), "ID %s", ostr("ID"));
	cr_assert_str_eq(ostr("Name"), "n1");
	cr_assert_str_eq(ostr("Type"), "NAT");
	cr_assert_str_eq(ostr("Subnets[0].AddressPrefix"), "10.0.0.0/24");
	cr_assert_str_eq(ostr("Subnets[0].GatewayAddress"), "10.0.0.1");
	cr_assert_str_eq(ostr("DNSServerList"), "8.8.8.8, 1.1.1.1"); /* as written */
	/* strings come back as the client wrote them (issue 15) */
	cr_assert_str_eq(ostr("MacPools[0].StartMacAddress"), "00:15:5d:10:00:00");
	cr_assert(json_is_array(jget(out(), "Policies")));
}

Test(networks, list_get_delete_and_lower_case_ids)
{
	char path[128], lower[64];

	make_net();
	ok("GET", "/networks/", NULL);
	cr_assert_eq(json_array_size(out()), 1);
	cr_assert_str_eq(ostr("[0].ID"), net_id);
	snprintf(lower, sizeof(lower), "%s", net_id);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	path_of(path, sizeof(path), "/networks/%s", lower);
	ok("GET", path, NULL);
	cr_assert_str_eq(ostr("ID"), net_id);
	ok("DELETE", path, NULL);
	cr_assert_str_eq(ostr("Name"), "nat");
	fails("GET", path, NULL, 404, "no network", NULL);
	ok("GET", "/networks", NULL);
	cr_assert_eq(json_array_size(out()), 0);
}

Test(networks, paths_with_and_without_trailing_slash)
{
	char path[128];

	make_net();
	ok("GET", "/networks", NULL);
	ok("GET", "/networks/", NULL);
	path_of(path, sizeof(path), "/networks/%s/", net_id);
	ok("GET", path, NULL);
	ok("POST", "/networks", "{'Name': 'x', 'Type': 'Private'}");
}

Test(networks, every_hns_type_is_accepted_in_any_case)
{
	static const char *types[] = { "NAT", "ICS", "Transparent", "L2Bridge",
				       "L2Tunnel", "Overlay", "Private" };
	char body[128], name[16];

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		char lower[32];

		snprintf(lower, sizeof(lower), "%s", types[i]);
		for (char *p = lower; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		snprintf(name, sizeof(name), "n%zu", i);
		snprintf(body, sizeof(body), "{'Name': '%s', 'Type': '%s'}", name, lower);
		ok("POST", "/networks/", body);
		cr_assert_str_eq(ostr("Type"), types[i]);
	}
}

Test(networks, deleting_a_network_with_endpoints_is_a_conflict)
{
	char path[128];

	make_net();
	make_ep("e1");
	path_of(path, sizeof(path), "/networks/%s", net_id);
	fails("DELETE", path, NULL, 409, "endpoint", NULL);
	ok("GET", path, NULL);
	path_of(path, sizeof(path), "/endpoints/%s", ep_id);
	ok("DELETE", path, NULL);
	path_of(path, sizeof(path), "/networks/%s", net_id);
	ok("DELETE", path, NULL);
}

Test(networks, given_id_is_kept_and_duplicate_id_conflicts)
{
	ok("POST", "/networks/",
	   "{'ID': '{0a1b2c3d-1111-4222-8333-444455556666}', 'Name': 'a', 'Type': 'L2Bridge'}");
	cr_assert_str_eq(ostr("ID"), "0A1B2C3D-1111-4222-8333-444455556666");
	fails("POST", "/networks/",
	      "{'ID': '0A1B2C3D-1111-4222-8333-444455556666', 'Name': 'b', 'Type': 'NAT'}",
	      409, "ID", NULL);
	fails("POST", "/networks/", "{'ID': 'nope', 'Name': 'c', 'Type': 'NAT'}", 400,
	      "ID", NULL);
}

/* ---- validation ---- */

Test(validation, unknown_field_is_named)
{
	/* REST is lenient: kept, echoed and reported (the config is strict) */
	ok("POST", "/networks/", "{'Nmae': 'x', 'Name': 'y', 'Type': 'NAT'}");
	cr_assert(warned("Nmae: not an HNS field"));
	cr_assert_str_eq(ostr("Nmae"), "x");
	ok("DELETE", P("/networks/%s", ostr("ID")), NULL);
	ok("POST", "/networks/",
	   "{'Name': 'y', 'Type': 'NAT', 'Subnets': [{'AddressPrefix': '10.0.0.0/8', "
	   "'Gateway': '10.0.0.1'}]}");
	/* a key no HNS schema defines, even nested, is kept and echoed */
	cr_assert(warned("Subnets[0].Gateway: not an HNS field; kept"));
	cr_assert_str_eq(ostr("Subnets[0].Gateway"), "10.0.0.1");
	ok("DELETE", P("/networks/%s", ostr("ID")), NULL);
	/* a bad value of a field that is enforced still fails, naming it */
	fails("POST", "/networks/", "{'Name': 'z', 'Type': 'NAT', 'Nmae': 1, "
	      "'Subnets': [{'AddressPrefix': '10.0.0.0/33'}]}", 400,
	      "Subnets[0].AddressPrefix", NULL);
	ok("GET", "/networks/", NULL);
	cr_assert_eq(json_array_size(out()), 0);
}

Test(validation, malformed_json_and_non_objects)
{
	fails("POST", "/networks/", "{'Name': ", 400, "malformed JSON", NULL);
	fails("POST", "/networks/", "['a']", 400, "must be an object", NULL);
	fails("POST", "/networks/", "42", 400, "must be an object", NULL);
	fails("POST", "/networks/", "", 400, "empty", NULL);
	fails("POST", "/networks/", " \n", 400, "empty", NULL);
	{
		json_t *r = NULL;

		cr_assert_eq(hns_handle(h, "POST", "/networks/", NULL, 7, &r), 400);
		json_decref(r);
	}
	fails("POST", "/networks/", "{'Name': 'a', 'Name': 'b', 'Type': 'NAT'}", 400,
	      "malformed JSON", "duplicate");
}

Test(validation, wrong_types_are_named)
{
	fails("POST", "/networks/", "{'Name': 5, 'Type': 'NAT'}", 400, "Name",
	      "must be a string");
	fails("POST", "/networks/", "{'Name': 'a', 'Type': 'NAT', 'Subnets': {}}", 400,
	      "Subnets", "array");
	fails("POST", "/networks/", "{'Name': 'a', 'Type': 'NAT', 'Subnets': [5]}", 400,
	      "Subnets[0]", "object");
	fails("POST", "/networks/", "{'Name': 'a', 'Type': 'NAT', 'AutomaticDNS': 'yes'}",
	      400, "AutomaticDNS", "boolean");
	fails("POST", "/networks/", "{'Type': 'NAT'}", 400, "Name", "required");
	fails("POST", "/networks/", "{'Name': '', 'Type': 'NAT'}", 400, "Name", "empty");
}

Test(validation, unknown_network_type_is_rejected)
{
	fails("POST", "/networks/", "{'Name': 'a', 'Type': 'Internal'}", 400, "Type",
	      "Internal");
	fails("POST", "/networks/", "{'Name': 'a', 'Type': 'Bridge'}", 400, "Type", NULL);
}

Test(validation, bad_prefixes)
{
	fails("POST", "/networks/",
	      "{'Name': 'a', 'Type': 'NAT', 'Subnets': [{'AddressPrefix': '10.0.0.0/33'}]}",
	      400, "Subnets[0].AddressPrefix: ", "10.0.0.0/33");
	fails("POST", "/networks/",
	      "{'Name': 'a', 'Type': 'NAT', 'Subnets': [{'AddressPrefix': '300.1.1.1/24'}]}",
	      400, "Subnets[0].AddressPrefix: ", "300.1.1.1/24");
	fails("POST", "/networks/",
	      "{'Name': 'a', 'Type': 'NAT', 'Subnets': [{'AddressPrefix': '10.0.0.0'}]}",
	      400, "Subnets[0].AddressPrefix", NULL);
	fails("POST", "/networks/",
	      "{'Name': 'a', 'Type': 'NAT', 'Subnets': [{'AddressPrefix': '10.0.0.5/24'}]}",
	      400, "Subnets[0].AddressPrefix", "host bits");
	fails("POST", "/networks/",
	      "{'Name': 'a', 'Type': 'NAT', 'Subnets': [{'AddressPrefix': '10.0.0.0/24'}, "
	      "{'AddressPrefix': '10.0.0.128/25'}]}",
	      400, "Subnets[1].AddressPrefix", "overlaps");
}

Test(validation, gateway_outside_its_subnet)
{
	fails("POST", "/networks/",
	      "{'Name': 'a', 'Type': 'NAT', 'Subnets': [{'AddressPrefix': '10.0.0.0/24', "
	      "'GatewayAddress': '10.0.1.1'}]}",
	      400, "Subnets[0].GatewayAddress: ", "not in subnet");
	fails("POST", "/networks/",
	      "{'Name': 'a', 'Type': 'NAT', 'Subnets': [{'AddressPrefix': '10.0.0.0/24', "
	      "'GatewayAddress': '10.0.0.255'}]}",
	      400, "Subnets[0].GatewayAddress", "broadcast");
	fails("POST", "/networks/",
	      "{'Name': 'a', 'Type': 'NAT', 'Subnets': [{'AddressPrefix': '10.0.0.0/24', "
	      "'GatewayAddress': 'fe80::1'}]}",
	      400, "Subnets[0].GatewayAddress", NULL);
}

Test(validation, bad_macs)
{
	fails("POST", "/networks/",
	      "{'Name': 'a', 'Type': 'NAT', 'MacPools': [{'StartMacAddress': '00-15-5D-00-00', "
	      "'EndMacAddress': '00-15-5D-00-00-10'}]}",
	      400, "MacPools[0].StartMacAddress", NULL);
	fails("POST", "/networks/",
	      "{'Name': 'a', 'Type': 'NAT', 'MacPools': [{'StartMacAddress': '00-15-5D-00-00-20', "
	      "'EndMacAddress': '00-15-5D-00-00-10'}]}",
	      400, "MacPools[0]", "above");
	fails("POST", "/networks/", "{'Name': 'a', 'Type': 'NAT', 'SourceMac': 'zz'}", 400,
	      "SourceMac", NULL);
	make_net();
	fails("POST", "/endpoints/",
	      "{'Name': 'e', 'VirtualNetworkName': 'nat', 'MacAddress': '00-15-5D-GG-00-01'}",
	      400, "MacAddress", NULL);
	fails("POST", "/endpoints/",
	      "{'Name': 'e', 'VirtualNetworkName': 'nat', 'MacAddress': '01-00-5E-00-00-01'}",
	      400, "MacAddress", "unicast");
}

Test(validation, duplicate_names_conflict)
{
	make_net();
	fails("POST", "/networks/", "{'Name': 'nat', 'Type': 'Transparent'}", 409, "Name",
	      "nat");
	make_ep("e1");
	fails("POST", "/endpoints/", "{'Name': 'e1', 'VirtualNetworkName': 'nat'}", 409,
	      "Name", "e1");
}

Test(validation, unknown_ids_methods_and_paths)
{
	fails("GET", "/networks/5A3B0000-0000-4000-8000-000000000000", NULL, 404,
	      "5A3B0000", NULL);
	fails("DELETE", "/endpoints/5A3B0000-0000-4000-8000-000000000000", NULL, 404,
	      NULL, NULL);
	fails("GET", "/endpoints/not-a-guid", NULL, 404, NULL, NULL);
	fails("PUT", "/networks/", "{}", 405, "PUT", NULL);
	fails("PATCH", "/endpoints/5A3B0000-0000-4000-8000-000000000000", "{}", 405,
	      NULL, NULL);
	fails("GET", "/bogus/", NULL, 404, NULL, NULL);
	fails("GET", "/networks/a/b/c", NULL, 404, NULL, NULL);
	fails("POST", "/endpoints/5A3B0000-0000-4000-8000-000000000000/explode", "{}",
	      404, NULL, NULL);
}

Test(validation, endpoint_network_references)
{
	make_net();
	fails("POST", "/endpoints/",
	      "{'Name': 'e', 'VirtualNetwork': '5A3B0000-0000-4000-8000-000000000000'}", 404,
	      "VirtualNetwork", NULL);
	fails("POST", "/endpoints/", "{'Name': 'e', 'VirtualNetworkName': 'nope'}", 404,
	      "VirtualNetworkName", "nope");
	fails("POST", "/endpoints/", "{'Name': 'e'}", 400, "VirtualNetwork", "required");
	fails("POST", "/endpoints/", "{'Name': 'e', 'VirtualNetwork': 'xyz'}", 400,
	      "VirtualNetwork", "GUID");
	ok("POST", "/networks/", "{'Name': 'other', 'Type': 'Private'}");
	{
		char body[256];

		snprintf(body, sizeof(body),
			 "{'Name': 'e', 'VirtualNetwork': '%s', 'VirtualNetworkName': 'other'}",
			 net_id);
		fails("POST", "/endpoints/", body, 400, "VirtualNetworkName", NULL);
	}
}

Test(validation, endpoint_address_errors)
{
	make_net();
	fails("POST", "/endpoints/",
	      "{'Name': 'e', 'VirtualNetworkName': 'nat', 'IPAddress': '10.9.9.9'}", 400,
	      "IPAddress", "not in any subnet");
	fails("POST", "/endpoints/",
	      "{'Name': 'e', 'VirtualNetworkName': 'nat', 'IPAddress': '10.0.0.300'}", 400,
	      "IPAddress", NULL);
	fails("POST", "/endpoints/",
	      "{'Name': 'e', 'VirtualNetworkName': 'nat', 'PrefixLength': 33}", 400,
	      "PrefixLength", NULL);
	fails("POST", "/endpoints/",
	      "{'Name': 'e', 'VirtualNetworkName': 'nat', 'DNSServerList': '8.8.8.8,x'}",
	      400, "DNSServerList", NULL);
}

Test(validation, nothing_is_half_applied)
{
	/* the second subnet fails after the first was accepted: no network */
	fails("POST", "/networks/",
	      "{'Name': 'a', 'Type': 'NAT', 'Subnets': [{'AddressPrefix': '10.0.0.0/24'}, "
	      "{'AddressPrefix': '10.1.0.0/24', 'Policies': [{'Type': 'VLAN', 'VLAN': 0}]}]}",
	      400, "Subnets[1].Policies[0].VLAN", NULL);
	ok("GET", "/networks/", NULL);
	cr_assert_eq(json_array_size(out()), 0);
	/* and the name is free */
	ok("POST", "/networks/", "{'Name': 'a', 'Type': 'NAT'}");
}

/* ---- endpoints ---- */

Test(endpoints, create_allocates_ip_mac_prefix_and_gateway)
{
	make_net();
	make_ep("e1");
	cr_assert(is_upper_guid(ep_id));
	cr_assert_str_eq(ostr("VirtualNetwork"), net_id);
	cr_assert_str_eq(ostr("VirtualNetworkName"), "nat");
	cr_assert_str_eq(ostr("IPAddress"), "10.0.0.2");
	cr_assert_eq(oint("PrefixLength"), 24);
	cr_assert_str_eq(ostr("GatewayAddress"), "10.0.0.1");
	cr_assert_str_eq(ostr("MacAddress"), "02-15-5D-00-00-00");
	cr_assert_eq(oint("State"), 1);
}

Test(endpoints, by_network_name_with_explicit_addresses)
{
	make_net();
	ok("POST", "/endpoints/",
	   "{'Name': 'e', 'VirtualNetworkName': 'nat', 'IPAddress': '10.0.0.77', "
	   "'MacAddress': '00:15:5d:aa:bb:cc', 'DNSSuffix': 'corp', 'Policies': [], "
	   "'IPv6Address': 'FD00::0077', 'DNSServerList': '10.0.0.10, 10.0.0.11'}");
	/* as written: reconcile loops compare the strings they sent */
	cr_assert_str_eq(ostr("IPAddress"), "10.0.0.77");
	cr_assert_str_eq(ostr("MacAddress"), "00:15:5d:aa:bb:cc");
	cr_assert_str_eq(ostr("IPv6Address"), "FD00::0077");
	cr_assert_str_eq(ostr("DNSServerList"), "10.0.0.10, 10.0.0.11");
	cr_assert_str_eq(ostr("DNSSuffix"), "corp");
	cr_assert_str_eq(ostr("VirtualNetwork"), net_id);
	/* the v2 view splits the list; an update naming the same address in
	 * another spelling is no change */
	char id[64], path[160], body[256];

	snprintf(id, sizeof(id), "%s", ostr("ID"));
	snprintf(path, sizeof(path), "/endpoints/%s", id);
	snprintf(body, sizeof(body), "{'ID': '%s', 'IPv6Address': 'fd00::77'}", id);
	ok("POST", path, body);
	cr_assert_str_eq(ostr("IPv6Address"), "FD00::0077");
	snprintf(body, sizeof(body), "{'ID': '%s', 'IPv6Address': 'fd00::78'}", id);
	fails("POST", path, body, 400, "IPv6Address", "cannot be changed");
	snprintf(path, sizeof(path), "/v2/endpoints/%s", id);
	ok("GET", path, NULL);
	cr_assert_str_eq(ostr("Dns.ServerList[1]"), "10.0.0.11");
	cr_assert_str_eq(ostr("MacAddress"), "00:15:5d:aa:bb:cc");
}

Test(endpoints, list_get_delete)
{
	char path[128];

	make_net();
	make_ep("e1");
	make_ep("e2");
	ok("GET", "/endpoints/", NULL);
	cr_assert_eq(json_array_size(out()), 2);
	cr_assert_str_eq(ostr("[0].Name"), "e1");
	cr_assert_str_eq(ostr("[1].Name"), "e2");
	path_of(path, sizeof(path), "/endpoints/%s/", ep_id);
	ok("GET", path, NULL);
	cr_assert_str_eq(ostr("Name"), "e2");
	ok("DELETE", path, NULL);
	cr_assert_str_eq(ostr("Name"), "e2");
	fails("GET", path, NULL, 404, NULL, NULL);
	ok("GET", "/endpoints", NULL);
	cr_assert_eq(json_array_size(out()), 1);
}

Test(endpoints, update_changes_policies_and_dns_only)
{
	char path[128];

	make_net();
	make_ep("e1");
	path_of(path, sizeof(path), "/endpoints/%s", ep_id);
	ok("POST", path,
	   "{'Policies': [{'Type': 'NAT', 'Protocol': 'udp', 'InternalPort': 53, "
	   "'ExternalPort': 5353}], 'DNSSuffix': 'example'}");
	cr_assert_str_eq(ostr("Policies[0].Type"), "NAT");
	cr_assert_str_eq(ostr("Policies[0].Protocol"), "UDP");
	cr_assert_str_eq(ostr("DNSSuffix"), "example");
	cr_assert_str_eq(ostr("IPAddress"), "10.0.0.2");
	ok("GET", path, NULL);
	cr_assert_eq(oint("Policies[0].ExternalPort"), 5353);
	/* the same address may be repeated (hcsshim posts the whole object) */
	ok("POST", path, "{'IPAddress': '10.0.0.2', 'Name': 'e1'}");
	fails("POST", path, "{'IPAddress': '10.0.0.9'}", 400, "IPAddress", "cannot be changed");
	fails("POST", path, "{'MacAddress': '02-00-00-00-00-09'}", 400, "MacAddress", NULL);
	fails("POST", path, "{'Policies': [{'Type': 'NAT'}]}", 400,
	      "Policies[0].InternalPort", "required");
	make_ep("e2");
	fails("POST", path, "{'Name': 'e2'}", 409, "Name", NULL);
	ok("GET", path, NULL);
	cr_assert_str_eq(ostr("Name"), "e1");
	cr_assert_str_eq(ostr("Policies[0].Protocol"), "UDP");
	/* a GET result can be posted back as is */
	{
		char *text = json_dumps(out(), JSON_COMPACT);
		json_t *r = NULL;
		int st = hns_handle(h, "POST", path, text, strlen(text), &r);

		cr_assert_eq(st, 200, "%s", json_string_value(json_object_get(r, "Error")));
		json_decref(r);
		free(text);
	}
}

Test(endpoints, rename_frees_the_old_name)
{
	char path[128], first[64];

	make_net();
	make_ep("e1");
	snprintf(first, sizeof(first), "%s", ep_id);
	path_of(path, sizeof(path), "/endpoints/%s", ep_id);
	ok("POST", path, "{'Name': 'renamed'}");
	cr_assert_str_eq(ostr("Name"), "renamed");
	/* the name index holds exactly the current names */
	cr_assert_eq(h->ep_names.n, 1);
	cr_assert_null(hmap_get(&h->ep_names, "e1"));
	cr_assert_not_null(hmap_get(&h->ep_names, "renamed"));
	ok("POST", path, "{'Name': 'renamed2'}");
	cr_assert_eq(h->ep_names.n, 1);
	make_ep("e1");
	make_ep("renamed");
	fails("POST", "/endpoints/", "{'Name': 'renamed2', 'VirtualNetworkName': 'nat'}",
	      409, "renamed2", first);
	ok("GET", path, NULL);
	cr_assert_str_eq(ostr("Name"), "renamed2");
}

Test(endpoints, ids_and_references_in_any_case)
{
	char body[256], lower[64], path[128];

	make_net();
	snprintf(lower, sizeof(lower), "%s", net_id);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	snprintf(body, sizeof(body), "{'Name': 'e', 'VirtualNetwork': '%s'}", lower);
	ok("POST", "/endpoints/", body);
	cr_assert_str_eq(ostr("VirtualNetwork"), net_id);
	snprintf(lower, sizeof(lower), "%s", ostr("ID"));
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	path_of(path, sizeof(path), "/endpoints/{%s}", lower);
	ok("GET", path, NULL);
	cr_assert_str_eq(ostr("Name"), "e");
}

/* ---- policies ---- */

static void ep_with_policy(const char *policy_json)
{
	char body[1024];

	snprintf(body, sizeof(body), "{'Name': 'p', 'VirtualNetworkName': 'nat', "
		 "'Policies': [%s]}", policy_json);
	ok("POST", "/endpoints/", body);
}

static void ep_policy_fails(const char *policy_json, const char *frag,
			    const char *frag2)
{
	char body[1024];

	snprintf(body, sizeof(body), "{'Name': 'p', 'VirtualNetworkName': 'nat', "
		 "'Policies': [%s]}", policy_json);
	fails("POST", "/endpoints/", body, 400, frag, frag2);
}

Test(policies, every_v1_endpoint_policy_type_is_stored)
{
	make_net();
	ok("POST", "/endpoints/",
	   "{'Name': 'p', 'VirtualNetworkName': 'nat', 'Policies': ["
	   "{'Type': 'NAT', 'Protocol': 'tcp', 'InternalPort': 80, 'ExternalPort': 8080},"
	   "{'Type': 'ACL', 'Protocols': '6,17', 'Action': 'block', 'Direction': 'In', "
	   " 'LocalAddresses': '10.0.0.0/24', 'RemoteAddresses': '192.168.1.1,10.1.0.0/16', "
	   " 'LocalPorts': '80,443,8000-8080', 'RemotePorts': '1024-65535', "
	   " 'RuleType': 'switch', 'Priority': 100},"
	   "{'Type': 'VLAN', 'VLAN': 10},"
	   "{'Type': 'OutBoundNAT', 'VIP': '192.0.2.10', 'ExceptionList': "
	   " ['10.0.0.0/8', '172.16.0.0/12'], 'Destinations': ['192.0.2.0/24']},"
	   "{'Type': 'ROUTE', 'DestinationPrefix': '10.2.0.0/16', 'NeedEncap': true},"
	   "{'Type': 'QOS', 'MaximumOutgoingBandwidthInBytes': 1000000}]}");
	cr_assert_str_eq(ostr("Policies[0].Protocol"), "TCP");
	cr_assert_eq(oint("Policies[0].ExternalPort"), 8080);
	cr_assert_str_eq(ostr("Policies[1].Action"), "Block");
	cr_assert_str_eq(ostr("Policies[1].RuleType"), "Switch");
	cr_assert_eq(oint("Policies[1].Priority"), 100);
	cr_assert_eq(oint("Policies[2].VLAN"), 10);
	cr_assert_str_eq(ostr("Policies[3].ExceptionList[1]"), "172.16.0.0/12");
	cr_assert_str_eq(ostr("Policies[4].Type"), "ROUTE");
	cr_assert(json_is_true(jget(out(), "Policies[4].NeedEncap")));
	cr_assert_eq(oint("Policies[5].MaximumOutgoingBandwidthInBytes"), 1000000);
}

Test(policies, nat_policy_errors)
{
	make_net();
	ep_policy_fails("{'Type': 'NAT', 'InternalPort': 70000, 'ExternalPort': 80}",
			"Policies[0].InternalPort", "out of range");
	ep_policy_fails("{'Type': 'NAT', 'Protocol': 'ICMP', 'InternalPort': 1, 'ExternalPort': 1}",
			"Policies[0].Protocol", NULL);
	ep_policy_fails("{'Type': 'NAT', 'InternalPort': 80}", "Policies[0].ExternalPort",
			"required");
	ep_with_policy("{'Type': 'NAT', 'InternalPort': 80, 'ExternalPort': 80, 'Port': 1}");
	cr_assert(warned("Policies[0].Port: not a field of a NAT policy; ignored"));
	cr_assert_null(jget(out(), "Policies[0].Port"));
	ok("DELETE", P("/endpoints/%s", ostr("ID")), NULL);
	ep_with_policy("{'Type': 'nat', 'InternalPort': 80, 'ExternalPort': 80}");
	cr_assert_str_eq(ostr("Policies[0].Protocol"), "TCP");
}

Test(policies, acl_policy_errors)
{
	make_net();
	ep_policy_fails("{'Type': 'ACL', 'Action': 'Deny', 'Direction': 'In'}",
			"Policies[0].Action", "Deny");
	ep_policy_fails("{'Type': 'ACL', 'Action': 'Allow', 'Direction': 'Both'}",
			"Policies[0].Direction", NULL);
	ep_policy_fails("{'Type': 'ACL', 'Action': 'Allow'}", "Policies[0].Direction",
			"required");
	ep_policy_fails("{'Type': 'ACL', 'Action': 'Allow', 'Direction': 'Out', "
			"'RemoteAddresses': '10.0.0.0/40'}", "Policies[0].RemoteAddresses", NULL);
	ep_policy_fails("{'Type': 'ACL', 'Action': 'Allow', 'Direction': 'Out', "
			"'LocalAddresses': '10.0.0.1,,10.0.0.2'}", "Policies[0].LocalAddresses",
			"empty item");
	ep_policy_fails("{'Type': 'ACL', 'Action': 'Allow', 'Direction': 'Out', "
			"'LocalPorts': '80-70'}", "Policies[0].LocalPorts", NULL);
	ep_policy_fails("{'Type': 'ACL', 'Action': 'Allow', 'Direction': 'Out', "
			"'RemotePorts': '65536'}", "Policies[0].RemotePorts", NULL);
	ep_policy_fails("{'Type': 'ACL', 'Action': 'Allow', 'Direction': 'Out', "
			"'Protocols': 'TCP,999'}", "Policies[0].Protocols", "999");
	ep_policy_fails("{'Type': 'ACL', 'Action': 'Allow', 'Direction': 'Out', "
			"'RuleType': 'Firewall'}", "Policies[0].RuleType", NULL);
	/* accepted only if the switch can enforce it (the same reader
	 * installs the rules): no address pair of one IP version, or ports
	 * on a protocol that has none */
	ep_policy_fails("{'Type': 'ACL', 'Action': 'Allow', 'Direction': 'Out', "
			"'LocalAddresses': '10.0.0.1', 'RemoteAddresses': 'fd00::1'}",
			"Policies[0].RemoteAddresses", "same IP version");
	ep_policy_fails("{'Type': 'ACL', 'Action': 'Allow', 'Direction': 'Out', "
			"'Protocols': '1', 'RemotePorts': '80'}",
			"Policies[0].RemotePorts", "has no ports");
	ep_with_policy("{'Type': 'ACL', 'Id': 'r1', 'Protocol': 6, 'Action': 'Allow', "
		       "'Direction': 'Out', 'RemotePort': 443, 'RuleType': 'Host', 'Priority': 200}");
	cr_assert_eq(oint("Policies[0].Protocol"), 6);
}

Test(policies, vlan_outboundnat_route_qos_errors)
{
	make_net();
	ep_policy_fails("{'Type': 'VLAN', 'VLAN': 4095}", "Policies[0].VLAN", "out of range");
	ep_policy_fails("{'Type': 'VLAN', 'VLAN': 0}", "Policies[0].VLAN", NULL);
	ep_policy_fails("{'Type': 'VLAN', 'VLAN': '10'}", "Policies[0].VLAN", "integer");
	ep_policy_fails("{'Type': 'OutBoundNAT', 'VIP': '1.2.3'}", "Policies[0].VIP", NULL);
	ep_policy_fails("{'Type': 'OutBoundNAT', 'ExceptionList': ['10.0.0.0/8', 'x']}",
			"Policies[0].ExceptionList[1]", NULL);
	ep_policy_fails("{'Type': 'OutBoundNAT', 'ExceptionList': '10.0.0.0/8'}",
			"Policies[0].ExceptionList", "array");
	ep_policy_fails("{'Type': 'ROUTE', 'DestinationPrefix': '10.0.0.0'}",
			"Policies[0].DestinationPrefix", NULL);
	ep_policy_fails("{'Type': 'ROUTE'}", "Policies[0].DestinationPrefix", "required");
	ep_policy_fails("{'Type': 'ROUTE', 'DestinationPrefix': '10.0.0.0/8', 'NeedEncap': 1}",
			"Policies[0].NeedEncap", "boolean");
	ep_policy_fails("{'Type': 'QOS'}", "Policies[0].MaximumOutgoingBandwidthInBytes",
			"required");
	ep_policy_fails("{'Type': 'QOS', 'MaximumOutgoingBandwidthInBytes': -1}",
			"Policies[0].MaximumOutgoingBandwidthInBytes", NULL);
}

Test(policies, unknown_and_misplaced_types_are_kept_with_a_warning)
{
	make_net();
	ep_policy_fails("{'VLAN': 3}", "Policies[0].Type", "required");
	ep_policy_fails("{'Type': 'VLAN', 'VLAN': 3}, 7", "Policies[1]", "object");
	/* a type not enforced here is stored verbatim and reported */
	ep_with_policy("{'Type': 'FIREWALL', 'Rule': {'x': 1}}");
	cr_assert(warned("Policies[0].Type"));
	cr_assert(warned("FIREWALL"));
	cr_assert_eq(oint("Policies[0].Rule.x"), 1);
	ok("DELETE", P("/endpoints/%s", ostr("ID")), NULL);
	/* ELB only belongs in policy lists, VSID only on networks/subnets */
	ep_with_policy("{'Type': 'ELB', 'VIPs': ['not-checked']}");
	cr_assert(warned("not enforced on an endpoint"));
	cr_assert_str_eq(ostr("Policies[0].VIPs[0]"), "not-checked");
	ok("POST", "/networks/",
	   "{'Name': 'b', 'Type': 'Overlay', 'Subnets': [{'AddressPrefix': '10.5.0.0/24', "
	   "'Policies': [{'Type': 'NAT', 'InternalPort': 1, 'ExternalPort': 1}]}]}");
	cr_assert(warned("Subnets[0].Policies[0].Type"));
}

Test(policies, subnet_and_network_policies)
{
	ok("POST", "/networks/",
	   "{'Name': 'ov', 'Type': 'Overlay', 'Policies': [{'Type': 'VSID', 'VSID': 4096}], "
	   "'Subnets': [{'AddressPrefix': '10.5.0.0/24', 'GatewayAddress': '10.5.0.1', "
	   "'Policies': [{'Type': 'VSID', 'VSID': 5000}, {'Type': 'VLAN', 'VLAN': 7}]}]}");
	cr_assert_eq(oint("Policies[0].VSID"), 4096);
	cr_assert_eq(oint("Subnets[0].Policies[0].VSID"), 5000);
	cr_assert_eq(oint("Subnets[0].Policies[1].VLAN"), 7);
	fails("POST", "/networks/",
	      "{'Name': 'ov2', 'Type': 'Overlay', 'Subnets': [{'AddressPrefix': '10.6.0.0/24', "
	      "'Policies': [{'Type': 'VSID', 'VSID': 99999999}]}]}",
	      400, "Subnets[0].Policies[0].VSID", NULL);
}

/* ---- attach / detach / stats ---- */

Test(attach, attach_to_an_existing_port_calls_the_dataplane)
{
	char path[128];

	make_net();
	make_ep("e1");
	path_of(path, sizeof(path), "/endpoints/%s/attach", ep_id);
	ok("POST", path, "{'SystemType': 'VirtualMachine', 'VirtualNicName': 'c1'}");
	cr_assert_eq(fk.attached, 1);
	cr_assert_str_eq(fk.attached_port, "c1");
	cr_assert_str_eq(fk.attached_ep, ep_id);
	cr_assert_eq(fk.add_calls, 0);
	cr_assert_eq(oint("State"), 2);
	cr_assert_str_eq(ostr("VirtualNicName"), "c1");
	path_of(path, sizeof(path), "/endpoints/%s", ep_id);
	ok("GET", path, NULL);
	cr_assert_eq(oint("State"), 2);
	path_of(path, sizeof(path), "/endpoints/%s/attach", ep_id);
	fails("POST", path, "{'VirtualNicName': 'c2'}", 409, "already attached", NULL);
	path_of(path, sizeof(path), "/endpoints/%s/detach", ep_id);
	ok("POST", path, "{'SystemType': 'VirtualMachine'}");
	cr_assert_eq(fk.detached, 1);
	cr_assert_str_eq(fk.detached_port, "c1");
	cr_assert_eq(oint("State"), 4);
	cr_assert_null(jget(out(), "VirtualNicName"));
	fails("POST", path, "", 409, "not attached", NULL);
}

Test(attach, unknown_port_without_devargs_is_named)
{
	char path[128];

	make_net();
	make_ep("e1");
	path_of(path, sizeof(path), "/endpoints/%s/attach", ep_id);
	fails("POST", path, "{'VirtualNicName': 'vm7'}", 404, "VirtualNicName", "vm7");
	cr_assert_eq(fk.attached, 0);
	fails("POST", path, "{}", 400, "VirtualNicName", "required");
	fails("POST", path, "{'VirtualNicName': 'vm7', 'Bogus': 1}", 404, "VirtualNicName", NULL);
	path_of(path, sizeof(path), "/endpoints/%s", ep_id);
	ok("GET", path, NULL);
	cr_assert_eq(oint("State"), 1);
}

Test(attach, devargs_hot_plugs_the_port)
{
	char path[128];

	make_net();
	make_ep("e1");
	path_of(path, sizeof(path), "/endpoints/%s/attach", ep_id);
	ok("POST", path, "{'VirtualNicName': 'vm7', 'Devargs': 'net_tap0,iface=vm7'}");
	cr_assert_eq(fk.add_calls, 1);
	cr_assert_str_eq(fk.added, "vm7");
	cr_assert_str_eq(fk.devargs, "net_tap0,iface=vm7");
	cr_assert_eq(fk.attached, 1);
	cr_assert_str_eq(fk.attached_port, "vm7");
}

Test(attach, failed_hot_plug_records_nothing)
{
	char path[128];

	make_net();
	make_ep("e1");
	fk.add_fail = 1;
	path_of(path, sizeof(path), "/endpoints/%s/attach", ep_id);
	fails("POST", path, "{'VirtualNicName': 'vm7', 'Devargs': 'net_bogus0'}", 400,
	      "Devargs", "probe failed");
	cr_assert_eq(fk.attached, 0);
	path_of(path, sizeof(path), "/endpoints/%s", ep_id);
	ok("GET", path, NULL);
	cr_assert_eq(oint("State"), 1);
}

Test(attach, a_port_holds_one_endpoint)
{
	char path[128], first[64];

	make_net();
	make_ep("e1");
	snprintf(first, sizeof(first), "%s", ep_id);
	path_of(path, sizeof(path), "/endpoints/%s/attach", ep_id);
	ok("POST", path, "{'VirtualNicName': 'c1'}");
	make_ep("e2");
	path_of(path, sizeof(path), "/endpoints/%s/attach", ep_id);
	fails("POST", path, "{'VirtualNicName': 'c1'}", 409, "c1", first);
	/* deleting the first endpoint detaches it and frees the port */
	path_of(path, sizeof(path), "/endpoints/%s", first);
	ok("DELETE", path, NULL);
	cr_assert_eq(fk.detached, 1);
	path_of(path, sizeof(path), "/endpoints/%s/attach", ep_id);
	ok("POST", path, "{'VirtualNicName': 'c1'}");
}

Test(attach, endpointstats_zero_until_attached)
{
	char path[128], apath[128];

	make_net();
	make_ep("e1");
	path_of(path, sizeof(path), "/endpointstats/%s", ep_id);
	ok("GET", path, NULL);
	cr_assert_eq(oint("BytesReceived"), 0);
	cr_assert_eq(oint("BytesSent"), 0);
	cr_assert_eq(oint("PacketsReceived"), 0);
	cr_assert_eq(oint("PacketsSent"), 0);
	cr_assert_eq(oint("DroppedPacketsIncoming"), 0);
	cr_assert_eq(oint("DroppedPacketsOutgoing"), 0);
	cr_assert_eq(fk.stats_calls, 0);
	path_of(apath, sizeof(apath), "/endpoints/%s/attach", ep_id);
	ok("POST", apath, "{'VirtualNicName': 'c2'}");
	ok("GET", path, NULL);
	cr_assert_eq(fk.stats_calls, 1);
	cr_assert_eq(oint("BytesReceived"), 1000);
	cr_assert_eq(oint("PacketsSent"), 20);
	cr_assert_eq(oint("DroppedPacketsOutgoing"), 2);
	cr_assert_str_eq(ostr("EndpointId"), ep_id);
	fails("GET", "/endpointstats/5A3B0000-0000-4000-8000-000000000000", NULL, 404,
	      NULL, NULL);
	fails("POST", path, "{}", 405, NULL, NULL);
}

Test(attach, update_of_an_attached_endpoint_is_announced)
{
	char path[128];

	make_net();
	make_ep("e1");
	path_of(path, sizeof(path), "/endpoints/%s/attach", ep_id);
	ok("POST", path, "{'VirtualNicName': 'c1'}");
	path_of(path, sizeof(path), "/endpoints/%s", ep_id);
	ok("POST", path, "{'Policies': [{'Type': 'VLAN', 'VLAN': 5}]}");
	cr_assert_eq(fk.detached, 1);
	cr_assert_eq(fk.attached, 2);
	cr_assert_eq(oint("State"), 2);
}

/* ---- policy lists ---- */

Test(policylists, elb_and_route_lists)
{
	char body[512], path[128], plid[64];

	make_net();
	make_ep("e1");
	snprintf(body, sizeof(body),
		 "{'References': ['/endpoints/%s'], 'Policies': [{'Type': 'ELB', "
		 "'Protocol': 6, 'InternalPort': 80, 'ExternalPort': 8080, "
		 "'SourceVIP': '10.0.0.250', 'VIPs': ['192.0.2.5'], 'ILB': false}]}",
		 ep_id);
	ok("POST", "/policylists/", body);
	snprintf(plid, sizeof(plid), "%s", ostr("ID"));
	cr_assert(is_upper_guid(plid));
	cr_assert_str_eq(ostr("Policies[0].Type"), "ELB");
	cr_assert_str_eq(ostr("Policies[0].VIPs[0]"), "192.0.2.5");
	snprintf(body, sizeof(body),
		 "{'References': ['/endpoints/%s'], 'Policies': [{'Type': 'ROUTE', "
		 "'DestinationPrefix': '10.9.0.0/16', 'NextHop': '10.0.0.1', 'NeedEncap': true}]}",
		 ep_id);
	ok("POST", "/policylists", body);
	ok("GET", "/policylists/", NULL);
	cr_assert_eq(json_array_size(out()), 2);
	path_of(path, sizeof(path), "/policylists/%s", plid);
	ok("GET", path, NULL);
	cr_assert_eq(oint("Policies[0].ExternalPort"), 8080);
	ok("DELETE", path, NULL);
	fails("GET", path, NULL, 404, NULL, NULL);
	/* hcsshim's AddEndpoint deletes then re-creates with the same ID */
	snprintf(body, sizeof(body), "{'ID': '%s', 'References': [], 'Policies': []}", plid);
	ok("POST", "/policylists/", body);
	cr_assert_str_eq(ostr("ID"), plid);
}

Test(policylists, validation)
{
	make_net();
	fails("POST", "/policylists/",
	      "{'References': ['/endpoints/5A3B0000-0000-4000-8000-000000000000'], 'Policies': []}",
	      404, "References[0]", NULL);
	fails("POST", "/policylists/", "{'References': ['endpoints/x'], 'Policies': []}",
	      400, "References[0]", NULL);
	ok("POST", "/policylists/",
	   "{'Policies': [{'Type': 'NAT', 'InternalPort': 1, 'ExternalPort': 1}]}");
	cr_assert(warned("not enforced on a policy list"));
	fails("POST", "/policylists/",
	      "{'Policies': [{'Type': 'ELB', 'InternalPort': 99999}]}", 400,
	      "Policies[0].InternalPort", NULL);
	/* an ELB list is a load balancer: a protocol, a port, a backend */
	fails("POST", "/policylists/",
	      "{'Policies': [{'Type': 'ELB', 'InternalPort': 80, 'ExternalPort': 80}]}",
	      400, "Policies[0].Protocol", NULL);
	fails("POST", "/policylists/",
	      "{'Policies': [{'Type': 'ELB', 'Protocol': 6, 'InternalPort': 80, "
	      "'ExternalPort': 80}]}", 400, "References", "backend");
	ok("POST", "/policylists/", "{'Policy': []}");
	cr_assert(warned("Policy: not an HNS field; kept"));
	cr_assert(json_is_array(jget(out(), "Policy")));
	/* a wire key of another type is ignored, not kept */
	ok("POST", "/policylists/", "{'Subnets': []}");
	cr_assert(warned("Subnets: not a field here; ignored"));
	cr_assert_null(jget(out(), "Subnets"));
	fails("PUT", "/policylists/", "{}", 405, NULL, NULL);
}

/* ---- hns_apply_config ---- */

static json_t *jl(const char *text_sq)
{
	char *t = sq(text_sq);
	json_error_t je;
	json_t *v = json_loads(t, 0, &je);

	cr_assert_not_null(v, "%s", je.text);
	free(t);
	return v;
}

Test(config, all_elements_applied_through_the_post_path)
{
	json_t *nets = jl("[{'Name': 'cfg', 'Type': 'L2Bridge', 'Subnets': "
			  "[{'AddressPrefix': '192.168.5.0/24', 'GatewayAddress': '192.168.5.1'}]}]");
	json_t *eps = jl("[{'Name': 'a', 'VirtualNetworkName': 'cfg'}, "
			 "{'Name': 'b', 'VirtualNetworkName': 'cfg', 'IPAddress': '192.168.5.9'}]");
	char e[256] = "";

	cr_assert_eq(hns_apply_config(h, nets, eps, e, sizeof(e)), 0, "%s", e);
	ok("GET", "/endpoints/", NULL);
	cr_assert_eq(json_array_size(out()), 2);
	cr_assert_str_eq(ostr("[0].IPAddress"), "192.168.5.2");
	cr_assert_str_eq(ostr("[1].IPAddress"), "192.168.5.9");
	/* applying the same config again (restart with a state store) skips
	 * what exists */
	cr_assert_eq(hns_apply_config(h, nets, eps, e, sizeof(e)), 0, "%s", e);
	ok("GET", "/endpoints/", NULL);
	cr_assert_eq(json_array_size(out()), 2);
	/* but the same name with another ID is a conflict */
	json_object_set_new(json_array_get(nets, 0), "ID",
			    json_string("0A1B2C3D-1111-4222-8333-444455556666"));
	cr_assert_eq(hns_apply_config(h, nets, NULL, e, sizeof(e)), -1);
	cr_assert(strncmp(e, "Networks[0].Name: ", 18) == 0, "%s", e);
	json_decref(nets);
	json_decref(eps);
}

Test(config, one_bad_element_applies_nothing)
{
	json_t *nets = jl("[{'Name': 'ok1', 'Type': 'NAT'}, {'Name': 'bad', 'Type': 'NAT', "
			  "'Subnets': [{'AddressPrefix': '10.0.0.0/33'}]}]");
	json_t *eps = jl("[{'Name': 'a', 'VirtualNetworkName': 'ok1'}]");
	json_t *nets2 = jl("[{'Name': 'ok2', 'Type': 'NAT', 'Subnets': "
			   "[{'AddressPrefix': '10.0.0.0/24'}]}]");
	json_t *eps2 = jl("[{'Name': 'a', 'VirtualNetworkName': 'ok2'}, "
			  "{'Name': 'a', 'VirtualNetworkName': 'ok2'}]");
	char e[256] = "";

	cr_assert_eq(hns_apply_config(h, nets, eps, e, sizeof(e)), -1);
	cr_assert(strncmp(e, "Networks[1].Subnets[0].AddressPrefix: ", 38) == 0, "%s", e);
	ok("GET", "/networks/", NULL);
	cr_assert_eq(json_array_size(out()), 0);
	ok("GET", "/endpoints/", NULL);
	cr_assert_eq(json_array_size(out()), 0);
	/* a duplicate within the config is a conflict, not a skip */
	cr_assert_eq(hns_apply_config(h, nets2, eps2, e, sizeof(e)), -1);
	cr_assert(strncmp(e, "Endpoints[1].Name: ", 19) == 0, "%s", e);
	ok("GET", "/networks/", NULL);
	cr_assert_eq(json_array_size(out()), 0);
	{
		json_t *notarray = json_object();

		cr_assert_eq(hns_apply_config(h, notarray, NULL, e, sizeof(e)), -1);
		cr_assert_str_eq(e, "Networks: must be an array");
		json_decref(notarray);
	}
	json_decref(nets);
	json_decref(eps);
	json_decref(nets2);
	json_decref(eps2);
}

/* ---- persistence ---- */

static char dbpath[256];

static struct hns_store *open_store(void)
{
	char e[256];
	struct hns_store *s = store_open(dbpath, e, sizeof(e));

	cr_assert_not_null(s, "%s", e);
	return s;
}

static void remove_db(void)
{
	char p[300];

	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
}

static char *get_dump(const char *path)
{
	ok("GET", path, NULL);
	return json_dumps(out(), JSON_COMPACT);
}

Test(persistence, reload_gives_byte_identical_objects_and_reattaches)
{
	static const char *paths[] = {
		"/networks/", "/endpoints/", "/policylists/", "/namespaces/",
		"/v2/networks", "/v2/endpoints", "/v2/namespaces",
	};
	char *before[7], body[512], path[128], e[256], keep_ep[64], gone_ep[64];
	struct hns_store *st;

	snprintf(dbpath, sizeof(dbpath), "/tmp/test_hns_v1_%d.db", (int)getpid());
	remove_db();
	memset(&fk, 0, sizeof(fk));
	snprintf(fk.ports[fk.n_ports++], sizeof(fk.ports[0]), "c1");
	snprintf(fk.ports[fk.n_ports++], sizeof(fk.ports[0]), "tmp0");
	st = open_store();
	h = hns_create(st, &fake_dp, e, sizeof(e));
	cr_assert_not_null(h, "%s", e);
	make_net();
	ok("POST", "/networks/",
	   "{'Name': 'l2', 'Type': 'L2Bridge', 'MacPools': [{'StartMacAddress': "
	   "'00-15-5D-01-00-00', 'EndMacAddress': '00-15-5D-01-00-FF'}], 'Subnets': "
	   "[{'AddressPrefix': '172.20.0.0/16', 'GatewayAddress': '172.20.0.1', "
	   "'Policies': [{'Type': 'VLAN', 'VLAN': 20}]}]}");
	make_ep("e1");
	snprintf(keep_ep, sizeof(keep_ep), "%s", ep_id);
	path_of(path, sizeof(path), "/endpoints/%s/attach", ep_id);
	ok("POST", path, "{'VirtualNicName': 'c1'}");
	make_ep("e2");
	snprintf(gone_ep, sizeof(gone_ep), "%s", ep_id);
	path_of(path, sizeof(path), "/endpoints/%s/attach", ep_id);
	ok("POST", path, "{'VirtualNicName': 'tmp0'}");
	make_ep("e3");
	path_of(path, sizeof(path), "/endpoints/%s", ep_id);
	ok("POST", path,
	   "{'Policies': [{'Type': 'ACL', 'Action': 'Allow', 'Direction': 'In', "
	   "'RemoteAddresses': '10.0.0.0/8'}, {'Type': 'NAT', 'InternalPort': 80, "
	   "'ExternalPort': 8080}]}");
	ok("POST", "/endpoints/", "{'Name': 'l2e', 'VirtualNetworkName': 'l2'}");
	snprintf(body, sizeof(body), "{'References': ['/endpoints/%s'], 'Policies': "
		 "[{'Type': 'ELB', 'Protocol': 6, 'InternalPort': 80, 'ExternalPort': 80}]}", keep_ep);
	ok("POST", "/policylists/", body);
	ok("POST", "/v2/namespaces", "{'Type': 'Host'}");
	path_of(path, sizeof(path), "/v2/namespaces/%s", ostr("ID"));
	snprintf(body, sizeof(body), "{'ResourceType': 'Endpoint', 'RequestType': 'Add', "
		 "'Settings': {'EndpointId': '%s'}}", keep_ep);
	ok("PATCH", path, body);
	/* a deleted endpoint stays deleted and its address is free again */
	make_ep("gone");
	path_of(path, sizeof(path), "/endpoints/%s", ep_id);
	ok("DELETE", path, NULL);
	for (int i = 0; i < 7; i++)
		before[i] = get_dump(paths[i]);
	hns_destroy(h);
	store_close(st);

	/* restart: port tmp0 has vanished and has no Devargs */
	memset(&fk, 0, sizeof(fk));
	snprintf(fk.ports[fk.n_ports++], sizeof(fk.ports[0]), "c1");
	st = open_store();
	h = hns_create(st, &fake_dp, e, sizeof(e));
	cr_assert_not_null(h, "%s", e);
	cr_assert_eq(fk.attached, 1);
	cr_assert_str_eq(fk.attached_port, "c1");
	cr_assert_str_eq(fk.attached_ep, keep_ep);
	for (int i = 0; i < 7; i++) {
		char *after = get_dump(paths[i]);

		if (i == 1 || i == 5) {
			/* the endpoint whose port vanished is kept, detached */
			path_of(path, sizeof(path), "/endpoints/%s", gone_ep);
			ok("GET", path, NULL);
			cr_assert_eq(oint("State"), 4);
			cr_assert_null(jget(out(), "VirtualNicName"));
		} else {
			cr_assert_str_eq(after, before[i], "%s differs after reload",
					 paths[i]);
		}
		free(after);
	}
	/* the same dump with only that endpoint's state differing */
	{
		char *after = get_dump("/endpoints/");
		json_t *a = json_loads(after, 0, NULL), *b = json_loads(before[1], 0, NULL);

		cr_assert_eq(json_array_size(a), json_array_size(b));
		for (size_t i = 0; i < json_array_size(a); i++) {
			json_t *x = json_array_get(a, i), *y = json_array_get(b, i);

			if (strcmp(json_string_value(json_object_get(x, "ID")), gone_ep) == 0) {
				json_object_del(x, "State");
				json_object_del(y, "State");
				json_object_del(y, "VirtualNicName");
			}
			cr_assert(json_equal(x, y), "endpoint %zu differs", i);
		}
		json_decref(a);
		json_decref(b);
		free(after);
	}
	/* and allocation continues where it was: the freed address is reused,
	 * nothing in use is handed out twice */
	make_ep("new");
	cr_assert_str_eq(ostr("IPAddress"), "10.0.0.5");
	cr_assert_str_eq(ostr("MacAddress"), "02-15-5D-00-00-03");
	for (int i = 0; i < 7; i++)
		free(before[i]);
	json_decref(resp);
	resp = NULL;
	hns_destroy(h);
	h = NULL;
	store_close(st);
	remove_db();
}

Test(persistence, hot_plugged_ports_are_plugged_again_on_reload)
{
	char e[256], path[128];
	struct hns_store *st;

	snprintf(dbpath, sizeof(dbpath), "/tmp/test_hns_v1_hp_%d.db", (int)getpid());
	remove_db();
	memset(&fk, 0, sizeof(fk));
	st = open_store();
	h = hns_create(st, &fake_dp, e, sizeof(e));
	cr_assert_not_null(h, "%s", e);
	make_net();
	make_ep("vm");
	path_of(path, sizeof(path), "/endpoints/%s/attach", ep_id);
	ok("POST", path, "{'VirtualNicName': 'vm7', 'Devargs': 'net_tap7,iface=vm7'}");
	cr_assert_eq(fk.add_calls, 1);
	json_decref(resp);
	resp = NULL;
	hns_destroy(h);
	store_close(st);

	memset(&fk, 0, sizeof(fk)); /* a fresh switch: no port vm7 */
	st = open_store();
	h = hns_create(st, &fake_dp, e, sizeof(e));
	cr_assert_not_null(h, "%s", e);
	cr_assert_eq(fk.add_calls, 1);
	cr_assert_str_eq(fk.added, "vm7");
	cr_assert_str_eq(fk.devargs, "net_tap7,iface=vm7");
	cr_assert_eq(fk.attached, 1);
	cr_assert_str_eq(fk.attached_ep, ep_id);
	path_of(path, sizeof(path), "/endpoints/%s", ep_id);
	ok("GET", path, NULL);
	cr_assert_eq(oint("State"), 2);
	cr_assert_str_eq(ostr("VirtualNicName"), "vm7");
	json_decref(resp);
	resp = NULL;
	hns_destroy(h);
	h = NULL;
	store_close(st);
	remove_db();
}

/* A v2 DNS ServerList of any length is stored whole and read back: a list
 * cut to a fixed buffer was once stored and then refused at the next
 * start, which stopped the daemon on its own state file. */
Test(persistence, long_dns_server_list_survives_a_restart)
{
	char e[256], *body, path[128];
	struct hns_store *st;
	size_t n = 0, cap = 16384;
	const int servers = 200; /* about 2.7 KiB joined */

	snprintf(dbpath, sizeof(dbpath), "/tmp/test_hns_v1_dns_%d.db", (int)getpid());
	remove_db();
	body = malloc(cap);
	cr_assert_not_null(body);
	n += (size_t)snprintf(body + n, cap - n, "{'Name': 'dnsnet', 'Type': 'NAT', "
			      "'Ipams': [{'Subnets': [{'IpAddressPrefix': '10.9.0.0/24'}]}], "
			      "'Dns': {'ServerList': [");
	for (int i = 0; i < servers; i++)
		n += (size_t)snprintf(body + n, cap - n, "%s'10.200.%d.%d'", i ? ", " : "",
				      i / 100, i % 100 + 100);
	snprintf(body + n, cap - n, "]}, 'SchemaVersion': {'Major': 2, 'Minor': 0}}");
	st = open_store();
	h = hns_create(st, &fake_dp, e, sizeof(e));
	cr_assert_not_null(h, "%s", e);
	ok("POST", "/v2/networks", body);
	free(body);
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
	hns_destroy(h);
	store_close(st);

	st = open_store();
	h = hns_create(st, &fake_dp, e, sizeof(e));
	cr_assert_not_null(h, "restart refused: %s", e);
	path_of(path, sizeof(path), "/v2/networks/%s", net_id);
	ok("GET", path, NULL);
	cr_assert_eq(json_array_size(jget(out(), "Dns.ServerList")), (size_t)servers);
	cr_assert_str_eq(ostr("Dns.ServerList[199]"), "10.200.1.199");
	json_decref(resp);
	resp = NULL;
	hns_destroy(h);
	h = NULL;
	store_close(st);
	remove_db();
}

/* A stored object the model refuses (a row written by a damaged or older
 * build) is left out with a warning and kept in the store; everything else
 * comes back and the start goes on. */
Test(persistence, a_refused_stored_object_does_not_stop_the_start)
{
	char e[256], path[128], bad_net[64];
	struct hns_store *st;
	int rows = 0;

	snprintf(dbpath, sizeof(dbpath), "/tmp/test_hns_v1_bad_%d.db", (int)getpid());
	remove_db();
	memset(&fk, 0, sizeof(fk));
	st = open_store();
	h = hns_create(st, &fake_dp, e, sizeof(e));
	cr_assert_not_null(h, "%s", e);
	make_net();
	make_ep("good");
	ok("POST", "/networks/",
	   "{'Name': 'doomed', 'Type': 'NAT', 'Subnets': [{'AddressPrefix': "
	   "'10.1.0.0/24', 'GatewayAddress': '10.1.0.1'}]}");
	snprintf(bad_net, sizeof(bad_net), "%s", ostr("ID"));
	ok("POST", "/endpoints/", "{'Name': 'orphan', 'VirtualNetworkName': 'doomed'}");
	hns_destroy(h);
	store_close(st);

	/* damage the stored network: a cut address, and a row that is not JSON */
	{
		sqlite3 *db;
		char sql[512];

		cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
		snprintf(sql, sizeof(sql), "UPDATE objects SET json = replace(json, "
			 "'10.1.0.0/24', '10.1.0.') WHERE id = '%s'", bad_net);
		cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK,
			     "%s", sqlite3_errmsg(db));
		cr_assert_eq(sqlite3_changes(db), 1);
		cr_assert_eq(sqlite3_exec(db, "INSERT INTO objects (kind, id, seq, json) "
					  "VALUES ('endpoint', 'junk', 999, '{cut')", NULL,
					  NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
		sqlite3_close(db);
	}

	st = open_store();
	h = hns_create(st, &fake_dp, e, sizeof(e));
	cr_assert_not_null(h, "restart refused: %s", e);
	ok("GET", "/networks/", NULL);
	cr_assert_eq(json_array_size(out()), 1);
	cr_assert_str_eq(ostr("[0].Name"), "nat");
	ok("GET", "/endpoints/", NULL);
	cr_assert_eq(json_array_size(out()), 1, "only the endpoint of the good network");
	cr_assert_str_eq(ostr("[0].Name"), "good");
	/* the left-out rows stay stored for a later version to read */
	{
		sqlite3 *db;
		sqlite3_stmt *q;

		cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
		cr_assert_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM objects", -1,
						&q, NULL), SQLITE_OK);
		cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
		rows = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
		sqlite3_close(db);
	}
	cr_assert_eq(rows, 5, "rows in the store: %d", rows);
	path_of(path, sizeof(path), "/networks/%s", bad_net);
	fails("GET", path, NULL, 404, NULL, NULL);
	json_decref(resp);
	resp = NULL;
	hns_destroy(h);
	h = NULL;
	store_close(st);
	remove_db();
}

Test(persistence, store_failure_rolls_back_memory)
{
	char e[256];
	struct hns_store *st;
	sqlite3 *other;

	snprintf(dbpath, sizeof(dbpath), "/tmp/test_hns_v1_rb_%d.db", (int)getpid());
	remove_db();
	st = open_store();
	h = hns_create(st, NULL, e, sizeof(e));
	cr_assert_not_null(h, "%s", e);
	make_net();
	make_ep("e1");
	/* another connection holds the write lock: the next commit fails */
	cr_assert_eq(sqlite3_open(dbpath, &other), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	fails("POST", "/endpoints/", "{'Name': 'e2', 'VirtualNetworkName': 'nat'}", 500,
	      "state store", NULL);
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	ok("GET", "/endpoints/", NULL);
	cr_assert_eq(json_array_size(out()), 1);
	/* the name, address and MAC the failed request took are free again */
	make_ep("e2");
	cr_assert_str_eq(ostr("IPAddress"), "10.0.0.3");
	cr_assert_str_eq(ostr("MacAddress"), "02-15-5D-00-00-01");
	json_decref(resp);
	resp = NULL;
	hns_destroy(h);
	h = NULL;
	store_close(st);
	remove_db();
}

/* ---- remote endpoints: one address, one place (kubernetes #130963) ---- */

static char l2_net[64];

static void l2bridge_net(void)
{
	ok("POST", "/networks/",
	   "{'Name': 'cbr0', 'Type': 'L2Bridge', 'Subnets': [{'AddressPrefix': "
	   "'10.244.1.0/24', 'GatewayAddress': '10.244.1.2'}]}");
	snprintf(l2_net, sizeof(l2_net), "%s", ostr("ID"));
}

static size_t endpoint_count(void)
{
	ok("GET", "/endpoints/", NULL);
	return json_array_size(out());
}

Test(endpoints, remote_with_a_local_endpoints_address_is_refused)
{
	char body[512], local[64];

	l2bridge_net();
	snprintf(body, sizeof(body), "{'Name': 'pod', 'VirtualNetwork': '%s', "
		 "'IPAddress': '10.244.1.5'}", l2_net);
	ok("POST", "/endpoints/", body);
	snprintf(local, sizeof(local), "%s", ostr("ID"));
	snprintf(body, sizeof(body), "{'VirtualNetwork': '%s', 'IPAddress': '10.244.1.5', "
		 "'MacAddress': '02-11-0a-f4-01-05', 'IsRemoteEndpoint': true}", l2_net);
	fails("POST", "/endpoints/", body, 409, "IPAddress", "local endpoint");
	cr_assert(strstr(err(), local), "names the local endpoint: %s", err());
	cr_assert_eq(endpoint_count(), 1, "nothing half-made");
	/* outside the subnet (another node's pods) is a remote's own place */
	snprintf(body, sizeof(body), "{'VirtualNetwork': '%s', 'IPAddress': '10.244.2.5', "
		 "'MacAddress': '02-11-0a-f4-02-05', 'IsRemoteEndpoint': true}", l2_net);
	ok("POST", "/endpoints/", body);
	cr_assert_eq(endpoint_count(), 2);
}

Test(endpoints, local_with_a_remote_endpoints_address_is_refused)
{
	char body[512], remote[64];

	l2bridge_net();
	snprintf(body, sizeof(body), "{'VirtualNetwork': '%s', 'IPAddress': '10.244.1.9', "
		 "'MacAddress': '02-11-0a-f4-01-09', 'IsRemoteEndpoint': true}", l2_net);
	ok("POST", "/endpoints/", body);
	snprintf(remote, sizeof(remote), "%s", ostr("ID"));
	snprintf(body, sizeof(body), "{'Name': 'pod', 'VirtualNetwork': '%s', "
		 "'IPAddress': '10.244.1.9'}", l2_net);
	fails("POST", "/endpoints/", body, 409, "IPAddress", "remote endpoint");
	cr_assert(strstr(err(), remote), "names the remote endpoint: %s", err());
	cr_assert_eq(endpoint_count(), 1, "nothing half-made");
	/* once the stale remote is gone the pod gets its address */
	ok("DELETE", P("/endpoints/%s", remote), NULL);
	ok("POST", "/endpoints/", body);
	cr_assert_str_eq(ostr("IPAddress"), "10.244.1.9");
}
