/* IPAM: address and MAC allocation of endpoints, through hns_handle and
 * on the pool structures themselves (hns-api/hns_internal.h). No EAL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "hns.h"
#include "hns_request.h"
#include "hns_internal.h"

static char body[1024], path[256];

#define B(...) (snprintf(body, sizeof(body), __VA_ARGS__), body)
#define P(...) (snprintf(path, sizeof(path), __VA_ARGS__), path)

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

static void net(const char *name, const char *prefix, const char *gw,
		const char *macpools)
{
	char gwpart[96] = "";

	if (gw)
		snprintf(gwpart, sizeof(gwpart), ", 'GatewayAddress': '%s'", gw);
	ok("POST", "/networks/",
	   B("{'Name': '%s', 'Type': 'NAT', 'Subnets': [{'AddressPrefix': '%s'%s}]%s%s}",
	     name, prefix, gwpart, macpools ? ", 'MacPools': " : "",
	     macpools ? macpools : ""));
}

/* creates an endpoint on network net; returns its IP into ip and id */
static void ep(const char *netname, const char *name, const char *extra,
	       char *ip, char *id)
{
	ok("POST", "/endpoints/",
	   B("{'Name': '%s', 'VirtualNetworkName': '%s'%s%s}", name, netname,
	     extra ? ", " : "", extra ? extra : ""));
	if (ip)
		snprintf(ip, 64, "%s", ostr("IPAddress"));
	if (id)
		snprintf(id, 64, "%s", ostr("ID"));
}

TestSuite(ipam, .init = setup, .fini = teardown);
TestSuite(pool);

Test(ipam, next_free_skips_network_gateway_and_broadcast)
{
	char ip[64];
	static const char *want[] = { "10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5",
				      "10.1.0.6" };

	net("n", "10.1.0.0/29", "10.1.0.1", NULL);
	for (int i = 0; i < 5; i++) {
		char name[8];

		snprintf(name, sizeof(name), "e%d", i);
		ep("n", name, NULL, ip, NULL);
		cr_assert_str_eq(ip, want[i]);
	}
	/* .7 is the broadcast address: the subnet is full */
	fails("POST", "/endpoints/", "{'Name': 'x', 'VirtualNetworkName': 'n'}", 409,
	      "no free IPv4 address", NULL);
}

Test(ipam, gateway_in_the_middle_is_skipped)
{
	char ip[64];

	net("n", "10.2.0.0/29", "10.2.0.3", NULL);
	ep("n", "a", NULL, ip, NULL);
	cr_assert_str_eq(ip, "10.2.0.1");
	ep("n", "b", NULL, ip, NULL);
	cr_assert_str_eq(ip, "10.2.0.2");
	ep("n", "c", NULL, ip, NULL);
	cr_assert_str_eq(ip, "10.2.0.4");
}

Test(ipam, addresses_in_use_are_skipped)
{
	char ip[64];

	net("n", "10.3.0.0/24", "10.3.0.1", NULL);
	ep("n", "a", "'IPAddress': '10.3.0.2'", ip, NULL);
	ep("n", "b", "'IPAddress': '10.3.0.4'", ip, NULL);
	ep("n", "c", NULL, ip, NULL);
	cr_assert_str_eq(ip, "10.3.0.3");
	ep("n", "d", NULL, ip, NULL);
	cr_assert_str_eq(ip, "10.3.0.5");
}

Test(ipam, slash_30_exhaustion_is_a_clear_conflict_and_delete_frees)
{
	char ip[64], id[64];

	net("tiny", "10.4.0.0/30", "10.4.0.1", NULL);
	ep("tiny", "a", NULL, ip, id);
	cr_assert_str_eq(ip, "10.4.0.2");
	fails("POST", "/endpoints/", "{'Name': 'b', 'VirtualNetworkName': 'tiny'}", 409,
	      "no free IPv4 address left in network 'tiny' (subnet 10.4.0.0/30)", NULL);
	cr_assert(json_is_false(json_object_get(resp, "Success")));
	ok("DELETE", P("/endpoints/%s", id), NULL);
	ep("tiny", "b", NULL, ip, NULL);
	cr_assert_str_eq(ip, "10.4.0.2");
}

