/* HNS v2 (HCN schema) through hns_handle: /v2/networks, /v2/endpoints,
 * /v2/namespaces, PATCH with Modify*SettingRequest, and the v1 <-> v2
 * cross views of one object model (same IDs). No EAL. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "hns.h"
#include "hns_request.h"

/* ---- helpers ---- */

static void setup(void)
{
	char e[256];

	h = hns_create(NULL, NULL, e, sizeof(e));
	cr_assert_not_null(h, "%s", e);
}

static void teardown(void)
{
	json_decref(resp);
	resp = NULL;
	hns_destroy(h);
}

static char net_id[64], ep_id[64], ns_id[64];
static char path[256], body[1024];

#define P(...) (snprintf(path, sizeof(path), __VA_ARGS__), path)
#define B(...) (snprintf(body, sizeof(body), __VA_ARGS__), body)

static void v2_net(void)
{
	ok("POST", "/v2/networks",
	   "{'Name': 'hcn', 'Type': 'nat', 'Flags': 0, 'SchemaVersion': {'Major': 2, 'Minor': 0},"
	   " 'Ipams': [{'Type': 'Static', 'Subnets': [{'IpAddressPrefix': '172.30.0.0/24',"
	   "   'Routes': [{'NextHop': '172.30.0.1', 'DestinationPrefix': '0.0.0.0/0'}]}]}],"
	   " 'MacPool': {'Ranges': [{'StartMacAddress': '00-15-5D-52-C0-00',"
	   "   'EndMacAddress': '00-15-5D-52-CF-FF'}]},"
	   " 'Dns': {'Suffix': 'corp.example', 'ServerList': ['10.50.10.50', '10.50.10.51']},"
	   " 'Policies': [{'Type': 'NetAdapterName', 'Settings': {'NetworkAdapterName': 'eth0'}}]}");
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
}

TestSuite(v2, .init = setup, .fini = teardown);
TestSuite(cross, .init = setup, .fini = teardown);
TestSuite(patch, .init = setup, .fini = teardown);
TestSuite(namespaces, .init = setup, .fini = teardown);
TestSuite(v2_validation, .init = setup, .fini = teardown);

/* ---- v2 networks and endpoints ---- */

Test(v2, network_create_shows_the_hcn_schema)
{
	v2_net();
	cr_assert_eq(strlen(net_id), 36);
	cr_assert_str_eq(ostr("Name"), "hcn");
	cr_assert_str_eq(ostr("Type"), "NAT");
	cr_assert_str_eq(ostr("Ipams[0].Type"), "Static");
	cr_assert_str_eq(ostr("Ipams[0].Subnets[0].IpAddressPrefix"), "172.30.0.0/24");
	cr_assert_str_eq(ostr("Ipams[0].Subnets[0].Routes[0].NextHop"), "172.30.0.1");
	cr_assert_str_eq(ostr("Ipams[0].Subnets[0].Routes[0].DestinationPrefix"), "0.0.0.0/0");
	cr_assert_str_eq(ostr("MacPool.Ranges[0].StartMacAddress"), "00-15-5D-52-C0-00");
	cr_assert_str_eq(ostr("Dns.Suffix"), "corp.example");
	cr_assert_str_eq(ostr("Dns.ServerList[1]"), "10.50.10.51");
	cr_assert_str_eq(ostr("Policies[0].Type"), "NetAdapterName");
	cr_assert_str_eq(ostr("Policies[0].Settings.NetworkAdapterName"), "eth0");
	cr_assert_eq(oint("SchemaVersion.Major"), 2);
	cr_assert_eq(oint("Flags"), 0);
}

Test(v2, list_get_delete)
{
	v2_net();
	ok("GET", "/v2/networks", NULL);
	cr_assert_eq(json_array_size(out()), 1);
	cr_assert_str_eq(ostr("[0].ID"), net_id);
	ok("GET", P("/v2/networks/%s", net_id), NULL);
	cr_assert_str_eq(ostr("ID"), net_id);
	ok("DELETE", P("/v2/networks/%s/", net_id), NULL);
	fails("GET", P("/v2/networks/%s", net_id), NULL, 404, NULL, NULL);
	ok("GET", "/v2/networks/", NULL);
	cr_assert_eq(json_array_size(out()), 0);
	fails("PUT", "/v2/networks", "{}", 405, NULL, NULL);
	fails("POST", P("/v2/networks/%s", net_id), "{}", 405, NULL, NULL);
	fails("GET", "/v2/bogus", NULL, 404, NULL, NULL);
}

