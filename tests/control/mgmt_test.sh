#!/usr/bin/env bash
# The management section and the committed configuration, through the
# programs and the fake dataplane: a user of the CLI group cannot make
# control read a file for them (a configuration made of exports is read by
# peerlanctl, with the user's rights); a management change is refused while
# running and taken from the start file at a restart, so that a restart
# with a moved control socket reaches the dataplane; `config save` commits
# the running configuration after a start with --ignore-committed.
# Usage: mgmt_test.sh CONTROL CTL FAKE_DP SAMPLES
# SAMPLES is tests/unit/import. Needs jq, setpriv and the nobody user.
set -euo pipefail
command -v jq >/dev/null || { echo "jq is not installed: skipped"; exit 77; }
command -v setpriv >/dev/null || { echo "setpriv is not installed: skipped"; exit 77; }
[[ $(id -u) == 0 ]] || { echo "needs root to run a command as another user: skipped"; exit 77; }
nobody=$(id -u nobody 2>/dev/null) || { echo "no user nobody: skipped"; exit 77; }
nogroup=$(id -g nobody)
group=$(getent group "$nogroup" | cut -d: -f1)
[[ -n $group ]] || { echo "nobody's group has no name: skipped"; exit 77; }
[[ -n ${PL_TRACE:-} ]] && set -x

control=$1 ctl=$2 fakedp=$3 samples=$4
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

status() { pl --json show status | jq -r "$1"; }

# management SOCKET STATE: this test's management section, the CLI open to
# nobody's group, with the given control socket and state directory.
management() {
	management_yaml | sed -e "s|control-socket: .*|control-socket: $1|" \
		-e "s|state-dir: .*|state-dir: $2|"
	echo "  cli-group: $group"
}

config() { # config SOCKET STATE EXTRA_MEMBERS
	null_ports_yaml "$(management "$1" "$2")"
	echo "$3"
}

member2=$(member_yaml 2 Two)

config "$tmp/dp.sock" "$tmp/state" "" >"$tmp/peerlan.yaml"
config "$tmp/dp.sock" "$tmp/state" "$member2" >"$tmp/two.yaml"
config "$tmp/dp2.sock" "$tmp/state" "" >"$tmp/moved.yaml"
config "$tmp/dp.sock" "$tmp/state2" "$member2" >"$tmp/state2.yaml"

