#!/bin/bash
# End-to-end tests of issue 19: Overlay networks between two hvswitch
# "hosts" and one Linux "host", all in namespaces on this machine.
#
# usage: tests/e2e/overlay.sh [VSWITCHD]    (default: build/vswitchd; run as root)
#
# Underlay: a Linux bridge in namespace ov-$$-ul joins host A's uplink
# (veth ovA$$, PA 10.99.0.1), host B's (ovB$$, PA 10.99.0.2) and the
# Linux host C's (namespace ov-$$-c, 10.99.0.3). A and B are two vswitchd
# daemons (A's worker on core 1, B's on core 0: two pollers on 2 cores).
# On each, through the API only, flannel's vxlan sequence: v2 Overlay
# network flannel.4096 (VSID 4096, NetAdapterName "up"), the reported
# ProviderAddress and DrMacAddress read back, HostRoute added, one pod
# endpoint (MAC 0E-2A-<ip>, PA policy, EncapOverhead 50) plumbed by
# /v2/namespaces + PATCH Add, and one RemoteSubnetRoute per other host.
# C configures a kernel vxlan device as flannel's Linux vxlan backend does
# (VNI 4096, dstport 4789, nolearning, FDB entry DR MAC -> PA, neighbour
# gateway -> DR MAC, routes to the pod subnets via the gateway onlink),
# with a pod namespace behind it. Cases: pods on all three hosts ping each
# other, iperf3 between the hvswitch pods, the DR answers ARP and ping for
# the gateway, policystatus shows PA Enforced, a RemoteSubnetRoute removed
# through PATCH stops that traffic (counted as "No route to destination")
# and added again restores it, a v2 remote endpoint (Flags 1) with a
# ProviderAddress policy carries A -> B alone and its deletion stops it, a
# restart of B with --state restores its routes, an unknown VNI from C is
# dropped and counted. OutBoundNAT (win-overlay's policy, exceptions the
# cluster and service CIDRs) on A's pod alone: an "outside" namespace
# ovn-$$-out (198.51.100.7) behind C, which routes for it (A's uplink has
# C as its default gateway), is pinged and sees A's TCP connection from
# A's host address; B's pod, without the policy, has no route there;
# policystatus shows the policy Enforced with its counters.
# Prints "PASS name" / "FAIL name: why", then "e2e-overlay: N passed, M
# failed". Everything made is removed on exit, also on failure (trap).
set -u

