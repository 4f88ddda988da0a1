/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The part of an import both formats share: the import map, the model
 * being built and the checks each MAC and address goes through, the final
 * pass through the configuration loader, and the loader's `import:` hook.
 */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "import_int.h"

/* An export larger than this is not one switch's or one exchange's database. */
#define IMPORT_FILE_MAX (64u << 20)

__attribute__((format(printf, 5, 0))) static void vadd(struct fab_config_errors *e,
						       const struct imp_file *f,
						       const yaml_node_t *n, const char *rec,
						       const char *fmt, va_list ap)
{
	struct fab_config_error *x;
	char *text;

	if (e->n >= e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		void *v = realloc(e->v, cap * sizeof(*e->v));

		if (v == NULL)
			return;
		e->v = v;
		e->cap = cap;
	}
	x = &e->v[e->n];
	memset(x, 0, sizeof(*x));
	snprintf(x->file, sizeof(x->file), "%s", f ? f->path : "import");
	if (n != NULL) {
		x->line = (uint32_t)n->start_mark.line + 1;
		x->col = (uint32_t)n->start_mark.column + 1;
	}
	if (vasprintf(&text, fmt, ap) < 0)
		return;
	if (rec != NULL && rec[0] != '\0') {
		if (asprintf(&x->msg, "%s: %s", rec, text) < 0)
			x->msg = NULL;
		free(text);
	} else {
		x->msg = text;
	}
	if (x->msg != NULL)
		e->n++;
}

void imp_err(struct imp *im, const struct imp_file *f, const yaml_node_t *n, const char *rec,
	     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(im->errs, f, n, rec, fmt, ap);
	va_end(ap);
}

void imp_note(struct imp *im, const struct imp_file *f, const yaml_node_t *n, const char *rec,
	      const char *fmt, ...)
{
	va_list ap;

	if (im->notes == NULL)
		return;
	va_start(ap, fmt);
	vadd(im->notes, f, n, rec, fmt, ap);
	va_end(ap);
}

static int key_cmp(const void *a, const void *b)
{
	const yaml_node_t *x = *(yaml_node_t *const *)a, *y = *(yaml_node_t *const *)b;
	int c = strcmp((const char *)x->data.scalar.value, (const char *)y->data.scalar.value);

	/* Equal keys in file order, so the second one is reported. */
	if (c == 0)
		c = x->start_mark.index < y->start_mark.index ? -1 : 1;
	return c;
}

/*
 * A key given twice in one mapping: libyaml keeps both, readers would take
 * the first. Sorting the keys of each mapping keeps this O(n log n) for a
 * hostile file with one huge mapping.
 */
static bool duplicate_keys(struct imp *im, struct imp_file *f)
{
	yaml_node_t **keys = NULL;
	size_t cap = 0;
	bool ok = true;

	for (yaml_node_t *n = f->doc.nodes.start; n < f->doc.nodes.top; n++) {
		size_t k = 0, cnt;

		if (n->type != YAML_MAPPING_NODE)
			continue;
		cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
		if (cnt > cap) {
			void *v = realloc(keys, cnt * sizeof(*keys));

			if (v == NULL) {
				imp_err(im, f, NULL, NULL, "out of memory");
				ok = false;
				break;
			}
			keys = v;
			cap = cnt;
		}
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *key = yaml_document_get_node(&f->doc, p->key);

			if (key->type == YAML_SCALAR_NODE)
				keys[k++] = key;
		}
		if (k < 2)
			continue;
		qsort(keys, k, sizeof(*keys), key_cmp);
		for (size_t i = 1; i < k; i++)
			if (strcmp((const char *)keys[i]->data.scalar.value,
				   (const char *)keys[i - 1]->data.scalar.value) == 0) {
				imp_err(im, f, keys[i], NULL,
					"duplicate key '%.60s' (first at line %zu): which value is "
					"meant is unclear",
					(const char *)keys[i]->data.scalar.value,
					keys[i - 1]->start_mark.line + 1);
				ok = false;
			}
	}
	free(keys);
	return ok;
}

