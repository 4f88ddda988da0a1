#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The virtual IXP lab: a working exchange on one machine, with no NIC and no
# spare router. Each member router is a network namespace running bird2,
# joined by a veth pair to a port of peerlan-dataplane; one more namespace is
# the exchange's route server. Members peer over IPv4 and IPv6, with the
# route server and bilaterally, and each announces a documentation prefix of
# its own. docs/lab.md shows the picture and the exercises.
#
# Run as root:   scripts/lab.sh up|demo|status|restart|down [options]   (lab_usage)
#
# The file is also a library: tests/e2e source it and build their labs with
# these same functions, so what the tests prove is what the lab builds.
# Sourcing it defines lab_* functions and LAB_* settings and runs nothing.
#
# Everything a lab creates is named after its id (pl + 4 hex digits) and
# recorded in its state directory /run/peerlan-lab-ID before it is created,
# so tear-down removes exactly that, by name and by pid, and nothing else.

LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_BUILD=${LAB_BUILD:-$LAB_ROOT/build}
LAB_RUN=${LAB_RUN:-/run}
# Documentation ASNs (RFC 5398) give the route server and up to 15 members.
LAB_MEMBERS_MAX=15
LAB_ASN_BASE=64496
LAB_LAN4=192.0.2.0/24
LAB_LAN6=2001:db8:100::/64
# RFC 7999 blackholing: the route server rewrites the next hop of a route
# tagged BLACKHOLE (65535:666) to these, which peerlan answers for with
# LAB_BH_MAC and drops all traffic to.
LAB_BH4=192.0.2.66
LAB_BH6=2001:db8:100::66
LAB_BH_MAC=02:70:6c:00:06:66
# The jumbo-frame LAN (--jumbo): a second peering LAN with MTU 9000, on which
# each member has a second port and router interface (ixp1); no BGP runs on
# it. Its fabric ports take frames up to 9216 bytes of IP, as a switch port
# does, so that what a member sends over the LAN's MTU reaches peerlan and
# is dropped there as oversize.
LAB_JLAN4=198.51.100.128/25
LAB_JLAN6=2001:db8:200::/64
LAB_JMTU=9000
LAB_JPORT_MTU=9216
# BGP timers are short so that a lost dataplane is noticed, and a restored
# one recovered, in seconds rather than minutes; they allow for a machine
# whose one spare core is shared by every router.
LAB_BGP_HOLD=${LAB_BGP_HOLD:-15}
LAB_BGP_KEEPALIVE=${LAB_BGP_KEEPALIVE:-5}

# Set by lab_init or lab_load.
LAB_ID=
LAB_DIR=
LAB_N=
LAB_PORT_TYPE=
LAB_FABRIC=
LAB_NODES=()
# Spare ports: nodes built and wired to a peerlan port that no member holds
# yet, so that a member can be added by a live configuration change (ports
# are fixed while the dataplane runs). Set before lab_init.
LAB_SPARE=${LAB_SPARE:-0}
# A member behind a LAG (scripts/lab.sh --lag NODE): its peerlan port is a
# LAG of two links whose other end is an Open vSwitch bond (userspace
# datapath, LACP active, fast) in a namespace of its own, NODE's router
# hanging off that switch, as a member's router behind its own switch.
# The kernel here has no bonding driver, so the router's own interface
# cannot be the bond. Set before lab_init.
LAB_LAG=${LAB_LAG:-}
# 1: the members are on the jumbo-frame LAN too. Set before lab_init.
LAB_JUMBO=${LAB_JUMBO:-0}
# 1: the dataplane runs on hugepages the lab reserves and gives back (a
# hugetlbfs of its own under its state directory), as a server's does, so
# that DPDK's capture tools can attach to it (`peerlanctl capture`). Set
# before lab_init; 0 runs it with --no-huge.
LAB_HUGEPAGES=${LAB_HUGEPAGES:-0}
# A user for the dataplane to switch to once started (--user), as the
# service does: its DPDK runtime directory is then LAB_DIR/run/dpdk/LAB_ID
# (RUNTIME_DIRECTORY, as systemd's RuntimeDirectory= sets it), a directory
# of that user's. Set before lab_init; empty: the dataplane stays root.
LAB_USER=${LAB_USER:-}
# The dataplane's EAL -m, MB; hugepages reserved: this and room for a capture.
LAB_MEM=512
LAB_HUGE_NR=$((LAB_MEM / 2 + 64))
# shellcheck source=lab-multinode.sh
source "$LAB_ROOT/scripts/lab-multinode.sh"

lab_usage() {
	cat <<'EOF'
usage: scripts/lab.sh COMMAND [options]

commands:
  up       build the lab and leave it running
  demo     build the lab, show reachability and BGP state, tear it down
  status   show a running lab: nodes, ports, BGP sessions
  restart  stop peerlan-dataplane of a running lab and start it again
           (--kill: with SIGKILL, as a crash would)
  down     tear a running lab down (the only one, or --id ID, or --all)
  move     move NODE a|b: move a member of a multi-node lab to the other
           peerlan node (both nodes' configurations, the leaf, the cable)

options:
  --members N        member routers, 2..15 (default 4), plus the route server
  --port-type TYPE   af_packet (default) or af_xdp: how peerlan reaches a veth
  --fabric KIND      peerlan (default) or bridge: a plain Linux bridge in
                     place of peerlan, to compare what members see
  --lag NODE         member NODE (m1..) reaches peerlan over a LAG of two
                     links, negotiated with LACP by an Open vSwitch bond
  --multi-node       two peerlan nodes (a, b) and a foreign EVPN leaf (the
                     kernel's vxlan and bridge) joined by VXLAN over a routed
                     underlay, members spread over them (3..15 members)
  --evpn             with --multi-node: the remote owners carried by BGP EVPN
                     (gobgpd and peerlan-evpn beside each node, FRR as the
                     leaf's speaker and as the route reflector)
  --node a|b         with restart: which node of a multi-node lab
  --jumbo            a second peering LAN with MTU 9000 (VLAN 200): each
                     member gets a port on it (mN-jumbo) and an interface
                     ixp1 with 198.51.100.(128+N) and 2001:db8:200::N
  --id ID            the lab to show or tear down
  --all              with down: every lab on this machine
  --kill             with restart: kill the dataplane with SIGKILL
  --no-setup         do not install packages or build (already done)
  --hugepages        run the dataplane on hugepages the lab reserves and gives
                     back at down, so that `peerlanctl capture` works
  --user USER        the dataplane switches to USER once started (--user), as
                     the service does; its DPDK runtime directory is the lab's
EOF
}

lab_log() {
	printf 'lab: %s\n' "$*" >&2
}

lab_die() {
	lab_log "error: $*"
	return 1
}

# --- the lab's address plan -------------------------------------------------
# Node rs is the route server; m1..mN are members. Member i has the LAN
# addresses 192.0.2.i and 2001:db8:100::i, MAC 02:70:6c:00:00:ii, AS 64496+i,
# and announces 198.51.100.i/32 and 2001:db8:i::/48, whose addresses
# 198.51.100.i and 2001:db8:i::1 are on its loopback.

lab_num() {
	case $1 in
	rs) echo 0 ;;
	m*) echo "${1#m}" ;;
	*) return 1 ;;
	esac
}

lab_ip4() {
	local i
	i=$(lab_num "$1")
	if ((i == 0)); then echo 192.0.2.254; else echo "192.0.2.$i"; fi
}

lab_ip6() {
	local i
	i=$(lab_num "$1")
	if ((i == 0)); then echo 2001:db8:100::254; else echo "2001:db8:100::$i"; fi
}

lab_mac() {
	local i
	i=$(lab_num "$1")
	if ((i == 0)); then i=254; fi
	printf '02:70:6c:00:00:%02x\n' "$i"
}

lab_asn() {
	echo $((LAB_ASN_BASE + $(lab_num "$1")))
}

# On the jumbo-frame LAN member i is 198.51.100.(128+i), 2001:db8:200::i,
# MAC 02:70:6c:00:01:ii, on the port mi-jumbo.
lab_jip4() { echo "198.51.100.$((128 + $(lab_num "$1")))"; }
lab_jip6() { echo "2001:db8:200::$(lab_num "$1")"; }
lab_jmac() { printf '02:70:6c:00:01:%02x\n' "$(lab_num "$1")"; }
lab_jport() { echo "$1-jumbo"; }
lab_jhostif() { echo "$LAB_ID-$1j"; }

lab_lo4() { echo "198.51.100.$(lab_num "$1")"; }
lab_lo6() { echo "2001:db8:$(lab_num "$1")::1"; }
lab_pfx4() { echo "$(lab_lo4 "$1")/32"; }
lab_pfx6() { echo "2001:db8:$(lab_num "$1")::/48"; }

