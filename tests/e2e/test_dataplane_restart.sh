#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# peerlan-dataplane killed with SIGKILL under BGP: forwarding stops, every
# session times out (the outage is held past the hold time so that no
# session can survive it); the dataplane started again from the same
# configuration brings every session back with its routes, and every pair
# of members reaches each other again.
source "$(dirname "$0")/common.sh"

e2e_require
e2e_lab_up 4
e2e_wait_converged || e2e_finish

e2e_check "the fabric is gone after kill -9" lab_fabric_kill

members_cut_off() {
	! lab_ping m1 "$(lab_ip4 m2)" && ! lab_ping m1 "$(lab_ip6 m2)"
}
e2e_check "m1 cannot reach m2 while the dataplane is down" members_cut_off

# Waits up to $1 s until no session is Established.
wait_all_down() {
	local i up
	for ((i = 0; i < $1; i++)); do
		up=$(lab_bgp_established)
		((up == 0)) && return 0
		sleep 1
	done
	echo "$up session ends still Established"
	return 1
}
e2e_check "every BGP session times out within hold time + 15 s" \
	wait_all_down $((LAB_BGP_HOLD + 15))

t0=$SECONDS
e2e_check "peerlan-dataplane starts again on the same configuration" lab_fabric_start
e2e_wait_converged
echo "# recovered $((SECONDS - t0)) s after the restart"
e2e_check "IPv4 and IPv6 reachability between every pair after the restart" \
	lab_check_reachability
e2e_finish
