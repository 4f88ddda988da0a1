#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A LAG negotiated with LACP against Open vSwitch's userspace datapath: a
# netdev bridge with a bond (lacp=active, balance-tcp, fast LACP) over two
# veths, in a namespace of its own, with its own database, sockets and pid
# files (never the system's service). Member 1's router is behind OVS.
#
#   m1 -- OVS br0 [bond0: b0 b1] == A0 A1 [peerlan LAG lag1] peerlan p2 -- m2
#
# Checked: LACP collecting and distributing on both ends of both links;
# traffic crosses; flows spread over both links in each direction; a link
# whose partner turns up with another system id leaves the bundle, with
# the reason in the log and in /peerlan/lag, and comes back when it is
# right again.
# Usage: lag_ovs_e2e.sh DATAPLANE (as root)
set -uo pipefail

dataplane=$(realpath "$1")
# shellcheck source=lag_lib.sh
source "$(dirname "$0")/lag_lib.sh"
ovs_test_begin lgo ov m1 m2
/usr/bin/python3 -c 'import scapy' 2>/dev/null || { echo "scapy is not installed: skipped"; exit 77; }

# --- the lab
lag_lab ov

config 1 >"$tmp/peerlan.yaml"
"$dataplane" --no-huge -m 512 --no-pci --file-prefix "${id}d" -l 0,1 --log-level='*:warning' \
	-- -c "$tmp/peerlan.yaml" >"$tmp/dp.log" 2>&1 &
dp_pid=$!

# Open vSwitch, all of it in the partner's namespace and the test's directory.
ovs_start "${id}ov" || exit 1
vsctl add-br br0 -- set bridge br0 datapath_type=netdev other_config:hwaddr=02:00:00:00:00:fd
vsctl add-bond br0 bond0 b0 b1 lacp=active bond_mode=balance-tcp \
	other_config:lacp-time=fast other_config:lacp-system-id=02:00:00:00:00:fe
vsctl add-port br0 e0

# --- LACP
check "peerlan: both links collecting and distributing within 60 s" wait_for 60 bundled 2
check "OVS: negotiated, actor and partner collecting and distributing on both links" wait_for 30 ovs_lacp_up
check "the partner's system is OVS's bond (02:00:00:00:00:fe) on both links" \
	test "$(lag .link0.partner_system) $(lag .link1.partner_system)" == "02:00:00:00:00:fe 02:00:00:00:00:fe"
check "member 1 behind the LAG reaches member 2" \
	wait_for 20 ip netns exec "${id}m1" ping -c 1 -W 1 192.0.2.2

# --- spread: 64 UDP flows each way
spread_both_ways "64 flows each way spread over both links by the hash"

# --- another partner system on one link: that link leaves the bundle, saying why
vsctl del-port br0 bond0 \
	-- add-port br0 b0 -- set port b0 lacp=active other_config:lacp-time=fast \
	other_config:lacp-system-id=02:00:00:00:00:fe \
	-- add-port br0 b1 -- set port b1 lacp=active other_config:lacp-time=fast \
	other_config:lacp-system-id=02:00:00:00:99:99
one_out() {
	[[ $(lag .links_bundled) == 1 ]] &&
		{ lag .link0.why; lag .link1.why; } | grep -q "partner system or key differs from the bundle's"
}
check "a link whose partner has another system id is not aggregated, and says why" wait_for 30 one_out
check "the log says which link left and why" \
	grep -q "left the bundle: partner system or key differs" "$tmp/dp.log"
check "the partners: $(lag .link0.partner_system) and $(lag .link1.partner_system)" \
	test "$(lag .link0.partner_system)" != "$(lag .link1.partner_system)"
vsctl del-port br0 b0 -- del-port br0 b1 \
	-- add-bond br0 bond0 b0 b1 lacp=active bond_mode=balance-tcp \
	other_config:lacp-time=fast other_config:lacp-system-id=02:00:00:00:00:fe
check "one partner again: both links back in the bundle" wait_for 60 bundled 2
check "member 1 reaches member 2 again" wait_for 20 ip netns exec "${id}m1" ping -c 1 -W 1 192.0.2.2

# --- below min-links the LAG is down, and OVS hears it from peerlan's LACP
config 2 >"$tmp/peerlan.yaml"
kill -HUP "$dp_pid"
min2() { [[ $(lag .min_links) == 2 ]] && bundled 2; }
check "min-links 2 by a reload (SIGHUP), both links bundled" wait_for 30 min2
member_enabled() { appctl bond/show bond0 | grep -q "member $1: enabled"; }
check "OVS sends on both links" wait_for 30 eval "member_enabled b0 && member_enabled b1"
ip -n "${id}ov" link set b0 down
oper() { [[ $(lag .oper) == "$1" ]]; }
check "link 0 cut at OVS: below min-links 2, the LAG is down" wait_for 30 oper down
check "the other link is taken out, saying why" \
	wait_for 10 eval '[[ $(lag .link1.why) == "taken out while the LAG is below min-links" ]]'
