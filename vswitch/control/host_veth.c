/* The veth pair of an attach, in the order the kernel accepts it: one
 * RTM_NEWLINK makes both ends (the peer's name, MAC, MTU and namespace
 * given at creation, so the inner end never appears in the host
 * namespace, where its name could clash), then both ends up, then the
 * addresses (IPv6 without DAD, so a pod can send at once), then the
 * default routes (the gateway must be inside a prefix by then). Any
 * failure deletes the outer end, which takes the peer with it. */
#include "host_veth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_link.h"
#include "host_nl.h"

#define VETH_MTU_MIN 68
#define VETH_MTU_MAX 65535

int host_ip_parse(const char *text, struct host_ip *ip, char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = text ? strchr(text, '/') : NULL;
	size_t len = slash ? (size_t)(slash - text) : (text ? strlen(text) : 0);
	unsigned long plen;
	char *end;

	memset(ip, 0, sizeof(*ip));
	if (text == NULL || len == 0 || len >= sizeof(addr))
		goto bad;
	memcpy(addr, text, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, &ip->addr.v4) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &ip->addr.v6) == 1)
		ip->family = AF_INET6;
	else
		goto bad;
	ip->prefix_len = ip->family == AF_INET ? 32 : 128;
	if (slash == NULL)
		return 0;
	errno = 0;
	plen = strtoul(slash + 1, &end, 10);
	if (errno != 0 || end == slash + 1 || *end != '\0' || plen > ip->prefix_len)
		goto bad;
	ip->prefix_len = (uint8_t)plen;
	return 0;
bad:
	snprintf(err, errlen, "address '%.64s' is not an IPv4 or IPv6 address[/prefix]",
		 text ? text : "(null)");
	ip->family = 0;
	return -1;
}

static size_t ip_len(const struct host_ip *ip)
{
	return ip->family == AF_INET ? sizeof(ip->addr.v4) : sizeof(ip->addr.v6);
}

static const char *ip_text(const struct host_ip *ip, char *buf, size_t len)
{
	if (inet_ntop(ip->family, &ip->addr, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

static int ip_check(const struct host_ip *ip, const char *field,
		    char *err, size_t errlen)
{
	unsigned int max = ip->family == AF_INET ? 32 : 128;

	if (ip->family != AF_INET && ip->family != AF_INET6) {
		snprintf(err, errlen, "%s: family %d is not IPv4 or IPv6", field, ip->family);
		return -1;
	}
	if (ip->prefix_len > max) {
		snprintf(err, errlen, "%s: prefix /%u longer than %u", field,
			 ip->prefix_len, max);
		return -1;
	}
	return 0;
}

/* Everything checkable before the kernel is asked: names, MTU, address
 * families, and that neither name is taken where it will live. */
static int spec_check(const struct host_veth_spec *s, char *err, size_t errlen)
{
	char field[32];

	if (host_link_name_check(s->inner_name, err, errlen) < 0 ||
	    host_link_name_check(s->outer_name, err, errlen) < 0)
		return -1;
	if (s->mtu != 0 && (s->mtu < VETH_MTU_MIN || s->mtu > VETH_MTU_MAX)) {
		snprintf(err, errlen, "MTU %u outside %d..%d", s->mtu, VETH_MTU_MIN,
			 VETH_MTU_MAX);
		return -1;
	}
	for (int i = 0; i < HOST_VETH_MAX_ADDRS; i++) {
		snprintf(field, sizeof(field), "address %d", i);
		if (s->addrs[i].family != 0 && ip_check(&s->addrs[i], field, err, errlen) < 0)
			return -1;
	}
	if ((s->gateway4.family != 0 && s->gateway4.family != AF_INET) ||
	    (s->gateway6.family != 0 && s->gateway6.family != AF_INET6)) {
		snprintf(err, errlen, "gateway of the wrong address family");
		return -1;
	}
	for (int i = 0; i < HOST_VETH_MAX_ROUTES; i++) {
		const struct host_route *r = &s->routes[i];

		if (r->dst.family == 0)
			continue;
		snprintf(field, sizeof(field), "route %d", i);
		if (ip_check(&r->dst, field, err, errlen) < 0)
			return -1;
		if (r->via.family != 0 && r->via.family != r->dst.family) {
			snprintf(err, errlen, "route %d: next hop of the wrong address family", i);
			return -1;
		}
	}
	if (strcmp(s->inner_name, s->outer_name) == 0 && s->netns == HOST_NETNS_SELF) {
		snprintf(err, errlen, "interface name '%s' given for both ends", s->inner_name);
		return -1;
	}
	if (s->netns != HOST_NETNS_SELF) {
		char why[128];
		struct mnl_socket *nl = host_nl_open(s->netns, why, sizeof(why));

		if (nl == NULL) {
			snprintf(err, errlen, "target namespace (fd %d): %s", s->netns, why);
			return -1;
		}
		host_nl_close(nl);
	}
	if (host_link_exists(HOST_NETNS_SELF, s->outer_name)) {
		snprintf(err, errlen, "interface name '%s' is taken in the host namespace",
			 s->outer_name);
		return -1;
	}
	if (host_link_exists(s->netns, s->inner_name)) {
		snprintf(err, errlen, "interface name '%s' is taken in the %s namespace",
			 s->inner_name, s->netns == HOST_NETNS_SELF ? "host" : "target");
		return -1;
	}
	return 0;
}

/* The peer's half of the RTM_NEWLINK: an ifinfomsg and its attributes
 * nested in VETH_INFO_PEER. */
static void put_peer(struct nlmsghdr *nlh, const struct host_veth_spec *s)
{
	struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	struct nlattr *data, *peer;
	struct ifinfomsg *pifm;

	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
	(void)pifm; /* zeroed: the peer's flags are set once it exists */
	mnl_attr_put_strz(nlh, IFLA_IFNAME, s->inner_name);
	if (s->set_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(s->mac), s->mac);
	if (s->mtu != 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, s->mtu);
	if (s->netns != HOST_NETNS_SELF)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)s->netns);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
}

static int pair_make(const struct host_veth_spec *s, char *err, size_t errlen)
{
	char buf[HOST_NL_BUF], what[96];
	struct mnl_socket *nl = host_nl_open(HOST_NETNS_SELF, err, errlen);
	struct nlmsghdr *nlh;
	int rc;

	if (nl == NULL)
		return -1;
	nlh = host_nl_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, s->outer_name);
	if (s->mtu != 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, s->mtu);
	put_peer(nlh, s);
	snprintf(what, sizeof(what), "create veth '%s' (peer '%s')", s->outer_name,
		 s->inner_name);
	rc = host_nl_talk(nl, nlh, NULL, NULL, what, err, errlen);
	host_nl_close(nl);
	return rc;
}

