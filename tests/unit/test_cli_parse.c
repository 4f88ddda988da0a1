/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CLI command table: every command parses to what it says, prefixes,
 * ambiguous and unknown words, missing and extra arguments, completion,
 * the sanitiser, and docs/cli.md against the table.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/cli_parse.h"
#include "control/sanitize.h"

static const char *doc_path;

/* Splits line on blanks and parses it. */
static int parse(const char *line, struct ctl_request *r, char *err, size_t errlen)
{
	char buf[512], *argv[FAB_WIRE_ARGS_MAX + 4], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok_r(buf, " ", &save); t && argc < FAB_WIRE_ARGS_MAX + 4;
	     t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	return ctl_cli_parse(argc, argv, r, err, errlen);
}

static void expect_cmd(const char *line, enum ctl_cmd cmd)
{
	struct ctl_request r;
	char err[256] = "";

	if (parse(line, &r, err, sizeof(err)) != 0)
		fail_msg("%s: %s", line, err);
	if (r.cmd != cmd)
		fail_msg("%s: command %d, expected %d", line, r.cmd, cmd);
}

static void expect_error(const char *line, const char *msg)
{
	struct ctl_request r;
	char err[256] = "";

	assert_int_equal(parse(line, &r, err, sizeof(err)), -EINVAL);
	if (strstr(err, msg) == NULL)
		fail_msg("%s: error '%s' does not say '%s'", line, err, msg);
	assert_null(strchr(err, '\n'));
}

