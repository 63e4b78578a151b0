"""REST API cases: the call sequences of the real HNS clients of a
Kubernetes node (../shared/hns/CLIENTS.md), with the bodies posted as their
Go structs marshal them (always-present keys included: "Health":{"Extra":{}},
"Dns":{}, "MacPool":{}, "SchemaVersion", zero Flags ...) and every reply read
the way that client reads it. A daemon of its own with an uplink address,
which networks report as ManagementIP / ProviderAddress."""

import atexit
import json
import urllib.parse

from client import Api, Daemon, hns_error, hns_ok
from common import check

ORDER = 95  # a daemon of its own

UPLINK_IP = "192.0.2.10"
SV2 = {"Major": 2, "Minor": 0}
HEALTH = {"Extra": {}}
ZERO_GUID = "00000000-0000-0000-0000-000000000000"


def clients_config():
    return {"Switch": {"Name": "clientsw"},
            "Ports": [{"Name": "up", "Devargs": "net_null80,no-rx=1", "Uplink": True,
                       "IPAddresses": [f"{UPLINK_IP}/24"], "DefaultGateway": "192.0.2.1"},
                      {"Name": "c1", "Devargs": "net_null81,no-rx=1"}]}


class ClientsDaemon:
    daemon = None
    api = None


def _stop():
    if ClientsDaemon.api is not None:
        ClientsDaemon.api.close()
        ClientsDaemon.api = None
    if ClientsDaemon.daemon is not None:
        ClientsDaemon.daemon.stop()
        ClientsDaemon.daemon = None


atexit.register(_stop)


def clients_api(s):
    """The daemon's client, started on first use (stopped at exit)."""
    d = ClientsDaemon.daemon
    if d is not None and d.proc is not None and d.proc.poll() is None:
        return ClientsDaemon.api
    if d is not None:
        raise AssertionError("the HNS clients daemon died: " + d.log_tail())
    sock = s.path("clients.sock")
    ClientsDaemon.daemon = Daemon(s.vswitchd, s.w, "clients").start(
        clients_config(), ["--api", f"unix:{sock}", "--state", s.path("clients.db")],
        wait_unix=sock)
    ClientsDaemon.api = Api(unix_path=sock)
    return ClientsDaemon.api


def reply(r):
    """The whole envelope, for Warnings and ErrorCode."""
    return r.json()


def patch(api, path, body):
    return api.request("PATCH", path, body)


def by_filter(api, coll, flt):
    """hcsshim's enumerate with a HostComputeQuery Filter."""
    q = urllib.parse.quote(json.dumps(flt))
    return hns_ok(api.get(f"/v2/{coll}?filter={q}"), f"GET /v2/{coll}?filter={flt}")


def policy(obj, ptype):
    return [p for p in obj.get("Policies") or [] if p.get("Type") == ptype]


def cleanup(api, endpoints=(), networks=()):
    for eid in endpoints:
        api.delete(f"/endpoints/{eid}")
    for nid in networks:
        api.delete(f"/networks/{nid}")


# ---- feature detection (kube-proxy, flannel vxlan, Calico vxlan, CNIs) ----

def test_globals_version_turns_on_v2_and_modify_loadbalancer(s):
    api = clients_api(s)
    v = hns_ok(api.get("/globals/version"), "GET /globals/version")
    check(v == {"Major": 15, "Minor": 5}, f"version {v!r}")
    # hcsshim: V2 >= 9.2, DSR >= 10.2, SessionAffinity >= 12.0, ModifyLoadbalancer
    # >= 15.4; hnslib (kube-proxy's copy): ModifyLoadbalancer 15.5-15.x or >= 16.0.
    # PUT /v2/loadbalancers/{id} exists (cases_lb.py)
    check((15, 5) <= (v["Major"], v["Minor"]) < (16, 0), "ModifyLoadbalancer off in hnslib")


# ---- kube-proxy winkernel start-up and first sync ----

