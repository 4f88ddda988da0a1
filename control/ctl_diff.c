/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `config diff`: a unified diff of the canonical texts. The canonical form
 * writes every key in a fixed order, so a line diff shows exactly what a
 * change does, and engineers read unified diffs without a manual. Myers'
 * O(ND) algorithm runs on what is left after the common head and tail.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_int.h"

#define DIFF_CONTEXT   3
#define DIFF_D_MAX     1000  /* past this many edits, the middle is shown as replaced */
#define DIFF_LINES_MAX 20000 /* a reply must fit one message */

struct line {
	const char *s;
	size_t len;
	uint64_t h;
};

struct lines {
	struct line *v;
	size_t n;
};

static int split(const char *t, size_t len, struct lines *out)
{
	size_t n = 0, cap = 64;
	const char *end = t + len;

	out->v = malloc(cap * sizeof(*out->v));
	if (out->v == NULL)
		return -1;
	while (t < end) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		size_t l = nl ? (size_t)(nl - t) : (size_t)(end - t);

		if (n == cap) {
			struct line *v = realloc(out->v, cap * 2 * sizeof(*v));

			if (v == NULL)
				return -1;
			out->v = v;
			cap *= 2;
		}
		out->v[n].s = t;
		out->v[n].len = l;
		out->v[n].h = fab_wire_fnv1a(t, l);
		n++;
		t += l + (nl ? 1 : 0);
	}
	out->n = n;
	return 0;
}

static bool same(const struct line *a, const struct line *b)
{
	return a->h == b->h && a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/* One op per line of the edit script: '=', '-' (old line) or '+' (new line). */
struct op {
	char kind;
	size_t ai, bi;
};

struct script {
	struct op *v;
	size_t n, cap;
};

static int push(struct script *s, char kind, size_t ai, size_t bi)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct op *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = (struct op){kind, ai, bi};
	return 0;
}

/*
 * Myers' greedy algorithm on a[0..n) and b[0..m), keeping each round's
 * furthest points to walk the path back. Appends the ops in order, or
 * returns 1 when more than DIFF_D_MAX edits are needed.
 */
static int myers(const struct line *a, size_t n, const struct line *b, size_t m, size_t a0,
		 size_t b0, struct script *out)
{
	long max = (long)(n + m), off;
	long dmax = max < DIFF_D_MAX ? max : DIFF_D_MAX;
	long *v, *trace, d, found = -1;
	struct script rev = {0};
	int rc = 0;

	off = dmax + 1;
	v = calloc((size_t)(2 * off + 1), sizeof(*v));
	/* Round d keeps diagonals -d..d at trace[d * d ...]: (dmax + 1)^2 in all. */
	trace = malloc((size_t)(dmax + 1) * (size_t)(dmax + 1) * sizeof(*trace));
	if (v == NULL || trace == NULL) {
		rc = -1;
		goto out;
	}
	for (d = 0; d <= dmax && found < 0; d++) {
		for (long k = -d; k <= d; k += 2) {
			long x, y;

			if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			y = x - k;
			while (x < (long)n && y < (long)m && same(&a[x], &b[y])) {
				x++;
				y++;
			}
			v[off + k] = x;
			if (x >= (long)n && y >= (long)m) {
				found = d;
				break;
			}
		}
		memcpy(trace + d * d, v + off - d, (size_t)(2 * d + 1) * sizeof(*v));
	}
	if (found < 0) {
		rc = 1;
		goto out;
	}
	/* Walk back from (n, m), collecting ops in reverse. */
	{
		long x = (long)n, y = (long)m;

		for (d = found; d >= 0; d--) {
			/* Round d - 1's diagonal k is at vp[k]. */
			const long *vp = trace + (d - 1) * (d - 1) + (d - 1);
			long k = x - y, pk, px, py;

			if (d == 0) {
				while (x > 0 && y > 0) {
					x--;
					y--;
					rc |= push(&rev, '=', a0 + (size_t)x, b0 + (size_t)y);
				}
				break;
			}
			if (k == -d || (k != d && vp[k - 1] < vp[k + 1]))
				pk = k + 1;
			else
				pk = k - 1;
			px = vp[pk];
			py = px - pk;
			while (x > px && y > py) {
				x--;
				y--;
				rc |= push(&rev, '=', a0 + (size_t)x, b0 + (size_t)y);
			}
			if (pk == k + 1)
				rc |= push(&rev, '+', 0, b0 + (size_t)--y);
			else
				rc |= push(&rev, '-', a0 + (size_t)--x, 0);
		}
	}
	for (size_t i = rev.n; rc == 0 && i > 0; i--)
		rc |= push(out, rev.v[i - 1].kind, rev.v[i - 1].ai, rev.v[i - 1].bi);
out:
	free(rev.v);
	free(v);
	free(trace);
	return rc;
}

