/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The member-to-member traffic matrix on the control side: read from the
 * dataplane (MATRIX_GET, page by page), kept sorted with the read before it
 * for rates, and given out three ways: `show traffic`, the Prometheus page
 * /metrics/p2p and a JSON-lines file per interval for portals. Counters
 * are the dataplane's, absolute and monotonic for its life; its start time
 * travels with them, so a restart shows as a new start and, in the file,
 * as a discontinuity.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl_int.h"
#include "ctl_metrics.h"
#include "ctl_persist.h"
#include "fabric/matrix.h"

#define P2P_FILE     "p2p.jsonl"
#define RATE_BASE_NS 1000000000ULL /* rates over at least a second */

/* One read of the whole matrix, sorted by fab_matrix_cmp. */
struct read {
	struct fab_mx_ent *e;
	size_t n, cap;
	uint64_t t_ns;       /* control's clock when read */
	uint64_t wall_s;     /* and the time of day */
	uint64_t start_time; /* the dataplane's start, seconds since the epoch */
	uint64_t lost_frames, lost_bytes;
	bool valid;
};

struct ctl_p2p {
	struct read cur, prev, next; /* newest, the one rates start from, being read */
	struct read exported;        /* what the last file held, for its deltas */
	int err;                     /* of the last read */
	char why[160];
	uint64_t next_export_ns;
	uint64_t restarts; /* dataplane start times seen change */
	/* The dataplane counts no matrix (started without --matrix): not asked
	 * again until control connects to it anew (ctl.connects changes). */
	bool off;
	uint64_t off_connects;
};

#define MATRIX_OFF_MSG "the dataplane counts no matrix: start it with --matrix"

static const char *const afi_names[FAB_AFI__COUNT] = {"ipv4", "ipv6", "other"};

int ctl_p2p_init(struct ctl *c)
{
	c->p2p = calloc(1, sizeof(*c->p2p));
	return c->p2p != NULL ? 0 : -ENOMEM;
}

void ctl_p2p_fini(struct ctl *c)
{
	if (c->p2p == NULL)
		return;
	free(c->p2p->cur.e);
	free(c->p2p->prev.e);
	free(c->p2p->next.e);
	free(c->p2p->exported.e);
	free(c->p2p);
	c->p2p = NULL;
}

static int append(struct read *r, const struct fab_wire_mx_page *pg)
{
	if (r->n + pg->npairs > r->cap) {
		size_t cap = r->cap ? r->cap : 1024;
		struct fab_mx_ent *e;

		while (cap < r->n + pg->npairs)
			cap *= 2;
		e = realloc(r->e, cap * sizeof(*e));
		if (e == NULL)
			return -ENOMEM;
		r->e = e;
		r->cap = cap;
	}
	for (uint32_t i = 0; i < pg->npairs; i++)
		fab_wire_mx_pair(pg, i, &r->e[r->n++]);
	return 0;
}

static void swap(struct read *a, struct read *b)
{
	struct read t = *a;

	*a = *b;
	*b = t;
}

/* Reads every page into next. 0 or a negative errno, the reason in why. */
static int read_pages(struct ctl *c, struct read *r, char *why, size_t whylen)
{
	uint32_t cursor = 0;

	r->n = 0;
	r->valid = false;
	do {
		uint32_t id = ctl_dp_next_id(c->dp);
		struct fab_wire_buf *b = ctl_dp_out(c->dp);
		struct fab_wire_mx_page pg;
		const uint8_t *p;
		size_t len;
		int rc;

		rc = ctl_dp_fetch(c, fab_wire_mx_get_encode(b, id, cursor), id, &p, &len, why,
				  whylen);
		if (rc != 0)
			return rc;
		if (fab_wire_mx_page_decode(p, len, &pg) != 0 ||
		    (pg.next != 0 && pg.next <= cursor)) {
			snprintf(why, whylen, "the dataplane sent a malformed page of the matrix");
			return -EBADMSG;
		}
		if (cursor == 0) {
			r->start_time = pg.start_time;
			r->lost_frames = pg.lost_frames;
			r->lost_bytes = pg.lost_bytes;
		}
		rc = append(r, &pg);
		if (rc != 0) {
			snprintf(why, whylen, "out of memory");
			return rc;
		}
		cursor = pg.next;
	} while (cursor != 0);
	qsort(r->e, r->n, sizeof(r->e[0]), fab_matrix_cmp);
	r->t_ns = ctl_now_ns();
	r->wall_s = ctl_wall_ns() / 1000000000ULL;
	r->valid = true;
	return 0;
}

