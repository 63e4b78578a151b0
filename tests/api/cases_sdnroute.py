"""REST API cases for L2Bridge remote endpoints and SDNRoute (issue 18):
a remote endpoint never shares an address with a local one of its network
(kubernetes #130963), in v1 and v2, in both orders, with nothing half-made;
ROUTE/SDNRoute policies are Enforced with a packet counter on an attached
L2Bridge endpoint."""

from client import hns_error, hns_ok
from common import check

ORDER = 42


def l2bridge(api, name, prefix, gw):
    return hns_ok(api.post("/networks/", {
        "Name": name, "Type": "L2Bridge",
        "Subnets": [{"AddressPrefix": prefix, "GatewayAddress": gw}]}), "POST L2Bridge network")


def endpoint_ids(api):
    return {e["ID"].upper() for e in hns_ok(api.get("/endpoints/"), "GET /endpoints/")}


def test_remote_endpoint_with_a_local_endpoints_ip_is_refused_v1(s):
    api = s.need_main()
    net = l2bridge(api, "net-rt-v1", "10.246.1.0/24", "10.246.1.1")
    local = hns_ok(api.post("/endpoints/", {"Name": "rt-pod", "VirtualNetwork": net["ID"],
                                            "IPAddress": "10.246.1.5"}), "local endpoint")
    before = endpoint_ids(api)
    remote = {"MacAddress": "02-11-0a-f6-01-05", "IPAddress": "10.246.1.5",
              "IsRemoteEndpoint": True, "VirtualNetwork": net["ID"]}
    err = hns_error(api.post("/endpoints/", remote), "remote with the local's IP", 409)
    check("IPAddress" in err and "local endpoint" in err and local["ID"] in err,
          f"error does not name the field and the local endpoint: {err}")
    check(endpoint_ids(api) == before, "a refused remote endpoint was half-made")
    # the reverse: a remote first (another node's pod), then a pod with its IP
    r = hns_ok(api.post("/endpoints/", dict(remote, IPAddress="10.246.1.9",
                                            MacAddress="02-11-0a-f6-01-09")), "remote")
    before = endpoint_ids(api)
    err = hns_error(api.post("/endpoints/", {"Name": "rt-pod2", "VirtualNetwork": net["ID"],
                                             "IPAddress": "10.246.1.9"}),
                    "local with a remote's IP", 409)
    check("IPAddress" in err and "remote endpoint" in err and r["ID"] in err,
          f"error does not name the field and the remote endpoint: {err}")
    check(endpoint_ids(api) == before, "a refused local endpoint was half-made")
    check(not any(e.get("Name") == "rt-pod2"
                  for e in hns_ok(api.get("/endpoints/"), "GET /endpoints/")),
          "the refused endpoint's name is taken")
    for eid in (r["ID"], local["ID"]):
        hns_ok(api.delete(f"/endpoints/{eid}"), "DELETE endpoint")
    hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE network")


def test_remote_endpoint_with_a_local_endpoints_ip_is_refused_v2(s):
    api = s.need_main()
    net = l2bridge(api, "net-rt-v2", "10.246.2.0/24", "10.246.2.1")
    sv = {"Major": 2, "Minor": 0}
    remote = {"HostComputeNetwork": net["ID"], "IpConfigurations": [{"IpAddress": "10.246.2.7"}],
              "Dns": {}, "MacAddress": "02-11-0a-f6-02-07", "Flags": 1,
              "Health": {"Extra": {}}, "SchemaVersion": sv}
    pod = {"Name": "rt-v2pod", "HostComputeNetwork": net["ID"],
           "IpConfigurations": [{"IpAddress": "10.246.2.7"}], "SchemaVersion": sv}
    r = hns_ok(api.post("/v2/endpoints", remote), "CreateRemoteEndpoint")
    before = endpoint_ids(api)
    err = hns_error(api.post("/v2/endpoints", pod), "v2 pod with a remote's IP", 409)
    check("IpAddress" in err and "remote endpoint" in err, f"error: {err}")
    check(endpoint_ids(api) == before, "a refused v2 endpoint was half-made")
    hns_ok(api.delete(f"/v2/endpoints/{r['ID']}"), "DELETE remote")
    p = hns_ok(api.post("/v2/endpoints", pod), "the pod, once the stale remote is gone")
    before = endpoint_ids(api)
    err = hns_error(api.post("/v2/endpoints", remote), "v2 remote with a pod's IP", 409)
    check("IpAddress" in err and "local endpoint" in err, f"error: {err}")
    check(endpoint_ids(api) == before, "a refused v2 remote was half-made")
    hns_ok(api.delete(f"/v2/endpoints/{p['ID']}"), "DELETE pod")
    hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE network")


def test_sdnroute_policy_status_enforced_on_l2bridge(s):
    """win-bridge's ROUTE pair (v1) and Calico's SDNROUTE spelling: Not
    attached, then Enforced with Packets once attached; an IPv6 prefix
    stays Stored."""
    api = s.need_main()
    net = l2bridge(api, "net-rt-status", "10.246.3.0/24", "10.246.3.1")
    ep = hns_ok(api.post("/endpoints/", {
        "Name": "rt-status", "VirtualNetwork": net["ID"], "IPAddress": "10.246.3.5",
        "Policies": [
            {"Type": "OutBoundNAT", "ExceptionList": ["10.246.0.0/16"]},
            {"Type": "ROUTE", "DestinationPrefix": "10.96.0.0/12", "NeedEncap": True},
            {"Type": "SDNROUTE", "DestinationPrefix": "192.0.2.10/32", "NeedEncap": True},
            {"Type": "ROUTE", "DestinationPrefix": "fd00:96::/108", "NeedEncap": True}]}),
        "POST endpoint with ROUTE policies")
    eid = ep["ID"]
    got = hns_ok(api.get(f"/endpoints/{eid}/policystatus"), "policystatus (detached)")
    check([p["Status"] for p in got[1:]] == ["Not attached", "Not attached", "Stored"],
          f"before the attach: {got!r}")
    hns_ok(api.post(f"/endpoints/{eid}/attach", {"VirtualNicName": "p1"}), "attach")
    try:
        got = hns_ok(api.get(f"/endpoints/{eid}/policystatus"), "policystatus (attached)")
        check([p["Status"] for p in got[1:]] == ["Enforced", "Enforced", "Stored"],
              f"once attached: {got!r}")
        check(got[1].get("Packets") == 0 and got[2].get("Packets") == 0,
              f"ROUTE entries without a packet counter: {got!r}")
        check("host vNIC" in got[1]["Why"] and "NeedEncap" in got[1]["Why"], f"Why: {got[1]!r}")
    finally:
        hns_ok(api.post(f"/endpoints/{eid}/detach", {}), "detach")
    hns_ok(api.delete(f"/endpoints/{eid}"), "DELETE endpoint")
    hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE network")
