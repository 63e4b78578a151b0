"""Overlay networks (issue 19): golden cases of the distributed router and
VXLAN.

Topology: port "up" (the uplink, MAC UP_MAC, provider address PA
10.99.0.1/24, static neighbours PEER_B 10.99.0.2 and PEER_C 10.99.0.3),
endpoint ports "p1" and "p2" with pods e1 (10.244.1.2) and e2 (10.244.1.3,
MACs 0E-2A-<ip> as the CNIs make them) on an Overlay network (v1, as
Calico makes it: subnet VSID 4096, gateway .1) whose DR MAC is given
(DrMacAddress) and with two RemoteSubnetRoutes: 10.244.2.0/24 -> PEER_B
(its DR MAC DR_B) and 10.244.0.0/16 -> PEER_C (DR_C), so longest prefix
wins. Outer headers are compared byte for byte, UDP source port included
(the inner flow's CRC32C hash, computed here as vxlan_src_port does).
The OutBoundNAT cases (run_obnat) add a default gateway beyond the uplink
and win-overlay's OutBoundNAT policy on e1.
"""

import logging

from frames import BCAST
from harness import (NAT_FILTERED, NO_ROUTE, OVERLAY_NO_DESTINATION, OVERLAY_TOO_BIG,
                     Port, TTL_EXPIRED, VXLAN_BAD_HEADER, VXLAN_UNKNOWN_VNI, check)

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.layers.inet import IP, TCP, UDP, ICMP  # noqa: E402
from scapy.layers.l2 import ARP, Ether  # noqa: E402
from scapy.layers.vxlan import VXLAN  # noqa: E402
from scapy.packet import Raw  # noqa: E402

UP_MAC = "02:00:00:00:99:01"
PA, PEER_B, PEER_C = "10.99.0.1", "10.99.0.2", "10.99.0.3"
PEER_B_MAC, PEER_C_MAC = "02:00:00:00:99:02", "02:00:00:00:99:03"
DR = "02:15:5d:00:00:01"
DR_B, DR_C = "0e:2a:0a:f4:02:01", "0e:2a:0a:f4:03:01"
GW = "10.244.1.1"
E1, E1_IP = "0e:2a:0a:f4:01:02", "10.244.1.2"
E2, E2_IP = "0e:2a:0a:f4:01:03", "10.244.1.3"
VNI = 4096


def wmac(m):
    return m.replace(":", "-").upper()


def network():
    return {"Name": "vxlan0", "Type": "Overlay", "NetworkAdapterName": "up",
            "Subnets": [{"AddressPrefix": "10.244.1.0/24", "GatewayAddress": GW,
                         "Policies": [{"Type": "VSID", "VSID": VNI}]}],
            "Policies": [
                {"Type": "DrMacAddress", "Address": wmac(DR)},
                {"Type": "RemoteSubnetRoute", "DestinationPrefix": "10.244.0.0/16",
                 "IsolationId": VNI, "ProviderAddress": PEER_C,
                 "DistributedRouterMacAddress": wmac(DR_C)},
                {"Type": "RemoteSubnetRoute", "DestinationPrefix": "10.244.2.0/24",
                 "IsolationId": VNI, "ProviderAddress": PEER_B,
                 "DistributedRouterMacAddress": DR_B}]}


def endpoint(name, ip, mac):
    return {"Name": name, "VirtualNetworkName": "vxlan0", "IPAddress": ip,
            "MacAddress": wmac(mac), "Policies": [{"Type": "PA", "PA": PA}]}


def run(ctx, up=(), p1=(), p2=()):
    ports = [Port("up", uplink=True, send=list(up)), Port("p1", send=list(p1)),
             Port("p2", send=list(p2))]
    fields = {"up": {"MacAddress": UP_MAC, "IPAddresses": [PA + "/24"],
                     "Neighbors": [{"IPAddress": PEER_B, "MacAddress": PEER_B_MAC},
                                   {"IPAddress": PEER_C, "MacAddress": PEER_C_MAC}]},
              "p1": {"Endpoint": "e1"}, "p2": {"Endpoint": "e2"}}
    return ctx.run_switch(ports, port_fields=fields,
                          root={"Networks": [network()],
                                "Endpoints": [endpoint("e1", E1_IP, E1),
                                              endpoint("e2", E2_IP, E2)]})


