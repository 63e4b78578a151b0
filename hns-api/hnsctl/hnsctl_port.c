/* hnsctl port acl|extacl list|add|delete: a switch port's port ACLs and
 * extended ACLs (/ports/{name}/acls, /ports/{name}/extendedacls).
 *
 *   hnsctl port acl list PORT
 *   hnsctl port acl add PORT --action A --direction D --remote-ip P ...
 *   hnsctl port acl delete PORT ID|--all
 *   hnsctl port extacl list|add|delete ...
 *
 * "add" builds the rule JSON from the options and leaves the checking of
 * values to the server, whose Error names the field; only what the
 * command line itself must have (action, direction, one address for a
 * port ACL, numbers where numbers go) is checked here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hnsctl_cmd.h"
#include "hnsctl_print.h"

static const struct option common_only[] = {HNSCTL_COMMON_OPTIONS,
					    {NULL, 0, NULL, 0}};

enum layer { PORT_ACL, EXT_ACL };

static const char *const layer_path[] = {"/acls", "/extendedacls"};

/* METHOD /ports/PORT/acls[/ID] */
static int call_rules(struct hnsctl *c, enum layer l, const char *port,
		      const char *id, const char *method, const json_t *body,
		      json_t **out)
{
	char suffix[64];
	char *path, *esc = NULL;
	int rc;

	if (id != NULL) {
		esc = hc_url_escape(id);
		if (esc == NULL)
			return hnsctl_fail("out of memory"), -1;
	}
	snprintf(suffix, sizeof(suffix), "%s%s%.40s", layer_path[l], esc ? "/" : "",
		 esc ? esc : "");
	free(esc);
	path = hnsctl_path("/ports/", port, suffix);
	if (path == NULL)
		return hnsctl_fail("out of memory"), -1;
	rc = hnsctl_call(c, method, path, body, out);
	free(path);
	return rc;
}

static void print_rules(enum layer l, const json_t *rules)
{
	if (l == PORT_ACL)
		print_port_acls(rules);
	else
		print_ext_acls(rules);
}

/* ---- list ---- */

static int rules_list(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		      char **argv, enum layer l)
{
	const char *port;
	json_t *out;
	int first, rc;

	rc = hnsctl_parse(c, sub, argc, argv, common_only, NULL, NULL, &first);
	if (rc >= 0)
		return rc;
	rc = hnsctl_one_arg(sub, argc, argv, first, "PORT", &port);
	if (rc != HNSCTL_OK)
		return rc;
	if (call_rules(c, l, port, NULL, "GET", NULL, &out) < 0)
		return HNSCTL_FAIL;
	if (c->json)
		print_json(out);
	else
		print_rules(l, out);
	json_decref(out);
	return HNSCTL_OK;
}

/* ---- delete ---- */

enum { OPT_ALL = OPT_FIRST_COMMAND, OPT_ACTION, OPT_DIRECTION, OPT_LOCAL_IP,
       OPT_REMOTE_IP, OPT_LOCAL_MAC, OPT_REMOTE_MAC, OPT_LOCAL_PORT,
       OPT_REMOTE_PORT, OPT_PROTOCOL, OPT_WEIGHT, OPT_STATEFUL,
       OPT_IDLE_TIMEOUT };

static int all_option(void *ctx, int opt, const char *arg)
{
	(void)arg;
	if (opt == OPT_ALL)
		*(bool *)ctx = true;
	return 0;
}

