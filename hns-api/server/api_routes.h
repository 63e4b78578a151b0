/* vswitchd's REST routes: the glue between the transport (api_server.h),
 * the HNS service (hns.h) and the switch.
 *
 *   GET /stats           the stats_json.h document, bare
 *   GET /metrics         the same counters as Prometheus text (0.0.4)
 *   GET /ports           [{Name, Index, Uplink, Vlan, Devargs, MacAddress,
 *                          Endpoint, RxPackets, TxPackets, RxBytes, TxBytes,
 *                          Drops, Acls, ExtendedAcls}], bare
 *   GET /ports/{name}    one of those; 404 (HNS-style body) if unknown
 *   POST /ports, DELETE /ports/{name}   hot-plug (with the port's ACLs)
 *   /ports/{name}/acls, /ports/{name}/extendedacls   the port's ACL rules
 *                        (acl_api.h), HNS-style bodies
 *   anything else        the HNS service (hns_handle)
 *
 * Errors (unknown port, wrong method) use the HNS body
 * {"Success": false, "Error": "...", "Output": null}.
 *
 * It also provides the hns_dataplane callbacks: port lookups, hot-plug
 * for attach with Devargs, attachment bookkeeping per port (with the
 * extended ACLs of the endpoint's ACL policies) and the endpoint
 * counters. Main lcore only, like everything it calls. */
#ifndef HVS_API_ROUTES_H
#define HVS_API_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "api_server.h"
#include "config.h"
#include "hns.h"
#include "switch.h"

struct api_routes;

/* Remembers each configured port's Devargs (the switch keeps only the
 * ethdev). NULL when out of memory. */
struct api_routes *api_routes_create(struct vswitch *sw,
				     const struct switch_config *cfg);
void api_routes_destroy(struct api_routes *r);

/* The switch side of the HNS service, bound to r. */
void api_routes_dataplane(struct api_routes *r, struct hns_dataplane *dp);
/* The HNS service the routes hand everything else to (may be NULL). */
void api_routes_set_hns(struct api_routes *r, struct hns *h);

struct hns_store;

/* With a state store (--state), POST /ports stores the port's JSON (kind
 * "port", id its name) and DELETE /ports/{name} deletes it (with the
 * port's stored API ACL rules), one transaction before the reply; a store
 * error undoes the change and answers 500. The ports' API-made ACL rules
 * are stored too (acl_api.h). NULL: memory only. */
void api_routes_set_store(struct api_routes *r, struct hns_store *store);

/* At start, after the config ports and before the HNS service (whose
 * attachments may name these ports): hot-plugs every stored port again. A
 * port the config now has (same name, Devargs or Uplink) is dropped from
 * the store; one that cannot be plugged (its device is gone) is left out
 * with a warning on stderr and stays stored. 0, or -1 with err when the
 * store cannot be read. */
int api_routes_restore_ports(struct api_routes *r, char *err, size_t errlen);

/* At start, once every port exists: the stored API ACL rules
 * (acl_api_restore()). 0 or -1 with err. */
int api_routes_restore_acls(struct api_routes *r, char *err, size_t errlen);

/* An api_handler_fn; ctx is the struct api_routes. */
void api_routes_handle(void *ctx, const char *method, const char *path,
		       const char *query, const char *body, size_t body_len,
		       struct api_reply *reply);

/* The poll hook for control_run(); arg is the struct api_server. */
void api_routes_poll(void *arg);

/* Is a server answering on this unix socket path (connect() succeeds)? */
bool api_unix_socket_in_use(const char *path);

/* DPDK telemetry commands /hvswitch/stats and /hvswitch/ports (for
 * dpdk-telemetry.py), reading the same counters. 0 or -1. */
int api_routes_register_telemetry(struct api_routes *r);

#endif
