/* What HNS answers that clients branch on: the version that gates their
 * features (GET /globals/version) and, on a v2 failure, the HRESULT that
 * hcsshim's IsNotFoundError / IsElementNotFoundError / IsNotImplemented
 * inspect, as the "ErrorCode" real HCN puts next to "Error".
 *
 * Version 15.5 is the lowest that turns ModifyLoadbalancer on in both
 * copies of the feature table clients use: hcsshim hcnglobals.go (>= 15.4)
 * and hnslib, which kube-proxy imports (15.5-15.x or >= 16.0); it answers
 * with PUT /v2/loadbalancers/{id} (hns_lb_v2.c). 12.0, before load
 * balancers, turned on exactly V2, RemoteSubnet, HostRoute, DSR, Slash32
 * prefixes, VxlanPort, protocol-252 ACLs, IPv6 dual stack and session
 * affinity; 15.5 also turns on SetPolicy, L4Proxy, L4WfpProxy, TierAcl,
 * NetworkACL, NestedIpSet, DisableHostPort and Accelnet (no client in
 * ../shared/hns/CLIENTS.md is recorded branching on them). */
#include "hns_internal.h"

#include <string.h>

#define HNS_VERSION_MAJOR 15
#define HNS_VERSION_MINOR 5

/* HRESULTs (winerror.h) */
#define HR_ERROR_NOT_FOUND 0x80070490u      /* "Element not found." */
#define HR_ERROR_ALREADY_EXISTS 0x800700B7u
#define HR_PORT_ALREADY_EXISTS 0x803B0013u  /* HCN_E_PORT_ALREADY_EXISTS */
#define HR_E_NOTIMPL 0x80004001u
#define HR_E_INVALIDARG 0x80070057u
#define HR_E_ACCESSDENIED 0x80070005u
#define HR_E_FAIL 0x80004005u

int hns_globals_version(const char *method, json_t **resp)
{
	if (strcmp(method, "GET") != 0)
		return hns_reply_not_allowed(method, "/globals/version", resp);
	return hns_reply(resp, 200, NULL,
			 json_pack("{s:i,s:i}", "Major", HNS_VERSION_MAJOR,
				   "Minor", HNS_VERSION_MINOR));
}

uint32_t hns_hresult(int status, const char *error)
{
	switch (status) {
	case 404:
		return HR_ERROR_NOT_FOUND;
	case 409:
		return error && strstr(error, "port") && strstr(error, "already") ?
		       HR_PORT_ALREADY_EXISTS : HR_ERROR_ALREADY_EXISTS;
	case 400:
	case 413:
		return HR_E_INVALIDARG;
	case 405:
	case 501:
		return HR_E_NOTIMPL;
	case 403:
		return HR_E_ACCESSDENIED;
	default:
		return HR_E_FAIL;
	}
}

void hns_set_error_code(json_t *resp, int status)
{
	const char *error = json_string_value(json_object_get(resp, "Error"));

	if (json_is_object(resp))
		json_object_set_new(resp, "ErrorCode",
				    json_integer(hns_hresult(status, error)));
}
