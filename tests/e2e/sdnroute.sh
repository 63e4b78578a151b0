#!/bin/bash
# End-to-end SDNRoute and remote endpoints on an L2Bridge network (issue
# 18): a pod with win-bridge's ROUTE policies (service CIDR, the node's
# address /32) reaches a ClusterIP service through an LB made by POST
# /v2/loadbalancers, the host vNIC's address and the node's address (handed
# to the host by its ROUTE policy), and another node's pod through that
# pod's remote endpoint; the remote entry survives a restart with --state.
# The host reaches the ClusterIP through its vNIC, and a NodePort on the
# uplink's address (198.18.214.10) with LocalRoutedVIP but not without it.
#
# usage: tests/e2e/sdnroute.sh [VSWITCHD]    (default: build/vswitchd; run as root)
#
# The switch's one hand-made port is its uplink to an "out" namespace that
# stands for the wire and another node's pod (10.213.2.7/24, with an
# on-link route to this node's pod subnet). Through the API: an L2Bridge
# network 10.213.1.0/24, the host vNIC (endpoint .2, host attach: the
# pods' gateway, also holding the node address 198.18.213.10/32), pods p1
# (.5, the ROUTE policies) and p2 (.6, an HTTP backend) in v2 namespaces,
# the LB 10.213.96.10:80 -> p2:8080, and the other node's pod as a v2
# remote endpoint (Flags 1) with its MAC. Prints "PASS name" / "FAIL name:
# why", then "e2e-sdnroute: N passed, M failed". Everything made is removed
# on exit, also on failure (trap).
set -u