bool imp_file_open(struct imp *im, struct imp_file *f, const char *path, bool complete)
{
	yaml_parser_t parser;
	uint32_t line = 0, col = 0;
	struct stat st;
	FILE *in;
	bool ok;

	f->path = path;
	f->root = NULL;
	in = fopen(path, "rb");
	if (in == NULL) {
		imp_err(im, f, NULL, NULL, "cannot open: %s", strerror(errno));
		return false;
	}
	if (fstat(fileno(in), &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > IMPORT_FILE_MAX) {
		imp_err(im, f, NULL, NULL, "not a regular file of at most %u MiB",
			IMPORT_FILE_MAX >> 20);
		fclose(in);
		return false;
	}
	if (!yaml_parser_initialize(&parser)) {
		imp_err(im, f, NULL, NULL, "out of memory");
		fclose(in);
		return false;
	}
	/* As for a configuration: deep nesting is refused before the slow load. */
	yaml_parser_set_input_file(&parser, in);
	if (fab_yaml_too_deep(&parser, FAB_CONFIG_DEPTH_MAX, &line, &col)) {
		yaml_node_t at = {.start_mark = {.line = line - 1, .column = col - 1}};

		imp_err(im, f, &at, NULL, "nesting deeper than %u levels", FAB_CONFIG_DEPTH_MAX);
		yaml_parser_delete(&parser);
		fclose(in);
		return false;
	}
	yaml_parser_delete(&parser);
	rewind(in);
	if (!yaml_parser_initialize(&parser)) {
		imp_err(im, f, NULL, NULL, "out of memory");
		fclose(in);
		return false;
	}
	yaml_parser_set_input_file(&parser, in);
	ok = yaml_parser_load(&parser, &f->doc);
	if (!ok) {
		yaml_node_t at = {.start_mark = parser.problem_mark};

		imp_err(im, f, &at, NULL, "syntax error: %s%s%s",
			parser.problem ? parser.problem : "unknown problem",
			parser.context ? " " : "", parser.context ? parser.context : "");
	}
	yaml_parser_delete(&parser);
	fclose(in);
	if (!ok)
		return false;
	f->root = yaml_document_get_root_node(&f->doc);
	if (f->root == NULL) {
		imp_err(im, f, NULL, NULL, "the file is empty");
		yaml_document_delete(&f->doc);
		return false;
	}
	/* JSON and flow style are complete by their syntax; block style only with "...". */
	if (complete && f->doc.end_implicit &&
	    (f->root->type == YAML_SCALAR_NODE ||
	     (f->root->type == YAML_MAPPING_NODE &&
	      f->root->data.mapping.style != YAML_FLOW_MAPPING_STYLE) ||
	     (f->root->type == YAML_SEQUENCE_NODE &&
	      f->root->data.sequence.style != YAML_FLOW_SEQUENCE_STYLE))) {
		imp_err(im, f, NULL, NULL,
			"no YAML end marker '...' at the end: the document may be cut short (a "
			"partial download), and importing it would remove the members it lacks");
		imp_file_close(f);
		return false;
	}
	if (!duplicate_keys(im, f)) {
		imp_file_close(f);
		return false;
	}
	return true;
}

void imp_file_close(struct imp_file *f)
{
	if (f->root != NULL)
		yaml_document_delete(&f->doc);
	f->root = NULL;
}

static bool is_null(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (s[0] == '\0' || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0);
}

yaml_node_t *imp_get(struct imp_file *f, yaml_node_t *map, const char *key)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	f->asked = map;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(&f->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&f->doc, p->value);

		if (k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return is_null(v) ? NULL : v;
	}
	return NULL;
}

yaml_node_t *imp_item(struct imp_file *f, yaml_node_item_t *it, size_t i)
{
	return yaml_document_get_node(&f->doc, it[i]);
}

yaml_node_item_t *imp_list(struct imp *im, struct imp_file *f, yaml_node_t *n, const char *rec,
			   const char *what, size_t *cnt)
{
	*cnt = 0;
	if (n == NULL)
		return NULL;
	if (n->type != YAML_SEQUENCE_NODE) {
		imp_err(im, f, n, rec, "%s must be a list", what);
		return NULL;
	}
	*cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	return n->data.sequence.items.start;
}

const char *imp_str(struct imp *im, struct imp_file *f, yaml_node_t *n, const char *rec,
		    const char *what)
{
	const char *s;

	if (n == NULL) {
		imp_err(im, f, f->asked, rec, "%s is missing", what);
		return NULL;
	}
	if (n->type != YAML_SCALAR_NODE) {
		imp_err(im, f, n, rec, "%s must be a single value", what);
		return NULL;
	}
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		imp_err(im, f, n, rec, "%s contains a NUL character", what);
		return NULL;
	}
	return s;
}

bool imp_u32(struct imp *im, struct imp_file *f, yaml_node_t *n, const char *rec, const char *what,
	     uint32_t max, uint32_t *out)
{
	const char *s = imp_str(im, f, n, rec, what);
	uint64_t v = 0;

	if (s == NULL)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > UINT32_MAX)
			goto bad;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (s[0] == '\0' || v > max)
		goto bad;
	*out = (uint32_t)v;
	return true;
bad:
	imp_err(im, f, n, rec, "%s must be a number from 0 to %u, not '%.40s'", what, max, s);
	return false;
}

bool imp_bool(struct imp *im, struct imp_file *f, yaml_node_t *n, const char *rec, const char *what,
	      bool *out)
{
	const char *s = imp_str(im, f, n, rec, what);

	if (s == NULL)
		return false;
	if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*out = true;
	else if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*out = false;
	else {
		imp_err(im, f, n, rec, "%s must be true or false, not '%.40s'", what, s);
		return false;
	}
	return true;
}

/* ---- the import map ---- */

/*
 * Checks a map entry's keys strictly, as the configuration does: an unknown
 * key in a file the operator writes is a typo, never ignored.
 */
static bool map_keys(struct imp *im, struct imp_file *f, yaml_node_t *n, const char *where,
		     const char *const *keys, size_t nkeys, yaml_node_t **vals)
{
	memset(vals, 0, nkeys * sizeof(*vals));
	if (n->type != YAML_MAPPING_NODE) {
		imp_err(im, f, n, NULL, "%s must be a mapping", where);
		return false;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(&f->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&f->doc, p->value);
		const char *name =
		    k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
		size_t i;

		for (i = 0; i < nkeys && strcmp(keys[i], name) != 0; i++)
			;
		if (i == nkeys) {
			char valid[256] = "";
			size_t o = 0;

			for (size_t j = 0; j < nkeys && o < sizeof(valid); j++)
				o += (size_t)snprintf(valid + o, sizeof(valid) - o, "%s%s",
						      j ? ", " : "", keys[j]);
			imp_err(im, f, k, NULL, "unknown key '%.40s' in %s (valid keys: %s)", name,
				where, valid);
		} else if (vals[i] != NULL) {
			imp_err(im, f, k, NULL, "duplicate key '%s' in %s", keys[i], where);
		} else if (!is_null(v)) {
			vals[i] = v;
		}
	}
	return true;
}

