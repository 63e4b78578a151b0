"""Running vswitchd on pcap ports and checking what it did.

A test builds a list of Port()s (config + the frames each port receives from
its wire), calls ctx.run_switch(ports), and checks the Result: the frames
every port transmitted (its tx pcap, byte for byte) and the drop counters of
the --stats-out JSON. Every run is also checked for: exit code 0, no
sanitizer report, a stats JSON listing every drop reason on every port, and
Rx/Tx packet and byte counters that agree with the pcaps.
"""

import collections
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field

from frames import describe
from pcapio import read_pcap, write_pcap

INVALID = "Invalid packet"
VLAN_FILTER = "Packet does not match the packet filter set on the destination NIC"
SECURITY = "Failed Security Policy"
SOURCE_NIC = "Destination is the source NIC"
TX_FULL = "TX ring full"
NO_BUFFERS = "Out of packet buffers"
NAT_FILTERED = "NAT filtered"
NAT_TABLE_FULL = "NAT session table full"
NAT_PORT_EXHAUSTED = "NAT port exhausted"
NAT_FRAGMENT = "NAT fragment without a session"
NO_ROUTE = "No route to destination"
UNRESOLVED = "Next hop unresolved"
TTL_EXPIRED = "TTL expired"
QOS_EXCEEDED = "QoS rate exceeded"
LB_BACKEND_REMOVED = "LB backend removed"
VXLAN_BAD_HEADER = "VXLAN bad header"
VXLAN_UNKNOWN_VNI = "VXLAN unknown VNI"
OVERLAY_NO_DESTINATION = "Overlay: no local endpoint for the inner destination"
OVERLAY_TOO_BIG = "Overlay: packet too big for the uplink MTU once encapsulated"
SDN_NO_HOST = "No route to the SDNRoute prefix"
DROP_REASONS = (INVALID, VLAN_FILTER, SECURITY, SOURCE_NIC, TX_FULL, NO_BUFFERS,
                NAT_FILTERED, NAT_TABLE_FULL, NAT_PORT_EXHAUSTED, NAT_FRAGMENT,
                NO_ROUTE, UNRESOLVED, TTL_EXPIRED, QOS_EXCEEDED, LB_BACKEND_REMOVED,
                VXLAN_BAD_HEADER, VXLAN_UNKNOWN_VNI, OVERLAY_NO_DESTINATION,
                OVERLAY_TOO_BIG, SDN_NO_HOST)

DAEMON_TIMEOUT = 60
IDLE_MS = 300
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")


class TestFailure(Exception):
    """A check failed; the message says what was expected and what was got."""


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


# --- port configs ---------------------------------------------------------

UNTAGGED = {"OperationMode": "Untagged"}


def access(vid):
    return {"OperationMode": "Access", "AccessVlanId": vid}


def trunk(allowed, native=None):
    v = {"OperationMode": "Trunk", "AllowedVlanIdList": allowed}
    if native is not None:
        v["NativeVlanId"] = native
    return v


@dataclass
class Port:
    name: str
    vlan: dict = None          # the config's "Vlan" object; None: the default
    send: list = field(default_factory=list)  # frames arriving on its wire
    macs: list = field(default_factory=list)  # static "MacAddresses"
    uplink: bool = False


# --- the suite's settings -------------------------------------------------

class Suite:
    """What every test shares: the binary, its environment, where to work."""

    def __init__(self, vswitchd, asan, keep, workroot, lsan_supp=None):
        self.vswitchd = vswitchd
        self.asan = asan
        self.keep = keep
        self.workroot = workroot
        self.env = dict(os.environ)
        if asan:
            # Ours first, so options the caller already set win.
            opts = "detect_leaks=1:halt_on_error=1:abort_on_error=0:exitcode=23"
            if self.env.get("ASAN_OPTIONS"):
                opts += ":" + self.env["ASAN_OPTIONS"]
            self.env["ASAN_OPTIONS"] = opts
            if lsan_supp:
                lsan = f"suppressions={lsan_supp}:print_suppressions=0"
                if self.env.get("LSAN_OPTIONS"):
                    lsan += ":" + self.env["LSAN_OPTIONS"]
                self.env["LSAN_OPTIONS"] = lsan
        self.runs = 0