static int addr_add(struct mnl_socket *nl, int ifindex, const struct host_ip *ip,
		    char *err, size_t errlen)
{
	char buf[HOST_NL_BUF], what[96], text[INET6_ADDRSTRLEN];
	struct nlmsghdr *nlh = host_nl_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = (uint8_t)ip->family;
	ifa->ifa_prefixlen = ip->prefix_len;
	ifa->ifa_index = (uint32_t)ifindex;
	ifa->ifa_flags = ip->family == AF_INET6 ? IFA_F_NODAD : 0;
	mnl_attr_put(nlh, IFA_LOCAL, ip_len(ip), &ip->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, ip_len(ip), &ip->addr);
	snprintf(what, sizeof(what), "address %s/%u",
		 ip_text(ip, text, sizeof(text)), ip->prefix_len);
	return host_nl_talk(nl, nlh, NULL, NULL, what, err, errlen);
}

/* A route on ifindex: to dst (NULL: the default route of gw's family) via
 * gw (NULL or family 0: on the link). */
static int route_add(struct mnl_socket *nl, int ifindex, const struct host_ip *dst,
		     const struct host_ip *gw, char *err, size_t errlen)
{
	char buf[HOST_NL_BUF], what[160], text[INET6_ADDRSTRLEN], dtext[INET6_ADDRSTRLEN];
	struct nlmsghdr *nlh = host_nl_msg(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	bool via = gw != NULL && gw->family != 0;

	rtm->rtm_family = (uint8_t)(dst != NULL ? dst->family : gw->family);
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (dst != NULL) {
		rtm->rtm_dst_len = dst->prefix_len;
		mnl_attr_put(nlh, RTA_DST, ip_len(dst), &dst->addr);
	}
	if (via)
		mnl_attr_put(nlh, RTA_GATEWAY, ip_len(gw), &gw->addr);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	if (dst == NULL)
		snprintf(what, sizeof(what), "default route via %s",
			 ip_text(gw, text, sizeof(text)));
	else
		snprintf(what, sizeof(what), "route %s/%u %s%s",
			 ip_text(dst, dtext, sizeof(dtext)), dst->prefix_len,
			 via ? "via " : "on the link",
			 via ? ip_text(gw, text, sizeof(text)) : "");
	return host_nl_talk(nl, nlh, NULL, NULL, what, err, errlen);
}

/* The inner end's addresses and routes, over one socket in its namespace. */
static int inner_configure(const struct host_veth_spec *s, int ifindex,
			   bool routes, char *err, size_t errlen)
{
	struct mnl_socket *nl = host_nl_open(s->netns, err, errlen);
	int rc = 0;

	if (nl == NULL)
		return -1;
	for (int i = 0; rc == 0 && i < HOST_VETH_MAX_ADDRS; i++) {
		if (s->addrs[i].family != 0)
			rc = addr_add(nl, ifindex, &s->addrs[i], err, errlen);
	}
	if (rc == 0 && routes && s->gateway4.family != 0)
		rc = route_add(nl, ifindex, NULL, &s->gateway4, err, errlen);
	if (rc == 0 && routes && s->gateway6.family != 0)
		rc = route_add(nl, ifindex, NULL, &s->gateway6, err, errlen);
	for (int i = 0; rc == 0 && routes && i < HOST_VETH_MAX_ROUTES; i++) {
		if (s->routes[i].dst.family != 0)
			rc = route_add(nl, ifindex, &s->routes[i].dst, &s->routes[i].via,
				       err, errlen);
	}
	host_nl_close(nl);
	return rc;
}

static int pair_finish(const struct host_veth_spec *s, bool routes,
		       struct host_veth_result *res, char *err, size_t errlen)
{
	struct host_link_info outer, inner;

	if (host_link_set_up(HOST_NETNS_SELF, s->outer_name, err, errlen) < 0 ||
	    host_link_set_up(s->netns, s->inner_name, err, errlen) < 0 ||
	    host_link_get(HOST_NETNS_SELF, s->outer_name, &outer, err, errlen) < 0 ||
	    host_link_get(s->netns, s->inner_name, &inner, err, errlen) < 0 ||
	    inner_configure(s, inner.ifindex, routes, err, errlen) < 0)
		return -1;
	res->outer_ifindex = outer.ifindex;
	snprintf(res->outer_name, sizeof(res->outer_name), "%s", outer.name);
	res->inner_ifindex = inner.ifindex;
	return 0;
}

static int veth_create(const struct host_veth_spec *s, bool routes,
		       struct host_veth_result *res, char *err, size_t errlen)
{
	struct host_veth_result ignored;

	if (s == NULL) {
		snprintf(err, errlen, "no veth given");
		return -1;
	}
	if (res == NULL)
		res = &ignored;
	memset(res, 0, sizeof(*res));
	if (spec_check(s, err, errlen) < 0 || pair_make(s, err, errlen) < 0)
		return -1;
	if (pair_finish(s, routes, res, err, errlen) < 0) {
		char undo[128];

		/* The outer end takes its peer with it. */
		host_link_delete(HOST_NETNS_SELF, s->outer_name, undo, sizeof(undo));
		memset(res, 0, sizeof(*res));
		return -1;
	}
	return 0;
}

int host_veth_create(const struct host_veth_spec *spec,
		     struct host_veth_result *res, char *err, size_t errlen)
{
	return veth_create(spec, true, res, err, errlen);
}

int host_vnic_name(const char *endpoint_name, char out[IF_NAMESIZE],
		   char *err, size_t errlen)
{
	if (endpoint_name == NULL || endpoint_name[0] == '\0') {
		snprintf(err, errlen, "endpoint name is empty");
		return -1;
	}
	snprintf(out, IF_NAMESIZE, HOST_VNIC_PREFIX "%s", endpoint_name);
	return host_link_name_check(out, err, errlen);
}

int host_vnic_create(const struct host_veth_spec *spec,
		     struct host_veth_result *res, char *err, size_t errlen)
{
	struct host_veth_spec host;

	if (spec == NULL) {
		snprintf(err, errlen, "no vNIC given");
		return -1;
	}
	host = *spec;
	host.netns = HOST_NETNS_SELF;
	return veth_create(&host, false, res, err, errlen);
}

/* ---- spares: pairs made ahead of need (host_veth.h) ---- */

int host_veth_spare_create(const char *outer_name, const char *inner_name, int netns,
			   char *err, size_t errlen)
{
	struct host_veth_spec s;

	memset(&s, 0, sizeof(s));
	s.netns = netns;
	s.outer_name = outer_name;
	s.inner_name = inner_name;
	if (spec_check(&s, err, errlen) < 0 || pair_make(&s, err, errlen) < 0)
		return -1;
	/* the inner end stays down: nothing of it (IPv6 autoconfiguration)
	 * reaches the switch before a pod has it */
	if (host_link_set_up(HOST_NETNS_SELF, outer_name, err, errlen) < 0) {
		char undo[128];

		host_link_delete(HOST_NETNS_SELF, outer_name, undo, sizeof(undo));
		return -1;
	}
	return 0;
}

/* One RTM_NEWLINK on ifindex, sent in the namespace sock_ns (where the
 * link is now): moved into move_to (an fd; HOST_NETNS_SELF: it stays),
 * renamed name, with mac and mtu where given. */
static int link_change_attrs(int sock_ns, int ifindex, int move_to, const char *name,
			     const uint8_t *mac, uint32_t mtu, char *err, size_t errlen)
{
	char buf[HOST_NL_BUF], what[96];
	struct mnl_socket *nl = host_nl_open(sock_ns, err, errlen);
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	int rc;

	if (nl == NULL)
		return -1;
	nlh = host_nl_msg(buf, RTM_NEWLINK, 0);
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_index = ifindex;
	if (name != NULL)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (move_to != HOST_NETNS_SELF)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)move_to);
	if (mac != NULL)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	if (mtu != 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	snprintf(what, sizeof(what), "%s interface %d as '%s'",
		 move_to != HOST_NETNS_SELF ? "move" : "set", ifindex, name != NULL ? name : "");
	rc = host_nl_talk(nl, nlh, NULL, NULL, what, err, errlen);
	host_nl_close(nl);
	return rc;
}

