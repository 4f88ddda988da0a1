/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MAC swap windows: `port NAME allow-mac MAC for DURATION` adds MAC to the
 * port member's bindings on that port as a change of the running
 * configuration (validated, pushed, shown by `show config`), and takes it
 * out again at expiry. The saved configuration never holds a window's MAC:
 * the windows are saved on their own with their wall-clock expiry, so a
 * restarted control reopens those still open and never keeps a MAC nobody
 * will remove.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli_import.h"
#include "ctl_int.h"
#include "ctl_persist.h"
#include "sanitize.h"

/* A copy of m with mac added to (add) or removed from (!add) every binding
 * on port. NULL if nothing would change or on ENOMEM. */
static struct fab_model *with_mac(const struct fab_model *m, int port, fab_mac_t mac, bool add)
{
	struct fab_model *n;
	bool changed = false;

	if (port < 0)
		return NULL;
	n = fab_model_clone(m);
	for (size_t k = 0; n != NULL && k < n->nmembers; k++)
		for (size_t c = 0; c < n->members[k].nconns; c++) {
			struct fab_connection *cn = &n->members[k].conns[c];

			for (size_t b = 0; cn->port == (uint16_t)port && b < cn->nbindings; b++) {
				struct fab_binding *bd = &cn->bindings[b];
				size_t at = bd->nmacs;

				for (size_t i = 0; i < bd->nmacs; i++)
					if (bd->macs[i] == mac)
						at = i;
				if (add && at == bd->nmacs) {
					fab_mac_t *v =
					    realloc(bd->macs, (bd->nmacs + 1) * sizeof(*v));

					if (v == NULL) {
						fab_model_destroy(n);
						return NULL;
					}
					v[bd->nmacs++] = mac;
					bd->macs = v;
					changed = true;
				} else if (!add && at < bd->nmacs && bd->nmacs > 1) {
					memmove(&bd->macs[at], &bd->macs[at + 1],
						(bd->nmacs - at - 1) * sizeof(bd->macs[0]));
					bd->nmacs--;
					changed = true;
				}
			}
		}
	if (n != NULL && !changed) {
		fab_model_destroy(n);
		n = NULL;
	}
	return n;
}

struct fab_model *ctl_swap_strip(const struct ctl *c, const struct fab_model *m)
{
	struct fab_model *out = fab_model_clone(m);

	for (size_t i = 0; out != NULL && i < c->nswaps; i++) {
		struct fab_model *n = with_mac(out, fab_model_port_by_name(out, c->swaps[i].port),
					       c->swaps[i].mac, false);

		if (n != NULL) {
			fab_model_destroy(out);
			out = n;
		}
	}
	return out;
}

int ctl_swap_open(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	int i = fab_model_port_by_name(c->running, r->port), rc;
	struct fab_config_errors e = {0};
	struct ctl_swap_window *w;
	struct fab_model *m;
	char err[512] = "", mac[18];

	if (i < 0)
		return ctl_error(out, -ENOENT, "no such port: %s", r->port);
	if (fab_model_member_by_port(c->running, (uint16_t)i) < 0)
		return ctl_error(out, -EINVAL, "port %s has no single member to swap a router for",
				 r->port);
	if (c->nswaps == CTL_SWAPS_MAX)
		return ctl_error(out, -ENOSPC, "%d swap windows are open already", CTL_SWAPS_MAX);
	fab_mac_format(r->mac, mac, sizeof(mac));
	m = with_mac(c->running, i, r->mac, true);
	if (m == NULL)
		return ctl_error(out, -EEXIST, "%s is already allowed on port %s", mac, r->port);
	if (fab_config_recheck(m, "allow-mac", &e) != 0) {
		fab_model_destroy(m);
		rc = ctl_error(out, -EINVAL, "%s cannot be allowed on port %s; nothing changed",
			       mac, r->port);
		json_object_set_new(*out, "errors", ctl_errors_json_unplaced(&e));
		fab_config_errors_clear(&e);
		return rc;
	}
	/* Open before the commit, so that what it saves leaves the MAC out. */
	w = &c->swaps[c->nswaps++];
	snprintf(w->port, sizeof(w->port), "%s", r->port);
	w->mac = r->mac;
	w->until_ns = ctl_now_ns() + (uint64_t)r->duration_s * 1000000000ULL;
	w->until_wall_ns = ctl_wall_ns() + (uint64_t)r->duration_s * 1000000000ULL;
	rc = ctl_commit(c, m, err, sizeof(err));
	if (rc != 0 && rc != -EIO) {
		c->nswaps--;
		return ctl_error(out, rc, "%s", err);
	}
	ctl_swap_save(c);
	*out = json_object();
	json_object_set_new(*out, "port", json_string(r->port));
	json_object_set_new(*out, "mac", json_string(mac));
	json_object_set_new(*out, "for_s", json_integer(r->duration_s));
	if (rc == -EIO)
		json_object_set_new(*out, "warning", json_string(err));
	ctl_events_add(c->events, ctl_wall_ns(), "swap-open", r->port,
		       "MAC swap window: %s allowed for %u s", mac, r->duration_s);
	return 0;
}

