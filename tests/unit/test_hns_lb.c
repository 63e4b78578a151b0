/* HNS load balancers in the model (hns_lb.c, hns_lb_v2.c), without DPDK:
 * what a HostComputeLoadBalancer or a v1 ELB list becomes for the switch
 * (the struct hns_lb handed to a fake dataplane), the v2 view of each,
 * duplicate frontends (409, before the switch is asked), no backends,
 * values refused naming their field, a dataplane refusal leaving nothing,
 * PUT and DELETE reaching the switch, and a restore from the store
 * programming every load balancer again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "hns.h"
#include "hns_request.h"
#include "store.h"

/* ---- a fake switch: remembers what each LB was programmed as ---- */

#define MAXLB 16

static struct fake_lb {
	char id[64];
	bool set;
	size_t n_rules, n_backends;
	struct hns_lb_rule rule0;
	char vip0[32], svip0[32], be_ip[4][32], be_id[4][64];
} lbs[MAXLB];
static int n_sets, n_removes, fail_status;

static struct fake_lb *slot(const char *id, bool make)
{
	for (int i = 0; i < MAXLB; i++)
		if (lbs[i].id[0] && strcmp(lbs[i].id, id) == 0)
			return &lbs[i];
	for (int i = 0; make && i < MAXLB; i++)
		if (!lbs[i].id[0]) {
			snprintf(lbs[i].id, sizeof(lbs[i].id), "%s", id);
			return &lbs[i];
		}
	return NULL;
}

static int fake_lb_set(void *ctx, const char *id, const struct hns_lb *lb,
		       char *err, size_t errlen)
{
	struct fake_lb *f;

	(void)ctx;
	if (lb == NULL) {
		n_removes++;
		if ((f = slot(id, false)) != NULL)
			memset(f, 0, sizeof(*f));
		return 0;
	}
	if (fail_status) {
		snprintf(err, errlen, "the switch said no");
		return fail_status;
	}
	n_sets++;
	f = slot(id, true);
	if (f == NULL) /* the benchmark: more LBs than the fake remembers */
		return 0;
	cr_assert_str_eq(lb->id, id);
	f->set = true;
	f->n_rules = lb->n_rules;
	f->n_backends = lb->n_backends;
	f->rule0 = lb->rules[0];
	snprintf(f->vip0, sizeof(f->vip0), "%s", lb->rules[0].n_vips ? lb->rules[0].vips[0] : "");
	snprintf(f->svip0, sizeof(f->svip0), "%s",
		 lb->rules[0].source_vip ? lb->rules[0].source_vip : "");
	for (size_t i = 0; i < lb->n_backends && i < 4; i++) {
		snprintf(f->be_ip[i], sizeof(f->be_ip[i]), "%s", lb->backends[i].ip);
		snprintf(f->be_id[i], sizeof(f->be_id[i]), "%s", lb->backends[i].endpoint_id);
	}
	return 0;
}

static int fake_lb_counters(void *ctx, const char *id, json_t *out)
{
	(void)ctx;
	if (slot(id, false) == NULL)
		return -1;
	json_object_set_new(out, "Packets", json_integer(7));
	return 0;
}

static const struct hns_dataplane fake_dp = {
	.lb_set = fake_lb_set,
	.lb_counters = fake_lb_counters,
};

static char dbpath[128];

static void reset_fake(void)
{
	memset(lbs, 0, sizeof(lbs));
	n_sets = n_removes = fail_status = 0;
}

static void setup(void)
{
	char e[256];

	reset_fake();
	h = hns_create(NULL, &fake_dp, e, sizeof(e));
	cr_assert_not_null(h, "%s", e);
}

static void teardown(void)
{
	json_decref(resp);
	resp = NULL;
	hns_destroy(h);
	if (dbpath[0]) {
		char p[200];

		unlink(dbpath);
		snprintf(p, sizeof(p), "%s-wal", dbpath);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", dbpath);
		unlink(p);
	}
}

TestSuite(lb, .init = setup, .fini = teardown);

static char ep[3][64], body[2048], path[160], lb_id[64];

#define B(...) (snprintf(body, sizeof(body), __VA_ARGS__), body)
#define P(...) (snprintf(path, sizeof(path), __VA_ARGS__), path)

