"""REST API cases for HNS load balancers (issue 17): /v2/loadbalancers and
the v1 ELB policy lists, against a daemon of their own (an uplink with an
address for NodePorts, two container ports, --state).

Cases: kube-proxy winkernel's call sequence from CLIENTS.md 1.1 end to end
(IsCompatible, the version gate, DeleteAllHnsLoadBalancerPolicy,
GetNetworkByName, remote endpoints, ListLoadBalancers, ClusterIP TCP/UDP
with session affinity, NodePort, external IP and DSR load balancers as its
structs marshal them, re-adoption by kube-proxy's key, UpdateLoadBalancer
(PUT), GetLoadBalancerByID + delete); a duplicate frontend is 409 with
ErrorCode 0x803B0013 and changes nothing (POST, PUT, v1); no backend is 400;
bad values are 400 naming the field and nothing is made; filters; v1 ELB
policy lists and v2 load balancers are one object; PUT moves a frontend;
the "Counters" field and /stats "LoadBalancers"; everything back after a
restart (and after kill -9) on --state, programmed (its counters are there
and its frontends still taken).
"""

import atexit
import hashlib
import json
import os
import urllib.parse

from client import Api, Daemon, hns_error, hns_ok
from common import check

ORDER = 96  # a daemon of its own

UPLINK_IP = "192.0.2.10"
SV2 = {"Major": 2, "Minor": 0}
HEALTH = {"Extra": {}}
PORT_EXISTS = 0x803B0013
INVALIDARG = 0x80070057
NOT_FOUND = 0x80070490
TCP, UDP = 6, 17


def lb_config():
    return {"Switch": {"Name": "lbsw"},
            "Ports": [{"Name": "up", "Devargs": "net_null90,no-rx=1", "Uplink": True,
                       "IPAddresses": [f"{UPLINK_IP}/24"], "DefaultGateway": "192.0.2.1"},
                      {"Name": "c1", "Devargs": "net_null91,no-rx=1"},
                      {"Name": "c2", "Devargs": "net_null92,no-rx=1"}]}


class LbDaemon:
    daemon = None
    api = None
    runs = 0


def _stop(kill=False):
    if LbDaemon.api is not None:
        LbDaemon.api.close()
        LbDaemon.api = None
    rc = None
    if LbDaemon.daemon is not None:
        rc = LbDaemon.daemon.kill9() if kill else LbDaemon.daemon.stop()
        LbDaemon.daemon = None
    return rc


atexit.register(_stop)


def _start(s):
    LbDaemon.runs += 1
    sock = s.path("lb.sock")
    d = Daemon(s.vswitchd, s.w, f"lb{LbDaemon.runs}")
    LbDaemon.daemon = d.start(lb_config(), ["--api", f"unix:{sock}",
                                            "--state", s.path("lb.db"),
                                            "--stats-out", s.path("lb-stats.json")],
                              wait_unix=sock)
    LbDaemon.api = Api(unix_path=sock)
    return LbDaemon.api


def lb_api(s):
    """The LB daemon's client, started on first use (stopped at exit)."""
    d = LbDaemon.daemon
    if d is not None and d.proc is not None and d.proc.poll() is None:
        return LbDaemon.api
    if d is not None:
        raise AssertionError("the LB daemon died: " + d.log_tail())
    return _start(s)


def by_filter(api, coll, flt):
    """hcsshim's enumerate with a HostComputeQuery Filter."""
    q = urllib.parse.quote(json.dumps(flt))
    return hns_ok(api.get(f"/v2/{coll}?filter={q}"), f"GET /v2/{coll}?filter={flt}")


def put(api, path, body):
    return api.request("PUT", path, body)


def error_code(r):
    return r.json().get("ErrorCode")


def lbs(api):
    return hns_ok(api.get("/v2/loadbalancers"), "GET /v2/loadbalancers")


def lb_body(endpoints, port_mappings, vips=None, source_vip=None, flags=0):
    """A HostComputeLoadBalancer as hcsshim marshals it: omitempty keys
    dropped, SchemaVersion and Flags always there."""
    body = {"HostComputeEndpoints": list(endpoints)}
    if source_vip:
        body["SourceVIP"] = source_vip
    if vips:
        body["FrontendVIPs"] = list(vips)
    body["PortMappings"] = port_mappings
    body["SchemaVersion"] = SV2
    body["Flags"] = flags
    return body


def pm(proto, internal, external, dist=0, flags=0):
    return {"Protocol": proto, "InternalPort": internal, "ExternalPort": external,
            "DistributionType": dist, "Flags": flags}


def kp_key(lb):
    """kube-proxy's key of an existing LB (loadbalancer.go): protocol,
    ports, first VIP, and a hash of the upper-cased endpoint IDs."""
    m = lb["PortMappings"][0]
    h = bytes(20)
    for eid in lb["HostComputeEndpoints"]:
        d = hashlib.sha1(eid.upper().encode()).digest()
        h = bytes(a ^ b for a, b in zip(h, d))
    vip = (lb.get("FrontendVIPs") or [""])[0]
    return (m["Protocol"], m["InternalPort"], m["ExternalPort"], vip, h)


class Net:
    """One L2Bridge network with two local endpoints and one remote one,
    made once per daemon run (as the CNI and kube-proxy would)."""
    run = None
    nid = None
    local = []
    remote = None


