"""HNS OutBoundNAT on L2Bridge endpoints: golden cases.

Topology: port "up" (the uplink, host address HOST_IP, MAC ROUTER_MAC: the
router's and, with no SourceMac, the L2Bridge host MAC H) with the pods'
gateway R (10.244.1.1, R_MAC) behind it as a static MAC entry; endpoint
port "c1" with pod e1 (E1_IP, E1) of the L2Bridge network 10.244.1.0/24.
e1's OutBoundNAT policies are the case's (win-bridge's set by default:
cluster CIDR, service CIDR, node subnet as exceptions).

Pod frames leave as the L2 forwarding sends them (to R_MAC, source H, TTL
untouched): SNATed to HOST_IP unless the rule exempts the destination.
Replies to HOST_IP come back to the router MAC, are translated back and
delivered to the pod with its MAC. As in cases_nat.py, replies follow
FILLERS unsolicited uplink frames (dropped "NAT filtered"), so the pod's
packet has made the session first. Within one burst the frames a rule
SNATs leave after the others (they are translated together at the end of
the burst), so frames to different destinations are compared unordered. Expected frames are built with scapy
(full checksum computations): the incremental updates must match.
"""

import logging

from frames import mac
from harness import NAT_FILTERED, NAT_PORT_EXHAUSTED, Port, check

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.layers.inet import ICMP, IP, TCP, UDP  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

ROUTER_MAC = "02:70:63:61:70:00"
R_MAC, R_IP = "02:00:00:00:99:01", "10.244.1.1"
HOST_IP = "192.0.2.10"
E1, E1_IP = mac(0x51, 0x05), "10.244.1.5"
FILLERS = 40
WIN_BRIDGE = [{"Type": "OutBoundNAT",
               "ExceptionList": ["10.244.0.0/16", "10.96.0.0/12", "192.0.2.0/24"]}]


def eth(dst, src, pkt):
    return bytes(Ether(dst=dst, src=src) / pkt)


def run(ctx, policies, up=(), c1=(), net_fields=None, workers=1):
    net = {"Name": "cbr0", "Type": "L2Bridge", "NetworkAdapterName": "up",
           "Subnets": [{"AddressPrefix": "10.244.1.0/24", "GatewayAddress": R_IP}]}
    net.update(net_fields or {})
    ep = {"Name": "e1", "VirtualNetworkName": "cbr0", "IPAddress": E1_IP,
          "MacAddress": E1.replace(":", "-"), "Policies": policies}
    ports = [Port("up", uplink=True, send=list(up), macs=[R_MAC]),
             Port("c1", send=list(c1))]
    fields = {"up": {"IPAddresses": [HOST_IP + "/24"], "MacAddress": ROUTER_MAC},
              "c1": {"Endpoint": "e1"}}
    return ctx.run_switch(ports, port_fields=fields,
                          root={"Networks": [net], "Endpoints": [ep]}, workers=workers)


def fillers(n=FILLERS, dst=HOST_IP):
    """Unsolicited UDP to the host address: no session, NAT filtered."""
    return [eth(ROUTER_MAC, R_MAC, IP(src="198.51.100.99", dst=dst, id=i + 1) /
                UDP(sport=7777, dport=40000 + i) / Raw(b"unsolicited"))
            for i in range(n)]


def from_pod(dst, sport=5353, dport=53, marker=b"query"):
    return eth(R_MAC, E1, IP(src=E1_IP, dst=dst, id=7, ttl=64) /
               UDP(sport=sport, dport=dport) / Raw(marker))


def obnat_nat(res, name="OutBoundNAT " + HOST_IP):
    nats = [n for n in res.stats.get("Nat", {}).get("Nats", []) if n.get("Name") == name]
    check(len(nats) == 1, f"/stats Nat.Nats has no '{name}': {res.stats.get('Nat')}")
    return nats[0]


