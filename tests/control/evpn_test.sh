#!/usr/bin/env bash
# BGP EVPN through peerlan-evpn, against the fake dataplane and a fake
# gobgp (fake_gobgp.sh) whose answers the test writes: no BGP speaker.
#
# 1. Before any route, the member behind the EVPN VTEP port is not in what
#    the dataplane runs; the static VTEP's member is.
# 2. One round of the adapter: the speaker is given its AS, router id and
#    neighbour, and this node's routes (type 2 MAC, MAC+IPv4, MAC+IPv6,
#    type 3 per VNI); stale local routes are withdrawn. Of the received
#    routes, node B's own MAC is installed (the dataplane gets it), a MAC
#    the database places elsewhere is refused: event, counter, never
#    installed.
# 3. The session drops (and the speaker's RIB empties, as gobgpd's does),
#    also while the adapter reads the RIB: the routes stay installed, with
#    a bgp-down event and the session at 0.
# 4. The session is back without node B's route: withdrawn, its member
#    gone from the dataplane's configuration.
# 5. A malformed message gets an error and changes nothing; the read-only
#    socket refuses the message.
# Usage: evpn_test.sh CONTROL CTL FAKE_DP EVPN FAKE_GOBGP
set -euo pipefail
for tool in jq python3; do
	command -v $tool >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done
control=$1 ctl=$2 fakedp=$3 evpn=$4 fakegobgp=$5
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
export FAKE_GOBGP_DIR=$tmp/gobgp FAKE_DP_CONFIG_OUT=$tmp/dp-config.yaml
mkdir -p "$FAKE_GOBGP_DIR"

cat >"$tmp/peerlan.yaml" <<YAML
fabric: {name: evpn-test}
$(management_yaml)
evpn: {asn: 65000, neighbors: [198.18.0.254]}
$(evpn_node_yaml)
  - {name: node-b, kind: vtep, remote: 198.18.0.2, evpn: true, lans: [peering]}
  - {name: node-s, kind: vtep, remote: 198.18.0.3, lans: [peering]}
members:
  - asn: 64501
    name: A
    connections:
      - port: p1
        lans: [{lan: peering, macs: [02:00:5e:10:00:01], ipv4: [192.0.2.1], ipv6: ["2001:db8::1"]}]
  - asn: 64502
    name: B
    connections:
      - port: node-b
        lans: [{lan: peering, macs: [02:00:5e:10:00:02], ipv4: [192.0.2.2]}]
  - asn: 64503
    name: S
    connections:
      - port: node-s
        lans: [{lan: peering, macs: [02:00:5e:10:00:03]}]
YAML

status() { pl --json show status | jq -r "$1"; }
evpn_show() { pl --json show evpn | jq -r "$1"; }
in_dp() { grep -q "$1" "$FAKE_DP_CONFIG_OUT"; }
not_in_dp() { ! grep -q "$1" "$FAKE_DP_CONFIG_OUT"; }
round() { "$evpn" --once --settle 0 --socket "$tmp/cli.sock" --gobgp "$fakegobgp" \
	--api 127.0.0.1:1 2>>"$tmp/evpn.log"; }

start_beside_fake_dp

# 1.
wait_for 30 "the dataplane never got a configuration" test -f "$FAKE_DP_CONFIG_OUT"
not_in_dp 02:00:5e:10:00:02 || fail "node B's member is in the dataplane before any route"
in_dp 02:00:5e:10:00:03 || fail "the static VTEP's member is not in the dataplane"
[[ $(evpn_show .session) == unknown ]] || fail "session before the adapter spoke: $(evpn_show .session)"

# 2. A speaker with no global config yet, one session up, and a stale local route.
path() { # path TYPE MAC IP VNI NEXTHOP [local]
	local nb='"neighbor-ip": "198.18.0.254",'
	[[ ${6:-} == local ]] && nb=
	if [[ $1 == 2 ]]; then
		printf '{"nlri": {"type": 2, "value": {"rd": {"type": 1, "admin": "%s", "assigned": 1}, "esi": "single-homed", "etag": 0, "mac": "%s", "ip": "%s", "labels": [%s]}}, %s "best": true, "attrs": [{"type": 14, "nexthop": "%s", "afi": 25, "safi": 70}]}' \
			"$5" "$2" "$3" "$4" "$nb" "$5"
	else
		printf '{"nlri": {"type": 3, "value": {"rd": {"type": 1, "admin": "%s", "assigned": 1}, "etag": 0, "ip": "%s"}}, %s "best": true, "attrs": [{"type": 22, "tunnel-type": 6, "label": %s, "tunnel-id": "%s"}, {"type": 14, "nexthop": "%s", "afi": 25, "safi": 70}]}' \
			"$5" "$5" "$nb" "$4" "$5" "$5"
	fi
}
echo '{"asn": 0}' >"$FAKE_GOBGP_DIR/global.json"
# A session with another speaker is up; the configured neighbour is not there yet.
echo '[{"conf": {"neighbor_address": "198.18.0.9"}, "state": {"session_state": 6}}]' \
	>"$FAKE_GOBGP_DIR/neighbors.json"