def kube_net(api):
    if Net.run == LbDaemon.runs and Net.nid:
        return Net
    got = by_filter(api, "networks", {"Name": "lb-net"})
    if got:
        Net.nid = got[0]["ID"]
        eps = by_filter(api, "endpoints", {"VirtualNetwork": Net.nid})
        Net.local = [e["ID"] for e in eps if not e.get("Flags", 0) & 1]
        Net.remote = [e["ID"] for e in eps if e.get("Flags", 0) & 1][0]
        Net.run = LbDaemon.runs
        return Net
    net = hns_ok(api.post("/networks/", {"Name": "lb-net", "Type": "L2Bridge",
                                         "Subnets": [{"AddressPrefix": "10.244.1.0/24",
                                                      "GatewayAddress": "10.244.1.1"}]}),
                 "POST /networks/ lb-net")
    Net.nid = net["ID"]
    Net.local = []
    for i, ip in enumerate(("10.244.1.11", "10.244.1.12")):
        ep = hns_ok(api.post("/v2/endpoints", {
            "Name": f"pod{i}", "HostComputeNetwork": Net.nid,
            "IpConfigurations": [{"IpAddress": ip}], "Dns": {}, "Health": HEALTH,
            "SchemaVersion": SV2}), f"CNI: endpoint {ip}")
        Net.local.append(ep["ID"])
    # kube-proxy's remote endpoint for a backend on another node
    ep = hns_ok(api.post("/v2/endpoints", {
        "HostComputeNetwork": Net.nid, "IpConfigurations": [{"IpAddress": "10.244.2.7"}],
        "Dns": {}, "MacAddress": "02-11-0a-f4-02-07", "Flags": 1, "Health": HEALTH,
        "SchemaVersion": SV2}), "CreateRemoteEndpoint")
    Net.remote = ep["ID"]
    Net.run = LbDaemon.runs
    return Net


def delete_all_lbs(api):
    """kube-proxy's DeleteAllHnsLoadBalancerPolicy at start: every v1 list."""
    for pl in hns_ok(api.get("/policylists/"), "GET /policylists/"):
        hns_ok(api.delete(f"/policylists/{pl['ID']}"), f"DELETE /policylists/{pl['ID']}")


def check_shape(lb, body, what, counters=True):
    """The output says what was asked, with kube-proxy's fields always
    there (PortMappings above all: kubernetes PR #141489). GET output also
    has the switch's Counters (the LB is programmed); a POST or PUT reply
    has none, as HNS's has none (counters=False checks that)."""
    for key in ("ID", "HostComputeEndpoints", "PortMappings", "SchemaVersion", "Flags"):
        check(key in lb, f"{what}: no {key} in {lb!r}")
    check([e.upper() for e in lb["HostComputeEndpoints"]] ==
          [e.upper() for e in body["HostComputeEndpoints"]], f"{what}: endpoints {lb!r}")
    check(lb["PortMappings"] == body["PortMappings"], f"{what}: PortMappings "
          f"{lb['PortMappings']!r}, want {body['PortMappings']!r}")
    check(lb.get("FrontendVIPs") == body.get("FrontendVIPs"), f"{what}: FrontendVIPs {lb!r}")
    check(lb.get("SourceVIP") == body.get("SourceVIP"), f"{what}: SourceVIP {lb!r}")
    check(lb["Flags"] == body["Flags"], f"{what}: Flags {lb['Flags']!r}")
    check(lb["SchemaVersion"] == SV2, f"{what}: SchemaVersion {lb['SchemaVersion']!r}")
    if not counters:
        check("Counters" not in lb, f"{what}: a POST/PUT reply with Counters: {lb!r}")
        return
    c = lb.get("Counters")
    check(isinstance(c, dict) and all(isinstance(c.get(k), int) for k in
                                      ("Packets", "Bytes", "Connections", "Drops")),
          f"{what}: not programmed (no Counters): {lb!r}")
    check(len(c.get("Backends", [])) == len(body["HostComputeEndpoints"]),
          f"{what}: Counters.Backends {c.get('Backends')!r}")


# ---------------------------------------------------------------- cases

