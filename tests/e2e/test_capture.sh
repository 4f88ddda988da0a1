#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Live capture as the NOC runs it: the lab's dataplane on hugepages (which
# the lab reserves and gives back) and, as the service runs it, switched to
# an unprivileged user (--user, a throwaway system user here);
# `peerlanctl capture port m1 filter "tcp port 179"` run by root runs
# Debian's dpdk-dumpcap as that user, its secondary process. The
# pcapng file holds m1's BGP packets in both directions, received and sent
# on m1's port, and nothing of the other members' sessions, which run on
# the same LAN meanwhile; no session flaps and m2's pings to m1 all come
# back while the capture runs.
source "$(dirname "$0")/common.sh"

e2e_require jq tshark dpdk-dumpcap useradd userdel
[[ ${LAB_FABRIC:-peerlan} == peerlan ]] || e2e_skip "capture is peerlan's, not a bridge's"
[[ -w /proc/sys/vm/nr_hugepages ]] || e2e_skip "this kernel offers no hugepages to reserve"
LAB_HUGEPAGES=1
LAB_USER=plcap$(printf '%04x' $(($$ % 65536)))
useradd --system --no-create-home --shell /usr/sbin/nologin "$LAB_USER" ||
	e2e_skip "cannot create a system user for the dataplane"
trap 'userdel "$LAB_USER"' EXIT
E2E_ON_END+=('userdel "$LAB_USER"')
e2e_lab_up 3
e2e_wait_converged

COUNT=30
M1_MAC=$(lab_mac m1)
export PEERLAN_CAPTURE_DIR=$LAB_DIR

sessions=$(e2e_sessions_since)
e2e_start_ping m2 "$(lab_ip4 m1)" 200
# Keepalives every LAB_BGP_KEEPALIVE s on each of m1's sessions (the route
# server and both other members, IPv4 and IPv6) give COUNT packets in a few
# seconds; timeout bounds it if they did not.
timeout -s INT -k 10 90 "$LAB_BUILD/control/peerlanctl" -s "$(lab_cli_sock)" \
	capture port m1 filter "tcp port 179" count "$COUNT" >"$LAB_DIR/capture.out" 2>&1
rc=$?
sed 's/^/# /' "$LAB_DIR/capture.out"
FILE=$(sed -n 's/^capture of port m1: \(.*\) ([0-9]* bytes, pcapng)$/\1/p' "$LAB_DIR/capture.out")

e2e_check "peerlanctl capture ended by itself after $COUNT packets" test "$rc" == 0
e2e_check "it said where the file is and how to open it" \
	grep -q "^open it with: tshark -r $FILE" "$LAB_DIR/capture.out"
e2e_check "the file is in PEERLAN_CAPTURE_DIR, readable by root only" \
	test "$(stat -c '%a %U' "$FILE" 2>&1)" == "600 root"
dataplane_user() { test "$(ps -o uid= -p "$(lab_pid dataplane)" | tr -d ' ')" == "$(id -u "$LAB_USER")"; }
e2e_check "the dataplane ran as $LAB_USER meanwhile" dataplane_user

# Each packet: source MAC, destination MAC, ports, pcapng direction (1 in,
# 2 out; tshark prints it in hex).
tshark -r "$FILE" -T fields -e eth.src -e eth.dst -e tcp.srcport -e tcp.dstport \
	-e frame.packet_flags_direction >"$LAB_DIR/capture.txt" 2>"$LAB_DIR/tshark.err"
# dpdk-dumpcap checks the count after each burst it takes from the ring, so
# the last burst can bring it a few past COUNT.
pcapng_of_count() {
	[[ $(head -c 4 "$FILE" | od -An -tx1 | tr -d ' ') == 0a0d0d0a ]] &&
		(($(wc -l <"$LAB_DIR/capture.txt") >= COUNT && $(wc -l <"$LAB_DIR/capture.txt") < COUNT + 32))
}
e2e_check "tshark reads it as pcapng, $COUNT packets or the few more of dumpcap's last burst" pcapng_of_count
all_bgp_of_m1() {
	awk -v m="$M1_MAC" '($1 != m && $2 != m) || ($3 != 179 && $4 != 179) { print "not m1'"'"'s BGP: " $0; bad = 1 }
		END { exit bad }' "$LAB_DIR/capture.txt"
}
e2e_check "every packet is BGP to or from m1's MAC (nothing of other members)" all_bgp_of_m1
e2e_check "m1's BGP packets as received on its port (from m1, inbound)" \
	awk -v m="$M1_MAC" '$1 == m && ($5 == "0x00000001" || $5 == "1") { n++ } END { exit !n }' "$LAB_DIR/capture.txt"
e2e_check "m1's BGP packets as sent on its port (to m1, outbound)" \
	awk -v m="$M1_MAC" '$2 == m && ($5 == "0x00000002" || $5 == "2") { n++ } END { exit !n }' "$LAB_DIR/capture.txt"
e2e_check "forwarding went on: m2's 200 pings to m1 all answered" e2e_ping_lost_nothing 1
e2e_check "no BGP session flapped during the capture" e2e_no_flap "$sessions" "$(e2e_sessions_since)"
# dumpcap's process leaving must not take the port with it.
e2e_pings_done
e2e_start_ping m2 "$(lab_ip4 m1)" 100
e2e_check "after the capture, m2's 100 pings to m1 all answered" e2e_ping_lost_nothing 1
m1_up() { lab_peerlanctl --json show port m1 | grep '"oper": "up"'; }
e2e_check "m1's port is up after the capture" m1_up
capture_logged() { lab_peerlanctl show events m1 | grep "capture requested by root (uid 0)"; }
e2e_check "the capture is in the event log with its user" capture_logged
e2e_finish
