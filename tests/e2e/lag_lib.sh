# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Shared by the LAG tests (lag_testpmd_e2e.sh, lag_ovs_e2e.sh): assertions,
# waiting, a member's namespace, the fabric's configuration, the dataplane's
# telemetry and flows to spread. The caller sets id (names), tmp (its
# directory) and metrics (ADDRESS:PORT or off) and counts passed and failed.

check() { # check WHAT COMMAND...
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "ok - $what"; passed=$((passed + 1)); [[ -n $out ]] && sed 's/^/#   /' <<<"$out"
		return 0
	fi
	echo "FAIL - $what"; sed 's/^/    /' <<<"$out"; failed=$((failed + 1))
	return 1
}
wait_for() { # wait_for SECONDS COMMAND...
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < end)) || return 1
		sleep 0.2
	done
}

partner_links() { # partner_links NS: the LAG's two links, ${id}a0/a1 here, b0/b1 in NS
	local k
	for k in 0 1; do
		ip link add "${id}a$k" type veth peer name "b$k" netns "$1"
		sysctl -qw "net.ipv4.conf.${id}a$k.arp_ignore=8" "net.ipv6.conf.${id}a$k.disable_ipv6=1"
		ip link set "${id}a$k" up
		ip netns exec "$1" sysctl -qw "net.ipv6.conf.b$k.disable_ipv6=1"
		ip -n "$1" link set "b$k" up
	done
}
member_ns() { # member_ns NS IF MAC IP
	ip -n "$1" link set "$2" address "$3"
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	ip -n "$1" addr add "$4/24" dev "$2"
	ip -n "$1" link set "$2" up
	ip -n "$1" link set lo up
	ip netns exec "$1" ethtool -K "$2" tx off sg off tso off gso off >/dev/null
	tc -n "$1" qdisc add dev "$2" clsact
	tc -n "$1" filter add dev "$2" egress bpf direct-action obj "$tmp/pad60.o" sec tc
}

config() { # config MIN_LINKS [LINKS]
	local links=${2:-"\"net_af_packet10,iface=${id}a0\", \"net_af_packet11,iface=${id}a1\""}
	cat <<YAML
fabric: {name: lag-e2e}
management: {control-socket: $tmp/dp.sock, cli-socket: $tmp/cli.sock,
             cli-readonly-socket: $tmp/cli-ro.sock, state-dir: $tmp/state, metrics: "$metrics"}
lans:
  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24}
ports:
  - name: lag1
    lag:
      links: [$links]
      lacp: active
      rate: fast
      min-links: $1
      hash: l34
    lans: [peering]
  - {name: p2, device: "net_af_packet12,iface=${id}c", lans: [peering]}
members:
  - asn: 64501
    name: M1
    connections:
      - {port: lag1, lans: [{lan: peering, macs: ["02:00:00:00:00:01"], ipv4: [192.0.2.1]}]}
  - asn: 64502
    name: M2
    connections:
      - {port: p2, lans: [{lan: peering, macs: ["02:00:00:00:00:02"], ipv4: [192.0.2.2]}]}
YAML
}

tel() { # tel COMMAND: the dataplane's telemetry answer, as JSON
	/usr/bin/python3 - "/var/run/dpdk/${id}d/dpdk_telemetry.v2" "$1" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.recv(16384)
s.send(sys.argv[2].encode())
print(json.dumps(json.loads(s.recv(1 << 20))))
PY
}
lag() { tel /peerlan/lag,lag1 | jq -r ".[\"/peerlan/lag\"]$1"; }
bundled() { [[ $(lag .links_bundled) == "$1" ]]; }
link_ctr() { lag ".link$1.$2"; }

flows() { # flows NS SRC DST
	ip netns exec "$1" /usr/bin/python3 - "$2" "$3" <<'PY'
import socket, sys
for port in range(40000, 40064):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], port))
    for _ in range(5):
        s.sendto(b"x" * 64, (sys.argv[2], 9))
    s.close()
PY
}

spread() {
	echo "peerlan sent $1 + $2 frames on the two links, received $3 + $4"
	# Each link carries a share; a partner's slow path may lose a few first frames.
	(($1 >= 32 && $2 >= 32 && $1 + $2 >= 160 && $3 >= 32 && $4 >= 32 && $3 + $4 >= 160))
}
