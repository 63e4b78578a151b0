/* The one router of the REST API (server layer): every path, one reply
 * envelope (schema/envelope.h), each path handed to the model that serves
 * it. The models come from the northbound's composition (program.h).
 *
 *   GET /stats           the stats_json.h document, bare
 *   GET /metrics         the same counters as Prometheus text (0.0.4)
 *   /trace               trace_api.h
 *   /ports...            ports_routes.h (ports, their ACL rules)
 *   /nats..., /portproxy...   nat_api.h
 *   anything else        the HNS model (hns_handle)
 *
 * Main lcore only, like everything it calls.
 * Layer: hns-api/server/, northbound, server layer (transport and the router). */
#ifndef HVS_API_ROUTES_H
#define HVS_API_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "api_server.h"

struct program;

/* An api_handler_fn; ctx is the struct program. */
void api_routes_handle(void *ctx, const char *method, const char *path,
		       const char *query, const char *body, size_t body_len,
		       struct api_reply *reply);

/* The poll hook for the control loop; arg is the struct api_server. */
void api_routes_poll(void *arg);

/* Is a server answering on this unix socket path (connect() succeeds)? */
bool api_unix_socket_in_use(const char *path);

#endif
