/* hnsctl lb ...: HNS load balancers (Kubernetes services) through
 * /v2/loadbalancers (README "Services (load balancers)").
 *
 *   hnsctl lb list
 *   hnsctl lb show ID
 *   hnsctl lb create --protocol tcp|udp|sctp|N --port EXT[:INT]
 *                    --endpoint ID|NAME [--endpoint ...] [--vip IP ...]
 *                    [--source-vip IP] [--dsr] [--affinity] [--flags N]
 *   hnsctl lb create JSON|@FILE          (a HostComputeLoadBalancer)
 *   hnsctl lb delete ID
 *
 * No --vip makes a NodePort (every host address). Values are checked by
 * the server, whose Error names the field; only what must be a number on
 * the command line is checked here.
 * Layer: hns-api/hnsctl/, hnsctl, the CLI (a REST client). */
#include "hnsctl_lb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hnsctl_cmd.h"
#include "hnsctl_print.h"

static const struct option common_only[] = {HNSCTL_COMMON_OPTIONS,
					    {NULL, 0, NULL, 0}};

static const char *proto_name(json_int_t p)
{
	return p == 6 ? "TCP" : p == 17 ? "UDP" : p == 132 ? "SCTP" : NULL;
}

static json_int_t ival(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* "10.96.0.10,10.96.0.11" or "*" (NodePort: every host address) */
static void vips_text(const json_t *lb, char *buf, size_t len)
{
	const json_t *v;
	size_t i, n = 0;

	buf[0] = '\0';
	json_array_foreach(json_object_get(lb, "FrontendVIPs"), i, v)
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", i ? "," : "",
				      json_string_value(v));
	if (buf[0] == '\0')
		snprintf(buf, len, "*");
}

/* "TCP 80->8080" for each PortMapping, comma separated */
static void ports_text(const json_t *lb, char *buf, size_t len)
{
	const json_t *m;
	size_t i, n = 0;

	buf[0] = '\0';
	json_array_foreach(json_object_get(lb, "PortMappings"), i, m) {
		const char *p = proto_name(ival(m, "Protocol"));
		char num[16];

		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, ival(m, "Protocol"));
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0,
				      "%s%s %" JSON_INTEGER_FORMAT "->%" JSON_INTEGER_FORMAT,
				      i ? "," : "", p ? p : num, ival(m, "ExternalPort"),
				      ival(m, "InternalPort"));
	}
}

static void flags_text(const json_t *lb, char *buf, size_t len)
{
	const json_t *m = json_array_get(json_object_get(lb, "PortMappings"), 0);
	json_int_t pf = ival(m, "Flags");

	snprintf(buf, len, "%s%s%s%s%s%s%s",
		 ival(lb, "Flags") & 1 ? "DSR " : "",
		 ival(m, "DistributionType") ? "Affinity " : "",
		 pf & 1 ? "ILB " : "", pf & 2 ? "LocalRoutedVIP " : "",
		 pf & 4 ? "UseMux " : "", pf & 8 ? "PreserveDIP " : "",
		 pf & 16 ? "ExternalIP " : "");
	if (buf[0] != '\0')
		buf[strlen(buf) - 1] = '\0';
}

static void print_lbs(const json_t *lbs)
{
	const json_t *lb;
	size_t i;

	printf("%-36s  %-18s  %-22s  %-8s  %-12s  %-10s  %s\n", "ID", "FRONTEND",
	       "PORTS", "BACKENDS", "CONNECTIONS", "PACKETS", "FLAGS");
	json_array_foreach(lbs, i, lb) {
		const json_t *c = json_object_get(lb, "Counters");
		char vips[128], ports[128], flags[64];

		vips_text(lb, vips, sizeof(vips));
		ports_text(lb, ports, sizeof(ports));
		flags_text(lb, flags, sizeof(flags));
		printf("%-36s  %-18s  %-22s  %-8zu  %-12" JSON_INTEGER_FORMAT "  %-10"
		       JSON_INTEGER_FORMAT "  %s\n",
		       json_string_value(json_object_get(lb, "ID")), vips, ports,
		       json_array_size(json_object_get(lb, "HostComputeEndpoints")),
		       ival(c, "Connections"), ival(c, "Packets"), flags[0] ? flags : "-");
	}
}

