/* NBL-equivalent traces (pcap/trace.h): hops written by the writer thread
 * and read back with the pcapng reader; filters, port mask, snap length,
 * rotation, and a full pool that drops instead of waiting. Needs EAL. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rte_mbuf.h>

#include "eal_fixture.h"
#include "pcapng.h"
#include "pcapng_reader.h"
#include "trace.h"
#include "trace_test.h"

static struct rte_mempool *mbufs;
static char dir[64];
static char file[128];

static const char *const names[] = {"uplink", "c1", "c2"};

static void setup(void)
{
	test_eal_init();
	mbufs = rte_pktmbuf_pool_create("trace_mbufs", 255, 0, 0,
					RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	cr_assert_not_null(mbufs, "mbuf pool: %s", rte_strerror(rte_errno));
	snprintf(dir, sizeof(dir), "/tmp/test_trace_XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/t.pcapng", dir);
}

static void teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
	rte_mempool_free(mbufs);
	mbufs = NULL;
	test_eal_cleanup();
}

TestSuite(trace, .init = setup, .fini = teardown, .timeout = 30);

/* Ethernet + IPv4 + UDP or TCP, len bytes in all (at least 54). */
static struct rte_mbuf *packet(uint8_t proto, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mbufs);
	uint8_t *p;

	cr_assert_not_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	cr_assert_not_null(p);
	for (uint16_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7);
	const uint8_t eth[14] = {2, 0, 0, 0, 0, 0xb, 2, 0, 0, 0, 0, 0xa, 0x08, 0x00};
	memcpy(p, eth, sizeof(eth));
	uint8_t *ip = p + 14;
	uint16_t ip_len = (uint16_t)(len - 14);
	const uint8_t iph[20] = {0x45, 0, (uint8_t)(ip_len >> 8), (uint8_t)ip_len,
				 0, 1, 0, 0, 64, proto, 0, 0,
				 10, 0, 0, 1, 10, 0, 0, 2};
	memcpy(ip, iph, sizeof(iph));
	ip[20] = 0x30; /* source port 12345 */
	ip[21] = 0x39;
	ip[22] = 0x00; /* destination port 80 */
	ip[23] = 0x50;
	return m;
}

#define UDP 17
#define TCP 6

static struct trace *start(struct trace_options *o)
{
	char err[256] = "";
	struct trace *t;

	snprintf(o->file, sizeof(o->file), "%s", file);
	t = trace_start(o, "vSwitch", names, 3, err, sizeof(err));
	cr_assert_not_null(t, "trace_start: %s", err);
	return t;
}

static struct pcapng_reader *open_file(const char *path)
{
	char err[256];
	struct pcapng_reader *r = pcapng_reader_open(path, err, sizeof(err));

	cr_assert_not_null(r, "%s", err);
	return r;
}