def test_obnat_udp_snat_to_host_address_and_reply_back_to_the_pod(ctx):
    """Pod -> 8.8.8.8 leaves as HOST_IP (source H, TTL kept, port kept:
    free and in the pool); the reply to HOST_IP reaches the pod with its
    own MAC and address; unsolicited frames to HOST_IP are filtered."""
    reply = eth(ROUTER_MAC, R_MAC, IP(src="8.8.8.8", dst=HOST_IP, id=9, ttl=60) /
                UDP(sport=53, dport=5353) / Raw(b"answer"))
    res = run(ctx, WIN_BRIDGE, up=fillers() + [reply], c1=[from_pod("8.8.8.8")])
    res.expect_out("up", [eth(R_MAC, ROUTER_MAC, IP(src=HOST_IP, dst="8.8.8.8", id=7, ttl=64) /
                              UDP(sport=5353, dport=53) / Raw(b"query"))])
    res.expect_out("c1", [eth(E1, R_MAC, IP(src="8.8.8.8", dst=E1_IP, id=9, ttl=60) /
                              UDP(sport=53, dport=5353) / Raw(b"answer"))])
    res.expect_drops({"up": {NAT_FILTERED: FILLERS}})
    nat = obnat_nat(res)
    check(nat.get("SessionsCreated") == 1 and nat.get("TranslatedOut") == 1 and
          nat.get("TranslatedIn") == 1, f"OutBoundNAT counters: {nat}")


def test_obnat_tcp_source_port_from_the_pool(ctx):
    """A source port outside the pool (MaxPortPoolUsage 100: 1024..1123)
    is replaced by a pool port, TCP checksum updated."""
    pol = [dict(WIN_BRIDGE[0], MaxPortPoolUsage=100)]
    syn = eth(R_MAC, E1, IP(src=E1_IP, dst="203.0.113.80", id=3, ttl=64) /
              TCP(sport=40000, dport=80, flags="S", seq=1000))
    res = run(ctx, pol, c1=[syn])
    got = [Ether(f) for f in res.out["up"]]
    check(len(got) == 1, f"up sent {len(got)} frames")
    port = got[0][TCP].sport
    check(1024 <= port <= 1123, f"source port {port} is not from the pool 1024..1123")
    res.expect_out("up", [eth(R_MAC, ROUTER_MAC, IP(src=HOST_IP, dst="203.0.113.80", id=3,
                                                    ttl=64) /
                              TCP(sport=port, dport=80, flags="S", seq=1000))])
    obnat_nat(res, "OutBoundNAT " + HOST_IP + " ports 100")


def test_obnat_exception_prefixes_keep_the_pod_address(ctx):
    """Another node's pod subnet, the service CIDR and the node subnet are
    exceptions: those frames leave with the pod's address (source H)."""
    dsts = ["10.244.2.7", "10.96.0.10", "192.0.2.20"]
    res = run(ctx, WIN_BRIDGE, c1=[from_pod(d) for d in dsts])
    res.expect_out("up", [eth(R_MAC, ROUTER_MAC, IP(src=E1_IP, dst=d, id=7, ttl=64) /
                              UDP(sport=5353, dport=53) / Raw(b"query")) for d in dsts])
    res.expect_drops({})
    check(obnat_nat(res).get("SessionsCreated") == 0, "an exception made a session")


def test_obnat_destinations_policy_snats_only_its_destinations(ctx):
    """A Destinations-only policy (the loopback-DSR form) SNATs traffic to
    its destinations and nothing else."""
    pol = [{"Type": "OutBoundNAT", "Destinations": ["203.0.113.7"]}]
    res = run(ctx, pol, c1=[from_pod("203.0.113.7"), from_pod("8.8.8.8")])
    res.expect_out("up", [
        eth(R_MAC, ROUTER_MAC, IP(src=HOST_IP, dst="203.0.113.7", id=7, ttl=64) /
            UDP(sport=5353, dport=53) / Raw(b"query")),
        eth(R_MAC, ROUTER_MAC, IP(src=E1_IP, dst="8.8.8.8", id=7, ttl=64) /
            UDP(sport=5353, dport=53) / Raw(b"query"))], ordered=False)


