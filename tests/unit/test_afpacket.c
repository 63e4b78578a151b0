/* What the switch adds for net_af_packet ports (vswitch/control/afpacket.h):
 * the ring size appended to Devargs without one, and the kernel's drop
 * counters read from this process's packet sockets. No EAL. */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include <criterion/criterion.h>

#include "afpacket.h"

static const char *defaults(const char *in)
{
	static char out[256];

	cr_assert_eq(afpacket_devargs_defaults(in, out, sizeof(out)), 0);
	return out;
}

Test(afpacket, framecnt_appended_when_missing)
{
	char want[128];

	snprintf(want, sizeof(want), "net_af_packet0,iface=veth0,framecnt=%d",
		 AFPACKET_DEFAULT_FRAMECNT);
	cr_assert_str_eq(defaults("net_af_packet0,iface=veth0"), want);
	snprintf(want, sizeof(want), "net_af_packet3,iface=v,blocksz=8192,framecnt=%d",
		 AFPACKET_DEFAULT_FRAMECNT);
	cr_assert_str_eq(defaults("net_af_packet3,iface=v,blocksz=8192"), want);
}

Test(afpacket, user_framecnt_and_other_devices_untouched)
{
	cr_assert_str_eq(defaults("net_af_packet0,iface=veth0,framecnt=512"),
			 "net_af_packet0,iface=veth0,framecnt=512");
	cr_assert_str_eq(defaults("net_af_packet0,framecnt=64,iface=x"),
			 "net_af_packet0,framecnt=64,iface=x");
	cr_assert_str_eq(defaults("net_tap0,iface=framecnt"), "net_tap0,iface=framecnt");
	cr_assert_str_eq(defaults("0000:3b:02.0"), "0000:3b:02.0");
	/* an interface named like the key is not the key */
	cr_assert(strstr(defaults("net_af_packet1,iface=framecnt"), ",framecnt=") != NULL);
}

Test(afpacket, too_small_output_refused)
{
	char out[20];

	cr_assert_eq(afpacket_devargs_defaults("net_af_packet0,iface=veth0", out, sizeof(out)), -1);
}

/* A packet socket on lo with the smallest receive buffer overflows when
 * nobody reads it: its drops are read once (the kernel resets them). */
Test(afpacket, kernel_drops_read_and_reset)
{
	int ifindex = (int)if_nametoindex("lo"), other = 0x7fffffff;
	uint64_t drops = 0, none = 0;
	int ps, us, small = 1;
	struct sockaddr_ll sll;
	struct sockaddr_in to;
	char payload[1000];

	if (geteuid() != 0)
		cr_skip_test("needs root (AF_PACKET)");
	cr_assert_gt(ifindex, 0);
	ps = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	cr_assert_geq(ps, 0);
	setsockopt(ps, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	cr_assert_eq(bind(ps, (struct sockaddr *)&sll, sizeof(sll)), 0);
	afpacket_read_drops(&ifindex, 1, &drops); /* what came before */
	drops = 0;

	us = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons(9); /* discard: nobody listens, the frames still pass lo */
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(payload, 0, sizeof(payload));
	for (int i = 0; i < 200; i++)
		sendto(us, payload, sizeof(payload), 0, (struct sockaddr *)&to, sizeof(to));

	afpacket_read_drops(&other, 1, &none);
	cr_assert_eq(none, 0, "a socket on another interface is not counted");
	afpacket_read_drops(&ifindex, 1, &drops);
	cr_assert_gt(drops, 100, "drops %llu", (unsigned long long)drops);
	none = 0;
	afpacket_read_drops(&ifindex, 1, &none);
	cr_assert_lt(none, 5, "read again: %llu", (unsigned long long)none);
	close(us);
	close(ps);
}
