/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dropping root after initialisation. The dataplane starts as root to open
 * devices, map hugepages and load BPF programs, then runs as an unprivileged
 * user with only the capabilities its NICs still need at run time
 * (docs/deployment.md lists them per NIC family).
 */
#ifndef PEERLAN_DATAPLANE_PRIVDROP_H
#define PEERLAN_DATAPLANE_PRIVDROP_H

#include <stddef.h>

#include <sys/capability.h>

/*
 * Switches the process to user (its uid, primary gid and supplementary
 * groups) and leaves the calling thread with exactly the capabilities in
 * keep[0..n-1], permitted and effective, and none inheritable or ambient.
 * Capabilities are per thread: every other thread (DPDK's workers and
 * service threads) ends with none, so call it from the thread that does
 * the control-path work, the main lcore, once every worker is launched.
 * Capabilities not kept are also dropped from the bounding set when the
 * process may do so (CAP_SETPCAP).
 *
 * Returns 0, or a negative errno (-ENOENT: no such user; -EPERM: not
 * allowed, or a kept capability was not permitted). The process is in an
 * unknown state after an error, and should exit.
 */
int dp_privdrop(const char *user, const cap_value_t keep[], size_t n);

#endif
