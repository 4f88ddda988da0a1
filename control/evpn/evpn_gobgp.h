/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GoBGP's side of peerlan-evpn, as pure functions on text: what `gobgp -j
 * global rib -a evpn` and `gobgp -j neighbor` print, read with jansson, and
 * the argument vectors of `gobgp global rib -a evpn add|del ...`.
 *
 * A received type-2 route gives its MAC, its address if any, its VNI (the
 * label, which RFC 8365 makes the VNI) and its VTEP (the next hop); a
 * type-3 route its VTEP (the originating router's address) and VNI (the
 * PMSI tunnel label, else the Ethernet tag). Paths this speaker originated
 * are told apart (no neighbor-ip), so that the adapter can compare them
 * with what control wants announced.
 */
#ifndef PEERLAN_CONTROL_EVPN_GOBGP_H
#define PEERLAN_CONTROL_EVPN_GOBGP_H

#include <stdbool.h>
#include <stddef.h>

#include "fabric/evpn.h"

#define EVPN_RD_MAX 48

struct evpn_path {
	struct fab_evpn_route r;
	char rd[EVPN_RD_MAX]; /* as GoBGP prints it: ADMIN:ASSIGNED */
	bool local;           /* originated here, not received */
};

/*
 * Reads the RIB's JSON. Sets *out (the caller frees it) and *n; paths that
 * are not EVPN type 2 or 3, or that lack what peerlan needs, are skipped
 * and counted in *skipped. 0, -EBADMSG (not GoBGP's RIB JSON) or -ENOMEM.
 */
int evpn_gobgp_rib(const char *json, size_t len, struct evpn_path **out, size_t *n,
		   size_t *skipped);

/* Reads the neighbour list's JSON: how many sessions are established, and
 * which neighbours are configured (their addresses, host order, at most
 * max). 0 or -EBADMSG. */
int evpn_gobgp_neighbors(const char *json, size_t len, unsigned *established, uint32_t *addrs,
			 size_t max, size_t *naddrs);

/*
 * The words after `gobgp [-u HOST -p PORT]` that add (add) or withdraw one
 * of this node's routes with its RD and route target (fab_evpn_rd, _rt).
 * Pointers go into buf (the strings); returns the word count, or -ENOSPC.
 */
int evpn_gobgp_argv(const struct fab_evpn_route *r, const char *rd, uint32_t asn, bool add,
		    const char **argv, size_t max, char *buf, size_t buflen);

#endif
