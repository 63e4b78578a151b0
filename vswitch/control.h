/* The main lcore's loop while workers run: it applies MAC learning, runs
 * timers (MAC aging), advances the switch clock, prints periodic rates,
 * serves the REST API (through a poll hook) and decides when to stop
 * (signal, or --exit-on-idle). It sleeps between rounds; it is never on a
 * packet's path. */
#ifndef HVS_CONTROL_H
#define HVS_CONTROL_H

#include <signal.h>

#include "options.h"
#include "switch.h"

/* Work the control loop does every round besides its own (the REST
 * server's poll): must not block. */
struct control_hook {
	void (*poll)(void *arg);
	void *arg;
};

/* Returns when *stop_requested becomes non-zero or the idle timeout hits.
 * hook may be NULL. */
void control_run(struct vswitch *sw, const struct options *opts,
		 volatile sig_atomic_t *stop_requested,
		 const struct control_hook *hook);

#endif
