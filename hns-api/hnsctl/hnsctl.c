/* hnsctl: the command line for vswitchd's HNS REST API (SPEC 6).
 *
 *   hnsctl [--api unix:PATH|tcp:HOST:PORT] [--json] COMMAND ...
 *
 * This file parses the global options and dispatches to a command
 * (hnsctl_network.c, hnsctl_endpoint.c, hnsctl_stats.c, hnsctl_port.c);
 * hnsctl_api.c talks to the server through hnsctl_http.c and
 * hnsctl_print.c formats.
 * Exit status: 0 success, 1 the API refused or could not be reached,
 * 2 a bad command line. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "hnsctl_cmd.h"
#include "hnsctl_lb.h"
#include "hnsctl_nat.h"
#include "hnsctl_trace.h"
#include "hnsctl_print.h"

static const char usage_line[] =
	"usage: hnsctl [--api unix:PATH|tcp:HOST:PORT] [--json] COMMAND ...";

static void print_help(void)
{
	printf("%s\n\n"
	       "Drives vswitchd through its HNS-compatible REST API.\n\n"
	       "Commands:\n"
	       "  network list|show|create|delete   HNS networks\n"
	       "  endpoint list|show|create|delete|attach|detach|stats\n"
	       "                                    HNS endpoints\n"
	       "  namespace list|show|create|delete|add-endpoint|remove-endpoint\n"
	       "                                    HNS namespaces: network\n"
	       "                                    namespaces, endpoints plumbed\n"
	       "  stats                             switch port counters and drops\n"
	       "  port acl|extacl list|add|delete   a switch port's ACLs and\n"
	       "                                    extended ACLs\n"
	       "  nat list|show|create|delete|sessions|bindings|mapping\n"
	       "                                    WinNAT objects (/nats)\n"
	       "  portproxy add|delete|list         port proxies (v4tov4)\n"
	       "  lb list|show|create|delete        load balancers (Kubernetes\n"
	       "                                    services, /v2/loadbalancers)\n"
	       "  trace start|status|stop|show      pcapng traces of every hop\n"
	       "  help [COMMAND]                    this text, or a command's\n\n"
	       "Options (also accepted after the command):\n"
	       "  --api SPEC     the API: unix:PATH or tcp:HOST:PORT (default\n"
	       "                 $HNSCTL_API, else %s)\n"
	       "  --json         print the server's JSON instead of tables\n"
	       "  --cert FILE, --key FILE, --cacert FILE\n"
	       "                 TLS client certificate, key and CA for tcp:\n"
	       "  -h, --help     help\n\n"
	       "Exit status: 0 success, 1 the request failed or the API cannot\n"
	       "be reached, 2 a bad command line.\n"
	       "Run 'hnsctl COMMAND --help' for a command's options.\n",
	       usage_line, HNSCTL_DEFAULT_API);
}

int hnsctl_usage(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fputs("hnsctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s\n", usage);
	return HNSCTL_USAGE;
}

int hnsctl_bad_option(const char *usage, int opt, char **argv)
{
	const char *arg = argv[optind - 1];

	if (opt == ':')
		return hnsctl_usage(usage, "option '%s' needs a value", arg);
	if (optopt && arg[0] == '-' && arg[1] != '-')
		return hnsctl_usage(usage, "unknown option '-%c'", optopt);
	return hnsctl_usage(usage, "unknown option '%s'", arg);
}

/* Is an --api spec well-formed? (Nothing is contacted.) */
static int check_api(const char *api, const char *usage)
{
	char err[512];
	struct hc_http *h = hc_http_open(api, NULL, err, sizeof(err));

	if (h == NULL) {
		hnsctl_usage(usage, "--api %s", err);
		return -1;
	}
	hc_http_close(h);
	return 0;
}

int hnsctl_common_option(struct hnsctl *c, int opt, const char *arg,
			 const char *usage)
{
	switch (opt) {
	case OPT_API:
		if (check_api(arg, usage) < 0)
			return -1;
		c->api = arg;
		return 1;
	case OPT_JSON:
		c->json = true;
		return 1;
	case OPT_CERT:
		c->tls.cert_file = arg;
		return 1;
	case OPT_KEY:
		c->tls.key_file = arg;
		return 1;
	case OPT_CACERT:
		c->tls.ca_file = arg;
		return 1;
	default:
		return 0;
	}
}