Test(v2, endpoint_with_and_without_ip_configurations)
{
	v2_net();
	ok("POST", "/v2/endpoints", B("{'Name': 'a', 'HostComputeNetwork': '%s'}", net_id));
	snprintf(ep_id, sizeof(ep_id), "%s", ostr("ID"));
	cr_assert_str_eq(ostr("HostComputeNetwork"), net_id);
	cr_assert_str_eq(ostr("IpConfigurations[0].IpAddress"), "172.30.0.2");
	cr_assert_eq(oint("IpConfigurations[0].PrefixLength"), 24);
	cr_assert_str_eq(ostr("Routes[0].NextHop"), "172.30.0.1");
	cr_assert_str_eq(ostr("MacAddress"), "00-15-5D-52-C0-00");
	cr_assert_eq(oint("State"), 1);
	ok("POST", "/v2/endpoints",
	   B("{'Name': 'b', 'HostComputeNetwork': '%s', 'IpConfigurations': "
	     "[{'IpAddress': '172.30.0.50', 'PrefixLength': 24}], 'MacAddress': "
	     "'00-15-5D-52-C0-99', 'Dns': {'ServerList': ['1.1.1.1'], 'Search': ['a.b']}, "
	     "'Policies': [{'Type': 'PortMapping', 'Settings': {'Protocol': 17, "
	     "'InternalPort': 53, 'ExternalPort': 5353}}]}",
	     net_id));
	cr_assert_str_eq(ostr("IpConfigurations[0].IpAddress"), "172.30.0.50");
	cr_assert_str_eq(ostr("MacAddress"), "00-15-5D-52-C0-99");
	cr_assert_str_eq(ostr("Dns.ServerList[0]"), "1.1.1.1");
	cr_assert_str_eq(ostr("Dns.Search[0]"), "a.b");
	cr_assert_str_eq(ostr("Policies[0].Type"), "PortMapping");
	cr_assert_eq(oint("Policies[0].Settings.Protocol"), 17);
	ok("GET", "/v2/endpoints", NULL);
	cr_assert_eq(json_array_size(out()), 2);
	ok("DELETE", P("/v2/endpoints/%s", ep_id), NULL);
	fails("GET", P("/v2/endpoints/%s", ep_id), NULL, 404, NULL, NULL);
	fails("DELETE", P("/v2/networks/%s", net_id), NULL, 409, "endpoint", NULL);
}

Test(v2, remote_endpoint_flag_maps_to_v1)
{
	v2_net();
	ok("POST", "/v2/endpoints",
	   B("{'Name': 'r', 'HostComputeNetwork': '%s', 'Flags': 1}", net_id));
	cr_assert_eq(oint("Flags"), 1);
	ok("GET", P("/endpoints/%s", ostr("ID")), NULL);
	cr_assert(json_is_true(jget(out(), "IsRemoteEndpoint")));
}

/* ---- cross views ---- */

Test(cross, v2_objects_are_visible_through_v1_with_the_same_ids)
{
	v2_net();
	ok("GET", P("/networks/%s", net_id), NULL);
	cr_assert_str_eq(ostr("ID"), net_id);
	cr_assert_str_eq(ostr("Name"), "hcn");
	cr_assert_str_eq(ostr("Type"), "NAT");
	cr_assert_str_eq(ostr("Subnets[0].AddressPrefix"), "172.30.0.0/24");
	cr_assert_str_eq(ostr("Subnets[0].GatewayAddress"), "172.30.0.1");
	cr_assert_null(jget(out(), "Subnets[0].Routes"));
	cr_assert_str_eq(ostr("MacPools[0].EndMacAddress"), "00-15-5D-52-CF-FF");
	cr_assert_str_eq(ostr("DNSSuffix"), "corp.example");
	cr_assert_str_eq(ostr("DNSServerList"), "10.50.10.50,10.50.10.51");
	cr_assert_str_eq(ostr("NetworkAdapterName"), "eth0");
	ok("POST", "/v2/endpoints",
	   B("{'Name': 'a', 'HostComputeNetwork': '%s', 'Policies': [{'Type': 'PortMapping', "
	     "'Settings': {'Protocol': 6, 'InternalPort': 80, 'ExternalPort': 8080}}, "
	     "{'Type': 'SDNRoute', 'Settings': {'DestinationPrefix': '10.9.0.0/16', "
	     "'NeedEncap': true}}, {'Type': 'OutBoundNAT', 'Settings': {'VirtualIP': "
	     "'192.0.2.1', 'Exceptions': ['10.0.0.0/8']}}]}",
	     net_id));
	snprintf(ep_id, sizeof(ep_id), "%s", ostr("ID"));
	ok("GET", P("/endpoints/%s", ep_id), NULL);
	cr_assert_str_eq(ostr("ID"), ep_id);
	cr_assert_str_eq(ostr("VirtualNetwork"), net_id);
	cr_assert_str_eq(ostr("VirtualNetworkName"), "hcn");
	cr_assert_str_eq(ostr("IPAddress"), "172.30.0.2");
	cr_assert_str_eq(ostr("GatewayAddress"), "172.30.0.1");
	cr_assert_str_eq(ostr("Policies[0].Type"), "NAT");
	cr_assert_str_eq(ostr("Policies[0].Protocol"), "TCP");
	cr_assert_eq(oint("Policies[0].ExternalPort"), 8080);
	cr_assert_str_eq(ostr("Policies[1].Type"), "ROUTE");
	cr_assert_str_eq(ostr("Policies[2].VIP"), "192.0.2.1");
	cr_assert_str_eq(ostr("Policies[2].ExceptionList[0]"), "10.0.0.0/8");
	ok("GET", "/endpoints/", NULL);
	cr_assert_eq(json_array_size(out()), 1);
}

