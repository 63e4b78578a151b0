/* NBL-equivalent traces (SPEC 7): every hop of every traced packet as a
 * pcapng Enhanced Packet Block on the interface of the port concerned, all
 * hops of one packet sharing an epb_packetid, the event in opt_comment in
 * the Windows vmSwitch wording:
 *   NBL received from Nic <port> in switch <switch>
 *   NBL routed from Nic <in> to Nic <out> on switch <switch>
 *   NBL delivered to Nic <port> in switch <switch>
 *   NBL destined to Nic <port> was dropped in switch <switch>, Reason <reason>
 *   plus free text (WinNAT events) on the packet that caused them.
 *
 * Workers call trace_* with the live trace (or skip everything when none
 * runs: one load and branch per burst). A record is a copy of up to
 * SnapLength bytes plus the event, taken from a preallocated pool and put
 * on a multi-producer ring; a writer thread formats and writes them. A
 * full ring or empty pool drops the event and counts it: workers never
 * wait. Dataplane code includes only this header.
 * Layer: pcap/, engine layer (pcapng and traces; DPDK and libpcap only). */
#ifndef HVS_TRACE_H
#define HVS_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#define TRACE_MAX_PORTS 128
#define TRACE_MASK_WORDS ((TRACE_MAX_PORTS + 63) / 64)
#define TRACE_PORT_NAME_MAX 64
#define TRACE_DEFAULT_SNAPLEN 1600
#define TRACE_MAX_SNAPLEN 9216
#define TRACE_TEXT_MAX 384

struct trace_options {
	char file[4096];
	char filter[1024];      /* libpcap syntax; "" traces everything */
	uint32_t snaplen;       /* 0: TRACE_DEFAULT_SNAPLEN; at most TRACE_MAX_SNAPLEN */
	uint32_t max_file_mb;   /* 0: no cap; else rotate FILE -> FILE.1 ... */
	uint32_t max_files;     /* rotated files kept (0: 4) */
	/* bit i % 64 of word i / 64: trace port i; all zero: all ports */
	uint64_t port_mask[TRACE_MASK_WORDS];
	bool no_follow;         /* refuse FILE when it is a symbolic link
				 * (traces started through the API) */
};

struct trace;

/* Compiles the filter (pcap_compile, DLT_EN10MB), creates the file (SHB
 * + one IDB per port slot, if_name = port name; unused slots get "unused-N"),
 * the record pool and ring, and starts the writer thread. port_names has
 * nb_ports entries (switch port index order). NULL with err (names
 * "Filter", "File", "SnapLength"...) on failure; nothing left open. */
struct trace *trace_start(const struct trace_options *o, const char *switch_name,
			  const char *const *port_names, unsigned nb_ports,
			  char *err, size_t errlen);

/* Stops accepting records, writes everything queued, closes the file and
 * frees the trace. The caller must first unpublish it and wait for the
 * workers to stop using it (RCU grace period). */
void trace_stop(struct trace *t);

const struct trace_options *trace_get_options(const struct trace *t);

struct trace_counters {
	uint64_t records_written;
	uint64_t records_dropped;   /* ring full or pool empty */
	uint64_t packets_filtered;  /* received packets the filter rejected */
	uint64_t bytes_written;
	uint32_t files_rotated;
};
void trace_read_counters(const struct trace *t, struct trace_counters *c);

/* ---- worker side ---- */

/* At receive: applies the port mask and filter to m and returns a new
 * packet id (nonzero, unique in the trace) if the packet is to be traced,
 * else 0. Every later hop of that packet passes this id. */
uint64_t trace_admit(struct trace *t, unsigned worker_id, uint16_t port,
		     const struct rte_mbuf *m);

enum trace_event {
	TRACE_EV_RECEIVED,   /* port = in-port, inbound */
	TRACE_EV_ROUTED,     /* port = out-port (other = in-port), outbound */
	TRACE_EV_DELIVERED,  /* port = out-port, outbound */
	TRACE_EV_DROPPED,    /* port = the port it was destined to / came from; reason */
	TRACE_EV_NOTE,       /* port, free text (e.g. WinNAT event) */
};

/* Records one hop of packet id (from trace_admit) with a copy of m.
 * reason: static text (drop reasons) for DROPPED; text: for NOTE (copied,
 * truncated to TRACE_TEXT_MAX). Unused arguments may be 0/NULL. */
void trace_record(struct trace *t, unsigned worker_id, uint64_t packet_id,
		  enum trace_event ev, uint16_t port, uint16_t other_port,
		  const struct rte_mbuf *m, const char *reason, const char *text);

#endif
