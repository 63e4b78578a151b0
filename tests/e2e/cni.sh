#!/bin/bash
# End-to-end tests of issue 20: hvswitch-cni, the CNI plugin, driven by
# hand (the CNI protocol itself) and by real runtimes: podman (CNI network
# backend) and containerd (ctr run --cni), with a busybox-static image
# made offline.
#
# usage: tests/e2e/cni.sh [VSWITCHD] [HVSWITCH_CNI]   (defaults: build/...; root)
#
# The switch has one port made by hand: its uplink to an "out" namespace
# (192.0.2.1/24 on its link, 198.51.100.1 on lo; uplink 192.0.2.77/24).
# Through the API a NAT network "hvnat" 172.31.233.0/24 (gateway .1).
# podman and containerd get private storage, configs and CNI dirs under
# the run's work directory (a containers.conf in CONTAINERS_CONF; ctr in a
# private mount namespace where $W's dirs are bound on /etc/cni/net.d and
# /opt/cni/bin), so nothing of the host's runtimes is touched. Prints
# "PASS name" / "FAIL name: why", then "e2e-cni: N passed, M failed".
# Everything made is removed on exit, also on failure (trap).
set -u

VSWITCHD=${1:-build/vswitchd}
CNI_BIN=${2:-$(dirname "$VSWITCHD")/hvswitch-cni}
case $VSWITCHD in /*) ;; *) VSWITCHD=$PWD/$VSWITCHD ;; esac
case $CNI_BIN in /*) ;; *) CNI_BIN=$PWD/$CNI_BIN ;; esac
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init e2e-cni cni

ID=$$
NS_OUT=hvcni-$ID-out NS_C=hvcni-$ID-c
HO=hvc${ID}oh NO=hvc${ID}on
EAL_PREFIX=hvcni$ID
SOCK=$W/hns.sock
API_ARGS=(--api "unix:$SOCK")
NEED_CURL=1
UPLINK_IP=192.0.2.77 OUT_GW=192.0.2.1 REMOTE=198.51.100.1
SUBNET=172.31.233 GW=172.31.233.1
NETNAME=hvnat
CONFIGS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../configs/cni" && pwd)
IMG=localhost/hvcni-busybox:$ID
CTRD_PID=""
PODMAN=(podman --root "$W/storage" --runroot "$W/runroot" --storage-driver vfs
	--cgroup-manager cgroupfs --events-backend none)
CTR=(ctr --address "$W/containerd/containerd.sock" --namespace hvcni)
export CONTAINERS_CONF=$W/containers.conf

HUNG_PID=""
cleanup_hook() {
	local c
	[ -z "$HUNG_PID" ] || kill "$HUNG_PID" 2>/dev/null
	if [ -d "$W/storage" ]; then
		"${PODMAN[@]}" rm -a -f -t 0 >/dev/null 2>&1
		"${PODMAN[@]}" system reset -f >/dev/null 2>&1
	fi
	if [ -n "$CTRD_PID" ]; then
		for c in $("${CTR[@]}" tasks ls -q 2>/dev/null); do
			"${CTR[@]}" tasks kill -s KILL "$c" >/dev/null 2>&1
		done
		kill "$CTRD_PID" 2>/dev/null
		wait "$CTRD_PID" 2>/dev/null
	fi
	umount -R "$W/storage" 2>/dev/null
	for c in /run/netns/cni-*; do # podman's, only if the run's endpoints named them
		[ -e "$c" ] && grep -qs "$c" "$W/netns-made" && ip netns del "${c##*/}" 2>/dev/null
	done
	E2E_NS+=("$NS_C")
}