Test(cross, v1_objects_are_visible_through_v2_with_the_same_ids)
{
	ok("POST", "/networks/",
	   "{'Name': 'v1net', 'Type': 'l2bridge', 'Subnets': [{'AddressPrefix': '10.4.0.0/16', "
	   "'GatewayAddress': '10.4.0.1', 'Policies': [{'Type': 'VLAN', 'VLAN': 10}]}], "
	   "'SourceMac': '00:11:22:33:44:55', 'DNSServerList': '8.8.8.8'}");
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
	ok("GET", P("/v2/networks/%s", net_id), NULL);
	cr_assert_str_eq(ostr("ID"), net_id);
	cr_assert_str_eq(ostr("Type"), "L2Bridge");
	cr_assert_str_eq(ostr("Ipams[0].Subnets[0].IpAddressPrefix"), "10.4.0.0/16");
	cr_assert_str_eq(ostr("Ipams[0].Subnets[0].Routes[0].NextHop"), "10.4.0.1");
	cr_assert_str_eq(ostr("Ipams[0].Subnets[0].Policies[0].Type"), "VLAN");
	cr_assert_eq(oint("Ipams[0].Subnets[0].Policies[0].Settings.IsolationId"), 10);
	cr_assert_str_eq(ostr("Policies[0].Type"), "SourceMacAddress");
	cr_assert_str_eq(ostr("Policies[0].Settings.SourceMacAddress"), "00:11:22:33:44:55");
	cr_assert_str_eq(ostr("Dns.ServerList[0]"), "8.8.8.8");
	ok("POST", "/endpoints/",
	   B("{'Name': 'e', 'VirtualNetwork': '%s', 'Policies': ["
	     "{'Type': 'NAT', 'Protocol': 'UDP', 'InternalPort': 53, 'ExternalPort': 53},"
	     "{'Type': 'ACL', 'Protocol': 6, 'Action': 'Allow', 'Direction': 'In', "
	     " 'LocalPort': 80, 'RemoteAddresses': '10.0.0.0/8', 'Priority': 10},"
	     "{'Type': 'ROUTE', 'DestinationPrefix': '10.8.0.0/16', 'NextHop': '10.4.0.9'},"
	     "{'Type': 'QOS', 'MaximumOutgoingBandwidthInBytes': 5000}]}",
	     net_id));
	snprintf(ep_id, sizeof(ep_id), "%s", ostr("ID"));
	ok("GET", P("/v2/endpoints/%s", ep_id), NULL);
	cr_assert_str_eq(ostr("ID"), ep_id);
	cr_assert_str_eq(ostr("HostComputeNetwork"), net_id);
	cr_assert_str_eq(ostr("IpConfigurations[0].IpAddress"), "10.4.0.2");
	cr_assert_eq(oint("IpConfigurations[0].PrefixLength"), 16);
	cr_assert_str_eq(ostr("Policies[0].Type"), "PortMapping");
	cr_assert_eq(oint("Policies[0].Settings.Protocol"), 17);
	cr_assert_str_eq(ostr("Policies[1].Type"), "ACL");
	cr_assert_str_eq(ostr("Policies[1].Settings.Protocols"), "6");
	cr_assert_str_eq(ostr("Policies[1].Settings.LocalPorts"), "80");
	cr_assert_str_eq(ostr("Policies[1].Settings.Action"), "Allow");
	cr_assert_eq(oint("Policies[1].Settings.Priority"), 10);
	cr_assert_str_eq(ostr("Policies[2].Type"), "SDNRoute");
	cr_assert_str_eq(ostr("Policies[2].Settings.NextHop"), "10.4.0.9");
	cr_assert_str_eq(ostr("Policies[3].Type"), "QOS");
	ok("GET", "/v2/endpoints", NULL);
	cr_assert_eq(json_array_size(out()), 1);
	/* deleting through one view deletes it from both */
	ok("DELETE", P("/v2/endpoints/%s", ep_id), NULL);
	fails("GET", P("/endpoints/%s", ep_id), NULL, 404, NULL, NULL);
}

