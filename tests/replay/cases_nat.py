"""WinNAT golden cases: containers on inside ports reach the outside through
the uplink as the uplink's address, replies come back translated, and the
router answers ARP and ping for its own addresses.

The topology of every case: port "up" (the uplink, 192.0.2.10/24, default
gateway 192.0.2.1 whose MAC is GW_MAC) and container ports "c1", "c2" in
the NAT network 172.18.0.0/16 (the router is 172.18.0.1 there). The
router's MAC is the uplink's, set to ROUTER_MAC by its "MacAddress".

Expected frames are built with scapy, whose checksums are full
recomputations: the switch's incremental updates must produce the same
bytes.

Ordering: one worker polls the ports in order, a burst (at most 32 frames)
per port per round. Replies from outside therefore follow FILLERS other
uplink frames, so they are processed in a later round than the container's
first packet; the fillers are unsolicited inbound packets, which the NAT
must drop ("NAT filtered"). The router may ask for a next hop (ARP
request) before the neighbour note reaches the table: such requests are
timing-dependent, so the checks look at the non-ARP frames and allow at
most one request per next hop.
"""

import logging

from frames import BCAST, mac
from harness import NAT_FILTERED, NO_ROUTE, Port, check

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.layers.inet import ICMP, IP, TCP, UDP, IPerror, UDPerror  # noqa: E402
from scapy.layers.l2 import ARP, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

ROUTER_MAC = "02:70:63:61:70:00"
GW_MAC = "02:00:00:00:0a:01"
UPLINK_IP, GW_IP = "192.0.2.10", "192.0.2.1"
INSIDE_GW = "172.18.0.1"
C1_IP, C2_IP = "172.18.0.2", "172.18.0.3"
C1_MAC, C2_MAC = mac(0x50, 0x01), mac(0x50, 0x02)
FILLERS = 40

NAT = {"Name": "winnat", "InternalIPInterfaceAddressPrefix": "172.18.0.0/16"}
UPLINK_FIELDS = {"IPAddresses": [UPLINK_IP + "/24"], "DefaultGateway": GW_IP,
                 "MacAddress": ROUTER_MAC}


def eth(dst, src, pkt):
    return bytes(Ether(dst=dst, src=src) / pkt)


def gw_arp_reply():
    """The outside gateway announcing itself to the router."""
    return eth(ROUTER_MAC, GW_MAC, ARP(op=2, hwsrc=GW_MAC, psrc=GW_IP,
                                       hwdst=ROUTER_MAC, pdst=UPLINK_IP))


def inside_arp_reply(mac_, ip):
    """A container telling the router (its gateway) where it is."""
    return eth(ROUTER_MAC, mac_, ARP(op=2, hwsrc=mac_, psrc=ip,
                                     hwdst=ROUTER_MAC, pdst=INSIDE_GW))


def fillers(n=FILLERS):
    """Unsolicited UDP from a host never contacted: NAT filtered."""
    one = [eth(ROUTER_MAC, GW_MAC, IP(src="198.51.100.99", dst=UPLINK_IP, id=i + 1) /
               UDP(sport=7777, dport=40000 + i) / Raw(b"unsolicited"))
           for i in range(min(n, 1000))]
    return [one[i % len(one)] for i in range(n)]


def run_nat(ctx, up, c1=(), c2=(), nat=None, extra_args=(), workers=1):
    ports = [Port("up", uplink=True, send=list(up)),
             Port("c1", send=list(c1)),
             Port("c2", send=list(c2))]
    if workers > 1:  # c1 first: see the two-worker case
        ports[0], ports[1] = ports[1], ports[0]
    return ctx.run_switch(ports, port_fields={"up": UPLINK_FIELDS},
                          root={"Nats": [nat or NAT]}, extra_args=extra_args,
                          workers=workers)


def is_arp(raw):
    return raw[12:14] == b"\x08\x06"


