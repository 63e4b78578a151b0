/* Port ACLs and extended ACLs from the control plane's side: the startup
 * config's "Acls"/"ExtendedAcls", the REST paths
 *
 *   GET    /ports/{name}/acls            every rule + "Id", "Packets", "Bytes"
 *   POST   /ports/{name}/acls            one rule object or an array: appended
 *   DELETE /ports/{name}/acls            every rule
 *   DELETE /ports/{name}/acls/{id}       one rule (404 unknown id)
 *   ... the same under /ports/{name}/extendedacls
 *
 * and the extended ACLs that HNS "ACL" endpoint policies map to while the
 * endpoint is attached to a port.
 *
 * The rule sets themselves live in the VFP control copy (vfp_rules()); a
 * change builds the whole new set and hands it to vfp_set_port_acls() /
 * vfp_set_ext_acls(), which compile it off the fast path and swap it in
 * with RCU: traffic keeps flowing, and on any error the old set stays in
 * force (nothing is half-applied).
 *
 * Rule ids: per port and layer, 1..n from the config in array order, then
 * the API hands out increasing ids never reused while the daemon runs (so
 * a stale DELETE cannot hit a newer rule). Extended rules made from an
 * endpoint's ACL policies take ids from ACL_POLICY_ID_BASE up: a port's
 * extended set is its own rules (config, API) followed by those, kept
 * apart by the id range. Policy rules change only with the endpoint
 * (attach, detach, update): DELETE refuses them (409) and DELETE of the
 * whole layer leaves them. Main lcore only.
 * Layer: hns-api/switch/, northbound, switch-model layer (features beyond HNS). */
#ifndef HVS_ACL_API_H
#define HVS_ACL_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"

#define ACL_POLICY_ID_BASE UINT32_C(0x80000000)

struct acl_api;

struct acl_api *acl_api_create(struct vswitch *sw);
void acl_api_destroy(struct acl_api *a);

/* Installs a port's configured Acls and ExtendedAcls (the port must be
 * open; sw->vfp must exist): the port's ACLs become pc's, its own
 * extended ACLs become pc's (rules from an attached endpoint's policies
 * stay). 0, or -1 with err and the old rules in force. */
int config_apply_port_acls(struct vswitch *sw, uint16_t port,
			   const struct port_config *pc, char *err,
			   size_t errlen);

struct hns_store;

/* With a state store (--state), every change of a port's API-made rules
 * (those above the port's config rules, not from endpoint policies) is
 * stored before the reply: kind "portacls" / "portextacls", id the port
 * name, the rules array with their "Id"s; with an added rule, in the same
 * transaction, the port's next ids (kind "portaclids", {"acls": n,
 * "extendedacls": m}: ids are never handed out twice, restarts included);
 * a store error leaves the old rules in force and answers 500 (the rules
 * are stored first, then put in force). NULL: memory only. */
#define ACL_API_KIND_NEXT_IDS "portaclids"
void acl_api_set_store(struct acl_api *a, struct hns_store *store);

/* The port's config rules (ids 1..n of pc's Acls, ExtendedAcls; pc NULL:
 * none) are not API rules: call after config_apply_port_acls(). */
void acl_api_port_config(struct acl_api *a, uint16_t port,
			 const struct port_config *pc);

/* At start, once the ports exist: installs every port's stored API rules
 * with their ids (the id counter continues above them). A row that names
 * no port or cannot be installed is left out with a warning on stderr.
 * 0, or -1 with err when the store cannot be read. */
int acl_api_restore(struct acl_api *a, char *err, size_t errlen);

/* Is sub (what follows "/ports/{name}/") an ACL path? */
bool acl_api_path(const char *sub);

/* Serves an ACL path of a live port. Returns the HTTP status and sets
 * *resp to the HNS body {"Success", "Error", "Output"} (caller decrefs);
 * or, for a change made in the background (below), ACL_API_LATER with
 * *resp NULL: the answer comes through the answer function with ticket. */
#define ACL_API_LATER 1
int acl_api_handle(struct acl_api *a, uint16_t port, const char *port_name,
		   const char *method, const char *sub, const char *body,
		   size_t body_len, void *ticket, json_t **resp);

/* Changes in the background: with bg set, a POST or DELETE of a port's
 * rules is parsed, checked and compiled on bg's thread (the rules in force
 * meanwhile are the old ones, and GETs show them), then, on the main
 * lcore, stored and put in force, and answered: answer(ctx, ticket,
 * status, text, len) with the HNS body as JSON text (malloc'd, taken).
 * The caller must not change the port's rules otherwise until then (the
 * REST router holds later changes back). bg NULL: changes are made
 * inside acl_api_handle (unit tests, the fuzzer). */
struct bg_work;
typedef void (*acl_api_answer_fn)(void *ctx, void *ticket, int status,
				  char *text, size_t len);
void acl_api_set_background(struct acl_api *a, struct bg_work *bg,
			    acl_api_answer_fn answer, void *ctx);

/* The rules of a port for GET /ports: each rule's JSON plus "Id" (and
 * "Endpoint" for policy rules), without counters. */
json_t *acl_api_rules_json(const struct acl_api *a, uint16_t port, bool ext);

/* An endpoint (v1 JSON) was attached to / detached from a port: installs
 * or removes the extended ACLs its "ACL" policies map to. A policy that
 * cannot be mapped is logged on stderr and left out. With a background
 * (acl_api_set_background) the rule set is compiled there and put in
 * force from its poll: acl_api_settling() counts the installs not yet in
 * force, so the REST router answers the HNS request once it is 0. */
unsigned acl_api_settling(const struct acl_api *a);
void acl_api_endpoint_attached(struct acl_api *a, uint16_t port,
			       const json_t *endpoint_v1);
void acl_api_endpoint_detached(struct acl_api *a, uint16_t port,
			       const json_t *endpoint_v1);

/* The port was removed (its VFP rules are cleared by the switch): forget
 * its ids and endpoint. */
void acl_api_port_removed(struct acl_api *a, uint16_t port);

#endif
