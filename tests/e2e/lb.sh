#!/bin/bash
# End-to-end load balancer tests (issue 17): Kubernetes services made by
# the startup config's "LoadBalancers", balanced by the switch between pods
# in network namespaces.
#
# usage: tests/e2e/lb.sh [VSWITCHD]        (default: build/vswitchd; run as root)
#
# Namespaces: "c1" (a client pod, 10.244.0.2/24), "b1".."b3" (backend pods
# 10.244.0.11-13/24, each serving HTTP on 8080 and UDP echo on 5353 that
# answer with the pod's name), "out" (the outside world, 192.0.2.1/24 on
# the uplink's link). Pods route through the gateway 10.244.0.1, whose MAC
# is the router MAC (a static neighbour: the config has no NAT network to
# answer ARP for it). Services: ClusterIP 10.96.0.10 TCP 80 -> 8080 and
# UDP 53 -> 5353 over the three backends, the same VIP on TCP 81 with
# client-IP affinity (DistributionType 2), NodePort TCP 30080 -> 8080.
# Loopback-DSR (its own daemon and config): pod "l1" (10.244.7.5/24 on an
# L2Bridge network whose gateway 10.244.7.1 is on "out") with win-bridge's
# OutBoundNAT policies and loopbackDSR's `Destinations: [10.244.7.5]`,
# the only backend of the DSR ClusterIP 10.96.0.20 TCP 80 -> 8080.
# Prints "PASS name" / "FAIL name: why" per case, then "e2e-lb: N passed,
# M failed". Everything created is removed on exit (E2E_KEEP=1 keeps the
# logs).
set -u