int ctl_p2p_read(struct ctl *c)
{
	struct ctl_p2p *x = c->p2p;
	int rc;

	if (!ctl_dp_connected(c))
		return -ENOTCONN;
	if (x->off && x->off_connects == c->connects)
		return -ENOTSUP;
	x->off = false;
	rc = read_pages(c, &x->next, x->why, sizeof(x->why));
	x->err = rc;
	if (rc == -ENOTSUP) {
		/* Said once per connection; the counts of a dataplane before are gone. */
		x->off = true;
		x->off_connects = c->connects;
		x->cur.valid = false;
		x->prev.valid = false;
		snprintf(x->why, sizeof(x->why), MATRIX_OFF_MSG);
		ctl_log("traffic matrix: %s; not asked for again until the dataplane reconnects",
			MATRIX_OFF_MSG);
	}
	if (rc != 0)
		return rc;
	/* A restarted dataplane counts from zero: no rate spans the restart. */
	if (x->cur.valid && x->cur.start_time != x->next.start_time) {
		x->restarts++;
		x->cur.valid = false;
		x->prev.valid = false;
	}
	if (x->cur.valid && (!x->prev.valid || x->cur.t_ns - x->prev.t_ns >= RATE_BASE_NS))
		swap(&x->prev, &x->cur);
	swap(&x->cur, &x->next);
	return 0;
}

static const struct fab_mx_ent *find(const struct read *r, const struct fab_mx_ent *key)
{
	if (!r->valid || r->n == 0)
		return NULL;
	return bsearch(key, r->e, r->n, sizeof(r->e[0]), fab_matrix_cmp);
}

/* A member's name by ASN, "" if the running configuration has none. */
static const char *member_name(const struct fab_model *m, uint32_t asn)
{
	int i = fab_model_member_by_asn(m, asn);

	return i >= 0 ? m->members[i].name : "";
}

static const char *lan_name(const struct fab_model *m, uint16_t vlan)
{
	int i = fab_model_lan_by_vlan(m, vlan);

	return i >= 0 ? m->lans[i].name : "";
}

/* ---- show traffic ---------------------------------------------------- */

struct row {
	const struct fab_mx_ent *e;
	uint64_t frames, bytes; /* in the families asked for */
	double pps, bps;        /* -1: no rate yet */
};

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->bps != y->bps)
		return x->bps < y->bps ? 1 : -1;
	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return fab_matrix_cmp(x->e, y->e);
}

static json_t *afi_json(uint64_t frames, uint64_t bytes)
{
	return json_pack("{s:I,s:I}", "frames", (json_int_t)frames, "bytes", (json_int_t)bytes);
}

static json_t *row_json(const struct fab_model *m, const struct row *r)
{
	const struct fab_mx_ent *e = r->e;
	json_t *o = json_pack("{s:s,s:i,s:I,s:s,s:I,s:s,s:I,s:I}", "lan", lan_name(m, e->vlan),
			      "vlan", (int)e->vlan, "src_asn", (json_int_t)e->src_asn, "src_name",
			      member_name(m, e->src_asn), "dst_asn", (json_int_t)e->dst_asn,
			      "dst_name", member_name(m, e->dst_asn), "frames",
			      (json_int_t)r->frames, "bytes", (json_int_t)r->bytes);

	if (o == NULL)
		return NULL;
	for (unsigned a = 0; a < FAB_AFI__COUNT; a++)
		json_object_set_new(o, afi_names[a], afi_json(e->frames[a], e->bytes[a]));
	if (r->bps >= 0) {
		json_object_set_new(o, "pps", json_real(r->pps));
		json_object_set_new(o, "bps", json_real(r->bps));
	}
	return o;
}

