/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CLI sockets. The read-write socket is mode 0660, owned by the CLI
 * group when it exists (else root only), and each peer's credentials are
 * checked again with SO_PEERCRED, so a socket file with loose permissions
 * cannot open it up. The read-only socket, for monitoring tools, is open
 * to every local user and answers show commands only.
 *
 * Connections are few (CTL_CLIENTS_MAX, of which CTL_CLIENTS_RO_MAX on the
 * read-only socket), so one that sits idle, or dribbles a request, is
 * closed after cli_idle_s, and one refused gets a message saying why before
 * the close.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ctl_int.h"

/* A client that sends more than one whole request before reading replies
 * is throttled here: we stop reading until its replies have gone out. */
#define CLIENT_OUT_MAX (8u << 20)

bool ctl_cred_allowed(uid_t uid, gid_t gid, const char *group)
{
	struct group *gr;
	struct passwd *pw;
	gid_t groups[256];
	int n = (int)(sizeof(groups) / sizeof(groups[0]));

	if (uid == 0)
		return true;
	gr = group[0] ? getgrnam(group) : NULL;
	if (gr == NULL)
		return false;
	if (gid == gr->gr_gid)
		return true;
	pw = getpwuid(uid);
	if (pw == NULL)
		return false;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		return false;
	for (int i = 0; i < n; i++)
		if (groups[i] == gr->gr_gid)
			return true;
	return false;
}

