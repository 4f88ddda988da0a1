/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_telemetry.h>

#include "dp.h"
#include "dp_sflow.h"
#include "fabric/clock.h"
#include "fabric/sflow.h"

_Static_assert(DP_BURST <= DP_SFLOW_PENDING, "a burst's samples must fit the pending array");
_Static_assert(sizeof(struct dp_sflow_sample) % 4 == 0, "ring elements are multiples of 4 bytes");

#define DRAIN_MAX 256 /* samples per ring per poll, so one busy worker cannot stall the rest */

struct collector {
	struct sockaddr_storage addr;
	socklen_t len;
	int fd;
};

/* The main lcore's side. */
struct dp_sflow {
	struct fab_sflow_agent agent;
	struct collector coll[FAB_SFLOW_COLLECTORS_MAX];
	unsigned int ncoll;
	uint32_t rate;
	uint64_t poll_cycles; /* counter samples; 0: none */
	uint64_t next_poll;
	uint32_t dgram_seq;
	uint32_t *flow_seq;    /* per port */
	uint32_t *counter_seq; /* per port */
	struct fab_sflow_dgram d;
	uint64_t samples, sent, send_errors;
};

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Uniform on 1..2N-1, mean N: no frame pattern can line up with the samples. */
static uint32_t next_skip(struct dp_sflow_worker *s)
{
	if (s->rate == 0)
		return UINT32_MAX;
	if (s->rate == 1)
		return 1;
	return 1 + (uint32_t)(xorshift64(&s->rng) % (2 * (uint64_t)s->rate - 1));
}

uint32_t dp_sflow_take(struct dp_sflow_worker *s, uint16_t idx, uint16_t port, const uint8_t *data,
		       uint16_t len, uint16_t seg, uint64_t pool)
{
	struct dp_sflow_sample *p;

	if (s->rate == 0 || s->npending == DP_SFLOW_PENDING)
		return next_skip(s);
	p = &s->pending[s->npending];
	s->pending_idx[s->npending++] = idx;
	p->in = port;
	p->pool = pool;
	/* A jumbo frame's whole length, its header from the first buffer. */
	p->frame_len = len;
	p->hdr_len = seg < s->hdr_bytes ? seg : s->hdr_bytes;
	memcpy(p->hdr, data, p->hdr_len);
	return next_skip(s);
}

void dp_sflow_commit(struct dp_sflow_worker *s, const struct fab_verdict *v, uint16_t nports)
{
	for (uint16_t k = 0; k < s->npending; k++) {
		struct dp_sflow_sample *p = &s->pending[k];
		const struct fab_verdict *pv = &v[s->pending_idx[k]];

		p->out = pv->action == FAB_ACT_DROP || pv->port >= nports ? UINT16_MAX : pv->port;
		if (rte_ring_sp_enqueue_elem(s->ring, p, sizeof(*p)) != 0)
			s->dropped[p->in]++;
	}
	s->npending = 0;
}

static int parse_addr(const char *s, bool with_port, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[FAB_NAME_MAX];
	const char *port = NULL;
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				 .ai_socktype = SOCK_DGRAM};
	struct addrinfo *ai;
	size_t hl = strlen(s);

	if (with_port) {
		const char *colon = strrchr(s, ':');

		if (colon == NULL)
			return -EINVAL;
		port = colon + 1;
		hl = (size_t)(colon - s);
		if (s[0] == '[' && hl >= 2) {
			s++;
			hl -= 2;
		}
	}
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int open_collectors(struct dp_sflow *f, const struct fab_sflow *cfg)
{
	for (size_t i = 0; i < cfg->ncollectors; i++) {
		struct collector *c = &f->coll[f->ncoll];

		if (parse_addr(cfg->collectors[i], true, &c->addr, &c->len) != 0) {
			dp_log("sFlow collector %s: not ADDRESS:PORT", cfg->collectors[i]);
			return -EINVAL;
		}
		/* One socket per collector, so a collector of either family just works. */
		c->fd = socket(c->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0) {
			dp_log("sFlow collector %s: %s", cfg->collectors[i], strerror(errno));
			return -errno;
		}
		f->ncoll++;
	}
	return 0;
}

