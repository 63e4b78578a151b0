/* Turning off a kernel interface's transmit offloads (checksum, TSO, GSO)
 * in any network namespace, over the ethtool ioctl on a socket made inside
 * that namespace (on a short-lived thread, as host_nl.c does). The switch's
 * af_xdp / af_packet ports take frames as the kernel hands them: a frame
 * whose checksum the sender left to the "hardware" (a veth with tx
 * checksumming on) would cross the switch unfinished and be dropped by the
 * receiver, so a pod's or host vNIC's interface must checksum in software.
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_HOST_OFFLOAD_H
#define HVS_HOST_OFFLOAD_H

#include <stddef.h>

/* Clears tx checksumming, TSO and GSO on the link named name in netns (an
 * fd, or HOST_NETNS_SELF). 0, or -1 with err naming the step. */
int host_link_tx_offload_off(int netns, const char *name, char *err,
			     size_t errlen);

#endif
