/* Links over rtnetlink: RTM_GETLINK (one by name, or a dump),
 * RTM_NEWLINK to set IFF_UP, RTM_DELLINK. Each call opens and closes its
 * own socket in the namespace named by the fd (host_nl.c). */
#include "host_link.h"

#include <ctype.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "host_nl.h"

int host_link_name_check(const char *name, char *err, size_t errlen)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0) {
		snprintf(err, errlen, "interface name is empty");
		return -1;
	}
	if (len >= IF_NAMESIZE) {
		snprintf(err, errlen, "interface name '%.64s' is %zu characters, at most %d",
			 name, len, IF_NAMESIZE - 1);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '/' || name[i] == ':' || isspace((unsigned char)name[i])) {
			snprintf(err, errlen, "interface name '%s' holds '%c'", name, name[i]);
			return -1;
		}
	}
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		snprintf(err, errlen, "interface name '%s' is not allowed", name);
		return -1;
	}
	return 0;
}

static void link_info_kind(const struct nlattr *linkinfo, struct host_link_info *info)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, linkinfo) {
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
			snprintf(info->kind, sizeof(info->kind), "%s", mnl_attr_get_str(a));
	}
}

static void link_info_attr(const struct nlattr *a, struct host_link_info *info)
{
	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		snprintf(info->name, sizeof(info->name), "%s", mnl_attr_get_str(a));
		break;
	case IFLA_MTU:
		info->mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) == sizeof(info->mac))
			memcpy(info->mac, mnl_attr_get_payload(a), sizeof(info->mac));
		break;
	case IFLA_LINK:
		info->peer_ifindex = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINKINFO:
		link_info_kind(a, info);
		break;
	default:
		break;
	}
}

static void link_info_parse(const struct nlmsghdr *nlh, struct host_link_info *info)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	memset(info, 0, sizeof(*info));
	info->ifindex = ifm->ifi_index;
	info->up = (ifm->ifi_flags & IFF_UP) != 0;
	mnl_attr_for_each(a, nlh, sizeof(*ifm))
		link_info_attr(a, info);
}

struct link_collect {
	struct host_link_info *out;
	int max;
	int count;
};

static int link_collect_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_collect *c = data;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (c->count < c->max)
		link_info_parse(nlh, &c->out[c->count]);
	c->count++;
	return MNL_CB_OK;
}

int host_link_get(int netns, const char *name, struct host_link_info *info,
		  char *err, size_t errlen)
{
	char buf[HOST_NL_BUF], what[64];
	struct link_collect c = { .out = info, .max = 1 };
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	int rc;

	if (host_link_name_check(name, err, errlen) < 0) {
		errno = EINVAL;
		return -1;
	}
	nl = host_nl_open(netns, err, errlen);
	if (nl == NULL)
		return -1;
	nlh = host_nl_msg(buf, RTM_GETLINK, 0);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	snprintf(what, sizeof(what), "interface '%s'", name);
	rc = host_nl_talk(nl, nlh, link_collect_cb, &c, what, err, errlen);
	host_nl_close(nl);
	if (rc == 0 && c.count == 0) {
		snprintf(err, errlen, "interface '%s': no reply", name);
		errno = ENODEV;
		return -1;
	}
	return rc;
}

bool host_link_exists(int netns, const char *name)
{
	struct host_link_info info;
	char err[128];

	return host_link_get(netns, name, &info, err, sizeof(err)) == 0;
}

int host_link_list(int netns, struct host_link_info *out, int max,
		   char *err, size_t errlen)
{
	char buf[HOST_NL_BUF];
	struct link_collect c = { .out = out, .max = max > 0 ? max : 0 };
	struct mnl_socket *nl = host_nl_open(netns, err, errlen);
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	int rc;

	if (nl == NULL)
		return -1;
	nlh = host_nl_msg(buf, RTM_GETLINK, NLM_F_DUMP);
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	rc = host_nl_talk(nl, nlh, link_collect_cb, &c, "list interfaces", err, errlen);
	host_nl_close(nl);
	return rc < 0 ? -1 : c.count;
}

/* One RTM_NEWLINK or RTM_DELLINK naming the link. */
static int link_change(int netns, const char *name, int type,
		       unsigned int flags, const char *verb,
		       char *err, size_t errlen)
{
	char buf[HOST_NL_BUF], what[64];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	int rc;

	if (host_link_name_check(name, err, errlen) < 0)
		return -1;
	nl = host_nl_open(netns, err, errlen);
	if (nl == NULL)
		return -1;
	nlh = host_nl_msg(buf, type, 0);
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_change = flags;
	ifm->ifi_flags = flags;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	snprintf(what, sizeof(what), "%s interface '%s'", verb, name);
	rc = host_nl_talk(nl, nlh, NULL, NULL, what, err, errlen);
	host_nl_close(nl);
	return rc;
}

int host_link_set_up(int netns, const char *name, char *err, size_t errlen)
{
	return link_change(netns, name, RTM_NEWLINK, IFF_UP, "up", err, errlen);
}

int host_link_delete(int netns, const char *name, char *err, size_t errlen)
{
	return link_change(netns, name, RTM_DELLINK, 0, "delete", err, errlen);
}

static int sysctl_write(const char *path, const char *value, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = fputs(value, f) < 0;
	rc |= fclose(f) != 0;
	if (rc) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int host_link_switch_side(const char *name, char *err, size_t errlen)
{
	char path[128];

	if (host_link_name_check(name, err, errlen) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/arp_ignore", name);
	if (sysctl_write(path, "8", err, errlen) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
	/* a kernel without IPv6 has no such file: nothing to turn off */
	if (access("/proc/sys/net/ipv6", F_OK) == 0 && sysctl_write(path, "1", err, errlen) < 0)
		return -1;
	return 0;
}
