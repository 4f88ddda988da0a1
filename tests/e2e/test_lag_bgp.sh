#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A BGP member behind a LAG survives the loss of one link. Member m1's port
# is a LAG of two links whose partner is an Open vSwitch bond (userspace
# datapath, LACP active, fast), m1's router behind that switch
# (scripts/lab.sh --lag m1); the route server and m2 are on plain ports.
#
#   m1 -- OVS [bond0: b0 b1] == [peerlan LAG m1]  peerlan  rs, m2
#
# With every session Established and echo requests running both ways
# between m1 and m2 over IPv4 and IPv6 (20 a second each), the link that
# carries peerlan's traffic towards m1 loses its carrier at the switch, and
# later gets it back. Checked: the LAG keeps the other link, then both
# again; an event says which link left and why; no BGP session of any node
# changes state; the echo requests lost at the cut and at the return are
# counted and printed, and are few (the carrier poll is 100 ms).
source "$(dirname "$0")/common.sh"

[[ ${E2E_FABRIC:-peerlan} == peerlan ]] || e2e_skip "a LAG is a port of peerlan; a Linux bridge has none"
LAB_LAG=m1
e2e_require jq
e2e_lab_up 2
e2e_wait_converged || e2e_finish
e2e_check "LAG m1: both links collecting and distributing within 60 s" lab_wait_lag m1 60 2 ||
	e2e_finish
ovs_negotiated() { lab_swapp m1 lacp/show bond0 | grep -q "status: active negotiated"; }
e2e_check "Open vSwitch: the bond negotiated with LACP" lab_wait_for 30 ovs_negotiated

sw=$(lab_swns m1)
since=$(e2e_sessions_since)
tx() { lab_lag m1 ".link$1.tx_packets"; }

# Echo requests both ways, IPv4 and IPv6, for $1 seconds.
pings() {
	e2e_pings_done
	e2e_start_ping m1 "$(lab_ip4 m2)" $(($1 * 20))
	e2e_start_ping m1 "$(lab_ip6 m2)" $(($1 * 20))
	e2e_start_ping m2 "$(lab_ip4 m1)" $(($1 * 20))
	e2e_start_ping m2 "$(lab_ip6 m1)" $(($1 * 20))
}
# Succeeds once the LAG has sent $1 more frames than $2 (tx0 + tx1 at the start).
sent_more() { (($(tx 0) + $(tx 1) - $2 >= $1)); }
wait_sent() { # wait_sent FRAMES: up to 30 s
	lab_wait_for 30 sent_more "$1" $(($(tx 0) + $(tx 1))) && return 0
	echo "the LAG sent fewer than $1 frames in 30 s"
	return 1
}
# Checks each of the four pings lost at most $1 requests, and prints the loss.
losses() {
	local n out rc
	for n in 1 2 3 4; do
		rc=0
		out=$(e2e_ping_lost_nothing $n "$1") || rc=1
		out=${out%%$'\n'*}
		echo "# $2: $out"
		e2e_check "$2: ${out%%: *} lost at most $1 echo requests" test $rc = 0
	done
}

# --- the cut: the link carrying peerlan's traffic to m1 loses its carrier
pings 12
a0=$(tx 0) a1=$(tx 1)
e2e_check "traffic flows over the LAG" wait_sent 100
if (($(tx 0) - a0 >= $(tx 1) - a1)); then cut=0; else cut=1; fi
echo "# link $cut carries most of the traffic to m1 ($(($(tx 0) - a0)) and $(($(tx 1) - a1)) frames); its partner's end goes down"
ip -n "$sw" link set "b$cut" down
e2e_check "the LAG keeps one link within 30 s" lab_wait_lag m1 30 1
e2e_check "the cut link says why it left" test "$(lab_lag m1 ".link$cut.why")" = "no carrier"
ev_left() { lab_peerlanctl show events | grep "lag-link" | grep -q "left the bundle: no carrier"; }
e2e_check "an event says the link left the bundle, and why" lab_wait_for 30 ev_left
losses 20 "cut"

# --- the return: the link comes back under traffic
pings 12
e2e_check "traffic flows over the one link" wait_sent 100
ip -n "$sw" link set "b$cut" up
e2e_check "both links bundled again within 60 s" lab_wait_lag m1 60 2
losses 20 "return"

e2e_check "no BGP session of any node changed state, IPv4 or IPv6" \
	e2e_no_flap "$since" "$(e2e_sessions_since)"
e2e_check "all $(lab_bgp_expected) session ends Established, carrying their routes" lab_check_routes
e2e_finish
