"""REST API cases for WinNAT objects (run.py discovers them).

/nats, /nats/{name}/staticmappings, /sessions, /bindings and /portproxy
against a daemon of their own: an uplink "up" (net_null) with
IPAddresses 192.0.2.10/24, a container port "c1", and a config NAT
"cfgnat" (172.18.0.0/16) with one static mapping, started with --state.
Cases: the config NAT listed with WinNAT's defaults and the uplink's
address; create/get/list/delete through the API; 409 for a taken name;
400 naming the field (nothing applied); static mappings add/list/delete
with StaticMappingIDs; sessions and bindings are arrays (static mappings
are Configured bindings); port proxies (409 without a NAT, on a daemon
without Nats); the /stats "Nat" object and the /metrics series;
everything made through the API back after kill -9 with its ids; bad
Nats in the startup config exit 2 naming the field.
"""

import atexit
import json
import os

from client import Api, Daemon, hns_error, hns_ok, run_once

ORDER = 100  # a daemon of its own

UPLINK_IP = "192.0.2.10"
CFG_NAT = {"Name": "cfgnat", "InternalIPInterfaceAddressPrefix": "172.18.0.0/16",
           "StaticMappings": [{"Protocol": "TCP", "ExternalPort": 8080,
                               "InternalIPAddress": "172.18.0.5", "InternalPort": 80}]}
DEFAULTS = {"TcpEstablishedConnectionTimeout": 1800, "TcpTransientConnectionTimeout": 120,
            "UdpIdleSessionTimeout": 120, "IcmpQueryTimeout": 30,
            "TcpFilteringBehavior": "AddressDependentFiltering",
            "UdpFilteringBehavior": "AddressDependentFiltering",
            "UdpInboundRefresh": False, "MaxSessions": 65536,
            "ExternalPortRange": "1024-65535"}
NAT_COUNTERS = ("Sessions", "Bindings", "SessionsCreated", "SessionsDeleted",
                "BindingsCreated", "BindingsDeleted", "TranslatedOut", "TranslatedIn")
NAT_DROPS = ("NAT filtered", "NAT session table full", "NAT port exhausted")


def check(cond, why):
    if not cond:
        raise AssertionError(why)


def nat_config(extra_nats=()):
    return {"Switch": {"Name": "natsw"},
            "Ports": [{"Name": "up", "Devargs": "net_null70,no-rx=1", "Uplink": True,
                       "IPAddresses": [f"{UPLINK_IP}/24"], "DefaultGateway": "192.0.2.1"},
                      {"Name": "c1", "Devargs": "net_null71,no-rx=1"}],
            "Nats": [CFG_NAT] + list(extra_nats)}


class NatDaemon:
    daemon = None
    api = None
    runs = 0


def _stop(kill=False):
    if NatDaemon.api is not None:
        NatDaemon.api.close()
        NatDaemon.api = None
    rc = None
    if NatDaemon.daemon is not None:
        rc = NatDaemon.daemon.kill9() if kill else NatDaemon.daemon.stop()
        NatDaemon.daemon = None
    return rc


atexit.register(_stop)


def _start(s, state=True):
    NatDaemon.runs += 1
    sock = s.path("nat.sock")
    args = ["--api", f"unix:{sock}"] + (["--state", s.path("nat.db")] if state else [])
    d = Daemon(s.vswitchd, s.w, f"nat{NatDaemon.runs}")
    NatDaemon.daemon = d.start(nat_config(), args, wait_unix=sock)
    NatDaemon.api = Api(unix_path=sock)
    return NatDaemon.api


def nat_api(s):
    """The NAT daemon's client, started on first use."""
    d = NatDaemon.daemon
    if d is not None and d.proc is not None and d.proc.poll() is None:
        return NatDaemon.api
    if d is not None:
        raise AssertionError("the NAT daemon died: " + d.log_tail())
    return _start(s)


def nats(api):
    return hns_ok(api.get("/nats"), "GET /nats")


def by_name(nat_list):
    return {n["Name"]: n for n in nat_list}


def _stored(s, kind):
    import sqlite3
    db = sqlite3.connect(s.path("nat.db"))
    try:
        return {i: json.loads(j) for i, j in
                db.execute("SELECT id, json FROM objects WHERE kind = ?", (kind,))}
    finally:
        db.close()


# ---------------------------------------------------------------- cases