api() { # api METHOD PATH [BODY]: prints the response body
	curl -s --max-time 20 --unix-socket "$SOCK" -X "$1" \
		${3:+-H 'Content-Type: application/json' -d "$3"} "http://localhost$2"
}
count() { api GET "$1" | jget 'len(d["Output"])'; }
# the links a plumb makes on the host: the switch's ends hv<tag>...
our_links() { ip -o link | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^hv[0-9a-f]{4}' | grep -v "^$HO\$"; }
nports() { api GET /ports | jget 'len(d["Output"]) if isinstance(d, dict) and "Output" in d else len(d)'; }

# the NAT's static mappings (published ports) and its configured bindings
nat_static() {
	local m b
	m=$(api GET "/nats/$NETNAME/staticmappings" | jget 'len(d["Output"] if isinstance(d, dict) else d)')
	b=$(api GET "/nats/$NETNAME/bindings" | jget 'len([x for x in (d["Output"] if isinstance(d, dict) else d) if x.get("Configured")])')
	if [ -n "$m" ] && [ -n "$b" ]; then echo $((m + b)); else echo "unreadable"; fi
}
# nothing of a container left: endpoints, namespaces, ports, links, NAT
leaks() {
	local e n p l m
	e=$(count /endpoints/) n=$(count /namespaces/) p=$(nports) l=$(our_links | wc -l) m=$(nat_static)
	[ "$e" = 0 ] && [ "$n" = 0 ] && [ "$p" = "$PORTS0" ] && [ "$l" = 0 ] && [ "$m" = 0 ] && return 1
	echo "endpoints $e, namespaces $n, switch ports $p (at start $PORTS0), host links $l, NAT static mappings + configured bindings $m"
}
no_leaks() { local l; l=$(leaks) || return 0; WHY="left behind: $l"; return 1; }

# ---------------------------------------------------------------- set-up

make_image() { # a rootfs of busybox-static, imported with podman
	local r=$W/rootfs a
	mkdir -p "$r/bin" "$r/www" "$r/etc" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/run"
	cp /bin/busybox "$r/bin/busybox"
	for a in sh ping wget httpd ip ifconfig sleep true cat ls nc; do ln -s busybox "$r/bin/$a"; done
	echo "hello from a hvswitch container" >"$r/www/index.html"
	echo "root:x:0:0:root:/:/bin/sh" >"$r/etc/passwd"
	tar -C "$r" -cf "$W/rootfs.tar" .
	"${PODMAN[@]}" import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' \
		"$W/rootfs.tar" "$IMG" >/dev/null
}

setup() {
	[ -x /bin/busybox ] && ldd /bin/busybox 2>&1 | grep -q "not a dynamic" ||
		{ echo "busybox-static is missing (tools/install-deps.sh)"; return 1; }
	[ -x "$CNI_BIN" ] || { echo "no hvswitch-cni at $CNI_BIN"; return 1; }
	ns_link "$NS_OUT" "$HO" "$NO" "$OUT_GW/24" || return 1
	nsx "$NS_OUT" ip addr add "$REMOTE/32" dev lo || return 1
	mkdir -p "$W/cni-bin" "$W/net.d" "$W/containerd"
	ln -s "$CNI_BIN" "$W/cni-bin/hvswitch"
	for p in /usr/lib/cni/* /opt/cni/bin/*; do
		[ -e "$p" ] && [ ! -e "$W/cni-bin/${p##*/}" ] && ln -s "$p" "$W/cni-bin/${p##*/}"
	done
	# a conflist like podman's default bridge one, on the hvswitch network
	cat >"$W/net.d/10-$NETNAME.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "$NETNAME",
 "plugins": [{"type": "hvswitch", "network": "$NETNAME", "api": "unix:$SOCK",
   "capabilities": {"portMappings": true, "bandwidth": true, "ips": true, "mac": true}}]}
EOF
	cat >"$CONTAINERS_CONF" <<EOF
[network]
network_backend = "cni"
cni_plugin_dirs = ["$W/cni-bin"]
network_config_dir = "$W/net.d"
default_network = "$NETNAME"
[containers]
# never above this shell's hard limits: without CAP_SYS_RESOURCE (a CI
# container) the OCI runtime cannot raise them (podman's defaults would)
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "none"
# crun refuses a hybrid cgroup v1/v2 host; runc does not
runtime = "runc"
EOF
	cat >"$W/ns.json" <<EOF
{"Switch": {"Name": "vSwitch"},
 "Ports": [
  {"Name": "up", "Devargs": "net_af_packet0,iface=$HO", "Uplink": true,
   "IPAddresses": ["$UPLINK_IP/24"], "DefaultGateway": "$OUT_GW"}]}
EOF
	make_image || { echo "podman import of the busybox rootfs failed"; return 1; }
}

