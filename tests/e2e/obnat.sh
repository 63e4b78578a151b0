#!/bin/bash
# End-to-end HNS OutBoundNAT (issue 18 item 1): a pod on an L2Bridge
# network, plumbed by the API, reaches the outside as the host address and
# another node's pod subnet with its own address, as win-bridge's policy
# set asks.
#
# usage: tests/e2e/obnat.sh [VSWITCHD]    (default: build/vswitchd; run as root)
#
# The switch has one port made by hand: its uplink (host address
# 192.0.2.77/24) to an "out" namespace standing for the physical network:
# 192.0.2.1/24 (node subnet) and 10.244.1.1/24 (the pods' gateway) on its
# link, and on lo 198.51.100.1 (a host on the Internet) and 10.244.2.7
# (a pod on another node). Through the API (state store on): an L2Bridge
# network 10.244.1.0/24 (no SourceMac: H is the uplink's MAC), endpoint
# ep1 (10.244.1.5) with win-bridge's OutBoundNAT (ExceptionList: cluster
# CIDR 10.244.0.0/16, service CIDR 10.96.0.0/12, node subnet
# 192.0.2.0/24), a v2 namespace holding it (PATCH Add). A tiny TCP server
# in "out" answers each connection with the peer address it sees.
# Cases: the source the outside sees (host address / the pod's own),
# ping out, policystatus, a policy update (v1 POST) taking OutBoundNAT
# away and back, a restart with --state keeps it enforced.
# Prints "PASS name" / "FAIL name: why", then "e2e-obnat: N passed, M
# failed". Everything made is removed on exit, also on failure (trap).
set -u