def routed(res, port, want, arp_requests_max=1):
    """port sent exactly the frames want (in order), apart from at most
    arp_requests_max ARP requests from the router."""
    got = res.out[port]
    arps = [f for f in got if is_arp(f)]
    check(len(arps) <= arp_requests_max,
          f"port {port}: {len(arps)} ARP requests, expected at most {arp_requests_max}")
    for a in arps:
        p = Ether(a)
        check(p[ARP].op == 1 and p.src == ROUTER_MAC,
              f"port {port}: unexpected ARP frame {p.summary()}")
    non_arp = [f for f in got if not is_arp(f)]
    if non_arp != [bytes(f) for f in want]:
        raise AssertionError(f"port {port}: got {[Ether(f).summary() for f in non_arp]}, "
                             f"expected {[Ether(f).summary() for f in want]}")


def nat_counters(res):
    nat = res.stats.get("Nat")
    check(isinstance(nat, dict), "stats JSON has no Nat object")
    return nat


# --- cases --------------------------------------------------------------------

def test_nat_udp_out_as_uplink_address_and_reply_back(ctx):
    udp_out_and_back(ctx, workers=1)


def test_nat_two_workers_return_traffic_finds_its_session(ctx):
    """Ports are dealt to workers round-robin, c1 (port 0) and c2 to worker
    0, which owns the NAT, the uplink (port 1) to worker 1: every uplink
    frame, the reply too, is handed to the owner through its ring. The
    owner polls its RX queues before its ring, so c1's packet has made the
    session before the reply is looked at, whichever worker runs first."""
    udp_out_and_back(ctx, workers=2)


def udp_out_and_back(ctx, workers, nfill=FILLERS):
    out = eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst="8.8.8.8", id=7, ttl=64) /
              UDP(sport=5353, dport=53) / Raw(b"query"))
    reply = eth(ROUTER_MAC, GW_MAC, IP(src="8.8.8.8", dst=UPLINK_IP, id=9, ttl=60) /
                UDP(sport=53, dport=5353) / Raw(b"answer"))
    res = run_nat(ctx, up=[gw_arp_reply()] + fillers(nfill) + [reply], c1=[out],
                  workers=workers)
    # out: source = the uplink address, port kept (free), TTL - 1
    routed(res, "up", [eth(GW_MAC, ROUTER_MAC, IP(src=UPLINK_IP, dst="8.8.8.8", id=7, ttl=63) /
                           UDP(sport=5353, dport=53) / Raw(b"query"))])
    routed(res, "c1", [eth(C1_MAC, ROUTER_MAC, IP(src="8.8.8.8", dst=C1_IP, id=9, ttl=59) /
                           UDP(sport=53, dport=5353) / Raw(b"answer"))])
    res.expect_nothing("c2")
    res.expect_drops({"up": {NAT_FILTERED: nfill}})
    nat = nat_counters(res)
    check(nat.get("SessionsCreated") == 1, f"Nat.SessionsCreated = {nat.get('SessionsCreated')}")


def test_nat_one_socket_two_remotes_share_the_external_port(ctx):
    a = eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst="203.0.113.1", id=1) /
            UDP(sport=6000, dport=1111) / Raw(b"to-a"))
    b = eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst="203.0.113.2", id=2) /
            UDP(sport=6000, dport=2222) / Raw(b"to-b"))
    # c2 uses the same internal port: it gets another external port
    c = eth(ROUTER_MAC, C2_MAC, IP(src=C2_IP, dst="203.0.113.1", id=3) /
            UDP(sport=6000, dport=1111) / Raw(b"c2-to-a"))
    res = run_nat(ctx, up=[gw_arp_reply()] + fillers(), c1=[a, b], c2=[c])
    got = [Ether(f) for f in res.out["up"] if not is_arp(f)]
    check(len(got) == 3, f"up: {len(got)} frames, expected 3")
    by_payload = {bytes(p[Raw].load): p for p in got}
    pa, pb, pc = by_payload[b"to-a"], by_payload[b"to-b"], by_payload[b"c2-to-a"]
    for p in got:
        check(p[IP].src == UPLINK_IP, f"source {p[IP].src} is not the uplink address")
    check(pa[UDP].sport == 6000 and pb[UDP].sport == 6000,
          f"c1's socket used {pa[UDP].sport} and {pb[UDP].sport}, expected 6000 twice")
    check(pc[UDP].sport != 6000, "c2 got the external port c1's binding holds")
    for p in got:  # checksums as a full recomputation gives them
        want = Ether(bytes(p))
        del want[IP].chksum
        del want[UDP].chksum
        check(bytes(want.__class__(bytes(want))) == bytes(p), "bad checksum")
    res.expect_drops({"up": {NAT_FILTERED: FILLERS}})