def test_lb_kube_proxy_sequence_end_to_end(s):
    api = lb_api(s)
    # NewProxier: IsCompatible, the version gate, DeleteAllHnsLoadBalancerPolicy
    hns_ok(api.get("/policylists/"), "IsCompatible: GET /policylists/")
    v = hns_ok(api.get("/globals/version"), "GET /globals/version")
    check((v["Major"], v["Minor"]) >= (15, 5), f"ModifyLoadbalancer off at {v!r}")
    delete_all_lbs(api)
    check(lbs(api) == [], "load balancers left after the clean-up")
    # GetNetworkByName, then the sync: endpoints of the network, LBs
    net = kube_net(api)
    check(len(by_filter(api, "networks", {"Name": "lb-net"})) == 1, "GetNetworkByName")
    eps = by_filter(api, "endpoints", {"VirtualNetwork": net.nid})
    check(len(eps) == 3, f"ListEndpointsOfNetwork: {len(eps)} endpoints")
    check(by_filter(api, "loadbalancers", {}) == [], "ListLoadBalancers before any")
    backends = net.local + [net.remote]
    made = {}
    bodies = {
        "clusterip": lb_body(backends, [pm(TCP, 8080, 80)], vips=["10.96.0.10"],
                             source_vip="10.244.1.2"),
        "dns-affinity": lb_body(backends, [pm(UDP, 53, 53, dist=2)], vips=["10.96.0.10"]),
        "nodeport": lb_body(net.local, [pm(TCP, 8080, 30080, flags=18)]),
        "externalip": lb_body(net.local, [pm(TCP, 8080, 80, flags=16)],
                              vips=["203.0.113.5"], flags=1),
        "dsr": lb_body(backends, [pm(TCP, 9000, 9000)], vips=["10.96.0.20"], flags=1),
    }
    for name, body in bodies.items():
        r = api.post("/v2/loadbalancers", body)
        lb = hns_ok(r, f"CreateLoadBalancer {name}")
        check("Warnings" not in r.json(), f"{name}: warned {r.json().get('Warnings')}")
        check_shape(lb, body, name, counters=False)
        made[name] = lb
    # the next sync: every LB listed, re-adopted by kube-proxy's key
    listed = by_filter(api, "loadbalancers", {})
    check(len(listed) == 5, f"ListLoadBalancers: {len(listed)}")
    for lb in listed:  # each one programmed in the switch
        check_shape(lb, bodies[next(n for n, m in made.items() if m["ID"] == lb["ID"])],
                    f"listed {lb['ID']}")
    keys = {kp_key(lb): lb["ID"] for lb in listed}
    for name, lb in made.items():
        check(keys.get(kp_key(lb)) == lb["ID"], f"{name} not found by kube-proxy's key")
    check(hns_ok(api.get("/v2/loadbalancers"), "list")[0]["ID"] == made["clusterip"]["ID"],
          "not listed in creation order")
    # UpdateLoadBalancer: the whole new object, ModifyLoadbalancer is on
    upd = lb_body(net.local, [pm(TCP, 8080, 80)], vips=["10.96.0.10"],
                  source_vip="10.244.1.2")
    cid = made["clusterip"]["ID"]
    lb = hns_ok(put(api, f"/v2/loadbalancers/{cid}", upd), "UpdateLoadBalancer")
    check(lb["ID"] == cid, f"PUT changed the ID: {lb['ID']}")
    check_shape(lb, upd, "updated clusterip", counters=False)
    check_shape(hns_ok(api.get(f"/v2/loadbalancers/{cid}"), "GET"), upd, "GET after PUT")
    # a service gone: GetLoadBalancerByID (filtered enumerate), then delete
    did = made["dsr"]["ID"]
    got = by_filter(api, "loadbalancers", {"ID": did})
    check(len(got) == 1 and got[0]["ID"] == did, f"GetLoadBalancerByID {got!r}")
    hns_ok(api.delete(f"/v2/loadbalancers/{did}"), "DeleteLoadBalancer")
    check(by_filter(api, "loadbalancers", {"ID": did}) == [], "deleted LB still found")
    r = api.get(f"/v2/loadbalancers/{did}")
    hns_error(r, "GET a deleted LB", 404)
    check(error_code(r) == NOT_FOUND, f"ErrorCode {error_code(r)!r}")
    # its frontend is free again; the remote endpoint can go once unused
    again = hns_ok(api.post("/v2/loadbalancers", bodies["dsr"]), "re-create dsr")
    hns_ok(api.delete(f"/v2/loadbalancers/{again['ID']}"), "delete it again")
    check(len(lbs(api)) == 4, f"{len(lbs(api))} LBs left, want 4")


def test_lb_duplicate_frontend_is_409_with_port_exists(s):
    api = lb_api(s)
    net = kube_net(api)
    a = hns_ok(api.post("/v2/loadbalancers", lb_body(net.local, [pm(TCP, 80, 8081)],
                                                     vips=["10.96.1.1"])), "LB a")
    before = lbs(api)
    r = api.post("/v2/loadbalancers", lb_body(net.local[:1], [pm(TCP, 90, 8081)],
                                              vips=["10.96.1.1"]))
    err = hns_error(r, "a second LB on 10.96.1.1 TCP 8081", 409)
    check(error_code(r) == PORT_EXISTS, f"ErrorCode {error_code(r)!r}, want 0x803B0013")
    check("FrontendVIPs[0]" in err and a["ID"] in err, f"Error {err!r}")
    # the same port for UDP, or on another VIP, is another frontend
    b = hns_ok(api.post("/v2/loadbalancers", lb_body(net.local, [pm(UDP, 80, 8081)],
                                                     vips=["10.96.1.1"])), "UDP 8081")
    # NodePort on the same port: "every host address" is its own frontend
    n = hns_ok(api.post("/v2/loadbalancers", lb_body(net.local, [pm(TCP, 80, 30081,
                                                                    flags=18)])), "NodePort")
    r = api.post("/v2/loadbalancers", lb_body(net.local, [pm(TCP, 81, 30081, flags=18)]))
    hns_error(r, "a second NodePort 30081", 409)
    check(error_code(r) == PORT_EXISTS, f"NodePort ErrorCode {error_code(r)!r}")
    # PUT of b onto a's frontend: 409, b unchanged
    b_before = hns_ok(api.get(f"/v2/loadbalancers/{b['ID']}"), "GET b")
    r = put(api, f"/v2/loadbalancers/{b['ID']}",
            lb_body(net.local, [pm(TCP, 80, 8081)], vips=["10.96.1.1"]))
    hns_error(r, "PUT b onto a's frontend", 409)
    check(error_code(r) == PORT_EXISTS, f"PUT ErrorCode {error_code(r)!r}")
    check(hns_ok(api.get(f"/v2/loadbalancers/{b['ID']}"), "GET b") == b_before,
          "a refused PUT changed b")
    # v1: an ELB list on a's frontend
    r = api.post("/policylists/", {"References": [f"/endpoints/{net.local[0]}"],
                                   "Policies": [{"Type": "ELB", "Protocol": 6,
                                                 "InternalPort": 80, "ExternalPort": 8081,
                                                 "VIPs": ["10.96.1.1"]}]})
    hns_error(r, "v1 ELB on a's frontend", 409)
    # one LB repeating a frontend: 400 naming it
    r = api.post("/v2/loadbalancers", lb_body(net.local, [pm(TCP, 80, 8082), pm(TCP, 81, 8082)],
                                              vips=["10.96.1.2"]))
    err = hns_error(r, "an LB repeating a frontend", 400)
    check("FrontendVIPs[0]" in err or "PortMappings[1]" in err, f"Error {err!r}")
    after = lbs(api)
    check(len(after) == len(before) + 2, f"{len(after)} LBs, want {len(before) + 2}")
    for x in (a, b, n):
        hns_ok(api.delete(f"/v2/loadbalancers/{x['ID']}"), "clean up")