Test(cross, v2_round_trip_is_stable)
{
	char *first;
	json_t *r = NULL;
	int st;

	v2_net();
	ok("GET", P("/v2/networks/%s", net_id), NULL);
	/* posting the v2 output back (under a new name and id) gives the same
	 * object */
	json_object_set_new(out(), "Name", json_string("copy"));
	json_object_del(out(), "ID");
	json_object_set_new(jget(out(), "MacPool.Ranges[0]"), "StartMacAddress",
			    json_string("00-15-5D-53-00-00"));
	json_object_set_new(jget(out(), "MacPool.Ranges[0]"), "EndMacAddress",
			    json_string("00-15-5D-53-00-FF"));
	first = json_dumps(out(), JSON_COMPACT);
	st = hns_handle(h, "POST", "/v2/networks", first, strlen(first), &r);
	cr_assert_eq(st, 200, "%s", json_string_value(json_object_get(r, "Error")));
	json_object_del(json_object_get(r, "Output"), "ID");
	{
		char *second = json_dumps(json_object_get(r, "Output"), JSON_COMPACT);

		cr_assert_str_eq(second, first);
		free(second);
	}
	json_decref(r);
	free(first);
}

/* ---- PATCH ---- */

Test(patch, endpoint_policy_add_remove_update)
{
	v2_net();
	ok("POST", "/v2/endpoints", B("{'Name': 'a', 'HostComputeNetwork': '%s'}", net_id));
	snprintf(ep_id, sizeof(ep_id), "%s", ostr("ID"));
	P("/v2/endpoints/%s", ep_id);
	ok("PATCH", path,
	   "{'ResourceType': 'Policy', 'RequestType': 'Add', 'Settings': {'Policies': ["
	   "{'Type': 'ACL', 'Settings': {'Action': 'Block', 'Direction': 'Out', "
	   " 'RemoteAddresses': '8.8.8.8', 'Priority': 5}},"
	   "{'Type': 'PortMapping', 'Settings': {'Protocol': 6, 'InternalPort': 22, "
	   " 'ExternalPort': 2222}}]}}");
	cr_assert_eq(json_array_size(jget(out(), "Policies")), 2);
	ok("GET", P("/endpoints/%s", ep_id), NULL);
	cr_assert_str_eq(ostr("Policies[0].Type"), "ACL");
	cr_assert_str_eq(ostr("Policies[1].Type"), "NAT");
	P("/v2/endpoints/%s", ep_id);
	fails("PATCH", path,
	      "{'ResourceType': 'Policy', 'RequestType': 'Add', 'Settings': {'Policies': ["
	      "{'Type': 'PortMapping', 'Settings': {'Protocol': 6, 'InternalPort': 22, "
	      "'ExternalPort': 2222}}]}}",
	      409, "Settings.Policies[0]", NULL);
	ok("PATCH", path,
	   "{'ResourceType': 'Policy', 'RequestType': 'Remove', 'Settings': {'Policies': ["
	   "{'Type': 'ACL', 'Settings': {'Action': 'Block', 'Direction': 'Out', "
	   " 'RemoteAddresses': '8.8.8.8', 'Priority': 5}}]}}");
	cr_assert_eq(json_array_size(jget(out(), "Policies")), 1);
	cr_assert_str_eq(ostr("Policies[0].Type"), "PortMapping");
	fails("PATCH", path,
	      "{'ResourceType': 'Policy', 'RequestType': 'Remove', 'Settings': {'Policies': ["
	      "{'Type': 'QOS', 'Settings': {'MaximumOutgoingBandwidthInBytes': 1}}]}}",
	      404, "Settings.Policies[0]", NULL);
	ok("PATCH", path,
	   "{'ResourceType': 'Policy', 'RequestType': 'Update', 'Settings': {'Policies': ["
	   "{'Type': 'QOS', 'Settings': {'MaximumOutgoingBandwidthInBytes': 9}}]}}");
	cr_assert_eq(json_array_size(jget(out(), "Policies")), 1);
	cr_assert_str_eq(ostr("Policies[0].Type"), "QOS");
	ok("PATCH", path, "{'ResourceType': 'Policy', 'RequestType': 'Refresh'}");
	cr_assert_str_eq(ostr("Policies[0].Type"), "QOS");
}

