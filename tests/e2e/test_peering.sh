#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Members peer through peerlan: every BGP session, IPv4 and IPv6, to the
# route server and bilateral, comes up and carries the routes it should;
# every member's kernel routes each other member's prefix to that member's
# LAN address; and every pair of nodes reaches each other, on the LAN and
# between announced prefixes.
source "$(dirname "$0")/common.sh"

e2e_require
e2e_lab_up 4
e2e_wait_converged

# Each member's kernel has a route to every other member's prefix via that
# member's own LAN address (the route server passes next hops on unchanged).
check_fib() {
	local a b got bad=0
	for a in $(lab_members); do
		for b in $(lab_members); do
			[[ $a == "$b" ]] && continue
			got=$(lab_in "$a" ip -4 route show "$(lab_pfx4 "$b")")
			[[ $got == *"via $(lab_ip4 "$b") dev ixp0"*"proto bird"* ]] ||
				{ echo "$a: route to $(lab_pfx4 "$b"): '${got:-none}'" && bad=1; }
			got=$(lab_in "$a" ip -6 route show "$(lab_pfx6 "$b")")
			[[ $got == *"via $(lab_ip6 "$b") dev ixp0"*"proto bird"* ]] ||
				{ echo "$a: route to $(lab_pfx6 "$b"): '${got:-none}'" && bad=1; }
		done
	done
	return $bad
}
e2e_check "every member routes every other member's prefixes to that member's LAN address" check_fib
e2e_check "IPv4 and IPv6 reachability between every pair, on the LAN and between prefixes" \
	lab_check_reachability
e2e_finish
