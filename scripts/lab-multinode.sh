# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The lab's multi-node mode (scripts/lab.sh up --multi-node), sourced by
# scripts/lab.sh: two peerlan nodes (a and b, each a peerlan-dataplane and a
# peerlan-control of its own) and a foreign EVPN leaf (the kernel's vxlan and
# bridge devices in a namespace), joined by VXLAN over a routed underlay (a
# namespace that routes between three /24s, one per VTEP). Members are
# spread over the three; every node's configuration is the same member list
# with each member placed on its own port or behind the VTEP port of the
# node it sits on. The remote owners are static for now: the nodes' `vtep`
# ports and the leaf's static FDB and neighbour entries are what BGP EVPN
# will carry (docs/lab.md, "Several nodes").
#
# Names, besides the single lab's: ID-und (the underlay router), ID-leaf
# (the leaf), ID-ua and ID-ub (the host ends of the nodes' underlay links,
# their underlay ports' devices), ID-MOVERx (the patch panel of the member
# that can move between a and b), state in LAB_DIR/node-a and node-b, DPDK
# file prefixes ID-a and ID-b.

# 1: the multi-node mode. Set before lab_init.
LAB_MULTI=${LAB_MULTI:-0}
# 1: --evpn, the remote owners carried by BGP EVPN (see lab_build_evpn).
LAB_EVPN=${LAB_EVPN:-0}
# The exporter ports of nodes a and b (EVPN mode), chosen at lab_init.
LAB_METRICS_PORTS=${LAB_METRICS_PORTS:-}
# The member that has a cable to both peerlan nodes (a patch panel), so
# that it can be moved from one to the other: the last member on node a.
LAB_MOVER=
LAB_VNI=10100
# The underlay's IP MTU: the peering LAN's 1500 and VXLAN's 50 (outer IPv4
# 20, UDP 8, VXLAN 8, inner Ethernet 14).
LAB_UMTU=1550
LAB_PEERLAN_SITES=(a b)

lab_site_num() {
	case $1 in
	a) echo 1 ;;
	b) echo 2 ;;
	leaf) echo 3 ;;
	*) return 1 ;;
	esac
}
# VTEP of site S: 198.18.S.1 (RFC 2544 benchmarking space, never routed),
# its next hop the underlay router's 198.18.S.254.
lab_vtep_ip() { echo "198.18.$(lab_site_num "$1").1"; }
lab_vtep_mac() { printf '02:70:6c:ff:%02x:01\n' "$(lab_site_num "$1")"; }
lab_und_ip() { echo "198.18.$(lab_site_num "$1").254"; }
lab_und_mac() { printf '02:70:6c:ff:%02x:fe\n' "$(lab_site_num "$1")"; }
lab_undns() { echo "$LAB_ID-und"; }
lab_leafns() { echo "$LAB_ID-leaf"; }
# The host end of peerlan node S's underlay link (its underlay port's
# device); the router's end is uS.
lab_und_hostif() { echo "$LAB_ID-u$1"; }
# The name of site S's VTEP port in the other nodes' configurations.
lab_vtep_port() { if [[ $1 == leaf ]]; then echo leaf; else echo "node-$1"; fi; }
lab_patchns() { echo "$LAB_ID-${1}x"; }

# Where a node (rs, mi) sits: a, b or leaf, from LAB_DIR/sites.
lab_site() {
	awk -v n="$1" '$1 == n { print $2; f = 1 } END { exit !f }' "$LAB_DIR/sites"
}

lab_site_nodes() {
	awk -v s="$1" '$2 == s { print $1 }' "$LAB_DIR/sites"
}

# The first placement: the route server on a, member i on a, b, leaf in turn.
lab_place_default() {
	local node i sites=(a b leaf)
	: >"$LAB_DIR/sites"
	for node in "${LAB_NODES[@]}"; do
		if [[ $node == rs ]]; then
			echo "rs a"
		else
			i=$(lab_num "$node")
			echo "$node ${sites[(i - 1) % 3]}"
		fi
	done >"$LAB_DIR/sites"
	LAB_MOVER=$(lab_site_nodes a | grep -v '^rs$' | tail -n 1)
}

