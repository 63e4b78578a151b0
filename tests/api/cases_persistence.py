"""REST API cases for the --state store of the main daemon (run.py
discovers them): networks, endpoints and attachments (one of them hot
plugged by its attach) survive kill -9 and a restart, IPAM hands out no
restored address or MAC again; then SIGTERM stops the main daemon (exit 0,
socket removed). They run after every case on the main daemon."""

import json
import os

from client import hns_ok
from common import check, make_network

ORDER = 60  # restarts the main daemon, then stops it


def snapshot(api, net_ids, ep_ids):
    snap = {}
    for nid in net_ids:
        snap[nid] = hns_ok(api.get(f"/networks/{nid}"), f"GET network {nid}")
    for eid in ep_ids:
        snap[eid] = hns_ok(api.get(f"/endpoints/{eid}"), f"GET endpoint {eid}")
    snap["port p1"] = api.get("/ports/p1").json().get("Endpoint")
    return snap


def diff(a, b):
    out = []
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            out.append(f"{key}: {json.dumps(a.get(key))[:160]} -> "
                       f"{json.dumps(b.get(key))[:160]}")
    return "; ".join(out)


def test_objects_survive_kill_9(s):
    api = s.need_main()
    net = make_network(api, "net-persist", "172.30.7.0/24", "172.30.7.1")
    eps = [hns_ok(api.post("/endpoints/", {"Name": f"ep-persist-{i}",
                                           "VirtualNetwork": net["ID"]}),
                  "POST /endpoints/") for i in range(3)]
    hns_ok(api.post(f"/endpoints/{eps[0]['ID']}/attach", {"VirtualNicName": "p1"}),
           "attach")
    # hot-plugged by the attach: the restart must plug it again
    hns_ok(api.post(f"/endpoints/{eps[1]['ID']}/attach",
                    {"VirtualNicName": "c8", "Devargs": "net_null8"}), "attach with Devargs")
    ep_ids = [e["ID"] for e in eps]
    before = snapshot(api, [net["ID"]], ep_ids)
    check(before["port p1"], "attach did not reach the port")
    before["port c8"] = api.get("/ports/c8").json().get("Endpoint")
    check(before["port c8"], "attach with Devargs did not reach the new port")
    s.stop_main(kill=True)
    s.start_main()
    after = snapshot(s.api, [net["ID"]], ep_ids)
    r = s.api.get("/ports/c8")
    after["port c8"] = r.json().get("Endpoint") if r.status == 200 else f"HTTP {r.status}"
    d = diff(before, after)
    check(not d, f"changed across kill -9 and restart: {d}")
    # the restored IPAM does not hand out a restored address again
    ep = hns_ok(s.api.post("/endpoints/", {"Name": "ep-persist-new",
                                           "VirtualNetwork": net["ID"]}), "POST /endpoints/")
    taken = {e.get("IPAddress") for e in after.values() if isinstance(e, dict)}
    check(ep.get("IPAddress") not in taken, f"IP {ep.get('IPAddress')} handed out twice")
    macs = {e.get("MacAddress") for e in after.values() if isinstance(e, dict)}
    check(ep.get("MacAddress") not in macs, f"MAC {ep.get('MacAddress')} handed out twice")


def test_sigterm_exits_0_and_removes_the_socket(s):
    s.need_main()
    rc = s.stop_main()
    check(rc == 0, f"exit code {rc} on SIGTERM")
    check(not os.path.exists(s.sock), "the socket file is still there")
