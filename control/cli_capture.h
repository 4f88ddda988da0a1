/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `capture port NAME ...`, peerlanctl's part: control tells how to reach
 * the port (the dataplane's EAL file prefix and the port's DPDK port id,
 * ctl_capture.c); peerlanctl runs Debian's dpdk-dumpcap as a secondary
 * process of the dataplane, into a pcapng file or through tshark. It needs
 * root, as dpdk-dumpcap maps the dataplane's hugepages.
 */
#ifndef PEERLAN_CONTROL_CLI_CAPTURE_H
#define PEERLAN_CONTROL_CLI_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cli_parse.h"

/* Where capture files go unless $PEERLAN_CAPTURE_DIR says otherwise. */
#define CTL_CAPTURE_DIR "/var/tmp"

/*
 * What must hold before control is asked: root, and dpdk-dumpcap (and tshark
 * for `tshark`) on PATH. 0, or -EPERM/-ENOENT with the reason in err.
 */
int ctl_cli_capture_check(const struct ctl_request *r, char *err, size_t errlen);

/*
 * Runs the capture control's reply describes (port, device, dpdk_port,
 * file_prefix) until its stop condition or Ctrl-C, and says where the file
 * is and how to open it (JSON under json). Returns peerlanctl's exit status.
 */
int ctl_cli_capture_run(const struct ctl_request *r, const json_t *info, bool json);

#endif
