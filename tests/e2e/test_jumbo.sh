#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The jumbo-frame LAN as an exchange runs it beside the 1500 one (scripts/
# lab.sh --jumbo): members ping each other with 9000 bytes of IPv4 and IPv6,
# don't-fragment set, across peerlan (frames longer than one buffer, on
# af_packet ports whose kernel rings hold them). A member whose interface is
# set above the LAN's MTU sends 9001 bytes of IP: the fabric drops every such
# frame at its port as oversize, counted in the CLI, and the 1500 LAN still
# drops 1501 bytes of IP the same way.
source "$(dirname "$0")/common.sh"

e2e_require jq
[[ ${LAB_FABRIC:-peerlan} == peerlan ]] || e2e_skip "the LAN's MTU is peerlan's to enforce, not a bridge's"
[[ ${LAB_PORT_TYPE:-af_packet} == af_packet ]] || e2e_skip "net_af_xdp takes no frame over 4 KB"
LAB_JUMBO=1
e2e_lab_up 2
e2e_wait_converged

COUNT=5

# The drop counter of port $1 for reason $2, from the CLI.
drops() { lab_peerlanctl --json show port "$1" | jq -r ".drops.$2 // 0"; }

# Port $1 sent at least $COUNT frames of 9014 bytes (tx_octets, from the CLI).
sent_whole() {
	local octets
	octets=$(lab_peerlanctl --json show port "$1" | jq -r '.counters.tx_octets')
	((octets >= 9014 * COUNT)) || { echo "$1 sent $octets bytes in all" && return 1; }
}

# $COUNT pings of $2 bytes of payload from m1 to $3 (ping's other options
# in $1): prints how many were answered.
answered() {
	lab_in m1 ping "$1" -n -q -c "$COUNT" -i 0.2 -W 2 -M do -s "$2" "$3" 2>&1 |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

# m1 sends $COUNT pings of $2 payload bytes (ping options $1) to $3 through
# port $4, whose interface $5 (and its fabric end $6) is first set to MTU $7:
# none is answered and the port's oversize counter grows by exactly $COUNT.
dropped_as_oversize() {
	local opts=$1 size=$2 dst=$3 port=$4 dev=$5 hostif=$6 mtu=$7 before after got i host_mtu
	# The fabric's end of the wire takes what the member sends, as a switch
	# port set to a larger MTU would.
	host_mtu=$(cat "/sys/class/net/$hostif/mtu")
	((host_mtu > mtu)) || ip link set "$hostif" mtu "$((mtu + 100))"
	lab_in m1 ip link set "$dev" mtu "$mtu"
	before=$(drops "$port" oversize)
	got=$(answered "$opts" "$size" "$dst")
	# The last frame may still be on its way: wait for the counter, up to 30 s.
	for ((i = 0; i < 300; i++)); do
		after=$(drops "$port" oversize)
		((after - before >= COUNT)) && break
		sleep 0.1
	done
	lab_in m1 ip link set "$dev" mtu "$((mtu - 1))"
	ip link set "$hostif" mtu "$host_mtu"
	[[ $got == 0 ]] || { echo "$got of $COUNT answered" && return 1; }
	((after - before == COUNT)) ||
		{ echo "oversize on $port went from $before to $after, not up by $COUNT" && return 1; }
}

e2e_check "9000 bytes of IPv4 (DF) between members on the jumbo LAN" \
	test "$(answered -4 $((LAB_JMTU - 28)) "$(lab_jip4 m2)")" == "$COUNT"
e2e_check "9000 bytes of IPv6 between members on the jumbo LAN" \
	test "$(answered -6 $((LAB_JMTU - 48)) "$(lab_jip6 m2)")" == "$COUNT"
e2e_check "every pair answers 9000-byte pings on the jumbo LAN" lab_check_jumbo
e2e_check "9001 bytes of IPv4 are dropped at the fabric as oversize, and counted" \
	dropped_as_oversize -4 $((LAB_JMTU + 1 - 28)) "$(lab_jip4 m2)" "$(lab_jport m1)" ixp1 \
	"$(lab_jhostif m1)" $((LAB_JMTU + 1))
e2e_check "9001 bytes of IPv6 are dropped at the fabric as oversize, and counted" \
	dropped_as_oversize -6 $((LAB_JMTU + 1 - 48)) "$(lab_jip6 m2)" "$(lab_jport m1)" ixp1 \
	"$(lab_jhostif m1)" $((LAB_JMTU + 1))
e2e_check "1501 bytes of IPv4 on the 1500 LAN are dropped as oversize, and counted" \
	dropped_as_oversize -4 $((1501 - 28)) "$(lab_ip4 m2)" m1 ixp0 "$(lab_hostif m1)" 1501
e2e_check "1501 bytes of IPv6 on the 1500 LAN are dropped as oversize, and counted" \
	dropped_as_oversize -6 $((1501 - 48)) "$(lab_ip6 m2)" m1 ixp0 "$(lab_hostif m1)" 1501
e2e_check "1500 bytes still pass on the 1500 LAN" \
	test "$(answered -4 $((1500 - 28)) "$(lab_ip4 m2)")" == "$COUNT"
e2e_check "the jumbo pings left whole: m2's jumbo port sent $COUNT frames of 9014 bytes or more" \
	sent_whole "$(lab_jport m2)"
e2e_finish
