#!/usr/bin/python3
"""The REST API's round trip: N GET /globals/version on one keep-alive
unix-socket connection with a raw socket client (http.client would add
about 130 us of its own), after a warm-up. Not a timed test: it prints
p50/p99 and one JSON line.

    sudo /usr/bin/python3 tests/bench/api_latency.py [--vswitchd build/vswitchd] [-n 3000]
"""

import argparse
import json
import os
import shutil
import socket
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))

from client import Daemon  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vswitchd", default=os.path.join(HERE, "..", "..", "build", "vswitchd"))
    ap.add_argument("-n", type=int, default=3000)
    a = ap.parse_args()
    w = tempfile.mkdtemp(prefix="hvs-apilat.")
    sock = os.path.join(w, "api.sock")
    cfg = {"Ports": [{"Name": "p1", "Devargs": "net_null0,no-rx=1"}]}
    d = Daemon(a.vswitchd, w, "apilat").start(cfg, ["--api", f"unix:{sock}"], wait_unix=sock)
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock)
        req = b"GET /globals/version HTTP/1.1\r\nHost: x\r\n\r\n"
        lat = []
        for i in range(a.n + 200):
            t = time.perf_counter()
            s.sendall(req)
            buf = b""
            while b"\r\n\r\n" not in buf or not buf.endswith(b"}"):
                chunk = s.recv(4096)
                if not chunk:
                    raise SystemExit("the daemon closed the connection")
                buf += chunk
            if i >= 200:
                lat.append(time.perf_counter() - t)
        lat.sort()
        p50, p99 = lat[len(lat) // 2] * 1e6, lat[int(len(lat) * 0.99)] * 1e6
        print(f"GET /globals/version x {a.n}: p50 {p50:.0f} us, p99 {p99:.0f} us")
        print("json " + json.dumps({"n": a.n, "p50_us": round(p50, 1), "p99_us": round(p99, 1)}))
    finally:
        d.stop()
        shutil.rmtree(w, ignore_errors=True)


if __name__ == "__main__":
    main()
