#!/usr/bin/python3
"""REST API tests of vswitchd, against the real daemon.

    /usr/bin/python3 tests/api/run.py [--vswitchd build/vswitchd] [-k SUBSTRING] [--keep]

Starts vswitchd on two net_null ports with a unix socket listener (and a
TCP one, and a --state store) and checks the transport (socket mode,
keep-alive, 413 for bodies over 1 MiB, 404/405 with HNS-style bodies, TCP,
TLS with client certificates), the daemon's own routes (/stats, /metrics,
/ports), the HNS v1/v2 object model through HTTP (networks, endpoints,
attach to a switch port, endpoint stats, validation errors), persistence
across kill -9, the startup config's Networks/Endpoints, and port ACLs and
extended ACLs (cases_acl.py: CRUD, validation, hit counters and hot
updates under live traffic, HNS ACL policies on attach), and WinNAT
objects and port proxies (cases_nat.py: CRUD, validation, static
mappings, sessions/bindings, /stats "Nat", persistence across kill -9). Each case
prints "PASS name" or "FAIL name: why"; the last line is
"api: N passed, M failed"; exit code 1 on any failure. Needs root (EAL,
/var/run/dpdk) but no hugepages, NIC or network namespace.
"""

import argparse
import json
import os
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

from client import (Api, Daemon, free_tcp_port, hns_error, hns_ok,  # noqa: E402
                    run_once, sanitizer_reports)

DROP_REASONS = ("Invalid packet", "TX ring full", "Out of packet buffers")
PORTS_CONFIG = {"Switch": {"Name": "apisw"},
                "Ports": [{"Name": "p1", "Devargs": "net_null0"},
                          {"Name": "p2", "Devargs": "net_null1",
                           "Vlan": {"OperationMode": "Access", "AccessVlanId": 10}}]}
NAT_SUBNET = {"AddressPrefix": "172.31.0.0/24", "GatewayAddress": "172.31.0.1"}


def check(cond, why):
    if not cond:
        raise AssertionError(why)


class Suite:
    """What the cases share: the binary, a work directory, the main daemon
    (unix + TCP listeners, a state store) and its clients."""

    def __init__(self, vswitchd, workdir):
        self.vswitchd = vswitchd
        self.w = workdir
        self.sock = os.path.join(workdir, "hns.sock")
        self.state = os.path.join(workdir, "state.db")
        self.tcp_port = free_tcp_port()
        self.daemon = None
        self.api = None
        self.created = {}  # what the persistence case compares

    def path(self, name):
        return os.path.join(self.w, name)

    def main_args(self):
        return ["--api", f"unix:{self.sock}", "--api",
                f"tcp:127.0.0.1:{self.tcp_port}", "--state", self.state]

    def start_main(self):
        self.daemon = Daemon(self.vswitchd, self.w, "main").start(
            PORTS_CONFIG, self.main_args(), wait_unix=self.sock, wait_tcp=self.tcp_port)
        self.api = Api(unix_path=self.sock)

    def stop_main(self, kill=False):
        if self.api is not None:
            self.api.close()
            self.api = None
        if self.daemon is not None:
            rc = self.daemon.kill9() if kill else self.daemon.stop()
            self.daemon = None
            return rc
        return None

    def need_main(self):
        if self.daemon is None or self.daemon.proc is None or \
                self.daemon.proc.poll() is not None:
            raise AssertionError("the main vswitchd is not running "
                                 + (self.daemon.log_tail() if self.daemon else ""))
        return self.api


# ---------------------------------------------------------------- transport

def test_daemon_starts_with_unix_tcp_and_state(s):
    s.start_main()
    check(os.path.exists(s.sock), f"no socket at {s.sock}")


def test_unix_socket_is_mode_0600(s):
    s.need_main()
    st = os.stat(s.sock)
    check(stat.S_ISSOCK(st.st_mode), f"{s.sock} is not a socket")
    check(stat.S_IMODE(st.st_mode) == 0o600,
          f"socket mode {oct(stat.S_IMODE(st.st_mode))}, expected 0o600")


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
    check("hvswitch_mac_table_entries" in series, "no hvswitch_mac_table_entries")
    check("# TYPE hvswitch_port_rx_packets_total counter" in r.text, "no TYPE line")


def test_ports_list_and_one_port(s):
    api = s.need_main()
    r = api.get("/ports")
    check(r.status == 200, f"GET /ports: HTTP {r.status}")
    ports = r.json()
    check(isinstance(ports, list) and [p["Name"] for p in ports] == ["p1", "p2"],
          f"GET /ports: {r.text[:200]}")
    p2 = ports[1]
    check(p2.get("Vlan") == {"OperationMode": "Access", "AccessVlanId": 10},
          f"p2 Vlan {p2.get('Vlan')!r}")
    check(p2.get("Devargs") == "net_null1", f"p2 Devargs {p2.get('Devargs')!r}")
    for key in ("Uplink", "RxPackets", "TxPackets", "RxBytes", "TxBytes", "Drops"):
        check(key in p2, f"p2 has no {key}")
    r = api.get("/ports/p1")
    check(r.status == 200, f"GET /ports/p1: HTTP {r.status}")
    p1 = r.json()
    check(p1.get("Name") == "p1" and p1.get("Uplink") is False and
          p1.get("Vlan") == {"OperationMode": "Untagged"}, f"p1: {r.text[:200]}")