def test_kube_proxy_startup_and_remote_endpoints(s):
    api = clients_api(s)
    hns_ok(api.get("/policylists/"), "IsCompatible: GET /policylists/")
    check(hns_ok(api.get("/globals/version"), "version")["Major"] >= 10, "no V2")
    check(by_filter(api, "networks", {"Name": "kp-net"}) == [], "a network before it exists")
    net = hns_ok(api.post("/networks/", {"Name": "kp-net", "Type": "L2Bridge",
                                         "Subnets": [{"AddressPrefix": "10.244.1.0/24",
                                                      "GatewayAddress": "10.244.1.1"}]}),
                 "POST /networks/")
    nid = net["ID"]
    got = by_filter(api, "networks", {"Name": "kp-net"})
    check(len(got) == 1 and got[0]["ID"] == nid and got[0]["Type"].lower() == "l2bridge",
          f"GetNetworkByName: {got!r}")
    # ListEndpointsOfNetwork filters by the v1 key name
    check(by_filter(api, "endpoints", {"VirtualNetwork": nid}) == [], "endpoints of a new net")
    remote = {"HostComputeNetwork": nid,
              "IpConfigurations": [{"IpAddress": "10.244.2.7"}],
              "Dns": {}, "MacAddress": "02-11-0a-f4-02-07", "Flags": 1,
              "Health": HEALTH, "SchemaVersion": SV2}
    r = api.post("/v2/endpoints", remote)
    ep = hns_ok(r, "CreateRemoteEndpoint (IP in another node's subnet)")
    check(ep["Flags"] & 1 == 1, f"remote endpoint Flags {ep.get('Flags')!r}")
    check(ep["IpConfigurations"][0]["IpAddress"] == "10.244.2.7", f"{ep!r}")
    check(ep.get("Health") == HEALTH, f"Health not echoed: {ep.get('Health')!r}")
    check("Warnings" not in reply(r), f"wire keys warned about: {reply(r).get('Warnings')}")
    # a second remote endpoint with the same host MAC (kube-proxy Overlay)
    ep2 = hns_ok(api.post("/v2/endpoints", dict(remote, IpConfigurations=[
        {"IpAddress": "10.96.0.10"}])), "a second remote endpoint, same MAC")
    listed = by_filter(api, "endpoints", {"VirtualNetwork": nid})
    check(sorted(e["ID"] for e in listed) == sorted([ep["ID"], ep2["ID"]]),
          f"ListEndpointsOfNetwork: {[e['ID'] for e in listed]}")
    # IDs in any case, answered upper-case
    one = by_filter(api, "endpoints", {"ID": ep["ID"].lower()})
    check(len(one) == 1 and one[0]["ID"] == ep["ID"].upper(), f"GetEndpointByID {one!r}")
    cleanup(api, [ep["ID"], ep2["ID"]], [nid])


# ---- flannel host-gw (v1 only) ----

def test_flannel_host_gw(s):
    api = clients_api(s)
    net = hns_ok(api.post("/networks/", {"Name": "cbr0", "Type": "L2Bridge",
                                         "DNSServerList": "10.96.0.10",
                                         "Subnets": [{"AddressPrefix": "10.244.3.0/24",
                                                      "GatewayAddress": "10.244.3.1"}]}),
                 "POST /networks/ cbr0")
    nid = net["ID"]
    got = hns_ok(api.get(f"/networks/{nid}"), "poll GET /networks/{id}")
    check(got.get("ManagementIP") == UPLINK_IP, f"ManagementIP {got.get('ManagementIP')!r}")
    listed = hns_ok(api.get("/networks/"), "GET /networks/")
    mine = [n for n in listed if n["Name"] == "cbr0"]
    check(mine and mine[0]["Subnets"][0]["AddressPrefix"] == "10.244.3.0/24" and
          mine[0]["Subnets"][0]["GatewayAddress"] == "10.244.3.1", f"reuse check {mine!r}")
    ep = hns_ok(api.post("/endpoints/", {"Name": "cbr0_ep", "VirtualNetwork": nid,
                                         "IPAddress": "10.244.3.2"}), "POST cbr0_ep")
    hns_ok(api.post(f"/endpoints/{ep['ID']}/attach",
                    {"SystemType": "Host", "CompartmentId": 1}), "host attach")
    # the poll loop attaches again: the already-attached text counts as success
    err = hns_error(api.post(f"/endpoints/{ep['ID']}/attach",
                             {"SystemType": "Host", "CompartmentId": 1}),
                    "second host attach", 409)
    check("This endpoint is already attached to the switch." in err, f"Error {err!r}")
    cleanup(api, [ep["ID"]], [nid])


# ---- flannel vxlan (v2 Overlay) and Calico felix's vxlan manager ----