def test_obnat_win_bridge_policies_combined(ctx):
    """win-bridge's three policies on one endpoint: exceptions, an extra
    exception, and Destinations (which SNATs even inside an exception
    prefix); the VIP of a policy is the external address."""
    pol = [{"Type": "OutBoundNAT", "ExceptionList": ["10.244.0.0/16"], "VIP": "192.0.2.99"},
           {"Type": "OutBoundNAT", "ExceptionList": ["172.16.0.0/12"]},
           {"Type": "OutBoundNAT", "Destinations": ["10.244.2.9"]}]
    dsts = ["10.244.2.9", "10.244.2.7", "172.16.0.9", "8.8.8.8"]
    res = run(ctx, pol, c1=[from_pod(d, marker=d.encode()) for d in dsts])
    src = {"10.244.2.9": "192.0.2.99", "10.244.2.7": E1_IP, "172.16.0.9": E1_IP,
           "8.8.8.8": "192.0.2.99"}
    res.expect_out("up", [eth(R_MAC, ROUTER_MAC, IP(src=src[d], dst=d, id=7, ttl=64) /
                              UDP(sport=5353, dport=53) / Raw(d.encode())) for d in dsts],
                   ordered=False)


def test_obnat_ping_to_the_host_address_is_answered_not_filtered(ctx):
    """An echo request to the host address is no reply of a session: the
    router answers it; the pod's own ping out is SNATed (echo id kept)
    and its reply delivered back."""
    ping_host = eth(ROUTER_MAC, R_MAC, IP(src="198.51.100.1", dst=HOST_IP, id=5, ttl=64) /
                    ICMP(type=8, id=77, seq=1) / Raw(b"ping"))
    pod_ping = eth(R_MAC, E1, IP(src=E1_IP, dst="1.1.1.1", id=6, ttl=64) /
                   ICMP(type=8, id=4321, seq=1) / Raw(b"out"))
    pong = eth(ROUTER_MAC, R_MAC, IP(src="1.1.1.1", dst=HOST_IP, id=8, ttl=55) /
               ICMP(type=0, id=4321, seq=1) / Raw(b"out"))
    res = run(ctx, WIN_BRIDGE, up=[ping_host] + fillers() + [pong], c1=[pod_ping])
    res.expect_out("up", [
        eth(R_MAC, ROUTER_MAC, IP(src=HOST_IP, dst="198.51.100.1", id=5, ttl=64) /
            ICMP(type=0, id=77, seq=1) / Raw(b"ping")),
        eth(R_MAC, ROUTER_MAC, IP(src=HOST_IP, dst="1.1.1.1", id=6, ttl=64) /
            ICMP(type=8, id=4321, seq=1) / Raw(b"out"))], ordered=False)
    res.expect_out("c1", [eth(E1, R_MAC, IP(src="1.1.1.1", dst=E1_IP, id=8, ttl=55) /
                              ICMP(type=0, id=4321, seq=1) / Raw(b"out"))])
    res.expect_drops({"up": {NAT_FILTERED: FILLERS}})


def test_obnat_port_pool_exhausted_drops_with_the_reason(ctx):
    """MaxPortPoolUsage 1: one port (1024) for the pod's first socket;
    a second socket finds the pool empty and its frame is dropped as
    WinNAT drops it ("NAT port exhausted", counted on the pod's port)."""
    pol = [dict(WIN_BRIDGE[0], MaxPortPoolUsage=1)]
    res = run(ctx, pol, c1=[from_pod("8.8.8.8", sport=5000), from_pod("8.8.8.8", sport=5001)])
    res.expect_out("up", [eth(R_MAC, ROUTER_MAC, IP(src=HOST_IP, dst="8.8.8.8", id=7, ttl=64) /
                              UDP(sport=1024, dport=53) / Raw(b"query"))])
    res.expect_drops({"c1": {NAT_PORT_EXHAUSTED: 1}})


