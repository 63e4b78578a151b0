#!/bin/bash
# End-to-end tests of issue 16: HNS namespaces are Linux network
# namespaces and attaches are plumbed by the daemon, through the REST API
# alone (no veth made by this script for the pods).
#
# usage: tests/e2e/namespaces.sh [VSWITCHD]    (default: build/vswitchd; run as root)
#
# The switch has one port made by hand: its uplink to an "out" namespace
# (192.0.2.1/24 on its link, 198.51.100.1 on lo; uplink 192.0.2.77/24).
# Through the API: a NAT network 172.31.231.0/24 (gateway .1), endpoints
# ep1 (.2) and ep2 (.3, publishing TCP 8080 -> 80), a v2 namespace holding
# ep1 (PATCH Add) and a v1 namespace holding ep2 (addresource); then a
# host attach (SystemType Host) of ep3 (.4) as vEthernet-<name>. Cases:
# the pods' interfaces, ping and iperf3 pod to pod and to the outside
# through the NAT, the host to a pod and to a published port, an adopted
# namespace, error cases (nothing half made), SIGTERM + restart with
# --state re-plumbs, kill -9 + restart reuses what exists and removes a
# stray, and deleting everything leaves the host's links as they were.
# Prints "PASS name" / "FAIL name: why", then "e2e-namespaces: N passed, M
# failed". Everything made is removed on exit, also on failure (trap).
set -u

VSWITCHD=${1:-build/vswitchd}
case $VSWITCHD in /*) ;; *) VSWITCHD=$PWD/$VSWITCHD ;; esac
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init e2e-namespaces namespaces

ID=$$
NS_OUT=hvns-$ID-out NS_ADOPT=hvns-$ID-adopt
HO=hvs${ID}oh NO=hvs${ID}on
EAL_PREFIX=hvns$ID
SOCK=$W/hns.sock
STATE=$W/state.db
API_ARGS=(--api "unix:$SOCK" --state "$STATE")
NEED_CURL=1
UPLINK_IP=192.0.2.77 OUT_GW=192.0.2.1 REMOTE=198.51.100.1
SUBNET=172.31.231 GW=172.31.231.1
HOSTEP=h$((ID % 10000))          # vEthernet-hNNNN: 15 characters at most
VNIC=vEthernet-$HOSTEP
NET="" EP1="" EP2="" EP3="" NS1="" NS2=""

cleanup_hook() {
	# the pods' namespaces are the daemon's; the trap removes them too
	# (a failed run), after the daemon stopped (e2e_cleanup's order)
	local ns
	for ns in "$NS1" "$NS2"; do [ -n "$ns" ] && E2E_NS+=("$ns"); done
	E2E_DEVS+=("$VNIC" "vEthernet-x${HOSTEP:0:4}")
	ip route del "$UPLINK_IP/32" 2>/dev/null
}

setup() {
	ip -o link | awk -F': ' '{print $2}' | sed 's/@.*//' | sort >"$W/links-before"
	ns_link "$NS_OUT" "$HO" "$NO" "$OUT_GW/24" || return 1
	nsx "$NS_OUT" ip addr add "$REMOTE/32" dev lo || return 1
	cat >"$W/ns.json" <<EOF
{"Switch": {"Name": "vSwitch"},
 "Ports": [
  {"Name": "up", "Devargs": "net_af_packet0,iface=$HO", "Uplink": true,
   "IPAddresses": ["$UPLINK_IP/24"], "DefaultGateway": "$OUT_GW"}]}
EOF
}

links() { ip -o link | awk -F': ' '{print $2}' | sed 's/@.*//' | sort; }
# the links a plumb makes: the switch's ends (hv...) and host vNICs
our_links() { links | grep -E '^(hv|vEthernet-)'; }

