/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BGP EVPN as control sees it: peerlan-evpn sends, in one FAB_WIRE_EVPN
 * message on the read-write CLI socket, every EVPN route the BGP speaker
 * holds and whether a session is up; control judges each route against the
 * running member database (fabric/evpn.h), counts and reports what it
 * refuses, and pushes to the dataplane the running configuration with only
 * the members behind EVPN VTEP ports that an allowed route makes active.
 *
 * The routes are kept as last received while a session was up: a session
 * that drops, or an adapter that dies, leaves forwarding as it was (with an
 * event and the metrics saying so) until a session is up again. A restarted
 * control knows no route, and members behind EVPN VTEP ports are
 * unreachable until the adapter's next message (within a second).
 */
#ifndef PEERLAN_CONTROL_CTL_EVPN_H
#define PEERLAN_CONTROL_CTL_EVPN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "cli_parse.h"
#include "fabric/evpn.h"
#include "fabric/wire.h"

struct ctl;

struct ctl_evpn {
	bool heard;      /* the adapter has sent since control started */
	bool session_up; /* as of its last message */
	uint64_t last_ns;
	uint64_t since_wall_ns;        /* the session state's last change, wall clock */
	struct fab_evpn_route *routes; /* sorted; as last received with a session up */
	uint8_t *verdicts;             /* enum fab_evpn_verdict, per route */
	size_t nroutes;
	uint64_t messages, messages_bad, session_changes;
	uint64_t refused[FAB_EVPN_VERDICT__MAX]; /* refusals by reason, counted once per route */
};

/*
 * One EVPN message from the adapter (payload p, len bytes, header h): the
 * reply (this node's routes, or an error that changed nothing) goes to out.
 */
void ctl_evpn_message(struct ctl *c, const struct fab_wire_hdr *h, const uint8_t *p, size_t len,
		      struct fab_wire_buf *out);
/*
 * What the dataplane gets for m: a copy with only the active members behind
 * EVPN VTEP ports (fab_evpn_filter), or NULL when m has no such port (then
 * m itself goes). NULL with errno ENOMEM too: the caller tells by errno.
 */
struct fab_model *ctl_evpn_filtered(const struct ctl *c, const struct fab_model *m);
/* `show evpn`. */
int ctl_evpn_cmd(struct ctl *c, const struct ctl_request *r, json_t **out);
/* The session and route series for the exporter. */
void ctl_evpn_metrics(const struct ctl *c, FILE *out);
void ctl_evpn_free(struct ctl *c);

#endif
