/* SPDX-License-Identifier: BSD-3-Clause */
/* The EVPN message: flags or settings, then fixed route records, each checked. */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "wire_evpn.h"

static void put_recs(struct fab_wire_buf *b, const struct fab_evpn_route *r, size_t n)
{
	if (n > FAB_WIRE_EVPN_ROUTES_MAX) {
		if (b->err == 0)
			b->err = -E2BIG;
		return;
	}
	fab_wire_put_u32(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		static const uint8_t zero[2];

		fab_wire_put_u8(b, r[i].type);
		fab_wire_put_u8(b, r[i].family);
		fab_wire_put_u16(b, r[i].evi);
		fab_wire_put_u32(b, r[i].vni);
		fab_wire_put_u32(b, r[i].vtep);
		fab_wire_put_u16(b, (uint16_t)(r[i].mac >> 32));
		fab_wire_put_u32(b, (uint32_t)r[i].mac);
		fab_wire_put_bytes(b, zero, sizeof(zero));
		fab_wire_put_bytes(b, r[i].ip, sizeof(r[i].ip));
	}
}

void fab_wire_evpn_rec(const uint8_t *recs, uint32_t i, struct fab_evpn_route *r)
{
	const uint8_t *p = recs + (size_t)i * FAB_WIRE_EVPN_REC;

	memset(r, 0, sizeof(*r));
	r->type = p[0];
	r->family = p[1];
	r->evi = fab_rd16(p + 2);
	r->vni = fab_rd32(p + 4);
	r->vtep = fab_rd32(p + 8);
	r->mac = fab_rd_mac(p + 12);
	memcpy(r->ip, p + 20, sizeof(r->ip));
}

/* A record's own rules; the database's come later (fab_evpn_check). */
static bool rec_ok(const uint8_t *p)
{
	static const uint8_t zero[16];
	uint8_t type = p[0], family = p[1];

	if (p[18] != 0 || p[19] != 0)
		return false;
	if (type == FAB_EVPN_IMET)
		return family == 0 && memcmp(p + 12, zero, 6) == 0 && memcmp(p + 20, zero, 16) == 0;
	if (type != FAB_EVPN_MACIP)
		return false;
	if (family == 0)
		return memcmp(p + 20, zero, 16) == 0;
	if (family == 4)
		return memcmp(p + 24, zero, 12) == 0;
	return family == 6;
}

static int get_recs(struct fab_wire_rd *r, uint32_t *n, const uint8_t **recs, uint32_t *bad)
{
	*n = fab_wire_get_u32(r);
	if (r->err || *n > FAB_WIRE_EVPN_ROUTES_MAX ||
	    (size_t)*n * FAB_WIRE_EVPN_REC != r->len - r->off)
		return -EBADMSG;
	*recs = r->p + r->off;
	for (uint32_t i = 0; i < *n; i++)
		if (!rec_ok(*recs + (size_t)i * FAB_WIRE_EVPN_REC)) {
			*bad = i;
			return -EBADMSG;
		}
	r->off = r->len;
	return 0;
}

int fab_wire_evpn_routes_encode(struct fab_wire_buf *b, uint32_t id, uint8_t flags,
				const struct fab_evpn_route *r, size_t n)
{
	fab_wire_begin(b, FAB_WIRE_EVPN, 0, id, 0);
	fab_wire_put_u8(b, flags);
	put_recs(b, r, n);
	return fab_wire_finish(b);
}

int fab_wire_evpn_routes_decode(const uint8_t *p, size_t len, struct fab_wire_evpn_routes *m)
{
	struct fab_wire_rd r;

	fab_wire_rd_init(&r, p, len);
	m->bad = UINT32_MAX;
	m->flags = fab_wire_get_u8(&r);
	if (m->flags & ~FAB_WIRE_EVPN_FLAGS)
		return -EBADMSG;
	if (get_recs(&r, &m->n, &m->recs, &m->bad) != 0)
		return -EBADMSG;
	return fab_wire_rd_end(&r);
}

int fab_wire_evpn_local_encode(struct fab_wire_buf *b, const struct fab_wire_hdr *req,
			       const struct fab_wire_evpn_local *m, const struct fab_evpn_route *r,
			       size_t n)
{
	fab_wire_begin(b, FAB_WIRE_EVPN, FAB_WIRE_F_REPLY, req->id, 0);
	fab_wire_put_u32(b, m->asn);
	fab_wire_put_u32(b, m->router_id);
	fab_wire_put_u32(b, m->neighbor_asn);
	fab_wire_put_u32(b, m->vtep);
	fab_wire_put_u8(b, m->nneighbors);
	for (uint8_t i = 0; i < m->nneighbors && i < FAB_EVPN_NEIGHBORS_MAX; i++)
		fab_wire_put_u32(b, m->neighbors[i]);
	put_recs(b, r, n);
	return fab_wire_finish(b);
}

int fab_wire_evpn_local_decode(const uint8_t *p, size_t len, struct fab_wire_evpn_local *m)
{
	struct fab_wire_rd r;

	fab_wire_rd_init(&r, p, len);
	m->bad = UINT32_MAX;
	m->asn = fab_wire_get_u32(&r);
	m->router_id = fab_wire_get_u32(&r);
	m->neighbor_asn = fab_wire_get_u32(&r);
	m->vtep = fab_wire_get_u32(&r);
	m->nneighbors = fab_wire_get_u8(&r);
	if (m->nneighbors > FAB_EVPN_NEIGHBORS_MAX)
		return -EBADMSG;
	for (uint8_t i = 0; i < m->nneighbors; i++)
		m->neighbors[i] = fab_wire_get_u32(&r);
	if (get_recs(&r, &m->n, &m->recs, &m->bad) != 0)
		return -EBADMSG;
	return fab_wire_rd_end(&r);
}
