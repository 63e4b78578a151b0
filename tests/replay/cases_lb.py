"""Load balancer golden cases (issue 17): Kubernetes services made by the
startup config's "LoadBalancers", balanced in the packet path.

Topology: backend ports "b1", "b2" and client port "c1" (pods, each with
its MAC as a static address, so what L2 switches is deterministic), and
the uplink "up" (192.0.2.10/24, the router MAC ROUTER_MAC, default gateway
GW_IP at GW_MAC). The service VIP is 10.96.0.10.

A backend makes itself known to the LB stage before the client's request
with the answer to the switch's ARP probe (an ARP reply to the router MAC,
target 0.0.0.0), which the stage learns and consumes; it is sent first on
its port, which is polled before the client's.

Ordering: one worker polls the ports in order, one burst (at most 32
frames) per port per round. A backend's reply follows FILLERS frames the
switch drops (a multicast source MAC: "Invalid packet"), so it is read in a
later round than the client's request, after the connection exists.

Expected frames are built with scapy, whose checksums are full
recomputations: the incremental updates must give the same bytes.
"""

import logging

from frames import mac
from harness import INVALID, Port, check

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.layers.inet import IP, TCP, UDP  # noqa: E402
from scapy.layers.l2 import ARP, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

ROUTER_MAC = "02:70:63:61:70:00"
GW_MAC = "02:00:00:00:0a:01"
UPLINK_IP, GW_IP = "192.0.2.10", "192.0.2.1"
VIP = "10.96.0.10"
C1_IP, B1_IP, B2_IP = "10.244.0.2", "10.244.0.11", "10.244.0.12"
C1_MAC, B1_MAC, B2_MAC = mac(0x60, 0x01), mac(0x60, 0x11), mac(0x60, 0x12)
EXT_IP = "198.51.100.7"
FILLERS = 40

UPLINK_FIELDS = {"IPAddresses": [UPLINK_IP + "/24"], "DefaultGateway": GW_IP,
                 "MacAddress": ROUTER_MAC}


def eth(dst, src, pkt):
    return bytes(Ether(dst=dst, src=src) / pkt)


def announce(mac_, ip):
    """A pod answering the switch's ARP probe: learnt by the LB stage."""
    return eth(ROUTER_MAC, mac_, ARP(op=2, hwsrc=mac_, psrc=ip, hwdst=ROUTER_MAC,
                                     pdst="0.0.0.0"))


def fillers(n=FILLERS):
    """Frames with a multicast source: dropped as invalid, nothing else."""
    return [eth(ROUTER_MAC, "01:00:5e:00:00:01",
                IP(src="10.244.0.99", dst=C1_IP, id=i + 1) /
                UDP(sport=7, dport=9) / Raw(b"filler"))
            for i in range(n)]


def backend(mac_, ip, *later):
    """A backend port's input: it makes itself known, then sends later
    (its replies) in a later round than the client's request."""
    return [announce(mac_, ip)] + fillers() + list(later)


def lb(port, internal, proto=6, vips=(VIP,), backends=(B1_IP,), **extra):
    obj = {"PortMappings": [{"Protocol": proto, "InternalPort": internal,
                             "ExternalPort": port}],
           "Backends": list(backends)}
    if vips is not None:
        obj["FrontendVIPs"] = list(vips)
    obj.update(extra)
    return obj


def run_lb(ctx, lbs, b1=(), b2=(), c1=(), up=(), extra_args=()):
    ports = [Port("b1", send=list(b1), macs=[B1_MAC]),
             Port("b2", send=list(b2), macs=[B2_MAC]),
             Port("c1", send=list(c1), macs=[C1_MAC]),
             Port("up", uplink=True, send=list(up))]
    return ctx.run_switch(ports, port_fields={"up": UPLINK_FIELDS},
                          root={"LoadBalancers": lbs}, extra_args=extra_args)


def settled(res, backend_ports=("b1",)):
    """Drops: only the fillers; counters agree with the pcaps."""
    res.expect_drops({p: {INVALID: FILLERS} for p in backend_ports})
    res.check_counters()


def same_after_recompute(raw):
    """raw's checksums are what a full recomputation gives."""
    p = Ether(raw)
    del p[IP].chksum
    if TCP in p:
        del p[TCP].chksum
    if UDP in p:
        del p[UDP].chksum
    return bytes(p.__class__(bytes(p))) == raw