def test_nat_icmp_echo_through_and_ping_to_the_router(ctx):
    ping_out = eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst="8.8.4.4", id=11) /
                   ICMP(type=8, id=0x1234, seq=1) / Raw(b"ping"))
    ping_gw = eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst=INSIDE_GW, id=12) /
                  ICMP(type=8, id=0x99, seq=1) / Raw(b"gw"))
    pong = eth(ROUTER_MAC, GW_MAC, IP(src="8.8.4.4", dst=UPLINK_IP, id=13, ttl=50) /
               ICMP(type=0, id=0x1234, seq=1) / Raw(b"ping"))
    ping_up = eth(ROUTER_MAC, GW_MAC, IP(src="198.51.100.5", dst=UPLINK_IP, id=14) /
                  ICMP(type=8, id=0x77, seq=3) / Raw(b"host"))
    res = run_nat(ctx, up=[gw_arp_reply(), ping_up] + fillers() + [pong],
                  c1=[ping_out, ping_gw])
    routed(res, "up", [
        eth(GW_MAC, ROUTER_MAC, IP(src=UPLINK_IP, dst="198.51.100.5", id=14, ttl=64) /
            ICMP(type=0, id=0x77, seq=3) / Raw(b"host")),
        eth(GW_MAC, ROUTER_MAC, IP(src=UPLINK_IP, dst="8.8.4.4", id=11, ttl=63) /
            ICMP(type=8, id=0x1234, seq=1) / Raw(b"ping")),
    ])
    c1 = [Ether(f) for f in res.out["c1"] if not is_arp(f)]
    check(len(c1) == 2, f"c1: {len(c1)} frames, expected the gateway's echo reply and the pong")
    gw_reply, back = c1
    check(gw_reply[IP].src == INSIDE_GW and gw_reply[ICMP].type == 0 and
          gw_reply[ICMP].id == 0x99, f"c1: not the gateway's echo reply: {gw_reply.summary()}")
    want = eth(C1_MAC, ROUTER_MAC, IP(src="8.8.4.4", dst=C1_IP, id=13, ttl=49) /
               ICMP(type=0, id=0x1234, seq=1) / Raw(b"ping"))
    check(bytes(back) == want, f"c1: pong {back.summary()} is not {Ether(want).summary()}")
    res.expect_drops({"up": {NAT_FILTERED: FILLERS}})


def test_nat_tcp_handshake_and_unsolicited_syn_filtered(ctx):
    def c1_tcp(flags, seq, ack, marker):
        return eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst="203.0.113.80", id=20) /
                   TCP(sport=49161, dport=443, flags=flags, seq=seq, ack=ack) / Raw(marker))

    def out_tcp(flags, seq, ack, marker):
        return eth(GW_MAC, ROUTER_MAC, IP(src=UPLINK_IP, dst="203.0.113.80", id=20, ttl=63) /
                   TCP(sport=49161, dport=443, flags=flags, seq=seq, ack=ack) / Raw(marker))

    syn = c1_tcp("S", 100, 0, b"syn")
    synack = eth(ROUTER_MAC, GW_MAC, IP(src="203.0.113.80", dst=UPLINK_IP, id=21) /
                 TCP(sport=443, dport=49161, flags="SA", seq=500, ack=101) / Raw(b"synack"))
    # an outsider trying the same external port from another address
    intruder = eth(ROUTER_MAC, GW_MAC, IP(src="203.0.113.66", dst=UPLINK_IP, id=22) /
                   TCP(sport=443, dport=49161, flags="S", seq=1) / Raw(b"intruder"))
    res = run_nat(ctx, up=[gw_arp_reply()] + fillers() + [synack, intruder], c1=[syn])
    routed(res, "up", [out_tcp("S", 100, 0, b"syn")])
    routed(res, "c1", [eth(C1_MAC, ROUTER_MAC, IP(src="203.0.113.80", dst=C1_IP, id=21, ttl=63) /
                           TCP(sport=443, dport=49161, flags="SA", seq=500, ack=101) /
                           Raw(b"synack"))])
    res.expect_drops({"up": {NAT_FILTERED: FILLERS + 1}})


