/* The interfaces an HNS attach makes (issue 16): a veth pair whose inner
 * end is the endpoint as a pod or the host sees it (name, MAC, addresses,
 * default route, MTU, up) and whose outer end, in the host namespace,
 * becomes a switch port. A container attach puts the inner end in the
 * pod's namespace; a host attach ("SystemType":"Host") keeps it in the
 * host's as a vNIC named after the endpoint. A failed call removes the
 * pair it made, so nothing is left half made.
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_HOST_VETH_H
#define HVS_HOST_VETH_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HOST_VETH_MAX_ADDRS 4
#define HOST_VETH_MAX_ROUTES 8
#define HOST_VNIC_PREFIX "vEthernet-"

/* An IPv4 or IPv6 address; family 0 marks an unused slot. */
struct host_ip {
	int family;                     /* AF_INET, AF_INET6 or 0 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	uint8_t prefix_len;             /* addresses only; gateways ignore it */
};

/* A route of the inner end's namespace beside the default ones. */
struct host_route {
	struct host_ip dst;             /* the prefix; family 0 marks an unused slot */
	struct host_ip via;             /* next hop; family 0: on the link */
};

struct host_veth_spec {
	int netns;                      /* inner end's namespace fd, or HOST_NETNS_SELF */
	const char *inner_name;         /* "eth0"; at most 15 characters */
	const char *outer_name;         /* the switch's end, in the host namespace */
	bool set_mac;                   /* else the kernel picks a random MAC */
	uint8_t mac[6];                 /* the inner end's (the endpoint's) MAC */
	struct host_ip addrs[HOST_VETH_MAX_ADDRS];   /* on the inner end */
	struct host_ip gateway4;        /* default route via; family 0: none */
	struct host_ip gateway6;
	struct host_route routes[HOST_VETH_MAX_ROUTES]; /* after the default routes */
	uint32_t mtu;                   /* both ends; 0 keeps the kernel's 1500 */
};

struct host_veth_result {
	int outer_ifindex;              /* in the host namespace */
	char outer_name[IF_NAMESIZE];
	int inner_ifindex;              /* in spec->netns */
};

/* Parses "10.0.0.2/24", "fd00::2/64" or a bare address (prefix 32 or
 * 128) into *ip. 0, or -1 with err. For tests and callers holding text. */
int host_ip_parse(const char *text, struct host_ip *ip, char *err, size_t errlen);

/* Makes the pair: the outer end in the host namespace, the inner end in
 * spec->netns with MAC, MTU, up, addresses, then default routes. Both
 * ends up. 0 and *res, or -1 with err naming the step and the field
 * (a name taken, too long, a bad address, a gateway outside every
 * prefix); then nothing of the pair is left. */
int host_veth_create(const struct host_veth_spec *spec,
		     struct host_veth_result *res, char *err, size_t errlen);

/* HOST_VNIC_PREFIX endpoint_name cut to 15 characters ("vEthernet-web1").
 * 0, or -1 with err when the result would not be a valid name. */
int host_vnic_name(const char *endpoint_name, char out[IF_NAMESIZE],
		   char *err, size_t errlen);

/* host_veth_create with the inner end left in the host namespace as the
 * host's vNIC: spec->netns is ignored, and so are the gateways (the host
 * keeps its own default route). */
int host_vnic_create(const struct host_veth_spec *spec,
		     struct host_veth_result *res, char *err, size_t errlen);

/* Spares: a pair made ahead of need, so that plumbing a pod later costs
 * only netlink (the switch port on the outer end, whose packet sockets
 * take most of a plumb's time, is plugged in advance by the caller).
 * host_veth_spare_create makes outer_name (up) in the host namespace and
 * inner_name (down) in netns (an fd, or HOST_NETNS_SELF), nothing else; 0,
 * or -1 with err and nothing left. */
int host_veth_spare_create(const char *outer_name, const char *inner_name, int netns,
			   char *err, size_t errlen);
/* Makes the spare's inner end (now in spare_netns) spec->netns's
 * spec->inner_name: moved there unless spare_netns is that namespace
 * already (a move waits for a kernel RCU grace period, 15-30 ms), renamed,
 * with spec's MAC and MTU (both ends), then up, addresses and default
 * routes as host_veth_create; spec->outer_name is the spare's outer end.
 * 0 and *res, or -1 with err and the pair deleted (a spare half made into
 * a pod's interface is not given out again). */
int host_veth_spare_take(const struct host_veth_spec *spec, const char *spare_inner,
			 int spare_netns, struct host_veth_result *res, char *err, size_t errlen);

/* PortKind "tap" (tap_port.h): the tap spec->inner_name, made in
 * spec->netns by its switch port (in the pod's namespace, or the host's
 * for a host vNIC: never moved, so no kernel RCU wait), becomes the
 * endpoint's interface: MAC, MTU, up, addresses and, in a pod, the
 * default and other routes. There is no other end: the tap is the switch
 * port. 0 and *res (outer_ifindex 0), or -1 with err; the caller removes
 * the port, and the kernel the tap. */
int host_tap_take(const struct host_veth_spec *spec, struct host_veth_result *res,
		  char *err, size_t errlen);

#endif
