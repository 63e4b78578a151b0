"""VFP port ACL and extended ACL golden cases: ports carrying rule sets
from the startup config ("Acls", "ExtendedAcls"), frames in both
directions, the exact frames that leave every port and the "Failed
Security Policy" drops per port in --stats-out.

Directions are the port's: a frame the switch receives on port vm is
Outbound for vm's rules (Local = its source, Remote = its destination), a
frame the switch sends out of vm is Inbound (Local = its destination,
Remote = its source). A drop is counted on the port whose rule decided it.

The stateful case needs the VM's outbound SYN to be classified before the
reply that arrives on the other port. Replay has one worker (EAL -l 0,1)
that polls its RX queues in port order, one burst of at most 32 frames
per queue per round, and a net_pcap port hands out its file in order, so:
the VM port is port 0 and sends only the SYN (round 1, first queue), and
the outside port sends 40 other frames before the reply, which therefore
cannot be in its first burst and is processed in round 2 or later, after
the SYN whatever the queue order. The 40 fillers are unsolicited inbound
TCP frames that must be dropped: they are checked too.
"""

import json
import logging

from frames import BCAST, frame, mac
from harness import SECURITY, Port, check

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.layers.inet import IP, TCP, UDP  # noqa: E402
from scapy.layers.inet6 import IPv6  # noqa: E402
from scapy.layers.l2 import ARP  # noqa: E402
from scapy.packet import Raw  # noqa: E402

ETH_IPV6 = 0x86DD
ETH_ARP = 0x0806
FRAMES_PER_BURST = 32  # VS_BURST: what one rx burst of a port can carry

VM_IP = "192.168.0.10"


# --- frames ----------------------------------------------------------------

def udp(src, dst, marker, sport=1024, dport=9):
    """IPv4 (or IPv6 when the addresses have colons)/UDP carrying <marker>."""
    l3 = IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst, id=1, ttl=64)
    return bytes(l3 / UDP(sport=sport, dport=dport) / Raw(f"<{marker}>".encode()))


def tcp(src, dst, marker, sport, dport, flags):
    return bytes(IP(src=src, dst=dst, id=1, ttl=64) /
                 TCP(sport=sport, dport=dport, flags=flags, seq=1000, ack=0 if flags == "S" else 2000,
                     window=8192) / Raw(f"<{marker}>".encode()))


def ip_frame(dst_mac, src_mac, body, marker=""):
    """An untagged Ethernet frame carrying an IP packet (body from udp()/tcp())."""
    v6 = (body[0] >> 4) == 6
    return frame(dst_mac, src_mac, marker, ethertype=ETH_IPV6 if v6 else 0x0800,
                 body=body)


def arp_request(src_mac, src_ip, target_ip):
    return frame(BCAST, src_mac, "", ethertype=ETH_ARP,
                 body=bytes(ARP(op=1, hwsrc=src_mac, psrc=src_ip, pdst=target_ip)))


# --- running a switch whose ports carry ACLs --------------------------------

def run_with_acls(ctx, ports, port_fields):
    """ctx.run_switch(ports) with port_fields ({port name: {"Acls": [...],
    "ExtendedAcls": [...]}}) merged into those ports' config entries. The
    harness writes the config through ctx.write("config.json", ...); this
    adds the fields on the way and checks they arrived."""
    orig = ctx.write

    def write(name, text):
        if name == "config.json":
            cfg = json.loads(text)
            for entry in cfg["Ports"]:
                entry.update(port_fields.get(entry["Name"], {}))
            text = json.dumps(cfg, indent=2)
        return orig(name, text)

    ctx.write = write
    try:
        res = ctx.run_switch(ports)
    finally:
        ctx.write = orig
    with open(ctx.path("config.json")) as f:
        cfg = json.load(f)
    for entry in cfg["Ports"]:
        for key, value in port_fields.get(entry["Name"], {}).items():
            check(entry.get(key) == value,
                  f"test bug: the config lost port {entry['Name']}'s {key}")
    return res