static void next(struct pcapng_reader *r, struct pcapng_packet *p)
{
	cr_assert_eq(pcapng_reader_next(r, p), 1, "reader: %s", pcapng_reader_error(r));
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Waits (at most 10 s) until the writer has written n records. */
static void wait_written(struct trace *t, uint64_t n)
{
	struct trace_counters c;

	for (int i = 0; i < 10000; i++) {
		trace_read_counters(t, &c);
		if (c.records_written >= n)
			return;
		usleep(1000);
	}
	cr_assert_fail("writer wrote %lu of %lu records",
		       (unsigned long)c.records_written, (unsigned long)n);
}

static void expect(struct pcapng_reader *r, const char *if_name, uint64_t id,
		   uint32_t dir_flag, const char *comment)
{
	struct pcapng_packet p;

	next(r, &p);
	cr_assert_str_eq(p.if_name, if_name);
	cr_assert_eq(p.packet_id, id, "packet id %lu, want %lu",
		     (unsigned long)p.packet_id, (unsigned long)id);
	cr_assert(p.has_flags);
	cr_assert_eq(p.flags & PCAPNG_EPB_DIR_MASK, dir_flag, "%s: flags %u",
		     comment, p.flags);
	cr_assert_not_null(p.comment);
	cr_assert_str_eq(p.comment, comment);
}

Test(trace, hops_of_packets)
{
	struct trace_options o = {0};
	struct trace *t = start(&o);
	struct rte_mbuf *a = packet(UDP, 100), *b = packet(TCP, 80), *c = packet(UDP, 60);
	struct trace_counters cnt;
	uint64_t before = now_ns();

	uint64_t ia = trace_admit(t, 0, 0, a);
	uint64_t ib = trace_admit(t, 1, 2, b);
	uint64_t ic = trace_admit(t, 0, 1, c);

	cr_assert_neq(ia, 0);
	cr_assert_neq(ib, 0);
	cr_assert_neq(ic, 0);
	cr_assert(ia != ib && ib != ic && ia != ic);

	trace_record(t, 0, ia, TRACE_EV_RECEIVED, 0, 0, a, NULL, NULL);
	trace_record(t, 0, ia, TRACE_EV_ROUTED, 1, 0, a, NULL, NULL);
	trace_record(t, 0, ia, TRACE_EV_DELIVERED, 1, 0, a, NULL, NULL);
	trace_record(t, 1, ib, TRACE_EV_RECEIVED, 2, 2, b, NULL, NULL);
	trace_record(t, 1, ib, TRACE_EV_DROPPED, 0, 2, b, "Failed Security Policy", NULL);
	trace_record(t, 0, ic, TRACE_EV_RECEIVED, 1, 1, c, NULL, NULL);
	trace_record(t, 0, ic, TRACE_EV_NOTE, 1, 0, c, NULL,
		     "WinNAT: session created 10.0.0.1:12345 -> 10.0.0.2:80");
	trace_record(t, 0, ic, TRACE_EV_DROPPED, 1, 1, c, "Invalid packet", NULL);
	/* Not admitted: nothing recorded. */
	trace_record(t, 0, 0, TRACE_EV_RECEIVED, 0, 0, a, NULL, NULL);
	wait_written(t, 8);
	trace_read_counters(t, &cnt);
	cr_assert_eq(cnt.records_written, 8);
	cr_assert_eq(cnt.records_dropped, 0);
	cr_assert_eq(cnt.packets_filtered, 0);
	cr_assert_gt(cnt.bytes_written, 8 * 100);
	cr_assert_eq(cnt.files_rotated, 0);
	trace_stop(t);
	uint64_t after = now_ns();

	struct pcapng_reader *r = open_file(file);
	struct pcapng_packet p;

	cr_assert_str_eq(pcapng_reader_userappl(r), "hvswitch");
	expect(r, "uplink", ia, PCAPNG_EPB_INBOUND,
	       "NBL received from Nic uplink in switch vSwitch");
	cr_assert_eq(pcapng_reader_nb_interfaces(r), 3, "one IDB per port");
	for (unsigned i = 0; i < 3; i++) {
		cr_assert_str_eq(pcapng_reader_if_name(r, i), names[i]);
		cr_assert_eq(pcapng_reader_if_snaplen(r, i), TRACE_DEFAULT_SNAPLEN);
	}
	expect(r, "c1", ia, PCAPNG_EPB_OUTBOUND,
	       "NBL routed from Nic uplink to Nic c1 on switch vSwitch");
	expect(r, "c1", ia, PCAPNG_EPB_OUTBOUND,
	       "NBL delivered to Nic c1 in switch vSwitch");
	expect(r, "c2", ib, PCAPNG_EPB_INBOUND,
	       "NBL received from Nic c2 in switch vSwitch");
	expect(r, "uplink", ib, PCAPNG_EPB_OUTBOUND,
	       "NBL destined to Nic uplink was dropped in switch vSwitch, "
	       "Reason Failed Security Policy");
	expect(r, "c1", ic, PCAPNG_EPB_INBOUND,
	       "NBL received from Nic c1 in switch vSwitch");
	expect(r, "c1", ic, PCAPNG_EPB_INBOUND,
	       "WinNAT: session created 10.0.0.1:12345 -> 10.0.0.2:80");
	expect(r, "c1", ic, PCAPNG_EPB_INBOUND,
	       "NBL destined to Nic c1 was dropped in switch vSwitch, Reason Invalid packet");
	cr_assert_eq(pcapng_reader_next(r, &p), 0, "no more packets");
	pcapng_reader_close(r);

	/* Data and timestamps of the first hop. */
	r = open_file(file);
	next(r, &p);
	cr_assert_eq(p.caplen, 100);
	cr_assert_eq(p.origlen, 100);
	cr_assert_eq(memcmp(p.data, rte_pktmbuf_mtod(a, const void *), 100), 0);
	cr_assert_geq(p.ts_ns + 1000000, before, "timestamp before the test");
	cr_assert_leq(p.ts_ns, after + 1000000, "timestamp after the test");
	pcapng_reader_close(r);
	rte_pktmbuf_free(a);
	rte_pktmbuf_free(b);
	rte_pktmbuf_free(c);
}

Test(trace, filter_and_port_mask)
{
	struct trace_options o = {0};
	struct rte_mbuf *u = packet(UDP, 64), *tc = packet(TCP, 64);
	struct trace_counters cnt;
	struct trace *t;

	snprintf(o.filter, sizeof(o.filter), "udp");
	o.port_mask[0] = 1u << 0 | 1u << 2;
	t = start(&o);
	cr_assert_str_eq(trace_get_options(t)->filter, "udp");
	cr_assert_eq(trace_get_options(t)->snaplen, TRACE_DEFAULT_SNAPLEN);

	cr_assert_neq(trace_admit(t, 0, 0, u), 0, "UDP on a traced port");
	cr_assert_neq(trace_admit(t, 3, 2, u), 0);
	cr_assert_eq(trace_admit(t, 0, 0, tc), 0, "TCP is filtered");
	cr_assert_eq(trace_admit(t, 1, 2, tc), 0, "TCP is filtered");
	cr_assert_eq(trace_admit(t, 0, 1, u), 0, "port 1 is not in the mask");
	cr_assert_eq(trace_admit(t, 0, 40, u), 0, "port 40 is not in the mask");
	trace_read_counters(t, &cnt);
	cr_assert_eq(cnt.packets_filtered, 2);
	cr_assert_eq(cnt.records_written, 0);
	trace_stop(t);
	rte_pktmbuf_free(u);
	rte_pktmbuf_free(tc);
}

Test(trace, ids_are_unique_and_nonzero)
{
	struct trace_options o = {0};
	struct rte_mbuf *u = packet(UDP, 64);
	struct trace *t = start(&o);
	uint64_t last = 0;

	for (unsigned i = 0; i < 1000; i++) {
		uint64_t id = trace_admit(t, i % 4, (uint16_t)(i % 3), u);

		cr_assert_gt(id, last);
		last = id;
	}
	trace_stop(t);
	rte_pktmbuf_free(u);
}

Test(trace, bad_options)
{
	struct trace_options o = {0};
	char err[256];

	snprintf(o.file, sizeof(o.file), "%s", file);
	snprintf(o.filter, sizeof(o.filter), "udp and and");
	cr_assert_null(trace_start(&o, "vSwitch", names, 3, err, sizeof(err)));
	cr_assert(strstr(err, "Filter") != NULL, "%s", err);
	cr_assert_neq(access(file, F_OK), 0, "no file for a bad filter");

	o.filter[0] = '\0';
	o.snaplen = TRACE_MAX_SNAPLEN + 1;
	cr_assert_null(trace_start(&o, "vSwitch", names, 3, err, sizeof(err)));
	cr_assert(strstr(err, "SnapLength") != NULL, "%s", err);

	o.snaplen = 0;
	snprintf(o.file, sizeof(o.file), "%s/no/such/dir/t.pcapng", dir);
	cr_assert_null(trace_start(&o, "vSwitch", names, 3, err, sizeof(err)));
	cr_assert(strstr(err, "File") != NULL, "%s", err);

	o.file[0] = '\0';
	cr_assert_null(trace_start(&o, "vSwitch", names, 3, err, sizeof(err)));
	cr_assert(strstr(err, "File") != NULL, "%s", err);

	snprintf(o.file, sizeof(o.file), "%s", file);
	cr_assert_null(trace_start(&o, "vSwitch", names, TRACE_MAX_PORTS + 1, err,
				   sizeof(err)));

	/* The same options work once fixed, and again after a stop. */
	for (int i = 0; i < 2; i++) {
		struct trace *t = trace_start(&o, "vSwitch", names, 3, err, sizeof(err));

		cr_assert_not_null(t, "%s", err);
		trace_stop(t);
	}
}

/* A packet in two segments, longer than the snap length. */
Test(trace, snaplen_truncates_across_segments)
{
	struct trace_options o = {.snaplen = 64};
	struct rte_mbuf *m = packet(UDP, 40), *tail = rte_pktmbuf_alloc(mbufs);
	uint8_t whole[200];
	struct pcapng_packet p;
	struct trace *t;
	uint64_t id;

	cr_assert_not_null(tail);
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(tail, 160);
	for (int i = 0; i < 160; i++)
		d[i] = (uint8_t)(0x80 + i);
	cr_assert_eq(rte_pktmbuf_chain(m, tail), 0);
	cr_assert_eq(rte_pktmbuf_pkt_len(m), 200);
	cr_assert_eq(rte_pktmbuf_data_len(m), 40);
	memcpy(whole, rte_pktmbuf_read(m, 0, 200, whole), 200);

	t = start(&o);
	id = trace_admit(t, 0, 0, m);
	trace_record(t, 0, id, TRACE_EV_RECEIVED, 0, 0, m, NULL, NULL);
	trace_stop(t);

	struct pcapng_reader *r = open_file(file);

	next(r, &p);
	cr_assert_eq(pcapng_reader_if_snaplen(r, 0), 64);
	cr_assert_eq(p.caplen, 64);
	cr_assert_eq(p.origlen, 200);
	cr_assert_eq(memcmp(p.data, whole, 64), 0, "bytes across the segments");
	pcapng_reader_close(r);
	rte_pktmbuf_free(m);
}

Test(trace, note_is_truncated)
{
	struct trace_options o = {0};
	struct rte_mbuf *m = packet(UDP, 60);
	char text[TRACE_TEXT_MAX + 100];
	struct pcapng_packet p;
	struct trace *t = start(&o);
	uint64_t id = trace_admit(t, 0, 2, m);

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	trace_record(t, 0, id, TRACE_EV_NOTE, 2, 0, m, NULL, text);
	trace_record(t, 0, id, TRACE_EV_DROPPED, 2, 0, NULL, NULL, NULL);
	trace_stop(t);

	struct pcapng_reader *r = open_file(file);

	next(r, &p);
	cr_assert_eq(strlen(p.comment), TRACE_TEXT_MAX);
	cr_assert_eq(p.flags, PCAPNG_EPB_INBOUND);
	next(r, &p);
	cr_assert_eq(p.caplen, 0, "no mbuf: no data");
	cr_assert_str_eq(p.comment,
			 "NBL destined to Nic c2 was dropped in switch vSwitch, Reason Unknown");
	cr_assert_eq(p.flags, PCAPNG_EPB_OUTBOUND);
	pcapng_reader_close(r);
	rte_pktmbuf_free(m);
}

static unsigned count_packets(const char *path, uint64_t *last_id)
{
	struct pcapng_reader *r = open_file(path);
	struct pcapng_packet p;
	unsigned n = 0;
	int rc;

	while ((rc = pcapng_reader_next(r, &p)) == 1) {
		cr_assert_eq(pcapng_reader_nb_interfaces(r), 3, "%s has its IDBs", path);
		cr_assert_gt(p.packet_id, *last_id, "%s: ids in order", path);
		*last_id = p.packet_id;
		n++;
	}
	cr_assert_eq(rc, 0, "%s: %s", path, pcapng_reader_error(r));
	pcapng_reader_close(r);
	return n;
}

Test(trace, rotation)
{
	struct trace_options o = {.max_file_mb = 1, .max_files = 2};
	struct rte_mbuf *m = packet(UDP, 1500);
	struct trace_counters c;
	struct trace *t = start(&o);
	char path[256];
	const unsigned n = 3000; /* about 4.6 MB: four rotations */

	for (unsigned i = 0; i < n; i++) {
		uint64_t id = trace_admit(t, 0, 0, m);

		trace_record(t, 0, id, TRACE_EV_RECEIVED, 0, 0, m, NULL, NULL);
		if (i % 500 == 499)
			wait_written(t, i + 1);
	}
	wait_written(t, n);
	trace_read_counters(t, &c);
	trace_stop(t);
	cr_assert_eq(c.records_written, n);
	cr_assert_eq(c.records_dropped, 0);
	cr_assert_geq(c.files_rotated, 4);

	/* FILE.2 (oldest kept), FILE.1, FILE: ids rising, each at most 1 MB. */
	uint64_t last = 0;
	unsigned seen = 0;
	const char *order[] = {".2", ".1", ""};

	for (unsigned i = 0; i < 3; i++) {
		FILE *f;
		long size;

		snprintf(path, sizeof(path), "%s%s", file, order[i]);
		f = fopen(path, "rb");
		cr_assert_not_null(f, "%s exists", path);
		fseek(f, 0, SEEK_END);
		size = ftell(f);
		fclose(f);
		cr_assert_leq(size, 1 << 20, "%s is %ld bytes", path, size);
		seen += count_packets(path, &last);
	}
	cr_assert_eq(last, n, "the newest file ends with the last packet");
	cr_assert_lt(seen, n, "older files were dropped");
	snprintf(path, sizeof(path), "%s.3", file);
	cr_assert_neq(access(path, F_OK), 0, "max_files 2: no %s", path);
	rte_pktmbuf_free(m);
}

Test(trace, full_pool_drops_and_never_waits)
{
	struct trace_options o = {0};
	struct rte_mbuf *m = packet(UDP, 200);
	struct trace_counters c;
	struct trace *t = start(&o);
	unsigned size = trace_test_pool_size(t);
	const unsigned extra = 1000;
	uint64_t t0, t1;

	cr_assert_geq(size, 1000);
	trace_test_hold_writer(t, true);
	t0 = now_ns();
	for (unsigned i = 0; i < size + extra; i++) {
		uint64_t id = trace_admit(t, 0, 1, m);

		trace_record(t, 0, id, TRACE_EV_DELIVERED, 1, 0, m, NULL, NULL);
	}
	t1 = now_ns();
	trace_read_counters(t, &c);
	cr_assert_eq(c.records_dropped, extra, "dropped %lu",
		     (unsigned long)c.records_dropped);
	cr_assert_eq(c.records_written, 0, "the writer is held");
	cr_assert_lt(t1 - t0, UINT64_C(2000000000), "recording never waits");

	/* Stop drains what was queued even with the writer held. */
	trace_stop(t);

	uint64_t last = 0;
	struct pcapng_reader *r = open_file(file);
	struct pcapng_packet p;
	unsigned n = 0;

	while (pcapng_reader_next(r, &p) == 1) {
		cr_assert_gt(p.packet_id, last);
		last = p.packet_id;
		n++;
	}
	pcapng_reader_close(r);
	cr_assert_eq(n, size);
	rte_pktmbuf_free(m);
}

Test(trace, unnamed_and_late_ports)
{
	const char *const some[] = {"uplink", NULL, ""};
	struct trace_options o = {0};
	struct rte_mbuf *m = packet(UDP, 60);
	struct pcapng_packet p;
	char err[256];
	struct trace *t;
	uint64_t id;

	snprintf(o.file, sizeof(o.file), "%s", file);
	t = trace_start(&o, "sw", some, 3, err, sizeof(err));
	cr_assert_not_null(t, "%s", err);
	id = trace_admit(t, 0, 5, m);
	trace_record(t, 0, id, TRACE_EV_ROUTED, 5, 0, m, NULL, NULL);
	trace_record(t, 0, id, TRACE_EV_DELIVERED, TRACE_MAX_PORTS, 0, m, NULL, NULL);
	trace_stop(t);

	struct pcapng_reader *r = open_file(file);

	next(r, &p);
	cr_assert_eq(pcapng_reader_nb_interfaces(r), 6);
	cr_assert_str_eq(pcapng_reader_if_name(r, 1), "unused-1");
	cr_assert_str_eq(pcapng_reader_if_name(r, 2), "unused-2");
	cr_assert_str_eq(pcapng_reader_if_name(r, 3), "port-3");
	cr_assert_str_eq(p.if_name, "port-5");
	cr_assert_str_eq(p.comment, "NBL routed from Nic uplink to Nic port-5 on switch sw");
	cr_assert_eq(pcapng_reader_next(r, &p), 0, "port 32 cannot be traced");
	pcapng_reader_close(r);
	rte_pktmbuf_free(m);
}

/* Several producers at once (plain threads, as well as lcores, may
 * record): every hop is either written or counted as dropped, and the hops
 * of each packet stay in the order they were recorded. */
struct producer {
	struct trace *t;
	struct rte_mbuf *m;
	unsigned worker;
};

#define PRODUCERS 4
#define PACKETS_EACH 2000

static void *produce(void *arg)
{
	struct producer *p = arg;

	for (unsigned i = 0; i < PACKETS_EACH; i++) {
		uint64_t id = trace_admit(p->t, p->worker, 0, p->m);

		trace_record(p->t, p->worker, id, TRACE_EV_RECEIVED, 0, 0, p->m, NULL, NULL);
		trace_record(p->t, p->worker, id, TRACE_EV_DELIVERED, 2, 0, p->m, NULL, NULL);
	}
	return NULL;
}

Test(trace, concurrent_producers)
{
	struct trace_options o = {0};
	struct trace *t = start(&o);
	struct rte_mbuf *m = packet(UDP, 128);
	struct producer p[PRODUCERS];
	pthread_t th[PRODUCERS];
	struct trace_counters c;

	for (unsigned i = 0; i < PRODUCERS; i++) {
		p[i] = (struct producer){t, m, i};
		cr_assert_eq(pthread_create(&th[i], NULL, produce, &p[i]), 0);
	}
	for (unsigned i = 0; i < PRODUCERS; i++)
		pthread_join(th[i], NULL);
	const uint64_t total = 2 * PRODUCERS * PACKETS_EACH;
	for (int i = 0; i < 10000; i++) {
		trace_read_counters(t, &c);
		if (c.records_written + c.records_dropped >= total)
			break;
		usleep(1000);
	}
	cr_assert_eq(c.records_written + c.records_dropped, total);
	trace_stop(t);

	struct pcapng_reader *r = open_file(file);
	struct pcapng_packet pk;
	static uint8_t state[PRODUCERS * PACKETS_EACH + 1]; /* 1: received seen */
	unsigned n = 0;

	memset(state, 0, sizeof(state));
	while (pcapng_reader_next(r, &pk) == 1) {
		cr_assert(pk.packet_id >= 1 && pk.packet_id <= PRODUCERS * PACKETS_EACH);
		if (pk.flags == PCAPNG_EPB_INBOUND) {
			cr_assert_eq(state[pk.packet_id], 0);
			state[pk.packet_id] = 1;
		} else {
			cr_assert_neq(state[pk.packet_id], 2, "delivered twice");
			state[pk.packet_id] = 2;
		}
		n++;
	}
	pcapng_reader_close(r);
	cr_assert_eq(n, c.records_written);
	rte_pktmbuf_free(m);
}
