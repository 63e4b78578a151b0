/* What hnsctl's commands share: the run's settings, the API call that
 * unwraps HNS's {"Success", "Error", "Output"} envelope, ID|NAME
 * resolution, and the option handling common to every command.
 * Layer: hns-api/hnsctl/, hnsctl, the CLI (a REST client). */
#ifndef HVS_HNSCTL_CMD_H
#define HVS_HNSCTL_CMD_H

#include <getopt.h>
#include <stdbool.h>

#include <jansson.h>

#include "hnsctl_http.h"

enum {
	HNSCTL_OK = 0,
	HNSCTL_FAIL = 1,  /* the API said no, or cannot be reached */
	HNSCTL_USAGE = 2, /* bad command line */
};

#define HNSCTL_DEFAULT_API "unix:/run/vswitchd/hns.sock"

struct hnsctl {
	const char *api;
	bool json;
	struct hc_tls tls;
	struct hc_http *http; /* opened on the first call */
};

/* Long options every command takes (after its own), so that
 * "hnsctl network list --json" works as well as "hnsctl --json network list". */
enum {
	OPT_API = 1000,
	OPT_JSON,
	OPT_CERT,
	OPT_KEY,
	OPT_CACERT,
	OPT_HELP = 'h',
	OPT_FIRST_COMMAND = 1100, /* commands number theirs from here */
};

#define HNSCTL_COMMON_OPTIONS                                      \
	{"api", required_argument, NULL, OPT_API},                 \
	{"json", no_argument, NULL, OPT_JSON},                     \
	{"cert", required_argument, NULL, OPT_CERT},               \
	{"key", required_argument, NULL, OPT_KEY},                 \
	{"cacert", required_argument, NULL, OPT_CACERT},           \
	{"help", no_argument, NULL, OPT_HELP}

/* Handles a common option: 1 if it was one, 0 if not, -1 after reporting
 * a usage error (a malformed --api). */
int hnsctl_common_option(struct hnsctl *c, int opt, const char *arg,
			 const char *usage);

/* Reports a usage error: "hnsctl: <message>" and the usage line on
 * stderr. Returns HNSCTL_USAGE. */
int hnsctl_usage(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The getopt result '?' or ':' as a usage error. */
int hnsctl_bad_option(const char *usage, int opt, char **argv);

/* Prints "hnsctl: <message>" on stderr and returns HNSCTL_FAIL. */
int hnsctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Calls the API. body (may be NULL) is not consumed. 0 with *output (a
 * new reference; json null when the reply has no Output), or -1 after
 * printing the reason ("hnsctl: <Error>" or "hnsctl: cannot reach ...").
 * Replies with a Success member are unwrapped; a bare JSON reply (/stats)
 * is the output itself. */
int hnsctl_call(struct hnsctl *c, const char *method, const char *path,
		const json_t *body, json_t **output);
/* The same, printing nothing on failure (optional extras). */
int hnsctl_call_quiet(struct hnsctl *c, const char *method, const char *path,
		      const json_t *body, json_t **output);

/* JSON text, or @FILE (@- for stdin); NULL after printing why. */
json_t *hnsctl_load_json(const char *arg);
/* METHOD collection + id + suffix; prints the Output with --json, else
 * with print (NULL: nothing). */
int hnsctl_call_print(struct hnsctl *c, const char *method, const char *collection,
		      const char *id, const char *suffix, const json_t *body,
		      void (*print)(const json_t *));
/* GET collection/id printed by print (or as JSON with --json), or DELETE
 * it and print its ID. */
int hnsctl_show_or_delete(struct hnsctl *c, const char *collection, const char *id,
			  const char *method, void (*print)(const json_t *));

/* "/networks/" + escaped id + suffix (suffix may be ""); malloc'd. */
char *hnsctl_path(const char *collection, const char *id, const char *suffix);

/* An object's id: its "ID" (v1), else "Id"; NULL if none. */
const char *hnsctl_id(const json_t *obj);

/* Finds the object of a collection ("/networks/") whose id or Name is
 * key: the id of the match (malloc'd), or key itself when nothing matches
 * so that the server reports the unknown id. NULL after printing an
 * error (API failure, or a name shared by several objects). If list is
 * not NULL, it gets the collection (a new reference). */
char *hnsctl_resolve(struct hnsctl *c, const char *collection,
		     const char *what, const char *key, json_t **list);

/* One subcommand ("network create"). */
struct hnsctl_sub {
	const char *name;
	const char *usage; /* "usage: hnsctl network create --name N ..." */
	const char *help;  /* what it does and its options, for --help */
	/* argv[0] is the subcommand's name. */
	int (*run)(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		   char **argv);
};

/* Runs "COMMAND SUBCOMMAND ...": argv[0] is the command, argv[1] names
 * one of subs (NULL-name terminated). "COMMAND --help" lists them. */
int hnsctl_dispatch(struct hnsctl *c, int argc, char **argv,
		    const struct hnsctl_sub *subs, const char *summary);

/* Parses a subcommand's options with getopt_long: opts must start with
 * HNSCTL_COMMON_OPTIONS; other options go to fn (ctx, the option, its
 * value), which returns 0 or, after reporting, HNSCTL_USAGE. --help prints
 * the help. Returns -1 with the positional arguments left in
 * argv[*first..argc), or the exit code to return now. */
typedef int (*hnsctl_opt_fn)(void *ctx, int opt, const char *arg);
int hnsctl_parse(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		 char **argv, const struct option *opts, hnsctl_opt_fn fn,
		 void *ctx, int *first);

/* A subcommand that takes only the common options: -1 to go on, or the
 * exit code to return now (help printed, or a usage error). */
int hnsctl_no_args(struct hnsctl *c, const struct hnsctl_sub *sub, int argc,
		   char **argv);

/* GETs path and prints the Output: JSON with --json, else print(). */
int hnsctl_show(struct hnsctl *c, const char *path, void (*print)(const json_t *));

/* Exactly one positional argument (what names it in the error). */
int hnsctl_one_arg(const struct hnsctl_sub *sub, int argc, char **argv,
		   int first, const char *what, const char **arg);

/* Parses a decimal number in [min, max]; -1 if it is not one. */
int hnsctl_number(const char *text, long min, long max, long *out);

int cmd_network(struct hnsctl *c, int argc, char **argv);
int cmd_endpoint(struct hnsctl *c, int argc, char **argv);
int cmd_stats(struct hnsctl *c, int argc, char **argv);
int cmd_port(struct hnsctl *c, int argc, char **argv);
int cmd_namespace(struct hnsctl *c, int argc, char **argv);

#endif