VSWITCHD=${1:-build/vswitchd}
case $VSWITCHD in /*) ;; *) VSWITCHD=$PWD/$VSWITCHD ;; esac
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init e2e-lb lb

ID=$$
NS_OUT=hvlb-$ID-out NS_C1=hvlb-$ID-c1
NS_B=(hvlb-$ID-b1 hvlb-$ID-b2 hvlb-$ID-b3)
HO=hvl${ID}oh HC1=hvl${ID}ch HB=(hvl${ID}1h hvl${ID}2h hvl${ID}3h)
NO=hvl${ID}on NC1=hvl${ID}cn NB=(hvl${ID}1n hvl${ID}2n hvl${ID}3n)
NS_L=hvlb-$ID-l1 HL=hvl${ID}lh NL=hvl${ID}ln
L_IP=10.244.7.5 L_GW=10.244.7.1 L_MAC=02:00:00:07:00:05 LOOP_VIP=10.96.0.20
EAL_PREFIX=hvlb$ID
API_ARGS=(--no-api)
NEED_CURL=1
UPLINK_IP=192.0.2.10 OUT_IP=192.0.2.1 ROUTER_MAC=02:70:63:61:70:10
GW=10.244.0.1 C1_IP=10.244.0.2 B_IP=(10.244.0.11 10.244.0.12 10.244.0.13)
VIP=10.96.0.10

pod_link() { # pod_link NS HOSTDEV NSDEV IP
	ns_link "$1" "$2" "$3" "$4/24" || return 1
	nsx "$1" ip neigh replace "$GW" lladdr "$ROUTER_MAC" dev "$3" nud permanent &&
		nsx "$1" ip route add default via "$GW"
}

setup() {
	local i
	ns_link "$NS_OUT" "$HO" "$NO" "$OUT_IP/24" &&
		pod_link "$NS_C1" "$HC1" "$NC1" "$C1_IP" || return 1
	for i in 0 1 2; do
		pod_link "${NS_B[$i]}" "${HB[$i]}" "${NB[$i]}" "${B_IP[$i]}" || return 1
	done
	# the loopback-DSR pod: an L2Bridge pod whose gateway is outside
	nsx "$NS_OUT" ip addr add "$L_GW/24" dev "$NO" || return 1
	ns_link "$NS_L" "$HL" "$NL" "$L_IP/24" || return 1
	nsx "$NS_L" ip link set "$NL" address "$L_MAC" || return 1
	nsx "$NS_L" ip route add default via "$L_GW" || return 1
	cat >"$W/lb-loop.json" <<EOF
{"Switch": {"Name": "vSwitch"},
 "Ports": [
  {"Name": "up", "Devargs": "net_af_packet0,iface=$HO", "Uplink": true,
   "IPAddresses": ["$UPLINK_IP/24"], "MacAddress": "$ROUTER_MAC"},
  {"Name": "l1", "Devargs": "net_af_packet1,iface=$HL", "Endpoint": "l1"}],
 "Networks": [
  {"Name": "cbr7", "Type": "L2Bridge", "NetworkAdapterName": "up",
   "Subnets": [{"AddressPrefix": "10.244.7.0/24", "GatewayAddress": "$L_GW"}]}],
 "Endpoints": [
  {"Name": "l1", "VirtualNetworkName": "cbr7", "IPAddress": "$L_IP",
   "MacAddress": "${L_MAC//:/-}",
   "Policies": [
    {"Type": "OutBoundNAT", "ExceptionList": ["10.244.0.0/16", "10.96.0.0/12", "192.0.2.0/24"]},
    {"Type": "OutBoundNAT", "Destinations": ["$L_IP"]}]}],
 "LoadBalancers": [
  {"FrontendVIPs": ["$LOOP_VIP"], "Flags": 1,
   "PortMappings": [{"Protocol": 6, "InternalPort": 8080, "ExternalPort": 80}],
   "Backends": ["$L_IP"]}]}
EOF
	cat >"$W/lb.json" <<EOF
{"Switch": {"Name": "vSwitch"},
 "Ports": [
  {"Name": "up", "Devargs": "net_af_packet0,iface=$HO", "Uplink": true,
   "IPAddresses": ["$UPLINK_IP/24"], "MacAddress": "$ROUTER_MAC"},
  {"Name": "c1", "Devargs": "net_af_packet1,iface=$HC1"},
  {"Name": "b1", "Devargs": "net_af_packet2,iface=${HB[0]}"},
  {"Name": "b2", "Devargs": "net_af_packet3,iface=${HB[1]}"},
  {"Name": "b3", "Devargs": "net_af_packet4,iface=${HB[2]}"}],
 "LoadBalancers": [
  {"FrontendVIPs": ["$VIP"],
   "PortMappings": [{"Protocol": 6, "InternalPort": 8080, "ExternalPort": 80},
                    {"Protocol": 17, "InternalPort": 5353, "ExternalPort": 53}],
   "Backends": ["${B_IP[0]}", "${B_IP[1]}", "${B_IP[2]}"]},
  {"FrontendVIPs": ["$VIP"],
   "PortMappings": [{"Protocol": 6, "InternalPort": 8080, "ExternalPort": 81,
                     "DistributionType": 2}],
   "Backends": ["${B_IP[0]}", "${B_IP[1]}", "${B_IP[2]}"]},
  {"PortMappings": [{"Protocol": 6, "InternalPort": 8080, "ExternalPort": 30080}],
   "Backends": ["${B_IP[0]}", "${B_IP[1]}", "${B_IP[2]}"]}]}
EOF
}

# Each backend: HTTP on 8080 and UDP echo on 5353, answering its name.
serve() { # serve NS NAME IP
	nsx "$1" "$PY" -c '
import socket, sys, threading
name, ip = sys.argv[1].encode(), sys.argv[2]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((ip, 5353))
def udp():
    while True:
        d, a = u.recvfrom(100); u.sendto(name, a)
threading.Thread(target=udp, daemon=True).start()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((ip, 8080)); s.listen(64)
while True:
    c, a = s.accept()
    try:
        c.recv(1000)
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(name), name))
    finally:
        c.close()' "$2" "$3" >"$W/serve-$2.log" 2>&1 &
}

SETUP_OK=0 SETUP_WHY=""
start() {
	local i
	start_daemon lb "$W/lb.json" || { SETUP_WHY=$WHY; return; }
	for i in 0 1 2; do
		serve "${NS_B[$i]}" "b$((i + 1))" "${B_IP[$i]}"
		wait_listening "${NS_B[$i]}" tcp 8080 || { SETUP_WHY="b$((i + 1)) does not listen"; return; }
	done
	SETUP_OK=1
}
need_setup() { [ $SETUP_OK = 1 ] && return 0; WHY="setup: $SETUP_WHY"; return 1; }

# curl_names NS URL N: N requests, one connection each; prints the
# answers one a line ("-" for a failed request).
curl_names() {
	local i out
	for i in $(seq "$3"); do
		out=$(nsx "$1" curl -s --max-time 3 "$2" 2>/dev/null)
		echo "${out:--}"
	done
}

# ---------------------------------------------------------------- cases

# 300 connections to the ClusterIP: all answered, every backend reached.
test_lb_clusterip_300_requests_reach_all_three_backends() {
	need_setup || return 1
	curl_names "$NS_C1" "http://$VIP/" 300 >"$W/clusterip"
	local fails counts
	fails=$(grep -c '^-$' "$W/clusterip")
	counts=$(sort "$W/clusterip" | uniq -c | tr -s ' ' | tr '\n' ',')
	echo "ClusterIP 300 requests: $counts" >&2
	[ "$fails" -le 3 ] || { WHY="$fails of 300 requests failed ($counts)"; return 1; }
	for b in b1 b2 b3; do
		grep -qx "$b" "$W/clusterip" || { WHY="$b never answered ($counts)"; return 1; }
	done
}

test_lb_clusterip_udp_answered_by_the_vip() {
	need_setup || return 1
	local out
	out=$(nsx "$NS_C1" "$PY" -c '
import socket, sys
got = set()
for i in range(30):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
    s.sendto(b"q", (sys.argv[1], 53))
    try:
        d, a = s.recvfrom(100)
        if a == (sys.argv[1], 53):
            got.add(d.decode())
    except socket.timeout:
        pass
    s.close()
print(" ".join(sorted(got)))' "$VIP" 2>&1)
	[ "$out" = "b1 b2 b3" ] && return 0
	WHY="UDP answers from $VIP:53 came from '$out', expected b1 b2 b3"
	return 1
}

# sessionAffinity: ClientIP: every connection of the client, one backend.
test_lb_affinity_pins_the_client() {
	need_setup || return 1
	curl_names "$NS_C1" "http://$VIP:81/" 20 >"$W/affinity"
	local names
	names=$(grep -v '^-$' "$W/affinity" | sort -u | tr '\n' ' ')
	[ "$(grep -c '^-$' "$W/affinity")" -le 1 ] && [ "$(echo "$names" | wc -w)" = 1 ] && return 0
	WHY="20 connections with affinity reached '$names' ($(grep -c '^-$' "$W/affinity") failed)"
	return 1
}

test_lb_nodeport_reached_from_outside() {
	need_setup || return 1
	curl_names "$NS_OUT" "http://$UPLINK_IP:30080/" 30 >"$W/nodeport"
	local ok
	ok=$(grep -c '^b[123]$' "$W/nodeport")
	[ "$ok" -ge 28 ] && return 0
	WHY="$ok of 30 NodePort requests answered: $(sort "$W/nodeport" | uniq -c | tr -s ' ' | tr '\n' ',')"
	return 1
}

# Two workers (the second shares CPU 0 with the main lcore): ports are
# dealt round-robin, so the client's port is on worker 1, which hands its
# frames to the LB owner (worker 0); replies from b2's port too.
test_lb_two_workers_clusterip() {
	need_setup || return 1
	E2E_CORES="--lcores 0@0,1@1,2@0" start_daemon lb2 "$W/lb.json" || return 1
	grep -q 'running with 2 worker' "$DLOG" || { WHY="not two workers: $(grep 'running with' "$DLOG")"; return 1; }
	curl_names "$NS_C1" "http://$VIP/" 60 >"$W/clusterip-2w"
	local fails counts
	fails=$(grep -c '^-$' "$W/clusterip-2w")
	counts=$(sort "$W/clusterip-2w" | uniq -c | tr -s ' ' | tr '\n' ',')
	[ "$fails" -le 2 ] || { WHY="$fails of 60 requests failed ($counts)"; return 1; }
	for b in b1 b2 b3; do
		grep -qx "$b" "$W/clusterip-2w" || { WHY="$b never answered ($counts)"; return 1; }
	done
}

# The same service made through the REST API as kube-proxy makes it
# (remote endpoints as backends, POST /v2/loadbalancers), then a backend
# removed by PUT: connections it held are reset (a TCP RST, counted as
# "LB backend removed"), the others answer, new ones avoid it.
api() { # api METHOD PATH [BODY]
	curl -s --unix-socket "$W/lb.sock" -X "$1" ${3:+-H 'Content-Type: application/json' -d "$3"} \
		"http://localhost$2"
}

lb_body() { # lb_body ENDPOINT_ID...: the HostComputeLoadBalancer
	local ids="" id
	for id in "$@"; do ids="$ids${ids:+, }\"$id\""; done
	echo "{\"SchemaVersion\": {\"Major\": 2, \"Minor\": 0}, \"HostComputeEndpoints\": [$ids], \"FrontendVIPs\": [\"$VIP\"], \"PortMappings\": [{\"Protocol\": 6, \"InternalPort\": 8080, \"ExternalPort\": 82}]}"
}

test_lb_through_the_api_backend_removed_resets_its_connections() {
	need_setup || return 1
	local net eps=() i out lb names drops
	"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("LoadBalancers"); json.dump(d, open(sys.argv[2], "w"))' \
		"$W/lb.json" "$W/lb-api.json" || { WHY="cannot write the API config"; return 1; }
	API_ARGS=(--api "unix:$W/lb.sock")
	start_daemon lbapi "$W/lb-api.json"; i=$?
	API_ARGS=(--no-api)
	[ $i = 0 ] || return 1
	wait_socket "$W/lb.sock"
	out=$(api POST /networks/ '{"Name": "pods", "Type": "L2Bridge", "NetworkAdapterName": "up", "Subnets": [{"AddressPrefix": "10.244.0.0/24", "GatewayAddress": "10.244.0.1"}]}')
	net=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /networks/: $out"; return 1; }
	for i in 0 1 2; do
		out=$(api POST /endpoints/ "{\"Name\": \"b$((i + 1))\", \"VirtualNetwork\": \"$net\", \"IPAddress\": \"${B_IP[$i]}\", \"IsRemoteEndpoint\": true}")
		eps+=("$(echo "$out" | jget 'd["Output"]["ID"]')") || { WHY="POST /endpoints/ b$((i + 1)): $out"; return 1; }
	done
	out=$(api POST /v2/loadbalancers "$(lb_body "${eps[@]}")")
	lb=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /v2/loadbalancers: $out"; return 1; }
	curl_names "$NS_C1" "http://$VIP:82/" 60 >"$W/api-lb"
	for b in b1 b2 b3; do
		grep -qx "$b" "$W/api-lb" || { WHY="$b never answered through the API's LB: $(sort "$W/api-lb" | uniq -c | tr '\n' ',')"; return 1; }
	done
	# 20 idle connections (about 7 on b3), b3 removed, then each sends
	nsx "$NS_C1" "$PY" - "$VIP" "$W/go" <<'PYEOF' >"$W/api-lb-held" 2>&1 &
import socket, sys, time
conns = []
for i in range(20):
    s = socket.create_connection((sys.argv[1], 82), timeout=5); conns.append(s)
print("open", flush=True)
deadline = time.time() + 30
while not __import__("os").path.exists(sys.argv[2]) and time.time() < deadline:
    time.sleep(0.05)
for s in conns:
    try:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n"); d = s.recv(1000)
        print(d.split(b"\r\n\r\n")[-1].decode() if d else "closed", flush=True)
    except ConnectionResetError:
        print("reset", flush=True)
    except OSError as e:
        print("error", e, flush=True)
PYEOF
	local held=$!
	wait_until 10 grep -q '^open' "$W/api-lb-held" || { WHY="20 connections did not open: $(cat "$W/api-lb-held")"; kill $held; return 1; }
	out=$(api PUT "/v2/loadbalancers/$lb" "$(lb_body "${eps[0]}" "${eps[1]}")")
	echo "$out" | grep -q '"Success": *true' || { WHY="PUT without b3: $out"; kill $held; return 1; }
	touch "$W/go"
	wait $held
	names=$(grep -v '^open' "$W/api-lb-held" | sort | uniq -c | tr -s ' ' | tr '\n' ',')
	echo "held connections after b3 was removed: $names" >&2
	grep -qx 'reset' "$W/api-lb-held" || { WHY="no connection was reset: $names"; return 1; }
	grep -qx 'b3' "$W/api-lb-held" && { WHY="a connection still reached b3: $names"; return 1; }
	[ "$(grep -cE '^(b1|b2|reset)$' "$W/api-lb-held")" = 20 ] || { WHY="held connections ended otherwise: $names"; return 1; }
	curl_names "$NS_C1" "http://$VIP:82/" 30 >"$W/api-lb-after"
	grep -qx b3 "$W/api-lb-after" && { WHY="a new connection reached the removed b3"; return 1; }
	[ "$(grep -cE '^b[12]$' "$W/api-lb-after")" -ge 28 ] || { WHY="after the PUT: $(sort "$W/api-lb-after" | uniq -c | tr '\n' ',')"; return 1; }
	drops=$(api GET /stats | jget 'd["Drops"]["LB backend removed"]')
	[ "${drops:-0}" -ge 1 ] || { WHY="/stats counts no 'LB backend removed' drop ($drops)"; return 1; }
}

# Loopback-DSR: l1 reaches the DSR ClusterIP whose only backend is l1
# itself. The switch SNATs the request to the host address (l1's
# OutBoundNAT address) and turns l1's answer to it back into one from the
# VIP; without that l1's kernel would drop a packet from its own address.
test_lb_loopback_dsr_pod_reaches_itself_through_the_vip() {
	need_setup || return 1
	start_daemon lbloop "$W/lb-loop.json" || return 1
	serve "$NS_L" l1 "$L_IP"
	wait_listening "$NS_L" tcp 8080 || { WHY="l1 does not listen"; return 1; }
	curl_names "$NS_L" "http://$LOOP_VIP/" 20 >"$W/loopback"
	local ok
	ok=$(grep -cx 'l1' "$W/loopback")
	[ "$ok" -ge 19 ] && return 0
	WHY="$ok of 20 requests from l1 to $LOOP_VIP (backend l1) answered: $(sort "$W/loopback" | uniq -c | tr -s ' ' | tr '\n' ',')"
	return 1
}

CASES=(test_lb_clusterip_300_requests_reach_all_three_backends
	test_lb_clusterip_udp_answered_by_the_vip
	test_lb_affinity_pins_the_client
	test_lb_nodeport_reached_from_outside
	test_lb_two_workers_clusterip
	test_lb_through_the_api_backend_removed_resets_its_connections
	test_lb_loopback_dsr_pod_reaches_itself_through_the_vip)

run_cases lb
