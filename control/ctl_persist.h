/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What control keeps in its state directory besides the committed
 * configuration: the event list and the open MAC swap windows, so that a
 * restart of control loses neither.
 */
#ifndef PEERLAN_CONTROL_CTL_PERSIST_H
#define PEERLAN_CONTROL_CTL_PERSIST_H

#include <stddef.h>
#include <stdint.h>

struct ctl;
struct fab_model;

/* Writes data to path.new, syncs it and renames it over path: a reader or a
 * crash sees the old file or the new one. 0 or a negative errno. */
int ctl_write_atomic(const char *path, const void *data, size_t len);

/* At start, before m (the start configuration, in its state directory)
 * runs: reads the event list and reopens the swap windows on m. Returns m
 * or its replacement (m freed); NULL on ENOMEM. */
struct fab_model *ctl_persist_load(struct ctl *c, struct fab_model *m);
/* Saves the event list when it changed, at most once a second. */
void ctl_persist_tick(struct ctl *c, uint64_t now_ns);
/* Saves whatever is not saved yet (at exit). */
void ctl_persist_flush(struct ctl *c);

#endif
