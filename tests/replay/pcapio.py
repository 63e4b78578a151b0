"""Classic pcap files, read and written byte-exactly.

The replay tests compare raw frame bytes, so they read and write pcap
themselves instead of going through scapy's packet classes: a 10-byte frame
or a frame with a bogus EtherType stays exactly what the test wrote.
"""

import struct

LINKTYPE_ETHERNET = 1
SNAPLEN = 65535

_MAGIC_US = 0xA1B2C3D4  # microsecond timestamps
_MAGIC_NS = 0xA1B23C4D  # nanosecond timestamps (what DPDK's net_pcap writes)


def write_pcap(path, frames):
    """Writes frames (bytes) as an Ethernet pcap, 1 µs apart. An empty list
    gives a valid zero-packet file (the header alone)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", _MAGIC_US, 2, 4, 0, 0, SNAPLEN,
                            LINKTYPE_ETHERNET))
        for i, frame in enumerate(frames):
            frame = bytes(frame)
            f.write(struct.pack("<IIII", 1_700_000_000, i, len(frame),
                                len(frame)))
            f.write(frame)


class PcapError(Exception):
    pass


def read_pcap(path):
    """Returns the frames of a pcap file as a list of bytes. A truncated
    capture (caplen < len) or a non-Ethernet file is an error: the switch
    must write whole frames."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise PcapError(f"{path}: {len(data)} bytes, shorter than a pcap header")
    for endian in ("<", ">"):
        magic = struct.unpack(endian + "I", data[:4])[0]
        if magic in (_MAGIC_US, _MAGIC_NS):
            break
    else:
        raise PcapError(f"{path}: not a pcap file (magic {data[:4].hex()})")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != LINKTYPE_ETHERNET:
        raise PcapError(f"{path}: link type {linktype}, not Ethernet")
    frames, off = [], 24
    while off < len(data):
        if off + 16 > len(data):
            raise PcapError(f"{path}: truncated record header at byte {off}")
        _, _, caplen, wirelen = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        if off + caplen > len(data):
            raise PcapError(f"{path}: truncated record at byte {off}")
        if caplen != wirelen:
            raise PcapError(f"{path}: frame {len(frames)} captured {caplen} "
                            f"of {wirelen} bytes")
        frames.append(data[off:off + caplen])
        off += caplen
    return frames
