#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# RFC 7999 blackholing as an exchange runs it: m1 announces a host route
# (IPv4 and IPv6) to the route server, first plainly and then tagged
# BLACKHOLE (65535:666). The route server rewrites the tagged route's next
# hop to the LAN's blackhole address (scripts/lab.sh); m2's kernel then
# resolves that address, peerlan answers with the blackhole MAC, and m2's
# traffic to the host vanishes at the fabric, counted on m2's port under
# blackhole, while its traffic to m1's other prefixes still flows.
source "$(dirname "$0")/common.sh"

e2e_require jq
[[ ${LAB_FABRIC:-peerlan} == peerlan ]] || e2e_skip "blackholing is peerlan's, not a bridge's"
e2e_lab_up 3
e2e_wait_converged

VICTIM4=203.0.113.1
VICTIM6=2001:db8:ffff::1
COUNT=20

# m1's victim host, on its loopback, announced by a static protocol whose
# routes carry the communities $1 (a bird list, or nothing).
announce() {
	local conf=$LAB_DIR/m1/bird.conf attrs=${1:+" { bgp_community.add($1); }"}
	sed -i '/^# victim$/,$d' "$conf"
	cat >>"$conf" <<EOF
# victim
protocol static victim4 { ipv4; route $VICTIM4/32 unreachable$attrs; }
protocol static victim6 { ipv6; route $VICTIM6/128 unreachable$attrs; }
EOF
	lab_birdc m1 configure >/dev/null
}

# Waits up to 30 s for m2's kernel route to $1 to go via $2.
route_via() {
	local dst=$1 via=$2 fam=-4 got i
	[[ $dst == *:* ]] && fam=-6
	for ((i = 0; i < 30; i++)); do
		got=$(lab_in m2 ip "$fam" route show "$dst")
		[[ $got == *"via $via dev ixp0"* ]] && return 0
		sleep 1
	done
	echo "m2's route to $dst: '${got:-none}', not via $via; bird's routes:"
	lab_birdc m2 show route for "$dst" all
	lab_birdc rs show route for "$dst" all
	return 1
}

# m2's port counter of drops under blackhole, from the dataplane's telemetry.
bh_drops() {
	lab_telemetry "/peerlan/port,m2" | jq -r '.["/peerlan/port"].drops.blackhole // 0'
}

# $COUNT echoes from m2's loopback to $1: prints how many were answered.
answered() {
	local src=$(lab_lo4 m2)
	[[ $1 == *:* ]] && src=$(lab_lo6 m2)
	lab_in m2 ping -n -q -c "$COUNT" -i 0.05 -W 1 -I "$src" "$1" 2>&1 |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

reaches() {
	local got
	got=$(answered "$1")
	((got == COUNT)) && return 0
	echo "${got:-?} of $COUNT echoes to $1 answered"
	return 1
}

lab_in m1 ip addr add "$VICTIM4/32" dev lo
lab_in m1 ip addr add "$VICTIM6/128" dev lo nodad

# Announced plainly, the host is m1's like any other prefix.
announce ""
e2e_check "m2 routes $VICTIM4 via m1" route_via "$VICTIM4" "$(lab_ip4 m1)"
e2e_check "m2 routes $VICTIM6 via m1" route_via "$VICTIM6" "$(lab_ip6 m1)"
e2e_check "m2 reaches $VICTIM4" reaches "$VICTIM4"
e2e_check "m2 reaches $VICTIM6" reaches "$VICTIM6"

# Tagged BLACKHOLE, the route server sends it with the blackhole next hop.
announce "(65535, 666)"
e2e_check "m2 routes $VICTIM4 via the blackhole $LAB_BH4" route_via "$VICTIM4" "$LAB_BH4"
e2e_check "m2 routes $VICTIM6 via the blackhole $LAB_BH6" route_via "$VICTIM6" "$LAB_BH6"

e2e_start_captures "icmp or icmp6" m1
before=$(bh_drops)
lost4=$(answered "$VICTIM4")
lost6=$(answered "$VICTIM6")
after=$(bh_drops)
e2e_check "no echo to the blackholed host is answered" test "${lost4:-x}${lost6:-x}" == 00
neigh_mac() {
	local got
	got=$(lab_in m2 ip neigh show "$1" dev ixp0)
	[[ $got == *"lladdr $LAB_BH_MAC"* ]] && return 0
	echo "m2's neighbour entry for $1: '${got:-none}'"
	return 1
}
e2e_check "peerlan answered m2's ARP for $LAB_BH4 with the blackhole MAC" neigh_mac "$LAB_BH4"
e2e_check "peerlan answered m2's ND for $LAB_BH6 with the blackhole MAC" neigh_mac "$LAB_BH6"
dropped() {
	echo "blackhole drops on m2's port: $before before, $after after $((2 * COUNT)) echoes"
	((after - before >= 2 * COUNT))
}
e2e_check "all $((2 * COUNT)) echoes were dropped at m2's port under blackhole" dropped
# Traffic to m1's other prefixes is untouched.
e2e_check "m2 still reaches m1's $(lab_lo4 m1)" reaches "$(lab_lo4 m1)"
e2e_check "m2 still reaches m1's $(lab_lo6 m1)" reaches "$(lab_lo6 m1)"
nothing_reached_m1() {
	local n
	lab_stop "capture-m1"
	n=$(tcpdump -nn -r "$LAB_DIR/capture-m1.pcap" "dst host $VICTIM4 or dst host $VICTIM6" 2>/dev/null | wc -l)
	((n == 0)) && return 0
	echo "m1 received $n packets for the blackholed host"
	return 1
}
e2e_check "m1 received none of them" nothing_reached_m1
e2e_finish
