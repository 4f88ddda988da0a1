#!/usr/bin/env bash
# peerlan-snmp with Debian's snmpd as AgentX master, on the real dataplane
# with traffic (p1 replays a pcap of unicast frames to p2 without end).
# snmpd has its own configuration, AgentX socket and UDP port on 127.0.0.1
# in the test's directory. Checks:
# - snmpbulkwalk of IF-MIB and PEERLAN-MIB against peerlanctl --json show
#   ports read just before and after: every port, values equal, counters
#   between the two reads and increasing;
# - ifPhysAddress of each port (and of the LAG, its bond's) is the MAC
#   address show port gives and DPDK's telemetry reports for that ethdev;
# - the forwarding tables (BRIDGE-MIB, Q-BRIDGE-MIB), the LAG MIB empty
#   without LAGs;
# - MRTG: cfgmaker makes a target per port named by ifName,
#   and two mrtg runs record a non-zero rate on p1 (in) and p2 (out);
# - the agent gone, or control gone: our objects are noSuchObject, the
#   system group still answers; both come back without restarting snmpd;
#   a restarted snmpd gets the agent back by itself;
# - ifIndex stays across a control restart, a dataplane restart (which
#   moves ifCounterDiscontinuityTime), an agent restart and a new
#   configuration that adds a port before the others and one after;
# - that configuration's LAG: ifType ieee8023adLag, a row per link named
#   LAG/DEVICE, the stack LAG over links, IEEE8023-LAG-MIB rows.
# Usage: snmp_test.sh DATAPLANE CONTROL CTL AGENT
set -euo pipefail

dataplane=$1 control=$2 ctl=$3 agent=$4
for tool in jq python3 /usr/sbin/snmpd snmpbulkwalk snmpget cfgmaker mrtg; do
	command -v $tool >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done
[[ -n ${PL_TRACE:-} ]] && set -x

# shellcheck source=../control/lib.sh
source "$(dirname "$0")/../control/lib.sh"
check=$(dirname "$0")/snmp_check.py
prefix=pl-snmp-$$
remove_on_exit+=("/var/run/dpdk/$prefix")
snmpd_pid= agent_pid=
# No MIB files: everything by number, and no noise about missing modules.
mkdir "$tmp/nomibs"
export MIBDIRS=$tmp/nomibs MIBS=

unicast_pcap "$tmp/in.pcap"

config() { # config FIRST_PORTS LAST_PORTS
	cat <<YAML
fabric: {name: snmp-test}
$(management_yaml)
lans:
  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24}
  - {name: second, vlan: 200, ipv4: 198.51.100.0/24}
ports:
$1
  - {name: p1, device: "net_pcap0,rx_pcap=$tmp/in.pcap,infinite_rx=1", lans: [peering],
     description: "transit one", speed: 10000}
  - {name: p2, device: "net_null0,no-rx=1", lans: [peering, second], mode: trunk, speed: 100000}
  - {name: p3, device: "net_null1,no-rx=1", lans: [peering]}
$2
members:
$(member_yaml 1 One)
  - asn: 64502
    name: Two
    connections:
      - port: p2
        lans:
          - {lan: peering, macs: ["02:00:00:00:00:02"], ipv4: [192.0.2.2]}
          - {lan: second, macs: ["02:00:00:00:00:02"], ipv4: [198.51.100.2]}
$(member_yaml 3 Three)
YAML
}
config "" "" >"$tmp/peerlan.yaml"
# The second configuration also has a LAG of two links whose partner never
# speaks LACP: carrier up, out of the bundle.
config '  - {name: p0, device: "net_null2,no-rx=1", lans: [peering]}' \
	'  - {name: p4, device: "net_null3,no-rx=1", lans: [peering]}
  - {name: lag5, lag: {links: ["net_null4,no-rx=1", "net_null5,no-rx=1"]}, lans: [peering]}' \
	>"$tmp/more.yaml"

status() { pl --json show status | jq -r "$1"; }

port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The lines docs/monitoring.md gives, with the test's socket and port.
cat >"$tmp/snmpd.conf" <<EOF
master agentx
dontLogTCPWrappersConnects yes
agentXSocket unix:$tmp/agentx.sock
agentXPerms 0660 0770
agentaddress udp:127.0.0.1:$port
view peerlan included .1.3.6.1.2.1.1
view peerlan included .1.3.6.1.2.1.2
view peerlan included .1.3.6.1.2.1.17
view peerlan included .1.3.6.1.2.1.31
view peerlan included .1.2.840.10006.300.43
view peerlan included .1.3.6.1.4.1.32473
rocommunity public 127.0.0.1 -V peerlan
createUser plmon SHA "peerlan-test-auth" AES "peerlan-test-priv"
rouser plmon priv -V peerlan
EOF

