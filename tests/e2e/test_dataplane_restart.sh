#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# peerlan-dataplane killed with SIGKILL under BGP: forwarding stops, every
# session times out (the outage is held past the hold time so that no
# session can survive it); the dataplane started again from the same
# configuration brings every session back with its routes, and every pair
# of members reaches each other again. Then the upgrade case: the dataplane
# stopped and started again as systemd would restart it (SIGTERM, then a new
# process), five times under a 100-a-second ping between two members; each
# restart's forwarding gap is measured from the echoes lost, and no BGP
# session may flap.
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

# One graceful restart under a ping of 100 echoes a second from m1 to m2;
# prints the forwarding gap in ms (10 ms per echo lost).
restart_gap() {
	local out=$LAB_DIR/gap-$1.out pid sent got
	lab_in m1 ping -n -q -i 0.01 -W 1 -c 700 "$(lab_ip4 m2)" >"$out" 2>&1 &
	pid=$!
	sleep 1
	lab_stop_dataplane >/dev/null && lab_start_dataplane >/dev/null || return 1
	wait "$pid" || true
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$out")
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$out")
	[[ -n $sent && -n $got ]] || return 1
	echo $(((sent - got) * 10))
}

e2e_wait_converged
before=$(e2e_sessions_since)
gaps=()
for run in 1 2 3 4 5; do
	gap=$(restart_gap "$run") || { gaps=(); break; }
	gaps+=("$gap")
done
echo "# graceful restarts: forwarding gaps of ${gaps[*]:-?} ms"
restart_gaps_ok() {
	local g median
	((${#gaps[@]} == 5)) || { echo "a restart did not complete"; return 1; }
	median=$(printf '%s\n' "${gaps[@]}" | sort -n | sed -n 3p)
	echo "median $median ms"
	for g in "${gaps[@]}"; do
		# Something must be lost (else the stream did not cross the
		# restart), and far less than a BGP hold time.
		((g > 0 && g < LAB_BGP_HOLD * 1000)) || return 1
	done
}
e2e_check "each of 5 restarts under traffic loses some forwarding, less than a hold time" \
	restart_gaps_ok
e2e_check "no BGP session flapped across the 5 restarts" e2e_no_flap "$before" "$(e2e_sessions_since)"
e2e_finish
