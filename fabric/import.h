/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Importing the member database from where exchanges keep it: IXP Manager's
 * provisioner API (the `vlans` and `layer2interfaces` outputs for one
 * switch, YAML or JSON) and the IX-F Member Export (schema 1.0, JSON).
 *
 * Neither export says everything peerlan needs (DPDK devices, which VLAN is
 * the quarantine LAN, which port an IX-F connection is on, the fabric's
 * policy), so every import also reads a local import map; its format is in
 * docs/configuration.md, "Importing". peerlan never fetches the files: the
 * operator's own tooling does.
 *
 * An import is a transaction like loading a configuration: every record is
 * checked, every problem is reported with the record it came from (file,
 * line, and the interface or member and connection), and the result is
 * printed and loaded back through the configuration loader, so an import
 * never yields a model the loader would reject.
 */
#ifndef PEERLAN_FABRIC_IMPORT_H
#define PEERLAN_FABRIC_IMPORT_H

#include "config.h"
#include "model.h"

enum fab_import_format {
	FAB_IMPORT_IXP_MANAGER, /* provisioner vlans + layer2interfaces */
	FAB_IMPORT_IXF,         /* IX-F Member Export 1.0 */
};

/* The files of one import; paths are used as given. */
struct fab_import_files {
	enum fab_import_format format;
	const char *map;        /* the import map; required */
	const char *vlans;      /* IXP Manager: the provisioner's vlans output */
	const char *interfaces; /* IXP Manager: the provisioner's layer2interfaces output */
	const char *ixf;        /* IX-F export: required for FAB_IMPORT_IXF; for IXP Manager
				   optional, a source of member ASNs, names and LAN prefixes */
};

/*
 * Reads the files and builds the fabric they describe. On success returns
 * the model (the caller destroys it) and leaves errs as it was; on any error
 * returns NULL with every error appended to errs. Notes the operator should
 * read even on success (excluded interfaces, shortened names) are appended
 * to notes unless it is NULL.
 */
struct fab_model *fab_import(const struct fab_import_files *f, struct fab_config_errors *errs,
			     struct fab_config_errors *notes);

/* Parses a format name ("ixp-manager", "ixf"); 0 or -EINVAL. */
int fab_import_format_parse(const char *s, enum fab_import_format *out);

/*
 * The loader's hook for a configuration made of exported files (a top-level
 * `import:` section). fab_import_section returns the section's value node
 * if root has one, else NULL. fab_import_config reads the section (relative
 * paths are relative to the directory of cfg_path), imports, and returns the
 * model or NULL with errors, as fab_config_load_string does.
 */
struct yaml_document_s;
struct yaml_node_s;
struct yaml_node_s *fab_import_section(struct yaml_document_s *doc, struct yaml_node_s *root);
struct fab_model *fab_import_config(struct yaml_document_s *doc, struct yaml_node_s *root,
				    const char *cfg_path, struct fab_config_errors *errs);

#endif
