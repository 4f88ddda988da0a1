#!/usr/bin/env bash
# The traffic matrix through peerlan-control with the real dataplane: p1
# replays a pcap of known frames (IPv4 and IPv6 from One to Two, and from
# One's second MAC) once; `show traffic` (text and JSON, with its member,
# family and top filters), /metrics/p2p and the interval file must show
# every frame and byte exactly, and the main /metrics must not carry the
# pairs. Usage: traffic_test.sh DATAPLANE CONTROL CTL
set -euo pipefail

dataplane=$1 control=$2 ctl=$3
for tool in jq python3 curl; do
	command -v $tool >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
metrics_listen="127.0.0.1:$port"

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
prefix=pl-traffic-$$
remove_on_exit+=("/var/run/dpdk/$prefix")

# 40 IPv4 frames of 100 bytes from MAC 01, 24 IPv6 frames of 120 bytes from
# MAC 11 (One's second), all to Two.
python3 - "$tmp/in.pcap" <<'PY'
import struct, sys
def eth(src, et, payload, size):
    f = bytes([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, src]) + struct.pack("!H", et) + payload
    return f + bytes(size - len(f))
v4 = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 86, 1, 0, 64, 17, 0, bytes([192, 0, 2, 1]),
                 bytes([192, 0, 2, 2]))
v6 = struct.pack("!IHBB16s16s", 6 << 28, 66, 17, 64, bytes.fromhex("20010db8" + "0" * 22 + "01"),
                 bytes.fromhex("20010db8" + "0" * 22 + "02"))
frames = [eth(1, 0x0800, v4, 100)] * 40 + [eth(0x11, 0x86dd, v6, 120)] * 24
with open(sys.argv[1], "wb") as o:
    o.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, f in enumerate(frames):
        o.write(struct.pack("<IIII", 0, i, len(f), len(f)) + f)
PY

cat >"$tmp/peerlan.yaml" <<YAML
fabric: {name: traffic-test}
$(management_yaml)
  p2p-interval: 1
lans:
  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24, ipv6: "2001:db8::/64"}
ports:
  - {name: p1, device: "net_pcap0,rx_pcap=$tmp/in.pcap", lans: [peering]}
  - {name: p2, device: "net_null0,no-rx=1", lans: [peering]}
members:
  - asn: 64501
    name: One
    connections:
      - {port: p1, lans: [{lan: peering, macs: ["02:00:00:00:00:01", "02:00:00:00:00:11"], ipv4: [192.0.2.1], ipv6: ["2001:db8::1"]}]}
  - asn: 64502
    name: Two
    connections:
      - {port: p2, lans: [{lan: peering, macs: ["02:00:00:00:00:02"], ipv4: [192.0.2.2], ipv6: ["2001:db8::2"]}]}
YAML

status() { pl --json show status | jq -r "$1"; }
traffic() { pl --json show traffic "$@"; }

"$dataplane" --no-huge -m 512 --no-pci --file-prefix "$prefix" -l 0,1 \
	--log-level='*:warning' -- -c "$tmp/peerlan.yaml" --matrix >>"$tmp/dp.log" 2>&1 &
dp_pid=$!
start_control
wait_synced

echo "== show traffic: every frame and byte of the one pair"
wait_for 30 "the 64 frames never all counted" \
	sh -c "[ \"\$($ctl -s $tmp/cli.sock --json show traffic | jq .total.frames)\" = 64 ]"
t=$(traffic)
[[ $(jq '.pair_count' <<<"$t") == 1 ]] || fail "pairs: $t"
[[ $(jq -c '.pairs[0] | [.src_asn, .dst_asn, .src_name, .dst_name, .lan]' <<<"$t") == \
	'[64501,64502,"One","Two","peering"]' ]] || fail "the pair: $t"
[[ $(jq -c '.pairs[0] | [.ipv4.frames, .ipv4.bytes, .ipv6.frames, .ipv6.bytes, .other.frames]' \
	<<<"$t") == '[40,4000,24,2880,0]' ]] || fail "counts: $t"