lab_ns() { echo "$LAB_ID-$1"; }
# The host-side end of a node's veth, and the name of its peerlan port's
# device; the namespace side is always ixp0.
lab_hostif() { echo "$LAB_ID-$1"; }
lab_fabns() { echo "$LAB_ID-fab"; }
lab_ctl() { echo "$LAB_DIR/$1/bird.ctl"; }

lab_members() {
	local n
	for n in "${LAB_NODES[@]}"; do
		[[ $n == rs ]] || echo "$n"
	done
}

lab_in() {
	local node=$1
	shift
	ip netns exec "$(lab_ns "$node")" "$@"
}

lab_birdc() {
	local node=$1
	shift
	birdc -s "$(lab_ctl "$node")" "$@"
}

# --- state: what a lab made, recorded before it is made -----------------------

lab_set_nodes() {
	local i
	LAB_NODES=(rs)
	for ((i = 1; i <= LAB_N; i++)); do
		LAB_NODES+=("m$i")
	done
}

# The nodes on spare ports: the members that come after the lab's N.
lab_spares() {
	local i
	for ((i = LAB_N + 1; i <= LAB_N + LAB_SPARE; i++)); do
		echo "m$i"
	done
}

# Picks a fresh id and creates the state directory. mkdir is the lock: two
# labs started at once cannot get the same id.
lab_init() {
	local n=$1 ptype=$2 fabric=$3 tries id
	[[ $n =~ ^[0-9]+$ ]] && ((n >= 2 && n + LAB_SPARE <= LAB_MEMBERS_MAX)) ||
		lab_die "--members must be 2..$LAB_MEMBERS_MAX, not '$n'" || return
	[[ $ptype == af_packet || $ptype == af_xdp ]] ||
		lab_die "--port-type must be af_packet or af_xdp, not '$ptype'" || return
	[[ $fabric == peerlan || $fabric == bridge ]] ||
		lab_die "--fabric must be peerlan or bridge, not '$fabric'" || return
	if [[ -n $LAB_LAG ]]; then
		[[ $LAB_LAG =~ ^m[1-9][0-9]?$ ]] && ((${LAB_LAG#m} <= n)) ||
			lab_die "--lag must name a member, m1..m$n, not '$LAB_LAG'" || return
		[[ $fabric == peerlan ]] || lab_die "--lag needs the peerlan fabric" || return
	fi
	if ((LAB_MULTI)); then
		((n >= 3)) || lab_die "--multi-node needs at least 3 members (one per node)" || return
		[[ $fabric == peerlan && -z $LAB_LAG && $LAB_JUMBO == 0 && $LAB_HUGEPAGES == 0 &&
			$LAB_SPARE == 0 && -z $LAB_USER ]] ||
			lab_die "--multi-node goes with neither --fabric bridge, --lag, --jumbo, --hugepages nor --user" ||
			return
	fi
	((LAB_EVPN == 0 || LAB_MULTI)) || lab_die "--evpn needs --multi-node" || return
	[[ $LAB_JUMBO == 0 || $ptype == af_packet ]] ||
		lab_die "--jumbo needs --port-type af_packet (net_af_xdp takes no frame over 4 KB)" || return
	for ((tries = 0; tries < 20; tries++)); do
		id=pl$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
		if ! ip netns list | grep -q "^$id-" && ! ip -o link show | grep -q ": $id-" &&
			[[ ! -e /var/run/dpdk/$id ]] && mkdir "$LAB_RUN/peerlan-lab-$id" 2>/dev/null; then
			LAB_ID=$id
			LAB_DIR=$LAB_RUN/peerlan-lab-$id
			LAB_N=$n
			LAB_PORT_TYPE=$ptype
			LAB_FABRIC=$fabric
			lab_set_nodes
			mkdir -p "$LAB_DIR/pid"
			: >"$LAB_DIR/netns"
			: >"$LAB_DIR/links"
			((LAB_MULTI)) && lab_place_default
			((LAB_EVPN)) && lab_evpn_ports
			printf 'LAB_ID=%s\nLAB_N=%s\nLAB_SPARE=%s\nLAB_PORT_TYPE=%s\nLAB_FABRIC=%s\nLAB_LAG=%s\nLAB_JUMBO=%s\nLAB_HUGEPAGES=%s\nLAB_USER=%s\nLAB_MULTI=%s\nLAB_MOVER=%s\nLAB_EVPN=%s\nLAB_METRICS_PORTS=%s\n' \
				"$LAB_ID" "$LAB_N" "$LAB_SPARE" "$LAB_PORT_TYPE" "$LAB_FABRIC" "$LAB_LAG" "$LAB_JUMBO" \
				"$LAB_HUGEPAGES" "$LAB_USER" "$LAB_MULTI" "$LAB_MOVER" "$LAB_EVPN" "$LAB_METRICS_PORTS" \
				>"$LAB_DIR/lab.env"
			return 0
		fi
	done
	lab_die "could not find a free lab id"
}

# Loads a running lab's settings from its state directory.
lab_load() {
	local id=$1 dir
	[[ $id =~ ^pl[0-9a-f]{4}$ ]] || lab_die "'$id' is not a lab id (pl and 4 hex digits)" || return
	dir=$LAB_RUN/peerlan-lab-$id
	[[ -f $dir/lab.env ]] || lab_die "no lab $id here ($dir/lab.env missing)" || return
	LAB_ID=$(sed -n 's/^LAB_ID=//p' "$dir/lab.env")
	LAB_N=$(sed -n 's/^LAB_N=//p' "$dir/lab.env")
	LAB_SPARE=$(sed -n 's/^LAB_SPARE=//p' "$dir/lab.env")
	LAB_SPARE=${LAB_SPARE:-0}
	LAB_PORT_TYPE=$(sed -n 's/^LAB_PORT_TYPE=//p' "$dir/lab.env")
	LAB_FABRIC=$(sed -n 's/^LAB_FABRIC=//p' "$dir/lab.env")
	LAB_LAG=$(sed -n 's/^LAB_LAG=//p' "$dir/lab.env")
	LAB_JUMBO=$(sed -n 's/^LAB_JUMBO=//p' "$dir/lab.env")
	LAB_JUMBO=${LAB_JUMBO:-0}
	LAB_HUGEPAGES=$(sed -n 's/^LAB_HUGEPAGES=//p' "$dir/lab.env")
	LAB_HUGEPAGES=${LAB_HUGEPAGES:-0}
	LAB_USER=$(sed -n 's/^LAB_USER=//p' "$dir/lab.env")
	LAB_MULTI=$(sed -n 's/^LAB_MULTI=//p' "$dir/lab.env")
	LAB_MULTI=${LAB_MULTI:-0}
	LAB_MOVER=$(sed -n 's/^LAB_MOVER=//p' "$dir/lab.env")
	LAB_EVPN=$(sed -n 's/^LAB_EVPN=//p' "$dir/lab.env")
	LAB_EVPN=${LAB_EVPN:-0}
	LAB_METRICS_PORTS=$(sed -n 's/^LAB_METRICS_PORTS=//p' "$dir/lab.env")
	[[ $LAB_ID == "$id" && $LAB_N =~ ^[0-9]+$ ]] || lab_die "$dir/lab.env is damaged" || return
	LAB_DIR=$dir
	lab_set_nodes
}

# Lab ids of every lab with a state directory on this machine.
lab_list() {
	local d
	for d in "$LAB_RUN"/peerlan-lab-pl*; do
		[[ -f $d/lab.env ]] && echo "${d##*/peerlan-lab-}"
	done
	return 0
}

# The start time of a process, in clock ticks since boot: with the pid it
# names one process for good, so a recycled pid is never mistaken for ours.
lab_starttime() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	# Field 22; the command name (field 2) may hold spaces, so cut after ')'.
	stat=${stat##*) }
	awk '{ print $20 }' <<<"$stat"
}

lab_record_pid() {
	local name=$1 pid=$2 st
	st=$(lab_starttime "$pid") || lab_die "process $pid ($name) is gone already" || return
	echo "$pid $st" >"$LAB_DIR/pid/$name"
}

# True if process $1 started at $2 (lab_starttime) is still running: a pid
# reused since, or a zombie waiting to be reaped, is not.
lab_alive() {
	local stat
	[[ $1 =~ ^[0-9]+$ && $(lab_starttime "$1") == "$2" ]] || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]]
}

# The recorded pid of a process if it is still running, else nothing.
lab_pid() {
	local f=$LAB_DIR/pid/$1 pid st
	[[ -f $f ]] || return 1
	read -r pid st <"$f"
	lab_alive "$pid" "$st" || return 1
	echo "$pid"
}

# Starts a command in its own session (so a terminal's ^C reaches only the
# script, whose trap then tears down in order), output appended to a log
# file, which so keeps the story of a restarted process.
lab_spawn() {
	local name=$1 log=$2 pid
	shift 2
	setsid "$@" >>"$log" 2>&1 </dev/null &
	pid=$!
	lab_record_pid "$name" "$pid"
}

# Stops recorded processes, all at once: the signal (TERM by default), then
# KILL to any still there after 5 s. Bird takes a moment to close its
# sessions politely, so stopping them in turn would add up.
lab_stop() {
	local sig=TERM name pid i left
	local -A procs=()
	if [[ ${1:-} == -* ]]; then
		sig=${1#-}
		shift
	fi
	for name in "$@"; do
		if pid=$(lab_pid "$name"); then
			procs[$name]=$pid
			kill "-$sig" "$pid" 2>/dev/null || true
		fi
	done
	for ((i = 0; i < 50; i++)); do
		left=0
		for name in "${!procs[@]}"; do
			# A child of this shell stays a zombie until reaped.
			wait "${procs[$name]}" 2>/dev/null || true
			lab_pid "$name" >/dev/null && left=1
		done
		((left)) || break
		sleep 0.1
	done
	for name in "${!procs[@]}"; do
		if lab_pid "$name" >/dev/null; then
			kill -KILL "${procs[$name]}" 2>/dev/null || true
			wait "${procs[$name]}" 2>/dev/null || true
		fi
	done
	for name in "$@"; do
		rm -f "$LAB_DIR/pid/$name"
	done
}

# --- building ---------------------------------------------------------------

lab_sysctl() {
	sysctl -qw "$@" >/dev/null
}

# A member router: its namespace, the veth to the fabric, its addresses on
# the LAN, and on its loopback an address of the prefix it announces.
lab_make_node() {
	local node=$1 ns hif mac
	ns=$(lab_ns "$node")
	hif=$(lab_hostif "$node")
	mac=$(lab_mac "$node")

	echo "$ns" >>"$LAB_DIR/netns"
	ip netns add "$ns"
	# Routers neither solicit nor accept router advertisements; the plan's
	# addresses are unique, so duplicate address detection only adds delay;
	# ARP answers only for addresses of the interface asked on, as exchanges
	# ask of their members.
	lab_in "$node" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.forwarding=1 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 >/dev/null
	ip -n "$ns" link set lo up

	if [[ $LAB_FABRIC == bridge ]]; then
		echo "$hif" >>"$LAB_DIR/links"
		ip link add "$hif" netns "$(lab_fabns)" type veth peer name ixp0 netns "$ns"
		ip -n "$(lab_fabns)" link set "$hif" master fabric0 up
	elif [[ $node == "$LAB_LAG" ]]; then
		lab_make_lag_wires "$node"
	elif ((LAB_MULTI)) && [[ $(lab_site "$node") == leaf ]]; then
		lab_make_leaf_cable "$node"
	elif ((LAB_MULTI)) && [[ $node == "$LAB_MOVER" ]]; then
		lab_make_patch "$node"
	else
		echo "$hif" >>"$LAB_DIR/links"
		ip link add "$hif" type veth peer name ixp0 netns "$ns"
		# The host side is only a wire into peerlan: no addresses, no ARP
		# answers, no IPv6, so nothing of the lab reaches the host's stack.
		lab_sysctl "net.ipv4.conf.$hif.arp_ignore=8" "net.ipv6.conf.$hif.disable_ipv6=1"
		ip link set "$hif" up
	fi

	lab_make_wire "$node"
	ip -n "$ns" link set ixp0 address "$mac"
	ip -n "$ns" addr add "$(lab_ip4 "$node")/24" dev ixp0
	ip -n "$ns" addr add "$(lab_ip6 "$node")/64" dev ixp0 nodad
	ip -n "$ns" link set ixp0 up
	if [[ $node != rs ]]; then
		ip -n "$ns" addr add "$(lab_lo4 "$node")/32" dev lo
		ip -n "$ns" addr add "$(lab_lo6 "$node")/128" dev lo nodad
		if ((LAB_JUMBO)); then
			lab_make_jumbo_if "$node"
		fi
	fi
}

# The wires of the member behind a LAG: two veths from the host (peerlan's
# links, named after the node's with l0 and l1) into the partner switch's
# namespace (b0, b1, the bond), and one from the switch (e0) to the
# router's ixp0. The switch's namespace has no IPv6 and answers no ARP, so
# the LAN sees only the router.
lab_make_lag_wires() {
	local node=$1 ns sw hif k
	ns=$(lab_ns "$node")
	sw=$(lab_swns "$node")
	hif=$(lab_hostif "$node")
	lab_quiet_ns "$sw"
	for k in 0 1; do
		echo "${hif}l$k" >>"$LAB_DIR/links"
		ip link add "${hif}l$k" type veth peer name "b$k" netns "$sw"
		lab_sysctl "net.ipv4.conf.${hif}l$k.arp_ignore=8" "net.ipv6.conf.${hif}l$k.disable_ipv6=1"
		ip link set "${hif}l$k" up
		ip -n "$sw" link set "b$k" up
	done
	ip link add e0 netns "$sw" type veth peer name ixp0 netns "$ns"
	ip -n "$sw" link set e0 up
}

# The namespace of node $1's partner switch, and its state directory.
lab_swns() { echo "$LAB_ID-${1}sw"; }
lab_swdir() { echo "$LAB_DIR/$1-sw"; }

# ovs-vsctl and ovs-appctl of node $1's partner switch.
lab_swctl() {
	local d
	d=$(lab_swdir "$1")
	shift
	ovs-vsctl --db="unix:$d/db.sock" --timeout=30 "$@"
}
lab_swapp() {
	local d
	d=$(lab_swdir "$1")
	shift
	ovs-appctl -t "$d/vswitchd.ctl" "$@"
}

# Starts the partner switch of the member behind a LAG: Open vSwitch's
# database and switch in the switch's namespace, with their files in the
# lab's state directory (never the system's service), a netdev (userspace)
# bridge and a bond of b0 and b1 with LACP active, fast, balance-tcp.
lab_start_lag_switch() {
	local node=$1 d sw
	d=$(lab_swdir "$node")
	sw=$(lab_swns "$node")
	mkdir -p "$d"
	ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema ||
		lab_die "ovsdb-tool cannot create $d/conf.db" || return
	OVS_RUNDIR=$d OVS_LOGDIR=$d OVS_DBDIR=$d ip netns exec "$sw" ovsdb-server "$d/conf.db" \
		--remote="punix:$d/db.sock" --pidfile="$d/ovsdb.pid" --unixctl="$d/ovsdb.ctl" \
		--log-file="$d/ovsdb.log" --detach ||
		lab_die "ovsdb-server of $node's switch did not start" || return
	lab_record_pid "ovsdb-$node" "$(cat "$d/ovsdb.pid")"
	lab_swctl "$node" --no-wait init
	OVS_RUNDIR=$d OVS_LOGDIR=$d OVS_DBDIR=$d ip netns exec "$sw" ovs-vswitchd "unix:$d/db.sock" \
		--pidfile="$d/vswitchd.pid" --unixctl="$d/vswitchd.ctl" --log-file="$d/vswitchd.log" \
		--detach || lab_die "ovs-vswitchd of $node's switch did not start" || return
	lab_record_pid "ovs-$node" "$(cat "$d/vswitchd.pid")"
	lab_swctl "$node" add-br br0 -- set bridge br0 datapath_type=netdev \
		-- add-bond br0 bond0 b0 b1 lacp=active bond_mode=balance-tcp \
		other_config:lacp-time=fast -- add-port br0 e0 ||
		lab_die "the bridge of $node's switch could not be made" || return
}

# A field of the LAG of node $1 as the dataplane sees it (/peerlan/lag).
lab_lag() {
	lab_telemetry "/peerlan/lag,$1" | jq -r ".[\"/peerlan/lag\"]$2"
}

# Waits up to $1 seconds for a command to succeed, trying every 0.2 s.
lab_wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < end)) || return 1
		sleep 0.2
	done
}

