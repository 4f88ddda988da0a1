/* SPDX-License-Identifier: BSD-3-Clause */
/* CAPTURE_INFO: a port's capture parameters, every length checked. */
#include <errno.h>
#include <string.h>

#include "wire.h"

int fab_wire_capture_req_encode(struct fab_wire_buf *b, uint32_t id, uint16_t port)
{
	fab_wire_begin(b, FAB_WIRE_CAPTURE_INFO, 0, id, 0);
	fab_wire_put_u16(b, port);
	return fab_wire_finish(b);
}

int fab_wire_capture_req_decode(const uint8_t *p, size_t len, uint16_t *port)
{
	struct fab_wire_rd r;

	fab_wire_rd_init(&r, p, len);
	*port = fab_wire_get_u16(&r);
	if (fab_wire_rd_end(&r) != 0 || *port >= FAB_PORTS_MAX)
		return -EBADMSG;
	return 0;
}

int fab_wire_capture_rep_encode(struct fab_wire_buf *b, const struct fab_wire_hdr *req,
				const struct fab_wire_capture *m)
{
	fab_wire_begin(b, req->type, FAB_WIRE_F_REPLY, req->id, 0);
	fab_wire_put_u16(b, m->port);
	fab_wire_put_u16(b, m->dpdk_port);
	fab_wire_put_u8(b, m->ready);
	fab_wire_put_str(b, m->file_prefix);
	fab_wire_put_str(b, m->device);
	fab_wire_put_str(b, m->why);
	fab_wire_put_u32(b, m->uid);
	fab_wire_put_u32(b, m->gid);
	fab_wire_put_str(b, m->runtime_dir);
	return fab_wire_finish(b);
}

int fab_wire_capture_rep_decode(const uint8_t *p, size_t len, struct fab_wire_capture *m)
{
	struct fab_wire_rd r;

	memset(m, 0, sizeof(*m));
	fab_wire_rd_init(&r, p, len);
	m->port = fab_wire_get_u16(&r);
	m->dpdk_port = fab_wire_get_u16(&r);
	m->ready = fab_wire_get_u8(&r);
	fab_wire_get_str(&r, m->file_prefix, sizeof(m->file_prefix));
	fab_wire_get_str(&r, m->device, sizeof(m->device));
	fab_wire_get_str(&r, m->why, sizeof(m->why));
	m->uid = fab_wire_get_u32(&r);
	m->gid = fab_wire_get_u32(&r);
	fab_wire_get_str(&r, m->runtime_dir, sizeof(m->runtime_dir));
	if (fab_wire_rd_end(&r) != 0 || m->port >= FAB_PORTS_MAX || m->ready > 1 ||
	    (m->ready && (m->file_prefix[0] == '\0' || m->runtime_dir[0] != '/')))
		return -EBADMSG;
	return 0;
}
