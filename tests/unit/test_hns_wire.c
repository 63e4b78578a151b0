/* The HNS schema as real clients marshal it (../shared/hns/WIRE-FIELDS.md):
 * every key of every wire type is accepted without a warning, keys match
 * in any case, unknown keys and unenforced policy types are kept, echoed
 * and reported in "Warnings", the values clients send are accepted, and
 * an enforced field with a bad value still fails naming it. The startup
 * config stays strict. No EAL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <unistd.h>

#include "hns.h"
#include "hns_request.h"
#include "store.h"

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

TestSuite(wire_keys, .init = setup, .fini = teardown);
TestSuite(wire_values, .init = setup, .fini = teardown);
TestSuite(lenient, .init = setup, .fini = teardown);

static char net_id[64], path[256], body[4096];

#define P(...) (snprintf(path, sizeof(path), __VA_ARGS__), path)
#define B(...) (snprintf(body, sizeof(body), __VA_ARGS__), body)

static void no_warnings(const char *what)
{
	json_t *w = json_object_get(resp, "Warnings");

	cr_assert_null(w, "%s: warned about wire keys: %s", what,
		       json_string_value(json_array_get(w, 0)));
}

/* every HNSNetwork key (v1), then an HNSEndpoint with every key */
Test(wire_keys, v1_network_and_endpoint_every_key)
{
	ok("POST", "/networks/",
	   "{'ID': '', 'Name': 'all', 'Type': 'L2Bridge', 'NetworkAdapterName': 'eth0',"
	   " 'SourceMac': '02-00-00-00-00-01', 'Policies': [{'Type': 'VLAN', 'VLAN': 5}],"
	   " 'MacPools': [{'StartMacAddress': '00-15-5D-01-00-00',"
	   "   'EndMacAddress': '00-15-5D-01-FF-FF'}],"
	   " 'Subnets': [{'AddressPrefix': '10.1.0.0/24', 'GatewayAddress': '10.1.0.1',"
	   "   'Policies': [{'Type': 'VSID', 'VSID': 4096}]}],"
	   " 'DNSSuffix': 'x.example', 'DNSServerList': '10.1.0.10',"
	   " 'DNSServerCompartment': 0, 'ManagementIP': '192.0.2.5', 'AutomaticDNS': false}");
	no_warnings("HNSNetwork");
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
	ok("POST", "/endpoints/", B(
	   "{'Name': 'e', 'VirtualNetwork': '%s', 'VirtualNetworkName': 'all',"
	   " 'Policies': [], 'MacAddress': '00-15-5D-01-00-07', 'IPAddress': '10.1.0.7',"
	   " 'DNSSuffix': 's', 'DNSServerList': '10.1.0.10',"
	   " 'DNSDomain': 'd', 'GatewayAddress': '10.1.0.1',"
	   " 'EnableInternalDNS': false, 'DisableICC': false, 'PrefixLength': 24,"
	   " 'IPv6PrefixLength': 0, 'IsRemoteEndpoint': false, 'EnableLowMetric': false,"
	   " 'EncapOverhead': 50, 'SharedContainers': [], 'State': 0,"
	   " 'AdditionalParams': {'k': 'v'}}", net_id));
	no_warnings("HNSEndpoint");
	cr_assert_str_eq(ostr("IPAddress"), "10.1.0.7");
}

/* HostComputeNetwork and HostComputeEndpoint with the struct fields Go
 * always marshals, and every v2 key */
