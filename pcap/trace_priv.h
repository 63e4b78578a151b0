/* What trace.c (start/stop, worker side) and trace_writer.c (the writer
 * thread) share. Not for other modules: they include trace.h only.
 * Layer: pcap/, engine layer (pcapng and traces; DPDK and libpcap only). */
#ifndef HVS_TRACE_PRIV_H
#define HVS_TRACE_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>
#include <rte_common.h>
#include <rte_config.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "trace.h"

#define TRACE_USERAPPL "hvswitch"
#define TRACE_SWITCH_NAME_MAX 256
/* Records in the pool (2^n - 1 suits rte_mempool), fewer when a record is
 * large so that the pool stays within TRACE_POOL_BYTES. */
#define TRACE_POOL_RECORDS 4095u
#define TRACE_POOL_MIN_RECORDS 511u
#define TRACE_POOL_BYTES (16u << 20)
#define TRACE_POOL_CACHE 32u
#define TRACE_WRITER_BURST 32u
/* The longest comment: the longest event text with the longest names. */
#define TRACE_COMMENT_MAX                                                      \
	(TRACE_TEXT_MAX + 2 * TRACE_PORT_NAME_MAX + TRACE_SWITCH_NAME_MAX + 128)

/* One traced hop: the header, then snaplen bytes of packet. */
struct trace_rec {
	uint64_t packet_id;
	uint64_t tsc;
	uint32_t origlen;
	uint32_t caplen;
	uint16_t port;
	uint16_t other_port;
	uint16_t ev;       /* enum trace_event */
	uint16_t text_len; /* bytes of text: the drop reason or the note */
	char text[TRACE_TEXT_MAX];
	uint8_t data[];
};

/* Per-worker counters, each on its own cache line. */
struct trace_worker_counters {
	uint64_t dropped;
	uint64_t filtered;
} __rte_cache_aligned;

struct trace {
	struct trace_options opts; /* with defaults applied */
	char switch_name[TRACE_SWITCH_NAME_MAX];

	/* worker side, read-mostly */
	struct rte_mempool *pool;
	struct rte_ring *ring;
	uint32_t snaplen;
	uint64_t port_mask[TRACE_MASK_WORDS];
	bool all_ports; /* port_mask all zero */
	bool has_filter;
	bool stopping;
	struct bpf_program prog;
	uint64_t tsc_base;
	uint64_t tsc_hz;
	uint64_t ns_base; /* CLOCK_REALTIME at tsc_base */

	uint64_t next_packet_id __rte_cache_aligned;

	/* writer side */
	pthread_t writer __rte_cache_aligned;
	bool hold;
	FILE *f;
	char *fbuf;          /* stdio buffer of f */
	uint8_t *wbuf;       /* one encoded block */
	size_t wbuf_cap;
	uint64_t file_bytes; /* in the current file */
	uint64_t header_bytes;
	unsigned nb_idbs;    /* interfaces declared in the current file */
	char if_names[TRACE_MAX_PORTS][TRACE_PORT_NAME_MAX];
	unsigned nb_names;   /* slots named at start */

	/* writer's counters, read by trace_read_counters */
	uint64_t records_written;
	uint64_t write_dropped;
	uint64_t bytes_written;
	uint32_t files_rotated;

	struct trace_worker_counters wc[RTE_MAX_LCORE + 1];
};

/* trace_writer.c */
int trace_file_open(struct trace *t, char *err, size_t errlen);
void trace_file_close(struct trace *t);
void *trace_writer_main(void *arg);
/* The event text of r: its length, written into buf (NUL-terminated). */
size_t trace_format_event(const struct trace *t, const struct trace_rec *r,
			  char *buf, size_t cap);

#endif
