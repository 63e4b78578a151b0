/* The reply envelope (envelope.h). */
#include "envelope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"

/* An error text as a JSON string. It may quote the request path, which
 * can hold any byte: one that is not valid UTF-8 (json_string refuses it)
 * has every non-ASCII byte shown as '?', so "Error" is always there. */
static json_t *error_string(const char *msg)
{
	json_t *s = json_string(msg != NULL ? msg : "");
	char *copy;

	if (s != NULL)
		return s;
	copy = strdup(msg);
	if (copy == NULL)
		return json_string("out of memory");
	json_text_utf8(copy);
	s = json_string(copy);
	free(copy);
	return s;
}

static json_t *make(int ok, const char *msg, json_t *output)
{
	json_t *r = json_object();

	json_object_set_new(r, "Success", json_boolean(ok));
	json_object_set_new(r, "Error", error_string(msg));
	json_object_set_new(r, "Output", output != NULL ? output : json_null());
	return r;
}

json_t *envelope_ok(json_t *output)
{
	return make(1, "", output);
}

json_t *envelope_error(const char *msg)
{
	return make(0, msg, NULL);
}

json_t *envelope_verrorf(const char *fmt, va_list ap)
{
	char *msg = NULL;
	json_t *r;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	r = make(0, msg != NULL ? msg : "out of memory", NULL);
	free(msg);
	return r;
}

json_t *envelope_errorf(const char *fmt, ...)
{
	va_list ap;
	json_t *r;

	va_start(ap, fmt);
	r = envelope_verrorf(fmt, ap);
	va_end(ap);
	return r;
}

int envelope_reply(json_t **resp, int status, const char *msg, json_t *output)
{
	*resp = make(status == 200, msg, output);
	return status;
}

int envelope_fail(json_t **resp, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*resp = envelope_verrorf(fmt, ap);
	va_end(ap);
	return status;
}