lab_lag_bundled() { [[ $(lab_lag "$1" .links_bundled) == "$2" ]]; }

# Waits up to $2 seconds until the LAG of node $1 has $3 links bundled.
lab_wait_lag() {
	lab_wait_for "$2" lab_lag_bundled "$1" "$3" && return 0
	echo "LAG $1: $(lab_lag "$1" .links_bundled) links bundled after $2 s, not $3"
	return 1
}

# A member's interface on the jumbo-frame LAN: ixp1, MTU 9000, joined by its
# own veth to its own fabric port (or to the comparison bridge).
lab_make_jumbo_if() {
	local node=$1 ns hif
	ns=$(lab_ns "$node")
	hif=$(lab_jhostif "$node")
	echo "$hif" >>"$LAB_DIR/links"
	if [[ $LAB_FABRIC == bridge ]]; then
		ip link add "$hif" netns "$(lab_fabns)" mtu "$LAB_JPORT_MTU" type veth \
			peer name ixp1 netns "$ns" mtu "$LAB_JMTU"
		ip -n "$(lab_fabns)" link set "$hif" master fabric1 up
	else
		ip link add "$hif" mtu "$LAB_JPORT_MTU" type veth peer name ixp1 netns "$ns" mtu "$LAB_JMTU"
		lab_sysctl "net.ipv4.conf.$hif.arp_ignore=8" "net.ipv6.conf.$hif.disable_ipv6=1"
		ip link set "$hif" up
	fi
	lab_make_wire "$node" ixp1
	ip -n "$ns" link set ixp1 address "$(lab_jmac "$node")"
	ip -n "$ns" addr add "$(lab_jip4 "$node")/${LAB_JLAN4#*/}" dev ixp1
	ip -n "$ns" addr add "$(lab_jip6 "$node")/64" dev ixp1 nodad
	ip -n "$ns" link set ixp1 up
}

