/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-frame decision, on raw bytes and on a burst at a time.
 *
 * This is the whole of the exchange's forwarding policy: the dataplane calls
 * it on every received burst and only carries out the verdicts, so the same
 * code is unit-tested here without DPDK. It makes no system call, takes no
 * lock, logs nothing and allocates nothing.
 */
#ifndef PEERLAN_FABRIC_PIPELINE_H
#define PEERLAN_FABRIC_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "bucket.h"
#include "counters.h"
#include "tables.h"

#define FAB_BURST_MAX 64

/*
 * A frame as received, without FCS. The pipeline may edit a frame that
 * leaves, in place: it rewrites the destination MAC of a steered request,
 * turns a request it answers into the reply, and pushes or pops the 802.1Q
 * tag for the egress port, moving data by 4 bytes into or out of the
 * headroom. data and len are updated accordingly; headroom must say how
 * many bytes before data may be written (8 are enough for a tag, or an
 * answer that outgrows its request; a frame to a remote VTEP needs 50 for
 * VXLAN's outer headers, FAB_VXLAN_OUTER_LEN). It edits only once every
 * rule has decided the frame leaves: a dropped frame keeps its bytes,
 * data, len and headroom as received. A frame received on the underlay
 * port and decapsulated is, from then on, its inner frame (tagged with its
 * LAN's VLAN, as received on its VTEP's trunk): every verdict of it carries
 * FAB_VF_MOVED, a drop included.
 *
 * A frame longer than one receive buffer (a jumbo frame, with RX scatter)
 * is in several: len is its whole length, and more says how many of those
 * bytes are past the first buffer, where the pipeline never reads or
 * writes. The first buffer holds the headers (FAB_SEG_MIN bytes at least,
 * or the frame is dropped as scattered); ARP and ND, which the pipeline
 * reads whole and may rewrite, must be in it entirely. A frame in one
 * piece has more 0, and the pipeline leaves more as it was. more is read
 * only when the context says the burst may be segmented: a caller whose
 * port never chains frames need not set it.
 */
struct fab_frame {
	uint8_t *data;
	uint16_t len;
	uint16_t headroom;
	/* Written by the pipeline on a frame it decapsulated from the underlay
	 * port (and left alone on any other): the VTEP port it was decided as
	 * received on, the port its copy for control comes from. */
	uint16_t port;
	uint16_t more;
};

/* Bytes the first buffer of a frame in several must hold: every header the
 * policy reads but an IPv6 extension chain, which is checked as it is walked. */
#define FAB_SEG_MIN 128

enum fab_action {
	FAB_ACT_DROP,    /* counted under verdict.reason */
	FAB_ACT_FORWARD, /* transmit on verdict.port */
	FAB_ACT_REPLY,   /* the frame is now an answer: transmit on verdict.port (ingress) */
};

/* verdict.flags */
#define FAB_VF_PUNT  0x01 /* also send a copy to the control process */
#define FAB_VF_MOVED 0x02 /* data or len changed: the caller must update its buffer */

struct fab_verdict {
	uint8_t action; /* enum fab_action */
	uint8_t flags;
	uint16_t port; /* fabric port index, for FORWARD and REPLY */
	/*
	 * DROP: reason, enum fab_drop_reason. A FORWARD between two members (not
	 * a steered request): src and dst, the sender's and the receiver's ids
	 * in the traffic matrix (fabric/matrix.h; never 0), so that the worker
	 * counts the frame with what the verdict holds; both are 0 on every
	 * other verdict but a drop.
	 */
	union {
		uint16_t reason;
		uint16_t src;
	};
	uint16_t dst;
};

/* Operational state of a port as the pipeline sees it, per fabric port. */
enum fab_port_oper {
	FAB_OPER_UP = 0,         /* admin up, link up, not err-disabled */
	FAB_OPER_DOWN = 1,       /* admin down or link down */
	FAB_OPER_ERRDISABLED = 2 /* shut by a port-security action */
};

/* Storm-control buckets of one port: broadcast ARP, multicast IPv6. */
enum { FAB_STORM_ARP, FAB_STORM_ND, FAB_STORM__COUNT };

struct fab_pipeline_ctx {
	const struct fab_tables *t;
	const uint8_t *oper;          /* enum fab_port_oper, indexed by fabric port */
	struct fab_port_stats *stats; /* this worker's counters, indexed by fabric port */
	uint64_t now;                 /* monotonic nanoseconds, read once per burst */
	/*
	 * This worker's storm-control buckets, FAB_STORM__COUNT per fabric port
	 * (zeroed at first, owned by the caller); NULL: no storm control. The
	 * pipeline sets each bucket to the tables' rate whenever they differ,
	 * so a reload needs nothing from the caller.
	 */
	struct fab_bucket *storm;
	/*
	 * For tests: decide every frame by the full rules, never by the fast
	 * path for known unicast, which must reach the same verdicts.
	 */
	bool full_rules;
	/* Frames of the burst may be in several buffers: fab_frame.more is set
	 * on every frame. False: every frame is in one, more is not read. */
	bool segmented;
	/*
	 * For the caller's traffic matrix (fabric/matrix.h): afi[i] is set to
	 * the EtherType family of frame i if it is forwarded, as it leaves (its
	 * tag pushed or popped); NULL: not wanted. The fast path writes the
	 * class it read anyway, so that counting a frame reads none of it.
	 */
	uint8_t *afi;
};

/*
 * Decides a burst of n (<= FAB_BURST_MAX) frames received on in_port, writes
 * one verdict per frame and counts every frame on the ingress port's stats
 * (receive counters, then forwarded, steered, answered or one drop reason).
 * Transmit counters are the caller's, as only it knows what was sent.
 * punted counts the verdicts that carry FAB_VF_PUNT. Most are drops, whose
 * copy is the frame as received: a drop carries FAB_VF_PUNT only when its
 * own reason asks for a copy, never one left from a decision a later rule
 * overturned. A steered request (copied for the sponge when it is on) is
 * copied as steered, with the owner's MAC as destination and the egress
 * port's tag, its ARP or ND fields unchanged. A larger n is
 * decided FAB_BURST_MAX frames at a time; an in_port the tables do not know
 * drops every frame as port_down without counting, since there are no
 * counters to write.
 *
 * Every frame that leaves (FORWARD or REPLY) has a unicast destination: a
 * provisioned MAC, never a group. FAB_VF_MOVED marks those whose data or
 * len changed (a tag pushed or popped, an answer of another length); the
 * others leave exactly where they were received. The pipeline reads every
 * frame's first bytes at once: the caller should have prefetched them.
 */
void fab_pipeline_run(struct fab_pipeline_ctx *ctx, uint16_t in_port, struct fab_frame *frames,
		      struct fab_verdict *verdicts, uint16_t n);

/*
 * The ICMPv6 checksum of the len bytes at icmp under the IPv6 header at ip
 * (its pseudo-header): what goes into the checksum field, or 0 when checking
 * a message whose field is filled in. For the pipeline's answers and for
 * frames control builds.
 */
uint16_t fab_icmp6_csum(const uint8_t *ip, const uint8_t *icmp, uint32_t len);

#endif
