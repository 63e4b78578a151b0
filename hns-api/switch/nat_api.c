/* WinNAT control (nat_api.h). The running NATs live in nat_dp (one slot
 * each); this file keeps what the dataplane does not: where each NAT came
 * from, its static mappings with their StaticMappingIDs, the port proxies
 * and which NAT carries each, and the store rows. Every change goes to
 * the dataplane first and to the store second, and is undone in the
 * dataplane if the store refuses it (deletions: the store first, since a
 * removal cannot be put back exactly). The REST paths are nat_routes.c,
 * a thin handler over the typed operations here (nat_internal.h). */
#include "nat_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr_parse.h"
#include "nat_ctl.h"
#include "nat_json.h"
#include "store.h"
#include "store_rows.h"

#define KIND_NATS "nats"
#define KIND_PROXY "portproxy"

struct vswitch *nat_api_switch(const struct nat_api *a)
{
	return a->sw;
}

/* ---- messages ------------------------------------------------------------ */

static void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- lookups ------------------------------------------------------------- */

static int find_nat(const struct nat_api *a, const char *name)
{
	for (int s = 0; s < NAT_DP_MAX; s++)
		if (a->nats[s].used && strcmp(a->nats[s].req.cfg.name, name) == 0)
			return s;
	return -1;
}

static const struct winnat_config *nat_cfg(const struct nat_api *a, int slot)
{
	const struct winnat *n = nat_ctl_get(a->sw, slot);

	return n != NULL ? winnat_config(n) : &a->nats[slot].req.cfg;
}

static const char *nat_name(const struct nat_api *a, int slot)
{
	return a->nats[slot].req.cfg.name;
}

/* Slots in creation order; returns how many. */
static unsigned nats_in_order(const struct nat_api *a, int out[NAT_DP_MAX])
{
	unsigned n = 0;

	for (int s = 0; s < NAT_DP_MAX; s++) {
		unsigned k;

		if (!a->nats[s].used)
			continue;
		for (k = n; k > 0 && a->nats[out[k - 1]].seq > a->nats[s].seq; k--)
			out[k] = out[k - 1];
		out[k] = s;
		n++;
	}
	return n;
}

/* The NAT a proxy belongs to: the first whose internal prefix holds the
 * connect address, else the first NAT (skip: a slot going away). */
static int proxy_home(const struct nat_api *a, uint32_t connect_ip, int skip)
{
	int order[NAT_DP_MAX];
	unsigned n = nats_in_order(a, order);

	for (unsigned i = 0; i < n; i++) {
		const struct winnat_config *c = nat_cfg(a, order[i]);

		if (order[i] != skip &&
		    ipv4_in_prefix(connect_ip, c->internal_prefix, c->internal_plen))
			return order[i];
	}
	for (unsigned i = 0; i < n; i++)
		if (order[i] != skip)
			return order[i];
	return -1;
}

static int find_proxy(const struct nat_api *a, uint32_t ip, uint16_t port)
{
	for (uint32_t i = 0; i < a->nb_proxies; i++)
		if (a->proxies[i].px.listen_ip == ip && a->proxies[i].px.listen_port == port)
			return (int)i;
	return -1;
}

static void proxy_id(const struct winnat_proxy *px, char *buf, size_t len)
{
	char ip[IPV4_FMT_SIZE];

	ipv4_format(px->listen_ip, ip);
	snprintf(buf, len, "%s:%u", ip, px->listen_port);
}

/* ---- JSON of what runs --------------------------------------------------- */

static json_t *mapping_out(const struct nat_api *a, int slot, const struct map_entry *e)
{
	return nat_mapping_json_format(&e->m, nat_name(a, slot), e->id,
				       nat_cfg(a, slot)->external_ip);
}

static json_t *mappings_out(const struct nat_api *a, int slot)
{
	const struct nat_entry *ne = &a->nats[slot];
	json_t *arr = json_array();

	for (uint32_t i = 0; i < ne->nb_maps; i++)
		json_array_append_new(arr, mapping_out(a, slot, &ne->maps[i]));
	return arr;
}

static json_t *nat_out(const struct nat_api *a, int slot)
{
	json_t *o = nat_json_format(nat_cfg(a, slot));

	if (o != NULL)
		json_object_set_new(o, "StaticMappings", mappings_out(a, slot));
	return o;
}

static json_t *proxy_out(const struct nat_api *a, const struct proxy_entry *p)
{
	json_t *o = nat_proxy_json_format(&p->px, p->slot >= 0 ? nat_name(a, p->slot)
							    : NULL);

	if (o != NULL && p->slot < 0)
		json_object_set_new(o, "NatName", json_null());
	return o;
}

