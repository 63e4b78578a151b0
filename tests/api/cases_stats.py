"""REST API cases for the counters on the main daemon (run.py discovers
them): the /stats document, /metrics in Prometheus text format and the
DPDK telemetry commands /hvswitch/stats and /hvswitch/ports."""

import json
import socket

from common import DROP_REASONS, check

ORDER = 20


def test_stats_document_shape(s):
    r = s.need_main().get("/stats")
    check(r.status == 200, f"HTTP {r.status}: {r.text[:200]}")
    check(r.headers.get("Content-Type", "").startswith("application/json"),
          f"Content-Type {r.headers.get('Content-Type')}")
    doc = r.json()
    for key in ("Ports", "Drops", "Nat", "Workers"):
        check(key in doc, f"/stats has no {key}: {sorted(doc)}")
    check("Success" not in doc, "/stats is wrapped in an HNS envelope")
    names = [p.get("Name") for p in doc["Ports"]]
    check(names == ["p1", "p2"], f"ports {names}")
    for p in doc["Ports"]:
        for key in ("RxPackets", "TxPackets", "RxBytes", "TxBytes"):
            check(isinstance(p.get(key), int), f"port {p.get('Name')}: {key} = {p.get(key)!r}")
        check(isinstance(p.get("Drops"), dict), f"port {p['Name']}: Drops {p.get('Drops')!r}")
        for reason in DROP_REASONS:
            check(reason in p["Drops"], f"port {p['Name']}: no drop reason {reason!r}")
        dev = p.get("Device")
        check(isinstance(dev, dict), f"port {p['Name']}: Device {dev!r}")
        for key in ("RxMissed", "RxErrors", "RxNoMbuf", "TxErrors", "KernelRingDrops"):
            check(isinstance(dev.get(key), int) and dev[key] >= 0,
                  f"port {p['Name']}: Device.{key} = {dev.get(key)!r}")
    for reason in DROP_REASONS:
        check(isinstance(doc["Drops"].get(reason), int), f"top-level Drops lacks {reason!r}")
    check(isinstance(doc["Workers"], list) and len(doc["Workers"]) == 1,
          f"Workers {doc['Workers']!r}")


def test_metrics_are_prometheus_text(s):
    r = s.need_main().get("/metrics")
    check(r.status == 200, f"HTTP {r.status}")
    ctype = r.headers.get("Content-Type", "")
    check(ctype.startswith("text/plain") and "version=0.0.4" in ctype,
          f"Content-Type {ctype!r}")
    series = {}
    for line in r.text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, _, value = line.rpartition(" ")
        check(name and value.isdigit(), f"malformed sample line {line!r}")
        series[name] = int(value)
    for port in ("p1", "p2"):
        for m in ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes"):
            key = f'hvswitch_port_{m}_total{{port="{port}"}}'
            check(key in series, f"no series {key}")
        key = f'hvswitch_port_drops_total{{port="{port}",reason="Invalid packet"}}'
        check(key in series, f"no series {key}")
        for m in ("rx_missed", "rx_errors", "rx_nombuf", "tx_errors", "kernel_ring_drops"):
            key = f'hvswitch_port_device_{m}_total{{port="{port}"}}'
            check(key in series, f"no series {key}")
    check("hvswitch_mac_table_entries" in series, "no hvswitch_mac_table_entries")
    check("# TYPE hvswitch_port_rx_packets_total counter" in r.text, "no TYPE line")


def test_dpdk_telemetry_commands(s):
    s.need_main()
    path = f"/var/run/dpdk/{s.daemon.prefix}/dpdk_telemetry.v2"
    c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    c.settimeout(5)
    try:
        c.connect(path)
        json.loads(c.recv(16384))  # the greeting
        c.send(b"/hvswitch/stats")
        st = json.loads(c.recv(65536)).get("/hvswitch/stats")
        check(isinstance(st, dict) and st.get("Switch") == "apisw" and
              isinstance(st.get("RxPackets"), int) and "Drops_INVALID_PACKET" in st,
              f"/hvswitch/stats: {st!r}")
        c.send(b"/hvswitch/ports")
        ports = json.loads(c.recv(65536)).get("/hvswitch/ports")
        check(isinstance(ports, dict) and sorted(ports) == ["p1", "p2"] and
              isinstance(ports["p1"].get("RxPackets"), int), f"/hvswitch/ports: {ports!r}")
        c.send(b"/hvswitch/ports,p2")
        one = json.loads(c.recv(65536)).get("/hvswitch/ports")
        check(sorted(one) == ["p2"], f"/hvswitch/ports,p2: {one!r}")
    finally:
        c.close()
