/* hnsctl nat ... and hnsctl portproxy ...: WinNAT objects (/nats,
 * /nats/{name}/staticmappings, /sessions, /bindings) and port proxies
 * (/portproxy), SPEC 5.4 and 6.
 *
 *   hnsctl nat list
 *   hnsctl nat show NAME
 *   hnsctl nat create JSON|@FILE
 *   hnsctl nat delete NAME
 *   hnsctl nat sessions NAME [--limit N]
 *   hnsctl nat bindings NAME
 *   hnsctl nat mapping add NAME TCP|UDP EXTPORT INTIP INTPORT [--external-ip IP]
 *   hnsctl nat mapping delete NAME ID
 *   hnsctl nat mapping list NAME
 *   hnsctl portproxy add LISTENIP LISTENPORT CONNECTIP CONNECTPORT
 *   hnsctl portproxy delete LISTENIP LISTENPORT
 *   hnsctl portproxy list
 *
 * Values are checked by the server, whose Error names the field; only
 * what must be a number on the command line is checked here. */
#include "hnsctl_nat.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hnsctl_cmd.h"
#include "hnsctl_print.h"

static const struct option common_only[] = {HNSCTL_COMMON_OPTIONS,
					    {NULL, 0, NULL, 0}};

/* ---- a small table: columns as wide as their widest cell ---- */

#define COLS_MAX 10

struct table {
	unsigned ncols, nrows, cap;
	char **cells; /* nrows * ncols, row 0 the header */
};

static void table_add(struct table *t, const char *const *row)
{
	if (t->nrows == t->cap) {
		unsigned cap = t->cap ? t->cap * 2 : 16;
		char **c = realloc(t->cells, (size_t)cap * t->ncols * sizeof(*c));

		if (c == NULL)
			return;
		t->cells = c;
		t->cap = cap;
	}
	for (unsigned i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] =
			strdup(row[i] != NULL && row[i][0] != '\0' ? row[i] : "-");
	t->nrows++;
}

