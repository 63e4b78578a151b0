"""REST API cases for the TLS listener (run.py discovers them), on a
daemon of its own: a client certificate from the configured CA is
required (none, a self-signed one or plain HTTP are refused), the unix
socket next to it stays plain, an unreadable key exits 2 naming the
listener."""

import os
import shutil
import ssl
import subprocess

from client import Api, Daemon, free_tcp_port, run_once
from common import PORTS_CONFIG, check

ORDER = 80


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
    lines = [ln for ln in err.splitlines()  # the problem, past the progress lines
             if ln.strip() and not ln.startswith("vswitchd: starting: ")]
    check(rc == 2, f"exit code {rc}")
    check(len(lines) == 1 and f"tcp:127.0.0.1:{port}" in lines[0] and
          "missing.key" in lines[0], f"stderr {lines!r}")
