"""REST API cases of issue 16 on the main daemon (run.py discovers them):
HNS namespaces are Linux network namespaces and adding an endpoint plumbs
its interface. v2 POST /v2/namespaces makes /run/netns/<ID> (or adopts
"NetNsPath"); PATCH Add/Remove, v1 addresource/removeresource and v1
attach with a ContainerId naming a namespace make and remove eth0, eth1...
with the endpoint's MAC and address, and its switch port; a host attach
("SystemType": "Host") makes vEthernet-<name>; errors name the field and
leave nothing behind; deleting a namespace removes what it held. Every
namespace, interface and object a case makes is removed in its finally."""

import json
import os
import subprocess
import time

from client import Api, Daemon, hns_error, hns_ok
from common import check, make_network

SV2 = {"Major": 2, "Minor": 0}


def patch(api, path, body):
    return api.request("PATCH", path, body)


def ip_json(*args, ns=None):
    cmd = ["ip", "-j"] + (["-n", ns] if ns else []) + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else []


def link(name, ns=None):
    """The link's ip -j view (address, operstate, addr_info), or None."""
    out = ip_json("addr", "show", "dev", name, ns=ns)
    return out[0] if out else None


def host_links():
    """The host's links a plumb could make (other tests and programs may
    add and remove theirs meanwhile): the switch's ends ("hv..."), vNICs."""
    return sorted(l["ifname"] for l in ip_json("link", "show")
                  if l["ifname"].startswith(("hv", "hq", "vEthernet-")))


def check_tap_is_the_pods_interface(ep, ns):
    """With the default PortKind (tap) the pod's interface is the tap the
    port reads: a tun device in the namespace, nothing left in the host's."""
    check(ep.get("PortKind") == "tap", f"PortKind {ep.get('PortKind')!r}, expected tap")
    check(not ip_json("link", "show", "dev", ep["VirtualNicName"]),
          f"the host holds a link {ep['VirtualNicName']}: a tap port has no host end")
    det = ip_json("-d", "link", "show", "dev", ep["InterfaceName"], ns=ns)
    kind = det[0].get("linkinfo", {}).get("info_kind") if det else None
    check(kind == "tun", f"{ep['InterfaceName']} in the pod is a {kind!r}, not a tap")


def check_switch_side(ifname):
    """The switch's end of a pod's veth never answers ARP for the host's
    addresses and has no IPv6 (host_link_switch_side)."""
    def sysctl(path):
        with open(path) as f:
            return f.read().strip()
    arp = sysctl(f"/proc/sys/net/ipv4/conf/{ifname}/arp_ignore")
    check(arp == "8", f"{ifname}: arp_ignore {arp}, expected 8")
    if os.path.exists("/proc/sys/net/ipv6"):
        v6 = sysctl(f"/proc/sys/net/ipv6/conf/{ifname}/disable_ipv6")
        check(v6 == "1", f"{ifname}: disable_ipv6 {v6}, expected 1")


def ports(api):
    return sorted(p["Name"] for p in api.get("/ports").json())


def ns_add(api, ns_id, ep_id, request="Add"):
    return patch(api, f"/v2/namespaces/{ns_id}", {
        "ResourceType": "Endpoint", "RequestType": request,
        "Settings": {"EndpointId": ep_id}})


