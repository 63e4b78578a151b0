/* hnsctl stats: the switch's counters (GET /stats, SPEC 6). The reply is
 * bare JSON, not the HNS envelope; hnsctl_call takes either. */
#include <stdio.h>

#include "hnsctl_cmd.h"
#include "hnsctl_print.h"

static int stats_run(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		     char **argv)
{
	static const struct option opts[] = {HNSCTL_COMMON_OPTIONS,
					     {NULL, 0, NULL, 0}};
	json_t *out;
	int first, rc;

	rc = hnsctl_parse(c, sub, argc, argv, opts, NULL, NULL, &first);
	if (rc >= 0)
		return rc;
	if (first < argc)
		return hnsctl_usage(sub->usage, "stats: unexpected argument '%s'",
				    argv[first]);
	if (hnsctl_call(c, "GET", "/stats", NULL, &out) < 0)
		return HNSCTL_FAIL;
	if (c->json)
		print_json(out);
	else
		print_stats(out);
	json_decref(out);
	return HNSCTL_OK;
}

static const struct hnsctl_sub stats_sub = {
	"stats", "usage: hnsctl stats [--json]",
	"Per-port packet and byte counters with their non-zero drop\n"
	"counters, then the switch-wide drops.\n",
	stats_run,
};

int cmd_stats(struct hnsctl *c, int argc, char **argv)
{
	return stats_run(c, &stats_sub, argc, argv);
}
