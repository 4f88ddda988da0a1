#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A core link as a LAG against DPDK's testpmd: peerlan's port lag1 is a core
# trunk (VLAN 100, 802.1Q tagged) made of two links, and the other switch is
# testpmd with a net_bonding 802.3ad port over them, io-forwarding between
# its bond and one more port, t0. Behind t0 a Linux bridge joins two
# members' routers, m1 and m3. io forwarding neither adds nor removes a
# tag, and this kernel has neither VLAN devices nor bridge VLAN filtering,
# so the bridge's port t1 towards testpmd is made a VLAN 100 port by two tc
# programs: frames leaving it are tagged, frames entering it untagged (any
# other VLAN, or none, dropped). Member 2 is on a plain peerlan port.
#
#   m1 --+
#        br0 [t1: VLAN 100] -- t0 testpmd [bond: B0 B1] == A0 A1 [peerlan core LAG lag1] peerlan p2 -- m2
#   m3 --+
#
# Checked: LACP collecting and distributing on both ends of both links, and
# both links active in testpmd's bond; both members behind the core reach
# member 2 over VLAN 100 (peerlan drops an untagged frame on a trunk port);
# flows of both members spread over both links in each direction; a link
# cut mid-traffic under a flow (loss measured and reported) leaves the
# bundle and member 2's flows reach both members over the other; it comes
# back and both members reach member 2.
# Usage: lag_core_testpmd_e2e.sh DATAPLANE (as root)
set -uo pipefail

# Compiles the tc programs of the bridge's VLAN 100 port into $tmp.
build_vlan_port() {
	local inc
	inc=/usr/include/$(gcc -print-multiarch)
	clang -O2 -target bpf -I"$inc" -x c - -c -o "$tmp/tag100.o" <<'C' || return 1
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int tag100(struct __sk_buff *skb)
{
	return bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), 100) ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
C
	clang -O2 -target bpf -I"$inc" -x c - -c -o "$tmp/untag100.o" <<'C'
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

/* The kernel has moved a received tag out of the frame (vlan_tci). */
SEC("tc")
int untag100(struct __sk_buff *skb)
{
	if (!skb->vlan_present || (skb->vlan_tci & 0x0fff) != 100)
		return TC_ACT_SHOT;
	return bpf_skb_vlan_pop(skb) ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
C
}

dataplane=$(realpath "$1")
# shellcheck source=lag_lib.sh
source "$(dirname "$0")/lag_lib.sh"
tp_test_begin lgq tp m1 m2 m3

# --- the lab: a bridge joins members 1 and 3 to t0; its port t1 tags
lag_lab tp 1 3
build_vlan_port || { echo "cannot build the VLAN programs: skipped"; exit 77; }
ip -n "${id}tp" link add br0 type bridge
ip -n "${id}tp" link add t0 type veth peer name t1
for p in e0 e2 t1; do ip -n "${id}tp" link set "$p" master br0; done
for p in t0 t1 br0; do ip -n "${id}tp" link set "$p" up; done
tc -n "${id}tp" qdisc add dev t1 clsact
tc -n "${id}tp" filter add dev t1 egress bpf direct-action obj "$tmp/tag100.o" sec tc
tc -n "${id}tp" filter add dev t1 ingress bpf direct-action obj "$tmp/untag100.o" sec tc

config 1 '' core >"$tmp/peerlan.yaml"
check "the core LAG's configuration is valid" "$dataplane" -- --check -c "$tmp/peerlan.yaml"
"$dataplane" --no-huge -m 512 --no-pci --file-prefix "${id}d" -l 0,1 --log-level='*:warning' \
	-- -c "$tmp/peerlan.yaml" >"$tmp/dp.log" 2>&1 &
dp_pid=$!
testpmd_start "${id}tp" t0

# --- LACP
# Member 1 keeps sending: testpmd's io forwarding bursts on the bond only
# when it has frames, and its LACPDUs leave in those bursts.
ip netns exec "${id}m1" ping -q -i 0.2 192.0.2.2 >/dev/null 2>&1 &
keepalive=$!
check "peerlan: both links of the core LAG collecting and distributing within 60 s" wait_for 60 bundled 2
check "testpmd: actor and partner collecting and distributing on both links" wait_for 30 tp_lacp_up
tp_active() {
	tp_query "show bonding config 3" && grep -aq "Active Slaves (2): \[[01] [01]\]" "$tmp/tp.log"
}
check "testpmd: both links active in its bond" wait_for 30 tp_active
check "the partner's system is testpmd's bond (02:00:00:00:00:fe) on both links" \
	test "$(lag .link0.partner_system) $(lag .link1.partner_system)" == "02:00:00:00:00:fe 02:00:00:00:00:fe"
core_reach_spread

# --- a link cut mid-traffic, under a flow towards member 3. Only the
# direction towards the members is checked while the link is out:
# testpmd's bond, on af_packet, sees no carrier, keeps its side of the cut
# link collecting and distributing (its partner never expires there: still
# so 5 s after the cut) and keeps sending on it, failing. Its loss is
# larger than in lag_testpmd_e2e (measured 141 to 160 of 800, 247 beside
# stress-ng --cpu 2), hence the bound of 4 s.
cut_mid_flow "${id}tp" 3 400
check "the cut link leaves the bundle, the other stays" wait_for 30 bundled 1
check "the cut link says why" test "$(lag ".link$cut.why")" == "no carrier"
# Member 1's answer to member 2's ARP would take testpmd's cut link too:
# member 2 is told member 1's MAC.
ip -n "${id}m2" neigh replace 192.0.2.1 lladdr 02:00:00:00:00:01 dev eth0 nud permanent
recv_count 1 >"$tmp/m1.out" &
rcv_pid=$!
wait_for 30 receiving 1
udp_flow 100 192.0.2.1
wait $rcv_pid
m1_got() { echo "member 1 got $(cat "$tmp/m1.out") of 100"; (($(cat "$tmp/m1.out") >= 98)); }
check "member 2's flow to member 1 crosses the other link" m1_got
ip -n "${id}tp" link set "b$cut" up
check "the link comes back: both links bundled" wait_for 60 bundled 2
check "testpmd: both links collecting and distributing again" wait_for 30 tp_lacp_up
core_reach "reaches member 2"

echo "# $passed passed, $failed failed"
((failed == 0))
