/* The HNS model's plumbing decisions (issue 16) against a fake dataplane:
 * which netns_make / plumb / unplumb calls each request makes, in what
 * order, what a failure leaves (nothing: a plumb made earlier in the
 * request is undone), and the attachment the endpoint shows. No EAL, no
 * netlink. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "hns.h"
#include "hns_request.h"

static char log_buf[4096];
static int n_plumbs, fail_plumb_at, fail_netns;

static void logf_(const char *fmt, const char *arg)
{
	size_t n = strlen(log_buf);

	snprintf(log_buf + n, sizeof(log_buf) - n, fmt, arg);
}

static int f_netns_make(void *ctx, const char *ns_id, const char *path,
			json_t **record, char *e, size_t elen)
{
	char p[128];

	(void)ctx;
	if (fail_netns) {
		snprintf(e, elen, "NetNsPath: no such namespace");
		return 400;
	}
	snprintf(p, sizeof(p), "%s", path ? path : "/run/netns/x");
	logf_("make %s;", path ? "adopt" : "new");
	(void)ns_id;
	*record = json_pack("{s:s, s:b}", "NetNsPath", p, "NetNsOwned", path == NULL);
	return 0;
}

static int f_plumb(void *ctx, const json_t *ep, const json_t *netns, const char *kind,
		   const json_t *old, json_t **record, char *e, size_t elen)
{
	char port[16];

	(void)ctx, (void)ep, (void)old;
	if (++n_plumbs == fail_plumb_at) {
		snprintf(e, elen, "Name: host interface name 'x' is taken");
		return 409;
	}
	snprintf(port, sizeof(port), "p%d", n_plumbs);
	logf_("plumb %s;", port);
	*record = json_pack("{s:s, s:s, s:s, s:s}", "Port", port, "HostInterfaceName", port,
			    "InterfaceName", netns ? "eth0" : "vEthernet-x",
			    "PortKind", kind ? kind : "af_packet");
	return 0;
}

static void f_unplumb(void *ctx, const json_t *rec)
{
	const char *port = json_string_value(json_object_get(rec, "Port"));

	(void)ctx;
	if (port)
		logf_("unplumb %s;", port);
	else
		logf_("unplumb ns%s;", json_is_true(json_object_get(rec, "NetNsOwned")) ?
		      " owned" : " adopted");
}

static bool f_port_exists(void *ctx, const char *name)
{
	(void)ctx, (void)name;
	return true;
}

static void setup(void)
{
	struct hns_dataplane dp = {
		.port_exists = f_port_exists,
		.netns_make = f_netns_make,
		.plumb = f_plumb,
		.unplumb = f_unplumb,
	};
	char e[256];

	log_buf[0] = '\0';
	n_plumbs = fail_plumb_at = fail_netns = 0;
	h = hns_create(NULL, &dp, e, sizeof(e));
	cr_assert_not_null(h, "%s", e);
}

static void teardown(void)
{
	json_decref(resp);
	resp = NULL;
	hns_destroy(h);
}

TestSuite(plumb, .init = setup, .fini = teardown);

static char net_id[64], path[256], body[1024];

#define P(...) (snprintf(path, sizeof(path), __VA_ARGS__), path)
#define B(...) (snprintf(body, sizeof(body), __VA_ARGS__), body)

static void make_net(void)
{
	ok("POST", "/networks/", "{'Name': 'n', 'Type': 'NAT', 'Subnets': "
	   "[{'AddressPrefix': '10.1.0.0/24', 'GatewayAddress': '10.1.0.1'}]}");
	snprintf(net_id, sizeof(net_id), "%s", ostr("ID"));
}

static void make_ep(const char *name, char id[64])
{
	ok("POST", "/endpoints/", B("{'Name': '%s', 'VirtualNetwork': '%s'}", name, net_id));
	snprintf(id, 64, "%s", ostr("ID"));
}

Test(plumb, add_plumbs_and_delete_unplumbs_endpoint_then_namespace)
{
	char ep[64], ns[64];

	make_net();
	make_ep("a", ep);
	ok("POST", "/v2/namespaces", "{}");
	snprintf(ns, sizeof(ns), "%s", ostr("ID"));
	cr_assert_str_eq(ostr("NetNsPath"), "/run/netns/x");
	ok("PATCH", P("/v2/namespaces/%s", ns), B("{'ResourceType': 'Endpoint', "
	   "'RequestType': 'Add', 'Settings': {'EndpointId': '%s'}}", ep));
	ok("GET", P("/endpoints/%s", ep), NULL);
	cr_assert_eq(oint("State"), 2);
	cr_assert_str_eq(ostr("VirtualNicName"), "p1");
	cr_assert_str_eq(ostr("InterfaceName"), "eth0");
	ok("DELETE", P("/v2/namespaces/%s", ns), NULL);
	cr_assert_str_eq(log_buf, "make new;plumb p1;unplumb p1;unplumb ns owned;");
	ok("GET", P("/endpoints/%s", ep), NULL);
	cr_assert_eq(oint("State"), 1);
}

Test(plumb, a_failed_plumb_undoes_the_request_and_names_the_field)
{
	char ep1[64], ep2[64];

	make_net();
	make_ep("a", ep1);
	make_ep("b", ep2);
	fail_plumb_at = 2;
	fails("POST", "/v2/namespaces", B("{'Resources': [{'Type': 'Endpoint', 'Data': "
	      "{'Id': '%s'}}, {'Type': 'Endpoint', 'Data': {'Id': '%s'}}]}", ep1, ep2), 409,
	      "Name:", NULL);
	/* the first endpoint's interface and the namespace went again */
	cr_assert_str_eq(log_buf, "make new;plumb p1;unplumb p1;unplumb ns owned;");
	ok("GET", "/v2/namespaces", NULL);
	cr_assert_eq(json_array_size(out()), 0);
	ok("GET", P("/endpoints/%s", ep1), NULL);
	cr_assert_eq(oint("State"), 1);
}

