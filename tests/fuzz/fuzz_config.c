/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzes the configuration loader: any bytes as a YAML file. A file that
 * does not load must come back with at least one error and no model; one
 * that loads must print to text that loads back to an equal model and
 * prints to the same text again (the canonical form is a fixed point).
 * Leaks are caught by LeakSanitizer after every input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/config.h"
#include "fabric/model.h"
#include "tests/fuzz/fuzz.h"

/* The canonical text of m, NUL-terminated; the caller frees it. */
static char *print(const struct fab_model *m, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	CHECK(f != NULL);
	CHECK(fab_config_print(m, f) == 0);
	CHECK(fclose(f) == 0);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fab_config_errors errs = {0};
	struct fab_model *m, *again;
	char *text, *text2;
	size_t len, len2;

	m = fab_config_load_string((const char *)data, size, "fuzz.yaml", &errs);
	if (m == NULL) {
		CHECK(errs.n > 0);
		for (size_t i = 0; i < errs.n; i++)
			CHECK(errs.v[i].msg != NULL && errs.v[i].msg[0] != '\0');
		fab_config_errors_clear(&errs);
		return 0;
	}
	CHECK(errs.n == 0);
	text = print(m, &len);
	again = fab_config_load_string(text, len, "printed.yaml", &errs);
	if (again == NULL) {
		fprintf(stderr, "printed form does not load:\n%s\n", text);
		fab_config_errors_print(&errs, stderr);
		abort();
	}
	CHECK(fab_model_equal(m, again));
	CHECK(fab_model_equal(again, m));
	text2 = print(again, &len2);
	if (len != len2 || memcmp(text, text2, len) != 0) {
		fprintf(stderr, "printing is not stable:\n%s\n---\n%s\n", text, text2);
		abort();
	}
	free(text2);
	free(text);
	fab_model_destroy(again);
	fab_model_destroy(m);
	return 0;
}