Test(ipam, freed_addresses_and_macs_are_reused_lowest_first)
{
	char ip[64], id[4][64];
	const char *mac;

	net("n", "10.5.0.0/24", "10.5.0.1", NULL);
	for (int i = 0; i < 4; i++) {
		char name[8];

		snprintf(name, sizeof(name), "e%d", i);
		ep("n", name, NULL, NULL, id[i]);
	}
	ok("DELETE", P("/endpoints/%s", id[2]), NULL);
	ok("DELETE", P("/endpoints/%s", id[1]), NULL);
	ep("n", "x", NULL, ip, NULL);
	cr_assert_str_eq(ip, "10.5.0.3");
	mac = ostr("MacAddress");
	cr_assert_str_eq(mac, "02-15-5D-00-00-01");
	ep("n", "y", NULL, ip, NULL);
	cr_assert_str_eq(ip, "10.5.0.4");
	cr_assert_str_eq(ostr("MacAddress"), "02-15-5D-00-00-02");
	ep("n", "z", NULL, ip, NULL);
	cr_assert_str_eq(ip, "10.5.0.6");
	cr_assert_str_eq(ostr("MacAddress"), "02-15-5D-00-00-04");
}

Test(ipam, later_subnets_are_used_when_the_first_is_full)
{
	char ip[64];

	ok("POST", "/networks/",
	   "{'Name': 'two', 'Type': 'NAT', 'Subnets': [{'AddressPrefix': '10.6.0.0/30', "
	   "'GatewayAddress': '10.6.0.1'}, {'AddressPrefix': '10.7.0.0/24', "
	   "'GatewayAddress': '10.7.0.1'}]}");
	ep("two", "a", NULL, ip, NULL);
	cr_assert_str_eq(ip, "10.6.0.2");
	ep("two", "b", NULL, ip, NULL);
	cr_assert_str_eq(ip, "10.7.0.2");
	cr_assert_str_eq(ostr("GatewayAddress"), "10.7.0.1");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(resp, "Output"),
							"PrefixLength")), 24);
}

Test(ipam, mac_pool_ranges_are_respected)
{
	net("p", "10.8.0.0/24", "10.8.0.1",
	    "[{'StartMacAddress': '00-15-5D-AA-00-00', 'EndMacAddress': '00-15-5D-AA-00-01'}, "
	    "{'StartMacAddress': '00-15-5D-BB-00-10', 'EndMacAddress': '00-15-5D-BB-00-10'}]");
	char id[64];

	ep("p", "a", NULL, NULL, id);
	cr_assert_str_eq(ostr("MacAddress"), "00-15-5D-AA-00-00");
	ep("p", "b", NULL, NULL, NULL);
	cr_assert_str_eq(ostr("MacAddress"), "00-15-5D-AA-00-01");
	ep("p", "c", NULL, NULL, NULL);
	cr_assert_str_eq(ostr("MacAddress"), "00-15-5D-BB-00-10");
	fails("POST", "/endpoints/", "{'Name': 'd', 'VirtualNetworkName': 'p'}", 409,
	      "no free MAC address", NULL);
	/* the failed endpoint took nothing; a freed pool MAC comes back */
	ok("DELETE", P("/endpoints/%s", id), NULL);
	ep("p", "d", NULL, NULL, NULL);
	cr_assert_str_eq(ostr("MacAddress"), "00-15-5D-AA-00-00");
	cr_assert_str_eq(ostr("IPAddress"), "10.8.0.2");
}

Test(ipam, default_pool_is_locally_administered_and_shared)
{
	net("a", "10.9.0.0/24", NULL, NULL);
	net("b", "10.10.0.0/24", NULL, NULL);
	ep("a", "x", NULL, NULL, NULL);
	cr_assert_str_eq(ostr("MacAddress"), "02-15-5D-00-00-00");
	/* no gateway: the first host address is free */
	cr_assert_str_eq(ostr("IPAddress"), "10.9.0.1");
	cr_assert_null(json_object_get(json_object_get(resp, "Output"), "GatewayAddress"));
	ep("b", "y", NULL, NULL, NULL);
	cr_assert_str_eq(ostr("MacAddress"), "02-15-5D-00-00-01");
	/* an explicit MAC inside the pool is skipped by allocation */
	ep("a", "z", "'MacAddress': '02-15-5d-00-00-02'", NULL, NULL);
	ep("b", "w", NULL, NULL, NULL);
	cr_assert_str_eq(ostr("MacAddress"), "02-15-5D-00-00-03");
}

