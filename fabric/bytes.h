/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Big-endian fields at any alignment, and the class of a destination MAC:
 * the one definition the pipeline, the ARP/ND layout, the wire format and
 * the dataplane read and write frames with. Each read is one load and a
 * byte swap; nothing here checks a length, so the caller must know the
 * bytes are there.
 */
#ifndef PEERLAN_FABRIC_BYTES_H
#define PEERLAN_FABRIC_BYTES_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

#include "model.h"
#include "proto.h"

static inline uint16_t fab_rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return be16toh(v);
}

static inline uint32_t fab_rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

static inline fab_mac_t fab_rd_mac(const uint8_t *p)
{
	return (uint64_t)fab_rd16(p) << 32 | fab_rd32(p + 2);
}

/* The MAC at p in one 8-byte read: only where 2 more bytes are known to be in the frame. */
static inline fab_mac_t fab_rd_mac_wide(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v) >> 16;
}

static inline void fab_wr16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void fab_wr32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void fab_wr_mac(uint8_t *p, fab_mac_t mac)
{
	fab_wr16(p, (uint16_t)(mac >> 32));
	fab_wr32(p + 2, (uint32_t)mac);
}

/* The class a destination MAC gives a frame; the rx_ and tx_ counters follow this order. */
enum fab_mac_class {
	FAB_MAC_UNICAST,
	FAB_MAC_MULTICAST,
	FAB_MAC_BROADCAST_CLASS,
	FAB_MAC_NO_CLASS, /* a frame too short to hold a destination MAC */
};

/* The group bit: the first bit on the wire, the low bit of the first byte. */
#define FAB_MAC_GROUP 0x010000000000ULL
/* The same bit in the frame's first byte, for a test before the address is read. */
#define FAB_MAC_GROUP_BYTE0 (FAB_MAC_GROUP >> 40)

static inline unsigned fab_mac_class(fab_mac_t dst)
{
	return (unsigned)fab_mac_is_multicast(dst) + (dst == FAB_MAC_BROADCAST);
}

/* The class of the frame at d, len bytes long. */
static inline unsigned fab_frame_class(const uint8_t *d, uint32_t len)
{
	return len < FAB_ETH_ADDR_LEN ? FAB_MAC_NO_CLASS : fab_mac_class(fab_rd_mac(d));
}

#endif
