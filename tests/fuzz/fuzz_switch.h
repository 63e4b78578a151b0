/* A whole switch for the fuzz targets that need one (fuzz_pipeline,
 * fuzz_api): EAL without hugepages or PCI, the fixed config below on
 * net_null ports, built the way vswitchd's main builds it (the switch, its
 * router and ACLs, then the REST routes, the HNS service and the config's
 * networks and endpoints; the uplink's MAC, which is the router's, is
 * 02:00:00:00:00:0a), but with no worker launched: the fuzz target
 * runs worker 0's pipeline on the main thread. Hot-plugging through HNS
 * attach is refused (a fuzzer must not probe devices). */
#ifndef HVS_FUZZ_SWITCH_H
#define HVS_FUZZ_SWITCH_H

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_timer.h>

#include "access_policy.h"
#include "acl_api.h"
#include "api_routes.h"
#include "config.h"
#include "program.h"
#include "l3_dp.h"
#include "learn.h"
#include "pipeline.h"
#include "port.h"
#include "switch.h"
#include "vfp.h"
#include "worker.h"
#include "worker_setup.h"

/* Ports: 0 up (uplink, routed, NAT outside), 1 c1 and 2 c2 (L2Bridge
 * endpoints), 3 c3 (an HNS NAT network's endpoint, port ACL), 4 trunk
 * (VLANs 10 and 20), 5 v20 (access VLAN 20, extended ACLs). */
static const char fuzz_switch_config[] =
	"{\"Switch\": {\"Name\": \"fuzz\", \"MacTableSize\": 4096},\n"
	" \"Ports\": [\n"
	"  {\"Name\": \"up\", \"Devargs\": \"net_null0\", \"Uplink\": true,\n"
	"   \"IPAddresses\": [\"192.0.2.10/24\"], \"DefaultGateway\": \"192.0.2.1\"},\n"
	"  {\"Name\": \"c1\", \"Devargs\": \"net_null1\", \"Endpoint\": \"pod1\"},\n"
	"  {\"Name\": \"c2\", \"Devargs\": \"net_null2\", \"Endpoint\": \"pod2\"},\n"
	"  {\"Name\": \"c3\", \"Devargs\": \"net_null3\", \"Endpoint\": \"natpod\",\n"
	"   \"Acls\": [{\"Action\": \"Deny\", \"Direction\": \"Inbound\",\n"
	"             \"RemoteIPAddress\": \"192.0.2.66\"}]},\n"
	"  {\"Name\": \"trunk\", \"Devargs\": \"net_null4\",\n"
	"   \"Vlan\": {\"OperationMode\": \"Trunk\", \"AllowedVlanIdList\": \"10,20\",\n"
	"            \"NativeVlanId\": 10}},\n"
	"  {\"Name\": \"v20\", \"Devargs\": \"net_null5\",\n"
	"   \"Vlan\": {\"OperationMode\": \"Access\", \"AccessVlanId\": 20},\n"
	"   \"ExtendedAcls\": [{\"Action\": \"Deny\", \"Direction\": \"Outbound\", \"Protocol\": 6,\n"
	"                     \"RemoteIPAddress\": \"10.9.0.0/16\", \"RemotePort\": \"22\",\n"
	"                     \"Weight\": 100}]}\n"
	" ],\n"
	" \"Nats\": [\n"
	"  {\"Name\": \"winnat\", \"InternalIPInterfaceAddressPrefix\": \"172.18.0.0/16\",\n"
	"   \"StaticMappings\": [{\"Protocol\": \"TCP\", \"ExternalPort\": 8080,\n"
	"                        \"InternalIPAddress\": \"172.18.0.3\", \"InternalPort\": 80}]}\n"
	" ],\n"
	" \"Networks\": [\n"
	"  {\"Name\": \"l2bridge\", \"Type\": \"L2Bridge\", \"NetworkAdapterName\": \"up\",\n"
	"   \"SourceMac\": \"02-15-5D-AA-00-01\",\n"
	"   \"Subnets\": [{\"AddressPrefix\": \"198.51.100.0/24\", \"GatewayAddress\": \"198.51.100.1\"}]},\n"
	"  {\"Name\": \"hnsnat\", \"Type\": \"NAT\",\n"
	"   \"Subnets\": [{\"AddressPrefix\": \"172.19.0.0/24\", \"GatewayAddress\": \"172.19.0.1\"}]}\n"
	" ],\n"
	" \"Endpoints\": [\n"
	"  {\"Name\": \"pod1\", \"VirtualNetworkName\": \"l2bridge\", \"IPAddress\": \"198.51.100.21\",\n"
	"   \"MacAddress\": \"02-15-5D-00-00-21\"},\n"
	"  {\"Name\": \"pod2\", \"VirtualNetworkName\": \"l2bridge\", \"IPAddress\": \"198.51.100.22\",\n"
	"   \"MacAddress\": \"02-15-5D-00-00-22\"},\n"
	"  {\"Name\": \"natpod\", \"VirtualNetworkName\": \"hnsnat\", \"IPAddress\": \"172.19.0.5\",\n"
	"   \"MacAddress\": \"02-15-5D-00-01-05\",\n"
	"   \"Policies\": [{\"Type\": \"ACL\", \"Action\": \"Block\", \"Direction\": \"Out\",\n"
	"                  \"Protocols\": \"17\", \"RemotePorts\": \"9999\", \"Priority\": 100}]}\n"
	" ]}\n";

