"""What the REST API case files share (tests/api/cases_*.py): the main
daemon's config, check() and wait_for(), the HNS network helpers, and the
Suite every case receives as its argument "s"."""

import os
import time

from client import Api, Daemon, free_tcp_port, hns_ok

DROP_REASONS = ("Invalid packet", "TX ring full", "Out of packet buffers")
PORTS_CONFIG = {"Switch": {"Name": "apisw"},
                "Ports": [{"Name": "p1", "Devargs": "net_null0"},
                          {"Name": "p2", "Devargs": "net_null1",
                           "Vlan": {"OperationMode": "Access", "AccessVlanId": 10}}]}
NAT_SUBNET = {"AddressPrefix": "172.31.0.0/24", "GatewayAddress": "172.31.0.1"}


def check(cond, why):
    if not cond:
        raise AssertionError(why)


def wait_for(what, cond, timeout=10.0, interval=0.05, raises=True):
    """Polls cond() until it returns something true and returns that;
    after timeout seconds AssertionError naming what (raises=False: the
    last false value, for the caller's own check). For conditions a case
    waits for (a worker applied a change, a counter moved), never a fixed
    sleep."""
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > deadline:
            if not raises:
                return got
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(interval)


def wait_stable(what, read, polls=3, interval=0.1, timeout=10.0, raises=True):
    """Polls read() until it returns the same value polls times in a row
    (the thing counted is idle) and returns that value; after timeout
    seconds AssertionError naming what (raises=False: the last value)."""
    deadline = time.monotonic() + timeout
    last, same = read(), 1
    while same < polls:
        if time.monotonic() > deadline:
            if not raises:
                return last
            raise AssertionError(f"{what}: still changing after {timeout} s (last {last!r})")
        time.sleep(interval)
        cur = read()
        same = same + 1 if cur == last else 1
        last = cur
    return last


def poll_until(read, ok, timeout=10.0, interval=0.05):
    """Polls read() until ok(value) holds or timeout seconds pass; returns
    the last value either way (the caller checks it)."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if ok(value) or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def unchanged_for(read, value, seconds, interval=0.05):
    """Watches read() for seconds (a negative check: nothing happens in a
    window): the first value that differs from value, else value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        cur = read()
        if cur != value:
            return cur
        time.sleep(interval)
    return read()


def make_network(api, name, prefix=None, gateway=None, ntype="NAT"):
    subnet = dict(NAT_SUBNET)
    if prefix:
        subnet = {"AddressPrefix": prefix, "GatewayAddress": gateway}
    out = hns_ok(api.post("/networks/", {"Name": name, "Type": ntype,
                                         "Subnets": [subnet]}),
                 f"POST /networks/ {name}")
    check(isinstance(out, dict) and isinstance(out.get("ID"), str) and out["ID"],
          f"network {name}: no ID in {out!r}")
    check(out.get("Name") == name, f"network Name {out.get('Name')!r}")
    return out


def ids_of(output):
    check(isinstance(output, list), f"list Output is {type(output).__name__}")
    return [o.get("ID", "").upper() for o in output]


class Suite:
    """What the cases share: the binary, a work directory, the main daemon
    (unix + TCP listeners, a state store) and its clients."""

    def __init__(self, vswitchd, workdir):
        self.vswitchd = vswitchd
        self.w = workdir
        self.sock = os.path.join(workdir, "hns.sock")
        self.state = os.path.join(workdir, "state.db")
        self.tcp_port = free_tcp_port()
        self.daemon = None
        self.api = None
        self.created = {}  # what the persistence case compares
        self.main_stopped = False  # stop_main ended it on purpose

    def path(self, name):
        return os.path.join(self.w, name)

    def main_args(self):
        return ["--api", f"unix:{self.sock}", "--api",
                f"tcp:127.0.0.1:{self.tcp_port}", "--state", self.state,
                "--trace-dir", self.w]

    def start_main(self):
        self.main_stopped = False
        self.daemon = Daemon(self.vswitchd, self.w, "main").start(
            PORTS_CONFIG, self.main_args(), wait_unix=self.sock, wait_tcp=self.tcp_port)
        self.api = Api(unix_path=self.sock)

    def stop_main(self, kill=False):
        if self.daemon is not None:
            self.main_stopped = True
        if self.api is not None:
            self.api.close()
            self.api = None
        if self.daemon is not None:
            rc = self.daemon.kill9() if kill else self.daemon.stop()
            self.daemon = None
            return rc
        return None

    def need_main(self):
        """The main daemon's client. A case file that runs after the suite
        stopped the main daemon on purpose gets it started again; one that
        died or never started is a failure."""
        if self.daemon is None and self.main_stopped:
            self.main_stopped = False
            self.start_main()
        if self.daemon is None or self.daemon.proc is None or \
                self.daemon.proc.poll() is not None:
            raise AssertionError("the main vswitchd is not running "
                                 + (self.daemon.log_tail() if self.daemon else ""))
        return self.api