/* ---- the store ----------------------------------------------------------- */

static bool stored_mapping(const struct nat_entry *ne, const struct map_entry *m)
{
	if (m->origin == MAP_HNS)
		return false;
	return ne->origin == ORIGIN_API || m->origin == MAP_API;
}

/* The "nats" row of a NAT (skip: a mapping index to leave out, or -1);
 * NULL when the NAT needs no row. *fail set when out of memory. */
static json_t *nat_row(const struct nat_api *a, int slot, int skip, bool *fail)
{
	const struct nat_entry *ne = &a->nats[slot];
	json_t *row = json_object(), *maps = json_array();

	*fail = row == NULL || maps == NULL;
	if (*fail)
		goto none;
	for (uint32_t i = 0; i < ne->nb_maps; i++) {
		json_t *m;

		if ((int)i == skip || !stored_mapping(ne, &ne->maps[i]))
			continue;
		m = nat_mapping_json_config(&ne->maps[i].m);
		if (m == NULL) {
			*fail = true;
			goto none;
		}
		json_object_set_new(m, "StaticMappingID", json_integer(ne->maps[i].id));
		json_array_append_new(maps, m);
	}
	if (ne->origin == ORIGIN_API) {
		json_t *nat = nat_json_format_config(&ne->req);

		if (nat == NULL) {
			*fail = true;
			goto none;
		}
		json_object_set_new(row, "Nat", nat);
		/* ids are not handed out again after a restart, even when the
		 * highest one was deleted */
		json_object_set_new(row, "NextStaticMappingID", json_integer(ne->next_id));
	} else if (json_array_size(maps) == 0) {
		goto none;
	}
	json_object_set_new(row, "StaticMappings", maps);
	return row;
none:
	json_decref(row);
	json_decref(maps);
	return NULL;
}

/* One transaction: kind/id put (row) or deleted (NULL). */
static int store_row(struct nat_api *a, const char *kind, const char *id,
		     const json_t *row, char *err, size_t errlen)
{
	char *text = NULL;
	int rc;

	if (a->store == NULL)
		return 0;
	if (row != NULL) {
		text = json_dumps(row, JSON_COMPACT);
		if (text == NULL) {
			errf(err, errlen, "out of memory");
			return -1;
		}
	}
	rc = store_begin(a->store);
	if (rc == 0)
		rc = text != NULL ? store_put(a->store, kind, id, text)
				  : store_delete(a->store, kind, id);
	if (rc == 0)
		rc = store_commit(a->store);
	free(text);
	if (rc != 0) {
		errf(err, errlen, "state store: %s", store_error(a->store));
		store_rollback(a->store);
		return -1;
	}
	return 0;
}

/* Stores the NAT's row as it is now (skip as in nat_row). */
static int store_nat(struct nat_api *a, int slot, int skip, char *err, size_t errlen)
{
	bool fail;
	json_t *row;
	int rc;

	if (a->store == NULL)
		return 0;
	row = nat_row(a, slot, skip, &fail);
	if (fail) {
		errf(err, errlen, "out of memory");
		return -1;
	}
	rc = store_row(a, KIND_NATS, nat_name(a, slot), row, err, errlen);
	json_decref(row);
	return rc;
}

/* ---- proxies ------------------------------------------------------------- */

static int proxy_place(struct nat_api *a, struct proxy_entry *p, int slot,
		       char *err, size_t errlen)
{
	int rc = nat_ctl_proxy_add(a->sw, slot, &p->px, err, errlen);

	p->slot = rc < 0 ? -1 : slot;
	return rc;
}

/* Proxies of slot (going away) move to another NAT, or wait. */
static void proxies_rehome(struct nat_api *a, int slot)
{
	for (uint32_t i = 0; i < a->nb_proxies; i++) {
		struct proxy_entry *p = &a->proxies[i];
		char id[32], err[ERR_MAX];
		int home;

		if (p->slot != slot)
			continue;
		p->slot = -1;
		home = proxy_home(a, p->px.connect_ip, slot);
		proxy_id(&p->px, id, sizeof(id));
		if (home < 0) {
			fprintf(stderr, "vswitchd: port proxy %s waits for a NAT (NAT '%s' "
				"removed)\n", id, nat_name(a, slot));
		} else if (proxy_place(a, p, home, err, sizeof(err)) < 0) {
			fprintf(stderr, "vswitchd: warning: port proxy %s cannot move to "
				"NAT '%s': %s\n", id, nat_name(a, home), err);
		}
	}
}

