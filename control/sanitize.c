/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sanitize.h"

/* Length of the UTF-8 sequence at s and its code point, or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
	size_t n;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past Unicode are not text. */
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static bool unsafe_cp(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x061c ||
	       (c >= 0x200e && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069);
}

char *ctl_sanitize(const char *in, char *out, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;

	if (len == 0)
		return out;
	while (*s) {
		char esc[16];
		uint32_t cp;
		size_t n = utf8_seq(s, &cp);
		size_t elen;

		if (n == 0) {
			elen = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", *s);
			n = 1;
		} else if (unsafe_cp(cp) && cp < 0x80) {
			elen = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", (unsigned)cp);
		} else if (unsafe_cp(cp)) {
			elen = (size_t)snprintf(esc, sizeof(esc), "\\u{%04x}", (unsigned)cp);
		} else if (cp == '\\') {
			elen = (size_t)snprintf(esc, sizeof(esc), "\\\\");
		} else {
			memcpy(esc, s, n);
			elen = n;
		}
		if (o + elen >= len)
			break;
		memcpy(out + o, esc, elen);
		o += elen;
		s += n;
	}
	out[o] = '\0';
	return out;
}