VSWITCHD=${1:-build/vswitchd}
case $VSWITCHD in /*) ;; *) VSWITCHD=$PWD/$VSWITCHD ;; esac
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init e2e-obnat obn

ID=$$
NS_OUT=obn-$ID-out
HO=obn${ID}oh NO=obn${ID}on
EAL_PREFIX=obn$ID
SOCK=$W/hns.sock
STATE=$W/state.db
API_ARGS=(--api "unix:$SOCK" --state "$STATE")
NEED_CURL=1
HOST_IP=192.0.2.77 NODE_GW=192.0.2.1
POD_GW=10.244.1.1 POD_IP=10.244.1.5
INTERNET=198.51.100.1 OTHER_POD=10.244.2.7
ECHO_PORT=8080
EXCEPTIONS='["10.244.0.0/16", "10.96.0.0/12", "192.0.2.0/24"]'
WIN_BRIDGE="{\"Type\": \"OutBoundNAT\", \"ExceptionList\": $EXCEPTIONS}"
NET="" EP1="" NS1=""

cleanup_hook() {
	# the pod's namespace is the daemon's; the trap removes it too (a
	# failed run), after the daemon stopped (e2e_cleanup's order)
	[ -n "$NS1" ] && E2E_NS+=("$NS1")
	return 0
}

setup() {
	ns_link "$NS_OUT" "$HO" "$NO" "$NODE_GW/24" || return 1
	nsx "$NS_OUT" ip addr add "$POD_GW/24" dev "$NO" || return 1
	nsx "$NS_OUT" ip addr add "$INTERNET/32" dev lo || return 1
	nsx "$NS_OUT" ip addr add "$OTHER_POD/32" dev lo || return 1
	cat >"$W/obnat.json" <<EOF
{"Switch": {"Name": "vSwitch"},
 "Ports": [
  {"Name": "up", "Devargs": "net_af_packet0,iface=$HO", "Uplink": true,
   "IPAddresses": ["$HOST_IP/24"], "DefaultGateway": "$NODE_GW"}]}
EOF
	tcp_echo "$NS_OUT" 0.0.0.0 "$ECHO_PORT"
	wait_listening "$NS_OUT" tcp "$ECHO_PORT"
}


make_objects() {
	local out
	out=$(api POST /networks/ "{\"Name\": \"cbr0\", \"Type\": \"L2Bridge\", \"NetworkAdapterName\": \"up\", \"Subnets\": [{\"AddressPrefix\": \"10.244.1.0/24\", \"GatewayAddress\": \"$POD_GW\"}]}")
	NET=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /networks/: $out"; return 1; }
	out=$(api POST /endpoints/ "{\"Name\": \"ep1\", \"VirtualNetwork\": \"$NET\", \"IPAddress\": \"$POD_IP\", \"Policies\": [$WIN_BRIDGE]}")
	EP1=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /endpoints/ ep1: $out"; return 1; }
	out=$(api POST /v2/namespaces '{"Type": "Host", "SchemaVersion": {"Major": 2, "Minor": 0}}')
	NS1=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /v2/namespaces: $out"; return 1; }
	out=$(api PATCH "/v2/namespaces/$NS1" "{\"ResourceType\": \"Endpoint\", \"RequestType\": \"Add\", \"Settings\": {\"EndpointId\": \"$EP1\"}}")
	echo "$out" | ok || { WHY="PATCH Add ep1: $out"; return 1; }
}

SETUP_OK=0 SETUP_WHY=""
start() {
	start_daemon obnat "$W/obnat.json" || { SETUP_WHY=$WHY; return; }
	wait_socket "$SOCK"
	make_objects || { SETUP_WHY=$WHY; return; }
	wait_ping "$NS1" "$POD_GW" 20 || { SETUP_WHY="no ping pod -> its gateway within 20 s"; return; }
	SETUP_OK=1
}
need_setup() { [ $SETUP_OK = 1 ] && return 0; WHY="setup: $SETUP_WHY"; return 1; }

# seen_as IP: the source address the echo server at IP sees for the pod
seen_as() { seen_from "$NS1" "$1" "$ECHO_PORT"; }
# expect_seen IP WANT: ... sees it from WANT
expect_seen() { expect_seen_from "$NS1" "$1" "$ECHO_PORT" "$2"; }

obnat_status() { # the endpoint's OutBoundNAT entries in policystatus
	api GET "/endpoints/$EP1/policystatus" | jget '[p for p in d["Output"] if p["Type"] == "OutBoundNAT"]'
}

# ---------------------------------------------------------------- cases

test_obnat_outside_sees_the_host_address() {
	need_setup && expect_seen "$INTERNET" "$HOST_IP"
}

test_obnat_exception_keeps_the_pod_address() {
	need_setup && expect_seen "$OTHER_POD" "$POD_IP"
}

test_obnat_ping_out_through_the_nat() {
	need_setup && wait_ping "$NS1" "$INTERNET" 10 && ping3 "$NS1" "$INTERNET"
}

test_obnat_policystatus_enforced_with_counters() {
	need_setup || return 1
	local st ok
	seen_as "$INTERNET" >/dev/null
	st=$(obnat_status)
	ok=$(echo "$st" | "$PY" -c 'import ast,sys; p=ast.literal_eval(sys.stdin.read()); print(int(len(p) == 1 and p[0]["Status"] == "Enforced" and p[0]["Packets"] > 0 and p[0]["Sessions"] >= 1 and p[0]["ExternalAddress"] == sys.argv[1]))' "$HOST_IP")
	[ "$ok" = 1 ] && return 0
	WHY="policystatus OutBoundNAT: $st"
	return 1
}

# v1 POST /endpoints/{id} replaces the policies: without OutBoundNAT the
# outside sees the pod's address; given back, the host address again
test_obnat_policy_update_takes_effect() {
	need_setup || return 1
	local out
	out=$(api POST "/endpoints/$EP1" "{\"ID\": \"$EP1\", \"Policies\": []}")
	echo "$out" | ok || { WHY="POST /endpoints/ep1 without policies: $out"; return 1; }
	expect_seen "$INTERNET" "$POD_IP" || return 1
	out=$(api POST "/endpoints/$EP1" "{\"ID\": \"$EP1\", \"Policies\": [$WIN_BRIDGE]}")
	echo "$out" | ok || { WHY="POST /endpoints/ep1 with OutBoundNAT: $out"; return 1; }
	expect_seen "$INTERNET" "$HOST_IP"
}

test_obnat_restart_with_state_keeps_it() {
	need_setup || return 1
	stop_daemon
	[ "$STOP_RC" = 0 ] || { WHY="stop: exit $STOP_RC"; return 1; }
	start_daemon obnat2 "$W/obnat.json" || return 1
	wait_socket "$SOCK"
	wait_ping "$NS1" "$POD_GW" 20 || { WHY="no ping pod -> its gateway after the restart"; return 1; }
	expect_seen "$INTERNET" "$HOST_IP" && expect_seen "$OTHER_POD" "$POD_IP"
}

CASES=(test_obnat_outside_sees_the_host_address
	test_obnat_exception_keeps_the_pod_address
	test_obnat_ping_out_through_the_nat
	test_obnat_policystatus_enforced_with_counters
	test_obnat_policy_update_takes_effect
	test_obnat_restart_with_state_keeps_it)

run_cases obnat
