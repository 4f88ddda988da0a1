/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker lcores: receive a burst, let the fabric pipeline decide, carry
 * out the verdicts, transmit. Nothing in the loop below makes a system call,
 * takes a lock, logs or allocates memory other than mbufs from their pools.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

#include "dp.h"
#include "dp_sflow.h"
#include "fabric/matrix_count.h"

/* The class a transmitted frame is counted under, for those not known to be unicast. */
static inline int tx_class(const struct rte_mbuf *m)
{
	unsigned c = fab_frame_class(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m));

	return c == FAB_MAC_UNICAST ? -1 : (int)c - 1;
}

/*
 * Hands a port's waiting frames to its TX queue. Those the queue refuses are
 * freed and counted as tx_discards; the rest are added to the port's
 * counters in one step, so that they only ever grow and count only what
 * the driver took.
 */
static void tx_send(struct dp_worker *w, uint16_t port)
{
	struct dp_txbuf *b = &w->txb[port];
	struct fab_port_stats *s = &w->stats[port];
	uint16_t sent = rte_eth_tx_burst(w->dp->ports[port].eth_port, w->index, b->pkts, b->n);
	uint64_t octets = b->octets;

	for (uint16_t i = sent; i < b->n; i++) {
		int c = tx_class(b->pkts[i]);

		octets -= rte_pktmbuf_pkt_len(b->pkts[i]);
		if (c >= 0)
			b->ncls[c]--;
		rte_pktmbuf_free(b->pkts[i]);
	}
	s->ctr[FAB_CTR_tx_packets] += sent;
	s->ctr[FAB_CTR_tx_octets] += octets;
	s->ctr[FAB_CTR_tx_unicast] +=
	    sent - b->ncls[DP_TXC_MULTICAST] - b->ncls[DP_TXC_BROADCAST] - b->ncls[DP_TXC_NONE];
	s->ctr[FAB_CTR_tx_multicast] += b->ncls[DP_TXC_MULTICAST];
	s->ctr[FAB_CTR_tx_broadcast] += b->ncls[DP_TXC_BROADCAST];
	s->ctr[FAB_CTR_tx_discards] += b->n - sent;
	b->n = 0;
	b->octets = 0;
	memset(b->ncls, 0, sizeof(b->ncls));
}

/* Queues a frame for port; cls is its class if it is not unicast, else -1. */
static inline void tx_enqueue(struct dp_worker *w, uint16_t port, struct rte_mbuf *m, int cls)
{
	struct dp_txbuf *b = &w->txb[port];

	if (unlikely(!b->listed)) {
		b->listed = true;
		w->txdirty[w->ndirty++] = port;
	}
	b->pkts[b->n++] = m;
	b->octets += rte_pktmbuf_pkt_len(m);
	if (unlikely(cls >= 0))
		b->ncls[cls]++;
	if (unlikely(b->n == DP_BURST))
		tx_send(w, port);
}

/*
 * Queues k unicast frames of octets bytes together for port: a run of plain
 * forwards, the common case, with the per-port bookkeeping done once. The
 * run fits the port's buffer (the caller cuts it there).
 */
static inline void tx_enqueue_run(struct dp_worker *w, uint16_t port, struct rte_mbuf **pkts,
				  uint16_t k, uint64_t octets)
{
	struct dp_txbuf *b = &w->txb[port];

	if (unlikely(!b->listed)) {
		b->listed = true;
		w->txdirty[w->ndirty++] = port;
	}
	memcpy(&b->pkts[b->n], pkts, k * sizeof(*pkts));
	b->n += k;
	b->octets += octets;
	if (b->n == DP_BURST)
		tx_send(w, port);
}

_Static_assert(sizeof(struct fab_verdict) == 8, "a verdict is one 8-byte word");

_Static_assert(offsetof(struct fab_verdict, src) == 4, "action, flags and port: 4 bytes");

_Static_assert(DP_BURST <= 64, "a burst's forwards counted far are bits of one word");

