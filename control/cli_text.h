/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text output of peerlanctl: one renderer per command over the JSON the
 * control process answers with, so text and --json always show the same
 * data. Every string is sanitised on the way out (sanitize.h).
 */
#ifndef PEERLAN_CONTROL_CLI_TEXT_H
#define PEERLAN_CONTROL_CLI_TEXT_H

#include <stdio.h>

#include <jansson.h>

#include "cli_parse.h"

/* Writes the reply to a successful command. */
void ctl_text_render(enum ctl_cmd cmd, const json_t *reply, FILE *out);
/* Writes an error reply: its one-line message, then any list of errors. */
void ctl_text_error(const json_t *reply, FILE *out);

/* 1234567 -> "1.23M"; for rates. buf needs 16 bytes. */
const char *ctl_text_si(double v, char *buf, size_t len);

#endif