struct fuzz_switch {
	struct vswitch *sw;
	struct mbuf_pools pools;
	struct access_policy access; /* no device may be hot-plugged */
	struct program *program;     /* the northbound, as vswitchd's */
	struct worker *w; /* worker 0, run on this thread */
};

static inline void fuzz_die(const char *what, const char *msg)
{
	fprintf(stderr, "fuzz switch: %s: %s\n", what, msg);
	abort();
}


static inline void fuzz_eal_init(void)
{
	cpu_set_t set;
	int cpu = 0;
	char lcores[64];

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET(cpu, &set))
			cpu++;
	/* two lcores (main + one worker) on one CPU: the worker is never
	 * launched, its pipeline runs here */
	snprintf(lcores, sizeof(lcores), "--lcores=0@%d,1@%d", cpu, cpu);
	char *argv[] = {"hvs-fuzz", "--no-huge", "-m", "256", "--no-pci",
			"--no-shconf", "--file-prefix=hvs-fuzz",
			"--no-telemetry", "--log-level=error", lcores, NULL};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	if (rte_eal_init(argc, argv) < 0)
		fuzz_die("rte_eal_init", rte_strerror(rte_errno));
	rte_timer_subsystem_init();
}

static inline void fuzz_switch_build(struct fuzz_switch *fs)
{
	struct switch_config *cfg = calloc(1, sizeof(*cfg));
	struct vswitch *sw;
	char err[1024];

	memset(fs, 0, sizeof(*fs));
	if (cfg == NULL)
		fuzz_die("config", "out of memory");
	if (config_parse_text(fuzz_switch_config, cfg, err, sizeof(err)) < 0)
		fuzz_die("config", err);
	fuzz_eal_init();
	sw = fs->sw = rte_zmalloc("vswitch", sizeof(*sw), RTE_CACHE_LINE_SIZE);
	if (sw == NULL)
		fuzz_die("switch", "out of memory");
	snprintf(sw->name, sizeof(sw->name), "%s", cfg->name);
	sw->mac_aging_sec = cfg->mac_aging_sec;
	sw->extra_mbufs = cfg->packet_buffers;
	if (workers_create(sw, err, sizeof(err)) < 0)
		fuzz_die("workers", err);
	for (uint16_t i = 0; i < cfg->nb_ports; i++) {
		if (port_open(&sw->ports[i], i, &cfg->ports[i], sw->nb_workers, err,
			      sizeof(err)) < 0)
			fuzz_die("port", err);
		sw->nb_ports = (uint16_t)(i + 1);
	}
	if (mbuf_pools_create(sw, &fs->pools, err, sizeof(err)) < 0)
		fuzz_die("pools", err);
	workers_assign_queues(sw);
	vswitch_build_flood_members(sw);
	sw->qsbr = rte_zmalloc("qsbr", rte_rcu_qsbr_get_memsize(sw->nb_workers),
			       RTE_CACHE_LINE_SIZE);
	if (sw->qsbr == NULL || rte_rcu_qsbr_init(sw->qsbr, sw->nb_workers) != 0)
		fuzz_die("rcu", "cannot create");
	sw->macs = mac_table_create("mac_table", cfg->mac_table_size,
				    (int)rte_socket_id(), sw->qsbr);
	sw->vfp = vfp_create(sw->nb_workers, (int)rte_socket_id(), sw->qsbr);
	if (sw->macs == NULL || sw->vfp == NULL)
		fuzz_die("tables", "cannot create");
	if (l3_init(sw, err, sizeof(err)) < 0)
		fuzz_die("l3", err);
	for (unsigned i = 0; i < sw->nb_workers; i++)
		if (l3_worker_init(sw, sw->workers[i], err, sizeof(err)) < 0)
			fuzz_die("l3 worker", err);
	for (uint16_t p = 0; p < cfg->nb_ports; p++)
		if (config_apply_port_acls(sw, p, &cfg->ports[p], err, sizeof(err)) < 0)
			fuzz_die("acls", err);
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		struct rte_mempool *rx_pools[RTE_MAX_QUEUES_PER_PORT];

		for (uint16_t q = 0; q < sw->ports[p].nb_rxq; q++)
			rx_pools[q] = rxq_pool(sw, p, q);
		if (port_start(&sw->ports[p], rx_pools, err, sizeof(err)) < 0)
			fuzz_die("port start", err);
	}
	/* net_null makes up a random MAC: the uplink's (the router's) is
	 * fixed, so inputs that talk to the router replay */
	{
		struct rte_ether_addr mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}};

		if (rte_eth_dev_default_mac_addr_set(sw->ports[0].eth_port, &mac) != 0)
			fuzz_die("uplink", "cannot set its MAC address");
		sw->ports[0].mac = mac;
	}
	if (l3_publish(sw) < 0)
		fuzz_die("l3", "publish");

	/* the northbound as vswitchd starts it (no store), with an access
	 * policy that lets no request hot-plug a device or write a file */
	if (access_policy_init(&fs->access, "/nonexistent/fuzz-traces",
			       "/nonexistent/fuzz-sockets", "none", err, sizeof(err)) < 0)
		fuzz_die("access policy", err);
	{
		char what[256];

		fs->program = program_start(sw, cfg, &fs->access, NULL, "fuzz", NULL,
					    what, sizeof(what), err, sizeof(err));
		if (fs->program == NULL)
			fuzz_die(what, err);
	}
	config_release(cfg);
	free(cfg);

	/* worker 0 reports to RCU like a worker, but is online only while
	 * it runs packets: the control path (ACL swaps, MAC reclaim) waits
	 * for a grace period on this same thread */
	fs->w = sw->workers[0];
	rte_rcu_qsbr_thread_register(sw->qsbr, fs->w->id);
}

/* Worker 0 runs a burst of one frame m received on port. */
static inline void fuzz_switch_rx(struct fuzz_switch *fs, uint16_t port,
				  struct rte_mbuf *m)
{
	struct worker *w = fs->w;

	rte_rcu_qsbr_thread_online(fs->sw->qsbr, w->id);
	w->trace_cur = NULL;
	pipeline_process_burst(w, port, &m, 1);
	tx_flush_all(w);
	l3_worker_poll(w);
	tx_flush_all(w);
	rte_rcu_qsbr_thread_offline(fs->sw->qsbr, w->id);
}

/* What the control loop does between rounds: MAC learning, the
 * router's control side, timers. */
static inline void fuzz_switch_settle(struct fuzz_switch *fs)
{
	learn_drain(fs->sw, vswitch_now(fs->sw));
	l3_control_poll(fs->sw);
	rte_timer_manage();
}

#endif
