#!/usr/bin/env bash
# Port security end to end: peerlan-control with the real peerlan-dataplane,
# run inside a network namespace of its own. p1 replays frames from a MAC
# nobody provisioned (net_pcap infinite_rx) and is set to `violation:
# shutdown`: control err-disables it, it recovers after errdisable-recovery
# and `port p1 no shutdown` clears it. p3 replays broadcast ARP requests
# without end: storm control lets through the configured rate. p4 is a
# net_tap port whose interface the test takes down and up: flap dampening
# err-disables it and it comes back after the hold time.
# Usage: portsec_test.sh DATAPLANE CONTROL CTL
set -euo pipefail

dataplane=$1 control=$2 ctl=$3
for tool in jq python3 ip; do
	command -v $tool >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done
if [[ $(id -u) != 0 || ! -c /dev/net/tun ]]; then
	echo "needs root and /dev/net/tun for a namespace and a tap port: skipped"
	exit 77
fi

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
prefix=pl-psec-$$
ns=pl-psec-$$
tap=plpsec$$
qtap=plpsq$$
remove_on_exit+=("/var/run/dpdk/$prefix")
test_netns "$ns"

python3 - "$tmp" <<'PY'
import struct, sys
def pcap(path, frames):
    with open(path, "wb") as o:
        o.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, f in enumerate(frames):
            f = f + b"\0" * max(0, 60 - len(f))
            o.write(struct.pack("<IIII", 0, i, len(f), len(f)) + f)
def mac(x): return bytes([2, 0, 0, 0, 0, x])
# A UDP-ish IPv4 frame from 02:00:00:00:00:99, which nobody owns.
spoof = mac(2) + mac(0x99) + b"\x08\x00" + b"\x45" + b"\0" * 45
# Who has 192.0.2.2, tell 192.0.2.3, from member three.
arp = (b"\xff" * 6 + mac(3) + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) +
       mac(3) + bytes([192, 0, 2, 3]) + b"\0" * 6 + bytes([192, 0, 2, 2]))
pcap(sys.argv[1] + "/spoof.pcap", [spoof] * 16)
pcap(sys.argv[1] + "/arp.pcap", [arp] * 16)
PY

cat >"$tmp/peerlan.yaml" <<YAML
fabric: {name: psec-test}
$(management_yaml)
policy:
  errdisable-recovery: 10
  flap-dampening: {changes: 3, window: 5, hold: 3}
  storm-control:
    arp: {pps: 200, burst: 200}
lans:
  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24}
  - {name: quarantine, vlan: 999, kind: quarantine, ipv4: 192.0.2.0/24}
ports:
  - {name: p1, device: "net_pcap0,rx_pcap=$tmp/spoof.pcap,infinite_rx=1", lans: [peering],
     violation: shutdown}
  - {name: p2, device: "net_null0,no-rx=1", lans: [peering]}
  - {name: p3, device: "net_pcap1,rx_pcap=$tmp/arp.pcap,infinite_rx=1", lans: [peering]}
  - {name: p4, device: "net_tap0,iface=$tap", lans: [peering]}
  - {name: p5, device: "net_tap1,iface=$qtap", lans: [quarantine]}
  - {name: p6, device: "net_null1,no-rx=1", lans: [quarantine]}
members:
$(member_yaml 1 One)
$(member_yaml 2 Two)
$(member_yaml 3 Three)
$(member_yaml 4 Four)
  - asn: 64505
    name: Five
    connections:
      - {port: p5, lans: [{lan: quarantine, macs: ["02:00:00:00:00:05", "02:00:00:00:00:55"],
                           ipv4: [192.0.2.5]}]}
  - asn: 64510
    name: Test host
    connections:
      - {port: p6, lans: [{lan: quarantine, macs: ["02:00:00:00:00:fa"], ipv4: [192.0.2.250]}]}
YAML

status() { pl --json show status | jq -r "$1"; }
psec() { pl --json show port-security "$1" | jq -r ".ports[0].$2"; }
is_state() { [[ $(psec "$1" state) == "$2" ]]; }

dp_netns=$ns
start_dataplane dp.log
start_control
wait_synced

echo "== a spoofed source MAC err-disables p1"
wait_for 30 "p1 not err-disabled" is_state p1 err-disabled
[[ $(psec p1 cause) == violation ]] || fail "cause is $(psec p1 cause)"
[[ $(psec p1 last_violation.mac) == 02:00:00:00:00:99 ]] || fail "last violation MAC"
pl show port p1 | grep -q "oper err-disabled (err-disabled by violation)" ||
	fail "show port: $(pl show port p1 | head -1)"
# The dataplane drops everything on it now, as port_down, and no longer
# looks at the frames: both counters read twice, 0.5 s apart (recovery is
# 10 s away, long enough for slow CLI calls on a busy machine).
drops() { pl --json show port-security >/dev/null; pl --json show port p1 | jq -r ".drops.$1"; }
v1=$(drops src_mac_violation) d1=$(drops port_down)
sleep 0.5
v2=$(drops src_mac_violation) d2=$(drops port_down)
((d2 > d1)) || fail "p1 does not drop as port_down"
[[ $v1 == "$v2" ]] || fail "violations still counted while err-disabled: $v1 then $v2"

