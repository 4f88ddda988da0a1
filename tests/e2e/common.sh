#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Shared by the end-to-end tests: they build their labs with scripts/lab.sh's
# own functions, check what the lab must do, and tear the lab down however
# the test ends. A test that cannot run here says why and exits 77, which
# meson reports as skipped.
#
# E2E_FABRIC=bridge runs a test over a plain Linux bridge instead of
# peerlan: the tests that check what peerlan adds must then fail, which
# shows that they can.

# shellcheck source=../../scripts/lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lab.sh"
set -uo pipefail

E2E_PASSED=0
E2E_FAILED=0
E2E_NAME=$(basename "$0" .sh)

e2e_skip() {
	echo "$E2E_NAME: skipped: $*"
	exit 77
}

# Skips unless this machine can run a lab; extra tools may be named.
e2e_require() {
	local why tool
	LAB_FABRIC=${E2E_FABRIC:-peerlan}
	LAB_PORT_TYPE=${E2E_PORT_TYPE:-af_packet}
	why=$(lab_preflight) || e2e_skip "$why"
	for tool in "$@"; do
		command -v "$tool" >/dev/null || e2e_skip "'$tool' is not installed (scripts/setup.sh --test installs it)"
	done
	ip netns add "e2e-probe-$$" 2>/dev/null || e2e_skip "network namespaces cannot be created here"
	ip netns del "e2e-probe-$$"
}

# Records one assertion: the description, then the command that must succeed.
# The command's output is shown only when it fails.
e2e_check() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "ok - $what"
		E2E_PASSED=$((E2E_PASSED + 1))
		return 0
	fi
	echo "FAIL - $what"
	[[ -n $out ]] && sed 's/^/    /' <<<"$out"
	E2E_FAILED=$((E2E_FAILED + 1))
	return 1
}

# Builds a lab of $1 members (default 4) that is torn down when the test
# exits for any reason.
e2e_lab_up() {
	lab_init "${1:-4}" "$LAB_PORT_TYPE" "$LAB_FABRIC" || exit 1
	trap 'e2e_end_trap' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	echo "# lab $LAB_ID: ${1:-4} members and a route server, $LAB_FABRIC fabric, $LAB_PORT_TYPE ports"
	if ! lab_build; then
		echo "FAIL - the lab could not be built"
		E2E_FAILED=$((E2E_FAILED + 1))
		exit 1
	fi
}

# Commands a test adds, run once the lab is down (e.g. removing a user).
E2E_ON_END=()

# On a failure, shows what the lab looked like before it goes away.
e2e_end_trap() {
	local rc=$? f
	if ((E2E_FAILED > 0 || rc != 0)) && [[ -n $LAB_DIR && -d $LAB_DIR ]]; then
		echo "# the lab at the end:"
		lab_show_status 2>&1 | sed 's/^/#   /'
		for f in "$LAB_DIR/dataplane.log" "$LAB_DIR"/node-*/dataplane.log; do
			[[ -f $f ]] || continue
			echo "# the last lines of ${f#"$LAB_DIR"/}:"
			tail -n 20 "$f" | sed 's/^/#   /'
		done
	fi
	lab_teardown
	local c
	for c in "${E2E_ON_END[@]}"; do
		eval "$c"
	done
}

# Waits for every BGP session and its routes, as every test starts with.
e2e_wait_converged() {
	local t0=$SECONDS
	e2e_check "all $(lab_bgp_expected) BGP session ends Established within 90 s" \
		lab_wait_bgp 90 || return 1
	e2e_check "every session carries the routes of the plan within 30 s" lab_wait_routes 30 || return 1
	echo "# converged in $((SECONDS - t0)) s"
}

# Starts tcpdump on ixp0 in each node named after the filter $1 ("" for
# everything), writing what the node receives to LAB_DIR/capture-NODE.pcap,
# and waits until each listens.
e2e_start_captures() {
	local filter=$1 n i
	shift
	for n in "$@"; do
		lab_spawn "capture-$n" "$LAB_DIR/capture-$n.log" ip netns exec "$(lab_ns "$n")" \
			tcpdump -i ixp0 -Q in -nn -U -w "$LAB_DIR/capture-$n.pcap" ${filter:+"$filter"}
	done
	for n in "$@"; do
		for ((i = 0; i < 100; i++)); do
			grep -q "listening on" "$LAB_DIR/capture-$n.log" 2>/dev/null && break
			sleep 0.1
		done
		grep -q "listening on" "$LAB_DIR/capture-$n.log" || {
			echo "tcpdump in $n did not start:"
			cat "$LAB_DIR/capture-$n.log"
			return 1
		}
	done
}

