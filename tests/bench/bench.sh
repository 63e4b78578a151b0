#!/bin/bash
# The benchmark (SPEC section 8): hvswitch side by side with its peers, one
# run, one table.
#
# usage: tests/bench/bench.sh [SECONDS] [--smoke] [--no-peers] [--out DIR]
#            [--vlan] [--acl-rules N[,N...]] [--nat] [--sizes] [--scaling]
#            [--lb] [--obnat] [--pod-acls] [--vxlan] [--latency] [--trace-cost]  (run as root)
#   SECONDS      how long each vswitchd run lasts (default 10, at least 4)
#   no case option: every case below but --trace-cost (the full run);
#   with case options: hvswitch-l2 plus the cases named
#   --vlan       L2 with VLANs: access port in, trunk port out (tag pushed)
#   --acl-rules N  L2 with N port ACL rules on port "in" (repeatable, or a
#                list: 0,100,10000; the full run does 0,10000): N-1 random
#                /32 Deny rules (Direction Both, addresses none of the
#                frames carry) plus one Allow Outbound for the frames'
#                destination, so every frame is classified and allowed
#   --nat        WinNAT SNAT of 1024 established UDP flows (port "in"
#                inside a NAT 10.0.0.0/8, "sink" the uplink), the same
#                with 1,000,000 flows (mknatpcap.py, 1000 sockets x 1000
#                remotes), new sessions per second through the ports
#                (hvswitch-nat-new: 6,000,000 distinct flows replayed once,
#                not looped, so every frame makes a session and is routed
#                out; the median of the whole seconds' "rate nat
#                created_ps"), and the NAT core alone (winnat-bench: new
#                sessions per second, no I/O)
#   --lb         load balancer (issue 17): established UDP connections
#                through a ClusterIP (10.96.0.10:53, 4 backends on the
#                uplink's link, static Neighbors) from port "in" to the
#                uplink "sink", 1,000 flows and 1,000,000 flows
#                (mknatpcap.py --vip), and L2 with an LB present that
#                none of the frames is for; rows against testpmd io and
#                ovs-lb (OVS doing it the OVN way, ct(nat) + a select
#                group, 1,000 flows: tests/bench/ovs_peers.sh)
#   --pod-acls   L2 between two ports that each hold a pod's HNS ACL set
#                of 50 rules (extended ACLs, Calico-like; every frame
#                classified leaving one and entering the other), and the
#                memory of a 110-pod node's ACL state (acl-scale-bench)
#   --vxlan      Overlay networks (issue 19): VXLAN encapsulation of 1,024
#                pod UDP flows routed by the DR to a RemoteSubnetRoute (port
#                "in" a pod's endpoint, "sink" the uplink with the provider
#                address and the remote PA as a static neighbour) and
#                decapsulation of the same flows to the pod (port "in" the
#                uplink, "sink" the pod's port); 64-byte pod frames, and
#                1518-byte outer frames (the largest a 1500-byte MTU
#                underlay carries: 1468-byte pod frames) (mkvxlanpcap.py)
#   --obnat      HNS OutBoundNAT (issue 18): port "in" is an L2Bridge
#                endpoint with win-bridge's policy (ExceptionList
#                10.244.0.0/16, 10.96.0.0/12, 192.0.2.0/24), its frames
#                (mknatpcap.py: sources 10.1.x.y, 1000 sockets) known
#                unicast to a MAC on the uplink "sink", SNATed to the
#                uplink's 192.0.2.10: 1,000 and 1,000,000 established
#                flows (ovs-nat is the peer row)
#   --sizes      L2 with 1518-byte frames (mkpcap.py --size 1518); the
#                peers are measured on that pcap too
#   --scaling    L2 with two pcap inputs into one sink, 1 worker then 2
#                workers (EAL --lcores 0@0,1@1,2@0); the ratio 2w/1w
#   --latency    L2 and NAT again with vswitchd --latency: p50/p99 RX->TX
#                in microseconds from --stats-out
#   --trace-cost L2 alternating with a build whose trace hooks are compiled
#                out (VSWITCHD_NOHOOKS, default build-nohooks/vswitchd)
#   --no-peers   skip dpdk-testpmd / OVS-DPDK (shared/bench/peers.sh)
#   --smoke      CI mode: about two seconds a case, no peers, no 1M-flow
#                case, winnat-bench on 100,000 flows; prints "PASS bench
#                <case>" / "FAIL bench <case>" and "bench-smoke: N passed,
#                M failed" (M: cases that gave no number)
#   --out DIR    where bench.txt, bench.json, bench.png and bench-chart.txt
#                (the chart as text) go (default
#                /tmp/hvswitch-bench)
# env: VSWITCHD (default build/vswitchd), WINNAT_BENCH (default next to
# VSWITCHD: tests/bench/winnat-bench), SHARED (default ../shared), PEERS.
#
# Input: shared/bench/mkpcap.py, 1024 UDP flows to 02:00:00:00:ff:01,
# replayed by net_pcap (infinite_rx=1) into port "in"; port "sink" is
# net_null with that MAC as a static entry, so every frame is known
# unicast. One worker core (EAL -l 0,1). vswitchd prints per-port rates
# every second; the figure is the median of the sink's tx_pps after the
# first two samples (one in --smoke). Output: "<name> <Mpps>" lines as
# the cases run, "<a>/<b> <ratio>" lines, then one table: Mpps, TSC cycles
# per packet on the worker core(s) (TSC Hz x workers / pps; TSC Hz is
# rte_get_tsc_hz() from vswitchd's --stats-out "Latency.TscHz", else the
# kernel's "tsc: ... MHz" line), the ratio to testpmd io and to OVS-DPDK
# (L2 rows against ovs-l2, NAT rows against ovs-nat, LB rows against
# ovs-lb, 1518-byte rows against the 1518-byte peers), p50/p99 latency.
# Memory: the L2 cases run with --no-huge (as peers.sh runs testpmd), the
# NAT cases and winnat-bench on 2 MB hugepages (as OVS-DPDK runs):
# nr_hugepages is raised as far as a case needs and put back at exit; a
# case falls back to --no-huge when the kernel has no more to give.
set -u
cd "$(dirname "$0")/../.." || exit 2
REPO=$PWD
SECS=""
SMOKE=0
RUN_PEERS=1
OUT=/tmp/hvswitch-bench
VLAN=0 NAT=0 LB=0 OBNAT=0 POD_ACL=0 VXLAN=0 SIZES=0 SCALING=0 LATENCY=0 TRACE_COST=0
ACL_RULES=()
any_case=0
want_rules=0
want_out=0
add_rule_counts() { # "0,100,10000": appends to ACL_RULES, exits 2 on junk
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
	if [ $want_rules = 1 ]; then want_rules=0; add_rule_counts "$a"; continue; fi
	if [ $want_out = 1 ]; then want_out=0; OUT=$a; continue; fi
	case $a in
	--vlan) VLAN=1; any_case=1 ;;
	--nat) NAT=1; any_case=1 ;;
	--lb) LB=1; any_case=1 ;;
	--obnat) OBNAT=1; any_case=1 ;;
	--pod-acls) POD_ACL=1; any_case=1 ;;
	--vxlan) VXLAN=1; any_case=1 ;;
	--sizes) SIZES=1; any_case=1 ;;
	--scaling) SCALING=1; any_case=1 ;;
	--latency) LATENCY=1; any_case=1 ;;
	--trace-cost) TRACE_COST=1 ;;
	--acl-rules) want_rules=1; any_case=1 ;;
	--acl-rules=*) add_rule_counts "${a#--acl-rules=}"; any_case=1 ;;
	--no-peers) RUN_PEERS=0 ;;
	--smoke) SMOKE=1 ;;
	--out) want_out=1 ;;
	--out=*) OUT=${a#--out=} ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*[!0-9]* | "") echo "bench: unknown argument '$a' (see --help)" >&2; exit 2 ;;
	*) SECS=$a ;;
	esac
