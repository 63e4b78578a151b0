/* The rows of one kind of the state store as JSON, for the switch models'
 * restore at start (ports, ACL rules, NATs and port proxies).
 * Layer: hns-api/switch/, northbound, switch-model layer (features beyond HNS). */
#ifndef HVS_STORE_ROWS_H
#define HVS_STORE_ROWS_H

#include <stddef.h>

#include <jansson.h>

struct hns_store;

/* [{"id": ..., "json": the stored text}, ...] in the store's order, a new
 * reference; NULL with err ("loading KIND: ...") when the store cannot be
 * read. */
json_t *store_rows(struct hns_store *st, const char *kind, char *err, size_t errlen);

#endif
