#include "port.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>

#include "afpacket.h"
#include "tap_port.h"

/* The ethdev a devargs string created: matched by the ethdev iterator
 * (handles PCI and class syntax), else by the device name. */
static int find_eth_port(const char *devargs, const char *dev_name,
			 uint16_t *out)
{
	struct rte_dev_iterator it;
	uint16_t pid;

	RTE_ETH_FOREACH_MATCHING_DEV(pid, devargs, &it) {
		*out = pid;
		rte_eth_iterator_cleanup(&it);
		return 0;
	}
	return rte_eth_dev_get_port_by_name(dev_name, out);
}

static int probe(const char *user_devargs, uint16_t *eth_port, char *err,
		 size_t errlen)
{
	struct rte_devargs da;
	char devargs[CONFIG_DEVARGS_MAX + 32];
	int rc;

	/* net_af_packet without framecnt gets the switch's ring size. */
	if (afpacket_devargs_defaults(user_devargs, devargs, sizeof(devargs)) < 0) {
		snprintf(err, errlen, "Devargs '%.200s...' is too long", user_devargs);
		return -1;
	}
	memset(&da, 0, sizeof(da));
	if (rte_devargs_parse(&da, devargs) != 0) {
		snprintf(err, errlen, "cannot parse Devargs '%s'", devargs);
		return -1;
	}
	rc = rte_dev_probe(devargs);
	if (rc < 0 && rc != -EEXIST) {
		/* Drivers often return a bare -1: their own log line says why. */
		snprintf(err, errlen, "cannot probe device '%s': %s", devargs,
			 rc == -1 ? "the driver refused it (its message is above)"
				  : rte_strerror(-rc));
		rte_devargs_reset(&da);
		return -1;
	}
	rc = find_eth_port(devargs, da.name, eth_port);
	if (rc != 0)
		snprintf(err, errlen, "device '%s' has no ethernet port", devargs);
	rte_devargs_reset(&da);
	return rc == 0 ? 0 : -1;
}

static int open_device(struct vs_port *p, const char *devargs, char *msg, size_t len)
{
	if (!tap_port_is_devargs(devargs))
		return probe(devargs, &p->eth_port, msg, len);
	if (tap_port_open(devargs, &p->tap, &p->eth_port, msg, len) < 0)
		return -1;

	p->tx_offload = p->tap->offload;
	return 0;
}

static int port_setup(struct vs_port *p, const struct port_config *cfg,
		      unsigned nb_workers, char *err, size_t errlen);

int port_open(struct vs_port *p, uint16_t index, const struct port_config *cfg,
	      unsigned nb_workers, char *err, size_t errlen)
{
	char msg[256];

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", cfg->name);
	p->index = index;
	p->uplink = cfg->uplink;
	p->vlan = cfg->vlan;
	p->in_use = true;
	p->nb_ips = cfg->nb_ips;
	memcpy(p->ips, cfg->ips, sizeof(p->ips));
	memcpy(p->plens, cfg->plens, sizeof(p->plens));
	p->default_gw = cfg->default_gw;
	p->nb_neighbors = RTE_MIN(cfg->nb_neighbors, (uint8_t)RTE_DIM(p->neighbors));
	for (uint8_t i = 0; i < p->nb_neighbors; i++) {
		p->neighbors[i].ip = cfg->neighbors[i].ip;
		p->neighbors[i].mac = cfg->neighbors[i].mac;
	}
	rte_spinlock_init(&p->tx_lock);
	if (open_device(p, cfg->devargs, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "port '%s': %s", cfg->name, msg);
		return -1;
	}
	if (port_setup(p, cfg, nb_workers, err, errlen) < 0) {
		if (p->tap != NULL) /* nothing half made */
			port_detach(p);
		return -1;
	}
	if (p->tap != NULL && tap_port_watch(p->tap, index, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "port '%s': %s", cfg->name, msg);
		port_detach(p);
		return -1;
	}
	return 0;
}

