#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The multi-node lab (scripts/lab.sh up --multi-node): two peerlan nodes and
# a foreign EVPN leaf (the kernel's vxlan and bridge) joined by VXLAN over a
# routed underlay, static VTEPs. Every member holds its sessions, every
# pair reaches each other; ARP and ND cross the underlay only as unicast
# VXLAN to the owner's VTEP, as the nodes' counters agree; with node b's
# dataplane killed the others forward on without loss and b's member comes
# back with it; a member moved from node a to node b by a configuration
# change on both is reachable again.
#
# With E2E_EVPN=1 (test_multinode_evpn) the lab runs with --evpn: the
# remote owners come from BGP EVPN (gobgpd and peerlan-evpn beside each
# node, FRR on the leaf and as the route reflector). Besides the above: the
# sessions are up, a MAC that the database does not place on the leaf is
# refused by both nodes; node b's death (dataplane, gobgpd, peerlan-evpn)
# withdraws its member's routes from node a and the leaf; the moved member
# is reachable once node b announces it; with the reflector's bgpd killed
# the peerlan nodes forward on with their last routes and report the
# session's loss (event, metric), and everything comes back with it.
source "$(dirname "$0")/common.sh"

# Before e2e_require: the lab's preflight checks the EVPN mode's tools too.
LAB_EVPN=${E2E_EVPN:-0}
e2e_require tcpdump bridge curl
[[ $LAB_FABRIC == peerlan ]] || e2e_skip "the multi-node lab is peerlan's"
modprobe vxlan 2>/dev/null || true
ip link add "e2e-vx-$$" type vxlan id 1 dstport 4789 2>/dev/null ||
	e2e_skip "this kernel makes no vxlan devices"
ip link del "e2e-vx-$$"

LAB_MULTI=1
e2e_lab_up 4
echo "# placement: $(tr '\n' ' ' <"$LAB_DIR/sites"); $LAB_MOVER can move"
e2e_wait_converged || e2e_finish
e2e_check "every pair reaches each other, IPv4 and IPv6, on the LAN and between prefixes" \
	lab_check_reachability
# Full-size frames cross the underlay: 1500 bytes of IP, don't fragment.
full_size() {
	local a b
	for a in m1 m2 m3; do
		for b in m1 m2 m3; do
			[[ $a != "$b" ]] || continue
			lab_ping "$a" "$(lab_ip4 "$b")" -M do -s 1472 || {
				echo "$a -> $b: 1500 bytes of IPv4 lost"
				return 1
			}
			lab_ping "$a" "$(lab_ip6 "$b")" -M do -s 1452 || {
				echo "$a -> $b: 1500 bytes of IPv6 lost"
				return 1
			}
		done
	done
}
e2e_check "1500-byte packets (DF) between the members on node a, node b and the leaf" full_size

# --- BGP EVPN: the sessions, a route the database does not allow -------------

