/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EVPN message (FAB_WIRE_EVPN) between peerlan-evpn and peerlan-control.
 *
 * The request carries the whole state, never a change: the flags (is a BGP
 * session established) and every EVPN route the speaker holds from others.
 * A restarted adapter or control is therefore in step after one message.
 * The reply carries what this node announces: its EVPN settings and routes.
 *
 * A route is a fixed record of FAB_WIRE_EVPN_REC bytes: type (2 or 3),
 * family (0, 4, 6), EVI (u16), VNI (u32), VTEP (u32), MAC (6 bytes), two
 * zero bytes, address (16 bytes, IPv4 in the first four, the rest zero).
 * The decoders refuse a record that breaks any of this, and say which.
 */
#ifndef PEERLAN_FABRIC_WIRE_EVPN_H
#define PEERLAN_FABRIC_WIRE_EVPN_H

#include "evpn.h"
#include "wire.h"

#define FAB_WIRE_EVPN_REC        36
#define FAB_WIRE_EVPN_ROUTES_MAX 100000 /* 3.6 MB, under FAB_WIRE_PAYLOAD_MAX */
#define FAB_WIRE_EVPN_UP         0x01   /* a BGP session is established */
#define FAB_WIRE_EVPN_FLAGS      FAB_WIRE_EVPN_UP

struct fab_wire_evpn_routes {
	uint8_t flags;
	uint32_t n;
	const uint8_t *recs; /* n records inside the payload */
	uint32_t bad;        /* on -EBADMSG from a record: its index */
};

int fab_wire_evpn_routes_encode(struct fab_wire_buf *b, uint32_t id, uint8_t flags,
				const struct fab_evpn_route *r, size_t n);
int fab_wire_evpn_routes_decode(const uint8_t *p, size_t len, struct fab_wire_evpn_routes *m);

/* The reply. */
struct fab_wire_evpn_local {
	uint32_t asn; /* 0: EVPN is off in the running configuration */
	uint32_t router_id;
	uint32_t neighbor_asn;
	uint32_t vtep;
	uint8_t nneighbors;
	uint32_t neighbors[FAB_EVPN_NEIGHBORS_MAX];
	uint32_t n;
	const uint8_t *recs;
	uint32_t bad;
};

int fab_wire_evpn_local_encode(struct fab_wire_buf *b, const struct fab_wire_hdr *req,
			       const struct fab_wire_evpn_local *m, const struct fab_evpn_route *r,
			       size_t n);
int fab_wire_evpn_local_decode(const uint8_t *p, size_t len, struct fab_wire_evpn_local *m);

/* Record i of a decoded list (i < n). */
void fab_wire_evpn_rec(const uint8_t *recs, uint32_t i, struct fab_evpn_route *r);

#endif
