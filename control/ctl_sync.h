/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Following IXP Manager: on management.sync's interval and on `config sync
 * now`, control fetches the provisioner's vlans and layer2interfaces
 * documents for its switch over HTTPS (libcurl, the certificate verified
 * against the system's CAs or sync.ca-file), imports them through the map
 * and applies the result through the path `config apply` takes
 * (ctl_apply_model). The fetch runs in a thread of its own, so a slow or
 * hung server never holds the event loop; the thread only downloads, and
 * everything else happens in the loop.
 *
 * A document is never applied when the fetch fails (HTTP status, timeout,
 * TLS), when it is incomplete or fails the import's checks, or when it would
 * remove more than sync.max-removal percent of the members or ports in one
 * step: that one waits for `config sync accept`. Each outcome is an event,
 * `show sync` says the last one and why, and the exporter counts failures
 * by reason.
 */
#ifndef PEERLAN_CONTROL_CTL_SYNC_H
#define PEERLAN_CONTROL_CTL_SYNC_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct ctl;
struct ctl_request;

/* Why a sync changed nothing: the label of peerlan_sync_failures_total. */
#define CTL_SYNC_REASONS(X)                                                                   \
	X(KEY, "key", "the API key file cannot be read")                                      \
	X(FETCH, "fetch", "the server cannot be reached")                                     \
	X(TLS, "tls", "the server's certificate is not trusted")                              \
	X(TIMEOUT, "timeout", "the server did not answer in time")                            \
	X(HTTP, "http", "the server answered with an error status")                           \
	X(INCOMPLETE, "incomplete", "a document was cut short")                               \
	X(CHECK, "check", "the documents fail the import's checks")                           \
	X(GUARD, "guard", "too many members or ports would go; waits for config sync accept") \
	X(APPLY, "apply", "the change could not be applied")

enum ctl_sync_reason {
#define X(e, name, help) CTL_SYNC_##e,
	CTL_SYNC_REASONS(X)
#undef X
	    CTL_SYNC__COUNT
};

/* Starts following when the running configuration has management.sync. 0 or a negative errno. */
int ctl_sync_init(struct ctl *c);
/* Stops a fetch under way and frees everything. */
void ctl_sync_fini(struct ctl *c);
/* Starts a fetch when one is due; takes a finished one's documents through the import. */
void ctl_sync_tick(struct ctl *c, uint64_t now_ns);
/* show sync, config sync now, config sync accept. */
int ctl_sync_cmd(struct ctl *c, const struct ctl_request *r, json_t **out);
/* peerlan_sync_last_success_timestamp_seconds and peerlan_sync_failures_total. */
void ctl_sync_metrics(const struct ctl *c, FILE *out);

#endif
