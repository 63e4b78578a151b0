/* The trace writer thread: takes records off the ring, words the event,
 * encodes one Enhanced Packet Block per record, writes it, and rotates the
 * file at the size cap (SPEC 7). Only this thread touches the FILE. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcapng.h"
#include "trace_priv.h"

#define WRITER_IDLE_NS 500000L /* sleep when the ring is empty */
#define WRITER_STDIO_BUF (256u << 10)

static const char *port_name(const struct trace *t, unsigned port, char *tmp,
			     size_t cap)
{
	if (port < TRACE_MAX_PORTS)
		return t->if_names[port];
	snprintf(tmp, cap, "port-%u", port);
	return tmp;
}

size_t trace_format_event(const struct trace *t, const struct trace_rec *r,
			  char *buf, size_t cap)
{
	char a[24], b[24];
	const char *p = port_name(t, r->port, a, sizeof(a));
	const char *sw = t->switch_name;
	int n;

	switch (r->ev) {
	case TRACE_EV_RECEIVED:
		n = snprintf(buf, cap, "NBL received from Nic %s in switch %s", p, sw);
		break;
	case TRACE_EV_ROUTED:
		n = snprintf(buf, cap, "NBL routed from Nic %s to Nic %s on switch %s",
			     port_name(t, r->other_port, b, sizeof(b)), p, sw);
		break;
	case TRACE_EV_DELIVERED:
		n = snprintf(buf, cap, "NBL delivered to Nic %s in switch %s", p, sw);
		break;
	case TRACE_EV_DROPPED:
		n = snprintf(buf, cap,
			     "NBL destined to Nic %s was dropped in switch %s, Reason %.*s",
			     p, sw, (int)r->text_len, r->text);
		break;
	default: /* TRACE_EV_NOTE */
		n = snprintf(buf, cap, "%.*s", (int)r->text_len, r->text);
		break;
	}
	if (n < 0)
		n = 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

static uint32_t event_flags(const struct trace_rec *r)
{
	switch (r->ev) {
	case TRACE_EV_ROUTED:
	case TRACE_EV_DELIVERED:
		return PCAPNG_EPB_OUTBOUND;
	case TRACE_EV_DROPPED:
		return r->other_port == r->port ? PCAPNG_EPB_INBOUND
						: PCAPNG_EPB_OUTBOUND;
	default:
		return PCAPNG_EPB_INBOUND;
	}
}

/* Wall-clock ns of a TSC reading, against the base taken at start. */
static uint64_t tsc_to_ns(const struct trace *t, uint64_t tsc)
{
	uint64_t d, ns;

	if (tsc >= t->tsc_base) {
		d = tsc - t->tsc_base;
		ns = d / t->tsc_hz * 1000000000u +
		     d % t->tsc_hz * 1000000000u / t->tsc_hz;
		return t->ns_base + ns;
	}
	d = t->tsc_base - tsc; /* another core's TSC slightly behind */
	ns = d / t->tsc_hz * 1000000000u + d % t->tsc_hz * 1000000000u / t->tsc_hz;
	return ns < t->ns_base ? t->ns_base - ns : 0;
}

static int put_block(struct trace *t, size_t len)
{
	if (t->f == NULL || fwrite(t->wbuf, 1, len, t->f) != len)
		return -1;
	t->file_bytes += len;
	__atomic_fetch_add(&t->bytes_written, len, __ATOMIC_RELAXED);
	return 0;
}

/* Declares interfaces up to slot n - 1 in the current file. */
static int declare_interfaces(struct trace *t, unsigned n)
{
	while (t->nb_idbs < n) {
		size_t len = pcapng_write_idb(t->wbuf, t->wbuf_cap,
					      PCAPNG_LINKTYPE_ETHERNET, t->snaplen,
					      t->if_names[t->nb_idbs],
					      PCAPNG_TSRESOL_NS);

		if (len == 0 || put_block(t, len) < 0)
			return -1;
		t->nb_idbs++;
	}
	return 0;
}

/* FILE opened for writing, mode 0600 whatever the umask (a trace holds
 * packet payloads): a new file is created 0600, an existing regular file
 * is truncated and set to 0600. NULL with errno. */
static FILE *open_private(const char *path, bool no_follow)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
			    (no_follow ? O_NOFOLLOW : 0), 0600);
	struct stat st;
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	f = fdopen(fd, "wb");
	if (f == NULL) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return f;
}

/* Creates the file and writes SHB and IDBs for the interfaces known. */
static int file_create(struct trace *t, unsigned nb_idbs)
{
	size_t len;

	t->f = open_private(t->opts.file, t->opts.no_follow);
	if (t->f == NULL)
		return -1;
	if (t->fbuf != NULL)
		setvbuf(t->f, t->fbuf, _IOFBF, WRITER_STDIO_BUF);
	t->file_bytes = 0;
	t->nb_idbs = 0;
	len = pcapng_write_shb(t->wbuf, t->wbuf_cap, TRACE_USERAPPL);
	if (len == 0 || put_block(t, len) < 0 || declare_interfaces(t, nb_idbs) < 0) {
		int e = errno;

		fclose(t->f);
		t->f = NULL;
		errno = e;
		return -1;
	}
	t->header_bytes = t->file_bytes;
	return 0;
}

