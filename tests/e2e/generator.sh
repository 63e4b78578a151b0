#!/bin/bash
# End-to-end: dpdk-testpmd in another process drives the switch over memif
# or vhost-user, the way pktgen-dpdk or a traffic generator would (README
# "Driving it with pktgen").
#
# usage: tests/e2e/generator.sh memif|vhost [VSWITCHD]
#                                 (default: build/vswitchd; run as root)
#
# vswitchd: port "gen" is the generator's port, port "sink" is net_null
# with a static MAC entry for the generator's destination 02:00:00:00:ff:01.
#   memif: vswitchd net_memif role=server, testpmd net_memif role=client
#     (socket file in the work dir); both --no-huge (memif copies through
#     its own memfd-backed regions, no zero-copy).
#   vhost: vswitchd net_vhost (the vhost-user backend, socket in the work
#     dir), testpmd net_virtio_user (the frontend, as a VM's virtio-net
#     driver would be); both on hugepages (the backend maps the frontend's
#     memory by file descriptor), testpmd with --single-file-segments.
#     nr_hugepages is raised to GEN_HUGEPAGES (default 320) if lower and
#     put back afterwards.
# testpmd (commands through a fifo): --forward-mode=txonly for GEN_SECS
# seconds (default 2) once it reports forwarding, then "stop"; its forward
# statistics (printed when its TX core has stopped: the generator is idle)
# give TX-packets. Then the switch is waited idle: gen.RxPackets (read
# through the REST API) reaches TX-packets, or stays the same across
# polls, within GEN_DRAIN_SECS (default 60): never a fixed sleep, a loaded
# machine only takes longer. Then "quit", and vswitchd stops and writes
# --stats-out, whose counters the checks compare. Lcores on
# a 2-CPU box: vswitchd main on CPU 0, worker on CPU 1; testpmd main on
# CPU 1, its TX core on CPU 0. Checks: packets flowed; gen.RxPackets equals
# testpmd's TX-packets (within GEN_SLACK, default 0: what could be in
# flight at stop); sink.TxPackets equals gen.RxPackets minus drops;
# vswitchd exits 0; nothing is left behind (processes, the socket file,
# /var/run/dpdk/<prefix>, /dev/hugepages/<prefix>*). Prints "PASS name" /
# "FAIL name: why", then "e2e-memif: N passed, M failed" (e2e-vhost).
set -u

