/* HNS namespaces and attaches plumbed in Linux (ns_hns.h). */
#include "ns_hns.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host_link.h"
#include "host_netns.h"
#include "host_offload.h"
#include "host_veth.h"
#include "ports.h"

/* A pod's port is a tap (net_hvtap) by default: the tap is the pod's
 * interface, and TSO frames and partial checksums cross the switch whole
 * (README "Pod networking: port kinds": ~10x net_af_packet's throughput).
 * net_af_xdp does not survive hot-plug cycles here (after two plugs and
 * removals in one process every further AF_XDP port fails), so it is only
 * had by asking. */
#define DEFAULT_KIND "tap"
/* --pod-port-pool's spares are veths with net_af_packet ports; with a pool
 * the default kind is theirs, so that a plumb takes one (the pool is asked
 * for plumb latency). */
#define SPARE_KIND "af_packet"
#define MAX_PODIFS 64 /* eth0..eth63 in one namespace */
/* A failed spare is not tried again for this long (seconds): a full
 * switch or a kernel refusing veths should not cost every control loop
 * a failing netlink exchange. */
#define SPARE_RETRY_SEC 10
/* Spares are made only after the API has left namespaces alone this long
 * (ms): making one blocks the control loop for a port's set-up (~50 ms),
 * which must not land between a CNI ADD's POST /v2/namespaces and its
 * PATCH Add, nor between two pods of a burst. */
#define POOL_QUIET_MS 10

/* A pod's interface made ahead of need (--pod-port-pool): a veth whose
 * outer end is already a net_af_packet switch port, its inner end down
 * in a namespace of its own, made with it. POST /v2/namespaces takes that
 * namespace (under the HNS namespace's name) with the interface in it, so
 * the plumb that follows only renames and configures it: moving a link
 * between namespaces waits for a kernel RCU grace period (15-30 ms), most
 * of what a plumb took. An adopted namespace gets a spare moved in. */
struct spare {
	char outer[IF_NAMESIZE]; /* "hv<tag>sp<6 hex>": the sweep's pattern */
	char inner[IF_NAMESIZE]; /* "hq<tag>sp<6 hex>": goes with its outer end */
	char netns[64];          /* where inner is: "hvp<tag>sp<6 hex>", then the
				  * HNS namespace's name once given to one */
};

#define NS_RESERVED_MAX 32 /* namespaces holding a spare, not yet plumbed */
#define NS_STALE_MAX 64   /* pool namespace names waiting to be removed */

struct ns_hns {
	struct ports *ports;
	char tag[5];     /* 4 hex digits: this daemon's interfaces */
	bool keep;       /* a state re-plumbs after a restart */
	json_t *live;    /* port name -> plumb record, what exists now */
	json_t *owned;   /* namespace name -> true: made by us */
	unsigned plugs;  /* interfaces made (outer_name) */
	unsigned pool;   /* spares to keep (0: none) */
	unsigned nb_spares, spare_seq;
	struct spare spares[NS_HNS_POOL_MAX];
	/* spares given with a namespace (netns: its name), until its first
	 * plumb takes them or it is deleted */
	unsigned nb_reserved;
	struct spare reserved[NS_RESERVED_MAX];
	/* pool names of namespaces now known by another name (or emptied):
	 * removed between requests */
	unsigned nb_stale;
	char stale[NS_STALE_MAX][64];
	time_t spare_failed; /* when making one last failed, 0: never */
	uint64_t last_use_ms; /* the last namespace or plumb request */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void stale_add(struct ns_hns *nh, const char *name)
{
	char err[256];
	size_t n = strnlen(name, sizeof(nh->stale[0]) - 1);

	if (nh->nb_stale < NS_STALE_MAX) {
		memmove(nh->stale[nh->nb_stale], name, n);
		nh->stale[nh->nb_stale++][n] = '\0';
	} else if (host_netns_delete(name, err, sizeof(err)) < 0)
		fprintf(stderr, "vswitchd: namespace %s: %s\n", name, err);
}

static void stale_remove_all(struct ns_hns *nh)
{
	char err[256];

	while (nh->nb_stale > 0) {
		const char *name = nh->stale[--nh->nb_stale];

		if (host_netns_exists(name) && host_netns_delete(name, err, sizeof(err)) < 0)
			fprintf(stderr, "vswitchd: namespace %s: %s\n", name, err);
	}
}

static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

struct ns_hns *ns_hns_create(struct ports *ports, const char *state_path)
{
	struct ns_hns *nh = calloc(1, sizeof(*nh));
	uint32_t hash = 2166136261u; /* FNV-1a */
	char real[PATH_MAX];
	const char *key;

