#!/usr/bin/python3
"""Write a pcap for tools/bench.sh --vxlan: Overlay encapsulation or
decapsulation of N UDP flows (issue 19).

usage: mkvxlanpcap.py OUT.pcap --mode encap|decap [--flows N] [--wire 64|1518]

encap: pod frames from 10.244.1.2 (MAC 0e:2a:0a:f4:01:02) to the DR MAC
02:15:5d:00:00:01 for 10.244.2.0/24 (a RemoteSubnetRoute), flow i to
10.244.2.(1 + i % 250), source port 1024 + i. decap: the same flows coming
back in VXLAN (VNI 4096) from 10.99.0.2 to the provider address 10.99.0.1
(uplink MAC 02:00:00:00:ff:01), inner destination the DR MAC, inner IPv4
to the pod 10.244.1.2. --wire 64: the pod frames are 64 bytes (encapsulated:
114); --wire 1518: the outer frames are 1518 bytes, the largest a
1500-byte MTU underlay carries (pod frames 1468). Sizes count the FCS, as
the L2 rows do. Written with struct (no scapy needed).
"""
import argparse
import struct

DR = bytes.fromhex("02155d000001")
POD = bytes.fromhex("0e2a0af40102")
UP = bytes.fromhex("02000000ff01")
PEER = bytes.fromhex("02000000ff02")
DR_B = bytes.fromhex("0e2a0af40201")


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload_len, df=False, ttl=64):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, 1, 0x4000 if df else 0,
                      ttl, proto, 0, bytes(src), bytes(dst))
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]


def pod_frame(i, size, inbound):
    """A pod UDP frame of size bytes (without FCS)."""
    remote = (10, 244, 2, 1 + i % 250)
    pod = (10, 244, 1, 2)
    body = size - 14 - 20 - 8
    udp = struct.pack("!HHHH", 1024 + i % 60000, 53, 8 + body, 0) + b"\0" * body
    if inbound:
        return DR + DR_B + b"\x08\x00" + ipv4(remote, pod, 17, len(udp), ttl=63) + udp
    return DR + POD + b"\x08\x00" + ipv4(pod, remote, 17, len(udp)) + udp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mode", choices=("encap", "decap"), required=True)
    ap.add_argument("--flows", type=int, default=1024)
    ap.add_argument("--wire", type=int, choices=(64, 1518), default=64)
    a = ap.parse_args()
    inner = 60 if a.wire == 64 else 1514 - 50
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(a.flows):
            frame = pod_frame(i, inner, a.mode == "decap")
            if a.mode == "decap":
                vx = struct.pack("!II", 0x08000000, 4096 << 8) + frame
                udp = struct.pack("!HHHH", 49152 + i % 16384, 4789, 8 + len(vx), 0) + vx
                frame = (UP + PEER + b"\x08\x00" +
                         ipv4((10, 99, 0, 2), (10, 99, 0, 1), 17, len(udp), df=True) + udp)
            f.write(struct.pack("<IIII", 0, 0, len(frame), len(frame)) + frame)


if __name__ == "__main__":
    main()