/*
 * fab_mxw_count_home for frame i of a burst: 0 if it counted the frame,
 * else the frame's bit, for the loop after the burst's (fab_mxw_count_far).
 *
 * A measurement build (docs/performance.md, "what each step of a count
 * costs") is built with -DPEERLAN_MATRIX_PROBE=N: the matrix's instance of
 * the burst's code then does only a part of the counting, so that the
 * benchmark's --matrix-probe can measure that part alone, on against off
 * in one process: 1 nothing (the instance and the families alone), 2 one
 * add of the length to one counter, 3 the pair's home slot found and its
 * key compared, no add. Its matrix counts nothing that is the traffic, and
 * --stats-json says which probe it was built with.
 */
static inline __attribute__((always_inline)) uint64_t mx_home(char *slot, uint32_t omask,
							      const struct fab_verdict *v,
							      const uint8_t *afi, uint32_t len,
							      unsigned i)
{
#if !defined(PEERLAN_MATRIX_PROBE) || PEERLAN_MATRIX_PROBE == 0
	return fab_mxw_count_home(slot, omask, v, afi, len) ? 0 : 1ULL << i;
#elif PEERLAN_MATRIX_PROBE == 1
	(void)slot, (void)omask, (void)v, (void)afi, (void)len, (void)i;
	return 0;
#elif PEERLAN_MATRIX_PROBE == 2
	(void)omask, (void)v, (void)afi, (void)i;
	((struct fab_mxw_slot *)slot)->bytes[0] += len;
	return 0;
#elif PEERLAN_MATRIX_PROBE == 3
	const struct fab_mxw_slot *e;
	uint32_t key;

	(void)afi, (void)len, (void)i;
	memcpy(&key, &v->src, sizeof(key));
	e = (const struct fab_mxw_slot *)(slot + fab_mxw_off(key, omask));
	/* Not optimised away: the slot's load, its compare. */
	__asm__ volatile("" : : "r"(e->key == key));
	return 0;
#else
#error "PEERLAN_MATRIX_PROBE is 1, 2 or 3"
#endif
}

/* What a verdict does to a frame (action, flags, port) as one word: its
 * second half names the pair for the matrix, which a run may change. */
static inline uint32_t verdict_head(const struct fab_verdict *v)
{
	uint32_t x;

	memcpy(&x, v, sizeof(x));
	return x;
}

