/* What HNS answers that real clients branch on: the version, the values a
 * network reports (ManagementIP, ProviderAddress, DrMacAddress), the
 * HRESULT and texts of failures, v2 list filters, sparse updates, host
 * attach and remote endpoints. No EAL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ctype.h>

#include <criterion/criterion.h>

#include "hns.h"
#include "hns_request.h"

static const char *uplink = "192.0.2.10";

static int fake_uplink(void *ctx, char *buf, size_t len)
{
	(void)ctx;
	if (uplink == NULL)
		return -1;
	snprintf(buf, len, "%s", uplink);
	return 0;
}

static void setup(void)
{
	struct hns_dataplane dp = { .uplink_address = fake_uplink };
	char e[256];

	uplink = "192.0.2.10";
	h = hns_create(NULL, &dp, e, sizeof(e));
	cr_assert_not_null(h, "%s", e);
}

static void teardown(void)
{
	json_decref(resp);
	resp = NULL;
	hns_destroy(h);
}

TestSuite(answers, .init = setup, .fini = teardown);
TestSuite(reported, .init = setup, .fini = teardown);
TestSuite(filters, .init = setup, .fini = teardown);
TestSuite(updates, .init = setup, .fini = teardown);
TestSuite(bench, .init = setup, .fini = teardown);

static char net_id[64], ep_id[64], path[512], body[2048];

#define P(...) (snprintf(path, sizeof(path), __VA_ARGS__), path)
#define B(...) (snprintf(body, sizeof(body), __VA_ARGS__), body)

static void l2bridge(const char *name)
{
	ok("POST", "/networks/", B("{'Name': '%s', 'Type': 'L2Bridge', 'Subnets': "
	   "[{'AddressPrefix': '10.8.0.0/16', 'GatewayAddress': '10.8.0.1'}]}", name));
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
}

static json_t *v2_policy(const char *type)
{
	json_t *p;
	size_t i;

	json_array_foreach(jget(out(), "Policies"), i, p)
		if (strcmp(json_string_value(json_object_get(p, "Type")), type) == 0)
			return p;
	return NULL;
}

/* ---- version and errors ---- */

/* 15.5: ModifyLoadbalancer on in hcsshim (>= 15.4) and hnslib (15.5-15.x) */
Test(answers, globals_version_is_15_5)
{
	ok("GET", "/globals/version", NULL);
	cr_assert_eq(oint("Major"), 15);
	cr_assert_eq(oint("Minor"), 5);
	fails("POST", "/globals/version", "{}", 405, NULL, NULL);
}

static long long error_code(void)
{
	json_t *c = json_object_get(resp, "ErrorCode");

	cr_assert(json_is_integer(c), "no ErrorCode");
	return json_integer_value(c);
}

Test(answers, v2_failures_carry_the_hresult)
{
	fails("GET", "/v2/networks/5A3B0000-0000-4000-8000-000000000000", NULL, 404,
	      "Element not found.", NULL);
	cr_assert_eq(error_code(), 0x80070490LL);
	fails("POST", "/v2/networks", "{'Name': 'x', 'Type': 'Bogus'}", 400, "Type", NULL);
	cr_assert_eq(error_code(), 0x80070057LL);
	ok("POST", "/v2/networks", "{'Name': 'x', 'Type': 'NAT'}");
	fails("POST", "/v2/networks", "{'Name': 'x', 'Type': 'NAT'}", 409, "Name", NULL);
	cr_assert_eq(error_code(), 0x800700B7LL);
	fails("PUT", "/v2/networks", "{}", 405, NULL, NULL);
	cr_assert_eq(error_code(), 0x80004001LL);
	/* v1 answers keep the plain envelope */
	fails("GET", "/networks/5A3B0000-0000-4000-8000-000000000000", NULL, 404,
	      "Element not found.", NULL);
	cr_assert_null(json_object_get(resp, "ErrorCode"));
}

