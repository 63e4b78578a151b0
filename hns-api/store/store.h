/* The state store: SQLite (WAL), one table of objects keyed by (kind, id)
 * holding each object's canonical JSON text. One transaction per mutating
 * API request, committed before the reply, so after a restart or a kill -9
 * every object is back exactly as acknowledged.
 * Layer: hns-api/store/, northbound, store layer (SQLite). */
#ifndef HVS_STORE_H
#define HVS_STORE_H

#include <stddef.h>

struct hns_store;

/* Opens or creates the database at path. NULL with err on failure. */
struct hns_store *store_open(const char *path, char *err, size_t errlen);
void store_close(struct hns_store *s);

/* A transaction around the puts/deletes of one request. */
int store_begin(struct hns_store *s);
int store_commit(struct hns_store *s);
void store_rollback(struct hns_store *s);

/* kind: "network", "endpoint", "namespace", "policylist", ... */
int store_put(struct hns_store *s, const char *kind, const char *id,
	      const char *json_text);
int store_delete(struct hns_store *s, const char *kind, const char *id);

/* Calls fn for every object of a kind, in insertion order. fn returning
 * non-zero stops the walk and is returned. */
typedef int (*store_load_fn)(void *arg, const char *id, const char *json_text);
int store_load(struct hns_store *s, const char *kind, store_load_fn fn, void *arg);

/* WAL checkpoints made off the request path (by the store's own thread)
 * since store_open. */
unsigned long store_checkpoints(const struct hns_store *s);

/* The last SQLite error message. */
const char *store_error(const struct hns_store *s);

#endif
