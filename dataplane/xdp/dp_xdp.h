/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loader of the XDP pre-filter for one net_af_xdp port.
 *
 * The net_af_xdp PMD of DPDK 22.11 only redirects to its sockets through a
 * program it loads itself (devarg xdp_prog=, see dp_xdp_object_path()); it
 * cannot be handed an already attached program. So the dataplane starts
 * the port with xdp_prog= pointing at our object (whose maps, fresh and
 * unfilled there, make it drop only runts), then takes over: dp_xdp_create()
 * loads a second instance that shares the PMD's XSK map and uses this
 * port's pinned filter maps, dp_xdp_update() fills them from the model, and
 * dp_xdp_attach() swaps it in for the PMD's instance in one atomic replace.
 *
 * Filter maps are pinned in bpffs under <pin_root>/<port>/ (pin_root
 * defaults to /sys/fs/bpf/peerlan; bpffs is mounted if missing) and reused
 * by the next load, so drop counters survive a dataplane restart.
 *
 * None of this is on the hot path: every call makes system calls.
 */
#ifndef PEERLAN_DP_XDP_H
#define PEERLAN_DP_XDP_H

#include <stdbool.h>
#include <stdint.h>

#include "fabric/counters.h"
#include "fabric/model.h"

#define DP_XDP_PIN_ROOT "/sys/fs/bpf/peerlan"

struct dp_xdp;

struct dp_xdp_opts {
	const char *port;     /* fabric port name: names the pin directory */
	const char *pin_root; /* NULL: DP_XDP_PIN_ROOT */
	int ifindex;          /* interface to attach to; 0: load only (tests) */
	uint32_t xdp_flags;   /* XDP_FLAGS_SKB_MODE/DRV_MODE; 0: as the kernel picks */
	bool takeover;        /* share the XSK map of the program attached on ifindex */
};

/*
 * Path of the BPF object to give the PMD as xdp_prog=: the installed copy if
 * there is one, else the one in the build tree. Static storage.
 */
const char *dp_xdp_object_path(void);

/*
 * Opens and loads the filter for one port, reusing the port's pinned maps or
 * pinning new ones. With takeover, the program attached on ifindex must have
 * a map named xsks_map, which the new instance shares. Nothing is attached
 * yet. Returns NULL and sets errno. The caller owns the handle.
 */
struct dp_xdp *dp_xdp_create(const struct dp_xdp_opts *opts);
/* Closes the handle; the attached program and the pinned maps stay. Accepts NULL. */
void dp_xdp_destroy(struct dp_xdp *x);

/*
 * Attaches the filter to opts.ifindex: atomically replaces the program found
 * there at create time (takeover), or attaches only if none is. 0 or -errno.
 */
int dp_xdp_attach(struct dp_xdp *x);
/* Detaches the filter, only if it is still the one attached. 0 or -errno. */
int dp_xdp_detach(struct dp_xdp *x);

/*
 * Filling the maps from the model for fabric port `port`, in two halves
 * around the dataplane's own table swap:
 *
 * - update_begin adds what the new model allows (source MACs, EtherTypes)
 *   and narrows what the filter checks (VLANs, port mode) to what both the
 *   old and the new model share, so that in between the filter drops only
 *   what both the old and the new tables drop;
 * - update_end then removes what only the old model allowed.
 *
 * A frame therefore never meets a map half cleared. On failure,
 * update_begin removes what it added and returns -errno (-ENOSPC: the old
 * and new MAC sets together exceed DP_XDP_MACS_MAX); the maps stay as they
 * were, which the pipeline behind still corrects. dp_xdp_update does both.
 */
int dp_xdp_update_begin(struct dp_xdp *x, const struct fab_model *m, uint16_t port);
int dp_xdp_update_end(struct dp_xdp *x);
int dp_xdp_update(struct dp_xdp *x, const struct fab_model *m, uint16_t port);

/* Sets or clears the port-down flag (admin down, err-disabled). 0 or -errno. */
int dp_xdp_set_down(struct dp_xdp *x, bool down);

/*
 * Reads the drop counters, summed over CPUs, into drop[FAB_DROP__COUNT]
 * (indexed by enum fab_drop_reason), overwriting it. They count since the
 * maps were first pinned; add them to the port's counters (and to
 * rx_packets, since these frames never reach DPDK). 0 or -errno.
 */
int dp_xdp_read_drops(struct dp_xdp *x, uint64_t drop[FAB_DROP__COUNT]);

/* The loaded program's fd, for bpf_prog_test_run_opts in tests; -1 if none. */
int dp_xdp_prog_fd(const struct dp_xdp *x);

#endif
