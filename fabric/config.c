/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration loader. libyaml's document API gives the whole tree with
 * source positions; the loader walks it once, building the model and checking
 * every rule as it goes, and keeps going after an error so that one run shows
 * the operator everything that is wrong with the file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <yaml.h>

#include "config.h"
#include "import.h"
#include "proto.h"

/* A file larger than this is not a configuration; refuse it before parsing. */
#define CONFIG_SIZE_MAX (64u << 20)
/* Past this many errors the rest is noise; the list ends with a note. */
#define CONFIG_ERRORS_MAX 1000

void fab_config_errors_clear(struct fab_config_errors *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i].msg);
	free(e->v);
	e->v = NULL;
	e->n = 0;
	e->cap = 0;
}

void fab_config_errors_print(const struct fab_config_errors *e, FILE *out)
{
	for (size_t i = 0; i < e->n; i++) {
		const struct fab_config_error *x = &e->v[i];

		if (x->line == 0)
			fprintf(out, "%s: %s\n", x->file, x->msg);
		else
			fprintf(out, "%s:%u:%u: %s\n", x->file, x->line, x->col, x->msg);
	}
}

/* Makes room for element n of a doubling array; 0 or -ENOMEM (the array is kept). */
static int grow(void **v, size_t n, size_t *cap, size_t size)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	nv = realloc(*v, ncap * size);
	if (nv == NULL)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

__attribute__((format(printf, 5, 0))) static void errors_vadd(struct fab_config_errors *e,
							      const char *file, uint32_t line,
							      uint32_t col, const char *fmt,
							      va_list ap)
{
	struct fab_config_error *x;

	if (e->n > CONFIG_ERRORS_MAX)
		return;
	if (grow((void **)&e->v, e->n, &e->cap, sizeof(*e->v)) != 0)
		return;
	x = &e->v[e->n];
	snprintf(x->file, sizeof(x->file), "%s", file);
	x->line = line;
	x->col = col;
	if (e->n + 1 > CONFIG_ERRORS_MAX) {
		if (asprintf(&x->msg, "too many errors; stopped after %d", CONFIG_ERRORS_MAX) < 0)
			return;
	} else if (vasprintf(&x->msg, fmt, ap) < 0) {
		return;
	}
	e->n++;
}

__attribute__((format(printf, 5, 6))) static void errors_add(struct fab_config_errors *e,
							     const char *file, uint32_t line,
							     uint32_t col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errors_vadd(e, file, line, col, fmt, ap);
	va_end(ap);
}

/* Stable, so errors on one line keep the order they were found in. */
static void errors_sort(struct fab_config_errors *e)
{
	for (size_t i = 1; i < e->n; i++) {
		struct fab_config_error x = e->v[i];
		size_t j = i;

		while (j > 0 && (e->v[j - 1].line > x.line ||
				 (e->v[j - 1].line == x.line && e->v[j - 1].col > x.col))) {
			e->v[j] = e->v[j - 1];
			j--;
		}
		e->v[j] = x;
	}
}

/* One MAC or address seen so far, to find the same one given twice. */
struct seen_mac {
	fab_mac_t mac;
	size_t member, conn, binding;
	uint32_t line;
};

struct seen_ip {
	struct fab_ip6 addr; /* IPv4 as ::ffff:a.b.c.d so both families share a table */
	uint32_t line;
};

struct loader {
	const char *file;
	struct fab_config_errors *errs;
	yaml_document_t *doc;
	struct fab_model *m;
	size_t nerrs_at_start;
	bool nomem;
	struct seen_mac *macs;
	size_t nmacs, capmacs;
	struct seen_ip *ips;
	size_t nips, capips;
	/* Where things were defined, for "already at line N" messages. */
	uint32_t *lan_vlan_line;
	uint32_t *port_device_line;
	long *port_conn_member; /* member using an edge port, -1 if none */
	uint32_t *port_conn_line;
};

static uint32_t line_of(const yaml_node_t *n)
{
	return (uint32_t)n->start_mark.line + 1;
}

__attribute__((format(printf, 3, 4))) static void err(struct loader *l, const yaml_node_t *n,
						      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errors_vadd(l->errs, l->file, line_of(n), (uint32_t)n->start_mark.column + 1, fmt, ap);
	va_end(ap);
}

/* A value from the file, made safe to quote in a message: short, printable. */
static const char *show(const char *s, char *buf, size_t len)
{
	size_t o = 0, max = len < 44 ? len : 44;

	for (; *s && o + 4 < max; s++)
		buf[o++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	if (*s)
		o += (size_t)snprintf(buf + o, len - o, "...");
	buf[o < len ? o : len - 1] = '\0';
	return buf;
}

static yaml_node_t *node(struct loader *l, int index)
{
	return yaml_document_get_node(l->doc, index);
}

static const char *type_name(yaml_node_type_t t)
{
	switch (t) {
	case YAML_SEQUENCE_NODE:
		return "list";
	case YAML_MAPPING_NODE:
		return "mapping";
	default:
		return "single value";
	}
}

static bool expect(struct loader *l, const yaml_node_t *n, yaml_node_type_t t, const char *what)
{
	if (n->type == t)
		return true;
	err(l, n, "%s must be a %s, not a %s", what, type_name(t), type_name(n->type));
	return false;
}

/* The text of a scalar, or NULL (reported) for other nodes or embedded NULs. */
static const char *scalar(struct loader *l, const yaml_node_t *n, const char *what)
{
	const char *s;

	if (!expect(l, n, YAML_SCALAR_NODE, what))
		return NULL;
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		err(l, n, "%s contains a NUL character", what);
		return NULL;
	}
	return s;
}

static bool is_null(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
		strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0);
}

/* Edit distance with transpositions, for "did you mean" on unknown keys. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[34][34];

	if (la > 32 || lb > 32)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

struct key {
	const char *name;
	bool required;
};

/*
 * Sorts a mapping's values into vals[] by their key's index in keys[], and
 * reports unknown, duplicate and missing keys. An empty (null) value counts
 * as absent. Returns false if n is not a mapping.
 */
static bool map_fields(struct loader *l, yaml_node_t *n, const char *what, const char *where,
		       const struct key *keys, size_t nkeys, yaml_node_t **vals)
{
	yaml_node_t *keynode[32] = {0};
	char buf[64];

	memset(vals, 0, nkeys * sizeof(*vals));
	if (!expect(l, n, YAML_MAPPING_NODE, what))
		return false;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
		const char *name;
		size_t i, best = 0, bestd = 99;

		if (k->type != YAML_SCALAR_NODE) {
			err(l, k, "a key in %s must be a plain name, not a %s", where,
			    type_name(k->type));
			continue;
		}
		name = (const char *)k->data.scalar.value;
		for (i = 0; i < nkeys && strcmp(keys[i].name, name) != 0; i++) {
			size_t d = edit_distance(name, keys[i].name);

			if (d < bestd) {
				bestd = d;
				best = i;
			}
		}
		if (i == nkeys) {
			if (bestd <= 2 || bestd * 3 <= strlen(keys[best].name))
				err(l, k, "unknown key '%s' in %s; did you mean '%s'?",
				    show(name, buf, sizeof(buf)), where, keys[best].name);
			else
				err(l, k, "unknown key '%s' in %s", show(name, buf, sizeof(buf)),
				    where);
			continue;
		}
		if (keynode[i] != NULL) {
			err(l, k, "duplicate key '%s' in %s (first given at line %u)", keys[i].name,
			    where, line_of(keynode[i]));
			continue;
		}
		keynode[i] = k;
		if (is_null(v)) {
			if (keys[i].required)
				err(l, k, "'%s' in %s has no value", keys[i].name, where);
			continue;
		}
		vals[i] = v;
	}
	for (size_t i = 0; i < nkeys; i++)
		if (keys[i].required && keynode[i] == NULL)
			err(l, n, "missing required key '%s' in %s", keys[i].name, where);
	return true;
}

/* Items of a sequence node; NULL and *n = 0 (reported) for other nodes. */
static yaml_node_item_t *seq_items(struct loader *l, yaml_node_t *n, const char *what, size_t *cnt)
{
	*cnt = 0;
	if (!expect(l, n, YAML_SEQUENCE_NODE, what))
		return NULL;
	*cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	return n->data.sequence.items.start;
}

/* As seq_items, for lists with a size limit: entries past max are reported and ignored. */
static yaml_node_item_t *seq_items_max(struct loader *l, yaml_node_t *n, const char *what,
				       size_t max, const char *plural, size_t *cnt)
{
	yaml_node_item_t *it = seq_items(l, n, what, cnt);

	if (*cnt > max) {
		err(l, node(l, it[max]), "too many %s (at most %zu)", plural, max);
		*cnt = max;
	}
	return it;
}

enum text_kind {
	TEXT_FREE,  /* descriptions and member names: any printable text */
	TEXT_IDENT, /* names used as CLI words and metric labels */
	TEXT_PATH,  /* absolute file system paths */
};

static bool get_text(struct loader *l, yaml_node_t *n, const char *what, enum text_kind kind,
		     char *out, size_t size)
{
	const char *s = scalar(l, n, what);
	char buf[64];
	size_t len;

	if (s == NULL)
		return false;
	len = strlen(s);
	if (len >= size) {
		err(l, n, "%s is too long (%zu bytes; at most %zu)", what, len, size - 1);
		return false;
	}
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f) {
			err(l, n, "%s contains a control character (newline, tab or similar)",
			    what);
			return false;
		}
		if (kind == TEXT_IDENT && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					    (c >= '0' && c <= '9') || strchr("-_./:", c))) {
			err(l, n,
			    "%s '%s' may contain only letters, digits and the characters - _ . / :",
			    what, show(s, buf, sizeof(buf)));
			return false;
		}
	}
	if (kind != TEXT_FREE && len == 0) {
		err(l, n, "%s must not be empty", what);
		return false;
	}
	if (kind == TEXT_PATH && s[0] != '/') {
		err(l, n, "%s '%s' must be an absolute path", what, show(s, buf, sizeof(buf)));
		return false;
	}
	memset(out, 0, size);
	memcpy(out, s, len);
	return true;
}

