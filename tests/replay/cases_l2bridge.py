"""Transparent, L2Bridge and Private networks: golden cases.

Topology: port "up" (the uplink; a remote host R with MAC R_MAC lives
behind it, a static MAC table entry so frames to it are known unicast),
endpoint ports "c1", "c2" with endpoints e1 (10.0.0.5, fd00::5, E1) and e2
(10.0.0.6, E2) attached through the config's Networks/Endpoints and the
ports' "Endpoint". L2Bridge networks use SourceMac H as the host MAC.

One worker polls the ports in order, a burst per port per round, so
frames from one port come out in the order sent; frames of several ports
are compared as multisets.
"""

import logging

from frames import BCAST
from harness import Port, VLAN_FILTER, check, trunk

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.layers.inet import IP, UDP  # noqa: E402
from scapy.layers.inet6 import (ICMPv6ND_NA, ICMPv6ND_NS,  # noqa: E402
                                ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, IPv6)
from scapy.layers.l2 import ARP, Dot1Q, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

H = "02:15:5d:aa:bb:cc"
R_MAC, R_IP, R_IP6 = "02:00:00:00:99:01", "10.0.0.1", "fd00::1"
E1, E2 = "02:00:00:00:10:05", "02:00:00:00:10:06"
E1_IP, E2_IP, E1_IP6 = "10.0.0.5", "10.0.0.6", "fd00::5"


def network(kind, name="net", source_mac=H, policies=None, subnet_policies=None):
    n = {"Name": name, "Type": kind,
         "Subnets": [{"AddressPrefix": "10.0.0.0/24", "GatewayAddress": R_IP}]}
    if kind != "Private":
        n["NetworkAdapterName"] = "up"
    if source_mac:
        n["SourceMac"] = source_mac
    if policies:
        n["Policies"] = policies
    if subnet_policies:
        n["Subnets"][0]["Policies"] = subnet_policies
    return n


def endpoint(name, ip, mac_, net="net", ip6=None, vlan=None):
    e = {"Name": name, "VirtualNetworkName": net, "IPAddress": ip,
         "MacAddress": mac_.replace(":", "-")}
    if ip6:
        e["IPv6Address"] = ip6
    if vlan:
        e["Policies"] = [{"Type": "VLAN", "VLAN": vlan}]
    return e


def run(ctx, nets, eps, up=(), c1=(), c2=(), c3=None, up_vlan=None, attach=None):
    ports = [Port("up", uplink=True, send=list(up), macs=[R_MAC], vlan=up_vlan),
             Port("c1", send=list(c1)), Port("c2", send=list(c2))]
    if c3 is not None:
        ports.append(Port("c3", send=list(c3)))
    attach = {"c1": "e1", "c2": "e2"} if attach is None else attach
    fields = {p: {"Endpoint": e} for p, e in attach.items()}
    return ctx.run_switch(ports, port_fields=fields,
                          root={"Networks": nets, "Endpoints": eps})


def l2bridge(**kw):
    return [network("L2Bridge", **kw)], [endpoint("e1", E1_IP, E1, ip6=E1_IP6),
                                         endpoint("e2", E2_IP, E2)]


def udp(dst, src, ipsrc, ipdst, marker, tag=None):
    pkt = Ether(dst=dst, src=src)
    if tag is not None:
        pkt = pkt / Dot1Q(vlan=tag)
    return bytes(pkt / IP(src=ipsrc, dst=ipdst, id=1) / UDP(sport=1000, dport=2000) /
                 Raw(marker.encode()))


def arp(dst, src, op, hwsrc, psrc, hwdst, pdst, tag=None):
    pkt = Ether(dst=dst, src=src)
    if tag is not None:
        pkt = pkt / Dot1Q(vlan=tag)
    return bytes(pkt / ARP(op=op, hwsrc=hwsrc, psrc=psrc, hwdst=hwdst, pdst=pdst))


# --- L2Bridge -----------------------------------------------------------------

