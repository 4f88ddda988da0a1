#!/usr/bin/env bash
# The real peerlan-dataplane follows a changing IXP Manager export served
# over HTTPS (the loopback server of sync_lib.sh). The import map keeps all
# four cabled ports with their LAN, so the start configuration (the map
# imported once by `peerlanctl config import`, with no member yet) has them
# all, and each sync changes only bindings, which the running dataplane
# takes without a restart. port1 replays frames without end (net_pcap
# infinite_rx) from AS64501 to AS64502 (port2) and AS64503 (port3); port2..4
# are net_null ports. Members on port1 and port2: forwarded to port2, the
# frames to AS64503 dropped as unknown unicast. AS64503 added on its spare
# port: forwarded to port3 too. AS64503 removed: its frames are dropped as
# unknown unicast again and port3 stays, a spare. A member on port5, which
# the running dataplane does not have, is refused (reason apply) and
# changes nothing. The dataplane's final counters account for every frame.
# Usage: sync_dataplane_test.sh DATAPLANE CONTROL CTL. Needs jq, openssl,
# python3, curl.
set -euo pipefail
[[ -n ${PL_TRACE:-} ]] && set -x

dataplane=$1 control=$2 ctl=$3
# shellcheck source=sync_lib.sh
source "$(dirname "$0")/sync_lib.sh"
prefix=pl-syncdp-$$
remove_on_exit+=("/var/run/dpdk/$prefix")

unicast_pcap "$tmp/in.pcap" \
	02:00:5e:10:00:01 192.0.2.11 02:00:5e:10:00:02 192.0.2.12 \
	02:00:5e:10:00:01 192.0.2.11 02:00:5e:10:00:03 192.0.2.13

# Every cabled port with its LAN; port5 (no LANs) only once a member is on it.
sync_map <<YAML
  - name: port1
    device: "net_pcap0,rx_pcap=$tmp/in.pcap,infinite_rx=1"
    lans: [peering]
  - name: port2
    device: "net_null1,no-rx=1"
    lans: [peering]
  - name: port3
    device: "net_null2,no-rx=1"
    lans: [peering]
  - name: port4
    device: "net_null3,no-rx=1"
    lans: [peering]
  - name: port5
    device: "net_null4,no-rx=1"
YAML

echo "== the start configuration: the map imported with no member yet ($SECONDS s)"
printf 'layer2interfaces: []\n...\n' >"$web/layer2interfaces.yaml"
{
	cat "$tmp/map.yaml"
	sync_management 0 50
} >"$tmp/start-map.yaml"
"$ctl" -s "$tmp/nowhere.sock" config import ixp-manager vlans "$web/vlans.yaml" \
	interfaces "$web/layer2interfaces.yaml" map "$tmp/start-map.yaml" \
	output "$tmp/peerlan.yaml" >"$tmp/import.out" 2>&1 ||
	fail "import: $(cat "$tmp/import.out")"
grep -q "1 LANs, 4 ports, 0 members" "$tmp/import.out" || fail "import: $(cat "$tmp/import.out")"
[[ $("$control" --check "$tmp/peerlan.yaml") == "configuration OK" ]] ||
	fail "start configuration: $("$control" --check "$tmp/peerlan.yaml" 2>&1)"

"$dataplane" --no-huge -m 512 --no-pci --file-prefix "$prefix" -l 0,1 \
	--log-level='*:warning' -- -c "$tmp/peerlan.yaml" --stats-json "$tmp/stats.json" \
	>>"$tmp/dp.log" 2>&1 &
dp_pid=$!
start_control
wait_synced
[[ $(status .dataplane.generation) == 1 ]] || fail "generation is not 1"
ports() { pl --json show ports | jq -c '[.ports[].name]'; }
[[ $(ports) == '["port1","port2","port3","port4"]' ]] || fail "start ports: $(ports)"

counter() { pl --json show port "$1" | jq -r ".counters.$2"; }
drops() { pl --json show port "$1" | jq -r ".drops.$2 // 0"; }
# grows SECONDS WHAT COMMAND: waits until COMMAND's output grows by 1000.
grows() {
	local base
	base=$($3)
	wait_for "$1" "$2" test_grew "$base" "$3"
}
test_grew() { (($($2) >= $1 + 1000)); }
tx2() { counter port2 tx_packets; }
tx3() { counter port3 tx_packets; }
unknown() { drops port1 unknown_unicast; }
srcmac() { drops port1 src_mac_violation; }
# synced N: the last sync applied generation N, and the dataplane has it.
synced() {
	[[ $(sync_json .result) == applied ]] || fail "sync not applied: $(pl show sync)"
	wait_synced
	[[ $(status .dataplane.generation) == "$1" ]] ||
		fail "generation $(status .dataplane.generation), not $1"
	kill -0 "$dp_pid" || fail "the dataplane exited"
	grep -q "generation $1 applied: 1 LANs, $2 ports, $3 members" "$tmp/dp.log" ||
		fail "the dataplane did not apply generation $1"
}

