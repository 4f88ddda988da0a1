/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "ctl_int.h"
#include "ctl_lag.h"
#include "ctl_metrics.h"
#include "fabric/pipeline.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/*
 * Slow clients must not keep a scraper out. Every client of the default
 * listener (loopback) shares one address, so a limit per address would
 * lock the local scraper out with them; instead a request must be whole
 * within REQUEST_DEADLINE_NS of its connection (or of the previous reply),
 * however slowly it dribbles in, and once CONN_EVICT_AT connections are
 * open the oldest still without a request is closed for the newcomer. A
 * scraper sends its request at once and is never that one.
 */
#define CONN_LIMIT          64
#define CONN_EVICT_AT       48
#define CONN_TIMEOUT        5 /* seconds without a byte: a stalled scraper is cut off */
#define REQUEST_DEADLINE_NS (5 * 1000000000ULL)
/* libmicrohttpd's own messages: at most LOG_BURST a minute reach the log. */
#define LOG_BURST       10
#define LOG_WINDOW_NS   (60 * 1000000000ULL)
#define LISTEN_ADDR_MAX 80

/* One TCP connection, from its accept to its close. */
struct conn {
	struct conn *prev, *next;
	int fd;
	uint64_t since_ns; /* accepted, or its last reply sent */
	bool asked;        /* a whole request came and is being answered */
	bool cut;          /* shut down by us; MHD closes it */
};

struct ctl_metrics {
	struct ctl *c;
	struct MHD_Daemon *d;
	struct conn *conns; /* newest first */
	unsigned nconns;
	uint64_t log_window_ns;
	unsigned log_count, log_dropped;
};

