/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The traffic matrix's memory and its reading (fabric/matrix.h): one table
 * per worker, keyed by members' ids, which only that worker writes, and one
 * on the main lcore, keyed by ASNs, into which the workers' tables are added
 * when control asks for the first page.
 */
#include <errno.h>
#include <string.h>

#include <jansson.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp.h"
#include "fabric/wire.h"

int dp_matrix_init(struct dp *dp)
{
	size_t size = fab_matrix_size(dp->mx_slots);

	if (dp->mx_slots == 0)
		return 0;
	for (uint16_t i = 0; i < dp->nworkers; i++) {
		struct dp_worker *w = &dp->workers[i];
		int socket = (int)rte_lcore_to_socket_id(w->lcore);
		void *mem = rte_zmalloc_socket("dp_matrix", size, RTE_CACHE_LINE_SIZE, socket);

		if (mem == NULL || fab_mxw_init(&w->mx, mem, dp->mx_slots) != 0) {
			rte_free(mem);
			dp_log("worker %u: cannot allocate the traffic matrix (%zu MiB): "
			       "see --matrix-slots",
			       i, size >> 20);
			return -ENOMEM;
		}
		__atomic_store_n(&w->mx_on, true, __ATOMIC_RELEASE);
	}
#if defined(PEERLAN_MATRIX_PROBE) && PEERLAN_MATRIX_PROBE != 0
	dp_log("a measurement build (PEERLAN_MATRIX_PROBE=%d): the traffic matrix does not "
	       "count the traffic",
	       PEERLAN_MATRIX_PROBE);
#endif
	dp->mx_mem = rte_zmalloc("dp_matrix_sum", size, RTE_CACHE_LINE_SIZE);
	if (dp->mx_mem == NULL || fab_matrix_init(&dp->mx, dp->mx_mem, dp->mx_slots) != 0) {
		dp_log("cannot allocate the traffic matrix's sum (%zu MiB)", size >> 20);
		return -ENOMEM;
	}
	return 0;
}

void dp_matrix_free(struct dp *dp)
{
	for (uint16_t i = 0; dp->workers != NULL && i < dp->nworkers; i++) {
		rte_free(dp->workers[i].mx.slot);
		dp->workers[i].mx = (struct fab_mxw){0};
		__atomic_store_n(&dp->workers[i].mx_on, false, __ATOMIC_RELEASE);
	}
	rte_free(dp->mx_mem);
	dp->mx_mem = NULL;
	fab_mx_ids_free(&dp->mx_ids);
}

int dp_matrix_state(const struct dp *dp)
{
	if (dp->mx_mem == NULL)
		return -ENOTSUP;
	return dp->nworkers > 0 && __atomic_load_n(&dp->workers[0].mx_on, __ATOMIC_RELAXED);
}

/*
 * Each worker reads its flag once per burst, after the burst arrived, and
 * counts the whole burst or none of it: what the tables hold stays exact
 * for the bursts counted, and monotonic, whatever the switch does.
 */
int dp_matrix_set(struct dp *dp, bool on)
{
	if (dp->mx_mem == NULL)
		return -ENOTSUP;
	for (uint16_t i = 0; i < dp->nworkers; i++)
		__atomic_store_n(&dp->workers[i].mx_on, on, __ATOMIC_RELEASE);
	return 0;
}

/* Adds every worker's table into dp->mx, afresh: switched off, a table
 * keeps what it counted. */
static void sum(struct dp *dp)
{
	fab_matrix_clear(&dp->mx);
	for (uint16_t i = 0; i < dp->nworkers; i++)
		if (dp->workers[i].mx.slot != NULL)
			fab_mxw_merge(&dp->mx, &dp->workers[i].mx, &dp->mx_ids);
}

struct page {
	struct fab_wire_buf *b;
	uint32_t n;
};

static int put_pair(void *arg, const struct fab_mx_ent *e)
{
	struct page *pg = arg;

	if (pg->n == FAB_WIRE_MX_PAGE)
		return 1;
	fab_wire_mx_put(pg->b, e);
	pg->n++;
	return 0;
}

int dp_matrix_page(struct dp *dp, struct fab_wire_buf *b, const struct fab_wire_hdr *h,
		   uint32_t cursor)
{
	struct fab_wire_mx_page m = {.start_time = dp->start_time};
	struct page pg = {.b = b};

	if (dp->mx_mem == NULL)
		return -ENOTSUP;
	if (cursor == 0)
		sum(dp);
	if (cursor > dp->mx.mask + 1)
		return -EINVAL;
	m.lost_frames = dp->mx.lost_frames;
	m.lost_bytes = dp->mx.lost_bytes;
	fab_wire_mx_begin(b, h, &m);
	fab_matrix_walk(&dp->mx, &cursor, put_pair, &pg);
	return fab_wire_mx_end(b, cursor > dp->mx.mask ? 0 : cursor, pg.n);
}

static const char *const afi_names[FAB_AFI__COUNT] = {"ipv4", "ipv6", "other"};

static int pair_json(void *arg, const struct fab_mx_ent *e)
{
	json_t *o = json_pack("{s:i,s:I,s:I}", "vlan", (int)e->vlan, "src_asn",
			      (json_int_t)e->src_asn, "dst_asn", (json_int_t)e->dst_asn);

	for (unsigned a = 0; o != NULL && a < FAB_AFI__COUNT; a++)
		json_object_set_new(o, afi_names[a],
				    json_pack("{s:I,s:I}", "frames", (json_int_t)e->frames[a],
					      "bytes", (json_int_t)e->bytes[a]));
	if (o == NULL || json_array_append_new(arg, o) != 0)
		return 1;
	return 0;
}

json_t *dp_matrix_json(struct dp *dp)
{
	json_t *pairs, *o;
	uint32_t cursor = 0;

	if (dp->mx_mem == NULL)
		return json_null();
	sum(dp);
	pairs = json_array();
	fab_matrix_walk(&dp->mx, &cursor, pair_json, pairs);
	o = json_pack("{s:o,s:I,s:I}", "pairs", pairs, "lost_frames",
		      (json_int_t)dp->mx.lost_frames, "lost_bytes", (json_int_t)dp->mx.lost_bytes);
#if defined(PEERLAN_MATRIX_PROBE) && PEERLAN_MATRIX_PROBE != 0
	/* A measurement build (dp_worker.c): its counts are not the traffic. */
	if (o != NULL)
		json_object_set_new(o, "probe", json_integer(PEERLAN_MATRIX_PROBE));
#endif
	return o != NULL ? o : json_null();
}
