#!/bin/bash
# OVS-DPDK doing what hvswitch's service and overlay rows do, for the same
# input, one PMD core: the peers shared/bench/peers.sh does not have.
#   ovs-lb      a ClusterIP the way OVN implements services: ct(nat) to
#               follow established connections, a select group (dp_hash)
#               of 4 buckets, each ct(commit,nat(dst=DIP:53)) for a new one
#               (a frame of a connection already NATed, +dnat, skips it)
# No 1,000,000-flow rows: net_pcap's infinite_rx keeps every frame of the
# pcap in an mbuf of the port's mempool, and OVS sizes its mempools to at
# most 262,144 mbufs, so OVS cannot replay that pcap (the port add fails).
#   ovs-vxlan-encap      frames from the pcap port out of a VXLAN tunnel
#                        port (userspace tunnelling: encapsulated by OVS,
#                        routed out of ovpphy's DPDK port)
#   ovs-vxlan-decap      VXLAN frames (VNI 4096, to 10.99.0.1 at
#                        02:00:00:00:ff:01, mkvxlanpcap.py --mode decap)
#                        into ovpphy's DPDK port, decapsulated by OVS
#                        (tnl_pop) and sent out of ovpbr0's sink port
# usage: ovs_peers.sh [--lb PCAP] [--vxlan PCAP] [--vxlan1518 PCAP]
#                     [--vxlan-decap PCAP] [--vxlan-decap1518 PCAP] [SECONDS]
# prints "<name> <Mpps>" per case asked for (NA when it gave no number).
# The pcaps are the ones tests/bench/bench.sh makes (mknatpcap.py --vip
# 10.96.0.10 for --lb; mkpcap.py for --vxlan).
# Needs openvswitch-switch-dpdk (Debian); run as root.
set -u
LB="" VX="" VX1518="" VXD="" VXD1518="" SECS=5
while [ $# -gt 0 ]; do
	case $1 in
	--lb) LB=$2; shift ;;
	--vxlan) VX=$2; shift ;;
	--vxlan1518) VX1518=$2; shift ;;
	--vxlan-decap) VXD=$2; shift ;;
	--vxlan-decap1518) VXD1518=$2; shift ;;
	[0-9]*) SECS=$1 ;;
	*) echo "usage: $0 [--lb P] [--vxlan P] [--vxlan1518 P] [--vxlan-decap P] [--vxlan-decap1518 P] [SECONDS]" >&2; exit 2 ;;
	esac
	shift
done
VSD=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
if [ ! -x $VSD ]; then
	for c in ${LB:+ovs-lb} ${VX:+ovs-vxlan-encap} ${VX1518:+ovs-vxlan-encap-1518} \
		${VXD:+ovs-vxlan-decap} ${VXD1518:+ovs-vxlan-decap-1518}; do
		echo "$c NA (apt-get install openvswitch-switch-dpdk)"
	done
	exit 0
