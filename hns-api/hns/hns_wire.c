/* The HNS wire keys: every JSON field name of the v1 and v2 wire types
 * (hcsshim internal/hns and hcn, see ../shared/hns/WIRE-FIELDS.md) plus
 * hvswitch's own canonical names, and what the lenient REST parser does
 * with them.
 *
 * Real clients read keys case-insensitively and ignore unknown ones, and
 * they send every struct field they have. So a request is first brought
 * to the wire spelling (wire_normalize), then parsed by the tables; a key
 * that is no wire key at all is kept as given and reported in the reply's
 * "Warnings" (hns_warn), never refused. The startup config stays strict:
 * its herr has no warnings array. */
#include "hns_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const wire_keys[] = {
	/* v1 and v2 wire types (WIRE-FIELDS.md) */
	"ACL", "API", "Accelnet", "AclAddressLists", "AclHostRulePriority",
	"AclPortRanges", "AclRuleId", "AclSupportForProtocol252", "Action",
	"Address", "AddressPrefix", "AutomaticDNS", "BytesReceived", "BytesSent",
	"CompartmentId", "ContainerId", "DNSDomain", "DNSServerCompartment",
	"DNSServerList", "DNSSuffix", "DSR", "Data", "Destination",
	"DestinationPrefix", "Destinations", "Direction", "DisableHostPort",
	"DisableICC", "DistributedRouterMacAddress", "DistributionType", "Dns",
	"Domain", "DroppedPacketsIncoming", "DroppedPacketsOutgoing", "Enable",
	"EnableInternalDNS", "EnableLowMetric", "EncapOverhead", "EndMacAddress",
	"EndpointId", "Error", "ErrorCode", "ExceptionList", "Exceptions",
	"ExtensionID", "Extensions", "ExternalPort", "ExternalPortReserved",
	"Extra", "Filter", "FilterTuple", "Flags", "FrontendVIPs",
	"GatewayAddress", "GatewayAddressV6", "Health", "HostComputeEndpoints",
	"HostComputeNamespace", "HostComputeNetwork", "HostRoute", "ID", "ILB",
	"IP", "IPAddress", "IPv6Address", "IPv6DualStack", "IPv6PrefixLength",
	"Id", "InDefaultIsolation", "InboundExceptions", "InboundProxyPort",
	"InstanceId", "InterfaceAlias", "InterfaceDescription", "InterfaceGuid",
	"InterfaceIndex", "InterfaceLuid", "InterfaceMediaType", "InternalPort",
	"InterruptModeration", "IovOffloadWeight", "IpAddress",
	"IpAddressExceptions", "IpAddressPrefix", "IpConfigurations", "Ipams",
	"IsDSR", "IsDefault", "IsEnabled", "IsRemoteEndpoint", "IsolationId",
	"L4Proxy", "L4WfpProxy", "LayerId", "LayeredOn", "LocalAddresses",
	"LocalPort", "LocalPorts", "MacAddress", "MacPool", "MacPools", "Major",
	"ManagementIP", "MaxPortPoolUsage", "MaxVersion",
	"MaximumOutgoingBandwidthInBytes", "Metric", "MinVersion", "Minor",
	"ModifyLoadbalancer", "Name", "Namespace", "NamespaceId", "NeedEncap",
	"NestedIpSet", "NetworkACL", "NetworkAdapterName", "NextHop", "Options",
	"Order", "OutboundExceptions", "OutboundNAT", "OutboundNat",
	"OutboundProxyPort", "Output", "Overhead", "PA", "PacketsReceived",
	"PacketsSent", "Policies", "PolicyType", "Port", "PortExceptions",
	"PortId", "PortMappings", "PrefixLength", "Priority", "Protocol",
	"Protocols", "ProviderAddress", "QueuePairsRequested", "Ranges",
	"References", "RemoteAddresses", "RemotePort", "RemotePorts",
	"RemoteSubnet", "RequestType", "ResourceList", "ResourceType",
	"Resources", "Routes", "RuleType", "SchemaVersion", "Search",
	"ServerList", "ServiceName", "SessionAffinity", "SetPolicy", "Setting",
	"Settings", "SharedContainers", "Slash32EndpointPrefixes", "SourceMac",
	"SourceMacAddress", "SourceVIP", "StartMacAddress", "State", "Subnets",
	"Success", "SwitchGuid", "SystemType", "TierAcl", "TierAclRuleAction",
	"TierAclRules", "Type", "UserSID", "UtilityVM", "V1", "V2", "VIP",
	"VIPs", "VLAN", "VSID", "Values", "Version", "VirtualIP",
	"VirtualMachine", "VirtualMachineId", "VirtualNetwork",
	"VirtualNetworkName", "VirtualNicName", "VxlanPort",
	/* sent by real clients although not in those types */
	"AdditionalParams",
	/* hvswitch's own canonical and extension names */
	"Attached", "Devargs", "DNSOptions", "DNSSearch", "IpamType",
	"ReadyOnCreate", "Suffix", "Warnings",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* values that are opaque client data: their keys are never renamed */
