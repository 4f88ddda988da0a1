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

/* Writes the reply to a successful command, with its row's renderer. */
void ctl_text_render(const struct ctl_request *req, const json_t *reply, FILE *out);

/* The renderers of the rows of ctl_commands[] (ctl_render_fn). */
void ctl_render_ports(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_port(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_members(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_member(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_macs(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_neighbors(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_sponge(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_drops(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_status(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_port_security(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_events(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_quarantine(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_config(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_config_text(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_allow_mac(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_promote(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_import(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_clear(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_neighbor_state(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_port_admin(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_names(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_traffic(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_config_history(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_sync(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_lag(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_evpn(const struct ctl_request *req, const json_t *r, FILE *out);
void ctl_render_sync_now(const struct ctl_request *req, const json_t *r, FILE *out);
/* Writes an error reply: its one-line message, then any list of errors. */
void ctl_text_error(const json_t *reply, FILE *out);

/* 1234567 -> "1.23M"; for rates. buf needs 16 bytes. */
const char *ctl_text_si(double v, char *buf, size_t len);

#endif