def test_l2bridge_egress_source_rewritten_to_host_mac(ctx):
    """A unicast frame to the remote leaves the uplink from H; an ARP
    request from the endpoint leaves with Ethernet source and sha H, while
    the other endpoint on the host gets it unchanged."""
    out = udp(R_MAC, E1, E1_IP, R_IP, "e1-out")
    who = arp(BCAST, E1, 1, E1, E1_IP, "00:00:00:00:00:00", R_IP)
    res = run(ctx, *l2bridge(), c1=[out, who])
    res.expect_out("up", [udp(R_MAC, H, E1_IP, R_IP, "e1-out"),
                          arp(BCAST, H, 1, H, E1_IP, "00:00:00:00:00:00", R_IP)])
    res.expect_out("c2", [who])
    res.expect_nothing("c1")
    res.expect_drops({})


def test_l2bridge_ingress_delivered_by_ip_with_mac_written_back(ctx):
    """Frames to H are delivered by destination IP (IPv4 and IPv6) with
    the endpoint's MAC as destination; an ARP reply to H for an endpoint
    gets dst and tha written back."""
    to1 = udp(H, R_MAC, R_IP, E1_IP, "to-e1")
    to2 = udp(H, R_MAC, R_IP, E2_IP, "to-e2")
    to1v6 = bytes(Ether(dst=H, src=R_MAC) / IPv6(src=R_IP6, dst=E1_IP6) /
                  UDP(sport=1, dport=2) / Raw(b"v6"))
    reply = arp(H, R_MAC, 2, R_MAC, R_IP, H, E1_IP)
    res = run(ctx, *l2bridge(), up=[to1, to2, to1v6, reply])
    res.expect_out("c1", [udp(E1, R_MAC, R_IP, E1_IP, "to-e1"),
                          bytes(Ether(dst=E1, src=R_MAC) / IPv6(src=R_IP6, dst=E1_IP6) /
                                UDP(sport=1, dport=2) / Raw(b"v6")),
                          arp(E1, R_MAC, 2, R_MAC, R_IP, E1, E1_IP)])
    res.expect_out("c2", [udp(E2, R_MAC, R_IP, E2_IP, "to-e2")])
    res.expect_nothing("up")
    res.expect_drops({})


def test_l2bridge_arp_for_endpoint_answered_with_host_mac(ctx):
    """ARP requests from the wire for endpoint IPs are answered with H
    (broadcast and unicast to H); one for another address floods."""
    ask1 = arp(BCAST, R_MAC, 1, R_MAC, R_IP, "00:00:00:00:00:00", E1_IP)
    ask2 = arp(H, R_MAC, 1, R_MAC, R_IP, "00:00:00:00:00:00", E2_IP)
    other = arp(BCAST, R_MAC, 1, R_MAC, R_IP, "00:00:00:00:00:00", "10.0.0.77")
    res = run(ctx, *l2bridge(), up=[ask1, ask2, other])
    res.expect_out("up", [arp(R_MAC, H, 2, H, E1_IP, R_MAC, R_IP),
                          arp(R_MAC, H, 2, H, E2_IP, R_MAC, R_IP)])
    res.expect_out("c1", [other])
    res.expect_out("c2", [other])
    res.expect_drops({})


def test_l2bridge_host_mac_defaults_to_uplink_mac(ctx):
    """Without SourceMac the host MAC is the uplink's (its "MacAddress"),
    which is also the router's: the layer sees those frames first."""
    up_mac = "02:00:00:00:77:01"
    nets, eps = l2bridge(source_mac=None)
    ports = [Port("up", uplink=True, macs=[R_MAC],
                  send=[arp(BCAST, R_MAC, 1, R_MAC, R_IP, "00:00:00:00:00:00", E1_IP),
                        udp(up_mac, R_MAC, R_IP, E1_IP, "in")]),
             Port("c1", send=[udp(R_MAC, E1, E1_IP, R_IP, "out")]), Port("c2")]
    res = ctx.run_switch(ports, port_fields={
        "up": {"MacAddress": up_mac, "IPAddresses": ["10.0.0.2/24"]},
        "c1": {"Endpoint": "e1"}, "c2": {"Endpoint": "e2"}},
        root={"Networks": nets, "Endpoints": eps})
    res.expect_out("up", [arp(R_MAC, up_mac, 2, up_mac, E1_IP, R_MAC, R_IP),
                          udp(R_MAC, up_mac, E1_IP, R_IP, "out")], ordered=False)
    res.expect_out("c1", [udp(E1, R_MAC, R_IP, E1_IP, "in")])
    res.expect_nothing("c2")
    res.expect_drops({})


