/* vswitchd: the startup story. Parse our options and the config (before
 * touching EAL, so bad input costs nothing), start EAL, open the ports,
 * create workers and pools, start the ports, fill the MAC table, launch the
 * workers, run the control loop, and on a signal or idle timeout stop, flush
 * and write the final stats. Bad options, config or devices: one line on
 * stderr and exit code 2, with everything already started torn down. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_timer.h>

#include "config.h"
#include "control.h"
#include "options.h"
#include "port.h"
#include "stats_json.h"
#include "switch.h"
#include "worker.h"
#include "worker_setup.h"

#define EXIT_USAGE 2

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

struct daemon {
	struct vswitch *sw;
	struct mbuf_pools pools;
	uint16_t ports_opened;
	bool eal_up;
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
		d->ports_opened = d->sw->nb_ports = (uint16_t)(i + 1);
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

static int build_switch(struct daemon *d, const struct switch_config *cfg)
{
	char err[512];

	d->sw = rte_zmalloc("vswitch", sizeof(*d->sw), RTE_CACHE_LINE_SIZE);
	if (d->sw == NULL)
		return fail("error", "out of memory");
	snprintf(d->sw->name, sizeof(d->sw->name), "%s", cfg->name);
	d->sw->mac_aging_sec = cfg->mac_aging_sec;
	if (workers_create(d->sw, err, sizeof(err)) < 0)
		return fail("error", err);
	if (open_ports(d, cfg) < 0)
		return -1;
	if (mbuf_pools_create(d->sw, &d->pools, err, sizeof(err)) < 0)
		return fail("error", err);
	workers_assign_queues(d->sw);
	vswitch_build_flood_members(d->sw);
	if (create_mac_table(d->sw, cfg) < 0)
		return -1;
	return start_ports(d);
}

static void teardown(struct daemon *d)
{
	if (d->sw != NULL) {
		for (uint16_t p = 0; p < d->ports_opened; p++)
			port_close(&d->sw->ports[p]);
		mac_table_free(d->sw->macs);
		rte_free(d->sw->qsbr);
		workers_free(d->sw);
		rte_free(d->sw);
	}
	mbuf_pools_free(&d->pools);
	if (d->eal_up) {
		rte_timer_subsystem_finalize();
		rte_eal_cleanup();
	}
}

static void log_ports(const struct vswitch *sw)
{
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		const struct vs_port *port = &sw->ports[p];
		char vlan[600];

		vlan_config_describe(&port->vlan, vlan, sizeof(vlan));
		fprintf(stderr, "vswitchd: port %u '%s'%s: ethdev %u, %u rx / %u tx queues, %s\n",
			p, port->name, port->uplink ? " (uplink)" : "", port->eth_port,
			port->nb_rxq, port->nb_txq, vlan);
	}
	fprintf(stderr, "vswitchd: switch '%s' running with %u worker(s)\n",
		sw->name, sw->nb_workers);
}

int main(int argc, char **argv)
{
	struct daemon d;
	struct options opts;
	struct switch_config *cfg = calloc(1, sizeof(*cfg));
	char err[1024];
	int eal_argc, rc = 0;

	memset(&d, 0, sizeof(d));
	if (cfg == NULL || parse_command_line(argc, argv, &opts, &eal_argc) < 0) {
		free(cfg);
		return EXIT_USAGE;
	}
	if (opts.help) {
		options_usage(argv[0]);
		free(cfg);
		return 0;
	}
	if (config_parse_file(opts.config_path, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "vswitchd: config %s: %s\n", opts.config_path, err);
		free(cfg);
		return EXIT_USAGE;
	}
	if (rte_eal_init(eal_argc, argv) < 0) {
		fprintf(stderr, "vswitchd: EAL: %s\n", rte_strerror(rte_errno));
		free(cfg);
		return EXIT_USAGE;
	}
	d.eal_up = true;
	rte_timer_subsystem_init();
	install_signals();
	if (build_switch(&d, cfg) < 0) {
		teardown(&d);
		free(cfg);
		return EXIT_USAGE;
	}
	free(cfg);
	log_ports(d.sw);
	workers_launch(d.sw);
	control_run(d.sw, &opts, &stop_requested);
	workers_stop(d.sw);
	if (opts.stats_out && stats_write_file(d.sw, opts.stats_out) < 0) {
		fprintf(stderr, "vswitchd: --stats-out %s: cannot write\n", opts.stats_out);
		rc = 1;
	}
	teardown(&d);
	return rc;
}