def test_nat_config_nat_is_listed_with_defaults(s):
    api = nat_api(s)
    got = by_name(nats(api))
    check("cfgnat" in got, f"cfgnat not listed: {sorted(got)}")
    n = got["cfgnat"]
    for key, value in DEFAULTS.items():
        check(n.get(key) == value, f"cfgnat {key} = {n.get(key)!r}, want {value!r}")
    check(n.get("InternalIPInterfaceAddressPrefix") == "172.18.0.0/16", f"prefix {n!r}")
    check(n.get("ExternalIPAddress") == UPLINK_IP, f"ExternalIPAddress {n.get('ExternalIPAddress')!r}"
          " (the uplink's address)")
    check(n.get("GatewayAddress") == "172.18.0.1", f"GatewayAddress {n.get('GatewayAddress')!r}")
    check(isinstance(n.get("CompartmentId"), int) and n["CompartmentId"] >= 1,
          f"CompartmentId {n.get('CompartmentId')!r}")
    check(n.get("Active") is True, f"Active {n.get('Active')!r}")
    maps = n.get("StaticMappings")
    check(isinstance(maps, list) and len(maps) == 1, f"StaticMappings {maps!r}")
    m = maps[0]
    check(m.get("StaticMappingID") == 1 and m.get("NatName") == "cfgnat" and
          m.get("Protocol") == "TCP" and m.get("ExternalIPAddress") == UPLINK_IP and
          m.get("ExternalPort") == 8080 and m.get("InternalIPAddress") == "172.18.0.5" and
          m.get("InternalPort") == 80, f"mapping {m!r}")
    one = hns_ok(api.get("/nats/cfgnat"), "GET /nats/cfgnat")
    check(one == n, f"GET /nats/cfgnat differs from the list: {one!r}")


def test_nat_create_get_list_delete(s):
    api = nat_api(s)
    body = {"Name": "apinat", "InternalIPInterfaceAddressPrefix": "10.50.0.0/24",
            "ExternalIPAddress": "192.0.2.20", "UdpIdleSessionTimeout": 60,
            "UdpFilteringBehavior": "EndpointIndependentFiltering",
            "ExternalPortRange": "20000-29999", "MaxSessions": 1000}
    out = hns_ok(api.post("/nats", body), "POST /nats", 201)
    for key, value in body.items():
        check(out.get(key) == value, f"created {key} = {out.get(key)!r}, want {value!r}")
    check(out.get("GatewayAddress") == "10.50.0.1" and out.get("StaticMappings") == [] and
          out.get("Active") is True, f"created {out!r}")
    got = by_name(nats(api))
    check(sorted(got) == ["apinat", "cfgnat"], f"listed {sorted(got)}")
    check(got["apinat"]["CompartmentId"] != got["cfgnat"]["CompartmentId"],
          "two NATs share a CompartmentId")
    check(hns_ok(api.get("/nats/apinat"), "GET /nats/apinat") == out, "GET differs from POST")
    check(hns_ok(api.get("/nats/apinat/"), "GET /nats/apinat/")["Name"] == "apinat",
          "a trailing slash is not the same path")
    gone = hns_ok(api.delete("/nats/apinat"), "DELETE /nats/apinat")
    check(gone.get("Name") == "apinat", f"DELETE Output {gone!r}")
    err = hns_error(api.get("/nats/apinat"), "GET a deleted NAT", 404)
    check("apinat" in err, f"Error {err!r}")
    hns_error(api.delete("/nats/apinat"), "DELETE a deleted NAT", 404)
    check(sorted(by_name(nats(api))) == ["cfgnat"], "apinat still listed")


def test_nat_duplicate_name_is_409(s):
    api = nat_api(s)
    body = {"Name": "dup", "InternalIPInterfaceAddressPrefix": "10.51.0.0/24"}
    hns_ok(api.post("/nats", body), "POST dup", 201)
    err = hns_error(api.post("/nats", dict(body, InternalIPInterfaceAddressPrefix="10.52.0.0/24")),
                    "POST dup again", 409)
    check("Name" in err and "dup" in err, f"Error {err!r}")
    err = hns_error(api.post("/nats", {"Name": "cfgnat",
                                       "InternalIPInterfaceAddressPrefix": "10.53.0.0/24"}),
                    "POST the config NAT's name", 409)
    check("cfgnat" in err, f"Error {err!r}")
    hns_ok(api.delete("/nats/dup"), "DELETE dup")


