/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fabric/clock.h"

#define GHZ_2_5 2500000000ULL
#define DAY_S   86400ULL

/* Past 2^64 / 1e9 cycles (7.4 s at 2.5 GHz) a 64-bit cycles * 1e9 wraps. */
static void test_ns_past_the_64_bit_product(void **state)
{
	(void)state;
	assert_true(25000000000ULL > UINT64_MAX / FAB_NS_PER_S);
	assert_int_equal(fab_cycles_to_ns(25000000000ULL, GHZ_2_5), 10 * FAB_NS_PER_S);
	assert_int_equal(fab_cycles_to_ns(GHZ_2_5 * 10 * DAY_S, GHZ_2_5),
			 10 * DAY_S * FAB_NS_PER_S);
	/* A year at an odd TSC frequency, and the part of a second after it. */
	assert_int_equal(
	    fab_cycles_to_ns(3193000000ULL * 365 * DAY_S + 3193000000ULL / 4, 3193000000ULL),
	    365 * DAY_S * FAB_NS_PER_S + FAB_NS_PER_S / 4);
}

/* An uptime read every second goes up by a second each time, never back. */
static void test_ns_monotonic_across_the_old_wrap(void **state)
{
	uint64_t prev = 0;

	(void)state;
	for (uint64_t s = 1; s <= 120; s++) {
		uint64_t ns = fab_cycles_to_ns(s * GHZ_2_5, GHZ_2_5);

		assert_int_equal(ns, s * FAB_NS_PER_S);
		assert_true(ns > prev);
		prev = ns;
	}
}

static void test_small_and_edge_values(void **state)
{
	(void)state;
	assert_int_equal(fab_cycles_to_ns(0, GHZ_2_5), 0);
	assert_int_equal(fab_cycles_to_ns(5, GHZ_2_5), 2); /* 2 ns, rounded down */
	assert_int_equal(fab_cycles_to_ns(1234, 0), 0);    /* no clock: no uptime */
	assert_int_equal(fab_cycles_to_ns(UINT64_MAX, FAB_NS_PER_S), UINT64_MAX);
	assert_int_equal(fab_cycles_to_ms(GHZ_2_5 * 30 * DAY_S, GHZ_2_5), 30 * DAY_S * 1000);
	assert_int_equal(fab_cycles_to_ms(GHZ_2_5 / 2, GHZ_2_5), 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ns_past_the_64_bit_product),
	    cmocka_unit_test(test_ns_monotonic_across_the_old_wrap),
	    cmocka_unit_test(test_small_and_edge_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
