#!/bin/bash
# Builds hvswitch (release and ASan+UBSan) and runs every test: the layer
# rules (tools/check-layers.sh), Criterion unit tests, pcap-replay golden tests (on both builds), the
# network-namespace end-to-end tests, the memif and vhost-user generator
# tests, the REST API suite (both builds), the hnsctl suite, the
# benchmark's smoke mode and the fuzz targets (tools/fuzz.sh, 30 s each).
# Needs root (namespaces, af_packet, /run/vswitchd).
# The last line is "N passed, N failed"; the exit code is 1 on any failure.
set -u
cd "$(dirname "$0")/.."
PY=/usr/bin/python3   # Debian's python3, which has python3-scapy
passed=0
failed=0
LOG=$(mktemp -d /tmp/hvs-tests.XXXXXX)

count() { # count SUITE: reads PASS/FAIL lines of one suite from stdin
  local suite=$1 p f
  p=$(grep -c '^PASS ' "$LOG/$suite.log")
  f=$(grep -c '^FAIL ' "$LOG/$suite.log")
  passed=$((passed + p))
  failed=$((failed + f))
  echo "== $suite: $p passed, $f failed"
}

build() { # build DIR [meson options]
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >"$LOG/setup-$dir.log" 2>&1 || { cat "$LOG/setup-$dir.log"; return 1; }
  fi
  ninja -C "$dir" >"$LOG/ninja-$dir.log" 2>&1 || { tail -50 "$LOG/ninja-$dir.log"; return 1; }
}

run_suite() { # run_suite NAME COMMAND...
  local name=$1; shift
  echo "== $name: $*"
  "$@" 2>&1 | tee "$LOG/$name.log"
  # A suite that dies before reporting counts as a failure.
  grep -qE '^(layers|replay|e2e|e2e-nat|e2e-namespaces|e2e-l2bridge|e2e-obnat|e2e-sdnroute|e2e-winbridge|e2e-lb|e2e-overlay|e2e-cni|e2e-memif|e2e-vhost|api|hnsctl|bench-smoke|fuzz): [0-9]+ passed|^unit: finished' "$LOG/$name.log" || echo "FAIL $name: suite did not finish" | tee -a "$LOG/$name.log"
  count "$name"
}

unit_tests() { # Criterion binaries, read through their TAP reports
  local t tap rc any=0 p=0 f=0
  for t in build/tests/unit/test_*; do
    [ -x "$t" ] && [ -f "$t" ] || continue
    any=1
    tap="$LOG/$(basename "$t").tap"
    "$t" --tap="$tap" >"$LOG/$(basename "$t").out" 2>&1; rc=$?
    # Criterion writes "ok - suite::name  (0.00s)"; a skipped test is not a pass.
    sed -n -E '/^ok .*# SKIP/{s/^ok ([0-9]+ )?- /SKIP /p;d}; s/^ok ([0-9]+ )?- /PASS /p; s/^not ok ([0-9]+ )?- /FAIL /p' "$tap"
    [ $rc -eq 0 ] || { echo "FAIL $(basename "$t"): exit code $rc"; tail -20 "$LOG/$(basename "$t").out"; }
  done
  [ $any = 1 ] || echo "FAIL unit: no Criterion test binaries were built"
  echo "unit: finished"
}

if ! build build; then
  echo "FAIL build"; echo "0 passed, 1 failed"; exit 1
fi
asan_ok=1
build build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug -Dtests=disabled || asan_ok=0

run_suite layers tests/layers/run.sh
run_suite unit unit_tests
run_suite replay "$PY" tests/replay/run.py --vswitchd build/vswitchd
if [ $asan_ok = 1 ]; then
  run_suite replay-asan "$PY" tests/replay/run.py --vswitchd build-asan/vswitchd --asan
else
  echo "FAIL asan-build" >>"$LOG/asan.log"; count asan
fi
run_suite e2e tests/e2e/run.sh build/vswitchd
run_suite e2e-nat tests/e2e/nat.sh build/vswitchd
run_suite e2e-namespaces tests/e2e/namespaces.sh build/vswitchd
run_suite e2e-l2bridge tests/e2e/l2bridge.sh build/vswitchd
run_suite e2e-obnat tests/e2e/obnat.sh build/vswitchd
run_suite e2e-sdnroute tests/e2e/sdnroute.sh build/vswitchd
run_suite e2e-winbridge tests/e2e/winbridge.sh build/vswitchd
run_suite e2e-lb tests/e2e/lb.sh build/vswitchd
run_suite e2e-overlay tests/e2e/overlay.sh build/vswitchd
run_suite e2e-cni tests/e2e/cni.sh build/vswitchd build/hvswitch-cni
run_suite e2e-memif tests/e2e/generator.sh memif build/vswitchd
run_suite e2e-vhost tests/e2e/generator.sh vhost build/vswitchd
run_suite api "$PY" tests/api/run.py --vswitchd build/vswitchd
if [ $asan_ok = 1 ]; then
  run_suite api-asan "$PY" tests/api/run.py --vswitchd build-asan/vswitchd
fi
run_suite hnsctl tests/api/test_hnsctl.sh build/vswitchd build/hnsctl
# the benchmark in its short mode (about 2 s a case, no peers): it runs
run_suite bench-smoke tests/bench/bench.sh --smoke --out build/bench-smoke
# libFuzzer targets (clang, ASan+UBSan), 30 s each from the seed corpora:
# about 5 min with the build; tools/fuzz.sh 600 is the long run (README)
run_suite fuzz tools/fuzz.sh 30

rm -rf "$LOG"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
