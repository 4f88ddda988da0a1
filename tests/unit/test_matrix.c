/* SPDX-License-Identifier: BSD-3-Clause */
/* The traffic matrix: its table, the pipeline's pairs, the wire page. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fabric/matrix_count.h"
#include "fabric/proto.h"
#include "fabric/wire.h"
#include "fixture.h"
#include "frames.h"

#define SLOTS FAB_MX_SLOTS_MIN

struct mx {
	struct fab_matrix m;
	void *mem;
};

static void mx_new(struct mx *x, uint32_t slots)
{
	x->mem = calloc(1, fab_matrix_size(slots));
	assert_non_null(x->mem);
	assert_int_equal(fab_matrix_init(&x->m, x->mem, slots), 0);
}

/* A worker's table and the members' ids, as the dataplane keeps them. */
struct wk {
	struct fab_mxw w;
	void *mem;
	struct fab_mx_ids ids;
};

static void wk_new(struct wk *k, uint32_t slots)
{
	memset(k, 0, sizeof(*k));
	k->mem = calloc(1, fab_matrix_size(slots));
	assert_non_null(k->mem);
	assert_int_equal(fab_mxw_init(&k->w, k->mem, slots), 0);
}

static void wk_free(struct wk *k)
{
	free(k->mem);
	fab_mx_ids_free(&k->ids);
}

/* x, afresh: the sum of k as read by the main lcore. */
static void wk_sum(struct mx *x, const struct wk *k)
{
	fab_matrix_clear(&x->m);
	fab_mxw_merge(&x->m, &k->w, &k->ids);
}

static const struct fab_mx_ent *find(const struct fab_matrix *m, uint16_t vlan, uint32_t s,
				     uint32_t d)
{
	for (uint32_t i = 0; i <= m->mask; i++) {
		const struct fab_mx_ent *e = &m->ent[i];

		if (e->used && e->vlan == vlan && e->src_asn == s && e->dst_asn == d)
			return e;
	}
	return NULL;
}

static void test_init_refuses_bad_sizes(void **state)
{
	struct fab_matrix m;
	char mem[64];

	(void)state;
	assert_int_equal(fab_matrix_init(&m, mem, 1000), -EINVAL);
	assert_int_equal(fab_matrix_init(&m, mem, FAB_MX_SLOTS_MIN / 2), -EINVAL);
	assert_int_equal(fab_matrix_init(&m, mem, FAB_MX_SLOTS_MAX * 2), -EINVAL);
	assert_int_equal(fab_matrix_init(&m, NULL, SLOTS), -EINVAL);
	assert_int_equal(fab_matrix_size(1u << 19), 32u << 20);
}

/* Every pair apart, both directions apart, families apart, VLANs apart. */
static void test_pairs_exact(void **state)
{
	struct mx x;
	const struct fab_mx_ent *e;

	(void)state;
	mx_new(&x, SLOTS * 2);
	for (uint32_t s = 1; s <= 30; s++)
		for (uint32_t d = 1; d <= 30; d++)
			for (uint32_t k = 0; k < s; k++)
				fab_matrix_add(&x.m, 100, s, d, (s + d) % FAB_AFI__COUNT, 64 + d);
	fab_matrix_add(&x.m, 200, 3, 4, FAB_AFI_IPV6, 1000);
	assert_int_equal(x.m.npairs, 30 * 30 + 1);
	for (uint32_t s = 1; s <= 30; s++)
		for (uint32_t d = 1; d <= 30; d++) {
			unsigned afi = (s + d) % FAB_AFI__COUNT;

			e = find(&x.m, 100, s, d);
			assert_non_null(e);
			for (unsigned a = 0; a < FAB_AFI__COUNT; a++) {
				assert_int_equal(e->frames[a], a == afi ? s : 0);
				assert_int_equal(e->bytes[a], a == afi ? s * (64 + d) : 0);
			}
		}
	e = find(&x.m, 200, 3, 4);
	assert_non_null(e);
	assert_int_equal(e->frames[FAB_AFI_IPV6], 1);
	assert_int_equal(x.m.lost_frames, 0);
	free(x.mem);
}