def test_l2bridge_ipv6_neighbor_solicitation_answered(ctx):
    """An NS from the wire for an endpoint's IPv6 address gets an NA from
    H (solicited, override, target link-layer address H; checksum right)."""
    ns = bytes(Ether(dst="33:33:ff:00:00:05", src=R_MAC) /
               IPv6(src=R_IP6, dst="ff02::1:ff00:5", hlim=255) /
               ICMPv6ND_NS(tgt=E1_IP6) / ICMPv6NDOptSrcLLAddr(lladdr=R_MAC))
    dad = bytes(Ether(dst="33:33:ff:00:00:05", src=R_MAC) /
                IPv6(src="::", dst="ff02::1:ff00:5", hlim=255) / ICMPv6ND_NS(tgt=E1_IP6))
    res = run(ctx, *l2bridge(), up=[ns, dad])
    na = bytes(Ether(dst=R_MAC, src=H) / IPv6(src=E1_IP6, dst=R_IP6, hlim=255) /
               ICMPv6ND_NA(R=0, S=1, O=1, tgt=E1_IP6) / ICMPv6NDOptDstLLAddr(lladdr=H))
    res.expect_out("up", [na])
    # DAD (unspecified source) is not answered: it floods as multicast
    res.expect_out("c1", [dad])
    res.expect_out("c2", [dad])
    res.expect_drops({})


def test_l2bridge_endpoint_ipv6_nd_options_name_host_mac(ctx):
    """An endpoint's own neighbour solicitation leaves the uplink from H
    with H in its source link-layer option (checksum computed again), so
    the outside resolves the endpoint to H; the other endpoint on the host
    gets it unchanged."""
    ns = bytes(Ether(dst="33:33:ff:00:00:01", src=E1) /
               IPv6(src=E1_IP6, dst="ff02::1:ff00:1", hlim=255) /
               ICMPv6ND_NS(tgt=R_IP6) / ICMPv6NDOptSrcLLAddr(lladdr=E1))
    res = run(ctx, *l2bridge(), c1=[ns])
    res.expect_out("up", [bytes(Ether(dst="33:33:ff:00:00:01", src=H) /
                                IPv6(src=E1_IP6, dst="ff02::1:ff00:1", hlim=255) /
                                ICMPv6ND_NS(tgt=R_IP6) / ICMPv6NDOptSrcLLAddr(lladdr=H))])
    res.expect_out("c2", [ns])
    res.expect_drops({})


def test_l2bridge_intra_host_endpoint_to_endpoint_unchanged(ctx):
    """Endpoint to endpoint on the host: switched directly, MACs kept;
    a frame from e1 to H for e2's IP is delivered to e2 by IP."""
    direct = udp(E2, E1, E1_IP, E2_IP, "direct")
    via_h = udp(H, E1, E1_IP, E2_IP, "via-h")
    ask = arp(BCAST, E1, 1, E1, E1_IP, "00:00:00:00:00:00", E2_IP)
    ports_c2 = Port("c2", macs=[E2])
    ports = [Port("up", uplink=True, macs=[R_MAC]), Port("c1", send=[direct, via_h, ask]),
             ports_c2]
    nets, eps = l2bridge()
    res = ctx.run_switch(ports, port_fields={"c1": {"Endpoint": "e1"},
                                             "c2": {"Endpoint": "e2"}},
                         root={"Networks": nets, "Endpoints": eps})
    # the layer delivers frames to H before the burst is switched: as a set
    res.expect_out("c2", [direct, udp(E2, E1, E1_IP, E2_IP, "via-h"), ask],
                   ordered=False)
    # the ARP broadcast also reaches the wire, from H
    res.expect_out("up", [arp(BCAST, H, 1, H, E1_IP, "00:00:00:00:00:00", E2_IP)])
    res.expect_drops({})


