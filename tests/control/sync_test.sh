#!/usr/bin/env bash
# Following IXP Manager: a loopback HTTPS server (Python's http.server, a
# CA and certificates made here with openssl) serves a changing provisioner
# export to a running peerlan-control (with the fake dataplane). A member
# added appears, one removed goes; a truncated document, HTTP 500, a slow
# server (the CLI answers meanwhile), a document failing the checks, a mass
# removal and an untrusted certificate each change nothing and are reported
# in `show sync`, events and metrics; `config sync accept` lets the
# held-back removal through; the configured interval syncs on its own.
# Usage: sync_test.sh CONTROL CTL FAKE_DP. Needs jq, openssl, python3, curl.
set -euo pipefail
[[ -n ${PL_TRACE:-} ]] && set -x

control=$1 ctl=$2 fakedp=$3
# shellcheck source=sync_lib.sh
source "$(dirname "$0")/sync_lib.sh"

for n in 1 2 3 4 5; do
	printf '  - name: port%s\n    device: net_null%s\n' "$n" "$n"
done | sync_map

# The start configuration: the map's fabric and LAN, no ports yet, and the sync.
sync_yaml() { # sync_yaml INTERVAL
	fabric_lans
	printf 'ports: []\nmembers: []\n'
	sync_management "$1" 30
}
sync_yaml 0 >"$tmp/peerlan.yaml"
[[ $("$control" --check "$tmp/peerlan.yaml") == "configuration OK" ]] ||
	fail "start configuration: $("$control" --check "$tmp/peerlan.yaml" 2>&1)"

FAKE_DP_PORTS_CHANGE=1 "$fakedp" "$tmp/dp.sock" "$tmp/peerlan.yaml" 2>>"$tmp/dp.log" &
dp_pid=$!
start_control
wait_synced

echo "== first sync: four members appear ($SECONDS s)"
export_members 1 2 3 4
sync_now
[[ $(sync_json .result) == applied ]] || fail "first sync: $(pl show sync)"
[[ $(macs) == "64501 port1 02:00:5e:10:00:01,64502 port2 02:00:5e:10:00:02,64503 port3 02:00:5e:10:00:03,64504 port4 02:00:5e:10:00:04" ]] ||
	fail "first sync MACs: $(macs)"
wait_synced
gen=$(status '.dataplane.generation')
[[ $gen -ge 2 ]] || fail "the dataplane did not get the synced configuration"
grep -q "^/layer2interfaces.yaml$" "$web/requests" || fail "no request for layer2interfaces"
[[ $(events_of sync) == 1 ]] || fail "no sync event: $(pl show events)"
pl --json show events | jq -r '.events[] | select(.type == "sync") | .text' |
	grep -q "members +4 -0, ports +4 -0" || fail "sync event text: $(pl show events)"
last_ok=$(metric peerlan_sync_last_success_timestamp_seconds)
[[ -n $last_ok && $last_ok -gt 0 ]] || fail "peerlan_sync_last_success_timestamp_seconds: $last_ok"
[[ -s $tmp/state/committed.yaml ]] && grep -q 'name: "port4"' "$tmp/state/committed.yaml" ||
	fail "the synced configuration was not committed"

echo "== the same document again: unchanged ($SECONDS s)"
sync_now
[[ $(sync_json .result) == unchanged ]] || fail "resync: $(pl show sync)"
[[ $(status '.dataplane.generation') == "$gen" ]] || fail "an unchanged sync pushed"

echo "== a member added, one removed ($SECONDS s)"
export_members 1 3 4 5
sync_now
[[ $(sync_json .result) == applied ]] || fail "add/remove: $(pl show sync)"
[[ $(macs) == "64501 port1 02:00:5e:10:00:01,64503 port3 02:00:5e:10:00:03,64504 port4 02:00:5e:10:00:04,64505 port5 02:00:5e:10:00:05" ]] ||
	fail "after add/remove: $(macs)"
pl show ports | grep -q port2 && fail "port2 still configured"
pl --json show sync | jq -r '.last_diff[]' | grep -q '^+.*02:00:5e:10:00:05' ||
	fail "last diff lacks the new MAC"
wait_synced
gen=$(status '.dataplane.generation')
good=$(config_sum)

