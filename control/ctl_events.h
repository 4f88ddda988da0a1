/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event list: every port-security state change (err-disable, recovery,
 * restrict violations) as one line with its time, logged and kept in a
 * bounded ring so that `show events` answers after the log has rotated. The
 * oldest entry goes when the ring is full; nothing here allocates after
 * create, so a storm of events costs memory once.
 */
#ifndef PEERLAN_CONTROL_CTL_EVENTS_H
#define PEERLAN_CONTROL_CTL_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CTL_EVENTS_MAX 1024 /* entries kept */
#define CTL_EVENT_TEXT 256  /* one event's text, with the NUL */
#define CTL_EVENT_TYPE 24   /* "err-disable", "recovery", ... with the NUL */

struct ctl_events;

/* An empty list keeping at most max entries (0: CTL_EVENTS_MAX). NULL and errno. */
struct ctl_events *ctl_events_create(size_t max);
/* Accepts NULL. */
void ctl_events_destroy(struct ctl_events *ev);

/*
 * Adds an event at wall-clock time wall_ns (nanoseconds since the epoch)
 * about port (NULL: none) and writes it to stderr with its time in UTC, as
 * the log line an operator greps for. type is one word.
 */
void ctl_events_add(struct ctl_events *ev, uint64_t wall_ns, const char *type, const char *port,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* How many are kept now, and how many were ever added. */
size_t ctl_events_count(const struct ctl_events *ev);
uint64_t ctl_events_total(const struct ctl_events *ev);

/* The kept events, oldest first, only those of port if not NULL: a JSON
 * array of {time, type, port, text}; NULL on ENOMEM. */
json_t *ctl_events_json(const struct ctl_events *ev, const char *port);

/*
 * The list survives a restart of control in a file of the state directory:
 * the newest CTL_EVENTS_SAVED events as JSON, written to a temporary file
 * and renamed over the old one, so a crash leaves the old file or the new,
 * never half of one.
 */
#define CTL_EVENTS_SAVED 256
#define CTL_EVENTS_FILE  "events.json"

/* Whether events were added since the last save or load. */
bool ctl_events_dirty(const struct ctl_events *ev);
/* Writes the newest events to path. 0 or a negative errno. */
int ctl_events_save(struct ctl_events *ev, const char *path);
/*
 * Replaces the list by the events in path, before any is added. 0 (also when
 * there is no file yet), or -EINVAL with the reason in why when the file is
 * not an event list: then the list is left empty, never half read.
 */
int ctl_events_load(struct ctl_events *ev, const char *path, char *why, size_t whylen);

#endif