/* Decimal, or 0x hex where allow_hex; no sign, no spaces. */
static bool get_u32(struct loader *l, yaml_node_t *n, const char *what, bool allow_hex,
		    uint32_t min, uint32_t max, uint32_t *out)
{
	const char *s = scalar(l, n, what), *p;
	uint64_t v = 0;
	unsigned base = 10;
	char buf[64];

	if (s == NULL)
		return false;
	p = s;
	if (allow_hex && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (*p == '\0')
		goto bad;
	for (; *p; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			goto bad;
		v = v * base + d;
		if (v > UINT32_MAX) {
			err(l, n, "%s %s is out of range (%u to %u)", what,
			    show(s, buf, sizeof(buf)), min, max);
			return false;
		}
	}
	if (v < min || v > max) {
		err(l, n, "%s %s is out of range (%u to %u)", what, show(s, buf, sizeof(buf)), min,
		    max);
		return false;
	}
	*out = (uint32_t)v;
	return true;
bad:
	err(l, n, "%s must be a %snumber, not '%s'", what, allow_hex ? "decimal or 0x hex " : "",
	    show(s, buf, sizeof(buf)));
	return false;
}

static bool get_bool(struct loader *l, yaml_node_t *n, const char *what, bool *out)
{
	const char *s = scalar(l, n, what);
	char buf[64];

	if (s == NULL)
		return false;
	if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0) {
		*out = true;
		return true;
	}
	if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0) {
		*out = false;
		return true;
	}
	err(l, n, "%s must be true or false, not '%s'", what, show(s, buf, sizeof(buf)));
	return false;
}

struct enum_name {
	const char *name;
	int value;
};

static bool get_enum(struct loader *l, yaml_node_t *n, const char *what,
		     const struct enum_name *names, size_t count, int *out)
{
	const char *s = scalar(l, n, what);
	char valid[128] = "", buf[64];
	size_t o = 0;

	if (s == NULL)
		return false;
	for (size_t i = 0; i < count; i++) {
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].value;
			return true;
		}
		o += (size_t)snprintf(valid + o, sizeof(valid) - o, "%s%s", i ? ", " : "",
				      names[i].name);
		if (o >= sizeof(valid))
			o = sizeof(valid) - 1;
	}
	err(l, n, "invalid %s '%s'; valid values: %s", what, show(s, buf, sizeof(buf)), valid);
	return false;
}

#define GET_ENUM(l, n, what, table, outp)                                                      \
	({                                                                                     \
		int v_;                                                                        \
		bool ok_ = get_enum(l, n, what, table, sizeof(table) / sizeof(table[0]), &v_); \
		if (ok_)                                                                       \
			*(outp) = v_;                                                          \
		ok_;                                                                           \
	})

static const struct enum_name neigh_names[] = {{"steer", FAB_NEIGH_STEER},
					       {"proxy", FAB_NEIGH_PROXY}};
static const struct enum_name violation_names[] = {{"protect", FAB_VIOLATION_PROTECT},
						   {"restrict", FAB_VIOLATION_RESTRICT},
						   {"shutdown", FAB_VIOLATION_SHUTDOWN}};
static const struct enum_name sponge_state_names[] = {
    {"alive", FAB_SPONGE_ALIVE}, {"dead", FAB_SPONGE_DEAD}, {"pending", FAB_SPONGE_PENDING}};
static const struct enum_name lan_kind_names[] = {{"peering", FAB_LAN_PEERING},
						  {"quarantine", FAB_LAN_QUARANTINE}};
static const struct enum_name port_kind_names[] = {{"edge", FAB_PORT_EDGE},
						   {"core", FAB_PORT_CORE},
						   {"underlay", FAB_PORT_UNDERLAY},
						   {"vtep", FAB_PORT_VTEP}};
static const struct enum_name port_mode_names[] = {{"access", FAB_PORT_ACCESS},
						   {"trunk", FAB_PORT_TRUNK}};
static const struct enum_name admin_names[] = {{"up", 1}, {"down", 0}};
static const struct enum_name lacp_mode_names[] = {
    {"active", FAB_LACP_ACTIVE}, {"passive", FAB_LACP_PASSIVE}, {"on", FAB_LACP_ON}};
static const struct enum_name lacp_rate_names[] = {{"fast", FAB_LACP_FAST},
						   {"slow", FAB_LACP_SLOW}};
static const struct enum_name lag_hash_names[] = {
    {"l2", FAB_LAG_HASH_L2}, {"l23", FAB_LAG_HASH_L23}, {"l34", FAB_LAG_HASH_L34}};

/* A unicast MAC a member or the sponge may own. */
static bool get_mac(struct loader *l, yaml_node_t *n, const char *what, fab_mac_t *out)
{
	const char *s = scalar(l, n, what);
	char buf[64];

	if (s == NULL)
		return false;
	if (fab_mac_parse(s, out) != 0) {
		err(l, n,
		    "malformed MAC address '%s' (use 02:00:5e:10:00:01, 02-00-5e-10-00-01, "
		    "0200.5e10.0001 or 02005e100001)",
		    show(s, buf, sizeof(buf)));
		return false;
	}
	if (*out == 0xffffffffffffULL) {
		err(l, n, "%s %s is the broadcast address", what, show(s, buf, sizeof(buf)));
		return false;
	}
	if (fab_mac_is_multicast(*out)) {
		err(l, n, "%s %s is a multicast address (lowest bit of the first octet set)", what,
		    show(s, buf, sizeof(buf)));
		return false;
	}
	if (*out == 0) {
		err(l, n, "%s %s is all zeros", what, show(s, buf, sizeof(buf)));
		return false;
	}
	return true;
}

/* Says which part of a bad prefix is wrong, and the right prefix if only host bits are. */
static void prefix_error(struct loader *l, yaml_node_t *n, const char *s, bool v6)
{
	const char *slash = strchr(s, '/');
	char buf[64], fixed[64];
	char addr[INET6_ADDRSTRLEN + 1];
	unsigned long len;
	char *end;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(addr) || slash[1] < '0' ||
	    slash[1] > '9')
		goto malformed;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	len = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || len > (v6 ? 128u : 32u))
		goto malformed;
	if (!v6) {
		uint32_t a;

		if (fab_ip4_parse(addr, &a) != 0)
			goto malformed;
		a &= len == 0 ? 0 : 0xffffffffu << (32 - len);
		fab_ip4_format(a, fixed, sizeof(fixed));
	} else {
		struct fab_ip6 a;

		if (fab_ip6_parse(addr, &a) != 0)
			goto malformed;
		for (unsigned bit = (unsigned)len; bit < 128; bit++)
			a.b[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
		fab_ip6_format(&a, fixed, sizeof(fixed));
	}
	err(l, n, "prefix %s has host bits set; did you mean %s/%lu?", show(s, buf, sizeof(buf)),
	    fixed, len);
	return;
malformed:
	err(l, n, "malformed IPv%d prefix '%s' (expected ADDRESS/LENGTH)", v6 ? 6 : 4,
	    show(s, buf, sizeof(buf)));
}

static bool get_prefix4(struct loader *l, yaml_node_t *n, struct fab_prefix4 *out)
{
	const char *s = scalar(l, n, "'ipv4'");

	if (s == NULL)
		return false;
	if (fab_prefix4_parse(s, out) == 0)
		return true;
	prefix_error(l, n, s, false);
	return false;
}

static bool get_prefix6(struct loader *l, yaml_node_t *n, struct fab_prefix6 *out)
{
	const char *s = scalar(l, n, "'ipv6'");

	if (s == NULL)
		return false;
	if (fab_prefix6_parse(s, out) == 0)
		return true;
	prefix_error(l, n, s, true);
	return false;
}

static bool get_rate(struct loader *l, yaml_node_t *n, const char *where, struct fab_rate *r)
{
	static const struct key keys[] = {{"pps", false}, {"burst", false}};
	yaml_node_t *v[2];
	bool ok = true;

	if (!map_fields(l, n, where, where, keys, 2, v))
		return false;
	if (v[0])
		ok &= get_u32(l, v[0], "'pps'", false, 0, UINT32_MAX, &r->pps);
	if (v[1])
		ok &= get_u32(l, v[1], "'burst'", false, 1, UINT32_MAX, &r->burst);
	return ok;
}

static void load_fabric(struct loader *l, yaml_node_t *n)
{
	static const struct key keys[] = {{"name", true}};
	yaml_node_t *v[1];

	if (!map_fields(l, n, "'fabric'", "fabric", keys, 1, v))
		return;
	if (v[0])
		get_text(l, v[0], "fabric name", TEXT_IDENT, l->m->name, sizeof(l->m->name));
}

static void load_ethertypes(struct loader *l, yaml_node_t *n)
{
	struct fab_policy *p = &l->m->policy;
	size_t cnt;
	yaml_node_item_t *it =
	    seq_items_max(l, n, "'ethertypes'", FAB_ETHERTYPE_MAX, "EtherTypes", &cnt);
	uint16_t et[FAB_ETHERTYPE_MAX] = {0};
	size_t k = 0;

	if (it == NULL)
		return;
	if (cnt == 0) {
		err(l, n, "'ethertypes' is empty: no frame could pass; list at least 0x0800");
		return;
	}
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *e = node(l, it[i]);
		uint32_t v;

		if (!get_u32(l, e, "EtherType", true, 0, 0xffff, &v))
			continue;
		if (v < 0x0600) {
			err(l, e,
			    "EtherType 0x%04x is below 0x0600: values under 0x0600 are 802.3 "
			    "lengths, not EtherTypes",
			    v);
			continue;
		}
		for (size_t j = 0; j < k; j++)
			if (et[j] == v) {
				err(l, e, "EtherType 0x%04x is listed twice", v);
				v = 0;
				break;
			}
		if (v != 0)
			et[k++] = (uint16_t)v;
	}
	memcpy(p->ethertypes, et, sizeof(et));
	p->nethertypes = k;
}

static void load_sponge(struct loader *l, yaml_node_t *n)
{
	enum { EN, QD, RATE, FLOOD, PROBES, PINT, LEARN, INIT, MAC, GRAT, N };
	static const struct key keys[N] = {
	    [EN] = {"enabled", false},     [QD] = {"queue-depth", false},
	    [RATE] = {"rate", false},      [FLOOD] = {"flood-protection", false},
	    [PROBES] = {"probes", false},  [PINT] = {"probe-interval", false},
	    [LEARN] = {"learning", false}, [INIT] = {"init-state", false},
	    [MAC] = {"mac", false},        [GRAT] = {"gratuitous", false},
	};
	struct fab_sponge_policy *s = &l->m->policy.sponge;
	yaml_node_t *v[N];

	if (!map_fields(l, n, "'sponge'", "sponge", keys, N, v))
		return;
	if (v[EN])
		get_bool(l, v[EN], "'enabled'", &s->enabled);
	if (v[QD])
		get_u32(l, v[QD], "'queue-depth'", false, 1, 1000000, &s->queue_depth);
	if (v[RATE])
		get_u32(l, v[RATE], "'rate'", false, 1, 1000000, &s->rate_per_min);
	if (v[FLOOD])
		get_u32(l, v[FLOOD], "'flood-protection'", false, 0, 3600000, &s->flood_ms);
	if (v[PROBES])
		get_u32(l, v[PROBES], "'probes'", false, 1, 1000, &s->probes);
	if (v[PINT])
		get_u32(l, v[PINT], "'probe-interval'", false, 1, 3600000, &s->probe_interval_ms);
	if (v[LEARN])
		get_u32(l, v[LEARN], "'learning'", false, 0, 86400, &s->learning_s);
	if (v[INIT])
		GET_ENUM(l, v[INIT], "sponge init-state", sponge_state_names, &s->init_state);
	if (v[MAC]) {
		fab_mac_t mac;

		if (get_mac(l, v[MAC], "sponge MAC", &mac))
			s->mac = mac;
	}
	if (v[GRAT])
		get_bool(l, v[GRAT], "'gratuitous'", &s->gratuitous);
}