def test_lb_without_backends_fails(s):
    api = lb_api(s)
    net = kube_net(api)
    n = len(lbs(api))
    for body in (lb_body([], [pm(TCP, 80, 8090)], vips=["10.96.2.1"]),
                 {"PortMappings": [pm(TCP, 80, 8090)], "FrontendVIPs": ["10.96.2.1"],
                  "SchemaVersion": SV2}):
        r = api.post("/v2/loadbalancers", body)
        err = hns_error(r, "an LB with no backend", 400)
        check("HostComputeEndpoints" in err, f"Error {err!r}")
        check(error_code(r) == INVALIDARG, f"ErrorCode {error_code(r)!r}")
    r = api.post("/policylists/", {"References": [], "Policies": [
        {"Type": "ELB", "Protocol": 6, "InternalPort": 80, "ExternalPort": 8090}]})
    check("References" in hns_error(r, "a v1 ELB list with no References", 400), r.text)
    # PUT to no backends is refused too (kube-proxy deletes instead)
    lb = hns_ok(api.post("/v2/loadbalancers", lb_body(net.local, [pm(TCP, 80, 8090)],
                                                      vips=["10.96.2.1"])), "LB")
    hns_error(put(api, f"/v2/loadbalancers/{lb['ID']}",
                  lb_body([], [pm(TCP, 80, 8090)], vips=["10.96.2.1"])), "PUT no backends", 400)
    check(len(hns_ok(api.get(f"/v2/loadbalancers/{lb['ID']}"), "GET")
              ["HostComputeEndpoints"]) == 2, "a refused PUT changed the backends")
    hns_ok(api.delete(f"/v2/loadbalancers/{lb['ID']}"), "clean up")
    check(len(lbs(api)) == n, "an LB was left behind")


def _bad_bodies(net):
    good = lb_body(net.local, [pm(TCP, 80, 8100)], vips=["10.96.3.1"])

    def with_(**kw):
        b = json.loads(json.dumps(good))
        b.update(kw)
        return b

    def with_pm(**kw):
        return with_(PortMappings=[dict(good["PortMappings"][0], **kw)])

    return [
        (with_pm(Protocol=1), 400, "PortMappings[0].Protocol"),
        (with_(PortMappings=[{"InternalPort": 80, "ExternalPort": 8100}]), 400,
         "PortMappings[0].Protocol"),
        (with_pm(Protocol="TCP"), 400, "PortMappings[0].Protocol"),
        (with_pm(ExternalPort=0), 400, "PortMappings[0].ExternalPort"),
        (with_pm(ExternalPort=70000), 400, "PortMappings[0].ExternalPort"),
        (with_pm(InternalPort=-1), 400, "PortMappings[0].InternalPort"),
        (with_pm(DistributionType=3), 400, "PortMappings[0].DistributionType"),
        (with_(PortMappings=[]), 400, "PortMappings"),
        (with_(PortMappings="80"), 400, "PortMappings"),
        (with_(PortMappings=[80]), 400, "PortMappings[0]"),
        (with_(FrontendVIPs=["10.96.3.300"]), 400, "FrontendVIPs[0]"),
        (with_(FrontendVIPs=["fd00::10"]), 400, "FrontendVIPs[0]"),
        (with_(FrontendVIPs="10.96.3.1"), 400, "FrontendVIPs"),
        (with_(SourceVIP="vip"), 400, "SourceVIP"),
        (with_(Flags=2), 400, "Flags"),
        (with_(Flags=8), 400, "Flags"),
        (with_(Flags="1"), 400, "Flags"),
        (with_(HostComputeEndpoints=["not-a-guid"]), 400, "HostComputeEndpoints[0]"),
        (with_(HostComputeEndpoints=[7]), 400, "HostComputeEndpoints[0]"),
        (with_(HostComputeEndpoints=["5A3B0000-0000-4000-8000-000000000000"]), 404,
         "HostComputeEndpoints[0]"),
        (with_(SchemaVersion={"Major": "2"}), 400, "SchemaVersion.Major"),
        (with_(ID="nope"), 400, "ID"),
    ]


def test_lb_bad_values_are_400_naming_the_field(s):
    api = lb_api(s)
    net = kube_net(api)
    n = len(lbs(api))
    for body, status, field in _bad_bodies(net):
        err = hns_error(api.post("/v2/loadbalancers", body), f"POST {body}", status)
        check(field in err, f"{field} not named in {err!r}")
    hns_error(api.request("POST", "/v2/loadbalancers", "{not json"), "malformed JSON", 400)
    hns_error(api.request("POST", "/v2/loadbalancers", "[]"), "an array", 400)
    check(len(lbs(api)) == n, "a refused POST made a load balancer")
    # PUT: the same checks, and the ID must be the LB's own
    lb = hns_ok(api.post("/v2/loadbalancers", lb_body(net.local, [pm(TCP, 80, 8100)],
                                                      vips=["10.96.3.1"])), "LB")
    before = hns_ok(api.get(f"/v2/loadbalancers/{lb['ID']}"), "GET")
    for body, status, field in _bad_bodies(net)[:8]:
        err = hns_error(put(api, f"/v2/loadbalancers/{lb['ID']}", body), f"PUT {body}", status)
        check(field in err, f"PUT: {field} not named in {err!r}")
    other = "5A3B0000-0000-4000-8000-000000000001"
    err = hns_error(put(api, f"/v2/loadbalancers/{lb['ID']}",
                        dict(before, ID=other)), "PUT another ID", 400)
    check("ID" in err, err)
    check(hns_ok(api.get(f"/v2/loadbalancers/{lb['ID']}"), "GET") == before,
          "a refused PUT changed the LB")
    hns_error(put(api, f"/v2/loadbalancers/{other}", before), "PUT an unknown LB", 404)
    hns_error(api.request("PUT", "/v2/loadbalancers", before), "PUT the collection", 405)
    hns_ok(api.delete(f"/v2/loadbalancers/{lb['ID']}"), "clean up")


