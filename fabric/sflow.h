/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sFlow version 5 datagrams (sflow.org, "sFlow Version 5", July 2004):
 * flow samples carrying a sampled frame's first bytes (raw packet header,
 * enterprise 0 format 1) and counter samples carrying the generic interface
 * counters (enterprise 0 format 1), in XDR (big-endian, 4-byte aligned).
 *
 * Pure functions on a caller's buffer, so the encoder is unit-tested byte by
 * byte and decoded by tools that know nothing of peerlan. A fabric port is
 * the sFlow data source and interface with ifIndex = port index + 1, since
 * ifIndex 0 means "unknown" to collectors.
 */
#ifndef PEERLAN_FABRIC_SFLOW_H
#define PEERLAN_FABRIC_SFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"

/* Under a 1500-byte path MTU with IPv6 and UDP headers, never fragmented. */
#define FAB_SFLOW_DGRAM_MAX 1400
#define FAB_SFLOW_VERSION   5
/* Output "interface" of a dropped frame: discarded, reason 258 (filtered). */
#define FAB_SFLOW_OUT_DISCARD 0x40000102u

struct fab_sflow_agent {
	bool ipv6;
	uint8_t addr[16]; /* IPv4 in the first 4 bytes, network order */
	uint32_t sub_agent;
};

/* One sampled frame. */
struct fab_sflow_flow {
	uint32_t seq;       /* flow samples of this source so far, from 1 */
	uint32_t ifindex;   /* the source: the ingress port */
	uint32_t rate;      /* one in rate */
	uint32_t pool;      /* frames that could have been sampled */
	uint32_t drops;     /* samples lost for want of resources */
	uint32_t input;     /* ifIndex */
	uint32_t output;    /* ifIndex, or FAB_SFLOW_OUT_DISCARD */
	uint32_t frame_len; /* the whole frame as received, with FCS */
	const uint8_t *hdr;
	uint32_t hdr_len; /* bytes at hdr, at most frame_len */
};

/* One port's generic interface counters (RFC 2233 names). */
struct fab_sflow_if {
	uint32_t seq; /* counter samples of this source so far, from 1 */
	uint32_t ifindex;
	uint64_t speed_bps;
	bool admin_up, oper_up;
	const struct fab_port_stats *stats;
};

/* A datagram being built: header, then samples until it is full. */
struct fab_sflow_dgram {
	uint8_t buf[FAB_SFLOW_DGRAM_MAX];
	size_t len;
	uint32_t nsamples;
	size_t nsamples_off; /* where the sample count goes */
};

/* Starts a datagram: agent, its sequence number, agent uptime in ms. */
void fab_sflow_begin(struct fab_sflow_dgram *d, const struct fab_sflow_agent *a, uint32_t seq,
		     uint32_t uptime_ms);
/* Appends a sample: 0, or -ENOSPC (nothing added) when it does not fit;
 * -EINVAL for a header longer than the frame or than 256 bytes. */
int fab_sflow_add_flow(struct fab_sflow_dgram *d, const struct fab_sflow_flow *f);
int fab_sflow_add_if(struct fab_sflow_dgram *d, const struct fab_sflow_if *c);

#endif
