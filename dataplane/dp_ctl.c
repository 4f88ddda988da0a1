/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket: the server end of the control protocol (fabric/wire.h),
 * polled by the main lcore between its other slow-path chores.
 *
 * Everything here is non-blocking and bounded: one client at a time (a new
 * connection replaces the old one, so a restarted control takes over from a
 * hung one), input limited to one whole message, output limited to
 * CTL_OUT_MAX. Punted frames go to the client while there is room and are
 * counted under the reason they did not otherwise, so a slow or absent
 * control process costs copies, never forwarding, and never one that no
 * counter shows. A copy counts as delivered once the socket has taken its
 * last byte. A configuration from control is loaded and
 * validated here like the start file and applied with dp_apply_model: one
 * RCU swap, or nothing.
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "fabric/clock.h"
#include "fabric/config.h"
#include "fabric/wire.h"

#include "dp.h"

/* Replies are small but counters of many ports are not; punts stop first. */
#define CTL_OUT_MAX  (8u << 20)
#define CTL_PUNT_MAX (1u << 20) /* punts queue only while output is below this */
/* Copies in the output queue at once: CTL_PUNT_MAX of the smallest (a
 * 60-byte frame and its message header) and one more, rounded up. */
#define CTL_PUNT_Q 16384

/* A copy in the output queue: where in the connection's byte stream its
 * message ends, and the port it was punted on. */
struct punt_q {
	uint64_t end;
	uint16_t port;
};

struct dp_ctl {
	char path[FAB_PATH_MAX];
	int lfd;
	gid_t gid; /* group admitted besides root and our own user, or -1 */
	int cfd;
	struct fab_wire_buf in;
	struct fab_wire_buf out;
	uint64_t digest;     /* of dp->model ... */
	uint64_t digest_gen; /* ... at this generation (a SIGHUP reload changes both) */
	uint64_t written;    /* bytes the current connection's socket has taken */
	struct punt_q *pq;   /* CTL_PUNT_Q entries, a ring from pq_head */
	unsigned int pq_head, pq_n;
	struct fab_wire_port_state *states;
	struct fab_port_stats *stats;
};

/*
 * The control process runs as an unprivileged user in the CLI group
 * (management.cli-group), so the socket is 0660 and owned by that group
 * when it exists; otherwise only root and the dataplane's own user get in.
 */
static int listen_control(const char *path, const char *group, gid_t *gid)
{
	struct group *gr = getgrnam(group);
	int fd = fab_wire_listen(path, gr != NULL ? 0660 : 0600);

	*gid = (gid_t)-1;
	if (fd >= 0 && gr != NULL) {
		if (chown(path, (uid_t)-1, gr->gr_gid) != 0) {
			int e = -errno;

			close(fd);
			return e;
		}
		*gid = gr->gr_gid;
	}
	return fd;
}

