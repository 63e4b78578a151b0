#!/usr/bin/python3
"""Endpoint creation latency through the REST API (SPEC 8: 10,000 endpoints,
p99 < 1 ms, flat with count). Not a test: prints a table.

    /usr/bin/python3 tools/bench-api.py [--vswitchd build/vswitchd] [--state]
    /usr/bin/python3 tools/bench-api.py --socket /run/vswitchd/hns.sock

Without --socket it starts its own vswitchd (two net_null ports, a private
unix socket; --state adds a SQLite store so every create is a committed
transaction, as in production). For each count (100, 1,000, 10,000) it
creates a NAT network with a /16, then that many endpoints one POST
/endpoints/ at a time over one keep-alive connection, timing each request
from send to the last byte of the reply; then deletes them and the network
(deletes are timed too). Latency includes the client (Python http.client)
and the daemon's control-loop period (~100 us).
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "api"))
sys.dont_write_bytecode = True

from client import Api, Daemon, hns_ok  # noqa: E402

COUNTS = (100, 1000, 10000)


def pct(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    i = min(len(sorted_vals) - 1, max(0, int(round(p / 100.0 * len(sorted_vals))) - 1))
    return sorted_vals[i]


def run_count(api, n, idx):
    net = hns_ok(api.post("/networks/", {
        "Name": f"bench-net-{idx}", "Type": "NAT",
        "Subnets": [{"AddressPrefix": f"10.{100 + idx}.0.0/16",
                     "GatewayAddress": f"10.{100 + idx}.0.1"}]}), "POST /networks/")
    create, ids = [], []
    for i in range(n):
        body = {"Name": f"bench-{idx}-{i}", "VirtualNetwork": net["ID"]}
        t = time.perf_counter()
        r = api.post("/endpoints/", body)
        create.append(time.perf_counter() - t)
        ids.append(hns_ok(r, "POST /endpoints/")["ID"])
    delete = []
    for eid in ids:
        t = time.perf_counter()
        r = api.delete(f"/endpoints/{eid}")
        delete.append(time.perf_counter() - t)
        hns_ok(r, "DELETE /endpoints/{id}")
    hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE /networks/{id}")
    return sorted(create), sorted(delete)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vswitchd", default="build/vswitchd")
    ap.add_argument("--socket", help="use a running daemon's unix socket")
    ap.add_argument("--state", action="store_true",
                    help="start the daemon with a --state store")
    ap.add_argument("--counts", default=",".join(map(str, COUNTS)),
                    help="comma-separated endpoint counts (default %(default)s)")
    args = ap.parse_args()
    counts = [int(c) for c in args.counts.split(",")]

    workdir = daemon = None
    sock = args.socket
    if sock is None:
        workdir = tempfile.mkdtemp(prefix="hvs-bench-api-")
        sock = os.path.join(workdir, "hns.sock")
        extra = ["--state", os.path.join(workdir, "state.db")] if args.state else []
        cfg = {"Ports": [{"Name": "p1", "Devargs": "net_null0"},
                         {"Name": "p2", "Devargs": "net_null1"}]}
        daemon = Daemon(os.path.abspath(args.vswitchd), workdir, "bench").start(
            cfg, ["--api", f"unix:{sock}"] + extra, wait_unix=sock)
    api = Api(unix_path=sock, timeout=30)
    rows = []
    try:
        for idx, n in enumerate(counts):
            create, delete = run_count(api, n, idx)
            rows.append((n, create, delete))
    finally:
        api.close()
        if daemon is not None:
            daemon.stop()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)

    us = lambda v: f"{v * 1e6:9.0f}"  # noqa: E731
    print(f"endpoint create over one keep-alive connection "
          f"({'state store' if args.state else 'state in memory'}"
          f"{', ' + args.socket if args.socket else ''}); microseconds")
    print(f"{'endpoints':>10} | {'create p50':>10} {'p99':>9} {'max':>9} | "
          f"{'delete p50':>10} {'p99':>9} {'max':>9} | {'creates/s':>9}")
    print("-" * 90)
    for n, create, delete in rows:
        rate = n / sum(create) if sum(create) else 0
        print(f"{n:>10} | {us(pct(create, 50)):>10} {us(pct(create, 99))} "
              f"{us(create[-1])} | {us(pct(delete, 50)):>10} {us(pct(delete, 99))} "
              f"{us(delete[-1])} | {rate:9.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
