/* hnsctl nat ... and hnsctl portproxy ... (hnsctl_nat.c): WinNAT objects,
 * static mappings, sessions, bindings and port proxies.
 * Layer: hns-api/hnsctl/, hnsctl, the CLI (a REST client). */
#ifndef HVS_HNSCTL_NAT_H
#define HVS_HNSCTL_NAT_H

#include "hnsctl_cmd.h"

int cmd_nat(struct hnsctl *c, int argc, char **argv);
int cmd_portproxy(struct hnsctl *c, int argc, char **argv);

#endif