start_snmpd() {
	mkdir -p "$tmp/snmp"
	# Not the host's interfaces: peerlan-snmp serves IF-MIB.
	SNMP_PERSISTENT_DIR=$tmp/snmp /usr/sbin/snmpd -f -Lo -C -c "$tmp/snmpd.conf" \
		-I -ifTable,ifXTable,ifStackTable,interfaces,smux >>"$tmp/snmpd.log" 2>&1 &
	snmpd_pid=$!
}
start_agent() {
	"$agent" -s "$tmp/cli-ro.sock" -x "unix:$tmp/agentx.sock" -d "$tmp/snmpstate" -r 1 -S 3 \
		>>"$tmp/agent.log" 2>&1 &
	agent_pid=$!
}
stop_agent() {
	stop_pid "$agent_pid"
	agent_pid=
}
trap 'stop_pid "$agent_pid"; stop_pid "$snmpd_pid"; cleanup' EXIT

snmp() { # snmp TOOL ARGS...: v2c, numeric OIDs, raw values
	local tool=$1
	shift
	"$tool" -v2c -c public -On -Oq -Ot -Oe -t 2 -r 1 "127.0.0.1:$port" "$@"
}
walk_to() { # walk_to FILE: everything peerlan-snmp serves
	: >"$1"
	for t in .1.3.6.1.2.1.2 .1.3.6.1.2.1.31 .1.3.6.1.2.1.17 .1.2.840.10006.300.43 \
		.1.3.6.1.4.1.32473; do
		snmp snmpbulkwalk -Cr50 "$t" >>"$1" || return 1
	done
}
nports_served() { [[ $(snmp snmpget .1.3.6.1.2.1.2.1.0 2>/dev/null | cut -d' ' -f2) == "$1" ]]; }
ifmap() { walk_to "$tmp/w" && python3 "$check" ifmap "$tmp/w"; }
hc_in() { snmp snmpget .1.3.6.1.2.1.31.1.1.1.6."$1" | cut -d' ' -f2; }

echo "== start everything"
start_dataplane dp.log
start_control
wait_synced
start_snmpd
agentx_up() { [[ -S $tmp/agentx.sock ]]; }
wait_for 30 "snmpd opens no AgentX socket" agentx_up
start_agent
wait_for 30 "the agent serves no ports" nports_served 3

echo "== IF-MIB and PEERLAN-MIB equal the CLI, with traffic"
ifmap >"$tmp/map0"
[[ $(wc -l <"$tmp/map0") == 3 ]] || fail "ifmap: $(cat "$tmp/map0")"
i1=$(awk '$1 == "p1" {print $2}' "$tmp/map0")
i2=$(awk '$1 == "p2" {print $2}' "$tmp/map0")
i3=$(awk '$1 == "p3" {print $2}' "$tmp/map0")
# The agent's view may be a second older than a CLI read: after the first
# read, wait for a view taken after it, then walk, then read again.
pl --json show ports >"$tmp/before.json"
r0=$(jq '.ports[] | select(.name == "p1") | .counters.rx_octets' "$tmp/before.json")
fresh() { (($(hc_in "$i1") >= r0)); }
wait_for 30 "the agent's view does not get past the CLI's" fresh
walk_to "$tmp/walk" || fail "snmpbulkwalk failed"
pl --json show ports >"$tmp/after.json"
python3 "$check" compare "$tmp/before.json" "$tmp/walk" "$tmp/after.json" 2>"$tmp/compare.log" ||
	fail "the walk differs from the CLI"