KIND=${1:-}
case $KIND in
memif | vhost) ;;
*) echo "usage: tests/e2e/generator.sh memif|vhost [VSWITCHD]" >&2; exit 2 ;;
esac
VSWITCHD=${2:-build/vswitchd}
case $VSWITCHD in /*) ;; *) VSWITCHD=$PWD/$VSWITCHD ;; esac
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TESTPMD=${TESTPMD:-dpdk-testpmd}
SECS=${GEN_SECS:-2}
SLACK=${GEN_SLACK:-0}

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init "e2e-$KIND" "$KIND"

ID=$$
EAL_PREFIX=hv$KIND$ID
GEN_PREFIX=$EAL_PREFIX-gen
SOCK=$W/$KIND.sock
DRAIN_SECS=${GEN_DRAIN_SECS:-60}
if [ "$KIND" = memif ]; then
	GEN_PORT="net_memif0,role=server,socket=$SOCK,socket-abstract=no"
	GEN_VDEV="net_memif0,role=client,socket=$SOCK,socket-abstract=no"
	GEN_MEM=(--no-huge -m 512)
else
	GEN_PORT="net_vhost0,iface=$SOCK,queues=1"
	GEN_VDEV="net_virtio_user0,path=$SOCK,queues=1"
	GEN_MEM=(-m 256 --single-file-segments)
	DAEMON_MEM=(-m 256)
fi
HUGEPAGES_WAS=""
API_SOCK=$W/api.sock # the live counters while testpmd runs
API_ARGS=(--api "unix:$API_SOCK")
DST_MAC=02:00:00:00:ff:01
GPID="" LAST_DPID="" LAST_GPID=""
trap '' PIPE # testpmd's command fifo: a testpmd that died fails the write, not the script

cleanup_hook() { # lib.sh's e2e_cleanup does the rest
	exec 7>&-
	[ -n "$GPID" ] && kill -TERM "$GPID" 2>/dev/null && wait "$GPID" 2>/dev/null
	GPID=""
	[ -n "$HUGEPAGES_WAS" ] && echo "$HUGEPAGES_WAS" >/proc/sys/vm/nr_hugepages
	HUGEPAGES_WAS=""
	[ -n "$HUGETLBFS_MOUNTED" ] && umount /dev/hugepages 2>/dev/null
	HUGETLBFS_MOUNTED=""
	rm -f "$SOCK"
}
HUGETLBFS_MOUNTED="" # set when this script mounted /dev/hugepages

TX=""   # testpmd's forward statistics TX-packets
RX=""   # vswitchd's gen.RxPackets

test_gen_packets_flow() {
	[ -n "$TX" ] && [ "$TX" -gt 0 ] || { WHY="testpmd sent nothing (TX-packets '$TX'): $(grep -iE 'error|fail|cause' "$W/testpmd.log" | head -2 | tr '\n' ' ')"; return 1; }
	[ -n "$RX" ] && [ "$RX" -gt 0 ] || { WHY="vswitchd received nothing on the $KIND port (RxPackets '$RX')"; return 1; }
	echo "  testpmd TX-packets $TX, vswitchd gen RxPackets $RX in $SECS s" >&2
}

test_gen_rx_matches_generator_tx() {
	[ -n "$TX" ] && [ -n "$RX" ] || { WHY="no counters (TX '$TX', RX '$RX')"; return 1; }
	local d=$((TX - RX))
	[ ${d#-} -le "$SLACK" ] || { WHY="testpmd TX-packets $TX, vswitchd RxPackets $RX (difference $d > $SLACK)"; return 1; }
}

test_gen_sink_tx_is_rx_minus_drops() {
	local out
	out=$(sjson 'port["sink"]["TxPackets"], port["gen"]["RxPackets"], sum(port["gen"]["Drops"].values()) + sum(port["sink"]["Drops"].values())') ||
		{ WHY="cannot read $DSTATS"; return 1; }
	read -r tx rx drops <<<"$(echo "$out" | tr -d '(),')"
	[ "$tx" = $((rx - drops)) ] || { WHY="sink TxPackets $tx, gen RxPackets $rx, drops $drops"; return 1; }
}

test_gen_cleanup_leaves_nothing() {
	cleanup_now
	local left=()
	kill -0 "$LAST_DPID" 2>/dev/null && left+=("vswitchd $LAST_DPID")
	kill -0 "$LAST_GPID" 2>/dev/null && left+=("testpmd $LAST_GPID")
	[ -e "$SOCK" ] && left+=("$SOCK")
	compgen -G "/var/run/dpdk/$EAL_PREFIX*" >/dev/null && left+=(/var/run/dpdk/"$EAL_PREFIX"*)
	compgen -G "/dev/hugepages/$EAL_PREFIX*" >/dev/null && left+=(/dev/hugepages/"$EAL_PREFIX"*)
	[ ${#left[@]} -eq 0 ] || { WHY="left behind: ${left[*]}"; return 1; }
}

cleanup_now() { # what cleanup does, minus the work dir (the logs)
	rm -rf /var/run/dpdk/"$EAL_PREFIX"-* /var/run/dpdk/"$GEN_PREFIX"
	rm -f /dev/hugepages/"$EAL_PREFIX"-* /dev/hugepages/"$GEN_PREFIX"map_* "$SOCK"
}

CASES=(test_${KIND}_packets_flow test_${KIND}_rx_matches_generator_tx
	test_${KIND}_sink_tx_is_rx_minus_drops test_${KIND}_daemon_stops_cleanly
	test_${KIND}_cleanup_leaves_nothing)
why=""
[ "$(id -u)" = 0 ] || why="needs root"
[ -z "$why" ] && [ ! -x "$VSWITCHD" ] && why="no vswitchd at $VSWITCHD (meson setup build && ninja -C build)"
[ -z "$why" ] && ! command -v "$TESTPMD" >/dev/null && why="no $TESTPMD (apt-get install dpdk)"
[ -z "$why" ] && ! command -v curl >/dev/null && why="curl is missing"
# vhost: hugepages for both processes (2 x 256 MB and some slack)
if [ -z "$why" ] && [ "$KIND" = vhost ]; then
	want=${GEN_HUGEPAGES:-320}
	# EAL finds hugepages through a hugetlbfs mount; a machine may have none
	if ! grep -q hugetlbfs /proc/mounts; then
		mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages &&
			HUGETLBFS_MOUNTED=1
	fi
	have=$(cat /proc/sys/vm/nr_hugepages)
	if [ "$have" -lt "$want" ]; then
		HUGEPAGES_WAS=$have
		echo "$want" >/proc/sys/vm/nr_hugepages
	fi
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	[ "$free" -ge 256 ] || why="needs 256 free 2 MB hugepages, $free free"
fi
if [ -n "$why" ]; then
	for c in "${CASES[@]}"; do fail "$c" "$why"; done
	e2e_summary
	exit 1
fi

cat >"$W/gen.json" <<EOF
{
  "Switch": {"Name": "vSwitch"},
  "Ports": [
    {"Name": "gen", "Devargs": "$GEN_PORT"},
    {"Name": "sink", "Devargs": "net_null0,no-rx=1", "MacAddresses": ["$DST_MAC"]}
  ]
}
EOF
# gen_rx: the switch's live gen.RxPackets ("" if the API does not answer)
gen_rx() {
	curl -s --max-time 5 --unix-socket "$API_SOCK" http://localhost/ports/gen |
		"$PY" -c 'import json, sys; print(json.load(sys.stdin)["RxPackets"])' 2>/dev/null
}

testpmd_alive() { kill -0 "$GPID" 2>/dev/null; }
# testpmd_forwarding: it reports forwarding started (or it is gone)
testpmd_forwarding() { grep -qs 'Start automatic packet forwarding' "$W/testpmd.log" || ! testpmd_alive; }
# testpmd_tx: TX-packets of the forward statistics "stop" prints once the
# TX core has stopped ("Forward statistics for port 0" ... "TX-packets: N")
testpmd_tx() { sed -n '/Forward statistics for port 0/,/----/s/.*TX-packets: *\([0-9]*\).*/\1/p' "$W/testpmd.log" | head -1; }
testpmd_stopped() { [ -n "$(testpmd_tx)" ] || ! testpmd_alive; }
# switch_drained: gen.RxPackets has reached TX-packets
switch_drained() { local rx; rx=$(gen_rx); [ -n "$rx" ] && [ "$rx" -ge "$TX" ]; }