static void load_policy(struct loader *l, yaml_node_t *n)
{
	enum { ET, NP, VIOL, EDR, FLAP, STORM, PUNT, SPONGE, N };
	static const struct key keys[N] = {
	    [ET] = {"ethertypes", false},       [NP] = {"neighbor-policy", false},
	    [VIOL] = {"violation", false},      [EDR] = {"errdisable-recovery", false},
	    [FLAP] = {"flap-dampening", false}, [STORM] = {"storm-control", false},
	    [PUNT] = {"punt", false},           [SPONGE] = {"sponge", false},
	};
	static const struct key flap_keys[] = {
	    {"changes", false}, {"window", false}, {"hold", false}};
	static const struct key storm_keys[] = {
	    {"arp", false}, {"nd", false}, {"errdisable-after", false}};
	static const struct key punt_keys[] = {{"port", false}, {"total", false}};
	struct fab_policy *p = &l->m->policy;
	yaml_node_t *v[N], *w[3];

	if (!map_fields(l, n, "'policy'", "policy", keys, N, v))
		return;
	if (v[ET])
		load_ethertypes(l, v[ET]);
	if (v[NP])
		GET_ENUM(l, v[NP], "neighbor-policy", neigh_names, &p->neigh);
	if (v[VIOL])
		GET_ENUM(l, v[VIOL], "violation action", violation_names, &p->violation);
	if (v[EDR])
		get_u32(l, v[EDR], "'errdisable-recovery'", false, 0, 604800,
			&p->errdisable_recovery_s);
	if (v[FLAP] &&
	    map_fields(l, v[FLAP], "'flap-dampening'", "flap-dampening", flap_keys, 3, w)) {
		if (w[0])
			get_u32(l, w[0], "'changes'", false, 1, 1000, &p->flap_changes);
		if (w[1])
			get_u32(l, w[1], "'window'", false, 1, 86400, &p->flap_window_s);
		if (w[2])
			get_u32(l, w[2], "'hold'", false, 1, 604800, &p->flap_hold_s);
	}
	if (v[STORM] &&
	    map_fields(l, v[STORM], "'storm-control'", "storm-control", storm_keys, 3, w)) {
		if (w[0])
			get_rate(l, w[0], "storm-control arp", &p->storm_arp);
		if (w[1])
			get_rate(l, w[1], "storm-control nd", &p->storm_nd);
		if (w[2])
			get_u32(l, w[2], "'errdisable-after'", false, 0, 86400,
				&p->storm_errdisable_s);
	}
	if (v[PUNT] && map_fields(l, v[PUNT], "'punt'", "punt", punt_keys, 2, w)) {
		if (w[0])
			get_rate(l, w[0], "punt port", &p->punt_port);
		if (w[1])
			get_rate(l, w[1], "punt total", &p->punt_total);
	}
	if (v[SPONGE])
		load_sponge(l, v[SPONGE]);
}

/* ADDRESS:PORT with a dotted quad or a bracketed IPv6 address. */
static bool metrics_valid(const char *s)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *colon = strrchr(s, ':'), *a = s;
	size_t alen;
	uint32_t a4;
	struct fab_ip6 a6;
	char *end;
	unsigned long port;

	if (colon == NULL || colon[1] < '0' || colon[1] > '9')
		return false;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535)
		return false;
	alen = (size_t)(colon - s);
	if (s[0] == '[') {
		if (alen < 2 || colon[-1] != ']')
			return false;
		a = s + 1;
		alen -= 2;
	}
	if (alen >= sizeof(addr))
		return false;
	memcpy(addr, a, alen);
	addr[alen] = '\0';
	return s[0] == '[' ? fab_ip6_parse(addr, &a6) == 0 : fab_ip4_parse(addr, &a4) == 0;
}

static void load_sflow(struct loader *l, yaml_node_t *n)
{
	enum { COLL, AGENT, RATE, POLL, HDR, N };
	static const struct key keys[N] = {
	    [COLL] = {"collectors", false},    [AGENT] = {"agent-address", false},
	    [RATE] = {"sampling-rate", false}, [POLL] = {"polling-interval", false},
	    [HDR] = {"header-bytes", false},
	};
	struct fab_sflow *s = &l->m->mgmt.sflow;
	yaml_node_t *v[N];
	char buf[64];
	size_t cnt;

	if (!map_fields(l, n, "'sflow'", "sflow", keys, N, v))
		return;
	if (v[COLL]) {
		yaml_node_item_t *it = seq_items_max(l, v[COLL], "'collectors'",
						     FAB_SFLOW_COLLECTORS_MAX, "collectors", &cnt);

		for (size_t i = 0; it != NULL && i < cnt; i++) {
			yaml_node_t *e = node(l, it[i]);
			char *dst = s->collectors[s->ncollectors];

			if (!get_text(l, e, "sFlow collector", TEXT_FREE, dst, FAB_NAME_MAX))
				continue;
			if (!metrics_valid(dst)) {
				err(l, e,
				    "sFlow collector must be ADDRESS:PORT (192.0.2.10:6343, "
				    "[2001:db8::10]:6343), not '%s'",
				    show(dst, buf, sizeof(buf)));
				continue;
			}
			s->ncollectors++;
		}
	}
	if (v[AGENT] &&
	    get_text(l, v[AGENT], "'agent-address'", TEXT_FREE, s->agent, sizeof(s->agent))) {
		uint32_t a4;
		struct fab_ip6 a6;

		if (fab_ip4_parse(s->agent, &a4) != 0 && fab_ip6_parse(s->agent, &a6) != 0)
			err(l, v[AGENT],
			    "'agent-address' must be an IPv4 or IPv6 address, not '%s'",
			    show(s->agent, buf, sizeof(buf)));
	}
	if (v[RATE])
		get_u32(l, v[RATE], "'sampling-rate'", false, 1, 1u << 30, &s->sampling_rate);
	if (v[POLL])
		get_u32(l, v[POLL], "'polling-interval'", false, 0, 3600, &s->polling_interval_s);
	if (v[HDR])
		get_u32(l, v[HDR], "'header-bytes'", false, FAB_SFLOW_HEADER_MIN,
			FAB_SFLOW_HEADER_MAX, &s->header_bytes);
	if (s->ncollectors > 0 && s->agent[0] == '\0')
		err(l, n,
		    "sFlow collectors need an 'agent-address': the address collectors "
		    "know this switch by");
}

/* An https:// URL: the sync never fetches in clear text. */
static void get_url(struct loader *l, yaml_node_t *n, const char *what, char *out)
{
	char buf[64];

	if (!get_text(l, n, what, TEXT_FREE, out, FAB_URL_MAX))
		return;
	if (strncmp(out, "https://", 8) != 0 || out[8] == '\0' || strpbrk(out, " \t") != NULL) {
		err(l, n, "%s must be an https:// URL, not '%s'", what,
		    show(out, buf, sizeof(buf)));
		out[0] = '\0';
	}
}

static void load_sync(struct loader *l, yaml_node_t *n)
{
	enum { VLANS, IFACES, MAP, KEY, CA, INTERVAL, TIMEOUT, REMOVAL, N };
	static const struct key keys[N] = {
	    [VLANS] = {"vlans", true},      [IFACES] = {"interfaces", true},
	    [MAP] = {"map", true},          [KEY] = {"api-key-file", false},
	    [CA] = {"ca-file", false},      [INTERVAL] = {"interval", false},
	    [TIMEOUT] = {"timeout", false}, [REMOVAL] = {"max-removal", false},
	};
	struct fab_sync *s = &l->m->mgmt.sync;
	yaml_node_t *v[N];

	if (!map_fields(l, n, "'sync'", "sync", keys, N, v))
		return;
	if (v[VLANS])
		get_url(l, v[VLANS], "'vlans'", s->vlans_url);
	if (v[IFACES])
		get_url(l, v[IFACES], "'interfaces'", s->interfaces_url);
	if (v[MAP])
		get_text(l, v[MAP], "'map'", TEXT_PATH, s->map, sizeof(s->map));
	if (v[KEY])
		get_text(l, v[KEY], "'api-key-file'", TEXT_PATH, s->api_key_file,
			 sizeof(s->api_key_file));
	if (v[CA])
		get_text(l, v[CA], "'ca-file'", TEXT_PATH, s->ca_file, sizeof(s->ca_file));
	if (v[INTERVAL])
		get_u32(l, v[INTERVAL], "'interval'", false, 0, 86400, &s->interval_s);
	if (v[TIMEOUT])
		get_u32(l, v[TIMEOUT], "'timeout'", false, 1, 600, &s->timeout_s);
	if (v[REMOVAL])
		get_u32(l, v[REMOVAL], "'max-removal'", false, 0, 100, &s->max_removal_pct);
	/* Half a sync setting is none: say so rather than never syncing. */
	if (s->vlans_url[0] == '\0' || s->interfaces_url[0] == '\0' || s->map[0] == '\0')
		memset(s->vlans_url, 0, sizeof(s->vlans_url));
}

