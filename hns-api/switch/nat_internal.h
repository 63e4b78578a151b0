/* What the NAT model (nat_api.c) shares with its REST handler
 * (nat_routes.c): the model's state and its typed operations. Each
 * operation returns 0, or an HTTP-style status (400, 404, 409, 500, 507)
 * with err saying why; nothing is half-made. Main lcore only.
 * Layer: hns-api/switch/, northbound, switch-model layer (features beyond HNS). */
#ifndef HVS_NAT_INTERNAL_H
#define HVS_NAT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "nat_api.h"
#include "nat_ctl.h"
#include "nat_json.h"

#define ERR_MAX 1024

enum nat_origin { ORIGIN_API, ORIGIN_CONFIG, ORIGIN_HNS };
/* MAP_NAT: came with the NAT's own JSON (config or POST /nats body, or a
 * stored API NAT); MAP_API: POST .../staticmappings; MAP_HNS: an HNS
 * endpoint policy. */
enum map_origin { MAP_NAT, MAP_API, MAP_HNS };

struct map_entry {
	uint32_t id;
	uint8_t origin;
	struct winnat_mapping m;
};

struct nat_entry {
	bool used;
	enum nat_origin origin;
	uint64_t seq;        /* creation order: listing, "the first NAT" */
	struct nat_json req; /* the NAT as asked for (no mappings): stored form */
	uint32_t next_id;
	uint32_t nb_maps, cap_maps;
	struct map_entry *maps;
};

struct proxy_entry {
	struct winnat_proxy px;
	int slot; /* -1: waiting for a NAT */
};

struct nat_api {
	struct vswitch *sw;
	struct hns_store *store;
	uint64_t seq;
	struct nat_entry nats[NAT_DP_MAX]; /* by nat_dp slot */
	uint32_t nb_proxies, cap_proxies;
	struct proxy_entry *proxies;
};


/* A NAT from a POST /nats body (with its StaticMappings), stored. */
int nat_op_add(struct nat_api *a, const struct nat_json *n, int *slot_out,
	       char *err, size_t errlen);
/* An API or config NAT removed (409 for an HNS network's). */
int nat_op_remove(struct nat_api *a, int slot, char *err, size_t errlen);
/* A static mapping added through the API (its StaticMappingID the NAT's
 * next), or removed by id (409 for an HNS endpoint's). */
int nat_op_mapping_add(struct nat_api *a, int slot, const struct winnat_mapping *m,
		       char *err, size_t errlen);
int nat_op_mapping_remove(struct nat_api *a, int slot, uint32_t id, char *err,
			  size_t errlen);
/* A port proxy added (on the NAT that holds its ConnectAddress, else the
 * first) or removed. */
int nat_op_proxy_add(struct nat_api *a, const struct winnat_proxy *px, char *err,
		     size_t errlen);
int nat_op_proxy_remove(struct nat_api *a, uint32_t ip, uint16_t port, char *err,
			size_t errlen);

/* Reads: the slot of a NAT by name (-1: none) and the JSON the API shows
 * (NULL: no such mapping/proxy). */
int nat_find(const struct nat_api *a, const char *name);
json_t *nat_list_json(const struct nat_api *a);
json_t *nat_one_json(const struct nat_api *a, int slot);
json_t *nat_mappings_json(const struct nat_api *a, int slot);
json_t *nat_last_mapping_json(const struct nat_api *a, int slot);
json_t *nat_mapping_json_by_id(const struct nat_api *a, int slot, uint32_t id);
json_t *nat_proxies_json(const struct nat_api *a);
json_t *nat_last_proxy_json(const struct nat_api *a);
json_t *nat_proxy_json_at(const struct nat_api *a, uint32_t ip, uint16_t port);

#endif
