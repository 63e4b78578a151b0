#!/bin/bash
# The layer rules (README "Layout"): tools/check-layers.sh passes on the
# tree, and fails on planted violations in a copy of it (a forbidden
# include, a forbidden system header, a cycle between folders). Prints
# "PASS name" / "FAIL name: why" and "layers: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHECK=$ROOT/tools/check-layers.sh
passed=0
failed=0
TMP=$(mktemp -d /tmp/hvs-layers.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

result() { # result NAME OK WHY
	if [ "$2" = 1 ]; then
		echo "PASS $1"; passed=$((passed + 1))
	else
		echo "FAIL $1: $3"; failed=$((failed + 1))
	fi
}

# A fresh copy of the source folders (no build dirs, no git).
copy_tree() {
	rm -rf "$TMP/tree"
	mkdir -p "$TMP/tree"
	(cd "$ROOT" && tar cf - netlib vswitch vfp winnat lb vxlan pcap hns-api) | (cd "$TMP/tree" && tar xf -)
}

out=$("$CHECK" "$ROOT" 2>&1); rc=$?
result test_the_tree_follows_the_layer_rules "$([ $rc = 0 ] && echo 1)" "$(echo "$out" | head -5 | tr '\n' ' ')"

copy_tree
echo '#include "hns.h"' >>"$TMP/tree/vswitch/dataplane/parse.h"
out=$("$CHECK" "$TMP/tree" 2>&1); rc=$?
result test_a_dataplane_include_of_the_hns_model_fails \
	"$([ $rc = 1 ] && grep -q 'parse.h: includes hns.h from hns-api/hns' <<<"$out" && echo 1)" "exit $rc: $out"

copy_tree
echo '#include <jansson.h>' >>"$TMP/tree/winnat/winnat_internal.h"
out=$("$CHECK" "$TMP/tree" 2>&1); rc=$?
result test_jansson_in_an_engine_fails \
	"$([ $rc = 1 ] && grep -q 'winnat_internal.h: includes <jansson.h>' <<<"$out" && echo 1)" "exit $rc: $out"

copy_tree
echo '#include "lb.h"' >>"$TMP/tree/netlib/csum.h"
out=$("$CHECK" "$TMP/tree" 2>&1); rc=$?
result test_the_shared_headers_including_an_engine_fails \
	"$([ $rc = 1 ] && grep -q 'csum.h: includes lb.h from lb' <<<"$out" && echo 1)" "exit $rc: $out"

copy_tree
echo '#include "port_hotplug.h"' >>"$TMP/tree/vswitch/dataplane/forward.h"
out=$("$CHECK" "$TMP/tree" 2>&1); rc=$?
result test_an_upward_include_makes_a_cycle_and_fails \
	"$([ $rc = 1 ] && grep -q 'forward.h: includes port_hotplug.h from vswitch/control' <<<"$out" && grep -q 'include cycle' <<<"$out" && echo 1)" "exit $rc: $out"

copy_tree
echo '#include "worker.h"' >>"$TMP/tree/hns-api/switch/ports.c"
out=$("$CHECK" "$TMP/tree" 2>&1); rc=$?
result test_the_northbound_reading_worker_internals_fails \
	"$([ $rc = 1 ] && grep -q 'ports.c: includes worker.h from vswitch/dataplane' <<<"$out" && echo 1)" "exit $rc: $out"

echo "layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
