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

#include <stdint.h>

#include "counters.h"
#include "tables.h"

#define FAB_BURST_MAX 64

/*
 * A frame as received, without FCS. The pipeline may edit it in place: it
 * rewrites the destination MAC of a steered request, turns a request it
 * answers into the reply, and pushes or pops the 802.1Q tag for the egress
 * port, moving data by 4 bytes into or out of the headroom. data and len are
 * updated accordingly; headroom must say how many bytes before data may be
 * written (4 are enough).
 */
struct fab_frame {
	uint8_t *data;
	uint16_t len;
	uint16_t headroom;
};

enum fab_action {
	FAB_ACT_DROP,    /* counted under verdict.reason */
	FAB_ACT_FORWARD, /* transmit on verdict.port */
	FAB_ACT_REPLY,   /* the frame is now an answer: transmit on verdict.port (ingress) */
};

/* verdict.flags */
#define FAB_VF_PUNT 0x01 /* also send a copy to the control process */

struct fab_verdict {
	uint8_t action; /* enum fab_action */
	uint8_t flags;
	uint16_t port;   /* fabric port index, for FORWARD and REPLY */
	uint16_t reason; /* enum fab_drop_reason, for DROP */
};

/* Operational state of a port as the pipeline sees it, per fabric port. */
enum fab_port_oper {
	FAB_OPER_UP = 0,         /* admin up, link up, not err-disabled */
	FAB_OPER_DOWN = 1,       /* admin down or link down */
	FAB_OPER_ERRDISABLED = 2 /* shut by a port-security action */
};

struct fab_pipeline_ctx {
	const struct fab_tables *t;
	const uint8_t *oper;          /* enum fab_port_oper, indexed by fabric port */
	struct fab_port_stats *stats; /* this worker's counters, indexed by fabric port */
	uint64_t now;                 /* monotonic nanoseconds, read once per burst */
};

/*
 * Decides a burst of n (<= FAB_BURST_MAX) frames received on in_port, writes
 * one verdict per frame and counts every frame on the ingress port's stats
 * (receive counters, then forwarded, steered, answered or one drop reason).
 * Transmit counters are the caller's, as only it knows what was sent.
 * punted counts the verdicts that carry FAB_VF_PUNT; they are all drops, so
 * the copy is of the frame as received. A larger n is decided FAB_BURST_MAX
 * frames at a time; an in_port the tables do not know drops every frame as
 * port_down without counting, since there are no counters to write.
 */
void fab_pipeline_run(struct fab_pipeline_ctx *ctx, uint16_t in_port, struct fab_frame *frames,
		      struct fab_verdict *verdicts, uint16_t n);

/* Counts one transmitted frame (caller side of the accounting). */
void fab_stats_count_tx(struct fab_port_stats *s, const uint8_t *data, uint16_t len);

#endif
