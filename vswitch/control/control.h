/* The main lcore's loop while workers run: it applies MAC learning, runs
 * timers (MAC aging), advances the switch clock, prints periodic rates,
 * serves the REST API (through a poll hook) and decides when to stop
 * (signal, or --exit-on-idle). It sleeps between rounds; it is never on a
 * packet's path.
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_CONTROL_H
#define HVS_CONTROL_H

#include <signal.h>

#include <stdbool.h>
#include <stdint.h>

#include "switch.h"

/* What the loop needs of the command line (--exit-on-idle,
 * --stats-interval). */
struct control_settings {
	bool exit_on_idle;
	uint64_t exit_on_idle_ms;
	unsigned stats_interval_sec; /* 0: no periodic rate lines */
};

/* Work the control loop does every round besides its own (the REST
 * server's poll): must not block. */
struct control_hook {
	void (*poll)(void *arg);
	/* The loop's pause between rounds (NULL: sleep): may end early when
	 * the northbound has work. */
	void (*wait)(void *arg, unsigned timeout_us);
	void *arg;
};

/* Returns when *stop_requested becomes non-zero or the idle timeout hits.
 * hook may be NULL. */
void control_run(struct vswitch *sw, const struct control_settings *opts,
		 volatile sig_atomic_t *stop_requested,
		 const struct control_hook *hook);

#endif
