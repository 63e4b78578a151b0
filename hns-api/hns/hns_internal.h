/* Internals of the HNS service (hns.h): the object model shared by the v1
 * and v2 views, the field/policy validators, IPAM and the in-memory
 * transaction that makes every request all-or-nothing.
 *
 * Model: every object (network, endpoint, namespace, policy list) has one
 * canonical JSON document, `doc`, in the v1 field names (plus a few fields
 * that only v2 can express, under v1-style names). A doc is immutable once
 * built: changes build a new doc and swap it in (txn_set_doc), so the v1 and
 * v2 views, the store and undo can all share it by reference. Derived C
 * state (indexes, address pools, attachments) lives next to it.
 * Layer: hns-api/hns/, northbound, HNS model layer (no DPDK). */
#ifndef HVS_HNS_INTERNAL_H
#define HVS_HNS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "hns.h"
#include "json_util.h"

#define HNS_GUID_LEN 36
#define HNS_PATH_LEN 256

/* ---- errors: an HTTP status and "path: message" ---- */

struct herr {
	int status;
	char msg[768];
	/* Lenient parsing (REST requests and the store): where accepted but
	 * unenforced keys and policy types are reported (an array of
	 * strings), and the set of texts already logged. NULL: strict (the
	 * startup config), unknown keys fail. */
	json_t *warnings;
	json_t *logged;
	/* Lenient requests: keys no HNS schema defines found inside nested
	 * objects, {path: {key: value}}, for hns_kept_store. NULL: none kept. */
	json_t *kept;
};