static int rules_delete(struct hnsctl *c, const struct hnsctl_sub *sub,
			int argc, char **argv, enum layer l)
{
	static const struct option opts[] = {
		HNSCTL_COMMON_OPTIONS,
		{"all", no_argument, NULL, OPT_ALL},
		{NULL, 0, NULL, 0},
	};
	const json_t *r;
	bool all = false;
	json_t *out;
	size_t i;
	int first, rc;

	rc = hnsctl_parse(c, sub, argc, argv, opts, all_option, &all, &first);
	if (rc >= 0)
		return rc;
	if (first >= argc)
		return hnsctl_usage(sub->usage, "delete: PORT missing");
	if (all ? first + 1 != argc : first + 2 != argc)
		return hnsctl_usage(sub->usage, all ?
				    "delete: give PORT and --all, not an ID" :
				    "delete: give PORT and one rule ID (or --all)");
	if (call_rules(c, l, argv[first], all ? NULL : argv[first + 1], "DELETE",
		       NULL, &out) < 0)
		return HNSCTL_FAIL;
	if (c->json) {
		print_json(out);
	} else if (json_is_array(out)) {
		json_array_foreach(out, i, r)
			if (json_string_value(json_object_get(r, "Id")))
				printf("%s\n", json_string_value(json_object_get(r, "Id")));
	} else if (json_string_value(json_object_get(out, "Id"))) {
		printf("%s\n", json_string_value(json_object_get(out, "Id")));
	}
	json_decref(out);
	return HNSCTL_OK;
}

/* ---- add ---- */

struct add_args {
	const struct hnsctl_sub *sub;
	enum layer layer;
	json_t *rule;
	unsigned addresses; /* port ACL: how many address options */
};

static int add_option(void *ctx, int opt, const char *arg)
{
	static const char *const keys[] = {
		[OPT_ACTION - OPT_ACTION] = "Action",
		[OPT_DIRECTION - OPT_ACTION] = "Direction",
		[OPT_LOCAL_IP - OPT_ACTION] = "LocalIPAddress",
		[OPT_REMOTE_IP - OPT_ACTION] = "RemoteIPAddress",
		[OPT_LOCAL_MAC - OPT_ACTION] = "LocalMacAddress",
		[OPT_REMOTE_MAC - OPT_ACTION] = "RemoteMacAddress",
		[OPT_LOCAL_PORT - OPT_ACTION] = "LocalPort",
		[OPT_REMOTE_PORT - OPT_ACTION] = "RemotePort",
		[OPT_PROTOCOL - OPT_ACTION] = "Protocol",
		[OPT_WEIGHT - OPT_ACTION] = "Weight",
		[OPT_STATEFUL - OPT_ACTION] = "Stateful",
		[OPT_IDLE_TIMEOUT - OPT_ACTION] = "IdleSessionTimeout",
	};
	static const char *const names[] = {
		"action", "direction", "local-ip", "remote-ip", "local-mac",
		"remote-mac", "local-port", "remote-port", "protocol", "weight",
		"stateful", "idle-timeout",
	};
	struct add_args *a = ctx;
	const char *key;
	long n;

	if (opt < OPT_ACTION || opt > OPT_IDLE_TIMEOUT)
		return 0;
	key = keys[opt - OPT_ACTION];
	if (json_object_get(a->rule, key) != NULL)
		return hnsctl_usage(a->sub->usage, "add: --%s given twice",
				    names[opt - OPT_ACTION]);
	switch (opt) {
	case OPT_WEIGHT:
	case OPT_IDLE_TIMEOUT:
		if (hnsctl_number(arg, 0, 4294967295L, &n) < 0)
			return hnsctl_usage(a->sub->usage, "add: --%s: '%s' is not "
					    "a number", names[opt - OPT_ACTION], arg);
		json_object_set_new(a->rule, key, json_integer(n));
		break;
	case OPT_STATEFUL:
		json_object_set_new(a->rule, key, json_true());
		break;
	case OPT_LOCAL_IP:
	case OPT_REMOTE_IP:
	case OPT_LOCAL_MAC:
	case OPT_REMOTE_MAC:
		a->addresses++;
		/* fall through */
	default:
		json_object_set_new(a->rule, key, json_string(arg));
	}
	return 0;
}

