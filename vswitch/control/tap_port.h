/* PortKind "tap": a switch port on a Linux tap that the worker reads and
 * writes itself with virtio-net headers (tap_io.h), so TSO/GRO segments
 * cross the switch whole. Devargs "net_hvtap<suffix>,iface=NAME" (and
 * ",offload=0" for a tap that must hand over finished 1,500-byte frames,
 * as Overlay pods must) opens or creates tap NAME, non-persistent: it
 * goes when the port does, or with the daemon (kill -9 included). It
 * holds no ethdev (vs_port.eth_port is VS_NO_ETH_PORT; until issue 18 a
 * net_null placeholder, so DPDK's RTE_MAX_ETHPORTS 32 capped the pods).
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_TAP_PORT_H
#define HVS_TAP_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tap_io.h"

#define TAP_PORT_DRIVER "net_hvtap"

/* True for Devargs this module handles. */
bool tap_port_is_devargs(const char *devargs);

/* Opens the tap. 0 with *tap and *eth_port (VS_NO_ETH_PORT), or -1 with
 * err (nothing left open). */
int tap_port_open(const char *devargs, struct tap_io **tap, uint16_t *eth_port,
		  char *err, size_t errlen);

/* Makes the tap on switch port index port known to the workers' readiness
 * poll (tap_io.h tap_ready): without it no worker reads it. 0, or -1
 * with err. */
int tap_port_watch(struct tap_io *tap, uint16_t port, char *err, size_t errlen);

/* Closes the tap (the kernel removes it) and frees what open made; the
 * worker must no longer poll it. */
void tap_port_close(struct tap_io *tap);

#endif
