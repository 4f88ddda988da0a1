#!/usr/bin/env bash
# The time of a full IF-MIB walk (ifTable and ifXTable: the interfaces and
# ifXTable subtrees) through Debian's snmpd and peerlan-snmp, for a fabric
# of N ports (default 500) on the fake dataplane, each port with its
# member; and, as the baseline of the same run, the same walk of a second
# snmpd serving its own IF-MIB of a network namespace with N veth
# interfaces (N/2 pairs, N even) and its loopback. Each run walks both with snmpbulkwalk
# (GETBULK, SNMP_MAXREP repetitions) and with snmpwalk (GETNEXT), and
# peerlan-snmp in two placements: wherever the scheduler puts snmpd and
# peerlan-snmp ("unpinned"), and both pinned to the one CPU SNMP_PIN
# (default the last; "none" leaves it out), as a CPUAffinity= drop-in on
# both units puts them on one housekeeping CPU (docs/deployment.md). The
# medians and their ratios to the baseline are printed at the end. A
# figure for docs/performance.md, run by hand; it asserts no speed. Holds
# the lab lock while its daemons run.
#
#   [SNMP_MAXREP=50] [SNMP_PIN=CPU|none] [SNMP_PERF=perf.data] \
#       tests/bench/snmp_walk.sh BUILD_DIR [N] [RUNS]
# SNMP_PERF records peerlan-snmp with perf(1) during the runs.
set -euo pipefail

build=$(realpath "$1") nports=${2:-500} runs=${3:-5}
pin=${SNMP_PIN:-$(($(nproc) - 1))}
[[ $pin == none || $pin =~ ^[0-9]+$ ]] || { echo "SNMP_PIN=$pin: a CPU number or none" >&2; exit 2; }
control=$build/control/peerlan-control ctl=$build/control/peerlanctl
fakedp=$build/tests/control/fake-dataplane agent=$build/control/snmp/peerlan-snmp
# shellcheck source=../control/lib.sh
source "$(dirname "$0")/../control/lib.sh"
snmpd_pid= agent_pid= base_pid=
ns=plsnmpb-$$
trap 'stop_pid "$agent_pid"; stop_pid "$snmpd_pid"; stop_pid "$base_pid"; ip netns delete "$ns" 2>/dev/null || true; cleanup' EXIT
mkdir "$tmp/nomibs"
export MIBDIRS=$tmp/nomibs MIBS=

{
	echo "fabric: {name: bench}"
	management_yaml
	echo "lans:"
	echo "  - {name: peering, vlan: 100, ipv4: 10.0.0.0/16}"
	echo "ports:"
	for ((i = 1; i <= nports; i++)); do
		echo "  - {name: port$i, device: net_null$i, lans: [peering], speed: 10000}"
	done
	echo "members:"
	for ((i = 1; i <= nports; i++)); do
		printf '  - asn: %d\n    name: Member %d\n    connections:\n' $((64512 + i)) "$i"
		printf '      - {port: port%d, lans: [{lan: peering, macs: ["02:00:00:00:%02x:%02x"], ipv4: [10.0.%d.%d]}]}\n' \
			"$i" $((i / 256)) $((i % 256)) $((i / 250)) $((i % 250 + 1))
	done
} >"$tmp/peerlan.yaml"

port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/snmpd.conf" <<CONF
master agentx
agentXSocket unix:$tmp/agentx.sock
agentaddress udp:127.0.0.1:$port
rocommunity public 127.0.0.1
dontLogTCPWrappersConnects yes
CONF

# The baseline: N veth interfaces in a namespace of the run's own.
{
	echo "link set lo up"
	for ((i = 1; i <= nports; i += 2)); do echo "link add v$i type veth peer name v$((i + 1))"; done
} >"$tmp/links"
cat >"$tmp/base.conf" <<CONF
agentaddress udp:127.0.0.1:$port
rocommunity public 127.0.0.1
dontLogTCPWrappersConnects yes
CONF

exec 9>/tmp/peerlan-lab.lock
flock 9
ip netns add "$ns"
ip -n "$ns" -batch "$tmp/links"
SNMP_PERSISTENT_DIR=$tmp/snmp-base ip netns exec "$ns" /usr/sbin/snmpd -f -Lo -C \
	-c "$tmp/base.conf" >>"$tmp/base.log" 2>&1 &