/* A NAT arrived: waiting proxies go to it if it is their home. */
static void proxies_place_waiting(struct nat_api *a)
{
	for (uint32_t i = 0; i < a->nb_proxies; i++) {
		struct proxy_entry *p = &a->proxies[i];
		char id[32], err[ERR_MAX];
		int home;

		if (p->slot >= 0)
			continue;
		home = proxy_home(a, p->px.connect_ip, -1);
		if (home < 0)
			return;
		proxy_id(&p->px, id, sizeof(id));
		if (proxy_place(a, p, home, err, sizeof(err)) < 0)
			fprintf(stderr, "vswitchd: warning: port proxy %s cannot go to "
				"NAT '%s': %s\n", id, nat_name(a, home), err);
	}
}

static int proxy_append(struct nat_api *a, const struct proxy_entry *p)
{
	if (a->nb_proxies == a->cap_proxies) {
		uint32_t cap = a->cap_proxies ? a->cap_proxies * 2 : 8;
		struct proxy_entry *np = realloc(a->proxies, cap * sizeof(*np));

		if (np == NULL)
			return -1;
		a->proxies = np;
		a->cap_proxies = cap;
	}
	a->proxies[a->nb_proxies++] = *p;
	return 0;
}

static void proxy_drop(struct nat_api *a, uint32_t i)
{
	memmove(&a->proxies[i], &a->proxies[i + 1],
		(a->nb_proxies - i - 1) * sizeof(a->proxies[0]));
	a->nb_proxies--;
}

/* ---- NATs and mappings --------------------------------------------------- */

static int map_append(struct nat_entry *ne, const struct map_entry *m)
{
	if (ne->nb_maps == ne->cap_maps) {
		uint32_t cap = ne->cap_maps ? ne->cap_maps * 2 : 8;
		struct map_entry *nm = realloc(ne->maps, cap * sizeof(*nm));

		if (nm == NULL)
			return -1;
		ne->maps = nm;
		ne->cap_maps = cap;
	}
	ne->maps[ne->nb_maps++] = *m;
	if (m->id >= ne->next_id)
		ne->next_id = m->id + 1;
	return 0;
}

static void map_drop(struct nat_entry *ne, uint32_t i)
{
	memmove(&ne->maps[i], &ne->maps[i + 1], (ne->nb_maps - i - 1) * sizeof(ne->maps[0]));
	ne->nb_maps--;
}

static int map_find_id(const struct nat_entry *ne, uint32_t id)
{
	for (uint32_t i = 0; i < ne->nb_maps; i++)
		if (ne->maps[i].id == id)
			return (int)i;
	return -1;
}

/* The HTTP status of a refused winnat_mapping_add. */
static int mapping_status(int rc)
{
	return rc == -EEXIST || rc == -EBUSY ? 409 : rc == -EINVAL ? 400 :
	       rc == -ENOMEM || rc == -ENOSPC ? 507 : 500;
}

static const char *mapping_why(int rc, const char *err)
{
	if (rc == -EEXIST)
		return "the external port is mapped already";
	if (rc == -EBUSY)
		return "a dynamic binding holds the external port";
	return err[0] ? err : "refused by the NAT";
}

/* Does a message start with a JSON field name ("ExternalIPAddress: ...")? */
static bool starts_with_field(const char *msg)
{
	const char *p = msg;

	if (!(*p >= 'A' && *p <= 'Z'))
		return false;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
	       (*p >= '0' && *p <= '9'))
		p++;
	return p[0] == ':' && p[1] == ' ';
}

/* Adds a NAT with its mappings (ids and origins given) to the dataplane.
 * path prefixes error messages ("" for a request body). Returns the slot,
 * or -status with err; nothing is left behind. */
