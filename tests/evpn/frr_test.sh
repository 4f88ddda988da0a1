#!/usr/bin/env bash
# BGP EVPN with real speakers: peerlan-evpn and gobgpd for a peerlan node,
# FRR (zebra, bgpd with advertise-all-vni over a kernel VXLAN device and
# bridge) for an EVPN leaf, in two network namespaces joined by a veth
# pair as the underlay. peerlan-control runs on the fake dataplane: the
# forwarding is the multi-node lab's; this test is about the routes.
#
# - FRR receives this node's type-2 routes (MAC, MAC+IPv4, MAC+IPv6) and
#   its type-3 route, and installs the member's MAC towards 198.18.0.1;
# - peerlan-control installs the leaf member's MAC, which the database
#   places behind the leaf's VTEP port, and refuses a second MAC on the
#   leaf that the database does not place there: event and metric;
# - bgpd stopped: the session is down (event, metric), the leaf's member
#   stays installed; bgpd back: the session and the routes come back.
# Usage: frr_test.sh CONTROL CTL FAKE_DP EVPN
set -euo pipefail
control=$1 ctl=$2 fakedp=$3 evpn=$4
frr=/usr/lib/frr
for tool in jq python3 ip bridge curl gobgpd gobgp vtysh "$frr/zebra" "$frr/bgpd"; do
	command -v "$tool" >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done
[[ $(id -u) == 0 ]] || { echo "needs root for network namespaces: skipped"; exit 77; }
[[ -n ${PL_TRACE:-} ]] && set -x

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
metrics_listen="127.0.0.1:$port"
# shellcheck source=../control/lib.sh
source "$(dirname "$0")/../control/lib.sh"
node=plevpn-n$$ leaf=plevpn-l$$ member=plevpn-m$$
frrdir=$tmp/frr
bgp_pid= zebra_pid= gobgp_pid= evpn_pid=
teardown() {
	stop_pid "$evpn_pid"
	stop_pid "$gobgp_pid"
	stop_pid "$bgp_pid"
	stop_pid "$zebra_pid"
	cleanup
	for ns in "$node" "$leaf" "$member"; do ip netns delete "$ns" 2>/dev/null || true; done
	# FRR keeps a run directory per -N name, which its daemons do not remove.
	rm -rf "/var/run/frr/plevpn$$"
}
trap teardown EXIT
for ns in "$node" "$leaf" "$member"; do
	ip netns add "$ns" || { echo "cannot create a network namespace: skipped"; exit 77; }
	ip -n "$ns" link set lo up
done
# Background processes are started by `ip netns exec` itself, not through
# a function (a subshell), so that $! is the process the test stops.
in_leaf() { ip netns exec "$leaf" "$@"; }

# The underlay: node 198.18.0.1, leaf 198.18.0.2.
ip link add plevn$$ netns "$node" type veth peer name plevl$$ netns "$leaf"
ip -n "$node" addr add 198.18.0.1/24 dev plevn$$
ip -n "$leaf" addr add 198.18.0.2/24 dev plevl$$
ip -n "$node" link set plevn$$ up
ip -n "$leaf" link set plevl$$ up
# The leaf: VNI 10100 in bridge br100, the member's router on a veth port,
# and a second MAC that the member database does not place there.
in_leaf ip link add br100 type bridge
in_leaf ip link add vxlan100 type vxlan id 10100 local 198.18.0.2 dstport 4789 nolearning
in_leaf ip link set vxlan100 master br100
ip link add plevm$$ netns "$member" type veth peer name plevb$$ netns "$leaf"
ip -n "$leaf" link set plevb$$ master br100
ip -n "$member" link set plevm$$ address 02:00:5e:10:00:02
for l in br100 vxlan100 plevb$$; do ip -n "$leaf" link set "$l" up; done
ip -n "$member" addr add 192.0.2.2/24 dev plevm$$
ip -n "$member" link set plevm$$ up
in_leaf bridge fdb add 02:00:5e:10:00:02 dev plevb$$ master static
in_leaf bridge fdb add 02:00:5e:10:00:99 dev plevb$$ master static

# FRR on the leaf: iBGP AS 65000 with the node, every local VNI advertised.
mkdir -p "$frrdir"
# FRR drops to its own user: it must reach its directory.
chmod o+x "$tmp"
chown frr:frr "$frrdir"
cat >"$frrdir/frr.conf" <<CONF
frr defaults datacenter
hostname leaf
router bgp 65000
 bgp router-id 198.18.0.2
 no bgp default ipv4-unicast
 neighbor 198.18.0.1 remote-as 65000
 neighbor 198.18.0.1 timers 3 9
 neighbor 198.18.0.1 timers connect 1
 address-family l2vpn evpn
  neighbor 198.18.0.1 activate
  advertise-all-vni
 exit-address-family
CONF
chown frr:frr "$frrdir/frr.conf"
vty() { in_leaf vtysh --vty_socket "$frrdir" -c "$@"; }
start_zebra() {
	ip netns exec "$leaf" "$frr/zebra" -N "plevpn$$" --vty_socket "$frrdir" \
		-z "$frrdir/zserv.api" -i "$frrdir/zebra.pid" -f "$frrdir/frr.conf" -P 0 \
		>>"$tmp/zebra.log" 2>&1 &
	zebra_pid=$!
}
start_bgpd() {
	ip netns exec "$leaf" "$frr/bgpd" -N "plevpn$$" --vty_socket "$frrdir" \
		-z "$frrdir/zserv.api" -i "$frrdir/bgpd.pid" -f "$frrdir/frr.conf" -P 0 \
		>>"$tmp/bgpd.log" 2>&1 &
	bgp_pid=$!
}
start_zebra
wait_for 30 "zebra did not start" test -S "$frrdir/zserv.api"
start_bgpd