/* Copies a map string into a fixed field, reporting one that does not fit. */
static bool map_text(struct imp *im, struct imp_file *f, yaml_node_t *n, const char *what,
		     char *out, size_t size)
{
	const char *s = imp_str(im, f, n, NULL, what);

	if (s == NULL)
		return false;
	if (strlen(s) >= size) {
		imp_err(im, f, n, NULL, "%s is too long (at most %zu bytes)", what, size - 1);
		return false;
	}
	snprintf(out, size, "%s", s);
	return true;
}

static int map_enum(struct imp *im, struct imp_file *f, yaml_node_t *n, const char *what,
		    const char *a, const char *b, const char *c)
{
	const char *s = imp_str(im, f, n, NULL, what);

	if (s == NULL)
		return -1;
	if (strcmp(s, a) == 0)
		return 0;
	if (strcmp(s, b) == 0)
		return 1;
	if (c != NULL && strcmp(s, c) == 0)
		return 2;
	imp_err(im, f, n, NULL, "invalid %s '%.40s'; valid values: %s, %s%s%s", what, s, a, b,
		c ? ", " : "", c ? c : "");
	return -1;
}

/* A map list's items and a zeroed array for them; NULL if the list is empty or memory is short. */
static void *map_array(struct imp *im, struct imp_file *f, yaml_node_t *n, const char *what,
		       size_t size, yaml_node_item_t **it, size_t *cnt)
{
	void *v;

	*it = imp_list(im, f, n, NULL, what, cnt);
	if (*it == NULL || *cnt == 0)
		return NULL;
	v = calloc(*cnt, size);
	if (v == NULL) {
		im->nomem = true;
		*cnt = 0;
	}
	return v;
}

/* A list of names: each entry's text copied into a new array of fixed fields. */
static void *map_names(struct imp *im, struct imp_file *f, yaml_node_t *n, const char *what,
		       size_t width, size_t *cnt)
{
	yaml_node_item_t *it;
	char *out;
	size_t k = 0;

	if (n != NULL && n->type == YAML_SCALAR_NODE) {
		/* A single name where a list is allowed: IX-F connections written "port1". */
		*cnt = 1;
		out = calloc(1, width);
		if (out == NULL || !map_text(im, f, n, what, out, width)) {
			im->nomem |= out == NULL;
			*cnt = 0;
		}
		return out;
	}
	out = map_array(im, f, n, what, width, &it, cnt);
	for (size_t i = 0; i < *cnt; i++)
		if (map_text(im, f, imp_item(f, it, i), what, out + k * width, width))
			k++;
	*cnt = k;
	return out;
}

static void map_port(struct imp *im, struct imp_file *f, yaml_node_t *e, struct imap_port *p)
{
	enum { NAME, IFACE, DEV, DESC, KIND, MODE, MTU, VIOL, LANS, N };
	static const char *const keys[N] = {"name", "interface", "device",    "description", "kind",
					    "mode", "mtu",       "violation", "lans"};
	yaml_node_t *v[N];
	uint32_t mtu;
	size_t nl;
	char(*lans)[FAB_NAME_MAX];

	p->kind = p->mode = p->violation = -1;
	p->line = (uint32_t)e->start_mark.line + 1;
	if (!map_keys(im, f, e, "a port of the import map", keys, N, v))
		return;
	if (v[NAME] == NULL || v[DEV] == NULL) {
		imp_err(im, f, e, NULL, "a port of the import map needs 'name' and 'device'");
		return;
	}
	map_text(im, f, v[NAME], "port name", p->name, sizeof(p->name));
	map_text(im, f, v[IFACE] ? v[IFACE] : v[NAME], "interface name", p->iface,
		 sizeof(p->iface));
	map_text(im, f, v[DEV], "device", p->device, sizeof(p->device));
	if (v[DESC])
		p->has_description =
		    map_text(im, f, v[DESC], "description", p->description, sizeof(p->description));
	if (v[KIND])
		p->kind = map_enum(im, f, v[KIND], "port kind", "edge", "core", NULL);
	if (v[MODE])
		p->mode = map_enum(im, f, v[MODE], "port mode", "access", "trunk", NULL);
	if (v[VIOL])
		p->violation =
		    map_enum(im, f, v[VIOL], "violation action", "protect", "restrict", "shutdown");
	if (v[MTU] && imp_u32(im, f, v[MTU], NULL, "MTU", FAB_MTU_MAX, &mtu)) {
		if (mtu < FAB_MTU_MIN)
			imp_err(im, f, v[MTU], NULL, "MTU %u is below %u", mtu, FAB_MTU_MIN);
		else
			p->mtu = (uint16_t)mtu;
	}
	lans = map_names(im, f, v[LANS], "a LAN name", FAB_NAME_MAX, &nl);
	if (nl != 0 && (p->lans = calloc(nl, sizeof(*p->lans))) == NULL)
		im->nomem = true;
	for (size_t i = 0; p->lans != NULL && i < nl; i++) {
		int lan = fab_model_lan_by_name(im->m, lans[i]);

		if (lan < 0)
			imp_err(im, f, v[LANS], NULL,
				"port '%s' refers to LAN '%s', which the map does not define",
				p->name, lans[i]);
		else
			p->lans[p->nlans++] = (uint16_t)lan;
	}
	free(lans);
}

