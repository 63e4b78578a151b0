/* hnsctl network list|show|create|delete: HNS v1 networks (/networks/). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hnsctl_cmd.h"
#include "hnsctl_print.h"

static int network_list(struct hnsctl *c, const struct hnsctl_sub *sub,
			int argc, char **argv)
{
	int rc = hnsctl_no_args(c, sub, argc, argv);

	return rc >= 0 ? rc : hnsctl_show(c, "/networks/", print_networks);
}

/* show and delete: one ID|NAME, resolved through the list. */
static int network_one(struct hnsctl *c, const struct hnsctl_sub *sub,
		       int argc, char **argv, const char *method)
{
	static const struct option opts[] = {HNSCTL_COMMON_OPTIONS,
					     {NULL, 0, NULL, 0}};
	const char *key;
	char *id;
	int first, rc;

	rc = hnsctl_parse(c, sub, argc, argv, opts, NULL, NULL, &first);
	if (rc >= 0)
		return rc;
	rc = hnsctl_one_arg(sub, argc, argv, first, "ID|NAME", &key);
	if (rc != HNSCTL_OK)
		return rc;
	id = hnsctl_resolve(c, "/networks/", "network", key, NULL);
	if (id == NULL)
		return HNSCTL_FAIL;
	rc = hnsctl_show_or_delete(c, "/networks/", id, method, print_network);
	free(id);
	return rc;
}

static int network_show(struct hnsctl *c, const struct hnsctl_sub *sub,
			int argc, char **argv)
{
	return network_one(c, sub, argc, argv, "GET");
}

static int network_delete(struct hnsctl *c, const struct hnsctl_sub *sub,
			  int argc, char **argv)
{
	return network_one(c, sub, argc, argv, "DELETE");
}

/* ---- create ---- */

enum {
	OPT_NAME = OPT_FIRST_COMMAND,
	OPT_TYPE,
	OPT_SUBNET,
	OPT_GATEWAY,
	OPT_ADAPTER,
	OPT_VLAN,
	OPT_MAC_POOL,
};

struct create_args {
	const struct hnsctl_sub *sub;
	json_t *net;     /* the HNSNetwork being built */
	json_t *subnets; /* its Subnets */
	json_t *pools;   /* its MacPools */
	long vlan;       /* -1: none */
};

static const char *const network_types[] = {"NAT", "Transparent", "L2Bridge",
					    "Private", NULL};

/* "START-END"; MACs may be written with '-' ("00-15-5D-00-00-00"). */
static int split_pool(const char *text, char *start, char *end, size_t len)
{
	const char *dash = strchr(text, '-');
	size_t n = strlen(text);

	if (n == 35 && text[17] == '-')
		dash = text + 17;
	else if (dash == NULL || strchr(dash + 1, '-'))
		return -1;
	if (dash == text || dash[1] == '\0' || (size_t)(dash - text) >= len ||
	    strlen(dash + 1) >= len)
		return -1;
	snprintf(start, len, "%.*s", (int)(dash - text), text);
	snprintf(end, len, "%s", dash + 1);
	return 0;
}

static int create_option(void *ctx, int opt, const char *arg)
{
	struct create_args *a = ctx;
	const char *usage = a->sub->usage;
	char start[64], end[64];
	json_t *last;

	switch (opt) {
	case OPT_NAME:
		json_object_set_new(a->net, "Name", json_string(arg));
		break;
	case OPT_TYPE:
		for (const char *const *t = network_types; *t; t++)
			if (strcasecmp(*t, arg) == 0) {
				json_object_set_new(a->net, "Type",
						    json_string(*t));
				return 0;
			}
		return hnsctl_usage(usage, "--type: '%s' is not NAT, "
				    "Transparent, L2Bridge or Private", arg);
	case OPT_SUBNET:
		json_array_append_new(a->subnets,
				      json_pack("{ss}", "AddressPrefix", arg));
		break;
	case OPT_GATEWAY:
		last = json_array_get(a->subnets,
				      json_array_size(a->subnets) - 1);
		if (last == NULL)
			return hnsctl_usage(usage, "--gateway %s: give --subnet "
					    "first", arg);
		if (json_object_get(last, "GatewayAddress"))
			return hnsctl_usage(usage, "--gateway %s: subnet %s "
					    "already has a gateway", arg,
					    json_string_value(json_object_get(
						    last, "AddressPrefix")));
		json_object_set_new(last, "GatewayAddress", json_string(arg));
		break;
	case OPT_ADAPTER:
		json_object_set_new(a->net, "NetworkAdapterName",
				    json_string(arg));
		break;
	case OPT_VLAN:
		if (hnsctl_number(arg, 0, 4095, &a->vlan) < 0)
			return hnsctl_usage(usage, "--vlan: '%s' is not a VLAN "
					    "ID 0-4095", arg);
		break;
	case OPT_MAC_POOL:
		if (split_pool(arg, start, end, sizeof(start)) < 0)
			return hnsctl_usage(usage, "--mac-pool: '%s' is not "
					    "START-END", arg);
		json_array_append_new(a->pools,
				      json_pack("{ssss}", "StartMacAddress", start,
						"EndMacAddress", end));
		break;
	}
	return 0;
}

