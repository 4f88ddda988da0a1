/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Preflight: checks that a server is ready to run peerlan-dataplane, and
 * explains what to do where it is not. It only reads (sysfs, procfs, the
 * kernel command line and the configuration) and changes nothing, so it is
 * safe to run at any time, also beside a running dataplane.
 *
 * Every path is read under a root directory ("/" on a real server), so the
 * tests run each check against fake sysfs and procfs trees. Nothing here
 * depends on DPDK: the standalone peerlan-preflight program and the
 * dataplane's --preflight option call the same dp_preflight_run().
 *
 * Fixes point to DPDK's own tools (dpdk-hugepages.py, dpdk-devbind.py)
 * rather than doing their work again.
 */
#ifndef PEERLAN_DATAPLANE_PREFLIGHT_H
#define PEERLAN_DATAPLANE_PREFLIGHT_H

#include <stdbool.h>
#include <stdint.h>

#include "fabric/model.h"

enum dp_preflight_level {
	DP_PREFLIGHT_OK,
	DP_PREFLIGHT_WARN, /* works, but not as it should in production */
	DP_PREFLIGHT_FAIL, /* the dataplane will not start or not forward */
};

/* One finding: one line of output. */
struct dp_preflight_finding {
	enum dp_preflight_level level;
	const char *check; /* "config", "lcores", "hugepages", "iommu", "device", ... */
	char what[384];    /* what was found */
	char todo[384];    /* what to do about it; "" when there is nothing to do */
};

/* Called once per finding, in order; the finding is valid during the call only. */
typedef void dp_preflight_report_fn(const struct dp_preflight_finding *f, void *arg);

struct dp_preflight_opts {
	/*
	 * The configuration file, loaded (and every error reported) when no
	 * model is given to dp_preflight_run(). NULL with no model: the checks
	 * that need the ports are skipped with a warning.
	 */
	const char *config_path;
	/*
	 * The lcore list as given to the EAL's -l option ("0-3,8"): the lowest
	 * is the main lcore, every other one a worker. NULL: not checked.
	 */
	const char *lcores;
};

/*
 * Runs every check under root ("/" or a fake tree; NULL means "/"), on the
 * model m if it is not NULL, else on the configuration opts->config_path.
 * Reports each finding through report. Returns the worst level found, or
 * -EINVAL if opts->lcores is not a valid list (nothing is reported then).
 */
int dp_preflight_run(const char *root, const struct fab_model *m,
		     const struct dp_preflight_opts *opts, dp_preflight_report_fn *report,
		     void *arg);

/* "OK", "WARN" or "FAIL". */
const char *dp_preflight_level_name(enum dp_preflight_level l);

/*
 * Writes a finding as one line, "LEVEL check: what; fix: todo". Usable as
 * the report function of dp_preflight_run() with a FILE * as arg.
 */
void dp_preflight_print(const struct dp_preflight_finding *f, void *file);

/* A set of CPUs, as in the EAL's -l option and in sysfs CPU lists. */
#define DP_PREFLIGHT_CPUS 1024
struct dp_cpuset {
	uint64_t w[DP_PREFLIGHT_CPUS / 64];
};

/*
 * Parses a CPU list ("0-3,8,10-11"; surrounding white space and an empty
 * list are accepted) into s. Returns 0 or -EINVAL, leaving s cleared.
 */
int dp_cpuset_parse(const char *text, struct dp_cpuset *s);
bool dp_cpuset_has(const struct dp_cpuset *s, unsigned int cpu);
/* Writes the set as a CPU list, ranges joined ("2-5,8"); "none" when empty. */
void dp_cpuset_format(const struct dp_cpuset *s, char *buf, size_t len);

#endif
