/* HNS OutBoundNAT policies on switch ports (obnat_hns.h). */
#include "obnat_hns.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr_parse.h"
#include "hns.h"
#include "port_hotplug.h"

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static int add_list(struct obnat_rule *r, const json_t *list, bool destination,
		    const char *field, char *err, size_t errlen)
{
	const json_t *a;
	size_t i;

	json_array_foreach(list, i, a) {
		const char *text = json_string_value(a);
		int rc = text != NULL ? obnat_rule_add_prefix(r, text, destination) : -1;

		if (rc == -1) {
			snprintf(err, errlen, "%s: '%s' is no IPv4 address or prefix", field,
				 text != NULL ? text : "(not a string)");
			return -1;
		}
		if (rc == -2) {
			snprintf(err, errlen, "%s: more than %d for one endpoint", field,
				 OBNAT_PREFIXES_MAX);
			return -1;
		}
	}
	return 0;
}

int obnat_hns_rule(const json_t *ep, struct obnat_endpoint *out, char *err, size_t errlen)
{
	const json_t *pol;
	int found = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	obnat_rule_init(&out->rule);
	json_array_foreach(json_object_get(ep, "Policies"), i, pol) {
		const json_t *dest = json_object_get(pol, "Destinations");
		const json_t *exc = json_object_get(pol, "ExceptionList");
		json_int_t flags = json_integer_value(json_object_get(pol, "Flags"));
		json_int_t max = json_integer_value(json_object_get(pol, "MaxPortPoolUsage"));
		const char *vip = str(pol, "VIP");
		uint32_t ip;

		if (strcasecmp(str(pol, "Type"), "OutBoundNAT") != 0 ||
		    (flags & OBNAT_FLAG_IPV6))
			continue;
		if (exc == NULL)
			exc = json_object_get(pol, "Exceptions");
		if (json_array_size(dest) > 0) {
			if (add_list(&out->rule, dest, true, "Destinations", err, errlen) < 0)
				return -1;
		} else {
			out->rule.snat_by_default = true;
			if (add_list(&out->rule, exc, false, "ExceptionList", err, errlen) < 0)
				return -1;
		}
		if (vip[0] == '\0')
			vip = str(pol, "VirtualIP");
		if (vip[0] != '\0' && out->external_ip == 0) {
			if (ipv4_parse(vip, &ip) < 0) {
				snprintf(err, errlen, "VIP: '%s' is no IPv4 address", vip);
				return -1;
			}
			out->external_ip = ip;
		}
		if (max > 0 && max <= 64512 &&
		    (out->max_ports == 0 || (uint16_t)max < out->max_ports))
			out->max_ports = (uint16_t)max;
		found = 1;
	}
	return found;
}

bool obnat_hns_network_type(const char *type)
{
	return type != NULL && (strcasecmp(type, "L2Bridge") == 0 ||
				strcasecmp(type, "Transparent") == 0 ||
				strcasecmp(type, "Overlay") == 0);
}

/* The network's uplink port: NetworkAdapterName, else the switch's uplink. */
static int network_uplink(const struct vswitch *sw, const json_t *net)
{
	const char *adapter = str(net, "NetworkAdapterName");
	int p = adapter[0] != '\0' ? vswitch_port_find(sw, adapter) : -1;

	if (p >= 0)
		return p;
	for (uint16_t i = 0; i < sw->nb_ports; i++)
		if (sw->ports[i].in_use && sw->ports[i].uplink)
			return i;
	return -1;
}

/* Why an endpoint's OutBoundNAT is not programmed, or NULL: it is. */
static const char *program(struct vswitch *sw, struct hns *h, uint16_t port,
			   const json_t *ep, char *err, size_t errlen)
{
	struct obnat_endpoint o;
	json_t *net;
	const char *type;
	int up, rc = obnat_hns_rule(ep, &o, err, errlen);

	if (rc < 0)
		return err;
	if (rc == 0) { /* none (any more) */
		obnat_ctl_clear(sw, port);
		return NULL;
	}
	net = hns_endpoint_network(h, ep);
	type = str(net, "Type");
	if (net == NULL || !obnat_hns_network_type(type)) {
		json_decref(net);
		return "only L2Bridge, Transparent and Overlay networks' endpoints are SNATed";
	}
	/* an Overlay pod's frames to the outside are the DR's to route */
	o.routed = strcasecmp(type, "Overlay") == 0;
	up = network_uplink(sw, net);
	if (o.external_ip == 0 && ipv4_parse(str(net, "ManagementIP"), &o.external_ip) < 0)
		o.external_ip = up >= 0 && sw->ports[up].nb_ips > 0 ? sw->ports[up].ips[0] : 0;
	json_decref(net);
	if (up < 0 || up == port)
		return "the network has no uplink";
	if (o.external_ip == 0)
		return "no host address (no ManagementIP, no IPAddresses on the uplink)";
	if (ipv4_parse(str(ep, "IPAddress"), &o.ip4) < 0)
		return "the endpoint has no IPv4 address";
	if (mac_parse(str(ep, "MacAddress"), &o.mac) < 0)
		return "the endpoint has no MAC";
	o.uplink = (uint16_t)up;
	if (obnat_ctl_set(sw, port, &o, err, errlen) < 0)
		return err;
	return NULL;
}

void obnat_hns_endpoint_attached(struct vswitch *sw, struct hns *h, uint16_t port,
				 const json_t *ep)
{
	char err[256];
	const char *why = program(sw, h, port, ep, err, sizeof(err));

	if (why == NULL)
		return;
	obnat_ctl_clear(sw, port); /* a replaced policy set: nothing of the old */
	fprintf(stderr, "vswitchd: endpoint '%s': OutBoundNAT not enforced: %s\n",
		str(ep, "Name"), why);
}

void obnat_hns_endpoint_detached(struct vswitch *sw, uint16_t port)
{
	obnat_ctl_clear(sw, port);
}