/* a network, two local endpoints and a remote one (v2 Flags 1) */
static void make_backends(void)
{
	char net[64];

	ok("POST", "/networks/", "{'Name': 'kn', 'Type': 'L2Bridge', 'Subnets': "
	   "[{'AddressPrefix': '10.244.1.0/24', 'GatewayAddress': '10.244.1.1'}]}");
	snprintf(net, sizeof(net), "%s", ostr("ID"));
	ok("POST", "/endpoints/", "{'Name': 'p0', 'VirtualNetworkName': 'kn', "
	   "'IPAddress': '10.244.1.11'}");
	snprintf(ep[0], sizeof(ep[0]), "%s", ostr("ID"));
	ok("POST", "/endpoints/", "{'Name': 'p1', 'VirtualNetworkName': 'kn', "
	   "'IPAddress': '10.244.1.12'}");
	snprintf(ep[1], sizeof(ep[1]), "%s", ostr("ID"));
	ok("POST", "/v2/endpoints", B("{'HostComputeNetwork': '%s', 'IpConfigurations': "
	   "[{'IpAddress': '10.244.2.7'}], 'MacAddress': '02-11-0a-f4-02-07', 'Flags': 1}",
	   net));
	snprintf(ep[2], sizeof(ep[2]), "%s", ostr("ID"));
}

/* kube-proxy's ClusterIP LB: UDP 53, session affinity, a SourceVIP */
static const char *clusterip(const char *vip, int port)
{
	return B("{'HostComputeEndpoints': ['%s', '%s', '%s'], 'SourceVIP': '10.244.1.2', "
		 "'FrontendVIPs': ['%s'], 'PortMappings': [{'Protocol': 17, "
		 "'InternalPort': 5353, 'ExternalPort': %d, 'DistributionType': 2, "
		 "'Flags': 0}], 'SchemaVersion': {'Major': 2, 'Minor': 0}, 'Flags': 0}",
		 ep[0], ep[1], ep[2], vip, port);
}

Test(lb, v2_create_programs_rules_and_backend_addresses)
{
	struct fake_lb *f;

	make_backends();
	ok("POST", "/v2/loadbalancers", clusterip("10.96.0.10", 53));
	cr_assert_null(json_object_get(resp, "Warnings"), "kube-proxy's keys warned about");
	snprintf(lb_id, sizeof(lb_id), "%s", ostr("ID"));
	/* the counters are GET's extension: HNS's create reply has none */
	cr_assert_null(jget(out(), "Counters"), "a POST reply with counters");
	f = slot(lb_id, false);
	cr_assert_not_null(f, "not programmed");
	cr_assert_eq(f->n_rules, 1);
	cr_assert_eq(f->rule0.protocol, 17);
	cr_assert_eq(f->rule0.internal_port, 5353);
	cr_assert_eq(f->rule0.external_port, 53);
	cr_assert_eq(f->rule0.distribution, 2);
	cr_assert_not(f->rule0.dsr);
	cr_assert_eq(f->rule0.n_vips, 1);
	cr_assert_str_eq(f->vip0, "10.96.0.10");
	cr_assert_str_eq(f->svip0, "10.244.1.2");
	/* the remote endpoint is a backend like the local ones */
	cr_assert_eq(f->n_backends, 3);
	cr_assert_str_eq(f->be_ip[0], "10.244.1.11");
	cr_assert_str_eq(f->be_ip[1], "10.244.1.12");
	cr_assert_str_eq(f->be_ip[2], "10.244.2.7");
	cr_assert_str_eq(f->be_id[2], ep[2]);
	/* the v2 view says what was asked, plus the switch's counters */
	ok("GET", P("/v2/loadbalancers/%s", lb_id), NULL);
	cr_assert_eq(oint("PortMappings[0].Protocol"), 17);
	cr_assert_eq(oint("PortMappings[0].InternalPort"), 5353);
	cr_assert_eq(oint("PortMappings[0].ExternalPort"), 53);
	cr_assert_eq(oint("PortMappings[0].DistributionType"), 2);
	cr_assert_eq(oint("PortMappings[0].Flags"), 0);
	cr_assert_str_eq(ostr("FrontendVIPs[0]"), "10.96.0.10");
	cr_assert_str_eq(ostr("SourceVIP"), "10.244.1.2");
	cr_assert_str_eq(ostr("HostComputeEndpoints[2]"), ep[2]);
	cr_assert_eq(oint("Flags"), 0);
	cr_assert_eq(oint("SchemaVersion.Major"), 2);
	cr_assert_eq(oint("Counters.Packets"), 7);
	/* and the v1 view is an ELB list */
	ok("GET", P("/policylists/%s", lb_id), NULL);
	cr_assert_str_eq(ostr("Policies[0].Type"), "ELB");
	cr_assert_str_eq(ostr("References[0]"), P("/endpoints/%s", ep[0]));
}

