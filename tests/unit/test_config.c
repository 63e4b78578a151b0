/* The startup config parser (vswitch/config.h) with its port Acls and
 * ExtendedAcls (rules read by vfp/port_acl.h and vfp/ext_acl.h), MAC text parsing
 * (hns-api/schema/addr_parse.h) and the strict JSON getters (hns-api/schema/json_util.h).
 * No EAL. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "addr_parse.h"
#include "config.h"
#include "json_util.h"
#include "vfp.h"

/* JSON written with single quotes for readability; ' becomes ". */
static char *j(const char *text)
{
	char *s = strdup(text);

	cr_assert_not_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

static struct switch_config out, before;
static char err[1024];

static void fill_pattern(void)
{
	memset(&out, 0x5c, sizeof(out));
	memcpy(&before, &out, sizeof(out));
	memset(err, 0, sizeof(err));
}

static void parse_ok(const char *json_sq)
{
	char *text = j(json_sq);

	fill_pattern();
	cr_assert_eq(config_parse_text(text, &out, err, sizeof(err)), 0,
		     "rejected: %s\nconfig: %s", err, text);
	free(text);
}

/* The parse fails, err is "<path>: ..." and contains also (if given), and
 * the output struct is untouched. */
static void parse_fails(const char *json_sq, const char *path, const char *also)
{
	char *text = j(json_sq);
	size_t n = strlen(path);

	fill_pattern();
	cr_assert_eq(config_parse_text(text, &out, err, sizeof(err)), -1,
		     "accepted: %s", text);
	cr_assert(strncmp(err, path, n) == 0 && err[n] == ':',
		  "error '%s' does not start with the path '%s'", err, path);
	if (also != NULL)
		cr_assert(strstr(err, also) != NULL, "error '%s' does not contain '%s'",
			  err, also);
	cr_assert_eq(memcmp(&out, &before, sizeof(out)), 0,
		     "a failed parse changed the output struct (%s)", err);
	free(text);
}

/* JSON syntax errors carry no path: "line L column C: text". */
static void parse_fails_syntax(const char *json_sq, int line, const char *also)
{
	char *text = j(json_sq);
	char want[32];

	snprintf(want, sizeof(want), "line %d column ", line);
	fill_pattern();
	cr_assert_eq(config_parse_text(text, &out, err, sizeof(err)), -1,
		     "accepted: %s", text);
	cr_assert(strncmp(err, want, strlen(want)) == 0,
		  "error '%s' does not start with '%s'", err, want);
	if (also != NULL)
		cr_assert(strstr(err, also) != NULL, "error '%s' does not contain '%s'",
			  err, also);
	cr_assert_eq(memcmp(&out, &before, sizeof(out)), 0,
		     "a failed parse changed the output struct (%s)", err);
	free(text);
}

/* ---- valid configs --------------------------------------------------------- */

static const char full_config[] =
	"{'Switch': {'Name': 'sw-test', 'MacAgingSeconds': 120, 'MacTableSize': 4096},\n"
	" 'Ports': [\n"
	"  {'Name': 'uplink', 'Devargs': 'net_tap0,iface=hvs-up', 'Uplink': true,\n"
	"   'Vlan': {'OperationMode': 'Trunk', 'AllowedVlanIdList': '10,20,100-199',\n"
	"            'NativeVlanId': 5}},\n"
	"  {'Name': 'web', 'Devargs': 'net_tap1,iface=hvs-web',\n"
	"   'MacAddresses': ['02:00:00:00:10:01', '02-00-00-00-10-AB'],\n"
	"   'Vlan': {'OperationMode': 'Access', 'AccessVlanId': 10}},\n"
	"  {'Name': 'mgmt_1.a-b', 'Devargs': 'net_tap2', 'Uplink': false,\n"
	"   'Vlan': {'OperationMode': 'Untagged'}},\n"
	"  {'Name': 'plain', 'Devargs': 'net_tap3'}\n"
	" ],\n"
	" 'Nats': [], 'Networks': [], 'Endpoints': []}\n";

Test(config_valid, full_config_round_trips_into_switch_config)
{
	parse_ok(full_config);
	cr_assert_str_eq(out.name, "sw-test");
	cr_assert_eq(out.mac_aging_sec, 120);
	cr_assert_eq(out.mac_table_size, 4096);
	cr_assert_eq(out.nb_ports, 4);

	const struct port_config *up = &out.ports[0], *web = &out.ports[1];
	const struct port_config *mg = &out.ports[2], *pl = &out.ports[3];

	cr_assert_str_eq(up->name, "uplink");
	cr_assert_str_eq(up->devargs, "net_tap0,iface=hvs-up");
	cr_assert(up->uplink);
	cr_assert_eq(up->vlan.mode, VLAN_MODE_TRUNK);
	cr_assert_eq(up->vlan.native_vid, 5);
	cr_assert_not(vlan_bitmap_test(up->vlan.allowed, 9));
	cr_assert(vlan_bitmap_test(up->vlan.allowed, 10));
	cr_assert(vlan_bitmap_test(up->vlan.allowed, 20));
	cr_assert(vlan_bitmap_test(up->vlan.allowed, 100));
	cr_assert(vlan_bitmap_test(up->vlan.allowed, 199));
	cr_assert_not(vlan_bitmap_test(up->vlan.allowed, 200));
	cr_assert_not(vlan_bitmap_test(up->vlan.allowed, 5));
	cr_assert_eq(up->nb_macs, 0);

	cr_assert_str_eq(web->name, "web");
	cr_assert_str_eq(web->devargs, "net_tap1,iface=hvs-web");
	cr_assert_not(web->uplink);
	cr_assert_eq(web->vlan.mode, VLAN_MODE_ACCESS);
	cr_assert_eq(web->vlan.access_vid, 10);
	cr_assert_eq(web->nb_macs, 2);
	static const struct rte_ether_addr m0 = {{0x02, 0, 0, 0, 0x10, 0x01}};
	static const struct rte_ether_addr m1 = {{0x02, 0, 0, 0, 0x10, 0xab}};
	cr_assert(rte_is_same_ether_addr(&web->macs[0], &m0));
	cr_assert(rte_is_same_ether_addr(&web->macs[1], &m1));

	cr_assert_str_eq(mg->name, "mgmt_1.a-b");
	cr_assert_str_eq(mg->devargs, "net_tap2");
	cr_assert_not(mg->uplink);
	cr_assert_eq(mg->vlan.mode, VLAN_MODE_UNTAGGED);
	cr_assert_eq(mg->nb_macs, 0);

	cr_assert_str_eq(pl->name, "plain");
	cr_assert_str_eq(pl->devargs, "net_tap3");
	cr_assert_not(pl->uplink);
	cr_assert_eq(pl->vlan.mode, VLAN_MODE_UNTAGGED);
	cr_assert_eq(pl->vlan.access_vid, 0);
	cr_assert_eq(pl->vlan.native_vid, 0);
	cr_assert_eq(pl->nb_macs, 0);
}

Test(config_valid, switch_defaults_when_switch_object_is_absent)
{
	parse_ok("{'Ports': [{'Name': 'a', 'Devargs': 'net_null0'}]}");
	cr_assert_str_eq(out.name, "vSwitch");
	cr_assert_eq(out.mac_aging_sec, CONFIG_DEFAULT_MAC_AGING);
	cr_assert_eq(out.mac_aging_sec, 300);
	cr_assert_eq(out.mac_table_size, CONFIG_DEFAULT_MAC_TABLE);
	cr_assert_eq(out.nb_ports, 1);
}

Test(config_valid, mac_aging_defaults_to_300_and_takes_explicit_value)
{
	parse_ok("{'Switch': {'Name': 'x'}}");
	cr_assert_str_eq(out.name, "x");
	cr_assert_eq(out.mac_aging_sec, 300);
	cr_assert_eq(out.nb_ports, 0);
	parse_ok("{'Switch': {'MacAgingSeconds': 1}}");
	cr_assert_eq(out.mac_aging_sec, 1);
	parse_ok("{'Switch': {'MacAgingSeconds': 31536000}}");
	cr_assert_eq(out.mac_aging_sec, 31536000);
}

Test(config_valid, empty_config_has_no_ports)
{
	parse_ok("{}");
	cr_assert_eq(out.nb_ports, 0);
	cr_assert_str_eq(out.name, "vSwitch");
	parse_ok("{'Ports': []}");
	cr_assert_eq(out.nb_ports, 0);
}

Test(config_valid, operation_mode_is_case_insensitive_and_trunk_native_defaults_to_0)
{
	parse_ok("{'Ports': [{'Name': 'a', 'Devargs': 'd0', 'Vlan': "
		 "{'OperationMode': 'trunk', 'AllowedVlanIdList': '1-4094'}},"
		 "{'Name': 'b', 'Devargs': 'd1', 'Vlan': "
		 "{'OperationMode': 'ACCESS', 'AccessVlanId': 4094}}]}");
	cr_assert_eq(out.ports[0].vlan.mode, VLAN_MODE_TRUNK);
	cr_assert_eq(out.ports[0].vlan.native_vid, 0);
	cr_assert(vlan_bitmap_test(out.ports[0].vlan.allowed, 4094));
	cr_assert_eq(out.ports[1].vlan.mode, VLAN_MODE_ACCESS);
	cr_assert_eq(out.ports[1].vlan.access_vid, 4094);
}

Test(config_valid, empty_arrays_of_optional_arrays_are_accepted)
{
	parse_ok("{'Nats': [], 'Networks': [], 'Endpoints': [],"
		 " 'Ports': [{'Name': 'a', 'Devargs': 'd0', 'Acls': [],"
		 " 'ExtendedAcls': [], 'IPAddresses': []}]}");
	cr_assert_eq(out.nb_ports, 1);
	cr_assert_str_eq(out.ports[0].name, "a");
}

Test(config_valid, max_ports_and_64_static_macs_fit)
{
	char *text = malloc(65536);
	size_t off = 0;

	cr_assert_not_null(text);
	off += (size_t)sprintf(text + off, "{'Ports': [");
	for (int i = 0; i < VS_MAX_PORTS; i++) {
		off += (size_t)sprintf(text + off, "%s{'Name': 'p%d', 'Devargs': 'net_null%d'",
				       i ? "," : "", i, i);
		if (i == 0) {
			off += (size_t)sprintf(text + off, ", 'MacAddresses': [");
			for (int m = 0; m < CONFIG_MAX_STATIC_MACS; m++)
				off += (size_t)sprintf(text + off, "%s'02:00:00:00:00:%02x'",
						       m ? "," : "", m + 1);
			off += (size_t)sprintf(text + off, "]");
		}
		off += (size_t)sprintf(text + off, "}");
	}
	sprintf(text + off, "]}");
	parse_ok(text);
	cr_assert_eq(out.nb_ports, VS_MAX_PORTS);
	cr_assert_str_eq(out.ports[31].name, "p31");
	cr_assert_str_eq(out.ports[31].devargs, "net_null31");
	cr_assert_str_eq(out.ports[VS_MAX_PORTS - 1].name, "p127");
	cr_assert_eq(out.ports[0].nb_macs, CONFIG_MAX_STATIC_MACS);
	cr_assert_eq(out.ports[0].macs[63].addr_bytes[5], 64);
	free(text);
}

Test(config_valid, port_name_of_63_characters_is_accepted)
{
	char text[256];

	snprintf(text, sizeof(text), "{'Ports': [{'Name': '%063d', 'Devargs': 'd'}]}", 7);
	parse_ok(text);
	cr_assert_eq(strlen(out.ports[0].name), 63);
}

/* ---- errors name the JSON path ------------------------------------------- */

#define PORT0 "'Name': 'a', 'Devargs': 'd0'"
#define PORT1 "'Name': 'b', 'Devargs': 'd1'"

Test(config_errors, unknown_top_level_field)
{
	parse_fails("{'Switch': {}, 'Bogus': 1}", "Bogus", "unknown field");
}

Test(config_errors, unknown_port_field_names_the_misspelled_key)
{
	parse_fails("{'Ports': [{" PORT0 ", 'Nmae': 'x'}]}", "Ports[0].Nmae",
		    "unknown field");
	parse_fails("{'Ports': [{" PORT0 "}, {" PORT1 ", 'Nmae': 'x'}]}",
		    "Ports[1].Nmae", NULL);
}

Test(config_errors, unknown_switch_and_vlan_fields)
{
	parse_fails("{'Switch': {'Nam': 'x'}}", "Switch.Nam", "unknown field");
	parse_fails("{'Ports': [{" PORT0 ", 'Vlan': {'OperationMode': 'Untagged',"
		    " 'Mode': 1}}]}",
		    "Ports[0].Vlan.Mode", "unknown field");
}

Test(config_errors, wrong_type_uplink_string)
{
	parse_fails("{'Ports': [{" PORT0 ", 'Uplink': 'yes'}]}", "Ports[0].Uplink",
		    "boolean");
}

Test(config_errors, wrong_types_are_never_coerced)
{
	parse_fails("{'Switch': {'MacAgingSeconds': '300'}}", "Switch.MacAgingSeconds",
		    "integer");
	parse_fails("{'Switch': {'MacAgingSeconds': 300.0}}", "Switch.MacAgingSeconds",
		    "integer");
	parse_fails("{'Switch': []}", "Switch", "object");
	parse_fails("{'Ports': {}}", "Ports", "array");
	parse_fails("{'Ports': [1]}", "Ports[0]", "object");
	parse_fails("{'Ports': [{'Name': 5, 'Devargs': 'd0'}]}", "Ports[0].Name",
		    "string");
	parse_fails("{'Ports': [{" PORT0 ", 'Uplink': 1}]}", "Ports[0].Uplink",
		    "boolean");
	parse_fails("{'Ports': [{" PORT0 ", 'Vlan': 'Trunk'}]}", "Ports[0].Vlan",
		    "object");
	parse_fails("{'Ports': [{" PORT0 ", 'Vlan': {'OperationMode': 'Access',"
		    " 'AccessVlanId': '10'}}]}",
		    "Ports[0].Vlan.AccessVlanId", "integer");
	parse_fails("{'Ports': [{" PORT0 ", 'MacAddresses': '02:00:00:00:00:01'}]}",
		    "Ports[0].MacAddresses", "array");
	parse_fails("{'Ports': [{" PORT0 ", 'MacAddresses': [2]}]}",
		    "Ports[0].MacAddresses[0]", "string");
}

Test(config_errors, root_must_be_an_object)
{
	parse_fails("[]", "(root)", NULL);
}

Test(config_errors, missing_name)
{
	parse_fails("{'Ports': [{'Devargs': 'd0'}]}", "Ports[0].Name", "required");
}

Test(config_errors, missing_devargs)
{
	parse_fails("{'Ports': [{" PORT0 "}, {'Name': 'b'}]}", "Ports[1].Devargs",
		    "required");
}

Test(config_errors, bad_port_names_and_empty_devargs)
{
	char text[256];

	parse_fails("{'Ports': [{'Name': '', 'Devargs': 'd0'}]}", "Ports[0].Name", NULL);
	parse_fails("{'Ports': [{'Name': 'a b', 'Devargs': 'd0'}]}", "Ports[0].Name", NULL);
	parse_fails("{'Ports': [{'Name': 'a/b', 'Devargs': 'd0'}]}", "Ports[0].Name", NULL);
	snprintf(text, sizeof(text), "{'Ports': [{'Name': '%064d', 'Devargs': 'd'}]}", 7);
	parse_fails(text, "Ports[0].Name", NULL);
	parse_fails("{'Ports': [{'Name': 'a', 'Devargs': ''}]}", "Ports[0].Devargs", NULL);
}

Test(config_errors, switch_values_out_of_range)
{
	parse_fails("{'Switch': {'MacAgingSeconds': 0}}", "Switch.MacAgingSeconds",
		    "out of range");
	parse_fails("{'Switch': {'MacAgingSeconds': -1}}", "Switch.MacAgingSeconds",
		    "out of range");
	parse_fails("{'Switch': {'MacTableSize': 100}}", "Switch.MacTableSize",
		    "out of range");
	parse_fails("{'Switch': {'Name': ''}}", "Switch.Name", NULL);
}

Test(config_errors, access_vlan_id_0_and_5000_out_of_range)
{
	parse_fails("{'Ports': [{" PORT0 ", 'Vlan': {'OperationMode': 'Access',"
		    " 'AccessVlanId': 0}}]}",
		    "Ports[0].Vlan.AccessVlanId", "out of range");
	parse_fails("{'Ports': [{" PORT0 "}, {" PORT1 ", 'Vlan': {'OperationMode':"
		    " 'Access', 'AccessVlanId': 5000}}]}",
		    "Ports[1].Vlan.AccessVlanId", "out of range");
	parse_fails("{'Ports': [{" PORT0 ", 'Vlan': {'OperationMode': 'Access',"
		    " 'AccessVlanId': 4095}}]}",
		    "Ports[0].Vlan.AccessVlanId", "out of range");
}

Test(config_errors, access_without_access_vlan_id)
{
	parse_fails("{'Ports': [{" PORT0 ", 'Vlan': {'OperationMode': 'Access'}}]}",
		    "Ports[0].Vlan.AccessVlanId", "required");
}

Test(config_errors, trunk_without_allowed_vlan_id_list)
{
	parse_fails("{'Ports': [{" PORT0 ", 'Vlan': {'OperationMode': 'Trunk',"
		    " 'NativeVlanId': 5}}]}",
		    "Ports[0].Vlan.AllowedVlanIdList", "required");
}

Test(config_errors, access_vlan_id_given_with_trunk)
{
	parse_fails("{'Ports': [{" PORT0 ", 'Vlan': {'OperationMode': 'Trunk',"
		    " 'AllowedVlanIdList': '10', 'AccessVlanId': 10}}]}",
		    "Ports[0].Vlan.AccessVlanId", "Trunk");
}

Test(config_errors, trunk_fields_given_with_access_or_untagged)
{
	parse_fails("{'Ports': [{" PORT0 ", 'Vlan': {'OperationMode': 'Access',"
		    " 'AccessVlanId': 10, 'NativeVlanId': 10}}]}",
		    "Ports[0].Vlan.NativeVlanId", "Access");
	parse_fails("{'Ports': [{" PORT0 ", 'Vlan': {'OperationMode': 'Untagged',"
		    " 'AllowedVlanIdList': '10'}}]}",
		    "Ports[0].Vlan.AllowedVlanIdList", "Untagged");
	parse_fails("{'Ports': [{" PORT0 ", 'Vlan': {'OperationMode': 'Untagged',"
		    " 'AccessVlanId': 10}}]}",
		    "Ports[0].Vlan.AccessVlanId", NULL);
}

Test(config_errors, native_vlan_id_out_of_range)
{
	parse_fails("{'Ports': [{" PORT0 ", 'Vlan': {'OperationMode': 'Trunk',"
		    " 'AllowedVlanIdList': '10', 'NativeVlanId': 4095}}]}",
		    "Ports[0].Vlan.NativeVlanId", "out of range");
}

Test(config_errors, bad_operation_mode)
{
	parse_fails("{'Ports': [{" PORT0 ", 'Vlan': {'OperationMode': 'Hybrid'}}]}",
		    "Ports[0].Vlan.OperationMode", "Hybrid");
	parse_fails("{'Ports': [{" PORT0 ", 'Vlan': {'AccessVlanId': 10}}]}",
		    "Ports[0].Vlan.OperationMode", "required");
}

Test(config_errors, bad_allowed_vlan_id_list)
{
	static const char *const bad[] = {"", "0", "4095", "20-10", "10,", "a",
					  "10;20", "1-4095"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256];

		snprintf(text, sizeof(text),
			 "{'Ports': [{" PORT0 ", 'Vlan': {'OperationMode': 'Trunk',"
			 " 'AllowedVlanIdList': '%s'}}]}",
			 bad[i]);
		parse_fails(text, "Ports[0].Vlan.AllowedVlanIdList", NULL);
	}
}

