/* What the ACL model (acl_api.c) and its REST handlers (acl_routes.c)
 * share: the per-port state, the two layers' description and the helpers
 * both use. Private to hns-api/switch.
 * Layer: hns-api/switch/, northbound, switch-model layer (features beyond HNS). */
#ifndef HVS_ACL_INTERNAL_H
#define HVS_ACL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "acl_api.h"
#include "vfp.h"

#define ENDPOINT_ID_MAX 64
#define ERR_MAX 1024

enum { LAYER_ACL, LAYER_EXT, LAYER_COUNT };

struct acl_port_state {
	/* The next id the API hands out per layer; 0: not known yet (taken
	 * from the rules in force on first use). */
	uint32_t next_id[LAYER_COUNT];
	/* The endpoint whose ACL policies are installed, "" if none. */
	char endpoint[ENDPOINT_ID_MAX];
	/* Rules with ids 1..cfg_max came with the port's config (startup
	 * config or POST /ports body) and are not stored as API rules. */
	uint32_t cfg_max[LAYER_COUNT];
};

struct bg_work;

struct acl_api {
	struct vswitch *sw;
	struct hns_store *store; /* NULL: API rules live in memory only */
	struct acl_port_state ports[VS_MAX_PORTS];
	/* REST changes compiled off the main lcore (acl_api_set_background) */
	struct bg_work *bg;
	acl_api_answer_fn answer;
	void *answer_ctx;
	/* endpoint policy installs in the background, not yet in force */
	unsigned settling;
	/* bumped when a port goes: a policy install for the old port is void */
	uint32_t port_gen[VS_MAX_PORTS];
};

/* How to handle one layer's rules. */
struct layer {
	int index;
	enum vfp_layer vfp;
	const char *path; /* "acls" */
	const char *kind; /* of the store rows: "portacls" */
	const char *what; /* for messages */
	size_t size;      /* of one rule */
	uint32_t (*id)(const void *r);
	void (*set_id)(void *r, uint32_t id);
	int (*from_json)(const json_t *obj, const char *path, void *r,
			 char *err, size_t errlen);
	json_t *(*to_json)(const void *r);
	int (*install)(struct vfp *v, uint16_t port, const void *rules,
		       unsigned n, char *err, size_t errlen);
	int (*hits)(const struct vfp *v, uint16_t port, uint32_t id,
		    uint64_t *packets, uint64_t *bytes);
	void (*current)(const struct vfp *v, uint16_t port, const void **rules,
			unsigned *n);
};

extern const struct layer acl_layers[LAYER_COUNT];

void *acl_rule_at(const struct layer *L, const void *rules, unsigned i);
/* Does r come from an endpoint's ACL policies? */
bool acl_is_policy(const struct layer *L, const void *r);
/* The rules in force, split: the port's own (config, API) first, then
 * those from endpoint policies. Copies into a new array of room rules
 * (at least the current count): own rules at [0, *n_own), policy rules
 * after them. NULL when out of memory. */
void *acl_copy_rules(const struct vfp *v, uint16_t port, const struct layer *L,
		     unsigned room, unsigned *n_own, unsigned *n_policy);
/* A rule as the API shows it: "Id" first, the rule's JSON, the endpoint a
 * policy rule comes from, and the hit counters if asked. */
json_t *acl_rule_json(const struct acl_api *a, uint16_t port,
		      const struct layer *L, const void *r, bool counters);
json_t *acl_rules_json(const struct acl_api *a, uint16_t port,
		       const struct layer *L, bool counters);
/* The first id of the next rules the API adds to a layer (not consumed). */
uint32_t acl_peek_next_id(struct acl_api *a, uint16_t port, const struct layer *L);
/* "17" -> 17; 0 for anything else (ids start at 1). */
uint32_t acl_parse_id(const char *s);
/* The port's API-made rules among rules[0, n) as stored, JSON text
 * ([{"Id": "7", ...}]): 0 with *text NULL when there are none, -1 when out
 * of memory. Reads only the port's config-rule bound: any thread. */
int acl_api_rules_text(const struct acl_api *a, uint16_t port,
		       const struct layer *L, const void *rules, unsigned n,
		       char **text);
/* Stores text as the port's API rules of a layer (NULL: no row) and, when
 * next is not 0, the layer's next id, in one transaction. 0, or -1 with
 * err and nothing stored. Without a store: 0. */
int acl_store_rules(struct acl_api *a, uint16_t port, const struct layer *L,
		    const char *port_name, const char *text, uint32_t next,
		    char *err, size_t errlen);

#endif
