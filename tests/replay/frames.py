"""Frames for the replay tests, built with scapy.

A test describes a frame by its addresses, its tag stack and a marker; the
payload (IPv4/UDP carrying the marker) is the same whether the frame is the
input or the expected output, so the expected form of a forwarded frame is
the input with exactly the tags the egress port must send:

    sent = frame(BCAST, src, "a-1")                      # untagged
    want = frame(BCAST, src, "a-1", tags=[Tag(10)])      # 802.1Q VID 10 pushed
"""

import logging
from dataclasses import dataclass

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.layers.inet import IP, UDP  # noqa: E402
from scapy.layers.l2 import Dot1Q, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

TPID_8021Q = 0x8100
TPID_8021AD = 0x88A8
ETH_IPV4 = 0x0800

BCAST = "ff:ff:ff:ff:ff:ff"
MCAST = "01:00:5e:00:00:fb"  # an IPv4 multicast group MAC


def mac(group, n):
    """A locally administered unicast MAC, 02:00:00:00:GG:NN."""
    return f"02:00:00:00:{group:02x}:{n:02x}"


@dataclass(frozen=True)
class Tag:
    vid: int
    pcp: int = 0
    tpid: int = TPID_8021Q


def payload(marker, size=0):
    """IPv4/UDP carrying the marker text, padded with '.' to size bytes of
    UDP payload. Deterministic (fixed IP id), so it can be built twice."""
    data = f"<{marker}>".encode()
    data += b"." * max(0, size - len(data))
    return bytes(IP(src="192.0.2.1", dst="192.0.2.2", id=1, ttl=64) /
                 UDP(sport=1024, dport=9) / Raw(data))


def frame(dst, src, marker, tags=(), size=0, ethertype=ETH_IPV4, body=None):
    """An Ethernet frame dst <- src with the given outer-to-inner tag stack.
    body replaces the IPv4/UDP payload when given."""
    tags = list(tags)
    first = tags[0].tpid if tags else ethertype
    pkt = Ether(dst=dst, src=src, type=first)
    for i, t in enumerate(tags):
        inner = tags[i + 1].tpid if i + 1 < len(tags) else ethertype
        pkt = pkt / Dot1Q(prio=t.pcp, id=0, vlan=t.vid, type=inner)
    body = payload(marker, size) if body is None else body
    return bytes(pkt) + body


def describe(raw):
    """A one-line summary of a frame for failure messages."""
    raw = bytes(raw)
    if len(raw) < 14:
        return f"{len(raw)}B {raw.hex()}"

    def fmt(b):
        return ":".join(f"{x:02x}" for x in b)

    parts = [f"{len(raw)}B {fmt(raw[0:6])}<-{fmt(raw[6:12])}"]
    off = 12
    while off + 4 <= len(raw) and int.from_bytes(raw[off:off + 2], "big") in (
            TPID_8021Q, TPID_8021AD):
        tpid = int.from_bytes(raw[off:off + 2], "big")
        tci = int.from_bytes(raw[off + 2:off + 4], "big")
        parts.append(f"{tpid:04x}:vid={tci & 0xfff},pcp={tci >> 13}")
        off += 4
    if off + 2 <= len(raw):
        parts.append(f"type={raw[off:off + 2].hex()}")
    start = raw.find(b"<")
    end = raw.find(b">", start)
    if start >= 0 and end > start:
        parts.append(raw[start:end + 1].decode(errors="replace"))
    return " ".join(parts)
