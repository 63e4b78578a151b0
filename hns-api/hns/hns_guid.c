/* GUIDs as HNS shows them: random version 4, upper case,
 * "5A3B5F2C-0D1E-4F60-8A7B-9C0D1E2F3A4B". Input in any case, with or
 * without braces. */
#include "hns_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static void random_bytes(uint8_t *b, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(b + got, n - got, 0);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got < n) {
		/* no entropy source: fall back to a time-seeded xorshift */
		static uint64_t x;

		if (x == 0)
			x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
			    0x9E3779B97F4A7C15ULL;
		for (size_t i = got; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			b[i] = (uint8_t)x;
		}
	}
}

void hns_guid_new(char out[HNS_GUID_LEN + 1])
{
	uint8_t b[16];

	random_bytes(b, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, HNS_GUID_LEN + 1,
		 "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-"
		 "%02X%02X%02X%02X%02X%02X",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

bool hns_guid_parse(const char *in, char out[HNS_GUID_LEN + 1])
{
	size_t n;

	if (in == NULL)
		return false;
	n = strlen(in);
	if (n == HNS_GUID_LEN + 2 && in[0] == '{' && in[n - 1] == '}') {
		in++;
		n -= 2;
	}
	if (n != HNS_GUID_LEN)
		return false;
	for (size_t i = 0; i < HNS_GUID_LEN; i++) {
		char c = in[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
			out[i] = c;
		} else {
			if (!isxdigit((unsigned char)c))
				return false;
			out[i] = (char)toupper((unsigned char)c);
		}
	}
	out[HNS_GUID_LEN] = '\0';
	return true;
}

int hns_assign_id(struct hns *h, struct hns_obj *o, const char *given,
		  const char *path, struct herr *e)
{
	static const char *const what[HK_N] = {
		[HK_NETWORK] = "a network", [HK_ENDPOINT] = "an endpoint",
		[HK_NAMESPACE] = "a namespace", [HK_POLICYLIST] = "a policy list",
	};
	char p[HNS_PATH_LEN];

	if (given == NULL || *given == '\0') {
		do
			hns_guid_new(o->id);
		while (hns_find(h, o->kind, o->id));
		return 0;
	}
	if (!hns_guid_parse(given, o->id))
		return hfail(e, 400, pmember(p, path, "ID"), "'%s' is not a GUID", given);
	if (hns_find(h, o->kind, o->id))
		return hfail(e, 409, pmember(p, path, "ID"), "%s with ID %s already exists",
			     what[o->kind], o->id);
	return 0;
}