static int rules_add(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		     char **argv, enum layer l)
{
	static const struct option acl_opts[] = {
		HNSCTL_COMMON_OPTIONS,
		{"action", required_argument, NULL, OPT_ACTION},
		{"direction", required_argument, NULL, OPT_DIRECTION},
		{"local-ip", required_argument, NULL, OPT_LOCAL_IP},
		{"remote-ip", required_argument, NULL, OPT_REMOTE_IP},
		{"local-mac", required_argument, NULL, OPT_LOCAL_MAC},
		{"remote-mac", required_argument, NULL, OPT_REMOTE_MAC},
		{NULL, 0, NULL, 0},
	};
	static const struct option ext_opts[] = {
		HNSCTL_COMMON_OPTIONS,
		{"action", required_argument, NULL, OPT_ACTION},
		{"direction", required_argument, NULL, OPT_DIRECTION},
		{"local-ip", required_argument, NULL, OPT_LOCAL_IP},
		{"remote-ip", required_argument, NULL, OPT_REMOTE_IP},
		{"local-port", required_argument, NULL, OPT_LOCAL_PORT},
		{"remote-port", required_argument, NULL, OPT_REMOTE_PORT},
		{"protocol", required_argument, NULL, OPT_PROTOCOL},
		{"weight", required_argument, NULL, OPT_WEIGHT},
		{"stateful", no_argument, NULL, OPT_STATEFUL},
		{"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
		{NULL, 0, NULL, 0},
	};
	struct add_args a = {.sub = sub, .layer = l, .rule = json_object()};
	const json_t *r;
	const char *port;
	json_t *out = NULL;
	size_t i;
	int first, rc;

	rc = hnsctl_parse(c, sub, argc, argv, l == PORT_ACL ? acl_opts : ext_opts,
			  add_option, &a, &first);
	if (rc >= 0)
		goto done;
	rc = hnsctl_one_arg(sub, argc, argv, first, "PORT", &port);
	if (rc != HNSCTL_OK)
		goto done;
	if (!json_object_get(a.rule, "Action") || !json_object_get(a.rule, "Direction")) {
		rc = hnsctl_usage(sub->usage, "add: --action and --direction are required");
		goto done;
	}
	if (l == PORT_ACL && a.addresses != 1) {
		rc = hnsctl_usage(sub->usage, "add: give exactly one of --local-ip, "
				  "--remote-ip, --local-mac, --remote-mac");
		goto done;
	}
	rc = HNSCTL_FAIL;
	if (call_rules(c, l, port, NULL, "POST", a.rule, &out) < 0)
		goto done;
	if (c->json)
		print_json(out);
	else
		json_array_foreach(out, i, r)
			if (json_string_value(json_object_get(r, "Id")))
				printf("%s\n", json_string_value(json_object_get(r, "Id")));
	rc = HNSCTL_OK;
done:
	json_decref(out);
	json_decref(a.rule);
	return rc;
}

/* ---- the two layers' subcommands ---- */

#define LAYER_SUBS(prefix, l)                                                  \
	static int prefix##_list(struct hnsctl *c, const struct hnsctl_sub *s, \
				 int argc, char **argv)                        \
	{                                                                      \
		return rules_list(c, s, argc, argv, l);                        \
	}                                                                      \
	static int prefix##_add(struct hnsctl *c, const struct hnsctl_sub *s,  \
				int argc, char **argv)                         \
	{                                                                      \
		return rules_add(c, s, argc, argv, l);                         \
	}                                                                      \
	static int prefix##_delete(struct hnsctl *c,                           \
				   const struct hnsctl_sub *s, int argc,       \
				   char **argv)                                \
	{                                                                      \
		return rules_delete(c, s, argc, argv, l);                      \
	}

LAYER_SUBS(acl, PORT_ACL)
LAYER_SUBS(extacl, EXT_ACL)