# The peerlan node: control on the fake dataplane, gobgpd with no
# configuration of its own (peerlan-evpn gives it AS, router id and
# neighbour), the adapter beside it.
cat >"$tmp/peerlan.yaml" <<YAML
fabric: {name: evpn-frr-test}
$(management_yaml)
evpn: {asn: 65000, router-id: 198.18.0.1, neighbors: [198.18.0.2]}
$(evpn_node_yaml)
  - {name: leaf, kind: vtep, remote: 198.18.0.2, evpn: true, lans: [peering]}
members:
  - asn: 64501
    name: On the node
    connections:
      - port: p1
        lans: [{lan: peering, macs: [02:00:5e:10:00:01], ipv4: [192.0.2.1], ipv6: ["2001:db8::1"]}]
  - asn: 64502
    name: On the leaf
    connections:
      - port: leaf
        lans: [{lan: peering, macs: [02:00:5e:10:00:02], ipv4: [192.0.2.2], ipv6: ["2001:db8::2"]}]
YAML
status() { pl --json show status | jq -r "$1"; }
evpn_show() { pl --json show evpn | jq -r "$1"; }
session_is() { [[ $(evpn_show .session) == "$1" ]]; }
metric() { curl -sf --max-time 10 "http://$metrics_listen/metrics" | awk -v k="$1" '$1 == k {print $2}'; }
start_beside_fake_dp
ip netns exec "$node" gobgpd --api-hosts 127.0.0.1:50051 --pprof-disable -l info -p \
	>>"$tmp/gobgpd.log" 2>&1 &
gobgp_pid=$!
start_evpn() {
	ip netns exec "$node" "$evpn" --socket "$tmp/cli.sock" --api 127.0.0.1:50051 \
		--settle 1000 >>"$tmp/evpn.log" 2>&1 &
	evpn_pid=$!
}
start_evpn

# FRR has this node's routes and installs the member's MAC towards our VTEP.
frr_has() { vty "show bgp l2vpn evpn route type $1 json" 2>/dev/null | grep -q "$2"; }
wait_for 60 "FRR never got a BGP EVPN session with gobgpd" \
	sh -c "ip netns exec $leaf vtysh --vty_socket $frrdir -c 'show bgp l2vpn evpn summary json' | grep -q '\"state\":\"Established\"'"
wait_for 30 "FRR did not receive the type-2 route for 02:00:5e:10:00:01" frr_has macip '02:00:5e:10:00:01'
wait_for 30 "FRR did not receive the MAC+IPv4 route" frr_has macip '192.0.2.1'
wait_for 30 "FRR did not receive the MAC+IPv6 route" frr_has macip '2001:db8::1'
wait_for 30 "FRR did not receive the type-3 route" frr_has multicast '198.18.0.1'
wait_for 30 "FRR did not install the member's MAC towards 198.18.0.1" \
	sh -c "ip netns exec $leaf bridge fdb show dev vxlan100 | grep -q '02:00:5e:10:00:01 dst 198.18.0.1'"

# peerlan-control installs the leaf's member and refuses the stray MAC.
wait_for 60 "the leaf member's route was not installed" \
	sh -c "'$ctl' -s '$tmp/cli.sock' --json show evpn | jq -e '.routes[] | select(.state == \"installed\" and .member == 64502)' >/dev/null"
wait_for 30 "the stray MAC's route was not refused" \
	sh -c "'$ctl' -s '$tmp/cli.sock' --json show evpn | jq -e '.routes[] | select(.state == \"refused\" and (.route | test(\"02:00:5e:10:00:99\")))' >/dev/null"
pl --json show events | jq -e '[.events[] | select(.type == "evpn-refused" and (.text | test("02:00:5e:10:00:99")))] | length >= 1' >/dev/null ||
	fail "no evpn-refused event for 02:00:5e:10:00:99"
[[ $(metric 'peerlan_evpn_routes_refused_total{reason="not-placed"}') -ge 1 ]] ||
	fail "the refusal is not in the metrics"
[[ $(metric peerlan_evpn_session_up) == 1 ]] || fail "session metric: $(metric peerlan_evpn_session_up)"
echo "--- peerlanctl show evpn, FRR's leaf and this node in session:"
pl show evpn
echo "--- peerlanctl show mac-table:"
pl show mac-table

# The session drops: routes kept. It comes back: so do they.
stop_pid "$bgp_pid"
bgp_pid=
wait_for 60 "the session loss was not seen" session_is down
[[ $(metric peerlan_evpn_session_up) == 0 ]] || fail "session metric after the loss"
pl --json show evpn | jq -e '.routes[] | select(.state == "installed" and .member == 64502)' >/dev/null ||
	fail "the leaf member's route was lost with the session"
pl --json show events | jq -e '[.events[] | select(.type == "bgp-down")] | length >= 1' >/dev/null ||
	fail "no bgp-down event"
start_bgpd
wait_for 60 "the session did not come back" session_is up
wait_for 30 "FRR did not get the routes again" frr_has multicast '198.18.0.1'
pl --json show evpn | jq -e '.routes[] | select(.state == "installed" and .member == 64502)' >/dev/null ||
	fail "the leaf member's route is not installed after the session came back"
echo "ok"