# Succeeds if $1 and $2 are the same text; else shows both.
e2e_same() {
	[[ $1 == "$2" ]] && return 0
	echo "expected:"
	sed 's/^/  /' <<<"$1"
	echo "got:"
	sed 's/^/  /' <<<"$2"
	return 1
}

# Continuous traffic: $3 echo requests, 20 a second, from node $1 to address
# $2 (further arguments go to ping), in the background. Pings are numbered 1, 2, ... in the order started
# since the last e2e_pings_done.
E2E_PINGS=()
e2e_start_ping() {
	local node=$1 dst=$2 count=$3 out
	shift 3
	out=$LAB_DIR/ping-${#E2E_PINGS[@]}.out
	lab_in "$node" ping -n -q -i 0.05 -W 2 -c "$count" "$@" "$dst" >"$out" 2>&1 &
	E2E_PINGS+=("$count $out $node $dst")
}

# Waits for ping number $1 to finish; succeeds if it sent every request and
# lost at most $2 (default none) of them. e2e_check runs this in a subshell,
# which cannot wait for the ping, so it waits for ping's closing summary
# instead.
e2e_ping_lost_nothing() {
	local count out node dst sent got i
	read -r count out node dst <<<"${E2E_PINGS[$1 - 1]}"
	for ((i = 0; i < count / 20 + 60; i++)); do
		grep -q 'packets transmitted' "$out" && break
		sleep 1
	done
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$out")
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$out")
	echo "$node -> $dst: ${got:-?} of ${sent:-?} answered, $count sent${got:+, $((count - got)) lost (~$(((count - got) * 50)) ms)}"
	[[ $sent == "$count" && -n $got ]] && ((count - got <= ${2:-0})) && return 0
	cat "$out"
	return 1
}

# Forgets the pings started, once each was checked.
e2e_pings_done() {
	E2E_PINGS=()
}

# Prints "node protocol state since info" for every BGP session end that
# does not involve node $1 (all of them without $1): the time a session
# last changed state shows whether it flapped between two calls.
e2e_sessions_since() {
	local node
	for node in "${LAB_NODES[@]}"; do
		[[ $node == "${1:-}" ]] && continue
		lab_birdc "$node" show protocols 2>/dev/null |
			awk -v n="$node" -v x="${1:-}" '$2 == "BGP" && (x == "" || index($1, x "_") != 1) {
				print n, $1, $4, $5, $6 }'
	done
}

# Succeeds if the sessions listed by e2e_sessions_since in $2 are those of
# $1, in the same state since the same time. bird shows that time from a
# monotonic clock converted anew each time, so it may differ by a
# millisecond or two; a flap moves it by seconds.
e2e_no_flap() {
	awk 'function ms(t, a) { split(t, a, ":"); return (a[1] * 60 + a[2]) * 60000 + a[3] * 1000 }
		NR == FNR { was[$1 " " $2] = $0; t[$1 " " $2] = ms($4); next }
		{ k = $1 " " $2; d = ms($4) - t[k]; if (d < 0) d = -d
		  if (!(k in was)) { print "new: " $0; bad = 1 }
		  else if (was[k] != $0 && ($3 != "up" || d > 20)) { print "was: " was[k]; print "now: " $0; bad = 1 }
		  delete was[k] }
		END { for (k in was) { print "gone: " was[k]; bad = 1 } exit bad }' \
		<(echo "$1") <(echo "$2")
}

# Stops the dataplane and checks that every copy it punted is accounted
# for (tests/control/punts_close.sh), and that control, connected to it
# once for its whole life, received exactly those it delivered.
e2e_punts_close() {
	local connects received i
	connects=$(lab_control_status .dataplane.connects)
	received=$(lab_control_status .dataplane.punts_received)
	lab_stop_dataplane
	[[ -s $LAB_DIR/stats.json ]] || { echo "the dataplane wrote no $LAB_DIR/stats.json"; return 1; }
	for ((i = 0; i < 300; i++)); do
		[[ $(lab_control_status .dataplane.connected) == false ]] && break
		sleep 0.1
	done
	received=$(lab_control_status .dataplane.punts_received)
	((connects == 1)) || received=
	"$(dirname "${BASH_SOURCE[0]}")/../control/punts_close.sh" "$LAB_DIR/stats.json" $received
}

e2e_finish() {
	echo "$E2E_PASSED passed, $E2E_FAILED failed"
	((E2E_FAILED == 0))
	exit
}
