/* Compact JSON text into one buffer (json_text.h). */
#include "json_text.h"

#include <stdlib.h>
#include <string.h>

static bool grow(struct jtext *t, size_t more)
{
	size_t cap = t->cap ? t->cap : 256;
	char *p;

	if (t->failed)
		return false;
	if (t->len + more + 1 <= t->cap)
		return true;
	while (cap < t->len + more + 1)
		cap *= 2;
	p = realloc(t->buf, cap);
	if (p == NULL) {
		t->failed = true;
		return false;
	}
	t->buf = p;
	t->cap = cap;
	return true;
}

void jtext_init(struct jtext *t, size_t cap)
{
	memset(t, 0, sizeof(*t));
	grow(t, cap ? cap : 256);
}

void jtext_free(struct jtext *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

char *jtext_take(struct jtext *t, size_t *len)
{
	char *s = NULL;

	if (!t->failed && grow(t, 0)) {
		t->buf[t->len] = '\0';
		s = t->buf;
		if (len != NULL)
			*len = t->len;
		t->buf = NULL;
	}
	jtext_free(t);
	return s;
}

void jtext_raw(struct jtext *t, const char *s, size_t n)
{
	if (!grow(t, n))
		return;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

void jtext_string(struct jtext *t, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *run;

	/* worst case: every byte \u00XX */
	if (!grow(t, n * 6 + 2))
		return;
	t->buf[t->len++] = '"';
	while (p < end) {
		char *o;

		for (run = p; p < end && *p >= 0x20 && *p != '"' && *p != '\\'; p++)
			;
		memcpy(t->buf + t->len, run, (size_t)(p - run));
		t->len += (size_t)(p - run);
		if (p == end)
			break;
		o = t->buf + t->len;
		o[0] = '\\';
		switch (*p) {
		case '"': o[1] = '"'; break;
		case '\\': o[1] = '\\'; break;
		case '\b': o[1] = 'b'; break;
		case '\f': o[1] = 'f'; break;
		case '\n': o[1] = 'n'; break;
		case '\r': o[1] = 'r'; break;
		case '\t': o[1] = 't'; break;
		default:
			memcpy(o + 1, "u00", 3);
			o[4] = hex[*p >> 4];
			o[5] = hex[*p & 15];
			t->len += 4;
		}
		t->len += 2;
		p++;
	}
	t->buf[t->len++] = '"';
}

void jtext_cstring(struct jtext *t, const char *s)
{
	jtext_string(t, s, strlen(s));
}

void jtext_key(struct jtext *t, const char *key)
{
	jtext_cstring(t, key);
	jtext_lit(t, ":");
}

void jtext_int(struct jtext *t, long long v)
{
	char buf[24], *p = buf + sizeof(buf);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	jtext_raw(t, p, (size_t)(buf + sizeof(buf) - p));
}

void jtext_value(struct jtext *t, const json_t *v)
{
	const char *key;
	const json_t *x;
	size_t i, klen;
	bool first = true;
	char *s;

	switch (v != NULL ? json_typeof(v) : JSON_NULL) {
	case JSON_OBJECT:
		jtext_lit(t, "{");
		json_object_keylen_foreach((json_t *)v, key, klen, x) {
			if (!first)
				jtext_lit(t, ",");
			first = false;
			jtext_string(t, key, klen);
			jtext_lit(t, ":");
			jtext_value(t, x);
		}
		jtext_lit(t, "}");
		return;
	case JSON_ARRAY:
		jtext_lit(t, "[");
		json_array_foreach(v, i, x) {
			if (i > 0)
				jtext_lit(t, ",");
			jtext_value(t, x);
		}
		jtext_lit(t, "]");
		return;
	case JSON_STRING:
		jtext_string(t, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		jtext_int(t, (long long)json_integer_value(v));
		return;
	case JSON_TRUE:
		jtext_lit(t, "true");
		return;
	case JSON_FALSE:
		jtext_lit(t, "false");
		return;
	case JSON_NULL:
		if (v == NULL)
			t->failed = true;
		else
			jtext_lit(t, "null");
		return;
	case JSON_REAL: /* jansson's own formatting (rare: no HNS field is one) */
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (s == NULL) {
			t->failed = true;
			return;
		}
		jtext_raw(t, s, strlen(s));
		free(s);
		return;
	}
}
