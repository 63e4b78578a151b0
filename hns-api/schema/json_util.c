#include "json_util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int json_fail(struct json_err *e, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(e->buf, e->len, "%s: ", path[0] ? path : "(root)");

	if (n < 0 || (size_t)n >= e->len)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->buf + n, e->len - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

void json_path_member(char *out, size_t len, const char *path, const char *key)
{
	snprintf(out, len, "%s%s%s", path, path[0] ? "." : "", key);
}

void json_path_index(char *out, size_t len, const char *path, size_t index)
{
	snprintf(out, len, "%s[%zu]", path, index);
}

int json_check_members(const json_t *obj, const char *path,
		       const char *const *allowed, struct json_err *e)
{
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)obj, key, value) {
		const char *const *a;
		char p[256];

		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (*a == NULL) {
			json_path_member(p, sizeof(p), path, key);
			return json_fail(e, p, "unknown field");
		}
	}
	return 0;
}

const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

/* Finds key; fails if required and missing, or if present with the wrong
 * type. Returns 1 found, 0 absent, -1 error. */
static int member(const json_t *obj, const char *path, const char *key,
		  bool required, json_type type, const char *want,
		  const json_t **out, struct json_err *e)
{
	const json_t *v = json_object_get(obj, key);
	char p[256];

	json_path_member(p, sizeof(p), path, key);
	if (v == NULL)
		return required ? json_fail(e, p, "required field is missing") : 0;
	bool ok = type == JSON_TRUE ? json_is_boolean(v) : json_typeof(v) == type;
	if (!ok)
		return json_fail(e, p, "must be %s, not %s", want, json_type_name(v));
	*out = v;
	return 1;
}

int json_get_object(const json_t *obj, const char *path, const char *key,
		    bool required, const json_t **out, struct json_err *e)
{
	int r = member(obj, path, key, required, JSON_OBJECT, "an object", out, e);

	return r < 0 ? -1 : 0;
}

int json_get_array(const json_t *obj, const char *path, const char *key,
		   bool required, const json_t **out, struct json_err *e)
{
	int r = member(obj, path, key, required, JSON_ARRAY, "an array", out, e);

	return r < 0 ? -1 : 0;
}

int json_get_string(const json_t *obj, const char *path, const char *key,
		    bool required, const char **out, struct json_err *e)
{
	const json_t *v = NULL;
	int r = member(obj, path, key, required, JSON_STRING, "a string", &v, e);

	if (r > 0)
		*out = json_string_value(v);
	return r < 0 ? -1 : 0;
}

int json_get_bool(const json_t *obj, const char *path, const char *key,
		  bool required, bool *out, struct json_err *e)
{
	const json_t *v = NULL;
	int r = member(obj, path, key, required, JSON_TRUE, "a boolean", &v, e);

	if (r > 0)
		*out = json_is_true(v);
	return r < 0 ? -1 : 0;
}

int json_get_uint(const json_t *obj, const char *path, const char *key,
		  bool required, uint64_t min, uint64_t max, uint64_t *out,
		  struct json_err *e)
{
	const json_t *v = NULL;
	char p[256];
	int r = member(obj, path, key, required, JSON_INTEGER, "an integer", &v, e);

	if (r <= 0)
		return r;
	json_int_t n = json_integer_value(v);
	if (n < 0 || (uint64_t)n < min || (uint64_t)n > max) {
		json_path_member(p, sizeof(p), path, key);
		return json_fail(e, p, "%lld is out of range %llu-%llu",
				 (long long)n, (unsigned long long)min,
				 (unsigned long long)max);
	}
	*out = (uint64_t)n;
	return 0;
}

void json_text_utf8(char *s)
{
	json_t *j = json_string(s);

	if (j != NULL) {
		json_decref(j);
		return;
	}
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			*s = '?';
}

int text_list_next(const char **p, char *item, size_t len)
{
	const char *s = *p, *end = strchr(s, ',');
	size_t n = end ? (size_t)(end - s) : strlen(s);

	*p = end ? end + 1 : NULL;
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0)
		return -1;
	if (n >= len)
		return -2;
	memcpy(item, s, n);
	item[n] = '\0';
	return 0;
}