def _crc32c(crc, data):
    """CRC32C without pre/post inversion: rte_hash_crc(data, len, crc)."""
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc


def src_port(inner):
    """vxlan_src_port of an inner IPv4 TCP/UDP frame."""
    ip = Ether(bytes(inner))[IP]
    raw = bytes(ip)
    h = _crc32c(ip.proto, raw[12:20])
    if ip.proto in (6, 17):
        h = _crc32c(h, raw[ip.ihl * 4:ip.ihl * 4 + 4])
    h ^= h >> 16
    return 49152 + (h & 0x3fff)


def pod_udp(dst_mac, src_mac, src, dst, marker, ttl=64, size=0):
    return (Ether(dst=dst_mac, src=src_mac) / IP(src=src, dst=dst, id=7, ttl=ttl) /
            UDP(sport=1234, dport=5678) / Raw(marker.encode() + b"x" * size))


def encapsulated(peer_mac, peer, inner, vni=VNI, sport=None):
    return bytes(Ether(dst=peer_mac, src=UP_MAC) /
                 IP(src=PA, dst=peer, id=0, flags="DF", ttl=64) /
                 UDP(sport=sport if sport is not None else src_port(inner), dport=4789,
                     chksum=0) /
                 VXLAN(flags=0x08, vni=vni) / inner)


def outer(inner, vni=VNI, flags=0x08, dport=4789):
    return bytes(Ether(dst=UP_MAC, src=PEER_B_MAC) / IP(src=PEER_B, dst=PA) /
                 UDP(sport=50000, dport=dport, chksum=0) / VXLAN(flags=flags, vni=vni) /
                 inner)


def test_overlay_encap_to_remote_subnet_outer_headers_exact(ctx):
    """A pod's frame to the DR MAC for a RemoteSubnetRoute prefix leaves
    the uplink in VXLAN to the route's provider address: outer Ethernet
    from the uplink to the resolved next hop, IPv4 PA -> remote PA (DF, TTL
    64, id 0), UDP 4789 from the flow hash, checksum 0, VNI 4096; inner
    destination MAC = the remote DR MAC, source = our DR MAC, TTL - 1. The
    /24 route wins over the /16 one; another address of the /16 goes to
    its PA."""
    to_b = pod_udp(DR, E1, E1_IP, "10.244.2.5", "to-b")
    to_c = pod_udp(DR, E2, E2_IP, "10.244.7.9", "to-c")
    res = run(ctx, p1=[bytes(to_b)], p2=[bytes(to_c)])
    inner_b = pod_udp(DR_B, DR, E1_IP, "10.244.2.5", "to-b", ttl=63)
    inner_c = pod_udp(DR_C, DR, E2_IP, "10.244.7.9", "to-c", ttl=63)
    res.expect_out("up", [encapsulated(PEER_B_MAC, PEER_B, inner_b),
                          encapsulated(PEER_C_MAC, PEER_C, inner_c)], ordered=False)
    res.expect_nothing("p1", "p2")
    res.expect_drops({})


def test_overlay_decap_delivered_to_local_pod(ctx):
    """VXLAN from the uplink to our PA, VNI 4096, inner destination the DR
    MAC (as a Linux flannel node sends it) or the pod's own MAC (a remote
    endpoint's form): delivered by inner IPv4 to the pod with its MAC,
    from the DR MAC, TTL - 1."""
    in1 = pod_udp(DR, DR_B, "10.244.2.5", E1_IP, "in1", ttl=63)
    in2 = pod_udp(E2, DR_B, "10.244.2.5", E2_IP, "in2", ttl=63)
    res = run(ctx, up=[outer(in1), outer(in2)])
    res.expect_out("p1", [bytes(pod_udp(E1, DR, "10.244.2.5", E1_IP, "in1", ttl=62))])
    res.expect_out("p2", [bytes(pod_udp(E2, DR, "10.244.2.5", E2_IP, "in2", ttl=62))])
    res.expect_nothing("up")
    res.expect_drops({})