/* A full table counts the newcomers as lost, never under another pair. */
static void test_full_table_loses_not_misattributes(void **state)
{
	struct mx x;
	uint64_t total = 0;

	(void)state;
	mx_new(&x, SLOTS);
	for (uint32_t s = 0; s < SLOTS; s++) {
		fab_matrix_add(&x.m, 1, s, s + 1, FAB_AFI_IPV4, 100);
		total++;
	}
	assert_int_equal(x.m.npairs, x.m.limit);
	assert_int_equal(x.m.lost_frames, SLOTS - x.m.limit);
	assert_int_equal(x.m.lost_bytes, (SLOTS - x.m.limit) * 100);
	/* Pairs already in keep counting. */
	fab_matrix_add(&x.m, 1, 0, 1, FAB_AFI_IPV4, 100);
	total++;
	assert_int_equal(find(&x.m, 1, 0, 1)->frames[FAB_AFI_IPV4], 2);
	for (uint32_t i = 0; i <= x.m.mask; i++)
		total -= x.m.ent[i].used ? x.m.ent[i].frames[FAB_AFI_IPV4] : 0;
	assert_int_equal(total, x.m.lost_frames);
	free(x.mem);
}

/* Adds a frame of len bytes of family afi under the ids of two members. */
static void wk_add_to(struct fab_mxw *w, struct fab_mx_ids *ids, uint16_t vlan, uint32_t src,
		      uint32_t dst, unsigned afi, uint32_t len)
{
	uint16_t s = fab_mx_ids_get(ids, vlan, src), d = fab_mx_ids_get(ids, vlan, dst);
	struct fab_mxw_slot *e = fab_mxw_slot(w, fab_mx_key(s, d));

	e->frames[afi]++;
	e->bytes[afi] += len;
}

static void wk_add(struct wk *k, uint16_t vlan, uint32_t src, uint32_t dst, unsigned afi,
		   uint32_t len)
{
	wk_add_to(&k->w, &k->ids, vlan, src, dst, afi, len);
}

/* Ids: one per member and LAN, the same each time it is asked for, never
 * another's; past the last, none. */
static void test_ids(void **state)
{
	struct fab_mx_ids ids = {0};
	uint16_t a, b, c;

	(void)state;
	a = fab_mx_ids_get(&ids, 100, 64501);
	b = fab_mx_ids_get(&ids, 100, 64502);
	c = fab_mx_ids_get(&ids, 200, 64501);
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	assert_int_equal(c, 3);
	assert_int_equal(fab_mx_ids_get(&ids, 100, 64501), a);
	assert_int_equal(fab_mx_ids_get(&ids, 200, 64501), c);
	/* Asked for in any order, every id stays its member's. */
	for (uint32_t i = 0; i < FAB_MX_IDS_MAX - 3; i++)
		assert_int_equal(fab_mx_ids_get(&ids, 300, 4200000000u - i * 7919u), 4 + i);
	assert_int_equal(ids.n, FAB_MX_IDS_MAX);
	assert_int_equal(fab_mx_ids_get(&ids, 300, 1), FAB_MX_ID_NONE);
	assert_int_equal(fab_mx_ids_get(&ids, 300, 4200000000u - 1000 * 7919u), 1004);
	assert_int_equal(fab_mx_ids_get(&ids, 100, 64502), b);
	for (uint32_t i = 0; i < ids.n; i++)
		assert_int_equal(fab_mx_ids_get(&ids, ids.who[i].vlan, ids.who[i].asn), i + 1);
	fab_mx_ids_free(&ids);
	fab_mx_ids_free(NULL);
}

/* A worker's full table counts the newcomers as lost, never under another
 * pair. */
static void test_worker_full(void **state)
{
	struct wk k;
	struct mx x;
	uint64_t total = 0;

	(void)state;
	wk_new(&k, SLOTS);
	mx_new(&x, SLOTS * 2);
	for (uint32_t s = 0; s < SLOTS; s++) {
		wk_add(&k, 1, s, s + 1, FAB_AFI_IPV4, 100);
		total++;
	}
	assert_int_equal(k.w.npairs, k.w.limit);
	assert_int_equal(k.w.lost.frames[FAB_AFI_IPV4], SLOTS - k.w.limit);
	/* Pairs already in keep counting. */
	wk_add(&k, 1, 0, 1, FAB_AFI_IPV4, 100);
	total++;
	wk_sum(&x, &k);
	assert_int_equal(find(&x.m, 1, 0, 1)->frames[FAB_AFI_IPV4], 2);
	assert_int_equal(x.m.npairs, k.w.limit);
	assert_int_equal(x.m.lost_frames, SLOTS - k.w.limit);
	assert_int_equal(x.m.lost_bytes, (SLOTS - k.w.limit) * 100);
	for (uint32_t i = 0; i <= x.m.mask; i++)
		total -= x.m.ent[i].used ? x.m.ent[i].frames[FAB_AFI_IPV4] : 0;
	assert_int_equal(total, x.m.lost_frames);
	wk_free(&k);
	free(x.mem);
}

