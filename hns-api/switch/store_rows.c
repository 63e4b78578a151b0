/* Store rows as JSON (store_rows.h). */
#include "store_rows.h"

#include <stdio.h>

#include "store.h"

static int collect_row(void *arg, const char *id, const char *json_text)
{
	json_t *rows = arg, *row = json_pack("{s:s, s:s}", "id", id, "json", json_text);

	return row == NULL || json_array_append_new(rows, row) < 0 ? -1 : 0;
}

json_t *store_rows(struct hns_store *st, const char *kind, char *err, size_t errlen)
{
	json_t *rows = json_array();

	if (rows == NULL || store_load(st, kind, collect_row, rows) != 0) {
		snprintf(err, errlen, "loading %s: %s", kind,
			 rows == NULL ? "out of memory" : store_error(st));
		json_decref(rows);
		return NULL;
	}
	return rows;
}