def test_nat_icmp_port_unreachable_translated_back(ctx):
    probe = eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst="203.0.113.5", id=30) /
                UDP(sport=7000, dport=9999) / Raw(b"probe"))
    # what the outside host quotes: the packet as it left the uplink
    sent = IP(src=UPLINK_IP, dst="203.0.113.5", id=30, ttl=63) / UDP(sport=7000, dport=9999) / Raw(b"probe")
    sent = IP(bytes(sent))
    unreach = eth(ROUTER_MAC, GW_MAC, IP(src="203.0.113.5", dst=UPLINK_IP, id=31, ttl=60) /
                  ICMP(type=3, code=3) / bytes(sent)[:28])
    res = run_nat(ctx, up=[gw_arp_reply()] + fillers() + [unreach], c1=[probe])
    inner = IP(src=C1_IP, dst="203.0.113.5", id=30, ttl=63) / UDP(sport=7000, dport=9999) / Raw(b"probe")
    inner = IP(bytes(inner))
    inner_udp_cksum = inner[UDP].chksum
    got = [Ether(f) for f in res.out["c1"] if not is_arp(f)]
    check(len(got) == 1, f"c1: {len(got)} frames, expected the translated error")
    p = got[0]
    check(p[IP].dst == C1_IP and p[ICMP].type == 3 and p[ICMP].code == 3,
          f"c1: {p.summary()}")
    emb = p[IPerror]
    check(emb.src == C1_IP and emb[UDPerror].sport == 7000,
          f"embedded header not translated back: {emb.src}:{emb[UDPerror].sport}")
    check(emb[UDPerror].chksum == inner_udp_cksum,
          f"embedded UDP checksum {emb[UDPerror].chksum:#x}, expected {inner_udp_cksum:#x}")
    full = Ether(bytes(p))
    del full[IP].chksum
    del full[ICMP].chksum
    del full[IPerror].chksum
    full = Ether(bytes(full))
    check(full[IP].chksum == p[IP].chksum and full[ICMP].chksum == p[ICMP].chksum and
          full[IPerror].chksum == p[IPerror].chksum,
          "checksums differ from a full recomputation")


def test_nat_static_mapping_and_hairpin(ctx):
    nat = dict(NAT, StaticMappings=[{"Protocol": "TCP", "ExternalPort": 8080,
                                     "InternalIPAddress": C2_IP, "InternalPort": 80}])
    syn_in = eth(ROUTER_MAC, GW_MAC, IP(src="198.51.100.7", dst=UPLINK_IP, id=40) /
                 TCP(sport=40000, dport=8080, flags="S", seq=1) / Raw(b"published"))
    hairpin = eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst=UPLINK_IP, id=41) /
                  TCP(sport=50000, dport=8080, flags="S", seq=7) / Raw(b"hairpin"))
    res = run_nat(ctx, up=[gw_arp_reply(), syn_in], c1=[hairpin],
                  c2=[inside_arp_reply(C2_MAC, C2_IP)], nat=nat)
    got = [Ether(f) for f in res.out["c2"] if not is_arp(f)]
    check(len(got) == 2, f"c2: {len(got)} frames, expected the published SYN and the hairpin SYN")
    by = {bytes(p[Raw].load): p for p in got}
    pub, hp = by.get(b"published"), by.get(b"hairpin")
    check(pub is not None and pub[IP].src == "198.51.100.7" and pub[IP].dst == C2_IP and
          pub[TCP].dport == 80 and pub.dst == C2_MAC,
          f"published SYN not mapped: {pub.summary() if pub else None}")
    check(hp is not None and hp[IP].dst == C2_IP and hp[TCP].dport == 80 and
          hp[IP].src == UPLINK_IP,
          f"hairpin SYN: {hp.summary() if hp else None}")
    res.expect_drops({})
    routed(res, "c1", [])  # at most the router's ARP request for c2


