#!/usr/bin/env bash
# The sponge with the real programs on pcap ports. p1 (member One) replays
# without end ARP requests for 192.0.2.2 (member Two, whose port p2 is up but
# whose router never answers) and for 192.0.2.99 (nobody's address): an ARP
# storm. The punt policer lets control see a policed share of it; control
# probes 192.0.2.2 through INJECT on p2's own TX queue, finds both addresses
# silent and sponges them; from then on the dataplane answers for them with
# the sponge MAC at line rate. The dataplane is then restarted: control gives
# it the sponged set on connect, and Two's router, back, sends a gratuitous
# ARP (p2's input file now holds it): unsponged at once.
# Usage: sponge_test.sh DATAPLANE CONTROL CTL
set -euo pipefail

dataplane=$1 control=$2 ctl=$3
for tool in jq python3 curl; do
	command -v $tool >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done

# /metrics on a loopback port of our own, so parallel runs do not collide.
metrics_listen=127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
prefix=pl-sponge-$$
remove_on_exit+=("/var/run/dpdk/$prefix")
sponge_mac=02:00:5e:00:00:fe

python3 - "$tmp" <<'PY'
import struct, sys
d = sys.argv[1]
hdr = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
def arp(mac, spa, tpa):
    f = (b"\xff" * 6 + bytes([2, 0, 0, 0, 0, mac]) + b"\x08\x06" +
         struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + bytes([2, 0, 0, 0, 0, mac]) +
         bytes(spa) + bytes(6) + bytes(tpa))
    return f + bytes(60 - len(f))
with open(d + "/storm.pcap", "wb") as o:
    o.write(hdr)
    for i in range(64):
        f = arp(1, [192, 0, 2, 1], [192, 0, 2, 2 if i % 2 else 99])
        o.write(struct.pack("<IIII", 0, i, len(f), len(f)) + f)
# p2 replays without end what the dataplane drops without a word (LLDP from
# Two: a silent router); after the restart, Two's gratuitous ARP. Replayed,
# so that it also comes after control has reconnected.
with open(d + "/p2-in.pcap", "wb") as o:
    o.write(hdr)
    f = b"\x01\x80\xc2\x00\x00\x0e" + bytes([2, 0, 0, 0, 0, 2]) + b"\x88\xcc"
    f += bytes(60 - len(f))
    o.write(struct.pack("<IIII", 0, 0, len(f), len(f)) + f)
with open(d + "/garp.pcap", "wb") as o:
    o.write(hdr)
    f = arp(2, [192, 0, 2, 2], [192, 0, 2, 2])
    o.write(struct.pack("<IIII", 0, 0, len(f), len(f)) + f)
PY

cat >"$tmp/peerlan.yaml" <<YAML
fabric: {name: sponge-test}
$(management_yaml)
policy:
  sponge: {queue-depth: 20, rate: 50, flood-protection: 0, probes: 2, probe-interval: 200,
           learning: 1}
  punt: {port: {pps: 100, burst: 100}, total: {pps: 1000, burst: 1000}}
  # Off: at 100/s a port's storm bucket admits one request per 32-frame
  # burst, always the burst's first, which in this 64-frame replay is always
  # one for 192.0.2.99; 192.0.2.2 would never be answered. The sponge and
  # the punt policer are what this test is about.
  storm-control: {arp: {pps: 0, burst: 1}, nd: {pps: 0, burst: 1}}
lans:
  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24}
ports:
  - {name: p1, device: "net_pcap0,rx_pcap=$tmp/storm.pcap,infinite_rx=1,tx_pcap=$tmp/p1-out.pcap", lans: [peering]}
  - {name: p2, device: "net_pcap1,rx_pcap=$tmp/p2-in.pcap,infinite_rx=1,tx_pcap=$tmp/p2-q0.pcap,tx_pcap=$tmp/p2-q1.pcap", lans: [peering]}
members:
$(member_yaml 1 One)
$(member_yaml 2 Two)
YAML

state() { # state ADDRESS
	pl --json show sponge | jq -r --arg a "$1" '.addresses[] | select(.address == $a) | .state'
}

wait_state() { # wait_state ADDRESS STATE SECONDS
	for _ in $(seq $(($3 * 10))); do
		kill -0 "$dp_pid" 2>/dev/null || fail "the dataplane exited"
		[[ $(state "$1" 2>/dev/null) == "$2" ]] && return 0
		sleep 0.1
	done
	fail "$1 is $(state "$1" 2>/dev/null || echo unknown), not $2, after $3 s"
}

answered() { pl --json show port p1 | jq -r '.counters.answered'; }

