#!/usr/bin/env bash
# End to end, with real kernel ARP and ND: three member routers as network
# namespaces, each joined by a veth pair to a net_af_packet port of
# peerlan-dataplane, with peerlan-control running the sponge. Members 1 and 3
# keep pinging member 2 over IPv4 and IPv6. Member 2's router stops answering
# (arp_ignore=8, and its IPv6 address removed; its port stays up: the common
# failure), so its peers keep asking; both addresses are sponged within the
# expected time and the peers' neighbour entries point to the sponge MAC.
# Member 2 comes back and speaks: unsponged at once. Members 1 and 3, alive
# and asked for all along, are never sponged.
# Usage: sponge_e2e.sh DATAPLANE CONTROL CTL (as root)
set -euo pipefail

dataplane=$1 control=$2 ctl=$3
[[ $(id -u) == 0 ]] || { echo "needs root for network namespaces: skipped"; exit 77; }
for tool in jq ip ping tc ethtool clang; do
	command -v $tool >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done

# shellcheck source=../control/lib.sh
source "$(dirname "$0")/../control/lib.sh"
id=pls$(printf '%04x' $(($$ % 65536)))
prefix=$id
remove_on_exit+=("/var/run/dpdk/$prefix")
sponge_mac=02:00:5e:00:00:fe

pings=()
netns_cleanup() {
	# The pings first, by pid: the common clean-up waits for every child.
	for p in "${pings[@]}"; do kill "$p" 2>/dev/null || true; done
	for i in 1 2 3; do
		ip link del "${id}h$i" 2>/dev/null || true
		ip netns del "${id}m$i" 2>/dev/null || true
	done
}
trap 'netns_cleanup; cleanup' EXIT

# A veth sends ARP in 42-byte frames, which the fabric drops as runts as it
# should; a member's side pads to the Ethernet minimum, as a NIC would, with
# the lab's tc program, and computes its own checksums.
# shellcheck source=../../scripts/lab.sh
source "$(dirname "$0")/../../scripts/lab.sh"
LAB_DIR=$tmp lab_build_pad || { echo "cannot build the padding program: skipped"; exit 77; }

for i in 1 2 3; do
	ip netns add "${id}m$i"
	ip link add "${id}h$i" type veth peer name eth0 netns "${id}m$i"
	host_veth "${id}h$i"
	netns_member "${id}m$i" "02:00:00:00:00:0$i" "$i"
	nic_like "${id}m$i" eth0
done

{
	echo "fabric: {name: e2e}"
	management_yaml
	cat <<YAML
policy:
  sponge: {queue-depth: 10, rate: 30, probes: 2, probe-interval: 500, learning: 1}
lans:
  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24, ipv6: "2001:db8::/64"}
ports:
YAML
	for i in 1 2 3; do
		echo "  - {name: p$i, device: \"net_af_packet$i,iface=${id}h$i\", lans: [peering]}"
	done
	echo "members:"
	for i in 1 2 3; do
		cat <<YAML
  - asn: 6450$i
    name: M$i
    connections:
      - {port: p$i, lans: [{lan: peering, macs: ["02:00:00:00:00:0$i"], ipv4: [192.0.2.$i],
                                         ipv6: ["2001:db8::$i"]}]}
YAML
	done
} >"$tmp/peerlan.yaml"

"$dataplane" --no-huge -m 512 --no-pci --file-prefix "$prefix" -l 0,1 --log-level='*:warning' \
	-- -c "$tmp/peerlan.yaml" --stats-json "$tmp/stats.json" >>"$tmp/dp.log" 2>&1 &
dp_pid=$!
"$control" -c "$tmp/peerlan.yaml" 2>>"$tmp/ctl.log" &
ctl_pid=$!
for _ in $(seq 150); do
	[[ $(pl --json show status 2>/dev/null | jq -r .dataplane.in_sync) == true ]] && break
	kill -0 "$dp_pid" 2>/dev/null || fail "the dataplane exited"
	sleep 0.1
done
[[ $(pl --json show status | jq -r .dataplane.in_sync) == true ]] || fail "not in sync"

state() { pl --json show neighbors | jq -r --arg a "$1" '.neighbors[] | select(.address == $a) | .state'; }
lladdr() { ip -n "${id}m$1" neigh show "$2" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}'; }

echo "== all three reach each other"
ip netns exec "${id}m1" ping -c 3 -W 2 192.0.2.2 >/dev/null ||
	fail "m1 cannot reach m2: $(pl show drops)"
ip netns exec "${id}m3" ping -c 2 -W 2 192.0.2.1 >/dev/null || fail "m3 cannot reach m1"
ip netns exec "${id}m1" ping -c 3 -W 2 2001:db8::2 >/dev/null ||
	fail "m1 cannot reach m2 over IPv6: $(pl show drops)"

echo "== m2's router goes silent; m1 and m3 keep asking"
ip netns exec "${id}m2" sysctl -qw net.ipv4.conf.eth0.arp_ignore=8 net.ipv4.conf.all.arp_ignore=8
ip -n "${id}m2" addr del 2001:db8::2/64 dev eth0
ip -n "${id}m1" neigh flush dev eth0
ip -n "${id}m3" neigh flush dev eth0
for i in 1 3; do
	ip netns exec "${id}m$i" ping -i 0.2 -W 1 2001:db8::2 >/dev/null 2>&1 &
	pings+=($!)
