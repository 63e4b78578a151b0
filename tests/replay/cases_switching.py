"""L2 switching golden cases: VLAN access/trunk/native, flooding, drops,
static MACs, counters. Every test runs vswitchd on net_pcap ports.

Known-unicast destinations are static MacAddresses (learning is asynchronous);
no frame is ever sent to a MAC the switch could only have learned. Outputs
fed by one input port are compared in order, by several as multisets.
"""

from scapy.layers.inet import IP, UDP
from scapy.packet import Raw

from frames import BCAST, MCAST, TPID_8021AD, Tag, frame, mac
from harness import (INVALID, SOURCE_NIC, UNTAGGED, VLAN_FILTER, Port, access,
                     check, trunk)


def test_access_to_access_same_vlan_forwards_untagged(ctx):
    dst, src = mac(1, 0xB0), mac(1, 0xA0)
    sent = [frame(dst, src, f"a2a-{i}", size=20 + 300 * i) for i in range(4)]
    res = ctx.run_switch([
        Port("a", access(10), send=sent),
        Port("b", access(10), macs=[dst]),
        Port("c", access(20)),
        Port("d", access(10)),  # same VLAN, but the MAC is b's
    ])
    res.expect_out("b", sent)
    res.expect_nothing("a", "c", "d")
    res.expect_drops({})


def test_access_to_trunk_pushes_the_access_vid(ctx):
    dst, src = mac(2, 0xB0), mac(2, 0xA0)
    sent = [frame(dst, src, f"a2t-{i}", size=10 + 500 * i) for i in range(3)]
    sent.append(frame(BCAST, src, "a2t-bcast"))
    res = ctx.run_switch([
        Port("a", access(10), send=sent),
        Port("t", trunk("10,20"), macs=[dst]),
        Port("b", access(20)),
    ])
    res.expect_out("t", [frame(dst, src, f"a2t-{i}", size=10 + 500 * i,
                               tags=[Tag(10)]) for i in range(3)]
                   + [frame(BCAST, src, "a2t-bcast", tags=[Tag(10)])])
    res.expect_nothing("a", "b")
    res.expect_drops({})


def test_trunk_to_access_pops_the_tag(ctx):
    m10, m20, src = mac(3, 0x10), mac(3, 0x20), mac(3, 0xA0)
    sent = [frame(m10, src, "t2a-10a", tags=[Tag(10, pcp=5)]),
            frame(m20, src, "t2a-20a", tags=[Tag(20, pcp=3)], size=900),
            frame(m10, src, "t2a-10b", tags=[Tag(10)], size=1400),
            frame(BCAST, src, "t2a-20-bcast", tags=[Tag(20, pcp=7)])]
    res = ctx.run_switch([
        Port("t", trunk("10,20"), send=sent),
        Port("a10", access(10), macs=[m10]),
        Port("a20", access(20), macs=[m20]),
    ])
    res.expect_out("a10", [frame(m10, src, "t2a-10a"),
                           frame(m10, src, "t2a-10b", size=1400)])
    res.expect_out("a20", [frame(m20, src, "t2a-20a", size=900),
                           frame(BCAST, src, "t2a-20-bcast")])
    res.expect_nothing("t")
    res.expect_drops({})


def test_trunk_native_vlan_is_untagged_both_ways(ctx):
    ma, mt1 = mac(4, 0xA1), mac(4, 0x71)
    t1_src, a_src = mac(4, 0x7F), mac(4, 0xAF)
    res = ctx.run_switch([
        # Untagged frames on t1 belong to its native VLAN 30; a frame
        # tagged with the native VID is in VLAN 30 as well.
        Port("t1", trunk("10", native=30), macs=[mt1], send=[
            frame(ma, t1_src, "nat-in-untagged"),
            frame(ma, t1_src, "nat-in-tagged", tags=[Tag(30, pcp=2)])]),
        Port("a", access(30), macs=[ma], send=[
            frame(BCAST, a_src, "nat-out-bcast"),
            frame(mt1, a_src, "nat-out-unicast")]),
        Port("t2", trunk("30")),  # native 0: VLAN 30 leaves tagged
        Port("u", UNTAGGED),      # VLAN 0 is not t1's untagged VLAN here
    ])
    res.expect_out("a", [frame(ma, t1_src, "nat-in-untagged"),
                         frame(ma, t1_src, "nat-in-tagged")])
    res.expect_out("t1", [frame(BCAST, a_src, "nat-out-bcast"),
                          frame(mt1, a_src, "nat-out-unicast")])
    res.expect_out("t2", [frame(BCAST, a_src, "nat-out-bcast", tags=[Tag(30)])])
    res.expect_nothing("u")
    res.expect_drops({})


