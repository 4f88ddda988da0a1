#!/usr/bin/env bash
# peerlan-control and peerlanctl as programs, against the fake dataplane:
# check, apply, a bad file, shutdown, clear counters, the read-only socket,
# apply with confirm timing out, and kill -9 of control with a restart that
# resyncs without pushing anything. Usage: cli_test.sh CONTROL CTL FAKE_DP
# Needs jq to read --json output.
set -euo pipefail
command -v jq >/dev/null || { echo "jq is not installed: skipped"; exit 77; }
[[ -n ${PL_TRACE:-} ]] && set -x

control=$1 ctl=$2 fakedp=$3
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

config() { # config EXTRA_MEMBERS
	cat <<YAML
fabric: {name: test-ix}
$(management_yaml)
lans:
  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24, ipv6: "2001:db8:100::/64"}
ports:
  - {name: p1, device: net_null0, lans: [peering]}
  - {name: p2, device: net_null1, lans: [peering]}
  - {name: p3, device: net_null2, lans: [peering]}
members:
  - asn: 64501
    name: "Evil \"quoted\" \u202egnp.exe"
    connections:
      - port: p1
        lans:
          - {lan: peering, macs: [02:00:00:00:00:01], ipv4: [192.0.2.1], ipv6: ["2001:db8:100::1"]}
$1
YAML
}

member() { # member ASN PORT N
	cat <<YAML
  - asn: $1
    name: Member $1
    connections:
      - port: $2
        lans:
          - {lan: peering, macs: ["02:00:00:00:00:0$3"], ipv4: [192.0.2.$3]}
YAML
}


wait_connected() {
	for _ in $(seq 100); do
		if pl --json show status 2>/dev/null | grep -q '"connected": true'; then
			return 0
		fi
		sleep 0.1
	done
	fail "control did not connect to the dataplane"
}

json_get() { # json_get FILTER: reads JSON on stdin, prints what the jq filter selects
	jq -r "$1"
}

config "" >"$tmp/peerlan.yaml"
config "$(member 64502 p2 2)" >"$tmp/new.yaml"
config "$(member 64503 p3 3)" >"$tmp/confirm.yaml"
printf 'fabric: {name: x}\nports:\n  - {name: p1, mtu: 99999}\nwhat: 1\n' >"$tmp/bad.yaml"

echo "== --check ($SECONDS s)"
[[ $("$control" --check "$tmp/peerlan.yaml") == "configuration OK" ]] || fail "--check good"
if "$control" --check "$tmp/bad.yaml" 2>"$tmp/err"; then fail "--check bad exited 0"; fi
grep -q "bad.yaml:3:" "$tmp/err" || fail "--check: no file:line:col error"
[[ $(wc -l <"$tmp/err") -ge 2 ]] || fail "--check: not every error listed"

echo "== start ($SECONDS s)"
"$fakedp" "$tmp/dp.sock" "$tmp/peerlan.yaml" &
dp_pid=$!
"$control" -c "$tmp/peerlan.yaml" 2>"$tmp/control.log" &
ctl_pid=$!
wait_connected
[[ $(stat -c %a "$tmp/cli.sock") == 600 ]] || fail "cli socket mode (no group) is not 0600"
[[ $(stat -c %a "$tmp/cli-ro.sock") == 666 ]] || fail "read-only socket mode is not 0666"

echo "== show ($SECONDS s)"
pl show ports | grep -q '^p1 ' || fail "show ports has no p1"
pl --json show ports | json_get '.ports | length' | grep -qx 3 || fail "show ports --json"
out=$(pl show member 64501)
grep -qF '\u{202e}gnp.exe' <<<"$out" || fail "member name not escaped: $out"
if grep -q $'\u202e' <<<"$out"; then fail "raw direction override reached the terminal"; fi
pl --json show member AS64501 | grep -qi '\\u202e' || fail "--json did not escape"
for c in "show members" "show mac-table" "show mac-table peering" "show neighbors" \
	"show neighbors ipv4" "show drops" "show status" "show config" "show port p1" \
	"show port-security" "show port-security p1" "show events" "show quarantine p1"; do
	# shellcheck disable=SC2086
	pl $c >/dev/null || fail "$c"
	# shellcheck disable=SC2086
	pl --json $c | json_get 'type' | grep -qx object || fail "--json $c"
