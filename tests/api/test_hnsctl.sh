#!/bin/bash
# hnsctl against the real daemon.
#
# usage: tests/api/test_hnsctl.sh VSWITCHD HNSCTL     (run as root)
#
# Starts VSWITCHD (no hugepages, no PCI, one net_null port "p1") with its
# REST API on a unix socket in a temporary directory, then drives it with
# HNSCTL: networks (create/list/show/delete), endpoints (create with a port
# mapping, list/show, attach to p1, stats, detach, delete), switch stats,
# the port's ACLs and extended ACLs (port acl|extacl list/add/delete),
# NATs (nat list/show/create/delete/sessions/bindings/mapping) and port
# proxies (portproxy add/list/delete), load balancers (lb
# list/show/create/delete, a 409 duplicate, the /stats LoadBalancers),
# namespaces (namespace create/list/show/add-endpoint/remove-endpoint/
# delete: a network namespace with eth0),
# --json output parsed by python3, and the exit codes of errors (duplicate
# name -> 1 with the server's Error text, unknown endpoint -> 1, bad option
# -> 2, unreachable API -> 1). Prints "PASS name" or "FAIL name: why" per
# case, then "hnsctl: N passed, M failed"; exits 1 on any failure.
# HNSCTL_KEEP=1 keeps the temporary directory (daemon log).
set -u