lab_set_site() {
	local node=$1 site=$2
	awk -v n="$node" -v s="$site" '$1 == n { $2 = s } { print }' "$LAB_DIR/sites" >"$LAB_DIR/sites.new"
	mv "$LAB_DIR/sites.new" "$LAB_DIR/sites"
}

# The host interface of node $1's cable into peerlan node $2: the mover has
# one into each node, through its patch panel.
lab_cable_if() {
	if [[ $1 == "$LAB_MOVER" ]]; then
		echo "$LAB_ID-$1$2"
	else
		lab_hostif "$1"
	fi
}

# The underlay: a router namespace with one /24 per VTEP, MTU 1550 on
# every link; the host ends of the nodes' links are their underlay ports.
# Frames the router sends into peerlan are padded and checksummed as a
# NIC's (lab_make_wire).
lab_make_underlay() {
	local und s hif dev
	und=$(lab_undns)
	echo "$und" >>"$LAB_DIR/netns"
	ip netns add "$und"
	ip netns exec "$und" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 >/dev/null
	ip -n "$und" link set lo up
	for s in "${LAB_PEERLAN_SITES[@]}"; do
		hif=$(lab_und_hostif "$s")
		echo "$hif" >>"$LAB_DIR/links"
		ip link add "$hif" mtu "$LAB_UMTU" type veth peer name "u$s" netns "$und" mtu "$LAB_UMTU"
		lab_sysctl "net.ipv4.conf.$hif.arp_ignore=8" "net.ipv6.conf.$hif.disable_ipv6=1"
		ip link set "$hif" up
		lab_make_wire und "u$s"
	done
	ip link add ul netns "$und" mtu "$LAB_UMTU" type veth peer name und netns "$(lab_leafns)" \
		mtu "$LAB_UMTU"
	for s in a b leaf; do
		[[ $s == leaf ]] && dev=ul || dev=u$s
		ip -n "$und" link set "$dev" address "$(lab_und_mac "$s")"
		ip -n "$und" addr add "$(lab_und_ip "$s")/24" dev "$dev"
		ip -n "$und" link set "$dev" up
	done
}

# The foreign EVPN leaf: a namespace with the kernel's vxlan device (VNI
# 10100, its VTEP on und) in a bridge, its members' cables as bridge ports.
# Its vxlan port suppresses ARP and ND (answers them from the bridge's
# neighbour entries, as an EVPN leaf does from type-2 MAC+IP routes) and
# has no default destination, so it floods nothing into the fabric.
lab_make_leaf() {
	local leaf
	leaf=$(lab_leafns)
	echo "$leaf" >>"$LAB_DIR/netns"
	ip netns add "$leaf"
	ip netns exec "$leaf" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 net.ipv4.conf.all.arp_ignore=1 >/dev/null
	ip -n "$leaf" link set lo up
	ip -n "$leaf" link add br0 type bridge stp_state 0 mcast_snooping 0
	# The bridge needs IPv6 for its ND table, but no address: it sends
	# nothing of its own.
	ip -n "$leaf" link set br0 addrgenmode none
	ip netns exec "$leaf" sysctl -qw net.ipv6.conf.br0.disable_ipv6=0 >/dev/null
	ip -n "$leaf" link set br0 up
}

# The leaf's side of the underlay, once the router has made the link.
lab_leaf_vtep() {
	local leaf
	leaf=$(lab_leafns)
	ip -n "$leaf" link set und address "$(lab_vtep_mac leaf)"
	ip -n "$leaf" addr add "$(lab_vtep_ip leaf)/24" dev und
	ip -n "$leaf" link set und up
	ip -n "$leaf" route add default via "$(lab_und_ip leaf)"
	lab_make_wire leaf und
	ip -n "$leaf" link add vx type vxlan id "$LAB_VNI" local "$(lab_vtep_ip leaf)" dev und \
		dstport 4789 nolearning
	ip -n "$leaf" link set vx master br0
	bridge -n "$leaf" link set dev vx neigh_suppress on learning off
	ip -n "$leaf" link set vx up
}

