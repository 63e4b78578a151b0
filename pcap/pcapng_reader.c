/* pcapng reader: see pcapng_reader.h. */
#include "pcapng_reader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng.h"

/* Larger blocks are taken as corruption. */
#define READER_MAX_BLOCK (16u << 20)

struct reader_if {
	char *name;
	uint16_t linktype;
	uint32_t snaplen;
	uint64_t units_per_s; /* from if_tsresol; 10^6 by default */
};

struct pcapng_reader {
	FILE *f;
	uint8_t *block;
	size_t block_cap;
	char *comment;
	size_t comment_cap;
	char *userappl;
	struct reader_if *ifs;
	unsigned nb_ifs;
	unsigned ifs_cap;
	char error[256];
};

static int fail(struct pcapng_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct pcapng_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	return -1;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void clear_interfaces(struct pcapng_reader *r)
{
	for (unsigned i = 0; i < r->nb_ifs; i++)
		free(r->ifs[i].name);
	r->nb_ifs = 0;
}

/* Reads one whole block into r->block: 1, 0 at a clean end, -1. */
static int read_block(struct pcapng_reader *r, uint32_t *type, uint32_t *len)
{
	uint8_t hdr[8];
	size_t n = fread(hdr, 1, sizeof(hdr), r->f);

	if (n == 0 && feof(r->f))
		return 0;
	if (n != sizeof(hdr))
		return fail(r, "truncated block header");
	*type = rd32(hdr);
	*len = rd32(hdr + 4);
	if (*len < 12 || *len % 4 != 0 || *len > READER_MAX_BLOCK)
		return fail(r, "bad block length %u", *len);
	if (r->block_cap < *len) {
		uint8_t *b = realloc(r->block, *len);

		if (b == NULL)
			return fail(r, "out of memory");
		r->block = b;
		r->block_cap = *len;
	}
	memcpy(r->block, hdr, sizeof(hdr));
	if (fread(r->block + 8, 1, *len - 8, r->f) != *len - 8)
		return fail(r, "truncated block");
	if (rd32(r->block + *len - 4) != *len)
		return fail(r, "block length mismatch");
	return 1;
}

/* Walks options in [p, end); fn is called for each until opt_endofopt. */
typedef int (*opt_fn)(struct pcapng_reader *r, void *ctx, uint16_t code,
		      const uint8_t *v, uint16_t len);

static int walk_options(struct pcapng_reader *r, const uint8_t *p,
			const uint8_t *end, opt_fn fn, void *ctx)
{
	while (end - p >= 4) {
		uint16_t code = rd16(p), len = rd16(p + 2);

		p += 4;
		if (code == PCAPNG_OPT_ENDOFOPT)
			break;
		if ((size_t)(end - p) < pcapng_pad4(len))
			return fail(r, "option %u overruns its block", code);
		if (fn(r, ctx, code, p, len) < 0)
			return -1;
		p += pcapng_pad4(len);
	}
	return 0;
}

static char *dup_bytes(const uint8_t *v, size_t len)
{
	char *s = malloc(len + 1);

	if (s != NULL) {
		memcpy(s, v, len);
		s[len] = '\0';
	}
	return s;
}

static int shb_opt(struct pcapng_reader *r, void *ctx, uint16_t code,
		   const uint8_t *v, uint16_t len)
{
	(void)ctx;
	if (code == PCAPNG_SHB_USERAPPL) {
		free(r->userappl);
		r->userappl = dup_bytes(v, len);
		if (r->userappl == NULL)
			return fail(r, "out of memory");
	}
	return 0;
}

static int parse_shb(struct pcapng_reader *r, uint32_t len)
{
	const uint8_t *b = r->block;

	if (len < 28)
		return fail(r, "short section header block");
	if (rd32(b + 8) != PCAPNG_BYTE_ORDER_MAGIC) {
		if (rd32(b + 8) == __builtin_bswap32(PCAPNG_BYTE_ORDER_MAGIC))
			return fail(r, "pcapng section in the other byte order is not supported");
		return fail(r, "bad byte-order magic");
	}
	if (rd16(b + 12) != PCAPNG_VERSION_MAJOR)
		return fail(r, "unsupported pcapng version %u.%u", rd16(b + 12),
			    rd16(b + 14));
	clear_interfaces(r);
	free(r->userappl);
	r->userappl = NULL;
	return walk_options(r, b + 24, b + len - 4, shb_opt, NULL);
}

static int idb_opt(struct pcapng_reader *r, void *ctx, uint16_t code,
		   const uint8_t *v, uint16_t len)
{
	struct reader_if *ifc = ctx;

	if (code == PCAPNG_IF_NAME) {
		free(ifc->name);
		ifc->name = dup_bytes(v, len);
		if (ifc->name == NULL)
			return fail(r, "out of memory");
	} else if (code == PCAPNG_IF_TSRESOL && len >= 1) {
		uint8_t res = v[0], exp = res & 0x7f;
		uint64_t units = 1;

		if ((res & 0x80) ? exp > 63 : exp > 19)
			return fail(r, "unsupported if_tsresol %u", res);
		for (unsigned i = 0; i < exp; i++)
			units *= (res & 0x80) ? 2 : 10;
		ifc->units_per_s = units;
	}
	return 0;
}

static int parse_idb(struct pcapng_reader *r, uint32_t len)
{
	const uint8_t *b = r->block;
	struct reader_if ifc = {NULL, 0, 0, 1000000};

	if (len < 20)
		return fail(r, "short interface description block");
	ifc.linktype = rd16(b + 8);
	ifc.snaplen = rd32(b + 12);
	if (walk_options(r, b + 16, b + len - 4, idb_opt, &ifc) < 0) {
		free(ifc.name);
		return -1;
	}
	if (r->nb_ifs == r->ifs_cap) {
		unsigned cap = r->ifs_cap ? r->ifs_cap * 2 : 16;
		struct reader_if *ifs = realloc(r->ifs, cap * sizeof(*ifs));

		if (ifs == NULL) {
			free(ifc.name);
			return fail(r, "out of memory");
		}
		r->ifs = ifs;
		r->ifs_cap = cap;
	}
	r->ifs[r->nb_ifs++] = ifc;
	return 0;
}

static int epb_opt(struct pcapng_reader *r, void *ctx, uint16_t code,
		   const uint8_t *v, uint16_t len)
{
	struct pcapng_packet *p = ctx;

	if (code == PCAPNG_OPT_COMMENT && p->comment == NULL) {
		if (r->comment_cap < (size_t)len + 1) {
			char *c = realloc(r->comment, (size_t)len + 1);

			if (c == NULL)
				return fail(r, "out of memory");
			r->comment = c;
			r->comment_cap = (size_t)len + 1;
		}
		memcpy(r->comment, v, len);
		r->comment[len] = '\0';
		p->comment = r->comment;
	} else if (code == PCAPNG_EPB_FLAGS && len == 4) {
		p->has_flags = true;
		p->flags = rd32(v);
	} else if (code == PCAPNG_EPB_PACKETID && len == 8) {
		memcpy(&p->packet_id, v, 8);
	}
	return 0;
}

static uint64_t to_ns(uint64_t ts, uint64_t units_per_s)
{
	if (units_per_s == 1000000000u)
		return ts;
	return (uint64_t)((unsigned __int128)ts * 1000000000u / units_per_s);
}

static int parse_epb(struct pcapng_reader *r, uint32_t len,
		     struct pcapng_packet *p)
{
	const uint8_t *b = r->block;

	if (len < 32)
		return fail(r, "short enhanced packet block");
	memset(p, 0, sizeof(*p));
	p->if_id = rd32(b + 8);
	if (p->if_id >= r->nb_ifs)
		return fail(r, "packet on undeclared interface %u", p->if_id);

	const struct reader_if *ifc = &r->ifs[p->if_id];
	uint64_t ts = (uint64_t)rd32(b + 12) << 32 | rd32(b + 16);

	p->caplen = rd32(b + 20);
	p->origlen = rd32(b + 24);
	if (pcapng_pad4(p->caplen) > (size_t)len - 32)
		return fail(r, "packet data overruns its block");
	p->data = b + 28;
	p->if_name = ifc->name != NULL ? ifc->name : "";
	p->linktype = ifc->linktype;
	p->ts_ns = to_ns(ts, ifc->units_per_s);
	return walk_options(r, b + 28 + pcapng_pad4(p->caplen), b + len - 4,
			    epb_opt, p);
}

struct pcapng_reader *pcapng_reader_open(const char *path, char *err,
					 size_t errlen)
{
	struct pcapng_reader *r = calloc(1, sizeof(*r));
	uint32_t type = 0, len = 0;
	int rc;

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->f = fopen(path, "rb");
	if (r->f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(r);
		return NULL;
	}
	rc = read_block(r, &type, &len);
	if (rc == 0 || type != PCAPNG_BT_SHB) {
		snprintf(err, errlen, "%s: not a pcapng file", path);
		pcapng_reader_close(r);
		return NULL;
	}
	if (rc < 0 || parse_shb(r, len) < 0) {
		snprintf(err, errlen, "%s: not a pcapng file (%s)", path, r->error);
		pcapng_reader_close(r);
		return NULL;
	}
	return r;
}

int pcapng_reader_next(struct pcapng_reader *r, struct pcapng_packet *p)
{
	for (;;) {
		uint32_t type, len;
		int rc = read_block(r, &type, &len);

		if (rc <= 0)
			return rc;
		switch (type) {
		case PCAPNG_BT_SHB:
			rc = parse_shb(r, len);
			break;
		case PCAPNG_BT_IDB:
			rc = parse_idb(r, len);
			break;
		case PCAPNG_BT_EPB:
			return parse_epb(r, len, p) < 0 ? -1 : 1;
		default:
			rc = 0; /* other blocks are not ours */
			break;
		}
		if (rc < 0)
			return -1;
	}
}

const char *pcapng_reader_error(const struct pcapng_reader *r)
{
	return r->error;
}

unsigned pcapng_reader_nb_interfaces(const struct pcapng_reader *r)
{
	return r->nb_ifs;
}

const char *pcapng_reader_if_name(const struct pcapng_reader *r, unsigned i)
{
	if (i >= r->nb_ifs)
		return NULL;
	return r->ifs[i].name != NULL ? r->ifs[i].name : "";
}

uint32_t pcapng_reader_if_snaplen(const struct pcapng_reader *r, unsigned i)
{
	return i < r->nb_ifs ? r->ifs[i].snaplen : 0;
}

const char *pcapng_reader_userappl(const struct pcapng_reader *r)
{
	return r->userappl != NULL ? r->userappl : "";
}

void pcapng_reader_close(struct pcapng_reader *r)
{
	if (r == NULL)
		return;
	if (r->f != NULL)
		fclose(r->f);
	clear_interfaces(r);
	free(r->ifs);
	free(r->block);
	free(r->comment);
	free(r->userappl);
	free(r);
}
