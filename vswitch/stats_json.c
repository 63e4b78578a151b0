#include "stats_json.h"

#include <stdio.h>
#include <string.h>

#include "stats.h"
#include "worker.h"

static json_t *drops_json(const uint64_t *drops)
{
	json_t *o = json_object();

	for (unsigned r = 0; r < DROP_REASON_COUNT; r++)
		json_object_set_new(o, drop_reason_text(r), json_integer((json_int_t)drops[r]));
	return o;
}

static json_t *port_json(const struct vs_port *p, const struct port_counters *c)
{
	char vlan[600];

	vlan_config_describe(&p->vlan, vlan, sizeof(vlan));
	return json_pack("{s:s, s:b, s:s, s:I, s:I, s:I, s:I, s:o}", "Name", p->name,
			 "Uplink", p->uplink, "Vlan", vlan,
			 "RxPackets", (json_int_t)c->rx_packets,
			 "TxPackets", (json_int_t)c->tx_packets,
			 "RxBytes", (json_int_t)c->rx_bytes,
			 "TxBytes", (json_int_t)c->tx_bytes,
			 "Drops", drops_json(c->drops));
}

static json_t *worker_json(const struct vswitch *sw, const struct worker *w)
{
	uint64_t rx = 0, tx = 0;

	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		rx += w->c.port[p].rx_packets;
		tx += w->c.port[p].tx_packets;
	}
	return json_pack("{s:i, s:i, s:I, s:I, s:I, s:I, s:I}", "Id", (int)w->id,
			 "Lcore", (int)w->lcore, "RxQueues",
			 (json_int_t)w->rxq_lists[__atomic_load_n(&w->rxq_active, __ATOMIC_ACQUIRE)].n,
			 "RxPackets", (json_int_t)rx, "TxPackets", (json_int_t)tx,
			 "BusyPolls", (json_int_t)w->c.busy_polls,
			 "LearnQueueFull", (json_int_t)w->c.learn_queue_full);
}

json_t *stats_to_json(const struct vswitch *sw)
{
	json_t *ports = json_array(), *workers = json_array();
	struct port_counters total, c;

	memset(&total, 0, sizeof(total));
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		if (!sw->ports[p].in_use)
			continue;
		stats_sum_port(sw, p, &c);
		port_counters_add(&total, &c);
		json_array_append_new(ports, port_json(&sw->ports[p], &c));
	}
	for (unsigned i = 0; i < sw->nb_workers; i++)
		json_array_append_new(workers, worker_json(sw, sw->workers[i]));
	return json_pack("{s:s, s:o, s:o, s:{}, s:{s:I, s:I}, s:o}", "Switch", sw->name,
			 "Ports", ports, "Drops", drops_json(total.drops), "Nat",
			 "MacTable", "Entries",
			 (json_int_t)(sw->macs ? mac_table_count(sw->macs) : 0),
			 "AgingSeconds", (json_int_t)sw->mac_aging_sec,
			 "Workers", workers);
}

int stats_write_file(const struct vswitch *sw, const char *path)
{
	char tmp[4096];
	json_t *doc = stats_to_json(sw);
	int rc;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	rc = json_dump_file(doc, tmp, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(doc);
	if (rc == 0)
		rc = rename(tmp, path);
	return rc == 0 ? 0 : -1;
}