def test_overlay_unknown_vni_bad_header_unknown_destination_dropped(ctx):
    """Inbound VXLAN to our PA: an unknown VNI, a header without the I
    flag, an inner frame for nobody here (another MAC, an address of no
    local pod, an inner ARP) are dropped with their reasons on the
    uplink; VXLAN to another port number is not ours (the router drops it:
    no route)."""
    good_inner = pod_udp(DR, DR_B, "10.244.2.5", E1_IP, "x", ttl=63)
    frames = [outer(good_inner, vni=4097),
              outer(good_inner, flags=0x00),
              outer(pod_udp("02:00:00:00:00:42", DR_B, "10.244.2.5", E1_IP, "y")),
              outer(pod_udp(DR, DR_B, "10.244.2.5", "10.244.1.77", "z")),
              outer(Ether(dst=BCAST, src=DR_B) / ARP(op=1, hwsrc=DR_B, psrc="10.244.2.1",
                                                     pdst=E1_IP))]
    res = run(ctx, up=frames)
    res.expect_nothing("up", "p1", "p2")
    res.expect_drops({"up": {VXLAN_UNKNOWN_VNI: 1, VXLAN_BAD_HEADER: 1,
                             OVERLAY_NO_DESTINATION: 3}})


def test_overlay_dr_answers_arp_and_ping_for_the_gateway(ctx):
    """A pod's ARP request for the gateway (.1) is answered with the DR
    MAC on its own port; a ping to the gateway is answered from it."""
    ask = bytes(Ether(dst=BCAST, src=E1) / ARP(op=1, hwsrc=E1, psrc=E1_IP, pdst=GW))
    ping = bytes(Ether(dst=DR, src=E1) / IP(src=E1_IP, dst=GW, id=3) /
                 ICMP(type=8, id=9, seq=1) / Raw(b"ping"))
    res = run(ctx, p1=[ask, ping])
    res.expect_out("p1", [
        bytes(Ether(dst=E1, src=DR) / ARP(op=2, hwsrc=DR, psrc=GW, hwdst=E1, pdst=E1_IP)),
        bytes(Ether(dst=E1, src=DR) / IP(src=GW, dst=E1_IP, id=3, ttl=64) /
              ICMP(type=0, id=9, seq=1) / Raw(b"ping"))])
    res.expect_nothing("up", "p2")
    res.expect_drops({})


def test_overlay_local_routing_no_route_and_too_big(ctx):
    """Pod to pod through the DR on one host: the other pod's MAC from the
    DR MAC, TTL - 1. An off-subnet address no route holds: "No route to
    destination". A frame that would exceed the uplink MTU (1500) once
    encapsulated (inner IP 1451 bytes): dropped as too big, and with DF
    answered with ICMP "fragmentation needed" (MTU 1450); 1450 fits."""
    local = pod_udp(DR, E1, E1_IP, E2_IP, "local")
    nowhere = pod_udp(DR, E1, E1_IP, "192.0.2.9", "nowhere")
    big = pod_udp(DR, E1, E1_IP, "10.244.2.5", "big", size=1451 - 28 - 3)
    big_df = pod_udp(DR, E1, E1_IP, "10.244.2.5", "bdf", size=1451 - 28 - 3)
    big_df[IP].flags = "DF"
    fits = pod_udp(DR, E1, E1_IP, "10.244.2.5", "fit", size=1450 - 28 - 3)
    res = run(ctx, p1=[bytes(local), bytes(nowhere), bytes(big), bytes(big_df), bytes(fits)])
    res.expect_out("p2", [bytes(pod_udp(E2, DR, E1_IP, E2_IP, "local", ttl=63))])
    inner = pod_udp(DR_B, DR, E1_IP, "10.244.2.5", "fit", ttl=63, size=1450 - 28 - 3)
    res.expect_out("up", [encapsulated(PEER_B_MAC, PEER_B, inner)])
    # with DF: "fragmentation needed", next-hop MTU 1450, from the gateway,
    # quoting the header as sent and 8 bytes (RFC 792, RFC 1191)
    quote = bytes(big_df[IP])[:28]
    res.expect_out("p1", [bytes(Ether(dst=E1, src=DR) / IP(src=GW, dst=E1_IP, id=0, ttl=64) /
                                ICMP(type=3, code=4, nexthopmtu=1450) / Raw(quote))])
    res.expect_drops({"p1": {NO_ROUTE: 1, OVERLAY_TOO_BIG: 2}})


