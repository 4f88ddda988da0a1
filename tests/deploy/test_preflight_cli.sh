#!/usr/bin/env bash
# peerlan-preflight as a program: its exit status (0 nothing failed, 1 a
# check failed, 2 usage), its one-line findings and --quiet, on a small fake
# tree of a single-node machine whose only port is a virtual device.
#
#   test_preflight_cli.sh PEERLAN-PREFLIGHT
set -euo pipefail

prog=$1
root=$(mktemp -d /tmp/peerlan-preflight-cli-XXXXXX)
trap 'rm -rf -- "$root"' EXIT

put() { # put PATH TEXT: a file of the fake tree
	mkdir -p "$(dirname "$root$1")"
	printf '%s\n' "$2" >"$root$1"
}
put /proc/cmdline "root=/dev/sda1 intel_iommu=on iommu=pt isolcpus=1-3 nohz_full=1-3"
put /proc/meminfo "Hugepagesize:    1048576 kB"
put /proc/mounts "hugetlbfs /dev/hugepages hugetlbfs rw,relatime 0 0"
put /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages 2
put /sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages 2
put /sys/devices/system/cpu/online 0-3
put /sys/devices/system/cpu/isolated 1-3
put /sys/devices/system/cpu/nohz_full 1-3
mkdir -p "$root/sys/kernel/iommu_groups/1" "$root/sys/module/vfio_pci"
cat >"$root/peerlan.yaml" <<'YAML'
fabric:
  name: t
lans:
  - name: peering
    vlan: 100
ports:
  - name: p1
    device: net_null0
    lans: [peering]
YAML

fail=0
expect() { # expect STATUS WHAT ARGS...: runs the program, checks its status
	local want=$1 what=$2 got=0
	shift 2
	"$prog" --root "$root" "$@" >"$root/out" 2>"$root/err" || got=$?
	if [[ $got != "$want" ]]; then
		echo "FAIL: $what: exit status $got, want $want"
		cat "$root/out" "$root/err"
		fail=1
	fi
}

expect 0 "ready machine" -c "$root/peerlan.yaml" -l 0-3
if grep -Evq '^(OK  |WARN|FAIL) [a-z]+: ' "$root/out"; then
	echo "FAIL: a line that is not a finding:"
	grep -Ev '^(OK  |WARN|FAIL) [a-z]+: ' "$root/out"
	fail=1
fi
grep -q '^OK   device: port p1: virtual device net_null0' "$root/out" || {
	echo "FAIL: the port was not checked"
	fail=1
}

expect 0 "warnings only" -c "$root/peerlan.yaml"
grep -q '^WARN lcores: no lcore list given' "$root/out" || {
	echo "FAIL: no warning about the missing lcore list"
	fail=1
}
expect 0 "--quiet" -q -c "$root/peerlan.yaml"
if grep -q '^OK' "$root/out" || ! grep -q '^WARN' "$root/out"; then
	echo "FAIL: --quiet should print the warnings and nothing else"
	fail=1
fi

put /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages 0
expect 1 "no hugepages" -c "$root/peerlan.yaml" -l 0-3
grep -q '^FAIL hugepages: machine: no hugepages reserved.*; fix: dpdk-hugepages.py' "$root/out" || {
	echo "FAIL: no hugepages finding with its fix"
	fail=1
}
put /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages 2

printf 'fabric: {name: t}\nlans: [{name: x, vlan: 9999}]\n' >"$root/bad.yaml"
expect 1 "invalid configuration" -c "$root/bad.yaml" -l 0-3
grep -q "^FAIL config: $root/bad.yaml:2:" "$root/out" || {
	echo "FAIL: the configuration error is not reported with its line"
	fail=1
}

expect 2 "bad lcore list" -l 3-1
expect 2 "unknown option" --frobnicate
expect 2 "stray argument" extra
expect 0 "--help" --help

((fail == 0)) && echo "peerlan-preflight: OK"
exit "$fail"
