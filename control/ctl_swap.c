/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MAC swap windows: `port NAME allow-mac MAC for DURATION` adds MAC to the
 * port member's bindings on that port as a change of the running
 * configuration (validated, pushed, shown by `show config`), and takes it
 * out again at expiry. The saved configuration never holds a window's MAC,
 * so a restarted control starts with the window closed rather than with a
 * MAC nobody will remove.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_int.h"

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
		json_object_set_new(*out, "errors", json_array());
		for (size_t k = 0; k < e.n; k++)
			json_array_append_new(json_object_get(*out, "errors"),
					      json_string(e.v[k].msg));
		fab_config_errors_clear(&e);
		return rc;
	}
	/* Open before the commit, so that what it saves leaves the MAC out. */
	w = &c->swaps[c->nswaps++];
	snprintf(w->port, sizeof(w->port), "%s", r->port);
	w->mac = r->mac;
	w->until_ns = ctl_now_ns() + (uint64_t)r->duration_s * 1000000000ULL;
	rc = ctl_commit(c, m, err, sizeof(err));
	if (rc != 0 && rc != -EIO) {
		c->nswaps--;
		return ctl_error(out, rc, "%s", err);
	}
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
	c->nswaps = 0;
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
