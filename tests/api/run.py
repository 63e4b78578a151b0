#!/usr/bin/python3
"""REST API tests of vswitchd, against the real daemon.

    /usr/bin/python3 tests/api/run.py [--vswitchd build/vswitchd] [-k SUBSTRING] [--keep]

The runner: it imports every tests/api/cases_*.py and runs its test_*
functions, each with the shared Suite (tests/api/common.py: the binary, a
work directory, the main vswitchd on two net_null ports with unix + TCP
listeners and a --state store). Case files, one a feature:

  cases_server.py       transport: socket mode, keep-alive, 413, 404/405,
                        TCP, a second daemon, bad --api options
  cases_stats.py        /stats, /metrics, DPDK telemetry
  cases_ports.py        /ports, hot plug and unplug
  cases_hns.py          HNS v1/v2 networks, endpoints, attach, endpoint stats
  cases_trace.py        POST/GET/DELETE /trace
  cases_access.py       what an API caller may touch: trace File and Devargs
                        outside --trace-dir (403), --api-insecure, 0600 files
  cases_persistence.py  --state across kill -9, then SIGTERM of the main daemon
  cases_config.py       the startup config's Networks/Endpoints
  cases_tls.py          TLS with client certificates
  cases_acl.py          port ACLs and extended ACLs under live traffic
  cases_nat.py          WinNAT objects, port proxies, persistence
  cases_stop.py         SIGTERM in every state (start-up steps, clients,
                        mid-upload, trace, hot-plug, a second signal)
  cases_crash.py        kill -9 crash cycles on --state (HVS_CRASH_CYCLES)
  cases_load.py         concurrent clients, /stats latency, ACL change
                        stall, ACL port hot-plug storm (HVS_LOAD_FULL=1)

Files run in the order of their ORDER (a module-level number; a file
without one runs at 55: after the cases on the main daemon, before the
persistence cases restart and stop it), then by name; cases in the order
they are defined. A case is "def test_xxx(s)" and fails by raising
(AssertionError with the reason). test_no_sanitizer_reports runs last.
Each case prints "PASS name" or "FAIL name: why"; the last line is
"api: N passed, M failed"; exit code 1 on any failure. -k runs only the
cases whose name contains SUBSTRING (and the one starting the main
daemon). Needs root (EAL, /var/run/dpdk) but no hugepages, NIC or network
namespace.
"""

import argparse
import glob
import importlib
import os
import shutil
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

from client import sanitizer_reports  # noqa: E402
from common import Suite, check  # noqa: E402

DEFAULT_ORDER = 55
FIRST = "test_daemon_starts_with_unix_tcp_and_state"


def case_modules():
    """Every tests/api/cases_*.py, imported, in run order, and a
    ("load NAME", why) for each one that does not import."""
    mods, errors = [], []
    for path in sorted(glob.glob(os.path.join(HERE, "cases_*.py"))):
        name = os.path.basename(path)[:-3]
        try:
            mods.append(importlib.import_module(name))
        except Exception as e:  # a broken case file fails, the others run
            errors.append((f"load {name}", f"{type(e).__name__}: {e}"))
    mods.sort(key=lambda m: (getattr(m, "ORDER", DEFAULT_ORDER), m.__name__))
    return mods, errors


def cases_of(mod):
    """The module's own test_* functions in definition order (not the ones
    it imports)."""
    return [(n, f) for n, f in vars(mod).items()
            if n.startswith("test_") and callable(f) and
            getattr(f, "__module__", None) == mod.__name__]


# ---------------------------------------------------------------- last

def test_no_sanitizer_reports(s):
    """An AddressSanitizer build reports leaks and errors on exit: every
    daemon this suite stopped must have exited clean."""
    s.stop_main()
    bad = sanitizer_reports(s.w)
    check(not bad, f"sanitizer reports in {', '.join(bad)} (run with --keep to read them)")


# ---------------------------------------------------------------- runner

def collect(substring):
    """[(name, function)] to run, and [(name, why)] already failed: case
    files that do not import, case names defined twice."""
    mods, errors = case_modules()
    tests = []
    for mod in mods:
        tests += cases_of(mod)
    tests.append(("test_no_sanitizer_reports", test_no_sanitizer_reports))
    names = [n for n, _ in tests]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        errors.append((dup, "defined in more than one case file"))
    if substring:
        tests = [(n, f) for n, f in tests if substring in n or n == FIRST]
    return tests, errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--vswitchd", default="build/vswitchd")
    ap.add_argument("-k", dest="substring", help="only tests whose name contains this")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    vswitchd = os.path.abspath(args.vswitchd)
    if not os.access(vswitchd, os.X_OK):
        print(f"FAIL setup: {vswitchd} is not an executable")
        print("api: 0 passed, 1 failed")
        return 1
    workdir = tempfile.mkdtemp(prefix="hvs-api-")
    suite = Suite(vswitchd, workdir)
    passed = failed = 0
    t0 = time.monotonic()
    tests, errors = collect(args.substring)
    for name, why in errors:
        failed += 1
        print(f"FAIL {name}: {' '.join(why.split())}", flush=True)
    try:
        for name, fn in tests:
            try:
                fn(suite)
                passed += 1
                print(f"PASS {name}", flush=True)
            except AssertionError as e:
                failed += 1
                print(f"FAIL {name}: {' '.join(str(e).split())}", flush=True)
            except Exception as e:  # a bug in the test, or a dropped connection
                failed += 1
                tb = traceback.extract_tb(e.__traceback__)[-1]
                print(f"FAIL {name}: {type(e).__name__}: {e} "
                      f"({os.path.basename(tb.filename)}:{tb.lineno})", flush=True)
    finally:
        suite.stop_main()
        if args.keep:
            print(f"work directory kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    sys.stdout.flush()
    print(f"api: {time.monotonic() - t0:.1f} s", file=sys.stderr, flush=True)
    print(f"api: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