echo "== no member yet: port1's frames are dropped for their source ($SECONDS s)"
grows 30 "port1's frames are not dropped as src_mac_violation" srcmac
[[ $(tx2) == 0 ]] || fail "port2 transmitted with no member"

echo "== members on port1 and port2: forwarded to port2 ($SECONDS s)"
export_members 1 2
sync_now
synced 2 4 2
[[ $(macs) == "64501 port1 02:00:5e:10:00:01,64502 port2 02:00:5e:10:00:02" ]] ||
	fail "first sync MACs: $(macs)"
grows 30 "port1 does not forward to port2" tx2
grows 30 "frames to AS64503 are not dropped as unknown unicast" unknown
[[ $(tx3) == 0 ]] || fail "port3 transmitted with no member"

echo "== a member on spare port3: no restart, forwarded to port3 ($SECONDS s)"
export_members 1 2 3
sync_now
synced 3 4 3
[[ $(macs) == "64501 port1 02:00:5e:10:00:01,64502 port2 02:00:5e:10:00:02,64503 port3 02:00:5e:10:00:03" ]] ||
	fail "second sync MACs: $(macs)"
[[ $(grep -c "generation 1 applied" "$tmp/dp.log") == 1 ]] || fail "the dataplane restarted"
grows 30 "port1 does not forward to port3" tx3
u=$(unknown)
grows 30 "port1 stopped forwarding to port3" tx3
[[ $(unknown) == "$u" ]] || fail "frames to AS64503 still dropped: $u -> $(unknown)"

echo "== AS64503 removed: its frames dropped as unknown unicast, port3 spare ($SECONDS s)"
export_members 1 2
sync_now
synced 4 4 2
[[ $(macs) == "64501 port1 02:00:5e:10:00:01,64502 port2 02:00:5e:10:00:02" ]] ||
	fail "third sync MACs: $(macs)"
pl --json show sync | jq -r '.last_diff[]' | grep -q '^-.*02:00:5e:10:00:03' ||
	fail "last diff lacks the removed MAC: $(pl show sync)"
[[ $(ports) == '["port1","port2","port3","port4"]' ]] || fail "ports after the removal: $(ports)"
grows 30 "frames to AS64503 are not dropped after its removal" unknown
t=$(tx3)
grows 30 "frames to AS64503 stopped" unknown
[[ $(tx3) == "$t" ]] || fail "port3 still transmits: $t -> $(tx3)"
grows 30 "port1 stopped forwarding to port2" tx2

echo "== a member on port5, which the dataplane does not have: refused ($SECONDS s)"
gen=4
good=$(config_sum)
export_members 1 2 5
sync_now
refused apply "a new port"
pl show sync | sed "s/^/  /"
sync_json .why | grep -q "port5" || fail "the reason does not name port5: $(sync_json .why)"
pl show ports | grep -q port5 && fail "port5 configured"
[[ $(macs) == "64501 port1 02:00:5e:10:00:01,64502 port2 02:00:5e:10:00:02" ]] ||
	fail "MACs after a refused sync: $(macs)"
grows 30 "port1 stopped forwarding after a refused sync" tx2

echo "== stop the dataplane: its final counters account for every frame ($SECONDS s)"
kill "$dp_pid"
wait "$dp_pid" 2>/dev/null || true
dp_pid=
jq -e '.ports.port1 as $p | $p.rx_packets > 0 and $p.drops.unknown_unicast > 0 and
	$p.rx_packets == $p.forwarded + $p.steered + $p.answered + ([$p.drops[]] | add)' \
	"$tmp/stats.json" >/dev/null ||
	fail "port1 does not add up: $(jq -c .ports.port1 "$tmp/stats.json")"
jq -e '.ports.port2.tx_packets + .ports.port2.tx_discards + .ports.port3.tx_packets +
	.ports.port3.tx_discards == .ports.port1.forwarded and .ports.port3.tx_packets > 0 and
	.ports.port4.tx_packets == 0' "$tmp/stats.json" >/dev/null ||
	fail "transmitted is not forwarded: $(jq -c .ports "$tmp/stats.json")"
echo "all sync tests with the dataplane passed in $SECONDS s"