Test(config_errors, bad_mac_address)
{
	parse_fails("{'Ports': [{" PORT0 ", 'MacAddresses': ['02:00:00:00:00:01',"
		    " '02:00:00:00:00']}]}",
		    "Ports[0].MacAddresses[1]", "02:00:00:00:00");
	parse_fails("{'Ports': [{" PORT0 ", 'MacAddresses': ['02:00:00:00:00:0g']}]}",
		    "Ports[0].MacAddresses[0]", NULL);
}

Test(config_errors, multicast_broadcast_and_zero_mac_rejected)
{
	parse_fails("{'Ports': [{" PORT0 ", 'MacAddresses': ['01:00:5e:00:00:01']}]}",
		    "Ports[0].MacAddresses[0]", "unicast");
	parse_fails("{'Ports': [{" PORT0 ", 'MacAddresses': ['ff:ff:ff:ff:ff:ff']}]}",
		    "Ports[0].MacAddresses[0]", NULL);
	parse_fails("{'Ports': [{" PORT0 ", 'MacAddresses': ['00:00:00:00:00:00']}]}",
		    "Ports[0].MacAddresses[0]", NULL);
}

Test(config_errors, too_many_static_macs)
{
	char *text = malloc(8192);
	size_t off = 0;

	cr_assert_not_null(text);
	off += (size_t)sprintf(text, "{'Ports': [{" PORT0 ", 'MacAddresses': [");
	for (int m = 0; m <= CONFIG_MAX_STATIC_MACS; m++)
		off += (size_t)sprintf(text + off, "%s'02:00:00:00:01:%02x'", m ? "," : "",
				       m);
	sprintf(text + off, "]}]}");
	parse_fails(text, "Ports[0].MacAddresses", "64");
	free(text);
}