done
[ $want_rules = 0 ] || { echo "bench: --acl-rules needs a count (e.g. 0,100,10000)" >&2; exit 2; }
[ $want_out = 0 ] || { echo "bench: --out needs a directory" >&2; exit 2; }
if [ $any_case = 0 ]; then # the full run
	VLAN=1 NAT=1 LB=1 OBNAT=1 POD_ACL=1 VXLAN=1 SIZES=1 SCALING=1 LATENCY=1
	ACL_RULES=(0 10000)
fi
SKIP=2
if [ $SMOKE = 1 ]; then
	SECS=${SECS:-2}
	SKIP=1
	RUN_PEERS=0
	TRACE_COST=0
	[ "$SECS" -ge 2 ] || { echo "bench: --smoke needs SECONDS >= 2" >&2; exit 2; }
else
	SECS=${SECS:-10}
	[ "$SECS" -ge 4 ] || { echo "bench: SECONDS must be at least 4 (two warm-up samples are skipped)" >&2; exit 2; }
fi
VSWITCHD=${VSWITCHD:-build/vswitchd}
SHARED=${SHARED:-$(cd "$REPO/.." && pwd)/shared}
PEERS=${PEERS:-$SHARED/bench/peers.sh}
MKPCAP=$SHARED/bench/mkpcap.py
# the same frames without ../shared or scapy (CI)
[ -f "$MKPCAP" ] || MKPCAP=$REPO/tests/bench/mkflows.py
PCAP=/tmp/hvswitch-bench-l2.pcap        # the path configs/bench-l2.json names
PCAP1518=/tmp/hvswitch-bench-l2-1518.pcap
NAT1M=/tmp/hvswitch-bench-nat-1m.pcap
LB1K=/tmp/hvswitch-bench-lb-1k.pcap
LB1M=/tmp/hvswitch-bench-lb-1m.pcap
OBNAT1K=/tmp/hvswitch-bench-obnat-1k.pcap
PY=/usr/bin/python3                     # Debian's python3, with python3-scapy
[ -x "$PY" ] || PY=python3

[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 2; }
[ -x "$VSWITCHD" ] || { echo "bench: no vswitchd at $VSWITCHD (meson setup build && ninja -C build)" >&2; exit 2; }
[ -f "$MKPCAP" ] || { echo "bench: $MKPCAP not found" >&2; exit 2; }
mkdir -p "$OUT" || exit 2

