#!/bin/bash
# Pod to pod TCP through the switch for each way a pod's interface can be
# a switch port (issue 16, "the fast path into the kernel"), beside the
# Linux bridge with two veths (what a user would pick instead), measured
# in the same run. Two pods are namespaces with an address in 10.99.0.0/24;
# iperf3 runs from pod A to pod B with 1 and with 4 streams. Kinds:
#
#   bridge       Linux bridge, veth host ends enslaved (the reference)
#   bridge_cpu0  the same with iperf3 pinned to CPU 0 (what the switch's
#                kinds leave it: their worker spins on CPU 1)
#   af_packet    veth; net_af_packet on its host end
#   af_xdp       veth; net_af_xdp on its host end
#   hvtap        the switch's own tap port (PortKind "tap", tap_port.h), moved
#                into the pod; TSO and partial checksums cross whole
#   tap          net_tap; the daemon's tap moved into the pod namespace
#   virtio_user  net_virtio_user on /dev/vhost-net; its tap moved into the pod
#
# The AvgRxFrame column is pod B's received bytes per received frame
# during the 1-stream run: above 1514 means TSO/GRO-size segments crossed
# (no frame can be larger on a 1500-byte MTU otherwise). MSS is iperf3's.
#
#   tests/bench/podnet.sh [--smoke] [--secs N] [--kinds "bridge tap ..."]
#
# --smoke: 1 s per run, prints PASS/FAIL per kind (traffic crossed) and
# exits 1 if a kind that can run on this kernel passed none. Root. Every
# namespace, link and process it makes is removed on exit, failure or
# signal (tests/e2e/lib.sh's trap). The switch runs with EAL --no-huge
# -m 512 --no-pci -l 0,1: its worker spins on CPU 1, so on a 2-CPU machine
# iperf3 and the kernel share CPU 0 with nothing else only for the bridge.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VSWITCHD=${VSWITCHD:-$ROOT/build/vswitchd}
PY=${PY:-python3}
# shellcheck source=tests/e2e/lib.sh
. "$ROOT/tests/e2e/lib.sh"

SECS=5
SMOKE=0
KINDS="bridge bridge_cpu0 hvtap af_packet af_xdp tap virtio_user"
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1; SECS=1 ;;
	--secs) SECS=$2; shift ;;
	--kinds) KINDS=$2; shift ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "podnet: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

e2e_init podnet podnet
# shellcheck disable=SC2034 # read by lib.sh's start_daemon and cleanup
EAL_PREFIX=podnet$$
# shellcheck disable=SC2034
API_ARGS=(--no-api)
NSA=hvpn-$$-a NSB=hvpn-$$-b
IPA=10.99.0.1 IPB=10.99.0.2
HA=pn$$a HB=pn$$b       # host ends (veth) or the daemon's taps
BR=pnbr$$
declare -A G1 G4 FRAME MSS NOTE EXTRA

cleanup_hook() { ip link del "$BR" 2>/dev/null; }

# Each kind starts from nothing: the daemon stopped, pods and links gone.
teardown() {
	local dev
	stop_daemon
	remove_namespaces "${E2E_NS[@]}"
	E2E_NS=()
	for dev in "${E2E_DEVS[@]}"; do ip link del "$dev" 2>/dev/null; done
	E2E_DEVS=()
	ip link del "$BR" 2>/dev/null
	return 0
}

pod_ns() {
	E2E_NS+=("$1")
	ip netns add "$1" && nsx "$1" ip link set lo up
}

# pod_addr NS DEV IP: the pod's interface named eth0, addressed, up.
pod_addr() {
	[ "$2" = eth0 ] || nsx "$1" ip link set "$2" name eth0 || return 1
	nsx "$1" ip link set eth0 mtu 1500 &&
		nsx "$1" ip addr add "$3/24" dev eth0 &&
		nsx "$1" ip link set eth0 up
}

# veth_pod NS HOSTDEV IP: a pod whose eth0 is a veth, host end up.
veth_pod() {
	pod_ns "$1" || return 1
	E2E_DEVS+=("$2")
	ip link add "$2" type veth peer name eth0 netns "$1" || return 1
	ip link set "$2" up && pod_addr "$1" eth0 "$3"
}

