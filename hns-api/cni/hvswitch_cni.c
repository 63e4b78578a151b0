/* hvswitch-cni: a CNI plugin (spec 1.0.0; 0.3.x/0.4.0 results; 1.1 STATUS
 * and GC) that puts a container on an hvswitch HNS network through the
 * daemon's REST API, the way win-bridge/sdnbridge use HNS on Windows:
 * ADD finds the network by name, creates endpoint <containerID>_<ifname>
 * (address from HNS IPAM, from runtimeConfig.ips, or from a delegated IPAM
 * plugin), an HNS namespace adopting CNI_NETNS (NetNsPath) and adds the
 * endpoint to it, so the daemon plumbs CNI_IFNAME there (InterfaceName);
 * DEL removes them (missing is success); CHECK looks at the interface.
 * Every call to the daemon is bounded (connect and total timeouts).
 * Layer: hns-api/cni/, hvswitch-cni, a CNI plugin (a REST client; uses
 * hnsctl's HTTP client, hnsctl_http.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* setns */
#endif
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "cni_ipam.h"
#include "cni_result.h"
#include "hnsctl_http.h"

#define DEFAULT_API "unix:/run/vswitchd/hns.sock"
#define CONNECT_TIMEOUT_S 3L
#define DEFAULT_TIMEOUT_S 30L

struct cni {
	const char *command, *container, *netns, *ifname;
	const char *version;   /* the config's cniVersion */
	char *conf_text;       /* stdin, as given (for an IPAM plugin) */
	json_t *conf;
	const char *network, *api, *ipam_type;
	long timeout_s;
	struct hc_http *http;
	char epname[256];
};