def test_flannel_vxlan_overlay_and_remote_subnet_routes(s):
    api = clients_api(s)
    check(hns_ok(api.get("/globals/version"), "version")["Major"] >= 10, "no RemoteSubnet")
    body = {"Name": "flannel.4096", "Type": "Overlay",
            "Policies": [{"Type": "NetAdapterName", "Settings": {"NetworkAdapterName": "up"}}],
            "MacPool": {}, "Dns": {},
            "Ipams": [{"Type": "Static", "Subnets": [{
                "IpAddressPrefix": "10.244.4.0/24", "Flags": 0,
                "Policies": [{"Type": "VSID", "Settings": {"IsolationId": 4096}}],
                "Routes": [{"NextHop": "10.244.4.1", "DestinationPrefix": "0.0.0.0/0"}]}]}],
            "Flags": 8, "Health": HEALTH, "SchemaVersion": SV2}
    r = api.post("/v2/networks", body)
    net = hns_ok(r, "POST /v2/networks flannel.4096")
    check("Warnings" not in reply(r), f"wire keys warned about: {reply(r).get('Warnings')}")
    nid = net["ID"]
    got = hns_ok(api.get(f"/v2/networks/{nid}"), "GetNetworkByID")
    pa = policy(got, "ProviderAddress")
    check(pa and pa[0]["Settings"]["ProviderAddress"] == UPLINK_IP, f"ProviderAddress {pa!r}")
    dr = policy(got, "DrMacAddress")
    check(dr and len(dr[0]["Settings"]["Address"]) == 17, f"DrMacAddress {dr!r}")
    check(got["Ipams"][0]["Subnets"][0]["IpAddressPrefix"] == "10.244.4.0/24", "lease check")
    # the same address in the v1 view (Calico compares them)
    v1 = hns_ok(api.get(f"/networks/{nid}"), "v1 GET")
    check(v1.get("ManagementIP") == UPLINK_IP, f"v1 ManagementIP {v1.get('ManagementIP')!r}")
    again = hns_ok(api.get(f"/v2/networks/{nid}"), "GetNetworkByID again")
    check(policy(again, "DrMacAddress") == dr, "DrMacAddress is not stable")
    # HostRoute once, then a remote subnet per remote node
    hns_ok(patch(api, f"/v2/networks/{nid}", {
        "ResourceType": "Policy", "RequestType": "Add",
        "Settings": {"Policies": [{"Type": "HostRoute", "Settings": {}}]}}), "AddPolicy HostRoute")
    route = {"Type": "RemoteSubnetRoute", "Settings": {
        "DestinationPrefix": "10.244.2.0/24", "IsolationId": 4096,
        "ProviderAddress": "192.0.2.12", "DistributedRouterMacAddress": "0e:2a:c0:a8:01:0c"}}
    hns_ok(patch(api, f"/v2/networks/{nid}", {
        "ResourceType": "Policy", "RequestType": "Add",
        "Settings": {"Policies": [route]}}), "AddPolicy RemoteSubnetRoute")
    got = hns_ok(api.get(f"/v2/networks/{nid}"), "re-read")
    check(policy(got, "HostRoute"), f"no HostRoute policy: {got['Policies']!r}")
    rs = policy(got, "RemoteSubnetRoute")
    check(len(rs) == 1 and rs[0]["Settings"]["DestinationPrefix"] == "10.244.2.0/24" and
          rs[0]["Settings"]["ProviderAddress"] == "192.0.2.12", f"RemoteSubnetRoute {rs!r}")
    # felix removes with the MAC in Windows form: matched semantically
    rm = {"Type": "RemoteSubnetRoute", "Settings": dict(
        route["Settings"], DistributedRouterMacAddress="0E-2A-C0-A8-01-0C")}
    hns_ok(patch(api, f"/v2/networks/{nid}", {
        "ResourceType": "Policy", "RequestType": "Remove",
        "Settings": {"Policies": [rm]}}), "RemovePolicy RemoteSubnetRoute")
    got = hns_ok(api.get(f"/v2/networks/{nid}"), "re-read")
    check(not policy(got, "RemoteSubnetRoute"), f"still there: {got['Policies']!r}")
    hns_ok(api.delete(f"/v2/networks/{nid}"), "delete")


# ---- win-bridge v1 (dockershim) ----