struct hns;
/* Strict: unknown keys fail. */
void herr_init(struct herr *e);
/* Lenient when h is serving a request (h->warnings set), else strict. */
void herr_init_req(struct herr *e, const struct hns *h);
/* Writes "path: message" (json_util style) and the status; returns -1. */
int hfail(struct herr *e, int status, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A json_err writing into e->msg (for the json_util getters; status 400). */
#define HJE(e) (&(struct json_err){ (e)->msg, sizeof((e)->msg) })

static inline int hje_fail(struct herr *e)
{
	e->status = 400;
	return -1;
}

/* path helpers returning their buffer */
const char *pmember(char *buf, const char *path, const char *key);
const char *pindex(char *buf, const char *path, size_t i);

/* ---- GUIDs (hns_guid.c) ---- */

/* A random version-4 GUID, upper case ("5A3B...-...") as HNS shows them. */
void hns_guid_new(char out[HNS_GUID_LEN + 1]);
/* Accepts any case and optional braces; writes the upper-case form. */
bool hns_guid_parse(const char *in, char out[HNS_GUID_LEN + 1]);

/* ---- the wire keys (hns_wire.c) ---- */

/* Is key a field name of some HNS wire type (any case)? */
bool wire_key_known(const char *key);
/* Renames every object key of v (recursively) that matches a wire key in
 * another case to the wire spelling. Values of opaque keys (AdditionalParams,
 * Health) and of unknown keys are left verbatim. 0, or -1 with e (400)
 * when two keys of one object differ only in case. */
int wire_normalize(json_t *v, const char *path, struct herr *e);
/* Copies the members of from that are no wire key into to (the unknown
 * keys a client sent, echoed as given). */
void wire_copy_unknown(const json_t *from, json_t *to);
/* Records a warning "path: text" for the reply and logs it once. No-op
 * when e is strict. */
void hns_warn(struct herr *e, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* json_check_members for HNS objects: unknown members fail when strict;
 * when lenient a wire key of another type is ignored with a warning, and
 * a key no HNS schema defines is kept (hns_kept_record) with a warning. */
int hns_check_members(const json_t *obj, const char *path,
		      const char *const *allowed, struct herr *e);

/* Keys no HNS schema defines, kept verbatim inside nested objects
 * (Ipams[0].Subnets[0], IpConfigurations[1], ...) and echoed on GET in the
 * view (v1 or v2) they were written in. The top level's are kept in the
 * object's own fields. The doc holds them under HNS_KEPT_KEY. */
#define HNS_KEPT_KEY "#Kept"
void hns_kept_record(struct herr *e, const char *path, const char *key,
		     const json_t *v);
/* After a create: moves what e kept below the top level into doc. */
void hns_kept_store(struct herr *e, json_t *doc, bool v2);
/* On render: puts the kept keys back into out where the view is the one
 * they were written in, and takes HNS_KEPT_KEY out of out. */
void hns_kept_apply(const json_t *doc, json_t *out, bool v2);

/* ---- string-keyed hash map (open addressing; hns.c) ---- */

struct hmap_slot {
	const char *key; /* owned by the value */
	uint32_t hash;
	void *val;
};

struct hmap {
	struct hmap_slot *slots;
	size_t cap, n;
};

void hmap_init(struct hmap *m);
void hmap_free(struct hmap *m);
void *hmap_get(const struct hmap *m, const char *key);
void hmap_put(struct hmap *m, const char *key, void *val);
void hmap_del(struct hmap *m, const char *key);

/* ---- addresses and IPAM (hns_ipam.c) ---- */

struct ipaddr {
	int family; /* 4 or 6 */
	uint32_t v4; /* host order */
	uint8_t v6[16];
};

int ip_parse(const char *s, struct ipaddr *a);
/* "a.b.c.d/len" or "x::/len". strict: host bits must be zero. */
int prefix_parse(const char *s, struct ipaddr *a, int *len, bool strict);
void ip_format(const struct ipaddr *a, char *buf, size_t len);
bool prefix_contains(const struct ipaddr *net, int len, const struct ipaddr *a);
bool prefixes_overlap(const struct ipaddr *a, int alen, const struct ipaddr *b,
		      int blen);

/* Bitmap of a subnet's IPv4 addresses, pages allocated on demand; finds the
 * lowest free address from a cursor (everything below it is in use). */
struct ip_pool {
	uint32_t base, size, used, cursor;
	uint32_t n_pages;
	uint64_t **pages;
	uint16_t *page_used;
};

void pool_init(struct ip_pool *p, uint32_t base, int len);
void pool_fini(struct ip_pool *p);
bool pool_test(const struct ip_pool *p, uint32_t idx);
void pool_set(struct ip_pool *p, uint32_t idx);
void pool_clear(struct ip_pool *p, uint32_t idx);
/* Lowest free index, or -1. */
int64_t pool_find_free(struct ip_pool *p);

/* 48-bit MACs */
int hns_mac_parse(const char *s, uint64_t *mac);
void hns_mac_format(uint64_t mac, char buf[18]);

struct mac_range {
	uint64_t start, end, cursor;
};

/* Set of MACs in use (open addressing on uint64). */
struct macset {
	uint64_t *keys; /* 0 = empty, (mac|1<<63) = used */
	size_t cap, n;
};

void macset_init(struct macset *s);
void macset_free(struct macset *s);
bool macset_has(const struct macset *s, uint64_t mac);
void macset_add(struct macset *s, uint64_t mac);
void macset_del(struct macset *s, uint64_t mac);
/* Lowest free MAC of the ranges (from their cursors), or false. */
bool mac_alloc(struct mac_range *r, size_t n, const struct macset *used,
	       uint64_t *out);
void mac_freed(struct mac_range *r, size_t n, uint64_t mac);

#define HNS_DEFAULT_MAC_START 0x02155D000000ULL
#define HNS_DEFAULT_MAC_END 0x02155DFFFFFFULL

/* ---- field tables and policies (hns_policy.c) ---- */

enum fk {
	FK_STR,       /* any string */
	FK_NAME,      /* non-empty string */
	FK_BOOL,
	FK_UINT,      /* integer in min..max */
	FK_IP,        /* IPv4 or IPv6 address */
	FK_IP4,
	FK_IP6,
	FK_IPOPT,     /* an address, or "" for any */
	FK_PREFIX,    /* address/length */
	FK_MAC,       /* "00-15-5D-12-34-56" or colons; shown dashed upper */
	FK_IPCSV,     /* "10.0.0.1,10.0.0.2" */
	FK_ADDRCSV,   /* comma list of addresses or prefixes; "" = any */
	FK_PORTCSV,   /* comma list of ports or a-b ranges */
	FK_PROTOCSV,  /* comma list of protocol numbers or names */
	FK_PROTO,     /* TCP or UDP: v1 shows the name, v2 the number */
	FK_ENUM,      /* one of enums, any case, shown canonical */
	FK_ADDRARRAY, /* array of addresses or prefixes */
	FK_IPARRAY,   /* array of addresses */
	FK_STRARRAY,  /* array of strings */
	FK_STRMAP,    /* object of strings */
	FK_ANY,       /* any JSON: stored and shown as given, not enforced */
};

struct fdesc {
	const char *name; /* v1 / canonical name */
	const char *v2;   /* v2 name; NULL: not part of the v2 view */
	enum fk kind;
	bool required;
	uint64_t min, max;
	const char *const *enums;
};

/* Validates one value; returns its canonical form (new reference) or NULL. */
json_t *field_value(const struct fdesc *d, const json_t *v, const char *path,
		    bool v2, struct herr *e);
/* Validates obj's members against the table (v1 or v2 names) plus the
 * names in extra (NULL-terminated; the caller handles those). Missing
 * required members fail; unknown ones fail when e is strict, and are copied
 * into out as given, with a warning, when e is lenient. Canonical values go into out
 * under their v1 names, in table order. */
int fields_parse(const json_t *obj, const char *path, const struct fdesc *tab,
		 size_t n, bool v2, const char *const *extra, json_t *out,
		 struct herr *e);
/* Copies the table's fields present in canon into out, with v2 names and
 * values if v2 (fields without a v2 name are left out). */
void fields_render(const json_t *canon, const struct fdesc *tab, size_t n,
		   bool v2, json_t *out);

/* policy contexts */
#define PC_EP 1u   /* endpoint */
#define PC_NET 2u  /* network */
#define PC_SUB 4u  /* subnet */
#define PC_PL 8u   /* policy list */

/* Arrays of policies: v1 flat objects or v2 {Type, Settings}, into the
 * canonical (v1) form. */
json_t *policies_parse(const json_t *arr, const char *path, unsigned ctx,
		       bool v2, struct herr *e);
json_t *policy_parse(const json_t *p, const char *path, unsigned ctx, bool v2,
		     struct herr *e);
/* Do two canonical policies say the same (a MAC, address or prefix in any
 * spelling; a prefix with host bits)? */
bool policy_same(const json_t *a, const json_t *b);
/* canonical -> v2 {Type, Settings} */
json_t *policy_render_v2(const json_t *canon);
json_t *policies_render_v2(const json_t *arr);

/* Subnet/endpoint routes [{NextHop, DestinationPrefix, Metric}]. */
json_t *routes_parse(const json_t *arr, const char *path, struct herr *e);

/* Builds a new object with obj's keys in the given order (unknown keys
 * last). Steals obj. */
json_t *doc_ordered(json_t *obj, const char *const *order);

/* ---- objects ---- */

enum hns_kind { HK_NETWORK, HK_ENDPOINT, HK_NAMESPACE, HK_POLICYLIST, HK_N };

struct hns_obj {
	enum hns_kind kind;
	char id[HNS_GUID_LEN + 1];
	uint64_t seq;       /* creation order, persisted */
	struct hns_obj *prev, *next;
	json_t *doc;        /* canonical, immutable */
	char *name;         /* networks and endpoints: doc's Name (may be NULL) */
	/* transaction bookkeeping */
	bool dirty, created, deleted;
	struct hns_obj *dirty_next;
};

struct hns_subnet {
	struct ipaddr prefix;
	int len;
	bool has_gw;
	struct ipaddr gw;
	struct ip_pool pool; /* IPv4 subnets only */
};

struct hns_network {
	struct hns_obj o;
	size_t n_subnets;
	struct hns_subnet *subnets;
	size_t n_macr;
	struct mac_range *macr; /* none: the default pool */
	size_t n_endpoints;
};

struct hns_namespace;

struct hns_endpoint {
	struct hns_obj o;
	struct hns_network *net;
	int sub;            /* subnet whose pool holds ip, or -1 */
	uint32_t ip;
	bool has_mac;
	uint64_t mac;
	/* attachment record (persisted): VirtualNicName, Devargs, ContainerId,
	 * SystemType, CompartmentId, Attached; NULL if never attached */
	json_t *att;
	bool bound;         /* attached to an existing port right now */
	struct hns_namespace *ns;
	bool remote;        /* IsRemoteEndpoint (v2 Flags 1) */
	bool has_v4;        /* ip is its IPv4 address (in a subnet or not) */
};

struct hns_namespace {
	struct hns_obj o;
};

struct hns_policylist {
	struct hns_obj o;
};

struct hns_list {
	struct hns_obj *head, *tail;
	size_t n;
};

struct undo;
struct notify;

struct hns {
	struct hns_store *store;
	struct hns_dataplane dp;
	struct hns_list lists[HK_N];
	struct hmap ids[HK_N];
	struct hmap net_names, ep_names, ports;
	struct macset macs;
	struct mac_range default_mac;
	uint64_t seq;
	uint64_t seq_hint; /* loading: the stored object's creation order */
	/* the current transaction */
	bool loading; /* objects come from the store: don't write them back */
	struct undo *undo;
	size_t n_undo, cap_undo;
	struct hns_obj *dirty;
	struct notify *notify;
	size_t n_notify, cap_notify;
	/* the current request's "Warnings" (NULL outside a lenient request)
	 * and every warning text logged so far (each is logged once) */
	json_t *warnings;
	json_t *warned;
	json_t *kept; /* the current request's herr.kept */
	/* load balancers' frontends "vip/proto/port" -> owner (hns_lb.c) */
	struct hmap lb_frontends;
};

/* hns.c: objects, transaction */
void *hns_xcalloc(size_t n, size_t size);
void *hns_xrealloc(void *p, size_t size);
char *hns_xstrdup(const char *s);
/* Copies s into buf (len bytes); one that does not fit leaves buf ""
 * (never a cut value: a stored value must parse again on restart). */
void hns_copy_text(char *buf, size_t len, const char *s);

struct hns_obj *hns_find(struct hns *h, enum hns_kind k, const char *id);
/* Sets o->id (o->kind set) from a requested "ID" (a GUID not in use for
 * that kind) or to a new GUID when given is NULL or "". 0, or -1 with e:
 * 400 not a GUID, 409 already in use. */
int hns_assign_id(struct hns *h, struct hns_obj *o, const char *given,
		  const char *path, struct herr *e);
/* A 405 answer naming the method and the collection. */
int hns_reply_not_allowed(const char *method, const char *what, json_t **resp);
/* Looks up by a path/body id (any case); NULL if malformed or unknown. */
struct hns_obj *hns_lookup(struct hns *h, enum hns_kind k, const char *id);

void txn_begin(struct hns *h);
/* Links a new object (assigning seq) and records it. */
void txn_create(struct hns *h, struct hns_obj *o);
/* Unlinks an object; freed at commit, relinked on abort. */
void txn_delete(struct hns *h, struct hns_obj *o);
/* Replaces o's doc (steals doc), re-keying its name. */
void txn_set_doc(struct hns *h, struct hns_obj *o, json_t *doc);
/* Replaces an endpoint's attachment record (steals att) and bound flag. */
void txn_set_att(struct hns *h, struct hns_endpoint *ep, json_t *att, bool bound);
void txn_set_ns(struct hns *h, struct hns_endpoint *ep, struct hns_namespace *ns);
/* Dataplane callbacks run after a successful commit. */
/* A network created or deleted in this transaction, for dp (hns.h). */
void txn_notify_network(struct hns *h, bool created, const struct hns_obj *net);
/* A remote endpoint was created / is being deleted: the dataplane hears
 * of it once the transaction commits (hns_dataplane.remote_endpoint_*). */
void txn_notify_remote(struct hns *h, bool created, const struct hns_endpoint *ep);
void txn_notify(struct hns *h, bool attached, const char *port,
		struct hns_endpoint *ep);
/* Plumbing records (hns.h): dp.unplumb(record) runs if the transaction
 * aborts (txn_plumbed) or once it commits, in order (txn_unplumb). */
void txn_plumbed(struct hns *h, const json_t *record);
void txn_unplumb(struct hns *h, const json_t *record);
/* Writes every changed object in one store transaction, then frees deleted
 * objects and runs the callbacks. On store failure undoes everything and
 * fails with 500. */
int txn_commit(struct hns *h, struct herr *e);
void txn_abort(struct hns *h);
/* Ends a request's transaction: aborts it when the request failed (r < 0),
 * else commits it (a failed commit aborts too). 0, or -1 with e set. */
int txn_end(struct hns *h, int r, struct herr *e);

void obj_free(struct hns_obj *o);

/* responses */
int hns_reply(json_t **resp, int status, const char *error, json_t *output);
int hns_reply_err(json_t **resp, const struct herr *e);
/* Parses a request body into an object (NULL body: empty object if
 * allow_empty). */
json_t *hns_body(const char *body, size_t len, bool allow_empty, struct herr *e);

/* hns_network.c */
/* A new, unlinked network; subnets and MAC ranges are added with their
 * checks, then network_insert links it. */
struct hns_network *network_new(void);
int network_add_subnet(struct hns_network *n, const char *path,
		       const struct ipaddr *pfx, int len, const char *gw_path,
		       const struct ipaddr *gw, bool has_gw, struct herr *e);
/* Assigns or checks the ID, checks the name, links it in the txn. */
int network_insert(struct hns *h, struct hns_network *n, json_t *fields,
		   const char *id, const char *path, struct herr *e);
void network_free(struct hns_network *n);
int network_parse_macpools(struct hns_network *n, const json_t *arr,
			   const char *path, json_t **out, struct herr *e);
/* Adds default Policies/Subnets and puts the keys in canonical order. */
json_t *network_finish_doc(json_t *fields);
int network_delete(struct hns *h, struct hns_network *n, struct herr *e);
extern const char *const hns_network_types[];
int hns_v1_networks(struct hns *h, const char *method, const char *id,
		    const char *body, size_t len, json_t **resp);
int network_create_v1(struct hns *h, const json_t *in, const char *path,
		      struct hns_network **out, struct herr *e);

/* hns_endpoint.c */
/* An endpoint request in schema-neutral form. */
struct ep_spec {
	char id[HNS_GUID_LEN + 1];
	struct hns_network *net;
	json_t *fields;      /* canonical v1 fields (Name, Policies, DNS..) */
	bool has_ip;
	struct ipaddr ip;
	char ip_path[HNS_PATH_LEN];
	bool has_mac;
	uint64_t mac;
	char mac_path[HNS_PATH_LEN];
	bool has_ip6;
	struct ipaddr ip6;
	char ip6_path[HNS_PATH_LEN];
	/* as the client wrote them (reported back so: reconcile loops
	 * compare strings); "" when not given */
	char ip_text[64], ip6_text[64], mac_text[32];
	struct hns_namespace *ns;
	bool remote;         /* IsRemoteEndpoint: another host's address */
};

void ep_spec_init(struct ep_spec *s);
void ep_spec_fini(struct ep_spec *s);
int endpoint_insert(struct hns *h, struct ep_spec *s, const char *path,
		    struct hns_endpoint **out, struct herr *e);
int endpoint_delete(struct hns *h, struct hns_endpoint *ep, struct herr *e);
int endpoint_create_v1(struct hns *h, const json_t *in, const char *path,
		       struct hns_endpoint **out, struct herr *e);
json_t *endpoint_render_v1(const struct hns_endpoint *ep);
/* Attaches as POST /endpoints/{id}/attach with body in does (inside a
 * transaction). 0, or -1 with e. */
int endpoint_attach(struct hns *h, struct hns_endpoint *ep, const json_t *in,
		    struct herr *e);
int endpoint_state(const struct hns_endpoint *ep);
void endpoint_free(struct hns_endpoint *ep);
void endpoint_bind_port(struct hns *h, struct hns_endpoint *ep, bool bind);
int endpoint_restore_attachment(struct hns *h, struct hns_endpoint *ep,
				json_t *att);
/* Replaces the endpoint's Policies (v1 canonical array; stolen). */
void endpoint_set_policies(struct hns *h, struct hns_endpoint *ep,
			   json_t *policies);
int hns_v1_endpoints(struct hns *h, const char *method, const char *id,
		     const char *verb, const char *body, size_t len,
		     json_t **resp);
int hns_v1_endpointstats(struct hns *h, const char *method, const char *id,
			 json_t **resp);

/* hns_namespace.c */
int namespace_create(struct hns *h, const json_t *in, const char *path,
		     bool v2, bool loading, struct hns_namespace **out,
		     struct herr *e);
int namespace_delete(struct hns *h, struct hns_namespace *ns, struct herr *e);
json_t *namespace_render(const struct hns_namespace *ns, bool v2);
/* Adds/removes an endpoint or container resource. */
int namespace_modify(struct hns *h, struct hns_namespace *ns, bool add,
		     const char *type, const char *rid, const char *path,
		     struct herr *e);
/* Drops an endpoint from its namespace (endpoint being deleted). */
void namespace_drop_endpoint(struct hns *h, struct hns_endpoint *ep);
/* hns_plumb.c: namespaces and attaches made in Linux (issue 16) */
/* "PortKind" of in, if any (canonical, static), else NULL; -1 with e. */
int plumb_kind_check(const json_t *in, const char *path, const char **kind,
		     struct herr *e);
/* A new namespace's network namespace (made, or in's "NetNsPath"
 * adopted) into fields; none for the host's default ones. 0, or -1. */
int plumb_namespace_open(struct hns *h, const char *ns_id, const json_t *in,
			 const char *path, json_t *fields, struct herr *e);
/* Loading: a stored namespace made by us is made again if gone. */
void plumb_namespace_restore(struct hns *h, const struct hns_namespace *ns);
/* Does adding an endpoint to ns plumb it? */
bool plumb_namespace_real(const struct hns *h, const struct hns_namespace *ns);
/* Plumbs ep into ns (NULL: a host vNIC) and attaches it to the port made
 * (no-op when the namespace is a record only). 0, or -1 with e (the
 * dataplane's text, which names the field: Name, NetNsPath, PortKind). */
int plumb_endpoint_in(struct hns *h, struct hns_endpoint *ep,
		      const struct hns_namespace *ns, const char *kind,
		      struct herr *e);
bool plumb_endpoint_is(const struct hns_endpoint *ep);
/* Detaches a plumbed endpoint and unplumbs it once committed. */
void plumb_endpoint_out(struct hns *h, struct hns_endpoint *ep);
/* A deleted namespace's network namespace goes (made by us) once committed. */
void plumb_namespace_close(struct hns *h, const struct hns_namespace *ns);
/* Loading: plumbs a stored attachment's "Plumb" again (att updated). */
bool plumb_restore(struct hns *h, struct hns_endpoint *ep, json_t *att);
/* InterfaceName, HostInterfaceName, PortKind, NetNsPath of a plumbed endpoint. */
void plumb_render(const struct hns_endpoint *ep, json_t *out);
int hns_v1_namespaces(struct hns *h, const char *method, const char *id,
		      const char *verb, const char *body, size_t len,
		      json_t **resp);

/* hns_lb.c: policy lists and load balancers (a policy list with an ELB
 * policy is a load balancer; /v2/loadbalancers is its v2 view) */
int policylist_create(struct hns *h, const json_t *in, const char *path,
		      bool loading, struct hns_policylist **out, struct herr *e);
int hns_v1_policylists(struct hns *h, const char *method, const char *id,
		       const char *body, size_t len, json_t **resp);
/* GET /policylists/' Output array written as text (hns_handle_text). */
void policylists_text(const struct hns *h, struct jtext *t);
/* Is o a load balancer (a policy list with an ELB policy)? */
bool lb_is_lb(const struct hns_obj *o);
/* Ends a request that changed load balancer id from old_doc to new_doc
 * (either NULL: created / deleted / not a load balancer): r < 0 aborts;
 * else programs the dataplane, commits and re-indexes the frontends. Any
 * failure leaves the model, the store and the switch as they were. 0, or
 * -1 with e. */
int lb_finish(struct hns *h, int r, const char *id, const json_t *old_doc,
	      const json_t *new_doc, struct herr *e);
/* 409 when a frontend of doc (canonical) belongs to another load balancer
 * than id, 400 when doc repeats one; v2 names the v2 fields. */
int lb_check_frontends(struct hns *h, const char *id, const json_t *doc,
		       bool v2, struct herr *e);
/* Checks the ELB policies of a canonical policy list (in place: DSR and
 * ILB folded into IsDSR and Flags) and that a load balancer has backends.
 * path_refs names the backends' field for the message. */
int lb_check_doc(json_t *doc, const char *path, const char *refs_field,
		 struct herr *e);
/* Every backend of a canonical load balancer exists (404) and has an
 * IPv4 address (400); field names the references for the message. */
int lb_check_backends(struct hns *h, const json_t *doc, const char *field,
		      struct herr *e);
/* After a load from the store: indexes and programs every load balancer
 * (a failure is logged, the object stays). */
void lb_restore(struct hns *h);
/* An endpoint was deleted (committed): the load balancers balancing to it
 * are programmed again without it (with no backend left, taken out of
 * the switch; the objects stay until their client changes them). */
void lb_endpoint_gone(struct hns *h, const char *endpoint_id);
void lb_index_free(struct hns *h);

/* hns_lb_v2.c: HostComputeLoadBalancer (/v2/loadbalancers) */
/* counters: with the switch's "Counters" (GET, DELETE; not POST/PUT). */
json_t *lb_render_v2(const struct hns *h, const struct hns_obj *o, bool counters);
int hns_v2_loadbalancers(struct hns *h, const char *method, const char *id,
			 const char *body, size_t len, json_t **resp);
/* GET /v2/loadbalancers' Output array written as text (hns_handle_text):
 * the same bytes as json_dumps of the array of lb_render_v2(.., true). */
void lb_list_text_v2(const struct hns *h, struct jtext *t);

/* hns_reported.c: values a network reports without a client setting them */
/* Adds v1 "ManagementIP" to a network's v1 form. */
void network_report_v1(const struct hns *h, const struct hns_network *n,
		       json_t *out);
/* Appends the ProviderAddress and DrMacAddress policies (v2 form) to a
 * network's v2 Policies unless the client gave them. */
void network_report_v2(const struct hns *h, const struct hns_network *n,
		       json_t *policies);

/* hns_errors.c */
/* GET /globals/version */
int hns_globals_version(const char *method, json_t **resp);
/* The HRESULT for a failed request (its HTTP status and error text). */
uint32_t hns_hresult(int status, const char *error);
/* Adds "ErrorCode" (the HRESULT, as an unsigned number) to a v2 failure. */
void hns_set_error_code(json_t *resp, int status);

/* hns_filter.c */
/* GET /v2/{coll}?filter=<HostComputeQuery Filter JSON>: the
 * objects matching every given key of ID, Name, VirtualNetwork (endpoints:
 * HostComputeNetwork too), looked up by index where one exists. */
int hns_v2_list_query(struct hns *h, const char *coll, const char *query,
		      bool decoded, json_t **resp);
/* Does the query (as hns_v2_list_query takes it) ask for every object: no
 * filter, or one without keys? A bad one: false. */
bool hns_filter_all(const char *query, bool decoded);

/* hns_v2.c */
/* An object's v2 form (new reference). */
json_t *hns_v2_render(const struct hns *h, struct hns_obj *o);
int hns_v2_handle(struct hns *h, const char *method, const char *coll,
		  const char *id, const char *body, size_t len, json_t **resp);

#endif