/* Prints the CNI error on stdout and exits 1 (spec: errors go to stdout). */
static void die(const struct cni *c, int code, const char *details,
		const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	json_t *e;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = cni_error_json(c && c->version ? c->version : NULL, code, msg, details);
	json_dumpf(e, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	exit(1);
}

/* One HNS call: returns the HTTP status (out: the envelope's Output, new
 * reference, or NULL) or dies when no answer came (daemon down, timeout).
 * hnserr gets the envelope's Error for a failed request. */
static long hns(struct cni *c, const char *method, const char *path, json_t *body,
		json_t **out, char *hnserr, size_t errlen)
{
	struct hc_response r;
	char err[512], *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_t *env;
	int rc;

	if (out)
		*out = NULL;
	hnserr[0] = '\0';
	rc = hc_http_request(c->http, method, path, text, &r, err, sizeof(err));
	free(text);
	if (rc < 0)
		die(c, CNI_ERR_TRY_LATER, c->api,
		    "hvswitch daemon at %s did not answer %s %s: %s", c->api,
		    method, path, err);
	env = json_loads(r.body, 0, NULL);
	if (!json_is_object(env)) {
		/* not an HNS envelope: report what came back */
		snprintf(hnserr, errlen, "HTTP %ld: %.200s", r.status, r.body);
	} else {
		const char *e = json_string_value(json_object_get(env, "Error"));

		snprintf(hnserr, errlen, "%s", e ? e : "");
		if (out && json_is_true(json_object_get(env, "Success")))
			*out = json_incref(json_object_get(env, "Output"));
	}
	json_decref(env);
	free(r.body);
	return r.status;
}

/* Dies with CNI_ERR_HNS unless the call succeeded (2xx). */
static json_t *hns_ok(struct cni *c, const char *method, const char *path,
		      json_t *body)
{
	char e[1024], d[64];
	json_t *out;
	long st = hns(c, method, path, body, &out, e, sizeof(e));

	if (st < 200 || st > 299) {
		snprintf(d, sizeof(d), "HTTP %ld from %s %s", st, method, path);
		die(c, CNI_ERR_HNS, d, "%s", e[0] ? e : "request failed");
	}
	return out ? out : json_null();
}

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The element of GET path's array whose key is value, or NULL. */
static json_t *find_by(struct cni *c, const char *path, const char *key,
		       const char *value)
{
	json_t *all = hns_ok(c, "GET", path, NULL), *v, *found = NULL;
	size_t i;

	json_array_foreach(all, i, v)
		if (value && sget(v, key) && strcmp(sget(v, key), value) == 0) {
			found = json_incref(v);
			break;
		}
	json_decref(all);
	return found;
}

/* /run/netns/x and /var/run/netns/x are one file: compare real paths. */
static bool same_path(const char *a, const char *b)
{
	char ra[4096], rb[4096];

	if (a == NULL || b == NULL)
		return false;
	if (strcmp(a, b) == 0)
		return true;
	return realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0;
}

static json_t *namespace_of_netns(struct cni *c, const char *netns)
{
	json_t *all = hns_ok(c, "GET", "/namespaces/", NULL), *v, *found = NULL;
	size_t i;

	json_array_foreach(all, i, v)
		if (same_path(sget(v, "NetNsPath"), netns)) {
			found = json_incref(v);
			break;
		}
	json_decref(all);
	return found;
}

/* The namespace holding endpoint id (its ResourceList), or NULL. */
static json_t *namespace_of_endpoint(struct cni *c, const char *id)
{
	json_t *all = hns_ok(c, "GET", "/namespaces/", NULL), *v, *r, *found = NULL;
	size_t i, j;

	json_array_foreach(all, i, v) {
		json_array_foreach(json_object_get(v, "ResourceList"), j, r) {
			const char *rid = sget(json_object_get(r, "Data"), "Id");

			if (rid && strcasecmp(rid, id) == 0 && !found)
				found = json_incref(v);
		}
	}
	json_decref(all);
	return found;
}

static void delete_quiet(struct cni *c, const char *kind, const char *id)
{
	char path[256], e[1024], d[64];
	long st;

	snprintf(path, sizeof(path), "/%s/%s", kind, id);
	st = hns(c, "DELETE", path, NULL, NULL, e, sizeof(e));
	if (st != 404 && (st < 200 || st > 299)) { /* gone already is success */
		snprintf(d, sizeof(d), "HTTP %ld from DELETE %s", st, path);
		die(c, CNI_ERR_HNS, d, "%s", e);
	}
}

/* Deletes the HNS namespace if it holds no endpoint any more (another
 * network's endpoint of the same container may still be in it). */
static void namespace_drop_if_empty(struct cni *c, const json_t *ns)
{
	char path[256], e[1024];
	json_t *cur;
	long st;

	if (ns == NULL)
		return;
	snprintf(path, sizeof(path), "/namespaces/%s", sget(ns, "ID"));
	st = hns(c, "GET", path, NULL, &cur, e, sizeof(e));
	if (st == 200 && json_array_size(json_object_get(cur, "ResourceList")) == 0)
		delete_quiet(c, "namespaces", sget(ns, "ID"));
	json_decref(cur);
}

/* Removes endpoint <container>_<ifname> and its namespace if emptied. */
static void teardown(struct cni *c)
{
	json_t *ep = find_by(c, "/endpoints/", "Name", c->epname), *ns = NULL;

	if (ep) {
		ns = namespace_of_endpoint(c, sget(ep, "ID"));
		delete_quiet(c, "endpoints", sget(ep, "ID"));
	}
	if (ns == NULL && c->netns && *c->netns)
		ns = namespace_of_netns(c, c->netns);
	namespace_drop_if_empty(c, ns);
	json_decref(ep);
	json_decref(ns);
}

/* CNI_ARGS "K=V;K2=V2" (podman passes IP= and MAC= there): V of key, or
 * NULL. Malloc'd: a second call must not overwrite the first's. */
static const char *cni_arg(const char *key)
{
	char val[256];
	const char *a = getenv("CNI_ARGS"), *p;
	size_t kl = strlen(key);

	for (p = a; p && *p; p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL)
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, ";");

			snprintf(val, sizeof(val), "%.*s", (int)n, p + kl + 1);
			return strdup(val);
		}
	return NULL;
}