cat >"$FAKE_GOBGP_DIR/rib.json" <<JSON
{"a": [$(path 2 02:00:5e:10:00:02 "<nil>" 10100 198.18.0.2)],
 "b": [$(path 2 02:00:5e:10:00:02 192.0.2.2 10100 198.18.0.2)],
 "c": [$(path 2 02:00:5e:10:00:03 "<nil>" 10100 198.18.0.2)],
 "d": [$(path 3 "" "" 10100 198.18.0.2)],
 "e": [$(path 2 02:00:5e:10:00:77 "<nil>" 10100 198.18.0.1 local)]}
JSON
round || fail "the adapter's round failed"
calls=$FAKE_GOBGP_DIR/calls
grep -qx "global as 65000 router-id 198.18.0.1" "$calls" || fail "no global config given to the speaker"
grep -qx "neighbor add 198.18.0.254 as 65000 family l2vpn-evpn" "$calls" || fail "no neighbour added"
for r in "macadv 02:00:5e:10:00:01 0.0.0.0" "macadv 02:00:5e:10:00:01 192.0.2.1" \
	"macadv 02:00:5e:10:00:01 2001:db8::1"; do
	grep -qx "global rib -a evpn add $r etag 0 label 10100 rd 198.18.0.1:1 rt 65000:10100 encap vxlan nexthop 198.18.0.1" "$calls" ||
		fail "this node's route $r was not announced"
done
grep -qx "global rib -a evpn add multicast 198.18.0.1 etag 0 rd 198.18.0.1:1 rt 65000:10100 encap vxlan nexthop 198.18.0.1 pmsi ingress-repl 10100 198.18.0.1" "$calls" ||
	fail "the type-3 route was not announced"
grep -qx "global rib -a evpn del macadv 02:00:5e:10:00:77 0.0.0.0 etag 0 label 10100 rd 198.18.0.1:1" "$calls" ||
	fail "the stale local route was not withdrawn"
[[ $(evpn_show .session) == up ]] || fail "session: $(evpn_show .session)"
[[ $(evpn_show .installed) == 3 ]] || fail "installed: $(evpn_show .installed)"
[[ $(evpn_show '.refused_total["not-placed"]') == 1 ]] || fail "refusal not counted"
pl --json show events | jq -e '[.events[] | select(.type == "evpn-refused" and (.text | test("02:00:5e:10:00:03.*not placed")))] | length == 1' >/dev/null ||
	fail "no evpn-refused event for the misplaced MAC"
wait_for 30 "node B's member never reached the dataplane" in_dp 02:00:5e:10:00:02
# The refused MAC stays where the database puts it, on node-s, only.
[[ $(grep -c 02:00:5e:10:00:03 "$FAKE_DP_CONFIG_OUT") == 1 ]] || fail "the refused MAC moved"
pl show evpn | grep -E "installed +node-b +type-2 vni 10100 vtep 198.18.0.2 mac 02:00:5e:10:00:02 ip 192.0.2.2 AS64502" >/dev/null ||
	fail "show evpn does not list the installed binding: $(pl show evpn)"
# A second round, the speaker now holding this node's routes as gobgpd
# would: no event, no count, nothing announced again.
cat >"$FAKE_GOBGP_DIR/rib.json" <<JSON
{"a": [$(path 2 02:00:5e:10:00:02 "<nil>" 10100 198.18.0.2)],
 "b": [$(path 2 02:00:5e:10:00:02 192.0.2.2 10100 198.18.0.2)],
 "c": [$(path 2 02:00:5e:10:00:03 "<nil>" 10100 198.18.0.2)],
 "d": [$(path 3 "" "" 10100 198.18.0.2)],
 "e": [$(path 2 02:00:5e:10:00:01 "<nil>" 10100 198.18.0.1 local)],
 "f": [$(path 2 02:00:5e:10:00:01 192.0.2.1 10100 198.18.0.1 local)],
 "g": [$(path 2 02:00:5e:10:00:01 2001:db8::1 10100 198.18.0.1 local)],
 "h": [$(path 3 "" "" 10100 198.18.0.1 local)]}
