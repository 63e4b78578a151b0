#!/bin/bash
# End-to-end: one pod carrying win-bridge's whole policy set (issue 18,
# CLIENTS.md 1.2), every policy enforced at once on one L2Bridge node.
#
# usage: tests/e2e/winbridge.sh [VSWITCHD]    (default: build/vswitchd; run as root)
#
# The switch's one hand-made port is its uplink (host address
# 192.0.2.77/24, default gateway 192.0.2.1) to an "out" namespace standing
# for the wire: 192.0.2.1/24 (node subnet) and 10.244.1.1/24 (the pods'
# router) on its link, and on lo 198.51.100.1 (a host on the Internet) and
# 10.244.2.7 (a pod on another node). Through the API (state store on):
# an L2Bridge network 10.244.1.0/24; the host vNIC (endpoint .2, host
# attach, also holding the node address 198.18.244.10/32); pod p1 (.5) with
#   OutBoundNAT  ExceptionList [cluster 10.244.0.0/16, service 10.96.0.0/12, node 192.0.2.0/24]
#   ROUTE        10.96.0.0/12 (service CIDR, NeedEncap)  -> the load balancers
#   ROUTE        198.18.244.10/32 (the node, NeedEncap)  -> the host vNIC
#   OutBoundNAT  ExceptionList [10.244.0.0/16] (ipMasq, appended by the plugin)
#   QOS          MaximumOutgoingBandwidthInBytes 2,500,000 (20 Mbit/s)
# pod p2 (.6, an HTTP backend behind the ClusterIP 10.96.0.10:80), and the
# other node's pod as a remote endpoint (v1 IsRemoteEndpoint) with the out
# namespace's MAC. A tiny TCP server in "out" answers each connection with
# the peer address it sees.
# Cases: p1 reaches the Internet as the host address, the other node's pod
# with its own address, the ClusterIP through the LB, the node through the
# host vNIC; iperf3 from p1 to the other node's pod stays within 5% of the
# QOS cap; every policy shows Enforced in policystatus.
# Prints "PASS name" / "FAIL name: why", then "e2e-winbridge: N passed, M
# failed". Everything made is removed on exit, also on failure (trap).
set -u

