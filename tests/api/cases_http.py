"""REST API cases for the HTTP edges (run.py imports them).

Against a daemon of their own (unix and TCP listeners, no state) started
with short timeouts through the environment (VSWITCHD_API_IDLE_TIMEOUT,
VSWITCHD_API_REQUEST_TIMEOUT) and the default connection cap
(API_MAX_CONNECTIONS, 256). Cases: a 2 MiB body is answered 413 (and the
connection closed) for Python's http.client on a keep-alive connection,
for curl (with and without "Expect: 100-continue") and for a raw socket
(Content-Length, chunked, a huge Content-Length answered at once); a long
URL is 414 and large headers 431, never a 5xx; past the cap a new
connection is answered 503 while every open one has been served; 1,020
slowloris sockets trickling headers a byte at a time do not delay a
normal client; a silent connection is closed after the idle timeout and a
request that never completes after the request timeout.

Every wait is for a condition with a generous bound (a loaded 2-CPU
machine), and the daemon is stopped by the last case, at exit otherwise.
"""

import atexit
import json
import os
import resource
import select
import socket
import subprocess
import time

from client import Api, Daemon, free_tcp_port, hns_error

IDLE_SEC = 10  # long enough for the cap case to hold 256 served connections
REQUEST_SEC = 12
MAX_CONNECTIONS = 256  # API_MAX_CONNECTIONS
TOO_LARGE = {"Success": False, "Error": "request body larger than 1 MiB", "Output": None}
BIG = 2 * 1024 * 1024
HTTP_CONFIG = {"Switch": {"Name": "httpsw"},
               "Ports": [{"Name": "p1", "Devargs": "net_null90,no-rx=1"}]}


def check(cond, why):
    if not cond:
        raise AssertionError(why)


class HttpDaemon:
    daemon = None
    sock = None
    port = None


def _stop():
    rc = None
    if HttpDaemon.daemon is not None:
        rc = HttpDaemon.daemon.stop()
        HttpDaemon.daemon = None
    return rc


atexit.register(_stop)


def http_daemon(s):
    """The daemon of these cases, started on first use."""
    d = HttpDaemon.daemon
    if d is not None and d.proc is not None and d.proc.poll() is None:
        return d
    if d is not None:
        raise AssertionError("the HTTP daemon died: " + d.log_tail())
    HttpDaemon.sock = s.path("http.sock")
    HttpDaemon.port = free_tcp_port()
    env = {"VSWITCHD_API_IDLE_TIMEOUT": str(IDLE_SEC),
           "VSWITCHD_API_REQUEST_TIMEOUT": str(REQUEST_SEC)}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        d = Daemon(s.vswitchd, s.w, "http")
        HttpDaemon.daemon = d
        d.start(HTTP_CONFIG, ["--api", f"unix:{HttpDaemon.sock}",
                              "--api", f"tcp:127.0.0.1:{HttpDaemon.port}"],
                wait_unix=HttpDaemon.sock, wait_tcp=HttpDaemon.port)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return d


def unix_api():
    return Api(unix_path=HttpDaemon.sock, timeout=20)


def tcp_api():
    return Api(host="127.0.0.1", port=HttpDaemon.port, timeout=20)


def raw_socket(tcp=False, timeout=20):
    if tcp:
        c = socket.create_connection(("127.0.0.1", HttpDaemon.port), timeout=timeout)
    else:
        c = socket.socket(socket.AF_UNIX)
        c.settimeout(timeout)
        c.connect(HttpDaemon.sock)
    return c


def read_reply(c):
    """(status, headers text, body) of one reply, read until its
    Content-Length or the end of the stream."""
    data = b""
    while True:
        if b"\r\n\r\n" in data:
            head, _, rest = data.partition(b"\r\n\r\n")
            lengths = [ln for ln in head.split(b"\r\n")
                       if ln.lower().startswith(b"content-length:")]
            if lengths and len(rest) >= int(lengths[0].split(b":")[1]):
                break
        part = c.recv(65536)
        if not part:
            break
        data += part
    check(data.startswith(b"HTTP/1.1 "), f"no HTTP reply: {data[:100]!r}")
    head, _, rest = data.partition(b"\r\n\r\n")
    return int(data[9:12]), head.decode("latin-1").lower(), rest


