# Shared plumbing of the end-to-end scripts (run.sh, nat.sh, l2bridge.sh,
# generator.sh): the run's work directory and cleanup trap, results,
# namespaces and veths, starting and stopping vswitchd (stopped on every
# exit, failure or signal), waits for conditions (never fixed sleeps as
# synchronisation), ping helpers, the stats JSON, the REST API on $SOCK
# (api, jget, ok).
#
# A script sets VSWITCHD and PY, sources this file, calls
# "e2e_init LABEL DIRTAG" (LABEL: its summary prefix, "e2e-nat"), then
# sets EAL_PREFIX (unique per run: include $$) and API_ARGS. Names of
# namespaces and veths include $$ too, so parallel runs never meet. It may
# define cleanup_hook (run first on exit: its own processes, sysctls).
# DPID/DLOG/DSTATS/WHY/STOP_RC/STOP_MS are kept as the functions leave them.
# shellcheck shell=bash

# e2e_init LABEL DIRTAG: the work directory W (/tmp/hvs-DIRTAG.XXXXXX),
# zeroed results and the exit trap.
e2e_init() {
	E2E_LABEL=$1
	W=$(mktemp -d "/tmp/hvs-$2.XXXXXX")
	DPID="" DLOG="" DSTATS="" STOP_RC="" STOP_MS="" WHY=""
	E2E_NS=() E2E_DEVS=() E2E_PIDS=()
	passed=0
	failed=0
	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM
}

# e2e_cleanup (the EXIT trap): the script's cleanup_hook, the daemon
# stopped (SIGTERM, SIGKILL after 10 s), every namespace and host veth
# ns_link made, the DPDK runtime and hugepage files of EAL_PREFIX*, and
# the work directory unless E2E_KEEP is set (and not 0). Idempotent.
e2e_cleanup() {
	local dev pid
	if declare -F cleanup_hook >/dev/null; then cleanup_hook; fi
	for pid in "${E2E_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	E2E_PIDS=()
	stop_daemon
	remove_namespaces "${E2E_NS[@]}"
	E2E_NS=()
	for dev in "${E2E_DEVS[@]}"; do ip link del "$dev" 2>/dev/null; done
	E2E_DEVS=()
	if [ -n "${EAL_PREFIX:-}" ]; then
		rm -rf /var/run/dpdk/"$EAL_PREFIX"-*
		rm -f /dev/hugepages/"$EAL_PREFIX"-*
	fi
	if [ -n "${E2E_KEEP:-}" ] && [ "$E2E_KEEP" != 0 ]; then
		echo "$E2E_LABEL: logs kept in $W" >&2
	else
		rm -rf "$W"
	fi
}

