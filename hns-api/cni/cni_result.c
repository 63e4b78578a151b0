/* hvswitch-cni's pure JSON (cni_result.h): results, errors, versions and
 * the policies of runtime capabilities. */
#include "cni_result.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *const cni_supported_versions[] = {
	"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL,
};

bool cni_version_ok(const char *v)
{
	for (size_t i = 0; v && cni_supported_versions[i]; i++)
		if (strcmp(v, cni_supported_versions[i]) == 0)
			return true;
	return false;
}

bool cni_version_pre1(const char *v)
{
	return v && strncmp(v, "0.", 2) == 0;
}

json_t *cni_error_json(const char *version, int code, const char *msg,
		       const char *details)
{
	json_t *o = json_pack("{s:s, s:i, s:s}", "cniVersion",
			      version && *version ? version : "1.0.0", "code",
			      code, "msg", msg ? msg : "");

	if (o && details && *details)
		json_object_set_new(o, "details", json_string(details));
	return o;
}

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* "02-15-5D-00-00-01" (HNS) -> "02:15:5d:00:00:01" (CNI, as ip link). */
static void mac_text(const char *hns, char out[18])
{
	size_t i;

	for (i = 0; hns[i] && i < 17; i++)
		out[i] = hns[i] == '-' ? ':' : (char)tolower((unsigned char)hns[i]);
	out[i] = '\0';
}

/* One ip entry of the result. */
static json_t *ip_entry(const char *version, const char *addr, json_int_t len,
			const char *gw, bool v6)
{
	char cidr[80];
	json_t *ip;

	snprintf(cidr, sizeof(cidr), "%s/%lld", addr, (long long)len);
	ip = json_pack("{s:s, s:i}", "address", cidr, "interface", 0);
	if (gw && *gw)
		json_object_set_new(ip, "gateway", json_string(gw));
	if (cni_version_pre1(version))
		json_object_set_new(ip, "version", json_string(v6 ? "6" : "4"));
	return ip;
}

/* "a,b" (HNS DNSServerList) appended to arr, without duplicates. */
static void add_servers(json_t *arr, const char *csv)
{
	char buf[1024], *save = NULL, *t;

	if (csv == NULL)
		return;
	snprintf(buf, sizeof(buf), "%s", csv);
	for (t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		size_t i;
		json_t *v;
		bool dup = false;

		json_array_foreach(arr, i, v)
			if (strcmp(json_string_value(v), t) == 0)
				dup = true;
		if (!dup)
			json_array_append_new(arr, json_string(t));
	}
}

static json_t *dns_of(const json_t *endpoint, const json_t *network,
		      const json_t *prev)
{
	json_t *dns = json_object(), *servers = json_array(), *search = json_array();
	const json_t *pd = json_object_get(prev, "dns");
	const char *domain = sget(endpoint, "DNSSuffix");
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(pd, "nameservers"), i, v)
		json_array_append(servers, v);
	add_servers(servers, sget(endpoint, "DNSServerList"));
	add_servers(servers, sget(network, "DNSServerList"));
	if (domain == NULL || !*domain)
		domain = sget(network, "DNSSuffix");
	if (domain == NULL || !*domain)
		domain = sget(pd, "domain");
	if (json_array_size(servers))
		json_object_set(dns, "nameservers", servers);
	if (domain && *domain) {
		json_object_set_new(dns, "domain", json_string(domain));
		json_array_append_new(search, json_string(domain));
	}
	json_array_foreach(json_object_get(pd, "search"), i, v)
		if (!domain || strcmp(json_string_value(v) ? json_string_value(v) : "", domain))
			json_array_append(search, v);
	if (json_array_size(search))
		json_object_set(dns, "search", search);
	json_decref(servers);
	json_decref(search);
	return dns;
}