Test(answers, texts_clients_match)
{
	l2bridge("n");
	fails("DELETE", "/endpoints/5A3B0000-0000-4000-8000-000000000000", NULL, 404,
	      "The endpoint was not found", NULL);
	fails("GET", "/namespaces/5A3B0000-0000-4000-8000-000000000000", NULL, 404,
	      "Element not found.", NULL);
}

/* flannel host-gw: {"SystemType":"Host"} names no port; the poll loop's
 * second attach gets the text flannel treats as success */
Test(answers, host_attach_then_already_attached)
{
	l2bridge("cbr0");
	ok("POST", "/endpoints/", B("{'Name': 'cbr0_ep', 'VirtualNetwork': '%s', "
	   "'IPAddress': '10.8.0.2'}", net_id));
	snprintf(ep_id, sizeof(ep_id), "%s", ostr("ID"));
	ok("POST", P("/endpoints/%s/attach", ep_id), "{'SystemType': 'Host', 'CompartmentId': 1}");
	fails("POST", P("/endpoints/%s/attach", ep_id),
	      "{'SystemType': 'Host', 'CompartmentId': 1}", 409,
	      "This endpoint is already attached to the switch.", NULL);
	ok("POST", P("/endpoints/%s/detach", ep_id), "{'SystemType': 'Host'}");
}

Test(answers, container_attach_reports_shared_containers)
{
	l2bridge("n");
	ok("POST", "/endpoints/", B("{'Name': 'e', 'VirtualNetwork': '%s'}", net_id));
	snprintf(ep_id, sizeof(ep_id), "%s", ostr("ID"));
	ok("POST", P("/endpoints/%s/attach", ep_id),
	   "{'ContainerId': 'abc', 'SystemType': 'Container', 'CompartmentId': 3}");
	ok("GET", P("/endpoints/%s", ep_id), NULL);
	cr_assert_str_eq(ostr("SharedContainers[0]"), "abc");
}

/* kube-proxy's remote backends: another node's address, the host's MAC */
Test(answers, remote_endpoints_outside_the_subnet_share_a_mac)
{
	l2bridge("n");
	for (int i = 0; i < 2; i++) {
		ok("POST", "/v2/endpoints", B("{'HostComputeNetwork': '%s', 'Flags': 1, "
		   "'IpConfigurations': [{'IpAddress': '10.9.0.%d'}], 'MacAddress': "
		   "'02-11-0a-09-00-01', 'Dns': {}, 'Health': {'Extra': {}}, "
		   "'SchemaVersion': {'Major': 2, 'Minor': 0}}", net_id, 5 + i));
		cr_assert_eq(oint("Flags"), 1);
	}
	/* a local endpoint still has to be in the subnet */
	fails("POST", "/v2/endpoints", B("{'HostComputeNetwork': '%s', "
	      "'IpConfigurations': [{'IpAddress': '10.9.0.9'}]}", net_id), 400,
	      "IpConfigurations[0].IpAddress", "not in any subnet");
}

/* ---- reported values ---- */

Test(reported, management_ip_provider_address_and_dr_mac)
{
	char mac[32];

	l2bridge("n");
	cr_assert_str_eq(ostr("ManagementIP"), "192.0.2.10");
	ok("GET", P("/v2/networks/%s", net_id), NULL);
	cr_assert_str_eq(json_string_value(jget(v2_policy("ProviderAddress"),
						"Settings.ProviderAddress")), "192.0.2.10");
	snprintf(mac, sizeof(mac), "%s",
		 json_string_value(jget(v2_policy("DrMacAddress"), "Settings.Address")));
	cr_assert_eq(strlen(mac), 17);
	ok("GET", P("/v2/networks/%s", net_id), NULL);
	cr_assert_str_eq(json_string_value(jget(v2_policy("DrMacAddress"),
						"Settings.Address")), mac, "not stable");
	/* another network, another router MAC */
	l2bridge("m");
	ok("GET", P("/v2/networks/%s", net_id), NULL);
	cr_assert_str_neq(json_string_value(jget(v2_policy("DrMacAddress"),
						 "Settings.Address")), mac);
}