def test_unknown_port_is_404(s):
    err = hns_error(s.need_main().get("/ports/nope"), "GET /ports/nope", 404)
    check("nope" in err, f"Error does not name the port: {err!r}")


def test_keep_alive_serves_many_requests_on_one_connection(s):
    api = Api(unix_path=s.sock)
    try:
        for path in ("/stats", "/ports", "/metrics", "/ports/p1", "/nope", "/stats") * 3:
            r = api.get(path)
            check(r.status in (200, 404), f"GET {path}: HTTP {r.status}")
            check(r.headers.get("Connection", "").lower() != "close",
                  f"GET {path}: server closed the connection")
        check(api.conn.connects == 1, f"{api.conn.connects} connections for 18 requests")
    finally:
        api.close()


def raw_request(sock_path, head, body_chunks):
    """Sends a request by hand and returns (status, body) of the reply;
    the server may stop reading early (413), so send errors are ignored."""
    c = socket.socket(socket.AF_UNIX)
    c.settimeout(10)
    c.connect(sock_path)
    try:
        c.sendall(head)
        for chunk in body_chunks:
            c.sendall(chunk)
    except OSError:
        pass
    data = b""
    try:
        while True:
            part = c.recv(65536)
            if not part:
                break
            data += part
            if b"\r\n\r\n" in data:
                hdr, _, rest = data.partition(b"\r\n\r\n")
                length = [ln for ln in hdr.split(b"\r\n")
                          if ln.lower().startswith(b"content-length:")]
                if length and len(rest) >= int(length[0].split(b":")[1]):
                    break
    except OSError:
        pass
    c.close()
    check(data.startswith(b"HTTP/1.1 "), f"no HTTP reply: {data[:100]!r}")
    hdr, _, rest = data.partition(b"\r\n\r\n")
    return int(data[9:12]), rest


