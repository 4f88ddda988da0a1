/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker lcores: receive a burst, let the fabric pipeline decide, carry
 * out the verdicts, transmit. Nothing in the loop below makes a system call,
 * takes a lock, logs or allocates memory other than mbufs from their pools.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "dp.h"
#include "dp_sflow.h"

/* Counts the TX-side of frames the queue refused, then frees them. */
static void tx_unsent(struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	struct fab_port_stats *unsent = arg;

	for (uint16_t i = 0; i < n; i++) {
		fab_stats_count_tx(unsent, rte_pktmbuf_mtod(pkts[i], const uint8_t *),
				   rte_pktmbuf_data_len(pkts[i]));
		rte_pktmbuf_free(pkts[i]);
	}
}

/*
 * Frames are counted as transmitted when buffered, into tx_queued, because
 * after rte_eth_tx_burst() the driver may already have freed them; those the
 * queue refused are counted again into tx_unsent by the callback above. Once
 * every buffer is flushed the difference is exactly what was sent, and it is
 * added to the port's counters in one step so they only ever grow.
 */
static void tx_settle(struct dp_worker *w, uint16_t port)
{
	struct fab_port_stats *s = &w->stats[port];
	struct fab_port_stats *q = &w->tx_queued[port];
	struct fab_port_stats *u = &w->tx_unsent[port];

	if (q->ctr[FAB_CTR_tx_packets] == 0)
		return;
	for (unsigned int c = 0; c < FAB_CTR__COUNT; c++)
		s->ctr[c] += q->ctr[c] - u->ctr[c];
	s->ctr[FAB_CTR_tx_discards] += u->ctr[FAB_CTR_tx_packets];
	memset(q->ctr, 0, sizeof(q->ctr));
	memset(u->ctr, 0, sizeof(u->ctr));
}

static void tx_flush_all(struct dp_worker *w)
{
	const struct dp *dp = w->dp;

	for (uint16_t p = 0; p < dp->nports; p++) {
		if (w->txb[p]->length > 0)
			rte_eth_tx_buffer_flush(dp->ports[p].eth_port, w->index, w->txb[p]);
		tx_settle(w, p);
	}
}

/*
 * The punt policer takes its rates from each new table set. Each worker
 * polices its own ports' copies and takes an equal share of the total, so
 * no two cores share a bucket; a storm costs at most one bucket check per
 * frame, never a copy.
 */
static void punt_policer_set(struct dp_worker *w, const struct fab_tables *t, uint64_t now)
{
	struct fab_rate port, total;
	uint16_t k = w->dp->nworkers;

	fab_tables_punt_rates(t, &port, &total);
	for (uint16_t p = 0; p < w->dp->nports; p++)
		fab_bucket_init(&w->punt_port[p], port.pps, port.burst, now);
	/* A share rounded down to 0 would mean unlimited: at least 1/s. */
	fab_bucket_init(&w->punt_total, total.pps ? RTE_MAX(total.pps / k, 1u) : 0, total.burst / k,
			now);
	w->punt_tables = t;
}

/* The pipeline counted the copy as punted; one that is policed or cannot be
 * made or queued is counted here as lost, so punted = taken by the main
 * lcore + punt_dropped. */
static inline void punt(struct dp_worker *w, struct rte_mbuf *m, uint16_t in_port, uint64_t now)
{
	struct rte_mbuf *c;

	if (!fab_bucket_take(&w->punt_port[in_port], now) ||
	    !fab_bucket_take(&w->punt_total, now)) {
		w->punt_dropped[in_port]++;
		return;
	}
	c = rte_pktmbuf_copy(m, w->dp->punt_pool, 0, UINT32_MAX);
	if (c == NULL) {
		w->punt_dropped[in_port]++;
		return;
	}
	if (rte_ring_sp_enqueue(w->punt, c) != 0) {
		rte_pktmbuf_free(c);
		w->punt_dropped[in_port]++;
	}
}