def rule(action, direction, **address):
    """A port ACL: rule("Deny", "Both", RemoteIPAddress="ANY")."""
    r = {"Action": action, "Direction": direction}
    r.update(address)
    return r


# --- port ACLs ----------------------------------------------------------------

def test_port_acls_mixed_rule_set_decides_each_frame(ctx):
    vm, net = mac(0x40, 0x01), mac(0x40, 0xB0)
    mgmt = mac(0x40, 0xCC)  # a host behind net that the MAC rule allows
    acls = [
        rule("Deny", "Both", RemoteIPAddress="ANY"),
        rule("Allow", "Both", RemoteIPAddress="10.0.0.0/8"),
        rule("Deny", "Both", RemoteIPAddress="10.1.0.0/16"),
        rule("Allow", "Both", RemoteIPAddress="10.1.2.3"),       # a /32 inside it
        rule("Deny", "Outbound", RemoteIPAddress="10.2.0.0/16"),  # one direction only
        rule("Allow", "Both", RemoteMacAddress=mgmt),            # MAC beats IP
        rule("Meter", "Both", RemoteIPAddress="8.8.8.0/24"),     # counts, never decides
    ]

    def out(dst_ip, marker, dst_mac=net):
        return ip_frame(dst_mac, vm, udp(VM_IP, dst_ip, marker), marker)

    def inb(src_ip, marker, src_mac=net, dst_ip=VM_IP):
        return ip_frame(vm, src_mac, udp(src_ip, dst_ip, marker), marker)

    o_allow_8 = out("10.5.0.1", "out-10/8-allowed")
    o_deny_16 = out("10.1.7.7", "out-10.1/16-denied")
    o_allow_32 = out("10.1.2.3", "out-10.1.2.3/32-allowed")
    o_deny_any = out("8.8.8.8", "out-any-denied-meter-does-not-decide")
    o_deny_dir = out("10.2.0.5", "out-10.2/16-outbound-denied")
    o_allow_mac = out("8.8.4.4", "out-mgmt-mac-allowed", dst_mac=mgmt)
    i_allow_8 = inb("10.5.0.1", "in-10/8-allowed")
    i_deny_16 = inb("10.1.9.9", "in-10.1/16-denied")
    i_allow_32 = inb("10.1.2.3", "in-10.1.2.3/32-allowed")
    i_deny_any = inb("203.0.113.7", "in-any-denied")
    i_allow_dir = inb("10.2.0.5", "in-10.2/16-outbound-rule-does-not-apply")
    i_allow_mac = inb("203.0.113.9", "in-mgmt-mac-allowed", src_mac=mgmt)
    i_deny_v6 = ip_frame(vm, net, udp("fd00::1", "fd00::10", "in-v6-any-denied"))
    i_arp = arp_request(net, "10.1.9.9", VM_IP)  # not IP: IP rules do not match

    res = run_with_acls(ctx, [
        Port("vm", macs=[vm], send=[o_allow_8, o_deny_16, o_allow_32, o_deny_any,
                                    o_deny_dir, o_allow_mac]),
        Port("net", macs=[net, mgmt], send=[i_allow_8, i_deny_16, i_allow_32, i_deny_any,
                                            i_allow_dir, i_allow_mac, i_deny_v6, i_arp]),
    ], {"vm": {"Acls": acls}})
    res.expect_out("net", [o_allow_8, o_allow_32, o_allow_mac])
    res.expect_out("vm", [i_allow_8, i_allow_32, i_allow_dir, i_allow_mac, i_arp])
    res.expect_drops({"vm": {SECURITY: 3 + 3}})


