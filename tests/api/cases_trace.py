"""REST API cases for traces (run.py discovers them): POST /trace starts one
(400 naming a bad field, nothing started; 409 while one runs), GET /trace
shows it, DELETE /trace stops it (404 when none runs), and the file is a
pcapng with one interface per port. The main daemon's net_null ports
receive a stream of all-zero frames, so the traces here filter for UDP
(which those are not): the hops themselves are checked by the replay
cases (tests/replay/cases_trace.py)."""

import os

from client import hns_error, hns_ok

ORDER = 50  # on the main daemon, before the persistence cases restart it


def check(cond, why):
    if not cond:
        raise AssertionError(why)


def test_trace_bad_requests_are_400_naming_the_field(s):
    api = s.need_main()
    f = s.path("bad.pcapng")
    for body, field in (({"File": f, "Filter": "udp port banana"}, "Filter"),
                        ({"File": f, "Color": "red"}, "Color"),
                        ({"Filter": "udp"}, "File"),
                        ({"File": f, "SnapLength": 10}, "SnapLength"),
                        ({"File": f, "Ports": ["nope"]}, "Ports[0]")):
        err = hns_error(api.post("/trace", body), f"POST /trace {body}", 400)
        check(field in err, f"POST /trace {body}: the error does not name {field}: {err}")
    check(not os.path.exists(f), "a refused trace left a file")
    hns_error(api.get("/trace"), "GET /trace with none running", 404)
    hns_error(api.delete("/trace"), "DELETE /trace with none running", 404)


def test_trace_start_status_stop(s):
    api = s.need_main()
    f = s.path("api-trace.pcapng")
    out = hns_ok(api.post("/trace", {"File": f, "Filter": "udp", "SnapLength": 128,
                                     "Ports": ["p1"]}), "POST /trace", 201)
    check(out.get("File") == f and out.get("SnapLength") == 128,
          f"POST /trace Output: {out}")
    hns_error(api.post("/trace", {"File": s.path("second.pcapng")}),
              "a second POST /trace", 409)
    st = hns_ok(api.get("/trace"), "GET /trace")
    check(st.get("Filter") == "udp" and isinstance(st.get("RecordsDropped"), int),
          f"GET /trace: {st}")
    fin = hns_ok(api.delete("/trace"), "DELETE /trace")
    check(isinstance(fin.get("RecordsWritten"), int), f"DELETE /trace: {fin}")
    with open(f, "rb") as fh:
        data = fh.read()
    check(data[:4] == b"\x0a\x0d\x0d\x0a", "the trace is not pcapng (no Section Header Block)")
    for port in (b"p1", b"p2"):
        check(port in data, f"the trace has no interface named {port.decode()}")
    hns_error(api.delete("/trace"), "DELETE /trace after the stop", 404)
