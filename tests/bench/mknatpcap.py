#!/usr/bin/python3
"""Write a pcap of UDP/IPv4 flows from inside a NAT for tools/bench.sh --nat.

usage: mknatpcap.py OUT.pcap --flows N [--sockets S] [--dst-mac MAC] [--vip IP]

Flow i comes from internal socket i % S (10.1.x.y, port 5000 + socket) and
goes to remote i // S (100.64.0.0 + index, port 53): N sessions over S
bindings (endpoint-independent mapping gives a socket one external port,
and one external address has ~64k). With --vip (bench.sh --lb) every flow
goes to IP:53, a service's ClusterIP: flow i comes from client 10.1.0.0 +
i // 60000, port 1024 + i % 60000. 64-byte frames, UDP checksum 0.
Written with struct (scapy would take minutes for a million frames).
"""
import argparse
import struct


def csum(b):
    s = sum(struct.unpack("!10H", b))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--flows", type=int, required=True)
    ap.add_argument("--sockets", type=int, default=1000)
    ap.add_argument("--dst-mac", default="02:00:00:00:ff:01")
    ap.add_argument("--vip")
    a = ap.parse_args()
    vip = bytes(int(x) for x in a.vip.split(".")) if a.vip else None
    dst = bytes(int(x, 16) for x in a.dst_mac.split(":"))
    src = bytes.fromhex("020000000a01")
    payload = b"\0" * 18  # 14 + 20 + 8 + 18 = 60 bytes (+ FCS = 64)
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        rec = struct.pack("<IIII", 0, 0, 60, 60)
        for i in range(a.flows):
            sock, remote = i % a.sockets, i // a.sockets
            sip = bytes((10, 1, sock >> 8, sock & 255))
            dip = struct.pack("!I", (100 << 24 | 64 << 16) + remote)
            sport = 5000 + sock
            if vip:
                sip = struct.pack("!I", (10 << 24 | 1 << 16) + i // 60000)
                dip, sport = vip, 1024 + i % 60000
            hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 46, 1, 0, 64, 17, 0, sip, dip)
            hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
            udp = struct.pack("!HHHH", sport, 53, 26, 0)
            f.write(rec + dst + src + b"\x08\x00" + hdr + udp + payload)


if __name__ == "__main__":
    main()