void ctl_swap_tick(struct ctl *c, uint64_t now_ns)
{
	for (size_t i = 0; i < c->nswaps;) {
		struct ctl_swap_window *w = &c->swaps[i];
		struct fab_model *m;
		char err[512] = "", mac[18];
		int rc;

		if (now_ns < w->until_ns) {
			i++;
			continue;
		}
		fab_mac_format(w->mac, mac, sizeof(mac));
		m = with_mac(c->running, fab_model_port_by_name(c->running, w->port), w->mac,
			     false);
		/* Without a dataplane this fails and is tried again on the next turn. */
		rc = m != NULL ? ctl_commit(c, m, err, sizeof(err)) : 0;
		if (rc != 0 && rc != -EIO)
			return;
		ctl_events_add(c->events, ctl_wall_ns(), "swap-close", w->port,
			       "MAC swap window closed: %s no longer allowed", mac);
		c->swaps[i] = c->swaps[--c->nswaps];
		ctl_swap_save(c);
	}
}

void ctl_swap_forget(struct ctl *c, const char *why)
{
	for (size_t i = 0; i < c->nswaps; i++) {
		char mac[18];

		fab_mac_format(c->swaps[i].mac, mac, sizeof(mac));
		ctl_events_add(c->events, ctl_wall_ns(), "swap-close", c->swaps[i].port,
			       "MAC swap window for %s ended by %s, which decides the port's MACs",
			       mac, why);
	}
	if (c->nswaps > 0) {
		c->nswaps = 0;
		ctl_swap_save(c);
	}
}

json_t *ctl_swap_json(const struct ctl *c, const char *port)
{
	json_t *a = json_array();
	uint64_t now = ctl_now_ns();

	for (size_t i = 0; a != NULL && i < c->nswaps; i++) {
		json_t *o;
		char mac[18];

		if (strcmp(c->swaps[i].port, port) != 0)
			continue;
		o = json_object();
		fab_mac_format(c->swaps[i].mac, mac, sizeof(mac));
		json_object_set_new(o, "mac", json_string(mac));
		json_object_set_new(
		    o, "expires_in_s",
		    json_integer(
			(json_int_t)((c->swaps[i].until_ns > now ? c->swaps[i].until_ns - now : 0) /
				     1000000000ULL)));
		json_array_append_new(a, o);
	}
	return a;
}

static void swaps_path(const struct fab_model *m, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", m->mgmt.state_dir, CTL_SWAPS_FILE);
}