/* At the end of a poll loop: sends what waits, on the ports that have any. */
static void tx_flush_all(struct dp_worker *w)
{
	for (uint16_t i = 0; i < w->ndirty; i++) {
		uint16_t p = w->txdirty[i];

		if (w->txb[p].n > 0)
			tx_send(w, p);
		w->txb[p].listed = false;
	}
	w->ndirty = 0;
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
 * made or queued is counted here under its reason, and the main lcore
 * counts the fate of the rest (dp_punt_poll), so that punted adds up to
 * delivered plus every reason (fabric/counters.h). The copy carries the
 * fabric port it came in on. */
static inline void punt(struct dp_worker *w, struct rte_mbuf *m, uint16_t in_port, uint64_t now)
{
	uint64_t *ctr = w->stats[in_port].ctr;
	struct rte_mbuf *c;

	if (!fab_bucket_take(&w->punt_port[in_port], now) ||
	    !fab_bucket_take(&w->punt_total, now)) {
		ctr[FAB_CTR_punt_policed]++;
		return;
	}
	c = rte_pktmbuf_copy(m, w->dp->punt_pool, 0, UINT32_MAX);
	if (c == NULL) {
		ctr[FAB_CTR_punt_no_buffer]++;
		return;
	}
	c->port = in_port;
	if (rte_ring_sp_enqueue(w->punt, c) != 0) {
		rte_pktmbuf_free(c);
		ctr[FAB_CTR_punt_ring_full]++;
	}
}

/*
 * Sub-rate ports (ports rate-limit): each worker polices what it receives of
 * a port with its own srTCM meter at the port's rate divided by the number
 * of workers that poll the port, so no two cores share a meter or a lock.
 * Set again from each new table set.
 */
static void police_set(struct dp_worker *w, const struct fab_tables *t)
{
	struct dp *dp = w->dp;

	for (uint16_t p = 0; p < dp->nports; p++) {
		struct dp_police *pl = &w->police[p];
		struct rte_meter_srtcm_params prm = {0};
		uint32_t burst;
		uint64_t bps = fab_tables_port_rate(t, p, &burst);
		unsigned int pollers = 0;

		pl->on = false;
		for (uint16_t k = 0; bps != 0 && k < dp->nworkers; k++) {
			bool polls = false;

			for (uint16_t q = 0; q < dp->workers[k].nrxq; q++)
				polls |= dp->workers[k].rxq[q].fab_port == p;
			pollers += polls;
		}
		if (bps == 0 || pollers == 0)
			continue;
		prm.cir = bps / 8 / pollers;
		prm.cbs = RTE_MAX(burst / pollers, (uint32_t)(FAB_MTU_MAX + FAB_RATE_L2_MAX));
		if (rte_meter_srtcm_profile_config(&pl->profile, &prm) == 0 &&
		    rte_meter_srtcm_config(&pl->meter, &pl->profile) == 0)
			pl->on = true;
	}
	w->police_tables = t;
}

/*
 * Drops, before the pipeline sees them, the frames over a sub-rate port's
 * rate, and counts them as the pipeline counts a drop (rx_packets,
 * rx_octets, their class, rx_discards, rate_limit). Returns how many are
 * left, moved to the front of pkts.
 */
static uint16_t police(struct dp_worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_police *pl = &w->police[port];
	struct fab_port_stats *st = &w->stats[port];
	uint64_t tsc = rte_rdtsc();
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t len = rte_pktmbuf_pkt_len(m);
		const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

		if (rte_meter_srtcm_color_blind_check(&pl->meter, &pl->profile, tsc, len) ==
		    RTE_COLOR_GREEN) {
			pkts[k++] = m;
			continue;
		}
		st->ctr[FAB_CTR_rx_packets]++;
		st->ctr[FAB_CTR_rx_octets] += len;
		if (rte_pktmbuf_data_len(m) >= FAB_ETH_ADDR_LEN)
			st->ctr[FAB_CTR_rx_unicast + (d[0] & 1) +
				(fab_rd_mac(d) == FAB_MAC_BROADCAST)]++;
		st->ctr[FAB_CTR_rx_discards]++;
		st->drop[FAB_DROP_rate_limit]++;
		rte_pktmbuf_free(m);
	}
	return k;
}

/*
 * The pipeline's view of a frame received on port, in one buffer. Its first
 * bytes are fetched while the loop goes on: the pipeline reads them all.
 */
static inline void frame_of(struct fab_frame *f, struct rte_mbuf *m, uint16_t port)
{
	f->data = rte_pktmbuf_mtod(m, uint8_t *);
	rte_prefetch0(f->data);
	f->len = rte_pktmbuf_data_len(m);
	f->headroom = rte_pktmbuf_headroom(m);
	f->port = port;
}

/*
 * The same on a port that receives jumbo frames as chains of buffers (RX
 * scatter, dp_port.c): the pipeline reads the headers in the first buffer
 * and counts, checks and forwards the whole length; the rest of the chain
 * goes out with it untouched (fabric/pipeline.h). Ports that never chain
 * keep the plain frame_of(), and their bursts cost nothing more.
 */
static inline void frame_of_chain(struct fab_frame *f, struct rte_mbuf *m, uint16_t port)
{
	frame_of(f, m, port);
	f->len = (uint16_t)rte_pktmbuf_pkt_len(m);
	f->more = (uint16_t)(rte_pktmbuf_pkt_len(m) - rte_pktmbuf_data_len(m));
}

/*
 * A burst, from its frames to their queues. With mx, the worker's traffic
 * matrix (an instance of its own, so that the loop without it has not one
 * instruction more), it counts each forward in the loop that queues it.
 */
