/* DPDK telemetry commands /hvswitch/stats and /hvswitch/ports (for
 * dpdk-telemetry.py), reading the same counters as /stats (control layer;
 * the callbacks run on DPDK's telemetry thread and only read).
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_TELEMETRY_H
#define HVS_TELEMETRY_H

struct vswitch;

/* Serves sw (NULL: stop serving; commands then fail). 0 or -1. */
int telemetry_register(struct vswitch *sw);

#endif