json_t *cni_result_from_hns(const char *version, const json_t *endpoint,
			    const json_t *network, const char *sandbox,
			    const json_t *prev_ipam, char *err, size_t errlen)
{
	const char *mac = sget(endpoint, "MacAddress");
	const char *ifname = sget(endpoint, "InterfaceName");
	const char *ip4 = sget(endpoint, "IPAddress");
	const char *ip6 = sget(endpoint, "IPv6Address");
	const char *gw4 = sget(endpoint, "GatewayAddress");
	const char *gw6 = sget(endpoint, "GatewayAddressV6");
	json_t *res, *ifs, *ips, *routes, *v;
	char m[18];
	size_t i;

	if (mac == NULL || ifname == NULL) {
		snprintf(err, errlen, "endpoint %s has no %s", sget(endpoint, "ID") ?
			 sget(endpoint, "ID") : "?", mac ? "InterfaceName (not plumbed)" :
			 "MacAddress");
		return NULL;
	}
	mac_text(mac, m);
	res = json_pack("{s:s}", "cniVersion", version);
	ifs = json_pack("[{s:s, s:s, s:s}]", "name", ifname, "mac", m, "sandbox",
			sandbox ? sandbox : "");
	json_object_set_new(res, "interfaces", ifs);
	ips = json_array();
	routes = json_array();
	if (prev_ipam != NULL) {
		json_array_foreach(json_object_get(prev_ipam, "ips"), i, v) {
			json_t *c = json_deep_copy(v);

			json_object_set_new(c, "interface", json_integer(0));
			if (!cni_version_pre1(version))
				json_object_del(c, "version");
			else if (!json_object_get(c, "version"))
				json_object_set_new(c, "version", json_string(
					strchr(sget(c, "address") ? sget(c, "address") : "", ':')
					? "6" : "4"));
			json_array_append_new(ips, c);
		}
		json_array_extend(routes, json_object_get(prev_ipam, "routes"));
	} else {
		if (ip4 && *ip4)
			json_array_append_new(ips, ip_entry(version, ip4,
				json_integer_value(json_object_get(endpoint, "PrefixLength")),
				gw4, false));
		if (ip6 && *ip6)
			json_array_append_new(ips, ip_entry(version, ip6,
				json_integer_value(json_object_get(endpoint, "IPv6PrefixLength")),
				gw6, true));
	}
	if (json_array_size(ips) == 0) {
		snprintf(err, errlen, "endpoint has no IP address");
		json_decref(ips);
		json_decref(routes);
		json_decref(res);
		return NULL;
	}
	/* the daemon routes the namespace's first interface by its gateway */
	if (json_array_size(routes) == 0) {
		if (gw4 && *gw4)
			json_array_append_new(routes, json_pack("{s:s, s:s}", "dst",
				"0.0.0.0/0", "gw", gw4));
		if (gw6 && *gw6)
			json_array_append_new(routes, json_pack("{s:s, s:s}", "dst",
				"::/0", "gw", gw6));
	}
	json_object_set_new(res, "ips", ips);
	if (json_array_size(routes))
		json_object_set_new(res, "routes", routes);
	else
		json_decref(routes);
	v = dns_of(endpoint, network, prev_ipam);
	json_object_set_new(res, "dns", v);
	return res;
}

static int proto_number(const char *p)
{
	if (p == NULL || !*p || strcasecmp(p, "tcp") == 0)
		return 6;
	if (strcasecmp(p, "udp") == 0)
		return 17;
	if (strcasecmp(p, "sctp") == 0)
		return 132;
	return -1;
}

int cni_capability_policies(const json_t *rc, json_t *policies, char *err,
			    size_t errlen)
{
	const json_t *pm = json_object_get(rc, "portMappings");
	const json_t *bw = json_object_get(rc, "bandwidth");
	size_t i;
	json_t *m;

	json_array_foreach(pm, i, m) {
		json_int_t hp = json_integer_value(json_object_get(m, "hostPort"));
		json_int_t cp = json_integer_value(json_object_get(m, "containerPort"));
		const char *proto = sget(m, "protocol");
		const char *vip = sget(m, "hostIP");
		int pn = proto_number(proto);
		json_t *p;

		if (hp < 1 || hp > 65535 || cp < 1 || cp > 65535) {
			snprintf(err, errlen, "runtimeConfig.portMappings[%zu]: hostPort "
				 "and containerPort must be 1..65535", i);
			return -1;
		}
		if (pn < 0 || pn == 132) {
			snprintf(err, errlen, "runtimeConfig.portMappings[%zu].protocol: "
				 "'%s' is not tcp or udp", i, proto);
			return -1;
		}
		p = json_pack("{s:s, s:s, s:I, s:I}", "Type", "NAT", "Protocol",
			      pn == 6 ? "TCP" : "UDP", "InternalPort", cp,
			      "ExternalPort", hp);
		/* "0.0.0.0" / "::" mean every address: no VIP */
		if (vip && *vip && strcmp(vip, "0.0.0.0") && strcmp(vip, "::"))
			json_object_set_new(p, "VIP", json_string(vip));
		json_array_append_new(policies, p);
	}
	if (json_is_object(bw)) {
		json_int_t rate = json_integer_value(json_object_get(bw, "egressRate"));

		if (rate < 0) {
			snprintf(err, errlen, "runtimeConfig.bandwidth.egressRate: negative");
			return -1;
		}
		/* bits/s -> bytes/s, never 0 (no cap) for a tiny rate */
		if (rate > 0)
			json_array_append_new(policies, json_pack("{s:s, s:I}", "Type",
				"QOS", "MaximumOutgoingBandwidthInBytes",
				rate / 8 ? rate / 8 : 1));
	}
	return 0;
}

int cni_config_policies(const json_t *conf, json_t *policies, char *err,
			size_t errlen)
{
	size_t i;
	json_t *p;

	if (conf != NULL && !json_is_array(conf)) {
		snprintf(err, errlen, "policies: must be an array");
		return -1;
	}
	json_array_foreach(conf, i, p) {
		const char *name = sget(p, "Name") ? sget(p, "Name") : sget(p, "name");
		const json_t *val = json_object_get(p, "Value");

		if (val == NULL)
			val = json_object_get(p, "value");
		if (name != NULL) {
			if (strcasecmp(name, "EndpointPolicy") != 0)
				continue; /* e.g. win-bridge's network policies */
			if (!json_is_object(val) || !sget(val, "Type")) {
				snprintf(err, errlen, "policies[%zu].Value: must be an "
					 "HNS policy object with a Type", i);
				return -1;
			}
			json_array_append(policies, (json_t *)val);
		} else if (json_is_object(p) && sget(p, "Type")) {
			json_array_append(policies, p);
		} else {
			snprintf(err, errlen, "policies[%zu]: neither {\"Name\": "
				 "\"EndpointPolicy\", \"Value\": ...} nor an HNS policy", i);
			return -1;
		}
	}
	return 0;
}