static inline __attribute__((always_inline)) void handle_burst_body(struct dp_worker *w,
								    const struct dp_rxq *rxq,
								    struct rte_mbuf **pkts,
								    uint16_t n, struct fab_mxw *mx)
{
	struct dp *dp = w->dp;
	struct fab_frame frames[DP_BURST];
	struct fab_verdict verdicts[DP_BURST];
	uint8_t afis[DP_BURST];
	struct fab_pipeline_ctx ctx;
	/* In registers for the whole burst: the counters' stores cannot change them. */
	char *const mslot = mx != NULL ? (char *)mx->slot : NULL;
	const uint32_t momask = mx != NULL ? mx->omask : 0;
	uint64_t far = 0; /* the forwards fab_mxw_count_far counts, by index */
	struct dp_sflow_worker *sf = w->sflow;
	uint32_t skip;
	/* Loaded after the burst arrived: a reload published while this worker
	 * waited for frames applies to them. */
	const struct fab_tables *t = __atomic_load_n(&dp->tables, __ATOMIC_ACQUIRE);

	if (unlikely(t != w->police_tables))
		police_set(w, t);
	if (unlikely(w->police[rxq->fab_port].on)) {
		n = police(w, rxq->fab_port, pkts, n);
		if (n == 0)
			return;
	}
	skip = sf->skip[rxq->fab_port];
	if (unlikely(rxq->scatter)) {
		for (uint16_t i = 0; i < n; i++)
			frame_of_chain(&frames[i], pkts[i], rxq->fab_port);
	} else {
		for (uint16_t i = 0; i < n; i++)
			frame_of(&frames[i], pkts[i], rxq->fab_port);
	}
	/* sFlow: most bursts hold no sample, and are counted down in one step. */
	if (likely(skip > n)) {
		skip -= n;
	} else {
		for (uint16_t i = 0; i < n; i++) {
			/* The header as received, before the pipeline may rewrite it. */
			if (--skip == 0)
				skip = dp_sflow_take(
				    sf, i, rxq->fab_port, frames[i].data, frames[i].len,
				    rte_pktmbuf_data_len(pkts[i]),
				    w->stats[rxq->fab_port].ctr[FAB_CTR_rx_packets] + i + 1);
		}
	}
	sf->skip[rxq->fab_port] = skip;

	ctx.t = t;
	ctx.oper = dp->oper;
	ctx.stats = w->stats;
	ctx.now = dp_now_ns(dp);
	if (unlikely(ctx.t != w->punt_tables))
		punt_policer_set(w, ctx.t, ctx.now);
	ctx.storm = w->storm;
	ctx.full_rules = false;
	ctx.segmented = rxq->scatter;
	if (mx != NULL) {
		/* A family for the verdicts that name no pair too (fab_mxw_count_home). */
		memset(afis, FAB_AFI_OTHER, sizeof(afis));
		ctx.afi = afis;
	} else {
		ctx.afi = NULL;
	}
	fab_pipeline_run(&ctx, rxq->fab_port, frames, verdicts, n);
	if (unlikely(sf->npending > 0))
		dp_sflow_commit(sf, verdicts, dp->nports);

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct fab_verdict *v = &verdicts[i];
		uint16_t out = v->port;

		/* The common case first: plain forwards to one port, queued as they are,
		 * as many in a row as there are. */
		if (likely(v->action == FAB_ACT_FORWARD && v->flags == 0 && out < dp->nports)) {
			uint32_t same = verdict_head(v);
			uint64_t octets = frames[i].len;
			uint16_t room = (uint16_t)(DP_BURST - w->txb[out].n), j = i + 1;
			uint16_t end = n - i > room ? i + room : n;

			if (mx != NULL)
				far |= mx_home(mslot, momask, v, &afis[i], frames[i].len, i);
			/* A port's buffer is sent as soon as it is full: room >= 1. */
			while (j < end && verdict_head(&verdicts[j]) == same) {
				octets += frames[j].len;
				if (mx != NULL)
					far |= mx_home(mslot, momask, &verdicts[j], &afis[j],
						       frames[j].len, j);
				j++;
			}
			tx_enqueue_run(w, out, pkts + i, (uint16_t)(j - i), octets);
			i = (uint16_t)(j - 1);
			continue;
		}
		if (v->flags != 0) {
			/* A tag pushed or popped, or an answer: the frame moved or changed
			 * length, in its first buffer only. */
			if (v->flags & FAB_VF_MOVED) {
				uint16_t more = (uint16_t)(m->pkt_len - m->data_len);

				m->data_off = (uint16_t)(frames[i].data - (uint8_t *)m->buf_addr);
				m->data_len = (uint16_t)(frames[i].len - more);
				m->pkt_len = frames[i].len;
			}
			/* A copy comes from the port the frame was decided on: for one
			 * decapsulated from the underlay, its VTEP's (fabric/pipeline.h). */
			if (v->flags & FAB_VF_PUNT)
				punt(w, m, frames[i].port, ctx.now);
		}
		if (v->action == FAB_ACT_DROP || unlikely(out >= dp->nports)) {
			rte_pktmbuf_free(m);
			continue;
		}
		if (mx != NULL)
			far |= mx_home(mslot, momask, v, &afis[i], frames[i].len, i);
		/* Everything the pipeline sends is unicast (fabric/pipeline.h). */
		tx_enqueue(w, out, m, -1);
	}
	/* The forwards whose pair was not at home: new pairs, and collisions. */
	for (; far != 0; far &= far - 1) {
		unsigned i = (unsigned)__builtin_ctzll(far);

		fab_mxw_count_far(mx, &verdicts[i], afis[i], frames[i].len);
	}
}