static json_t *line_json(char kind, const struct line *l)
{
	char *buf = malloc(l->len + 2);
	json_t *j;

	if (buf == NULL)
		return NULL;
	buf[0] = kind == '=' ? ' ' : kind;
	memcpy(buf + 1, l->s, l->len);
	buf[l->len + 1] = '\0';
	j = json_string(buf);
	free(buf);
	return j;
}

/* Hunks of the script with DIFF_CONTEXT lines around each change. */
/*
 * The section a hunk is in, shown after its @@ as diff -p shows a function:
 * the nearest line above it that opens a top-level key ("members:") or a
 * list item under one ("  - asn: 64501").
 */
static void section(const struct lines *a, size_t before, char *buf, size_t len)
{
	buf[0] = '\0';
	while (before-- > 0) {
		const struct line *l = &a->v[before];

		if (l->len > 0 &&
		    (l->s[0] != ' ' || (l->len > 4 && memcmp(l->s, "  - ", 4) == 0))) {
			snprintf(buf, len, " %.*s", (int)(l->len < 80 ? l->len : 80), l->s);
			return;
		}
	}
}

static json_t *hunks(const struct script *s, const struct lines *a, const struct lines *b)
{
	json_t *out = json_array();
	size_t i = 0;

	while (i < s->n) {
		size_t start, end, last;
		size_t a_start, b_start, na = 0, nb = 0;
		char head[192], ctx[96];

		while (i < s->n && s->v[i].kind == '=')
			i++;
		if (i == s->n)
			break;
		start = i > DIFF_CONTEXT ? i - DIFF_CONTEXT : 0;
		/* Extend while the next change is within two contexts. */
		last = i;
		for (end = i; end < s->n; end++) {
			if (s->v[end].kind != '=')
				last = end;
			else if (end - last > 2 * DIFF_CONTEXT)
				break;
		}
		end = last + DIFF_CONTEXT + 1 < s->n ? last + DIFF_CONTEXT + 1 : s->n;
		a_start = b_start = 0;
		for (size_t k = 0; k < start; k++) {
			if (s->v[k].kind != '+')
				a_start++;
			if (s->v[k].kind != '-')
				b_start++;
		}
		for (size_t k = start; k < end; k++) {
			na += s->v[k].kind != '+';
			nb += s->v[k].kind != '-';
		}
		section(a, a_start, ctx, sizeof(ctx));
		snprintf(head, sizeof(head), "@@ -%zu,%zu +%zu,%zu @@%s", a_start + 1, na,
			 b_start + 1, nb, ctx);
		if (json_array_size(out) >= DIFF_LINES_MAX) {
			json_array_append_new(out, json_string("... (diff cut short)"));
			break;
		}
		json_array_append_new(out, json_string(head));
		for (size_t k = start; k < end; k++) {
			const struct op *o = &s->v[k];

			json_array_append_new(
			    out, line_json(o->kind, o->kind == '+' ? &b->v[o->bi] : &a->v[o->ai]));
		}
		i = end;
	}
	return out;
}

json_t *ctl_diff_lines(const char *at, size_t alen, const char *bt, size_t blen, const char *alabel,
		       const char *blabel)
{
	struct lines a = {0}, b = {0};
	struct script s = {0};
	size_t head = 0, tail = 0;
	json_t *out = NULL;
	int rc;

	if (split(at, alen, &a) != 0 || split(bt, blen, &b) != 0)
		goto done;
	while (head < a.n && head < b.n && same(&a.v[head], &b.v[head]))
		head++;
	while (tail < a.n - head && tail < b.n - head &&
	       same(&a.v[a.n - 1 - tail], &b.v[b.n - 1 - tail]))
		tail++;
	rc = 0;
	for (size_t i = 0; i < head; i++)
		rc |= push(&s, '=', i, i);
	if (rc == 0) {
		rc = myers(a.v + head, a.n - head - tail, b.v + head, b.n - head - tail, head, head,
			   &s);
		if (rc == 1) {
			rc = 0;
			for (size_t i = head; i < a.n - tail; i++)
				rc |= push(&s, '-', i, 0);
			for (size_t i = head; i < b.n - tail; i++)
				rc |= push(&s, '+', 0, i);
		}
	}
	for (size_t i = 0; rc == 0 && i < tail; i++)
		rc |= push(&s, '=', a.n - tail + i, b.n - tail + i);
	if (rc == 0)
		out = hunks(&s, &a, &b);
	/* The headers of a unified diff, when there is a change to show. */
	if (out != NULL && json_array_size(out) > 0) {
		json_array_insert_new(out, 0, json_sprintf("+++ %s", blabel));
		json_array_insert_new(out, 0, json_sprintf("--- %s", alabel));
	}
done:
	free(a.v);
	free(b.v);
	free(s.v);
	return out;
}
