#!/usr/bin/python3
"""Plumb latency through the REST API (issue 16's benchmark row, not a
timed test): N times, one namespace and one endpoint plumbed into it, as a
CNI plugin would do them -- POST /v2/namespaces (the network namespace is
made) then PATCH .../namespaces/{id} Add (veth with MAC, address, route,
MTU, up; the outer end hot-plugged as a switch port; the endpoint
attached) -- each pair timed from the client's first byte to the second
reply; then the namespace is deleted (its interface, port and network
namespace removed), also timed, before the next (the switch has 32 port
slots). Prints p50/p90/p99/max in ms.

    /usr/bin/python3 tests/bench/ns_plumb_api.py [--vswitchd build/vswitchd] [-n 100]
        [--port-kind af_packet|af_xdp] [--pool N] [--gap MS]

Root. Starts its own vswitchd (--no-huge -m 512 --no-pci -l 0,1, no ports)
on a unix socket in a temporary directory; stops it and removes every
namespace it made on exit, also on failure. Issue 16's target: under 20 ms
p99 for namespace + endpoint. --gap MS waits MS ms after each delete, as
pods arrive at a kubelet's pace rather than back to back (the pool refills
only while the API is quiet)."""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))
sys.dont_write_bytecode = True
from client import Api, hns_ok  # noqa: E402


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def row(what, v):
    return (f"{what:<34} p50 {pct(v, 50):6.2f} ms  p90 {pct(v, 90):6.2f} ms  "
            f"p99 {pct(v, 99):6.2f} ms  max {max(v):6.2f} ms  (n={len(v)})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vswitchd", default="build/vswitchd")
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--port-kind", default=None)
    ap.add_argument("--pool", type=int, default=0,
                    help="vswitchd --pod-port-pool N (spare pod ports)")
    ap.add_argument("--gap", type=float, default=0,
                    help="ms to wait after each delete before the next pod")
    a = ap.parse_args()
    w = tempfile.mkdtemp(prefix="hvs-plumbbench.")
    sock = os.path.join(w, "hns.sock")
    cfg = os.path.join(w, "cfg.json")
    with open(cfg, "w") as f:
        f.write('{"Switch": {"Name": "vSwitch"}, "Ports": []}')
    prefix = f"plumbbench{os.getpid()}"
    log = open(os.path.join(w, "vswitchd.log"), "w")
    d = subprocess.Popen([a.vswitchd, "--no-huge", "-m", "512", "--no-pci", "-l", "0,1",
                          f"--file-prefix={prefix}", "--log-level=error", "--",
                          "--config", cfg, "--api", f"unix:{sock}",
                          "--pod-port-pool", str(a.pool)],
                         stdout=log, stderr=subprocess.STDOUT)
    made = []
    try:
        end = time.time() + 60
        while not os.path.exists(sock):
            if d.poll() is not None or time.time() > end:
                raise SystemExit(f"vswitchd did not start: {open(log.name).read()[-400:]}")
            time.sleep(0.05)
        api = Api(unix_path=sock, timeout=30)
        net = hns_ok(api.post("/networks/", {"Name": "bench", "Type": "L2Bridge",
                                             "Subnets": [{"AddressPrefix": "10.77.0.0/16",
                                                          "GatewayAddress": "10.77.0.1"}]}),
                     "network")
        eps = [hns_ok(api.post("/endpoints/", {"Name": f"b{i}", "VirtualNetwork": net["ID"]}),
                      "endpoint")["ID"] for i in range(a.n)]
        body = {"SchemaVersion": {"Major": 2, "Minor": 0}}
        if a.port_kind:
            body["PortKind"] = a.port_kind
        plumb, remove, ns_part, add_part = [], [], [], []
        # the spares are made between requests: wait for the pool to fill
        end = time.time() + 60
        while a.pool and time.time() < end and sum(
                p["Name"].startswith("hv") for p in api.get("/ports").json()) < a.pool:
            time.sleep(0.05)
        # one at a time (the switch has 32 port slots): plumb, then delete
        for ep in eps:
            t0 = time.perf_counter()
            ns = hns_ok(api.post("/v2/namespaces", body), "POST /v2/namespaces")
            made.append(ns["ID"])
            t1 = time.perf_counter()
            hns_ok(api.request("PATCH", f"/v2/namespaces/{ns['ID']}", {
                "ResourceType": "Endpoint", "RequestType": "Add",
                "Settings": {"EndpointId": ep}}), "PATCH Add")
            t2 = time.perf_counter()
            plumb.append((t2 - t0) * 1000)
            ns_part.append((t1 - t0) * 1000)
            add_part.append((t2 - t1) * 1000)
            t0 = time.perf_counter()
            hns_ok(api.delete(f"/v2/namespaces/{ns['ID']}"), "DELETE namespace")
            remove.append((time.perf_counter() - t0) * 1000)
            if a.gap:
                time.sleep(a.gap / 1000.0)
        kind = ((a.port_kind or ("default (af_packet)" if a.pool else "default (tap)")) + (f", pool {a.pool}" if a.pool else "")
                + (f", {a.gap:g} ms apart" if a.gap else ""))
        print(row(f"namespace + endpoint plumb [{kind}]", plumb))
        print(row("  of which POST /v2/namespaces", ns_part))
        print(row("  of which PATCH Add (the plumb)", add_part))
        print(row("namespace delete (unplumb)", remove))
    except BaseException:
        log.flush()
        with open(log.name) as f:
            print("vswitchd log (tail):\n" + "".join(f.readlines()[-15:]), file=sys.stderr)
        raise
    finally:
        d.terminate()
        try:
            d.wait(20)
        except subprocess.TimeoutExpired:
            d.kill()
        for ns in made:
            if os.path.exists(f"/run/netns/{ns}"):
                subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
        shutil.rmtree(w, ignore_errors=True)


if __name__ == "__main__":
    main()
