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

e2e_require tcpdump tcpreplay atk6-flood_router6 /usr/bin/python3
/usr/bin/python3 -c 'import scapy.all' 2>/dev/null || e2e_skip "python3-scapy is not installed"
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

# The drop counter holds every frame sent, but for those the port's device
# lost before the dataplane could read them (its AF_PACKET receive ring full
# under the 100,000-frame flood on a busy machine), which DPDK counts apart
# as imissed; none may be lost otherwise.
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

e2e_check "every honest BGP session is still Established" honest_established
sessions_since | sort >"$LAB_DIR/sessions-after"
e2e_check "no honest BGP session went down and came back during the attack" \
	same_since "$LAB_DIR/sessions-before" "$LAB_DIR/sessions-after"
e2e_check "$(honest_sessions | wc -l) honest session ends, as the plan has" \
	test "$(honest_sessions | wc -l)" -eq $((2 * ${#HONEST[@]} * (${#HONEST[@]} - 1)))
e2e_finish
