#!/usr/bin/env bash
# Importing the member database through the programs: `peerlanctl config
# import` on the sample exports with no control process, the result loaded by
# `peerlan-control --check` (and `peerlan-dataplane --check` when built); one
# export per kind of error rejected with its record named and nothing
# written; then control running a configuration made of the exports, where a
# changed export re-applied changes only what changed.
# Usage: import_test.sh CONTROL CTL FAKE_DP SAMPLES [DATAPLANE]
# SAMPLES is tests/unit/import. Needs jq to read --json output.
set -euo pipefail
command -v jq >/dev/null || { echo "jq is not installed: skipped"; exit 77; }
[[ -n ${PL_TRACE:-} ]] && set -x

control=$1 ctl=$2 fakedp=$3 samples=$4 dataplane=${5:-}
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

status() { pl --json show status | jq -r "$1"; }

ex=$tmp/exports
mkdir "$ex"
cp "$samples"/ixpmanager-vlans.yaml "$samples"/ixpmanager-layer2interfaces.yaml \
	"$samples"/ixf-member-export.json "$samples"/ixf-map.yaml "$ex/"
# The sample map with this test's sockets and state directory.
sed '/^management:/,/^$/d' "$samples/ixpm-map.yaml" >"$ex/import-map.yaml"
{ echo; management_yaml; } >>"$ex/import-map.yaml"
printf 'import:\n  format: ixp-manager\n  vlans: ixpmanager-vlans.yaml\n  interfaces: %s\n  map: %s\n' \
	ixpmanager-layer2interfaces.yaml import-map.yaml >"$ex/import.yaml"

# imp OUTPUT [L2IFS [MAP]]: config import of the IXP Manager exports, no control running.
imp() {
	"$ctl" -s "$tmp/nowhere.sock" config import ixp-manager vlans "$ex/ixpmanager-vlans.yaml" \
		interfaces "${2:-$ex/ixpmanager-layer2interfaces.yaml}" \
		map "${3:-$ex/import-map.yaml}" output "$1"
}

check_loads() { # check_loads FILE: both loaders accept it
	[[ $("$control" --check "$1") == "configuration OK" ]] || fail "control --check $1"
	if [[ -n $dataplane ]]; then
		"$dataplane" --no-huge -m 512 --no-pci --file-prefix "pl-imp-$$" -- -c "$1" --check \
			>"$tmp/dpcheck.out" 2>&1 || fail "dataplane --check $1: $(cat "$tmp/dpcheck.out")"
		grep -q "configuration OK" "$tmp/dpcheck.out" || fail "dataplane --check $1"
	fi
}

echo "== import the samples, no control process ($SECONDS s)"
imp "$tmp/peerlan.yaml" >"$tmp/out" 2>"$tmp/err" || fail "import: $(cat "$tmp/err")"
grep -qx "wrote $tmp/peerlan.yaml: 2 LANs, 5 ports, 4 members" "$tmp/out" ||
	fail "import output: $(cat "$tmp/out")"
grep -q "interface bond3 (virtualinterfaceid 13): excluded by the import map" "$tmp/out" ||
	fail "notes not shown"
check_loads "$tmp/peerlan.yaml"
"$ctl" config import ixf export "$ex/ixf-member-export.json" map "$ex/ixf-map.yaml" \
	output "$tmp/ixf.yaml" >"$tmp/out" || fail "IX-F import"
grep -q "4 ports, 3 members" "$tmp/out" || fail "IX-F import output: $(cat "$tmp/out")"
check_loads "$tmp/ixf.yaml"
# The configuration made of the exports loads to the same fabric.
[[ $("$control" --check "$ex/import.yaml") == "configuration OK" ]] || fail "import: section"

echo "== an existing file is replaced only when told ($SECONDS s)"
sum=$(md5sum <"$tmp/ixf.yaml")
if imp "$tmp/ixf.yaml" >/dev/null 2>"$tmp/err"; then fail "overwrote without overwrite"; fi
grep -q "File exists; add \`overwrite\` to replace it" "$tmp/err" || fail "exists: $(cat "$tmp/err")"
[[ $(md5sum <"$tmp/ixf.yaml") == "$sum" ]] || fail "refused import changed the file"
"$ctl" config import ixp-manager vlans "$ex/ixpmanager-vlans.yaml" \
	interfaces "$ex/ixpmanager-layer2interfaces.yaml" map "$ex/import-map.yaml" \
	output "$tmp/ixf.yaml" overwrite >/dev/null || fail "overwrite"