/* A frame counted as the worker counts it: at home, or else far. */
static void count(struct fab_mxw *mx, const struct fab_verdict *v, const uint8_t *afi, uint32_t len)
{
	if (!fab_mxw_count_home((char *)mx->slot, mx->omask, v, afi, len))
		fab_mxw_count_far(mx, v, *afi, len);
}

/*
 * Slot 0 is no pair's: a pair whose hash names it takes the next one, and
 * the verdicts that name no pair, which count there, never show as a pair.
 */
static void test_slot_zero(void **state)
{
	struct fab_verdict pair = {.action = FAB_ACT_FORWARD, .port = 1};
	struct fab_verdict none = {.action = FAB_ACT_FORWARD, .port = 1};
	uint8_t afi = FAB_AFI_IPV6;
	struct wk k;
	struct mx x;

	(void)state;
	wk_new(&k, SLOTS);
	mx_new(&x, SLOTS);
	for (uint32_t asn = 64500; asn < 64700; asn++)
		assert_int_not_equal(fab_mx_ids_get(&k.ids, 100, asn), FAB_MX_ID_NONE);
	for (uint16_t s = 1; s <= 200 && pair.dst == 0; s++)
		for (uint16_t d = 1; d <= 200 && pair.dst == 0; d++)
			if (s != d && fab_mxw_off(fab_mx_key(s, d), k.w.omask) == 0) {
				pair.src = s;
				pair.dst = d;
			}
	assert_int_not_equal(pair.dst, 0);
	for (int i = 0; i < 3; i++) {
		count(&k.w, &pair, &afi, 100);
		count(&k.w, &none, &afi, 60);
	}
	assert_int_equal(k.w.slot[0].key, 0);
	assert_int_equal(k.w.slot[1].key, fab_mx_key(pair.src, pair.dst));
	assert_int_equal(k.w.slot[1].frames[FAB_AFI_IPV6], 3);
	assert_int_equal(k.w.npairs, 1);
	wk_sum(&x, &k);
	assert_int_equal(x.m.npairs, 1);
	assert_int_equal(x.m.lost_frames, 0);
	assert_int_equal(
	    find(&x.m, 100, 64500 + pair.src - 1, 64500 + pair.dst - 1)->bytes[FAB_AFI_IPV6], 300);
	wk_free(&k);
	free(x.mem);
}

/*
 * What the worker's loop counts and what it leaves for after it: a pair
 * is counted at home only once it is in its home slot; a new pair, and one
 * whose home another pair took, are left (false, nothing counted) and
 * fab_mxw_count_far counts them, the second one slot on, every time.
 */
static void test_home_and_far(void **state)
{
	struct fab_verdict a = {.action = FAB_ACT_FORWARD, .port = 1};
	struct fab_verdict b = {.action = FAB_ACT_FORWARD, .port = 1};
	uint8_t v4 = FAB_AFI_IPV4, v6 = FAB_AFI_IPV6;
	char *slot;
	struct wk k;

	(void)state;
	wk_new(&k, SLOTS);
	slot = (char *)k.w.slot;
	/* Two pairs that share a home slot other than 0. */
	for (uint16_t s = 1; s <= 200 && b.dst == 0; s++)
		for (uint16_t d = 1; d <= 200 && b.dst == 0; d++) {
			uint64_t off = fab_mxw_off(fab_mx_key(s, d), k.w.omask);

			if (s == d || off == 0)
				continue;
			if (a.dst == 0) {
				a.src = s;
				a.dst = d;
			} else if (off == fab_mxw_off(fab_mx_key(a.src, a.dst), k.w.omask)) {
				b.src = s;
				b.dst = d;
			}
		}
	assert_int_not_equal(b.dst, 0);

	assert_false(fab_mxw_count_home(slot, k.w.omask, &a, &v4, 100));
	assert_int_equal(k.w.npairs, 0);
	fab_mxw_count_far(&k.w, &a, v4, 100);
	assert_true(fab_mxw_count_home(slot, k.w.omask, &a, &v4, 100));
	assert_true(fab_mxw_count_home(slot, k.w.omask, &a, &v6, 1500));
	for (int i = 0; i < 3; i++) {
		assert_false(fab_mxw_count_home(slot, k.w.omask, &b, &v6, 80));
		fab_mxw_count_far(&k.w, &b, v6, 80);
	}
	assert_int_equal(k.w.npairs, 2);
	assert_int_equal(fab_mxw_slot(&k.w, fab_mx_key(a.src, a.dst))->frames[FAB_AFI_IPV4], 2);
	assert_int_equal(fab_mxw_slot(&k.w, fab_mx_key(a.src, a.dst))->bytes[FAB_AFI_IPV4], 200);
	assert_int_equal(fab_mxw_slot(&k.w, fab_mx_key(a.src, a.dst))->bytes[FAB_AFI_IPV6], 1500);
	assert_int_equal(fab_mxw_slot(&k.w, fab_mx_key(a.src, a.dst))->frames[FAB_AFI_IPV6], 1);
	assert_int_equal(fab_mxw_slot(&k.w, fab_mx_key(b.src, b.dst))->frames[FAB_AFI_IPV6], 3);
	assert_int_equal(fab_mxw_slot(&k.w, fab_mx_key(b.src, b.dst))->bytes[FAB_AFI_IPV6], 240);
	assert_int_equal(fab_mxw_slot(&k.w, fab_mx_key(b.src, b.dst))->frames[FAB_AFI_IPV4], 0);
	assert_int_equal(k.w.npairs, 2);
	wk_free(&k);
}

