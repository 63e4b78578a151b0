"""REST API cases for HNS OutBoundNAT (issue 18 item 1; run.py discovers
them), on a daemon of their own with an uplink "up" (192.0.2.10) and an
endpoint port "p1": a bad exception prefix is refused naming the field;
on an L2Bridge network the policy is Enforced once attached (policystatus
with its external address and counters, the WinNAT object in /stats),
follows v2 PATCH updates (VirtualIP, Flags 2 skipped), and goes with the
detach; on an Overlay network it is Enforced too; on a NAT network it is
Stored."""

from client import Api, Daemon, hns_error, hns_ok
from common import check

ORDER = 72
HOST_IP = "192.0.2.10"
CONFIG = {"Switch": {"Name": "obnsw"},
          "Ports": [{"Name": "up", "Devargs": "net_null0", "Uplink": True,
                     "IPAddresses": [HOST_IP + "/24"]},
                    {"Name": "p1", "Devargs": "net_null1"}]}
WIN_BRIDGE = {"Type": "OutBoundNAT",
              "ExceptionList": ["10.244.0.0/16", "10.96.0.0/12", "192.0.2.0/24"]}


class ObnatDaemon:
    daemon = None
    api = None


def obnat_api(s):
    if ObnatDaemon.api is None:
        sock = s.path("obnat.sock")
        ObnatDaemon.daemon = Daemon(s.vswitchd, s.w, "obnat").start(
            CONFIG, ["--api", f"unix:{sock}"], wait_unix=sock)
        ObnatDaemon.api = Api(unix_path=sock)
    return ObnatDaemon.api


def network(api, name, ntype, prefix):
    return hns_ok(api.post("/networks/", {
        "Name": name, "Type": ntype, "NetworkAdapterName": "up",
        "Subnets": [{"AddressPrefix": prefix + ".0/24", "GatewayAddress": prefix + ".1"}]}),
        f"POST /networks/ {name}")


def obnat_entries(api, eid):
    got = hns_ok(api.get(f"/endpoints/{eid}/policystatus"), "policystatus")
    return [p for p in got if p["Type"] == "OutBoundNAT"]


def nat_names(api):
    return [n["Name"] for n in api.get("/stats").json()["Nat"]["Nats"]]


def test_obnat_bad_exception_prefix_is_400_naming_the_field(s):
    api = obnat_api(s)
    net = network(api, "obn-bad", "L2Bridge", "10.244.7")
    err = hns_error(api.post("/endpoints/", {
        "Name": "obn-bad-v1", "VirtualNetwork": net["ID"], "IPAddress": "10.244.7.5",
        "Policies": [{"Type": "OutBoundNAT", "ExceptionList": ["10.0.0.0/99"]}]}),
        "v1 ExceptionList /99", 400)
    check("ExceptionList" in err, f"Error does not name ExceptionList: {err!r}")
    err = hns_error(api.post("/v2/endpoints", {
        "Name": "obn-bad-v2", "HostComputeNetwork": net["ID"],
        "IpConfigurations": [{"IpAddress": "10.244.7.6"}],
        "Policies": [{"Type": "OutBoundNAT", "Settings": {"Exceptions": ["not-an-ip"]}}],
        "SchemaVersion": {"Major": 2, "Minor": 0}}), "v2 Exceptions not-an-ip", 400)
    check("Exceptions" in err, f"Error does not name Exceptions: {err!r}")
    hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE network")


