/* hnsctl namespace list|show|create|delete|add-endpoint|remove-endpoint:
 * HNS namespaces through the v2 API (/v2/namespaces). On vswitchd a
 * namespace is a Linux network namespace (made as /run/netns/<ID>, or an
 * existing one adopted with --netns), and adding an endpoint plumbs its
 * interface there (eth0, eth1...) as a switch port (issue 16). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hnsctl_cmd.h"
#include "hnsctl_print.h"

static const char *str_or_dash(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && *s ? s : "-";
}

/* The endpoint IDs of a namespace's Resources, comma-separated, or "-". */
static void print_resources(const json_t *ns, const char *sep)
{
	const json_t *r;
	size_t i, n = 0;

	json_array_foreach(json_object_get(ns, "Resources"), i, r) {
		const char *id = json_string_value(json_object_get(
			json_object_get(r, "Data"), "Id"));

		printf("%s%s", n++ ? sep : "", id ? id : "?");
	}
	if (n == 0)
		printf("-");
}

static void print_namespaces(const json_t *list)
{
	const json_t *ns;
	size_t i;

	printf("%-36s  %-6s  %-50s  %s\n", "ID", "TYPE", "NETNS", "ENDPOINTS");
	json_array_foreach(list, i, ns) {
		printf("%-36s  %-6s  %-50s  ", str_or_dash(ns, "ID"),
		       str_or_dash(ns, "Type"), str_or_dash(ns, "NetNsPath"));
		print_resources(ns, ",");
		printf("\n");
	}
}

static void print_namespace(const json_t *ns)
{
	const json_t *owned = json_object_get(ns, "NetNsOwned");

	printf("ID:          %s\n", str_or_dash(ns, "ID"));
	printf("Type:        %s\n", str_or_dash(ns, "Type"));
	printf("NetNsPath:   %s%s\n", str_or_dash(ns, "NetNsPath"),
	       owned == NULL ? "" : json_is_true(owned) ? " (made by vswitchd)" : " (adopted)");
	printf("PortKind:    %s\n", json_object_get(ns, "NetNsPath") ?
	       (json_string_value(json_object_get(ns, "PortKind")) ?
		json_string_value(json_object_get(ns, "PortKind")) : "default") : "-");
	printf("Endpoints:   ");
	print_resources(ns, "\n             ");
	printf("\n");
}

static int namespace_list(struct hnsctl *c, const struct hnsctl_sub *sub,
			  int argc, char **argv)
{
	int rc = hnsctl_no_args(c, sub, argc, argv);

	return rc >= 0 ? rc : hnsctl_show(c, "/v2/namespaces", print_namespaces);
}

/* show and delete: one ID. */
static int namespace_one(struct hnsctl *c, const struct hnsctl_sub *sub,
			 int argc, char **argv, const char *method)
{
	static const struct option opts[] = {HNSCTL_COMMON_OPTIONS,
					     {NULL, 0, NULL, 0}};
	const char *id;
	int first, rc;

	rc = hnsctl_parse(c, sub, argc, argv, opts, NULL, NULL, &first);
	if (rc >= 0)
		return rc;
	rc = hnsctl_one_arg(sub, argc, argv, first, "ID", &id);
	if (rc != HNSCTL_OK)
		return rc;
	return hnsctl_show_or_delete(c, "/v2/namespaces/", id, method, print_namespace);
}

static int namespace_show(struct hnsctl *c, const struct hnsctl_sub *sub,
			  int argc, char **argv)
{
	return namespace_one(c, sub, argc, argv, "GET");
}

static int namespace_delete(struct hnsctl *c, const struct hnsctl_sub *sub,
			    int argc, char **argv)
{
	return namespace_one(c, sub, argc, argv, "DELETE");
}

/* ---- create ---- */

enum {
	OPT_NETNS = OPT_FIRST_COMMAND,
	OPT_PORT_KIND,
	OPT_ID,
};

static int create_option(void *ctx, int opt, const char *arg)
{
	json_t *ns = ctx;

	switch (opt) {
	case OPT_NETNS:
		json_object_set_new(ns, "NetNsPath", json_string(arg));
		break;
	case OPT_PORT_KIND:
		json_object_set_new(ns, "PortKind", json_string(arg));
		break;
	case OPT_ID:
		json_object_set_new(ns, "ID", json_string(arg));
		break;
	}
	return 0;
}

