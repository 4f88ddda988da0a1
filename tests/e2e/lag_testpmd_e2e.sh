#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A LAG negotiated with LACP against an independent implementation: DPDK's
# testpmd with a net_bonding 802.3ad port over two veths. Member 1's router
# (namespace m1) sits behind testpmd, which forwards between it and its bond
# (io forwarding), as a member's switch would; member 2 is on a plain port.
#
#   m1 -- testpmd [bond: B0 B1] == A0 A1 [peerlan LAG lag1] peerlan p2 -- m2
#
# Checked: both sides collecting and distributing on both links; traffic
# crosses; flows spread over both links by the hash in each direction; a
# link cut mid-traffic (measured loss, reported); min-links 2 takes the LAG
# down with one link and up again with both (config apply); LACP on the plain
# port is still dropped and counted as a forbidden protocol. peerlan-control
# runs beside: `show lag`, its events and its metrics are checked too.
# Usage: lag_testpmd_e2e.sh DATAPLANE CONTROL PEERLANCTL (as root)
set -uo pipefail

dataplane=$(realpath "$1") control=$(realpath "$2") ctl=$(realpath "$3")
# shellcheck source=lag_lib.sh
source "$(dirname "$0")/lag_lib.sh"
tp_test_begin lgt tp m1 m2
command -v curl >/dev/null || { echo "curl is not installed: skipped"; exit 77; }
/usr/bin/python3 -c 'import scapy' 2>/dev/null || { echo "scapy is not installed: skipped"; exit 77; }

# --- the lab
lag_lab tp

metrics=127.0.0.1:$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/state"
config 1 >"$tmp/peerlan.yaml"
"$dataplane" --no-huge -m 512 --no-pci --file-prefix "${id}d" -l 0,1 --log-level='*:warning' \
	-- -c "$tmp/peerlan.yaml" >"$tmp/dp.log" 2>&1 &
dp_pid=$!
"$control" -c "$tmp/peerlan.yaml" 2>"$tmp/ctl.log" &
ctl_pid=$!
pl() { "$ctl" -s "$tmp/cli.sock" "$@"; }
synced() { [[ $(pl --json show status | jq -r .dataplane.in_sync) == true ]]; }
wait_for 30 synced || { echo "FAIL - control did not sync with the dataplane"; cat "$tmp/ctl.log"; exit 1; }

testpmd_start "${id}tp" e0

# --- LACP
# Member 1 keeps sending (its ARP at first): testpmd's io forwarding bursts
# on the bond only when it has frames, and its LACPDUs leave in those bursts.
ip netns exec "${id}m1" ping -q -i 0.2 192.0.2.2 >/dev/null 2>&1 &
keepalive=$!
check "peerlan: both links collecting and distributing within 60 s" wait_for 60 bundled 2
check "testpmd: actor and partner collecting and distributing on both links" wait_for 10 tp_lacp_up
check "the partner's system is testpmd's bond (02:00:00:00:00:fe) on both links" \
	test "$(lag .link0.partner_system) $(lag .link1.partner_system)" == "02:00:00:00:00:fe 02:00:00:00:00:fe"
check "member 1 behind the LAG reaches member 2" \
	ip netns exec "${id}m1" ping -c 3 -W 2 192.0.2.2
cli_bundled() { pl show lag lag1 | grep -q "lag1: 2 of 2 links bundled, min-links 1: up"; }
check "show lag: 2 of 2 links bundled" wait_for 10 cli_bundled
check "show port lag1 has the LAG's links" bash -c "$(declare -f pl); ctl=$ctl tmp=$tmp; pl show port lag1 | grep -q 'lag1: 2 of 2 links bundled'"
check "show lag --json: partner system and collecting,distributing on both ends" \
	bash -c "$(declare -f pl); ctl=$ctl tmp=$tmp; pl --json show lag lag1 | jq -e '[.lags[0].links[] | .partner.system == \"02:00:00:00:00:fe\" and (.partner.state | index(\"distributing\")) != null and (.actor.state | index(\"collecting\")) != null] | all'"
metric_bundled() { curl -sf "http://$metrics/metrics" | grep -q '^peerlan_lag_links_bundled{lag="lag1",min_links="1"} 2$'; }
check "metrics: peerlan_lag_links_bundled{lag=\"lag1\"} 2, and per-link series" wait_for 10 metric_bundled
check "metrics: the link series name their LAG" \
	bash -c "curl -sf http://$metrics/metrics | grep -q '^peerlan_lag_link_tx_packets_total{lag=\"lag1\",link=\"net_af_packet10,iface=${id}a0\"} [0-9]'"

