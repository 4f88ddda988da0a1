/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peerlan-control's core: the running configuration and its transactions,
 * the connection to the dataplane and the CLI server, driven by one poll
 * loop in one thread (ctl_run_once), so that no two changes ever interleave.
 *
 * The dataplane forwards with its last tables whatever happens here: the
 * control process only ever pushes whole validated configurations and port
 * admin states, and on every (re)connect it compares what the dataplane runs
 * (configuration digest, admin states) with what it should run and pushes
 * only the difference, so a restart of either side disturbs no frame.
 */
#ifndef PEERLAN_CONTROL_CTL_H
#define PEERLAN_CONTROL_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "fabric/config.h"
#include "fabric/wire.h"

struct ctl_opts {
	const char *config_path; /* -c FILE */
	/* Start from FILE even if the state directory holds a newer commit. */
	bool ignore_committed;
	unsigned call_timeout_ms; /* CONFIG_SET (the dataplane builds its tables); 0: 10 s */
	unsigned answer_ms;       /* every other request to the dataplane; 0: 1 s */
	unsigned poll_ms;         /* counter reads for rates; 0: 1 s */
	unsigned backoff_max_ms;  /* reconnect back-off ceiling; 0: 5 s */
	unsigned cli_idle_s;      /* CLI connections idle this long are closed; 0: 60 s */
};

struct ctl;

/*
 * Loads the configuration (FILE, or STATE_DIR/committed.yaml when it holds a
 * later commit). Returns NULL with every error in errs (or errno set).
 * The caller destroys the result.
 */
struct ctl *ctl_create(const struct ctl_opts *opts, struct fab_config_errors *errs);
/* Closes sockets and frees everything. Accepts NULL. */
void ctl_destroy(struct ctl *c);

/* Opens the CLI sockets of management.cli-socket and cli-readonly-socket. */
int ctl_listen(struct ctl *c);

/*
 * One turn of the loop: (re)connects to the dataplane with back-off and
 * resynchronises it, reads counters, rolls back an apply whose confirm time
 * has passed and serves CLI clients; waits at most timeout_ms for input.
 */
int ctl_run_once(struct ctl *c, int timeout_ms);

/*
 * Executes one CLI command (as it came from a socket: words and the file's
 * text). Sets *out to a JSON object the caller releases; on error returns a
 * negative errno and *out holds "error" (one line) and perhaps "errors".
 */
int ctl_exec(struct ctl *c, const struct fab_wire_cli *req, bool readonly, json_t **out);
/* The same for a peer of known uid (SO_PEERCRED; -1 unknown), which changes
 * are logged and kept under. */
int ctl_exec_as(struct ctl *c, const struct fab_wire_cli *req, bool readonly, int64_t uid,
		json_t **out);

bool ctl_dp_connected(const struct ctl *c);
/* The generation the dataplane last reported; 0 before the first contact. */
uint64_t ctl_dp_generation(const struct ctl *c);
/* The running configuration (owned by c, valid until the next change). */
const struct fab_model *ctl_running(const struct ctl *c);

#endif