SETUP_OK=0 SETUP_WHY=""
start() {
	local out
	start_daemon cni "$W/ns.json" || { SETUP_WHY=$WHY; return; }
	wait_socket "$SOCK"
	out=$(api POST /networks/ "{\"Name\": \"$NETNAME\", \"Type\": \"NAT\", \"DNSServerList\": \"$REMOTE\", \"Subnets\": [{\"AddressPrefix\": \"$SUBNET.0/24\", \"GatewayAddress\": \"$GW\"}]}")
	echo "$out" | ok || { SETUP_WHY="POST /networks/: $out"; return; }
	PORTS0=$(nports)
	SETUP_OK=1
}
need_setup() { [ $SETUP_OK = 1 ] && return 0; WHY="setup: $SETUP_WHY"; return 1; }

# cni CMD CONTAINERID IFNAME [CONF]: runs the plugin as a runtime would
cni() {
	local conf=${4:-$(cat "$W/net.d/10-$NETNAME.conflist" | jget 'json.dumps(dict(d["plugins"][0], cniVersion=d["cniVersion"], name=d["name"]))')}
	echo "$conf" | CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_IFNAME=$3 \
		CNI_NETNS=/run/netns/$NS_C CNI_PATH=$W/cni-bin timeout 60 "$CNI_BIN"
}

# ---------------------------------------------------------------- cases

test_cni_version() {
	local out
	out=$(CNI_COMMAND=VERSION "$CNI_BIN" </dev/null)
	echo "$out" | jget '"1.0.0" in d["supportedVersions"] and "0.4.0" in d["supportedVersions"]' | grep -q True ||
		{ WHY="VERSION: $out"; return 1; }
}

# CNI 1.1 STATUS: ready when the daemon answers and the network exists
test_cni_status() {
	need_setup || return 1
	local out
	out=$(echo "{\"cniVersion\": \"1.1.0\", \"name\": \"$NETNAME\", \"type\": \"hvswitch\", \"api\": \"unix:$SOCK\"}" |
		CNI_COMMAND=STATUS "$CNI_BIN") || { WHY="STATUS on a ready network: $out"; return 1; }
	out=$(echo "{\"cniVersion\": \"1.1.0\", \"name\": \"$NETNAME\", \"type\": \"hvswitch\", \"api\": \"unix:$W/nobody.sock\"}" |
		CNI_COMMAND=STATUS "$CNI_BIN") && { WHY="STATUS without a daemon succeeded"; return 1; }
	echo "$out" | jget 'd["code"]' | grep -qx 50 || { WHY="STATUS without a daemon: $out"; return 1; }
	out=$(echo "{\"cniVersion\": \"1.1.0\", \"name\": \"nosuch\", \"type\": \"hvswitch\", \"api\": \"unix:$SOCK\"}" |
		CNI_COMMAND=STATUS "$CNI_BIN") && { WHY="STATUS of a missing network succeeded"; return 1; }
	echo "$out" | jget 'd["code"]' | grep -qx 50 || { WHY="STATUS of a missing network: $out"; return 1; }
}

