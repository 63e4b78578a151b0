#!/bin/bash
# Builds the libFuzzer targets (tests/fuzz, clang, ASan+UBSan) in
# build-fuzz and runs each for SECONDS (default 60) from its seed corpus
# (tests/fuzz/corpus/<target>), one at a time. Prints "PASS fuzz-<target>"
# or "FAIL fuzz-<target>: <first line of the report>" and last
# "fuzz: N passed, N failed"; exit code 1 on any failure. What a run finds
# new goes to build-fuzz/corpus/<target> (kept between runs), a crashing
# input to build-fuzz/crash/<target>/. The EAL targets (pipeline, api) need
# root, like the unit tests that start EAL.
#   tools/fuzz.sh [SECONDS] [TARGET...]    e.g. tools/fuzz.sh 600
set -u
cd "$(dirname "$0")/.."
SECS=${1:-60}
shift 2>/dev/null || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(config hns api pipeline pcapng)
DIR=build-fuzz
passed=0
failed=0

if [ ! -f "$DIR/build.ninja" ]; then
  CC=clang meson setup "$DIR" -Dfuzz=true -Dtests=disabled \
    -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debug -Doptimization=1 >"$DIR.setup.log" 2>&1 ||
    { tail -20 "$DIR.setup.log"; echo "FAIL fuzz-build: meson setup"; echo "fuzz: 0 passed, 1 failed"; exit 1; }
  rm -f "$DIR.setup.log"
fi
if ! ninja -C "$DIR" $(printf 'tests/fuzz/fuzz_%s ' "${TARGETS[@]}") >"$DIR/fuzz-ninja.log" 2>&1; then
  tail -30 "$DIR/fuzz-ninja.log"
  echo "FAIL fuzz-build: ninja"; echo "fuzz: 0 passed, 1 failed"; exit 1
fi

for t in "${TARGETS[@]}"; do
  exe=$DIR/tests/fuzz/fuzz_$t
  corpus=$DIR/corpus/$t crash=$DIR/crash/$t log=$DIR/fuzz-$t.log
  mkdir -p "$corpus" "$crash"
  asan=abort_on_error=1:symbolize=1
  # the whole-switch targets keep their switch for the process's life
  case $t in api|pipeline) asan=$asan:detect_leaks=0 ;; esac
  ASAN_OPTIONS=$asan UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
    "$exe" -max_total_time="$SECS" -timeout=30 -rss_limit_mb=2560 -print_final_stats=1 \
    -artifact_prefix="$crash/" "$corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  if [ $rc -eq 0 ] && [ -n "$runs" ]; then
    echo "PASS fuzz-$t ($runs runs, $rate exec/s)"
    passed=$((passed + 1))
  else
    first=$(grep -a -m1 -E 'ERROR: |runtime error:|fuzz[_ a-z]*: ' "$log" || true)
    [ -n "$first" ] || first="exit code $rc, see $log"
    echo "FAIL fuzz-$t: $first"
    grep -a -m1 'Test unit written to' "$log" || true
    failed=$((failed + 1))
  fi
done
# the EAL targets' runtime directory (--file-prefix=hvs-fuzz)
rm -rf /var/run/dpdk/hvs-fuzz 2>/dev/null
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