def test_l2bridge_vlan_endpoints_on_trunk_uplink(ctx):
    """e1 (endpoint VLAN policy 10) and e2 (policy 20, a VLAN the trunk
    does not list: added to it) are Access ports; the uplink carries both
    tagged. ARP for e1 in VLAN 20 is not
    answered (e1 is not in it)."""
    nets = [network("L2Bridge")]
    eps = [endpoint("e1", E1_IP, E1, vlan=10), endpoint("e2", E2_IP, E2, vlan=20)]
    up = [udp(H, R_MAC, R_IP, E2_IP, "to-e2", tag=20),
          arp(BCAST, R_MAC, 1, R_MAC, R_IP, "00:00:00:00:00:00", E1_IP, tag=10),
          arp(BCAST, R_MAC, 1, R_MAC, R_IP, "00:00:00:00:00:00", E1_IP, tag=20)]
    res = run(ctx, nets, eps, up=up, c1=[udp(R_MAC, E1, E1_IP, R_IP, "e1-out")],
              up_vlan=trunk("10"))
    res.expect_out("up", [arp(R_MAC, H, 2, H, E1_IP, R_MAC, R_IP, tag=10),
                          udp(R_MAC, H, E1_IP, R_IP, "e1-out", tag=10)])
    res.expect_out("c2", [udp(E2, R_MAC, R_IP, E2_IP, "to-e2"),
                          arp(BCAST, R_MAC, 1, R_MAC, R_IP, "00:00:00:00:00:00", E1_IP)])
    res.expect_nothing("c1")
    vl = {p["Name"]: p.get("Vlan") for p in res.stats["Ports"]}
    check(vl["c1"] == "Access 10" and vl["c2"] == "Access 20",
          f"endpoint ports' VLANs: {vl}")
    res.expect_drops({})


def test_l2bridge_subnet_vlan_policy_and_untagged_uplink(ctx):
    """The subnet's VLAN policy applies to endpoints without their own; an
    Untagged uplink becomes a trunk (native 0) carrying it tagged."""
    nets = [network("L2Bridge", subnet_policies=[{"Type": "VLAN", "VLAN": 30}])]
    eps = [endpoint("e1", E1_IP, E1), endpoint("e2", E2_IP, E2)]
    res = run(ctx, nets, eps, c1=[udp(R_MAC, E1, E1_IP, R_IP, "out")],
              up=[udp(H, R_MAC, R_IP, E1_IP, "in", tag=30),
                  udp(H, R_MAC, R_IP, E2_IP, "untagged-dropped")])
    res.expect_out("up", [udp(R_MAC, H, E1_IP, R_IP, "out", tag=30)])
    res.expect_out("c1", [udp(E1, R_MAC, R_IP, E1_IP, "in")])
    # R is unknown in VLAN 30: the frame floods, e2 gets it as sent
    res.expect_out("c2", [udp(R_MAC, E1, E1_IP, R_IP, "out")])
    # VLAN 0 frame for e2 (in VLAN 30): filtered at e2's port
    res.expect_drops({"c2": {VLAN_FILTER: 1}})


# --- Transparent ----------------------------------------------------------------

def test_transparent_endpoints_bridged_with_their_own_macs(ctx):
    nets = [network("Transparent", source_mac=None)]
    eps = [endpoint("e1", E1_IP, E1), endpoint("e2", E2_IP, E2, vlan=10)]
    out = udp(R_MAC, E1, E1_IP, R_IP, "e1-out")
    bc = arp(BCAST, R_MAC, 1, R_MAC, R_IP, "00:00:00:00:00:00", E1_IP)
    res = run(ctx, nets, eps, up=[bc], c1=[out], c2=[udp(R_MAC, E2, E2_IP, R_IP, "e2")],
              up_vlan=trunk("10"))
    res.expect_out("up", [out, udp(R_MAC, E2, E2_IP, R_IP, "e2", tag=10)], ordered=False)
    res.expect_out("c1", [bc])   # VLAN 0 only: e2 is in VLAN 10
    res.expect_nothing("c2")
    res.expect_drops({})


# --- Private ----------------------------------------------------------------------

