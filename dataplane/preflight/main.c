/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peerlan-preflight: checks that this server is ready for peerlan-dataplane
 * and says what to do where it is not. It changes nothing.
 *
 *   peerlan-preflight [-c FILE] [-l LCORES] [-q] [--root DIR]
 *
 * Exit status: 0 when nothing failed (warnings allowed), 1 when a check
 * failed, 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "preflight.h"

#ifndef PEERLAN_DEFAULT_CONFIG
#define PEERLAN_DEFAULT_CONFIG "/etc/peerlan/peerlan.yaml"
#endif

static void usage(FILE *out)
{
	fprintf(out, "Usage: peerlan-preflight [-c FILE] [-l LCORES] [-q] [--root DIR]\n"
		     "\n"
		     "Checks, without changing anything, that this server is ready to run\n"
		     "peerlan-dataplane: hugepages per NUMA node and their mounts, the IOMMU\n"
		     "and vfio-pci, the driver and NUMA node of every configured PCI device,\n"
		     "isolation of the worker cores, bpffs for af_xdp ports, and the\n"
		     "configuration. Each finding is one line: OK, WARN or FAIL, what was found\n"
		     "and what to do.\n"
		     "\n"
		     "  -c, --config FILE   configuration (default " PEERLAN_DEFAULT_CONFIG ")\n"
		     "  -l, --lcores LIST   the EAL's -l list, e.g. 1-5: the lowest is the main\n"
		     "                      lcore, the others are workers\n"
		     "  -q, --quiet         print only warnings and failures\n"
		     "      --root DIR      read /sys and /proc under DIR (for tests)\n"
		     "  -h, --help          this text\n"
		     "\n"
		     "Exit status: 0 nothing failed, 1 a check failed, 2 usage error.\n");
}

struct out {
	bool quiet;
};

static void report(const struct dp_preflight_finding *f, void *arg)
{
	const struct out *o = arg;

	if (o->quiet && f->level == DP_PREFLIGHT_OK)
		return;
	dp_preflight_print(f, stdout);
}

int main(int argc, char **argv)
{
	enum { OPT_ROOT = 256 };
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'}, {"lcores", required_argument, NULL, 'l'},
	    {"quiet", no_argument, NULL, 'q'},        {"root", required_argument, NULL, OPT_ROOT},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	struct dp_preflight_opts opts = {.config_path = PEERLAN_DEFAULT_CONFIG};
	struct out o = {0};
	const char *root = "/";
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:l:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opts.config_path = optarg;
			break;
		case 'l':
			opts.lcores = optarg;
			break;
		case 'q':
			o.quiet = true;
			break;
		case OPT_ROOT:
			root = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	rc = dp_preflight_run(root, NULL, &opts, report, &o);
	if (rc == -EINVAL) {
		fprintf(stderr, "peerlan-preflight: -l '%s' is not a list of lcores like 1-3,8\n",
			opts.lcores);
		return 2;
	}
	if (rc < 0) {
		fprintf(stderr, "peerlan-preflight: %s\n", strerror(-rc));
		return 1;
	}
	return rc == DP_PREFLIGHT_FAIL ? 1 : 0;
}