BAD_NATS = [
    ({"InternalIPInterfaceAddressPrefix": "10.60.0.0/24"}, "Name"),
    ({"Name": "bad name", "InternalIPInterfaceAddressPrefix": "10.60.0.0/24"}, "Name"),
    ({"Name": "b1"}, "InternalIPInterfaceAddressPrefix"),
    ({"Name": "b1", "InternalIPInterfaceAddressPrefix": "10.60.0.1/24"},
     "InternalIPInterfaceAddressPrefix"),
    ({"Name": "b1", "InternalIPInterfaceAddressPrefix": "fd00::/64"},
     "InternalIPInterfaceAddressPrefix"),
    ({"Name": "b1", "InternalIPInterfaceAddressPrefix": "10.60.0.0/24",
      "ExternalIPAddress": "192.0.2"}, "ExternalIPAddress"),
    ({"Name": "b1", "InternalIPInterfaceAddressPrefix": "10.60.0.0/24",
      "GatewayAddress": "10.61.0.1"}, "GatewayAddress"),
    ({"Name": "b1", "InternalIPInterfaceAddressPrefix": "10.60.0.0/24",
      "TcpEstablishedConnectionTimeout": 0}, "TcpEstablishedConnectionTimeout"),
    ({"Name": "b1", "InternalIPInterfaceAddressPrefix": "10.60.0.0/24",
      "IcmpQueryTimeout": 86401}, "IcmpQueryTimeout"),
    ({"Name": "b1", "InternalIPInterfaceAddressPrefix": "10.60.0.0/24",
      "TcpFilteringBehavior": "Open"}, "TcpFilteringBehavior"),
    ({"Name": "b1", "InternalIPInterfaceAddressPrefix": "10.60.0.0/24",
      "UdpInboundRefresh": "yes"}, "UdpInboundRefresh"),
    ({"Name": "b1", "InternalIPInterfaceAddressPrefix": "10.60.0.0/24",
      "MaxSessions": 16000001}, "MaxSessions"),
    ({"Name": "b1", "InternalIPInterfaceAddressPrefix": "10.60.0.0/24",
      "ExternalPortRange": "3000-2000"}, "ExternalPortRange"),
    ({"Name": "b1", "InternalIPInterfaceAddressPrefix": "10.60.0.0/24",
      "Nmae": "typo"}, "Nmae"),
    ({"Name": "b1", "InternalIPInterfaceAddressPrefix": "10.60.0.0/24",
      "StaticMappings": [{"Protocol": "TCP", "ExternalPort": 1, "InternalIPAddress": "10.60.0.2",
                          "InternalPort": 1},
                         {"Protocol": "ICMP", "ExternalPort": 2,
                          "InternalIPAddress": "10.60.0.2", "InternalPort": 2}]},
     "StaticMappings[1].Protocol"),
]


def test_nat_bad_fields_are_400_naming_the_field_and_apply_nothing(s):
    api = nat_api(s)
    before = nats(api)
    for body, field in BAD_NATS:
        err = hns_error(api.post("/nats", body), f"POST /nats {body}", 400)
        check(err.startswith(field + ":") or f"{field}:" in err,
              f"POST {body}: Error {err!r} does not name {field}")
    err = hns_error(api.request("POST", "/nats", b'{"Name": ',
                                {"Content-Type": "application/json"}), "malformed JSON", 400)
    check("line 1" in err, f"Error {err!r}")
    hns_error(api.post("/nats", [1, 2]), "an array body", 400)
    check(nats(api) == before, "a refused POST changed the NATs")