Test(config_errors, too_many_ports)
{
	char *text = malloc(8192);
	size_t off = 0;

	cr_assert_not_null(text);
	off += (size_t)sprintf(text, "{'Ports': [");
	for (int i = 0; i <= VS_MAX_PORTS; i++)
		off += (size_t)sprintf(text + off, "%s{'Name': 'p%d', 'Devargs': 'd%d'}",
				       i ? "," : "", i, i);
	char max[16];

	sprintf(text + off, "]}");
	snprintf(max, sizeof(max), "at most %d", VS_MAX_PORTS);
	parse_fails(text, "Ports", max);
	free(text);
}

Test(config_errors, duplicate_port_name)
{
	parse_fails("{'Ports': [{'Name': 'a', 'Devargs': 'd0'},"
		    " {'Name': 'a', 'Devargs': 'd1'}]}",
		    "Ports[1].Name", "Ports[0]");
}

Test(config_errors, duplicate_devargs)
{
	parse_fails("{'Ports': [{'Name': 'a', 'Devargs': 'd0'}, {'Name': 'b', 'Devargs':"
		    " 'd1'}, {'Name': 'c', 'Devargs': 'd0'}]}",
		    "Ports[2].Devargs", "Ports[0]");
}

Test(config_errors, two_uplinks)
{
	parse_fails("{'Ports': [{" PORT0 ", 'Uplink': true}, {" PORT1 ", 'Uplink': true}]}",
		    "Ports[1].Uplink", "Ports[0]");
}

Test(config_errors, same_static_mac_on_two_ports_in_any_spelling)
{
	parse_fails("{'Ports': [{" PORT0 ", 'MacAddresses': ['02:00:00:00:00:aa']},"
		    " {" PORT1 ", 'MacAddresses': ['02:00:00:00:00:01', '02-00-00-00-00-AA']}]}",
		    "Ports[1].MacAddresses[1]", "'a'");
}

Test(config_errors, malformed_json_reports_line_and_column)
{
	parse_fails_syntax("{\n  'Ports': [\n    {'Name': 'a',, 'Devargs': 'd0'}\n  ]\n}",
			   3, NULL);
	parse_fails_syntax("{'Ports': [", 1, NULL);
	parse_fails_syntax("{'Switch': {}} trailing", 1, NULL);
}

Test(config_errors, duplicate_json_keys)
{
	parse_fails_syntax("{'Switch': {'Name': 'a'},\n 'Switch': {'Name': 'b'}}", 2,
			   "duplicate");
	parse_fails_syntax("{'Ports': [{'Name': 'a', 'Name': 'b', 'Devargs': 'd0'}]}", 1,
			   "duplicate");
}

/* Nats, IPAddresses and DefaultGateway are supported now: see
 * config_port_ips and config_nats. */

/* Networks and Endpoints are kept as JSON for the HNS service, which
 * validates them like POST bodies; only their being arrays is checked here. */
Test(config_valid, networks_and_endpoints_are_kept_for_the_hns_service)
{
	parse_ok("{'Networks': [{'Name': 'n1', 'Type': 'NAT'}],"
		 " 'Endpoints': [{'Name': 'e1'}, {'Name': 'e2'}]}");
	cr_assert_not_null(out.networks);
	cr_assert_not_null(out.endpoints);
	cr_assert_eq(json_array_size(out.networks), 1);
	cr_assert_eq(json_array_size(out.endpoints), 2);
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(out.networks, 0), "Name")), "n1");
	config_release(&out);
	cr_assert_null(out.networks);
	cr_assert_null(out.endpoints);
	parse_ok("{'Networks': [], 'Endpoints': []}");
	cr_assert_null(out.networks);
	cr_assert_null(out.endpoints);
	parse_fails("{'Networks': {}}", "Networks", "array");
	parse_fails("{'Endpoints': 'e1'}", "Endpoints", "array");
}

Test(config_errors, error_in_later_port_leaves_output_untouched)
{
	/* the first ports are valid; the parse is still all-or-nothing */
	parse_fails("{'Switch': {'Name': 'new'}, 'Ports': [{" PORT0 "}, {" PORT1 "},"
		    " {'Name': 'c', 'Devargs': 'd2', 'Uplink': 'no'}]}",
		    "Ports[2].Uplink", NULL);
	cr_assert_eq(out.nb_ports, before.nb_ports);
}

/* ---- Acls and ExtendedAcls --------------------------------------------------- */

/* Like parse_fails, but the error only has to start with prefix: for
 * rule errors where the VFP parser picks the field to name. */