# A veth is not a wire, and left alone it hands the other end what no NIC
# would put on one: checksums left for an offload that never happens (the
# AF_PACKET socket at the other end forwards them as they are), TCP segments
# larger than the MTU, and frames under the Ethernet minimum of 60 bytes,
# which the fabric rightly drops as runts. The member's side is made to send
# as a NIC does: checksums and segmentation in software, and short frames
# padded to 60 bytes by a small tc program.
lab_make_wire() {
	local node=$1 dev=${2:-ixp0}
	lab_in "$node" ethtool -K "$dev" tx off sg off tso off gso off >/dev/null
	lab_in "$node" tc qdisc add dev "$dev" clsact
	lab_in "$node" tc filter add dev "$dev" egress bpf direct-action obj "$LAB_DIR/pad60.o" sec tc
}

# Compiles the padding program of lab_make_wire into the state directory.
lab_build_pad() {
	clang -O2 -target bpf -I"/usr/include/$(gcc -print-multiarch)" -x c - \
		-c -o "$LAB_DIR/pad60.o" <<'EOF'
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

/* Pads every frame sent to the 60-byte Ethernet minimum, as a NIC does. */
SEC("tc")
int pad60(struct __sk_buff *skb)
{
	if (skb->len < 60)
		bpf_skb_change_tail(skb, 60, 0);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
EOF
}

# Makes (and records) namespace $1 for a switch or a wire: no IPv6, no ARP
# answers, so that the LAN sees nothing of it.
lab_quiet_ns() {
	echo "$1" >>"$LAB_DIR/netns"
	ip netns add "$1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 net.ipv4.conf.all.arp_ignore=8 \
		net.ipv4.conf.default.arp_ignore=8 >/dev/null
}

# The comparison fabric: one Linux bridge in a namespace of its own, with no
# address and no IPv6, flooding as any learning switch does.
lab_make_bridge() {
	local ns
	ns=$(lab_fabns)
	lab_quiet_ns "$ns"
	ip -n "$ns" link add fabric0 type bridge stp_state 0 mcast_snooping 0
	ip -n "$ns" link set fabric0 up
	if ((LAB_JUMBO)); then
		ip -n "$ns" link add fabric1 type bridge stp_state 0 mcast_snooping 0
		ip -n "$ns" link set fabric1 up
	fi
}

# The DPDK device of a node's port, as vdev number $2; $3 jumbo: its port
# on the jumbo LAN, whose kernel ring frames hold 9216 bytes of IP
# (net_af_packet's framesz; net_af_xdp takes no frame over 4 KB and the lab
# refuses --jumbo with it); $3 another name: that interface rather than the
# node's veth (a link of a LAG).
lab_port_device() {
	local node=$1 idx=$2 iface
	iface=$(lab_hostif "$node")
	if [[ ${3:-} == jumbo ]]; then
		echo "net_af_packet$idx,iface=$(lab_jhostif "$node"),blocksz=20480,framesz=10240,framecnt=256"
		return
	fi
	[[ -n ${3:-} ]] && iface=$3
	case $LAB_PORT_TYPE in
	af_packet) echo "net_af_packet$idx,iface=$iface" ;;
	af_xdp) echo "net_af_xdp$idx,iface=$iface,start_queue=0,queue_count=1" ;;
	esac
}

# The head of a peerlan configuration: fabric name $1, the management
# sockets and state in directory $2, the peering LAN (with VNI $3 if given).
lab_config_head() {
	echo "fabric:"
	echo "  name: $1"
	echo "management:"
	echo "  control-socket: $2/control.sock"
	echo "  cli-socket: $2/cli.sock"
	echo "  cli-readonly-socket: $2/cli-ro.sock"
	echo "  state-dir: $2/state"
	echo "  metrics: ${LAB_METRICS_LISTEN:-off}"
	echo "lans:"
	echo "  - name: peering"
	echo "    vlan: 100"
	[[ -z ${3:-} ]] || echo "    vni: $3"
	echo "    ipv4: $LAB_LAN4"
	echo "    ipv6: $LAB_LAN6"
	echo "    blackhole: {mac: $LAB_BH_MAC, ipv4: $LAB_BH4, ipv6: \"$LAB_BH6\"}"
}

# The description and LAN of node $1's port on the peering LAN.
lab_config_port_tail() {
	if [[ $1 == rs ]]; then
		echo "    description: route server"
	else
		echo "    description: member router $1"
	fi
	echo "    lans: [peering]"
}

# Node $1 as a member, connected to the peering LAN on port $2.
lab_config_member() {
	local node=$1
	echo "  - asn: $(lab_asn "$node")"
	if [[ $node == rs ]]; then
		echo "    name: route-server"
	else
		echo "    name: member-$node"
	fi
	echo "    connections:"
	echo "      - port: $2"
	echo "        lans:"
	echo "          - lan: peering"
	echo "            macs: [$(lab_mac "$node")]"
	echo "            ipv4: [$(lab_ip4 "$node")]"
	echo "            ipv6: [$(lab_ip6 "$node")]"
}

# The peerlan configuration: one peering LAN, one access port per node and
# spare, and each node (not the spares) a member with the one MAC and the
# addresses it was given. Written to $1 (default the lab's peerlan.yaml).
lab_write_config() {
	local f=${1:-$LAB_DIR/peerlan.yaml} node idx=0
	{
		echo "# The peerlan configuration of lab $LAB_ID, written by scripts/lab.sh."
		lab_config_head "lab-$LAB_ID" "$LAB_DIR"
		if ((LAB_JUMBO)); then
			echo "  - name: jumbo"
			echo "    vlan: 200"
			echo "    mtu: $LAB_JMTU"
			echo "    ipv4: $LAB_JLAN4"
			echo "    ipv6: $LAB_JLAN6"
		fi
		echo "ports:"
		for node in "${LAB_NODES[@]}" $(lab_spares); do
			echo "  - name: $node"
			if [[ $node == "$LAB_LAG" ]]; then
				# The second link's vdev number is past every port's.
				echo "    lag:"
				echo "      links:"
				echo "        - $(lab_port_device "$node" "$idx" "$(lab_hostif "$node")l0")"
				echo "        - $(lab_port_device "$node" $((idx + 64)) "$(lab_hostif "$node")l1")"
				echo "      lacp: active"
				echo "      rate: fast"
				echo "      hash: l34"
			else
				echo "    device: $(lab_port_device "$node" "$idx")"
			fi
			lab_config_port_tail "$node"
			idx=$((idx + 1))
		done
		for node in "${LAB_NODES[@]}" $(lab_spares); do
			[[ $node != rs ]] && ((LAB_JUMBO)) || continue
			echo "  - name: $(lab_jport "$node")"
			echo "    device: $(lab_port_device "$node" "$idx" jumbo)"
			echo "    description: member router $node on the jumbo-frame LAN"
			echo "    lans: [jumbo]"
			idx=$((idx + 1))
		done
		echo "members:"
		for node in "${LAB_NODES[@]}"; do
			lab_config_member "$node" "$node"
			[[ $node != rs ]] && ((LAB_JUMBO)) || continue
			echo "      - port: $(lab_jport "$node")"
			echo "        lans:"
			echo "          - lan: jumbo"
			echo "            macs: [$(lab_jmac "$node")]"
			echo "            ipv4: [$(lab_jip4 "$node")]"
			echo "            ipv6: [$(lab_jip6 "$node")]"
		done
	} >"$f"
	mkdir -p "$LAB_DIR/state"
}

lab_dataplane_bin() {
	echo "$LAB_BUILD/dataplane/peerlan-dataplane"
}

# A multi-node lab's nodes (LAB_DP=a, b) each have a state directory, DPDK
# file prefix and process names of their own; the single node has the lab's.
lab_pdir() { echo "$LAB_DIR${LAB_DP:+/node-$LAB_DP}"; }
lab_prefix() { echo "$LAB_ID${LAB_DP:+-$LAB_DP}"; }
lab_dpname() { echo "dataplane${LAB_DP:+-$LAB_DP}"; }
lab_ctlname() { echo "control${LAB_DP:+-$LAB_DP}"; }

lab_telemetry_sock() {
	echo "$(lab_runtime_dir)/dpdk/$(lab_prefix)/dpdk_telemetry.v2"
}