def test_trunk_to_trunk_keeps_the_vid(ctx):
    m2, src = mac(5, 0x20), mac(5, 0xA0)
    uni = frame(m2, src, "t2t-uni-20", tags=[Tag(20, pcp=6)], size=700)
    bc = frame(BCAST, src, "t2t-bcast-10", tags=[Tag(10, pcp=1)])
    res = ctx.run_switch([
        Port("t1", trunk("10,20"), send=[uni, bc]),
        Port("t2", trunk("10,20"), macs=[m2]),
        Port("t3", trunk("10-15,30", native=20)),
        Port("t4", trunk("20", native=10)),  # VLAN 10 is native here
    ])
    res.expect_out("t2", [uni, bc])  # byte for byte, PCP too
    res.expect_out("t3", [bc])
    res.expect_out("t4", [frame(BCAST, src, "t2t-bcast-10")])
    res.expect_nothing("t1")
    res.expect_drops({})


def test_unknown_unicast_floods_only_its_vlan_never_back_to_ingress(ctx):
    unknown, src_a, src_t = mac(6, 0xEE), mac(6, 0xA1), mac(6, 0x71)
    from_a = [frame(unknown, src_a, f"uu-10-{i}") for i in range(3)]
    from_t = [frame(unknown, src_t, "uu-20", tags=[Tag(20, pcp=4)])]
    res = ctx.run_switch([
        Port("a1", access(10), send=from_a),
        Port("a2", access(10)),
        Port("t", trunk("10,20"), send=from_t),
        Port("tn", trunk("20", native=10)),
        Port("b", access(20)),
        Port("t20", trunk("20")),
        Port("u", UNTAGGED),
    ])
    res.expect_out("a2", from_a)
    res.expect_out("t", [frame(unknown, src_a, f"uu-10-{i}", tags=[Tag(10)])
                         for i in range(3)])
    res.expect_out("tn", from_a + from_t, ordered=False)
    res.expect_out("b", [frame(unknown, src_t, "uu-20")])
    res.expect_out("t20", from_t)
    res.expect_nothing("a1", "u")
    res.expect_drops({})


def test_broadcast_and_multicast_flood_every_port_carrying_the_vlan(ctx):
    src = mac(7, 0x71)
    sent = [frame(BCAST, src, "bc-10", tags=[Tag(10, pcp=2)]),
            frame(MCAST, src, "mc-10", tags=[Tag(10)], size=300),
            frame(BCAST, src, "bc-0")]
    res = ctx.run_switch([
        Port("t1", trunk("10,20"), send=sent),
        Port("a", access(10)),
        Port("t2", trunk("20", native=10)),
        Port("t3", trunk("5-15")),
        Port("b", access(20)),
        Port("u", UNTAGGED),
    ])
    popped = [frame(BCAST, src, "bc-10"), frame(MCAST, src, "mc-10", size=300)]
    res.expect_out("a", popped)
    res.expect_out("t2", popped)
    res.expect_out("t3", sent)  # VLAN 10 tagged as it came, VLAN 0 untagged
    res.expect_out("u", [frame(BCAST, src, "bc-0")])
    res.expect_nothing("t1", "b")
    res.expect_drops({})


