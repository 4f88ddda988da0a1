#!/usr/bin/env bash
# Installs the Debian 12 packages peerlan needs to build and test, then
# configures the build directories. Idempotent: packages already installed
# are not touched, and an existing build directory is reused.
#
#   scripts/setup.sh            build dependencies and the release build
#   scripts/setup.sh --test     also what the tests use (scapy, tcpdump, ...)
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(
	meson ninja-build pkg-config gcc clang llvm clang-format
	libyaml-dev libjansson-dev libcmocka-dev libmicrohttpd-dev libedit-dev
	libcurl4-openssl-dev
	dpdk-dev dpdk libbpf-dev libxdp-dev libpcap-dev bpftool libcap-dev
	iproute2 procps
	libsnmp-dev # peerlan-snmp, the AgentX subagent
)
test_pkgs=(
	python3 python3-scapy tcpdump tshark bird2 thc-ipv6 tcpreplay valgrind jq
	iputils-ping ethtool systemd groff-base man-db
	prometheus curl pmacct python3-yaml
	openvswitch-switch # a LACP partner for the LAG tests (run in a test's own namespace)
	libcap2-bin passwd # capsh and useradd for the privilege-drop test
	libclang-rt-dev # libFuzzer and the sanitizer runtimes for tests/fuzz
	snmpd snmp mrtg smitools # tests/snmp: the master agent, the clients, MIB checks
	gobgpd frr # tests/evpn: the BGP speaker beside peerlan and an EVPN leaf
)

want=("${build_pkgs[@]}")
if [[ ${1:-} == --test ]]; then
	want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if ((${#missing[@]})); then
	if [[ $(id -u) -ne 0 ]]; then
		echo "setup: these Debian packages are missing: ${missing[*]}" >&2
		echo "setup: run as root, or install them with apt-get" >&2
		exit 1
	fi
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; the default (no) is right.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -f build/build.ninja ]]; then
	meson setup build --buildtype=debugoptimized >/dev/null
fi
