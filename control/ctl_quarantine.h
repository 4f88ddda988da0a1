/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a port in quarantine sends, and whether it passes the exchange's
 * rules. The pipeline drops every frame from a quarantine LAN that passes
 * the other rules as `quarantine` and punts a copy; these are recorded here
 * (source MACs, EtherTypes, ARP and ND targets, counts). Frames the other
 * rules drop are not punted: they show in the port's drop counters, which
 * the report reads too. Bounded: a few entries of each kind per port, the
 * rest counted as overflow.
 */
#ifndef PEERLAN_CONTROL_CTL_QUARANTINE_H
#define PEERLAN_CONTROL_CTL_QUARANTINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fabric/counters.h"
#include "fabric/model.h"

#define CTL_QUAR_MACS   8
#define CTL_QUAR_ETYPES 8
#define CTL_QUAR_ADDRS  16

struct ctl_quar;

/* NULL and errno. */
struct ctl_quar *ctl_quar_create(void);
/* Accepts NULL. */
void ctl_quar_destroy(struct ctl_quar *q);
/* Takes m (borrowed until the next call); records are kept by port name.
 * 0 or -ENOMEM. */
int ctl_quar_set_model(struct ctl_quar *q, const struct fab_model *m);
/* Forgets what port sent (a new observation starts). */
void ctl_quar_reset(struct ctl_quar *q, uint16_t port);
/* One punted frame received on port at now_ns; ignored unless the port is
 * on a quarantine LAN. The frame is checked before every read. */
void ctl_quar_frame(struct ctl_quar *q, uint16_t port, const uint8_t *frame, size_t len,
		    uint64_t now_ns);
/* Whether the port carries a quarantine LAN. */
bool ctl_quar_port(const struct ctl_quar *q, uint16_t port);

/*
 * The report of port against the rules, point by point: a JSON object with
 * "pass" (true only if every check passes) and "checks" (each with "check",
 * "pass", "detail"), and what was seen. stats is the port's counters since
 * the observation began (NULL: not known, which fails). *mac receives the
 * one source MAC seen when there is exactly one, else 0.
 */
json_t *ctl_quar_report(const struct ctl_quar *q, uint16_t port, const struct fab_port_stats *stats,
			uint64_t now_ns, fab_mac_t *mac);

/*
 * The configuration that moves port from its quarantine LAN to production:
 * a copy of m with the port's quarantine LAN replaced by the peering LAN
 * whose prefix holds the member's addresses (or the only peering LAN), in
 * the port and in its bindings; with lock_mac, the binding's MACs replaced
 * by mac. NULL with the reason in err.
 */
struct fab_model *ctl_quar_promoted(const struct fab_model *m, uint16_t port, bool lock_mac,
				    fab_mac_t mac, char *err, size_t errlen);

#endif