# Where the dataplane's EAL keeps dpdk/LAB_ID: root's /var/run, or with
# LAB_USER a directory of that user's (as systemd's RuntimeDirectory=).
lab_runtime_dir() {
	if [[ -n $LAB_USER ]]; then
		echo "$LAB_DIR/run"
	else
		echo /var/run
	fi
}

# Reserves LAB_HUGE_NR 2 MB pages and mounts hugetlbfs on
# LAB_DIR/hugepages for the dataplane; nr_hugepages as it was is recorded
# first, so that lab_hugepages_release (from lab_teardown) gives them back.
lab_hugepages_reserve() {
	local dir=$LAB_DIR/hugepages prev free
	mountpoint -q "$dir" 2>/dev/null && return 0
	[[ -w /proc/sys/vm/nr_hugepages ]] || lab_die "this kernel offers no hugepages to reserve" || return
	prev=$(cat /proc/sys/vm/nr_hugepages)
	echo "$prev" >"$LAB_DIR/hugepages.prev"
	echo $((prev + LAB_HUGE_NR)) >/proc/sys/vm/nr_hugepages
	free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
	if ((free < LAB_HUGE_NR)); then
		lab_hugepages_release
		lab_die "the kernel gave $free of the $LAB_HUGE_NR free 2 MB hugepages the lab needs"
		return
	fi
	mkdir -p "$dir"
	mount -t hugetlbfs -o pagesize=2M nodev "$dir" || {
		lab_hugepages_release
		lab_die "cannot mount hugetlbfs on $dir"
		return
	}
	lab_log "hugepages: $LAB_HUGE_NR reserved (nr_hugepages $prev -> $((prev + LAB_HUGE_NR))), hugetlbfs on $dir"
}

# Unmounts the lab's hugetlbfs (once nothing maps it) and puts nr_hugepages
# back to what it was before the lab reserved any.
lab_hugepages_release() {
	local dir=$LAB_DIR/hugepages i
	if mountpoint -q "$dir" 2>/dev/null; then
		for ((i = 0; i < 100; i++)); do
			umount "$dir" 2>/dev/null && break
			sleep 0.1
		done
		mountpoint -q "$dir" && umount --lazy "$dir"
	fi
	if [[ -f $LAB_DIR/hugepages.prev ]]; then
		cat "$LAB_DIR/hugepages.prev" >/proc/sys/vm/nr_hugepages
		lab_log "hugepages: nr_hugepages back to $(cat "$LAB_DIR/hugepages.prev")"
		rm -f "$LAB_DIR/hugepages.prev"
	fi
}

# Starts peerlan-dataplane on the lab's ports and waits until its telemetry
# answers. The worker lcore (1) polls at 100%; everything else shares lcore 0.
# It counts the member-to-member matrix (--matrix, off by default for its
# cost, which a lab's few frames never feel), for exercise 7 of docs/lab.md.
lab_start_dataplane() {
	local bin sock i d name lcores
	d=$(lab_pdir)
	name=$(lab_dpname)
	lcores=(-l 0,1)
	# The second node of a multi-node lab puts its worker on the other CPU.
	[[ ${LAB_DP:-a} == a ]] || lcores=(--lcores "0@1,1@0")
	bin=$(lab_dataplane_bin)
	[[ -x $bin ]] || lab_die "$bin is not built (does 'ninja -C $LAB_BUILD' build the dataplane?)" || return
	"$bin" -- --check -c "$d/peerlan.yaml" >/dev/null ||
		lab_die "peerlan-dataplane rejects the lab's configuration $d/peerlan.yaml" || return
	sock=$(lab_telemetry_sock)
	rm -f "$sock"
	local mem=(--no-huge -m "$LAB_MEM")
	if [[ $LAB_HUGEPAGES == 1 ]]; then
		lab_hugepages_reserve || return
		mem=(--huge-dir "$LAB_DIR/hugepages" -m "$LAB_MEM")
	fi
	local user=()
	if [[ -n $LAB_USER ]]; then
		id -u "$LAB_USER" >/dev/null 2>&1 || lab_die "no user $LAB_USER for the dataplane" || return
		# A directory of the user's, as the service's RuntimeDirectory=;
		# the counters file written at exit, as that user, made here.
		install -d -m 0700 -o "$LAB_USER" "$LAB_DIR/run"
		install -m 0640 -o "$LAB_USER" /dev/null "$d/stats.json"
		user=(--user "$LAB_USER")
	fi
	RUNTIME_DIRECTORY=$(lab_runtime_dir) lab_spawn "$name" "$d/dataplane.log" "$bin" \
		"${mem[@]}" --no-pci --file-prefix "$(lab_prefix)" "${lcores[@]}" \
		-- -c "$d/peerlan.yaml" --stats-json "$d/stats.json" --matrix "${user[@]}"
	for ((i = 0; i < 300; i++)); do
		if ! lab_pid "$name" >/dev/null; then
			# DPDK's af_packet driver names its fanout group after the
			# process id, which may collide with a group of another
			# process on this machine; a new process gets a new id.
			if grep -q "could not set PACKET_FANOUT" "$d/dataplane.log" &&
				((${LAB_FANOUT_RETRY:-0} < 3)); then
				lab_log "af_packet fanout group taken; starting the dataplane again"
				mv "$d/dataplane.log" "$d/dataplane.log.$((${LAB_FANOUT_RETRY:-0} + 1))"
				LAB_FANOUT_RETRY=$((${LAB_FANOUT_RETRY:-0} + 1)) lab_start_dataplane
				return
			fi
			tail -n 20 "$d/dataplane.log" >&2
			lab_die "peerlan-dataplane exited; its log is above and in $d/dataplane.log"
			return
		fi
		[[ -S $sock ]] && lab_telemetry / >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	lab_die "peerlan-dataplane did not answer on $sock within 30 s"
}

lab_control_bin() {
	echo "$LAB_BUILD/control/peerlan-control"
}

lab_cli_sock() {
	echo "$(lab_pdir)/cli.sock"
}

# peerlanctl on the lab's read-write CLI socket.
lab_peerlanctl() {
	"$LAB_BUILD/control/peerlanctl" -s "$(lab_cli_sock)" "$@"
}

# A field of peerlanctl's "show status" JSON, as jq prints it raw.
lab_control_status() {
	lab_peerlanctl --json show status 2>/dev/null | jq -r "$1"
}

# Starts peerlan-control on the lab's configuration (its committed copy in
# the state directory once there is one, as after any restart) and waits up
# to 30 s until it is connected to the dataplane and in sync with it.
lab_start_control() {
	local bin i d name
	d=$(lab_pdir)
	name=$(lab_ctlname)
	bin=$(lab_control_bin)
	[[ -x $bin ]] || lab_die "$bin is not built" || return
	lab_spawn "$name" "$d/control.log" "$bin" -c "$d/peerlan.yaml"
	for ((i = 0; i < 300; i++)); do
		if ! lab_pid "$name" >/dev/null; then
			tail -n 20 "$d/control.log" >&2
			lab_die "peerlan-control exited; its log is above and in $d/control.log"
			return
		fi
		[[ $(lab_control_status .dataplane.in_sync) == true ]] && return 0
		sleep 0.1
	done
	lab_die "peerlan-control is not in sync with the dataplane after 30 s (see $d/control.log)"
}

# Stops the dataplane; "-KILL" as argument kills it as a crash would.
lab_stop_dataplane() {
	lab_stop "$@" "$(lab_dpname)"
}

# Takes the fabric away as a crash would (peerlan-dataplane killed with
# SIGKILL; the comparison bridge set down), and brings it back.
lab_fabric_kill() {
	if [[ $LAB_FABRIC == bridge ]]; then
		ip -n "$(lab_fabns)" link set fabric0 down
	else
		lab_stop_dataplane -KILL
	fi
}

lab_fabric_start() {
	if [[ $LAB_FABRIC == bridge ]]; then
		ip -n "$(lab_fabns)" link set fabric0 up
	else
		lab_start_dataplane
	fi
}

# Sends commands to the dataplane's telemetry socket; prints one JSON
# reply per line.
lab_telemetry() {
	python3 - "$(lab_telemetry_sock)" "$@" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(5)
s.connect(sys.argv[1])
info = json.loads(s.recv(65536).decode())
size = int(info.get("max_output_len", 65536))
for cmd in sys.argv[2:]:
    s.send(cmd.encode())
    print(json.dumps(json.loads(s.recv(size).decode())))
EOF
}

