"""Talking to a running vswitchd's REST API, and running one.

Only the standard library: http.client over an AF_UNIX socket (a subclass
of HTTPConnection that connects a unix socket instead of TCP), JSON, and
subprocess for the daemon. Shared by tests/api/run.py and
tools/bench-api.py.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import time


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP/1.1 over a unix socket; keeps the connection alive between
    requests like any HTTPConnection. connects counts the sockets opened."""

    def __init__(self, path, timeout=10):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path
        self.connects = 0

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s
        self.connects += 1


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            raise AssertionError(f"HTTP {self.status}: not JSON: {self.text[:200]!r}")

    def __repr__(self):
        return f"<HTTP {self.status} {self.text[:300]!r}>"


class Api:
    """A client on one keep-alive connection (unix path or TCP host:port)."""

    def __init__(self, unix_path=None, host=None, port=None, timeout=10,
                 ssl_context=None):
        if unix_path is not None:
            self.conn = UnixHTTPConnection(unix_path, timeout=timeout)
        elif ssl_context is not None:
            self.conn = http.client.HTTPSConnection(host, port, timeout=timeout,
                                                    context=ssl_context)
        else:
            self.conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def request(self, method, path, body=None, headers=None):
        hdrs = dict(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            hdrs.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        try:
            self.conn.request(method, path, body=body, headers=hdrs)
            r = self.conn.getresponse()
            data = r.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            raise
        if r.will_close:
            self.conn.close()
        return Reply(r.status, r.headers, data)

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, body=None):
        return self.request("POST", path, body if body is not None else {})

    def delete(self, path):
        return self.request("DELETE", path)

    def close(self):
        self.conn.close()


def hns_ok(reply, what, status=200):
    """The Output of a successful HNS reply; AssertionError otherwise."""
    if reply.status != status:
        raise AssertionError(f"{what}: HTTP {reply.status}, expected {status}: "
                             f"{reply.text[:300]}")
    doc = reply.json()
    if not isinstance(doc, dict) or doc.get("Success") is not True:
        raise AssertionError(f"{what}: Success is not true: {reply.text[:300]}")
    return doc.get("Output")


def hns_error(reply, what, status):
    """The Error text of a failed HNS reply with that status."""
    if reply.status != status:
        raise AssertionError(f"{what}: HTTP {reply.status}, expected {status}: "
                             f"{reply.text[:300]}")
    doc = reply.json()
    if not isinstance(doc, dict) or doc.get("Success") is not False:
        raise AssertionError(f"{what}: Success is not false: {reply.text[:300]}")
    if not isinstance(doc.get("Error"), str) or not doc["Error"]:
        raise AssertionError(f"{what}: no Error text: {reply.text[:300]}")
    return doc["Error"]


def free_tcp_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Daemon:
    """One vswitchd: EAL on lcores 0,1 without hugepages or PCI, its own
    file prefix, stderr into a log file."""

    seq = 0

    def __init__(self, vswitchd, workdir, name):
        self.vswitchd = vswitchd
        self.workdir = workdir
        self.name = name
        self.proc = None
        self.log_path = os.path.join(workdir, f"vswitchd-{name}.log")

    def start(self, config, app_args, wait_unix=None, wait_tcp=None, timeout=20,
              mem_mb=256):
        """Writes config (a dict) and starts the daemon (EAL -m mem_mb);
        waits until it answers on wait_unix (a socket path) and wait_tcp (a
        port). Raises AssertionError with the log tail if it exits or never
        answers."""
        Daemon.seq += 1
        self.prefix = f"api{os.getpid()}-{Daemon.seq}"
        cfg_path = os.path.join(self.workdir, f"config-{self.name}.json")
        with open(cfg_path, "w") as f:
            json.dump(config, f, indent=2)
        cmd = [self.vswitchd, "--no-huge", "-m", str(mem_mb), "--no-pci", "-l", "0,1",
               f"--file-prefix={self.prefix}", "--log-level=error", "--",
               "--config", cfg_path] + list(app_args)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"vswitchd exited {self.proc.returncode} at "
                                     f"startup: {self.log_tail()}")
            if self._answers(wait_unix, wait_tcp):
                return self
            time.sleep(0.05)
        raise AssertionError(f"vswitchd did not answer within {timeout} s: "
                             f"{self.log_tail()}")

    @staticmethod
    def _answers(unix_path, tcp_port):
        """Every listener given accepts connections (a unix socket listens
        before the TCP ones are made)."""
        try:
            if unix_path is not None:
                s = socket.socket(socket.AF_UNIX)
                s.connect(unix_path)
                s.close()
            if tcp_port is not None:
                s = socket.create_connection(("127.0.0.1", tcp_port), timeout=1)
                s.close()
            return True
        except OSError:
            return False

    def log_tail(self, n=3):
        try:
            with open(self.log_path) as f:
                lines = [ln.strip() for ln in f if ln.strip()]
            return " | ".join(lines[-n:])
        except OSError:
            return "(no log)"

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Signals the daemon and returns its exit code (None: killed after
        the timeout)."""
        if self.proc is None:
            return None
        rc = None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                rc = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        else:
            rc = self.proc.returncode
        self.proc = None
        self.log.close()
        self._remove_runtime_dir()
        return rc

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def _remove_runtime_dir(self):
        bases = ["/var/run/dpdk"]
        if os.environ.get("XDG_RUNTIME_DIR"):
            bases.append(os.path.join(os.environ["XDG_RUNTIME_DIR"], "dpdk"))
        for base in bases:
            shutil.rmtree(os.path.join(base, self.prefix), ignore_errors=True)


def run_once(vswitchd, workdir, name, config, app_args, timeout=20):
    """Runs vswitchd to completion (startup failure cases): (rc, stderr)."""
    cfg_path = os.path.join(workdir, f"config-{name}.json")
    with open(cfg_path, "w") as f:
        json.dump(config, f)
    prefix = f"api{os.getpid()}-{name}"
    cmd = [vswitchd, "--no-huge", "-m", "256", "--no-pci", "-l", "0,1",
           f"--file-prefix={prefix}", "--log-level=error", "--",
           "--config", cfg_path] + list(app_args)
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, errors="replace", timeout=timeout)
    finally:
        shutil.rmtree(os.path.join("/var/run/dpdk", prefix), ignore_errors=True)
    with open(os.path.join(workdir, f"vswitchd-{name}.log"), "a") as f:
        f.write(p.stderr)
    return p.returncode, p.stderr


SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:")


def sanitizer_reports(workdir):
    """Log files in workdir with an ASan/LSan/UBSan report."""
    bad = []
    for name in sorted(os.listdir(workdir)):
        if name.startswith("vswitchd-") and name.endswith(".log"):
            with open(os.path.join(workdir, name), errors="replace") as f:
                text = f.read()
            if any(m in text for m in SANITIZER_MARKERS):
                bad.append(name)
    return bad