# The DPDK PMDs below take no checksum or TSO offload from the kernel (the
# switch enables none), so a pod must hand them whole, checksummed frames.
no_offload() {
	nsx "$1" ethtool -K eth0 tx off tso off gso off gro off >/dev/null 2>&1
	ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1
	return 0
}

# switch_start DEVARGS_A DEVARGS_B: vswitchd with the two pod ports.
switch_start() {
	local cfg=$W/podnet-$KIND.json
	printf '{"Switch":{"Name":"podnet"},"Ports":[{"Name":"a","Devargs":"%s"},{"Name":"b","Devargs":"%s"}]}\n' \
		"$1" "$2" >"$cfg"
	start_daemon "$KIND" "$cfg"
}

setup_bridge() {
	ip link add "$BR" type bridge && ip link set "$BR" up || return 1
	veth_pod "$NSA" "$HA" "$IPA" && veth_pod "$NSB" "$HB" "$IPB" &&
		ip link set "$HA" master "$BR" && ip link set "$HB" master "$BR"
}

# The bridge with iperf3's client and server on CPU 0 only: the CPUs a
# switch kind leaves them (its worker spins on CPU 1), for a like-for-like
# reference on a small machine.
setup_bridge_cpu0() {
	PIN=(taskset -c 0)
	setup_bridge
}

setup_af_packet() {
	veth_pod "$NSA" "$HA" "$IPA" && veth_pod "$NSB" "$HB" "$IPB" || return 1
	no_offload "$NSA" "$HA"
	no_offload "$NSB" "$HB"
	switch_start "net_af_packet0,iface=$HA" "net_af_packet1,iface=$HB"
}

setup_af_xdp() {
	veth_pod "$NSA" "$HA" "$IPA" && veth_pod "$NSB" "$HB" "$IPB" || return 1
	no_offload "$NSA" "$HA"
	no_offload "$NSB" "$HB"
	switch_start "net_af_xdp0,iface=$HA,start_queue=0,queue_count=1" \
		"net_af_xdp1,iface=$HB,start_queue=0,queue_count=1" || return 1
	# ip(8) says "xdpgeneric" for the skb path, "xdp" for veth's native XDP.
	case $(ip -d link show "$HA") in
	*xdpgeneric*) EXTRA[$KIND]=" (generic XDP)" ;;
	*prog/xdp*) EXTRA[$KIND]=" (native XDP, copy mode)" ;;
	esac
}

# taps_into_pods: the daemon made HA and HB in the host namespace; each
# moves into its pod as eth0 (the PMD keeps its fd, so traffic still flows).
taps_into_pods() {
	pod_ns "$NSA" && pod_ns "$NSB" || return 1
	wait_until 10 ip link show "$HB" >/dev/null 2>&1 || { WHY="no $HA/$HB appeared"; return 1; }
	ip link set "$HA" netns "$NSA" && ip link set "$HB" netns "$NSB" &&
		pod_addr "$NSA" "$HA" "$IPA" && pod_addr "$NSB" "$HB" "$IPB"
}

setup_tap() {
	switch_start "net_tap0,iface=$HA" "net_tap1,iface=$HB" && taps_into_pods
}

# The switch's own tap ports (PortKind "tap"): virtio-net headers, so
# TSO segments and partial checksums cross whole; offloads stay on.
setup_hvtap() {
	switch_start "net_hvtap0,iface=$HA" "net_hvtap1,iface=$HB" && taps_into_pods
}

setup_virtio_user() {
	if [ ! -c /dev/vhost-net ]; then
		WHY="no /dev/vhost-net: this kernel has no vhost_net (CONFIG_VHOST_NET$(zcat /proc/config.gz 2>/dev/null | grep -o 'CONFIG_VHOST_NET[= ].*' | head -1 | sed 's/^CONFIG_VHOST_NET//'))"
		return 1
	fi
	switch_start "net_virtio_user0,path=/dev/vhost-net,queues=1,queue_size=1024,iface=$HA" \
		"net_virtio_user1,path=/dev/vhost-net,queues=1,queue_size=1024,iface=$HB" &&
		taps_into_pods
}

rx_counter() { nsx "$NSB" cat "/sys/class/net/eth0/statistics/$1" 2>/dev/null || echo 0; }

