/* Transmit offloads off (host_offload.h): legacy ethtool ioctls, which
 * every kernel since 2.6 answers; the kernel drops the features that
 * depend on tx checksumming (TSO) by itself, GSO is cleared too so no
 * 64 KB segment reaches the switch. */
#include "host_offload.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host_link.h"

struct sock_open {
	int netns;
	int fd;
	int errnum;
};

static void *sock_thread(void *arg)
{
	struct sock_open *o = arg;

	if (setns(o->netns, CLONE_NEWNET) < 0) {
		o->errnum = errno;
		return NULL;
	}
	o->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (o->fd < 0)
		o->errnum = errno;
	return NULL;
}

/* A datagram socket bound to netns's namespace (ioctls on it act there). */
static int ns_socket(int netns, char *err, size_t errlen)
{
	struct sock_open o = { .netns = netns, .fd = -1 };
	pthread_t t;
	int rc;

	if (netns == HOST_NETNS_SELF) {
		o.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		o.errnum = errno;
	} else {
		rc = pthread_create(&t, NULL, sock_thread, &o);
		if (rc != 0) {
			snprintf(err, errlen, "ethtool thread: %s", strerror(rc));
			return -1;
		}
		pthread_join(t, NULL);
	}
	if (o.fd < 0)
		snprintf(err, errlen, "ethtool socket: %s", strerror(o.errnum));
	return o.fd;
}

int host_link_tx_offload_off(int netns, const char *name, char *err,
			     size_t errlen)
{
	static const struct { uint32_t cmd; const char *what; } steps[] = {
		{ ETHTOOL_STXCSUM, "tx checksumming" },
		{ ETHTOOL_STSO, "TSO" },
		{ ETHTOOL_SGSO, "GSO" },
	};
	int fd = ns_socket(netns, err, errlen);

	if (fd < 0)
		return -1;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct ethtool_value ev = { .cmd = steps[i].cmd, .data = 0 };
		struct ifreq ifr;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
		ifr.ifr_data = (void *)&ev;
		/* EOPNOTSUPP: the device has no such offload to turn off */
		if (ioctl(fd, SIOCETHTOOL, &ifr) < 0 && errno != EOPNOTSUPP) {
			snprintf(err, errlen, "%s: %s off: %s", name, steps[i].what,
				 strerror(errno));
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}
