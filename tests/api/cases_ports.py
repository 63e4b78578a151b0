"""REST API cases for switch ports on the main daemon (run.py discovers
them): GET /ports and /ports/{name}, 404 for an unknown port, hot plug
(POST /ports, with its 400/409 refusals) and unplug (DELETE)."""

from client import hns_error
from common import check, wait_for

ORDER = 30


def test_ports_list_and_one_port(s):
    api = s.need_main()
    r = api.get("/ports")
    check(r.status == 200, f"GET /ports: HTTP {r.status}")
    ports = r.json()
    check(isinstance(ports, list) and [p["Name"] for p in ports] == ["p1", "p2"],
          f"GET /ports: {r.text[:200]}")
    p2 = ports[1]
    check(p2.get("Vlan") == {"OperationMode": "Access", "AccessVlanId": 10},
          f"p2 Vlan {p2.get('Vlan')!r}")
    check(p2.get("Devargs") == "net_null1", f"p2 Devargs {p2.get('Devargs')!r}")
    for key in ("Uplink", "RxPackets", "TxPackets", "RxBytes", "TxBytes", "Drops"):
        check(key in p2, f"p2 has no {key}")
    r = api.get("/ports/p1")
    check(r.status == 200, f"GET /ports/p1: HTTP {r.status}")
    p1 = r.json()
    check(p1.get("Name") == "p1" and p1.get("Uplink") is False and
          p1.get("Vlan") == {"OperationMode": "Untagged"}, f"p1: {r.text[:200]}")


def test_unknown_port_is_404(s):
    err = hns_error(s.need_main().get("/ports/nope"), "GET /ports/nope", 404)
    check("nope" in err, f"Error does not name the port: {err!r}")


def test_port_hot_plug_and_unplug(s):
    api = s.need_main()
    r = api.post("/ports", {"Name": "p3", "Devargs": "net_null7",
                            "Vlan": {"OperationMode": "Trunk",
                                     "AllowedVlanIdList": "10,20,100-199",
                                     "NativeVlanId": 5}})
    check(r.status == 200, f"POST /ports: {r}")
    port = r.json()
    check(port.get("Name") == "p3" and port.get("Devargs") == "net_null7" and
          port.get("Vlan") == {"OperationMode": "Trunk", "AllowedVlanIdList": "10,20,100-199",
                               "NativeVlanId": 5}, f"POST /ports answered {port!r}")
    names = [p["Name"] for p in api.get("/stats").json()["Ports"]]
    check(names == ["p1", "p2", "p3"], f"/stats ports after the add: {names}")
    # net_null delivers: the new port's RX queue is polled
    check(wait_for("p3 receiving", lambda: api.get("/ports/p3").json()["RxPackets"] > 0,
                   raises=False), "the new port is not polled")
    for body, status, needle in (({"Name": "p3", "Devargs": "net_null8"}, 409, "p3"),
                                 ({"Name": "p4", "Devargs": "net_null7"}, 409, "Devargs"),
                                 ({"Name": "p4", "Devargs": "net_null8", "Vlna": {}}, 400,
                                  "Vlna"),
                                 ({"Name": "bad name!", "Devargs": "net_null8"}, 400, "Name"),
                                 # a kind not on the hot-plug list (cases_access.py)
                                 ({"Name": "p4", "Devargs": "net_nosuchdriver0"}, 403,
                                  "net_nosuchdriver0"),
                                 # an allowed kind that cannot be probed
                                 ({"Name": "p4", "Devargs": "net_null8,nosuchkey=1"}, 400,
                                  "net_null8")):
        err = hns_error(api.post("/ports", body), f"POST /ports {body}", status)
        check(needle in err, f"POST /ports {body}: Error {err!r} lacks {needle!r}")
    r = api.delete("/ports/p3")
    check(r.status == 204, f"DELETE /ports/p3: {r}")
    hns_error(api.get("/ports/p3"), "GET of a removed port", 404)
    hns_error(api.delete("/ports/p3"), "DELETE of a removed port", 404)
    names = [p["Name"] for p in api.get("/stats").json()["Ports"]]
    check(names == ["p1", "p2"], f"/stats ports after the removal: {names}")
    # the device can be plugged again
    r = api.post("/ports", {"Name": "p3", "Devargs": "net_null7"})
    check(r.status == 200, f"POST /ports again: {r}")
    check(api.delete("/ports/p3").status == 204, "second DELETE /ports/p3")
