/* Starting and stopping the switch's trace (pcap/trace.h) from the main
 * lcore: the trace is published to the workers with one atomic store and
 * withdrawn before it is closed, after an RCU grace period, so no worker
 * ever records into a closed trace.
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_TRACE_CTL_H
#define HVS_TRACE_CTL_H

#include <stddef.h>

#include "switch.h"
#include "trace.h"

/* port_names NULL: every port in use. -1 with err if a trace already runs
 * or trace_start fails (its err names the field). */
int trace_ctl_start(struct vswitch *sw, const struct trace_options *o,
		    char *err, size_t errlen);

/* Stops the running trace (writes everything queued). Returns the final
 * counters in *c if c; -1 if none runs. */
int trace_ctl_stop(struct vswitch *sw, struct trace_counters *c);

static inline const struct trace *trace_ctl_running(const struct vswitch *sw)
{
	return __atomic_load_n(&sw->trace, __ATOMIC_ACQUIRE);
}

#endif