static void map_member(struct imp *im, struct imp_file *f, yaml_node_t *e, struct imap_member *mb)
{
	enum { ASN, NAME, IFACES, CONNS, N };
	static const char *const keys[N] = {"asn", "name", "interfaces", "connections"};
	yaml_node_t *v[N];
	yaml_node_item_t *it;
	size_t cnt;

	mb->line = (uint32_t)e->start_mark.line + 1;
	if (!map_keys(im, f, e, "a member of the import map", keys, N, v))
		return;
	if (v[ASN] == NULL) {
		imp_err(im, f, e, NULL, "a member of the import map needs 'asn'");
		return;
	}
	if (imp_u32(im, f, v[ASN], NULL, "ASN", UINT32_MAX, &mb->asn) && mb->asn == 0)
		imp_err(im, f, v[ASN], NULL, "ASN 0 is reserved");
	if (v[NAME])
		mb->has_name = map_text(im, f, v[NAME], "member name", mb->name, sizeof(mb->name));
	mb->ifaces = map_names(im, f, v[IFACES], "an interface name", IMP_IFACE_MAX, &mb->nifaces);
	mb->conns = map_array(im, f, v[CONNS], "'connections'", sizeof(*mb->conns), &it, &cnt);
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *c = imp_item(f, it, i);
		struct imap_conn *mc = &mb->conns[mb->nconns++];

		mc->line = (uint32_t)c->start_mark.line + 1;
		mc->lag = c->type == YAML_SEQUENCE_NODE;
		mc->ports = map_names(im, f, c, "a port name", FAB_NAME_MAX, &mc->nports);
	}
}

static void map_free(struct imap *mp)
{
	for (size_t i = 0; i < mp->nports; i++)
		free(mp->ports[i].lans);
	for (size_t i = 0; i < mp->nmembers; i++) {
		for (size_t c = 0; c < mp->members[i].nconns; c++)
			free(mp->members[i].conns[c].ports);
		free(mp->members[i].conns);
		free(mp->members[i].ifaces);
	}
	free(mp->ports);
	free(mp->members);
	free(mp->exclude);
	free(mp->ixf_vlans);
}

/* The map's 'ixf-vlans': [{id: 0, lan: peering}, ...]. */
static void map_ixf_vlans(struct imp *im, struct imp_file *f, yaml_node_t *n)
{
	enum { ID, LAN, N };
	static const char *const keys[N] = {"id", "lan"};
	struct imap *mp = &im->map;
	yaml_node_item_t *it;
	size_t cnt;

	mp->ixf_vlans = map_array(im, f, n, "'ixf-vlans'", sizeof(*mp->ixf_vlans), &it, &cnt);
	for (size_t i = 0; mp->ixf_vlans != NULL && i < cnt; i++) {
		yaml_node_t *e = imp_item(f, it, i), *v[N];
		struct imap_ixf_vlan *x = &mp->ixf_vlans[mp->nixf_vlans];
		const char *lan;
		int l;

		x->line = (uint32_t)e->start_mark.line + 1;
		if (!map_keys(im, f, e, "an entry of 'ixf-vlans'", keys, N, v))
			continue;
		if (v[ID] == NULL || v[LAN] == NULL) {
			imp_err(im, f, e, NULL,
				"an entry of 'ixf-vlans' needs 'id' (the export's vlan_id) and "
				"'lan' (a LAN of the map)");
			continue;
		}
		if (!imp_u32(im, f, v[ID], NULL, "IX-F VLAN id", UINT32_MAX, &x->id) ||
		    (lan = imp_str(im, f, v[LAN], NULL, "LAN name")) == NULL)
			continue;
		if ((l = fab_model_lan_by_name(im->m, lan)) < 0) {
			imp_err(im, f, v[LAN], NULL, "LAN '%.40s' is not in the map's lans", lan);
			continue;
		}
		if (imp_ixf_lan(im, x->id) >= 0) {
			imp_err(im, f, v[ID], NULL, "IX-F VLAN id %u is given twice", x->id);
			continue;
		}
		x->lan = (uint16_t)l;
		mp->nixf_vlans++;
	}
}

int imp_ixf_lan(const struct imp *im, uint32_t id)
{
	for (size_t i = 0; i < im->map.nixf_vlans; i++)
		if (im->map.ixf_vlans[i].id == id)
			return im->map.ixf_vlans[i].lan;
	return -1;
}

