#!/bin/bash
# Two hvswitch "hosts" on one machine joined by an Overlay network
# (configs/overlay-host-a.json, overlay-host-b.json): an underlay bridge
# in namespace ovd-ul joins the hosts' uplinks (PAs 10.98.0.1 and
# 10.98.0.2), each host has one pod in its own namespace (ovd-a1
# 10.240.1.2, ovd-b1 10.240.2.2; MTU 1450, gateway .1 = the DR). Starts
# both daemons (A's worker on core 1, B's on core 0), pings pod A -> pod B
# over VXLAN, prints the uplinks' VXLAN counters, stops and removes
# everything. Run as root from the source tree after a build:
#   configs/overlay-demo.sh [build/vswitchd]
set -u
VSWITCHD=${1:-build/vswitchd}
DIR=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d /tmp/ovd.XXXXXX)
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for ns in ovd-ul ovd-a1 ovd-b1; do ip netns del $ns 2>/dev/null; done
	for d in ovd-a-up ovd-b-up ovd-a-p1 ovd-b-p1; do ip link del $d 2>/dev/null; done
	rm -rf "$W" /var/run/dpdk/ovd-*
}
trap cleanup EXIT

quiet() { ethtool -K "$@" tx off rx off tso off gso off gro off >/dev/null 2>&1; }

ip netns add ovd-ul
ip -n ovd-ul link add br0 type bridge && ip -n ovd-ul link set br0 up
for h in a b; do
	ip link add ovd-$h-up type veth peer name up-$h netns ovd-ul
	ip -n ovd-ul link set up-$h master br0 up
	# the host ends live in this namespace: its kernel must not answer ARP
	# for its own addresses there (the switch has a MAC of its own)
	sysctl -qw net.ipv4.conf.ovd-$h-up.arp_ignore=8
	quiet ovd-$h-up && ip link set ovd-$h-up up
	s=1; [ $h = b ] && s=2
	ip netns add ovd-${h}1
	ip link add ovd-$h-p1 type veth peer name eth0 netns ovd-${h}1
	quiet ovd-$h-p1 && ip link set ovd-$h-p1 up
	ip -n ovd-${h}1 link set eth0 address 0e:2a:0a:f0:0$s:02 mtu 1450 up
	ip netns exec ovd-${h}1 ethtool -K eth0 tx off >/dev/null 2>&1
	ip -n ovd-${h}1 addr add 10.240.$s.2/24 dev eth0
	ip -n ovd-${h}1 route add default via 10.240.$s.1
done

start() { # start a|b CORES...
	local h=$1; shift
	"$VSWITCHD" --no-huge -m 512 --no-pci "$@" --file-prefix=ovd-$h --log-level=error -- \
		--config "$DIR/overlay-host-$h.json" --api "unix:$W/$h.sock" >"$W/$h.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 600); do grep -qs 'running with' "$W/$h.log" && return 0; sleep 0.1; done
	echo "host $h did not start: $(tail -2 "$W/$h.log")"; exit 1
}
start a -l 0,1
start b -l 0,1 --main-lcore 1

ip netns exec ovd-a1 ping -c 5 -i 0.2 -W 2 10.240.2.2
rc=$?
for h in a b; do
	echo "host $h uplink drops:"
	curl -s --unix-socket "$W/$h.sock" http://localhost/stats |
		/usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); d=d.get("Output", d); print({k: v for k, v in d["Drops"].items() if v})'
done
exit $rc