Test(ipam, explicit_address_conflicts)
{
	char ip[64];

	net("n", "10.11.0.0/24", "10.11.0.1", NULL);
	ep("n", "a", "'IPAddress': '10.11.0.20', 'MacAddress': '00-15-5D-00-00-20'", ip, NULL);
	fails("POST", "/endpoints/",
	      "{'Name': 'b', 'VirtualNetworkName': 'n', 'IPAddress': '10.11.0.20'}", 409,
	      "IPAddress: 10.11.0.20 is already in use", NULL);
	fails("POST", "/endpoints/",
	      "{'Name': 'b', 'VirtualNetworkName': 'n', 'IPAddress': '10.11.0.1'}", 409,
	      "gateway", NULL);
	fails("POST", "/endpoints/",
	      "{'Name': 'b', 'VirtualNetworkName': 'n', 'IPAddress': '10.11.0.0'}", 400,
	      "network address", NULL);
	fails("POST", "/endpoints/",
	      "{'Name': 'b', 'VirtualNetworkName': 'n', 'IPAddress': '10.11.0.255'}", 400,
	      "broadcast address", NULL);
	fails("POST", "/endpoints/",
	      "{'Name': 'b', 'VirtualNetworkName': 'n', 'MacAddress': '00:15:5d:00:00:20'}",
	      409, "MacAddress: 00-15-5D-00-00-20 is already in use", NULL);
	/* the same address in another network (another compartment) is fine */
	net("m", "10.11.0.0/24", "10.11.0.1", NULL);
	ep("m", "c", "'IPAddress': '10.11.0.20'", ip, NULL);
	cr_assert_str_eq(ip, "10.11.0.20");
}

Test(ipam, explicit_prefix_length_and_gateway_are_kept)
{
	net("n", "10.12.0.0/16", "10.12.0.1", NULL);
	ep("n", "a", "'PrefixLength': 24, 'GatewayAddress': '10.12.0.254'", NULL, NULL);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(resp, "Output"),
							"PrefixLength")), 24);
	cr_assert_str_eq(ostr("GatewayAddress"), "10.12.0.254");
}

Test(ipam, v2_endpoints_use_the_same_pools)
{
	char id[64], ip[64];

	net("n", "10.13.0.0/24", "10.13.0.1", NULL);
	snprintf(id, sizeof(id), "%s", ostr("ID"));
	ep("n", "a", NULL, ip, NULL);
	ok("POST", "/v2/endpoints", B("{'Name': 'b', 'HostComputeNetwork': '%s'}", id));
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(
		json_object_get(resp, "Output"), "IpConfigurations"), 0), "IpAddress")),
		"10.13.0.3");
	fails("POST", "/v2/endpoints",
	      B("{'Name': 'c', 'HostComputeNetwork': '%s', 'IpConfigurations': "
		"[{'IpAddress': '10.13.0.2'}]}", id),
	      409, "IpConfigurations[0].IpAddress: 10.13.0.2 is already in use", NULL);
}