static void print_lb(const json_t *lb)
{
	const json_t *c = json_object_get(lb, "Counters"), *b, *f;
	const char *svip = json_string_value(json_object_get(lb, "SourceVIP"));
	char vips[256], ports[256], flags[64];
	size_t i;

	vips_text(lb, vips, sizeof(vips));
	ports_text(lb, ports, sizeof(ports));
	flags_text(lb, flags, sizeof(flags));
	printf("ID          : %s\n", json_string_value(json_object_get(lb, "ID")));
	printf("FrontendVIPs: %s\n", strcmp(vips, "*") == 0 ?
	       "(none: every host address, NodePort)" : vips);
	printf("PortMappings: %s\n", ports);
	printf("SourceVIP   : %s\n", svip ? svip : "-");
	printf("Flags       : %" JSON_INTEGER_FORMAT "%s%s%s\n", ival(lb, "Flags"),
	       flags[0] ? " (" : "", flags, flags[0] ? ")" : "");
	if (c != NULL) {
		printf("Packets     : %" JSON_INTEGER_FORMAT "\n", ival(c, "Packets"));
		printf("Bytes       : %" JSON_INTEGER_FORMAT "\n", ival(c, "Bytes"));
		printf("Connections : %" JSON_INTEGER_FORMAT "\n", ival(c, "Connections"));
		printf("Drops       : %" JSON_INTEGER_FORMAT "\n", ival(c, "Drops"));
		printf("Frontends   :");
		json_array_foreach(json_object_get(c, "Frontends"), i, f)
			printf("%s%s", i ? ", " : " ", json_string_value(f));
		printf("\n");
	}
	printf("\n%-36s  %-15s  %-10s  %-12s  %s\n", "BACKEND", "IP ADDRESS", "PACKETS",
	       "BYTES", "CONNECTIONS");
	if (c != NULL) {
		json_array_foreach(json_object_get(c, "Backends"), i, b)
			printf("%-36s  %-15s  %-10" JSON_INTEGER_FORMAT "  %-12"
			       JSON_INTEGER_FORMAT "  %" JSON_INTEGER_FORMAT "\n",
			       json_string_value(json_object_get(b, "ID")),
			       json_string_value(json_object_get(b, "IPAddress")),
			       ival(b, "Packets"), ival(b, "Bytes"), ival(b, "Connections"));
	} else {
		json_array_foreach(json_object_get(lb, "HostComputeEndpoints"), i, b)
			printf("%-36s  %-15s  -\n", json_string_value(b), "-");
	}
}

static void print_id(const json_t *lb)
{
	printf("%s\n", json_string_value(json_object_get(lb, "ID")));
}

/* METHOD /v2/loadbalancers/ID; prints the Output with --json or print. */
static int lb_call(struct hnsctl *c, const char *method, const char *id,
		   const json_t *body, void (*print)(const json_t *))
{
	return hnsctl_call_print(c, method, "/v2/loadbalancers/", id, "", body, print);
}

static int one_id(struct hnsctl *c, const struct hnsctl_sub *sub, int argc, char **argv,
		  const char **id)
{
	int first, rc = hnsctl_parse(c, sub, argc, argv, common_only, NULL, NULL, &first);

	if (rc >= 0)
		return rc;
	rc = hnsctl_one_arg(sub, argc, argv, first, "ID", id);
	return rc == HNSCTL_OK ? -1 : rc; /* -1: go on */
}

static int lb_list(struct hnsctl *c, const struct hnsctl_sub *sub, int argc, char **argv)
{
	int rc = hnsctl_no_args(c, sub, argc, argv);

	return rc >= 0 ? rc : hnsctl_show(c, "/v2/loadbalancers", print_lbs);
}

static int lb_show(struct hnsctl *c, const struct hnsctl_sub *sub, int argc, char **argv)
{
	const char *id = NULL;
	int rc = one_id(c, sub, argc, argv, &id);

	return rc >= 0 ? rc : lb_call(c, "GET", id, NULL, print_lb);
}