# What an EVPN leaf installs from the type-2 routes of the peerlan nodes,
# static here: each remote member's MAC towards its node's VTEP (the vxlan
# device's FDB and the bridge's), and its addresses in the bridge's
# neighbour table, from which the leaf answers its own members' ARP and ND.
lab_leaf_entries() {
	local leaf node site mac
	leaf=$(lab_leafns)
	while read -r node site; do
		[[ $site != leaf ]] || continue
		mac=$(lab_mac "$node")
		bridge -n "$leaf" fdb replace "$mac" dev vx dst "$(lab_vtep_ip "$site")" self permanent
		bridge -n "$leaf" fdb replace "$mac" dev vx master static
		ip -n "$leaf" neigh replace "$(lab_ip4 "$node")" lladdr "$mac" dev br0 nud permanent
		ip -n "$leaf" -6 neigh replace "$(lab_ip6 "$node")" lladdr "$mac" dev br0 nud permanent
	done <"$LAB_DIR/sites"
}

# A member's cable into the leaf: a veth from its ixp0 to a port of br0.
lab_make_leaf_cable() {
	local node=$1
	ip link add "$node" netns "$(lab_leafns)" type veth peer name ixp0 netns "$(lab_ns "$node")"
	ip -n "$(lab_leafns)" link set "$node" master br0 up
}

# The mover's patch panel: its ixp0 into a bridge (xc) in a namespace of
# its own, with a cable from there to each peerlan node (a and b, the host
# ends ID-NODEa and ID-NODEb, the panel's to-a and to-b); only the cable to the node it sits on is in
# the bridge and up. The panel has no IPv6 and answers no ARP.
lab_make_patch() {
	local node=$1 px s hif
	px=$(lab_patchns "$node")
	lab_quiet_ns "$px"
	ip -n "$px" link add xc type bridge stp_state 0 mcast_snooping 0
	ip -n "$px" link set xc up
	ip link add member netns "$px" type veth peer name ixp0 netns "$(lab_ns "$node")"
	ip -n "$px" link set member master xc up
	for s in "${LAB_PEERLAN_SITES[@]}"; do
		hif=$(lab_cable_if "$node" "$s")
		echo "$hif" >>"$LAB_DIR/links"
		ip link add "$hif" type veth peer name "to-$s" netns "$px"
		lab_sysctl "net.ipv4.conf.$hif.arp_ignore=8" "net.ipv6.conf.$hif.disable_ipv6=1"
		ip link set "$hif" up
	done
	lab_patch "$node" "$(lab_site "$node")"
}

# Patches the mover's cable to peerlan node $2 (and unplugs the other).
lab_patch() {
	local node=$1 to=$2 px s
	px=$(lab_patchns "$node")
	for s in "${LAB_PEERLAN_SITES[@]}"; do
		[[ $s == "$to" ]] && continue
		ip -n "$px" link set "to-$s" nomaster
		ip -n "$px" link set "to-$s" down
	done
	ip -n "$px" link set "to-$to" master xc up
}

