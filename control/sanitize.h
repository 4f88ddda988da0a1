/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text from a configuration or a member database is hostile until shown
 * otherwise: a member name could hold escape sequences that rewrite the
 * operator's terminal, or bidirectional overrides that reorder what is read.
 * Everything printed to a terminal or a log goes through ctl_sanitize.
 */
#ifndef PEERLAN_CONTROL_SANITIZE_H
#define PEERLAN_CONTROL_SANITIZE_H

#include <stddef.h>

/*
 * Copies s into out (size len, always NUL-terminated, cut short if needed),
 * replacing control characters (C0, DEL, C1), invalid UTF-8 and Unicode
 * direction controls by \xNN or \u{NNNN} escapes; a backslash is doubled so
 * that an escape cannot be forged. Returns out.
 */
char *ctl_sanitize(const char *s, char *out, size_t len);

#endif