/* Reads the map: the configuration's own sections into im->m, the rest into im->map. */
static void map_load(struct imp *im, struct imp_file *f)
{
	enum { FABRIC, POLICY, MGMT, LANS, PORTS, MEMBERS, EXCLUDE, IXP, IXF_VLANS, N };
	static const char *const keys[N] = {"fabric",  "policy",  "management", "lans",     "ports",
					    "members", "exclude", "ixp-id",     "ixf-vlans"};
	struct imap *mp = &im->map;
	yaml_node_t *v[N];
	yaml_node_item_t *it;
	size_t cnt;

	if (!map_keys(im, f, f->root, "the import map", keys, N, v))
		return;
	if (v[FABRIC] == NULL || v[LANS] == NULL || v[PORTS] == NULL)
		imp_err(im, f, f->root, NULL,
			"the import map needs 'fabric' (the fabric's name), 'lans' (what the "
			"export's VLANs are) and 'ports' (the DPDK devices)");
	fab_config_load_sections(
	    &f->doc,
	    &(struct fab_config_sections){
		.fabric = v[FABRIC], .policy = v[POLICY], .management = v[MGMT], .lans = v[LANS]},
	    f->path, im->m, im->errs);
	if (v[IXP])
		imp_u32(im, f, v[IXP], NULL, "'ixp-id'", UINT32_MAX, &mp->ixp_id);
	map_ixf_vlans(im, f, v[IXF_VLANS]);
	if (v[IXF_VLANS] == NULL && im->files->format == FAB_IMPORT_IXF)
		imp_err(im, f, f->root, NULL,
			"an IX-F import needs 'ixf-vlans' in the map: which LAN each VLAN id of "
			"the export is (IXP Manager writes its own database id there, not the "
			"802.1Q tag)");
	mp->ports = map_array(im, f, v[PORTS], "'ports'", sizeof(*mp->ports), &it, &cnt);
	for (size_t i = 0; mp->ports != NULL && i < cnt; i++) {
		struct imap_port *p = &mp->ports[mp->nports++];

		map_port(im, f, imp_item(f, it, i), p);
		for (size_t j = 0; j + 1 < mp->nports; j++) {
			if (strcmp(mp->ports[j].name, p->name) == 0)
				imp_err(im, f, imp_item(f, it, i), NULL,
					"port '%s' is already in the map at line %u", p->name,
					mp->ports[j].line);
			else if (strcmp(mp->ports[j].iface, p->iface) == 0)
				imp_err(im, f, imp_item(f, it, i), NULL,
					"interface '%s' is already mapped at line %u", p->iface,
					mp->ports[j].line);
		}
	}
	mp->members = map_array(im, f, v[MEMBERS], "'members'", sizeof(*mp->members), &it, &cnt);
	for (size_t i = 0; mp->members != NULL && i < cnt; i++) {
		struct imap_member *mb = &mp->members[mp->nmembers++];

		map_member(im, f, imp_item(f, it, i), mb);
		for (size_t j = 0; j + 1 < mp->nmembers; j++)
			if (mp->members[j].asn == mb->asn && mb->asn != 0)
				imp_err(im, f, imp_item(f, it, i), NULL,
					"AS%u is already in the map at line %u", mb->asn,
					mp->members[j].line);
	}
	mp->exclude = map_array(im, f, v[EXCLUDE], "'exclude'", sizeof(*mp->exclude), &it, &cnt);
	for (size_t i = 0; mp->exclude != NULL && i < cnt; i++) {
		struct imap_exclude *x = &mp->exclude[mp->nexclude];

		x->line = (uint32_t)imp_item(f, it, i)->start_mark.line + 1;
		if (map_text(im, f, imp_item(f, it, i), "an excluded name", x->name,
			     sizeof(x->name)))
			mp->nexclude++;
	}
}

struct imap_port *imp_map_port(struct imp *im, const char *iface, bool by_port_name)
{
	for (size_t i = 0; i < im->map.nports; i++) {
		struct imap_port *p = &im->map.ports[i];

		if (strcmp(by_port_name ? p->name : p->iface, iface) == 0)
			return p;
	}
	return NULL;
}

bool imp_excluded(struct imp *im, const char *name)
{
	for (size_t i = 0; i < im->map.nexclude; i++)
		if (strcmp(im->map.exclude[i].name, name) == 0) {
			im->map.exclude[i].used = true;
			return true;
		}
	return false;
}

/* ---- building the model ---- */

/* Grows an array by one zeroed element; false on no memory (the array is kept). */
static bool push(struct imp *im, void **v, size_t n, size_t size)
{
	char *nv = realloc(*v, (n + 1) * size);

	if (nv == NULL) {
		im->nomem = true;
		return false;
	}
	memset(nv + n * size, 0, size);
	*v = nv;
	return true;
}

/* Free text from an export made fit for the configuration: no control characters, not too long. */
static void clean_text(char *out, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s && n + 1 < size; s++)
		out[n++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? ' ' : *s;
	/* Cut inside a UTF-8 sequence: drop its copied bytes, lead byte included. */
	if (((unsigned char)*s & 0xc0) == 0x80) {
		while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0)
			n--;
	}
	out[n] = '\0';
}

int imp_add_port(struct imp *im, struct imap_port *mp, enum fab_port_kind kind,
		 enum fab_port_mode mode, uint32_t speed_mbps, const char *description)
{
	struct fab_model *m = im->m;
	struct fab_port *p;