# ADD by hand: CNI_IFNAME honoured, requested IP and MAC, the result
# names what exists; CHECK passes, then fails once the address is gone;
# DEL twice is success; nothing left.
test_cni_add_check_del_by_hand() {
	need_setup || return 1
	local out conf ep
	ip netns add "$NS_C" || { WHY="ip netns add"; return 1; }
	conf=$(cat "$W/net.d/10-$NETNAME.conflist" | jget 'json.dumps(dict(d["plugins"][0], cniVersion="1.0.0", name=d["name"], runtimeConfig={"ips": ["'"$SUBNET"'.77/24"], "mac": "02:42:ac:1f:e9:4d", "portMappings": [{"hostPort": 8081, "containerPort": 81, "protocol": "tcp"}], "bandwidth": {"egressRate": 8000000, "egressBurst": 100000}}))')
	out=$(cni ADD hand1 net1 "$conf") || { WHY="ADD failed: $out"; return 1; }
	[ "$(echo "$out" | jget 'd["interfaces"][0]["name"], d["interfaces"][0]["mac"], d["ips"][0]["address"], d["ips"][0]["gateway"], d["routes"][0]["gw"], d["dns"]["nameservers"]')" = \
		"('net1', '02:42:ac:1f:e9:4d', '$SUBNET.77/24', '$GW', '$GW', ['$REMOTE'])" ] ||
		{ WHY="ADD result: $out"; return 1; }
	nsx "$NS_C" ip -o -4 addr show dev net1 | grep -q "$SUBNET.77/24" || { WHY="no net1 with $SUBNET.77 in the netns"; return 1; }
	[ "$(nsx "$NS_C" cat /sys/class/net/net1/address)" = 02:42:ac:1f:e9:4d ] || { WHY="net1's MAC is not the one asked for"; return 1; }
	ep=$(api GET /endpoints/ | jget '[e for e in d["Output"] if e["Name"] == "hand1_net1"][0]')
	echo "$ep" | grep -q "'ExternalPort': 8081" || { WHY="no NAT policy 8081 on the endpoint: $ep"; return 1; }
	echo "$ep" | grep -q "'MaximumOutgoingBandwidthInBytes': 1000000" || { WHY="no QOS of 1000000 bytes/s: $ep"; return 1; }
	wait_ping "$NS_C" "$REMOTE" 10 || { WHY="the container cannot ping $REMOTE"; return 1; }
	out=$(cni CHECK hand1 net1 "$conf") || { WHY="CHECK failed on a good container: $out"; return 1; }
	nsx "$NS_C" ip addr flush dev net1
	out=$(cni CHECK hand1 net1 "$conf") && { WHY="CHECK passed with the address gone"; return 1; }
	echo "$out" | jget 'd["code"], d["msg"]' | grep -q "102.*lost address" || { WHY="CHECK error: $out"; return 1; }
	out=$(cni DEL hand1 net1 "$conf") || { WHY="DEL: $out"; return 1; }
	out=$(cni DEL hand1 net1 "$conf") || { WHY="second DEL is not success: $out"; return 1; }
	nsx "$NS_C" ip link show net1 >/dev/null 2>&1 && { WHY="net1 left after DEL"; return 1; }
	[ -e "/run/netns/$NS_C" ] || { WHY="DEL removed the runtime's netns"; return 1; }
	no_leaks
}

# a delegated IPAM plugin (host-local) chooses the address
test_cni_delegated_host_local_ipam() {
	need_setup || return 1
	local conf out
	conf="{\"cniVersion\": \"0.4.0\", \"name\": \"$NETNAME\", \"type\": \"hvswitch\", \"api\": \"unix:$SOCK\", \"ipam\": {\"type\": \"host-local\", \"dataDir\": \"$W/ipam\", \"ranges\": [[{\"subnet\": \"$SUBNET.0/24\", \"rangeStart\": \"$SUBNET.200\", \"rangeEnd\": \"$SUBNET.210\", \"gateway\": \"$GW\"}]]}}"
	out=$(cni ADD hand2 eth0 "$conf") || { WHY="ADD with host-local: $out"; return 1; }
	[ "$(echo "$out" | jget 'd["ips"][0]["address"], d["ips"][0]["version"], d["cniVersion"]')" = "('$SUBNET.200/24', '4', '0.4.0')" ] ||
		{ WHY="ADD result (0.4.0, host-local): $out"; return 1; }
	nsx "$NS_C" ip -o -4 addr show dev eth0 | grep -q "$SUBNET.200/24" || { WHY="eth0 has not host-local's address"; return 1; }
	out=$(cni DEL hand2 eth0 "$conf") || { WHY="DEL: $out"; return 1; }
	ls "$W/ipam/$NETNAME" 2>/dev/null | grep -q "$SUBNET.200" && { WHY="host-local still holds $SUBNET.200 after DEL"; return 1; }
	no_leaks
}