/* Merging on read adds the workers' tables, and counts a pair of an id
 * nobody was given as lost; a walk in pages sees each pair once. */
static void test_merge_and_walk(void **state)
{
	struct wk w1, w2;
	struct mx sum;
	uint32_t seen = 0;

	(void)state;
	wk_new(&w1, SLOTS);
	wk_new(&w2, SLOTS);
	mx_new(&sum, SLOTS * 2);
	for (uint32_t s = 0; s < 100; s++) {
		/* The ids of both workers are the dataplane's one set. */
		wk_add(&w1, 10, s, 7, FAB_AFI_IPV4, 60);
		wk_add_to(&w2.w, &w1.ids, 10, s, 7, FAB_AFI_OTHER, 70);
		wk_add_to(&w2.w, &w1.ids, 10, 7, s, FAB_AFI_IPV6, 80);
	}
	w2.w.lost.frames[FAB_AFI_IPV4] = 5;
	fab_mxw_slot(&w2.w, fab_mx_key(FAB_MX_ID_NONE, 1))->frames[FAB_AFI_IPV6] += 3;
	fab_mxw_slot(&w2.w, fab_mx_key(1, 1000))->frames[FAB_AFI_IPV6] += 4;
	fab_mxw_merge(&sum.m, &w1.w, &w1.ids);
	fab_mxw_merge(&sum.m, &w2.w, &w1.ids);
	assert_int_equal(sum.m.lost_frames, 12);
	for (uint32_t s = 0; s < 100; s++) {
		const struct fab_mx_ent *e = find(&sum.m, 10, s, 7);

		assert_non_null(e);
		assert_int_equal(e->frames[FAB_AFI_IPV4], 1);
		assert_int_equal(e->bytes[FAB_AFI_OTHER], 70);
		assert_int_equal(e->bytes[FAB_AFI_IPV6], s == 7 ? 80 : 0);
	}
	/* 199 pairs: (s, 7) for 100 s and (7, s) for the 99 s != 7. */
	assert_int_equal(sum.m.npairs, 199);
	for (uint32_t i = 0; i <= sum.m.mask; i++)
		seen += sum.m.ent[i].used;
	assert_int_equal(seen, 199);
	wk_free(&w2);
	wk_free(&w1);
	free(sum.mem);
}

struct stop_after {
	uint32_t n, max;
};

static int stop_after(void *arg, const struct fab_mx_ent *e)
{
	struct stop_after *s = arg;

	(void)e;
	if (s->n == s->max)
		return 1;
	s->n++;
	return 0;
}

static void test_walk_pages(void **state)
{
	struct mx x;
	uint32_t cursor = 0, total = 0, pages = 0;

	(void)state;
	mx_new(&x, SLOTS);
	for (uint32_t s = 0; s < 500; s++)
		fab_matrix_add(&x.m, 1, s, 1, FAB_AFI_IPV4, 1);
	while (cursor <= x.m.mask) {
		struct stop_after sa = {.max = 64};

		fab_matrix_walk(&x.m, &cursor, stop_after, &sa);
		total += sa.n;
		pages++;
	}
	assert_int_equal(total, 500);
	assert_int_equal(pages, 8);
	free(x.mem);
}

/*
 * Decides the n frames f on port as a worker with the matrix on does, and
 * counts them in k as it does: every verdict but a drop, with the family
 * the pipeline gave, which must be the frame's as it leaves.
 */
static void run_counted(struct fab_pipeline_ctx *ctx, uint16_t port, struct fab_frame *f,
			struct fab_verdict *v, uint16_t n, struct wk *k)
{
	uint8_t afi[FAB_BURST_MAX];

