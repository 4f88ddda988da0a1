/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LAGs as control sees them: each poll reads every LAG's links from the
 * dataplane (LAG_GET), logs an event for a link joining or leaving the
 * bundle and for a LAG going below or back to its min-links, and keeps the
 * read for `show lag`, `show port` and the metrics.
 */
#ifndef PEERLAN_CONTROL_CTL_LAG_H
#define PEERLAN_CONTROL_CTL_LAG_H

#include <stdio.h>

#include <jansson.h>

#include "cli_parse.h"
#include "fabric/wire.h"

struct ctl;

/* Reads the LAGs (nothing while the dataplane is not synced); 0 or -errno. */
int ctl_lag_poll(struct ctl *c);
/* The last read of fabric port port, or NULL if it is no LAG or none was read. */
const struct fab_wire_lag *ctl_lag_of(const struct ctl *c, uint16_t port);
/* One LAG as JSON (show lag, show port); a new reference. */
json_t *ctl_lag_json(const struct ctl *c, const struct fab_wire_lag *g);
/* `show lag [NAME]`. */
int ctl_lag_cmd(struct ctl *c, const struct ctl_request *r, json_t **out);
/* The per-link series for the Prometheus exporter. */
void ctl_lag_metrics(const struct ctl *c, FILE *out);
/* Frees what the reads hold. */
void ctl_lag_free(struct ctl *c);

#endif
