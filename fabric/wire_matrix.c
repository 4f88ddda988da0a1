/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The MATRIX_GET message: a page of the member-to-member matrix. The reply
 * is the start time, the lost counters, the next cursor, the number of
 * pairs and the pairs, each FAB_WIRE_MX_PAIR_LEN bytes; every length is
 * checked against the payload before a pair is read.
 */
#include <errno.h>

#include "matrix.h"
#include "wire.h"

#define MX_HEAD_LEN 32 /* start, lost frames, lost bytes, next, npairs */

int fab_wire_mx_get_encode(struct fab_wire_buf *b, uint32_t id, uint32_t cursor)
{
	fab_wire_begin(b, FAB_WIRE_MATRIX_GET, 0, id, 0);
	fab_wire_put_u32(b, cursor);
	return fab_wire_finish(b);
}

int fab_wire_mx_get_decode(const uint8_t *p, size_t len, uint32_t *cursor)
{
	struct fab_wire_rd r;

	fab_wire_rd_init(&r, p, len);
	*cursor = fab_wire_get_u32(&r);
	return fab_wire_rd_end(&r);
}

void fab_wire_mx_begin(struct fab_wire_buf *b, const struct fab_wire_hdr *req,
		       const struct fab_wire_mx_page *m)
{
	fab_wire_begin(b, req->type, FAB_WIRE_F_REPLY, req->id, 0);
	fab_wire_put_u64(b, m->start_time);
	fab_wire_put_u64(b, m->lost_frames);
	fab_wire_put_u64(b, m->lost_bytes);
	fab_wire_put_u32(b, 0); /* next and npairs: written by fab_wire_mx_end */
	fab_wire_put_u32(b, 0);
}

void fab_wire_mx_put(struct fab_wire_buf *b, const struct fab_mx_ent *e)
{
	fab_wire_put_u16(b, e->vlan);
	fab_wire_put_u32(b, e->src_asn);
	fab_wire_put_u32(b, e->dst_asn);
	for (unsigned a = 0; a < FAB_AFI__COUNT; a++) {
		fab_wire_put_u64(b, e->frames[a]);
		fab_wire_put_u64(b, e->bytes[a]);
	}
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int fab_wire_mx_end(struct fab_wire_buf *b, uint32_t next, uint32_t npairs)
{
	size_t off = b->start + FAB_WIRE_HDR_LEN + 24;

	if (b->err == 0 && b->len >= off + 8) {
		be32(b->data + off, next);
		be32(b->data + off + 4, npairs);
	}
	return fab_wire_finish(b);
}

int fab_wire_mx_page_decode(const uint8_t *p, size_t len, struct fab_wire_mx_page *m)
{
	struct fab_wire_rd r;

	fab_wire_rd_init(&r, p, len);
	m->start_time = fab_wire_get_u64(&r);
	m->lost_frames = fab_wire_get_u64(&r);
	m->lost_bytes = fab_wire_get_u64(&r);
	m->next = fab_wire_get_u32(&r);
	m->npairs = fab_wire_get_u32(&r);
	if (r.err || m->npairs > FAB_WIRE_MX_PAGE ||
	    len - MX_HEAD_LEN != (size_t)m->npairs * FAB_WIRE_MX_PAIR_LEN)
		return -EBADMSG;
	m->pairs = p + MX_HEAD_LEN;
	return 0;
}

void fab_wire_mx_pair(const struct fab_wire_mx_page *m, uint32_t i, struct fab_mx_ent *e)
{
	struct fab_wire_rd r;

	fab_wire_rd_init(&r, m->pairs + (size_t)i * FAB_WIRE_MX_PAIR_LEN, FAB_WIRE_MX_PAIR_LEN);
	*e = (struct fab_mx_ent){.used = 1};
	e->vlan = fab_wire_get_u16(&r);
	e->src_asn = fab_wire_get_u32(&r);
	e->dst_asn = fab_wire_get_u32(&r);
	for (unsigned a = 0; a < FAB_AFI__COUNT; a++) {
		e->frames[a] = fab_wire_get_u64(&r);
		e->bytes[a] = fab_wire_get_u64(&r);
	}
}