static int lb_delete(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		     char **argv)
{
	const char *id = NULL;
	int rc = one_id(c, sub, argc, argv, &id);

	return rc >= 0 ? rc : lb_call(c, "DELETE", id, NULL, print_id);
}

/* ---- create ---- */

enum {
	OPT_PROTOCOL = OPT_FIRST_COMMAND,
	OPT_PORT,
	OPT_ENDPOINT,
	OPT_VIP,
	OPT_SOURCE_VIP,
	OPT_DSR,
	OPT_AFFINITY,
	OPT_FLAGS,
};

static const char create_usage[] =
	"usage: hnsctl lb create --protocol tcp|udp|sctp|N --port EXT[:INT] "
	"--endpoint ID|NAME [--endpoint ...] [--vip IP ...] [--source-vip IP] [--dsr] "
	"[--affinity] [--flags N] [--json]\n"
	"       hnsctl lb create JSON|@FILE [--json]";

struct create_opts {
	json_t *lb, *pm, *eps, *vips;
	bool given;
};

static int create_option(void *ctx, int opt, const char *arg)
{
	struct create_opts *o = ctx;
	long n, n2;
	char *colon;

	o->given = true;
	switch (opt) {
	case OPT_PROTOCOL:
		n = strcasecmp(arg, "tcp") == 0 ? 6 : strcasecmp(arg, "udp") == 0 ? 17 :
		    strcasecmp(arg, "sctp") == 0 ? 132 : -1;
		if (n < 0 && hnsctl_number(arg, 0, 255, &n) < 0)
			return hnsctl_usage(create_usage, "create: --protocol '%s' is not "
					    "tcp, udp, sctp or a number 0-255", arg);
		json_object_set_new(o->pm, "Protocol", json_integer(n));
		return 0;
	case OPT_PORT:
		colon = strchr(arg, ':');
		if (colon != NULL)
			*colon = '\0';
		if (hnsctl_number(arg, 1, 65535, &n) < 0 ||
		    (colon != NULL && hnsctl_number(colon + 1, 1, 65535, &n2) < 0))
			return hnsctl_usage(create_usage, "create: --port is EXT or "
					    "EXT:INT, ports 1-65535");
		json_object_set_new(o->pm, "ExternalPort", json_integer(n));
		json_object_set_new(o->pm, "InternalPort", json_integer(colon ? n2 : n));
		return 0;
	case OPT_ENDPOINT:
		json_array_append_new(o->eps, json_string(arg));
		return 0;
	case OPT_VIP:
		json_array_append_new(o->vips, json_string(arg));
		return 0;
	case OPT_SOURCE_VIP:
		json_object_set_new(o->lb, "SourceVIP", json_string(arg));
		return 0;
	case OPT_DSR:
		json_object_set_new(o->lb, "Flags", json_integer(1));
		return 0;
	case OPT_AFFINITY:
		json_object_set_new(o->pm, "DistributionType", json_integer(2));
		return 0;
	case OPT_FLAGS:
		if (hnsctl_number(arg, 0, 0x7fffffff, &n) < 0)
			return hnsctl_usage(create_usage, "create: --flags '%s' is not a "
					    "number", arg);
		json_object_set_new(o->pm, "Flags", json_integer(n));
		return 0;
	default:
		return 0;
	}
}

/* The --endpoint names and IDs as endpoint IDs. */
static int resolve_endpoints(struct hnsctl *c, const json_t *given, json_t *ids)
{
	const json_t *v;
	size_t i;

	json_array_foreach(given, i, v) {
		char *id = hnsctl_resolve(c, "/endpoints/", "endpoint",
					  json_string_value(v), NULL);

		if (id == NULL)
			return -1;
		json_array_append_new(ids, json_string(id));
		free(id);
	}
	return 0;
}

