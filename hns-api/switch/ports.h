/* Switch ports as the northbound sees them (switch layer: the typed model
 * that the REST routes (ports_routes.c), the HNS programmer (program/) and
 * the start-up restore all call): hot-plug from a port's JSON or from a
 * bare device (HNS attach with Devargs), removal, the Devargs and attached
 * endpoint of each port, the JSON a GET shows, and persistence of
 * API-plugged ports with --state (kind "port", id the name). Main lcore
 * only.
 * Layer: hns-api/switch/, northbound, switch-model layer (features beyond HNS). */
#ifndef HVS_PORTS_H
#define HVS_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"

struct access_policy;
struct acl_api;
struct hns_store;
struct ports;
struct vswitch;

/* Remembers each configured port's Devargs (the switch keeps only the
 * ethdev); acl is the ports' ACL model. NULL when out of memory. */
struct ports *ports_create(struct vswitch *sw, const struct switch_config *cfg,
			   struct acl_api *acl);
void ports_destroy(struct ports *ps);
/* NULL: changes live in memory only. */
void ports_set_store(struct ports *ps, struct hns_store *store);
/* What Devargs from the API (POST /ports, HNS attach, and ports restored
 * from the store, which the API made) may name (access_policy.h); the
 * config's ports are the operator's and are not checked. NULL: no check. */
void ports_set_access(struct ports *ps, const struct access_policy *ap);

/* The live port of that name, or -1. */
int ports_find(const struct ports *ps, const char *name);

/* Hot-plugs the port doc describes (the startup config's "Ports" element,
 * with its ACLs); with a store, its JSON is stored before returning.
 * Returns 0 with the index, or the HTTP status of the refusal (400 bad
 * JSON, 403 Devargs refused by the access policy, 409 name/device/uplink
 * taken, 500 store or ACL install) with err;
 * nothing is left behind on error. */
int ports_add_json(struct ports *ps, const json_t *doc, uint16_t *index,
		   char *err, size_t errlen);
/* Hot-plugs a bare port (HNS attach with Devargs): not stored here (HNS
 * stores the attachment). 0, or with err 403 (Devargs refused by the
 * access policy) or 400 (cannot plug). */
int ports_add_device(struct ports *ps, const char *name, const char *devargs,
		     char *err, size_t errlen);
/* Unplugs a port (and its stored row and API ACL rows). 0, or the HTTP
 * status (404 unknown, 409 an endpoint is attached, 500) with err. */
int ports_remove(struct ports *ps, const char *name, char *err, size_t errlen);

/* At start, after the config's ports and before HNS (whose attachments may
 * name these ports): plugs every stored port again. One the config now has
 * (name, Devargs or Uplink) is dropped from the store; one that cannot be
 * plugged is left out with a warning and stays stored. 0, or -1 with err
 * when the store cannot be read. */
int ports_restore(struct ports *ps, char *err, size_t errlen);

/* The endpoint attached to a port (HNS bookkeeping). */
void ports_bind_endpoint(struct ports *ps, uint16_t port, const char *id,
			 const char *name);
/* Forgets the port's endpoint (any, when id is ""). */
void ports_unbind_endpoint(struct ports *ps, uint16_t port, const char *id);
/* The attached endpoint's ID, "" when none. */
const char *ports_endpoint(const struct ports *ps, uint16_t port);

/* {Name, Index, Uplink, Vlan, Devargs, MacAddress, Endpoint, EndpointName,
 * RxPackets, TxPackets, RxBytes, TxBytes, Drops, Acls, ExtendedAcls}. */
json_t *ports_describe(const struct ports *ps, uint16_t port);
/* Every live port's description, by index. */
json_t *ports_describe_all(const struct ports *ps);
/* The uplink port's first IPv4 address (host order): 0, or -1 when there
 * is no uplink or it has no address. */
int ports_uplink_ip(const struct ports *ps, uint32_t *ip);
/* How many more ports the switch can take (VS_MAX_PORTS less those in
 * use): tap ports, which hold no ethdev; other kinds also need one of
 * DPDK's RTE_MAX_ETHPORTS. */
unsigned ports_free_slots(const struct ports *ps);

#endif