Test(lb, nodeport_dsr_and_v1_elb)
{
	struct fake_lb *f;

	make_backends();
	/* NodePort: no FrontendVIPs, LocalRoutedVIP | VipExternalIP; DSR */
	ok("POST", "/v2/loadbalancers", B("{'HostComputeEndpoints': ['%s'], 'PortMappings': "
	   "[{'Protocol': 6, 'InternalPort': 80, 'ExternalPort': 30080, 'Flags': 18}], "
	   "'Flags': 1}", ep[0]));
	f = slot(ostr("ID"), false);
	cr_assert_not_null(f);
	cr_assert_eq(f->rule0.n_vips, 0, "a NodePort has no VIP: every host address");
	cr_assert(f->rule0.dsr);
	cr_assert_eq(f->rule0.flags, 18);
	cr_assert_null(jget(out(), "FrontendVIPs"));
	cr_assert_eq(oint("Flags"), 1);
	/* v1: ILB is PortMapping flag 1, IsDSR (or DSR) the LB's flag 1 */
	ok("POST", "/policylists/", B("{'References': ['/endpoints/%s'], 'Policies': "
	   "[{'Type': 'ELB', 'Protocol': 6, 'InternalPort': 8080, 'ExternalPort': 80, "
	   "'VIPs': ['10.96.0.1'], 'ILB': true, 'DSR': true}]}", ep[1]));
	cr_assert(json_is_true(jget(out(), "Policies[0].IsDSR")));
	cr_assert_null(jget(out(), "Policies[0].DSR"));
	f = slot(ostr("ID"), false);
	cr_assert_not_null(f);
	cr_assert(f->rule0.dsr);
	cr_assert_eq(f->rule0.flags & 1, 1);
	ok("GET", P("/v2/loadbalancers/%s", f->id), NULL);
	cr_assert_eq(oint("PortMappings[0].Flags"), 1);
	cr_assert_eq(oint("Flags"), 1);
	/* a ROUTE list is no load balancer: never programmed, not in v2 */
	n_sets = 0;
	ok("POST", "/policylists/", B("{'References': ['/endpoints/%s'], 'Policies': "
	   "[{'Type': 'ROUTE', 'DestinationPrefix': '10.9.0.0/16'}]}", ep[1]));
	cr_assert_eq(n_sets, 0);
	fails("GET", P("/v2/loadbalancers/%s", ostr("ID")), NULL, 404, "Element not found", NULL);
	ok("GET", "/v2/loadbalancers", NULL);
	cr_assert_eq(json_array_size(out()), 2);
}

Test(lb, duplicate_frontend_is_409_before_the_switch)
{
	make_backends();
	ok("POST", "/v2/loadbalancers", clusterip("10.96.0.10", 53));
	snprintf(lb_id, sizeof(lb_id), "%s", ostr("ID"));
	n_sets = 0;
	fails("POST", "/v2/loadbalancers", clusterip("10.96.0.10", 53), 409,
	      "FrontendVIPs[0]", "already exists");
	cr_assert_eq(json_integer_value(json_object_get(resp, "ErrorCode")), 0x803B0013);
	cr_assert_eq(n_sets, 0, "the switch was asked");
	fails("POST", "/policylists/", B("{'References': ['/endpoints/%s'], 'Policies': "
	      "[{'Type': 'ELB', 'Protocol': 17, 'InternalPort': 1, 'ExternalPort': 53, "
	      "'VIPs': ['10.96.0.10']}]}", ep[0]), 409, "Policies[0].VIPs[0]", lb_id);
	/* the owner may keep its own frontend in a PUT */
	ok("PUT", P("/v2/loadbalancers/%s", lb_id), clusterip("10.96.0.10", 53));
	cr_assert_eq(n_sets, 1);
	/* two of its own mappings on one frontend: 400 */
	fails("POST", "/v2/loadbalancers", B("{'HostComputeEndpoints': ['%s'], "
	      "'PortMappings': [{'Protocol': 6, 'ExternalPort': 80}, {'Protocol': 6, "
	      "'ExternalPort': 80}]}", ep[0]), 400, "PortMappings[1]", "twice");
	ok("GET", "/v2/loadbalancers", NULL);
	cr_assert_eq(json_array_size(out()), 1);
}