def test_tagged_frame_on_access_port_is_dropped(ctx):
    src = mac(8, 0xA1)
    res = ctx.run_switch([
        Port("a", access(10), send=[
            frame(BCAST, src, "acc-tag-10", tags=[Tag(10)]),
            frame(BCAST, src, "acc-tag-20", tags=[Tag(20)]),
            frame(BCAST, src, "acc-tag-ad-10", tags=[Tag(10, tpid=TPID_8021AD)]),
            frame(BCAST, src, "acc-control")]),
        Port("a2", access(10)),
        Port("t", trunk("10,20")),
    ])
    res.expect_out("a2", [frame(BCAST, src, "acc-control")])
    res.expect_out("t", [frame(BCAST, src, "acc-control", tags=[Tag(10)])])
    res.expect_nothing("a")
    res.expect_drops({"a": {VLAN_FILTER: 3}})


def test_tagged_frame_on_untagged_port_is_dropped(ctx):
    src, mu2 = mac(9, 0x01), mac(9, 0x02)
    res = ctx.run_switch([
        Port("u", UNTAGGED, send=[
            frame(BCAST, src, "unt-tag-10", tags=[Tag(10)]),
            frame(mu2, src, "unt-tag-ad-1", tags=[Tag(1, tpid=TPID_8021AD)]),
            frame(BCAST, src, "unt-control")]),
        Port("u2", UNTAGGED, macs=[mu2]),
        Port("t", trunk("1,10")),
    ])
    res.expect_out("u2", [frame(BCAST, src, "unt-control")])
    res.expect_out("t", [frame(BCAST, src, "unt-control")])  # native 0
    res.expect_nothing("u")
    res.expect_drops({"u": {VLAN_FILTER: 2}})


def test_vlan_not_in_allowed_list_is_dropped_and_counted(ctx):
    src, m30 = mac(10, 0x71), mac(10, 0x30)
    res = ctx.run_switch([
        Port("t", trunk("10,20"), send=[
            frame(BCAST, src, "na-30", tags=[Tag(30)]),
            frame(m30, src, "na-30-uni", tags=[Tag(30)]),
            frame(BCAST, src, "na-21", tags=[Tag(21)]),
            frame(BCAST, src, "na-4095", tags=[Tag(4095)]),
            frame(BCAST, src, "na-control-20", tags=[Tag(20)])]),
        Port("t2", trunk("20,30"), macs=[m30]),
        Port("a30", access(30)),
        Port("b", access(20)),
    ])
    res.expect_out("t2", [frame(BCAST, src, "na-control-20", tags=[Tag(20)])])
    res.expect_out("b", [frame(BCAST, src, "na-control-20")])
    res.expect_nothing("t", "a30")
    res.expect_drops({"t": {VLAN_FILTER: 4}})


def test_priority_tagged_frame_is_treated_as_untagged(ctx):
    sa, su, st = mac(11, 0xA1), mac(11, 0x01), mac(11, 0x71)
    pa = frame(BCAST, sa, "prio-access", tags=[Tag(0, pcp=5)])
    pu = frame(BCAST, su, "prio-untagged", tags=[Tag(0, pcp=3)])
    pt = frame(BCAST, st, "prio-trunk-native", tags=[Tag(0, pcp=6)])
    res = ctx.run_switch([
        Port("a", access(10), send=[pa]),
        Port("u", UNTAGGED, send=[pu]),
        Port("tn", trunk("20", native=10), send=[pt]),
        Port("a2", access(10)),
        Port("u2", UNTAGGED),
        Port("t", trunk("10")),  # native 0
    ])
    untagged_pa = frame(BCAST, sa, "prio-access")
    untagged_pt = frame(BCAST, st, "prio-trunk-native")
    res.expect_out("a", [untagged_pt])
    res.expect_out("u", [])
    res.expect_out("tn", [untagged_pa])
    res.expect_out("a2", [untagged_pa, untagged_pt], ordered=False)
    res.expect_out("u2", [frame(BCAST, su, "prio-untagged")])
    # Where the frame leaves tagged, the VID is filled in and the PCP kept.
    res.expect_out("t", [frame(BCAST, sa, "prio-access", tags=[Tag(10, pcp=5)]),
                         frame(BCAST, su, "prio-untagged"),
                         frame(BCAST, st, "prio-trunk-native",
                               tags=[Tag(10, pcp=6)])], ordered=False)
    res.expect_drops({})


