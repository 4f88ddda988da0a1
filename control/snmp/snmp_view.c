/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "snmp_view.h"

struct snmp_view {
	struct snmp_obj *objs;
	size_t n, cap;
	char *text;
	size_t tlen, tcap;
};

struct snmp_view *snmp_view_create(void)
{
	return calloc(1, sizeof(struct snmp_view));
}

void snmp_view_destroy(struct snmp_view *v)
{
	if (v == NULL)
		return;
	free(v->objs);
	free(v->text);
	free(v);
}

static struct snmp_obj *add(struct snmp_view *v, const oid *prefix, size_t plen, const oid *idx,
			    size_t nidx, uint8_t type)
{
	struct snmp_obj *o;

	if (plen + nidx > SNMP_OID_MAX) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 1024;
		struct snmp_obj *p = realloc(v->objs, cap * sizeof(*p));

		if (p == NULL)
			return NULL;
		v->objs = p;
		v->cap = cap;
	}
	o = &v->objs[v->n++];
	memcpy(o->name, prefix, plen * sizeof(oid));
	if (nidx > 0)
		memcpy(o->name + plen, idx, nidx * sizeof(oid));
	o->len = (uint8_t)(plen + nidx);
	o->type = type;
	o->slen = 0;
	o->v.u = 0;
	return o;
}

int snmp_view_int(struct snmp_view *v, const oid *prefix, size_t plen, const oid *idx, size_t nidx,
		  uint8_t type, int64_t value)
{
	struct snmp_obj *o = add(v, prefix, plen, idx, nidx, type);

	if (o == NULL)
		return -errno;
	o->v.i = value;
	return 0;
}

int snmp_view_u64(struct snmp_view *v, const oid *prefix, size_t plen, const oid *idx, size_t nidx,
		  uint8_t type, uint64_t value)
{
	struct snmp_obj *o = add(v, prefix, plen, idx, nidx, type);

	if (o == NULL)
		return -errno;
	o->v.u = value;
	return 0;
}

int snmp_view_str(struct snmp_view *v, const oid *prefix, size_t plen, const oid *idx, size_t nidx,
		  const void *data, size_t len)
{
	struct snmp_obj *o;

	if (len > 65535)
		return -EMSGSIZE;
	if (v->tlen + len > v->tcap) {
		size_t cap = v->tcap ? v->tcap : 4096;
		char *p;

		while (cap < v->tlen + len)
			cap *= 2;
		p = realloc(v->text, cap);
		if (p == NULL)
			return -ENOMEM;
		v->text = p;
		v->tcap = cap;
	}
	o = add(v, prefix, plen, idx, nidx, ASN_OCTET_STR);
	if (o == NULL)
		return -errno;
	if (len > 0)
		memcpy(v->text + v->tlen, data, len);
	o->v.soff = v->tlen;
	o->slen = (uint32_t)len;
	v->tlen += len;
	return 0;
}

int snmp_view_null_oid(struct snmp_view *v, const oid *prefix, size_t plen, const oid *idx,
		       size_t nidx)
{
	struct snmp_obj *o = add(v, prefix, plen, idx, nidx, ASN_OBJECT_ID);

	return o == NULL ? -errno : 0;
}

static int cmp_name(const oid *a, size_t alen, const oid *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;

	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return alen == blen ? 0 : (alen < blen ? -1 : 1);
}

static int cmp_obj(const void *a, const void *b)
{
	const struct snmp_obj *x = a, *y = b;

	return cmp_name(x->name, x->len, y->name, y->len);
}

int snmp_view_seal(struct snmp_view *v)
{
	if (v->n > 1)
		qsort(v->objs, v->n, sizeof(*v->objs), cmp_obj);
	for (size_t i = 1; i < v->n; i++)
		if (cmp_obj(&v->objs[i - 1], &v->objs[i]) == 0)
			return -EEXIST;
	return 0;
}

size_t snmp_view_count(const struct snmp_view *v)
{
	return v != NULL ? v->n : 0;
}

/* The index of the first object not below name (strictly above if after). */
static size_t lower_bound(const struct snmp_view *v, const oid *name, size_t len, bool after)
{
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_name(v->objs[mid].name, v->objs[mid].len, name, len);

		if (c < 0 || (after && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct snmp_obj *snmp_view_get(const struct snmp_view *v, const oid *name, size_t len)
{
	size_t i;

	if (v == NULL)
		return NULL;
	i = lower_bound(v, name, len, false);
	if (i < v->n && cmp_name(v->objs[i].name, v->objs[i].len, name, len) == 0)
		return &v->objs[i];
	return NULL;
}

const struct snmp_obj *snmp_view_next(const struct snmp_view *v, const oid *name, size_t len)
{
	size_t i;

	if (v == NULL)
		return NULL;
	i = lower_bound(v, name, len, true);
	return i < v->n ? &v->objs[i] : NULL;
}

const char *snmp_view_text(const struct snmp_view *v, const struct snmp_obj *o)
{
	return o->slen > 0 ? v->text + o->v.soff : "";
}