# e2e_summary: the last line, "LABEL: N passed, M failed"; returns 1 on
# any failure.
e2e_summary() {
	echo "$E2E_LABEL: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

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

# E2E_CORES: the EAL core options (default "-l 0,1": one worker).

# How long a start may take to report "running" (a loaded 2-CPU machine
# took more than 10 s).
E2E_START_SECS=${E2E_START_SECS:-60}

start_daemon_once() {
	local tag=$1 cfg=$2 end
	stop_daemon # never two daemons: a previous one that is still up stops first
	DLOG=$W/vswitchd-$tag.log
	DSTATS=$W/stats-$tag.json
	rm -f "$DSTATS"
	: >"$DLOG"
	# shellcheck disable=SC2086 # E2E_CORES: EAL core options, split
	"$VSWITCHD" "${DAEMON_MEM[@]}" --no-pci ${E2E_CORES:--l 0,1} --file-prefix="$EAL_PREFIX-$tag" \
		--log-level=error -- --config "$cfg" --stats-out "$DSTATS" "${API_ARGS[@]}" >"$DLOG" 2>&1 &
	DPID=$!
	end=$((SECONDS + E2E_START_SECS))
	while [ $SECONDS -lt $end ]; do
		grep -qs 'running with' "$DLOG" && return 0
		if ! kill -0 "$DPID" 2>/dev/null; then
			wait "$DPID"
			WHY="vswitchd exited with code $? at startup: $(grep -v '^EAL:' "$DLOG" | tail -2 | tr '\n' ' ')"
			DPID=""
			return 1
		fi
		sleep 0.1
	done
	WHY="vswitchd did not report running within $E2E_START_SECS s: $(tail -3 "$DLOG" | tr '\n' ' ')"
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

# wait_until SECONDS COMMAND...: runs COMMAND every 0.1 s until it
# succeeds (0) or SECONDS pass (1).
wait_until() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" && return 0
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

# wait_socket PATH [SECONDS]: until the daemon's API socket exists.
wait_socket() { wait_until "${2:-10}" test -S "$1"; }

# wait_listening NS tcp|udp PORT [COUNT [SECONDS]]: until COUNT (default
# 1) sockets in NS listen on (tcp) or are bound to (udp) PORT: a server
# started in the background is ready for its client.
wait_listening() {
	local flags=-Hltn
	[ "$2" = udp ] && flags=-Hlun
	wait_until "${5:-10}" _listening "$1" "$flags" "$3" "${4:-1}"
}
_listening() { [ "$(nsx "$1" ss "$2" "sport = :$3" 2>/dev/null | grep -c .)" -ge "$4" ]; }

# wait_stable SECONDS POLLS COMMAND...: runs COMMAND (it prints a counter
# or a few) every 0.2 s until it printed the same thing POLLS times in a
# row (whatever it counts is idle), at most SECONDS; prints that output
# and returns 0, or prints the last output and returns 1 on timeout.
wait_stable() {
	local secs=$1 polls=$2 end last cur same=1
	shift 2
	end=$((SECONDS + secs))
	last=$("$@")
	while [ "$same" -lt "$polls" ]; do
		if [ $SECONDS -ge $end ]; then
			echo "$last"
			return 1
		fi
		sleep 0.2
		cur=$("$@")
		if [ "$cur" = "$last" ]; then same=$((same + 1)); else same=1; fi
		last=$cur
	done
	echo "$last"
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

# tcp_echo NS IP PORT: a TCP server in NS on IP:PORT (0.0.0.0: all) that
# answers each connection with the address it came from, then closes it
# (background; its pid is appended to E2E_PIDS, killed by the exit trap).
tcp_echo() {
	nsx "$1" "$PY" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(16)
while True:
    c, a = s.accept()
    c.sendall(a[0].encode() + b"\n"); c.close()' "$2" "$3" >"$W/echo-$1-$3.log" 2>&1 &
	E2E_PIDS+=($!)
}

# seen_from NS IP PORT: the source address the tcp_echo server at IP:PORT
# sees for a connection from NS (empty if the connection failed)
seen_from() { nsx "$1" curl -s --max-time 3 "telnet://$2:$3" </dev/null 2>/dev/null | tr -d '\r\n'; }

# expect_seen_from NS IP PORT WANT: the server at IP:PORT sees NS's
# connection from WANT (retried while the path warms up: ARP on both sides)
expect_seen_from() {
	local got=""
	for _ in $(seq 20); do
		got=$(seen_from "$1" "$2" "$3")
		[ "$got" = "$4" ] && return 0
		sleep 0.2
	done
	WHY="a connection from $1 to $2:$3 is seen from '${got}', expected $4"
	return 1
}

# The REST API of the daemon listening on the unix socket $SOCK (scripts
# with another socket define their own api after sourcing this file).
api() { # api METHOD PATH [BODY]: prints the response body
	curl -s --unix-socket "$SOCK" -X "$1" ${3:+-H 'Content-Type: application/json' -d "$3"} \
		"http://localhost$2"
}
# jget EXPR: EXPR of the JSON document d read from stdin, printed
jget() { "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# ok: does the reply on stdin say "Success": true?
ok() { grep -q '"Success": *true'; }

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

# loss_counters STATS_JSON NAME=HOSTDEV...: per switch port NAME (on the
# host veth end HOSTDEV) one line "NAME krx ktx ktxdrop rx tx devrx devtx
# ring": the kernel's rx_packets, tx_packets, tx_dropped on HOSTDEV, the
# switch's RxPackets, TxPackets, the device's RX losses (RxMissed +
# RxErrors + RxNoMbuf), TxErrors and KernelRingDrops. STATS_JSON is a
# /stats document (a file).
loss_counters() {
	local doc=$1 spec
	shift
	for spec in "$@"; do
		echo "${spec%%=*} $(kcount "${spec#*=}" rx_packets) $(kcount "${spec#*=}" tx_packets) $(kcount "${spec#*=}" tx_dropped)"
	done | "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
port = {p["Name"]: p for p in d["Ports"]}
for line in sys.stdin:
    name, krx, ktx, kdrop = line.split()
    p = port[name]; dev = p["Device"]
    print(name, krx, ktx, kdrop, p["RxPackets"], p["TxPackets"],
          dev["RxMissed"] + dev["RxErrors"] + dev["RxNoMbuf"], dev["TxErrors"],
          dev["KernelRingDrops"])' "$doc"
}

# loss_check BEFORE AFTER: BEFORE and AFTER are loss_counters outputs (the
# same ports); every frame the host veth gave the switch was received or
# counted as a device loss, and every frame the switch sent was carried,
# dropped by the veth or counted as a device TX error (within TOL frames
# a port, default 5: what the host itself sends or receives on the veth).
# Sets WHY and returns 1 otherwise; prints "NAME: N frames in, M lost
# (ring R)" per port.
loss_check() {
	"$PY" - "$1" "$2" "${3:-5}" <<'EOF2'
import sys
def parse(t):
    return {l.split()[0]: [int(x) for x in l.split()[1:]] for l in t.strip().splitlines()}
b, a, tol = parse(sys.argv[1]), parse(sys.argv[2]), int(sys.argv[3])
bad = []
for name in a:
    d = [x - y for x, y in zip(a[name], b[name])]
    krx, ktx, kdrop, rx, tx, devrx, devtx, ring = d
    print("%s: %d frames in, %d received, %d lost by the device (ring %d); %d sent, %d carried, %d dropped by the veth, %d TX errors"
          % (name, krx, rx, devrx, ring, tx, ktx, kdrop, devtx))
    if abs(krx - (rx + devrx)) > tol:
        bad.append("%s: the veth gave %d frames, the switch received %d and counted %d lost" % (name, krx, rx, devrx))
    if abs(tx - (ktx + kdrop + devtx)) > tol:
        bad.append("%s: the switch sent %d frames, the veth carried %d, dropped %d, TX errors %d" % (name, tx, ktx, kdrop, devtx))
if bad:
    print("WHY " + "; ".join(bad))
    sys.exit(1)
EOF2
}

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
	E2E_NS+=("$1")
	E2E_DEVS+=("$2")
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

# run_cases [SUITE]: the script's CASES (an array) after prereq, curl
# (when NEED_CURL=1), the script's setup (namespaces) and start (daemon)
# functions; PASS/FAIL per case, then the daemon is stopped (with SUITE, a
# non-zero exit fails test_SUITE_daemon_stops_cleanly) and the summary
# printed. Returns 0 if nothing failed.
run_cases() {
	local suite=${1:-} c why
	if ! why=$(prereq); then
		for c in "${CASES[@]}"; do fail "$c" "$why"; done
	elif [ "${NEED_CURL:-0}" = 1 ] && ! command -v curl >/dev/null; then
		for c in "${CASES[@]}"; do fail "$c" "curl is missing"; done
	elif ! setup >"$W/setup.log" 2>&1; then
		for c in "${CASES[@]}"; do fail "$c" "namespace setup: $(tail -2 "$W/setup.log" | tr '\n' ' ')"; done
	else
		start
		for c in "${CASES[@]}"; do run_case "$c"; done
		stop_daemon
		[ -z "$suite" ] || [ "$STOP_RC" = 0 ] || fail "test_${suite}_daemon_stops_cleanly" "exit $STOP_RC"
	fi
	e2e_summary
}
