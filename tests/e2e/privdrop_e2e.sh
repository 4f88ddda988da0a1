#!/usr/bin/env bash
# peerlan-dataplane --user: two member namespaces on veths, the dataplane
# on their host sides (net_af_packet, then net_af_xdp with the XDP
# pre-filter where the kernel has AF_XDP), started as root and switched to a
# throwaway system user. Checked: the process's user and groups, the exact
# capabilities each thread keeps (the main lcore: those the drivers need;
# every other thread: none), forwarding between the members, a SIGHUP
# reload as that user (and with it the pre-filter's map update), a clean
# stop; and that a user that does not exist stops the start.
# Usage: privdrop_e2e.sh DATAPLANE (as root)
set -euo pipefail

dataplane=$1
[[ $(id -u) == 0 ]] || { echo "needs root for users and network namespaces: skipped"; exit 77; }
for tool in useradd userdel ip ping tc ethtool clang capsh; do
	command -v $tool >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done

tmp=$(mktemp -d /tmp/pl-privdrop-XXXXXX)
chmod 0755 "$tmp"
id=plp$(printf '%04x' $(($$ % 65536)))
user=$id
dp_pid=

cleanup() {
	if [[ -n $dp_pid ]]; then
		kill "$dp_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$dp_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$dp_pid" 2>/dev/null || true
	fi
	for i in 1 2; do
		ip link del "${id}h$i" 2>/dev/null || true
		ip netns del "${id}m$i" 2>/dev/null || true
	done
	userdel "$user" 2>/dev/null || true
	rm -rf -- "$tmp" "/var/run/dpdk/$id"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

fail() {
	echo "FAIL: $*" >&2
	sed 's/^/  dp: /' "$tmp/dp.log" >&2 2>/dev/null || true
	exit 1
}

useradd --system --no-create-home --shell /usr/sbin/nologin "$user" ||
	{ echo "cannot create a system user: skipped"; exit 77; }

# shellcheck source=../../scripts/lab.sh
source "$(dirname "$0")/../../scripts/lab.sh"
LAB_DIR=$tmp lab_build_pad || { echo "cannot build the padding program: skipped"; exit 77; }
for i in 1 2; do
	ip netns add "${id}m$i"
	ip link add "${id}h$i" type veth peer name eth0 netns "${id}m$i"
	sysctl -qw "net.ipv4.conf.${id}h$i.arp_ignore=8" "net.ipv6.conf.${id}h$i.disable_ipv6=1"
	ip link set "${id}h$i" up
	ip -n "${id}m$i" link set eth0 address "02:00:00:00:00:0$i"
	ip -n "${id}m$i" addr add "192.0.2.$i/24" dev eth0
	ip netns exec "${id}m$i" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip -n "${id}m$i" link set eth0 up
	ip netns exec "${id}m$i" ethtool -K eth0 tx off sg off tso off gso off >/dev/null
	tc -n "${id}m$i" qdisc add dev eth0 clsact
	tc -n "${id}m$i" filter add dev eth0 egress bpf direct-action obj "$tmp/pad60.o" sec tc
done

write_config() { # write_config DRIVER NAME-OF-MEMBER-2
	local drv=$1 name2=$2 extra=
	[[ $drv == net_af_xdp ]] && extra=",start_queue=0,queue_count=1"
	cat >"$tmp/peerlan.yaml" <<YAML
fabric: {name: privdrop}
management:
  control-socket: $tmp/dp.sock
lans:
  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24}
ports:
  - {name: p1, device: "${drv}0,iface=${id}h1$extra", lans: [peering]}
  - {name: p2, device: "${drv}1,iface=${id}h2$extra", lans: [peering]}
members:
  - {asn: 64501, name: One, connections: [{port: p1, lans: [{lan: peering, macs: ["02:00:00:00:00:01"], ipv4: [192.0.2.1]}]}]}
  - {asn: 64502, name: $name2, connections: [{port: p2, lans: [{lan: peering, macs: ["02:00:00:00:00:02"], ipv4: [192.0.2.2]}]}]}
YAML
	chmod 0644 "$tmp/peerlan.yaml"
}

start() { # start USER
	: >"$tmp/dp.log"
	"$dataplane" --no-huge -m 512 --no-pci --file-prefix "$id" -l 0,1 --log-level='*:warning' \
		-- -c "$tmp/peerlan.yaml" --user "$1" >>"$tmp/dp.log" 2>&1 &
	dp_pid=$!
}

