#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A hostile member: member m4 of a four-member lab sends every attack vector
# of docs/attacks.md from its own port (tests/e2e/attack.py, run in its
# namespace), while the route server and members m1..m3 capture everything
# they receive and keep their BGP sessions. For each vector: no frame of it
# in any honest member's capture, and the attacker port's drop counter for
# the vector's reason rose by exactly what was sent. At the end every BGP
# session between honest nodes is still Established, none having flapped.
#
# ATK_VECTORS="name ..." runs only those vectors (names in attack.py).
source "$(dirname "$0")/common.sh"

e2e_require tcpdump tcpreplay atk6-flood_router6 jq /usr/bin/python3
/usr/bin/python3 -c 'import scapy.all, yaml' 2>/dev/null ||
	e2e_skip "python3-scapy or python3-yaml is not installed"
# Two spare ports, m5 and m6, become the attacker's second (looped) port and
# its trunk port for the last vectors.
LAB_SPARE=2
e2e_lab_up 4
e2e_wait_converged

ATTACKER="m4"
HONEST=(rs m1 m2 m3)
HERE=$(cd "$(dirname "$0")" && pwd)

# BGP sessions between honest nodes, "node protocol state"; the attacker's
# own sessions may fall when it is cut off, and are not asked about.
honest_sessions() {
	lab_bgp_sessions | awk -v a="$ATTACKER" '$1 != a && $2 !~ "^" a "_"'
}

# Every honest session is Established and has been since before the attack:
# bird's "since" column would move if one had flapped.
sessions_since() {
	local n
	for n in "${HONEST[@]}"; do
		lab_birdc "$n" show protocols 2>/dev/null |
			awk -v n="$n" -v a="$ATTACKER" '$2 == "BGP" && $1 !~ "^" a "_" { print n, $1, $4, $5, $6 }'
	done
}

# The two lists of sessions_since name the same sessions, each up since the
# same moment; bird prints it to the millisecond and rounds it differently
# from one call to the next, so a second's difference is allowed.
same_since() {
	awk 'function secs(t, a) { split(t, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
		NR == FNR { since[$1 " " $2] = secs($4); next }
		{ k = $1 " " $2
		  if (!(k in since)) { print k, "is new"; bad = 1 }
		  else if (secs($4) - since[k] > 1 || since[k] - secs($4) > 1) { print k, "up since", $4, "now"; bad = 1 }
		  delete since[k] }
		END { for (k in since) { print k, "is gone"; bad = 1 } exit bad }' "$1" "$2"
}

honest_established() {
	local bad
	bad=$(honest_sessions | awk '$3 != "Established"')
	[[ -z $bad ]] || {
		echo "$bad"
		return 1
	}
}

# Honest members resolve each other afresh and reach each other; run
# during the ARP and ND storms.
cat >"$LAB_DIR/probe.sh" <<EOF
fails=0
for pair in "m1 m2" "m2 m3" "m3 m1" "rs m1"; do
	set -- \$pair
	ns=$LAB_ID-\$1
	i=\$(echo \$2 | sed 's/^m//; s/^rs\$/254/')
	ip -n \$ns neigh flush dev ixp0
	ip netns exec \$ns ping -n -q -c 1 -W 2 192.0.2.\$i >/dev/null || fails=\$((fails + 1))
	ip netns exec \$ns ping -n -q -c 1 -W 2 2001:db8:100::\$i >/dev/null || fails=\$((fails + 1))
done
exit \$((fails > 0))
EOF

# The giants must reach the fabric: the attacker's interface and the veth
# under it take larger frames than the LAN's MTU of 1500.
lab_in "$ATTACKER" ip link set ixp0 mtu 2000
ip link set "$(lab_hostif "$ATTACKER")" mtu 2000

e2e_check "tcpdump listens on every honest node" e2e_start_captures "" "${HONEST[@]}" || e2e_finish
sessions_since | sort >"$LAB_DIR/sessions-before"

t0=$SECONDS
# shellcheck disable=SC2086 # ATK_VECTORS is a list of names
ip netns exec "$(lab_ns "$ATTACKER")" env \
	ATK_MAC="$(lab_mac "$ATTACKER")" ATK_IP4="$(lab_ip4 "$ATTACKER")" ATK_IP6="$(lab_ip6 "$ATTACKER")" \
	VICTIM_MAC="$(lab_mac m1)" VICTIM_IP4="$(lab_ip4 m1)" VICTIM_IP6="$(lab_ip6 m1)" \
	VICTIM2_MAC="$(lab_mac m2)" VICTIM2_IP4="$(lab_ip4 m2)" \
	BLACKHOLE_IP4="$LAB_BH4" \
	ATK_PCAP="$LAB_DIR/flood.pcap" ATK_PROBE="$LAB_DIR/probe.sh" \
	/usr/bin/python3 "$HERE/attack.py" "$(lab_telemetry_sock)" "$LAB_DIR/results" "$ATTACKER" \
	${ATK_VECTORS:-} | tee "$LAB_DIR/attack.log"