# wait_switch_idle: until gen.RxPackets reaches TX-packets, or (fewer, lost
# somewhere) stays the same for 10 polls (2 s); at most DRAIN_SECS.
wait_switch_idle() {
	local end=$((SECONDS + DRAIN_SECS)) last="" cur same=0
	while [ $SECONDS -lt $end ]; do
		cur=$(gen_rx)
		[ -n "$cur" ] && [ -n "$TX" ] && [ "$cur" -ge "$TX" ] && return 0
		if [ -n "$cur" ] && [ "$cur" = "$last" ]; then
			same=$((same + 1))
			[ $same -ge 10 ] && return 0
		else
			same=0
		fi
		last=$cur
		sleep 0.2
	done
	echo "  the switch was not idle within $DRAIN_SECS s (gen RxPackets '$last', testpmd TX-packets '$TX')" >&2
}

if start_daemon "$KIND" "$W/gen.json"; then
	wait_socket "$API_SOCK" 30
	# testpmd reads its commands from a fifo: forwarding starts with
	# --auto-start; after SECS of traffic "stop" (its TX core ends and it
	# prints the forward statistics), then, with the switch idle, "quit".
	# stdbuf: its stdout is a file, line-buffered so the log is read live.
	mkfifo "$W/testpmd.in"
	timeout $((SECS + DRAIN_SECS + 120)) stdbuf -oL "$TESTPMD" "${GEN_MEM[@]}" --no-pci -l 0,1 --main-lcore 1 \
		--file-prefix="$GEN_PREFIX" --log-level=error --vdev="$GEN_VDEV" \
		-- -i --forward-mode=txonly --eth-peer=0,$DST_MAC --auto-start \
		--nb-cores=1 --total-num-mbufs=8192 <"$W/testpmd.in" >"$W/testpmd.log" 2>&1 &
	GPID=$!
	exec 7>"$W/testpmd.in"
	wait_until 60 testpmd_forwarding
	sleep "$SECS" # the traffic's duration (what is measured), not a wait for something
	echo stop >&7 2>/dev/null
	wait_until 60 testpmd_stopped
	TX=$(testpmd_tx)
	[ -n "$TX" ] && wait_switch_idle
	echo quit >&7 2>/dev/null
	exec 7>&-
	wait "$GPID"
	echo "  testpmd exit code $?" >&2
	LAST_GPID=$GPID
	GPID=""
	LAST_DPID=$DPID
	stop_daemon
	RX=$(sjson 'port["gen"]["RxPackets"]' 2>/dev/null)
	run_case test_gen_packets_flow test_${KIND}_packets_flow
	run_case test_gen_rx_matches_generator_tx test_${KIND}_rx_matches_generator_tx
	run_case test_gen_sink_tx_is_rx_minus_drops test_${KIND}_sink_tx_is_rx_minus_drops
	[ "$STOP_RC" = 0 ] && pass test_${KIND}_daemon_stops_cleanly ||
		fail test_${KIND}_daemon_stops_cleanly "exit $STOP_RC"
	run_case test_gen_cleanup_leaves_nothing test_${KIND}_cleanup_leaves_nothing
else
	for c in "${CASES[@]}"; do fail "$c" "$WHY"; done
fi
e2e_summary
