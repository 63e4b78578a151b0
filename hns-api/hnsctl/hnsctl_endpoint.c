/* hnsctl endpoint list|show|create|delete|attach|detach|stats: HNS v1
 * endpoints (/endpoints/, /endpointstats/). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hnsctl_cmd.h"
#include "hnsctl_print.h"

static const struct option common_only[] = {HNSCTL_COMMON_OPTIONS,
					    {NULL, 0, NULL, 0}};

/* Does any endpoint lack VirtualNetworkName (so the list needs the
 * networks to show names)? */
static bool needs_network_names(const json_t *endpoints)
{
	const json_t *ep;
	size_t i;

	json_array_foreach(endpoints, i, ep)
		if (!json_is_string(json_object_get(ep, "VirtualNetworkName")) &&
		    json_is_string(json_object_get(ep, "VirtualNetwork")))
			return true;
	return false;
}

static int endpoint_list(struct hnsctl *c, const struct hnsctl_sub *sub,
			 int argc, char **argv)
{
	json_t *out, *networks = NULL;
	int rc = hnsctl_no_args(c, sub, argc, argv);

	if (rc >= 0)
		return rc;
	if (hnsctl_call(c, "GET", "/endpoints/", NULL, &out) < 0)
		return HNSCTL_FAIL;
	if (c->json) {
		print_json(out);
	} else {
		if (needs_network_names(out) &&
		    hnsctl_call(c, "GET", "/networks/", NULL, &networks) < 0) {
			json_decref(out);
			return HNSCTL_FAIL;
		}
		print_endpoints(out, networks);
	}
	json_decref(networks);
	json_decref(out);
	return HNSCTL_OK;
}

/* Calls METHOD /endpoints/ID+suffix (or /endpointstats/ID) for the
 * endpoint named by the one positional argument; *id gets its id. */
static int call_endpoint(struct hnsctl *c, const char *key,
			 const char *collection, const char *method,
			 const char *suffix, const json_t *body, char **id,
			 json_t **out)
{
	char *path;
	int rc;

	*id = hnsctl_resolve(c, "/endpoints/", "endpoint", key, NULL);
	if (*id == NULL)
		return -1;
	path = hnsctl_path(collection, *id, suffix);
	rc = path ? hnsctl_call(c, method, path, body, out) : -1;
	free(path);
	if (rc < 0) {
		free(*id);
		*id = NULL;
	}
	return rc;
}

enum what { SHOW, DELETE, DETACH, STATS };

/* The endpoint, then what the switch does with each of its policies (an
 * older daemon without /policystatus: the endpoint alone). */
static void show_with_policies(struct hnsctl *c, const char *id, const json_t *ep)
{
	char *path = hnsctl_path("/endpoints/", id, "/policystatus");
	json_t *status = NULL;

	print_endpoint(ep);
	if (path != NULL && hnsctl_call_quiet(c, "GET", path, NULL, &status) == 0)
		print_endpoint_policies(status);
	json_decref(status);
	free(path);
}

static int endpoint_one(struct hnsctl *c, const struct hnsctl_sub *sub,
			int argc, char **argv, enum what what)
{
	static const char *const method[] = {"GET", "DELETE", "POST", "GET"};
	static const char *const suffix[] = {"", "", "/detach", ""};
	const char *key;
	char *id;
	json_t *out, *body = NULL;
	int first, rc;

	rc = hnsctl_parse(c, sub, argc, argv, common_only, NULL, NULL, &first);
	if (rc >= 0)
		return rc;
	rc = hnsctl_one_arg(sub, argc, argv, first, "ID|NAME", &key);
	if (rc != HNSCTL_OK)
		return rc;
	if (what == DETACH)
		body = json_object();
	rc = call_endpoint(c, key,
			   what == STATS ? "/endpointstats/" : "/endpoints/",
			   method[what], suffix[what], body, &id, &out);
	json_decref(body);
	if (rc < 0)
		return HNSCTL_FAIL;
	if (c->json)
		print_json(out);
	else if (what == SHOW)
		show_with_policies(c, id, out);
	else if (what == STATS)
		print_endpoint_stats(out);
	else if (what == DELETE)
		printf("%s\n", id);
	else
		printf("endpoint %s detached\n", id);
	json_decref(out);
	free(id);
	return HNSCTL_OK;
}