Test(patch, modify_request_validation)
{
	v2_net();
	ok("POST", "/v2/endpoints", B("{'Name': 'a', 'HostComputeNetwork': '%s'}", net_id));
	P("/v2/endpoints/%s", ostr("ID"));
	fails("PATCH", path, "{'ResourceType': 'Policy', 'RequestType': 'Replace', "
	      "'Settings': {'Policies': []}}", 400, "RequestType", "Replace");
	fails("PATCH", path, "{'ResourceType': 'Port', 'RequestType': 'Add', "
	      "'Settings': {}}", 400, "ResourceType", NULL);
	fails("PATCH", path, "{'ResourceType': 'Policy', 'RequestType': 'Add'}", 400,
	      "Settings", "required");
	fails("PATCH", path, "{'ResourceType': 'Policy', 'RequestType': 'Add', "
	      "'Settings': {'Policies': [{'Type': 'PortMapping', 'Settings': "
	      "{'Protocol': 1, 'InternalPort': 1, 'ExternalPort': 1}}]}}",
	      400, "Settings.Policies[0].Settings.Protocol", NULL);
	fails("PATCH", path, "{'ResourceTyp': 'Policy'}", 400, "ResourceType", "required");
	fails("PATCH", "/v2/endpoints/5A3B0000-0000-4000-8000-000000000000",
	      "{'ResourceType': 'Policy', 'RequestType': 'Refresh'}", 404, NULL, NULL);
	ok("GET", path, NULL);
	cr_assert_eq(json_array_size(jget(out(), "Policies")), 0);
}

Test(patch, network_policy_and_dns)
{
	v2_net();
	P("/v2/networks/%s", net_id);
	ok("PATCH", path,
	   "{'ResourceType': 'Policy', 'RequestType': 'Add', 'Settings': {'Policies': ["
	   "{'Type': 'ProviderAddress', 'Settings': {'ProviderAddress': '192.0.2.7'}},"
	   "{'Type': 'SourceMacAddress', 'Settings': {'SourceMacAddress': '02:00:00:00:00:07'}}]}}");
	ok("GET", P("/networks/%s", net_id), NULL);
	cr_assert_str_eq(ostr("Policies[0].Type"), "PA");
	cr_assert_str_eq(ostr("Policies[0].PA"), "192.0.2.7");
	cr_assert_str_eq(ostr("SourceMac"), "02:00:00:00:00:07"); /* as written */
	P("/v2/networks/%s", net_id);
	ok("PATCH", path,
	   "{'ResourceType': 'Policy', 'RequestType': 'Remove', 'Settings': {'Policies': ["
	   "{'Type': 'ProviderAddress', 'Settings': {'ProviderAddress': '192.0.2.7'}}]}}");
	ok("PATCH", path, "{'ResourceType': 'DNS', 'RequestType': 'Update', "
	   "'Settings': {'Domain': 'x.example', 'ServerList': ['9.9.9.9']}}");
	cr_assert_str_eq(ostr("Dns.Domain"), "x.example");
	cr_assert_str_eq(ostr("Dns.ServerList[0]"), "9.9.9.9");
	cr_assert_null(jget(out(), "Dns.Suffix"));
	ok("GET", P("/networks/%s", net_id), NULL);
	cr_assert_eq(json_array_size(jget(out(), "Policies")), 0);
	cr_assert_str_eq(ostr("DNSServerList"), "9.9.9.9");
	P("/v2/networks/%s", net_id);
	fails("PATCH", path, "{'ResourceType': 'Extension', 'RequestType': 'Add', "
	      "'Settings': {}}", 400, "Extension", NULL);
	ok("PATCH", path, "{'ResourceType': 'Policy', 'RequestType': 'Add', "
	   "'Settings': {'Policies': [{'Type': 'PortMapping'}]}}");
	cr_assert(warned("Settings.Policies[0].Type: policy type 'PortMapping' is not "
			 "enforced on a network"));
}

/* ---- namespaces ---- */