echo "# every vector sent in $((SECONDS - t0)) s"
sleep 1
names=()
for n in "${HONEST[@]}"; do
	names+=("capture-$n")
done
lab_stop "${names[@]}"

# Frames in an honest node's capture that match a vector's filter.
leaked() {
	local filter=$1 n c total=0 out=""
	for n in "${HONEST[@]}"; do
		c=$(tcpdump -nn -r "$LAB_DIR/capture-$n.pcap" "$filter" 2>/dev/null | wc -l)
		total=$((total + c))
		((c == 0)) || out+="$n:$c "
	done
	echo "${out:-none}"
	return $((total > 0))
}

# The drop counter holds every frame sent, but for those the port lost
# before the dataplane could read them (its AF_PACKET receive ring full
# under the 100,000-frame flood on a busy machine), which the port counts
# apart as rx_missed; none may be lost otherwise.
check_vector() {
	local sent=$1 rise=$2 missed=$3 err=$4 filter=$5 where
	[[ $err == - ]] || {
		echo "the sender failed: $err"
		return 1
	}
	((sent > 0)) || {
		echo "nothing was sent"
		return 1
	}
	((rise + missed == sent)) || {
		echo "sent $sent, the drop counter rose by $rise, the device missed $missed"
		return 1
	}
	where=$(leaked "$filter") || {
		echo "leaked to $where"
		return 1
	}
}

[[ -s $LAB_DIR/results ]] || e2e_check "the attacker sent its vectors" false
while IFS='|' read -r name sent reasons rise missed rx other filter err; do
	e2e_check "$name: $sent sent, ${reasons//,/+} +$rise, none captured by an honest node" \
		check_vector "$sent" "$rise" "$missed" "$err" "$filter"
	[[ $other == - ]] || echo "# $name: other drops on the attacker's port: $other (rx +$rx)"
done <"$LAB_DIR/results"

# --- the attacker's other ports: a trunk, and a loop between two of them ---
# The spare ports' veths move into the attacker's namespace (ixp1 on port
# m5, ixp2 on port m6), and a configuration applied live gives the attacker
# port m5 (its second MAC, violation action shutdown) and port m6 as a trunk
# of the peering LAN (its third MAC).
if [[ -z ${ATK_VECTORS:-} || " $ATK_VECTORS " == *" two_port "* ]]; then
	ans=$(lab_ns "$ATTACKER")
	for pair in "m5 ixp1" "m6 ixp2"; do
		set -- $pair
		ip -n "$(lab_ns "$1")" link set ixp0 down
		ip -n "$(lab_ns "$1")" addr flush dev ixp0
		ip -n "$(lab_ns "$1")" link set ixp0 name "$2"
		ip -n "$(lab_ns "$1")" link set "$2" netns "$ans"
		# Nothing of the attacker's own kernel on these ports (no MLD, no
		# router solicitation): only the vectors' frames are counted.
		ip netns exec "$ans" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
		ip -n "$ans" link set "$2" up
	done
	MAC2=02:70:6c:00:00:45 MAC3=02:70:6c:00:00:46
	ip -n "$ans" link set ixp1 address "$MAC2"
	ip -n "$ans" link set ixp2 address "$MAC3"
	/usr/bin/python3 - "$LAB_DIR/peerlan.yaml" "$LAB_DIR/two-port.yaml" "$ATTACKER" "$MAC2" "$MAC3" <<'PY'
import sys, yaml
src, dst, atk, mac2, mac3 = sys.argv[1:]
c = yaml.safe_load(open(src))
# YAML 1.1 reads "off" as false; peerlan's loader wants the word.
if c["management"].get("metrics") is False:
    c["management"]["metrics"] = "off"
for p in c["ports"]:
    if p["name"] == "m5":
        p["violation"] = "shutdown"
    if p["name"] == "m6":
        p["mode"] = "trunk"
m = [m for m in c["members"] if any(x["port"] == atk for x in m["connections"])][0]
# The sponge made quick enough for a test: 10 queries at over 30 a minute
# (with flood protection, one source's queries count three times a second).
c.setdefault("policy", {})["sponge"] = {"queue-depth": 10, "rate": 30, "probes": 2,
                                        "probe-interval": 300, "learning": 1}