# The configuration of peerlan node $1 (a or b), to $2 (default its
# peerlan.yaml): the lab's LAN with its VNI, a port per member sitting on
# the node (and the mover's on both nodes), the underlay port, a vtep port
# per other VTEP, and every member of the lab, each on its port or behind
# its node's vtep port.
lab_write_node_config() {
	local site=$1 f=${2:-} node s idx=0 d
	# Read by lab_config_head: the node's exporter, in EVPN mode.
	local LAB_METRICS_LISTEN=
	d=$(LAB_DP=$site lab_pdir)
	f=${f:-$d/peerlan.yaml}
	mkdir -p "$d/state"
	# shellcheck disable=SC2034
	((LAB_EVPN)) && LAB_METRICS_LISTEN=127.0.0.1:$(lab_metrics_port "$site")
	{
		echo "# The configuration of node $site of lab $LAB_ID, written by scripts/lab.sh."
		((LAB_EVPN)) && echo "evpn: {asn: $LAB_EVPN_ASN, neighbors: [$(lab_rr_ip "$site")]}"
		lab_config_head "lab-$LAB_ID-$site" "$d" "$LAB_VNI"
		echo "ports:"
		for node in "${LAB_NODES[@]}"; do
			[[ $(lab_site "$node") == "$site" || $node == "$LAB_MOVER" ]] || continue
			echo "  - name: $node"
			echo "    device: $(lab_port_device "$node" "$idx" "$(lab_cable_if "$node" "$site")")"
			lab_config_port_tail "$node"
			idx=$((idx + 1))
		done
		echo "  - name: underlay"
		echo "    kind: underlay"
		echo "    device: $(lab_port_device underlay "$idx" "$(lab_und_hostif "$site")")"
		echo "    mtu: $LAB_UMTU"
		echo "    vtep-address: $(lab_vtep_ip "$site")"
		echo "    vtep-mac: \"$(lab_vtep_mac "$site")\""
		echo "    next-hop-mac: \"$(lab_und_mac "$site")\""
		for s in a b leaf; do
			[[ $s != "$site" ]] || continue
			echo "  - name: $(lab_vtep_port "$s")"
			echo "    kind: vtep"
			echo "    remote: $(lab_vtep_ip "$s")"
			echo "    lans: [peering]"
			echo "    mtu: 1500"
			((LAB_EVPN)) && echo "    evpn: true"
		done
		echo "members:"
		for node in "${LAB_NODES[@]}"; do
			s=$(lab_site "$node")
			if [[ $s == "$site" ]]; then
				lab_config_member "$node" "$node"
			else
				lab_config_member "$node" "$(lab_vtep_port "$s")"
			fi
		done
	} >"$f"
}

# Builds the multi-node lab (after lab_init): leaf, underlay, members on
# their nodes, both peerlan nodes, the leaf's entries, bird.
lab_build_multi() {
	local node s
	lab_build_pad
	lab_make_leaf
	lab_make_underlay
	lab_leaf_vtep
	for node in "${LAB_NODES[@]}"; do
		lab_make_node "$node"
	done
	if ((LAB_EVPN)); then
		lab_build_evpn_speakers || return
	else
		lab_leaf_entries
	fi
	for s in "${LAB_PEERLAN_SITES[@]}"; do
		lab_write_node_config "$s"
		LAB_DP=$s lab_start_dataplane || return
	done
	for s in "${LAB_PEERLAN_SITES[@]}"; do
		LAB_DP=$s lab_start_control || return
	done
	if ((LAB_EVPN)); then
		for s in "${LAB_PEERLAN_SITES[@]}"; do
			lab_start_node_speaker "$s" || return
		done
		lab_wait_evpn || return
	fi
	for node in "${LAB_NODES[@]}"; do
		lab_start_bird "$node"
	done
}

# Moves member $1 from the peerlan node it sits on to node $2, as an
# exchange does with static VTEPs: both nodes' configurations changed in
# one step each (peerlanctl config apply; each node's peerlan.yaml kept as
# its running one, for a restart), the leaf's entries pointed at the new
# node's VTEP, and the cable patched over.
lab_move_member() {
	local node=$1 to=$2 from s
	[[ $node == "$LAB_MOVER" ]] ||
		lab_die "only $LAB_MOVER has a cable to both nodes in lab $LAB_ID" || return
	from=$(lab_site "$node")
	[[ $to == a || $to == b ]] || lab_die "a member moves to node a or b, not '$to'" || return
	[[ $from != "$to" ]] || lab_die "$node sits on node $to already" || return
	lab_set_site "$node" "$to"
	for s in "${LAB_PEERLAN_SITES[@]}"; do
		lab_write_node_config "$s" "$(LAB_DP=$s lab_pdir)/move.yaml"
		LAB_DP=$s lab_peerlanctl config apply "$(LAB_DP=$s lab_pdir)/move.yaml" \
			comment "$node moves from node $from to node $to" >/dev/null || {
			# A node already changed goes back to its running file.
			lab_set_site "$node" "$from"
			[[ $s == a ]] || LAB_DP=a lab_peerlanctl config apply \
				"$(LAB_DP=a lab_pdir)/peerlan.yaml" >/dev/null
			lab_die "node $s refused the move of $node (peerlanctl config apply)"
			return
		}
	done
	for s in "${LAB_PEERLAN_SITES[@]}"; do
		mv "$(LAB_DP=$s lab_pdir)/move.yaml" "$(LAB_DP=$s lab_pdir)/peerlan.yaml"
	done
	((LAB_EVPN)) || lab_leaf_entries
	lab_patch "$node" "$to"
}

