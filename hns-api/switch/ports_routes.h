/* REST /ports (switch layer, a thin handler over ports.h and acl_api.h):
 *   GET /ports                [port descriptions], bare
 *   POST /ports               hot-plug (the startup config's port syntax)
 *   GET /ports/{name}         one description, bare; 404 if unknown
 *   DELETE /ports/{name}      unplug (204); 409 while an endpoint is attached
 *   /ports/{name}/acls, /ports/{name}/extendedacls   the port's rules
 * Errors in the reply envelope.
 * Layer: hns-api/switch/, northbound, switch-model layer (features beyond HNS). */
#ifndef HVS_PORTS_ROUTES_H
#define HVS_PORTS_ROUTES_H

#include <stddef.h>

#include <jansson.h>

struct acl_api;
struct ports;

/* Serves a path under /ports. Returns the HTTP status and *resp (NULL
 * for 204), or ACL_API_LATER for a rule change answered later with
 * ticket (acl_api.h). */
int ports_routes_handle(struct ports *ps, struct acl_api *acl, const char *method,
			const char *path, const char *body, size_t len,
			void *ticket, json_t **resp);

#endif
