/* vswitchd: the startup story. Install the SIGINT/SIGTERM handler (first:
 * a signal from then on is a clean stop), parse our options and the
 * config (before touching EAL, so bad input costs nothing), then the
 * steps, each announced on stderr ("vswitchd: starting: STEP") and each
 * skipped once a signal came: start EAL, open the ports, create workers
 * and pools, start the ports, fill the MAC table ("ports"); open the state
 * store and plug the ports stored by POST /ports ("state"); create the HNS
 * service, objects from the store, then the config's Networks/Endpoints,
 * the stored API ACL rules and NATs ("HNS"); open the REST listeners
 * ("API"); start --trace ("trace"); launch the workers ("workers"); run
 * the control loop (which also serves the API). On a signal (at any step)
 * or the idle timeout: one stop path, which flushes the trace, writes the
 * final stats, tears down and removes EAL's runtime directory, exit 0.
 * Bad options, config, devices, store or listeners: one line on stderr and
 * exit code 2, with everything already started torn down (API server, HNS
 * service, store, then the switch). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_pdump.h>
#include <rte_timer.h>

#include "access_policy.h"
#include "acl_api.h"
#include "api_routes.h"
#include "api_server.h"
#include "config.h"
#include "config_lb.h"
#include "control.h"
#include "l3_dp.h"
#include "latency.h"
#include "lb_ctl.h"
#include "obnat_ctl.h"
#include "options.h"
#include "port.h"
#include "port_hotplug.h"
#include "ns_hns.h"
#include "program.h"
#include "stats_json.h"
#include "switch.h"
#include "telemetry.h"
#include "trace_ctl.h"
#include "vfp.h"
#include "worker.h"
#include "worker_setup.h"

_Static_assert(OPTIONS_MAX_POD_PORT_POOL == NS_HNS_POOL_MAX, "--pod-port-pool bound");
_Static_assert(OPTIONS_MAX_API == API_MAX_LISTENERS,
	       "options.h and api_server.h disagree on the listener count");

#define EXIT_USAGE 2

static char err_buf[1024];

/* ---- signals -------------------------------------------------------------
 *
 * The handler is installed before anything is started (before
 * rte_eal_init): the first SIGINT/SIGTERM sets stop_requested, which every
 * start-up step and the control loop check; the shutdown then flushes the
 * stats and the trace, closes the ports, cleans up EAL and removes EAL's
 * runtime directory, exit code 0. A second signal while stopping exits at
 * once (code 1): it says so on stderr and removes only what would stop the
 * next start (the API socket files, EAL's runtime directory), with
 * async-signal-safe calls on paths recorded beforehand. */
static volatile sig_atomic_t stop_requested;

#define MAX_SOCKET_PATH 108
static struct {
	char runtime_dir[PATH_MAX];      /* EAL's, once rte_eal_init returned */
	volatile sig_atomic_t eal_up;
	char sockets[API_MAX_LISTENERS][MAX_SOCKET_PATH];
	volatile sig_atomic_t sockets_ours; /* our listeners made them */
	unsigned nb_sockets;
} at_exit;

static void write_stderr(const char *s)
{
	ssize_t n = write(STDERR_FILENO, s, strlen(s));

	(void)n;
}

/* EAL's runtime directory (/run/dpdk/PREFIX: config, fbarray files, mp
 * sockets) is not removed by rte_eal_cleanup; a daemon that exits leaves
 * nothing there. Async-signal-safe: open, getdents64, unlinkat, rmdir. */
static void remove_runtime_dir(const char *dir)
{
	char buf[4096];
	long n;
	int fd;

	if (dir[0] == '\0')
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			const struct dirent64 *e = (const struct dirent64 *)(buf + off);

			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				unlinkat(fd, e->d_name, 0);
			off += e->d_reclen;
		}
	}
	close(fd);
	rmdir(dir);
}

