/* hnsctl's output: aligned tables and "Key: value" views for people, the
 * server's JSON (pretty) for scripts. Everything goes to stdout. Fields
 * the server leaves out print as "-".
 * Layer: hns-api/hnsctl/, hnsctl, the CLI (a REST client). */
#ifndef HVS_HNSCTL_PRINT_H
#define HVS_HNSCTL_PRINT_H

#include <jansson.h>

/* Pretty JSON (two-space indent) and a newline. */
void print_json(const json_t *j);

/* ID NAME TYPE SUBNETS */
void print_networks(const json_t *networks);
void print_network(const json_t *network);

/* ID NAME NETWORK IP MAC PORT/STATE. networks (may be NULL) names the
 * VirtualNetwork of endpoints that carry no VirtualNetworkName. */
void print_endpoints(const json_t *endpoints, const json_t *networks);
void print_endpoint(const json_t *endpoint);
/* GET /endpoints/{id}/policystatus as a table: each policy, enforced or
 * stored, with its counters. */
void print_endpoint_policies(const json_t *status);
void print_endpoint_stats(const json_t *stats);

/* /stats: one row per port, non-zero drops, then switch-wide drops. */
void print_stats(const json_t *stats);

/* A port's ACL rules: ID ACTION DIRECTION ADDRESS PACKETS BYTES. */
void print_port_acls(const json_t *rules);
/* Extended ACL rules: ID ACTION DIRECTION PROTOCOL LOCAL REMOTE WEIGHT
 * STATEFUL PACKETS BYTES. */
void print_ext_acls(const json_t *rules);

#endif