static int agent_init(struct fab_sflow_agent *a, const char *text)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (parse_addr(text, false, &ss, &len) != 0)
		return -EINVAL;
	a->ipv6 = ss.ss_family == AF_INET6;
	if (a->ipv6)
		memcpy(a->addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	else
		memcpy(a->addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	return 0;
}

static int worker_init(struct dp *dp, struct dp_worker *w, uint32_t rate, uint16_t hdr_bytes)
{
	struct dp_sflow_worker *s;
	char name[RTE_RING_NAMESIZE];
	int socket = (int)rte_lcore_to_socket_id(w->lcore);

	s = rte_zmalloc_socket("dp_sflow", sizeof(*s), RTE_CACHE_LINE_SIZE, socket);
	if (s == NULL)
		return -ENOMEM;
	w->sflow = s;
	s->rate = rate;
	s->hdr_bytes = hdr_bytes;
	s->rng = rte_rand() | 1; /* xorshift must not start at 0 */
	s->skip = rte_zmalloc_socket("dp_sflow", sizeof(*s->skip) * dp->nports, 0, socket);
	s->dropped = rte_zmalloc_socket("dp_sflow", sizeof(*s->dropped) * dp->nports,
					RTE_CACHE_LINE_SIZE, socket);
	if (s->skip == NULL || s->dropped == NULL)
		return -ENOMEM;
	for (uint16_t p = 0; p < dp->nports; p++)
		s->skip[p] = next_skip(s);
	if (rate == 0)
		return 0;
	snprintf(name, sizeof(name), "dp_sflow_%u", w->index);
	s->ring = rte_ring_create_elem(name, sizeof(struct dp_sflow_sample), DP_SFLOW_RING, socket,
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	return s->ring == NULL ? -rte_errno : 0;
}

int dp_sflow_init(struct dp *dp)
{
	const struct fab_sflow *cfg = &dp->model->mgmt.sflow;
	struct dp_sflow *f;
	uint32_t rate = cfg->ncollectors > 0 ? cfg->sampling_rate : 0;
	int rc;

	/* Every worker gets a state even with sampling off: the hot path has no
	 * "is it on" test, only its skip count, which then never runs out. */
	for (uint16_t i = 0; i < dp->nworkers; i++) {
		rc = worker_init(dp, &dp->workers[i], rate, (uint16_t)cfg->header_bytes);
		if (rc < 0) {
			dp_log("sFlow: cannot allocate worker %u's state: %s", i, strerror(-rc));
			return rc;
		}
	}
	if (rate == 0)
		return 0;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	dp->sflow = f;
	for (unsigned int i = 0; i < FAB_SFLOW_COLLECTORS_MAX; i++)
		f->coll[i].fd = -1;
	f->rate = rate;
	f->flow_seq = calloc(dp->nports, sizeof(*f->flow_seq));
	f->counter_seq = calloc(dp->nports, sizeof(*f->counter_seq));
	if (f->flow_seq == NULL || f->counter_seq == NULL)
		return -ENOMEM;
	if (agent_init(&f->agent, cfg->agent) != 0) {
		dp_log("sFlow agent address %s is not an IP address", cfg->agent);
		return -EINVAL;
	}
	rc = open_collectors(f, cfg);
	if (rc < 0)
		return rc;
	f->poll_cycles = (uint64_t)cfg->polling_interval_s * dp->tsc_hz;
	f->next_poll = rte_get_tsc_cycles() + f->poll_cycles;
	dp_log("sFlow: sampling 1 in %u frames per port, %u header bytes, counters every %u s, "
	       "to %u collector(s) as agent %s",
	       rate, cfg->header_bytes, cfg->polling_interval_s, f->ncoll, cfg->agent);
	return 0;
}

void dp_sflow_fini(struct dp *dp)
{
	struct dp_sflow *f = dp->sflow;

	for (uint16_t i = 0; dp->workers != NULL && i < dp->nworkers; i++) {
		struct dp_sflow_worker *s = dp->workers[i].sflow;

		if (s == NULL)
			continue;
		rte_ring_free(s->ring);
		rte_free(s->skip);
		rte_free(s->dropped);
		rte_free(s);
		dp->workers[i].sflow = NULL;
	}
	if (f == NULL)
		return;
	for (unsigned int i = 0; i < f->ncoll; i++)
		close(f->coll[i].fd);
	free(f->flow_seq);
	free(f->counter_seq);
	free(f);
	dp->sflow = NULL;
}

static uint32_t uptime_ms(const struct dp *dp)
{
	/* sFlow's uptime is 32-bit milliseconds: it wraps after 49.7 days, as sFlow expects. */
	return (uint32_t)fab_cycles_to_ms(rte_get_tsc_cycles() - dp->start_tsc, dp->tsc_hz);
}

/* Sends the datagram if it holds a sample, and starts the next one. */
static void flush(struct dp *dp)
{
	struct dp_sflow *f = dp->sflow;

	if (f->d.len > 0 && f->d.nsamples > 0) {
		for (unsigned int i = 0; i < f->ncoll; i++) {
			const struct collector *c = &f->coll[i];

			if (sendto(c->fd, f->d.buf, f->d.len, 0, (const struct sockaddr *)&c->addr,
				   c->len) < 0)
				f->send_errors++;
			else
				f->sent++;
		}
	}
	fab_sflow_begin(&f->d, &f->agent, ++f->dgram_seq, uptime_ms(dp));
}

static void add_flow(struct dp *dp, const struct dp_sflow_sample *s, uint16_t worker)
{
	struct dp_sflow *f = dp->sflow;
	uint64_t drops = 0, pool = 0;
	struct fab_sflow_flow fl = {
	    .seq = ++f->flow_seq[s->in],
	    .ifindex = (uint32_t)s->in + 1,
	    .rate = f->rate,
	    .input = (uint32_t)s->in + 1,
	    .output = s->out == UINT16_MAX ? FAB_SFLOW_OUT_DISCARD : (uint32_t)s->out + 1,
	    .frame_len = (uint32_t)s->frame_len + 4, /* with the FCS the NIC removed */
	    .hdr = s->hdr,
	    .hdr_len = s->hdr_len,
	};

	/*
	 * The pool is every frame the port received up to this sample: each could
	 * have been sampled. The sampling worker's share is exact, as it was when
	 * the sample was taken; other workers polling queues of the same port
	 * add what they have counted by now.
	 */
	pool = s->pool;
	for (uint16_t i = 0; i < dp->nworkers; i++) {
		const struct dp_worker *w = &dp->workers[i];

		drops += __atomic_load_n(&w->sflow->dropped[s->in], __ATOMIC_RELAXED);
		if (i != worker)
			pool += __atomic_load_n(&w->stats[s->in].ctr[FAB_CTR_rx_packets],
						__ATOMIC_RELAXED);
	}
	fl.drops = (uint32_t)drops;
	fl.pool = (uint32_t)pool;
	f->samples++;
	if (fab_sflow_add_flow(&f->d, &fl) == -ENOSPC) {
		flush(dp);
		fab_sflow_add_flow(&f->d, &fl);
	}
}

static void add_counters(struct dp *dp)
{
	struct dp_sflow *f = dp->sflow;

	for (uint16_t p = 0; p < dp->nports; p++) {
		struct fab_port_stats st;
		struct rte_eth_link link = {0};
		struct fab_sflow_if c = {
		    .seq = ++f->counter_seq[p],
		    .ifindex = (uint32_t)p + 1,
		    .admin_up = dp->admin_up[p] != 0,
		    .oper_up = dp->oper[p] == FAB_OPER_UP,
		    .stats = &st,
		};

		dp_port_stats(dp, p, &st);
		if (rte_eth_link_get_nowait(dp->ports[p].eth_port, &link) == 0 &&
		    link.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN)
			c.speed_bps = (uint64_t)link.link_speed * 1000000ULL;
		if (fab_sflow_add_if(&f->d, &c) == -ENOSPC) {
			flush(dp);
			fab_sflow_add_if(&f->d, &c);
		}
	}
}

void dp_sflow_poll(struct dp *dp)
{
	struct dp_sflow *f = dp->sflow;
	struct dp_sflow_sample s;

	if (f == NULL)
		return;
	if (f->d.len == 0)
		fab_sflow_begin(&f->d, &f->agent, ++f->dgram_seq, uptime_ms(dp));
	for (uint16_t i = 0; i < dp->nworkers; i++) {
		struct rte_ring *r = dp->workers[i].sflow->ring;

		for (unsigned int k = 0; k < DRAIN_MAX; k++) {
			if (rte_ring_sc_dequeue_elem(r, &s, sizeof(s)) != 0)
				break;
			add_flow(dp, &s, i);
		}
	}
	if (f->poll_cycles > 0 && rte_get_tsc_cycles() >= f->next_poll) {
		f->next_poll += f->poll_cycles;
		add_counters(dp);
	}
	/* A datagram per poll with samples in it: collectors see them within a millisecond. */
	if (f->d.nsamples > 0)
		flush(dp);
}

int dp_sflow_telemetry(const struct dp *dp, const char *params, struct rte_tel_data *d)
{
	const struct fab_sflow *cfg = &dp->model->mgmt.sflow;
	const struct dp_sflow *f = dp->sflow;
	uint64_t lost = 0;

	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "state", f != NULL ? "on" : "off");
	if (f == NULL)
		return 0;
	for (uint16_t i = 0; i < dp->nworkers; i++)
		for (uint16_t p = 0; p < dp->nports; p++)
			lost +=
			    __atomic_load_n(&dp->workers[i].sflow->dropped[p], __ATOMIC_RELAXED);
	rte_tel_data_add_dict_string(d, "agent_address", cfg->agent);
	rte_tel_data_add_dict_u64(d, "sampling_rate", f->rate);
	rte_tel_data_add_dict_u64(d, "collectors", f->ncoll);
	rte_tel_data_add_dict_u64(d, "flow_samples",
				  __atomic_load_n(&f->samples, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "samples_lost", lost);
	rte_tel_data_add_dict_u64(d, "datagrams_sent", __atomic_load_n(&f->sent, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "send_errors",
				  __atomic_load_n(&f->send_errors, __ATOMIC_RELAXED));
	return 0;
}
