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

# On a failure, shows what the lab looked like before it goes away.
e2e_end_trap() {
	local rc=$?
	if ((E2E_FAILED > 0 || rc != 0)) && [[ -n $LAB_DIR && -d $LAB_DIR ]]; then
		echo "# the lab at the end:"
		lab_show_status 2>&1 | sed 's/^/#   /'
		if [[ -f $LAB_DIR/dataplane.log ]]; then
			echo "# the last lines of the dataplane's log:"
			tail -n 20 "$LAB_DIR/dataplane.log" | sed 's/^/#   /'
		fi
	fi
	lab_teardown
}

# Waits for every BGP session and its routes, as every test starts with.
e2e_wait_converged() {
	local t0=$SECONDS
	e2e_check "all $(lab_bgp_expected) BGP session ends Established within 90 s" \
		lab_wait_bgp 90 || return 1
	e2e_check "every session carries the routes of the plan within 30 s" lab_wait_routes 30 || return 1
	echo "# converged in $((SECONDS - t0)) s"
}

e2e_finish() {
	echo "$E2E_PASSED passed, $E2E_FAILED failed"
	((E2E_FAILED == 0))
	exit
}
