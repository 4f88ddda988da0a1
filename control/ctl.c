/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli_import.h"
#include "ctl_int.h"
#include "ctl_lag.h"
#include "ctl_persist.h"
#include "fabric/bytes.h"
#include "fabric/diff.h"
#include "fabric/pipeline.h"
#include "sanitize.h"

#define CALL_TIMEOUT_MS  10000
#define ANSWER_MS        1000
#define POLL_MS          1000
#define BACKOFF_MIN_MS   100
#define BACKOFF_MAX_MS   5000
#define COMMITTED_FILE   "committed.yaml"
#define RATE_INTERVAL_NS 1000000000ULL
#define CLI_IDLE_S       60

uint64_t ctl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t ctl_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void ctl_log(const char *fmt, ...)
{
	char raw[1024], clean[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	fprintf(stderr, "peerlan-control: %s\n", ctl_sanitize(raw, clean, sizeof(clean)));
}

int ctl_error(json_t **out, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (*out == NULL)
		*out = json_object();
	if (*out != NULL)
		json_object_set_new(*out, "error", json_string(msg));
	return status < 0 ? status : -EINVAL;
}

/* The canonical text of a model, which is what travels and what is saved. */
static int model_text(const struct fab_model *m, char **text, size_t *len)
{
	FILE *f;
	int rc;

	*text = NULL;
	*len = 0;
	f = open_memstream(text, len);
	if (f == NULL)
		return -errno;
	rc = fab_config_print(m, f);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc != 0) {
		free(*text);
		*text = NULL;
	}
	return rc;
}

/* Carries display baselines over to a new port list, by port name. */
static int remap_baselines(struct ctl *c, const struct fab_model *m)
{
	struct fab_port_stats *b = calloc(m->nports ? m->nports : 1, sizeof(*b));
	uint64_t *ns = calloc(m->nports ? m->nports : 1, sizeof(*ns));

	if (b == NULL || ns == NULL) {
		free(b);
		free(ns);
		return -ENOMEM;
	}
	for (size_t i = 0; c->running != NULL && i < m->nports; i++) {
		int old = fab_model_port_by_name(c->running, m->ports[i].name);

		if (old >= 0 && c->baseline_ns[old] != 0) {
			b[i] = c->baseline[old];
			ns[i] = c->baseline_ns[old];
		}
	}
	free(c->baseline);
	free(c->baseline_ns);
	c->baseline = b;
	c->baseline_ns = ns;
	return 0;
}

/* Makes m (owned by c from now on) the running configuration. */
static int set_running(struct ctl *c, struct fab_model *m)
{
	char *text;
	size_t len;
	int rc = model_text(m, &text, &len);

	if (rc == 0)
		rc = remap_baselines(c, m);
	if (rc != 0) {
		free(text);
		return rc;
	}
	if ((c->psec != NULL && ctl_psec_set_model(c->psec, m) != 0) ||
	    (c->quar != NULL && ctl_quar_set_model(c->quar, m) != 0)) {
		free(text);
		return -ENOMEM;
	}
	fab_model_destroy(c->running);
	free(c->running_text);
	c->running = m;
	c->running_text = text;
	c->running_len = len;
	c->running_digest = fab_wire_config_digest(m);
	return 0;
}

static void committed_path(const struct fab_model *m, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", m->mgmt.state_dir, COMMITTED_FILE);
}

/*
 * Saves what a restarted control must push: the committed configuration,
 * which is the running one unless an apply still waits for confirm. Written
 * beside and renamed over, so a crash leaves the old file or the new one.
 */
static void history_path(const struct fab_model *m, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", m->mgmt.state_dir, CTL_HISTORY_FILE);
}

/* The kept history, newest first: a JSON array (empty when there is none). */
static json_t *history_load(const struct ctl *c)
{
	char path[FAB_PATH_MAX + 32];
	json_t *h;

	history_path(c->running, path, sizeof(path));
	h = json_load_file(path, 0, NULL);
	if (!json_is_array(h)) {
		json_decref(h);
		h = json_array();
	}
	return h;
}

/*
 * Keeps a newly committed configuration's text, with when, by whom and why,
 * as the newest of the last CTL_HISTORY_MAX. The same text as the newest
 * (a save of what was committed) adds nothing.
 */
static void history_add(struct ctl *c, const struct fab_model *m, const char *text, size_t len)
{
	char path[FAB_PATH_MAX + 32], stamp[32];
	json_t *h = history_load(c), *last = json_array_get(h, 0), *e;
	const char *prev = json_string_value(json_object_get(last, "text"));
	time_t now = time(NULL);
	struct tm tm;
	char *dump;

	if (prev != NULL && strlen(prev) == len && memcmp(prev, text, len) == 0) {
		json_decref(h);
		return;
	}
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	e = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s%}", "time", stamp, "user", c->who.user, "uid",
		      (json_int_t)c->who.uid, "comment", c->who.comment, "command", c->who.command,
		      "text", text, len);
	if (e != NULL)
		json_array_insert_new(h, 0, e);
	while (json_array_size(h) > CTL_HISTORY_MAX)
		json_array_remove(h, CTL_HISTORY_MAX);
	dump = json_dumps(h, JSON_COMPACT);
	history_path(m, path, sizeof(path));
	if (dump == NULL || ctl_write_atomic(path, dump, strlen(dump)) != 0)
		ctl_log("cannot keep the configuration history in %s", path);
	free(dump);
	json_decref(h);
}

static int persist(struct ctl *c, char *err, size_t errlen)
{
	/* A swap window's MAC is never saved here: ctl_swap_save keeps the windows. */
	struct fab_model *m = ctl_swap_strip(c, c->confirm_from ? c->confirm_from : c->running);
	char path[FAB_PATH_MAX + 32];
	char *text = NULL;
	size_t len;
	int rc = m != NULL ? model_text(m, &text, &len) : -ENOMEM;

	if (rc != 0)
		goto out;
	(void)mkdir(m->mgmt.state_dir, 0750);
	committed_path(m, path, sizeof(path));
	rc = ctl_write_atomic(path, text, len);
	if (rc == 0)
		history_add(c, m, text, len);
out:
	free(text);
	c->commit_stale = rc != 0;
	if (rc != 0) {
		snprintf(err, errlen, "applied, but not saved to %s/%s: %s",
			 c->running->mgmt.state_dir, COMMITTED_FILE, strerror(-rc));
		ctl_log("%s", err);
	}
	fab_model_destroy(m);
	return rc;
}

static void on_punt(void *arg, const struct fab_wire_hdr *h, const uint8_t *payload)
{
	struct ctl *c = arg;
	struct fab_wire_frame_msg f;

	/* The quarantine watches its own ports' frames; the sponge reads the
	 * neighbour discovery of every other one. */
	c->punts++;
	if (fab_wire_frame_decode(payload, h->length, &f) != 0) {
		c->punts_bad++;
		return;
	}
	ctl_quar_frame(c->quar, f.port, f.frame, f.len, ctl_now_ns());
	ctl_sponge_punt(c, &f);
}

/*
 * The start file, or the configuration committed since, which wins, or a
 * restart would undo it. Management is the start file's in either case: both
 * processes read it only at start (the dataplane from that same file), and
 * the commit is found through it. *stale is set if the committed file is
 * not what runs, so that the next commit rewrites it.
 */