VSWITCHD=${1:-build/vswitchd}
HNSCTL=${2:-build/hnsctl}
case $VSWITCHD in /*) ;; *) VSWITCHD=$PWD/$VSWITCHD ;; esac
case $HNSCTL in /*) ;; *) HNSCTL=$PWD/$HNSCTL ;; esac
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

W=$(mktemp -d /tmp/hvs-hnsctl.XXXXXX)
SOCK=$W/hns.sock
API=unix:$SOCK
EAL_PREFIX=hnsctl$$
DPID=""
passed=0
failed=0

cleanup() {
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -TERM "$DPID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	if [ -n "${HNSCTL_KEEP:-}" ]; then echo "hnsctl: files kept in $W" >&2; else rm -rf "$W"; fi
	rm -rf /var/run/dpdk/"$EAL_PREFIX"
	[ -z "${NS_MADE:-}" ] || ip netns del "$NS_MADE" 2>/dev/null
	ip link del vEthernet-nsep 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

finish() {
	echo "hnsctl: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

# h ARGS...: runs hnsctl against the daemon; sets OUT, ERR and RC.
h() {
	OUT=$("$HNSCTL" --api "$API" "$@" 2>"$W/stderr")
	RC=$?
	ERR=$(cat "$W/stderr")
}

# expect_rc NAME WANT: fails NAME unless the last h exited with WANT;
# returns 0 if it did.
expect_rc() {
	if [ "$RC" -ne "$2" ]; then
		fail "$1" "exit code $RC, want $2; stderr: ${ERR:-none}; stdout: ${OUT:0:200}"
		return 1
	fi
	return 0
}

# json_check NAME PYTHON_EXPR: parses OUT as JSON into j and evaluates
# the expression (it may use j and the environment's ids).
json_check() {
	local why
	why=$(printf '%s' "$OUT" | NET_ID="${NET_ID:-}" EP_ID="${EP_ID:-}" "$PY" -c '
import json, os, sys
try:
    j = json.load(sys.stdin)
except ValueError as e:
    print("not JSON: %s" % e); sys.exit(1)
net_id, ep_id = os.environ["NET_ID"], os.environ["EP_ID"]
ok = eval(sys.argv[1])
if not ok:
    print("check failed: %s; JSON: %s" % (sys.argv[1], json.dumps(j)[:300]))
    sys.exit(1)
' "$2" 2>&1) && pass "$1" || fail "$1" "$why"
}

# The line of a table (OUT) that has WORD as a whole field.
row_with() { printf '%s\n' "$OUT" | awk -v w="$1" '{ for (i = 1; i <= NF; i++) if ($i == w) { print; exit } }'; }

# The Error text the server itself gives for a request (via curl), to
# compare with what hnsctl prints.
server_error() { # METHOD PATH [BODY]
	command -v curl >/dev/null || return 1
	curl -s --unix-socket "$SOCK" -X "$1" -H 'Content-Type: application/json' \
		${3:+--data "$3"} "http://localhost$2" |
		"$PY" -c 'import json, sys; print(json.load(sys.stdin).get("Error", ""))'
}

# ---------------------------------------------------------------- daemon

[ -x "$VSWITCHD" ] || { fail daemon_start "no executable $VSWITCHD"; finish; }
[ -x "$HNSCTL" ] || { fail daemon_start "no executable $HNSCTL"; finish; }

cat >"$W/config.json" <<'EOF'
{"Ports": [{"Name": "p1", "Devargs": "net_null0"},
           {"Name": "up", "Devargs": "net_null1", "Uplink": true,
            "IPAddresses": ["192.0.2.10/24"]}]}
EOF

"$VSWITCHD" --no-huge -m 256 --no-pci -l 0,1 --file-prefix="$EAL_PREFIX" \
	--log-level=error -- --config "$W/config.json" --api "$API" \
	--trace-dir "$W" >"$W/vswitchd.log" 2>&1 &
DPID=$!
for _ in $(seq 200); do
	[ -S "$SOCK" ] && break
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.1
done
if ! [ -S "$SOCK" ]; then
	if kill -0 "$DPID" 2>/dev/null; then
		fail daemon_start "no API socket $SOCK after 20 s"
	else
		wait "$DPID"
		fail daemon_start "vswitchd exited with $?: $(head -c 400 "$W/vswitchd.log")"
	fi
	finish
fi
pass daemon_start

# ---------------------------------------------------------------- usage

h --help
expect_rc help_exits_0 0 && { case $OUT in *"usage: hnsctl"*) pass help_exits_0 ;; *) fail help_exits_0 "no usage line: ${OUT:0:200}" ;; esac; }

h network create --help
expect_rc command_help_exits_0 0 && { case $OUT in *--subnet*) pass command_help_exits_0 ;; *) fail command_help_exits_0 "no options listed" ;; esac; }

h network list --bogus
expect_rc bad_option_exits_2 2 && { case $ERR in *"unknown option '--bogus'"*usage:*) pass bad_option_exits_2 ;; *) fail bad_option_exits_2 "stderr: $ERR" ;; esac; }

h frobnicate
expect_rc unknown_command_exits_2 2 && { case $ERR in *"unknown command 'frobnicate'"*) pass unknown_command_exits_2 ;; *) fail unknown_command_exits_2 "stderr: $ERR" ;; esac; }

h network create --name x
expect_rc missing_type_exits_2 2 && pass missing_type_exits_2

h endpoint create --network x --name y --port-mapping tcp:99999:80
expect_rc bad_port_mapping_exits_2 2 && pass bad_port_mapping_exits_2

OUT=$("$HNSCTL" --api "unix:$W/nothing.sock" network list 2>"$W/stderr"); RC=$?; ERR=$(cat "$W/stderr")
expect_rc unreachable_api_exits_1 1 && { case $ERR in "hnsctl: cannot reach unix:$W/nothing.sock: "*) pass unreachable_api_exits_1 ;; *) fail unreachable_api_exits_1 "stderr: $ERR" ;; esac; }

# ---------------------------------------------------------------- networks

h network list
expect_rc network_list_empty 0 && { [ "$(printf '%s\n' "$OUT" | wc -l)" -eq 1 ] && pass network_list_empty || fail network_list_empty "want only the header: $OUT"; }

h network create --name nat1 --type NAT --subnet 172.18.0.0/16 --gateway 172.18.0.1
NET_ID=$OUT
if expect_rc network_create 0; then
	[ -n "$NET_ID" ] && [ "$(printf '%s\n' "$NET_ID" | wc -l)" -eq 1 ] && pass network_create ||
		fail network_create "want the new ID on one line: '$OUT'"
fi

h network list
if expect_rc network_list 0; then
	row=$(row_with nat1)
	case "$(printf '%s\n' "$OUT" | head -1)" in
	"ID "*NAME*TYPE*SUBNETS) ;;
	*) row="" ;;
	esac
	case $row in
	"$NET_ID "*nat1*NAT*172.18.0.0/16) pass network_list ;;
	*) fail network_list "no row '$NET_ID nat1 NAT 172.18.0.0/16' under the header: $OUT" ;;
	esac
fi

h --json network list
expect_rc network_list_json 0 &&
	json_check network_list_json 'isinstance(j, list) and [n["Name"] for n in j if n.get("ID", n.get("Id", "")).lower() == net_id.lower()] == ["nat1"]'

h network show nat1
if expect_rc network_show_by_name 0; then
	case $OUT in
	*"$NET_ID"*172.18.0.0/16*172.18.0.1*) pass network_show_by_name ;;
	*) fail network_show_by_name "want ID, subnet and gateway: $OUT" ;;
	esac
fi

# what clients poll for: the uplink's address as the network's ManagementIP
case $OUT in
*ManagementIP*192.0.2.10*) pass network_show_management_ip ;;
*) fail network_show_management_ip "want 'ManagementIP 192.0.2.10': $OUT" ;;
esac

h network show "$NET_ID" --json
expect_rc network_show_by_id_json 0 &&
	json_check network_show_by_id_json 'j["Name"] == "nat1" and j["Type"] == "NAT" and j["Subnets"][0]["AddressPrefix"] == "172.18.0.0/16"'

h network create --name nat1 --type NAT --subnet 172.19.0.0/16 --gateway 172.19.0.1
if expect_rc duplicate_network_exits_1 1; then
	want=$(server_error POST /networks/ '{"Name":"nat1","Type":"NAT","Subnets":[{"AddressPrefix":"172.19.0.0/16","GatewayAddress":"172.19.0.1"}]}')
	if [ -n "$OUT" ]; then
		fail duplicate_network_exits_1 "stdout not empty: $OUT"
	elif [ -n "$want" ] && [ "$ERR" != "hnsctl: $want" ]; then
		fail duplicate_network_exits_1 "stderr '$ERR', the server says '$want'"
	else
		case $ERR in
		"hnsctl: "?*) pass duplicate_network_exits_1 ;;
		*) fail duplicate_network_exits_1 "stderr: '$ERR'" ;;
		esac
	fi
fi

# ---------------------------------------------------------------- endpoints

h endpoint create --network nat1 --name web --port-mapping tcp:8080:80
EP_ID=$OUT
if expect_rc endpoint_create_with_port_mapping 0; then
	[ -n "$EP_ID" ] && [ "$(printf '%s\n' "$EP_ID" | wc -l)" -eq 1 ] && pass endpoint_create_with_port_mapping ||
		fail endpoint_create_with_port_mapping "want the new ID on one line: '$OUT'"
fi

# a policy the switch keeps but does not enforce: created, with a warning
h endpoint create --network nat1 --name kept --policy '{"Type": "L4WfpProxy", "Port": "15001"}'
if expect_rc endpoint_create_prints_warnings 0; then
	case $ERR in
	"hnsctl: warning: "*L4WfpProxy*) pass endpoint_create_prints_warnings ;;
	*) fail endpoint_create_prints_warnings "want a 'hnsctl: warning:' line naming the policy; stderr: '$ERR'" ;;
	esac
	h endpoint show kept
	if expect_rc endpoint_show_policy_status 0; then
		case $OUT in
		*"POLICY"*"STATUS"*"L4WfpProxy"*"Stored"*) pass endpoint_show_policy_status ;;
		*) fail endpoint_show_policy_status "want a policy table with 'L4WfpProxy  Stored': $OUT" ;;
		esac
	fi
	h --json endpoint show kept
	expect_rc endpoint_kept_policy_echoed 0 &&
		json_check endpoint_kept_policy_echoed 'any(p.get("Type") == "L4WfpProxy" and p.get("Port") == "15001" for p in j["Policies"])'
	h endpoint delete kept
fi
h endpoint create --network nat1 --name bad --policy 'not json'
expect_rc endpoint_create_bad_policy_exits_2 2 && pass endpoint_create_bad_policy_exits_2

h --json endpoint show web
expect_rc endpoint_show_json 0 &&
	json_check endpoint_show_json 'j["Name"] == "web" and j["VirtualNetwork"].lower() == net_id.lower() and j["IPAddress"].startswith("172.18.") and any(p.get("Type") == "NAT" and p.get("Protocol") == "TCP" and p.get("ExternalPort") == 8080 and p.get("InternalPort") == 80 for p in j["Policies"])'

h endpoint show "$EP_ID"
if expect_rc endpoint_show_by_id 0; then
	case $OUT in
	*"$EP_ID"*web*172.18.*8080*) pass endpoint_show_by_id ;;
	*) fail endpoint_show_by_id "want ID, name, IP and the mapping: $OUT" ;;
	esac
fi

h endpoint list
if expect_rc endpoint_list 0; then
	row=$(row_with web)
	case "$(printf '%s\n' "$OUT" | head -1)" in
	"ID "*NAME*NETWORK*IP*MAC*PORT/STATE) ;;
	*) row="" ;;
	esac
	case $row in
	"$EP_ID "*web*nat1*172.18.*) pass endpoint_list ;;
	*) fail endpoint_list "no row '$EP_ID web nat1 172.18.x' under the header: $OUT" ;;
	esac
fi

h endpoint attach web --port no-such-port
expect_rc attach_unknown_port_exits_1 1 &&
	{ case $ERR in "hnsctl: "?*) pass attach_unknown_port_exits_1 ;; *) fail attach_unknown_port_exits_1 "stderr: '$ERR'" ;; esac; }

h endpoint attach web --port p1
expect_rc endpoint_attach 0 && pass endpoint_attach

h endpoint list
if expect_rc endpoint_list_shows_port 0; then
	row=$(row_with web)
	[ "$(printf '%s\n' "$row" | awk '{ print $NF }')" = p1 ] && pass endpoint_list_shows_port ||
		fail endpoint_list_shows_port "want p1 in PORT/STATE: '$row'"
fi

h endpoint stats web
if expect_rc endpoint_stats 0; then
	case $OUT in
	*PacketsReceived*BytesReceived*PacketsSent*BytesSent*) pass endpoint_stats ;;
	*) fail endpoint_stats "want the HNS counters: $OUT" ;;
	esac
fi

h endpoint stats "$EP_ID" --json
expect_rc endpoint_stats_json 0 &&
	json_check endpoint_stats_json 'all(isinstance(j[k], int) for k in ("BytesReceived", "BytesSent", "PacketsReceived", "PacketsSent", "DroppedPacketsIncoming", "DroppedPacketsOutgoing"))'

h stats
if expect_rc stats_table 0; then
	case "$(printf '%s\n' "$OUT" | head -1)" in
	PORT*RX-PACKETS*TX-PACKETS*RX-BYTES*TX-BYTES*DROPS)
		[ -n "$(row_with p1)" ] && pass stats_table || fail stats_table "no p1 row: $OUT" ;;
	*) fail stats_table "no header: $OUT" ;;
	esac
fi

h stats --json
expect_rc stats_json 0 &&
	json_check stats_json 'any(p["Name"] == "p1" and isinstance(p["RxPackets"], int) and isinstance(p["TxBytes"], int) and isinstance(p["Drops"], dict) for p in j["Ports"]) and isinstance(j["Drops"], dict)'

h endpoint detach web
expect_rc endpoint_detach 0 && pass endpoint_detach

h endpoint list
if expect_rc endpoint_detached_in_list 0; then
	row=$(row_with web)
	[ -n "$row" ] && [ "$(printf '%s\n' "$row" | awk '{ print $NF }')" != p1 ] && pass endpoint_detached_in_list ||
		fail endpoint_detached_in_list "still on p1 (or gone): '$row'"
fi

h endpoint show no-such-endpoint
expect_rc unknown_endpoint_exits_1 1 &&
	{ case $ERR in "hnsctl: "?*) pass unknown_endpoint_exits_1 ;; *) fail unknown_endpoint_exits_1 "stderr: '$ERR'" ;; esac; }

h endpoint delete web
expect_rc endpoint_delete 0 && { [ "$OUT" = "$EP_ID" ] && pass endpoint_delete || fail endpoint_delete "want '$EP_ID', got '$OUT'"; }

h endpoint show "$EP_ID"
expect_rc deleted_endpoint_exits_1 1 && pass deleted_endpoint_exits_1

h network delete nat1
expect_rc network_delete 0 && { [ "$OUT" = "$NET_ID" ] && pass network_delete || fail network_delete "want '$NET_ID', got '$OUT'"; }

h --json network list
expect_rc network_gone 0 && json_check network_gone 'all(n["Name"] != "nat1" for n in j)'

# ---------------------------------------------------------------- port ACLs

h port acl list p1
if expect_rc port_acl_list_empty 0; then
	case "$OUT" in
	"ID "*ACTION*DIRECTION*ADDRESS*PACKETS*BYTES) [ "$(printf '%s\n' "$OUT" | wc -l)" -eq 1 ] && pass port_acl_list_empty || fail port_acl_list_empty "want only the header: $OUT" ;;
	*) fail port_acl_list_empty "no header: $OUT" ;;
	esac
fi

h port acl add p1 --action Deny --direction Both --remote-ip ANY
expect_rc port_acl_add 0 && { [ "$OUT" = 1 ] && pass port_acl_add || fail port_acl_add "want the new ID 1: '$OUT'"; }
h port acl add p1 --action Allow --direction Inbound --remote-ip 10.0.0.0/8
expect_rc port_acl_add_prefix 0 && { [ "$OUT" = 2 ] && pass port_acl_add_prefix || fail port_acl_add_prefix "want ID 2: '$OUT'"; }
h port acl add p1 --local-mac 02:00:00:00:00:01 --direction Outbound --action Meter
expect_rc port_acl_add_options_in_any_order 0 && { [ "$OUT" = 3 ] && pass port_acl_add_options_in_any_order || fail port_acl_add_options_in_any_order "want ID 3: '$OUT'"; }

h port acl list p1
if expect_rc port_acl_list 0; then
	row=$(row_with 10.0.0.0/8)
	case $row in
	*2*Allow*Inbound*remote*10.0.0.0/8*0*0) pass port_acl_list ;;
	*) fail port_acl_list "no row '2 Allow Inbound remote 10.0.0.0/8 0 0': $OUT" ;;
	esac
fi

h --json port acl list p1
expect_rc port_acl_list_json 0 &&
	json_check port_acl_list_json '[r["Id"] for r in j] == ["1", "2", "3"] and j[2]["LocalMacAddress"] == "02:00:00:00:00:01" and all(isinstance(r["Packets"], int) and isinstance(r["Bytes"], int) for r in j)'

h port acl add p1 --action Deny --direction Both
expect_rc port_acl_add_without_address_exits_2 2 && pass port_acl_add_without_address_exits_2
h port acl add p1 --action Deny --direction Both --remote-ip ANY --local-ip 10.0.0.1
expect_rc port_acl_add_two_addresses_exits_2 2 && pass port_acl_add_two_addresses_exits_2
h port acl add p1 --direction Both --remote-ip ANY
expect_rc port_acl_add_without_action_exits_2 2 && pass port_acl_add_without_action_exits_2

h port acl add p1 --action Deny --direction Both --remote-ip 10.0.0.0/33
if expect_rc port_acl_bad_prefix_exits_1 1; then
	want=$(server_error POST /ports/p1/acls '{"Action":"Deny","Direction":"Both","RemoteIPAddress":"10.0.0.0/33"}')
	case $ERR in
	"hnsctl: RemoteIPAddress"*) { [ -z "$want" ] || [ "$ERR" = "hnsctl: $want" ]; } && pass port_acl_bad_prefix_exits_1 || fail port_acl_bad_prefix_exits_1 "stderr '$ERR', the server says '$want'" ;;
	*) fail port_acl_bad_prefix_exits_1 "want the field named: '$ERR'" ;;
	esac
fi
h port acl add p1 --action Permit --direction Both --remote-ip ANY
expect_rc port_acl_bad_action_exits_1 1 && { case $ERR in "hnsctl: Action"*Permit*) pass port_acl_bad_action_exits_1 ;; *) fail port_acl_bad_action_exits_1 "stderr '$ERR'" ;; esac; }
h port acl list no-such-port
expect_rc port_acl_unknown_port_exits_1 1 && { case $ERR in *no-such-port*) pass port_acl_unknown_port_exits_1 ;; *) fail port_acl_unknown_port_exits_1 "stderr '$ERR'" ;; esac; }

h port acl delete p1 2
expect_rc port_acl_delete 0 && { [ "$OUT" = 2 ] && pass port_acl_delete || fail port_acl_delete "want '2', got '$OUT'"; }
h port acl delete p1 2
expect_rc port_acl_delete_unknown_exits_1 1 && pass port_acl_delete_unknown_exits_1
h port acl delete p1
expect_rc port_acl_delete_without_id_exits_2 2 && pass port_acl_delete_without_id_exits_2
h port acl delete p1 --all
expect_rc port_acl_delete_all 0 && { [ "$(printf '%s' "$OUT" | tr '\n' ' ')" = "1 3" ] && pass port_acl_delete_all || fail port_acl_delete_all "want '1 3', got '$OUT'"; }
h --json port acl list p1
expect_rc port_acl_empty_after_delete_all 0 && json_check port_acl_empty_after_delete_all 'j == []'

h port extacl add p1 --action Allow --direction Outbound --protocol TCP --remote-port 443 --weight 10 --stateful --idle-timeout 120
expect_rc port_extacl_add 0 && { [ "$OUT" = 1 ] && pass port_extacl_add || fail port_extacl_add "want ID 1: '$OUT'"; }
h port extacl add p1 --action Deny --direction Inbound --protocol UDP --local-port 1000-2000 --remote-ip 192.0.2.0/24
expect_rc port_extacl_add_range 0 && { [ "$OUT" = 2 ] && pass port_extacl_add_range || fail port_extacl_add_range "want ID 2: '$OUT'"; }
h port extacl list p1
if expect_rc port_extacl_list 0; then
	head=$(printf '%s\n' "$OUT" | head -1)
	row=$(row_with ANY:443)
	case "$head|$row" in
	"ID "*ACTION*DIRECTION*PROTOCOL*LOCAL*REMOTE*WEIGHT*STATEFUL*PACKETS*BYTES"|"*1*Allow*Outbound*TCP*ANY*ANY:443*10*yes*120s*0*0) pass port_extacl_list ;;
	*) fail port_extacl_list "want a row '1 Allow Outbound TCP ANY ANY:443 10 yes (120s) 0 0' under the header: $OUT" ;;
	esac
fi
h port extacl list p1 --json
expect_rc port_extacl_list_json 0 &&
	json_check port_extacl_list_json '[r["Id"] for r in j] == ["1", "2"] and j[0]["Stateful"] is True and j[0]["IdleSessionTimeout"] == 120 and j[0]["Weight"] == 10 and j[1]["LocalPort"] == "1000-2000" and j[1]["Protocol"] == "UDP"'
h port extacl add p1 --action Deny --direction Inbound --local-port 2000-1000
expect_rc port_extacl_reversed_range_exits_1 1 && { case $ERR in "hnsctl: LocalPort"*) pass port_extacl_reversed_range_exits_1 ;; *) fail port_extacl_reversed_range_exits_1 "stderr '$ERR'" ;; esac; }
h port extacl add p1 --action Deny --direction Inbound --weight ten
expect_rc port_extacl_bad_weight_exits_2 2 && pass port_extacl_bad_weight_exits_2
h port extacl delete p1 1
expect_rc port_extacl_delete 0 && { [ "$OUT" = 1 ] && pass port_extacl_delete || fail port_extacl_delete "want '1', got '$OUT'"; }
h port extacl delete p1 --all
expect_rc port_extacl_delete_all 0 && { [ "$OUT" = 2 ] && pass port_extacl_delete_all || fail port_extacl_delete_all "want '2', got '$OUT'"; }

h port acl frobnicate p1
expect_rc port_acl_unknown_subcommand_exits_2 2 && pass port_acl_unknown_subcommand_exits_2
h port acl --help
expect_rc port_acl_help 0 && { case $OUT in *"port acl list"*"port acl add"*"port acl delete"*) pass port_acl_help ;; *) fail port_acl_help "want the subcommands: $OUT" ;; esac; }

# ---------------------------------------------------------------- NAT

h nat list
expect_rc nat_list_empty 0 && { case $OUT in "NAME "*"INTERNAL PREFIX"*) pass nat_list_empty ;; *) fail nat_list_empty "want a header: $OUT" ;; esac; }
h nat create '{"Name": "winnat", "InternalIPInterfaceAddressPrefix": "172.18.0.0/16", "ExternalIPAddress": "192.0.2.10"}'
expect_rc nat_create 0 && { [ "$OUT" = winnat ] && pass nat_create || fail nat_create "want 'winnat', got '$OUT'"; }
printf '%s' '{"Name": "filenat", "InternalIPInterfaceAddressPrefix": "10.9.0.0/24", "ExternalIPAddress": "192.0.2.11"}' >"$W/nat.json"
h nat create "@$W/nat.json"
expect_rc nat_create_from_file 0 && { [ "$OUT" = filenat ] && pass nat_create_from_file || fail nat_create_from_file "want 'filenat', got '$OUT'"; }
h nat create '{"Name": "winnat", "InternalIPInterfaceAddressPrefix": "172.19.0.0/16", "ExternalIPAddress": "192.0.2.10"}'
expect_rc nat_duplicate_exits_1 1 && { case $ERR in "hnsctl: Name"*winnat*) pass nat_duplicate_exits_1 ;; *) fail nat_duplicate_exits_1 "stderr '$ERR'" ;; esac; }
h nat create '{"Name": "bad", "InternalIPInterfaceAddressPrefix": "172.19.0.1/16", "ExternalIPAddress": "192.0.2.10"}'
expect_rc nat_bad_prefix_exits_1 1 && { case $ERR in "hnsctl: InternalIPInterfaceAddressPrefix"*) pass nat_bad_prefix_exits_1 ;; *) fail nat_bad_prefix_exits_1 "stderr '$ERR'" ;; esac; }
h nat create '{"Name": '
expect_rc nat_bad_json_exits_1 1 && pass nat_bad_json_exits_1
h nat list
if expect_rc nat_list 0; then
	row=$(row_with winnat)
	case $row in *172.18.0.0/16*192.0.2.10*172.18.0.1*) pass nat_list ;; *) fail nat_list "want 'winnat 172.18.0.0/16 192.0.2.10 172.18.0.1 ...': $OUT" ;; esac
fi
h --json nat list
expect_rc nat_list_json 0 && json_check nat_list_json 'sorted(n["Name"] for n in j) == ["filenat", "winnat"] and all(n["Active"] is True and n["TcpEstablishedConnectionTimeout"] == 1800 for n in j)'
h nat show winnat
expect_rc nat_show 0 && { case $OUT in *"Name"*": winnat"*"UdpIdleSessionTimeout"*": 120"*) pass nat_show ;; *) fail nat_show "want Name and UdpIdleSessionTimeout lines: $OUT" ;; esac; }
h nat show nosuch
expect_rc nat_show_unknown_exits_1 1 && pass nat_show_unknown_exits_1
h nat mapping add winnat TCP 8080 172.18.0.5 80
expect_rc nat_mapping_add 0 && { [ "$OUT" = 1 ] && pass nat_mapping_add || fail nat_mapping_add "want '1', got '$OUT'"; }
h nat mapping add winnat UDP 5353 172.18.0.6 53 --external-ip 192.0.2.12
expect_rc nat_mapping_add_external_ip 0 && { [ "$OUT" = 2 ] && pass nat_mapping_add_external_ip || fail nat_mapping_add_external_ip "want '2', got '$OUT'"; }
h nat mapping add winnat TCP 8080 172.18.0.7 80
expect_rc nat_mapping_taken_exits_1 1 && { case $ERR in "hnsctl: ExternalPort"*) pass nat_mapping_taken_exits_1 ;; *) fail nat_mapping_taken_exits_1 "stderr '$ERR'" ;; esac; }
h nat mapping add winnat SCTP 81 172.18.0.7 80
expect_rc nat_mapping_bad_protocol_exits_1 1 && { case $ERR in "hnsctl: Protocol"*) pass nat_mapping_bad_protocol_exits_1 ;; *) fail nat_mapping_bad_protocol_exits_1 "stderr '$ERR'" ;; esac; }
h nat mapping add winnat TCP http 172.18.0.7 80
expect_rc nat_mapping_bad_port_exits_2 2 && pass nat_mapping_bad_port_exits_2
h nat mapping list winnat
expect_rc nat_mapping_list 0 && { case $OUT in "ID "*PROTOCOL*EXTERNAL*INTERNAL*1*TCP*192.0.2.10:8080*172.18.0.5:80*2*UDP*192.0.2.12:5353*172.18.0.6:53*) pass nat_mapping_list ;; *) fail nat_mapping_list "want both mappings: $OUT" ;; esac; }
h --json nat mapping list winnat
expect_rc nat_mapping_list_json 0 && json_check nat_mapping_list_json '[m["StaticMappingID"] for m in j] == [1, 2] and j[0]["NatName"] == "winnat" and j[1]["ExternalIPAddress"] == "192.0.2.12"'
h nat bindings winnat
expect_rc nat_bindings 0 && { case $OUT in *PROTOCOL*INTERNAL*EXTERNAL*172.18.0.5:80*192.0.2.10:8080*True*) pass nat_bindings ;; *) fail nat_bindings "want the mapping as a Configured binding: $OUT" ;; esac; }
h --json nat sessions winnat --limit 10
expect_rc nat_sessions_json 0 && json_check nat_sessions_json 'isinstance(j, list)'
h nat sessions winnat
expect_rc nat_sessions 0 && { case $OUT in PROTOCOL*"TCP STATE"*) pass nat_sessions ;; *) fail nat_sessions "want a header: $OUT" ;; esac; }
h nat sessions winnat --limit zero
expect_rc nat_sessions_bad_limit_exits_2 2 && pass nat_sessions_bad_limit_exits_2
h nat mapping delete winnat 1
expect_rc nat_mapping_delete 0 && { [ "$OUT" = 1 ] && pass nat_mapping_delete || fail nat_mapping_delete "want '1', got '$OUT'"; }
h nat mapping delete winnat 1
expect_rc nat_mapping_delete_again_exits_1 1 && pass nat_mapping_delete_again_exits_1

# ---------------------------------------------------------------- port proxy

h portproxy add 192.0.2.10 9000 172.18.0.5 80
expect_rc portproxy_add 0 && { [ "$OUT" = 192.0.2.10:9000 ] && pass portproxy_add || fail portproxy_add "want '192.0.2.10:9000', got '$OUT'"; }
h portproxy add 192.0.2.10 9000 172.18.0.6 80
expect_rc portproxy_taken_exits_1 1 && { case $ERR in "hnsctl: ListenPort"*) pass portproxy_taken_exits_1 ;; *) fail portproxy_taken_exits_1 "stderr '$ERR'" ;; esac; }
h portproxy add 192.0.2.10 nine 172.18.0.6 80
expect_rc portproxy_bad_port_exits_2 2 && pass portproxy_bad_port_exits_2
h portproxy list
expect_rc portproxy_list 0 && { case $OUT in LISTEN*CONNECT*NAT*192.0.2.10:9000*172.18.0.5:80*winnat*) pass portproxy_list ;; *) fail portproxy_list "want the proxy on winnat: $OUT" ;; esac; }
h --json portproxy list
expect_rc portproxy_list_json 0 && json_check portproxy_list_json 'j == [{"ListenAddress": "192.0.2.10", "ListenPort": 9000, "ConnectAddress": "172.18.0.5", "ConnectPort": 80, "NatName": "winnat"}]'
h portproxy delete 192.0.2.10 9000
expect_rc portproxy_delete 0 && { [ "$OUT" = 192.0.2.10:9000 ] && pass portproxy_delete || fail portproxy_delete "want '192.0.2.10:9000', got '$OUT'"; }
h portproxy delete 192.0.2.10 9000
expect_rc portproxy_delete_again_exits_1 1 && pass portproxy_delete_again_exits_1

h nat delete filenat
expect_rc nat_delete 0 && { [ "$OUT" = filenat ] && pass nat_delete || fail nat_delete "want 'filenat', got '$OUT'"; }
h nat delete filenat
expect_rc nat_delete_again_exits_1 1 && pass nat_delete_again_exits_1
h stats --json
expect_rc stats_nat_object 0 && json_check stats_nat_object '[n["Name"] for n in j["Nat"]["Nats"]] == ["winnat"] and j["Nat"]["Bindings"] == 1 and "NAT filtered" in j["Nat"]["Drops"]'
h nat frobnicate
expect_rc nat_unknown_subcommand_exits_2 2 && pass nat_unknown_subcommand_exits_2
h nat --help
expect_rc nat_help 0 && { case $OUT in *"nat list"*"nat create"*"nat mapping"*) pass nat_help ;; *) fail nat_help "want the subcommands: $OUT" ;; esac; }

# ---------------------------------------------------------------- load balancers

h network create --name kube --type L2Bridge --subnet 10.244.1.0/24 --gateway 10.244.1.1
LB_NET=$OUT
h endpoint create --network kube --name pod-a --ip 10.244.1.11
LB_EP1=$OUT
h endpoint create --network kube --name pod-b --ip 10.244.1.12
LB_EP2=$OUT
h lb list
expect_rc lb_list_empty 0 && { [ "$(printf '%s\n' "$OUT" | wc -l)" -eq 1 ] && pass lb_list_empty || fail lb_list_empty "want only the header: $OUT"; }
# a ClusterIP: backends by name and by ID
h lb create --protocol tcp --port 80:8080 --vip 10.96.0.10 --endpoint pod-a --endpoint "$LB_EP2" --affinity
LB_ID=$OUT
if expect_rc lb_create 0; then
	[ -n "$LB_ID" ] && [ "$(printf '%s\n' "$LB_ID" | wc -l)" -eq 1 ] && pass lb_create ||
		fail lb_create "want the new ID on one line: '$OUT'"
fi
h lb list
if expect_rc lb_list 0; then
	case "$(row_with "$LB_ID")" in
	"$LB_ID "*10.96.0.10*"TCP 80->8080"*2*Affinity*) pass lb_list ;;
	*) fail lb_list "no row '$LB_ID 10.96.0.10 TCP 80->8080 2 ... Affinity': $OUT" ;;
	esac
fi
h lb show "$LB_ID"
if expect_rc lb_show 0; then
	case $OUT in
	*"$LB_ID"*10.96.0.10*"TCP 80->8080"*"$LB_EP1"*10.244.1.11*"$LB_EP2"*10.244.1.12*) pass lb_show ;;
	*) fail lb_show "want the LB and both backends: $OUT" ;;
	esac
fi
h --json lb show "$LB_ID"
expect_rc lb_show_json 0 &&
	json_check lb_show_json 'j["FrontendVIPs"] == ["10.96.0.10"] and j["PortMappings"][0]["DistributionType"] == 2 and len(j["HostComputeEndpoints"]) == 2 and "Counters" in j'
# a NodePort with DSR, from JSON (kube-proxy's shape)
h lb create "{\"HostComputeEndpoints\":[\"$LB_EP1\"],\"PortMappings\":[{\"Protocol\":6,\"InternalPort\":8080,\"ExternalPort\":30080,\"DistributionType\":0,\"Flags\":18}],\"SchemaVersion\":{\"Major\":2,\"Minor\":0},\"Flags\":1}"
LB_NP=$OUT
expect_rc lb_create_json 0 && { case "$(h lb list; row_with "$LB_NP")" in "$LB_NP "*"*"*"TCP 30080->8080"*DSR*) pass lb_create_json ;; *) fail lb_create_json "NodePort row: $OUT" ;; esac; }
# PortMapping flags by name (an internal-only frontend delivered with its VIP)
h lb create --protocol tcp --port 443:8443 --vip 10.96.0.44 --endpoint pod-a --flags 13
LB_FL=$OUT
expect_rc lb_flags_named 0 && { case "$(h lb list; row_with "$LB_FL")" in "$LB_FL "*"ILB UseMux PreserveDIP"*) pass lb_flags_named ;; *) fail lb_flags_named "flags 13 row: $OUT" ;; esac; }
h lb delete "$LB_FL"
# the same frontend again: the server's 409 Error, exit 1
h lb create --protocol tcp --port 80 --vip 10.96.0.10 --endpoint pod-a
expect_rc lb_duplicate_exits_1 1 && { case $ERR in "hnsctl: FrontendVIPs[0]: The specified port already exists."*) pass lb_duplicate_exits_1 ;; *) fail lb_duplicate_exits_1 "stderr '$ERR'" ;; esac; }
h lb create --protocol tcp --port 81 --vip 10.96.0.11
expect_rc lb_no_backend_exits_1 1 && { case $ERR in *HostComputeEndpoints*) pass lb_no_backend_exits_1 ;; *) fail lb_no_backend_exits_1 "stderr '$ERR'" ;; esac; }
h lb create --protocol tcp --port 80 --vip 10.96.0.12 --endpoint no-such-pod
expect_rc lb_unknown_endpoint_exits_1 1 && pass lb_unknown_endpoint_exits_1
h lb create --protocol tcp --port 99999 --endpoint pod-a
expect_rc lb_bad_port_exits_2 2 && pass lb_bad_port_exits_2
h lb create --protocol banana --port 80 --endpoint pod-a
expect_rc lb_bad_protocol_exits_2 2 && pass lb_bad_protocol_exits_2
h lb create --protocol tcp --port 80 --vip 10.96.0.300 --endpoint pod-a
expect_rc lb_bad_vip_exits_1 1 && { case $ERR in *"FrontendVIPs[0]"*) pass lb_bad_vip_exits_1 ;; *) fail lb_bad_vip_exits_1 "stderr '$ERR'" ;; esac; }
h stats --json
expect_rc lb_in_stats 0 && json_check lb_in_stats "sorted(x['ID'] for x in j['LoadBalancers']) == sorted(['$LB_ID', '$LB_NP'])"
h lb delete "$LB_ID"
expect_rc lb_delete 0 && { [ "$OUT" = "$LB_ID" ] && pass lb_delete || fail lb_delete "want '$LB_ID', got '$OUT'"; }
h lb show "$LB_ID"
expect_rc lb_deleted_exits_1 1 && pass lb_deleted_exits_1
h lb delete "$LB_NP"
h endpoint delete pod-a
h endpoint delete pod-b
h network delete kube
h lb --help
expect_rc lb_help 0 && { case $OUT in *"lb list"*"lb show"*"lb create"*"lb delete"*) pass lb_help ;; *) fail lb_help "want the subcommands: $OUT" ;; esac; }

# ---------------------------------------------------------------- trace

# p1 (net_null) receives a stream of all-zero frames: each is received and
# dropped as an invalid packet, two hops a packet.
h trace start "$W/t.pcapng" "ether src 00:00:00:00:00:00" --snaplen 64 --max-size-mb 1
expect_rc trace_start 0 && { case $OUT in *File*"$W/t.pcapng"*SnapLength*64*) pass trace_start ;; *) fail trace_start "want the trace: $OUT" ;; esac; }
h trace start "$W/t2.pcapng"
expect_rc trace_start_while_running_exits_1 1 && pass trace_start_while_running_exits_1
# the trace has records to show (both hops of some packets) before the
# status and stop: poll its RecordsWritten, not a fixed sleep
for _ in $(seq 100); do
	h trace status
	n=$(printf '%s\n' "$OUT" | awk '$1 == "RecordsWritten" { print $2 }')
	[ "${n:-0}" -ge 64 ] 2>/dev/null && break
	sleep 0.1
done
expect_rc trace_status 0 && { case $OUT in *RecordsWritten*RecordsDropped*) pass trace_status ;; *) fail trace_status "$OUT" ;; esac; }
h trace stop
expect_rc trace_stop 0 && pass trace_stop
h trace stop
expect_rc trace_stop_again_exits_1 1 && pass trace_stop_again_exits_1
# (the file rotated and the ring overflowed: take a packet with both hops)
h trace show "$W/t.pcapng"
PID1=$(printf '%s\n' "$OUT" | awk '/NBL received/ { r[$2] = 1 } /was dropped/ && r[$2] { print $2; exit }')
h trace show "$W/t.pcapng" --packet "${PID1:-1}"
expect_rc trace_show_packet 0 && { case $OUT in "packet $PID1 "*"] in"*"NBL received from Nic "*" in switch vSwitch"*"NBL destined to Nic "*" was dropped in switch vSwitch, Reason Invalid packet"*) pass trace_show_packet ;; *) fail trace_show_packet "want packet $PID1's two hops: ${OUT:0:300}" ;; esac; }
h trace show "$W/absent.pcapng"
expect_rc trace_show_missing_file_exits_2 2 && pass trace_show_missing_file_exits_2
h trace start relative.pcapng "udp port banana"
expect_rc trace_bad_filter_exits_1 1 && { case $ERR in *Filter*) pass trace_bad_filter_exits_1 ;; *) fail trace_bad_filter_exits_1 "stderr '$ERR'" ;; esac; }

# ---------------------------------------------------------------- namespaces

# A namespace is a network namespace; add-endpoint plumbs eth0 there
# (issue 16). The daemon removes what it made when it stops; the trap's
# cleanup removes the network namespace too if it could not (NS_MADE).
h network create --name nsnet --type NAT --subnet 172.29.0.0/24 --gateway 172.29.0.1
NSNET=$OUT
h endpoint create --network nsnet --name nsep --ip 172.29.0.2
NSEP=$OUT
h namespace create
NS_ID=$OUT
NS_MADE=$NS_ID
if expect_rc namespace_create 0; then
	[ -e "/run/netns/$NS_ID" ] && pass namespace_create || fail namespace_create "no /run/netns/$NS_ID for '$OUT'"
fi
h namespace add-endpoint "$NS_ID" nsep
if expect_rc namespace_add_endpoint 0; then
	case $OUT in
	"$NSEP eth0 hv"*) ip netns exec "$NS_ID" ip -o -4 addr show dev eth0 2>/dev/null | grep -q 172.29.0.2/24 &&
		pass namespace_add_endpoint || fail namespace_add_endpoint "no eth0 with 172.29.0.2/24 in the namespace" ;;
	*) fail namespace_add_endpoint "want '$NSEP eth0 hv...': $OUT" ;;
	esac
fi
h namespace list
if expect_rc namespace_list 0; then
	case $(row_with "$NS_ID") in
	*"/run/netns/$NS_ID"*"$NSEP"*) pass namespace_list ;;
	*) fail namespace_list "no row with its netns and endpoint: $OUT" ;;
	esac
fi
h namespace show "$NS_ID" --json
expect_rc namespace_show_json 0 &&
	json_check namespace_show_json 'j["NetNsOwned"] is True and [r["Data"]["Id"] for r in j["Resources"]] == ["'"$NSEP"'"]'
h namespace add-endpoint "$NS_ID" nsep
expect_rc namespace_add_twice_exits_1 1 && { case $ERR in *EndpointId*already*) pass namespace_add_twice_exits_1 ;; *) fail namespace_add_twice_exits_1 "stderr: $ERR" ;; esac; }
h namespace create --netns "/run/netns/hvs-none-$$"
expect_rc namespace_bad_netns_exits_1 1 && { case $ERR in *NetNsPath*) pass namespace_bad_netns_exits_1 ;; *) fail namespace_bad_netns_exits_1 "stderr: $ERR" ;; esac; }
h namespace create --port-kind pigeon
expect_rc namespace_bad_port_kind_exits_1 1 && { case $ERR in *PortKind*) pass namespace_bad_port_kind_exits_1 ;; *) fail namespace_bad_port_kind_exits_1 "stderr: $ERR" ;; esac; }
h namespace add-endpoint "$NS_ID"
expect_rc namespace_add_missing_arg_exits_2 2 && pass namespace_add_missing_arg_exits_2
h namespace remove-endpoint "$NS_ID" nsep
if expect_rc namespace_remove_endpoint 0; then
	ip netns exec "$NS_ID" ip link show eth0 >/dev/null 2>&1 &&
		fail namespace_remove_endpoint "eth0 still in the namespace" || pass namespace_remove_endpoint
fi
h namespace delete "$NS_ID"
if expect_rc namespace_delete 0; then
	[ -e "/run/netns/$NS_ID" ] && fail namespace_delete "/run/netns/$NS_ID still there" || pass namespace_delete
fi
h endpoint attach nsep --host
if expect_rc endpoint_attach_host 0; then
	case $OUT in
	"endpoint $NSEP attached as host interface vEthernet-nsep") ip link show vEthernet-nsep >/dev/null 2>&1 &&
		pass endpoint_attach_host || fail endpoint_attach_host "no vEthernet-nsep on the host" ;;
	*) fail endpoint_attach_host "want 'endpoint $NSEP attached as host interface vEthernet-nsep': $OUT" ;;
	esac
fi
h endpoint detach nsep
ip link show vEthernet-nsep >/dev/null 2>&1 && fail endpoint_detach_host "vEthernet-nsep left" || pass endpoint_detach_host
h endpoint attach nsep --host --port p1
expect_rc endpoint_attach_host_and_port_exits_2 2 && pass endpoint_attach_host_and_port_exits_2
h endpoint delete nsep
h network delete "$NSNET"

# ---------------------------------------------------------------- daemon

if kill -0 "$DPID" 2>/dev/null; then
	kill -TERM "$DPID"
	for _ in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$DPID" 2>/dev/null; then
		fail daemon_sigterm "still running 10 s after SIGTERM"
	else
		wait "$DPID"; rc=$?
		DPID=""
		[ "$rc" -eq 0 ] && pass daemon_sigterm || fail daemon_sigterm "exit code $rc: $(tail -c 400 "$W/vswitchd.log")"
	fi
else
	wait "$DPID"; rc=$?
	DPID=""
	fail daemon_sigterm "vswitchd died during the test (exit $rc): $(tail -c 400 "$W/vswitchd.log")"
fi

finish