static void load_management(struct loader *l, yaml_node_t *n)
{
	enum { CTL, CLI, CLIRO, GROUP, METRICS, STATE, SFLOW, SYNC, P2PFILE, P2PINT, N };
	static const struct key keys[N] = {
	    [CTL] = {"control-socket", false},
	    [CLI] = {"cli-socket", false},
	    [CLIRO] = {"cli-readonly-socket", false},
	    [GROUP] = {"cli-group", false},
	    [METRICS] = {"metrics", false},
	    [STATE] = {"state-dir", false},
	    [SFLOW] = {"sflow", false},
	    [SYNC] = {"sync", false},
	    [P2PFILE] = {"p2p-file", false},
	    [P2PINT] = {"p2p-interval", false},
	};
	struct fab_management *g = &l->m->mgmt;
	/* A socket path must fit sockaddr_un.sun_path with its NUL. */
	size_t sun_max = sizeof(((struct sockaddr_un *)0)->sun_path);
	yaml_node_t *v[N];

	if (!map_fields(l, n, "'management'", "management", keys, N, v))
		return;
	if (v[CTL])
		get_text(l, v[CTL], "'control-socket'", TEXT_PATH, g->control_socket, sun_max);
	if (v[CLI])
		get_text(l, v[CLI], "'cli-socket'", TEXT_PATH, g->cli_socket, sun_max);
	if (v[CLIRO])
		get_text(l, v[CLIRO], "'cli-readonly-socket'", TEXT_PATH, g->cli_ro_socket,
			 sun_max);
	if (v[GROUP])
		get_text(l, v[GROUP], "'cli-group'", TEXT_IDENT, g->cli_group,
			 sizeof(g->cli_group));
	if (v[STATE])
		get_text(l, v[STATE], "'state-dir'", TEXT_PATH, g->state_dir, sizeof(g->state_dir));
	if (v[P2PFILE])
		get_text(l, v[P2PFILE], "'p2p-file'", TEXT_PATH, g->p2p_file, sizeof(g->p2p_file));
	if (v[P2PINT])
		get_u32(l, v[P2PINT], "'p2p-interval'", false, 0, 86400, &g->p2p_interval_s);
	if (v[SFLOW])
		load_sflow(l, v[SFLOW]);
	if (v[SYNC])
		load_sync(l, v[SYNC]);
	if (v[METRICS]) {
		char tmp[FAB_NAME_MAX], buf[64];

		if (!get_text(l, v[METRICS], "'metrics'", TEXT_FREE, tmp, sizeof(tmp)))
			return;
		if (strcmp(tmp, "off") == 0)
			tmp[0] = '\0';
		if (tmp[0] != '\0' && !metrics_valid(tmp)) {
			err(l, v[METRICS],
			    "'metrics' must be ADDRESS:PORT (127.0.0.1:9712, [::1]:9712), \"\" or "
			    "off, not '%s'",
			    show(tmp, buf, sizeof(buf)));
			return;
		}
		memset(g->metrics_listen, 0, sizeof(g->metrics_listen));
		memcpy(g->metrics_listen, tmp, strlen(tmp));
	}
}

static void check_ip(struct loader *l, yaml_node_t *e, const struct fab_ip6 *a, const char *text);

/*
 * A LAN's blackhole: a MAC nobody else uses and at least one next-hop
 * address inside the LAN's prefix, which no member may then be given (the
 * address table of check_ip holds it from here on).
 */
static void load_blackhole(struct loader *l, struct fab_lan *lan, yaml_node_t *n)
{
	enum { MAC, V4, V6, N };
	static const struct key keys[N] = {
	    [MAC] = {"mac", true}, [V4] = {"ipv4", false}, [V6] = {"ipv6", false}};
	struct fab_blackhole bh = {0};
	yaml_node_t *v[N];
	char buf[64];
	bool ok = true;

	if (!map_fields(l, n, "'blackhole'", "blackhole", keys, N, v))
		return;
	if (v[MAC] == NULL || !get_mac(l, v[MAC], "blackhole MAC", &bh.mac))
		ok = false;
	else if (bh.mac == l->m->policy.sponge.mac)
		ok = false, err(l, v[MAC], "blackhole MAC is the sponge's MAC (policy sponge mac)");
	if (v[V4] == NULL && v[V6] == NULL) {
		err(l, n, "blackhole of LAN '%s' needs an 'ipv4' or 'ipv6' next hop", lan->name);
		ok = false;
	}
	for (int six = 0; six < 2; six++) {
		yaml_node_t *e = v[six ? V6 : V4];
		const char *s = e ? scalar(l, e, six ? "blackhole ipv6" : "blackhole ipv4") : NULL;
		struct fab_ip6 a = {.b = {[10] = 0xff, [11] = 0xff}};
		uint32_t a4 = 0;

		if (s == NULL)
			continue;
		if (six ? fab_ip6_parse(s, &a) != 0 : fab_ip4_parse(s, &a4) != 0 || a4 == 0) {
			err(l, e, "malformed blackhole IPv%d address '%s'", six ? 6 : 4,
			    show(s, buf, sizeof(buf)));
			ok = false;
			continue;
		}
		if (six ? !fab_prefix6_contains(&lan->ipv6, &a)
			: !fab_prefix4_contains(&lan->ipv4, a4)) {
			err(l, e, "blackhole address %s is outside LAN '%s''s IPv%d prefix", s,
			    lan->name, six ? 6 : 4);
			ok = false;
			continue;
		}
		if (!six)
			for (int k = 0; k < 4; k++)
				a.b[12 + k] = (uint8_t)(a4 >> (24 - 8 * k));
		check_ip(l, e, &a, s);
		if (six) {
			bh.has_ipv6 = true;
			bh.ipv6 = a;
		} else {
			bh.ipv4 = a4;
		}
	}
	if (ok)
		lan->blackhole = bh;
}

static void load_lans(struct loader *l, yaml_node_t *n)
{
	enum { NAME, VLAN, KIND, V4, V6, NP, BH, VNI, MTU, N };
	static const struct key keys[N] = {
	    [NAME] = {"name", true},     [VLAN] = {"vlan", true}, [KIND] = {"kind", false},
	    [V4] = {"ipv4", false},      [V6] = {"ipv6", false},  [NP] = {"neighbor-policy", false},
	    [BH] = {"blackhole", false}, [VNI] = {"vni", false},  [MTU] = {"mtu", false},
	};
	struct fab_model *m = l->m;
	size_t cnt;
	yaml_node_item_t *it = seq_items_max(l, n, "'lans'", FAB_LANS_MAX, "LANs", &cnt);

	if (it == NULL || cnt == 0)
		return;
	m->lans = calloc(cnt, sizeof(*m->lans));
	l->lan_vlan_line = calloc(cnt, sizeof(*l->lan_vlan_line));
	if (m->lans == NULL || l->lan_vlan_line == NULL) {
		l->nomem = true;
		return;
	}
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *e = node(l, it[i]), *v[N];
		struct fab_lan *lan = &m->lans[m->nlans];
		uint32_t vlan, mtu;
		int dup;

		bool named;

		/* A LAN without a valid, new name is still checked, but not added. */
		memset(lan, 0, sizeof(*lan));
		if (!map_fields(l, e, "each entry of 'lans'", "LAN", keys, N, v))
			continue;
		named = v[NAME] != NULL &&
			get_text(l, v[NAME], "LAN name", TEXT_IDENT, lan->name, sizeof(lan->name));
		dup = named ? fab_model_lan_by_name(m, lan->name) : -1;
		if (dup >= 0) {
			err(l, v[NAME], "LAN '%s' is already defined at line %u", lan->name,
			    m->lans[dup].pos.line);
			named = false;
		}
		lan->pos = (struct fab_pos){line_of(e), (uint32_t)e->start_mark.column + 1};
		lan->neigh = m->policy.neigh;
		lan->mtu = FAB_MTU_DEFAULT;
		if (v[MTU] && get_u32(l, v[MTU], "LAN MTU", false, FAB_MTU_MIN, FAB_MTU_MAX, &mtu))
			lan->mtu = (uint16_t)mtu;
		if (v[VLAN] && get_u32(l, v[VLAN], "VLAN id", false, 1, 4094, &vlan)) {
			dup = fab_model_lan_by_vlan(m, (uint16_t)vlan);
			if (dup >= 0)
				err(l, v[VLAN], "VLAN %u is already used by LAN '%s' at line %u",
				    vlan, m->lans[dup].name, l->lan_vlan_line[dup]);
			else
				lan->vlan = (uint16_t)vlan;
			l->lan_vlan_line[m->nlans] = line_of(v[VLAN]);
		}
		if (v[KIND])
			GET_ENUM(l, v[KIND], "LAN kind", lan_kind_names, &lan->kind);
		if (v[V4])
			get_prefix4(l, v[V4], &lan->ipv4);
		if (v[V6])
			get_prefix6(l, v[V6], &lan->ipv6);
		if (v[NP])
			GET_ENUM(l, v[NP], "neighbor-policy", neigh_names, &lan->neigh);
		if (v[BH])
			load_blackhole(l, lan, v[BH]);
		if (v[VNI] && get_u32(l, v[VNI], "VNI", false, 1, FAB_VNI_MAX, &lan->vni)) {
			for (size_t j = 0; j < m->nlans; j++)
				if (m->lans[j].vni == lan->vni) {
					err(l, v[VNI],
					    "VNI %u is already used by LAN '%s' at line %u",
					    lan->vni, m->lans[j].name, m->lans[j].pos.line);
					lan->vni = 0;
				}
		}
		if (named)
			m->nlans++;
	}
}

static void load_port_lans(struct loader *l, struct fab_port *port, yaml_node_t *n)
{
	struct fab_model *m = l->m;
	size_t cnt;
	yaml_node_item_t *it = seq_items(l, n, "'lans' of a port", &cnt);
	char buf[64];

	if (it == NULL)
		return;
	if (cnt == 0) {
		err(l, n, "port '%s' carries no LAN", port->name);
		return;
	}
	if (port->mode == FAB_PORT_ACCESS && cnt != 1)
		err(l, n,
		    "access port '%s' must carry exactly one LAN, not %zu (make it 'mode: trunk' "
		    "to "
		    "carry several)",
		    port->name, cnt);
	port->lans = calloc(cnt, sizeof(*port->lans));
	if (port->lans == NULL) {
		l->nomem = true;
		return;
	}
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *e = node(l, it[i]);
		const char *name = scalar(l, e, "a LAN name");
		int lan;
		bool dup = false;

		if (name == NULL)
			continue;
		lan = fab_model_lan_by_name(m, name);
		if (lan < 0) {
			err(l, e, "port '%s' refers to LAN '%s', which is not defined", port->name,
			    show(name, buf, sizeof(buf)));
			continue;
		}
		for (size_t j = 0; j < port->nlans; j++)
			dup |= port->lans[j] == lan;
		if (dup) {
			err(l, e, "LAN '%s' is listed twice on port '%s'", name, port->name);
			continue;
		}
		port->lans[port->nlans++] = (uint16_t)lan;
	}
}

/*
 * Reports dev if a port before this one, or this port's own links before it,
 * already uses it: one device, one port (a link of a LAG included).
 */
static void check_device_unused(struct loader *l, yaml_node_t *n, const struct fab_port *port,
				const char *dev)
{
	const struct fab_model *m = l->m;

	for (size_t j = 0; j <= m->nports; j++) {
		const struct fab_port *q = &m->ports[j];
		bool used = j < m->nports && strcmp(q->device, dev) == 0;

		for (uint8_t k = 0; !used && k < q->lag.nlinks; k++)
			used = q->lag.links[k] != dev && strcmp(q->lag.links[k], dev) == 0;
		if (!used)
			continue;
		if (q == port)
			err(l, n, "link '%s' is listed twice in LAG '%s'", dev, port->name);
		else if (dev == port->device)
			err(l, n, "device of port '%s' is already used by port '%s' at line %u",
			    port->name, q->name, l->port_device_line[j]);
		else
			err(l, n, "link '%s' of LAG '%s' is already used by port '%s' at line %u",
			    dev, port->name, q->name, l->port_device_line[j]);
		return;
	}
}

