#include "afpacket.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_packet.h>

#define AFP_PREFIX "net_af_packet"

bool afpacket_is_devargs(const char *devargs)
{
	return strncmp(devargs, AFP_PREFIX, strlen(AFP_PREFIX)) == 0;
}

/* Whether the comma-separated arguments after the device name have key=. */
static bool has_arg(const char *devargs, const char *key)
{
	size_t klen = strlen(key);
	const char *s = strchr(devargs, ',');

	while (s != NULL) {
		s++;
		while (*s == ' ')
			s++;
		if (strncmp(s, key, klen) == 0 && s[klen] == '=')
			return true;
		s = strchr(s, ',');
	}
	return false;
}

int afpacket_devargs_defaults(const char *in, char *out, size_t outlen)
{
	int n;

	if (afpacket_is_devargs(in) && !has_arg(in, "framecnt"))
		n = snprintf(out, outlen, "%s,framecnt=%d", in, AFPACKET_DEFAULT_FRAMECNT);
	else
		n = snprintf(out, outlen, "%s", in);
	return n >= 0 && (size_t)n < outlen ? 0 : -1;
}

void afpacket_read_drops(const int *ifindex, unsigned n, uint64_t *drops)
{
	DIR *d;
	struct dirent *e;

	if (n == 0 || (d = opendir("/proc/self/fd")) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		struct sockaddr_ll sll;
		struct tpacket_stats st;
		socklen_t len;
		int fd, domain;
		char *end;

		fd = (int)strtol(e->d_name, &end, 10);
		if (*end != '\0' || end == e->d_name || fd == dirfd(d))
			continue;
		len = sizeof(domain);
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 ||
		    domain != AF_PACKET)
			continue;
		len = sizeof(sll);
		memset(&sll, 0, sizeof(sll));
		if (getsockname(fd, (struct sockaddr *)&sll, &len) != 0)
			continue;
		for (unsigned i = 0; i < n; i++) {
			if (ifindex[i] <= 0 || sll.sll_ifindex != ifindex[i])
				continue;
			/* TPACKET_V2 (the PMD's version): struct tpacket_stats */
			len = sizeof(st);
			if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
				drops[i] += st.tp_drops;
			break;
		}
	}
	closedir(d);
}
