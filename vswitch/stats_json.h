/* The /stats document (SPEC section 6), also written by --stats-out:
 * {"Switch", "Ports": [{"Name", "RxPackets", "TxPackets", "RxBytes",
 * "TxBytes", "Drops": {reason: n}}], "Drops": {reason: n}, "Nat": {},
 * "MacTable": {...}, "Workers": [...]}. Drop reasons are spelled as in
 * drop_reason.h. */
#ifndef HVS_STATS_JSON_H
#define HVS_STATS_JSON_H

#include <jansson.h>

#include "switch.h"

json_t *stats_to_json(const struct vswitch *sw);
/* Writes atomically (temp file + rename). Returns 0 or -1 (errno). */
int stats_write_file(const struct vswitch *sw, const char *path);

#endif