Test(namespaces, create_add_remove_endpoints)
{
	char ep2[64];

	v2_net();
	ok("POST", "/v2/endpoints", B("{'Name': 'a', 'HostComputeNetwork': '%s'}", net_id));
	snprintf(ep_id, sizeof(ep_id), "%s", ostr("ID"));
	ok("POST", "/v2/endpoints", B("{'Name': 'b', 'HostComputeNetwork': '%s'}", net_id));
	snprintf(ep2, sizeof(ep2), "%s", ostr("ID"));
	ok("POST", "/v2/namespaces", "{'Type': 'Host', 'SchemaVersion': {'Major': 2, 'Minor': 0}}");
	snprintf(ns_id, sizeof(ns_id), "%s", ostr("ID"));
	cr_assert_eq(strlen(ns_id), 36);
	cr_assert_str_eq(ostr("Type"), "Host");
	cr_assert(oint("NamespaceId") >= 2);
	cr_assert_eq(json_array_size(jget(out(), "Resources")), 0);
	P("/v2/namespaces/%s", ns_id);
	ok("PATCH", path, B("{'ResourceType': 'Endpoint', 'RequestType': 'Add', "
			    "'Settings': {'EndpointId': '%s'}}", ep_id));
	ok("GET", P("/v2/namespaces/%s", ns_id), NULL);
	cr_assert_str_eq(ostr("Resources[0].Type"), "Endpoint");
	cr_assert_str_eq(ostr("Resources[0].Data.Id"), ep_id);
	ok("GET", P("/v2/endpoints/%s", ep_id), NULL);
	cr_assert_str_eq(ostr("HostComputeNamespace"), ns_id);
	/* an endpoint lives in one namespace */
	ok("POST", "/v2/namespaces", "{}");
	P("/v2/namespaces/%s", ostr("ID"));
	fails("PATCH", path, B("{'ResourceType': 'Endpoint', 'RequestType': 'Add', "
			       "'Settings': {'EndpointId': '%s'}}", ep_id),
	      409, "already in namespace", NULL);
	P("/v2/namespaces/%s", ns_id);
	fails("PATCH", path, B("{'ResourceType': 'Endpoint', 'RequestType': 'Remove', "
			       "'Settings': {'EndpointId': '%s'}}", ep2),
	      404, "not in namespace", NULL);
	ok("PATCH", path, B("{'ResourceType': 'Endpoint', 'RequestType': 'Add', "
			    "'Settings': {'EndpointId': '%s'}}", ep2));
	ok("PATCH", path, B("{'ResourceType': 'Endpoint', 'RequestType': 'Remove', "
			    "'Settings': {'EndpointId': '%s'}}", ep_id));
	cr_assert_eq(json_array_size(jget(out(), "Resources")), 1);
	cr_assert_str_eq(ostr("Resources[0].Data.Id"), ep2);
	ok("GET", P("/v2/endpoints/%s", ep_id), NULL);
	cr_assert_null(jget(out(), "HostComputeNamespace"));
	/* deleting an endpoint takes it out of its namespace */
	ok("DELETE", P("/v2/endpoints/%s", ep2), NULL);
	ok("GET", P("/v2/namespaces/%s", ns_id), NULL);
	cr_assert_eq(json_array_size(jget(out(), "Resources")), 0);
	ok("DELETE", P("/v2/namespaces/%s", ns_id), NULL);
	fails("GET", P("/v2/namespaces/%s", ns_id), NULL, 404, NULL, NULL);
}

Test(namespaces, resources_at_create_and_endpoint_namespace_field)
{
	v2_net();
	ok("POST", "/v2/endpoints", B("{'Name': 'a', 'HostComputeNetwork': '%s'}", net_id));
	snprintf(ep_id, sizeof(ep_id), "%s", ostr("ID"));
	ok("POST", "/v2/namespaces",
	   B("{'Type': 'Guest', 'NamespaceId': 7, 'Resources': [{'Type': 'Endpoint', "
	     "'Data': {'ID': '%s'}}, {'Type': 'Container', 'Data': {'Id': 'c0ffee'}}]}", ep_id));
	snprintf(ns_id, sizeof(ns_id), "%s", ostr("ID"));
	cr_assert_eq(oint("NamespaceId"), 7);
	cr_assert_str_eq(ostr("Resources[0].Data.Id"), ep_id);
	cr_assert_str_eq(ostr("Resources[1].Type"), "Container");
	fails("POST", "/v2/namespaces", "{'NamespaceId': 7}", 409, "NamespaceId", NULL);
	fails("POST", "/v2/namespaces",
	      "{'Resources': [{'Type': 'Endpoint', 'Data': {'Id': "
	      "'5A3B0000-0000-4000-8000-000000000000'}}]}",
	      404, "Resources[0]", NULL);
	fails("POST", "/v2/namespaces", "{'Type': 'Sandbox'}", 400, "Type", NULL);
	/* an endpoint created straight into a namespace */
	ok("POST", "/v2/endpoints",
	   B("{'Name': 'b', 'HostComputeNetwork': '%s', 'HostComputeNamespace': '%s'}",
	     net_id, ns_id));
	cr_assert_str_eq(ostr("HostComputeNamespace"), ns_id);
	ok("GET", P("/v2/namespaces/%s", ns_id), NULL);
	cr_assert_eq(json_array_size(jget(out(), "Resources")), 3);
	/* deleting the namespace releases its endpoints */
	ok("DELETE", P("/v2/namespaces/%s", ns_id), NULL);
	ok("GET", P("/v2/endpoints/%s", ep_id), NULL);
	cr_assert_null(jget(out(), "HostComputeNamespace"));
}

