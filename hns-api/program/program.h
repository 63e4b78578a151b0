/* The northbound, put together in one place (program layer; OVS's
 * bridge.c job): it owns the state store, the HNS model and the switch
 * feature models (ports, ACL rules, NATs), turns HNS objects into switch
 * state (the hns_dataplane callbacks: endpoint attach/detach, network
 * create/delete, hot-plug, endpoint counters), and knows the start-up and
 * restore order:
 *
 *   1. the state store (--state)
 *   2. the ports plugged by POST /ports (HNS attachments may name them)
 *   3. the HNS model: stored networks, endpoints, namespaces, policy lists
 *      and attachments, then the load balancers programmed (their backend
 *      endpoints are back by then); then the NAT networks' NATs and the
 *      attached endpoints' programming
 *   4. the config's Networks and Endpoints, then the ports' "Endpoint"
 *      attachments (all checked first: a missing endpoint applies nothing)
 *   5. the API-made ACL rules (every port is back by now)
 *   6. the config's Nats, then the stored NATs
 *
 * Main lcore only.
 * Layer: hns-api/program/, northbound, program layer (HNS -> switch). */
#ifndef HVS_PROGRAM_H
#define HVS_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "acl_api.h"
#include "config.h"

struct access_policy;
struct acl_api;
struct hns;
struct nat_api;
struct ports;
struct program;
struct vswitch;

/* What start-up reports and checks between its steps: progress(arg,
 * "state") before the store and the stored ports, progress(arg, "HNS")
 * before the HNS model; stop(arg) true makes program_start undo what it
 * made and return NULL (a signal came). Either may be NULL. */
struct program_hooks {
	void (*progress)(void *arg, const char *step);
	bool (*stop)(void *arg);
	void *arg;
};

/* Runs the start-up order above for sw and its startup config; access
 * (access_policy.h, kept by pointer) checks what the API and the stored
 * API objects may hot-plug or write. On failure
 * NULL, with what ("state", "HNS", "config FILE", "--state FILE", "error")
 * and err to print as "vswitchd: WHAT: ERR"; everything made is undone.
 * hooks may be NULL; NULL is returned too when hooks->stop said so (the
 * caller asks its own flag). */
struct program *program_start(struct vswitch *sw, const struct switch_config *cfg,
			      const struct access_policy *access,
			      const char *state_path, const char *config_path,
			      const struct program_hooks *hooks,
			      char *what, size_t whatlen, char *err, size_t errlen);
/* Changes made in the background (acl_api.h acl_api_set_background): a
 * thread compiles REST port ACL rule changes off the main lcore; each is
 * answered with answer(ctx, ...) from program_background_poll(). 0, or -1
 * with err when the thread cannot start. */
int program_background_start(struct program *pg, acl_api_answer_fn answer,
			     void *ctx, char *err, size_t errlen);
/* Main lcore: finished background changes are put in force and answered. */
void program_background_poll(struct program *pg);
/* Main lcore, after the requests of a control loop were answered: work
 * kept out of requests' way (one spare pod port made, ns_hns.h). */
void program_idle(struct program *pg);
/* --pod-port-pool: pod interfaces kept ready (ns_hns_set_pool). */
void program_set_pod_port_pool(struct program *pg, unsigned spares);
/* Is switch state a change just made (an HNS endpoint's ACL policies)
 * still being compiled in the background? Its reply should wait. */
bool program_background_settling(const struct program *pg);
/* Waits for what is in the background, answers it, ends the thread. */
void program_background_stop(struct program *pg);

/* The background thread, HNS, then the store, then the models. */
void program_stop(struct program *pg);

/* The /stats document: the switch's counters (stats_json.h) and the HNS
 * load balancers' ("LoadBalancers", lb_hns.h). */
json_t *program_stats(const struct program *pg);
/* --stats-out: program_stats written atomically to path. 0 or -1. */
int program_write_stats(const struct program *pg, const char *path);
/* The /metrics text: the switch's counters and the load balancers'. 0 with
 * a malloc'd text, or -1. */
int program_metrics(const struct program *pg, char **text, size_t *len);
/* GET /endpoints/{id}/policystatus (an extension): each of the endpoint's
 * policies, enforced or stored, with its counters. The HTTP status. */
int program_endpoint_policy_status(struct program *pg, const char *id, json_t **resp);

/* The models the REST routes serve. */
struct vswitch *program_switch(const struct program *pg);
struct hns *program_hns(const struct program *pg);
const struct access_policy *program_access(const struct program *pg);
struct ports *program_ports(const struct program *pg);
struct acl_api *program_acl(const struct program *pg);
struct nat_api *program_nat(const struct program *pg);

#endif
