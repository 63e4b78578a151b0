/* A small pcapng reader for the files the trace writer produces (SHB,
 * IDB, EPB with their options; other blocks are skipped). Native byte
 * order only; several sections (concatenated files) are fine. No DPDK:
 * hnsctl and the tests link it.
 * Layer: pcap/, engine layer (pcapng and traces; DPDK and libpcap only). */
#ifndef HVS_PCAPNG_READER_H
#define HVS_PCAPNG_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pcapng_reader;

/* One packet. Pointers stay valid until the next pcapng_next call. */
struct pcapng_packet {
	uint32_t if_id;
	const char *if_name;     /* the IDB's if_name, "" if none */
	uint16_t linktype;
	uint64_t ts_ns;          /* timestamp in ns since the epoch */
	bool has_flags;
	uint32_t flags;          /* epb_flags (PCAPNG_EPB_INBOUND/OUTBOUND) */
	uint64_t packet_id;      /* epb_packetid, 0 if none */
	const char *comment;     /* first opt_comment, NUL-terminated, or NULL */
	uint32_t caplen;
	uint32_t origlen;
	const uint8_t *data;     /* caplen bytes */
};

/* Opens path and reads its Section Header Block. NULL with a message in
 * err on failure (cannot open, not pcapng, other byte order). */
struct pcapng_reader *pcapng_reader_open(const char *path, char *err,
					 size_t errlen);

/* The next packet: 1, 0 at the end of the file, -1 on a malformed or
 * truncated file (message from pcapng_reader_error). */
int pcapng_reader_next(struct pcapng_reader *r, struct pcapng_packet *p);

const char *pcapng_reader_error(const struct pcapng_reader *r);

/* Interfaces of the current section seen so far. */
unsigned pcapng_reader_nb_interfaces(const struct pcapng_reader *r);
const char *pcapng_reader_if_name(const struct pcapng_reader *r, unsigned i);
uint32_t pcapng_reader_if_snaplen(const struct pcapng_reader *r, unsigned i);

/* The current section's shb_userappl, "" if none. */
const char *pcapng_reader_userappl(const struct pcapng_reader *r);

void pcapng_reader_close(struct pcapng_reader *r);

#endif
