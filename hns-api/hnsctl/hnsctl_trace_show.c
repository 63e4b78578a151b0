/* hnsctl trace show: reads a trace file (pcapng, SPEC 7) and prints the
 * hops of each packet together. Local only: no API call. */
#include "hnsctl_trace_show.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcapng.h"
#include "pcapng_reader.h"

#define TRACE_SHOW_USAGE "usage: hnsctl trace show FILE [--packet ID]"

struct hop {
	uint64_t packet_id;
	uint64_t ts_ns;
	size_t seq;    /* file order, to keep hops in order within a packet */
	uint32_t flags;
	int has_flags;
	char *if_name;
	char *comment;
};

static int usage(const char *fmt, const char *arg)
{
	fputs("hnsctl: ", stderr);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s\n", TRACE_SHOW_USAGE);
	return 2;
}

static int by_packet(const void *a, const void *b)
{
	const struct hop *x = a, *y = b;

	if (x->packet_id != y->packet_id)
		return x->packet_id < y->packet_id ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int parse_id(const char *s, uint64_t *id)
{
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	*id = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

static const char *direction(const struct hop *h)
{
	if (!h->has_flags)
		return "-";
	switch (h->flags & PCAPNG_EPB_DIR_MASK) {
	case PCAPNG_EPB_INBOUND:
		return "in";
	case PCAPNG_EPB_OUTBOUND:
		return "out";
	default:
		return "-";
	}
}

static void print_hop(const struct hop *h)
{
	time_t sec = (time_t)(h->ts_ns / 1000000000u);
	struct tm tm;
	char clock[16] = "??:??:??";

	if (localtime_r(&sec, &tm) != NULL)
		strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	printf("packet %" PRIu64 "  %s.%09u  [%s] %-3s  %s\n", h->packet_id, clock,
	       (unsigned)(h->ts_ns % 1000000000u), h->if_name, direction(h),
	       h->comment != NULL ? h->comment : "");
}

static void free_hops(struct hop *hops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(hops[i].if_name);
		free(hops[i].comment);
	}
	free(hops);
}

int hnsctl_trace_show(int argc, char **argv)
{
	const char *file = NULL;
	uint64_t want = 0;
	int only = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			printf("%s\n\nPrints the hops of every packet of a trace file, "
			       "grouped by packet id.\n  --packet ID  only that packet\n",
			       TRACE_SHOW_USAGE);
			return 0;
		}
		if (strcmp(a, "--packet") == 0 || strncmp(a, "--packet=", 9) == 0) {
			const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);

			if (v == NULL)
				return usage("%s needs a packet id", "--packet");
			if (parse_id(v, &want) < 0 || want == 0)
				return usage("bad packet id \"%s\"", v);
			only = 1;
		} else if (a[0] == '-' && a[1] != '\0') {
			return usage("unknown option %s", a);
		} else if (file != NULL) {
			return usage("unexpected argument \"%s\"", a);
		} else {
			file = a;
		}
	}
	if (file == NULL)
		return usage("%s", "a trace FILE is required");

	char err[512];
	struct pcapng_reader *r = pcapng_reader_open(file, err, sizeof(err));

	if (r == NULL) {
		fprintf(stderr, "hnsctl: %s\n", err);
		return 2;
	}

	struct hop *hops = NULL;
	size_t n = 0, cap = 0;
	struct pcapng_packet p;
	int rc;

	while ((rc = pcapng_reader_next(r, &p)) == 1) {
		if (only && p.packet_id != want)
			continue;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 256;
			struct hop *h = realloc(hops, c * sizeof(*h));

			if (h == NULL) {
				rc = -2;
				break;
			}
			hops = h;
			cap = c;
		}
		struct hop *h = &hops[n];

		h->packet_id = p.packet_id;
		h->ts_ns = p.ts_ns;
		h->seq = n;
		h->flags = p.flags;
		h->has_flags = p.has_flags;
		h->if_name = strdup(p.if_name);
		h->comment = p.comment != NULL ? strdup(p.comment) : NULL;
		n++;
		if (h->if_name == NULL || (p.comment != NULL && h->comment == NULL)) {
			rc = -2;
			break;
		}
	}
	if (rc < 0) {
		if (rc == -2)
			fprintf(stderr, "hnsctl: %s: out of memory\n", file);
		else
			fprintf(stderr, "hnsctl: %s: %s\n", file, pcapng_reader_error(r));
		pcapng_reader_close(r);
		free_hops(hops, n);
		return 2;
	}
	pcapng_reader_close(r);

	if (n > 0)
		qsort(hops, n, sizeof(*hops), by_packet);
	for (size_t i = 0; i < n; i++)
		print_hop(&hops[i]);
	free_hops(hops, n);
	if (only && n == 0) {
		fprintf(stderr, "hnsctl: %s: no packet %" PRIu64 "\n", file, want);
		return 1;
	}
	return 0;
}