int hnsctl_number(const char *text, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

struct command {
	const char *name;
	int (*run)(struct hnsctl *c, int argc, char **argv);
};

static const struct command commands[] = {
	{"network", cmd_network},
	{"endpoint", cmd_endpoint},
	{"namespace", cmd_namespace},
	{"stats", cmd_stats},
	{"port", cmd_port},
	{"nat", cmd_nat},
	{"lb", cmd_lb},
	{"portproxy", cmd_portproxy},
	{"trace", cmd_trace},
	{NULL, NULL},
};

static const struct command *find_command(const char *name)
{
	for (const struct command *k = commands; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/* "hnsctl help [COMMAND [SUBCOMMAND]]" = "hnsctl COMMAND ... --help" */
static int help(struct hnsctl *c, int argc, char **argv)
{
	const struct command *k;
	char *args[4];
	int n = 0;

	if (argc < 2) {
		print_help();
		return HNSCTL_OK;
	}
	k = find_command(argv[1]);
	if (k == NULL)
		return hnsctl_usage(usage_line, "unknown command '%s'", argv[1]);
	args[n++] = argv[1];
	if (argc > 2)
		args[n++] = argv[2];
	args[n++] = "--help";
	args[n] = NULL;
	return k->run(c, n, args);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		HNSCTL_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct hnsctl c = {
		.api = getenv("HNSCTL_API") && *getenv("HNSCTL_API") ?
			       getenv("HNSCTL_API") : HNSCTL_DEFAULT_API,
	};
	const struct command *k;
	int opt, rc;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return hnsctl_fail("cannot initialise libcurl");
	/* '+': stop at the command; its options are its own. */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		rc = hnsctl_common_option(&c, opt, optarg, usage_line);
		if (rc < 0)
			return HNSCTL_USAGE;
		if (rc > 0)
			continue;
		if (opt == OPT_HELP) {
			print_help();
			return HNSCTL_OK;
		}
		return hnsctl_bad_option(usage_line, opt, argv);
	}
	if (optind >= argc)
		return hnsctl_usage(usage_line, "no command given");
	argc -= optind;
	argv += optind;
	if (strcmp(argv[0], "help") == 0)
		return help(&c, argc, argv);
	k = find_command(argv[0]);
	if (k == NULL)
		return hnsctl_usage(usage_line, "unknown command '%s'", argv[0]);
	rc = k->run(&c, argc, argv);
	hc_http_close(c.http);
	curl_global_cleanup();
	if (fflush(stdout) != 0 && rc == HNSCTL_OK)
		rc = hnsctl_fail("cannot write output: %s", strerror(errno));
	return rc;
}

static void print_sub_help(const struct hnsctl_sub *sub)
{
	printf("%s\n\n%s", sub->usage, sub->help);
}

int hnsctl_dispatch(struct hnsctl *c, int argc, char **argv,
		    const struct hnsctl_sub *subs, const char *summary)
{
	char usage[256];
	int n;

	n = snprintf(usage, sizeof(usage), "usage: hnsctl %s", argv[0]);
	for (const struct hnsctl_sub *s = subs; s->name; s++)
		n += snprintf(usage + n, sizeof(usage) - (size_t)n, "%s%s",
			      s == subs ? " " : "|", s->name);
	snprintf(usage + n, sizeof(usage) - (size_t)n, " ...");

	if (argc < 2)
		return hnsctl_usage(usage, "%s: no subcommand given", argv[0]);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		printf("%s\n\n%s\n", usage, summary);
		for (const struct hnsctl_sub *s = subs; s->name; s++)
			printf("  %s\n", s->usage + strlen("usage: "));
		printf("\nRun 'hnsctl %s SUBCOMMAND --help' for details.\n",
		       argv[0]);
		return HNSCTL_OK;
	}
	for (const struct hnsctl_sub *s = subs; s->name; s++)
		if (strcmp(s->name, argv[1]) == 0)
			return s->run(c, s, argc - 1, argv + 1);
	return hnsctl_usage(usage, "unknown subcommand '%s %s'", argv[0],
			    argv[1]);
}

int hnsctl_parse(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		 char **argv, const struct option *opts, hnsctl_opt_fn fn,
		 void *ctx, int *first)
{
	int opt, rc;

	optind = 0; /* restart getopt (glibc) */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		rc = hnsctl_common_option(c, opt, optarg, sub->usage);
		if (rc < 0)
			return HNSCTL_USAGE;
		if (rc > 0)
			continue;
		if (opt == OPT_HELP) {
			print_sub_help(sub);
			return HNSCTL_OK;
		}
		if (opt == '?' || opt == ':' || fn == NULL)
			return hnsctl_bad_option(sub->usage, opt, argv);
		rc = fn(ctx, opt, optarg);
		if (rc != 0)
			return rc;
	}
	*first = optind;
	return -1;
}

int hnsctl_no_args(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		   char **argv)
{
	static const struct option opts[] = {HNSCTL_COMMON_OPTIONS,
					     {NULL, 0, NULL, 0}};
	int first, rc = hnsctl_parse(c, sub, argc, argv, opts, NULL, NULL, &first);

	if (rc >= 0)
		return rc;
	if (first < argc)
		return hnsctl_usage(sub->usage, "%s: unexpected argument '%s'",
				    sub->name, argv[first]);
	return -1;
}

int hnsctl_show(struct hnsctl *c, const char *path, void (*print)(const json_t *))
{
	json_t *out;

	if (hnsctl_call(c, "GET", path, NULL, &out) < 0)
		return HNSCTL_FAIL;
	if (c->json)
		print_json(out);
	else
		print(out);
	json_decref(out);
	return HNSCTL_OK;
}

int hnsctl_one_arg(const struct hnsctl_sub *sub, int argc, char **argv,
		   int first, const char *what, const char **arg)
{
	if (first >= argc)
		return hnsctl_usage(sub->usage, "%s: %s missing", sub->name, what);
	if (first + 1 < argc)
		return hnsctl_usage(sub->usage, "%s: unexpected argument '%s'",
				    sub->name, argv[first + 1]);
	*arg = argv[first];
	return HNSCTL_OK;
}