done
ip netns exec "${id}m1" ping -i 0.2 -W 1 192.0.2.2 >/dev/null 2>&1 &
pings+=($!)
ip netns exec "${id}m3" ping -i 0.2 -W 1 192.0.2.2 >/dev/null 2>&1 &
pings+=($!)
ip netns exec "${id}m3" ping -i 0.5 192.0.2.1 >/dev/null 2>&1 &
pings+=($!)
t0=$(date +%s)
for _ in $(seq 600); do
	[[ $(state 192.0.2.2) == dead ]] && break
	sleep 0.1
done
[[ $(state 192.0.2.2) == dead ]] || fail "192.0.2.2 not sponged after 60 s: $(pl show sponge)"
echo "   192.0.2.2 sponged after $(($(date +%s) - t0)) s"
for _ in $(seq 300); do
	[[ $(state 2001:db8::2) == dead ]] && break
	sleep 0.1
done
[[ $(state 2001:db8::2) == dead ]] || fail "2001:db8::2 not sponged: $(pl show sponge)"
echo "   2001:db8::2 sponged after $(($(date +%s) - t0)) s"
for _ in $(seq 50); do
	[[ $(lladdr 1 2001:db8::2) == "$sponge_mac" ]] && break
	sleep 0.1
done
[[ $(lladdr 1 2001:db8::2) == "$sponge_mac" ]] ||
	fail "m1's entry for 2001:db8::2 is '$(lladdr 1 2001:db8::2)', not the sponge MAC"
for _ in $(seq 50); do
	[[ $(lladdr 1 192.0.2.2) == "$sponge_mac" ]] && break
	sleep 0.1
done
[[ $(lladdr 1 192.0.2.2) == "$sponge_mac" ]] ||
	fail "m1's entry for 192.0.2.2 is '$(lladdr 1 192.0.2.2)', not the sponge MAC"
[[ $(state 192.0.2.1) == alive ]] || fail "192.0.2.1 is $(state 192.0.2.1)"
# The probes left through a worker: af_packet has no queue for the main lcore.
[[ $(pl --json show sponge | jq '.probes_sent > 0 and .inject_errors == 0') == true ]] ||
	fail "probes: $(pl show sponge)"

echo "== m2 comes back and speaks: unsponged at once"
ip netns exec "${id}m2" sysctl -qw net.ipv4.conf.eth0.arp_ignore=0 net.ipv4.conf.all.arp_ignore=0
ip -n "${id}m2" addr add 2001:db8::2/64 dev eth0 nodad
# As a router that restarts, it starts with an empty neighbour table and asks.
ip -n "${id}m2" neigh flush dev eth0
ip netns exec "${id}m2" ping -c 3 -W 2 192.0.2.1 >/dev/null ||
	fail "m2 cannot reach m1: $(state 192.0.2.2; ip -n "${id}m1" neigh; ip -n "${id}m2" neigh; pl show drops)"
for _ in $(seq 20); do
	[[ $(state 192.0.2.2) == alive ]] && break
	sleep 0.1
done
[[ $(state 192.0.2.2) == alive ]] || fail "192.0.2.2 is $(state 192.0.2.2) after it spoke"
ip netns exec "${id}m2" ping -c 3 -W 2 2001:db8::1 >/dev/null ||
	fail "m2 cannot reach m1 over IPv6: $(state 2001:db8::2; ip -n "${id}m2" -6 neigh; pl show drops)"
for _ in $(seq 20); do
	[[ $(state 2001:db8::2) == alive ]] && break
	sleep 0.1
done
[[ $(state 2001:db8::2) == alive ]] || fail "2001:db8::2 is $(state 2001:db8::2) after it spoke"
kill "${pings[@]}" 2>/dev/null || true
ip -n "${id}m1" neigh flush dev eth0
ip netns exec "${id}m1" ping -c 2 -W 2 192.0.2.2 >/dev/null || fail "m1 cannot reach m2 again"
[[ $(lladdr 1 192.0.2.2) == 02:00:00:00:00:02 ]] || fail "m1 still has $(lladdr 1 192.0.2.2)"
ip netns exec "${id}m1" ping -c 2 -W 2 2001:db8::2 >/dev/null || fail "m1 cannot reach m2 over IPv6 again"
[[ $(lladdr 1 2001:db8::2) == 02:00:00:00:00:02 ]] || fail "m1 still has $(lladdr 1 2001:db8::2)"
for a in 2001:db8::1 2001:db8::3; do
	[[ $(state $a) == alive ]] || fail "the live $a is $(state $a)"
done
[[ $(state 192.0.2.1) == alive ]] || fail "the live 192.0.2.1 is $(state 192.0.2.1)"
[[ $(state 192.0.2.3) == alive ]] || fail "the live 192.0.2.3 is $(state 192.0.2.3)"

echo "== every punted copy is accounted for"
status() { pl --json show status | jq -r "$1"; }
[[ $(status .dataplane.connects) == 1 ]] || fail "control connected $(status .dataplane.connects) times"
stop_pid "$dp_pid"
wait "$dp_pid" 2>/dev/null || true
dp_pid=
for _ in $(seq 300); do
	[[ $(status .dataplane.connected) == false ]] && break
	sleep 0.1
done
out=$("$(dirname "$0")/../control/punts_close.sh" "$tmp/stats.json" \
	"$(status .dataplane.punts_received)") || fail "$out"
echo "$out"
echo "all end-to-end sponge tests passed"