static void table_print_free(struct table *t)
{
	size_t w[COLS_MAX] = {0};

	for (unsigned r = 0; r < t->nrows; r++)
		for (unsigned i = 0; i < t->ncols; i++) {
			const char *s = t->cells[r * t->ncols + i];
			size_t n = s != NULL ? strlen(s) : 1;

			if (n > w[i])
				w[i] = n;
		}
	for (unsigned r = 0; r < t->nrows; r++) {
		for (unsigned i = 0; i < t->ncols; i++) {
			const char *s = t->cells[r * t->ncols + i];

			if (i + 1 < t->ncols)
				printf("%-*s  ", (int)w[i], s != NULL ? s : "-");
			else
				printf("%s\n", s != NULL ? s : "-");
		}
	}
	for (unsigned k = 0; k < t->nrows * t->ncols; k++)
		free(t->cells[k]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* A member as text ("" if absent): strings as they are, numbers,
 * booleans as True/False (as PowerShell shows them). */
static const char *val(const json_t *obj, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(obj, key);

	buf[0] = '\0';
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "True" : "False");
	return buf;
}

/* "ip:port" of two members. */
static const char *addr_port(const json_t *obj, const char *ip_key,
			     const char *port_key, char *buf, size_t len)
{
	char p[24];

	snprintf(buf, len, "%s:%s", json_string_value(json_object_get(obj, ip_key)) ?
		 json_string_value(json_object_get(obj, ip_key)) : "-",
		 val(obj, port_key, p, sizeof(p)));
	return buf;
}

/* ---- printers ---- */

static void print_nats(const json_t *nats)
{
	struct table t = {.ncols = 7};
	const json_t *n;
	size_t i;

	table_add(&t, (const char *const[]){"NAME", "INTERNAL PREFIX", "EXTERNAL IP",
					     "GATEWAY", "COMPARTMENT", "MAPPINGS",
					     "PORTS"});
	json_array_foreach(nats, i, n) {
		char comp[24], maps[24];

		snprintf(maps, sizeof(maps), "%zu",
			 json_array_size(json_object_get(n, "StaticMappings")));
		table_add(&t, (const char *const[]){
			json_string_value(json_object_get(n, "Name")),
			json_string_value(json_object_get(n, "InternalIPInterfaceAddressPrefix")),
			json_string_value(json_object_get(n, "ExternalIPAddress")),
			json_string_value(json_object_get(n, "GatewayAddress")),
			val(n, "CompartmentId", comp, sizeof(comp)), maps,
			json_string_value(json_object_get(n, "ExternalPortRange"))});
	}
	table_print_free(&t);
}

static void print_mappings(const json_t *maps)
{
	struct table t = {.ncols = 4};
	const json_t *m;
	size_t i;

	table_add(&t, (const char *const[]){"ID", "PROTOCOL", "EXTERNAL", "INTERNAL"});
	json_array_foreach(maps, i, m) {
		char id[24], ext[48], in[48];

		table_add(&t, (const char *const[]){
			val(m, "StaticMappingID", id, sizeof(id)),
			json_string_value(json_object_get(m, "Protocol")),
			addr_port(m, "ExternalIPAddress", "ExternalPort", ext, sizeof(ext)),
			addr_port(m, "InternalIPAddress", "InternalPort", in, sizeof(in))});
	}
	table_print_free(&t);
}

static void print_nat(const json_t *nat)
{
	static const char *const order[] = {
		"Name", "InternalIPInterfaceAddressPrefix", "ExternalIPAddress",
		"GatewayAddress", "CompartmentId", "Active", "ExternalPortRange",
		"MaxSessions", "TcpEstablishedConnectionTimeout",
		"TcpTransientConnectionTimeout", "UdpIdleSessionTimeout",
		"IcmpQueryTimeout", "TcpFilteringBehavior", "UdpFilteringBehavior",
		"UdpInboundRefresh", NULL};
	const char *key;
	json_t *v;
	size_t w = 0;
	char buf[64];

	json_object_foreach((json_t *)nat, key, v)
		if (strlen(key) > w)
			w = strlen(key);
	for (const char *const *k = order; *k; k++)
		if (json_object_get(nat, *k) != NULL)
			printf("%-*s : %s\n", (int)w, *k, val(nat, *k, buf, sizeof(buf)));
	json_object_foreach((json_t *)nat, key, v) {
		const char *const *k;

		for (k = order; *k && strcmp(*k, key) != 0; k++)
			;
		if (*k == NULL && !json_is_array(v) && !json_is_object(v))
			printf("%-*s : %s\n", (int)w, key, val(nat, key, buf, sizeof(buf)));
	}
	if (json_array_size(json_object_get(nat, "StaticMappings")) > 0) {
		printf("\nStaticMappings:\n");
		print_mappings(json_object_get(nat, "StaticMappings"));
	}
}

static void print_sessions(const json_t *sessions)
{
	struct table t = {.ncols = 9};
	const json_t *s;
	size_t i;

	table_add(&t, (const char *const[]){"PROTOCOL", "INTERNAL SOURCE",
					     "INTERNAL DESTINATION", "EXTERNAL SOURCE",
					     "EXTERNAL DESTINATION", "TCP STATE",
					     "LIFETIME", "IDLE", "CONFIGURED"});
	json_array_foreach(sessions, i, s) {
		char is[48], id[48], es[48], ed[48], life[24], idle[24], conf[8];

		table_add(&t, (const char *const[]){
			json_string_value(json_object_get(s, "Protocol")),
			addr_port(s, "InternalSourceAddress", "InternalSourcePort", is, sizeof(is)),
			addr_port(s, "InternalDestinationAddress", "InternalDestinationPort",
				  id, sizeof(id)),
			addr_port(s, "ExternalSourceAddress", "ExternalSourcePort", es, sizeof(es)),
			addr_port(s, "ExternalDestinationAddress", "ExternalDestinationPort",
				  ed, sizeof(ed)),
			json_string_value(json_object_get(s, "TcpState")),
			val(s, "Lifetime", life, sizeof(life)),
			val(s, "IdleSeconds", idle, sizeof(idle)),
			val(s, "Configured", conf, sizeof(conf))});
	}
	table_print_free(&t);
}

static void print_bindings(const json_t *bindings)
{
	struct table t = {.ncols = 6};
	const json_t *b;
	size_t i;

	table_add(&t, (const char *const[]){"PROTOCOL", "INTERNAL", "EXTERNAL",
					     "COMPARTMENT", "SESSIONS", "CONFIGURED"});
	json_array_foreach(bindings, i, b) {
		char comp[24], n[24], conf[8];

		table_add(&t, (const char *const[]){
			json_string_value(json_object_get(b, "Protocol")),
			json_string_value(json_object_get(b, "InternalTransportAddress")),
			json_string_value(json_object_get(b, "ExternalTransportAddress")),
			val(b, "CompartmentId", comp, sizeof(comp)),
			val(b, "SessionCount", n, sizeof(n)),
			val(b, "Configured", conf, sizeof(conf))});
	}
	table_print_free(&t);
}

static void print_proxies(const json_t *proxies)
{
	struct table t = {.ncols = 3};
	const json_t *p;
	size_t i;

	table_add(&t, (const char *const[]){"LISTEN", "CONNECT", "NAT"});
	json_array_foreach(proxies, i, p) {
		char l[48], c[48];

		table_add(&t, (const char *const[]){
			addr_port(p, "ListenAddress", "ListenPort", l, sizeof(l)),
			addr_port(p, "ConnectAddress", "ConnectPort", c, sizeof(c)),
			json_string_value(json_object_get(p, "NatName"))});
	}
	table_print_free(&t);
}

/* ---- helpers ---- */

/* METHOD /nats/NAME[suffix]; prints the Output with --json or print
 * (NULL: nothing). */
static int nat_call(struct hnsctl *c, const char *method, const char *name,
		    const char *suffix, const json_t *body, void (*print)(const json_t *))
{
	return hnsctl_call_print(c, method, "/nats/", name, suffix, body, print);
}

/* Exactly n positional arguments after the options. */
static int positional(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		      char **argv, const struct option *opts, hnsctl_opt_fn fn,
		      void *ctx, int n, const char *what, char ***args)
{
	int first, rc = hnsctl_parse(c, sub, argc, argv, opts, fn, ctx, &first);

	if (rc >= 0)
		return rc;
	if (argc - first < n)
		return hnsctl_usage(sub->usage, "%s: %s missing", sub->name, what);
	if (argc - first > n)
		return hnsctl_usage(sub->usage, "%s: unexpected argument '%s'",
				    sub->name, argv[first + n]);
	*args = argv + first;
	return -1;
}

static int port_arg(const struct hnsctl_sub *sub, const char *what, const char *text,
		    json_t *obj, const char *key)
{
	long n;

	if (hnsctl_number(text, 1, 65535, &n) < 0)
		return hnsctl_usage(sub->usage, "%s: %s '%s' is not a port (1-65535)",
				    sub->name, what, text);
	json_object_set_new(obj, key, json_integer(n));
	return HNSCTL_OK;
}

/* ---- nat ---- */

static int nat_list(struct hnsctl *c, const struct hnsctl_sub *sub, int argc, char **argv)
{
	int rc = hnsctl_no_args(c, sub, argc, argv);

	return rc >= 0 ? rc : hnsctl_show(c, "/nats", print_nats);
}

static int nat_show(struct hnsctl *c, const struct hnsctl_sub *sub, int argc, char **argv)
{
	char **a = NULL;
	int rc = positional(c, sub, argc, argv, common_only, NULL, NULL, 1, "NAME", &a);

	return rc >= 0 ? rc : nat_call(c, "GET", a[0], "", NULL, print_nat);
}

static void print_name(const json_t *obj)
{
	const char *name = json_string_value(json_object_get(obj, "Name"));

	if (name != NULL)
		printf("%s\n", name);
}

static int nat_create(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		      char **argv)
{
	char **a = NULL;
	json_t *doc, *out = NULL;
	int rc = positional(c, sub, argc, argv, common_only, NULL, NULL, 1,
			    "JSON (or @FILE)", &a);

	if (rc >= 0)
		return rc;
	doc = hnsctl_load_json(a[0]);
	if (doc == NULL)
		return HNSCTL_FAIL;
	rc = hnsctl_call(c, "POST", "/nats", doc, &out);
	json_decref(doc);
	if (rc < 0)
		return HNSCTL_FAIL;
	if (c->json)
		print_json(out);
	else
		print_name(out);
	json_decref(out);
	return HNSCTL_OK;
}

static int nat_delete(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		      char **argv)
{
	char **a = NULL;
	int rc = positional(c, sub, argc, argv, common_only, NULL, NULL, 1, "NAME", &a);

	return rc >= 0 ? rc : nat_call(c, "DELETE", a[0], "", NULL, print_name);
}

enum { OPT_LIMIT = OPT_FIRST_COMMAND, OPT_EXTERNAL_IP };

static int limit_option(void *ctx, int opt, const char *arg)
{
	long n;

	if (opt != OPT_LIMIT)
		return 0;
	if (hnsctl_number(arg, 1, 100000000, &n) < 0)
		return hnsctl_usage("usage: hnsctl nat sessions NAME [--limit N] [--json]",
				    "sessions: --limit '%s' is not a number of 1-100000000",
				    arg);
	*(long *)ctx = n;
	return 0;
}

static int nat_sessions(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
			char **argv)
{
	static const struct option opts[] = {
		HNSCTL_COMMON_OPTIONS,
		{"limit", required_argument, NULL, OPT_LIMIT},
		{NULL, 0, NULL, 0},
	};
	long limit = 0;
	char **a = NULL, suffix[48];
	int rc = positional(c, sub, argc, argv, opts, limit_option, &limit, 1, "NAME", &a);

	if (rc >= 0)
		return rc;
	if (limit > 0)
		snprintf(suffix, sizeof(suffix), "/sessions?limit=%ld", limit);
	else
		snprintf(suffix, sizeof(suffix), "/sessions");
	return nat_call(c, "GET", a[0], suffix, NULL, print_sessions);
}

static int nat_bindings(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
			char **argv)
{
	char **a = NULL;
	int rc = positional(c, sub, argc, argv, common_only, NULL, NULL, 1, "NAME", &a);

	return rc >= 0 ? rc : nat_call(c, "GET", a[0], "/bindings", NULL, print_bindings);
}

/* ---- nat mapping ---- */

static int external_ip_option(void *ctx, int opt, const char *arg)
{
	if (opt == OPT_EXTERNAL_IP)
		json_object_set_new(ctx, "ExternalIPAddress", json_string(arg));
	return 0;
}

static void print_mapping_id(const json_t *m)
{
	char id[24];

	printf("%s\n", val(m, "StaticMappingID", id, sizeof(id)));
}

static int mapping_add(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		       char **argv)
{
	static const struct option opts[] = {
		HNSCTL_COMMON_OPTIONS,
		{"external-ip", required_argument, NULL, OPT_EXTERNAL_IP},
		{NULL, 0, NULL, 0},
	};
	json_t *m = json_object();
	char **a = NULL;
	int rc = positional(c, sub, argc, argv, opts, external_ip_option, m, 5,
			    "NAME PROTOCOL EXTPORT INTIP INTPORT", &a);

	if (rc >= 0)
		goto out;
	json_object_set_new(m, "Protocol", json_string(a[1]));
	json_object_set_new(m, "InternalIPAddress", json_string(a[3]));
	rc = port_arg(sub, "EXTPORT", a[2], m, "ExternalPort");
	if (rc == HNSCTL_OK)
		rc = port_arg(sub, "INTPORT", a[4], m, "InternalPort");
	if (rc == HNSCTL_OK)
		rc = nat_call(c, "POST", a[0], "/staticmappings", m, print_mapping_id);
out:
	json_decref(m);
	return rc;
}

static int mapping_delete(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
			  char **argv)
{
	char **a = NULL, suffix[64];
	long id;
	int rc = positional(c, sub, argc, argv, common_only, NULL, NULL, 2, "NAME ID", &a);

	if (rc >= 0)
		return rc;
	if (hnsctl_number(a[1], 1, 4294967295L, &id) < 0)
		return hnsctl_usage(sub->usage, "delete: ID '%s' is not a number", a[1]);
	snprintf(suffix, sizeof(suffix), "/staticmappings/%ld", id);
	return nat_call(c, "DELETE", a[0], suffix, NULL, print_mapping_id);
}

static int mapping_list(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
			char **argv)
{
	char **a = NULL;
	int rc = positional(c, sub, argc, argv, common_only, NULL, NULL, 1, "NAME", &a);

	return rc >= 0 ? rc : nat_call(c, "GET", a[0], "/staticmappings", NULL,
				       print_mappings);
}

static const struct hnsctl_sub mapping_subs[] = {
	{"add", "usage: hnsctl nat mapping add NAME TCP|UDP EXTPORT INTIP INTPORT "
	 "[--external-ip IP] [--json]",
	 "Adds a static mapping (as Add-NetNatStaticMapping): EXTPORT on the\n"
	 "NAT's external address (or --external-ip) reaches INTIP:INTPORT.\n"
	 "Prints its StaticMappingID.\n", mapping_add},
	{"delete", "usage: hnsctl nat mapping delete NAME ID [--json]",
	 "Deletes a static mapping by StaticMappingID and prints the ID.\n",
	 mapping_delete},
	{"list", "usage: hnsctl nat mapping list NAME [--json]",
	 "Lists a NAT's static mappings: ID, PROTOCOL, EXTERNAL, INTERNAL.\n",
	 mapping_list},
	{NULL, NULL, NULL, NULL},
};

static int nat_mapping(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		       char **argv)
{
	char name[] = "nat mapping";

	(void)sub;
	argv[0] = name; /* usage lines read "hnsctl nat mapping ..." */
	return hnsctl_dispatch(c, argc, argv, mapping_subs,
			       "A NAT's static mappings (/nats/{name}/staticmappings).");
}

static const struct hnsctl_sub nat_subs[] = {
	{"list", "usage: hnsctl nat list [--json]",
	 "Lists the NATs: NAME, INTERNAL PREFIX, EXTERNAL IP, GATEWAY,\n"
	 "COMPARTMENT, the number of static MAPPINGS and the external PORTS.\n",
	 nat_list},
	{"show", "usage: hnsctl nat show NAME [--json]",
	 "Shows one NAT (as Get-NetNat) with its static mappings.\n", nat_show},
	{"create", "usage: hnsctl nat create JSON|@FILE [--json]",
	 "Creates a NAT (as New-NetNat) from its JSON, e.g.\n"
	 "  '{\"Name\": \"winnat\", \"InternalIPInterfaceAddressPrefix\": "
	 "\"172.18.0.0/16\"}'\n"
	 "(@FILE reads the JSON from a file, @- from stdin). Prints its name.\n",
	 nat_create},
	{"delete", "usage: hnsctl nat delete NAME [--json]",
	 "Deletes a NAT with its static mappings and sessions.\n", nat_delete},
	{"sessions", "usage: hnsctl nat sessions NAME [--limit N] [--json]",
	 "Lists a NAT's live sessions (as Get-NetNatSession), at most N\n"
	 "(default: the server's, 10000).\n", nat_sessions},
	{"bindings", "usage: hnsctl nat bindings NAME [--json]",
	 "Lists a NAT's bindings: internal and external transport\n"
	 "addresses, sessions; static mappings are the Configured ones.\n",
	 nat_bindings},
	{"mapping", "usage: hnsctl nat mapping add|delete|list ...",
	 "A NAT's static mappings.\n", nat_mapping},
	{NULL, NULL, NULL, NULL},
};

int cmd_nat(struct hnsctl *c, int argc, char **argv)
{
	return hnsctl_dispatch(c, argc, argv, nat_subs,
			       "WinNAT objects (/nats): NATs, static mappings, "
			       "sessions, bindings.");
}

/* ---- portproxy ---- */

static int proxy_add(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		     char **argv)
{
	json_t *p = json_object(), *out = NULL;
	char **a = NULL;
	int rc = positional(c, sub, argc, argv, common_only, NULL, NULL, 4,
			    "LISTENIP LISTENPORT CONNECTIP CONNECTPORT", &a);

	if (rc >= 0)
		goto done;
	json_object_set_new(p, "ListenAddress", json_string(a[0]));
	json_object_set_new(p, "ConnectAddress", json_string(a[2]));
	rc = port_arg(sub, "LISTENPORT", a[1], p, "ListenPort");
	if (rc == HNSCTL_OK)
		rc = port_arg(sub, "CONNECTPORT", a[3], p, "ConnectPort");
	if (rc != HNSCTL_OK)
		goto done;
	rc = HNSCTL_FAIL;
	if (hnsctl_call(c, "POST", "/portproxy", p, &out) < 0)
		goto done;
	if (c->json) {
		print_json(out);
	} else {
		char l[48];

		printf("%s\n", addr_port(out, "ListenAddress", "ListenPort", l, sizeof(l)));
	}
	rc = HNSCTL_OK;
done:
	json_decref(out);
	json_decref(p);
	return rc;
}

static int proxy_delete(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
			char **argv)
{
	char **a = NULL, *ip, *path;
	json_t *out = NULL;
	long port;
	int rc = positional(c, sub, argc, argv, common_only, NULL, NULL, 2,
			    "LISTENIP LISTENPORT", &a);

	if (rc >= 0)
		return rc;
	if (hnsctl_number(a[1], 1, 65535, &port) < 0)
		return hnsctl_usage(sub->usage, "delete: LISTENPORT '%s' is not a port "
				    "(1-65535)", a[1]);
	ip = hc_url_escape(a[0]);
	if (ip == NULL)
		return hnsctl_fail("out of memory");
	if (asprintf(&path, "/portproxy/%s/%ld", ip, port) < 0) {
		free(ip);
		return hnsctl_fail("out of memory");
	}
	free(ip);
	rc = hnsctl_call(c, "DELETE", path, NULL, &out);
	free(path);
	if (rc < 0)
		return HNSCTL_FAIL;
	if (c->json) {
		print_json(out);
	} else {
		char l[48];

		printf("%s\n", addr_port(out, "ListenAddress", "ListenPort", l, sizeof(l)));
	}
	json_decref(out);
	return HNSCTL_OK;
}

static int proxy_list(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		      char **argv)
{
	int rc = hnsctl_no_args(c, sub, argc, argv);

	return rc >= 0 ? rc : hnsctl_show(c, "/portproxy", print_proxies);
}

static const struct hnsctl_sub proxy_subs[] = {
	{"add", "usage: hnsctl portproxy add LISTENIP LISTENPORT CONNECTIP CONNECTPORT "
	 "[--json]",
	 "Adds a TCP port proxy (as netsh interface portproxy add v4tov4):\n"
	 "connections to LISTENIP:LISTENPORT reach CONNECTIP:CONNECTPORT,\n"
	 "translated in the dataplane by the NAT whose internal prefix holds\n"
	 "CONNECTIP (else the first NAT). Prints LISTENIP:LISTENPORT.\n", proxy_add},
	{"delete", "usage: hnsctl portproxy delete LISTENIP LISTENPORT [--json]",
	 "Deletes a port proxy.\n", proxy_delete},
	{"list", "usage: hnsctl portproxy list [--json]",
	 "Lists the port proxies: LISTEN, CONNECT and the NAT carrying each.\n",
	 proxy_list},
	{NULL, NULL, NULL, NULL},
};

int cmd_portproxy(struct hnsctl *c, int argc, char **argv)
{
	return hnsctl_dispatch(c, argc, argv, proxy_subs,
			       "Port proxies (/portproxy), as netsh interface "
			       "portproxy v4tov4.");
}
