/* hvswitch-cni's JSON (hns-api/cni/cni_result.h): the CNI result built
 * from HNS objects for 1.0.0 and 0.4.0, the error object, versions, and
 * the HNS policies of portMappings, bandwidth and config policies. */
#include <criterion/criterion.h>
#include <string.h>

#include "cni_result.h"

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	cr_assert_not_null(j, "bad test JSON: %s", e.text);
	return j;
}

static void assert_json_eq(json_t *got, const char *want_text)
{
	json_t *want = J(want_text);
	char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
	char *w = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);

	cr_assert_str_eq(g, w);
	free(g);
	free(w);
	json_decref(want);
}

static const char *EP = "{\"ID\": \"E087E30B-4FBC-4745-9898-4738754350F0\","
	"\"MacAddress\": \"02-15-5D-00-00-0A\", \"IPAddress\": \"172.18.0.5\","
	"\"PrefixLength\": 16, \"GatewayAddress\": \"172.18.0.1\","
	"\"InterfaceName\": \"eth0\", \"State\": 2}";
static const char *NET = "{\"ID\": \"N\", \"Name\": \"nat\", \"DNSServerList\": "
	"\"10.0.0.53,10.0.0.54\", \"DNSSuffix\": \"cluster.local\"}";

Test(cni, result_1_0_0_from_endpoint_and_network)
{
	char err[256];
	json_t *ep = J(EP), *net = J(NET);
	json_t *r = cni_result_from_hns("1.0.0", ep, net, "/run/netns/c1", NULL, err,
					sizeof(err));

	cr_assert_not_null(r, "%s", err);
	assert_json_eq(r, "{\"cniVersion\": \"1.0.0\","
		"\"interfaces\": [{\"name\": \"eth0\", \"mac\": \"02:15:5d:00:00:0a\","
		"  \"sandbox\": \"/run/netns/c1\"}],"
		"\"ips\": [{\"address\": \"172.18.0.5/16\", \"gateway\": \"172.18.0.1\","
		"  \"interface\": 0}],"
		"\"routes\": [{\"dst\": \"0.0.0.0/0\", \"gw\": \"172.18.0.1\"}],"
		"\"dns\": {\"nameservers\": [\"10.0.0.53\", \"10.0.0.54\"],"
		"  \"domain\": \"cluster.local\", \"search\": [\"cluster.local\"]}}");
	json_decref(r);
	json_decref(ep);
	json_decref(net);
}

Test(cni, result_0_4_0_has_ip_version)
{
	char err[256];
	json_t *ep = J(EP), *net = J("{}");
	json_t *r = cni_result_from_hns("0.4.0", ep, net, "/run/netns/c1", NULL, err,
					sizeof(err));

	cr_assert_not_null(r);
	cr_assert_str_eq(json_string_value(json_object_get(
		json_array_get(json_object_get(r, "ips"), 0), "version")), "4");
	cr_assert_str_eq(json_string_value(json_object_get(r, "cniVersion")), "0.4.0");
	/* no DNS in the network: an empty dns object, no made-up servers */
	cr_assert_eq(json_object_size(json_object_get(r, "dns")), 0);
	json_decref(r);
	json_decref(ep);
	json_decref(net);
}

Test(cni, result_keeps_a_delegated_ipam_result)
{
	char err[256];
	json_t *ep = J(EP), *net = J(NET);
	json_t *prev = J("{\"cniVersion\": \"1.0.0\", \"ips\": [{\"address\": "
		"\"172.18.0.5/16\", \"gateway\": \"172.18.0.1\", \"version\": \"4\"}],"
		"\"routes\": [{\"dst\": \"10.96.0.0/12\"}]}");
	json_t *r = cni_result_from_hns("1.0.0", ep, net, "/run/netns/c1", prev, err,
					sizeof(err));

	cr_assert_not_null(r, "%s", err);
	assert_json_eq(json_object_get(r, "ips"), "[{\"address\": \"172.18.0.5/16\","
		"\"gateway\": \"172.18.0.1\", \"interface\": 0}]");
	assert_json_eq(json_object_get(r, "routes"), "[{\"dst\": \"10.96.0.0/12\"}]");
	json_decref(r);
	json_decref(prev);
	json_decref(ep);
	json_decref(net);
}

Test(cni, result_needs_a_plumbed_interface)
{
	char err[256] = "";
	json_t *ep = J("{\"ID\": \"X\", \"MacAddress\": \"02-15-5D-00-00-0A\","
		       "\"IPAddress\": \"10.0.0.2\", \"PrefixLength\": 24}");

	cr_assert_null(cni_result_from_hns("1.0.0", ep, NULL, "/x", NULL, err,
					   sizeof(err)));
	cr_assert(strstr(err, "InterfaceName") != NULL, "%s", err);
	json_decref(ep);
}

