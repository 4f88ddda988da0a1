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

#include <stdio.h>

#include "model.h"

/* Writes the differences from a to b to out; returns how many lines (0: same fabric). */
size_t fab_model_diff(const struct fab_model *a, const struct fab_model *b, FILE *out);

#endif