[[ $(jq -c '.total | [.frames, .bytes]' <<<"$t") == '[64,6880]' ]] || fail "total: $t"
[[ $(traffic ipv6 | jq -c '.total | [.frames, .bytes]') == '[24,2880]' ]] || fail "ipv6 only"
[[ $(traffic member Two ipv4 | jq -c '.pairs[0].frames') == 40 ]] || fail "member by name"
[[ $(traffic member AS64502 top 1 | jq '.pairs | length') == 1 ]] || fail "member by ASN, top"
[[ $(traffic member 64999 | jq '.pair_count') == 0 ]] || fail "a member with no traffic"
if pl show traffic member Nobody 2>/dev/null; then fail "an unknown member name"; fi
pl show traffic >"$tmp/text"
grep -q "AS64501 One" "$tmp/text" && grep -q "AS64502 Two" "$tmp/text" ||
	fail "text output: $(cat "$tmp/text")"
grep -q "^total .* 6.88k  *64$" "$tmp/text" || fail "text total: $(cat "$tmp/text")"

echo "== /metrics/p2p: the pair's series, exact; the main page has none"
curl -sf "http://$metrics_listen/metrics/p2p" >"$tmp/p2p.txt" || fail "no /metrics/p2p"
for want in 'peerlan_p2p_bytes_total{lan="peering",src_asn="64501",dst_asn="64502",afi="ipv4"} 4000' \
	'peerlan_p2p_bytes_total{lan="peering",src_asn="64501",dst_asn="64502",afi="ipv6"} 2880' \
	'peerlan_p2p_frames_total{lan="peering",src_asn="64501",dst_asn="64502",afi="ipv4"} 40' \
	'peerlan_p2p_frames_total{lan="peering",src_asn="64501",dst_asn="64502",afi="ipv6"} 24' \
	'peerlan_p2p_pairs 1'; do
	grep -qxF "$want" "$tmp/p2p.txt" || fail "/metrics/p2p lacks '$want':
$(cat "$tmp/p2p.txt")"
done
if grep -q 'afi="other"' "$tmp/p2p.txt"; then fail "a family that carried nothing is exported"; fi
# The series docs/monitoring.md counts: two per (pair, family) that carried
# traffic, here one pair in two families, and four more.
series=$(grep -vc '^#' "$tmp/p2p.txt")
[[ $series == $((2 * 2 + 4)) ]] || fail "$series series, want 8:
$(cat "$tmp/p2p.txt")"
grep -q '^peerlan_p2p_dataplane_start_time_seconds [0-9]' "$tmp/p2p.txt" || fail "no start time"
if command -v promtool >/dev/null; then
	promtool check metrics <"$tmp/p2p.txt" >/dev/null 2>&1 ||
		fail "promtool: $(promtool check metrics <"$tmp/p2p.txt" 2>&1)"
fi
curl -sf "http://$metrics_listen/metrics" >"$tmp/main.txt" || fail "no /metrics"
if grep -q peerlan_p2p_ "$tmp/main.txt"; then fail "the main page carries the matrix"; fi

echo "== the interval file: one record for the pair, written whole"
wait_for 30 "no $tmp/state/p2p.jsonl" test -s "$tmp/state/p2p.jsonl"
[[ $(wc -l <"$tmp/state/p2p.jsonl") == 1 ]] || fail "records: $(cat "$tmp/state/p2p.jsonl")"
jq -e '.src_asn == 64501 and .dst_asn == 64502 and .total.ipv4.bytes == 4000 and
	.total.ipv6.frames == 24 and .lan == "peering"' "$tmp/state/p2p.jsonl" >/dev/null ||
	fail "record: $(cat "$tmp/state/p2p.jsonl")"
[[ ! -e $tmp/state/p2p.jsonl.new ]] || fail "the temporary file was left"
# The next interval has no new traffic: its delta is zero and it continues the last.
wait_for 30 "no second interval" jq -e '.discontinuity == false' "$tmp/state/p2p.jsonl"
jq -e '.delta.ipv4.frames == 0 and .total.ipv4.frames == 40' "$tmp/state/p2p.jsonl" >/dev/null ||
	fail "second record: $(cat "$tmp/state/p2p.jsonl")"
echo "traffic: show traffic, /metrics/p2p and the interval file exact"
