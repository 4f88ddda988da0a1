#!/usr/bin/env bash
# Ports on kernel interfaces: the real dataplane in a network
# namespace of its own, with net_af_packet ports (and a net_af_xdp one where
# the kernel has AF_XDP) on the host sides of veths whose member sides are
# in namespaces of their own. DPDK 22.11's drivers say link up whatever the
# interface does; the dataplane reads the interface's flags itself. When a
# member takes its side of the veth down, its port must go oper down (CLI
# and --json), a link event must be logged, link_changes must grow and
# frames for that member must be dropped as dst_port_down, not sent; when it
# comes back, all of that in reverse. Then frames lost in the kernel's
# af_packet ring (the dataplane stopped with SIGSTOP while a member sends)
# must appear as rx_missed: rx_packets + rx_missed is what was sent.
# Usage: kernelport_test.sh DATAPLANE CONTROL CTL
set -euo pipefail

dataplane=$1 control=$2 ctl=$3
for tool in jq python3 ip; do
	command -v $tool >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done
[[ $(id -u) == 0 ]] || { echo "needs root for network namespaces: skipped"; exit 77; }

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
id=plk$(printf '%04x' $(($$ % 65536)))
dpns=${id}dp
remove_on_exit+=("/var/run/dpdk/$id")
ip netns add "$dpns" || { echo "cannot create a network namespace: skipped"; exit 77; }
trap 'cleanup; for i in 1 2 3; do ip netns delete "${id}m$i" 2>/dev/null || true; done;
	ip netns delete "$dpns" 2>/dev/null || true' EXIT

xdp=false
python3 -c 'import socket; socket.socket(44, socket.SOCK_RAW)' 2>/dev/null && xdp=true
members=2
$xdp && members=3
for ((i = 1; i <= members; i++)); do
	ip netns add "${id}m$i"
	ip netns exec "${id}m$i" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf.all.disable_ipv6=1
	ip -n "$dpns" link add "h$i" type veth peer name eth0 netns "${id}m$i"
	ip netns exec "$dpns" sysctl -qw "net.ipv4.conf.h$i.arp_ignore=8" \
		"net.ipv6.conf.h$i.disable_ipv6=1"
	ip -n "$dpns" link set "h$i" up
	ip -n "${id}m$i" link set eth0 address "02:00:00:00:00:0$i" up
done

xdp_port=
$xdp && xdp_port="  - {name: lk3, device: \"net_af_xdp0,iface=h3,start_queue=0,queue_count=1\", lans: [peering]}"
cat >"$tmp/peerlan.yaml" <<YAML
fabric: {name: link-test}
$(management_yaml)
policy:
  flap-dampening: {changes: 10, window: 5, hold: 3}
lans:
  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24}
ports:
  - {name: lk1, device: "net_af_packet0,iface=h1", lans: [peering]}
  - {name: lk2, device: "net_af_packet1,iface=h2", lans: [peering]}
$xdp_port
members:
YAML
for ((i = 1; i <= members; i++)); do
	echo "  - {asn: 6450$i, name: M$i, connections: [{port: lk$i, lans: [{lan: peering," \
		"macs: [\"02:00:00:00:00:0$i\"], ipv4: [192.0.2.$i]}]}]}" >>"$tmp/peerlan.yaml"
done

status() { pl --json show status | jq -r "$1"; }
oper_json() { pl --json show ports | jq -r ".ports[] | select(.name == \"$1\") | .oper"; }
oper_text() { pl show ports | awk -v p="$1" '$1 == p { print $3 }'; }
is_oper() { [[ $(oper_json "$1") == "$2" && $(oper_text "$1") == "$2" ]]; }
# show port-security reads the counters afresh; show port then gives that read.
fresh() { pl --json show port-security >/dev/null; }
link_changes() { pl --json show port-security "$1" | jq -r '.ports[0].link_changes'; }
counter() { fresh; pl --json show port "$1" | jq -r ".$2"; }
has_event() { # has_event PORT TEXT: an event of type link with that text
	pl --json show events "$1" | jq -e --arg t "$2" \
		'[.events[] | select(.type == "link" and .text == $t)] | length > 0' >/dev/null
}
count_events() { pl --json show events "$1" | jq --arg t "$2" '[.events[] | select(.text == $t)] | length'; }
# $3 (default 1) IPv4/UDP frames from member $1 to member $2 (0x99: a MAC
# nobody has), sent on member $1's side.
send() {
	ip netns exec "${id}m$1" python3 - "$1" "$2" "${3:-1}" <<'PY'
import socket, struct, sys
a, b, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0,
                 bytes([192, 0, 2, a]), bytes([192, 0, 2, b]))
