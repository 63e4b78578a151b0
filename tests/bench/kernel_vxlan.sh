#!/bin/bash
# The reference a Linux node uses for Overlay traffic (issue 19): the
# kernel's vxlan device, as flannel's vxlan backend sets it up, between two
# network namespaces joined by a veth underlay. Not a DPDK measurement:
# the kernel path from a socket through vxlan and veth to a socket, driven
# by iperf3 on the same 2 CPUs, so it is a reference for the order of
# magnitude, not a peer measured like-for-like (hvswitch's rows replay a
# pcap into one PMD core).
#
# usage: tests/bench/kernel_vxlan.sh [SECONDS]      (root; default 5)
# prints:
#   kernel-vxlan-udp64-mpps X   UDP, 18-byte payloads (64-byte inner frames),
#                               packets received per second by the far side
#   kernel-vxlan-tcp-gbps X     one TCP stream through the tunnel
#   kernel-veth-udp64-mpps X    the same UDP run over the bare underlay
# Everything it makes is named kvx-* and removed on exit.
set -u
SECS=${1:-5}
A=kvx-a B=kvx-b
cleanup() {
	ip netns pids $A 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns pids $B 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del $A 2>/dev/null
	ip netns del $B 2>/dev/null
}
trap cleanup EXIT
cleanup
command -v iperf3 >/dev/null || { echo "kernel_vxlan: iperf3 is not installed" >&2; exit 2; }
ip netns add $A && ip netns add $B || exit 2
ip link add kvx-u0 netns $A type veth peer name kvx-u1 netns $B
ip -n $A addr add 10.98.0.1/24 dev kvx-u0
ip -n $B addr add 10.98.0.2/24 dev kvx-u1
for ns in $A $B; do ip -n $ns link set lo up; done
ip -n $A link set kvx-u0 up
ip -n $B link set kvx-u1 up
# flannel's vxlan backend: VNI 4096, port 4789, no learning, static FDB
ip -n $A link add vxlan0 type vxlan id 4096 dstport 4789 local 10.98.0.1 nolearning
ip -n $B link add vxlan0 type vxlan id 4096 dstport 4789 local 10.98.0.2 nolearning
ip -n $A link set vxlan0 address 0e:2a:0a:62:00:01 mtu 1450 up
ip -n $B link set vxlan0 address 0e:2a:0a:62:00:02 mtu 1450 up
ip -n $A addr add 10.244.9.1/24 dev vxlan0
ip -n $B addr add 10.244.9.2/24 dev vxlan0
bridge -n $A fdb append 0e:2a:0a:62:00:02 dev vxlan0 dst 10.98.0.2
bridge -n $B fdb append 0e:2a:0a:62:00:01 dev vxlan0 dst 10.98.0.1
ip -n $A neigh replace 10.244.9.2 lladdr 0e:2a:0a:62:00:02 dev vxlan0 nud permanent
ip -n $B neigh replace 10.244.9.1 lladdr 0e:2a:0a:62:00:01 dev vxlan0 nud permanent

ip netns exec $B iperf3 -s -D -p 5302 >/dev/null 2>&1
# waits for a listener: never a fixed sleep
for _ in $(seq 100); do
	ip netns exec $B ss -ltn | grep -q ':5302 ' && break
	sleep 0.1
done

# udp64 DST: packets per second the receiver got (iperf3's JSON), in Mpps
udp64() {
	ip netns exec $A iperf3 -c "$1" -p 5302 -u -b 0 -l 18 -t "$SECS" -J 2>/dev/null |
		/usr/bin/python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)["end"]["sum"]
    print("%.3f" % ((d["packets"] - d["lost_packets"]) / d["seconds"] / 1e6))
except Exception:
    print("NA")'
}
echo "kernel-vxlan-udp64-mpps $(udp64 10.244.9.2)"
echo "kernel-vxlan-tcp-gbps $(ip netns exec $A iperf3 -c 10.244.9.2 -p 5302 -t "$SECS" -J 2>/dev/null |
	/usr/bin/python3 -c '
import json, sys
try:
    print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception:
    print("NA")')"
echo "kernel-veth-udp64-mpps $(udp64 10.98.0.2)"
