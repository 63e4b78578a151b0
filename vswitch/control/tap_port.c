/* Tap ports opened and closed (tap_port.h). */
#include "tap_port.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "switch.h"

/* 64 KiB buffers for frames read from taps, shared by every tap port:
 * a burst's worth in flight per tap, each freed as soon as it is written
 * out (taps and packet sockets copy). 255 x 64 KiB = 16 MiB. */
#define TAP_BIG_POOL "hvs_tap_big"
#define TAP_BIG_MBUFS 255

static int tap_epfd = -1; /* every tap's readiness (tap_io.h epfd) */

bool tap_port_is_devargs(const char *devargs)
{
	return strncmp(devargs, TAP_PORT_DRIVER, strlen(TAP_PORT_DRIVER)) == 0;
}

/* iface= and offload= of the Devargs. 0, or -1 with err. */
static int parse_devargs(const char *devargs, char ifname[IF_NAMESIZE], bool *offload,
			 char *err, size_t errlen)
{
	const char *p = strchr(devargs, ',');

	ifname[0] = '\0';
	*offload = true;
	while (p != NULL && *p == ',') {
		const char *arg = p + 1;
		size_t n = strcspn(arg, ",");

		if (n > 6 && strncmp(arg, "iface=", 6) == 0 && n - 6 < IF_NAMESIZE) {
			memcpy(ifname, arg + 6, n - 6);
			ifname[n - 6] = '\0';
		} else if (n == 9 && strncmp(arg, "offload=", 8) == 0 &&
			   (arg[8] == '0' || arg[8] == '1')) {
			*offload = arg[8] == '1';
		} else {
			snprintf(err, errlen, "%s: bad argument '%.*s' (iface=NAME of at most "
				 "%d characters, offload=0|1)", TAP_PORT_DRIVER, (int)n, arg,
				 IF_NAMESIZE - 1);
			return -1;
		}
		p = arg + n;
	}
	if (ifname[0] == '\0') {
		snprintf(err, errlen, "%s needs iface=NAME", TAP_PORT_DRIVER);
		return -1;
	}
	return 0;
}

/* The tap, non-blocking, with 10-byte virtio-net headers and the
 * offloads the switch takes. fd, or -1 with err. */
static int tap_open_fd(const char *ifname, bool offload, char *err, size_t errlen)
{
	struct ifreq ifr;
	int hdr = (int)sizeof(struct virtio_net_hdr);
	unsigned off = offload ? TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 : 0;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open /dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0 ||
	    ioctl(fd, TUNSETOFFLOAD, off) < 0) {
		snprintf(err, errlen, "tap '%s': %s", ifname,
			 errno == EBUSY ? "the name is taken by another interface or "
					  "another process holds the tap"
					: strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static struct rte_mempool *big_pool(void)
{
	struct rte_mempool *mp = rte_mempool_lookup(TAP_BIG_POOL);

	if (mp == NULL)
		mp = rte_pktmbuf_pool_create(TAP_BIG_POOL, TAP_BIG_MBUFS, 0, 0, UINT16_MAX,
					     SOCKET_ID_ANY);
	return mp;
}

static void free_tap(struct tap_io *t)
{
	if (t->fd >= 0) {
		if (t->epfd >= 0)
			epoll_ctl(t->epfd, EPOLL_CTL_DEL, t->fd, NULL);
		close(t->fd);
	}
	rte_pktmbuf_free(t->spare);
	rte_free(t);
}

int tap_port_open(const char *devargs, struct tap_io **tap, uint16_t *eth_port,
		  char *err, size_t errlen)
{
	char ifname[IF_NAMESIZE];
	struct tap_io *t;
	bool offload;

	if (parse_devargs(devargs, ifname, &offload, err, errlen) < 0)
		return -1;
	t = rte_zmalloc("tap_io", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->fd = -1;
	t->epfd = -1;
	t->offload = offload;
	t->big = big_pool();
	if (t->big == NULL) {
		snprintf(err, errlen, "cannot make the tap buffer pool: %s",
			 rte_strerror(rte_errno));
		free_tap(t);
		return -1;
	}
	t->fd = tap_open_fd(ifname, offload, err, errlen);
	if (t->fd < 0) {
		free_tap(t);
		return -1;
	}
	*tap = t;
	*eth_port = VS_NO_ETH_PORT; /* the worker reads and writes the fd */
	return 0;
}

int tap_port_watch(struct tap_io *tap, uint16_t port, char *err, size_t errlen)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = port};

	if (tap_epfd < 0 && (tap_epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
		return -1;
	}
	if (epoll_ctl(tap_epfd, EPOLL_CTL_ADD, tap->fd, &ev) < 0) {
		snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
		return -1;
	}
	tap->epfd = tap_epfd;
	return 0;
}

void tap_port_close(struct tap_io *tap)
{
	if (tap != NULL)
		free_tap(tap);
}