/* "10.0.0.5/24" -> IPAddress (and PrefixLength) of body. */
static void set_address(json_t *body, const char *cidr)
{
	char a[80];
	const char *slash = strchr(cidr, '/');

	snprintf(a, sizeof(a), "%.*s", slash ? (int)(slash - cidr) : (int)strlen(cidr), cidr);
	json_object_set_new(body, strchr(a, ':') ? "IPv6Address" : "IPAddress", json_string(a));
	if (slash)
		json_object_set_new(body, strchr(a, ':') ? "IPv6PrefixLength" : "PrefixLength",
				    json_integer(atoi(slash + 1)));
}

static void cmd_add(struct cni *c)
{
	const json_t *rc = json_object_get(c->conf, "runtimeConfig");
	json_t *net, *body, *pols = json_array(), *ep, *ns, *res, *ipam = NULL, *got;
	char err[1024], path[256];
	const char *mac = NULL, *ip = NULL;
	bool ns_made = false;

	net = find_by(c, "/networks/", "Name", c->network);
	if (net == NULL)
		die(c, CNI_ERR_INVALID_CONFIG, c->network,
		    "network: no HNS network named '%s'", c->network);
	if (cni_config_policies(json_object_get(c->conf, "policies"), pols, err,
				sizeof(err)) < 0 ||
	    cni_capability_policies(rc, pols, err, sizeof(err)) < 0)
		die(c, CNI_ERR_INVALID_CONFIG, NULL, "%s", err);
	/* a repeated ADD (a runtime retrying) starts from nothing */
	teardown(c);

	body = json_pack("{s:s, s:s, s:s, s:o}", "Name", c->epname, "VirtualNetwork",
			 sget(net, "ID"), "InterfaceName", c->ifname, "Policies", pols);
	if (json_array_size(json_object_get(rc, "ips")))
		ip = json_string_value(json_array_get(json_object_get(rc, "ips"), 0));
	if (ip == NULL)
		ip = cni_arg("IP");
	mac = sget(rc, "mac");
	if (mac == NULL)
		mac = cni_arg("MAC");
	if (c->ipam_type) {
		if (cni_ipam_exec(c->ipam_type, "ADD", c->conf_text, &ipam, err,
				  sizeof(err)) < 0)
			die(c, CNI_ERR_IPAM, c->ipam_type, "%s", err);
		got = json_object_get(json_array_get(json_object_get(ipam, "ips"), 0),
				      "address");
		if (!json_is_string(got)) {
			cni_ipam_exec(c->ipam_type, "DEL", c->conf_text, &got, err, sizeof(err));
			die(c, CNI_ERR_IPAM, c->ipam_type, "ipam plugin returned no address");
		}
		set_address(body, json_string_value(got));
		got = json_object_get(json_array_get(json_object_get(ipam, "ips"), 0), "gateway");
		if (json_is_string(got))
			json_object_set(body, "GatewayAddress", got);
	} else if (ip) {
		set_address(body, ip);
	}
	if (mac) {
		char m[32];

		snprintf(m, sizeof(m), "%s", mac);
		for (char *p = m; *p; p++)
			if (*p == ':')
				*p = '-';
		json_object_set_new(body, "MacAddress", json_string(m));
	}

	/* From here on a failure removes what was made (die() would not). */
	{
		long st = hns(c, "POST", "/endpoints/", body, &ep, err, sizeof(err));
		char d[64];

		json_decref(body);
		if (st < 200 || st > 299) {
			json_t *x;

			if (ipam)
				cni_ipam_exec(c->ipam_type, "DEL", c->conf_text, &x, d, sizeof(d));
			snprintf(d, sizeof(d), "HTTP %ld from POST /endpoints/", st);
			die(c, CNI_ERR_HNS, d, "%s", err);
		}
	}
	ns = namespace_of_netns(c, c->netns);
	if (ns == NULL) {
		json_t *nb = json_pack("{s:s}", "NetNsPath", c->netns);
		long st = hns(c, "POST", "/namespaces/", nb, &ns, err, sizeof(err));

		json_decref(nb);
		if (st < 200 || st > 299)
			goto undo;
		ns_made = true;
	}
	snprintf(path, sizeof(path), "/namespaces/%s/addresource", sget(ns, "ID"));
	{
		json_t *ab = json_pack("{s:s, s:{s:s}}", "Type", "Endpoint", "Data", "Id",
				       sget(ep, "ID"));
		long st = hns(c, "POST", path, ab, NULL, err, sizeof(err));

		json_decref(ab);
		if (st < 200 || st > 299)
			goto undo;
	}
	snprintf(path, sizeof(path), "/endpoints/%s", sget(ep, "ID"));
	json_decref(ep);
	ep = hns_ok(c, "GET", path, NULL);
	res = cni_result_from_hns(c->version, ep, net, c->netns, ipam, err, sizeof(err));
	if (res == NULL)
		die(c, CNI_ERR_HNS, NULL, "%s", err);
	json_dumpf(res, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(res);
	json_decref(ep);
	json_decref(ns);
	json_decref(net);
	json_decref(ipam);
	return;
undo: {
		char e2[1024], d[64];
		json_t *x;

		delete_quiet(c, "endpoints", sget(ep, "ID"));
		if (ns_made)
			namespace_drop_if_empty(c, ns);
		if (ipam)
			cni_ipam_exec(c->ipam_type, "DEL", c->conf_text, &x, e2, sizeof(e2));
		snprintf(d, sizeof(d), "namespace of %s", c->netns);
		die(c, CNI_ERR_HNS, d, "%s", err);
	}
}

static void cmd_del(struct cni *c)
{
	char err[1024];
	json_t *x = NULL;

	teardown(c);
	/* the address is released even if the endpoint was gone already */
	if (c->ipam_type &&
	    cni_ipam_exec(c->ipam_type, "DEL", c->conf_text, &x, err, sizeof(err)) < 0)
		die(c, CNI_ERR_IPAM, c->ipam_type, "%s", err);
	json_decref(x);
}

/* CHECK: the endpoint exists, and in CNI_NETNS its interface is up with
 * the endpoint's MAC-independent address (setns: we are one thread). */
static void cmd_check(struct cni *c)
{
	json_t *ep = find_by(c, "/endpoints/", "Name", c->epname);
	const char *ip;
	struct ifaddrs *ifa, *i;
	bool found_if = false, found_ip = false;
	int fd;

	if (ep == NULL)
		die(c, CNI_ERR_UNKNOWN_CONTAINER, c->epname, "no HNS endpoint named %s",
		    c->epname);
	ip = sget(ep, "IPAddress");
	fd = open(c->netns, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		die(c, CNI_ERR_CHECK, c->netns, "cannot enter %s: %s", c->netns,
		    strerror(errno));
	close(fd);
	if (getifaddrs(&ifa) < 0)
		die(c, CNI_ERR_IO, NULL, "getifaddrs: %s", strerror(errno));
	for (i = ifa; i; i = i->ifa_next) {
		char host[NI_MAXHOST];

		if (strcmp(i->ifa_name, c->ifname) != 0)
			continue;
		found_if = true;
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    getnameinfo(i->ifa_addr, sizeof(struct sockaddr_in), host,
				sizeof(host), NULL, 0, NI_NUMERICHOST) == 0 &&
		    ip && strcmp(host, ip) == 0)
			found_ip = true;
	}
	freeifaddrs(ifa);
	if (!found_if)
		die(c, CNI_ERR_CHECK, c->netns, "interface %s is missing in %s",
		    c->ifname, c->netns);
	if (ip && *ip && !found_ip)
		die(c, CNI_ERR_CHECK, c->netns, "interface %s has lost address %s",
		    c->ifname, ip);
	json_decref(ep);
}

static void cmd_version(void)
{
	json_t *v = json_pack("{s:s, s:[]}", "cniVersion", "1.1.0", "supportedVersions");

	for (size_t i = 0; cni_supported_versions[i]; i++)
		json_array_append_new(json_object_get(v, "supportedVersions"),
				      json_string(cni_supported_versions[i]));
	json_dumpf(v, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(v);
}

static const char *env_need(struct cni *c, const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || !*v)
		die(c, CNI_ERR_INVALID_ENV, name, "%s is not set", name);
	return v;
}

static char *read_stdin(void)
{
	size_t len = 0, cap = 8192;
	char *b = malloc(cap);
	size_t n;

	while (b && (n = fread(b + len, 1, cap - len - 1, stdin)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *p = realloc(b, cap *= 2);

			if (p == NULL) {
				free(b);
				return NULL;
			}
			b = p;
		}
	}
	if (b)
		b[len] = '\0';
	return b;
}

int main(void)
{
	struct cni c = { 0 };
	json_error_t je;
	char err[512];

	c.command = getenv("CNI_COMMAND");
	if (c.command == NULL || !*c.command) {
		fprintf(stderr, "hvswitch-cni: a CNI plugin; run by a container "
			"runtime with CNI_COMMAND set (see README \"Containers (CNI)\")\n");
		die(&c, CNI_ERR_INVALID_ENV, "CNI_COMMAND", "CNI_COMMAND is not set");
	}
	if (strcmp(c.command, "VERSION") == 0) {
		cmd_version();
		return 0;
	}
	c.conf_text = read_stdin();
	c.conf = c.conf_text ? json_loads(c.conf_text, 0, &je) : NULL;
	if (!json_is_object(c.conf))
		die(&c, CNI_ERR_DECODE, NULL, "network config on stdin: %s",
		    c.conf ? "not an object" : je.text);
	c.version = sget(c.conf, "cniVersion");
	if (!cni_version_ok(c.version))
		die(&c, CNI_ERR_INCOMPATIBLE, c.version,
		    "cniVersion '%s' not supported (0.3.0 .. 1.1.0)",
		    c.version ? c.version : "");
	c.network = sget(c.conf, "network");
	c.api = sget(c.conf, "api") ? sget(c.conf, "api") : DEFAULT_API;
	c.ipam_type = sget(json_object_get(c.conf, "ipam"), "type");
	c.timeout_s = json_integer_value(json_object_get(c.conf, "timeout"));
	if (c.timeout_s <= 0)
		c.timeout_s = DEFAULT_TIMEOUT_S;
	if (c.network == NULL || !*c.network)
		c.network = sget(c.conf, "name"); /* default: the CNI network's name */
	c.http = hc_http_open(c.api, NULL, err, sizeof(err));
	if (c.http == NULL)
		die(&c, CNI_ERR_INVALID_CONFIG, "api", "api: %s", err);
	hc_http_set_timeouts(c.http, CONNECT_TIMEOUT_S, c.timeout_s);

	if (strcmp(c.command, "STATUS") == 0) {
		char e[256];
		json_t *o;

		if (hc_http_request(c.http, "GET", "/globals/version", NULL,
				    &(struct hc_response){0}, e, sizeof(e)) < 0)
			die(&c, CNI_ERR_NOT_AVAILABLE, c.api, "hvswitch daemon at %s: %s", c.api, e);
		o = find_by(&c, "/networks/", "Name", c.network);
		if (o == NULL)
			die(&c, CNI_ERR_NOT_AVAILABLE, c.network, "no HNS network named '%s'", c.network);
		json_decref(o);
		return 0;
	}
	if (strcmp(c.command, "GC") == 0)
		return 0; /* nothing cached outside the daemon; see README */
	c.container = env_need(&c, "CNI_CONTAINERID");
	c.ifname = env_need(&c, "CNI_IFNAME");
	c.netns = getenv("CNI_NETNS");
	snprintf(c.epname, sizeof(c.epname), "%s_%s", c.container, c.ifname);
	if (strcmp(c.command, "ADD") == 0) {
		env_need(&c, "CNI_NETNS");
		cmd_add(&c);
	} else if (strcmp(c.command, "DEL") == 0) {
		cmd_del(&c);
	} else if (strcmp(c.command, "CHECK") == 0) {
		env_need(&c, "CNI_NETNS");
		cmd_check(&c);
	} else {
		die(&c, CNI_ERR_INVALID_ENV, "CNI_COMMAND", "unknown CNI_COMMAND '%s'",
		    c.command);
	}
	hc_http_close(c.http);
	json_decref(c.conf);
	free(c.conf_text);
	return 0;
}
