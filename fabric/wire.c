/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "bytes.h"
#include "config.h"
#include "pipeline.h"
#include "wire.h"

/* Header field offsets; the layout is the protocol, not a C struct. */
#define OFF_MAGIC   0
#define OFF_VERSION 4
#define OFF_TYPE    5
#define OFF_FLAGS   6
#define OFF_LENGTH  8
#define OFF_ID      12
#define OFF_STATUS  16

void fab_wire_hdr_encode(const struct fab_wire_hdr *h, uint8_t *buf)
{
	fab_wr32(buf + OFF_MAGIC, h->magic);
	buf[OFF_VERSION] = h->version;
	buf[OFF_TYPE] = h->type;
	fab_wr16(buf + OFF_FLAGS, h->flags);
	fab_wr32(buf + OFF_LENGTH, h->length);
	fab_wr32(buf + OFF_ID, h->id);
	fab_wr32(buf + OFF_STATUS, (uint32_t)h->status);
}

long fab_wire_frame(const uint8_t *buf, size_t len, struct fab_wire_hdr *h)
{
	if (len < FAB_WIRE_HDR_LEN) {
		/* Refuse a stream that is not ours as soon as the magic shows it. */
		for (size_t i = 0; i < len && i < 4; i++)
			if (buf[i] != (uint8_t)(FAB_WIRE_MAGIC >> (24 - 8 * i)))
				return -EBADMSG;
		return 0;
	}
	h->magic = fab_rd32(buf + OFF_MAGIC);
	h->version = buf[OFF_VERSION];
	h->type = buf[OFF_TYPE];
	h->flags = fab_rd16(buf + OFF_FLAGS);
	h->length = fab_rd32(buf + OFF_LENGTH);
	h->id = fab_rd32(buf + OFF_ID);
	h->status = (int32_t)fab_rd32(buf + OFF_STATUS);
	if (h->magic != FAB_WIRE_MAGIC || (h->flags & ~FAB_WIRE_F_KNOWN) != 0)
		return -EBADMSG;
	if (h->length > FAB_WIRE_PAYLOAD_MAX)
		return -EMSGSIZE;
	if (len - FAB_WIRE_HDR_LEN < h->length)
		return 0;
	return (long)(FAB_WIRE_HDR_LEN + h->length);
}

int fab_wire_check(const struct fab_wire_hdr *h)
{
	if (h->version != FAB_WIRE_VERSION)
		return -EPROTONOSUPPORT;
	if (h->type == 0 || h->type >= FAB_WIRE_TYPE__MAX)
		return -EOPNOTSUPP;
	/* A status on a request means nothing, so a sender setting one is confused. */
	if (!(h->flags & FAB_WIRE_F_REPLY) && h->status != 0)
		return -EBADMSG;
	return 0;
}

