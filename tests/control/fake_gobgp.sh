#!/usr/bin/env bash
# gobgp as peerlan-evpn runs it (-u HOST -p PORT, then the words), for the
# EVPN control test: every call is appended to $FAKE_GOBGP_DIR/calls, and
# the JSON queries print the files the test writes there. A missing file
# is a speaker that does not answer (exit 1). neighbors-after-rib.json, if
# there, becomes neighbors.json once the RIB has been read.
set -euo pipefail
shift 4
echo "$*" >>"$FAKE_GOBGP_DIR/calls"
answer() { [[ -f $FAKE_GOBGP_DIR/$1 ]] || exit 1; cat "$FAKE_GOBGP_DIR/$1"; }
case "$*" in
"-j neighbor") answer neighbors.json ;;
"-j global rib -a evpn")
	answer rib.json
	# A session that drops while the RIB is read (and empties it, as gobgpd's does).
	if [[ -f $FAKE_GOBGP_DIR/neighbors-after-rib.json ]]; then
		mv "$FAKE_GOBGP_DIR/neighbors-after-rib.json" "$FAKE_GOBGP_DIR/neighbors.json"
	fi
	;;
"-j global") answer global.json ;;
*) [[ -f $FAKE_GOBGP_DIR/neighbors.json ]] || exit 1 ;;
esac
