/* The /stats document and the NAT metrics from the control layer's
 * counter reader (stats_read.h). */
#include "stats_json.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "nat_ctl.h"
#include "stats_read.h"

static json_t *drops_json(const uint64_t *drops)
{
	json_t *o = json_object();

	for (unsigned r = 0; r < DROP_REASON_COUNT; r++)
		json_object_set_new(o, drop_reason_text(r), json_integer((json_int_t)drops[r]));
	return o;
}

/* SPEC 6 Ports[].Device: what the device (ethdev, kernel) lost. */
static json_t *device_json(const struct stats_device *d)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I}",
			 "RxMissed", (json_int_t)d->rx_missed,
			 "RxErrors", (json_int_t)d->rx_errors,
			 "RxNoMbuf", (json_int_t)d->rx_nombuf,
			 "TxErrors", (json_int_t)d->tx_errors,
			 "KernelRingDrops", (json_int_t)d->kernel_ring_drops);
}

static json_t *port_json(const struct vs_port *p, const struct port_counters *c,
			 const struct stats_device *d)
{
	char vlan[600];

	vlan_config_describe(&p->vlan, vlan, sizeof(vlan));
	return json_pack("{s:s, s:b, s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:I}", "Name", p->name,
			 "Uplink", p->uplink, "Vlan", vlan,
			 "RxPackets", (json_int_t)c->rx_packets,
			 "TxPackets", (json_int_t)c->tx_packets,
			 "RxBytes", (json_int_t)c->rx_bytes,
			 "TxBytes", (json_int_t)c->tx_bytes,
			 "Drops", drops_json(c->drops),
			 "Device", device_json(d),
			 /* the Overlay DR's ARP answers to the port's pod */
			 "OverlayArpReplies", (json_int_t)c->ov_arp_replies);
}

static json_t *worker_json(const struct vswitch *sw, unsigned i)
{
	struct stats_worker w;

	stats_read_worker(sw, i, &w);
	return json_pack("{s:i, s:i, s:I, s:I, s:I, s:I, s:I}", "Id", (int)w.id,
			 "Lcore", (int)w.lcore, "RxQueues", (json_int_t)w.rx_queues,
			 "RxPackets", (json_int_t)w.rx_packets,
			 "TxPackets", (json_int_t)w.tx_packets,
			 "BusyPolls", (json_int_t)w.busy_polls,
			 "LearnQueueFull", (json_int_t)w.learn_queue_full);
}

/* One NAT's (or the sum's) counters, SPEC 6 "Nat". */
static json_t *nat_counters_json(const struct winnat_counters *c)
{
	json_t *o = json_object(), *drops = json_object();

	json_object_set_new(o, "Sessions", json_integer((json_int_t)c->sessions));
	json_object_set_new(o, "Bindings", json_integer((json_int_t)c->bindings));
	json_object_set_new(o, "SessionsCreated", json_integer((json_int_t)c->sessions_created));
	json_object_set_new(o, "SessionsDeleted", json_integer((json_int_t)c->sessions_deleted));
	json_object_set_new(o, "BindingsCreated", json_integer((json_int_t)c->bindings_created));
	json_object_set_new(o, "BindingsDeleted", json_integer((json_int_t)c->bindings_deleted));
	json_object_set_new(o, "TranslatedOut", json_integer((json_int_t)c->translated_out));
	json_object_set_new(o, "TranslatedIn", json_integer((json_int_t)c->translated_in));
	for (unsigned d = 0; d < WINNAT_DROP_COUNT; d++)
		json_object_set_new(drops, winnat_drop_text(d),
				    json_integer((json_int_t)c->drops[d]));
	json_object_set_new(o, "Drops", drops);
	return o;
}

/* {"Sessions", ..., "Drops": {...}, "Nats": [{"Name", ...}]}: the sum
 * of every NAT, then each NAT by slot. */
