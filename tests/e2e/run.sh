#!/bin/bash
# End-to-end tests of vswitchd with network namespaces as containers.
#
# usage: tests/e2e/run.sh [VSWITCHD]        (default: build/vswitchd; run as root)
#
# Three namespaces (a, b, c), each with a veth pair: the namespace end has an
# IP address, the host end is a net_af_packet port of the switch. Phase 1
# runs the switch with three Untagged ports (ping, iperf3, MAC learning,
# SIGTERM + --stats-out); phase 2 restarts it with Access 10 / 10 / 20 ports
# (VLAN isolation). Prints one "PASS name" or "FAIL name: why" line per case,
# then "e2e: N passed, M failed"; exits 1 on any failure. Traffic never
# leaves the namespaces; everything created is removed on exit (E2E_KEEP=1
# keeps the daemon logs and stats files).
set -u

VSWITCHD=${1:-build/vswitchd}
case $VSWITCHD in /*) ;; *) VSWITCHD=$PWD/$VSWITCHD ;; esac
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init e2e e2e

ID=$$
NS_A=hve2e-$ID-a NS_B=hve2e-$ID-b NS_C=hve2e-$ID-c
# veth names are at most 15 characters: "hve" + pid (<= 7 digits) + 2.
HA=hve${ID}ah HB=hve${ID}bh HC=hve${ID}ch    # host ends: the switch ports
NA=hve${ID}an NB=hve${ID}bn NC=hve${ID}cn    # namespace ends
IP_A=10.77.0.1 IP_B=10.77.0.2 IP_C=10.77.0.3
EAL_PREFIX=hve2e$ID
IPERF_PID=""

# ---------------------------------------------------------------- plumbing

cleanup_hook() { # lib.sh's e2e_cleanup does the rest
	[ -n "$IPERF_PID" ] && kill "$IPERF_PID" 2>/dev/null
	IPERF_PID=""
}

setup() {
	ns_link "$NS_A" "$HA" "$NA" "$IP_A/24" &&
		ns_link "$NS_B" "$HB" "$NB" "$IP_B/24" &&
		ns_link "$NS_C" "$HC" "$NC" "$IP_C/24"
}

flush_neighbours() {
	local ns
	for ns in "$NS_A" "$NS_B" "$NS_C"; do nsx "$ns" ip neigh flush all 2>/dev/null; done
}

write_config() { # write_config FILE VLAN_A VLAN_B VLAN_C   (JSON for "Vlan", or "")
	local f=$1 i=0 name dev vlan sep=""
	shift
	{
		echo '{"Switch": {"Name": "vSwitch"}, "Ports": ['
		for name in a b c; do
			case $name in a) dev=$HA ;; b) dev=$HB ;; c) dev=$HC ;; esac
			vlan=$1; shift
			printf '%s  {"Name": "%s", "Devargs": "net_af_packet%d,iface=%s"%s}\n' \
				"$sep" "$name" "$i" "$dev" "${vlan:+, \"Vlan\": $vlan}"
			sep=","
			i=$((i + 1))
		done
		echo ']}'
	} >"$f"
}


# ---------------------------------------------------------------- phase 1

# A build with the REST API listens on unix:/run/vswitchd/hns.sock by
# default, which parallel runs would share: each daemon gets its own socket.
API_ARGS=()
if "$VSWITCHD" -- --help 2>/dev/null | grep -q -- '--api unix:'; then
	API_ARGS=(--api "unix:$W/hns.sock")
fi

PHASE1_OK=0
PHASE1_WHY=""
start() { # phase 1: the Untagged switch forwards
	write_config "$W/untagged.json" "" "" ""
	start_daemon untagged "$W/untagged.json" || { PHASE1_WHY=$WHY; return; }
	if ! wait_ping "$NS_A" "$IP_B" 20; then
		PHASE1_WHY="no ping $IP_A -> $IP_B within 20 s of start: $(tail -3 "$DLOG" | tr '\n' ' ')"
		return
	fi
	PHASE1_OK=1
}

need_phase1() { [ $PHASE1_OK = 1 ] && return 0; WHY="setup: $PHASE1_WHY"; return 1; }

test_ping_crosses_switch() {
	need_phase1 || return 1
	ping3 "$NS_A" "$IP_B" && ping3 "$NS_B" "$IP_A"
}

TRANSFER_BYTES=$((20 * 1024 * 1024))
test_tcp_transfer_crosses_switch() {
	need_phase1 || return 1
	nsx "$NS_B" iperf3 -s -1 -B "$IP_B" -p 5201 >"$W/iperf-server.log" 2>&1 &
	IPERF_PID=$!
	local out bytes
	wait_listening "$NS_B" tcp 5201 || { WHY="iperf3 server did not listen: $(cat "$W/iperf-server.log")"; return 1; }
	local before after
	before=$(nsx "$NS_B" cat "/sys/class/net/$NB/statistics/rx_bytes")
	out=$(nsx "$NS_A" timeout 40 iperf3 -c "$IP_B" -p 5201 -n 20M -w 256K -J 2>&1)
	wait "$IPERF_PID" 2>/dev/null
	IPERF_PID=""
	after=$(nsx "$NS_B" cat "/sys/class/net/$NB/statistics/rx_bytes")
	# -n counts bytes written, not delivered: the test ends with up to a
	# window in flight (-w 256K bounds it to ~1%). Both iperf3's receiver
	# count and the kernel's count on b's interface must reach 95%.
	bytes=$(echo "$out" | "$PY" -c 'import json,sys; e=json.load(sys.stdin)["end"]; print(e["sum_sent"]["bytes"], e["sum_received"]["bytes"])' 2>/dev/null)
	if [ -z "$bytes" ]; then
		WHY="iperf3 client failed: $(echo "$out" | grep -m1 '"error"' || echo "$out" | tail -2 | tr '\n' ' ')"
		return 1
	fi
	local sent=${bytes% *} received=${bytes#* }
	if [ "$sent" -lt "$TRANSFER_BYTES" ] || [ $((received * 100)) -lt $((TRANSFER_BYTES * 95)) ]; then
		WHY="iperf3 sent $sent bytes, the server received $received, expected $TRANSFER_BYTES"
		return 1
	fi
	if [ $(((after - before) * 100)) -lt $((TRANSFER_BYTES * 95)) ]; then
		WHY="b's interface received $((after - before)) bytes during the transfer, expected >= $TRANSFER_BYTES"
		return 1
	fi
}

# Proves MAC learning: after the transfer the third port, on the same VLAN,
# got only the broadcasts (ARP), not the transfer's unicast frames.
test_learned_unicast_is_not_flooded() {
	need_phase1 || return 1
	stop_daemon   # the final counters come from --stats-out
	[ -s "$DSTATS" ] || { WHY="no --stats-out file after SIGTERM (exit $STOP_RC)"; return 1; }
	local moved ctx entries
	moved=$(sjson 'port["a"]["RxPackets"] + port["b"]["RxPackets"]') || { WHY="bad stats JSON"; return 1; }
	ctx=$(sjson 'port["c"]["TxPackets"]')
	entries=$(sjson 'd["MacTable"]["Entries"]')
	if [ "$moved" -lt 10000 ]; then
		WHY="ports a+b received only $moved packets; the 20 MB transfer alone is ~14,500 segments"
		return 1
	fi
	if [ $((ctx * 100)) -gt "$moved" ]; then
		WHY="port c (bystander) transmitted $ctx packets while a+b received $moved: unicast is flooded"
		return 1
	fi
	if [ "$entries" -lt 2 ]; then
		WHY="MacTable.Entries is $entries, expected >= 2"
		return 1
	fi
}

test_sigterm_writes_stats_and_exits_0() {
	need_phase1 || return 1
	stop_daemon
	if [ "$STOP_RC" != 0 ]; then
		WHY="exit code after SIGTERM: $STOP_RC ($(tail -2 "$DLOG" | tr '\n' ' '))"
		return 1
	fi
	if [ "$STOP_MS" -gt 5000 ]; then
		WHY="took $STOP_MS ms to exit after SIGTERM (limit 5000)"
		return 1
	fi
	[ -s "$DSTATS" ] || { WHY="--stats-out file $DSTATS missing or empty"; return 1; }
	"$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$DSTATS" 2>/dev/null ||
		{ WHY="--stats-out is not valid JSON: $(head -c 200 "$DSTATS")"; return 1; }
	local n name dev rx tx krx ktx lost
	n=$(sjson 'len(d["Ports"])')
	[ "$n" = 3 ] || { WHY="stats have $n ports, expected 3"; return 1; }
	sjson '[d[k] for k in ("Drops", "MacTable", "Workers")]' >/dev/null 2>&1 ||
		{ WHY="stats lack Drops, MacTable or Workers"; return 1; }
	# The switch's counters against the kernel's on the host end of each
	# veth: what the switch sent is exactly what the veth carried to the
	# namespace; what the namespace sent was received or counted lost by
	# the device (Device: RxMissed, with the af_packet ring's drops), give
	# or take the frames the root namespace's own stack sends on the host
	# end (IPv6 MLD/ND), which the af_packet socket receives as well.
	for name in a b c; do
		case $name in a) dev=$HA ;; b) dev=$HB ;; c) dev=$HC ;; esac
		rx=$(sjson "port['$name']['RxPackets']")
		lost=$(sjson "sum(port['$name']['Device'][k] for k in ('RxMissed', 'RxErrors', 'RxNoMbuf'))")
		tx=$(sjson "port['$name']['TxPackets']")
		krx=$(kcount "$dev" rx_packets)
		ktx=$(kcount "$dev" tx_packets)
		if [ "$name" != c ] && [ "$rx" -le 0 ]; then
			WHY="port $name RxPackets is $rx after ping and iperf3"
			return 1
		fi
		if [ $((rx + lost - krx)) -gt $((krx / 100 + 64)) ] || [ $((krx - rx - lost)) -gt 5 ]; then
			WHY="port $name RxPackets $rx + $lost lost in the device vs $krx frames the namespace sent"
			return 1
		fi
		if [ $((tx - ktx)) -gt $((ktx / 100 + 5)) ] || [ $((ktx - tx)) -gt $((ktx / 100 + 5)) ]; then
			WHY="port $name TxPackets $tx vs $ktx frames the veth carried"
			return 1
		fi
	done
}

# ---------------------------------------------------------------- phase 2

test_access_vlans_isolate() {
	flush_neighbours
	write_config "$W/access.json" \
		'{"OperationMode": "Access", "AccessVlanId": 10}' \
		'{"OperationMode": "Access", "AccessVlanId": 10}' \
		'{"OperationMode": "Access", "AccessVlanId": 20}'
	start_daemon access "$W/access.json" || return 1
	wait_ping "$NS_A" "$IP_B" 20 || { WHY="no ping a -> b (both VLAN 10) within 20 s"; return 1; }
	ping3 "$NS_A" "$IP_B" || return 1
	ping3 "$NS_B" "$IP_A" || return 1
	ping_fails "$NS_A" "$IP_C" || return 1
	ping_fails "$NS_C" "$IP_A" || return 1
	ping_fails "$NS_C" "$IP_B" || return 1
	stop_daemon
	[ "$STOP_RC" = 0 ] || { WHY="exit code after SIGTERM: $STOP_RC"; return 1; }
	local crx ctx
	crx=$(sjson 'port["c"]["RxPackets"]') || { WHY="bad stats JSON"; return 1; }
	ctx=$(sjson 'port["c"]["TxPackets"]')
	# c's ARP requests reached the switch; nothing from VLAN 10 reached c.
	[ "$crx" -gt 0 ] || { WHY="port c RxPackets is 0: its ARP requests never reached the switch"; return 1; }
	[ "$ctx" = 0 ] || { WHY="port c (VLAN 20) was sent $ctx frames from VLAN 10"; return 1; }
}

# ---------------------------------------------------------------- main

CASES=(test_ping_crosses_switch test_tcp_transfer_crosses_switch
	test_learned_unicast_is_not_flooded test_sigterm_writes_stats_and_exits_0
	test_access_vlans_isolate)


run_cases
