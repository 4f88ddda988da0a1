#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# peerlan-control and peerlanctl on a lab of member routers: a port shut
# from the CLI isolates exactly that member (its sessions time out, every
# other session stays up without a flap, pings between the others lose
# nothing) and "no shutdown" brings it back; a configuration with errors
# changes nothing and names every error; peerlan-control killed with -9
# under continuous traffic loses no frame, and started again it resyncs
# with the dataplane without pushing a new generation.
source "$(dirname "$0")/common.sh"

e2e_require jq
[[ $LAB_FABRIC == peerlan ]] || e2e_skip "the CLI needs the peerlan fabric"
e2e_lab_up 3
e2e_wait_converged || e2e_finish

port_admin_down() {
	e2e_same down "$(lab_peerlanctl --json show port "$1" | jq -r .admin)"
}

# Waits up to $2 s until every session end of node $1 (its own, and the
# others' towards it) is down and every other one is Established.
wait_isolated() {
	local x=$1 i bad
	for ((i = 0; i < $2; i++)); do
		bad=$(lab_bgp_sessions | awk -v x="$x" '
			{ mine = ($1 == x || index($2, x "_") == 1) }
			mine && $3 == "Established" { print $1, $2, "still Established" }
			!mine && $3 != "Established" { print $1, $2, $3 }')
		[[ -z $bad ]] && (($(lab_bgp_sessions | wc -l) == $(lab_bgp_expected))) && return 0
		sleep 1
	done
	echo "$bad"
	return 1
}

cut_off() {
	local dst
	for dst in "$(lab_ip4 m1)" "$(lab_ip6 m3)" "$(lab_ip4 rs)"; do
		if lab_ping m2 "$dst"; then
			echo "m2 still reaches $dst"
			return 1
		fi
	done
}

# The lab's configuration with three mistakes: m1 given m2's MAC, m3 an
# address outside the LAN, and the route server's port a LAN that does not
# exist (which also leaves its member on a port without the LAN: a fourth
# error). Every one must be named with its place in the file, and only they.
bad_apply() {
	local f=$LAB_DIR/bad.yaml err=$LAB_DIR/bad.err rc=0 want got
	lab_write_config "$f"
	sed -i -e "s/macs: \[$(lab_mac m1)\]/macs: [$(lab_mac m2)]/" \
		-e "s/ipv4: \[$(lab_ip4 m3)\]/ipv4: [198.51.100.3]/" \
		-e '0,/lans: \[peering\]/s//lans: [nowhere]/' "$f"
	lab_peerlanctl config apply "$f" >/dev/null 2>"$err" || rc=$?
	[[ $rc == 1 ]] || {
		echo "peerlanctl exited with $rc, not 1"
		return 1
	}
	want=$(sort <<EOM
port 'rs' refers to LAN 'nowhere', which is not defined
port 'rs' does not carry LAN 'peering'
MAC $(lab_mac m2) is already assigned to AS$(lab_asn m1) (member-m1) at line $(grep -n "macs: \[$(lab_mac m2)\]" "$f" | head -1 | cut -d: -f1)
address 198.51.100.3 is outside LAN 'peering' ($LAB_LAN4)
EOM
	)
	got=$(grep -o "^$f:[0-9]*:[0-9]*: .*" "$err" | sed "s|^$f:[0-9]*:[0-9]*: ||" | sort)
	e2e_same "$want" "$got" || {
		echo "peerlanctl said:"
		cat "$err"
		return 1
	}
}

echo "# port m2 shutdown"
before=$(e2e_sessions_since m2)
e2e_start_ping m1 "$(lab_ip4 m3)" $(((LAB_BGP_HOLD + 15) * 20))
e2e_start_ping m3 "$(lab_ip6 rs)" $(((LAB_BGP_HOLD + 15) * 20))
e2e_check "peerlanctl port m2 shutdown" lab_peerlanctl port m2 shutdown
e2e_check "peerlanctl shows port m2 admin down" port_admin_down m2
e2e_check "m2 reaches nobody on the LAN" cut_off
e2e_check "m2's sessions all go down within hold time + 15 s, the others stay Established" \
	wait_isolated m2 $((LAB_BGP_HOLD + 15))
e2e_check "no session without m2 flapped while m2 was shut" \
	e2e_no_flap "$before" "$(e2e_sessions_since m2)"
e2e_check "m1 -> m3 (IPv4): every ping answered while m2 was shut" e2e_ping_lost_nothing 1
e2e_check "m3 -> rs (IPv6): every ping answered while m2 was shut" e2e_ping_lost_nothing 2
e2e_pings_done
e2e_check "peerlanctl port m2 no shutdown" lab_peerlanctl port m2 no shutdown
e2e_wait_converged
e2e_check "IPv4 and IPv6 reachability between every pair after no shutdown" \
	lab_check_reachability

echo "# a configuration with errors"
gen1=$(lab_control_status .dataplane.generation)
conf1=$(lab_peerlanctl show config)
e2e_check "config apply of a file with 3 mistakes fails and names exactly their 4 errors" \
	bad_apply
e2e_check "the generation is unchanged ($gen1)" \
	e2e_same "$gen1" "$(lab_control_status .dataplane.generation)"
e2e_check "the running configuration is unchanged" e2e_same "$conf1" "$(lab_peerlanctl show config)"
e2e_check "control and dataplane still in sync" \
	e2e_same true "$(lab_control_status .dataplane.in_sync)"

echo "# kill -9 peerlan-control under traffic"
before=$(e2e_sessions_since)
e2e_start_ping m1 "$(lab_ip4 m2)" 200
e2e_start_ping m2 "$(lab_ip6 m3)" 200
sleep 1
e2e_check "peerlan-control killed with SIGKILL" lab_stop -KILL control
sleep 2
e2e_check "peerlan-control starts again and gets in sync" lab_start_control
e2e_check "show status: connected to the dataplane" \
	e2e_same true "$(lab_control_status .dataplane.connected)"
e2e_check "show status: generation unchanged ($gen1): a resync, not a push" \
	e2e_same "$gen1" "$(lab_control_status .dataplane.generation)"
e2e_check "m1 -> m2 (IPv4): all 200 pings answered across the kill" e2e_ping_lost_nothing 1
e2e_check "m2 -> m3 (IPv6): all 200 pings answered across the kill" e2e_ping_lost_nothing 2
e2e_pings_done
e2e_check "no BGP session flapped across the kill" e2e_no_flap "$before" "$(e2e_sessions_since)"
e2e_finish
