/* Host plumbing for HNS namespaces (vswitch/control/host_netns.h,
 * host_link.h, host_veth.h): namespaces made, opened, deleted; a veth
 * into a namespace with MAC, addresses, routes and MTU, each read back
 * (netlink for the link, `ip` for addresses and routes); the host vNIC;
 * the error cases leave nothing behind. Root; every name carries the
 * test's pid (criterion forks one process per test) and the fini removes
 * whatever a failed assertion left. All traffic stays in our namespaces:
 * nothing here sends a packet. No EAL. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "host_link.h"
#include "host_netns.h"
#include "host_veth.h"

static char ns_name[64], ns2_name[64], outer[IF_NAMESIZE], outer2[IF_NAMESIZE];
static char vnic[IF_NAMESIZE], spare_in[IF_NAMESIZE];
static char err[256];

static void names(void)
{
	int pid = (int)getpid();

	snprintf(ns_name, sizeof(ns_name), "hvtest-%d", pid);
	snprintf(ns2_name, sizeof(ns2_name), "hvtest-%d-b", pid);
	snprintf(outer, sizeof(outer), "hvo%da", pid);
	snprintf(outer2, sizeof(outer2), "hvo%db", pid);
	snprintf(vnic, sizeof(vnic), HOST_VNIC_PREFIX "t%d", pid);
	snprintf(spare_in, sizeof(spare_in), "hvq%ds", pid);
}

static void cleanup(void)
{
	char e[256];

	host_link_delete(HOST_NETNS_SELF, outer, e, sizeof(e));
	host_link_delete(HOST_NETNS_SELF, outer2, e, sizeof(e));
	host_link_delete(HOST_NETNS_SELF, vnic, e, sizeof(e));
	host_netns_delete(ns_name, e, sizeof(e));
	host_netns_delete(ns2_name, e, sizeof(e));
}

TestSuite(host_link, .init = names, .fini = cleanup);

/* The whole output of a command (at most 8 KiB). */
static const char *run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *run(const char *fmt, ...)
{
	static char out[8192];
	char cmd[512];
	va_list ap;
	size_t n;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	cr_assert_not_null(p, "popen %s", cmd);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	pclose(p);
	return out;
}

/* What this test could have left: its links in the host namespace and
 * its namespaces. Filtered by pid, because other work on the machine may
 * add or remove links of its own at the same time. */
static void snapshot(char *out, size_t len)
{
	snprintf(out, len, "%s", run("{ ip -o link show; ls /run/netns; } 2>/dev/null | "
				     "grep -E 'hvo%d|hvtest-%d|vEthernet-t%d' | "
				     "sed 's/^[0-9]*: //'",
				     (int)getpid(), (int)getpid(), (int)getpid()));
}

static char *self_netns(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/thread-self/ns/net", buf, len - 1);

	cr_assert_gt(n, 0);
	buf[n] = '\0';
	return buf;
}

static void ip(struct host_ip *out, const char *text)
{
	cr_assert_eq(host_ip_parse(text, out, err, sizeof(err)), 0, "%s", err);
}

/* A pod's veth: eth0 in ns, MAC 02:00:5e:10:00:07, MTU 1450. */
static void pod_spec(struct host_veth_spec *s, int nsfd)
{
	static const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x07 };

	memset(s, 0, sizeof(*s));
	s->netns = nsfd;
	s->inner_name = "eth0";
	s->outer_name = outer;
	s->set_mac = true;
	memcpy(s->mac, mac, sizeof(mac));
	ip(&s->addrs[0], "10.77.0.7/24");
	ip(&s->addrs[1], "fd77::7/64");
	ip(&s->gateway4, "10.77.0.1");
	ip(&s->gateway6, "fd77::1");
	s->mtu = 1450;
}

static int make_ns(const char *name)
{
	int fd;

	cr_assert_eq(host_netns_create(name, err, sizeof(err)), 0, "%s", err);
	fd = host_netns_open_name(name, err, sizeof(err));
	cr_assert_geq(fd, 0, "%s", err);
	return fd;
}