int dp_ctl_init(struct dp *dp)
{
	struct dp_ctl *c = calloc(1, sizeof(*c));
	const char *path = dp->model->mgmt.control_socket;
	int fd;

	if (c == NULL)
		return -ENOMEM;
	c->cfd = -1;
	c->states = calloc(dp->nports ? dp->nports : 1, sizeof(*c->states));
	c->stats = calloc(dp->nports ? dp->nports : 1, sizeof(*c->stats));
	c->pq = calloc(CTL_PUNT_Q, sizeof(*c->pq));
	if (c->states == NULL || c->stats == NULL || c->pq == NULL) {
		free(c->states);
		free(c->stats);
		free(c->pq);
		free(c);
		return -ENOMEM;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	fd = listen_control(path, dp->model->mgmt.cli_group, &c->gid);
	if (fd < 0) {
		dp_log("control socket %s: %s; forwarding without a control process", path,
		       strerror(-fd));
		free(c->states);
		free(c->stats);
		free(c->pq);
		free(c);
		return fd;
	}
	c->lfd = fd;
	dp->ctl = c;
	dp_log("control socket %s", path);
	return 0;
}

/* Copies whose last byte the socket has taken are delivered. */
static void punts_written(struct dp *dp, struct dp_ctl *c)
{
	while (c->pq_n > 0 && c->pq[c->pq_head].end <= c->written) {
		dp->main_stats[c->pq[c->pq_head].port].ctr[FAB_CTR_punt_delivered]++;
		c->pq_head = (c->pq_head + 1) % CTL_PUNT_Q;
		c->pq_n--;
	}
}

/* Copies still in the output queue when the connection closes are lost. */
static void client_close(struct dp *dp, struct dp_ctl *c)
{
	for (; c->pq_n > 0; c->pq_n--) {
		dp->main_stats[c->pq[c->pq_head].port].ctr[FAB_CTR_punt_disconnected]++;
		c->pq_head = (c->pq_head + 1) % CTL_PUNT_Q;
	}
	c->pq_head = 0;
	c->written = 0;
	if (c->cfd >= 0)
		close(c->cfd);
	c->cfd = -1;
	c->in.len = 0;
	c->out.len = c->out.start = 0;
}

/* Writes what the socket takes now; closes the connection on an error. */
static void client_write(struct dp *dp, struct dp_ctl *c)
{
	size_t before = c->out.len;
	int rc;

	if (c->cfd < 0 || c->out.len == 0)
		return;
	rc = fab_wire_buf_write(&c->out, c->cfd);
	c->written += before - c->out.len;
	punts_written(dp, c);
	if (rc != 0 && rc != -EAGAIN) {
		dp_log("control disconnected; forwarding goes on");
		client_close(dp, c);
	}
}

void dp_ctl_fini(struct dp *dp)
{
	struct dp_ctl *c = dp->ctl;

	if (c == NULL)
		return;
	client_close(dp, c);
	close(c->lfd);
	unlink(c->path);
	fab_wire_buf_free(&c->in);
	fab_wire_buf_free(&c->out);
	free(c->states);
	free(c->stats);
	free(c->pq);
	free(c);
	dp->ctl = NULL;
}

static uint64_t digest(struct dp *dp)
{
	struct dp_ctl *c = dp->ctl;
	uint64_t gen = __atomic_load_n(&dp->generation, __ATOMIC_ACQUIRE);

	if (c->digest_gen != gen) {
		c->digest = fab_wire_config_digest(dp->model);
		c->digest_gen = gen;
	}
	return c->digest;
}

static void hello_of(struct dp *dp, struct fab_wire_hello_rep *h)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->software, sizeof(h->software), "%s", PEERLAN_VERSION);
	h->generation = __atomic_load_n(&dp->generation, __ATOMIC_ACQUIRE);
	h->digest = digest(dp);
	h->nports = dp->nports;
}

static void port_states(struct dp *dp)
{
	for (uint16_t i = 0; i < dp->nports; i++) {
		dp->ctl->states[i].admin_up = dp->admin_up[i] != 0;
		dp->ctl->states[i].oper = __atomic_load_n(&dp->oper[i], __ATOMIC_ACQUIRE);
		dp->ctl->states[i].link_changes = dp->link_changes[i];
	}
}

static uint64_t punt_dropped(struct dp *dp)
{
	struct fab_port_stats s;
	uint64_t total = 0;

	for (uint16_t p = 0; p < dp->nports; p++) {
		dp_port_stats(dp, p, &s);
		total += fab_punt_lost(&s);
	}
	return total;
}

/* Every error of a configuration control sent, in one reply message. */
static void config_errors(struct dp_ctl *c, const struct fab_wire_hdr *h,
			  const struct fab_config_errors *e)
{
	char msg[FAB_WIRE_STR_MAX / 4];
	size_t o = 0;

	o += (size_t)snprintf(msg, sizeof(msg), "configuration refused, %zu error(s):", e->n);
	for (size_t i = 0; i < e->n && o < sizeof(msg); i++)
		o += (size_t)snprintf(msg + o, sizeof(msg) - o, "\n%s:%u:%u: %s", e->v[i].file,
				      e->v[i].line, e->v[i].col, e->v[i].msg);
	fab_wire_put_error(&c->out, h, -EINVAL, msg);
}

static void config_set(struct dp *dp, const struct fab_wire_hdr *h, const uint8_t *p)
{
	struct dp_ctl *c = dp->ctl;
	struct fab_config_errors e = {0};
	struct fab_wire_config cfg;
	struct fab_wire_hello_rep rep;
	struct fab_model *m;
	char why[FAB_WIRE_STR_MAX / 8], msg[FAB_WIRE_STR_MAX / 8 + 64];
	int rc;

	if (fab_wire_config_decode(p, h->length, &cfg) != 0) {
		fab_wire_refusal(&c->out, h, -EBADMSG);
		return;
	}
	m = fab_config_load_sent(cfg.text, cfg.len, "control", &e);
	if (m == NULL) {
		dp_log("configuration from control refused: %zu error(s)", e.n);
		config_errors(c, h, &e);
		fab_config_errors_clear(&e);
		return;
	}
	rc = dp_apply_model(dp, m, why, sizeof(why));
	if (rc < 0) {
		fab_model_destroy(m);
		snprintf(msg, sizeof(msg), "dataplane kept generation %llu: %s",
			 (unsigned long long)dp->generation, why[0] ? why : strerror(-rc));
		fab_wire_put_error(&c->out, h, rc, msg);
		return;
	}
	hello_of(dp, &rep);
	fab_wire_hello_rep_encode(&c->out, h, &rep);
}