Test(wire_keys, v2_network_and_endpoint_always_present_keys)
{
	ok("POST", "/v2/networks",
	   "{'Name': 'hcn', 'Type': 'Overlay', 'Policies': [],"
	   " 'MacPool': {}, 'Dns': {}, 'Flags': 0, 'Health': {'Extra': {}},"
	   " 'SchemaVersion': {'Major': 2, 'Minor': 0},"
	   " 'Ipams': [{'Type': 'Static', 'Subnets': [{'IpAddressPrefix': '10.2.0.0/24',"
	   "   'Flags': 0, 'Policies': [{'Type': 'VSID', 'Settings': {'IsolationId': 4096}}],"
	   "   'Routes': [{'NextHop': '10.2.0.1', 'DestinationPrefix': '0.0.0.0/0',"
	   "     'Metric': 0}]}]}]}");
	no_warnings("HostComputeNetwork");
	cr_assert(json_is_object(jget(out(), "Health.Extra")), "Health echoed");
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
	ok("POST", "/v2/endpoints", B(
	   "{'Name': 'e', 'HostComputeNetwork': '%s', 'Policies': [],"
	   " 'IpConfigurations': [{'IpAddress': '10.2.0.9', 'PrefixLength': 24}],"
	   " 'Dns': {'Domain': 'd', 'Search': ['s'], 'ServerList': ['10.2.0.10'],"
	   "   'Options': ['ndots:5']},"
	   " 'Routes': [{'NextHop': '10.2.0.1', 'DestinationPrefix': '0.0.0.0/0'}],"
	   " 'MacAddress': '00-15-5D-02-00-09', 'Flags': 0, 'Health': {'Extra': {}},"
	   " 'SchemaVersion': {'Major': 0, 'Minor': 0}}", net_id));
	no_warnings("HostComputeEndpoint");
	cr_assert_not_null(jget(out(), "Health.Extra"));
}

/* every endpoint policy a CNI sends, both schemas, every key */
Test(wire_keys, endpoint_policies_every_key)
{
	ok("POST", "/networks/", "{'Name': 'n', 'Type': 'L2Bridge', 'Subnets': "
	   "[{'AddressPrefix': '10.3.0.0/24', 'GatewayAddress': '10.3.0.1'}]}");
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
	ok("POST", "/endpoints/", B(
	   "{'Name': 'v1', 'VirtualNetwork': '%s', 'Policies': ["
	   " {'Type': 'NAT', 'Protocol': 'TCP', 'InternalPort': 80, 'ExternalPort': 8080},"
	   " {'Type': 'ACL', 'Id': 'r1', 'Protocol': 6, 'Protocols': '6', 'InternalPort': 0,"
	   "  'Action': 'Allow', 'Direction': 'In', 'LocalAddresses': '10.3.0.0/24',"
	   "  'RemoteAddresses': '10.0.0.1,10.0.0.2', 'LocalPorts': '80', 'LocalPort': 0,"
	   "  'RemotePorts': '1000-2000', 'RemotePort': 0, 'RuleType': 'Switch',"
	   "  'Priority': 100, 'ServiceName': 'svc'},"
	   " {'Type': 'OutBoundNAT', 'VIP': '192.0.2.9', 'ExceptionList': ['10.0.0.0/8'],"
	   "  'Destinations': ['10.3.0.5'], 'MaxPortPoolUsage': 100},"
	   " {'Type': 'ROUTE', 'DestinationPrefix': '10.96.0.0/12', 'NextHop': '10.3.0.1',"
	   "  'NeedEncap': true},"
	   " {'Type': 'PA', 'PA': '192.0.2.5'},"
	   " {'Type': 'QOS', 'MaximumOutgoingBandwidthInBytes': 1000000}]}", net_id));
	no_warnings("v1 endpoint policies");
	ok("POST", "/v2/endpoints", B(
	   "{'Name': 'v2', 'HostComputeNetwork': '%s', 'Policies': ["
	   " {'Type': 'PortMapping', 'Settings': {'Protocol': 17, 'InternalPort': 53,"
	   "  'ExternalPort': 5353, 'VIP': '', 'Flags': 0}},"
	   " {'Type': 'ACL', 'Settings': {'Protocols': '6', 'Action': 'Block',"
	   "  'Direction': 'Out', 'LocalAddresses': '', 'RemoteAddresses': '',"
	   "  'LocalPorts': '', 'RemotePorts': '', 'RuleType': 'Host', 'Priority': 65500}},"
	   " {'Type': 'OutBoundNAT', 'Settings': {'VirtualIP': '', 'Exceptions': ['10.0.0.0/8'],"
	   "  'Destinations': [], 'Flags': 0, 'MaxPortPoolUsage': 0}},"
	   " {'Type': 'SDNRoute', 'Settings': {'DestinationPrefix': '10.96.0.0/12',"
	   "  'NeedEncap': true}},"
	   " {'Type': 'ProviderAddress', 'Settings': {'ProviderAddress': '192.0.2.5'}},"
	   " {'Type': 'QOS', 'Settings': {'MaximumOutgoingBandwidthInBytes': 0}}]}", net_id));
	no_warnings("v2 endpoint policies");
	cr_assert_eq(json_array_size(jget(out(), "Policies")), 6);
}

