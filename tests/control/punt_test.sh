#!/usr/bin/env bash
# Punted copies, end to end: peerlan-control with the real peerlan-dataplane
# in a network namespace of its own.
#
# 1. A router that comes back is always unsponged. Member One's two
#    addresses are set dead by hand; One then sends an unsolicited NA for
#    its IPv6 address and an ARP request from its IPv4 address back to
#    back on its tap port, so that both copies come in one burst. Both
#    addresses must be alive again, every time, for BURSTS rounds. Every
#    third round Two's address is sponged too, so the fabric answers One's
#    request itself and control hears One from the copy of that answer.
# 2. No copy is lost unaccounted. p3 replays an ARP storm without end with
#    the punt policer wide open, first with no control process connected,
#    then with one that is stopped (SIGSTOP) for a while, a reader too slow
#    for the storm. Per port, once the dataplane has stopped:
#      punted = punt_delivered + punt_policed + punt_no_buffer
#               + punt_ring_full + punt_no_control + punt_socket_busy
#               + punt_disconnected
#    and the copies control received are exactly those delivered.
# Usage: punt_test.sh DATAPLANE CONTROL CTL [BURSTS]
set -euo pipefail

dataplane=$1 control=$2 ctl=$3 bursts=${4:-300}
for tool in jq python3 ip; do
	command -v $tool >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done
if [[ $(id -u) != 0 || ! -c /dev/net/tun ]]; then
	echo "needs root and /dev/net/tun for a namespace and tap ports: skipped"
	exit 77
fi
/usr/bin/python3 -c 'import scapy' 2>/dev/null ||
	{ echo "python3-scapy is not installed: skipped"; exit 77; }

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
prefix=pl-punt-$$
ns=pl-punt-$$
tap1=plpunta$$
tap2=plpuntb$$
remove_on_exit+=("/var/run/dpdk/$prefix")
test_netns "$ns"
# The taps are the members' side: the namespace's kernel must not speak on them.
ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1

python3 - "$tmp" <<'PY'
import struct, sys
with open(sys.argv[1] + "/storm.pcap", "wb") as o:
    o.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(32):
        mac = bytes([2, 0, 0, 0, 0, 3])
        f = (b"\xff" * 6 + mac + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) +
             mac + bytes([192, 0, 2, 3]) + bytes(6) + bytes([192, 0, 2, 100 + i]))
        f += bytes(60 - len(f))
        o.write(struct.pack("<IIII", 0, i, len(f), len(f)) + f)
PY

cat >"$tmp/peerlan.yaml" <<YAML
fabric: {name: punt-test}
$(management_yaml)
policy:
  # Wide open: the second part wants the copies to outrun the main lcore
  # and control; the first sends two frames a round.
  punt: {port: {pps: 10000000, burst: 1000000}, total: {pps: 10000000, burst: 1000000}}
  storm-control: {arp: {pps: 0, burst: 1}, nd: {pps: 0, burst: 1}}
  sponge: {learning: 0}
lans:
  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24, ipv6: "2001:db8::/64"}
ports:
  - {name: p1, device: "net_tap0,iface=$tap1", lans: [peering]}
  - {name: p2, device: "net_tap1,iface=$tap2", lans: [peering]}
  - {name: p3, device: "net_pcap0,rx_pcap=$tmp/storm.pcap,infinite_rx=1", lans: [peering]}
members:
  - asn: 64501
    name: One
    connections:
      - {port: p1, lans: [{lan: peering, macs: ["02:00:00:00:00:01"], ipv4: [192.0.2.1],
                           ipv6: ["2001:db8::1"]}]}
  - asn: 64502
    name: Two
    connections:
      - {port: p2, lans: [{lan: peering, macs: ["02:00:00:00:00:02"], ipv4: [192.0.2.2],
                           ipv6: ["2001:db8::2"]}]}
  - asn: 64503
    name: Three
    connections:
      - {port: p3, lans: [{lan: peering, macs: ["02:00:00:00:00:03"], ipv4: [192.0.2.3]}]}
YAML

status() { pl --json show status | jq -r "$1"; }
start_dataplane() { # start_dataplane ARGS...: p3 idle unless told otherwise
	ip netns exec "$ns" "$dataplane" --no-huge -m 512 --no-pci --file-prefix "$prefix" \
		-l 0,1 --log-level='*:warning' -- -c "$1" --stats-json "$tmp/stats.json" \
		>>"$tmp/dp.log" 2>&1 &
	dp_pid=$!
}

echo "== part 1: a returning router is always unsponged ($bursts bursts)"
# p3 stays quiet here: the same configuration with p3 on a null port.
sed "s|net_pcap0,rx_pcap=$tmp/storm.pcap,infinite_rx=1|net_null0,no-rx=1|" \
	"$tmp/peerlan.yaml" >"$tmp/quiet.yaml"
start_dataplane "$tmp/quiet.yaml"
"$control" -c "$tmp/quiet.yaml" 2>>"$tmp/ctl.log" &
ctl_pid=$!
wait_synced
for t in "$tap1" "$tap2"; do
	wait_for 30 "$t did not come up" bash -c "[[ \$(ip -n $ns -o link show $t) == *LOWER_UP* ]]"
