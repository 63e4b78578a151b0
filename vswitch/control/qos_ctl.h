/* Per-port QoS caps in the running switch (control layer, main lcore):
 * sets or clears the cap on what a port's endpoint sends (qos.h). The new
 * buckets are published with a release store and the old ones freed after
 * an RCU grace period, so workers never wait.
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_QOS_CTL_H
#define HVS_QOS_CTL_H

#include <stdint.h>

struct vswitch;

/* bytes_per_sec 0 clears the cap. 0, or -1 (bad port, out of memory). */
int qos_ctl_set(struct vswitch *sw, uint16_t port, uint64_t bytes_per_sec);
/* The port's cap in bytes/s, 0 for none. */
uint64_t qos_ctl_get(const struct vswitch *sw, uint16_t port);

#endif
