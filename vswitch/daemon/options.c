#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access_policy.h"

enum {
	OPT_CONFIG = 256, OPT_EXIT_ON_IDLE, OPT_STATS_OUT, OPT_STATS_INTERVAL,
	OPT_API, OPT_NO_API, OPT_STATE, OPT_TLS_CERT, OPT_TLS_KEY, OPT_TLS_CA,
	OPT_TRACE, OPT_TRACE_FILTER, OPT_LATENCY, OPT_TRACE_DIR, OPT_SOCKET_DIR,
	OPT_HOTPLUG_DEVICES, OPT_API_INSECURE, OPT_POD_PORT_POOL,
};

static const struct option long_options[] = {
	{"config", required_argument, NULL, OPT_CONFIG},
	{"exit-on-idle", required_argument, NULL, OPT_EXIT_ON_IDLE},
	{"stats-out", required_argument, NULL, OPT_STATS_OUT},
	{"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
	{"api", required_argument, NULL, OPT_API},
	{"no-api", no_argument, NULL, OPT_NO_API},
	{"state", required_argument, NULL, OPT_STATE},
	{"api-tls-cert", required_argument, NULL, OPT_TLS_CERT},
	{"api-tls-key", required_argument, NULL, OPT_TLS_KEY},
	{"api-tls-ca", required_argument, NULL, OPT_TLS_CA},
	{"trace", required_argument, NULL, OPT_TRACE},
	{"trace-filter", required_argument, NULL, OPT_TRACE_FILTER},
	{"latency", no_argument, NULL, OPT_LATENCY},
	{"trace-dir", required_argument, NULL, OPT_TRACE_DIR},
	{"socket-dir", required_argument, NULL, OPT_SOCKET_DIR},
	{"hotplug-devices", required_argument, NULL, OPT_HOTPLUG_DEVICES},
	{"api-insecure", no_argument, NULL, OPT_API_INSECURE},
	{"pod-port-pool", required_argument, NULL, OPT_POD_PORT_POOL},
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

#define UNIX_PATH_MAX_LEN 107 /* sizeof(sockaddr_un.sun_path) - 1 */

int options_check_api_spec(const char *spec, char *err, size_t errlen)
{
	const char *hp, *port;
	size_t hostlen;

	if (strncmp(spec, "unix:", 5) == 0) {
		size_t n = strlen(spec + 5);

		if (n == 0 || n > UNIX_PATH_MAX_LEN) {
			snprintf(err, errlen, "--api %s: the socket path must be 1-%d characters",
				 spec, UNIX_PATH_MAX_LEN);
			return -1;
		}
		return 0;
	}
	if (strncmp(spec, "tcp:", 4) != 0) {
		snprintf(err, errlen, "--api %s: expected unix:PATH or tcp:HOST:PORT", spec);
		return -1;
	}
	hp = spec + 4;
	if (hp[0] == '[') {
		const char *close = strchr(hp, ']');

		port = close != NULL && close[1] == ':' ? close + 2 : NULL;
		hostlen = close != NULL ? (size_t)(close - hp - 1) : 0;
	} else {
		const char *colon = strrchr(hp, ':');

		port = colon != NULL ? colon + 1 : NULL;
		hostlen = colon != NULL ? (size_t)(colon - hp) : 0;
		if (colon != NULL && memchr(hp, ':', hostlen) != NULL)
			port = NULL; /* a bare IPv6 address: needs [brackets] */
	}
	if (port == NULL || hostlen == 0 || hostlen > 255) {
		snprintf(err, errlen, "--api %s: expected tcp:HOST:PORT "
			 "(tcp:[IPV6]:PORT for IPv6)", spec);
		return -1;
	}
	{
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(port, &end, 10);
		if (errno || end == port || *end != '\0' || port[0] < '0' ||
		    port[0] > '9' || v < 1 || v > 65535) {
			snprintf(err, errlen, "--api %s: port '%s' is not a number 1-65535",
				 spec, port);
			return -1;
		}
	}
	return 0;
}

/* Is the HOST of "tcp:HOST:PORT" a loopback address (127.0.0.0/8,
 * [::1], localhost)? Anything else, 0.0.0.0 and [::] included, may be
 * reached from the network. */
bool options_api_is_loopback(const char *spec)
{
	const char *hp = spec + 4, *end = strrchr(hp, ':');
	size_t n = end != NULL ? (size_t)(end - hp) : 0;

	if (strncmp(spec, "tcp:", 4) != 0)
		return true; /* unix: */
	if (n == 5 && strncmp(hp, "[::1]", 5) == 0)
		return true;
	if (n == 9 && strncasecmp(hp, "localhost", 9) == 0)
		return true;
	if (n >= 4 && n <= 15 && strncmp(hp, "127.", 4) == 0) {
		for (size_t i = 4; i < n; i++)
			if (!((hp[i] >= '0' && hp[i] <= '9') || hp[i] == '.'))
				return false;
		return true;
	}
	return false;
}

static int check_api_options(const struct options *o, char *err, size_t errlen)
{
	unsigned nb_tls = (o->tls_cert != NULL) + (o->tls_key != NULL) +
			  (o->tls_ca != NULL);
	bool any_tcp = false;

	if (o->no_api && o->nb_api > 0) {
		snprintf(err, errlen, "--no-api and --api exclude each other");
		return -1;
	}
	if (nb_tls != 0 && nb_tls != 3) {
		snprintf(err, errlen, "--api-tls-cert, --api-tls-key and --api-tls-ca "
			 "go together (missing --api-tls-%s)",
			 o->tls_cert == NULL ? "cert" : o->tls_key == NULL ? "key" : "ca");
		return -1;
	}
	for (unsigned i = 0; i < o->nb_api; i++)
		any_tcp |= strncmp(o->api[i], "tcp:", 4) == 0;
	if (nb_tls == 3 && !any_tcp) {
		snprintf(err, errlen, "--api-tls-cert/key/ca apply to tcp: listeners "
			 "and no --api tcp:HOST:PORT is given");
		return -1;
	}
	for (unsigned i = 0; i < o->nb_api && nb_tls == 0 && !o->api_insecure; i++)
		if (!options_api_is_loopback(o->api[i])) {
			snprintf(err, errlen, "--api %s: a TCP listener on a non-loopback "
				 "address needs TLS (--api-tls-cert/key/ca) or --api-insecure",
				 o->api[i]);
			return -1;
		}
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
		case OPT_API:
			if (o->nb_api == OPTIONS_MAX_API) {
				snprintf(err, errlen, "--api: at most %d listeners",
					 OPTIONS_MAX_API);
				return -1;
			}
			if (options_check_api_spec(optarg, err, errlen) < 0)
				return -1;
			o->api[o->nb_api++] = optarg;
			break;
		case OPT_NO_API:
			o->no_api = true;
			break;
		case OPT_STATE:
			if (optarg[0] == '\0') {
				snprintf(err, errlen, "--state: the file name is empty");
				return -1;
			}
			o->state_path = optarg;
			break;
		case OPT_TLS_CERT:
			o->tls_cert = optarg;
			break;
		case OPT_TLS_KEY:
			o->tls_key = optarg;
			break;
		case OPT_TLS_CA:
			o->tls_ca = optarg;
			break;
		case OPT_TRACE:
			if (optarg[0] == '\0') {
				snprintf(err, errlen, "--trace: the file name is empty");
				return -1;
			}
			o->trace_path = optarg;
			break;
		case OPT_TRACE_FILTER:
			o->trace_filter = optarg;
			break;
		case OPT_LATENCY:
			o->latency = true;
			break;
		case OPT_POD_PORT_POOL:
			if (parse_number("pod-port-pool", optarg, OPTIONS_MAX_POD_PORT_POOL, &v,
					 err, errlen) < 0)
				return -1;
			o->pod_port_pool = (unsigned)v;
			break;
		case OPT_TRACE_DIR:
		case OPT_SOCKET_DIR:
			if (optarg[0] != '/') {
				snprintf(err, errlen, "--%s %s: must be an absolute path",
					 c == OPT_TRACE_DIR ? "trace-dir" : "socket-dir", optarg);
				return -1;
			}
			if (c == OPT_TRACE_DIR)
				o->trace_dir = optarg;
			else
				o->socket_dir = optarg;
			break;
		case OPT_HOTPLUG_DEVICES:
			o->hotplug_devices = optarg;
			break;
		case OPT_API_INSECURE:
			o->api_insecure = true;
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
	if (o->trace_filter != NULL && o->trace_path == NULL) {
		snprintf(err, errlen, "--trace-filter needs --trace FILE");
		return -1;
	}
	if (o->config_path == NULL) {
		snprintf(err, errlen, "--config FILE is required");
		return -1;
	}
	return check_api_options(o, err, errlen);
}

void options_usage(const char *prog)
{
	printf("usage: %s [EAL options] -- --config FILE [options]\n"
	       "  --config FILE          startup config (JSON)\n"
	       "  --api unix:PATH        REST listener on a unix socket (mode 0600)\n"
	       "  --api tcp:HOST:PORT    REST listener on TCP (HOST [::1] for IPv6);\n"
	       "                         repeatable, up to %d listeners; default\n"
	       "                         " OPTIONS_DEFAULT_API "\n"
	       "  --no-api               no REST listener at all\n"
	       "  --api-insecure         allow a tcp: listener on a non-loopback\n"
	       "                         address without TLS (refused otherwise)\n"
	       "  --state FILE           SQLite state store for API objects\n"
	       "                         (default: state in memory only)\n"
	       "  --api-tls-cert FILE    TLS for the tcp: listeners: server certificate,\n"
	       "  --api-tls-key FILE     its key and the CA that client certificates\n"
	       "  --api-tls-ca FILE      must chain to (all three or none)\n"
	       "  --exit-on-idle MS      exit once packets were received and no\n"
	       "                         port received any for MS milliseconds\n"
	       "  --stats-out FILE       write the final /stats JSON on exit\n"
	       "  --stats-interval SEC   print per-port rates every SEC seconds\n"
	       "  --trace FILE           pcapng trace of every hop from the start\n"
	       "  --trace-filter EXPR    trace only packets matching EXPR (libpcap)\n"
	       "  --trace-dir DIR        where API traces (POST /trace File) and\n"
	       "                         hot-plugged pcap files must lie (default\n"
	       "                         " ACCESS_DEFAULT_TRACE_DIR ", created 0700)\n"
	       "  --socket-dir DIR       where hot-plugged memif/vhost sockets may\n"
	       "                         lie, as well as under --trace-dir (default\n"
	       "                         " ACCESS_DEFAULT_SOCKET_DIR ")\n"
	       "  --hotplug-devices LIST device kinds the API may hot-plug, or none\n"
	       "                         (default " ACCESS_DEFAULT_HOTPLUG ")\n"
	       "  --latency              measure RX->TX latency per packet (/stats\n"
	       "                         \"Latency\": p50, p99, max)\n"
	       "  --pod-port-pool N      keep N pod interfaces (veth + af_packet\n"
	       "                         switch port) ready, so a namespace plumb\n"
	       "                         costs only netlink (0-8, default 0)\n"
	       "  --help                 this text\n",
	       prog, OPTIONS_MAX_API);
}