VSWITCHD=${1:-build/vswitchd}
case $VSWITCHD in /*) ;; *) VSWITCHD=$PWD/$VSWITCHD ;; esac
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init e2e-overlay overlay

ID=$$
NS_UL=ov-$ID-ul NS_C=ov-$ID-c NS_CP=ov-$ID-cp NS_OUT=ovn-$ID-out
UPA=ovA$ID UPB=ovB$ID
EAL_PREFIX=ov$ID
VNI=4096
PA_A=10.99.0.1 PA_B=10.99.0.2 PA_C=10.99.0.3
SUB_A=10.244.1 SUB_B=10.244.2 SUB_C=10.244.3
C_VTEP_MAC=0e:2a:00:00:00:03
OUT_IP=198.51.100.7 OUT_GW=198.51.100.1 ECHO_PORT=7777
declare -A PID LOG SOCK STATE NET DRMAC POD

cleanup_hook() {
	local h
	for h in A B; do stop_host "$h"; done
	for h in A B; do [ -n "${POD[$h]:-}" ] && E2E_NS+=("${POD[$h]}"); done
	E2E_NS+=("$NS_OUT" "$NS_CP" "$NS_C" "$NS_UL")
	E2E_DEVS+=("$UPA" "$UPB")
}

api() { # api HOST METHOD PATH [BODY]
	curl -s --unix-socket "${SOCK[$1]}" -X "$2" ${4:+-H 'Content-Type: application/json' -d "$4"} \
		"http://localhost$3"
}

# start_host A|B: vswitchd for host A or B (its uplink, its state file).
start_host() {
	local h=$1 up pa mac cores end gw=""
	# A's default gateway is C (the outside's router, OutBoundNAT cases)
	[ "$h" = A ] && { up=$UPA pa=$PA_A mac=02:00:0a:63:00:01 cores="-l 0,1"
			  gw=", \"DefaultGateway\": \"$PA_C\""; }
	[ "$h" = B ] && { up=$UPB pa=$PA_B mac=02:00:0a:63:00:02 cores="-l 0,1 --main-lcore 1"; }
	SOCK[$h]=$W/hns-$h.sock STATE[$h]=$W/state-$h.db LOG[$h]=$W/vswitchd-$h.log
	cat >"$W/$h.json" <<EOF
{"Switch": {"Name": "host$h"},
 "Ports": [{"Name": "up", "Devargs": "net_af_packet0,iface=$up", "Uplink": true,
            "MacAddress": "$mac", "IPAddresses": ["$pa/24"]$gw}]}
EOF
	for _ in 1 2 3 4 5; do
		: >"${LOG[$h]}"
		# shellcheck disable=SC2086 # cores: EAL options, split
		"$VSWITCHD" --no-huge -m 512 --no-pci $cores --file-prefix="$EAL_PREFIX-$h" \
			--log-level=error -- --config "$W/$h.json" --api "unix:${SOCK[$h]}" \
			--state "${STATE[$h]}" >"${LOG[$h]}" 2>&1 &
		PID[$h]=$!
		end=$((SECONDS + 60))
		while [ $SECONDS -lt $end ]; do
			grep -qs 'running with' "${LOG[$h]}" && { wait_socket "${SOCK[$h]}"; return 0; }
			kill -0 "${PID[$h]}" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "${PID[$h]}" 2>/dev/null && { WHY="host $h did not start"; return 1; }
		wait "${PID[$h]}" 2>/dev/null
		PID[$h]=""
		grep -qs 'could not set PACKET_FANOUT' "${LOG[$h]}" || break
	done
	WHY="host $h exited at startup: $(grep -v '^EAL:' "${LOG[$h]}" | tail -2 | tr '\n' ' ')"
	return 1
}

stop_host() {
	local h=$1
	[ -n "${PID[$h]:-}" ] || return 0
	kill -TERM "${PID[$h]}" 2>/dev/null
	for _ in $(seq 100); do kill -0 "${PID[$h]}" 2>/dev/null || break; sleep 0.1; done
	kill -0 "${PID[$h]}" 2>/dev/null && kill -KILL "${PID[$h]}"
	wait "${PID[$h]}" 2>/dev/null
	PID[$h]=""
	rm -rf /var/run/dpdk/"$EAL_PREFIX-$h"
}

# the underlay: a bridge in NS_UL; A's and B's uplinks are host veths
underlay() {
	local h
	ip netns add "$NS_UL" || return 1
	nsx "$NS_UL" ip link add br0 type bridge || return 1
	nsx "$NS_UL" ip link set br0 up
	for h in "$UPA" "$UPB"; do
		ip link add "$h" type veth peer name "${h}p" || return 1
		ip link set "${h}p" netns "$NS_UL" || return 1
		quiet_dev "" "$h"
		# the uplinks' host ends are in this namespace: its kernel must
		# not answer ARP for its own addresses there (a 10.99.0.1 of
		# someone else's would shadow host A), and the switch has a MAC
		# of its own so the kernel's IP stack ignores the hosts' traffic
		sysctl -qw "net.ipv4.conf.$h.arp_ignore=8" >/dev/null
		ip link set "$h" up
		nsx "$NS_UL" ip link set "${h}p" master br0 up
	done
	# the Linux host C: underlay address, kernel vxlan as flannel makes it
	ip netns add "$NS_C" || return 1
	nsx "$NS_C" sysctl -qw net.ipv4.ip_forward=1 >/dev/null
	nsx "$NS_C" sysctl -qw net.ipv4.conf.all.rp_filter=0 >/dev/null
	nsx "$NS_C" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null
	ip link add ovC$ID type veth peer name ovC${ID}p || return 1
	ip link set ovC$ID netns "$NS_C" && ip link set ovC${ID}p netns "$NS_UL" || return 1
	nsx "$NS_UL" ip link set ovC${ID}p master br0 up
	nsx "$NS_C" ip link set lo up
	nsx "$NS_C" ip link set ovC$ID name eth0
	nsx "$NS_C" ip addr add $PA_C/24 dev eth0
	nsx "$NS_C" ip link set eth0 up
	nsx "$NS_C" ip link add flannel.$VNI address $C_VTEP_MAC type vxlan id $VNI \
		local $PA_C dev eth0 dstport 4789 nolearning || return 1
	nsx "$NS_C" ip link set flannel.$VNI mtu 1450 up
	nsx "$NS_C" ip addr add $SUB_C.0/32 dev flannel.$VNI
	# C's pod: behind a veth whose C end is the pod gateway
	ip netns add "$NS_CP" || return 1
	nsx "$NS_CP" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null
	nsx "$NS_C" ip link add cni0 type veth peer name eth0 netns "$NS_CP" || return 1
	nsx "$NS_C" ip addr add $SUB_C.1/24 dev cni0
	nsx "$NS_C" ip link set cni0 mtu 1450 up
	nsx "$NS_CP" ip link set lo up
	nsx "$NS_CP" ip addr add $SUB_C.2/24 dev eth0
	nsx "$NS_CP" ip link set eth0 mtu 1450 up
	nsx "$NS_CP" ip route add default via $SUB_C.1
	# the outside, one routed hop beyond the underlay: C routes for it
	ip netns add "$NS_OUT" || return 1
	nsx "$NS_OUT" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null
	nsx "$NS_C" ip link add out0 type veth peer name eth0 netns "$NS_OUT" || return 1
	# full checksums from the outside: a partial one would reach A's
	# af_packet uplink still partial through C's forwarding
	quiet_dev "$NS_OUT" eth0
	quiet_dev "$NS_C" out0
	nsx "$NS_C" ip addr add $OUT_GW/24 dev out0
	nsx "$NS_C" ip link set out0 up
	nsx "$NS_OUT" ip link set lo up
	nsx "$NS_OUT" ip addr add $OUT_IP/24 dev eth0
	nsx "$NS_OUT" ip link set eth0 up
	nsx "$NS_OUT" ip route add default via $OUT_GW
}

# C learns host h's subnet as flannel's Linux node learns a Windows node's
# lease: FDB DR MAC -> PA, neighbour gateway -> DR MAC, route via it onlink
linux_learns() {
	local h=$1 sub pa
	[ "$h" = A ] && { sub=$SUB_A pa=$PA_A; }
	[ "$h" = B ] && { sub=$SUB_B pa=$PA_B; }
	nsx "$NS_C" bridge fdb append "${DRMAC[$h]}" dev flannel.$VNI dst "$pa" || return 1
	nsx "$NS_C" ip neigh replace "$sub.1" lladdr "${DRMAC[$h]}" dev flannel.$VNI nud permanent || return 1
	nsx "$NS_C" ip route replace "$sub.0/24" via "$sub.1" dev flannel.$VNI onlink
}

# what the Linux host knows, for a failure's WHY
linux_state() {
	echo "C neigh: $(nsx "$NS_C" ip neigh show | tr '\n' ';')"
	echo "C fdb: $(nsx "$NS_C" bridge fdb show dev flannel.$VNI | tr '\n' ';')"
	echo "A drops: $(api A GET /stats | "$PY" -c 'import json,sys; d=json.load(sys.stdin); d=d.get("Output", d); print({k: v for k, v in d["Drops"].items() if v}, [(p["Name"], p.get("RxPackets"), p.get("TxPackets")) for p in d["Ports"]])')"
}

rsr() { # rsr HOST Add|Remove PREFIX PA DRMAC: a RemoteSubnetRoute PATCH
	api "$1" PATCH "/v2/networks/${NET[$1]}" "{\"ResourceType\": \"Policy\", \"RequestType\": \"$2\", \"Settings\": {\"Policies\": [{\"Type\": \"RemoteSubnetRoute\", \"Settings\": {\"DestinationPrefix\": \"$3\", \"IsolationId\": $VNI, \"ProviderAddress\": \"$4\", \"DistributedRouterMacAddress\": \"$5\"}}]}}"
}

# flannel's vxlan sequence on host h, then its pod
make_host() {
	local h=$1 sub pa out net ep ns mac obnat=""
	[ "$h" = A ] && { sub=$SUB_A pa=$PA_A
			  obnat=', {"Type": "OutBoundNAT", "ExceptionList": ["10.244.0.0/16", "10.96.0.0/12"]}'; }
	[ "$h" = B ] && { sub=$SUB_B pa=$PA_B; }
	out=$(api "$h" POST /v2/networks "{\"Name\": \"flannel.$VNI\", \"Type\": \"Overlay\", \"Policies\": [{\"Type\": \"NetAdapterName\", \"Settings\": {\"NetworkAdapterName\": \"up\"}}], \"MacPool\": {}, \"Dns\": {}, \"Ipams\": [{\"Type\": \"Static\", \"Subnets\": [{\"IpAddressPrefix\": \"$sub.0/24\", \"Policies\": [{\"Type\": \"VSID\", \"Settings\": {\"IsolationId\": $VNI}}], \"Routes\": [{\"NextHop\": \"$sub.1\", \"DestinationPrefix\": \"0.0.0.0/0\"}]}]}], \"Flags\": 8, \"SchemaVersion\": {\"Major\": 2, \"Minor\": 0}}")
	net=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="host $h POST /v2/networks: $out"; return 1; }
	NET[$h]=$net
	out=$(api "$h" GET "/v2/networks/$net")
	[ "$(echo "$out" | jget '[p["Settings"]["ProviderAddress"] for p in d["Output"]["Policies"] if p["Type"] == "ProviderAddress"][0]')" = "$pa" ] ||
		{ WHY="host $h network reports no ProviderAddress $pa: $out"; return 1; }
	DRMAC[$h]=$(echo "$out" | jget '[p["Settings"]["Address"] for p in d["Output"]["Policies"] if p["Type"] == "DrMacAddress"][0].replace("-", ":").lower()') ||
		{ WHY="host $h network reports no DrMacAddress: $out"; return 1; }
	api "$h" PATCH "/v2/networks/$net" '{"ResourceType": "Policy", "RequestType": "Add", "Settings": {"Policies": [{"Type": "HostRoute", "Settings": {}}]}}' | ok ||
		{ WHY="host $h HostRoute PATCH failed"; return 1; }
	mac=$(printf '0E-2A-%02x-%02x-%02x-%02x' $(echo "$sub.2" | tr . ' '))
	out=$(api "$h" POST /endpoints/ "{\"Name\": \"pod$h\", \"VirtualNetwork\": \"$net\", \"IPAddress\": \"$sub.2\", \"MacAddress\": \"$mac\", \"EncapOverhead\": 50, \"Policies\": [{\"Type\": \"PA\", \"PA\": \"$pa\"}$obnat]}")
	ep=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="host $h POST /endpoints/: $out"; return 1; }
	EPID[$h]=$ep
	out=$(api "$h" POST /v2/namespaces '{"Type": "Host", "SchemaVersion": {"Major": 2, "Minor": 0}}')
	ns=$(echo "$out" | jget 'd["Output"]["ID"]') || { WHY="host $h POST /v2/namespaces: $out"; return 1; }
	api "$h" PATCH "/v2/namespaces/$ns" "{\"ResourceType\": \"Endpoint\", \"RequestType\": \"Add\", \"Settings\": {\"EndpointId\": \"$ep\"}}" | ok ||
		{ WHY="host $h PATCH Add endpoint failed"; return 1; }
	POD[$h]=$ns # the daemon names the Linux namespace after the HNS one
	ip netns list | grep -q "^$ns" || { WHY="host $h: no namespace $ns"; return 1; }
}

declare -A EPID
SETUP_OK=0 SETUP_WHY=""
setup() {
	underlay || { SETUP_WHY="underlay: $WHY"; return; }
	start_host A || { SETUP_WHY=$WHY; return; }
	start_host B || { SETUP_WHY=$WHY; return; }
	make_host A || { SETUP_WHY=$WHY; return; }
	make_host B || { SETUP_WHY=$WHY; return; }
	rsr A Add $SUB_B.0/24 $PA_B "${DRMAC[B]}" | ok || { SETUP_WHY="A: RemoteSubnetRoute to B"; return; }
	rsr A Add $SUB_C.0/24 $PA_C "$C_VTEP_MAC" | ok || { SETUP_WHY="A: RemoteSubnetRoute to C"; return; }
	rsr B Add $SUB_A.0/24 $PA_A "${DRMAC[A]}" | ok || { SETUP_WHY="B: RemoteSubnetRoute to A"; return; }
	rsr B Add $SUB_C.0/24 $PA_C "$C_VTEP_MAC" | ok || { SETUP_WHY="B: RemoteSubnetRoute to C"; return; }
	linux_learns A && linux_learns B || { SETUP_WHY="Linux host: vxlan FDB/neighbour/route"; return; }
	tcp_echo "$NS_OUT" $OUT_IP $ECHO_PORT
	SETUP_OK=1
}
need_setup() { [ $SETUP_OK = 1 ] && return 0; WHY="setup: $SETUP_WHY"; return 1; }

drops() { # drops HOST REASON: the uplink's count of a drop reason
	api "$1" GET /stats | "$PY" -c 'import json,sys; d=json.load(sys.stdin); d=d.get("Output", d); print(d["Drops"].get(sys.argv[1], 0))' "$2"
}

# ---------------------------------------------------------------- cases

test_ov_dr_answers_arp_and_ping_for_the_gateway() {
	need_setup || return 1
	ping3 "${POD[A]}" $SUB_A.1 || return 1
	local mac
	mac=$(nsx "${POD[A]}" ip neigh show $SUB_A.1 | awk '{print $5}')
	[ "$mac" = "${DRMAC[A]}" ] || { WHY="pod A's neighbour for the gateway is '$mac', not the DR MAC ${DRMAC[A]}"; return 1; }
}

test_ov_pod_a_reaches_pod_b() {
	need_setup || return 1
	wait_ping "${POD[A]}" $SUB_B.2 20 || { WHY="no ping A -> B within 20 s"; return 1; }
	ping3 "${POD[A]}" $SUB_B.2
}

test_ov_pod_b_reaches_pod_a() {
	need_setup || return 1
	ping3 "${POD[B]}" $SUB_A.2
}

test_ov_linux_pod_reaches_hvswitch_pods() {
	need_setup || return 1
	wait_ping "$NS_CP" $SUB_A.2 20 || { WHY="no ping C -> A within 20 s; $(linux_state)"; return 1; }
	ping3 "$NS_CP" $SUB_A.2 && ping3 "$NS_CP" $SUB_B.2
}

test_ov_hvswitch_pods_reach_the_linux_pod() {
	need_setup || return 1
	ping3 "${POD[A]}" $SUB_C.2 && ping3 "${POD[B]}" $SUB_C.2
}

test_ov_iperf3_between_hvswitch_hosts() {
	need_setup || return 1
	local out bps
	command -v iperf3 >/dev/null || { WHY="iperf3 not installed"; return 1; }
	nsx "${POD[B]}" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	wait_listening "${POD[B]}" tcp 5201 || { WHY="iperf3 server did not listen"; return 1; }
	out=$(nsx "${POD[A]}" timeout 30 iperf3 -c $SUB_B.2 -p 5201 -t 2 -J 2>&1)
	bps=$(echo "$out" | jget 'int(d["end"]["sum_received"]["bits_per_second"])' 2>/dev/null)
	[ -n "$bps" ] && [ "$bps" -gt 1000000 ] || { WHY="iperf3 A -> B: ${bps:-no result} bit/s: $(echo "$out" | tail -3 | tr '\n' ' ')"; return 1; }
	echo "  iperf3 pod A -> pod B over VXLAN: $((bps / 1000000)) Mbit/s"
}

test_ov_policystatus_pa_enforced() {
	need_setup || return 1
	local out
	out=$(api A GET "/endpoints/${EPID[A]}/policystatus")
	[ "$(echo "$out" | jget '[s["Status"] for s in d["Output"] if s["Type"] == "PA"][0]')" = Enforced ] ||
		{ WHY="policystatus: $out"; return 1; }
}

test_ov_removed_remote_subnet_route_stops_traffic() {
	need_setup || return 1
	local before after
	rsr A Remove $SUB_B.0/24 $PA_B "${DRMAC[B]}" | ok || { WHY="PATCH Remove failed"; return 1; }
	before=$(drops A "No route to destination")
	ping_fails "${POD[A]}" $SUB_B.2 || { WHY="A still reaches B without the route"; return 1; }
	after=$(drops A "No route to destination")
	[ "$after" -gt "$before" ] || { WHY="no 'No route to destination' drop counted ($before -> $after)"; return 1; }
	# removing it again: 404, nothing changes
	rsr A Remove $SUB_B.0/24 $PA_B "${DRMAC[B]}" | ok && { WHY="a second Remove succeeded"; return 1; }
	rsr A Add $SUB_B.0/24 $PA_B "${DRMAC[B]}" | ok || { WHY="PATCH Add again failed"; return 1; }
	wait_ping "${POD[A]}" $SUB_B.2 10 || { WHY="A does not reach B after the route is back"; return 1; }
}

test_ov_remote_endpoint_with_provider_address_carries_traffic() {
	need_setup || return 1
	local out rid mac
	# kube-proxy's form: a v2 remote endpoint (Flags 1) with a
	# ProviderAddress policy; inner destination MAC = the pod's own
	mac=$(printf '0E-2A-%02x-%02x-%02x-%02x' $(echo "$SUB_B.2" | tr . ' '))
	rsr A Remove $SUB_B.0/24 $PA_B "${DRMAC[B]}" | ok || { WHY="PATCH Remove failed"; return 1; }
	ping_fails "${POD[A]}" $SUB_B.2 || { WHY="A reaches B with neither route nor endpoint"; return 1; }
	out=$(api A POST /v2/endpoints "{\"Name\": \"remote-b\", \"HostComputeNetwork\": \"${NET[A]}\", \"IpConfigurations\": [{\"IpAddress\": \"$SUB_B.2\"}], \"MacAddress\": \"$mac\", \"Flags\": 1, \"Policies\": [{\"Type\": \"ProviderAddress\", \"Settings\": {\"ProviderAddress\": \"$PA_B\"}}], \"SchemaVersion\": {\"Major\": 2, \"Minor\": 0}}")
	rid=$(echo "$out" | jget 'd["Output"]["Id"] if "Id" in d["Output"] else d["Output"]["ID"]') ||
		{ WHY="POST /v2/endpoints remote: $out"; return 1; }
	wait_ping "${POD[A]}" $SUB_B.2 10 || { WHY="A does not reach B through the remote endpoint"; return 1; }
	api A DELETE "/v2/endpoints/$rid" | ok || { WHY="DELETE remote endpoint failed"; return 1; }
	ping_fails "${POD[A]}" $SUB_B.2 || { WHY="A still reaches B after the remote endpoint is deleted"; return 1; }
	rsr A Add $SUB_B.0/24 $PA_B "${DRMAC[B]}" | ok || { WHY="PATCH Add again failed"; return 1; }
	wait_ping "${POD[A]}" $SUB_B.2 10 || { WHY="A does not reach B after the route is back"; return 1; }
}

test_ov_restart_with_state_restores_routes() {
	need_setup || return 1
	stop_host B
	start_host B || return 1
	wait_ping "${POD[A]}" $SUB_B.2 30 || { WHY="A does not reach B after B's restart"; return 1; }
	ping3 "${POD[B]}" $SUB_C.2 || return 1
	ping3 "$NS_CP" $SUB_B.2
}

test_ov_unknown_vni_dropped_and_counted() {
	need_setup || return 1
	local before after
	before=$(drops A "VXLAN unknown VNI")
	nsx "$NS_C" ip link add ovx$ID type vxlan id 4097 local $PA_C remote $PA_A dev eth0 dstport 4789 nolearning || return 1
	nsx "$NS_C" ip addr add 10.245.0.1/24 dev ovx$ID
	nsx "$NS_C" ip link set ovx$ID up
	nsx "$NS_C" ip neigh replace 10.245.0.2 lladdr "${DRMAC[A]}" dev ovx$ID nud permanent
	nsx "$NS_C" ping -c 3 -i 0.2 -W 1 10.245.0.2 >/dev/null 2>&1
	nsx "$NS_C" ip link del ovx$ID
	after=$(drops A "VXLAN unknown VNI")
	[ "$after" -ge $((before + 3)) ] || { WHY="VXLAN unknown VNI: $before -> $after"; return 1; }
}

# ---- OutBoundNAT (A's pod only)

test_ov_obnat_outside_sees_the_host_address() {
	need_setup || return 1
	wait_listening "$NS_OUT" tcp $ECHO_PORT || { WHY="the echo server did not listen"; return 1; }
	expect_seen_from "${POD[A]}" $OUT_IP $ECHO_PORT $PA_A
}

test_ov_obnat_ping_out_through_the_nat() {
	need_setup || return 1
	wait_ping "${POD[A]}" $OUT_IP 10 || { WHY="no ping A's pod -> outside within 10 s"; return 1; }
	ping3 "${POD[A]}" $OUT_IP
}

test_ov_obnat_pod_without_it_has_no_route() {
	need_setup || return 1
	local before after
	before=$(drops B "No route to destination")
	ping_fails "${POD[B]}" $OUT_IP || { WHY="B's pod reaches the outside without OutBoundNAT"; return 1; }
	after=$(drops B "No route to destination")
	[ "$after" -gt "$before" ] || { WHY="no 'No route to destination' drop counted on B ($before -> $after)"; return 1; }
}

test_ov_obnat_policystatus_enforced_with_counters() {
	need_setup || return 1
	local st ok
	seen_from "${POD[A]}" $OUT_IP $ECHO_PORT >/dev/null
	st=$(api A GET "/endpoints/${EPID[A]}/policystatus")
	ok=$(echo "$st" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); p=[s for s in d["Output"] if s["Type"] == "OutBoundNAT"]; print(int(len(p) == 1 and p[0]["Status"] == "Enforced" and p[0]["Packets"] > 0 and p[0]["Sessions"] >= 1 and p[0]["ExternalAddress"] == sys.argv[1]))' "$PA_A")
	[ "$ok" = 1 ] && return 0
	WHY="policystatus: $st"
	return 1
}

setup
for t in test_ov_dr_answers_arp_and_ping_for_the_gateway test_ov_pod_a_reaches_pod_b \
	test_ov_pod_b_reaches_pod_a test_ov_linux_pod_reaches_hvswitch_pods \
	test_ov_hvswitch_pods_reach_the_linux_pod test_ov_iperf3_between_hvswitch_hosts \
	test_ov_policystatus_pa_enforced test_ov_obnat_outside_sees_the_host_address \
	test_ov_obnat_ping_out_through_the_nat test_ov_obnat_pod_without_it_has_no_route \
	test_ov_obnat_policystatus_enforced_with_counters \
	test_ov_removed_remote_subnet_route_stops_traffic \
	test_ov_remote_endpoint_with_provider_address_carries_traffic \
	test_ov_unknown_vni_dropped_and_counted test_ov_restart_with_state_restores_routes; do
	run_case "$t"
done
# OV_HOLD=SECONDS: keep everything up that long before cleaning up (debugging)
[ -z "${OV_HOLD:-}" ] || sleep "$OV_HOLD"
e2e_summary