/* The member a request names (MEMBER: an ASN or a name); 0 for none, -1 unknown. */
static int64_t wanted_member(const struct fab_model *m, const struct ctl_request *r)
{
	if (r->member[0] == '\0')
		return r->asn != 0 ? (int64_t)r->asn : 0;
	for (size_t i = 0; i < m->nmembers; i++)
		if (strcmp(m->members[i].name, r->member) == 0)
			return m->members[i].asn;
	return -1;
}

int ctl_show_traffic(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	struct ctl_p2p *x = c->p2p;
	const struct fab_model *m = c->running;
	int64_t asn = wanted_member(m, r);
	struct row *rows;
	size_t n = 0;
	double dt;
	uint64_t tf = 0, tb = 0;
	double tpps = 0, tbps = 0;
	bool rated;
	json_t *pairs;

	if (asn < 0)
		return ctl_error(out, -ENOENT, "no member %s", r->member);
	if (ctl_dp_connected(c))
		(void)ctl_p2p_read(c);
	if (x->off)
		return ctl_error(out, -ENOTSUP, MATRIX_OFF_MSG);
	if (!x->cur.valid && x->err != 0)
		return ctl_error(out, x->err ? x->err : -ENOTCONN, "traffic matrix: %s",
				 x->why[0] ? x->why : "not read yet");
	if (!x->cur.valid)
		return ctl_error(out, -ENOTCONN, "traffic matrix: not read yet");
	rated = x->prev.valid && x->cur.t_ns > x->prev.t_ns;
	dt = rated ? (double)(x->cur.t_ns - x->prev.t_ns) / 1e9 : 0;
	rows = calloc(x->cur.n ? x->cur.n : 1, sizeof(*rows));
	if (rows == NULL)
		return ctl_error(out, -ENOMEM, "out of memory");
	for (size_t i = 0; i < x->cur.n; i++) {
		const struct fab_mx_ent *e = &x->cur.e[i], *p = find(&x->prev, e);
		struct row *w = &rows[n];
		uint64_t pf = 0, pb = 0;

		if (asn != 0 && e->src_asn != asn && e->dst_asn != asn)
			continue;
		w->e = e;
		for (unsigned a = 0; a < FAB_AFI__COUNT; a++) {
			if ((r->family == 4 && a != FAB_AFI_IPV4) ||
			    (r->family == 6 && a != FAB_AFI_IPV6))
				continue;
			w->frames += e->frames[a];
			w->bytes += e->bytes[a];
			pf += p != NULL ? p->frames[a] : 0;
			pb += p != NULL ? p->bytes[a] : 0;
		}
		if (w->frames == 0)
			continue;
		w->pps = rated ? (double)(w->frames - pf) / dt : -1;
		w->bps = rated ? (double)(w->bytes - pb) * 8 / dt : -1;
		tf += w->frames;
		tb += w->bytes;
		tpps += rated ? w->pps : 0;
		tbps += rated ? w->bps : 0;
		n++;
	}
	qsort(rows, n, sizeof(rows[0]), row_cmp);
	pairs = json_array();
	for (size_t i = 0; i < n && (r->top == 0 || i < r->top); i++)
		json_array_append_new(pairs, row_json(m, &rows[i]));
	free(rows);
	*out = json_pack("{s:o,s:I,s:I,s:I,s:I,s:I}", "pairs", pairs, "pair_count", (json_int_t)n,
			 "dataplane_start", (json_int_t)x->cur.start_time, "time",
			 (json_int_t)x->cur.wall_s, "lost_frames", (json_int_t)x->cur.lost_frames,
			 "lost_bytes", (json_int_t)x->cur.lost_bytes);
	if (*out == NULL)
		return -ENOMEM;
	json_object_set_new(
	    *out, "total",
	    json_pack("{s:I,s:I}", "frames", (json_int_t)tf, "bytes", (json_int_t)tb));
	if (rated) {
		json_object_set_new(json_object_get(*out, "total"), "pps", json_real(tpps));
		json_object_set_new(json_object_get(*out, "total"), "bps", json_real(tbps));
		json_object_set_new(*out, "rate_interval_s", json_real(dt));
	}
	if (asn != 0)
		json_object_set_new(*out, "member", json_integer(asn));
	if (r->family != 0)
		json_object_set_new(*out, "family", json_string(r->family == 4 ? "ipv4" : "ipv6"));
	return 0;
}

