/* The one reply envelope of the REST API (schema layer), as HNS answers:
 * {"Success": bool, "Error": "text", "Output": value or null}. Every
 * handler (HNS, ports, ACLs, NATs, traces, the router's own errors) builds
 * its body here; messages are never cut.
 * Layer: hns-api/schema/, northbound, schema layer (JSON <-> C, parsers). */
#ifndef HVS_ENVELOPE_H
#define HVS_ENVELOPE_H

#include <stdarg.h>

#include <jansson.h>

/* Success with output (stolen; NULL: null). */
json_t *envelope_ok(json_t *output);
/* Failure with a message (copied whole). */
json_t *envelope_error(const char *msg);
/* Failure with a formatted message. */
json_t *envelope_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
json_t *envelope_verrorf(const char *fmt, va_list ap);

/* status == 200 ? ok(output) : error(msg), as HNS replies: *resp set,
 * status returned. */
int envelope_reply(json_t **resp, int status, const char *msg, json_t *output);
/* *resp = error(formatted); returns status. */
int envelope_fail(json_t **resp, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