# the conflists shipped in configs/cni/ (api and host-local's dataDir
# pointed at this run): ADD, CHECK, DEL on networks of their names and types
test_cni_shipped_conflists() {
	need_setup || return 1
	local f conf out net type sub n=0
	for f in "$CONFIGS"/*.conflist; do
		net=$(jget 'd["plugins"][0]["network"]' <"$f")
		case $f in
		*nat*) type=NAT sub=$SUBNET ;;  # the run's NAT network is "hvnat" too
		*l2bridge*) type=L2Bridge sub=10.244.1 ;;
		*overlay*) type=Overlay sub=10.244.2 ;;
		*) WHY="unexpected file $f"; return 1 ;;
		esac
		if [ "$type" != NAT ]; then
			out=$(api POST /networks/ "{\"Name\": \"$net\", \"Type\": \"$type\", \"Subnets\": [{\"AddressPrefix\": \"$sub.0/24\", \"GatewayAddress\": \"$sub.1\"}]}")
			echo "$out" | ok || { WHY="${f##*/}: POST /networks/ $type: $out"; return 1; }
		fi
		conf=$(jget 'json.dumps(dict(d["plugins"][0], cniVersion=d["cniVersion"], name=d["name"], api="unix:'"$SOCK"'", **({"ipam": dict(d["plugins"][0]["ipam"], dataDir="'"$W/ipam-shipped"'")} if "ipam" in d["plugins"][0] else {})))' <"$f")
		out=$(cni ADD "shipped$n" eth0 "$conf") || { WHY="${f##*/}: ADD: $out"; return 1; }
		echo "$out" | jget 'd["ips"][0]["address"]' | grep -q "^$sub\." || { WHY="${f##*/}: ADD result: $out"; return 1; }
		out=$(cni CHECK "shipped$n" eth0 "$conf") || { WHY="${f##*/}: CHECK: $out"; return 1; }
		out=$(cni DEL "shipped$n" eth0 "$conf") || { WHY="${f##*/}: DEL: $out"; return 1; }
		if [ "$type" != NAT ]; then
			api DELETE "/networks/$(api GET /networks/ | jget '[n["ID"] for n in d["Output"] if n["Name"] == "'"$net"'"][0]')" | ok ||
				{ WHY="${f##*/}: DELETE the $type network"; return 1; }
		fi
		n=$((n + 1))
	done
	[ $n = 3 ] || { WHY="$n conflists in $CONFIGS, expected 3"; return 1; }
	no_leaks
}

# errors: CNI error JSON with the daemon's message; a dead daemon is a
# quick clear error
test_cni_errors() {
	need_setup || return 1
	local out t0 conf
	conf="{\"cniVersion\": \"1.0.0\", \"name\": \"nosuch\", \"type\": \"hvswitch\", \"api\": \"unix:$SOCK\"}"
	out=$(cni ADD e1 eth0 "$conf") && { WHY="ADD on an unknown network succeeded"; return 1; }
	echo "$out" | jget 'd["code"], d["msg"]' | grep -q "7.*no HNS network named 'nosuch'" || { WHY="unknown network: $out"; return 1; }
	conf="{\"cniVersion\": \"1.0.0\", \"name\": \"$NETNAME\", \"type\": \"hvswitch\", \"api\": \"unix:$SOCK\", \"runtimeConfig\": {\"ips\": [\"10.9.9.9/24\"]}}"
	out=$(cni ADD e2 eth0 "$conf") && { WHY="ADD with an address outside the subnet succeeded"; return 1; }
	echo "$out" | jget 'd["code"], d["msg"], d["details"]' | grep -q "100.*IPAddress.*HTTP 4" || { WHY="daemon's refusal: $out"; return 1; }
	conf="{\"cniVersion\": \"1.0.0\", \"name\": \"$NETNAME\", \"type\": \"hvswitch\", \"api\": \"unix:$W/nobody.sock\"}"
	t0=$SECONDS
	out=$(cni ADD e3 eth0 "$conf") && { WHY="ADD with no daemon succeeded"; return 1; }
	[ $((SECONDS - t0)) -le 5 ] || { WHY="a missing daemon took $((SECONDS - t0)) s"; return 1; }
	echo "$out" | jget 'd["code"], d["msg"]' | grep -q "11.*did not answer" || { WHY="daemon down: $out"; return 1; }
	# a daemon that accepts and never answers: the config's timeout holds
	"$PY" -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8); time.sleep(60)' "$W/hung.sock" &
	HUNG_PID=$!
	wait_socket "$W/hung.sock" || { WHY="the hung listener did not start"; return 1; }
	conf="{\"cniVersion\": \"1.0.0\", \"name\": \"$NETNAME\", \"type\": \"hvswitch\", \"api\": \"unix:$W/hung.sock\", \"timeout\": 2}"
	t0=$SECONDS
	out=$(cni ADD e4 eth0 "$conf") && { WHY="ADD against a mute daemon succeeded"; return 1; }
	kill "$HUNG_PID" 2>/dev/null; wait "$HUNG_PID" 2>/dev/null; HUNG_PID=""
	[ $((SECONDS - t0)) -le 6 ] || { WHY="a mute daemon held ADD $((SECONDS - t0)) s (timeout 2)"; return 1; }
	echo "$out" | jget 'd["code"], d["msg"]' | grep -q "11.*timed out" || { WHY="mute daemon: $out"; return 1; }
	out=$(echo '{"cniVersion": "0.1.0", "name": "x", "type": "hvswitch"}' | CNI_COMMAND=ADD CNI_CONTAINERID=x CNI_IFNAME=eth0 CNI_NETNS=/run/netns/$NS_C "$CNI_BIN") &&
		{ WHY="cniVersion 0.1.0 accepted"; return 1; }
	echo "$out" | jget 'd["code"]' | grep -qx 1 || { WHY="old version: $out"; return 1; }
	no_leaks
}