class Objects:
    """What a case made, removed in its finally (endpoints, namespaces,
    networks, then leftover network namespaces and links)."""

    def __init__(self, api):
        self.api, self.eps, self.nss, self.nets = api, [], [], []
        self.netns, self.links = [], []

    def network(self, name, prefix, gw):
        n = make_network(self.api, name, prefix, gw)
        self.nets.append(n["ID"])
        return n

    def endpoint(self, net, name, ip=None, **extra):
        body = {"Name": name, "VirtualNetwork": net["ID"], **extra}
        if ip:
            body["IPAddress"] = ip
        ep = hns_ok(self.api.post("/endpoints/", body), f"POST /endpoints/ {name}")
        self.eps.append(ep["ID"])
        return ep

    def namespace(self, body=None, v1=False):
        if v1:
            ns = hns_ok(self.api.post("/namespaces/", body or {}), "POST /namespaces/")
        else:
            ns = hns_ok(self.api.post("/v2/namespaces", body or {"SchemaVersion": SV2}),
                        "POST /v2/namespaces")
        self.nss.append(ns["ID"])
        self.netns.append(ns["ID"])
        return ns

    def close(self):
        for e in self.eps:
            self.api.delete(f"/endpoints/{e}")
        for n in self.nss:
            self.api.delete(f"/v2/namespaces/{n}")
        for n in self.nets:
            self.api.delete(f"/networks/{n}")
        for n in self.netns:
            if os.path.exists(f"/run/netns/{n}"):
                subprocess.run(["ip", "netns", "del", n], capture_output=True)
        for l in self.links:
            subprocess.run(["ip", "link", "del", l], capture_output=True)


def test_namespace_v2_create_is_a_network_namespace(s):
    api = s.need_main()
    o = Objects(api)
    try:
        ns = o.namespace()
        path = f"/run/netns/{ns['ID']}"
        check(ns.get("NetNsPath") == path and ns.get("NetNsOwned") is True,
              f"v2 namespace JSON: {ns!r}")
        check(os.path.exists(path), f"{path} was not made")
        check(link("lo", ns=ns["ID"]) is not None, "no loopback in the new namespace")
        v1 = hns_ok(api.get(f"/namespaces/{ns['ID']}"), "GET /namespaces/{id}")
        check(v1.get("NetNsPath") == path, f"v1 view: {v1!r}")
        hns_ok(api.delete(f"/v2/namespaces/{ns['ID']}"), "DELETE /v2/namespaces")
        check(not os.path.exists(path), f"{path} left after DELETE")
    finally:
        o.close()


def test_namespace_patch_add_plumbs_eth0_and_eth1(s):
    api = s.need_main()
    o = Objects(api)
    try:
        net = o.network("net-ns-a", "172.30.21.0/24", "172.30.21.1")
        ep1 = o.endpoint(net, "ep-ns-a1", "172.30.21.2")
        ep2 = o.endpoint(net, "ep-ns-a2", "172.30.21.3")
        ns = o.namespace()
        hns_ok(ns_add(api, ns["ID"], ep1["ID"]), "PATCH Add ep1")
        hns_ok(ns_add(api, ns["ID"], ep2["ID"]), "PATCH Add ep2")
        got1 = hns_ok(api.get(f"/endpoints/{ep1['ID']}"), "GET ep1")
        got2 = hns_ok(api.get(f"/endpoints/{ep2['ID']}"), "GET ep2")
        check(got1.get("InterfaceName") == "eth0" and got2.get("InterfaceName") == "eth1",
              f"interface names {got1.get('InterfaceName')}, {got2.get('InterfaceName')}")
        v2 = hns_ok(api.get(f"/v2/endpoints/{ep2['ID']}"), "GET /v2/endpoints ep2")
        check(v2.get("InterfaceName") == "eth1" and v2.get("NetNsPath"),
              f"the v2 view does not show the interface: {v2!r}")
        check(got1["State"] == 2 and got1.get("VirtualNicName"), f"ep1 not attached: {got1!r}")
        r = api.get(f"/ports/{got1['VirtualNicName']}")
        check(r.status == 200, f"GET /ports/{got1['VirtualNicName']}: HTTP {r.status}")
        port = r.json()
        check(port.get("Endpoint") == ep1["ID"], f"port {got1['VirtualNicName']}: {port!r}")
        check_tap_is_the_pods_interface(got1, ns["ID"])
        eth0 = link("eth0", ns=ns["ID"])
        check(eth0 is not None, "no eth0 in the namespace")
        mac = got1["MacAddress"].replace("-", ":").lower()
        check(eth0["address"] == mac, f"eth0 MAC {eth0['address']}, endpoint {mac}")
        addrs = [f"{a['local']}/{a['prefixlen']}" for a in eth0.get("addr_info", [])
                 if a.get("family") == "inet"]
        check(addrs == ["172.30.21.2/24"], f"eth0 addresses {addrs}")
        check("UP" in eth0.get("flags", []), f"eth0 flags {eth0.get('flags')}")
        routes = ip_json("route", "show", "default", ns=ns["ID"])
        check(any(r.get("gateway") == "172.30.21.1" and r.get("dev") == "eth0" for r in routes),
              f"default routes {routes}")
        # Remove: the interface and the port go, the endpoint is detached
        hns_ok(ns_add(api, ns["ID"], ep1["ID"], "Remove"), "PATCH Remove ep1")
        check(link("eth0", ns=ns["ID"]) is None, "eth0 left after Remove")
        check(got1["VirtualNicName"] not in ports(api), "the port stayed after Remove")
        check(hns_ok(api.get(f"/endpoints/{ep1['ID']}"), "GET ep1")["State"] != 2,
              "ep1 still attached after Remove")
    finally:
        o.close()


