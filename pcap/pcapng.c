/* pcapng block encoder: see pcapng.h. */
#include "pcapng.h"

#include <string.h>

/* A cursor over the caller's buffer (already checked to be long enough).
 * The block total length goes in twice: after the type and last. */
struct out {
	uint8_t *p;
	size_t len;
};

static void put(struct out *o, const void *v, size_t n)
{
	if (n > 0)
		memcpy(o->p + o->len, v, n);
	o->len += n;
}

static void put32(struct out *o, uint32_t v)
{
	put(o, &v, sizeof(v));
}

static void put16(struct out *o, uint16_t v)
{
	put(o, &v, sizeof(v));
}

static void put_pad(struct out *o, size_t n)
{
	static const uint8_t zero[4];

	put(o, zero, pcapng_pad4(n) - n);
}

static void put_opt(struct out *o, uint16_t code, const void *v, size_t n)
{
	put16(o, code);
	put16(o, (uint16_t)n);
	put(o, v, n);
	put_pad(o, n);
}

static void put_opt_end(struct out *o)
{
	put16(o, PCAPNG_OPT_ENDOFOPT);
	put16(o, 0);
}

static size_t opt_len(size_t n)
{
	return 4 + pcapng_pad4(n);
}

static int nonempty(const char *s)
{
	return s != NULL && s[0] != '\0';
}

size_t pcapng_write_shb(void *buf, size_t cap, const char *userappl)
{
	size_t ua = nonempty(userappl) ? strlen(userappl) : 0;
	size_t len = 4 + 4 + 4 + 2 + 2 + 8 + 4;

	if (ua > PCAPNG_OPT_MAX)
		return 0;
	if (ua > 0)
		len += opt_len(ua) + 4;
	if (buf == NULL && cap == 0)
		return len;
	if (buf == NULL || cap < len)
		return 0;

	struct out o = {buf, 0};
	uint64_t section_len = UINT64_MAX; /* -1: not given */

	put32(&o, PCAPNG_BT_SHB);
	put32(&o, (uint32_t)len);
	put32(&o, PCAPNG_BYTE_ORDER_MAGIC);
	put16(&o, PCAPNG_VERSION_MAJOR);
	put16(&o, PCAPNG_VERSION_MINOR);
	put(&o, &section_len, sizeof(section_len));
	if (ua > 0) {
		put_opt(&o, PCAPNG_SHB_USERAPPL, userappl, ua);
		put_opt_end(&o);
	}
	put32(&o, (uint32_t)len);
	return o.len;
}

size_t pcapng_write_idb(void *buf, size_t cap, uint16_t linktype,
			uint32_t snaplen, const char *if_name, uint8_t tsresol)
{
	size_t name = nonempty(if_name) ? strlen(if_name) : 0;
	size_t len = 4 + 4 + 2 + 2 + 4 + 4;

	if (name > PCAPNG_OPT_MAX)
		return 0;
	if (name > 0)
		len += opt_len(name);
	if (tsresol != 0)
		len += opt_len(1);
	if (name > 0 || tsresol != 0)
		len += 4;
	if (buf == NULL && cap == 0)
		return len;
	if (buf == NULL || cap < len)
		return 0;

	struct out o = {buf, 0};

	put32(&o, PCAPNG_BT_IDB);
	put32(&o, (uint32_t)len);
	put16(&o, linktype);
	put16(&o, 0); /* reserved */
	put32(&o, snaplen);
	if (name > 0)
		put_opt(&o, PCAPNG_IF_NAME, if_name, name);
	if (tsresol != 0)
		put_opt(&o, PCAPNG_IF_TSRESOL, &tsresol, 1);
	if (name > 0 || tsresol != 0)
		put_opt_end(&o);
	put32(&o, (uint32_t)len);
	return o.len;
}

size_t pcapng_epb_len(const struct pcapng_epb *e)
{
	size_t len = 4 + 4 + 4 + 4 + 4 + 4 + 4 + pcapng_pad4(e->caplen) + 4;
	int opts = 0;

	if (e->comment != NULL) {
		if (e->comment_len > PCAPNG_OPT_MAX)
			return 0;
		len += opt_len(e->comment_len);
		opts = 1;
	}
	if (e->has_flags) {
		len += opt_len(4);
		opts = 1;
	}
	if (e->packet_id != 0) {
		len += opt_len(8);
		opts = 1;
	}
	if (opts)
		len += 4;
	if (len > UINT32_MAX)
		return 0;
	return len;
}

size_t pcapng_write_epb(void *buf, size_t cap, const struct pcapng_epb *e)
{
	size_t len = pcapng_epb_len(e);

	if (len == 0 || buf == NULL || cap < len)
		return 0;

	struct out o = {buf, 0};

	put32(&o, PCAPNG_BT_EPB);
	put32(&o, (uint32_t)len);
	put32(&o, e->if_id);
	put32(&o, (uint32_t)(e->timestamp >> 32));
	put32(&o, (uint32_t)e->timestamp);
	put32(&o, e->caplen);
	put32(&o, e->origlen);
	put(&o, e->data, e->caplen);
	put_pad(&o, e->caplen);
	if (e->comment != NULL)
		put_opt(&o, PCAPNG_OPT_COMMENT, e->comment, e->comment_len);
	if (e->has_flags)
		put_opt(&o, PCAPNG_EPB_FLAGS, &e->flags, 4);
	if (e->packet_id != 0)
		put_opt(&o, PCAPNG_EPB_PACKETID, &e->packet_id, 8);
	if (e->comment != NULL || e->has_flags || e->packet_id != 0)
		put_opt_end(&o);
	put32(&o, (uint32_t)len);
	return o.len;
}
