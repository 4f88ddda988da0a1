#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A static LAG (lacp: on, DPDK's balance mode with the l34 hash) against an
# Open vSwitch bond without LACP (lacp=off, balance-slb), as for the rare
# member whose router has no LACP. The LAN's neighbor policy is proxy, so
# the fabric answers ARP itself: OVS's balance-slb takes broadcasts only on
# its active link, which a static bundle cannot know.
#
#   m1 -- OVS br0 [bond0: b0 b1, no LACP] == A0 A1 [peerlan LAG lag1, lacp on] peerlan p2 -- m2
#
# Checked: both links in the bundle by their carrier alone; no LACPDU leaves
# peerlan; member 1 reaches member 2; flows towards member 1 spread over
# both links by peerlan's hash; a link cut at OVS leaves the bundle and
# traffic crosses on the other; it comes back; a link taken out of the LAG
# and added again by reloads, 10 times under a flood both ways, never
# crashes the dataplane (a worker's burst once read a link closed under it).
# Usage: lag_static_e2e.sh DATAPLANE (as root)
set -uo pipefail

dataplane=$(realpath "$1")
# shellcheck source=lag_lib.sh
source "$(dirname "$0")/lag_lib.sh"
ovs_test_begin lgs ov m1 m2
command -v tcpdump >/dev/null || { echo "tcpdump is not installed: skipped"; exit 77; }

# --- the lab
lag_lab ov

config 1 '' static >"$tmp/peerlan.yaml"
"$dataplane" --no-huge -m 512 --no-pci --file-prefix "${id}d" -l 0,1 --log-level='*:warning' \
	-- -c "$tmp/peerlan.yaml" >"$tmp/dp.log" 2>&1 &
dp_pid=$!

ovs_start "${id}ov" || exit 1
vsctl add-br br0 -- set bridge br0 datapath_type=netdev other_config:hwaddr=02:00:00:00:00:fd
vsctl add-bond br0 bond0 b0 b1 lacp=off bond_mode=balance-slb
vsctl add-port br0 e0

check "peerlan: both links in the static bundle within 30 s" wait_for 30 bundled 2
check "the LAG runs no LACP" test "$(lag .lacp)" == on
member_enabled() { appctl bond/show bond0 | grep -q "member $1: enabled"; }
check "OVS: both links of its bond enabled" wait_for 30 eval "member_enabled b0 && member_enabled b1"
check "member 1 behind the LAG reaches member 2" \
	wait_for 20 ip netns exec "${id}m1" ping -c 1 -W 1 192.0.2.2
# LACP would send at least one LACPDU a second on each link.
ip netns exec "${id}ov" timeout 4 tcpdump -i b0 -nn -c 1 ether proto 0x8809 >"$tmp/lacpdu.txt" 2>/dev/null
ip netns exec "${id}ov" timeout 4 tcpdump -i b1 -nn -c 1 ether proto 0x8809 >>"$tmp/lacpdu.txt" 2>/dev/null
no_lacpdu() { ! grep . "$tmp/lacpdu.txt"; }
check "no LACPDU on either link in 4 s" no_lacpdu

# --- spread: 64 UDP flows towards member 1 leave on both links
tx0=$(link_ctr 0 tx_packets) tx1=$(link_ctr 1 tx_packets)
flows "${id}m2" 192.0.2.2 192.0.2.1
sent_all() { (($(link_ctr 0 tx_packets) + $(link_ctr 1 tx_packets) - tx0 - tx1 >= 320)); }
wait_for 10 sent_all
dtx0=$(($(link_ctr 0 tx_packets) - tx0)) dtx1=$(($(link_ctr 1 tx_packets) - tx1))
spread_tx() { echo "peerlan sent $dtx0 + $dtx1 frames on the two links"; ((dtx0 >= 32 && dtx1 >= 32)); }
check "64 flows towards member 1 spread over both links by the l34 hash" spread_tx

# --- a link cut at OVS: the other carries everything
ip -n "${id}ov" link set b0 down
check "the cut link leaves the static bundle" wait_for 30 bundled 1
check "the cut link says why" test "$(lag .link0.why)" == "no carrier"
check "member 1 still reaches member 2" wait_for 20 ip netns exec "${id}m1" ping -c 1 -W 1 192.0.2.2
ip -n "${id}ov" link set b0 up
check "the link comes back into the bundle" wait_for 30 bundled 2
check "member 1 reaches member 2" wait_for 20 ip netns exec "${id}m1" ping -c 1 -W 1 192.0.2.2

# --- a link taken out and added again, 10 times, by reloads under a flood
config 1 "\"net_af_packet10,iface=${id}a0\"" static >"$tmp/one.yaml"
cp "$tmp/peerlan.yaml" "$tmp/two.yaml"
ip netns exec "${id}m1" ping -q -f 192.0.2.2 >/dev/null 2>&1 &
flood1=$!
ip netns exec "${id}m2" ping -q -f 192.0.2.1 >/dev/null 2>&1 &
flood2=$!
relinks() {
	local r f
	for ((r = 1; r <= 10; r++)); do
		for f in one two; do
			cp "$tmp/$f.yaml" "$tmp/peerlan.yaml"
			kill -HUP "$dp_pid" || { echo "the dataplane is gone (round $r)"; return 1; }
			wait_for 30 bundled "$([[ $f == one ]] && echo 1 || echo 2)" ||
				{ echo "round $r ($f link(s)): not bundled; dataplane alive: $(kill -0 "$dp_pid" 2>/dev/null && echo yes || echo no)"; return 1; }
		done
	done
	echo "10 rounds: the LAG went to one link and back to two each time"
}
# Each removal held the workers, and the log says for how long.
holds() {
	local us
	mapfile -t us < <(sed -n 's/.*removed from the bond, the workers held for \([0-9]*\) us$/\1/p' "$tmp/dp.log" | sort -n)
	echo "${#us[@]} removals held the workers: min ${us[0]:-?} us, median ${us[${#us[@]} / 2]:-?} us, max ${us[-1]:-?} us"
	((${#us[@]} >= 10))
}
check "a link taken out and added again 10 times under a flood both ways" relinks
kill "$flood1" "$flood2" 2>/dev/null
check "the dataplane is still running" kill -0 "$dp_pid"
check "the log says how long each removal held forwarding" holds
check "member 1 reaches member 2 after the reloads" wait_for 20 ip netns exec "${id}m1" ping -c 1 -W 1 192.0.2.2

echo "# $passed passed, $failed failed"
((failed == 0))