def test_overlay_remote_endpoint_with_pa_is_a_host_route(ctx):
    """A remote endpoint (IsRemoteEndpoint, as kube-proxy makes them) with a
    PA policy is a /32 route: a pod's frame to its address is encapsulated
    to that PA with the endpoint's own MAC as inner destination (it beats
    the /24 RemoteSubnetRoute holding it); a remote endpoint whose PA is
    ours (Calico's <net>_ep) tunnels nothing: the /24 route takes it."""
    remote_mac = "0e:2a:0a:f4:02:09"
    eps = [endpoint("e1", E1_IP, E1), endpoint("e2", E2_IP, E2),
           {"Name": "r1", "VirtualNetworkName": "vxlan0", "IPAddress": "10.244.2.9",
            "MacAddress": wmac(remote_mac), "IsRemoteEndpoint": True,
            "Policies": [{"Type": "PA", "PA": PEER_C}]},
           {"Name": "own", "VirtualNetworkName": "vxlan0", "IPAddress": "10.244.2.10",
            "MacAddress": "00-15-5D-00-00-10", "IsRemoteEndpoint": True,
            "Policies": [{"Type": "PA", "PA": PA}]}]
    to_r1 = pod_udp(DR, E1, E1_IP, "10.244.2.9", "r1")
    to_own = pod_udp(DR, E1, E1_IP, "10.244.2.10", "own")
    ports = [Port("up", uplink=True), Port("p1", send=[bytes(to_r1), bytes(to_own)]),
             Port("p2")]
    fields = {"up": {"MacAddress": UP_MAC, "IPAddresses": [PA + "/24"],
                     "Neighbors": [{"IPAddress": PEER_B, "MacAddress": PEER_B_MAC},
                                   {"IPAddress": PEER_C, "MacAddress": PEER_C_MAC}]},
              "p1": {"Endpoint": "e1"}, "p2": {"Endpoint": "e2"}}
    res = ctx.run_switch(ports, port_fields=fields,
                         root={"Networks": [network()], "Endpoints": eps})
    res.expect_out("up", [
        encapsulated(PEER_C_MAC, PEER_C,
                     pod_udp(remote_mac, DR, E1_IP, "10.244.2.9", "r1", ttl=63)),
        encapsulated(PEER_B_MAC, PEER_B,
                     pod_udp(DR_B, DR, E1_IP, "10.244.2.10", "own", ttl=63))])
    res.expect_nothing("p1", "p2")
    res.expect_drops({})


