/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the pipeline tests share: an exchange's tables, one worker's
 * counters and oper states, and expectations that check the accounting
 * after every run. Included by each pipeline test after cmocka.h.
 */
#ifndef PEERLAN_TESTS_PIPE_ENV_H
#define PEERLAN_TESTS_PIPE_ENV_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/pipeline.h"
#include "fixture.h"

#define PE_PORTS_MAX 8

/* Set for the second run of every test: no fast path, the full rules only. */
static bool full_rules;

struct env {
	struct fab_tables *t;
	uint8_t oper[PE_PORTS_MAX];
	struct fab_port_stats stats[PE_PORTS_MAX];
	struct fab_bucket storm[PE_PORTS_MAX * FAB_STORM__COUNT]; /* used where a test says */
	struct fab_pipeline_ctx ctx;
};

/* The tables of m (which it frees), every port up, counters at 0. */
static inline struct env *pe_env_new(struct fab_model *m)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_true(m->nports <= PE_PORTS_MAX);
	e->t = fab_tables_build(m, 1);
	assert_non_null(e->t);
	fab_model_destroy(m);
	e->ctx = (struct fab_pipeline_ctx){
	    .t = e->t, .oper = e->oper, .stats = e->stats, .now = 7, .full_rules = full_rules};
	return e;
}

static inline int teardown(void **state)
{
	struct env *e = *state;

	fab_tables_destroy(e->t);
	free(e);
	return 0;
}

/* DESIGN.md invariant 5, on every port, after every run. */
static inline void check_accounting(const struct env *e)
{
	assert_true(fx_accounts(e->stats, PE_PORTS_MAX));
}

static inline struct fab_verdict run1(struct env *e, uint16_t in, struct fab_frame *f)
{
	struct fab_verdict v;

	memset(&v, 0xaa, sizeof(v));
	/* As the dataplane says it: only a port that chains frames reads more. */
	e->ctx.segmented = f->more != 0;
	fab_pipeline_run(&e->ctx, in, f, &v, 1);
	check_accounting(e);
	return v;
}

static inline void expect_drop(struct env *e, uint16_t in, struct fab_frame *f, int reason)
{
	struct fab_verdict v = run1(e, in, f);

	assert_int_equal(v.action, FAB_ACT_DROP);
	assert_string_equal(fab_drop_name(v.reason), fab_drop_name(reason));
}

#endif