Test(plumb, netns_errors_leave_no_namespace)
{
	fail_netns = 1;
	fails("POST", "/v2/namespaces", "{'NetNsPath': '/run/netns/none'}", 400,
	      "NetNsPath:", NULL);
	fail_netns = 0;
	fails("POST", "/v2/namespaces", "{'PortKind': 'pigeon'}", 400, "PortKind:", NULL);
	ok("GET", "/v2/namespaces", NULL);
	cr_assert_eq(json_array_size(out()), 0);
	cr_assert_str_eq(log_buf, "");
}

Test(plumb, host_default_namespace_is_a_record_and_adopted_is_left)
{
	char ep[64], ns[64];

	ok("POST", "/v2/namespaces", "{'Type': 'HostDefault'}");
	cr_assert_null(jget(out(), "NetNsPath"));
	make_net();
	make_ep("a", ep);
	ok("POST", "/v2/namespaces", "{'NetNsPath': '/run/netns/theirs', 'PortKind': 'AF_XDP'}");
	snprintf(ns, sizeof(ns), "%s", ostr("ID"));
	cr_assert_str_eq(ostr("PortKind"), "af_xdp");
	ok("POST", P("/namespaces/%s/addresource", ns),
	   B("{'Type': 'Endpoint', 'Data': {'Id': '%s'}}", ep));
	ok("GET", P("/endpoints/%s", ep), NULL);
	cr_assert_str_eq(ostr("PortKind"), "af_xdp");
	ok("DELETE", P("/namespaces/%s", ns), NULL);
	cr_assert_str_eq(log_buf, "make adopt;plumb p1;unplumb p1;unplumb ns adopted;");
}

Test(plumb, host_attach_makes_a_vnic_and_detach_removes_it)
{
	char ep[64];

	make_net();
	make_ep("a", ep);
	ok("POST", P("/endpoints/%s/attach", ep), "{'SystemType': 'Host', 'PortKind': 'af_packet'}");
	cr_assert_eq(oint("State"), 2);
	cr_assert_str_eq(ostr("InterfaceName"), "vEthernet-x");
	fails("POST", P("/endpoints/%s/attach", ep), "{'SystemType': 'Host'}", 409,
	      "already attached", NULL);
	ok("POST", P("/endpoints/%s/detach", ep), "{}");
	ok("DELETE", P("/endpoints/%s", ep), NULL);
	cr_assert_str_eq(log_buf, "plumb p1;unplumb p1;");
}

Test(plumb, container_attach_naming_a_namespace_adds_it_there)
{
	char ep[64], ns[64];

	make_net();
	make_ep("a", ep);
	ok("POST", "/namespaces/", "{}");
	snprintf(ns, sizeof(ns), "%s", ostr("ID"));
	ok("POST", P("/endpoints/%s/attach", ep),
	   B("{'ContainerId': '%s', 'SystemType': 'Container'}", ns));
	ok("GET", P("/namespaces/%s", ns), NULL);
	cr_assert_str_eq(ostr("ResourceList[0].Data.Id"), ep);
	/* deleting the endpoint takes its interface with it */
	ok("DELETE", P("/endpoints/%s", ep), NULL);
	ok("GET", P("/namespaces/%s", ns), NULL);
	cr_assert_eq(json_array_size(jget(out(), "ResourceList")), 0);
	cr_assert_str_eq(log_buf, "make new;plumb p1;unplumb p1;");
}