def test_win_bridge_v1(s):
    api = clients_api(s)
    net = hns_ok(api.post("/networks/", {"Name": "wb1", "Type": "L2Bridge",
                                         "Subnets": [{"AddressPrefix": "10.244.5.0/24",
                                                      "GatewayAddress": "10.244.5.1"}]}),
                 "network")
    nid = net["ID"]
    pols = [{"Type": "OutBoundNAT", "ExceptionList": ["10.244.0.0/16", "10.96.0.0/12",
                                                      "192.0.2.0/24"]},
            {"Type": "ROUTE", "DestinationPrefix": "10.96.0.0/12", "NeedEncap": True},
            {"Type": "ROUTE", "DestinationPrefix": f"{UPLINK_IP}/32", "NeedEncap": True},
            {"Type": "OutBoundNAT", "ExceptionList": ["10.10.0.0/16"]},
            {"Type": "NAT", "InternalPort": 80, "ExternalPort": 8080, "Protocol": "TCP"},
            {"Type": "OutBoundNAT", "Destinations": ["10.244.5.5"]}]
    r = api.post("/endpoints/", {"Name": "sb1_wb1", "VirtualNetwork": nid, "Policies": pols,
                                 "IPAddress": "10.244.5.5", "DNSSuffix": "svc.cluster.local",
                                 "DNSServerList": "10.96.0.10", "GatewayAddress": "10.244.5.2"})
    ep = hns_ok(r, "POST /endpoints/")
    check(len(policy(ep, "OutBoundNAT")) == 3, f"OutBoundNAT policies {ep['Policies']!r}")
    check("Warnings" not in reply(r), f"warnings {reply(r).get('Warnings')}")
    got = hns_ok(api.get(f"/endpoints/{ep['ID']}"), "IsAttached")
    check("SharedContainers" not in got, f"attached already: {got!r}")
    hns_ok(api.post(f"/endpoints/{ep['ID']}/attach",
                    {"ContainerId": "c0ffee", "SystemType": "Container"}), "container attach")
    got = hns_ok(api.get(f"/endpoints/{ep['ID']}"), "IsAttached")
    check(got.get("SharedContainers") == ["c0ffee"], f"SharedContainers {got!r}")
    hns_ok(api.post(f"/endpoints/{ep['ID']}/detach",
                    {"ContainerId": "c0ffee", "SystemType": "Container"}), "detach")
    cleanup(api, [ep["ID"]], [nid])


# ---- win-bridge v2 (containerd), sdnbridge ----

def test_win_bridge_v2_and_namespace(s):
    api = clients_api(s)
    net = hns_ok(api.post("/networks/", {"Name": "wb2", "Type": "L2Bridge",
                                         "Subnets": [{"AddressPrefix": "10.244.6.0/24",
                                                      "GatewayAddress": "10.244.6.1"}]}),
                 "network")
    nid = by_filter(api, "networks", {"Name": "wb2"})[0]["ID"]
    check(nid == net["ID"], "GetNetworkByName")
    check(by_filter(api, "endpoints", {"Name": "sb2_wb2"}) == [], "GetEndpointByName")
    body = {"Name": "sb2_wb2", "HostComputeNetwork": nid,
            "Policies": [
                {"Type": "OutBoundNAT", "Settings": {"Exceptions": ["10.244.0.0/16"]}},
                {"Type": "SDNRoute", "Settings": {"DestinationPrefix": "10.96.0.0/12",
                                                  "NeedEncap": True}},
                {"Type": "PortMapping", "Settings": {"InternalPort": 80, "ExternalPort": 8080,
                                                     "Protocol": 6, "VIP": "", "Flags": 0}},
                {"Type": "OutBoundNAT", "Settings": {"Destinations": ["10.244.6.5"],
                                                     "Flags": 0}}],
            "IpConfigurations": [{"IpAddress": "10.244.6.5"}],
            "Dns": {"Domain": "svc.cluster.local", "Search": ["svc.cluster.local"],
                    "ServerList": ["10.96.0.10"], "Options": ["ndots:5"]},
            "Routes": [{"NextHop": "10.244.6.2", "DestinationPrefix": "0.0.0.0/0"}],
            "Flags": 0, "Health": HEALTH, "SchemaVersion": SV2}
    r = api.post("/v2/endpoints", body)
    ep = hns_ok(r, "POST /v2/endpoints")
    check("Warnings" not in reply(r), f"warnings {reply(r).get('Warnings')}")
    pm = policy(ep, "PortMapping")
    check(pm and pm[0]["Settings"].get("VIP") == "", f"PortMapping VIP {pm!r}")
    check(ep["IpConfigurations"][0]["IpAddress"] == "10.244.6.5" and
          ep["Routes"][0]["NextHop"] == "10.244.6.2", f"result fields {ep!r}")
    got = hns_ok(api.get(f"/v2/networks/{nid}"), "network")
    check(got["Ipams"][0]["Subnets"][0]["IpAddressPrefix"] == "10.244.6.0/24", "Ipams")
    check("HostComputeNamespace" not in ep, f"namespace before add: {ep!r}")
    ns = hns_ok(api.post("/v2/namespaces", {"Type": "Host", "SchemaVersion": SV2}), "namespace")
    hns_ok(patch(api, f"/v2/namespaces/{ns['ID']}", {
        "ResourceType": "Endpoint", "RequestType": "Add",
        "Settings": {"EndpointId": ep["ID"]}}), "AddNamespaceEndpoint")
    got = by_filter(api, "endpoints", {"Name": "sb2_wb2"})[0]
    check(got.get("HostComputeNamespace") == ns["ID"], f"HostComputeNamespace {got!r}")
    hns_ok(api.get(f"/v2/namespaces/{got['HostComputeNamespace']}"), "GetNamespaceByID")
    hns_ok(patch(api, f"/v2/namespaces/{ns['ID']}", {
        "ResourceType": "Endpoint", "RequestType": "Remove",
        "Settings": {"EndpointId": ep["ID"]}}), "RemoveNamespaceEndpoint")
    hns_ok(api.delete(f"/v2/endpoints/{ep['ID']}"), "delete endpoint")
    hns_ok(api.delete(f"/v2/namespaces/{ns['ID']}"), "delete namespace")
    hns_ok(api.delete(f"/networks/{nid}"), "delete network")


