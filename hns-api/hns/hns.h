/* The HNS service: the Host Networking Service's object model (networks,
 * endpoints, namespaces, policy lists) behind its REST paths, in both the
 * v1 schema (hcsshim internal/hns) and the v2 HCN schema (hcsshim hcn),
 * which are two views of one set of objects.
 *
 * Transport-free: a request is (method, path, body) and the answer is an
 * HTTP status plus the JSON body {"Success": bool, "Error": "text",
 * "Output": ...}. Every mutating request is validated completely, written
 * to the store in one transaction and only then applied, so nothing is ever
 * half-applied. Single-threaded: called from the main lcore only.
 * Layer: hns-api/hns/, northbound, HNS model layer (no DPDK). */
#ifndef HVS_HNS_H
#define HVS_HNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "json_text.h"

struct hns;
struct hns_store;

/* A load balancer as the switch programs it (hns_dataplane.lb_set): an
 * HNS HostComputeLoadBalancer or v1 ELB policy list, validated, with its
 * backend endpoints resolved to their addresses. One rule per PortMapping
 * (v1: per ELB policy); the frontends are each rule's VIPs (none: every
 * host address, the NodePort case) x (protocol, external port). */
struct hns_lb_rule {
	uint8_t protocol;        /* 6 TCP, 17 UDP, 132 SCTP */
	uint16_t internal_port;  /* 0: the external port */
	uint16_t external_port;
	uint32_t distribution;   /* DistributionType 0..2 */
	uint32_t flags;          /* PortMapping Flags (ILB 1, LocalRoutedVIP 2 ...) */
	bool dsr;                /* LB Flags 1 / v1 IsDSR */
	const char *source_vip;  /* NULL: none */
	size_t n_vips;
	const char *const *vips; /* IPv4 text */
};

struct hns_lb_backend {
	const char *endpoint_id;
	const char *ip;          /* the endpoint's IPv4 address */
};

struct hns_lb {
	const char *id;
	size_t n_rules;
	const struct hns_lb_rule *rules;
	size_t n_backends;
	const struct hns_lb_backend *backends;
};

/* What the HNS service needs from the switch (vswitchd fills these; unit
 * tests fake them). All may be NULL: then attach accepts any port name. */
struct hns_dataplane {
	void *ctx;
	/* Does a switch port of this name exist? */
	bool (*port_exists)(void *ctx, const char *port_name);
	/* Hot-plugs a port (attach with "Devargs"). 0, or with err: 403
	 * when the Devargs are not allowed from the API (err then starts
	 * with "Devargs: "), -1 (or any other value) when the port cannot
	 * be plugged (400). */
	int (*port_add)(void *ctx, const char *port_name, const char *devargs,
			char *err, size_t errlen);
	/* An endpoint was attached to / detached from a port; the JSON is the
	 * endpoint's v1 form. Later issues program the dataplane here. */
	void (*endpoint_attached)(void *ctx, const char *port_name,
				  const json_t *endpoint_v1);
	void (*endpoint_detached)(void *ctx, const char *port_name,
				  const json_t *endpoint_v1);
	/* A network was created / deleted (its v1 JSON), after the change
	 * was committed; in a transaction's order (a network before the
	 * endpoints attached in it). */
	void (*network_created)(void *ctx, const json_t *network_v1);
	void (*network_deleted)(void *ctx, const json_t *network_v1);
	/* A remote endpoint (IsRemoteEndpoint, v2 Flags 1: another host's
	 * address, no port) was created / deleted (its v1 JSON), after the
	 * change was committed. Not called while the store is restored. */
	void (*remote_endpoint_created)(void *ctx, const json_t *endpoint_v1);
	void (*remote_endpoint_deleted)(void *ctx, const json_t *endpoint_v1);
	/* Counters of the port an endpoint is attached to, for
	 * /endpointstats: fills the six HNS fields. 0, or -1 if unknown. */
	int (*port_stats)(void *ctx, const char *port_name, json_t *stats_out);
	/* The uplink's IPv4 address as text, which networks report as their
	 * ManagementIP / ProviderAddress. 0, or -1 if there is none. */
	int (*uplink_address)(void *ctx, char *buf, size_t len);
	/* Programs load balancer id as lb, replacing what id had (lb NULL:
	 * removes it). Called before the change is stored; all or nothing:
	 * 0, or an HTTP status (400 the dataplane cannot do it, 409 a
	 * frontend is taken, 500) with err, and id keeps what it had. */
	int (*lb_set)(void *ctx, const char *id, const struct hns_lb *lb,
		      char *err, size_t errlen);
	/* The counters of load balancer id into out (an object; the LB's
	 * "Counters" extension field). 0, or -1 if id is not programmed. */
	int (*lb_counters)(void *ctx, const char *id, json_t *out);
	/* The same object written as compact JSON text, byte for byte what
	 * json_dumps of lb_counters' object is, for the whole-list GETs
	 * (issue 17; NULL: those use lb_counters). 0, or -1 if id is not
	 * programmed and nothing was written. */
	int (*lb_counters_text)(void *ctx, const char *id, struct jtext *out);
	/* Linux plumbing of namespaces and attaches (issue 16; NULL: they
	 * are records only). The model decides, these do, and each says in
	 * a JSON record what it made so unplumb can undo it (also on a
	 * failed commit) and a restart can make it again.
	 * netns_make: the network namespace of HNS namespace ns_id, made
	 * (path NULL) or adopted (path, e.g. /run/netns/x); *record gets
	 * {"NetNsPath", "NetNsOwned"}. 0, or a 4xx/5xx status with err
	 * "Field: why" and nothing made. */
	int (*netns_make)(void *ctx, const char *ns_id, const char *path,
			  json_t **record, char *err, size_t errlen);
	/* plumb: the endpoint's (v1 JSON) interface in the namespace of
	 * netns (a netns_make record), or on the host when netns is NULL,
	 * plus its switch port; kind is the port kind asked for (NULL: the
	 * default); old is the record of a stored attachment being made
	 * again (what exists is reused) or NULL. *record gets what was made,
	 * its "Port" the switch port's name. 0, or a status with err. */
	int (*plumb)(void *ctx, const json_t *endpoint_v1, const json_t *netns,
		     const char *kind, const json_t *old, json_t **record,
		     char *err, size_t errlen);
	/* Undoes a plumb or netns_make record (an emptied adopted namespace
	 * is left). */
	void (*unplumb)(void *ctx, const json_t *record);
	/* After a committed change to any network or endpoint (created,
	 * modified, deleted, attached), once the other notices ran: for
	 * programmers that rebuild from the whole model (Overlay networks:
	 * RemoteSubnetRoute PATCHes, remote endpoints). Not while loading. */
	void (*topology_changed)(void *ctx);
};