static int endpoint_show(struct hnsctl *c, const struct hnsctl_sub *sub,
			 int argc, char **argv)
{
	return endpoint_one(c, sub, argc, argv, SHOW);
}

static int endpoint_delete(struct hnsctl *c, const struct hnsctl_sub *sub,
			   int argc, char **argv)
{
	return endpoint_one(c, sub, argc, argv, DELETE);
}

static int endpoint_detach(struct hnsctl *c, const struct hnsctl_sub *sub,
			   int argc, char **argv)
{
	return endpoint_one(c, sub, argc, argv, DETACH);
}

static int endpoint_stats(struct hnsctl *c, const struct hnsctl_sub *sub,
			  int argc, char **argv)
{
	return endpoint_one(c, sub, argc, argv, STATS);
}

/* ---- attach ---- */

enum {
	OPT_PORT = OPT_FIRST_COMMAND,
	OPT_DEVARGS,
	OPT_NETWORK,
	OPT_NAME,
	OPT_IP,
	OPT_MAC,
	OPT_PORT_MAPPING,
	OPT_VLAN,
	OPT_POLICY,
	OPT_HOST,
};

struct attach_args {
	const char *port, *devargs;
	bool host; /* --host: a host vNIC (issue 16) */
};

static int attach_option(void *ctx, int opt, const char *arg)
{
	struct attach_args *a = ctx;

	if (opt == OPT_PORT)
		a->port = arg;
	else if (opt == OPT_DEVARGS)
		a->devargs = arg;
	else if (opt == OPT_HOST)
		a->host = true;
	return 0;
}

static int endpoint_attach(struct hnsctl *c, const struct hnsctl_sub *sub,
			   int argc, char **argv)
{
	static const struct option opts[] = {
		HNSCTL_COMMON_OPTIONS,
		{"port", required_argument, NULL, OPT_PORT},
		{"devargs", required_argument, NULL, OPT_DEVARGS},
		{"host", no_argument, NULL, OPT_HOST},
		{NULL, 0, NULL, 0},
	};
	struct attach_args a = {0};
	const char *key;
	json_t *body, *out;
	char *id;
	int first, rc;

	rc = hnsctl_parse(c, sub, argc, argv, opts, attach_option, &a, &first);
	if (rc >= 0)
		return rc;
	rc = hnsctl_one_arg(sub, argc, argv, first, "ID|NAME", &key);
	if (rc != HNSCTL_OK)
		return rc;
	if ((a.port == NULL) == !a.host)
		return hnsctl_usage(sub->usage, "attach: give --port or --host");
	body = a.host ? json_pack("{ss}", "SystemType", "Host")
		      : json_pack("{ss}", "VirtualNicName", a.port);
	if (a.devargs)
		json_object_set_new(body, "Devargs", json_string(a.devargs));
	rc = call_endpoint(c, key, "/endpoints/", "POST", "/attach", body, &id,
			   &out);
	json_decref(body);
	if (rc < 0)
		return HNSCTL_FAIL;
	if (c->json)
		print_json(out);
	else if (a.host)
		printf("endpoint %s attached as host interface %s\n", id,
		       json_string_value(json_object_get(out, "InterfaceName")) ?
		       json_string_value(json_object_get(out, "InterfaceName")) : "-");
	else
		printf("endpoint %s attached to %s\n", id, a.port);
	json_decref(out);
	free(id);
	return HNSCTL_OK;
}

/* ---- create ---- */

struct create_args {
	const struct hnsctl_sub *sub;
	const char *network;
	json_t *ep;       /* the HNSEndpoint being built */
	json_t *policies; /* its Policies */
};

