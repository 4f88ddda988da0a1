/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Builds test frames byte by byte: Ethernet with or without an 802.1Q tag,
 * ARP, IPv4, IPv6 with extension headers, ICMPv6 neighbour discovery. The
 * checksums are computed here independently of the pipeline, so a test can
 * verify what the pipeline builds.
 */
#ifndef PEERLAN_TESTS_FRAMES_H
#define PEERLAN_TESTS_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "fabric/model.h"
#include "fabric/pipeline.h"

#define FR_HEADROOM 128

struct fr {
	uint8_t buf[FR_HEADROOM + 9400];
	uint16_t len;    /* bytes written after the headroom */
	uint16_t ip_off; /* where the last IPv6 header starts, for the checksum */
	uint16_t l4_off; /* where the ICMPv6 message starts */
	struct fab_frame f;
};

/* Starts a frame; vid 0 means untagged. */
void fr_eth(struct fr *fr, fab_mac_t dst, fab_mac_t src, uint16_t vid, uint16_t etype);
void fr_u8(struct fr *fr, uint8_t v);
void fr_u16(struct fr *fr, uint16_t v);
void fr_u32(struct fr *fr, uint32_t v);
void fr_mac(struct fr *fr, fab_mac_t mac);
void fr_zero(struct fr *fr, size_t n);
/* Pads to the Ethernet minimum and returns the frame, with FR_HEADROOM of headroom. */
struct fab_frame *fr_done(struct fr *fr);
/* The same without padding, for runts and exact lengths. */
struct fab_frame *fr_raw(struct fr *fr);

void fr_arp(struct fr *fr, uint16_t op, fab_mac_t sha, const char *spa, fab_mac_t tha,
	    const char *tpa);
/* An IPv4 header for l4len bytes of payload, which the caller appends. */
void fr_ipv4(struct fr *fr, uint8_t proto, const char *src, const char *dst, size_t l4len);
/* An IPv6 header for plen bytes of payload, which the caller appends. */
void fr_ipv6(struct fr *fr, uint8_t nh, const char *src, const char *dst, uint8_t hop, size_t plen);
/* An 8-byte hop-by-hop, destination-options or routing header. */
void fr_ext(struct fr *fr, uint8_t nh);
void fr_frag(struct fr *fr, uint8_t nh, uint16_t offset);
/* Starts an ICMPv6 message (type, code, zero checksum); fr_icmp6_sum fills the checksum. */
void fr_icmp6(struct fr *fr, uint8_t type);
void fr_icmp6_sum(struct fr *fr);

/* Whole frames, padded. */
struct fab_frame *fr_arp_frame(struct fr *fr, fab_mac_t dst, fab_mac_t src, uint16_t vid,
			       uint16_t op, const char *spa, const char *tpa);
struct fab_frame *fr_ip4_frame(struct fr *fr, fab_mac_t dst, fab_mac_t src, uint16_t vid,
			       uint8_t proto, const char *sip, const char *dip, size_t l4len);
struct fab_frame *fr_udp4_frame(struct fr *fr, fab_mac_t dst, fab_mac_t src, uint16_t vid,
				const char *sip, const char *dip, uint16_t sport, uint16_t dport);
struct fab_frame *fr_ip6_frame(struct fr *fr, fab_mac_t dst, fab_mac_t src, uint16_t vid,
			       uint8_t nh, const char *sip, const char *dip, size_t plen);
/*
 * Neighbour solicitation for target. dip NULL means target's solicited-node
 * group and dst 0 its 33:33 MAC; lla 0 leaves out the link-layer option.
 */
struct fab_frame *fr_ns(struct fr *fr, fab_mac_t dst, fab_mac_t src, uint16_t vid, const char *sip,
			const char *dip, const char *target, fab_mac_t lla);
struct fab_frame *fr_na(struct fr *fr, fab_mac_t dst, fab_mac_t src, uint16_t vid, const char *sip,
			const char *dip, const char *target, uint8_t flags, fab_mac_t lla);

/* Reads of what the pipeline wrote. */
uint16_t fr_rd16(const uint8_t *p);
uint32_t fr_rd32(const uint8_t *p);
fab_mac_t fr_rd_mac(const uint8_t *p);
/* 0 if the ICMPv6 message right after the IPv6 header at ip has a valid checksum. */
uint16_t fr_icmp6_check(const uint8_t *ip);

#endif