static void parse_fails_under(const char *json_sq, const char *prefix,
			      const char *also)
{
	char *text = j(json_sq);

	fill_pattern();
	cr_assert_eq(config_parse_text(text, &out, err, sizeof(err)), -1,
		     "accepted: %s", text);
	cr_assert(strncmp(err, prefix, strlen(prefix)) == 0,
		  "error '%s' does not start with '%s'", err, prefix);
	if (also != NULL)
		cr_assert(strstr(err, also) != NULL, "error '%s' does not contain '%s'",
			  err, also);
	cr_assert_eq(memcmp(&out, &before, sizeof(out)), 0,
		     "a failed parse changed the output struct (%s)", err);
	free(text);
}

Test(config_acls, port_acls_parse_with_ids_in_config_order)
{
	const struct port_acl_rule *r;

	parse_ok("{'Ports': [{" PORT0 ", 'Acls': ["
		 " {'Action': 'Deny', 'Direction': 'Both', 'RemoteIPAddress': 'ANY'},"
		 " {'Action': 'Allow', 'Direction': 'Outbound', 'RemoteIPAddress': '10.0.0.0/8'},"
		 " {'Action': 'Meter', 'Direction': 'Inbound', 'LocalMacAddress': '02:00:00:00:00:01'},"
		 " {'Action': 'Allow', 'Direction': 'Both', 'LocalIPAddress': 'fd00::/64'}]}]}");
	cr_assert_eq(out.ports[0].nb_acls, 4);
	r = out.ports[0].acls;
	cr_assert_not_null(r);
	for (uint32_t i = 0; i < 4; i++)
		cr_assert_eq(r[i].id, i + 1, "rule %u has id %u", i, r[i].id);
	cr_assert(r[0].action == ACL_DENY && r[0].dir == ACL_DIR_BOTH &&
		  r[0].kind == PORT_ACL_REMOTE_IP && r[0].ip.any);
	cr_assert(r[1].action == ACL_ALLOW && r[1].dir == ACL_DIR_OUTBOUND &&
		  r[1].kind == PORT_ACL_REMOTE_IP && !r[1].ip.any &&
		  r[1].ip.family == 4 && r[1].ip.depth == 8 && r[1].ip.addr[0] == 10);
	cr_assert(r[2].action == ACL_METER && r[2].dir == ACL_DIR_INBOUND &&
		  r[2].kind == PORT_ACL_LOCAL_MAC && !r[2].mac_any &&
		  r[2].mac.addr_bytes[0] == 0x02 && r[2].mac.addr_bytes[5] == 0x01);
	cr_assert(r[3].kind == PORT_ACL_LOCAL_IP && r[3].ip.family == 6 &&
		  r[3].ip.depth == 64 && r[3].ip.addr[0] == 0xfd);
	cr_assert_eq(out.ports[0].nb_ext_acls, 0);
	cr_assert_null(out.ports[0].ext_acls);
	config_release(&out);
	cr_assert_null(out.ports[0].acls);
	cr_assert_eq(out.ports[0].nb_acls, 0);
	config_release(&out); /* twice is harmless */
}

Test(config_acls, extended_acls_parse_with_ids_in_config_order)
{
	const struct ext_acl_rule *x;

	parse_ok("{'Ports': [{" PORT0 ", 'ExtendedAcls': ["
		 " {'Action': 'Allow', 'Direction': 'Outbound', 'Protocol': 'TCP',"
		 "  'RemotePort': '443', 'Weight': 10, 'Stateful': true},"
		 " {'Action': 'Deny', 'Direction': 'Inbound', 'RemoteIPAddress': '192.0.2.0/24',"
		 "  'LocalPort': '1000-2000', 'Protocol': 'UDP', 'Weight': 5}]}]}");
	cr_assert_eq(out.ports[0].nb_ext_acls, 2);
	cr_assert_eq(out.ports[0].nb_acls, 0);
	x = out.ports[0].ext_acls;
	cr_assert_not_null(x);
	cr_assert(x[0].id == 1 && x[1].id == 2);
	cr_assert(x[0].action == ACL_ALLOW && x[0].dir == ACL_DIR_OUTBOUND &&
		  x[0].protocol == 6 && x[0].remote_port_lo == 443 &&
		  x[0].remote_port_hi == 443 && x[0].local_port_lo == 0 &&
		  x[0].local_port_hi == 65535 && x[0].weight == 10 && x[0].stateful);
	cr_assert(x[1].action == ACL_DENY && x[1].dir == ACL_DIR_INBOUND &&
		  x[1].protocol == 17 && x[1].local_port_lo == 1000 &&
		  x[1].local_port_hi == 2000 && !x[1].remote_ip.any &&
		  x[1].remote_ip.depth == 24 && x[1].remote_ip.addr[0] == 192 &&
		  x[1].weight == 5 && !x[1].stateful);
	config_release(&out);
	cr_assert_null(out.ports[0].ext_acls);
}

Test(config_acls, each_port_numbers_its_rules_from_1)
{
	parse_ok("{'Ports': [{" PORT0 ", 'Acls': ["
		 " {'Action': 'Deny', 'Direction': 'Both', 'RemoteIPAddress': 'ANY'},"
		 " {'Action': 'Allow', 'Direction': 'Both', 'RemoteIPAddress': '10.0.0.1'}]},"
		 " {" PORT1 ", 'Acls': ["
		 " {'Action': 'Deny', 'Direction': 'Inbound', 'RemoteMacAddress': 'ANY'}],"
		 " 'ExtendedAcls': [{'Action': 'Deny', 'Direction': 'Inbound'}]}]}");
	cr_assert_eq(out.ports[0].nb_acls, 2);
	cr_assert_eq(out.ports[0].acls[1].id, 2);
	cr_assert_eq(out.ports[0].acls[1].ip.depth, 32, "an address without a prefix is /32");
	cr_assert_eq(out.ports[1].nb_acls, 1);
	cr_assert_eq(out.ports[1].acls[0].id, 1);
	cr_assert(out.ports[1].acls[0].kind == PORT_ACL_REMOTE_MAC &&
		  out.ports[1].acls[0].mac_any);
	cr_assert_eq(out.ports[1].nb_ext_acls, 1);
	cr_assert_eq(out.ports[1].ext_acls[0].id, 1);
	config_release(&out);
}