def test_private_network_isolated_from_the_uplink(ctx):
    """Private endpoints reach each other; nothing of theirs reaches the
    uplink or another port, nothing from the uplink reaches them."""
    nets = [network("Private", source_mac=None)]
    eps = [endpoint("e1", E1_IP, E1), endpoint("e2", E2_IP, E2)]
    bc1 = arp(BCAST, E1, 1, E1, E1_IP, "00:00:00:00:00:00", E2_IP)
    to_r = udp(R_MAC, E1, E1_IP, R_IP, "to-remote")
    bcu = arp(BCAST, R_MAC, 1, R_MAC, R_IP, "00:00:00:00:00:00", E1_IP)
    res = run(ctx, nets, eps, up=[bcu], c1=[bc1, to_r], c3=[])
    res.expect_out("c2", [bc1])
    res.expect_out("c3", [bcu])
    res.expect_nothing("up", "c1")
    res.expect_drops({"up": {VLAN_FILTER: 1}})


def test_l2bridge_endpoint_not_attached_no_rewrite(ctx):
    """An endpoint that is not attached has no dataplane state: frames of
    the port go unchanged and ARP for its IP is not answered."""
    nets, eps = l2bridge()
    out = udp(R_MAC, E1, E1_IP, R_IP, "plain")
    ask = arp(BCAST, R_MAC, 1, R_MAC, R_IP, "00:00:00:00:00:00", E1_IP)
    res = run(ctx, nets, eps, up=[ask], c1=[out], attach={"c2": "e2"})
    res.expect_out("up", [out])
    res.expect_out("c1", [ask])
    res.expect_out("c2", [ask])
    res.expect_drops({})


# --- NAT networks: their own L2 domain ------------------------------------------

def test_nat_network_endpoints_are_reached_only_through_the_router(ctx):
    """A NAT network's endpoints are their own L2 domain, the router in
    between (as on Windows): a host on the uplink segment that learned a
    container's MAC cannot send to it (unsolicited UDP would never meet
    WinNAT's filtering), IPv6 link-local multicast does not cross either
    way, and a container's frames reach the other endpoints of its
    network, never the uplink or another port."""
    nets = [{"Name": "natnet", "Type": "NAT",
             "Subnets": [{"AddressPrefix": "10.0.0.0/24", "GatewayAddress": R_IP}]}]
    eps = [endpoint("e1", E1_IP, E1, net="natnet"), endpoint("e2", E2_IP, E2, net="natnet")]
    from_up = udp(E1, R_MAC, "192.0.2.99", E1_IP, "unsolicited-to-container")
    ns_up = bytes(Ether(dst="33:33:ff:00:00:05", src=R_MAC) /
                  IPv6(src="fe80::99", dst="ff02::1:ff00:5", hlim=255) /
                  ICMPv6ND_NS(tgt="fe80::5") / ICMPv6NDOptSrcLLAddr(lladdr=R_MAC))
    bc1 = arp(BCAST, E1, 1, E1, E1_IP, "00:00:00:00:00:00", E2_IP)
    ns_c1 = bytes(Ether(dst="33:33:ff:00:00:99", src=E1) /
                  IPv6(src="fe80::5", dst="ff02::1:ff00:99", hlim=255) /
                  ICMPv6ND_NS(tgt="fe80::99") / ICMPv6NDOptSrcLLAddr(lladdr=E1))
    to_r = udp(R_MAC, E1, E1_IP, "192.0.2.99", "container-to-uplink-host-at-l2")
    ports = [Port("up", uplink=True, send=[from_up, ns_up], macs=[R_MAC]),
             Port("c1", send=[bc1, ns_c1, to_r]), Port("c2"), Port("c3")]
    fields = {"up": {"IPAddresses": ["192.0.2.10/24"]},
              "c1": {"Endpoint": "e1"}, "c2": {"Endpoint": "e2"}}
    res = ctx.run_switch(ports, port_fields=fields,
                         root={"Networks": nets, "Endpoints": eps})
    res.expect_out("c2", [bc1, ns_c1])
    res.expect_out("c3", [from_up, ns_up], ordered=False)
    res.expect_nothing("up", "c1")
    res.expect_drops({"up": {VLAN_FILTER: 1}})


# --- QoS (issue 18) --------------------------------------------------------------

