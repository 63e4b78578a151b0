/* hnsctl stats: the switch's counters (GET /stats, SPEC 6). The reply is
 * bare JSON, not the HNS envelope; hnsctl_call takes either. */
#include <stdio.h>

#include "hnsctl_cmd.h"
#include "hnsctl_print.h"

static int stats_run(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		     char **argv)
{
	int rc = hnsctl_no_args(c, sub, argc, argv);

	return rc >= 0 ? rc : hnsctl_show(c, "/stats", print_stats);
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