static int add_nat(struct nat_api *a, const struct nat_json *n, enum nat_origin origin,
		   const struct map_entry *maps, uint32_t nb_maps, const char *path,
		   char *err, size_t errlen)
{
	char why[ERR_MAX] = "";
	struct nat_entry *ne;
	int slot, rc;

	if (find_nat(a, n->cfg.name) >= 0 || nat_ctl_find(a->sw, n->cfg.name) >= 0) {
		errf(err, errlen, "%s%sName: a NAT named '%s' already exists", path,
		     path[0] ? "." : "", n->cfg.name);
		return -409;
	}
	slot = nat_ctl_add(a->sw, &n->cfg, portset_empty(), origin == ORIGIN_HNS, why, sizeof(why));
	if (slot < 0 || slot >= NAT_DP_MAX) {
		if (slot >= NAT_DP_MAX)
			nat_ctl_remove(a->sw, slot);
		if (why[0] == '\0')
			snprintf(why, sizeof(why), "cannot add the NAT");
		/* "Nats[0]" + "ExternalIPAddress: ..." -> "Nats[0].ExternalIPAddress: ..." */
		errf(err, errlen, "%s%s%s", path,
		     !path[0] ? "" : starts_with_field(why) ? "." : ": ", why);
		return strstr(why, "used by") != NULL || strstr(why, "at most") != NULL ||
		       strstr(why, "exist") != NULL || strstr(why, "full") != NULL
		       ? -409 : strstr(why, "out of memory") != NULL ? -507 :
		       strstr(why, "not running") != NULL ? -500 : -400;
	}
	ne = &a->nats[slot];
	memset(ne, 0, sizeof(*ne));
	ne->used = true;
	ne->origin = origin;
	ne->seq = ++a->seq;
	ne->req = *n;
	ne->req.mappings = NULL;
	ne->req.nb_mappings = 0;
	ne->next_id = 1;
	for (uint32_t i = 0; i < nb_maps; i++) {
		why[0] = '\0';
		rc = nat_ctl_mapping_add(a->sw, slot, &maps[i].m, why, sizeof(why));
		if (rc < 0 || map_append(ne, &maps[i]) < 0) {
			errf(err, errlen, "%s%sStaticMappings[%u]: %s", path,
			     path[0] ? "." : "", i,
			     rc < 0 ? mapping_why(rc, why) : "out of memory");
			nat_ctl_remove(a->sw, slot);
			free(ne->maps);
			memset(ne, 0, sizeof(*ne));
			return rc < 0 ? -mapping_status(rc) : -507;
		}
	}
	proxies_place_waiting(a);
	return slot;
}

static void remove_nat(struct nat_api *a, int slot)
{
	struct nat_entry *ne = &a->nats[slot];

	nat_ctl_remove(a->sw, slot);
	ne->used = false; /* before rehoming: not a home any more */
	proxies_rehome(a, slot);
	free(ne->maps);
	memset(ne, 0, sizeof(*ne));
}

/* The mappings of a parsed NAT as entries with ids 1..n. NULL + *nb 0 when
 * none; NULL + nb != 0 when out of memory. */
static struct map_entry *body_maps(const struct nat_json *n, enum map_origin origin)
{
	struct map_entry *m;

	if (n->nb_mappings == 0)
		return NULL;
	m = calloc(n->nb_mappings, sizeof(*m));
	if (m == NULL)
		return NULL;
	for (uint32_t i = 0; i < n->nb_mappings; i++) {
		m[i].id = i + 1;
		m[i].origin = (uint8_t)origin;
		m[i].m = n->mappings[i];
	}
	return m;
}

/* ---- typed operations (nat_internal.h) ----------------------------------- */

int nat_op_add(struct nat_api *a, const struct nat_json *n, int *slot_out,
	       char *err, size_t errlen)
{
	struct map_entry *maps = body_maps(n, MAP_NAT);
	int slot;

	if (maps == NULL && n->nb_mappings > 0) {
		errf(err, errlen, "out of memory");
		return 507;
	}
	slot = add_nat(a, n, ORIGIN_API, maps, n->nb_mappings, "", err, errlen);
	free(maps);
	if (slot < 0)
		return -slot;
	if (store_nat(a, slot, -1, err, errlen) < 0) {
		remove_nat(a, slot);
		return 500;
	}
	fprintf(stderr, "vswitchd: NAT '%s' added\n", nat_name(a, slot));
	*slot_out = slot;
	return 0;
}

int nat_op_remove(struct nat_api *a, int slot, char *err, size_t errlen)
{
	char name[WINNAT_NAME_MAX];

	if (a->nats[slot].origin == ORIGIN_HNS) {
		errf(err, errlen, "NAT '%s' belongs to the HNS network of that name: "
		     "delete the network instead", nat_name(a, slot));
		return 409;
	}
	/* the store first: a removed NAT cannot be put back as it was */
	if (a->store != NULL && store_row(a, KIND_NATS, nat_name(a, slot), NULL, err,
					  errlen) < 0)
		return 500;
	snprintf(name, sizeof(name), "%s", nat_name(a, slot));
	remove_nat(a, slot);
	fprintf(stderr, "vswitchd: NAT '%s' removed\n", name);
	return 0;
}

