#!/bin/bash
# The benchmark's entry point is tests/bench/bench.sh (see its --help and
# the README's "Benchmark"); this name is kept for old command lines.
exec "$(dirname "$0")/../tests/bench/bench.sh" "$@"