static int namespace_create(struct hnsctl *c, const struct hnsctl_sub *sub,
			    int argc, char **argv)
{
	static const struct option opts[] = {
		HNSCTL_COMMON_OPTIONS,
		{"netns", required_argument, NULL, OPT_NETNS},
		{"port-kind", required_argument, NULL, OPT_PORT_KIND},
		{"id", required_argument, NULL, OPT_ID},
		{NULL, 0, NULL, 0},
	};
	json_t *ns = json_pack("{s:s, s:{s:i, s:i}}", "Type", "Host", "SchemaVersion",
			       "Major", 2, "Minor", 0);
	json_t *out = NULL;
	int first, rc;

	rc = hnsctl_parse(c, sub, argc, argv, opts, create_option, ns, &first);
	if (rc >= 0)
		goto done;
	if (first < argc) {
		rc = hnsctl_usage(sub->usage, "create: unexpected argument '%s'",
				  argv[first]);
		goto done;
	}
	if (hnsctl_call(c, "POST", "/v2/namespaces", ns, &out) < 0) {
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
	json_decref(ns);
	return rc;
}

/* ---- add-endpoint / remove-endpoint ---- */

static int namespace_endpoint(struct hnsctl *c, const struct hnsctl_sub *sub,
			      int argc, char **argv, const char *request)
{
	static const struct option opts[] = {HNSCTL_COMMON_OPTIONS,
					     {NULL, 0, NULL, 0}};
	char *ep = NULL, *path = NULL, *eppath = NULL;
	json_t *body = NULL, *out = NULL;
	int first, rc;

	rc = hnsctl_parse(c, sub, argc, argv, opts, NULL, NULL, &first);
	if (rc >= 0)
		return rc;
	if (argc - first != 2)
		return hnsctl_usage(sub->usage, "%s: give the namespace ID and the "
				    "endpoint ID|NAME", sub->name);
	ep = hnsctl_resolve(c, "/endpoints/", "endpoint", argv[first + 1], NULL);
	if (ep == NULL)
		return HNSCTL_FAIL;
	body = json_pack("{s:s, s:s, s:{s:s}}", "ResourceType", "Endpoint",
			 "RequestType", request, "Settings", "EndpointId", ep);
	path = hnsctl_path("/v2/namespaces/", argv[first], "");
	rc = HNSCTL_FAIL;
	if (path == NULL || hnsctl_call(c, "PATCH", path, body, &out) < 0)
		goto done;
	json_decref(out);
	out = NULL;
	/* the endpoint as it is now: where its interface went */
	eppath = hnsctl_path("/endpoints/", ep, "");
	if (eppath == NULL || hnsctl_call(c, "GET", eppath, NULL, &out) < 0)
		goto done;
	if (c->json)
		print_json(out);
	else if (strcmp(request, "Add") == 0)
		printf("%s %s %s\n", ep, str_or_dash(out, "InterfaceName"),
		       str_or_dash(out, "VirtualNicName"));
	else
		printf("%s\n", ep);
	rc = HNSCTL_OK;
done:
	json_decref(out);
	json_decref(body);
	free(path);
	free(eppath);
	free(ep);
	return rc;
}

static int namespace_add(struct hnsctl *c, const struct hnsctl_sub *sub,
			 int argc, char **argv)
{
	return namespace_endpoint(c, sub, argc, argv, "Add");
}

static int namespace_remove(struct hnsctl *c, const struct hnsctl_sub *sub,
			    int argc, char **argv)
{
	return namespace_endpoint(c, sub, argc, argv, "Remove");
}

static const struct hnsctl_sub namespace_subs[] = {
	{"list", "usage: hnsctl namespace list [--json]",
	 "Lists the namespaces: ID, TYPE, NETNS (the Linux network namespace),\n"
	 "ENDPOINTS.\n", namespace_list},
	{"show", "usage: hnsctl namespace show ID [--json]",
	 "Shows one namespace.\n", namespace_show},
	{"create",
	 "usage: hnsctl namespace create [--netns PATH] [--port-kind af_packet|tap|af_xdp] "
	 "[--id GUID] [--json]",
	 "Creates a namespace (a network namespace /run/netns/<ID>) and prints\n"
	 "its ID.\n\n"
	 "  --netns PATH          adopt an existing network namespace instead\n"
	 "                        (/run/netns/x, /proc/PID/ns/net); deleting the\n"
	 "                        namespace then leaves it, emptied\n"
	 "  --port-kind KIND      the switch port kind of its endpoints'\n"
	 "                        interfaces: af_packet (default), tap or af_xdp\n"
	 "  --id GUID             the namespace's ID (default: a new one)\n",
	 namespace_create},
	{"delete", "usage: hnsctl namespace delete ID",
	 "Deletes a namespace, its endpoints' interfaces and (made by vswitchd)\n"
	 "its network namespace; prints its ID.\n", namespace_delete},
	{"add-endpoint", "usage: hnsctl namespace add-endpoint ID ENDPOINT [--json]",
	 "Adds an endpoint (ID or name): its interface (eth0, eth1...) with the\n"
	 "endpoint's MAC, address, gateway route is made in the namespace and its\n"
	 "other end becomes a switch port. Prints the endpoint's ID, interface\n"
	 "and port.\n", namespace_add},
	{"remove-endpoint", "usage: hnsctl namespace remove-endpoint ID ENDPOINT",
	 "Removes an endpoint (ID or name) and its interface from the namespace;\n"
	 "prints the endpoint's ID.\n", namespace_remove},
	{NULL, NULL, NULL, NULL},
};

int cmd_namespace(struct hnsctl *c, int argc, char **argv)
{
	return hnsctl_dispatch(c, argc, argv, namespace_subs,
			       "HNS namespaces (the v2 /v2/namespaces API): Linux "
			       "network namespaces with the endpoints' interfaces.");
}