W=$(mktemp -d /tmp/hvs-bench.XXXXXX)
DPID=""
HUGEPAGES_WAS=""  # nr_hugepages before the bench raised it
cleanup() {
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -TERM "$DPID"
		wait "$DPID" 2>/dev/null
	fi
	rm -rf "$W" /var/run/dpdk/hvsbench$$-*
	[ -n "$HUGEPAGES_WAS" ] && echo "$HUGEPAGES_WAS" >/proc/sys/vm/nr_hugepages
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$PY" "$MKPCAP" "$PCAP" --flows 1024 --dst-mac 02:00:00:00:ff:01 ||
	{ echo "bench: cannot write $PCAP (python3-scapy installed?)" >&2; exit 2; }
if [ $SIZES = 1 ]; then
	"$PY" "$MKPCAP" "$PCAP1518" --flows 1024 --size 1518 --dst-mac 02:00:00:00:ff:01 ||
		{ echo "bench: cannot write $PCAP1518" >&2; exit 2; }
fi

RESULTS=$W/results   # "name Mpps"
MEMORY=$W/memory     # "name hugepages" for cases run on hugepages
LAT=$W/latency       # "name p50_us p99_us samples"
META=$W/meta         # "name workers" for cases with more than one worker
: >"$RESULTS"; : >"$LAT"; : >"$META"; : >"$MEMORY"
API_ARGS=(--no-api)  # no REST listener while measuring
EAL_CORES=(-l "0,1")   # one worker on CPU 1
XARGS=()             # more vswitchd options (--latency)

# hugepages MB: makes MB of 2 MB hugepages free (raising nr_hugepages,
# put back at exit); 1 when the kernel cannot give them.
hugepages() {
	local want=$(($1 / 2)) free have
	grep -q hugetlbfs /proc/mounts || { mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages; } 2>/dev/null
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	[ "${free:-0}" -ge "$want" ] && return 0
	have=$(cat /proc/sys/vm/nr_hugepages)
	[ -n "$HUGEPAGES_WAS" ] || HUGEPAGES_WAS=$have
	echo $((have + want - free)) >/proc/sys/vm/nr_hugepages 2>/dev/null
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	[ "${free:-0}" -ge "$want" ]
}

# eal_memory NAME MEM_MB [huge]: EAL_MEM for a case. The NAT cases run on
# hugepages, as their peer (OVS-DPDK) does, when the kernel has them;
# the L2 cases without, as testpmd in peers.sh does.
eal_memory() {
	EAL_MEM=(--no-huge -m "$2")
	if [ "${3:-}" = huge ]; then
		if hugepages "$2"; then
			EAL_MEM=(-m "$2" --huge-unlink)
			echo "$1 hugepages" >>"$MEMORY"
		else
			echo "bench: no $2 MB of hugepages for $1: measured with --no-huge" >&2
		fi
	fi
}

# measure NAME CONFIG [MEM_MB [huge]]: runs vswitchd for SECS seconds,
# prints "NAME <Mpps>" (NA when there is no figure).
measure() {
	local name=$1 cfg=$2 mem=${3:-1024} log=$W/$1.log up=0 mpps
	eal_memory "$name" "$mem" "${4:-}"
	echo "bench: $VSWITCHD ${EAL_MEM[*]} --no-pci ${EAL_CORES[*]} ... -- --config $cfg --stats-interval 1 ${XARGS[*]}  ($SECS s)" >&2
	: >"$log"
	"$VSWITCHD" "${EAL_MEM[@]}" --no-pci "${EAL_CORES[@]}" --file-prefix="hvsbench$$-$name" \
		--log-level=error -- --config "$cfg" --stats-interval 1 "${API_ARGS[@]}" \
		--stats-out "$W/$name.stats.json" "${XARGS[@]}" >"$log" 2>&1 &
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
	# SECS per-second rate lines, not SECS seconds of sleep: on a loaded
	# machine the last line can come after a fixed sleep ends (then the
	# case had no figure)
	for _ in $(seq $((SECS * 50 + 300))); do
		[ "$(grep -c '^rate port=sink ' "$log")" -ge "$SECS" ] && break
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "$DPID"
	wait "$DPID"
	DPID=""
	grep '^rate port=sink ' "$log" | sed -n 's/.* tx_pps=\([0-9]*\).*/\1/p' >"$W/$name.pps"
	echo "bench: $name sink tx Mpps per second: $(awk '{printf "%.2f ", $1 / 1e6}' "$W/$name.pps")" >&2
	mpps=$(tail -n +$((SKIP + 1)) "$W/$name.pps" | sort -n | awk '{v[NR] = $1} END {
			if (NR == 0 || v[NR] == 0) { print "NA"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.2f\n", m / 1e6 }')
	echo "$name $mpps" | tee -a "$RESULTS"
	if [ "$mpps" = NA ]; then
		echo "bench: $name gave no figure; its log ends:" >&2
		tail -n 20 "$log" >&2
	fi
	if grep -q '^rate port=in[0-9]* .*drop_pps=[1-9]' "$log" || grep -q '^rate port=sink .*drop_pps=[1-9]' "$log"; then
		echo "bench: note: $name counted drops:" >&2
		grep 'drop_pps=[1-9]' "$log" | head -3 >&2
	fi
	if [ -f "$W/$name.stats.json" ] && [ ! -f "$W/tsc_hz" ]; then
		"$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["Latency"]["TscHz"])' \
			"$W/$name.stats.json" >"$W/tsc_hz" 2>/dev/null || rm -f "$W/tsc_hz"
	fi
}

# latency_of NAME: p50/p99 from NAME's --stats-out into $LAT.
latency_of() {
	[ -f "$W/$1.stats.json" ] || { echo "$1 NA NA 0" >>"$LAT"; return; }
	"$PY" -c 'import json,sys
l = json.load(open(sys.argv[1]))["Latency"]
print(sys.argv[2], "%.2f" % l["P50Us"], "%.2f" % l["P99Us"], l["Samples"])' \
		"$W/$1.stats.json" "$1" | tee -a "$LAT"
}

l2_config() { # l2_config PCAP FILE: configs/bench-l2.json on another pcap
	sed "s|rx_pcap=/tmp/hvswitch-bench-l2.pcap|rx_pcap=$1|" configs/bench-l2.json >"$2"
}

measure hvswitch-l2 configs/bench-l2.json

if [ $SIZES = 1 ]; then
	l2_config "$PCAP1518" "$W/bench-l2-1518.json"
	measure hvswitch-l2-1518 "$W/bench-l2-1518.json"
fi

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

# pod_acl_config N FILE: both ports as pods holding an HNS ACL set of N
# rules each, as Calico writes them (a default Block In, then Allow rules
# for remote prefixes and local ports, In and Out), compiled as extended
# ACLs; one Allow Out on "in" and one Allow In on "sink" pass the frames,
# so each is classified twice (leaving one pod, entering the other).
pod_acl_config() {
	"$PY" - "$1" "$PCAP" >"$2" <<'PYEOF'
import json, sys
n, pcap = int(sys.argv[1]), sys.argv[2]
def pod_set(passing):
    rules = [{"Action": "Deny", "Direction": "Inbound", "Weight": 35}]
    for i in range(1, n - 1):
        rules.append({"Action": "Allow", "Direction": "Inbound" if i % 2 else "Outbound",
                      "Protocol": "TCP" if i % 3 else "UDP",
                      "RemoteIPAddress": "172.%d.%d.0/24" % (16 + i // 250, i % 250),
                      "LocalPort": str(1000 + i), "Weight": 65535 - (1000 + i)})
    rules.append(passing)
    return rules[:n]
port_in = {"Name": "in", "Devargs": f"net_pcap0,rx_pcap={pcap},infinite_rx=1",
           "ExtendedAcls": pod_set({"Action": "Allow", "Direction": "Outbound",
                                    "RemoteIPAddress": "192.0.2.1", "Weight": 100})}
sink = {"Name": "sink", "Devargs": "net_null0,no-rx=1", "MacAddresses": ["02:00:00:00:ff:01"],
        "ExtendedAcls": pod_set({"Action": "Allow", "Direction": "Inbound",
                                 "RemoteIPAddress": "10.0.0.0/8", "Weight": 100})}
print(json.dumps({"Switch": {"Name": "vSwitch"}, "Ports": [port_in, sink]}))
PYEOF
}
if [ $POD_ACL = 1 ]; then
	pod_acl_config 50 "$W/bench-pod-acl.json" ||
		{ echo "bench: cannot write the pod ACL config" >&2; exit 2; }
	measure hvswitch-pod-acl-50 "$W/bench-pod-acl.json"
	# the whole node's ACL state: 110 pods x 50 rules (acl-scale-bench)
	AB=$(dirname "$VSWITCHD")/tests/bench/acl-scale-bench
	if [ -x "$AB" ]; then
		"$AB" --no-huge -m 1024 --no-pci -l 0 --file-prefix hvs-acl-scale$$ -- 110 50 2>&1 |
			tee "$W/acl-scale.txt" | grep '^acl-scale' >&2
		sed -n 's/^acl-scale .* all ACL state \([0-9.]*\) MiB.*/acl-state-110x50-mib \1/p' \
			"$W/acl-scale.txt" | tee -a "$RESULTS"
	fi
fi

if [ $NAT = 1 ] || [ $LATENCY = 1 ]; then
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
fi
# nat_new_sessions: hvswitch-nat-new, sessions made per second end to end
# (M/s): a pcap of 6,000,000 distinct flows (6,000 sockets x 1,000
# remotes) read once (no infinite_rx), so each frame is a new session; the
# median of the whole seconds.
nat_new_sessions() {
	local pcap=/tmp/hvswitch-bench-nat-6m.pcap log=$W/hvswitch-nat-new.log v
	[ -f "$pcap" ] || "$PY" tests/bench/mknatpcap.py "$pcap" --flows 6000000 --sockets 6000
	sed -e "s|rx_pcap=$PCAP,infinite_rx=1|rx_pcap=$pcap|" \
	    -e 's|"InternalIPInterfaceAddressPrefix": "10.0.0.0/8"|&, "MaxSessions": 6500000|' \
	    "$W/bench-nat.json" >"$W/bench-nat-new.json"
	eal_memory hvswitch-nat-new 4096 huge
	echo "bench: $VSWITCHD ${EAL_MEM[*]} ... --config $W/bench-nat-new.json --exit-on-idle 1000 (6M new flows)" >&2
	timeout 120 "$VSWITCHD" "${EAL_MEM[@]}" --no-pci -l 0,1 --file-prefix="hvsbench$$-new" \
		--log-level=error -- --config "$W/bench-nat-new.json" --stats-interval 1 \
		--exit-on-idle 1000 "${API_ARGS[@]}" >"$log" 2>&1
	# The first and last samples are partial seconds: the median of the
	# others; with fewer than three (the flows took under two seconds) the
	# largest sample, a lower bound (each counts at most a second).
	v=$(sed -n 's/^rate nat .*created_ps=\([0-9]*\).*/\1/p' "$log" | "$PY" -c '
import statistics, sys
v = [int(x) for x in sys.stdin.read().split() if int(x) > 0]
m = statistics.median(v[1:-1]) if len(v) >= 3 else max(v, default=0)
print("%.2f" % (m / 1e6) if m else "NA")')
	echo "hvswitch-nat-new $v" | tee -a "$RESULTS"
}

if [ $NAT = 1 ]; then
	measure hvswitch-nat "$W/bench-nat.json" 1024 huge
	if [ $SMOKE = 0 ]; then
		[ -f "$NAT1M" ] || "$PY" tests/bench/mknatpcap.py "$NAT1M" --flows 1000000 --sockets 1000
		sed -e "s|rx_pcap=$PCAP|rx_pcap=$NAT1M|" \
		    -e 's|"Switch": {"Name": "vSwitch"}|"Switch": {"Name": "vSwitch", "PacketBuffers": 1050000}|' \
		    -e 's|"InternalIPInterfaceAddressPrefix": "10.0.0.0/8"|&, "MaxSessions": 1500000|' \
		    "$W/bench-nat.json" >"$W/bench-nat-1m.json"
		measure hvswitch-nat-1m "$W/bench-nat-1m.json" 8192 huge
		nat_new_sessions
	fi
	WB=${WINNAT_BENCH:-$(dirname "$VSWITCHD")/tests/bench/winnat-bench}
	WB_FLOWS=1000000
	[ $SMOKE = 1 ] && WB_FLOWS=100000
	if [ -x "$WB" ]; then
		eal_memory winnat-new-sessions 2048 huge
		echo "bench: $WB ${EAL_MEM[*]} $WB_FLOWS (NAT core, one core, no I/O)" >&2
		"$WB" "${EAL_MEM[@]}" --no-pci -l 1 --file-prefix="hvsbench$$-wb" --log-level=error \
			-- "$WB_FLOWS" 1000 | tee "$W/winnat-bench.txt" >&2
		# "winnat new-sessions N flows (S sockets): X M sessions/s (...)"
		sed -n 's/^winnat new-sessions .*: \([0-9.]*\) M sessions\/s.*/winnat-new-sessions \1/p' \
			"$W/winnat-bench.txt" | grep . || echo "winnat-new-sessions NA"
	else
		echo "bench: no $WB (ninja -C $(dirname "$VSWITCHD")): no NAT core figure" >&2
		echo "winnat-new-sessions NA"
	fi | tee -a "$RESULTS"
fi

# lb_config PCAP CONNS FILE BUFFERS: a ClusterIP over 4 backends on the
# uplink's link; the frames (mknatpcap.py --vip) go to the router MAC.
lb_config() {
	cat >"$3" <<EOF
{
  "Switch": {"Name": "vSwitch", "LoadBalancerConnections": $2, "PacketBuffers": $4},
  "Ports": [
    {"Name": "in", "Devargs": "net_pcap0,rx_pcap=$1,infinite_rx=1"},
    {"Name": "sink", "Devargs": "net_null0,no-rx=1", "Uplink": true,
     "MacAddress": "02:00:00:00:ff:01", "IPAddresses": ["192.0.2.10/24"],
     "Neighbors": [{"IPAddress": "192.0.2.21", "MacAddress": "02:00:00:00:ff:21"},
                   {"IPAddress": "192.0.2.22", "MacAddress": "02:00:00:00:ff:22"},
                   {"IPAddress": "192.0.2.23", "MacAddress": "02:00:00:00:ff:23"},
                   {"IPAddress": "192.0.2.24", "MacAddress": "02:00:00:00:ff:24"}]}
  ],
  "LoadBalancers": [{"FrontendVIPs": ["10.96.0.10"],
    "PortMappings": [{"Protocol": 17, "InternalPort": 53, "ExternalPort": 53}],
    "Backends": ["192.0.2.21", "192.0.2.22", "192.0.2.23", "192.0.2.24"]}]
}
EOF
}

if [ $LB = 1 ]; then
	[ -f "$LB1K" ] || "$PY" tests/bench/mknatpcap.py "$LB1K" --flows 1000 --vip 10.96.0.10
	lb_config "$LB1K" 65536 "$W/bench-lb.json" 0
	measure hvswitch-lb "$W/bench-lb.json" 1024 huge
	# the L2 case with an LB present that none of its frames is for: what
	# the LB stage costs the traffic it passes (every IPv4 frame is
	# looked up, see README "In the packet path: the LB stage")
	"$PY" -c 'import json, sys
c = json.load(open(sys.argv[1]))
c["LoadBalancers"] = [{"FrontendVIPs": ["10.96.0.10"], "Backends": ["10.0.0.1"],
    "PortMappings": [{"Protocol": 17, "InternalPort": 53, "ExternalPort": 53}]}]
print(json.dumps(c))' configs/bench-l2.json >"$W/bench-l2-lb.json"
	measure hvswitch-l2-lb-present "$W/bench-l2-lb.json"
	if [ $SMOKE = 0 ]; then
		[ -f "$LB1M" ] || "$PY" tests/bench/mknatpcap.py "$LB1M" --flows 1000000 --vip 10.96.0.10
		lb_config "$LB1M" 1500000 "$W/bench-lb-1m.json" 1050000
		measure hvswitch-lb-1m "$W/bench-lb-1m.json" 8192 huge
	fi
fi

# obnat_config PCAP SESSIONS FILE BUFFERS: an L2Bridge network on the
# uplink "sink" (its MAC 02:00:00:00:ff:10 is H and the router's), the
# frames' destination 02:00:00:00:ff:01 a static entry there; endpoint e1
# on "in" (its MAC the frames' source) with win-bridge's OutBoundNAT.
obnat_config() {
	cat >"$3" <<EOF
{
  "Switch": {"Name": "vSwitch", "OutBoundNatSessions": $2, "PacketBuffers": $4},
  "Ports": [
    {"Name": "in", "Devargs": "net_pcap0,rx_pcap=$1,infinite_rx=1", "Endpoint": "e1"},
    {"Name": "sink", "Devargs": "net_null0,no-rx=1", "Uplink": true,
     "MacAddress": "02:00:00:00:ff:10", "IPAddresses": ["192.0.2.10/24"],
     "MacAddresses": ["02:00:00:00:ff:01"]}
  ],
  "Networks": [{"Name": "cbr0", "Type": "L2Bridge", "NetworkAdapterName": "sink",
    "Subnets": [{"AddressPrefix": "10.1.0.0/16", "GatewayAddress": "10.1.255.254"}]}],
  "Endpoints": [{"Name": "e1", "VirtualNetworkName": "cbr0", "IPAddress": "10.1.0.1",
    "MacAddress": "02-00-00-00-0a-01",
    "Policies": [{"Type": "OutBoundNAT",
                  "ExceptionList": ["10.244.0.0/16", "10.96.0.0/12", "192.0.2.0/24"]}]}]
}
EOF
}

# vxlan_config MODE PCAP FILE: an Overlay network (VNI 4096, pod subnet
# 10.244.1.0/24, DR MAC 02:15:5d:00:00:01, a RemoteSubnetRoute
# 10.244.2.0/24 -> 10.99.0.2) with its pod on the pcap port (encap) or on
# the net_null sink (decap).
vxlan_config() {
	local pod_port=in pod_dev="net_pcap0,rx_pcap=$2,infinite_rx=1"
	local up_port=sink up_dev="net_null0,no-rx=1"
	if [ "$1" = decap ]; then
		pod_port=sink pod_dev="net_null0,no-rx=1"
		up_port=in up_dev="net_pcap0,rx_pcap=$2,infinite_rx=1"
	fi
	cat >"$3" <<EOF
{
  "Switch": {"Name": "vSwitch"},
  "Ports": [
    {"Name": "$up_port", "Devargs": "$up_dev", "Uplink": true,
     "MacAddress": "02:00:00:00:ff:01", "IPAddresses": ["10.99.0.1/24"],
     "Neighbors": [{"IPAddress": "10.99.0.2", "MacAddress": "02:00:00:00:ff:02"}]},
    {"Name": "$pod_port", "Devargs": "$pod_dev", "Endpoint": "pod"}
  ],
  "Networks": [{"Name": "vxlan0", "Type": "Overlay", "NetworkAdapterName": "$up_port",
    "Subnets": [{"AddressPrefix": "10.244.1.0/24", "GatewayAddress": "10.244.1.1",
                 "Policies": [{"Type": "VSID", "VSID": 4096}]}],
    "Policies": [{"Type": "DrMacAddress", "Address": "02-15-5D-00-00-01"},
      {"Type": "RemoteSubnetRoute", "DestinationPrefix": "10.244.2.0/24",
       "IsolationId": 4096, "ProviderAddress": "10.99.0.2",
       "DistributedRouterMacAddress": "0E-2A-0A-F4-02-01"}]}],
  "Endpoints": [{"Name": "pod", "VirtualNetworkName": "vxlan0", "IPAddress": "10.244.1.2",
    "MacAddress": "0E-2A-0A-F4-01-02", "Policies": [{"Type": "PA", "PA": "10.99.0.1"}]}]
}
EOF
}

if [ $OBNAT = 1 ]; then
	[ -f "$OBNAT1K" ] || "$PY" tests/bench/mknatpcap.py "$OBNAT1K" --flows 1000 --sockets 1000
	obnat_config "$OBNAT1K" 65536 "$W/bench-obnat.json" 0
	measure hvswitch-obnat "$W/bench-obnat.json" 1024 huge
	if [ $SMOKE = 0 ]; then
		[ -f "$NAT1M" ] || "$PY" tests/bench/mknatpcap.py "$NAT1M" --flows 1000000 --sockets 1000
		obnat_config "$NAT1M" 1500000 "$W/bench-obnat-1m.json" 1050000
		measure hvswitch-obnat-1m "$W/bench-obnat-1m.json" 8192 huge
	fi
fi

if [ $VXLAN = 1 ]; then
	for mode in encap decap; do
		for wire in 64 1518; do
			name=hvswitch-vxlan-$mode
			[ $wire = 1518 ] && name=$name-1518
			"$PY" tests/bench/mkvxlanpcap.py "$W/vxlan-$mode-$wire.pcap" --mode $mode \
				--wire $wire || { echo "$name NA" | tee -a "$RESULTS"; continue; }
			vxlan_config $mode "$W/vxlan-$mode-$wire.pcap" "$W/bench-vxlan-$mode-$wire.json"
			measure $name "$W/bench-vxlan-$mode-$wire.json"
		done
	done
fi

if [ $SCALING = 1 ]; then
	# Two pcap inputs (a pcap port has one RX queue; queues are dealt to
	# workers round-robin by port index: in0 -> worker 0, in1 -> worker 1)
	# into one net_null sink (a TX queue per worker).
	cat >"$W/bench-l2-2in.json" <<EOF
{
  "Switch": {"Name": "vSwitch"},
  "Ports": [
    {"Name": "in0", "Devargs": "net_pcap0,rx_pcap=$PCAP,infinite_rx=1"},
    {"Name": "in1", "Devargs": "net_pcap1,rx_pcap=$PCAP,infinite_rx=1"},
    {"Name": "sink", "Devargs": "net_null0,no-rx=1",
     "MacAddresses": ["02:00:00:00:ff:01"]}
  ]
}
EOF
	measure hvswitch-l2-2in-1w "$W/bench-l2-2in.json"
	# 2 workers on a 2-CPU box: worker 1 on CPU 1, worker 2 on CPU 0 with
	# the main lcore (which sleeps between control polls) and the OS.
	EAL_CORES=(--lcores "0@0,1@1,2@0")
	measure hvswitch-l2-2in-2w "$W/bench-l2-2in.json"
	EAL_CORES=(-l "0,1")
	echo "hvswitch-l2-2in-2w 2" >>"$META"
fi

if [ $LATENCY = 1 ]; then
	XARGS=(--latency)
	measure hvswitch-l2-latency configs/bench-l2.json && latency_of hvswitch-l2-latency
	measure hvswitch-nat-latency "$W/bench-nat.json" 1024 huge && latency_of hvswitch-nat-latency
	XARGS=()
fi

if [ $RUN_PEERS = 1 ]; then
	if [ -f "$PEERS" ]; then
		# peers.sh reserves 512 hugepages for OVS; give them back afterwards.
		hp=$(cat /proc/sys/vm/nr_hugepages)
		echo "bench: $PEERS $PCAP $SECS" >&2
		bash "$PEERS" "$PCAP" "$SECS" 2>&1 | tee -a "$W/peers.log" |
			awk 'NF >= 2 && $1 ~ /^(testpmd-io|ovs-l2|ovs-nat)$/ {print $1, $2}' | tee -a "$RESULTS"
		if [ $SIZES = 1 ]; then
			echo "bench: $PEERS $PCAP1518 $SECS" >&2
			bash "$PEERS" "$PCAP1518" "$SECS" 2>&1 | tee -a "$W/peers.log" |
				awk 'NF >= 2 && $1 ~ /^(testpmd-io|ovs-l2)$/ {print $1 "-1518", $2}' | tee -a "$RESULTS"
		fi
		# OVS doing the LB the OVN way (ct(nat) + select group):
		# tests/bench/ovs_peers.sh
		oargs=()
		[ $LB = 1 ] && oargs+=(--lb "$LB1K")
		# the Overlay rows' own pcaps (made by the --vxlan case above)
		if [ $VXLAN = 1 ]; then
			[ -f "$W/vxlan-encap-64.pcap" ] && oargs+=(--vxlan "$W/vxlan-encap-64.pcap")
			[ -f "$W/vxlan-encap-1518.pcap" ] && oargs+=(--vxlan1518 "$W/vxlan-encap-1518.pcap")
			[ -f "$W/vxlan-decap-64.pcap" ] && oargs+=(--vxlan-decap "$W/vxlan-decap-64.pcap")
			[ -f "$W/vxlan-decap-1518.pcap" ] && oargs+=(--vxlan-decap1518 "$W/vxlan-decap-1518.pcap")
		fi
		if [ ${#oargs[@]} -gt 0 ]; then
			echo "bench: tests/bench/ovs_peers.sh ${oargs[*]} $SECS" >&2
			bash tests/bench/ovs_peers.sh "${oargs[@]}" "$SECS" 2>&1 | tee -a "$W/peers.log" |
				awk 'NF >= 2 && $1 ~ /^ovs-/ {print $1, $2}' | tee -a "$RESULTS"
		fi
		[ "$(cat /proc/sys/vm/nr_hugepages)" = "$hp" ] || echo "$hp" >/proc/sys/vm/nr_hugepages
	else
		echo "bench: $PEERS not found: no peer figures" >&2
	fi
fi

# TSC frequency: rte_get_tsc_hz() as vswitchd reported it, else the kernel.
TSC_METHOD="rte_get_tsc_hz() (vswitchd --stats-out Latency.TscHz)"
TSC_HZ=$(cat "$W/tsc_hz" 2>/dev/null)
if [ -z "$TSC_HZ" ]; then
	TSC_HZ=$(dmesg 2>/dev/null | sed -n 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p;
		s/.*tsc: Detected \([0-9.]*\) MHz processor.*/\1/p' | tail -1 | awk '{printf "%.0f", $1 * 1e6}')
	TSC_METHOD="kernel log (dmesg: tsc ... MHz)"
fi

"$PY" - "$RESULTS" "$LAT" "$META" "${TSC_HZ:-0}" "$TSC_METHOD" "$OUT" "$SECS" "$SMOKE" \
	"${ACL_RULES[*]}" "$MEMORY" <<'PYEOF'
import json, os, shutil, subprocess, sys, time
res_f, lat_f, meta_f, hz, hz_method, out, secs, smoke, rules, mem_f = sys.argv[1:11]
huge = {line.split()[0] for line in open(mem_f) if line.strip()}
hz, smoke = float(hz), smoke == "1"
vals, lat, workers = {}, {}, {}
order = []
for line in open(res_f):
    f = line.split()
    if len(f) >= 2:
        if f[0] not in vals:
            order.append(f[0])
        try:
            vals[f[0]] = float(f[1])
        except ValueError:
            vals[f[0]] = None
for line in open(lat_f):
    f = line.split()
    if len(f) == 4:
        lat[f[0]] = (None if f[1] == "NA" else float(f[1]), None if f[2] == "NA" else float(f[2]))
for line in open(meta_f):
    f = line.split()
    workers[f[0]] = int(f[1])

def v(name):
    return vals.get(name)

def ratio(a, b):
    x, y = v(a), v(b)
    return round(x / y, 2) if x is not None and y else None

# what each case is, and its references: (label, testpmd, ovs)
L2, NAT = ("testpmd-io", "ovs-l2"), ("testpmd-io", "ovs-nat")
L2_1518 = ("testpmd-io-1518", "ovs-l2-1518")
# the same work in OVS where ovs_peers.sh measured it, else conntrack SNAT
# (OVS cannot replay the 1M-flow pcaps: ovs_peers.sh says why)
LB = ("testpmd-io", "ovs-lb" if v("ovs-lb") is not None else "ovs-nat")
cases = [
    ("hvswitch-l2", "L2 known unicast, 64 B", L2),
    ("hvswitch-l2-1518", "L2 known unicast, 1518 B", L2_1518),
    ("hvswitch-l2-vlan", "L2 access in, trunk out (tag pushed)", L2),
    ("hvswitch-pod-acl-50", "L2, both pods with 50 HNS ACL rules", L2),
]
for n in rules.split():
    cases.append(("hvswitch-acl-" + n, "L2, %s port ACL rules" % format(int(n), ","), L2))
cases += [
    ("hvswitch-nat", "WinNAT SNAT, 1,024 established flows", NAT),
    ("hvswitch-nat-1m", "WinNAT SNAT, 1,000,000 established flows", NAT),
    ("hvswitch-lb", "LB ClusterIP, 1,000 established flows", LB),
    ("hvswitch-l2-lb-present", "L2 known unicast with an LB none of it is for", L2),
    ("hvswitch-lb-1m", "LB ClusterIP, 1,000,000 established flows", LB),
    ("hvswitch-obnat", "HNS OutBoundNAT pod egress, 1,000 established flows", NAT),
    ("hvswitch-obnat-1m", "HNS OutBoundNAT pod egress, 1,000,000 established flows", NAT),
    ("hvswitch-vxlan-encap", "VXLAN encap (DR to a RemoteSubnetRoute), 1,024 flows, 64 B pod frames", ("testpmd-io", "ovs-vxlan-encap")),
    ("hvswitch-vxlan-encap-1518", "VXLAN encap, 1,024 flows, 1518 B out (1468 B pod frames)", ("testpmd-io-1518", "ovs-vxlan-encap-1518")),
    ("hvswitch-vxlan-decap", "VXLAN decap to a pod, 1,024 flows, 64 B pod frames (114 B in)", ("testpmd-io", "ovs-vxlan-decap")),
    ("hvswitch-vxlan-decap-1518", "VXLAN decap to a pod, 1,024 flows, 1518 B in", ("testpmd-io-1518", "ovs-vxlan-decap-1518")),
    ("hvswitch-nat-new", "WinNAT new sessions through the ports, M/s (6M flows read once)", (None, None)),
    ("winnat-new-sessions", "WinNAT new sessions (NAT core, no I/O), M/s", (None, None)),
    ("hvswitch-l2-2in-1w", "L2, 2 pcap inputs, 1 worker", L2),
    ("hvswitch-l2-2in-2w", "L2, 2 pcap inputs, 2 workers (2-CPU box)", L2),
    ("hvswitch-l2-latency", "L2 with --latency", L2),
    ("hvswitch-nat-latency", "WinNAT SNAT 1k with --latency", NAT),
    ("hvswitch-l2-nohooks", "L2, trace hooks compiled out", L2),
    ("hvswitch-l2-hooks", "L2, trace hooks (again)", L2),
    ("hvswitch-l2-nohooks-2", "L2, trace hooks compiled out (again)", L2),
    ("hvswitch-l2-hooks-2", "L2, trace hooks (again)", L2),
    ("testpmd-io", "dpdk-testpmd io (ceiling), 64 B", ("testpmd-io", None)),
    ("testpmd-io-1518", "dpdk-testpmd io (ceiling), 1518 B", ("testpmd-io-1518", None)),
    ("ovs-l2", "OVS-DPDK L2 NORMAL, 64 B", ("testpmd-io", "ovs-l2")),
    ("ovs-l2-1518", "OVS-DPDK L2 NORMAL, 1518 B", ("testpmd-io-1518", "ovs-l2-1518")),
    ("ovs-nat", "OVS-DPDK conntrack SNAT, 1,024 flows", ("testpmd-io", "ovs-nat")),
    ("ovs-lb", "OVS-DPDK ct(nat) + select group (OVN-style LB), 1,000 flows", ("testpmd-io", "ovs-lb")),
    ("ovs-vxlan-encap", "OVS-DPDK VXLAN tunnel port, encap, 64 B", ("testpmd-io", "ovs-vxlan-encap")),
    ("ovs-vxlan-encap-1518", "OVS-DPDK VXLAN tunnel port, encap, 1518 B out", ("testpmd-io-1518", "ovs-vxlan-encap-1518")),
    ("ovs-vxlan-decap", "OVS-DPDK VXLAN tunnel port, decap (tnl_pop), 64 B inner", ("testpmd-io", "ovs-vxlan-decap")),
    ("ovs-vxlan-decap-1518", "OVS-DPDK VXLAN tunnel port, decap (tnl_pop), 1518 B in", ("testpmd-io-1518", "ovs-vxlan-decap-1518")),
]
rows = []
for name, label, (tp, ovs) in cases:
    if name not in vals:
        continue
    mpps = v(name)
    w = workers.get(name, 1)
    cpp = round(hz * w / (mpps * 1e6), 1) if mpps and hz else None
    p50, p99 = lat.get(name, (None, None))
    if name in huge:
        label += " [hugepages]"
    rows.append({
        "case": name, "what": label, "mpps": mpps, "workers": w,
        "memory": "hugepages" if name in huge else "no-huge",
        "cycles_per_packet": cpp,
        "vs_testpmd": ratio(name, tp) if tp else None, "testpmd_ref": tp,
        "vs_ovs": ratio(name, ovs) if ovs else None, "ovs_ref": ovs,
        "p50_us": p50, "p99_us": p99,
    })

# the ratio lines of tools/bench.sh (names kept so old figures compare)
lines = []
def line(a, b):
    if a in vals:
        r = ratio(a, b)
        lines.append("%s/%s %s" % (a, b, "NA" if r is None else "%.2f" % r))
for a, b in [("hvswitch-l2", "testpmd-io"), ("hvswitch-l2", "ovs-l2"),
             ("hvswitch-l2-vlan", "testpmd-io"), ("hvswitch-l2-vlan", "ovs-l2"),
             ("hvswitch-nat", "testpmd-io"), ("hvswitch-nat", "ovs-nat"),
             ("hvswitch-nat-1m", "ovs-nat"),
             ("hvswitch-lb", "testpmd-io"), ("hvswitch-lb", "ovs-nat"), ("hvswitch-lb", "ovs-lb"),
             ("hvswitch-lb-1m", "ovs-nat"), ("hvswitch-lb-1m", "ovs-lb"),
             ("hvswitch-vxlan-encap", "ovs-vxlan-encap"),
             ("hvswitch-vxlan-encap-1518", "ovs-vxlan-encap-1518"),
             ("hvswitch-vxlan-decap", "ovs-vxlan-decap"),
             ("hvswitch-vxlan-decap-1518", "ovs-vxlan-decap-1518"),
             ("hvswitch-l2-lb-present", "hvswitch-l2"), ("hvswitch-pod-acl-50", "hvswitch-l2"),
             ("hvswitch-obnat", "ovs-nat"), ("hvswitch-obnat-1m", "ovs-nat"),
             ("hvswitch-l2-1518", "testpmd-io-1518"), ("hvswitch-l2-1518", "ovs-l2-1518")]:
    if b in vals:
        line(a, b)
base = "hvswitch-acl-0" if "hvswitch-acl-0" in vals else "hvswitch-l2"
for n in rules.split():
    if "hvswitch-acl-" + n != base:
        line("hvswitch-acl-" + n, base)
summary = {}
if "hvswitch-l2-2in-2w" in vals:
    line("hvswitch-l2-2in-2w", "hvswitch-l2-2in-1w")
    summary["scaling_2w_over_1w"] = ratio("hvswitch-l2-2in-2w", "hvswitch-l2-2in-1w")
    if "hvswitch-l2" in vals:
        # one worker on one input (the headline L2 case) as the base
        line("hvswitch-l2-2in-2w", "hvswitch-l2")
        summary["scaling_2w_over_l2"] = ratio("hvswitch-l2-2in-2w", "hvswitch-l2")
if "hvswitch-l2-hooks" in vals and "hvswitch-l2-nohooks" in vals:
    a = [v(x) for x in ("hvswitch-l2-hooks", "hvswitch-l2-hooks-2") if v(x)]
    b = [v(x) for x in ("hvswitch-l2-nohooks", "hvswitch-l2-nohooks-2") if v(x)]
    if a and b:
        r = (sum(a) / len(a)) / (sum(b) / len(b))
        lines.append("hvswitch-l2-hooks/hvswitch-l2-nohooks %.3f" % r)
        summary["trace_hooks_cost_ratio"] = round(r, 3)
for n in rules.split():
    if "hvswitch-acl-" + n != base:
        summary["acl_%s_vs_none" % n] = ratio("hvswitch-acl-" + n, base)
print("\n".join(lines))

def fmt(x, nd=2):
    return "-" if x is None else ("%.*f" % (nd, x))
hdr = ["case", "Mpps", "cyc/pkt", "x testpmd", "x OVS", "p50 us", "p99 us", "what"]
table = [hdr]
for r in rows:
    table.append([r["case"], fmt(r["mpps"]) if r["mpps"] is not None else "NA",
                  fmt(r["cycles_per_packet"], 1), fmt(r["vs_testpmd"]),
                  fmt(r["vs_ovs"]), fmt(r["p50_us"]), fmt(r["p99_us"]), r["what"]])
wid = [max(len(t[i]) for t in table) for i in range(len(hdr))]
text = []
for k, t in enumerate(table):
    text.append("  ".join(c.ljust(wid[i]) if i in (0, 7) else c.rjust(wid[i])
                          for i, c in enumerate(t)).rstrip())
    if k == 0:
        text.append("  ".join("-" * x for x in wid))
text.append("")
text.append("cyc/pkt: TSC cycles per packet on the worker core(s) = TSC Hz x workers / pps;"
            " TSC %.0f Hz from %s" % (hz, hz_method))
text.append("x testpmd / x OVS: against testpmd io and OVS-DPDK on the same pcap "
            "(L2 rows: ovs-l2; NAT rows: ovs-nat; 1518 B rows: the 1518 B peers)")
if "winnat-new-sessions" in vals:
    text.append("winnat-new-sessions: the NAT core alone (winnat-bench), no I/O; its 'Mpps' "
                "column is millions of sessions created per second")
if lat:
    text.append("p50/p99: RX burst -> after rte_eth_tx_burst, every packet, vswitchd --latency")
for k, x in summary.items():
    text.append("%s: %s" % (k, fmt(x, 3)))
print("\n".join(text))
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "bench.txt"), "w") as f:
    f.write("\n".join(lines + [""] + text) + "\n")
doc = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "seconds_per_case": int(secs),
       "smoke": smoke, "tsc_hz": hz, "tsc_hz_method": hz_method,
       "input": "mkpcap.py 1024 UDP flows, net_pcap infinite_rx=1 -> vswitchd -> net_null, EAL -l 0,1",
       "rows": rows, "ratios": summary}
with open(os.path.join(out, "bench.json"), "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
# the chart: one bar per case, peers grey
dat = os.path.join(out, "bench.dat")
with open(dat, "w") as f:
    for r in rows:
        if r["mpps"] is None or r["case"].startswith("winnat-"):
            continue
        color = 0x999999 if not r["case"].startswith("hvswitch") else (
            0x4477aa if "nat" not in r["case"] else 0xcc6677)
        f.write('"%s" %.2f %d\n' % (r["case"], r["mpps"], color))
png = os.path.join(out, "bench.png")
if shutil.which("gnuplot") and os.path.getsize(dat) > 0:
    gp = """set terminal pngcairo size 1200,650 font ",10"
set output '%s'
set title "hvswitch vs dpdk-testpmd io and OVS-DPDK, one worker core, pcap in -> net\\\\_null out (%s)"
set ylabel "Mpps"
set style fill solid 0.9 border -1
set boxwidth 0.7
set xtics rotate by -40 noenhanced
set yrange [0:%.1f]
set grid ytics
set bmargin 9
plot '%s' using 0:2:3:xtic(1) with boxes lc rgb variable notitle, \\
     '' using 0:2:(sprintf("%%.1f", $2)) with labels offset 0,0.8 notitle
""" % (png, time.strftime("%Y-%m-%d"),
           1.12 * max([r["mpps"] for r in rows if r["mpps"] and not r["case"].startswith("winnat-")] + [1]),
           dat)
    p = subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True)
    if p.returncode != 0:
        # gnuplot-nox may lack cairo: plain png
        p = subprocess.run(["gnuplot"], input=gp.replace("pngcairo", "png"), text=True,
                           capture_output=True)
    print("bench: chart %s%s" % (png, "" if p.returncode == 0 else " FAILED: " + p.stderr.strip()),
          file=sys.stderr)
else:
    print("bench: no gnuplot (apt-get install gnuplot-nox): no chart", file=sys.stderr)
# the same chart as text (for a terminal, or the README): one bar a case
bars = [r for r in rows if r["mpps"] and not r["case"].startswith("winnat-")]
if bars:
    top = max(r["mpps"] for r in bars)
    width = max(len(r["case"]) for r in bars)
    with open(os.path.join(out, "bench-chart.txt"), "w") as f:
        for r in bars:
            mark = "#" if r["case"].startswith("hvswitch") else "="
            f.write("%-*s %s %.2f\n" % (width, r["case"], mark * max(1, round(50 * r["mpps"] / top)),
                                       r["mpps"]))
        f.write("%-*s (Mpps; # hvswitch, = peers)\n" % (width, ""))
print("bench: table %s, JSON %s, text chart %s" % (os.path.join(out, "bench.txt"),
      os.path.join(out, "bench.json"), os.path.join(out, "bench-chart.txt")), file=sys.stderr)
if smoke:
    ok = [r["case"] for r in rows if r["mpps"]]
    bad = [r["case"] for r in rows if not r["mpps"]]
    for c in ok:
        print("PASS bench %s" % c)
    for c in bad:
        print("FAIL bench %s: no figure (NA)" % c)
    if not rows:
        print("FAIL bench: no case ran")
    print("bench-smoke: %d passed, %d failed" % (len(ok), len(bad) + (0 if rows else 1)))
PYEOF