static void port_admin(struct dp *dp, const struct fab_wire_hdr *h, const uint8_t *p)
{
	struct dp_ctl *c = dp->ctl;
	struct fab_wire_port_admin a;

	if (fab_wire_port_admin_decode(p, h->length, &a) != 0) {
		fab_wire_refusal(&c->out, h, -EBADMSG);
		return;
	}
	if (a.port >= dp->nports) {
		fab_wire_put_error(&c->out, h, -ENOENT, "no such port");
		return;
	}
	dp->admin_up[a.port] = a.up;
	/* The model is what a later reload or digest starts from: keep it in step. */
	dp->model->ports[a.port].admin_up = a.up;
	dp_port_oper_update(dp, a.port);
	dp_log("port %s: admin %s (control)", dp->ports[a.port].name, a.up ? "up" : "down");
	fab_wire_empty_rep(&c->out, h);
}

/* The reply to a request whose handler returned rc (dp_inject.c). */
static void reply_rc(struct dp_ctl *c, const struct fab_wire_hdr *h, int rc)
{
	if (rc == 0)
		fab_wire_empty_rep(&c->out, h);
	else if (rc == -EBADMSG)
		fab_wire_refusal(&c->out, h, rc);
	else
		fab_wire_put_error(&c->out, h, rc, strerror(-rc));
}

/* Each port's MAC address as its driver reports it now (a LAG: its bond's,
 * which the driver may take from another link when links come and go). */
static void port_info(struct dp *dp, const struct fab_wire_hdr *h)
{
	static uint8_t macs[FAB_PORTS_MAX][6];
	struct fab_wire_port_info m = {.nports = dp->nports, .macs = (const uint8_t(*)[6])macs};

	for (uint16_t i = 0; i < dp->nports; i++) {
		struct rte_ether_addr a;

		if (rte_eth_macaddr_get(dp->ports[i].eth_port, &a) != 0)
			memset(&a, 0, sizeof(a));
		memcpy(macs[i], a.addr_bytes, 6);
	}
	fab_wire_port_info_encode(&dp->ctl->out, h, &m);
}

/* Port security: control decides, the dataplane only applies the state. */
static void port_errdisable(struct dp *dp, const struct fab_wire_hdr *h, const uint8_t *p)
{
	struct dp_ctl *c = dp->ctl;
	struct fab_wire_port_errdisable a;

	if (fab_wire_port_errdisable_decode(p, h->length, &a) != 0) {
		fab_wire_refusal(&c->out, h, -EBADMSG);
		return;
	}
	if (a.port >= dp->nports) {
		fab_wire_put_error(&c->out, h, -ENOENT, "no such port");
		return;
	}
	dp->errdisabled[a.port] = a.on;
	dp_port_oper_update(dp, a.port);
	dp_log("port %s: %s (control)", dp->ports[a.port].name,
	       a.on ? "err-disabled" : "err-disable cleared");
	fab_wire_empty_rep(&c->out, h);
}

/* What dpdk-dumpcap needs to capture a port: our EAL file prefix (the last
 * element of the runtime directory, RUNTIME_DIR/dpdk/PREFIX), RUNTIME_DIR,
 * who it must run as, and the port's ethdev. */
