#!/usr/bin/env bash
# peerlan-dataplane --preflight: the same checks as peerlan-preflight, run on
# this machine's real /proc and /sys before the EAL takes anything. What the
# machine offers varies, so the test holds the report to its own rules: one
# finding per line, the configuration and the lcores judged, and an exit
# status of 1 exactly when some line is a FAIL. A port on a PCI address that
# cannot exist here must be a FAIL.
#
#   test_dataplane_preflight.sh PEERLAN-DATAPLANE
set -euo pipefail

prog=$1
dir=$(mktemp -d /tmp/peerlan-dp-preflight-XXXXXX)
trap 'rm -rf -- "$dir"' EXIT

cat >"$dir/ok.yaml" <<'YAML'
fabric: {name: t}
lans: [{name: peering, vlan: 100}]
ports: [{name: p1, device: net_null0, lans: [peering]}]
YAML
cat >"$dir/pci.yaml" <<'YAML'
fabric: {name: t}
lans: [{name: peering, vlan: 100}]
ports: [{name: p1, device: "0000:ff:1f.7", lans: [peering]}]
YAML

check() { # check CONFIG: runs the preflight, checks the report's shape and status
	local out status=0
	out=$("$prog" -l 0,1 -- -c "$1" --preflight) || status=$?
	printf '%s\n' "$out"
	if grep -vqE '^(OK|WARN|FAIL) +[a-z]+: ' <<<"$out"; then
		echo "FAIL: a line is not a finding" >&2
		exit 1
	fi
	grep -qE '^OK +config: ' <<<"$out" || { echo "FAIL: configuration not judged" >&2; exit 1; }
	grep -qE '^(OK|WARN|FAIL) +lcores: ' <<<"$out" || { echo "FAIL: lcores not judged" >&2; exit 1; }
	if grep -qE '^FAIL ' <<<"$out"; then want=1; else want=0; fi
	if [[ $status -ne $want ]]; then
		echo "FAIL: exit status $status, the report says $want" >&2
		exit 1
	fi
	last=$out
}

check "$dir/ok.yaml"
check "$dir/pci.yaml"
grep -qE '^FAIL +device: port p1: ' <<<"$last" || { echo "FAIL: missing PCI device not reported" >&2; exit 1; }
# An EAL lcore list that is not one is a usage error, not a report.
if "$prog" -l 0,x -- -c "$dir/ok.yaml" --preflight >/dev/null 2>&1; then
	echo "FAIL: a bad -l list passed" >&2
	exit 1
fi
echo "dataplane --preflight: report consistent with its exit status"