def test_nat_static_mappings_add_list_delete(s):
    api = nat_api(s)
    hns_ok(api.post("/nats", {"Name": "mapnat", "InternalIPInterfaceAddressPrefix": "10.70.0.0/24",
                              "ExternalIPAddress": "192.0.2.30"}), "POST mapnat", 201)
    m1 = hns_ok(api.post("/nats/mapnat/staticmappings",
                         {"Protocol": "TCP", "ExternalPort": 8443,
                          "InternalIPAddress": "10.70.0.5", "InternalPort": 443}),
                "POST mapping 1", 201)
    check(m1.get("StaticMappingID") == 1 and m1.get("NatName") == "mapnat" and
          m1.get("ExternalIPAddress") == "192.0.2.30", f"mapping 1 {m1!r}")
    m2 = hns_ok(api.post("/nats/mapnat/staticmappings",
                         {"Protocol": "UDP", "ExternalPort": 5353, "NatName": "mapnat",
                          "InternalIPAddress": "10.70.0.6", "InternalPort": 53}),
                "POST mapping 2", 201)
    check(m2.get("StaticMappingID") == 2, f"mapping 2 {m2!r}")
    err = hns_error(api.post("/nats/mapnat/staticmappings",
                             {"Protocol": "TCP", "ExternalPort": 8443,
                              "InternalIPAddress": "10.70.0.7", "InternalPort": 1}),
                    "a mapped external port", 409)
    check("ExternalPort" in err, f"Error {err!r}")
    for body, field in [
            ({"Protocol": "SCTP", "ExternalPort": 1, "InternalIPAddress": "10.70.0.7",
              "InternalPort": 1}, "Protocol"),
            ({"Protocol": "TCP", "ExternalPort": 70000, "InternalIPAddress": "10.70.0.7",
              "InternalPort": 1}, "ExternalPort"),
            ({"Protocol": "TCP", "ExternalPort": 1, "InternalIPAddress": "10.70.0",
              "InternalPort": 1}, "InternalIPAddress"),
            ({"Protocol": "TCP", "ExternalPort": 1, "InternalIPAddress": "10.70.0.7"},
             "InternalPort"),
            ({"Protocol": "TCP", "ExternalPort": 1, "InternalIPAddress": "10.70.0.7",
              "InternalPort": 1, "NatName": "other"}, "NatName")]:
        err = hns_error(api.post("/nats/mapnat/staticmappings", body), f"POST {body}", 400)
        check(err.startswith(field + ":"), f"Error {err!r} does not name {field}")
    got = hns_ok(api.get("/nats/mapnat/staticmappings"), "GET staticmappings")
    check([m["StaticMappingID"] for m in got] == [1, 2], f"mappings {got!r}")
    check(hns_ok(api.get("/nats/mapnat"), "GET mapnat")["StaticMappings"] == got,
          "the NAT's StaticMappings differ from /staticmappings")
    binds = hns_ok(api.get("/nats/mapnat/bindings"), "GET bindings")
    ext = {b.get("ExternalTransportAddress"): b for b in binds}
    check("192.0.2.30:8443" in ext and ext["192.0.2.30:8443"].get("Configured") is True and
          ext["192.0.2.30:8443"].get("InternalTransportAddress") == "10.70.0.5:443",
          f"bindings {binds!r}")
    gone = hns_ok(api.delete("/nats/mapnat/staticmappings/1"), "DELETE mapping 1")
    check(gone.get("StaticMappingID") == 1, f"DELETE Output {gone!r}")
    hns_error(api.delete("/nats/mapnat/staticmappings/1"), "DELETE mapping 1 again", 404)
    hns_error(api.delete("/nats/mapnat/staticmappings/x"), "DELETE mapping x", 404)
    m3 = hns_ok(api.post("/nats/mapnat/staticmappings",
                         {"Protocol": "TCP", "ExternalPort": 8443,
                          "InternalIPAddress": "10.70.0.8", "InternalPort": 443}),
                "POST after the delete", 201)
    check(m3.get("StaticMappingID") == 3, f"ids are not reused: {m3!r}")
    hns_error(api.get("/nats/nosuch/staticmappings"), "mappings of an unknown NAT", 404)
    hns_ok(api.delete("/nats/mapnat"), "DELETE mapnat")


def test_nat_sessions_and_bindings_are_arrays(s):
    api = nat_api(s)
    for path in ("/nats/cfgnat/sessions", "/nats/cfgnat/sessions?limit=1",
                 "/nats/cfgnat/bindings"):
        out = hns_ok(api.get(path), f"GET {path}")
        check(isinstance(out, list), f"GET {path}: Output {out!r}")
    binds = hns_ok(api.get("/nats/cfgnat/bindings"), "GET bindings")
    check(any(b.get("Configured") is True and
              b.get("ExternalTransportAddress") == f"{UPLINK_IP}:8080" for b in binds),
          f"the config mapping is no Configured binding: {binds!r}")
    for b in binds:
        for key in ("Protocol", "InternalTransportAddress", "ExternalTransportAddress",
                    "CompartmentId", "SessionCount", "Configured"):
            check(key in b, f"binding without {key}: {b!r}")
    hns_error(api.get("/nats/cfgnat/sessions?limit=x"), "a bad limit", 400)
    hns_error(api.get("/nats/nosuch/sessions"), "sessions of an unknown NAT", 404)
    hns_error(api.get("/nats/nosuch/bindings"), "bindings of an unknown NAT", 404)
    hns_error(api.get("/nats/cfgnat/nosuch"), "an unknown NAT path", 404)


