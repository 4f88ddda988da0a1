/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lookup tables compiled from a model for the per-frame pipeline.
 *
 * A table set is immutable once built: the dataplane builds a new one beside
 * the one in use and publishes it with a single pointer swap (RCU), so a
 * worker always sees one whole configuration. The tables are laid out for
 * lookup speed on a static set (open addressing sized for a low load
 * factor, keys that fit one word), not for updates.
 */
#ifndef PEERLAN_FABRIC_TABLES_H
#define PEERLAN_FABRIC_TABLES_H

#include <stdint.h>

#include "model.h"

struct fab_tables;

/*
 * Compiles a validated model. The result does not refer to the model, which
 * may be freed afterwards. Returns NULL and sets errno (ENOMEM, or EINVAL for
 * a model that breaks an invariant the loader should have caught).
 */
struct fab_tables *fab_tables_build(const struct fab_model *m, uint64_t generation);
/* Frees a table set. Accepts NULL. Only after no reader can still hold it. */
void fab_tables_destroy(struct fab_tables *t);

uint64_t fab_tables_generation(const struct fab_tables *t);
uint16_t fab_tables_nports(const struct fab_tables *t);

#endif
