/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fabric/bucket.h"

#define SEC 1000000000ULL

static unsigned take_n(struct fab_bucket *b, uint64_t now, unsigned n)
{
	unsigned got = 0;

	for (unsigned i = 0; i < n; i++)
		got += fab_bucket_take(b, now);
	return got;
}

static void test_burst_then_rate(void **state)
{
	struct fab_bucket b;

	(void)state;
	fab_bucket_init(&b, 100, 200, 5 * SEC);
	/* A full bucket gives its burst at once, then nothing. */
	assert_int_equal(take_n(&b, 5 * SEC, 1000), 200);
	/* After 0.5 s at 100/s: 50 more. */
	assert_int_equal(take_n(&b, 5 * SEC + SEC / 2, 1000), 50);
	/* A long idle refills to the burst, not beyond. */
	assert_int_equal(take_n(&b, 3600 * SEC, 1000), 200);
}

static void test_steady_rate_over_ten_seconds(void **state)
{
	struct fab_bucket b;
	unsigned got = 0;

	(void)state;
	fab_bucket_init(&b, 1000, 10, 0);
	/* Offer 10,000 per second in 1 ms steps for 10 s: about 10,000 pass. */
	for (uint64_t t = 0; t < 10 * SEC; t += SEC / 1000)
		got += take_n(&b, t, 10);
	assert_in_range(got, 9990, 10010);
}

static void test_unlimited_and_clock_backwards(void **state)
{
	struct fab_bucket b;

	(void)state;
	fab_bucket_init(&b, 0, 0, 0);
	assert_int_equal(take_n(&b, 0, 5000), 5000);
	fab_bucket_init(&b, 10, 1, 10 * SEC);
	assert_true(fab_bucket_take(&b, 10 * SEC));
	assert_false(fab_bucket_take(&b, 9 * SEC));
	assert_false(fab_bucket_take(&b, 10 * SEC));
	assert_true(fab_bucket_take(&b, 10 * SEC + SEC / 10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_burst_then_rate),
	    cmocka_unit_test(test_steady_rate_over_ten_seconds),
	    cmocka_unit_test(test_unlimited_and_clock_backwards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