m["connections"] += [{"port": "m5", "lans": [{"lan": "peering", "macs": [mac2],
                                              "ipv4": ["192.0.2.45"]}]},
                     {"port": "m6", "lans": [{"lan": "peering", "macs": [mac3]}]}]
yaml.safe_dump(c, open(dst, "w"), sort_keys=False)
PY
	e2e_check "the attacker's second port and trunk are applied live" \
		lab_peerlanctl config apply "$LAB_DIR/two-port.yaml"

	# drops PORT REASON: the port's drop counter for one reason.
	drops() { lab_peerlanctl --json show port "$1" | jq -r ".drops.$2 // 0"; }
	# The trunk, three times 20 frames to m1 (UDP to port 10, 11, 12): tagged
	# with the peering VLAN (forwarded: the trunk works), tagged with VLAN
	# 200 (not on the trunk) and untagged.
	e2e_start_captures "udp and (port 10 or port 11 or port 12)" "${HONEST[@]}" || e2e_finish
	na0=$(drops m6 vlan_not_allowed) nu0=$(drops m6 vlan_untagged_on_trunk)
	ip netns exec "$ans" /usr/bin/python3 - "$MAC3" "$(lab_mac m1)" "$(lab_ip4 m1)" <<'PY'
import sys
from scapy.all import Dot1Q, Ether, IP, UDP, Raw, sendp, conf
conf.verb = 0
src, dst, ip = sys.argv[1:]
# Padded to the Ethernet minimum without a tag: the lab's padding program
# stayed with the interface's old namespace.
base = lambda port: IP(src="192.0.2.77", dst=ip) / UDP(sport=port, dport=port) / Raw(b"peerlan-attack".ljust(18, b"\0"))
sendp([Ether(src=src, dst=dst) / Dot1Q(vlan=100) / base(10)] * 20, iface="ixp2")
sendp([Ether(src=src, dst=dst) / Dot1Q(vlan=200) / base(11)] * 20, iface="ixp2")
sendp([Ether(src=src, dst=dst) / base(12)] * 20, iface="ixp2")
PY
	sleep 1
	lab_stop "${names[@]}"
	count_port() { tcpdump -nn -r "$LAB_DIR/capture-$1.pcap" "udp port $2" 2>/dev/null | wc -l; }
	e2e_check "trunk: 20 frames tagged with the peering VLAN reach m1 untagged" \
		test "$(count_port m1 10)" -eq 20
	# rose_by PORT REASON BEFORE N: the reason's counter rose by exactly N.
	rose_by() {
		local now
		now=$(drops "$1" "$2")
		(($(drops "$1" "$2") - $3 == $4)) && return 0
		echo "$2 on $1 rose by $((now - $3)), not $4; the port's drops now:"
		lab_peerlanctl --json show port "$1" | jq -c '.drops | with_entries(select(.value > 0))'
		return 1
	}
	trunk_wrong_tag() { rose_by m6 vlan_not_allowed "$na0" 20 && [[ $(leaked "udp port 11") == none ]]; }
	trunk_untagged() { rose_by m6 vlan_untagged_on_trunk "$nu0" 20 && [[ $(leaked "udp port 12") == none ]]; }
	e2e_check "trunk: 20 frames with a wrong tag, vlan_not_allowed +20, none captured" trunk_wrong_tag
	e2e_check "trunk: 20 untagged frames, vlan_untagged_on_trunk +20, none captured" trunk_untagged

	# The loop: the attacker bridges its two ports while the honest members
	# resolve each other and the attacker afresh. The fabric never floods, so
	# no frame can circle; what the bridge sends back in on m5 carries other
	# members' source MACs, which is a violation: m5 is err-disabled.
	e2e_start_captures "arp or (icmp6 and ip6[40] == 135)" "${HONEST[@]}" || e2e_finish
	sv0=$(drops m5 src_mac_violation)
	ip -n "$ans" link add br0 type bridge stp_state 0
	ip -n "$ans" link set ixp0 master br0
	ip -n "$ans" link set ixp1 master br0
	ip -n "$ans" link set br0 up
	loop_probe() {
		bash "$LAB_DIR/probe.sh" || return 1
		for n in "${HONEST[@]}"; do
			lab_in "$n" ip neigh flush dev ixp0 to "$(lab_ip4 "$ATTACKER")"
			lab_in "$n" ping -n -q -c 2 -W 1 "$(lab_ip4 "$ATTACKER")" >/dev/null || true
		done
	}
	e2e_check "honest members resolve each other while the attacker loops two ports" loop_probe
	errdisabled() {
		local i
		for i in $(seq 50); do
			[[ $(lab_peerlanctl --json show port m5 | jq -r .oper) == err-disabled ]] && return 0
			sleep 0.2
		done
		lab_peerlanctl show port m5
		return 1
	}
	e2e_check "loop: the looped frames are violations on m5, which is err-disabled" errdisabled
	sleep 1
	lab_stop "${names[@]}"
	looped=$(($(drops m5 src_mac_violation) - sv0))
	echo "# loop: m5's drops: $(lab_peerlanctl --json show port m5 | jq -c '.drops | with_entries(select(.value > 0))')"
	e2e_check "loop: m5 dropped the looped frames as src_mac_violation ($looped) until it was err-disabled" \
		test "$looped" -gt 0
	# A loop shows as an honest node receiving its own frames back.
	no_echo() {
		local n c bad=0
		for n in "${HONEST[@]}"; do
			c=$(tcpdump -nn -r "$LAB_DIR/capture-$n.pcap" "ether src $(lab_mac "$n")" 2>/dev/null | wc -l)
			((c == 0)) || { echo "$n received $c of its own frames back" && bad=1; }
		done
		return $bad
	}
	e2e_check "loop: no honest node received its own frames back" no_echo
	ip -n "$ans" link del br0
	e2e_check "port m5 no shutdown clears the err-disable" lab_peerlanctl port m5 no shutdown

	# A storm towards a dead address: 192.0.2.45 is the attacker's, on port
	# m5, whose side answers nothing. The attacker asks for it 1,000 times a
	# second for 8 s while the honest members resolve each other. The
	# sponge must find it dead and answer for it; no request for it reaches
	# an honest node, and no live address is sponged.
	e2e_start_captures "arp and arp[24:4] == 0xc000022d" "${HONEST[@]}" || e2e_finish
	answered() { lab_peerlanctl --json show port "$ATTACKER" | jq -r .counters.answered; }
	an0=$(answered)
	ip netns exec "$ans" /usr/bin/python3 - "$(lab_mac "$ATTACKER")" "$(lab_ip4 "$ATTACKER")" \
		"$LAB_DIR/probe.sh" <<'PY' && storm_ok=1 || storm_ok=0