Test(host_link, namespace_made_opened_deleted)
{
	char before[128], after[128];
	struct host_link_info lo;
	int fd;

	self_netns(before, sizeof(before));
	cr_assert_not(host_netns_exists(ns_name));
	fd = make_ns(ns_name);
	cr_assert(host_netns_exists(ns_name));
	cr_assert_str_eq(self_netns(after, sizeof(after)), before,
			 "the calling thread changed namespace");
	/* ip(8) sees it, and its loopback is up */
	cr_assert(strstr(run("ip netns list"), ns_name) != NULL);
	cr_assert_eq(host_link_get(fd, "lo", &lo, err, sizeof(err)), 0, "%s", err);
	cr_assert(lo.up);
	/* a different namespace from ours */
	cr_assert(strstr(run("ip netns identify %d", (int)getpid()), ns_name) == NULL);
	close(fd);
	cr_assert_eq(host_netns_create(ns_name, err, sizeof(err)), -1);
	cr_assert(strstr(err, "already exists") != NULL, "%s", err);
	cr_assert_eq(host_netns_delete(ns_name, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(host_netns_exists(ns_name));
	cr_assert_eq(host_netns_delete(ns_name, err, sizeof(err)), -1);
}

Test(host_link, namespace_adopted_by_proc_path)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)getpid());
	fd = host_netns_open(path, err, sizeof(err));
	cr_assert_geq(fd, 0, "%s", err);
	close(fd);
	/* a file that is not a namespace */
	cr_assert_eq(host_netns_open("/proc/self/status", err, sizeof(err)), -1);
	cr_assert(strstr(err, "not a network namespace") != NULL, "%s", err);
}

Test(host_link, namespace_path_missing_named)
{
	cr_assert_eq(host_netns_open("/run/netns/hvtest-no-such-ns", err, sizeof(err)), -1);
	cr_assert(strstr(err, "/run/netns/hvtest-no-such-ns") != NULL, "%s", err);
	cr_assert(strstr(err, "No such file") != NULL, "%s", err);
	cr_assert_eq(host_netns_open_name("../etc", err, sizeof(err)), -1);
	cr_assert(strstr(err, "not a file name") != NULL, "%s", err);
	cr_assert_eq(host_netns_create("", err, sizeof(err)), -1);
	cr_assert_eq(host_netns_create("a/b", err, sizeof(err)), -1);
}

