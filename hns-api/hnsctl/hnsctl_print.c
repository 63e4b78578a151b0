/* hnsctl's output (hnsctl_print.h). Tables are built in memory, then
 * printed with every column as wide as its widest cell, two spaces apart.
 * Single-object views print known fields first in a fixed order, then
 * whatever else the server sent, so new fields still show. */
#include "hnsctl_print.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- a growing string ---- */

struct str {
	char *s;
	size_t len, cap;
};

static void str_addf(struct str *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void str_addf(struct str *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *s;

		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		s = realloc(b->s, cap);
		if (s == NULL)
			return;
		b->s = s;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* The text, "-" if empty; owned by b. */
static const char *str_get(const struct str *b)
{
	return b->len ? b->s : "-";
}

static void str_free(struct str *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

/* ---- values ---- */

/* A value as text: strings as they are, numbers, booleans, everything
 * else as compact JSON. Appends to b. */
static void add_value(struct str *b, const json_t *v)
{
	char *text;

	switch (json_typeof(v)) {
	case JSON_STRING:
		str_addf(b, "%s", json_string_value(v));
		break;
	case JSON_INTEGER:
		str_addf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		str_addf(b, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		str_addf(b, "true");
		break;
	case JSON_FALSE:
		str_addf(b, "false");
		break;
	case JSON_NULL:
		break;
	default:
		text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (text)
			str_addf(b, "%s", text);
		free(text);
	}
}

static bool is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

static const char *get_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

void print_json(const json_t *j)
{
	char *text = json_dumps(j ? j : json_null(),
				JSON_INDENT(2) | JSON_ENCODE_ANY);

	if (text)
		printf("%s\n", text);
	free(text);
}

/* ---- tables ---- */

#define TABLE_MAX_COLS 10

struct table {
	unsigned ncols;
	unsigned right; /* bit i: column i is right-aligned (numbers) */
	const char *head[TABLE_MAX_COLS];
	char **cells; /* row-major */
	size_t nrows, cap;
};

static void table_init(struct table *t, unsigned ncols, ...)
{
	va_list ap;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols < TABLE_MAX_COLS ? ncols : TABLE_MAX_COLS;
	va_start(ap, ncols);
	for (unsigned i = 0; i < t->ncols; i++)
		t->head[i] = va_arg(ap, const char *);
	va_end(ap);
}

/* ncols cells; NULL or "" prints as "-". */
static void table_row(struct table *t, ...)
{
	va_list ap;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **c = realloc(t->cells, cap * t->ncols * sizeof(*c));

		if (c == NULL)
			return;
		t->cells = c;
		t->cap = cap;
	}
	va_start(ap, t);
	for (unsigned i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);

		t->cells[t->nrows * t->ncols + i] = strdup(s && *s ? s : "-");
	}
	va_end(ap);
	t->nrows++;
}

static void print_cells(const struct table *t, const char *const *cells,
			const size_t *width)
{
	for (unsigned i = 0; i < t->ncols; i++) {
		const char *s = cells[i] ? cells[i] : "";
		bool last = i + 1 == t->ncols;

		if (t->right & (1u << i))
			printf("%*s%s", (int)width[i], s, last ? "\n" : "  ");
		else if (last)
			printf("%s\n", s);
		else
			printf("%-*s  ", (int)width[i], s);
	}
}

static void table_print(struct table *t)
{
	size_t width[TABLE_MAX_COLS];

	for (unsigned i = 0; i < t->ncols; i++) {
		width[i] = strlen(t->head[i]);
		for (size_t r = 0; r < t->nrows; r++) {
			const char *s = t->cells[r * t->ncols + i];
			size_t n = s ? strlen(s) : 0;

			if (n > width[i])
				width[i] = n;
		}
	}
	print_cells(t, t->head, width);
	for (size_t r = 0; r < t->nrows; r++)
		print_cells(t, (const char *const *)&t->cells[r * t->ncols],
			    width);
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
}

/* ---- "Key: value" views ---- */

struct kv {
	const char *key;
	struct str val; /* may hold several lines */
};

#define KV_MAX 64

struct kv_view {
	struct kv items[KV_MAX];
	unsigned n;
};

static struct str *kv_add(struct kv_view *v, const char *key)
{
	if (v->n == KV_MAX)
		return NULL;
	v->items[v->n].key = key;
	memset(&v->items[v->n].val, 0, sizeof(struct str));
	return &v->items[v->n++].val;
}

static bool kv_has(const struct kv_view *v, const char *key)
{
	for (unsigned i = 0; i < v->n; i++)
		if (strcmp(v->items[i].key, key) == 0)
			return true;
	return false;
}

static void kv_print(struct kv_view *v)
{
	size_t w = 0;

	for (unsigned i = 0; i < v->n; i++)
		if (strlen(v->items[i].key) > w)
			w = strlen(v->items[i].key);
	for (unsigned i = 0; i < v->n; i++) {
		const char *key = v->items[i].key;
		const char *line = str_get(&v->items[i].val);

		/* Continuation lines line up under the first value. */
		printf("%s:%*s", key, (int)(w - strlen(key) + 1), "");
		for (;;) {
			size_t n = strcspn(line, "\n");

			printf("%.*s\n", (int)n, line);
			if (line[n] != '\n')
				break;
			line += n + 1;
			printf("%*s", (int)(w + 2), "");
		}
		str_free(&v->items[i].val);
	}
}

/* One line per element (policies, subnets), or the value itself. */
static void add_lines(struct str *b, const json_t *v)
{
	const json_t *e;
	size_t i;

	if (json_is_array(v) && json_array_size(v) == 0)
		return; /* prints as "-" */
	if (!json_is_array(v)) {
		add_value(b, v);
		return;
	}
	if (is_scalar(json_array_get(v, 0))) {
		json_array_foreach(v, i, e) {
			if (i)
				str_addf(b, ", ");
			add_value(b, e);
		}
		return;
	}
	json_array_foreach(v, i, e) {
		if (i)
			str_addf(b, "\n");
		add_value(b, e);
	}
}

/* "172.18.0.0/16 gateway 172.18.0.1 VLAN 10 VSID 5001" */
static void add_subnet(struct str *b, const json_t *sn)
{
	const json_t *p;
	size_t i;

	str_addf(b, "%s", get_str(sn, "AddressPrefix") ?
			  get_str(sn, "AddressPrefix") : "?");
	if (get_str(sn, "GatewayAddress"))
		str_addf(b, " gateway %s", get_str(sn, "GatewayAddress"));
	json_array_foreach(json_object_get(sn, "Policies"), i, p) {
		const char *type = get_str(p, "Type");
		const json_t *val = type ? json_object_get(p, type) : NULL;

		if (type && val && is_scalar(val)) {
			str_addf(b, " %s ", type);
			add_value(b, val);
		} else {
			str_addf(b, " ");
			add_value(b, p);
		}
	}
}

static const char *const endpoint_states[] = {
	"Uninitialized", "Created", "Attached", "AttachedSharing",
	"Detached", "Degraded", "Destroyed",
};

/* A numeric endpoint State as its name (HNS's EndpointState). */
static void add_state(struct str *b, const json_t *state)
{
	json_int_t n = json_integer_value(state);

	if (json_is_integer(state) && n >= 0 &&
	    n < (json_int_t)(sizeof(endpoint_states) /
			     sizeof(endpoint_states[0])))
		str_addf(b, "%s", endpoint_states[n]);
	else
		add_value(b, state);
}

/* One field's value: Subnets and MacPools formatted, lists of objects
 * one per line. */
static void add_field(struct str *b, const char *key, const json_t *val)
{
	const json_t *e;
	size_t i;

	if (strcmp(key, "Subnets") == 0 && json_is_array(val)) {
		json_array_foreach(val, i, e) {
			if (i)
				str_addf(b, "\n");
			add_subnet(b, e);
		}
	} else if (strcmp(key, "MacPools") == 0 && json_is_array(val)) {
		json_array_foreach(val, i, e) {
			const char *start = get_str(e, "StartMacAddress");
			const char *end = get_str(e, "EndMacAddress");

			if (i)
				str_addf(b, "\n");
			str_addf(b, "%s - %s", start ? start : "?",
				 end ? end : "?");
		}
	} else if (strcmp(key, "State") == 0) {
		add_state(b, val);
	} else {
		add_lines(b, val);
	}
}

/* Adds the fields of obj: those in order first, then the rest as the
 * server sent them. */
static void kv_object(struct kv_view *v, const json_t *obj,
		      const char *const *order)
{
	const char *key;
	const json_t *val;
	struct str *b;

	for (; *order; order++) {
		val = json_object_get(obj, *order);
		if (val && (b = kv_add(v, *order)))
			add_field(b, *order, val);
	}
	json_object_foreach((json_t *)obj, key, val)
		if (!kv_has(v, key) && (b = kv_add(v, key)))
			add_field(b, key, val);
}

/* ---- networks ---- */

static void subnet_prefixes(struct str *b, const json_t *net)
{
	const json_t *sn;
	size_t i;

	json_array_foreach(json_object_get(net, "Subnets"), i, sn) {
		const char *p = get_str(sn, "AddressPrefix");

		if (p)
			str_addf(b, "%s%s", b->len ? "," : "", p);
	}
}

void print_networks(const json_t *networks)
{
	struct table t;
	const json_t *n;
	size_t i;

	if (json_is_object(networks)) {
		print_network(networks);
		return;
	}
	table_init(&t, 4, "ID", "NAME", "TYPE", "SUBNETS");
	json_array_foreach(networks, i, n) {
		struct str sub = {0};

		subnet_prefixes(&sub, n);
		table_row(&t, get_str(n, "ID") ? get_str(n, "ID") : get_str(n, "Id"),
			  get_str(n, "Name"), get_str(n, "Type"), str_get(&sub));
		str_free(&sub);
	}
	table_print(&t);
}

void print_network(const json_t *network)
{
	static const char *const order[] = {"ID", "Id", "Name", "Type",
					    "ManagementIP", "NetworkAdapterName",
					    "SourceMac", NULL};
	struct kv_view v = {0};

	kv_object(&v, network, order);
	kv_print(&v);
}

/* ---- endpoints ---- */

static const char *network_name(const json_t *ep, const json_t *networks)
{
	const char *id = get_str(ep, "VirtualNetwork");
	const json_t *n;
	size_t i;

	if (get_str(ep, "VirtualNetworkName"))
		return get_str(ep, "VirtualNetworkName");
	json_array_foreach(networks, i, n) {
		const char *nid = get_str(n, "ID") ? get_str(n, "ID") :
						     get_str(n, "Id");

		if (id && nid && strcasecmp(id, nid) == 0 && get_str(n, "Name"))
			return get_str(n, "Name");
	}
	return id;
}

/* The port it is attached to, else its state. */
static void port_or_state(struct str *b, const json_t *ep)
{
	static const char *const port_keys[] = {"VirtualNicName", "PortName",
						"Port", "SwitchPort", NULL};
	const json_t *state = json_object_get(ep, "State");

	for (const char *const *k = port_keys; *k; k++) {
		const char *p = get_str(ep, *k);

		if (p && *p) {
			str_addf(b, "%s", p);
			return;
		}
	}
	if (state)
		add_state(b, state);
}

void print_endpoints(const json_t *endpoints, const json_t *networks)
{
	struct table t;
	const json_t *ep;
	size_t i;

	if (json_is_object(endpoints)) {
		print_endpoint(endpoints);
		return;
	}
	table_init(&t, 6, "ID", "NAME", "NETWORK", "IP", "MAC", "PORT/STATE");
	json_array_foreach(endpoints, i, ep) {
		struct str ps = {0};

		port_or_state(&ps, ep);
		table_row(&t, get_str(ep, "ID") ? get_str(ep, "ID") : get_str(ep, "Id"),
			  get_str(ep, "Name"), network_name(ep, networks),
			  get_str(ep, "IPAddress"), get_str(ep, "MacAddress"),
			  str_get(&ps));
		str_free(&ps);
	}
	table_print(&t);
}

void print_endpoint(const json_t *endpoint)
{
	static const char *const order[] = {
		"ID", "Id", "Name", "VirtualNetwork", "VirtualNetworkName",
		"IPAddress", "PrefixLength", "GatewayAddress", "MacAddress",
		"State", NULL};
	struct kv_view v = {0};

	kv_object(&v, endpoint, order);
	kv_print(&v);
}

/* A counter of a policy status entry, "" when the entry has none. */
static void counter_text(const json_t *st, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(st, key);

	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else
		buf[0] = '\0';
}

void print_endpoint_policies(const json_t *status)
{
	const json_t *st;
	struct table t;
	size_t i;

	if (json_array_size(status) == 0)
		return;
	printf("\n");
	table_init(&t, 6, "#", "POLICY", "STATUS", "PACKETS", "BYTES", "DROPPED");
	t.right = 1u << 0 | 1u << 3 | 1u << 4 | 1u << 5;
	json_array_foreach(status, i, st) {
		char n[16], pk[24], by[24], dr[24];

		snprintf(n, sizeof(n), "%zu", i);
		counter_text(st, "Packets", pk, sizeof(pk));
		counter_text(st, "Bytes", by, sizeof(by));
		counter_text(st, "Dropped", dr, sizeof(dr));
		table_row(&t, n, get_str(st, "Type"), get_str(st, "Status"), pk, by, dr);
	}
	table_print(&t);
}

void print_endpoint_stats(const json_t *stats)
{
	static const char *const order[] = {
		"PacketsReceived", "BytesReceived", "DroppedPacketsIncoming",
		"PacketsSent", "BytesSent", "DroppedPacketsOutgoing", NULL};
	struct kv_view v = {0};

	kv_object(&v, stats, order);
	kv_print(&v);
}

/* ---- /stats ---- */

/* "reason=n, reason=n" for the non-zero counters of a Drops object. */
static void nonzero_drops(struct str *b, const json_t *drops)
{
	const char *reason;
	const json_t *n;

	json_object_foreach((json_t *)drops, reason, n) {
		if (json_is_integer(n) && json_integer_value(n) == 0)
			continue;
		str_addf(b, "%s%s=", b->len ? ", " : "", reason);
		add_value(b, n);
	}
}

static void scalar_cell(struct str *b, const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (v)
		add_value(b, v);
}

/* An array of objects as a table: the scalar members of its first
 * element are the columns (at most TABLE_MAX_COLS). */
static void print_object_table(const char *title, const json_t *arr)
{
	const char *cols[TABLE_MAX_COLS];
	const json_t *first = json_array_get(arr, 0), *e, *v;
	unsigned n = 0;
	const char *key;
	size_t i;

	if (!json_is_object(first))
		return;
	json_object_foreach((json_t *)first, key, v)
		if (is_scalar(v) && n < TABLE_MAX_COLS)
			cols[n++] = key;
	if (n == 0)
		return;
	printf("\n%s:\n", title);
	json_array_foreach(arr, i, e) {
		struct str line = {0};

		for (unsigned c = 0; c < n; c++) {
			str_addf(&line, "  %s=", cols[c]);
			scalar_cell(&line, e, cols[c]);
		}
		printf("%s\n", str_get(&line));
		str_free(&line);
	}
}

void print_stats(const json_t *stats)
{
	const json_t *ports = json_object_get(stats, "Ports");
	const json_t *p, *nat = json_object_get(stats, "Nat");
	struct str drops = {0};
	struct table t;
	size_t i;

	table_init(&t, 6, "PORT", "RX-PACKETS", "TX-PACKETS", "RX-BYTES",
		   "TX-BYTES", "DROPS");
	t.right = 0x1e; /* the four counters */
	json_array_foreach(ports, i, p) {
		struct str c[5] = {0};

		scalar_cell(&c[0], p, "RxPackets");
		scalar_cell(&c[1], p, "TxPackets");
		scalar_cell(&c[2], p, "RxBytes");
		scalar_cell(&c[3], p, "TxBytes");
		nonzero_drops(&c[4], json_object_get(p, "Drops"));
		table_row(&t, get_str(p, "Name"), str_get(&c[0]), str_get(&c[1]),
			  str_get(&c[2]), str_get(&c[3]), str_get(&c[4]));
		for (int k = 0; k < 5; k++)
			str_free(&c[k]);
	}
	table_print(&t);

	nonzero_drops(&drops, json_object_get(stats, "Drops"));
	printf("\nDrops: %s\n", drops.len ? drops.s : "none");
	str_free(&drops);

	if (json_is_object(nat) && json_object_size(nat) > 0) {
		struct str line = {0};
		const char *key;
		const json_t *v;

		json_object_foreach((json_t *)nat, key, v) {
			if (!is_scalar(v))
				continue;
			str_addf(&line, "%s%s=", line.len ? ", " : "", key);
			add_value(&line, v);
		}
		if (line.len)
			printf("Nat: %s\n", line.s);
		str_free(&line);
	}
	if (json_is_array(json_object_get(stats, "Workers")))
		print_object_table("Workers", json_object_get(stats, "Workers"));
}

/* ---- port ACLs ---- */

/* "remote 10.0.0.0/8", "local-mac 02:00:00:00:00:01": the rule's one
 * address and its side. */
static void acl_address(struct str *b, const json_t *rule)
{
	static const char *const keys[][2] = {
		{"LocalIPAddress", "local"},
		{"RemoteIPAddress", "remote"},
		{"LocalMacAddress", "local-mac"},
		{"RemoteMacAddress", "remote-mac"},
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const json_t *v = json_object_get(rule, keys[i][0]);

		if (v) {
			str_addf(b, "%s ", keys[i][1]);
			add_value(b, v);
			return;
		}
	}
}

void print_port_acls(const json_t *rules)
{
	struct table t;
	const json_t *r;
	size_t i;

	table_init(&t, 6, "ID", "ACTION", "DIRECTION", "ADDRESS", "PACKETS", "BYTES");
	t.right = 0x31; /* ID and the counters */
	json_array_foreach(rules, i, r) {
		struct str addr = {0}, pk = {0}, by = {0};

		acl_address(&addr, r);
		scalar_cell(&pk, r, "Packets");
		scalar_cell(&by, r, "Bytes");
		table_row(&t, get_str(r, "Id"), get_str(r, "Action"),
			  get_str(r, "Direction"), str_get(&addr), str_get(&pk),
			  str_get(&by));
		str_free(&addr);
		str_free(&pk);
		str_free(&by);
	}
	table_print(&t);
}

/* "10.0.0.0/8:80-90", "ANY:443", "10.1.2.3", "ANY" */
static void ext_side(struct str *b, const json_t *rule, const char *ip_key,
		     const char *port_key)
{
	const json_t *ip = json_object_get(rule, ip_key);
	const json_t *port = json_object_get(rule, port_key);
	bool any_port = port == NULL || json_is_null(port) ||
			(json_is_string(port) &&
			 strcasecmp(json_string_value(port), "ANY") == 0);
	bool v6 = json_is_string(ip) && strchr(json_string_value(ip), ':');

	if (ip == NULL || json_is_null(ip))
		str_addf(b, "ANY");
	else if (v6 && !any_port) {
		str_addf(b, "[");
		add_value(b, ip);
		str_addf(b, "]");
	} else
		add_value(b, ip);
	if (!any_port) {
		str_addf(b, ":");
		add_value(b, port);
	}
}

void print_ext_acls(const json_t *rules)
{
	struct table t;
	const json_t *r;
	size_t i;

	table_init(&t, 10, "ID", "ACTION", "DIRECTION", "PROTOCOL", "LOCAL",
		   "REMOTE", "WEIGHT", "STATEFUL", "PACKETS", "BYTES");
	t.right = 0x341; /* ID, WEIGHT and the counters */
	json_array_foreach(rules, i, r) {
		struct str c[6] = {{0}};
		const json_t *idle = json_object_get(r, "IdleSessionTimeout");

		scalar_cell(&c[0], r, "Protocol");
		ext_side(&c[1], r, "LocalIPAddress", "LocalPort");
		ext_side(&c[2], r, "RemoteIPAddress", "RemotePort");
		scalar_cell(&c[3], r, "Weight");
		if (json_is_true(json_object_get(r, "Stateful"))) {
			str_addf(&c[4], "yes");
			if (json_is_integer(idle))
				str_addf(&c[4], " (%" JSON_INTEGER_FORMAT "s)",
					 json_integer_value(idle));
		} else {
			str_addf(&c[4], "no");
		}
		scalar_cell(&c[5], r, "Packets");
		{
			struct str by = {0};

			scalar_cell(&by, r, "Bytes");
			table_row(&t, get_str(r, "Id"), get_str(r, "Action"),
				  get_str(r, "Direction"),
				  c[0].len ? c[0].s : "ANY", str_get(&c[1]),
				  str_get(&c[2]), str_get(&c[3]), str_get(&c[4]),
				  str_get(&c[5]), str_get(&by));
			str_free(&by);
		}
		for (int k = 0; k < 6; k++)
			str_free(&c[k]);
	}
	table_print(&t);
}
