/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzes the importers: the first byte picks a format and which of its
 * files is the fuzzed one (IXP Manager's vlans, layer2interfaces or the
 * import map; an IX-F export or its map); the rest of the input is that
 * file, and the other files are the samples of tests/unit/import. An import
 * that fails must say why; one that succeeds must be a model the loader
 * accepts back unchanged.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "fabric/config.h"
#include "fabric/import.h"
#include "tests/fuzz/fuzz.h"

#define DIR SOURCE_ROOT "/tests/unit/import/"

enum { IXPM_VLANS, IXPM_IFACES, IXPM_MAP, IXF_EXPORT, IXF_MAP, NCASES };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fab_import_files f = {
	    .format = FAB_IMPORT_IXP_MANAGER,
	    .map = DIR "ixpm-map.yaml",
	    .vlans = DIR "ixpmanager-vlans.yaml",
	    .interfaces = DIR "ixpmanager-layer2interfaces.yaml",
	};
	struct fab_config_errors errs = {0}, notes = {0};
	struct fab_model *m;
	char path[64];
	int fd, which;

	if (size < 1)
		return 0;
	which = data[0] % NCASES;
	/* The importer opens files by path: the fuzzed one is a memory file. */
	fd = memfd_create("fuzz-import", MFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(write(fd, data + 1, size - 1) == (ssize_t)(size - 1));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (which >= IXF_EXPORT) {
		f.format = FAB_IMPORT_IXF;
		f.map = DIR "ixf-map.yaml";
		f.vlans = f.interfaces = NULL;
		f.ixf = DIR "ixf-member-export.json";
	}
	switch (which) {
	case IXPM_VLANS:
		f.vlans = path;
		break;
	case IXPM_IFACES:
		f.interfaces = path;
		break;
	case IXF_EXPORT:
		f.ixf = path;
		break;
	default:
		f.map = path;
		break;
	}
	m = fab_import(&f, &errs, &notes);
	if (m == NULL) {
		CHECK(errs.n > 0);
	} else {
		CHECK(errs.n == 0);
		if (fab_config_recheck(m, "imported.yaml", &errs) != 0) {
			fab_config_errors_print(&errs, stderr);
			abort();
		}
	}
	fab_model_destroy(m);
	fab_config_errors_clear(&errs);
	fab_config_errors_clear(&notes);
	close(fd);
	return 0;
}