/* network policies flannel and felix add and read back */
Test(wire_keys, network_policies_every_key)
{
	ok("POST", "/v2/networks", "{'Name': 'ov', 'Type': 'Overlay', 'Policies': ["
	   " {'Type': 'NetAdapterName', 'Settings': {'NetworkAdapterName': 'eth0'}},"
	   " {'Type': 'HostRoute', 'Settings': {}},"
	   " {'Type': 'RemoteSubnetRoute', 'Settings': {'DestinationPrefix': '10.4.2.0/24',"
	   "  'IsolationId': 4096, 'ProviderAddress': '192.0.2.12',"
	   "  'DistributedRouterMacAddress': '0e:2a:c0:a8:01:0c'}},"
	   " {'Type': 'DrMacAddress', 'Settings': {'Address': '00-15-5D-AA-BB-CC'}},"
	   " {'Type': 'ProviderAddress', 'Settings': {'ProviderAddress': '192.0.2.5'}}],"
	   " 'Ipams': [{'Type': 'Static', 'Subnets': [{'IpAddressPrefix': '10.4.1.0/24'}]}],"
	   " 'Health': {'Extra': {}}, 'SchemaVersion': {'Major': 2, 'Minor': 0}}");
	no_warnings("network policies");
}

/* policy lists (kube-proxy's legacy ELB) and v1/v2 namespaces */
Test(wire_keys, policylists_and_namespaces)
{
	ok("POST", "/networks/", "{'Name': 'n', 'Type': 'NAT', 'Subnets': "
	   "[{'AddressPrefix': '10.0.0.0/24', 'GatewayAddress': '10.0.0.1'}]}");
	ok("POST", "/endpoints/", "{'Name': 'be', 'VirtualNetworkName': 'n'}");
	ok("POST", "/policylists/", B("{'References': ['/endpoints/%s'], 'Policies': "
	   "[{'Type': 'ELB', 'Protocol': 6, 'InternalPort': 8080, 'ExternalPort': 80, "
	   "'SourceVIP': '10.0.0.5', 'VIPs': ['10.96.0.1'], 'ILB': true, 'IsDSR': true}]}",
	   json_string_value(json_object_get(out(), "ID"))));
	no_warnings("ELB policy list");
	ok("POST", "/namespaces/", "{'IsDefault': false, 'CompartmentId': 0}");
	no_warnings("v1 namespace");
	ok("POST", "/v2/namespaces", "{'Type': 'Host', 'NamespaceId': 0, 'Resources': [],"
	   " 'SchemaVersion': {'Major': 2, 'Minor': 0}}");
	no_warnings("v2 namespace");
}

Test(wire_keys, keys_match_in_any_case)
{
	ok("POST", "/networks/", "{'name': 'lc', 'TYPE': 'nat', 'subnets': "
	   "[{'addressprefix': '10.5.0.0/24', 'GATEWAYADDRESS': '10.5.0.1'}]}");
	no_warnings("lower/upper-case keys");
	cr_assert_str_eq(ostr("Name"), "lc");
	cr_assert_str_eq(ostr("Subnets[0].GatewayAddress"), "10.5.0.1");
	fails("POST", "/networks/", "{'Name': 'x', 'name': 'y', 'Type': 'NAT'}", 400,
	      "Name", "twice");
}

