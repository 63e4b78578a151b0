/* The /stats document (SPEC section 6), also written by --stats-out:
 * {"Switch", "Ports": [{"Name", "RxPackets", "TxPackets", "RxBytes",
 * "TxBytes", "Drops": {reason: n}}], "Drops": {reason: n}, "Nat": {"Sessions",
 * "Bindings", "SessionsCreated", "SessionsDeleted", "BindingsCreated",
 * "BindingsDeleted", "TranslatedOut", "TranslatedIn", "Drops": {reason: n},
 * "Nats": [{"Name", the same counters}]} (every NAT summed, then each),
 * "MacTable": {...}, "Workers": [...]}. Drop reasons are spelled as in
 * drop_reason.h.
 * Layer: hns-api/switch/, northbound, switch-model layer (features beyond HNS). */
#ifndef HVS_STATS_JSON_H
#define HVS_STATS_JSON_H

#include <stdio.h>

#include <jansson.h>

struct vswitch;

json_t *stats_to_json(const struct vswitch *sw);
/* The /metrics document: every counter of /stats as Prometheus text
 * (0.0.4), malloc'd in *text (length *len). 0, or -1 out of memory. */
int stats_metrics_text(const struct vswitch *sw, char **text, size_t *len);
/* The NAT counters as Prometheus text (0.0.4) for /metrics, one series
 * per NAT (label nat): hvswitch_nat_sessions, hvswitch_nat_bindings,
 * hvswitch_nat_{sessions,bindings}_{created,deleted}_total,
 * hvswitch_nat_translated_{out,in}_total, hvswitch_nat_drops_total{reason}. */
void stats_nat_metrics(const struct vswitch *sw, FILE *f);
/* A Prometheus label value, escaped (backslash, quote, newline). */
void metrics_put_label(FILE *f, const char *s);

/* Writes atomically (temp file + rename). Returns 0 or -1 (errno). */
int stats_write_file(const struct vswitch *sw, const char *path);
/* The same for a document already made (program_stats: the switch's and
 * the load balancers' counters); takes doc's reference, NULL fails. */
int stats_write_doc(json_t *doc, const char *path);

#endif