/* Queue counts and the MAC of an opened device. */
static int port_setup(struct vs_port *p, const struct port_config *cfg,
		      unsigned nb_workers, char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	int rc;

	if (p->tap != NULL) { /* no ethdev: a queue per worker, as net_null had */
		p->nb_rxq = (uint16_t)nb_workers;
		p->nb_txq = (uint16_t)nb_workers;
		p->tx_shared = false;
		if (cfg->has_mac)
			p->mac = cfg->mac;
		else
			rte_eth_random_addr(p->mac.addr_bytes);
		return 0;
	}
	rc = rte_eth_dev_info_get(p->eth_port, &info);
	if (rc != 0) {
		snprintf(err, errlen, "port '%s': cannot read device info: %s",
			 cfg->name, rte_strerror(-rc));
		return -1;
	}
	if (info.max_rx_queues == 0 || info.max_tx_queues == 0) {
		snprintf(err, errlen, "port '%s': device '%s' has no %s queue",
			 cfg->name, cfg->devargs,
			 info.max_rx_queues == 0 ? "RX" : "TX");
		return -1;
	}
	p->nb_rxq = (uint16_t)RTE_MIN(nb_workers, info.max_rx_queues);
	p->nb_txq = (uint16_t)RTE_MIN(nb_workers, info.max_tx_queues);
	p->tx_shared = p->nb_txq < nb_workers;
	rte_eth_macaddr_get(p->eth_port, &p->mac);
	if (cfg->has_mac) {
		/* Devices that cannot change their address (pcap, null) receive
		 * every frame anyway: the switch just uses the configured one. */
		rc = rte_eth_dev_default_mac_addr_set(p->eth_port, (struct rte_ether_addr *)&cfg->mac);
		if (rc != 0 && rc != -ENOTSUP) {
			snprintf(err, errlen, "port '%s': cannot set MacAddress: %s",
				 cfg->name, rte_strerror(-rc));
			return -1;
		}
		p->mac = cfg->mac;
	}
	return 0;
}

static void rss_config(struct rte_eth_conf *conf,
		       const struct rte_eth_dev_info *info, uint16_t nb_rxq)
{
	uint64_t hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
		      info->flow_type_rss_offloads;

	if (nb_rxq > 1 && hf != 0) {
		conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf->rx_adv_conf.rss_conf.rss_hf = hf;
	}
}

int port_start(struct vs_port *p, struct rte_mempool *const *rx_pools,
	       char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = PORT_RX_DESC, nb_txd = PORT_TX_DESC;
	int dev_socket = rte_eth_dev_socket_id(p->eth_port);
	unsigned socket = dev_socket < 0 ? (unsigned)SOCKET_ID_ANY : (unsigned)dev_socket;
	int rc;

	if (p->tap != NULL) /* no ethdev: the worker polls the fd */
		return 0;
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(p->eth_port, &info);
	if (rc == 0) {
		rss_config(&conf, &info, p->nb_rxq);
		rc = rte_eth_dev_configure(p->eth_port, p->nb_rxq, p->nb_txq, &conf);
	}
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->eth_port, &nb_rxd, &nb_txd);
	for (uint16_t q = 0; rc == 0 && q < p->nb_rxq; q++)
		rc = rte_eth_rx_queue_setup(p->eth_port, q, nb_rxd,
					    socket,
					    NULL, rx_pools[q]);
	for (uint16_t q = 0; rc == 0 && q < p->nb_txq; q++)
		rc = rte_eth_tx_queue_setup(p->eth_port, q, nb_txd,
					    socket,
					    NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(p->eth_port);
	if (rc != 0) {
		snprintf(err, errlen, "port '%s': cannot start: %s", p->name,
			 rte_strerror(rc < 0 ? -rc : rc));
		return -1;
	}
	/* A switch port must see every frame; some vdevs cannot filter at
	 * all and say ENOTSUP, which is fine. */
	rte_eth_promiscuous_enable(p->eth_port);
	rte_eth_allmulticast_enable(p->eth_port);
	return 0;
}

void port_close(struct vs_port *p)
{
	if (p->tap == NULL) {
		rte_eth_dev_stop(p->eth_port);
		rte_eth_dev_close(p->eth_port);
	}
	tap_port_close(p->tap); /* the kernel removes the tap */
	p->tap = NULL;
}

void port_detach(struct vs_port *p)
{
	struct rte_eth_dev_info info;
	struct rte_device *dev = NULL;

	if (p->tap == NULL && rte_eth_dev_info_get(p->eth_port, &info) == 0)
		dev = info.device;
	port_close(p);
	if (dev != NULL)
		rte_dev_remove(dev);
}

unsigned port_ring_mbufs(const struct vs_port *p)
{
	return p->nb_rxq * PORT_RX_DESC + p->nb_txq * PORT_TX_DESC;
}
