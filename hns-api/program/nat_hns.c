/* HNS NAT networks in the dataplane (SPEC 5.5 "NAT"): a network of Type
 * NAT has a NAT named after it (internal prefix and gateway from its first
 * subnet) from its creation to its deletion, as WinNAT's Get-NetNat shows
 * one per NAT network. Its inside ports are exactly the ports its
 * endpoints are attached to (none at first); an endpoint's NAT /
 * PortMapping policies are static mappings to its IPAddress while it is
 * attached. */
#include "nat_hns.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <netinet/in.h>

#include "addr_parse.h"
#include "nat_api.h"
#include "nat_ctl.h"

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static bool is_nat_network(const json_t *net)
{
	return json_is_object(net) && strcasecmp(str(net, "Type"), "NAT") == 0;
}

/* The endpoint's network (v1 JSON, new reference) if it is a NAT one. */
static json_t *nat_network(struct hns *h, const json_t *ep)
{
	json_t *net = hns_endpoint_network(h, ep);

	if (net != NULL && !is_nat_network(net)) {
		json_decref(net);
		net = NULL;
	}
	return net;
}

static int ensure_nat(struct nat_api *na, const json_t *net, char *err, size_t errlen)
{
	const json_t *sub = json_array_get(json_object_get(net, "Subnets"), 0);
	const char *name = str(net, "Name");
	uint32_t pfx = 0, gw = 0;
	uint8_t plen = 0;

	if (nat_ctl_find(nat_api_switch(na), name) >= 0)
		return 0;
	if (sub == NULL || ipv4_addr_len_parse(str(sub, "AddressPrefix"), &pfx, &plen) < 0) {
		snprintf(err, errlen, "network '%s' has no IPv4 subnet", name);
		return -1;
	}
	if (ipv4_parse(str(sub, "GatewayAddress"), &gw) < 0)
		gw = 0; /* the prefix's first host */
	return nat_api_network_add(na, name, pfx, plen, gw, err, errlen);
}

static uint8_t policy_proto(const json_t *pol)
{
	const json_t *p = json_object_get(pol, "Protocol");

	if (json_is_integer(p))
		return (uint8_t)json_integer_value(p);
	if (json_is_string(p) && strcasecmp(json_string_value(p), "UDP") == 0)
		return IPPROTO_UDP;
	return IPPROTO_TCP;
}

/* The endpoint's NAT policies as mappings on the network's NAT. */
static void mappings(struct nat_api *na, const char *nat, const json_t *ep, bool add)
{
	const json_t *pols = json_object_get(ep, "Policies"), *pol;
	uint32_t ip;
	size_t i;
	char err[256];

	if (ipv4_parse(str(ep, "IPAddress"), &ip) < 0)
		return;
	json_array_foreach(pols, i, pol) {
		struct winnat_mapping mp = {.internal_ip = ip};

		if (strcasecmp(str(pol, "Type"), "NAT") != 0 &&
		    strcasecmp(str(pol, "Type"), "PortMapping") != 0)
			continue;
		mp.proto = policy_proto(pol);
		mp.internal_port = (uint16_t)json_integer_value(json_object_get(pol, "InternalPort"));
		mp.external_port = (uint16_t)json_integer_value(json_object_get(pol, "ExternalPort"));
		if (nat_api_port_mapping(na, nat, add, &mp, err, sizeof(err)) < 0 && add)
			fprintf(stderr, "vswitchd: endpoint '%s': NAT policy %zu: %s\n",
				str(ep, "Name"), i, err);
	}
}

void nat_hns_network_created(struct nat_api *na, const json_t *net)
{
	char err[256];

	if (is_nat_network(net) && ensure_nat(na, net, err, sizeof(err)) < 0)
		fprintf(stderr, "vswitchd: NAT network '%s': %s\n", str(net, "Name"), err);
}

void nat_hns_network_deleted(struct nat_api *na, const json_t *net)
{
	if (is_nat_network(net))
		nat_api_network_remove(na, str(net, "Name"));
}

void nat_hns_endpoint_attached(struct nat_api *na, struct hns *h, uint16_t port,
			       const json_t *ep)
{
	struct vswitch *sw = nat_api_switch(na);
	json_t *net = nat_network(h, ep);
	char err[256];
	portset_t ports;
	int slot;

	if (net == NULL)
		return;
	if (ensure_nat(na, net, err, sizeof(err)) < 0) {
		fprintf(stderr, "vswitchd: endpoint '%s': NAT network: %s\n",
			str(ep, "Name"), err);
		json_decref(net);
		return;
	}
	slot = nat_ctl_find(sw, str(net, "Name"));
	ports = nat_ctl_ports(sw, slot);
	portset_set(&ports, port);
	nat_ctl_set_ports(sw, slot, ports);
	mappings(na, str(net, "Name"), ep, true);
	json_decref(net);
}

void nat_hns_endpoint_detached(struct nat_api *na, struct hns *h, uint16_t port,
			       const json_t *ep)
{
	struct vswitch *sw = nat_api_switch(na);
	json_t *net = nat_network(h, ep);
	int slot;

	if (net == NULL)
		return;
	slot = nat_ctl_find(sw, str(net, "Name"));
	if (slot >= 0) {
		mappings(na, str(net, "Name"), ep, false);
		/* the network's NAT stays, with one inside port fewer */
		nat_ctl_set_ports(sw, slot, portset_without(nat_ctl_ports(sw, slot), port));
	}
	json_decref(net);
}
