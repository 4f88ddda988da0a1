#!/usr/bin/env bash
# End to end with the Linux kernel's own VXLAN as the other node: member m1
# on a net_af_packet port of peerlan-dataplane; peerlan's underlay port
# (VTEP 198.18.0.1) on a veth to namespace "leaf", where a kernel vxlan
# device (VNI 10100, VTEP 198.18.0.2) and a bridge stand in for another
# node or an EVPN leaf, with member m2 behind them. m1 and m2 reach each
# other over IPv4 and IPv6 through peerlan's encapsulation and
# decapsulation, their ARP and ND steered to each other as unicast.
# m3, also behind the leaf but with a MAC the member database does not
# place there, is refused: counted under vxlan_src_mac on the leaf's VTEP
# port, and never reaches m1.
# Usage: vxlan_e2e.sh DATAPLANE (as root)
set -euo pipefail

dataplane=$1
[[ $(id -u) == 0 ]] || { echo "needs root for network namespaces: skipped"; exit 77; }
for tool in jq ip ping tc ethtool clang bridge; do
	command -v $tool >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done
modprobe vxlan 2>/dev/null || true

# shellcheck source=../control/lib.sh
source "$(dirname "$0")/../control/lib.sh"
id=plx$(printf '%04x' $(($$ % 65536)))
prefix=$id
remove_on_exit+=("/var/run/dpdk/$prefix")
leaf=${id}leaf

pings=()
netns_cleanup() {
	for p in "${pings[@]}"; do kill "$p" 2>/dev/null || true; done
	ip link del "${id}h1" 2>/dev/null || true
	ip link del "${id}hu" 2>/dev/null || true
	for ns in "${id}m1" "${id}m2" "${id}m3" "$leaf"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}
trap 'netns_cleanup; cleanup' EXIT

# shellcheck source=../../scripts/lab.sh
source "$(dirname "$0")/../../scripts/lab.sh"
LAB_DIR=$tmp lab_build_pad || { echo "cannot build the padding program: skipped"; exit 77; }

for ns in "${id}m1" "${id}m2" "${id}m3" "$leaf"; do
	ip netns add "$ns"
done
ip link add "${id}h1" type veth peer name eth0 netns "${id}m1"
host_veth "${id}h1"
netns_member "${id}m1" 02:00:00:00:00:01 1
nic_like "${id}m1" eth0

# The leaf: its underlay interface, its VTEP and a bridge with m2 and m3 behind
# it. net_af_packet takes no frame over 1518 bytes, so the underlay's MTU is
# 1500 and the LAN's towards the leaf 1450, as the kernel's vxlan device has.
ip link add "${id}hu" type veth peer name und netns "$leaf"
host_veth "${id}hu"
ip -n "$leaf" link set und address 02:bb:00:00:00:01 up
ip -n "$leaf" addr add 198.18.0.2/24 dev und
nic_like "$leaf" und
ip -n "$leaf" link add vx type vxlan id 10100 local 198.18.0.2 dev und dstport 4789
ip -n "$leaf" link add br0 type bridge
ip -n "$leaf" link set vx master br0 up
ip -n "$leaf" link set br0 up
# Broadcast and multicast go to peerlan's VTEP, the only other one.
bridge -n "$leaf" fdb append 00:00:00:00:00:00 dev vx dst 198.18.0.1
for i in 2 3; do
	ip -n "$leaf" link add "lk$i" type veth peer name eth0 netns "${id}m$i"
	ip -n "$leaf" link set "lk$i" master br0 up
	nic_like "${id}m$i" eth0
done
netns_member "${id}m2" 02:00:00:00:00:02 2
netns_member "${id}m3" 02:00:00:00:00:66 66

cat >"$tmp/peerlan.yaml" <<YAML
fabric: {name: e2e-vxlan}
lans:
  - {name: peering, vlan: 100, vni: 10100, ipv4: 192.0.2.0/24, ipv6: "2001:db8::/64"}
ports:
  - {name: p1, device: "net_af_packet1,iface=${id}h1", lans: [peering]}
  - {name: underlay, kind: underlay, device: "net_af_packet2,iface=${id}hu", mtu: 1500,
     vtep-address: 198.18.0.1, vtep-mac: "02:aa:00:00:00:01", next-hop-mac: "02:bb:00:00:00:01"}
  - {name: leaf, kind: vtep, remote: 198.18.0.2, lans: [peering], mtu: 1450}