echo "== it recovers after errdisable-recovery, and is shut again by the next frame"
wait_for 15 "no recovery event" bash -c "$(declare -f pl); ctl=$ctl tmp=$tmp; \
	pl --json show events p1 | jq -e '[.events[].type] | index(\"recovery\")' >/dev/null"
wait_for 30 "p1 not err-disabled again" is_state p1 err-disabled
(($(pl --json show events p1 | jq '[.events[] | select(.type == "err-disable")] | length') >= 2)) ||
	fail "second err-disable not logged"

echo "== port p1 no shutdown clears it at once"
pl port p1 no shutdown | grep -q "err-disable cleared" || fail "no shutdown did not clear"
grep -q "port p1: err-disable cleared (control)" "$tmp/dp.log" || fail "dataplane not told"

echo "== storm control passes the configured ARP rate"
# show port-security reads the counters afresh; show port then gives that read.
steered() { pl --json show port-security >/dev/null; pl --json show port p3 | jq .counters.steered; }
s0=$(steered)
t0=$(date +%s.%N)
sleep 3
s1=$(steered)
t1=$(date +%s.%N)
storm=$(pl --json show port p3 | jq .drops.storm)
rate=$(python3 -c "print(int(($s1 - $s0) / ($t1 - $t0)))")
echo "steered $rate requests/s, $storm storm drops"
((rate >= 170 && rate <= 240)) || fail "steered $rate/s with storm-control arp at 200 pps"
((storm > 0)) || fail "no storm drops"

echo "== four link changes within 5 s err-disable p4 for the hold time"
wait_for 30 "p4 link not up" bash -c "[[ \$(ip -n $ns -o link show $tap) == *LOWER_UP* ]]"
sleep 0.5
for _ in 1 2; do
	ip -n "$ns" link set "$tap" down
	sleep 0.3
	ip -n "$ns" link set "$tap" up
	sleep 0.3
done
wait_for 30 "p4 not err-disabled" is_state p4 err-disabled
[[ $(psec p4 cause) == link-flap ]] || fail "p4 cause is $(psec p4 cause)"
wait_for 30 "p4 did not recover after hold" is_state p4 enabled
pl show events | grep -q "err-disabled by link-flap" || fail "flap event not shown"
echo "== quarantine: the report fails on a forbidden frame, passes on clean ARP; promotion"
ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$qtap.disable_ipv6=1"
send() { # send KIND [LAST_OCTET]: frames from member five on its tap, in the namespace
	ip netns exec "$ns" python3 - "$qtap" "$1" "${2:-250}" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
me = bytes([2, 0, 0, 0, 0, 5])
if sys.argv[2] == "lldp":
    s.send(bytes([0x01, 0x80, 0xc2, 0, 0, 0x0e]) + me + b"\x88\xcc" + b"\0" * 46)
else:
    for _ in range(3):
        s.send(b"\xff" * 6 + me + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) +
               me + bytes([192, 0, 2, 5]) + b"\0" * 6 + bytes([192, 0, 2, int(sys.argv[3])]) +
               b"\0" * 18)
PY
}
pass_is() { [[ $(pl --json show quarantine p5 | jq -r .pass) == "$1" ]]; }
frames_at_least() { (($(pl --json show quarantine p5 | jq .frames) >= $1)); }
sleep 0.5
pl clear counters p5 >/dev/null
send lldp
send arp
wait_for 30 "quarantine frames not recorded" frames_at_least 3
pass_is false || fail "report passes with an LLDP frame: $(pl show quarantine p5)"
pl show quarantine p5 | grep -q "FAIL no forbidden frames .*link_local 1" ||
	fail "report does not name the LLDP frame: $(pl show quarantine p5)"
q_drops() { (($(pl --json show port p5 | jq .drops.quarantine) >= 3)); }
wait_for 30 "no quarantine drops" q_drops
if pl port p5 promote 2>"$tmp/err"; then fail "promoted a failing port"; fi
grep -q "no forbidden frames" "$tmp/err" || fail "refusal does not say why: $(cat "$tmp/err")"
pl clear counters p5 >/dev/null
send arp
wait_for 30 "quarantine frames not recorded" frames_at_least 3
pass_is true || fail "clean report does not pass: $(pl show quarantine p5)"
pl show quarantine p5 | grep -q "asked for 192.0.2.250: 3 times" || fail "ARP target not recorded"
pl port p5 promote lock-mac | grep -q "MAC locked to 02:00:00:00:00:05" || fail "promote"
pl --json show port p5 | jq -e '.lans | tostring | test("peering") and (test("quarantine") | not)' \
	>/dev/null || fail "p5 not on peering: $(pl --json show port p5 | jq -c .lans)"
pl --json show member 64505 | grep -q '02:00:00:00:00:55' && fail "second MAC kept after lock-mac"
pl show events | grep -q "promotion .*p5.*moved from quarantine to production" ||
	fail "no promotion event: $(pl show events)"
# Now in production: the member's ARP request is steered to its owner.
st=$(pl --json show port p5 | jq .counters.steered)
send arp 2
wait_for 30 "p5 not steering after promotion" \
	bash -c "(( \$($(declare -f pl); ctl=$ctl tmp=$tmp; pl --json show port p5 | jq .counters.steered) > $st ))"
echo "all port-security tests passed"
