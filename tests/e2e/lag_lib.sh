# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Shared by the LAG tests (lag_*_e2e.sh): assertions,
# waiting, a member's namespace, the fabric's configuration, the dataplane's
# telemetry and flows to spread. The caller sets id (names), tmp (its
# directory) and metrics (ADDRESS:PORT or off) and counts passed and failed.

check() { # check WHAT COMMAND...
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "ok - $what"; passed=$((passed + 1)); [[ -n $out ]] && sed 's/^/#   /' <<<"$out"
		return 0
	fi
	echo "FAIL - $what"; sed 's/^/    /' <<<"$out"; failed=$((failed + 1))
	return 1
}
wait_for() { lab_wait_for "$@"; } # scripts/lab.sh

partner_links() { # partner_links NS: the LAG's two links, ${id}a0/a1 here, b0/b1 in NS
	local k
	for k in 0 1; do
		ip link add "${id}a$k" type veth peer name "b$k" netns "$1"
		sysctl -qw "net.ipv4.conf.${id}a$k.arp_ignore=8" "net.ipv6.conf.${id}a$k.disable_ipv6=1"
		ip link set "${id}a$k" up
		ip netns exec "$1" sysctl -qw "net.ipv6.conf.b$k.disable_ipv6=1"
		ip -n "$1" link set "b$k" up
	done
}
# The lab of a LAG test: namespaces $id$PARTNER, $id$mN for each member
# behind the partner (default 1; its router's eth0 on the partner's
# e<N-1>), and $id$m2, member 2 on peerlan's plain port ${id}c; the LAG's two
# links into the partner (partner_links). Sources scripts/lab.sh.
lag_lab() { # lag_lab PARTNER [N...]
	local partner=$1 n m
	shift
	(($#)) || set -- 1
	# shellcheck source=../../scripts/lab.sh
	source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lab.sh"
	LAB_DIR=$tmp lab_build_pad || { echo "cannot build the padding program: skipped"; exit 77; }
	for n in "$partner" m2 "${@/#/m}"; do ip netns add "$id$n"; done
	partner_links "$id$partner"
	ip netns exec "$id$partner" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	for m in "$@"; do
		ip link add "e$((m - 1))" netns "$id$partner" type veth peer name eth0 netns "${id}m$m"
		ip netns exec "$id$partner" sysctl -qw "net.ipv6.conf.e$((m - 1)).disable_ipv6=1"
		ip -n "$id$partner" link set "e$((m - 1))" up
		member_ns "${id}m$m" eth0 "02:00:00:00:00:0$m" "192.0.2.$m"
	done
	ip link add "${id}c" type veth peer name eth0 netns "${id}m2"
	sysctl -qw "net.ipv4.conf.${id}c.arp_ignore=8" "net.ipv6.conf.${id}c.disable_ipv6=1"
	ip link set "${id}c" up
	member_ns "${id}m2" eth0 02:00:00:00:00:02 192.0.2.2
}
member_ns() { # member_ns NS IF MAC IP
	ip -n "$1" link set "$2" address "$3"
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	ip -n "$1" addr add "$4/24" dev "$2"
	ip -n "$1" link set "$2" up
	ip -n "$1" link set lo up
	ip netns exec "$1" ethtool -K "$2" tx off sg off tso off gso off >/dev/null
	tc -n "$1" qdisc add dev "$2" clsact
	tc -n "$1" filter add dev "$2" egress bpf direct-action obj "$tmp/pad60.o" sec tc
}

# config MIN_LINKS [LINKS [core|static]]: core: lag1 is a core trunk, M1 and M3
# behind it; static: lag1 has no LACP (lacp on), and the fabric answers ARP
# itself (neighbor-policy proxy), so that no broadcast goes to the LAG.
config() {
	local links=${2:-"\"net_af_packet10,iface=${id}a0\", \"net_af_packet11,iface=${id}a1\""}
	local kind='' m3='' lacp=active neigh=''
	if [[ ${3:-} == static ]]; then
		lacp=on neigh=', neighbor-policy: proxy'
	fi
	if [[ ${3:-} == core ]]; then
		kind=$'\n    kind: core\n    mode: trunk'
		m3=$'\n  - asn: 64503\n    name: M3\n    connections:\n      - {port: lag1, lans: [{lan: peering, macs: ["02:00:00:00:00:03"], ipv4: [192.0.2.3]}]}'
	fi
	cat <<YAML
fabric: {name: lag-e2e}
management: {control-socket: $tmp/dp.sock, cli-socket: $tmp/cli.sock,
             cli-readonly-socket: $tmp/cli-ro.sock, state-dir: $tmp/state, metrics: "$metrics"}
lans:
  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24$neigh}
ports:
  - name: lag1
    lag:
      links: [$links]
      lacp: "$lacp"
      rate: fast
      min-links: $1
      hash: l34$kind
    lans: [peering]${rate:+
    rate-limit: {rate: $rate\}}
  - {name: p2, device: "net_af_packet12,iface=${id}c", lans: [peering]}
members:
  - asn: 64501
    name: M1
    connections:
      - {port: lag1, lans: [{lan: peering, macs: ["02:00:00:00:00:01"], ipv4: [192.0.2.1]}]}
  - asn: 64502
    name: M2
    connections:
      - {port: p2, lans: [{lan: peering, macs: ["02:00:00:00:00:02"], ipv4: [192.0.2.2]}]}$m3
YAML
}

# The start of a test against Open vSwitch: skips unless root and the tools
# are there; sets id (PREFIX and 4 hex digits), tmp, dp_pid, passed, failed;
# and tears down on exit: the dataplane, OVS, the links ${id}a0/a1 and
# ${id}c, and the namespaces $id$NS, showing the logs if a check failed.
ovs_test_begin() { # ovs_test_begin PREFIX NS...
	local tool
	[[ $(id -u) == 0 ]] || { echo "needs root for network namespaces: skipped"; exit 77; }
	for tool in jq ip ping ethtool clang ovs-vswitchd ovsdb-server ovs-vsctl ovsdb-tool ovs-appctl; do
		command -v $tool >/dev/null || { echo "$tool is not installed (scripts/setup.sh --test installs it): skipped"; exit 77; }
	done
	[[ -r /usr/share/openvswitch/vswitch.ovsschema ]] || { echo "no vswitch.ovsschema: skipped"; exit 77; }
	id=$1$(printf '%04x' $(($$ % 65536)))
	tmp=$(mktemp -d "/tmp/$id.XXXX")
	shift
	test_ns=("$@")
	dp_pid='' passed=0 failed=0 metrics=off
	trap ovs_test_end EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}
ovs_test_end() {
	[[ -n $dp_pid ]] && kill "$dp_pid" 2>/dev/null
	ovs_stop
	lab_del
	if ((failed > 0)); then
		echo "# the dataplane's log:"; sed 's/^/#   /' "$tmp/dp.log"
		echo "# OVS's LACP:"; appctl lacp/show 2>&1 | sed 's/^/#   /'
	fi
	rm -rf "$tmp"
}
# The lab's teardown once its processes are told to stop: every child still
# running (pings, receivers; a wait for one left would hang), the links, the
# namespaces $id$NS of test_ns and the DPDK runtime directories.
lab_del() {
	local k n
	kill $(jobs -p) 2>/dev/null
	wait 2>/dev/null
	for k in 0 1; do ip link del "${id}a$k" 2>/dev/null; done
	ip link del "${id}c" 2>/dev/null
	for n in "${test_ns[@]}"; do ip netns del "$id$n" 2>/dev/null; done
	rm -rf "/var/run/dpdk/${id}d" "/var/run/dpdk/${id}t"
}

# Open vSwitch in namespace $1, all of it in the test's directory (its own
# database, sockets and pid files; never the system's service).
ovs_start() { # ovs_start NS
	export OVS_RUNDIR=$tmp OVS_LOGDIR=$tmp OVS_DBDIR=$tmp
	ovsdb-tool create "$tmp/conf.db" /usr/share/openvswitch/vswitch.ovsschema || return 1
	ip netns exec "$1" ovsdb-server "$tmp/conf.db" --remote="punix:$tmp/db.sock" \
		--pidfile="$tmp/ovsdb.pid" --unixctl="$tmp/ovsdb.ctl" --log-file="$tmp/ovsdb.log" --detach ||
		{ echo "FAIL - ovsdb-server did not start"; return 1; }
	vsctl --no-wait init
	ip netns exec "$1" ovs-vswitchd "unix:$tmp/db.sock" --pidfile="$tmp/vswitchd.pid" \
		--unixctl="$tmp/vswitchd.ctl" --log-file="$tmp/vswitchd.log" --detach ||
		{ echo "FAIL - ovs-vswitchd did not start"; return 1; }
}
ovs_stop() {
	local p
	for p in vswitchd ovsdb; do
		[[ -s $tmp/$p.pid ]] && kill "$(cat "$tmp/$p.pid")" 2>/dev/null
	done
}
vsctl() { ovs-vsctl --db="unix:$tmp/db.sock" --timeout=30 "$@"; }
appctl() { ovs-appctl -t "$tmp/vswitchd.ctl" "$@"; }
# OVS's bond0: negotiated, actor and partner collecting and distributing on both links.
ovs_lacp_up() {
	local out
	out=$(appctl lacp/show bond0) || return 1
	grep -q "status: active negotiated" <<<"$out" &&
		(($(grep -c "actor state: activity timeout aggregation synchronized collecting distributing" <<<"$out") == 2)) &&
		(($(grep -c "partner state: activity aggregation synchronized collecting distributing" <<<"$out") == 2))
}

tel() { # tel COMMAND: the dataplane's telemetry answer, as JSON
	/usr/bin/python3 - "/var/run/dpdk/${id}d/dpdk_telemetry.v2" "$1" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.recv(16384)
s.send(sys.argv[2].encode())
print(json.dumps(json.loads(s.recv(1 << 20))))
PY
}
lag() { tel /peerlan/lag,lag1 | jq -r ".[\"/peerlan/lag\"]$1"; }
bundled() { [[ $(lag .links_bundled) == "$1" ]]; }
link_ctr() { lag ".link$1.$2"; }

flows() { # flows NS SRC DST [ROUNDS [PAYLOAD [PER_SECOND]]]: 64 UDP flows, a datagram of each per round
	ip netns exec "$1" /usr/bin/python3 - "$2" "$3" "${4:-5}" "${5:-64}" "${6:-0}" <<'PY'
import socket, sys, time
socks = []
for port in range(40000, 40064):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], port))
    socks.append(s)
