/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_text.h"
#include "fabric/counters.h"
#include "sanitize.h"

#define CLEAN_MAX 512

/* A string member made safe for the terminal; "-" when absent. */
static const char *str(const json_t *o, const char *key, char *buf)
{
	const char *s = json_string_value(json_object_get(o, key));

	return ctl_sanitize(s ? s : "-", buf, CLEAN_MAX);
}

static long long num(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

const char *ctl_text_si(double v, char *buf, size_t len)
{
	static const char *const unit[] = {"", "k", "M", "G", "T", "P"};
	int u = 0;

	while (v >= 1000.0 && u < 5) {
		v /= 1000.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.*f%s", v < 10 ? 2 : v < 100 ? 1 : 0, v, unit[u]);
	return buf;
}

/* "AS64500 Name, AS64501 Other" of a members array. */
/* An empty table is one line saying so, not a header over nothing. */
static bool none(const json_t *a, const char *what, FILE *out)
{
	if (json_array_size(a) > 0)
		return false;
	fprintf(out, "no %s\n", what);
	return true;
}

static const char *members(const json_t *a, char *buf, size_t len)
{
	size_t o = 0, i;
	const json_t *m;
	char b[CLEAN_MAX];

	buf[0] = '\0';
	json_array_foreach(a, i, m)
	{
		int n = snprintf(buf + o, len - o, "%sAS%lld %s", o ? ", " : "", num(m, "asn"),
				 str(m, "name", b));

		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
	if (o == 0)
		snprintf(buf, len, "-");
	return buf;
}

static const char *lans(const json_t *a, char *buf, size_t len)
{
	size_t o = 0, i;
	const json_t *l;
	char b[CLEAN_MAX];

	buf[0] = '\0';
	json_array_foreach(a, i, l)
	{
		char mtu[24] = "";
		int n;

		/* A jumbo-frame LAN says so; the usual 1500 goes without saying. */
		if (num(l, "mtu") != FAB_MTU_DEFAULT)
			snprintf(mtu, sizeof(mtu), ", mtu %lld", num(l, "mtu"));
		n = snprintf(buf + o, len - o, "%s%s(%lld%s)", o ? ", " : "", str(l, "lan", b),
			     num(l, "vlan"), mtu);

		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
	return buf;
}

static const char *rate(const json_t *rates, const char *key, char *buf)
{
	const json_t *v = json_object_get(rates, key);

	if (!json_is_integer(v))
		return "-";
	return ctl_text_si((double)json_integer_value(v), buf, 16);
}

/* The words of one end's 802.1AX state, joined by commas. */
static void lacp_state(const json_t *end, char *buf, size_t len)
{
	const json_t *v;
	size_t i, o = 0;

	buf[0] = '\0';
	json_array_foreach((json_t *)json_object_get(end, "state"), i, v)
	{
		if (o < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "",
					      json_string_value(v));
	}
}

static void render_lag(const json_t *g, FILE *out)
{
	char b1[CLEAN_MAX], b2[CLEAN_MAX], s1[160], s2[160];
	const json_t *l, *a, *p, *k;
	size_t i;

	fprintf(
	    out, "%s: %lld of %lld links bundled, min-links %lld: %s (lacp %s, rate %s, hash %s)\n",
	    str(g, "port", b1), num(g, "links_bundled"), num(g, "links_total"), num(g, "min_links"),
	    str(g, "state", b2), json_string_value(json_object_get(g, "lacp")),
	    json_string_value(json_object_get(g, "rate")),
	    json_string_value(json_object_get(g, "hash")));
	json_array_foreach((json_t *)json_object_get(g, "links"), i, l)
	{
		a = json_object_get(l, "actor");
		p = json_object_get(l, "partner");
		k = json_object_get(l, "counters");
		lacp_state(a, s1, sizeof(s1));
		lacp_state(p, s2, sizeof(s2));
		fprintf(out, "  link %s: carrier %s, %s%s%s\n", str(l, "device", b1),
			json_string_value(json_object_get(l, "carrier")),
			json_is_true(json_object_get(l, "bundled")) ? "in the bundle" : "out: ",
			json_is_true(json_object_get(l, "bundled")) ? "" : str(l, "why", b2), "");
		fprintf(out, "    actor   system %s key %lld  %s\n", str(a, "system", b1),
			num(a, "key"), s1);
		fprintf(out, "    partner system %s key %lld  %s\n", str(p, "system", b1),
			num(p, "key"), s2);
		fprintf(out,
			"    rx %lld frames %lld bytes, tx %lld frames %lld bytes, errors rx %lld "
			"tx %lld; %lld bundle changes\n",
			num(k, "rx_packets"), num(k, "rx_bytes"), num(k, "tx_packets"),
			num(k, "tx_bytes"), num(k, "rx_errors"), num(k, "tx_errors"),
			num(l, "bundle_changes"));
	}
}

void ctl_render_ports(const struct ctl_request *req, const json_t *r, FILE *out)
{
	const json_t *p;
	size_t i;

	(void)req;

	/* DROPS counts since the last `clear counters`, like `show port`. */
	if (none(json_object_get(r, "ports"), "ports", out))
		return;
	fprintf(out, "%-16s %-5s %-12s %9s %9s %9s %9s %12s  %-24s %s\n", "PORT", "ADMIN", "OPER",
		"RX pps", "TX pps", "RX bps", "TX bps", "DROPS", "MEMBERS", "DESCRIPTION");
	json_array_foreach(json_object_get(r, "ports"), i, p)
	{
		char b1[CLEAN_MAX], b2[CLEAN_MAX], b3[CLEAN_MAX], b4[CLEAN_MAX], mb[1024];
		char r1[16], r2[16], r3[16], r4[16], drops[24] = "-";
		const json_t *rt = json_object_get(p, "rates");

		if (json_object_get(p, "drops_since_clear"))
			snprintf(drops, sizeof(drops), "%lld", num(p, "drops_since_clear"));
		fprintf(out, "%-16s %-5s %-12s %9s %9s %9s %9s %12s  %-24s %s\n",
			str(p, "name", b1), str(p, "admin", b2), str(p, "oper", b3),
			rate(rt, "rx_pps", r1), rate(rt, "tx_pps", r2), rate(rt, "rx_bps", r3),
			rate(rt, "tx_bps", r4), drops,
			members(json_object_get(p, "members"), mb, sizeof(mb)),
			str(p, "description", b4));
	}
}

static void render_offender(const json_t *o, FILE *out)
{
	char b1[CLEAN_MAX], b2[CLEAN_MAX], b3[CLEAN_MAX];

	if (!json_is_object(o)) {
		fprintf(out, "  last offender: none\n");
		return;
	}
	fprintf(out, "  last offender: %s ethertype %s reason %s, %.1f s ago\n", str(o, "mac", b1),
		str(o, "ethertype", b2), str(o, "reason", b3),
		json_real_value(json_object_get(o, "age_s")));
}

void ctl_render_port(const struct ctl_request *req, const json_t *r, FILE *out)
{
	char b1[CLEAN_MAX], b2[CLEAN_MAX], b3[CLEAN_MAX], big[2048];
	char r1[16], r2[16], r3[16], r4[16];
	const json_t *rt = json_object_get(r, "rates"), *m, *ctr, *drops, *v;
	const char *k;
	size_t i, j;

	(void)req;

	fprintf(out, "port %s: admin %s, oper %s", str(r, "name", b1), str(r, "admin", b2),
		str(r, "oper", b3));
	if (json_object_get(r, "errdisabled"))
		fprintf(out, " (err-disabled by %s)", str(r, "errdisabled", b1));
	fputc('\n', out);
	if (json_object_get(r, "lag"))
		render_lag(json_object_get(r, "lag"), out);
	fprintf(out, "  description: %s\n", str(r, "description", b1));
	fprintf(out, "  device: %s, %s %s port, mtu %lld, speed %lld Mb/s, violation %s\n",
		str(r, "device", b1), str(r, "kind", b2), str(r, "mode", b3), num(r, "mtu"),
		num(r, "speed_mbps"), str(r, "violation", big));
	if (json_object_get(r, "mac_address"))
		fprintf(out, "  mac address: %s\n", str(r, "mac_address", b1));
	fprintf(out, "  members: %s\n", members(json_object_get(r, "members"), big, sizeof(big)));
	fprintf(out, "  lans: %s\n", lans(json_object_get(r, "lans"), big, sizeof(big)));
	json_array_foreach(json_object_get(r, "macs"), i, m)
	{
		const json_t *mac;

		fprintf(out, "  macs on %s (AS%lld):", str(m, "lan", b1), num(m, "asn"));
		json_array_foreach(json_object_get(m, "macs"), j, mac)
		    fprintf(out, " %s",
			    ctl_sanitize(json_string_value(mac) ? json_string_value(mac) : "", b2,
					 sizeof(b2)));
		fputc('\n', out);
	}
	json_array_foreach(json_object_get(r, "swap_windows"), i, m)
	    fprintf(out, "  swap window: %s allowed, expires in %lld s\n", str(m, "mac", b1),
		    num(m, "expires_in_s"));
	/* The text shows counts since the last clear; --json has both. */
	ctr = json_object_get(r, "counters_since_clear");
	if (ctr == NULL) {
		fprintf(out, "  counters: dataplane not connected\n");
		return;
	}
	fprintf(out, "  rates: rx %s pps %s bps, tx %s pps %s bps\n", rate(rt, "rx_pps", r1),
		rate(rt, "rx_bps", r2), rate(rt, "tx_pps", r3), rate(rt, "tx_bps", r4));
	if (json_object_get(r, "cleared_s_ago"))
		fprintf(out,
			"  counters since `clear counters` %.0f s ago (--json: absolute too):\n",
			json_real_value(json_object_get(r, "cleared_s_ago")));
	else
		fprintf(out, "  counters since the dataplane started:\n");
	json_object_foreach((json_t *)ctr, k, v)
	    fprintf(out, "    %-24s %20lld\n", ctl_sanitize(k, b1, sizeof(b1)),
		    (long long)json_integer_value(v));
	drops = json_object_get(r, "drops_since_clear");
	fprintf(out, "  drops by reason (non-zero, same period):\n");
	json_object_foreach((json_t *)drops, k, v) if (json_integer_value(v) != 0)
	{
		int reason = fab_drop_by_name(k);

		fprintf(out, "    %-24s %20lld  %s\n", ctl_sanitize(k, b1, sizeof(b1)),
			(long long)json_integer_value(v), reason >= 0 ? fab_drop_help(reason) : "");
	}
	render_offender(json_object_get(r, "last_offender"), out);
}

void ctl_render_members(const struct ctl_request *req, const json_t *r, FILE *out)
{
	const json_t *m, *p;
	size_t i, j;

	(void)req;

	if (none(json_object_get(r, "members"), "members", out))
		return;
	fprintf(out, "%-12s %-32s %5s %5s %5s  %s\n", "ASN", "NAME", "MACS", "IPV4", "IPV6",
		"PORTS");
	json_array_foreach(json_object_get(r, "members"), i, m)
	{
		char b[CLEAN_MAX], asn[16];

		snprintf(asn, sizeof(asn), "AS%lld", num(m, "asn"));
		fprintf(out, "%-12s %-32s %5lld %5lld %5lld ", asn, str(m, "name", b),
			num(m, "mac_count"), num(m, "ipv4_count"), num(m, "ipv6_count"));
		json_array_foreach(json_object_get(m, "ports"), j, p) fprintf(
		    out, " %s",
		    ctl_sanitize(json_string_value(p) ? json_string_value(p) : "", b, sizeof(b)));
		fputc('\n', out);
	}
}

static void print_list(const char *label, const json_t *a, FILE *out)
{
	const json_t *v;
	size_t i;
	char b[CLEAN_MAX];

	fprintf(out, "      %s:", label);
	json_array_foreach(a, i, v)
	    fprintf(out, " %s",
		    ctl_sanitize(json_string_value(v) ? json_string_value(v) : "", b, sizeof(b)));
	if (json_array_size(a) == 0)
		fprintf(out, " -");
	fputc('\n', out);
}

void ctl_render_member(const struct ctl_request *req, const json_t *r, FILE *out)
{
	const json_t *cn, *l;
	size_t i, j;
	char b1[CLEAN_MAX], b2[CLEAN_MAX], b3[CLEAN_MAX];

	(void)req;

	fprintf(out, "AS%lld %s\n", num(r, "asn"), str(r, "name", b1));
	json_array_foreach(json_object_get(r, "connections"), i, cn)
	{
		fprintf(out, "  port %s: admin %s, oper %s\n", str(cn, "port", b1),
			str(cn, "admin", b2), str(cn, "oper", b3));
		json_array_foreach(json_object_get(cn, "lans"), j, l)
		{
			fprintf(out, "    lan %s (vlan %lld)\n", str(l, "lan", b1), num(l, "vlan"));
			print_list("macs", json_object_get(l, "macs"), out);
			print_list("ipv4", json_object_get(l, "ipv4"), out);
			print_list("ipv6", json_object_get(l, "ipv6"), out);
		}
	}
}

void ctl_render_macs(const struct ctl_request *req, const json_t *r, FILE *out)
{
	const json_t *e;
	size_t i;

	(void)req;

	if (none(json_object_get(r, "macs"), "MAC addresses", out))
		return;
	fprintf(out, "%-17s %-16s %5s %-16s %-12s %s\n", "MAC", "LAN", "VLAN", "PORT", "ASN",
		"MEMBER");
	json_array_foreach(json_object_get(r, "macs"), i, e)
	{
		char b1[CLEAN_MAX], b2[CLEAN_MAX], b3[CLEAN_MAX], b4[CLEAN_MAX], asn[16];

		snprintf(asn, sizeof(asn), "AS%lld", num(e, "asn"));
		fprintf(out, "%-17s %-16s %5lld %-16s %-12s %s\n", str(e, "mac", b1),
			str(e, "lan", b2), num(e, "vlan"), str(e, "port", b3), asn,
			str(e, "member", b4));
	}
}

void ctl_render_neighbors(const struct ctl_request *req, const json_t *r, FILE *out)
{
	const json_t *e;
	size_t i;

	(void)req;

	if (none(json_object_get(r, "neighbors"), "addresses", out))
		return;
	fprintf(out, "%-39s %-17s %-16s %-16s %-5s %-7s %5s %-12s %s\n", "ADDRESS", "MAC", "LAN",
		"PORT", "OPER", "STATE", "Q/MIN", "ASN", "MEMBER");
	json_array_foreach(json_object_get(r, "neighbors"), i, e)
	{
		char b1[CLEAN_MAX], b2[CLEAN_MAX], b3[CLEAN_MAX], b4[CLEAN_MAX], b5[CLEAN_MAX];
		char b6[CLEAN_MAX], b7[CLEAN_MAX], asn[16];
		const json_t *macs = json_object_get(e, "macs");
		const char *mac = json_string_value(json_array_get(macs, 0));

		snprintf(asn, sizeof(asn), "AS%lld", num(e, "asn"));
		fprintf(out, "%-39s %-17s %-16s %-16s %-5s %-7s %5lld %-12s %s\n",
			str(e, "address", b1), ctl_sanitize(mac ? mac : "-", b2, sizeof(b2)),
			str(e, "lan", b3), str(e, "port", b4), str(e, "oper", b5),
			str(e, "state", b7), num(e, "queries_per_min"), asn, str(e, "member", b6));
	}
}

/* Seconds ago as "12s", or "-" for never. */
static const char *ago(const json_t *o, const char *key, char *buf, size_t len)
{
	if (json_object_get(o, key) == NULL)
		return "-";
	snprintf(buf, len, "%llds", num(o, key));
	return buf;
}

void ctl_render_sponge(const struct ctl_request *req, const json_t *r, FILE *out)
{
	const json_t *p = json_object_get(r, "policy"), *e;
	char b1[CLEAN_MAX], b2[CLEAN_MAX], t1[24], t2[24];
	size_t i;

	(void)req;

	fprintf(out,
		"sponge %s, MAC %s%s: %lld queries/min over a queue of %lld, flood protection "
		"%lld ms, %lld probes %lld ms apart\n",
		json_is_true(json_object_get(p, "enabled")) ? "on" : "off", str(p, "mac", b1),
		json_is_true(json_object_get(p, "learning")) ? " (learning)" : "",
		num(p, "rate_per_min"), num(p, "queue_depth"), num(p, "flood_ms"), num(p, "probes"),
		num(p, "probe_interval_ms"));
	fprintf(
	    out,
	    "%lld addresses tracked, %lld sponged%s; %lld punts read, %lld probes, %lld "
	    "corrections, %lld inject errors\n",
	    num(r, "tracked"), num(r, "sponged"),
	    json_is_true(json_object_get(r, "in_dataplane")) ? "" : " (not yet in the dataplane)",
	    num(r, "punts"), num(r, "probes_sent"), num(r, "corrections"), num(r, "inject_errors"));
	if (json_object_get(r, "last_error"))
		fprintf(out, "last error: %s\n", str(r, "last_error", b1));
	fprintf(out, "\n%-39s %-7s %5s %8s %6s %10s %10s\n", "ADDRESS", "STATE", "Q/MIN", "QUERIES",
		"PROBES", "LAST-QUERY", "LAST-HEARD");
	json_array_foreach(json_object_get(r, "addresses"), i, e)
	{
		fprintf(out, "%-39s %-7s %5lld %8lld %6lld %10s %10s\n", str(e, "address", b1),
			str(e, "state", b2), num(e, "queries_per_min"), num(e, "queries"),
			num(e, "probes_sent"), ago(e, "last_query_s_ago", t1, sizeof(t1)),
			ago(e, "last_heard_s_ago", t2, sizeof(t2)));
	}
	if (json_array_size(json_object_get(r, "events")) > 0)
		fprintf(out, "\nevents (%lld in all, newest last):\n", num(r, "events_total"));
	json_array_foreach(json_object_get(r, "events"), i, e)
	{
		time_t t = (time_t)num(e, "time");
		struct tm tm;
		char when[32];

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", gmtime_r(&t, &tm));
		fprintf(out, "  %s  %s\n", when, str(e, "text", b1));
	}
}

void ctl_render_drops(const struct ctl_request *req, const json_t *r, FILE *out)
{
	const json_t *e, *p;
	size_t i, j;
	char b1[CLEAN_MAX], b2[CLEAN_MAX];

	(void)req;

	if (none(json_object_get(r, "total"), "drops", out))
		return;
	fprintf(out, "%-24s %20s  %s\n", "REASON", "DROPS", "MEANING");
	json_array_foreach(json_object_get(r, "total"), i, e) fprintf(
	    out, "%-24s %20lld  %s\n", str(e, "reason", b1), num(e, "count"), str(e, "help", b2));
	json_array_foreach(json_object_get(r, "ports"), i, p)
	{
		if (json_array_size(json_object_get(p, "drops")) == 0)
			continue;
		fprintf(out, "\nport %s\n", str(p, "port", b1));
		json_array_foreach(json_object_get(p, "drops"), j, e)
		    fprintf(out, "  %-22s %20lld\n", str(e, "reason", b1), num(e, "count"));
		render_offender(json_object_get(p, "last_offender"), out);
	}
}

void ctl_render_status(const struct ctl_request *req, const json_t *r, FILE *out)
{
	const json_t *dp = json_object_get(r, "dataplane");
	char b1[CLEAN_MAX], b2[CLEAN_MAX], b3[CLEAN_MAX];

	(void)req;

	fprintf(out, "fabric %s: %lld ports, %lld members\n", str(r, "fabric", b1), num(r, "ports"),
		num(r, "members"));
	fprintf(out, "control %s, up %lld s, configuration from %s (digest %s)\n",
		str(r, "version", b1), num(r, "uptime_s"), str(r, "config_source", b2),
		str(r, "config_digest", b3));
	if (json_is_integer(json_object_get(r, "confirm_left_s")))
		fprintf(out, "pending apply: rolls back in %lld s unless `config confirm`\n",
			num(r, "confirm_left_s"));
	if (num(r, "cli_readonly_refused") > 0)
		fprintf(out,
			"read-only CLI socket: %lld connections refused, its slots were full\n",
			num(r, "cli_readonly_refused"));
	if (!json_is_true(json_object_get(dp, "connected"))) {
		/* Connected but silent: the error says since when. */
		fprintf(out, "dataplane: %s (%s)",
			json_is_false(json_object_get(dp, "answering")) ? "not answering"
									: "not connected",
			str(dp, "socket", b1));
		if (json_object_get(dp, "last_error"))
			fprintf(out, ": %s", str(dp, "last_error", b1));
		fprintf(out, "\n");
		return;
	}
	fprintf(out, "dataplane %s: connected, up %lld s, %lld worker%s\n", str(dp, "version", b1),
		num(dp, "uptime_s"), num(dp, "workers"), num(dp, "workers") == 1 ? "" : "s");
	fprintf(out, "  configuration generation %lld, digest %s, %s\n", num(dp, "generation"),
		str(dp, "config_digest", b1),
		json_is_true(json_object_get(dp, "in_sync")) ? "in sync" : "NOT IN SYNC");
	fprintf(out,
		"  punted frames: %lld received (%lld malformed), %lld lost in the dataplane"
		" (by port and reason: show port NAME, punt_*)\n",
		num(dp, "punts_received"), num(dp, "punts_malformed"), num(dp, "punts_dropped"));
}

void ctl_render_port_security(const struct ctl_request *req, const json_t *r, FILE *out)
{
	char b1[CLEAN_MAX], b2[CLEAN_MAX], b3[CLEAN_MAX], b4[CLEAN_MAX];
	const json_t *p;
	size_t i;

	(void)req;

	if (none(json_object_get(r, "ports"), "ports", out))
		return;
	fprintf(out, "%-16s %-9s %-13s %10s %8s  %s\n", "port", "action", "state", "violations",
		"flaps", "last violation / cause");
	json_array_foreach(json_object_get(r, "ports"), i, p)
	{
		const json_t *l = json_object_get(p, "last_violation");

		fprintf(out, "%-16s %-9s %-13s %10lld %8lld  ", str(p, "name", b1),
			str(p, "action", b2), str(p, "state", b3), num(p, "violations"),
			num(p, "flaps"));
		if (json_is_object(l))
			fprintf(out, "%s %s ethertype %s, %lld s ago", str(l, "reason", b1),
				str(l, "mac", b2), str(l, "ethertype", b3), num(l, "age_s"));
		else
			fputc('-', out);
		fputc('\n', out);
		if (json_object_get(p, "cause") == NULL)
			continue;
		fprintf(out, "  err-disabled by %s for %lld s: %s; ", str(p, "cause", b1),
			num(p, "for_s"), str(p, "detail", b4));
		if (json_is_integer(json_object_get(p, "recovers_in_s")))
			fprintf(out, "recovers in %lld s\n", num(p, "recovers_in_s"));
		else
			fprintf(out, "no automatic recovery: port %s no shutdown\n",
				str(p, "name", b2));
	}
}

void ctl_render_events(const struct ctl_request *req, const json_t *r, FILE *out)
{
	char b1[CLEAN_MAX], b2[CLEAN_MAX], b3[CLEAN_MAX], b4[CLEAN_MAX];
	const json_t *e;
	size_t i;

	(void)req;

	json_array_foreach(json_object_get(r, "events"), i, e)
	    fprintf(out, "%s %-11s %-16s %s\n", str(e, "time", b1), str(e, "type", b2),
		    str(e, "port", b3), str(e, "text", b4));
	if (json_array_size(json_object_get(r, "events")) == 0)
		fprintf(out, "no events\n");
}

void ctl_render_quarantine(const struct ctl_request *req, const json_t *r, FILE *out)
{
	char b1[CLEAN_MAX], b2[CLEAN_MAX];
	const json_t *c;
	size_t i;

	(void)req;

	fprintf(out, "port %s: quarantine report %s, %lld frames recorded\n", str(r, "port", b1),
		json_is_true(json_object_get(r, "pass")) ? "PASS" : "FAIL", num(r, "frames"));
	json_array_foreach(json_object_get(r, "checks"), i, c) fprintf(
	    out, "  %-4s %-36s %s\n", json_is_true(json_object_get(c, "pass")) ? "ok" : "FAIL",
	    str(c, "check", b1), str(c, "detail", b2));
	json_array_foreach(json_object_get(r, "ethertypes"), i, c) fprintf(
	    out, "  ethertype %s: %lld frames\n", str(c, "ethertype", b1), num(c, "frames"));
	json_array_foreach(json_object_get(r, "arp_nd_targets"), i, c) fprintf(
	    out, "  asked for %s: %lld times%s\n", str(c, "address", b1), num(c, "requests"),
	    json_is_true(json_object_get(c, "on_lan")) ? "" : " (not on any LAN)");
}

static void render_lines(const json_t *a, FILE *out)
{
	const json_t *v;
	size_t i;
	char b[CLEAN_MAX * 2];

	json_array_foreach(a, i, v)
	    fprintf(out, "%s\n",
		    ctl_sanitize(json_string_value(v) ? json_string_value(v) : "", b, sizeof(b)));
}

/* Errors and notes ({file, line, col, message}), each where it is: file:line:col, file, or nothing. */
static void render_errors(const json_t *a, FILE *out)
{
	const json_t *e;
	size_t i;

	json_array_foreach(a, i, e)
	{
		char f[CLEAN_MAX], m[CLEAN_MAX];

		str(e, "file", f);
		str(e, "message", m);
		if (num(e, "line") > 0)
			fprintf(out, "%s:%lld:%lld: %s\n", f, num(e, "line"), num(e, "col"), m);
		else if (json_string_length(json_object_get(e, "file")) > 0)
			fprintf(out, "%s: %s\n", f, m);
		else
			fprintf(out, "%s\n", m);
	}
}

void ctl_render_config(const struct ctl_request *req, const json_t *r, FILE *out)
{
	enum ctl_cmd cmd = req->cmd;
	char b[CLEAN_MAX];
	const json_t *diff = json_object_get(r, "diff");
	const json_t *restart = json_object_get(r, "restart_needed"), *v;
	size_t i;

	if (cmd == CTL_CONFIG_CHECK)
		fprintf(out, "%s: configuration OK\n", str(r, "file", b));
	if (diff != NULL) {
		if (json_array_size(diff) == 0)
			fprintf(out, "no changes\n");
		render_lines(diff, out);
	}
	if (json_array_size(restart) > 0) {
		fprintf(out, "needs a dataplane restart (config apply is refused until then):\n");
		json_array_foreach(restart, i, v) fprintf(
		    out, "  %s\n",
		    ctl_sanitize(json_string_value(v) ? json_string_value(v) : "", b, sizeof(b)));
	}
	/* config save, or an unchanged apply that saved what runs. */
	if (json_object_get(r, "saved"))
		fprintf(out, "saved the running configuration to %s\n", str(r, "saved", b));
	if (cmd == CTL_CONFIG_SAVE)
		return;
	if (cmd == CTL_CONFIG_CHECK || cmd == CTL_CONFIG_DIFF || cmd == CTL_CONFIG_DIFF_ROLLBACK ||
	    json_is_true(json_object_get(r, "unchanged")))
		return;
	if (json_object_get(r, "confirm_within_s"))
		fprintf(out,
			"applied as generation %lld; rolls back in %lld s unless `config "
			"confirm`\n",
			num(r, "generation"), num(r, "confirm_within_s"));
	else if (cmd == CTL_CONFIG_CONFIRM)
		fprintf(out, "confirmed generation %lld\n", num(r, "generation"));
	else if (cmd == CTL_CONFIG_ROLLBACK)
		fprintf(out, "rolled back; now generation %lld\n", num(r, "generation"));
	else
		fprintf(out, "applied and committed as generation %lld\n", num(r, "generation"));
}

void ctl_render_allow_mac(const struct ctl_request *req, const json_t *r, FILE *out)
{
	char b[CLEAN_MAX];

	(void)req;
	fprintf(out, "port %s: %s allowed for %lld s\n", str(r, "port", b),
		json_string_value(json_object_get(r, "mac")) ?: "-", num(r, "for_s"));
}

void ctl_render_promote(const struct ctl_request *req, const json_t *r, FILE *out)
{
	char b[CLEAN_MAX];

	(void)req;
	fprintf(out, "port %s promoted to production as generation %lld%s%s\n", str(r, "port", b),
		num(r, "generation"), json_object_get(r, "locked_mac") ? ", MAC locked to " : "",
		json_string_value(json_object_get(r, "locked_mac")) ?: "");
}

void ctl_render_config_text(const struct ctl_request *req, const json_t *r, FILE *out)
{
	/* Line by line, so that a long configuration is not cut at CLEAN_MAX. */
	const char *t = json_string_value(json_object_get(r, "text"));
	char b[CLEAN_MAX];

	while (t != NULL && *t) {
		const char *nl = strchr(t, '\n');
		size_t n = nl ? (size_t)(nl - t) : strlen(t);
		char line[CLEAN_MAX];

		(void)req;

		snprintf(line, sizeof(line), "%.*s", (int)n, t);
		fprintf(out, "%s\n", ctl_sanitize(line, b, sizeof(b)));
		t += n + (nl ? 1 : 0);
	}
}

void ctl_render_import(const struct ctl_request *req, const json_t *r, FILE *out)
{
	char b[CLEAN_MAX];

	(void)req;
	render_errors(json_object_get(r, "notes"), out);
	fprintf(out, "wrote %s: %lld LANs, %lld ports, %lld members\n", str(r, "output", b),
		num(r, "lans"), num(r, "ports"), num(r, "members"));
}

void ctl_render_clear(const struct ctl_request *req, const json_t *r, FILE *out)
{
	size_t n = json_array_size(json_object_get(r, "cleared"));

	(void)req;
	fprintf(out, "counters cleared on %zu port%s (display baseline only)\n", n,
		n == 1 ? "" : "s");
}

void ctl_render_neighbor_state(const struct ctl_request *req, const json_t *r, FILE *out)
{
	char b[CLEAN_MAX];

	(void)req;
	fprintf(out, "%s: %s%s\n", str(r, "address", b),
		json_string_value(json_object_get(r, "state")) ?: "-",
		json_is_true(json_object_get(r, "in_dataplane"))
		    ? ""
		    : " (the dataplane gets it when it is connected)");
}

void ctl_render_port_admin(const struct ctl_request *req, const json_t *r, FILE *out)
{
	char b[CLEAN_MAX];

	(void)req;
	fprintf(out, "port %s: admin %s\n", str(r, "port", b),
		json_string_value(json_object_get(r, "admin")) ?: "-");
	if (json_is_true(json_object_get(r, "errdisable_cleared")))
		fprintf(out, "port %s: err-disable cleared\n", str(r, "port", b));
}

void ctl_text_render(const struct ctl_request *req, const json_t *r, FILE *out)
{
	const struct ctl_command *c = ctl_command_of(req->cmd);
	char b[CLEAN_MAX];

	if (c != NULL && c->render != NULL)
		c->render(req, r, out);
	if (json_object_get(r, "warning"))
		fprintf(out, "warning: %s\n", str(r, "warning", b));
}

void ctl_text_error(const json_t *r, FILE *out)
{
	char b[CLEAN_MAX];

	fprintf(out, "peerlanctl: %s\n", str(r, "error", b));
	render_errors(json_object_get(r, "errors"), out);
}

void ctl_render_names(const struct ctl_request *req, const json_t *r, FILE *out)
{
	static const char *const lists[] = {"ports", "lags", "lans", "addresses"};
	char b[CLEAN_MAX], b2[CLEAN_MAX];
	const json_t *v;
	size_t i;

	(void)req;
	for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
		fprintf(out, "%s:", lists[k]);
		json_array_foreach(json_object_get(r, lists[k]), i, v)
		    fprintf(out, " %s", ctl_sanitize(json_string_value(v) ?: "", b, sizeof(b)));
		fputc('\n', out);
	}
	fprintf(out, "members:\n");
	json_array_foreach(json_object_get(r, "members"), i, v)
	    fprintf(out, "  AS%-10lld %s\n", num(v, "asn"), str(v, "name", b2));
}

void ctl_render_config_history(const struct ctl_request *req, const json_t *r, FILE *out)
{
	char b1[CLEAN_MAX], b2[CLEAN_MAX], b3[CLEAN_MAX], b4[CLEAN_MAX];
	const json_t *e;
	size_t i;

	(void)req;
	if (json_array_size(json_object_get(r, "history")) == 0) {
		fprintf(out, "no committed configuration kept yet\n");
		return;
	}
	fprintf(out, "%-3s %-20s %-16s %-32s %s\n", "N", "TIME", "USER", "COMMAND", "COMMENT");
	json_array_foreach(json_object_get(r, "history"), i, e)
	    fprintf(out, "%-3lld %-20s %-16s %-32s %s\n", num(e, "n"), str(e, "time", b1),
		    str(e, "user", b2), str(e, "command", b3), str(e, "comment", b4));
}

void ctl_render_sync(const struct ctl_request *req, const json_t *r, FILE *out)
{
	char b1[CLEAN_MAX], b2[CLEAN_MAX], b3[CLEAN_MAX];
	const json_t *v;
	const char *k;

	(void)req;
	fprintf(out, "vlans:        %s\n", str(r, "vlans", b1));
	fprintf(out, "interfaces:   %s\n", str(r, "interfaces", b1));
	fprintf(out, "map:          %s\n", str(r, "map", b1));
	fprintf(out, "trusted CAs:  %s\n", str(r, "ca_file", b1));
	fprintf(out, "interval:     %lld s; max removal %lld%%\n", num(r, "interval_s"),
		num(r, "max_removal_pct"));
	fprintf(out, "state:        %s, %lld attempts\n", str(r, "state", b1), num(r, "attempts"));
	fprintf(out, "last attempt: %s\n", str(r, "last_attempt", b1));
	fprintf(out, "last success: %s\n", str(r, "last_success", b1));
	fprintf(out, "result:       %s\n", str(r, "result", b1));
	if (json_object_get(r, "reason"))
		fprintf(out, "reason:       %s (%s)\n  %s\n", str(r, "reason", b1),
			str(r, "reason_help", b2), str(r, "why", b3));
	render_errors(json_object_get(r, "errors"), out);
	if (json_object_get(r, "pending"))
		fprintf(out, "held back:    %s; `config sync accept` applies it\n",
			str(r, "pending", b1));
	fprintf(out, "failures:    ");
	json_object_foreach((json_t *)json_object_get(r, "failures"), k, v)
	    fprintf(out, " %s=%lld", k, (long long)json_integer_value(v));
	fputc('\n', out);
	if (json_array_size(json_object_get(r, "last_diff")) > 0) {
		fprintf(out, "last applied change (%s):\n", str(r, "last_applied", b1));
		render_lines(json_object_get(r, "last_diff"), out);
	}
}

void ctl_render_evpn(const struct ctl_request *req, const json_t *r, FILE *out)
{
	char b1[CLEAN_MAX], b2[CLEAN_MAX], b3[CLEAN_MAX];
	const json_t *v, *last = json_object_get(r, "last_update_s");
	const char *k;
	size_t i;

	(void)req;
	if (!json_is_true(json_object_get(r, "enabled"))) {
		fprintf(out, "EVPN is off: the configuration has no evpn section\n");
		return;
	}
	fprintf(out, "session:   %s", str(r, "session", b1));
	if (json_is_integer(last))
		fprintf(out, " (peerlan-evpn's last update %lld s ago)", num(r, "last_update_s"));
	fprintf(out, "\nroutes:    %lld installed, %lld refused\nrefusals: ", num(r, "installed"),
		num(r, "refused_now"));
	json_object_foreach((json_t *)json_object_get(r, "refused_total"), k, v)
	    fprintf(out, " %s=%lld", k, (long long)json_integer_value(v));
	fputc('\n', out);
	json_array_foreach((json_t *)json_object_get(r, "routes"), i, v)
	{
		fprintf(out, "  %-9s %-12s %s", str(v, "state", b1), str(v, "port", b2),
			str(v, "route", b3));
		if (json_object_get(v, "member"))
			fprintf(out, " AS%lld", num(v, "member"));
		if (json_object_get(v, "reason"))
			fprintf(out, ": %s", str(v, "reason", b1));
		fputc('\n', out);
	}
}

void ctl_render_lag(const struct ctl_request *req, const json_t *r, FILE *out)
{
	const json_t *g;
	size_t i;

	(void)req;
	if (json_array_size(json_object_get(r, "lags")) == 0)
		fprintf(out, "no LAG\n");
	json_array_foreach((json_t *)json_object_get(r, "lags"), i, g) render_lag(g, out);
}

void ctl_render_sync_now(const struct ctl_request *req, const json_t *r, FILE *out)
{
	(void)req;
	(void)r;
	fprintf(out, "sync started; `show sync` has its result\n");
}
