/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peerlan-import: reads an IXP Manager provisioner export or an IX-F Member
 * Export with an import map, and writes the peerlan configuration it
 * describes (canonical form) for review. With --diff CONFIG it writes what
 * would change against a running configuration instead. Every error is
 * reported and nothing is written if there is any.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/config.h"
#include "fabric/diff.h"
#include "fabric/import.h"

static void usage(FILE *out)
{
	fputs("usage: peerlan-import ixp-manager --vlans FILE --interfaces FILE --map FILE\n"
	      "                      [--ixf FILE] [-o FILE | --diff CONFIG]\n"
	      "       peerlan-import ixf --export FILE --map FILE [-o FILE | --diff CONFIG]\n"
	      "\n"
	      "Writes the peerlan configuration the export describes to stdout or FILE;\n"
	      "with --diff, the changes from CONFIG to it. The import map is described\n"
	      "in docs/configuration.md, \"Importing\".\n",
	      out);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"vlans", required_argument, NULL, 'v'},
	    {"interfaces", required_argument, NULL, 'i'},
	    {"export", required_argument, NULL, 'e'},
	    {"ixf", required_argument, NULL, 'x'},
	    {"map", required_argument, NULL, 'm'},
	    {"output", required_argument, NULL, 'o'},
	    {"diff", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct fab_import_files files = {0};
	struct fab_config_errors errs = {0}, notes = {0};
	const char *output = NULL, *diff = NULL;
	struct fab_model *m, *old = NULL;
	int c, rc = 0;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (fab_import_format_parse(argv[1], &files.format) != 0) {
		fprintf(stderr, "peerlan-import: unknown format '%s' (ixp-manager or ixf)\n",
			argv[1]);
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			files.vlans = optarg;
			break;
		case 'i':
			files.interfaces = optarg;
			break;
		case 'e':
		case 'x':
			files.ixf = optarg;
			break;
		case 'm':
			files.map = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'd':
			diff = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (output != NULL && diff != NULL)) {
		usage(stderr);
		return 2;
	}
	m = fab_import(&files, &errs, &notes);
	fab_config_errors_print(&notes, stderr);
	if (m == NULL) {
		fab_config_errors_print(&errs, stderr);
		fprintf(stderr, "peerlan-import: %zu error%s; nothing written\n", errs.n,
			errs.n == 1 ? "" : "s");
		rc = 1;
		goto out;
	}
	if (diff != NULL) {
		old = fab_config_load_file(diff, &errs);
		if (old == NULL) {
			fab_config_errors_print(&errs, stderr);
			rc = 1;
			goto out;
		}
		if (fab_model_diff(old, m, stdout) == 0)
			puts("no changes");
	} else if ((rc = output ? fab_config_write(m, output, true)
				: fab_config_print(m, stdout)) != 0) {
		fprintf(stderr, "peerlan-import: cannot write %s: %s\n", output ? output : "stdout",
			strerror(-rc));
		rc = 1;
	}
out:
	fab_model_destroy(old);
	fab_model_destroy(m);
	fab_config_errors_clear(&errs);
	fab_config_errors_clear(&notes);
	return rc;
}
