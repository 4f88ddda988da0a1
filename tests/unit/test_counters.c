/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fabric/counters.h"

/* Names are exported as metric labels: they must be unique and snake_case. */
static void test_drop_names_unique_and_wellformed(void **state)
{
	(void)state;
	for (int i = 0; i < FAB_DROP__COUNT; i++) {
		const char *n = fab_drop_name(i);

		assert_true(strlen(n) > 0);
		assert_true(strlen(fab_drop_help(i)) > 0);
		for (const char *p = n; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
				    *p == '_');
		assert_int_equal(fab_drop_by_name(n), i);
		for (int j = i + 1; j < FAB_DROP__COUNT; j++)
			assert_string_not_equal(n, fab_drop_name(j));
	}
	assert_int_equal(fab_drop_by_name("no_such_reason"), -1);
	assert_string_equal(fab_drop_name(FAB_DROP__COUNT), "unknown");
}

static void test_counter_names(void **state)
{
	(void)state;
	assert_string_equal(fab_counter_name(FAB_CTR_rx_packets), "rx_packets");
	assert_string_equal(fab_counter_name(FAB_CTR_tx_discards), "tx_discards");
	assert_string_equal(fab_counter_name(FAB_CTR__COUNT), "unknown");
	for (int i = 0; i < FAB_CTR__COUNT; i++)
		assert_true(strlen(fab_counter_help(i)) > 0);
}

/* Each reason's class comes from its line in the list; a number out of range has none. */
static void test_drop_classes(void **state)
{
	int n[3] = {0};

	(void)state;
	assert_int_equal(fab_drop_class(FAB_DROP_runt), FAB_DROP_CLASS_ERROR);
	assert_int_equal(fab_drop_class(FAB_DROP_nd_malformed), FAB_DROP_CLASS_ERROR);
	assert_int_equal(fab_drop_class(FAB_DROP_src_mac_violation), FAB_DROP_CLASS_OFFENCE);
	assert_int_equal(fab_drop_class(FAB_DROP_multicast), FAB_DROP_CLASS_OFFENCE);
	assert_int_equal(fab_drop_class(FAB_DROP_storm), FAB_DROP_CLASS_OTHER);
	assert_int_equal(fab_drop_class(FAB_DROP_no_buffer), FAB_DROP_CLASS_OTHER);
	assert_int_equal(fab_drop_class(FAB_DROP__COUNT), FAB_DROP_CLASS_OTHER);
	assert_true(fab_drop_is_offence(FAB_DROP_arp_spoof));
	assert_false(fab_drop_is_offence(FAB_DROP_arp_unknown_target));
	assert_false(fab_drop_is_offence(FAB_DROP__COUNT));
	for (int r = 0; r < FAB_DROP__COUNT; r++)
		n[fab_drop_class(r)]++;
	/* The five malformed-frame reasons, and the sender's violations. */
	assert_int_equal(n[FAB_DROP_CLASS_ERROR], 5);
	assert_int_equal(n[FAB_DROP_CLASS_OFFENCE], 34);
}

static void test_stats_add_sums_and_keeps_newest_offender(void **state)
{
	struct fab_port_stats a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.ctr[FAB_CTR_rx_packets] = 5;
	b.ctr[FAB_CTR_rx_packets] = 7;
	a.drop[FAB_DROP_runt] = 1;
	b.drop[FAB_DROP_runt] = 2;
	a.last_offender_time = 10;
	a.last_offender_mac = 0x1;
	b.last_offender_time = 20;
	b.last_offender_mac = 0x2;
	fab_port_stats_add(&a, &b);
	assert_int_equal(a.ctr[FAB_CTR_rx_packets], 12);
	assert_int_equal(a.drop[FAB_DROP_runt], 3);
	assert_int_equal(a.last_offender_mac, 0x2);
	/* An older offender does not replace a newer one. */
	b.last_offender_time = 5;
	b.last_offender_mac = 0x3;
	fab_port_stats_add(&a, &b);
	assert_int_equal(a.last_offender_mac, 0x2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_drop_names_unique_and_wellformed),
	    cmocka_unit_test(test_counter_names),
	    cmocka_unit_test(test_drop_classes),
	    cmocka_unit_test(test_stats_add_sums_and_keeps_newest_offender),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
