#!/usr/bin/env bash
# A dataplane that stops answering (SIGSTOP of the fake dataplane) must not
# freeze peerlan-control: every CLI command and a /metrics scrape answer
# within a few seconds (the old blocking calls took 20 s each) and say that
# the dataplane does not answer; changes fail at once and change nothing;
# after SIGCONT control resynchronises by itself. Usage:
# hang_test.sh CONTROL CTL FAKE_DP
set -euo pipefail
for tool in curl jq; do
	command -v "$tool" >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done
[[ -n ${PL_TRACE:-} ]] && set -x

control=$1 ctl=$2 fakedp=$3
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
metrics_listen="127.0.0.1:$port"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# Each command must answer within BOUND seconds: long enough for a loaded
# machine, far below the 20 s of two blocking calls.
BOUND=3

null_ports_yaml "$(management_yaml)" >"$tmp/peerlan.yaml"

status() { pl --json show status | jq -r "$1"; }
scrape() { curl -sf --max-time 10 "http://$metrics_listen/metrics"; }

# timed OUT CMD...: runs CMD with stdout and stderr to OUT, fails if it took
# BOUND seconds or more; returns CMD's exit status.
timed() {
	local out=$1 t0 rc=0 ms
	shift
	t0=${EPOCHREALTIME/./}
	"$@" >"$out" 2>&1 || rc=$?
	ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
	((ms < BOUND * 1000)) || fail "'$*' took $ms ms (bound ${BOUND} s)"
	return $rc
}

echo "== start ($SECONDS s)"
# shellcheck disable=SC2119 # on the default socket
start_beside_fake_dp
scrape >"$tmp/metrics.txt" || fail "scrape"
grep -qx 'peerlan_dataplane_up 1' "$tmp/metrics.txt" || fail "dataplane not up in /metrics"

echo "== the dataplane stops answering ($SECONDS s)"
kill -STOP "$dp_pid"
# Until control notices (within about a second), commands may still say
# "connected"; none may take long.
ok=
for _ in $(seq 20); do
	timed "$tmp/out" pl --json show status || fail "show status: $(cat "$tmp/out")"
	if [[ $(jq -r '.dataplane.answering' "$tmp/out") == false ]]; then
		ok=1
		break
	fi
	sleep 0.2
done
[[ -n $ok ]] || fail "show status never said the dataplane does not answer"
jq -r '.dataplane.last_error' "$tmp/out" | grep -q '^dataplane not answering since ' ||
	fail "no 'not answering since': $(cat "$tmp/out")"
timed "$tmp/out" pl show status || fail "show status text"
grep -q '^dataplane: not answering (.*): dataplane not answering since ' "$tmp/out" ||
	fail "show status text: $(cat "$tmp/out")"
for c in "show ports" "show port p1" "show drops" "show members" "show port-security"; do
	# shellcheck disable=SC2086
	timed "$tmp/out" pl $c || fail "$c: $(cat "$tmp/out")"
done
timed "$tmp/metrics.txt" scrape || fail "scrape failed"
grep -qx 'peerlan_dataplane_up 0' "$tmp/metrics.txt" ||
	fail "/metrics does not say the dataplane is down: $(grep dataplane "$tmp/metrics.txt")"
if timed "$tmp/out" pl port p2 shutdown; then fail "shutdown succeeded without a dataplane"; fi
grep -q 'not answering since .*nothing changed' "$tmp/out" || fail "shutdown: $(cat "$tmp/out")"
[[ $(pl --json show port p2 | jq -r .admin) == up ]] || fail "a failed shutdown changed the port"
# Still answering a few seconds on, when calls would have timed out.
sleep 2
timed "$tmp/out" pl show status || fail "show status later"
timed "$tmp/metrics.txt" scrape || fail "scrape later"

echo "== it answers again ($SECONDS s)"
kill -CONT "$dp_pid"
wait_synced
up_again() { scrape >"$tmp/metrics.txt" && grep -qx 'peerlan_dataplane_up 1' "$tmp/metrics.txt"; }
for _ in $(seq 50); do
	up_again && break
	sleep 0.1
done
up_again || fail "/metrics: dataplane not up again"
grep -q 'answers again after' "$tmp/ctl.log" || fail "no log line for the recovery"
timed "$tmp/out" pl port p2 shutdown || fail "shutdown after recovery: $(cat "$tmp/out")"
echo "PASS ($SECONDS s)"