/* ---- values ---- */

static void ep_policies(const char *v2_policies)
{
	ok("POST", "/v2/networks", "{'Name': 'n', 'Type': 'L2Bridge', 'Ipams': [{'Subnets': "
	   "[{'IpAddressPrefix': '10.6.0.0/24'}]}]}");
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
	ok("POST", "/v2/endpoints", B("{'Name': 'e', 'HostComputeNetwork': '%s', "
				      "'Policies': [%s]}", net_id, v2_policies));
}

Test(wire_values, portmapping_vip_empty_is_any)
{
	ep_policies("{'Type': 'PortMapping', 'Settings': {'InternalPort': 80,"
		    " 'ExternalPort': 8080, 'Protocol': 6, 'VIP': ''}}");
	cr_assert_str_eq(ostr("Policies[0].Settings.VIP"), "");
	fails("POST", "/v2/endpoints", B("{'Name': 'f', 'HostComputeNetwork': '%s', "
	      "'Policies': [{'Type': 'PortMapping', 'Settings': {'InternalPort': 80,"
	      " 'ExternalPort': 8081, 'VIP': 'nope'}}]}", net_id), 400,
	      "Policies[0].Settings.VIP", NULL);
}

Test(wire_values, acl_any_protocol_ruletype_id_priority)
{
	ep_policies("{'Type': 'ACL', 'Settings': {'Protocols': '256', 'Action': 'Block',"
		    " 'Direction': 'In', 'RuleType': 'Switch', 'Priority': 65500, 'Id': 'x'}}");
	cr_assert_str_eq(ostr("Policies[0].Settings.Protocols"), "256");
	cr_assert_str_eq(ostr("Policies[0].Settings.Id"), "x");
	cr_assert_eq(oint("Policies[0].Settings.Priority"), 65500);
	ok("POST", "/endpoints/", B("{'Name': 'v1', 'VirtualNetwork': '%s', 'Policies': ["
	   "{'Type': 'ACL', 'Id': 'CNIDefaultDenyAllPolicy', 'Protocol': 256,"
	   " 'Action': 'Block', 'Direction': 'In', 'RuleType': 'Host', 'Priority': 65500}]}",
	   net_id));
	cr_assert_eq(oint("Policies[0].Protocol"), 256);
	cr_assert_str_eq(ostr("Policies[0].RuleType"), "Host");
	fails("POST", "/endpoints/", B("{'Name': 'v3', 'VirtualNetwork': '%s', 'Policies': ["
	      "{'Type': 'ACL', 'Protocol': 257, 'Action': 'Block', 'Direction': 'In'}]}",
	      net_id), 400, "Policies[0].Protocol", NULL);
	fails("POST", "/endpoints/", B("{'Name': 'v4', 'VirtualNetwork': '%s', 'Policies': ["
	      "{'Type': 'ACL', 'Action': 'Block', 'Direction': 'In', 'RuleType': 'Pod'}]}",
	      net_id), 400, "Policies[0].RuleType", NULL);
}

Test(wire_values, outboundnat_exceptionlist_in_v2_and_port_pool)
{
	ep_policies("{'Type': 'OutBoundNAT', 'Settings': {'ExceptionList': ['10.0.0.0/8'],"
		    " 'MaxPortPoolUsage': 500}}");
	no_warnings("v1 key in v2 Settings");
	cr_assert_str_eq(ostr("Policies[0].Settings.Exceptions[0]"), "10.0.0.0/8");
	cr_assert_eq(oint("Policies[0].Settings.MaxPortPoolUsage"), 500);
	ok("GET", P("/endpoints/%s", ostr("ID")), NULL);
	cr_assert_str_eq(ostr("Policies[0].ExceptionList[0]"), "10.0.0.0/8");
}