static void on_signal(int sig)
{
	int saved = errno;

	if (stop_requested) {
		write_stderr(sig == SIGINT ? "vswitchd: SIGINT while stopping: exiting now "
					     "(exit code 1, stats and trace not written)\n"
					   : "vswitchd: SIGTERM while stopping: exiting now "
					     "(exit code 1, stats and trace not written)\n");
		if (at_exit.sockets_ours)
			for (unsigned i = 0; i < at_exit.nb_sockets; i++)
				unlink(at_exit.sockets[i]);
		if (at_exit.eal_up)
			remove_runtime_dir(at_exit.runtime_dir);
		_exit(1);
	}
	stop_requested = sig;
	errno = saved;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN; /* a REST client hanging up is not fatal */
	sigaction(SIGPIPE, &sa, NULL);
}

static const char *signal_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal";
}

/* Start-up announces each step ("vswitchd: starting: ports") and stops
 * between steps once a signal came: false then. */
static bool startup_step(const char *step)
{
	if (stop_requested)
		return false;
	fprintf(stderr, "vswitchd: starting: %s\n", step);
	return true;
}

static bool stopping(void)
{
	return stop_requested != 0;
}

struct daemon {
	struct vswitch *sw;
	struct mbuf_pools pools;
	bool eal_up;
	bool switch_up;    /* built completely: its stats can be written */
	bool workers_up;
	/* The control plane, torn down in reverse: api, then the northbound
	 * (hns, store, models). */
	struct program *program;
	struct api_router *router; /* the REST routes and the order of changes */
	struct api_server *api;
	/* what an API caller may touch (--trace-dir, --socket-dir,
	 * --hotplug-devices); the program keeps a pointer to it */
	struct access_policy access;
};

static int fail(const char *what, const char *msg)
{
	fprintf(stderr, "vswitchd: %s: %s\n", what, msg);
	return -1;
}

/* Splits argv at "--" and parses our half. */
static int parse_command_line(int argc, char **argv, struct options *opts,
			      int *eal_argc)
{
	int sep = options_find_separator(argc, argv);
	char **app = calloc((size_t)(argc - sep) + 1, sizeof(char *));
	char err[512];
	int rc;

	if (app == NULL)
		return fail("error", "out of memory");
	app[0] = argv[0];
	for (int i = sep + 1; i < argc; i++)
		app[i - sep] = argv[i];
	rc = options_parse(argc - sep, app, opts, err, sizeof(err));
	free(app);
	*eal_argc = sep;
	return rc < 0 ? fail("error", err) : 0;
}

static int open_ports(struct daemon *d, const struct switch_config *cfg)
{
	char err[1024];

	for (uint16_t i = 0; i < cfg->nb_ports; i++) {
		if (port_open(&d->sw->ports[i], i, &cfg->ports[i],
			      d->sw->nb_workers, err, sizeof(err)) < 0)
			return fail("error", err);
		d->sw->nb_ports = (uint16_t)(i + 1);
	}
	return 0;
}

static int start_ports(struct daemon *d)
{
	struct vswitch *sw = d->sw;
	char err[1024];

	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		struct rte_mempool *rx_pools[RTE_MAX_QUEUES_PER_PORT];

		for (uint16_t q = 0; q < sw->ports[p].nb_rxq; q++)
			rx_pools[q] = rxq_pool(sw, p, q);
		if (port_start(&sw->ports[p], rx_pools, err, sizeof(err)) < 0)
			return fail("error", err);
	}
	return 0;
}

