/* WinNAT from the control plane's side (SPEC 5.4, 6): the startup
 * config's "Nats", HNS NAT networks and their port mappings, and the REST
 * paths
 *
 *   GET    /nats                           every NAT (nat_json.h), with its
 *                                          StaticMappings
 *   POST   /nats                           create one (201; 409 name taken)
 *   GET    /nats/{name}                    one NAT
 *   DELETE /nats/{name}                    remove it, its mappings and sessions
 *   GET    /nats/{name}/staticmappings     its static mappings
 *   POST   /nats/{name}/staticmappings     add one (201), StaticMappingID
 *                                          assigned (per NAT, increasing)
 *   DELETE /nats/{name}/staticmappings/{id}
 *   GET    /nats/{name}/sessions[?limit=N] live sessions (default at most
 *                                          10000), Get-NetNatSession-like
 *   GET    /nats/{name}/bindings           live bindings (static mappings
 *                                          are Configured ones)
 *   GET    /portproxy                      every port proxy
 *   POST   /portproxy                      add one (201)
 *   DELETE /portproxy/{ListenAddress}/{ListenPort}
 *
 * Bodies {"Success", "Error", "Output"} as the HNS API's, 400 naming the
 * field, 404 unknown NAT/mapping/proxy, 409 conflicts. NAT objects of the
 * config, of HNS NAT networks and of the API share one namespace (the
 * NAT's Name; an HNS network's NAT is named after the network). A NAT of
 * an HNS network is removed with the network, not with DELETE /nats
 * (409), and its HNS port mappings only by HNS.
 *
 * A port proxy belongs to the NAT whose internal prefix holds its
 * ConnectAddress, else to the first NAT; POST with no NAT at all is 409.
 * When its NAT goes, a proxy moves to another NAT by the same rule, or
 * waits (shown with "NatName": null) until a NAT is added.
 *
 * Persistence (with a store): one transaction per request, committed
 * before the reply; a store error undoes the change and answers 500.
 *   kind "nats", id the NAT's name: {"Nat": NAT (input form, no
 *     StaticMappings), "StaticMappings": [mapping + "StaticMappingID"]}
 *     for an API NAT; for a config or HNS NAT only the mappings added
 *     through the API ({"StaticMappings": [...]}), the row gone with the
 *     last of them.
 *   kind "portproxy", id "ListenAddress:ListenPort": the proxy's JSON.
 * Main lcore only.
 * Layer: hns-api/switch/, northbound, switch-model layer (features beyond HNS). */
#ifndef HVS_NAT_API_H
#define HVS_NAT_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "winnat.h"

struct vswitch;

#define NAT_API_SESSIONS_LIMIT 10000

struct nat_api;
struct hns_store;

struct nat_api *nat_api_create(struct vswitch *sw);
/* Removes nothing from the switch (the daemon is going down). */
void nat_api_destroy(struct nat_api *a);
/* The switch it manages. */
struct vswitch *nat_api_switch(const struct nat_api *a);

/* NULL: API-made NATs, mappings and proxies live in memory only. */
void nat_api_set_store(struct nat_api *a, struct hns_store *store);

/* The startup config's "Nats" (validated by config_parse_*; may be NULL):
 * each NAT with its StaticMappings, not stored. All or nothing: on error
 * the NATs added so far are removed again and err names the element
 * ("Nats[1]: ..."). Call once the ports are up, before nat_api_restore. */
int nat_api_apply_config(struct nat_api *a, const json_t *nats, char *err,
			 size_t errlen);

/* At start, after the config's and HNS's NATs: the stored NATs, mappings
 * and proxies back with their StaticMappingIDs. A stored NAT whose name
 * is taken (the config or HNS has one) is dropped from the store with a
 * warning; a row that cannot be applied is left out with a warning on
 * stderr. 0, or -1 with err when the store cannot be read. */
int nat_api_restore(struct nat_api *a, char *err, size_t errlen);

/* Is path one of the paths above ("/nats...", "/portproxy...")? */
bool nat_api_path(const char *path);

/* Serves such a path. query: the URL's query string without '?' (may be
 * NULL). Returns the HTTP status and sets *resp to the HNS body (caller
 * decrefs; NULL only when out of memory). */
int nat_api_handle(struct nat_api *a, const char *method, const char *path,
		   const char *query, const char *body, size_t body_len,
		   json_t **resp);

/* An HNS NAT network: a NAT named name with that internal prefix and
 * gateway (0: the prefix's first host), WinNAT's defaults otherwise. Not
 * stored (HNS stores its networks). 0, or -1 with err (name taken, no
 * uplink address, NAT table full). */
int nat_api_network_add(struct nat_api *a, const char *name, uint32_t prefix,
			uint8_t plen, uint32_t gateway, char *err, size_t errlen);
/* Removes it (and its sessions, mappings); its proxies move (see above).
 * 0, or -1 if there is no HNS network NAT of that name (a NAT of that
 * name from the API or the config is left alone). */
int nat_api_network_remove(struct nat_api *a, const char *name);

/* An HNS PortMapping / v1 NAT policy on the NAT nat_name: added (add) or
 * removed. Shown among the NAT's StaticMappings, not stored, not
 * deletable through /nats. 0, or -1 with err. */
int nat_api_port_mapping(struct nat_api *a, const char *nat_name, bool add,
			 const struct winnat_mapping *mp, char *err, size_t errlen);

#endif