Test(config_acls, config_parse_port_takes_acls_and_port_release_frees_them)
{
	struct port_config pc;
	json_error_t jerr;
	char *text = j("{" PORT0 ", 'Acls': [{'Action': 'Allow', 'Direction': 'Both',"
		       " 'RemoteIPAddress': '10.0.0.0/8'}], 'ExtendedAcls': ["
		       " {'Action': 'Allow', 'Direction': 'Outbound', 'Protocol': 'ICMP'}]}");
	json_t *doc = json_loads(text, 0, &jerr);

	cr_assert_not_null(doc);
	cr_assert_eq(config_parse_port(doc, "", &pc, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(pc.nb_acls, 1);
	cr_assert_eq(pc.nb_ext_acls, 1);
	cr_assert_eq(pc.ext_acls[0].protocol, 1);
	config_port_release(&pc);
	cr_assert_null(pc.acls);
	cr_assert_null(pc.ext_acls);
	json_decref(doc);
	free(text);
	/* request bodies name the field without a Ports[i] prefix */
	text = j("{" PORT0 ", 'Acls': [{'Action': 'Allow', 'Direction': 'Both',"
		 " 'RemoteIPAddress': '10.0.0.0/40'}]}");
	doc = json_loads(text, 0, &jerr);
	memset(&pc, 0x5c, sizeof(pc));
	cr_assert_eq(config_parse_port(doc, "", &pc, err, sizeof(err)), -1);
	cr_assert(strncmp(err, "Acls[0].RemoteIPAddress:", 24) == 0, "error '%s'", err);
	json_decref(doc);
	free(text);
}

Test(config_errors, bad_port_acls_are_rejected_naming_the_field)
{
#define ACL(fields) "{'Ports': [{" PORT0 ", 'Acls': [" fields "]}]}"
	parse_fails(ACL("{'Action': 'Allow', 'Direction': 'Both', 'RemoteIPAddress': '10.0.0.0/33'}"),
		    "Ports[0].Acls[0].RemoteIPAddress", NULL);
	parse_fails(ACL("{'Action': 'Allow', 'Direction': 'Both', 'RemoteIPAddress': '10.0.0.0/8'},"
			"{'Action': 'Allow', 'Direction': 'Both', 'RemoteIPAddress': '10.0.0.300'}"),
		    "Ports[0].Acls[1].RemoteIPAddress", NULL);
	parse_fails(ACL("{'Action': 'Allow', 'Direction': 'Both', 'LocalIPAddress': 'fd00::/129'}"),
		    "Ports[0].Acls[0].LocalIPAddress", NULL);
	parse_fails(ACL("{'Action': 'Permit', 'Direction': 'Both', 'RemoteIPAddress': 'ANY'}"),
		    "Ports[0].Acls[0].Action", "Permit");
	parse_fails(ACL("{'Action': 'Deny', 'Direction': 'Sideways', 'RemoteIPAddress': 'ANY'}"),
		    "Ports[0].Acls[0].Direction", "Sideways");
	parse_fails(ACL("{'Action': 'Deny', 'Direction': 'Both', 'LocalMacAddress': '02:00:00:00:00'}"),
		    "Ports[0].Acls[0].LocalMacAddress", NULL);
	parse_fails(ACL("{'Action': 'Deny', 'Direction': 'Both', 'RemoteIPAddress': 'ANY',"
			" 'Priority': 1}"),
		    "Ports[0].Acls[0].Priority", "unknown field");
	parse_fails(ACL("{'Action': 'Deny', 'Direction': 'Both', 'RemoteIPAddress': 10}"),
		    "Ports[0].Acls[0].RemoteIPAddress", NULL);
	/* two addresses in one rule, or none */
	parse_fails_under(ACL("{'Action': 'Deny', 'Direction': 'Both', 'RemoteIPAddress': 'ANY',"
			      " 'LocalIPAddress': '10.0.0.1'}"), "Ports[0].Acls[0]", NULL);
	parse_fails_under(ACL("{'Action': 'Deny', 'Direction': 'Both'}"), "Ports[0].Acls[0]", NULL);
	parse_fails_under(ACL("{'Direction': 'Both', 'RemoteIPAddress': 'ANY'}"),
			  "Ports[0].Acls[0]", "Action");
	parse_fails("{'Ports': [{" PORT0 ", 'Acls': {}}]}", "Ports[0].Acls", "array");
	parse_fails(ACL("'deny all'"), "Ports[0].Acls[0]", "object");
	/* the second port's bad rule after the first port's good ones */
	parse_fails("{'Ports': [{" PORT0 ", 'Acls': [{'Action': 'Deny', 'Direction': 'Both',"
		    " 'RemoteIPAddress': 'ANY'}]}, {" PORT1 ", 'Acls': [{'Action': 'Deny',"
		    " 'Direction': 'Upward', 'RemoteIPAddress': 'ANY'}]}]}",
		    "Ports[1].Acls[0].Direction", NULL);
	/* a conflict found after a port's ACLs were parsed */
	parse_fails("{'Ports': [{" PORT0 "}, {'Name': 'a', 'Devargs': 'd1', 'Acls': ["
		    "{'Action': 'Deny', 'Direction': 'Both', 'RemoteIPAddress': 'ANY'}]}]}",
		    "Ports[1].Name", NULL);
#undef ACL
}

Test(config_errors, bad_extended_acls_are_rejected_naming_the_field)
{
#define EXT(fields) "{'Ports': [{" PORT0 ", 'ExtendedAcls': [" fields "]}]}"
	parse_fails(EXT("{'Action': 'Allow', 'Direction': 'Inbound', 'LocalPort': '2000-1000'}"),
		    "Ports[0].ExtendedAcls[0].LocalPort", NULL);
	parse_fails(EXT("{'Action': 'Allow', 'Direction': 'Inbound', 'RemotePort': '70000'}"),
		    "Ports[0].ExtendedAcls[0].RemotePort", NULL);
	parse_fails(EXT("{'Action': 'Allow', 'Direction': 'Inbound', 'Protocol': 'XTP'}"),
		    "Ports[0].ExtendedAcls[0].Protocol", NULL);
	parse_fails(EXT("{'Action': 'Allow', 'Direction': 'Both'}"),
		    "Ports[0].ExtendedAcls[0].Direction", NULL);
	parse_fails(EXT("{'Action': 'Meter', 'Direction': 'Inbound'}"),
		    "Ports[0].ExtendedAcls[0].Action", NULL);
	parse_fails(EXT("{'Action': 'Allow', 'Direction': 'Inbound', 'Weight': 'ten'}"),
		    "Ports[0].ExtendedAcls[0].Weight", NULL);
	parse_fails(EXT("{'Action': 'Allow', 'Direction': 'Inbound', 'RemoteIPAddress': '10.1.2.0/99'}"),
		    "Ports[0].ExtendedAcls[0].RemoteIPAddress", NULL);
	parse_fails(EXT("{'Action': 'Allow', 'Direction': 'Inbound'},"
			" {'Action': 'Allow', 'Direction': 'Outbound', 'Stateful': 'yes'}"),
		    "Ports[0].ExtendedAcls[1].Stateful", NULL);
	parse_fails(EXT("{'Action': 'Allow', 'Direction': 'Inbound', 'Wieght': 1}"),
		    "Ports[0].ExtendedAcls[0].Wieght", "unknown field");
	parse_fails(EXT("[]"), "Ports[0].ExtendedAcls[0]", "object");
	/* a bad extended rule after good port ACLs on the same port */
	parse_fails("{'Ports': [{" PORT0 ", 'Acls': [{'Action': 'Deny', 'Direction': 'Both',"
		    " 'RemoteIPAddress': 'ANY'}], 'ExtendedAcls': [{'Action': 'Allow'}]}]}",
		    "Ports[0].ExtendedAcls[0].Direction", NULL);
#undef EXT
}

Test(config_errors, more_rules_than_a_port_holds)
{
	const char *rule = "{\"Action\": \"Deny\", \"Direction\": \"Both\", "
			   "\"RemoteIPAddress\": \"ANY\"},";
	size_t n = (size_t)VFP_MAX_RULES + 1, len = n * strlen(rule) + 128, off = 0;
	char *text = malloc(len);

	cr_assert_not_null(text);
	off += (size_t)snprintf(text, len, "{\"Ports\": [{\"Name\": \"a\", "
				"\"Devargs\": \"d0\", \"Acls\": [");
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(text + off, len - off, "%s", rule);
	snprintf(text + off - 1, len - off + 1, "]}]}");
	fill_pattern();
	cr_assert_eq(config_parse_text(text, &out, err, sizeof(err)), -1);
	cr_assert(strncmp(err, "Ports[0].Acls: ", 15) == 0 && strstr(err, "at most"),
		  "error '%s'", err);
	free(text);
}

/* ---- config_parse_file ----------------------------------------------------- */

Test(config_file, parses_a_file_and_reports_an_unreadable_one)
{
	char path[] = "/tmp/hvs-unit-config-XXXXXX";
	int fd = mkstemp(path);
	char *text = j("{'Switch': {'Name': 'fromfile'},\n 'Ports': [{" PORT0 "}]}");

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	free(text);
	fill_pattern();
	cr_assert_eq(config_parse_file(path, &out, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(out.name, "fromfile");
	cr_assert_eq(out.nb_ports, 1);
	unlink(path);

	fill_pattern();
	cr_assert_eq(config_parse_file(path, &out, err, sizeof(err)), -1);
	cr_assert(strstr(err, path) != NULL, "error '%s' does not name the file", err);
	cr_assert_eq(memcmp(&out, &before, sizeof(out)), 0);
}

Test(config_file, syntax_error_in_file_reports_line)
{
	char path[] = "/tmp/hvs-unit-config-XXXXXX";
	int fd = mkstemp(path);
	static const char text[] = "{\n\"Switch\": {}\n\"Ports\": []\n}\n";

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	fill_pattern();
	cr_assert_eq(config_parse_file(path, &out, err, sizeof(err)), -1);
	unlink(path);
	cr_assert(strncmp(err, "line 3 column ", 14) == 0, "error: %s", err);
	cr_assert_eq(memcmp(&out, &before, sizeof(out)), 0);
}

Test(config_file, shipped_example_configs_parse)
{
	DIR *d = opendir(HVS_SOURCE_ROOT "/configs");
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(d, "cannot open %s/configs", HVS_SOURCE_ROOT);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char path[PATH_MAX];

		if (len < 5 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/configs/%s", HVS_SOURCE_ROOT, de->d_name);
		cr_assert_eq(config_parse_file(path, &out, err, sizeof(err)), 0, "%s: %s",
			     path, err);
		cr_assert_gt(out.nb_ports, 0, "%s", path);
		n++;
	}
	closedir(d);
	cr_assert_gt(n, 0, "no example configs found");
}

/* ---- mac_parse / mac_format -------------------------------------------------- */

static void mac_ok(const char *text, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3,
		   uint8_t b4, uint8_t b5)
{
	struct rte_ether_addr mac;
	const uint8_t want[6] = {b0, b1, b2, b3, b4, b5};

	memset(&mac, 0x77, sizeof(mac));
	cr_assert_eq(mac_parse(text, &mac), 0, "'%s' rejected", text);
	cr_assert_eq(memcmp(mac.addr_bytes, want, 6), 0, "'%s' parsed wrong", text);
}

Test(mac_parse, colon_form)
{
	mac_ok("02:00:00:00:00:01", 0x02, 0, 0, 0, 0, 0x01);
	mac_ok("de:ad:be:ef:00:ff", 0xde, 0xad, 0xbe, 0xef, 0x00, 0xff);
}

Test(mac_parse, dash_form_and_upper_case)
{
	mac_ok("02-00-00-00-00-01", 0x02, 0, 0, 0, 0, 0x01);
	mac_ok("DE-AD-be-EF-0a-Ff", 0xde, 0xad, 0xbe, 0xef, 0x0a, 0xff);
	mac_ok("AA:BB:CC:DD:EE:FF", 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff);
}

Test(mac_parse, bad_inputs_rejected)
{
	static const char *const bad[] = {
		"",
		"0",
		"02:",
		"02:00:00:00:00",
		"02:00:00:00:00:0",
		"02:00:00:00:00:01:",
		"02:00:00:00:00:01:02",
		"02:00:00:00:00:0g",
		"02:00-00:00:00:01",   /* mixed separators */
		"02-00-00-00-00:01",
		"020000000001",        /* no separators */
		"02.00.00.00.00.01",
		"02 00 00 00 00 01",
		" 02:00:00:00:00:01",
		"02:00:00:00:00:01 ",
		"2:0:0:0:0:1",
		"002:00:00:00:00:01",
		"0x:00:00:00:00:01",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rte_ether_addr mac;

		cr_assert_eq(mac_parse(bad[i], &mac), -1, "'%s' accepted", bad[i]);
	}
}

Test(mac_parse, never_reads_past_the_end_of_a_two_digit_string)
{
	/* The C string is "02". What follows its terminator would parse as a
	 * MAC if the parser ran past the end ("02" NUL "00" NUL ... "01"). */
	static const char buf[] = "02\0" "00\0" "00\0" "00\0" "00\0" "01";
	struct rte_ether_addr mac;

	cr_assert_eq(strlen(buf), 2);
	cr_assert_eq(mac_parse(buf, &mac), -1,
		     "mac_parse(\"02\") read past the string's terminator and "
		     "accepted bytes beyond it");
}

Test(mac_format, lower_case_colon_form)
{
	struct rte_ether_addr mac = {{0xde, 0xad, 0xBE, 0x0f, 0x00, 0xff}};
	char buf[RTE_ETHER_ADDR_FMT_SIZE];

	memset(buf, 'x', sizeof(buf));
	mac_format(&mac, buf);
	cr_assert_str_eq(buf, "de:ad:be:0f:00:ff");
}

Test(mac_format, round_trips_through_mac_parse)
{
	struct rte_ether_addr mac, back;
	char buf[RTE_ETHER_ADDR_FMT_SIZE];

	cr_assert_eq(mac_parse("02-AB-cd-00-12-34", &mac), 0);
	mac_format(&mac, buf);
	cr_assert_str_eq(buf, "02:ab:cd:00:12:34");
	cr_assert_eq(mac_parse(buf, &back), 0);
	cr_assert(rte_is_same_ether_addr(&mac, &back));
}

/* ---- json_util ------------------------------------------------------------ */

static json_t *obj;
static char jbuf[256];
static struct json_err je = {jbuf, sizeof(jbuf)};

static void json_setup(void)
{
	json_error_t jerr;
	char *text = j("{'s': 'str', 'i': 42, 'neg': -3, 'r': 1.5, 't': true,"
		       " 'f': false, 'n': null, 'o': {'x': 1}, 'a': [1, 2]}");

	obj = json_loads(text, 0, &jerr);
	free(text);
	cr_assert_not_null(obj, "%s", jerr.text);
	memset(jbuf, 0, sizeof(jbuf));
}

static void json_teardown(void)
{
	json_decref(obj);
}

TestSuite(json_util, .init = json_setup, .fini = json_teardown);

Test(json_util, fail_writes_path_colon_message)
{
	cr_assert_eq(json_fail(&je, "Ports[1].Vlan", "bad %d", 7), -1);
	cr_assert_str_eq(jbuf, "Ports[1].Vlan: bad 7");
	cr_assert_eq(json_fail(&je, "", "whole thing"), -1);
	cr_assert_str_eq(jbuf, "(root): whole thing");
}

Test(json_util, fail_truncates_to_the_buffer)
{
	char small[8];
	struct json_err e = {small, sizeof(small)};

	memset(small, 'x', sizeof(small));
	cr_assert_eq(json_fail(&e, "Ports", "message"), -1);
	cr_assert_eq(strnlen(small, sizeof(small)), sizeof(small) - 1);
	cr_assert_str_eq(small, "Ports: ");
	memset(small, 'x', sizeof(small));
	cr_assert_eq(json_fail(&e, "Ports[10].Name", "m"), -1);
	cr_assert_str_eq(small, "Ports[1");
}

Test(json_util, path_member_and_index)
{
	char p[64];

	json_path_member(p, sizeof(p), "", "Switch");
	cr_assert_str_eq(p, "Switch");
	json_path_member(p, sizeof(p), "Ports[1]", "Vlan");
	cr_assert_str_eq(p, "Ports[1].Vlan");
	json_path_index(p, sizeof(p), "Ports", 12);
	cr_assert_str_eq(p, "Ports[12]");
	json_path_index(p, sizeof(p), "Ports[0].MacAddresses", 0);
	cr_assert_str_eq(p, "Ports[0].MacAddresses[0]");
}

Test(json_util, check_members_accepts_known_and_names_unknown)
{
	static const char *const all[] = {"s", "i", "neg", "r", "t", "f", "n", "o", "a",
					  NULL};
	static const char *const some[] = {"s", "i", "neg", "r", "t", "f", "n", "o",
					   NULL};

	cr_assert_eq(json_check_members(obj, "X", all, &je), 0);
	cr_assert_eq(json_check_members(obj, "X", some, &je), -1);
	cr_assert_str_eq(jbuf, "X.a: unknown field");
}

Test(json_util, get_string)
{
	const char *s = "untouched";

	cr_assert_eq(json_get_string(obj, "P", "s", true, &s, &je), 0);
	cr_assert_str_eq(s, "str");
	s = "untouched";
	cr_assert_eq(json_get_string(obj, "P", "missing", false, &s, &je), 0);
	cr_assert_str_eq(s, "untouched");
	cr_assert_eq(json_get_string(obj, "P", "missing", true, &s, &je), -1);
	cr_assert_str_eq(jbuf, "P.missing: required field is missing");
	cr_assert_eq(json_get_string(obj, "P", "i", false, &s, &je), -1);
	cr_assert_str_eq(jbuf, "P.i: must be a string, not an integer");
	cr_assert_eq(json_get_string(obj, "P", "n", false, &s, &je), -1);
	cr_assert_str_eq(jbuf, "P.n: must be a string, not null");
	cr_assert_str_eq(s, "untouched");
}

Test(json_util, get_bool)
{
	bool b = false;

	cr_assert_eq(json_get_bool(obj, "", "t", true, &b, &je), 0);
	cr_assert(b);
	cr_assert_eq(json_get_bool(obj, "", "f", true, &b, &je), 0);
	cr_assert_not(b);
	b = true;
	cr_assert_eq(json_get_bool(obj, "", "missing", false, &b, &je), 0);
	cr_assert(b, "missing optional member changed the output");
	cr_assert_eq(json_get_bool(obj, "", "i", false, &b, &je), -1);
	cr_assert_str_eq(jbuf, "i: must be a boolean, not an integer");
	cr_assert_eq(json_get_bool(obj, "", "s", false, &b, &je), -1);
	cr_assert_str_eq(jbuf, "s: must be a boolean, not a string");
	cr_assert(b);
}

Test(json_util, get_uint_range_and_type)
{
	uint64_t v = 99;

	cr_assert_eq(json_get_uint(obj, "P", "i", true, 0, 100, &v, &je), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(json_get_uint(obj, "P", "i", true, 42, 42, &v, &je), 0);
	v = 99;
	cr_assert_eq(json_get_uint(obj, "P", "i", true, 43, 100, &v, &je), -1);
	cr_assert_str_eq(jbuf, "P.i: 42 is out of range 43-100");
	cr_assert_eq(json_get_uint(obj, "P", "i", true, 0, 41, &v, &je), -1);
	cr_assert_str_eq(jbuf, "P.i: 42 is out of range 0-41");
	cr_assert_eq(json_get_uint(obj, "P", "neg", true, 0, 100, &v, &je), -1);
	cr_assert_str_eq(jbuf, "P.neg: -3 is out of range 0-100");
	cr_assert_eq(json_get_uint(obj, "P", "r", true, 0, 100, &v, &je), -1);
	cr_assert_str_eq(jbuf, "P.r: must be an integer, not a real number");
	cr_assert_eq(json_get_uint(obj, "P", "t", true, 0, 100, &v, &je), -1);
	cr_assert_str_eq(jbuf, "P.t: must be an integer, not a boolean");
	cr_assert_eq(v, 99, "a rejected value changed the output");
	cr_assert_eq(json_get_uint(obj, "P", "missing", false, 0, 100, &v, &je), 0);
	cr_assert_eq(v, 99);
	cr_assert_eq(json_get_uint(obj, "P", "missing", true, 0, 100, &v, &je), -1);
	cr_assert_str_eq(jbuf, "P.missing: required field is missing");
}

Test(json_util, get_object_and_array)
{
	const json_t *o = NULL, *a = NULL;

	cr_assert_eq(json_get_object(obj, "", "o", true, &o, &je), 0);
	cr_assert_eq(o, json_object_get(obj, "o"));
	cr_assert_eq(json_get_array(obj, "", "a", true, &a, &je), 0);
	cr_assert_eq(a, json_object_get(obj, "a"));
	cr_assert_eq(json_array_size(a), 2);

	o = a = NULL;
	cr_assert_eq(json_get_object(obj, "", "missing", false, &o, &je), 0);
	cr_assert_null(o);
	cr_assert_eq(json_get_array(obj, "", "missing", false, &a, &je), 0);
	cr_assert_null(a);
	cr_assert_eq(json_get_object(obj, "", "a", false, &o, &je), -1);
	cr_assert_str_eq(jbuf, "a: must be an object, not an array");
	cr_assert_eq(json_get_array(obj, "Q", "o", false, &a, &je), -1);
	cr_assert_str_eq(jbuf, "Q.o: must be an array, not an object");
	cr_assert_eq(json_get_array(obj, "Q", "missing", true, &a, &je), -1);
	cr_assert_str_eq(jbuf, "Q.missing: required field is missing");
	cr_assert_null(o);
	cr_assert_null(a);
}

/* A port's "Endpoint" (SPEC 4): an HNS endpoint name or ID to attach. */
Test(config_port_endpoint, name_is_kept_and_absent_is_empty)
{
	parse_ok("{'Ports': [{'Name': 'a', 'Devargs': 'net_null0', 'Endpoint': 'web'},"
		 " {'Name': 'b', 'Devargs': 'net_null1'}]}");
	cr_assert_str_eq(out.ports[0].endpoint, "web");
	cr_assert_str_eq(out.ports[1].endpoint, "");
	config_release(&out);
}

Test(config_port_endpoint, empty_or_wrong_type_is_rejected_with_its_path)
{
	parse_fails("{'Ports': [{'Name': 'a', 'Devargs': 'net_null0', 'Endpoint': ''}]}",
		    "Ports[0].Endpoint", "endpoint name or ID");
	parse_fails("{'Ports': [{'Name': 'a', 'Devargs': 'net_null0', 'Endpoint': 7}]}",
		    "Ports[0].Endpoint", "string");
}

/* "EndpointSystemType": Host attaches the endpoint as the host's vNIC. */
Test(config_port_endpoint, system_type_host_or_container)
{
	parse_ok("{'Ports': [{'Name': 'a', 'Devargs': 'net_null0', 'Endpoint': 'h',"
		 " 'EndpointSystemType': 'Host'}, {'Name': 'b', 'Devargs': 'net_null1',"
		 " 'Endpoint': 'c', 'EndpointSystemType': 'container'},"
		 " {'Name': 'c', 'Devargs': 'net_null2', 'Endpoint': 'd'}]}");
	cr_assert(out.ports[0].endpoint_host);
	cr_assert_not(out.ports[1].endpoint_host);
	cr_assert_not(out.ports[2].endpoint_host);
	config_release(&out);
	parse_fails("{'Ports': [{'Name': 'a', 'Devargs': 'net_null0', 'Endpoint': 'h',"
		    " 'EndpointSystemType': 'Guest'}]}",
		    "Ports[0].EndpointSystemType", "Container or Host");
}

/* ---- IPAddresses, DefaultGateway ---- */

#define UPLINK_IP "'Name': 'up', 'Devargs': 'd9', 'Uplink': true, " \
	"'IPAddresses': ['192.0.2.10/24']"

Test(config_port_ips, addresses_and_gateway_are_kept)
{
	parse_ok("{'Ports': [{" PORT0 ", 'IPAddresses': ['192.0.2.10/24', '10.1.2.3/8'],"
		 " 'DefaultGateway': '192.0.2.1'}, {" PORT1 "}]}");
	cr_assert_eq(out.ports[0].nb_ips, 2);
	cr_assert_eq(out.ports[0].ips[0], 0xc000020a);
	cr_assert_eq(out.ports[0].plens[0], 24);
	cr_assert_eq(out.ports[0].ips[1], 0x0a010203);
	cr_assert_eq(out.ports[0].plens[1], 8);
	cr_assert_eq(out.ports[0].default_gw, 0xc0000201);
	cr_assert_eq(out.ports[1].nb_ips, 0);
	cr_assert_eq(out.ports[1].default_gw, 0);
	config_release(&out);
	/* a /32 and a gateway on-link through the second address */
	parse_ok("{'Ports': [{" PORT0 ", 'IPAddresses': ['203.0.113.7/32', '10.0.0.2/30'],"
		 " 'DefaultGateway': '10.0.0.1'}]}");
	cr_assert_eq(out.ports[0].default_gw, 0x0a000001);
	config_release(&out);
}

Test(config_port_ips, bad_addresses_name_the_element)
{
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': '10.0.0.1/24'}]}",
		    "Ports[0].IPAddresses", "must be an array");
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': ['10.0.0.1/24', 5]}]}",
		    "Ports[0].IPAddresses[1]", "must be a string");
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': ['2001:db8::1/64']}]}",
		    "Ports[0].IPAddresses[0]", "IPv6 addresses are not supported on ports yet");
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': ['10.0.0.1']}]}",
		    "Ports[0].IPAddresses[0]", "prefix length");
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': ['10.0.0.256/24']}]}",
		    "Ports[0].IPAddresses[0]", NULL);
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': ['10.0.0.1/33']}]}",
		    "Ports[0].IPAddresses[0]", NULL);
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': ['10.0.0.0/24']}]}",
		    "Ports[0].IPAddresses[0]", "network or broadcast");
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': ['10.0.0.255/24']}]}",
		    "Ports[0].IPAddresses[0]", "network or broadcast");
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': ['224.0.0.1/24']}]}",
		    "Ports[0].IPAddresses[0]", "unicast");
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': ['10.0.0.1/24', '10.0.0.1/16']}]}",
		    "Ports[0].IPAddresses[1]", "repeats");
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': ['10.0.0.1/24', '10.0.0.2/24',"
		    " '10.0.0.3/24', '10.0.0.4/24', '10.0.0.5/24']}]}",
		    "Ports[0].IPAddresses", "at most 4");
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': ['10.0.0.1/24']},"
		    " {" PORT1 ", 'IPAddresses': ['10.0.0.1/24']}]}",
		    "Ports[1].IPAddresses[0]", "port 'a'");
}