import subprocess, sys, time
from scapy.all import ARP, Ether, conf
import socket
conf.verb = 0
mac, ip, probe = sys.argv[1:]
f = bytes(Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=mac, psrc=ip, pdst="192.0.2.45"))
f = f.ljust(60, b"\0")
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ixp0", 0))
p = subprocess.Popen(["bash", probe])
t0 = time.monotonic()
for i in range(8000):
    s.send(f)
    if i % 100 == 99:
        ahead = (i + 1) / 1000 - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
sys.exit(p.wait())
PY
	state45() { lab_peerlanctl --json show neighbors ipv4 | jq -r '.neighbors[] | select(.address == "192.0.2.45") | .state'; }
	e2e_check "dead-address storm: 8,000 requests sent; honest members resolved each other during it" \
		test "$storm_ok" = 1
	is_dead45() {
		for _ in $(seq 30); do
			[[ $(state45) == dead ]] && return 0
			sleep 0.2
		done
		lab_peerlanctl show sponge
		return 1
	}
	e2e_check "dead-address storm: 192.0.2.45 is sponged (dead)" is_dead45
	sleep 1
	lab_stop "${names[@]}"
	e2e_check "dead-address storm: the fabric answered for it ($(($(answered) - an0)) answers)" \
		test "$(($(answered) - an0))" -gt 0
	e2e_check "dead-address storm: no request for it captured by an honest node" \
		test "$(leaked "arp and arp[24:4] == 0xc000022d")" = none
	live_alive() {
		local n a st bad=0
		for n in "${HONEST[@]}"; do
			a=$(lab_ip4 "$n")
			st=$(lab_peerlanctl --json show neighbors ipv4 | jq -r --arg a "$a" '.neighbors[] | select(.address == $a) | .state')
			[[ $st == alive ]] || { echo "$n's $a is $st" && bad=1; }
		done
		return $bad
	}
	e2e_check "dead-address storm: every honest address is still alive" live_alive
fi

e2e_check "every honest BGP session is still Established" honest_established
sessions_since | sort >"$LAB_DIR/sessions-after"
e2e_check "no honest BGP session went down and came back during the attack" \
	same_since "$LAB_DIR/sessions-before" "$LAB_DIR/sessions-after"
e2e_check "$(honest_sessions | wc -l) honest session ends, as the plan has" \
	test "$(honest_sessions | wc -l)" -eq $((2 * ${#HONEST[@]} * (${#HONEST[@]} - 1)))
if [[ $LAB_FABRIC == peerlan ]]; then
	e2e_check "every punted copy delivered to control or counted under its reason" \
		e2e_punts_close
fi
e2e_finish
