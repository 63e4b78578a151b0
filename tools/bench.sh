#!/bin/bash
# L2 switching benchmark (SPEC section 8), side by side with the peers.
#
# usage: tools/bench.sh [SECONDS] [--vlan] [--no-peers]      (run as root)
#   SECONDS      how long each vswitchd run lasts (default 10)
#   --vlan       also measure with VLANs: access port in, trunk port out,
#                so every frame gets a tag pushed
#   --no-peers   skip dpdk-testpmd / OVS-DPDK (shared/bench/peers.sh)
# env: VSWITCHD (default build/vswitchd), PEERS (default ../shared/bench/peers.sh)
#
# Input: shared/bench/mkpcap.py, 1024 UDP flows to 02:00:00:00:ff:01, replayed
# by net_pcap (infinite_rx=1) into port "in"; port "sink" is net_null with
# that MAC as a static entry, so every frame is known unicast. One worker
# core (EAL -l 0,1). vswitchd prints per-port rates every second; the figure
# is the median of the sink's tx_pps after the first two samples. Then
# peers.sh measures testpmd io and OVS-DPDK on the same pcap, and the ratios
# follow. Output lines: "<name> <Mpps>" and "<a>/<b> <ratio>".
set -u
cd "$(dirname "$0")/.." || exit 2
REPO=$PWD
SECS=10
VLAN=0
RUN_PEERS=1
for a in "$@"; do
	case $a in
	--vlan) VLAN=1 ;;
	--no-peers) RUN_PEERS=0 ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*[!0-9]* | "") echo "bench: unknown argument '$a' (see --help)" >&2; exit 2 ;;
	*) SECS=$a ;;
	esac
done
[ "$SECS" -ge 4 ] || { echo "bench: SECONDS must be at least 4 (two warm-up samples are skipped)" >&2; exit 2; }
VSWITCHD=${VSWITCHD:-build/vswitchd}
SHARED=${SHARED:-$(cd "$REPO/.." && pwd)/shared}
PEERS=${PEERS:-$SHARED/bench/peers.sh}
MKPCAP=$SHARED/bench/mkpcap.py
PCAP=/tmp/hvswitch-bench-l2.pcap   # the path configs/bench-l2.json names
PY=/usr/bin/python3                # Debian's python3, with python3-scapy
[ -x "$PY" ] || PY=python3

[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 2; }
[ -x "$VSWITCHD" ] || { echo "bench: no vswitchd at $VSWITCHD (meson setup build && ninja -C build)" >&2; exit 2; }
[ -f "$MKPCAP" ] || { echo "bench: $MKPCAP not found (set SHARED=)" >&2; exit 2; }

W=$(mktemp -d /tmp/hvs-bench.XXXXXX)
DPID=""
cleanup() {
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -TERM "$DPID"
		wait "$DPID" 2>/dev/null
	fi
	rm -rf "$W" /var/run/dpdk/hvsbench$$-*
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$PY" "$MKPCAP" "$PCAP" --flows 1024 --dst-mac 02:00:00:00:ff:01 ||
	{ echo "bench: cannot write $PCAP (python3-scapy installed?)" >&2; exit 2; }

RESULTS=$W/results
# No REST listener while measuring (and none on the default socket path).
API_ARGS=()
if "$VSWITCHD" -- --help 2>/dev/null | grep -q -- '--no-api'; then
	API_ARGS=(--no-api)
fi
# measure NAME CONFIG: runs vswitchd for SECS seconds, prints "NAME <Mpps>".
measure() {
	local name=$1 cfg=$2 log=$W/$1.log up=0 mpps
	echo "bench: $VSWITCHD --no-huge -m 1024 --no-pci -l 0,1 ... -- --config $cfg --stats-interval 1  ($SECS s)" >&2
	: >"$log"
	"$VSWITCHD" --no-huge -m 1024 --no-pci -l 0,1 --file-prefix="hvsbench$$-$name" \
		--log-level=error -- --config "$cfg" --stats-interval 1 "${API_ARGS[@]}" >"$log" 2>&1 &
	DPID=$!
	for _ in $(seq 150); do
		grep -qs 'running with' "$log" && { up=1; break; }
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	if [ $up = 0 ]; then
		echo "bench: vswitchd did not start:" >&2
		cat "$log" >&2
		echo "$name NA" | tee -a "$RESULTS"
		return 1
	fi
	sleep "$SECS"
	kill -TERM "$DPID"
	wait "$DPID"
	DPID=""
	grep '^rate port=sink ' "$log" | sed -n 's/.* tx_pps=\([0-9]*\).*/\1/p' >"$W/$name.pps"
	echo "bench: $name sink tx Mpps per second: $(awk '{printf "%.2f ", $1 / 1e6}' "$W/$name.pps")" >&2
	mpps=$(tail -n +3 "$W/$name.pps" | sort -n | awk '{v[NR] = $1} END {
			if (NR == 0) { print "NA"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.2f\n", m / 1e6 }')
	echo "$name $mpps" | tee -a "$RESULTS"
	if grep -q '^rate port=in .*drop_pps=[1-9]' "$log" || grep -q '^rate port=sink .*drop_pps=[1-9]' "$log"; then
		echo "bench: note: $name counted drops:" >&2
		grep 'drop_pps=[1-9]' "$log" | head -3 >&2
	fi
}

measure hvswitch-l2 configs/bench-l2.json
if [ $VLAN = 1 ]; then
	cat >"$W/bench-l2-vlan.json" <<EOF
{
  "Switch": {"Name": "vSwitch"},
  "Ports": [
    {"Name": "in", "Devargs": "net_pcap0,rx_pcap=$PCAP,infinite_rx=1",
     "Vlan": {"OperationMode": "Access", "AccessVlanId": 10}},
    {"Name": "sink", "Devargs": "net_null0,no-rx=1",
     "MacAddresses": ["02:00:00:00:ff:01"],
     "Vlan": {"OperationMode": "Trunk", "AllowedVlanIdList": "10"}}
  ]
}
EOF
	measure hvswitch-l2-vlan "$W/bench-l2-vlan.json"
fi

if [ $RUN_PEERS = 1 ]; then
	if [ -x "$PEERS" ] || [ -f "$PEERS" ]; then
		# peers.sh reserves 512 hugepages for OVS; give them back afterwards.
		hp=$(cat /proc/sys/vm/nr_hugepages)
		echo "bench: $PEERS $PCAP $SECS" >&2
		bash "$PEERS" "$PCAP" "$SECS" 2>&1 | tee -a "$RESULTS"
		[ "$(cat /proc/sys/vm/nr_hugepages)" = "$hp" ] || echo "$hp" >/proc/sys/vm/nr_hugepages
	else
		echo "bench: $PEERS not found: no peer figures" >&2
	fi
	awk '
		NF == 2 { v[$1] = $2 }
		function ratio(a, b) {
			if ((a in v) && (b in v) && v[a] ~ /^[0-9.]+$/ && v[b] ~ /^[0-9.]+$/ && v[b] > 0)
				printf "%s/%s %.2f\n", a, b, v[a] / v[b]
			else if (a in v)
				printf "%s/%s NA\n", a, b
		}
		END {
			ratio("hvswitch-l2", "testpmd-io"); ratio("hvswitch-l2", "ovs-l2")
			ratio("hvswitch-l2-vlan", "testpmd-io"); ratio("hvswitch-l2-vlan", "ovs-l2")
		}' "$RESULTS"
fi