Test(reported, given_values_win_and_no_uplink_means_none)
{
	ok("POST", "/networks/", "{'Name': 'a', 'Type': 'Transparent', "
	   "'ManagementIP': '198.51.100.4'}");
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
	ok("GET", P("/v2/networks/%s", net_id), NULL);
	cr_assert_str_eq(json_string_value(jget(v2_policy("ProviderAddress"),
						"Settings.ProviderAddress")), "198.51.100.4");
	uplink = NULL;
	l2bridge("b");
	cr_assert_null(jget(out(), "ManagementIP"));
	ok("GET", P("/v2/networks/%s", net_id), NULL);
	cr_assert_null(v2_policy("ProviderAddress"));
	cr_assert_not_null(v2_policy("DrMacAddress"));
}

Test(reported, host_route_add_and_remove)
{
	l2bridge("n");
	ok("PATCH", P("/v2/networks/%s", net_id), "{'ResourceType': 'Policy', 'RequestType': "
	   "'Add', 'Settings': {'Policies': [{'Type': 'HostRoute', 'Settings': {}}]}}");
	ok("GET", P("/v2/networks/%s", net_id), NULL);
	cr_assert_not_null(v2_policy("HostRoute"));
	ok("PATCH", P("/v2/networks/%s", net_id), "{'ResourceType': 'Policy', 'RequestType': "
	   "'Remove', 'Settings': {'Policies': [{'Type': 'HostRoute'}]}}");
	ok("GET", P("/v2/networks/%s", net_id), NULL);
	cr_assert_null(v2_policy("HostRoute"));
}

Test(reported, namespace_of_an_endpoint)
{
	char ns[64];

	l2bridge("n");
	ok("POST", "/v2/endpoints", B("{'Name': 'e', 'HostComputeNetwork': '%s', "
	   "'HostComputeNamespace': '00000000-0000-0000-0000-000000000000'}", net_id));
	snprintf(ep_id, sizeof(ep_id), "%s", ostr("ID"));
	cr_assert_null(jget(out(), "HostComputeNamespace"), "the all-zero GUID is none");
	ok("POST", "/v2/namespaces", "{'Type': 'Host', 'SchemaVersion': {'Major': 2, 'Minor': 0}}");
	snprintf(ns, sizeof(ns), "%s", ostr("ID"));
	ok("PATCH", P("/v2/namespaces/%s", ns), B("{'ResourceType': 'Endpoint', "
	   "'RequestType': 'Add', 'Settings': {'EndpointId': '%s'}}", ep_id));
	ok("GET", P("/v2/endpoints/%s", ep_id), NULL);
	cr_assert_str_eq(ostr("HostComputeNamespace"), ns);
}

/* ---- filters ---- */

Test(filters, by_id_name_and_network)
{
	char other[64], id_lower[64];

	l2bridge("a");
	snprintf(other, sizeof(other), "%s", net_id);
	l2bridge("b");
	ok("POST", "/endpoints/", B("{'Name': 'e1', 'VirtualNetwork': '%s'}", net_id));
	snprintf(ep_id, sizeof(ep_id), "%s", ostr("ID"));
	ok("POST", "/endpoints/", B("{'Name': 'e2', 'VirtualNetwork': '%s'}", other));
	/* hcsshim's HostComputeQuery Filter, URL-encoded */
	ok("GET", "/v2/networks?filter=%7B%22Name%22%3A%22b%22%7D", NULL);
	cr_assert_eq(json_array_size(out()), 1);
	cr_assert_str_eq(ostr("[0].ID"), net_id);
	for (size_t i = 0; i <= strlen(ep_id); i++)
		id_lower[i] = (char)tolower((unsigned char)ep_id[i]);
	ok("GET", P("/v2/endpoints?filter={\"ID\":\"%s\"}", id_lower), NULL);
	cr_assert_eq(json_array_size(out()), 1);
	cr_assert_str_eq(ostr("[0].ID"), ep_id, "IDs answered upper-case");
	ok("GET", P("/v2/endpoints?filter={\"VirtualNetwork\":\"%s\"}", other), NULL);
	cr_assert_eq(json_array_size(out()), 1);
	cr_assert_str_eq(ostr("[0].Name"), "e2");
	ok("GET", "/v2/networks?filter={\"Name\":\"nope\"}", NULL);
	cr_assert_eq(json_array_size(out()), 0, "not found is an empty list");
	ok("GET", P("/v2/endpoints?filter={\"Name\":\"e1\",\"VirtualNetwork\":\"%s\"}", other),
	   NULL);
	cr_assert_eq(json_array_size(out()), 0, "every key must match");
}