def test_lb_filters(s):
    api = lb_api(s)
    net = kube_net(api)
    lb = hns_ok(api.post("/v2/loadbalancers", lb_body(net.local, [pm(TCP, 80, 8110)],
                                                      vips=["10.96.4.1"])), "LB")
    one = by_filter(api, "loadbalancers", {"ID": lb["ID"].lower()})
    check(len(one) == 1 and one[0]["ID"] == lb["ID"], f"by ID (lower case) {one!r}")
    check(by_filter(api, "loadbalancers", {"ID": "5A3B0000-0000-4000-8000-000000000009"})
          == [], "an unknown ID matched")
    check(by_filter(api, "loadbalancers", {"Name": "x"}) == [], "LBs have no Name")
    check(len(hns_ok(api.get("/v2/loadbalancers?filter="), "empty filter")) ==
          len(lbs(api)), "an empty filter is not everything")
    r = api.get("/v2/loadbalancers?filter=" + urllib.parse.quote('{"VirtualNetwork":"x"}'))
    check("filter" in hns_error(r, "VirtualNetwork on LBs", 400), r.text)
    r = api.get("/v2/loadbalancers?filter=" + urllib.parse.quote("{bad"))
    check("filter" in hns_error(r, "bad filter JSON", 400), r.text)
    # a ROUTE policy list is no load balancer
    rl = hns_ok(api.post("/policylists/", {"References": [f"/endpoints/{net.local[0]}"],
                                           "Policies": [{"Type": "ROUTE",
                                                         "DestinationPrefix": "10.9.0.0/16"}]}),
                "ROUTE list")
    check(by_filter(api, "loadbalancers", {"ID": rl["ID"]}) == [], "a ROUTE list is an LB")
    hns_error(api.get(f"/v2/loadbalancers/{rl['ID']}"), "GET a ROUTE list as an LB", 404)
    hns_ok(api.delete(f"/policylists/{rl['ID']}"), "clean up")
    hns_ok(api.delete(f"/v2/loadbalancers/{lb['ID']}"), "clean up")


def test_lb_v1_elb_policylists_are_the_same_objects(s):
    api = lb_api(s)
    net = kube_net(api)
    # kube-proxy's legacy AddLoadBalancer, with a v1 remote endpoint backend
    rem = hns_ok(api.post("/endpoints/", {"MacAddress": "02-11-0a-f4-03-09",
                                          "IPAddress": "10.244.3.9", "IsRemoteEndpoint": True,
                                          "VirtualNetwork": net.nid}), "v1 remote endpoint")
    refs = [f"/endpoints/{net.local[0]}", f"/endpoints/{rem['ID'].lower()}"]
    pl = hns_ok(api.post("/policylists/", {"References": refs, "Policies": [
        {"Type": "ELB", "Protocol": 6, "InternalPort": 8080, "ExternalPort": 80,
         "SourceVIP": "10.244.1.2", "VIPs": ["10.96.5.1"], "ILB": True, "IsDSR": True}]}),
        "AddLoadBalancer (v1)")
    v2 = hns_ok(api.get(f"/v2/loadbalancers/{pl['ID']}"), "the v1 list as a v2 LB")
    check(v2["HostComputeEndpoints"] == [net.local[0], rem["ID"]], f"{v2!r}")
    check(v2["FrontendVIPs"] == ["10.96.5.1"] and v2["SourceVIP"] == "10.244.1.2", f"{v2!r}")
    check(v2["PortMappings"] == [pm(TCP, 8080, 80, flags=1)], f"ILB: {v2['PortMappings']!r}")
    check(v2["Flags"] == 1, f"IsDSR: Flags {v2['Flags']!r}")
    check(isinstance(v2.get("Counters"), dict), f"v1 list not programmed: {v2!r}")
    # "DSR" is read as IsDSR
    pl2 = hns_ok(api.post("/policylists/", {"References": refs[:1], "Policies": [
        {"Type": "ELB", "Protocol": 17, "InternalPort": 53, "ExternalPort": 53,
         "VIPs": ["10.96.5.1"], "DSR": True}]}), "ELB with DSR")
    check(pl2["Policies"][0].get("IsDSR") is True and "DSR" not in pl2["Policies"][0],
          f"DSR not folded into IsDSR: {pl2['Policies'][0]!r}")
    # a v2 LB is a v1 ELB list (Get-HnsPolicyList shows kube-proxy's LBs)
    lb = hns_ok(api.post("/v2/loadbalancers", lb_body(net.local, [pm(UDP, 53, 53, dist=2)],
                                                      vips=["10.96.5.2"])), "v2 LB")
    v1 = hns_ok(api.get(f"/policylists/{lb['ID']}"), "the v2 LB as a v1 list")
    check(v1["References"] == [f"/endpoints/{e}" for e in net.local], f"{v1!r}")
    elb = v1["Policies"][0]
    check(elb["Type"] == "ELB" and elb["Protocol"] == 17 and elb["ExternalPort"] == 53 and
          elb["VIPs"] == ["10.96.5.2"] and elb.get("DistributionType") == 2, f"{elb!r}")
    # deleting through either view deletes the one object
    hns_ok(api.delete(f"/policylists/{lb['ID']}"), "DELETE the v2 LB through v1")
    hns_error(api.get(f"/v2/loadbalancers/{lb['ID']}"), "gone from v2", 404)
    hns_ok(api.delete(f"/v2/loadbalancers/{pl['ID']}"), "DELETE the v1 list through v2")
    hns_error(api.get(f"/policylists/{pl['ID']}"), "gone from v1", 404)
    # hcsshim's PolicyList.AddEndpoint: delete, then re-POST with the same ID
    hns_ok(api.delete(f"/policylists/{pl2['ID']}"), "RemoveEndpoint: delete")
    again = hns_ok(api.post("/policylists/", {"ID": pl2["ID"], "References": refs,
                                              "Policies": pl2["Policies"]}), "re-POST")
    check(again["ID"] == pl2["ID"] and len(again["References"]) == 2, f"{again!r}")
    hns_ok(api.delete(f"/policylists/{pl2['ID']}"), "clean up")
    hns_ok(api.delete(f"/endpoints/{rem['ID']}"), "clean up")


