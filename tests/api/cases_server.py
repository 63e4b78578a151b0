"""REST API cases for the transport (run.py discovers them): the main
daemon's unix socket (mode 0600) and TCP listener, keep-alive, 413 for
bodies over 1 MiB (Content-Length and chunked), 404/405 with HNS-style
bodies, a second daemon on the same socket and bad --api options (exit 2
naming them). The first case starts the main daemon the other cases use."""

import json
import os
import socket
import stat

from client import Api, hns_error, run_once
from common import PORTS_CONFIG, check

ORDER = 10  # first: starts the main daemon


def test_daemon_starts_with_unix_tcp_and_state(s):
    s.start_main()
    check(os.path.exists(s.sock), f"no socket at {s.sock}")


def test_unix_socket_is_mode_0600(s):
    s.need_main()
    st = os.stat(s.sock)
    check(stat.S_ISSOCK(st.st_mode), f"{s.sock} is not a socket")
    check(stat.S_IMODE(st.st_mode) == 0o600,
          f"socket mode {oct(stat.S_IMODE(st.st_mode))}, expected 0o600")


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
