#!/bin/bash
# End-to-end Transparent and L2Bridge networks: two containers on a
# Transparent network and one on an L2Bridge network reach an outside
# namespace through the switch's uplink.
#
# usage: tests/e2e/l2bridge.sh [VSWITCHD]   (default: build/vswitchd; run as root)
#
# Namespaces: "out" (the physical network: 10.1.0.1/24 and 10.2.0.1/24 on
# its link to the uplink), "t1" and "t2" (Transparent: 10.1.0.11/24,
# 10.1.0.12/24, their own MACs on the wire) and "b1" (L2Bridge: 10.2.0.21/24,
# on the wire behind the host MAC H = the network's SourceMac). The
# networks, endpoints and attachments are made through the REST API (v1
# HNS JSON). Prints "PASS name" / "FAIL name: why" per case, then
# "e2e-l2bridge: N passed, M failed". Everything created is removed on exit
# (E2E_KEEP=1 keeps the logs).
set -u

VSWITCHD=${1:-build/vswitchd}
case $VSWITCHD in /*) ;; *) VSWITCHD=$PWD/$VSWITCHD ;; esac
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init e2e-l2bridge l2b

ID=$$
NS_OUT=hvl2b-$ID-out NS_T1=hvl2b-$ID-t1 NS_T2=hvl2b-$ID-t2 NS_B1=hvl2b-$ID-b1
HO=hvb${ID}oh HT1=hvb${ID}1h HT2=hvb${ID}2h HB1=hvb${ID}3h   # host ends: switch ports
NO=hvb${ID}on NT1=hvb${ID}1n NT2=hvb${ID}2n NB1=hvb${ID}3n   # namespace ends
EAL_PREFIX=hvl2b$ID
SOCK=$W/hns.sock
API_ARGS=(--api "unix:$SOCK")
NEED_CURL=1
OUT_T=10.1.0.1 OUT_B=10.2.0.1
T1_IP=10.1.0.11 T2_IP=10.1.0.12 B1_IP=10.2.0.21
HOST_MAC=02:15:5d:aa:00:01
B1_EP="" T2_EP=""

setup() {
	ns_link "$NS_OUT" "$HO" "$NO" "$OUT_T/24" &&
		nsx "$NS_OUT" ip addr add "$OUT_B/24" dev "$NO" &&
		ns_link "$NS_T1" "$HT1" "$NT1" "$T1_IP/24" &&
		ns_link "$NS_T2" "$HT2" "$NT2" "$T2_IP/24" &&
		ns_link "$NS_B1" "$HB1" "$NB1" "$B1_IP/24" || return 1
	cat >"$W/l2b.json" <<EOF
{"Switch": {"Name": "vSwitch"},
 "Ports": [
  {"Name": "up", "Devargs": "net_af_packet0,iface=$HO", "Uplink": true},
  {"Name": "t1", "Devargs": "net_af_packet1,iface=$HT1"},
  {"Name": "t2", "Devargs": "net_af_packet2,iface=$HT2"},
  {"Name": "b1", "Devargs": "net_af_packet3,iface=$HB1"}]}
EOF
}



mac_of() { nsx "$1" cat "/sys/class/net/$2/address"; }

# endpoint NAME NETID IP NS DEV PORT: creates and attaches; prints the id
endpoint() {
	local out ep
	out=$(api POST /endpoints/ "{\"Name\": \"$1\", \"VirtualNetwork\": \"$2\", \"IPAddress\": \"$3\", \"MacAddress\": \"$(mac_of "$4" "$5")\"}")
	ep=$(echo "$out" | jget 'd["Output"]["ID"]') || { echo "POST /endpoints/ $1: $out" >&2; return 1; }
	out=$(api POST "/endpoints/$ep/attach" "{\"VirtualNicName\": \"$6\"}")
	echo "$out" | grep -q '"Success": *true' || { echo "attach $1: $out" >&2; return 1; }
	echo "$ep"
}

make_networks() {
	local out tnet bnet
	out=$(api POST /networks/ '{"Name": "tnet", "Type": "Transparent", "NetworkAdapterName": "up", "Subnets": [{"AddressPrefix": "10.1.0.0/24", "GatewayAddress": "10.1.0.1"}]}')
	tnet=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /networks/ tnet: $out"; return 1; }
	out=$(api POST /networks/ "{\"Name\": \"l2bnet\", \"Type\": \"L2Bridge\", \"NetworkAdapterName\": \"up\", \"SourceMac\": \"$HOST_MAC\", \"Subnets\": [{\"AddressPrefix\": \"10.2.0.0/24\", \"GatewayAddress\": \"10.2.0.1\"}]}")
	bnet=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="POST /networks/ l2bnet: $out"; return 1; }
	endpoint t1 "$tnet" "$T1_IP" "$NS_T1" "$NT1" t1 >/dev/null 2>"$W/ep.err" &&
		T2_EP=$(endpoint t2 "$tnet" "$T2_IP" "$NS_T2" "$NT2" t2 2>>"$W/ep.err") &&
		B1_EP=$(endpoint b1 "$bnet" "$B1_IP" "$NS_B1" "$NB1" b1 2>>"$W/ep.err") ||
		{ WHY=$(cat "$W/ep.err"); return 1; }
}

SETUP_OK=0 SETUP_WHY=""
start() {
	start_daemon l2b "$W/l2b.json" || { SETUP_WHY=$WHY; return; }
	wait_socket "$SOCK"
	make_networks || { SETUP_WHY=$WHY; return; }
	wait_ping "$NS_T1" "$OUT_T" 20 || { SETUP_WHY="no ping $T1_IP -> $OUT_T within 20 s"; return; }
	SETUP_OK=1
}
need_setup() { [ $SETUP_OK = 1 ] && return 0; WHY="setup: $SETUP_WHY"; return 1; }

# neigh_mac NS IP: the MAC NS's neighbour table holds for IP
neigh_mac() { nsx "$1" ip neigh show "$2" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}'; }

# ---------------------------------------------------------------- cases

test_transparent_containers_reach_the_outside() {
	need_setup && ping3 "$NS_T1" "$OUT_T" && ping3 "$NS_T2" "$OUT_T" &&
		ping3 "$NS_OUT" "$T2_IP" && ping3 "$NS_T1" "$T2_IP"
}

test_transparent_outside_sees_the_container_mac() {
	need_setup || return 1
	local got want
	got=$(neigh_mac "$NS_OUT" "$T1_IP") want=$(mac_of "$NS_T1" "$NT1")
	[ "$got" = "$want" ] && return 0
	WHY="outside's neighbour entry for $T1_IP is '$got', expected the container's $want"
	return 1
}

test_l2bridge_container_reaches_the_outside() {
	need_setup || return 1
	wait_ping "$NS_B1" "$OUT_B" 10 || { WHY="no ping $B1_IP -> $OUT_B within 10 s"; return 1; }
	ping3 "$NS_B1" "$OUT_B" && ping3 "$NS_OUT" "$B1_IP"
}

test_l2bridge_outside_sees_the_host_mac() {
	need_setup || return 1
	local got
	got=$(neigh_mac "$NS_OUT" "$B1_IP")
	[ "$got" = "$HOST_MAC" ] && return 0
	WHY="outside's neighbour entry for $B1_IP is '$got', expected the host MAC $HOST_MAC"
	return 1
}

# The container's own MAC never reached the outside's bridge side: its
# ARP cache for the outside holds the outside's real MAC (reply delivered
# with the container's MAC written back).
test_l2bridge_container_sees_the_outside_mac() {
	need_setup || return 1
	local got want
	got=$(neigh_mac "$NS_B1" "$OUT_B") want=$(mac_of "$NS_OUT" "$NO")
	[ "$got" = "$want" ] && return 0
	WHY="b1's neighbour entry for $OUT_B is '$got', expected $want"
	return 1
}

test_endpointstats_count_the_endpoint_traffic() {
	need_setup || return 1
	local out ok
	nsx "$NS_B1" ping -c 5 -i 0.2 -W 1 "$OUT_B" >/dev/null 2>&1
	# the pings are done; the switch's counters are read once they are
	# idle (the same across polls), not at a fixed time
	out=$(wait_stable 10 3 api GET "/endpointstats/$B1_EP")
	ok=$(echo "$out" | jget 'int(d["Output"]["PacketsSent"] >= 5 and d["Output"]["PacketsReceived"] >= 5 and d["Output"]["BytesSent"] >= 5 * 98 and d["Output"]["BytesReceived"] >= 5 * 98 and d["Output"]["DroppedPacketsIncoming"] == 0)')
	[ "$ok" = 1 ] && return 0
	WHY="GET /endpointstats/$B1_EP: $out"
	return 1
}

# port_vlan NAME: the port's VLAN config as GET /stats describes it
port_vlan() { api GET /stats | jget "[p['Vlan'] for p in d['Ports'] if p['Name'] == '$1'][0]"; }

# A VLAN policy given to an attached endpoint at runtime (POST
# /endpoints/{id}, workers running) moves its port to Access 10 and adds
# VLAN 10 to the uplink (Untagged -> Trunk native 0): t1 (VLAN 0) no longer
# reaches t2. Taking the policy away restores both.
test_transparent_endpoint_vlan_policy_at_runtime() {
	need_setup || return 1
	local out
	out=$(api POST "/endpoints/$T2_EP" '{"Policies": [{"Type": "VLAN", "VLAN": 10}]}')
	echo "$out" | grep -q '"Success": *true' || { WHY="POST /endpoints/$T2_EP VLAN: $out"; return 1; }
	[ "$(port_vlan t2)" = "Access 10" ] || { WHY="t2 is '$(port_vlan t2)', expected Access 10"; return 1; }
	[ "$(port_vlan up)" = "Trunk native 0 allowed 10" ] ||
		{ WHY="uplink is '$(port_vlan up)', expected Trunk native 0 allowed 10"; return 1; }
	nsx "$NS_T1" ip neigh flush dev "$NT1"
	ping_fails "$NS_T1" "$T2_IP" || return 1
	out=$(api POST "/endpoints/$T2_EP" '{"Policies": []}')
	echo "$out" | grep -q '"Success": *true' || { WHY="POST /endpoints/$T2_EP no VLAN: $out"; return 1; }
	[ "$(port_vlan t2)" = "Untagged" ] && [ "$(port_vlan up)" = "Untagged" ] ||
		{ WHY="after removing the policy: t2 '$(port_vlan t2)', uplink '$(port_vlan up)'"; return 1; }
	ping3 "$NS_T1" "$T2_IP"
}

# Deleting the L2Bridge endpoint removes its rewrite at once: the port is
# then a plain switch port, the container answers ARP with its own MAC.
test_l2bridge_endpoint_delete_removes_the_rewrite() {
	need_setup || return 1
	local out got want
	out=$(api DELETE "/endpoints/$B1_EP")
	echo "$out" | grep -q '"Success": *true' || { WHY="DELETE /endpoints/$B1_EP: $out"; return 1; }
	nsx "$NS_OUT" ip neigh flush dev "$NO"
	ping3 "$NS_OUT" "$B1_IP" || return 1
	got=$(neigh_mac "$NS_OUT" "$B1_IP") want=$(mac_of "$NS_B1" "$NB1")
	[ "$got" = "$want" ] && return 0
	WHY="after the delete, outside's neighbour entry for $B1_IP is '$got', expected the container's $want"
	return 1
}

CASES=(test_transparent_containers_reach_the_outside
	test_transparent_outside_sees_the_container_mac
	test_l2bridge_container_reaches_the_outside test_l2bridge_outside_sees_the_host_mac
	test_l2bridge_container_sees_the_outside_mac
	test_endpointstats_count_the_endpoint_traffic
	test_transparent_endpoint_vlan_policy_at_runtime
	test_l2bridge_endpoint_delete_removes_the_rewrite)

run_cases l2bridge