	assert_true(n <= FAB_BURST_MAX);
	memset(afi, FAB_AFI_OTHER, sizeof(afi));
	ctx->afi = afi;
	fab_pipeline_run(ctx, port, f, v, n);
	ctx->afi = NULL;
	for (uint16_t i = 0; i < n; i++) {
		if (v[i].action == FAB_ACT_DROP)
			continue;
		if (v[i].dst != 0)
			assert_int_equal(afi[i], fab_mx_afi_of(f[i].data));
		else
			assert_int_equal(v[i].src, 0);
		count(&k->w, &v[i], &afi[i], f[i].len);
	}
}

/* The pipeline names both members of a forward; steering and drops none. */
static void test_pipeline_pairs(void **state)
{
	struct fab_model *m = fx_exchange();
	struct fab_tables *t = fab_tables_build(m, 1);
	uint8_t oper[FX_NPORTS] = {0};
	struct fab_port_stats stats[FX_NPORTS];
	struct fab_pipeline_ctx ctx = {.t = t, .oper = oper, .stats = stats};
	struct fab_verdict v;
	struct mx x;
	struct wk k;
	struct fr fr;
	struct fab_frame *f;
	const struct fab_mx_ent *e;

	(void)state;
	assert_non_null(t);
	mx_new(&x, SLOTS);
	wk_new(&k, SLOTS);
	fab_tables_mx_ids(t, &k.ids);
	for (int full = 0; full < 2; full++) {
		memset(stats, 0, sizeof(stats));
		ctx.full_rules = full;
		/* A to B, IPv4 (the fast path when allowed), then IPv6, then other. */
		f = fr_ip4_frame(&fr, FX_MAC_B, FX_MAC_A, 0, 17, "192.0.2.10", "192.0.2.11", 100);
		run_counted(&ctx, FX_P_A, f, &v, 1, &k);
		assert_int_equal(v.action, FAB_ACT_FORWARD);
		assert_int_not_equal(v.dst, 0);
		f = fr_ip6_frame(&fr, FX_MAC_B, FX_MAC_A, 0, 17, "2001:db8::a", "2001:db8::b", 200);
		run_counted(&ctx, FX_P_A, f, &v, 1, &k);
		/* A to C on C's trunk: the tag is pushed, the family still read. */
		f = fr_ip6_frame(&fr, FX_MAC_C, FX_MAC_A, 0, 17, "2001:db8::a", "2001:db8::c", 300);
		run_counted(&ctx, FX_P_A, f, &v, 1, &k);
		assert_int_equal(v.action, FAB_ACT_FORWARD);
		/* C (tagged) to A: the tag is popped. */
		f = fr_ip4_frame(&fr, FX_MAC_A, FX_MAC_C, 100, 17, "192.0.2.12", "192.0.2.10", 100);
		run_counted(&ctx, FX_P_C, f, &v, 1, &k);
		assert_int_equal(v.action, FAB_ACT_FORWARD);
		/* An ARP request steered to its owner is no pair. */
		f = fr_arp_frame(&fr, FAB_MAC_BROADCAST, FX_MAC_A, 0, 1, "192.0.2.10",
				 "192.0.2.11");
		run_counted(&ctx, FX_P_A, f, &v, 1, &k);
		assert_int_equal(v.action, FAB_ACT_FORWARD);
		assert_int_equal(v.dst, 0);
		/* A drop is none either. */
		f = fr_ip4_frame(&fr, 0x020000000099ULL, FX_MAC_A, 0, 17, "192.0.2.10",
				 "192.0.2.11", 100);
		run_counted(&ctx, FX_P_A, f, &v, 1, &k);
		assert_int_equal(v.action, FAB_ACT_DROP);
		assert_int_equal(v.dst, 0);
	}
	assert_int_equal(k.w.npairs, 3);
	wk_sum(&x, &k);
	assert_int_equal(x.m.npairs, 3);
	e = find(&x.m, 100, 64501, 64502);
	assert_non_null(e);
	assert_int_equal(e->frames[FAB_AFI_IPV4], 2);
	assert_int_equal(e->frames[FAB_AFI_IPV6], 2);
	assert_int_equal(e->frames[FAB_AFI_OTHER], 0);
	assert_int_equal(e->bytes[FAB_AFI_IPV4], 2 * (14 + 20 + 100));
	assert_int_equal(e->bytes[FAB_AFI_IPV6], 2 * (14 + 40 + 200));
	e = find(&x.m, 100, 64501, 64503);
	assert_non_null(e);
	assert_int_equal(e->frames[FAB_AFI_IPV6], 2);
	assert_int_equal(e->bytes[FAB_AFI_IPV6], 2 * (18 + 40 + 300)); /* as it left: tagged */
	e = find(&x.m, 100, 64503, 64501);
	assert_non_null(e);
	assert_int_equal(e->frames[FAB_AFI_IPV4], 2);
	assert_int_equal(e->bytes[FAB_AFI_IPV4], 2 * (14 + 20 + 100));
	free(x.mem);
	wk_free(&k);
	fab_tables_destroy(t);
	fab_model_destroy(m);
}