make_objects() {
	local out
	out=$(api POST /networks/ "{\"Name\": \"nsnet\", \"Type\": \"NAT\", \"Subnets\": [{\"AddressPrefix\": \"$SUBNET.0/24\", \"GatewayAddress\": \"$GW\"}]}")
	NET=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /networks/: $out"; return 1; }
	out=$(api POST /endpoints/ "{\"Name\": \"ep1\", \"VirtualNetwork\": \"$NET\", \"IPAddress\": \"$SUBNET.2\"}")
	EP1=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /endpoints/ ep1: $out"; return 1; }
	out=$(api POST /endpoints/ "{\"Name\": \"ep2\", \"VirtualNetwork\": \"$NET\", \"IPAddress\": \"$SUBNET.3\", \"Policies\": [{\"Type\": \"NAT\", \"Protocol\": \"TCP\", \"InternalPort\": 80, \"ExternalPort\": 8080}]}")
	EP2=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /endpoints/ ep2: $out"; return 1; }
	out=$(api POST /endpoints/ "{\"Name\": \"$HOSTEP\", \"VirtualNetwork\": \"$NET\", \"IPAddress\": \"$SUBNET.4\"}")
	EP3=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /endpoints/ ep3: $out"; return 1; }
	# v2: a namespace, then PATCH Add
	out=$(api POST /v2/namespaces '{"Type": "Host", "SchemaVersion": {"Major": 2, "Minor": 0}}')
	NS1=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /v2/namespaces: $out"; return 1; }
	out=$(api PATCH "/v2/namespaces/$NS1" "{\"ResourceType\": \"Endpoint\", \"RequestType\": \"Add\", \"Settings\": {\"EndpointId\": \"$EP1\"}}")
	echo "$out" | ok || { WHY="PATCH Add ep1: $out"; return 1; }
	# v1: a namespace, then addresource
	out=$(api POST /namespaces/ '{}')
	NS2=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /namespaces/: $out"; return 1; }
	out=$(api POST "/namespaces/$NS2/addresource" "{\"Type\": \"Endpoint\", \"Data\": {\"Id\": \"$EP2\"}}")
	echo "$out" | ok || { WHY="addresource ep2: $out"; return 1; }
}

SETUP_OK=0 SETUP_WHY=""
start() {
	start_daemon ns "$W/ns.json" || { SETUP_WHY=$WHY; return; }
	wait_socket "$SOCK"
	make_objects || { SETUP_WHY=$WHY; return; }
	wait_ping "$NS1" "$SUBNET.3" 20 || { SETUP_WHY="no ping pod1 -> pod2 within 20 s"; return; }
	SETUP_OK=1
}
need_setup() { [ $SETUP_OK = 1 ] && return 0; WHY="setup: $SETUP_WHY"; return 1; }

# ---------------------------------------------------------------- cases

test_ns_pod_interfaces_plumbed() {
	need_setup || return 1
	local ep mac addr route
	ep=$(api GET "/endpoints/$EP1")
	mac=$(echo "$ep" | jget 'd["Output"]["MacAddress"].replace("-", ":").lower()')
	[ "$(echo "$ep" | jget 'd["Output"]["InterfaceName"], d["Output"]["State"]')" = "('eth0', 2)" ] ||
		{ WHY="endpoint JSON: $ep"; return 1; }
	[ "$(nsx "$NS1" cat /sys/class/net/eth0/address)" = "$mac" ] ||
		{ WHY="eth0's MAC is not the endpoint's $mac"; return 1; }
	addr=$(nsx "$NS1" ip -o -4 addr show dev eth0 | awk '{print $4}')
	[ "$addr" = "$SUBNET.2/24" ] || { WHY="eth0 address '$addr'"; return 1; }
	route=$(nsx "$NS1" ip route show default)
	echo "$route" | grep -q "via $GW dev eth0" || { WHY="default route '$route'"; return 1; }
	# LOWER_UP: up with a carrier (a tap's operstate reads UNKNOWN)
	nsx "$NS1" ip link show eth0 | grep -q 'LOWER_UP' || { WHY="eth0 is not up"; return 1; }
	nsx "$NS2" ip -o -4 addr show dev eth0 | grep -q "$SUBNET.3/24" || { WHY="pod2 (v1 addresource) has no eth0 with $SUBNET.3"; return 1; }
	[ "$(api GET "/namespaces/$NS2" | jget 'd["Output"]["NetNsPath"]')" = "/run/netns/$NS2" ] ||
		{ WHY="v1 namespace does not show its NetNsPath"; return 1; }
}

test_ns_ping_pod_to_pod_and_out_through_nat() {
	need_setup && ping3 "$NS1" "$SUBNET.3" && ping3 "$NS2" "$SUBNET.2" &&
		ping3 "$NS1" "$GW" && wait_ping "$NS1" "$REMOTE" 10 && ping3 "$NS1" "$REMOTE"
}

