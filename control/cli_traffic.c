/* SPDX-License-Identifier: BSD-3-Clause */
/* peerlanctl's text for `show traffic`: one line per pair, busiest first. */
#include <stdio.h>

#include "cli_text.h"
#include "sanitize.h"

#define NAME_MAX_SHOWN 20

/* "AS64500 name", the name cut to fit and made safe for the terminal. */
static const char *who(const json_t *o, const char *asn_key, const char *name_key, char *buf,
		       size_t len)
{
	char clean[256];
	const char *name = json_string_value(json_object_get(o, name_key));

	snprintf(buf, len, "AS%lld %.*s",
		 (long long)json_integer_value(json_object_get(o, asn_key)), NAME_MAX_SHOWN,
		 ctl_sanitize(name ? name : "", clean, sizeof(clean)));
	return buf;
}

static const char *si_or_dash(const json_t *v, double mult, char *buf, size_t len)
{
	if (!json_is_number(v))
		return "-";
	return ctl_text_si(json_number_value(v) * mult, buf, len);
}

void ctl_render_traffic(const struct ctl_request *req, const json_t *r, FILE *out)
{
	const json_t *pairs = json_object_get(r, "pairs"), *p, *t = json_object_get(r, "total");
	char a[64], b[64], lan[64], x[5][16];
	size_t i;

	(void)req;
	fprintf(out, "dataplane started %lld; %lld pairs%s",
		(long long)json_integer_value(json_object_get(r, "dataplane_start")),
		(long long)json_integer_value(json_object_get(r, "pair_count")),
		json_array_size(pairs) <
			(size_t)json_integer_value(json_object_get(r, "pair_count"))
		    ? " (busiest shown)"
		    : "");
	if (json_integer_value(json_object_get(r, "lost_frames")) != 0)
		fprintf(out, "; %lld frames of pairs with no room in the matrix",
			(long long)json_integer_value(json_object_get(r, "lost_frames")));
	fputc('\n', out);
	if (json_array_size(pairs) == 0) {
		fprintf(out, "no traffic between members\n");
		return;
	}
	fprintf(out, "%-12s %-29s %-29s %9s %9s %9s %9s %9s\n", "LAN", "FROM", "TO", "BPS", "PPS",
		"BYTES", "FRAMES", "V4/V6/OTH%");
	json_array_foreach(pairs, i, p)
	{
		double bytes = (double)json_integer_value(json_object_get(p, "bytes"));
		double v4 = (double)json_integer_value(
		    json_object_get(json_object_get(p, "ipv4"), "bytes"));
		double v6 = (double)json_integer_value(
		    json_object_get(json_object_get(p, "ipv6"), "bytes"));
		double all = v4 + v6 +
			     (double)json_integer_value(
				 json_object_get(json_object_get(p, "other"), "bytes"));
		char mix[24];

		snprintf(mix, sizeof(mix), "%.0f/%.0f/%.0f", all > 0 ? 100 * v4 / all : 0,
			 all > 0 ? 100 * v6 / all : 0, all > 0 ? 100 * (all - v4 - v6) / all : 0);
		fprintf(out, "%-12.12s %-29s %-29s %9s %9s %9s %9s %9s\n",
			ctl_sanitize(json_string_value(json_object_get(p, "lan"))
					 ? json_string_value(json_object_get(p, "lan"))
					 : "-",
				     lan, sizeof(lan)),
			who(p, "src_asn", "src_name", a, sizeof(a)),
			who(p, "dst_asn", "dst_name", b, sizeof(b)),
			si_or_dash(json_object_get(p, "bps"), 1, x[0], sizeof(x[0])),
			si_or_dash(json_object_get(p, "pps"), 1, x[1], sizeof(x[1])),
			ctl_text_si(bytes, x[2], sizeof(x[2])),
			ctl_text_si((double)json_integer_value(json_object_get(p, "frames")), x[3],
				    sizeof(x[3])),
			mix);
	}
	fprintf(out, "%-12s %-29s %-29s %9s %9s %9s %9s\n", "total", "", "",
		si_or_dash(json_object_get(t, "bps"), 1, x[0], sizeof(x[0])),
		si_or_dash(json_object_get(t, "pps"), 1, x[1], sizeof(x[1])),
		ctl_text_si((double)json_integer_value(json_object_get(t, "bytes")), x[2],
			    sizeof(x[2])),
		ctl_text_si((double)json_integer_value(json_object_get(t, "frames")), x[3],
			    sizeof(x[3])));
}
