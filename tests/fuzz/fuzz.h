/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the fuzz targets share: libFuzzer's entry points and the check that
 * stops a run. An abort is what libFuzzer reports as a crash and saves the
 * input for, so a broken property is found and replayed like a memory error.
 */
#ifndef PEERLAN_TESTS_FUZZ_H
#define PEERLAN_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                 \
		}                                                                                \
	} while (0)

#endif