o1=$(hc_in "$i1")
((o1 > 0)) || fail "p1's ifHCInOctets is $o1"
grows() { (($(hc_in "$i1") > o1)); }
wait_for 30 "p1's ifHCInOctets does not grow" grows
g() { python3 "$check" get "$tmp/walk" "$1"; }
[[ $(g ".1.3.6.1.2.1.31.1.1.1.18.$i1") == "transit one" ]] || fail "p1's ifAlias"
[[ $(g ".1.3.6.1.2.1.31.1.1.1.18.$i2") == "AS64502 Two" ]] || fail "p2's ifAlias"
[[ $(g ".1.3.6.1.2.1.31.1.1.1.15.$i1") == 10000 ]] || fail "p1's ifHighSpeed"
[[ $(g ".1.3.6.1.2.1.2.2.1.5.$i1") == 4294967295 ]] || fail "p1's ifSpeed"
[[ $(g ".1.3.6.1.2.1.31.1.2.1.3.0.$i1") == 1 ]] || fail "ifStackTable"

echo "== ifPhysAddress: the MAC address DPDK reports for the port"
phys() { # phys IFINDEX: ifPhysAddress as aa:bb:cc:dd:ee:ff
	snmp snmpget -Ox ".1.3.6.1.2.1.2.2.1.6.$1" | cut -d' ' -f2- |
		{ grep -o '[0-9A-Fa-f]\{2\}' || true; } | paste -sd: | tr A-F a-f
}
check_phys() { # check_phys PORT IFINDEX DPDK_NAME_PATTERN
	local cli want got
	cli=$(pl --json show port "$1" | jq -r .mac_address)
	want=$(dpdk_macs "$prefix" | awk -v n="$3" '$1 ~ n {print $2}')
	got=$(phys "$2")
	[[ -n $want && $want != 00:00:00:00:00:00 && $cli == "$want" && $got == "$want" ]] ||
		fail "$1: ifPhysAddress $got, show port $cli, DPDK $want"
}
check_phys p1 "$i1" '^net_pcap0$'
check_phys p2 "$i2" '^net_null0$'
pl show port p1 | grep -q "^  mac address: $(phys "$i1")$" || fail "show port p1: no mac address"

echo "== forwarding tables: every provisioned MAC, status mgmt"
[[ $(g ".1.3.6.1.2.1.17.7.1.2.2.1.2.100.2.0.0.0.0.1") == "$i1" ]] || fail "dot1qTpFdbPort"
[[ $(g ".1.3.6.1.2.1.17.7.1.2.2.1.3.100.2.0.0.0.0.1") == 5 ]] || fail "dot1qTpFdbStatus"
[[ $(g ".1.3.6.1.2.1.17.7.1.2.2.1.2.200.2.0.0.0.0.2") == "$i2" ]] || fail "p2 on VLAN 200"
[[ $(grep -c '^.1.3.6.1.2.1.17.7.1.2.2.1.2\.' "$tmp/walk") == 4 ]] || fail "dot1qTpFdbTable rows"
[[ $(grep -c '^.1.3.6.1.2.1.17.4.3.1.2\.' "$tmp/walk") == 3 ]] || fail "dot1dTpFdbTable rows"
[[ $(g ".1.3.6.1.2.1.17.4.3.1.2.2.0.0.0.0.3") == "$i3" ]] || fail "dot1dTpFdbPort"
[[ $(g ".1.3.6.1.2.1.17.1.4.1.2.$i2") == "$i2" ]] || fail "dot1dBasePortIfIndex"
[[ $(g ".1.3.6.1.2.1.17.7.1.4.3.1.1.200") == "second" ]] || fail "dot1qVlanStaticName"
if grep '^.1.2.840.10006' "$tmp/walk" | grep -qv 'No Such'; then fail "LAG MIB rows without LAGs"; fi
snmp snmpget ".1.2.840.10006.300.43.1.2.1.1.13.$i1" | grep -q "No Such Instance" ||
	fail "the LAG MIB is not registered"

echo "== the documented view and SNMPv3 user"
snmpget -v3 -l authPriv -u plmon -a SHA -A peerlan-test-auth -x AES -X peerlan-test-priv \
	-On -Oq "127.0.0.1:$port" ".1.3.6.1.2.1.31.1.1.1.1.$i1" | grep -q '"p1"' || fail "v3 get"
snmp snmpget .1.3.6.1.2.1.4.1.0 | grep -q "No Such Object" || fail "the view lets IP-MIB out"

echo "== MRTG: cfgmaker and two runs"
mkdir -p "$tmp/mrtg"
LANG=C cfgmaker --global "WorkDir: $tmp/mrtg" --global "Options[_]: bits" --ifref=name \
	--ifdesc=alias --zero-speed=1000000000 "public@127.0.0.1:$port:2:1:1:2" >"$tmp/mrtg.cfg" 2>"$tmp/cfgmaker.log" ||
	fail "cfgmaker: $(cat "$tmp/cfgmaker.log")"
