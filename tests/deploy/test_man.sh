#!/usr/bin/env bash
# The man pages render without a single groff warning, and man(1) shows each
# with its NAME section.
#
#   test_man.sh PAGE...
set -euo pipefail

if ! command -v groff >/dev/null || ! command -v man >/dev/null; then
	echo "skip: groff or man not found (Debian packages groff-base, man-db)"
	exit 77
fi

fail=0
for page in "$@"; do
	name=$(basename "$page")
	warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	if [[ -n $warnings ]]; then
		echo "$warnings"
		echo "FAIL: $name: groff warnings"
		fail=1
	fi
	title=${name%.*}
	shown=$(MANWIDTH=80 man -l "$page" 2>/dev/null || true)
	if ! grep -q "^NAME" <<<"$shown"; then
		echo "FAIL: $name: man -l shows no NAME section"
		fail=1
	elif ! grep -Eq "^ +$title +- " <<<"$shown"; then
		echo "FAIL: $name: the NAME section does not start with '$title - '"
		fail=1
	fi
done
((fail == 0)) && echo "man pages: OK"
exit "$fail"
