/* Compact JSON text written straight into one growing buffer: what
 * json_dumps(v, JSON_COMPACT) would write, byte for byte, without building
 * a jansson tree first or the loop checks and copies of json_dumps. For
 * replies too large to make as a tree (the whole-list GETs of 10,000 load
 * balancers, issue 17). Out of memory is sticky: every later write is a
 * no-op and jtext_take() returns NULL.
 * Layer: hns-api/schema/, northbound, schema layer (JSON <-> C, parsers). */
#ifndef HVS_JSON_TEXT_H
#define HVS_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct jtext {
	char *buf;
	size_t len, cap;
	bool failed;
};

/* An empty text with room for about cap bytes (0: a default). */
void jtext_init(struct jtext *t, size_t cap);
void jtext_free(struct jtext *t);
/* The text, NUL-terminated (its length in *len), now the caller's to
 * free(); NULL if a write ran out of memory. t is left empty. */
char *jtext_take(struct jtext *t, size_t *len);

void jtext_raw(struct jtext *t, const char *s, size_t n);
/* a string literal, as is */
#define jtext_lit(t, s) jtext_raw((t), "" s, sizeof(s) - 1)
/* s (n bytes of UTF-8) as a quoted JSON string, escaped as jansson does:
 * \" \\ \b \f \n \r \t, other control characters \u00XX */
void jtext_string(struct jtext *t, const char *s, size_t n);
void jtext_cstring(struct jtext *t, const char *s);
/* "key": */
void jtext_key(struct jtext *t, const char *key);
void jtext_int(struct jtext *t, long long v);
/* Any value, as json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) (a real as
 * jansson formats it); NULL writes nothing and fails the text, as
 * json_dumps fails. */
void jtext_value(struct jtext *t, const json_t *v);

#endif