void fab_wire_buf_free(struct fab_wire_buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void fab_wire_buf_consume(struct fab_wire_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		b->start = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->start = b->start > n ? b->start - n : 0;
}

static uint8_t *reserve(struct fab_wire_buf *b, size_t n)
{
	if (b->err != 0)
		return NULL;
	if (b->len - b->start + n > FAB_WIRE_MSG_MAX) {
		b->err = -EMSGSIZE;
		return NULL;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *d;

		while (cap < b->len + n)
			cap *= 2;
		d = realloc(b->data, cap);
		if (d == NULL) {
			b->err = -ENOMEM;
			return NULL;
		}
		b->data = d;
		b->cap = cap;
	}
	b->len += n;
	return b->data + b->len - n;
}

int fab_wire_buf_read(struct fab_wire_buf *b, int fd)
{
	size_t room;
	ssize_t n;

	if (b->len >= FAB_WIRE_MSG_MAX + FAB_WIRE_HDR_LEN)
		return -ENOBUFS;
	if (b->cap - b->len < 4096 && b->cap < FAB_WIRE_MSG_MAX + FAB_WIRE_HDR_LEN) {
		size_t cap = b->cap ? b->cap * 2 : 8192;
		uint8_t *d;

		if (cap > FAB_WIRE_MSG_MAX + FAB_WIRE_HDR_LEN)
			cap = FAB_WIRE_MSG_MAX + FAB_WIRE_HDR_LEN;
		d = realloc(b->data, cap);
		if (d == NULL)
			return -ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	room = b->cap - b->len;
	n = read(fd, b->data + b->len, room);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -EAGAIN : -errno;
	if (n == 0)
		return -ECONNRESET;
	b->len += (size_t)n;
	return 0;
}

int fab_wire_buf_write(struct fab_wire_buf *b, int fd)
{
	ssize_t n;

	if (b->len == 0)
		return 0;
	/* send, not write: a peer gone away must not kill us with SIGPIPE. */
	n = send(fd, b->data, b->len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -EAGAIN : -errno;
	fab_wire_buf_consume(b, (size_t)n);
	return 0;
}

static int unix_addr(const char *path, struct sockaddr_un *sa)
{
	size_t n = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n == 0 || n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, n + 1);
	return 0;
}

int fab_wire_listen(const char *path, unsigned int mode)
{
	struct sockaddr_un sa;
	char dir[sizeof(sa.sun_path)];
	char *slash;
	int fd, rc = unix_addr(path, &sa);

	if (rc != 0)
		return rc;
	memcpy(dir, sa.sun_path, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		(void)mkdir(dir, 0755);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || chmod(path, (mode_t)mode) != 0 ||
	    listen(fd, 16) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int fab_wire_connect(const char *path, bool nonblock)
{
	struct sockaddr_un sa;
	int fd, rc = unix_addr(path, &sa);

	if (rc != 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -errno;
	/* A Unix stream connect completes at once or fails; a full backlog says EAGAIN. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = errno == EAGAIN ? -ECONNREFUSED : -errno;
		close(fd);
		return rc;
	}
	return fd;
}

void fab_wire_begin(struct fab_wire_buf *b, uint8_t type, uint16_t flags, uint32_t id,
		    int32_t status)
{
	struct fab_wire_hdr h = {
	    .magic = FAB_WIRE_MAGIC,
	    .version = FAB_WIRE_VERSION,
	    .type = type,
	    .flags = flags,
	    .id = id,
	    .status = status,
	};
	uint8_t *p;

	b->err = 0;
	b->start = b->len;
	p = reserve(b, FAB_WIRE_HDR_LEN);
	if (p != NULL)
		fab_wire_hdr_encode(&h, p);
}

int fab_wire_finish(struct fab_wire_buf *b)
{
	int err = b->err;

	if (err != 0) {
		b->len = b->start;
		b->err = 0;
		return err;
	}
	fab_wr32(b->data + b->start + OFF_LENGTH, (uint32_t)(b->len - b->start - FAB_WIRE_HDR_LEN));
	b->start = b->len;
	return 0;
}

void fab_wire_put_u8(struct fab_wire_buf *b, uint8_t v)
{
	uint8_t *p = reserve(b, 1);

	if (p != NULL)
		*p = v;
}

void fab_wire_put_u16(struct fab_wire_buf *b, uint16_t v)
{
	uint8_t *p = reserve(b, 2);

	if (p != NULL)
		fab_wr16(p, v);
}

void fab_wire_put_u32(struct fab_wire_buf *b, uint32_t v)
{
	uint8_t *p = reserve(b, 4);

	if (p != NULL)
		fab_wr32(p, v);
}

void fab_wire_put_u64(struct fab_wire_buf *b, uint64_t v)
{
	fab_wire_put_u32(b, (uint32_t)(v >> 32));
	fab_wire_put_u32(b, (uint32_t)v);
}

void fab_wire_put_bytes(struct fab_wire_buf *b, const void *src, size_t n)
{
	uint8_t *p = reserve(b, n);

	if (p != NULL && n > 0)
		memcpy(p, src, n);
}

void fab_wire_put_str(struct fab_wire_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n > FAB_WIRE_STR_MAX) {
		if (b->err == 0)
			b->err = -ENAMETOOLONG;
		return;
	}
	fab_wire_put_u16(b, (uint16_t)n);
	fab_wire_put_bytes(b, s, n);
}

void fab_wire_put_blob(struct fab_wire_buf *b, const void *p, size_t n)
{
	if (n > FAB_WIRE_PAYLOAD_MAX) {
		if (b->err == 0)
			b->err = -EMSGSIZE;
		return;
	}
	fab_wire_put_u32(b, (uint32_t)n);
	fab_wire_put_bytes(b, p, n);
}

void fab_wire_rd_init(struct fab_wire_rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = false;
}

/* The next n bytes, or NULL (and err) if the payload ends first. */
static const uint8_t *take(struct fab_wire_rd *r, size_t n)
{
	const uint8_t *p;

	if (r->err || r->len - r->off < n) {
		r->err = true;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

uint8_t fab_wire_get_u8(struct fab_wire_rd *r)
{
	const uint8_t *p = take(r, 1);

	return p ? *p : 0;
}

uint16_t fab_wire_get_u16(struct fab_wire_rd *r)
{
	const uint8_t *p = take(r, 2);

	return p ? fab_rd16(p) : 0;
}

uint32_t fab_wire_get_u32(struct fab_wire_rd *r)
{
	const uint8_t *p = take(r, 4);

	return p ? fab_rd32(p) : 0;
}

uint64_t fab_wire_get_u64(struct fab_wire_rd *r)
{
	uint64_t hi = fab_wire_get_u32(r);

	return hi << 32 | fab_wire_get_u32(r);
}

void fab_wire_get_str(struct fab_wire_rd *r, char *out, size_t outlen)
{
	uint16_t n = fab_wire_get_u16(r);
	const uint8_t *p = take(r, n);

	out[0] = '\0';
	if (p == NULL || n >= outlen || memchr(p, '\0', n) != NULL) {
		r->err = true;
		return;
	}
	memcpy(out, p, n);
	out[n] = '\0';
}

size_t fab_wire_get_blob(struct fab_wire_rd *r, const uint8_t **out)
{
	uint32_t n = fab_wire_get_u32(r);
	const uint8_t *p = take(r, n);

	*out = p;
	return p ? n : 0;
}

int fab_wire_rd_end(const struct fab_wire_rd *r)
{
	return r->err || r->off != r->len ? -EBADMSG : 0;
}

int fab_wire_put_error(struct fab_wire_buf *b, const struct fab_wire_hdr *req, int status,
		       const char *msg)
{
	fab_wire_begin(b, req->type, FAB_WIRE_F_REPLY, req->id, status < 0 ? status : -EIO);
	fab_wire_put_str(b, msg);
	return fab_wire_finish(b);
}

int fab_wire_refusal(struct fab_wire_buf *b, const struct fab_wire_hdr *req, int status)
{
	char msg[96];

	if (status == -EPROTONOSUPPORT)
		snprintf(msg, sizeof(msg),
			 "protocol version %u not supported (this side speaks %u)", req->version,
			 FAB_WIRE_VERSION);
	else if (status == -EOPNOTSUPP)
		snprintf(msg, sizeof(msg), "message type %u not supported", req->type);
	else
		snprintf(msg, sizeof(msg), "malformed %s message", fab_wire_type_name(req->type));
	return fab_wire_put_error(b, req, status, msg);
}

int fab_wire_empty_rep(struct fab_wire_buf *b, const struct fab_wire_hdr *req)
{
	fab_wire_begin(b, req->type, FAB_WIRE_F_REPLY, req->id, 0);
	return fab_wire_finish(b);
}

void fab_wire_error_decode(const uint8_t *p, size_t len, char *out, size_t outlen)
{
	struct fab_wire_rd r;

	fab_wire_rd_init(&r, p, len);
	fab_wire_get_str(&r, out, outlen);
	if (fab_wire_rd_end(&r) != 0)
		out[0] = '\0';
}

int fab_wire_hello_req_encode(struct fab_wire_buf *b, uint32_t id,
			      const struct fab_wire_hello_req *m)
{
	fab_wire_begin(b, FAB_WIRE_HELLO, 0, id, 0);
	fab_wire_put_str(b, m->software);
	fab_wire_put_u32(b, m->pid);
	return fab_wire_finish(b);
}

int fab_wire_hello_req_decode(const uint8_t *p, size_t len, struct fab_wire_hello_req *m)
{
	struct fab_wire_rd r;

	fab_wire_rd_init(&r, p, len);
	fab_wire_get_str(&r, m->software, sizeof(m->software));
	m->pid = fab_wire_get_u32(&r);
	return fab_wire_rd_end(&r);
}

static void put_hello_rep(struct fab_wire_buf *b, const struct fab_wire_hello_rep *m)
{
	fab_wire_put_str(b, m->software);
	fab_wire_put_u64(b, m->generation);
	fab_wire_put_u64(b, m->digest);
	fab_wire_put_u16(b, m->nports);
}

static void get_hello_rep(struct fab_wire_rd *r, struct fab_wire_hello_rep *m)
{
	fab_wire_get_str(r, m->software, sizeof(m->software));
	m->generation = fab_wire_get_u64(r);
	m->digest = fab_wire_get_u64(r);
	m->nports = fab_wire_get_u16(r);
	if (m->nports > FAB_PORTS_MAX)
		r->err = true;
}

int fab_wire_hello_rep_encode(struct fab_wire_buf *b, const struct fab_wire_hdr *req,
			      const struct fab_wire_hello_rep *m)
{
	fab_wire_begin(b, req->type, FAB_WIRE_F_REPLY, req->id, 0);
	put_hello_rep(b, m);
	return fab_wire_finish(b);
}

int fab_wire_hello_rep_decode(const uint8_t *p, size_t len, struct fab_wire_hello_rep *m)
{
	struct fab_wire_rd r;

	fab_wire_rd_init(&r, p, len);
	get_hello_rep(&r, m);
	return fab_wire_rd_end(&r);
}

#define WIRE_PORT_STATE_LEN 6 /* admin_up, oper, link_changes */

static void put_port_state(struct fab_wire_buf *b, const struct fab_wire_port_state *s)
{
	fab_wire_put_u8(b, s->admin_up);
	fab_wire_put_u8(b, s->oper);
	fab_wire_put_u32(b, s->link_changes);
}

static void get_port_state(struct fab_wire_rd *r, struct fab_wire_port_state *s)
{
	s->admin_up = fab_wire_get_u8(r);
	s->oper = fab_wire_get_u8(r);
	s->link_changes = fab_wire_get_u32(r);
	if (s->admin_up > 1 || s->oper > FAB_OPER_ERRDISABLED)
		r->err = true;
}

int fab_wire_status_encode(struct fab_wire_buf *b, const struct fab_wire_hdr *req,
			   const struct fab_wire_status *m)
{
	fab_wire_begin(b, req->type, FAB_WIRE_F_REPLY, req->id, 0);
	put_hello_rep(b, &m->hello);
	fab_wire_put_u64(b, m->uptime_ns);
	fab_wire_put_u64(b, m->punt_dropped);
	fab_wire_put_u16(b, m->nworkers);
	for (uint16_t i = 0; i < m->hello.nports; i++)
		put_port_state(b, &m->ports[i]);
	return fab_wire_finish(b);
}

int fab_wire_status_decode(const uint8_t *p, size_t len, struct fab_wire_status *m)
{
	struct fab_wire_rd r;

	fab_wire_rd_init(&r, p, len);
	get_hello_rep(&r, &m->hello);
	m->uptime_ns = fab_wire_get_u64(&r);
	m->punt_dropped = fab_wire_get_u64(&r);
	m->nworkers = fab_wire_get_u16(&r);
	for (uint16_t i = 0; !r.err && i < m->hello.nports; i++)
		get_port_state(&r, &m->ports[i]);
	return fab_wire_rd_end(&r);
}

int fab_wire_port_info_encode(struct fab_wire_buf *b, const struct fab_wire_hdr *req,
			      const struct fab_wire_port_info *m)
{
	fab_wire_begin(b, req->type, FAB_WIRE_F_REPLY, req->id, 0);
	fab_wire_put_u16(b, m->nports);
	fab_wire_put_bytes(b, m->macs, (size_t)m->nports * 6);
	return fab_wire_finish(b);
}

int fab_wire_port_info_decode(const uint8_t *p, size_t len, struct fab_wire_port_info *m)
{
	struct fab_wire_rd r;

	fab_wire_rd_init(&r, p, len);
	m->nports = fab_wire_get_u16(&r);
	if (r.err || m->nports > FAB_PORTS_MAX || len - r.off != (size_t)m->nports * 6)
		return -EBADMSG;
	m->macs = (const uint8_t(*)[6])(p + r.off);
	r.off = len;
	return fab_wire_rd_end(&r);
}

/*
 * Counters travel with their own counts, so that a control built with a
 * longer or shorter list of reasons than the dataplane still reads the ones
 * both know; the rest is skipped or left zero.
 */
#define WIRE_LIST_MAX 256

int fab_wire_counters_encode(struct fab_wire_buf *b, const struct fab_wire_hdr *req,
			     const struct fab_wire_counters *m)
{
	fab_wire_begin(b, req->type, FAB_WIRE_F_REPLY, req->id, 0);
	fab_wire_put_u64(b, m->now);
	fab_wire_put_u16(b, m->nports);
	fab_wire_put_u16(b, FAB_CTR__COUNT);
	fab_wire_put_u16(b, FAB_DROP__COUNT);
	for (uint16_t i = 0; i < m->nports; i++) {
		const struct fab_port_stats *s = &m->stats[i];

		put_port_state(b, &m->ports[i]);
		for (int c = 0; c < FAB_CTR__COUNT; c++)
			fab_wire_put_u64(b, s->ctr[c]);
		for (int d = 0; d < FAB_DROP__COUNT; d++)
			fab_wire_put_u64(b, s->drop[d]);
		fab_wire_put_u64(b, s->last_offender_mac);
		fab_wire_put_u64(b, s->last_offender_time);
		fab_wire_put_u16(b, s->last_offender_ethertype);
		fab_wire_put_u16(b, s->last_offender_reason);
	}
	return fab_wire_finish(b);
}

int fab_wire_counters_decode(const uint8_t *p, size_t len, struct fab_wire_counters *m)
{
	struct fab_wire_rd r;
	uint16_t nctr, ndrop;
	size_t per_port;

	fab_wire_rd_init(&r, p, len);
	m->now = fab_wire_get_u64(&r);
	m->nports = fab_wire_get_u16(&r);
	nctr = fab_wire_get_u16(&r);
	ndrop = fab_wire_get_u16(&r);
	if (r.err || m->nports > FAB_PORTS_MAX || nctr > WIRE_LIST_MAX || ndrop > WIRE_LIST_MAX)
		return -EBADMSG;
	/* Check the whole size before touching the caller's arrays. */
	per_port = WIRE_PORT_STATE_LEN + 8 * ((size_t)nctr + ndrop) + 8 + 8 + 2 + 2;
	if (len - r.off != per_port * m->nports)
		return -EBADMSG;
	for (uint16_t i = 0; i < m->nports; i++) {
		struct fab_port_stats *s = &m->stats[i];

		memset(s, 0, sizeof(*s));
		get_port_state(&r, &m->ports[i]);
		for (uint16_t c = 0; c < nctr; c++) {
			uint64_t v = fab_wire_get_u64(&r);

			if (c < FAB_CTR__COUNT)
				s->ctr[c] = v;
		}
		for (uint16_t d = 0; d < ndrop; d++) {
			uint64_t v = fab_wire_get_u64(&r);

			if (d < FAB_DROP__COUNT)
				s->drop[d] = v;
		}
		s->last_offender_mac = fab_wire_get_u64(&r);
		s->last_offender_time = fab_wire_get_u64(&r);
		s->last_offender_ethertype = fab_wire_get_u16(&r);
		s->last_offender_reason = fab_wire_get_u16(&r);
		if (s->last_offender_mac > 0xffffffffffffULL)
			r.err = true;
	}
	return fab_wire_rd_end(&r);
}

int fab_wire_config_encode(struct fab_wire_buf *b, uint32_t id, const struct fab_wire_config *m)
{
	fab_wire_begin(b, FAB_WIRE_CONFIG_SET, 0, id, 0);
	fab_wire_put_blob(b, m->text, m->len);
	return fab_wire_finish(b);
}

int fab_wire_config_decode(const uint8_t *p, size_t len, struct fab_wire_config *m)
{
	struct fab_wire_rd r;
	const uint8_t *text;

	fab_wire_rd_init(&r, p, len);
	m->len = fab_wire_get_blob(&r, &text);
	m->text = (const char *)text;
	return fab_wire_rd_end(&r);
}

/* PORT_ADMIN and PORT_ERRDISABLE share one layout: a port and a flag. */
static int port_flag_encode(struct fab_wire_buf *b, uint8_t type, uint32_t id, uint16_t port,
			    uint8_t flag)
{
	fab_wire_begin(b, type, 0, id, 0);
	fab_wire_put_u16(b, port);
	fab_wire_put_u8(b, flag);
	return fab_wire_finish(b);
}

static int port_flag_decode(const uint8_t *p, size_t len, uint16_t *port, uint8_t *flag)
{
	struct fab_wire_rd r;

	fab_wire_rd_init(&r, p, len);
	*port = fab_wire_get_u16(&r);
	*flag = fab_wire_get_u8(&r);
	if (*flag > 1 || *port >= FAB_PORTS_MAX)
		r.err = true;
	return fab_wire_rd_end(&r);
}

int fab_wire_port_admin_encode(struct fab_wire_buf *b, uint32_t id,
			       const struct fab_wire_port_admin *m)
{
	return port_flag_encode(b, FAB_WIRE_PORT_ADMIN, id, m->port, m->up);
}

int fab_wire_port_admin_decode(const uint8_t *p, size_t len, struct fab_wire_port_admin *m)
{
	return port_flag_decode(p, len, &m->port, &m->up);
}

int fab_wire_port_errdisable_encode(struct fab_wire_buf *b, uint32_t id,
				    const struct fab_wire_port_errdisable *m)
{
	return port_flag_encode(b, FAB_WIRE_PORT_ERRDISABLE, id, m->port, m->on);
}

int fab_wire_port_errdisable_decode(const uint8_t *p, size_t len,
				    struct fab_wire_port_errdisable *m)
{
	return port_flag_decode(p, len, &m->port, &m->on);
}

int fab_wire_frame_encode(struct fab_wire_buf *b, uint8_t type, uint32_t id,
			  const struct fab_wire_frame_msg *m)
{
	fab_wire_begin(b, type, type == FAB_WIRE_PUNT ? FAB_WIRE_F_ASYNC : 0, id, 0);
	if (m->len > FAB_WIRE_FRAME_MAX && b->err == 0)
		b->err = -EMSGSIZE;
	fab_wire_put_u16(b, m->port);
	fab_wire_put_u64(b, m->time);
	fab_wire_put_u16(b, m->len);
	fab_wire_put_bytes(b, m->frame, m->len);
	return fab_wire_finish(b);
}

int fab_wire_frame_decode(const uint8_t *p, size_t len, struct fab_wire_frame_msg *m)
{
	struct fab_wire_rd r;

	fab_wire_rd_init(&r, p, len);
	m->port = fab_wire_get_u16(&r);
	m->time = fab_wire_get_u64(&r);
	m->len = fab_wire_get_u16(&r);
	m->frame = take(&r, m->len);
	if (m->port >= FAB_PORTS_MAX || m->len > FAB_WIRE_FRAME_MAX)
		r.err = true;
	return fab_wire_rd_end(&r);
}

int fab_wire_cli_encode(struct fab_wire_buf *b, uint32_t id, const struct fab_wire_cli *m)
{
	fab_wire_begin(b, FAB_WIRE_CLI, 0, id, 0);
	if (m->argc > FAB_WIRE_ARGS_MAX && b->err == 0)
		b->err = -E2BIG;
	fab_wire_put_u16(b, m->argc);
	for (uint16_t i = 0; i < m->argc && i < FAB_WIRE_ARGS_MAX; i++)
		fab_wire_put_str(b, m->argv[i]);
	fab_wire_put_u8(b, m->file != NULL);
	if (m->file != NULL)
		fab_wire_put_blob(b, m->file, m->file_len);
	return fab_wire_finish(b);
}

int fab_wire_cli_decode(const uint8_t *p, size_t len, struct fab_wire_cli *m)
{
	struct fab_wire_rd r;
	uint8_t has_file;

	fab_wire_rd_init(&r, p, len);
	m->argc = fab_wire_get_u16(&r);
	if (m->argc > FAB_WIRE_ARGS_MAX)
		return -EBADMSG;
	for (uint16_t i = 0; i < m->argc; i++)
		fab_wire_get_str(&r, m->argv[i], sizeof(m->argv[i]));
	has_file = fab_wire_get_u8(&r);
	m->file = NULL;
	m->file_len = 0;
	if (has_file > 1)
		r.err = true;
	if (has_file == 1) {
		const uint8_t *f;

		m->file_len = fab_wire_get_blob(&r, &f);
		m->file = (const char *)f;
	}
	return fab_wire_rd_end(&r);
}

int fab_wire_blob_rep_encode(struct fab_wire_buf *b, const struct fab_wire_hdr *req, const void *p,
			     size_t n)
{
	fab_wire_begin(b, req->type, FAB_WIRE_F_REPLY, req->id, 0);
	fab_wire_put_blob(b, p, n);
	return fab_wire_finish(b);
}

int fab_wire_blob_decode(const uint8_t *p, size_t len, const uint8_t **blob, size_t *n)
{
	struct fab_wire_rd r;

	fab_wire_rd_init(&r, p, len);
	*n = fab_wire_get_blob(&r, blob);
	return fab_wire_rd_end(&r);
}

uint64_t fab_wire_fnv1a(const void *p, size_t n)
{
	const uint8_t *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t fab_wire_config_digest(const struct fab_model *m)
{
	struct fab_model *c = fab_model_clone(m);
	char *text = NULL;
	size_t len = 0;
	uint64_t h = 0;
	FILE *f;

	if (c == NULL)
		return 0;
	for (size_t i = 0; i < c->nports; i++)
		c->ports[i].admin_up = true;
	f = open_memstream(&text, &len);
	if (f != NULL) {
		if (fab_config_print(c, f) == 0 && fflush(f) == 0)
			h = fab_wire_fnv1a(text, len);
		fclose(f);
	}
	free(text);
	fab_model_destroy(c);
	return h;
}

const char *fab_wire_type_name(uint8_t type)
{
	static const char *const names[FAB_WIRE_TYPE__MAX] = {
	    [FAB_WIRE_HELLO] = "HELLO",
	    [FAB_WIRE_STATUS] = "STATUS",
	    [FAB_WIRE_COUNTERS_GET] = "COUNTERS_GET",
	    [FAB_WIRE_CONFIG_SET] = "CONFIG_SET",
	    [FAB_WIRE_PORT_ADMIN] = "PORT_ADMIN",
	    [FAB_WIRE_PUNT] = "PUNT",
	    [FAB_WIRE_INJECT] = "INJECT",
	    [FAB_WIRE_CLI] = "CLI",
	    [FAB_WIRE_PORT_ERRDISABLE] = "PORT_ERRDISABLE",
	    [FAB_WIRE_SPONGE_SET] = "SPONGE_SET",
	    [FAB_WIRE_PORT_INFO] = "PORT_INFO",
	    [FAB_WIRE_LAG_GET] = "LAG_GET",
	    [FAB_WIRE_MATRIX_GET] = "MATRIX_GET",
	    [FAB_WIRE_CAPTURE_INFO] = "CAPTURE_INFO",
	    [FAB_WIRE_EVPN] = "EVPN",
	};

	return type > 0 && type < FAB_WIRE_TYPE__MAX ? names[type] : "unknown";
}