	if (!push(im, (void **)&m->ports, m->nports, sizeof(*m->ports)))
		return -1;
	p = &m->ports[m->nports];
	snprintf(p->name, sizeof(p->name), "%s", mp->name);
	snprintf(p->device, sizeof(p->device), "%s", mp->device);
	clean_text(p->description, sizeof(p->description),
		   mp->has_description ? mp->description
		   : description       ? description
				       : "");
	p->kind = mp->kind >= 0 ? (enum fab_port_kind)mp->kind : kind;
	p->mode = mp->mode >= 0 ? (enum fab_port_mode)mp->mode : mode;
	p->admin_up = true;
	p->mtu = mp->mtu; /* 0: the default once its LANs are known (fab_import) */
	p->speed_mbps = speed_mbps;
	p->violation = mp->violation >= 0 ? (enum fab_violation)mp->violation : m->policy.violation;
	mp->used = true;
	for (size_t i = 0; i < mp->nlans; i++)
		imp_port_add_lan(im, (int)m->nports, mp->lans[i]);
	return (int)m->nports++;
}

/*
 * Ports the export does not use are imported if the map says which LANs they
 * carry: a spare port (in the quarantine LAN, say) then exists in the running
 * configuration, and a member connected to it later changes only its bindings,
 * which a running dataplane takes without a restart.
 */
void imp_spare_ports(struct imp *im)
{
	for (size_t i = 0; i < im->map.nports; i++) {
		struct imap_port *mp = &im->map.ports[i];

		if (!mp->used && mp->nlans != 0)
			imp_add_port(im, mp, FAB_PORT_EDGE,
				     mp->nlans > 1 ? FAB_PORT_TRUNK : FAB_PORT_ACCESS, 0, NULL);
	}
}

void imp_port_add_lan(struct imp *im, int port, uint16_t lan)
{
	struct fab_port *p = &im->m->ports[port];

	for (size_t i = 0; i < p->nlans; i++)
		if (p->lans[i] == lan)
			return;
	if (push(im, (void **)&p->lans, p->nlans, sizeof(*p->lans)))
		p->lans[p->nlans++] = lan;
}

int imp_member(struct imp *im, uint32_t asn, const char *name)
{
	struct fab_model *m = im->m;
	int i = fab_model_member_by_asn(m, asn);

	if (i >= 0)
		return i;
	if (!push(im, (void **)&m->members, m->nmembers, sizeof(*m->members)))
		return -1;
	m->members[m->nmembers].asn = asn;
	clean_text(m->members[m->nmembers].name, sizeof(m->members[0].name), name);
	if (strlen(name) >= sizeof(m->members[0].name))
		imp_note(im, NULL, NULL, NULL, "AS%u: name shortened to %zu bytes: \"%s\"", asn,
			 sizeof(m->members[0].name) - 1, m->members[m->nmembers].name);
	return (int)m->nmembers++;
}

bool imp_binding(struct imp *im, struct imp_place *pl, int port, uint16_t lan)
{
	struct fab_member *mb = &im->m->members[pl->member];
	struct fab_connection *c = NULL;
	size_t i;

	for (i = 0; i < mb->nconns && mb->conns[i].port != port; i++)
		;
	if (i == mb->nconns) {
		if (!push(im, (void **)&mb->conns, mb->nconns, sizeof(*mb->conns)))
			return false;
		mb->conns[mb->nconns++].port = (uint16_t)port;
	}
	c = &mb->conns[i];
	pl->conn = i;
	for (i = 0; i < c->nbindings && c->bindings[i].lan != lan; i++)
		;
	if (i == c->nbindings) {
		if (!push(im, (void **)&c->bindings, c->nbindings, sizeof(*c->bindings)))
			return false;
		c->bindings[c->nbindings++].lan = lan;
	}
	pl->binding = i;
	return true;
}

static struct fab_binding *place_binding(struct imp *im, const struct imp_place *pl)
{
	return &im->m->members[pl->member].conns[pl->conn].bindings[pl->binding];
}

/*
 * Remembers a MAC or address; if it was given before, reports both records
 * and returns false. The same MAC on several LANs of one member's port is
 * not a duplicate: that is one router on a trunk.
 */
static bool seen(struct imp *im, const struct imp_place *pl, yaml_node_t *n,
		 const struct fab_ip6 *key, bool mac, const char *text)
{
	const struct fab_member *mb = &im->m->members[pl->member];
	uint16_t port = mb->conns[pl->conn].port;
	uint16_t lan = mb->conns[pl->conn].bindings[pl->binding].lan;
	struct imp_seen *s;

	for (size_t i = 0; i < im->nseen; i++) {
		s = &im->seen[i];
		if (s->mac != mac || memcmp(&s->key, key, sizeof(*key)) != 0)
			continue;
		if (mac && s->asn == mb->asn && s->port == port && s->lan != lan)
			continue;
		if (mac && s->asn == mb->asn && s->port == port && s->lan == lan)
			return false; /* listed again in the same binding, as IX-F's per-family lists do */
		imp_err(im, pl->f, n, pl->rec, "%s %s is already given to AS%u by %s (%s:%u)",
			mac ? "MAC" : "address", text, s->asn, s->rec, s->file, s->line);
		return false;
	}
	if (im->nseen >= im->capseen) {
		size_t cap = im->capseen ? im->capseen * 2 : 64;
		void *v = realloc(im->seen, cap * sizeof(*im->seen));

		if (v == NULL) {
			im->nomem = true;
			return false;
		}
		im->seen = v;
		im->capseen = cap;
	}
	s = &im->seen[im->nseen++];
	*s = (struct imp_seen){.key = *key, .mac = mac, .asn = mb->asn, .port = port, .lan = lan};
	snprintf(s->rec, sizeof(s->rec), "%s", pl->rec);
	s->file = pl->f->path;
	s->line = n ? (uint32_t)n->start_mark.line + 1 : 0;
	return true;
}