# --- cases --------------------------------------------------------------------

def test_lb_clusterip_tcp_request_dnat_and_reply_reverse(ctx):
    syn = eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst=VIP, id=1, ttl=64) /
              TCP(sport=40001, dport=80, flags="S", seq=1000) / Raw(b"hello"))
    # the backend is on the client's subnet: it answers the client's MAC
    synack = eth(C1_MAC, B1_MAC, IP(src=B1_IP, dst=C1_IP, id=2, ttl=64) /
                 TCP(sport=8080, dport=40001, flags="SA", seq=5000, ack=1001))
    res = run_lb(ctx, [lb(80, 8080)], b1=backend(B1_MAC, B1_IP, synack), c1=[syn])
    res.expect_out("b1", [eth(B1_MAC, C1_MAC, IP(src=C1_IP, dst=B1_IP, id=1, ttl=64) /
                              TCP(sport=40001, dport=8080, flags="S", seq=1000) /
                              Raw(b"hello"))])
    res.expect_out("c1", [eth(C1_MAC, B1_MAC, IP(src=VIP, dst=C1_IP, id=2, ttl=64) /
                              TCP(sport=80, dport=40001, flags="SA", seq=5000, ack=1001))])
    res.expect_nothing("b2", "up")
    settled(res)


def test_lb_clusterip_udp_reply_sent_to_the_gateway_mac(ctx):
    q = eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst=VIP, id=3) /
            UDP(sport=5353, dport=53) / Raw(b"query"))
    # this backend sends its answer to its gateway (the router MAC)
    a = eth(ROUTER_MAC, B2_MAC, IP(src=B2_IP, dst=C1_IP, id=4) /
            UDP(sport=5300, dport=5353) / Raw(b"answer"))
    res = run_lb(ctx, [lb(53, 5300, proto=17, backends=[B2_IP])],
                 b2=backend(B2_MAC, B2_IP, a), c1=[q])
    res.expect_out("b2", [eth(B2_MAC, C1_MAC, IP(src=C1_IP, dst=B2_IP, id=3) /
                              UDP(sport=5353, dport=5300) / Raw(b"query"))])
    res.expect_out("c1", [eth(C1_MAC, B2_MAC, IP(src=VIP, dst=C1_IP, id=4) /
                              UDP(sport=53, dport=5353) / Raw(b"answer"))])
    res.expect_nothing("b1", "up")
    for f in res.out["b2"] + res.out["c1"]:
        check(same_after_recompute(f), f"bad checksum in {Ether(f).summary()}")
    settled(res, ("b2",))


def test_lb_clusterip_spreads_connections_over_its_backends(ctx):
    reqs = [eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst=VIP, id=100 + i) /
                UDP(sport=20000 + i, dport=53) / Raw(b"q%d" % i)) for i in range(24)]
    res = run_lb(ctx, [lb(53, 53, proto=17, backends=[B1_IP, B2_IP])],
                 b1=[announce(B1_MAC, B1_IP)], b2=[announce(B2_MAC, B2_IP)], c1=reqs)
    got1 = [Ether(f) for f in res.out["b1"]]
    got2 = [Ether(f) for f in res.out["b2"]]
    check(len(got1) + len(got2) == 24, f"{len(got1)} + {len(got2)} requests delivered, "
          "expected 24")
    check(got1 and got2, f"one backend got them all ({len(got1)}, {len(got2)})")
    for p in got1:
        check(p[IP].dst == B1_IP and p.dst == B1_MAC, f"b1 got {p.summary()}")
    for p in got2:
        check(p[IP].dst == B2_IP and p.dst == B2_MAC, f"b2 got {p.summary()}")
    for f in res.out["b1"] + res.out["b2"]:
        check(same_after_recompute(f), f"bad checksum in {Ether(f).summary()}")
    res.expect_nothing("c1", "up")
    res.expect_drops({})
    res.check_counters()


