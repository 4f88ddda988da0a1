#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A member added live: the lab starts with 3 members and a spare port wired
# to a fourth router; a configuration that adds member m4 on that port is
# applied with "peerlanctl config apply" while continuous traffic runs
# between the existing members. No echo between them is lost, no session
# between them flaps, and m4 comes up and peers with the route server and
# every member, routes and all.
source "$(dirname "$0")/common.sh"

e2e_require jq
[[ $LAB_FABRIC == peerlan ]] || e2e_skip "a live change needs the peerlan fabric"
LAB_SPARE=1
e2e_lab_up 3
e2e_wait_converged || e2e_finish

# m4's frames are dropped while its port belongs to no member.
spare_isolated() {
	if lab_ping m4 "$(lab_ip4 rs)"; then
		echo "m4 reaches the route server from a port no member holds"
		return 1
	fi
}
e2e_check "m4, on the spare port, reaches nobody before the change" spare_isolated

# The new configuration: the same lab with LAB_N members and no spare.
LAB_N=4 LAB_SPARE=0
lab_set_nodes
lab_write_config "$LAB_DIR/add-m4.yaml"
LAB_N=3 LAB_SPARE=1
lab_set_nodes

gen0=$(lab_control_status .dataplane.generation)
before=$(e2e_sessions_since)
e2e_start_ping m1 "$(lab_ip4 m2)" 300
e2e_start_ping m2 "$(lab_ip6 m3)" 300
e2e_start_ping m3 "$(lab_lo4 m1)" 300 -I "$(lab_lo4 m3)"
sleep 2
e2e_check "peerlanctl config apply of the file adding m4" \
	lab_peerlanctl config apply "$LAB_DIR/add-m4.yaml"
e2e_check "the generation went up by exactly one" \
	e2e_same $((gen0 + 1)) "$(lab_control_status .dataplane.generation)"
member_up() {
	lab_peerlanctl show member "$(lab_asn m4)" | grep -q "port m4: admin up, oper up" || {
		lab_peerlanctl show member "$(lab_asn m4)"
		return 1
	}
}
e2e_check "peerlanctl shows member m4 (AS$(lab_asn m4)) on port m4, up" member_up

# The routers learn of m4 the way an exchange's members do: the route
# server and every member reconfigured in place, m4's router started.
LAB_N=4 LAB_SPARE=0
lab_set_nodes
reconfigure() {
	local node
	for node in rs m1 m2 m3; do
		lab_bird_conf "$node" >"$LAB_DIR/$node/bird.conf"
		lab_birdc "$node" configure | grep -q "Reconfigured" || {
			echo "bird of $node did not reconfigure"
			return 1
		}
	done
}
e2e_check "the route server and m1..m3 reconfigured for m4" reconfigure
e2e_check "bird starts on m4" lab_start_bird m4
e2e_wait_converged
e2e_check "m1 -> m2 (IPv4): all 300 pings answered across the change" e2e_ping_lost_nothing 1
e2e_check "m2 -> m3 (IPv6): all 300 pings answered across the change" e2e_ping_lost_nothing 2
e2e_check "m3 -> m1's prefix: all 300 pings answered across the change" e2e_ping_lost_nothing 3
e2e_pings_done
e2e_check "no session among rs and m1..m3 flapped" e2e_no_flap "$before" "$(e2e_sessions_since m4)"
e2e_check "IPv4 and IPv6 reachability between every pair, m4 included" lab_check_reachability
e2e_finish