# jq on peerlan node $1's `show evpn`.
evpn_q() { LAB_DP=$1 lab_peerlanctl --json show evpn | jq -e "$2" >/dev/null; }
# True if node $1 has (or, with !, has not) an installed route of member $2.
has_member() { evpn_q "$1" "[.routes[] | select(.state == \"installed\" and .member == $(lab_asn "$2"))] | length > 0"; }
leaf_has() { bridge -n "$(lab_leafns)" fdb show dev vx | grep -q "^$(lab_mac "$1") dst $2"; }
metric() {
	curl -sf --max-time 10 "http://127.0.0.1:$(lab_metrics_port "$1")/metrics" |
		awk -v k="$2" '$1 == k { print $2 }'
}
stray=02:70:6c:99:99:99
if ((LAB_EVPN)); then
	rr_clients() {
		lab_vtysh und "show bgp l2vpn evpn summary json" |
			jq -e '[.peers[] | select(.state == "Established")] | length == 3' >/dev/null
	}
	e2e_check "the reflector has its three clients (two gobgpds, the leaf) Established" lab_wait_for 30 rr_clients
	sessions_up() { evpn_q a '.session == "up"' && evpn_q b '.session == "up"'; }
	e2e_check "both nodes' EVPN sessions up" sessions_up
	metric_up() { [[ $(metric a peerlan_evpn_session_up) == 1 && $(metric b peerlan_evpn_session_up) == 1 ]]; }
	e2e_check "peerlan_evpn_session_up 1 on both nodes" metric_up
	e2e_check "the leaf announces $stray, which the database does not place there" \
		bridge -n "$(lab_leafns)" fdb add "$stray" dev "$(lab_site_nodes leaf | head -n 1)" master static
	refused() {
		local s
		for s in a b; do
			evpn_q "$s" "[.routes[] | select(.state == \"refused\" and (.route | test(\"$stray\")))] | length > 0" &&
				LAB_DP=$s lab_peerlanctl --json show events |
				jq -e "[.events[] | select(.type == \"evpn-refused\" and (.text | test(\"$stray\")))] | length > 0" \
					>/dev/null || return 1
		done
	}
	e2e_check "both nodes refuse the route for $stray, with an evpn-refused event" lab_wait_for 30 refused
	not_installed() {
		! LAB_DP=a lab_peerlanctl show mac-table | grep -q "$stray" &&
			! LAB_DP=b lab_peerlanctl show mac-table | grep -q "$stray"
	}
	e2e_check "$stray is in neither node's MAC table" not_installed
	# The leaf answers its member's ARP and ND itself (neigh_suppress) from
	# what FRR installed of the nodes' MAC+IP routes; peerlan steers the
	# requests of its members to the owner. Both must give the database's
	# MAC for every address.
	# mac_is WHO NS IP DEV OWNER: NS's neighbour entry for IP on DEV is OWNER's MAC.
	mac_is() {
		local got
		got=$(ip -n "$2" neigh show "$3" dev "$4" | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
		[[ $got == "$(lab_mac "$5")" ]] || echo "$1 resolves $3 to '$got', the database says $(lab_mac "$5")"
		[[ $got == "$(lab_mac "$5")" ]]
	}
	suppression_agrees() {
		local n ip leaf_member
		leaf_member=$(lab_site_nodes leaf | head -n 1)
		for n in $(lab_site_nodes a) $(lab_site_nodes b); do
			for ip in "$(lab_ip4 "$n")" "$(lab_ip6 "$n")"; do
				mac_is "the leaf" "$(lab_leafns)" "$ip" br0 "$n" || return 1
				lab_ping "$leaf_member" "$ip" || return 1
				mac_is "$leaf_member" "$(lab_ns "$leaf_member")" "$ip" ixp0 "$n" || return 1
			done
			for ip in "$(lab_ip4 "$leaf_member")" "$(lab_ip6 "$leaf_member")"; do
				lab_ping "$n" "$ip" || return 1
				mac_is "$n (through peerlan)" "$(lab_ns "$n")" "$ip" ixp0 "$leaf_member" || return 1
			done
		done
	}
	e2e_check "the leaf's ARP/ND suppression and peerlan's answers give the database's MAC for every address" \
		suppression_agrees
fi

# --- ARP and ND are never flooded across the fabric --------------------------

# A counter of port $2 of peerlan node $1, from its telemetry.
ctr() {
	LAB_DP=$1 lab_telemetry "/peerlan/port,$2" | jq -r ".[\"/peerlan/port\"].$3"
}
vtep_ports() {
	local s
	for s in a b leaf; do
		[[ $s != "$1" ]] && lab_vtep_port "$s"
	done
}
steered_sum() {
	local p n=0
	for p in $(vtep_ports "$1"); do
		n=$((n + $(ctr "$1" "$p" steered)))
	done
	echo "$n"
}

# What the underlay router sends into each VTEP's link (so each frame once).
start_underlay_captures() {
	local s dev i
	for s in a b leaf; do
		[[ $s == leaf ]] && dev=ul || dev=u$s
		lab_spawn "capture-u$s" "$LAB_DIR/capture-u$s.log" ip netns exec "$(lab_undns)" \
			tcpdump -i "$dev" -Q out -nn -U -w "$LAB_DIR/capture-u$s.pcap" udp port 4789
	done
	for s in a b leaf; do
		for ((i = 0; i < 100; i++)); do
			grep -q "listening on" "$LAB_DIR/capture-u$s.log" 2>/dev/null && break
			sleep 0.1
		done
		grep -q "listening on" "$LAB_DIR/capture-u$s.log" || return 1
	done
}

# Reads the captures: every inner frame is unicast, and every ARP request
# and neighbour solicitation went to its target's owner's MAC at that
# owner's VTEP. Prints "site requests" per VTEP.
check_captures() {
	local node
	for node in "${LAB_NODES[@]}"; do
		echo "$(lab_ip4 "$node") $(lab_ip6 "$node") $(lab_mac "$node") $(lab_site "$node")"
	done >"$LAB_DIR/owners"
	python3 - "$LAB_DIR/owners" "$LAB_DIR"/capture-u{a,b,leaf}.pcap <<'PY'
import ipaddress, struct, sys
owners = {}
for line in open(sys.argv[1]):
    ip4, ip6, mac, site = line.split()
    owners[ipaddress.ip_address(ip4)] = (mac, site)
    owners[ipaddress.ip_address(ip6)] = (mac, site)
bad, frames, requests = [], 0, {}
for path in sys.argv[2:]:
    site = path.rsplit("capture-u", 1)[1][:-5]
    data = open(path, "rb").read()
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack_from("<I", data, off + 8)[0]
        p = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        ihl = (p[14] & 15) * 4
        inner = p[14 + ihl + 16:]
        if len(inner) < 14:
            continue
        frames += 1
        dst = ":".join("%02x" % b for b in inner[:6])
        etype = struct.unpack_from("!H", inner, 12)[0]
        what = "%s frame to %s (ethertype %04x) into VTEP %s" % ("inner", dst, etype, site)
        if inner[0] & 1:
            bad.append("broadcast or multicast " + what)
            continue
        target = None
        if etype == 0x0806 and struct.unpack_from("!H", inner, 20)[0] == 1:
            target = ipaddress.ip_address(inner[38:42])
        elif etype == 0x86dd and inner[20] == 58 and inner[54] == 135:
            target = ipaddress.ip_address(inner[62:78])
        if target is None:
            continue
        requests[site] = requests.get(site, 0) + 1
        mac, owner_site = owners.get(target, ("?", "?"))
        if dst != mac or site != owner_site:
            bad.append("request for %s (owner %s at %s): %s" % (target, mac, owner_site, what))
for b in bad[:20]:
    print(b)
for site in ("a", "b", "leaf"):
    print("%s %d" % (site, requests.get(site, 0)))
print("frames %d" % frames, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# No VTEP port of either node ever received a broadcast or multicast frame
# (what it receives is what its VTEP sent, decapsulated; what is sent to a
# VTEP is counted on the underlay port, in unicast outer headers, which the
# captures read instead).
no_bum_on_vteps() {
	local s p c n rc=0
	for s in "${LAB_PEERLAN_SITES[@]}"; do
		for p in $(vtep_ports "$s"); do
			for c in rx_broadcast rx_multicast; do
				n=$(ctr "$s" "$p" "$c")
				[[ $n == 0 ]] || {
					echo "node $s port $p: $c $n"
					rc=1
				}
			done
		done
	done
	return $rc
}

flush_neighbours() {
	local n
	for n in $(lab_members) rs; do
		lab_in "$n" ip neigh flush dev ixp0
	done
}

steered_a0=$(steered_sum a)
steered_b0=$(steered_sum b)
e2e_check "tcpdump listens on the underlay router's three links" start_underlay_captures
flush_neighbours
e2e_check "every pair reaches each other again after every neighbour table was flushed" \
	lab_check_reachability
lab_stop capture-ua capture-ub capture-uleaf
captures_ok() {
	check_captures >"$LAB_DIR/requests" || {
		cat "$LAB_DIR/requests"
		return 1
	}
}
e2e_check "on the underlay every inner frame is unicast, every ARP request and NS to its owner's MAC at its owner's VTEP" \
	captures_ok
req_a=$(awk '$1 == "a" { print $2 }' "$LAB_DIR/requests")
req_b=$(awk '$1 == "b" { print $2 }' "$LAB_DIR/requests")
req_leaf=$(awk '$1 == "leaf" { print $2 }' "$LAB_DIR/requests")
req_a=${req_a:-0} req_b=${req_b:-0} req_leaf=${req_leaf:-0}
echo "# ARP requests and NS seen into VTEP a: $req_a, b: $req_b, the leaf: $req_leaf"
steered_a=$(($(steered_sum a) - steered_a0))
steered_b=$(($(steered_sum b) - steered_b0))
agree() {
	((req_a > 0 && req_b > 0 && req_leaf > 0)) || {
		echo "a VTEP received no request at all: a $req_a, b $req_b, leaf $req_leaf"
		return 1
	}
	((steered_a >= req_a && steered_b >= req_b)) || {
		echo "steered from VTEP ports: node a $steered_a, node b $steered_b;" \
			"requests captured into them: $req_a, $req_b"
		return 1
	}
}
e2e_check "the nodes steered from their VTEP ports every request the capture saw arrive (a $steered_a >= $req_a, b $steered_b >= $req_b)" agree
e2e_check "no VTEP port of either node received a broadcast or multicast frame" no_bum_on_vteps

# --- node b's dataplane dies and comes back --------------------------------

gone=m2
[[ $(lab_site "$gone") == b ]] || e2e_check "m2 sits on node b" false
sessions_down() {
	! lab_birdc rs show protocols "${gone}_v4" | grep -q Established &&
		! lab_birdc rs show protocols "${gone}_v6" | grep -q Established
}
before=$(e2e_sessions_since "$gone")
e2e_start_ping m1 "$(lab_ip4 m3)" 1000
e2e_start_ping m3 "$(lab_ip6 m4)" 1000
e2e_start_ping m4 "$(lab_lo4 m3)" 1000 -I "$(lab_lo4 m4)"
if ((LAB_EVPN)); then
	kill_b() { lab_stop -KILL dataplane-b gobgpd-b evpn-b; }
	start_b() { LAB_DP=b lab_start_dataplane && lab_start_node_speaker b; }
	what="node b's dataplane, gobgpd and peerlan-evpn"
else
	kill_b() { LAB_DP=b lab_stop_dataplane -KILL; }
	start_b() { LAB_DP=b lab_start_dataplane; }
	what="node b's dataplane"
fi
e2e_check "$what killed (SIGKILL)" kill_b
no_reach() { ! lab_ping "$gone" "$(lab_ip4 rs)"; }
e2e_check "$gone reaches nobody with its node down" no_reach
if ((LAB_EVPN)); then
	withdrawn() { ! has_member a "$gone" && ! leaf_has "$gone" "$(lab_vtep_ip b)"; }
	e2e_check "$gone's routes withdrawn: gone from node a's show evpn and the leaf's FDB within 30 s" \
		lab_wait_for 30 withdrawn
fi
e2e_check "the route server's sessions with $gone time out within 40 s" lab_wait_for 40 sessions_down
e2e_check "$what started again" start_b
b_in_sync() { [[ $(LAB_DP=b lab_control_status .dataplane.in_sync) == true ]]; }
e2e_check "node b's control in sync with its new dataplane within 30 s" lab_wait_for 30 b_in_sync
e2e_check "m1 (a) -> m3 (leaf), IPv4: all 1000 pings answered while b was down" e2e_ping_lost_nothing 1
e2e_check "m3 (leaf) -> m4 (a), IPv6: all 1000 pings answered while b was down" e2e_ping_lost_nothing 2
e2e_check "m4 -> m3's prefix: all 1000 pings answered while b was down" e2e_ping_lost_nothing 3
e2e_pings_done
e2e_check "no session among the members of node a and the leaf flapped" \
	e2e_no_flap "$before" "$(e2e_sessions_since "$gone")"
if ((LAB_EVPN)); then
	back() { has_member a "$gone" && leaf_has "$gone" "$(lab_vtep_ip b)"; }
	e2e_check "$gone's routes back on node a and the leaf within 60 s" lab_wait_for 60 back
fi
e2e_wait_converged
e2e_check "every pair reaches each other again, $gone included" lab_check_reachability

# --- a member moves from node a to node b --------------------------------------

mover=$LAB_MOVER
e2e_check "$mover moved from node a to node b (both configurations applied, the leaf, the cable)" \
	lab_move_member "$mover" b
on_b() {
	LAB_DP=b lab_peerlanctl show member "$(lab_asn "$mover")" | grep -q "port $mover: admin up, oper up" &&
		LAB_DP=a lab_peerlanctl show member "$(lab_asn "$mover")" | grep -q "port node-b"
}
e2e_check "node b has $mover on its port, node a behind node-b" lab_wait_for 30 on_b
if ((LAB_EVPN)); then
	moved() { has_member a "$mover" && leaf_has "$mover" "$(lab_vtep_ip b)" && ! has_member b "$mover"; }
	e2e_check "node b announces $mover: installed on node a, the leaf's FDB at node b's VTEP, within 30 s" \
		lab_wait_for 30 moved
fi
reach_mover() {
	local n
	for n in rs m1 m2 m3; do
		lab_ping "$n" "$(lab_ip4 "$mover")" && lab_ping "$n" "$(lab_ip6 "$mover")" || return 1
	done
}
e2e_check "$mover is reachable again from every node within 30 s" lab_wait_for 30 reach_mover
e2e_wait_converged
e2e_check "every pair reaches each other with $mover on node b" lab_check_reachability
via_b() { (($(ctr b "$mover" forwarded) > 0)); }
e2e_check "node b forwards $mover's frames from its port" via_b

# --- BGP EVPN: the reflector's bgpd dies and comes back -------------------------

if ((LAB_EVPN)); then
	e2e_check "the reflector's bgpd killed (SIGKILL)" lab_stop -KILL bgpd-und
	down_both() { evpn_q a '.session == "down"' && evpn_q b '.session == "down"'; }
	e2e_check "both nodes see the session down within 30 s" lab_wait_for 30 down_both
	metric_down() { [[ $(metric a peerlan_evpn_session_up) == 0 && $(metric b peerlan_evpn_session_up) == 0 ]]; }
	e2e_check "peerlan_evpn_session_up 0 on both nodes" metric_down
	down_event() {
		local s
		for s in a b; do
			LAB_DP=$s lab_peerlanctl --json show events |
				jq -e '[.events[] | select(.type == "bgp-down")] | length > 0' >/dev/null || return 1
		done
	}
	e2e_check "a bgp-down event on both nodes" down_event
	# The leaf (FRR without graceful restart) drops the routes of its lost
	# session: the pairs that keep forwarding are those of the peerlan nodes.
	peerlan_pairs() {
		local x y
		for x in $(lab_site_nodes a) $(lab_site_nodes b); do
			for y in $(lab_site_nodes a) $(lab_site_nodes b); do
				[[ $x != "$y" && $(lab_site "$x") != $(lab_site "$y") ]] || continue
				lab_ping "$x" "$(lab_ip4 "$y")" && lab_ping "$x" "$(lab_ip6 "$y")" || {
					echo "$x -> $y lost"
					return 1
				}
			done
		done
	}
	e2e_check "members on node a and node b reach each other with the last routes" peerlan_pairs
	kept() { lab_evpn_ready a kept && lab_evpn_ready b kept; }
	e2e_check "both nodes keep every remote member's route installed" kept
	e2e_check "the reflector's bgpd started again" lab_start_frr und bgpd
	e2e_check "the sessions and every route back within 60 s" lab_wait_evpn
	e2e_check "peerlan_evpn_session_up 1 again" lab_wait_for 30 metric_up
	# The leaf's member lost its sessions while the leaf had no routes.
	e2e_wait_converged
	e2e_check "every pair reaches each other with the reflector back" lab_check_reachability
fi
e2e_finish