def test_lb_nodeport_from_the_uplink(ctx):
    syn = eth(ROUTER_MAC, GW_MAC, IP(src=EXT_IP, dst=UPLINK_IP, id=7, ttl=50) /
              TCP(sport=51000, dport=30080, flags="S", seq=1))
    synack = eth(ROUTER_MAC, B1_MAC, IP(src=B1_IP, dst=EXT_IP, id=8, ttl=64) /
                 TCP(sport=8080, dport=51000, flags="SA", seq=9, ack=2))
    res = run_lb(ctx, [lb(30080, 8080, vips=None)], b1=backend(B1_MAC, B1_IP, synack),
                 up=[syn])
    res.expect_out("b1", [eth(B1_MAC, GW_MAC, IP(src=EXT_IP, dst=B1_IP, id=7, ttl=50) /
                              TCP(sport=51000, dport=8080, flags="S", seq=1))])
    # out of the uplink as the host: its address and the router MAC
    res.expect_out("up", [eth(GW_MAC, ROUTER_MAC, IP(src=UPLINK_IP, dst=EXT_IP, id=8,
                                                     ttl=64) /
                              TCP(sport=30080, dport=51000, flags="SA", seq=9, ack=2))])
    res.expect_nothing("b2", "c1")
    settled(res)


def test_lb_ilb_nodeport_is_not_reached_from_the_uplink(ctx):
    """PortMapping Flags 1 (ILB, internal only): the uplink's request is not
    balanced (no backend sees it); a pod's request to the same frontend is."""
    syn = eth(ROUTER_MAC, GW_MAC, IP(src=EXT_IP, dst=UPLINK_IP, id=7, ttl=50) /
              TCP(sport=51000, dport=30080, flags="S", seq=1))
    pod = eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst=UPLINK_IP, id=8, ttl=64) /
              TCP(sport=41000, dport=30080, flags="S", seq=1))
    ilb = lb(30080, 8080, vips=None)
    ilb["PortMappings"][0]["Flags"] = 1
    res = run_lb(ctx, [ilb], b1=backend(B1_MAC, B1_IP), up=[syn], c1=[pod])
    res.expect_out("b1", [eth(B1_MAC, C1_MAC, IP(src=C1_IP, dst=B1_IP, id=8, ttl=64) /
                              TCP(sport=41000, dport=8080, flags="S", seq=1))])
    res.expect_nothing("b2", "c1")
    check(all(Ether(f)[IP].dst != B1_IP for f in res.out["up"]), "not DNATed")


def test_lb_preserve_dip_delivers_with_the_vip_and_translates_back(ctx):
    """PortMapping Flags 8 (PreserveDIP): the request reaches the backend's
    MAC with the VIP still its destination (the port is the backend's); the
    backend's answer from VIP:8080 goes back as VIP:80."""
    syn = eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst=VIP, id=21, ttl=64) /
              TCP(sport=40021, dport=80, flags="S", seq=10))
    synack = eth(C1_MAC, B1_MAC, IP(src=VIP, dst=C1_IP, id=22, ttl=64) /
                 TCP(sport=8080, dport=40021, flags="SA", seq=20, ack=11))
    pd = lb(80, 8080)
    pd["PortMappings"][0]["Flags"] = 8
    res = run_lb(ctx, [pd], b1=backend(B1_MAC, B1_IP, synack), c1=[syn])
    res.expect_out("b1", [eth(B1_MAC, C1_MAC, IP(src=C1_IP, dst=VIP, id=21, ttl=64) /
                              TCP(sport=40021, dport=8080, flags="S", seq=10))])
    res.expect_out("c1", [eth(C1_MAC, B1_MAC, IP(src=VIP, dst=C1_IP, id=22, ttl=64) /
                              TCP(sport=80, dport=40021, flags="SA", seq=20, ack=11))])
    res.expect_nothing("b2", "up")
    settled(res)


def test_lb_dsr_request_translated_reply_untouched(ctx):
    syn = eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst=VIP, id=9) /
              TCP(sport=40002, dport=80, flags="S", seq=77))
    # a DSR backend answers the client itself, from the VIP
    synack = eth(C1_MAC, B1_MAC, IP(src=VIP, dst=C1_IP, id=10) /
                 TCP(sport=80, dport=40002, flags="SA", seq=3, ack=78))
    res = run_lb(ctx, [lb(80, 80, Flags=1)], b1=backend(B1_MAC, B1_IP, synack), c1=[syn])
    res.expect_out("b1", [eth(B1_MAC, C1_MAC, IP(src=C1_IP, dst=B1_IP, id=9) /
                              TCP(sport=40002, dport=80, flags="S", seq=77))])
    res.expect_out("c1", [synack])
    res.expect_nothing("b2", "up")
    settled(res)


