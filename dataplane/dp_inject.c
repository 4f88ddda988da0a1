/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What control asks the main lcore to do for the sponge: send a frame (a
 * probe, a gratuitous ARP, an unsolicited NA, a correction) and replace the
 * set of addresses the pipeline answers for. Both run on the main lcore,
 * never on a worker.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "fabric/wire.h"

#include "dp.h"

#define ETH_MIN 60 /* frames are padded to the Ethernet minimum, without FCS */

int dp_inject(struct dp *dp, uint16_t port, const uint8_t *frame, uint16_t len)
{
	struct rte_mbuf *m;
	uint16_t padded = len < ETH_MIN ? ETH_MIN : len;
	uint8_t *d;

	if (port >= dp->nports || len < 14 || len > FAB_WIRE_FRAME_MAX)
		return -EINVAL;
	/* Members behind another node are that node's to probe and announce to. */
	if (dp->ports[port].vtep)
		return -EOPNOTSUPP;
	if (__atomic_load_n(&dp->oper[port], __ATOMIC_ACQUIRE) != FAB_OPER_UP)
		return -ENETDOWN;
	m = rte_pktmbuf_alloc(dp->punt_pool);
	if (m == NULL)
		return -ENOBUFS;
	d = (uint8_t *)rte_pktmbuf_append(m, padded);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	memcpy(d, frame, len);
	memset(d + len, 0, padded - len);
	/* The main lcore's own TX queue is the last one of a port (dp_port.c); a
	 * device without it gets the frame from a worker, on that worker's queue. */
	m->port = port;
	if (dp->ports[port].inject
		? rte_eth_tx_burst(dp->ports[port].eth_port, dp->nworkers, &m, 1) != 1
		: rte_ring_sp_enqueue(dp->workers[0].inject, m) != 0) {
		rte_pktmbuf_free(m);
		return -EAGAIN;
	}
	dp->injected++;
	return 0;
}

int dp_inject_msg(struct dp *dp, const uint8_t *p, size_t len)
{
	struct fab_wire_frame_msg f;

	if (fab_wire_frame_decode(p, len, &f) != 0)
		return -EBADMSG;
	return dp_inject(dp, f.port, f.frame, f.len);
}

int dp_sponge_set(struct dp *dp, const uint8_t (*addrs)[16], uint32_t n)
{
	uint8_t(*v)[16] = NULL, (*old)[16] = dp->sponged;
	uint32_t nold = dp->nsponged;
	int rc;

	if (n > 0) {
		v = malloc((size_t)n * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		memcpy(v, addrs, (size_t)n * sizeof(*v));
	}
	dp->sponged = v;
	dp->nsponged = n;
	/* Same configuration, same generation: only the answers change. */
	rc = dp_tables_publish(dp, dp->model, dp->generation);
	if (rc < 0) {
		dp->sponged = old;
		dp->nsponged = nold;
		free(v);
		return rc;
	}
	free(old);
	dp_log("sponge: answering for %u address(es)", n);
	return 0;
}

int dp_sponge_msg(struct dp *dp, const uint8_t *p, size_t len)
{
	struct fab_wire_sponge_set m;

	if (fab_wire_sponge_set_decode(p, len, &m) != 0)
		return -EBADMSG;
	return dp_sponge_set(dp, m.addrs, m.n);
}
