/* Helpers the HNS unit tests share: requests through hns_handle with the
 * response envelope checked, and readers of the last response. JSON bodies
 * are written with single quotes (' becomes "). Each test file defines
 * nothing of these itself. */
#ifndef HVS_TEST_HNS_REQUEST_H
#define HVS_TEST_HNS_REQUEST_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "hns.h"

static struct hns *h;
static json_t *resp;

/* JSON written with single quotes; ' becomes ". */
static inline char *sq(const char *text)
{
	char *s = strdup(text);

	cr_assert_not_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

static inline int req(const char *method, const char *path, const char *body)
{
	char *b = body ? sq(body) : NULL;
	int st;

	json_decref(resp);
	resp = NULL;
	st = hns_handle(h, method, path, b, b ? strlen(b) : 0, &resp);
	free(b);
	cr_assert_not_null(resp, "%s %s: no response", method, path);
	cr_assert(json_is_boolean(json_object_get(resp, "Success")));
	cr_assert(json_is_string(json_object_get(resp, "Error")));
	cr_assert_not_null(json_object_get(resp, "Output"));
	cr_assert_eq(json_is_true(json_object_get(resp, "Success")), st == 200,
		     "%s %s: Success does not match status %d", method, path, st);
	return st;
}

static inline const char *err(void)
{
	return json_string_value(json_object_get(resp, "Error"));
}

static inline json_t *out(void)
{
	return json_object_get(resp, "Output");
}

/* "Subnets[0].AddressPrefix" under v */
static inline json_t *jget(json_t *v, const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *t = strtok_r(buf, ".", &save); t && v; t = strtok_r(NULL, ".", &save)) {
		char *br = strchr(t, '[');

		if (br)
			*br = '\0';
		if (*t)
			v = json_object_get(v, t);
		while (br && v) {
			v = json_array_get(v, (size_t)atoi(br + 1));
			br = strchr(br + 1, '[');
		}
	}
	return v;
}

static inline const char *ostr(const char *path)
{
	const char *s = json_string_value(jget(out(), path));

	cr_assert_not_null(s, "Output.%s is not a string", path);
	return s;
}

static inline long long oint(const char *path)
{
	json_t *v = jget(out(), path);

	cr_assert(json_is_integer(v), "Output.%s is not an integer", path);
	return json_integer_value(v);
}

static inline void ok(const char *method, const char *path, const char *body)
{
	int st = req(method, path, body);

	cr_assert_eq(st, 200, "%s %s -> %d: %s", method, path, st, err());
	cr_assert_str_empty(err());
}

/* The request fails with status and an Error containing each of the
 * (NULL-terminated) fragments. */
static inline void fails(const char *method, const char *path, const char *body,
		  int status, const char *frag, const char *frag2)
{
	int st = req(method, path, body);

	cr_assert_eq(st, status, "%s %s -> %d (want %d): %s", method, path, st,
		     status, err());
	cr_assert(json_is_false(json_object_get(resp, "Success")));
	if (frag)
		cr_assert(strstr(err(), frag), "error '%s' lacks '%s'", err(), frag);
	if (frag2)
		cr_assert(strstr(err(), frag2), "error '%s' lacks '%s'", err(), frag2);
}

/* The last (successful) reply's "Warnings" has an entry containing frag. */
static inline bool warned(const char *frag)
{
	json_t *w = json_object_get(resp, "Warnings"), *item;
	size_t i;

	json_array_foreach(w, i, item)
		if (strstr(json_string_value(item), frag))
			return true;
	return false;
}

#endif
