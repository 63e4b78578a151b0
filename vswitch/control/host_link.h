/* Kernel network interfaces, read and changed over rtnetlink (libmnl) in
 * any network namespace: a netlink socket opened by a short-lived thread
 * that setns()es into the namespace stays bound to it, so the caller's
 * thread never changes namespace. Looking links up, listing a
 * namespace's links (adopting or removing leftovers after kill -9),
 * bringing one up, deleting one. The veths a pod or host attach needs are
 * in host_veth.h.
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_HOST_LINK_H
#define HVS_HOST_LINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The namespace argument of every call: an fd from host_netns_open(), or
 * HOST_NETNS_SELF for the caller's own (the host's) namespace. */
#define HOST_NETNS_SELF (-1)

/* What a link is: enough to verify a plumb and to adopt or remove it. */
struct host_link_info {
	int ifindex;
	char name[IF_NAMESIZE];
	char kind[16];          /* "veth", "tap", "" when the kernel says none */
	uint8_t mac[6];
	uint32_t mtu;
	bool up;                /* IFF_UP set */
	int peer_ifindex;       /* IFLA_LINK (a veth's peer), 0 if none */
};

/* 0, or -1 with err when name is empty or longer than IF_NAMESIZE - 1
 * (15) characters, or holds '/', ':' or whitespace (the kernel's rules). */
int host_link_name_check(const char *name, char *err, size_t errlen);

/* 0 and *info for the link named name in netns; -1 with err (errno
 * ENODEV when there is no such link). */
int host_link_get(int netns, const char *name, struct host_link_info *info,
		  char *err, size_t errlen);

/* True when netns holds a link named name. */
bool host_link_exists(int netns, const char *name);

/* Fills up to max links of netns into out; returns how many the
 * namespace holds (may exceed max), or -1 with err. */
int host_link_list(int netns, struct host_link_info *out, int max,
		   char *err, size_t errlen);

/* Sets IFF_UP on the link. 0, or -1 with err. */
int host_link_set_up(int netns, const char *name, char *err, size_t errlen);

/* Deletes the link (for a veth, both ends). 0, or -1 with err. */
int host_link_delete(int netns, const char *name, char *err, size_t errlen);

/* The switch's end of a plumbed veth is a port, not a host interface:
 * in the host namespace, no IPv6 on it (no link-local address, no router
 * solicitations) and never an ARP reply from it (arp_ignore 8), so the
 * host's stack cannot answer a pod's ARP for an address the host holds
 * elsewhere (Linux answers for any local address on any interface). 0, or
 * -1 with err naming the setting. */
int host_link_switch_side(const char *name, char *err, size_t errlen);

#endif
