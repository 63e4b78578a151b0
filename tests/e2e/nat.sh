#!/bin/bash
# End-to-end WinNAT tests: containers in a NAT network reach an outside
# namespace through the switch's uplink as the uplink's address.
#
# usage: tests/e2e/nat.sh [VSWITCHD]        (default: build/vswitchd; run as root)
#
# Namespaces: "out" (the outside world: 192.0.2.1/24 on its link to the
# uplink, and 198.51.100.1, 198.51.100.2, 203.0.113.1 on lo), "c1" and "c2"
# (containers 172.18.0.2/16 and 172.18.0.3/16, default route via the
# switch's gateway 172.18.0.1). The switch: uplink 192.0.2.10/24 with
# default gateway 192.0.2.1, container ports c1 and c2. The NAT network,
# its endpoints (c2 publishing TCP 8080 -> 80) and their attachments are
# made through the REST API, as hcsshim would; a port proxy (8081 -> c2:81)
# is added through POST /portproxy. Prints "PASS name" / "FAIL
# name: why" per case, then "e2e-nat: N passed, M failed". Everything
# created is removed on exit (E2E_KEEP=1 keeps the logs).
set -u

VSWITCHD=${1:-build/vswitchd}
case $VSWITCHD in /*) ;; *) VSWITCHD=$PWD/$VSWITCHD ;; esac
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init e2e-nat nat

ID=$$
NS_OUT=hvnat-$ID-out NS_C1=hvnat-$ID-c1 NS_C2=hvnat-$ID-c2
HO=hvn${ID}oh HC1=hvn${ID}1h HC2=hvn${ID}2h   # host ends: switch ports
NO=hvn${ID}on NC1=hvn${ID}1n NC2=hvn${ID}2n   # namespace ends
EAL_PREFIX=hvnat$ID
SOCK=$W/hns.sock
API_ARGS=(--api "unix:$SOCK")
NEED_CURL=1
UPLINK_IP=192.0.2.10 OUT_GW=192.0.2.1
REMOTE_A=198.51.100.1 REMOTE_B=198.51.100.2 STRANGER=203.0.113.1
C1_IP=172.18.0.2 C2_IP=172.18.0.3 INSIDE_GW=172.18.0.1
# E2E_AFP_ARGS: appended to every af_packet Devargs (",framecnt=512" runs
# with the PMD's own ring size, to see the loss the switch's default avoids)
AFP_ARGS=${E2E_AFP_ARGS:-}

setup() {
	ns_link "$NS_OUT" "$HO" "$NO" "$OUT_GW/24" &&
		ns_link "$NS_C1" "$HC1" "$NC1" "$C1_IP/16" "$INSIDE_GW" &&
		ns_link "$NS_C2" "$HC2" "$NC2" "$C2_IP/16" "$INSIDE_GW" || return 1
	local a
	for a in "$REMOTE_A" "$REMOTE_B" "$STRANGER"; do
		nsx "$NS_OUT" ip addr add "$a/32" dev lo || return 1
	done
	cat >"$W/nat.json" <<EOF
{"Switch": {"Name": "vSwitch"},
 "Ports": [
  {"Name": "up", "Devargs": "net_af_packet0,iface=$HO$AFP_ARGS", "Uplink": true,
   "IPAddresses": ["$UPLINK_IP/24"], "DefaultGateway": "$OUT_GW"},
  {"Name": "c1", "Devargs": "net_af_packet1,iface=$HC1$AFP_ARGS"},
  {"Name": "c2", "Devargs": "net_af_packet2,iface=$HC2$AFP_ARGS"}]}
EOF
}



mac_of() { nsx "$1" cat "/sys/class/net/$2/address"; }

# The NAT network and its endpoints, through the API (v1 HNS JSON).
make_network() {
	local net ep1 ep2 out
	out=$(api POST /networks/ '{"Name": "natnet", "Type": "NAT", "Subnets": [{"AddressPrefix": "172.18.0.0/16", "GatewayAddress": "172.18.0.1"}]}')
	net=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /networks/: $out"; return 1; }
	out=$(api POST /endpoints/ "{\"Name\": \"ep1\", \"VirtualNetwork\": \"$net\", \"IPAddress\": \"$C1_IP\", \"MacAddress\": \"$(mac_of "$NS_C1" "$NC1")\"}")
	ep1=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /endpoints/ ep1: $out"; return 1; }
	out=$(api POST /endpoints/ "{\"Name\": \"ep2\", \"VirtualNetwork\": \"$net\", \"IPAddress\": \"$C2_IP\", \"MacAddress\": \"$(mac_of "$NS_C2" "$NC2")\", \"Policies\": [{\"Type\": \"NAT\", \"Protocol\": \"TCP\", \"InternalPort\": 80, \"ExternalPort\": 8080}]}")
	ep2=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /endpoints/ ep2: $out"; return 1; }
	out=$(api POST "/endpoints/$ep1/attach" '{"VirtualNicName": "c1"}')
	echo "$out" | grep -q '"Success": *true' || { WHY="attach ep1: $out"; return 1; }
	out=$(api POST "/endpoints/$ep2/attach" '{"VirtualNicName": "c2"}')
	echo "$out" | grep -q '"Success": *true' || { WHY="attach ep2: $out"; return 1; }
	out=$(api GET /nats/natnet)
	echo "$out" | grep -q '"Success": *true' || { WHY="GET /nats/natnet after attach: $out"; return 1; }
}

SETUP_OK=0 SETUP_WHY=""
start() {
	start_daemon nat "$W/nat.json" || { SETUP_WHY=$WHY; return; }
	wait_socket "$SOCK"
	make_network || { SETUP_WHY=$WHY; return; }
	wait_ping "$NS_C1" "$REMOTE_A" 20 || { SETUP_WHY="no ping $C1_IP -> $REMOTE_A through the NAT within 20 s"; return; }
	SETUP_OK=1
}
need_setup() { [ $SETUP_OK = 1 ] && return 0; WHY="setup: $SETUP_WHY"; return 1; }

# ---------------------------------------------------------------- cases

test_nat_ping_to_the_outside() {
	need_setup && ping3 "$NS_C1" "$REMOTE_A" && ping3 "$NS_C1" "$INSIDE_GW" &&
		ping3 "$NS_OUT" "$UPLINK_IP"
}

# A TCP server in "out" prints the peer address of one connection.
test_nat_tcp_out_seen_as_the_uplink_address() {
	need_setup || return 1
	nsx "$NS_OUT" "$PY" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 7000)); s.listen(1); s.settimeout(10)
c, a = s.accept(); print("%s:%d" % a); c.close()' "$REMOTE_A" >"$W/tcp-peer" 2>&1 &
	local srv=$!
	wait_listening "$NS_OUT" tcp 7000
	nsx "$NS_C1" "$PY" -c '
import socket, sys
s = socket.socket(); s.bind(("", 45000)); s.settimeout(5)
s.connect((sys.argv[1], 7000)); s.close()' "$REMOTE_A" 2>"$W/tcp-client.err"
	wait $srv
	local peer
	peer=$(cat "$W/tcp-peer")
	[ "$peer" = "$UPLINK_IP:45000" ] && return 0
	WHY="the server saw '$peer', expected $UPLINK_IP:45000 ($(cat "$W/tcp-client.err"))"
	return 1
}

# One UDP socket in c1 talks to two remote addresses: both see the uplink
# address and the same port (endpoint-independent mapping). Then a
# stranger (never contacted) and a contacted remote on a new port send to
# that port: only the contacted one gets in (address-dependent filtering).
test_nat_udp_one_socket_two_remotes_and_filtering() {
	need_setup || return 1
	local before after
	before=$(api GET /stats | jget 'd["Nat"]["Drops"].get("NAT filtered", 0)')
	nsx "$NS_OUT" "$PY" -c '
import socket, sys
out = []
socks = []
for a in sys.argv[1:3]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((a, 7001)); s.settimeout(5); socks.append(s)
for s in socks:
    d, p = s.recvfrom(100); out.append("%s:%d" % p)
print(" ".join(out), flush=True)
peer = out[0]
ip, port = peer.split(":")
st = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); st.bind((sys.argv[3], 5555))
st.sendto(b"stranger", (ip, int(port)))
ok = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); ok.bind((sys.argv[1], 9999))
ok.sendto(b"contacted", (ip, int(port)))' "$REMOTE_A" "$REMOTE_B" "$STRANGER" >"$W/udp-peers" 2>&1 &
	local srv=$!
	wait_listening "$NS_OUT" udp 7001 2
	nsx "$NS_C1" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("", 46000)); s.settimeout(3)
for a in sys.argv[1:3]:
    s.sendto(b"hello", (a, 7001))
got = []
try:
    while True:
        d, p = s.recvfrom(100); got.append(d.decode())
except socket.timeout:
    pass
print(" ".join(got))' "$REMOTE_A" "$REMOTE_B" >"$W/udp-got" 2>&1
	wait $srv
	local peers got
	peers=$(cat "$W/udp-peers")
	got=$(cat "$W/udp-got")
	if [ "$peers" != "$UPLINK_IP:46000 $UPLINK_IP:46000" ]; then
		WHY="the remotes saw '$peers', expected $UPLINK_IP:46000 twice"
		return 1
	fi
	if [ "$got" != "contacted" ]; then
		WHY="c1 received '$got', expected only the contacted remote's datagram"
		return 1
	fi
	nat_filtered() { api GET /stats | jget 'd["Nat"]["Drops"].get("NAT filtered", 0)'; }
	filtered_grew() { after=$(nat_filtered); [ "${after:-0}" -gt "$before" ]; }
	wait_until 10 filtered_grew && return 0
	WHY="NAT filtered drops did not grow ($before -> $after)"
	return 1
}

test_nat_published_port_reachable_from_outside() {
	need_setup || return 1
	# a minimal HTTP server (http.server resolves its own name before it
	# listens, which waits for DNS that the namespaces do not have)
	nsx "$NS_C2" "$PY" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 80)); s.listen(8); s.settimeout(20)
while True:
    c, a = s.accept(); c.recv(1000)
    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"); c.close()' "$C2_IP" >"$W/http.log" 2>&1 &
	local code=""
	for _ in $(seq 30); do
		code=$(nsx "$NS_OUT" curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
			"http://$UPLINK_IP:8080/" 2>/dev/null)
		[ "$code" = 200 ] && break
		sleep 0.2
	done
	[ "$code" = 200 ] && return 0
	WHY="curl http://$UPLINK_IP:8080/ from outside: '$code'"
	return 1
}

# netsh interface portproxy add v4tov4 as a dataplane translation: a
# connection to the uplink address on 8081 reaches c2:81, from the
# switch's gateway address (a proxy connects from the host's side); from
# outside, then from the other container c1.
proxy_once() { # proxy_once CLIENT_NS: client output and the peer c2 saw
	nsx "$NS_C2" "$PY" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 81)); s.listen(1); s.settimeout(10)
c, a = s.accept(); print(a[0]); c.sendall(b"proxied"); c.close()' "$C2_IP" >"$W/proxy-peer" 2>&1 &
	local srv=$! out
	wait_listening "$NS_C2" tcp 81
	out=$(nsx "$1" "$PY" -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 8081), timeout=5); print(s.recv(100).decode())' "$UPLINK_IP" 2>&1)
	wait $srv
	echo "$out $(cat "$W/proxy-peer")"
}

test_nat_port_proxy_reaches_the_container() {
	need_setup || return 1
	local out got
	out=$(api POST /portproxy "{\"ListenAddress\": \"$UPLINK_IP\", \"ListenPort\": 8081, \"ConnectAddress\": \"$C2_IP\", \"ConnectPort\": 81}")
	echo "$out" | grep -q '"Success": *true' || { WHY="POST /portproxy: $out"; return 1; }
	got=$(proxy_once "$NS_OUT")
	if [ "$got" != "proxied $INSIDE_GW" ]; then
		api DELETE "/portproxy/$UPLINK_IP/8081" >/dev/null
		WHY="from outside: client and container saw '$got' (want 'proxied $INSIDE_GW')"
		return 1
	fi
	got=$(proxy_once "$NS_C1")
	api DELETE "/portproxy/$UPLINK_IP/8081" >/dev/null
	[ "$got" = "proxied $INSIDE_GW" ] && return 0
	WHY="from c1: client and container saw '$got' (want 'proxied $INSIDE_GW')"
	return 1
}

test_nat_iperf3_through_the_nat() {
	need_setup || return 1
	nsx "$NS_OUT" iperf3 -s -1 -B "$REMOTE_A" >"$W/iperf-s.log" 2>&1 &
	wait_listening "$NS_OUT" tcp 5201
	local out bps
	out=$(nsx "$NS_C1" iperf3 -c "$REMOTE_A" -t 2 -J 2>&1)
	bps=$(echo "$out" | jget 'int(d["end"]["sum_received"]["bits_per_second"])' 2>/dev/null)
	[ -n "$bps" ] && [ "$bps" -gt 1000000 ] && { echo "iperf3 through NAT: $((bps / 1000000)) Mbit/s" >&2; return 0; }
	WHY="iperf3: $(echo "$out" | grep -m1 -i error || echo "rate '$bps'")"
	return 1
}

# iperf3 both ways through the NAT: every frame the kernel gave the switch
# and the switch gave the kernel is either delivered or counted in /stats
# (Ports[].Device, the veth's tx_dropped), and with the switch's ring size
# the RX rings lose (almost) nothing.
test_nat_iperf3_every_loss_is_counted() {
	need_setup || return 1
	local specs=(up="$HO" c1="$HC1") before after out dir rt=0 r report lost ring frames srv
	snap() { api GET /stats >"$W/loss-stats.json" && loss_counters "$W/loss-stats.json" "${specs[@]}"; }
	before=$(snap)
	for dir in "" -R; do
		nsx "$NS_OUT" iperf3 -s -1 -B "$REMOTE_A" >"$W/iperf-s.log" 2>&1 &
		srv=$!
		wait_listening "$NS_OUT" tcp 5201 || { WHY="iperf3 server did not listen"; return 1; }
		out=$(nsx "$NS_C1" iperf3 -c "$REMOTE_A" -t 3 $dir -J 2>&1)
		wait "$srv"
		r=$(echo "$out" | jget 'd["end"]["sum_sent"]["retransmits"]' 2>/dev/null) ||
			{ WHY="iperf3 $dir: $(echo "$out" | grep -m1 -i error)"; return 1; }
		rt=$((rt + r))
	done
	# the counters have stopped moving (rings drained, stats read)
	after=$(wait_stable 20 5 snap) || { WHY="counters still moving after 20 s"; return 1; }
	report=$(loss_check "$before" "$after") || { WHY=$(echo "$report" | sed -n 's/^WHY //p'); return 1; }
	lost=$(echo "$report" | awk '{s += $7} END {print s + 0}')
	ring=$(echo "$report" | awk '{s += $13 + 0} END {print s + 0}')
	frames=$(echo "$report" | awk '{s += $2} END {print s + 0}')
	echo "iperf3 through NAT both ways: $frames frames in, $lost lost by the devices (ring $ring), $rt TCP retransmits${AFP_ARGS:+ (Devargs$AFP_ARGS)}" >&2
	echo "$report" >&2
	# the loss bound holds for the switch's ring size only
	[ -n "$AFP_ARGS" ] && return 0
	if [ $((lost * 100)) -gt "$frames" ]; then
		WHY="$lost of $frames frames lost in the devices (over 1%) with the default ring size"
		return 1
	fi
}

test_nat_sessions_and_bindings_listed() {
	need_setup || return 1
	local n
	n=$(api GET /nats/natnet/sessions | jget "len([s for s in d['Output'] if s['InternalSourceAddress'] == '$C1_IP' and s['ExternalSourceAddress'] == '$UPLINK_IP'])")
	[ "${n:-0}" -gt 0 ] || { WHY="no session of $C1_IP in GET /nats/natnet/sessions"; return 1; }
	n=$(api GET /nats/natnet/bindings | jget "len([b for b in d['Output'] if b['Configured'] and b['ExternalTransportAddress'].endswith(':8080')])")
	[ "${n:-0}" = 1 ] && return 0
	WHY="the published port is not a Configured binding on :8080"
	return 1
}

CASES=(test_nat_ping_to_the_outside test_nat_tcp_out_seen_as_the_uplink_address
	test_nat_udp_one_socket_two_remotes_and_filtering
	test_nat_published_port_reachable_from_outside test_nat_port_proxy_reaches_the_container
	test_nat_iperf3_through_the_nat test_nat_iperf3_every_loss_is_counted
	test_nat_sessions_and_bindings_listed)

run_cases nat