def test_namespace_v1_addresource_and_container_attach(s):
    api = s.need_main()
    o = Objects(api)
    try:
        net = o.network("net-ns-b", "172.30.22.0/24", "172.30.22.1")
        ep1 = o.endpoint(net, "ep-ns-b1", "172.30.22.2", EncapOverhead=50)
        ep2 = o.endpoint(net, "ep-ns-b2", "172.30.22.3")
        ns = o.namespace({}, v1=True)
        hns_ok(api.post(f"/namespaces/{ns['ID']}/addresource",
                        {"Type": "Endpoint", "Data": {"Id": ep1["ID"]}}), "addresource")
        eth0 = link("eth0", ns=ns["ID"])
        check(eth0 is not None, "addresource made no eth0")
        check(eth0.get("mtu") == 1450, f"eth0 MTU {eth0.get('mtu')}, want 1500 - EncapOverhead 50")
        # v1 attach with a ContainerId that names the namespace
        hns_ok(api.post(f"/endpoints/{ep2['ID']}/attach",
                        {"ContainerId": ns["ID"], "SystemType": "Container"}), "attach")
        got = hns_ok(api.get(f"/namespaces/{ns['ID']}"), "GET /namespaces/{id}")
        ids = [r["Data"]["Id"] for r in got["ResourceList"]]
        check(ids == [ep1["ID"], ep2["ID"]], f"ResourceList {ids}")
        check(link("eth1", ns=ns["ID"]) is not None, "the attach made no eth1")
        hns_ok(api.post(f"/endpoints/{ep2['ID']}/detach", {}), "detach")
        check(link("eth1", ns=ns["ID"]) is None, "eth1 left after detach")
        hns_ok(api.post(f"/namespaces/{ns['ID']}/removeresource",
                        {"Type": "Endpoint", "Data": {"Id": ep1["ID"]}}), "removeresource")
        check(link("eth0", ns=ns["ID"]) is None, "eth0 left after removeresource")
    finally:
        o.close()