Test(filters, bad_filters_are_400)
{
	fails("GET", "/v2/networks?filter=%7Bnope", NULL, 400, "filter", "JSON");
	fails("GET", "/v2/networks?filter=[1]", NULL, 400, "filter", "object");
	fails("GET", "/v2/networks?filter={\"Colour\":\"x\"}", NULL, 400, "Colour", NULL);
	fails("GET", "/v2/networks?filter={\"VirtualNetwork\":\"x\"}", NULL, 400,
	      "endpoints only", NULL);
	cr_assert_eq(json_integer_value(json_object_get(resp, "ErrorCode")), 0x80070057LL);
}

/* ---- updates ---- */

/* felix: POST /endpoints/{id} {"ID","Policies":[ACL...]} replaces the
 * ACLs and keeps OutBoundNAT, ROUTE and PA */
Test(updates, sparse_acl_update_keeps_the_other_types)
{
	l2bridge("n");
	ok("POST", "/endpoints/", B("{'Name': 'pod', 'VirtualNetwork': '%s', 'Policies': ["
	   "{'Type': 'OutBoundNAT', 'ExceptionList': ['10.0.0.0/8']},"
	   "{'Type': 'ROUTE', 'DestinationPrefix': '10.96.0.0/12', 'NeedEncap': true},"
	   "{'Type': 'ACL', 'Id': 'old', 'Action': 'Block', 'Direction': 'In'}]}", net_id));
	snprintf(ep_id, sizeof(ep_id), "%s", ostr("ID"));
	ok("POST", P("/endpoints/%s", ep_id), B("{'ID': '%s', 'Policies': ["
	   "{'Type': 'ACL', 'Id': 'a', 'Protocol': 256, 'Action': 'Allow', 'Direction': 'In',"
	   " 'RuleType': 'Switch', 'Priority': 1000},"
	   "{'Type': 'ACL', 'Id': 'b', 'Protocol': 6, 'Action': 'Allow', 'Direction': 'Out',"
	   " 'RuleType': 'Host', 'Priority': 100}]}", ep_id));
	cr_assert_eq(json_array_size(jget(out(), "Policies")), 4);
	cr_assert_str_eq(ostr("Policies[0].Type"), "OutBoundNAT");
	cr_assert_str_eq(ostr("Policies[1].Type"), "ROUTE");
	cr_assert_str_eq(ostr("Policies[2].Id"), "a");
	cr_assert_str_eq(ostr("Policies[3].Id"), "b");
	/* an empty list clears them all (a GET-modify-POST that removed the last) */
	ok("POST", P("/endpoints/%s", ep_id), "{'Policies': []}");
	cr_assert_eq(json_array_size(jget(out(), "Policies")), 0);
}