def test_obnat_enforced_on_l2bridge_follows_updates_and_detach(s):
    api = obnat_api(s)
    net = network(api, "obn-l2b", "L2Bridge", "10.244.1")
    ep = hns_ok(api.post("/endpoints/", {
        "Name": "obn-ep", "VirtualNetwork": net["ID"], "IPAddress": "10.244.1.5",
        "Policies": [WIN_BRIDGE]}), "POST /endpoints/")
    eid = ep["ID"]
    check([p["Status"] for p in obnat_entries(api, eid)] == ["Not attached"],
          f"before the attach: {obnat_entries(api, eid)}")
    hns_ok(api.post(f"/endpoints/{eid}/attach", {"VirtualNicName": "p1"}), "attach")
    try:
        got = obnat_entries(api, eid)
        check(len(got) == 1 and got[0]["Status"] == "Enforced" and
              got[0].get("ExternalAddress") == HOST_IP and got[0].get("Packets") == 0 and
              got[0].get("Sessions") == 0 and got[0].get("Nat") == "OutBoundNAT " + HOST_IP,
              f"attached: {got}")
        check("OutBoundNAT " + HOST_IP in nat_names(api), f"/stats Nats {nat_names(api)}")
        # v2 PATCH: a VIP and a pool; an IPv6 (Flags 2) policy is not enforced
        hns_ok(api.request("PATCH", f"/v2/endpoints/{eid}", {
            "ResourceType": "Policy", "RequestType": "Update",
            "Settings": {"Policies": [
                {"Type": "OutBoundNAT", "Settings": {"Exceptions": ["10.244.0.0/16"],
                                                     "VirtualIP": "192.0.2.99",
                                                     "MaxPortPoolUsage": 100}},
                {"Type": "OutBoundNAT", "Settings": {"Exceptions": ["fd00::/8"],
                                                     "Flags": 2}}]}}),
            "v2 PATCH Update OutBoundNAT")
        got = obnat_entries(api, eid)
        check([p["Status"] for p in got] == ["Enforced", "Stored"] and
              got[0].get("ExternalAddress") == "192.0.2.99" and
              got[0].get("Nat") == "OutBoundNAT 192.0.2.99 ports 100", f"after PATCH: {got}")
        names = nat_names(api)
        check("OutBoundNAT 192.0.2.99 ports 100" in names and
              "OutBoundNAT " + HOST_IP not in names, f"/stats Nats after PATCH: {names}")
    finally:
        hns_ok(api.post(f"/endpoints/{eid}/detach", {}), "detach")
    check([p["Status"] for p in obnat_entries(api, eid)] == ["Not attached", "Stored"],
          f"after the detach: {obnat_entries(api, eid)}")
    check(not any(n.startswith("OutBoundNAT") for n in nat_names(api)),
          f"a WinNAT object stayed after the detach: {nat_names(api)}")
    hns_ok(api.delete(f"/endpoints/{eid}"), "DELETE endpoint")
    hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE network")


def test_obnat_enforced_on_overlay_endpoints(s):
    """win-overlay's pod on a (Calico-style v1) Overlay network: its
    OutBoundNAT is Enforced once attached (the DR SNATs what no overlay
    route takes), with the host address, and Not attached after."""
    api = obnat_api(s)
    net = hns_ok(api.post("/networks/", {
        "Name": "obn-ovl", "Type": "Overlay", "NetworkAdapterName": "up",
        "Subnets": [{"AddressPrefix": "10.244.9.0/24", "GatewayAddress": "10.244.9.1",
                     "Policies": [{"Type": "VSID", "VSID": 4096}]}]}), "POST Overlay network")
    ep = hns_ok(api.post("/endpoints/", {
        "Name": "obn-ovl-ep", "VirtualNetwork": net["ID"], "IPAddress": "10.244.9.5",
        "MacAddress": "0E-2A-0a-f4-09-05", "GatewayAddress": "10.244.9.1",
        "Policies": [{"Type": "PA", "PA": HOST_IP},
                     {"Type": "OutBoundNAT", "ExceptionList": ["10.244.0.0/16",
                                                               "10.96.0.0/12"]}]}),
        "POST /endpoints/")
    eid = ep["ID"]
    hns_ok(api.post(f"/endpoints/{eid}/attach", {"VirtualNicName": "p1"}), "attach")
    try:
        got = obnat_entries(api, eid)
        check(len(got) == 1 and got[0]["Status"] == "Enforced" and
              got[0].get("ExternalAddress") == HOST_IP and
              got[0].get("Nat") == "OutBoundNAT " + HOST_IP, f"attached: {got}")
        check("OutBoundNAT " + HOST_IP in nat_names(api), f"/stats Nats {nat_names(api)}")
    finally:
        hns_ok(api.post(f"/endpoints/{eid}/detach", {}), "detach")
    check([p["Status"] for p in obnat_entries(api, eid)] == ["Not attached"],
          f"after the detach: {obnat_entries(api, eid)}")
    check(not any(n.startswith("OutBoundNAT") for n in nat_names(api)),
          f"a WinNAT object stayed after the detach: {nat_names(api)}")
    hns_ok(api.delete(f"/endpoints/{eid}"), "DELETE endpoint")
    hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE network")


def test_obnat_on_a_nat_network_is_stored(s):
    api = obnat_api(s)
    net = network(api, "obn-nat", "NAT", "172.30.44")
    ep = hns_ok(api.post("/endpoints/", {
        "Name": "obn-nat-ep", "VirtualNetwork": net["ID"], "Policies": [WIN_BRIDGE]}),
        "POST /endpoints/")
    hns_ok(api.post(f"/endpoints/{ep['ID']}/attach", {"VirtualNicName": "p1"}), "attach")
    try:
        got = obnat_entries(api, ep["ID"])
        check([p["Status"] for p in got] == ["Stored"], f"on a NAT network: {got}")
    finally:
        hns_ok(api.post(f"/endpoints/{ep['ID']}/detach", {}), "detach")
    hns_ok(api.delete(f"/endpoints/{ep['ID']}"), "DELETE endpoint")
    hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE network")
    rc = ObnatDaemon.daemon.stop()
    ObnatDaemon.api.close()
    ObnatDaemon.daemon = ObnatDaemon.api = None
    check(rc == 0, f"exit code {rc} on SIGTERM")