Test(wire_values, route_type_spellings)
{
	static const char *const spellings[] = { "ROUTE", "SDNRoute", "SDNROUTE", "SdnRoute" };

	ok("POST", "/networks/", "{'Name': 'n', 'Type': 'L2Bridge', 'Subnets': "
	   "[{'AddressPrefix': '10.7.0.0/24'}]}");
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
	for (size_t i = 0; i < 4; i++) {
		/* v1 flat fields (Calico's ROUTE_TYPE) and v2 Settings */
		ok("POST", "/endpoints/", B("{'Name': 'a%zu', 'VirtualNetwork': '%s', "
		   "'Policies': [{'Type': '%s', 'DestinationPrefix': '10.96.0.0/12', "
		   "'NeedEncap': true}]}", i, net_id, spellings[i]));
		no_warnings(spellings[i]);
		cr_assert_str_eq(ostr("Policies[0].Type"), "ROUTE");
		ok("POST", "/v2/endpoints", B("{'Name': 'b%zu', 'HostComputeNetwork': '%s', "
		   "'Policies': [{'Type': '%s', 'Settings': {'DestinationPrefix': "
		   "'10.96.0.0/12', 'NeedEncap': true}}]}", i, net_id, spellings[i]));
		no_warnings(spellings[i]);
		cr_assert_str_eq(ostr("Policies[0].Type"), "SDNRoute");
	}
}

Test(wire_values, elb_isdsr_is_stored)
{
	ok("POST", "/networks/", "{'Name': 'n', 'Type': 'NAT', 'Subnets': "
	   "[{'AddressPrefix': '10.0.0.0/24', 'GatewayAddress': '10.0.0.1'}]}");
	ok("POST", "/endpoints/", "{'Name': 'be', 'VirtualNetworkName': 'n'}");
	ok("POST", "/policylists/", B("{'References': ['/endpoints/%s'], 'Policies': "
	   "[{'Type': 'ELB', 'Protocol': 6, 'InternalPort': 80, 'ExternalPort': 80, "
	   "'VIPs': ['10.96.0.1'], 'IsDSR': true}]}",
	   json_string_value(json_object_get(out(), "ID"))));
	cr_assert(json_is_true(jget(out(), "Policies[0].IsDSR")));
}

/* ---- unknown keys and types ---- */

Test(lenient, unknown_key_kept_echoed_warned_in_both_views)
{
	ok("POST", "/v2/networks", "{'Name': 'u', 'Type': 'NAT', 'Futuristic': [1, 2]}");
	cr_assert(warned("Futuristic: not an HNS field"));
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
	ok("GET", P("/v2/networks/%s", net_id), NULL);
	cr_assert_eq(json_array_size(jget(out(), "Futuristic")), 2);
	cr_assert_null(json_object_get(resp, "Warnings"), "a GET has no warnings");
	ok("GET", P("/networks/%s", net_id), NULL);
	cr_assert_eq(json_array_size(jget(out(), "Futuristic")), 2);
}

/* keys no schema defines inside nested objects are kept too, echoed in
 * the view they were written in, never as the storage key */
