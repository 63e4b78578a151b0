#include "addr_parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int mac_parse_bytes(const char *text, uint8_t mac[MAC_ADDR_LEN])
{
	const char *p = text;
	char sep = 0;

	for (int i = 0; i < MAC_ADDR_LEN; i++) {
		int hi = hex_value(p[0]), lo = hi < 0 ? -1 : hex_value(p[1]);

		if (hi < 0 || lo < 0)
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
		p += 2;
		if (i == MAC_ADDR_LEN - 1)
			break;
		if (*p == '\0')
			return -1;
		if (sep == 0 && (*p == ':' || *p == '-'))
			sep = *p;
		if (*p != sep)
			return -1;
		p++;
	}
	return *p == '\0' ? 0 : -1;
}

void mac_format_bytes(const uint8_t b[MAC_ADDR_LEN], char *buf)
{
	snprintf(buf, MAC_FMT_SIZE, "%02x:%02x:%02x:%02x:%02x:%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5]);
}

/* One dotted-quad component: 0-255, decimal, no leading zeros (so "010"
 * is not silently octal or decimal). Advances *p. */
static int ipv4_octet(const char **p, uint32_t *out)
{
	const char *s = *p;
	unsigned v = 0;
	int n = 0;

	while (*s >= '0' && *s <= '9' && n < 4) {
		v = v * 10 + (unsigned)(*s - '0');
		s++;
		n++;
	}
	if (n == 0 || n > 3 || v > 255 || (n > 1 && **p == '0'))
		return -1;
	*out = v;
	*p = s;
	return 0;
}

int ipv4_parse(const char *text, uint32_t *ip)
{
	const char *p = text;
	uint32_t v = 0, o;

	if (text == NULL)
		return -1;
	for (int i = 0; i < 4; i++) {
		if (ipv4_octet(&p, &o) < 0)
			return -1;
		v = v << 8 | o;
		if (i < 3 && *p++ != '.')
			return -1;
	}
	if (*p != '\0')
		return -1;
	*ip = v;
	return 0;
}

/* The length after the slash: decimal, no leading zeros, at most 3
 * digits (so "/0128" or "/x" are not lengths). -1, or the number. */
static int prefix_len(const char *l)
{
	int len = 0;

	if (*l == '\0' || strlen(l) > 3 || (l[0] == '0' && l[1] != '\0'))
		return -1;
	for (; *l; l++) {
		if (*l < '0' || *l > '9')
			return -1;
		len = len * 10 + (*l - '0');
	}
	return len;
}

int ip_prefix_parse(const char *text, unsigned flags, struct ip_prefix *p)
{
	const char *slash = text != NULL ? strchr(text, '/') : NULL;
	size_t alen = text == NULL ? 0 : slash != NULL ? (size_t)(slash - text) : strlen(text);
	char addr[INET6_ADDRSTRLEN + 1];
	int max, len;

	memset(p, 0, sizeof(*p));
	if (alen == 0 || alen >= sizeof(addr))
		return IP_PREFIX_BAD_ADDRESS;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	p->family = strchr(addr, ':') != NULL ? 6 : 4;
	if (p->family == 6 && (flags & IP_PREFIX_V4_ONLY))
		return IP_PREFIX_BAD_ADDRESS;
	if (inet_pton(p->family == 4 ? AF_INET : AF_INET6, addr, p->addr) != 1)
		return IP_PREFIX_BAD_ADDRESS;
	max = p->family == 4 ? 32 : 128;
	if (slash == NULL) {
		if (!(flags & IP_PREFIX_LEN_OPTIONAL))
			return IP_PREFIX_BAD_LENGTH;
		p->len = (uint8_t)max;
		return IP_PREFIX_OK;
	}
	len = prefix_len(slash + 1);
	if (len < 0)
		return IP_PREFIX_BAD_LENGTH;
	p->len = (uint8_t)(len > 255 ? 255 : len);
	return len > max ? IP_PREFIX_LENGTH_RANGE : IP_PREFIX_OK;
}

static bool host_bit(const struct ip_prefix *p, unsigned bit)
{
	return p->addr[bit / 8] & (0x80u >> (bit % 8));
}

bool ip_prefix_has_host_bits(const struct ip_prefix *p)
{
	unsigned max = p->family == 4 ? 32 : 128;

	for (unsigned bit = p->len; bit < max; bit++)
		if (host_bit(p, bit))
			return true;
	return false;
}

void ip_prefix_clear_host_bits(struct ip_prefix *p)
{
	unsigned max = p->family == 4 ? 32 : 128;

	for (unsigned bit = p->len; bit < max; bit++)
		p->addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
}

/* "a.b.c.d/len" (IPv4, len required): address (host order) and length. */
static int ipv4_split(const char *text, uint32_t *ip, uint8_t *plen)
{
	struct ip_prefix p;

	if (ip_prefix_parse(text, IP_PREFIX_V4_ONLY, &p) != IP_PREFIX_OK)
		return -1;
	*ip = (uint32_t)p.addr[0] << 24 | (uint32_t)p.addr[1] << 16 |
	      (uint32_t)p.addr[2] << 8 | p.addr[3];
	*plen = p.len;
	return 0;
}

uint32_t ipv4_mask(uint8_t plen)
{
	return plen == 0 ? 0 : plen >= 32 ? UINT32_MAX : ~(UINT32_MAX >> plen);
}

int ipv4_prefix_parse(const char *text, uint32_t *prefix, uint8_t *plen)
{
	uint32_t ip;
	uint8_t len;

	if (ipv4_split(text, &ip, &len) < 0)
		return -1;
	if ((ip & ~ipv4_mask(len)) != 0)
		return -2;
	*prefix = ip;
	*plen = len;
	return 0;
}

int ipv4_addr_len_parse(const char *text, uint32_t *ip, uint8_t *plen)
{
	uint32_t a;
	uint8_t len;

	if (ipv4_split(text, &a, &len) < 0)
		return -1;
	*ip = a;
	*plen = len;
	return 0;
}

void ipv4_format(uint32_t ip, char *buf)
{
	snprintf(buf, IPV4_FMT_SIZE, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
		 (ip >> 8) & 0xff, ip & 0xff);
}

bool ipv4_in_prefix(uint32_t ip, uint32_t prefix, uint8_t plen)
{
	return ((ip ^ prefix) & ipv4_mask(plen)) == 0;
}