# podman: ping out, a published port curled from outside, rm leaves nothing
test_cni_podman_ping_publish_rm() {
	need_setup || return 1
	local out c
	out=$("${PODMAN[@]}" run --rm --network "$NETNAME" "$IMG" sh -c \
		"for i in 1 2 3 4 5 6 7 8 9 10; do ping -c 1 -W 1 $REMOTE >/dev/null && exit 0; done; exit 1" 2>&1) ||
		{ WHY="podman run ... ping $REMOTE: $out"; return 1; }
	no_leaks || { WHY="after podman run --rm: $WHY"; return 1; }
	# --ip and --mac-address reach the plugin as runtimeConfig ips and mac
	out=$("${PODMAN[@]}" run --rm --network "$NETNAME" --ip "$SUBNET.50" --mac-address 02:42:ac:1f:e9:32 "$IMG" \
		sh -c 'ip -o -4 addr show dev eth0; cat /sys/class/net/eth0/address' 2>&1)
	echo "$out" | grep -q "$SUBNET.50/24" && echo "$out" | grep -q 02:42:ac:1f:e9:32 ||
		{ WHY="podman run --ip $SUBNET.50 --mac-address: $out"; return 1; }
	c=$("${PODMAN[@]}" run -d --name "web$ID" --network "$NETNAME" -p 8080:80 "$IMG" httpd -f -p 80 -h /www 2>&1) ||
		{ WHY="podman run -p 8080:80: $c"; return 1; }
	echo "$c" >>"$W/netns-made"
	"${PODMAN[@]}" inspect "web$ID" --format '{{.NetworkSettings.SandboxKey}}' >>"$W/netns-made" 2>/dev/null
	wait_until 20 sh -c "ip netns exec $NS_OUT curl -s --max-time 2 http://$UPLINK_IP:8080/ | grep -q 'hello from a hvswitch container'" ||
		{ WHY="outside cannot curl $UPLINK_IP:8080 (published by podman)"; return 1; }
	[ "$(nat_static)" -ge 1 ] 2>/dev/null || { WHY="no NAT static mapping while 8080 is published"; return 1; }
	out=$("${PODMAN[@]}" exec "web$ID" ip -o -4 addr show dev eth0 2>&1)
	echo "$out" | grep -q "$SUBNET\." || { WHY="container eth0: $out"; return 1; }
	"${PODMAN[@]}" rm -f -t 0 "web$ID" >/dev/null 2>&1 || { WHY="podman rm failed"; return 1; }
	no_leaks || { WHY="after podman rm: $WHY"; return 1; }
	ip netns exec "$NS_OUT" curl -s --max-time 2 "http://$UPLINK_IP:8080/" >/dev/null &&
		{ WHY="the port is still published after rm"; return 1; }
	return 0
}

