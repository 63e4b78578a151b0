#include "config_endpoints.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The HNS v1 endpoint list. */
static json_t *list_endpoints(struct hns *h)
{
	return hns_endpoint_list(h);
}

static bool names(const json_t *obj, const char *ref)
{
	const char *id = json_string_value(json_object_get(obj, "ID"));
	const char *name = json_string_value(json_object_get(obj, "Name"));

	return (id != NULL && strcasecmp(id, ref) == 0) ||
	       (name != NULL && strcmp(name, ref) == 0);
}

static const json_t *find(const json_t *list, const char *ref)
{
	size_t i;
	const json_t *ep;

	json_array_foreach(list, i, ep)
		if (names(ep, ref))
			return ep;
	return NULL;
}

int config_check_endpoints(struct hns *h, const struct switch_config *cfg,
			   char *err, size_t errlen)
{
	json_t *existing = list_endpoints(h);
	int rc = 0;

	for (uint16_t p = 0; p < cfg->nb_ports && rc == 0; p++) {
		const char *ref = cfg->ports[p].endpoint;

		if (ref[0] == '\0' || find(existing, ref) ||
		    (cfg->endpoints && find(cfg->endpoints, ref)))
			continue;
		snprintf(err, errlen, "Ports[%u].Endpoint: no endpoint '%s' (neither "
			 "in Endpoints nor in the state store)", p, ref);
		rc = -1;
	}
	json_decref(existing);
	return rc;
}

static int attach(struct hns *h, const json_t *ep, const char *port, bool host,
		  char *err, size_t errlen)
{
	const char *id = json_string_value(json_object_get(ep, "ID"));
	const char *nic = json_string_value(json_object_get(ep, "VirtualNicName"));

	if (nic != NULL && strcmp(nic, port) == 0)
		return 0; /* restored from the state store already */
	return hns_endpoint_attach(h, id, port, host, err, errlen);
}

int config_attach_endpoints(struct hns *h, const struct switch_config *cfg,
			    char *err, size_t errlen)
{
	json_t *list = list_endpoints(h);
	char msg[512];
	int rc = 0;

	for (uint16_t p = 0; p < cfg->nb_ports && rc == 0; p++) {
		const struct port_config *pc = &cfg->ports[p];
		const json_t *ep;

		if (pc->endpoint[0] == '\0')
			continue;
		ep = find(list, pc->endpoint);
		if (ep == NULL) {
			snprintf(err, errlen, "Ports[%u].Endpoint: no endpoint '%s'", p,
				 pc->endpoint);
			rc = -1;
		} else if (attach(h, ep, pc->name, pc->endpoint_host, msg, sizeof(msg)) < 0) {
			snprintf(err, errlen, "Ports[%u].Endpoint: %s", p, msg);
			rc = -1;
		}
	}
	json_decref(list);
	return rc;
}
