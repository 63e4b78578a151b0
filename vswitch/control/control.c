#include "control.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_timer.h>

#include "l3_dp.h"
#include "learn.h"
#include "lb_ctl.h"
#include "nat_ctl.h"
#include "stats.h"
#include "stats_read.h"

#define CONTROL_SLEEP_US 100

struct rate_sample {
	uint64_t tsc;
	struct port_counters port[VS_MAX_PORTS];
	uint64_t dev_lost[VS_MAX_PORTS];
	struct winnat_counters nat;
};

static void aging_cb(struct rte_timer *t, void *arg)
{
	struct vswitch *sw = arg;

	(void)t;
	mac_table_age(sw->macs, vswitch_now(sw), sw->mac_aging_sec);
}

static uint64_t total_drops(const struct port_counters *c)
{
	uint64_t n = 0;

	for (unsigned r = 0; r < DROP_REASON_COUNT; r++)
		n += c->drops[r];
	return n;
}

static uint64_t device_lost(const struct stats_device *d)
{
	return d->rx_missed + d->rx_errors + d->rx_nombuf + d->tx_errors;
}

/* One line per port: "rate port=NAME rx_pps=.. tx_pps=.. drop_pps=..
 * dev_drop_pps=.." (dev: what the device lost, stats_read_devices), and
 * with NATs "rate nat sessions=.. created_ps=.. deleted_ps=.. translated_pps=..". */
static void print_rates(const struct vswitch *sw, struct rate_sample *prev)
{
	uint64_t now = rte_get_timer_cycles();
	double secs = (double)(now - prev->tsc) / (double)rte_get_timer_hz();
	struct stats_device dev[VS_MAX_PORTS];

	stats_read_devices(sw, dev);
	for (uint16_t p = 0; p < sw->nb_ports; p++) {
		struct port_counters c;
		uint64_t lost = device_lost(&dev[p]);

		stats_sum_port(sw, p, &c);
		printf("rate port=%s rx_pps=%.0f tx_pps=%.0f drop_pps=%.0f dev_drop_pps=%.0f\n",
		       sw->ports[p].name,
		       (double)(c.rx_packets - prev->port[p].rx_packets) / secs,
		       (double)(c.tx_packets - prev->port[p].tx_packets) / secs,
		       (double)(total_drops(&c) - total_drops(&prev->port[p])) / secs,
		       (double)(lost - prev->dev_lost[p]) / secs);
		prev->port[p] = c;
		prev->dev_lost[p] = lost;
	}
	if (sw->l3_view != NULL && sw->l3_view->nb_nats > 0) {
		struct winnat_counters n;

		nat_ctl_counters(sw, &n);
		printf("rate nat sessions=%" PRIu64 " created_ps=%.0f deleted_ps=%.0f "
		       "translated_pps=%.0f\n", n.sessions,
		       (double)(n.sessions_created - prev->nat.sessions_created) / secs,
		       (double)(n.sessions_deleted - prev->nat.sessions_deleted) / secs,
		       (double)(n.translated_out + n.translated_in -
				prev->nat.translated_out - prev->nat.translated_in) / secs);
		prev->nat = n;
	}
	fflush(stdout);
	prev->tsc = now;
}

void control_run(struct vswitch *sw, const struct control_settings *opts,
		 volatile sig_atomic_t *stop_requested,
		 const struct control_hook *hook)
{
	const uint64_t hz = rte_get_timer_hz(), start = rte_get_timer_cycles();
	const uint64_t idle_cycles = opts->exit_on_idle_ms * hz / 1000;
	const uint64_t interval = (uint64_t)opts->stats_interval_sec * hz;
	uint64_t last_rx = 0, last_rx_change = start, next_rates = start + interval;
	struct rate_sample rates;
	struct rte_timer aging;

	memset(&rates, 0, sizeof(rates));
	rates.tsc = start;
	rte_timer_init(&aging);
	rte_timer_reset(&aging, hz, PERIODICAL, rte_lcore_id(), aging_cb, sw);
	while (!*stop_requested) {
		uint64_t now = rte_get_timer_cycles();

		__atomic_store_n(&sw->clock_sec, (uint32_t)((now - start) / hz),
				 __ATOMIC_RELAXED);
		learn_drain(sw, vswitch_now(sw));
		l3_control_poll(sw);
		lb_ctl_reclaim(sw);
		rte_timer_manage();
		if (hook != NULL && hook->poll != NULL)
			hook->poll(hook->arg);
		if (opts->exit_on_idle) {
			uint64_t rx = stats_total_rx(sw);

			if (rx != last_rx) {
				last_rx = rx;
				last_rx_change = now;
			} else if (rx > 0 && now - last_rx_change >= idle_cycles) {
				break;
			}
		}
		if (interval && now >= next_rates) {
			print_rates(sw, &rates);
			next_rates += interval;
		}
		if (hook != NULL && hook->wait != NULL)
			hook->wait(hook->arg, CONTROL_SLEEP_US);
		else
			rte_delay_us_sleep(CONTROL_SLEEP_US);
	}
	rte_timer_stop_sync(&aging);
}