int nat_op_mapping_add(struct nat_api *a, int slot, const struct winnat_mapping *mapping,
		       char *err, size_t errlen)
{
	struct nat_entry *ne = &a->nats[slot];
	struct map_entry m = {.m = *mapping};
	char why[ERR_MAX] = "";
	int rc;

	if (ne->nb_maps >= NAT_JSON_MAX_MAPPINGS) {
		errf(err, errlen, "NAT '%s' has %d static mappings already (the most it "
		     "takes)", nat_name(a, slot), NAT_JSON_MAX_MAPPINGS);
		return 409;
	}
	rc = nat_ctl_mapping_add(a->sw, slot, &m.m, why, sizeof(why));
	if (rc < 0) {
		errf(err, errlen, "%s%s", rc == -EEXIST || rc == -EBUSY ? "ExternalPort: " : "",
		     mapping_why(rc, why));
		return mapping_status(rc);
	}
	m.id = ne->next_id;
	m.origin = MAP_API;
	if (map_append(ne, &m) < 0) {
		nat_ctl_mapping_del(a->sw, slot, m.m.proto, m.m.external_ip,
				    m.m.external_port);
		errf(err, errlen, "out of memory");
		return 507;
	}
	if (store_nat(a, slot, -1, err, errlen) < 0) {
		nat_ctl_mapping_del(a->sw, slot, m.m.proto, m.m.external_ip,
				    m.m.external_port);
		map_drop(ne, ne->nb_maps - 1);
		ne->next_id = m.id; /* not handed out after all */
		return 500;
	}
	return 0;
}

json_t *nat_last_mapping_json(const struct nat_api *a, int slot)
{
	const struct nat_entry *ne = &a->nats[slot];

	return ne->nb_maps > 0 ? mapping_out(a, slot, &ne->maps[ne->nb_maps - 1]) : NULL;
}

json_t *nat_mapping_json_by_id(const struct nat_api *a, int slot, uint32_t id)
{
	int i = id != 0 ? map_find_id(&a->nats[slot], id) : -1;

	return i >= 0 ? mapping_out(a, slot, &a->nats[slot].maps[i]) : NULL;
}

int nat_op_mapping_remove(struct nat_api *a, int slot, uint32_t id, char *err,
			  size_t errlen)
{
	struct nat_entry *ne = &a->nats[slot];
	int i = id != 0 ? map_find_id(ne, id) : -1;

	if (i < 0) {
		errf(err, errlen, "NAT '%s' has no static mapping '%" PRIu32 "'",
		     nat_name(a, slot), id);
		return 404;
	}
	if (ne->maps[i].origin == MAP_HNS) {
		errf(err, errlen, "static mapping %" PRIu32 " of NAT '%s' comes from an "
		     "HNS endpoint policy: update or delete the endpoint instead", id,
		     nat_name(a, slot));
		return 409;
	}
	if (store_nat(a, slot, i, err, errlen) < 0)
		return 500;
	nat_ctl_mapping_del(a->sw, slot, ne->maps[i].m.proto, ne->maps[i].m.external_ip,
			    ne->maps[i].m.external_port);
	map_drop(ne, (uint32_t)i);
	return 0;
}

int nat_op_proxy_add(struct nat_api *a, const struct winnat_proxy *px, char *err,
		     size_t errlen)
{
	struct proxy_entry p = {.px = *px, .slot = -1};
	char id[32];
	int home, rc;

	proxy_id(&p.px, id, sizeof(id));
	if (find_proxy(a, p.px.listen_ip, p.px.listen_port) >= 0) {
		errf(err, errlen, "ListenPort: a port proxy listens on %s already", id);
		return 409;
	}
	home = proxy_home(a, p.px.connect_ip, -1);
	if (home < 0) {
		errf(err, errlen, "a port proxy needs a NAT (create one with POST /nats)");
		return 409;
	}
	err[0] = '\0';
	rc = proxy_place(a, &p, home, err, errlen);
	if (rc < 0) {
		if (err[0] == '\0')
			errf(err, errlen, "refused by the NAT");
		return rc == -EEXIST || rc == -EBUSY ? 409 : rc == -EINVAL ? 400 : 500;
	}
	if (proxy_append(a, &p) < 0) {
		nat_ctl_proxy_del(a->sw, home, p.px.listen_ip, p.px.listen_port);
		errf(err, errlen, "out of memory");
		return 507;
	}
	if (a->store != NULL) {
		json_t *row = nat_proxy_json_format(&p.px, NULL);

		rc = row != NULL ? store_row(a, KIND_PROXY, id, row, err, errlen) : -1;
		if (row == NULL)
			errf(err, errlen, "out of memory");
		json_decref(row);
		if (rc < 0) {
			nat_ctl_proxy_del(a->sw, home, p.px.listen_ip, p.px.listen_port);
			proxy_drop(a, a->nb_proxies - 1);
			return 500;
		}
	}
	return 0;
}

json_t *nat_proxy_json_at(const struct nat_api *a, uint32_t ip, uint16_t port)
{
	int i = find_proxy(a, ip, port);

	return i >= 0 ? proxy_out(a, &a->proxies[i]) : NULL;
}