static inline void handle_burst(struct dp_worker *w, const struct dp_rxq *rxq,
				struct rte_mbuf **pkts, uint16_t n)
{
	struct dp *dp = w->dp;
	struct fab_frame frames[DP_BURST];
	struct fab_verdict verdicts[DP_BURST];
	struct fab_pipeline_ctx ctx;
	struct dp_sflow_worker *sf = w->sflow;
	uint32_t skip = sf->skip[rxq->fab_port];

	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		/* No RX scatter is enabled and buffers fit the largest MTU, so every
		 * frame is one segment. */
		frames[i].data = rte_pktmbuf_mtod(pkts[i], uint8_t *);
		frames[i].len = rte_pktmbuf_data_len(pkts[i]);
		frames[i].headroom = rte_pktmbuf_headroom(pkts[i]);
		/* sFlow: the header as received, before the pipeline may rewrite it. */
		if (unlikely(--skip == 0))
			skip = dp_sflow_take(sf, i, rxq->fab_port, frames[i].data, frames[i].len);
	}
	sf->skip[rxq->fab_port] = skip;

	/* Loaded after the burst arrived: a reload published while this worker
	 * waited for frames applies to them. */
	ctx.t = __atomic_load_n(&dp->tables, __ATOMIC_ACQUIRE);
	ctx.oper = dp->oper;
	ctx.stats = w->stats;
	ctx.now = dp_now_ns(dp);
	if (unlikely(ctx.t != w->punt_tables))
		punt_policer_set(w, ctx.t, ctx.now);
	ctx.storm = w->storm;
	fab_pipeline_run(&ctx, rxq->fab_port, frames, verdicts, n);
	if (unlikely(sf->npending > 0))
		dp_sflow_commit(sf, verdicts, dp->nports);

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct fab_verdict *v = &verdicts[i];
		uint16_t out = v->port;

		/* The pipeline may have pushed or popped a tag, moving the start. */
		m->data_off = (uint16_t)(frames[i].data - (uint8_t *)m->buf_addr);
		m->data_len = frames[i].len;
		m->pkt_len = frames[i].len;

		if (unlikely(v->flags & FAB_VF_PUNT))
			punt(w, m, rxq->fab_port, ctx.now);
		if (v->action == FAB_ACT_DROP || unlikely(out >= dp->nports)) {
			rte_pktmbuf_free(m);
			continue;
		}
		fab_stats_count_tx(&w->tx_queued[out], frames[i].data, frames[i].len);
		rte_eth_tx_buffer(dp->ports[out].eth_port, w->index, w->txb[out], m);
	}
}

/* Frames the main lcore could not send itself (dp_inject.c): rare, so the
 * loop only looks at the ring when it holds something. */
static void inject_drain(struct dp_worker *w)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int n = rte_ring_sc_dequeue_burst(w->inject, (void **)pkts, DP_BURST, NULL);

	for (unsigned int i = 0; i < n; i++) {
		uint16_t out = pkts[i]->port;

		fab_stats_count_tx(&w->tx_queued[out], rte_pktmbuf_mtod(pkts[i], const uint8_t *),
				   rte_pktmbuf_data_len(pkts[i]));
		rte_eth_tx_buffer(w->dp->ports[out].eth_port, w->index, w->txb[out], pkts[i]);
	}
}

int dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct dp *dp = w->dp;
	struct rte_mbuf *pkts[DP_BURST];

	rte_rcu_qsbr_thread_register(dp->rcu, w->index);
	rte_rcu_qsbr_thread_online(dp->rcu, w->index);

	while (!__atomic_load_n(&dp->stop, __ATOMIC_RELAXED)) {
		for (uint16_t i = 0; i < w->nrxq; i++) {
			const struct dp_rxq *rxq = &w->rxq[i];
			uint16_t n = rte_eth_rx_burst(rxq->eth_port, rxq->queue, pkts, DP_BURST);

			if (n > 0)
				handle_burst(w, rxq, pkts, n);
		}
		if (unlikely(!rte_ring_empty(w->inject)))
			inject_drain(w);
		tx_flush_all(w);
		rte_rcu_qsbr_quiescent(dp->rcu, w->index);
	}

	tx_flush_all(w);
	rte_rcu_qsbr_thread_offline(dp->rcu, w->index);
	rte_rcu_qsbr_thread_unregister(dp->rcu, w->index);
	return 0;
}

unsigned int dp_punt_drain(struct dp *dp)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int total = 0;

	for (uint16_t i = 0; i < dp->nworkers && dp->workers[i].punt != NULL; i++) {
		unsigned int n;

		while ((n = rte_ring_sc_dequeue_burst(dp->workers[i].punt, (void **)pkts, DP_BURST,
						      NULL)) > 0) {
			rte_pktmbuf_free_bulk(pkts, n);
			total += n;
		}
	}
	dp->punt_consumed += total;
	return total;
}

