#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A LAG negotiated with LACP against Open vSwitch's userspace datapath: a
# netdev bridge with a bond (lacp=active, balance-tcp, fast LACP) over two
# veths, in a namespace of its own, with its own database, sockets and pid
# files (never the system's service). Member 1's router is behind OVS.
#
#   m1 -- OVS br0 [bond0: b0 b1] == A0 A1 [peerlan LAG lag1] peerlan p2 -- m2
#
# Checked: LACP collecting and distributing on both ends of both links;
# traffic crosses; flows spread over both links in each direction; a link
# whose partner turns up with another system id leaves the bundle, with
# the reason in the log and in /peerlan/lag, and comes back when it is
# right again.
# Usage: lag_ovs_e2e.sh DATAPLANE (as root)
set -uo pipefail

dataplane=$(realpath "$1")
[[ $(id -u) == 0 ]] || { echo "needs root for network namespaces: skipped"; exit 77; }
for tool in ovs-vswitchd ovsdb-server ovs-vsctl ovsdb-tool ovs-appctl jq ip ping ethtool clang; do
	command -v $tool >/dev/null || { echo "$tool is not installed (scripts/setup.sh --test installs it): skipped"; exit 77; }
done
schema=/usr/share/openvswitch/vswitch.ovsschema
[[ -r $schema ]] || { echo "no $schema: skipped"; exit 77; }

id=lgo$(printf '%04x' $(($$ % 65536)))
tmp=$(mktemp -d "/tmp/$id.XXXX")
dp_pid=''
passed=0 failed=0
export OVS_RUNDIR=$tmp OVS_LOGDIR=$tmp OVS_DBDIR=$tmp