# iperf STREAMS: pod A to pod B for SECS; prints "Gbit/s MSS".
iperf() {
	local json=$W/iperf-$KIND-$1.json
	nsx "$NSA" "${PIN[@]}" timeout $((SECS + 20)) iperf3 -c "$IPB" -t "$SECS" -P "$1" -J >"$json" 2>&1
	"$PY" - "$json" <<'PYEOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    print("%.2f %s" % (d["end"]["sum_received"]["bits_per_second"] / 1e9,
                       d["start"].get("tcp_mss_default", "?")))
except Exception:
    print("0 ?")
PYEOF
}

measure() {
	local b0 p0 b1 p1
	nsx "$NSB" "${PIN[@]}" iperf3 -s >"$W/iperf-server-$KIND.log" 2>&1 &
	wait_listening "$NSB" tcp 5201 || { WHY="iperf3 server did not listen"; return 1; }
	b0=$(rx_counter rx_bytes) p0=$(rx_counter rx_packets)
	read -r "G1[$KIND]" "MSS[$KIND]" < <(iperf 1)
	b1=$(rx_counter rx_bytes) p1=$(rx_counter rx_packets)
	FRAME[$KIND]=$(( (b1 - b0) / ((p1 - p0) > 0 ? (p1 - p0) : 1) ))
	read -r "G4[$KIND]" _ < <(iperf 4)
	case ${G1[$KIND]} in
	0 | 0.00) WHY="iperf3 moved nothing"; return 1 ;;
	esac
}

run_kind() {
	KIND=$1
	WHY=""
	PIN=()
	G1[$KIND]=- G4[$KIND]=- FRAME[$KIND]=- MSS[$KIND]=-
	if ! "setup_$KIND" >>"$W/setup-$KIND.log" 2>&1; then
		NOTE[$KIND]="setup failed: ${WHY:-$(grep -v '^EAL:' "$W/setup-$KIND.log" "$DLOG" 2>/dev/null | tail -2 | tr '\n' ' ')}"
	elif ! wait_ping "$NSA" "$IPB" 15; then
		NOTE[$KIND]="no traffic: pod A cannot ping pod B"
	elif ! measure; then
		NOTE[$KIND]=$WHY
	else
		NOTE[$KIND]=ok${EXTRA[$KIND]:-}
	fi
	teardown
	echo "podnet: $KIND: ${NOTE[$KIND]}" >&2
}

why=$(prereq) || { echo "podnet: $why" >&2; exit 1; }
for k in $KINDS; do
	declare -F "setup_$k" >/dev/null || { echo "podnet: unknown kind $k" >&2; exit 2; }
	run_kind "$k"
done

ratio() { # ratio X REF
	awk -v x="$1" -v r="$2" 'BEGIN { if (x+0 > 0 && r+0 > 0) printf "%.2f", x / r; else printf "-" }'
}
echo "podnet: iperf3 TCP pod A -> pod B, $SECS s per run, $(nproc) CPUs, kernel $(uname -r)"
printf '%-12s %9s %9s %8s %8s %11s %5s  %s\n' kind 1stream 4streams ratio1 ratio4 AvgRxFrame MSS note
for k in $KINDS; do
	printf '%-12s %9s %9s %8s %8s %11s %5s  %s\n' "$k" "${G1[$k]}" "${G4[$k]}" \
		"$(ratio "${G1[$k]}" "${G1[bridge]:-0}")" "$(ratio "${G4[$k]}" "${G4[bridge]:-0}")" \
		"${FRAME[$k]}" "${MSS[$k]}" "${NOTE[$k]}"
done
echo "(Gbit/s received; ratio to the Linux bridge; AvgRxFrame in bytes at pod B, >1514 = TSO/GRO segments crossed)"

if [ "$SMOKE" = 1 ]; then
	for k in $KINDS; do
		case ${NOTE[$k]} in
		ok*) pass "podnet_$k" ;;
		*"no /dev/vhost-net"*) echo "SKIP podnet_$k: ${NOTE[$k]}" ;;
		*) fail "podnet_$k" "${NOTE[$k]}" ;;
		esac
	done
	e2e_summary
fi
