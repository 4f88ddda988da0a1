#!/usr/bin/env bash
# gobgp as peerlan-evpn runs it (-u HOST -p PORT, then the words), for the
# EVPN control test: every call is appended to $FAKE_GOBGP_DIR/calls, and
# the JSON queries print the files the test writes there. A missing file
# is a speaker that does not answer (exit 1).
set -euo pipefail
shift 4
echo "$*" >>"$FAKE_GOBGP_DIR/calls"
answer() { [[ -f $FAKE_GOBGP_DIR/$1 ]] || exit 1; cat "$FAKE_GOBGP_DIR/$1"; }
case "$*" in
"-j neighbor") answer neighbors.json ;;
"-j global rib -a evpn") answer rib.json ;;
"-j global") answer global.json ;;
*) [[ -f $FAKE_GOBGP_DIR/neighbors.json ]] || exit 1 ;;
esac
