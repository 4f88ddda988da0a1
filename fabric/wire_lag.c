/* SPDX-License-Identifier: BSD-3-Clause */
/* The LAG_GET reply: each LAG's links and their LACP state, every count checked. */
#include <errno.h>
#include <string.h>

#include "wire.h"

static void put_link(struct fab_wire_buf *b, const struct fab_wire_lag_link *l)
{
	fab_wire_put_str(b, l->device);
	fab_wire_put_u8(b, l->carrier);
	fab_wire_put_u8(b, l->bundled);
	fab_wire_put_u8(b, l->actor_state);
	fab_wire_put_u8(b, l->partner_state);
	fab_wire_put_u16(b, l->actor_key);
	fab_wire_put_u16(b, l->partner_key);
	for (int i = 0; i < 6; i++)
		fab_wire_put_u8(b, l->actor_system[i]);
	for (int i = 0; i < 6; i++)
		fab_wire_put_u8(b, l->partner_system[i]);
	fab_wire_put_u32(b, l->bundle_changes);
	fab_wire_put_str(b, l->why);
	fab_wire_put_u64(b, l->rx_packets);
	fab_wire_put_u64(b, l->tx_packets);
	fab_wire_put_u64(b, l->rx_bytes);
	fab_wire_put_u64(b, l->tx_bytes);
	fab_wire_put_u64(b, l->rx_errors);
	fab_wire_put_u64(b, l->tx_errors);
}

static void get_link(struct fab_wire_rd *r, struct fab_wire_lag_link *l)
{
	fab_wire_get_str(r, l->device, sizeof(l->device));
	l->carrier = fab_wire_get_u8(r);
	l->bundled = fab_wire_get_u8(r);
	l->actor_state = fab_wire_get_u8(r);
	l->partner_state = fab_wire_get_u8(r);
	l->actor_key = fab_wire_get_u16(r);
	l->partner_key = fab_wire_get_u16(r);
	for (int i = 0; i < 6; i++)
		l->actor_system[i] = fab_wire_get_u8(r);
	for (int i = 0; i < 6; i++)
		l->partner_system[i] = fab_wire_get_u8(r);
	l->bundle_changes = fab_wire_get_u32(r);
	fab_wire_get_str(r, l->why, sizeof(l->why));
	l->rx_packets = fab_wire_get_u64(r);
	l->tx_packets = fab_wire_get_u64(r);
	l->rx_bytes = fab_wire_get_u64(r);
	l->tx_bytes = fab_wire_get_u64(r);
	l->rx_errors = fab_wire_get_u64(r);
	l->tx_errors = fab_wire_get_u64(r);
}

int fab_wire_lags_encode(struct fab_wire_buf *b, const struct fab_wire_hdr *req,
			 const struct fab_wire_lags *m)
{
	fab_wire_begin(b, req->type, FAB_WIRE_F_REPLY, req->id, 0);
	fab_wire_put_u16(b, m->nlags);
	for (uint16_t i = 0; i < m->nlags; i++) {
		const struct fab_wire_lag *g = &m->lags[i];

		fab_wire_put_u16(b, g->port);
		fab_wire_put_u8(b, g->min_links);
		fab_wire_put_u8(b, g->nbundled);
		fab_wire_put_u8(b, g->nlinks);
		for (uint8_t k = 0; k < g->nlinks && k < FAB_LAG_LINKS_MAX; k++)
			put_link(b, &g->links[k]);
	}
	return fab_wire_finish(b);
}

int fab_wire_lags_decode(const uint8_t *p, size_t len, struct fab_wire_lags *m)
{
	struct fab_wire_rd r;
	uint16_t n;

	fab_wire_rd_init(&r, p, len);
	n = fab_wire_get_u16(&r);
	if (r.err || n > m->cap || n > FAB_PORTS_MAX)
		return -EBADMSG;
	for (uint16_t i = 0; i < n && !r.err; i++) {
		struct fab_wire_lag *g = &m->lags[i];

		memset(g, 0, sizeof(*g));
		g->port = fab_wire_get_u16(&r);
		g->min_links = fab_wire_get_u8(&r);
		g->nbundled = fab_wire_get_u8(&r);
		g->nlinks = fab_wire_get_u8(&r);
		if (g->nlinks > FAB_LAG_LINKS_MAX || g->port >= FAB_PORTS_MAX ||
		    g->nbundled > g->nlinks)
			return -EBADMSG;
		for (uint8_t k = 0; k < g->nlinks && !r.err; k++)
			get_link(&r, &g->links[k]);
	}
	if (fab_wire_rd_end(&r) != 0)
		return -EBADMSG;
	m->nlags = n;
	return 0;
}