def test_qinq_switches_on_the_outer_tag_only(ctx):
    src, m200 = mac(12, 0x71), mac(12, 0x20)
    inner7, inner100, inner200 = Tag(7, pcp=4), Tag(100), Tag(200)
    q1 = frame(BCAST, src, "qinq-ad-100-in-7",
               tags=[Tag(100, pcp=1, tpid=TPID_8021AD), inner7])
    q2 = frame(BCAST, src, "qinq-q-100-in-200", tags=[Tag(100), inner200])
    q3 = frame(m200, src, "qinq-ad-200-in-100",
               tags=[Tag(200, tpid=TPID_8021AD), inner100])
    res = ctx.run_switch([
        Port("t1", trunk("100,200"), send=[q1, q2, q3]),
        Port("a100", access(100)),
        Port("a200", access(200), macs=[m200]),
        Port("t2", trunk("100,200")),
        Port("t3", trunk("200", native=100)),
        Port("u", UNTAGGED),
    ])
    outer_popped = [frame(BCAST, src, "qinq-ad-100-in-7", tags=[inner7]),
                    frame(BCAST, src, "qinq-q-100-in-200", tags=[inner200])]
    res.expect_out("a100", outer_popped)
    res.expect_out("t3", outer_popped)
    res.expect_out("a200", [frame(m200, src, "qinq-ad-200-in-100",
                                  tags=[inner100])])
    res.expect_out("t2", [q1, q2])  # both tags as they came, 802.1ad TPID too
    res.expect_nothing("t1", "u")
    res.expect_drops({})


def test_malformed_frames_are_counted_invalid_and_not_forwarded(ctx):
    src = bytes.fromhex("02000000d071")
    ff = b"\xff" * 6
    bad_t = [
        ff + src[:4],                                   # 10 bytes
        ff + src + b"\x08",                             # 13 bytes
        ff + src + b"\x81\x00\x00\x0a",                 # 16 bytes, 0x8100
        ff + src + b"\x88\xa8\x00\x0a\x08",             # 17 bytes, 0x88a8
        frame(BCAST, "01:00:5e:00:00:01", "src-multicast"),
        frame(BCAST, BCAST, "src-broadcast"),
        frame(BCAST, "00:00:00:00:00:00", "src-zero"),
        frame(BCAST, "03:00:00:00:00:01", "src-multicast-tagged", tags=[Tag(10)]),
    ]
    min_untagged = ff + src + b"\x08\x00"               # 14 bytes: valid
    min_tagged = ff + src + b"\x81\x00\x00\x0a\x08\x00"  # 18 bytes: valid
    bad_a = [ff + src[:4],
             ff + src + b"\x81\x00\x00\x0a",
             frame(BCAST, "01:00:5e:00:00:01", "acc-src-multicast")]
    res = ctx.run_switch([
        Port("t", trunk("10"), send=bad_t + [min_untagged, min_tagged]),
        Port("a", access(10), send=bad_a),
        Port("u", UNTAGGED),
    ])
    res.expect_out("u", [min_untagged])
    res.expect_out("a", [min_untagged])  # min_tagged, tag popped
    res.expect_nothing("t")
    res.expect_drops({"t": {INVALID: len(bad_t)}, "a": {INVALID: len(bad_a)}})


