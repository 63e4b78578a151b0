/* hnsctl trace ... (hnsctl_trace.c): start, status, stop, show.
 * Layer: hns-api/hnsctl/, hnsctl, the CLI (a REST client). */
#ifndef HVS_HNSCTL_TRACE_H
#define HVS_HNSCTL_TRACE_H

#include "hnsctl_cmd.h"

int cmd_trace(struct hnsctl *c, int argc, char **argv);

#endif
