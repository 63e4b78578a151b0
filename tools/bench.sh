#!/bin/bash
# L2 switching benchmark (SPEC section 8), side by side with the peers.
#
# usage: tools/bench.sh [SECONDS] [--vlan] [--acl-rules N[,N...]]... [--no-peers]
#                                                             (run as root)
#   SECONDS      how long each vswitchd run lasts (default 10)
#   --vlan       also measure with VLANs: access port in, trunk port out,
#                so every frame gets a tag pushed
#   --acl-rules N  also measure with N port ACL rules on port "in"
#                (repeatable, or a list: --acl-rules 0,100,10000): N-1
#                random /32 Deny rules (Direction Both, local and remote
#                addresses none of the frames carry) plus one Allow
#                Outbound for the frames' destination, so every frame is
#                classified and allowed; N=0 is the same switch without
#                rules. Prints "hvswitch-acl-N <Mpps>" and the ratio of
#                each N to N=0 (else to hvswitch-l2), target >= 0.90
#   --nat        also measure WinNAT SNAT of the same 1024 established UDP
#                flows: port "in" is inside a NAT 10.0.0.0/8, "sink" is the
#                uplink (192.0.2.10/24, static neighbour 192.0.2.1, MAC
#                02:00:00:00:ff:01 so the frames reach the router); ratios
#                to OVS-DPDK conntrack SNAT (ovs-nat), target >= 3. Then the
#                same with 1,000,000 established flows (tests/bench/
#                mknatpcap.py: 1000 sockets x 1000 remotes) and the NAT
#                core alone (build/tests/bench/winnat-bench: new sessions
#                per second, target >= 1,000,000; established 1M and 1k)
#   --trace-cost also measure L2 with a build whose trace hooks are
#                compiled out (VSWITCHD_NOHOOKS, default build-nohooks/
#                vswitchd, built with -Dtrace_hooks=false if missing):
#                tracing off must cost nothing measurable
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
NAT=0
TRACE_COST=0
RUN_PEERS=1
ACL_RULES=()
want_rules=0
# add_rule_counts "0,100,10000": appends to ACL_RULES, exits 2 on junk.
add_rule_counts() {
	local n
	[ -n "$1" ] || { echo "bench: --acl-rules needs a count (e.g. 0,100,10000)" >&2; exit 2; }
	for n in ${1//,/ }; do
		case $n in
		*[!0-9]*) echo "bench: --acl-rules: '$n' is not a rule count" >&2; exit 2 ;;
		esac
		[ "${#n}" -le 5 ] && [ "$n" -le 65536 ] ||
			{ echo "bench: --acl-rules: at most 65536 rules a port" >&2; exit 2; }
		ACL_RULES+=("$((10#$n))")
	done
}
for a in "$@"; do
	if [ $want_rules = 1 ]; then
		want_rules=0
		add_rule_counts "$a"
		continue
	fi
	case $a in
	--vlan) VLAN=1 ;;
	--nat) NAT=1 ;;
	--trace-cost) TRACE_COST=1 ;;
	--no-peers) RUN_PEERS=0 ;;
	--acl-rules) want_rules=1 ;;
	--acl-rules=*) add_rule_counts "${a#--acl-rules=}" ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*[!0-9]* | "") echo "bench: unknown argument '$a' (see --help)" >&2; exit 2 ;;
	*) SECS=$a ;;
	esac
done
[ $want_rules = 0 ] || { echo "bench: --acl-rules needs a count (e.g. 0,100,10000)" >&2; exit 2; }
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
# measure NAME CONFIG [MEM_MB]: runs vswitchd for SECS seconds, prints
# "NAME <Mpps>".
measure() {
	local name=$1 cfg=$2 mem=${3:-1024} log=$W/$1.log up=0 mpps
	echo "bench: $VSWITCHD --no-huge -m $mem --no-pci -l 0,1 ... -- --config $cfg --stats-interval 1  ($SECS s)" >&2
	: >"$log"
	"$VSWITCHD" --no-huge -m "$mem" --no-pci -l 0,1 --file-prefix="hvsbench$$-$name" \
		--log-level=error -- --config "$cfg" --stats-interval 1 "${API_ARGS[@]}" >"$log" 2>&1 &
	DPID=$!
	for _ in $(seq 600); do
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
if [ $TRACE_COST = 1 ]; then
	NOHOOKS=${VSWITCHD_NOHOOKS:-build-nohooks/vswitchd}
	if [ ! -x "$NOHOOKS" ]; then
		{ meson setup build-nohooks -Dtrace_hooks=false -Dtests=disabled &&
			ninja -C build-nohooks vswitchd; } >"$W/nohooks-build.log" 2>&1 ||
			{ echo "bench: cannot build build-nohooks:" >&2; tail -5 "$W/nohooks-build.log" >&2; }
	fi
	if [ -x "$NOHOOKS" ]; then
		# the two builds alternate, so drift hits both alike
		WITH=$VSWITCHD
		VSWITCHD=$NOHOOKS measure hvswitch-l2-nohooks configs/bench-l2.json
		VSWITCHD=$WITH measure hvswitch-l2-hooks configs/bench-l2.json
		VSWITCHD=$NOHOOKS measure hvswitch-l2-nohooks-2 configs/bench-l2.json
		VSWITCHD=$WITH measure hvswitch-l2-hooks-2 configs/bench-l2.json
		awk 'NF == 2 { v[$1] = $2 } END {
			a = (v["hvswitch-l2-hooks"] + v["hvswitch-l2-hooks-2"]) / 2
			b = (v["hvswitch-l2-nohooks"] + v["hvswitch-l2-nohooks-2"]) / 2
			if (b > 0) printf "hvswitch-l2-hooks/hvswitch-l2-nohooks %.3f\n", a / b }' "$RESULTS" |
			tee -a "$W/trace-ratio"
	fi
