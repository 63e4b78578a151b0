/* Plumbing latency of a pod (issue 16, Performance: "namespace + endpoint
 * plumb latency, p50/p99 of 100", target under 20 ms p99): each round
 * makes a named namespace and a veth into it with MAC, IPv4 address,
 * default route and MTU (what a container attach does), timed; then
 * removes both, timed apart. Root. Names carry the pid; whatever a round
 * made is removed before the next, and on a failure the program stops.
 *
 * usage: plumb-bench [ROUNDS]   (default 100) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host_link.h"
#include "host_netns.h"
#include "host_veth.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(double *v, int n, int p)
{
	int i = (n * p + 99) / 100 - 1;

	return v[i < 0 ? 0 : i];
}

/* One pod's namespace and veth; 0, or -1 with err. */
static int plumb(const char *ns, const char *outer, char *err, size_t errlen)
{
	struct host_veth_spec s = { .inner_name = "eth0", .outer_name = outer,
				    .set_mac = true, .mac = { 2, 0, 0x5e, 0x10, 0, 9 },
				    .mtu = 1450 };
	int fd, rc;

	if (host_netns_create(ns, err, errlen) < 0)
		return -1;
	fd = host_netns_open_name(ns, err, errlen);
	if (fd < 0)
		return -1;
	s.netns = fd;
	rc = host_ip_parse("10.98.0.9/24", &s.addrs[0], err, errlen);
	if (rc == 0)
		rc = host_ip_parse("10.98.0.1", &s.gateway4, err, errlen);
	if (rc == 0)
		rc = host_veth_create(&s, NULL, err, errlen);
	close(fd);
	return rc;
}

static int unplumb(const char *ns, const char *outer, char *err, size_t errlen)
{
	int a = host_link_delete(HOST_NETNS_SELF, outer, err, errlen);
	int b = host_netns_delete(ns, err, errlen);

	return a < 0 || b < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 100;
	double *up, *down;
	char ns[64], outer[IF_NAMESIZE], err[256];

	if (rounds < 1 || rounds > 100000) {
		fprintf(stderr, "usage: plumb-bench [ROUNDS 1..100000]\n");
		return 2;
	}
	up = calloc((size_t)rounds, sizeof(*up));
	down = calloc((size_t)rounds, sizeof(*down));
	if (up == NULL || down == NULL)
		return 1;
	snprintf(ns, sizeof(ns), "hvplumb-%d", (int)getpid());
	snprintf(outer, sizeof(outer), "hvpl%d", (int)getpid());
	for (int i = 0; i < rounds; i++) {
		double t0 = now_ms(), t1, t2;
		int rc = plumb(ns, outer, err, sizeof(err));

		t1 = now_ms();
		if (rc < 0) {
			fprintf(stderr, "plumb-bench: round %d: %s\n", i, err);
			unplumb(ns, outer, err, sizeof(err));
			return 1;
		}
		if (unplumb(ns, outer, err, sizeof(err)) < 0) {
			fprintf(stderr, "plumb-bench: round %d: remove: %s\n", i, err);
			return 1;
		}
		t2 = now_ms();
		up[i] = t1 - t0;
		down[i] = t2 - t1;
	}
	qsort(up, (size_t)rounds, sizeof(*up), cmp_double);
	qsort(down, (size_t)rounds, sizeof(*down), cmp_double);
	printf("plumb-bench: %d rounds: namespace + veth (MAC, address, route, MTU, up) "
	       "p50 %.2f ms p99 %.2f ms max %.2f ms; removal p50 %.2f ms p99 %.2f ms\n",
	       rounds, pct(up, rounds, 50), pct(up, rounds, 99), up[rounds - 1],
	       pct(down, rounds, 50), pct(down, rounds, 99));
	free(up);
	free(down);
	return 0;
}
