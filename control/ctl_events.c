/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_events.h"
#include "ctl_persist.h"
#include "fabric/model.h"
#include "sanitize.h"

struct ctl_event {
	uint64_t wall_ns;
	char type[CTL_EVENT_TYPE];
	char port[FAB_NAME_MAX];
	char text[CTL_EVENT_TEXT];
};

struct ctl_events {
	size_t max;
	size_t head; /* next slot to write */
	size_t n;
	uint64_t total;
	uint64_t saved_total; /* total at the last save or load */
	struct ctl_event *v;
};

struct ctl_events *ctl_events_create(size_t max)
{
	struct ctl_events *ev = calloc(1, sizeof(*ev));

	if (ev == NULL)
		return NULL;
	ev->max = max ? max : CTL_EVENTS_MAX;
	ev->v = calloc(ev->max, sizeof(*ev->v));
	if (ev->v == NULL) {
		free(ev);
		errno = ENOMEM;
		return NULL;
	}
	return ev;
}

void ctl_events_destroy(struct ctl_events *ev)
{
	if (ev == NULL)
		return;
	free(ev->v);
	free(ev);
}

/* RFC 3339 in UTC with milliseconds: what log collectors parse. */
static void format_time(uint64_t wall_ns, char *buf, size_t len)
{
	time_t s = (time_t)(wall_ns / 1000000000ULL);
	struct tm tm;

	if (gmtime_r(&s, &tm) == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(wall_ns % 1000000000ULL / 1000000ULL));
}

void ctl_events_add(struct ctl_events *ev, uint64_t wall_ns, const char *type, const char *port,
		    const char *fmt, ...)
{
	struct ctl_event *e = &ev->v[ev->head];
	char when[96], clean[2 * CTL_EVENT_TEXT];
	va_list ap;

	e->wall_ns = wall_ns;
	snprintf(e->type, sizeof(e->type), "%s", type);
	snprintf(e->port, sizeof(e->port), "%s", port ? port : "");
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	ev->head = (ev->head + 1) % ev->max;
	if (ev->n < ev->max)
		ev->n++;
	ev->total++;
	format_time(wall_ns, when, sizeof(when));
	fprintf(stderr, "peerlan-control: %s event %s%s%s: %s\n", when, e->type,
		e->port[0] ? " port " : "", e->port, ctl_sanitize(e->text, clean, sizeof(clean)));
}

size_t ctl_events_count(const struct ctl_events *ev)
{
	return ev->n;
}

uint64_t ctl_events_total(const struct ctl_events *ev)
{
	return ev->total;
}

json_t *ctl_events_json(const struct ctl_events *ev, const char *port)
{
	json_t *a = json_array();
	size_t first = (ev->head + ev->max - ev->n) % ev->max;

	for (size_t k = 0; a != NULL && k < ev->n; k++) {
		const struct ctl_event *e = &ev->v[(first + k) % ev->max];
		char when[96];
		json_t *o;

		if (port != NULL && strcmp(port, e->port) != 0)
			continue;
		o = json_object();
		format_time(e->wall_ns, when, sizeof(when));
		json_object_set_new(o, "time", json_string(when));
		json_object_set_new(o, "type", json_string(e->type));
		json_object_set_new(o, "port", e->port[0] ? json_string(e->port) : json_null());
		json_object_set_new(o, "text", json_string(e->text));
		json_array_append_new(a, o);
	}
	return a;
}

bool ctl_events_dirty(const struct ctl_events *ev)
{
	return ev->total != ev->saved_total;
}

int ctl_events_save(struct ctl_events *ev, const char *path)
{
	json_t *root = json_object(), *a = json_array();
	size_t n = ev->n < CTL_EVENTS_SAVED ? ev->n : CTL_EVENTS_SAVED;
	size_t first = (ev->head + ev->max - n) % ev->max;
	char *text;
	int rc;

	if (root == NULL || a == NULL) {
		json_decref(root);
		json_decref(a);
		return -ENOMEM;
	}
	for (size_t k = 0; k < n; k++) {
		const struct ctl_event *e = &ev->v[(first + k) % ev->max];

		json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s}", "wall_ns",
						   (json_int_t)e->wall_ns, "type", e->type, "port",
						   e->port, "text", e->text));
	}
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "total", json_integer((json_int_t)ev->total));
	json_object_set_new(root, "events", a);
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (text == NULL)
		return -ENOMEM;
	rc = ctl_write_atomic(path, text, strlen(text));
	free(text);
	if (rc == 0)
		ev->saved_total = ev->total;
	return rc;
}

/* One saved event into e; false if it is not one. */
static bool event_of(const json_t *o, struct ctl_event *e)
{
	json_int_t wall = 0;
	const char *type = NULL, *port = NULL, *text = NULL;

	if (json_unpack((json_t *)o, "{s:I,s:s,s:s,s:s}", "wall_ns", &wall, "type", &type, "port",
			&port, "text", &text) != 0 ||
	    wall < 0 || strlen(type) >= sizeof(e->type) || strlen(port) >= sizeof(e->port) ||
	    strlen(text) >= sizeof(e->text))
		return false;
	e->wall_ns = (uint64_t)wall;
	snprintf(e->type, sizeof(e->type), "%s", type);
	snprintf(e->port, sizeof(e->port), "%s", port);
	snprintf(e->text, sizeof(e->text), "%s", text);
	return true;
}

int ctl_events_load(struct ctl_events *ev, const char *path, char *why, size_t whylen)
{
	json_error_t err;
	json_t *root, *a, *o;
	json_int_t total;
	size_t i, n;

	ev->head = ev->n = 0;
	ev->total = ev->saved_total = 0;
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		if (access(path, F_OK) != 0 && errno == ENOENT)
			return 0;
		snprintf(why, whylen, "%s:%d: %s", path, err.line, err.text);
		return -EINVAL;
	}
	a = json_object_get(root, "events");
	total = json_integer_value(json_object_get(root, "total"));
	n = json_array_size(a);
	if (json_integer_value(json_object_get(root, "version")) != 1 || !json_is_array(a) ||
	    total < (json_int_t)n) {
		snprintf(why, whylen, "%s: not a version 1 event list", path);
		json_decref(root);
		return -EINVAL;
	}
	/* The newest that fit, oldest first, as they were added. */
	json_array_foreach(a, i, o)
	{
		if (!event_of(o, &ev->v[ev->head])) {
			snprintf(why, whylen, "%s: event %zu is not an event", path, i + 1);
			ev->head = ev->n = 0;
			json_decref(root);
			return -EINVAL;
		}
		ev->head = (ev->head + 1) % ev->max;
		if (ev->n < ev->max)
			ev->n++;
	}
	ev->total = ev->saved_total = (uint64_t)total;
	json_decref(root);
	return 0;
}
