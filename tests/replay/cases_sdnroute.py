"""SDNRoute policies and remote endpoints on an L2Bridge network (issue 18):
golden cases.

Topology: the uplink "up" (the node: 192.0.2.10/24, router MAC ROUTER_MAC,
default gateway GW_IP whose MAC is a static neighbour; a remote node's
MAC R_MAC behind it), pod ports "c1" (e1, 10.244.1.5, with win-bridge's
ROUTE policies to the service CIDR and to the node's address) and "c2" (e2,
10.244.1.6, no policy), and "hv", the host's vNIC on the network (endpoint
"host" 10.244.1.2, attached with EndpointSystemType Host). The network's
host MAC H is its SourceMac. Remote endpoints of other nodes' pods come
from the config's Endpoints with IsRemoteEndpoint.

One worker polls the ports in order, a burst per port per round.
"""

import logging

from harness import SDN_NO_HOST, UNRESOLVED, Port, check

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.layers.inet import IP, TCP, UDP  # noqa: E402
from scapy.layers.l2 import ARP, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

H = "02:15:5d:aa:bb:cc"
ROUTER_MAC = "02:70:63:61:70:00"
GW_MAC, GW_IP = "02:00:00:00:0a:01", "192.0.2.1"
NODE_IP = "192.0.2.10"
R_MAC = "02:00:00:00:99:01"            # another node, on the wire
E1, E2, HV = "02:00:00:00:10:05", "02:00:00:00:10:06", "02:00:00:00:10:02"
E1_IP, E2_IP, HV_IP = "10.244.1.5", "10.244.1.6", "10.244.1.2"
REM_IP, REM_MAC = "10.244.2.7", "02:00:00:00:22:07"     # a remote pod, its own MAC
REM2_IP = "10.244.2.8"                                  # kube-proxy's placeholder MAC
REM2_MAC = "02-11-0a-f4-02-08"
VIP, SVC_CIDR = "10.96.0.10", "10.96.0.0/12"

UPLINK = {"IPAddresses": [NODE_IP + "/24"], "DefaultGateway": GW_IP,
          "MacAddress": ROUTER_MAC,
          "Neighbors": [{"IPAddress": GW_IP, "MacAddress": GW_MAC}]}

ROUTES = [{"Type": "ROUTE", "DestinationPrefix": SVC_CIDR, "NeedEncap": True},
          {"Type": "ROUTE", "DestinationPrefix": NODE_IP + "/32", "NeedEncap": True}]


def network():
    return {"Name": "cbr0", "Type": "L2Bridge", "NetworkAdapterName": "up",
            "SourceMac": H,
            "Subnets": [{"AddressPrefix": "10.244.1.0/24", "GatewayAddress": "10.244.1.1"}]}


def endpoint(name, ip, mac_, policies=None, remote=False):
    e = {"Name": name, "VirtualNetworkName": "cbr0", "IPAddress": ip}
    if mac_:
        e["MacAddress"] = mac_.replace(":", "-")
    if policies:
        e["Policies"] = policies
    if remote:
        e["IsRemoteEndpoint"] = True
    return e


def run(ctx, c1=(), c2=(), up=(), host_vnic=True, remotes=(), lbs=None, hv_send=()):
    eps = [endpoint("e1", E1_IP, E1, ROUTES), endpoint("e2", E2_IP, E2)]
    ports = [Port("up", uplink=True, send=list(up), macs=[R_MAC]),
             Port("c1", send=list(c1), macs=[E1]), Port("c2", send=list(c2), macs=[E2])]
    fields = {"up": UPLINK, "c1": {"Endpoint": "e1"}, "c2": {"Endpoint": "e2"}}
    if host_vnic:
        eps.append(endpoint("host", HV_IP, HV))
        ports.append(Port("hv", send=list(hv_send), macs=[HV]))
        fields["hv"] = {"Endpoint": "host", "EndpointSystemType": "Host"}
    eps += [endpoint(f"r{i}", ip, m, remote=True) for i, (ip, m) in enumerate(remotes)]
    root = {"Networks": [network()], "Endpoints": eps}
    if lbs:
        root["LoadBalancers"] = lbs
    return ctx.run_switch(ports, port_fields=fields, root=root)


def udp(dst, src, ipsrc, ipdst, marker, ttl=64):
    return bytes(Ether(dst=dst, src=src) / IP(src=ipsrc, dst=ipdst, id=1, ttl=ttl) /
                 UDP(sport=1000, dport=2000) / Raw(marker.encode()))


def tcp(dst, src, ipsrc, ipdst, sport, dport):
    return bytes(Ether(dst=dst, src=src) / IP(src=ipsrc, dst=ipdst, id=1) /
                 TCP(sport=sport, dport=dport, flags="S", seq=1000) / Raw(b"hello"))


# --- SDNRoute -----------------------------------------------------------------