def test_overlay_dr_answers_arp_for_remote_addresses(ctx):
    """As VFP answers from its policy, so that no ARP crosses the overlay:
    a pod's ARP request for a remote endpoint (here one in the pod's own
    subnet, as a subnet spanning hosts has them) is answered with that
    endpoint's MAC, one for an address off the subnet that a
    RemoteSubnetRoute holds with the DR MAC, each counted
    (OverlayArpReplies); an in-subnet address nobody holds is not the DR's
    to answer (flooded to the pods as before). A frame to the remote
    endpoint's MAC is routed as one to the DR MAC is: encapsulated to its
    PA with its MAC as inner destination."""
    rmac, rip = "0e:2a:0a:f4:01:32", "10.244.1.50"
    eps = [endpoint("e1", E1_IP, E1), endpoint("e2", E2_IP, E2),
           {"Name": "r1", "VirtualNetworkName": "vxlan0", "IPAddress": rip,
            "MacAddress": wmac(rmac), "IsRemoteEndpoint": True,
            "Policies": [{"Type": "PA", "PA": PEER_B}]}]

    def ask(ip):
        return bytes(Ether(dst=BCAST, src=E1) / ARP(op=1, hwsrc=E1, psrc=E1_IP, pdst=ip))

    def answer(ip, mac):
        return bytes(Ether(dst=E1, src=mac) /
                     ARP(op=2, hwsrc=mac, psrc=ip, hwdst=E1, pdst=E1_IP))

    to_r1 = pod_udp(rmac, E1, E1_IP, rip, "r1")
    ports = [Port("up", uplink=True),
             Port("p1", send=[ask(rip), ask("10.244.2.5"), ask("10.244.1.77"), bytes(to_r1)]),
             Port("p2")]
    fields = {"up": {"MacAddress": UP_MAC, "IPAddresses": [PA + "/24"],
                     "Neighbors": [{"IPAddress": PEER_B, "MacAddress": PEER_B_MAC},
                                   {"IPAddress": PEER_C, "MacAddress": PEER_C_MAC}]},
              "p1": {"Endpoint": "e1"}, "p2": {"Endpoint": "e2"}}
    res = ctx.run_switch(ports, port_fields=fields,
                         root={"Networks": [network()], "Endpoints": eps})
    res.expect_out("p1", [answer(rip, rmac), answer("10.244.2.5", DR)])
    res.expect_out("p2", [ask("10.244.1.77")])
    res.expect_out("up", [encapsulated(PEER_B_MAC, PEER_B,
                                       pod_udp(rmac, DR, E1_IP, rip, "r1", ttl=63))])
    res.expect_drops({})
    replies = res.port_stats["p1"].get("OverlayArpReplies")
    check(replies == 2, f"p1 OverlayArpReplies {replies}, want 2")
    check(res.port_stats["p2"].get("OverlayArpReplies") == 0, "p2 OverlayArpReplies not 0")


HOST_MAC, HOST_IP = "00:15:5d:00:01:02", "10.244.1.20"


def run_with_host_vnic(ctx, host_route, p1=(), hv=()):
    """run() plus port "hv", the host's vNIC on the network (endpoint
    "hostep" attached with EndpointSystemType Host), and the network's
    HostRoute policy when host_route."""
    net = network()
    if host_route:
        net["Policies"].append({"Type": "HostRoute"})
    eps = [endpoint("e1", E1_IP, E1), endpoint("e2", E2_IP, E2),
           {"Name": "hostep", "VirtualNetworkName": "vxlan0", "IPAddress": HOST_IP,
            "MacAddress": wmac(HOST_MAC)}]
    ports = [Port("up", uplink=True), Port("p1", send=list(p1)), Port("p2"),
             Port("hv", send=list(hv))]
    fields = {"up": {"MacAddress": UP_MAC, "IPAddresses": [PA + "/24"],
                     "Neighbors": [{"IPAddress": PEER_B, "MacAddress": PEER_B_MAC}]},
              "p1": {"Endpoint": "e1"}, "p2": {"Endpoint": "e2"},
              "hv": {"Endpoint": "hostep", "EndpointSystemType": "Host"}}
    return ctx.run_switch(ports, port_fields=fields,
                          root={"Networks": [net], "Endpoints": eps})


def test_overlay_host_route_through_the_host_vnic(ctx):
    """HostRoute: with the network's HostRoute policy and the host's vNIC
    attached to it, a pod's frame to the DR for the host (its provider
    address) is routed to the vNIC (its MAC from the DR MAC, TTL - 1), and
    the host's frame from that address to the DR for a local pod is routed
    to the pod."""
    to_host = pod_udp(DR, E1, E1_IP, PA, "to-host")
    from_host = pod_udp(DR, HOST_MAC, PA, E1_IP, "from-host")
    res = run_with_host_vnic(ctx, True, p1=[bytes(to_host)], hv=[bytes(from_host)])
    res.expect_out("hv", [bytes(pod_udp(HOST_MAC, DR, E1_IP, PA, "to-host", ttl=63))])
    res.expect_out("p1", [bytes(pod_udp(E1, DR, PA, E1_IP, "from-host", ttl=63))])
    res.expect_nothing("up", "p2")
    res.expect_drops({})


