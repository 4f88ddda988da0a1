#!/usr/bin/env bash
# The systemd units, the sysusers.d and the tmpfiles.d files, checked by
# systemd's own tools:
# - systemd-analyze verify on both units, with their programs and man pages
#   found (verify needs every ExecStart binary to exist, so the units are
#   copied with the install bindir replaced by a directory of links to the
#   built programs);
# - systemd-analyze security: the control unit stays well hardened;
# - systemd-sysusers and systemd-tmpfiles on a scratch root: the peerlan user
#   and group exist and own the runtime and state directories.
#
#   test_units.sh BINDIR UNIT... -- MANPAGE... -- SYSUSERS TMPFILES -- PROGRAM...
# PROGRAM is a built program's path, or NAME=missing for one not built here.
set -euo pipefail

for tool in systemd-analyze systemd-sysusers systemd-tmpfiles; do
	if ! command -v "$tool" >/dev/null; then
		echo "skip: $tool not found (Debian package systemd)"
		exit 77
	fi
done

bindir=$1
shift
units=()
while [[ $1 != -- ]]; do units+=("$1"); shift; done
shift
pages=()
while [[ $1 != -- ]]; do pages+=("$1"); shift; done
shift
sysusers=$1 tmpfiles=$2
shift 3
programs=("$@")

tmp=$(mktemp -d /tmp/peerlan-units-XXXXXX)
trap 'rm -rf -- "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/man/man5" "$tmp/man/man8" "$tmp/root/etc"

for p in "${programs[@]}"; do
	if [[ $p == *=missing ]]; then
		# Not built in this configuration: the unit's syntax is still checked.
		echo "note: ${p%=missing} is not built here; its ExecStart points at /bin/true"
		ln -s /bin/true "$tmp/bin/${p%=missing}"
	else
		ln -s "$p" "$tmp/bin/$(basename "$p")"
	fi
done
for page in "${pages[@]}"; do
	ln -s "$page" "$tmp/man/man${page##*.}/$(basename "$page")"
done
copies=()
for u in "${units[@]}"; do
	sed "s|$bindir/|$tmp/bin/|g" "$u" >"$tmp/$(basename "$u")"
	copies+=("$tmp/$(basename "$u")")
done

fail=0
echo "== systemd-analyze verify"
# verify prints warnings (unknown keys, bad values) but still exits 0: any
# output at all is a failure.
if ! out=$(cd "$tmp" && MANPATH="$tmp/man" systemd-analyze verify "${copies[@]}" 2>&1); then
	echo "$out"
	echo "FAIL: systemd-analyze verify"
	fail=1
elif [[ -n $out ]]; then
	echo "$out"
	echo "FAIL: systemd-analyze verify printed warnings"
	fail=1
fi

echo "== systemd-analyze security"
# The control process needs no privilege: an exposure over 2.0 means its
# hardening was lost. The dataplane's exposure is printed for the record:
# DPDK needs devices and capabilities (its unit says why for each option it
# leaves out).
for c in "${copies[@]}"; do
	name=$(basename "$c")
	threshold=100
	[[ $name == peerlan-control.service || $name == peerlan-snmp.service ||
		$name == peerlan-evpn.service ]] && threshold=20
	if ! systemd-analyze security --offline=yes --threshold=$threshold "$c" >"$tmp/security" 2>&1; then
		tail -n 3 "$tmp/security"
		echo "FAIL: $name: exposure over $threshold/10"
		fail=1
	fi
	grep -h 'Overall exposure' "$tmp/security" || true
done

echo "== sysusers.d and tmpfiles.d on a scratch root"
systemd-sysusers --root="$tmp/root" "$sysusers" >/dev/null 2>&1
line=$(grep '^peerlan:' "$tmp/root/etc/passwd" || true)
IFS=: read -r _ _ uid gid _ home shell <<<"$line"
if [[ -z $line || $shell != /usr/sbin/nologin || $home != /var/lib/peerlan ]]; then
	echo "FAIL: no system user peerlan with a nologin shell: '$line'"
	fail=1
fi
if ! grep -q "^peerlan:x:$gid:" "$tmp/root/etc/group"; then
	echo "FAIL: no group peerlan with gid $gid"
	fail=1
fi
systemd-tmpfiles --root="$tmp/root" --create "$tmpfiles"
for want in "run/peerlan 770" "var/lib/peerlan 750"; do
	read -r dir mode <<<"$want"
	got=$(stat -c '%a %u %g' "$tmp/root/$dir" 2>/dev/null || echo missing)
	if [[ $got != "$mode $uid $gid" ]]; then
		echo "FAIL: /$dir is '$got', want '$mode $uid $gid'"
		fail=1
	fi
done

if ((fail)); then
	exit 1
fi
echo "units, sysusers.d and tmpfiles.d: OK"
