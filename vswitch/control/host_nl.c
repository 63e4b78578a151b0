/* One rtnetlink socket per call: opened in the target namespace by a
 * thread that ends right after, so no thread of ours is ever left in
 * another namespace (a failed setns leaves only that thread behind, and
 * it exits). */
#include "host_nl.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host_link.h"

struct nl_open {
	int netns;
	struct mnl_socket *nl;
	int errnum;
	const char *step;
};

static void nl_open_here(struct nl_open *o)
{
	o->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (o->nl == NULL) {
		o->errnum = errno;
		o->step = "netlink socket";
		return;
	}
	if (mnl_socket_bind(o->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		o->errnum = errno;
		o->step = "netlink bind";
		mnl_socket_close(o->nl);
		o->nl = NULL;
	}
}

static void *nl_open_thread(void *arg)
{
	struct nl_open *o = arg;

	if (setns(o->netns, CLONE_NEWNET) < 0) {
		o->errnum = errno;
		o->step = "setns";
		return NULL;
	}
	nl_open_here(o);
	return NULL;
}

struct mnl_socket *host_nl_open(int netns, char *err, size_t errlen)
{
	struct nl_open o = { .netns = netns };

	if (netns == HOST_NETNS_SELF) {
		nl_open_here(&o);
	} else {
		pthread_t t;
		int rc = pthread_create(&t, NULL, nl_open_thread, &o);

		if (rc != 0) {
			snprintf(err, errlen, "netlink thread: %s", strerror(rc));
			return NULL;
		}
		pthread_join(t, NULL);
	}
	if (o.nl == NULL)
		snprintf(err, errlen, "%s: %s", o.step, strerror(o.errnum));
	return o.nl;
}

void host_nl_close(struct mnl_socket *nl)
{
	if (nl != NULL)
		mnl_socket_close(nl);
}

struct nlmsghdr *host_nl_msg(void *buf, int type, int flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

int host_nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh,
		 mnl_cb_t cb, void *data, const char *what,
		 char *err, size_t errlen)
{
	char buf[HOST_NL_BUF];
	unsigned int portid = mnl_socket_get_portid(nl);
	int rc;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = (unsigned int)time(NULL);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		snprintf(err, errlen, "%s: send: %s", what, strerror(errno));
		return -1;
	}
	do {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0) {
			snprintf(err, errlen, "%s: receive: %s", what, strerror(errno));
			return -1;
		}
		rc = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, cb, data);
	} while (rc > MNL_CB_STOP);
	if (rc < 0) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", what, strerror(e));
		errno = e;
		return -1;
	}
	return 0;
}
