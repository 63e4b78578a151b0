/* libFuzzer target: the packet pipeline of a whole switch (fuzz_switch.h:
 * uplink with router and WinNAT, an L2Bridge network, an HNS NAT network,
 * a VLAN trunk and access port, port ACLs and extended ACLs). An input is
 * a list of frames, each
 *
 *   1 byte  ingress port (modulo the number of ports)
 *   2 bytes frame length (big-endian; more than what is left: the rest)
 *   frame
 *
 * run through pipeline_process_burst() on worker 0 (parse, VLAN, VFP
 * ingress with ACLs, WinNAT and the L2Bridge rewrite, router with ARP and
 * ICMP, learning, forwarding, VFP egress, egress VLAN) one at a time, then
 * what a worker and the control loop do between bursts. Frames leave
 * through net_null ports. The switch's state (sessions, learnt MACs,
 * neighbours) carries over between inputs, as on a real switch. */
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>

#include "fuzz_switch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fuzz_switch fsw;
static bool ready;

#define MAX_FRAMES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned frames = 0;

	if (!ready) {
		fuzz_switch_build(&fsw);
		ready = true;
	}
	while (size >= 3 && frames++ < MAX_FRAMES) {
		uint16_t port = (uint16_t)(data[0] % fsw.sw->nb_ports);
		size_t len = (size_t)data[1] << 8 | data[2];
		struct rte_mbuf *m;
		char *dst;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		m = rte_pktmbuf_alloc(fsw.w->pool);
		if (m == NULL)
			abort();
		if (len > rte_pktmbuf_tailroom(m))
			len = rte_pktmbuf_tailroom(m);
		dst = rte_pktmbuf_append(m, (uint16_t)len);
		if (len > 0)
			memcpy(dst, data, len);
		m->port = fsw.sw->ports[port].eth_port;
		fuzz_switch_rx(&fsw, port, m);
		fuzz_switch_settle(&fsw);
		data += len;
		size -= len;
	}
	return 0;
}
