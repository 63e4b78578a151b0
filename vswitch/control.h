/* The main lcore's loop while workers run: it applies MAC learning, runs
 * timers (MAC aging), advances the switch clock, prints periodic rates and
 * decides when to stop (signal, or --exit-on-idle). It sleeps between
 * rounds; it is never on a packet's path. */
#ifndef HVS_CONTROL_H
#define HVS_CONTROL_H

#include <signal.h>

#include "options.h"
#include "switch.h"

/* Returns when *stop_requested becomes non-zero or the idle timeout hits. */
void control_run(struct vswitch *sw, const struct options *opts,
		 volatile sig_atomic_t *stop_requested);

#endif
