/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sFlow export (management.sflow). Workers sample ingress frames with
 * random skip counts: per (worker, port) a count of frames until the next
 * sample, drawn uniformly from 1..2N-1 (mean N) by a per-worker PRNG, so the
 * per-frame cost is one decrement and one branch, and periodic traffic
 * cannot hide between samples. A sample (the frame's first header-bytes,
 * input and output port) goes into the worker's single-producer ring; the
 * main lcore drains the rings, builds sFlow v5 datagrams (fabric/sflow.h)
 * with flow samples and, every polling interval, one counter sample per
 * port, and sends them to the collectors. Only the main lcore makes system
 * calls.
 */
#ifndef PEERLAN_DATAPLANE_DP_SFLOW_H
#define PEERLAN_DATAPLANE_DP_SFLOW_H

#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_ring.h>

#include "fabric/model.h"
#include "fabric/pipeline.h"

#define DP_SFLOW_RING    1024 /* samples one worker may queue */
#define DP_SFLOW_PENDING 32   /* samples of one burst: at most DP_BURST */

/* One sampled frame on its way to the main lcore (the ring's element). */
struct dp_sflow_sample {
	uint16_t in;  /* fabric port */
	uint16_t out; /* fabric port, or UINT16_MAX: dropped */
	uint16_t frame_len;
	uint16_t hdr_len;
	/* The sampling worker's frames received on the port up to and including
	 * this one: its share of the sample pool at the moment of sampling. */
	uint64_t pool;
	uint8_t hdr[FAB_SFLOW_HEADER_MAX];
};

/* A worker's sampling state, written by that worker only. */
struct dp_sflow_worker {
	uint32_t *skip;    /* per fabric port: frames until the next sample */
	uint64_t *dropped; /* per fabric port: samples the ring had no room for */
	uint64_t rng;      /* xorshift64 state */
	uint32_t rate;     /* 1 in rate; 0: sampling off */
	uint16_t hdr_bytes;
	uint16_t npending; /* samples of the current burst, awaiting verdicts */
	uint16_t pending_idx[DP_SFLOW_PENDING];
	struct dp_sflow_sample pending[DP_SFLOW_PENDING];
	struct rte_ring *ring;
} __rte_cache_aligned;

struct dp;
struct dp_worker;

/* Sets up sampling from dp->model's management.sflow: every worker's state,
 * its ring, the collectors' socket. 0 or a negative errno (logged). */
int dp_sflow_init(struct dp *dp);
/* Frees it all. Safe when init failed or never ran. */
void dp_sflow_fini(struct dp *dp);
/* Main lcore: drains the rings, sends datagrams, counter samples when due. */
void dp_sflow_poll(struct dp *dp);

struct rte_tel_data;
/* The /peerlan/sflow telemetry answer: settings and what was sent. */
int dp_sflow_telemetry(const struct dp *dp, const char *params, struct rte_tel_data *d);

/* Slow path of a sample: copies the header, returns the next skip count.
 * The frame is len bytes, seg of them at data (its first buffer, whence
 * the header); pool: this worker's frames received on port up to and
 * including this one. */
uint32_t dp_sflow_take(struct dp_sflow_worker *s, uint16_t idx, uint16_t port, const uint8_t *data,
		       uint16_t len, uint16_t seg, uint64_t pool);
/* After the verdicts: queues the burst's samples with their output ports. */
void dp_sflow_commit(struct dp_sflow_worker *s, const struct fab_verdict *v, uint16_t nports);

#endif
