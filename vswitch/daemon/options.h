/* vswitchd's own options, the part of the command line after "--".
 * Layer: vswitch/daemon/, daemon layer (the composition root). */
#ifndef HVS_OPTIONS_H
#define HVS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* REST listeners: at most this many --api (api_server.h's
 * API_MAX_LISTENERS; the daemon checks they agree). */
#define OPTIONS_MAX_API 8
#define OPTIONS_DEFAULT_API "unix:/run/vswitchd/hns.sock"

/* --pod-port-pool's bound: NS_HNS_POOL_MAX (hns-api/program/ns_hns.h). */
#define OPTIONS_MAX_POD_PORT_POOL 8

struct options {
	const char *config_path;
	/* --api specs as given, validated (unix:PATH, tcp:HOST:PORT). */
	const char *api[OPTIONS_MAX_API];
	unsigned nb_api;
	bool no_api;             /* --no-api: no listener at all */
	const char *state_path;  /* --state FILE, NULL: state in memory */
	/* --api-tls-*: all three or none (TLS on the tcp: listeners). */
	const char *tls_cert, *tls_key, *tls_ca;
	bool exit_on_idle;
	uint64_t exit_on_idle_ms;
	const char *stats_out;
	const char *trace_path;   /* --trace FILE: pcapng trace from the start */
	const char *trace_filter; /* --trace-filter EXPR (libpcap syntax) */
	unsigned stats_interval_sec; /* 0: no periodic stats lines */
	bool latency;             /* --latency: RX->TX histograms (latency.h) */
	/* What an API caller may touch (access_policy.h); NULL: defaults. */
	const char *trace_dir;       /* --trace-dir DIR (absolute) */
	const char *socket_dir;      /* --socket-dir DIR (absolute) */
	const char *hotplug_devices; /* --hotplug-devices LIST */
	bool api_insecure;           /* --api-insecure: plain TCP beyond loopback */
	unsigned pod_port_pool;      /* --pod-port-pool N: spare pod ports (ns_hns.h) */
	bool help;
};

/* Checks one --api value: "unix:PATH" (PATH 1-107 characters) or
 * "tcp:HOST:PORT" ("[V6]:PORT" too) with a port 1-65535. 0 or -1 with err. */
int options_check_api_spec(const char *spec, char *err, size_t errlen);

/* Is an --api spec loopback-only (unix:, tcp:127.x, tcp:[::1],
 * tcp:localhost)? */
bool options_api_is_loopback(const char *spec);

/* Index of the "--" separating EAL from vswitchd options, or argc. */
int options_find_separator(int argc, char **argv);

/* argv[0] is a program name, the rest vswitchd options. Returns 0 or -1
 * with one line in err. */
int options_parse(int argc, char **argv, struct options *o, char *err,
		  size_t errlen);

void options_usage(const char *prog);

#endif