	if (nh == NULL)
		return NULL;
	nh->ports = ports;
	nh->keep = state_path != NULL;
	nh->live = json_object();
	nh->owned = json_object();
	if (state_path != NULL) {
		key = realpath(state_path, real) ? real : state_path;
		for (const char *c = key; *c; c++)
			hash = (hash ^ (uint8_t)*c) * 16777619u;
	} else {
		hash = (uint32_t)getpid() * 2654435761u ^ (uint32_t)time(NULL);
	}
	snprintf(nh->tag, sizeof(nh->tag), "%04x", (hash ^ (hash >> 16)) & 0xffff);
	return nh;
}

void ns_hns_destroy(struct ns_hns *nh)
{
	const char *name;
	json_t *rec;
	char err[256];

	if (nh == NULL)
		return;
	/* the workers stopped: the ports close with the switch, the
	 * interfaces under them go now */
	json_object_foreach(nh->live, name, rec)
		if (host_link_delete(HOST_NETNS_SELF, jstr(rec, "HostInterfaceName"),
				     err, sizeof(err)) < 0)
			fprintf(stderr, "vswitchd: stop: %s\n", err);
	for (unsigned i = 0; i < nh->nb_spares; i++) {
		if (host_link_delete(HOST_NETNS_SELF, nh->spares[i].outer, err, sizeof(err)) < 0)
			fprintf(stderr, "vswitchd: stop: %s\n", err);
		stale_add(nh, nh->spares[i].netns);
	}
	for (unsigned i = 0; i < nh->nb_reserved; i++)
		if (host_link_delete(HOST_NETNS_SELF, nh->reserved[i].outer, err, sizeof(err)) < 0)
			fprintf(stderr, "vswitchd: stop: %s\n", err);
	stale_remove_all(nh);
	if (!nh->keep)
		json_object_foreach(nh->owned, name, rec)
			if (host_netns_delete(name, err, sizeof(err)) < 0)
				fprintf(stderr, "vswitchd: stop: namespace %s: %s\n", name, err);
	json_decref(nh->live);
	json_decref(nh->owned);
	free(nh);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void spare_drop(struct ns_hns *nh, const struct spare *sp);

/* The pool's oldest spare, out of the pool (the caller checked it has one). */
static struct spare pool_take_first(struct ns_hns *nh)
{
	struct spare sp = nh->spares[0];

	memmove(&nh->spares[0], &nh->spares[1], --nh->nb_spares * sizeof(sp));
	return sp;
}

/* A new HNS namespace from the pool: the first spare's namespace, given
 * the HNS namespace's name (its pool name goes between requests), the
 * spare kept for that namespace's first plumb. 0, or -1: make one anew. */
static int give_spare_namespace(struct ns_hns *nh, const char *ns_id)
{
	struct spare sp;
	char why[384];

	if (nh->nb_spares == 0 || nh->nb_reserved == NS_RESERVED_MAX ||
	    strlen(ns_id) >= sizeof(sp.netns))
		return -1;
	sp = pool_take_first(nh);
	if (host_netns_alias(sp.netns, ns_id, why, sizeof(why)) < 0) {
		fprintf(stderr, "vswitchd: spare %s: %s (making a namespace)\n", sp.outer, why);
		spare_drop(nh, &sp);
		return -1;
	}
	stale_add(nh, sp.netns);
	snprintf(sp.netns, sizeof(sp.netns), "%s", ns_id);
	nh->reserved[nh->nb_reserved++] = sp;
	return 0;
}

/* The spare reserved for the namespace named name: its index, or -1. */
static int reserved_find(const struct ns_hns *nh, const char *name)
{
	for (unsigned i = 0; i < nh->nb_reserved; i++)
		if (strcmp(nh->reserved[i].netns, name) == 0)
			return (int)i;
	return -1;
}

static struct spare reserved_take(struct ns_hns *nh, int i)
{
	struct spare sp = nh->reserved[i];

	memmove(&nh->reserved[i], &nh->reserved[i + 1],
		(--nh->nb_reserved - (unsigned)i) * sizeof(sp));
	return sp;
}

int ns_hns_netns_make(struct ns_hns *nh, const char *ns_id, const char *path,
		      json_t **record, char *err, size_t errlen)
{
	char made[PATH_MAX], why[384];
	int fd;

	nh->last_use_ms = now_ms();
	if (path != NULL) { /* adopted: it must be a network namespace now */
		fd = host_netns_open(path, why, sizeof(why));
		if (fd < 0) {
			snprintf(err, errlen, "NetNsPath: %s", why);
			return 400;
		}
		close(fd);
		*record = json_pack("{s:s, s:b}", "NetNsPath", path, "NetNsOwned", 0);
		return 0;
	}
	if (host_netns_path(ns_id, made, sizeof(made), why, sizeof(why)) < 0) {
		snprintf(err, errlen, "ID: %s", why);
		return 400;
	}
	/* named by the GUID: one already there is ours from before (a kill -9
	 * between making it and storing it, or a restore after a reboot) */
	if (!host_netns_exists(ns_id) && give_spare_namespace(nh, ns_id) < 0 &&
	    host_netns_create(ns_id, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "NetNsPath: cannot make %s: %s", made, why);
		return 500;
	}
	json_object_set_new(nh->owned, ns_id, json_true());
	*record = json_pack("{s:s, s:b}", "NetNsPath", made, "NetNsOwned", 1);
	return 0;
}

static int mac_text(const char *s, uint8_t mac[6])
{
	unsigned v[6];

	if (sscanf(s, "%2x%*1[-:]%2x%*1[-:]%2x%*1[-:]%2x%*1[-:]%2x%*1[-:]%2x",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

/* The prefix's host bits cleared (the kernel refuses a route with them). */
static void prefix_clear_host_bits(struct host_ip *ip)
{
	uint8_t *b = ip->family == AF_INET ? (uint8_t *)&ip->addr.v4 : ip->addr.v6.s6_addr;
	unsigned bytes = ip->family == AF_INET ? 4 : 16;

	for (unsigned i = 0; i < bytes; i++) {
		unsigned keep = ip->prefix_len > i * 8 ? ip->prefix_len - i * 8 : 0;

		if (keep < 8)
			b[i] &= (uint8_t)(0xff00u >> keep);
	}
}

/* The endpoint's Routes beside the default ones (the HNS model took each
 * family's default route's NextHop as its gateway and checked the rest's
 * fields), at most HOST_VETH_MAX_ROUTES; one it cannot read is skipped. */
static void fill_routes(struct host_veth_spec *s, const json_t *ep)
{
	const json_t *r;
	size_t i;
	int n = 0;
	char err[128];

	json_array_foreach(json_object_get(ep, "Routes"), i, r) {
		struct host_route *hr = &s->routes[n];
		const char *dst = jstr(r, "DestinationPrefix"), *via = jstr(r, "NextHop");

		if (n == HOST_VETH_MAX_ROUTES)
			break;
		if (host_ip_parse(dst, &hr->dst, err, sizeof(err)) < 0 ||
		    hr->dst.prefix_len == 0 || /* a default route: the gateway's */
		    (via[0] != '\0' && host_ip_parse(via, &hr->via, err, sizeof(err)) < 0) ||
		    (hr->via.family != 0 && hr->via.family != hr->dst.family)) {
			memset(hr, 0, sizeof(*hr));
			continue;
		}
		prefix_clear_host_bits(&hr->dst);
		/* 0.0.0.0 / :: as next hop: on the link */
		if (hr->via.family != 0 && strspn(via, "0.:") == strlen(via))
			hr->via.family = 0;
		n++;
	}
}

/* The endpoint's MAC, addresses, MTU and (in a pod) its routes: the
 * default ones only on the namespace's first interface. */
static void fill_spec(struct host_veth_spec *s, const json_t *ep, bool pod,
		      bool default_routes)
{
	const char *ip = jstr(ep, "IPAddress"), *ip6 = jstr(ep, "IPv6Address");
	int n = 0;

	json_int_t encap = json_integer_value(json_object_get(ep, "EncapOverhead"));

	s->set_mac = mac_text(jstr(ep, "MacAddress"), s->mac) == 0;
	/* an encapsulating network's endpoint leaves room for the header */
	if (encap > 0 && encap < 1500 - 68)
		s->mtu = (uint32_t)(1500 - encap);
	if (inet_pton(AF_INET, ip, &s->addrs[n].addr.v4) == 1) {
		json_t *pl = json_object_get(ep, "PrefixLength");

		s->addrs[n].family = AF_INET;
		s->addrs[n++].prefix_len = pl ? (uint8_t)json_integer_value(pl) : 32;
	}
	if (inet_pton(AF_INET6, ip6, &s->addrs[n].addr.v6) == 1) {
		json_t *pl = json_object_get(ep, "IPv6PrefixLength");

		s->addrs[n].family = AF_INET6;
		s->addrs[n++].prefix_len = pl ? (uint8_t)json_integer_value(pl) : 128;
	}
	if (!pod)
		return;
	fill_routes(s, ep);
	if (!default_routes)
		return;
	if (inet_pton(AF_INET, jstr(ep, "GatewayAddress"), &s->gateway4.addr.v4) == 1)
		s->gateway4.family = AF_INET;
	if (inet_pton(AF_INET6, jstr(ep, "GatewayAddressV6"), &s->gateway6.addr.v6) == 1)
		s->gateway6.family = AF_INET6;
}

/* "hv", the tag, the GUID's first 6 hex digits and a plug count (2 hex
 * digits): 14 characters. The count makes a re-plug of one endpoint a new
 * interface name, so it never meets the previous one while the kernel
 * is still deleting it, nor a PMD's leftovers named after it. */
static void outer_name(struct ns_hns *nh, const char *id, char out[IF_NAMESIZE])
{
	char hex[7];
	int n = 0;

	for (const char *c = id; *c && n < 6; c++)
		if (*c != '-')
			hex[n++] = (char)(*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c);
	hex[n] = '\0';
	snprintf(out, IF_NAMESIZE, "hv%s%s%02x", nh->tag, hex, nh->plugs++ & 0xff);
}

/* Plugs switch port ifname of kind's PMD on interface iface. For "tap"
 * the port makes the tap iface in the calling thread's namespace, and
 * offload says whether it takes TSO and partial checksums; the veth kinds
 * open the outer end, iface == ifname. 0, or a status. */
static int add_port(struct ns_hns *nh, const char *ifname, const char *iface,
		    const char *kind, bool offload, char *err, size_t errlen)
{
	char devargs[160], why[512] = "";
	int rc;

	if (ports_find(nh->ports, ifname) >= 0)
		return 0; /* still there (restore of a live daemon's state) */
	if (strcmp(kind, "af_xdp") == 0)
		snprintf(devargs, sizeof(devargs),
			 "net_af_xdp_%s,iface=%s,start_queue=0,queue_count=1", ifname, ifname);
	else if (strcmp(kind, "tap") == 0)
		snprintf(devargs, sizeof(devargs), "net_hvtap_%s,iface=%s,offload=%d", ifname,
			 iface, offload);
	else
		snprintf(devargs, sizeof(devargs), "net_af_packet_%s,iface=%s", ifname,
			 ifname);
	rc = ports_add_device(nh->ports, ifname, devargs, why, sizeof(why));
	if (rc == 0)
		return 0;
	snprintf(err, errlen, "PortKind: cannot plug %s as %s: %s", ifname, kind, why);
	return rc == 403 ? 403 : 400;
}

/* ---- the pool of spares (--pod-port-pool) ---- */

/* A spare goes: its port, its pair (the outer end takes the inner one
 * along, wherever it is), and its pool namespace if it still has one. */
static void spare_drop(struct ns_hns *nh, const struct spare *sp)
{
	char err[256], pool[8];

	if (ports_find(nh->ports, sp->outer) >= 0)
		ports_remove(nh->ports, sp->outer, err, sizeof(err));
	if (host_link_exists(HOST_NETNS_SELF, sp->outer))
		host_link_delete(HOST_NETNS_SELF, sp->outer, err, sizeof(err));
	snprintf(pool, sizeof(pool), "hvp%s", nh->tag);
	if (strncmp(sp->netns, pool, strlen(pool)) == 0)
		stale_add(nh, sp->netns);
}

void ns_hns_set_pool(struct ns_hns *nh, unsigned spares)
{
	nh->pool = spares < NS_HNS_POOL_MAX ? spares : NS_HNS_POOL_MAX;
	while (nh->nb_spares > nh->pool)
		spare_drop(nh, &nh->spares[--nh->nb_spares]);
}

/* Makes one spare: its namespace, the pair with the inner end in it,
 * transmit offloads off on both ends (the switch finishes no checksum),
 * the outer end plugged. 0, or -1 with err and nothing left. */
static int spare_make(struct ns_hns *nh, struct spare *sp, char *err, size_t errlen)
{
	unsigned seq = nh->spare_seq++ & 0xffffff;
	int fd;

	snprintf(sp->outer, sizeof(sp->outer), "hv%ssp%06x", nh->tag, seq);
	snprintf(sp->inner, sizeof(sp->inner), "hq%ssp%06x", nh->tag, seq);
	snprintf(sp->netns, sizeof(sp->netns), "hvp%ssp%06x", nh->tag, seq);
	if (host_netns_create(sp->netns, err, errlen) < 0)
		return -1;
	fd = host_netns_open_name(sp->netns, err, errlen);
	if (fd < 0 || host_veth_spare_create(sp->outer, sp->inner, fd, err, errlen) < 0) {
		char ignored[128];

		if (fd >= 0)
			close(fd);
		host_netns_delete(sp->netns, ignored, sizeof(ignored));
		return -1;
	}
	if (host_link_tx_offload_off(fd, sp->inner, err, errlen) < 0 ||
	    host_link_tx_offload_off(HOST_NETNS_SELF, sp->outer, err, errlen) < 0 ||
	    host_link_switch_side(sp->outer, err, errlen) < 0 ||
	    add_port(nh, sp->outer, sp->outer, SPARE_KIND, false, err, errlen) != 0) {
		close(fd);
		spare_drop(nh, sp);
		return -1;
	}
	close(fd);
	return 0;
}

int ns_hns_pool_fill(struct ns_hns *nh)
{
	char err[512];
	time_t now;

	/* every control-loop pass: nothing else */
	if (nh->nb_stale == 0 && nh->nb_spares >= nh->pool)
		return 0;
	if (now_ms() - nh->last_use_ms < POOL_QUIET_MS)
		return 0;
	stale_remove_all(nh);
	if (nh->nb_spares >= nh->pool)
		return 0;
	now = time(NULL);
	if (nh->spare_failed != 0 && now - nh->spare_failed < SPARE_RETRY_SEC)
		return 0;
	/* the last free port slots are for requests that name their port */
	if (ports_free_slots(nh->ports) <= 2)
		return 0;
	if (spare_make(nh, &nh->spares[nh->nb_spares], err, sizeof(err)) < 0) {
		fprintf(stderr, "vswitchd: --pod-port-pool: %s (again in %d s)\n", err,
			SPARE_RETRY_SEC);
		nh->spare_failed = now;
		return -1;
	}
	nh->spare_failed = 0;
	nh->nb_spares++;
	return 1;
}

/* A pod's plumb from a spare: the one kept for the pod's namespace (taken
 * in place), else the pool's first (moved in from its own namespace),
 * becomes the pod's interface as spec says (its outer_name is replaced by
 * the spare's, and outer receives it). 0, or -1: no spare, or the take
 * failed (the spare is gone then, and the caller makes a pair the usual
 * way). */
static int take_spare(struct ns_hns *nh, const char *netns_name,
		      struct host_veth_spec *spec, struct host_veth_result *res,
		      char outer[IF_NAMESIZE])
{
	int r = reserved_find(nh, netns_name), from = spec->netns;
	char why[512];
	struct spare sp;

	if (r >= 0) {
		sp = reserved_take(nh, r);
	} else if (nh->nb_spares > 0) {
		sp = pool_take_first(nh);
		from = host_netns_open_name(sp.netns, why, sizeof(why));
		if (from < 0)
			goto failed;
	} else {
		return -1;
	}
	spec->outer_name = sp.outer;
	if (host_veth_spare_take(spec, sp.inner, from, res, why, sizeof(why)) < 0) {
		if (from != spec->netns)
			close(from);
		goto failed;
	}
	if (from != spec->netns) { /* moved out of its pool namespace */
		close(from);
		stale_add(nh, sp.netns);
	}
	snprintf(outer, IF_NAMESIZE, "%s", sp.outer);
	spec->outer_name = outer;
	return 0;
failed:
	fprintf(stderr, "vswitchd: spare %s: %s (making a new pair)\n", sp.outer, why);
	spare_drop(nh, &sp);
	return -1;
}

/* A plumb of another kind than the spares' into a namespace that was
 * given one: the spare goes (with its port), not left in the pod. */
static void drop_reserved_spare(struct ns_hns *nh, const char *netns_name)
{
	int r = reserved_find(nh, netns_name);
	struct spare sp;

	if (r < 0)
		return;
	sp = reserved_take(nh, r);
	spare_drop(nh, &sp);
}

/* The namespace's default route is its first interface's: does another
 * live plumb of ours (not the one being made again) sit there? */
static bool has_default_route(const struct ns_hns *nh, const char *path,
			      const char *outer)
{
	const char *port;
	json_t *rec;

	json_object_foreach(nh->live, port, rec)
		if (strcmp(port, outer) != 0 && strcmp(jstr(rec, "NetNsPath"), path) == 0)
			return true;
	return false;
}

/* The pod's next free interface name: eth0, eth1... */
static int pick_podif(int fd, char out[IF_NAMESIZE])
{
	for (int i = 0; i < MAX_PODIFS; i++) {
		snprintf(out, IF_NAMESIZE, "eth%d", i);
		if (!host_link_exists(fd, out))
			return 0;
	}
	return -1;
}

struct tap_plug {
	struct ns_hns *nh;
	const struct host_veth_spec *spec;
	const char *kind;
	char *err;
	size_t errlen;
};

static int tap_plug_here(void *arg)
{
	struct tap_plug *p = arg;

	/* Taps of an encapsulating network's endpoints (a smaller MTU) take
	 * no offload: the VXLAN path carries no 64 KiB segment. */
	return add_port(p->nh, p->spec->outer_name, p->spec->inner_name, p->kind,
			p->spec->mtu == 0, p->err, p->errlen);
}

/* PortKind "tap": the port first, its tap made as the endpoint's
 * interface right where it belongs (in the pod's namespace: a link moved
 * between namespaces waits for a kernel RCU grace period), then
 * configured. 0, or a status with err (the port is left for the caller
 * to remove). */
static int plumb_tap(struct ns_hns *nh, const struct host_veth_spec *spec, const char *kind,
		     char *err, size_t errlen)
{
	struct tap_plug plug = { nh, spec, kind, err, errlen };
	struct host_veth_result res;
	char why[512];
	int rc;

	if (spec->netns == HOST_NETNS_SELF) {
		rc = tap_plug_here(&plug);
	} else {
		rc = host_netns_run(spec->netns, tap_plug_here, &plug, why, sizeof(why));
		if (rc < 0) {
			snprintf(err, errlen, "NetNsPath: %s", why);
			rc = 400;
		}
	}
	if (rc != 0)
		return rc;
	if (host_tap_take(spec, &res, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s",
			 spec->netns != HOST_NETNS_SELF ? "InterfaceName" : "Name", why);
		return 400;
	}
	return 0;
}

int ns_hns_plumb(struct ns_hns *nh, const json_t *ep, const json_t *netns,
		 const char *kind, const json_t *old, json_t **record,
		 char *err, size_t errlen)
{
	struct host_veth_spec spec;
	struct host_veth_result res;
	char outer[IF_NAMESIZE], inner[IF_NAMESIZE], why[512] = "";
	const char *path = netns ? jstr(netns, "NetNsPath") : NULL;
	bool reuse = false, made = false, tap;
	int fd = HOST_NETNS_SELF, rc = 500;

	nh->last_use_ms = now_ms();
	if (kind == NULL)
		kind = nh->pool > 0 ? SPARE_KIND : DEFAULT_KIND;
	tap = strcmp(kind, "tap") == 0;
	if (old != NULL)
		snprintf(outer, sizeof(outer), "%s", jstr(old, "HostInterfaceName"));
	else
		outer_name(nh, jstr(ep, "ID"), outer);
	if (path != NULL) {
		if (strcmp(kind, SPARE_KIND) != 0)
			drop_reserved_spare(nh, base_name(path));
		if (json_is_true(json_object_get(netns, "NetNsOwned")) &&
		    !host_netns_exists(base_name(path)) &&
		    host_netns_create(base_name(path), why, sizeof(why)) == 0)
			json_object_set_new(nh->owned, base_name(path), json_true());
		fd = host_netns_open(path, why, sizeof(why));
		if (fd < 0) {
			snprintf(err, errlen, "NetNsPath: %s", why);
			return 400;
		}
	}
	if (old != NULL) {
		snprintf(inner, sizeof(inner), "%s", jstr(old, "InterfaceName"));
	} else if (path != NULL && jstr(ep, "InterfaceName")[0] != '\0') {
		/* asked for by name (CNI_IFNAME): never renamed, never replaced */
		if (strlen(jstr(ep, "InterfaceName")) >= IF_NAMESIZE) {
			snprintf(err, errlen, "InterfaceName: '%s' is longer than %d characters",
				 jstr(ep, "InterfaceName"), IF_NAMESIZE - 1);
			rc = 400;
			goto fail;
		}
		snprintf(inner, sizeof(inner), "%s", jstr(ep, "InterfaceName"));
		if (host_link_exists(fd, inner)) {
			snprintf(err, errlen, "InterfaceName: '%s' exists in %s", inner, path);
			rc = 409;
			goto fail;
		}
	} else if (path != NULL) {
		if (pick_podif(fd, inner) < 0) {
			snprintf(err, errlen, "NetNsPath: %s has eth0..eth%d taken", path,
				 MAX_PODIFS - 1);
			rc = 409;
			goto fail;
		}
	} else {
		const char *name = jstr(ep, "Name");
		char id5[6];

		snprintf(id5, sizeof(id5), "%s", jstr(ep, "ID"));
		if (host_vnic_name(name[0] ? name : id5, inner, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "Name: host interface name: %s", why);
			rc = 400;
			goto fail;
		}
		if (host_link_exists(HOST_NETNS_SELF, inner)) {
			snprintf(err, errlen, "Name: host interface name '%s' is taken", inner);
			rc = 409;
			goto fail;
		}
	}
	if (tap) {
		/* the tap is the port: it is there while the port is */
		reuse = old != NULL && ports_find(nh->ports, outer) >= 0 &&
			host_link_exists(fd, inner);
	} else if (host_link_exists(HOST_NETNS_SELF, outer)) {
		/* a restart after kill -9 finds both ends: reused */
		reuse = old != NULL && host_link_exists(fd, inner);
		if (!reuse && host_link_delete(HOST_NETNS_SELF, outer, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "VirtualNicName: '%s' exists and cannot go: %s",
				 outer, why);
			rc = 409;
			goto fail;
		}
	}
	if (!reuse) {
		memset(&spec, 0, sizeof(spec));
		spec.netns = fd;
		spec.inner_name = inner;
		spec.outer_name = outer;
		fill_spec(&spec, ep, path != NULL, path != NULL && !has_default_route(nh, path, outer));
		if (tap) {
			rc = plumb_tap(nh, &spec, kind, err, errlen);
			if (rc != 0)
				goto fail_tap;
			made = true;
			goto plugged;
		}
		if (path != NULL && old == NULL && strcmp(kind, SPARE_KIND) == 0 &&
		    take_spare(nh, base_name(path), &spec, &res, outer) == 0)
			rc = 0; /* its port is plugged already: add_port finds it */
		else
			rc = path ? host_veth_create(&spec, &res, why, sizeof(why))
				  : host_vnic_create(&spec, &res, why, sizeof(why));
		if (rc < 0 && path != NULL && strstr(why, "default route") &&
		    strstr(why, "exists")) {
			/* an adopted namespace routes already: keep its route */
			spec.gateway4.family = spec.gateway6.family = 0;
			rc = host_veth_create(&spec, &res, why, sizeof(why));
		}
		if (rc < 0) {
			snprintf(err, errlen, "%s: %s", path ? "InterfaceName" : "Name", why);
			rc = strstr(why, "taken") ? 409 : 400;
			goto fail;
		}
		made = true;
		/* the switch finishes no checksum: the endpoint must */
		if (host_link_tx_offload_off(fd, inner, why, sizeof(why)) < 0 ||
		    host_link_tx_offload_off(HOST_NETNS_SELF, outer, why, sizeof(why)) < 0 ||
		    host_link_switch_side(outer, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "InterfaceName: %s", why);
			rc = 500;
			goto fail;
		}
	}
	rc = add_port(nh, outer, outer, kind, false, err, errlen);
	if (rc != 0)
		goto fail;
plugged:
	*record = json_pack("{s:s, s:s, s:s, s:s}", "Port", outer, "HostInterfaceName",
			    outer, "InterfaceName", inner, "PortKind", kind);
	if (path != NULL) {
		json_object_set_new(*record, "NetNsPath", json_string(path));
		json_object_set(*record, "NetNsOwned", json_object_get(netns, "NetNsOwned"));
		close(fd);
	}
	json_object_set(nh->live, outer, *record);
	return 0;
fail_tap:
	made = ports_find(nh->ports, outer) >= 0; /* the port: it takes the tap along */
fail:
	if (made && ports_find(nh->ports, outer) >= 0 &&
	    json_object_get(nh->live, outer) == NULL) /* a spare's port */
		ports_remove(nh->ports, outer, why, sizeof(why));
	if (made)
		host_link_delete(HOST_NETNS_SELF, outer, why, sizeof(why));
	if (fd != HOST_NETNS_SELF)
		close(fd);
	return rc;
}

void ns_hns_unplumb(struct ns_hns *nh, const json_t *rec)
{
	const char *port = json_string_value(json_object_get(rec, "Port"));
	char err[512];

	nh->last_use_ms = now_ms();
	if (port != NULL) {
		const char *ifname = jstr(rec, "HostInterfaceName");

		if (ports_find(nh->ports, port) >= 0 &&
		    ports_remove(nh->ports, port, err, sizeof(err)) != 0)
			fprintf(stderr, "vswitchd: port %s: %s\n", port, err);
		if (host_link_exists(HOST_NETNS_SELF, ifname) &&
		    host_link_delete(HOST_NETNS_SELF, ifname, err, sizeof(err)) < 0)
			fprintf(stderr, "vswitchd: %s\n", err);
		json_object_del(nh->live, port);
		return;
	}
	/* a namespace: ours goes, an adopted one stays (emptied already) */
	if (json_is_true(json_object_get(rec, "NetNsOwned"))) {
		const char *name = base_name(jstr(rec, "NetNsPath"));
		int r = reserved_find(nh, name);

		if (r >= 0) { /* given a spare, never plumbed */
			struct spare sp = reserved_take(nh, r);

			spare_drop(nh, &sp);
		}

		if (host_netns_exists(name) && host_netns_delete(name, err, sizeof(err)) < 0)
			fprintf(stderr, "vswitchd: namespace %s: %s\n", name, err);
		json_object_del(nh->owned, name);
	}
}

static bool is_spare(const struct ns_hns *nh, const char *name)
{
	for (unsigned i = 0; i < nh->nb_spares; i++)
		if (strcmp(nh->spares[i].outer, name) == 0)
			return true;
	return false;
}

/* Pool namespaces ("hvp<tag>sp...") no spare holds: a kill -9 left them. */
static void sweep_pool_namespaces(struct ns_hns *nh)
{
	char prefix[16], err[256];
	DIR *d = opendir(HOST_NETNS_DIR);
	struct dirent *e;

	if (d == NULL)
		return;
	snprintf(prefix, sizeof(prefix), "hvp%ssp", nh->tag);
	while ((e = readdir(d)) != NULL) {
		bool held = false;

		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		for (unsigned i = 0; i < nh->nb_spares; i++)
			held |= strcmp(nh->spares[i].netns, e->d_name) == 0;
		if (held)
			continue;
		fprintf(stderr, "vswitchd: removing namespace %s, left by an earlier run\n",
			e->d_name);
		if (host_netns_delete(e->d_name, err, sizeof(err)) < 0)
			fprintf(stderr, "vswitchd: %s\n", err);
	}
	closedir(d);
}

void ns_hns_sweep(struct ns_hns *nh)
{
	struct host_link_info links[256];
	char prefix[8], err[256];
	int n = host_link_list(HOST_NETNS_SELF, links, 256, err, sizeof(err));

	if (n < 0) {
		fprintf(stderr, "vswitchd: cannot list host interfaces: %s\n", err);
		return;
	}
	sweep_pool_namespaces(nh);
	snprintf(prefix, sizeof(prefix), "hv%s", nh->tag);
	for (int i = 0; i < n && i < 256; i++) {
		if (strncmp(links[i].name, prefix, strlen(prefix)) != 0 ||
		    strlen(links[i].name) != strlen(prefix) + 8 ||
		    strcmp(links[i].kind, "veth") != 0 ||
		    json_object_get(nh->live, links[i].name) != NULL || is_spare(nh, links[i].name))
			continue;
		fprintf(stderr, "vswitchd: removing %s, left by an earlier run\n",
			links[i].name);
		if (host_link_delete(HOST_NETNS_SELF, links[i].name, err, sizeof(err)) < 0)
			fprintf(stderr, "vswitchd: %s\n", err);
	}
}