base_pid=$!
"$fakedp" "$tmp/dp.sock" "$tmp/peerlan.yaml" 2>>"$tmp/fdp.log" &
dp_pid=$!
start_control
SNMP_PERSISTENT_DIR=$tmp/snmp /usr/sbin/snmpd -f -Lo -C -c "$tmp/snmpd.conf" \
	-I -ifTable,ifXTable,ifStackTable,interfaces,smux >>"$tmp/snmpd.log" 2>&1 &
snmpd_pid=$!
agentx_up() { [[ -S $tmp/agentx.sock ]]; }
wait_for 30 "snmpd opens no AgentX socket" agentx_up
"$agent" -s "$tmp/cli-ro.sock" -x "unix:$tmp/agentx.sock" -d "$tmp/snmpstate" >>"$tmp/agent.log" 2>&1 &
agent_pid=$!
served() { [[ $(snmpget -v2c -c public -Oqv "127.0.0.1:$port" .1.3.6.1.2.1.2.1.0 2>/dev/null) == "$nports" ]]; }
wait_for 60 "the agent does not serve $nports ports" served

base_up() { [[ $(ip netns exec "$ns" snmpget -v2c -c public -Oqv "127.0.0.1:$port" .1.3.6.1.2.1.2.1.0 2>/dev/null) == $((nports + 1)) ]]; }
wait_for 60 "the baseline snmpd does not serve $nports veth interfaces" base_up

# walk TOOL [ip netns exec NS]: ms for the whole walk; the objects in $tmp/walk.
walk() {
	local tool=$1 t0 t1 opt=()
	shift
	[[ $tool == snmpbulkwalk ]] && opt=(-Cr"${SNMP_MAXREP:-50}")
	t0=$(date +%s%N)
	"$@" "$tool" -v2c -c public -On "${opt[@]}" "127.0.0.1:$port" .1.3.6.1.2.1.2 >"$tmp/walk"
	"$@" "$tool" -v2c -c public -On "${opt[@]}" "127.0.0.1:$port" .1.3.6.1.2.1.31.1.1 >>"$tmp/walk"
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
[[ -n ${SNMP_PERF:-} ]] && { perf record -q -g -o "$SNMP_PERF" -p "$agent_pid" 2>/dev/null & perf_pid=$!; sleep 1; }
# place CPUS: snmpd's and peerlan-snmp's threads on CPUS (a taskset list).
place() { taskset -a -p -c "$1" "$snmpd_pid" >/dev/null && taskset -a -p -c "$1" "$agent_pid" >/dev/null; }
all_cpus=$(taskset -p -c $$ | awk '{print $NF}')
configs=(peerlan-snmp)
[[ $pin != none ]] && configs+=("peerlan-snmp pinned to CPU $pin")
declare -A ms
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= runs; r++)); do
	for tool in snmpbulkwalk snmpwalk; do
		for c in "${configs[@]}"; do
			if [[ $c == *pinned* ]]; then place "$pin"; else place "$all_cpus"; fi
			t=$(walk $tool)
			n=$(wc -l <"$tmp/walk")
			ms[$c-$tool]+=" $t"
			echo "run $r $tool: $c, $n objects in $t ms"
		done
		tb=$(walk $tool ip netns exec "$ns")
		nb=$(wc -l <"$tmp/walk")
		ms[base-$tool]+=" $tb"
		echo "run $r $tool: snmpd's own, $nb objects in $tb ms"
	done
done
place "$all_cpus"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
for tool in snmpbulkwalk snmpwalk; do
	mb=$(median <<<"${ms[base-$tool]}")
	for c in "${configs[@]}"; do
		m=$(median <<<"${ms[$c-$tool]}")
		echo "median $tool: $c $m ms, snmpd's own $mb ms, ratio $(awk -v a="$m" -v b="$mb" 'BEGIN {printf "%.2f", a / b}')"
	done
done
# CPU time of each process over all runs (clock ticks of user + system).
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
echo "cpu ticks: snmpd $(cpu "$snmpd_pid"), peerlan-snmp $(cpu "$agent_pid"), peerlan-control $(cpu "$ctl_pid") (tick $(getconf CLK_TCK)/s)"
