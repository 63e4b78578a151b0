/* What the switch adds for net_af_packet ports, which DPDK 22.11's PMD
 * does not: ring sizes that hold a burst of a TCP stream (appended to
 * Devargs that do not choose them), and the kernel's RX ring drops
 * (PACKET_STATISTICS tp_drops of the PMD's packet sockets, which the PMD
 * never reads, so ethdev imissed stays 0 while frames are lost).
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_AFPACKET_H
#define HVS_AFPACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Frames per RX (and TX) ring the switch asks for when Devargs name no
 * framecnt: the PMD's default, 512, overflows within 1-2 ms of a 1 Gbit/s
 * TCP stream whenever the worker is not running (a shared CPU); 4096
 * frames of 2048 bytes (8 MiB of kernel memory per ring, two rings per
 * queue pair) held iperf3 through L2 and NAT without a drop (README,
 * Ports). */
#define AFPACKET_DEFAULT_FRAMECNT 4096

/* True for a net_af_packet vdev string ("net_af_packet0,iface=veth0"). */
bool afpacket_is_devargs(const char *devargs);

/* in with ",framecnt=AFPACKET_DEFAULT_FRAMECNT" appended when it is a
 * net_af_packet string without a framecnt argument; otherwise a copy.
 * Returns 0, or -1 when out is too small. */
int afpacket_devargs_defaults(const char *in, char *out, size_t outlen);

/* Reads (and so resets, as the kernel does on every read) the drop
 * counters of this process's AF_PACKET sockets: drops[i] += tp_drops of
 * every socket bound to ifindex[i]. One pass over /proc/self/fd. */
void afpacket_read_drops(const int *ifindex, unsigned n, uint64_t *drops);

#endif