def test_namespace_host_attach_is_a_vethernet_vnic(s):
    api = s.need_main()
    o = Objects(api)
    try:
        net = o.network("net-ns-c", "172.30.23.0/24", "172.30.23.1")
        ep = o.endpoint(net, "apih1", "172.30.23.2")
        o.links.append("vEthernet-apih1")
        hns_ok(api.post(f"/endpoints/{ep['ID']}/attach", {"SystemType": "Host"}), "host attach")
        got = hns_ok(api.get(f"/endpoints/{ep['ID']}"), "GET endpoint")
        check(got.get("InterfaceName") == "vEthernet-apih1" and got["State"] == 2,
              f"endpoint JSON {got!r}")
        vnic = link("vEthernet-apih1")
        check(vnic is not None, "no vEthernet-apih1 on the host")
        check(vnic["address"] == got["MacAddress"].replace("-", ":").lower(),
              f"vNIC MAC {vnic['address']}")
        check(any(a.get("local") == "172.30.23.2" for a in vnic.get("addr_info", [])),
              f"vNIC addresses {vnic.get('addr_info')}")
        hns_error(api.post(f"/endpoints/{ep['ID']}/attach", {"SystemType": "Host"}),
                  "second host attach", 409)
        hns_ok(api.post(f"/endpoints/{ep['ID']}/detach", {}), "detach")
        check(link("vEthernet-apih1") is None, "vEthernet-apih1 left after detach")
        # the name taken by another interface: 409 naming Name, nothing made
        subprocess.run(["ip", "link", "add", "vEthernet-apih1", "type", "veth", "peer",
                        "name", "apih1peer"], check=True)
        before, pbefore = host_links(), ports(api)
        err = hns_error(api.post(f"/endpoints/{ep['ID']}/attach", {"SystemType": "Host"}),
                        "host attach on a taken name", 409)
        check(err.startswith("Name:") and "taken" in err, f"error text {err!r}")
        check(host_links() == before and ports(api) == pbefore,
              "the failed attach left links or ports")
    finally:
        o.close()