Test(namespaces, v1_namespace_view)
{
	v2_net();
	ok("POST", "/v2/endpoints", B("{'Name': 'a', 'HostComputeNetwork': '%s'}", net_id));
	snprintf(ep_id, sizeof(ep_id), "%s", ostr("ID"));
	ok("POST", "/namespaces/", "");
	snprintf(ns_id, sizeof(ns_id), "%s", ostr("ID"));
	cr_assert(json_is_false(jget(out(), "IsDefault")));
	ok("POST", P("/namespaces/%s/addresource", ns_id),
	   B("{'Type': 'Endpoint', 'Data': {'Id': '%s'}}", ep_id));
	ok("GET", P("/namespaces/%s", ns_id), NULL);
	cr_assert_str_eq(ostr("ResourceList[0].Data.Id"), ep_id);
	ok("GET", P("/v2/namespaces/%s", ns_id), NULL);
	cr_assert_str_eq(ostr("Resources[0].Data.Id"), ep_id);
	ok("POST", P("/namespaces/%s/removeresource", ns_id),
	   B("{'Type': 'Endpoint', 'Data': {'Id': '%s'}}", ep_id));
	cr_assert_eq(json_array_size(jget(out(), "ResourceList")), 0);
	ok("POST", "/namespaces/", "{'IsDefault': true}");
	cr_assert(json_is_true(jget(out(), "IsDefault")));
	ok("GET", "/namespaces/", NULL);
	cr_assert_eq(json_array_size(out()), 2);
}

/* ---- v2 validation ---- */

Test(v2_validation, errors_name_v2_paths)
{
	ok("POST", "/v2/networks", "{'Name': 'a', 'Type': 'NAT', 'Ipam': []}");
	cr_assert(warned("Ipam: not an HNS field"));
	ok("DELETE", P("/v2/networks/%s", ostr("ID")), NULL);
	fails("POST", "/v2/networks",
	      "{'Name': 'a', 'Type': 'NAT', 'Ipams': [{'Subnets': [{'IpAddressPrefix': "
	      "'10.0.0.0/33'}]}]}",
	      400, "Ipams[0].Subnets[0].IpAddressPrefix", NULL);
	fails("POST", "/v2/networks",
	      "{'Name': 'a', 'Type': 'NAT', 'Ipams': [{'Subnets': [{'IpAddressPrefix': "
	      "'10.0.0.0/24', 'Routes': [{'NextHop': '10.1.0.1', 'DestinationPrefix': "
	      "'0.0.0.0/0'}]}]}]}",
	      400, "Ipams[0].Subnets[0].Routes[0].NextHop", "not in subnet");
	fails("POST", "/v2/networks",
	      "{'Name': 'a', 'Type': 'NAT', 'Ipams': [{'Type': 'Magic'}]}", 400,
	      "Ipams[0].Type", NULL);
	fails("POST", "/v2/networks",
	      "{'Name': 'a', 'Type': 'NAT', 'MacPool': {'Ranges': [{'StartMacAddress': 'x', "
	      "'EndMacAddress': '00-15-5D-00-00-01'}]}}",
	      400, "MacPool.Ranges[0].StartMacAddress", NULL);
	fails("POST", "/v2/networks", "{'Name': 'a', 'Type': 'Bogus'}", 400, "Type", NULL);
	fails("POST", "/v2/networks",
	      "{'Name': 'a', 'Type': 'NAT', 'Policies': [{'Type': 'VLAN', 'Settings': "
	      "{'IsolationId': 5000}}]}",
	      400, "Policies[0].Settings.IsolationId", NULL);
	fails("POST", "/v2/networks",
	      "{'Name': 'a', 'Type': 'NAT', 'Dns': {'ServerList': ['1.2.3.4.5']}}", 400,
	      "Dns.ServerList[0]", NULL);
	fails("POST", "/v2/networks",
	      "{'Name': 'a', 'Type': 'NAT', 'SchemaVersion': {'Major': 'two'}}", 400,
	      "SchemaVersion.Major", NULL);
	v2_net();
	fails("POST", "/v2/networks", "{'Name': 'hcn', 'Type': 'NAT'}", 409, "Name", NULL);
	fails("POST", "/v2/endpoints",
	      "{'Name': 'e', 'HostComputeNetwork': '5A3B0000-0000-4000-8000-000000000000'}",
	      404, "HostComputeNetwork", NULL);
	fails("POST", "/v2/endpoints", "{'Name': 'e'}", 400, "HostComputeNetwork",
	      "required");
	fails("POST", "/v2/endpoints",
	      B("{'Name': 'e', 'HostComputeNetwork': '%s', 'IpConfigurations': "
		"[{'IpAddress': '172.31.0.5'}]}", net_id),
	      400, "IpConfigurations[0].IpAddress", "not in any subnet");
	fails("POST", "/v2/endpoints",
	      B("{'Name': 'e', 'HostComputeNetwork': '%s', 'IpConfigurations': "
		"[{'IpAddress': '172.30.0.5', 'PrefixLength': 40}]}", net_id),
	      400, "IpConfigurations[0].PrefixLength", NULL);
	fails("POST", "/v2/endpoints",
	      B("{'Name': 'e', 'HostComputeNetwork': '%s', 'Policies': [{'Type': 'ACL', "
		"'Settings': {'Action': 'Allow', 'Direction': 'Sideways'}}]}", net_id),
	      400, "Policies[0].Settings.Direction", "Sideways");
	/* a v2 policy the switch could not enforce is blamed at its Settings */
	fails("POST", "/v2/endpoints",
	      B("{'Name': 'e', 'HostComputeNetwork': '%s', 'Policies': [{'Type': 'ACL', "
		"'Settings': {'Action': 'Allow', 'Direction': 'In', 'Protocols': 'ICMP', "
		"'LocalPorts': '22'}}]}", net_id),
	      400, "Policies[0].Settings.LocalPorts", "has no ports");
	ok("GET", "/v2/endpoints", NULL);
	cr_assert_eq(json_array_size(out()), 0);
}

