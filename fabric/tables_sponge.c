/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sponge's and the punt policer's part of a table set. The sponged
 * addresses are a sorted array the pipeline searches
 * by halving, since the set is small (dead addresses of one exchange) and
 * changes seldom, each change being a new table set published under RCU.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tables_impl.h"

static int cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

int fab_tables_set_sponged(struct fab_tables *t, const uint8_t (*addrs)[16], size_t n)
{
	uint8_t(*v)[16] = NULL;
	size_t k = 0;

	if (t->sponge_mac == 0)
		n = 0;
	if (n > UINT32_MAX)
		return -EINVAL;
	if (n > 0) {
		v = malloc(n * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		memcpy(v, addrs, n * sizeof(*v));
		qsort(v, n, sizeof(*v), cmp16);
		/* Duplicates would not break the search, but counts should be honest. */
		for (size_t i = 0; i < n; i++)
			if (k == 0 || memcmp(v[k - 1], v[i], 16) != 0)
				memmove(v[k++], v[i], 16);
	}
	free(t->sponged);
	t->sponged = v;
	t->nsponged = (uint32_t)k;
	return 0;
}

size_t fab_tables_nsponged(const struct fab_tables *t)
{
	return t->nsponged;
}

void fab_tables_punt_rates(const struct fab_tables *t, struct fab_rate *port,
			   struct fab_rate *total)
{
	*port = t->punt_port;
	*total = t->punt_total;
}

uint64_t fab_tables_port_rate(const struct fab_tables *t, uint16_t port, uint32_t *burst)
{
	if (port >= t->nports) {
		*burst = 0;
		return 0;
	}
	*burst = t->ports[port].rate_burst;
	return t->ports[port].rate_bps;
}