def closed_within(c, bound):
    """Seconds until the server closes c (reading and dropping what it
    sends), None if it is still open after bound seconds."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < bound:
        r, _, _ = select.select([c], [], [], 0.5)
        if r:
            try:
                if not c.recv(65536):
                    return time.monotonic() - t0
            except OSError:
                return time.monotonic() - t0
    return None


def served(d):
    """The daemon answers GET /stats on a fresh connection."""
    api = unix_api()
    try:
        r = api.get("/stats")
        check(r.status == 200, f"GET /stats: HTTP {r.status}")
    finally:
        api.close()
    check(d.proc.poll() is None, "the daemon exited: " + d.log_tail())


# ---------------------------------------------------------------- 413

def test_http_413_python_keep_alive(s):
    d = http_daemon(s)
    for make in (unix_api, tcp_api):
        api = make()
        try:
            check(api.get("/stats").status == 200, "GET /stats before the upload")
            r = api.request("POST", "/networks/", b"[" + b" " * BIG + b"]",
                            {"Content-Type": "application/json"})
            check(r.status == 413, f"2 MiB on a keep-alive connection: HTTP {r.status}")
            check(r.json() == TOO_LARGE, f"413 body {r.text[:200]!r}")
            check(r.headers.get("Connection", "").lower() == "close",
                  f"413 without Connection: close: {dict(r.headers)}")
            # the client reconnects and is served
            check(api.get("/stats").status == 200, "GET /stats after the 413")
        finally:
            api.close()
    served(d)


def test_http_413_curl(s):
    d = http_daemon(s)
    body = s.path("http-2mib.json")
    with open(body, "wb") as f:
        f.write(b"[" + b" " * BIG + b"]")
    for extra in ([], ["-H", "Expect:"]):  # with and without 100-continue
        for where in (["--unix-socket", HttpDaemon.sock, "http://x/networks/"],
                      [f"http://127.0.0.1:{HttpDaemon.port}/networks/"]):
            p = subprocess.run(["curl", "-sS", "--max-time", "30", "-o", "-",
                                "-w", "\n%{http_code}", "-X", "POST",
                                "-H", "Content-Type: application/json",
                                "--data-binary", f"@{body}"] + extra + where,
                               capture_output=True, timeout=60)
            out = p.stdout.rsplit(b"\n", 1)
            what = f"curl {' '.join(extra + where[:1])}"
            check(p.returncode == 0, f"{what}: exit {p.returncode} {p.stderr[-200:]!r}")
            check(out[-1] == b"413", f"{what}: HTTP {out[-1]!r}")
            check(json.loads(out[0]) == TOO_LARGE, f"{what}: body {out[0][:200]!r}")
    served(d)


def test_http_413_raw_socket(s):
    d = http_daemon(s)
    body = b"[" + b" " * BIG + b"]"
    head = (b"POST /networks/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    chunk = b" " * 65536
    chunked = (b"POST /networks/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               + (b"%x\r\n%s\r\n" % (len(chunk), chunk)) * 32 + b"0\r\n\r\n")
    for tcp in (False, True):
        for what, request in (("Content-Length", head + body), ("chunked", chunked)):
            c = raw_socket(tcp)
            try:
                c.sendall(request)  # everything first, then read: must not fail
                status, hdrs, rest = read_reply(c)
                check(status == 413, f"{what} (tcp={tcp}): HTTP {status}")
                check(json.loads(rest) == TOO_LARGE, f"{what}: body {rest[:200]!r}")
                check("connection: close" in hdrs, f"{what}: headers {hdrs!r}")
                check(closed_within(c, 20) is not None, f"{what}: connection left open")
            finally:
                c.close()
    # a Content-Length past the discard bound: answered before any body
    c = raw_socket()
    try:
        c.sendall(b"POST /networks/ HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Length: 104857600\r\n\r\n")
        status, _, rest = read_reply(c)
        check(status == 413 and json.loads(rest) == TOO_LARGE,
              f"Content-Length 100 MiB: HTTP {status} {rest[:200]!r}")
    finally:
        c.close()
    served(d)


# ---------------------------------------------------------------- sizes

def test_http_url_and_header_limits(s):
    d = http_daemon(s)
    cases = (
        ("URL of 9000 bytes", b"GET /ports/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
         414, True),
        ("query of 9000 bytes", b"GET /stats?x=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
         414, True),
        ("URL of 200 KiB", b"GET /" + b"a" * 200000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
         414, False),
        ("headers of 20 KiB", b"GET /stats HTTP/1.1\r\nHost: x\r\n" +
         b"".join(b"X-Pad-%d: %s\r\n" % (i, b"b" * 1000) for i in range(20)) + b"\r\n",
         431, True),
        ("one header of 200 KiB", b"GET /stats HTTP/1.1\r\nHost: x\r\nX-Big: " +
         b"b" * 200000 + b"\r\n\r\n", 431, False),
        ("URL of 4000 bytes", b"GET /ports/" + b"a" * 4000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
         404, True),
        ("headers of 8 KiB", b"GET /stats HTTP/1.1\r\nHost: x\r\n" +
         b"".join(b"X-Pad-%d: %s\r\n" % (i, b"b" * 1000) for i in range(8)) + b"\r\n",
         200, True),
    )
    for what, request, want, hns in cases:
        c = raw_socket()
        try:
            try:
                c.sendall(request)
            except OSError:
                pass  # the server may answer before reading it all
            status, _, rest = read_reply(c)
        finally:
            c.close()
        check(status == want, f"{what}: HTTP {status}, expected {want}")
        if hns and want >= 400:
            doc = json.loads(rest)
            check(doc.get("Success") is False and doc.get("Error"),
                  f"{what}: not an HNS error: {rest[:200]!r}")
    served(d)


# ---------------------------------------------------------------- cap

def test_http_503_over_the_connection_cap(s):
    d = http_daemon(s)
    held = []
    t0 = time.monotonic()
    try:
        # every connection sends a request and keeps its connection
        for i in range(MAX_CONNECTIONS):
            api = tcp_api() if i % 2 else unix_api()
            held.append(api)
            r = api.get("/stats")
            check(r.status == 200, f"connection {i + 1}: HTTP {r.status}")
        took = time.monotonic() - t0
        check(took < IDLE_SEC - 1, f"{MAX_CONNECTIONS} requests took {took:.1f} s: "
              "the first connections may have reached the idle timeout")
        r = unix_api().get("/stats")
        check(r.status == 503, f"connection {MAX_CONNECTIONS + 1}: HTTP {r.status}")
        err = hns_error(r, "over the cap", 503)
        check(str(MAX_CONNECTIONS) in err, f"the 503 does not say the cap: {err}")
        check(r.headers.get("Connection", "").lower() == "close", "503 keeps the connection")
    finally:
        for api in held:
            api.close()
    # once they are gone a new client is served (MHD notices the closes)
    deadline = time.monotonic() + 20
    while True:
        api = unix_api()
        try:
            status = api.get("/stats").status
        finally:
            api.close()
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    check(status == 200, f"after closing the connections: HTTP {status}")
    served(d)


# ---------------------------------------------------------------- slowloris

def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))


def test_http_slowloris_does_not_delay_other_clients(s):
    d = http_daemon(s)
    raise_nofile(4096)
    head = b"GET /stats HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"z" * 200
    socks = []  # all on one listener (MHD's own limit was 1,020 per listener)
    try:
        for i in range(1020):
            try:
                c = raw_socket(tcp=True, timeout=20)
            except OSError as e:
                raise AssertionError(f"slowloris socket {i + 1}: {e}")
            c.setblocking(False)
            socks.append(c)
        sent = 0
        worst = 0.0
        for attempt in range(6):
            # every socket trickles one more byte of its headers
            for c in socks:
                try:
                    c.send(head[sent:sent + 1])
                except OSError:
                    pass  # dropped to make room: fine
            sent = min(sent + 1, len(head) - 1)
            for make in (unix_api, tcp_api):
                api = make()
                t0 = time.monotonic()
                try:
                    r = api.get("/stats")
                finally:
                    api.close()
                took = time.monotonic() - t0
                worst = max(worst, took)
                check(r.status == 200, f"GET /stats among slowloris sockets: HTTP {r.status}")
                check(took < 10, f"GET /stats among slowloris sockets took {took:.1f} s")
        open_now = sum(1 for c in socks if not _closed(c))
        check(open_now >= 100, f"only {open_now} slowloris sockets still open: "
              "the case did not test what it means to")
    finally:
        for c in socks:
            c.close()
    served(d)


def _closed(c):
    try:
        return c.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


# ---------------------------------------------------------------- timeouts

def test_http_idle_and_request_timeouts_close_connections(s):
    d = http_daemon(s)
    silent = raw_socket()
    kept = raw_socket(tcp=True)
    t_slow = time.monotonic()
    slow = raw_socket()
    try:
        kept.sendall(b"GET /stats HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, _ = read_reply(kept)
        check(status == 200, f"GET /stats: HTTP {status}")
        t0 = time.monotonic()
        # the slow one keeps sending a byte of its headers every 0.5 s:
        # never idle, but its request never completes
        slow_closed = None
        head = b"GET /stats HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"z" * 10000
        for i in range(len(head)):
            try:
                slow.send(head[i:i + 1])
            except OSError:
                slow_closed = time.monotonic() - t0
                break
            if _closed_nb(slow):
                slow_closed = time.monotonic() - t0
                break
            if time.monotonic() - t0 > REQUEST_SEC + 30:
                break
            time.sleep(0.5)
        check(slow_closed is not None,
              f"a request trickling for {time.monotonic() - t0:.0f} s was not closed")
        slow_closed += t0 - t_slow  # from its connect
        check(slow_closed >= REQUEST_SEC - 1,
              f"the trickling request was closed after {slow_closed:.1f} s, "
              f"before the {REQUEST_SEC} s request timeout")
        for what, c in (("a silent connection", silent),
                        ("a kept-alive connection after its reply", kept)):
            left = max(1.0, IDLE_SEC + 30 - (time.monotonic() - t0))
            took = closed_within(c, left)
            check(took is not None, f"{what} still open {IDLE_SEC + 30} s later")
    finally:
        silent.close()
        kept.close()
        slow.close()
        served(d)
        rc = _stop()
    check(rc == 0, f"the HTTP daemon exited {rc} on SIGTERM")


def _closed_nb(c):
    c.setblocking(False)
    try:
        return _closed(c)
    finally:
        c.setblocking(True)
        c.settimeout(20)