def test_sdnbridge_creates_its_network_with_an_empty_route(s):
    api = clients_api(s)
    body = {"Name": "sdnbr", "Type": "L2Bridge",
            "Ipams": [{"Type": "Static", "Subnets": [{"IpAddressPrefix": "192.168.50.0/24",
                                                      "Routes": [{}]}]}],
            "Dns": {}, "MacPool": {}, "Flags": 0, "Health": HEALTH, "SchemaVersion": SV2}
    net = hns_ok(api.post("/v2/networks", body), "sdnbridge network, Routes [{}]")
    ep = hns_ok(api.post("/v2/endpoints", {
        "Name": "cid_sdnbr", "HostComputeNetwork": net["ID"], "Dns": {},
        "Routes": [{"NextHop": "192.168.50.2", "DestinationPrefix": "0.0.0.0/0"}],
        "IpConfigurations": [{"IpAddress": "192.168.50.7"}], "SchemaVersion": SV2,
        "Policies": [{"Type": "ACL", "Settings": {"Protocols": "6", "Action": "Allow",
                                                   "Direction": "In", "LocalPorts": "80",
                                                   "Priority": 1000, "RuleType": "Switch"}}]}),
        "sdnbridge endpoint")
    check(policy(ep, "ACL"), f"ACL {ep['Policies']!r}")
    hns_ok(api.delete(f"/v2/endpoints/{ep['ID']}"), "delete")
    hns_ok(api.delete(f"/v2/networks/{net['ID']}"), "delete")


# ---- win-overlay ----

def test_win_overlay_reads_management_ip_and_gateway(s):
    api = clients_api(s)
    net = hns_ok(api.post("/networks/", {
        "Name": "ovl", "Type": "Overlay",
        "Subnets": [{"AddressPrefix": "10.244.7.0/24", "GatewayAddress": "10.244.7.1",
                     "Policies": [{"Type": "VSID", "VSID": 4096}]}]}), "Calico-style v1 Overlay")
    listed = [n for n in hns_ok(api.get("/networks/"), "GET /networks/") if n["Name"] == "ovl"]
    check(listed and listed[0].get("ManagementIP") == UPLINK_IP and
          listed[0]["Subnets"][0]["GatewayAddress"] == "10.244.7.1", f"v1 view {listed!r}")
    v2 = by_filter(api, "networks", {"Name": "ovl"})
    check(v2 and v2[0]["Type"] == "Overlay", f"v2 type {v2!r}")
    ep = hns_ok(api.post("/endpoints/", {
        "Name": "sb_ovl", "VirtualNetwork": net["ID"], "IPAddress": "10.244.7.5",
        "MacAddress": "0E-2A-0a-f4-07-05", "GatewayAddress": "10.244.7.1",
        "Policies": [{"Type": "PA", "PA": UPLINK_IP},
                     {"Type": "OutBoundNAT", "ExceptionList": ["10.244.7.0/24"]}]}),
        "win-overlay endpoint")
    check(policy(ep, "PA") and policy(ep, "PA")[0]["PA"] == UPLINK_IP, f"PA {ep!r}")
    cleanup(api, [ep["ID"]], [net["ID"]])