void ctl_metrics_label(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '"')
			fputs("\\\"", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

/* HELP text escapes only backslash and newline (the format has no quotes there). */
static void help_text(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

void ctl_metrics_family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s ", name);
	help_text(out, help);
	fprintf(out, "\n# TYPE %s %s\n", name, type);
}

/* The metric name of a counter: octets are bytes in base units, all end in _total. */
static void counter_name(enum fab_counter k, char *buf, size_t len)
{
	const char *n = fab_counter_name(k);
	const char *oct = strstr(n, "octets");

	if (oct != NULL)
		snprintf(buf, len, "peerlan_port_%.*sbytes_total", (int)(oct - n), n);
	else
		snprintf(buf, len, "peerlan_port_%s_total", n);
}

/* The labels that say which port: its name and, on an edge port, its member. */
static void port_labels(FILE *out, const struct fab_model *m, size_t i)
{
	int mi = fab_model_member_by_port(m, (uint16_t)i);

	fputs("port=\"", out);
	ctl_metrics_label(out, m->ports[i].name);
	fputc('"', out);
	if (mi >= 0) {
		fputs(",member=\"", out);
		ctl_metrics_label(out, m->members[mi].name);
		fprintf(out, "\",asn=\"%u\"", m->members[mi].asn);
	}
}

static void gauge(FILE *out, const char *name, const char *help, double v)
{
	ctl_metrics_family(out, name, "gauge", help);
	/* Whole numbers as such; seconds to the millisecond, not to 17 digits. */
	if (v == (double)(long long)v)
		fprintf(out, "%s %lld\n", name, (long long)v);
	else
		fprintf(out, "%s %.3f\n", name, v);
}

/* How many running ports have counters from the dataplane (0 when it is away). */
static size_t counted_ports(const struct ctl *c)
{
	size_t n = c->running->nports;

	if (!c->synced)
		return 0;
	return n < c->fresh->c.nports ? n : c->fresh->c.nports;
}

static void port_counters(struct ctl *c, FILE *out)
{
	const struct fab_model *m = c->running;
	size_t n = counted_ports(c);
	char name[96];

	for (int k = 0; k < FAB_CTR__COUNT; k++) {
		counter_name((enum fab_counter)k, name, sizeof(name));
		ctl_metrics_family(out, name, "counter", fab_counter_help((enum fab_counter)k));
		for (size_t i = 0; i < n; i++) {
			fprintf(out, "%s{", name);
			port_labels(out, m, i);
			fprintf(out, "} %llu\n", (unsigned long long)c->fresh->stats[i].ctr[k]);
		}
	}
	ctl_metrics_family(
	    out, "peerlan_port_drops_total", "counter",
	    "Frames received and dropped, by reason (see docs/monitoring.md for each reason)");
	for (size_t i = 0; i < n; i++)
		for (int r = 0; r < FAB_DROP__COUNT; r++) {
			fputs("peerlan_port_drops_total{", out);
			port_labels(out, m, i);
			fprintf(out, ",reason=\"%s\"} %llu\n",
				fab_drop_name((enum fab_drop_reason)r),
				(unsigned long long)c->fresh->stats[i].drop[r]);
		}
}

/* One series per port: 1 when the dataplane reports the port in state oper. */
static void oper_gauge(struct ctl *c, FILE *out, const char *name, uint8_t oper, const char *help)
{
	size_t n = counted_ports(c);

	ctl_metrics_family(out, name, "gauge", help);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s{", name);
		port_labels(out, c->running, i);
		fprintf(out, "} %d\n", c->fresh->ports[i].oper == oper ? 1 : 0);
	}
}

static void port_states(struct ctl *c, FILE *out)
{
	const struct fab_model *m = c->running;

	ctl_metrics_family(out, "peerlan_port_admin_up", "gauge",
			   "1 if the port is administratively up in the running configuration");
	for (size_t i = 0; i < m->nports; i++) {
		fputs("peerlan_port_admin_up{", out);
		port_labels(out, m, i);
		fprintf(out, "} %d\n", m->ports[i].admin_up ? 1 : 0);
	}
	oper_gauge(c, out, "peerlan_port_oper_up", FAB_OPER_UP,
		   "1 if the port forwards: administratively up, link up, not err-disabled");
	oper_gauge(c, out, "peerlan_port_errdisabled", FAB_OPER_ERRDISABLED,
		   "1 if the port is err-disabled by a violation or flap dampening");
}

int ctl_metrics_render(struct ctl *c, FILE *out)
{
	double now = (double)ctl_now_ns();

	ctl_metrics_family(out, "peerlan_info", "gauge",
			   "Software version and fabric name, always 1");
	fputs("peerlan_info{version=\"", out);
	ctl_metrics_label(out, PEERLAN_VERSION);
	fputs("\",fabric=\"", out);
	ctl_metrics_label(out, c->running->name);
	fputs("\"} 1\n", out);
	gauge(out, "peerlan_control_uptime_seconds", "Seconds since peerlan-control started",
	      (now - (double)c->start_ns) / 1e9);
	gauge(out, "peerlan_dataplane_up", "1 if control is connected to the dataplane and in sync",
	      c->synced ? 1 : 0);
	ctl_metrics_family(out, "peerlan_control_punts_received_total", "counter",
			   "Copies control received from the dataplane since control started");
	fprintf(out, "peerlan_control_punts_received_total %llu\n", (unsigned long long)c->punts);
	if (c->synced) {
		gauge(out, "peerlan_dataplane_uptime_seconds",
		      "Seconds since the dataplane started", (double)c->dp_status.uptime_ns / 1e9);
		gauge(out, "peerlan_config_generation",
		      "Generation of the configuration the dataplane runs; up by one per change",
		      (double)c->dp_status.hello.generation);
		ctl_metrics_family(
		    out, "peerlan_dataplane_punt_dropped_total", "counter",
		    "Copies for the control process the dataplane lost, every reason and port "
		    "together (peerlan_port_punt_*_total by port and reason)");
		fprintf(out, "peerlan_dataplane_punt_dropped_total %llu\n",
			(unsigned long long)c->dp_status.punt_dropped);
	}
	gauge(out, "peerlan_config_last_change_success",
	      "1 if the last configuration change (apply, rollback) succeeded, 0 if it failed",
	      c->last_change_ok ? 1 : 0);
	gauge(out, "peerlan_config_last_change_timestamp_seconds",
	      "Unix time of the last configuration change attempted, or of control's start",
	      (double)c->last_change_time);
	ctl_metrics_family(out, "peerlan_config_changes_total", "counter",
			   "Configuration changes attempted since control started, by result");
	fprintf(out, "peerlan_config_changes_total{result=\"success\"} %llu\n",
		(unsigned long long)c->changes_ok);
	fprintf(out, "peerlan_config_changes_total{result=\"failure\"} %llu\n",
		(unsigned long long)c->changes_failed);
	port_states(c, out);
	ctl_lag_metrics(c, out);
	ctl_evpn_metrics(c, out);
	port_counters(c, out);
	ctl_sponge_metrics(c, out);
	ctl_sync_metrics(c, out);
	return ferror(out) ? -EIO : 0;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, char *body, size_t len,
			     const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* A short plain-text answer (errors). */
static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	char *body = strdup(msg);

	return body != NULL ? reply(conn, status, body, strlen(body), "text/plain") : MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **state)
{
	struct ctl_metrics *m = cls;
	char *body = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	(void)version;
	(void)upload;
	(void)state;
	if (ci != NULL && ci->socket_context != NULL)
		((struct conn *)ci->socket_context)->asked = true;
	if (*upload_len != 0)
		return MHD_NO; /* nothing here takes a body */
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
	if (strcmp(url, "/metrics") != 0 && strcmp(url, "/metrics/p2p") != 0)
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "try /metrics or /metrics/p2p\n");
	/* Fresh counters for every scrape; a failed read leaves the last ones. */
	if (m->c->synced && url[8] == '\0')
		ctl_read_counters(m->c);
	f = open_memstream(&body, &len);
	if (f == NULL)
		return MHD_NO;
	/* The matrix has a page of its own, so that the main scrape stays small. */
	rc = url[8] == '\0' ? ctl_metrics_render(m->c, f) : ctl_p2p_metrics(m->c, f);
	if (fclose(f) != 0 || rc != 0) {
		free(body);
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "render failed\n");
	}
	return reply(conn, MHD_HTTP_OK, body, len, CONTENT_TYPE);
}