static const char *const opaque_keys[] = { "AdditionalParams", "Health", NULL };

static const char *sorted[N(wire_keys)];
static size_t n_sorted;

static int by_name(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int c = strcasecmp(x, y);

	return c != 0 ? c : strcmp(x, y);
}

static void sort_once(void)
{
	if (n_sorted > 0)
		return;
	memcpy(sorted, wire_keys, sizeof(wire_keys));
	qsort(sorted, N(wire_keys), sizeof(sorted[0]), by_name);
	n_sorted = N(wire_keys);
}

/* The first wire key equal to key ignoring case (exact spelling first),
 * or NULL. */
static const char *wire_lookup(const char *key)
{
	size_t lo = 0, hi;
	const char *first = NULL;

	sort_once();
	hi = n_sorted;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcasecmp(sorted[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n_sorted && strcasecmp(sorted[lo], key) == 0; lo++) {
		if (strcmp(sorted[lo], key) == 0)
			return sorted[lo];
		if (first == NULL)
			first = sorted[lo];
	}
	return first;
}

bool wire_key_known(const char *key)
{
	return wire_lookup(key) != NULL;
}

static bool is_opaque(const char *key)
{
	for (const char *const *k = opaque_keys; *k; k++)
		if (strcmp(*k, key) == 0)
			return true;
	return false;
}

static int normalize_object(json_t *obj, const char *path, struct herr *e);

int wire_normalize(json_t *v, const char *path, struct herr *e)
{
	json_t *item;
	size_t i;
	char p[HNS_PATH_LEN];

	if (json_is_object(v))
		return normalize_object(v, path, e);
	json_array_foreach(v, i, item)
		if (wire_normalize(item, pindex(p, path, i), e) < 0)
			return -1;
	return 0;
}

static int normalize_object(json_t *obj, const char *path, struct herr *e)
{
	const char *key;
	json_t *v, *renamed = json_object();
	void *tmp;
	char p[HNS_PATH_LEN];
	int r = 0;

	json_object_foreach_safe(obj, tmp, key, v) {
		const char *canon = wire_lookup(key);

		if (canon == NULL)
			continue; /* unknown: kept verbatim, children too */
		if (strcmp(canon, key) != 0) {
			json_object_set(renamed, canon, v);
			json_object_del(obj, key);
		}
	}
	json_object_foreach(renamed, key, v) {
		if (json_object_get(obj, key)) {
			r = hfail(e, 400, pmember(p, path, key),
				  "given twice (keys are not case-sensitive)");
			break;
		}
		json_object_set(obj, key, v);
	}
	json_decref(renamed);
	json_object_foreach(obj, key, v)
		if (r == 0 && wire_lookup(key) && !is_opaque(key))
			r = wire_normalize(v, pmember(p, path, key), e);
	return r;
}

void wire_copy_unknown(const json_t *from, json_t *to)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)from, key, v)
		if (!wire_key_known(key) && strcmp(key, HNS_KEPT_KEY) != 0 &&
		    json_object_get(to, key) == NULL)
			json_object_set(to, key, v);
}