Test(ipam, ten_thousand_endpoints_get_unique_addresses)
{
	char ip[64];
	struct timespec t0, t1;
	uint8_t *seen_ip = calloc(65536, 1);
	struct macset macs;
	double worst = 0;

	macset_init(&macs);
	net("big", "10.20.0.0/16", "10.20.0.1", NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 10000; i++) {
		char name[16];
		struct ipaddr a;
		uint64_t mac;
		struct timespec a0, a1;
		double us;

		snprintf(name, sizeof(name), "e%d", i);
		clock_gettime(CLOCK_MONOTONIC, &a0);
		ep("big", name, NULL, ip, NULL);
		clock_gettime(CLOCK_MONOTONIC, &a1);
		us = (a1.tv_sec - a0.tv_sec) * 1e6 + (a1.tv_nsec - a0.tv_nsec) / 1e3;
		if (us > worst)
			worst = us;
		cr_assert_eq(ip_parse(ip, &a), 0);
		cr_assert_eq(a.v4 >> 16, (10u << 8) | 20u);
		cr_assert_eq(seen_ip[a.v4 & 0xffff], 0, "%s handed out twice", ip);
		seen_ip[a.v4 & 0xffff] = 1;
		cr_assert_eq(hns_mac_parse(ostr("MacAddress"), &mac), 0);
		cr_assert(!macset_has(&macs, mac), "%s handed out twice", ostr("MacAddress"));
		macset_add(&macs, mac);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(seen_ip[0], 0);
	cr_assert_eq(seen_ip[1], 0);
	cr_log_info("10000 endpoint creates: %.1f ms total, worst %.0f us",
		    (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6, worst);
	ok("GET", "/endpoints/", NULL);
	cr_assert_eq(json_array_size(json_object_get(resp, "Output")), 10000);
	macset_free(&macs);
	free(seen_ip);
}

/* ---- the structures ---- */

Test(pool, lowest_free_across_pages)
{
	struct ip_pool p;

	pool_init(&p, 0x0a000000, 20); /* 4096 addresses: one page */
	cr_assert_eq(p.size, 4096);
	cr_assert(pool_test(&p, 0));
	cr_assert(pool_test(&p, 4095));
	for (uint32_t i = 1; i < 4095; i++) {
		int64_t f = pool_find_free(&p);

		cr_assert_eq(f, i);
		pool_set(&p, (uint32_t)f);
	}
	cr_assert_eq(pool_find_free(&p), -1);
	pool_clear(&p, 77);
	pool_clear(&p, 3000);
	cr_assert_eq(pool_find_free(&p), 77);
	pool_set(&p, 77);
	cr_assert_eq(pool_find_free(&p), 3000);
	pool_fini(&p);

	pool_init(&p, 0x0a000000, 16); /* 16 pages */
	for (uint32_t i = 1; i < 9000; i++)
		pool_set(&p, i);
	cr_assert_eq(pool_find_free(&p), 9000);
	pool_clear(&p, 4096);
	cr_assert_eq(pool_find_free(&p), 4096);
	pool_fini(&p);
}

Test(pool, small_subnets)
{
	struct ip_pool p;

	pool_init(&p, 0x0a000000, 32);
	cr_assert_eq(pool_find_free(&p), 0);
	pool_set(&p, 0);
	cr_assert_eq(pool_find_free(&p), -1);
	pool_fini(&p);
	pool_init(&p, 0x0a000000, 31); /* RFC 3021: both usable */
	cr_assert_eq(pool_find_free(&p), 0);
	pool_fini(&p);
	pool_init(&p, 0x0a000000, 30);
	cr_assert_eq(pool_find_free(&p), 1);
	pool_set(&p, 1);
	pool_set(&p, 2);
	cr_assert_eq(pool_find_free(&p), -1);
	pool_fini(&p);
}

Test(pool, mac_ranges_and_set)
{
	struct macset s;
	struct mac_range r[2] = { { 10, 11, 10 }, { 20, 20, 20 } };
	uint64_t m;

	macset_init(&s);
	for (uint64_t i = 1; i < 5000; i++)
		macset_add(&s, i * 7919);
	for (uint64_t i = 1; i < 5000; i += 2)
		macset_del(&s, i * 7919);
	for (uint64_t i = 1; i < 5000; i++)
		cr_assert_eq(macset_has(&s, i * 7919), i % 2 == 0);
	macset_free(&s);

	macset_init(&s);
	cr_assert(mac_alloc(r, 2, &s, &m));
	cr_assert_eq(m, 10);
	macset_add(&s, m);
	cr_assert(mac_alloc(r, 2, &s, &m));
	cr_assert_eq(m, 11);
	macset_add(&s, m);
	cr_assert(mac_alloc(r, 2, &s, &m));
	cr_assert_eq(m, 20);
	macset_add(&s, m);
	cr_assert(!mac_alloc(r, 2, &s, &m));
	macset_del(&s, 10);
	mac_freed(r, 2, 10);
	cr_assert(mac_alloc(r, 2, &s, &m));
	cr_assert_eq(m, 10);
	macset_free(&s);
}

Test(pool, mac_text_forms)
{
	uint64_t m;
	char buf[18];

	cr_assert_eq(hns_mac_parse("00:15:5d:12:34:56", &m), 0);
	hns_mac_format(m, buf);
	cr_assert_str_eq(buf, "00-15-5D-12-34-56");
	cr_assert_eq(hns_mac_parse("00-15-5D-12-34-56", &m), 0);
	cr_assert_eq(m, 0x00155D123456ULL);
	cr_assert_eq(hns_mac_parse("00-15:5D-12-34-56", &m), -1);
	cr_assert_eq(hns_mac_parse("00-15-5D-12-34", &m), -1);
}
