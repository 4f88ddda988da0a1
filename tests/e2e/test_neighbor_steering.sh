#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# No member sees an ARP request or IPv6 neighbour solicitation meant for
# another: peerlan steers each to the port of the address's owner instead
# of flooding it. Every node captures what it receives while every node
# resolves every other afresh; each capture must hold requests for its own
# addresses, from every other node, and nothing else.
source "$(dirname "$0")/common.sh"

e2e_require tcpdump
e2e_lab_up 4
e2e_wait_converged

# Every address of every node, "address node", link-local ones included.
addresses() {
	local n ll
	for n in "${LAB_NODES[@]}"; do
		echo "$(lab_ip4 "$n") $n"
		echo "$(lab_ip6 "$n") $n"
		ll=$(lab_in "$n" ip -6 -o addr show dev ixp0 scope link | awk '{ sub("/.*", "", $4); print $4 }')
		[[ -n $ll ]] && echo "$ll $n"
	done
}
addresses >"$LAB_DIR/addresses"

requests_filter='(arp and arp[6:2] == 1) or (icmp6 and ip6[40] == 135)'

# What each node receives, and the requests it sends to everyone (broadcast
# ARP, NS to a multicast group): a plain flood would deliver each of those to
# every other node, which gives the report below its baseline.
start_captures() {
	local n
	for n in "${LAB_NODES[@]}"; do
		lab_spawn "sent-$n" "$LAB_DIR/sent-$n.log" ip netns exec "$(lab_ns "$n")" \
			tcpdump -i ixp0 -Q out -nn -U -w "$LAB_DIR/sent-$n.pcap" \
			"($requests_filter) and ether multicast"
	done
	e2e_start_captures "$requests_filter" "${LAB_NODES[@]}"
}

# Each node forgets each other node's addresses and asks for them again.
resolve_all() {
	local a b fails=0
	for a in "${LAB_NODES[@]}"; do
		for b in "${LAB_NODES[@]}"; do
			[[ $a == "$b" ]] && continue
			lab_in "$a" ip -4 neigh flush to "$(lab_ip4 "$b")" dev ixp0
			lab_in "$a" ip -6 neigh flush to "$(lab_ip6 "$b")" dev ixp0
			lab_in "$a" ping -n -q -c 1 -W 2 "$(lab_ip4 "$b")" >/dev/null || fails=$((fails + 1))
			lab_in "$a" ping -n -q -c 1 -W 2 "$(lab_ip6 "$b")" >/dev/null || fails=$((fails + 1))
		done
	done
	((fails == 0)) || echo "$fails pings went unanswered"
	return $((fails > 0))
}

stop_captures() {
	local names=() n
	for n in "${LAB_NODES[@]}"; do
		names+=("capture-$n" "sent-$n")
	done
	lab_stop "${names[@]}"
}

# "target sender" for every request in a node's capture.
requests() {
	tcpdump -nn -r "$LAB_DIR/capture-$1.pcap" 2>/dev/null | awk '
		/ARP, Request who-has/ { for (i = 1; i < NF; i++) { if ($i == "who-has") t = $(i + 1); if ($i == "tell") s = $(i + 1) } sub(",", "", s); print t, s; next }
		/neighbor solicitation, who has/ { for (i = 1; i < NF; i++) { if ($i == "IP6") s = $(i + 1); if ($i == "has") t = $(i + 1) } sub(",", "", t); print t, s }'
}

# A node's capture holds only requests for its own addresses, and those of
# each family from every other node.
check_node() {
	local n=$1 bad=0 target sender owner from peer
	local -A seen4=() seen6=()
	while read -r target sender; do
		owner=$(awk -v a="$target" '$1 == a { print $2 }' "$LAB_DIR/addresses")
		from=$(awk -v a="$sender" '$1 == a { print $2 }' "$LAB_DIR/addresses")
		if [[ $owner != "$n" ]]; then
			echo "$n received a request for $target (${owner:-nobody}'s) from $sender (${from:-unknown})"
			bad=1
		elif [[ $target == *:* ]]; then
			seen6[${from:-?}]=1
		else
			seen4[${from:-?}]=1
		fi
	done < <(requests "$n")
	for peer in "${LAB_NODES[@]}"; do
		[[ $peer == "$n" ]] && continue
		[[ -n ${seen4[$peer]:-} ]] || { echo "$n received no ARP request from $peer" && bad=1; }
		[[ -n ${seen6[$peer]:-} ]] || { echo "$n received no neighbour solicitation from $peer" && bad=1; }
	done
	return $bad
}

e2e_check "tcpdump listens in every node" start_captures || e2e_finish
e2e_check "every node resolves and reaches every other node afresh" resolve_all
# Give the last replies and any stray flood time to arrive before stopping.
sleep 1
stop_captures
for n in "${LAB_NODES[@]}"; do
	e2e_check "$n received ARP and ND requests for its own addresses only, from every other node" \
		check_node "$n"
done

# Per node: ARP/ND requests received with steering, against what a flood of
# the same requests would have delivered (every broadcast request any other
# node sent). docs/arp-nd.md quotes this table.
count() { tcpdump -nn -r "$1" 2>/dev/null | wc -l; }
broadcast_report() {
	local n m steered flood total_s=0 total_f=0
	printf '%-8s %10s %10s\n' node steered flood
	for n in "${LAB_NODES[@]}"; do
		steered=$(count "$LAB_DIR/capture-$n.pcap")
		flood=0
		for m in "${LAB_NODES[@]}"; do
			[[ $m == "$n" ]] || flood=$((flood + $(count "$LAB_DIR/sent-$m.pcap")))
		done
		printf '%-8s %10d %10d\n' "$n" "$steered" "$flood"
		total_s=$((total_s + steered)) total_f=$((total_f + flood))
	done
	printf '%-8s %10d %10d\n' total "$total_s" "$total_f"
}
broadcast_report | tee "$LAB_DIR/broadcast-report"
# Steering must deliver fewer requests than the flood, or it is not steering.
steering_beats_flood() {
	awk '$1 == "total" { exit !($2 < $3) }' "$LAB_DIR/broadcast-report"
}
e2e_check "steering delivers fewer ARP/ND requests than a flood of the same requests" \
	steering_beats_flood
e2e_finish
