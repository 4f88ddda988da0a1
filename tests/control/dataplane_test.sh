#!/usr/bin/env bash
# peerlan-control with the real peerlan-dataplane on virtual ports: p1 replays
# a pcap of unicast frames to p2 without end (net_pcap infinite_rx), p2 and
# p3 are net_null ports. Applies a configuration that adds a member, shows
# that a bad file and a file the dataplane refuses change nothing, shuts a
# port and reads why frames drop, kills control with -9 under traffic and
# restarts it (it resyncs without a push, forwarding never stops), checks
# from the dataplane's own final counters that no frame went unaccounted,
# and restarts the dataplane (control pushes the committed configuration).
# show port gives each port's MAC address as DPDK's telemetry reports it.
# Usage: dataplane_test.sh DATAPLANE CONTROL CTL
set -euo pipefail

dataplane=$1 control=$2 ctl=$3
for tool in jq python3; do
	command -v $tool >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
prefix=pl-dpctl-$$
remove_on_exit+=("/var/run/dpdk/$prefix")

unicast_pcap "$tmp/in.pcap"

config() { # config P3_DEVICE EXTRA_MEMBERS
	cat <<YAML
fabric: {name: dp-test}
$(management_yaml)
lans:
  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24}
ports:
  - {name: p1, device: "net_pcap0,rx_pcap=$tmp/in.pcap,infinite_rx=1", lans: [peering]}
  - {name: p2, device: "net_null0,no-rx=1", lans: [peering]}
  - {name: p3, device: "$1", lans: [peering]}
members:
$(member_yaml 1 One)
$(member_yaml 2 Two)
$2
YAML
}
three=$(member_yaml 3 Three)
config "net_null1,no-rx=1" "" >"$tmp/peerlan.yaml"
config "net_null1,no-rx=1" "$three" >"$tmp/new.yaml"
config "net_null7,no-rx=1" "$three" >"$tmp/moved.yaml" # a port device changed: refused
printf 'fabric: {name: x}\nports: 5\n' >"$tmp/bad.yaml"

status() { pl --json show status | jq -r "$1"; }
rx() { pl --json show port p1 | jq -r '.counters.rx_packets'; }

echo "== start"
start_dataplane dp.log --stats-json "$tmp/stats.json"
start_control
wait_synced
[[ $(status .dataplane.generation) == 1 ]] || fail "generation is not 1"
r0=$(rx)
sleep 0.5
(($(rx) > r0)) || fail "p1 receives nothing"
# show port gives each port's MAC address as DPDK reports it.
for pd in p1:net_pcap0 p2:net_null0; do
	want=$(dpdk_macs "$prefix" | awk -v n="${pd#*:}" '$1 == n {print $2}')
	got=$(pl --json show port "${pd%:*}" | jq -r .mac_address)
	[[ -n $want && $got == "$want" ]] || fail "${pd%:*}: show port's MAC $got, DPDK's $want"
done

echo "== apply a configuration that adds a member"
pl config apply "$tmp/new.yaml" | grep -q "generation 2" || fail "apply"
[[ $(status .dataplane.generation) == 2 ]] || fail "generation is not 2"
[[ $(status .dataplane.in_sync) == true ]] || fail "not in sync after apply"
pl show member 64503 | grep -q "port p3: admin up, oper up" || fail "new member's port"
grep -q "generation 2 applied: 1 LANs, 3 ports, 3 members" "$tmp/dp.log" ||
	fail "the dataplane did not apply generation 2"

echo "== a bad file and a refused file change nothing"
if pl config apply "$tmp/bad.yaml" 2>/dev/null; then fail "bad file applied"; fi
if pl config apply "$tmp/moved.yaml" 2>"$tmp/err"; then fail "moved port applied"; fi
grep -q "dataplane kept generation 2" "$tmp/err" || fail "refusal not reported: $(cat "$tmp/err")"
# The dataplane's own reason, not just "Invalid argument", and said beforehand too.
grep -qF "port p3: device net_null1,no-rx=1 -> net_null7,no-rx=1" "$tmp/err" ||
	fail "the dataplane's reason not relayed: $(cat "$tmp/err")"
pl config check "$tmp/moved.yaml" >"$tmp/check" || fail "config check of a valid file"
grep -q "needs a dataplane restart" "$tmp/check" || fail "check does not say restart: $(cat "$tmp/check")"
grep -qF "port p3: device net_null1,no-rx=1 -> net_null7,no-rx=1" "$tmp/check" ||
	fail "check does not name the port: $(cat "$tmp/check")"
[[ $(status .dataplane.generation) == 2 ]] || fail "generation changed"
[[ $(status .dataplane.in_sync) == true ]] || fail "not in sync after a refused file"
[[ $(pl --json show port p1 | jq '[.drops[]] | add') == 0 ]] || fail "drops on p1"

echo "== shut the destination port: drops by reason"
pl port p2 shutdown >/dev/null
sleep 0.3
pl show drops | grep -q "^dst_port_down" || fail "no dst_port_down drops"
pl show port p2 | grep -q "admin down, oper down" || fail "p2 not down"
pl port p2 no shutdown >/dev/null
pl show port p2 | grep -q "admin up, oper up" || fail "p2 not up again"

echo "== kill -9 control under traffic; restart resyncs without a push"
r1=$(rx)
kill -9 "$ctl_pid"
wait "$ctl_pid" 2>/dev/null || true
sleep 0.5
start_control
wait_synced
[[ $(status .dataplane.generation) == 2 ]] || fail "the restart pushed a configuration"
(($(rx) > r1)) || fail "forwarding stopped"
grep -q "control disconnected; forwarding goes on" "$tmp/dp.log" || fail "dp did not see the loss"

echo "== stop the dataplane: its final counters account for every frame"
kill "$dp_pid"
wait "$dp_pid" 2>/dev/null || true
dp_pid=
jq -e '.ports.p1 as $p | $p.rx_packets > 0 and
	$p.rx_packets == $p.forwarded + $p.steered + $p.answered + ([$p.drops[]] | add)' \
	"$tmp/stats.json" >/dev/null || fail "p1 does not add up: $(jq -c .ports.p1 "$tmp/stats.json")"
jq -e '.ports.p2.tx_packets + .ports.p2.tx_discards == .ports.p1.forwarded' "$tmp/stats.json" \
	>/dev/null || fail "p2 transmitted $(jq .ports.p2.tx_packets "$tmp/stats.json") of \
$(jq .ports.p1.forwarded "$tmp/stats.json") forwarded"

echo "== restart the dataplane from its file: control pushes the committed configuration"
rm -f "$tmp/stats.json"
start_dataplane dp.log --stats-json "$tmp/stats.json"
wait_synced
[[ $(status .dataplane.generation) == 2 ]] || fail "committed configuration not pushed"
[[ $(grep -c "3 ports, 3 members" "$tmp/dp.log") == 2 ]] || fail "dp did not get member 3 again"
echo "all control and dataplane tests passed"