# --- spread: 64 UDP flows each way; l34 on both sides
spread_both_ways "64 flows each way spread over both links by the hash"

# --- a link cut mid-traffic: one UDP flow from member 2 to member 1, 100
# datagrams a second for 8 s, counted where they arrive. The cut is the
# partner's end of the flow's link (its carrier goes, as with a cable).
# Only this direction is measured: testpmd's bond, on af_packet, cannot see
# the carrier and keeps sending on the cut link until LACP times out.
cut_mid_flow "${id}tp" 1
check "the LAG stays up with one link (min-links 1)" bundled 1
check "the cut link says why it is out" test "$(lag ".link$cut.why")" == "no carrier"
ev_left() { pl show events | grep "lag-link" | grep -q "left the bundle: no carrier"; }
check "an event says the link left the bundle, and why" wait_for 10 ev_left

# --- min-links 2, live: the LAG goes down with one link, up with two
config 2 >"$tmp/peerlan2.yaml"
check "config apply: min-links 2 applies live" pl config apply "$tmp/peerlan2.yaml"
oper() { [[ $(lag .oper) == "$1" ]]; }
check "min-links 2 with one link: the LAG is down" wait_for 10 oper down
ev_down() { pl show events | grep -q "lag-down.*below min-links 2: the LAG is down"; }
check "an event says the LAG went below min-links" wait_for 10 ev_down
check "member 1 cannot reach member 2 while the LAG is down" \
	bash -c "! ip netns exec ${id}m1 ping -c 2 -W 1 192.0.2.2"
ip -n "${id}tp" link set "b$cut" up
both_up() { bundled 2 && oper up; }
check "the link comes back: both links bundled, the LAG up (min-links 2)" wait_for 60 both_up
check "member 1 reaches member 2 again" ip netns exec "${id}m1" ping -c 3 -W 2 192.0.2.2
ev_up() { pl show events | grep -q "lag-up"; }
check "events: the link joined again and the LAG is up" wait_for 10 ev_up
check "the log has the joins, the leave and min-links" \
	grep -q "left the bundle: no carrier" "$tmp/dp.log"

# --- a link taken out of the LAG and added again, live, under traffic
config 1 "\"net_af_packet10,iface=${id}a0\"" >"$tmp/one.yaml"
check "config apply: the LAG with one link" pl config apply "$tmp/one.yaml"
check "one link in the bundle" wait_for 10 bundled 1
# One-way, towards the partner: the return path is testpmd's, which kept
# sending on the link peerlan had taken out (its af_packet sees no carrier
# change there), so it says nothing of peerlan.
recv_count >"$tmp/add.out" &
rcv_pid=$!
wait_for 30 receiving
tx0=$(link_ctr 0 tx_packets)
udp_flow 600 &
snd_pid=$!
# The link added 2 s into the flow: once 200 datagrams have crossed.
wait_for 30 flowed 0 "$tx0" 200
config 1 >"$tmp/two.yaml"
check "config apply: the second link added to the running LAG (no restart)" \
	pl config apply "$tmp/two.yaml"
check "both links in the bundle again" wait_for 30 bundled 2
wait $snd_pid
wait $rcv_pid
add_loss() {
	local got
	got=$(cat "$tmp/add.out")
	echo "a link added under a flow of 100 datagrams a second: $((600 - got)) of 600 lost"
	[[ -n $got ]] && ((600 - got <= 2))
}
check "adding a link loses (almost) nothing" add_loss

# --- LACP on a plain port is still a forbidden protocol
drops() { tel /peerlan/port,p2 | jq -r '.["/peerlan/port"].drops | to_entries | map(.value) | add'; }
d0=$(drops)
ip netns exec "${id}m2" /usr/bin/python3 - <<'PY'
from scapy.all import Ether, Raw, sendp
lacpdu = bytes([1, 1]) + bytes(108)
sendp(Ether(src="02:00:00:00:00:02", dst="01:80:c2:00:00:02", type=0x8809) / Raw(lacpdu),
      iface="eth0", count=5, verbose=False)
PY
lacp_dropped() { echo "drops on p2: $d0 -> $(drops)"; (($(drops) - d0 == 5)); }
wait_for 30 lacp_dropped
check "5 LACPDUs on the plain port p2 are dropped and counted" lacp_dropped
check "the LAG took no harm" oper up

echo "# $passed passed, $failed failed"
((failed == 0))