Test(cni, error_json)
{
	json_t *e = cni_error_json("1.0.0", CNI_ERR_HNS, "Name: taken", "HTTP 409");

	assert_json_eq(e, "{\"cniVersion\": \"1.0.0\", \"code\": 100,"
		       "\"msg\": \"Name: taken\", \"details\": \"HTTP 409\"}");
	json_decref(e);
	e = cni_error_json(NULL, CNI_ERR_DECODE, "bad", NULL);
	assert_json_eq(e, "{\"cniVersion\": \"1.0.0\", \"code\": 6, \"msg\": \"bad\"}");
	json_decref(e);
}

Test(cni, versions)
{
	cr_assert(cni_version_ok("1.0.0"));
	cr_assert(cni_version_ok("0.4.0"));
	cr_assert(cni_version_ok("1.1.0"));
	cr_assert_not(cni_version_ok("0.2.0"));
	cr_assert_not(cni_version_ok(NULL));
	cr_assert(cni_version_pre1("0.3.1"));
	cr_assert_not(cni_version_pre1("1.0.0"));
}

Test(cni, port_mappings_and_bandwidth_become_hns_policies)
{
	char err[256];
	json_t *pols = json_array();
	json_t *rc = J("{\"portMappings\": ["
		"{\"hostPort\": 8080, \"containerPort\": 80, \"protocol\": \"tcp\"},"
		"{\"hostPort\": 5353, \"containerPort\": 53, \"protocol\": \"udp\","
		" \"hostIP\": \"192.0.2.10\"},"
		"{\"hostPort\": 8443, \"containerPort\": 443, \"hostIP\": \"0.0.0.0\"}],"
		"\"bandwidth\": {\"egressRate\": 10000000, \"egressBurst\": 1000}}");

	cr_assert_eq(cni_capability_policies(rc, pols, err, sizeof(err)), 0, "%s", err);
	assert_json_eq(pols, "["
		"{\"Type\": \"NAT\", \"Protocol\": \"TCP\", \"InternalPort\": 80, \"ExternalPort\": 8080},"
		"{\"Type\": \"NAT\", \"Protocol\": \"UDP\", \"InternalPort\": 53, \"ExternalPort\": 5353,"
		" \"VIP\": \"192.0.2.10\"},"
		"{\"Type\": \"NAT\", \"Protocol\": \"TCP\", \"InternalPort\": 443, \"ExternalPort\": 8443},"
		"{\"Type\": \"QOS\", \"MaximumOutgoingBandwidthInBytes\": 1250000}]");
	json_decref(rc);
	json_decref(pols);
}

Test(cni, bad_port_mapping_is_an_error)
{
	char err[256] = "";
	json_t *pols = json_array();
	json_t *rc = J("{\"portMappings\": [{\"hostPort\": 0, \"containerPort\": 80}]}");

	cr_assert_eq(cni_capability_policies(rc, pols, err, sizeof(err)), -1);
	cr_assert(strstr(err, "portMappings[0]") != NULL, "%s", err);
	json_decref(rc);
	rc = J("{\"portMappings\": [{\"hostPort\": 1, \"containerPort\": 80, \"protocol\": \"sctp\"}]}");
	cr_assert_eq(cni_capability_policies(rc, pols, err, sizeof(err)), -1);
	cr_assert(strstr(err, "protocol") != NULL, "%s", err);
	json_decref(rc);
	json_decref(pols);
}

Test(cni, config_policies_as_win_bridge_writes_them)
{
	char err[256];
	json_t *pols = json_array();
	json_t *conf = J("["
		"{\"Name\": \"EndpointPolicy\", \"Value\": {\"Type\": \"OutBoundNAT\","
		" \"ExceptionList\": [\"10.244.0.0/16\"]}},"
		"{\"name\": \"EndpointPolicy\", \"value\": {\"Type\": \"ROUTE\","
		" \"DestinationPrefix\": \"10.96.0.0/12\", \"NeedEncap\": true}},"
		"{\"Name\": \"NetworkPolicy\", \"Value\": {\"Type\": \"X\"}},"
		"{\"Type\": \"ACL\", \"Action\": \"Allow\", \"Direction\": \"In\"}]");

	cr_assert_eq(cni_config_policies(conf, pols, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(json_array_size(pols), 3);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(pols, 0), "Type")),
			 "OutBoundNAT");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(pols, 2), "Type")),
			 "ACL");
	json_decref(conf);
	conf = J("[{\"Name\": \"EndpointPolicy\", \"Value\": 3}]");
	cr_assert_eq(cni_config_policies(conf, pols, err, sizeof(err)), -1);
	json_decref(conf);
	json_decref(pols);
}