static void test_every_command(void **state)
{
	struct ctl_request r;
	char err[256];

	(void)state;
	expect_cmd("show ports", CTL_SHOW_PORTS);
	expect_cmd("show port p1", CTL_SHOW_PORT);
	expect_cmd("show members", CTL_SHOW_MEMBERS);
	expect_cmd("show member 64500", CTL_SHOW_MEMBER);
	expect_cmd("show mac-table", CTL_SHOW_MAC_TABLE);
	expect_cmd("show mac-table peering", CTL_SHOW_MAC_TABLE);
	expect_cmd("show neighbors", CTL_SHOW_NEIGHBORS);
	expect_cmd("show neighbors ipv4", CTL_SHOW_NEIGHBORS);
	expect_cmd("show neighbors ipv6", CTL_SHOW_NEIGHBORS);
	expect_cmd("show drops", CTL_SHOW_DROPS);
	expect_cmd("show status", CTL_SHOW_STATUS);
	expect_cmd("show config", CTL_SHOW_CONFIG);
	expect_cmd("clear counters", CTL_CLEAR_COUNTERS);
	expect_cmd("clear counters p1", CTL_CLEAR_COUNTERS);
	expect_cmd("port p1 shutdown", CTL_PORT_SHUTDOWN);
	expect_cmd("port p1 no shutdown", CTL_PORT_NO_SHUTDOWN);
	expect_cmd("config check a.yaml", CTL_CONFIG_CHECK);
	expect_cmd("config diff a.yaml", CTL_CONFIG_DIFF);
	expect_cmd("config apply a.yaml", CTL_CONFIG_APPLY);
	expect_cmd("config apply a.yaml confirm 60", CTL_CONFIG_APPLY);
	expect_cmd("config confirm", CTL_CONFIG_CONFIRM);
	expect_cmd("config rollback", CTL_CONFIG_ROLLBACK);
	expect_cmd("config save", CTL_CONFIG_SAVE);
	expect_cmd("show sponge", CTL_SHOW_SPONGE);
	expect_cmd("sponge 192.0.2.99", CTL_SPONGE);
	expect_cmd("unsponge 2001:db8::99", CTL_UNSPONGE);
	expect_cmd("set neighbor 192.0.2.99 alive", CTL_SET_NEIGHBOR_ALIVE);
	expect_cmd("set neighbor 192.0.2.99 dead", CTL_SET_NEIGHBOR_DEAD);
	expect_cmd("set neighbor 2001:db8::99 pending", CTL_SET_NEIGHBOR_PENDING);
	expect_error("sponge 192.0.2", "bad IPv4 or IPv6 address: 192.0.2");
	expect_error("set neighbor 192.0.2.99 asleep", "unknown argument: asleep");
	assert_int_equal(parse("unsp 192.0.2.7", &r, err, sizeof(err)), 0);
	assert_string_equal(r.addr, "192.0.2.7");
	expect_cmd("show traffic", CTL_SHOW_TRAFFIC);
	assert_int_equal(parse("show traffic member AS64501 top 5 ipv6", &r, err, sizeof(err)), 0);
	assert_int_equal(r.cmd, CTL_SHOW_TRAFFIC);
	assert_int_equal(r.asn, 64501);
	assert_string_equal(r.member, "");
	assert_int_equal(r.top, 5);
	assert_int_equal(r.family, 6);
	assert_int_equal(parse("sh traf mem Example-Net", &r, err, sizeof(err)), 0);
	assert_int_equal(r.asn, 0);
	assert_string_equal(r.member, "Example-Net");
	assert_int_equal(r.top, 0);
	expect_error("show traffic top 0", "bad count: 0");
	expect_error("show traffic top many", "bad count: many");
	expect_error("show traffic ipv4 top 3", "unexpected argument: top");
	expect_cmd("show port-security", CTL_SHOW_PORT_SECURITY);
	expect_cmd("show port-security p1", CTL_SHOW_PORT_SECURITY);
	expect_cmd("show events", CTL_SHOW_EVENTS);
	expect_cmd("show quarantine p1", CTL_SHOW_QUARANTINE);
	expect_cmd("port p1 promote", CTL_PORT_PROMOTE);
	expect_cmd("port p1 promote lock-mac", CTL_PORT_PROMOTE_LOCK);

	/* Arguments land where they belong. */
	assert_int_equal(parse("show member AS4200000001", &r, err, sizeof(err)), 0);
	assert_int_equal(r.asn, 4200000001u);
	assert_int_equal(parse("sh nei ipv6", &r, err, sizeof(err)), 0);
	assert_int_equal(r.family, 6);
	assert_int_equal(
	    parse("config apply /etc/peerlan/new.yaml confirm 120", &r, err, sizeof(err)), 0);
	assert_string_equal(r.file, "/etc/peerlan/new.yaml");
	assert_int_equal(r.seconds, 120);
	assert_int_equal(parse("port p1 allow-mac 02:00:00:00:00:11 for 30m", &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.cmd, CTL_PORT_ALLOW_MAC);
	assert_int_equal(r.mac, 0x020000000011ULL);
	assert_int_equal(r.duration_s, 1800);
	assert_int_equal(parse("port p1 allow-mac 02:00:00:00:00:11 for 90", &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.duration_s, 90);
	assert_false(ctl_cmd_readonly(CTL_PORT_ALLOW_MAC));
	/* The read-only rule is each row's flag: every show, and nothing else. */
	for (const struct ctl_command *c = ctl_commands; c->cmd != CTL_CMD_NONE; c++) {
		bool show = strncmp(c->words, "show ", 5) == 0;

		assert_int_equal(show, (c->flags & CTL_F_READONLY) != 0);
		assert_false(show && (c->flags & CTL_F_CHANGE));
		assert_true(c->render != NULL || c->cmd == CTL_WATCH ||
			    c->cmd == CTL_MONITOR_EVENTS || c->cmd == CTL_CAPTURE);
		assert_true((c->handler == NULL) == ((c->flags & CTL_F_LOCAL) != 0));
	}
	assert_true(ctl_cmd_readonly(CTL_SHOW_QUARANTINE));
	assert_int_equal(parse("clear counters port1", &r, err, sizeof(err)), 0);
	assert_string_equal(r.port, "port1");
	assert_int_equal(parse("sh lag lag1", &r, err, sizeof(err)), 0);
	assert_int_equal(r.cmd, CTL_SHOW_LAG);
	assert_string_equal(r.port, "lag1");
	assert_true(ctl_cmd_readonly(CTL_SHOW_LAG));
	assert_int_equal(parse("show lag", &r, err, sizeof(err)), 0);
	assert_int_equal(r.cmd, CTL_SHOW_LAG);
	assert_string_equal(r.port, "");
	/* The words that travel are the keywords in full. */
	assert_int_equal(parse("co ap f.yaml conf 5", &r, err, sizeof(err)), 0);
	assert_int_equal(r.argc, 5);
	assert_string_equal(r.argv[0], "config");
	assert_string_equal(r.argv[1], "apply");
	assert_string_equal(r.argv[2], "f.yaml");
	assert_string_equal(r.argv[3], "confirm");
	assert_string_equal(r.argv[4], "5");
	/* A port named like a keyword is a port name where a name is expected. */
	assert_int_equal(parse("port shutdown shutdown", &r, err, sizeof(err)), 0);
	assert_string_equal(r.port, "shutdown");
	assert_int_equal(r.cmd, CTL_PORT_SHUTDOWN);
}

static void test_prefixes(void **state)
{
	(void)state;
	expect_cmd("sh ports", CTL_SHOW_PORTS);
	expect_cmd("sh st", CTL_SHOW_STATUS);
	/* show, sponge and set share their first letter. */
	expect_error("s st", "ambiguous argument: s (show, sponge, set)");
	/* An exact keyword wins over a longer one it is a prefix of. */
	expect_cmd("show port x", CTL_SHOW_PORT);
	expect_cmd("show member 1", CTL_SHOW_MEMBER);
	expect_cmd("p x no sh", CTL_PORT_NO_SHUTDOWN);
	expect_cmd("conf rollb", CTL_CONFIG_ROLLBACK);
}

static void test_ambiguous_unknown_missing(void **state)
{
	(void)state;
	expect_error("show po", "ambiguous argument: po (ports, port, port-security)");
	expect_error("c", "ambiguous argument: c (clear, config, capture)");
	expect_error("show m", "ambiguous");
	expect_error("config c", "ambiguous argument: c (check, confirm)");
	/* A prefix shared by several keywords is resolved when only one of
	 * them takes the argument that follows. */
	expect_cmd("config c a.yaml", CTL_CONFIG_CHECK);
	expect_cmd("show mem 64501", CTL_SHOW_MEMBER);
	expect_cmd("sh mem AS64501", CTL_SHOW_MEMBER);
	expect_error("show mem", "ambiguous argument: mem (members, member)");
	expect_error("show mem bogus", "ambiguous argument: mem (members, member)");
	expect_error("shw ports", "unknown argument: shw");
	expect_error("show bogus", "unknown argument: bogus");
	expect_error("show neighbors ipv5", "unknown argument: ipv5");
	expect_error("", "missing command");
	expect_error("show", "missing argument: one of ports");
	expect_error("show port", "missing argument: NAME");
	expect_error("show member", "missing argument: ASN");
	expect_error("port p1", "missing argument: one of shutdown, no, promote, allow-mac");
	expect_error("port p1 no", "missing argument: one of shutdown");
	expect_error("config apply", "missing argument: FILE");
	expect_error("config apply a.yaml confirm", "missing argument: SECONDS");
	expect_error("clear", "missing argument: one of counters");
	expect_error("show ports extra", "unexpected argument: extra");
	expect_error("config confirm now", "unexpected argument: now");
	expect_error("show member 0", "bad AS number: 0");
	expect_error("port p1 allow-mac 01:00:5e:00:00:01 for 1h", "bad MAC address");
	expect_error("port p1 allow-mac 02:00:00:00:00:11 for 8d", "bad duration: 8d");
	expect_error("port p1 allow-mac 02:00:00:00:00:11 for 10x", "bad duration");
	expect_error("port p1 allow-mac 02:00:00:00:00:11", "missing argument: one of for");
	expect_error("show member 4294967296", "bad AS number");
	expect_error("show member 12x", "bad AS number");
	expect_error("show member -5", "bad AS number");
	expect_error("config apply a confirm 0", "bad number of seconds");
	expect_error("config apply a confirm 86401", "bad number of seconds");
	expect_error("config apply a confirm 1e3", "bad number of seconds");
	{
		char longname[100];

		memset(longname, 'x', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		char line[200];

		snprintf(line, sizeof(line), "show port %s", longname);
		expect_error(line, "bad port name");
	}
	/* A word with a terminal escape is quoted harmlessly in the error. */
	expect_error("show \x1b[2J", "unknown argument: \\x1b[2J");
	{
		char line[512] = "show";

		for (int i = 0; i < FAB_WIRE_ARGS_MAX; i++)
			strcat(line, " x");
		expect_error(line, "too many words");
	}
}

static void test_readonly_and_file_commands(void **state)
{
	(void)state;
	for (int c = CTL_CMD_NONE + 1; c < CTL_CMD__COUNT; c++) {
		/* The show commands come first in the enum. */
		bool show = c <= CTL_SHOW_NAMES && ctl_command_of(c) != NULL;

		assert_int_equal(ctl_cmd_readonly(c), show);
	}
	assert_true(ctl_cmd_takes_file(CTL_CONFIG_APPLY));
	assert_true(ctl_cmd_takes_file(CTL_CONFIG_CHECK));
	assert_false(ctl_cmd_takes_file(CTL_CONFIG_CONFIRM));
}

/* config import: both formats, the optional IX-F file and overwrite, and what is missing. */
static void test_config_import(void **state)
{
	struct ctl_request r;
	char err[256];

	(void)state;
	expect_cmd(
	    "config import ixp-manager vlans v.yaml interfaces l.yaml map m.yaml output o.yaml",
	    CTL_CONFIG_IMPORT);
	expect_cmd("config import ixp-manager vlans v interfaces l map m ixf x.json output o "
		   "overwrite",
		   CTL_CONFIG_IMPORT);
	expect_cmd("config import ixf export x.json map m.yaml output o.yaml", CTL_CONFIG_IMPORT);
	/* Shortened, the words travel in full and the output is the request's file. */
	assert_int_equal(parse("co im ixp v a i b m c ix d o e ov", &r, err, sizeof(err)), 0);
	assert_int_equal(r.argc, 14);
	assert_string_equal(r.argv[2], "ixp-manager");
	assert_string_equal(r.argv[9], "ixf");
	assert_string_equal(r.argv[11], "output");
	assert_string_equal(r.argv[12], "e");
	assert_string_equal(r.argv[13], "overwrite");
	assert_string_equal(r.file, "e");
	assert_false(ctl_cmd_takes_file(CTL_CONFIG_IMPORT));
	assert_false(ctl_cmd_readonly(CTL_CONFIG_IMPORT));
	expect_error("config import ix", "ambiguous argument: ix (ixp-manager, ixf)");
	expect_error("config import ixp-manager vlans v interfaces l map m",
		     "missing argument: one of ixf, output");
	expect_error("config import ixf export x map m", "missing argument: one of output");
	expect_error("config import ixf export x map m output", "missing argument: FILE");
	expect_error("config import ixf map m export x output o", "unknown argument: map");
	expect_error("config import ixf export x map m output o force", "unknown argument: force");
}

struct words {
	char v[32][64];
	int n;
};

static void collect(void *arg, const char *word, enum ctl_arg kind)
{
	struct words *w = arg;
	bool placeholder = kind != CTL_ARG_NONE;

	snprintf(w->v[w->n++], sizeof(w->v[0]), "%s%s", placeholder ? "<" : "", word);
}

/* capture: the filter is one word (quoted in a shell), the stops numbers. */
static void test_capture(void **state)
{
	struct ctl_request r;
	char err[256];

	(void)state;
	assert_int_equal(parse("capture port p1", &r, err, sizeof(err)), 0);
	assert_int_equal(r.cmd, CTL_CAPTURE);
	assert_string_equal(r.port, "p1");
	assert_true(r.filter[0] == '\0' && r.top == 0 && r.seconds == 0 && !r.tshark);
	assert_false(ctl_cmd_readonly(CTL_CAPTURE));
	{
		char *w[] = {"cap", "port", "p1", "filter", "tcp port 179", "count", "20"};

		assert_int_equal(ctl_cli_parse(7, w, &r, err, sizeof(err)), 0);
		assert_int_equal(r.cmd, CTL_CAPTURE);
		assert_string_equal(r.filter, "tcp port 179");
		assert_int_equal(r.top, 20);
		assert_string_equal(r.argv[4], "tcp port 179");
	}
	assert_int_equal(parse("capture port p1 seconds 30", &r, err, sizeof(err)), 0);
	assert_int_equal(r.seconds, 30);
	assert_int_equal(parse("capture port p1 tshark", &r, err, sizeof(err)), 0);
	assert_true(r.tshark);
	assert_int_equal(parse("capture port p1 count 0", &r, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse("capture port p1 seconds 86401", &r, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse("capture port p1 tshark count 5", &r, err, sizeof(err)), -EINVAL);
}

static void test_completion(void **state)
{
	struct words w = {0};
	char *show[] = {"show"}, *port[] = {"port", "p1"}, *bad[] = {"bogus"};

	(void)state;
	assert_int_equal(ctl_cli_complete(0, NULL, "c", collect, &w), 3);
	assert_string_equal(w.v[0], "clear");
	assert_string_equal(w.v[1], "config");
	assert_string_equal(w.v[2], "capture");
	w.n = 0;
	assert_int_equal(ctl_cli_complete(1, show, "mem", collect, &w), 2);
	w.n = 0;
	assert_int_equal(ctl_cli_complete(1, show, "", collect, &w), 18);
	w.n = 0;
	assert_int_equal(ctl_cli_complete(2, port, "", collect, &w), 4);
	assert_string_equal(w.v[0], "shutdown");
	w.n = 0;
	/* Where an argument is expected, its placeholder is offered. */
	assert_int_equal(ctl_cli_complete(1, (char *[]){"port"}, "", collect, &w), 1);
	assert_string_equal(w.v[0], "<NAME");
	/* show lag completes LAG names, a list of its own in `show names`. */
	w.n = 0;
	assert_int_equal(ctl_cli_complete(2, (char *[]){"show", "lag"}, "", collect, &w), 1);
	assert_string_equal(w.v[0], "<LAG");
	assert_int_equal(w.n, 1);
	assert_int_equal(ctl_cli_complete(1, bad, "", collect, &w), -EINVAL);
}

static void test_help_lists_every_command(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	ctl_cli_list(f);
	fclose(f);
	/* One line per complete command path in the table. */
	for (const char *p = buf; *p; p++)
		assert_true(*p != '\t');
	assert_non_null(strstr(buf, "config apply FILE confirm SECONDS"));
	assert_non_null(strstr(buf, "port NAME no shutdown"));
	{
		int lines = 0, rows = 0;

		/* One line a command, two when its words are longer than the column. */
		for (const struct ctl_command *c = ctl_commands; c->cmd != CTL_CMD_NONE; c++)
			rows += strlen(c->words) > 40 ? 2 : 1;
		for (const char *p = buf; *p; p++)
			lines += *p == '\n';
		assert_int_equal(lines, rows);
	}
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(ctl_cli_help_at(1, (char *[]){"config"}, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "rollback"));
	free(buf);
	/* `?` help keeps its help in one column, port-security included. */
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(ctl_cli_help_at(1, (char *[]){"show"}, f), 0);
	fclose(f);
	for (const char *l = buf; *l; l = strchr(l, '\n') + 1) {
		assert_true(strlen(l) > 17);
		assert_true(l[16] == ' ' && l[17] != ' ');
	}
	assert_non_null(strstr(buf, "  port-security  Violation"));
	free(buf);
}

/* docs/cli.md holds `peerlanctl help --markdown` between two markers. */
static void test_doc_matches_table(void **state)
{
	static const char begin[] =
	    "<!-- commands: begin (generated by `peerlanctl help --markdown`) -->\n";
	static const char end[] = "<!-- commands: end -->";
	char *doc = NULL, *gen = NULL, *b, *e;
	size_t dlen = 0, glen = 0;
	FILE *f;

	(void)state;
	assert_non_null(doc_path);
	f = fopen(doc_path, "r");
	assert_non_null(f);
	{
		FILE *m = open_memstream(&doc, &dlen);
		int ch;

		while ((ch = fgetc(f)) != EOF)
			fputc(ch, m);
		fclose(m);
	}
	fclose(f);
	f = open_memstream(&gen, &glen);
	ctl_cli_markdown(f);
	fclose(f);
	b = strstr(doc, begin);
	assert_non_null(b);
	b += strlen(begin);
	e = strstr(b, end);
	assert_non_null(e);
	if ((size_t)(e - b) != glen || memcmp(b, gen, glen) != 0)
		fail_msg("docs/cli.md's command table differs from the CLI's; regenerate it "
			 "with `peerlanctl help --markdown`");
	free(doc);
	free(gen);
}

static void test_sanitize(void **state)
{
	char out[128];

	(void)state;
	assert_string_equal(ctl_sanitize("Example IX", out, sizeof(out)), "Example IX");
	assert_string_equal(ctl_sanitize("a\x1b[31mb", out, sizeof(out)), "a\\x1b[31mb");
	assert_string_equal(ctl_sanitize("a\nb\r\t", out, sizeof(out)), "a\\x0ab\\x0d\\x09");
	assert_string_equal(ctl_sanitize("x\x7f", out, sizeof(out)), "x\\x7f");
	/* Valid UTF-8 text stays; C1 controls and direction overrides do not. */
	assert_string_equal(ctl_sanitize("Z\xc3\xbcrich", out, sizeof(out)), "Z\xc3\xbcrich");
	assert_string_equal(ctl_sanitize("\xc2\x9b"
					 "2J",
					 out, sizeof(out)),
			    "\\u{009b}2J");
	assert_string_equal(ctl_sanitize("a\xe2\x80\xae"
					 "b",
					 out, sizeof(out)),
			    "a\\u{202e}b");
	/* Invalid and overlong sequences are bytes, escaped. */
	assert_string_equal(ctl_sanitize("\xff\xc0\xaf", out, sizeof(out)), "\\xff\\xc0\\xaf");
	/* A backslash cannot forge an escape. */
	assert_string_equal(ctl_sanitize("\\x1b", out, sizeof(out)), "\\\\x1b");
	/* Cut short, never in the middle of an escape or a character. */
	assert_string_equal(ctl_sanitize("ab\x1b", out, 5), "ab");
	assert_string_equal(ctl_sanitize("a\xc3\xbc", out, 3), "a");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_command),
	    cmocka_unit_test(test_prefixes),
	    cmocka_unit_test(test_ambiguous_unknown_missing),
	    cmocka_unit_test(test_readonly_and_file_commands),
	    cmocka_unit_test(test_capture),
	    cmocka_unit_test(test_completion),
	    cmocka_unit_test(test_help_lists_every_command),
	    cmocka_unit_test(test_config_import),
	    cmocka_unit_test(test_doc_matches_table),
	    cmocka_unit_test(test_sanitize),
	};

	if (argc > 1)
		doc_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
