#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_CONFIG = 256, OPT_EXIT_ON_IDLE, OPT_STATS_OUT, OPT_STATS_INTERVAL };

static const struct option long_options[] = {
	{"config", required_argument, NULL, OPT_CONFIG},
	{"exit-on-idle", required_argument, NULL, OPT_EXIT_ON_IDLE},
	{"stats-out", required_argument, NULL, OPT_STATS_OUT},
	{"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int options_find_separator(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return argc;
}

static int parse_number(const char *opt, const char *text, uint64_t max,
			uint64_t *out, char *err, size_t errlen)
{
	char *end;

	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || end == text || *end != '\0' || text[0] == '-' || v > max) {
		snprintf(err, errlen, "--%s: '%s' is not a number 0-%llu", opt,
			 text, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int options_parse(int argc, char **argv, struct options *o, char *err,
		  size_t errlen)
{
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_CONFIG:
			o->config_path = optarg;
			break;
		case OPT_EXIT_ON_IDLE:
			if (parse_number("exit-on-idle", optarg, UINT32_MAX, &v,
					 err, errlen) < 0)
				return -1;
			o->exit_on_idle = true;
			o->exit_on_idle_ms = v;
			break;
		case OPT_STATS_OUT:
			o->stats_out = optarg;
			break;
		case OPT_STATS_INTERVAL:
			if (parse_number("stats-interval", optarg, 3600, &v, err,
					 errlen) < 0)
				return -1;
			o->stats_interval_sec = (unsigned)v;
			break;
		case 'h':
			o->help = true;
			return 0;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value",
				 argv[optind - 1]);
			return -1;
		default:
			snprintf(err, errlen, "unknown option '%s' (see --help)",
				 argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (o->config_path == NULL) {
		snprintf(err, errlen, "--config FILE is required");
		return -1;
	}
	return 0;
}

void options_usage(const char *prog)
{
	printf("usage: %s [EAL options] -- --config FILE [options]\n"
	       "  --config FILE          startup config (JSON)\n"
	       "  --exit-on-idle MS      exit once packets were received and no\n"
	       "                         port received any for MS milliseconds\n"
	       "  --stats-out FILE       write the final /stats JSON on exit\n"
	       "  --stats-interval SEC   print per-port rates every SEC seconds\n"
	       "  --help                 this text\n",
	       prog);
}