static int create_mac_table(struct vswitch *sw, const struct switch_config *cfg)
{
	size_t qsz = rte_rcu_qsbr_get_memsize(sw->nb_workers);

	sw->qsbr = rte_zmalloc("qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (sw->qsbr == NULL || rte_rcu_qsbr_init(sw->qsbr, sw->nb_workers) != 0)
		return fail("error", "cannot create the RCU state");
	sw->macs = mac_table_create("mac_table", cfg->mac_table_size,
				    (int)rte_socket_id(), sw->qsbr);
	if (sw->macs == NULL)
		return fail("error", "cannot create the MAC table");
	sw->vfp = vfp_create(sw->nb_workers, (int)rte_socket_id(), sw->qsbr);
	if (sw->vfp == NULL)
		return fail("error", "cannot create the VFP policy state");
	for (uint16_t p = 0; p < cfg->nb_ports; p++)
		for (uint16_t m = 0; m < cfg->ports[p].nb_macs; m++)
			for (unsigned vid = 0; vid < VLAN_ID_COUNT; vid++)
				if (vlan_port_carries(&sw->ports[p].vlan, (uint16_t)vid) &&
				    mac_table_add_static(sw->macs,
							 mac_key((uint16_t)vid, &cfg->ports[p].macs[m]),
							 p) < 0)
					return fail("error", "MAC table too small for "
							     "the static addresses (Switch.MacTableSize)");
	return 0;
}

/* The router (l3_dp.h): its per-worker rings now, its view once the
 * ports are up. */
static int create_router(struct vswitch *sw)
{
	char err[256];

	if (l3_init(sw, err, sizeof(err)) < 0)
		return fail("error", err);
	for (unsigned i = 0; i < sw->nb_workers; i++)
		if (l3_worker_init(sw, sw->workers[i], err, sizeof(err)) < 0)
			return fail("error", err);
	return 0;
}

/* Start-up results: 0 done, -1 failed (said why; exit 2), STARTUP_STOPPED
 * a signal came (exit 0). */
#define STARTUP_STOPPED 1

/* The switch, with a stop check between its steps (the mbuf pools and a
 * large MAC table are the long ones: seconds under --no-huge on a loaded
 * machine). */
static int build_switch(struct daemon *d, const struct switch_config *cfg)
{
	char err[512];

	d->sw = rte_zmalloc("vswitch", sizeof(*d->sw), RTE_CACHE_LINE_SIZE);
	if (d->sw == NULL)
		return fail("error", "out of memory");
	snprintf(d->sw->name, sizeof(d->sw->name), "%s", cfg->name);
	d->sw->mac_aging_sec = cfg->mac_aging_sec;
	d->sw->extra_mbufs = cfg->packet_buffers;
	d->sw->lb_max_conns = cfg->lb_max_conns;
	d->sw->obnat_max_sessions = cfg->obnat_max_sessions;
	if (workers_create(d->sw, err, sizeof(err)) < 0)
		return fail("error", err);
	if (open_ports(d, cfg) < 0)
		return -1;
	if (stopping())
		return STARTUP_STOPPED;
	if (mbuf_pools_create(d->sw, &d->pools, err, sizeof(err)) < 0)
		return fail("error", err);
	if (stopping())
		return STARTUP_STOPPED;
	workers_assign_queues(d->sw);
	vswitch_build_flood_members(d->sw);
	if (create_mac_table(d->sw, cfg) < 0 || create_router(d->sw) < 0)
		return -1;
	for (uint16_t p = 0; p < cfg->nb_ports; p++) { /* Acls, ExtendedAcls */
		if (stopping())
			return STARTUP_STOPPED;
		if (config_apply_port_acls(d->sw, p, &cfg->ports[p], err, sizeof(err)) < 0) {
			fprintf(stderr, "vswitchd: port '%s': %s\n", cfg->ports[p].name, err);
			return -1;
		}
	}
	if (stopping())
		return STARTUP_STOPPED;
	if (start_ports(d) < 0)
		return -1;
	if (l3_publish(d->sw) < 0)
		return fail("error", "out of memory for the router");
	d->switch_up = true;
	return 0;
}

/* The listeners to open: --api as given, else the default socket; none
 * with --no-api. */
static unsigned api_listeners(const struct options *o,
			      struct api_listen listens[API_MAX_LISTENERS])
{
	unsigned n = 0;

	if (o->no_api)
		return 0;
	for (unsigned i = 0; i < o->nb_api; i++)
		listens[n++].spec = o->api[i];
	if (n == 0)
		listens[n++].spec = OPTIONS_DEFAULT_API;
	return n;
}

/* Before anything starts: a unix socket another daemon answers on would
 * make us fail later, after EAL and the ports, so find out now. */
static int check_api_sockets(const struct options *o)
{
	struct api_listen listens[API_MAX_LISTENERS];
	unsigned n = api_listeners(o, listens);
	char msg[512];

	for (unsigned i = 0; i < n; i++) {
		const char *path = listens[i].spec + 5;

		if (strncmp(listens[i].spec, "unix:", 5) != 0 ||
		    !api_unix_socket_in_use(path))
			continue;
		if (o->nb_api == 0)
			snprintf(msg, sizeof(msg), "another vswitchd serves %s "
				 "(use --api or --no-api)", path);
		else
			snprintf(msg, sizeof(msg), "--api %s: another process serves %s",
				 listens[i].spec, path);
		return fail("error", msg);
	}
	return 0;
}

static void program_progress(void *arg, const char *step)
{
	(void)arg;
	fprintf(stderr, "vswitchd: starting: %s\n", step);
}

static bool program_stopping(void *arg)
{
	(void)arg;
	return stopping();
}

/* The northbound (program.h: store, HNS, feature models, in their
 * start-up order), then the REST listeners and the telemetry commands. */
static int start_control_plane(struct daemon *d, const struct options *o,
			       const struct switch_config *cfg)
{
	struct api_listen listens[API_MAX_LISTENERS];
	struct api_tls tls = {o->tls_cert, o->tls_key, o->tls_ca};
	struct program_hooks hooks = {program_progress, program_stopping, NULL};
	unsigned n = api_listeners(o, listens);
	char err[1024], what[1200];

	d->program = program_start(d->sw, cfg, &d->access, o->state_path,
				   o->config_path, &hooks, what, sizeof(what), err,
				   sizeof(err));
	if (d->program == NULL)
		return stopping() ? STARTUP_STOPPED : fail(what, err);
	program_set_pod_port_pool(d->program, o->pod_port_pool);
	if (n > 0) {
		if (!startup_step("API"))
			return STARTUP_STOPPED;
		at_exit.nb_sockets = 0;
		for (unsigned i = 0; i < n; i++)
			if (strncmp(listens[i].spec, "unix:", 5) == 0 &&
			    strlen(listens[i].spec + 5) < MAX_SOCKET_PATH)
				snprintf(at_exit.sockets[at_exit.nb_sockets++],
					 MAX_SOCKET_PATH, "%s", listens[i].spec + 5);
		d->router = api_router_create(d->program, true, err, sizeof(err));
		if (d->router == NULL)
			return fail("API", err);
		d->api = api_server_create(listens, n, &tls, api_routes_handle,
					   d->router, err, sizeof(err));
		if (d->api == NULL)
			return fail("API", err);
		api_router_set_server(d->router, d->api);
		at_exit.sockets_ours = 1;
	}
	if (telemetry_register(d->sw) < 0)
		fprintf(stderr, "vswitchd: warning: cannot register the "
				"/hvswitch telemetry commands\n");
	return 0;
}

static void log_api(const struct options *o)
{
	struct api_listen listens[API_MAX_LISTENERS];
	unsigned n = api_listeners(o, listens);

	if (n == 0) {
		fprintf(stderr, "vswitchd: REST API off (--no-api)\n");
		return;
	}
	fprintf(stderr, "vswitchd: REST API on");
	for (unsigned i = 0; i < n; i++)
		fprintf(stderr, "%s %s%s", i ? "," : "", listens[i].spec,
			strncmp(listens[i].spec, "tcp:", 4) == 0 && o->tls_cert ? " (TLS)" : "");
	fprintf(stderr, "%s%s\n", o->state_path ? ", state in " : "",
		o->state_path ? o->state_path : "");
}

static void stop_control_plane(struct daemon *d)
{
	api_server_destroy(d->api);
	d->api = NULL;
	telemetry_register(NULL);
	program_stop(d->program);
	d->program = NULL;
}

static void teardown(struct daemon *d)
{
	stop_control_plane(d);
	if (d->sw != NULL) {
		trace_ctl_stop(d->sw, NULL);
		vswitch_ports_close_all(d->sw);
		lb_ctl_destroy(d->sw); /* the workers have stopped */
		obnat_ctl_fini(d->sw); /* before l3_fini frees its NATs */
		l3_fini(d->sw);
		mac_table_free(d->sw->macs);
		vfp_free(d->sw->vfp);
		rte_free(d->sw->qsbr);
		workers_free(d->sw);
		rte_free(d->sw);
		d->sw = NULL;
	}
	mbuf_pools_free(&d->pools);
	if (d->eal_up) {
		rte_pdump_uninit();
		rte_timer_subsystem_finalize();
		rte_eal_cleanup();
		d->eal_up = false;
		remove_runtime_dir(at_exit.runtime_dir);
		at_exit.eal_up = 0;
	}
}

/* --trace FILE [--trace-filter EXPR]; and rte_pdump, so dpdk-dumpcap can
 * capture a port of this (primary) process live. */
static int start_trace(struct vswitch *sw, const struct options *o)
{
	struct trace_options to;
	char err[512];

	if (rte_pdump_init() < 0)
		fprintf(stderr, "vswitchd: warning: rte_pdump_init failed: "
			"dpdk-dumpcap cannot capture\n");
	if (o->trace_path == NULL)
		return 0;
	memset(&to, 0, sizeof(to));
	snprintf(to.file, sizeof(to.file), "%s", o->trace_path);
	if (o->trace_filter != NULL)
		snprintf(to.filter, sizeof(to.filter), "%s", o->trace_filter);
	if (trace_ctl_start(sw, &to, err, sizeof(err)) < 0) {
		fprintf(stderr, "vswitchd: --trace %s: %s\n", o->trace_path, err);
		return -1;
	}
	return 0;
}

static void log_ports(const struct vswitch *sw)
{
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		const struct vs_port *port = &sw->ports[p];
		char vlan[600];

		vlan_config_describe(&port->vlan, vlan, sizeof(vlan));
		char dev[16];

		if (port->tap != NULL)
			snprintf(dev, sizeof(dev), "tap");
		else
			snprintf(dev, sizeof(dev), "ethdev %u", port->eth_port);
		fprintf(stderr, "vswitchd: port %u '%s'%s: %s, %u rx / %u tx queues, %s\n",
			p, port->name, port->uplink ? " (uplink)" : "", dev,
			port->nb_rxq, port->nb_txq, vlan);
	}
	fprintf(stderr, "vswitchd: switch '%s' running with %u worker(s)\n",
		sw->name, sw->nb_workers);
}

