/* The REST face of traces (SPEC 7):
 *   POST   /trace  {"File", "Filter", "SnapLength", "MaxFileSizeMB", "Ports"}
 *                  starts one (409 if one runs, 400 naming a bad field,
 *                  403 when File is not inside the trace directory:
 *                  access_policy.h; a relative File is taken relative
 *                  to it, and Output.File is the resolved path)
 *   GET    /trace  the running trace and its counters (404 if none)
 *   DELETE /trace  stops it, everything queued written (404 if none)
 * Main lcore only.
 * Layer: hns-api/switch/, northbound, switch-model layer (features beyond HNS). */
#ifndef HVS_TRACE_API_H
#define HVS_TRACE_API_H

#include <stddef.h>

#include <jansson.h>

struct access_policy;
struct vswitch;

/* Returns the HTTP status and sets *resp to {"Success","Error","Output"}. */
int trace_api_handle(struct vswitch *sw, const struct access_policy *ap,
		     const char *method, const char *body, size_t body_len,
		     json_t **resp);

#endif