f = (bytes([2, 0, 0, 0, 0, b]) + bytes([2, 0, 0, 0, 0, a]) + b"\x08\x00" + ip +
     struct.pack("!HHHH", 4000, 4000, 8, 0) + b"\0" * 18)
for _ in range(n):
    s.send(f)
PY
}
grew() { # grew PORT COUNTER BEFORE
	(($(counter "$1" "$2") > $3))
}

ip netns exec "$dpns" "$dataplane" --no-huge -m 512 --no-pci --file-prefix "$id" -l 0,1 \
	--log-level='*:warning' -- -c "$tmp/peerlan.yaml" >>"$tmp/dp.log" 2>&1 &
dp_pid=$!
start_control
wait_synced

# check_port PORT MEMBER: the member's side goes down and comes back.
check_port() {
	local port=$1 m=$2 lc0 lc1 d0 t0 f0
	echo "== $port: up while the member's side is up"
	wait_for 30 "$port not oper up at start" is_oper "$port" up
	lc0=$(link_changes "$port")

	echo "== $port: the member takes its side down: oper down, an event, link_changes"
	ip -n "${id}m$m" link set eth0 down
	wait_for 30 "$port not oper down (CLI and --json) with its link down" is_oper "$port" down
	wait_for 30 "no link down event for $port" has_event "$port" "link down"
	lc1=$(link_changes "$port")
	((lc1 > lc0)) || fail "$port: link_changes $lc0 before, $lc1 after"
	grep -q "port $port: link down" "$tmp/dp.log" || fail "the dataplane did not log it"

	echo "== $port: frames for the member are dropped as dst_port_down, not sent"
	d0=$(counter lk1 drops.dst_port_down) t0=$(counter "$port" counters.tx_packets)
	[[ $port == lk1 ]] && d0=$(counter lk2 drops.dst_port_down)
	local from=1
	[[ $port == lk1 ]] && from=2
	send "$from" "$m"
	wait_for 30 "no dst_port_down drop on lk$from" grew "lk$from" drops.dst_port_down "$d0"
	[[ $(counter "$port" counters.tx_packets) == "$t0" ]] || fail "$port sent a frame while down"

	echo "== $port: the member's side comes back: oper up, an event, forwarding"
	ip -n "${id}m$m" link set eth0 up
	wait_for 30 "$port not oper up (CLI and --json) with its link up" is_oper "$port" up
	wait_for 30 "no link up event for $port" has_event "$port" "link up"
	(($(link_changes "$port") > lc1)) || fail "$port: link_changes did not grow again"
	f0=$(counter "lk$from" counters.forwarded)
	send "$from" "$m"
	wait_for 30 "lk$from does not forward to $port again" grew "lk$from" counters.forwarded "$f0"
	wait_for 30 "$port sent nothing" grew "$port" counters.tx_packets "$t0"
}

check_port lk2 2
check_port lk1 1
if $xdp; then
	check_port lk3 3
else
	echo "== net_af_xdp: this kernel has no AF_XDP sockets: not checked"
fi
[[ $(pl --json show port-security lk2 | jq -r '.ports[0].state') == enabled ]] ||
	fail "lk2 err-disabled by its two link changes"

echo "== rx_missed: nothing while the dataplane keeps up"
r0=$(counter lk1 counters.rx_packets) m0=$(counter lk1 counters.rx_missed)
[[ $m0 == 0 ]] || fail "lk1 rx_missed is $m0 before any loss"
send 1 153 200
wait_for 30 "lk1 did not count the 200 frames" grew lk1 counters.rx_packets $((r0 + 199))
sleep 0.5 # two link polls: long enough for a wrong estimate to show
[[ $(counter lk1 counters.rx_missed) == 0 ]] || fail "lk1 rx_missed $(counter lk1 counters.rx_missed) without a loss"

echo "== rx_missed: the frames the kernel's ring had no room for"
# Stopped, the dataplane reads nothing: the ring (512 frames by default)
# fills and the kernel drops the rest of the 3000.
r0=$(counter lk1 counters.rx_packets)
kill -STOP "$dp_pid"
send 1 153 3000 || { kill -CONT "$dp_pid"; fail "could not send"; }
kill -CONT "$dp_pid"
all_seen() {
	local rx missed
	fresh
	rx=$(pl --json show port lk1 | jq .counters.rx_packets)
	missed=$(pl --json show port lk1 | jq .counters.rx_missed)
	echo "lk1: rx_packets +$((rx - r0)), rx_missed $missed, 3000 sent"
	((missed > 0 && rx - r0 + missed == 3000))
}
wait_for 20 "lk1's rx_packets and rx_missed do not add up to the 3000 sent" all_seen
echo "   $(all_seen)"
[[ $(counter lk2 counters.rx_missed) == 0 ]] || fail "lk2 rx_missed $(counter lk2 counters.rx_missed)"
echo "all kernel port tests passed"
