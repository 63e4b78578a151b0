/* The HNS OutBoundNAT matching rule (obnat_match.h): exceptions,
 * destinations, several policies combined as win-bridge writes them, and
 * the JSON of an endpoint's policies turned into that rule
 * (obnat_hns.h). No EAL. */
#include <arpa/inet.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "obnat_hns.h"
#include "obnat_match.h"

static uint32_t ip(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

static struct obnat_rule rule_of(const char *policies_json, int want_rc)
{
	json_error_t je;
	json_t *ep = json_loads(policies_json, 0, &je);
	struct obnat_endpoint o;
	char err[256] = "";
	int rc;

	cr_assert_not_null(ep, "%s", je.text);
	rc = obnat_hns_rule(ep, &o, err, sizeof(err));
	cr_assert_eq(rc, want_rc, "rc %d (%s)", rc, err);
	json_decref(ep);
	return o.rule;
}

Test(obnat_rule, no_policy_snats_nothing)
{
	struct obnat_rule r;

	obnat_rule_init(&r);
	cr_assert_not(obnat_rule_snat(&r, ip("8.8.8.8")));
}

Test(obnat_rule, exceptions_exempt_their_prefixes_only)
{
	struct obnat_rule r;

	obnat_rule_init(&r);
	r.snat_by_default = true;
	cr_assert_eq(obnat_rule_add_prefix(&r, "10.244.0.0/16", false), 0);
	cr_assert_eq(obnat_rule_add_prefix(&r, "192.0.2.7", false), 0);
	cr_assert(obnat_rule_snat(&r, ip("8.8.8.8")));
	cr_assert_not(obnat_rule_snat(&r, ip("10.244.2.7")));
	cr_assert(obnat_rule_snat(&r, ip("10.245.0.1")));
	cr_assert_not(obnat_rule_snat(&r, ip("192.0.2.7")));
	cr_assert(obnat_rule_snat(&r, ip("192.0.2.8")));
}

Test(obnat_rule, prefix_text_is_checked_and_host_bits_cleared)
{
	struct obnat_rule r;

	obnat_rule_init(&r);
	cr_assert_eq(obnat_rule_add_prefix(&r, "10.0.0.0/33", false), -1);
	cr_assert_eq(obnat_rule_add_prefix(&r, "10.0.0/8", false), -1);
	cr_assert_eq(obnat_rule_add_prefix(&r, "fd00::/8", false), -1);
	cr_assert_eq(obnat_rule_add_prefix(&r, "10.1.2.3/8", false), 0);
	cr_assert_eq(r.exceptions[0].net, ip("10.0.0.0"));
	cr_assert_eq(obnat_rule_add_prefix(&r, "0.0.0.0/0", true), 0);
	cr_assert(obnat_rule_snat(&r, ip("1.2.3.4")));
	for (int i = 1; i < OBNAT_PREFIXES_MAX; i++)
		cr_assert_eq(obnat_rule_add_prefix(&r, "10.0.0.0/8", false), 0);
	cr_assert_eq(obnat_rule_add_prefix(&r, "10.0.0.0/8", false), -2);
}

Test(obnat_rule, destinations_policy_alone_snats_only_its_destinations)
{
	struct obnat_rule r = rule_of(
		"{\"Policies\":[{\"Type\":\"OutBoundNAT\",\"Destinations\":[\"10.244.1.5\"]}]}", 1);

	cr_assert(obnat_rule_snat(&r, ip("10.244.1.5")));
	cr_assert_not(obnat_rule_snat(&r, ip("10.244.1.6")));
	cr_assert_not(obnat_rule_snat(&r, ip("8.8.8.8")));
}

Test(obnat_rule, win_bridge_three_policies_combine)
{
	/* exceptions + extra exception + loopback-DSR destinations */
	struct obnat_rule r = rule_of(
		"{\"Policies\":["
		"{\"Type\":\"OutBoundNAT\",\"ExceptionList\":[\"10.244.0.0/16\",\"10.96.0.0/12\"]},"
		"{\"Type\":\"OutBoundNAT\",\"ExceptionList\":[\"172.16.0.0/12\"]},"
		"{\"Type\":\"ROUTE\",\"DestinationPrefix\":\"10.96.0.0/12\",\"NeedEncap\":true},"
		"{\"Type\":\"OutBoundNAT\",\"Destinations\":[\"10.244.1.5\"]}]}", 1);

	cr_assert(obnat_rule_snat(&r, ip("8.8.8.8")));
	cr_assert_not(obnat_rule_snat(&r, ip("10.244.2.7")));   /* first policy's */
	cr_assert_not(obnat_rule_snat(&r, ip("10.100.0.10")));  /* service CIDR */
	cr_assert_not(obnat_rule_snat(&r, ip("172.20.0.1")));   /* extra exception */
	cr_assert(obnat_rule_snat(&r, ip("10.244.1.5")));       /* Destinations wins */
}

Test(obnat_rule, v2_exceptions_vip_pool_and_ipv6_flag)
{
	json_error_t je;
	json_t *ep = json_loads(
		"{\"Policies\":["
		"{\"Type\":\"OutBoundNAT\",\"Exceptions\":[\"10.0.0.0/8\"],"
		" \"VirtualIP\":\"192.0.2.99\",\"MaxPortPoolUsage\":500},"
		"{\"Type\":\"OutBoundNAT\",\"ExceptionList\":[\"fd00::/8\"],\"Flags\":2},"
		"{\"Type\":\"OutBoundNAT\",\"MaxPortPoolUsage\":200}]}", 0, &je);
	struct obnat_endpoint o;
	char err[256];

	cr_assert_eq(obnat_hns_rule(ep, &o, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(o.external_ip, ip("192.0.2.99"));
	cr_assert_eq(o.max_ports, 200); /* the smallest */
	cr_assert_not(obnat_rule_snat(&o.rule, ip("10.1.1.1")));
	cr_assert(obnat_rule_snat(&o.rule, ip("11.1.1.1")));
	json_decref(ep);
}

Test(obnat_rule, bad_prefix_names_the_field)
{
	json_t *ep = json_loads("{\"Policies\":[{\"Type\":\"OutBoundNAT\","
				"\"ExceptionList\":[\"10.0.0.0/99\"]}]}", 0, NULL);
	struct obnat_endpoint o;
	char err[256] = "";

	cr_assert_eq(obnat_hns_rule(ep, &o, err, sizeof(err)), -1);
	cr_assert(strstr(err, "ExceptionList") != NULL, "%s", err);
	json_decref(ep);
	ep = json_loads("{\"Policies\":[{\"Type\":\"ACL\"}]}", 0, NULL);
	cr_assert_eq(obnat_hns_rule(ep, &o, err, sizeof(err)), 0);
	json_decref(ep);
}

Test(obnat_rule, enforced_on_l2bridge_transparent_and_overlay_networks)
{
	cr_assert(obnat_hns_network_type("L2Bridge"));
	cr_assert(obnat_hns_network_type("transparent"));
	cr_assert(obnat_hns_network_type("Overlay"));
	cr_assert(obnat_hns_network_type("overlay"));
	cr_assert_not(obnat_hns_network_type("NAT"));
	cr_assert_not(obnat_hns_network_type("ICS"));
	cr_assert_not(obnat_hns_network_type("L2Tunnel"));
	cr_assert_not(obnat_hns_network_type(""));
	cr_assert_not(obnat_hns_network_type(NULL));
}
