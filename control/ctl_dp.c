/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ctl_dp.h"

struct ctl_dp {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	uint32_t next_id;
	struct fab_wire_buf out;
	struct fab_wire_buf in;
	size_t consumed;  /* bytes of `in` already handed out by the last call */
	uint64_t replies; /* replies received, to calls or not */
	uint32_t sent_id; /* the request of ctl_dp_send, and whether its reply came */
	bool sent_answered;
	ctl_dp_async_fn fn;
	void *arg;
};

struct ctl_dp *ctl_dp_create(const char *path, ctl_dp_async_fn fn, void *arg)
{
	struct ctl_dp *dp;

	if (strlen(path) >= sizeof(dp->path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	dp = calloc(1, sizeof(*dp));
	if (dp == NULL)
		return NULL;
	snprintf(dp->path, sizeof(dp->path), "%s", path);
	dp->fd = -1;
	dp->next_id = 1;
	dp->fn = fn;
	dp->arg = arg;
	return dp;
}

void ctl_dp_destroy(struct ctl_dp *dp)
{
	if (dp == NULL)
		return;
	ctl_dp_close(dp);
	fab_wire_buf_free(&dp->out);
	fab_wire_buf_free(&dp->in);
	free(dp);
}

int ctl_dp_connect(struct ctl_dp *dp)
{
	int fd;

	ctl_dp_close(dp);
	fd = fab_wire_connect(dp->path, true);
	if (fd < 0)
		return fd;
	dp->fd = fd;
	return 0;
}

void ctl_dp_close(struct ctl_dp *dp)
{
	if (dp->fd >= 0)
		close(dp->fd);
	dp->fd = -1;
	dp->out.len = dp->out.start = 0;
	dp->in.len = 0;
	dp->consumed = 0;
	dp->sent_id = 0;
}

int ctl_dp_fd(const struct ctl_dp *dp)
{
	return dp->fd;
}

struct fab_wire_buf *ctl_dp_out(struct ctl_dp *dp)
{
	return &dp->out;
}

uint32_t ctl_dp_next_id(struct ctl_dp *dp)
{
	uint32_t id = dp->next_id++;

	if (dp->next_id == 0)
		dp->next_id = 1;
	return id;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fail(struct ctl_dp *dp, int err)
{
	ctl_dp_close(dp);
	return err;
}

/*
 * Takes the next whole message out of the input buffer. Returns 1 with *h
 * and *payload set (valid until the next read), 0 if none is whole yet, or
 * a negative errno when the stream is broken.
 */
static int next_message(struct ctl_dp *dp, struct fab_wire_hdr *h, const uint8_t **payload)
{
	long n;

	fab_wire_buf_consume(&dp->in, dp->consumed);
	dp->consumed = 0;
	n = fab_wire_frame(dp->in.data, dp->in.len, h);
	if (n <= 0)
		return (int)n;
	*payload = dp->in.data + FAB_WIRE_HDR_LEN;
	dp->consumed = (size_t)n;
	return 1;
}

/* Answers what the dataplane sent by itself; refuses what we cannot act on. */
static void dispatch_async(struct ctl_dp *dp, const struct fab_wire_hdr *h, const uint8_t *p)
{
	int rc = fab_wire_check(h);

	if (h->flags & FAB_WIRE_F_REPLY) {
		dp->replies++; /* to a call that timed out, or to ctl_dp_send */
		if (h->id == dp->sent_id)
			dp->sent_answered = true;
	}
	if (rc == 0 && h->type == FAB_WIRE_PUNT && (h->flags & FAB_WIRE_F_ASYNC)) {
		if (dp->fn != NULL)
			dp->fn(dp->arg, h, p);
		return;
	}
	if (!(h->flags & (FAB_WIRE_F_ASYNC | FAB_WIRE_F_REPLY))) {
		/* A request we do not serve: say so rather than leave it hanging. */
		fab_wire_refusal(&dp->out, h, rc != 0 ? rc : -EOPNOTSUPP);
		fab_wire_buf_write(&dp->out, dp->fd);
	}
}

/* Reads per turn of the event loop: a storm of punts must not hold it. */
#define READS_PER_TURN 64

int ctl_dp_read_async(struct ctl_dp *dp)
{
	struct fab_wire_hdr h;
	const uint8_t *p = NULL;
	int rc, rd = 0;

	if (dp->fd < 0)
		return -ENOTCONN;
	/*
	 * Whole messages are handled after each read, those a call left behind
	 * first: the buffer then never holds more than one read's worth, and
	 * what the dataplane sent before it closed the connection is handled
	 * before the connection is given up, so no punted copy it delivered is
	 * lost here.
	 */
	for (int i = 0; i <= READS_PER_TURN; i++) {
		while ((rc = next_message(dp, &h, &p)) == 1)
			dispatch_async(dp, &h, p);
		if (rc < 0)
			return fail(dp, rc);
		if (rd != 0 || i == READS_PER_TURN)
			break;
		rd = fab_wire_buf_read(&dp->in, dp->fd);
	}
	if (rd != 0 && rd != -EAGAIN)
		return fail(dp, rd);
	return 0;
}

int ctl_dp_call(struct ctl_dp *dp, uint32_t id, int timeout_ms, const uint8_t **payload,
		size_t *len, char *err, size_t errlen)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct fab_wire_hdr h;
	const uint8_t *p = NULL;
	int rc, closed = 0;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (dp->fd < 0) {
		dp->out.len = dp->out.start = 0;
		return -ENOTCONN;
	}
	for (;;) {
		struct pollfd pfd = {.fd = dp->fd, .events = POLLIN};
		int64_t left = deadline - now_ms();

		while ((rc = next_message(dp, &h, &p)) == 1) {
			if ((h.flags & FAB_WIRE_F_REPLY) && h.id == id) {
				dp->replies++;
				*payload = p;
				*len = h.length;
				if (h.status != 0 && err != NULL)
					fab_wire_error_decode(p, h.length, err, errlen);
				/* Statuses are negative errnos; anything else is a broken peer. */
				if (h.status > 0 || h.status < -4095)
					return fail(dp, -EBADMSG);
				return h.status;
			}
			/* Replies to calls that timed out earlier are stale: counted only. */
			dispatch_async(dp, &h, p);
		}
		if (rc < 0)
			return fail(dp, rc);
		if (closed != 0)
			return fail(dp, closed);
		if (dp->out.len > 0)
			pfd.events |= POLLOUT;
		/* Not closed: the request stays queued, and its late reply says
		 * that the dataplane answers again (ctl_dp_replies). */
		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno != EINTR)
			return fail(dp, -errno);
		if (rc <= 0)
			continue;
		if (pfd.revents & POLLOUT) {
			rc = fab_wire_buf_write(&dp->out, dp->fd);
			if (rc != 0 && rc != -EAGAIN)
				return fail(dp, rc);
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			rc = fab_wire_buf_read(&dp->in, dp->fd);
			/* What came before the end is handled first (above). */
			if (rc != 0 && rc != -EAGAIN)
				closed = rc;
		}
	}
}

uint64_t ctl_dp_replies(const struct ctl_dp *dp)
{
	return dp->replies;
}

int ctl_dp_send(struct ctl_dp *dp, int build_rc, uint32_t id)
{
	if (build_rc != 0)
		return build_rc;
	if (dp->fd < 0) {
		dp->out.len = dp->out.start = 0;
		return -ENOTCONN;
	}
	dp->sent_id = id;
	dp->sent_answered = false;
	return ctl_dp_flush(dp);
}

bool ctl_dp_answered(const struct ctl_dp *dp, uint32_t id)
{
	return dp->sent_id == id && dp->sent_answered;
}

void ctl_dp_cancel(struct ctl_dp *dp)
{
	dp->out.len = dp->out.start;
}

bool ctl_dp_want_write(const struct ctl_dp *dp)
{
	return dp->fd >= 0 && dp->out.len > 0;
}

int ctl_dp_flush(struct ctl_dp *dp)
{
	int rc;

	if (dp->fd < 0)
		return -ENOTCONN;
	rc = fab_wire_buf_write(&dp->out, dp->fd);
	return rc == 0 || rc == -EAGAIN ? 0 : fail(dp, rc);
}