def test_nat_wrong_methods_are_405(s):
    api = nat_api(s)
    for method, path in [("PUT", "/nats"), ("POST", "/nats/cfgnat"),
                         ("DELETE", "/nats/cfgnat/staticmappings"),
                         ("POST", "/nats/cfgnat/sessions"), ("DELETE", "/portproxy"),
                         ("GET", "/portproxy/192.0.2.10/80")]:
        r = api.request(method, path, b"{}" if method in ("PUT", "POST") else None)
        hns_error(r, f"{method} {path}", 405)


def test_portproxy_needs_a_nat(s):
    sock = s.path("nonat.sock")
    d = Daemon(s.vswitchd, s.w, "nonat").start(
        {"Ports": [{"Name": "p", "Devargs": "net_null73,no-rx=1"}]},
        ["--api", f"unix:{sock}"], wait_unix=sock)
    api = Api(unix_path=sock)
    try:
        check(hns_ok(api.get("/nats"), "GET /nats") == [], "a daemon without Nats has NATs")
        err = hns_error(api.post("/portproxy", {"ListenAddress": "192.0.2.10", "ListenPort": 8000,
                                                "ConnectAddress": "10.0.0.5", "ConnectPort": 80}),
                        "a port proxy without a NAT", 409)
        check("needs a NAT" in err, f"Error {err!r}")
        check(hns_ok(api.get("/portproxy"), "GET /portproxy") == [], "a refused proxy is listed")
        # a NAT without ExternalIPAddress needs an uplink address: 400 naming it
        err = hns_error(api.post("/nats", {"Name": "n",
                                           "InternalIPInterfaceAddressPrefix": "10.0.0.0/24"}),
                        "a NAT with no address to take", 400)
        check(err.startswith("ExternalIPAddress:"), f"Error {err!r}")
    finally:
        api.close()
        rc = d.stop()
    check(rc == 0, f"exit code {rc} on SIGTERM")


def test_portproxy_add_list_delete(s):
    api = nat_api(s)
    hns_ok(api.post("/nats", {"Name": "pxnat", "InternalIPInterfaceAddressPrefix": "10.80.0.0/24"}),
           "POST pxnat", 201)
    p1 = {"ListenAddress": UPLINK_IP, "ListenPort": 9001, "ConnectAddress": "10.80.0.5",
          "ConnectPort": 80}
    p2 = {"ListenAddress": UPLINK_IP, "ListenPort": 9002, "ConnectAddress": "198.51.100.7",
          "ConnectPort": 443}
    out = hns_ok(api.post("/portproxy", p1), "POST proxy 1", 201)
    check(out == dict(p1, NatName="pxnat"), f"proxy 1 {out!r} (its NAT holds 10.80.0.5)")
    out = hns_ok(api.post("/portproxy", p2), "POST proxy 2", 201)
    check(out == dict(p2, NatName="cfgnat"), f"proxy 2 {out!r} (no NAT holds it: the first)")
    err = hns_error(api.post("/portproxy", dict(p1, ConnectPort=81)), "a taken listen port", 409)
    check("ListenPort" in err, f"Error {err!r}")
    for body, field in [(dict(p1, ListenAddress="x"), "ListenAddress"),
                        (dict(p1, ListenPort=0), "ListenPort"),
                        ({k: v for k, v in p1.items() if k != "ConnectAddress"}, "ConnectAddress"),
                        (dict(p1, ConnectPort="80"), "ConnectPort"),
                        (dict(p1, Protocol="UDP"), "Protocol")]:
        err = hns_error(api.post("/portproxy", body), f"POST {body}", 400)
        check(err.startswith(field + ":"), f"Error {err!r} does not name {field}")
    got = hns_ok(api.get("/portproxy"), "GET /portproxy")
    check([(p["ListenPort"], p["NatName"]) for p in got] == [(9001, "pxnat"), (9002, "cfgnat")],
          f"proxies {got!r}")
    gone = hns_ok(api.delete(f"/portproxy/{UPLINK_IP}/9002"), "DELETE proxy 2")
    check(gone.get("ListenPort") == 9002, f"DELETE Output {gone!r}")
    hns_error(api.delete(f"/portproxy/{UPLINK_IP}/9002"), "DELETE proxy 2 again", 404)
    hns_error(api.delete("/portproxy/nonsense"), "DELETE a bad proxy path", 404)
    # its NAT goes: the proxy moves to the first NAT left
    hns_ok(api.delete("/nats/pxnat"), "DELETE pxnat")
    got = hns_ok(api.get("/portproxy"), "GET /portproxy after DELETE pxnat")
    check([(p["ListenPort"], p["NatName"]) for p in got] == [(9001, "cfgnat")],
          f"proxies after their NAT went {got!r}")
    hns_ok(api.delete(f"/portproxy/{UPLINK_IP}/9001"), "DELETE proxy 1")


