#!/usr/bin/env bash
# Checks that every copy the dataplane punted is accounted for, from the
# --stats-json file it wrote on exit: per port,
#   punted = punt_delivered + punt_policed + punt_no_buffer + punt_ring_full
#            + punt_no_control + punt_socket_busy + punt_disconnected
# and, when RECEIVED is given (the copies control received over the
# dataplane's whole life), that the ports delivered exactly that many.
# Prints the totals; exits 1 with what is off.
# Usage: punts_close.sh STATS_JSON [RECEIVED]
set -euo pipefail

stats=$1 received=${2:-}
jq -e '.ports | length > 0' "$stats" >/dev/null || { echo "no ports in $stats"; exit 1; }
off=$(jq -r '.ports | to_entries[] | .key as $p | .value |
	select(.punted != .punt_delivered + .punt_policed + .punt_no_buffer + .punt_ring_full +
	       .punt_no_control + .punt_socket_busy + .punt_disconnected) |
	"\($p): punted \(.punted), delivered \(.punt_delivered), policed \(.punt_policed), " +
	"no buffer \(.punt_no_buffer), ring full \(.punt_ring_full), " +
	"no control \(.punt_no_control), socket busy \(.punt_socket_busy), " +
	"disconnected \(.punt_disconnected)"' "$stats")
if [[ -n $off ]]; then
	echo "punted copies do not add up:"
	echo "$off"
	exit 1
fi
jq -r '[.ports[]] | "punted \(map(.punted) | add), delivered \(map(.punt_delivered) | add), " +
	"lost \(map(.punt_dropped) | add)"' "$stats"
if [[ -n $received ]]; then
	delivered=$(jq '[.ports[].punt_delivered] | add' "$stats")
	if ((delivered != received)); then
		echo "the dataplane delivered $delivered copies, control received $received"
		exit 1
	fi
fi