for p in p1 p2 p3; do
	grep -q "^Target\[127.0.0.1_$p\]: #$p:public@127.0.0.1:$port" "$tmp/mrtg.cfg" ||
		fail "no MRTG target for $p: $(grep '^Target' "$tmp/mrtg.cfg")"
done
# 64-bit counters where a port had counted something, at its ifHighSpeed.
grep -q "^MaxBytes\[127.0.0.1_p1\]: 1250000000$" "$tmp/mrtg.cfg" || fail "p1's MaxBytes"
# The first run warns that there are no log files yet.
mrtg_run() { LANG=C mrtg "$tmp/mrtg.cfg" --logging "$tmp/mrtg.log" 2>>"$tmp/mrtg.log"; }
mrtg_run || fail "mrtg: $(cat "$tmp/mrtg.log")"
# The second run must see p1's counter past the first run's: the agent
# refreshes its view every second (-r 1), later than that under load.
t0=$(date +%s) c0=$(hc_in "$i1")
later() { (($(date +%s) >= t0 + 2)) && (($(hc_in "$i1") > c0)); }
wait_for 30 "p1's ifHCInOctets did not move in the agent's view after the first mrtg run" later
mrtg_run || fail "mrtg: $(cat "$tmp/mrtg.log")"
# The second line of an MRTG log: time, average in, average out (bytes/s).
rate() { sed -n 2p "$tmp/mrtg/127.0.0.1_$1.log" | cut -d' ' -f"$2"; }
(($(rate p1 2) > 0)) || fail "mrtg: no rate in on p1: $(head -3 "$tmp/mrtg/127.0.0.1_p1.log")"
(($(rate p2 3) > 0)) || fail "mrtg: no rate out on p2: $(head -3 "$tmp/mrtg/127.0.0.1_p2.log")"
(($(rate p3 2) == 0)) || fail "mrtg: traffic on p3"

echo "== the agent gone: noSuchObject, the rest answers; back without restarting snmpd"
stop_agent
gone() { snmp snmpget ".1.3.6.1.2.1.31.1.1.1.1.$i1" | grep -q "No Such Object"; }
wait_for 30 "our objects still answer without the agent" gone
snmp snmpget .1.3.6.1.2.1.1.3.0 >/dev/null || fail "snmpd no longer answers"
start_agent
wait_for 30 "the agent did not come back" nports_served 3
[[ $(ifmap) == "$(cat "$tmp/map0")" ]] || fail "ifIndex changed across an agent restart"

echo "== snmpd restarted: the agent registers again by itself"
stop_pid "$snmpd_pid"
start_snmpd
wait_for 30 "snmpd opens no AgentX socket" agentx_up
wait_for 30 "the agent did not register again with snmpd" nports_served 3

echo "== control gone: noSuchObject after --stale; back when it is"
before=$(hc_in "$i1")
kill -9 "$ctl_pid"
wait "$ctl_pid" 2>/dev/null || true
ctl_pid=
wait_for 30 "our objects still answer without control" gone
snmp snmpget .1.3.6.1.2.1.1.3.0 >/dev/null || fail "snmpd no longer answers"
start_control
wait_synced
wait_for 30 "the agent does not serve again" nports_served 3
[[ $(ifmap) == "$(cat "$tmp/map0")" ]] || fail "ifIndex changed across a control restart"
(($(hc_in "$i1") >= before)) || fail "a control restart moved a counter back"
disc() { snmp snmpget ".1.3.6.1.2.1.31.1.1.1.19.$i1" | cut -d' ' -f2; }
[[ $(disc) == 0 ]] || fail "a control restart counted as a discontinuity"

echo "== dataplane restart: same ifIndexes, ifCounterDiscontinuityTime moves"
stop_pid "$dp_pid"
dp_pid=
start_dataplane dp.log
wait_synced
moved() { (($(disc) > 0)); }
wait_for 30 "ifCounterDiscontinuityTime did not move" moved
[[ $(ifmap) == "$(cat "$tmp/map0")" ]] || fail "ifIndex changed across a dataplane restart"