/* ---- /metrics/p2p ---------------------------------------------------- */

static void series(FILE *out, const char *name, const struct fab_model *m,
		   const struct fab_mx_ent *e, unsigned a, uint64_t v)
{
	fprintf(out, "%s{lan=\"", name);
	ctl_metrics_label(out, lan_name(m, e->vlan));
	fprintf(out, "\",src_asn=\"%u\",dst_asn=\"%u\",afi=\"%s\"} %llu\n", e->src_asn, e->dst_asn,
		afi_names[a], (unsigned long long)v);
}

int ctl_p2p_metrics(struct ctl *c, FILE *out)
{
	struct ctl_p2p *x = c->p2p;
	const struct fab_model *m = c->running;
	static const struct {
		const char *name, *help;
		bool bytes;
	} fam[] = {
	    {"peerlan_p2p_bytes_total",
	     "Bytes forwarded from one member to another on a LAN, by EtherType family, exact "
	     "(every frame), as they left the fabric",
	     true},
	    {"peerlan_p2p_frames_total",
	     "Frames forwarded from one member to another on a LAN, by EtherType family, exact",
	     false},
	};

	if (ctl_dp_connected(c))
		(void)ctl_p2p_read(c);
	if (x->off || x->cur.valid) {
		ctl_metrics_family(out, "peerlan_p2p_matrix_enabled", "gauge",
				   "1 if the dataplane counts the member-to-member matrix, 0 if "
				   "it was started without --matrix (then no other series)");
		fprintf(out, "peerlan_p2p_matrix_enabled %d\n", x->off ? 0 : 1);
	}
	if (!x->cur.valid)
		return ferror(out) ? -EIO : 0; /* no pair series: the matrix is absent */
	ctl_metrics_family(out, "peerlan_p2p_dataplane_start_time_seconds", "gauge",
			   "Start of the dataplane whose counters these are: a new value is a "
			   "restart, after which every pair counts from zero");
	fprintf(out, "peerlan_p2p_dataplane_start_time_seconds %llu\n",
		(unsigned long long)x->cur.start_time);
	ctl_metrics_family(out, "peerlan_p2p_pairs", "gauge",
			   "Member pairs that have carried traffic since the dataplane started");
	fprintf(out, "peerlan_p2p_pairs %zu\n", x->cur.n);
	ctl_metrics_family(out, "peerlan_p2p_lost_frames_total", "counter",
			   "Forwarded frames of pairs the dataplane's matrix had no room for "
			   "(--matrix-slots); counted under no pair");
	fprintf(out, "peerlan_p2p_lost_frames_total %llu\n",
		(unsigned long long)x->cur.lost_frames);
	for (size_t k = 0; k < sizeof(fam) / sizeof(fam[0]); k++) {
		ctl_metrics_family(out, fam[k].name, "counter", fam[k].help);
		for (size_t i = 0; i < x->cur.n; i++) {
			const struct fab_mx_ent *e = &x->cur.e[i];

			for (unsigned a = 0; a < FAB_AFI__COUNT; a++)
				if (e->frames[a] != 0)
					series(out, fam[k].name, m, e, a,
					       fam[k].bytes ? e->bytes[a] : e->frames[a]);
		}
	}
	return ferror(out) ? -EIO : 0;
}

/* ---- the file per interval ------------------------------------------- */

static void file_path(const struct fab_model *m, char *buf, size_t len)
{
	if (m->mgmt.p2p_file[0] != '\0')
		snprintf(buf, len, "%s", m->mgmt.p2p_file);
	else
		snprintf(buf, len, "%s/%s", m->mgmt.state_dir, P2P_FILE);
}

