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
 * Changes (any method but GET and HEAD) are applied one at a time in
 * arrival order: while one runs in the background (a port ACL rule set
 * compiled off the main lcore), later changes wait, their connections
 * suspended (at most 1,024 or 64 MiB of bodies, then 503); reads are
 * answered at once from the state in force.
 *
 * Main lcore only, like everything it calls (but the background jobs).
 * Layer: hns-api/server/, northbound, server layer (transport and the router). */
#ifndef HVS_API_ROUTES_H
#define HVS_API_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "api_server.h"

struct program;
struct api_router;

/* background: changes that can run off the main lcore do (a thread is
 * started); false: every change is made inside its request (the fuzzer).
 * NULL with err on failure. */
struct api_router *api_router_create(struct program *pg, bool background,
				     char *err, size_t errlen);
/* The server whose listeners api_routes_poll() runs (NULL: none). */
void api_router_set_server(struct api_router *r, struct api_server *server);
/* Finishes and answers the change in the background, answers the held
 * ones 503; before the server and the program go. */
void api_router_destroy(struct api_router *r);

/* An api_handler_fn; ctx is the struct api_router. */
void api_routes_handle(void *ctx, const char *method, const char *path,
		       const char *query, const char *body, size_t body_len,
		       struct api_reply *reply);

/* The poll hook for the control loop; arg is the struct api_router:
 * finished background changes, then the server. */
void api_routes_poll(void *arg);
/* The control loop's pause: until the API has work, at most timeout_us. */
void api_routes_wait(void *arg, unsigned timeout_us);

/* Is a server answering on this unix socket path (connect() succeeds)? */
bool api_unix_socket_in_use(const char *path);

#endif