def test_nat_stats_and_metrics(s):
    api = nat_api(s)
    doc = api.get("/stats").json()
    nat = doc.get("Nat")
    check(isinstance(nat, dict), f"/stats Nat {nat!r}")
    for key in NAT_COUNTERS:
        check(isinstance(nat.get(key), int), f"/stats Nat.{key} = {nat.get(key)!r}")
    for reason in NAT_DROPS:
        check(isinstance(nat.get("Drops", {}).get(reason), int),
              f"/stats Nat.Drops lacks {reason!r}: {nat.get('Drops')!r}")
    per = {n.get("Name"): n for n in nat.get("Nats", [])}
    check("cfgnat" in per, f"/stats Nat.Nats {nat.get('Nats')!r}")
    check(per["cfgnat"]["Bindings"] >= 1, f"cfgnat's static mapping is no binding: {per!r}")
    check(nat["Bindings"] == sum(n["Bindings"] for n in per.values()),
          "Nat.Bindings is not the sum of the NATs'")
    text = api.get("/metrics").text
    for line in ('hvswitch_nat_sessions{nat="cfgnat"} ', 'hvswitch_nat_bindings{nat="cfgnat"} ',
                 'hvswitch_nat_drops_total{nat="cfgnat",reason="NAT filtered"} ',
                 "# TYPE hvswitch_nat_sessions gauge"):
        check(line in text, f"/metrics has no {line!r}")


def _view(api):
    return {"nats": nats(api), "portproxy": hns_ok(api.get("/portproxy"), "GET /portproxy")}


def test_nat_persist_across_kill_9(s):
    api = nat_api(s)
    hns_ok(api.post("/nats", {"Name": "keep", "InternalIPInterfaceAddressPrefix": "10.90.0.0/24",
                              "ExternalIPAddress": "192.0.2.40", "IcmpQueryTimeout": 10,
                              "StaticMappings": [{"Protocol": "UDP", "ExternalPort": 1000,
                                                  "InternalIPAddress": "10.90.0.2",
                                                  "InternalPort": 1000}]}),
           "POST keep", 201)
    hns_ok(api.post("/nats/keep/staticmappings", {"Protocol": "TCP", "ExternalPort": 2000,
                                                   "InternalIPAddress": "10.90.0.3",
                                                   "InternalPort": 22}), "POST keep mapping", 201)
    hns_ok(api.delete("/nats/keep/staticmappings/1"), "DELETE keep mapping 1")
    cfg_map = hns_ok(api.post("/nats/cfgnat/staticmappings",
                              {"Protocol": "TCP", "ExternalPort": 2222,
                               "InternalIPAddress": "172.18.0.9", "InternalPort": 22}),
                     "POST cfgnat mapping", 201)
    hns_ok(api.post("/portproxy", {"ListenAddress": UPLINK_IP, "ListenPort": 9100,
                                   "ConnectAddress": "10.90.0.3", "ConnectPort": 80}),
           "POST proxy", 201)
    stored = _stored(s, "nats")
    check(sorted(stored) == ["cfgnat", "keep"], f"stored NAT rows {sorted(stored)}")
    check("Nat" not in stored["cfgnat"] and
          [m["StaticMappingID"] for m in stored["cfgnat"]["StaticMappings"]] ==
          [cfg_map["StaticMappingID"]],
          f"the config NAT's row must hold only its API mappings: {stored['cfgnat']!r}")
    check(stored["keep"]["Nat"]["Name"] == "keep" and
          [m["StaticMappingID"] for m in stored["keep"]["StaticMappings"]] == [2],
          f"keep's row {stored['keep']!r}")
    check(f"{UPLINK_IP}:9100" in _stored(s, "portproxy"), "the proxy is not stored")
    before = _view(api)
    _stop(kill=True)
    api = _start(s)
    after = _view(api)
    check(after == before, f"changed across kill -9: {before!r} -> {after!r}")
    # ids continue above the stored ones
    m = hns_ok(api.post("/nats/keep/staticmappings", {"Protocol": "TCP", "ExternalPort": 2001,
                                                       "InternalIPAddress": "10.90.0.3",
                                                       "InternalPort": 23}),
               "POST keep mapping after restart", 201)
    check(m["StaticMappingID"] == 3, f"id after restart {m['StaticMappingID']}")
    # deletions are stored too
    hns_ok(api.delete("/nats/keep"), "DELETE keep")
    hns_ok(api.delete(f"/nats/cfgnat/staticmappings/{cfg_map['StaticMappingID']}"),
           "DELETE cfgnat mapping")
    hns_ok(api.delete(f"/portproxy/{UPLINK_IP}/9100"), "DELETE proxy")
    check(_stored(s, "nats") == {} and _stored(s, "portproxy") == {},
          f"rows left: {_stored(s, 'nats')!r} {_stored(s, 'portproxy')!r}")
    _stop(kill=True)
    api = _start(s)
    got = by_name(nats(api))
    check(sorted(got) == ["cfgnat"] and len(got["cfgnat"]["StaticMappings"]) == 1,
          f"after deletes and restart: {got!r}")
    check(hns_ok(api.get("/portproxy"), "GET /portproxy") == [], "the deleted proxy is back")