/* "PROTO:EXT:INT" -> a NAT policy. */
static json_t *port_mapping(const char *text)
{
	char proto[8];
	long ext, in;
	const char *c1 = strchr(text, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char num[16];

	if (c2 == NULL || c1 == text || (size_t)(c1 - text) >= sizeof(proto) ||
	    (size_t)(c2 - c1 - 1) >= sizeof(num))
		return NULL;
	for (size_t i = 0; i < (size_t)(c1 - text); i++)
		proto[i] = (char)toupper((unsigned char)text[i]);
	proto[c1 - text] = '\0';
	if (strcmp(proto, "TCP") != 0 && strcmp(proto, "UDP") != 0)
		return NULL;
	snprintf(num, sizeof(num), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
	if (hnsctl_number(num, 1, 65535, &ext) < 0 ||
	    hnsctl_number(c2 + 1, 1, 65535, &in) < 0)
		return NULL;
	return json_pack("{sssssIsI}", "Type", "NAT", "Protocol", proto,
			 "ExternalPort", (json_int_t)ext, "InternalPort",
			 (json_int_t)in);
}

static int create_option(void *ctx, int opt, const char *arg)
{
	struct create_args *a = ctx;
	const char *usage = a->sub->usage;
	json_t *p;
	long vlan;

	switch (opt) {
	case OPT_NETWORK:
		a->network = arg;
		break;
	case OPT_NAME:
		json_object_set_new(a->ep, "Name", json_string(arg));
		break;
	case OPT_IP:
		json_object_set_new(a->ep, "IPAddress", json_string(arg));
		break;
	case OPT_MAC:
		json_object_set_new(a->ep, "MacAddress", json_string(arg));
		break;
	case OPT_PORT_MAPPING:
		p = port_mapping(arg);
		if (p == NULL)
			return hnsctl_usage(usage, "--port-mapping: '%s' is not "
					    "TCP|UDP:EXTERNAL:INTERNAL", arg);
		json_array_append_new(a->policies, p);
		break;
	case OPT_POLICY: {
		json_error_t jerr;

		p = json_loads(arg, 0, &jerr);
		if (!json_is_object(p)) {
			json_decref(p);
			return hnsctl_usage(usage, "--policy: '%s' is not a JSON "
					    "object (an HNS v1 policy, e.g. "
					    "'{\"Type\":\"ACL\",...}')", arg);
		}
		json_array_append_new(a->policies, p);
		break;
	}
	case OPT_VLAN:
		if (hnsctl_number(arg, 0, 4095, &vlan) < 0)
			return hnsctl_usage(usage, "--vlan: '%s' is not a VLAN "
					    "ID 0-4095", arg);
		json_array_append_new(a->policies,
				      json_pack("{sssI}", "Type", "VLAN", "VLAN",
						(json_int_t)vlan));
		break;
	}
	return 0;
}

static int endpoint_create(struct hnsctl *c, const struct hnsctl_sub *sub,
			   int argc, char **argv)
{
	static const struct option opts[] = {
		HNSCTL_COMMON_OPTIONS,
		{"network", required_argument, NULL, OPT_NETWORK},
		{"name", required_argument, NULL, OPT_NAME},
		{"ip", required_argument, NULL, OPT_IP},
		{"mac", required_argument, NULL, OPT_MAC},
		{"port-mapping", required_argument, NULL, OPT_PORT_MAPPING},
		{"vlan", required_argument, NULL, OPT_VLAN},
		{"policy", required_argument, NULL, OPT_POLICY},
		{NULL, 0, NULL, 0},
	};
	struct create_args a = {
		.sub = sub,
		.ep = json_object(),
		.policies = json_array(),
	};
	json_t *out = NULL;
	char *net_id = NULL;
	int first, rc;

	rc = hnsctl_parse(c, sub, argc, argv, opts, create_option, &a, &first);
	if (rc >= 0)
		goto done;
	if (first < argc) {
		rc = hnsctl_usage(sub->usage, "create: unexpected argument "
				  "'%s'", argv[first]);
		goto done;
	}
	if (a.network == NULL || !json_object_get(a.ep, "Name")) {
		rc = hnsctl_usage(sub->usage, "create: --network and --name are "
				  "required");
		goto done;
	}
	rc = HNSCTL_FAIL;
	net_id = hnsctl_resolve(c, "/networks/", "network", a.network, NULL);
	if (net_id == NULL)
		goto done;
	json_object_set_new(a.ep, "VirtualNetwork", json_string(net_id));
	if (json_array_size(a.policies))
		json_object_set(a.ep, "Policies", a.policies);
	if (hnsctl_call(c, "POST", "/endpoints/", a.ep, &out) < 0)
		goto done;
	if (c->json)
		print_json(out);
	else if (hnsctl_id(out))
		printf("%s\n", hnsctl_id(out));
	rc = HNSCTL_OK;
done:
	free(net_id);
	json_decref(out);
	json_decref(a.ep);
	json_decref(a.policies);
	return rc;
}

static const struct hnsctl_sub endpoint_subs[] = {
	{"list", "usage: hnsctl endpoint list [--json]",
	 "Lists the endpoints: ID, NAME, NETWORK, IP, MAC and the port each\n"
	 "is attached to (else its state).\n", endpoint_list},
	{"show", "usage: hnsctl endpoint show ID|NAME [--json]",
	 "Shows one endpoint, by ID or by name.\n", endpoint_show},
	{"create",
	 "usage: hnsctl endpoint create --network ID|NAME --name N [--ip A] "
	 "[--mac M] [--port-mapping PROTO:EXT:INT]... [--vlan ID] "
	 "[--policy JSON]... [--json]",
	 "Creates an endpoint and prints its ID. Without --ip or --mac the\n"
	 "network assigns them.\n\n"
	 "  --network ID|NAME               the network\n"
	 "  --name N                        the endpoint's name\n"
	 "  --ip A                          its IP address\n"
	 "  --mac M                         its MAC address\n"
	 "  --port-mapping PROTO:EXT:INT    a NAT port mapping, e.g.\n"
	 "                                  tcp:8080:80 (repeatable)\n"
	 "  --vlan ID                       VLAN policy\n"
	 "  --policy JSON                   any HNS v1 endpoint policy, as\n"
	 "                                  given (repeatable); what the\n"
	 "                                  switch keeps but does not enforce\n"
	 "                                  is printed as a warning\n",
	 endpoint_create},
	{"delete", "usage: hnsctl endpoint delete ID|NAME",
	 "Deletes an endpoint and prints its ID.\n", endpoint_delete},
	{"attach",
	 "usage: hnsctl endpoint attach ID|NAME --port PORT [--devargs DEVARGS] | --host",
	 "Binds an endpoint to a switch port.\n\n"
	 "  --host             a host vNIC instead: vEthernet-<name> with the\n"
	 "                     endpoint's MAC and address, its peer a new port\n"
	 "  --port PORT        the switch port (VirtualNicName)\n"
	 "  --devargs DEVARGS  hot-plug the port first with these DPDK\n"
	 "                     devargs, e.g. net_tap0,iface=c1\n",
	 endpoint_attach},
	{"detach", "usage: hnsctl endpoint detach ID|NAME",
	 "Releases an endpoint from its switch port.\n", endpoint_detach},
	{"stats", "usage: hnsctl endpoint stats ID|NAME [--json]",
	 "Packet and byte counters of an endpoint's port.\n", endpoint_stats},
	{NULL, NULL, NULL, NULL},
};

int cmd_endpoint(struct hnsctl *c, int argc, char **argv)
{
	return hnsctl_dispatch(c, argc, argv, endpoint_subs,
			       "HNS endpoints (the v1 /endpoints/ API).");
}
