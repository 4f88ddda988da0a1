/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_import.h"
#include "fabric/import.h"

json_t *ctl_error_entry(const char *file, unsigned int line, unsigned int col, const char *msg)
{
	return json_pack("{s:s,s:I,s:I,s:s}", "file", file, "line", (json_int_t)line, "col",
			 (json_int_t)col, "message", msg);
}

json_t *ctl_errors_json(const struct fab_config_errors *e)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < e->n; i++)
		json_array_append_new(
		    a, ctl_error_entry(e->v[i].file, e->v[i].line, e->v[i].col, e->v[i].msg));
	return a;
}

json_t *ctl_errors_json_unplaced(const struct fab_config_errors *e)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < e->n; i++)
		json_array_append_new(a, ctl_error_entry("", 0, 0, e->v[i].msg));
	return a;
}

/*
 * The files from the words "config import FORMAT (KEYWORD FILE)... [overwrite]",
 * which the token table gives in this shape, keywords expanded.
 */
static int import_files(const struct ctl_request *r, struct fab_import_files *f, bool *overwrite)
{
	int i;

	memset(f, 0, sizeof(*f));
	*overwrite = false;
	if (r->argc < 3 || fab_import_format_parse(r->argv[2], &f->format) != 0)
		return -EINVAL;
	for (i = 3; i + 1 < r->argc; i += 2) {
		const char *kw = r->argv[i], *file = r->argv[i + 1];

		if (strcmp(kw, "vlans") == 0)
			f->vlans = file;
		else if (strcmp(kw, "interfaces") == 0)
			f->interfaces = file;
		else if (strcmp(kw, "map") == 0)
			f->map = file;
		else if (strcmp(kw, "ixf") == 0 || strcmp(kw, "export") == 0)
			f->ixf = file;
		else if (strcmp(kw, "output") != 0)
			return -EINVAL;
	}
	if (i < r->argc)
		*overwrite = strcmp(r->argv[i], "overwrite") == 0;
	return 0;
}

int ctl_cli_expand(const struct ctl_request *r, char **text, size_t *len, json_t **reply)
{
	struct fab_config_errors errs = {0};
	char *out, msg[FAB_PATH_MAX + 64];
	size_t outlen;
	int rc = fab_config_import_text(*text, *len, r->file, &out, &outlen, &errs);

	*reply = NULL;
	/* The same bound as a file read to be sent, so that the request fits. */
	if (rc == 0 && out != NULL && outlen > FAB_WIRE_PAYLOAD_MAX / 2) {
		free(out);
		rc = -EFBIG;
	}
	if (rc == 0 && out != NULL) {
		free(*text);
		*text = out;
		*len = outlen;
	}
	if (rc != 0) {
		*reply = json_object();
		if (rc == -EINVAL)
			snprintf(msg, sizeof(msg), "%s: %zu error%s; nothing changed", r->file,
				 errs.n, errs.n == 1 ? "" : "s");
		else
			snprintf(msg, sizeof(msg), "%s: the configuration it makes: %s", r->file,
				 strerror(-rc));
		if (*reply != NULL) {
			json_object_set_new(*reply, "error", json_string(msg));
			json_object_set_new(*reply, "errors", ctl_errors_json(&errs));
		}
	}
	fab_config_errors_clear(&errs);
	return rc;
}

int ctl_cli_import(const struct ctl_request *r, json_t **reply)
{
	struct fab_config_errors errs = {0}, notes = {0};
	struct fab_import_files f;
	struct fab_model *m = NULL;
	bool overwrite;
	int rc;

	*reply = json_object();
	if (*reply == NULL)
		return -ENOMEM;
	rc = import_files(r, &f, &overwrite);
	if (rc != 0) {
		json_object_set_new(*reply, "error",
				    json_string("malformed config import command"));
		return rc;
	}
	m = fab_import(&f, &errs, &notes);
	json_object_set_new(*reply, "notes", ctl_errors_json(&notes));
	if (m == NULL) {
		char msg[128];

		snprintf(msg, sizeof(msg), "%zu error%s; nothing written", errs.n,
			 errs.n == 1 ? "" : "s");
		json_object_set_new(*reply, "error", json_string(msg));
		json_object_set_new(*reply, "errors", ctl_errors_json(&errs));
		rc = -EINVAL;
		goto out;
	}
	rc = fab_config_write(m, r->file, overwrite);
	if (rc != 0) {
		char msg[FAB_PATH_MAX + 128];

		snprintf(msg, sizeof(msg), "%s: %s%s", r->file, strerror(-rc),
			 rc == -EEXIST ? "; add `overwrite` to replace it" : "");
		json_object_set_new(*reply, "error", json_string(msg));
		goto out;
	}
	json_object_set_new(*reply, "output", json_string(r->file));
	json_object_set_new(*reply, "lans", json_integer((json_int_t)m->nlans));
	json_object_set_new(*reply, "ports", json_integer((json_int_t)m->nports));
	json_object_set_new(*reply, "members", json_integer((json_int_t)m->nmembers));
out:
	fab_model_destroy(m);
	fab_config_errors_clear(&errs);
	fab_config_errors_clear(&notes);
	return rc;
}