VSWITCHD=${1:-build/vswitchd}
case $VSWITCHD in /*) ;; *) VSWITCHD=$PWD/$VSWITCHD ;; esac
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init e2e-winbridge wb

ID=$$
NS_OUT=wb-$ID-out
HO=wb${ID}oh NO=wb${ID}on
EAL_PREFIX=wb$ID
SOCK=$W/hns.sock
STATE=$W/state.db
API_ARGS=(--api "unix:$SOCK" --state "$STATE")
NEED_CURL=1
HOST_IP=192.0.2.77 NODE_GW=192.0.2.1
POD_GW=10.244.1.1 VNIC_IP=10.244.1.2 P1_IP=10.244.1.5 P2_IP=10.244.1.6
INTERNET=198.51.100.1 OTHER_POD=10.244.2.7
SVC_CIDR=10.96.0.0/12 VIP=10.96.0.10 NODE_IP=198.18.244.10
ECHO_PORT=8080
CAP_KBIT=20000
HOSTEP=w$((ID % 10000))          # vEthernet-wNNNN: 15 characters at most
VNIC=vEthernet-$HOSTEP
# win-bridge's policies for p1, as the plugin appends them (v1 shapes)
P1_POLICIES="[{\"Type\": \"OutBoundNAT\", \"ExceptionList\": [\"10.244.0.0/16\", \"$SVC_CIDR\", \"192.0.2.0/24\"]},
 {\"Type\": \"ROUTE\", \"DestinationPrefix\": \"$SVC_CIDR\", \"NeedEncap\": true},
 {\"Type\": \"ROUTE\", \"DestinationPrefix\": \"$NODE_IP/32\", \"NeedEncap\": true},
 {\"Type\": \"OutBoundNAT\", \"ExceptionList\": [\"10.244.0.0/16\"]},
 {\"Type\": \"QOS\", \"MaximumOutgoingBandwidthInBytes\": $((CAP_KBIT * 125))}]"
NET="" EP1="" EP2="" EPH="" NS1="" NS2=""

cleanup_hook() {
	local ns
	for ns in "$NS1" "$NS2"; do [ -n "$ns" ] && E2E_NS+=("$ns"); done
	E2E_DEVS+=("$VNIC")
	return 0
}

setup() {
	ns_link "$NS_OUT" "$HO" "$NO" "$NODE_GW/24" || return 1
	nsx "$NS_OUT" ip addr add "$POD_GW/24" dev "$NO" || return 1
	nsx "$NS_OUT" ip addr add "$INTERNET/32" dev lo || return 1
	nsx "$NS_OUT" ip addr add "$OTHER_POD/32" dev lo || return 1
	cat >"$W/wb.json" <<EOF
{"Switch": {"Name": "vSwitch"},
 "Ports": [
  {"Name": "up", "Devargs": "net_af_packet0,iface=$HO", "Uplink": true,
   "IPAddresses": ["$HOST_IP/24"], "DefaultGateway": "$NODE_GW"}]}
EOF
	tcp_echo "$NS_OUT" 0.0.0.0 "$ECHO_PORT"
	wait_listening "$NS_OUT" tcp "$ECHO_PORT"
}

# pod NAME IP POLICIES: a v1 endpoint (win-bridge's body) put in a new v2
# namespace; prints "EPID NSID"
pod() {
	local out ep ns
	out=$(api POST /endpoints/ "{\"Name\": \"$1\", \"VirtualNetwork\": \"$NET\", \"IPAddress\": \"$2\", \"GatewayAddress\": \"$POD_GW\", \"DNSSuffix\": \"svc.cluster.local\", \"DNSServerList\": \"10.96.0.10\", \"Policies\": $3}")
	ep=$(echo "$out" | jget 'd["Output"]["ID"]') || { echo "POST /endpoints/ $1: $out" >&2; return 1; }
	out=$(api POST /v2/namespaces '{"Type": "Host", "SchemaVersion": {"Major": 2, "Minor": 0}}')
	ns=$(echo "$out" | jget 'd["Output"]["ID"]') || { echo "POST /v2/namespaces: $out" >&2; return 1; }
	out=$(api PATCH "/v2/namespaces/$ns" "{\"ResourceType\": \"Endpoint\", \"RequestType\": \"Add\", \"Settings\": {\"EndpointId\": \"$ep\"}}")
	echo "$out" | ok || { echo "PATCH Add $1: $out" >&2; return 1; }
	echo "$ep $ns"
}

make_objects() {
	local out r out_mac
	out=$(api POST /networks/ "{\"Name\": \"cbr0\", \"Type\": \"L2Bridge\", \"NetworkAdapterName\": \"up\", \"Subnets\": [{\"AddressPrefix\": \"10.244.1.0/24\", \"GatewayAddress\": \"$POD_GW\"}]}")
	NET=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /networks/: $out"; return 1; }
	# the host vNIC (win-bridge's cbr0 endpoint), holding the node address
	out=$(api POST /endpoints/ "{\"Name\": \"$HOSTEP\", \"VirtualNetwork\": \"$NET\", \"IPAddress\": \"$VNIC_IP\"}")
	EPH=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /endpoints/ host: $out"; return 1; }
	out=$(api POST "/endpoints/$EPH/attach" '{"SystemType": "Host", "CompartmentId": 1}')
	echo "$out" | ok || { WHY="host attach: $out"; return 1; }
	ip addr add "$NODE_IP/32" dev "$VNIC" || { WHY="cannot add the node address to $VNIC"; return 1; }
	r=$(pod wbp1 "$P1_IP" "$P1_POLICIES" 2>"$W/pod.err") || { WHY=$(cat "$W/pod.err"); return 1; }
	read -r EP1 NS1 <<<"$r"
	r=$(pod wbp2 "$P2_IP" "[]" 2>"$W/pod.err") || { WHY=$(cat "$W/pod.err"); return 1; }
	read -r EP2 NS2 <<<"$r"
	# kube-proxy's ClusterIP service: 10.96.0.10:80 -> p2:8080
	out=$(api POST /v2/loadbalancers "{\"SchemaVersion\": {\"Major\": 2, \"Minor\": 0}, \"HostComputeEndpoints\": [\"$EP2\"], \"FrontendVIPs\": [\"$VIP\"], \"PortMappings\": [{\"Protocol\": 6, \"InternalPort\": $ECHO_PORT, \"ExternalPort\": 80}]}")
	echo "$out" | ok || { WHY="POST /v2/loadbalancers: $out"; return 1; }
	# the other node's pod, as flannel host-gw makes it (v1 remote endpoint)
	out_mac=$(nsx "$NS_OUT" cat "/sys/class/net/$NO/address")
	out=$(api POST /endpoints/ "{\"Name\": \"remote-$OTHER_POD\", \"VirtualNetwork\": \"$NET\", \"IPAddress\": \"$OTHER_POD\", \"MacAddress\": \"${out_mac//:/-}\", \"IsRemoteEndpoint\": true}")
	echo "$out" | ok || { WHY="POST /endpoints/ remote: $out"; return 1; }
}

SETUP_OK=0 SETUP_WHY=""
start() {
	start_daemon wb "$W/wb.json" || { SETUP_WHY=$WHY; return; }
	wait_socket "$SOCK"
	make_objects || { SETUP_WHY=$WHY; return; }
	tcp_echo "$NS2" "$P2_IP" "$ECHO_PORT"
	wait_listening "$NS2" tcp "$ECHO_PORT" || { SETUP_WHY="p2 does not listen"; return; }
	wait_ping "$NS1" "$POD_GW" 20 || { SETUP_WHY="no ping p1 -> its router within 20 s"; return; }
	SETUP_OK=1
}
need_setup() { [ $SETUP_OK = 1 ] && return 0; WHY="setup: $SETUP_WHY"; return 1; }

# expect_seen IP PORT WANT: the server at IP:PORT sees p1's connection from WANT
expect_seen() { expect_seen_from "$NS1" "$@"; }

# ---------------------------------------------------------------- cases

test_wb_internet_sees_the_host_address() {
	need_setup && expect_seen "$INTERNET" "$ECHO_PORT" "$HOST_IP"
}

test_wb_other_nodes_pod_sees_the_pod_address() {
	need_setup && expect_seen "$OTHER_POD" "$ECHO_PORT" "$P1_IP"
}

# the service CIDR is an exception: the backend sees p1 itself
test_wb_clusterip_reaches_the_backend_through_the_lb() {
	need_setup && expect_seen "$VIP" 80 "$P1_IP"
}

test_wb_node_address_reached_through_the_host_vnic() {
	need_setup && ping3 "$NS1" "$NODE_IP"
}

# the cap counts Ethernet frames, iperf3 TCP payload (1,448 bytes of each
# 1,514-byte frame): the frames' rate is iperf3's x 1514 / 1448
test_wb_iperf3_to_the_other_node_within_5_percent_of_the_qos_cap() {
	need_setup || return 1
	local got wire
	nsx "$NS_OUT" iperf3 -s -1 -B "$OTHER_POD" >"$W/iperf-s.log" 2>&1 &
	wait_listening "$NS_OUT" tcp 5201 || { WHY="iperf3 server does not listen"; return 1; }
	# the first second left out (-O 1): slow start, the full bucket's burst
	got=$(nsx "$NS1" iperf3 -c "$OTHER_POD" -t 5 -O 1 -J 2>&1 |
		jget 'int(d["end"]["sum_received"]["bits_per_second"] / 1e3)' 2>/dev/null)
	wire=$(( ${got:-0} * 1514 / 1448 ))
	echo "iperf3 p1 -> other node's pod under a $CAP_KBIT kbit/s QOS cap: ${got:-?} kbit/s of payload, $wire kbit/s of frames" >&2
	[ "$wire" -ge $((CAP_KBIT * 95 / 100)) ] && [ "$wire" -le $((CAP_KBIT * 105 / 100)) ] && return 0
	WHY="iperf3's frames took $wire kbit/s (payload '${got:-}') under a $CAP_KBIT kbit/s cap: not within 5%"
	return 1
}

# every one of p1's policies is enforced; OutBoundNAT and the node's ROUTE
# have counted p1's packets
test_wb_policystatus_all_enforced() {
	need_setup || return 1
	local st verdict
	st=$(api GET "/endpoints/$EP1/policystatus")
	verdict=$(echo "$st" | "$PY" -c '
import json, sys
p = json.load(sys.stdin)["Output"]
types = sorted(x["Type"] for x in p)
bad = [x for x in p if x.get("Status") != "Enforced"]
# the service ROUTE counts what no LB took (none here); the node ROUTE is p[2]
idle = [x["Type"] for x in p if x["Type"] == "OutBoundNAT" and x.get("Packets", 0) == 0]
idle += [] if p[2].get("Packets", 0) > 0 else ["ROUTE to the node"]
print("ok" if types == ["OutBoundNAT", "OutBoundNAT", "QOS", "ROUTE", "ROUTE"] and not bad and not idle
      else "types %s, not enforced %s, no packets %s" % (types, bad, idle))')
	[ "$verdict" = ok ] && return 0
	WHY="policystatus: $verdict"
	return 1
}

CASES=(test_wb_internet_sees_the_host_address
	test_wb_other_nodes_pod_sees_the_pod_address
	test_wb_clusterip_reaches_the_backend_through_the_lb
	test_wb_node_address_reached_through_the_host_vnic
	test_wb_iperf3_to_the_other_node_within_5_percent_of_the_qos_cap
	test_wb_policystatus_all_enforced)

run_cases winbridge