static int listen_on(const char *path, bool readonly, const char *group)
{
	struct group *gr = readonly ? NULL : getgrnam(group);
	unsigned int mode = readonly ? 0666 : (gr != NULL ? 0660 : 0600);
	int fd = fab_wire_listen(path, mode);

	if (fd >= 0 && gr != NULL && chown(path, (uid_t)-1, gr->gr_gid) != 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

int ctl_cli_open(struct ctl *c)
{
	const struct fab_management *g = &c->running->mgmt;
	int fd;

	fd = listen_on(g->cli_socket, false, g->cli_group);
	if (fd < 0) {
		ctl_log("cannot listen on %s: %s", g->cli_socket, strerror(-fd));
		return fd;
	}
	c->cli_fd = fd;
	if (g->cli_ro_socket[0] != '\0') {
		fd = listen_on(g->cli_ro_socket, true, g->cli_group);
		if (fd < 0) {
			ctl_log("cannot listen on %s: %s", g->cli_ro_socket, strerror(-fd));
			return fd;
		}
		c->cli_ro_fd = fd;
	}
	return 0;
}

static void client_close(struct ctl_client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	cl->fd = -1;
	fab_wire_buf_free(&cl->in);
	fab_wire_buf_free(&cl->out);
}

void ctl_cli_close(struct ctl *c)
{
	for (int i = 0; i < CTL_CLIENTS_MAX; i++)
		client_close(&c->clients[i]);
	if (c->cli_fd >= 0)
		close(c->cli_fd);
	if (c->cli_ro_fd >= 0)
		close(c->cli_ro_fd);
	c->cli_fd = c->cli_ro_fd = -1;
}

int ctl_cli_pollfds(struct ctl *c, struct pollfd *pfd, int max)
{
	int n = 0;

	if (c->cli_fd >= 0 && n < max)
		pfd[n++] = (struct pollfd){.fd = c->cli_fd, .events = POLLIN};
	if (c->cli_ro_fd >= 0 && n < max)
		pfd[n++] = (struct pollfd){.fd = c->cli_ro_fd, .events = POLLIN};
	for (int i = 0; i < CTL_CLIENTS_MAX && n < max; i++) {
		struct ctl_client *cl = &c->clients[i];

		if (cl->fd < 0)
			continue;
		pfd[n] = (struct pollfd){.fd = cl->fd, .events = 0};
		if (cl->out.len < CLIENT_OUT_MAX)
			pfd[n].events |= POLLIN;
		if (cl->out.len > 0)
			pfd[n].events |= POLLOUT;
		n++;
	}
	return n;
}

/*
 * Closes a connection we will not serve, after one error message (id 0, as
 * no request came yet) that peerlanctl prints instead of "closed the
 * connection". The socket's buffer is empty: the one write does not block.
 */
__attribute__((format(printf, 3, 4))) static void refuse(int fd, int status, const char *fmt, ...)
{
	struct fab_wire_hdr req = {.type = FAB_WIRE_CLI};
	struct fab_wire_buf b = {0};
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (fab_wire_put_error(&b, &req, status, msg) == 0)
		(void)fab_wire_buf_write(&b, fd);
	fab_wire_buf_free(&b);
	close(fd);
}

static void accept_one(struct ctl *c, int lfd, bool readonly)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	if (!readonly && (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
			  !ctl_cred_allowed(cred.uid, cred.gid, c->running->mgmt.cli_group))) {
		ctl_log("refused a CLI connection from uid %u: not root nor in group %s",
			(unsigned)cred.uid, c->running->mgmt.cli_group);
		refuse(fd, -EACCES, "refused: not root nor in group %s",
		       c->running->mgmt.cli_group);
		return;
	}
	if (readonly) {
		int nro = 0;

		for (int i = 0; i < CTL_CLIENTS_MAX; i++)
			nro += c->clients[i].fd >= 0 && c->clients[i].readonly;
		if (nro >= CTL_CLIENTS_RO_MAX) {
			c->cli_ro_refused++;
			refuse(
			    fd, -EUSERS,
			    "refused: the read-only socket serves %d connections at once and all "
			    "are in use (idle ones are closed after %u s); try again later",
			    CTL_CLIENTS_RO_MAX, c->opts.cli_idle_s);
			return;
		}
	}
	for (int i = 0; i < CTL_CLIENTS_MAX; i++)
		if (c->clients[i].fd < 0) {
			c->clients[i].fd = fd;
			c->clients[i].readonly = readonly;
			c->clients[i].uid = readonly ? -1 : (int64_t)cred.uid;
			c->clients[i].last_ns = ctl_now_ns();
			return;
		}
	refuse(fd, -EUSERS,
	       "refused: peerlan-control serves %d CLI connections at once and all are in use; "
	       "try again later",
	       CTL_CLIENTS_MAX);
}

/*
 * Closes connections with no byte in or out for cli_idle_s, and those whose
 * request is still not whole after as long, however slowly it comes in.
 */
static void close_idle(struct ctl *c, uint64_t now)
{
	uint64_t idle_ns = (uint64_t)c->opts.cli_idle_s * 1000000000ULL;

	for (int i = 0; i < CTL_CLIENTS_MAX; i++) {
		struct ctl_client *cl = &c->clients[i];

		if (cl->fd >= 0 && (now - cl->last_ns >= idle_ns ||
				    (cl->in.len > 0 && now - cl->in_since_ns >= idle_ns)))
			client_close(cl);
	}
}

static void reply_json(struct ctl_client *cl, const struct fab_wire_hdr *h, int status, json_t *o)
{
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

	fab_wire_begin(&cl->out, h->type, FAB_WIRE_F_REPLY, h->id, status);
	fab_wire_put_blob(&cl->out, text ? text : "{}", text ? strlen(text) : 2);
	if (fab_wire_finish(&cl->out) != 0)
		fab_wire_put_error(&cl->out, h, -ENOMEM, "reply too large");
	free(text);
}

/* Handles every whole request in the client's buffer; false to close it. */
static bool handle(struct ctl *c, struct ctl_client *cl)
{
	struct fab_wire_cli req;
	struct fab_wire_hdr h;
	long n;

	while ((n = fab_wire_frame(cl->in.data, cl->in.len, &h)) > 0) {
		const uint8_t *p = cl->in.data + FAB_WIRE_HDR_LEN;
		int rc = fab_wire_check(&h);

		if (rc == 0 && h.type == FAB_WIRE_EVPN && !(h.flags & FAB_WIRE_F_REPLY)) {
			/* peerlan-evpn's routes change forwarding: not on the read-only socket. */
			if (cl->readonly)
				fab_wire_put_error(
				    &cl->out, &h, -EACCES,
				    "EVPN routes are taken on the read-write socket only");
			else
				ctl_evpn_message(c, &h, p, h.length, &cl->out);
			fab_wire_buf_consume(&cl->in, (size_t)n);
			continue;
		}
		if (rc == 0 && (h.type != FAB_WIRE_CLI || (h.flags & FAB_WIRE_F_REPLY)))
			rc = -EOPNOTSUPP;
		if (rc == 0 && fab_wire_cli_decode(p, h.length, &req) != 0)
			rc = -EBADMSG;
		if (rc != 0) {
			fab_wire_refusal(&cl->out, &h, rc);
		} else {
			json_t *o = NULL;

			rc = ctl_exec_as(c, &req, cl->readonly, cl->uid, &o);
			reply_json(cl, &h, rc, o);
			json_decref(o);
		}
		fab_wire_buf_consume(&cl->in, (size_t)n);
	}
	return n == 0;
}

void ctl_cli_serve(struct ctl *c, const struct pollfd *pfd, int n)
{
	uint64_t now = ctl_now_ns();

	for (int i = 0; i < n; i++) {
		struct ctl_client *cl = NULL;
		int rc;

		if (pfd[i].revents == 0)
			continue;
		if (pfd[i].fd == c->cli_fd || pfd[i].fd == c->cli_ro_fd) {
			accept_one(c, pfd[i].fd, pfd[i].fd == c->cli_ro_fd);
			continue;
		}
		for (int k = 0; k < CTL_CLIENTS_MAX; k++)
			if (c->clients[k].fd == pfd[i].fd)
				cl = &c->clients[k];
		if (cl == NULL)
			continue;
		cl->last_ns = now;
		if (pfd[i].revents & POLLOUT) {
			rc = fab_wire_buf_write(&cl->out, cl->fd);
			if (rc != 0 && rc != -EAGAIN) {
				client_close(cl);
				continue;
			}
		}
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (cl->in.len == 0)
				cl->in_since_ns = now;
			rc = fab_wire_buf_read(&cl->in, cl->fd);
			if ((rc != 0 && rc != -EAGAIN) || !handle(c, cl)) {
				/* Whatever replies are ready go out before the close. */
				if (rc != -ECONNRESET)
					fab_wire_buf_write(&cl->out, cl->fd);
				client_close(cl);
				continue;
			}
			fab_wire_buf_write(&cl->out, cl->fd);
		}
	}
	close_idle(c, ctl_now_ns());
}
