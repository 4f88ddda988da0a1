#!/usr/bin/env bash
# meson install into a scratch DESTDIR puts every deployment file where the
# prefix says, and the installed units run the installed programs.
#
#   test_install.sh BUILDDIR BINDIR UNITDIR -- PATH...
# PATH: every file that must be installed, absolute (prefix included).
set -euo pipefail

build=$1 bindir=$2 unitdir=$3
shift 4

dest=$(mktemp -d /tmp/peerlan-install-XXXXXX)
trap 'rm -rf -- "$dest"' EXIT

if ! meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >"$dest.log" 2>&1; then
	cat "$dest.log"
	rm -f "$dest.log"
	echo "FAIL: meson install"
	exit 1
fi
rm -f "$dest.log"

fail=0
for f in "$@"; do
	if [[ ! -f $dest$f ]]; then
		echo "FAIL: not installed: $f"
		fail=1
	fi
done
for prog in peerlan-dataplane peerlan-control; do
	if ! grep -q "^ExecStart=$bindir/$prog " "$dest$unitdir/$prog.service"; then
		echo "FAIL: $prog.service does not run $bindir/$prog"
		fail=1
	fi
done
if [[ ! -x $dest$bindir/peerlan-preflight ]]; then
	echo "FAIL: peerlan-preflight is not installed executable in $bindir"
	fail=1
fi
((fail == 0)) && echo "install: $# files in place"
exit "$fail"