/* ---- remote endpoints: one address, one place (kubernetes #130963) ---- */

static void v2_l2bridge(void)
{
	ok("POST", "/v2/networks",
	   "{'Name': 'cbr0', 'Type': 'L2Bridge', 'SchemaVersion': {'Major': 2, 'Minor': 0},"
	   " 'Ipams': [{'Type': 'Static', 'Subnets': [{'IpAddressPrefix': '10.244.1.0/24',"
	   "   'Routes': [{'NextHop': '10.244.1.2', 'DestinationPrefix': '0.0.0.0/0'}]}]}]}");
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
}

static size_t v2_endpoint_count(void)
{
	ok("GET", "/v2/endpoints", NULL);
	return json_array_size(out());
}

Test(v2, remote_and_local_endpoints_never_share_an_address)
{
	char remote[64];

	v2_l2bridge();
	/* kube-proxy's CreateRemoteEndpoint, the CNI's pod: both orders */
	ok("POST", "/v2/endpoints",
	   B("{'HostComputeNetwork': '%s', 'IpConfigurations': [{'IpAddress': '10.244.1.7'}],"
	     " 'MacAddress': '02-11-0a-f4-01-07', 'Flags': 1,"
	     " 'SchemaVersion': {'Major': 2, 'Minor': 0}}", net_id));
	snprintf(remote, sizeof(remote), "%s", ostr("ID"));
	fails("POST", "/v2/endpoints",
	      B("{'Name': 'pod', 'HostComputeNetwork': '%s', 'IpConfigurations':"
		" [{'IpAddress': '10.244.1.7'}]}", net_id), 409, "IpAddress", "remote endpoint");
	cr_assert_eq(v2_endpoint_count(), 1, "nothing half-made");
	ok("DELETE", P("/v2/endpoints/%s", remote), NULL);
	ok("POST", "/v2/endpoints",
	   B("{'Name': 'pod', 'HostComputeNetwork': '%s', 'IpConfigurations':"
	     " [{'IpAddress': '10.244.1.7'}]}", net_id));
	fails("POST", "/v2/endpoints",
	      B("{'HostComputeNetwork': '%s', 'IpConfigurations': [{'IpAddress': '10.244.1.7'}],"
		" 'MacAddress': '02-11-0a-f4-01-07', 'Flags': 1}", net_id),
	      409, "IpAddress", "local endpoint");
	cr_assert_eq(v2_endpoint_count(), 1, "nothing half-made");
}