# ---- Calico CNI and felix ----

def test_calico_cni_and_felix_acl_updates(s):
    api = clients_api(s)
    net = hns_ok(api.post("/networks/", {"Name": "calico-10-244-8-0", "Type": "L2Bridge",
                                         "Subnets": [{"AddressPrefix": "10.244.8.0/24",
                                                      "GatewayAddress": "10.244.8.1"}]}),
                 "network")
    host = hns_ok(api.post("/endpoints/", {"Name": "calico-10-244-8-0_ep",
                                           "VirtualNetwork": net["ID"],
                                           "IPAddress": "10.244.8.2"}), "host endpoint")
    hns_ok(api.post(f"/endpoints/{host['ID']}/attach",
                    {"SystemType": "Host", "CompartmentId": 1}), "host attach")
    ep = hns_ok(api.post("/endpoints/", {
        "Name": "pod_calico", "VirtualNetwork": net["ID"], "IPAddress": "10.244.8.9",
        "Policies": [{"Type": "OutBoundNAT", "ExceptionList": ["10.244.0.0/16"]},
                     {"Type": "SDNROUTE", "DestinationPrefix": "10.96.0.0/12",
                      "NeedEncap": True},
                     {"Type": "ACL", "Id": "CNIDefaultDenyAllPolicy", "Protocol": 256,
                      "Action": "Block", "Direction": "In", "RuleType": "Switch",
                      "Priority": 65500}]}), "pod endpoint, default deny")
    eid = ep["ID"]
    check(len(ep["Policies"]) == 3, f"policies {ep['Policies']!r}")
    # felix: the complete rule set as a sparse update; other policy types stay
    acls = [{"Type": "ACL", "Id": "allow-dns", "Protocol": 17, "Action": "Allow",
             "Direction": "Out", "RemoteAddresses": "10.96.0.10", "RemotePorts": "53",
             "RuleType": "Switch", "Priority": 1000},
            {"Type": "ACL", "Id": "host-in", "Protocol": 256, "Action": "Allow",
             "Direction": "In", "RuleType": "Host", "Priority": 100}]
    got = hns_ok(api.post(f"/endpoints/{eid}", {"ID": eid, "Policies": acls}), "ApplyACLPolicy")
    types = sorted(p["Type"] for p in got["Policies"])
    check(types == ["ACL", "ACL", "OutBoundNAT", "ROUTE"], f"after the ACL update: {types}")
    check(sorted(p.get("Id") for p in policy(got, "ACL")) == ["allow-dns", "host-in"],
          f"ACLs {policy(got, 'ACL')!r}")
    # v2 default deny as Calico sends it
    hns_ok(patch(api, f"/v2/endpoints/{eid}", {
        "ResourceType": "Policy", "RequestType": "Update",
        "Settings": {"Policies": [{"Type": "ACL", "Settings": {
            "Protocols": "256", "Action": "Block", "Direction": "In", "RuleType": "Switch",
            "Priority": 65500}}]}}), "v2 ApplyPolicy(Update, ACL 256)")
    # an enforced policy with a bad value still fails, naming the field
    err = hns_error(api.post(f"/endpoints/{eid}", {"ID": eid, "Policies": [
        {"Type": "ACL", "Action": "Allow", "Direction": "Up"}]}), "bad ACL direction", 400)
    check("Policies[0].Direction" in err, f"Error {err!r}")
    cleanup(api, [eid, host["ID"]], [net["ID"]])


# ---- Antrea ----