cleanup() {
	[[ -n $dp_pid ]] && kill "$dp_pid" 2>/dev/null
	for p in vswitchd ovsdb; do
		[[ -s $tmp/$p.pid ]] && kill "$(cat "$tmp/$p.pid")" 2>/dev/null
	done
	# Every child still running (pings, receivers): a wait for one left would hang.
	kill $(jobs -p) 2>/dev/null
	wait 2>/dev/null
	for k in 0 1; do ip link del "${id}a$k" 2>/dev/null; done
	ip link del "${id}c" 2>/dev/null
	for n in ov m1 m2; do ip netns del "$id$n" 2>/dev/null; done
	rm -rf "/var/run/dpdk/${id}d"
	if ((failed > 0)); then
		echo "# the dataplane's log:"; sed 's/^/#   /' "$tmp/dp.log"
		echo "# OVS's LACP:"; ovs-appctl -t "$tmp/vswitchd.ctl" lacp/show 2>&1 | sed 's/^/#   /'
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# shellcheck source=lag_lib.sh
source "$(dirname "$0")/lag_lib.sh"
metrics=off

# --- the lab
source "$(dirname "$0")/../../scripts/lab.sh"
LAB_DIR=$tmp lab_build_pad || { echo "cannot build the padding program: skipped"; exit 77; }
for n in ov m1 m2; do ip netns add "$id$n"; done
partner_links "${id}ov"
ip link add e0 netns "${id}ov" type veth peer name eth0 netns "${id}m1"
ip netns exec "${id}ov" sysctl -qw net.ipv6.conf.e0.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "${id}ov" link set e0 up
member_ns "${id}m1" eth0 02:00:00:00:00:01 192.0.2.1
ip link add "${id}c" type veth peer name eth0 netns "${id}m2"
sysctl -qw "net.ipv4.conf.${id}c.arp_ignore=8" "net.ipv6.conf.${id}c.disable_ipv6=1"
ip link set "${id}c" up
member_ns "${id}m2" eth0 02:00:00:00:00:02 192.0.2.2

config 1 >"$tmp/peerlan.yaml"
"$dataplane" --no-huge -m 512 --no-pci --file-prefix "${id}d" -l 0,1 --log-level='*:warning' \
	-- -c "$tmp/peerlan.yaml" >"$tmp/dp.log" 2>&1 &
dp_pid=$!

# Open vSwitch, all of it in the partner's namespace and the test's directory.
ovsdb-tool create "$tmp/conf.db" "$schema"
ip netns exec "${id}ov" ovsdb-server "$tmp/conf.db" --remote="punix:$tmp/db.sock" \
	--pidfile="$tmp/ovsdb.pid" --unixctl="$tmp/ovsdb.ctl" --log-file="$tmp/ovsdb.log" --detach ||
	{ echo "FAIL - ovsdb-server did not start"; exit 1; }
vsctl() { ovs-vsctl --db="unix:$tmp/db.sock" --timeout=30 "$@"; }
vsctl --no-wait init
ip netns exec "${id}ov" ovs-vswitchd "unix:$tmp/db.sock" --pidfile="$tmp/vswitchd.pid" \
	--unixctl="$tmp/vswitchd.ctl" --log-file="$tmp/vswitchd.log" --detach ||
	{ echo "FAIL - ovs-vswitchd did not start"; exit 1; }
appctl() { ovs-appctl -t "$tmp/vswitchd.ctl" "$@"; }
vsctl add-br br0 -- set bridge br0 datapath_type=netdev other_config:hwaddr=02:00:00:00:00:fd
vsctl add-bond br0 bond0 b0 b1 lacp=active bond_mode=balance-tcp \
	other_config:lacp-time=fast other_config:lacp-system-id=02:00:00:00:00:fe
vsctl add-port br0 e0

# --- LACP
check "peerlan: both links collecting and distributing within 60 s" wait_for 60 bundled 2
ovs_lacp_up() {
	local out
	out=$(appctl lacp/show bond0) || return 1
	grep -q "status: active negotiated" <<<"$out" &&
		(($(grep -c "actor state: activity timeout aggregation synchronized collecting distributing" <<<"$out") == 2)) &&
		(($(grep -c "partner state: activity aggregation synchronized collecting distributing" <<<"$out") == 2))
}
check "OVS: negotiated, actor and partner collecting and distributing on both links" wait_for 30 ovs_lacp_up
check "the partner's system is OVS's bond (02:00:00:00:00:fe) on both links" \
	test "$(lag .link0.partner_system) $(lag .link1.partner_system)" == "02:00:00:00:00:fe 02:00:00:00:00:fe"
check "member 1 behind the LAG reaches member 2" \
	wait_for 20 ip netns exec "${id}m1" ping -c 1 -W 1 192.0.2.2

# --- spread: 64 UDP flows each way
tx0=$(link_ctr 0 tx_packets) tx1=$(link_ctr 1 tx_packets)
rx0=$(link_ctr 0 rx_packets) rx1=$(link_ctr 1 rx_packets)
flows "${id}m2" 192.0.2.2 192.0.2.1
flows "${id}m1" 192.0.2.1 192.0.2.2
sleep 1
dtx0=$(($(link_ctr 0 tx_packets) - tx0)) dtx1=$(($(link_ctr 1 tx_packets) - tx1))
drx0=$(($(link_ctr 0 rx_packets) - rx0)) drx1=$(($(link_ctr 1 rx_packets) - rx1))
check "64 flows each way spread over both links by the hash" spread $dtx0 $dtx1 $drx0 $drx1

# --- another partner system on one link: that link leaves the bundle, saying why
vsctl del-port br0 bond0 \
	-- add-port br0 b0 -- set port b0 lacp=active other_config:lacp-time=fast \
	other_config:lacp-system-id=02:00:00:00:00:fe \
	-- add-port br0 b1 -- set port b1 lacp=active other_config:lacp-time=fast \
	other_config:lacp-system-id=02:00:00:00:99:99
one_out() {
	[[ $(lag .links_bundled) == 1 ]] &&
		{ lag .link0.why; lag .link1.why; } | grep -q "partner system or key differs from the bundle's"
}
check "a link whose partner has another system id is not aggregated, and says why" wait_for 30 one_out
check "the log says which link left and why" \
	grep -q "left the bundle: partner system or key differs" "$tmp/dp.log"
check "the partners: $(lag .link0.partner_system) and $(lag .link1.partner_system)" \
	test "$(lag .link0.partner_system)" != "$(lag .link1.partner_system)"
vsctl del-port br0 b0 -- del-port br0 b1 \
	-- add-bond br0 bond0 b0 b1 lacp=active bond_mode=balance-tcp \
	other_config:lacp-time=fast other_config:lacp-system-id=02:00:00:00:00:fe
check "one partner again: both links back in the bundle" wait_for 60 bundled 2
check "member 1 reaches member 2 again" wait_for 20 ip netns exec "${id}m1" ping -c 1 -W 1 192.0.2.2

echo "# $passed passed, $failed failed"
((failed == 0))
