/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port security's control half: what happens to a port after the dataplane
 * has dropped a bad frame. A pure state machine over counter reads and a
 * clock the caller passes in, so every action is tested with an injected
 * clock and no dataplane:
 *
 *  - violations (the offence drop reasons rising, fab_drop_is_offence):
 *    protect counts, restrict also logs an event (at most
 *    CTL_PSEC_EVENTS_PER_S a second per port, the rest summed into the
 *    next), shutdown err-disables an edge port; a core port carries many
 *    members, so it is never shut for one of them and logs as restrict;
 *  - storm: storm drops rising in every read for policy.storm_errdisable_s
 *    err-disable the port;
 *  - flaps: more than policy.flap_changes link changes within
 *    policy.flap_window_s err-disable the port for policy.flap_hold_s.
 *
 * An err-disabled port recovers after policy.errdisable_recovery_s (0:
 * never) or by ctl_psec_clear. The desired state is pushed through a
 * callback and pushed again until the dataplane reports it, so a restarted
 * or reconnected dataplane is brought back in line.
 */
#ifndef PEERLAN_CONTROL_CTL_PORTSEC_H
#define PEERLAN_CONTROL_CTL_PORTSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ctl_events.h"
#include "fabric/counters.h"
#include "fabric/model.h"
#include "fabric/wire.h"

#define CTL_PSEC_EVENTS_PER_S 1  /* restrict events per port per second ... */
#define CTL_PSEC_EVENTS_BURST 5  /* ... after a first burst of this many */
#define CTL_PSEC_FLAPS_MAX    64 /* link changes remembered per port */

enum ctl_psec_cause {
	CTL_PSEC_NONE,
	CTL_PSEC_VIOLATION,
	CTL_PSEC_STORM,
	CTL_PSEC_FLAP,
};

/* Sets the dataplane's err-disabled state of port: 0 or a negative errno
 * (then it is tried again on the next ctl_psec_tick). */
typedef int (*ctl_psec_push_fn)(void *arg, uint16_t port, bool errdisabled);

struct ctl_psec;

/* ev receives the events and must outlive the result. NULL and errno. */
struct ctl_psec *ctl_psec_create(struct ctl_events *ev, ctl_psec_push_fn push, void *arg);
/* Accepts NULL. */
void ctl_psec_destroy(struct ctl_psec *ps);

/*
 * Takes m (borrowed: valid until the next call) as the configuration: its
 * policy and port actions. State is kept by port name; a port that is new
 * starts clean, one that went away is forgotten. 0 or -ENOMEM.
 */
int ctl_psec_set_model(struct ctl_psec *ps, const struct fab_model *m);

/*
 * One read of the dataplane's counters (nports entries each), taken at
 * now_ns (monotonic) and wall_ns (epoch, for the events). The first read,
 * and any read where a counter went back (a restarted dataplane), only sets
 * the baseline. Acts at once on violations and flaps.
 */
void ctl_psec_observe(struct ctl_psec *ps, uint64_t now_ns, uint64_t wall_ns,
		      const struct fab_wire_port_state *ports, const struct fab_port_stats *stats,
		      size_t nports);
/* The dataplane's reported states: ports whose err-disabled state is not
 * what it should be are pushed on the next tick. */
void ctl_psec_sync(struct ctl_psec *ps, const struct fab_wire_port_state *ports, size_t nports);
/* Forgets the baselines: the next read only sets them (after a reconnect). */
void ctl_psec_rebase(struct ctl_psec *ps);

/* Recoveries that are due, and pushes that are pending. */
void ctl_psec_tick(struct ctl_psec *ps, uint64_t now_ns, uint64_t wall_ns);

/* Re-enables an err-disabled port now (`port NAME no shutdown`). Returns 1
 * if it was err-disabled, 0 if not, -ENOENT for no such port. */
int ctl_psec_clear(struct ctl_psec *ps, uint16_t port, uint64_t now_ns, uint64_t wall_ns,
		   const char *why);

bool ctl_psec_errdisabled(const struct ctl_psec *ps, uint16_t port);
enum ctl_psec_cause ctl_psec_cause(const struct ctl_psec *ps, uint16_t port);
uint64_t ctl_psec_violations(const struct ctl_psec *ps, uint16_t port);
const char *ctl_psec_cause_name(enum ctl_psec_cause c);

/* One port's state for `show port-security` (port < 0: every port, as an
 * array; otherwise one object). NULL on ENOMEM or a bad port. */
json_t *ctl_psec_json(const struct ctl_psec *ps, int port, uint64_t now_ns);

#endif