# nobody reaches the CLI socket through the test directory, and reads its
# own directory u/; secret.yaml is root's alone.
chmod 0711 "$tmp"
mkdir -m 0755 "$tmp/u"
printf 'secret-token-4711: [1]\n' >"$tmp/secret.yaml"
chmod 0600 "$tmp/secret.yaml"
cp "$samples/ixpmanager-vlans.yaml" "$samples/ixpmanager-layer2interfaces.yaml" "$tmp/u/"
# A map with this test's management section, and one with none at all.
sed '/^management:/,/^$/d' "$samples/ixpm-map.yaml" >"$tmp/u/nomgmt-map.yaml"
{ cat "$tmp/u/nomgmt-map.yaml"; echo; management "$tmp/dp.sock" "$tmp/state"; } >"$tmp/u/map.yaml"
imports() { # imports NAME MAP: a configuration made of the exports and MAP
	printf 'import:\n  format: ixp-manager\n  vlans: ixpmanager-vlans.yaml\n' >"$tmp/u/$1"
	printf '  interfaces: ixpmanager-layer2interfaces.yaml\n  map: %s\n' "$2" >>"$tmp/u/$1"
}
imports own.yaml map.yaml
imports secret.yaml "$tmp/secret.yaml"
imports nomgmt.yaml nomgmt-map.yaml
chmod 0644 "$tmp"/u/*
as_nobody() { setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups "$@"; }

echo "== start ($SECONDS s)"
start_beside_fake_dp
[[ $(stat -c %G "$tmp/cli.sock") == "$group" ]] || fail "the CLI socket is not group $group's"

echo "== the CLI group reads exports with its own rights ($SECONDS s)"
as_nobody "$ctl" -s "$tmp/cli.sock" config check "$tmp/u/own.yaml" >"$tmp/out" 2>&1 ||
	fail "nobody cannot check a configuration made of its own files: $(cat "$tmp/out")"
grep -q "configuration OK" "$tmp/out" || fail "check of readable exports: $(cat "$tmp/out")"
if as_nobody "$ctl" -s "$tmp/cli.sock" config check "$tmp/u/secret.yaml" >"$tmp/out" 2>&1; then
	fail "nobody checked a map only root may read"
fi
grep -qi "$tmp/secret.yaml: cannot open: permission denied" "$tmp/out" ||
	fail "no 'permission denied' for root's file: $(cat "$tmp/out")"
if grep -q "secret-token" "$tmp/out"; then fail "root's file reached nobody: $(cat "$tmp/out")"; fi
if as_nobody "$ctl" -s "$tmp/cli.sock" --json config diff "$tmp/u/secret.yaml" >"$tmp/out" 2>&1; then
	fail "nobody compared with a map only root may read"
fi
if grep -q "secret-token" "$tmp/out"; then fail "root's file in --json: $(cat "$tmp/out")"; fi
# An import map without management would reset it: refused, saying why.
if pl config check "$tmp/u/nomgmt.yaml" >"$tmp/out" 2>&1; then
	fail "an import map without management passed the check"
fi
grep -q "management.control-socket: /run/peerlan/dataplane.sock (the default) here" "$tmp/out" ||
	fail "management reset by an import map: $(cat "$tmp/out")"

echo "== a management change is refused while running ($SECONDS s)"
for f in moved state2; do
	for cmd in check apply; do
		if pl config "$cmd" "$tmp/$f.yaml" >"$tmp/out" 2>&1; then
			fail "config $cmd $f.yaml accepted a management change"
		fi
		grep -q "cannot change while peerlan runs" "$tmp/out" ||
			fail "config $cmd $f.yaml: $(cat "$tmp/out")"
	done
done
grep -q "management.state-dir: $tmp/state2 here, $tmp/state running" "$tmp/out" ||
	fail "state-dir not named: $(cat "$tmp/out")"
[[ $(status '.dataplane.generation') == 1 ]] || fail "a refused apply changed the dataplane"
[[ ! -e $tmp/state2 ]] || fail "a refused apply wrote to the new state directory"

echo "== a commit survives a restart with a moved control socket ($SECONDS s)"
pl config apply "$tmp/two.yaml" | grep -q "committed as generation 2" || fail "apply two.yaml"
[[ -f $tmp/state/committed.yaml ]] || fail "no commit in the state directory"
# The operator moves the socket in the start file and restarts both.
stop_pid "$ctl_pid"
stop_pid "$dp_pid"
cp "$tmp/moved.yaml" "$tmp/peerlan.yaml"
start_beside_fake_dp "$tmp/dp2.sock"
[[ $(status '.dataplane.socket') == "$tmp/dp2.sock" ]] || fail "control is not on the new socket"
pl show members | grep -q AS64502 || fail "the commit was lost over the restart"
[[ $(status '.dataplane.generation') == 2 ]] || fail "the commit was not pushed"

echo "== --ignore-committed, then config save ($SECONDS s)"
stop_pid "$ctl_pid"
"$control" --ignore-committed -c "$tmp/peerlan.yaml" 2>>"$tmp/ctl.log" &
ctl_pid=$!
wait_synced
if pl show members | grep -q AS64502; then fail "--ignore-committed ran the commit"; fi
pl config save >"$tmp/out" || fail "config save: $(cat "$tmp/out")"
grep -qx "saved the running configuration to $tmp/state/committed.yaml" "$tmp/out" ||
	fail "config save output: $(cat "$tmp/out")"
stop_pid "$ctl_pid"
start_control
wait_synced
if pl show members | grep -q AS64502; then fail "config save did not replace the commit"; fi
echo "all management tests passed"