# The ports' state as the dataplane sees it: state, the accounting counters
# and every drop reason that counted something. Falls back to DPDK's own
# ethdev telemetry if the dataplane has no /peerlan commands.
lab_show_ports_telemetry() {
	python3 - "$(lab_telemetry_sock)" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(5)
s.connect(sys.argv[1])
size = int(json.loads(s.recv(65536).decode()).get("max_output_len", 65536))
def ask(cmd):
    s.send(cmd.encode())
    return json.loads(s.recv(size).decode()).get(cmd.split(",")[0])
if "/peerlan/ports" in (ask("/") or []):
    cols = ("rx_packets", "forwarded", "steered", "answered", "rx_discards", "tx_packets")
    print("%-6s %-5s %-5s %-8s" % ("port", "admin", "link", "oper") +
          "".join(" %11s" % c for c in cols) + "  drops by reason")
    for name in ask("/peerlan/ports") or []:
        p = ask("/peerlan/port," + name) or {}
        drops = " ".join("%s=%d" % (r, n) for r, n in sorted((p.get("drops") or {}).items()) if n)
        print("%-6s %-5s %-5s %-8s" % (name, p.get("admin", "?"), p.get("link", "?"),
                                       p.get("oper", "?")) +
              "".join(" %11d" % p.get(c, 0) for c in cols) + "  " + (drops or "-"))
else:
    print("%-4s %-22s %-5s %12s %12s %10s" %
          ("port", "device", "link", "rx_packets", "tx_packets", "rx_missed"))
    for p in ask("/ethdev/list") or []:
        info = ask("/ethdev/info,%d" % p) or {}
        link = ask("/ethdev/link_status,%d" % p) or {}
        st = ask("/ethdev/stats,%d" % p) or {}
        print("%-4d %-22s %-5s %12d %12d %10d" %
              (p, str(info.get("name", "?"))[:22], link.get("status", "?"),
               st.get("ipackets", 0), st.get("opackets", 0), st.get("imissed", 0)))
EOF
}

lab_bird_conf() {
	local node=$1 peer asn
	asn=$(lab_asn "$node")
	cat <<EOF
# bird2 of $node (AS$asn) in lab $LAB_ID, written by scripts/lab.sh.
log "$LAB_DIR/$node/bird.log" all;
router id $(lab_ip4 "$node");

protocol device { scan time 5; }

# Timers short enough to notice a lost fabric and recover from it in seconds.
template bgp ixp {
	local as $asn;
	hold time $LAB_BGP_HOLD;
	keepalive time $LAB_BGP_KEEPALIVE;
	connect delay time 1;
	connect retry time 3;
	error wait time 1, 10;
}
EOF
	if [[ $node == rs ]]; then
		cat <<EOF

# A route server passes routes on unchanged (next hop, AS path) and keeps
# no forwarding state; it only ever talks BGP. The one exception is RFC
# 7999 blackholing: a route tagged BLACKHOLE gets the LAN's blackhole next
# hop, which the fabric answers for and drops everything sent to.
filter blackhole4 { if (65535, 666) ~ bgp_community then bgp_next_hop = $LAB_BH4; accept; }
filter blackhole6 { if (65535, 666) ~ bgp_community then bgp_next_hop = $LAB_BH6; accept; }
template bgp client4 from ixp {
	rs client;
	ipv4 { import filter blackhole4; export all; };
}
template bgp client6 from ixp {
	rs client;
	ipv6 { import filter blackhole6; export all; };
}
EOF
		for peer in $(lab_members); do
			cat <<EOF
protocol bgp ${peer}_v4 from client4 { neighbor $(lab_ip4 "$peer") as $(lab_asn "$peer"); }
protocol bgp ${peer}_v6 from client6 { neighbor $(lab_ip6 "$peer") as $(lab_asn "$peer"); }
EOF
		done
		return
	fi
	cat <<EOF

# Learned routes go to the kernel; only the member's own prefixes go out.
protocol kernel kernel4 { ipv4 { import none; export where source = RTS_BGP; }; }
protocol kernel kernel6 { ipv6 { import none; export where source = RTS_BGP; }; }
protocol static own4 { ipv4; route $(lab_pfx4 "$node") unreachable; }
protocol static own6 { ipv6; route $(lab_pfx6 "$node") unreachable; }

template bgp peer4 from ixp {
	ipv4 { import all; export where source = RTS_STATIC; };
}
# The LAN's global addresses are the next hops, as on an exchange.
template bgp peer6 from ixp {
	ipv6 { import all; export where source = RTS_STATIC; next hop prefer global; };
}
# A route tagged BLACKHOLE (RFC 7999) goes only to the route server, which
# gives it the blackhole next hop; a bilateral peer would route it to us.
template bgp bilateral4 from ixp {
	ipv4 { import all; export where source = RTS_STATIC && !((65535, 666) ~ bgp_community); };
}
template bgp bilateral6 from ixp {
	ipv6 {
		import all;
		export where source = RTS_STATIC && !((65535, 666) ~ bgp_community);
		next hop prefer global;
	};
}
protocol bgp rs_v4 from peer4 { description "route server"; neighbor $(lab_ip4 rs) as $(lab_asn rs); }
protocol bgp rs_v6 from peer6 { description "route server"; neighbor $(lab_ip6 rs) as $(lab_asn rs); }
EOF
	for peer in $(lab_members); do
		[[ $peer == "$node" ]] && continue
		cat <<EOF
protocol bgp ${peer}_v4 from bilateral4 { neighbor $(lab_ip4 "$peer") as $(lab_asn "$peer"); }
protocol bgp ${peer}_v6 from bilateral6 { neighbor $(lab_ip6 "$peer") as $(lab_asn "$peer"); }
EOF
	done
}

lab_start_bird() {
	local node=$1 d=$LAB_DIR/$1
	mkdir -p "$d"
	lab_bird_conf "$node" >"$d/bird.conf"
	bird -p -c "$d/bird.conf" || lab_die "bird rejects $d/bird.conf" || return
	lab_in "$node" bird -c "$d/bird.conf" -s "$d/bird.ctl" -P "$d/bird.pid"
	lab_record_pid "bird-$node" "$(cat "$d/bird.pid")"
}

# --- looking at it -------------------------------------------------------------

# Prints "node protocol state" for every BGP session end of every node.
lab_bgp_sessions() {
	local node
	for node in "${LAB_NODES[@]}"; do
		lab_birdc "$node" show protocols 2>/dev/null |
			awk -v n="$node" '$2 == "BGP" { print n, $1, (/Established/ ? "Established" : $NF) }'
	done
}

# Every node has two sessions (IPv4, IPv6) with every other member, and the
# route server has two with each member.
lab_bgp_expected() {
	echo $((2 * LAB_N * (LAB_N + 1)))
}

lab_bgp_established() {
	lab_bgp_sessions | awk '$3 == "Established"' | wc -l
}

# Waits up to $1 seconds for every BGP session to be Established.
lab_wait_bgp() {
	local timeout=$1 want got i
	want=$(lab_bgp_expected)
	for ((i = 0; i < timeout; i++)); do
		got=$(lab_bgp_established)
		((got == want)) && return 0
		sleep 1
	done
	lab_log "$got of $want BGP sessions Established after $timeout s"
	return 1
}

# Prints "node protocol state imported exported" for every BGP session end,
# one birdc call per node; counts are "?" for a session with no routes line.
lab_bgp_routes() {
	local node
	for node in "${LAB_NODES[@]}"; do
		lab_birdc "$node" show protocols all 2>/dev/null | awk -v n="$node" '
			function flush() { if (p != "") print n, p, st, im, ex; p = "" }
			/^[^ ]/ { flush(); if ($2 == "BGP") { p = $1; st = (/Established/ ? "Established" : $NF); im = ex = "?" } }
			p != "" && $1 == "Routes:" { im = $2; for (i = 3; i < NF; i++) if ($(i + 1) ~ /^exported/) ex = $i }
			END { flush() }'
	done
}

# Prints, for each session end, whether it carries the routes the plan
# says: a member sends its own prefix on every session; the route server
# sends each member the other members' prefixes. Returns 1 if any differs.
lab_check_routes() {
	local node proto state imp exp want_imp want_exp bad=0 n1=$((LAB_N - 1)) seen=0
	while read -r node proto state imp exp; do
		seen=$((seen + 1))
		if [[ $node == rs ]]; then
			want_imp=1 want_exp=$n1
		elif [[ $proto == rs_* ]]; then
			want_imp=$n1 want_exp=1
		else
			want_imp=1 want_exp=1
		fi
		if [[ $state != Established || $imp != "$want_imp" || $exp != "$want_exp" ]]; then
			echo "$node $proto: $state, $imp imported (want $want_imp), $exp exported (want $want_exp)"
			bad=1
		fi
	done < <(lab_bgp_routes)
	if ((seen != $(lab_bgp_expected))); then
		echo "$seen BGP session ends found, $(lab_bgp_expected) expected"
		bad=1
	fi
	return $bad
}

# Waits up to $1 seconds for every session to carry its routes.
lab_wait_routes() {
	local timeout=$1 i
	for ((i = 0; i < timeout; i++)); do
		lab_check_routes >/dev/null && return 0
		sleep 1
	done
	lab_check_routes
}

# ping from one node to an address; quiet; 0 if every echo was answered.
lab_ping() {
	local node=$1 dst=$2
	shift 2
	lab_in "$node" ping -n -q -c 3 -i 0.2 -W 2 "$@" "$dst" >/dev/null 2>&1
}