/*
 * A burst of several pairs and families, decided by the fast path (which
 * gives the class it read as the family) and by the full path (a tag
 * pushed, a drop, a steered request) together: every pair exact, the same
 * with the full rules only, and the pairs adding up to the frames
 * forwarded.
 */
static void test_pipeline_burst(void **state)
{
	enum { N = 14 };
	struct fab_model *m = fx_exchange();
	struct fab_tables *t;
	uint8_t oper[FX_NPORTS] = {0};
	struct fab_port_stats stats[FX_NPORTS];
	struct fab_pipeline_ctx ctx = {.oper = oper, .stats = stats};
	struct fab_frame f[N];
	struct fab_verdict v[N];
	struct fr *fr = calloc(N, sizeof(*fr));
	const struct fab_mx_ent *e;
	struct mx x;
	struct wk k;

	(void)state;
	assert_non_null(fr);
	m->policy.ethertypes[m->policy.nethertypes++] = 0x88b5;
	t = fab_tables_build(m, 1);
	assert_non_null(t);
	ctx.t = t;
	mx_new(&x, SLOTS);
	for (int full = 0; full < 2; full++) {
		unsigned i = 0;
		uint64_t sum = 0;

		wk_new(&k, SLOTS);
		fab_tables_mx_ids(t, &k.ids);
		ctx.full_rules = full;
		memset(stats, 0, sizeof(stats));
		for (unsigned j = 0; j < 3; j++, i++)
			f[i] = *fr_ip4_frame(&fr[i], FX_MAC_B, FX_MAC_A, 0, 17, "192.0.2.10",
					     "192.0.2.11", 100 + 10 * j);
		f[i] = *fr_ip6_frame(&fr[i], FX_MAC_B, FX_MAC_A, 0, 17, "2001:db8::a",
				     "2001:db8::b", 200);
		i++;
		/* C's trunk: the full path pushes the tag. */
		f[i] = *fr_ip6_frame(&fr[i], FX_MAC_C, FX_MAC_A, 0, 17, "2001:db8::a",
				     "2001:db8::c", 300);
		i++;
		f[i] = *fr_ip6_frame(&fr[i], FX_MAC_B, FX_MAC_A, 0, 17, "2001:db8::a",
				     "2001:db8::b", 210);
		i++;
		for (unsigned j = 0; j < 2; j++) {
			fr_eth(&fr[i], FX_MAC_B, FX_MAC_A, 0, 0x88b5);
			fr_zero(&fr[i], 60 + 20 * j);
			f[i] = *fr_done(&fr[i]);
			i++;
		}
		f[i] = *fr_ip4_frame(&fr[i], 0x020000000099ULL, FX_MAC_A, 0, 17, "192.0.2.10",
				     "192.0.2.11", 100);
		i++;
		f[i] = *fr_arp_frame(&fr[i], FAB_MAC_BROADCAST, FX_MAC_A, 0, 1, "192.0.2.10",
				     "192.0.2.11");
		i++;
		f[i] =
		    *fr_ip4_frame(&fr[i], FX_MAC_G, FX_MAC_A, 0, 6, "192.0.2.10", "192.0.2.7", 40);
		i++;
		f[i] = *fr_ip6_frame(&fr[i], FX_MAC_C, FX_MAC_A, 0, 17, "2001:db8::a",
				     "2001:db8::c", 100);
		i++;
		f[i] = *fr_ip4_frame(&fr[i], FX_MAC_B, FX_MAC_A, 0, 17, "192.0.2.10", "192.0.2.11",
				     500);
		i++;
		f[i] = *fr_ip6_frame(&fr[i], FX_MAC_G, FX_MAC_A, 0, 17, "2001:db8::a",
				     "2001:db8::7", 64);
		i++;
		assert_int_equal(i, N);
		run_counted(&ctx, FX_P_A, f, v, N, &k);
		assert_true(fx_accounts(stats, FX_NPORTS));
		assert_int_equal(k.w.npairs, 3);
		wk_sum(&x, &k);
		assert_int_equal(x.m.lost_frames, 0);
		e = find(&x.m, 100, 64501, 64502);
		assert_non_null(e);
		assert_int_equal(e->frames[FAB_AFI_IPV4], 4);
		assert_int_equal(e->bytes[FAB_AFI_IPV4], 4 * (14 + 20) + 100 + 110 + 120 + 500);
		assert_int_equal(e->frames[FAB_AFI_IPV6], 2);
		assert_int_equal(e->bytes[FAB_AFI_IPV6], 2 * (14 + 40) + 200 + 210);
		assert_int_equal(e->frames[FAB_AFI_OTHER], 2);
		assert_int_equal(e->bytes[FAB_AFI_OTHER], (14 + 60) + (14 + 80));
		e = find(&x.m, 100, 64501, 64503);
		assert_non_null(e);
		assert_int_equal(e->frames[FAB_AFI_IPV6], 2);
		assert_int_equal(e->bytes[FAB_AFI_IPV6], 2 * (18 + 40) + 300 + 100);
		assert_int_equal(e->frames[FAB_AFI_IPV4] + e->frames[FAB_AFI_OTHER], 0);
		e = find(&x.m, 100, 64501, 64507);
		assert_non_null(e);
		assert_int_equal(e->frames[FAB_AFI_IPV4], 1);
		assert_int_equal(e->bytes[FAB_AFI_IPV4], 14 + 20 + 40);
		assert_int_equal(e->frames[FAB_AFI_IPV6], 1);
		assert_int_equal(e->bytes[FAB_AFI_IPV6], 14 + 40 + 64);
		for (uint32_t j = 0; j <= x.m.mask; j++)
			if (x.m.ent[j].used)
				for (unsigned a = 0; a < FAB_AFI__COUNT; a++)
					sum += x.m.ent[j].frames[a];
		assert_int_equal(sum, stats[FX_P_A].ctr[FAB_CTR_forwarded]);
		assert_int_equal(sum, 12);
		wk_free(&k);
	}
	free(x.mem);
	free(fr);
	fab_tables_destroy(t);
	fab_model_destroy(m);
}

