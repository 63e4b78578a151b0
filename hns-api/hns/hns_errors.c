/* What HNS answers that clients branch on: the version that gates their
 * features (GET /globals/version) and, on a v2 failure, the HRESULT that
 * hcsshim's IsNotFoundError / IsElementNotFoundError / IsNotImplemented
 * inspect, as the "ErrorCode" real HCN puts next to "Error".
 *
 * Version 12.0 turns on exactly what this model serves: V2, RemoteSubnet,
 * HostRoute, DSR, Slash32 prefixes, VxlanPort, protocol-252 ACLs, IPv6
 * dual stack and session affinity (hcsshim hcnglobals.go). Anything newer
 * (ModifyLoadbalancer from 15.4/16.0) needs PUT /v2/loadbalancers/{id},
 * which does not exist yet: raise HNS_VERSION_MAJOR with it. */
#include "hns_internal.h"

#include <string.h>

#define HNS_VERSION_MAJOR 12
#define HNS_VERSION_MINOR 0

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
