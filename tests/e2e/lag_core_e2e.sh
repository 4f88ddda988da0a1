#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A core link as a LAG: peerlan's port lag1 is a core trunk (VLAN 100,
# 802.1Q tagged) made of two links, and the other switch is Open vSwitch's
# userspace datapath with a bond (lacp=active, balance-tcp, fast LACP)
# trunking VLAN 100. Two members' routers, m1 and m3, hang off that switch
# on access ports of VLAN 100; member 2 is on a plain peerlan port.
#
#   m1 --+
#        OVS br0 [bond0: b0 b1, trunk 100] == A0 A1 [peerlan core LAG lag1] peerlan p2 -- m2
#   m3 --+
#
# Checked: LACP collecting and distributing on both ends of both links;
# both members behind the core reach member 2 (which needs the VLAN tag both
# ways: OVS puts an untagged frame from the trunk in no VLAN of its access
# ports, and peerlan drops one on a trunk port); flows of both members
# spread over both links in each direction; a link cut at the other switch
# leaves the bundle and both members keep reaching member 2 over the other;
# it comes back.
# Usage: lag_core_e2e.sh DATAPLANE (as root)
set -uo pipefail

dataplane=$(realpath "$1")
# shellcheck source=lag_lib.sh
source "$(dirname "$0")/lag_lib.sh"
ovs_test_begin lgk ov m1 m2 m3

# --- the lab
lag_lab ov 1 3

config 1 '' core >"$tmp/peerlan.yaml"
check "the core LAG's configuration is valid" "$dataplane" -- --check -c "$tmp/peerlan.yaml"
"$dataplane" --no-huge -m 512 --no-pci --file-prefix "${id}d" -l 0,1 --log-level='*:warning' \
	-- -c "$tmp/peerlan.yaml" >"$tmp/dp.log" 2>&1 &
dp_pid=$!

ovs_start "${id}ov" || exit 1
vsctl add-br br0 -- set bridge br0 datapath_type=netdev other_config:hwaddr=02:00:00:00:00:fd
vsctl add-bond br0 bond0 b0 b1 lacp=active bond_mode=balance-tcp vlan_mode=trunk trunks=100 \
	other_config:lacp-time=fast other_config:lacp-system-id=02:00:00:00:00:fe
vsctl add-port br0 e0 tag=100 -- add-port br0 e2 tag=100

# --- LACP
check "peerlan: both links of the core LAG collecting and distributing within 60 s" wait_for 60 bundled 2
check "OVS: negotiated, actor and partner collecting and distributing on both links" wait_for 30 ovs_lacp_up
core_reach_spread

# --- one link cut at the other switch: both members keep reaching member 2
ip -n "${id}ov" link set b0 down
check "the cut link leaves the bundle, the other stays" wait_for 30 bundled 1
check "the cut link says why" test "$(lag .link0.why)" == "no carrier"
core_reach "still reaches member 2 over the other link"
ip -n "${id}ov" link set b0 up
check "the link comes back: both links bundled" wait_for 60 bundled 2
check "OVS: both links collecting and distributing again" wait_for 30 ovs_lacp_up
core_reach "reaches member 2"

echo "# $passed passed, $failed failed"
((failed == 0))