VSWITCHD=${1:-build/vswitchd}
case $VSWITCHD in /*) ;; *) VSWITCHD=$PWD/$VSWITCHD ;; esac
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init e2e-sdnroute sdnroute

ID=$$
NS_OUT=rt-$ID-out
HO=rt${ID}oh NO=rt${ID}on
EAL_PREFIX=rt$ID
SOCK=$W/hns.sock
STATE=$W/state.db
API_ARGS=(--api "unix:$SOCK" --state "$STATE")
NEED_CURL=1
SUBNET=10.213.1 HOST_IP=10.213.1.2 P1_IP=10.213.1.5 P2_IP=10.213.1.6
REMOTE_IP=10.213.2.7 VIP=10.213.96.10 SVC_CIDR=10.213.96.0/20 NODE_IP=198.18.213.10
WIRE_IP=198.18.214.10            # the uplink's address: where NodePorts answer
ANY_MAC=02:00:00:d5:00:01        # the host's next hop for the switch's addresses
HOSTEP=r$((ID % 10000))          # vEthernet-rNNNN: 15 characters at most
VNIC=vEthernet-$HOSTEP
NET="" EP1="" EP2="" EPH="" NS1="" NS2="" REMOTE_EP="" OUT_MAC="" SERVER=""

cleanup_hook() {
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
	local ns
	for ns in "$NS1" "$NS2"; do [ -n "$ns" ] && E2E_NS+=("$ns"); done
	E2E_DEVS+=("$VNIC")
}
# (routes and neighbours on $VNIC go with it)

setup() {
	ns_link "$NS_OUT" "$HO" "$NO" "$REMOTE_IP/24" || return 1
	nsx "$NS_OUT" ip route add "$SUBNET.0/24" dev "$NO" || return 1
	nsx "$NS_OUT" ip route add "$WIRE_IP/32" dev "$NO" || return 1
	cat >"$W/rt.json" <<EOF
{"Switch": {"Name": "vSwitch"},
 "Ports": [{"Name": "up", "Devargs": "net_af_packet0,iface=$HO", "Uplink": true,
            "IPAddresses": ["$WIRE_IP/24"]}]}
EOF
}


# pod NAME IP POLICIES: a v1 endpoint (win-bridge's body) put in a new v2
# namespace; prints "EPID NSID"
pod() {
	local out ep ns
	out=$(api POST /endpoints/ "{\"Name\": \"$1\", \"VirtualNetwork\": \"$NET\", \"IPAddress\": \"$2\", \"GatewayAddress\": \"$HOST_IP\", \"Policies\": $3}")
	ep=$(echo "$out" | jget 'd["Output"]["ID"]') || { echo "POST /endpoints/ $1: $out" >&2; return 1; }
	out=$(api POST /v2/namespaces '{"Type": "Host", "SchemaVersion": {"Major": 2, "Minor": 0}}')
	ns=$(echo "$out" | jget 'd["Output"]["ID"]') || { echo "POST /v2/namespaces: $out" >&2; return 1; }
	out=$(api PATCH "/v2/namespaces/$ns" "{\"ResourceType\": \"Endpoint\", \"RequestType\": \"Add\", \"Settings\": {\"EndpointId\": \"$ep\"}}")
	echo "$out" | ok || { echo "PATCH Add $1: $out" >&2; return 1; }
	echo "$ep $ns"
}

make_objects() {
	local out r
	out=$(api POST /networks/ "{\"Name\": \"rtnet\", \"Type\": \"L2Bridge\", \"NetworkAdapterName\": \"up\", \"Subnets\": [{\"AddressPrefix\": \"$SUBNET.0/24\", \"GatewayAddress\": \"$SUBNET.1\"}]}")
	NET=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /networks/: $out"; return 1; }
	# the host vNIC (win-bridge's cbr0 endpoint): the pods' gateway
	out=$(api POST /endpoints/ "{\"Name\": \"$HOSTEP\", \"VirtualNetwork\": \"$NET\", \"IPAddress\": \"$HOST_IP\"}")
	EPH=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /endpoints/ host: $out"; return 1; }
	out=$(api POST "/endpoints/$EPH/attach" '{"SystemType": "Host", "CompartmentId": 1}')
	echo "$out" | ok || { WHY="host attach: $out"; return 1; }
	ip addr add "$NODE_IP/32" dev "$VNIC" || { WHY="cannot add the node address to $VNIC"; return 1; }
	r=$(pod rtp1 "$P1_IP" "[{\"Type\": \"ROUTE\", \"DestinationPrefix\": \"$SVC_CIDR\", \"NeedEncap\": true}, {\"Type\": \"ROUTE\", \"DestinationPrefix\": \"$NODE_IP/32\", \"NeedEncap\": true}]" 2>"$W/pod.err") ||
		{ WHY=$(cat "$W/pod.err"); return 1; }
	read -r EP1 NS1 <<<"$r"
	r=$(pod rtp2 "$P2_IP" "[]" 2>"$W/pod.err") || { WHY=$(cat "$W/pod.err"); return 1; }
	read -r EP2 NS2 <<<"$r"
	out=$(api POST /v2/loadbalancers "{\"SchemaVersion\": {\"Major\": 2, \"Minor\": 0}, \"HostComputeEndpoints\": [\"$EP2\"], \"FrontendVIPs\": [\"$VIP\"], \"PortMappings\": [{\"Protocol\": 6, \"InternalPort\": 8080, \"ExternalPort\": 80}]}")
	echo "$out" | ok || { WHY="POST /v2/loadbalancers: $out"; return 1; }
}

serve() { # an HTTP server on p2:8080 answering "p2"
	nsx "$NS2" "$PY" -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("'"$P2_IP"'", 8080)); s.listen(16)
while True:
    c, a = s.accept()
    try:
        c.recv(1000); c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\np2")
    finally:
        c.close()' >"$W/serve.log" 2>&1 &
	SERVER=$!
}

SETUP_OK=0 SETUP_WHY=""
start() {
	start_daemon rt "$W/rt.json" || { SETUP_WHY=$WHY; return; }
	wait_socket "$SOCK"
	make_objects || { SETUP_WHY=$WHY; return; }
	serve
	wait_listening "$NS2" tcp 8080 || { SETUP_WHY="p2 does not listen"; return; }
	wait_ping "$NS1" "$P2_IP" 20 || { SETUP_WHY="no ping p1 -> p2 within 20 s"; return; }
	SETUP_OK=1
}
need_setup() { [ $SETUP_OK = 1 ] && return 0; WHY="setup: $SETUP_WHY"; return 1; }

# the Packets of policy I of endpoint EP1 in /policystatus, and its Status
route_status() { api GET "/endpoints/$EP1/policystatus" | jget "d['Output'][$1]['Status'], d['Output'][$1].get('Packets')"; }

# ---------------------------------------------------------------- cases

test_rt_pod_reaches_a_clusterip_through_the_lb() {
	need_setup || return 1
	local got
	got=$(nsx "$NS1" curl -s --max-time 5 "http://$VIP/")
	[ "$got" = p2 ] || { WHY="curl http://$VIP/ from p1: '$got'"; return 1; }
}

test_rt_pod_reaches_the_host_vnic_and_the_node_by_route() {
	need_setup || return 1
	local before after
	ping3 "$NS1" "$HOST_IP" || return 1
	before=$(route_status 1)
	case $before in "('Enforced', "*) ;; *) WHY="ROUTE $NODE_IP/32 status: $before"; return 1 ;; esac
	ping3 "$NS1" "$NODE_IP" || return 1
	after=$(route_status 1)
	[ "${after##*, }" != "${before##*, }" ] ||
		{ WHY="the ROUTE policy's Packets did not move ($before -> $after): not handed to the host by it"; return 1; }
	echo "ROUTE $NODE_IP/32 policystatus: $before -> $after" >&2
}

test_rt_remote_pod_reached_through_its_remote_endpoint() {
	need_setup || return 1
	local out neigh h_mac
	OUT_MAC=$(nsx "$NS_OUT" cat "/sys/class/net/$NO/address")
	# without the entry the pod's frames go to the host vNIC (and nowhere)
	ping_fails "$NS1" "$REMOTE_IP" || { WHY="remote pod reached before its remote endpoint existed"; return 1; }
	out=$(api POST /v2/endpoints "{\"HostComputeNetwork\": \"$NET\", \"IpConfigurations\": [{\"IpAddress\": \"$REMOTE_IP\"}], \"Dns\": {}, \"MacAddress\": \"${OUT_MAC//:/-}\", \"Flags\": 1, \"Health\": {\"Extra\": {}}, \"SchemaVersion\": {\"Major\": 2, \"Minor\": 0}}")
	REMOTE_EP=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="CreateRemoteEndpoint: $out"; return 1; }
	ping3 "$NS1" "$REMOTE_IP" || return 1
	# the other node saw this node's pod behind the host MAC H (the uplink's)
	h_mac=$(cat "/sys/class/net/$HO/address")
	neigh=$(nsx "$NS_OUT" ip neigh show "$P1_IP" dev "$NO" | awk '{print $3}')
	[ "$neigh" = "$h_mac" ] || { WHY="the other node has $P1_IP at '$neigh', not H $h_mac"; return 1; }
	# a local endpoint with the remote's address is refused (k8s #130963)
	out=$(api POST /endpoints/ "{\"Name\": \"rtdup\", \"VirtualNetwork\": \"$NET\", \"IPAddress\": \"$REMOTE_IP\"}")
	echo "$out" | grep -q 'remote endpoint' || { WHY="a local endpoint with a remote's address: $out"; return 1; }
}

test_rt_remote_entry_restored_after_restart() {
	need_setup || return 1
	[ -n "$REMOTE_EP" ] || { WHY="no remote endpoint (the previous case failed)"; return 1; }
	stop_daemon
	[ "$STOP_RC" = 0 ] || { WHY="SIGTERM: exit $STOP_RC"; return 1; }
	start_daemon rt2 "$W/rt.json" || return 1
	wait_socket "$SOCK"
	wait_ping "$NS1" "$REMOTE_IP" 30 || { WHY="no ping p1 -> remote pod within 30 s of the restart"; return 1; }
	api DELETE "/v2/endpoints/$REMOTE_EP" | ok || { WHY="DELETE the remote endpoint"; return 1; }
	ping_fails "$NS1" "$REMOTE_IP" || { WHY="remote pod still reached after its remote endpoint was deleted"; return 1; }
}

# lb_post PORT FLAGS: a NodePort (no FrontendVIPs) PORT -> p2:8080 with
# PortMapping Flags FLAGS
lb_post() {
	api POST /v2/loadbalancers "{\"SchemaVersion\": {\"Major\": 2, \"Minor\": 0}, \"HostComputeEndpoints\": [\"$EP2\"], \"PortMappings\": [{\"Protocol\": 6, \"InternalPort\": 8080, \"ExternalPort\": $1, \"Flags\": $2}]}" | ok
}

# The host reaches services through its vNIC (issue 17): a ClusterIP
# always, a NodePort on the node's (uplink's) address only with
# LocalRoutedVIP (kube-proxy's Flags 18); one without (16) is not the host's.
test_rt_host_reaches_a_clusterip_and_a_local_routed_vip_nodeport() {
	need_setup || return 1
	local got
	ip route replace "$VIP/32" dev "$VNIC" src "$HOST_IP" &&
		ip route replace "$WIRE_IP/32" dev "$VNIC" src "$HOST_IP" &&
		ip neigh replace "$VIP" lladdr "$ANY_MAC" dev "$VNIC" nud permanent &&
		ip neigh replace "$WIRE_IP" lladdr "$ANY_MAC" dev "$VNIC" nud permanent ||
		{ WHY="cannot route the service addresses through $VNIC"; return 1; }
	got=$(curl -s --max-time 5 "http://$VIP/")
	[ "$got" = p2 ] || { WHY="curl http://$VIP/ from the host: '$got'"; return 1; }
	lb_post 30080 18 || { WHY="POST the NodePort 30080 (Flags 18)"; return 1; }
	lb_post 30081 16 || { WHY="POST the NodePort 30081 (Flags 16)"; return 1; }
	got=$(curl -s --max-time 5 "http://$WIRE_IP:30080/")
	[ "$got" = p2 ] || { WHY="curl http://$WIRE_IP:30080/ (LocalRoutedVIP) from the host: '$got'"; return 1; }
	got=$(curl -s --max-time 3 "http://$WIRE_IP:30081/")
	[ -z "$got" ] || { WHY="the NodePort without LocalRoutedVIP answered the host: '$got'"; return 1; }
	# the wire reaches both
	got=$(nsx "$NS_OUT" curl -s --max-time 5 --interface "$REMOTE_IP" "http://$WIRE_IP:30081/")
	[ "$got" = p2 ] || { WHY="curl http://$WIRE_IP:30081/ from the wire: '$got'"; return 1; }
}

CASES=(test_rt_pod_reaches_a_clusterip_through_the_lb
	test_rt_host_reaches_a_clusterip_and_a_local_routed_vip_nodeport
	test_rt_pod_reaches_the_host_vnic_and_the_node_by_route
	test_rt_remote_pod_reached_through_its_remote_endpoint
	test_rt_remote_entry_restored_after_restart)

run_cases sdnroute
