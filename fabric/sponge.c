/* SPDX-License-Identifier: BSD-3-Clause */
#include "sponge.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"

struct entry {
	struct fab_naddr addr;
	enum fab_sponge_state state;
	uint64_t *ring; /* query times, allocated on the first query */
	uint32_t head;  /* next slot to write */
	uint32_t count;
	uint32_t probes_sent;
	struct fab_naddr last_src;
	uint64_t last_src_ms;
	uint64_t next_probe_ms;
	uint64_t queries;
	uint64_t flood_ignored;
	uint64_t last_query_ms;
	uint64_t last_heard_ms;
	uint64_t since_ms;
	/* DEAD, loaded fresh from the state file: probed once more, as if PENDING. */
	bool recheck;
};

struct fab_sponge {
	struct fab_sponge_policy p;
	uint64_t learn_until_ms;
	uint64_t generation;
	uint64_t overflow;
	struct entry *e; /* first-seen order */
	size_t n, cap, max;
	uint32_t *slot; /* index + 1 into e, 0: empty; open addressing */
	size_t nslots;  /* a power of two, at least twice n */
};

static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void fab_naddr_from4(struct fab_naddr *a, const uint8_t v4[4])
{
	memcpy(a->b, mapped_prefix, sizeof(mapped_prefix));
	memcpy(a->b + 12, v4, 4);
}

void fab_naddr_from6(struct fab_naddr *a, const struct fab_ip6 *v6)
{
	memcpy(a->b, v6->b, sizeof(a->b));
}

bool fab_naddr_is4(const struct fab_naddr *a)
{
	return memcmp(a->b, mapped_prefix, sizeof(mapped_prefix)) == 0;
}

bool fab_naddr_is_unspec(const struct fab_naddr *a)
{
	static const uint8_t zero[16];
	size_t off = fab_naddr_is4(a) ? 12 : 0;

	return memcmp(a->b + off, zero, sizeof(zero) - off) == 0;
}

const char *fab_naddr_str(const struct fab_naddr *a, char *buf, size_t size)
{
	int af = fab_naddr_is4(a) ? AF_INET : AF_INET6;

	if (inet_ntop(af, af == AF_INET ? a->b + 12 : a->b, buf, (socklen_t)size) == NULL &&
	    size > 0)
		buf[0] = '\0';
	return buf;
}

int fab_naddr_parse(struct fab_naddr *a, const char *s)
{
	uint8_t v4[4];
	struct fab_ip6 v6;

	if (inet_pton(AF_INET, s, v4) == 1) {
		fab_naddr_from4(a, v4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, v6.b) == 1 && !fab_naddr_is4((const struct fab_naddr *)&v6)) {
		fab_naddr_from6(a, &v6);
		return 0;
	}
	return -EINVAL;
}

/* Why no router on a LAN can own the IPv4 address v (host order), or NULL. */
static const char *special4(uint32_t v)
{
	if (v == 0xffffffffu)
		return "the broadcast address";
	if (v >> 24 == 0)
		return "an unspecified (this-network) address";
	if (v >> 24 == 127)
		return "a loopback address";
	if (v >> 28 == 0xe)
		return "a multicast address";
	if (v >> 28 == 0xf)
		return "a reserved (class E) address";
	if (v >> 16 == 0xa9fe)
		return "a link-local address";
	return NULL;
}

static const char *special6(const uint8_t *b)
{
	static const uint8_t zero[15];

	if (memcmp(b, zero, 15) == 0)
		return b[15] == 0   ? "the unspecified address"
		       : b[15] == 1 ? "the loopback address"
				    : NULL;
	if (b[0] == 0xff)
		return "a multicast address";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "a link-local address";
	return NULL;
}

/* Whether the bits of a past the first len are all zero (host 0) or all one. */
static bool host_bits(const uint8_t *a, unsigned bits, unsigned len, bool one)
{
	for (unsigned bit = len; bit < bits; bit++)
		if (((a[bit / 8] >> (7 - bit % 8)) & 1) != one)
			return false;
	return true;
}