def test_namespace_errors_name_the_field(s):
    api = s.need_main()
    o = Objects(api)
    try:
        net = o.network("net-ns-d", "172.30.24.0/24", "172.30.24.1")
        ep = o.endpoint(net, "ep-ns-d1", "172.30.24.2")
        before_ns = sorted(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else []
        err = hns_error(api.post("/v2/namespaces", {"NetNsPath": "/run/netns/hvs-api-none"}),
                        "NetNsPath that does not exist", 400)
        check(err.startswith("NetNsPath:"), f"error text {err!r}")
        err = hns_error(api.post("/v2/namespaces", {"PortKind": "pigeon"}), "bad PortKind", 400)
        check(err.startswith("PortKind:"), f"error text {err!r}")
        err = hns_error(api.post("/v2/namespaces", {"Type": "HostDefault",
                                                   "NetNsPath": "/proc/1/ns/net"}),
                        "NetNsPath on the host's namespace", 400)
        check(err.startswith("NetNsPath:"), f"error text {err!r}")
        after_ns = sorted(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else []
        check(after_ns == before_ns, f"failed creates left namespaces: {set(after_ns) - set(before_ns)}")
        ns1, ns2 = o.namespace(), o.namespace()
        hns_ok(ns_add(api, ns1["ID"], ep["ID"]), "PATCH Add")
        before, pbefore = host_links(), ports(api)
        err = hns_error(ns_add(api, ns1["ID"], ep["ID"]), "added twice", 409)
        check(err.startswith("Settings.EndpointId:"), f"error text {err!r}")
        err = hns_error(ns_add(api, ns2["ID"], ep["ID"]), "added to a second namespace", 409)
        check(err.startswith("Settings.EndpointId:"), f"error text {err!r}")
        check(host_links() == before and ports(api) == pbefore,
              "failed adds changed links or ports")
        check(link("eth0", ns=ns2["ID"]) is None, "the refused add made eth0")
    finally:
        o.close()


def test_namespace_delete_unplumbs_and_adopted_is_left(s):
    api = s.need_main()
    o = Objects(api)
    adopted = f"hvs-api-adopt-{os.getpid()}"
    try:
        net = o.network("net-ns-e", "172.30.25.0/24", "172.30.25.1")
        ep1 = o.endpoint(net, "ep-ns-e1", "172.30.25.2")
        ep2 = o.endpoint(net, "ep-ns-e2", "172.30.25.3")
        ns = o.namespace()
        hns_ok(ns_add(api, ns["ID"], ep1["ID"]), "PATCH Add")
        port = hns_ok(api.get(f"/endpoints/{ep1['ID']}"), "GET")["VirtualNicName"]
        hns_ok(api.delete(f"/v2/namespaces/{ns['ID']}"), "DELETE namespace")
        check(not os.path.exists(f"/run/netns/{ns['ID']}"), "namespace left")
        check(port not in ports(api) and port not in host_links(),
              f"port or link {port} left after the namespace went")
        check(hns_ok(api.get(f"/endpoints/{ep1['ID']}"), "GET")["State"] != 2,
              "endpoint still attached")
        subprocess.run(["ip", "netns", "add", adopted], check=True)
        o.netns.append(adopted)
        ns = hns_ok(api.post("/v2/namespaces", {"NetNsPath": f"/run/netns/{adopted}",
                                                "PortKind": "af_packet"}), "adopt")
        o.nss.append(ns["ID"])
        check(ns.get("NetNsOwned") is False and ns.get("PortKind") == "af_packet",
              f"adopted namespace JSON {ns!r}")
        hns_ok(ns_add(api, ns["ID"], ep2["ID"]), "PATCH Add into the adopted one")
        check(link("eth0", ns=adopted) is not None, "no eth0 in the adopted namespace")
        hns_ok(api.delete(f"/v2/namespaces/{ns['ID']}"), "DELETE adopted")
        check(os.path.exists(f"/run/netns/{adopted}"), "the adopted namespace was removed")
        check(link("eth0", ns=adopted) is None, "eth0 left in the adopted namespace")
    finally:
        o.close()


def test_namespace_endpoint_interface_name_is_chosen(s):
    """Issue 20 (hvswitch-cni's CNI_IFNAME): an endpoint's InterfaceName
    names its interface in the namespace; taken or too long is an error
    naming the field that leaves no link or port."""
    api = s.need_main()
    o = Objects(api)
    try:
        net = o.network("net-ns-f", "172.30.26.0/24", "172.30.26.1")
        r = api.post("/endpoints/", {"Name": "ep-ns-f1", "VirtualNetwork": net["ID"],
                                      "IPAddress": "172.30.26.2", "InterfaceName": "net7"})
        ep1 = hns_ok(r, "POST /endpoints/ with InterfaceName")
        o.eps.append(ep1["ID"])
        check(not r.json().get("Warnings"), f"InterfaceName warned: {r.text[:300]}")
        ep2 = o.endpoint(net, "ep-ns-f2", "172.30.26.3", InterfaceName="net7")
        ep3 = o.endpoint(net, "ep-ns-f3", "172.30.26.4", InterfaceName="a-name-too-long-x")
        ns = o.namespace()
        hns_ok(ns_add(api, ns["ID"], ep1["ID"]), "PATCH Add ep1")
        got = hns_ok(api.get(f"/endpoints/{ep1['ID']}"), "GET ep1")
        check(got.get("InterfaceName") == "net7", f"InterfaceName {got.get('InterfaceName')}")
        check(link("net7", ns=ns["ID"]) is not None and link("eth0", ns=ns["ID"]) is None,
              "net7 (and no eth0) expected in the namespace")
        before_links, before_ports = host_links(), ports(api)
        err = hns_error(ns_add(api, ns["ID"], ep2["ID"]), "PATCH Add a taken name", 409)
        check("InterfaceName" in err and "net7" in err, f"409 text: {err}")
        err = hns_error(ns_add(api, ns["ID"], ep3["ID"]), "PATCH Add a long name", 400)
        check("InterfaceName" in err, f"400 text: {err}")
        check(host_links() == before_links and ports(api) == before_ports,
              "a refused plumb left a link or a port")
    finally:
        o.close()


def _wait(cond, what, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out: {what}")


def pool_namespaces(tag):
    """The pool's own namespaces (hvp<tag>sp...) in /run/netns."""
    return sorted(n for n in os.listdir("/run/netns") if n.startswith("hvp" + tag[2:] + "sp"))


def test_namespace_pod_port_pool_plumbs_from_a_spare(s):
    """--pod-port-pool 2: two spare pod interfaces wait as switch ports, each
    with its inner end in a namespace of its own; POST /v2/namespaces takes
    one of those namespaces (the spare inside, down), the plumb makes that
    spare the pod's eth0 in place (the endpoint's port is the spare, eth0
    has the endpoint's MAC and address), the pool makes another, the
    unplumb removes the taken one, a namespace deleted before any plumb
    gives its spare's port back, and the stop removes every spare and pool
    namespace."""
    sock = s.path("pool.sock")
    d = Daemon(s.vswitchd, s.w, "pool").start({"Switch": {"Name": "poolsw"}, "Ports": []},
                                             ["--api", f"unix:{sock}", "--pod-port-pool", "2"],
                                             wait_unix=sock)
    ns_ids = []
    try:
        api = Api(unix_path=sock)
        _wait(lambda: len(ports(api)) == 2, "two spares")
        spares = ports(api)
        check(all(p.startswith("hv") and p[6:8] == "sp" for p in spares), f"spares {spares}")
        tag = spares[0][:6]
        _wait(lambda: len(pool_namespaces(tag)) == 2, "two pool namespaces")
        net = make_network(api, "net-pool", "172.30.61.0/24", "172.30.61.1")
        ep = hns_ok(api.post("/endpoints/", {"Name": "ep-pool", "VirtualNetwork": net["ID"],
                                             "IPAddress": "172.30.61.5",
                                             "MacAddress": "02-15-5D-61-00-05"}), "endpoint")
        ns = hns_ok(api.post("/v2/namespaces", {"SchemaVersion": SV2}), "namespace")
        ns_ids.append(ns["ID"])
        inside = [l["ifname"] for l in ip_json("link", "show", ns=ns["ID"])]
        check(any(n.startswith("hq" + tag[2:] + "sp") for n in inside),
              f"the new namespace does not hold a spare: {inside}")
        hns_ok(ns_add(api, ns["ID"], ep["ID"]), "PATCH Add")
        got = hns_ok(api.get(f"/endpoints/{ep['ID']}"), "GET endpoint")
        check(got.get("VirtualNicName") in spares,
              f"the endpoint's port {got.get('VirtualNicName')} is not a spare of {spares}")
        check_switch_side(got["VirtualNicName"])
        eth0 = link("eth0", ns=ns["ID"])
        check(eth0 is not None and eth0.get("address") == "02:15:5d:61:00:05",
              f"eth0 in the pod: {eth0!r}")
        check(any(a.get("local") == "172.30.61.5" for a in eth0.get("addr_info", [])),
              f"eth0 has no 172.30.61.5: {eth0!r}")
        inside = [l["ifname"] for l in ip_json("link", "show", ns=ns["ID"])]
        check(sorted(inside) == ["eth0", "lo"], f"the pod holds {inside}, not lo and eth0")
        _wait(lambda: len([p for p in ports(api) if p != got["VirtualNicName"]]) == 2,
              "the pool refilled")
        hns_ok(patch(api, f"/v2/namespaces/{ns['ID']}", {
            "ResourceType": "Endpoint", "RequestType": "Remove",
            "Settings": {"EndpointId": ep["ID"]}}), "PATCH Remove")
        check(got["VirtualNicName"] not in ports(api), "the taken spare's port outlived the unplumb")
        check(got["VirtualNicName"] not in host_links(), "the taken spare's veth outlived the unplumb")
        # a tap plumb into a namespace that was given a spare: the spare
        # goes, the pod holds only its tap
        ep_t = hns_ok(api.post("/endpoints/", {"Name": "ep-pool-tap", "VirtualNetwork": net["ID"],
                                               "IPAddress": "172.30.61.6"}), "endpoint")
        ns_t = hns_ok(api.post("/v2/namespaces", {"SchemaVersion": SV2, "PortKind": "tap"}),
                      "namespace with PortKind tap")
        ns_ids.append(ns_t["ID"])
        hns_ok(ns_add(api, ns_t["ID"], ep_t["ID"]), "PATCH Add (tap)")
        got_t = hns_ok(api.get(f"/endpoints/{ep_t['ID']}"), "GET endpoint (tap)")
        check_tap_is_the_pods_interface(got_t, ns_t["ID"])
        inside = [l["ifname"] for l in ip_json("link", "show", ns=ns_t["ID"])]
        check(sorted(inside) == ["eth0", "lo"], f"the tap pod holds {inside}, not lo and eth0")
        hns_ok(api.delete(f"/v2/namespaces/{ns_t['ID']}"), "DELETE namespace (tap)")
        _wait(lambda: len(ports(api)) == 2 and len(pool_namespaces(tag)) == 2,
              "the pool refilled after the tap pod")
        # a namespace made, then deleted without a plumb: its spare goes
        before = ports(api)
        idle = hns_ok(api.post("/v2/namespaces", {"SchemaVersion": SV2}), "namespace")
        ns_ids.append(idle["ID"])
        hns_ok(api.delete(f"/v2/namespaces/{idle['ID']}"), "DELETE namespace")
        check(not os.path.exists(f"/run/netns/{idle['ID']}"), "the unplumbed namespace is left")
        gone = [p for p in before if p not in ports(api)]
        check(len(gone) == 1, f"deleting an unplumbed pool namespace removed ports {gone}")
        _wait(lambda: len(ports(api)) == 2 and len(pool_namespaces(tag)) == 2,
              "the pool refilled again")
        check(d.stop() == 0, "the daemon did not stop cleanly")
        left = [l for l in host_links() if l.startswith(tag) or l.startswith("hq" + tag[2:])]
        check(not left, f"links left after the stop: {left}")
        check(not pool_namespaces(tag), f"pool namespaces left: {pool_namespaces(tag)}")
    finally:
        d.stop()
        for n in ns_ids:
            if os.path.exists(f"/run/netns/{n}"):
                subprocess.run(["ip", "netns", "del", n], capture_output=True)


def test_namespace_pod_port_pool_kill9_leftovers_swept(s):
    """After kill -9 of a daemon with --state and --pod-port-pool, its
    spares' pairs and pool namespaces are still there; the next start with
    that state removes them (they carry the state's tag), even without a
    pool."""
    sock = s.path("pool9.sock")
    state = s.path("pool9.db")
    cfg = {"Switch": {"Name": "pool9"}, "Ports": []}
    d = Daemon(s.vswitchd, s.w, "pool9").start(
        cfg, ["--api", f"unix:{sock}", "--state", state, "--pod-port-pool", "2"], wait_unix=sock)
    tag = None
    try:
        api = Api(unix_path=sock)
        _wait(lambda: len(ports(api)) == 2, "two spares")
        tag = ports(api)[0][:6]
        _wait(lambda: len(pool_namespaces(tag)) == 2, "two pool namespaces")
        d.kill9()
        check(len(pool_namespaces(tag)) == 2, "kill -9 removed the pool namespaces?")
        d = Daemon(s.vswitchd, s.w, "pool9b").start(
            cfg, ["--api", f"unix:{sock}", "--state", state], wait_unix=sock)
        check(not pool_namespaces(tag), f"pool namespaces left after the restart: "
              f"{pool_namespaces(tag)}")
        left = [l for l in host_links() if l.startswith(tag) or l.startswith("hq" + tag[2:])]
        check(not left, f"spare links left after the restart: {left}")
    finally:
        d.stop()
        if tag is not None:
            for n in pool_namespaces(tag):
                subprocess.run(["ip", "netns", "del", n], capture_output=True)
            for l in host_links():
                if l.startswith(tag):
                    subprocess.run(["ip", "link", "del", l], capture_output=True)


def test_namespace_plumb_installs_the_endpoints_routes(s):
    """A v2 endpoint's Routes (as sdnbridge sends them) are the pod's: the
    default route's NextHop as its gateway, a prefix via a next hop, and a
    prefix on the link (NextHop 0.0.0.0), host bits of the prefix cleared."""
    api = s.need_main()
    o = Objects(api)
    try:
        net = o.network("net-ns-rt", "172.30.23.0/24", "172.30.23.1")
        ep = hns_ok(api.post("/v2/endpoints", {
            "HostComputeNetwork": net["ID"], "SchemaVersion": SV2,
            "IpConfigurations": [{"IpAddress": "172.30.23.5", "PrefixLength": 24}],
            "Routes": [{"NextHop": "172.30.23.1", "DestinationPrefix": "0.0.0.0/0"},
                       {"NextHop": "172.30.23.2", "DestinationPrefix": "10.96.0.0/12"},
                       {"NextHop": "0.0.0.0", "DestinationPrefix": "192.0.2.200/25"}]}),
            "POST /v2/endpoints")
        o.eps.append(ep["ID"])
        ns = o.namespace()
        hns_ok(ns_add(api, ns["ID"], ep["ID"]), "PATCH Add")
        routes = {(r.get("dst"), r.get("gateway")) for r in ip_json("-4", "route", "show",
                                                                    ns=ns["ID"])}
        for want in [("default", "172.30.23.1"), ("10.96.0.0/12", "172.30.23.2"),
                     ("192.0.2.128/25", None)]:
            check(want in routes, f"route {want} missing in the pod: {sorted(routes, key=str)}")
    finally:
        o.close()


def test_namespace_forty_tap_pods_on_one_l2bridge_network_reach_each_other(s):
    """Issue 18: more pods than DPDK's 32 ethdevs on one switch. Tap ports
    hold no ethdev, so 40 pods (PortKind tap, the default) plumb into one
    L2Bridge network beside the uplink, and the first and the last ping
    each other; everything goes again at the end."""
    from cases_hns_clients import clients_api
    api = clients_api(s)
    o = Objects(api)
    n = 40
    pods = []
    try:
        net = hns_ok(api.post("/networks/", {
            "Name": "n18-l2b", "Type": "L2Bridge",
            "Subnets": [{"AddressPrefix": "10.18.0.0/24", "GatewayAddress": "10.18.0.1"}]}),
            "POST /networks/ n18-l2b")
        o.nets.append(net["ID"])
        for i in range(n):
            ep = o.endpoint(net, f"ep18-{i}", f"10.18.0.{10 + i}")
            ns = o.namespace()
            hns_ok(ns_add(api, ns["ID"], ep["ID"]), f"PATCH Add pod {i}")
            got = hns_ok(api.get(f"/endpoints/{ep['ID']}"), f"GET pod {i}")
            check(got.get("PortKind") == "tap" and got["State"] == 2,
                  f"pod {i}: PortKind {got.get('PortKind')!r} State {got.get('State')}")
            pods.append((ns["ID"], f"10.18.0.{10 + i}", got["VirtualNicName"]))
        names = ports(api)
        missing = [p for _, _, p in pods if p not in names]
        check(not missing, f"{len(missing)} pod ports missing: {missing[:5]}")
        check(len(names) > 32, f"{len(names)} ports: not past DPDK's 32 ethdevs")

        def ping(src_ns, dst_ip):
            return subprocess.run(["ip", "netns", "exec", src_ns, "ping", "-c", "1", "-W", "1",
                                   dst_ip], capture_output=True).returncode == 0
        (first_ns, first_ip, _), (last_ns, last_ip, _) = pods[0], pods[-1]
        _wait(lambda: ping(first_ns, last_ip), f"pod 0 pinging pod {n - 1} ({last_ip})")
        _wait(lambda: ping(last_ns, first_ip), f"pod {n - 1} pinging pod 0 ({first_ip})")
        print(f"    {n} tap pods on one L2Bridge network, {len(names)} ports: "
              "first and last reach each other")
    finally:
        o.close()
    left = [p for _, _, p in pods if p in ports(api)]
    check(not left, f"pod ports left after the cleanup: {left[:5]}")