/* Everything up to "running": EAL, the switch, the northbound, the
 * listeners, the trace, the workers. 0, -1 (failed, said why) or
 * STARTUP_STOPPED. */
static int start(struct daemon *d, const struct options *opts,
		 struct switch_config *cfg, int eal_argc, char **argv)
{
	char err[1024];
	int rc;

	if (!startup_step("EAL"))
		return STARTUP_STOPPED;
	/* cannot be interrupted: a signal meanwhile is acted on after it */
	if (rte_eal_init(eal_argc, argv) < 0) {
		fprintf(stderr, "vswitchd: EAL: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	d->eal_up = true;
	snprintf(at_exit.runtime_dir, sizeof(at_exit.runtime_dir), "%s",
		 rte_eal_get_runtime_dir());
	at_exit.eal_up = 1;
	rte_timer_subsystem_init();
	if (!startup_step("ports"))
		return STARTUP_STOPPED;
	rc = build_switch(d, cfg);
	if (rc == 0)
		rc = start_control_plane(d, opts, cfg);
	if (rc != 0)
		return rc;
	/* the config's LoadBalancers, before the workers see the engine */
	if (cfg->lbs != NULL && config_lb_apply(d->sw, cfg->lbs, err, sizeof(err)) < 0)
		return fail("config", err);
	if (opts->trace_path != NULL && !startup_step("trace"))
		return STARTUP_STOPPED;
	if (start_trace(d->sw, opts) < 0)
		return -1;
	if (opts->latency && latency_enable(d->sw, err, sizeof(err)) < 0) {
		fprintf(stderr, "vswitchd: --latency: %s\n", err);
		return -1;
	}
	if (!startup_step("workers"))
		return STARTUP_STOPPED;
	if (workers_launch(d->sw, err, sizeof(err)) < 0) {
		d->workers_up = true; /* those launched are stopped */
		return fail("error", err);
	}
	d->workers_up = true;
	log_ports(d->sw);
	log_api(opts);
	return 0;
}

/* The orderly stop: no request is served past its start (the API goes
 * before the workers stop, so nothing hot-plugs into a stopping switch),
 * the workers flush, the trace writes what is queued, the final stats are
 * written (once the switch was built), then everything is torn down and
 * EAL's runtime directory removed. Returns the exit code. */
static int stop(struct daemon *d, const struct options *opts, int rc)
{
	api_router_destroy(d->router); /* answers what it holds: the server is up */
	d->router = NULL;
	api_server_destroy(d->api);
	d->api = NULL;
	at_exit.sockets_ours = 0; /* unlinked by the destroy */
	if (d->workers_up)
		workers_stop(d->sw);
	d->workers_up = false;
	if (d->sw != NULL)
		trace_ctl_stop(d->sw, NULL); /* writes what is queued */
	if (rc == 0 && d->switch_up && opts->stats_out &&
	    (d->program != NULL ? program_write_stats(d->program, opts->stats_out) :
				  stats_write_file(d->sw, opts->stats_out)) < 0) {
		fprintf(stderr, "vswitchd: --stats-out %s: cannot write\n", opts->stats_out);
		rc = 1;
	}
	teardown(d);
	return rc;
}

int main(int argc, char **argv)
{
	struct daemon d;
	struct options opts;
	struct switch_config *cfg = calloc(1, sizeof(*cfg));
	int eal_argc, rc;

	memset(&d, 0, sizeof(d));
	install_signals(); /* first: a signal from now on is a clean stop */
	if (cfg == NULL || parse_command_line(argc, argv, &opts, &eal_argc) < 0) {
		free(cfg);
		return EXIT_USAGE;
	}
	if (opts.help) {
		options_usage(argv[0]);
		free(cfg);
		return 0;
	}
	if (access_policy_init(&d.access, opts.trace_dir, opts.socket_dir,
			       opts.hotplug_devices, err_buf, sizeof(err_buf)) < 0) {
		fprintf(stderr, "vswitchd: error: %s\n", err_buf);
		free(cfg);
		return EXIT_USAGE;
	}
	if (config_parse_file(opts.config_path, cfg, err_buf, sizeof(err_buf)) < 0) {
		fprintf(stderr, "vswitchd: config %s: %s\n", opts.config_path, err_buf);
		free(cfg);
		return EXIT_USAGE;
	}
	if (check_api_sockets(&opts) < 0) {
		config_release(cfg);
		free(cfg);
		return EXIT_USAGE;
	}
	rc = start(&d, &opts, cfg, eal_argc, argv);
	config_release(cfg);
	free(cfg);
	if (rc < 0) {
		stop(&d, &opts, EXIT_USAGE);
		return EXIT_USAGE;
	}
	if (rc == 0) {
		struct control_hook hook = {api_routes_poll, api_routes_wait, d.router};
		struct control_settings cs = {
			.exit_on_idle = opts.exit_on_idle,
			.exit_on_idle_ms = opts.exit_on_idle_ms,
			.stats_interval_sec = opts.stats_interval_sec,
		};

		control_run(d.sw, &cs, &stop_requested, d.api != NULL ? &hook : NULL);
	}
	if (stopping())
		fprintf(stderr, "vswitchd: %s: stopping%s\n", signal_name(stop_requested),
			rc == STARTUP_STOPPED ? " (during start-up)" : "");
	return stop(&d, &opts, 0);
}