def test_lb_put_moves_a_frontend(s):
    api = lb_api(s)
    net = kube_net(api)
    a = hns_ok(api.post("/v2/loadbalancers", lb_body(net.local, [pm(TCP, 80, 8120)],
                                                     vips=["10.96.6.1"])), "LB a")
    moved = lb_body(net.local, [pm(TCP, 80, 8120), pm(UDP, 80, 8120)],
                    vips=["10.96.6.2"], flags=1)
    got = hns_ok(put(api, f"/v2/loadbalancers/{a['ID']}", moved), "PUT a to 10.96.6.2")
    check_shape(got, moved, "moved", counters=False)
    got = hns_ok(api.get(f"/v2/loadbalancers/{a['ID']}"), "GET a")
    check_shape(got, moved, "moved (GET)")
    check(len(got["Counters"]["Frontends"]) == 2, f"frontends {got['Counters']!r}")
    # the old frontend is free, the new ones are taken
    b = hns_ok(api.post("/v2/loadbalancers", lb_body(net.local, [pm(TCP, 80, 8120)],
                                                     vips=["10.96.6.1"])), "b on a's old VIP")
    r = api.post("/v2/loadbalancers", lb_body(net.local, [pm(UDP, 80, 8120)],
                                              vips=["10.96.6.2"]))
    hns_error(r, "a's new UDP frontend", 409)
    for x in (a, b):
        hns_ok(api.delete(f"/v2/loadbalancers/{x['ID']}"), "clean up")


def test_lb_counters_and_stats_section(s):
    api = lb_api(s)
    net = kube_net(api)
    lb = hns_ok(api.post("/v2/loadbalancers", lb_body(net.local, [pm(TCP, 80, 8130)],
                                                      vips=["10.96.7.1"])), "LB")
    c = hns_ok(api.get(f"/v2/loadbalancers/{lb['ID']}"), "GET")["Counters"]
    check(c["Frontends"] == ["10.96.7.1 TCP 8130"], f"Frontends {c['Frontends']!r}")
    check([b["ID"] for b in c["Backends"]] == net.local and
          [b["IPAddress"] for b in c["Backends"]] == ["10.244.1.11", "10.244.1.12"],
          f"Backends {c['Backends']!r}")
    stats = api.get("/stats").json()
    rows = {x["ID"]: x for x in stats.get("LoadBalancers", [])}
    check(lb["ID"] in rows, f"/stats LoadBalancers lacks {lb['ID']}: {list(rows)}")
    row = rows[lb["ID"]]
    for k in ("Packets", "Bytes", "Connections", "Drops", "Frontends", "Backends"):
        check(k in row, f"/stats row has no {k}: {row!r}")
    metrics = api.get("/metrics").text
    for line in (f'hvswitch_lb_packets_total{{lb="{lb["ID"]}"}} 0',
                 f'hvswitch_lb_connections_total{{lb="{lb["ID"]}"}} 0',
                 f'hvswitch_lb_backend_packets_total{{lb="{lb["ID"]}",backend="10.244.1.11"}} 0'):
        check(line in metrics.splitlines(), f"/metrics lacks {line!r}")
    check("# TYPE hvswitch_lb_drops_total counter" in metrics, "/metrics has no LB drops counter")
    hns_ok(api.delete(f"/v2/loadbalancers/{lb['ID']}"), "clean up")
    rows = {x["ID"] for x in api.get("/stats").json().get("LoadBalancers", [])}
    check(lb["ID"] not in rows, "a deleted LB is still in /stats")


def test_lb_stats_out_on_exit_lists_the_load_balancers(s):
    api = lb_api(s)
    net = kube_net(api)
    lb = hns_ok(api.post("/v2/loadbalancers", lb_body(net.local, [pm(TCP, 80, 8131)],
                                                      vips=["10.96.7.2"])), "LB")
    out = s.path("lb-stats.json")
    if os.path.exists(out):
        os.unlink(out)
    check(_stop() == 0, "the daemon did not stop cleanly")
    with open(out) as f:
        stats = json.load(f)
    rows = {x["ID"]: x for x in stats.get("LoadBalancers", [])}
    check(lb["ID"] in rows, f"--stats-out LoadBalancers lacks {lb['ID']}: {list(rows)}")
    check(rows[lb["ID"]]["Frontends"] == ["10.96.7.2 TCP 8131"],
          f"--stats-out row {rows[lb['ID']]!r}")
    check("Ports" in stats and "Drops" in stats, "--stats-out lost the switch's counters")
    api = lb_api(s)  # back, from --state
    hns_ok(api.delete(f"/v2/loadbalancers/{lb['ID']}"), "clean up")


