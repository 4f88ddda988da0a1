#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The lab's own command leaves nothing behind and touches nothing outside its
# namespaces: `scripts/lab.sh demo` passes and removes all it made; a lab
# that is `up` has host-side veths without addresses, IPv6 or ARP answers,
# and members with no route out of the lab; `down` removes every namespace,
# veth, process and file; a lab interrupted while being built is removed
# too.
source "$(dirname "$0")/common.sh"

e2e_require
LAB_SH=$LAB_ROOT/scripts/lab.sh
LOG=$(mktemp)
ids=()
# Whatever the checks found, no lab of this test outlives it.
cleanup() {
	local i
	for i in "${ids[@]}"; do
		[[ -d $LAB_RUN/peerlan-lab-$i ]] && lab_cmd down --id "$i" >/dev/null 2>&1
	done
	rm -f "$LOG"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

lab_cmd() {
	LAB_BUILD=$LAB_BUILD "$LAB_SH" "$@" --no-setup --fabric "$LAB_FABRIC" --port-type "$LAB_PORT_TYPE"
}

# The lab command with its output in LOG, shown if it fails.
lab_logged() {
	lab_cmd "$@" >"$LOG" 2>&1 || {
		cat "$LOG"
		return 1
	}
}

# The id the lab command announced in its log.
logged_id() {
	sed -n 's/^lab: building lab \(pl[0-9a-f]\{4\}\) .*/\1/p' "$LOG" | head -n 1
}

# Nothing named after lab $1 is left: namespaces, links, state, DPDK's
# runtime directory, and none of the processes listed in $2.
nothing_left() {
	local id=$1 procs=$2 bad=0 pid st
	[[ $id =~ ^pl[0-9a-f]{4}$ ]] || { echo "no lab id ('$id')" && return 1; }
	ip netns list | grep "^$id-" && bad=1
	ip -o link show | grep ": $id-" && bad=1
	[[ -e $LAB_RUN/peerlan-lab-$id ]] && echo "$LAB_RUN/peerlan-lab-$id is left" && bad=1
	[[ -e /var/run/dpdk/$id ]] && echo "/var/run/dpdk/$id is left" && bad=1
	while read -r pid st; do
		[[ -n $pid ]] && lab_alive "$pid" "$st" &&
			echo "process $pid is left: $(tr '\0' ' ' <"/proc/$pid/cmdline")" && bad=1
	done <<<"$procs"
	return $bad
}

# Every recorded "pid starttime" of lab $1.
recorded_pids() {
	cat "$LAB_RUN/peerlan-lab-$1"/pid/* 2>/dev/null
}

# 1. The demo.
e2e_check "scripts/lab.sh demo succeeds" lab_logged demo --members 2
id=$(logged_id)
ids+=("$id")
e2e_check "the demo removed everything it made" nothing_left "$id" ""

# 2. up, look, down.
e2e_check "scripts/lab.sh up succeeds" lab_logged up --members 2
id=$(logged_id)
ids+=("$id")
procs=$(recorded_pids "$id")

# up prints the ports as peerlanctl shows them, every one up, and how to
# attach the CLI; and it recorded peerlan-control among its processes.
up_shows_ports() {
	local sock=$LAB_RUN/peerlan-lab-$id/cli.sock node
	grep -qF "\$ peerlanctl -s $sock show ports" "$LOG" || {
		echo "no 'peerlanctl -s $sock show ports' in the output"
		return 1
	}
	for node in rs m1 m2; do
		grep -qE "^$node +up +up " "$LOG" || {
			echo "port $node is not shown admin up, oper up"
			return 1
		}
	done
	grep -qF "peerlanctl -s $sock" <(grep -A30 "== attach" "$LOG") || {
		echo "the attach section does not name peerlanctl"
		return 1
	}
	[[ -s $LAB_RUN/peerlan-lab-$id/pid/control ]] || {
		echo "peerlan-control was not recorded"
		return 1
	}
}
e2e_check "up shows peerlanctl show ports, every port up, and how to attach the CLI" up_shows_ports

host_side_inert() {
	local node hif bad=0
	lab_load "$id" || return 1
	for node in "${LAB_NODES[@]}"; do
		hif=$(lab_hostif "$node")
		[[ $(sysctl -n "net.ipv4.conf.$hif.arp_ignore") == 8 ]] || { echo "$hif: arp_ignore is not 8" && bad=1; }
		[[ $(sysctl -n "net.ipv6.conf.$hif.disable_ipv6") == 1 ]] || { echo "$hif: IPv6 is on" && bad=1; }
		[[ -z $(ip -o addr show dev "$hif") ]] || { echo "$hif has addresses: $(ip -o addr show dev "$hif")" && bad=1; }
	done
	return $bad
}

no_way_out() {
	local node bad=0
	lab_load "$id" || return 1
	for node in "${LAB_NODES[@]}"; do
		[[ -z $(lab_in "$node" ip -4 route show default) && -z $(lab_in "$node" ip -6 route show default) ]] ||
			{ echo "$node has a default route" && bad=1; }
		lab_in "$node" ip -4 route get 203.0.113.1 >/dev/null 2>&1 &&
			{ echo "$node has a route to 203.0.113.1" && bad=1; }
	done
	return $bad
}

if [[ $LAB_FABRIC == peerlan ]]; then
	e2e_check "every host-side veth has no address, no IPv6 and answers no ARP" host_side_inert
fi
e2e_check "no member has a route out of the lab" no_way_out
e2e_check "the running lab has recorded its processes" test -n "$procs"
e2e_check "scripts/lab.sh down --id $id succeeds" lab_cmd down --id "$id"
e2e_check "down removed every namespace, veth, process and file of the lab" nothing_left "$id" "$procs"

# 3. Interrupted while it builds. The command itself runs in the
# background, not a function's subshell, so that the signal reaches it.
LAB_BUILD=$LAB_BUILD "$LAB_SH" up --no-setup --fabric "$LAB_FABRIC" \
	--port-type "$LAB_PORT_TYPE" >"$LOG" 2>&1 &
up_pid=$!
for ((i = 0; i < 100; i++)); do
	id=$(logged_id)
	[[ -n $id ]] && ip netns list | grep -q "^$id-" && break
	sleep 0.1
done
ids+=("$id")
kill -TERM "$up_pid"
wait "$up_pid"
rc=$?
e2e_check "an interrupted up exits with failure (status $rc)" test "$rc" -ne 0
e2e_check "an interrupted up removed what it had made" nothing_left "$id" ""
e2e_finish
