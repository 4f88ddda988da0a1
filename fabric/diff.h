/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The difference between two fabrics, as lines an operator reads before
 * applying a change: a re-import of a changed export, or `config diff`.
 *
 *   ~ policy violation: restrict -> shutdown
 *   + lan test (vlan 300)
 *   ~ port port6: admin up -> down
 *   + member AS64506 (Example New)
 *   - AS64502 port port2 lan peering: mac 02:00:5e:10:00:22
 *
 * '+' is added, '-' removed, '~' changed. LANs and ports are matched by
 * name, members by ASN, connections by port and bindings by LAN, so a
 * change is reported where it is and nothing else is.
 */
#ifndef PEERLAN_FABRIC_DIFF_H
#define PEERLAN_FABRIC_DIFF_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"

/* Writes the differences from a to b to out; returns how many lines (0: same fabric). */
size_t fab_model_diff(const struct fab_model *a, const struct fab_model *b, FILE *out);

/*
 * Changes a running dataplane refuses, because it set them up at start: it
 * opens its ports from the start configuration and matches a new one port
 * by port, in order, by name and device, and it sizes its buffers and NIC
 * MTUs for the largest MTU it started with. So a port added, removed,
 * moved, renamed or given another device needs a dataplane restart, and so
 * may a port MTU above the largest of a (checked only if mtu is true: the
 * dataplane checks its NICs' own MTUs instead).
 *
 * Calls fn(arg, text) for each such change from the running a to b, text
 * one sentence naming the port; returns how many (0: b can be applied).
 */
typedef void (*fab_reason_fn)(void *arg, const char *text);
size_t fab_model_restart_reasons(const struct fab_model *a, const struct fab_model *b, bool mtu,
				 fab_reason_fn fn, void *arg);

/* The same reasons joined by "; " into buf (truncated to fit); returns how many. */
size_t fab_model_restart_text(const struct fab_model *a, const struct fab_model *b, bool mtu,
			      char *buf, size_t len);

#endif