Test(lb, no_backend_and_bad_values_name_the_field)
{
	static const struct { const char *body, *field; int status; } bad[] = {
		{ "{'HostComputeEndpoints': [], 'PortMappings': [{'Protocol': 6, 'ExternalPort': 80}]}",
		  "HostComputeEndpoints", 400 },
		{ "{'PortMappings': [{'Protocol': 6, 'ExternalPort': 80}]}",
		  "HostComputeEndpoints", 400 },
		{ "{'HostComputeEndpoints': ['E0'], 'PortMappings': []}", "PortMappings", 400 },
		{ "{'HostComputeEndpoints': ['E0']}", "PortMappings", 400 },
		{ "{'HostComputeEndpoints': ['E0'], 'PortMappings': [{'Protocol': 1, 'ExternalPort': 80}]}",
		  "PortMappings[0].Protocol", 400 },
		{ "{'HostComputeEndpoints': ['E0'], 'PortMappings': [{'Protocol': 6}]}",
		  "PortMappings[0].ExternalPort", 400 },
		{ "{'HostComputeEndpoints': ['E0'], 'PortMappings': [{'Protocol': 6, 'ExternalPort': 80, "
		  "'DistributionType': 9}]}", "PortMappings[0].DistributionType", 400 },
		{ "{'HostComputeEndpoints': ['E0'], 'FrontendVIPs': ['1.2.3'], 'PortMappings': "
		  "[{'Protocol': 6, 'ExternalPort': 80}]}", "FrontendVIPs[0]", 400 },
		{ "{'HostComputeEndpoints': ['E0'], 'SourceVIP': 'fd00::1', 'PortMappings': "
		  "[{'Protocol': 6, 'ExternalPort': 80}]}", "SourceVIP", 400 },
		{ "{'HostComputeEndpoints': ['E0'], 'Flags': 2, 'PortMappings': "
		  "[{'Protocol': 6, 'ExternalPort': 80}]}", "Flags", 400 },
		{ "{'HostComputeEndpoints': ['nope'], 'PortMappings': [{'Protocol': 6, 'ExternalPort': 80}]}",
		  "HostComputeEndpoints[0]", 400 },
		{ "{'HostComputeEndpoints': ['5A3B0000-0000-4000-8000-00000000000F'], 'PortMappings': "
		  "[{'Protocol': 6, 'ExternalPort': 80}]}", "HostComputeEndpoints[0]", 404 },
	};

	make_backends();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char b[1024], *at;

		snprintf(b, sizeof(b), "%s", bad[i].body);
		if ((at = strstr(b, "'E0'")) != NULL) { /* the first endpoint's ID */
			char rest[1024];

			snprintf(rest, sizeof(rest), "%s", at + 4);
			snprintf(at, sizeof(b) - (size_t)(at - b), "'%s'%s", ep[0], rest);
		}
		fails("POST", "/v2/loadbalancers", b, bad[i].status, bad[i].field, NULL);
	}
	cr_assert_eq(n_sets, 0);
	ok("GET", "/v2/loadbalancers", NULL);
	cr_assert_eq(json_array_size(out()), 0);
	ok("GET", "/policylists/", NULL);
	cr_assert_eq(json_array_size(out()), 0);
}

Test(lb, switch_refusal_leaves_nothing)
{
	make_backends();
	fail_status = 409;
	fails("POST", "/v2/loadbalancers", clusterip("10.96.0.10", 53), 409, "the switch said no",
	      NULL);
	cr_assert_eq(json_integer_value(json_object_get(resp, "ErrorCode")), 0x803B0013);
	ok("GET", "/v2/loadbalancers", NULL);
	cr_assert_eq(json_array_size(out()), 0);
	/* the frontend was not indexed: it can be made once the switch agrees */
	fail_status = 0;
	ok("POST", "/v2/loadbalancers", clusterip("10.96.0.10", 53));
	snprintf(lb_id, sizeof(lb_id), "%s", ostr("ID"));
	/* a refused PUT keeps the old object */
	fail_status = 507;
	fails("PUT", P("/v2/loadbalancers/%s", lb_id), clusterip("10.96.0.11", 53), 507, NULL,
	      NULL);
	fail_status = 0;
	ok("GET", P("/v2/loadbalancers/%s", lb_id), NULL);
	cr_assert_str_eq(ostr("FrontendVIPs[0]"), "10.96.0.10");
	/* ... and its old frontend stays taken, the new one free */
	fails("POST", "/v2/loadbalancers", clusterip("10.96.0.10", 53), 409, NULL, NULL);
	ok("POST", "/v2/loadbalancers", clusterip("10.96.0.11", 53));
}