def test_port_acl_on_a_flood_member_filters_only_that_member(ctx):
    a, c = mac(0x41, 0x0A), mac(0x41, 0x0C)
    b = mac(0x41, 0x0B)
    bad = ip_frame(BCAST, a, udp("192.0.2.66", "192.0.2.255", "bcast-from-66"), "bcast-from-66")
    good = ip_frame(BCAST, a, udp("192.0.2.1", "192.0.2.255", "bcast-from-1"), "bcast-from-1")
    uni = ip_frame(b, a, udp("192.0.2.66", "192.0.2.20", "unicast-66-to-b"), "unicast-66-to-b")
    res = run_with_acls(ctx, [
        Port("a", macs=[a], send=[bad, good, uni]),
        Port("b", macs=[b]),
        Port("c", macs=[c]),
    ], {"b": {"Acls": [rule("Deny", "Inbound", RemoteIPAddress="192.0.2.66")]}})
    res.expect_out("b", [good])
    res.expect_out("c", [bad, good])
    res.expect_nothing("a")
    res.expect_drops({"b": {SECURITY: 2}})


def test_port_acls_ipv6_and_local_addresses_compete_by_prefix_length(ctx):
    vm, net = mac(0x42, 0x01), mac(0x42, 0xB0)
    acls = [
        rule("Deny", "Both", RemoteIPAddress="ANY"),
        rule("Allow", "Both", RemoteIPAddress="fd00::/16"),
        rule("Deny", "Both", RemoteIPAddress="fd00:1::/32"),
        rule("Allow", "Inbound", LocalIPAddress="192.168.0.0/24"),
        rule("Deny", "Inbound", RemoteIPAddress="10.1.0.0/16"),
        rule("Deny", "Inbound", LocalIPAddress="192.168.0.99"),
    ]

    def inb(src, dst, marker):
        return ip_frame(vm, net, udp(src, dst, marker), marker)

    def out(src, dst, marker):
        return ip_frame(net, vm, udp(src, dst, marker), marker)

    v6_allowed = inb("fd00:5::1", "fd00:ff::10", "in-v6-fd00/16-allowed")
    v6_denied_32 = inb("fd00:1::7", "fd00:ff::10", "in-v6-fd00:1/32-denied")
    v6_denied_any = inb("2001:db8::1", "fd00:ff::10", "in-v6-any-denied")
    local_24_wins = inb("10.1.9.9", VM_IP, "in-local/24-beats-remote/16")
    local_32_deny = inb("10.1.9.9", "192.168.0.99", "in-local/32-denied")
    local_24_any = inb("8.8.8.8", VM_IP, "in-local/24-beats-any")
    neither = inb("8.8.8.8", "172.16.0.1", "in-any-denied")
    out_denied = out(VM_IP, "8.8.8.8", "out-inbound-local-rule-does-not-apply")
    out_v6 = out("fd00:ff::10", "fd00:5::1", "out-v6-allowed")
    res = run_with_acls(ctx, [
        Port("vm", macs=[vm], send=[out_denied, out_v6]),
        Port("net", macs=[net], send=[v6_allowed, v6_denied_32, v6_denied_any,
                                      local_24_wins, local_32_deny, local_24_any,
                                      neither]),
    ], {"vm": {"Acls": acls}})
    res.expect_out("vm", [v6_allowed, local_24_wins, local_24_any])
    res.expect_out("net", [out_v6])
    res.expect_drops({"vm": {SECURITY: 5}})


# --- extended ACLs ------------------------------------------------------------

def ext(action, direction, weight, **fields):
    r = {"Action": action, "Direction": direction, "Weight": weight}
    r.update(fields)
    return r