def _snapshot(api):
    out = {}
    for lb in lbs(api):
        lb = dict(lb)
        lb.pop("Counters", None)
        out[lb["ID"]] = lb
    return out


def test_lb_persist_across_restart_and_kill9(s):
    api = lb_api(s)
    net = kube_net(api)
    made = [hns_ok(api.post("/v2/loadbalancers", lb_body(net.local + [net.remote],
                                                         [pm(TCP, 8080, 80)],
                                                         vips=["10.96.8.1"],
                                                         source_vip="10.244.1.2")), "LB 1"),
            hns_ok(api.post("/v2/loadbalancers", lb_body(net.local, [pm(TCP, 80, 30090,
                                                                        flags=18)])), "NodePort"),
            hns_ok(api.post("/policylists/", {"References": [f"/endpoints/{net.local[1]}"],
                                              "Policies": [{"Type": "ELB", "Protocol": 17,
                                                            "InternalPort": 53,
                                                            "ExternalPort": 53,
                                                            "VIPs": ["10.96.8.2"]}]}), "v1")]
    before = _snapshot(api)
    v1_before = hns_ok(api.get("/policylists/"), "v1 lists")
    for how in ("SIGTERM", "kill -9"):
        rc = _stop(kill=(how == "kill -9"))
        check(how == "kill -9" or rc == 0, f"{how}: exit code {rc}")
        api = lb_api(s)
        after = _snapshot(api)
        check(after == before, f"after {how}: LBs differ:\n{before}\n{after}")
        check(hns_ok(api.get("/policylists/"), "v1 lists") == v1_before,
              f"after {how}: v1 lists differ")
        for lb in lbs(api):
            check(isinstance(lb.get("Counters"), dict), f"after {how}: {lb['ID']} not "
                  "programmed (no Counters)")
        # the frontends are taken again (the index and the switch are back)
        r = api.post("/v2/loadbalancers", lb_body(net.local, [pm(TCP, 1, 80)],
                                                  vips=["10.96.8.1"]))
        hns_error(r, f"after {how}: a duplicate of LB 1's frontend", 409)
        check(error_code(r) == PORT_EXISTS, f"ErrorCode {error_code(r)!r}")
    # and still changeable: PUT and delete after the restart
    upd = lb_body(net.local, [pm(TCP, 8080, 80)], vips=["10.96.8.1"])
    check_shape(hns_ok(put(api, f"/v2/loadbalancers/{made[0]['ID']}", upd), "PUT"), upd,
                "PUT after restart", counters=False)
    check_shape(hns_ok(api.get(f"/v2/loadbalancers/{made[0]['ID']}"), "GET"), upd,
                "GET after the PUT after restart")
    for x in made:
        hns_ok(api.delete(f"/v2/loadbalancers/{x['ID']}"), "delete after restart")
    left = {lb["ID"] for lb in lbs(api)}
    check(not left & {x["ID"] for x in made}, f"LBs left after deleting them: {left}")


def remote_endpoint(api, net, ip, mac):
    """kube-proxy's remote endpoint (v2 Flags 1) on net."""
    return hns_ok(api.post("/v2/endpoints", {
        "HostComputeNetwork": net.nid, "IpConfigurations": [{"IpAddress": ip}],
        "MacAddress": mac, "Flags": 1}), "a remote endpoint")


def test_lb_deleted_backend_is_taken_out(s):
    api = lb_api(s)
    net = kube_net(api)
    extra = remote_endpoint(api, net, "10.244.2.99", "02-11-0a-f4-02-63")
    lb = hns_ok(api.post("/v2/loadbalancers", lb_body(net.local + [extra["ID"]],
                                                      [pm(TCP, 80, 8140)],
                                                      vips=["10.96.10.1"])), "LB")
    c = hns_ok(api.get(f"/v2/loadbalancers/{lb['ID']}"), "GET")["Counters"]
    check(len(c["Backends"]) == 3, f"{c!r}")
    hns_ok(api.delete(f"/v2/endpoints/{extra['ID']}"), "delete a backend endpoint")
    got = hns_ok(api.get(f"/v2/loadbalancers/{lb['ID']}"), "GET")
    check([b["IPAddress"] for b in got["Counters"]["Backends"]] ==
          ["10.244.1.11", "10.244.1.12"], f"the deleted backend is still programmed: "
          f"{got['Counters']['Backends']!r}")
    check(len(got["HostComputeEndpoints"]) == 3, "the object changed under its client")
    hns_ok(api.delete(f"/v2/loadbalancers/{lb['ID']}"), "clean up")


def test_lb_keys_in_any_case_and_unknown_keys_warned(s):
    api = lb_api(s)
    net = kube_net(api)
    r = api.post("/v2/loadbalancers", {
        "hostcomputeendpoints": net.local, "frontendvips": ["10.96.9.1"],
        "portmappings": [{"protocol": 6, "internalport": 8080, "externalport": 80,
                          "distributiontype": 1, "flags": 0}],
        "schemaversion": SV2, "flags": 0})
    lb = hns_ok(r, "lower-case keys")
    check("Warnings" not in r.json(), f"wire keys warned about: {r.json().get('Warnings')}")
    check(lb["PortMappings"] == [pm(TCP, 8080, 80, dist=1)] and
          lb["FrontendVIPs"] == ["10.96.9.1"], f"{lb!r}")
    # a key no HNS type has: accepted, reported, not stored into the LB
    r = put(api, f"/v2/loadbalancers/{lb['ID']}",
            dict(lb_body(net.local, [pm(TCP, 8080, 80)], vips=["10.96.9.1"]), Colour="blue"))
    hns_ok(r, "PUT with an unknown key")
    check(any("Colour" in w for w in r.json().get("Warnings", [])),
          f"unknown key not warned about: {r.text[:300]}")
    # a GET output sent back as it is (Counters included) is a valid PUT
    got = hns_ok(api.get(f"/v2/loadbalancers/{lb['ID']}"), "GET")
    r = put(api, f"/v2/loadbalancers/{lb['ID']}", got)
    hns_ok(r, "PUT of the GET output")
    check("Warnings" not in r.json(), f"GET output warned about: {r.json().get('Warnings')}")
    hns_ok(api.delete(f"/v2/loadbalancers/{lb['ID']}"), "clean up")