cmp -s "$tmp/ixf.yaml" "$tmp/peerlan.yaml" || fail "overwrite did not write the import"
[[ -z $(find "$tmp" -name '*.tmp') ]] || fail "temporary files left behind"

echo "== one export per kind of error ($SECONDS s)"
# reject NAME SED-SCRIPT RECORD MESSAGE [MAP-SED-SCRIPT]: the sample export
# (and map) changed by the sed scripts is rejected, naming the record.
reject() {
	local l2=$tmp/$1.yaml map=$ex/import-map.yaml
	sed "$2" "$ex/ixpmanager-layer2interfaces.yaml" >"$l2"
	cmp -s "$l2" "$ex/ixpmanager-layer2interfaces.yaml" && [[ -z ${5:-} ]] &&
		fail "$1: the sed script changed nothing"
	if [[ -n ${5:-} ]]; then
		map=$tmp/$1-map.yaml
		sed "$5" "$ex/import-map.yaml" >"$map"
	fi
	if imp "$tmp/$1-out.yaml" "$l2" "$map" >/dev/null 2>"$tmp/err"; then
		fail "$1: imported"
	fi
	[[ ! -e $tmp/$1-out.yaml ]] || fail "$1: a rejected import wrote its output"
	grep -q "nothing written" "$tmp/err" || fail "$1: $(cat "$tmp/err")"
	grep -F "$3" "$tmp/err" | grep -qF "$4" || fail "$1: no '$3' with '$4' in: $(cat "$tmp/err")"
}
reject bad-mac 's/02:00:5e:10:00:01/02:00:5e:10:00:0g/' \
	"bad-mac.yaml:10:7: interface port1 (virtualinterfaceid 11) VLAN 100" \
	"malformed MAC address '02:00:5e:10:00:0g'"
reject multicast-mac 's/02:00:5e:10:00:01/03:00:5e:10:00:01/' \
	"interface port1 (virtualinterfaceid 11) VLAN 100" "must be unicast"
reject duplicate-mac 's/02:00:5e:10:00:22/02:00:5e:10:00:01/' \
	"interface port2 (virtualinterfaceid 12) VLAN 100" \
	"MAC 02:00:5e:10:00:01 is already given to AS64501 by interface port1 (virtualinterfaceid 11)"
reject duplicate-address 's/ipv4: 192.0.2.12$/ipv4: 192.0.2.11/' \
	"interface port2 (virtualinterfaceid 12) VLAN 100" \
	"address 192.0.2.11 is already given to AS64501 by interface port1"
reject outside-prefix 's/2001:db8:100::11/2001:db8:999::11/' \
	"interface port1 (virtualinterfaceid 11) VLAN 100" \
	"address 2001:db8:999::11 is outside LAN 'peering'"
reject unmapped-interface 's/name: port2$/name: port12/' \
	"interface port12 (virtualinterfaceid 12)" "not in the import map's ports"
# A LAG whose links the map does not give devices: each link named.
reject lag '' "interface bond3 (virtualinterfaceid 13)" \
	"link port3 of LAG bond3 is not in the import map's ports" \
	'/^exclude:/d'
# IX-F records are named by member and connection.
sed 's/"192.0.2.11"/"198.51.100.11"/' "$ex/ixf-member-export.json" >"$tmp/ixf-bad.json"
if "$ctl" config import ixf export "$tmp/ixf-bad.json" map "$ex/ixf-map.yaml" \
	output "$tmp/ixf-bad.yaml" 2>"$tmp/err"; then fail "IX-F error imported"; fi
grep -q "AS64501 connection 1 vlan_id 1: address 198.51.100.11 is outside LAN 'peering'" \
	"$tmp/err" || fail "IX-F error: $(cat "$tmp/err")"