def test_extended_acls_weights_port_ranges_and_fall_through(ctx):
    vm, net = mac(0x43, 0x01), mac(0x43, 0xB0)
    ext_acls = [
        ext("Deny", "Outbound", 20, Protocol="UDP", RemotePort="5000-5999"),
        ext("Allow", "Outbound", 30, Protocol="UDP", RemotePort="5500"),
        ext("Deny", "Inbound", 5, Protocol="UDP", LocalPort="7000-7010"),
        ext("Allow", "Inbound", 6, Protocol="UDP", LocalPort="7005",
            RemoteIPAddress="198.51.100.0/24"),
    ]
    # what no extended rule matches goes on to the port ACLs
    acls = [rule("Deny", "Both", RemoteIPAddress="203.0.113.0/24")]

    def out(dst, dport, marker, proto=udp):
        body = (udp(VM_IP, dst, marker, sport=40000, dport=dport) if proto is udp else
                tcp(VM_IP, dst, marker, 40000, dport, "S"))
        return ip_frame(net, vm, body, marker)

    def inb(src, dport, marker):
        return ip_frame(vm, net, udp(src, VM_IP, marker, sport=53, dport=dport), marker)

    u_weight = out("192.0.2.1", 5500, "out-5500-weight-30-allows")
    u_range = out("192.0.2.1", 5100, "out-5100-weight-20-denies")
    u_none = out("192.0.2.1", 6000, "out-6000-no-rule")
    u_port_acl = out("203.0.113.1", 6000, "out-6000-port-acl-denies")
    u_ext_first = out("203.0.113.1", 5500, "out-5500-ext-allow-before-port-acl")
    t_proto = out("192.0.2.1", 5100, "out-tcp-5100-udp-rules-do-not-match", proto=tcp)
    n_range = inb("192.0.2.7", 7005, "in-7005-range-denies")
    n_weight = inb("198.51.100.3", 7005, "in-7005-weight-6-allows")
    n_above = inb("192.0.2.7", 7011, "in-7011-outside-range")
    n_low = inb("192.0.2.7", 7000, "in-7000-range-low-end")
    n_high = inb("192.0.2.7", 7010, "in-7010-range-high-end")
    res = run_with_acls(ctx, [
        Port("vm", macs=[vm], send=[u_weight, u_range, u_none, u_port_acl,
                                    u_ext_first, t_proto]),
        Port("net", macs=[net], send=[n_range, n_weight, n_above, n_low, n_high]),
    ], {"vm": {"ExtendedAcls": ext_acls, "Acls": acls}})
    res.expect_out("net", [u_weight, u_none, u_ext_first, t_proto])
    res.expect_out("vm", [n_weight, n_above])
    res.expect_drops({"vm": {SECURITY: 2 + 3}})


def test_extended_acls_one_burst_to_three_ports_each_port_decides_its_frames(ctx):
    """The forward loop classifies a burst's unicast frames per out port at
    once (forward.c): one burst from "net", interleaved to three pods whose
    rule sets differ (and one without rules), IPv4 and IPv6, with a flooded
    ARP request in the middle. Each port's rules decide its frames only,
    in their order, and each port counts its own drops."""
    net = mac(0x46, 0xB0)
    pa, pb, pc = mac(0x46, 0x0A), mac(0x46, 0x0B), mac(0x46, 0x0C)
    rules_a = [ext("Deny", "Inbound", 5, Protocol="UDP", LocalPort="7000")]
    rules_b = [ext("Deny", "Inbound", 5, RemoteIPAddress="198.51.100.0/24"),
               ext("Deny", "Inbound", 5, RemoteIPAddress="2001:db8:bad::/48")]

    def to(dst_mac, src, dport, marker):
        dst = "2001:db8::10" if ":" in src else VM_IP
        return ip_frame(dst_mac, net, udp(src, dst, marker, sport=53, dport=dport), marker)

    a_deny = to(pa, "192.0.2.7", 7000, "a-7000-denied")
    a_pass = to(pa, "198.51.100.3", 7001, "a-7001-passes")
    b_deny = to(pb, "198.51.100.3", 7001, "b-from-198.51.100-denied")
    b_pass = to(pb, "192.0.2.7", 7000, "b-7000-passes")
    b_deny6 = to(pb, "2001:db8:bad::1", 9, "b-v6-from-bad-denied")
    b_pass6 = to(pb, "2001:db8:900d::1", 9, "b-v6-passes")
    c_any = to(pc, "198.51.100.3", 7000, "c-no-rules")
    arp = arp_request(net, "192.0.2.1", VM_IP)
    burst = [a_deny, b_deny, c_any, a_pass, arp, b_pass, b_deny6, a_deny, b_pass6]
    assert len(burst) < FRAMES_PER_BURST
    res = run_with_acls(ctx, [
        Port("net", macs=[net], send=burst),
        Port("pa", macs=[pa]),
        Port("pb", macs=[pb]),
        Port("pc", macs=[pc]),
    ], {"pa": {"ExtendedAcls": rules_a}, "pb": {"ExtendedAcls": rules_b}})
    res.expect_out("pa", [a_pass, arp])
    res.expect_out("pb", [arp, b_pass, b_pass6])
    res.expect_out("pc", [c_any, arp])
    res.expect_drops({"pa": {SECURITY: 2}, "pb": {SECURITY: 2}})