members:
  - asn: 64501
    name: M1
    connections:
      - {port: p1, lans: [{lan: peering, macs: ["02:00:00:00:00:01"], ipv4: [192.0.2.1],
                                         ipv6: ["2001:db8::1"]}]}
  - asn: 64502
    name: M2
    connections:
      - {port: leaf, lans: [{lan: peering, macs: ["02:00:00:00:00:02"], ipv4: [192.0.2.2],
                                           ipv6: ["2001:db8::2"]}]}
YAML

"$dataplane" --no-huge -m 512 --no-pci --file-prefix "$prefix" -l 0,1 --log-level='*:warning' \
	-- -c "$tmp/peerlan.yaml" --stats-json "$tmp/stats.json" >>"$tmp/dp.log" 2>&1 &
dp_pid=$!
for _ in $(seq 300); do
	grep -q "forwarding on" "$tmp/dp.log" && break
	kill -0 "$dp_pid" 2>/dev/null || fail "the dataplane exited"
	sleep 0.1
done
grep -q "forwarding on" "$tmp/dp.log" || fail "the dataplane did not start forwarding"

# A ping that succeeds within 30 s: links come up and neighbours resolve first.
reach() {
	local ns=$1 addr=$2
	for _ in $(seq 30); do
		ip netns exec "$ns" ping -c 1 -W 1 "$addr" >/dev/null 2>&1 && return 0
	done
	return 1
}

echo "== m1 and m2, behind the kernel's VTEP, reach each other over IPv4 and IPv6"
reach "${id}m1" 192.0.2.2 || fail "m1 cannot reach m2 over IPv4"
reach "${id}m2" 192.0.2.1 || fail "m2 cannot reach m1 over IPv4"
reach "${id}m1" 2001:db8::2 || fail "m1 cannot reach m2 over IPv6"
reach "${id}m2" 2001:db8::1 || fail "m2 cannot reach m1 over IPv6"
ip netns exec "${id}m1" ping -c 20 -i 0.05 -W 1 192.0.2.2 >/dev/null ||
	fail "m1 lost pings to m2 once the path was up"
ip netns exec "${id}m2" ping -c 20 -i 0.05 -W 1 2001:db8::1 >/dev/null ||
	fail "m2 lost IPv6 pings to m1 once the path was up"
echo "   ok"

echo "== m3, behind the leaf with a MAC the database does not place there, is refused"
if ip netns exec "${id}m3" ping -c 3 -W 1 192.0.2.1 >/dev/null 2>&1; then
	fail "m3 reached m1"
fi
ip -n "${id}m3" neigh replace 192.0.2.1 lladdr 02:00:00:00:00:01 dev eth0
if ip netns exec "${id}m3" ping -c 3 -W 1 192.0.2.1 >/dev/null 2>&1; then
	fail "m3 reached m1 with a static neighbour entry"
fi
echo "   ok"

stop_pid "$dp_pid"
dp_pid=
[[ -f $tmp/stats.json ]] || fail "the dataplane wrote no counters"
ctr() { jq -r --arg p "$1" ".ports[\$p].$2" "$tmp/stats.json"; }
sum_check() {
	jq -e --arg p "$1" '.ports[$p] as $s | $s.rx_packets == $s.forwarded + $s.steered +
		$s.answered + $s.decapsulated + ([$s.drops[]] | add)' "$tmp/stats.json" >/dev/null
}
echo "== counters"
refused=$(ctr leaf 'drops.vxlan_src_mac')
((refused >= 4)) || fail "the leaf's VTEP port counted $refused frames from m3 under vxlan_src_mac"
(($(ctr underlay decapsulated) > 0)) || fail "nothing counted as decapsulated"
(($(ctr underlay answered) > 0)) || fail "the underlay answered no ARP for its VTEP"
(($(ctr leaf steered) > 0)) || fail "no ARP/ND from the leaf was steered"
(($(ctr p1 steered) > 0)) || fail "no ARP/ND from m1 was steered to the leaf"
# What went to the leaf is counted sent on its VTEP port, and again, with
# the outer headers, on the underlay port (which also sends its ARP answers).
(($(ctr leaf tx_packets) > 0)) || fail "the leaf's VTEP port counted nothing sent"
(($(ctr underlay tx_packets) >= $(ctr leaf tx_packets))) ||
	fail "the underlay sent $(ctr underlay tx_packets) frames, fewer than the $(ctr leaf tx_packets) to the leaf"
for p in p1 underlay leaf; do
	sum_check "$p" || fail "port $p: the counters do not add up: $(jq -c ".ports.$p" "$tmp/stats.json")"
done
echo "   m3's frames refused: $refused; decapsulated: $(ctr underlay decapsulated)," \
	"steered from the leaf: $(ctr leaf steered); sent to the leaf: $(ctr leaf tx_packets)"
echo "vxlan_e2e: passed"