Test(lb, put_and_delete_reach_the_switch)
{
	struct fake_lb *f;

	make_backends();
	ok("POST", "/v2/loadbalancers", clusterip("10.96.0.10", 53));
	snprintf(lb_id, sizeof(lb_id), "%s", ostr("ID"));
	ok("PUT", P("/v2/loadbalancers/%s", lb_id), B("{'ID': '%s', 'HostComputeEndpoints': "
	   "['%s'], 'FrontendVIPs': ['10.96.0.12'], 'PortMappings': [{'Protocol': 6, "
	   "'InternalPort': 8080, 'ExternalPort': 80}]}", lb_id, ep[1]));
	cr_assert_str_eq(ostr("ID"), lb_id);
	f = slot(lb_id, false);
	cr_assert_eq(f->n_backends, 1);
	cr_assert_str_eq(f->be_ip[0], "10.244.1.12");
	cr_assert_str_eq(f->vip0, "10.96.0.12");
	cr_assert_eq(f->rule0.protocol, 6);
	/* the old frontend is free now */
	ok("POST", "/v2/loadbalancers", clusterip("10.96.0.10", 53));
	fails("PUT", P("/v2/loadbalancers/%s", lb_id), B("{'ID': '%s', 'HostComputeEndpoints': "
	      "['%s'], 'PortMappings': [{'Protocol': 6, 'ExternalPort': 80}]}",
	      "5A3B0000-0000-4000-8000-000000000001", ep[1]), 400, "ID", NULL);
	fails("POST", P("/v2/loadbalancers/%s", lb_id), "{}", 405, NULL, NULL);
	ok("DELETE", P("/v2/loadbalancers/%s", lb_id), NULL);
	cr_assert_eq(n_removes, 1);
	cr_assert_null(slot(lb_id, false));
	fails("DELETE", P("/v2/loadbalancers/%s", lb_id), NULL, 404, NULL, NULL);
}

Test(lb, restore_from_the_store_programs_every_lb)
{
	struct hns_store *st;
	char e[256], *before;

	hns_destroy(h);
	snprintf(dbpath, sizeof(dbpath), "/tmp/test_hns_lb_%d.db", (int)getpid());
	unlink(dbpath);
	st = store_open(dbpath, e, sizeof(e));
	cr_assert_not_null(st, "%s", e);
	h = hns_create(st, &fake_dp, e, sizeof(e));
	cr_assert_not_null(h, "%s", e);
	make_backends();
	ok("POST", "/v2/loadbalancers", clusterip("10.96.0.10", 53));
	snprintf(lb_id, sizeof(lb_id), "%s", ostr("ID"));
	ok("POST", "/policylists/", B("{'References': ['/endpoints/%s'], 'Policies': "
	   "[{'Type': 'ELB', 'Protocol': 6, 'InternalPort': 80, 'ExternalPort': 80, "
	   "'VIPs': ['10.96.0.1']}]}", ep[0]));
	ok("GET", "/policylists/", NULL);
	before = json_dumps(out(), JSON_COMPACT);
	hns_destroy(h);
	store_close(st);
	reset_fake();
	st = store_open(dbpath, e, sizeof(e));
	cr_assert_not_null(st, "%s", e);
	h = hns_create(st, &fake_dp, e, sizeof(e));
	cr_assert_not_null(h, "%s", e);
	cr_assert_eq(n_sets, 2, "%d load balancers programmed on restore", n_sets);
	cr_assert_eq(slot(lb_id, false)->n_backends, 3);
	ok("GET", "/policylists/", NULL);
	{
		char *after = json_dumps(out(), JSON_COMPACT);

		cr_assert_str_eq(after, before);
		free(after);
	}
	free(before);
	/* the frontends are indexed again */
	fails("POST", "/v2/loadbalancers", clusterip("10.96.0.10", 53), 409, NULL, NULL);
	hns_destroy(h);
	h = NULL;
	store_close(st);
	h = hns_create(NULL, NULL, e, sizeof(e)); /* for teardown */
}

