/* hnsctl lb ... (hnsctl_lb.c): HNS load balancers, /v2/loadbalancers.
 * Layer: hns-api/hnsctl/, hnsctl, the CLI (a REST client). */
#ifndef HVS_HNSCTL_LB_H
#define HVS_HNSCTL_LB_H

#include "hnsctl_cmd.h"

int cmd_lb(struct hnsctl *c, int argc, char **argv);

#endif
