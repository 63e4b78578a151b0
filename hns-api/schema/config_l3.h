/* The L3 fields of a port object (config.c's parse_port): "IPAddresses",
 * "DefaultGateway", "MacAddress" and "Neighbors".
 * Layer: hns-api/schema/, northbound, schema layer (JSON <-> C, parsers). */
#ifndef HVS_CONFIG_L3_H
#define HVS_CONFIG_L3_H

#include <jansson.h>

#include "config.h"
#include "json_util.h"

/* 0, or -1 with e naming the field. */
int config_parse_port_l3(const json_t *port, const char *path,
			 struct port_config *pc, struct json_err *e);

#endif