# iperf_rate SERVER_NS SERVER_IP CLIENT_NS [UNIT [SECS [OMIT]]]: received,
# in Mbit/s (or bit/s / UNIT), over SECS (2) seconds after the first OMIT
# (none; iperf3 -O: slow start and a full bucket's first burst left out)
iperf_rate() {
	nsx "$1" iperf3 -s -1 -B "$2" >"$W/iperf-s.log" 2>&1 &
	wait_listening "$1" tcp 5201 || return 1
	nsx "$3" iperf3 -c "$2" -t "${5:-2}" ${6:+-O "$6"} -J 2>&1 |
		jget "int(d['end']['sum_received']['bits_per_second'] / ${4:-1e6})" 2>/dev/null
}

test_ns_iperf3_pod_to_pod_and_to_outside() {
	need_setup || return 1
	local a b
	a=$(iperf_rate "$NS2" "$SUBNET.3" "$NS1")
	b=$(iperf_rate "$NS_OUT" "$REMOTE" "$NS1")
	echo "iperf3 pod to pod: ${a:-?} Mbit/s; pod to outside through NAT: ${b:-?} Mbit/s" >&2
	[ "${a:-0}" -gt 1 ] && [ "${b:-0}" -gt 1 ] && return 0
	WHY="iperf3 pod to pod '${a:-}' Mbit/s, to outside '${b:-}' Mbit/s"
	return 1
}

# issue 18: a QOS policy caps what the pod sends, shaped at its port so TCP
# keeps within 5% of the cap; removing it lifts the cap. The cap counts
# Ethernet frames and iperf3 counts TCP payload (1,448 bytes of each
# 1,514-byte frame), so the frames' rate is iperf3's x 1514 / 1448.
test_ns_qos_caps_what_a_pod_sends() {
	need_setup || return 1
	local out capped wire free cap_kbit=20000
	out=$(api POST "/endpoints/$EP1" "{\"ID\": \"$EP1\", \"Policies\": [{\"Type\": \"QOS\", \"MaximumOutgoingBandwidthInBytes\": $((cap_kbit * 125))}]}")
	echo "$out" | ok || { WHY="POST /endpoints/ep1 with a QOS policy: $out"; return 1; }
	capped=$(iperf_rate "$NS2" "$SUBNET.3" "$NS1" 1e3 5 1)
	out=$(api POST "/endpoints/$EP1" "{\"ID\": \"$EP1\", \"Policies\": []}")
	echo "$out" | ok || { WHY="removing the QOS policy: $out"; return 1; }
	free=$(iperf_rate "$NS2" "$SUBNET.3" "$NS1" 1e3)
	wire=$(( ${capped:-0} * 1514 / 1448 ))
	echo "iperf3 pod to pod under a ${cap_kbit} kbit/s QOS cap: ${capped:-?} kbit/s of TCP payload, ${wire} kbit/s of frames; without: ${free:-?} kbit/s" >&2
	[ "$wire" -le $((cap_kbit * 105 / 100)) ] && [ "$wire" -ge $((cap_kbit * 95 / 100)) ] ||
		{ WHY="under a $cap_kbit kbit/s cap iperf3's frames took '$wire' kbit/s (payload '${capped:-}'): not within 5%"; return 1; }
	[ -n "$free" ] && [ "$free" -gt $((cap_kbit * 2)) ] ||
		{ WHY="without the cap iperf3 got '${free:-}' kbit/s"; return 1; }
}

http_server() { # http_server NS IP PORT: answers "ok" to each request (background)
	nsx "$1" "$PY" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8); s.settimeout(30)
while True:
    c, a = s.accept(); c.recv(1000)
    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"); c.close()' "$2" "$3" >"$W/http.log" 2>&1 &
	HTTP_PID=$!
	wait_listening "$1" tcp "$3"
}

