"""REST API cases for what an API caller may touch (run.py discovers them;
README "What an API caller may touch"): a trace File must lie inside
--trace-dir (the main daemon's is the work directory), absolute, ".." and
symlink escapes are refused with 403 naming File; Devargs in POST /ports
and in an HNS attach name a device kind on the hot-plug list and keep
their pcap files inside the trace directory (403 naming Devargs
otherwise, nothing plugged, no file made); a plain TCP listener beyond
loopback is refused at start (exit 2) unless --api-insecure; the state
store (and its -wal/-shm) and traces, rotated ones too, are mode 0600
whatever the umask."""

import os
import shutil
import stat
import struct
import tempfile

from client import Api, Daemon, free_tcp_port, hns_error, hns_ok, run_once
from common import PORTS_CONFIG, check, make_network, wait_for

ORDER = 52  # on the main daemon, before the persistence cases restart it

EMPTY_PCAP = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)


def mode_of(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


class Outside:
    """A directory outside the work (and so the trace) directory, with a
    file a refused request must leave alone."""

    def __enter__(self):
        self.d = tempfile.mkdtemp(prefix="hvs-outside-")
        self.victim = os.path.join(self.d, "victim")
        with open(self.victim, "w") as f:
            f.write("precious\n")
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.d, ignore_errors=True)

    def untouched(self):
        with open(self.victim) as f:
            return f.read() == "precious\n" and sorted(os.listdir(self.d)) == ["victim"]


def test_trace_file_outside_the_trace_dir_is_403(s):
    api = s.need_main()
    with Outside() as out:
        escape = s.path("escape-dir")
        link = s.path("escape-link.pcapng")
        os.symlink(out.d, escape)
        os.symlink(out.victim, link)
        try:
            for f, why in ((os.path.join(out.d, "x.pcapng"), "outside"),
                           (out.victim, "outside"),
                           ("/etc/passwd", "outside"),
                           ("../" + os.path.basename(out.d) + "/x.pcapng", ".."),
                           (s.path("../x.pcapng"), ".."),
                           ("escape-dir/x.pcapng", "outside"),
                           (os.path.join(escape, "victim"), "outside"),
                           ("escape-link.pcapng", "symbolic link"),
                           ("no-such-dir/x.pcapng", "no-such-dir")):
                err = hns_error(api.post("/trace", {"File": f}), f"POST /trace File {f}", 403)
                check(err.startswith("File: ") and why in err,
                      f"POST /trace File {f}: Error {err!r} (want File and {why!r})")
            check(out.untouched(), "a refused trace touched the outside directory")
            hns_error(api.get("/trace"), "GET /trace after the refusals", 404)
        finally:
            os.unlink(escape)
            os.unlink(link)


def test_trace_file_inside_is_accepted_0600(s):
    api = s.need_main()
    # a relative File is taken relative to --trace-dir
    want = os.path.join(os.path.realpath(s.w), "access-rel.pcapng")
    out = hns_ok(api.post("/trace", {"File": "access-rel.pcapng", "Filter": "udp"}),
                 "POST /trace relative File", 201)
    check(out.get("File") == want, f"Output.File {out.get('File')!r}, want {want!r}")
    hns_ok(api.delete("/trace"), "DELETE /trace")
    check(os.path.isfile(want) and mode_of(want) == 0o600,
          f"{want}: mode {oct(mode_of(want)) if os.path.exists(want) else 'missing'}")
    # an existing file inside, readable by all: truncated and made 0600
    pre = s.path("access-pre.pcapng")
    with open(pre, "w") as f:
        f.write("old")
    os.chmod(pre, 0o644)
    hns_ok(api.post("/trace", {"File": pre, "Filter": "udp"}), "POST /trace absolute File", 201)
    hns_ok(api.delete("/trace"), "DELETE /trace")
    with open(pre, "rb") as f:
        check(f.read(4) == b"\x0a\x0d\x0d\x0a", "the existing file was not rewritten")
    check(mode_of(pre) == 0o600, f"{pre}: mode {oct(mode_of(pre))}")


def test_port_devargs_outside_or_disallowed_is_403(s):
    api = s.need_main()
    inside_rx = s.path("access-in.pcap")
    with open(inside_rx, "wb") as f:
        f.write(EMPTY_PCAP)
    with Outside() as out:
        cases = (f"net_pcap40,rx_pcap={out.victim}",
                 f"net_pcap40,rx_pcap=/etc/shadow",
                 f"net_pcap40,rx_pcap={inside_rx},tx_pcap={out.d}/x.pcap",
                 f"eth_pcap40,rx_pcap={inside_rx},tx_pcap={out.victim}",
                 f"net_pcap40,rx_pcap={s.path('..')}/x.pcap",
                 "net_pcap40,rx_pcap=access-in.pcap",
                 "net_bonding40,mode=1",
                 "net_nosuchdriver40",
                 "net_af_xdp40,iface=lo,xdp_prog=x.o",
                 "net_tap40,iface=/etc/x")
        for devargs in cases:
            body = {"Name": "acc40", "Devargs": devargs}
            err = hns_error(api.post("/ports", body), f"POST /ports {devargs}", 403)
            check(err.startswith("Devargs: "), f"POST /ports {devargs}: Error {err!r}")
        check(out.untouched(), "a refused port touched the outside directory")
    hns_error(api.get("/ports/acc40"), "a refused port", 404)
    # inside the trace directory: plugged
    tx = s.path("access-out.pcap")
    r = api.post("/ports", {"Name": "acc41",
                            "Devargs": f"net_pcap41,rx_pcap={inside_rx},tx_pcap={tx}"})
    check(r.status == 200, f"POST /ports with pcap files inside: {r}")
    check(api.delete("/ports/acc41").status == 204, "DELETE /ports/acc41")


