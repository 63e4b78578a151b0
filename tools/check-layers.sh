#!/bin/bash
# Checks the include rules of the layers (README "Layout"): every
# #include "x.h" in a folder's sources must resolve to a header in a folder
# that folder may use, and no two folders may include each other (directly
# or through a cycle). Prints one line per violation, then
# "check-layers: N violations"; exit 1 if any.
#
#   tools/check-layers.sh [ROOT]     (ROOT defaults to the repository)
set -u
ROOT=${1:-"$(cd "$(dirname "$0")/.." && pwd)"}
cd "$ROOT" || exit 2

# folder -> the folders it may include from (itself always allowed)
declare -A ALLOW=(
  [netlib]=""
  [vfp]=""
  [winnat]="netlib"
  [lb]="netlib"
  [vxlan]="netlib"
  [pcap]=""
  [vswitch/dataplane]="netlib vfp winnat lb vxlan pcap"
  [vswitch/control]="vswitch/dataplane vfp winnat lb vxlan pcap"
  [hns-api/schema]="vswitch/control vswitch/dataplane vfp winnat lb pcap"
  [hns-api/store]=""
  [hns-api/hns]="hns-api/schema hns-api/store"
  [hns-api/server]="hns-api/schema hns-api/hns hns-api/store hns-api/switch hns-api/program"
  [hns-api/switch]="hns-api/schema hns-api/store vswitch/control vfp winnat lb pcap"
  [hns-api/program]="hns-api/schema hns-api/hns hns-api/store hns-api/switch vswitch/control vfp winnat lb pcap"
  [hns-api/hnsctl]="hns-api/schema pcap"
  [hns-api/cni]="hns-api/hnsctl"   # hvswitch-cni: hnsctl's HTTP client only
  [vswitch/daemon]="hns-api/server hns-api/schema hns-api/hns hns-api/store hns-api/switch hns-api/program vswitch/control vswitch/dataplane vfp winnat lb pcap"
)
# system headers a folder must not include at all
declare -A FORBID_SYS=(
  [netlib]="jansson.h sqlite3.h microhttpd.h"
  [vfp]="jansson.h sqlite3.h microhttpd.h"
  [winnat]="jansson.h sqlite3.h microhttpd.h"
  [lb]="jansson.h sqlite3.h microhttpd.h"
  [vxlan]="jansson.h sqlite3.h microhttpd.h"
  [pcap]="jansson.h sqlite3.h microhttpd.h"
  [vswitch/dataplane]="jansson.h sqlite3.h microhttpd.h"
  [vswitch/control]="jansson.h sqlite3.h microhttpd.h"
  [hns-api/hns]="rte_"
  [hns-api/store]="rte_ jansson.h microhttpd.h"
)

# header name -> folder (each header name is unique in the tree)
declare -A HOME_OF=()
dup=0
for f in $(find netlib vswitch vfp winnat lb vxlan pcap hns-api -name '*.h' 2>/dev/null); do
  d=$(dirname "$f"); d=${d#./}
  [ -n "${ALLOW[$d]+x}" ] || continue
  b=$(basename "$f")
  if [ -n "${HOME_OF[$b]+x}" ] && [ "${HOME_OF[$b]}" != "$d" ]; then
    echo "duplicate header name $b in ${HOME_OF[$b]} and $d"; dup=$((dup + 1))
  fi
  HOME_OF[$b]=$d
done

violations=$dup
declare -A EDGE=()
for d in "${!ALLOW[@]}"; do
  for f in "$d"/*.c "$d"/*.h; do
    [ -f "$f" ] || continue
    while IFS= read -r line; do
      hdr=$(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]+"([^"]+)".*/\1/p' <<<"$line")
      if [ -n "$hdr" ]; then
        to=${HOME_OF[$(basename "$hdr")]:-}
        [ -n "$to" ] || continue   # not one of ours (a generated or system header)
        [ "$to" = "$d" ] && continue
        EDGE["$d $to"]=1
        case " ${ALLOW[$d]} " in
          *" $to "*) ;;
          *) echo "$f: includes $hdr from $to ($d may not)"; violations=$((violations + 1)) ;;
        esac
        continue
      fi
      sys=$(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]+<([^>]+)>.*/\1/p' <<<"$line")
      [ -n "$sys" ] || continue
      for bad in ${FORBID_SYS[$d]:-}; do
        case "$sys" in
          "$bad"*) echo "$f: includes <$sys> ($d may not)"; violations=$((violations + 1)) ;;
        esac
      done
    done < <(grep -E '^[[:space:]]*#[[:space:]]*include' "$f")
  done
done

# folder-level cycles: depth-first search over the include edges
declare -A STATE=()
cycle_from() { # cycle_from NODE PATH
  local n=$1 path=$2 e to
  STATE[$n]=1
  for e in "${!EDGE[@]}"; do
    [ "${e%% *}" = "$n" ] || continue
    to=${e#* }
    if [ "${STATE[$to]:-0}" = 1 ]; then
      echo "include cycle: $path -> $to"; violations=$((violations + 1))
    elif [ "${STATE[$to]:-0}" = 0 ]; then
      cycle_from "$to" "$path -> $to"
    fi
  done
  STATE[$n]=2
}
for d in "${!ALLOW[@]}"; do
  [ "${STATE[$d]:-0}" = 0 ] && cycle_from "$d" "$d"
done

echo "check-layers: $violations violations"
[ "$violations" -eq 0 ]
