/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "cli_client.h"

/* Long enough for a configuration push to a busy dataplane. */
#define CLIENT_TIMEOUT_MS 60000

int ctl_client_connect(const char *path)
{
	return fab_wire_connect(path, false);
}

int ctl_client_read_file(const char *path, size_t max, char **text, size_t *len)
{
	struct stat st = {0};
	char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*text = NULL;
	*len = 0;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		int e = !S_ISREG(st.st_mode) ? -EINVAL : -EFBIG;

		close(fd);
		return e;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*text = buf;
	*len = got;
	return 0;
}

int ctl_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* Blocks until fd is ready for events or the deadline passes. */
static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	int rc = poll(&p, 1, timeout_ms);

	if (rc < 0)
		return -errno;
	return rc == 0 ? -ETIMEDOUT : 0;
}

int ctl_client_exchange(int fd, struct fab_wire_buf *out, struct fab_wire_buf *in, int timeout_ms,
			struct fab_wire_hdr *h, char *err, size_t errlen)
{
	long n = 0;
	int rc = 0;

	while (rc == 0 && out->len > 0) {
		rc = wait_fd(fd, POLLOUT, timeout_ms);
		if (rc == 0)
			rc = fab_wire_buf_write(out, fd);
		if (rc == -EAGAIN)
			rc = 0;
	}
	/* Refused, control closed before reading: its message may wait below. */
	if (rc == -EPIPE || rc == -ECONNRESET)
		rc = 0;
	while (rc == 0 && (n = fab_wire_frame(in->data, in->len, h)) == 0) {
		rc = wait_fd(fd, POLLIN, timeout_ms);
		if (rc == 0)
			rc = fab_wire_buf_read(in, fd);
		if (rc == -EAGAIN)
			rc = 0;
	}
	if (rc == 0 && n < 0)
		rc = (int)n;
	if (rc != 0)
		snprintf(err, errlen, "%s",
			 rc == -ECONNRESET ? "peerlan-control closed the connection"
					   : strerror(-rc));
	return rc;
}

int ctl_client_call(int fd, const struct ctl_request *r, const char *file, size_t file_len,
		    json_t **reply, char *err, size_t errlen)
{
	return ctl_client_call_timeout(fd, r, file, file_len, CLIENT_TIMEOUT_MS, reply, err,
				       errlen);
}

int ctl_client_call_timeout(int fd, const struct ctl_request *r, const char *file, size_t file_len,
			    int timeout_ms, json_t **reply, char *err, size_t errlen)
{
	static const uint32_t id = 1;
	struct fab_wire_cli *w = calloc(1, sizeof(*w));
	struct fab_wire_buf out = {0}, in = {0};
	struct fab_wire_hdr h;
	int rc;

	*reply = NULL;
	if (w == NULL)
		return -ENOMEM;
	w->argc = r->argc;
	memcpy(w->argv, r->argv, sizeof(w->argv));
	w->file = file;
	w->file_len = file_len;
	rc = fab_wire_cli_encode(&out, id, w);
	free(w);
	if (rc == 0)
		rc = ctl_client_exchange(fd, &out, &in, timeout_ms, &h, err, errlen);
	if (rc != 0)
		goto out;
	{
		const uint8_t *p = in.data + FAB_WIRE_HDR_LEN, *blob;
		size_t blen;

		if (h.id == 0 && (h.flags & FAB_WIRE_F_REPLY) && h.status < 0) {
			/* A refused connection: the message says why. */
			fab_wire_error_decode(p, h.length, err, errlen);
			rc = h.status;
		} else if (h.id != id || !(h.flags & FAB_WIRE_F_REPLY)) {
			snprintf(err, errlen, "unexpected message from peerlan-control");
			rc = -EBADMSG;
		} else if (fab_wire_blob_decode(p, h.length, &blob, &blen) == 0) {
			*reply = json_loadb((const char *)blob, blen, 0, NULL);
			rc = *reply != NULL ? h.status : -EBADMSG;
			if (*reply == NULL)
				snprintf(err, errlen,
					 "peerlan-control sent a reply that is not JSON");
		} else {
			/* A refusal at the protocol level carries one message. */
			fab_wire_error_decode(p, h.length, err, errlen);
			rc = h.status != 0 ? h.status : -EBADMSG;
		}
	}
out:
	fab_wire_buf_free(&out);
	fab_wire_buf_free(&in);
	return rc;
}
