#!/bin/bash
# What idle tap ports cost the traffic of other ports on the same worker:
# configs/bench-l2.json (a pcap replayed to a null sink, one worker) with
# N tap ports (PortKind tap, no traffic) beside it, through
# tests/bench/worker_cycles.sh (the worker's cycles per forwarded frame and
# the rate). Each idle tap used to cost a read() per worker round; the
# workers now ask one epoll_wait a round which taps are ready.
#
# usage: tests/bench/idle_taps.sh VSWITCHD [N...]   (as root; default N: 0 8 24)
# prints: taps N: cyc/pkt C cpu P% mpps M
set -u
VS=${1:?usage: idle_taps.sh VSWITCHD [N...]}
shift
COUNTS=("$@")
[ ${#COUNTS[@]} -gt 0 ] || COUNTS=(0 8 24)
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
PCAP=/tmp/hvswitch-bench-l2.pcap
MKPCAP=$REPO/../shared/bench/mkpcap.py
[ -f "$MKPCAP" ] || MKPCAP=$REPO/tests/bench/mkflows.py
W=$(mktemp -d /tmp/hvs-idletaps.XXXXXX)
trap 'rm -rf "$W"' EXIT
[ -f "$PCAP" ] || "$PY" "$MKPCAP" "$PCAP" --flows 1024 --dst-mac 02:00:00:00:ff:01 ||
	{ echo "idle_taps: cannot write $PCAP" >&2; exit 2; }
for n in "${COUNTS[@]}"; do
	"$PY" - "$REPO/configs/bench-l2.json" "$n" "$$" >"$W/cfg.json" <<'PYEOF'
import json, sys
cfg = json.load(open(sys.argv[1]))
for i in range(int(sys.argv[2])):
    cfg["Ports"].append({"Name": f"tap{i}",
                         "Devargs": f"net_hvtap{i},iface=hvit{sys.argv[3]}x{i}"})
print(json.dumps(cfg))
PYEOF
	printf 'taps %s: ' "$n"
	bash "$REPO/tests/bench/worker_cycles.sh" "$VS" "$W/cfg.json" || exit 1
done