heard() { # heard ADDRESS: whether control has heard from it since it was sponged
	pl --json show neighbors | jq -e --arg a "$1" \
		'.neighbors[] | select(.address == $a) | .last_heard_s_ago != null' >/dev/null
}

echo "== start under an ARP storm"
start_dataplane dp.log --stats-json "$tmp/stats.json"
"$control" -c "$tmp/peerlan.yaml" 2>>"$tmp/ctl.log" &
ctl_pid=$!
for _ in $(seq 150); do
	[[ $(pl --json show status 2>/dev/null | jq -r .dataplane.in_sync) == true ]] && break
	sleep 0.1
done

echo "== both silent addresses are sponged"
wait_state 192.0.2.99 dead 20
wait_state 192.0.2.2 dead 20
(($(pl --json show sponge | jq .probes_sent) >= 2)) || fail "192.0.2.2 was not probed"
a0=$(answered)
sleep 0.5
(($(answered) > a0)) || fail "the dataplane does not answer for the sponged addresses"
[[ $(pl show sponge) == *"2 sponged"* ]] || fail "show sponge: $(pl show sponge)"
[[ $(pl --json show neighbors ipv4 |
	jq -r '.neighbors[] | select(.address == "192.0.2.2") | .state') == dead ]] ||
	fail "show neighbors: $(pl show neighbors)"
metrics=$(curl -sf --max-time 5 "http://$metrics_listen/metrics") || fail "no /metrics"
grep -qx 'peerlan_neighbors{state="dead",family="ipv4"} 2' <<<"$metrics" ||
	fail "/metrics does not count the 2 dead addresses: $(grep peerlan_neighbors <<<"$metrics")"
probes=$(awk '$1 == "peerlan_sponge_probes_total" { print $2 }' <<<"$metrics")
((probes >= 2)) || fail "/metrics counts $probes probes"

echo "== stop the dataplane: answers, probes and policing in its output"
kill "$dp_pid"
wait "$dp_pid" 2>/dev/null || true
dp_pid=
stats=$tmp/stats.json
jq -e '.ports.p1 as $p | $p.rx_packets == $p.forwarded + $p.steered + $p.answered +
	([$p.drops[]] | add)' "$stats" >/dev/null || fail "p1 does not add up: $(jq -c .ports.p1 "$stats")"
(($(jq '.ports.p1.punt_policed' "$stats") > 0)) || fail "the punt policer dropped nothing"
out=$("$(dirname "$0")/punts_close.sh" "$stats") || fail "$out"
(($(jq '.ports.p1.answered' "$stats") > 0)) || fail "nothing answered"
(($(jq '.injected' "$stats") >= 2)) || fail "the dataplane injected $(jq .injected "$stats") frames"
python3 - "$tmp" "$sponge_mac" <<'PY' || fail "no answer from the sponge MAC or no probe on p2"
import struct, sys
d, smac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
def frames(p):
    b = open(p, "rb").read()
    off, out = 24, []
    while off + 16 <= len(b):
        n = struct.unpack_from("<IIII", b, off)[2]
        out.append(b[off + 16:off + 16 + n])
        off += 16 + n
    return out
replies = [f for f in frames(d + "/p1-out.pcap")
           if f[6:12] == smac and f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x02"]
spas = {bytes(f[28:32]) for f in replies}
assert bytes([192, 0, 2, 99]) in spas and bytes([192, 0, 2, 2]) in spas, spas
assert all(f[22:28] == smac for f in replies)
probes = [f for f in frames(d + "/p2-q1.pcap")
          if f[6:12] == smac and f[28:32] == bytes(4) and f[38:42] == bytes([192, 0, 2, 2])]
assert probes, "no probe"
print(f"{len(replies)} answers from the sponge MAC, {len(probes)} probes")
PY
echo "== restart it: control gives it the sponged set; Two comes back and is unsponged"
rm -f "$stats"
cp "$tmp/garp.pcap" "$tmp/p2-in.pcap"
heard 192.0.2.2 && fail "192.0.2.2 heard before it spoke"
start_dataplane dp2.log --stats-json "$tmp/stats.json"
for _ in $(seq 100); do heard 192.0.2.2 && break; sleep 0.1; done
heard 192.0.2.2 || fail "Two's gratuitous ARP did not reach the sponge"
sleep 0.3
# 192.0.2.99 stays sponged all along: a set of one is it alone. (The storm
# goes on, so 192.0.2.2 is asked for, probed and sponged again soon after.)
sets=$(grep "sponge: answering" "$tmp/dp2.log" | tr '\n' ' ')
[[ $sets == *"for 1 address"* ]] ||
	fail "the restarted dataplane was not given 192.0.2.99 alone: $sets"
[[ $(state 192.0.2.99) == dead ]] || fail "192.0.2.99 is no longer dead"
echo "all sponge tests passed"