static void capture_info(struct dp *dp, const struct fab_wire_hdr *h, const uint8_t *p)
{
	struct dp_ctl *c = dp->ctl;
	struct fab_wire_capture m = {0};
	const char *dir = rte_eal_get_runtime_dir();
	const char *base = strrchr(dir, '/');
	char name[RTE_ETH_NAME_MAX_LEN] = "";

	if (fab_wire_capture_req_decode(p, h->length, &m.port) != 0) {
		fab_wire_refusal(&c->out, h, -EBADMSG);
		return;
	}
	if (m.port >= dp->nports) {
		fab_wire_put_error(&c->out, h, -ENOENT, "no such port");
		return;
	}
	m.dpdk_port = dp->ports[m.port].eth_port;
	if (rte_eth_dev_get_name_by_port(m.dpdk_port, name) != 0)
		name[0] = '\0';
	snprintf(m.device, sizeof(m.device), "%s", name);
	snprintf(m.file_prefix, sizeof(m.file_prefix), "%s", base ? base + 1 : dir);
	snprintf(m.runtime_dir, sizeof(m.runtime_dir), "%.*s", (int)(base ? base - dir : 0), dir);
	/* the dpdk directory above the prefix's */
	base = strrchr(m.runtime_dir, '/');
	if (base != NULL)
		m.runtime_dir[base - m.runtime_dir] = '\0';
	if (m.runtime_dir[0] == '\0')
		snprintf(m.runtime_dir, sizeof(m.runtime_dir), "/");
	m.uid = dp->capture_uid;
	m.gid = dp->capture_gid;
	m.ready = dp->capture_ready;
	snprintf(m.why, sizeof(m.why), "%s", dp->capture_why);
	fab_wire_capture_rep_encode(&c->out, h, &m);
}

static void serve(struct dp *dp, const struct fab_wire_hdr *h, const uint8_t *p)
{
	struct dp_ctl *c = dp->ctl;
	int rc = fab_wire_check(h);

	if (rc == 0 && (h->flags & (FAB_WIRE_F_REPLY | FAB_WIRE_F_ASYNC)))
		return; /* nothing we asked for: ignore, never act */
	if (rc != 0) {
		fab_wire_refusal(&c->out, h, rc);
		return;
	}
	switch (h->type) {
	case FAB_WIRE_HELLO: {
		struct fab_wire_hello_req rq;
		struct fab_wire_hello_rep rep;

		if (fab_wire_hello_req_decode(p, h->length, &rq) != 0)
			break;
		hello_of(dp, &rep);
		fab_wire_hello_rep_encode(&c->out, h, &rep);
		dp_log("control %u (%s) connected", rq.pid, rq.software);
		return;
	}
	case FAB_WIRE_STATUS: {
		struct fab_wire_status st = {.ports = c->states};

		if (h->length != 0)
			break;
		hello_of(dp, &st.hello);
		st.uptime_ns = fab_cycles_to_ns(rte_get_tsc_cycles() - dp->start_tsc, dp->tsc_hz);
		st.punt_dropped = punt_dropped(dp);
		st.nworkers = dp->nworkers;
		port_states(dp);
		fab_wire_status_encode(&c->out, h, &st);
		return;
	}
	case FAB_WIRE_COUNTERS_GET: {
		struct fab_wire_counters cn = {.now = dp_now_ns(dp),
					       .nports = dp->nports,
					       .ports = c->states,
					       .stats = c->stats};

		if (h->length != 0)
			break;
		for (uint16_t i = 0; i < dp->nports; i++)
			dp_port_stats(dp, i, &c->stats[i]);
		port_states(dp);
		fab_wire_counters_encode(&c->out, h, &cn);
		return;
	}
	case FAB_WIRE_CONFIG_SET:
		config_set(dp, h, p);
		return;
	case FAB_WIRE_PORT_ADMIN:
		port_admin(dp, h, p);
		return;
	case FAB_WIRE_PORT_ERRDISABLE:
		port_errdisable(dp, h, p);
		return;
	case FAB_WIRE_INJECT:
		reply_rc(c, h, dp_inject_msg(dp, p, h->length));
		return;
	case FAB_WIRE_SPONGE_SET:
		reply_rc(c, h, dp_sponge_msg(dp, p, h->length));
		return;
	case FAB_WIRE_PORT_INFO:
		if (h->length != 0)
			break;
		port_info(dp, h);
		return;
	case FAB_WIRE_CAPTURE_INFO:
		capture_info(dp, h, p);
		return;
	case FAB_WIRE_LAG_GET:
		if (h->length != 0)
			break;
		if (dp_lag_msg(dp, &c->out, h) < 0)
			fab_wire_refusal(&c->out, h, -ENOMEM);
		return;
	case FAB_WIRE_MATRIX_GET: {
		uint32_t cursor;

		if (fab_wire_mx_get_decode(p, h->length, &cursor) != 0)
			break;
		rc = dp_matrix_page(dp, &c->out, h, cursor);
		if (rc != 0)
			fab_wire_put_error(
			    &c->out, h, rc,
			    rc == -ENOTSUP
				? "the dataplane counts no matrix: start it with --matrix"
				: "no such page of the traffic matrix");
		return;
	}
	default:
		fab_wire_refusal(&c->out, h, -EOPNOTSUPP);
		return;
	}
	fab_wire_refusal(&c->out, h, -EBADMSG);
}