def test_hns_nat_network_has_its_nat_from_creation_to_deletion(s):
    """A network of Type NAT has its NAT (named after it, prefix and
    gateway from its subnet) as soon as it is created, as Get-NetNat shows
    after New-HnsNetwork; the NAT stays while endpoints attach and detach,
    comes back with the network after kill -9, and goes with the network.
    It is derived from the network, so it is not stored as a NAT row."""
    api = nat_api(s)
    net = hns_ok(api.post("/networks/", {"Name": "natnet", "Type": "NAT", "Subnets": [
        {"AddressPrefix": "172.30.0.0/16", "GatewayAddress": "172.30.0.1"}]}), "POST network")
    got = by_name(nats(api)).get("natnet")
    check(got is not None, "no NAT for the new NAT network")
    check(got["InternalIPInterfaceAddressPrefix"] == "172.30.0.0/16",
          f"the network NAT's prefix: {got!r}")
    check("natnet" not in _stored(s, "nats"), "the network's NAT must not be a stored NAT row")
    ep = hns_ok(api.post("/endpoints/", {"Name": "natnet-ep", "VirtualNetwork": net["ID"],
                                         "IPAddress": "172.30.0.5"}), "POST endpoint")
    hns_ok(api.post(f"/endpoints/{ep['ID']}/attach", {"VirtualNicName": "c1"}), "attach")
    check("natnet" in by_name(nats(api)), "the NAT went on attach")
    hns_ok(api.post(f"/endpoints/{ep['ID']}/detach", {}), "detach")
    check("natnet" in by_name(nats(api)), "the NAT went with the last detach")
    _stop(kill=True)
    api = _start(s)
    got = by_name(nats(api)).get("natnet")
    check(got is not None and got["InternalIPInterfaceAddressPrefix"] == "172.30.0.0/16",
          f"the network's NAT after kill -9: {got!r}")
    hns_ok(api.delete(f"/endpoints/{ep['ID']}"), "DELETE endpoint")
    hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE network")
    check("natnet" not in by_name(nats(api)), "the NAT outlived its network")


def test_nat_daemon_exits_0(s):
    nat_api(s)
    rc = _stop()
    check(rc == 0, f"exit code {rc} on SIGTERM")


def test_bad_nat_in_startup_config_exits_2_naming_the_field(s):
    cases = [
        (nat_config([{"Name": "n2", "InternalIPInterfaceAddressPrefix": "172.19.0.1/16"}]),
         "Nats[1].InternalIPInterfaceAddressPrefix"),
        (nat_config([{"Name": "cfgnat", "InternalIPInterfaceAddressPrefix": "172.19.0.0/16"}]),
         "Nats[1].Name"),
        ({"Ports": [{"Name": "up", "Devargs": "net_null72,no-rx=1", "Uplink": True}],
          "Nats": [CFG_NAT]}, "Nats[0].ExternalIPAddress"),
        ({"Ports": [{"Name": "up", "Devargs": "net_null72,no-rx=1", "Uplink": True,
                     "IPAddresses": ["2001:db8::1/64"]}]}, "Ports[0].IPAddresses[0]"),
        ({"Ports": [{"Name": "up", "Devargs": "net_null72,no-rx=1", "Uplink": True,
                     "IPAddresses": ["192.0.2.10/24"], "DefaultGateway": "198.51.100.1"}]},
         "Ports[0].DefaultGateway"),
    ]
    for i, (cfg, field) in enumerate(cases):
        sock = s.path(f"badnat{i}.sock")
        rc, err = run_once(s.vswitchd, s.w, f"badnat{i}", cfg, ["--api", f"unix:{sock}"],
                           timeout=15)
        lines = [ln for ln in err.splitlines() if ln.strip()]
        check(rc == 2, f"case {i}: exit code {rc}: {lines[-1:]}")
        check(any(field in ln for ln in lines), f"case {i}: stderr does not name {field}: {lines!r}")
        check(not os.path.exists(sock), f"case {i}: the socket was left behind")


