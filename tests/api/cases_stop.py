"""SIGTERM over every state (issue 14 item 1; run.py discovers it).

20 rounds, each on a daemon of its own (--stats-out, --trace of a pcap
port, a --state store, a unix API socket): at each start-up step (the
signal right after its "vswitchd: starting: STEP" line, plus a random
jitter), with REST clients connected, mid-upload (a NAT network with an
attached endpoint, a client that broke a 2 MiB upload on a keep-alive
connection), with the trace running, while ports are hot-plugged, and a
second signal while stopping. Every round asserts: the process exits
within 2 s of the signal (measured from the signal to the exit), exit code
0 (1 with "while stopping" on stderr for the double signal), the stats file
valid JSON and the trace a pcapng capinfos reads (once the start-up got far
enough to make them), no /run/dpdk/PREFIX left, no socket file left. Every
daemon is stopped (SIGKILL) even when a round fails.
"""

import json
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time

from client import Api, hns_ok
from common import check, wait_for

ORDER = 105  # daemons of their own
STOP_BOUND = 2.0
STEPS = ("EAL", "ports", "state", "HNS", "API", "trace", "workers")


def _pcap(path, frames=40):
    """A small pcap of UDP frames between two MACs (read once by net_pcap)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i in range(frames):
            eth = bytes.fromhex("020000000002" "020000000001" "0800")
            ip = bytes.fromhex("4500001c0000000040110000c0000201c0000202")
            udp = struct.pack("!HHHH", 1000 + i, 53, 8, 0)
            pkt = eth + ip + udp
            f.write(struct.pack("<IIII", i, 0, len(pkt), len(pkt)) + pkt)


def _config(s):
    pcap = s.path("stop-rx.pcap")
    if not os.path.exists(pcap):
        _pcap(pcap)
    return {"Switch": {"Name": "stopsw"},
            "Ports": [{"Name": "up", "Devargs": "net_null90,no-rx=1", "Uplink": True,
                       "IPAddresses": ["192.0.2.10/24"], "DefaultGateway": "192.0.2.1"},
                      {"Name": "c1", "Devargs": "net_null91,no-rx=1"},
                      {"Name": "rx", "Devargs": f"net_pcap90,rx_pcap={pcap},tx_pcap={pcap}.out"}]}


class Run:
    """One daemon of a round, started without waiting."""
    seq = 0

    def __init__(self, s, name):
        Run.seq += 1
        self.s = s
        self.name = f"stop{Run.seq}-{name}"
        self.prefix = f"stop{os.getpid()}-{Run.seq}"
        self.sock = s.path(f"{self.name}.sock")
        self.stats = s.path(f"{self.name}-stats.json")
        self.trace = s.path(f"{self.name}.pcapng")
        self.log_path = s.path(f"vswitchd-{self.name}.log")
        cfg = s.path(f"{self.name}.json")
        with open(cfg, "w") as f:
            json.dump(_config(s), f)
        cmd = [s.vswitchd, "--no-huge", "-m", "256", "--no-pci", "-l", "0,1",
               f"--file-prefix={self.prefix}", "--log-level=error", "--",
               "--config", cfg, "--api", f"unix:{self.sock}",
               "--state", s.path(f"{self.name}.db"), "--stats-out", self.stats,
               "--trace", self.trace]
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def has(self, line):
        return line in self.text()

    def wait_line(self, line, timeout=30):
        def seen():
            if self.proc.poll() is not None and not self.has(line):
                raise AssertionError(f"{self.name}: exited {self.proc.returncode} "
                                     f"before {line!r}: {self.text()[-300:]!r}")
            return self.has(line)
        wait_for(f"{self.name}: {line!r}", seen, timeout=timeout, interval=0.005)

    def wait_running(self):
        self.wait_line("running with")
        wait_for(f"{self.name}: API answers", self._answers, timeout=10)

    def _answers(self):
        try:
            c = socket.socket(socket.AF_UNIX)
            c.connect(self.sock)
            c.close()
            return True
        except OSError:
            return False

    def signal_and_wait(self, sigs=(signal.SIGTERM,)):
        """Sends sigs (more than one: delivered together, the daemon held
        with SIGSTOP meanwhile); returns (exit code, seconds from the
        signal to the exit)."""
        if len(sigs) > 1:
            self.proc.send_signal(signal.SIGSTOP)
            for sig in sigs:
                self.proc.send_signal(sig)
            t0 = time.monotonic()
            self.proc.send_signal(signal.SIGCONT)
        else:
            t0 = time.monotonic()
            self.proc.send_signal(sigs[0])
        try:
            rc = self.proc.wait(STOP_BOUND + 8)
        except subprocess.TimeoutExpired:
            rc = None
        took = time.monotonic() - t0
        check(rc is not None, f"{self.name}: still running {STOP_BOUND + 8} s after "
              f"the signal: {self.text()[-300:]!r}")
        check(took <= STOP_BOUND, f"{self.name}: exit took {took:.2f} s (> {STOP_BOUND} s)")
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(f"/var/run/dpdk/{self.prefix}", ignore_errors=True)

    def check_clean(self, rc, expect_rc=0):
        check(rc == expect_rc, f"{self.name}: exit code {rc}, expected {expect_rc}: "
              f"{self.text()[-300:]!r}")
        rundir = f"/var/run/dpdk/{self.prefix}"
        if os.path.exists(rundir):
            raise AssertionError(f"{self.name}: {rundir} left: {os.listdir(rundir)}")
        check(not os.path.exists(self.sock), f"{self.name}: socket {self.sock} left")
        if expect_rc != 0:
            return
        text = self.text()
        # the stats exist once the switch was built (the "state" step came)
        if "starting: state" in text:
            check(os.path.exists(self.stats), f"{self.name}: no stats file")
        if os.path.exists(self.stats):
            with open(self.stats) as f:
                doc = json.load(f)
            check(isinstance(doc, dict) and "Ports" in doc,
                  f"{self.name}: stats file: {str(doc)[:200]}")
        if "starting: workers" in text:
            check(os.path.exists(self.trace), f"{self.name}: no trace file")
        if os.path.exists(self.trace):
            p = subprocess.run(["capinfos", "-c", self.trace], capture_output=True,
                               text=True)
            check(p.returncode == 0, f"{self.name}: capinfos: {p.stderr.strip()[:200]}")


def _round(s, name, body, sigs=(signal.SIGTERM,), expect_rc=0):
    r = Run(s, name)
    try:
        body(r)
        rc = r.signal_and_wait(sigs)
        r.check_clean(rc, expect_rc)
        return r
    finally:
        r.kill()


# ---------------------------------------------------------------- rounds

def test_sigterm_at_each_start_up_step_exits_0_within_2_s(s):
    """Seven rounds: the signal lands right after each progress line
    (EAL init itself cannot be interrupted; the shutdown after it is
    immediate)."""
    for step in STEPS:
        def body(r, step=step):
            r.wait_line(f"vswitchd: starting: {step}")
            time.sleep(random.uniform(0, 0.02))  # jitter, not synchronisation
        r = _round(s, f"start-{step}", body)
        check("stopping" in r.text(), f"{r.name}: no 'stopping' line: {r.text()[-200:]!r}")


def test_sigterm_with_clients_connected(s):
    """Three rounds: idle keep-alive clients, and one waiting mid-headers."""
    for i in range(3):
        clients = []

        def body(r):
            r.wait_running()
            for _ in range(4):
                a = Api(unix_path=r.sock, timeout=5)
                hns_ok(a.get("/networks/"), "GET /networks/")
                clients.append(a)
            raw = socket.socket(socket.AF_UNIX)
            raw.connect(r.sock)
            raw.sendall(b"GET /stats HTTP/1.1\r\nHost: x\r\n")  # no end of headers
            clients.append(raw)
        try:
            _round(s, f"clients{i}", body)
        finally:
            for c in clients:
                c.close()


def _nat_network_endpoint(api):
    net = hns_ok(api.post("/networks/", {"Name": "natnet", "Type": "NAT", "Subnets": [
        {"AddressPrefix": "172.30.0.0/16", "GatewayAddress": "172.30.0.1"}]}), "POST network")
    ep = hns_ok(api.post("/endpoints/", {"Name": "ep", "VirtualNetwork": net["ID"],
                                         "IPAddress": "172.30.0.5"}), "POST endpoint")
    hns_ok(api.post(f"/endpoints/{ep['ID']}/attach", {"VirtualNicName": "c1"}), "attach")


def test_sigterm_mid_upload(s):
    """Three rounds on one NAT network with an attached endpoint (the
    issue's hang): a 2 MiB POST on a keep-alive connection (answered 413 or
    broken), then a body half sent and the client gone, then a body half
    sent and the client still waiting."""
    for mode in ("whole", "gone", "waiting"):
        held = []

        def body(r, mode=mode):
            r.wait_running()
            api = Api(unix_path=r.sock, timeout=5)
            held.append(api)
            _nat_network_endpoint(api)
            if mode == "whole":
                try:
                    api.post("/networks/", b"x" * (2 << 20))
                except OSError:
                    pass
                return
            raw = socket.socket(socket.AF_UNIX)
            raw.connect(r.sock)
            raw.sendall(b"POST /networks/ HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        b"application/json\r\nContent-Length: %d\r\n\r\n" % (2 << 20))
            raw.sendall(b"x" * (768 << 10))
            if mode == "gone":
                raw.close()
            else:
                held.append(raw)
        try:
            _round(s, f"upload-{mode}", body)
        finally:
            for c in held:
                c.close()


def _acl_rules(n):
    return [{"Action": "Deny", "Direction": "Both",
             "RemoteIPAddress": f"10.{100 + k // 65536}.{k // 256 % 256}.{k % 256}/32"}
            for k in range(n)]


def test_sigterm_with_acl_changes_in_the_background(s):
    """Three rounds: a 10,000-rule POST (compiled on the background
    thread) and a second change held behind it are in flight when the
    signal comes: the daemon still exits 0 within 2 s, and each client gets
    a whole reply (the change finished: 200; a held one: 503 "stopping") or
    a closed connection, never a hang."""
    for i in range(3):
        results, threads = [], []

        def post(sock, body):
            a = Api(unix_path=sock, timeout=10)
            try:
                r = a.post("/ports/c1/acls", body)
                results.append(r.status)
            except Exception as e:  # a closed connection, in any of its forms
                results.append(type(e).__name__)
            finally:
                a.close()

        def body(r):
            r.wait_running()
            big = json.dumps(_acl_rules(10000)).encode()
            for b in (big, {"Action": "Allow", "Direction": "Inbound",
                                       "RemoteIPAddress": "192.168.0.1/32"}):
                t = threading.Thread(target=post, args=(r.sock, b))
                t.start()
                threads.append(t)
            time.sleep(random.uniform(0.05, 0.2))  # jitter, not synchronisation
        try:
            _round(s, f"acl-bg{i}", body)
        finally:
            for t in threads:
                t.join(15)
        check(not any(t.is_alive() for t in threads), f"acl-bg{i}: a client still waits")
        for res in results:
            check(res in (200, 503) or isinstance(res, str),
                  f"acl-bg{i}: a client got {res}")


def test_sigterm_with_the_trace_running_flushes_it(s):
    """Three rounds: the trace has recorded the pcap port's frames (the
    stats show them received) when the signal comes; the file capinfos
    reads holds them."""
    for i in range(3):
        def body(r):
            r.wait_running()
            api = Api(unix_path=r.sock, timeout=5)
            try:
                wait_for("the pcap frames received", lambda: any(
                    p["Name"] == "rx" and p["RxPackets"] >= 40
                    for p in api.get("/stats").json()["Ports"]), timeout=10)
            finally:
                api.close()
        r = _round(s, f"trace{i}", body)
        p = subprocess.run(["capinfos", "-M", "-c", r.trace], capture_output=True, text=True)
        n = [ln for ln in p.stdout.splitlines() if "Number of packets" in ln]
        check(n and int(n[0].split(":")[1].strip()) >= 40,
              f"{r.name}: trace packets: {n!r}")


def test_sigterm_during_hot_plug(s):
    """Two rounds: a client plugs and unplugs ports in a loop; the signal
    comes after a few, mid-storm."""
    for i in range(2):
        done = threading.Event()
        count = [0]

        def storm(sock):
            try:
                api = Api(unix_path=sock, timeout=5)
                for k in range(1000):
                    if done.is_set():
                        break
                    api.post("/ports", {"Name": f"h{k}", "Devargs": f"net_null{200 + k % 50},no-rx=1"})
                    api.delete(f"/ports/h{k}")
                    count[0] += 1
            except (OSError, Exception):
                pass

        def body(r):
            r.wait_running()
            t = threading.Thread(target=storm, args=(r.sock,), daemon=True)
            t.start()
            wait_for("a few hot-plugs", lambda: count[0] >= 3 + random.randrange(5),
                     timeout=20)
        try:
            _round(s, f"hotplug{i}", body)
        finally:
            done.set()


def test_second_signal_while_stopping_exits_1_at_once(s):
    """Two rounds: SIGTERM and SIGINT delivered together (the daemon held
    with SIGSTOP meanwhile, so the second certainly comes while stopping):
    exit code 1 within 2 s, saying so, and still nothing left in
    /run/dpdk or at the socket path."""
    for sigs in ((signal.SIGTERM, signal.SIGINT), (signal.SIGINT, signal.SIGTERM)):
        r = _round(s, f"double-{sigs[0].name}", lambda r: r.wait_running(), sigs=sigs,
                   expect_rc=1)
        check("while stopping" in r.text(), f"{r.name}: stderr does not say so: "
              f"{r.text()[-200:]!r}")