/* store may be NULL (state in memory only). Loads every object the store
 * holds and re-applies attachments through dp. NULL on error (err set). */
struct hns *hns_create(struct hns_store *store, const struct hns_dataplane *dp,
		       char *err, size_t errlen);
void hns_destroy(struct hns *h);

/* Handles one request. path is the URL path ("/networks/", "/v2/endpoints/ID").
 * body may be NULL for an empty body. Returns the HTTP status and sets
 * *response (caller json_decref's it). Paths it does not serve: 404. */
int hns_handle(struct hns *h, const char *method, const char *path,
	       const char *body, size_t body_len, json_t **response);
/* The same with the URL's query apart, already URL-decoded ("filter={...}",
 * parameters joined by '&'), as the HTTP server has it: the v2 lists'
 * HostComputeQuery filter. A path with its own "?..." is URL-decoded. */
int hns_handle_query(struct hns *h, const char *method, const char *path,
		     const char *query, const char *body, size_t body_len,
		     json_t **response);
/* The whole-list GETs (GET /v2/loadbalancers, with or without a filter
 * that has no key, and GET /policylists/) answered as text: the reply
 * envelope written straight from the model, no JSON tree (10,000 load
 * balancers in tens of ms, issue 17), the same bytes hns_handle_query's
 * response dumps to (json_dumps, JSON_COMPACT). Returns 200 with *text
 * (malloc'd, NUL-terminated, *len bytes), or 0 when the request is not one
 * of these (or the text ran out of memory): hns_handle_query answers it. */
int hns_handle_text(struct hns *h, const char *method, const char *path,
		    const char *query, char **text, size_t *len);

/* Typed access for the daemon's own code (the HNS programmer, the
 * start-up), so nothing inside the daemon forges a request string. Objects
 * come back in their v1 JSON, as new references (NULL: unknown id). */
json_t *hns_network_list(struct hns *h);
json_t *hns_network_get(struct hns *h, const char *id);
json_t *hns_endpoint_list(struct hns *h);
json_t *hns_endpoint_get(struct hns *h, const char *id);
/* A network's policies in their v2 form ({"Type", "Settings"}), the
 * reported ProviderAddress and DrMacAddress included, as
 * GET /v2/networks/{id} shows them. New reference; NULL: unknown id. */
json_t *hns_network_policies_v2(struct hns *h, const char *id);
/* The network an endpoint (its v1 JSON) belongs to: for the dataplane
 * callbacks that program networks. */
json_t *hns_endpoint_network(struct hns *h, const json_t *endpoint_v1);
/* Attaches an endpoint to a switch port as POST /endpoints/{id}/attach
 * {"VirtualNicName": port} does (with "SystemType": "Host" when host: the
 * port is the host's own vNIC), in one transaction. 0, or -1 with err. */
int hns_endpoint_attach(struct hns *h, const char *id, const char *port,
			bool host, char *err, size_t errlen);

/* The startup config's "Networks" and "Endpoints" arrays, applied through
 * the same code path as POST /networks/ and POST /endpoints/ (v1 JSON).
 * 0, or -1 with err naming the element ("Networks[1].Subnets[0]...") and
 * nothing applied. */
int hns_apply_config(struct hns *h, const json_t *networks,
		     const json_t *endpoints, char *err, size_t errlen);

#endif
