# Sourced by the scripted control tests: a temporary directory, the two
# processes a test starts (stopped by pid on exit), failing with their logs,
# the management section of a test configuration (metrics off unless
# $metrics_listen names an address), and peerlanctl on the
# test's socket. The sourcing script sets $ctl to peerlanctl's path.

tmp=$(mktemp -d /tmp/pl-ctltest-XXXXXX)
dp_pid= ctl_pid= hold_pid=
remove_on_exit=("$tmp")

# Stops one process by pid: TERM, then KILL if it is still there after 5 s,
# so that a test that fails or times out leaves no polling dataplane behind.
stop_pid() {
	local pid=$1
	[[ -n $pid ]] || return 0
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
}

cleanup() {
	stop_pid "$hold_pid"
	stop_pid "$ctl_pid"
	stop_pid "$dp_pid"
	wait 2>/dev/null || true
	rm -rf -- "${remove_on_exit[@]}"
}
trap cleanup EXIT
# meson stops a test that runs out of time with SIGTERM: clean up then too.
trap 'exit 143' TERM INT HUP

fail() {
	echo "FAIL: $*" >&2
	for log in "$tmp"/*.log; do
		[[ -f $log ]] && sed "s/^/  $(basename "$log" .log): /" "$log" >&2
	done
	exit 1
}

management_yaml() {
	cat <<YAML
management:
  control-socket: $tmp/dp.sock
  cli-socket: $tmp/cli.sock
  cli-readonly-socket: $tmp/cli-ro.sock
  state-dir: $tmp/state
  metrics: ${metrics_listen:-off}
YAML
}

pl() { "$ctl" -s "$tmp/cli.sock" "$@"; }

# member_yaml N NAME: a members: item for member NAME, AS6450N, on port pN in
# LAN peering with MAC 02:00:00:00:00:0N and 192.0.2.N (N from 1 to 9).
member_yaml() {
	cat <<YAML
  - asn: $((64500 + $1))
    name: $2
    connections:
      - {port: p$1, lans: [{lan: peering, macs: ["02:00:00:00:00:0$1"], ipv4: [192.0.2.$1]}]}
YAML
}

# null_ports_yaml MANAGEMENT: the smallest useful configuration for the fake
# dataplane, with the management section given: LAN peering, net_null ports
# p1 and p2, member One on p1. It ends in the members list: the caller may
# append members.
null_ports_yaml() {
	cat <<YAML
fabric: {name: test-ix}
$1
lans:
  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24}
ports:
  - {name: p1, device: net_null0, lans: [peering]}
  - {name: p2, device: net_null1, lans: [peering]}
members:
$(member_yaml 1 One)
YAML
}

# evpn_node_yaml: the part of an EVPN node's configuration that the EVPN
# tests share: LAN peering on VNI 10100, member port p1, and the underlay
# port of VTEP 198.18.0.1. It ends in the ports list: the caller appends its
# VTEP ports, then the members.
evpn_node_yaml() {
	cat <<YAML
lans:
  - {name: peering, vlan: 100, vni: 10100, ipv4: 192.0.2.0/24, ipv6: "2001:db8::/64"}
ports:
  - {name: p1, device: net_null0, lans: [peering]}
  - name: underlay
    kind: underlay
    device: net_null1
    mtu: 1600
    vtep-address: 198.18.0.1
    vtep-mac: 02:aa:00:00:00:01
    next-hop-mac: 02:bb:00:00:00:01
YAML
}

# The script defines status(), which reads `show status --json`.
# start_control [OPTION...]: options go to peerlan-control.
start_control() {
	"$control" -c "$tmp/peerlan.yaml" "$@" 2>>"$tmp/ctl.log" &
	ctl_pid=$!
}

# start_dataplane LOG [OPTION...]: the real dataplane ($dataplane) on
# $tmp/peerlan.yaml in the background, its pid in $dp_pid and its output
# appended to $tmp/LOG; no hugepages, no PCI scan, cores 0 and 1, DPDK's
# files under the script's --file-prefix $prefix. OPTIONs go to the
# dataplane after its configuration. With $dp_netns set, it runs in that
# network namespace.
start_dataplane() {
	local log=$1 netns=()
	shift
	[[ -z ${dp_netns:-} ]] || netns=(ip netns exec "$dp_netns")
	"${netns[@]}" "$dataplane" --no-huge -m 512 --no-pci --file-prefix "$prefix" -l 0,1 \
		--log-level='*:warning' -- -c "$tmp/peerlan.yaml" "$@" >>"$tmp/$log" 2>&1 &
	dp_pid=$!
}

# start_beside_fake_dp [SOCKET]: the fake dataplane ($fakedp) on SOCKET
# (by default $tmp/dp.sock) with $tmp/peerlan.yaml, its errors in
# $tmp/dp.log, and control beside it; returns once they are in sync.
start_beside_fake_dp() {
	"$fakedp" "${1:-$tmp/dp.sock}" "$tmp/peerlan.yaml" 2>>"$tmp/dp.log" &
	dp_pid=$!
	start_control
	wait_for 30 "control did not start" test -S "$tmp/cli.sock"
	wait_synced
}

# hold_connections SOCKET N: opens N connections to a Unix socket and holds
# them, sending nothing, for 60 s; in the background, its pid in $hold_pid.
# Returns once they are open.
hold_connections() {
	rm -f "$tmp/held"
	python3 - "$1" "$2" "$tmp/held" <<'PY' &
import socket, sys, time
held = []
for _ in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    held.append(s)
open(sys.argv[3], "w").close()
time.sleep(60)
PY
	hold_pid=$!
	for _ in $(seq 100); do [[ -e $tmp/held ]] && return 0; sleep 0.1; done
	fail "could not open $2 connections to $1"
}

wait_synced() {
	for _ in $(seq 300); do
		kill -0 "$dp_pid" 2>/dev/null || fail "the dataplane exited"
		if [[ $(status '.dataplane.in_sync' 2>/dev/null) == true ]]; then
			return 0
		fi
		sleep 0.1
	done
	fail "control and dataplane did not get in sync"
}

# Runs COMMAND every 0.1 s until it succeeds; fails with WHAT after SECONDS.
wait_for() { # wait_for SECONDS WHAT COMMAND...
	local n=$(($1 * 10)) what=$2
	shift 2
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	fail "$what"
}

# A network namespace of the test's own, removed on exit; exits 77 (skipped)
# if none can be made here.
test_netns() { # test_netns NAME
	ip netns add "$1" || { echo "cannot create a network namespace: skipped"; exit 77; }
	trap "cleanup; ip netns delete '$1' 2>/dev/null || true" EXIT
}

# unicast_pcap FILE [SRC_MAC SRC_IP DST_MAC DST_IP]...: 64 UDP frames, the
# flows given taking turns; by default one flow from AS64501's MAC
# (02:00:00:00:00:01, 192.0.2.1) to AS64502's (02:00:00:00:00:02, 192.0.2.2).
unicast_pcap() {
	local out=$1
	shift
	(($#)) || set -- 02:00:00:00:00:01 192.0.2.1 02:00:00:00:00:02 192.0.2.2
	python3 - "$out" "$@" <<'PY'
import ipaddress, struct, sys
def csum(h):
    s = sum(struct.unpack("!10H", h)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return (~s) & 0xffff
def frame(smac, sip, dmac, dip):
    udp = struct.pack("!HHHH", 5000, 5000, 26, 0) + b"x" * 18
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     ipaddress.IPv4Address(sip).packed, ipaddress.IPv4Address(dip).packed)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return (bytes.fromhex(dmac.replace(":", "")) + bytes.fromhex(smac.replace(":", ""))
            + b"\x08\x00" + ip + udp)
a = sys.argv[2:]
flows = [frame(*a[i:i + 4]) for i in range(0, len(a), 4)]
with open(sys.argv[1], "wb") as o:
    o.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(64):
        f = flows[i % len(flows)]
        o.write(struct.pack("<IIII", 0, i, len(f), len(f)) + f)
PY
}

# dpdk_macs FILE_PREFIX: "NAME MAC" for every ethdev of the dataplane
# started with that --file-prefix, as DPDK's telemetry reports them.
dpdk_macs() {
	/usr/bin/python3 - "/var/run/dpdk/$1/dpdk_telemetry.v2" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.recv(16384)
def ask(cmd):
    s.send(cmd.encode())
    return json.loads(s.recv(1 << 20))
for i in ask("/ethdev/list")["/ethdev/list"]:
    info = ask("/ethdev/info,%d" % i)["/ethdev/info"]
    print(info["name"], info["mac_addr"].lower())
PY
}

# A host-side veth carries no IP processing (the machine's own addresses may
# overlap the documentation ranges).
host_veth() {
	sysctl -qw "net.ipv4.conf.$1.arp_ignore=8" "net.ipv6.conf.$1.disable_ipv6=1"
	ip link set "$1" up
}

# Interface $2 of namespace $1 pads what it sends to the Ethernet minimum, as
# a NIC does, and computes its own checksums; $tmp/pad60.o is scripts/lab.sh's
# lab_build_pad program.
nic_like() {
	ip netns exec "$1" ethtool -K "$2" tx off sg off tso off gso off >/dev/null
	tc -n "$1" qdisc add dev "$2" clsact
	tc -n "$1" filter add dev "$2" egress bpf direct-action obj "$tmp/pad60.o" sec tc
}

# A member router in namespace $1: eth0 with MAC $2, 192.0.2.$3/24 and
# 2001:db8::$3/64 (no DAD, no router discovery), up.
netns_member() {
	ip -n "$1" link set eth0 address "$2"
	ip -n "$1" addr add "192.0.2.$3/24" dev eth0
	ip netns exec "$1" sysctl -qw net.ipv6.conf.eth0.accept_ra=0 \
		net.ipv6.conf.eth0.router_solicitations=0
	ip -n "$1" addr add "2001:db8::$3/64" dev eth0 nodad
	ip -n "$1" link set eth0 up
	ip -n "$1" link set lo up
}