/* Antrea enables its OVS extension with POST /networks/{id} */
Test(updates, v1_network_update_stores_extensions)
{
	l2bridge("antrea");
	ok("POST", P("/networks/%s", net_id), "{'Extensions': [{'Id': "
	   "'583CC151-73EC-4A6A-8B47-578297AD7623', 'IsEnabled': true}]}");
	cr_assert(json_is_true(jget(out(), "Extensions[0].IsEnabled")));
	ok("GET", P("/networks/%s", net_id), NULL);
	cr_assert_str_eq(ostr("Extensions[0].Id"), "583CC151-73EC-4A6A-8B47-578297AD7623");
	fails("POST", P("/networks/%s", net_id), "{'Type': 'NAT'}", 400, "Type",
	      "cannot be changed");
	fails("POST", P("/networks/%s", net_id), "{'DNSServerList': 'x'}", 400,
	      "DNSServerList", NULL);
}

/* flannel/felix remove a RemoteSubnetRoute with the settings they read
 * back, the MAC in another spelling */
Test(updates, remote_subnet_route_removed_by_any_mac_spelling)
{
	ok("POST", "/v2/networks", "{'Name': 'ov', 'Type': 'Overlay'}");
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
	ok("PATCH", P("/v2/networks/%s", net_id), "{'ResourceType': 'Policy', 'RequestType': "
	   "'Add', 'Settings': {'Policies': [{'Type': 'RemoteSubnetRoute', 'Settings': {"
	   "'DestinationPrefix': '10.244.2.0/24', 'IsolationId': 4096, 'ProviderAddress': "
	   "'192.0.2.12', 'DistributedRouterMacAddress': '0e:2a:c0:a8:01:0c'}}]}}");
	ok("PATCH", P("/v2/networks/%s", net_id), "{'ResourceType': 'Policy', 'RequestType': "
	   "'Remove', 'Settings': {'Policies': [{'Type': 'RemoteSubnetRoute', 'Settings': {"
	   "'DestinationPrefix': '10.244.2.0/24', 'IsolationId': 4096, 'ProviderAddress': "
	   "'192.0.2.12', 'DistributedRouterMacAddress': '0E-2A-C0-A8-01-0C'}}]}}");
	ok("GET", P("/v2/networks/%s", net_id), NULL);
	cr_assert_null(v2_policy("RemoteSubnetRoute"));
}

/* ---- benchmark: get-by-name and by-ID at 10,000 endpoints ---- */

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Reports the p99 (not a timed assertion: the issue asks for a benchmark);
 * asserts each lookup finds exactly its one endpoint. */
Test(bench, filter_lookup_p99_at_10000_endpoints, .timeout = 120)
{
	enum { N_EP = 10000, N_Q = 1000 };
	static double lat[N_Q];
	char name[32];

	ok("POST", "/networks/", "{'Name': 'big', 'Type': 'L2Bridge', 'Subnets': "
	   "[{'AddressPrefix': '10.64.0.0/16'}]}");
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
	for (int i = 0; i < N_EP; i++) {
		snprintf(name, sizeof(name), "ep%d", i);
		ok("POST", "/endpoints/", B("{'Name': '%s', 'VirtualNetwork': '%s'}", name,
					    net_id));
	}
	for (int q = 0; q < N_Q; q++) {
		double t0;
		int st;

		snprintf(name, sizeof(name), "ep%d", (q * 7919) % N_EP);
		P("/v2/endpoints?filter=%%7B%%22Name%%22%%3A%%22%s%%22%%7D", name);
		t0 = now_us();
		st = req("GET", path, NULL);
		lat[q] = now_us() - t0;
		cr_assert_eq(st, 200);
		cr_assert_eq(json_array_size(out()), 1);
		cr_assert_str_eq(ostr("[0].Name"), name);
	}
	qsort(lat, N_Q, sizeof(lat[0]), by_double);
	fprintf(stderr, "bench: GET /v2/endpoints?filter={Name} at %d endpoints: "
		"p50 %.1f us, p99 %.1f us\n", N_EP, lat[N_Q / 2], lat[N_Q * 99 / 100]);
}
