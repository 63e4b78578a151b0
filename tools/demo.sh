#!/bin/bash
# The README demo: two network namespaces ("containers") joined by vswitchd.
#
# usage: tools/demo.sh [VSWITCHD]        (default ./build/vswitchd; run as root)
#
#   hvs-demo-a (10.99.0.1) --veth--> port "a" (net_af_packet0) \
#                                                                vswitchd
#   hvs-demo-b (10.99.0.2) --veth--> port "b" (net_af_packet1) /
#
# Starts the switch, pings across it, stops it with SIGTERM and prints the
# per-port counters from --stats-out. Everything it creates is removed on exit.
set -u

VSWITCHD=${1:-./build/vswitchd}
NS_A=hvs-demo-a NS_B=hvs-demo-b
HA=hvsdemo-a-sw HB=hvsdemo-b-sw   # host ends: the switch's ports
NA=hvsdemo-a-ns NB=hvsdemo-b-ns   # namespace ends
IP_A=10.99.0.1 IP_B=10.99.0.2
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
W=$(mktemp -d /tmp/hvs-demo.XXXXXX)
PREFIX=hvsdemo$$
DPID=""

if [ -t 1 ]; then B=$'\033[1m' N=$'\033[0m'; else B="" N=""; fi
say() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
die() { echo "demo: $*" >&2; exit 2; }

cleanup() {
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -TERM "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	for ns in "$NS_A" "$NS_B"; do ip netns del "$ns" 2>/dev/null; done
	for dev in "$HA" "$HB"; do ip link del "$dev" 2>/dev/null; done
	rm -rf "$W" /var/run/dpdk/"$PREFIX"
}

[ "$(id -u)" = 0 ] || die "run as root (network namespaces, af_packet ports)"
[ -x "$VSWITCHD" ] || die "no vswitchd at $VSWITCHD: build it with 'meson setup build && ninja -C build'"
for c in ip ping ethtool; do
	command -v "$c" >/dev/null || die "'$c' is missing (apt-get install iproute2 iputils-ping ethtool)"
done
for ns in "$NS_A" "$NS_B"; do
	ip netns list | grep -qw "^$ns" && die "namespace $ns exists: another demo running? (ip netns del $ns)"
done
trap cleanup EXIT
trap 'exit 130' INT TERM

say "namespaces $NS_A ($IP_A) and $NS_B ($IP_B), veths $HA / $HB as switch ports"
for s in a b; do
	if [ $s = a ]; then ns=$NS_A h=$HA n=$NA ip=$IP_A; else ns=$NS_B h=$HB n=$NB ip=$IP_B; fi
	ip netns add "$ns" || die "cannot create namespace $ns"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip link add "$h" type veth peer name "$n" netns "$ns" || die "cannot create veth $h"
	sysctl -qw "net.ipv6.conf.$h.disable_ipv6=1"
	# af_packet carries frames as they are: no checksum offload, no TSO/GSO.
	ethtool -K "$h" tx off rx off tso off gso off gro off >/dev/null 2>&1
	ip netns exec "$ns" ethtool -K "$n" tx off rx off tso off gso off gro off >/dev/null 2>&1
	ip link set "$h" up
	ip netns exec "$ns" ip addr add "$ip/24" dev "$n"
	ip netns exec "$ns" ip link set "$n" up
	ip netns exec "$ns" ip link set lo up
done

cat >"$W/demo.json" <<EOF
{
  "Switch": {"Name": "vSwitch"},
  "Ports": [
    {"Name": "a", "Devargs": "net_af_packet0,iface=$HA"},
    {"Name": "b", "Devargs": "net_af_packet1,iface=$HB"}
  ]
}
EOF
say "config"
cat "$W/demo.json"

# shellcheck disable=SC2054  # "-l 0,1" is one argument
CMD=("$VSWITCHD" --no-huge -m 512 --no-pci -l 0,1 --file-prefix="$PREFIX" --log-level=error
	-- --config "$W/demo.json" --stats-out "$W/stats.json")
# With the REST API built in, listen in our own directory rather than on
# the default unix:/run/vswitchd/hns.sock (a real daemon may own it).
if "$VSWITCHD" -- --help 2>/dev/null | grep -q -- '--api unix:'; then
	CMD+=(--api "unix:$W/hns.sock")
fi
say "starting: ${CMD[*]}"
# DPDK 22.11's af_packet PMD names its PACKET_FANOUT group (pid ^ ifindex),
# which can clash with another af_packet process: a new pid fixes that.
up=0
for _ in 1 2 3; do
	"${CMD[@]}" >"$W/vswitchd.log" 2>&1 &
	DPID=$!
	for _ in $(seq 150); do
		grep -qs 'running with' "$W/vswitchd.log" && { up=1; break; }
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	[ $up = 1 ] && break
	wait "$DPID" 2>/dev/null
	DPID=""
	grep -qs 'could not set PACKET_FANOUT' "$W/vswitchd.log" || break
done
cat "$W/vswitchd.log"
[ $up = 1 ] || die "vswitchd did not start"

# The switch learns both MACs from the first ARP exchange.
for _ in $(seq 20); do
	ip netns exec "$NS_A" ping -c 1 -W 1 "$IP_B" >/dev/null 2>&1 && break
done
say "ip netns exec $NS_A ping -c 3 $IP_B"
ip netns exec "$NS_A" ping -c 3 "$IP_B"
ping_rc=$?

say "stopping vswitchd (SIGTERM)"
kill -TERM "$DPID"
wait "$DPID"
rc=$?
DPID=""
echo "vswitchd exited with code $rc"

say "per-port counters (--stats-out $W/stats.json)"
if [ -s "$W/stats.json" ]; then
	"$PY" - "$W/stats.json" <<'EOF' || cat "$W/stats.json"
import json, sys
d = json.load(open(sys.argv[1]))
row = "{:<6} {:<10} {:>10} {:>10} {:>10} {:>10} {:>6}"
print(row.format("port", "vlan", "rx pkts", "tx pkts", "rx bytes", "tx bytes", "drops"))
for p in d["Ports"]:
    print(row.format(p["Name"], p.get("Vlan", ""), p["RxPackets"], p["TxPackets"],
                     p["RxBytes"], p["TxBytes"], sum(p["Drops"].values())))
print("MAC table entries: %d" % d["MacTable"]["Entries"])
drops = {k: v for k, v in d["Drops"].items() if v}
print("drops by reason: " + (", ".join("%s: %d" % kv for kv in drops.items()) if drops else "none"))
EOF
else
	echo "no stats file written"
fi

[ $ping_rc = 0 ] && [ $rc = 0 ]