json_t *nat_last_proxy_json(const struct nat_api *a)
{
	return a->nb_proxies > 0 ? proxy_out(a, &a->proxies[a->nb_proxies - 1]) : NULL;
}

int nat_op_proxy_remove(struct nat_api *a, uint32_t ip, uint16_t port, char *err,
			size_t errlen)
{
	int i = find_proxy(a, ip, port);
	char id[32];

	if (i < 0) {
		errf(err, errlen, "no port proxy listens there");
		return 404;
	}
	proxy_id(&a->proxies[i].px, id, sizeof(id));
	if (store_row(a, KIND_PROXY, id, NULL, err, errlen) < 0)
		return 500;
	if (a->proxies[i].slot >= 0)
		nat_ctl_proxy_del(a->sw, a->proxies[i].slot, ip, port);
	proxy_drop(a, (uint32_t)i);
	return 0;
}

json_t *nat_list_json(const struct nat_api *a)
{
	int order[NAT_DP_MAX];
	unsigned k = nats_in_order(a, order);
	json_t *arr = json_array();

	for (unsigned i = 0; i < k; i++)
		json_array_append_new(arr, nat_out(a, order[i]));
	return arr;
}

json_t *nat_proxies_json(const struct nat_api *a)
{
	json_t *arr = json_array();

	for (uint32_t i = 0; i < a->nb_proxies; i++)
		json_array_append_new(arr, proxy_out(a, &a->proxies[i]));
	return arr;
}

json_t *nat_one_json(const struct nat_api *a, int slot)
{
	return nat_out(a, slot);
}

json_t *nat_mappings_json(const struct nat_api *a, int slot)
{
	return mappings_out(a, slot);
}

int nat_find(const struct nat_api *a, const char *name)
{
	return find_nat(a, name);
}

/* ---- the config, HNS ------------------------------------------------------ */

int nat_api_apply_config(struct nat_api *a, const json_t *nats, char *err,
			 size_t errlen)
{
	int added[NAT_DP_MAX], nb = 0;
	const json_t *v;
	size_t i;

	json_array_foreach(nats, i, v) {
		struct map_entry *maps;
		struct nat_json n;
		char path[32];
		int slot;

		snprintf(path, sizeof(path), "Nats[%zu]", i);
		if (nat_json_parse(v, path, &n, err, errlen) < 0)
			goto undo;
		maps = body_maps(&n, MAP_NAT);
		if (maps == NULL && n.nb_mappings > 0) {
			nat_json_release(&n);
			errf(err, errlen, "%s: out of memory", path);
			goto undo;
		}
		slot = add_nat(a, &n, ORIGIN_CONFIG, maps, n.nb_mappings, path, err,
			       errlen);
		free(maps);
		nat_json_release(&n);
		if (slot < 0)
			goto undo;
		added[nb++] = slot;
	}
	return 0;
undo:
	while (nb > 0)
		remove_nat(a, added[--nb]);
	return -1;
}

int nat_api_network_add(struct nat_api *a, const char *name, uint32_t prefix,
			uint8_t plen, uint32_t gateway, char *err, size_t errlen)
{
	struct nat_json n;
	int slot;

	memset(&n, 0, sizeof(n));
	nat_json_defaults(&n.cfg);
	if (name == NULL || strlen(name) == 0 || strlen(name) >= WINNAT_NAME_MAX) {
		errf(err, errlen, "a NAT name must be 1-%d characters", WINNAT_NAME_MAX - 1);
		return -1;
	}
	if (plen > 32 || (prefix & ~ipv4_mask(plen)) != 0) {
		errf(err, errlen, "NAT '%s': bad internal prefix", name);
		return -1;
	}
	snprintf(n.cfg.name, sizeof(n.cfg.name), "%s", name);
	n.cfg.internal_prefix = prefix;
	n.cfg.internal_plen = plen;
	n.cfg.gateway_ip = gateway;
	n.gateway_given = gateway != 0;
	slot = add_nat(a, &n, ORIGIN_HNS, NULL, 0, "", err, errlen);
	if (slot < 0)
		return -1;
	fprintf(stderr, "vswitchd: NAT '%s' added for the HNS network\n", name);
	return 0;
}

int nat_api_network_remove(struct nat_api *a, const char *name)
{
	int slot = find_nat(a, name);

	/* a NAT of that name made by the API or the config is not the
	 * network's, even when the network shares its name */
	if (slot < 0 || a->nats[slot].origin != ORIGIN_HNS)
		return -1;
	remove_nat(a, slot);
	fprintf(stderr, "vswitchd: NAT '%s' of the HNS network removed\n", name);
	return 0;
}