def test_sdnroute_service_vip_with_an_lb_is_load_balanced(ctx):
    """The pod's ClusterIP traffic (in its SDNRoute prefix) is the LB's:
    DNATed to the backend pod, not handed to the host vNIC."""
    syn = tcp(HV, E1, E1_IP, VIP, 40001, 80)
    lb = {"FrontendVIPs": [VIP], "Backends": [E2_IP],
          "PortMappings": [{"Protocol": 6, "InternalPort": 8080, "ExternalPort": 80}]}
    res = run(ctx, c1=[syn], lbs=[lb])
    res.expect_out("c2", [tcp(E2, E1, E1_IP, E2_IP, 40001, 8080)])
    res.expect_nothing("hv", "up", "c1")
    res.expect_drops({})


def test_sdnroute_to_the_node_and_services_goes_to_the_host_vnic(ctx):
    """To the node's address (/32) and to a service address no LB serves,
    whatever MAC the pod used (H, the gateway's, the router's): delivered to
    the host vNIC with its MAC, IP untouched. The pod without the policy
    sending to the node goes out on the wire as before."""
    to_node = udp(H, E1, E1_IP, NODE_IP, "node")
    to_svc = udp(HV, E1, E1_IP, "10.96.0.99", "svc")
    to_node_r = udp(ROUTER_MAC, E1, E1_IP, NODE_IP, "node-via-router")
    other = udp(R_MAC, E1, E1_IP, "10.244.1.77", "not-routed")
    plain = udp(R_MAC, E2, E2_IP, NODE_IP, "e2-node")
    res = run(ctx, c1=[to_node, to_svc, to_node_r, other], c2=[plain])
    res.expect_out("hv", [udp(HV, E1, E1_IP, NODE_IP, "node"),
                          udp(HV, E1, E1_IP, "10.96.0.99", "svc"),
                          udp(HV, E1, E1_IP, NODE_IP, "node-via-router")])
    res.expect_out("up", [udp(R_MAC, H, E1_IP, "10.244.1.77", "not-routed"),
                          udp(R_MAC, H, E2_IP, NODE_IP, "e2-node")])
    res.expect_nothing("c1", "c2")
    res.expect_drops({})


def test_sdnroute_without_a_host_vnic_is_dropped_with_the_reason(ctx):
    """No host vNIC on the network: traffic to the prefixes is dropped and
    counted; the rest of the pod's traffic is bridged as before."""
    to_node = udp(H, E1, E1_IP, NODE_IP, "node")
    to_svc = udp(H, E1, E1_IP, "10.96.0.99", "svc")
    other = udp(R_MAC, E1, E1_IP, "10.244.1.77", "not-routed")
    res = run(ctx, c1=[to_node, to_svc, other], host_vnic=False)
    res.expect_out("up", [udp(R_MAC, H, E1_IP, "10.244.1.77", "not-routed")])
    res.expect_nothing("c1", "c2")
    res.expect_drops({"c1": {SDN_NO_HOST: 2}})


# --- remote endpoints ---------------------------------------------------------

def test_pod_to_remote_endpoint_leaves_the_uplink_with_its_mac(ctx):
    """A frame to a remote endpoint's IP sent to the gateway (host vNIC), to
    H or to any other MAC but a local endpoint's leaves by the uplink with
    destination the remote's MAC and source H, TTL untouched (bridged); the
    host vNIC sees none of it."""
    via_gw = udp(HV, E2, E2_IP, REM_IP, "via-gw")
    via_h = udp(H, E2, E2_IP, REM_IP, "via-h")
    # whatever answered the pod's ARP for its gateway: still by IP
    via_other = udp("02:00:00:00:77:77", E2, E2_IP, REM_IP, "via-other")
    # addressed to another local endpoint's MAC: that endpoint's frame
    to_e1 = udp(E1, E2, E2_IP, REM_IP, "to-e1")
    res = run(ctx, c2=[via_gw, via_h, via_other, to_e1], remotes=[(REM_IP, REM_MAC)])
    res.expect_out("up", [udp(REM_MAC, H, E2_IP, REM_IP, "via-gw"),
                          udp(REM_MAC, H, E2_IP, REM_IP, "via-h"),
                          udp(REM_MAC, H, E2_IP, REM_IP, "via-other")])
    res.expect_out("c1", [to_e1])
    res.expect_nothing("hv", "c2")
    res.expect_drops({})


def test_remote_endpoint_without_its_own_mac_goes_by_the_uplink_route(ctx):
    """kube-proxy's placeholder MAC (02-11-<IP>) is no address on the wire:
    the frame goes to the uplink's next hop for the remote (the default
    gateway, a static neighbour here), source H. Without a remote entry the
    same frame to the gateway's IP address would just reach the host vNIC."""
    f = udp(HV, E2, E2_IP, REM2_IP, "by-route")
    res = run(ctx, c2=[f], remotes=[(REM2_IP, REM2_MAC)])
    res.expect_out("up", [udp(GW_MAC, H, E2_IP, REM2_IP, "by-route")])
    res.expect_nothing("hv", "c1", "c2")
    res.expect_drops({})