static json_t *nat_json(const struct vswitch *sw)
{
	struct winnat_counters sum;
	json_t *o, *nats = json_array();

	memset(&sum, 0, sizeof(sum));
	nat_ctl_counters(sw, &sum);
	o = nat_counters_json(&sum);
	for (int s = 0; s < NAT_DP_MAX; s++) {
		const struct winnat *n = nat_ctl_get(sw, s);
		struct winnat_counters c;
		json_t *one;

		if (n == NULL)
			continue;
		memset(&c, 0, sizeof(c));
		winnat_read_counters(n, &c);
		one = nat_counters_json(&c);
		json_object_set_new(one, "Name", json_string(winnat_config(n)->name));
		json_array_append_new(nats, one);
	}
	json_object_set_new(o, "Nats", nats);
	return o;
}

/* A Prometheus label value: backslash, quote and newline escaped. */
void metrics_put_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f), fputc(*s, f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

void stats_nat_metrics(const struct vswitch *sw, FILE *f)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} m[] = {
		{"hvswitch_nat_sessions", "gauge", "Live sessions of a NAT.",
		 offsetof(struct winnat_counters, sessions)},
		{"hvswitch_nat_bindings", "gauge", "Live bindings of a NAT (static "
		 "mappings included).", offsetof(struct winnat_counters, bindings)},
		{"hvswitch_nat_sessions_created_total", "counter", "Sessions a NAT "
		 "created.", offsetof(struct winnat_counters, sessions_created)},
		{"hvswitch_nat_sessions_deleted_total", "counter", "Sessions a NAT "
		 "deleted.", offsetof(struct winnat_counters, sessions_deleted)},
		{"hvswitch_nat_bindings_created_total", "counter", "Bindings a NAT "
		 "created.", offsetof(struct winnat_counters, bindings_created)},
		{"hvswitch_nat_bindings_deleted_total", "counter", "Bindings a NAT "
		 "deleted.", offsetof(struct winnat_counters, bindings_deleted)},
		{"hvswitch_nat_translated_out_total", "counter", "Packets a NAT "
		 "translated from inside to outside.",
		 offsetof(struct winnat_counters, translated_out)},
		{"hvswitch_nat_translated_in_total", "counter", "Packets a NAT "
		 "translated from outside to inside.",
		 offsetof(struct winnat_counters, translated_in)},
	};
	struct winnat_counters c[NAT_DP_MAX];
	const struct winnat *n[NAT_DP_MAX];

	for (int s = 0; s < NAT_DP_MAX; s++) {
		n[s] = nat_ctl_get(sw, s);
		memset(&c[s], 0, sizeof(c[s]));
		if (n[s] != NULL)
			winnat_read_counters(n[s], &c[s]);
	}
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", m[i].name, m[i].help,
			m[i].name, m[i].type);
		for (int s = 0; s < NAT_DP_MAX; s++) {
			uint64_t v;

			if (n[s] == NULL)
				continue;
			memcpy(&v, (const char *)&c[s] + m[i].off, sizeof(v));
			fprintf(f, "%s{nat=\"", m[i].name);
			metrics_put_label(f, winnat_config(n[s])->name);
			fprintf(f, "\"} %" PRIu64 "\n", v);
		}
	}
	fputs("# HELP hvswitch_nat_drops_total Packets a NAT dropped, by reason.\n"
	      "# TYPE hvswitch_nat_drops_total counter\n", f);
	for (int s = 0; s < NAT_DP_MAX; s++) {
		if (n[s] == NULL)
			continue;
		for (unsigned d = 0; d < WINNAT_DROP_COUNT; d++) {
			fputs("hvswitch_nat_drops_total{nat=\"", f);
			metrics_put_label(f, winnat_config(n[s])->name);
			fputs("\",reason=\"", f);
			metrics_put_label(f, winnat_drop_text(d));
			fprintf(f, "\"} %" PRIu64 "\n", c[s].drops[d]);
		}
	}
}