void hns_kept_record(struct herr *e, const char *path, const char *key,
		     const json_t *v)
{
	json_t *at;

	if (e->kept == NULL)
		return;
	at = json_object_get(e->kept, path);
	if (at == NULL) {
		at = json_object();
		json_object_set_new(e->kept, path, at);
	}
	json_object_set_new(at, key, json_deep_copy(v));
}

void hns_kept_store(struct herr *e, json_t *doc, bool v2)
{
	if (e->kept == NULL || json_object_size(e->kept) == 0)
		return;
	json_object_set_new(doc, HNS_KEPT_KEY,
			    json_pack("{s:s, s:o}", "View", v2 ? "v2" : "v1",
				      "At", json_deep_copy(e->kept)));
	json_object_clear(e->kept); /* one object per request keeps them */
}

/* The member of out a path like "Ipams[0].Subnets[1]" names, or NULL. */
static json_t *path_find(json_t *out, const char *path)
{
	char buf[HNS_PATH_LEN], *save = NULL;
	json_t *cur = out;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *t = strtok_r(buf, ".", &save); t && cur; t = strtok_r(NULL, ".", &save)) {
		char *br = strchr(t, '[');

		if (br != NULL)
			*br = '\0';
		cur = json_object_get(cur, t);
		while (br != NULL && cur != NULL) {
			char *end;
			unsigned long i = strtoul(br + 1, &end, 10);

			if (*end != ']')
				return NULL;
			cur = json_array_get(cur, i);
			br = strchr(end, '[');
		}
	}
	return json_is_object(cur) ? cur : NULL;
}

void hns_kept_apply(const json_t *doc, json_t *out, bool v2)
{
	const json_t *kept = json_object_get(doc, HNS_KEPT_KEY), *keys, *v;
	const char *view = json_string_value(json_object_get(kept, "View"));
	const char *path, *key;

	json_object_del(out, HNS_KEPT_KEY);
	if (view == NULL || strcmp(view, v2 ? "v2" : "v1") != 0)
		return;
	json_object_foreach((json_t *)json_object_get(kept, "At"), path, keys) {
		json_t *at = path_find(out, path);

		if (at == NULL)
			continue;
		json_object_foreach((json_t *)keys, key, v)
			if (json_object_get(at, key) == NULL)
				json_object_set(at, key, (json_t *)v);
	}
}

void hns_warn(struct herr *e, const char *path, const char *fmt, ...)
{
	char text[512];
	int n = 0;
	va_list ap;

	if (e->warnings == NULL)
		return;
	if (path != NULL)
		n = snprintf(text, sizeof(text), "%s: ", path[0] ? path : "(root)");
	if (n < 0 || (size_t)n >= sizeof(text))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(text + n, sizeof(text) - (size_t)n, fmt, ap);
	va_end(ap);
	json_array_append_new(e->warnings, json_string(text));
	if (e->logged && json_object_get(e->logged, text) == NULL) {
		json_object_set_new(e->logged, text, json_true());
		fprintf(stderr, "vswitchd: HNS: accepted, not enforced: %s\n", text);
	}
}

int hns_check_members(const json_t *obj, const char *path,
		      const char *const *allowed, struct herr *e)
{
	const char *key;
	json_t *v;
	char p[HNS_PATH_LEN];

	if (e->warnings == NULL) {
		if (json_check_members(obj, path, allowed, HJE(e)) < 0)
			return hje_fail(e);
		return 0;
	}
	json_object_foreach((json_t *)obj, key, v) {
		bool known = false;

		for (const char *const *a = allowed; *a && !known; a++)
			known = strcmp(*a, key) == 0;
		if (known)
			continue;
		if (wire_key_known(key)) {
			hns_warn(e, pmember(p, path, key), "not a field here; ignored");
			continue;
		}
		hns_warn(e, pmember(p, path, key),
			 "not an HNS field; kept as given, not enforced");
		hns_kept_record(e, path, key, v);
	}
	return 0;
}
