/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Storm control and quarantine in the pipeline: the last two rules, on
 * frames that pass every other one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fabric/pipeline.h"
#include "fabric/proto.h"
#include "fixture.h"
#include "frames.h"

#define S 1000000000ULL

struct env {
	struct fab_tables *t;
	uint8_t oper[FX_NPORTS];
	struct fab_port_stats stats[FX_NPORTS];
	struct fab_bucket storm[FX_NPORTS * FAB_STORM__COUNT];
	struct fab_pipeline_ctx ctx;
};

static struct env *env_new(struct fab_model *m)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	e->t = fab_tables_build(m, 1);
	assert_non_null(e->t);
	fab_model_destroy(m);
	e->ctx = (struct fab_pipeline_ctx){
	    .t = e->t, .oper = e->oper, .stats = e->stats, .now = 5 * S, .storm = e->storm};
	return e;
}

static void env_free(struct env *e)
{
	fab_tables_destroy(e->t);
	free(e);
}

/* A storm rate of 10 pps with a burst of 5, for ARP and ND. */
static struct fab_model *limited(void)
{
	struct fab_model *m = fx_exchange();

	m->policy.storm_arp = (struct fab_rate){.pps = 10, .burst = 5};
	m->policy.storm_nd = (struct fab_rate){.pps = 10, .burst = 5};
	return m;
}

/* Sends n copies of what make builds on port in; returns how many passed. */
static int send_n(struct env *e, uint16_t in, int n, struct fab_frame *(*make)(struct fr *))
{
	int passed = 0;

	for (int i = 0; i < n; i++) {
		struct fr fr;
		struct fab_verdict v;

		fab_pipeline_run(&e->ctx, in, make(&fr), &v, 1);
		if (v.action != FAB_ACT_DROP)
			passed++;
		else
			assert_string_equal(fab_drop_name(v.reason), "storm");
	}
	return passed;
}

static struct fab_frame *who_has_b(struct fr *fr)
{
	return fr_arp_frame(fr, FAB_MAC_BROADCAST, FX_MAC_A, 0, FAB_ARP_OP_REQUEST, "192.0.2.10",
			    "192.0.2.11");
}

static struct fab_frame *ns_b(struct fr *fr)
{
	return fr_ns(fr, 0, FX_MAC_A, 0, "2001:db8::a", NULL, "2001:db8::b", FX_MAC_A);
}

static struct fab_frame *unicast_arp_b(struct fr *fr)
{
	return fr_arp_frame(fr, FX_MAC_B, FX_MAC_A, 0, FAB_ARP_OP_REQUEST, "192.0.2.10",
			    "192.0.2.11");
}

/* B's own request for A. */
static struct fab_frame *who_has_from_b(struct fr *fr)
{
	return fr_arp_frame(fr, FAB_MAC_BROADCAST, FX_MAC_B, 0, FAB_ARP_OP_REQUEST, "192.0.2.11",
			    "192.0.2.10");
}

static void test_storm_arp_rate(void **state)
{
	struct env *e = env_new(limited());

	(void)state;
	/* The burst at once, then the rate: 10 a second, one per 100 ms. */
	assert_int_equal(send_n(e, FX_P_A, 20, who_has_b), 5);
	assert_int_equal(e->stats[FX_P_A].drop[FAB_DROP_storm], 15);
	e->ctx.now += S / 10;
	assert_int_equal(send_n(e, FX_P_A, 5, who_has_b), 1);
	e->ctx.now += 10 * S;
	assert_int_equal(send_n(e, FX_P_A, 20, who_has_b), 5);
	/* Each port has its own bucket, and unicast requests spend none. */
	assert_int_equal(send_n(e, FX_P_B, 5, who_has_from_b), 5);
	assert_int_equal(e->stats[FX_P_B].drop[FAB_DROP_storm], 0);
	assert_int_equal(send_n(e, FX_P_A, 10, unicast_arp_b), 10);
	/* ND has a bucket of its own. */
	assert_int_equal(send_n(e, FX_P_A, 8, ns_b), 5);
	env_free(e);
}

static void test_storm_follows_reload_and_can_be_off(void **state)
{
	struct env *e = env_new(limited());
	struct fab_tables *t2;
	struct fab_model *m = fx_exchange();

	(void)state;
	assert_int_equal(send_n(e, FX_P_B, 6, who_has_from_b), 5);
	/* New tables with no limit: the buckets follow without the caller's help. */
	m->policy.storm_arp = (struct fab_rate){.pps = 0, .burst = 1};
	t2 = fab_tables_build(m, 2);
	fab_model_destroy(m);
	assert_non_null(t2);
	fab_tables_destroy(e->t);
	e->t = t2;
	e->ctx.t = t2;
	assert_int_equal(send_n(e, FX_P_B, 50, who_has_from_b), 50);
	/* No buckets at all: no storm control. */
	e->ctx.storm = NULL;
	assert_int_equal(send_n(e, FX_P_B, 50, who_has_from_b), 50);
	env_free(e);
}

static struct fab_frame *tcp_a_to_b(struct fr *fr)
{
	return fr_ip4_frame(fr, FX_MAC_B, FX_MAC_A, 0, FAB_IPPROTO_TCP, "192.0.2.10", "192.0.2.11",
			    20);
}

static void test_quarantine_forwards_nothing(void **state)
{
	struct fab_model *m = fx_exchange();
	struct env *e;
	struct fr fr;
	struct fab_verdict v;

	(void)state;
	m->lans[FX_LAN_STEER].kind = FAB_LAN_QUARANTINE;
	e = env_new(m);
	fab_pipeline_run(&e->ctx, FX_P_A, tcp_a_to_b(&fr), &v, 1);
	assert_int_equal(v.action, FAB_ACT_DROP);
	assert_string_equal(fab_drop_name(v.reason), "quarantine");
	fab_pipeline_run(&e->ctx, FX_P_A, who_has_b(&fr), &v, 1);
	assert_string_equal(fab_drop_name(v.reason), "quarantine");
	/* The other rules still come first and still name the offence. */
	fab_pipeline_run(&e->ctx, FX_P_B, who_has_b(&fr), &v, 1);
	assert_string_equal(fab_drop_name(v.reason), "src_mac_violation");
	assert_int_equal(e->stats[FX_P_A].drop[FAB_DROP_quarantine], 2);
	/* The other LAN is production and forwards. */
	fab_pipeline_run(&e->ctx, FX_P_C,
			 fr_ip4_frame(&fr, FX_MAC_E2, FX_MAC_C2, 200, FAB_IPPROTO_TCP,
				      "198.51.100.12", "198.51.100.14", 20),
			 &v, 1);
	assert_int_equal(v.action, FAB_ACT_FORWARD);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_storm_arp_rate),
	    cmocka_unit_test(test_storm_follows_reload_and_can_be_off),
	    cmocka_unit_test(test_quarantine_forwards_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