static struct fab_model *load_start_config(const struct ctl_opts *o, struct fab_config_errors *e,
					   char *source, size_t srclen, bool *stale)
{
	struct fab_model *m = fab_config_load_file(o->config_path, e);
	struct fab_config_errors ce = {0};
	struct fab_model *saved;
	char path[FAB_PATH_MAX + 32];

	*stale = false;
	if (m == NULL)
		return NULL;
	snprintf(source, srclen, "%s", o->config_path);
	committed_path(m, path, sizeof(path));
	if (access(path, F_OK) != 0)
		return m;
	*stale = true;
	if (o->ignore_committed) {
		ctl_log("not running the committed configuration %s (--ignore-committed); "
			"`config save` or the next commit replaces it",
			path);
		return m;
	}
	saved = fab_config_load_file(path, &ce);
	if (saved == NULL) {
		ctl_log("ignoring %s, which does not load:", path);
		for (size_t i = 0; i < ce.n; i++)
			ctl_log("  %s:%u:%u: %s", ce.v[i].file, ce.v[i].line, ce.v[i].col,
				ce.v[i].msg);
		fab_config_errors_clear(&ce);
		return m;
	}
	if (fab_mgmt_changes(&saved->mgmt, &m->mgmt, NULL, 0) != 0) {
		ctl_log("management settings from %s, not from %s: they are read at start",
			o->config_path, path);
		saved->mgmt = m->mgmt;
	} else {
		*stale = false;
	}
	if (!fab_model_equal(saved, m))
		ctl_log("running the committed configuration %s, not %s (see --ignore-committed)",
			path, o->config_path);
	snprintf(source, srclen, "%s", path);
	fab_model_destroy(m);
	return saved;
}

/*
 * After a restart, `config rollback` still goes back once: to the history's
 * second newest entry, if the newest is what runs (the committed file).
 */
static void previous_from_history(struct ctl *c)
{
	struct fab_model *m = c->commit_stale ? NULL : ctl_swap_strip(c, c->running);
	json_t *h = history_load(c);
	const char *newest = json_string_value(json_object_get(json_array_get(h, 0), "text"));
	const char *before = json_string_value(json_object_get(json_array_get(h, 1), "text"));
	struct fab_config_errors e = {0};
	char *text = NULL;
	size_t len = 0;

	if (m != NULL && newest != NULL && before != NULL && model_text(m, &text, &len) == 0 &&
	    strlen(newest) == len && memcmp(newest, text, len) == 0) {
		c->previous = fab_config_load_sent(before, strlen(before), "history 2", &e);
		if (c->previous == NULL)
			ctl_log("`config rollback` has no previous configuration: history 2 no "
				"longer loads");
	}
	fab_config_errors_clear(&e);
	free(text);
	fab_model_destroy(m);
	json_decref(h);
}

static int push_errdisable(void *arg, uint16_t port, bool on);

static void who_is_control(struct ctl *c)
{
	c->who.uid = (int64_t)getuid();
	snprintf(c->who.user, sizeof(c->who.user), "peerlan-control");
	c->who.comment[0] = c->who.command[0] = '\0';
}

struct ctl *ctl_create(const struct ctl_opts *opts, struct fab_config_errors *errs)
{
	struct ctl *c = calloc(1, sizeof(*c));
	struct fab_model *m;