/* A port's 'lag' mapping: its links and how they are bundled. */
static void load_port_lag(struct loader *l, struct fab_port *port, yaml_node_t *n)
{
	enum { LINKS, LACP, RATE, MINL, HASH, N };
	static const struct key keys[N] = {
	    [LINKS] = {"links", true},     [LACP] = {"lacp", false}, [RATE] = {"rate", false},
	    [MINL] = {"min-links", false}, [HASH] = {"hash", false},
	};
	struct fab_lag *lag = &port->lag;
	yaml_node_t *v[N];
	yaml_node_item_t *it;
	uint32_t num;
	size_t cnt;

	lag->lacp = FAB_LACP_ACTIVE;
	lag->rate = FAB_LACP_FAST;
	lag->hash = FAB_LAG_HASH_L23;
	lag->min_links = 1;
	if (!map_fields(l, n, "'lag' of a port", "lag", keys, N, v))
		return;
	if (v[LACP]) {
		GET_ENUM(l, v[LACP], "LACP mode", lacp_mode_names, &lag->lacp);
		/* DPDK 22.11's 802.3ad always sets its actor's LACP_ACTIVE bit and
		 * has no call to clear it: a passive LAG would be active. */
		if (lag->lacp == FAB_LACP_PASSIVE)
			err(l, v[LACP],
			    "LACP passive is not supported on LAG '%s': DPDK's bonding driver "
			    "always "
			    "sends LACPDUs; use 'active', which aggregates with a passive partner "
			    "too",
			    port->name);
	}
	if (v[RATE])
		GET_ENUM(l, v[RATE], "LACP rate", lacp_rate_names, &lag->rate);
	if (v[HASH])
		GET_ENUM(l, v[HASH], "LAG transmit hash", lag_hash_names, &lag->hash);
	if (v[LINKS] == NULL)
		return;
	it = seq_items_max(l, v[LINKS], "'links' of a LAG", FAB_LAG_LINKS_MAX, "links of a LAG",
			   &cnt);
	if (it != NULL && cnt == 0)
		err(l, v[LINKS], "LAG '%s' has no links", port->name);
	for (size_t i = 0; it != NULL && i < cnt; i++) {
		yaml_node_t *e = node(l, it[i]);
		char *dev = lag->links[lag->nlinks];

		if (!get_text(l, e, "link device", TEXT_FREE, dev, FAB_DEVICE_MAX))
			continue;
		if (dev[0] == '\0') {
			err(l, e, "a link of LAG '%s' is empty", port->name);
			continue;
		}
		check_device_unused(l, e, port, dev);
		lag->nlinks++;
	}
	if (v[MINL] && get_u32(l, v[MINL], "'min-links'", false, 1, FAB_LAG_LINKS_MAX, &num)) {
		lag->min_links = (uint8_t)num;
		if (it != NULL && num > cnt)
			err(l, v[MINL], "min-links %u of LAG '%s' is more than its %zu link(s)",
			    num, port->name, cnt);
	}
}

/*
 * A sub-rate port's policer: rate in bit/s, burst in bytes, by default 10 ms
 * at the rate and never less than the largest frame, which a smaller burst
 * would never let through.
 */
static void load_rate_limit(struct loader *l, struct fab_port *port, yaml_node_t *n)
{
	enum { RATE, BURST, N };
	static const struct key keys[N] = {[RATE] = {"rate", true}, [BURST] = {"burst", false}};
	yaml_node_t *v[N];
	const char *s;
	char *end, buf[64];
	unsigned long long bps;
	uint32_t burst = 0;

	if (!map_fields(l, n, "'rate-limit'", "rate-limit", keys, N, v))
		return;
	s = v[RATE] ? scalar(l, v[RATE], "rate-limit rate") : NULL;
	if (s == NULL)
		return;
	/* Bit/s, from 64 kb/s to 400 Gb/s. */
	errno = 0;
	bps = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || bps < 64000 ||
	    bps > 400000000000ULL) {
		err(l, v[RATE], "rate-limit rate '%s' must be bit/s from 64000 to 400000000000",
		    show(s, buf, sizeof(buf)));
		return;
	}
	if (v[BURST] && !get_u32(l, v[BURST], "rate-limit burst (bytes)", false,
				 FAB_MTU_MAX + FAB_RATE_L2_MAX, 1u << 30, &burst))
		return;
	port->rate_bps = bps;
	port->rate_burst = burst ? burst : fab_rate_burst_default(bps);
}

/* An IPv4 unicast address for a VTEP: not 0, multicast, broadcast or class E. */
static bool get_vtep_ip4(struct loader *l, yaml_node_t *n, const char *what, uint32_t *out)
{
	const char *s = scalar(l, n, what);
	char buf[64];
	uint32_t a;

	if (s == NULL)
		return false;
	if (fab_ip4_parse(s, &a) != 0 || a == 0 || a >= 0xe0000000u || (a >> 24) == 127) {
		err(l, n, "%s '%s' must be a unicast IPv4 address", what,
		    show(s, buf, sizeof(buf)));
		return false;
	}
	*out = a;
	return true;
}

/* A remote node's VTEP: its address, and no device of its own. */
static void load_port_vtep(struct loader *l, struct fab_port *port, yaml_node_t *e,
			   yaml_node_t *remote, yaml_node_t *dev)
{
	port->mode = FAB_PORT_TRUNK;
	if (dev != NULL)
		err(l, dev, "VTEP port '%s' has no device: its frames leave by the underlay port",
		    port->name);
	if (remote == NULL)
		err(l, e, "VTEP port '%s' needs 'remote', the other node's VTEP address",
		    port->name);
	else
		get_vtep_ip4(l, remote, "'remote'", &port->vxlan.address);
}

/* This node's VTEP, on its underlay port. */
static void load_port_underlay(struct loader *l, struct fab_port *port, yaml_node_t *e,
			       yaml_node_t *addr, yaml_node_t *mac, yaml_node_t *nh)
{
	if (addr == NULL || mac == NULL || nh == NULL) {
		err(l, e, "underlay port '%s' needs 'vtep-address', 'vtep-mac' and 'next-hop-mac'",
		    port->name);
		return;
	}
	get_vtep_ip4(l, addr, "'vtep-address'", &port->vxlan.address);
	get_mac(l, mac, "'vtep-mac'", &port->vxlan.mac);
	get_mac(l, nh, "'next-hop-mac'", &port->vxlan.next_hop_mac);
}

/*
 * What only the whole list of ports shows: one underlay port at most, which
 * every VTEP port needs; distinct remote addresses, none this node's own;
 * a VNI on every LAN a VTEP port carries; room in the underlay's MTU for a
 * VTEP port's frames and the 50 bytes VXLAN adds.
 */
static void check_vxlan(struct loader *l)
{
	const struct fab_model *m = l->m;
	const struct fab_port *under = NULL;

	for (size_t i = 0; i < m->nports; i++) {
		const struct fab_port *p = &m->ports[i];

		if (p->kind != FAB_PORT_UNDERLAY)
			continue;
		if (under != NULL)
			errors_add(l->errs, l->file, p->pos.line, p->pos.col,
				   "port '%s' is a second underlay port; a node has one VTEP, on "
				   "'%s' at line %u",
				   p->name, under->name, under->pos.line);
		else
			under = p;
	}
	for (size_t i = 0; i < m->nports; i++) {
		const struct fab_port *p = &m->ports[i];
		char a[16];

		if (p->kind != FAB_PORT_VTEP)
			continue;
		fab_ip4_format(p->vxlan.address, a, sizeof(a));
		if (under == NULL) {
			errors_add(l->errs, l->file, p->pos.line, p->pos.col,
				   "VTEP port '%s' needs a port of kind underlay to reach it",
				   p->name);
			continue;
		}
		if (p->vxlan.address != 0 && p->vxlan.address == under->vxlan.address)
			errors_add(l->errs, l->file, p->pos.line, p->pos.col,
				   "VTEP port '%s': remote %s is this node's own VTEP address",
				   p->name, a);
		for (size_t j = 0; j < i; j++)
			if (m->ports[j].kind == FAB_PORT_VTEP && p->vxlan.address != 0 &&
			    m->ports[j].vxlan.address == p->vxlan.address)
				errors_add(l->errs, l->file, p->pos.line, p->pos.col,
					   "VTEP port '%s': remote %s is already VTEP port '%s' at "
					   "line %u",
					   p->name, a, m->ports[j].name, m->ports[j].pos.line);
		for (size_t k = 0; k < p->nlans; k++)
			if (m->lans[p->lans[k]].vni == 0)
				errors_add(l->errs, l->file, p->pos.line, p->pos.col,
					   "VTEP port '%s' carries LAN '%s', which has no 'vni'",
					   p->name, m->lans[p->lans[k]].name);
		if ((uint32_t)p->mtu + FAB_VXLAN_OVERHEAD > under->mtu)
			errors_add(l->errs, l->file, p->pos.line, p->pos.col,
				   "VTEP port '%s': MTU %u and VXLAN's %u bytes exceed the "
				   "underlay port's MTU %u",
				   p->name, p->mtu, FAB_VXLAN_OVERHEAD, under->mtu);
	}
}

static void load_evpn(struct loader *l, yaml_node_t *n)
{
	enum { ASN, RID, NEIGH, NASN, N };
	static const struct key keys[N] = {
	    [ASN] = {"asn", true},
	    [RID] = {"router-id", false},
	    [NEIGH] = {"neighbors", true},
	    [NASN] = {"neighbor-asn", false},
	};
	struct fab_evpn *e = &l->m->evpn;
	yaml_node_t *v[N];
	yaml_node_item_t *it;
	size_t cnt;

	if (!map_fields(l, n, "'evpn'", "evpn", keys, N, v))
		return;
	if (v[ASN])
		get_u32(l, v[ASN], "'asn'", false, 1, UINT32_MAX, &e->asn);
	if (v[RID])
		get_vtep_ip4(l, v[RID], "'router-id'", &e->router_id);
	if (v[NASN])
		get_u32(l, v[NASN], "'neighbor-asn'", false, 1, UINT32_MAX, &e->neighbor_asn);
	else
		e->neighbor_asn = e->asn;
	it = v[NEIGH] ? seq_items_max(l, v[NEIGH], "'neighbors'", FAB_EVPN_NEIGHBORS_MAX,
				      "neighbors", &cnt)
		      : NULL;
	if (v[NEIGH] != NULL && it != NULL && cnt == 0)
		err(l, v[NEIGH], "'neighbors' needs at least one address: the route reflector");
	for (size_t i = 0; it != NULL && i < cnt; i++) {
		yaml_node_t *a = node(l, it[i]);
		uint32_t addr;

		if (!get_vtep_ip4(l, a, "a neighbor", &addr))
			continue;
		for (size_t j = 0; j < e->nneighbors; j++)
			if (e->neighbors[j] == addr) {
				err(l, a, "neighbor listed twice");
				addr = 0;
			}
		if (addr != 0)
			e->neighbors[e->nneighbors++] = addr;
	}
}

