#include "vlan.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vlan_config_init(struct vlan_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = VLAN_MODE_UNTAGGED;
}

/* Reads one VLAN ID at *p; advances *p. */
static int parse_vid(const char **p, uint16_t *vid, char *err, size_t errlen)
{
	const char *s = *p;
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s)) {
		snprintf(err, errlen, "expected a VLAN ID at '%s'", s);
		return -1;
	}
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || v < 1 || v > VLAN_ID_MAX) {
		snprintf(err, errlen, "VLAN ID %.*s out of range 1-%d",
			 (int)(end - s), s, VLAN_ID_MAX);
		return -1;
	}
	while (isspace((unsigned char)*end))
		end++;
	*vid = (uint16_t)v;
	*p = end;
	return 0;
}

int vlan_parse_id_list(const char *text, uint64_t bitmap[VLAN_ID_COUNT / 64],
		       char *err, size_t errlen)
{
	uint64_t bm[VLAN_ID_COUNT / 64] = {0};
	const char *p = text;

	if (text == NULL || *text == '\0') {
		snprintf(err, errlen, "empty VLAN list");
		return -1;
	}
	for (;;) {
		uint16_t lo, hi;

		if (parse_vid(&p, &lo, err, errlen) < 0)
			return -1;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_vid(&p, &hi, err, errlen) < 0)
				return -1;
			if (hi < lo) {
				snprintf(err, errlen,
					 "VLAN range %u-%u is reversed", lo, hi);
				return -1;
			}
		}
		for (unsigned v = lo; v <= hi; v++)
			vlan_bitmap_set(bm, (uint16_t)v);
		if (*p == '\0')
			break;
		if (*p != ',') {
			snprintf(err, errlen, "unexpected '%c' in VLAN list", *p);
			return -1;
		}
		p++;
	}
	memcpy(bitmap, bm, sizeof(bm));
	return 0;
}

/* Formats a bitmap back to the compact "10,20,100-199" form. */
static void format_id_list(const uint64_t *bm, char *buf, size_t len)
{
	size_t off = 0;
	unsigned v = 1;

	buf[0] = '\0';
	while (v <= VLAN_ID_MAX && off < len) {
		if (!vlan_bitmap_test(bm, (uint16_t)v)) {
			v++;
			continue;
		}
		unsigned lo = v;
		while (v + 1 <= VLAN_ID_MAX && vlan_bitmap_test(bm, (uint16_t)(v + 1)))
			v++;
		int n = lo == v ? snprintf(buf + off, len - off, "%s%u",
					   off ? "," : "", lo)
				: snprintf(buf + off, len - off, "%s%u-%u",
					   off ? "," : "", lo, v);
		if (n < 0)
			break;
		off += (size_t)n;
		v++;
	}
}

void vlan_config_describe(const struct vlan_config *cfg, char *buf, size_t len)
{
	char list[512];

	switch (cfg->mode) {
	case VLAN_MODE_UNTAGGED:
		snprintf(buf, len, "Untagged");
		break;
	case VLAN_MODE_ACCESS:
		snprintf(buf, len, "Access %u", cfg->access_vid);
		break;
	case VLAN_MODE_TRUNK:
		format_id_list(cfg->allowed, list, sizeof(list));
		snprintf(buf, len, "Trunk native %u allowed %s", cfg->native_vid,
			 list[0] ? list : "(none)");
		break;
	}
}