void imp_add_mac(struct imp *im, struct imp_place *pl, yaml_node_t *n, const char *text)
{
	struct fab_binding *b;
	struct fab_ip6 key = {0};
	fab_mac_t mac;

	if (fab_mac_parse(text, &mac) != 0) {
		imp_err(im, pl->f, n, pl->rec, "malformed MAC address '%.40s'", text);
		return;
	}
	if (mac == 0 || fab_mac_is_multicast(mac)) {
		imp_err(im, pl->f, n, pl->rec, "MAC %s is %s; a member's MAC must be unicast", text,
			mac == 0 ? "all zeros" : "multicast or broadcast");
		return;
	}
	if (mac == im->m->policy.sponge.mac) {
		imp_err(im, pl->f, n, pl->rec, "MAC %s is the sponge's MAC (policy sponge mac)",
			text);
		return;
	}
	for (int i = 0; i < 6; i++)
		key.b[10 + i] = (uint8_t)(mac >> (40 - 8 * i));
	if (!seen(im, pl, n, &key, true, text))
		return;
	b = place_binding(im, pl);
	if (push(im, (void **)&b->macs, b->nmacs, sizeof(*b->macs)))
		b->macs[b->nmacs++] = mac;
}

void imp_add_ip(struct imp *im, struct imp_place *pl, yaml_node_t *n, const char *text, bool v6)
{
	struct fab_binding *b = place_binding(im, pl);
	const struct fab_lan *lan = &im->m->lans[b->lan];
	struct fab_ip6 a = {.b = {[10] = 0xff, [11] = 0xff}};
	uint32_t a4;
	bool inside;

	if (v6 ? fab_ip6_parse(text, &a) != 0 : fab_ip4_parse(text, &a4) != 0) {
		imp_err(im, pl->f, n, pl->rec, "malformed IPv%d address '%.60s'", v6 ? 6 : 4, text);
		return;
	}
	if (!(v6 ? lan->ipv6.set : lan->ipv4.set)) {
		imp_err(im, pl->f, n, pl->rec,
			"LAN '%s' (VLAN %u) has no IPv%d prefix for %s; give 'ipv%d' in the map's "
			"lans",
			lan->name, lan->vlan, v6 ? 6 : 4, text, v6 ? 6 : 4);
		return;
	}
	inside = v6 ? fab_prefix6_contains(&lan->ipv6, &a) : fab_prefix4_contains(&lan->ipv4, a4);
	if (!inside) {
		imp_err(im, pl->f, n, pl->rec, "address %s is outside LAN '%s' (VLAN %u)", text,
			lan->name, lan->vlan);
		return;
	}
	if (!v6) {
		a.b[12] = (uint8_t)(a4 >> 24);
		a.b[13] = (uint8_t)(a4 >> 16);
		a.b[14] = (uint8_t)(a4 >> 8);
		a.b[15] = (uint8_t)a4;
	}
	if (!seen(im, pl, n, &a, false, text))
		return;
	b = place_binding(im, pl);
	if (v6 && push(im, (void **)&b->ipv6, b->nipv6, sizeof(*b->ipv6)))
		b->ipv6[b->nipv6++] = a;
	else if (!v6 && push(im, (void **)&b->ipv4, b->nipv4, sizeof(*b->ipv4)))
		b->ipv4[b->nipv4++] = a4;
}

/* ---- the whole import ---- */

int fab_import_format_parse(const char *s, enum fab_import_format *out)
{
	if (strcmp(s, "ixp-manager") == 0)
		*out = FAB_IMPORT_IXP_MANAGER;
	else if (strcmp(s, "ixf") == 0)
		*out = FAB_IMPORT_IXF;
	else
		return -EINVAL;
	return 0;
}

/*
 * The loader's own verdict on the result, so an import can never hand over
 * a model the loader would reject. Errors are against the generated text,
 * which the operator has not seen; they name the ports, members and
 * addresses involved.
 */
static void round_trip(struct imp *im)
{
	static const char name[] = "imported configuration";
	struct imp_file gen = {.path = name};
	struct fab_config_errors e = {0};
	int rc = fab_config_recheck(im->m, name, &e);

	for (size_t i = 0; i < e.n; i++)
		imp_err(im, &gen, NULL, NULL, "the result would be rejected: %s%s", e.v[i].msg,
			e.v[i].line ? " (in the generated configuration)" : "");
	if (rc != 0 && e.n == 0)
		imp_err(im, &gen, NULL, NULL, "cannot check the imported configuration: %s",
			strerror(-rc));
	fab_config_errors_clear(&e);
}

/* Names in the map that matched nothing are likely typos or stale entries; say so. */
static void map_unused(struct imp *im, struct imp_file *f)
{
	for (size_t i = 0; i < im->map.nexclude; i++)
		if (!im->map.exclude[i].used)
			imp_note(im, f, NULL, NULL,
				 "exclude '%s' (line %u) matches nothing in the export",
				 im->map.exclude[i].name, im->map.exclude[i].line);
	for (size_t i = 0; i < im->map.nports; i++)
		if (!im->map.ports[i].used)
			imp_note(im, f, NULL, NULL,
				 "port '%s' (line %u) is used by nothing imported; not imported",
				 im->map.ports[i].name, im->map.ports[i].line);
}