lab_show_multi() {
	local s
	echo "== nodes: peerlan node a (VTEP $(lab_vtep_ip a)), node b (VTEP $(lab_vtep_ip b))," \
		"EVPN leaf (kernel vxlan, VTEP $(lab_vtep_ip leaf)), VNI $LAB_VNI, underlay MTU $LAB_UMTU"
	for s in a b leaf; do
		echo "   $s: $(lab_site_nodes "$s" | tr '\n' ' ')"
	done
	echo "   $LAB_MOVER has a cable to both a and b (scripts/lab.sh move --id $LAB_ID $LAB_MOVER a|b)"
	for s in "${LAB_PEERLAN_SITES[@]}"; do
		echo
		echo "== node $s: ports"
		LAB_DP=$s lab_show_ports
	done
	echo
	echo "== the leaf: bridge fdb show dev vx"
	bridge -n "$(lab_leafns)" fdb show dev vx | grep -v '^33:33\|^01:00'
	((LAB_EVPN)) || return 0
	for s in "${LAB_PEERLAN_SITES[@]}"; do
		echo
		echo "== node $s: peerlanctl show evpn"
		LAB_DP=$s lab_peerlanctl show evpn
	done
	echo
	echo "== the route reflector: show bgp l2vpn evpn summary"
	lab_vtysh und "show bgp l2vpn evpn summary"
}

# --- BGP EVPN (--evpn) --------------------------------------------------------
#
# Beside each peerlan node S (a, b) a namespace ID-bgpS holds its BGP
# speaker: gobgpd (its API on the namespace's own 127.0.0.1:50051) and
# peerlan-evpn, which drives it from the node's peerlan-control (CLI socket)
# through the gobgp command. The namespace reaches the underlay router by a
# veth (10.99.N.2, the router's end 10.99.N.1). The underlay router runs
# FRR's bgpd as the route reflector of AS 65000, its clients the two gobgpds
# and the leaf; the leaf runs FRR's zebra and bgpd with advertise-all-vni
# over its vxlan device and bridge, in place of the static entries. Process
# names: gobgpd-S, evpn-S, zebra-und, bgpd-und, zebra-leaf, bgpd-leaf; FRR's
# files in LAB_DIR/frr-und and frr-leaf.

LAB_EVPN_ASN=65000
LAB_GOBGP_API=127.0.0.1:50051
LAB_FRR=/usr/lib/frr

lab_evpn_bin() { echo "$LAB_BUILD/control/evpn/peerlan-evpn"; }
lab_bgpns() { echo "$LAB_ID-bgp$1"; }
# The speaker of peerlan node S: 10.99.N.2; its reflector, the router's end.
lab_speaker_ip() { echo "10.99.$(lab_site_num "$1").2"; }
lab_rr_ip() {
	if [[ $1 == leaf ]]; then lab_und_ip leaf; else echo "10.99.$(lab_site_num "$1").1"; fi
}
lab_metrics_port() {
	local p
	read -r -a p <<<"$LAB_METRICS_PORTS"
	echo "${p[$(($(lab_site_num "$1") - 1))]}"
}