def test_static_mac_unicast_goes_to_exactly_one_port(ctx):
    m2, mt, mb = mac(13, 0xA2), mac(13, 0x71), mac(13, 0xB0)
    s1, su, sb = mac(13, 0xA1), mac(13, 0x01), mac(13, 0xB1)
    res = ctx.run_switch([
        Port("a1", access(10), send=[
            frame(m2, s1, "to-a2-0"), frame(m2, s1, "to-a2-1", size=1000),
            frame(mt, s1, "to-t"),
            # b's MAC is static in VLAN 20 only: in VLAN 10 it is unknown.
            frame(mb, s1, "to-b-from-vlan-10")]),
        Port("a2", access(10), macs=[m2]),
        Port("a3", access(10)),
        # t's static MAC is in every VLAN t carries: 10, 20 and 0 (native).
        Port("t", trunk("10,20"), macs=[mt]),
        Port("b", access(20), macs=[mb], send=[frame(mt, sb, "b-to-t")]),
        Port("b2", access(20)),
        Port("u", UNTAGGED, send=[frame(mt, su, "u-to-t")]),
        Port("u2", UNTAGGED),
    ])
    res.expect_out("a2", [frame(m2, s1, "to-a2-0"),
                          frame(m2, s1, "to-a2-1", size=1000),
                          frame(mb, s1, "to-b-from-vlan-10")])
    res.expect_out("a3", [frame(mb, s1, "to-b-from-vlan-10")])
    res.expect_out("t", [frame(mt, s1, "to-t", tags=[Tag(10)]),
                         frame(mb, s1, "to-b-from-vlan-10", tags=[Tag(10)]),
                         frame(mt, sb, "b-to-t", tags=[Tag(20)]),
                         frame(mt, su, "u-to-t")], ordered=False)
    res.expect_nothing("a1", "b", "b2", "u", "u2")
    res.expect_drops({})


def test_unicast_to_a_static_mac_of_the_ingress_port_is_dropped(ctx):
    ma, src = mac(14, 0xA1), mac(14, 0xAF)
    res = ctx.run_switch([
        Port("a", access(10), macs=[ma], send=[
            frame(ma, src, "to-self-0"), frame(ma, src, "to-self-1"),
            frame(BCAST, src, "self-control")]),
        Port("a2", access(10)),
    ])
    res.expect_out("a2", [frame(BCAST, src, "self-control")])
    res.expect_nothing("a")
    res.expect_drops({"a": {SOURCE_NIC: 2}})


def test_counters_agree_with_pcaps(ctx):
    mt = mac(15, 0x71)
    sa, st, sb = mac(15, 0xA1), mac(15, 0x7F), mac(15, 0xB1)
    from_a, from_t, from_b = [], [], []
    a_bcast, a_uni, t10, t20, t0, b_bcast = [], [], [], [], [], []
    for i in range(200):  # many bursts, sizes 60-1514 bytes
        size = (i * 37) % 1460
        if i % 3:
            a_bcast.append((f"a-bc-{i}", size))
            from_a.append(frame(BCAST, sa, f"a-bc-{i}", size=size))
        else:
            a_uni.append((f"a-uni-{i}", size))
            from_a.append(frame(mt, sa, f"a-uni-{i}", size=size))
    for i in range(60):
        size = (i * 53) % 1400
        vid = (10, 20, 0)[i % 3]
        name = f"t-{vid}-{i}"
        (t10, t20, t0)[i % 3].append((name, size))
        from_t.append(frame(BCAST, st, name, size=size,
                            tags=[Tag(vid, pcp=i % 8)] if vid else []))
    from_t += [frame(BCAST, st, f"t-30-{i}", tags=[Tag(30)]) for i in range(5)]
    from_t += [b"\xff" * 6 + bytes.fromhex("02000000") for _ in range(3)]
    for i in range(25):
        b_bcast.append((f"b-bc-{i}", i * 40))
        from_b.append(frame(BCAST, sb, f"b-bc-{i}", size=i * 40))
    res = ctx.run_switch([
        Port("a", access(10), send=from_a),
        Port("a2", access(10)),
        Port("t", trunk("10,20"), macs=[mt], send=from_t, uplink=True),
        Port("b", access(20), send=from_b),
        Port("u", UNTAGGED),
    ], switch={"Name": "counters", "MacAgingSeconds": 600})

    def untagged(src, items):
        return [frame(BCAST, src, n, size=s) for n, s in items]

    res.expect_out("a", untagged(st, t10))
    res.expect_out("a2", untagged(sa, a_bcast) + untagged(st, t10), ordered=False)
    res.expect_out("t", [frame(BCAST, sa, n, size=s, tags=[Tag(10)]) for n, s in a_bcast]
                   + [frame(mt, sa, n, size=s, tags=[Tag(10)]) for n, s in a_uni]
                   + [frame(BCAST, sb, n, size=s, tags=[Tag(20)]) for n, s in b_bcast],
                   ordered=False)
    res.expect_out("b", untagged(st, t20))
    res.expect_out("u", untagged(st, t0))
    res.expect_drops({"t": {VLAN_FILTER: 5, INVALID: 3}})
    res.check_counters()
    check(res.stats.get("Switch") == "counters",
          f"stats: Switch = {res.stats.get('Switch')!r}, expected 'counters'")
    check(res.stats.get("MacTable", {}).get("AgingSeconds") == 600,
          f"stats: MacTable = {res.stats.get('MacTable')}, expected AgingSeconds 600")
    for name in ("a", "a2", "t", "b", "u"):
        check(res.port_stats[name].get("Uplink") is (name == "t"),
              f"stats: port {name} Uplink = {res.port_stats[name].get('Uplink')}")
    tx = sum(res.port_stats[p]["TxPackets"] for p in ("a", "a2", "t", "b", "u"))
    check(tx == len(res.out["a"]) + len(res.out["a2"]) + len(res.out["t"])
          + len(res.out["b"]) + len(res.out["u"]) and tx > 0,
          f"TxPackets total {tx} does not match the pcaps")