/*
 * One line per pair: absolute counters and what they grew by since the
 * last file. discontinuity: the pair's counts did not come from the same
 * dataplane as the last file's (a restart), so the delta is the absolute.
 */
static int write_records(struct ctl *c, FILE *f, uint64_t interval_s)
{
	struct ctl_p2p *x = c->p2p;
	const struct fab_model *m = c->running;
	bool same = x->exported.valid && x->exported.start_time == x->cur.start_time;

	for (size_t i = 0; i < x->cur.n; i++) {
		const struct fab_mx_ent *e = &x->cur.e[i], *p = same ? find(&x->exported, e) : NULL;
		json_t *o = json_pack("{s:I,s:I,s:I,s:s,s:i,s:I,s:I,s:b}", "time",
				      (json_int_t)x->cur.wall_s, "interval_s",
				      (json_int_t)interval_s, "dataplane_start",
				      (json_int_t)x->cur.start_time, "lan", lan_name(m, e->vlan),
				      "vlan", (int)e->vlan, "src_asn", (json_int_t)e->src_asn,
				      "dst_asn", (json_int_t)e->dst_asn, "discontinuity", !same);
		json_t *tot = json_object(), *delta = json_object();
		char *line;

		for (unsigned a = 0; a < FAB_AFI__COUNT; a++) {
			json_object_set_new(tot, afi_names[a], afi_json(e->frames[a], e->bytes[a]));
			json_object_set_new(delta, afi_names[a],
					    afi_json(e->frames[a] - (p ? p->frames[a] : 0),
						     e->bytes[a] - (p ? p->bytes[a] : 0)));
		}
		json_object_set_new(o, "total", tot);
		json_object_set_new(o, "delta", delta);
		line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		if (line == NULL)
			return -ENOMEM;
		fputs(line, f);
		fputc('\n', f);
		free(line);
	}
	return ferror(f) ? -EIO : 0;
}

/* Keeps what the file now holds, for the next one's deltas. */
static int keep_exported(struct ctl_p2p *x)
{
	struct read *e = &x->exported;

	if (e->cap < x->cur.n) {
		struct fab_mx_ent *n = realloc(e->e, x->cur.n * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		e->e = n;
		e->cap = x->cur.n;
	}
	if (x->cur.n > 0)
		memcpy(e->e, x->cur.e, x->cur.n * sizeof(*e->e));
	e->n = x->cur.n;
	e->t_ns = x->cur.t_ns;
	e->start_time = x->cur.start_time;
	e->valid = true;
	return 0;
}

/* Writes the file beside and renames it over (ctl_write_atomic): a reader
 * sees one whole interval. */
static int export_file(struct ctl *c, uint64_t interval_s)
{
	char path[FAB_PATH_MAX + 16], *body = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	file_path(c->running, path, sizeof(path));
	if (c->running->mgmt.p2p_file[0] == '\0')
		(void)mkdir(c->running->mgmt.state_dir, 0750);
	f = open_memstream(&body, &len);
	if (f == NULL)
		return -errno;
	rc = write_records(c, f, interval_s);
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rc == 0)
		rc = ctl_write_atomic(path, body, len);
	free(body);
	return rc != 0 ? rc : keep_exported(c->p2p);
}

void ctl_p2p_tick(struct ctl *c, uint64_t now)
{
	struct ctl_p2p *x = c->p2p;
	uint32_t interval = c->running->mgmt.p2p_interval_s;
	int rc;

	if (ctl_p2p_read(c) != 0 || interval == 0)
		return;
	if (x->next_export_ns == 0)
		x->next_export_ns = now + (uint64_t)interval * 1000000000ULL;
	if (now < x->next_export_ns)
		return;
	x->next_export_ns = now + (uint64_t)interval * 1000000000ULL;
	rc = export_file(c, interval);
	if (rc != 0)
		ctl_log("traffic matrix: cannot write the interval's file: %s", strerror(-rc));
}
