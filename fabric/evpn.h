/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BGP EVPN routes as the member database judges them (RFC 7432, 8365, 9161).
 *
 * BGP carries which VTEP announces which MAC in which VNI; the database
 * decides whether that VTEP may. A type-2 route is allowed only if the
 * database places its MAC (and its address, if it carries one) in the LAN
 * of its VNI behind the VTEP port whose remote is the route's next hop,
 * and that port follows EVPN. An allowed route makes its (LAN, MAC) active:
 * the compiled tables hold a member behind an EVPN VTEP port only while one
 * of its MACs is active (fab_evpn_filter). Everything else is refused.
 *
 * The other way, fab_evpn_local lists what this node announces: a type-2
 * route for each MAC of a member on one of its own ports, one more per
 * address (MAC+IP, for the other side's ARP/ND suppression), and a type-3
 * route per VNI for its VTEP.
 */
#ifndef PEERLAN_FABRIC_EVPN_H
#define PEERLAN_FABRIC_EVPN_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

enum fab_evpn_type {
	FAB_EVPN_MACIP = 2, /* MAC/IP advertisement */
	FAB_EVPN_IMET = 3,  /* inclusive multicast Ethernet tag: a VTEP in a VNI */
};

struct fab_evpn_route {
	uint8_t type;   /* enum fab_evpn_type */
	uint8_t family; /* type 2: 0 (MAC only), 4 or 6 */
	uint16_t evi;   /* this node's routes: the number of the RD (fab_evpn_rd); else 0 */
	uint32_t vni;
	uint32_t vtep;  /* the originating VTEP (next hop), host order */
	fab_mac_t mac;  /* type 2 */
	uint8_t ip[16]; /* IPv6, or IPv4 in the first 4 bytes (network order) */
};

/* What the database says about a received route: X(name, text). */
#define FAB_EVPN_VERDICTS(X)                                                 \
	X(OK, "allowed")                                                     \
	X(BAD, "malformed (type, VNI, MAC or address)")                      \
	X(OWN, "announces this node's own VTEP")                             \
	X(NO_VTEP, "next hop is no VTEP port with evpn")                     \
	X(NO_VNI, "VNI is no LAN of that VTEP port")                         \
	X(NOT_PLACED, "MAC is not placed behind that VTEP port in that LAN") \
	X(WRONG_IP, "address is not that member's in that LAN")

enum fab_evpn_verdict {
#define X(n, t) FAB_EVPN_##n,
	FAB_EVPN_VERDICTS(X)
#undef X
	    FAB_EVPN_VERDICT__MAX
};

const char *fab_evpn_verdict_name(enum fab_evpn_verdict v); /* "not-placed" */
const char *fab_evpn_verdict_text(enum fab_evpn_verdict v);

/* Who an allowed route speaks for. */
struct fab_evpn_place {
	uint16_t port; /* the VTEP port */
	uint16_t lan;
	uint32_t member;
};

/* Judges r against m; fills *at (may be NULL) for FAB_EVPN_OK. */
enum fab_evpn_verdict fab_evpn_check(const struct fab_model *m, const struct fab_evpn_route *r,
				     struct fab_evpn_place *at);

/* The key of an active (LAN, MAC): what fab_evpn_filter looks up. */
static inline uint64_t fab_evpn_key(uint16_t lan, fab_mac_t mac)
{
	return (uint64_t)lan << 48 | (mac & 0xffffffffffffULL);
}

/*
 * A copy of m in which every binding on a VTEP port with evpn keeps only
 * the MACs whose key is in active (sorted ascending, n keys); a binding
 * left with none goes, with its addresses, and so does a connection left
 * with no binding. NULL and errno on ENOMEM. The caller owns the result.
 */
struct fab_model *fab_evpn_filter(const struct fab_model *m, const uint64_t *active, size_t n);

/* Whether m has a VTEP port that follows EVPN. */
bool fab_evpn_any(const struct fab_model *m);

/*
 * This node's routes: writes at most max of them to out (NULL if max is 0)
 * and returns how many there are. None without an evpn section.
 */
size_t fab_evpn_local(const struct fab_model *m, struct fab_evpn_route *out, size_t max);

/* Route distinguisher ROUTER-ID:EVI (EVI: the LAN's position among those
 * with a VNI, from 1, as fab_evpn_local sets it) and route target ASN:VNI
 * (the ASN's low 16 bits above 65535, as FRR derives it), as text. */
void fab_evpn_rd(uint32_t router_id, uint16_t evi, char *buf, size_t len);
void fab_evpn_rt(uint32_t asn, uint32_t vni, char *buf, size_t len);

/* One route as a line of text ("type-2 vni 100 vtep 192.0.2.2 mac ... ip ..."). */
void fab_evpn_route_format(const struct fab_evpn_route *r, char *buf, size_t len);

#endif