/*
 * A table swap that reorders members (so bindings change index) keeps every
 * pair under its own ASNs: a member removed and another added in its place
 * never inherit each other's counts.
 */
static void test_swap_keeps_pairs(void **state)
{
	struct fab_model *m1 = fx_exchange(), *m2;
	struct fab_tables *t1 = fab_tables_build(m1, 1), *t2;
	uint8_t oper[FX_NPORTS] = {0};
	struct fab_port_stats stats[FX_NPORTS] = {0};
	struct fab_pipeline_ctx ctx = {.t = t1, .oper = oper, .stats = stats};
	struct fab_verdict v;
	struct mx x;
	struct wk k;
	struct fr fr;
	struct fab_frame *f;

	(void)state;
	mx_new(&x, SLOTS);
	wk_new(&k, SLOTS);
	fab_tables_mx_ids(t1, &k.ids);
	f = fr_ip4_frame(&fr, FX_MAC_B, FX_MAC_A, 0, 17, "192.0.2.10", "192.0.2.11", 100);
	run_counted(&ctx, FX_P_A, f, &v, 1, &k);
	/* The second table set: B's port now belongs to a new member (AS 65000),
	 * listed first so that every binding index moves. */
	m2 = fx_model();
	uint16_t steer = fx_lan(m2, "steer", 100, FAB_NEIGH_STEER);
	uint16_t lans[1] = {steer};
	uint16_t pa = fx_port(m2, "a", FAB_PORT_EDGE, FAB_PORT_ACCESS, 1500, 1, lans);
	uint16_t pb = fx_port(m2, "b", FAB_PORT_EDGE, FAB_PORT_ACCESS, 1500, 1, lans);
	struct fab_binding *bn = fx_bind(m2, fx_member(m2, 65000, "N"), pb, steer);
	struct fab_binding *ba = fx_bind(m2, fx_member(m2, 64501, "A"), pa, steer);

	fx_mac(bn, FX_MAC_B);
	fx_mac(ba, FX_MAC_A);
	t2 = fab_tables_build(m2, 2);
	assert_non_null(t2);
	fab_tables_mx_ids(t2, &k.ids);
	ctx.t = t2;
	memset(stats, 0, sizeof(stats));
	f = fr_ip4_frame(&fr, FX_MAC_B, FX_MAC_A, 0, 17, "192.0.2.10", "192.0.2.11", 100);
	run_counted(&ctx, pa, f, &v, 1, &k);
	assert_int_equal(v.action, FAB_ACT_FORWARD);
	wk_sum(&x, &k);
	assert_int_equal(x.m.npairs, 2);
	assert_int_equal(find(&x.m, 100, 64501, 64502)->frames[FAB_AFI_IPV4], 1);
	assert_int_equal(find(&x.m, 100, 64501, 65000)->frames[FAB_AFI_IPV4], 1);
	/* The first table set again: B comes back with its own counts. */
	fab_tables_destroy(t1);
	t1 = fab_tables_build(m1, 3);
	assert_non_null(t1);
	fab_tables_mx_ids(t1, &k.ids);
	ctx.t = t1;
	f = fr_ip4_frame(&fr, FX_MAC_B, FX_MAC_A, 0, 17, "192.0.2.10", "192.0.2.11", 100);
	run_counted(&ctx, FX_P_A, f, &v, 1, &k);
	wk_sum(&x, &k);
	assert_int_equal(x.m.npairs, 2);
	assert_int_equal(find(&x.m, 100, 64501, 64502)->frames[FAB_AFI_IPV4], 2);
	assert_int_equal(find(&x.m, 100, 64501, 65000)->frames[FAB_AFI_IPV4], 1);
	free(x.mem);
	wk_free(&k);
	fab_tables_destroy(t1);
	fab_tables_destroy(t2);
	fab_model_destroy(m1);
	fab_model_destroy(m2);
}

