/* The rtnetlink socket of one network namespace, for host_link.c and
 * host_veth.c: opened on a helper thread that setns()es into the
 * namespace (a netlink socket keeps the namespace it was made in), and
 * one request/acknowledge exchange.
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_HOST_NL_H
#define HVS_HOST_NL_H

#include <libmnl/libmnl.h>
#include <stddef.h>

/* Buffer size of one request or reply (a link dump is read in pieces). */
#define HOST_NL_BUF MNL_SOCKET_BUFFER_SIZE

/* The socket, bound; netns is an fd or HOST_NETNS_SELF. NULL with err. */
struct mnl_socket *host_nl_open(int netns, char *err, size_t errlen);

void host_nl_close(struct mnl_socket *nl);

/* A header for type with flags (NLM_F_REQUEST added) in buf. */
struct nlmsghdr *host_nl_msg(void *buf, int type, int flags);

/* Sends nlh and reads replies until the acknowledgement, passing data
 * messages to cb (may be NULL). 0, or -1 with errno set and err reading
 * "what: strerror". */
int host_nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh,
		 mnl_cb_t cb, void *data, const char *what,
		 char *err, size_t errlen);

#endif
