#!/bin/bash
# iperf3 TCP through the switch over two net_af_packet ports (L2), then the
# kernel's and the switch's counters: how many frames the af_packet RX
# ring lost (README, Ports, "net_af_packet: ring sizes and loss").
#
# usage: tools/afpacket-loss.sh [VSWITCHD [DEVARGS_EXTRA [SECONDS]]]
#   e.g. tools/afpacket-loss.sh build/vswitchd ",framecnt=512" 5
# Root. Namespaces, veths and the daemon are removed on exit.
set -u
VSWITCHD=${1:-build/vswitchd} EXTRA=${2:-} SECS=${3:-5}
case $VSWITCHD in /*) ;; *) VSWITCHD=$PWD/$VSWITCHD ;; esac
PY=/usr/bin/python3
. "$(dirname "${BASH_SOURCE[0]}")/../tests/e2e/lib.sh"
e2e_init loss-repro loss
ID=$$ NA=hvl$ID-a NB=hvl$ID-b HA=hvl${ID}ah HB=hvl${ID}bh
EAL_PREFIX=hvl$ID
SOCK=$W/api.sock; API_ARGS=(--api "unix:$SOCK")
prereq && command -v curl >/dev/null || { echo "needs root, iproute2, iperf3, curl"; exit 1; }
ns_link $NA $HA hvl${ID}an 10.77.0.1/24
ns_link $NB $HB hvl${ID}bn 10.77.0.2/24
cat >$W/c.json <<J
{"Switch": {"Name": "s"}, "Ports": [
 {"Name": "a", "Devargs": "net_af_packet0,iface=$HA$EXTRA"},
 {"Name": "b", "Devargs": "net_af_packet1,iface=$HB$EXTRA"}]}
J
start_daemon l2 $W/c.json || { echo "$WHY"; exit 1; }
wait_ping $NA 10.77.0.2 20 || { echo noping; exit 1; }
nsx $NB iperf3 -s -1 >/dev/null 2>&1 &
wait_listening $NB tcp 5201
nsx $NA iperf3 -c 10.77.0.2 -t $SECS -J > $W/ip.json
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["end"]; print("Mbit/s", int(e["sum_received"]["bits_per_second"]/1e6), "retransmits", e["sum_sent"].get("retransmits"))' $W/ip.json
for d in $HA $HB; do echo "$d rx=$(kcount $d rx_packets) tx=$(kcount $d tx_packets) rxdrop=$(kcount $d rx_dropped) txdrop=$(kcount $d tx_dropped)"; done
curl -s --unix-socket $SOCK http://localhost/stats | $PY -c 'import json,sys; d=json.load(sys.stdin); [print(p["Name"], p["RxPackets"], p["TxPackets"], {k:v for k,v in p["Drops"].items() if v}, p.get("Device")) for p in d["Ports"]]'