struct fab_model *fab_import(const struct fab_import_files *files, struct fab_config_errors *errs,
			     struct fab_config_errors *notes)
{
	struct imp im = {.files = files, .errs = errs, .notes = notes};
	struct imp_file map = {0};
	size_t n0 = errs->n;
	bool ixf_needed = files->format == FAB_IMPORT_IXF;

	im.m = fab_model_create();
	if (im.m == NULL) {
		imp_err(&im, NULL, NULL, NULL, "out of memory");
		return NULL;
	}
	if (files->map == NULL || (ixf_needed && files->ixf == NULL) ||
	    (!ixf_needed && (files->vlans == NULL || files->interfaces == NULL))) {
		imp_err(&im, NULL, NULL, NULL,
			ixf_needed ? "an IX-F import needs the export and the import map"
				   : "an IXP Manager import needs the vlans and interfaces outputs "
				     "and the import map");
		goto out;
	}
	if (!imp_file_open(&im, &map, files->map, false))
		goto out;
	map_load(&im, &map);
	/* Without a sound map every record would fail; with one, every record is checked. */
	if (errs->n != n0)
		goto out;
	/* A wrong header would make every record wrong: report it alone. */
	if (files->ixf != NULL &&
	    (!imp_file_open(&im, &im.ixf, files->ixf, false) || !imp_ixf_prefixes(&im)))
		goto out;
	if (files->format == FAB_IMPORT_IXF)
		imp_ixf(&im);
	else
		imp_ixpm(&im);
	map_unused(&im, &map);
	for (size_t i = 0; i < im.m->nports; i++)
		if (im.m->ports[i].mtu == 0)
			im.m->ports[i].mtu = fab_model_port_mtu_default(im.m, &im.m->ports[i]);
	if (im.nomem)
		imp_err(&im, NULL, NULL, NULL, "out of memory");
	if (errs->n == n0)
		round_trip(&im);
out:
	imp_file_close(&map);
	imp_file_close(&im.ixf);
	map_free(&im.map);
	free(im.seen);
	if (errs->n != n0) {
		fab_model_destroy(im.m);
		return NULL;
	}
	return im.m;
}

/* ---- a configuration made of exported files ---- */

yaml_node_t *fab_import_section(yaml_document_t *doc, yaml_node_t *root)
{
	struct imp_file f = {.doc = *doc, .root = root};

	return imp_get(&f, root, "import");
}

/* A path from the configuration, relative to the configuration's directory. */
static char *config_path(const char *cfg_path, const char *p)
{
	char *dir, *out = NULL;
	char *copy;

	if (p[0] == '/' || strchr(cfg_path, '/') == NULL)
		return strdup(p);
	copy = strdup(cfg_path);
	if (copy == NULL)
		return NULL;
	dir = dirname(copy);
	if (asprintf(&out, "%s/%s", dir, p) < 0)
		out = NULL;
	free(copy);
	return out;
}

struct fab_model *fab_import_config(yaml_document_t *doc, yaml_node_t *root, const char *cfg_path,
				    struct fab_config_errors *errs)
{
	enum { FORMAT, MAP, VLANS, IFACES, EXPORT, IXF, N };
	static const char *const keys[N] = {"format",     "map",    "vlans",
					    "interfaces", "export", "ixf"};
	struct imp im = {.errs = errs};
	struct imp_file f = {.path = cfg_path, .doc = *doc, .root = root};
	struct fab_import_files files = {0};
	const char **slot[N] = {NULL,       &files.map, &files.vlans, &files.interfaces,
				&files.ixf, &files.ixf};
	char *paths[N] = {0};
	yaml_node_t *v[N], *top[1];
	struct fab_model *m = NULL;
	const char *s;
	size_t n0 = errs->n;

	/* Everything else comes from the map, so one place says it. */
	map_keys(&im, &f, root, "a configuration with 'import' (the rest belongs in the map)",
		 (const char *const[]){"import"}, 1, top);
	if (!map_keys(&im, &f, top[0], "'import'", keys, N, v))
		goto out;
	if (v[EXPORT] && v[IXF])
		imp_err(&im, &f, v[IXF], NULL,
			"give the IX-F export as 'export' or 'ixf', not both");
	s = v[FORMAT] ? imp_str(&im, &f, v[FORMAT], NULL, "'format'") : NULL;
	if (v[FORMAT] == NULL)
		imp_err(&im, &f, top[0], NULL, "'import' needs 'format' (ixp-manager or ixf)");
	else if (s != NULL && fab_import_format_parse(s, &files.format) != 0)
		imp_err(&im, &f, v[FORMAT], NULL,
			"invalid format '%.40s'; valid values: ixp-manager, ixf", s);
	for (int i = MAP; i < N; i++) {
		if (v[i] == NULL || (s = imp_str(&im, &f, v[i], NULL, keys[i])) == NULL)
			continue;
		paths[i] = config_path(cfg_path, s);
		if (paths[i] == NULL)
			im.nomem = true;
		*slot[i] = paths[i];
	}
	if (im.nomem)
		imp_err(&im, &f, NULL, NULL, "out of memory");
	if (errs->n == n0)
		m = fab_import(&files, errs, NULL);
out:
	for (int i = 0; i < N; i++)
		free(paths[i]);
	return m;
}