Test(lenient, nested_unknown_keys_kept_and_echoed)
{
	ok("POST", "/v2/networks", "{'Name': 'n', 'Type': 'L2Bridge', 'Ipams': ["
	   "{'Type': 'Static', 'IpamFuture': true, 'Subnets': [{'IpAddressPrefix': "
	   "'10.5.0.0/24', 'Routes': [{'NextHop': '10.5.0.1', 'DestinationPrefix': "
	   "'0.0.0.0/0'}], 'SubnetFuture': {'a': 1}}]}], 'Policies': [{'Type': "
	   "'ProviderAddress', 'Settings': {'ProviderAddress': '192.0.2.7', "
	   "'PaFuture': 2}}]}");
	cr_assert(warned("Ipams[0].Subnets[0].SubnetFuture: not an HNS field; kept"));
	cr_assert(warned("Ipams[0].IpamFuture: not an HNS field; kept"));
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
	cr_assert_null(json_object_get(out(), "#Kept"));
	cr_assert_eq(json_integer_value(jget(out(), "Ipams[0].Subnets[0].SubnetFuture.a")), 1);
	ok("GET", P("/v2/networks/%s", net_id), NULL);
	cr_assert(json_is_true(jget(out(), "Ipams[0].IpamFuture")));
	cr_assert_eq(json_integer_value(jget(out(), "Ipams[0].Subnets[0].SubnetFuture.a")), 1);
	cr_assert_null(json_object_get(out(), "#Kept"));
	ok("GET", P("/networks/%s", net_id), NULL);
	cr_assert_null(json_object_get(out(), "#Kept"), "the v1 view hides the storage key");
	ok("GET", "/v2/networks", NULL);
	cr_assert_null(jget(out(), "[0].#Kept"));
	/* v1: a subnet's unknown key */
	ok("POST", "/networks/", "{'Name': 'v1', 'Type': 'NAT', 'Subnets': [{'AddressPrefix': "
	   "'10.6.0.0/24', 'Later': 'yes'}]}");
	cr_assert(warned("Subnets[0].Later: not an HNS field; kept"));
	ok("GET", P("/networks/%s", ostr("ID")), NULL);
	cr_assert_str_eq(ostr("Subnets[0].Later"), "yes");
	/* v2 endpoint: an IpConfiguration's */
	ok("POST", "/v2/endpoints", B("{'Name': 'e', 'HostComputeNetwork': '%s', "
	   "'IpConfigurations': [{'IpAddress': '10.5.0.9', 'Later': [3]}]}", net_id));
	ok("GET", P("/v2/endpoints/%s", ostr("ID")), NULL);
	cr_assert_eq(json_integer_value(jget(out(), "IpConfigurations[0].Later[0]")), 3);
	/* a wire key of another type in the wrong place is still ignored */
	ok("POST", "/networks/", "{'Name': 'v1b', 'Type': 'NAT', 'Subnets': [{'AddressPrefix': "
	   "'10.7.0.0/24', 'Gateway': 'x'}]}");
	cr_assert(warned("Subnets[0].Gateway: not a field here; ignored") ||
		  warned("Subnets[0].Gateway: not an HNS field"));
}

Test(lenient, unenforced_policy_type_kept_verbatim)
{
	ep_policies("{'Type': 'L4WfpProxy', 'Settings': {'InboundProxyPort': '15001',"
		    " 'FilterTuple': {}, 'InboundExceptions': {}, 'OutboundExceptions': {}}}");
	cr_assert(warned("Policies[0].Type: policy type 'L4WfpProxy' is not enforced"));
	cr_assert_str_eq(ostr("Policies[0].Type"), "L4WfpProxy");
	cr_assert_str_eq(ostr("Policies[0].Settings.InboundProxyPort"), "15001");
}

Test(lenient, enforced_policy_bad_value_is_400_and_nothing_applied)
{
	ok("POST", "/v2/networks", "{'Name': 'n', 'Type': 'L2Bridge'}");
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
	fails("POST", "/v2/endpoints", B("{'Name': 'e', 'HostComputeNetwork': '%s', "
	      "'Unknown': 1, 'Policies': [{'Type': 'OutBoundNAT', 'Settings': "
	      "{'Exceptions': ['10.0.0.0/33']}}]}", net_id), 400,
	      "Policies[0].Settings.Exceptions[0]", NULL);
	ok("GET", "/v2/endpoints", NULL);
	cr_assert_eq(json_array_size(out()), 0);
}