def test_lb_source_vip_snat_and_back(ctx):
    svip = "10.244.0.250"
    syn = eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst=VIP, id=11) /
              TCP(sport=40003, dport=80, flags="S", seq=500))
    synack = eth(ROUTER_MAC, B1_MAC, IP(src=B1_IP, dst=svip, id=12) /
                 TCP(sport=8080, dport=40003, flags="SA", seq=600, ack=501))
    res = run_lb(ctx, [lb(80, 8080, SourceVIP=svip)], b1=backend(B1_MAC, B1_IP, synack),
                 c1=[syn])
    res.expect_out("b1", [eth(B1_MAC, C1_MAC, IP(src=svip, dst=B1_IP, id=11) /
                              TCP(sport=40003, dport=8080, flags="S", seq=500))])
    res.expect_out("c1", [eth(C1_MAC, B1_MAC, IP(src=VIP, dst=C1_IP, id=12) /
                              TCP(sport=80, dport=40003, flags="SA", seq=600, ack=501))])
    res.expect_nothing("b2", "up")
    settled(res)


def test_lb_traffic_not_for_a_load_balancer_untouched(ctx):
    # another port of the VIP, another address: switched at L2 as they are
    other_port = eth(B2_MAC, C1_MAC, IP(src=C1_IP, dst=VIP, id=13) /
                     TCP(sport=40004, dport=81, flags="S"))
    direct = eth(B2_MAC, C1_MAC, IP(src=C1_IP, dst=B2_IP, id=14) /
                 UDP(sport=1000, dport=53) / Raw(b"direct"))
    res = run_lb(ctx, [lb(80, 8080)], b1=[announce(B1_MAC, B1_IP)],
                 c1=[other_port, direct])
    res.expect_out("b2", [other_port, direct])
    res.expect_nothing("b1", "c1", "up")
    res.expect_drops({})
    res.check_counters()


def test_lb_unknown_backend_is_asked_for_and_the_request_dropped(ctx):
    syn = eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst=VIP, id=15) /
              TCP(sport=40005, dport=80, flags="S"))
    res = run_lb(ctx, [lb(80, 8080)], c1=[syn])
    # an ARP probe (sender 0.0.0.0) for the backend to the pods' ports
    for port in ("b1", "b2", "c1"):
        got = [Ether(f) for f in res.out[port]]
        check(len(got) == 1 and ARP in got[0] and got[0][ARP].op == 1 and
              got[0][ARP].pdst == B1_IP and got[0][ARP].psrc == "0.0.0.0" and
              got[0].src == ROUTER_MAC, f"{port}: {[p.summary() for p in got]}")
    res.expect_nothing("up")
    res.expect_drops({"c1": {"Next hop unresolved": 1}})
    res.check_counters()


def test_lb_trace_connection_created_event(ctx):
    import cases_trace  # tshark helpers
    syn = eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst=VIP, id=16) /
              TCP(sport=40006, dport=80, flags="S"))
    trace = ctx.path("trace.pcapng")
    run_lb(ctx, [lb(80, 8080)], b1=[announce(B1_MAC, B1_IP)], c1=[syn],
           extra_args=["--trace", trace])
    pk = cases_trace.by_packet(cases_trace.tshark_hops(trace))
    syns = [h for h in pk.values() if h[0] == ("c1", cases_trace.received("c1"))]
    check(len(syns) == 1, f"trace: {len(syns)} packets received on c1, expected the SYN")
    comments = [c for _, c in syns[0]]
    want = f"LB connection created. VIP {VIP}:80 -> DIP {B1_IP}:8080"
    check(want in comments, f"no LB event on the SYN: {comments}")
    check(comments[-2:] == [cases_trace.routed("c1", "b1"), cases_trace.delivered("b1")],
          f"the SYN's last hops: {comments[-2:]}")


# --- the config section -----------------------------------------------------

def _bad_lb_config(ctx, lbs, json_path, what):
    import cases_cli
    cases_cli._expect_config_rejected(
        ctx, lambda c: c.update(LoadBalancers=lbs), json_path, what)