def test_remote_endpoint_with_the_host_mac_or_none_goes_by_the_uplink_route(ctx):
    """The host's own MAC (H) or none given (HNS assigns one from its pool):
    by route too."""
    a = udp(H, E2, E2_IP, REM_IP, "host-mac")
    b = udp(H, E2, E2_IP, REM2_IP, "no-mac")
    res = run(ctx, c2=[a, b], remotes=[(REM_IP, H), (REM2_IP, None)])
    res.expect_out("up", [udp(GW_MAC, H, E2_IP, REM_IP, "host-mac"),
                          udp(GW_MAC, H, E2_IP, REM2_IP, "no-mac")])
    res.expect_nothing("hv", "c1", "c2")
    res.expect_drops({})


def test_remote_endpoint_by_route_next_hop_unknown_is_asked_for(ctx):
    """On the uplink's link and not yet known: an ARP request for it from
    the router's address, the packet dropped as unresolved (the sender's
    retransmission finds it)."""
    rem_ip = "192.0.2.77"
    f = udp(H, E2, E2_IP, rem_ip, "unresolved")
    res = run(ctx, c2=[f], remotes=[(rem_ip, H)])
    out = [Ether(x) for x in res.out["up"]]
    check(len(out) == 1 and ARP in out[0] and out[0][ARP].pdst == rem_ip and
          out[0][ARP].psrc == NODE_IP and out[0].src == ROUTER_MAC,
          f"expected one ARP request for {rem_ip}: {[p.summary() for p in out]}")
    res.expect_nothing("hv", "c1", "c2")
    res.expect_drops({"c2": {UNRESOLVED: 1}})


def test_remote_endpoint_is_an_lb_backend_out_of_the_uplink(ctx):
    """A service whose backend is a remote pod: the DNATed request leaves by
    the uplink to the remote's MAC, from H."""
    syn = tcp(HV, E1, E1_IP, VIP, 40002, 80)
    lb = {"FrontendVIPs": [VIP], "Backends": [REM_IP],
          "PortMappings": [{"Protocol": 6, "InternalPort": 8080, "ExternalPort": 80}]}
    res = run(ctx, c1=[syn], remotes=[(REM_IP, REM_MAC)], lbs=[lb])
    res.expect_out("up", [tcp(REM_MAC, H, E1_IP, REM_IP, 40002, 8080)])
    res.expect_nothing("hv", "c1", "c2")
    res.expect_drops({})


def nodeport(pm_flags):
    return {"Backends": [E2_IP],
            "PortMappings": [{"Protocol": 6, "InternalPort": 8080, "ExternalPort": 30080,
                              "Flags": pm_flags}]}


def test_host_vnic_reaches_a_local_routed_vip_nodeport(ctx):
    """kube-proxy's NodePort (PortMapping Flags 18: LocalRoutedVIP |
    VipExternalIP): the host, through its vNIC, reaches the node's own
    address:NodePort and is balanced to the backend pod; a ClusterIP is the
    host's too."""
    to_np = tcp(ROUTER_MAC, HV, HV_IP, NODE_IP, 40003, 30080)
    to_svc = tcp(ROUTER_MAC, HV, HV_IP, VIP, 40004, 80)
    svc = {"FrontendVIPs": [VIP], "Backends": [E2_IP],
           "PortMappings": [{"Protocol": 6, "InternalPort": 8080, "ExternalPort": 80}]}
    res = run(ctx, up=[], lbs=[nodeport(18), svc], hv_send=[to_np, to_svc])
    res.expect_out("c2", [tcp(E2, HV, HV_IP, E2_IP, 40003, 8080),
                          tcp(E2, HV, HV_IP, E2_IP, 40004, 8080)])
    res.expect_nothing("c1", "hv")
    res.expect_drops({})


def test_host_vnic_does_not_reach_a_nodeport_without_local_routed_vip(ctx):
    """A NodePort without LocalRoutedVIP (Flags 16) is not the host's: its
    frame passes untouched (out of the uplink, as switched, from H as the
    network's frames leave)."""
    to_np = tcp(R_MAC, HV, HV_IP, NODE_IP, 40005, 30080)
    res = run(ctx, lbs=[nodeport(16)], hv_send=[to_np])
    res.expect_out("up", [tcp(R_MAC, H, HV_IP, NODE_IP, 40005, 30080)])
    res.expect_nothing("c1", "c2")


def test_pod_without_remote_entry_or_policy_is_unaffected(ctx):
    """No remote entry for the address: a frame to the host vNIC's MAC is
    switched to the host vNIC as before (the host routes it)."""
    f = udp(HV, E2, E2_IP, "10.244.3.3", "no-entry")
    res = run(ctx, c2=[f], remotes=[(REM_IP, REM_MAC)])
    res.expect_out("hv", [f])
    res.expect_nothing("up", "c1", "c2")
    res.expect_drops({})