static int lb_create(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		     char **argv)
{
	static const struct option opts[] = {
		HNSCTL_COMMON_OPTIONS,
		{"protocol", required_argument, NULL, OPT_PROTOCOL},
		{"port", required_argument, NULL, OPT_PORT},
		{"endpoint", required_argument, NULL, OPT_ENDPOINT},
		{"vip", required_argument, NULL, OPT_VIP},
		{"source-vip", required_argument, NULL, OPT_SOURCE_VIP},
		{"dsr", no_argument, NULL, OPT_DSR},
		{"affinity", no_argument, NULL, OPT_AFFINITY},
		{"flags", required_argument, NULL, OPT_FLAGS},
		{NULL, 0, NULL, 0},
	};
	struct create_opts o = { json_object(), json_object(), json_array(), json_array(),
				 false };
	json_t *body = NULL, *out = NULL, *ids = json_array();
	int first, rc = hnsctl_parse(c, sub, argc, argv, opts, create_option, &o, &first);

	if (rc >= 0)
		goto done;
	if (argc - first > 1 || (argc - first == 1 && o.given)) {
		rc = hnsctl_usage(sub->usage, "create: give the options or one JSON, not both");
		goto done;
	}
	if (argc - first == 1) {
		body = hnsctl_load_json(argv[first]);
		rc = HNSCTL_FAIL;
		if (body == NULL)
			goto done;
	} else {
		if (!o.given) {
			rc = hnsctl_usage(sub->usage, "create: nothing to create");
			goto done;
		}
		rc = HNSCTL_FAIL;
		if (resolve_endpoints(c, o.eps, ids) < 0)
			goto done;
		body = json_deep_copy(o.lb);
		json_object_set(body, "HostComputeEndpoints", ids);
		if (json_array_size(o.vips) > 0)
			json_object_set(body, "FrontendVIPs", o.vips);
		json_object_set_new(body, "PortMappings", json_pack("[O]", o.pm));
		json_object_set_new(body, "SchemaVersion", json_pack("{s:i,s:i}", "Major", 2,
								     "Minor", 0));
	}
	rc = HNSCTL_FAIL;
	if (hnsctl_call(c, "POST", "/v2/loadbalancers", body, &out) < 0)
		goto done;
	if (c->json)
		print_json(out);
	else
		print_id(out);
	rc = HNSCTL_OK;
done:
	json_decref(o.lb);
	json_decref(o.pm);
	json_decref(o.eps);
	json_decref(o.vips);
	json_decref(ids);
	json_decref(body);
	json_decref(out);
	return rc;
}

static const struct hnsctl_sub lb_subs[] = {
	{"list", "usage: hnsctl lb list [--json]",
	 "Lists the load balancers: frontend VIPs (* = every host address, a\n"
	 "NodePort), PortMappings as PROTO EXT->INT, backends, the switch's\n"
	 "connection and packet counts, flags.\n", lb_list},
	{"show", "usage: hnsctl lb show ID [--json]",
	 "Shows a load balancer with its counters and its backends' counters.\n",
	 lb_show},
	{"create", create_usage,
	 "Creates a load balancer (POST /v2/loadbalancers) and prints its ID.\n"
	 "  --protocol P       tcp, udp, sctp or a protocol number\n"
	 "  --port EXT[:INT]   the frontend port and the backends' port\n"
	 "                     (INT defaults to EXT)\n"
	 "  --endpoint E       a backend endpoint, by ID or name (repeatable;\n"
	 "                     remote endpoints too)\n"
	 "  --vip IP           a frontend VIP (repeatable); none: a NodePort on\n"
	 "                     every host address\n"
	 "  --source-vip IP    SNAT clients to IP (kube-proxy's --source-vip)\n"
	 "  --dsr              direct server return (LB Flags 1)\n"
	 "  --affinity         the same backend per client IP (DistributionType 2)\n"
	 "  --flags N          PortMapping Flags (1 ILB, 2 LocalRoutedVIP, 4 UseMux,\n"
	 "                     8 PreserveDIP, 16 VipExternalIP)\n"
	 "Or give the HostComputeLoadBalancer JSON itself (or @FILE, @- stdin).\n",
	 lb_create},
	{"delete", "usage: hnsctl lb delete ID [--json]",
	 "Deletes a load balancer; prints its ID.\n", lb_delete},
	{NULL, NULL, NULL, NULL},
};

int cmd_lb(struct hnsctl *c, int argc, char **argv)
{
	return hnsctl_dispatch(c, argc, argv, lb_subs,
			       "HNS load balancers (/v2/loadbalancers): Kubernetes "
			       "services.");
}
