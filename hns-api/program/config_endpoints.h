/* A port's "Endpoint" in the startup config (SPEC 4): attach that HNS
 * endpoint (by name or ID) to the port, as POST /endpoints/{id}/attach
 * does. Checked before any config object is applied, attached after.
 * Layer: hns-api/program/, northbound, program layer (HNS -> switch). */
#ifndef HVS_CONFIG_ENDPOINTS_H
#define HVS_CONFIG_ENDPOINTS_H

#include <stddef.h>

#include "config.h"
#include "hns.h"

/* Every port's Endpoint names an endpoint that exists or that the config's
 * Endpoints create. 0, or -1 with err naming Ports[i].Endpoint. */
int config_check_endpoints(struct hns *h, const struct switch_config *cfg,
			   char *err, size_t errlen);

/* Attaches them (an endpoint already on its port is left alone). */
int config_attach_endpoints(struct hns *h, const struct switch_config *cfg,
			    char *err, size_t errlen);

#endif