fi
W=$(mktemp -d /tmp/ovs-peers.XXXXXX)
cleanup() {
	for p in "$W"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
	sleep 1
	# OVS's netdev bridges are tap devices that outlive it (named ovp*
	# here, so a host's own br0 is never touched): ovpphy holds a tunnel
	# address (10.99.0.1 or 172.31.0.1) other tests may use
	ip link del ovpphy 2>/dev/null
	ip link del ovpbr0 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

grep -q hugetlbfs /proc/mounts || { mkdir -p /dev/hugepages; mount -t hugetlbfs nodev /dev/hugepages; }
[ "$(cat /proc/sys/vm/nr_hugepages)" -ge 1024 ] || echo 1024 >/proc/sys/vm/nr_hugepages
mkdir -p /var/run/openvswitch
DB="unix:$W/db.sock"
V="ovs-vsctl --db=$DB --timeout=60"
OF="ovs-ofctl -O OpenFlow15"
T=tcp:127.0.0.1:16654
APP="ovs-appctl -t $W/vsd.ctl"
ovsdb-tool create "$W/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server "$W/conf.db" --remote="punix:$W/db.sock" --pidfile="$W/ovsdb.pid" --detach \
	--log-file="$W/ovsdb.log" --unixctl="$W/ovsdb.ctl" 2>/dev/null
$V --no-wait init
$V --no-wait set Open_vSwitch . other_config:dpdk-init=true other_config:dpdk-lcore-mask=0x1 \
	other_config:pmd-cpu-mask=0x2 other_config:dpdk-socket-mem=1024 other_config:dpdk-extra="--no-pci"
$VSD "$DB" --pidfile="$W/vsd.pid" --detach --log-file="$W/vsd.log" --unixctl="$W/vsd.ctl" 2>/dev/null
$V add-br ovpbr0 -- set bridge ovpbr0 datapath_type=netdev -- set-controller ovpbr0 ptcp:16654:127.0.0.1 \
	-- set-fail-mode ovpbr0 secure
$V add-port ovpbr0 p1 -- set Interface p1 type=dpdk options:dpdk-devargs="net_null0,no-rx=1"

# tx_of PORT: the port's transmitted packets now, from the datapath
# (dpctl/show -s; the database's statistics column is refreshed only
# every 5 s, too coarse for a 5 s window)
tx_of() {
	$APP dpctl/show -s | awk -v p="$1" '
		$1 == "port" && $3 == p { want = 1; next }
		want && /TX packets:/ { sub(/.*TX packets:/, ""); print $1 + 0; exit }'
}
# rate PORT: tx packets per second of PORT over SECS, after a settling wait
rate() {
	local a b
	sleep 3
	a=$(tx_of "$1")
	sleep "$SECS"
	b=$(tx_of "$1")
	awk -v a="$a" -v b="$b" -v s="$SECS" 'BEGIN{ if (b > a) printf "%.2f", (b-a)/s/1e6; else print "NA" }'
	# OVS_PEERS_DEBUG=FILE: what the datapath did, to check a case
	[ -z "${OVS_PEERS_DEBUG:-}" ] || { $APP dpctl/dump-flows -m; $APP dpctl/dump-conntrack | head -5; $APP dpif-netdev/pmd-stats-show; } >>"$OVS_PEERS_DEBUG" 2>&1
}
# input PCAP [BRIDGE]: the pcap port p0 replays PCAP forever into BRIDGE
input() {
	$V --if-exists del-port p0
	$APP dpctl/del-flows >/dev/null 2>&1
	$APP conntrack/flush >/dev/null 2>&1 || $APP dpctl/flush-conntrack >/dev/null 2>&1
	$V add-port "${2:-ovpbr0}" p0 -- set Interface p0 type=dpdk ofport_request=10 \
		options:dpdk-devargs="net_pcap0,rx_pcap=$1,infinite_rx=1"
}
flows() { $OF del-flows $T; $OF del-groups $T; for f in "$@"; do $OF add-flow $T "$f"; done; }

lb_case() { # lb_case NAME PCAP
	input "$2"
	flows
	$OF add-group $T "group_id=1,type=select,selection_method=dp_hash,\
bucket=bucket_id:1,actions=ct(commit,zone=1,nat(dst=192.0.2.21:53),table=2),\
bucket=bucket_id:2,actions=ct(commit,zone=1,nat(dst=192.0.2.22:53),table=2),\
bucket=bucket_id:3,actions=ct(commit,zone=1,nat(dst=192.0.2.23:53),table=2),\
bucket=bucket_id:4,actions=ct(commit,zone=1,nat(dst=192.0.2.24:53),table=2)"
	$OF add-flow $T "table=0,priority=10,udp,nw_dst=10.96.0.10,tp_dst=53,actions=ct(zone=1,nat,table=1)"
	$OF add-flow $T "table=1,priority=10,ct_state=+trk+new,udp,actions=group:1"
	# a one-way UDP flow stays +new to conntrack; one already NATed by the
	# ct(nat) above is +dnat: OVS's best case, no second pass through ct
	$OF add-flow $T "table=1,priority=20,ct_state=+trk+dnat,udp,actions=goto_table:2"
	$OF add-flow $T "table=2,priority=10,ip,actions=mod_dl_src:02:00:00:00:ff:01,mod_dl_dst:02:00:00:00:ff:21,dec_ttl,output:p1"
	echo "$1 $(rate p1)"
}
[ -n "$LB" ] && lb_case ovs-lb "$LB"

# route_to PREFIX: OVS's tunnel routing table has PREFIX on ovpphy (it
# learns the kernel's connected route asynchronously; added if it does not)
route_to() {
	for _ in $(seq 50); do
		$APP ovs/route/show | grep -q "$1 dev ovpphy" && return 0
		sleep 0.1
	done
	$APP ovs/route/add "$1" ovpphy >/dev/null 2>&1
}

vxlan_case() { # vxlan_case NAME PCAP
	# ovpphy: the underlay, its DPDK port the sink; tunnel endpoint
	# 172.31.0.1 on ovpphy, the remote VTEP 172.31.0.2 a static neighbour
	if ! $V br-exists ovpphy; then
		$V add-br ovpphy -- set bridge ovpphy datapath_type=netdev
		$V add-port ovpphy up0 -- set Interface up0 type=dpdk options:dpdk-devargs="net_null1,no-rx=1"
		ip link set ovpphy up 2>/dev/null
		ip addr add 172.31.0.1/24 dev ovpphy 2>/dev/null
		route_to 172.31.0.0/24
		$APP tnl/neigh/set ovpphy 172.31.0.2 02:00:00:00:31:02 >/dev/null
		$V add-port ovpbr0 vx0 -- set Interface vx0 type=vxlan ofport_request=20 \
			options:remote_ip=172.31.0.2 options:local_ip=172.31.0.1 options:key=4096
	fi
	input "$2"
	flows "table=0,priority=10,in_port=p0,actions=output:vx0"
	echo "$1 $(rate up0)"
}
[ -n "$VX" ] && vxlan_case ovs-vxlan-encap "$VX"
[ -n "$VX1518" ] && vxlan_case ovs-vxlan-encap-1518 "$VX1518"

decap_case() { # decap_case NAME PCAP: the VTEP is 10.99.0.1 on ovpphy
	$V --if-exists del-br ovpphy
	$V --if-exists del-port ovpbr0 vx0
	$V add-br ovpphy -- set bridge ovpphy datapath_type=netdev \
		other_config:hwaddr=02:00:00:00:ff:01
	ip link set ovpphy up 2>/dev/null
	ip addr add 10.99.0.1/24 dev ovpphy 2>/dev/null
	route_to 10.99.0.0/24
	$V add-port ovpbr0 vx0 -- set Interface vx0 type=vxlan ofport_request=20 \
		options:remote_ip=flow options:local_ip=10.99.0.1 options:key=4096
	input "$2" ovpphy
	flows "table=0,priority=10,in_port=vx0,actions=output:p1"
	echo "$1 $(rate p1)"
}
[ -n "$VXD" ] && decap_case ovs-vxlan-decap "$VXD"
[ -n "$VXD1518" ] && decap_case ovs-vxlan-decap-1518 "$VXD1518"
exit 0