# 50 containers, in batches of 10 (the switch has 32 port slots), started
# and removed; then nothing is left
test_cni_podman_50_containers_no_leak() {
	need_setup || return 1
	local b i n=0 out
	for b in 1 2 3 4 5; do
		for i in $(seq 1 10); do
			out=$("${PODMAN[@]}" run -d --name "many$ID-$b-$i" --network "$NETNAME" "$IMG" sleep 600 2>&1) ||
				{ WHY="container $b-$i: $out"; return 1; }
			n=$((n + 1))
		done
		[ "$(count /endpoints/)" = 10 ] || { WHY="batch $b: $(count /endpoints/) endpoints for 10 containers"; return 1; }
		"${PODMAN[@]}" exec "many$ID-$b-10" ping -c 1 -W 2 "$GW" >/dev/null 2>&1 ||
			wait_until 10 "${PODMAN[@]}" exec "many$ID-$b-10" ping -c 1 -W 1 "$GW" >/dev/null 2>&1 ||
			{ WHY="batch $b: the last container cannot ping the gateway"; return 1; }
		"${PODMAN[@]}" rm -f -t 0 $(seq -f "many$ID-$b-%g" 1 10) >/dev/null 2>&1 ||
			{ WHY="batch $b: podman rm failed"; return 1; }
		no_leaks || { WHY="after batch $b: $WHY"; return 1; }
	done
	echo "containers started and removed: $n" >&2
	[ "$n" = 50 ]
}

# containerd: ctr run --cni (the CNI calls are ctr's own: its mount
# namespace gets our net.d and bin dirs on the default paths)
start_containerd() {
	cat >"$W/containerd/config.toml" <<EOF
version = 2
root = "$W/containerd/root"
state = "$W/containerd/state"
[grpc]
  address = "$W/containerd/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  disable_cgroup = true
EOF
	containerd --config "$W/containerd/config.toml" >"$W/containerd/log" 2>&1 &
	CTRD_PID=$!
	wait_until 30 "${CTR[@]}" version >/dev/null 2>&1
}
ctr_cni() { # ctr with our CNI dirs on its default paths
	unshare -m sh -c 'mount --bind "$1/net.d" /etc/cni/net.d 2>/dev/null || { mkdir -p /etc/cni/net.d && mount --bind "$1/net.d" /etc/cni/net.d; }
		mkdir -p /opt/cni/bin && mount --bind "$1/cni-bin" /opt/cni/bin && shift && exec "$@"' sh "$W" "${CTR[@]}" "$@"
}

test_cni_containerd_ctr_run() {
	need_setup || return 1
	command -v containerd >/dev/null || { WHY="containerd is not installed"; return 1; }
	local out
	start_containerd || { WHY="containerd did not start: $(tail -3 "$W/containerd/log" | tr '\n' ' ')"; return 1; }
	"${PODMAN[@]}" save -o "$W/img.tar" "$IMG" >/dev/null 2>&1 || { WHY="podman save"; return 1; }
	out=$("${CTR[@]}" images import --no-unpack=false "$W/img.tar" 2>&1) ||
		out=$("${CTR[@]}" images import "$W/img.tar" 2>&1) || { WHY="ctr images import: $out"; return 1; }
	out=$(ctr_cni run --rm --cni "$IMG" "c$ID" sh -c \
		"ip -o -4 addr show dev eth0; for i in 1 2 3 4 5 6 7 8 9 10; do ping -c 1 -W 1 $REMOTE >/dev/null && echo PINGED && exit 0; done; exit 1" 2>&1) ||
		{ WHY="ctr run --cni: $out"; return 1; }
	echo "$out" | grep -q "$SUBNET\." && echo "$out" | grep -q PINGED || { WHY="ctr run --cni: $out"; return 1; }
	wait_until 10 sh -c '[ "$(curl -s --unix-socket '"$SOCK"' http://localhost/endpoints/ | grep -c "\"ID\"")" = 0 ]'
	no_leaks || { WHY="after ctr run --rm: $WHY"; return 1; }
}

CASES=(test_cni_version test_cni_status test_cni_add_check_del_by_hand test_cni_delegated_host_local_ipam
	test_cni_shipped_conflists test_cni_errors test_cni_podman_ping_publish_rm test_cni_podman_50_containers_no_leak
	test_cni_containerd_ctr_run)

run_cases cni