def _list_is_per_id(api, what):
    """The whole-list GETs (written as text, issue 17) against the per-ID
    GETs (made as a tree): every entry the same, field for field and in
    the same key order; the list and the filtered enumerate without keys
    the same. The v2 list as {ID: LB}."""
    v2 = lbs(api)
    check(json.dumps(by_filter(api, "loadbalancers", {})) == json.dumps(v2),
          f"{what}: ?filter={{}} differs from the list")
    for lb in v2:
        one = hns_ok(api.get(f"/v2/loadbalancers/{lb['ID']}"), f"{what}: GET {lb['ID']}")
        check(json.dumps(lb) == json.dumps(one),
              f"{what}: the list's {lb['ID']} is not its GET:\n{lb!r}\n{one!r}")
    v1 = hns_ok(api.get("/policylists/"), f"{what}: GET /policylists/")
    for pl in v1:
        one = hns_ok(api.get(f"/policylists/{pl['ID']}"), f"{what}: GET /policylists/ID")
        check(json.dumps(pl) == json.dumps(one),
              f"{what}: the v1 list's {pl['ID']} is not its GET:\n{pl!r}\n{one!r}")
    check({x["ID"] for x in v2} <= {x["ID"] for x in v1}, f"{what}: v2 LBs not in v1")
    return {x["ID"]: x for x in v2}, {x["ID"]: x for x in v1}


def test_lb_lists_follow_every_change(s):
    api = lb_api(s)
    net = kube_net(api)
    extra = remote_endpoint(api, net, "10.244.2.98", "02-11-0a-f4-02-62")
    body_a = lb_body(net.local + [extra["ID"]], [pm(TCP, 80, 8150)], vips=["10.96.11.1"],
                     source_vip="10.244.1.2")
    a = hns_ok(api.post("/v2/loadbalancers", body_a), "LB a")
    body_b = lb_body([net.remote], [pm(TCP, 80, 30150, flags=1), pm(UDP, 53, 30153, dist=1)],
                     flags=1)
    b = hns_ok(api.post("/v2/loadbalancers", body_b), "LB b (NodePort, DSR)")
    c = hns_ok(api.post("/policylists/", {"References": [f"/endpoints/{net.local[0]}"],
                                          "Policies": [{"Type": "ELB", "Protocol": 17,
                                                        "InternalPort": 53,
                                                        "ExternalPort": 53,
                                                        "VIPs": ["10.96.11.3"]}]}),
               "v1 ELB list c")
    v2, v1 = _list_is_per_id(api, "after the creates")
    check(a["ID"] in v2 and b["ID"] in v2 and c["ID"] in v2, f"made LBs not listed: {list(v2)}")
    check_shape(v2[a["ID"]], body_a, "a in the list")
    check_shape(v2[b["ID"]], body_b, "b in the list")
    # PUT: other backends, ports and VIPs, in both lists at once
    body_a2 = lb_body([net.local[1], extra["ID"]], [pm(UDP, 8053, 53, dist=2)],
                      vips=["10.96.11.2", "10.96.11.4"])
    hns_ok(put(api, f"/v2/loadbalancers/{a['ID']}", body_a2), "PUT a")
    v2, v1 = _list_is_per_id(api, "after the PUT")
    check_shape(v2[a["ID"]], body_a2, "a in the list after the PUT")
    check(v2[a["ID"]]["Counters"]["Frontends"] == ["10.96.11.2 UDP 53", "10.96.11.4 UDP 53"],
          f"a's frontends in the list: {v2[a['ID']]['Counters']['Frontends']!r}")
    check(v1[a["ID"]]["References"] == [f"/endpoints/{e}" for e in body_a2["HostComputeEndpoints"]]
          and v1[a["ID"]]["Policies"][0]["VIPs"] == ["10.96.11.2", "10.96.11.4"],
          f"a in the v1 list after the PUT: {v1[a['ID']]!r}")
    # DELETE through either view: gone from both lists
    hns_ok(api.delete(f"/v2/loadbalancers/{b['ID']}"), "DELETE b")
    hns_ok(api.delete(f"/policylists/{c['ID']}"), "DELETE c (v1)")
    v2, v1 = _list_is_per_id(api, "after the DELETEs")
    check(not {b["ID"], c["ID"]} & (set(v2) | set(v1)), "a deleted LB is still listed")
    check(a["ID"] in v2, "a is gone from the list")
    # a backend endpoint deleted: out of a's counters, still in its object
    hns_ok(api.delete(f"/v2/endpoints/{extra['ID']}"), "delete a backend endpoint")
    v2, v1 = _list_is_per_id(api, "after a backend endpoint went")
    check([x["IPAddress"] for x in v2[a["ID"]]["Counters"]["Backends"]] == ["10.244.1.12"],
          f"the deleted backend is still listed as programmed: {v2[a['ID']]['Counters']!r}")
    check(len(v2[a["ID"]]["HostComputeEndpoints"]) == 2, "the object changed under its client")
    hns_ok(api.delete(f"/v2/loadbalancers/{a['ID']}"), "clean up")
    v2, v1 = _list_is_per_id(api, "after the clean-up")
    check(a["ID"] not in v2 and a["ID"] not in v1, "a deleted LB is still listed")
