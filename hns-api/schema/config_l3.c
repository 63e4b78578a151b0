#include "config_l3.h"

#include <string.h>

#include "addr_parse.h"

/* "IPAddresses": the switch's own IPv4 addresses on the port, as
 * "192.0.2.10/24" (the host part is the address). */
static int parse_ips(const json_t *port, const char *path,
		     struct port_config *pc, struct json_err *e)
{
	const json_t *arr = NULL, *v;
	char p[256], ep[300];
	size_t i;

	if (json_get_array(port, path, "IPAddresses", false, &arr, e) < 0)
		return -1;
	if (arr == NULL)
		return 0;
	json_path_member(p, sizeof(p), path, "IPAddresses");
	if (json_array_size(arr) > CONFIG_MAX_PORT_IPS)
		return json_fail(e, p, "at most %d addresses", CONFIG_MAX_PORT_IPS);
	json_array_foreach(arr, i, v) {
		const char *text = json_string_value(v);
		uint32_t ip, host;
		uint8_t plen;

		json_path_index(ep, sizeof(ep), p, i);
		if (!json_is_string(v))
			return json_fail(e, ep, "must be a string, not %s",
					 json_type_name(v));
		if (strchr(text, ':') != NULL)
			return json_fail(e, ep, "'%s': IPv6 addresses are not supported "
					 "on ports yet", text);
		if (ipv4_addr_len_parse(text, &ip, &plen) < 0)
			return json_fail(e, ep, "'%s' is not an IPv4 address with a "
					 "prefix length, like 192.0.2.10/24", text);
		host = ip & ~ipv4_mask(plen);
		if (plen == 0 || ip == 0 || (ip >> 28) >= 0xe)
			return json_fail(e, ep, "'%s' is not a unicast address with a "
					 "prefix length of 1-32", text);
		if (plen <= 30 && (host == 0 || host == ~ipv4_mask(plen)))
			return json_fail(e, ep, "'%s' is the network or broadcast "
					 "address of its prefix", text);
		for (uint8_t j = 0; j < pc->nb_ips; j++)
			if (pc->ips[j] == ip)
				return json_fail(e, ep, "'%s' repeats IPAddresses[%u]",
						 text, j);
		pc->ips[pc->nb_ips] = ip;
		pc->plens[pc->nb_ips] = plen;
		pc->nb_ips++;
	}
	return 0;
}

/* "DefaultGateway": an IPv4 address on-link with one of IPAddresses. */
static int parse_gateway(const json_t *port, const char *path,
			 struct port_config *pc, struct json_err *e)
{
	const char *text = NULL;
	char p[256];
	uint32_t gw;

	if (json_get_string(port, path, "DefaultGateway", false, &text, e) < 0)
		return -1;
	if (text == NULL)
		return 0;
	json_path_member(p, sizeof(p), path, "DefaultGateway");
	if (strchr(text, ':') != NULL)
		return json_fail(e, p, "'%s': IPv6 addresses are not supported on "
				 "ports yet", text);
	if (ipv4_parse(text, &gw) < 0)
		return json_fail(e, p, "'%s' is not an IPv4 address", text);
	if (gw == 0 || (gw >> 28) >= 0xe)
		return json_fail(e, p, "'%s' is not a unicast address", text);
	if (pc->nb_ips == 0)
		return json_fail(e, p, "needs IPAddresses on this port (the gateway "
				 "must be on-link)");
	for (uint8_t i = 0; i < pc->nb_ips; i++)
		if (gw == pc->ips[i])
			return json_fail(e, p, "'%s' is the port's own address", text);
	for (uint8_t i = 0; i < pc->nb_ips; i++)
		if (ipv4_in_prefix(gw, pc->ips[i], pc->plens[i])) {
			pc->default_gw = gw;
			return 0;
		}
	return json_fail(e, p, "'%s' is not on-link with any of the port's "
			 "IPAddresses", text);
}

/* "MacAddress": the address the port's device takes at start (and the
 * router's MAC when the port is the uplink). */
static int parse_mac(const json_t *port, const char *path,
		     struct port_config *pc, struct json_err *e)
{
	const char *text = NULL;
	char p[256];

	if (json_get_string(port, path, "MacAddress", false, &text, e) < 0)
		return -1;
	if (text == NULL)
		return 0;
	json_path_member(p, sizeof(p), path, "MacAddress");
	if (mac_parse(text, &pc->mac) < 0 || !rte_is_valid_assigned_ether_addr(&pc->mac))
		return json_fail(e, p, "'%s' is not a unicast MAC address", text);
	pc->has_mac = true;
	return 0;
}

/* "Neighbors": static ARP entries [{"IPAddress", "MacAddress"}] on-link
 * with the port's IPAddresses (as New-NetNeighbor makes them). */
static int parse_neighbors(const json_t *port, const char *path,
			   struct port_config *pc, struct json_err *e)
{
	static const char *const fields[] = {"IPAddress", "MacAddress", NULL};
	const json_t *arr = NULL, *v;
	char p[256], ep[300];
	size_t i;

	if (json_get_array(port, path, "Neighbors", false, &arr, e) < 0)
		return -1;
	if (arr == NULL)
		return 0;
	json_path_member(p, sizeof(p), path, "Neighbors");
	if (json_array_size(arr) > CONFIG_MAX_NEIGHBORS)
		return json_fail(e, p, "at most %d neighbors", CONFIG_MAX_NEIGHBORS);
	json_array_foreach(arr, i, v) {
		const char *ip = NULL, *mac = NULL;
		struct config_neighbor *n = &pc->neighbors[i];
		bool on_link = false;

		json_path_index(ep, sizeof(ep), p, i);
		if (!json_is_object(v))
			return json_fail(e, ep, "must be an object");
		if (json_check_members(v, ep, fields, e) < 0 ||
		    json_get_string(v, ep, "IPAddress", true, &ip, e) < 0 ||
		    json_get_string(v, ep, "MacAddress", true, &mac, e) < 0)
			return -1;
		if (ipv4_parse(ip, &n->ip) < 0) {
			strncat(ep, ".IPAddress", sizeof(ep) - strlen(ep) - 1);
			return json_fail(e, ep, "'%s' is not an IPv4 address", ip);
		}
		for (uint8_t k = 0; k < pc->nb_ips; k++)
			on_link |= ipv4_in_prefix(n->ip, pc->ips[k], pc->plens[k]);
		if (!on_link) {
			strncat(ep, ".IPAddress", sizeof(ep) - strlen(ep) - 1);
			return json_fail(e, ep, "'%s' is not on-link with the port's "
					 "IPAddresses", ip);
		}
		if (mac_parse(mac, &n->mac) < 0 || !rte_is_valid_assigned_ether_addr(&n->mac)) {
			strncat(ep, ".MacAddress", sizeof(ep) - strlen(ep) - 1);
			return json_fail(e, ep, "'%s' is not a unicast MAC address", mac);
		}
		pc->nb_neighbors = (uint8_t)(i + 1);
	}
	return 0;
}

int config_parse_port_l3(const json_t *port, const char *path,
			 struct port_config *pc, struct json_err *e)
{
	if (parse_ips(port, path, pc, e) < 0 ||
	    parse_gateway(port, path, pc, e) < 0 ||
	    parse_mac(port, path, pc, e) < 0 ||
	    parse_neighbors(port, path, pc, e) < 0)
		return -1;
	return 0;
}