def test_lb_config_bad_values_exit_2_naming_the_field(ctx):
    good = lb(80, 8080)
    cases = [
        ("LoadBalancers[0].Backends", dict(good, Backends=[]), "no backends"),
        ("LoadBalancers[0].Backends[0]", dict(good, Backends=["10.0.0"]), "bad backend"),
        ("LoadBalancers[0].FrontendVIPs[0]", dict(good, FrontendVIPs=[5]), "VIP type"),
        ("LoadBalancers[0].PortMappings[0].Protocol",
         dict(good, PortMappings=[{"Protocol": 1, "InternalPort": 1, "ExternalPort": 1}]),
         "ICMP"),
        ("LoadBalancers[0].PortMappings[0].ExternalPort",
         dict(good, PortMappings=[{"Protocol": 6, "InternalPort": 1, "ExternalPort": 0}]),
         "port 0"),
        ("LoadBalancers[0].PortMappings[0].DistributionType",
         dict(good, PortMappings=[{"Protocol": 6, "InternalPort": 1, "ExternalPort": 2,
                                   "DistributionType": 3}]), "distribution 3"),
        ("LoadBalancers[0].PortMappings[0].Flags",
         dict(good, PortMappings=[{"Protocol": 6, "InternalPort": 1, "ExternalPort": 2,
                                   "Flags": 32}]), "PortMapping flags 32"),
        ("LoadBalancers[0].Flags", dict(good, Flags=2), "flags 2"),
        ("LoadBalancers[0].SourceVIP", dict(good, SourceVIP="x"), "bad SourceVIP"),
        ("LoadBalancers[0].Frontend", dict(good, Frontend=1), "unknown field"),
    ]
    for json_path, obj, what in cases:
        _bad_lb_config(ctx, [obj], json_path, what)
    _bad_lb_config(ctx, [good, dict(good, Backends=[B2_IP])],
                   "LoadBalancers[1].PortMappings[0]", "a frontend given twice")


# --- loopback-DSR: a pod reaching itself through a DSR VIP -------------------
#
# An L2Bridge network (10.244.1.0/24, uplink "up" with the host address
# HOST_IP and the router MAC, the pods' gateway R behind it) and pod e1 on
# port "c1" with OutBoundNAT policies. A DSR ClusterIP whose only backend
# is e1 itself: with `Destinations: [e1's address]` the request reaches e1
# from the OutBoundNAT address and e1's reply (to that address) comes back
# from the VIP. The reply follows FILLERS invalid frames on c1, so it is
# read in a later burst than the request, after the connection exists.

LOOP_VIP = "10.96.0.20"
HOST_IP = UPLINK_IP
R_MAC, R_IP = "02:00:00:00:99:01", "10.244.1.1"
E1_MAC, E1_IP = mac(0x51, 0x05), "10.244.1.5"
WIN_BRIDGE_EXC = {"Type": "OutBoundNAT",
                  "ExceptionList": ["10.244.0.0/16", "10.96.0.0/12", "192.0.2.0/24"]}
LOOPBACK_DSR = {"Type": "OutBoundNAT", "Destinations": [E1_IP]}


def run_loopback(ctx, policies, c1, proto=6, internal=8080, port=80):
    net = {"Name": "cbr0", "Type": "L2Bridge", "NetworkAdapterName": "up",
           "Subnets": [{"AddressPrefix": "10.244.1.0/24", "GatewayAddress": R_IP}]}
    ep = {"Name": "e1", "VirtualNetworkName": "cbr0", "IPAddress": E1_IP,
          "MacAddress": E1_MAC.replace(":", "-"), "Policies": policies}
    ports = [Port("up", uplink=True, macs=[R_MAC]), Port("c1", send=list(c1))]
    fields = {"up": {"IPAddresses": [HOST_IP + "/24"], "MacAddress": ROUTER_MAC},
              "c1": {"Endpoint": "e1"}}
    lbs = [lb(port, internal, proto=proto, vips=(LOOP_VIP,), backends=(E1_IP,), Flags=1)]
    return ctx.run_switch(ports, port_fields=fields,
                          root={"Networks": [net], "Endpoints": [ep], "LoadBalancers": lbs})


def loop_fillers(n=FILLERS):
    """On c1: a multicast source, dropped as invalid before any stage."""
    return [eth(R_MAC, "01:00:5e:00:00:01", IP(src=E1_IP, dst="10.244.1.99", id=i + 1) /
                UDP(sport=7, dport=9) / Raw(b"filler"))
            for i in range(n)]


