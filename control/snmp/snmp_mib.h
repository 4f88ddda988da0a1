/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What peerlan-snmp serves, built from peerlan-control's JSON answers
 * (show ports, show mac-table, show status, show lag): IF-MIB ifTable,
 * ifXTable and ifStackTable (a LAG over its links, each link a row of its
 * own named LAG/DEVICE), BRIDGE-MIB and Q-BRIDGE-MIB forwarding tables,
 * IEEE8023-LAG-MIB's aggregator and aggregation port tables and
 * PEERLAN-MIB's drops by reason.
 *
 * It keeps what must outlive one snapshot: the ifIndex of every port name
 * ever seen, in a state file, so that pollers keep their graphs across
 * restarts and configuration changes (an index is never given to another
 * name); and per port, when its operational state last changed and when
 * its counters last started again (a dataplane restart). LAG links are
 * kept the same way, under their name LAG/DEVICE.
 */
#ifndef PEERLAN_CONTROL_SNMP_MIB_H
#define PEERLAN_CONTROL_SNMP_MIB_H

#include <jansson.h>
#include <stdint.h>

#include "snmp_view.h"

/* The subtrees served, each registered with the master agent. */
struct snmp_subtree {
	const char *name;
	oid root[12];
	size_t len;
};
extern const struct snmp_subtree snmp_subtrees[];
extern const size_t snmp_nsubtrees;

/* PEERLAN-MIB's root: enterprises.32473, the documentation number of
 * RFC 5612, until peerlan has a private enterprise number of its own. */
#define SNMP_PEERLAN_ENTERPRISE 32473

struct snmp_mib; /* opaque */

/* Reads the ifIndex file at state_path (a missing file is an empty map).
 * NULL with a message in err on an unreadable or malformed file. */
struct snmp_mib *snmp_mib_create(const char *state_path, char *err, size_t errlen);
void snmp_mib_destroy(struct snmp_mib *m); /* NULL-safe */

/*
 * A new sealed view (the caller owns it) from the answers of show ports,
 * show mac-table, show status and show lag (status and lags may be NULL:
 * no LAGs), at now_ticks
 * (hundredths of a second since the agent started). New port names get
 * new ifIndexes, saved to the state file before the view is returned.
 * NULL with a message in err if an answer is not what control sends; a
 * view with a message in err if the state file could not be written.
 */
struct snmp_view *snmp_mib_build(struct snmp_mib *m, json_t *ports, json_t *macs, json_t *status,
				 json_t *lags, uint32_t now_ticks, char *err, size_t errlen);

/* The ifIndex of a port name, 0 if it never had one. */
uint32_t snmp_mib_ifindex(const struct snmp_mib *m, const char *name);

#endif
