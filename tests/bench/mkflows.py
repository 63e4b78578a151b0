#!/usr/bin/python3
"""The benchmark pcap without scapy or ../shared: the same frames as
../shared/bench/mkpcap.py writes (flow i: source MAC 02:00:<i>, source
10.<i+1>, port 1024 + i % 60000, to 192.0.2.1:5001 and --dst-mac; UDP
checksums computed), so figures compare. tests/bench/bench.sh uses it when
the shared script is not there (CI).

usage: mkflows.py OUT.pcap [--flows N] [--size BYTES] [--dst-mac MAC]
"""
import argparse
import struct


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--flows", type=int, default=1024)
    ap.add_argument("--size", type=int, default=64, help="frame size incl. FCS")
    ap.add_argument("--dst-mac", default="02:00:00:00:ff:01")
    ap.add_argument("--dst-ip", default="192.0.2.1")
    a = ap.parse_args()
    dst_mac = bytes(int(x, 16) for x in a.dst_mac.split(":"))
    dst_ip = bytes(int(x) for x in a.dst_ip.split("."))
    pad = max(0, a.size - 4 - (14 + 20 + 8))
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(a.flows):
            n = i + 1
            src_mac = bytes((2, 0, (i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255))
            src_ip = bytes((10, (n >> 16) & 255, (n >> 8) & 255, n & 255))
            payload = b"\0" * pad
            ulen = 8 + len(payload)
            sport, dport = 1024 + i % 60000, 5001
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 1, 0, 64, 17, 0,
                             src_ip, dst_ip)
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            pseudo = src_ip + dst_ip + struct.pack("!BBH", 0, 17, ulen)
            udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
            c = csum(pseudo + udp) or 0xFFFF
            udp = udp[:6] + struct.pack("!H", c) + udp[8:]
            frame = dst_mac + src_mac + b"\x08\x00" + ip + udp
            f.write(struct.pack("<IIII", 0, 0, len(frame), len(frame)) + frame)


if __name__ == "__main__":
    main()