def test_overlay_without_host_route_the_host_is_no_route(ctx):
    """Without the HostRoute policy a pod's frame to the host's provider
    address has no route, though the host's vNIC is there."""
    to_host = pod_udp(DR, E1, E1_IP, PA, "to-host")
    res = run_with_host_vnic(ctx, False, p1=[bytes(to_host)])
    res.expect_nothing("up", "p1", "p2", "hv")
    res.expect_drops({"p1": {NO_ROUTE: 1}})


def test_overlay_pods_isolated_from_the_uplink_at_l2(ctx):
    """A pod's ARP broadcast for a neighbour pod reaches that pod, never
    the underlay; a broadcast from the underlay reaches no pod (the DR is
    the only way between them)."""
    ask = bytes(Ether(dst=BCAST, src=E1) / ARP(op=1, hwsrc=E1, psrc=E1_IP, pdst=E2_IP))
    outside = bytes(Ether(dst=BCAST, src=PEER_B_MAC) /
                    ARP(op=1, hwsrc=PEER_B_MAC, psrc=PEER_B, pdst="10.99.0.77"))
    res = run(ctx, up=[outside], p1=[ask])
    res.expect_out("p2", [ask])
    res.expect_nothing("up", "p1")
    res.expect_drops({})


# ---- OutBoundNAT from Overlay pods (win-overlay, Calico VXLAN) ----

OUT_GW, OUT_GW_MAC = "10.99.0.254", "02:00:00:00:99:fe"
WIN_OVERLAY = [{"Type": "OutBoundNAT", "ExceptionList": ["10.244.0.0/16", "10.96.0.0/12"]}]
FILLERS = 40


def run_obnat(ctx, up=(), p1=(), p2=(), e1_policies=None, workers=1):
    """run() with a default gateway beyond the uplink (a static neighbour)
    and e1 carrying win-overlay's OutBoundNAT (cluster and service CIDRs
    as exceptions) besides its PA; e2 has none."""
    e1 = endpoint("e1", E1_IP, E1)
    e1["Policies"] += WIN_OVERLAY if e1_policies is None else e1_policies
    ports = [Port("up", uplink=True, send=list(up)), Port("p1", send=list(p1)),
             Port("p2", send=list(p2))]
    fields = {"up": {"MacAddress": UP_MAC, "IPAddresses": [PA + "/24"],
                     "DefaultGateway": OUT_GW,
                     "Neighbors": [{"IPAddress": PEER_B, "MacAddress": PEER_B_MAC},
                                   {"IPAddress": OUT_GW, "MacAddress": OUT_GW_MAC}]},
              "p1": {"Endpoint": "e1"}, "p2": {"Endpoint": "e2"}}
    return ctx.run_switch(ports, port_fields=fields,
                          root={"Networks": [network()],
                                "Endpoints": [e1, endpoint("e2", E2_IP, E2)]},
                          workers=workers)


def fillers(n=FILLERS):
    """Unsolicited UDP to the host address from outside: NAT filtered.
    They go before the replies so that the pod's frames make the sessions
    first (the ports' captures are read concurrently)."""
    return [bytes(Ether(dst=UP_MAC, src=OUT_GW_MAC) /
                  IP(src="198.51.100.99", dst=PA, id=i + 1) /
                  UDP(sport=7777, dport=40000 + i) / Raw(b"unsolicited"))
            for i in range(n)]


def pod_tcp(dst_mac, src_mac, src, dst, sport, dport, flags, ttl=64, seq=1000, ack=0):
    return (Ether(dst=dst_mac, src=src_mac) / IP(src=src, dst=dst, id=11, ttl=ttl) /
            TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack))


def obnat_nat(res):
    name = "OutBoundNAT " + PA
    nats = [n for n in res.stats.get("Nat", {}).get("Nats", []) if n.get("Name") == name]
    check(len(nats) == 1, f"/stats Nat.Nats has no '{name}': {res.stats.get('Nat')}")
    return nats[0]


