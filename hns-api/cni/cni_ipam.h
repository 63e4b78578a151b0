/* hvswitch-cni's delegation to an IPAM plugin (host-local, dhcp, ...):
 * found in CNI_PATH, run with our environment (CNI_COMMAND and all) and
 * the network config on its stdin, as the CNI spec's "delegation" says.
 * Layer: hns-api/cni/, hvswitch-cni, a CNI plugin (a REST client). */
#ifndef HVS_CNI_IPAM_H
#define HVS_CNI_IPAM_H

#include <stddef.h>

#include <jansson.h>

/* Runs plugin type with conf on stdin and CNI_COMMAND=command. 0 with
 * *result (ADD: the parsed result; else may be NULL), or -1 with the
 * plugin's own error message (its error JSON's msg) in err. */
int cni_ipam_exec(const char *type, const char *command, const char *conf,
		  json_t **result, char *err, size_t errlen);

#endif