/*
 * EVPN needs this node's VTEP (the next hop of its routes, and the router
 * id unless one is given); a VTEP port follows BGP only with EVPN on.
 */
static void check_evpn(struct loader *l, yaml_node_t *section)
{
	struct fab_model *m = l->m;
	const struct fab_port *under = NULL;

	for (size_t i = 0; i < m->nports; i++)
		if (m->ports[i].kind == FAB_PORT_UNDERLAY)
			under = &m->ports[i];
	if (section != NULL && m->evpn.asn != 0 && under == NULL)
		err(l, section, "'evpn' needs a port of kind underlay: this node's VTEP");
	else if (section != NULL && m->evpn.router_id == 0 && under != NULL)
		m->evpn.router_id = under->vxlan.address;
	for (size_t i = 0; i < m->nports; i++)
		if (m->ports[i].vxlan.evpn && m->evpn.asn == 0)
			errors_add(l->errs, l->file, m->ports[i].pos.line, m->ports[i].pos.col,
				   "VTEP port '%s' has 'evpn: true' but the configuration has no "
				   "'evpn' section",
				   m->ports[i].name);
}

static void load_ports(struct loader *l, yaml_node_t *n)
{
	enum {
		NAME,
		DEV,
		LAG,
		DESC,
		KIND,
		MODE,
		LANS,
		ADMIN,
		MTU,
		SPEED,
		VIOL,
		RATE,
		REMOTE,
		VADDR,
		VMAC,
		NHMAC,
		EVPN,
		N
	};
	static const struct key keys[N] = {
	    [NAME] = {"name", true},       [DEV] = {"device", false},
	    [LAG] = {"lag", false},        [DESC] = {"description", false},
	    [KIND] = {"kind", false},      [MODE] = {"mode", false},
	    [LANS] = {"lans", false},      [ADMIN] = {"admin", false},
	    [MTU] = {"mtu", false},        [SPEED] = {"speed", false},
	    [VIOL] = {"violation", false}, [RATE] = {"rate-limit", false},
	    [REMOTE] = {"remote", false},  [VADDR] = {"vtep-address", false},
	    [VMAC] = {"vtep-mac", false},  [NHMAC] = {"next-hop-mac", false},
	    [EVPN] = {"evpn", false},
	};
	struct fab_model *m = l->m;
	size_t cnt;
	yaml_node_item_t *it = seq_items_max(l, n, "'ports'", FAB_PORTS_MAX, "ports", &cnt);

	if (it == NULL || cnt == 0)
		return;
	m->ports = calloc(cnt, sizeof(*m->ports));
	l->port_device_line = calloc(cnt, sizeof(*l->port_device_line));
	l->port_conn_member = calloc(cnt, sizeof(*l->port_conn_member));
	l->port_conn_line = calloc(cnt, sizeof(*l->port_conn_line));
	if (m->ports == NULL || l->port_device_line == NULL || l->port_conn_member == NULL ||
	    l->port_conn_line == NULL) {
		l->nomem = true;
		return;
	}
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *e = node(l, it[i]), *v[N];
		struct fab_port *port = &m->ports[m->nports];
		uint32_t num;
		int dup, up;

		bool named;

		/* As for LANs: a port without a valid, new name is checked, not added. */
		free(port->lans);
		memset(port, 0, sizeof(*port));
		if (!map_fields(l, e, "each entry of 'ports'", "port", keys, N, v))
			continue;
		named = v[NAME] != NULL && get_text(l, v[NAME], "port name", TEXT_IDENT, port->name,
						    sizeof(port->name));
		dup = named ? fab_model_port_by_name(m, port->name) : -1;
		if (dup >= 0) {
			err(l, v[NAME], "port '%s' is already defined at line %u", port->name,
			    m->ports[dup].pos.line);
			named = false;
		}
		port->pos = (struct fab_pos){line_of(e), (uint32_t)e->start_mark.column + 1};
		port->admin_up = true;
		port->violation = m->policy.violation;
		l->port_conn_member[m->nports] = -1;
		/* The kind first: it says which of the other keys the port needs. */
		if (v[KIND])
			GET_ENUM(l, v[KIND], "port kind", port_kind_names, &port->kind);
		if (port->kind == FAB_PORT_VTEP) {
			load_port_vtep(l, port, e, v[REMOTE], v[DEV] ? v[DEV] : v[LAG]);
			if (v[MODE] != NULL || v[VADDR] != NULL || v[VMAC] != NULL ||
			    v[NHMAC] != NULL)
				err(l,
				    v[MODE]    ? v[MODE]
				    : v[VADDR] ? v[VADDR]
				    : v[VMAC]  ? v[VMAC]
					       : v[NHMAC],
				    "VTEP port '%s' takes 'remote' and 'lans'; it is always a "
				    "trunk "
				    "of those LANs over VXLAN",
				    port->name);
			if (v[EVPN] != NULL)
				get_bool(l, v[EVPN], "'evpn'", &port->vxlan.evpn);
		} else if (v[REMOTE] != NULL || v[EVPN] != NULL) {
			err(l, v[REMOTE] ? v[REMOTE] : v[EVPN],
			    "'%s' belongs to a port of kind vtep only",
			    v[REMOTE] ? "remote" : "evpn");
		}
		if (port->kind == FAB_PORT_UNDERLAY)
			load_port_underlay(l, port, e, v[VADDR], v[VMAC], v[NHMAC]);
		else if (v[VADDR] != NULL || v[VMAC] != NULL || v[NHMAC] != NULL)
			err(l,
			    v[VADDR]  ? v[VADDR]
			    : v[VMAC] ? v[VMAC]
				      : v[NHMAC],
			    "'vtep-address', 'vtep-mac' and 'next-hop-mac' belong to the port of "
			    "kind underlay only");
		if (port->kind == FAB_PORT_VTEP)
			; /* load_port_vtep() said what it needs instead */
		else if (v[DEV] != NULL && v[LAG] != NULL)
			err(l, v[LAG],
			    "port '%s' has both 'device' and 'lag'; a LAG's devices are its links",
			    port->name);
		else if (v[DEV] == NULL && v[LAG] == NULL)
			err(l, e, "port '%s' needs 'device' (one link) or 'lag' (several)",
			    port->name);
		if (v[DEV] && port->kind != FAB_PORT_VTEP &&
		    get_text(l, v[DEV], "device", TEXT_FREE, port->device, sizeof(port->device))) {
			if (port->device[0] == '\0')
				err(l, v[DEV], "device of port '%s' is empty", port->name);
			else
				check_device_unused(l, v[DEV], port, port->device);
			l->port_device_line[m->nports] = line_of(v[DEV]);
		}
		if (v[LAG] != NULL && v[DEV] == NULL && port->kind != FAB_PORT_VTEP) {
			load_port_lag(l, port, v[LAG]);
			l->port_device_line[m->nports] = line_of(v[LAG]);
		}
		if (v[DESC])
			get_text(l, v[DESC], "description", TEXT_FREE, port->description,
				 sizeof(port->description));
		if (v[MODE] && port->kind != FAB_PORT_VTEP)
			GET_ENUM(l, v[MODE], "port mode", port_mode_names, &port->mode);
		if (v[ADMIN] && GET_ENUM(l, v[ADMIN], "admin state", admin_names, &up))
			port->admin_up = up;
		if (v[MTU] && get_u32(l, v[MTU], "MTU", false, FAB_MTU_MIN, FAB_MTU_MAX, &num))
			port->mtu = (uint16_t)num;
		if (v[SPEED])
			get_u32(l, v[SPEED], "'speed'", false, 0, UINT32_MAX, &port->speed_mbps);
		if (v[VIOL])
			GET_ENUM(l, v[VIOL], "violation action", violation_names, &port->violation);
		if (v[RATE])
			load_rate_limit(l, port, v[RATE]);
		if (port->kind == FAB_PORT_UNDERLAY && v[LANS] != NULL)
			err(l, v[LANS],
			    "underlay port '%s' carries no LAN: the LANs reach other nodes through "
			    "VTEP ports and their VNIs",
			    port->name);
		else if (v[LANS])
			load_port_lans(l, port, v[LANS]);
		else if (port->kind != FAB_PORT_UNDERLAY)
			err(l, e, "missing required key 'lans' in port");
		/* A port on the jumbo-frame LAN takes its frames unless told otherwise. */
		if (v[MTU] == NULL)
			port->mtu = fab_model_port_mtu_default(m, port);
		if (named)
			m->nports++;
	}
	check_vxlan(l);
	if (m->nports < cnt) {
		free(m->ports[m->nports].lans);
		m->ports[m->nports].lans = NULL;
	}
}

static bool port_carries(const struct fab_port *p, int lan)
{
	for (size_t i = 0; i < p->nlans; i++)
		if (p->lans[i] == lan)
			return true;
	return false;
}

/* Where one binding sits, for the MAC and address checks. */
struct place {
	size_t member, conn, binding;
	const struct fab_member *mb;
	const struct fab_port *port;
	const struct fab_lan *lan;
	fab_mac_t sponge_mac;
};

static void check_mac(struct loader *l, yaml_node_t *e, fab_mac_t mac, const struct place *pl)
{
	char buf[18];
	struct seen_mac *s;

	fab_mac_format(mac, buf, sizeof(buf));
	if (mac == pl->sponge_mac)
		err(l, e, "MAC %s of AS%u is the sponge's MAC (policy sponge mac)", buf,
		    pl->mb->asn);
	for (size_t i = 0; i < l->m->nlans; i++)
		if (mac == l->m->lans[i].blackhole.mac)
			err(l, e, "MAC %s of AS%u is the blackhole MAC of LAN '%s'", buf,
			    pl->mb->asn, l->m->lans[i].name);
	for (size_t i = 0; i < l->nmacs; i++) {
		const struct seen_mac *o = &l->macs[i];
		const struct fab_member *om = &l->m->members[o->member];

		if (o->mac != mac)
			continue;
		if (o->member != pl->member)
			err(l, e, "MAC %s is already assigned to AS%u (%s) at line %u", buf,
			    om->asn, om->name, o->line);
		else if (o->conn != pl->conn)
			err(l, e,
			    "MAC %s of AS%u is already used on port '%s' at line %u; one MAC "
			    "belongs to one port",
			    buf, om->asn, l->m->ports[om->conns[o->conn].port].name, o->line);
		else if (o->binding == pl->binding)
			err(l, e, "MAC %s is listed twice (first at line %u)", buf, o->line);
		else
			continue;
		return;
	}
	if (grow((void **)&l->macs, l->nmacs, &l->capmacs, sizeof(*l->macs)) != 0) {
		l->nomem = true;
		return;
	}
	s = &l->macs[l->nmacs++];
	*s = (struct seen_mac){mac, pl->member, pl->conn, pl->binding, line_of(e)};
}