def test_startup_config_nats_are_all_or_nothing(s):
    # both parse, the second cannot be added (CompartmentId taken): exit 2
    cfg = nat_config([{"Name": "n2", "InternalIPInterfaceAddressPrefix": "172.19.0.0/16",
                       "CompartmentId": 1},
                      {"Name": "n3", "InternalIPInterfaceAddressPrefix": "172.20.0.0/16",
                       "CompartmentId": 1}])
    sock = s.path("natcomp.sock")
    rc, err = run_once(s.vswitchd, s.w, "natcomp", cfg, ["--api", f"unix:{sock}"], timeout=15)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    check(rc == 2, f"exit code {rc}: {lines[-1:]}")
    check(any("Nats[" in ln and "CompartmentId" in ln for ln in lines),
          f"stderr does not name the CompartmentId: {lines!r}")


# run.py takes these, in this order
__all__ = [n for n in list(globals()) if n.startswith("test_")]


def test_nats_at_the_16_nat_limit_all_come_back_after_kill_9(s):
    """16 NATs run (the config's, API-made ones and two HNS NAT networks'),
    a third NAT network is created anyway without a NAT (no slot left).
    After kill -9 the same 16 NATs run: the network that had no NAT must
    not take the slot of one that ran (stored NATs come back first)."""
    api = nat_api(s)
    have = len(nats(api))
    nets = []
    for i in range(2):
        nets.append(hns_ok(api.post("/networks/", {"Name": f"lim{i}", "Type": "NAT", "Subnets": [
            {"AddressPrefix": f"172.{40 + i}.0.0/16", "GatewayAddress": f"172.{40 + i}.0.1"}]}),
            f"POST network lim{i}"))
    made = []
    for i in range(16 - have - 2):
        hns_ok(api.post("/nats", {"Name": f"api{i}",
                                  "InternalIPInterfaceAddressPrefix": f"10.{100 + i}.0.0/24",
                                  "ExternalIPAddress": f"192.0.2.{100 + i}",
                                  "MaxSessions": 1024}),
               f"POST /nats api{i}", 201)
        made.append(f"api{i}")
    before = sorted(by_name(nats(api)))
    check(len(before) == 16, f"expected 16 NATs, got {len(before)}: {before}")
    late = hns_ok(api.post("/networks/", {"Name": "late", "Type": "NAT", "Subnets": [
        {"AddressPrefix": "172.50.0.0/16", "GatewayAddress": "172.50.0.1"}]}), "POST network late")
    check(sorted(by_name(nats(api))) == before, "a 17th NAT appeared")
    _stop(kill=True)
    api = _start(s)
    after = sorted(by_name(nats(api)))
    check(after == before, f"NATs after kill -9: lost {sorted(set(before) - set(after))}, "
                           f"gained {sorted(set(after) - set(before))}")
    for name in made:
        hns_ok(api.delete(f"/nats/{name}"), f"DELETE /nats/{name}")
    for net in nets + [late]:
        hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE network")


def test_a_nat_too_big_for_memory_is_507_and_applies_nothing(s):
    """Running out of memory is the server's storage, not a crash or a
    generic 500: 507 Insufficient Storage, named, and nothing half-made."""
    api = nat_api(s)
    before = sorted(by_name(nats(api)))
    r = api.post("/nats", {"Name": "huge", "InternalIPInterfaceAddressPrefix": "10.250.0.0/24",
                           "ExternalIPAddress": "192.0.2.250", "MaxSessions": 16000000})
    why = hns_error(r, "POST /nats huge", 507)
    check("memory" in why, f"the error should say memory: {why!r}")
    check(sorted(by_name(nats(api))) == before, "a NAT was left behind")