def test_body_over_1mib_is_refused_with_413(s):
    s.need_main()
    body = b"[" + b" " * (1536 * 1024) + b"]"
    head = (b"POST /networks/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    status, rest = raw_request(s.sock, head, [body])
    check(status == 413, f"Content-Length {len(body)}: HTTP {status}")
    doc = json.loads(rest)
    check(doc == {"Success": False, "Error": "request body larger than 1 MiB",
                  "Output": None}, f"413 body {rest[:200]!r}")
    # chunked: no Content-Length, refused once it crosses the limit
    head = (b"POST /networks/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    piece = b" " * 65536
    chunks = [b"%x\r\n%s\r\n" % (len(piece), piece)] * 24 + [b"0\r\n\r\n"]
    status, _ = raw_request(s.sock, head, chunks)
    check(status == 413, f"chunked 1.5 MiB: HTTP {status}")
    # the daemon still serves
    check(s.need_main().get("/stats").status == 200, "no /stats after the 413s")


def test_body_of_1mib_is_not_refused(s):
    body = b" " * (1024 * 1024 - 2) + b"{}"
    r = s.need_main().request("POST", "/networks/", body,
                              {"Content-Type": "application/json"})
    check(r.status != 413, "a body of exactly 1 MiB was refused")
    check(r.json().get("Success") in (True, False), f"not an HNS reply: {r.text[:200]}")


def test_unknown_path_is_404_hns_style(s):
    hns_error(s.need_main().get("/no/such/path"), "GET /no/such/path", 404)


def test_wrong_method_is_405(s):
    api = s.need_main()
    for method, path in (("POST", "/stats"), ("DELETE", "/metrics"),
                         ("PUT", "/ports"), ("PATCH", "/ports/p1")):
        err = hns_error(api.request(method, path, b"{}"), f"{method} {path}", 405)
        check(method in err, f"{method} {path}: Error does not name the method: {err!r}")


def test_port_hot_plug_and_unplug(s):
    api = s.need_main()
    r = api.post("/ports", {"Name": "p3", "Devargs": "net_null7",
                            "Vlan": {"OperationMode": "Trunk",
                                     "AllowedVlanIdList": "10,20,100-199",
                                     "NativeVlanId": 5}})
    check(r.status == 200, f"POST /ports: {r}")
    port = r.json()
    check(port.get("Name") == "p3" and port.get("Devargs") == "net_null7" and
          port.get("Vlan") == {"OperationMode": "Trunk", "AllowedVlanIdList": "10,20,100-199",
                               "NativeVlanId": 5}, f"POST /ports answered {port!r}")
    names = [p["Name"] for p in api.get("/stats").json()["Ports"]]
    check(names == ["p1", "p2", "p3"], f"/stats ports after the add: {names}")
    time.sleep(0.2)  # net_null delivers: the new port's RX queue is polled
    check(api.get("/ports/p3").json()["RxPackets"] > 0, "the new port is not polled")
    for body, status, needle in (({"Name": "p3", "Devargs": "net_null8"}, 409, "p3"),
                                 ({"Name": "p4", "Devargs": "net_null7"}, 409, "Devargs"),
                                 ({"Name": "p4", "Devargs": "net_null8", "Vlna": {}}, 400,
                                  "Vlna"),
                                 ({"Name": "bad name!", "Devargs": "net_null8"}, 400, "Name"),
                                 ({"Name": "p4", "Devargs": "net_nosuchdriver0"}, 400,
                                  "net_nosuchdriver0")):
        err = hns_error(api.post("/ports", body), f"POST /ports {body}", status)
        check(needle in err, f"POST /ports {body}: Error {err!r} lacks {needle!r}")
    r = api.delete("/ports/p3")
    check(r.status == 204, f"DELETE /ports/p3: {r}")
    hns_error(api.get("/ports/p3"), "GET of a removed port", 404)
    hns_error(api.delete("/ports/p3"), "DELETE of a removed port", 404)
    names = [p["Name"] for p in api.get("/stats").json()["Ports"]]
    check(names == ["p1", "p2"], f"/stats ports after the removal: {names}")
    # the device can be plugged again
    r = api.post("/ports", {"Name": "p3", "Devargs": "net_null7"})
    check(r.status == 200, f"POST /ports again: {r}")
    check(api.delete("/ports/p3").status == 204, "second DELETE /ports/p3")


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


def test_tcp_listener_serves_the_same_api(s):
    s.need_main()
    api = Api(host="127.0.0.1", port=s.tcp_port)
    try:
        r = api.get("/ports/p2")
        check(r.status == 200 and r.json().get("Name") == "p2", f"GET /ports/p2 over TCP: {r}")
        check(api.get("/stats").status == 200, "GET /stats over TCP")
    finally:
        api.close()


def test_second_daemon_on_the_same_socket_exits_2(s):
    s.need_main()
    rc, err = run_once(s.vswitchd, s.w, "dup", PORTS_CONFIG,
                       ["--api", f"unix:{s.sock}"])
    lines = [ln for ln in err.splitlines() if ln.strip()]
    check(rc == 2, f"exit code {rc}, expected 2: {err.strip()[-200:]}")
    check(len(lines) == 1 and s.sock in lines[0] and "another" in lines[0],
          f"stderr: {lines!r}")
    check(os.path.exists(s.sock) and s.need_main().get("/stats").status == 200,
          "the first daemon lost its socket")


def test_bad_api_options_exit_2_naming_them(s):
    cases = [(["--api", "tcp:127.0.0.1"], "tcp:127.0.0.1"),
             (["--api", "tcp:localhost:70000"], "70000"),
             (["--api", "http://x"], "http://x"),
             (["--api", "unix:"], "unix:"),
             (["--no-api", "--api", f"unix:{s.path('x.sock')}"], "--no-api"),
             (["--api", "tcp:127.0.0.1:1", "--api-tls-cert", "c.pem"], "--api-tls"),
             (["--api"], "--api")]
    for args, needle in cases:
        rc, err = run_once(s.vswitchd, s.w, "badopt", PORTS_CONFIG, args)
        lines = [ln for ln in err.splitlines() if ln.strip()]
        check(rc == 2, f"{args}: exit code {rc}")
        check(len(lines) == 1 and lines[0].startswith("vswitchd: ") and needle in lines[0],
              f"{args}: stderr {lines!r}")


# ---------------------------------------------------------------- HNS v1/v2

def make_network(api, name, prefix=None, gateway=None, ntype="NAT"):
    subnet = dict(NAT_SUBNET)
    if prefix:
        subnet = {"AddressPrefix": prefix, "GatewayAddress": gateway}
    out = hns_ok(api.post("/networks/", {"Name": name, "Type": ntype,
                                         "Subnets": [subnet]}),
                 f"POST /networks/ {name}")
    check(isinstance(out, dict) and isinstance(out.get("ID"), str) and out["ID"],
          f"network {name}: no ID in {out!r}")
    check(out.get("Name") == name, f"network Name {out.get('Name')!r}")
    return out


def ids_of(output):
    check(isinstance(output, list), f"list Output is {type(output).__name__}")
    return [o.get("ID", "").upper() for o in output]


def test_network_create_list_get_delete(s):
    api = s.need_main()
    net = make_network(api, "net-crud")
    nid = net["ID"]
    check(net.get("Type") == "NAT", f"Type {net.get('Type')!r}")
    listed = hns_ok(api.get("/networks/"), "GET /networks/")
    check(nid.upper() in ids_of(listed), f"{nid} not in GET /networks/")
    got = hns_ok(api.get(f"/networks/{nid}"), "GET /networks/{id}")
    check(got.get("ID", "").upper() == nid.upper() and got.get("Name") == "net-crud",
          f"GET /networks/{nid}: {got!r}")
    subnets = got.get("Subnets") or []
    check(subnets and subnets[0].get("AddressPrefix") == NAT_SUBNET["AddressPrefix"],
          f"Subnets {subnets!r}")
    hns_ok(api.delete(f"/networks/{nid}"), "DELETE /networks/{id}")
    hns_error(api.get(f"/networks/{nid}"), "GET of a deleted network", 404)
    check(nid.upper() not in ids_of(hns_ok(api.get("/networks/"), "GET /networks/")),
          "deleted network still listed")


def test_endpoint_create_attach_stats_detach_delete(s):
    api = s.need_main()
    net = make_network(api, "net-ep", "172.30.1.0/24", "172.30.1.1")
    ep = hns_ok(api.post("/endpoints/", {"Name": "ep-one", "VirtualNetwork": net["ID"]}),
                "POST /endpoints/")
    eid = ep.get("ID")
    check(eid, f"endpoint without ID: {ep!r}")
    check(str(ep.get("IPAddress", "")).startswith("172.30.1."),
          f"IPAM gave IPAddress {ep.get('IPAddress')!r}")
    check(ep.get("MacAddress"), f"no MacAddress: {ep!r}")
    check(eid.upper() in ids_of(hns_ok(api.get("/endpoints/"), "GET /endpoints/")),
          "endpoint not listed")
    got = hns_ok(api.get(f"/endpoints/{eid}"), "GET /endpoints/{id}")
    check(got.get("IPAddress") == ep.get("IPAddress"), f"GET endpoint: {got!r}")

    hns_ok(api.post(f"/endpoints/{eid}/attach", {"VirtualNicName": "p1"}),
           "POST /endpoints/{id}/attach")
    port = api.get("/ports/p1").json()
    check(str(port.get("Endpoint", "")).upper() == eid.upper(),
          f"/ports/p1 does not record the endpoint: {port.get('Endpoint')!r}")
    before = port["RxPackets"]
    stats = hns_ok(api.get(f"/endpointstats/{eid}"), "GET /endpointstats/{id}")
    after = api.get("/ports/p1").json()["RxPackets"]
    for key in ("BytesReceived", "BytesSent", "PacketsReceived", "PacketsSent",
                "DroppedPacketsIncoming", "DroppedPacketsOutgoing"):
        check(isinstance(stats.get(key), int), f"endpointstats {key} = {stats.get(key)!r}")
    # PacketsSent (by the endpoint) is what its switch port received
    check(before <= stats["PacketsSent"] <= after,
          f"PacketsSent {stats['PacketsSent']} not within port RxPackets "
          f"{before}..{after}")

    hns_ok(api.post(f"/endpoints/{eid}/detach", {}), "POST /endpoints/{id}/detach")
    check("Endpoint" not in api.get("/ports/p1").json(), "/ports/p1 still shows the endpoint")
    hns_ok(api.delete(f"/endpoints/{eid}"), "DELETE /endpoints/{id}")
    hns_error(api.get(f"/endpoints/{eid}"), "GET of a deleted endpoint", 404)
    hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE the network")


def test_attach_with_devargs_hot_plugs_the_port(s):
    api = s.need_main()
    net = make_network(api, "net-hotplug", "172.30.8.0/24", "172.30.8.1")
    ep = hns_ok(api.post("/endpoints/", {"Name": "ep-hotplug",
                                         "VirtualNetwork": net["ID"]}), "POST /endpoints/")
    hns_ok(api.post(f"/endpoints/{ep['ID']}/attach",
                    {"VirtualNicName": "c9", "Devargs": "net_null9"}),
           "attach with Devargs")
    r = api.get("/ports/c9")
    check(r.status == 200, f"GET /ports/c9 after attach with Devargs: {r}")
    port = r.json()
    check(port.get("Devargs") == "net_null9" and
          str(port.get("Endpoint", "")).upper() == ep["ID"].upper(), f"/ports/c9: {port!r}")
    err = hns_error(api.delete("/ports/c9"), "DELETE a port with an endpoint", 409)
    check(ep["ID"].upper() in err.upper(), f"Error does not name the endpoint: {err!r}")
    hns_ok(api.post(f"/endpoints/{ep['ID']}/detach", {}), "detach")
    check(api.delete("/ports/c9").status == 204, "DELETE /ports/c9 after detach")
    hns_ok(api.delete(f"/endpoints/{ep['ID']}"), "DELETE endpoint")
    hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE network")


def test_attach_to_an_unknown_port_is_rejected(s):
    api = s.need_main()
    net = make_network(api, "net-badport", "172.30.2.0/24", "172.30.2.1")
    ep = hns_ok(api.post("/endpoints/", {"Name": "ep-badport",
                                         "VirtualNetwork": net["ID"]}), "POST /endpoints/")
    r = api.post(f"/endpoints/{ep['ID']}/attach", {"VirtualNicName": "no-such-port"})
    check(400 <= r.status < 500, f"attach to an unknown port: HTTP {r.status}")
    err = hns_error(r, "attach to an unknown port", r.status)
    check("no-such-port" in err, f"Error does not name the port: {err!r}")
    hns_ok(api.delete(f"/endpoints/{ep['ID']}"), "DELETE endpoint")
    hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE network")


def test_unknown_field_is_named_in_the_error(s):
    r = s.need_main().post("/networks/", {"Nmae": "typo", "Type": "NAT"})
    err = hns_error(r, "POST /networks/ with Nmae", 400)
    check("Nmae" in err, f"Error does not name the field: {err!r}")


def test_bad_prefix_is_rejected_naming_the_field(s):
    r = s.need_main().post("/networks/", {"Name": "bad-prefix", "Type": "NAT",
                                          "Subnets": [{"AddressPrefix": "10.0.0.0/33"}]})
    err = hns_error(r, "AddressPrefix /33", 400)
    check("AddressPrefix" in err, f"Error does not name AddressPrefix: {err!r}")


def test_malformed_json_is_400(s):
    r = s.need_main().request("POST", "/networks/", b'{"Name": ',
                              {"Content-Type": "application/json"})
    hns_error(r, "truncated JSON", 400)


def test_duplicate_network_name_is_409(s):
    api = s.need_main()
    net = make_network(api, "net-dup", "172.30.3.0/24", "172.30.3.1")
    r = api.post("/networks/", {"Name": "net-dup", "Type": "NAT",
                                "Subnets": [{"AddressPrefix": "172.30.4.0/24",
                                             "GatewayAddress": "172.30.4.1"}]})
    err = hns_error(r, "duplicate network name", 409)
    check("net-dup" in err or "Name" in err, f"Error: {err!r}")
    hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE network")


def test_unknown_id_is_404(s):
    api = s.need_main()
    ghost = "0badc0de-0000-4000-8000-000000000000"
    for method, path in (("GET", f"/networks/{ghost}"), ("DELETE", f"/networks/{ghost}"),
                         ("GET", f"/endpoints/{ghost}"),
                         ("POST", f"/endpoints/{ghost}/attach"),
                         ("GET", f"/endpointstats/{ghost}")):
        hns_error(api.request(method, path, b"{}" if method == "POST" else None),
                  f"{method} {path}", 404)


def test_deleting_a_network_with_endpoints_is_409(s):
    api = s.need_main()
    net = make_network(api, "net-busy", "172.30.5.0/24", "172.30.5.1")
    ep = hns_ok(api.post("/endpoints/", {"Name": "ep-busy", "VirtualNetwork": net["ID"]}),
                "POST /endpoints/")
    hns_error(api.delete(f"/networks/{net['ID']}"), "DELETE a network with endpoints", 409)
    hns_ok(api.get(f"/networks/{net['ID']}"), "the network is still there")
    hns_ok(api.delete(f"/endpoints/{ep['ID']}"), "DELETE endpoint")
    hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE network")


def test_v1_network_is_visible_through_v2(s):
    api = s.need_main()
    net = make_network(api, "net-v1v2", "172.30.6.0/24", "172.30.6.1")
    r = api.get(f"/v2/networks/{net['ID']}")
    check(r.status == 200, f"GET /v2/networks/{{id}}: HTTP {r.status}: {r.text[:200]}")
    doc = r.json()
    body = doc.get("Output", doc) if isinstance(doc, dict) else doc
    text = json.dumps(body)
    check(net["ID"].upper() in text.upper(), f"v2 view lacks the ID: {text[:300]}")
    check("net-v1v2" in text, f"v2 view lacks the Name: {text[:300]}")
    check("172.30.6.0/24" in text, f"v2 view lacks the subnet: {text[:300]}")
    hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE network")


# ---------------------------------------------------------------- persistence

def snapshot(api, net_ids, ep_ids):
    snap = {}
    for nid in net_ids:
        snap[nid] = hns_ok(api.get(f"/networks/{nid}"), f"GET network {nid}")
    for eid in ep_ids:
        snap[eid] = hns_ok(api.get(f"/endpoints/{eid}"), f"GET endpoint {eid}")
    snap["port p1"] = api.get("/ports/p1").json().get("Endpoint")
    return snap


def diff(a, b):
    out = []
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            out.append(f"{key}: {json.dumps(a.get(key))[:160]} -> "
                       f"{json.dumps(b.get(key))[:160]}")
    return "; ".join(out)


# POST/GET/DELETE /trace on the main daemon (tests/api/cases_trace.py),
# while it runs (the cases below restart and stop it).
from cases_trace import *  # noqa: E402,F401,F403


def test_objects_survive_kill_9(s):
    api = s.need_main()
    net = make_network(api, "net-persist", "172.30.7.0/24", "172.30.7.1")
    eps = [hns_ok(api.post("/endpoints/", {"Name": f"ep-persist-{i}",
                                           "VirtualNetwork": net["ID"]}),
                  "POST /endpoints/") for i in range(3)]
    hns_ok(api.post(f"/endpoints/{eps[0]['ID']}/attach", {"VirtualNicName": "p1"}),
           "attach")
    # hot-plugged by the attach: the restart must plug it again
    hns_ok(api.post(f"/endpoints/{eps[1]['ID']}/attach",
                    {"VirtualNicName": "c8", "Devargs": "net_null8"}), "attach with Devargs")
    ep_ids = [e["ID"] for e in eps]
    before = snapshot(api, [net["ID"]], ep_ids)
    check(before["port p1"], "attach did not reach the port")
    before["port c8"] = api.get("/ports/c8").json().get("Endpoint")
    check(before["port c8"], "attach with Devargs did not reach the new port")
    s.stop_main(kill=True)
    s.start_main()
    after = snapshot(s.api, [net["ID"]], ep_ids)
    r = s.api.get("/ports/c8")
    after["port c8"] = r.json().get("Endpoint") if r.status == 200 else f"HTTP {r.status}"
    d = diff(before, after)
    check(not d, f"changed across kill -9 and restart: {d}")
    # the restored IPAM does not hand out a restored address again
    ep = hns_ok(s.api.post("/endpoints/", {"Name": "ep-persist-new",
                                           "VirtualNetwork": net["ID"]}), "POST /endpoints/")
    taken = {e.get("IPAddress") for e in after.values() if isinstance(e, dict)}
    check(ep.get("IPAddress") not in taken, f"IP {ep.get('IPAddress')} handed out twice")
    macs = {e.get("MacAddress") for e in after.values() if isinstance(e, dict)}
    check(ep.get("MacAddress") not in macs, f"MAC {ep.get('MacAddress')} handed out twice")


def test_sigterm_exits_0_and_removes_the_socket(s):
    s.need_main()
    rc = s.stop_main()
    check(rc == 0, f"exit code {rc} on SIGTERM")
    check(not os.path.exists(s.sock), "the socket file is still there")


# ---------------------------------------------------------------- startup config

STARTUP = dict(PORTS_CONFIG,
               Networks=[{"Name": "cfg-net", "Type": "NAT",
                          "Subnets": [{"AddressPrefix": "172.29.0.0/24",
                                       "GatewayAddress": "172.29.0.1"}]}],
               Endpoints=[{"Name": "cfg-ep", "VirtualNetworkName": "cfg-net",
                           "IPAddress": "172.29.0.10"}])


def test_startup_config_networks_and_endpoints_are_applied(s):
    sock = s.path("cfg.sock")
    d = Daemon(s.vswitchd, s.w, "startup").start(STARTUP, ["--api", f"unix:{sock}"],
                                                  wait_unix=sock)
    api = Api(unix_path=sock)
    try:
        nets = hns_ok(api.get("/networks/"), "GET /networks/")
        net = [n for n in nets if n.get("Name") == "cfg-net"]
        check(len(net) == 1, f"cfg-net not listed once: {[n.get('Name') for n in nets]}")
        eps = hns_ok(api.get("/endpoints/"), "GET /endpoints/")
        ep = [e for e in eps if e.get("Name") == "cfg-ep"]
        check(len(ep) == 1, f"cfg-ep not listed once: {[e.get('Name') for e in eps]}")
        check(ep[0].get("IPAddress") == "172.29.0.10", f"cfg-ep IP {ep[0].get('IPAddress')!r}")
        check(str(ep[0].get("VirtualNetwork", "")).upper() == net[0]["ID"].upper(),
              f"cfg-ep VirtualNetwork {ep[0].get('VirtualNetwork')!r}")
    finally:
        api.close()
        rc = d.stop()
    check(rc == 0, f"exit code {rc} on SIGTERM")


def test_startup_config_with_state_restarts_without_duplicates(s):
    sock = s.path("cfgstate.sock")
    state = s.path("cfgstate.db")
    seen = []
    for run in range(2):
        d = Daemon(s.vswitchd, s.w, f"cfgstate{run}").start(
            STARTUP, ["--api", f"unix:{sock}", "--state", state], wait_unix=sock)
        api = Api(unix_path=sock)
        try:
            nets = [n for n in hns_ok(api.get("/networks/"), "GET /networks/")
                    if n.get("Name") == "cfg-net"]
            eps = [e for e in hns_ok(api.get("/endpoints/"), "GET /endpoints/")
                   if e.get("Name") == "cfg-ep"]
            check(len(nets) == 1 and len(eps) == 1,
                  f"run {run + 1}: {len(nets)} cfg-net, {len(eps)} cfg-ep")
            seen.append((nets[0]["ID"], eps[0]["ID"]))
        finally:
            api.close()
            d.stop()
    check(seen[0] == seen[1], f"IDs changed across the restart: {seen}")


def test_bad_startup_network_exits_2_naming_it(s):
    cfg = dict(PORTS_CONFIG, Networks=[{"Name": "ok", "Type": "NAT"},
                                       {"Name": "bad", "Type": "NAT",
                                        "Subnets": [{"AddressPrefix": "10.0.0.0/33"}]}])
    rc, err = run_once(s.vswitchd, s.w, "badnet", cfg,
                       ["--api", f"unix:{s.path('badnet.sock')}"], timeout=10)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    check(rc == 2, f"exit code {rc}: {lines[-1:]}")
    check(len(lines) == 1 and "Networks[1]" in lines[0], f"stderr {lines!r}")
    check(not os.path.exists(s.path("badnet.sock")), "the socket was left behind")


def with_port_endpoint(cfg, port, ref):
    """cfg with "Endpoint": ref on the named port."""
    cfg = json.loads(json.dumps(cfg))
    for p in cfg["Ports"]:
        if p["Name"] == port:
            p["Endpoint"] = ref
    return cfg


def test_port_endpoint_in_config_attaches_it_and_survives_restart(s):
    sock = s.path("cfgatt.sock")
    state = s.path("cfgatt.db")
    cfg = with_port_endpoint(STARTUP, "p2", "cfg-ep")
    for run in range(2):  # the second start finds it attached already
        d = Daemon(s.vswitchd, s.w, f"cfgatt{run}").start(
            cfg, ["--api", f"unix:{sock}", "--state", state], wait_unix=sock)
        api = Api(unix_path=sock)
        try:
            ep = [e for e in hns_ok(api.get("/endpoints/"), "GET /endpoints/")
                  if e.get("Name") == "cfg-ep"]
            check(len(ep) == 1, f"run {run + 1}: cfg-ep listed {len(ep)} times")
            check(ep[0].get("VirtualNicName") == "p2" and ep[0].get("State") == 2,
                  f"run {run + 1}: cfg-ep not attached to p2: "
                  f"{ep[0].get('VirtualNicName')!r} state {ep[0].get('State')!r}")
        finally:
            api.close()
            rc = d.stop()
        check(rc == 0, f"run {run + 1}: exit code {rc} on SIGTERM")


def test_port_endpoint_naming_no_endpoint_exits_2_and_applies_nothing(s):
    state = s.path("cfgbadatt.db")
    cfg = with_port_endpoint(STARTUP, "p2", "no-such-ep")
    rc, err = run_once(s.vswitchd, s.w, "cfgbadatt", cfg,
                       ["--api", f"unix:{s.path('cfgbadatt.sock')}", "--state", state],
                       timeout=10)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    check(rc == 2, f"exit code {rc}: {lines[-1:]}")
    check(len(lines) == 1 and "Ports[1].Endpoint" in lines[0] and "no-such-ep" in lines[0],
          f"stderr {lines!r}")
    # nothing half-applied: the config's network never reached the store
    d = Daemon(s.vswitchd, s.w, "cfgbadatt2").start(
        PORTS_CONFIG, ["--api", f"unix:{s.path('cfgbadatt.sock')}", "--state", state],
        wait_unix=s.path('cfgbadatt.sock'))
    api = Api(unix_path=s.path('cfgbadatt.sock'))
    try:
        nets = hns_ok(api.get("/networks/"), "GET /networks/")
        check(nets == [], f"networks were stored: {[n.get('Name') for n in nets]}")
    finally:
        api.close()
        d.stop()


# ---------------------------------------------------------------- TLS

def make_certs(d):
    """A CA, a server certificate for 127.0.0.1, a client certificate from
    the CA and a self-signed rogue one (EC keys: fast)."""
    def run(*args):
        subprocess.run(["openssl"] + list(args), cwd=d, check=True,
                       capture_output=True)
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=hvswitch test CA")
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    for name in ("server", "client"):
        run("req", *key, "-keyout", f"{name}.key", "-out", f"{name}.csr",
            "-subj", f"/CN={name}")
        extra = ["-extfile", "san.ext"] if name == "server" else []
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", *extra)
    run("req", "-x509", *key, "-keyout", "rogue.key", "-out", "rogue.pem",
        "-days", "2", "-subj", "/CN=rogue")


def tls_get(port, ca, cert=None, key=None):
    ctx = ssl.create_default_context(cafile=ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    api = Api(host="127.0.0.1", port=port, ssl_context=ctx, timeout=5)
    try:
        return api.get("/ports/p1")
    finally:
        api.close()


def test_tls_listener_requires_a_valid_client_certificate(s):
    if shutil.which("openssl") is None:
        raise AssertionError("openssl is not installed")
    d = s.path("tls")
    os.makedirs(d, exist_ok=True)
    make_certs(d)
    port = free_tcp_port()
    sock = s.path("tls.sock")
    f = lambda n: os.path.join(d, n)  # noqa: E731
    daemon = Daemon(s.vswitchd, s.w, "tls").start(
        PORTS_CONFIG, ["--api", f"unix:{sock}", "--api", f"tcp:127.0.0.1:{port}",
                       "--api-tls-cert", f("server.pem"), "--api-tls-key", f("server.key"),
                       "--api-tls-ca", f("ca.pem")], wait_unix=sock, wait_tcp=port)
    try:
        r = tls_get(port, f("ca.pem"), f("client.pem"), f("client.key"))
        check(r.status == 200 and r.json().get("Name") == "p1", f"with a client cert: {r}")
        for what, cert, key in (("no client certificate", None, None),
                                ("a self-signed client certificate",
                                 f("rogue.pem"), f("rogue.key"))):
            try:
                r = tls_get(port, f("ca.pem"), cert, key)
            except Exception:  # refused in the handshake or right after it
                continue
            raise AssertionError(f"{what}: served HTTP {r.status}")
        plain = Api(host="127.0.0.1", port=port, timeout=5)
        try:
            r = plain.get("/ports/p1")
        except Exception:
            r = None
        finally:
            plain.close()
        check(r is None, f"plain HTTP on the TLS port was served: {r}")
        # the unix socket stays plain
        api = Api(unix_path=sock)
        check(api.get("/ports/p1").status == 200, "unix socket next to TLS")
        api.close()
    finally:
        daemon.stop()


def test_unreadable_tls_key_exits_2_naming_the_listener(s):
    d = s.path("tls")
    if not os.path.exists(os.path.join(d, "ca.pem")):
        os.makedirs(d, exist_ok=True)
        make_certs(d)
    port = free_tcp_port()
    rc, err = run_once(s.vswitchd, s.w, "badtls", PORTS_CONFIG,
                       ["--api", f"tcp:127.0.0.1:{port}",
                        "--api-tls-cert", os.path.join(d, "server.pem"),
                        "--api-tls-key", os.path.join(d, "missing.key"),
                        "--api-tls-ca", os.path.join(d, "ca.pem")])
    lines = [ln for ln in err.splitlines() if ln.strip()]
    check(rc == 2, f"exit code {rc}")
    check(len(lines) == 1 and f"tcp:127.0.0.1:{port}" in lines[0] and
          "missing.key" in lines[0], f"stderr {lines!r}")


# ---------------------------------------------------------------- port ACLs

# /ports/{name}/acls and /extendedacls, on a daemon of their own with
# traffic (tests/api/cases_acl.py); they run here, in their order.
from cases_acl import *  # noqa: E402,F401,F403

# /nats, /nats/{name}/staticmappings|sessions|bindings and /portproxy, on
# a daemon of their own with a config NAT and --state (tests/api/cases_nat.py).
from cases_nat import *  # noqa: E402,F401,F403
from cases_http import *  # noqa: E402,F401,F403


# ---------------------------------------------------------------- last

def test_no_sanitizer_reports(s):
    """An AddressSanitizer build reports leaks and errors on exit: every
    daemon this suite stopped must have exited clean."""
    s.stop_main()
    bad = sanitizer_reports(s.w)
    check(not bad, f"sanitizer reports in {', '.join(bad)} (run with --keep to read them)")


# ---------------------------------------------------------------- runner

def collect(substring):
    tests = [(n, f) for n, f in globals().items()
             if n.startswith("test_") and callable(f)]
    if substring:
        tests = [(n, f) for n, f in tests
                 if substring in n or n == "test_daemon_starts_with_unix_tcp_and_state"]
    return tests


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--vswitchd", default="build/vswitchd")
    ap.add_argument("-k", dest="substring", help="only tests whose name contains this")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    vswitchd = os.path.abspath(args.vswitchd)
    if not os.access(vswitchd, os.X_OK):
        print(f"FAIL setup: {vswitchd} is not an executable")
        print("api: 0 passed, 1 failed")
        return 1
    workdir = tempfile.mkdtemp(prefix="hvs-api-")
    suite = Suite(vswitchd, workdir)
    passed = failed = 0
    t0 = time.monotonic()
    try:
        for name, fn in collect(args.substring):
            try:
                fn(suite)
                passed += 1
                print(f"PASS {name}", flush=True)
            except AssertionError as e:
                failed += 1
                print(f"FAIL {name}: {' '.join(str(e).split())}", flush=True)
            except Exception as e:  # a bug in the test, or a dropped connection
                failed += 1
                tb = traceback.extract_tb(e.__traceback__)[-1]
                print(f"FAIL {name}: {type(e).__name__}: {e} "
                      f"({os.path.basename(tb.filename)}:{tb.lineno})", flush=True)
    finally:
        suite.stop_main()
        if args.keep:
            print(f"work directory kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    sys.stdout.flush()
    print(f"api: {time.monotonic() - t0:.1f} s", file=sys.stderr, flush=True)
    print(f"api: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