test_ns_host_attach_reaches_pods_and_published_port() {
	need_setup || return 1
	local out name code=""
	out=$(api POST "/endpoints/$EP3/attach" '{"SystemType": "Host", "CompartmentId": 1}')
	echo "$out" | ok || { WHY="host attach: $out"; return 1; }
	name=$(api GET "/endpoints/$EP3" | jget 'd["Output"]["InterfaceName"]')
	[ "$name" = "$VNIC" ] || { WHY="endpoint JSON InterfaceName '$name', want $VNIC"; return 1; }
	ip -o -4 addr show dev "$VNIC" | grep -q "$SUBNET.4/24" || { WHY="$VNIC has no $SUBNET.4/24"; return 1; }
	ping -c 3 -i 0.2 -W 2 "$SUBNET.2" >/dev/null || { WHY="the host cannot ping pod1 $SUBNET.2"; return 1; }
	# the published port: the uplink address's 8080 reaches ep2's 80,
	# from the host through its vNIC and the NAT network's gateway
	http_server "$NS2" "$SUBNET.3" 80 || { WHY="http server did not listen"; return 1; }
	ip route replace "$UPLINK_IP/32" via "$GW" dev "$VNIC"
	for _ in $(seq 20); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$UPLINK_IP:8080/")
		[ "$code" = 200 ] && break
		sleep 0.2
	done
	ip route del "$UPLINK_IP/32" 2>/dev/null
	if [ "$code" != 200 ]; then
		kill "$HTTP_PID" 2>/dev/null
		WHY="curl http://$UPLINK_IP:8080/ (published) from the host: '$code'"
		return 1
	fi
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$SUBNET.3:80/")
	kill "$HTTP_PID" 2>/dev/null
	[ "$code" = 200 ] && return 0
	WHY="curl http://$SUBNET.3/ from the host: '$code'"
	return 1
}

test_ns_errors_name_the_field_and_leave_nothing() {
	need_setup || return 1
	local out before after
	before=$(our_links)
	out=$(api POST /v2/namespaces '{"NetNsPath": "/run/netns/hvns-no-such-'$ID'"}')
	echo "$out" | grep -q '"Success": *false.*NetNsPath' || { WHY="missing NetNsPath: $out"; return 1; }
	out=$(api PATCH "/v2/namespaces/$NS1" "{\"ResourceType\": \"Endpoint\", \"RequestType\": \"Add\", \"Settings\": {\"EndpointId\": \"$EP1\"}}")
	echo "$out" | grep -q '"Success": *false.*EndpointId.*already' || { WHY="endpoint added twice: $out"; return 1; }
	out=$(api POST /v2/namespaces '{"PortKind": "pigeon"}')
	echo "$out" | grep -q '"Success": *false.*PortKind' || { WHY="bad PortKind: $out"; return 1; }
	# the host vNIC's name taken: the attach fails, nothing is left
	local ep4 TAKEN=vEthernet-x$HOSTEP
	TAKEN=${TAKEN:0:15} # the name the daemon would give it
	ep4=$(api POST /endpoints/ "{\"Name\": \"x$HOSTEP\", \"VirtualNetwork\": \"$NET\"}" | jget 'd["Output"]["ID"]')
	ip link add "$TAKEN" type veth peer name "hvz$ID" || { WHY="cannot make $TAKEN"; return 1; }
	out=$(api POST "/endpoints/$ep4/attach" '{"SystemType": "Host"}')
	ip link del "$TAKEN" 2>/dev/null
	api DELETE "/endpoints/$ep4" >/dev/null
	echo "$out" | grep -q '"Success": *false.*Name.*taken' || { WHY="vNIC name taken: $out"; return 1; }
	after=$(our_links)
	[ "$before" = "$after" ] && return 0
	WHY="links changed by failed requests: $(diff <(echo "$before") <(echo "$after") | tr '\n' ' ')"
	return 1
}

test_ns_adopted_namespace_is_left_emptied() {
	need_setup || return 1
	local out ns ep
	ip netns add "$NS_ADOPT" || { WHY="ip netns add"; return 1; }
	E2E_NS+=("$NS_ADOPT")
	out=$(api POST /v2/namespaces "{\"NetNsPath\": \"/run/netns/$NS_ADOPT\", \"PortKind\": \"af_packet\"}")
	ns=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="adopt: $out"; return 1; }
	ep=$(api POST /endpoints/ "{\"Name\": \"ep5\", \"VirtualNetwork\": \"$NET\", \"IPAddress\": \"$SUBNET.5\"}" | jget 'd["Output"]["ID"]')
	out=$(api PATCH "/v2/namespaces/$ns" "{\"ResourceType\": \"Endpoint\", \"RequestType\": \"Add\", \"Settings\": {\"EndpointId\": \"$ep\"}}")
	echo "$out" | ok || { WHY="PATCH Add into the adopted namespace: $out"; return 1; }
	ping3 "$NS_ADOPT" "$SUBNET.2" || return 1
	api DELETE "/v2/namespaces/$ns" | ok || { WHY="DELETE the adopted namespace"; return 1; }
	api DELETE "/endpoints/$ep" >/dev/null
	[ -e "/run/netns/$NS_ADOPT" ] || { WHY="the adopted namespace was removed"; return 1; }
	nsx "$NS_ADOPT" ip link show eth0 >/dev/null 2>&1 && { WHY="eth0 left in the adopted namespace"; return 1; }
	return 0
}

