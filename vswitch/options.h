/* vswitchd's own options, the part of the command line after "--". */
#ifndef HVS_OPTIONS_H
#define HVS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct options {
	const char *config_path;
	bool exit_on_idle;
	uint64_t exit_on_idle_ms;
	const char *stats_out;
	unsigned stats_interval_sec; /* 0: no periodic stats lines */
	bool help;
};

/* Index of the "--" separating EAL from vswitchd options, or argc. */
int options_find_separator(int argc, char **argv);

/* argv[0] is a program name, the rest vswitchd options. Returns 0 or -1
 * with one line in err. */
int options_parse(int argc, char **argv, struct options *o, char *err,
		  size_t errlen);

void options_usage(const char *prog);

#endif