static int network_create(struct hnsctl *c, const struct hnsctl_sub *sub,
			  int argc, char **argv)
{
	static const struct option opts[] = {
		HNSCTL_COMMON_OPTIONS,
		{"name", required_argument, NULL, OPT_NAME},
		{"type", required_argument, NULL, OPT_TYPE},
		{"subnet", required_argument, NULL, OPT_SUBNET},
		{"gateway", required_argument, NULL, OPT_GATEWAY},
		{"adapter", required_argument, NULL, OPT_ADAPTER},
		{"vlan", required_argument, NULL, OPT_VLAN},
		{"mac-pool", required_argument, NULL, OPT_MAC_POOL},
		{NULL, 0, NULL, 0},
	};
	struct create_args a = {
		.sub = sub,
		.net = json_object(),
		.subnets = json_array(),
		.pools = json_array(),
		.vlan = -1,
	};
	json_t *out = NULL, *sn;
	int first, rc;
	size_t i;

	rc = hnsctl_parse(c, sub, argc, argv, opts, create_option, &a, &first);
	if (rc >= 0)
		goto done;
	if (first < argc) {
		rc = hnsctl_usage(sub->usage, "create: unexpected argument "
				  "'%s'", argv[first]);
		goto done;
	}
	if (!json_object_get(a.net, "Name") || !json_object_get(a.net, "Type")) {
		rc = hnsctl_usage(sub->usage, "create: --name and --type are "
				  "required");
		goto done;
	}
	/* --vlan: the VLAN policy of every subnet, or of the network when
	 * it has none. */
	if (a.vlan >= 0 && json_array_size(a.subnets) == 0)
		json_object_set_new(a.net, "Policies",
				    json_pack("[{sssI}]", "Type", "VLAN", "VLAN",
					      (json_int_t)a.vlan));
	json_array_foreach(a.subnets, i, sn)
		if (a.vlan >= 0)
			json_object_set_new(sn, "Policies",
					    json_pack("[{sssI}]", "Type", "VLAN",
						      "VLAN", (json_int_t)a.vlan));
	if (json_array_size(a.subnets))
		json_object_set(a.net, "Subnets", a.subnets);
	if (json_array_size(a.pools))
		json_object_set(a.net, "MacPools", a.pools);

	if (hnsctl_call(c, "POST", "/networks/", a.net, &out) < 0) {
		rc = HNSCTL_FAIL;
		goto done;
	}
	if (c->json)
		print_json(out);
	else if (hnsctl_id(out))
		printf("%s\n", hnsctl_id(out));
	rc = HNSCTL_OK;
done:
	json_decref(out);
	json_decref(a.net);
	json_decref(a.subnets);
	json_decref(a.pools);
	return rc;
}

static const struct hnsctl_sub network_subs[] = {
	{"list", "usage: hnsctl network list [--json]",
	 "Lists the networks: ID, NAME, TYPE, SUBNETS.\n", network_list},
	{"show", "usage: hnsctl network show ID|NAME [--json]",
	 "Shows one network, by ID or by name.\n", network_show},
	{"create",
	 "usage: hnsctl network create --name N --type NAT|Transparent|"
	 "L2Bridge|Private [--subnet PREFIX [--gateway IP]]... [--adapter PORT] "
	 "[--vlan ID] [--mac-pool START-END]... [--json]",
	 "Creates a network and prints its ID.\n\n"
	 "  --name N              the network's name (unique)\n"
	 "  --type TYPE           NAT, Transparent, L2Bridge or Private\n"
	 "  --subnet PREFIX       a subnet, e.g. 172.18.0.0/16 (repeatable)\n"
	 "  --gateway IP          the gateway of the --subnet before it\n"
	 "  --adapter PORT        the switch port used as uplink\n"
	 "                        (NetworkAdapterName)\n"
	 "  --vlan ID             VLAN policy of every subnet\n"
	 "  --mac-pool START-END  MAC addresses for endpoints (repeatable)\n",
	 network_create},
	{"delete", "usage: hnsctl network delete ID|NAME",
	 "Deletes a network (by ID or name) and prints its ID.\n",
	 network_delete},
	{NULL, NULL, NULL, NULL},
};

int cmd_network(struct hnsctl *c, int argc, char **argv)
{
	return hnsctl_dispatch(c, argc, argv, network_subs,
			       "HNS networks (the v1 /networks/ API).");
}