Test(lb, deleted_backend_leaves_the_switch)
{
	struct fake_lb *f;

	make_backends();
	ok("POST", "/v2/loadbalancers", clusterip("10.96.0.10", 53));
	snprintf(lb_id, sizeof(lb_id), "%s", ostr("ID"));
	ok("DELETE", P("/endpoints/%s", ep[1]), NULL);
	f = slot(lb_id, false);
	cr_assert_not_null(f);
	cr_assert_eq(f->n_backends, 2, "%zu backends after one was deleted", f->n_backends);
	cr_assert_str_eq(f->be_ip[0], "10.244.1.11");
	cr_assert_str_eq(f->be_ip[1], "10.244.2.7");
	/* the object is the client's: it still names the deleted one */
	ok("GET", P("/v2/loadbalancers/%s", lb_id), NULL);
	cr_assert_eq(json_array_size(jget(out(), "HostComputeEndpoints")), 3);
	/* no backend left: out of the switch, still listed */
	ok("DELETE", P("/endpoints/%s", ep[0]), NULL);
	ok("DELETE", P("/v2/endpoints/%s", ep[2]), NULL);
	cr_assert_null(slot(lb_id, false));
	ok("GET", P("/v2/loadbalancers/%s", lb_id), NULL);
	cr_assert_null(jget(out(), "Counters"), "not programmed, yet it has counters");
	ok("DELETE", P("/v2/loadbalancers/%s", lb_id), NULL);
}

/* ---- the whole-list GETs written as text (issue 17) ---- */

static int fake_lb_counters_text(void *ctx, const char *id, struct jtext *t)
{
	(void)ctx;
	if (slot(id, false) == NULL)
		return -1;
	jtext_lit(t, "{\"Packets\":7}"); /* fake_lb_counters' object */
	return 0;
}

static const struct hns_dataplane fake_dp_text = {
	.lb_set = fake_lb_set,
	.lb_counters = fake_lb_counters,
	.lb_counters_text = fake_lb_counters_text,
};

/* hns_handle_text answers path with the bytes hns_handle's response dumps
 * to (what the server sends for it) */
static void text_is_tree(const char *path)
{
	char *text = NULL, *dumped;
	size_t len = 0;

	cr_assert_eq(hns_handle_text(h, "GET", path, NULL, &text, &len), 200, "%s", path);
	cr_assert_not_null(text);
	cr_assert_eq(len, strlen(text));
	cr_assert_eq(req("GET", path, NULL), 200, "%s: %s", path, err());
	dumped = json_dumps(resp, JSON_COMPACT);
	cr_assert_str_eq(text, dumped, "%s: text and tree differ", path);
	free(text);
	free(dumped);
}