done
ip netns exec "$ns" /usr/bin/python3 - "$ctl" "$tmp/cli.sock" "$tap1" "$bursts" <<'PY' ||
import json, socket, subprocess, sys, time
from scapy.all import ARP, Ether, ICMPv6ND_NA, ICMPv6NDOptDstLLAddr, IPv6

ctl, sock, tap, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
one = "02:00:00:00:00:01"
na = bytes(Ether(src=one, dst="33:33:00:00:00:01") /
           IPv6(src="2001:db8::1", dst="ff02::1", hlim=255) /
           ICMPv6ND_NA(R=1, S=0, O=1, tgt="2001:db8::1") / ICMPv6NDOptDstLLAddr(lladdr=one))
arp = bytes(Ether(src=one, dst="ff:ff:ff:ff:ff:ff") /
            ARP(op=1, hwsrc=one, psrc="192.0.2.1", pdst="192.0.2.2")).ljust(60, b"\0")
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((tap, 0))

def pl(*args):
    return subprocess.run([ctl, "-s", sock, *args], check=True, capture_output=True,
                          text=True).stdout

def states():
    n = json.loads(pl("--json", "show", "neighbors"))["neighbors"]
    return {e["address"]: e["state"] for e in n if e["address"] in ("192.0.2.1", "2001:db8::1")}

def in_dataplane():
    deadline = time.monotonic() + 10
    while not json.loads(pl("--json", "show", "sponge"))["in_dataplane"]:
        if time.monotonic() > deadline:
            sys.exit("the sponged set did not reach the dataplane in 10 s")
        time.sleep(0.02)

misses = []
t0 = time.monotonic()
for i in range(rounds):
    pl("set", "neighbor", "192.0.2.1", "dead")
    pl("set", "neighbor", "2001:db8::1", "dead")
    if i % 3 == 2:
        pl("set", "neighbor", "192.0.2.2", "dead")
        in_dataplane()
    elif i % 3 == 0 and i > 0:
        pl("set", "neighbor", "192.0.2.2", "alive")
        in_dataplane()
    st = states()
    if set(st.values()) != {"dead"}:
        sys.exit(f"round {i}: not dead after set neighbor: {st}")
    s.send(na)
    s.send(arp)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        st = states()
        if set(st.values()) == {"alive"}:
            break
        time.sleep(0.02)
    else:
        misses.append((i, st))
print(f"{rounds} bursts in {time.monotonic() - t0:.1f} s, {len(misses)} with an address left dead")
c = json.loads(pl("--json", "show", "port", "p1"))["counters"]
if rounds >= 3 and c["answered"] < rounds // 3:
    sys.exit(f"the fabric answered One {c['answered']} times, not {rounds // 3}")
if misses:
    sys.exit(f"left dead: {misses[:10]}; p1: " + json.dumps(
        {k: v for k, v in c.items() if v and k != "drops"}) + f", drops {c.get('drops')}")
PY
	fail "a returning router stayed sponged"
stop_pid "$ctl_pid"
ctl_pid=
stop_pid "$dp_pid"
wait "$dp_pid" 2>/dev/null || true
dp_pid=
out=$("$(dirname "$0")/punts_close.sh" "$tmp/stats.json") || fail "$out"
lost=$(jq '[.ports[] | .punt_dropped] | add' "$tmp/stats.json")
((lost == 0)) || fail "$lost copies lost with two a round: $(jq -c .ports.p1 "$tmp/stats.json")"

echo "== part 2: a storm of punts, no control, then a slow one"
rm -f "$tmp/stats.json"
start_dataplane "$tmp/peerlan.yaml"
punted() { jq -r '.counters.punted' <<<"$(pl --json show port p3)"; }
# No control yet: the storm's copies count as punt_no_control until control
# has started and connected.
wait_for 30 "no control socket" test -S "$tmp/dp.sock"
start_control
wait_synced
over_1000() { (($(pl --json show port p3 | jq .counters.punted) > 1000)); }
wait_for 30 "nothing punted" over_1000
# A reader too slow for the storm: the socket fills, copies queue, then
# count as punt_socket_busy.
kill -STOP "$ctl_pid"
sleep 2 # the stall itself, not a wait: 1 MiB of copies queues in far less
kill -CONT "$ctl_pid"
wait_synced
# Stop the dataplane while control reads: it writes the last copies it can
# and counts the rest; control then has all it will ever receive.
kill "$dp_pid"
wait "$dp_pid" 2>/dev/null || true
dp_pid=
wait_for 30 "control did not see the dataplane go" \
	bash -c "[[ \$($ctl -s $tmp/cli.sock --json show status | jq .dataplane.connected) == false ]]"
received=$(pl --json show status | jq .dataplane.punts_received)
out=$("$(dirname "$0")/punts_close.sh" "$tmp/stats.json" "$received") || fail "$out"
echo "$out"
echo "p3: $(jq -c '.ports.p3 | {punted, punt_delivered, punt_policed, punt_no_buffer,
	punt_ring_full, punt_no_control, punt_socket_busy, punt_disconnected}' "$tmp/stats.json")"
echo "control received $received"
for reason in punt_no_control punt_socket_busy punt_delivered; do
	(($(jq ".ports.p3.$reason" "$tmp/stats.json") > 0)) || fail "no copy counted as $reason"
done
echo "all punt tests passed"
