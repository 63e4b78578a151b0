/* NBL-equivalent traces (SPEC 7): start/stop and the worker side. Workers
 * copy a hop into a record from a preallocated pool and put it on a
 * multi-producer ring; the writer thread (trace_writer.c) does the rest.
 * No worker ever waits: no record or no ring room drops the hop and counts
 * it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>

#include "trace_priv.h"
#include "trace_test.h"

static uint32_t trace_seq; /* unique pool and ring names */

static bool blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static int compile_filter(struct trace *t, char *err, size_t errlen)
{
	pcap_t *p;

	if (blank(t->opts.filter))
		return 0;
	p = pcap_open_dead(DLT_EN10MB, 65535);
	if (p == NULL) {
		snprintf(err, errlen, "Filter: cannot open a libpcap handle");
		return -1;
	}
	if (pcap_compile(p, &t->prog, t->opts.filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "Filter: \"%s\": %s", t->opts.filter,
			 pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	pcap_close(p);
	t->has_filter = true;
	return 0;
}

static int create_pool(struct trace *t, char *err, size_t errlen)
{
	size_t elt = sizeof(struct trace_rec) + t->snaplen;
	unsigned n = TRACE_POOL_RECORDS, ring_size = 1;
	uint32_t seq = __atomic_fetch_add(&trace_seq, 1, __ATOMIC_RELAXED);
	char name[RTE_MEMPOOL_NAMESIZE];

	elt = RTE_ALIGN_CEIL(elt, RTE_CACHE_LINE_SIZE);
	while (n > TRACE_POOL_MIN_RECORDS && (size_t)n * elt > TRACE_POOL_BYTES)
		n = n / 2; /* stays 2^k - 1 */
	while (ring_size <= n)
		ring_size <<= 1;

	/* Relaxed-tail-sync rings under the pool and for the records: the
	 * writer (an ordinary, preemptible thread) returns records while
	 * workers take them, and a producer preempted half-way through a
	 * classic multi-producer ring operation would make the others spin
	 * until it runs again. */
	snprintf(name, sizeof(name), "trace_rec_%u", seq);
	t->pool = rte_mempool_create_empty(name, n, (unsigned)elt, TRACE_POOL_CACHE,
					   0, SOCKET_ID_ANY, 0);
	if (t->pool != NULL &&
	    rte_mempool_set_ops_byname(t->pool, "ring_mt_rts", NULL) != 0 &&
	    rte_mempool_set_ops_byname(t->pool, rte_mbuf_best_mempool_ops(), NULL) != 0) {
		rte_mempool_free(t->pool);
		t->pool = NULL;
	}
	if (t->pool != NULL && rte_mempool_populate_default(t->pool) < 0) {
		rte_mempool_free(t->pool);
		t->pool = NULL;
	}
	if (t->pool == NULL) {
		snprintf(err, errlen, "Memory: cannot allocate %u trace records of %zu bytes: %s",
			 n, elt, rte_strerror(rte_errno));
		return -1;
	}
	snprintf(name, sizeof(name), "trace_ring_%u", seq);
	t->ring = rte_ring_create(name, ring_size, SOCKET_ID_ANY,
				  RING_F_MP_RTS_ENQ | RING_F_SC_DEQ);
	if (t->ring == NULL) {
		snprintf(err, errlen, "Memory: cannot create the trace ring: %s",
			 rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static void name_ports(struct trace *t, const char *const *port_names,
		       unsigned nb_ports)
{
	for (unsigned i = 0; i < TRACE_MAX_PORTS; i++) {
		const char *n = i < nb_ports && port_names != NULL ? port_names[i] : NULL;

		if (n != NULL && n[0] != '\0')
			snprintf(t->if_names[i], TRACE_PORT_NAME_MAX, "%s", n);
		else
			snprintf(t->if_names[i], TRACE_PORT_NAME_MAX,
				 i < nb_ports ? "unused-%u" : "port-%u", i);
	}
	t->nb_names = nb_ports;
}

static void trace_free(struct trace *t)
{
	if (t == NULL)
		return;
	trace_file_close(t);
	if (t->has_filter)
		pcap_freecode(&t->prog);
	rte_ring_free(t->ring);
	rte_mempool_free(t->pool);
	rte_free(t);
}

struct trace *trace_start(const struct trace_options *o, const char *switch_name,
			  const char *const *port_names, unsigned nb_ports,
			  char *err, size_t errlen)
{
	struct trace *t;
	struct timespec now;
	int rc;

	if (o == NULL) {
		snprintf(err, errlen, "Options: none given");
		return NULL;
	}
	if (memchr(o->file, '\0', sizeof(o->file)) == NULL || o->file[0] == '\0') {
		snprintf(err, errlen, "File: a file name is required");
		return NULL;
	}
	if (memchr(o->filter, '\0', sizeof(o->filter)) == NULL) {
		snprintf(err, errlen, "Filter: too long");
		return NULL;
	}
	if (o->snaplen > TRACE_MAX_SNAPLEN) {
		snprintf(err, errlen, "SnapLength: %u is more than %u", o->snaplen,
			 TRACE_MAX_SNAPLEN);
		return NULL;
	}
	if (nb_ports > TRACE_MAX_PORTS) {
		snprintf(err, errlen, "Ports: %u ports, at most %u can be traced",
			 nb_ports, TRACE_MAX_PORTS);
		return NULL;
	}
	if (o->max_file_mb > UINT32_MAX >> 20) {
		snprintf(err, errlen, "MaxFileSize: %u MB is too large", o->max_file_mb);
		return NULL;
	}
	if (o->max_files > 1000) {
		snprintf(err, errlen, "MaxFiles: %u is more than 1000", o->max_files);
		return NULL;
	}

	t = rte_zmalloc("trace", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (t == NULL) {
		snprintf(err, errlen, "Memory: cannot allocate the trace");
		return NULL;
	}
	t->opts = *o;
	if (t->opts.snaplen == 0)
		t->opts.snaplen = TRACE_DEFAULT_SNAPLEN;
	if (t->opts.max_files == 0)
		t->opts.max_files = 4;
	t->snaplen = t->opts.snaplen;
	memcpy(t->port_mask, t->opts.port_mask, sizeof(t->port_mask));
	t->all_ports = true;
	for (unsigned i = 0; i < TRACE_MASK_WORDS; i++)
		if (t->port_mask[i] != 0)
			t->all_ports = false;
	snprintf(t->switch_name, sizeof(t->switch_name), "%s",
		 switch_name != NULL ? switch_name : "");
	name_ports(t, port_names, nb_ports);

	if (compile_filter(t, err, errlen) < 0 || create_pool(t, err, errlen) < 0)
		goto fail;
	if (trace_file_open(t, err, errlen) < 0)
		goto fail;

	t->tsc_hz = rte_get_tsc_hz();
	clock_gettime(CLOCK_REALTIME, &now);
	t->tsc_base = rte_get_tsc_cycles();
	t->ns_base = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;

	rc = pthread_create(&t->writer, NULL, trace_writer_main, t);
	if (rc != 0) {
		snprintf(err, errlen, "Thread: cannot start the trace writer: %s",
			 strerror(rc));
		remove(t->opts.file);
		goto fail;
	}
	pthread_setname_np(t->writer, "hvs-trace");
	return t;
fail:
	trace_free(t);
	return NULL;
}

void trace_stop(struct trace *t)
{
	if (t == NULL)
		return;
	__atomic_store_n(&t->stopping, true, __ATOMIC_RELEASE);
	pthread_join(t->writer, NULL);
	trace_free(t);
}

const struct trace_options *trace_get_options(const struct trace *t)
{
	return &t->opts;
}

void trace_read_counters(const struct trace *t, struct trace_counters *c)
{
	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < RTE_DIM(t->wc); i++) {
		c->records_dropped += __atomic_load_n(&t->wc[i].dropped, __ATOMIC_RELAXED);
		c->packets_filtered += __atomic_load_n(&t->wc[i].filtered, __ATOMIC_RELAXED);
	}
	c->records_dropped += __atomic_load_n(&t->write_dropped, __ATOMIC_RELAXED);
	c->records_written = __atomic_load_n(&t->records_written, __ATOMIC_RELAXED);
	c->bytes_written = __atomic_load_n(&t->bytes_written, __ATOMIC_RELAXED);
	c->files_rotated = __atomic_load_n(&t->files_rotated, __ATOMIC_RELAXED);
}

/* ---- worker side ---- */

static inline struct trace_worker_counters *wc(struct trace *t, unsigned worker_id)
{
	return &t->wc[worker_id < RTE_MAX_LCORE ? worker_id : RTE_MAX_LCORE];
}

uint64_t trace_admit(struct trace *t, unsigned worker_id, uint16_t port,
		     const struct rte_mbuf *m)
{
	if (t == NULL || m == NULL)
		return 0;
	if (!t->all_ports &&
	    (port >= TRACE_MAX_PORTS || !((t->port_mask[port / 64] >> (port % 64)) & 1)))
		return 0;
	if (t->has_filter) {
		struct pcap_pkthdr h = {
			.caplen = rte_pktmbuf_data_len(m),
			.len = rte_pktmbuf_pkt_len(m),
		};

		if (pcap_offline_filter(&t->prog, &h,
					rte_pktmbuf_mtod(m, const u_char *)) == 0) {
			__atomic_fetch_add(&wc(t, worker_id)->filtered, 1,
					   __ATOMIC_RELAXED);
			return 0;
		}
	}
	return __atomic_add_fetch(&t->next_packet_id, 1, __ATOMIC_RELAXED);
}

static uint16_t copy_text(char *dst, const char *src)
{
	size_t n = src != NULL ? strnlen(src, TRACE_TEXT_MAX) : 0;

	if (n > 0)
		memcpy(dst, src, n);
	return (uint16_t)n;
}

void trace_record(struct trace *t, unsigned worker_id, uint64_t packet_id,
		  enum trace_event ev, uint16_t port, uint16_t other_port,
		  const struct rte_mbuf *m, const char *reason, const char *text)
{
	struct trace_rec *r;
	void *obj;

	if (t == NULL || packet_id == 0)
		return; /* not admitted */
	if (port >= TRACE_MAX_PORTS || ev > TRACE_EV_NOTE ||
	    __atomic_load_n(&t->stopping, __ATOMIC_RELAXED) ||
	    rte_mempool_get(t->pool, &obj) < 0) {
		__atomic_fetch_add(&wc(t, worker_id)->dropped, 1, __ATOMIC_RELAXED);
		return;
	}
	r = obj;
	r->packet_id = packet_id;
	r->tsc = rte_get_tsc_cycles();
	r->port = port;
	r->other_port = other_port;
	r->ev = (uint16_t)ev;
	r->text_len = 0;
	if (ev == TRACE_EV_DROPPED)
		r->text_len = copy_text(r->text, reason != NULL ? reason : "Unknown");
	else if (ev == TRACE_EV_NOTE)
		r->text_len = copy_text(r->text, text);
	r->origlen = 0;
	r->caplen = 0;
	if (m != NULL) {
		const void *d;

		r->origlen = rte_pktmbuf_pkt_len(m);
		r->caplen = RTE_MIN(r->origlen, t->snaplen);
		d = rte_pktmbuf_read(m, 0, r->caplen, r->data);
		if (d == NULL)
			r->caplen = 0;
		else if (d != r->data)
			memcpy(r->data, d, r->caplen);
	}
	if (rte_ring_enqueue(t->ring, obj) != 0) {
		rte_mempool_put(t->pool, obj);
		__atomic_fetch_add(&wc(t, worker_id)->dropped, 1, __ATOMIC_RELAXED);
	}
}

/* ---- test hooks (trace_test.h) ---- */

void trace_test_hold_writer(struct trace *t, bool hold)
{
	__atomic_store_n(&t->hold, hold, __ATOMIC_RELEASE);
}

unsigned trace_test_pool_size(const struct trace *t)
{
	return t->pool->size;
}