Test(config_port_ips, default_gateway_must_be_on_link)
{
	parse_fails("{'Ports': [{" PORT0 ", 'DefaultGateway': '10.0.0.1'}]}",
		    "Ports[0].DefaultGateway", "needs IPAddresses");
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': ['10.0.0.2/24'],"
		    " 'DefaultGateway': '10.0.1.1'}]}", "Ports[0].DefaultGateway", "on-link");
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': ['10.0.0.2/24'],"
		    " 'DefaultGateway': '10.0.0.2'}]}", "Ports[0].DefaultGateway", "own address");
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': ['10.0.0.2/24'],"
		    " 'DefaultGateway': '10.0.0'}]}", "Ports[0].DefaultGateway",
		    "not an IPv4 address");
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': ['10.0.0.2/24'],"
		    " 'DefaultGateway': 'fe80::1'}]}", "Ports[0].DefaultGateway", "IPv6");
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': ['10.0.0.2/24'],"
		    " 'DefaultGateway': ['10.0.0.1']}]}", "Ports[0].DefaultGateway",
		    "must be a string");
}

Test(config_port_ips, hot_plug_port_parser_reads_them_too)
{
	struct port_config pc;
	json_error_t jerr;
	json_t *doc = json_loads("{\"Name\": \"x\", \"Devargs\": \"d\", \"IPAddresses\":"
				 " [\"198.51.100.2/24\"], \"DefaultGateway\": \"198.51.100.1\"}",
				 0, &jerr);

	cr_assert_eq(config_parse_port(doc, "", &pc, err, sizeof(err)), 0, "%s", err);
	cr_assert(pc.nb_ips == 1 && pc.ips[0] == 0xc6336402 && pc.default_gw == 0xc6336401);
	config_port_release(&pc);
	json_decref(doc);
}

