/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The YAML configuration: load, validate, print.
 *
 * Loading is a transaction: the whole file is parsed and every rule checked
 * before a model is returned, and a file with any error returns no model,
 * only the full list of errors, each with file, line and column. The printer
 * writes the canonical form, which loads back to an equal model.
 * docs/configuration.md describes the format.
 */
#ifndef PEERLAN_FABRIC_CONFIG_H
#define PEERLAN_FABRIC_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"

struct fab_config_error {
	char file[FAB_PATH_MAX];
	uint32_t line; /* 1-based; 0 when the error is about the whole file */
	uint32_t col;  /* 1-based */
	char *msg;     /* owned by the list; as long as the message is */
};

struct fab_config_errors {
	struct fab_config_error *v;
	size_t n;
	size_t cap;
};

/* Frees the list's storage and empties it. Accepts NULL. */
void fab_config_errors_clear(struct fab_config_errors *e);
/* Writes "file:line:col: message" lines, one per error. */
void fab_config_errors_print(const struct fab_config_errors *e, FILE *out);

/*
 * Collections nested deeper than this are refused before the file is loaded
 * ("nesting deeper than N levels" at the first one too deep): no
 * configuration comes near, and libyaml's time grows with the square of the
 * depth (50,000 nested maps took 11 s), which control would spend inside its
 * event loop.
 */
#define FAB_CONFIG_DEPTH_MAX 64

/*
 * Reads the events of the parser's input (set by the caller, consumed here)
 * and stops at the first collection nested deeper than max. Returns 1 with
 * *line and *col (1-based) at that collection, or 0 otherwise: a syntax
 * error is left for the loader, which reports it.
 */
struct yaml_parser_s;
int fab_yaml_too_deep(struct yaml_parser_s *p, unsigned max, uint32_t *line, uint32_t *col);

/*
 * Loads and validates a configuration. On success returns the model (the
 * caller destroys it) and leaves errs empty; on any error returns NULL with
 * every error found appended to errs. name is used in messages.
 */
struct fab_model *fab_config_load_file(const char *path, struct fab_config_errors *errs);
struct fab_model *fab_config_load_string(const char *text, size_t len, const char *name,
					 struct fab_config_errors *errs);

/*
 * A configuration a peer sent over a socket: as fab_config_load_string, but
 * an `import:` section is an error. Its files would be opened with this
 * process's rights, not the peer's, and their lines shown in errors.
 */
struct fab_model *fab_config_load_sent(const char *text, size_t len, const char *name,
				       struct fab_config_errors *errs);

/*
 * The sender's side: if text is a configuration made of exported files,
 * imports it here, with this process's rights, and sets *out (the caller
 * frees it) to the canonical text of the result, which is what to send.
 * *out is NULL if text has no `import:` section (a text that does not parse
 * as YAML is reported, as the loader would). Returns 0, -EINVAL with every
 * error appended to errs, or another negative errno.
 */
int fab_config_import_text(const char *text, size_t len, const char *name, char **out,
			   size_t *outlen, struct fab_config_errors *errs);

/*
 * The parts of the format other files embed (the import map, import.h).
 * Loads each given node of doc (NULL: absent) into m exactly as the loader
 * loads the top-level key of the same name: fabric, policy, management,
 * lans. Errors carry file and the nodes' positions. Returns true if none
 * was added.
 */
struct yaml_document_s;
struct yaml_node_s;
struct fab_config_sections {
	struct yaml_node_s *fabric;
	struct yaml_node_s *policy;
	struct yaml_node_s *management;
	struct yaml_node_s *lans;
};
bool fab_config_load_sections(struct yaml_document_s *doc, const struct fab_config_sections *s,
			      const char *file, struct fab_model *m,
			      struct fab_config_errors *errs);

/* Writes the canonical YAML form. Returns 0 or a negative errno. */
int fab_config_print(const struct fab_model *m, FILE *out);

/*
 * Writes the canonical form to the file path: a complete file or none, as
 * the file is written beside it and then moved in place. An existing path is
 * replaced only if replace is set, else -EEXIST and nothing changes.
 * Returns 0 or a negative errno.
 */
int fab_config_write(const struct fab_model *m, const char *path, bool replace);

/*
 * The loader's verdict on a model built another way (an import): prints it
 * and loads the text back. Returns 0 if the loader accepts it and the
 * result equals m; otherwise -EINVAL with the loader's errors, against the
 * printed text called name, appended to errs; or a negative errno if it
 * cannot be printed.
 */
int fab_config_recheck(const struct fab_model *m, const char *name, struct fab_config_errors *errs);

#endif