int fab_naddr_lan(const struct fab_model *m, const struct fab_naddr *a, char *why, size_t len)
{
	bool v4 = fab_naddr_is4(a);
	const uint8_t *host = v4 ? a->b + 12 : a->b;
	uint32_t h4 = fab_rd32(host);
	const char *bad = v4 ? special4(h4) : special6(host);
	struct fab_ip6 h6;
	char s[64];

	memcpy(h6.b, a->b, sizeof(h6.b));
	fab_naddr_str(a, s, sizeof(s));
	if (bad != NULL) {
		snprintf(why, len, "%s is %s, not a unicast address of a peering LAN", s, bad);
		return -EINVAL;
	}
	for (size_t i = 0; i < m->nlans; i++) {
		const struct fab_lan *l = &m->lans[i];
		unsigned plen = v4 ? l->ipv4.len : l->ipv6.len, bits = v4 ? 32 : 128;
		bool in =
		    v4 ? fab_prefix4_contains(&l->ipv4, h4) : fab_prefix6_contains(&l->ipv6, &h6);

		if (!in)
			continue;
		/* /31, /32, /127 and /128 have no network or broadcast address. */
		if (plen + 1 < bits && host_bits(host, bits, plen, false)) {
			snprintf(why, len, "%s is the %s address of LAN %s's prefix", s,
				 v4 ? "network" : "subnet-router anycast", l->name);
			return -EINVAL;
		}
		if (v4 && plen + 1 < bits && host_bits(host, bits, plen, true)) {
			snprintf(why, len, "%s is the broadcast address of LAN %s's prefix", s,
				 l->name);
			return -EINVAL;
		}
		return (int)i;
	}
	snprintf(why, len, "%s is outside every LAN's %s prefix", s, v4 ? "IPv4" : "IPv6");
	return -EINVAL;
}

/* FNV-1a over the 16 bytes: addresses on one LAN differ in their last bytes. */
static uint32_t addr_hash(const struct fab_naddr *a)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(a->b); i++)
		h = (h ^ a->b[i]) * 16777619u;
	return h;
}

static struct entry *find(const struct fab_sponge *s, const struct fab_naddr *a)
{
	size_t mask = s->nslots - 1;

	for (size_t i = addr_hash(a) & mask;; i = (i + 1) & mask) {
		uint32_t k = s->slot[i];

		if (k == 0)
			return NULL;
		if (memcmp(s->e[k - 1].addr.b, a->b, sizeof(a->b)) == 0)
			return &s->e[k - 1];
	}
}

static void slot_insert(uint32_t *slot, size_t nslots, const struct fab_naddr *a, uint32_t k)
{
	size_t mask = nslots - 1;
	size_t i = addr_hash(a) & mask;

	while (slot[i] != 0)
		i = (i + 1) & mask;
	slot[i] = k;
}

static int grow(struct fab_sponge *s)
{
	size_t cap = s->cap * 2;
	struct entry *e = realloc(s->e, cap * sizeof(*e));
	uint32_t *slot;

	if (e == NULL)
		return -ENOMEM;
	s->e = e;
	slot = calloc(cap * 2, sizeof(*slot));
	if (slot == NULL)
		return -ENOMEM;
	for (size_t k = 0; k < s->n; k++)
		slot_insert(slot, cap * 2, &s->e[k].addr, (uint32_t)k + 1);
	free(s->slot);
	s->slot = slot;
	s->nslots = cap * 2;
	s->cap = cap;
	return 0;
}

/* The entry for a, created in the initial state if new; NULL when full. */
static struct entry *get(struct fab_sponge *s, const struct fab_naddr *a, uint64_t now_ms)
{
	struct entry *e = find(s, a);

	if (e != NULL)
		return e;
	if (s->n == s->max)
		return NULL;
	if (s->n == s->cap && grow(s) < 0)
		return NULL;
	e = &s->e[s->n];
	memset(e, 0, sizeof(*e));
	e->addr = *a;
	e->state = s->p.init_state;
	e->since_ms = now_ms;
	s->n++;
	slot_insert(s->slot, s->nslots, a, (uint32_t)s->n);
	if (e->state == FAB_SPONGE_DEAD || e->state == FAB_SPONGE_STATIC)
		s->generation++;
	return e;
}

static bool sponged(enum fab_sponge_state st)
{
	return st == FAB_SPONGE_DEAD || st == FAB_SPONGE_STATIC;
}

static void set_state(struct fab_sponge *s, struct entry *e, enum fab_sponge_state st,
		      uint64_t now_ms)
{
	if (sponged(e->state) != sponged(st))
		s->generation++;
	e->recheck = false;
	if (st != FAB_SPONGE_PENDING && st != e->state)
		e->probes_sent = 0;
	if (st == FAB_SPONGE_ALIVE || st == FAB_SPONGE_PENDING)
		e->count = e->head = 0;
	if (st == FAB_SPONGE_PENDING) {
		e->probes_sent = 0;
		e->next_probe_ms = now_ms;
	}
	if (st != e->state)
		e->since_ms = now_ms;
	e->state = st;
}

