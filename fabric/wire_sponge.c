/* SPDX-License-Identifier: BSD-3-Clause */
/* The SPONGE_SET message: a blob of 16-byte addresses, its length checked. */
#include <errno.h>

#include "wire.h"

int fab_wire_sponge_set_encode(struct fab_wire_buf *b, uint32_t id,
			       const struct fab_wire_sponge_set *m)
{
	fab_wire_begin(b, FAB_WIRE_SPONGE_SET, 0, id, 0);
	if (m->n > FAB_WIRE_SPONGED_MAX && b->err == 0)
		b->err = -E2BIG;
	else
		fab_wire_put_blob(b, m->addrs, (size_t)m->n * 16);
	return fab_wire_finish(b);
}

int fab_wire_sponge_set_decode(const uint8_t *p, size_t len, struct fab_wire_sponge_set *m)
{
	struct fab_wire_rd r;
	const uint8_t *blob;
	size_t n;

	fab_wire_rd_init(&r, p, len);
	n = fab_wire_get_blob(&r, &blob);
	if (n % 16 != 0 || n / 16 > FAB_WIRE_SPONGED_MAX || (n > 0 && blob == NULL))
		return -EBADMSG;
	m->addrs = (const uint8_t(*)[16])blob;
	m->n = (uint32_t)(n / 16);
	return fab_wire_rd_end(&r);
}