/* One copy off a ring (its mbuf port is the fabric port): queued for
 * control, or counted under the reason it is not. */
static void punt_one(struct dp *dp, struct rte_mbuf *m)
{
	struct dp_ctl *c = dp->ctl;
	uint8_t frame[FAB_WIRE_FRAME_MAX];
	struct fab_wire_frame_msg f = {
	    .port = m->port,
	    .time = dp_now_ns(dp),
	    .len = (uint16_t)RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)sizeof(frame)),
	};
	uint64_t *ctr = dp->main_stats[m->port].ctr;

	if (c == NULL || c->cfd < 0) {
		ctr[FAB_CTR_punt_no_control]++;
		return;
	}
	/* A frame always fits FAB_WIRE_FRAME_MAX and its message the buffer's
	 * limit, so encoding fails only for want of memory: control gets no
	 * more from us then either. */
	f.frame = rte_pktmbuf_read(m, 0, f.len, frame);
	if (c->out.len >= CTL_PUNT_MAX || c->pq_n == CTL_PUNT_Q || f.frame == NULL ||
	    fab_wire_frame_encode(&c->out, FAB_WIRE_PUNT, 0, &f) != 0) {
		ctr[FAB_CTR_punt_socket_busy]++;
		return;
	}
	c->pq[(c->pq_head + c->pq_n) % CTL_PUNT_Q] =
	    (struct punt_q){.end = c->written + c->out.len, .port = m->port};
	c->pq_n++;
}

void dp_punt_poll(struct dp *dp)
{
	struct rte_mbuf *pkts[DP_BURST];

	for (uint16_t w = 0; w < dp->nworkers && dp->workers[w].punt != NULL; w++) {
		unsigned int n;

		while ((n = rte_ring_sc_dequeue_burst(dp->workers[w].punt, (void **)pkts, DP_BURST,
						      NULL)) > 0) {
			for (unsigned int i = 0; i < n; i++)
				punt_one(dp, pkts[i]);
			rte_pktmbuf_free_bulk(pkts, n);
			dp->punt_consumed += n;
		}
	}
}

static void accept_client(struct dp *dp)
{
	struct dp_ctl *c = dp->ctl;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
	    (cred.uid != 0 && cred.uid != geteuid() &&
	     (c->gid == (gid_t)-1 || cred.gid != c->gid))) {
		dp_log("refused a control connection from uid %u", (unsigned)cred.uid);
		close(fd);
		return;
	}
	if (c->cfd >= 0)
		dp_log("a new control connection replaces the current one");
	client_close(dp, c);
	c->cfd = fd;
}

void dp_ctl_poll(struct dp *dp)
{
	struct dp_ctl *c = dp->ctl;
	struct pollfd pfd[2];
	int rc;

	if (c == NULL) {
		dp_punt_poll(dp);
		return;
	}
	pfd[0] = (struct pollfd){.fd = c->lfd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = c->cfd, .events = POLLIN | (c->out.len ? POLLOUT : 0)};
	if (poll(pfd, c->cfd >= 0 ? 2 : 1, 0) > 0 && (pfd[0].revents & POLLIN))
		accept_client(dp);
	if (c->cfd >= 0 && c->out.len < CTL_OUT_MAX &&
	    (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
		struct fab_wire_hdr h;
		long n;

		rc = fab_wire_buf_read(&c->in, c->cfd);
		if (rc != 0 && rc != -EAGAIN) {
			dp_log("control disconnected; forwarding goes on");
			client_close(dp, c);
		}
		while (c->cfd >= 0 && c->out.len < CTL_OUT_MAX &&
		       (n = fab_wire_frame(c->in.data, c->in.len, &h)) != 0) {
			if (n < 0) {
				dp_log("control sent bytes that are not the protocol; closing");
				client_close(dp, c);
				break;
			}
			serve(dp, &h, c->in.data + FAB_WIRE_HDR_LEN);
			fab_wire_buf_consume(&c->in, (size_t)n);
		}
	}
	dp_punt_poll(dp);
	client_write(dp, c);
}

void dp_ctl_stop(struct dp *dp)
{
	dp_punt_poll(dp);
	if (dp->ctl == NULL)
		return;
	client_write(dp, dp->ctl);
	client_close(dp, dp->ctl);
}