def test_stateful_outbound_flow_admits_its_return_traffic_only(ctx):
    vm, net = mac(0x44, 0x01), mac(0x44, 0xB0)
    server = "203.0.113.5"
    ext_acls = [
        ext("Allow", "Outbound", 10, Protocol="TCP", RemotePort="443", Stateful=True,
            IdleSessionTimeout=300),
        ext("Deny", "Inbound", 1, Protocol="TCP"),
    ]
    syn = ip_frame(net, vm, tcp(VM_IP, server, "syn-out", 40000, 443, "S"), "syn-out")
    # before the reply: more frames than one burst, none of the flow
    fillers = [ip_frame(vm, net, tcp("203.0.113.9", VM_IP, f"unsolicited-{i}", 443,
                                     41000 + i, "SA"), f"unsolicited-{i}")
               for i in range(FRAMES_PER_BURST + 8)]
    reply = ip_frame(vm, net, tcp(server, VM_IP, "syn-ack-of-the-flow", 443, 40000, "SA"),
                     "syn-ack-of-the-flow")
    other_port = ip_frame(vm, net, tcp(server, VM_IP, "same-server-other-port", 443,
                                       40001, "SA"), "same-server-other-port")
    res = run_with_acls(ctx, [
        Port("vm", macs=[vm], send=[syn]),  # port 0: polled first
        Port("net", macs=[net], send=fillers + [reply, other_port]),
    ], {"vm": {"ExtendedAcls": ext_acls}})
    res.expect_out("net", [syn])
    res.expect_out("vm", [reply])
    res.expect_drops({"vm": {SECURITY: len(fillers) + 1}})


def test_unsolicited_inbound_without_an_outbound_flow_is_dropped(ctx):
    """The control for the stateful case: the same reply with no SYN
    before it is dropped, so the stateful case's pass is the flow's doing."""
    vm, net = mac(0x45, 0x01), mac(0x45, 0xB0)
    ext_acls = [
        ext("Allow", "Outbound", 10, Protocol="TCP", RemotePort="443", Stateful=True),
        ext("Deny", "Inbound", 1, Protocol="TCP"),
    ]
    reply = ip_frame(vm, net, tcp("203.0.113.5", VM_IP, "syn-ack-without-syn", 443,
                                  40000, "SA"), "syn-ack-without-syn")
    # an outbound frame of another flow, so vm's input is not empty
    other = ip_frame(net, vm, tcp(VM_IP, "203.0.113.6", "syn-other-server", 40000, 443,
                                  "S"), "syn-other-server")
    res = run_with_acls(ctx, [
        Port("vm", macs=[vm], send=[other]),
        Port("net", macs=[net], send=[reply]),
    ], {"vm": {"ExtendedAcls": ext_acls}})
    res.expect_out("net", [other])
    res.expect_nothing("vm")
    res.expect_drops({"vm": {SECURITY: 1}})