static void lists_are_trees(size_t n_v2, size_t n_v1)
{
	static const char *const paths[] = {
		"/v2/loadbalancers", "/v2/loadbalancers/", "/v2/loadbalancers?filter=",
		"/v2/loadbalancers?filter=%7B%7D", "/policylists/", "/policylists",
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		text_is_tree(paths[i]);
	ok("GET", "/v2/loadbalancers", NULL);
	cr_assert_eq(json_array_size(out()), n_v2);
	ok("GET", "/policylists/", NULL);
	cr_assert_eq(json_array_size(out()), n_v1);
}

/* Every kind of load balancer and policy list the two views render, the
 * list as text against the list made as a tree, after each kind of change:
 * create, PUT, DELETE, a backend endpoint deleted. */
static void list_text_matches(void)
{
	char ids[4][64];

	make_backends();
	/* v2: ClusterIP with a SourceVIP */
	ok("POST", "/v2/loadbalancers", clusterip("10.96.0.10", 53));
	snprintf(ids[0], sizeof(ids[0]), "%s", ostr("ID"));
	/* v2: NodePort (no VIPs), DSR, two mappings, ILB, a distribution */
	ok("POST", "/v2/loadbalancers", B("{'HostComputeEndpoints': ['%s'], 'PortMappings': "
	   "[{'Protocol': 6, 'InternalPort': 80, 'ExternalPort': 30080, 'Flags': 1}, "
	   "{'Protocol': 17, 'InternalPort': 53, 'ExternalPort': 30053, "
	   "'DistributionType': 1}], 'Flags': 1}", ep[0]));
	snprintf(ids[1], sizeof(ids[1]), "%s", ostr("ID"));
	/* v2 with keys no schema has (kept, echoed back) */
	ok("POST", "/v2/loadbalancers", B("{'HostComputeEndpoints': ['%s', '%s'], "
	   "'FrontendVIPs': ['10.96.0.11'], 'PortMappings': [{'Protocol': 6, "
	   "'InternalPort': 80, 'ExternalPort': 80, 'PmFuture': 1}], 'Future': "
	   "{'a': 'q\\'\\\\\\n\\u00e9\\u0001/'}}", ep[1], ep[2]));
	snprintf(ids[2], sizeof(ids[2]), "%s", ostr("ID"));
	cr_assert_not_null(jget(out(), "Future"));
	/* v1: an ELB list with a policy of a type kept verbatim (odd strings,
	 * a real), one with a key kept, one that is no load balancer */
	ok("POST", "/policylists/", B("{'References': ['/endpoints/%s'], 'Policies': "
	   "[{'Type': 'ELB', 'Protocol': 6, 'InternalPort': 8080, 'ExternalPort': 8081, "
	   "'VIPs': ['10.96.0.20'], 'ILB': true, 'IsDSR': true}, {'Type': 'Future', "
	   "'Settings': {'S': 'tab\\t \\'q\\' \\\\ \\u2028 \\ud83d\\ude00 \\u001f', "
	   "'W': 1.5, 'N': -12, 'E': [], 'O': {}, 'Z': null, 'F': false}}]}", ep[0]));
	snprintf(ids[3], sizeof(ids[3]), "%s", ostr("ID"));
	cr_assert_eq(jget(out(), "Policies[1].Settings.W") != NULL, true);
	ok("POST", "/policylists/", B("{'References': ['/endpoints/%s'], 'PlFuture': 'x', "
	   "'Policies': [{'Type': 'ELB', 'Protocol': 17, 'InternalPort': 53, "
	   "'ExternalPort': 53, 'VIPs': ['10.96.0.21']}]}", ep[1]));
	ok("POST", "/policylists/", "{}");
	lists_are_trees(5, 6);
	/* a PUT (other backends, ports, VIPs) */
	ok("PUT", P("/v2/loadbalancers/%s", ids[0]), B("{'HostComputeEndpoints': ['%s'], "
	   "'FrontendVIPs': ['10.96.0.12', '10.96.0.13'], 'PortMappings': [{'Protocol': 6, "
	   "'InternalPort': 8443, 'ExternalPort': 443}]}", ep[2]));
	lists_are_trees(5, 6);
	ok("DELETE", P("/v2/loadbalancers/%s", ids[1]), NULL);
	ok("DELETE", P("/policylists/%s", ids[3]), NULL);
	lists_are_trees(3, 4);
	/* a backend gone: ids[0] has none left in the switch (no Counters) */
	ok("DELETE", P("/v2/endpoints/%s", ep[2]), NULL);
	lists_are_trees(3, 4);
	ok("GET", P("/v2/loadbalancers/%s", ids[0]), NULL);
	cr_assert_null(jget(out(), "Counters"));
	ok("GET", P("/v2/loadbalancers/%s", ids[2]), NULL);
	cr_assert_eq(json_integer_value(jget(out(), "Counters.Packets")), 7);
}

Test(lb, list_text_matches_the_tree)
{
	list_text_matches(); /* counters through lb_counters */
}

Test(lb, list_text_matches_the_tree_counters_as_text)
{
	char e[256];

	hns_destroy(h);
	h = hns_create(NULL, &fake_dp_text, e, sizeof(e));
	cr_assert_not_null(h, "%s", e);
	list_text_matches();
}

Test(lb, list_text_only_for_whole_lists)
{
	static const char *const paths[] = {
		"/v2/loadbalancers/5A3B0000-0000-4000-8000-000000000001",
		"/v2/loadbalancers?filter=%7B%22ID%22%3A%22x%22%7D",
		"/v2/loadbalancers?filter=%7Bbad", "/v2/endpoints", "/policylists/x",
		"/networks/", "/v2/loadbalancers/x/y",
	};
	char *text = NULL;
	size_t len = 0;

	make_backends();
	ok("POST", "/v2/loadbalancers", clusterip("10.96.0.10", 53));
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		cr_assert_eq(hns_handle_text(h, "GET", paths[i], NULL, &text, &len), 0,
			     "%s", paths[i]);
	cr_assert_eq(hns_handle_text(h, "POST", "/v2/loadbalancers", NULL, &text, &len), 0);
	cr_assert_eq(hns_handle_text(h, "HEAD", "/policylists/", NULL, &text, &len), 0);
	/* the query as the HTTP server gives it (decoded) */
	cr_assert_eq(hns_handle_text(h, "GET", "/v2/loadbalancers", "filter={\"ID\":\"x\"}",
				     &text, &len), 0);
	cr_assert_eq(hns_handle_text(h, "GET", "/v2/loadbalancers", "filter={}", &text,
				     &len), 200);
	free(text);
}

/* json_text writes what json_dumps does, escapes and all */
Test(lb, json_text_is_json_dumps)
{
	static const char *const docs[] = {
		"{\"a\\\"b\":\"x\\\"y\\\\z\\/\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\"}",
		"[\"\\u00e9\\u2028\\ud83d\\ude00\",\"\",[],{},[[]],{\"\":{}}]",
		"{\"i\":[0,-1,9223372036854775807,-9223372036854775807],\"r\":[1.5,-0.0,1e300,"
		"0.1,3.0],\"b\":[true,false,null]}",
	};
	struct jtext t;
	json_error_t je;
	char *a;
	size_t len;

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_t *v = json_loads(docs[i], 0, &je);
		char *b;

		cr_assert_not_null(v, "%s", je.text);
		jtext_init(&t, 0);
		jtext_value(&t, v);
		a = jtext_take(&t, &len);
		b = json_dumps(v, JSON_COMPACT);
		cr_assert_str_eq(a, b);
		free(a);
		free(b);
		json_decref(v);
	}
	jtext_init(&t, 1);
	jtext_int(&t, (long long)(-9223372036854775807LL - 1));
	jtext_lit(&t, ",");
	jtext_string(&t, "a\0b", 3);
	a = jtext_take(&t, &len);
	cr_assert_str_eq(a, "-9223372036854775808,\"a\\u0000b\"");
	cr_assert_eq(len, strlen(a));
	free(a);
}