def test_obnat_unknown_unicast_goes_to_the_uplink_alone(ctx):
    """The outside's MACs are never learnt on an L2Bridge uplink (its
    frames go to H): a pod's frame to an unknown MAC that the rule SNATs
    leaves by the uplink only, translated; one the rule exempts is flooded
    as before (the other endpoint's port gets it too)."""
    unknown = "02:00:00:00:77:01"
    snat = eth(unknown, E1, IP(src=E1_IP, dst="8.8.8.8", id=7, ttl=64) /
               UDP(sport=5353, dport=53) / Raw(b"out"))
    keep = eth(unknown, E1, IP(src=E1_IP, dst="10.244.2.7", id=7, ttl=64) /
               UDP(sport=5353, dport=53) / Raw(b"pod"))
    net = {"Name": "cbr0", "Type": "L2Bridge", "NetworkAdapterName": "up",
           "Subnets": [{"AddressPrefix": "10.244.1.0/24", "GatewayAddress": R_IP}]}
    eps = [{"Name": "e1", "VirtualNetworkName": "cbr0", "IPAddress": E1_IP,
            "MacAddress": E1.replace(":", "-"), "Policies": WIN_BRIDGE},
           {"Name": "e2", "VirtualNetworkName": "cbr0", "IPAddress": "10.244.1.6",
            "MacAddress": mac(0x51, 0x06).replace(":", "-")}]
    ports = [Port("up", uplink=True, macs=[R_MAC]), Port("c1", send=[snat, keep]),
             Port("c2")]
    fields = {"up": {"IPAddresses": [HOST_IP + "/24"], "MacAddress": ROUTER_MAC},
              "c1": {"Endpoint": "e1"}, "c2": {"Endpoint": "e2"}}
    res = ctx.run_switch(ports, port_fields=fields, root={"Networks": [net], "Endpoints": eps})
    res.expect_out("up", [
        eth(unknown, ROUTER_MAC, IP(src=HOST_IP, dst="8.8.8.8", id=7, ttl=64) /
            UDP(sport=5353, dport=53) / Raw(b"out")),
        eth(unknown, ROUTER_MAC, IP(src=E1_IP, dst="10.244.2.7", id=7, ttl=64) /
            UDP(sport=5353, dport=53) / Raw(b"pod"))], ordered=False)
    res.expect_out("c2", [keep])


def test_obnat_transparent_endpoint_keeps_its_mac(ctx):
    """On a Transparent network the pod's frames keep its own MAC on the
    wire; OutBoundNAT still SNATs them, and the reply to the host address
    (router MAC) is delivered to the pod with its MAC."""
    reply = eth(ROUTER_MAC, R_MAC, IP(src="8.8.8.8", dst=HOST_IP, id=9, ttl=60) /
                UDP(sport=53, dport=5353) / Raw(b"answer"))
    res = run(ctx, WIN_BRIDGE, up=fillers() + [reply], c1=[from_pod("8.8.8.8")],
              net_fields={"Type": "Transparent"})
    res.expect_out("up", [eth(R_MAC, E1, IP(src=HOST_IP, dst="8.8.8.8", id=7, ttl=64) /
                              UDP(sport=5353, dport=53) / Raw(b"query"))])
    res.expect_out("c1", [eth(E1, R_MAC, IP(src="8.8.8.8", dst=E1_IP, id=9, ttl=60) /
                              UDP(sport=53, dport=5353) / Raw(b"answer"))])


def test_obnat_two_workers_hand_the_pod_traffic_to_the_owner(ctx):
    """Ports are dealt to workers round-robin: "up" (port 0) to worker 0,
    which owns the OutBoundNAT's WinNAT object (slot 0), the pod's port
    "c1" to worker 1, which hands every frame the rule SNATs to the owner
    through its ring; the exempt one leaves from worker 1 untouched."""
    frames = [from_pod("8.8.8.8", sport=5000 + i, marker=b"f%d" % i) for i in range(20)]
    res = run(ctx, WIN_BRIDGE, c1=frames + [from_pod("10.244.2.7")], workers=2)
    want = [eth(R_MAC, ROUTER_MAC, IP(src=HOST_IP, dst="8.8.8.8", id=7, ttl=64) /
                UDP(sport=5000 + i, dport=53) / Raw(b"f%d" % i)) for i in range(20)]
    want.append(eth(R_MAC, ROUTER_MAC, IP(src=E1_IP, dst="10.244.2.7", id=7, ttl=64) /
                    UDP(sport=5353, dport=53) / Raw(b"query")))
    res.expect_out("up", want, ordered=False)
    res.expect_drops({})
    nat = obnat_nat(res)
    check(nat.get("SessionsCreated") == 20 and nat.get("TranslatedOut") == 20,
          f"OutBoundNAT counters: {nat}")