done

pl show port-security | grep -q '^p1 .* enabled ' || fail "show port-security: p1 not enabled"
pl show events | grep -qx "no events" || fail "show events on a quiet fabric"
pl show quarantine p1 | grep -q "quarantine report FAIL" || fail "p1 passes a quarantine report"
if pl port p1 promote 2>"$tmp/err"; then fail "promoted a port not in quarantine"; fi
grep -q "in quarantine: the port carries no quarantine LAN" "$tmp/err" ||
	fail "promote refusal: $(cat "$tmp/err")"

echo "== errors ($SECONDS s)"
if pl sh po 2>"$tmp/err"; then fail "ambiguous command exited 0"; fi
grep -q "ambiguous argument: po" "$tmp/err" || fail "no ambiguous error"
[[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "error is not one line"
if pl show port nosuch 2>"$tmp/err"; then fail "unknown port exited 0"; fi
grep -q "no such port: nosuch" "$tmp/err" || fail "unknown port message"
# Configuration errors in JSON: each {file, line, col, message}, always of those types.
{ pl --json config check "$tmp/bad.yaml" || true; } | jq -e '.errors | length >= 2 and
	all(.[]; (.file | test("bad.yaml$")) and (.line | type == "number") and
	(.col | type == "number") and (.message | type == "string"))' >/dev/null ||
	fail "config errors in JSON are not {file, line, col, message}"

echo "== apply ($SECONDS s)"
pl config diff "$tmp/new.yaml" >"$tmp/diff"
grep -q '^+  - asn: 64502' "$tmp/diff" || fail "config diff"
# A unified diff's headers, and the section each hunk is in.
[[ $(sed -n 1p "$tmp/diff") == "--- running (generation 1)" ]] || fail "diff: no --- header"
[[ $(sed -n 2p "$tmp/diff") == "+++ $tmp/new.yaml" ]] || fail "diff: no +++ header"
grep -Eq '^@@ -[0-9]+,[0-9]+ \+[0-9]+,[0-9]+ @@ (members:|  - asn: 64501)' "$tmp/diff" ||
	fail "diff: no section after @@: $(grep '^@@' "$tmp/diff")"
pl config apply "$tmp/new.yaml" comment "add AS64502" | grep -q "committed as generation 2" ||
	fail "apply"
pl show members | grep -q "AS64502" || fail "member not added"
if pl config apply "$tmp/bad.yaml" 2>"$tmp/err"; then fail "bad apply exited 0"; fi
grep -q "nothing changed" "$tmp/err" || fail "bad apply message"
grep -q "bad.yaml:3:" "$tmp/err" || fail "bad apply: no error list"
pl --json show status | json_get '.dataplane.generation' | grep -qx 2 ||
	fail "bad apply changed the generation"

echo "== shutdown, clear counters ($SECONDS s)"
pl port p2 shutdown >/dev/null
pl show port p2 | grep -q "admin down" || fail "p2 not down"
kill -USR1 "$dp_pid"
sleep 0.3
pl --json show port p1 | json_get '.counters.rx_packets' | grep -qx 1000 ||
	fail "rx_packets is not 1000"
pl clear counters p1 | grep -q "1 port" || fail "clear counters"
pl --json show port p1 | json_get '.counters_since_clear.rx_packets' | grep -qx 0 ||
	fail "display baseline not applied"
# JSON counters stay absolute, like the metrics: a clear never makes them go back.
pl --json show port p1 | json_get '.counters.rx_packets' | grep -qx 1000 ||
	fail "absolute counter went back after clear"
pl show port p1 | grep -q "counters since .clear counters." || fail "text header after clear"
kill -USR1 "$dp_pid"
sleep 0.3
pl --json show port p1 | json_get '.counters_since_clear.rx_packets' | grep -qx 1000 ||
	fail "counting after clear"
pl --json show port p1 | json_get '.counters.rx_packets' | grep -qx 2000 ||
	fail "absolute counter after clear"

echo "== filters, --json errors, batch, environment ($SECONDS s)"
[[ $(pl show ports '|' include '^p[12] ' '|' count) == 2 ]] || fail "| include | count"
pl show ports '|' exclude p1 | grep -q "^p1 " && fail "| exclude kept p1"
pl show ports '|' json | jq -e '.ports | length == 3' >/dev/null || fail "| json"
pl --json bogus >"$tmp/out" 2>"$tmp/err" && fail "--json bogus exited 0"
jq -e '.error | test("unknown argument: bogus")' "$tmp/out" >/dev/null ||
	fail "--json bogus: no JSON error on stdout"
[[ ! -s $tmp/err ]] || fail "--json bogus wrote to stderr"
{ pl --json show port nosuch || true; } | jq -e '.error' >/dev/null || fail "--json: control's error not JSON"
PEERLANCTL_SOCKET=$tmp/cli.sock "$ctl" show status >/dev/null || fail "PEERLANCTL_SOCKET"
"$ctl" --version | grep -q "^peerlanctl [0-9]" || fail "--version"
printf 'show status\n# a comment\n\nshow bogus\nport p1 shutdown\n' >"$tmp/batch"
pl <"$tmp/batch" >/dev/null 2>"$tmp/err" && fail "batch with a bad line exited 0"
grep -q "stdin:4 failed" "$tmp/err" || fail "batch: the failing line not named"
pl show port p1 | grep -q "admin up" || fail "batch ran the line after a failure"
printf 'show status\nshow members | include AS64501\n' >"$tmp/batch"
pl -f "$tmp/batch" | grep -q "AS64501" || fail "batch -f"

echo "== read-only socket ($SECONDS s)"
"$ctl" -s "$tmp/cli-ro.sock" show ports >/dev/null || fail "ro socket show"
if "$ctl" -s "$tmp/cli-ro.sock" port p1 shutdown 2>"$tmp/err"; then fail "ro socket changed"; fi
grep -q "show commands only" "$tmp/err" || fail "ro socket message"

echo "== the read-only socket cannot lock the NOC out ($SECONDS s)"
# A local user holds every connection the read-only socket admits, and more:
# the read-write socket still answers, and the refusals are counted.
hold_connections "$tmp/cli-ro.sock" 40
pl show status >/dev/null || fail "the read-write socket refused the NOC"
# A refused client is told why, not just closed.
if "$ctl" -s "$tmp/cli-ro.sock" show ports 2>"$tmp/err"; then fail "a 41st client was served"; fi
grep -q 'refused: the read-only socket serves 16 connections at once' "$tmp/err" ||
	fail "refusal message: $(cat "$tmp/err")"
for _ in $(seq 50); do
	refused=$(pl --json show status | json_get '.cli_readonly_refused')
	((refused >= 25)) && break
	sleep 0.1
done
((refused == 25)) || fail "$refused read-only connections refused, expected 25 (40 - 16, and one more)"
pl show status | grep -q "read-only CLI socket: 25 connections refused" || fail "show status text"
kill "$hold_pid"
wait "$hold_pid" 2>/dev/null || true
"$ctl" -s "$tmp/cli-ro.sock" show ports >/dev/null || fail "ro socket after the hold"

echo "== kill -9 control, restart: resync without a push ($SECONDS s)"
kill -9 "$ctl_pid"
wait "$ctl_pid" 2>/dev/null || true
"$control" -c "$tmp/peerlan.yaml" 2>>"$tmp/control.log" &
ctl_pid=$!
wait_connected
pl --json show status | json_get '.dataplane.generation' | grep -qx 2 ||
	fail "restart pushed a configuration"
pl show port p2 | grep -q "admin down" || fail "shutdown lost over a restart"
pl show members | grep -q "AS64502" || fail "commit lost over a restart"
# The history keeps what a restart would otherwise forget: the commit before
# the last, for a plain rollback (once; a second returns).
pl --json show status | json_get '.rollback_available' | grep -qx true ||
	fail "no rollback available after a restart"
pl config rollback comment "after a restart" | grep -q "generation" || fail "rollback after a restart"
pl show port p2 | grep -q "admin up" || fail "the rollback after a restart did not undo the shutdown"
pl config rollback | grep -q "generation" || fail "second rollback after a restart"
pl show port p2 | grep -q "admin down" || fail "a second rollback did not return to the shutdown"

echo "== apply with confirm, not confirmed ($SECONDS s)"
pl config apply "$tmp/confirm.yaml" confirm 1 | grep -q "rolls back in 1 s" || fail "apply confirm"
pl show members | grep -q "AS64503" || fail "confirm apply not applied"
no_m3() { ! pl show members | grep -q "AS64503"; }
wait_for 30 "not rolled back at the end of the confirm time" no_m3
pl show members | grep -q "AS64502" || fail "rolled back too far"
pl show events | grep -q "change .*config rollback by peerlan-control: confirm time ran out" ||
	fail "the rollback at the end of the confirm time is not in the event log"
echo "== audit: who and why, history, rollback N ($SECONDS s)"
me=$(id -un) uid=$(id -u)
pl show events | grep -q "change .*config apply .*new.yaml by $me (uid $uid): \"add AS64502\"" ||
	fail "the apply is not in the event log with user and comment"
pl show events | grep -q "change .*port p2 shutdown by $me" || fail "shutdown not audited"
pl show config history | grep -q "$me .*add AS64502" || fail "show config history"
n=$(pl --json show config history | jq '.history[] | select(.comment == "add AS64502") | .n')
[[ -n $n && $n -ge 2 ]] || fail "the apply is not in the history below the shutdown"
pl config diff rollback "$n" | grep -q "^[-+]" || fail "config diff rollback $n shows no change"
pl config rollback "$n" comment "undo shutdown" | grep -q "generation" || fail "rollback $n"
pl show port p2 | grep -q "admin up" || fail "rollback $n did not bring back p2"
pl --json show config history | jq -e '.history[0] | .comment == "undo shutdown" and
	(.command | test("^config rollback"))' >/dev/null || fail "the rollback is not the newest"
{ pl config rollback 21 2>&1 || true; } | grep -q "bad history number" || fail "rollback 21 accepted"
{ pl config rollback 19 2>&1 || true; } | grep -q "no configuration 19" || fail "rollback 19 message"

echo "== monitor events ($SECONDS s)"
"$ctl" -s "$tmp/cli.sock" monitor events >"$tmp/monitor" 2>&1 &
mon_pid=$!
wait_for 30 "monitor did not start" grep -q "^monitoring events" "$tmp/monitor"
pl port p3 shutdown comment "monitor test" >/dev/null
wait_for 30 "monitor did not show the change" \
	grep -q "port p3 shutdown by $me (uid $uid): \"monitor test\"" "$tmp/monitor"
kill -INT "$mon_pid"
wait "$mon_pid" || fail "monitor events did not end with status 0 on Ctrl-C"
[[ $(grep -c "port p3 shutdown" "$tmp/monitor") == 1 ]] || fail "monitor showed an event twice"

echo "== capture: the errors a NOC sees before any capture ($SECONDS s)"
# The fake dataplane answers as one started with --no-huge; a capture itself
# is tested against the real dataplane (dataplane-capture, test_capture).
if command -v dpdk-dumpcap >/dev/null && [[ $(id -u) == 0 ]]; then
	{ pl capture port nosuch 2>&1 || true; } | grep -q "no such port: nosuch" ||
		fail "capture of an unknown port: no clear error"
	{ pl capture port p1 2>&1 || true; } | grep -q "port p1 cannot be captured: .*hugepages" ||
		fail "capture from a dataplane without hugepages: no clear error"
	{ pl --json capture port p1 || true; } | jq -e '.error | test("hugepages")' >/dev/null ||
		fail "capture --json error"
else
	echo "(not as root, or without dpdk-dumpcap: only what needs neither)"
fi
{ PATH=/nonexistent "$ctl" -s "$tmp/cli.sock" capture port p1 2>&1 || true; } |
	grep -q -e "dpdk-dumpcap is not installed" -e "capture needs root" ||
	fail "capture without dpdk-dumpcap: no clear error"
{ "$ctl" -s "$tmp/cli-ro.sock" capture port p1 2>&1 || true; } |
	grep -q -e "show commands only" -e "capture needs root" ||
	fail "the read-only socket told how to capture"

echo "all control CLI tests passed"