/* the startup config is not a client: unknown keys there are typos */
Test(lenient, startup_config_stays_strict)
{
	char err[512] = "";
	json_t *nets = json_pack("[{s:s, s:s, s:i}]", "Name", "c", "Type", "NAT", "Nmae", 1);
	json_t *eps = json_array();

	cr_assert_eq(hns_apply_config(h, nets, eps, err, sizeof(err)), -1);
	cr_assert(strstr(err, "Nmae") && strstr(err, "unknown field"), "err '%s'", err);
	json_decref(nets);
	json_decref(eps);
	ok("GET", "/networks/", NULL);
	cr_assert_eq(json_array_size(out()), 0);
}

/* reconcile loops (felix, flannel) compare what they wrote with what they
 * read back, byte for byte */
Test(wire_values, strings_come_back_as_written)
{
	ok("POST", "/v2/networks", "{'Name': 'ov', 'Type': 'Overlay', 'Policies': ["
	   "{'Type': 'RemoteSubnetRoute', 'Settings': {'DestinationPrefix': '10.4.2.0/24',"
	   " 'IsolationId': 4096, 'ProviderAddress': '192.0.2.12',"
	   " 'DistributedRouterMacAddress': '0e:2a:c0:a8:01:0c'}},"
	   "{'Type': 'ProviderAddress', 'Settings': {'ProviderAddress': '2001:DB8::1'}}]}");
	ok("GET", P("/v2/networks/%s", ostr("ID")), NULL);
	cr_assert_str_eq(ostr("Policies[0].Settings.DistributedRouterMacAddress"),
			 "0e:2a:c0:a8:01:0c");
	cr_assert_str_eq(ostr("Policies[1].Settings.ProviderAddress"), "2001:DB8::1");
	ok("GET", "/v2/networks?filter={\"ID\":\"x\"}", NULL); /* a bad ID: no match */
	cr_assert_eq(json_array_size(out()), 0);
}

/* what was kept verbatim survives a restart (the store reloads leniently,
 * without warnings) */
Test(lenient, kept_keys_and_policies_survive_a_restart)
{
	char db[256], p[300], e[256], before[4096];
	struct hns_store *st;
	char *dump;

	snprintf(db, sizeof(db), "/tmp/test_hns_wire_%d.db", (int)getpid());
	unlink(db);
	hns_destroy(h);
	st = store_open(db, e, sizeof(e));
	cr_assert_not_null(st, "%s", e);
	h = hns_create(st, NULL, e, sizeof(e));
	cr_assert_not_null(h, "%s", e);
	ok("POST", "/v2/networks", "{'Name': 'k', 'Type': 'L2Bridge', 'Knob': {'x': [1]},"
	   " 'Health': {'Extra': {'SwitchGuid': 'g'}}, 'Policies': [{'Type': 'VxlanPort',"
	   " 'Settings': {'Port': 4789}}], 'Ipams': [{'Type': 'Static', 'Subnets': "
	   " [{'IpAddressPrefix': '10.9.0.0/24', 'SubnetKnob': 'x'}]}]}");
	ok("GET", P("/v2/networks/%s", ostr("ID")), NULL);
	cr_assert_str_eq(ostr("Ipams[0].Subnets[0].SubnetKnob"), "x");
	dump = json_dumps(out(), JSON_COMPACT | JSON_SORT_KEYS);
	snprintf(before, sizeof(before), "%s", dump);
	free(dump);
	hns_destroy(h);
	h = hns_create(st, NULL, e, sizeof(e));
	cr_assert_not_null(h, "%s", e);
	ok("GET", path, NULL);
	dump = json_dumps(out(), JSON_COMPACT | JSON_SORT_KEYS);
	cr_assert_str_eq(dump, before);
	free(dump);
	hns_destroy(h);
	h = NULL;
	store_close(st);
	unlink(db);
	snprintf(p, sizeof(p), "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db);
	unlink(p);
	setup(); /* teardown destroys one */
}