/* Gives each worker its TX buffers, counters and punt ring. */
static int worker_alloc(struct dp *dp, struct dp_worker *w)
{
	size_t stats_size = sizeof(struct fab_port_stats) * dp->nports;
	char name[RTE_RING_NAMESIZE];
	int socket = (int)rte_lcore_to_socket_id(w->lcore);

	w->dp = dp;
	w->stats = rte_zmalloc_socket("dp_stats", stats_size, RTE_CACHE_LINE_SIZE, socket);
	w->tx_queued = rte_zmalloc_socket("dp_txq", stats_size, RTE_CACHE_LINE_SIZE, socket);
	w->tx_unsent = rte_zmalloc_socket("dp_txu", stats_size, RTE_CACHE_LINE_SIZE, socket);
	w->punt_dropped =
	    rte_zmalloc_socket("dp_pd", sizeof(uint64_t) * dp->nports, RTE_CACHE_LINE_SIZE, socket);
	w->txb =
	    rte_zmalloc_socket("dp_txb", sizeof(*w->txb) * dp->nports, RTE_CACHE_LINE_SIZE, socket);
	w->punt_port = rte_zmalloc_socket("dp_pb", sizeof(*w->punt_port) * dp->nports,
					  RTE_CACHE_LINE_SIZE, socket);
	w->storm = rte_zmalloc_socket("dp_storm", sizeof(*w->storm) * FAB_STORM__COUNT * dp->nports,
				      RTE_CACHE_LINE_SIZE, socket);
	if (w->stats == NULL || w->tx_queued == NULL || w->tx_unsent == NULL ||
	    w->punt_dropped == NULL || w->txb == NULL || w->punt_port == NULL || w->storm == NULL)
		return -ENOMEM;
	for (uint16_t p = 0; p < dp->nports; p++) {
		w->txb[p] =
		    rte_zmalloc_socket("dp_txb", RTE_ETH_TX_BUFFER_SIZE(DP_BURST), 0, socket);
		if (w->txb[p] == NULL)
			return -ENOMEM;
		rte_eth_tx_buffer_init(w->txb[p], DP_BURST);
		rte_eth_tx_buffer_set_err_callback(w->txb[p], tx_unsent, &w->tx_unsent[p]);
	}
	snprintf(name, sizeof(name), "dp_punt_%u", w->index);
	w->punt = rte_ring_create(name, DP_PUNT_RING, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->punt == NULL)
		return -rte_errno;
	snprintf(name, sizeof(name), "dp_inject_%u", w->index);
	w->inject = rte_ring_create(name, DP_INJECT_RING, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->inject == NULL)
		return -rte_errno;
	return 0;
}

int dp_workers_init(struct dp *dp)
{
	unsigned int k = 0;
	int rc;

	for (uint16_t i = 0; i < dp->nworkers; i++) {
		rc = worker_alloc(dp, &dp->workers[i]);
		if (rc < 0) {
			dp_log("worker %u: cannot allocate its buffers: %s", i, strerror(-rc));
			return rc;
		}
	}
	/* Spread every (port, queue) over the workers in turn. */
	for (uint16_t p = 0; p < dp->nports; p++) {
		for (uint16_t q = 0; q < dp->ports[p].nrxq; q++, k++) {
			struct dp_worker *w = &dp->workers[k % dp->nworkers];

			if (w->nrxq == DP_RXQ_MAX) {
				dp_log("worker on lcore %u would poll more than %d RX queues",
				       w->lcore, DP_RXQ_MAX);
				return -E2BIG;
			}
			w->rxq[w->nrxq++] = (struct dp_rxq){
			    .eth_port = dp->ports[p].eth_port,
			    .queue = q,
			    .fab_port = p,
			};
		}
	}
	return 0;
}

void dp_workers_free(struct dp *dp)
{
	if (dp->workers == NULL)
		return;
	dp_punt_drain(dp);
	for (uint16_t i = 0; i < dp->nworkers; i++) {
		struct dp_worker *w = &dp->workers[i];

		rte_ring_free(w->punt);
		if (w->inject != NULL) {
			struct rte_mbuf *m;

			while (rte_ring_dequeue(w->inject, (void **)&m) == 0)
				rte_pktmbuf_free(m);
		}
		rte_ring_free(w->inject);
		for (uint16_t p = 0; w->txb != NULL && p < dp->nports; p++)
			rte_free(w->txb[p]);
		rte_free(w->txb);
		rte_free(w->stats);
		rte_free(w->tx_queued);
		rte_free(w->tx_unsent);
		rte_free(w->punt_dropped);
		rte_free(w->punt_port);
		rte_free(w->storm);
		memset(w, 0, sizeof(*w));
	}
}
