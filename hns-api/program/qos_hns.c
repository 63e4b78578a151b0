/* HNS QOS policies on switch ports (qos_hns.h). */
#include "qos_hns.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "qos_ctl.h"

uint64_t qos_hns_cap(const json_t *ep)
{
	const json_t *pol;
	uint64_t cap = 0;
	size_t i;

	json_array_foreach(json_object_get(ep, "Policies"), i, pol) {
		const char *type = json_string_value(json_object_get(pol, "Type"));
		json_int_t v = json_integer_value(
			json_object_get(pol, "MaximumOutgoingBandwidthInBytes"));

		if (type == NULL || strcasecmp(type, "QOS") != 0 || v <= 0)
			continue;
		if (cap == 0 || (uint64_t)v < cap)
			cap = (uint64_t)v;
	}
	return cap;
}

void qos_hns_endpoint_attached(struct vswitch *sw, uint16_t port, const json_t *ep)
{
	uint64_t cap = qos_hns_cap(ep);

	if (cap == qos_ctl_get(sw, port))
		return;
	if (qos_ctl_set(sw, port, cap) < 0)
		fprintf(stderr, "vswitchd: port %u: QoS cap of %llu bytes/s not set "
			"(out of memory)\n", port, (unsigned long long)cap);
}

void qos_hns_endpoint_detached(struct vswitch *sw, uint16_t port)
{
	if (qos_ctl_get(sw, port) != 0)
		qos_ctl_set(sw, port, 0);
}