rate, t, n = float(sys.argv[5]), time.monotonic(), 0
for _ in range(int(sys.argv[3])):
    for s in socks:
        s.sendto(b"x" * int(sys.argv[4]), (sys.argv[2], 9))
        n += 1
        if rate > 0:
            time.sleep(max(0, t + n / rate - time.monotonic()))
PY
}

spread() {
	echo "peerlan sent $1 + $2 frames on the two links, received $3 + $4"
	# Each link carries a share; a partner's slow path may lose a few first frames.
	(($1 >= 32 && $2 >= 32 && $1 + $2 >= 160 && $3 >= 32 && $4 >= 32 && $3 + $4 >= 160))
}
# The LAG's link counters: tx of links 0 and 1, then rx of links 0 and 1.
link_ctrs() { lag ' | "\(.link0.tx_packets) \(.link1.tx_packets) \(.link0.rx_packets) \(.link1.rx_packets)"'; }
spread_since() { # spread_since TX0 TX1 RX0 RX1: spread of what the links counted since link_ctrs
	local ctr
	read -ra ctr <<<"$(link_ctrs)"
	spread $((ctr[0] - $1)) $((ctr[1] - $2)) $((ctr[2] - $3)) $((ctr[3] - $4))
}
# 64 UDP flows each way between member 2 and each member M (default 1)
# behind the LAG; checks WHAT: both directions spread over both links, as
# soon as the links' counters show it (within 30 s).
spread_both_ways() { # spread_both_ways WHAT [M...]
	local what=$1 m c
	shift
	(($#)) || set -- 1
	c=$(link_ctrs)
	for m in "$@"; do
		flows "${id}m2" 192.0.2.2 "192.0.2.$m"
		flows "${id}m$m" "192.0.2.$m" 192.0.2.2
	done
	# shellcheck disable=SC2086 # the four counters
	wait_for 30 spread_since $c
	# shellcheck disable=SC2086
	check "$what" spread_since $c
}

# The start of a test against testpmd, as ovs_test_begin: sets id, tmp,
# test_ns, passed, failed, metrics (off) and the pids the teardown stops.
tp_test_begin() { # tp_test_begin PREFIX NS...
	local tool
	[[ $(id -u) == 0 ]] || { echo "needs root for network namespaces: skipped"; exit 77; }
	for tool in dpdk-testpmd jq ip ping ethtool clang; do
		command -v $tool >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
	done
	id=$1$(printf '%04x' $(($$ % 65536)))
	tmp=$(mktemp -d "/tmp/$id.XXXX")
	shift
	test_ns=("$@")
	dp_pid='' tp_pid='' holder='' keepalive='' ctl_pid='' passed=0 failed=0 metrics=off
	trap tp_test_end EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}
tp_test_end() {
	local p
	for p in "$ctl_pid" "$dp_pid" "$tp_pid" "$holder" "$keepalive"; do
		[[ -n $p ]] && kill "$p" 2>/dev/null
	done
	lab_del
	if ((failed > 0)); then
		echo "# the dataplane's log:"; sed 's/^/#   /' "$tmp/dp.log"
		[[ -n $ctl_pid ]] && { echo "# control's log:"; sed 's/^/#   /' "$tmp/ctl.log"; }
		echo "# testpmd's output:"; tail -n 60 "$tmp/tp.log" | sed 's/^/#   /'
	fi
	rm -rf "$tmp"
}

# testpmd in namespace NS: ports 0 and 1 on the LAG's links b0/b1, port 2 on
# IFACE, port 3 a net_bonding 802.3ad bond of 0 and 1 (system
# 02:00:00:00:00:fe, layer 3+4 hash); it io-forwards between 2 and 3, as a
# member's switch would. It reads its commands from a FIFO held open for its
# whole life (tp).
testpmd_start() { # testpmd_start NS IFACE
	mkfifo "$tmp/tp.in"
	sleep 1000000 >"$tmp/tp.in" &
	holder=$!
	ip netns exec "$1" stdbuf -oL dpdk-testpmd --no-huge -m 512 --no-pci --file-prefix "${id}t" -l 0,1 \
		--vdev net_af_packet0,iface=b0 --vdev net_af_packet1,iface=b1 --vdev "net_af_packet2,iface=$2" \
		-- -i --no-lsc-interrupt --total-num-mbufs=8192 <"$tmp/tp.in" >>"$tmp/tp.log" 2>&1 &
	tp_pid=$!
	exec 9>"$tmp/tp.in"
	wait_for 30 tp_said "testpmd>" || { echo "FAIL - testpmd did not start"; cat "$tmp/tp.log"; exit 1; }
	# From here a failed step is reported and the test goes on.
	tp "create bonded device 4 0"
	wait_for 10 tp_said "Using mode 4"
	tp "add bonding slave 0 3"
	tp "add bonding slave 1 3"
	tp "set bonding mac_addr 3 02:00:00:00:00:fe"
	tp "set bonding balance_xmit_policy 3 l34"
	tp "port start 3"
	tp "set portlist 2,3"
	tp "set fwd io"
	tp "start"
}
tp() { echo "$*" >&9; }
tp_said() { grep -q -- "$1" "$tmp/tp.log"; }
# testpmd's answer to COMMAND, alone in $tmp/tp.log: waits (30 s at most)
# for the prompt that follows it.
tp_query() { # tp_query COMMAND
	: >"$tmp/tp.log"
	tp "$1"
	wait_for 30 tp_said "testpmd> "
}
# testpmd's bond: actor and partner collecting and distributing on both links.
tp_lacp_up() {
	local n
	tp_query "show bonding lacp info 3" || return 1
	n=$(grep -ac "port state: ACTIVE AGGREGATION SYNCHRONIZATION COLLECTING DISTRIBUTING" "$tmp/tp.log") || true
	((n >= 4)) # actor and partner, on each of the two links
}

# One UDP flow from member 2 (192.0.2.2:41000) to DST:9, 100 datagrams a
# second, each numbered.
udp_flow() { # udp_flow COUNT [DST]
	ip netns exec "${id}m2" /usr/bin/python3 - "$1" "${2:-192.0.2.1}" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.2", 41000))
t = time.monotonic()
for i in range(int(sys.argv[1])):
    s.sendto(i.to_bytes(4, "big"), (sys.argv[2], 9))
    t += 0.01
    time.sleep(max(0, t - time.monotonic()))
PY
}
# The number of distinct datagrams member M (default 1) receives on port 9
# until 3 s of silence; start it in the background, then wait until
# receiving M.
recv_count() { # recv_count [M]
	ip netns exec "${id}m${1:-1}" /usr/bin/python3 - "192.0.2.${1:-1}" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 9))
s.settimeout(3)
got = set()
try:
    while True:
        got.add(int.from_bytes(s.recv(16)[:4], "big"))
except socket.timeout:
    pass
print(len(got))
PY
}
receiving() { [[ -n $(ss -N "${id}m${1:-1}" -Hlun 'sport = :9') ]]; } # receiving [M]
# flowed LINK BEFORE N: link LINK has sent N frames since its tx_packets was BEFORE.
flowed() { (($(link_ctr "$1" tx_packets) - $2 >= $3)); }
either_flowed() { flowed 0 "$1" "$3" || flowed 1 "$2" "$3"; } # either_flowed BEFORE0 BEFORE1 N