# Pings between every pair of nodes on the LAN (IPv4, IPv6) and between the
# announced prefixes of every pair of members, which needs the routes BGP
# installed; all at once, as routers do. Prints each failure; returns 1 if
# there was any.
lab_check_reachability() {
	local a b out pids=() pid
	out=$(mktemp)
	for a in "${LAB_NODES[@]}"; do
		for b in "${LAB_NODES[@]}"; do
			[[ $a == "$b" ]] && continue
			lab_ping_bg "$out" "$a" "$b" "$(lab_ip4 "$b")"
			lab_ping_bg "$out" "$a" "$b" "$(lab_ip6 "$b")"
			[[ $a == rs || $b == rs ]] && continue
			lab_ping_bg "$out" "$a" "$b" "$(lab_lo4 "$b")" -I "$(lab_lo4 "$a")"
			lab_ping_bg "$out" "$a" "$b" "$(lab_lo6 "$b")" -I "$(lab_lo6 "$a")"
		done
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || true
	done
	sort "$out"
	if [[ -s $out ]]; then
		rm -f "$out"
		return 1
	fi
	rm -f "$out"
}

# One ping of lab_check_reachability, in the background; its pid goes to
# the caller's pids array.
lab_ping_bg() {
	local out=$1 a=$2 b=$3 dst=$4
	shift 4
	{ lab_ping "$a" "$dst" "$@" || echo "$a -> $b $dst${1:+ from $2}: not every echo answered" >>"$out"; } &
	pids+=($!)
}

lab_show_nodes() {
	local node what hif
	printf '%-4s %-8s %-10s %-17s %-13s %-19s %-16s %s\n' node AS namespace MAC IPv4 IPv6 \
		"host veth" announces
	for node in "${LAB_NODES[@]}"; do
		what="-"
		[[ $node != rs ]] && what="$(lab_pfx4 "$node") $(lab_pfx6 "$node")"
		hif=$(lab_hostif "$node")
		[[ $node == "$LAB_LAG" ]] && hif="${hif}l0+l1"
		if ((LAB_MULTI)); then
			case $(lab_site "$node") in
			leaf) hif="leaf: br0 $node" ;;
			*) [[ $node == "$LAB_MOVER" ]] && hif="$(lab_cable_if "$node" a)/b" ;;
			esac
		fi
		printf '%-4s %-8s %-10s %-17s %-13s %-19s %-16s %s\n' "$node" "AS$(lab_asn "$node")" \
			"$(lab_ns "$node")" "$(lab_mac "$node")" "$(lab_ip4 "$node")" "$(lab_ip6 "$node")" \
			"$hif" "$what"
	done
}

lab_show_ports() {
	if [[ $LAB_FABRIC == bridge ]]; then
		ip -n "$(lab_fabns)" -s link show master fabric0
	elif lab_pid "$(lab_ctlname)" >/dev/null; then
		echo "\$ peerlanctl -s $(lab_cli_sock) show ports"
		lab_peerlanctl show ports
	elif lab_pid "$(lab_dpname)" >/dev/null; then
		lab_show_ports_telemetry
	else
		echo "peerlan-dataplane is not running"
	fi
}

lab_show_bgp() {
	local node
	for node in "${LAB_NODES[@]}"; do
		echo "-- $node: birdc show protocols"
		lab_birdc "$node" show protocols | awk '$2 == "BGP"'
	done
}

lab_show_status() {
	echo "== lab $LAB_ID: $LAB_N members and a route server on a $LAB_FABRIC fabric ($LAB_PORT_TYPE ports)"
	lab_show_nodes
	echo
	if ((LAB_MULTI)); then
		lab_show_multi
		echo
		echo "== BGP: $(lab_bgp_established) of $(lab_bgp_expected) session ends Established"
		return
	fi
	echo "== ports"
	lab_show_ports
	echo
	if [[ -n $LAB_LAG ]] && lab_pid control >/dev/null; then
		echo "== the LAG of $LAB_LAG (its partner: Open vSwitch in $(lab_swns "$LAB_LAG"))"
		echo "\$ peerlanctl -s $(lab_cli_sock) show lag $LAB_LAG"
		lab_peerlanctl show lag "$LAB_LAG"
		echo
	fi
	echo "== BGP: $(lab_bgp_established) of $(lab_bgp_expected) session ends Established"
}

lab_show_attach() {
	cat <<EOF
== attach
  a shell on member m1:     ip netns exec $(lab_ns m1) bash
  its BGP:                  birdc -s $(lab_ctl m1) show protocols
  the route server:         birdc -s $(lab_ctl rs) show route
  watch its LAN:            ip netns exec $(lab_ns m1) tcpdump -eni ixp0
EOF
	if ((LAB_MULTI)); then
		cat <<EOF
  node a's CLI:             peerlanctl -s $(LAB_DP=a lab_cli_sock)
  node b's CLI:             peerlanctl -s $(LAB_DP=b lab_cli_sock)
  a node's telemetry:       dpdk-telemetry.py -f $(LAB_DP=a lab_prefix)
  logs and configurations:  $LAB_DIR/node-a/  $LAB_DIR/node-b/
  the underlay's VXLAN:     ip netns exec $(lab_undns) tcpdump -eni ua udp port 4789
  the leaf:                 bridge -n $(lab_leafns) fdb show dev vx; ip -n $(lab_leafns) neigh show dev br0
  kill node b:              kill -9 \$(cut -d' ' -f1 $LAB_DIR/pid/dataplane-b)
  start it again:           scripts/lab.sh restart --id $LAB_ID --node b
  move $LAB_MOVER to node b:        scripts/lab.sh move --id $LAB_ID $LAB_MOVER b
  this summary again:       scripts/lab.sh status --id $LAB_ID
== tear down
  scripts/lab.sh down --id $LAB_ID
EOF
		return
	fi
	if [[ $LAB_FABRIC == peerlan ]]; then
		cat <<EOF
  the exchange's CLI:       peerlanctl -s $(lab_cli_sock)
  one port, its drops:      peerlanctl -s $(lab_cli_sock) show port m1
  the dataplane:            RUNTIME_DIRECTORY=$(lab_runtime_dir) dpdk-telemetry.py -f $LAB_ID
  the control's log:        $LAB_DIR/control.log
  its log and config:       $LAB_DIR/dataplane.log  $LAB_DIR/peerlan.yaml
EOF
		if [[ $LAB_HUGEPAGES == 1 ]]; then
			cat <<EOF
  capture m1's BGP:         peerlanctl -s $(lab_cli_sock) capture port m1 filter "tcp port 179" count 20
EOF
		fi
	fi
	cat <<EOF
  this summary again:       scripts/lab.sh status --id $LAB_ID
== tear down
  scripts/lab.sh down --id $LAB_ID
EOF
}

# A 9000-byte IPv4 and IPv6 ping (don't fragment) between every pair of
# members on the jumbo-frame LAN; says which fail.
lab_check_jumbo() {
	local a b ok=0
	for a in $(lab_members); do
		for b in $(lab_members); do
			[[ $a != "$b" ]] || continue
			lab_in "$a" ping -n -q -c 2 -W 2 -M do -s $((LAB_JMTU - 28)) "$(lab_jip4 "$b")" \
				>/dev/null 2>&1 || {
				echo "$a cannot reach $b with 9000 bytes of IPv4 on the jumbo LAN"
				ok=1
			}
			lab_in "$a" ping -6 -n -q -c 2 -W 2 -M do -s $((LAB_JMTU - 48)) "$(lab_jip6 "$b")" \
				>/dev/null 2>&1 || {
				echo "$a cannot reach $b with 9000 bytes of IPv6 on the jumbo LAN"
				ok=1
			}
		done
	done
	return $ok
}

# --- the whole lab ----------------------------------------------------------------

# Builds a lab in LAB_DIR (after lab_init): namespaces, veths, fabric, bird.
lab_build() {
	local node
	if ((LAB_MULTI)); then
		lab_build_multi
		return
	fi
	lab_build_pad
	if [[ $LAB_FABRIC == bridge ]]; then
		lab_make_bridge
	fi
	for node in "${LAB_NODES[@]}" $(lab_spares); do
		lab_make_node "$node"
	done
	if [[ $LAB_FABRIC == peerlan ]]; then
		lab_write_config
		lab_start_dataplane || return
		lab_start_control || return
	fi
	if [[ -n $LAB_LAG ]]; then
		lab_start_lag_switch "$LAB_LAG" || return
	fi
	for node in "${LAB_NODES[@]}"; do
		lab_start_bird "$node"
	done
}