/* ---- benchmark: kube-proxy's first sync in the model alone ---- */

#include <time.h>

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

/* 10,000 LBs x 4 backends through hns_handle with the SQLite store and a
 * fake switch: the HNS model's share of tests/bench/lb_api_bench.py (no
 * HTTP, no engine). Reports, does not assert a time. */
Test(lb, bench_10000_lbs_in_the_model, .timeout = 300)
{
	enum { N_LB = 10000, N_EP = 400 };
	static double lat[N_LB];
	static char ids[N_EP][40];
	struct hns_store *st;
	char e[256], net[64];
	double t0, total;

	hns_destroy(h);
	snprintf(dbpath, sizeof(dbpath), "/tmp/test_hns_lb_bench_%d.db", (int)getpid());
	unlink(dbpath);
	st = store_open(dbpath, e, sizeof(e));
	cr_assert_not_null(st, "%s", e);
	h = hns_create(st, &fake_dp, e, sizeof(e));
	ok("POST", "/networks/", "{'Name': 'kb', 'Type': 'L2Bridge', 'Subnets': "
	   "[{'AddressPrefix': '10.128.0.0/12', 'GatewayAddress': '10.128.0.1'}]}");
	snprintf(net, sizeof(net), "%s", ostr("ID"));
	for (int i = 0; i < N_EP; i++) {
		ok("POST", "/v2/endpoints", B("{'HostComputeNetwork': '%s', 'IpConfigurations': "
		   "[{'IpAddress': '10.129.%d.%d'}], 'Flags': 1}", net, i / 200, i % 200 + 1));
		snprintf(ids[i], sizeof(ids[i]), "%s", ostr("ID"));
	}
	t0 = now_us();
	for (int i = 0; i < N_LB; i++) {
		double t = now_us();

		B("{'HostComputeEndpoints': ['%s', '%s', '%s', '%s'], 'SourceVIP': "
		  "'10.128.0.2', 'FrontendVIPs': ['10.96.%d.%d'], 'PortMappings': "
		  "[{'Protocol': 6, 'InternalPort': 8080, 'ExternalPort': 80, "
		  "'DistributionType': 0, 'Flags': 0}], 'SchemaVersion': {'Major': 2, "
		  "'Minor': 0}, 'Flags': 0}", ids[(4 * i) % N_EP], ids[(4 * i + 1) % N_EP],
		  ids[(4 * i + 2) % N_EP], ids[(4 * i + 3) % N_EP], i / 250, i % 250 + 1);
		cr_assert_eq(req("POST", "/v2/loadbalancers", body), 200, "%s", err());
		lat[i] = now_us() - t;
	}
	total = now_us() - t0;
	qsort(lat, N_LB, sizeof(lat[0]), by_double);
	fprintf(stderr, "bench: %d LBs x 4 backends through hns_handle (store, fake switch): "
		"%.2f s, p50 %.1f us, p99 %.1f us\n", N_LB, total / 1e6, lat[N_LB / 2],
		lat[N_LB * 99 / 100]);
	hns_destroy(h);
	h = NULL;
	store_close(st);
	h = hns_create(NULL, NULL, e, sizeof(e));
}