def test_port_with_empty_rx_pcap_is_fine(ctx):
    src = mac(16, 0xA1)
    sent = [frame(BCAST, src, f"to-idle-{i}") for i in range(2)]
    res = ctx.run_switch([
        Port("a", access(10), send=sent),
        Port("idle", access(10), send=[]),  # a zero-packet pcap
        Port("idle-trunk", trunk("10"), send=[]),
    ])
    res.expect_out("idle", sent)
    res.expect_out("idle-trunk", [frame(BCAST, src, f"to-idle-{i}", tags=[Tag(10)])
                                  for i in range(2)])
    res.expect_nothing("a")
    res.expect_drops({})
    for name in ("idle", "idle-trunk"):
        ps = res.port_stats[name]
        check(ps["RxPackets"] == 0 and ps["RxBytes"] == 0,
              f"port {name} read nothing but counts RxPackets={ps['RxPackets']} "
              f"RxBytes={ps['RxBytes']}")


def test_flood_of_many_frames_loses_nothing_and_keeps_order(ctx):
    # 1500 broadcasts, each copied to ports that need different tags: the
    # shared/copied mbufs of flood.c across many bursts.
    src = mac(17, 0x71)
    n = 1500
    sent = [frame(BCAST, src, f"many-{i}", size=i % 200, tags=[Tag(10, pcp=i % 8)])
            for i in range(n)]
    popped = [frame(BCAST, src, f"many-{i}", size=i % 200) for i in range(n)]
    res = ctx.run_switch([
        Port("t", trunk("10"), send=sent),
        Port("a1", access(10)),
        Port("t2", trunk("10")),
        Port("a2", access(10)),
        Port("tn", trunk("20", native=10)),
        Port("t3", trunk("5-15")),
    ])
    for name in ("a1", "a2", "tn"):
        res.expect_out(name, popped)
    for name in ("t2", "t3"):
        res.expect_out(name, sent)
    res.expect_nothing("t")
    res.expect_drops({})