def test_attach_devargs_outside_or_disallowed_is_403(s):
    api = s.need_main()
    net = make_network(api, "net-access", "172.30.41.0/24", "172.30.41.1")
    ep = hns_ok(api.post("/endpoints/", {"Name": "ep-access", "VirtualNetwork": net["ID"]}),
                "POST /endpoints/")
    with Outside() as out:
        for devargs in (f"net_pcap42,rx_pcap={out.victim}",
                        f"net_pcap42,tx_pcap={out.d}/x.pcap",
                        "net_bonding42"):
            r = api.post(f"/endpoints/{ep['ID']}/attach",
                         {"VirtualNicName": "acc42", "Devargs": devargs})
            err = hns_error(r, f"attach with Devargs {devargs}", 403)
            check(err.startswith("Devargs: "), f"attach {devargs}: Error {err!r}")
        check(out.untouched(), "a refused attach touched the outside directory")
    hns_error(api.get("/ports/acc42"), "the port of a refused attach", 404)
    check(hns_ok(api.get(f"/endpoints/{ep['ID']}"), "GET endpoint").get("VirtualNicName")
          in (None, ""), "a refused attach left the endpoint attached")
    hns_ok(api.post(f"/endpoints/{ep['ID']}/attach",
                    {"VirtualNicName": "acc42", "Devargs": "net_null42"}),
           "attach with allowed Devargs")
    hns_ok(api.post(f"/endpoints/{ep['ID']}/detach", {}), "detach")
    check(api.delete("/ports/acc42").status == 204, "DELETE /ports/acc42")
    hns_ok(api.delete(f"/endpoints/{ep['ID']}"), "DELETE endpoint")
    hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE network")


def test_plain_tcp_beyond_loopback_needs_api_insecure(s):
    for host in ("0.0.0.0", "[::]", "192.0.2.1"):
        spec = f"tcp:{host}:{free_tcp_port()}"
        rc, err = run_once(s.vswitchd, s.w, "insecure", PORTS_CONFIG, ["--api", spec])
        lines = [ln for ln in err.splitlines() if ln.strip()]
        check(rc == 2, f"--api {spec}: exit code {rc}: {err.strip()[-200:]}")
        check(len(lines) == 1 and lines[0].startswith("vswitchd: ") and spec in lines[0]
              and "--api-insecure" in lines[0], f"--api {spec}: stderr {lines!r}")
    port = free_tcp_port()
    d = Daemon(s.vswitchd, s.w, "insecure").start(
        PORTS_CONFIG, ["--api", f"tcp:0.0.0.0:{port}", "--api-insecure"], wait_tcp=port)
    rc = d.stop()
    check(rc == 0, f"the --api-insecure daemon exited {rc}")


def test_state_and_trace_files_are_0600_whatever_the_umask(s):
    sock = s.path("umask.sock")
    state = s.path("umask.db")
    trace = s.path("umask-cli.pcapng")
    tdir = s.path("umask-traces")
    old = os.umask(0)
    try:
        d = Daemon(s.vswitchd, s.w, "umask").start(
            PORTS_CONFIG, ["--api", f"unix:{sock}", "--state", state, "--trace", trace,
                           "--trace-filter", "udp", "--trace-dir", tdir], wait_unix=sock)
    finally:
        os.umask(old)
    try:
        api = Api(unix_path=sock)
        net = make_network(api, "net-umask", "172.30.42.0/24", "172.30.42.1")
        for f in (state, state + "-wal", state + "-shm"):
            check(os.path.exists(f) and mode_of(f) == 0o600,
                  f"{f}: mode {oct(mode_of(f)) if os.path.exists(f) else 'missing'}")
        check(mode_of(trace) == 0o600, f"--trace {trace}: mode {oct(mode_of(trace))}")
        hns_ok(api.delete("/trace"), "DELETE /trace (the --trace one)")
        # the trace directory is made on first use, 0700
        hns_ok(api.post("/trace", {"File": "rot.pcapng", "MaxFileSizeMB": 1}),
               "POST /trace (rotating)", 201)
        check(mode_of(tdir) == 0o700, f"{tdir}: mode {oct(mode_of(tdir))}")
        # the net_null ports' stream fills 1 MB soon: wait for a rotation
        rot = os.path.join(tdir, "rot.pcapng")
        wait_for("the API trace rotated", lambda: os.path.exists(rot + ".1"), timeout=30)
        hns_ok(api.delete("/trace"), "DELETE /trace")
        for f in (rot, rot + ".1"):
            check(mode_of(f) == 0o600, f"{f}: mode {oct(mode_of(f))}")
        hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE network")
        api.close()
    finally:
        rc = d.stop()
    check(rc == 0, f"the umask-0 daemon exited {rc}")
    check(mode_of(state) == 0o600, f"{state} after the stop: mode {oct(mode_of(state))}")
