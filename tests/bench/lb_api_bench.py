#!/usr/bin/python3
"""kube-proxy's first sync through the API: N load balancers x B backends
created through POST /v2/loadbalancers, then the list (ListLoadBalancers,
and the v1 view GET /policylists/), then U updates (PUT, a backend
swapped, as an endpoint change does), on one keep-alive connection like
kube-proxy's sequential sync. Issue 17 targets: 10,000 LBs x 4 backends in
under 5 s in all, update p99 < 1 ms, the list well under 0.3 s. A list's
time is to the whole reply received; the client's json.loads of it (10 MB
for v2) is printed apart, as is the daemon's main-thread CPU for it.

    sudo /usr/bin/python3 tests/bench/lb_api_bench.py [--vswitchd build/vswitchd]
         [--lbs 10000] [--backends 4] [--endpoints 4000] [--updates 1000]
         [--client raw|http.client] [--no-state] [--keep]

Not a timed test: it prints the numbers (and one JSON line) and exits 0
unless a request fails. The backend endpoints (remote endpoints, as
kube-proxy makes for pods on other nodes) are made first and not counted.
The daemon runs with --state (every create is a SQLite transaction, as in
production) unless --no-state; one worker lcore, net_null ports.

The client is a raw HTTP/1.1 one on the socket by default (as
api_latency.py's): http.client costs about 130 us of Python per round trip,
a third of a create, where kube-proxy's compiled client costs a few; with
--client http.client the figures include it (the numbers before session 8
did). Both print the daemon's own CPU time per request, which no client
changes.
"""

import argparse
import ipaddress
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))

from client import Api, Daemon, Reply  # noqa: E402

SV2 = {"Major": 2, "Minor": 0}


def ok(r, what):
    if r.status != 200:
        raise SystemExit(f"{what}: HTTP {r.status}: {r.text[:300]}")
    return r.json()["Output"]


class RawApi:
    """HTTP/1.1 on one keep-alive unix-socket connection with nothing in
    between: the request as one send, the reply read up to its
    Content-Length (libmicrohttpd sends one for these replies)."""

    def __init__(self, path, timeout=60):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = bytearray()

    def _fill(self):
        chunk = self.s.recv(262144)
        if not chunk:
            raise SystemExit("the daemon closed the connection")
        self.buf += chunk

    def request(self, method, path, body=None):
        data = body.encode() if isinstance(body, str) else (body or b"")
        self.s.sendall(f"{method} {path} HTTP/1.1\r\nHost: hvswitch\r\n"
                       f"Content-Type: application/json\r\n"
                       f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            self._fill()
        head = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
        length = None
        for line in head[1:]:
            k, _, v = line.partition(":")
            if k.strip().lower() == "content-length":
                length = int(v)
        if length is None:
            raise SystemExit(f"a reply without Content-Length: {head!r}")
        while len(self.buf) < end + 4 + length:
            self._fill()
        reply = bytes(self.buf[end + 4:end + 4 + length])
        del self.buf[:end + 4 + length]
        return Reply(int(head[0].split()[1]), None, reply)

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, body):
        return self.request("POST", path, json.dumps(body))

    def close(self):
        self.s.close()


def main_thread_cpu_s(pid):
    """CPU time of vswitchd's main thread (the control loop that serves the
    API; the worker lcore spins anyway): schedstat's run time in ns. Less
    noisy than wall time on a shared host, where the client and other
    work take turns on the CPUs."""
    try:
        with open(f"/proc/{pid}/task/{pid}/schedstat") as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return float("nan")


