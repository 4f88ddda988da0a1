/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (Ethernet/IPv4) and IPv6 neighbour solicitations and advertisements
 * on the wire: the one place that knows how they are laid out. The pipeline
 * turns a request into its answer with these builders; the control
 * process's sponge reads the frames the dataplane punts and builds its
 * probes, announcements and corrections with them, so an answer looks the
 * same whichever side of the fabric sent it.
 *
 * The offsets and flags themselves are named in proto.h. Nothing here
 * allocates or blocks: the pipeline calls the builders per frame.
 */
#ifndef PEERLAN_FABRIC_NEIGH_H
#define PEERLAN_FABRIC_NEIGH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "proto.h"

/* In a message's lla: no link-layer address option. No MAC is this wide. */
#define FAB_ND_NO_LLA UINT64_MAX

/* An NS or NA with a link-layer address option: what the fabric answers with. */
#define FAB_ND_LLA_MSG_LEN (FAB_ND_MSG_LEN + FAB_ND_OPT_LLA_LEN)

/* The longest frame the builders write: tagged Ethernet, IPv6, an ND message with its option. */
#define FAB_NEIGH_FRAME_MAX (FAB_ETH_HLEN + FAB_VLAN_HLEN + FAB_IPV6_HLEN + FAB_ND_LLA_MSG_LEN)

/* An Ethernet header as the builders write it and the parser reads it. */
struct fab_eth_hdr {
	fab_mac_t dst, src;
	bool tagged; /* one 802.1Q tag, PCP 0, with vid */
	uint16_t vid;
};

/* An ARP message, Ethernet/IPv4 only; addresses as on the wire. */
struct fab_arp_msg {
	uint16_t op; /* FAB_ARP_OP_REQUEST or FAB_ARP_OP_REPLY */
	fab_mac_t sha, tha;
	uint8_t spa[FAB_IPV4_ADDR_LEN], tpa[FAB_IPV4_ADDR_LEN];
};

/*
 * A neighbour solicitation or advertisement with its IPv6 header. lla is
 * the one link-layer address option it carries, source for an NS and target
 * for an NA, or FAB_ND_NO_LLA.
 */
struct fab_nd_msg {
	uint8_t type;  /* FAB_ICMP6_NS or FAB_ICMP6_NA */
	uint8_t flags; /* an NA's FAB_ND_NA_* bits; 0 for an NS */
	uint8_t src[FAB_IPV6_ADDR_LEN], dst[FAB_IPV6_ADDR_LEN], target[FAB_IPV6_ADDR_LEN];
	fab_mac_t lla;
};

/* ARP: the 28 bytes at a. Reading checks that a is Ethernet/IPv4 ARP, a request or a reply. */
void fab_arp_write(uint8_t *a, const struct fab_arp_msg *m);
int fab_arp_read(const uint8_t *a, size_t len, struct fab_arp_msg *m); /* 0 or -EBADMSG */

/*
 * Turns the whole, checked ARP request at a into the reply of owner to its
 * sender, in place: the pipeline's answer.
 */
void fab_arp_answer(uint8_t *a, fab_mac_t owner);

/* The ICMPv6 length of m: FAB_ND_MSG_LEN, and the option's if it has one. */
size_t fab_nd_len(const struct fab_nd_msg *m);

/*
 * Writes m's IPv6 header and ICMPv6 message, checksum included, at ip and
 * returns their length (FAB_IPV6_HLEN + fab_nd_len(m)).
 */
size_t fab_nd_write(uint8_t *ip, const struct fab_nd_msg *m);

/*
 * Reads the IPv6 packet at ip, len bytes or more (Ethernet padding), as an
 * NS or NA directly after its header. -ENOMSG if it is some other IPv6
 * packet; -EBADMSG if it is not whole or is ND that RFC 4861 says to
 * discard: hop limit other than 255, code other than 0, a bad checksum, a
 * multicast target, or options that do not parse.
 */
int fab_nd_read(const uint8_t *ip, size_t len, struct fab_nd_msg *m);

/* ff02::1:ffXX:XXXX, the solicited-node group of target, and its MAC 33:33:ff:XX:XX:XX. */
void fab_nd_snm(const uint8_t target[FAB_IPV6_ADDR_LEN], uint8_t group[FAB_IPV6_ADDR_LEN],
		fab_mac_t *mac);

/*
 * Whole frames into d, which has room for FAB_NEIGH_FRAME_MAX bytes; each
 * returns the frame's length. An ARP frame is not padded to the Ethernet
 * minimum: whoever sends it pads, as for any short frame.
 */
size_t fab_eth_write(uint8_t *d, const struct fab_eth_hdr *e, uint16_t etype);
size_t fab_arp_frame(uint8_t *d, const struct fab_eth_hdr *e, const struct fab_arp_msg *m);
size_t fab_nd_frame(uint8_t *d, const struct fab_eth_hdr *e, const struct fab_nd_msg *m);

/* What a frame that fab_neigh_parse read is. */
enum fab_neigh_kind {
	FAB_NEIGH_ARP_REQUEST,
	FAB_NEIGH_ARP_REPLY,
	FAB_NEIGH_NS,
	FAB_NEIGH_NA,
	FAB_NEIGH_IP, /* any other IPv4 or IPv6 packet: only its addresses are read */
};

/*
 * A frame read by fab_neigh_parse. Addresses are 16 bytes, IPv4 ones as
 * ::ffff:a.b.c.d (the form of struct fab_naddr).
 */
struct fab_neigh_frame {
	struct fab_eth_hdr eth;
	uint8_t kind;                      /* enum fab_neigh_kind */
	bool solicited;                    /* an NA's S flag */
	uint8_t sender[FAB_IPV6_ADDR_LEN]; /* ARP sender, IP source; :: for DAD */
	uint8_t target[FAB_IPV6_ADDR_LEN]; /* ARP target, ND target, IP destination */
	uint8_t to[FAB_IPV6_ADDR_LEN];     /* ARP target, IP destination */
	union {
		struct fab_arp_msg arp; /* FAB_NEIGH_ARP_* */
		struct fab_nd_msg nd;   /* FAB_NEIGH_NS, FAB_NEIGH_NA */
	} msg;
};

/*
 * Reads the Ethernet frame d of len bytes (no FCS), untagged or with one
 * 802.1Q tag. 0, -EBADMSG if a header is cut short or ARP or ND is
 * malformed (as fab_arp_read and fab_nd_read say), -EPROTONOSUPPORT for
 * an EtherType other than ARP, IPv4 and IPv6.
 */
int fab_neigh_parse(const uint8_t *d, size_t len, struct fab_neigh_frame *nf);

#endif
