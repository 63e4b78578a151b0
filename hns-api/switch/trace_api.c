#include "trace_api.h"

#include <stdio.h>
#include <string.h>

#include "access_policy.h"
#include "envelope.h"
#include "json_util.h"
#include "port_hotplug.h"
#include "trace_ctl.h"

static int fail(json_t **resp, int status, const char *msg)
{
	*resp = envelope_error(msg);
	return status;
}

static json_t *status_json(const struct trace *t)
{
	const struct trace_options *o = trace_get_options(t);
	struct trace_counters c;

	trace_read_counters(t, &c);
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "File", o->file, "Filter", o->filter,
			 "SnapLength", (json_int_t)o->snaplen,
			 "MaxFileSizeMB", (json_int_t)o->max_file_mb,
			 "RecordsWritten", (json_int_t)c.records_written,
			 "RecordsDropped", (json_int_t)c.records_dropped,
			 "PacketsFiltered", (json_int_t)c.packets_filtered,
			 "FilesRotated", (json_int_t)c.files_rotated);
}

static int parse_ports(struct vswitch *sw, const json_t *req, uint64_t *mask,
		       struct json_err *e)
{
	const json_t *ports = NULL, *v;
	size_t i;
	char p[64];

	if (json_get_array(req, "", "Ports", false, &ports, e) < 0)
		return -1;
	json_array_foreach(ports, i, v) {
		int idx;

		json_path_index(p, sizeof(p), "Ports", i);
		if (!json_is_string(v))
			return json_fail(e, p, "must be a port name");
		idx = vswitch_port_find(sw, json_string_value(v));
		if (idx < 0)
			return json_fail(e, p, "no port '%s'", json_string_value(v));
		mask[idx / 64] |= UINT64_C(1) << (idx % 64);
	}
	return 0;
}

static int parse_request(struct vswitch *sw, const json_t *req,
			 struct trace_options *o, struct json_err *e)
{
	static const char *const fields[] = {"File", "Filter", "SnapLength",
					     "MaxFileSizeMB", "Ports", NULL};
	const char *file = NULL, *filter = NULL;
	uint64_t snap = 0, mb = 0;

	if (!json_is_object(req))
		return json_fail(e, "", "the body must be a JSON object");
	if (json_check_members(req, "", fields, e) < 0 ||
	    json_get_string(req, "", "File", true, &file, e) < 0 ||
	    json_get_string(req, "", "Filter", false, &filter, e) < 0 ||
	    json_get_uint(req, "", "SnapLength", false, 64, TRACE_MAX_SNAPLEN, &snap, e) < 0 ||
	    json_get_uint(req, "", "MaxFileSizeMB", false, 0, 1u << 20, &mb, e) < 0 ||
	    parse_ports(sw, req, o->port_mask, e) < 0)
		return -1;
	if (file[0] == '\0' || strlen(file) >= sizeof(o->file))
		return json_fail(e, "File", "must be a file name of 1-%zu characters",
				 sizeof(o->file) - 1);
	if (filter != NULL && strlen(filter) >= sizeof(o->filter))
		return json_fail(e, "Filter", "longer than %zu characters",
				 sizeof(o->filter) - 1);
	snprintf(o->file, sizeof(o->file), "%s", file);
	snprintf(o->filter, sizeof(o->filter), "%s", filter ? filter : "");
	o->snaplen = (uint32_t)snap;
	o->max_file_mb = (uint32_t)mb;
	return 0;
}

static int start(struct vswitch *sw, const struct access_policy *ap,
		 const char *body, size_t len, json_t **resp)
{
	struct trace_options o;
	char err[PATH_MAX + 512], where[PATH_MAX];
	struct json_err e = {err, sizeof(err)};
	json_error_t jerr;
	json_t *req;
	int rc;

	if (trace_ctl_running(sw) != NULL)
		return fail(resp, 409, "a trace is running already: DELETE /trace first");
	req = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		snprintf(err, sizeof(err), "malformed JSON: %s", jerr.text);
		return fail(resp, 400, err);
	}
	memset(&o, 0, sizeof(o));
	rc = parse_request(sw, req, &o, &e);
	json_decref(req);
	if (rc < 0)
		return fail(resp, 400, err);
	/* where the caller may write (access_policy.h) */
	rc = access_trace_file(ap, o.file, where, sizeof(where), err, sizeof(err));
	if (rc != 0)
		return fail(resp, rc, err);
	if (strlen(where) >= sizeof(o.file))
		return fail(resp, 403, "File: the resolved path is too long");
	snprintf(o.file, sizeof(o.file), "%s", where);
	o.no_follow = true;
	if (trace_ctl_start(sw, &o, err, sizeof(err)) < 0)
		return fail(resp, 400, err);
	*resp = envelope_ok(status_json(sw->trace));
	return 201;
}

int trace_api_handle(struct vswitch *sw, const struct access_policy *ap,
		     const char *method, const char *body, size_t body_len,
		     json_t **resp)
{
	struct trace_counters c;

	if (strcmp(method, "POST") == 0)
		return start(sw, ap, body, body_len, resp);
	if (strcmp(method, "GET") == 0) {
		if (trace_ctl_running(sw) == NULL)
			return fail(resp, 404, "no trace is running");
		*resp = envelope_ok(status_json(sw->trace));
		return 200;
	}
	if (strcmp(method, "DELETE") == 0) {
		json_t *out;

		if (trace_ctl_running(sw) == NULL)
			return fail(resp, 404, "no trace is running");
		out = status_json(sw->trace);
		trace_ctl_stop(sw, &c);
		json_object_set_new(out, "RecordsWritten", json_integer((json_int_t)c.records_written));
		*resp = envelope_ok(out);
		return 200;
	}
	return fail(resp, 405, "allowed: GET, POST, DELETE");
}
