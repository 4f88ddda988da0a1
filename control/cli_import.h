/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `config import`: peerlanctl runs the importer itself (fabric/import.h,
 * the code behind peerlan-import) and writes the configuration to a file for
 * review. It is local and one-shot on purpose: it needs no running control
 * process, and control never writes files a CLI peer names.
 *
 * Likewise a configuration made of exported files (an `import:` section)
 * given to `config check|diff|apply` is imported here, with the rights of
 * the user running peerlanctl, and its canonical text is what travels:
 * control never reads a file a CLI peer names either.
 */
#ifndef PEERLAN_CONTROL_CLI_IMPORT_H
#define PEERLAN_CONTROL_CLI_IMPORT_H

#include <jansson.h>

#include "cli_parse.h"
#include "fabric/config.h"

/*
 * Runs a parsed CTL_CONFIG_IMPORT. Returns 0 or a negative errno, and sets
 * *reply (the caller releases it) to what a control reply would hold: the
 * output file and counts, or "error" with every error naming its record;
 * "notes" either way.
 */
int ctl_cli_import(const struct ctl_request *r, json_t **reply);

/*
 * For a command that sends a file's text (*text, *len, which the caller
 * frees): if the text has an `import:` section, imports it and replaces
 * *text and *len with the resulting configuration. Returns 0, or a negative
 * errno with *reply set (the caller releases it) to an error as control
 * would have sent it.
 */
int ctl_cli_expand(const struct ctl_request *r, char **text, size_t *len, json_t **reply);

/*
 * Errors in JSON: each an object {file, line, col, message}; line and col
 * are 0 for an error about a whole file, file is "" for one about no file.
 */
json_t *ctl_error_entry(const char *file, unsigned int line, unsigned int col, const char *msg);
/* The errors of a load or an import, each where it is. */
json_t *ctl_errors_json(const struct fab_config_errors *e);
/* The same without the positions: for a text built inside control (a
 * promotion, a MAC swap), whose lines the operator never sees. */
json_t *ctl_errors_json_unplaced(const struct fab_config_errors *e);

#endif