JSON
: >"$calls"
round || fail "the second round failed"
[[ $(evpn_show '.refused_total["not-placed"]') == 1 ]] || fail "a standing refusal counted twice"
! grep -qE "^global rib -a evpn (add|del) " "$calls" || fail "routes announced again: $(cat "$calls")"

# 3. The session drops while the adapter reads the RIB, which gobgpd then
# empties: the sessions it read before are no longer up, and that empty
# RIB is no withdrawal.
echo '{}' >"$FAKE_GOBGP_DIR/rib.json"
echo '[{"conf": {"neighbor_address": "198.18.0.254"}, "state": {"session_state": 3}}]' \
	>"$FAKE_GOBGP_DIR/neighbors-after-rib.json"
round || fail "the round in which the session dropped failed"
[[ ! -f $FAKE_GOBGP_DIR/neighbors-after-rib.json ]] || fail "the fake speaker's session did not drop"
[[ $(evpn_show .installed) == 3 ]] || fail "routes lost with a session that dropped during the round"
in_dp 02:00:5e:10:00:02 || fail "node B's member left the dataplane with a session that dropped during the round"
# The session down; gobgpd has forgotten the routes it learnt.
round || fail "the round without a session failed"
[[ $(evpn_show .session) == down ]] || fail "session: $(evpn_show .session)"
[[ $(evpn_show .installed) == 3 ]] || fail "routes lost with the session"
in_dp 02:00:5e:10:00:02 || fail "node B's member left the dataplane with the session"
pl --json show events | jq -e '[.events[] | select(.type == "bgp-down")] | length == 1' >/dev/null ||
	fail "no bgp-down event"

# 4. Back, without node B's routes: withdrawn.
echo '[{"conf": {"neighbor_address": "198.18.0.254"}, "state": {"session_state": 6}}]' \
	>"$FAKE_GOBGP_DIR/neighbors.json"
echo "{\"d\": [$(path 3 "" "" 10100 198.18.0.2)]}" >"$FAKE_GOBGP_DIR/rib.json"
round || fail "the round after the session came back failed"
[[ $(evpn_show .session) == up ]] || fail "session: $(evpn_show .session)"
wait_for 30 "node B's withdrawn member stayed in the dataplane" not_in_dp 02:00:5e:10:00:02
[[ $(evpn_show .installed) == 1 ]] || fail "installed after the withdrawal: $(evpn_show .installed)"

# 5. Bad input changes nothing.
send() { # send SOCKET HEX_PAYLOAD: prints the reply's status and text
	python3 - "$1" "$2" <<'PY'
import socket, struct, sys
p = bytes.fromhex(sys.argv[2])
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(struct.pack("!IBBHIIi", 0x504c414e, 1, 15, 0, len(p), 7, 0) + p)
buf = b""
while len(buf) < 20 or len(buf) < 20 + struct.unpack("!I", buf[8:12])[0]:
    d = s.recv(65536)
    if not d:
        break
    buf += d
status = struct.unpack("!i", buf[16:20])[0]
print(status, buf[20:].decode("utf-8", "replace"))
PY
}
before=$(pl --json show evpn | jq -c '{installed, refused_total, session}')
# Session up, one type-7 record: refused whole.
reply=$(send "$tmp/cli.sock" "0100000001$(printf '07%070d' 0)")
[[ $reply == -74* && $reply == *"EVPN route 0 of the message is malformed"* ]] ||
	fail "a malformed record was answered with: $reply"
reply=$(send "$tmp/cli.sock" "01000000")
[[ $reply == -74* && $reply == *"malformed EVPN message"* ]] || fail "a short message: $reply"
reply=$(send "$tmp/cli-ro.sock" "0100000000")
[[ $reply == -13* ]] || fail "the read-only socket took EVPN routes: $reply"
[[ $(pl --json show evpn | jq -c '{installed, refused_total, session}') == "$before" ]] ||
	fail "bad input changed the state"
[[ $(evpn_show .installed) == 1 ]] || fail "bad input changed the routes"
echo "ok"