b1_off() { appctl bond/show bond0 | grep -q "member b1: disabled"; }
check "OVS stops sending on the link still up: its LACP partner went quiet" wait_for 30 b1_off
check "OVS: b1's partner expired or defaulted" \
	eval 'appctl lacp/show bond0 | sed -n "/member: b1/,/^member/p" | grep -Eq "member: b1: (expired|defaulted)"'
ip -n "${id}ov" link set b0 up
up2() { bundled 2 && oper up; }
check "link 0 back: both links bundled again, the LAG up" wait_for 60 up2
check "OVS sends on both links again" wait_for 30 eval "member_enabled b0 && member_enabled b1"
check "member 1 reaches member 2" wait_for 20 ip netns exec "${id}m1" ping -c 1 -W 1 192.0.2.2

# --- a sub-rate LAG (#25's policer): one policer for what all its links bring.
# The frames are member 1's, sent straight into both links from OVS's side:
# OVS's own hash may put every flow on one link for a while (it moves a
# disabled member's flows to the other and leaves them there until it
# rebalances under load), and then "both links" would be one.
links_flows() { # links_flows COUNT PER_SECOND: UDP from member 1 to 2, alternately on b0 and b1
	ip netns exec "${id}ov" /usr/bin/python3 - "$1" "$2" <<'PY'
import socket, sys, time
from scapy.all import IP, UDP, Ether, Raw
frames = [bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
                IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=40000 + k, dport=9) /
                Raw(b"x" * 500)) for k in range(64)]
socks = []
for name in ("b0", "b1"):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((name, 0))
    socks.append(s)
count, rate, t = int(sys.argv[1]), float(sys.argv[2]), time.monotonic()
for n in range(count):
    socks[n % 2].send(frames[n % 64])
    time.sleep(max(0, t + (n + 1) / rate - time.monotonic()))
PY
}
rate=2000000 config 1 >"$tmp/peerlan.yaml"
kill -HUP "$dp_pid"
min1() { [[ $(lag .min_links) == 1 ]]; }
check "a 2 Mb/s rate-limit on the LAG (and min-links 1) by a reload" wait_for 30 min1
port_ctr() { tel /peerlan/port,lag1 | jq -r ".[\"/peerlan/port\"]$1"; }
f0=$(port_ctr .forwarded) p0=$(port_ctr '.drops.rate_limit // 0') r0=$(port_ctr .rx_packets)
l0=$(link_ctr 0 rx_packets) l1=$(link_ctr 1 rx_packets)
t0=$EPOCHREALTIME
# 2,560 frames of 542 bytes, 2,560 a second (11 Mb/s), half on each link
links_flows 2560 2560
# Until nothing more comes in for a second; t1 is when the last did.
last=$(port_ctr .rx_packets) t1=$EPOCHREALTIME still=0 tries=0
while ((still < 5 && tries++ < 150)); do
	sleep 0.2
	now=$(port_ctr .rx_packets)
	if [[ $now != "$last" ]]; then last=$now t1=$EPOCHREALTIME still=0; else still=$((still + 1)); fi
done
policed() {
	local r f p d0 d1 ms bound
	r=$(($(port_ctr .rx_packets) - r0)) f=$(($(port_ctr .forwarded) - f0))
	p=$(($(port_ctr '.drops.rate_limit // 0') - p0))
	d0=$(($(link_ctr 0 rx_packets) - l0)) d1=$(($(link_ctr 1 rx_packets) - l1))
	ms=$(((${t1/./} - ${t0/./}) / 1000))
	# At most the burst (10 ms at the rate, at least 9,242 bytes) and the
	# rate over the whole time the frames came in, with 10% to spare.
	bound=$(((9242 + 2000000 / 8 * ms / 1000) * 11 / 10 + 542))
	echo "$r frames in (links: $d0 + $d1) within $ms ms: forwarded $f ($((f * 542)) bytes, at most $bound), $p under rate_limit"
	((r >= 1000 && d0 >= 100 && d1 >= 100 && r - f - p >= 0 && r - f - p <= 5 && p > 0 && f * 542 <= bound))
}
check "what both links bring is policed together to the LAG's rate; the rest counted under rate_limit" policed

echo "# $passed passed, $failed failed"
((failed == 0))
