/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Following IXP Manager (ctl_sync.h). The fetch thread owns struct fetch
 * from its start until it sets done; the loop reads it only after that,
 * and joins the thread before anything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "cli_import.h"
#include "ctl_int.h"
#include "ctl_persist.h"
#include "ctl_sync.h"
#include "fabric/import.h"

/* One provisioner document is one switch's database: far below this. */
#define SYNC_DOC_MAX  (64u << 20)
#define SYNC_KEY_MAX  256
#define SYNC_ERRS_MAX 20 /* import errors kept for show sync */

static const char *const reason_names[] = {
#define X(e, name, help) [CTL_SYNC_##e] = name,
    CTL_SYNC_REASONS(X)
#undef X
};

static const char *const reason_help[] = {
#define X(e, name, help) [CTL_SYNC_##e] = help,
    CTL_SYNC_REASONS(X)
#undef X
};

enum { DOC_VLANS, DOC_IFACES, DOCS };
static const char *const doc_names[DOCS] = {"vlans", "layer2interfaces"};

struct doc {
	char *body;
	size_t len, cap;
	long status;
	bool too_big;
};

/* What the fetch thread gets, and what it gives back. */
struct fetch {
	char url[DOCS][FAB_URL_MAX];
	char key[SYNC_KEY_MAX];
	char ca_file[FAB_PATH_MAX];
	long timeout_s;
	atomic_bool *stop;
	struct doc doc[DOCS];
	CURLcode rc;
	int failed; /* the document whose fetch failed, or -1 */
	char err[CURL_ERROR_SIZE];
};

struct ctl_sync {
	struct fab_sync cfg;
	pthread_t thread;
	bool busy;        /* the thread runs */
	atomic_bool done; /* it has finished */
	atomic_bool stop; /* asks it to give up (at exit) */
	struct fetch *f;
	bool requested;   /* config sync now */
	uint64_t next_ns; /* next fetch on the interval */
	char trigger[32]; /* "interval", "config sync now" */

	/* The last outcome, for show sync. */
	uint64_t attempts;
	int64_t last_attempt, last_success; /* Unix seconds; 0 never */
	char result[16];                    /* applied, unchanged, refused */
	int reason;                         /* -1: none */
	char why[1024];
	json_t *errors;    /* the import's errors of the last refusal */
	json_t *last_diff; /* the last applied change */
	int64_t last_applied;
	uint64_t failures[CTL_SYNC__COUNT];

	/* A document the removal guard holds back, and the configuration it was against. */
	struct fab_model *pending;
	uint64_t pending_base;
	char pending_why[512];
};

/* ---- the fetch thread ---- */

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct doc *d = arg;
	size_t len = size * n;

	if (d->len + len > SYNC_DOC_MAX) {
		d->too_big = true;
		return 0;
	}
	if (d->len + len + 1 > d->cap) {
		size_t cap = d->cap ? d->cap : 65536;
		char *b;

		while (cap < d->len + len + 1)
			cap *= 2;
		b = realloc(d->body, cap);
		if (b == NULL)
			return 0;
		d->body = b;
		d->cap = cap;
	}
	memcpy(d->body + d->len, p, len);
	d->len += len;
	d->body[d->len] = '\0';
	return len;
}

static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return atomic_load((atomic_bool *)arg) ? 1 : 0;
}

static CURLcode fetch_one(struct fetch *f, int i)
{
	char header[SYNC_KEY_MAX + 40];
	struct curl_slist *h = NULL;
	CURL *e = curl_easy_init();
	CURLcode rc;

	if (e == NULL)
		return CURLE_OUT_OF_MEMORY;
	if (f->key[0] != '\0') {
		snprintf(header, sizeof(header), "X-IXP-Manager-API-Key: %s", f->key);
		h = curl_slist_append(NULL, header);
		if (h == NULL) {
			curl_easy_cleanup(e);
			return CURLE_OUT_OF_MEMORY;
		}
	}
	curl_easy_setopt(e, CURLOPT_URL, f->url[i]);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	/* HTTPS only, redirects too; the certificate and host name always verified. */
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (f->ca_file[0] != '\0')
		curl_easy_setopt(e, CURLOPT_CAINFO, f->ca_file);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, f->timeout_s);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "peerlan/" PEERLAN_VERSION);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &f->doc[i]);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, f->stop);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->err);
	f->err[0] = '\0';
	rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &f->doc[i].status);
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	return rc;
}

