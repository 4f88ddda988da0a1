/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/ctl_metrics.h"

static char *label(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	ctl_metrics_label(f, s);
	fclose(f);
	return buf;
}

/* The three characters the text format escapes in label values, and no others. */
static void test_label_escapes(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"plain", "plain"},
	    {"a\\b", "a\\\\b"},
	    {"say \"hi\"", "say \\\"hi\\\""},
	    {"two\nlines", "two\\nlines"},
	    {"\\\"\n", "\\\\\\\"\\n"},
	    {"caf\xc3\xa9 'AS64501'", "caf\xc3\xa9 'AS64501'"},
	    {"", ""},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = label(cases[i].in);

		assert_string_equal(got, cases[i].out);
		free(got);
	}
}

/* Addresses the exporter cannot listen on are refused before any socket. */
static void test_bad_listen(void **state)
{
	static const char *const bad[] = {"",          "9712",           "127.0.0.1", "[::1",
					  "::1:9712x", "localhost:9712", "[]:9712"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(ctl_metrics_create(NULL, bad[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_label_escapes),
	    cmocka_unit_test(test_bad_listen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
