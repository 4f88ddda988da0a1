/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peerlanctl's end of the CLI socket: one request, one reply, blocking.
 */
#ifndef PEERLAN_CONTROL_CLI_CLIENT_H
#define PEERLAN_CONTROL_CLI_CLIENT_H

#include <jansson.h>

#include "cli_parse.h"
#include "fabric/wire.h"

/* A connected socket, or a negative errno. */
int ctl_client_connect(const char *path);

/*
 * Sends a parsed command (with the text of its file, if it takes one) and
 * waits for the reply. Returns the command's status (0 or a negative errno)
 * with *reply set (the caller releases it), or a negative errno of the
 * transport with *reply NULL and a message in err.
 */
int ctl_client_call(int fd, const struct ctl_request *r, const char *file, size_t file_len,
		    json_t **reply, char *err, size_t errlen);

/* The same with a deadline of timeout_ms for each wait on the socket
 * (ctl_client_call waits up to 60 s, long enough for a configuration push). */
int ctl_client_call_timeout(int fd, const struct ctl_request *r, const char *file, size_t file_len,
			    int timeout_ms, json_t **reply, char *err, size_t errlen);

/*
 * Sends what out holds and waits for one whole message into in (at its
 * start), whose header goes to *h; timeout_ms for each wait. 0 or a
 * negative errno of the transport with a message in err.
 */
int ctl_client_exchange(int fd, struct fab_wire_buf *out, struct fab_wire_buf *in, int timeout_ms,
			struct fab_wire_hdr *h, char *err, size_t errlen);

/* A decimal number of a command-line option, min..max. 0 or -EINVAL. */
int ctl_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out);

/* Reads a whole file of at most max bytes. 0 or a negative errno. */
int ctl_client_read_file(const char *path, size_t max, char **text, size_t *len);

#endif