/* --latency figures (latency.h); Enabled false and zeros without. */
static json_t *latency_json(const struct vswitch *sw)
{
	struct latency_summary s;
	bool on = stats_read_latency(sw, &s);

	return json_pack("{s:b, s:I, s:f, s:f, s:f, s:I}", "Enabled", on,
			 "Samples", (json_int_t)s.samples, "P50Us", s.p50_us,
			 "P99Us", s.p99_us, "MaxUs", s.max_us, "TscHz",
			 (json_int_t)rte_get_tsc_hz());
}

json_t *stats_to_json(const struct vswitch *sw)
{
	json_t *ports = json_array(), *workers = json_array();
	struct port_counters c[VS_MAX_PORTS];
	struct port_counters total;
	struct stats_device dev[VS_MAX_PORTS];

	stats_read_ports(sw, c, &total);
	stats_read_devices(sw, dev);
	for (uint16_t p = 0; p < sw->nb_ports; p++)
		if (sw->ports[p].in_use)
			json_array_append_new(ports, port_json(&sw->ports[p], &c[p], &dev[p]));
	for (unsigned i = 0; i < sw->nb_workers; i++)
		json_array_append_new(workers, worker_json(sw, i));
	return json_pack("{s:s, s:o, s:o, s:o, s:{s:I, s:I}, s:o, s:o}", "Switch", sw->name,
			 "Ports", ports, "Drops", drops_json(total.drops), "Nat",
			 nat_json(sw), "MacTable", "Entries",
			 (json_int_t)stats_read_mac_entries(sw),
			 "AgingSeconds", (json_int_t)sw->mac_aging_sec,
			 "Workers", workers, "Latency", latency_json(sw));
}

int stats_write_doc(json_t *doc, const char *path)
{
	char tmp[4096];
	int rc = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (doc != NULL)
		rc = json_dump_file(doc, tmp, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(doc);
	if (rc == 0)
		rc = rename(tmp, path);
	return rc == 0 ? 0 : -1;
}

int stats_write_file(const struct vswitch *sw, const char *path)
{
	return stats_write_doc(stats_to_json(sw), path);
}

/* ---- /metrics ---------------------------------------------------------- */

static void metric_head(FILE *f, const char *name, const char *type,
			const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void port_counter(FILE *f, const struct vswitch *sw,
			 const struct port_counters *c, const char *name,
			 const char *help, size_t field)
{
	metric_head(f, name, "counter", help);
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		uint64_t v;

		if (!sw->ports[p].in_use)
			continue;
		memcpy(&v, (const char *)&c[p] + field, sizeof(v));
		fprintf(f, "%s{port=\"", name);
		metrics_put_label(f, sw->ports[p].name);
		fprintf(f, "\"} %" PRIu64 "\n", v);
	}
}

static void worker_metrics(FILE *f, const struct vswitch *sw)
{
	struct stats_worker w;

	metric_head(f, "hvswitch_worker_busy_polls_total", "counter",
		    "Polls of a worker that received at least one frame.");
	for (unsigned i = 0; i < sw->nb_workers; i++) {
		stats_read_worker(sw, i, &w);
		fprintf(f, "hvswitch_worker_busy_polls_total{worker=\"%u\",lcore=\"%u\"} %"
			PRIu64 "\n", w.id, w.lcore, w.busy_polls);
	}
	metric_head(f, "hvswitch_worker_learn_queue_full_total", "counter",
		    "MAC learn requests lost because a worker's queue was full.");
	for (unsigned i = 0; i < sw->nb_workers; i++) {
		stats_read_worker(sw, i, &w);
		fprintf(f, "hvswitch_worker_learn_queue_full_total{worker=\"%u\",lcore=\"%u\"} %"
			PRIu64 "\n", w.id, w.lcore, w.learn_queue_full);
	}
}

static void device_metrics(FILE *f, const struct vswitch *sw)
{
	static const struct {
		const char *name, *help;
		size_t field;
	} m[] = {
		{"hvswitch_port_device_rx_missed_total",
		 "Frames the port's device dropped for want of RX ring room (ethdev imissed, and net_af_packet's kernel ring drops).",
		 offsetof(struct stats_device, rx_missed)},
		{"hvswitch_port_device_rx_errors_total",
		 "Bad frames the port's device received (ethdev ierrors).",
		 offsetof(struct stats_device, rx_errors)},
		{"hvswitch_port_device_rx_nombuf_total",
		 "RX mbuf allocation failures of the port's device (ethdev rx_nombuf).",
		 offsetof(struct stats_device, rx_nombuf)},
		{"hvswitch_port_device_tx_errors_total",
		 "Frames the port's device failed to send (ethdev oerrors).",
		 offsetof(struct stats_device, tx_errors)},
		{"hvswitch_port_device_kernel_ring_drops_total",
		 "net_af_packet: frames the kernel dropped because the socket's RX ring was full (part of rx_missed).",
		 offsetof(struct stats_device, kernel_ring_drops)},
	};
	struct stats_device dev[VS_MAX_PORTS];

	stats_read_devices(sw, dev);
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		metric_head(f, m[i].name, "counter", m[i].help);
		for (uint16_t p = 0; p < sw->nb_ports; p++) {
			uint64_t v;

			if (!sw->ports[p].in_use)
				continue;
			memcpy(&v, (const char *)&dev[p] + m[i].field, sizeof(v));
			fprintf(f, "%s{port=\"", m[i].name);
			metrics_put_label(f, sw->ports[p].name);
			fprintf(f, "\"} %" PRIu64 "\n", v);
		}
	}
}

