#!/usr/bin/python3
"""Writes the fuzz_pipeline seed corpus (corpus/pipeline/): frames for the
fuzz switch of fuzz_switch.h, each record 1 byte port, 2 bytes length,
frame. Needs python3-scapy (Debian's /usr/bin/python3)."""
import os
import struct

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1AD, Dot1Q, Ether, IPv6,
                       ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6NDOptSrcLLAddr)

POD1, POD2, NATPOD = '02:15:5d:00:00:21', '02:15:5d:00:00:22', '02:15:5d:00:01:05'
EXT, BC = '02:00:00:00:99:01', 'ff:ff:ff:ff:ff:ff'
GWMAC = '02:00:00:00:00:0a'  # the router's: the uplink's MAC (fuzz_switch.h)
UP, C1, C2, C3, TRUNK, V20 = 0, 1, 2, 3, 4, 5


def rec(port, f):
    b = bytes(f)
    return bytes([port]) + struct.pack('>H', len(b)) + b


SEEDS = {
    'seed-nat-arp-then-udp':
        rec(C3, Ether(src=NATPOD, dst=BC) / ARP(op=1, hwsrc=NATPOD, psrc='172.19.0.5', pdst='172.19.0.1'))
        + rec(C3, Ether(src=NATPOD, dst=GWMAC) / IP(src='172.19.0.5', dst='8.8.8.8') / UDP(sport=40000, dport=53) / b'q')
        + rec(UP, Ether(src=EXT, dst=GWMAC) / IP(src='8.8.8.8', dst='192.0.2.10') / UDP(sport=53, dport=40000) / b'a'),
    'seed-static-mapping-syn':
        rec(UP, Ether(src=EXT, dst=BC) / ARP(op=1, hwsrc=EXT, psrc='192.0.2.1', pdst='192.0.2.10'))
        + rec(UP, Ether(src=EXT, dst=GWMAC) / IP(src='203.0.113.5', dst='192.0.2.10') / TCP(sport=5555, dport=8080, flags='S')),
    'seed-icmp-echo-uplink':
        rec(UP, Ether(src=EXT, dst=GWMAC) / IP(src='192.0.2.1', dst='192.0.2.10') / ICMP() / b'ping'),
    'seed-icmp-err-nat':
        rec(UP, Ether(src=EXT, dst=GWMAC) / IP(src='192.0.2.1', dst='192.0.2.10') / ICMP(type=3, code=4)
            / IP(src='192.0.2.10', dst='8.8.8.8') / UDP(sport=40000, dport=53)),
    'seed-l2bridge-pods':
        rec(C1, Ether(src=POD1, dst=POD2) / IP(src='198.51.100.21', dst='198.51.100.22') / UDP(sport=1, dport=2))
        + rec(C1, Ether(src=POD1, dst=GWMAC) / IP(src='198.51.100.21', dst='203.0.113.9') / TCP(sport=1000, dport=80, flags='S'))
        + rec(UP, Ether(src=EXT, dst=GWMAC) / IP(src='203.0.113.9', dst='198.51.100.21') / TCP(sport=80, dport=1000, flags='SA')),
    'seed-ipv6-nd':
        rec(C1, Ether(src=POD1, dst='33:33:00:00:00:01') / IPv6(src='fe80::1', dst='ff02::1')
            / ICMPv6ND_NS(tgt='fe80::2') / ICMPv6NDOptSrcLLAddr(lladdr=POD1))
        + rec(UP, Ether(src=EXT, dst='33:33:00:00:00:01') / IPv6(src='fe80::9', dst='ff02::1') / ICMPv6ND_RA()),
    'seed-vlan-trunk':
        rec(TRUNK, Ether(src='02:00:00:00:10:01', dst=BC) / Dot1Q(vlan=20) / ARP(op=1, psrc='10.20.0.1', pdst='10.20.0.2'))
        + rec(V20, Ether(src='02:00:00:00:20:02', dst='02:00:00:00:10:01') / IP(src='10.20.0.2', dst='10.9.1.1') / TCP(dport=22))
        + rec(TRUNK, Ether(src='02:00:00:00:10:01', dst=BC) / Dot1AD(vlan=10) / Dot1Q(vlan=20) / IP() / UDP()),
    'seed-acl-denied':
        rec(C3, Ether(src=NATPOD, dst=GWMAC) / IP(src='172.19.0.5', dst='192.0.2.66') / UDP(dport=9999)),
    'seed-fragment':
        rec(C3, Ether(src=NATPOD, dst=GWMAC) / IP(src='172.19.0.5', dst='8.8.4.4', flags='MF', frag=0)
            / UDP(sport=1, dport=2) / (b'x' * 40))
        + rec(C3, Ether(src=NATPOD, dst=GWMAC) / IP(src='172.19.0.5', dst='8.8.4.4', proto=17, frag=6) / (b'y' * 20)),
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'pipeline')
os.makedirs(out, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