/* ---- Nats ---- */

Test(config_nats, kept_as_json_after_validation)
{
	parse_ok("{'Ports': [{" UPLINK_IP "}], 'Nats': [{'Name': 'winnat',"
		 " 'InternalIPInterfaceAddressPrefix': '172.18.0.0/16'},"
		 " {'Name': 'other', 'InternalIPInterfaceAddressPrefix': '172.19.0.0/16',"
		 " 'StaticMappings': [{'Protocol': 'TCP', 'ExternalPort': 80,"
		 " 'InternalIPAddress': '172.19.0.2', 'InternalPort': 80}]}]}");
	cr_assert_not_null(out.nats);
	cr_assert_eq(json_array_size(out.nats), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(out.nats, 1),
							   "Name")), "other");
	config_release(&out);
	cr_assert_null(out.nats);
	config_release(&out); /* twice is harmless */
	/* with an ExternalIPAddress no uplink address is needed */
	parse_ok("{'Nats': [{'Name': 'n', 'InternalIPInterfaceAddressPrefix': '10.0.0.0/8',"
		 " 'ExternalIPAddress': '192.0.2.1'}]}");
	cr_assert_eq(json_array_size(out.nats), 1);
	config_release(&out);
	parse_ok("{'Nats': []}");
	cr_assert_null(out.nats);
}