static void check_ip(struct loader *l, yaml_node_t *e, const struct fab_ip6 *a, const char *text)
{
	for (size_t i = 0; i < l->nips; i++)
		if (memcmp(&l->ips[i].addr, a, sizeof(*a)) == 0) {
			err(l, e, "address %s is already assigned at line %u", text,
			    l->ips[i].line);
			return;
		}
	if (grow((void **)&l->ips, l->nips, &l->capips, sizeof(*l->ips)) != 0) {
		l->nomem = true;
		return;
	}
	l->ips[l->nips++] = (struct seen_ip){*a, line_of(e)};
}

static void load_binding_macs(struct loader *l, struct fab_binding *b, yaml_node_t *n,
			      const struct place *pl)
{
	size_t cnt;
	yaml_node_item_t *it = seq_items(l, n, "'macs'", &cnt);

	if (it == NULL)
		return;
	if (cnt == 0) {
		err(l, n, "AS%u has no MAC address on LAN '%s'", pl->mb->asn, pl->lan->name);
		return;
	}
	b->macs = calloc(cnt, sizeof(*b->macs));
	if (b->macs == NULL) {
		l->nomem = true;
		return;
	}
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *e = node(l, it[i]);
		fab_mac_t mac;

		if (!get_mac(l, e, "MAC", &mac))
			continue;
		check_mac(l, e, mac, pl);
		b->macs[b->nmacs++] = mac;
	}
}

/* A member's addresses of one family on one LAN: well formed, inside the LAN's prefix, unique. */
static void load_binding_ips(struct loader *l, struct fab_binding *b, yaml_node_t *n,
			     const struct place *pl, bool v6)
{
	const struct fab_lan *lan = pl->lan;
	bool has_prefix = v6 ? lan->ipv6.set : lan->ipv4.set;
	unsigned plen = v6 ? lan->ipv6.len : lan->ipv4.len;
	int fam = v6 ? 6 : 4;
	size_t cnt;
	yaml_node_item_t *it = seq_items(l, n, v6 ? "'ipv6'" : "'ipv4'", &cnt);
	char buf[64], pfx[INET6_ADDRSTRLEN];
	void *store;

	if (it == NULL || cnt == 0)
		return;
	if (v6) {
		struct fab_ip6 p;

		memcpy(p.b, lan->ipv6.addr, sizeof(p.b));
		fab_ip6_format(&p, pfx, sizeof(pfx));
		store = b->ipv6 = calloc(cnt, sizeof(*b->ipv6));
	} else {
		fab_ip4_format(lan->ipv4.addr, pfx, sizeof(pfx));
		store = b->ipv4 = calloc(cnt, sizeof(*b->ipv4));
	}
	if (store == NULL) {
		l->nomem = true;
		return;
	}
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *e = node(l, it[i]);
		const char *s = scalar(l, e, v6 ? "an IPv6 address" : "an IPv4 address");
		/* IPv4 as ::ffff:a.b.c.d, so one table finds duplicates of both families. */
		struct fab_ip6 a = {.b = {[10] = 0xff, [11] = 0xff}};
		uint32_t a4 = 0;
		bool inside;

		if (s == NULL)
			continue;
		if (v6 ? fab_ip6_parse(s, &a) != 0 : fab_ip4_parse(s, &a4) != 0) {
			err(l, e, "malformed IPv%d address '%s'", fam, show(s, buf, sizeof(buf)));
			continue;
		}
		if (!has_prefix) {
			err(l, e, "LAN '%s' has no IPv%d prefix, so %s cannot be assigned on it",
			    lan->name, fam, s);
			continue;
		}
		inside = v6 ? fab_prefix6_contains(&lan->ipv6, &a)
			    : fab_prefix4_contains(&lan->ipv4, a4);
		if (!inside) {
			err(l, e, "address %s is outside LAN '%s' (%s/%u)", s, lan->name, pfx,
			    plen);
			continue;
		}
		if (!v6) {
			a.b[12] = (uint8_t)(a4 >> 24);
			a.b[13] = (uint8_t)(a4 >> 16);
			a.b[14] = (uint8_t)(a4 >> 8);
			a.b[15] = (uint8_t)a4;
		}
		check_ip(l, e, &a, s);
		if (v6)
			b->ipv6[b->nipv6++] = a;
		else
			b->ipv4[b->nipv4++] = a4;
	}
}

static void load_bindings(struct loader *l, struct fab_connection *c, yaml_node_t *n,
			  struct place *pl)
{
	enum { LAN, MACS, V4, V6, N };
	static const struct key keys[N] = {
	    [LAN] = {"lan", true},
	    [MACS] = {"macs", true},
	    [V4] = {"ipv4", false},
	    [V6] = {"ipv6", false},
	};
	struct fab_model *m = l->m;
	size_t cnt;
	yaml_node_item_t *it = seq_items(l, n, "'lans' of a connection", &cnt);
	char buf[64];

	if (it == NULL)
		return;
	if (cnt == 0) {
		err(l, n, "connection of AS%u on port '%s' has no LAN", pl->mb->asn,
		    pl->port->name);
		return;
	}
	c->bindings = calloc(cnt, sizeof(*c->bindings));
	if (c->bindings == NULL) {
		l->nomem = true;
		return;
	}
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *e = node(l, it[i]), *v[N];
		struct fab_binding *b = &c->bindings[c->nbindings];
		const char *name;
		int lan;
		bool dup = false;

		if (!map_fields(l, e, "each entry of a connection's 'lans'", "LAN binding", keys, N,
				v) ||
		    v[LAN] == NULL || (name = scalar(l, v[LAN], "'lan'")) == NULL)
			continue;
		lan = fab_model_lan_by_name(m, name);
		if (lan < 0) {
			err(l, v[LAN], "LAN '%s' is not defined", show(name, buf, sizeof(buf)));
			continue;
		}
		if (!port_carries(pl->port, lan)) {
			err(l, v[LAN], "port '%s' does not carry LAN '%s'", pl->port->name, name);
			continue;
		}
		for (size_t j = 0; j < c->nbindings; j++)
			dup |= c->bindings[j].lan == lan;
		if (dup) {
			err(l, v[LAN], "LAN '%s' appears twice in this connection of AS%u", name,
			    pl->mb->asn);
			continue;
		}
		b->lan = (uint16_t)lan;
		b->pos = (struct fab_pos){line_of(e), (uint32_t)e->start_mark.column + 1};
		pl->binding = c->nbindings;
		pl->lan = &m->lans[lan];
		c->nbindings++;
		if (v[MACS])
			load_binding_macs(l, b, v[MACS], pl);
		if (v[V4])
			load_binding_ips(l, b, v[V4], pl, false);
		if (v[V6])
			load_binding_ips(l, b, v[V6], pl, true);
	}
}

static void load_connections(struct loader *l, struct fab_member *mb, yaml_node_t *n,
			     struct place *pl)
{
	enum { PORT, LANS, N };
	static const struct key keys[N] = {[PORT] = {"port", true}, [LANS] = {"lans", true}};
	struct fab_model *m = l->m;
	size_t cnt;
	yaml_node_item_t *it = seq_items(l, n, "'connections'", &cnt);
	char buf[64];

	if (it == NULL || cnt == 0)
		return;
	mb->conns = calloc(cnt, sizeof(*mb->conns));
	if (mb->conns == NULL) {
		l->nomem = true;
		return;
	}
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *e = node(l, it[i]), *v[N];
		struct fab_connection *c = &mb->conns[mb->nconns];
		const char *name;
		int port;

		if (!map_fields(l, e, "each entry of 'connections'", "connection", keys, N, v) ||
		    v[PORT] == NULL || (name = scalar(l, v[PORT], "'port'")) == NULL)
			continue;
		port = fab_model_port_by_name(m, name);
		if (port < 0) {
			err(l, v[PORT], "AS%u is connected to port '%s', which is not defined",
			    mb->asn, show(name, buf, sizeof(buf)));
			continue;
		}
		for (size_t j = 0; j < mb->nconns; j++)
			if (mb->conns[j].port == port) {
				err(l, v[PORT],
				    "AS%u already has a connection on port '%s' at line %u; list "
				    "all its LANs there",
				    mb->asn, name, mb->conns[j].pos.line);
				port = -1;
				break;
			}
		if (port >= 0 && m->ports[port].kind == FAB_PORT_UNDERLAY) {
			err(l, v[PORT],
			    "AS%u is connected to port '%s', the underlay: members behind another "
			    "node connect to its VTEP port",
			    mb->asn, name);
			port = -1;
		}
		if (port < 0)
			continue;
		if (m->ports[port].kind == FAB_PORT_EDGE) {
			long other = l->port_conn_member[port];

			if (other >= 0) {
				err(l, v[PORT],
				    "edge port '%s' is already used by AS%u at line %u; only core "
				    "ports carry several connections",
				    name, m->members[other].asn, l->port_conn_line[port]);
				continue;
			}
			l->port_conn_member[port] = (long)pl->member;
			l->port_conn_line[port] = line_of(v[PORT]);
		}
		c->port = (uint16_t)port;
		c->pos = (struct fab_pos){line_of(e), (uint32_t)e->start_mark.column + 1};
		pl->conn = mb->nconns;
		pl->port = &m->ports[port];
		mb->nconns++;
		if (v[LANS])
			load_bindings(l, c, v[LANS], pl);
	}
}