def test_nat_non_nat_traffic_to_the_router_is_not_routed(ctx):
    # from outside, to an address that is not the switch's
    stray = eth(ROUTER_MAC, GW_MAC, IP(src="198.51.100.1", dst="192.0.2.99", id=50) /
                UDP(sport=1, dport=2) / Raw(b"stray"))
    # an inside host from outside the NAT's prefix
    alien = eth(ROUTER_MAC, C1_MAC, IP(src="10.9.9.9", dst="8.8.8.8", id=51) /
                UDP(sport=1, dport=2) / Raw(b"alien"))
    # ARP for someone else is switched as usual (flooded), not answered
    other = eth(BCAST, C1_MAC, ARP(op=1, hwsrc=C1_MAC, psrc=C1_IP, pdst="172.18.0.77"))
    res = run_nat(ctx, up=[stray], c1=[alien, other])
    res.expect_out("up", [other])
    res.expect_out("c2", [other])
    res.expect_drops({"up": {NO_ROUTE: 1}, "c1": {NO_ROUTE: 1}})


def test_nat_two_nats_on_one_address_split_by_port_range(ctx):
    """Two NATs (compartments) behind the uplink's one address, with
    disjoint ExternalPortRanges: replies go to the NAT whose pool holds
    the destination port."""
    nat_a = dict(NAT, ExternalPortRange="1024-29999")
    nat_b = {"Name": "second", "InternalIPInterfaceAddressPrefix": "172.19.0.0/16",
             "ExternalPortRange": "30000-65535"}
    c2_ip = "172.19.0.2"
    out1 = eth(ROUTER_MAC, C1_MAC, IP(src=C1_IP, dst="8.8.8.8", id=61) /
               UDP(sport=5353, dport=53) / Raw(b"a-out"))
    out2 = eth(ROUTER_MAC, C2_MAC, IP(src=c2_ip, dst="8.8.8.8", id=62) /
               UDP(sport=40000, dport=53) / Raw(b"b-out"))
    back1 = eth(ROUTER_MAC, GW_MAC, IP(src="8.8.8.8", dst=UPLINK_IP, id=63) /
                UDP(sport=53, dport=5353) / Raw(b"a-back"))
    back2 = eth(ROUTER_MAC, GW_MAC, IP(src="8.8.8.8", dst=UPLINK_IP, id=64) /
                UDP(sport=53, dport=40000) / Raw(b"b-back"))
    ports = [Port("up", uplink=True, send=[gw_arp_reply()] + fillers() + [back1, back2]),
             Port("c1", send=[out1]), Port("c2", send=[out2])]
    res = ctx.run_switch(ports, port_fields={"up": UPLINK_FIELDS},
                         root={"Nats": [nat_a, nat_b]})
    up = sorted(bytes(Ether(f)[Raw].load) for f in res.out["up"] if not is_arp(f))
    check(up == [b"a-out", b"b-out"], f"up sent {up}")
    routed(res, "c1", [eth(C1_MAC, ROUTER_MAC, IP(src="8.8.8.8", dst=C1_IP, id=63, ttl=63) /
                           UDP(sport=53, dport=5353) / Raw(b"a-back"))])
    routed(res, "c2", [eth(C2_MAC, ROUTER_MAC, IP(src="8.8.8.8", dst=c2_ip, id=64, ttl=63) /
                           UDP(sport=53, dport=40000) / Raw(b"b-back"))])
    res.expect_drops({"up": {NAT_FILTERED: FILLERS}})