/* The wire page: what goes in comes out; a length that lies is refused. */
static void test_wire_page(void **state)
{
	struct fab_wire_buf b = {0};
	struct fab_wire_hdr req = {.type = FAB_WIRE_MATRIX_GET, .id = 9}, h;
	struct fab_wire_mx_page pg = {.start_time = 1234, .lost_frames = 5, .lost_bytes = 6}, out;
	struct fab_mx_ent e = {.src_asn = 64501, .dst_asn = 4200000000u, .vlan = 100, .used = 1};
	struct fab_mx_ent got;
	uint32_t cursor;
	long n;

	(void)state;
	e.frames[FAB_AFI_IPV6] = 7;
	e.bytes[FAB_AFI_IPV6] = 1ULL << 40;
	assert_int_equal(fab_wire_mx_get_encode(&b, 3, 77), 0);
	n = fab_wire_frame(b.data, b.len, &h);
	assert_true(n > 0);
	assert_int_equal(fab_wire_mx_get_decode(b.data + FAB_WIRE_HDR_LEN, h.length, &cursor), 0);
	assert_int_equal(cursor, 77);
	fab_wire_buf_consume(&b, (size_t)n);
	fab_wire_mx_begin(&b, &req, &pg);
	fab_wire_mx_put(&b, &e);
	fab_wire_mx_put(&b, &e);
	assert_int_equal(fab_wire_mx_end(&b, 42, 2), 0);
	n = fab_wire_frame(b.data, b.len, &h);
	assert_true(n > 0);
	assert_int_equal(h.flags, FAB_WIRE_F_REPLY);
	assert_int_equal(fab_wire_mx_page_decode(b.data + FAB_WIRE_HDR_LEN, h.length, &out), 0);
	assert_int_equal(out.start_time, 1234);
	assert_int_equal(out.lost_frames, 5);
	assert_int_equal(out.lost_bytes, 6);
	assert_int_equal(out.next, 42);
	assert_int_equal(out.npairs, 2);
	fab_wire_mx_pair(&out, 1, &got);
	assert_memory_equal(&got, &e, sizeof(e));
	/* One byte short, one too many, a count that lies. */
	assert_int_equal(fab_wire_mx_page_decode(b.data + FAB_WIRE_HDR_LEN, h.length - 1, &out),
			 -EBADMSG);
	b.data[FAB_WIRE_HDR_LEN + 31] = 3;
	assert_int_equal(fab_wire_mx_page_decode(b.data + FAB_WIRE_HDR_LEN, h.length, &out),
			 -EBADMSG);
	assert_int_equal(fab_wire_mx_page_decode(b.data + FAB_WIRE_HDR_LEN, 10, &out), -EBADMSG);
	fab_wire_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_refuses_bad_sizes),
	    cmocka_unit_test(test_pairs_exact),
	    cmocka_unit_test(test_full_table_loses_not_misattributes),
	    cmocka_unit_test(test_ids),
	    cmocka_unit_test(test_worker_full),
	    cmocka_unit_test(test_slot_zero),
	    cmocka_unit_test(test_home_and_far),
	    cmocka_unit_test(test_merge_and_walk),
	    cmocka_unit_test(test_walk_pages),
	    cmocka_unit_test(test_pipeline_pairs),
	    cmocka_unit_test(test_pipeline_burst),
	    cmocka_unit_test(test_swap_keeps_pairs),
	    cmocka_unit_test(test_wire_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
