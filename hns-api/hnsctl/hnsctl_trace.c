/* hnsctl trace ...: NBL-equivalent traces (SPEC 7).
 *
 *   hnsctl trace start FILE [FILTER] [--snaplen N] [--max-size-mb N] [--port NAME]...
 *   hnsctl trace status
 *   hnsctl trace stop
 *   hnsctl trace show FILE [--packet ID]      (reads the file locally)
 *
 * FILE is written by vswitchd, so it is a path on the switch's host, inside
 * the daemon's --trace-dir: a relative one is sent as given and the daemon
 * takes it relative to that directory (the reply's File is the path it
 * writes; "trace show" reads that path here). FILTER is libpcap syntax ("udp port 53"), checked by the
 * server. */
#include "hnsctl_trace.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hnsctl_cmd.h"
#include "hnsctl_print.h"
#include "hnsctl_trace_show.h"

enum { OPT_SNAPLEN = OPT_FIRST_COMMAND, OPT_MAX_MB, OPT_PORT };

static const struct option start_opts[] = {
	HNSCTL_COMMON_OPTIONS,
	{"snaplen", required_argument, NULL, OPT_SNAPLEN},
	{"max-size-mb", required_argument, NULL, OPT_MAX_MB},
	{"port", required_argument, NULL, OPT_PORT},
	{NULL, 0, NULL, 0},
};

struct start_args {
	const char *usage;
	json_t *req;
};

static int start_option(void *ctx, int opt, const char *arg)
{
	struct start_args *s = ctx;
	long v;

	switch (opt) {
	case OPT_SNAPLEN:
	case OPT_MAX_MB:
		if (hnsctl_number(arg, opt == OPT_SNAPLEN ? 64 : 0,
				  opt == OPT_SNAPLEN ? 9216 : 1048576, &v) < 0)
			return hnsctl_usage(s->usage, "%s: '%s' is not a valid number",
					    opt == OPT_SNAPLEN ? "--snaplen" : "--max-size-mb", arg);
		json_object_set_new(s->req, opt == OPT_SNAPLEN ? "SnapLength" : "MaxFileSizeMB",
				    json_integer(v));
		return 0;
	case OPT_PORT:
		if (json_object_get(s->req, "Ports") == NULL)
			json_object_set_new(s->req, "Ports", json_array());
		json_array_append_new(json_object_get(s->req, "Ports"), json_string(arg));
		return 0;
	}
	return HNSCTL_USAGE;
}

static void print_status(const json_t *t)
{
	printf("File             %s\n", json_string_value(json_object_get(t, "File")));
	printf("Filter           %s\n", json_string_value(json_object_get(t, "Filter")));
	printf("SnapLength       %" JSON_INTEGER_FORMAT "\n",
	       json_integer_value(json_object_get(t, "SnapLength")));
	printf("RecordsWritten   %" JSON_INTEGER_FORMAT "\n",
	       json_integer_value(json_object_get(t, "RecordsWritten")));
	printf("RecordsDropped   %" JSON_INTEGER_FORMAT "\n",
	       json_integer_value(json_object_get(t, "RecordsDropped")));
	printf("PacketsFiltered  %" JSON_INTEGER_FORMAT "\n",
	       json_integer_value(json_object_get(t, "PacketsFiltered")));
}

static int print_result(struct hnsctl *c, json_t *out)
{
	if (c->json)
		print_json(out);
	else
		print_status(out);
	json_decref(out);
	return HNSCTL_OK;
}

static int trace_start_cmd(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
			   char **argv)
{
	struct start_args s = {sub->usage, json_object()};
	json_t *out = NULL;
	int first, rc;

	rc = hnsctl_parse(c, sub, argc, argv, start_opts, start_option, &s, &first);
	if (rc >= 0)
		goto done;
	rc = HNSCTL_USAGE;
	if (argc - first < 1 || argc - first > 2) {
		hnsctl_usage(sub->usage, "start needs FILE and at most one FILTER "
			     "(quote a filter with spaces)");
		goto done;
	}
	json_object_set_new(s.req, "File", json_string(argv[first]));
	if (argc - first == 2)
		json_object_set_new(s.req, "Filter", json_string(argv[first + 1]));
	rc = HNSCTL_FAIL;
	if (hnsctl_call(c, "POST", "/trace", s.req, &out) < 0)
		goto done;
	rc = print_result(c, out);
	out = NULL;
done:
	json_decref(out);
	json_decref(s.req);
	return rc;
}

static int trace_simple(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
			char **argv, const char *method)
{
	json_t *out = NULL;
	int rc = hnsctl_no_args(c, sub, argc, argv);

	if (rc >= 0)
		return rc;
	if (hnsctl_call(c, method, "/trace", NULL, &out) < 0)
		return HNSCTL_FAIL;
	return print_result(c, out);
}

static int trace_stop_cmd(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
			  char **argv)
{
	return trace_simple(c, sub, argc, argv, "DELETE");
}

static int trace_status_cmd(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
			    char **argv)
{
	return trace_simple(c, sub, argc, argv, "GET");
}

static int trace_show_cmd(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
			  char **argv)
{
	(void)c;
	(void)sub;
	return hnsctl_trace_show(argc, argv);
}

static const struct hnsctl_sub trace_subs[] = {
	{"start", "usage: hnsctl trace start FILE [FILTER] [--snaplen N] "
	 "[--max-size-mb N] [--port NAME]... [--json]",
	 "Starts a pcapng trace of every hop of every packet (or of those\n"
	 "matching FILTER, libpcap syntax) into FILE on the switch's host,\n"
	 "inside its --trace-dir (a relative FILE is taken relative to it).\n"
	 "  --snaplen N       bytes kept per packet (64-9216, default 1600)\n"
	 "  --max-size-mb N   rotate FILE -> FILE.1 ... past N MB\n"
	 "  --port NAME       trace only packets received on these ports",
	 trace_start_cmd},
	{"status", "usage: hnsctl trace status [--json]",
	 "Shows the running trace and its counters.", trace_status_cmd},
	{"stop", "usage: hnsctl trace stop [--json]",
	 "Stops the running trace; everything queued is written.", trace_stop_cmd},
	{"show", "usage: hnsctl trace show FILE [--packet ID]",
	 "Prints the hops of the packets in a trace file (read locally).",
	 trace_show_cmd},
	{NULL, NULL, NULL, NULL},
};

int cmd_trace(struct hnsctl *c, int argc, char **argv)
{
	return hnsctl_dispatch(c, argc, argv, trace_subs,
			       "NBL-equivalent pcapng traces (/trace)");
}
