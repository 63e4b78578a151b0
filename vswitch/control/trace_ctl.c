#include "trace_ctl.h"

#include <stdio.h>

#include <rte_rcu_qsbr.h>

_Static_assert(TRACE_MAX_PORTS >= VS_MAX_PORTS, "a trace names every port");

int trace_ctl_start(struct vswitch *sw, const struct trace_options *o,
		    char *err, size_t errlen)
{
	const char *names[VS_MAX_PORTS];
	struct trace *t;

	if (sw->trace != NULL) {
		snprintf(err, errlen, "a trace is running already (%s)",
			 trace_get_options(sw->trace)->file);
		return -1;
	}
	for (uint16_t p = 0; p < sw->nb_ports; p++)
		names[p] = sw->ports[p].in_use ? sw->ports[p].name : "";
	t = trace_start(o, sw->name, names, sw->nb_ports, err, errlen);
	if (t == NULL)
		return -1;
	__atomic_store_n(&sw->trace, t, __ATOMIC_RELEASE);
	return 0;
}

int trace_ctl_stop(struct vswitch *sw, struct trace_counters *c)
{
	struct trace *t = sw->trace;

	if (t == NULL)
		return -1;
	__atomic_store_n(&sw->trace, NULL, __ATOMIC_RELEASE);
	/* workers finish the burst that still holds it */
	rte_rcu_qsbr_synchronize(sw->qsbr, RTE_QSBR_THRID_INVALID);
	if (c != NULL)
		trace_read_counters(t, c);
	trace_stop(t);
	return 0;
}