static bool same_mapping(const struct winnat_mapping *x, const struct winnat_mapping *y)
{
	return x->proto == y->proto && x->external_ip == y->external_ip &&
	       x->external_port == y->external_port;
}

int nat_api_port_mapping(struct nat_api *a, const char *name, bool add,
			 const struct winnat_mapping *mp, char *err, size_t errlen)
{
	int slot = find_nat(a, name), rc;
	struct nat_entry *ne;

	if (slot < 0) {
		errf(err, errlen, "no NAT '%s'", name);
		return -1;
	}
	ne = &a->nats[slot];
	if (!add) {
		for (uint32_t i = 0; i < ne->nb_maps; i++)
			if (ne->maps[i].origin == MAP_HNS && same_mapping(&ne->maps[i].m, mp)) {
				map_drop(ne, i);
				break;
			}
		rc = nat_ctl_mapping_del(a->sw, slot, mp->proto, mp->external_ip,
					mp->external_port);
		if (rc < 0 && rc != -ENOENT) {
			errf(err, errlen, "cannot remove the port mapping: %s", strerror(-rc));
			return -1;
		}
		return 0;
	}
	err[0] = '\0';
	{
		char why[ERR_MAX] = "";
		struct map_entry m = {.id = ne->next_id, .origin = MAP_HNS, .m = *mp};

		rc = nat_ctl_mapping_add(a->sw, slot, mp, why, sizeof(why));
		if (rc < 0) {
			errf(err, errlen, "%s", mapping_why(rc, why));
			return -1;
		}
		if (map_append(ne, &m) < 0) {
			nat_ctl_mapping_del(a->sw, slot, mp->proto, mp->external_ip,
					   mp->external_port);
			errf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* ---- restore ---------------------------------------------------------------- */

/* A stored "StaticMappings" array as entries with their ids. */
static struct map_entry *stored_maps(const json_t *arr, const char *nat,
				     enum map_origin origin, uint32_t *nb,
				     char *err, size_t errlen)
{
	struct map_entry *maps;
	const json_t *v;
	size_t i, n = json_array_size(arr);

	*nb = 0;
	if (arr != NULL && !json_is_array(arr)) {
		errf(err, errlen, "StaticMappings: not an array");
		return NULL;
	}
	maps = calloc(n + 1, sizeof(*maps));
	if (maps == NULL) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	json_array_foreach(arr, i, v) {
		json_t *body = json_is_object(v) ? json_copy((json_t *)v) : NULL;
		json_int_t id = json_integer_value(json_object_get(v, "StaticMappingID"));
		char path[40];

		snprintf(path, sizeof(path), "StaticMappings[%zu]", i);
		if (body != NULL)
			json_object_del(body, "StaticMappingID");
		if (body == NULL || id <= 0 || id > UINT32_MAX ||
		    nat_mapping_json_parse(body, path, nat, &maps[i].m, err, errlen) < 0) {
			if (body == NULL || id <= 0 || id > UINT32_MAX)
				errf(err, errlen, "%s: bad StaticMappingID", path);
			json_decref(body);
			free(maps);
			return NULL;
		}
		json_decref(body);
		maps[i].id = (uint32_t)id;
		maps[i].origin = (uint8_t)origin;
		for (size_t j = 0; j < i; j++)
			if (maps[j].id == maps[i].id) {
				errf(err, errlen, "%s: StaticMappingID %u repeats", path,
				     maps[i].id);
				free(maps);
				return NULL;
			}
	}
	*nb = (uint32_t)n;
	return maps;
}

static void restore_nat_row(struct nat_api *a, const char *name, const char *text)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	const json_t *nat = json_object_get(doc, "Nat");
	struct map_entry *maps = NULL;
	char err[ERR_MAX];
	uint32_t nb = 0;
	int slot = find_nat(a, name);

	if (!json_is_object(doc)) {
		fprintf(stderr, "vswitchd: warning: stored NAT '%s' left out: not a "
			"JSON object\n", name);
		goto out;
	}
	if (nat != NULL && slot >= 0) {
		fprintf(stderr, "vswitchd: warning: stored NAT '%s' dropped: the %s "
			"has a NAT of that name\n", name,
			a->nats[slot].origin == ORIGIN_HNS ? "HNS" : "config");
		if (store_row(a, KIND_NATS, name, NULL, err, sizeof(err)) < 0)
			fprintf(stderr, "vswitchd: warning: %s\n", err);
		goto out;
	}
	if (nat == NULL && slot < 0) {
		fprintf(stderr, "vswitchd: warning: stored static mappings of NAT '%s' "
			"left out: no such NAT\n", name);
		goto out;
	}
	maps = stored_maps(json_object_get(doc, "StaticMappings"), name,
			   nat != NULL ? MAP_NAT : MAP_API, &nb, err, sizeof(err));
	if (maps == NULL) {
		fprintf(stderr, "vswitchd: warning: stored NAT '%s' left out: %s\n",
			name, err);
		goto out;
	}
	if (nat != NULL) {
		struct nat_json n;

		if (nat_json_parse(nat, "Nat", &n, err, sizeof(err)) < 0) {
			fprintf(stderr, "vswitchd: warning: stored NAT '%s' left out: %s\n",
				name, err);
			goto out;
		}
		slot = add_nat(a, &n, ORIGIN_API, maps, nb, "", err, sizeof(err));
		nat_json_release(&n);
		if (slot < 0) {
			fprintf(stderr, "vswitchd: warning: stored NAT '%s' left out: %s\n",
				name, err);
		} else {
			json_int_t next = json_integer_value(
				json_object_get(doc, "NextStaticMappingID"));

			if (next > a->nats[slot].next_id && next <= UINT32_MAX)
				a->nats[slot].next_id = (uint32_t)next;
			fprintf(stderr, "vswitchd: NAT '%s' restored\n", name);
		}
		goto out;
	}
	/* API mappings of a config or HNS NAT */
	for (uint32_t i = 0; i < nb; i++) {
		struct nat_entry *ne = &a->nats[slot];
		char why[ERR_MAX] = "";
		int rc;

		if (map_find_id(ne, maps[i].id) >= 0)
			maps[i].id = ne->next_id;
		rc = nat_ctl_mapping_add(a->sw, slot, &maps[i].m, why, sizeof(why));
		if (rc < 0 || map_append(ne, &maps[i]) < 0)
			fprintf(stderr, "vswitchd: warning: stored static mapping %u of "
				"NAT '%s' left out: %s\n", maps[i].id, name,
				rc < 0 ? mapping_why(rc, why) : "out of memory");
	}
out:
	free(maps);
	json_decref(doc);
}

static void restore_proxy_row(struct nat_api *a, const char *id, const char *text)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	struct proxy_entry p = {.slot = -1};
	char err[ERR_MAX] = "";
	int home;

	if (doc == NULL || nat_proxy_json_parse(doc, "", &p.px, err, sizeof(err)) < 0) {
		fprintf(stderr, "vswitchd: warning: stored port proxy %s left out: %s\n",
			id, doc == NULL ? jerr.text : err);
		goto out;
	}
	if (find_proxy(a, p.px.listen_ip, p.px.listen_port) >= 0)
		goto out;
	home = proxy_home(a, p.px.connect_ip, -1);
	if (home < 0)
		fprintf(stderr, "vswitchd: port proxy %s waits for a NAT\n", id);
	else if (proxy_place(a, &p, home, err, sizeof(err)) < 0)
		fprintf(stderr, "vswitchd: warning: port proxy %s cannot go to NAT "
			"'%s': %s\n", id, nat_name(a, home), err);
	if (proxy_append(a, &p) < 0) {
		if (p.slot >= 0)
			nat_ctl_proxy_del(a->sw, p.slot, p.px.listen_ip, p.px.listen_port);
		fprintf(stderr, "vswitchd: warning: stored port proxy %s left out: "
			"out of memory\n", id);
	}
out:
	json_decref(doc);
}

int nat_api_restore(struct nat_api *a, char *err, size_t errlen)
{
	json_t *rows, *row;
	size_t i;

	if (a == NULL || a->store == NULL)
		return 0;
	rows = store_rows(a->store, KIND_NATS, err, errlen);
	if (rows == NULL)
		return -1;
	json_array_foreach(rows, i, row)
		restore_nat_row(a, json_string_value(json_object_get(row, "id")),
				json_string_value(json_object_get(row, "json")));
	json_decref(rows);
	rows = store_rows(a->store, KIND_PROXY, err, errlen);
	if (rows == NULL)
		return -1;
	json_array_foreach(rows, i, row)
		restore_proxy_row(a, json_string_value(json_object_get(row, "id")),
				  json_string_value(json_object_get(row, "json")));
	json_decref(rows);
	return 0;
}

/* ---- life ----------------------------------------------------------------- */

struct nat_api *nat_api_create(struct vswitch *sw)
{
	struct nat_api *a = calloc(1, sizeof(*a));

	if (a != NULL)
		a->sw = sw;
	return a;
}

void nat_api_destroy(struct nat_api *a)
{
	if (a == NULL)
		return;
	for (int s = 0; s < NAT_DP_MAX; s++)
		free(a->nats[s].maps);
	free(a->proxies);
	free(a);
}

void nat_api_set_store(struct nat_api *a, struct hns_store *store)
{
	a->store = store;
}