static inline void handle_burst(struct dp_worker *w, const struct dp_rxq *rxq,
				struct rte_mbuf **pkts, uint16_t n)
{
	handle_burst_body(w, rxq, pkts, n, NULL);
}

static __attribute__((noinline)) void handle_burst_mx(struct dp_worker *w, const struct dp_rxq *rxq,
						      struct rte_mbuf **pkts, uint16_t n)
{
	handle_burst_body(w, rxq, pkts, n, &w->mx);
}

/* Frames the main lcore could not send itself (dp_inject.c): rare, so the
 * loop only looks at the ring when it holds something. */
static void inject_drain(struct dp_worker *w)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int n = rte_ring_sc_dequeue_burst(w->inject, (void **)pkts, DP_BURST, NULL);

	for (unsigned int i = 0; i < n; i++)
		tx_enqueue(w, pkts[i]->port, pkts[i], tx_class(pkts[i]));
}

/*
 * An empty TX burst on each LAG: the bonding driver sends the LACPDUs its
 * state machines queued only from inside a TX burst, and an idle worker
 * would otherwise let the partner time the links out.
 */
static void lag_tick(struct dp_worker *w)
{
	uint64_t now = rte_get_tsc_cycles();

	if (now < w->lag_next)
		return;
	w->lag_next = now + w->dp->tsc_hz / 100;
	for (uint16_t i = 0; i < w->nlag; i++)
		rte_eth_tx_burst(w->lag_eth[i], w->index, NULL, 0);
}

void dp_workers_hold(struct dp *dp)
{
	if (dp->holds++ > 0 || dp->rcu == NULL) /* nested, or no workers yet */
		return;
	/* Stored before the grace period's token: a worker that reports a
	 * quiescent state for that token then reads hold set. */
	__atomic_store_n(&dp->hold, true, __ATOMIC_SEQ_CST);
	rte_rcu_qsbr_synchronize(dp->rcu, RTE_QSBR_THRID_INVALID);
}

void dp_workers_resume(struct dp *dp)
{
	if (dp->holds == 0 || --dp->holds > 0)
		return;
	__atomic_store_n(&dp->hold, false, __ATOMIC_RELEASE);
}

/* Out of every burst while the main lcore changes what they touch; still
 * reporting quiescent states, which is what it waits for. */
