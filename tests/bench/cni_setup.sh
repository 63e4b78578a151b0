#!/bin/bash
# Container network set-up time through CNI (issue 20): the time from ADD
# to its result for hvswitch-cni on a hvswitch NAT network, beside the
# chain of podman's default bridge network (bridge + host-local, portmap,
# firewall, tuning: what podman's CNI backend writes for "podman") in the
# same run, each on a fresh network namespace as a runtime makes it; each
# container's DEL follows before the next ADD (the switch has 32 port
# slots). Prints p50/p90/p99/max in ms. Not a test: numbers for README.
#
# usage: tests/bench/cni_setup.sh [-n N] [VSWITCHD] [HVSWITCH_CNI]   (root)
# Everything it makes is removed on exit (trap).
set -u
N=100
[ "${1:-}" = -n ] && { N=$2; shift 2; }
VSWITCHD=${1:-build/vswitchd}
CNI_BIN=${2:-$(dirname "$VSWITCHD")/hvswitch-cni}
case $VSWITCHD in /*) ;; *) VSWITCHD=$PWD/$VSWITCHD ;; esac
case $CNI_BIN in /*) ;; *) CNI_BIN=$PWD/$CNI_BIN ;; esac
PLUGINS=/usr/lib/cni
PY=python3

. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"
e2e_init bench-cni cnibench
ID=$$
EAL_PREFIX=hvcb$ID
SOCK=$W/hns.sock
API_ARGS=(--api "unix:$SOCK")
NS=hvcb-$ID
BR=hvcb$ID
# the firewall plugin leaves its shared chains behind: removed if it made them
FW_CHAINS_BEFORE=$(iptables -S 2>/dev/null | grep -c -- '-N CNI-')
cleanup_hook() {
	ip netns del "$NS" 2>/dev/null
	ip link del "$BR" 2>/dev/null
	if [ "$FW_CHAINS_BEFORE" = 0 ]; then
		iptables -D FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD 2>/dev/null
		iptables -F CNI-FORWARD 2>/dev/null; iptables -X CNI-FORWARD 2>/dev/null
		iptables -F CNI-ADMIN 2>/dev/null; iptables -X CNI-ADMIN 2>/dev/null
	fi
}

ms() { echo $(( ($(date +%s%N) - $1) / 1000 )); } # microseconds since $1 (ns)

run() { # run PLUGIN CMD CONF [IFNAME]: the plugin's stdout
	echo "$3" | CNI_COMMAND=$2 CNI_CONTAINERID=bench$ID CNI_IFNAME=${4:-eth0} \
		CNI_NETNS=/run/netns/$NS CNI_PATH=$PLUGINS:$W/bin "$W/bin/$1"
}

# hvswitch: one plugin
HVCONF="{\"cniVersion\": \"1.0.0\", \"name\": \"hvnat\", \"type\": \"hvswitch\", \"network\": \"hvnat\", \"api\": \"unix:$SOCK\"}"
# podman's default network, as podman 4's CNI backend writes it
bridge_conf() { # bridge_conf PLUGIN [PREV]
	local base="\"cniVersion\": \"1.0.0\", \"name\": \"podman-bench\""
	case $1 in
	bridge) echo "{$base, \"type\": \"bridge\", \"bridge\": \"$BR\", \"isGateway\": true, \"ipMasq\": true, \"hairpinMode\": true, \"ipam\": {\"type\": \"host-local\", \"dataDir\": \"$W/ipam\", \"routes\": [{\"dst\": \"0.0.0.0/0\"}], \"ranges\": [[{\"subnet\": \"10.89.77.0/24\", \"gateway\": \"10.89.77.1\"}]]}}" ;;
	portmap) echo "{$base, \"type\": \"portmap\", \"capabilities\": {\"portMappings\": true}, \"prevResult\": $2}" ;;
	firewall) echo "{$base, \"type\": \"firewall\", \"backend\": \"iptables\", \"prevResult\": $2}" ;;
	tuning) echo "{$base, \"type\": \"tuning\", \"prevResult\": $2}" ;;
	esac
}

bench_hv() {
	local t out
	t=$(date +%s%N)
	out=$(run hvswitch ADD "$HVCONF") || { echo "hvswitch ADD: $out" >&2; return 1; }
	ms "$t" >>"$W/hv.us"
	run hvswitch DEL "$HVCONF" >/dev/null || return 1
}

bench_bridge() {
	local t prev p ok=0
	t=$(date +%s%N)
	prev=$(run bridge ADD "$(bridge_conf bridge)") || { echo "bridge ADD: $prev" >&2; return 1; }
	for p in portmap firewall tuning; do
		prev=$(run $p ADD "$(bridge_conf $p "$prev")") || { echo "$p ADD: $prev" >&2; ok=1; break; }
	done
	ms "$t" >>"$W/br.us"
	for p in tuning firewall portmap; do run $p DEL "$(bridge_conf $p "$prev")" >/dev/null 2>&1; done
	run bridge DEL "$(bridge_conf bridge)" >/dev/null
	return $ok
}

pct() { # pct FILE: p50 p90 p99 max in ms
	sort -n "$1" | $PY -c 'import sys
v=[int(l) for l in sys.stdin]
q=lambda p: v[min(len(v)-1, int(p*len(v)))]/1000
print("n=%d p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms" % (len(v), q(.5), q(.9), q(.99), v[-1]/1000))'
}

mkdir -p "$W/bin"
ln -s "$CNI_BIN" "$W/bin/hvswitch"
for p in bridge portmap firewall tuning host-local; do ln -s "$PLUGINS/$p" "$W/bin/$p"; done
echo '{"Switch": {"Name": "vSwitch"}, "Ports": []}' >"$W/sw.json"
start_daemon bench "$W/sw.json" || { echo "vswitchd: $WHY" >&2; exit 1; }
wait_socket "$SOCK"
curl -s --unix-socket "$SOCK" -X POST http://localhost/networks/ \
	-d '{"Name": "hvnat", "Type": "NAT", "Subnets": [{"AddressPrefix": "172.31.234.0/24", "GatewayAddress": "172.31.234.1"}]}' | grep -q '"Success": *true' ||
	{ echo "cannot make the NAT network" >&2; exit 1; }
# interleaved, so both see the same machine load
for i in $(seq 1 "$N"); do
	ip netns add "$NS" && bench_hv || exit 1
	ip netns del "$NS"
	ip netns add "$NS" && bench_bridge || exit 1
	ip netns del "$NS"
done
echo "hvswitch-cni ADD (NAT network):          $(pct "$W/hv.us")"
echo "podman default bridge chain ADD:         $(pct "$W/br.us")"
