#!/usr/bin/python3
"""pcap-replay golden tests for vswitchd.

    /usr/bin/python3 tests/replay/run.py --vswitchd build/vswitchd [-k SUBSTRING]
    /usr/bin/python3 tests/replay/run.py --vswitchd build-asan/vswitchd --asan

Each test builds input pcaps with scapy, runs vswitchd on net_pcap ports with
--exit-on-idle and checks the output pcaps byte for byte and the drop
counters of --stats-out (cases_switching.py; port ACLs and extended ACLs in
cases_acl.py; WinNAT in cases_nat.py; Transparent, L2Bridge and
Private networks in cases_l2bridge.py), or runs it with bad options or configs and checks the exit
code and the one-line error (cases_cli.py).
Prints one "PASS name" / "FAIL name: why" line per test, then
"replay: N passed, M failed"; exits 1 if any failed.

An AddressSanitizer build (--asan, or detected from the binary) runs with
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:exitcode=23
(leak checking stays on: DPDK 22.11 as Debian ships it leaks nothing that
LeakSanitizer reports, on clean exits and on exit-2 paths alike). If a
tests/replay/lsan.supp file exists it is passed as LSAN_OPTIONS
suppressions; none is needed today. Any sanitizer report fails the test
that caused it.

--keep keeps each test's directory (input/output pcaps, config.json,
stats.json, vswitchd.stderr) for a look with tshark or scapy.
"""

import argparse
import os
import shutil
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import harness  # noqa: E402
import cases_acl  # noqa: E402
import cases_cli  # noqa: E402
import cases_l2bridge  # noqa: E402
import cases_lb  # noqa: E402
import cases_nat  # noqa: E402
import cases_obnat  # noqa: E402
import cases_overlay  # noqa: E402
import cases_sdnroute  # noqa: E402
import cases_trace  # noqa: E402
import cases_switching  # noqa: E402

MODULES = (cases_switching, cases_acl, cases_nat, cases_l2bridge, cases_obnat,
           cases_sdnroute, cases_lb, cases_overlay, cases_trace, cases_cli)
LSAN_SUPPRESSIONS = os.path.join(HERE, "lsan.supp")


def collect(substring):
    tests = []
    for mod in MODULES:
        for name, fn in vars(mod).items():  # definition order
            if name.startswith("test_") and callable(fn):
                if substring is None or substring in name:
                    tests.append((name, fn))
    return tests


def run_one(suite, name, fn):
    """Returns None on success, else the failure text."""
    ctx = harness.Context(suite, name)
    try:
        fn(ctx)
        ctx.finish()
    except harness.TestFailure as e:
        return str(e)
    except Exception as e:  # a bug in the test or the harness
        tb = traceback.extract_tb(e.__traceback__)[-1]
        return (f"{type(e).__name__}: {e} "
                f"({os.path.basename(tb.filename)}:{tb.lineno})")
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--vswitchd", required=True, help="the vswitchd binary")
    ap.add_argument("-k", dest="substring",
                    help="run only tests whose name contains SUBSTRING")
    ap.add_argument("--asan", action="store_true",
                    help="the binary is an AddressSanitizer build "
                         "(detected when not given)")
    ap.add_argument("--keep", action="store_true",
                    help="keep every test's work directory (pcaps, config, "
                         "stats, stderr) and print where")
    args = ap.parse_args()

    vswitchd = os.path.abspath(args.vswitchd)
    tests = collect(args.substring)
    if not os.access(vswitchd, os.X_OK):
        print(f"FAIL setup: {vswitchd} is not an executable")
        print("replay: 0 passed, 1 failed")
        return 1
    if not tests:
        print(f"FAIL setup: no test matches -k {args.substring!r}")
        print("replay: 0 passed, 1 failed")
        return 1

    asan = args.asan or harness.is_asan_binary(vswitchd)
    workroot = tempfile.mkdtemp(prefix="hvs-replay-")
    suite = harness.Suite(vswitchd, asan, args.keep, workroot,
                          LSAN_SUPPRESSIONS if asan and os.path.exists(
                              LSAN_SUPPRESSIONS) else None)
    passed = failed = 0
    for name, fn in tests:
        why = run_one(suite, name, fn)
        if why is None:
            passed += 1
            print(f"PASS {name}", flush=True)
        else:
            failed += 1
            why = " ".join(why.split())  # one line
            print(f"FAIL {name}: {why}", flush=True)
    if args.keep:
        print(f"work directories kept in {workroot}", file=sys.stderr)
    else:
        shutil.rmtree(workroot, ignore_errors=True)
    print(f"replay: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