test_ns_sigterm_then_restart_replumbs() {
	need_setup || return 1
	stop_daemon
	[ "$STOP_RC" = 0 ] || { WHY="stop: exit $STOP_RC"; return 1; }
	nsx "$NS1" ip link show eth0 >/dev/null 2>&1 && { WHY="pod1's eth0 still there after the stop"; return 1; }
	ip link show "$VNIC" >/dev/null 2>&1 && { WHY="$VNIC still there after the stop"; return 1; }
	start_daemon ns2 "$W/ns.json" || return 1
	wait_socket "$SOCK"
	wait_ping "$NS1" "$SUBNET.3" 20 || { WHY="no ping pod1 -> pod2 after the restart"; return 1; }
	ip link show "$VNIC" >/dev/null 2>&1 || { WHY="$VNIC not made again"; return 1; }
	ping -c 2 -i 0.2 -W 2 "$SUBNET.2" >/dev/null || { WHY="host -> pod1 after the restart"; return 1; }
}

# the host's links, sorted: "index: name" for veths, "name" for others
link_list() {
	ip -o link | awk -F': ' '{ if ($2 ~ /@/) print $1 ": " $2; else print $2 }' |
		sed 's/@.*//; s/^[0-9]*: \(.*\)/\1 &/' | sort
}

test_ns_kill9_then_restart_leaves_no_stray() {
	need_setup || return 1
	local before after prefix
	# names, and the index of veths (a name with @peer): a veth made again
	# would have a new index, so one that survived must be reused; taps
	# (PortKind tap, the default) go with the daemon and are made again
	before=$(link_list)
	prefix=$(api GET "/endpoints/$EP1" | jget 'd["Output"]["HostInterfaceName"][:6]')
	kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
	# what a kill -9 in the middle of a plumb would leave: a veth of ours
	# that no stored attachment names
	ip link add "${prefix}deadbe00" type veth peer name "${prefix}deadbe01" ||
		{ WHY="cannot make the stray veth"; return 1; }
	start_daemon ns3 "$W/ns.json" || return 1
	wait_socket "$SOCK"
	wait_ping "$NS1" "$SUBNET.3" 20 || { WHY="no ping pod1 -> pod2 after kill -9 and restart"; return 1; }
	after=$(link_list)
	[ "$before" = "$after" ] && return 0
	WHY="host links (index: name) before the kill / after the restart differ: $(diff <(echo "$before") <(echo "$after") | tr '\n' ' ')"
	return 1
}

test_ns_delete_everything_restores_the_host() {
	need_setup || return 1
	local out ep after
	api POST "/endpoints/$EP3/detach" '{}' | ok || { WHY="detach of the host attach"; return 1; }
	ip link show "$VNIC" >/dev/null 2>&1 && { WHY="$VNIC left after detach"; return 1; }
	for ep in "$EP1" "$EP2" "$EP3"; do
		api DELETE "/endpoints/$ep" | ok || { WHY="DELETE endpoint $ep"; return 1; }
	done
	api DELETE "/v2/namespaces/$NS1" | ok || { WHY="DELETE /v2/namespaces"; return 1; }
	api DELETE "/namespaces/$NS2" | ok || { WHY="DELETE /namespaces/"; return 1; }
	[ -e "/run/netns/$NS1" ] || [ -e "/run/netns/$NS2" ] && { WHY="a namespace made by the API is left"; return 1; }
	after=$(ip -o link | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -v "^$HO\$" | sort)
	[ "$after" = "$(cat "$W/links-before")" ] && return 0
	WHY="host links differ from before the run: $(diff "$W/links-before" <(echo "$after") | tr '\n' ' ')"
	return 1
}

CASES=(test_ns_pod_interfaces_plumbed test_ns_ping_pod_to_pod_and_out_through_nat
	test_ns_iperf3_pod_to_pod_and_to_outside test_ns_qos_caps_what_a_pod_sends
	test_ns_host_attach_reaches_pods_and_published_port
	test_ns_errors_name_the_field_and_leave_nothing
	test_ns_adopted_namespace_is_left_emptied
	test_ns_sigterm_then_restart_replumbs test_ns_kill9_then_restart_leaves_no_stray
	test_ns_delete_everything_restores_the_host)

run_cases namespaces
