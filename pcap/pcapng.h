/* pcapng block encoder (SPEC 7): the three blocks a trace needs, written
 * byte-exact in host byte order into a caller buffer. Pure functions, no
 * DPDK: the writer thread, the unit tests and throwaway tools share them.
 *
 * Every block is: block type (32), block total length (32), body padded
 * to 32 bits, options (code 16, length 16, value padded to 32 bits,
 * opt_endofopt last), block total length again.
 * Layer: pcap/, engine layer (pcapng and traces; DPDK and libpcap only). */
#ifndef HVS_PCAPNG_H
#define HVS_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

#define PCAPNG_BT_SHB 0x0A0D0D0Au
#define PCAPNG_BT_IDB 0x00000001u
#define PCAPNG_BT_EPB 0x00000006u
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define PCAPNG_VERSION_MAJOR 1
#define PCAPNG_VERSION_MINOR 0

#define PCAPNG_LINKTYPE_ETHERNET 1

/* Option codes. */
#define PCAPNG_OPT_ENDOFOPT 0
#define PCAPNG_OPT_COMMENT 1
#define PCAPNG_SHB_USERAPPL 4
#define PCAPNG_IF_NAME 2
#define PCAPNG_IF_TSRESOL 9
#define PCAPNG_EPB_FLAGS 2
#define PCAPNG_EPB_PACKETID 5

/* epb_flags bits 0-1: direction. */
#define PCAPNG_EPB_DIR_MASK 0x3u
#define PCAPNG_EPB_INBOUND 0x1u
#define PCAPNG_EPB_OUTBOUND 0x2u

/* if_tsresol 9: timestamps in nanoseconds. */
#define PCAPNG_TSRESOL_NS 9

/* Largest option value an option header can describe. */
#define PCAPNG_OPT_MAX 0xFFFFu

/* Bytes n occupies once padded to 32 bits. */
static inline size_t pcapng_pad4(size_t n)
{
	return (n + 3u) & ~(size_t)3u;
}

/* Section Header Block: byte-order magic, version 1.0, section length -1
 * (unknown), shb_userappl = userappl (omitted when NULL or ""). Returns
 * the block length, or 0 if it does not fit in cap (nothing promised
 * about buf then). buf == NULL with cap 0 returns the length needed. */
size_t pcapng_write_shb(void *buf, size_t cap, const char *userappl);

/* Interface Description Block: linktype, snaplen, if_name (omitted when
 * NULL or ""), if_tsresol = tsresol (omitted when 0; 9 = nanoseconds). */
size_t pcapng_write_idb(void *buf, size_t cap, uint16_t linktype,
			uint32_t snaplen, const char *if_name, uint8_t tsresol);

/* One Enhanced Packet Block. Options present: opt_comment if comment is
 * not NULL (comment_len bytes, no terminator; may be 0 for ""), epb_flags
 * if has_flags, epb_packetid if packet_id != 0; opt_endofopt closes them
 * when any is present. */
struct pcapng_epb {
	uint32_t if_id;
	uint64_t timestamp;     /* in the interface's if_tsresol units */
	uint32_t caplen;        /* bytes of data */
	uint32_t origlen;       /* length on the wire */
	const void *data;
	const char *comment;
	size_t comment_len;
	int has_flags;
	uint32_t flags;
	uint64_t packet_id;
};

/* Length the EPB will take (0 if an option or the block is too long). */
size_t pcapng_epb_len(const struct pcapng_epb *e);
size_t pcapng_write_epb(void *buf, size_t cap, const struct pcapng_epb *e);

#endif
