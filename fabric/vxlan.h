/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VXLAN (RFC 7348) over an IPv4 underlay: the outer headers of a frame to a
 * remote VTEP, and the checks of one received from the underlay. The
 * pipeline (pipeline.c) calls these for a frame whose owner is a remote
 * VTEP and for every frame of the underlay port; they read and write bytes
 * only, with no system call, lock or allocation.
 */
#ifndef PEERLAN_FABRIC_VXLAN_H
#define PEERLAN_FABRIC_VXLAN_H

#include <stdint.h>

#include "model.h"
#include "proto.h"

/* What the outer headers of one encapsulated frame say. */
struct fab_vxlan_outer {
	fab_mac_t src_mac; /* this node's VTEP */
	fab_mac_t dst_mac; /* the next hop */
	uint32_t src_ip;   /* host order */
	uint32_t dst_ip;
	uint32_t vni;
	uint16_t sport;
};

/*
 * Writes the FAB_VXLAN_OUTER_LEN bytes of outer Ethernet, IPv4 (no options,
 * DF set, TTL 64, checksum filled in), UDP (checksum 0, as RFC 7348 allows
 * over IPv4) and VXLAN headers at hdr, for an inner frame of inner_len
 * bytes that follows them.
 */
void fab_vxlan_write(uint8_t *hdr, const struct fab_vxlan_outer *o, uint16_t inner_len);

/*
 * The UDP source port of an inner frame of len bytes (RFC 7348 section 5):
 * a hash of its addresses and, for IPv4 and IPv6, its IP addresses, in
 * 49152..65535, so that one flow keeps one path through the underlay and
 * different flows spread over its equal-cost paths.
 */
uint16_t fab_vxlan_sport(const uint8_t *inner, uint32_t len);

/* The one's-complement checksum of an IPv4 header of len bytes, as its field wants it. */
uint16_t fab_ip4_csum(const uint8_t *ip, uint32_t len);

/* What fab_vxlan_classify found in a frame received on the underlay port. */
enum fab_vxlan_rx {
	FAB_VXLAN_RX_DECAP, /* VXLAN to this VTEP: the fab_vxlan_in says from where */
	FAB_VXLAN_RX_ARP,   /* an ARP request for this VTEP's address: answer it */
	FAB_VXLAN_RX_DROP,  /* drop under reason */
};

struct fab_vxlan_in {
	uint32_t vni;
	uint32_t src_ip;    /* the sending VTEP, host order */
	uint16_t inner_len; /* the inner frame's, after the outer headers, by the IP length */
	uint16_t reason;    /* FAB_VXLAN_RX_DROP: enum fab_drop_reason */
};

/*
 * Classifies a frame of len bytes at d received on the underlay port of the
 * VTEP at vtep_ip with vtep_mac: VXLAN over IPv4 to vtep_ip on UDP 4789
 * with the I flag set, whole outer headers without options or fragments, a
 * valid header checksum and at least an inner Ethernet header (DECAP); an
 * ARP request for vtep_ip (ARP); anything else is a drop, under runt,
 * vxlan_malformed for VXLAN that breaks those rules and underlay_other for
 * the rest. Fills in what *in says for its outcome.
 */
enum fab_vxlan_rx fab_vxlan_classify(const uint8_t *d, uint32_t len, uint32_t vtep_ip,
				     fab_mac_t vtep_mac, struct fab_vxlan_in *in);

#endif
