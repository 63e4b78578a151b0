# Shared plumbing of the end-to-end scripts (run.sh, nat.sh): results,
# namespaces, starting and stopping vswitchd, ping helpers, the stats JSON.
# The sourcing script sets VSWITCHD, PY, W (work dir), EAL_PREFIX and
# API_ARGS, and keeps DPID/DLOG/DSTATS/WHY as the functions leave them.
# shellcheck shell=bash
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# run_case NAME [AS]: runs function NAME; it returns 0 or sets WHY and
# returns 1. Reported as AS (default NAME).
run_case() {
	WHY="unknown reason"
	if "$1"; then pass "${2:-$1}"; else fail "${2:-$1}" "$WHY"; fi
}

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Disables IPv6 (no autoconf chatter: a namespace only sends what a test
# makes it send) and the offloads af_packet cannot carry (checksums, TSO).
quiet_dev() { # quiet_dev NS|"" DEV
	local pre=()
	[ -n "$1" ] && pre=(ip netns exec "$1")
	"${pre[@]}" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1" >/dev/null 2>&1
	"${pre[@]}" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1
}

# start_daemon TAG CONFIG: starts vswitchd and waits until it reports its
# ports running (or dies). Sets DPID, DLOG, DSTATS; WHY on failure.
# DPDK 22.11's af_packet PMD names its PACKET_FANOUT group (pid ^ ifindex),
# which can collide with another af_packet process on the host (a parallel
# run): the probe then fails with EINVAL. A new process has a new pid, so
# that one failure is retried.
start_daemon() {
	for _ in 1 2 3 4 5; do
		start_daemon_once "$@" && return 0
		grep -qs 'could not set PACKET_FANOUT' "$DLOG" || return 1
	done
	return 1
}

# EAL memory options; a suite may set DAEMON_MEM (hugepages) before
# starting the daemon.
[ -n "${DAEMON_MEM+set}" ] || DAEMON_MEM=(--no-huge -m 512)

start_daemon_once() {
	local tag=$1 cfg=$2
	DLOG=$W/vswitchd-$tag.log
	DSTATS=$W/stats-$tag.json
	rm -f "$DSTATS"
	: >"$DLOG"
	"$VSWITCHD" "${DAEMON_MEM[@]}" --no-pci -l 0,1 --file-prefix="$EAL_PREFIX-$tag" \
		--log-level=error -- --config "$cfg" --stats-out "$DSTATS" "${API_ARGS[@]}" >"$DLOG" 2>&1 &
	DPID=$!
	for _ in $(seq 150); do
		grep -qs 'running with' "$DLOG" && return 0
		if ! kill -0 "$DPID" 2>/dev/null; then
			wait "$DPID"
			WHY="vswitchd exited with code $? at startup: $(grep -v '^EAL:' "$DLOG" | tail -2 | tr '\n' ' ')"
			DPID=""
			return 1
		fi
		sleep 0.1
	done
	WHY="vswitchd did not report running within 15 s: $(tail -3 "$DLOG" | tr '\n' ' ')"
	return 1
}

# stop_daemon: SIGTERM, wait up to 10 s. Sets STOP_RC (exit code or
# "timeout") and STOP_MS. Idempotent: a second call keeps the first result.
stop_daemon() {
	[ -n "$DPID" ] || return 0
	local t0 t1
	t0=$(date +%s%N)
	kill -TERM "$DPID"
	for _ in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$DPID" 2>/dev/null; then
		STOP_RC=timeout
		kill -KILL "$DPID"
		wait "$DPID" 2>/dev/null
	else
		wait "$DPID"
		STOP_RC=$?
	fi
	t1=$(date +%s%N)
	STOP_MS=$(((t1 - t0) / 1000000))
	DPID=""
}

# wait_ping NS IP SECONDS: until one ping gets through (the switch is up
# and forwarding), or the deadline passes.
wait_ping() {
	local end=$((SECONDS + $3))
	while [ $SECONDS -lt $end ]; do
		nsx "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# ping3 NS IP: ping -c 3 -W 2 with every reply received.
ping3() {
	local out
	out=$(nsx "$1" ping -c 3 -i 0.2 -W 2 "$2" 2>&1)
	echo "$out" | grep -q ' 3 received' && return 0
	WHY="ping $2 from $1: $(echo "$out" | grep -E 'transmitted|unreachable|error' | head -1)"
	return 1
}

# ping_fails NS IP: no reply at all.
ping_fails() {
	local out
	out=$(nsx "$1" ping -c 3 -i 0.3 -W 1 "$2" 2>&1)
	echo "$out" | grep -qE ' 0 received|, 0 packets received' && return 0
	WHY="ping $2 from $1 got replies across VLANs: $(echo "$out" | grep transmitted)"
	return 1
}

# sjson EXPR: Python expression on the --stats-out JSON; "d" is the document,
# "port" maps a port name to its object.
sjson() {
	"$PY" - "$DSTATS" "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
port = {p["Name"]: p for p in d["Ports"]}
print(eval(sys.argv[2]))
EOF
}

kcount() { cat "/sys/class/net/$1/statistics/$2" 2>/dev/null || echo 0; }

prereq() {
	local missing=() c
	[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces, af_packet)"; return 1; }
	[ -x "$VSWITCHD" ] || { echo "no vswitchd at $VSWITCHD (meson setup build && ninja -C build)"; return 1; }
	for c in ip:iproute2 ping:iputils-ping iperf3:iperf3 ethtool:ethtool ss:iproute2; do
		command -v "${c%%:*}" >/dev/null || missing+=("${c#*:}")
	done
	if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null 2>&1 &&
				DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; }
		missing=()
		for c in ip ping iperf3 ethtool ss; do command -v "$c" >/dev/null || missing+=("$c"); done
	fi
	[ ${#missing[@]} -eq 0 ] || { echo "missing tools: ${missing[*]}"; return 1; }
}

# ns_link NS HOSTDEV NSDEV CIDR [GATEWAY]: a namespace (no IPv6 chatter)
# joined to the host by a veth pair whose host end HOSTDEV becomes a switch
# port; NSDEV gets CIDR and, if given, a default route via GATEWAY.
ns_link() {
	ip netns add "$1" || return 1
	nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null
	nsx "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	ip link add "$2" type veth peer name "$3" || return 1
	ip link set "$3" netns "$1" || return 1
	quiet_dev "" "$2"
	quiet_dev "$1" "$3"
	ip link set "$2" up || return 1
	nsx "$1" ip link set lo up
	nsx "$1" ip addr add "$4" dev "$3" || return 1
	nsx "$1" ip link set "$3" up
	[ -z "${5:-}" ] || nsx "$1" ip route add default via "$5"
}

# remove_namespaces NS...: stops what runs in them (only this script
# started processes there) and deletes them.
remove_namespaces() {
	local ns pid
	for ns in "$@"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
}

# run_cases SUITE: the script's CASES (an array) after prereq, curl, the
# script's setup (namespaces) and start (daemon) functions; PASS/FAIL per
# case, then the daemon is stopped and "e2e-SUITE: N passed, M failed"
# printed. Returns 0 if nothing failed.
run_cases() {
	local suite=$1 c why
	if ! why=$(prereq); then
		for c in "${CASES[@]}"; do fail "$c" "$why"; done
	elif ! command -v curl >/dev/null; then
		for c in "${CASES[@]}"; do fail "$c" "curl is missing"; done
	elif ! setup >"$W/setup.log" 2>&1; then
		for c in "${CASES[@]}"; do fail "$c" "namespace setup: $(tail -2 "$W/setup.log" | tr '\n' ' ')"; done
	else
		start
		for c in "${CASES[@]}"; do run_case "$c"; done
		stop_daemon
		[ "$STOP_RC" = 0 ] || fail "test_${suite}_daemon_stops_cleanly" "exit $STOP_RC"
	fi
	echo "e2e-$suite: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