int stats_metrics_text(const struct vswitch *sw, char **text, size_t *len)
{
	struct port_counters c[VS_MAX_PORTS], total;
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (f == NULL)
		return -1;
	stats_read_ports(sw, c, &total);
	port_counter(f, sw, c, "hvswitch_port_rx_packets_total",
		     "Frames received on a switch port.",
		     offsetof(struct port_counters, rx_packets));
	port_counter(f, sw, c, "hvswitch_port_tx_packets_total",
		     "Frames sent on a switch port.",
		     offsetof(struct port_counters, tx_packets));
	port_counter(f, sw, c, "hvswitch_port_rx_bytes_total",
		     "Bytes received on a switch port.",
		     offsetof(struct port_counters, rx_bytes));
	port_counter(f, sw, c, "hvswitch_port_tx_bytes_total",
		     "Bytes sent on a switch port.",
		     offsetof(struct port_counters, tx_bytes));
	metric_head(f, "hvswitch_port_drops_total", "counter",
		    "Frames dropped, by the port they were counted on and reason.");
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		if (!sw->ports[p].in_use)
			continue;
		for (unsigned d = 0; d < DROP_REASON_COUNT; d++) {
			fputs("hvswitch_port_drops_total{port=\"", f);
			metrics_put_label(f, sw->ports[p].name);
			fputs("\",reason=\"", f);
			metrics_put_label(f, drop_reason_text(d));
			fprintf(f, "\"} %" PRIu64 "\n", c[p].drops[d]);
		}
	}
	metric_head(f, "hvswitch_drops_total", "counter",
		    "Frames dropped on any port, by reason.");
	for (unsigned d = 0; d < DROP_REASON_COUNT; d++) {
		fputs("hvswitch_drops_total{reason=\"", f);
		metrics_put_label(f, drop_reason_text(d));
		fprintf(f, "\"} %" PRIu64 "\n", total.drops[d]);
	}
	device_metrics(f, sw);
	metric_head(f, "hvswitch_mac_table_entries", "gauge",
		    "Entries in the MAC table (learned and static).");
	fprintf(f, "hvswitch_mac_table_entries %u\n", (unsigned)stats_read_mac_entries(sw));
	worker_metrics(f, sw);
	stats_nat_metrics(sw, f);
	if (fclose(f) != 0 || buf == NULL) {
		free(buf);
		return -1;
	}
	*text = buf;
	*len = n;
	return 0;
}