Test(config_nats, errors_name_the_element_and_field)
{
	parse_fails("{'Nats': {}}", "Nats", "must be an array");
	parse_fails("{'Ports': [{" UPLINK_IP "}], 'Nats': [5]}", "Nats[0]",
		    "must be an object");
	parse_fails("{'Ports': [{" UPLINK_IP "}], 'Nats': [{'Name': 'a',"
		    " 'InternalIPInterfaceAddressPrefix': '172.18.0.0/16'}, {'Name': 'b',"
		    " 'InternalIPInterfaceAddressPrefix': '172.19.0.1/16'}]}",
		    "Nats[1].InternalIPInterfaceAddressPrefix", "host bits");
	parse_fails("{'Ports': [{" UPLINK_IP "}], 'Nats': [{'Name': 'a'}]}",
		    "Nats[0].InternalIPInterfaceAddressPrefix", "required");
	parse_fails("{'Ports': [{" UPLINK_IP "}], 'Nats': [{'Name': 'a',"
		    " 'InternalIPInterfaceAddressPrefix': '172.18.0.0/16', 'Foo': 1}]}",
		    "Nats[0].Foo", "unknown field");
	parse_fails("{'Ports': [{" UPLINK_IP "}], 'Nats': [{'Name': 'a',"
		    " 'InternalIPInterfaceAddressPrefix': '172.18.0.0/16',"
		    " 'UdpIdleSessionTimeout': 0}]}",
		    "Nats[0].UdpIdleSessionTimeout", "out of range");
	parse_fails("{'Ports': [{" UPLINK_IP "}], 'Nats': [{'Name': 'a',"
		    " 'InternalIPInterfaceAddressPrefix': '172.18.0.0/16',"
		    " 'StaticMappings': [{'Protocol': 'SCTP', 'ExternalPort': 1,"
		    " 'InternalIPAddress': '172.18.0.2', 'InternalPort': 1}]}]}",
		    "Nats[0].StaticMappings[0].Protocol", "TCP or UDP");
	parse_fails("{'Ports': [{" UPLINK_IP "}], 'Nats': [{'Name': 'a',"
		    " 'InternalIPInterfaceAddressPrefix': '172.18.0.0/16'}, {'Name': 'a',"
		    " 'InternalIPInterfaceAddressPrefix': '172.19.0.0/16'}]}",
		    "Nats[1].Name", "Nats[0]");
	/* no ExternalIPAddress and no uplink address to default to */
	parse_fails("{'Ports': [{" PORT0 ", 'Uplink': true}], 'Nats': [{'Name': 'a',"
		    " 'InternalIPInterfaceAddressPrefix': '172.18.0.0/16'}]}",
		    "Nats[0].ExternalIPAddress", "IPAddresses");
	/* a bad port fails first; nothing is kept */
	parse_fails("{'Ports': [{" PORT0 ", 'IPAddresses': ['x']}], 'Nats': [{'Name': 'a',"
		    " 'InternalIPInterfaceAddressPrefix': '172.18.0.0/16'}]}",
		    "Ports[0].IPAddresses[0]", NULL);
}

/* The one prefix parser every prefix reader wraps (addr_parse.h). */
Test(ip_prefix, forms_lengths_and_families)
{
	struct ip_prefix p;

	cr_assert_eq(ip_prefix_parse("10.1.0.0/16", 0, &p), IP_PREFIX_OK);
	cr_assert_eq(p.family, 4);
	cr_assert_eq(p.len, 16);
	cr_assert_eq(p.addr[0], 10);
	cr_assert_eq(p.addr[1], 1);
	cr_assert_eq(ip_prefix_parse("2001:db8::/32", 0, &p), IP_PREFIX_OK);
	cr_assert_eq(p.family, 6);
	cr_assert_eq(p.len, 32);
	cr_assert_eq(p.addr[1], 0x01);
	/* a bare address: a host prefix only when allowed */
	cr_assert_eq(ip_prefix_parse("192.0.2.7", 0, &p), IP_PREFIX_BAD_LENGTH);
	cr_assert_eq(ip_prefix_parse("192.0.2.7", IP_PREFIX_LEN_OPTIONAL, &p), IP_PREFIX_OK);
	cr_assert_eq(p.len, 32);
	cr_assert_eq(ip_prefix_parse("fe80::1", IP_PREFIX_LEN_OPTIONAL, &p), IP_PREFIX_OK);
	cr_assert_eq(p.len, 128);
	cr_assert_eq(ip_prefix_parse("2001:db8::/32", IP_PREFIX_V4_ONLY, &p),
		     IP_PREFIX_BAD_ADDRESS);
}

Test(ip_prefix, one_rule_for_bad_text)
{
	struct ip_prefix p;
	static const char *const bad_len[] = { "10.0.0.0/", "10.0.0.0/08", "10.0.0.0/x",
					       "10.0.0.0/8x", "10.0.0.0/-1", "10.0.0.0/0128" };

	for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++)
		cr_assert_eq(ip_prefix_parse(bad_len[i], 0, &p), IP_PREFIX_BAD_LENGTH,
			     "'%s' accepted", bad_len[i]);
	cr_assert_eq(ip_prefix_parse("10.0.0.0/33", 0, &p), IP_PREFIX_LENGTH_RANGE);
	cr_assert_eq(p.len, 33);
	cr_assert_eq(ip_prefix_parse("::/129", 0, &p), IP_PREFIX_LENGTH_RANGE);
	cr_assert_eq(ip_prefix_parse("010.0.0.0/8", 0, &p), IP_PREFIX_BAD_ADDRESS);
	cr_assert_eq(ip_prefix_parse("10.0.0/8", 0, &p), IP_PREFIX_BAD_ADDRESS);
	cr_assert_eq(ip_prefix_parse("/8", 0, &p), IP_PREFIX_BAD_ADDRESS);
	cr_assert_eq(ip_prefix_parse("", IP_PREFIX_LEN_OPTIONAL, &p), IP_PREFIX_BAD_ADDRESS);
	cr_assert_eq(ip_prefix_parse(NULL, 0, &p), IP_PREFIX_BAD_ADDRESS);
	cr_assert_eq(ip_prefix_parse("fe80::zz/64", 0, &p), IP_PREFIX_BAD_ADDRESS);
	cr_assert_eq(p.family, 6, "the family of a bad IPv6 address is still told");
}

Test(ip_prefix, host_bits_seen_and_cleared)
{
	struct ip_prefix p;
	uint32_t prefix;
	uint8_t plen;

	cr_assert_eq(ip_prefix_parse("10.0.0.1/8", 0, &p), IP_PREFIX_OK);
	cr_assert(ip_prefix_has_host_bits(&p));
	ip_prefix_clear_host_bits(&p);
	cr_assert_not(ip_prefix_has_host_bits(&p));
	cr_assert_eq(p.addr[3], 0);
	cr_assert_eq(ip_prefix_parse("2001:db8::1/64", 0, &p), IP_PREFIX_OK);
	cr_assert(ip_prefix_has_host_bits(&p));
	/* the IPv4 wrappers keep their contracts */
	cr_assert_eq(ipv4_prefix_parse("10.0.0.1/8", &prefix, &plen), -2);
	cr_assert_eq(ipv4_prefix_parse("10.0.0.0/8", &prefix, &plen), 0);
	cr_assert_eq(prefix, 0x0a000000u);
	cr_assert_eq(plen, 8);
	cr_assert_eq(ipv4_prefix_parse("10.0.0.0/33", &prefix, &plen), -1);
}