static void worker_hold(struct dp_worker *w)
{
	struct dp *dp = w->dp;

	while (__atomic_load_n(&dp->hold, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&dp->stop, __ATOMIC_RELAXED)) {
		rte_rcu_qsbr_quiescent(dp->rcu, w->index);
		rte_pause();
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
		if (unlikely(__atomic_load_n(&dp->hold, __ATOMIC_ACQUIRE))) {
			worker_hold(w);
			continue;
		}
		for (uint16_t i = 0; i < w->nrxq; i++) {
			const struct dp_rxq *rxq = &w->rxq[i];
			uint16_t n = rte_eth_rx_burst(rxq->eth_port, rxq->queue, pkts, DP_BURST);

			/* A short burst emptied the queue; the main lcore's rx_missed
			 * estimate waits for that (dp_missed.c). */
			if (n < DP_BURST)
				__atomic_store_n(&w->rx_empty[i], w->rx_empty[i] + 1,
						 __ATOMIC_RELEASE);
			/* The matrix's switch, once per burst (dp_matrix_set). */
			if (n > 0 && unlikely(__atomic_load_n(&w->mx_on, __ATOMIC_RELAXED)))
				handle_burst_mx(w, rxq, pkts, n);
			else if (n > 0)
				handle_burst(w, rxq, pkts, n);
		}
		if (unlikely(!rte_ring_empty(w->inject)))
			inject_drain(w);
		tx_flush_all(w);
		if (unlikely(w->nlag > 0))
			lag_tick(w);
		rte_rcu_qsbr_quiescent(dp->rcu, w->index);
	}

	tx_flush_all(w);
	rte_rcu_qsbr_thread_offline(dp->rcu, w->index);
	rte_rcu_qsbr_thread_unregister(dp->rcu, w->index);
	return 0;
}

/* Gives each worker its TX buffers, counters and punt ring. */
static int worker_alloc(struct dp *dp, struct dp_worker *w)
{
	size_t stats_size = sizeof(struct fab_port_stats) * dp->nports;
	char name[RTE_RING_NAMESIZE];
	int socket = (int)rte_lcore_to_socket_id(w->lcore);

	w->dp = dp;
	w->stats = rte_zmalloc_socket("dp_stats", stats_size, RTE_CACHE_LINE_SIZE, socket);
	w->txdirty = rte_zmalloc_socket("dp_txd", sizeof(*w->txdirty) * dp->nports,
					RTE_CACHE_LINE_SIZE, socket);
	w->txb =
	    rte_zmalloc_socket("dp_txb", sizeof(*w->txb) * dp->nports, RTE_CACHE_LINE_SIZE, socket);
	w->punt_port = rte_zmalloc_socket("dp_pb", sizeof(*w->punt_port) * dp->nports,
					  RTE_CACHE_LINE_SIZE, socket);
	w->storm = rte_zmalloc_socket("dp_storm", sizeof(*w->storm) * FAB_STORM__COUNT * dp->nports,
				      RTE_CACHE_LINE_SIZE, socket);
	w->police = rte_zmalloc_socket("dp_police", sizeof(*w->police) * dp->nports,
				       RTE_CACHE_LINE_SIZE, socket);
	if (w->stats == NULL || w->txdirty == NULL || w->txb == NULL || w->punt_port == NULL ||
	    w->storm == NULL || w->police == NULL)
		return -ENOMEM;
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
	dp->workers[0].lag_eth = rte_zmalloc("dp_lag", sizeof(uint16_t) * dp->nports, 0);
	if (dp->workers[0].lag_eth == NULL)
		return -ENOMEM;
	for (uint16_t p = 0; p < dp->nports; p++)
		if (dp->ports[p].lag.nlinks > 0 && dp->ports[p].lag.lacp != FAB_LACP_ON)
			dp->workers[0].lag_eth[dp->workers[0].nlag++] = dp->ports[p].eth_port;
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
			    .scatter = dp->ports[p].scatter,
			};
		}
	}
	return 0;
}

void dp_workers_free(struct dp *dp)
{
	if (dp->workers == NULL)
		return;
	dp_punt_poll(dp); /* copies left on a ring when the start failed: counted */
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
			rte_pktmbuf_free_bulk(w->txb[p].pkts, w->txb[p].n);
		rte_free(w->txb);
		rte_free(w->stats);
		rte_free(w->txdirty);
		rte_free(w->punt_port);
		rte_free(w->storm);
		rte_free(w->lag_eth);
		rte_free(w->police);
		memset(w, 0, sizeof(*w));
	}
}