static void load_members(struct loader *l, yaml_node_t *n, fab_mac_t sponge_mac)
{
	enum { ASN, NAME, CONNS, N };
	static const struct key keys[N] = {
	    [ASN] = {"asn", true}, [NAME] = {"name", true}, [CONNS] = {"connections", false}};
	struct fab_model *m = l->m;
	size_t cnt;
	yaml_node_item_t *it = seq_items(l, n, "'members'", &cnt);

	if (it == NULL || cnt == 0)
		return;
	m->members = calloc(cnt, sizeof(*m->members));
	if (m->members == NULL) {
		l->nomem = true;
		return;
	}
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *e = node(l, it[i]), *v[N];
		struct fab_member *mb = &m->members[m->nmembers];
		struct place pl = {.member = m->nmembers, .mb = mb, .sponge_mac = sponge_mac};
		uint32_t asn;
		int dup;

		if (!map_fields(l, e, "each entry of 'members'", "member", keys, N, v) ||
		    v[ASN] == NULL || !get_u32(l, v[ASN], "ASN", false, 1, UINT32_MAX, &asn))
			continue;
		dup = fab_model_member_by_asn(m, asn);
		if (dup >= 0) {
			err(l, v[ASN], "AS%u is already defined at line %u (%s)", asn,
			    m->members[dup].pos.line, m->members[dup].name);
			continue;
		}
		mb->asn = asn;
		mb->pos = (struct fab_pos){line_of(e), (uint32_t)e->start_mark.column + 1};
		m->nmembers++;
		if (v[NAME])
			get_text(l, v[NAME], "member name", TEXT_FREE, mb->name, sizeof(mb->name));
		if (v[CONNS])
			load_connections(l, mb, v[CONNS], &pl);
	}
}

static void load_root(struct loader *l, yaml_node_t *root)
{
	enum { FABRIC, POLICY, MGMT, EVPN, LANS, PORTS, MEMBERS, N };
	static const struct key keys[N] = {
	    [FABRIC] = {"fabric", true},    [POLICY] = {"policy", false},
	    [MGMT] = {"management", false}, [EVPN] = {"evpn", false},
	    [LANS] = {"lans", false},       [PORTS] = {"ports", false},
	    [MEMBERS] = {"members", false},
	};
	yaml_node_t *v[N];

	if (!map_fields(l, root, "the configuration", "the top level", keys, N, v))
		return;
	/* Order matters: LANs and ports take their defaults from the policy. */
	if (v[FABRIC])
		load_fabric(l, v[FABRIC]);
	if (v[POLICY])
		load_policy(l, v[POLICY]);
	if (v[MGMT])
		load_management(l, v[MGMT]);
	if (v[LANS])
		load_lans(l, v[LANS]);
	if (v[PORTS])
		load_ports(l, v[PORTS]);
	if (v[EVPN])
		load_evpn(l, v[EVPN]);
	check_evpn(l, v[EVPN]);
	if (v[MEMBERS])
		load_members(l, v[MEMBERS], l->m->policy.sponge.mac);
}

static void loader_free(struct loader *l);

bool fab_config_load_sections(struct yaml_document_s *doc, const struct fab_config_sections *s,
			      const char *file, struct fab_model *m, struct fab_config_errors *errs)
{
	struct loader l = {.file = file, .errs = errs, .doc = doc, .m = m};
	size_t n0 = errs->n;

	if (s->fabric)
		load_fabric(&l, s->fabric);
	if (s->policy)
		load_policy(&l, s->policy);
	if (s->management)
		load_management(&l, s->management);
	if (s->lans)
		load_lans(&l, s->lans);
	if (l.nomem)
		errors_add(errs, file, 0, 0, "out of memory");
	loader_free(&l);
	return errs->n == n0;
}

static void loader_free(struct loader *l)
{
	free(l->macs);
	free(l->ips);
	free(l->lan_vlan_line);
	free(l->port_device_line);
	free(l->port_conn_member);
	free(l->port_conn_line);
}

int fab_yaml_too_deep(struct yaml_parser_s *p, unsigned max, uint32_t *line, uint32_t *col)
{
	unsigned depth = 0;

	for (;;) {
		yaml_event_t ev;
		yaml_event_type_t t;

		if (!yaml_parser_parse(p, &ev))
			return 0;
		t = ev.type;
		if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT) {
			if (++depth > max) {
				*line = (uint32_t)ev.start_mark.line + 1;
				*col = (uint32_t)ev.start_mark.column + 1;
				yaml_event_delete(&ev);
				return 1;
			}
		} else if (t == YAML_MAPPING_END_EVENT || t == YAML_SEQUENCE_END_EVENT) {
			depth--;
		}
		yaml_event_delete(&ev);
		if (t == YAML_STREAM_END_EVENT)
			return 0;
	}
}

/* Refuses text nested too deep, before the loader spends its time on it. */
static bool too_deep(const char *text, size_t len, const char *name, struct fab_config_errors *errs)
{
	yaml_parser_t p;
	uint32_t line = 0, col = 0;
	int deep;

	if (!yaml_parser_initialize(&p))
		return false; /* the loader says "out of memory" */
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	deep = fab_yaml_too_deep(&p, FAB_CONFIG_DEPTH_MAX, &line, &col);
	yaml_parser_delete(&p);
	if (deep)
		errors_add(errs, name, line, col, "nesting deeper than %u levels",
			   FAB_CONFIG_DEPTH_MAX);
	return deep;
}

/* What a loader does with a top-level `import:` section. */
enum import_mode {
	IMPORT_READ,   /* import: open the files it names */
	IMPORT_REFUSE, /* an error: the text came from a peer */
	IMPORT_ONLY,   /* import, and load nothing if there is no such section */
};

static struct fab_model *load_string(const char *text, size_t len, const char *name,
				     struct fab_config_errors *errs, enum import_mode mode)
{
	struct loader l = {.file = name, .errs = errs, .nerrs_at_start = errs->n};
	yaml_node_t *imp;
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	yaml_node_t *root;
	struct fab_model *m = NULL;

	if (len > CONFIG_SIZE_MAX) {
		errors_add(errs, name, 0, 0, "too large for a configuration (over %u MiB)",
			   CONFIG_SIZE_MAX >> 20);
		return NULL;
	}
	if (too_deep(text, len, name, errs))
		return NULL;
	if (!yaml_parser_initialize(&parser)) {
		errors_add(errs, name, 0, 0, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		errors_add(errs, name, (uint32_t)parser.problem_mark.line + 1,
			   (uint32_t)parser.problem_mark.column + 1, "YAML syntax error: %s%s%s",
			   parser.problem ? parser.problem : "unknown problem",
			   parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return NULL;
	}
	root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		errors_add(errs, name, 0, 0, "the file is empty");
		goto out;
	}
	/* A second document would be ignored silently; say so instead. */
	if (!yaml_parser_load(&parser, &extra)) {
		errors_add(errs, name, (uint32_t)parser.problem_mark.line + 1,
			   (uint32_t)parser.problem_mark.column + 1, "YAML syntax error: %s%s%s",
			   parser.problem ? parser.problem : "unknown problem",
			   parser.context ? " " : "", parser.context ? parser.context : "");
	} else {
		yaml_node_t *r2 = yaml_document_get_root_node(&extra);

		if (r2 != NULL)
			errors_add(errs, name, (uint32_t)r2->start_mark.line + 1,
				   (uint32_t)r2->start_mark.column + 1,
				   "a second YAML document; a configuration is one document");
		yaml_document_delete(&extra);
	}
	/* A configuration made of exported files: the importer builds and validates it. */
	imp = fab_import_section(&doc, root);
	if (imp != NULL && mode == IMPORT_REFUSE) {
		errors_add(errs, name, (uint32_t)imp->start_mark.line + 1,
			   (uint32_t)imp->start_mark.column + 1,
			   "'import' is not accepted here: the files it names are read by the "
			   "sender, with its user's rights (peerlanctl does so and sends the "
			   "configuration they make)");
		goto out;
	}
	if (imp != NULL) {
		m = fab_import_config(&doc, root, name, errs);
		loader_free(&l);
		yaml_document_delete(&doc);
		yaml_parser_delete(&parser);
		return m;
	}
	if (mode == IMPORT_ONLY)
		goto out;
	m = fab_model_create();
	if (m == NULL) {
		errors_add(errs, name, 0, 0, "out of memory");
		goto out;
	}
	l.doc = &doc;
	l.m = m;
	load_root(&l, root);
	if (l.nomem)
		errors_add(errs, name, 0, 0, "out of memory");
out:
	loader_free(&l);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (errs->n > l.nerrs_at_start) {
		errors_sort(errs);
		fab_model_destroy(m);
		return NULL;
	}
	return m;
}

struct fab_model *fab_config_load_string(const char *text, size_t len, const char *name,
					 struct fab_config_errors *errs)
{
	return load_string(text, len, name, errs, IMPORT_READ);
}

struct fab_model *fab_config_load_sent(const char *text, size_t len, const char *name,
				       struct fab_config_errors *errs)
{
	return load_string(text, len, name, errs, IMPORT_REFUSE);
}

int fab_config_import_text(const char *text, size_t len, const char *name, char **out,
			   size_t *outlen, struct fab_config_errors *errs)
{
	size_t n0 = errs->n;
	struct fab_model *m = load_string(text, len, name, errs, IMPORT_ONLY);
	FILE *f;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (m == NULL)
		return errs->n > n0 ? -EINVAL : 0;
	f = open_memstream(out, outlen);
	rc = f != NULL ? fab_config_print(m, f) : -errno;
	if (f != NULL && fclose(f) != 0 && rc == 0)
		rc = -errno;
	fab_model_destroy(m);
	if (rc != 0) {
		free(*out);
		*out = NULL;
		*outlen = 0;
	}
	return rc;
}

struct fab_model *fab_config_load_file(const char *path, struct fab_config_errors *errs)
{
	FILE *f = fopen(path, "rb");
	struct fab_model *m;
	struct stat st;
	char *buf;
	size_t n;

	if (f == NULL) {
		errors_add(errs, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		errors_add(errs, path, 0, 0, "not a regular file");
		fclose(f);
		return NULL;
	}
	if ((uint64_t)st.st_size > CONFIG_SIZE_MAX) {
		errors_add(errs, path, 0, 0, "too large for a configuration (over %u MiB)",
			   CONFIG_SIZE_MAX >> 20);
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		errors_add(errs, path, 0, 0, "out of memory");
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		errors_add(errs, path, 0, 0, "cannot read: %s", strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	m = fab_config_load_string(buf, n, path, errs);
	free(buf);
	return m;
}

int fab_config_recheck(const struct fab_model *m, const char *name, struct fab_config_errors *errs)
{
	struct fab_model *back;
	char *text = NULL;
	size_t len = 0, n0 = errs->n;
	FILE *out = open_memstream(&text, &len);
	int rc;

	if (out == NULL)
		return -errno;
	rc = fab_config_print(m, out);
	if (fclose(out) != 0 && rc == 0)
		rc = -errno;
	if (rc != 0) {
		free(text);
		return rc;
	}
	back = fab_config_load_string(text, len, name, errs);
	free(text);
	if (back != NULL && !fab_model_equal(back, m))
		errors_add(errs, name, 0, 0, "does not load back to the same fabric");
	fab_model_destroy(back);
	return back != NULL && errs->n == n0 ? 0 : -EINVAL;
}