def is_asan_binary(path):
    """An ASan build references the ASan runtime's __asan_init."""
    try:
        with open(path, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


@dataclass
class Proc:
    rc: int
    stdout: str
    stderr: str

    def stderr_lines(self):
        return [ln for ln in self.stderr.splitlines() if ln.strip()]


class Context:
    """One test's work directory and runs."""

    def __init__(self, suite, test_name):
        self.suite = suite
        self.name = test_name
        self.dir = os.path.join(suite.workroot, test_name)
        os.makedirs(self.dir)
        self.results = []

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def pcap(self, name, frames):
        p = self.path(name)
        write_pcap(p, frames)
        return p

    def eal_args(self, workers=1):
        """EAL options: lcore 0 the main one, workers lcores 1.. (several
        share CPU 1: a test of correctness, not of speed)."""
        self.suite.runs += 1
        self.prefix = f"hvsreplay{os.getpid()}-{self.suite.runs}"
        lcores = ["-l", "0,1"] if workers == 1 else \
            ["--lcores", ",".join(["0@0"] + [f"{i}@1" for i in range(1, workers + 1)])]
        return ["--no-huge", "-m", "256", "--no-pci"] + lcores + \
            [f"--file-prefix={self.prefix}", "--log-level=error"]

    def run_vswitchd(self, app_args, eal_args=None):
        """Runs vswitchd EAL -- app_args; fails the test on a timeout or a
        sanitizer report, returns the Proc otherwise."""
        eal = self.eal_args() if eal_args is None else eal_args
        cmd = [self.suite.vswitchd] + eal + ["--"] + list(app_args)
        try:
            p = subprocess.run(cmd, cwd=self.dir, env=self.suite.env,
                               stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, errors="replace",
                               timeout=DAEMON_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise TestFailure(f"vswitchd did not exit within {DAEMON_TIMEOUT} s")
        finally:
            self._remove_runtime_dir()
        with open(self.path("vswitchd.stderr"), "w") as f:
            f.write(p.stderr)
        proc = Proc(p.returncode, p.stdout, p.stderr)
        for marker in SANITIZER_MARKERS:
            if marker in p.stderr or marker in p.stdout:
                raise TestFailure(f"sanitizer report (exit {p.returncode}): "
                                  + sanitizer_summary(p.stderr + p.stdout))
        return proc

    def _remove_runtime_dir(self):
        prefix = getattr(self, "prefix", None)
        if not prefix:
            return
        bases = ["/var/run/dpdk"]
        if os.environ.get("XDG_RUNTIME_DIR"):
            bases.append(os.path.join(os.environ["XDG_RUNTIME_DIR"], "dpdk"))
        for base in bases:
            shutil.rmtree(os.path.join(base, prefix), ignore_errors=True)

    def run_switch(self, ports, switch=None, port_fields=None, root=None,
                   extra_args=(), workers=1):
        """Writes the ports' input pcaps and the config, runs vswitchd until
        it is idle, and returns the Result. port_fields ({port name: {field:
        value}}) and root ({"Nats": [...]}) add to the config; extra_args
        to the command line (e.g. --trace)."""
        check(any(p.send for p in ports),
              "test bug: no port sends anything (vswitchd would never go idle)")
        cfg_ports = []
        for i, p in enumerate(ports):
            rx = self.pcap(f"{p.name}-in.pcap", p.send)
            tx = self.path(f"{p.name}-out.pcap")
            entry = {"Name": p.name,
                     "Devargs": f"net_pcap{i},rx_pcap={rx},tx_pcap={tx}"}
            if p.uplink:
                entry["Uplink"] = True
            if p.macs:
                entry["MacAddresses"] = list(p.macs)
            if p.vlan is not None:
                entry["Vlan"] = p.vlan
            entry.update((port_fields or {}).get(p.name, {}))
            cfg_ports.append(entry)
        cfg = {"Switch": dict({"Name": "replay"}, **(switch or {})),
               "Ports": cfg_ports}
        cfg.update(root or {})
        cfg_path = self.write("config.json", json.dumps(cfg, indent=2))
        stats_path = self.path("stats.json")
        # --no-api: replay runs need no REST listener and must not fight
        # over the default socket with any other daemon on the host.
        proc = self.run_vswitchd(eal_args=self.eal_args(workers), app_args=["--config", cfg_path, "--no-api",
                                  "--exit-on-idle", str(IDLE_MS),
                                  "--stats-out", stats_path] + list(extra_args))
        check(proc.rc == 0, f"vswitchd exited {proc.rc}: "
              + last_line(proc.stderr))
        out = {}
        for p in ports:
            tx = self.path(f"{p.name}-out.pcap")
            check(os.path.exists(tx), f"port {p.name}: no tx pcap was written")
            out[p.name] = read_pcap(tx)
        try:
            with open(stats_path) as f:
                stats = json.load(f)
        except (OSError, ValueError) as e:
            raise TestFailure(f"--stats-out: {e}")
        res = Result(ports, out, stats)
        self.results.append(res)
        return res

    def finish(self):
        """Checks that hold for every run, after the test's own checks."""
        for res in self.results:
            res.check_counters()


def last_line(text):
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else "(no stderr)"


def sanitizer_summary(text):
    lines = text.splitlines()
    for i, ln in enumerate(lines):
        if any(m in ln for m in SANITIZER_MARKERS):
            # The first stack frames outside the sanitizer runtime.
            frames = [x.strip() for x in lines[i + 1:i + 40]
                      if x.strip().startswith("#") and "libsanitizer" not in x][:3]
            return " | ".join([ln.strip()] + frames)
    return last_line(text)


# --- results --------------------------------------------------------------

def _frames_list(frames, limit=3):
    shown = "; ".join(describe(f) for f in frames[:limit])
    return shown + (f"; ... {len(frames) - limit} more" if len(frames) > limit else "")


class Result:
    def __init__(self, ports, out, stats):
        self.ports = ports
        self.out = out
        self.stats = stats
        self.port_stats = {}
        check(isinstance(stats.get("Ports"), list), "stats JSON has no Ports list")
        for ps in stats["Ports"]:
            self.port_stats[ps.get("Name")] = ps
        for p in ports:
            check(p.name in self.port_stats, f"stats JSON has no port {p.name}")

    # packets

    def expect_out(self, name, want, ordered=True):
        """The port transmitted exactly these frames (in this order when
        ordered; as a multiset otherwise, for frames from several inputs)."""
        got = self.out[name]
        want = [bytes(f) for f in want]
        if (got == want) if ordered else (sorted(got) == sorted(want)):
            return
        missing = list((collections.Counter(want) - collections.Counter(got)).elements())
        extra = list((collections.Counter(got) - collections.Counter(want)).elements())
        if not missing and not extra:
            raise TestFailure(f"port {name}: right frames in the wrong order: "
                              + _frames_list(got, 6))
        msg = f"port {name}: expected {len(want)} frame(s), got {len(got)}"
        if missing:
            msg += "; missing: " + _frames_list(missing)
        if extra:
            msg += "; unexpected: " + _frames_list(extra)
        raise TestFailure(msg)

    def expect_nothing(self, *names):
        for name in names:
            self.expect_out(name, [])

    # counters

    def expect_drops(self, want):
        """want: {port: {reason: n}}; every reason not listed, on every
        port, must be 0. The switch-wide totals must be the sums."""
        totals = collections.Counter()
        for p in self.ports:
            drops = self.port_stats[p.name].get("Drops")
            check(isinstance(drops, dict), f"stats: port {p.name} has no Drops")
            for reason in DROP_REASONS:
                check(reason in drops,
                      f"stats: port {p.name} Drops does not list {reason!r}")
                exp = want.get(p.name, {}).get(reason, 0)
                got = drops[reason]
                check(got == exp, f"port {p.name}: drops {reason!r} = {got}, "
                      f"expected {exp}")
                totals[reason] += got
        tot = self.stats.get("Drops", {})
        for reason in DROP_REASONS:
            check(tot.get(reason) == totals[reason],
                  f"stats: total drops {reason!r} = {tot.get(reason)}, "
                  f"ports add up to {totals[reason]}")

    def check_counters(self):
        """Rx/Tx packets and bytes of every port agree with its pcaps."""
        for p in self.ports:
            ps = self.port_stats[p.name]
            want = {"RxPackets": len(p.send),
                    "RxBytes": sum(len(f) for f in p.send),
                    "TxPackets": len(self.out[p.name]),
                    "TxBytes": sum(len(f) for f in self.out[p.name])}
            for key, exp in want.items():
                check(ps.get(key) == exp,
                      f"stats: port {p.name} {key} = {ps.get(key)}, "
                      f"the pcaps say {exp}")
