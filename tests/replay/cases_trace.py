"""Trace golden cases: vswitchd runs with --trace, then tshark reads the
pcapng file back (frame.interface_name, frame.packet_id, frame.comment)
and the hops of each packet are checked against what the switch did: one
Interface Description Block per port, received -> routed -> delivered on
the ports concerned with one packet id, a flood with one routed/delivered
pair per destination, an ACL drop with its reason, WinNAT events on the
packet that caused them, and the --trace-filter.
"""

import shutil
import subprocess

import cases_nat
from frames import BCAST, frame, mac
from harness import Port, check

SWITCH = "replay"  # the harness's switch name


def tshark_hops(path):
    """[(interface, packet id, comment)] in file order."""
    exe = shutil.which("tshark")
    check(exe is not None, "tshark is not installed (apt-get install tshark)")
    p = subprocess.run([exe, "-r", path, "-T", "fields", "-e", "frame.interface_name",
                        "-e", "frame.packet_id", "-e", "frame.comment",
                        "-E", "separator=|"], capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, f"tshark -r {path}: {p.stderr.strip()}")
    hops = []
    for line in p.stdout.splitlines():
        iface, pid, comment = (line.split("|", 2) + ["", ""])[:3]
        hops.append((iface, int(pid) if pid else 0, comment))
    return hops


def interface_names(path):
    """The if_name of every Interface Description Block (capinfos -I)."""
    exe = shutil.which("capinfos")
    check(exe is not None, "capinfos is not installed (apt-get install tshark)")
    p = subprocess.run([exe, "-I", path], capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, f"capinfos -I {path}: {p.stderr.strip()}")
    return [ln.split("=", 1)[1].strip() for ln in p.stdout.splitlines()
            if ln.strip().startswith("Name =")]


def by_packet(hops):
    pk = {}
    for iface, pid, comment in hops:
        pk.setdefault(pid, []).append((iface, comment))
    return pk


def received(port):
    return f"NBL received from Nic {port} in switch {SWITCH}"


def routed(a, b):
    return f"NBL routed from Nic {a} to Nic {b} on switch {SWITCH}"


def delivered(port):
    return f"NBL delivered to Nic {port} in switch {SWITCH}"


def dropped(port, reason):
    return f"NBL destined to Nic {port} was dropped in switch {SWITCH}, Reason {reason}"


def test_trace_unicast_flood_and_acl_drop_hops(ctx):
    a, b, c = mac(0x60, 1), mac(0x60, 2), mac(0x60, 3)
    uni = frame(b, a, "a-to-b")
    flood = frame(BCAST, a, "a-broadcast")
    denied = frame(a, c, "c-to-a-denied", ethertype=0x0800,
                   body=bytes.fromhex("4500001c000100004011f97cc0000263c000020a") + b"\0" * 8)
    trace = ctx.path("trace.pcapng")
    res = ctx.run_switch([Port("a", macs=[a], send=[uni, flood]),
                          Port("b", macs=[b]), Port("c", macs=[c], send=[denied])],
                         port_fields={"a": {"Acls": [{"Action": "Deny", "Direction": "Inbound",
                                                      "RemoteIPAddress": "192.0.2.99"}]}},
                         extra_args=["--trace", trace])
    res.expect_out("b", [uni, flood])
    res.expect_out("c", [flood])
    names = interface_names(trace)
    check(names == ["a", "b", "c"], f"trace interfaces {names}, expected one per port: a, b, c")
    hops = tshark_hops(trace)
    pk = by_packet(hops)
    check(len(pk) == 3, f"trace: {len(pk)} packets, expected 3: {hops}")
    ids = sorted(pk)
    check(0 not in pk, "a hop without a packet id")
    got = [pk[i] for i in ids]
    want_uni = [("a", received("a")), ("b", routed("a", "b")), ("b", delivered("b"))]
    want_flood = [("a", received("a")), ("b", routed("a", "b")), ("b", delivered("b")),
                  ("c", routed("a", "c")), ("c", delivered("c"))]
    want_drop = [("c", received("c")), ("a", dropped("a", "Failed Security Policy"))]
    for want in (want_uni, want_flood, want_drop):
        check(want in got, f"trace: no packet with hops {want}; got {got}")


def test_trace_nat_events_on_the_packet_that_made_them(ctx):
    out = cases_nat.eth(cases_nat.ROUTER_MAC, cases_nat.C1_MAC,
                        cases_nat.IP(src=cases_nat.C1_IP, dst="203.0.113.80", id=5) /
                        cases_nat.TCP(sport=49161, dport=443, flags="S", seq=1))
    trace = ctx.path("trace.pcapng")
    cases_nat.run_nat(ctx, up=[cases_nat.gw_arp_reply()], c1=[out],
                      extra_args=["--trace", trace])
    hops = tshark_hops(trace)
    pk = by_packet(hops)
    syn = [h for h in pk.values() if h[0] == ("c1", received("c1"))]
    check(len(syn) == 1, f"trace: {len(syn)} packets received on c1, expected the SYN: {hops}")
    comments = [c for _, c in syn[0]]
    b = ("TCP binding created. Internal transport addr: 172.18.0.2:49161 (CompartmentId 1), "
         "External transport addr 192.0.2.10:49161, SessionCount: 0, Configured: False")
    s = ("TCP session created. Internal source transport addr: 172.18.0.2:49161 "
         "(CompartmentId 1), Internal dest transport addr: 203.0.113.80:443, External "
         "source transport addr 192.0.2.10:49161, External dest transport addr "
         "203.0.113.80:443, Lifetime: 6 seconds, TcpState:Closed/NA")
    check(b in comments, f"no binding event on the SYN: {comments}")
    check(s in comments, f"no session event on the SYN: {comments}")
    check(any(c.startswith("TCP session state updated.") and "Internal SYN received" in c
              for c in comments), f"no state event on the SYN: {comments}")
    check(comments[-2:] == [routed("c1", "up"), delivered("up")],
          f"the SYN's last hops: {comments[-2:]}")


def test_trace_filter_keeps_only_matching_packets(ctx):
    a, b = mac(0x61, 1), mac(0x61, 2)
    udp = frame(b, a, "udp", ethertype=0x0800,
                body=bytes.fromhex("4500001c000100004011f97cc0000263c000020a") + b"\0" * 8)
    other = frame(b, a, "not-ip", ethertype=0x88B5)
    trace = ctx.path("trace.pcapng")
    res = ctx.run_switch([Port("a", macs=[a], send=[udp, other]), Port("b", macs=[b])],
                         extra_args=["--trace", trace, "--trace-filter", "udp"])
    res.expect_out("b", [udp, other])
    pk = by_packet(tshark_hops(trace))
    check(len(pk) == 1, f"trace with filter 'udp': {len(pk)} packets, expected 1")


def test_trace_bad_filter_is_a_usage_error(ctx):
    a = mac(0x62, 1)
    ctx.write("cfg.json", '{"Ports": [{"Name": "a", "Devargs": "net_null0"}]}')
    del a
    proc = ctx.run_vswitchd(["--config", ctx.path("cfg.json"), "--no-api",
                             "--trace", ctx.path("t.pcapng"), "--trace-filter", "udp port banana"])
    check(proc.rc == 2, f"exit {proc.rc}, expected 2")
    last = proc.stderr_lines()[-1] if proc.stderr_lines() else ""
    check("--trace" in last and "Filter" in last, f"message: {last!r}")
