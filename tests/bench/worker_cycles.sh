#!/bin/bash
# Worker cycles a forwarded frame, steady on a shared machine: runs
# vswitchd (one worker, EAL -l 0,1, --no-huge) on CONFIG, and after two
# warm-up seconds measures the worker thread's CPU time for 5 s with
# `perf stat -e task-clock` against the packets port "sink" sent in those
# seconds (its per-second rate lines). Time other processes take on the
# worker's CPU is not counted, unlike bench.sh's TSC Hz / pps.
#
# usage: tests/bench/worker_cycles.sh VSWITCHD CONFIG [TSC_HZ]   (as root)
#   TSC_HZ  cycles a second of CPU time (default 2000000000)
# prints: cyc/pkt C cpu P% mpps M   (P: the worker's share of its CPU)
set -u
VS=${1:?usage: worker_cycles.sh VSWITCHD CONFIG [TSC_HZ]}
CFG=${2:?usage: worker_cycles.sh VSWITCHD CONFIG [TSC_HZ]}
HZ=${3:-2000000000}
command -v perf >/dev/null || { echo "worker_cycles: perf not installed (apt-get install linux-perf)" >&2; exit 2; }
W=$(mktemp -d /tmp/hvs-wcyc.XXXXXX)
PREFIX=hvswcyc$$
DPID=""
cleanup() {
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -TERM "$DPID"
		wait "$DPID" 2>/dev/null
	fi
	rm -rf "$W" "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
rates() { grep -c '^rate port=sink ' "$W/log"; }

"$VS" --no-huge -m 1024 --no-pci -l 0,1 --file-prefix=$PREFIX --log-level=error -- \
	--config "$CFG" --stats-interval 1 --no-api >"$W/log" 2>&1 &
DPID=$!
for _ in $(seq 600); do
	[ "$(rates)" -ge 2 ] && break
	kill -0 "$DPID" 2>/dev/null || { echo "worker_cycles: vswitchd stopped:" >&2; cat "$W/log" >&2; exit 1; }
	sleep 0.1
done
[ "$(rates)" -ge 2 ] || { echo "worker_cycles: no rate lines" >&2; exit 1; }
TID=$(ps -L -o tid=,comm= -p "$DPID" | awk '$2 ~ /worker/ {print $1; exit}')
[ -n "$TID" ] || { echo "worker_cycles: no worker thread" >&2; exit 1; }
n0=$(rates)
perf stat -x, -e task-clock -t "$TID" -o "$W/stat" -- sleep 5
for _ in $(seq 600); do
	[ "$(rates)" -ge $((n0 + 5)) ] && break
	sleep 0.1
done
pk=$(grep '^rate port=sink ' "$W/log" | sed -n "$((n0 + 1)),$((n0 + 5))p" |
	sed 's/.*tx_pps=\([0-9]*\).*/\1/' | awk '{s += $1} END {print s + 0}')
ms=$(awk -F, '$3 == "task-clock" {print $1}' "$W/stat")
[ "${pk:-0}" -gt 0 ] && [ -n "$ms" ] || { echo "worker_cycles: no figure (packets ${pk:-0})" >&2; exit 1; }
awk -v pk="$pk" -v ms="$ms" -v hz="$HZ" 'BEGIN {
	printf "cyc/pkt %.1f cpu %.0f%% mpps %.2f\n", ms / 1000 * hz / pk, ms / 50, pk / 5e6 }'