int host_veth_spare_take(const struct host_veth_spec *spec, const char *spare_inner,
			 int spare_netns, struct host_veth_result *res, char *err, size_t errlen)
{
	struct host_veth_result ignored;
	struct host_link_info spare, outer;
	bool in_place;

	if (spec == NULL || spare_inner == NULL) {
		snprintf(err, errlen, "no spare veth given");
		return -1;
	}
	/* made in the pod's namespace already: no move, so no RCU grace
	 * period of the kernel's */
	in_place = spare_netns == spec->netns;
	if (res == NULL)
		res = &ignored;
	memset(res, 0, sizeof(*res));
	if (host_link_name_check(spec->inner_name, err, errlen) < 0)
		return -1;
	/* the name is free, or it is the spare's own name where it is */
	if (!(in_place && strcmp(spare_inner, spec->inner_name) == 0) &&
	    host_link_exists(spec->netns, spec->inner_name)) {
		snprintf(err, errlen, "interface name '%s' is taken in the %s namespace",
			 spec->inner_name, spec->netns == HOST_NETNS_SELF ? "host" : "target");
		return -1;
	}
	if (host_link_get(spare_netns, spare_inner, &spare, err, errlen) < 0 ||
	    host_link_get(HOST_NETNS_SELF, spec->outer_name, &outer, err, errlen) < 0)
		return -1;
	if ((spec->mtu != 0 &&
	     link_change_attrs(HOST_NETNS_SELF, outer.ifindex, HOST_NETNS_SELF, NULL, NULL,
			       spec->mtu, err, errlen) < 0) ||
	    link_change_attrs(spare_netns, spare.ifindex,
			      in_place ? HOST_NETNS_SELF : spec->netns, spec->inner_name,
			      spec->set_mac ? spec->mac : NULL, spec->mtu, err, errlen) < 0 ||
	    pair_finish(spec, true, res, err, errlen) < 0) {
		char undo[128];

		/* wherever the inner end went, the outer end takes it along */
		host_link_delete(HOST_NETNS_SELF, spec->outer_name, undo, sizeof(undo));
		memset(res, 0, sizeof(*res));
		return -1;
	}
	return 0;
}

int host_tap_take(const struct host_veth_spec *spec, struct host_veth_result *res,
		  char *err, size_t errlen)
{
	struct host_link_info tap;
	bool pod = spec->netns != HOST_NETNS_SELF;

	memset(res, 0, sizeof(*res));
	if (host_link_get(spec->netns, spec->inner_name, &tap, err, errlen) < 0 ||
	    link_change_attrs(spec->netns, tap.ifindex, HOST_NETNS_SELF, NULL,
			      spec->set_mac ? spec->mac : NULL, spec->mtu, err, errlen) < 0 ||
	    host_link_set_up(spec->netns, spec->inner_name, err, errlen) < 0 ||
	    inner_configure(spec, tap.ifindex, pod, err, errlen) < 0)
		return -1;
	res->inner_ifindex = tap.ifindex;
	return 0;
}