echo "== a truncated document ($SECONDS s)"
export_members 1 3 4 5
head -n 20 "$web/layer2interfaces.yaml" >"$web/cut" && mv "$web/cut" "$web/layer2interfaces.yaml"
sync_now
refused incomplete "a truncated document"

echo "== a document that fails the checks ($SECONDS s)"
export_members 1 3 4 5
sed -i 's/02:00:5e:10:00:05/02:00:5e:10:00:01/' "$web/layer2interfaces.yaml"
sync_now
refused check "a duplicate MAC"
pl --json show sync | jq -r '.errors[] | "\(.file):\(.line): \(.message)"' |
	grep -q "sync-layer2interfaces.yaml:[0-9]*: interface port5 .*MAC 02:00:5e:10:00:01 is already given to AS64501" ||
	fail "check errors: $(pl show sync)"

echo "== HTTP 500 ($SECONDS s)"
export_members 1 3 4 5
echo 500 >"$web/mode"
sync_now
refused http "HTTP 500"
sync_json .why | grep -q "HTTP status 500" || fail "500 not named: $(sync_json .why)"

echo "== a slow server: the CLI answers meanwhile ($SECONDS s)"
echo slow >"$web/mode"
before=$(sync_json .attempts)
pl config sync now >/dev/null || fail "sync now (slow)"
fetching() { [[ $(sync_json .state) == fetching ]]; }
wait_for 10 "the slow fetch did not start" fetching
for _ in 1 2 3; do
	t0=$(date +%s%N)
	pl show ports >/dev/null || fail "the CLI did not answer during a slow fetch"
	t1=$(date +%s%N)
	(((t1 - t0) / 1000000 < 2000)) || fail "the CLI took $(((t1 - t0) / 1000000)) ms during a fetch"
	[[ $(sync_json .state) == fetching ]] || break
done
if pl config sync now 2>"$tmp/err"; then fail "a second sync started during one"; fi
grep -q "under way" "$tmp/err" || fail "busy: $(cat "$tmp/err")"
wait_for 30 "the slow sync did not end" test_sync_done "$((before + 1))"
refused timeout "a slow server"
echo ok >"$web/mode"

echo "== an untrusted certificate ($SECONDS s)"
echo untrusted >"$web/mode"
sync_now
refused tls "an untrusted certificate"
echo ok >"$web/mode"

echo "== a mass removal waits for config sync accept ($SECONDS s)"
export_members 1
sync_now
refused guard "a mass removal"
sync_json .pending | grep -q "would remove 3 of 4 members" || fail "pending: $(sync_json .pending)"
pl --json config sync accept >"$tmp/accept.json" || fail "accept: $(cat "$tmp/accept.json")"
[[ $(macs) == "64501 port1 02:00:5e:10:00:01" ]] || fail "after accept: $(macs)"
[[ $(sync_json .result) == applied ]] || fail "accept result: $(pl show sync)"
if pl config sync accept 2>"$tmp/err"; then fail "accepted twice"; fi
grep -q "no sync is waiting" "$tmp/err" || fail "second accept: $(cat "$tmp/err")"

echo "== a human change keeps the sync settings ($SECONDS s)"
pl show config >"$tmp/running.yaml"
awk '/^  sync:/ {skip = 1; next} skip && /^    / {next} {skip = 0; print}' \
	"$tmp/running.yaml" >"$tmp/nosync.yaml"
grep -q "^  sync:" "$tmp/nosync.yaml" && fail "the sync section was not removed"
if pl config apply "$tmp/nosync.yaml" 2>"$tmp/err"; then fail "a file without sync applied"; fi
grep -q "management.sync cannot change while peerlan runs" "$tmp/err" ||
	fail "no sync: $(cat "$tmp/err")"

echo "== the interval syncs on its own ($SECONDS s)"
stop_pid "$ctl_pid"
wait "$ctl_pid" 2>/dev/null || true
rm -f "$tmp/state/committed.yaml"
sync_yaml 1 >"$tmp/peerlan.yaml"
export_members 1 2
start_control
wait_synced
synced_thrice() { (($(sync_json .attempts 2>/dev/null || echo 0) >= 3)); }
wait_for 30 "the interval did not sync" synced_thrice
[[ $(macs) == "64501 port1 02:00:5e:10:00:01,64502 port2 02:00:5e:10:00:02" ]] ||
	fail "interval sync: $(macs)"
echo "all sync tests passed"