def test_lb_loopback_dsr_pod_reaches_itself_snat_both_ways(ctx):
    """win-bridge's policies with loopbackDSR: e1 -> VIP whose backend is
    e1 reaches e1 from the host address (its OutBoundNAT address), and
    e1's SYN-ACK to the host address reaches e1 from the VIP; checksums as
    recomputed; nothing leaves by the uplink."""
    syn = eth(R_MAC, E1_MAC, IP(src=E1_IP, dst=LOOP_VIP, id=21, ttl=64) /
              TCP(sport=40010, dport=80, flags="S", seq=100) / Raw(b"hello"))
    synack = eth(R_MAC, E1_MAC, IP(src=E1_IP, dst=HOST_IP, id=22, ttl=64) /
                 TCP(sport=8080, dport=40010, flags="SA", seq=700, ack=106))
    res = run_loopback(ctx, [WIN_BRIDGE_EXC, LOOPBACK_DSR],
                       [syn] + loop_fillers() + [synack])
    res.expect_out("c1", [
        eth(E1_MAC, E1_MAC, IP(src=HOST_IP, dst=E1_IP, id=21, ttl=64) /
            TCP(sport=40010, dport=8080, flags="S", seq=100) / Raw(b"hello")),
        eth(E1_MAC, E1_MAC, IP(src=LOOP_VIP, dst=E1_IP, id=22, ttl=64) /
            TCP(sport=80, dport=40010, flags="SA", seq=700, ack=106))])
    for f in res.out["c1"]:
        check(same_after_recompute(f), f"bad checksum in {Ether(f).summary()}")
    res.expect_nothing("up")
    res.expect_drops({"c1": {INVALID: FILLERS}})
    res.check_counters()


def test_lb_loopback_dsr_udp_to_the_policy_vip(ctx):
    """The OutBoundNAT VIP (first VIP of the endpoint's policies) is the
    address e1 is SNATed to; UDP checksums updated; the answer to it comes
    back from the VIP."""
    vip_pol = dict(WIN_BRIDGE_EXC, VIP="192.0.2.99")
    q = eth(R_MAC, E1_MAC, IP(src=E1_IP, dst=LOOP_VIP, id=31) /
            UDP(sport=5353, dport=53) / Raw(b"query"))
    a = eth(R_MAC, E1_MAC, IP(src=E1_IP, dst="192.0.2.99", id=32) /
            UDP(sport=5300, dport=5353) / Raw(b"answer"))
    res = run_loopback(ctx, [vip_pol, LOOPBACK_DSR], [q] + loop_fillers() + [a],
                       proto=17, internal=5300, port=53)
    res.expect_out("c1", [
        eth(E1_MAC, E1_MAC, IP(src="192.0.2.99", dst=E1_IP, id=31) /
            UDP(sport=5353, dport=5300) / Raw(b"query")),
        eth(E1_MAC, E1_MAC, IP(src=LOOP_VIP, dst=E1_IP, id=32) /
            UDP(sport=53, dport=5353) / Raw(b"answer"))])
    for f in res.out["c1"]:
        check(same_after_recompute(f), f"bad checksum in {Ether(f).summary()}")
    res.expect_nothing("up")
    res.expect_drops({"c1": {INVALID: FILLERS}})


def test_lb_loopback_dsr_needs_the_destinations_policy(ctx):
    """Without `Destinations: [e1's address]` the DSR request is only
    DNATed (e1 sees itself as the source), and a frame from e1 to the host
    address is no LB reply: it goes out as the pod's (the exceptions keep
    its address)."""
    syn = eth(R_MAC, E1_MAC, IP(src=E1_IP, dst=LOOP_VIP, id=41) /
              TCP(sport=40011, dport=80, flags="S", seq=5))
    other = eth(R_MAC, E1_MAC, IP(src=E1_IP, dst=HOST_IP, id=42) /
                TCP(sport=8080, dport=40011, flags="SA", seq=9, ack=6))
    res = run_loopback(ctx, [WIN_BRIDGE_EXC], [syn] + loop_fillers() + [other])
    res.expect_out("c1", [eth(E1_MAC, E1_MAC, IP(src=E1_IP, dst=E1_IP, id=41) /
                              TCP(sport=40011, dport=8080, flags="S", seq=5))])
    got = [Ether(f) for f in res.out["up"]]
    check(len(got) == 1 and got[0][IP].src == E1_IP and got[0][IP].dst == HOST_IP and
          got[0][TCP].sport == 8080, f"up: {[p.summary() for p in got]}")
    res.expect_drops({"c1": {INVALID: FILLERS}})
