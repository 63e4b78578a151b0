/* What a network reports that no client set: the values flannel, Calico
 * and win-overlay poll for before they go on. v1 "ManagementIP" and the v2
 * "ProviderAddress" network policy are the same address (Calico checks
 * they are equal): the one the network was created with, else the
 * uplink's (hns_dataplane.uplink_address). "DrMacAddress" is the MAC of
 * the network's distributed router, derived from its ID so it is stable
 * across restarts and distinct per network. A client-given policy of
 * either type wins over the reported one. */
#include "hns_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Microsoft's OUI, as Hyper-V's own MACs use */
#define DR_MAC_OUI 0x00155D000000ULL

static bool management_ip(const struct hns *h, const struct hns_network *n,
			  char *buf, size_t len)
{
	const char *given = json_string_value(json_object_get(n->o.doc,
							      "ManagementIP"));

	if (given && *given) {
		snprintf(buf, len, "%s", given);
		return true;
	}
	return h->dp.uplink_address != NULL &&
	       h->dp.uplink_address(h->dp.ctx, buf, len) == 0 && buf[0] != '\0';
}

static void dr_mac(const struct hns_network *n, char buf[18])
{
	uint32_t hash = 2166136261u; /* FNV-1a of the ID */

	for (const char *c = n->o.id; *c; c++)
		hash = (hash ^ (uint8_t)*c) * 16777619u;
	hns_mac_format(DR_MAC_OUI | (hash & 0xFFFFFF), buf);
}

static bool has_policy(const json_t *policies, const char *type1,
		       const char *type2)
{
	const json_t *p;
	size_t i;

	json_array_foreach(policies, i, p) {
		const char *t = json_string_value(json_object_get(p, "Type"));

		if (t && (strcasecmp(t, type1) == 0 || strcasecmp(t, type2) == 0))
			return true;
	}
	return false;
}

void network_report_v1(const struct hns *h, const struct hns_network *n,
		       json_t *out)
{
	char ip[64];

	if (json_object_get(out, "ManagementIP") == NULL &&
	    management_ip(h, n, ip, sizeof(ip)))
		json_object_set_new(out, "ManagementIP", json_string(ip));
}

void network_report_v2(const struct hns *h, const struct hns_network *n,
		       json_t *policies)
{
	char ip[64], mac[18];

	if (!has_policy(policies, "ProviderAddress", "PA") &&
	    management_ip(h, n, ip, sizeof(ip)))
		json_array_append_new(policies, json_pack(
			"{s:s,s:{s:s}}", "Type", "ProviderAddress", "Settings",
			"ProviderAddress", ip));
	if (!has_policy(policies, "DrMacAddress", "DrMacAddress")) {
		dr_mac(n, mac);
		json_array_append_new(policies, json_pack(
			"{s:s,s:{s:s}}", "Type", "DrMacAddress", "Settings",
			"Address", mac));
	}
}