def test_qos_policy_caps_what_the_endpoint_sends(ctx):
    """An endpoint's QOS policy (1,000 bytes/s, so the bucket holds its
    50 ms of the rate plus one 64 KiB segment, and its FIFO's 100 ms of the
    rate holds no such frame) lets the first 65 frames of
    about 1,000 bytes of a burst through and drops the rest as "QoS rate
    exceeded" on its port (a frame a second refills, so a slow run may pass
    one or two more); the other endpoint, without a cap, sends them all."""
    from harness import QOS_EXCEEDED
    nets, eps = l2bridge()
    eps[0]["Policies"] = [{"Type": "QOS", "MaximumOutgoingBandwidthInBytes": 1000}]
    n = 100
    capped = [udp(R_MAC, E1, E1_IP, R_IP, f"q{i:03d}" + "x" * 950) for i in range(n)]
    free = [udp(R_MAC, E2, E2_IP, R_IP, f"f{i:03d}" + "y" * 950) for i in range(n)]
    res = run(ctx, nets, eps, c1=capped, c2=free)
    out = res.out["up"]
    from_e1 = [f for f in out if b"xxxx" in f]
    from_e2 = [f for f in out if b"yyyy" in f]
    fit = (1000 * 50 // 1000 + 65553) // len(capped[0])  # 50 ms of the rate + 64 KiB
    check(len(from_e2) == n, f"the uncapped endpoint sent {len(from_e2)} of {n}")
    check(fit <= len(from_e1) <= fit + 2, f"the capped endpoint sent {len(from_e1)} "
          f"frames ({fit} fit the bucket, a refill or two on a slow run)")
    check(from_e1 == [udp(R_MAC, H, E1_IP, R_IP, f"q{i:03d}" + "x" * 950)
                      for i in range(len(from_e1))],
          "the capped endpoint's first frames, in order, source H")
    res.expect_drops({"c1": {QOS_EXCEEDED: n - len(from_e1)}})


def test_qos_shaper_delays_a_burst_beyond_the_bucket_instead_of_dropping_it(ctx):
    """At 1,000,000 bytes/s the bucket holds 50 ms of the rate plus 64 KiB
    and the port's FIFO 100 ms of the rate: of a burst of 300 frames of
    about 1,000 bytes, those that fit the bucket go at once, the next ones
    (100,000 bytes) wait in the FIFO and leave at the rate, in order, behind
    the first; only what fits neither is dropped as "QoS rate exceeded". A
    policer would have dropped every frame beyond the bucket."""
    from harness import QOS_EXCEEDED
    nets, eps = l2bridge()
    rate = 1000000
    eps[0]["Policies"] = [{"Type": "QOS", "MaximumOutgoingBandwidthInBytes": rate}]
    n = 300
    capped = [udp(R_MAC, E1, E1_IP, R_IP, f"q{i:03d}" + "x" * 950) for i in range(n)]
    res = run(ctx, nets, eps, c1=capped)
    from_e1 = [f for f in res.out["up"] if b"xxxx" in f]
    size = len(capped[0])
    fit = (rate * 50 // 1000 + 65553) // size
    held = min(256, rate * 100 // 1000 // size)
    check(fit + held <= len(from_e1) <= fit + held + 3,
          f"the capped endpoint sent {len(from_e1)} frames ({fit} fit the bucket, "
          f"{held} the FIFO, a refill or three while the burst arrives)")
    # Until the FIFO is full nothing is dropped, so the first fit + held
    # frames are the burst's first, in order. A refill while the burst
    # arrives (a slow machine, ASan) frees room for a later frame after
    # some were dropped: those extras come in order, after the rest.
    first = fit + held
    check(from_e1[:first] == [udp(R_MAC, H, E1_IP, R_IP, f"q{i:03d}" + "x" * 950)
                              for i in range(first)],
          "the held frames leave after the first ones, in order, source H")
    def index(f):  # the frame's "qNNN" tag, just before its x's
        f = bytes(f)
        at = f.find(b"x" * 950)
        return int(f[at - 3:at]) if at >= 4 and f[at - 4:at - 3] == b"q" else -1
    later = [index(f) for f in from_e1[first:]]
    check(later == sorted(set(later)) and all(i >= first for i in later) and
          all(f == udp(R_MAC, H, E1_IP, R_IP, f"q{i:03d}" + "x" * 950)
              for f, i in zip(from_e1[first:], later)),
          f"the frames after the first {first} are not later ones in order, source H: {later}")
    res.expect_drops({"c1": {QOS_EXCEEDED: n - len(from_e1)}})