def test_antrea_network_extension_and_endpoint_delete(s):
    api = clients_api(s)
    net = hns_ok(api.post("/networks/", {
        "Name": "antrea-hnsnetwork", "Type": "Transparent", "NetworkAdapterName": "up",
        "Subnets": [{"AddressPrefix": "10.244.9.0/24", "GatewayAddress": "10.244.9.1"}],
        "ManagementIP": "192.0.2.99", "SourceMac": "02-00-00-00-00-99"}), "network")
    nid = net["ID"]
    ext = [{"Id": "583CC151-73EC-4A6A-8B47-578297AD7623", "IsEnabled": True}]
    got = hns_ok(api.post(f"/networks/{nid}", {"Extensions": ext}), "POST /networks/{id}")
    check(got.get("Extensions") == ext, f"Extensions {got.get('Extensions')!r}")
    check(got.get("ManagementIP") == "192.0.2.99", "the given ManagementIP is kept")
    r = api.post("/endpoints/", {"Name": "pod_antrea", "VirtualNetwork": nid,
                                 "IPAddress": "10.244.9.5", "GatewayAddress": "10.244.9.1",
                                 "AdditionalParams": {"antrea-pod": "default/web"}})
    ep = hns_ok(r, "POST /endpoints/ with AdditionalParams")
    v2 = hns_ok(api.get(f"/v2/endpoints/{ep['ID']}"), "GetEndpointByID")
    ns = v2.get("HostComputeNamespace", "")
    check(ns in ("", ZERO_GUID), f"HostComputeNamespace of an endpoint in none: {ns!r}")
    hns_ok(api.delete(f"/endpoints/{ep['ID']}"), "delete")
    err = hns_error(api.delete(f"/endpoints/{ep['ID']}"), "delete again", 404)
    check("The endpoint was not found" in err, f"Error {err!r}")
    hns_ok(api.delete(f"/networks/{nid}"), "delete network")


# ---- what every client relies on ----

def test_unknown_keys_are_kept_echoed_and_warned(s):
    api = clients_api(s)
    r = api.post("/v2/networks", {"name": "lenient", "TYPE": "NAT", "FutureKnob": {"a": 1},
                                  "Policies": [{"Type": "L4WfpProxy",
                                                "Settings": {"InboundProxyPort": "15001"}}],
                                  "SchemaVersion": {"Major": 0, "Minor": 0}})
    net = hns_ok(r, "keys in any case, an unknown key, an unenforced policy")
    warnings = reply(r).get("Warnings") or []
    check(any("FutureKnob" in w for w in warnings), f"Warnings {warnings!r}")
    check(any("L4WfpProxy" in w for w in warnings), f"Warnings {warnings!r}")
    check(net["Name"] == "lenient" and net.get("FutureKnob") == {"a": 1}, f"echo {net!r}")
    got = hns_ok(api.get(f"/v2/networks/{net['ID']}"), "GET")
    check(got.get("FutureKnob") == {"a": 1}, f"not echoed on GET: {got!r}")
    check(policy(got, "L4WfpProxy") == [{"Type": "L4WfpProxy",
                                         "Settings": {"InboundProxyPort": "15001"}}],
          f"policy not kept verbatim: {got['Policies']!r}")
    hns_ok(api.delete(f"/v2/networks/{net['ID']}"), "delete")


def test_v2_errors_carry_the_hresult(s):
    api = clients_api(s)
    missing = "5A3B0000-0000-4000-8000-000000000000"
    doc = reply(api.get(f"/v2/endpoints/{missing}"))
    check(doc.get("ErrorCode") == 0x80070490, f"not found: {doc!r}")
    check(doc["Error"].startswith("Element not found."), f"text {doc['Error']!r}")
    doc = reply(api.post("/v2/networks", {"Name": "bad", "Type": "Bogus"}))
    check(doc.get("ErrorCode") == 0x80070057, f"invalid argument: {doc!r}")
    net = hns_ok(api.post("/v2/networks", {"Name": "dup", "Type": "NAT"}), "network")
    doc = reply(api.post("/v2/networks", {"Name": "dup", "Type": "NAT"}))
    check(doc.get("ErrorCode") == 0x800700B7, f"already exists: {doc!r}")
    doc = reply(api.request("PUT", "/v2/networks/" + net["ID"], {}))
    check(doc.get("ErrorCode") == 0x80004001, f"not implemented: {doc!r}")
    hns_ok(api.delete(f"/v2/networks/{net['ID']}"), "delete")


def test_bad_filter_is_400(s):
    api = clients_api(s)
    err = hns_error(api.get("/v2/networks?filter=%7Bnot-json"), "bad filter", 400)
    check("filter" in err, f"Error {err!r}")
    err = hns_error(api.get("/v2/networks?filter=" + urllib.parse.quote('{"Color":"x"}')),
                    "unknown filter key", 400)
    check("Color" in err, f"Error {err!r}")