Test(host_link, veth_into_namespace_read_back_then_deleted)
{
	struct host_veth_spec s;
	struct host_veth_result res;
	struct host_link_info in, out;
	const char *o;
	int fd = make_ns(ns_name);

	pod_spec(&s, fd);
	cr_assert_eq(host_veth_create(&s, &res, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(res.outer_name, outer);
	cr_assert_gt(res.outer_ifindex, 0);
	cr_assert_eq((unsigned)res.outer_ifindex, if_nametoindex(outer));

	cr_assert_eq(host_link_get(fd, "eth0", &in, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(in.ifindex, res.inner_ifindex);
	cr_assert_str_eq(in.kind, "veth");
	cr_assert_arr_eq(in.mac, s.mac, 6);
	cr_assert_eq(in.mtu, 1450);
	cr_assert(in.up);
	cr_assert_eq(in.peer_ifindex, res.outer_ifindex);
	cr_assert_eq(host_link_get(HOST_NETNS_SELF, outer, &out, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(out.mtu, 1450);
	cr_assert(out.up);

	o = run("ip -n %s -o addr show dev eth0", ns_name);
	cr_assert(strstr(o, "inet 10.77.0.7/24") != NULL, "%s", o);
	cr_assert(strstr(o, "inet6 fd77::7/64") != NULL, "%s", o);
	o = run("ip -n %s -4 route show default", ns_name);
	cr_assert(strstr(o, "default via 10.77.0.1 dev eth0") != NULL, "%s", o);
	o = run("ip -n %s -6 route show default", ns_name);
	cr_assert(strstr(o, "default via fd77::1 dev eth0") != NULL, "%s", o);

	cr_assert_eq(host_link_delete(HOST_NETNS_SELF, outer, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(host_link_exists(HOST_NETNS_SELF, outer));
	cr_assert_not(host_link_exists(fd, "eth0"), "the peer outlived its pair");
	close(fd);
}

Test(host_link, namespace_links_listed)
{
	struct host_veth_spec s;
	struct host_link_info links[8];
	int fd = make_ns(ns_name), n;
	bool lo = false, eth0 = false;

	pod_spec(&s, fd);
	cr_assert_eq(host_veth_create(&s, NULL, err, sizeof(err)), 0, "%s", err);
	n = host_link_list(fd, links, 8, err, sizeof(err));
	cr_assert_eq(n, 2, "%d links: %s", n, err);
	for (int i = 0; i < n; i++) {
		lo |= strcmp(links[i].name, "lo") == 0;
		eth0 |= strcmp(links[i].name, "eth0") == 0 && strcmp(links[i].kind, "veth") == 0;
	}
	cr_assert(lo && eth0);
	/* a small array still counts them all */
	cr_assert_eq(host_link_list(fd, links, 1, err, sizeof(err)), 2);
	/* deleting by name inside the namespace removes the host end too */
	cr_assert_eq(host_link_delete(fd, "eth0", err, sizeof(err)), 0, "%s", err);
	cr_assert_not(host_link_exists(HOST_NETNS_SELF, outer));
	close(fd);
}

/* A call that fails leaves the snapshot as it found it. */
static void expect_fail_nothing_left(const struct host_veth_spec *s, const char *want)
{
	char before[4096], after[4096], me[128], me_after[128];

	self_netns(me, sizeof(me));
	snapshot(before, sizeof(before));
	cr_assert_eq(host_veth_create(s, NULL, err, sizeof(err)), -1);
	cr_assert(strstr(err, want) != NULL, "error '%s' lacks '%s'", err, want);
	snapshot(after, sizeof(after));
	cr_assert_str_eq(after, before, "left behind:\n%s\nwas:\n%s", after, before);
	cr_assert_str_eq(self_netns(me_after, sizeof(me_after)), me);
}

Test(host_link, host_name_taken)
{
	struct host_veth_spec s;
	int fd = make_ns(ns_name), fd2 = make_ns(ns2_name);

	pod_spec(&s, fd);
	cr_assert_eq(host_veth_create(&s, NULL, err, sizeof(err)), 0, "%s", err);
	s.netns = fd2;
	expect_fail_nothing_left(&s, "taken in the host namespace");
	cr_assert(strstr(err, outer) != NULL, "%s", err);
	close(fd);
	close(fd2);
}

Test(host_link, inner_name_taken)
{
	struct host_veth_spec s;
	int fd = make_ns(ns_name);

	pod_spec(&s, fd);
	cr_assert_eq(host_veth_create(&s, NULL, err, sizeof(err)), 0, "%s", err);
	s.outer_name = outer2;
	expect_fail_nothing_left(&s, "'eth0' is taken in the target namespace");
	close(fd);
}

Test(host_link, name_too_long)
{
	struct host_veth_spec s;
	int fd = make_ns(ns_name);

	pod_spec(&s, fd);
	s.inner_name = "eth0-much-too-long";
	expect_fail_nothing_left(&s, "'eth0-much-too-long' is 18 characters, at most 15");
	pod_spec(&s, fd);
	s.outer_name = "";
	expect_fail_nothing_left(&s, "interface name is empty");
	close(fd);
}

/* The kernel refuses the route after the pair exists: the pair goes. */
Test(host_link, failed_route_removes_the_pair)
{
	struct host_veth_spec s;
	int fd = make_ns(ns_name);

	pod_spec(&s, fd);
	ip(&s.gateway4, "192.0.2.1");   /* outside 10.77.0.0/24 */
	expect_fail_nothing_left(&s, "default route via 192.0.2.1");
	cr_assert_not(host_link_exists(fd, "eth0"));
	close(fd);
}

Test(host_link, bad_mtu_and_address_refused)
{
	struct host_veth_spec s;
	struct host_ip a;
	int fd = make_ns(ns_name);

	pod_spec(&s, fd);
	s.mtu = 20;
	expect_fail_nothing_left(&s, "MTU 20");
	pod_spec(&s, 9999);             /* not an open fd */
	expect_fail_nothing_left(&s, "target namespace (fd 9999): setns: Bad file descriptor");
	cr_assert_eq(host_ip_parse("10.0.0.1/33", &a, err, sizeof(err)), -1);
	cr_assert_eq(host_ip_parse("10.0.0.300", &a, err, sizeof(err)), -1);
	cr_assert_eq(host_ip_parse("", &a, err, sizeof(err)), -1);
	cr_assert_eq(host_ip_parse(NULL, &a, err, sizeof(err)), -1);
	cr_assert_eq(host_ip_parse("fd00::1", &a, err, sizeof(err)), 0);
	cr_assert_eq(a.prefix_len, 128);
	close(fd);
}

Test(host_link, host_vnic_carries_the_endpoint)
{
	struct host_veth_spec s;
	struct host_link_info info;
	char name[IF_NAMESIZE];
	const char *o;

	cr_assert_eq(host_vnic_name("web-frontend-1", name, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(name, "vEthernet-web-f");
	cr_assert_eq(host_vnic_name("", name, err, sizeof(err)), -1);

	pod_spec(&s, 12345);            /* ignored: a vNIC stays in the host */
	s.inner_name = vnic;
	ip(&s.addrs[0], "10.78.0.9/24");
	memset(&s.addrs[1], 0, sizeof(s.addrs[1]));
	cr_assert_eq(host_vnic_create(&s, NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(host_link_get(HOST_NETNS_SELF, vnic, &info, err, sizeof(err)), 0, "%s", err);
	cr_assert_arr_eq(info.mac, s.mac, 6);
	cr_assert(info.up);
	o = run("ip -o addr show dev %s", vnic);
	cr_assert(strstr(o, "inet 10.78.0.9/24") != NULL, "%s", o);
	o = run("ip route show default dev %s", vnic);
	cr_assert_str_eq(o, "", "a vNIC must not take the host's default route");
	cr_assert_eq(host_link_delete(HOST_NETNS_SELF, vnic, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(host_link_exists(HOST_NETNS_SELF, outer));
}

/* A spare (host_veth_spare_create): both ends in the host namespace, the
 * inner one down; taken (host_veth_spare_take) it becomes the pod's eth0
 * exactly as host_veth_create makes it: MAC, MTU on both ends, addresses,
 * routes, up, the same pair (the outer end's index unchanged). */
Test(host_link, spare_made_then_taken_into_a_pod)
{
	struct host_veth_spec s;
	struct host_veth_result res;
	struct host_link_info in, out, before;
	const char *o;
	int fd = make_ns(ns_name);

	cr_assert_eq(host_veth_spare_create(outer, spare_in, HOST_NETNS_SELF, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(host_link_get(HOST_NETNS_SELF, spare_in, &in, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(in.up, "a spare's inner end must stay down");
	cr_assert_eq(host_link_get(HOST_NETNS_SELF, outer, &before, err, sizeof(err)), 0, "%s", err);
	cr_assert(before.up);

	pod_spec(&s, fd);
	cr_assert_eq(host_veth_spare_take(&s, spare_in, HOST_NETNS_SELF, &res, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(host_link_exists(HOST_NETNS_SELF, spare_in), "the spare's inner end stayed");
	cr_assert_eq(res.outer_ifindex, before.ifindex);
	cr_assert_eq(host_link_get(fd, "eth0", &in, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(in.ifindex, res.inner_ifindex);
	cr_assert_arr_eq(in.mac, s.mac, 6);
	cr_assert_eq(in.mtu, 1450);
	cr_assert(in.up);
	cr_assert_eq(in.peer_ifindex, res.outer_ifindex);
	cr_assert_eq(host_link_get(HOST_NETNS_SELF, outer, &out, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(out.mtu, 1450);
	o = run("ip -n %s -o addr show dev eth0", ns_name);
	cr_assert(strstr(o, "inet 10.77.0.7/24") != NULL, "%s", o);
	cr_assert(strstr(o, "inet6 fd77::7/64") != NULL, "%s", o);
	o = run("ip -n %s -4 route show default", ns_name);
	cr_assert(strstr(o, "default via 10.77.0.1 dev eth0") != NULL, "%s", o);
	close(fd);
}

/* A take that fails once the inner end has moved (the kernel refuses the
 * route) removes the pair: nothing of the spare is left anywhere. */
Test(host_link, failed_spare_take_removes_the_pair)
{
	struct host_veth_spec s;
	int fd = make_ns(ns_name);

	cr_assert_eq(host_veth_spare_create(outer, spare_in, HOST_NETNS_SELF, err, sizeof(err)), 0, "%s", err);
	pod_spec(&s, fd);
	ip(&s.gateway4, "192.0.2.1"); /* outside 10.77.0.0/24 */
	cr_assert_eq(host_veth_spare_take(&s, spare_in, HOST_NETNS_SELF, NULL, err, sizeof(err)), -1);
	cr_assert(strstr(err, "default route via 192.0.2.1") != NULL, "%s", err);
	cr_assert_not(host_link_exists(HOST_NETNS_SELF, outer));
	cr_assert_not(host_link_exists(HOST_NETNS_SELF, spare_in));
	cr_assert_not(host_link_exists(fd, "eth0"));
	/* a name taken in the pod: refused before anything moves */
	cr_assert_eq(host_veth_spare_create(outer, spare_in, HOST_NETNS_SELF, err, sizeof(err)), 0, "%s", err);
	pod_spec(&s, fd);
	s.inner_name = "lo";
	cr_assert_eq(host_veth_spare_take(&s, spare_in, HOST_NETNS_SELF, NULL, err, sizeof(err)), -1);
	cr_assert(strstr(err, "'lo' is taken in the target namespace") != NULL, "%s", err);
	cr_assert(host_link_exists(HOST_NETNS_SELF, spare_in), "a refused take keeps the spare");
	close(fd);
}

/* A spare made inside a namespace (the pool's pod namespaces) and taken
 * there: renamed eth0 in place, the same interface (its index unchanged:
 * not moved), with the pod's MAC, address and route; and a namespace
 * alias (host_netns_alias) names the same namespace, so the pod sees it
 * under its new name once the pool's name is gone. */
Test(host_link, spare_made_in_a_namespace_then_taken_in_place)
{
	struct host_veth_spec s;
	struct host_veth_result res;
	struct host_link_info before, in;
	const char *o;
	int pool_fd = make_ns(ns_name), fd;

	cr_assert_eq(host_veth_spare_create(outer, spare_in, pool_fd, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(host_link_exists(HOST_NETNS_SELF, spare_in));
	cr_assert_eq(host_link_get(pool_fd, spare_in, &before, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(before.up);
	cr_assert_eq(host_netns_alias(ns_name, ns2_name, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(host_netns_alias(ns_name, ns2_name, err, sizeof(err)), -1);
	cr_assert(strstr(err, "already exists") != NULL, "%s", err);
	cr_assert_eq(host_netns_delete(ns_name, err, sizeof(err)), 0, "%s", err);
	fd = host_netns_open_name(ns2_name, err, sizeof(err));
	cr_assert_geq(fd, 0, "%s", err);

	pod_spec(&s, fd);
	cr_assert_eq(host_veth_spare_take(&s, spare_in, fd, &res, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(host_link_get(fd, "eth0", &in, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(in.ifindex, before.ifindex, "taken in place, not made again");
	cr_assert_arr_eq(in.mac, s.mac, 6);
	cr_assert(in.up);
	cr_assert_not(host_link_exists(fd, spare_in));
	o = run("ip -n %s -o addr show dev eth0", ns2_name);
	cr_assert(strstr(o, "inet 10.77.0.7/24") != NULL, "%s", o);
	o = run("ip -n %s -4 route show default", ns2_name);
	cr_assert(strstr(o, "default via 10.77.0.1 dev eth0") != NULL, "%s", o);
	close(fd);
	close(pool_fd);
}

/* The endpoint's routes beside the default ones: a prefix via a next hop
 * and one on the link, both on eth0; a next hop of the other family is
 * refused before anything is made, and a route the kernel refuses (a next
 * hop off every link) leaves nothing. */
Test(host_link, pod_gets_its_extra_routes)
{
	struct host_veth_spec s;
	const char *o;
	int fd = make_ns(ns_name);

	pod_spec(&s, fd);
	ip(&s.routes[0].dst, "10.96.0.0/12");
	ip(&s.routes[0].via, "10.77.0.2");
	ip(&s.routes[1].dst, "192.0.2.0/24");
	cr_assert_eq(host_veth_create(&s, NULL, err, sizeof(err)), 0, "%s", err);
	o = run("ip -n %s -4 route show", ns_name);
	cr_assert(strstr(o, "10.96.0.0/12 via 10.77.0.2 dev eth0") != NULL, "%s", o);
	cr_assert(strstr(o, "192.0.2.0/24 dev eth0") != NULL, "%s", o);
	cr_assert(strstr(o, "default via 10.77.0.1 dev eth0") != NULL, "%s", o);
	cr_assert_eq(host_link_delete(HOST_NETNS_SELF, outer, err, sizeof(err)), 0, "%s", err);

	pod_spec(&s, fd);
	ip(&s.routes[0].dst, "10.96.0.0/12");
	ip(&s.routes[0].via, "fd77::2");
	cr_assert_eq(host_veth_create(&s, NULL, err, sizeof(err)), -1);
	cr_assert(strstr(err, "route 0: next hop of the wrong address family") != NULL, "%s", err);
	cr_assert_not(host_link_exists(HOST_NETNS_SELF, outer));

	pod_spec(&s, fd);
	ip(&s.routes[0].dst, "10.96.0.0/12");
	ip(&s.routes[0].via, "198.51.100.1"); /* on no link of the pod */
	cr_assert_eq(host_veth_create(&s, NULL, err, sizeof(err)), -1);
	cr_assert(strstr(err, "route 10.96.0.0/12 via 198.51.100.1") != NULL, "%s", err);
	cr_assert_not(host_link_exists(HOST_NETNS_SELF, outer));
	cr_assert_not(host_link_exists(fd, "eth0"));
	close(fd);
}

/* What host_netns_run's fn saw: its thread's namespace, and a tap it made
 * (IFF_TAP, as tap_port.c makes a pod's) kept open. */
struct in_ns {
	char seen[64];
	int tap;
};

static int make_tap_here(void *arg)
{
	struct in_ns *r = arg;
	struct ifreq ifr;

	self_netns(r->seen, sizeof(r->seen));
	r->tap = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (r->tap < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "eth0");
	return ioctl(r->tap, TUNSETIFF, &ifr) < 0 ? -1 : 7;
}

/* PortKind tap's plumb: the tap is made in the pod's namespace by the
 * calling thread (host_netns_run), which is back in its own afterwards;
 * host_tap_take then configures it where it is (the same ifindex). */
Test(host_link, tap_made_in_the_pod_then_taken_in_place)
{
	char mine[64], now[64], target[64];
	struct host_veth_spec s;
	struct host_veth_result res;
	struct host_link_info made, in;
	struct in_ns r = { .tap = -1 };
	const char *o;
	int fd = make_ns(ns_name);

	self_netns(mine, sizeof(mine));
	snprintf(target, sizeof(target), "%s",
		 run("ip netns exec %s readlink /proc/self/ns/net | tr -d '\\n'", ns_name));
	cr_assert_eq(host_netns_run(fd, make_tap_here, &r, err, sizeof(err)), 7, "%s", err);
	cr_assert_str_eq(r.seen, target, "fn ran in %s, not the pod's %s", r.seen, target);
	cr_assert_str_eq(self_netns(now, sizeof(now)), mine, "the thread stayed in %s", now);
	cr_assert_eq(host_link_get(fd, "eth0", &made, err, sizeof(err)), 0, "%s", err);

	pod_spec(&s, fd);
	cr_assert_eq(host_tap_take(&s, &res, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(host_link_get(fd, "eth0", &in, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(in.ifindex, made.ifindex, "the tap was made again, not configured in place");
	cr_assert_eq(res.inner_ifindex, in.ifindex);
	cr_assert_arr_eq(in.mac, s.mac, 6);
	cr_assert_eq(in.mtu, 1450);
	cr_assert(in.up);
	o = run("ip -n %s -o addr show dev eth0", ns_name);
	cr_assert(strstr(o, "inet 10.77.0.7/24") != NULL, "%s", o);
	o = run("ip -n %s -4 route show default", ns_name);
	cr_assert(strstr(o, "default via 10.77.0.1 dev eth0") != NULL, "%s", o);
	close(r.tap);
	cr_assert_not(host_link_exists(fd, "eth0"), "the tap outlived its descriptor");
	close(fd);
}
