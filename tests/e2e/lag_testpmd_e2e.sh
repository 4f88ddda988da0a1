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
[[ $(id -u) == 0 ]] || { echo "needs root for network namespaces: skipped"; exit 77; }
for tool in dpdk-testpmd jq ip ping ethtool clang curl; do
	command -v $tool >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done
/usr/bin/python3 -c 'import scapy' 2>/dev/null || { echo "scapy is not installed: skipped"; exit 77; }

id=lgt$(printf '%04x' $(($$ % 65536)))
tmp=$(mktemp -d "/tmp/$id.XXXX")
dp_pid='' tp_pid='' holder='' keepalive='' ctl_pid=''
passed=0 failed=0

cleanup() {
	[[ -n $ctl_pid ]] && kill "$ctl_pid" 2>/dev/null
	[[ -n $dp_pid ]] && kill "$dp_pid" 2>/dev/null
	[[ -n $tp_pid ]] && kill "$tp_pid" 2>/dev/null
	[[ -n $holder ]] && kill "$holder" 2>/dev/null
	[[ -n $keepalive ]] && kill "$keepalive" 2>/dev/null
	# Every child still running (pings, receivers): a wait for one left would hang.
	kill $(jobs -p) 2>/dev/null
	wait 2>/dev/null
	for k in 0 1; do ip link del "${id}a$k" 2>/dev/null; done
	ip link del "${id}c" 2>/dev/null
	for n in tp m1 m2; do ip netns del "$id$n" 2>/dev/null; done
	rm -rf "/var/run/dpdk/${id}d" "/var/run/dpdk/${id}t"
	if ((failed > 0)); then
		echo "# the dataplane's log:"; sed 's/^/#   /' "$tmp/dp.log"
		echo "# control's log:"; sed 's/^/#   /' "$tmp/ctl.log"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# shellcheck source=lag_lib.sh
source "$(dirname "$0")/lag_lib.sh"

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

# testpmd reads its commands from a FIFO held open for its whole life.
mkfifo "$tmp/tp.in"
sleep 1000000 >"$tmp/tp.in" &
holder=$!
ip netns exec "${id}tp" stdbuf -oL dpdk-testpmd --no-huge -m 512 --no-pci --file-prefix "${id}t" -l 0,1 \
	--vdev net_af_packet0,iface=b0 --vdev net_af_packet1,iface=b1 --vdev net_af_packet2,iface=e0 \
	-- -i --no-lsc-interrupt --total-num-mbufs=8192 <"$tmp/tp.in" >>"$tmp/tp.log" 2>&1 &
tp_pid=$!
exec 9>"$tmp/tp.in"
tp() { echo "$*" >&9; }
tp_said() { grep -q -- "$1" "$tmp/tp.log"; }
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

# --- LACP
# Member 1 keeps sending (its ARP at first): testpmd's io forwarding bursts
# on the bond only when it has frames, and its LACPDUs leave in those bursts.
ip netns exec "${id}m1" ping -q -i 0.2 192.0.2.2 >/dev/null 2>&1 &
keepalive=$!
check "peerlan: both links collecting and distributing within 60 s" wait_for 60 bundled 2
tp_lacp_up() {
	local n
	: >"$tmp/tp.log"
	tp "show bonding lacp info 3"
	sleep 0.5
	n=$(grep -ac "port state: ACTIVE AGGREGATION SYNCHRONIZATION COLLECTING DISTRIBUTING" "$tmp/tp.log") || true
	((n >= 4)) # actor and partner, on each of the two links
}
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
tx0=$(link_ctr 0 tx_packets) tx1=$(link_ctr 1 tx_packets)
rx0=$(link_ctr 0 rx_packets) rx1=$(link_ctr 1 rx_packets)
flows "${id}m2" 192.0.2.2 192.0.2.1
flows "${id}m1" 192.0.2.1 192.0.2.2
sleep 1
dtx0=$(($(link_ctr 0 tx_packets) - tx0)) dtx1=$(($(link_ctr 1 tx_packets) - tx1))
drx0=$(($(link_ctr 0 rx_packets) - rx0)) drx1=$(($(link_ctr 1 rx_packets) - rx1))
check "64 flows each way spread over both links by the hash" spread $dtx0 $dtx1 $drx0 $drx1

# --- a link cut mid-traffic: one UDP flow from member 2 to member 1, 100
# datagrams a second for 8 s, counted where they arrive. The cut is the
# partner's end of the flow's link (its carrier goes, as with a cable).
# Only this direction is measured: testpmd's bond, on af_packet, cannot see
# the carrier and keeps sending on the cut link until LACP times out.
udp_flow() { # udp_flow COUNT: from 192.0.2.2:41000 to 192.0.2.1:9, 100 a second
	ip netns exec "${id}m2" /usr/bin/python3 - "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.2", 41000))
t = time.monotonic()
for i in range(int(sys.argv[1])):
    s.sendto(i.to_bytes(4, "big"), ("192.0.2.1", 9))
    t += 0.01
    time.sleep(max(0, t - time.monotonic()))
PY
}
before=$(link_ctr 0 tx_packets)
udp_flow 50
if (($(link_ctr 0 tx_packets) - before >= 50)); then cut=0; else cut=1; fi
recv_count() { # the number of distinct datagrams member 1 receives on port 9 until 3 s of silence
	ip netns exec "${id}m1" /usr/bin/python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.1", 9))
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
recv_count >"$tmp/cut.out" &
rcv_pid=$!
sleep 0.5
udp_flow 800 &
snd_pid=$!
sleep 2
ip -n "${id}tp" link set "b$cut" down
wait $snd_pid
wait $rcv_pid
got=$(cat "$tmp/cut.out")
loss() {
	echo "link $cut (the flow's) cut: $((800 - got)) of 800 datagrams lost at 100/s (~$(((800 - got) * 10)) ms)"
	[[ -n $got ]] && ((got > 0 && 800 - got <= 150))
}
check "the flow moves to the other link when its link is cut; loss measured" loss
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
sleep 0.5
udp_flow 600 &
snd_pid=$!
sleep 2
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
sleep 0.5
lacp_dropped() { echo "drops on p2: $d0 -> $(drops)"; (($(drops) - d0 == 5)); }
check "5 LACPDUs on the plain port p2 are dropped and counted" lacp_dropped
check "the LAG took no harm" oper up

echo "# $passed passed, $failed failed"
((failed == 0))