def pct(sorted_us, p):
    return sorted_us[min(len(sorted_us) - 1, int(len(sorted_us) * p / 100))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vswitchd", default="build/vswitchd")
    ap.add_argument("--lbs", type=int, default=10000)
    ap.add_argument("--backends", type=int, default=4)
    ap.add_argument("--endpoints", type=int, default=4000)
    ap.add_argument("--updates", type=int, default=1000)
    ap.add_argument("--no-state", action="store_true")
    ap.add_argument("--clients", type=int, default=1,
                    help="connections creating in parallel (default 1: kube-proxy's "
                         "sequential sync)")
    ap.add_argument("--client", choices=("raw", "http.client"), default="raw",
                    help="the HTTP client (default raw: see above)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="lb-api-bench-")
    sock = os.path.join(work, "hns.sock")
    args = ["--api", f"unix:{sock}"]
    if not a.no_state:
        args += ["--state", os.path.join(work, "state.db")]
    cfg = {"Switch": {"Name": "lbbench"},
           "Ports": [{"Name": "up", "Devargs": "net_null0,no-rx=1", "Uplink": True,
                      "IPAddresses": ["192.0.2.10/24"], "DefaultGateway": "192.0.2.1"}]}
    d = Daemon(os.path.abspath(a.vswitchd), work, "lbbench").start(cfg, args, wait_unix=sock,
                                                                     mem_mb=1024)
    def connect():
        return RawApi(sock) if a.client == "raw" else Api(unix_path=sock, timeout=60)

    api = connect()
    try:
        net = ok(api.post("/networks/", {"Name": "kbench", "Type": "L2Bridge",
                                         "Subnets": [{"AddressPrefix": "10.128.0.0/12",
                                                      "GatewayAddress": "10.128.0.1"}]}),
                 "network")
        eps = []
        t_ep = time.perf_counter()
        for i in range(a.endpoints):
            ip = str(ipaddress.IPv4Address("10.129.0.1") + i)
            eps.append(ok(api.post("/v2/endpoints", {
                "HostComputeNetwork": net["ID"], "IpConfigurations": [{"IpAddress": ip}],
                "Dns": {}, "MacAddress": "02-11-00-00-00-01", "Flags": 1,
                "Health": {"Extra": {}}, "SchemaVersion": SV2}), "endpoint")["ID"])

        ep_s = time.perf_counter() - t_ep

        def body(i, shift=0):
            return {"HostComputeEndpoints": [eps[(i * a.backends + k + shift) % len(eps)]
                                             for k in range(a.backends)],
                    "SourceVIP": "10.128.0.2",
                    "FrontendVIPs": [str(ipaddress.IPv4Address("10.96.0.1") + i)],
                    "PortMappings": [{"Protocol": 6, "InternalPort": 8080, "ExternalPort": 80,
                                      "DistributionType": 0, "Flags": 0}],
                    "SchemaVersion": SV2, "Flags": 0}

        bodies = [json.dumps(body(i)) for i in range(a.lbs)]
        ids, lat = [None] * a.lbs, [0.0] * a.lbs

        def create(k, conn):
            for i in range(k, a.lbs, a.clients):
                t = time.perf_counter()
                out = ok(conn.request("POST", "/v2/loadbalancers", bodies[i]), "create")
                lat[i] = (time.perf_counter() - t) * 1e6
                ids[i] = out["ID"]

        conns = [api] + [connect() for _ in range(a.clients - 1)]
        threads = [threading.Thread(target=create, args=(k, conns[k]))
                   for k in range(a.clients)]
        pid = d.proc.pid
        cpu0 = main_thread_cpu_s(pid)
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        create_s = time.perf_counter() - t0
        create_cpu_s = main_thread_cpu_s(pid) - cpu0
        for c in conns[1:]:
            c.close()
        if None in ids:
            raise SystemExit("a create failed")
        lat.sort()

        def timed_list(path):
            """One whole-list GET: the reply received (wall), the daemon's
            main-thread CPU for it, then the client's JSON parse apart
            (Python's json.loads of 10 MB is slower than the daemon)."""
            c0 = main_thread_cpu_s(pid)
            t = time.perf_counter()
            r = api.get(path)
            got = time.perf_counter() - t
            cpu = main_thread_cpu_s(pid) - c0
            out = ok(r, path)
            if len(out) != a.lbs:
                raise SystemExit(f"{path} listed {len(out)}, made {a.lbs}")
            return got, time.perf_counter() - t - got, cpu, len(r.body)

        list_s, list_parse_s, list_cpu_s, list_bytes = timed_list("/v2/loadbalancers")
        v1_s, v1_parse_s, v1_cpu_s, v1_bytes = timed_list("/policylists/")
        ulat = []
        step = max(1, a.lbs // max(1, a.updates))
        cpu0 = main_thread_cpu_s(pid)
        for n, i in enumerate(range(0, a.lbs, step)):
            if n == a.updates:
                break
            b = json.dumps(body(i, shift=1))  # one backend out, one in
            t = time.perf_counter()
            ok(api.request("PUT", f"/v2/loadbalancers/{ids[i]}", b), "update")
            ulat.append((time.perf_counter() - t) * 1e6)
        update_cpu_s = main_thread_cpu_s(pid) - cpu0
        ulat.sort()
        res = {"lbs": a.lbs, "backends": a.backends, "state": not a.no_state,
               "clients": a.clients, "client": a.client,
               "create_total_s": round(create_s, 3),
               "create_per_s": round(a.lbs / create_s),
               "create_p50_us": round(pct(lat, 50), 1), "create_p99_us": round(pct(lat, 99), 1),
               "update_n": len(ulat), "update_p50_us": round(pct(ulat, 50), 1),
               "update_p99_us": round(pct(ulat, 99), 1), "list_s": round(list_s, 3),
               "list_server_cpu_s": round(list_cpu_s, 3), "list_parse_s": round(list_parse_s, 3),
               "list_bytes": list_bytes, "v1_list_s": round(v1_s, 3),
               "v1_list_server_cpu_s": round(v1_cpu_s, 3), "v1_list_bytes": v1_bytes,
               "server_cpu_per_create_us": round(create_cpu_s / a.lbs * 1e6, 1),
               "server_cpu_per_update_us": round(update_cpu_s / max(1, len(ulat)) * 1e6, 1),
               "load_avg_1m": os.getloadavg()[0]}
        print(f"{a.lbs} LBs x {a.backends} backends created in {create_s:.2f} s "
              f"by {a.clients} connection(s), {a.client} client "
              f"({res['create_per_s']}/s; p50 {res['create_p50_us']} us, "
              f"p99 {res['create_p99_us']} us per create, client round trip included)")
        print(f"{len(ulat)} updates (PUT): p50 {res['update_p50_us']} us, "
              f"p99 {res['update_p99_us']} us")
        print(f"GET /v2/loadbalancers with {a.lbs}: {list_s * 1000:.0f} ms to the whole reply "
              f"({list_bytes / 1e6:.1f} MB; vswitchd main thread CPU {list_cpu_s * 1000:.0f} ms; "
              f"the client's json.loads {list_parse_s * 1000:.0f} ms more)")
        print(f"GET /policylists/ with {a.lbs}: {v1_s * 1000:.0f} ms to the whole reply "
              f"({v1_bytes / 1e6:.1f} MB; vswitchd main thread CPU {v1_cpu_s * 1000:.0f} ms; "
              f"json.loads {v1_parse_s * 1000:.0f} ms more)")
        print(f"vswitchd main thread CPU: {res['server_cpu_per_create_us']} us per create, "
              f"{res['server_cpu_per_update_us']} us per update "
              f"(load average {res['load_avg_1m']:.2f})")
        print(f"(setup, not counted: {a.endpoints} remote endpoints in {ep_s:.2f} s, "
              f"{ep_s / max(1, a.endpoints) * 1e6:.0f} us each)")
        print("json " + json.dumps(res))
    finally:
        api.close()
        d.stop()
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work directory: {work}")


if __name__ == "__main__":
    main()