fi
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

if [ $NAT = 1 ]; then
	cat >"$W/bench-nat.json" <<EOF
{
  "Switch": {"Name": "vSwitch"},
  "Ports": [
    {"Name": "in", "Devargs": "net_pcap0,rx_pcap=$PCAP,infinite_rx=1"},
    {"Name": "sink", "Devargs": "net_null0,no-rx=1", "Uplink": true,
     "MacAddress": "02:00:00:00:ff:01", "IPAddresses": ["192.0.2.10/24"],
     "DefaultGateway": "192.0.2.1",
     "Neighbors": [{"IPAddress": "192.0.2.1", "MacAddress": "02:00:00:00:ff:02"}]}
  ],
  "Nats": [{"Name": "bench", "InternalIPInterfaceAddressPrefix": "10.0.0.0/8"}]
}
EOF
	measure hvswitch-nat "$W/bench-nat.json"
	NAT1M=/tmp/hvswitch-bench-nat-1m.pcap
	[ -f "$NAT1M" ] || "$PY" tests/bench/mknatpcap.py "$NAT1M" --flows 1000000 --sockets 1000
	sed -e "s|rx_pcap=$PCAP|rx_pcap=$NAT1M|" \
	    -e 's|"Switch": {"Name": "vSwitch"}|"Switch": {"Name": "vSwitch", "PacketBuffers": 1050000}|' \
	    -e 's|"InternalIPInterfaceAddressPrefix": "10.0.0.0/8"|&, "MaxSessions": 1500000|' \
	    "$W/bench-nat.json" >"$W/bench-nat-1m.json"
	measure hvswitch-nat-1m "$W/bench-nat-1m.json" 8192
	WB=${WINNAT_BENCH:-$(dirname "$VSWITCHD")/tests/bench/winnat-bench}
	if [ -x "$WB" ]; then
		echo "bench: $WB (NAT core, one core, no I/O)" >&2
		"$WB" --no-huge -m 2048 --no-pci -l 1 --file-prefix="hvsbench$$-wb" --log-level=error |
			tee "$W/winnat-bench.txt" >&2
		awk '/new-sessions/ {print "winnat-new-sessions-per-s", $(NF-4) * 1e6}' "$W/winnat-bench.txt" |
			tee -a "$RESULTS"
	fi
fi

# acl_config N FILE: the L2 config with N port ACL rules on "in" (see the
# header). The frames (mkpcap.py) go from 10.0.x.y to 192.0.2.1: the deny
# rules use addresses outside 10.0.0.0/8 and 192.0.2.0/24, from a fixed
# seed so every run measures the same rule set.
acl_config() {
	"$PY" - "$1" "$PCAP" >"$2" <<'PYEOF'
import ipaddress, json, random, sys
n, pcap = int(sys.argv[1]), sys.argv[2]
rng = random.Random(4)
used, acls = set(), []
while len(acls) < max(0, n - 1):
    a = ipaddress.IPv4Address(rng.randrange(1 << 24, 224 << 24))
    if a in used or a in ipaddress.ip_network("10.0.0.0/8") or \
            a in ipaddress.ip_network("192.0.2.0/24"):
        continue
    used.add(a)
    side = "RemoteIPAddress" if len(acls) % 2 == 0 else "LocalIPAddress"
    acls.append({"Action": "Deny", "Direction": "Both", side: str(a)})
if n > 0:
    acls.append({"Action": "Allow", "Direction": "Outbound", "RemoteIPAddress": "192.0.2.1"})
port_in = {"Name": "in", "Devargs": f"net_pcap0,rx_pcap={pcap},infinite_rx=1"}
if acls:
    port_in["Acls"] = acls
print(json.dumps({"Switch": {"Name": "vSwitch"},
                  "Ports": [port_in, {"Name": "sink", "Devargs": "net_null0,no-rx=1",
                                      "MacAddresses": ["02:00:00:00:ff:01"]}]}))
PYEOF
}

for n in "${ACL_RULES[@]}"; do
	acl_config "$n" "$W/bench-acl-$n.json" ||
		{ echo "bench: cannot write the config with $n ACL rules" >&2; exit 2; }
	measure "hvswitch-acl-$n" "$W/bench-acl-$n.json"
done
if [ ${#ACL_RULES[@]} -gt 0 ]; then
	# each rule count against no rules: N=0 if measured, else the L2 run
	awk -v rules="${ACL_RULES[*]}" '
		NF == 2 { v[$1] = $2 }
		END {
			base = ("hvswitch-acl-0" in v) ? "hvswitch-acl-0" : "hvswitch-l2"
			n = split(rules, r, " ")
			for (i = 1; i <= n; i++) {
				a = "hvswitch-acl-" r[i]
				if (a == base) continue
				if ((a in v) && (base in v) && v[a] ~ /^[0-9.]+$/ && v[base] ~ /^[0-9.]+$/ && v[base] > 0)
					printf "%s/%s %.2f\n", a, base, v[a] / v[base]
				else
					printf "%s/%s NA\n", a, base
			}
		}' "$RESULTS" | tee -a "$W/acl-ratios"
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
	awk -v rules="${ACL_RULES[*]}" '
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
			ratio("hvswitch-nat", "testpmd-io"); ratio("hvswitch-nat", "ovs-nat")
			n = split(rules, r, " ")
			for (i = 1; i <= n; i++)
				ratio("hvswitch-acl-" r[i], "testpmd-io")
		}' "$RESULTS"
fi
