/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client end of the dataplane's control socket. Calls are synchronous
 * with a short deadline (they run inside control's event loop). A call that
 * gets no reply in time leaves the connection open with its request queued:
 * the caller stops calling until ctl_dp_replies moves (the late reply came),
 * then reconnects and resynchronises, so that the dataplane is never left
 * half-updated. Messages the dataplane sends by itself (PUNT) are handed to
 * a callback whenever they arrive, also while waiting for a reply.
 */
#ifndef PEERLAN_CONTROL_CTL_DP_H
#define PEERLAN_CONTROL_CTL_DP_H

#include <stdbool.h>
#include <stdint.h>

#include "fabric/wire.h"

struct ctl_dp;

typedef void (*ctl_dp_async_fn)(void *arg, const struct fab_wire_hdr *h, const uint8_t *payload);

/* path is copied. NULL and errno on failure. */
struct ctl_dp *ctl_dp_create(const char *path, ctl_dp_async_fn fn, void *arg);
void ctl_dp_destroy(struct ctl_dp *dp);

/* One connection attempt. 0, or a negative errno (-ENOENT, -ECONNREFUSED). */
int ctl_dp_connect(struct ctl_dp *dp);
void ctl_dp_close(struct ctl_dp *dp);
/* The socket, or -1 when not connected. */
int ctl_dp_fd(const struct ctl_dp *dp);

/* The buffer to build the next request in, and the id to give it. */
struct fab_wire_buf *ctl_dp_out(struct ctl_dp *dp);
uint32_t ctl_dp_next_id(struct ctl_dp *dp);

/*
 * Sends the request built in ctl_dp_out (with id) and waits for its reply.
 * Returns the reply's status (0 or a negative errno from the dataplane) with
 * *payload and *len valid until the next call; -ETIMEDOUT, the connection
 * staying open; or another negative errno of the transport (-ECONNRESET,
 * -EBADMSG), after which the connection is closed. err receives the
 * dataplane's error message when there is one.
 */
int ctl_dp_call(struct ctl_dp *dp, uint32_t id, int timeout_ms, const uint8_t **payload,
		size_t *len, char *err, size_t errlen);

/* Reads whatever arrived without waiting and dispatches async messages.
 * 0, or a negative errno after which the connection is closed. */
int ctl_dp_read_async(struct ctl_dp *dp);

/*
 * Sends the request built in ctl_dp_out (build_rc: the encoder's result)
 * without waiting; ctl_dp_answered says when its reply has come (its
 * payload is not kept). One such request at a time. 0 or a negative errno.
 */
int ctl_dp_send(struct ctl_dp *dp, int build_rc, uint32_t id);
bool ctl_dp_answered(const struct ctl_dp *dp, uint32_t id);

/* Replies received so far, late ones included: the dataplane answers. */
uint64_t ctl_dp_replies(const struct ctl_dp *dp);
/* Drops the request just built in ctl_dp_out, before anything was sent. */
void ctl_dp_cancel(struct ctl_dp *dp);
/* Whether requests wait to be written (poll for POLLOUT), and writing them
 * without waiting: 0, or a negative errno after which it is closed. */
bool ctl_dp_want_write(const struct ctl_dp *dp);
int ctl_dp_flush(struct ctl_dp *dp);

#endif
