/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus exporter of peerlan-control: GET /metrics on
 * management.metrics, in the Prometheus text format (version 0.0.4).
 *
 * The HTTP server runs inside control's one poll loop (libmicrohttpd in
 * external epoll mode), never in a thread of its own, so a scrape reads the
 * running configuration and the counters between two changes and never in
 * the middle of one; nothing in that loop blocks for long, and slow HTTP
 * clients are cut off (ctl_metrics.c) so that they cannot keep a scraper
 * out. Counters are the dataplane's own, monotonic for its life; `clear
 * counters` baselines never reach the exporter.
 */
#ifndef PEERLAN_CONTROL_CTL_METRICS_H
#define PEERLAN_CONTROL_CTL_METRICS_H

#include <poll.h>
#include <stdio.h>

struct ctl;
struct ctl_metrics;

/*
 * Listens on listen ("ADDRESS:PORT" or "[V6ADDRESS]:PORT") and serves c,
 * which must outlive the result. NULL and errno on failure (EINVAL for an
 * address that does not parse, or the error of bind).
 */
struct ctl_metrics *ctl_metrics_create(struct ctl *c, const char *listen);
/* Stops serving and frees everything. Accepts NULL. */
void ctl_metrics_destroy(struct ctl_metrics *m);

/* Adds the exporter's descriptor to a poll set; how many were added (0 or 1). */
int ctl_metrics_pollfds(struct ctl_metrics *m, struct pollfd *pfd, int max);
/* Serves whatever HTTP work is pending, without waiting. Accepts NULL. */
void ctl_metrics_serve(struct ctl_metrics *m);

/* Writes every metric of c to out. 0 or a negative errno. */
int ctl_metrics_render(struct ctl *c, FILE *out);

/* Writes s as a Prometheus label value: backslash, quote and newline escaped. */
void ctl_metrics_label(FILE *out, const char *s);
/* Writes the # HELP and # TYPE lines of one metric family. */
void ctl_metrics_family(FILE *out, const char *name, const char *type, const char *help);

#endif