echo "== a configuration with a port before the others, one after and a LAG"
[[ ! -e $tmp/state/committed.yaml ]] || fail "a committed configuration would win"
stop_pid "$ctl_pid"
stop_pid "$dp_pid"
ctl_pid= dp_pid=
cp "$tmp/more.yaml" "$tmp/peerlan.yaml"
start_dataplane dp.log
start_control
wait_synced
# 6 ports and the LAG's 2 links.
wait_for 30 "the agent does not serve 8 interfaces" nports_served 8
ifmap >"$tmp/map1"
grep -v '^\(p[04]\|lag5\)' "$tmp/map1" | cmp -s - "$tmp/map0" ||
	fail "ifIndex changed with the configuration: $(cat "$tmp/map1")"
[[ $(awk '$1 == "p0" || $1 == "p4" {print $2}' "$tmp/map1" | sort -n | tr '\n' ' ') == "4 5 " ]] ||
	fail "new ports: $(cat "$tmp/map1")"
lagmap=$(grep '^lag5' "$tmp/map1" | sort | tr '\n' ' ')
[[ $lagmap == "lag5 6 lag5/net_null4,no-rx=1 7 lag5/net_null5,no-rx=1 8 " ]] ||
	fail "the LAG and its links: $lagmap"
walk_to "$tmp/walk1" || fail "snmpbulkwalk failed"
g1() { python3 "$check" get "$tmp/walk1" "$1"; }
[[ $(g1 .1.3.6.1.2.1.2.2.1.3.6) == 161 ]] || fail "the LAG's ifType"
[[ $(g1 .1.3.6.1.2.1.2.2.1.3.7) == 6 ]] || fail "a link's ifType"
check_phys lag5 6 '^net_bonding_peerlan'
check_phys p0 "$(awk '$1 == "p0" {print $2}' "$tmp/map1")" '^net_null2$'
# ifStackTable rows HIGHER.LOWER that name the LAG or a link, in walk order.
stack=$(grep -o '^.1.3.6.1.2.1.31.1.2.1.3\.[0-9]*\.[0-9]*' "$tmp/walk1" |
	sed 's/^.1.3.6.1.2.1.31.1.2.1.3.//' | grep -E '^[678]\.|\.[678]$' | tr '\n' ' ')
[[ $stack == "0.6 6.7 6.8 7.0 8.0 " ]] || fail "ifStackTable: $stack"
# The bond sets its actor key from the links' speed once they are up; the
# agent's view may be a few seconds older than show lag's, so both must come
# to agree (the walk again each time), not agree at once.
lag_keys_agree() {
	lacp_json=$(pl --json show lag lag5)
	key=$(jq '.lags[0].links[0].actor.key' <<<"$lacp_json")
	walk_to "$tmp/walk1" || return 1
	local agg port
	agg=$(g1 .1.2.840.10006.300.43.1.1.1.1.7.6) port=$(g1 .1.2.840.10006.300.43.1.2.1.1.5.7)
	[[ $agg == "$key" && $port == "$key" ]] && return 0
	echo "actor keys: show lag $key, dot3adAggActorOperKey $agg, dot3adAggPortActorOperKey $port" >&2
	return 1
}
wait_for 30 "the LAG MIB's actor keys never equal show lag's" lag_keys_agree
# No partner speaks LACP: out of the bundle, no aggregator attached.
[[ $(jq '[.lags[0].links[] | select(.bundled)] | length' <<<"$lacp_json") == 0 ]] ||
	fail "a link in the bundle without a partner: $lacp_json"
[[ $(g1 .1.2.840.10006.300.43.1.2.1.1.13.7) == 0 ]] || fail "dot3adAggPortAttachedAggID"
[[ $(g1 .1.2.840.10006.300.43.1.2.1.1.12.8) == 0 ]] || fail "dot3adAggPortSelectedAggID"
# ifOperStatus of a link is its carrier as show lag reports it.
for k in 0 1; do
	want=$(jq -r ".lags[0].links[$k].carrier" <<<"$lacp_json" | sed 's/^up$/1/; s/^down$/2/')
	[[ $(g1 .1.3.6.1.2.1.2.2.1.8.$((7 + k))) == "$want" ]] || fail "link $k's ifOperStatus"
done
stop_agent
start_agent
wait_for 30 "the agent did not come back" nports_served 8
ifmap >"$tmp/map2"
cmp -s "$tmp/map1" "$tmp/map2" ||
	fail "ifIndex not kept in the state file: $(cat "$tmp/map1") then $(cat "$tmp/map2")"
echo "all SNMP tests passed"
