/* The startup config (SPEC section 4, schema layer): the Switch and its Ports, parsed
 * strictly into plain structs the daemon applies. Parsing is all-or-nothing:
 * on any error the output is untouched and err holds one line naming the
 * JSON path.
 * Layer: hns-api/schema/, northbound, schema layer (JSON <-> C, parsers). */
#ifndef HVS_CONFIG_H
#define HVS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "port_config.h"

/* One port object (the "Ports" element syntax, every rule of the startup
 * config) for hot-plug through the API; path prefixes error paths ("" for
 * a request body). 0, or -1 with err and pc untouched. Conflicts with
 * other ports are the caller's to check. */
int config_parse_port(const json_t *port, const char *path,
		      struct port_config *pc, char *err, size_t errlen);

/* Drops what a successful parse holds beyond the struct itself (the
 * Networks/Endpoints JSON, every port's ACL arrays). Safe to call twice. */
void config_release(struct switch_config *cfg);
/* The same for one port of config_parse_port(). Safe to call twice. */
void config_port_release(struct port_config *pc);

int config_parse_file(const char *path, struct switch_config *cfg, char *err,
		      size_t errlen);
int config_parse_text(const char *text, struct switch_config *cfg, char *err,
		      size_t errlen);

#endif