	if (c == NULL)
		return NULL;
	who_is_control(c);
	c->opts = *opts;
	if (c->opts.call_timeout_ms == 0)
		c->opts.call_timeout_ms = CALL_TIMEOUT_MS;
	if (c->opts.answer_ms == 0)
		c->opts.answer_ms = ANSWER_MS;
	if (c->opts.poll_ms == 0)
		c->opts.poll_ms = POLL_MS;
	if (c->opts.backoff_max_ms == 0)
		c->opts.backoff_max_ms = BACKOFF_MAX_MS;
	if (c->opts.cli_idle_s == 0)
		c->opts.cli_idle_s = CLI_IDLE_S;
	snprintf(c->config_path, sizeof(c->config_path), "%s", opts->config_path);
	c->opts.config_path = c->config_path;
	c->cli_fd = c->cli_ro_fd = -1;
	for (int i = 0; i < CTL_CLIENTS_MAX; i++)
		c->clients[i].fd = -1;
	c->start_ns = ctl_now_ns();
	c->last_change_ok = true;
	c->last_change_time = (int64_t)time(NULL);
	c->backoff_ms = BACKOFF_MIN_MS;
	c->dp_status.ports = c->dp_ports;
	c->events = ctl_events_create(0);
	c->psec = c->events ? ctl_psec_create(c->events, push_errdisable, c) : NULL;
	c->quar = ctl_quar_create();
	if (c->psec == NULL || c->quar == NULL) {
		ctl_destroy(c);
		errno = ENOMEM;
		return NULL;
	}
	m = load_start_config(&c->opts, errs, c->source, sizeof(c->source), &c->commit_stale);
	if (m != NULL)
		m = ctl_persist_load(c, m);
	if (m == NULL || set_running(c, m) != 0) {
		if (m != NULL)
			fab_model_destroy(m);
		ctl_destroy(c);
		errno = EINVAL;
		return NULL;
	}
	previous_from_history(c);
	c->fresh = calloc(1, sizeof(*c->fresh));
	for (int i = 0; i < CTL_SAMPLES; i++)
		c->samples[i] = calloc(1, sizeof(*c->samples[i]));
	c->dp = ctl_dp_create(m->mgmt.control_socket, on_punt, c);
	if (c->fresh == NULL || c->samples[CTL_SAMPLES - 1] == NULL || c->dp == NULL ||
	    ctl_sponge_init(c) != 0 || ctl_sync_init(c) != 0 || ctl_p2p_init(c) != 0) {
		ctl_destroy(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void ctl_destroy(struct ctl *c)
{
	if (c == NULL)
		return;
	ctl_sync_fini(c);
	ctl_p2p_fini(c);
	ctl_persist_flush(c);
	ctl_cli_close(c);
	ctl_sponge_fini(c);
	ctl_metrics_destroy(c->metrics);
	ctl_dp_destroy(c->dp);
	ctl_psec_destroy(c->psec);
	ctl_quar_destroy(c->quar);
	ctl_events_destroy(c->events);
	ctl_lag_free(c);
	ctl_evpn_free(c);
	fab_model_destroy(c->running);
	fab_model_destroy(c->previous);
	fab_model_destroy(c->confirm_from);
	free(c->running_text);
	free(c->baseline);
	free(c->baseline_ns);
	free(c->fresh);
	for (int i = 0; i < CTL_SAMPLES; i++)
		free(c->samples[i]);
	free(c);
}

bool ctl_dp_connected(const struct ctl *c)
{
	return c->synced;
}

uint64_t ctl_dp_generation(const struct ctl *c)
{
	return c->dp_status.hello.generation;
}

const struct fab_model *ctl_running(const struct ctl *c)
{
	return c->running;
}

/* "dataplane not answering since TIME (N s)": why nothing is asked of it. */
static void stall_text(const struct ctl *c, char *buf, size_t len)
{
	time_t t = (time_t)(c->stall_wall_ns / 1000000000ULL);
	struct tm tm;
	char when[32] = "?";

	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(buf, len, "dataplane not answering since %s (%llu s)", when,
		 (unsigned long long)((ctl_wall_ns() - c->stall_wall_ns) / 1000000000ULL));
}

/*
 * A request got no reply in waited_ms. Waiting longer would stop every
 * CLI client and scrape, so nothing more is asked (calls fail at once and
 * say why) until its late reply comes; dp_tick then resynchronises.
 */
static void stall_begin(struct ctl *c, unsigned waited_ms)
{
	c->stall_ns = ctl_now_ns();
	c->stall_wall_ns = ctl_wall_ns() - (uint64_t)waited_ms * 1000000ULL;
	c->stall_replies = ctl_dp_replies(c->dp);
	c->synced = false;
	stall_text(c, c->dp_error, sizeof(c->dp_error));
	ctl_log("the dataplane does not answer (no reply in %u ms): nothing is asked of it until "
		"it does; forwarding goes on with its last tables",
		waited_ms);
}

/* Sends the request built in the dp's buffer; err gets the reason on failure. */
static int call_for(struct ctl *c, unsigned timeout_ms, int build_rc, uint32_t id,
		    const uint8_t **p, size_t *len, char *err, size_t errlen)
{
	int rc;

	if (build_rc != 0) {
		snprintf(err, errlen, "cannot build the request: %s", strerror(-build_rc));
		return build_rc;
	}
	if (c->stall_ns != 0) {
		ctl_dp_cancel(c->dp);
		stall_text(c, err, errlen);
		return -ETIMEDOUT;
	}
	rc = ctl_dp_call(c->dp, id, (int)timeout_ms, p, len, err, errlen);
	if (rc == -ETIMEDOUT && ctl_dp_fd(c->dp) >= 0) {
		stall_begin(c, timeout_ms);
		stall_text(c, err, errlen);
	}
	if (ctl_dp_fd(c->dp) < 0 && c->synced) {
		c->synced = false;
		ctl_log("lost the dataplane: %s", strerror(-rc));
	}
	if (rc != 0 && err[0] == '\0')
		snprintf(err, errlen, "dataplane: %s", strerror(-rc));
	return rc;
}

/* Every request but CONFIG_SET is answered at once by a dataplane that works. */
static int call(struct ctl *c, int build_rc, uint32_t id, const uint8_t **p, size_t *len, char *err,
		size_t errlen)
{
	return call_for(c, c->opts.answer_ms, build_rc, id, p, len, err, errlen);
}

int ctl_dp_fetch(struct ctl *c, int build_rc, uint32_t id, const uint8_t **p, size_t *len,
		 char *err, size_t errlen)
{
	return call(c, build_rc, id, p, len, err, errlen);
}

int ctl_dp_request(struct ctl *c, int build_rc, uint32_t id, char *err, size_t errlen)
{
	const uint8_t *p;
	size_t len;

	return call(c, build_rc, id, &p, &len, err, errlen);
}

int ctl_dp_status(struct ctl *c, char *err, size_t errlen)
{
	uint32_t id = ctl_dp_next_id(c->dp);
	struct fab_wire_buf *b = ctl_dp_out(c->dp);
	const uint8_t *p;
	size_t len;
	int rc;

	fab_wire_begin(b, FAB_WIRE_STATUS, 0, id, 0);
	rc = call(c, fab_wire_finish(b), id, &p, &len, err, errlen);
	if (rc == 0 && fab_wire_status_decode(p, len, &c->dp_status) != 0) {
		snprintf(err, errlen, "dataplane sent a malformed STATUS reply");
		rc = -EBADMSG;
	}
	if (rc == 0)
		c->dp_status_ns = ctl_now_ns();
	return rc;
}

static int dp_config_set(struct ctl *c, const char *text, size_t tlen, char *err, size_t errlen)
{
	uint32_t id = ctl_dp_next_id(c->dp);
	struct fab_wire_config m = {.text = text, .len = tlen};
	struct fab_wire_hello_rep rep;
	const uint8_t *p;
	size_t len;
	int rc;

	/* Building the tables of a large fabric takes the dataplane a while. */
	rc = call_for(c, c->opts.call_timeout_ms, fab_wire_config_encode(ctl_dp_out(c->dp), id, &m),
		      id, &p, &len, err, errlen);
	if (rc != 0)
		return rc;
	if (fab_wire_hello_rep_decode(p, len, &rep) != 0) {
		snprintf(err, errlen, "dataplane sent a malformed CONFIG_SET reply");
		return -EBADMSG;
	}
	c->dp_status.hello = rep;
	return 0;
}

static int dp_port_admin(struct ctl *c, uint16_t port, bool up, char *err, size_t errlen)
{
	uint32_t id = ctl_dp_next_id(c->dp);
	struct fab_wire_port_admin m = {.port = port, .up = up};
	const uint8_t *p;
	size_t len;
	int rc;

	rc = call(c, fab_wire_port_admin_encode(ctl_dp_out(c->dp), id, &m), id, &p, &len, err,
		  errlen);
	if (rc == 0 && port < FAB_PORTS_MAX)
		c->dp_ports[port].admin_up = up;
	return rc;
}

/* Port security's way to the dataplane (ctl_psec_push_fn). */
static int push_errdisable(void *arg, uint16_t port, bool on)
{
	struct ctl *c = arg;
	uint32_t id;
	struct fab_wire_port_errdisable m = {.port = port, .on = on};
	const uint8_t *p;
	size_t len;
	char err[256] = "";
	int rc;

	if (!c->synced)
		return -ENOTCONN;
	if (port >= c->dp_status.hello.nports)
		return 0; /* the dataplane has no such port: nothing to keep in step */
	id = ctl_dp_next_id(c->dp);
	rc = call(c, fab_wire_port_errdisable_encode(ctl_dp_out(c->dp), id, &m), id, &p, &len, err,
		  sizeof(err));
	if (rc != 0)
		ctl_log("port %s: cannot set err-disable %s: %s", c->running->ports[port].name,
			on ? "on" : "off", err);
	else if (port < FAB_PORTS_MAX)
		c->dp_ports[port].oper = on ? FAB_OPER_ERRDISABLED : FAB_OPER_DOWN;
	return rc;
}

/* Pushes the admin state of every port of m that the dataplane has otherwise. */
static int reconcile_admin(struct ctl *c, const struct fab_model *m, char *err, size_t errlen)
{
	for (size_t i = 0; i < m->nports && i < c->dp_status.hello.nports; i++) {
		int rc;

		if (c->dp_ports[i].admin_up == m->ports[i].admin_up)
			continue;
		rc = dp_port_admin(c, (uint16_t)i, m->ports[i].admin_up, err, errlen);
		if (rc != 0)
			return rc;
		ctl_log("port %s: admin %s pushed to the dataplane", m->ports[i].name,
			m->ports[i].admin_up ? "up" : "down");
	}
	return 0;
}

/*
 * Brings the dataplane to m: the whole configuration if the digests differ
 * (one RCU swap over there), then the admin states that still differ. A
 * dataplane that already runs m sees only the PORT_ADMINs it needs, or
 * nothing at all.
 */
static int push_model(struct ctl *c, const struct fab_model *m, const char *text, size_t len,
		      char *err, size_t errlen)
{
	struct fab_model *f = ctl_evpn_filtered(c, m);
	char *ftext = NULL;
	int rc = 0;

	if (f == NULL && errno != 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* Members behind EVPN VTEP ports go only while BGP announces them. */
	if (f != NULL) {
		rc = model_text(f, &ftext, &len);
		text = ftext;
		m = f;
	}
	if (rc == 0) {
		uint64_t digest = fab_wire_config_digest(m);

		if (digest != c->dp_status.hello.digest)
			rc = dp_config_set(c, text, len, err, errlen);
		/* A refused file leaves the dataplane on what was pushed before. */
		if (rc == 0)
			c->pushed_digest = digest;
	} else {
		snprintf(err, errlen, "cannot print the configuration: %s", strerror(-rc));
	}
	if (rc == 0)
		rc = ctl_dp_status(c, err, errlen);
	if (rc == 0)
		rc = reconcile_admin(c, m, err, errlen);
	free(ftext);
	fab_model_destroy(f);
	return rc;
}

int ctl_push_running(struct ctl *c, char *err, size_t errlen)
{
	if (!c->synced)
		return -ENOTCONN;
	return push_model(c, c->running, c->running_text, c->running_len, err, errlen);
}

static int dp_hello(struct ctl *c, char *err, size_t errlen)
{
	struct fab_wire_hello_req rq = {.pid = (uint32_t)getpid()};
	uint32_t id = ctl_dp_next_id(c->dp);
	const uint8_t *p;
	size_t len;
	int rc;

	snprintf(rq.software, sizeof(rq.software), "%s", PEERLAN_VERSION);
	rc = call(c, fab_wire_hello_req_encode(ctl_dp_out(c->dp), id, &rq), id, &p, &len, err,
		  errlen);
	if (rc == 0 && fab_wire_hello_rep_decode(p, len, &c->dp_status.hello) != 0) {
		snprintf(err, errlen, "dataplane sent a malformed HELLO reply");
		rc = -EBADMSG;
	}
	return rc;
}

/* Each port's MAC address; an older dataplane refuses the question and
 * control goes on without them. */
static void dp_port_info(struct ctl *c)
{
	uint32_t id = ctl_dp_next_id(c->dp);
	struct fab_wire_buf *b = ctl_dp_out(c->dp);
	struct fab_wire_port_info m;
	const uint8_t *p;
	size_t len;
	char err[256];

	c->dp_nmacs = 0;
	fab_wire_begin(b, FAB_WIRE_PORT_INFO, 0, id, 0);
	if (call(c, fab_wire_finish(b), id, &p, &len, err, sizeof(err)) != 0)
		return;
	if (fab_wire_port_info_decode(p, len, &m) != 0) {
		ctl_log("dataplane sent a malformed PORT_INFO reply");
		return;
	}
	for (uint16_t i = 0; i < m.nports; i++)
		c->dp_macs[i] = fab_rd_mac(m.macs[i]);
	c->dp_nmacs = m.nports;
}

/* On every (re)connect: say hello, then bring the dataplane to the running state. */
static int dp_sync(struct ctl *c)
{
	uint64_t gen0;
	int rc;

	c->dp_error[0] = '\0';
	rc = dp_hello(c, c->dp_error, sizeof(c->dp_error));
	if (rc != 0)
		return rc;
	gen0 = c->dp_status.hello.generation;
	rc = push_model(c, c->running, c->running_text, c->running_len, c->dp_error,
			sizeof(c->dp_error));
	if (rc != 0) {
		ctl_log("cannot bring the dataplane to the running configuration: %s", c->dp_error);
		return rc;
	}
	/* A restarted dataplane knows no sponged address: give it the whole set. */
	rc = ctl_sponge_push(c, c->dp_error, sizeof(c->dp_error));
	if (rc != 0) {
		ctl_log("cannot give the dataplane the sponged set: %s", c->dp_error);
		return rc;
	}
	dp_port_info(c);
	c->synced = true;
	c->connects++;
	/* A restarted dataplane forgot err-disabled ports and counts from 0. */
	ctl_psec_rebase(c->psec);
	ctl_psec_sync(c->psec, c->dp_ports, c->dp_status.hello.nports);
	ctl_log("dataplane %s connected: generation %llu%s", c->dp_status.hello.software,
		(unsigned long long)c->dp_status.hello.generation,
		c->dp_status.hello.generation != gen0 ? " (configuration pushed)"
						      : ", configuration already in place");
	return 0;
}

int ctl_read_counters(struct ctl *c)
{
	uint32_t id = ctl_dp_next_id(c->dp);
	struct fab_wire_buf *b = ctl_dp_out(c->dp);
	struct ctl_sample *s = c->fresh;
	const uint8_t *p;
	size_t len;
	char err[256];
	int rc;

	if (!c->synced)
		return -ENOTCONN;
	fab_wire_begin(b, FAB_WIRE_COUNTERS_GET, 0, id, 0);
	rc = call(c, fab_wire_finish(b), id, &p, &len, err, sizeof(err));
	if (rc != 0)
		return rc;
	s->c.ports = s->ports;
	s->c.stats = s->stats;
	if (fab_wire_counters_decode(p, len, &s->c) != 0) {
		s->c.nports = 0;
		return -EBADMSG;
	}
	s->t_ns = ctl_now_ns();
	memcpy(c->dp_ports, s->ports, s->c.nports * sizeof(s->ports[0]));
	ctl_psec_observe(c->psec, s->t_ns, ctl_wall_ns(), s->ports, s->stats, s->c.nports);
	ctl_psec_sync(c->psec, s->ports, s->c.nports);
	return 0;
}

/* Keeps reads about a second apart, for rates. */
static void poll_counters(struct ctl *c)
{
	struct ctl_sample *dst;

	if (ctl_read_counters(c) != 0)
		return;
	if (c->nsamples > 0 && c->samples[c->sample_head]->t_ns + RATE_INTERVAL_NS > c->fresh->t_ns)
		return;
	c->sample_head = (c->sample_head + 1) % CTL_SAMPLES;
	dst = c->samples[c->sample_head];
	dst->t_ns = c->fresh->t_ns;
	dst->c = c->fresh->c;
	dst->c.ports = dst->ports;
	dst->c.stats = dst->stats;
	memcpy(dst->ports, c->fresh->ports, c->fresh->c.nports * sizeof(dst->ports[0]));
	memcpy(dst->stats, c->fresh->stats, c->fresh->c.nports * sizeof(dst->stats[0]));
	if (c->nsamples < CTL_SAMPLES)
		c->nsamples++;
}

/*
 * Something other than control changed the dataplane (a SIGHUP reload of its
 * file, say): control owns the running configuration, so it puts it back.
 */
static void check_drift(struct ctl *c)
{
	char err[256];

	if (ctl_dp_status(c, err, sizeof(err)) != 0)
		return;
	if (c->dp_status.hello.digest != c->pushed_digest)
		ctl_log("the dataplane's generation %llu is not the running configuration; "
			"pushing it again",
			(unsigned long long)c->dp_status.hello.generation);
	if (push_model(c, c->running, c->running_text, c->running_len, err, sizeof(err)) != 0) {
		snprintf(c->dp_error, sizeof(c->dp_error), "%s", err);
		ctl_log("cannot bring the dataplane back: %s", err);
	}
}

/*
 * A dataplane that did not answer and now does (a late reply came) may have
 * acted on requests control gave up on: it is brought in line from scratch,
 * as after a reconnect. One that went away is reconnected as usual.
 */
static void stall_tick(struct ctl *c, uint64_t now)
{
	if (c->stall_ns == 0)
		return;
	if (ctl_dp_fd(c->dp) >= 0 && ctl_dp_replies(c->dp) == c->stall_replies)
		return;
	if (ctl_dp_fd(c->dp) >= 0)
		ctl_log("the dataplane answers again after %llu s; resynchronising",
			(unsigned long long)((now - c->stall_ns) / 1000000000ULL));
	ctl_dp_close(c->dp);
	c->stall_ns = 0;
	c->next_connect_ns = now;
	c->backoff_ms = BACKOFF_MIN_MS;
}

/* The reads of every poll_ms: drift, then counters (rates, port security). */
static void poll_reads(struct ctl *c, uint64_t now)
{
	c->probe_id = 0;
	check_drift(c);
	poll_counters(c);
	ctl_lag_poll(c);
	ctl_p2p_tick(c, now);
	c->next_poll_ns = now + (uint64_t)c->opts.poll_ms * 1000000ULL;
}

/*
 * The reads of every poll_ms (drift, counters) wait for their replies, so a
 * STATUS goes first without waiting: they run once it is answered, and a
 * dataplane that has hung since the last round is found without holding
 * the event loop for a call's timeout.
 */
static void poll_tick(struct ctl *c, uint64_t now)
{
	struct fab_wire_buf *b = ctl_dp_out(c->dp);

	if (c->probe_id == 0) {
		c->probe_id = ctl_dp_next_id(c->dp);
		c->probe_ns = now;
		fab_wire_begin(b, FAB_WIRE_STATUS, 0, c->probe_id, 0);
		if (ctl_dp_send(c->dp, fab_wire_finish(b), c->probe_id) != 0)
			c->probe_id = 0; /* a failure closed it: reconnected next turn */
		return;
	}
	if (!ctl_dp_answered(c->dp, c->probe_id)) {
		if (now - c->probe_ns >= (uint64_t)c->opts.answer_ms * 1000000ULL) {
			c->probe_id = 0;
			stall_begin(c, c->opts.answer_ms);
		}
		return;
	}
	poll_reads(c, now);
}

static void dp_tick(struct ctl *c, uint64_t now)
{
	if (ctl_dp_fd(c->dp) >= 0 && ctl_dp_read_async(c->dp) != 0 && c->synced) {
		c->synced = false;
		ctl_log("lost the dataplane; forwarding goes on with its last tables");
	}
	if (ctl_dp_want_write(c->dp))
		(void)ctl_dp_flush(c->dp); /* a failure closes it: reconnected below */
	stall_tick(c, now);
	if (c->stall_ns != 0)
		return;
	if (ctl_dp_fd(c->dp) < 0) {
		c->synced = false;
		if (now < c->next_connect_ns)
			return;
		int rc = ctl_dp_connect(c->dp);

		if (rc != 0)
			snprintf(c->dp_error, sizeof(c->dp_error), "connect: %s", strerror(-rc));
		if (rc != 0 || dp_sync(c) != 0) {
			if (c->stall_ns != 0)
				return; /* its late reply ends the wait */
			ctl_dp_close(c->dp);
			c->next_connect_ns = now + (uint64_t)c->backoff_ms * 1000000ULL;
			c->backoff_ms *= 2;
			if (c->backoff_ms > c->opts.backoff_max_ms)
				c->backoff_ms = c->opts.backoff_max_ms;
			return;
		}
		c->backoff_ms = BACKOFF_MIN_MS;
		c->nsamples = 0;
		/* It has just answered: the first reads (port security's baseline
		 * after a restart) need no STATUS before them. */
		poll_reads(c, now);
	}
	if (c->synced && now >= c->next_poll_ns)
		poll_tick(c, now);
}

/*
 * Applies m (owned by c from now on, or freed on failure): pushes it and makes
 * it the running configuration. *old receives the configuration it replaced.
 */
static int change_to_locked(struct ctl *c, struct fab_model *m, struct fab_model **old, char *err,
			    size_t errlen);

/* Every change counts for the exporter: its result and when it was tried. */
static int change_to(struct ctl *c, struct fab_model *m, struct fab_model **old, char *err,
		     size_t errlen)
{
	int rc = change_to_locked(c, m, old, err, errlen);

	c->last_change_ok = rc == 0;
	c->last_change_time = (int64_t)time(NULL);
	if (rc == 0)
		c->changes_ok++;
	else
		c->changes_failed++;
	return rc;
}

static int change_to_locked(struct ctl *c, struct fab_model *m, struct fab_model **old, char *err,
			    size_t errlen)
{
	struct fab_model *prev;
	char *text;
	size_t len;
	int rc;

	if (c->stall_ns != 0) {
		fab_model_destroy(m);
		stall_text(c, err, errlen);
		snprintf(err + strlen(err), errlen - strlen(err), ": nothing changed");
		return -ETIMEDOUT;
	}
	if (!c->synced) {
		fab_model_destroy(m);
		snprintf(err, errlen, "dataplane not connected: nothing changed");
		return -ENOTCONN;
	}
	rc = model_text(m, &text, &len);
	if (rc == 0)
		rc = push_model(c, m, text, len, err, errlen);
	free(text);
	if (rc != 0) {
		fab_model_destroy(m);
		return rc;
	}
	prev = fab_model_clone(c->running);
	rc = prev != NULL ? set_running(c, m) : -ENOMEM;
	if (rc != 0) {
		/* The dataplane runs m; resync it to what we still call running. */
		fab_model_destroy(prev);
		fab_model_destroy(m);
		ctl_dp_close(c->dp);
		c->synced = false;
		snprintf(err, errlen, "out of memory; the dataplane is being resynchronised");
		return rc;
	}
	if (old != NULL)
		*old = prev;
	else
		fab_model_destroy(prev);
	c->nsamples = 0;
	return 0;
}

/* Loads the file text sent with a command; every error goes into *out. */
static struct fab_model *load_sent(const struct ctl_request *r, json_t **out, int *rc)
{
	struct fab_config_errors e = {0};
	struct fab_model *m;

	if (r->text == NULL) {
		*rc = ctl_error(out, -EINVAL, "%s: no file text sent with the command", r->file);
		return NULL;
	}
	/* Never an import: its files would be read with our rights, not the peer's. */
	m = fab_config_load_sent(r->text, r->text_len, r->file, &e);
	if (m == NULL) {
		*rc = ctl_error(out, -EINVAL, "%s: %zu error%s; nothing changed", r->file, e.n,
				e.n == 1 ? "" : "s");
		json_object_set_new(*out, "errors", ctl_errors_json(&e));
	}
	fab_config_errors_clear(&e);
	return m;
}

/*
 * Both processes read the management settings (sockets, exporter, state
 * directory, sFlow) once, at start. A change applied at run time would not
 * take effect, and would be saved where the next start does not look, or
 * point control at a socket the dataplane does not serve. So a file that
 * changes one is refused; *msg says why, and errors (if not NULL) gets one
 * line per setting. Returns how many settings differ.
 */
static size_t mgmt_refusal(const struct ctl *c, const char *file, const struct fab_model *m,
			   char *msg, size_t msglen, json_t *errors)
{
	struct fab_mgmt_change ch[16], dflt[16];
	size_t n = fab_mgmt_changes(&c->running->mgmt, &m->mgmt, ch, 16), nd = 0;
	struct fab_model *def = fab_model_create();

	if (n == 0) {
		fab_model_destroy(def);
		return 0;
	}
	/* A default value most likely means the key is missing (an import map without it). */
	if (def != NULL)
		nd = fab_mgmt_changes(&def->mgmt, &m->mgmt, dflt, 16);
	{
		static const char *const who[] = {
		    [FAB_MGMT_CONTROL] = "peerlan-control with the new file as its",
		    [FAB_MGMT_DATAPLANE] = "peerlan-dataplane with the new file as its",
		    [FAB_MGMT_CONTROL | FAB_MGMT_DATAPLANE] =
			"peerlan-dataplane and peerlan-control with the new file as their",
		};
		char keys[256] = "";
		unsigned readers = 0;
		size_t k = 0;

		for (size_t i = 0; i < n && i < 16 && k < sizeof(keys); i++) {
			k += (size_t)snprintf(keys + k, sizeof(keys) - k, "%smanagement.%s",
					      i ? (i + 1 == n ? " and " : ", ") : "", ch[i].key);
			readers |= ch[i].readers & (FAB_MGMT_CONTROL | FAB_MGMT_DATAPLANE);
		}
		snprintf(msg, msglen,
			 "%s: %s cannot change while peerlan runs: this needs a restart of %s "
			 "start file",
			 file, keys,
			 who[readers] ? who[readers] : who[FAB_MGMT_CONTROL | FAB_MGMT_DATAPLANE]);
	}
	for (size_t i = 0; errors != NULL && i < n && i < 16; i++) {
		bool is_default = true;
		char line[FAB_PATH_MAX + 256];

		for (size_t k = 0; k < nd && k < 16; k++)
			is_default = is_default && strcmp(dflt[k].key, ch[i].key) != 0;
		if (ch[i].to == NULL)
			snprintf(line, sizeof(line), "management.%s differs from the running one",
				 ch[i].key);
		else
			snprintf(line, sizeof(line), "management.%s: %s%s here, %s running",
				 ch[i].key, ch[i].to,
				 is_default && def != NULL ? " (the default)" : "", ch[i].from);
		json_array_append_new(errors, ctl_error_entry(file, 0, 0, line));
	}
	fab_model_destroy(def);
	return n;
}

/* check and apply: an error naming every management setting m changes, or 0. */
static int refuse_mgmt_change(const struct ctl *c, const char *file, const struct fab_model *m,
			      json_t **out)
{
	char msg[FAB_PATH_MAX + 512];
	json_t *errors = json_array();
	int rc;

	if (mgmt_refusal(c, file, m, msg, sizeof(msg), errors) == 0) {
		json_decref(errors);
		return 0;
	}
	rc = ctl_error(out, -EINVAL, "%s; nothing changed", msg);
	json_object_set_new(*out, "errors", errors);
	return rc;
}

static json_t *diff_json(const struct ctl *c, const struct fab_model *m, const char *label)
{
	char *text, running[64];
	size_t len;
	json_t *d;

	if (model_text(m, &text, &len) != 0)
		return NULL;
	snprintf(running, sizeof(running), "running (generation %llu)",
		 (unsigned long long)ctl_dp_generation(c));
	d = ctl_diff_lines(c->running_text, c->running_len, text, len, running, label);
	free(text);
	return d;
}

static void restart_reason(void *arg, const char *text)
{
	json_array_append_new(arg, json_string(text));
}

/* What in m the running dataplane would refuse until it is restarted. */
static json_t *restart_json(const struct fab_model *running, const struct fab_model *m)
{
	json_t *a = json_array();

	if (a != NULL && running != NULL)
		fab_model_restart_reasons(running, m, true, restart_reason, a);
	return a;
}

int ctl_cmd_check_diff(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	int rc = 0;
	struct fab_model *m = load_sent(r, out, &rc);
	char msg[FAB_PATH_MAX + 512];

	if (m == NULL)
		return rc;
	if (r->cmd == CTL_CONFIG_CHECK && (rc = refuse_mgmt_change(c, r->file, m, out)) != 0) {
		fab_model_destroy(m);
		return rc;
	}
	*out = json_object();
	/* A diff shows the change, and says that apply will refuse it. */
	if (r->cmd == CTL_CONFIG_DIFF && mgmt_refusal(c, r->file, m, msg, sizeof(msg), NULL) != 0)
		json_object_set_new(*out, "warning", json_string(msg));
	json_object_set_new(*out, "file", json_string(r->file));
	json_object_set_new(*out, "valid", json_true());
	if (r->cmd == CTL_CONFIG_DIFF)
		json_object_set_new(*out, "diff", diff_json(c, m, r->file));
	json_object_set_new(*out, "restart_needed", restart_json(c->running, m));
	fab_model_destroy(m);
	return 0;
}

static void set_generation(struct ctl *c, json_t *o)
{
	json_object_set_new(o, "generation", json_integer((json_int_t)ctl_dp_generation(c)));
}

/* Saves the running configuration; says where in out, or warns. */
static int commit_running(struct ctl *c, json_t *out)
{
	char err[FAB_PATH_MAX + 128], path[FAB_PATH_MAX + 32];
	int rc = persist(c, err, sizeof(err));

	if (rc != 0) {
		json_object_set_new(out, "warning", json_string(err));
		return rc;
	}
	committed_path(c->running, path, sizeof(path));
	json_object_set_new(out, "saved", json_string(path));
	ctl_log("committed the running configuration to %s", path);
	return 0;
}

/* `config save`: the running configuration becomes what a restart runs. */
/* The refusal of a change while an apply waits for `config confirm`. */
static int confirm_pending(json_t **out)
{
	return ctl_error(out, -EBUSY,
			 "an apply is waiting for `config confirm`; confirm or roll it back first");
}

int ctl_cmd_save(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	int rc;

	(void)r;
	if (c->confirm_from != NULL)
		return confirm_pending(out);
	*out = json_object();
	rc = commit_running(c, *out);
	if (rc != 0) {
		char path[FAB_PATH_MAX + 32];

		committed_path(c->running, path, sizeof(path));
		json_decref(*out);
		*out = NULL;
		return ctl_error(out, rc, "cannot save to %s: %s", path, strerror(-rc));
	}
	set_generation(c, *out);
	return 0;
}

int ctl_apply_model(struct ctl *c, struct fab_model *m, const char *source, const char *how,
		    uint32_t confirm_s, json_t **out)
{
	struct fab_model *old = NULL;
	char err[1024] = "";
	json_t *diff;
	int rc;

	if (c->confirm_from != NULL) {
		fab_model_destroy(m);
		return confirm_pending(out);
	}
	rc = refuse_mgmt_change(c, source, m, out);
	if (rc != 0) {
		fab_model_destroy(m);
		return rc;
	}
	if (fab_model_equal(m, c->running)) {
		/* Not a change: nothing to push, confirm or roll back to. */
		fab_model_destroy(m);
		*out = json_object();
		json_object_set_new(*out, "diff", json_array());
		json_object_set_new(*out, "unchanged", json_true());
		/* But what runs may not be what a restart runs (--ignore-committed). */
		if (c->commit_stale)
			commit_running(c, *out);
		set_generation(c, *out);
		return 0;
	}
	diff = diff_json(c, m, source);
	rc = change_to(c, m, &old, err, sizeof(err));
	if (rc != 0) {
		json_decref(diff);
		return ctl_error(out, rc, "%s", err);
	}
	ctl_swap_forget(c, how);
	*out = json_object();
	json_object_set_new(*out, "diff", diff);
	if (confirm_s > 0) {
		c->confirm_from = old;
		c->confirm_deadline_ns = ctl_now_ns() + (uint64_t)confirm_s * 1000000000ULL;
		json_object_set_new(*out, "confirm_within_s", json_integer(confirm_s));
		ctl_log("applied %s, rolls back in %u s unless confirmed", source, confirm_s);
	} else {
		fab_model_destroy(c->previous);
		c->previous = old;
		if (persist(c, err, sizeof(err)) != 0)
			json_object_set_new(*out, "warning", json_string(err));
		ctl_log("applied and committed %s", source);
	}
	snprintf(c->source, sizeof(c->source), "%s (applied)", source);
	set_generation(c, *out);
	return 0;
}

int ctl_cmd_apply(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	struct fab_model *m;
	int rc = 0;

	if (c->confirm_from != NULL)
		return confirm_pending(out);
	m = load_sent(r, out, &rc);
	if (m == NULL)
		return rc;
	return ctl_apply_model(c, m, r->file, "config apply", r->seconds, out);
}

int ctl_cmd_confirm(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	char err[512];

	(void)r;
	if (c->confirm_from == NULL)
		return ctl_error(out, -ENOENT, "nothing to confirm");
	fab_model_destroy(c->previous);
	c->previous = c->confirm_from;
	c->confirm_from = NULL;
	*out = json_object();
	if (persist(c, err, sizeof(err)) != 0)
		json_object_set_new(*out, "warning", json_string(err));
	set_generation(c, *out);
	ctl_log("configuration confirmed");
	return 0;
}

/* Goes back to the configuration before the pending apply, or the last commit. */
static int rollback(struct ctl *c, json_t **out, const char *why)
{
	bool pending = c->confirm_from != NULL;
	struct fab_model *target = pending ? c->confirm_from : c->previous;
	struct fab_model *copy, *old = NULL;
	char err[1024] = "";
	int rc;

	if (target == NULL)
		return ctl_error(out, -ENOENT, "no previous configuration to roll back to");
	copy = fab_model_clone(target);
	if (copy == NULL)
		return ctl_error(out, -ENOMEM, "out of memory");
	rc = change_to(c, copy, &old, err, sizeof(err));
	if (rc != 0) {
		fab_model_destroy(old);
		return ctl_error(out, rc, "rollback failed: %s", err);
	}
	ctl_swap_forget(c, "rollback");
	if (pending) {
		fab_model_destroy(c->confirm_from);
		c->confirm_from = NULL;
		fab_model_destroy(old);
	} else {
		fab_model_destroy(c->previous);
		c->previous = old;
	}
	snprintf(c->source, sizeof(c->source), "rollback");
	*out = json_object();
	if (persist(c, err, sizeof(err)) != 0)
		json_object_set_new(*out, "warning", json_string(err));
	set_generation(c, *out);
	ctl_log("rolled back: %s", why);
	return 0;
}

static void confirm_tick(struct ctl *c, uint64_t now)
{
	json_t *out = NULL;

	if (c->confirm_from == NULL || now < c->confirm_deadline_ns)
		return;
	/* Without a dataplane the rollback is ours alone; the resync pushes it. */
	if (!c->synced) {
		struct fab_model *m = c->confirm_from;

		if (set_running(c, m) == 0) {
			c->confirm_from = NULL;
			snprintf(c->source, sizeof(c->source), "rollback");
			ctl_log("confirm time ran out: rolled back; the dataplane gets it when it "
				"reconnects");
			ctl_events_add(c->events, ctl_wall_ns(), "change", NULL,
				       "config rollback by peerlan-control: confirm time ran out");
		}
		return;
	}
	/* Failing here is retried on the next turn. */
	if (rollback(c, &out, "confirm time ran out") != 0)
		ctl_log("%s",
			json_string_value(json_object_get(out, "error")) ?: "rollback failed");
	else
		ctl_events_add(c->events, ctl_wall_ns(), "change", NULL,
			       "config rollback by peerlan-control: confirm time ran out");
	json_decref(out);
}

static int find_port(struct ctl *c, const char *name, json_t **out)
{
	int i = fab_model_port_by_name(c->running, name);

	if (i < 0)
		return ctl_error(out, -ENOENT, "no such port: %s", name);
	return i;
}

/*
 * A shutdown is a change of the running configuration like any other (it
 * shows in `show config` and `config diff`), pushed with one PORT_ADMIN and
 * saved, so neither a restart of control nor of the dataplane undoes it.
 */
int ctl_cmd_port_admin(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	bool up = r->cmd == CTL_PORT_NO_SHUTDOWN;
	int i = find_port(c, r->port, out);
	struct fab_model *m;
	char err[512] = "";
	int rc;

	if (i < 0)
		return i;
	m = fab_model_clone(c->running);
	if (m == NULL)
		return ctl_error(out, -ENOMEM, "out of memory");
	m->ports[i].admin_up = up;
	rc = change_to(c, m, NULL, err, sizeof(err));
	if (rc != 0)
		return ctl_error(out, rc, "%s", err);
	/* A rollback of a pending apply must not undo the shutdown. */
	if (c->confirm_from != NULL) {
		int j = fab_model_port_by_name(c->confirm_from, r->port);

		if (j >= 0)
			c->confirm_from->ports[j].admin_up = up;
	}
	*out = json_object();
	json_object_set_new(*out, "port", json_string(r->port));
	json_object_set_new(*out, "admin", json_string(up ? "up" : "down"));
	/* As on a switch, no shutdown also ends an err-disable. */
	if (up &&
	    ctl_psec_clear(c->psec, (uint16_t)i, ctl_now_ns(), ctl_wall_ns(), "no shutdown") > 0)
		json_object_set_new(*out, "errdisable_cleared", json_true());
	if (persist(c, err, sizeof(err)) != 0)
		json_object_set_new(*out, "warning", json_string(err));
	ctl_log("port %s: admin %s", r->port, up ? "up" : "down");
	return 0;
}

/*
 * Quarantine to production: refused with the report's failing points unless
 * every check passes; otherwise a configuration change like `config apply`
 * (validated, pushed, saved), and an event.
 */
int ctl_cmd_promote(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	int i = find_port(c, r->port, out), rc;
	struct fab_config_errors e = {0};
	struct fab_port_stats s;
	struct fab_model *m;
	fab_mac_t mac;
	char err[512] = "", macs[18];
	json_t *rep, *ck, *fails;
	size_t k;

	if (i < 0)
		return i;
	rc = ctl_read_counters(c);
	if (rc != 0)
		return ctl_error(out, rc, "cannot read counters: %s", strerror(-rc));
	ctl_port_display(c, (size_t)i, &s);
	rep = ctl_quar_report(c->quar, (uint16_t)i, &s, ctl_now_ns(), &mac);
	if (rep == NULL)
		return ctl_error(out, -ENOMEM, "out of memory");
	if (!json_is_true(json_object_get(rep, "pass"))) {
		fails = json_array();
		json_array_foreach(json_object_get(rep, "checks"), k, ck)
		{
			char line[512];

			if (json_is_true(json_object_get(ck, "pass")))
				continue;
			snprintf(line, sizeof(line), "%s: %s",
				 json_string_value(json_object_get(ck, "check")) ?: "?",
				 json_string_value(json_object_get(ck, "detail")) ?: "?");
			json_array_append_new(fails, ctl_error_entry("", 0, 0, line));
		}
		json_decref(rep);
		rc =
		    ctl_error(out, -EPERM,
			      "port %s does not pass its quarantine report: not promoted", r->port);
		json_object_set_new(*out, "errors", fails);
		return rc;
	}
	json_decref(rep);
	m = ctl_quar_promoted(c->running, (uint16_t)i, r->cmd == CTL_PORT_PROMOTE_LOCK, mac, err,
			      sizeof(err));
	if (m == NULL)
		return ctl_error(out, -EINVAL, "%s", err);
	if (fab_config_recheck(m, "promotion", &e) != 0) {
		fab_model_destroy(m);
		rc = ctl_error(out, -EINVAL,
			       "the promoted configuration is not valid; nothing changed");
		json_object_set_new(*out, "errors", ctl_errors_json_unplaced(&e));
		fab_config_errors_clear(&e);
		return rc;
	}
	rc = change_to(c, m, NULL, err, sizeof(err));
	if (rc != 0)
		return ctl_error(out, rc, "%s", err);
	*out = json_object();
	json_object_set_new(*out, "port", json_string(r->port));
	json_object_set_new(*out, "promoted", json_true());
	fab_mac_format(mac, macs, sizeof(macs));
	if (r->cmd == CTL_PORT_PROMOTE_LOCK)
		json_object_set_new(*out, "locked_mac", json_string(macs));
	if (persist(c, err, sizeof(err)) != 0)
		json_object_set_new(*out, "warning", json_string(err));
	set_generation(c, *out);
	ctl_events_add(c->events, ctl_wall_ns(), "promotion", r->port,
		       "moved from quarantine to production%s%s",
		       r->cmd == CTL_PORT_PROMOTE_LOCK ? ", MAC locked to " : "",
		       r->cmd == CTL_PORT_PROMOTE_LOCK ? macs : "");
	return 0;
}

int ctl_commit(struct ctl *c, struct fab_model *m, char *err, size_t errlen)
{
	int rc = change_to(c, m, NULL, err, errlen);

	if (rc != 0)
		return rc;
	return persist(c, err, errlen) != 0 ? -EIO : 0;
}

int ctl_cmd_clear(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	int only = -1;
	json_t *list;
	int rc;

	if (r->port[0] != '\0' && (only = find_port(c, r->port, out)) < 0)
		return only;
	rc = ctl_read_counters(c);
	if (rc != 0)
		return ctl_error(out, rc, "cannot read counters: %s", strerror(-rc));
	list = json_array();
	for (size_t i = 0; i < c->running->nports && i < c->fresh->c.nports; i++) {
		if (only >= 0 && (size_t)only != i)
			continue;
		c->baseline[i] = c->fresh->stats[i];
		c->baseline_ns[i] = c->fresh->t_ns;
		/* A quarantine report starts again with the counters it reads. */
		ctl_quar_reset(c->quar, (uint16_t)i);
		json_array_append_new(list, json_string(c->running->ports[i].name));
	}
	*out = json_object();
	json_object_set_new(*out, "cleared", list);
	return 0;
}

/* Configuration n (1: the newest) of the history, loaded; NULL with *out set. */
static struct fab_model *history_model(struct ctl *c, uint32_t n, json_t **out, int *rc)
{
	struct fab_config_errors e = {0};
	json_t *h = history_load(c), *entry = json_array_get(h, n - 1);
	const char *text = json_string_value(json_object_get(entry, "text"));
	struct fab_model *m = NULL;
	char name[32];

	snprintf(name, sizeof(name), "history %u", (unsigned)n);
	if (text == NULL)
		*rc = ctl_error(out, -ENOENT, "no configuration %u in the history (it holds %zu)",
				(unsigned)n, json_array_size(h));
	else if ((m = fab_config_load_sent(text, strlen(text), name, &e)) == NULL) {
		*rc = ctl_error(out, -EINVAL, "configuration %u of the history no longer loads",
				(unsigned)n);
		json_object_set_new(*out, "errors", ctl_errors_json(&e));
	}
	fab_config_errors_clear(&e);
	json_decref(h);
	return m;
}

int ctl_show_config_history(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	json_t *h = history_load(c), *list = json_array(), *e;
	size_t i;

	(void)r;
	json_array_foreach(h, i, e)
	{
		json_t *o = json_deep_copy(e);

		json_object_del(o, "text");
		json_object_set_new(o, "n", json_integer((json_int_t)i + 1));
		json_array_append_new(list, o);
	}
	json_decref(h);
	*out = json_object();
	json_object_set_new(*out, "history", list);
	return 0;
}

int ctl_cmd_diff_rollback(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	char label[32];
	int rc = 0;
	struct fab_model *m = history_model(c, r->number, out, &rc);

	if (m == NULL)
		return rc;
	*out = json_object();
	snprintf(label, sizeof(label), "history %u", (unsigned)r->number);
	json_object_set_new(*out, "history", json_integer(r->number));
	json_object_set_new(*out, "diff", diff_json(c, m, label));
	json_object_set_new(*out, "restart_needed", restart_json(c->running, m));
	fab_model_destroy(m);
	return 0;
}

/* config rollback N: configuration N of the history, applied and committed. */
static int rollback_to(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	struct fab_model *m;
	char label[32];
	int rc = 0;

	if (c->confirm_from != NULL)
		return confirm_pending(out);
	m = history_model(c, r->number, out, &rc);
	if (m == NULL)
		return rc;
	snprintf(label, sizeof(label), "history %u", (unsigned)r->number);
	return ctl_apply_model(c, m, label, "rollback", 0, out);
}

int ctl_cmd_rollback(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	if (r->number > 0)
		return rollback_to(c, r, out);
	return rollback(c, out, "requested");
}

/* Who runs r: the user name of uid, its words, its comment. */
static void who_runs(struct ctl *c, const struct ctl_request *r, int64_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	size_t o = 0;

	c->who.uid = uid;
	if (uid >= 0 && getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(c->who.user, sizeof(c->who.user), "%s", pw.pw_name);
	else if (uid >= 0)
		snprintf(c->who.user, sizeof(c->who.user), "uid %lld", (long long)uid);
	else
		snprintf(c->who.user, sizeof(c->who.user), "unknown");
	snprintf(c->who.comment, sizeof(c->who.comment), "%s", r->comment);
	c->who.command[0] = '\0';
	/* The words without the comment, which is kept apart. */
	for (int i = 0; i < r->argc && o < sizeof(c->who.command); i++) {
		if (r->comment[0] && i == r->argc - 2 && strcmp(r->argv[i], "comment") == 0)
			break;
		o += (size_t)snprintf(c->who.command + o, sizeof(c->who.command) - o, "%s%s",
				      i ? " " : "", r->argv[i]);
	}
}

int ctl_exec_as(struct ctl *c, const struct fab_wire_cli *w, bool readonly, int64_t uid,
		json_t **out)
{
	const struct ctl_command *cmd;
	struct ctl_request r;
	char *argv[FAB_WIRE_ARGS_MAX];
	char err[256];
	int rc;

	*out = NULL;
	for (int i = 0; i < w->argc && i < FAB_WIRE_ARGS_MAX; i++)
		argv[i] = (char *)w->argv[i];
	if (ctl_cli_parse(w->argc, argv, &r, err, sizeof(err)) != 0)
		return ctl_error(out, -EINVAL, "%s", err);
	cmd = ctl_command_of(r.cmd);
	if (readonly && !(cmd->flags & CTL_F_READONLY))
		return ctl_error(out, -EPERM, "this socket answers show commands only");
	if (cmd->handler == NULL)
		return ctl_error(out, -EINVAL, "%s runs in peerlanctl, not in peerlan-control",
				 cmd->words);
	r.text = w->file;
	r.text_len = w->file_len;
	r.uid = uid;
	/* Only a change asks who the peer is: the user database may be slow. */
	if (cmd->flags & CTL_F_CHANGE)
		who_runs(c, &r, uid);
	rc = cmd->handler(c, &r, out);
	/* Every change, with who made it and why, in the event log. */
	if (rc == 0 && (cmd->flags & CTL_F_CHANGE))
		ctl_events_add(c->events, ctl_wall_ns(), "change", r.port[0] ? r.port : NULL,
			       "%s by %s (uid %lld)%s%s%s", c->who.command, c->who.user,
			       (long long)uid, c->who.comment[0] ? ": \"" : "", c->who.comment,
			       c->who.comment[0] ? "\"" : "");
	who_is_control(c);
	return rc;
}

int ctl_exec(struct ctl *c, const struct fab_wire_cli *w, bool readonly, json_t **out)
{
	return ctl_exec_as(c, w, readonly, -1, out);
}

int ctl_listen(struct ctl *c)
{
	const char *addr = c->running->mgmt.metrics_listen;
	int rc = ctl_cli_open(c);

	if (rc != 0 || addr[0] == '\0')
		return rc;
	c->metrics = ctl_metrics_create(c, addr);
	if (c->metrics == NULL) {
		rc = -errno;
		ctl_log("cannot serve metrics on %s: %s", addr, strerror(errno));
		ctl_cli_close(c);
	}
	return rc;
}

int ctl_run_once(struct ctl *c, int timeout_ms)
{
	struct pollfd pfd[2 + 2 + 1 + CTL_CLIENTS_MAX];
	int n = 0, ncli, nmet, rc;
	uint64_t now = ctl_now_ns();

	dp_tick(c, now);
	confirm_tick(c, now);
	ctl_sponge_tick(c);
	ctl_psec_tick(c->psec, now, ctl_wall_ns());
	ctl_swap_tick(c, now);
	ctl_persist_tick(c, now);
	ctl_sync_tick(c, now);
	if (ctl_dp_fd(c->dp) >= 0)
		pfd[n++] =
		    (struct pollfd){.fd = ctl_dp_fd(c->dp),
				    .events = POLLIN | (ctl_dp_want_write(c->dp) ? POLLOUT : 0)};
	ncli = ctl_cli_pollfds(c, pfd + n, (int)(sizeof(pfd) / sizeof(pfd[0])) - n - 1);
	nmet = ctl_metrics_pollfds(c->metrics, pfd + n + ncli, 1);
	/* Wake up in time for the next connect attempt, counter read or rollback. */
	if (timeout_ms > (int)c->opts.poll_ms)
		timeout_ms = (int)c->opts.poll_ms;
	if (ctl_dp_fd(c->dp) < 0 && c->next_connect_ns > now &&
	    (c->next_connect_ns - now) / 1000000 < (uint64_t)timeout_ms)
		timeout_ms = (int)((c->next_connect_ns - now) / 1000000) + 1;
	rc = poll(pfd, (nfds_t)(n + ncli + nmet), timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	if (n > 0 && (pfd[0].revents & (POLLIN | POLLOUT | POLLHUP | POLLERR)))
		dp_tick(c, ctl_now_ns());
	/* Every turn, so that MHD also closes connections that timed out. */
	ctl_metrics_serve(c->metrics);
	ctl_cli_serve(c, pfd + n, ncli);
	return 0;
}