def test_multi_segment_jumbo_frames_are_switched_intact(ctx):
    # Frames larger than one mbuf arrive as mbuf chains; tags are pushed,
    # popped and the chain copied for flooding without damage.
    src, mt = mac(18, 0xA1), mac(18, 0x71)
    sent_a = [frame(BCAST, src, "jumbo-a-bcast", size=3000),
              frame(mt, src, "jumbo-a-uni", size=9000)]
    sent_t = [frame(BCAST, src, "jumbo-t-bcast", size=5000, tags=[Tag(10, pcp=3)])]
    res = ctx.run_switch([
        Port("a", access(10), send=sent_a),
        Port("t", trunk("10"), macs=[mt], send=sent_t),
        Port("a2", access(10)),
        Port("t2", trunk("10")),
    ])
    res.expect_out("a", [frame(BCAST, src, "jumbo-t-bcast", size=5000)])
    res.expect_out("t", [frame(BCAST, src, "jumbo-a-bcast", size=3000, tags=[Tag(10)]),
                         frame(mt, src, "jumbo-a-uni", size=9000, tags=[Tag(10)])])
    res.expect_out("a2", sent_a[:1] + [frame(BCAST, src, "jumbo-t-bcast", size=5000)],
                   ordered=False)
    res.expect_out("t2", [frame(BCAST, src, "jumbo-a-bcast", size=3000, tags=[Tag(10)]),
                          sent_t[0]], ordered=False)
    res.expect_drops({})


def _jumbo_body(i, size):
    """IPv4/UDP whose every byte depends on the frame number i, so a segment
    of one chain overwritten by another frame's data is always seen."""
    data = bytes((i * 7 + j) & 0xFF for j in range(size))
    return bytes(IP(src="192.0.2.1", dst="192.0.2.2", id=i & 0xFFFF, ttl=64) /
                 UDP(sport=1024, dport=9) / Raw(data))


def test_flooded_multi_segment_frames_are_shared_whole_by_every_port(ctx):
    # A flood shares one mbuf chain among every port that sends it as
    # received: each segment must be held until the last port sent it, or
    # the first port's free hands the later segments back to the pool while
    # the others still send them (a double free that corrupts the pool).
    # Hundreds of jumbo broadcasts and unknown unicasts, some needing a
    # tagged copy, every byte checked on every port.
    src, unknown = mac(19, 0xA1), mac(19, 0xEE)
    n = 400
    sent, tagged = [], []
    for i in range(n):
        dst = BCAST if i % 3 else unknown
        size = 2100 + (i * 997) % 7000
        sent.append(frame(dst, src, "", body=_jumbo_body(i, size)))
        tagged.append(frame(dst, src, "", tags=[Tag(10)], body=_jumbo_body(i, size)))
    res = ctx.run_switch([
        Port("in", access(10), send=sent),
        Port("a1", access(10)),
        Port("a2", access(10)),
        Port("a3", access(10)),
        Port("t1", trunk("10")),
    ])
    for name in ("a1", "a2", "a3"):
        res.expect_out(name, sent)
    res.expect_out("t1", tagged)
    res.expect_nothing("in")
    res.expect_drops({})


def test_latency_counts_every_sent_packet_and_orders_its_percentiles(ctx):
    """--latency: every transmitted frame is one sample, and the figures
    are ordered (p50 <= p99 <= max), positive and small for a replay."""
    dst, src = mac(0x70, 0xB0), mac(0x70, 0xA0)
    sent = [frame(dst, src, f"lat-{i}") for i in range(50)]
    res = ctx.run_switch([Port("a", send=sent), Port("b", macs=[dst])],
                         extra_args=["--latency"])
    res.expect_out("b", sent)
    lat = res.stats.get("Latency")
    check(isinstance(lat, dict) and lat.get("Enabled") is True, f"stats Latency: {lat}")
    check(lat["Samples"] == len(sent), f"Latency.Samples {lat['Samples']}, "
          f"expected one per transmitted frame ({len(sent)})")
    check(0 < lat["P50Us"] <= lat["P99Us"] <= lat["MaxUs"] < 100000,
          f"Latency figures out of order or range: {lat}")


def test_latency_is_off_without_the_option(ctx):
    dst, src = mac(0x71, 0xB0), mac(0x71, 0xA0)
    res = ctx.run_switch([Port("a", send=[frame(dst, src, "x")]), Port("b", macs=[dst])])
    lat = res.stats.get("Latency")
    check(isinstance(lat, dict) and lat.get("Enabled") is False and lat.get("Samples") == 0,
          f"stats Latency without --latency: {lat}")