/* The windows into m's state directory. */
static void save_in(const struct ctl *c, const struct fab_model *m)
{
	json_t *a = json_array();
	char path[FAB_PATH_MAX + 32], mac[18], *text;
	int rc = -ENOMEM;

	for (size_t i = 0; a != NULL && i < c->nswaps; i++) {
		fab_mac_format(c->swaps[i].mac, mac, sizeof(mac));
		json_array_append_new(a, json_pack("{s:s,s:s,s:I}", "port", c->swaps[i].port, "mac",
						   mac, "until_wall_ns",
						   (json_int_t)c->swaps[i].until_wall_ns));
	}
	text = a != NULL ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	swaps_path(m, path, sizeof(path));
	if (text != NULL) {
		(void)mkdir(m->mgmt.state_dir, 0750);
		rc = ctl_write_atomic(path, text, strlen(text));
	}
	free(text);
	if (rc != 0)
		ctl_log("%s: %s; a restart of control would close the swap windows", path,
			strerror(-rc));
}

void ctl_swap_save(struct ctl *c)
{
	save_in(c, c->running);
}

/* Reopens one saved window on *m; false (and why) if it cannot be. */
static bool reopen(struct ctl *c, struct fab_model **m, const json_t *o, uint64_t now_wall,
		   char *why, size_t whylen)
{
	struct fab_config_errors e = {0};
	const char *port = NULL, *mac = NULL;
	json_int_t until = 0;
	struct ctl_swap_window *w;
	struct fab_model *n;
	fab_mac_t addr;
	int i;

	if (json_unpack((json_t *)o, "{s:s,s:s,s:I}", "port", &port, "mac", &mac, "until_wall_ns",
			&until) != 0 ||
	    strlen(port) >= sizeof(w->port) || fab_mac_parse(mac, &addr) != 0 || until < 0) {
		snprintf(why, whylen, "not a swap window");
		return false;
	}
	if ((uint64_t)until <= now_wall) {
		snprintf(why, whylen, "%s on port %s expired while control was down", mac, port);
		return false;
	}
	i = fab_model_port_by_name(*m, port);
	n = i >= 0 && fab_model_member_by_port(*m, (uint16_t)i) >= 0 ? with_mac(*m, i, addr, true)
								     : NULL;
	if (n == NULL || c->nswaps == CTL_SWAPS_MAX ||
	    fab_config_recheck(n, "allow-mac", &e) != 0) {
		snprintf(why, whylen, "%s on port %s no longer fits the configuration", mac, port);
		fab_config_errors_clear(&e);
		fab_model_destroy(n);
		return false;
	}
	fab_model_destroy(*m);
	*m = n;
	w = &c->swaps[c->nswaps++];
	snprintf(w->port, sizeof(w->port), "%s", port);
	w->mac = addr;
	w->until_wall_ns = (uint64_t)until;
	w->until_ns = ctl_now_ns() + ((uint64_t)until - now_wall);
	ctl_events_add(c->events, now_wall, "swap-open", port,
		       "MAC swap window: %s allowed again after a restart, for %llu s more", mac,
		       (unsigned long long)(((uint64_t)until - now_wall) / 1000000000ULL));
	return true;
}

struct fab_model *ctl_swap_restore(struct ctl *c, struct fab_model *m)
{
	char path[FAB_PATH_MAX + 32], why[FAB_PATH_MAX + 128];
	uint64_t now_wall = ctl_wall_ns();
	json_error_t err;
	json_t *a, *o;
	size_t i;

	swaps_path(m, path, sizeof(path));
	a = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (a == NULL) {
		char clean[2 * sizeof(err.text)];

		if (access(path, F_OK) == 0 || errno != ENOENT)
			ctl_log("%s:%d: %s; no swap window reopened", path, err.line,
				ctl_sanitize(err.text, clean, sizeof(clean)));
		return m;
	}
	if (!json_is_array(a))
		ctl_log("%s: not a list of swap windows; none reopened", path);
	json_array_foreach(a, i, o)
	{
		if (!reopen(c, &m, o, now_wall, why, sizeof(why)))
			ctl_events_add(c->events, now_wall, "swap-close",
				       json_string_value(json_object_get(o, "port")),
				       "MAC swap window not reopened: %s", why);
	}
	/* What was not reopened is said once, not at every restart. */
	if (json_array_size(a) != c->nswaps)
		save_in(c, m);
	json_decref(a);
	return m;
}