int trace_file_open(struct trace *t, char *err, size_t errlen)
{
	t->wbuf_cap = pcapng_pad4(t->snaplen) + TRACE_COMMENT_MAX + 128;
	if (t->wbuf_cap < 4096)
		t->wbuf_cap = 4096;
	t->wbuf = malloc(t->wbuf_cap);
	t->fbuf = malloc(WRITER_STDIO_BUF);
	if (t->wbuf == NULL || t->fbuf == NULL) {
		snprintf(err, errlen, "Memory: cannot allocate the trace buffers");
		return -1;
	}
	if (file_create(t, t->nb_names) < 0) {
		snprintf(err, errlen, "File: %s: %s", t->opts.file, strerror(errno));
		return -1;
	}
	return 0;
}

void trace_file_close(struct trace *t)
{
	if (t->f != NULL)
		fclose(t->f);
	t->f = NULL;
	free(t->fbuf);
	t->fbuf = NULL;
	free(t->wbuf);
	t->wbuf = NULL;
}

/* FILE.(n-1) -> FILE.n ... FILE -> FILE.1, then a new FILE. */
static void rotate(struct trace *t)
{
	char from[sizeof(t->opts.file) + 16], to[sizeof(t->opts.file) + 16];
	unsigned nb_idbs = t->nb_idbs;

	fclose(t->f);
	t->f = NULL;
	for (unsigned i = t->opts.max_files; i > 1; i--) {
		snprintf(from, sizeof(from), "%s.%u", t->opts.file, i - 1);
		snprintf(to, sizeof(to), "%s.%u", t->opts.file, i);
		if (rename(from, to) < 0 && errno != ENOENT)
			fprintf(stderr, "trace: rename %s: %s\n", from, strerror(errno));
	}
	snprintf(to, sizeof(to), "%s.1", t->opts.file);
	if (rename(t->opts.file, to) < 0)
		fprintf(stderr, "trace: rename %s: %s\n", t->opts.file, strerror(errno));
	if (file_create(t, nb_idbs) < 0)
		fprintf(stderr, "trace: %s: %s\n", t->opts.file, strerror(errno));
	__atomic_fetch_add(&t->files_rotated, 1, __ATOMIC_RELAXED);
}

static void write_record(struct trace *t, const struct trace_rec *r)
{
	char comment[TRACE_COMMENT_MAX];
	struct pcapng_epb e = {
		.if_id = r->port,
		.timestamp = tsc_to_ns(t, r->tsc),
		.caplen = r->caplen,
		.origlen = r->origlen,
		.data = r->data,
		.comment = comment,
		.has_flags = 1,
		.flags = event_flags(r),
		.packet_id = r->packet_id,
	};
	uint64_t cap = (uint64_t)t->opts.max_file_mb << 20;
	size_t len;

	e.comment_len = trace_format_event(t, r, comment, sizeof(comment));
	len = pcapng_epb_len(&e);
	if (t->f == NULL) /* a rotation could not create the file: retry */
		file_create(t, t->nb_idbs);
	if (t->f != NULL && declare_interfaces(t, (unsigned)r->port + 1) < 0)
		goto fail;
	if (cap != 0 && t->f != NULL && t->file_bytes > t->header_bytes &&
	    t->file_bytes + len > cap) {
		rotate(t);
		if (t->f != NULL && declare_interfaces(t, (unsigned)r->port + 1) < 0)
			goto fail;
	}
	if (len == 0 || pcapng_write_epb(t->wbuf, t->wbuf_cap, &e) != len ||
	    put_block(t, len) < 0)
		goto fail;
	__atomic_fetch_add(&t->records_written, 1, __ATOMIC_RELAXED);
	return;
fail:
	__atomic_fetch_add(&t->write_dropped, 1, __ATOMIC_RELAXED);
}

void *trace_writer_main(void *arg)
{
	struct trace *t = arg;
	void *objs[TRACE_WRITER_BURST];
	const struct timespec idle = {0, WRITER_IDLE_NS};
	bool dirty = false;

	for (;;) {
		bool stopping = __atomic_load_n(&t->stopping, __ATOMIC_ACQUIRE);
		unsigned n;

		if (!stopping && __atomic_load_n(&t->hold, __ATOMIC_ACQUIRE)) {
			nanosleep(&idle, NULL);
			continue;
		}
		n = rte_ring_dequeue_burst(t->ring, objs, TRACE_WRITER_BURST, NULL);
		for (unsigned i = 0; i < n; i++)
			write_record(t, objs[i]);
		if (n > 0) {
			rte_mempool_put_bulk(t->pool, objs, n);
			dirty = true;
			continue;
		}
		if (stopping)
			break;
		/* Idle: let readers (hnsctl trace show) see what is written. */
		if (dirty && t->f != NULL)
			fflush(t->f);
		dirty = false;
		nanosleep(&idle, NULL);
	}
	if (t->f != NULL)
		fflush(t->f);
	return NULL;
}