/* A queue of one has no rate: the configuration may say 1, the rings hold 2. */
static uint32_t depth_of(const struct fab_sponge_policy *p)
{
	return p->queue_depth < 2 ? 2 : p->queue_depth;
}

static uint32_t ring_rate(const struct entry *e, uint32_t depth)
{
	uint64_t oldest, newest, span;

	if (e->count < 2)
		return 0;
	oldest = e->ring[(e->head + depth - e->count) % depth];
	newest = e->ring[(e->head + depth - 1) % depth];
	span = newest > oldest ? newest - oldest : 0;
	if (span == 0)
		return UINT32_MAX;
	uint64_t r = (uint64_t)(e->count - 1) * 60000u / span;
	return r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
}

static void free_rings(struct fab_sponge *s)
{
	for (size_t k = 0; k < s->n; k++) {
		free(s->e[k].ring);
		s->e[k].ring = NULL;
		s->e[k].count = s->e[k].head = 0;
	}
}

struct fab_sponge *fab_sponge_create(const struct fab_sponge_policy *p, size_t max_addrs,
				     uint64_t now_ms)
{
	struct fab_sponge *s;

	if (p->queue_depth == 0) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->p = *p;
	s->learn_until_ms = now_ms + (uint64_t)p->learning_s * 1000;
	s->max = max_addrs ? max_addrs : FAB_SPONGE_ADDRS_MAX;
	s->cap = 16;
	s->nslots = 32;
	s->e = calloc(s->cap, sizeof(*s->e));
	s->slot = calloc(s->nslots, sizeof(*s->slot));
	if (s->e == NULL || s->slot == NULL) {
		fab_sponge_destroy(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

void fab_sponge_destroy(struct fab_sponge *s)
{
	if (s == NULL)
		return;
	if (s->e != NULL)
		free_rings(s);
	free(s->e);
	free(s->slot);
	free(s);
}

int fab_sponge_set_policy(struct fab_sponge *s, const struct fab_sponge_policy *p)
{
	if (p->queue_depth == 0)
		return -EINVAL;
	/* Rings are sized by the depth; a new depth starts them afresh. */
	if (depth_of(p) != depth_of(&s->p))
		free_rings(s);
	s->p = *p;
	return 0;
}

bool fab_sponge_learning(const struct fab_sponge *s, uint64_t now_ms)
{
	return now_ms < s->learn_until_ms;
}

int fab_sponge_query(struct fab_sponge *s, const struct fab_naddr *target,
		     const struct fab_naddr *source, uint64_t now_ms)
{
	uint32_t depth = depth_of(&s->p);
	struct entry *e;

	if (fab_naddr_is_unspec(source))
		return -EINVAL;
	e = get(s, target, now_ms);
	if (e == NULL) {
		s->overflow++;
		return -ENOSPC;
	}
	if (e->queries != 0 && memcmp(&e->last_src, source, sizeof(*source)) == 0 &&
	    now_ms - e->last_src_ms < s->p.flood_ms) {
		e->flood_ignored++;
		return (int)e->state;
	}
	e->last_src = *source;
	e->last_src_ms = now_ms;
	e->last_query_ms = now_ms;
	e->queries++;
	if (e->ring == NULL) {
		e->ring = calloc(depth, sizeof(*e->ring));
		if (e->ring == NULL)
			return (int)e->state;
	}
	e->ring[e->head] = now_ms;
	e->head = (e->head + 1) % depth;
	if (e->count < depth)
		e->count++;
	if (s->p.enabled && e->state == FAB_SPONGE_ALIVE && !fab_sponge_learning(s, now_ms) &&
	    e->count == depth && ring_rate(e, depth) > s->p.rate_per_min)
		set_state(s, e, FAB_SPONGE_PENDING, now_ms);
	return (int)e->state;
}

int fab_sponge_heard(struct fab_sponge *s, const struct fab_naddr *addr, uint64_t now_ms)
{
	struct entry *e = find(s, addr);
	enum fab_sponge_state before;

	if (e == NULL)
		return -ENOENT;
	before = e->state;
	e->last_heard_ms = now_ms;
	set_state(s, e, FAB_SPONGE_ALIVE, now_ms);
	return (int)before;
}

int fab_sponge_set_state(struct fab_sponge *s, const struct fab_naddr *addr,
			 enum fab_sponge_state st, uint64_t now_ms)
{
	struct entry *e;

	if ((unsigned)st > FAB_SPONGE_STATIC)
		return -EINVAL;
	e = get(s, addr, now_ms);
	if (e == NULL)
		return -ENOSPC;
	set_state(s, e, st, now_ms);
	return 0;
}

size_t fab_sponge_tick(struct fab_sponge *s, uint64_t now_ms, struct fab_sponge_action *out,
		       size_t max)
{
	size_t k = 0;

	/* Off means nothing is probed: what waits for probes waits for the sponge. */
	if (!s->p.enabled)
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		struct entry *e = &s->e[i];

		while ((e->state == FAB_SPONGE_PENDING || e->recheck) &&
		       e->next_probe_ms <= now_ms && k < max) {
			if (e->probes_sent < s->p.probes) {
				out[k++] = (struct fab_sponge_action){FAB_SPONGE_PROBE, e->addr};
				e->probes_sent++;
				/* From now, not from when it was due: a late tick (control
				 * out of sync with the dataplane, the sponge off) must not
				 * send the probes in one burst and leave no time to answer. */
				e->next_probe_ms = now_ms + s->p.probe_interval_ms;
				continue;
			}
			/* Silent again: a rechecked address stays DEAD, unannounced. */
			if (e->recheck) {
				e->recheck = false;
				break;
			}
			set_state(s, e, FAB_SPONGE_DEAD, now_ms);
			if (s->p.gratuitous)
				out[k++] = (struct fab_sponge_action){FAB_SPONGE_ANNOUNCE, e->addr};
		}
	}
	return k;
}

uint64_t fab_sponge_verify_ms(const struct fab_sponge_policy *p)
{
	return ((uint64_t)p->probes + 1) * p->probe_interval_ms;
}

uint64_t fab_sponge_generation(const struct fab_sponge *s)
{
	return s->generation;
}

uint64_t fab_sponge_overflow(const struct fab_sponge *s)
{
	return s->overflow;
}

static void info_of(const struct fab_sponge *s, const struct entry *e, struct fab_sponge_info *out)
{
	*out = (struct fab_sponge_info){
	    .addr = e->addr,
	    .state = e->state,
	    .queued = e->count,
	    .rate_per_min = ring_rate(e, depth_of(&s->p)),
	    .probes_sent = e->probes_sent,
	    .queries = e->queries,
	    .flood_ignored = e->flood_ignored,
	    .last_query_ms = e->last_query_ms,
	    .last_heard_ms = e->last_heard_ms,
	    .since_ms = e->since_ms,
	};
}

int fab_sponge_get(const struct fab_sponge *s, const struct fab_naddr *addr, uint64_t now_ms,
		   struct fab_sponge_info *out)
{
	const struct entry *e = find(s, addr);

	(void)now_ms;
	if (e == NULL)
		return -ENOENT;
	info_of(s, e, out);
	return 0;
}

size_t fab_sponge_list(const struct fab_sponge *s, uint64_t now_ms, struct fab_sponge_info *out,
		       size_t max)
{
	(void)now_ms;
	for (size_t k = 0; k < s->n && k < max; k++)
		info_of(s, &s->e[k], &out[k]);
	return s->n;
}

size_t fab_sponge_sponged(const struct fab_sponge *s, struct fab_naddr *out, size_t max)
{
	size_t total = 0;

	for (size_t k = 0; k < s->n; k++) {
		if (!sponged(s->e[k].state))
			continue;
		if (total < max)
			out[total] = s->e[k].addr;
		total++;
	}
	return total;
}

int fab_sponge_save(const struct fab_sponge *s, const char *path, uint64_t now_ms, uint64_t wall_ms)
{
	char tmp[FAB_PATH_MAX + 8];
	char buf[64];
	FILE *f;
	int rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (f == NULL)
		return -errno;
	for (size_t k = 0; k < s->n; k++) {
		const struct entry *e = &s->e[k];
		uint64_t age = now_ms > e->since_ms ? now_ms - e->since_ms : 0;
		/* Rounded down: the state looks older, never younger, when loaded. */
		uint64_t since_s = wall_ms > age ? (wall_ms - age) / 1000 : 0;

		if (sponged(e->state) &&
		    fprintf(f, "%s %s %llu\n", e->state == FAB_SPONGE_STATIC ? "static" : "dead",
			    fab_naddr_str(&e->addr, buf, sizeof(buf)),
			    (unsigned long long)since_s) < 0)
			rc = -EIO;
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/* Seconds since the epoch beyond this (year 33658) are not a time. */
#define SINCE_MAX_S 999999999999ULL

struct loaded {
	struct fab_naddr addr;
	enum fab_sponge_state state;
	bool has_since;    /* files written before the time was kept have none */
	uint64_t since_ms; /* real time, ms since the epoch */
};

static int parse_since(const char *w, struct loaded *out)
{
	char *end;
	unsigned long long v;

	if (w == NULL)
		return 0;
	if (*w < '0' || *w > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(w, &end, 10);
	if (errno != 0 || *end != '\0' || v > SINCE_MAX_S)
		return -EINVAL;
	out->has_since = true;
	out->since_ms = (uint64_t)v * 1000;
	return 0;
}

/* Parses one line into *out; 0 for a line to apply, 1 for a blank one, -EINVAL. */
static int parse_line(char *line, struct loaded *out)
{
	char *save = NULL;
	char *word = strtok_r(line, " \t\r\n", &save);
	char *addr = word ? strtok_r(NULL, " \t\r\n", &save) : NULL;
	char *since = addr ? strtok_r(NULL, " \t\r\n", &save) : NULL;

	if (word == NULL)
		return 1;
	*out = (struct loaded){0};
	if (addr == NULL || strtok_r(NULL, " \t\r\n", &save) != NULL ||
	    parse_since(since, out) != 0)
		return -EINVAL;
	if (strcmp(word, "dead") == 0)
		out->state = FAB_SPONGE_DEAD;
	else if (strcmp(word, "static") == 0)
		out->state = FAB_SPONGE_STATIC;
	else
		return -EINVAL;
	return fab_naddr_parse(&out->addr, addr);
}

/*
 * One loaded line into the sponge. Only a DEAD state younger than the time
 * the sponge takes to find one is trusted as it is (and checked again); any
 * other dead state, from a file of unknown age or a clock that went back,
 * is verified before it is sponged, so that a restart never sponges a
 * router that came back while control was not listening.
 */
static int apply(struct fab_sponge *s, const struct loaded *l, uint64_t now_ms, uint64_t wall_ms)
{
	bool known = l->has_since && l->since_ms <= wall_ms;
	uint64_t age = known ? wall_ms - l->since_ms : UINT64_MAX;
	enum fab_sponge_state st = l->state;
	struct entry *e;

	if (st == FAB_SPONGE_DEAD && age >= fab_sponge_verify_ms(&s->p))
		st = FAB_SPONGE_PENDING;
	e = get(s, &l->addr, now_ms);
	if (e == NULL)
		return -ENOSPC;
	set_state(s, e, st, now_ms);
	if (st != FAB_SPONGE_PENDING && known)
		e->since_ms = now_ms > age ? now_ms - age : 0;
	if (st == FAB_SPONGE_DEAD) {
		e->recheck = true;
		e->probes_sent = 0;
		e->next_probe_ms = now_ms;
	}
	return 0;
}

int fab_sponge_load(struct fab_sponge *s, const char *path, uint64_t now_ms, uint64_t wall_ms,
		    unsigned *bad_line)
{
	FILE *f = fopen(path, "r");
	struct loaded *v = NULL, *nv;
	size_t n = 0, cap = 0;
	char line[256];
	unsigned lineno = 0;
	int rc = 0;

	if (f == NULL)
		return errno == ENOENT ? 0 : -errno;
	/* Everything is parsed before anything is applied: a bad file changes nothing. */
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		struct loaded l;
		int r;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			rc = -EINVAL;
			break;
		}
		r = parse_line(line, &l);
		if (r < 0)
			rc = r;
		if (r != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				rc = -ENOMEM;
				break;
			}
			v = nv;
		}
		v[n++] = l;
	}
	if (rc == 0 && ferror(f))
		rc = -EIO;
	fclose(f);
	if (rc == -EINVAL && bad_line != NULL)
		*bad_line = lineno;
	for (size_t k = 0; rc == 0 && k < n; k++)
		rc = apply(s, &v[k], now_ms, wall_ms);
	free(v);
	return rc;
}
