/* Strict JSON reading on jansson: every error names the JSON path of the
 * offending value ("Ports[1].Vlan.AccessVlanId: ..."), unknown fields are
 * errors, types are never coerced. Shared by the config and the API.
 * Layer: hns-api/schema/, northbound, schema layer (JSON <-> C, parsers). */
#ifndef HVS_JSON_UTIL_H
#define HVS_JSON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct json_err {
	char *buf;
	size_t len;
};

/* Writes "path: message" into e; always returns -1. */
int json_fail(struct json_err *e, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* path of a member ("Ports[1]" + "Vlan" -> "Ports[1].Vlan") or of an
 * element ("Ports" + 1 -> "Ports[1]"). */
void json_path_member(char *out, size_t len, const char *path, const char *key);
void json_path_index(char *out, size_t len, const char *path, size_t index);

/* Makes a message usable as a JSON string: when s is not valid UTF-8 (it
 * quotes a request path, which may hold any byte, or was cut inside a
 * UTF-8 sequence), every non-ASCII byte becomes '?'. In place. */
void json_text_utf8(char *s);

/* "an object", "a string", ...: for "must be X, not Y" messages. */
const char *json_type_name(const json_t *v);

/* Fails on a member not in allowed (NULL-terminated). */
int json_check_members(const json_t *obj, const char *path,
		       const char *const *allowed, struct json_err *e);

/* Getters: a missing optional member leaves *out untouched and returns 0. */
int json_get_object(const json_t *obj, const char *path, const char *key,
		    bool required, const json_t **out, struct json_err *e);
int json_get_array(const json_t *obj, const char *path, const char *key,
		   bool required, const json_t **out, struct json_err *e);
int json_get_string(const json_t *obj, const char *path, const char *key,
		    bool required, const char **out, struct json_err *e);
int json_get_bool(const json_t *obj, const char *path, const char *key,
		  bool required, bool *out, struct json_err *e);
int json_get_uint(const json_t *obj, const char *path, const char *key,
		  bool required, uint64_t min, uint64_t max, uint64_t *out,
		  struct json_err *e);

/* Comma lists as HNS writes them ("10.0.0.0/8, 192.168.0.1"): copies the
 * next trimmed item at *p into item and moves *p past it (NULL after the
 * last). 0, -1 for an empty item, -2 for one of len bytes or more. */
int text_list_next(const char **p, char *item, size_t len);

#endif