static const struct hnsctl_sub acl_subs[] = {
	{"list", "usage: hnsctl port acl list PORT [--json]",
	 "Lists a port's ACL rules: ID, ACTION, DIRECTION, the address\n"
	 "(local or remote side), and the PACKETS and BYTES each rule\n"
	 "counted.\n", acl_list},
	{"add",
	 "usage: hnsctl port acl add PORT --action Allow|Deny|Meter "
	 "--direction Inbound|Outbound|Both (--local-ip P|--remote-ip P|"
	 "--local-mac M|--remote-mac M) [--json]",
	 "Adds a port ACL rule (as Add-VMNetworkAdapterAcl) and prints its ID.\n"
	 "Rules are unordered: a MAC match beats an IP match, the longest\n"
	 "prefix wins, a specific address beats ANY, Deny beats Allow at\n"
	 "equal specificity; Meter only counts.\n\n"
	 "  --action Allow|Deny|Meter\n"
	 "  --direction Inbound|Outbound|Both   Inbound: toward the port's VM\n"
	 "  --local-ip P, --remote-ip P         an IPv4/IPv6 prefix or ANY\n"
	 "  --local-mac M, --remote-mac M       a MAC address or ANY\n"
	 "  (exactly one address)\n", acl_add},
	{"delete", "usage: hnsctl port acl delete PORT ID|--all",
	 "Deletes one rule (or every rule) and prints the deleted IDs.\n",
	 acl_delete},
	{NULL, NULL, NULL, NULL},
};

static const struct hnsctl_sub extacl_subs[] = {
	{"list", "usage: hnsctl port extacl list PORT [--json]",
	 "Lists a port's extended ACL rules with their hit counters. Rules\n"
	 "from an attached endpoint's ACL policies are listed too (--json\n"
	 "shows their Endpoint).\n", extacl_list},
	{"add",
	 "usage: hnsctl port extacl add PORT --action Allow|Deny "
	 "--direction Inbound|Outbound [--local-ip P] [--remote-ip P] "
	 "[--local-port N|A-B] [--remote-port N|A-B] [--protocol TCP|UDP|ICMP|N] "
	 "[--weight N] [--stateful] [--idle-timeout SECONDS] [--json]",
	 "Adds an extended ACL rule (as Add-VMNetworkAdapterExtendedAcl) and\n"
	 "prints its ID. The highest-weight matching rule decides; extended\n"
	 "rules are evaluated before port ACLs, and a packet that matches none\n"
	 "goes on to them.\n\n"
	 "  --action Allow|Deny\n"
	 "  --direction Inbound|Outbound\n"
	 "  --local-ip P, --remote-ip P       prefix or ANY (default ANY)\n"
	 "  --local-port, --remote-port       a port, a range A-B, or ANY\n"
	 "  --protocol TCP|UDP|ICMP|N|ANY     (default ANY)\n"
	 "  --weight N                        higher wins\n"
	 "  --stateful                        an allowed outbound flow lets its\n"
	 "                                    return traffic in\n"
	 "  --idle-timeout SECONDS            of such a flow\n", extacl_add},
	{"delete", "usage: hnsctl port extacl delete PORT ID|--all",
	 "Deletes one rule (or every rule the port has of its own: rules\n"
	 "from endpoint policies stay) and prints the deleted IDs.\n",
	 extacl_delete},
	{NULL, NULL, NULL, NULL},
};

static int port_acl(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		    char **argv)
{
	char name[] = "port acl";

	(void)sub;
	argv[0] = name; /* usage lines read "hnsctl port acl ..." */
	return hnsctl_dispatch(c, argc, argv, acl_subs,
			       "A switch port's ACLs (/ports/{name}/acls).");
}

static int port_extacl(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		       char **argv)
{
	char name[] = "port extacl";

	(void)sub;
	argv[0] = name;
	return hnsctl_dispatch(c, argc, argv, extacl_subs,
			       "A switch port's extended ACLs "
			       "(/ports/{name}/extendedacls).");
}

static const struct hnsctl_sub port_subs[] = {
	{"acl", "usage: hnsctl port acl list|add|delete ...",
	 "A port's ACL rules.\n", port_acl},
	{"extacl", "usage: hnsctl port extacl list|add|delete ...",
	 "A port's extended ACL rules.\n", port_extacl},
	{NULL, NULL, NULL, NULL},
};

int cmd_port(struct hnsctl *c, int argc, char **argv)
{
	return hnsctl_dispatch(c, argc, argv, port_subs,
			       "Switch ports: their ACLs and extended ACLs.");
}