# Two free TCP ports on the host's loopback, for the nodes' exporters.
lab_evpn_ports() {
	LAB_METRICS_PORTS=$(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s:
    x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')
}

lab_frrdir() { echo "$LAB_DIR/frr-$1"; }
# vtysh on the FRR of WHERE (und or leaf).
lab_vtysh() {
	local where=$1
	shift
	ip netns exec "$LAB_ID-$where" vtysh --vty_socket "$(lab_frrdir "$where")" -c "$@"
}

# FRR's configuration for WHERE: the reflector (und) with its three
# clients, or the leaf, a client advertising every local VNI.
lab_frr_conf() {
	local where=$1 s
	echo "frr defaults datacenter"
	echo "hostname $LAB_ID-$where"
	if [[ $where == leaf ]]; then
		# The VTEPs are reached through the leaf's default route: without
		# this, FRR would take the peerlan nodes' next hops as unreachable.
		echo "ip nht resolve-via-default"
	fi
	echo "router bgp $LAB_EVPN_ASN"
	if [[ $where == und ]]; then
		echo " bgp router-id $(lab_und_ip leaf)"
		echo " no bgp default ipv4-unicast"
		echo " neighbor fabric peer-group"
		echo " neighbor fabric remote-as $LAB_EVPN_ASN"
		echo " neighbor fabric timers 3 9"
		echo " neighbor fabric timers connect 1"
		for s in "${LAB_PEERLAN_SITES[@]}"; do
			echo " neighbor $(lab_speaker_ip "$s") peer-group fabric"
		done
		echo " neighbor $(lab_vtep_ip leaf) peer-group fabric"
		echo " address-family l2vpn evpn"
		echo "  neighbor fabric activate"
		echo "  neighbor fabric route-reflector-client"
		echo " exit-address-family"
	else
		echo " bgp router-id $(lab_vtep_ip leaf)"
		echo " no bgp default ipv4-unicast"
		echo " neighbor $(lab_und_ip leaf) remote-as $LAB_EVPN_ASN"
		echo " neighbor $(lab_und_ip leaf) timers 3 9"
		echo " neighbor $(lab_und_ip leaf) timers connect 1"
		echo " address-family l2vpn evpn"
		echo "  neighbor $(lab_und_ip leaf) activate"
		echo "  advertise-all-vni"
		echo " exit-address-family"
	fi
}

# Starts FRR's daemon D (zebra or bgpd) in the namespace of WHERE, each
# FRR with its own path space, sockets and files.
lab_start_frr() {
	local where=$1 d=$2 dir
	dir=$(lab_frrdir "$where")
	lab_spawn "$d-$where" "$dir/$d.log" ip netns exec "$LAB_ID-$where" "$LAB_FRR/$d" \
		-N "$LAB_ID-$where" --vty_socket "$dir" -z "$dir/zserv.api" -i "$dir/$d.pid" \
		-f "$dir/frr.conf" -P 0
}

lab_start_frr_all() {
	local where=$1 dir i
	dir=$(lab_frrdir "$where")
	mkdir -p "$dir"
	lab_frr_conf "$where" >"$dir/frr.conf"
	# FRR drops to its own user: it must reach its directory.
	chmod o+x "$LAB_DIR"
	chown -R frr:frr "$dir"
	lab_start_frr "$where" zebra || return
	for ((i = 0; i < 300; i++)); do
		[[ -S $dir/zserv.api ]] && break
		sleep 0.1
	done
	[[ -S $dir/zserv.api ]] || lab_die "FRR's zebra in $LAB_ID-$where did not start ($dir/zebra.log)" ||
		return
	lab_start_frr "$where" bgpd
}

# The speakers' namespaces and links, the reflector and the leaf's FRR.
# The leaf's vxlan port floods nothing (see docs/lab.md): FRR installs an
# all-zeros FDB entry per type-3 route, which would otherwise send every
# broadcast and multicast frame of the leaf's members into the fabric.
lab_build_evpn_speakers() {
	local s ns leaf node
	leaf=$(lab_leafns)
	for s in "${LAB_PEERLAN_SITES[@]}"; do
		ns=$(lab_bgpns "$s")
		echo "$ns" >>"$LAB_DIR/netns"
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		ip link add bgp netns "$ns" type veth peer name "b$s" netns "$(lab_undns)"
		ip -n "$ns" addr add "$(lab_speaker_ip "$s")/24" dev bgp
		ip -n "$(lab_undns)" addr add "$(lab_rr_ip "$s")/24" dev "b$s"
		ip -n "$ns" link set bgp up
		ip -n "$(lab_undns)" link set "b$s" up
	done
	bridge -n "$leaf" link set dev vx flood off mcast_flood off bcast_flood off
	# The leaf's members, known to its bridge (and so to zebra) from the
	# start rather than once they have sent a frame.
	for node in $(lab_site_nodes leaf); do
		bridge -n "$leaf" fdb replace "$(lab_mac "$node")" dev "$node" master static
	done
	lab_start_frr_all und || return
	lab_start_frr_all leaf
}

lab_start_gobgpd() {
	local s=$1
	lab_spawn "gobgpd-$s" "$(LAB_DP=$s lab_pdir)/gobgpd.log" ip netns exec "$(lab_bgpns "$s")" \
		gobgpd --api-hosts "$LAB_GOBGP_API" --pprof-disable -l info -p
}

lab_start_evpn() {
	local s=$1
	lab_spawn "evpn-$s" "$(LAB_DP=$s lab_pdir)/evpn.log" ip netns exec "$(lab_bgpns "$s")" \
		"$(lab_evpn_bin)" --socket "$(LAB_DP=$s lab_cli_sock)" --api "$LAB_GOBGP_API" --settle 1000
}

# Node S's speaker: gobgpd, then peerlan-evpn (which waits for its API).
lab_start_node_speaker() {
	lab_start_gobgpd "$1" && lab_start_evpn "$1"
}

# How many members peerlan node S has installed routes for (any session
# state: the last known routes stay), and how many the database places on
# another VTEP.
lab_evpn_installed() {
	LAB_DP=$1 lab_peerlanctl --json show evpn |
		jq -r '[.routes[] | select(.state == "installed" and .member != null) | .member] | unique | length'
}
lab_evpn_remote() {
	local node n=0
	for node in "${LAB_NODES[@]}"; do
		[[ $(lab_site "$node") == "$1" ]] || n=$((n + 1))
	done
	echo "$n"
}

# True when peerlan node S has every remote member's route installed, and
# (unless $2 is "kept") its session up.
lab_evpn_ready() {
	local s=$1
	[[ ${2:-} == kept ]] || [[ $(LAB_DP=$s lab_peerlanctl --json show evpn | jq -r .session) == up ]] ||
		return 1
	[[ $(lab_evpn_installed "$s") == "$(lab_evpn_remote "$s")" ]]
}

# Waits up to 60 s until both nodes have every remote member's route and
# the leaf's vxlan device has the MAC of every member on a peerlan node.
lab_wait_evpn() {
	local end=$((SECONDS + 60)) s ok node
	while ((SECONDS < end)); do
		ok=1
		for s in "${LAB_PEERLAN_SITES[@]}"; do
			lab_evpn_ready "$s" 2>/dev/null || ok=0
		done
		for node in "${LAB_NODES[@]}"; do
			[[ $(lab_site "$node") != leaf ]] || continue
			bridge -n "$(lab_leafns)" fdb show dev vx |
				grep -q "^$(lab_mac "$node") dst $(lab_vtep_ip "$(lab_site "$node")")" || ok=0
		done
		((ok)) && return 0
		sleep 0.1
	done
	{
		for s in "${LAB_PEERLAN_SITES[@]}"; do
			echo "node $s: $(LAB_DP=$s lab_peerlanctl show evpn 2>&1)"
			tail -n 5 "$(LAB_DP=$s lab_pdir)/evpn.log"
		done
		lab_vtysh und "show bgp l2vpn evpn summary"
		bridge -n "$(lab_leafns)" fdb show dev vx
	} >&2
	lab_die "BGP EVPN did not converge within 60 s (node logs evpn.log, gobgpd.log; $LAB_DIR/frr-*)"
}