def test_overlay_obnat_udp_and_tcp_to_the_outside_snat_to_the_host_and_back(ctx):
    """An Overlay pod with win-overlay's OutBoundNAT: its UDP and TCP to
    the DR for outside addresses (no overlay route, not an exception) are
    routed out of the uplink SNATed to the host address (the provider
    address): source MAC the uplink's, destination the default gateway's
    (the router's neighbour table), TTL - 1, ports kept (free, in the
    pool). The replies to the host address are translated back and
    delivered to the pod from the DR MAC with TTL - 1; the fillers before
    them, with no session, are NAT filtered."""
    udp = pod_udp(DR, E1, E1_IP, "8.8.8.8", "dns-q")
    syn = pod_tcp(DR, E1, E1_IP, "203.0.113.80", 40000, 80, "S")
    udp_reply = (Ether(dst=UP_MAC, src=OUT_GW_MAC) / IP(src="8.8.8.8", dst=PA, id=9, ttl=60) /
                 UDP(sport=5678, dport=1234) / Raw(b"dns-a"))
    synack = pod_tcp(UP_MAC, OUT_GW_MAC, "203.0.113.80", PA, 80, 40000, "SA", ttl=50,
                     seq=5000, ack=1001)
    res = run_obnat(ctx, up=fillers() + [bytes(udp_reply), bytes(synack)],
                    p1=[bytes(udp), bytes(syn)])
    res.expect_out("up", [
        bytes(Ether(dst=OUT_GW_MAC, src=UP_MAC) / IP(src=PA, dst="8.8.8.8", id=7, ttl=63) /
              UDP(sport=1234, dport=5678) / Raw(b"dns-q")),
        bytes(pod_tcp(OUT_GW_MAC, UP_MAC, PA, "203.0.113.80", 40000, 80, "S", ttl=63))])
    res.expect_out("p1", [
        bytes(Ether(dst=E1, src=DR) / IP(src="8.8.8.8", dst=E1_IP, id=9, ttl=59) /
              UDP(sport=5678, dport=1234) / Raw(b"dns-a")),
        bytes(pod_tcp(E1, DR, "203.0.113.80", E1_IP, 80, 40000, "SA", ttl=49, seq=5000,
                      ack=1001))])
    res.expect_nothing("p2")
    res.expect_drops({"up": {NAT_FILTERED: FILLERS}})
    nat = obnat_nat(res)
    check(nat.get("SessionsCreated") == 2 and nat.get("TranslatedOut") == 2 and
          nat.get("TranslatedIn") == 2, f"OutBoundNAT counters: {nat}")


def test_overlay_obnat_ping_out_and_back(ctx):
    """The pod's ping to an outside address leaves SNATed (echo id from the
    pool: the pod's kept) and the echo reply to the host address reaches
    the pod from the DR MAC; a ping to the host address itself from
    outside is answered by the router, not taken for a reply."""
    ping = (Ether(dst=DR, src=E1) / IP(src=E1_IP, dst="198.51.100.7", id=5, ttl=64) /
            ICMP(type=8, id=4321, seq=1) / Raw(b"ping"))
    pong = (Ether(dst=UP_MAC, src=OUT_GW_MAC) / IP(src="198.51.100.7", dst=PA, id=6, ttl=55) /
            ICMP(type=0, id=4321, seq=1) / Raw(b"ping"))
    res = run_obnat(ctx, up=fillers() + [bytes(pong)], p1=[bytes(ping)])
    res.expect_out("up", [bytes(Ether(dst=OUT_GW_MAC, src=UP_MAC) /
                                IP(src=PA, dst="198.51.100.7", id=5, ttl=63) /
                                ICMP(type=8, id=4321, seq=1) / Raw(b"ping"))])
    res.expect_out("p1", [bytes(Ether(dst=E1, src=DR) /
                                IP(src="198.51.100.7", dst=E1_IP, id=6, ttl=54) /
                                ICMP(type=0, id=4321, seq=1) / Raw(b"ping"))])
    res.expect_drops({"up": {NAT_FILTERED: FILLERS}})