static void *fetch_thread(void *arg)
{
	struct ctl_sync *s = arg;
	struct fetch *f = s->f;

	f->failed = -1;
	for (int i = 0; i < DOCS; i++) {
		f->rc = fetch_one(f, i);
		if (f->rc != CURLE_OK || f->doc[i].status != 200) {
			f->failed = i;
			break;
		}
	}
	atomic_store(&s->done, true);
	return NULL;
}

static void fetch_free(struct fetch *f)
{
	if (f == NULL)
		return;
	for (int i = 0; i < DOCS; i++)
		free(f->doc[i].body);
	memset(f->key, 0, sizeof(f->key));
	free(f);
}

/* ---- outcomes ---- */

static void refuse(struct ctl *c, enum ctl_sync_reason r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void refuse(struct ctl *c, enum ctl_sync_reason r, const char *fmt, ...)
{
	struct ctl_sync *s = c->sync;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	snprintf(s->result, sizeof(s->result), "refused");
	s->reason = (int)r;
	s->failures[r]++;
	ctl_events_add(c->events, ctl_wall_ns(), "sync-refused", NULL,
		       "%s; the running configuration is unchanged", s->why);
}

/* Reads the API key: the file's first line. */
static int read_key(const char *path, char *key, size_t len)
{
	FILE *f = fopen(path, "re");
	int rc = 0;

	if (f == NULL)
		return -errno;
	if (fgets(key, (int)len, f) == NULL)
		rc = ferror(f) ? -EIO : -ENODATA;
	fclose(f);
	if (rc == 0) {
		key[strcspn(key, "\r\n")] = '\0';
		/* A header line cannot carry control characters. */
		for (const char *p = key; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return -EINVAL;
		if (key[0] == '\0')
			rc = -ENODATA;
	}
	return rc;
}

static void start_fetch(struct ctl *c, const char *trigger)
{
	struct ctl_sync *s = c->sync;
	struct fetch *f = calloc(1, sizeof(*f));
	int rc;

	s->attempts++;
	s->last_attempt = (int64_t)time(NULL);
	snprintf(s->trigger, sizeof(s->trigger), "%s", trigger);
	if (f == NULL) {
		refuse(c, CTL_SYNC_FETCH, "out of memory");
		return;
	}
	if (s->cfg.api_key_file[0] != '\0' &&
	    (rc = read_key(s->cfg.api_key_file, f->key, sizeof(f->key))) != 0) {
		refuse(c, CTL_SYNC_KEY, "cannot read the API key from %s: %s", s->cfg.api_key_file,
		       rc == -ENODATA ? "empty file" : strerror(-rc));
		fetch_free(f);
		return;
	}
	snprintf(f->url[DOC_VLANS], sizeof(f->url[0]), "%s", s->cfg.vlans_url);
	snprintf(f->url[DOC_IFACES], sizeof(f->url[0]), "%s", s->cfg.interfaces_url);
	snprintf(f->ca_file, sizeof(f->ca_file), "%s", s->cfg.ca_file);
	f->timeout_s = (long)s->cfg.timeout_s;
	f->stop = &s->stop;
	s->f = f;
	atomic_store(&s->done, false);
	rc = pthread_create(&s->thread, NULL, fetch_thread, s);
	if (rc != 0) {
		s->f = NULL;
		fetch_free(f);
		refuse(c, CTL_SYNC_FETCH, "cannot start the fetch: %s", strerror(rc));
		return;
	}
	s->busy = true;
}

/* Why a finished fetch failed, as a reason and a sentence; false if it did not. */
static bool fetch_failed(struct ctl *c, const struct fetch *f)
{
	const char *url, *what;

	if (f->failed < 0)
		return false;
	url = f->url[f->failed];
	what = doc_names[f->failed];
	switch (f->rc) {
	case CURLE_OK:
		refuse(c, CTL_SYNC_HTTP, "%s document: HTTP status %ld from %s", what,
		       f->doc[f->failed].status, url);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		refuse(c, CTL_SYNC_TIMEOUT, "%s document: no complete answer from %s within %ld s",
		       what, url, f->timeout_s);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
		refuse(c, CTL_SYNC_TLS, "%s document: TLS with %s failed: %s", what, url,
		       f->err[0] ? f->err : curl_easy_strerror(f->rc));
		break;
	case CURLE_PARTIAL_FILE:
		refuse(c, CTL_SYNC_INCOMPLETE, "%s document: the transfer from %s ended early (%s)",
		       what, url, f->err[0] ? f->err : curl_easy_strerror(f->rc));
		break;
	case CURLE_WRITE_ERROR:
		refuse(c, CTL_SYNC_FETCH, "%s document from %s: %s", what, url,
		       f->doc[f->failed].too_big ? "larger than 64 MiB" : "out of memory");
		break;
	default:
		refuse(c, CTL_SYNC_FETCH, "%s document: cannot fetch %s: %s", what, url,
		       f->err[0] ? f->err : curl_easy_strerror(f->rc));
		break;
	}
	return true;
}

/* How many of a's members (by ASN) and ports (by name) b lacks. */
static void removals(const struct fab_model *a, const struct fab_model *b, size_t *members,
		     size_t *ports)
{
	*members = *ports = 0;
	for (size_t i = 0; i < a->nmembers; i++)
		*members += fab_model_member_by_asn(b, a->members[i].asn) < 0;
	for (size_t i = 0; i < a->nports; i++)
		*ports += fab_model_port_by_name(b, a->ports[i].name) < 0;
}

static bool over(size_t removed, size_t total, uint32_t pct)
{
	return total > 0 && removed * 100 > (size_t)pct * total;
}

/* Applies m through the path of `config apply`; records the outcome. */
static int apply(struct ctl *c, struct fab_model *m, json_t **out)
{
	struct ctl_sync *s = c->sync;
	const struct fab_model *run = c->running;
	size_t gone_m, gone_p, new_m, new_p, lines = 0;
	char source[FAB_URL_MAX + 32];
	json_t *diff, *l;
	size_t i;
	int rc;

	removals(run, m, &gone_m, &gone_p);
	removals(m, run, &new_m, &new_p);
	snprintf(source, sizeof(source), "IXP Manager %s", s->cfg.interfaces_url);
	rc = ctl_apply_model(c, m, source, "an IXP Manager sync", 0, out);
	if (rc != 0) {
		const char *e = json_string_value(json_object_get(*out, "error"));

		refuse(c, CTL_SYNC_APPLY, "%s", e ? e : strerror(-rc));
		return rc;
	}
	s->last_success = (int64_t)time(NULL);
	s->reason = -1;
	s->why[0] = '\0';
	if (json_is_true(json_object_get(*out, "unchanged"))) {
		snprintf(s->result, sizeof(s->result), "unchanged");
		return 0;
	}
	snprintf(s->result, sizeof(s->result), "applied");
	diff = json_object_get(*out, "diff");
	json_decref(s->last_diff);
	s->last_diff = json_incref(diff);
	s->last_applied = s->last_success;
	/* The change itself, line by line, in the log; the summary as an event. */
	json_array_foreach(diff, i, l)
	{
		const char *t = json_string_value(l);

		if (t != NULL && (t[0] == '+' || t[0] == '-') && strncmp(t, "+++", 3) != 0 &&
		    strncmp(t, "---", 3) != 0) {
			lines++;
			if (lines <= 500)
				ctl_log("sync: %s", t);
		}
	}
	ctl_events_add(c->events, ctl_wall_ns(), "sync", NULL,
		       "applied from IXP Manager (%s): %zu lines changed; members +%zu -%zu, "
		       "ports +%zu -%zu",
		       s->trigger, lines, new_m, gone_m, new_p, gone_p);
	return 0;
}

/* The fetched documents, through the map, to a configuration; NULL (refused) if they fail. */
static struct fab_model *import(struct ctl *c, struct fetch *f)
{
	struct ctl_sync *s = c->sync;
	const char *dir = c->running->mgmt.state_dir;
	char path[DOCS][FAB_PATH_MAX + 32];
	struct fab_config_errors e = {0};
	struct fab_import_files files = {.format = FAB_IMPORT_IXP_MANAGER, .map = s->cfg.map};
	struct fab_model *m;
	bool cut = false;
	int rc;

	/* Kept where the operator can read what was fetched last. */
	(void)mkdir(dir, 0750);
	for (int i = 0; i < DOCS; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/sync-%s.yaml", dir, doc_names[i]);
		rc = ctl_write_atomic(path[i], f->doc[i].body ? f->doc[i].body : "", f->doc[i].len);
		if (rc != 0) {
			refuse(c, CTL_SYNC_CHECK, "cannot write %s: %s", path[i], strerror(-rc));
			return NULL;
		}
	}
	files.vlans = path[DOC_VLANS];
	files.interfaces = path[DOC_IFACES];
	m = fab_import(&files, &e, NULL);
	if (m == NULL) {
		s->errors = json_array();
		for (size_t i = 0; i < e.n; i++) {
			cut |= strstr(e.v[i].msg, "end marker") != NULL;
			if (i < SYNC_ERRS_MAX)
				json_array_append_new(s->errors,
						      ctl_error_entry(e.v[i].file, e.v[i].line,
								      e.v[i].col, e.v[i].msg));
		}
		if (cut)
			refuse(c, CTL_SYNC_INCOMPLETE,
			       "a document has no YAML end marker '...': it was cut short");
		else
			refuse(c, CTL_SYNC_CHECK, "the documents fail the import: %zu error%s, %s",
			       e.n, e.n == 1 ? "" : "s", e.n ? e.v[0].msg : "");
		fab_config_errors_clear(&e);
		return NULL;
	}
	/* Management settings are read at start; the running ones stay. */
	m->mgmt = c->running->mgmt;
	return m;
}

static void finish_fetch(struct ctl *c)
{
	struct ctl_sync *s = c->sync;
	struct fetch *f = s->f;
	struct fab_model *m;
	size_t gone_m, gone_p;
	json_t *out = NULL;

	pthread_join(s->thread, NULL);
	s->busy = false;
	s->f = NULL;
	/* Only the newest document may be accepted, and only its errors shown. */
	fab_model_destroy(s->pending);
	s->pending = NULL;
	json_decref(s->errors);
	s->errors = NULL;
	if (fetch_failed(c, f) || (m = import(c, f)) == NULL) {
		fetch_free(f);
		return;
	}
	fetch_free(f);
	removals(c->running, m, &gone_m, &gone_p);
	if (over(gone_m, c->running->nmembers, s->cfg.max_removal_pct) ||
	    over(gone_p, c->running->nports, s->cfg.max_removal_pct)) {
		fab_model_destroy(s->pending);
		s->pending = m;
		s->pending_base = c->running_digest;
		snprintf(s->pending_why, sizeof(s->pending_why),
			 "would remove %zu of %zu members and %zu of %zu ports (more than %u%%)",
			 gone_m, c->running->nmembers, gone_p, c->running->nports,
			 s->cfg.max_removal_pct);
		refuse(c, CTL_SYNC_GUARD, "the document %s; `config sync accept` applies it",
		       s->pending_why);
		return;
	}
	apply(c, m, &out);
	json_decref(out);
}

/* ---- the loop's side ---- */

int ctl_sync_init(struct ctl *c)
{
	const struct fab_sync *cfg = &c->running->mgmt.sync;
	struct ctl_sync *s;

	if (cfg->vlans_url[0] == '\0')
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		curl_global_cleanup();
		return -ENOMEM;
	}
	s->cfg = *cfg;
	s->reason = -1;
	snprintf(s->result, sizeof(s->result), "never");
	atomic_init(&s->done, false);
	atomic_init(&s->stop, false);
	/* The first sync soon after start, then on the interval. */
	s->next_ns = ctl_now_ns() + 1000000000ULL;
	c->sync = s;
	return 0;
}

void ctl_sync_fini(struct ctl *c)
{
	struct ctl_sync *s = c->sync;

	if (s == NULL)
		return;
	if (s->busy) {
		atomic_store(&s->stop, true);
		pthread_join(s->thread, NULL);
		fetch_free(s->f);
	}
	fab_model_destroy(s->pending);
	json_decref(s->errors);
	json_decref(s->last_diff);
	free(s);
	c->sync = NULL;
	curl_global_cleanup();
}

void ctl_sync_tick(struct ctl *c, uint64_t now_ns)
{
	struct ctl_sync *s = c->sync;

	if (s == NULL)
		return;
	if (s->busy) {
		if (atomic_load(&s->done))
			finish_fetch(c);
		return;
	}
	if (s->requested) {
		s->requested = false;
		start_fetch(c, "config sync now");
	} else if (s->cfg.interval_s != 0 && now_ns >= s->next_ns) {
		start_fetch(c, "interval");
	} else {
		return;
	}
	if (s->cfg.interval_s != 0)
		s->next_ns = now_ns + (uint64_t)s->cfg.interval_s * 1000000000ULL;
}

static json_t *time_json(int64_t t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *show(const struct ctl *c)
{
	const struct ctl_sync *s = c->sync;
	json_t *o = json_object(), *fail = json_object();

	json_object_set_new(o, "vlans", json_string(s->cfg.vlans_url));
	json_object_set_new(o, "interfaces", json_string(s->cfg.interfaces_url));
	json_object_set_new(o, "map", json_string(s->cfg.map));
	json_object_set_new(o, "ca_file",
			    json_string(s->cfg.ca_file[0] ? s->cfg.ca_file : "(the system's CAs)"));
	json_object_set_new(o, "interval_s", json_integer(s->cfg.interval_s));
	json_object_set_new(o, "max_removal_pct", json_integer(s->cfg.max_removal_pct));
	json_object_set_new(o, "state", json_string(s->busy ? "fetching" : "idle"));
	json_object_set_new(o, "attempts", json_integer((json_int_t)s->attempts));
	json_object_set_new(o, "last_attempt", time_json(s->last_attempt));
	json_object_set_new(o, "last_success", time_json(s->last_success));
	json_object_set_new(o, "result", json_string(s->result));
	if (s->reason >= 0) {
		json_object_set_new(o, "reason", json_string(reason_names[s->reason]));
		json_object_set_new(o, "reason_help", json_string(reason_help[s->reason]));
		json_object_set_new(o, "why", json_string(s->why));
	}
	if (s->errors != NULL)
		json_object_set_new(o, "errors", json_incref(s->errors));
	if (s->pending != NULL)
		json_object_set_new(o, "pending", json_string(s->pending_why));
	json_object_set_new(o, "last_applied", time_json(s->last_applied));
	if (s->last_diff != NULL)
		json_object_set_new(o, "last_diff", json_incref(s->last_diff));
	for (int i = 0; i < CTL_SYNC__COUNT; i++)
		json_object_set_new(fail, reason_names[i],
				    json_integer((json_int_t)s->failures[i]));
	json_object_set_new(o, "failures", fail);
	return o;
}

int ctl_sync_cmd(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	struct ctl_sync *s = c->sync;
	struct fab_model *m;

	if (s == NULL)
		return ctl_error(out, -ENOENT,
				 "no sync configured (management.sync in the start configuration)");
	switch (r->cmd) {
	case CTL_SHOW_SYNC:
		*out = show(c);
		return 0;
	case CTL_CONFIG_SYNC_NOW:
		if (s->busy)
			return ctl_error(out, -EBUSY,
					 "a sync is under way (since %s); see show sync",
					 s->trigger);
		s->requested = true;
		*out = json_object();
		json_object_set_new(*out, "started", json_true());
		return 0;
	case CTL_CONFIG_SYNC_ACCEPT:
		if (s->pending == NULL)
			return ctl_error(out, -ENOENT, "no sync is waiting to be accepted");
		if (s->pending_base != c->running_digest) {
			fab_model_destroy(s->pending);
			s->pending = NULL;
			return ctl_error(out, -ESTALE,
					 "the running configuration changed since that sync; run "
					 "`config sync now` again");
		}
		m = s->pending;
		s->pending = NULL;
		snprintf(s->trigger, sizeof(s->trigger), "config sync accept");
		return apply(c, m, out);
	default:
		return ctl_error(out, -EINVAL, "not a sync command");
	}
}

void ctl_sync_metrics(const struct ctl *c, FILE *out)
{
	const struct ctl_sync *s = c->sync;

	if (s == NULL)
		return;
	ctl_metrics_family(out, "peerlan_sync_last_success_timestamp_seconds", "gauge",
			   "Unix time of the last sync from IXP Manager that applied its document "
			   "or found it unchanged; 0 if none since control started");
	fprintf(out, "peerlan_sync_last_success_timestamp_seconds %lld\n",
		(long long)s->last_success);
	ctl_metrics_family(out, "peerlan_sync_failures_total", "counter",
			   "Syncs from IXP Manager that changed nothing, by reason");
	for (int i = 0; i < CTL_SYNC__COUNT; i++) {
		fprintf(out, "peerlan_sync_failures_total{reason=\"%s\"} %llu\n", reason_names[i],
			(unsigned long long)s->failures[i]);
	}
}