echo "== control runs the configuration made of the exports ($SECONDS s)"
# The importer leaves out mapped ports no member uses, so the member added
# below brings its port (port7) with it: a real dataplane refuses that until
# it restarts (ports are fixed at start); this fake takes it.
FAKE_DP_PORTS_CHANGE=1 "$fakedp" "$tmp/dp.sock" "$tmp/peerlan.yaml" &
dp_pid=$!
"$control" -c "$ex/import.yaml" 2>>"$tmp/ctl.log" &
ctl_pid=$!
wait_synced
[[ $(status '.dataplane.generation') == 1 ]] || fail "start pushed a configuration"
pl --json show mac-table | jq -S '[.macs[] | {mac, port, asn, lan}]' >"$tmp/macs-before" ||
	fail "show mac-table"
# Run from the exports' directory: relative paths reach control as absolute ones.
cd "$ex"
pl config diff import.yaml | grep -qx "no changes" || fail "unchanged exports differ"

echo "== one member added to the export ($SECONDS s)"
# The changed sample without its router swap: only port7's new member.
sed 's/02:00:5e:10:00:11/02:00:5e:10:00:01/' "$samples/ixpmanager-layer2interfaces-changed.yaml" \
	>ixpmanager-layer2interfaces.yaml
pl --json config apply import.yaml >"$tmp/apply.json" || fail "apply: $(cat "$tmp/apply.json")"
[[ $(jq -r .generation "$tmp/apply.json") == 2 ]] || fail "apply: not generation 2"
# Every added or removed line of the canonical diff is port7 or its member.
jq -r '.diff[] | select(test("^[-+][^-+]"))' "$tmp/apply.json" >"$tmp/changed"
grep -q '^-' "$tmp/changed" && fail "adding a member removed lines: $(cat "$tmp/changed")"
grep -q 'name: "port7"' "$tmp/changed" || fail "port7 not added: $(cat "$tmp/changed")"
grep -q 'asn: 64506' "$tmp/changed" || fail "AS64506 not added"
for other in 64501 64502 64505 '02:00:5e:10:00:0[1-5]' '192.0.2.1[1-5]'; do
	grep -q "$other" "$tmp/changed" && fail "apply changed $other: $(cat "$tmp/changed")"
done
pl --json show mac-table | jq -S '[.macs[] | {mac, port, asn, lan}]' >"$tmp/macs-after"
jq -n -S -c --slurpfile a "$tmp/macs-before" --slurpfile b "$tmp/macs-after" \
	'{added: ($b[0] - $a[0]), removed: ($a[0] - $b[0])}' >"$tmp/macdiff"
[[ $(cat "$tmp/macdiff") == '{"added":[{"asn":64506,"lan":"peering","mac":"02:00:5e:10:00:07","port":"port7"}],"removed":[]}' ]] ||
	fail "MAC table changed beyond the new member: $(cat "$tmp/macdiff")"

echo "== a router swap: one MAC replaced ($SECONDS s)"
cp "$samples/ixpmanager-layer2interfaces-changed.yaml" ixpmanager-layer2interfaces.yaml
pl --json config apply import.yaml >"$tmp/apply.json" || fail "apply swap"
jq -r '.diff[] | select(test("^[-+][^-+]"))' "$tmp/apply.json" >"$tmp/changed"
[[ $(cat "$tmp/changed") == $'-            macs: [02:00:5e:10:00:01]\n+            macs: [02:00:5e:10:00:11]' ]] ||
	fail "router swap diff: $(cat "$tmp/changed")"
[[ $(status '.dataplane.generation') == 3 ]] || fail "router swap: not generation 3"

echo "== a bad export re-fetched changes nothing ($SECONDS s)"
sed -i 's/02:00:5e:10:00:07/02:00:5e:10:00:02/' ixpmanager-layer2interfaces.yaml
if pl config apply import.yaml >/dev/null 2>"$tmp/err"; then fail "bad export applied"; fi
grep -q "interface port7 (virtualinterfaceid 16) VLAN 100: MAC 02:00:5e:10:00:02 is already given to AS64502" \
	"$tmp/err" || fail "bad export: $(cat "$tmp/err")"
[[ $(status '.dataplane.generation') == 3 ]] || fail "a rejected apply changed the generation"
pl show members | grep -q AS64506 || fail "the rejected apply lost a member"
echo "all import tests passed"