# A link cut mid-traffic: one UDP flow from member 2 to member M, 100
# datagrams a second for 8 s, counted where they arrive. The cut is the
# partner's end (in namespace NS) of the flow's link, b$cut: its carrier
# goes, as with a cable. Sets cut; checks and reports the loss (at most
# MAX_LOST datagrams, default 150).
cut_mid_flow() { # cut_mid_flow NS M [MAX_LOST]
	local before b0 b1 snd rcv
	max_lost=${3:-150}
	# Member 2 is told member M's MAC: an ARP exchange during the cut would
	# measure the partner's way back, not peerlan (testpmd's bond keeps
	# sending on a cut af_packet link until LACP times out, about 3 s).
	ip -n "${id}m2" neigh replace "192.0.2.$2" lladdr "02:00:00:00:00:0$2" dev eth0 nud permanent
	b0=$(link_ctr 0 tx_packets) b1=$(link_ctr 1 tx_packets)
	udp_flow 50 "192.0.2.$2"
	wait_for 30 either_flowed "$b0" "$b1" 50
	if flowed 0 "$b0" 50; then cut=0; else cut=1; fi
	recv_count "$2" >"$tmp/cut.out" &
	rcv=$!
	wait_for 30 receiving "$2"
	before=$(link_ctr "$cut" tx_packets)
	udp_flow 800 "192.0.2.$2" &
	snd=$!
	# The cut 2 s into the flow: once 200 datagrams have crossed its link.
	wait_for 30 flowed "$cut" "$before" 200
	ip -n "$1" link set "b$cut" down
	wait $snd
	wait $rcv
	got=$(cat "$tmp/cut.out")
	check "the flow to member $2 moves to the other link when its link is cut; loss measured" flow_loss
}
flow_loss() {
	echo "link $cut (the flow's) cut: $((800 - got)) of 800 datagrams lost at 100/s (~$(((800 - got) * 10)) ms)"
	[[ -n $got ]] && ((got > 0 && 800 - got <= max_lost))
}

# A core LAG with members 1 and 3 behind the partner: both reach member 2
# over VLAN 100, and 64 UDP flows each way for each of them spread over both
# links.
core_reach_spread() {
	core_reach "behind the core reaches member 2 over VLAN 100"
	spread_both_ways "2 x 64 flows each way spread over both links of the core LAG" 1 3
}
core_reach() { # core_reach WHAT: members 1 and 3 each reach member 2 within 20 s
	local m
	for m in 1 3; do
		check "member $m $1" wait_for 20 ip netns exec "${id}m$m" ping -c 1 -W 1 192.0.2.2
	done
}
