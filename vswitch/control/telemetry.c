/* DPDK telemetry (telemetry.h). */
#include "telemetry.h"

#include <stdbool.h>
#include <string.h>

#include <rte_telemetry.h>

#include "stats_read.h"

static struct vswitch *telemetry_sw; /* read by the telemetry thread */

/* Telemetry keys stay plain identifiers: "Drops_INVALID_PACKET". */
static const char *const tel_drop_keys[DROP_REASON_COUNT] = {
#define TEL_DROP_KEY(sym, text) [DROP_##sym] = "Drops_" #sym,
	FOREACH_DROP_REASON(TEL_DROP_KEY)
#undef TEL_DROP_KEY
};

static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct vswitch *sw = __atomic_load_n(&telemetry_sw, __ATOMIC_ACQUIRE);
	struct port_counters c, total;

	(void)cmd;
	(void)params;
	if (sw == NULL)
		return -1;
	memset(&total, 0, sizeof(total));
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		stats_read_port(sw, p, &c);
		port_counters_add(&total, &c);
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "Switch", sw->name);
	rte_tel_data_add_dict_u64(d, "RxPackets", total.rx_packets);
	rte_tel_data_add_dict_u64(d, "TxPackets", total.tx_packets);
	rte_tel_data_add_dict_u64(d, "RxBytes", total.rx_bytes);
	rte_tel_data_add_dict_u64(d, "TxBytes", total.tx_bytes);
	for (unsigned i = 0; i < DROP_REASON_COUNT; i++)
		rte_tel_data_add_dict_u64(d, tel_drop_keys[i], total.drops[i]);
	rte_tel_data_add_dict_u64(d, "MacTableEntries", stats_read_mac_entries(sw));
	rte_tel_data_add_dict_int(d, "Workers", (int)sw->nb_workers);
	return 0;
}

/* /hvswitch/ports: {name: {RxPackets, ...}}; /hvswitch/ports,NAME: one. */
static struct rte_tel_data *tel_port(const struct vswitch *sw, uint16_t p)
{
	struct rte_tel_data *o = rte_tel_data_alloc();
	struct port_counters c;
	uint64_t drops = 0;

	if (o == NULL)
		return NULL;
	stats_read_port(sw, p, &c);
	for (unsigned i = 0; i < DROP_REASON_COUNT; i++)
		drops += c.drops[i];
	rte_tel_data_start_dict(o);
	rte_tel_data_add_dict_int(o, "Index", p);
	rte_tel_data_add_dict_int(o, "Uplink", sw->ports[p].uplink);
	rte_tel_data_add_dict_u64(o, "RxPackets", c.rx_packets);
	rte_tel_data_add_dict_u64(o, "TxPackets", c.tx_packets);
	rte_tel_data_add_dict_u64(o, "RxBytes", c.rx_bytes);
	rte_tel_data_add_dict_u64(o, "TxBytes", c.tx_bytes);
	rte_tel_data_add_dict_u64(o, "Drops", drops);
	return o;
}

static int tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct vswitch *sw = __atomic_load_n(&telemetry_sw, __ATOMIC_ACQUIRE);

	(void)cmd;
	if (sw == NULL)
		return -1;
	rte_tel_data_start_dict(d);
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		struct rte_tel_data *o;

		if (!sw->ports[p].in_use ||
		    (params != NULL && params[0] != '\0' &&
		     strcmp(params, sw->ports[p].name) != 0))
			continue;
		o = tel_port(sw, p);
		if (o != NULL && rte_tel_data_add_dict_container(d, sw->ports[p].name,
								 o, 0) != 0)
			rte_tel_data_free(o);
	}
	return 0;
}

int telemetry_register(struct vswitch *sw)
{
	static bool registered;

	__atomic_store_n(&telemetry_sw, sw, __ATOMIC_RELEASE);
	if (registered || sw == NULL)
		return 0;
	registered = true;
	if (rte_telemetry_register_cmd("/hvswitch/stats", tel_stats,
				       "Switch totals: packets, bytes, drops by reason. "
				       "No parameters") != 0 ||
	    rte_telemetry_register_cmd("/hvswitch/ports", tel_ports,
				       "Per-port counters. Parameter: a port name "
				       "(optional)") != 0)
		return -1;
	return 0;
}