def test_overlay_obnat_exceptions_and_pods_without_it_have_no_route(ctx):
    """What stays "No route to destination": a destination in the
    exceptions that no overlay route holds (the service CIDR) and any
    outside address from a pod without OutBoundNAT; an exception that a RemoteSubnetRoute
    holds is still encapsulated with the pod's own address. Nothing is
    SNATed (no session)."""
    to_svc = pod_udp(DR, E1, E1_IP, "10.96.0.10", "svc")
    to_b = pod_udp(DR, E1, E1_IP, "10.244.2.5", "to-b")
    e2_out = pod_udp(DR, E2, E2_IP, "8.8.8.8", "e2-out")
    res = run_obnat(ctx, p1=[bytes(to_svc), bytes(to_b)], p2=[bytes(e2_out)])
    inner_b = pod_udp(DR_B, DR, E1_IP, "10.244.2.5", "to-b", ttl=63)
    res.expect_out("up", [encapsulated(PEER_B_MAC, PEER_B, inner_b)])
    res.expect_nothing("p1", "p2")
    res.expect_drops({"p1": {NO_ROUTE: 1}, "p2": {NO_ROUTE: 1}})
    check(obnat_nat(res).get("SessionsCreated") == 0, "a session was made")


def test_overlay_obnat_ttl_one_expires_at_the_dr(ctx):
    """The DR routes what it SNATs: a pod's frame with TTL 1 to the outside
    is dropped "TTL expired", untranslated."""
    res = run_obnat(ctx, p1=[bytes(pod_udp(DR, E1, E1_IP, "8.8.8.8", "ttl1", ttl=1))])
    res.expect_nothing("up", "p1", "p2")
    res.expect_drops({"p1": {TTL_EXPIRED: 1}})
    check(obnat_nat(res).get("SessionsCreated") == 0, "a session was made")


def test_overlay_obnat_only_through_the_dr(ctx):
    """Only the DR SNATs an Overlay pod's frames: one to an unknown MAC
    (not the DR's) for an outside address is switched as before, to the
    other pods alone (isolated from the uplink at L2), untranslated."""
    stray = pod_udp("02:00:00:00:00:77", E1, E1_IP, "8.8.8.8", "stray")
    res = run_obnat(ctx, p1=[bytes(stray)])
    res.expect_out("p2", [bytes(stray)])
    res.expect_nothing("up", "p1")
    res.expect_drops({})
    check(obnat_nat(res).get("SessionsCreated") == 0, "a session was made")


def test_overlay_obnat_two_workers_hand_the_pod_traffic_to_the_owner(ctx):
    """Ports are dealt to workers round-robin: "up" to worker 0, which owns
    the OutBoundNAT's WinNAT object, the pod's port "p1" to worker 1, which
    routes and hands every frame the rule SNATs to the owner through its
    ring (the owner sends it to the next hop); the one a RemoteSubnetRoute
    takes is encapsulated on worker 1."""
    frames = [bytes(Ether(dst=DR, src=E1) / IP(src=E1_IP, dst="8.8.8.8", id=7, ttl=64) /
                    UDP(sport=5000 + i, dport=53) / Raw(b"f%d" % i)) for i in range(20)]
    to_b = pod_udp(DR, E1, E1_IP, "10.244.2.5", "to-b")
    res = run_obnat(ctx, p1=frames + [bytes(to_b)], workers=2)
    want = [bytes(Ether(dst=OUT_GW_MAC, src=UP_MAC) / IP(src=PA, dst="8.8.8.8", id=7, ttl=63) /
                  UDP(sport=5000 + i, dport=53) / Raw(b"f%d" % i)) for i in range(20)]
    want.append(encapsulated(PEER_B_MAC, PEER_B,
                             pod_udp(DR_B, DR, E1_IP, "10.244.2.5", "to-b", ttl=63)))
    res.expect_out("up", want, ordered=False)
    res.expect_drops({})
    nat = obnat_nat(res)
    check(nat.get("SessionsCreated") == 20 and nat.get("TranslatedOut") == 20,
          f"OutBoundNAT counters: {nat}")