/* Shutting the socket down makes MHD see its end and close it at once. */
static void cut(struct conn *k)
{
	if (!k->cut)
		shutdown(k->fd, SHUT_RDWR);
	k->cut = true;
}

/* The oldest connection still without a request goes, for a newcomer. */
static void evict_one(struct ctl_metrics *m)
{
	struct conn *oldest = NULL;

	for (struct conn *k = m->conns; k != NULL; k = k->next)
		if (!k->asked && !k->cut)
			oldest = k;
	if (oldest != NULL)
		cut(oldest);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **ctx,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct ctl_metrics *m = cls;
	struct conn *k = *ctx;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		k = ci != NULL ? calloc(1, sizeof(*k)) : NULL;
		if (k == NULL)
			return; /* untracked: MHD's idle timeout still applies */
		k->fd = ci->connect_fd;
		k->since_ns = ctl_now_ns();
		k->next = m->conns;
		if (m->conns != NULL)
			m->conns->prev = k;
		m->conns = k;
		*ctx = k;
		if (++m->nconns > CONN_EVICT_AT)
			evict_one(m);
		return;
	}
	if (k == NULL)
		return;
	if (k->prev != NULL)
		k->prev->next = k->next;
	else
		m->conns = k->next;
	if (k->next != NULL)
		k->next->prev = k->prev;
	m->nconns--;
	free(k);
	*ctx = NULL;
}

/* A reply went out: a kept-alive connection has the deadline again. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **state,
			 enum MHD_RequestTerminationCode toe)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *k = ci != NULL ? ci->socket_context : NULL;

	(void)cls;
	(void)state;
	(void)toe;
	if (k != NULL) {
		k->asked = false;
		k->since_ns = ctl_now_ns();
	}
}

/* Says how many messages the last window held back, and opens a new one. */
static void log_window(struct ctl_metrics *m, uint64_t now)
{
	if (now - m->log_window_ns < LOG_WINDOW_NS)
		return;
	if (m->log_dropped > 0)
		ctl_log("metrics: %u more messages of the HTTP server not logged in the last "
			"minute",
			m->log_dropped);
	m->log_window_ns = now;
	m->log_count = m->log_dropped = 0;
}

/* libmicrohttpd's messages, marked as the exporter's and rate-limited. The
 * format is libmicrohttpd's own, as its logger callback passes it. */
__attribute__((format(printf, 2, 0))) static void on_log(void *cls, const char *fmt, va_list ap)
{
	struct ctl_metrics *m = cls;
	char msg[512];
	size_t n;

	log_window(m, ctl_now_ns());
	if (m->log_count >= LOG_BURST) {
		m->log_dropped++;
		return;
	}
	m->log_count++;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	ctl_log("metrics: %s", msg);
}

/* "ADDR:PORT" or "[ADDR]:PORT" into a socket address. 0 or -EINVAL. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, bool *v6)
{
	char host[LISTEN_ADDR_MAX];
	const char *colon = strrchr(s, ':');
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai;
	size_t hl;

	if (colon == NULL)
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hl < 2 || s[hl - 1] != ']')
			return -EINVAL;
		s++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*v6 = ai->ai_family == AF_INET6;
	freeaddrinfo(ai);
	return 0;
}

struct ctl_metrics *ctl_metrics_create(struct ctl *c, const char *listen)
{
	struct sockaddr_storage ss = {0};
	struct ctl_metrics *m;
	bool v6 = false;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;

	if (parse_listen(listen, &ss, &v6) != 0) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->c = c;
	m->log_window_ns = ctl_now_ns();
	if (v6)
		flags |= MHD_USE_IPv6;
	/* Port 0: MHD binds the address given by MHD_OPTION_SOCK_ADDR instead.
	 * The logger comes first, or MHD complains and may log options' errors
	 * unprefixed. */
	m->d = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, m, MHD_OPTION_EXTERNAL_LOGGER, on_log, m,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)CONN_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_NOTIFY_CONNECTION, on_connection, m,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, m, MHD_OPTION_END);
	if (m->d == NULL) {
		free(m);
		errno = EADDRNOTAVAIL;
		return NULL;
	}
	return m;
}

void ctl_metrics_destroy(struct ctl_metrics *m)
{
	if (m == NULL)
		return;
	MHD_stop_daemon(m->d);
	free(m);
}

int ctl_metrics_pollfds(struct ctl_metrics *m, struct pollfd *pfd, int max)
{
	const union MHD_DaemonInfo *i;

	if (m == NULL || max < 1)
		return 0;
	i = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (i == NULL)
		return 0;
	pfd->fd = i->epoll_fd;
	pfd->events = POLLIN;
	pfd->revents = 0;
	return 1;
}

void ctl_metrics_serve(struct ctl_metrics *m)
{
	uint64_t now;

	if (m == NULL)
		return;
	now = ctl_now_ns();
	for (struct conn *k = m->conns; k != NULL; k = k->next)
		if (!k->asked && now - k->since_ns >= REQUEST_DEADLINE_NS)
			cut(k);
	log_window(m, now);
	MHD_run(m->d);
}