# Removes everything the lab recorded: processes (those recorded, then any
# left in its namespaces), veths, namespaces, DPDK's runtime directory and
# the state directory. Safe to call twice and on a half-built lab.
lab_teardown() {
	local f ns link pid names=()
	[[ -n $LAB_DIR && -d $LAB_DIR ]] || return 0
	for f in "$LAB_DIR"/pid/*; do
		[[ -e $f ]] && names+=("${f##*/}")
	done
	((${#names[@]} == 0)) || lab_stop "${names[@]}"
	if [[ -f $LAB_DIR/netns ]]; then
		while read -r ns; do
			[[ -e /run/netns/$ns ]] || continue
			for pid in $(ip netns pids "$ns" 2>/dev/null); do
				kill -KILL "$pid" 2>/dev/null || true
			done
		done <"$LAB_DIR/netns"
	fi
	if [[ -f $LAB_DIR/links ]]; then
		while read -r link; do
			ip link del "$link" 2>/dev/null || true
		done <"$LAB_DIR/links"
	fi
	if [[ -f $LAB_DIR/netns ]]; then
		while read -r ns; do
			if [[ -n $ns ]]; then
				ip netns del "$ns" 2>/dev/null || true
			fi
		done <"$LAB_DIR/netns"
	fi
	if [[ $LAB_ID =~ ^pl[0-9a-f]{4}$ ]]; then
		rm -rf "/var/run/dpdk/$LAB_ID" "/var/run/dpdk/$LAB_ID-a" "/var/run/dpdk/$LAB_ID-b" \
			"/var/run/frr/$LAB_ID-und" "/var/run/frr/$LAB_ID-leaf"
	fi
	lab_hugepages_release
	rm -rf "$LAB_DIR"
	lab_log "lab $LAB_ID removed"
	LAB_DIR=
}

# Says what is missing for a lab on this machine, if anything.
lab_preflight() {
	[[ $(id -u) -eq 0 ]] || {
		echo "the lab needs root (network namespaces, veths, DPDK)"
		return 1
	}
	local tool
	for tool in ip bird birdc ping python3 jq ethtool tc clang gcc bridge; do
		command -v "$tool" >/dev/null || {
			echo "'$tool' is not installed (scripts/setup.sh --test installs it)"
			return 1
		}
	done
	if [[ ${LAB_FABRIC:-peerlan} == peerlan ]]; then
		for tool in "$(lab_dataplane_bin)" "$(lab_control_bin)" "$LAB_BUILD/control/peerlanctl"; do
			[[ -x $tool ]] || {
				echo "$tool is not built"
				return 1
			}
		done
	fi
	if ((${LAB_EVPN:-0})); then
		for tool in gobgpd gobgp vtysh /usr/lib/frr/zebra /usr/lib/frr/bgpd; do
			command -v "$tool" >/dev/null || {
				echo "'$tool' is not installed (scripts/setup.sh --test installs it)"
				return 1
			}
		done
		[[ -x $(lab_evpn_bin) ]] || {
			echo "$(lab_evpn_bin) is not built"
			return 1
		}
	fi
	if [[ -n ${LAB_LAG:-} ]]; then
		for tool in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-appctl; do
			command -v "$tool" >/dev/null || {
				echo "'$tool' is not installed (scripts/setup.sh --test installs it)"
				return 1
			}
		done
		[[ -r /usr/share/openvswitch/vswitch.ovsschema ]] || {
			echo "no /usr/share/openvswitch/vswitch.ovsschema (openvswitch-switch)"
			return 1
		}
	fi
	if [[ ${LAB_PORT_TYPE:-af_packet} == af_xdp ]] &&
		! python3 -c 'import socket; socket.socket(44, socket.SOCK_RAW)' 2>/dev/null; then
		echo "this kernel has no AF_XDP sockets; use --port-type af_packet"
		return 1
	fi
	return 0
}

# --- the command ---------------------------------------------------------------

lab_main() {
	local cmd=${1:-} n=4 ptype=af_packet fabric=peerlan id='' all=0 kill=0 setup=1 why node='' args=()
	if [[ -z $cmd || $cmd == -h || $cmd == --help ]]; then
		lab_usage
		[[ -n $cmd ]]
		return
	fi
	shift
	while (($#)); do
		case $1 in
		--members) n=${2:-} && shift ;;
		--port-type) ptype=${2:-} && shift ;;
		--fabric) fabric=${2:-} && shift ;;
		--lag) LAB_LAG=${2:-} && shift ;;
		--jumbo) LAB_JUMBO=1 ;;
		--id) id=${2:-} && shift ;;
		--all) all=1 ;;
		--kill) kill=1 ;;
		--no-setup) setup=0 ;;
		--hugepages) LAB_HUGEPAGES=1 ;;
		--user) LAB_USER=${2:-} && shift ;;
		--multi-node) LAB_MULTI=1 ;;
		--evpn) LAB_EVPN=1 ;;
		--node) node=${2:-} && shift ;;
		-*)
			lab_usage >&2
			lab_die "unknown option '$1'"
			return
			;;
		*)
			[[ $cmd == move ]] && args+=("$1") && shift && continue
			lab_usage >&2
			lab_die "unknown option '$1'"
			return
			;;
		esac
		shift
	done

	case $cmd in
	up | demo) ;;
	status | down | restart | move)
		if [[ -z $id ]]; then
			local labs
			labs=$(lab_list)
			if [[ $cmd == down && $all == 1 ]]; then
				for id in $labs; do
					lab_load "$id" && lab_teardown
				done
				return 0
			fi
			[[ -n $labs ]] || lab_die "no lab is running" || return
			[[ $(wc -w <<<"$labs") -eq 1 ]] ||
				lab_die "several labs are running ($(tr '\n' ' ' <<<"$labs")); say which with --id" || return
			id=$labs
		fi
		lab_load "$id" || return
		case $cmd in
		status)
			lab_show_status
			echo
			lab_show_attach
			;;
		move)
			((LAB_MULTI)) || lab_die "lab $LAB_ID has one node; move needs --multi-node" || return
			((${#args[@]} == 2)) || lab_die "usage: scripts/lab.sh move [--id ID] NODE a|b" || return
			lab_move_member "${args[0]}" "${args[1]}" || return
			lab_log "${args[0]} now sits on node ${args[1]}"
			lab_show_multi
			;;
		restart)
			[[ $LAB_FABRIC == peerlan ]] || lab_die "lab $LAB_ID has no dataplane" || return
			if ((LAB_MULTI)); then
				[[ $node == a || $node == b ]] ||
					lab_die "lab $LAB_ID has two nodes: say which with --node a|b" || return
				export LAB_DP=$node
			fi
			if ((kill)); then
				lab_stop_dataplane -KILL
			else
				lab_stop_dataplane
			fi
			lab_start_dataplane || return
			lab_log "peerlan-dataplane of lab $LAB_ID${LAB_DP:+ node $LAB_DP} started again (pid $(lab_pid "$(lab_dpname)"))"
			lab_show_ports
			;;
		down) lab_teardown ;;
		esac
		return
		;;
	*)
		lab_usage >&2
		lab_die "unknown command '$cmd'"
		return
		;;
	esac

	[[ $(id -u) -eq 0 ]] || lab_die "run as root: the lab makes namespaces and veths" || return
	if ((setup)); then
		"$LAB_ROOT/scripts/setup.sh" --test
		ninja -C "$LAB_BUILD"
	fi
	LAB_FABRIC=$fabric LAB_PORT_TYPE=$ptype
	why=$(lab_preflight) || lab_die "$why" || return
	lab_init "$n" "$ptype" "$fabric" || return

	# Whatever happens from here, a failed, interrupted or finished demo
	# leaves nothing behind; a lab that is up stays up on purpose.
	trap 'lab_teardown' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	lab_log "building lab $LAB_ID in $LAB_DIR"
	lab_build

	lab_log "waiting for BGP (up to 90 s)"
	local ok=1 t0=$SECONDS
	lab_wait_bgp 90 || ok=0
	((ok)) && { lab_wait_routes 30 >/dev/null || ok=0; }
	((ok)) && lab_log "every BGP session Established, with its routes, $((SECONDS - t0)) s after bird started"
	lab_show_status
	echo
	if [[ $cmd == demo ]]; then
		echo "== reachability: ping between every pair, on the LAN and between announced prefixes"
		if lab_check_reachability; then
			echo "every pair answers, IPv4 and IPv6"
		else
			ok=0
		fi
		echo
		echo "== BGP sessions"
		lab_show_bgp
		echo
		echo "== routes m1 learned"
		lab_birdc m1 show route
		echo
		lab_check_routes || ok=0
		if ((LAB_JUMBO)); then
			echo "== the jumbo-frame LAN: 9000-byte pings (DF set) between every pair"
			lab_check_jumbo && echo "every pair answers, IPv4 and IPv6" || ok=0
			echo
		fi
		echo "== ports after the demo"
		if ((LAB_MULTI)); then
			lab_show_multi
		else
			lab_show_ports
		fi
		echo
		((ok)) && echo "demo: the exchange works" || echo "demo: something above did not work"
		((ok))
		return
	fi
	lab_show_attach
	trap - EXIT INT TERM
	((ok)) || lab_log "the lab is up, but not every BGP session is (see above)"
	return 0
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	lab_main "$@"
fi