wait_log() { # wait_log TEXT
	for _ in $(seq 200); do
		grep -qF "$1" "$tmp/dp.log" && return 0
		kill -0 "$dp_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# The capability set of a task as capsh names it ("" for none).
caps_of() { capsh --decode="$(awk -v k="$2:" '$1 == k { print $2 }' "$1")" | sed 's/^0x[0-9a-f]*=//'; }

check_run() { # check_run DRIVER EXPECTED-CAPS
	local drv=$1 want=$2 uid task main_task=
	echo "== $drv: started as root, running as $user"
	write_config "$drv" Two
	start "$user"
	wait_log "running as user $user" || fail "$drv: the dataplane did not switch to $user"
	uid=$(id -u "$user")
	awk -v u="$uid" '$1 == "Uid:" || $1 == "Gid:" { if ($2 != $3 || $3 != $4 || $4 != $5) exit 1 }
		$1 == "Uid:" && $2 != u { exit 1 }' "/proc/$dp_pid/status" ||
		fail "$drv: ids: $(grep -E '^(Uid|Gid|Groups):' "/proc/$dp_pid/status")"
	[[ $(awk '$1 == "Groups:" { print $2 }' "/proc/$dp_pid/status") != 0 ]] ||
		fail "$drv: still in group root"
	for task in /proc/"$dp_pid"/task/*; do
		if [[ ${task##*/} == "$dp_pid" ]]; then
			main_task=$task
			[[ $(caps_of "$task/status" CapEff) == "$want" ]] ||
				fail "$drv: main lcore keeps '$(caps_of "$task/status" CapEff)', not '$want'"
			[[ $(caps_of "$task/status" CapPrm) == "$want" ]] ||
				fail "$drv: permitted '$(caps_of "$task/status" CapPrm)', not '$want'"
		else
			[[ $(awk '$1 == "CapEff:" || $1 == "CapPrm:" { print $2 }' "$task/status" | sort -u) == 0000000000000000 ]] ||
				fail "$drv: thread $(cat "$task/comm") keeps $(caps_of "$task/status" CapEff)"
		fi
	done
	[[ -n $main_task ]] || fail "$drv: no main thread"
	[[ $(caps_of "/proc/$dp_pid/status" CapAmb) == "" && $(caps_of "/proc/$dp_pid/status" CapInh) == "" ]] ||
		fail "$drv: ambient or inheritable capabilities left"
	echo "   uid $uid, main lcore: ${want:-none}, other threads: none"

	ip netns exec "${id}m1" ping -c 3 -W 2 192.0.2.2 >/dev/null || fail "$drv: m1 cannot reach m2"

	write_config "$drv" Renamed
	kill -HUP "$dp_pid"
	wait_log "configuration generation 2 applied" || fail "$drv: reload as $user failed"
	ip -n "${id}m1" neigh flush dev eth0
	ip netns exec "${id}m1" ping -c 2 -W 2 192.0.2.2 >/dev/null || fail "$drv: no forwarding after the reload"
	grep -qi "pre-filter left between\|cannot" "$tmp/dp.log" && fail "$drv: errors in the log"

	kill "$dp_pid"
	wait "$dp_pid" || fail "$drv: the dataplane exited with status $?"
	dp_pid=
	# Stopped as the user, it still took its XDP program off the interfaces.
	for i in 1 2; do
		if ip link show "${id}h$i" | grep -q " xdp"; then fail "$drv: an XDP program is left on ${id}h$i"; fi
	done
	echo "   forwards, reloads on SIGHUP and stops cleanly as $user"
}

check_run net_af_packet ""
if python3 -c 'import socket; socket.socket(44, socket.SOCK_RAW)' 2>/dev/null; then
	check_run net_af_xdp "cap_net_admin,cap_bpf"
else
	echo "== net_af_xdp: this kernel has no AF_XDP sockets: not checked"
fi

echo "== a user that does not exist stops the start"
write_config net_af_packet Two
start "no-such-user-$id"
if wait "$dp_pid"; then dp_pid= && fail "the dataplane ran without its user"; fi
dp_pid=
grep -q "cannot run as user no-such-user-$id: no such user" "$tmp/dp.log" || fail "no clear message"
echo "all privilege-drop tests passed"
