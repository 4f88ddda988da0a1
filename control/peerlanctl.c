/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peerlanctl: the NOC's command line.
 *
 *   peerlanctl [-s SOCKET] [--json] COMMAND... [| FILTER]...   one command
 *   peerlanctl [-s SOCKET] [--json]                             interactive shell
 *   peerlanctl [-s SOCKET] [--json] -f FILE    (or < FILE)      batch
 *   peerlanctl help [--markdown]                                the command reference
 *
 * Filters: `| include RE`, `| exclude RE`, `| count`, `| json`. The socket
 * is -s, else $PEERLANCTL_SOCKET, else /run/peerlan/cli.sock. `config
 * import`, `watch` and `monitor` run here (cli_import.h).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <histedit.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_capture.h"
#include "cli_client.h"
#include "cli_import.h"
#include "cli_parse.h"
#include "cli_text.h"
#include "sanitize.h"

#define DEFAULT_SOCKET "/run/peerlan/cli.sock"
#define HISTORY_SIZE   500
#define FILTERS_MAX    8
#define MATCHES_MAX    256
#define NAMES_TTL_S    5
#define MONITOR_MS     500

/* Ctrl-C: cancels the line being typed, the command waited for, or a watch. */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct session {
	const char *socket;
	bool json; /* --json on the command line */
	int fd;
	json_t *names; /* `show names`, for completion */
	time_t names_at;
	char fabric[FAB_NAME_MAX];
};

enum filter_kind { FILTER_INCLUDE, FILTER_EXCLUDE, FILTER_COUNT };

struct filter {
	enum filter_kind kind;
	regex_t re;
};

/* How one command's output is shown: format and filters after `|`. */
struct output {
	bool json;
	int n;
	struct filter f[FILTERS_MAX];
};

static void output_free(struct output *o)
{
	for (int i = 0; i < o->n; i++)
		if (o->f[i].kind != FILTER_COUNT)
			regfree(&o->f[i].re);
	o->n = 0;
}

/* An error of peerlanctl itself: JSON on stdout under --json, else text on stderr. */
__attribute__((format(printf, 2, 3))) static int fail(bool json, const char *fmt, ...)
{
	char raw[1024], clean[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (json) {
		json_t *o = json_pack("{s:s}", "error", raw);

		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		fputc('\n', stdout);
		fflush(stdout);
		json_decref(o);
	} else {
		fprintf(stderr, "peerlanctl: %s\n", ctl_sanitize(raw, clean, sizeof(clean)));
	}
	return 1;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: peerlanctl [-s SOCKET] [--json] [COMMAND... [| FILTER]...]\n"
		     "       peerlanctl [-s SOCKET] [--json] -f FILE\n"
		     "       peerlanctl help [--markdown]\n"
		     "       peerlanctl --version\n"
		     "Without a command, peerlanctl reads commands interactively from a terminal,\n"
		     "or one per line from standard input, stopping at the first that fails.\n"
		     "FILTER: include RE, exclude RE, count, json. The socket is -s, else\n"
		     "$PEERLANCTL_SOCKET, else " DEFAULT_SOCKET ".\n");
}

static void help(FILE *out)
{
	fprintf(out, "Commands (words may be shortened to a unique prefix):\n");
	ctl_cli_list(out);
	fprintf(out, "  %-40s %s\n", "COMMAND | include RE", "Only the lines that match RE");
	fprintf(out, "  %-40s %s\n", "COMMAND | exclude RE", "The lines that do not match RE");
	fprintf(out, "  %-40s %s\n", "COMMAND | count", "How many lines");
	fprintf(out, "  %-40s %s\n", "COMMAND | json", "The reply as JSON");
	fprintf(out, "  %-40s %s\n", "--json COMMAND", "The reply as JSON");
	fprintf(out, "  %-40s %s\n", "help", "This list");
	fprintf(out, "  %-40s %s\n", "quit", "Leave the interactive shell");
}

/* Sends one command; *reply is the answer, or NULL with err set. */
static int call(struct session *s, const struct ctl_request *r, const char *text, size_t len,
		json_t **reply, char *err, size_t errlen)
{
	char clean[1024];
	int rc = 0;

	*reply = NULL;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (s->fd < 0) {
			s->fd = ctl_client_connect(s->socket);
			if (s->fd < 0) {
				rc = s->fd;
				snprintf(err, errlen, "cannot connect to %s: %s",
					 ctl_sanitize(s->socket, clean, sizeof(clean)),
					 strerror(-rc));
				s->fd = -1;
				return rc;
			}
		}
		rc = ctl_client_call(s->fd, r, text, len, reply, err, errlen);
		/* A shell kept open across a control restart reconnects once. */
		if (*reply == NULL && (rc == -ECONNRESET || rc == -EPIPE) && attempt == 0) {
			close(s->fd);
			s->fd = -1;
			continue;
		}
		break;
	}
	if (*reply == NULL && s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	return rc;
}

/* Writes text through the filters to out. */
static void emit(const struct output *o, const char *text, size_t len, FILE *out)
{
	long count = 0;
	bool counting = false;

	for (int i = 0; i < o->n; i++)
		counting |= o->f[i].kind == FILTER_COUNT;
	while (len > 0) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;
		char *line = strndup(text, n);
		bool keep = line != NULL;

		for (int i = 0; keep && i < o->n; i++) {
			if (o->f[i].kind == FILTER_COUNT)
				continue;
			keep = (regexec(&o->f[i].re, line, 0, NULL, 0) == 0) ==
			       (o->f[i].kind == FILTER_INCLUDE);
		}
		if (keep && counting)
			count++;
		else if (keep)
			fprintf(out, "%s\n", line);
		free(line);
		text += n + (nl ? 1 : 0);
		len -= n + (nl ? 1 : 0);
	}
	if (counting)
		fprintf(out, "%ld\n", count);
}

/*
 * Runs one parsed command and writes its reply to out (through the
 * filters); errors go to stderr, or to out as JSON. 0 or 1.
 */
static int run_to(struct session *s, const struct ctl_request *r, const struct output *o, FILE *out)
{
	char err[512] = "", clean[1024];
	char *text = NULL, *buf = NULL;
	size_t len = 0, blen = 0;
	json_t *reply = NULL;
	FILE *m;
	int rc;

	if (r->cmd == CTL_CONFIG_IMPORT) {
		rc = ctl_cli_import(r, &reply);
		if (reply == NULL)
			return fail(o->json, "%s", strerror(-rc));
		goto render;
	}
	if (ctl_cmd_takes_file(r->cmd)) {
		rc = ctl_client_read_file(r->file, FAB_WIRE_PAYLOAD_MAX / 2, &text, &len);
		if (rc != 0)
			return fail(o->json, "%s: %s", ctl_sanitize(r->file, clean, sizeof(clean)),
				    strerror(-rc));
		/* Exports and map are read here, with this user's rights. */
		rc = ctl_cli_expand(r, &text, &len, &reply);
		if (rc != 0) {
			free(text);
			if (reply == NULL)
				return fail(o->json, "%s", strerror(-rc));
			goto render;
		}
	}
	rc = call(s, r, text, len, &reply, err, sizeof(err));
	free(text);
	if (reply == NULL)
		return fail(o->json, "%s", err);
render:
	if (rc != 0 && !o->json) {
		ctl_text_error(reply, stderr);
		json_decref(reply);
		return 1;
	}
	m = open_memstream(&buf, &blen);
	if (m == NULL) {
		json_decref(reply);
		return fail(o->json, "out of memory");
	}
	if (o->json) {
		/* jansson escapes every control character; ensure_ascii covers the rest. */
		json_dumpf(reply, m, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		fputc('\n', m);
	} else {
		ctl_text_render(r, reply, m);
	}
	fclose(m);
	/* An error under --json is shown whole, whatever the filters. */
	if (rc != 0)
		fwrite(buf, 1, blen, out);
	else
		emit(o, buf, blen, out);
	free(buf);
	json_decref(reply);
	fflush(out);
	return rc == 0 ? 0 : 1;
}

/*
 * Control may run in another directory than this shell: a relative FILE is
 * sent as an absolute path, so that its messages name the right file. (The
 * files a configuration made of exports names are read here, relative to it.)
 */
static int absolute_file(struct ctl_request *r, char *err, size_t errlen)
{
	char cwd[FAB_PATH_MAX], path[FAB_PATH_MAX];

	if (!ctl_cmd_takes_file(r->cmd) || r->file[0] == '/')
		return 0;
	if (getcwd(cwd, sizeof(cwd)) == NULL ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", cwd, r->file) >= sizeof(path)) {
		snprintf(err, errlen, "%s: the absolute path is too long", r->file);
		return -ENAMETOOLONG;
	}
	for (int i = 2; i < r->argc; i++)
		if (strcmp(r->argv[i], r->file) == 0) {
			memcpy(r->argv[i], path, sizeof(path));
			break;
		}
	memcpy(r->file, path, sizeof(path));
	return 0;
}

/* Sleeps ms, or less if Ctrl-C comes. */
static void nap(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (!interrupted && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * watch COMMAND: the command's output redrawn in place every second (cursor
 * home, each line cleared to its end, the rest of the screen cleared) until
 * Ctrl-C.
 */
static int watch(struct session *s, const struct ctl_request *r, const struct output *o)
{
	char words[512] = "";
	size_t w = 0;

	for (int i = 0; i < r->argc && w < sizeof(words); i++)
		w += (size_t)snprintf(words + w, sizeof(words) - w, "%s%s", i ? " " : "",
				      r->argv[i]);
	interrupted = 0;
	fputs("\033[H\033[2J", stdout);
	while (!interrupted) {
		char *buf = NULL, stamp[32];
		size_t len = 0;
		time_t now = time(NULL);
		FILE *m = open_memstream(&buf, &len);

		if (m == NULL)
			return fail(o->json, "out of memory");
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", localtime(&now));
		fprintf(m, "Every 1 s: %s    %s    (Ctrl-C to stop)\n\n", words, stamp);
		if (run_to(s, r, o, m) != 0)
			fprintf(m, "(the command failed; see above)\n");
		fclose(m);
		fputs("\033[H", stdout);
		for (char *p = buf, *nl; p && *p; p = nl ? nl + 1 : NULL) {
			nl = strchr(p, '\n');
			fprintf(stdout, "%.*s\033[K\n", (int)(nl ? nl - p : (long)strlen(p)), p);
		}
		fputs("\033[J", stdout);
		fflush(stdout);
		free(buf);
		nap(1000);
	}
	interrupted = 0;
	fputc('\n', stdout);
	return 0;
}

/*
 * monitor events: every new event as it is logged, until Ctrl-C. Asks for
 * the event log every half second and prints what is new since the last
 * answer (the log's running total says how many are new); as JSON, one
 * object per line.
 */
static int monitor(struct session *s, const struct output *o)
{
	struct ctl_request r;
	char *argv[] = {"show", "events"}, err[512];
	long long seen = -1;

	if (ctl_cli_parse(2, argv, &r, err, sizeof(err)) != 0)
		return fail(o->json, "%s", err);
	interrupted = 0;
	while (!interrupted) {
		json_t *reply = NULL, *ev, *fresh;
		long long total;
		size_t n;
		int rc = call(s, &r, NULL, 0, &reply, err, sizeof(err));

		if (reply == NULL || rc != 0) {
			if (!interrupted)
				fail(o->json, "%s",
				     reply
					 ? json_string_value(json_object_get(reply, "error")) ?: "?"
					 : err);
			json_decref(reply);
			return interrupted ? 0 : 1;
		}
		total = json_integer_value(json_object_get(reply, "total"));
		ev = json_object_get(reply, "events");
		n = json_array_size(ev);
		fresh = json_array();
		for (size_t i = 0; seen >= 0 && i < n; i++)
			if ((long long)(n - i) <= total - seen)
				json_array_append(fresh, json_array_get(ev, i));
		if (json_array_size(fresh) > 0) {
			char *buf = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&buf, &len);
			json_t *e;
			size_t i;

			if (m != NULL) {
				json_t *one = json_pack("{s:O}", "events", fresh);

				if (o->json)
					json_array_foreach(fresh, i, e)
					{
						json_dumpf(e, m, JSON_COMPACT | JSON_ENSURE_ASCII);
						fputc('\n', m);
					}
				else
					ctl_render_events(&r, one, m);
				json_decref(one);
				fclose(m);
				emit(o, buf, len, stdout);
				fflush(stdout);
			}
			free(buf);
		}
		json_decref(fresh);
		/* Said once the log's state is known: what comes after it is shown. */
		if (seen < 0 && !o->json) {
			fprintf(stdout, "monitoring events (Ctrl-C to stop)\n");
			fflush(stdout);
		}
		seen = total;
		json_decref(reply);
		nap(MONITOR_MS);
	}
	interrupted = 0;
	return 0;
}

/* Parses `| include RE | count ...` from words; 0 or 1 (with the error shown). */
static int parse_filters(int argc, char *const *argv, struct output *o)
{
	static const char *const names[] = {"include", "exclude", "count", "json"};

	for (int i = 0; i < argc;) {
		int kind = -1, n = 0;

		if (strcmp(argv[i], "|") != 0 || i + 1 >= argc)
			return fail(o->json, "a filter follows `|`: include RE, exclude RE, count, "
					     "json");
		i++;
		for (int k = 0; k < 4; k++)
			if (strncmp(names[k], argv[i], strlen(argv[i])) == 0) {
				kind = k;
				n++;
			}
		if (n != 1)
			return fail(o->json, "%s filter: %s (include RE, exclude RE, count, json)",
				    n ? "ambiguous" : "unknown", argv[i]);
		i++;
		if (kind == 3) {
			o->json = true;
			continue;
		}
		if (o->n == FILTERS_MAX)
			return fail(o->json, "at most %d filters", FILTERS_MAX);
		o->f[o->n].kind = (enum filter_kind)kind;
		if (kind == FILTER_COUNT) {
			o->n++;
			continue;
		}
		if (i >= argc || strcmp(argv[i], "|") == 0)
			return fail(o->json, "missing argument: RE (a regular expression)");
		if (regcomp(&o->f[o->n].re, argv[i], REG_EXTENDED | REG_NOSUB) != 0)
			return fail(o->json, "bad regular expression: %s", argv[i]);
		o->n++;
		i++;
	}
	return 0;
}

/* capture port NAME ...: control says how, dpdk-dumpcap does it (cli_capture.h). */
static int capture(struct session *s, const struct ctl_request *r, const struct output *o)
{
	char err[512];
	json_t *reply = NULL;
	int rc;

	if (ctl_cli_capture_check(r, err, sizeof(err)) != 0)
		return fail(o->json, "%s", err);
	rc = call(s, r, NULL, 0, &reply, err, sizeof(err));
	if (reply == NULL)
		return fail(o->json, "%s", err);
	if (rc != 0) {
		if (o->json) {
			json_dumpf(reply, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
			fputc('\n', stdout);
		} else {
			ctl_text_error(reply, stderr);
		}
		json_decref(reply);
		return 1;
	}
	fflush(stdout);
	rc = ctl_cli_capture_run(r, reply, o->json);
	json_decref(reply);
	return rc;
}

/* One line of words: [--json] COMMAND [| FILTER]... Returns 0 or 1. */
static int run_words(struct session *s, int argc, char *const *argv)
{
	struct output o = {.json = s->json};
	struct ctl_request r;
	char err[FAB_PATH_MAX + 64];
	int ncmd, rc;

	while (argc > 0 && strcmp(argv[0], "--json") == 0) {
		o.json = true;
		argc--;
		argv++;
	}
	for (ncmd = 0; ncmd < argc && strcmp(argv[ncmd], "|") != 0; ncmd++)
		;

	if (parse_filters(argc - ncmd, argv + ncmd, &o) != 0) {
		output_free(&o);
		return 1;
	}
	/* help, through the filters too: `help | include port`. */
	if (ncmd == 1 && strcmp(argv[0], "help") == 0) {
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);

		if (m != NULL) {
			help(m);
			fclose(m);
			emit(&o, buf, len, stdout);
		}
		free(buf);
		output_free(&o);
		return m != NULL ? 0 : fail(o.json, "out of memory");
	}
	if (ctl_cli_parse(ncmd, argv, &r, err, sizeof(err)) != 0) {
		output_free(&o);
		return fail(o.json, "%s", err);
	}
	if (r.cmd == CTL_WATCH || r.cmd == CTL_MONITOR_EVENTS) {
		struct ctl_request inner;

		if (r.cmd == CTL_MONITOR_EVENTS)
			rc = monitor(s, &o);
		else if (ctl_cli_parse(ncmd - 1, argv + 1, &inner, err, sizeof(err)) != 0)
			rc = fail(o.json, "%s", err);
		else
			rc = watch(s, &inner, &o);
		output_free(&o);
		return rc;
	}
	if (r.cmd == CTL_CAPTURE) {
		rc = capture(s, &r, &o);
		output_free(&o);
		return rc;
	}
	if (absolute_file(&r, err, sizeof(err)) != 0) {
		output_free(&o);
		return fail(o.json, "%s", err);
	}
	rc = run_to(s, &r, &o, stdout);
	output_free(&o);
	return rc;
}

/* Interactive shell. */

static struct session *shell_session;
static char prompt_text[FAB_NAME_MAX + 16] = "peerlan> ";

static const char *prompt(EditLine *el)
{
	(void)el;
	return prompt_text;
}

/* The words before the cursor, and the partial word under it. */
struct cursor_words {
	Tokenizer *tok;
	int argc;
	const char **argv;
	char partial[FAB_PATH_MAX];
};

static int words_at_cursor(EditLine *el, struct cursor_words *cw)
{
	const LineInfo *li = el_line(el);
	size_t n = (size_t)(li->cursor - li->buffer);
	char *head = strndup(li->buffer, n);
	const char *p;
	int rc;

	if (head == NULL)
		return -1;
	/* The partial word is what follows the last blank. */
	p = strrchr(head, ' ');
	p = p ? p + 1 : head;
	snprintf(cw->partial, sizeof(cw->partial), "%s", p);
	head[p - head] = '\0';
	cw->tok = tok_init(NULL);
	rc = cw->tok ? tok_str(cw->tok, head, &cw->argc, &cw->argv) : -1;
	free(head);
	if (rc != 0)
		return -1;
	/* Completion works on the command; --json before it is not part of it. */
	while (cw->argc > 0 && strcmp(cw->argv[0], "--json") == 0) {
		cw->argc--;
		cw->argv++;
	}
	return 0;
}

struct match {
	char word[FAB_PATH_MAX];
	char note[FAB_NAME_MAX]; /* shown beside the word in a list */
	bool placeholder;
};

struct matches {
	struct match *m;
	int n;
	const char *partial;
};

static void add(struct matches *ms, const char *word, const char *note, bool placeholder)
{
	if (ms->n >= MATCHES_MAX ||
	    (!placeholder && strncmp(word, ms->partial, strlen(ms->partial)) != 0))
		return;
	snprintf(ms->m[ms->n].word, sizeof(ms->m[0].word), "%s", word);
	snprintf(ms->m[ms->n].note, sizeof(ms->m[0].note), "%s", note ? note : "");
	ms->m[ms->n++].placeholder = placeholder;
}

/* The names control knows, asked again after NAMES_TTL_S. NULL without control. */
static const json_t *names(struct session *s)
{
	char *argv[] = {"show", "names"}, err[512];
	struct ctl_request r;
	json_t *reply = NULL;
	time_t now = time(NULL);

	if (s->names != NULL && now - s->names_at < NAMES_TTL_S)
		return s->names;
	if (ctl_cli_parse(2, argv, &r, err, sizeof(err)) != 0)
		return NULL;
	if (call(s, &r, NULL, 0, &reply, err, sizeof(err)) != 0) {
		json_decref(reply);
		return s->names;
	}
	json_decref(s->names);
	s->names = reply;
	s->names_at = now;
	return reply;
}

/* File names starting with partial, directories with a '/'. */
static void add_files(struct matches *ms, const char *partial)
{
	char dir[FAB_PATH_MAX], word[FAB_PATH_MAX];
	const char *slash = strrchr(partial, '/'), *base = slash ? slash + 1 : partial;
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - partial + 1) : 0, partial);
	d = opendir(dir[0] ? dir : ".");
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (strncmp(e->d_name, base, strlen(base)) != 0 ||
		    (e->d_name[0] == '.' && base[0] != '.') || strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(word, sizeof(word), "%s%s", dir, e->d_name) >=
		    sizeof(word) - 1)
			continue;
		/* A directory gets its '/' (the length left room for it). */
		if (stat(word, &st) == 0 && S_ISDIR(st.st_mode))
			memcpy(word + strlen(word), "/", 2);
		add(ms, word, NULL, false);
	}
	closedir(d);
}

/* What fits where the table expects an argument of this kind. */
static void add_names(struct matches *ms, const char *placeholder, enum ctl_arg kind)
{
	const char *list = kind == CTL_ARG_PORT                            ? "ports"
			   : kind == CTL_ARG_LAG                           ? "lags"
			   : kind == CTL_ARG_LAN                           ? "lans"
			   : kind == CTL_ARG_ADDR                          ? "addresses"
			   : kind == CTL_ARG_ASN || kind == CTL_ARG_MEMBER ? "members"
									   : NULL;
	const json_t *n = list ? names(shell_session) : NULL, *v;
	int before = ms->n;
	size_t i;

	if (kind == CTL_ARG_FILE) {
		add_files(ms, ms->partial);
		before = -1; /* no placeholder: an empty directory has no names */
	}
	json_array_foreach(json_object_get(n, list), i, v)
	{
		char asn[16];

		if (kind == CTL_ARG_ASN || kind == CTL_ARG_MEMBER) {
			snprintf(asn, sizeof(asn), "%lld",
				 (long long)json_integer_value(json_object_get(v, "asn")));
			add(ms, asn, json_string_value(json_object_get(v, "name")), false);
		} else {
			add(ms, json_string_value(v) ?: "", NULL, false);
		}
	}
	if (ms->n == before)
		add(ms, placeholder, NULL, true);
}

static void add_match(void *arg, const char *word, enum ctl_arg kind)
{
	struct matches *ms = arg;

	if (kind == CTL_ARG_NONE)
		add(ms, word, NULL, false);
	else
		add_names(ms, word, kind);
}

static void list_matches(const struct matches *ms)
{
	char clean[2 * FAB_PATH_MAX];

	fputc('\n', stdout);
	for (int i = 0; i < ms->n; i++)
		printf("  %-20s %s\n", ctl_sanitize(ms->m[i].word, clean, sizeof(clean)),
		       ms->m[i].note);
}

static unsigned char complete(EditLine *el, int ch)
{
	struct cursor_words cw = {0};
	struct matches ms = {.m = calloc(MATCHES_MAX, sizeof(struct match))};
	unsigned char ret = CC_ERROR;
	size_t plen;

	(void)ch;
	if (ms.m == NULL || words_at_cursor(el, &cw) != 0)
		goto out;
	ms.partial = cw.partial;
	plen = strlen(cw.partial);
	if (ctl_cli_complete(cw.argc, (char *const *)cw.argv, cw.partial, add_match, &ms) <= 0 ||
	    ms.n == 0)
		goto out;
	if (ms.n == 1 && !ms.m[0].placeholder) {
		const char *w = ms.m[0].word;
		char rest[FAB_PATH_MAX + 1];
		bool dir = w[strlen(w) - 1] == '/';

		snprintf(rest, sizeof(rest), "%s%s", w + plen, dir ? "" : " ");
		el_insertstr(el, rest);
		ret = CC_REFRESH;
		goto out;
	}
	/* Several candidates: extend to their common prefix, then list them. */
	{
		size_t common = strlen(ms.m[0].word);
		int nk = 0;

		for (int i = 0; i < ms.n; i++) {
			size_t k = 0;

			if (ms.m[i].placeholder)
				continue;
			nk++;
			while (k < common && ms.m[i].word[k] == ms.m[0].word[k])
				k++;
			common = k;
		}
		if (nk == ms.n && common > plen) {
			char ext[FAB_PATH_MAX];

			snprintf(ext, sizeof(ext), "%.*s", (int)(common - plen),
				 ms.m[0].word + plen);
			el_insertstr(el, ext);
			ret = CC_REFRESH;
			goto out;
		}
	}
	list_matches(&ms);
	ret = CC_REDISPLAY;
out:
	if (cw.tok)
		tok_end(cw.tok);
	free(ms.m);
	return ret;
}

static unsigned char question(EditLine *el, int ch)
{
	struct cursor_words cw = {0};
	struct matches ms = {.m = calloc(MATCHES_MAX, sizeof(struct match))};

	(void)ch;
	if (ms.m != NULL && words_at_cursor(el, &cw) == 0) {
		if (cw.partial[0] != '\0') {
			ms.partial = cw.partial;
			ctl_cli_complete(cw.argc, (char *const *)cw.argv, cw.partial, add_match,
					 &ms);
			list_matches(&ms);
		} else {
			fputc('\n', stdout);
			ctl_cli_help_at(cw.argc, (char *const *)cw.argv, stdout);
		}
	}
	if (cw.tok)
		tok_end(cw.tok);
	free(ms.m);
	return CC_REDISPLAY;
}

/*
 * Ctrl-C while typing: while the line editor reads, the terminal sends ^C as
 * a key (isig off, see interactive()), so it is seen in order with the keys
 * before it. The line is emptied and entered; the shell stays.
 */
static unsigned char cancel(EditLine *el, int ch)
{
	const LineInfo *li = el_line(el);

	(void)ch;
	el_cursor(el, (int)(li->lastchar - li->cursor));
	li = el_line(el);
	el_deletestr(el, (int)(li->cursor - li->buffer));
	/* As ed-newline does: an empty line ends with its newline. */
	el_insertstr(el, "\n");
	fputs("^C", stdout);
	return CC_NEWLINE;
}

/* ~/.peerlanctl_history, or $XDG_STATE_HOME/peerlanctl/history when that is set. */
static int history_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;

	if (xdg != NULL && xdg[0] == '/') {
		n = snprintf(buf, len, "%s/peerlanctl", xdg);
		if (n < 0 || (size_t)n >= len)
			return -ENAMETOOLONG;
		(void)mkdir(buf, 0700);
		n = snprintf(buf, len, "%s/peerlanctl/history", xdg);
	} else if (home != NULL && home[0] == '/') {
		n = snprintf(buf, len, "%s/.peerlanctl_history", home);
	} else {
		return -ENOENT;
	}
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The prompt names the fabric, as `show status` tells it. */
static void set_prompt(struct session *s)
{
	char *argv[] = {"show", "status"}, err[512], clean[FAB_NAME_MAX * 2];
	struct ctl_request r;
	json_t *reply = NULL;
	const char *name;

	if (ctl_cli_parse(2, argv, &r, err, sizeof(err)) == 0 &&
	    call(s, &r, NULL, 0, &reply, err, sizeof(err)) == 0 &&
	    (name = json_string_value(json_object_get(reply, "fabric"))) != NULL && name[0]) {
		snprintf(s->fabric, sizeof(s->fabric), "%s", name);
		snprintf(prompt_text, sizeof(prompt_text), "peerlan %s> ",
			 ctl_sanitize(s->fabric, clean, sizeof(clean)));
	}
	json_decref(reply);
}

static int interactive(struct session *s)
{
	EditLine *el = el_init("peerlanctl", stdin, stdout, stderr);
	History *hist = history_init();
	Tokenizer *tok = tok_init(NULL);
	char hpath[FAB_PATH_MAX];
	bool have_path = history_path(hpath, sizeof(hpath)) == 0;
	HistEvent ev;
	int count;
	const char *line;

	if (el == NULL || hist == NULL || tok == NULL) {
		fprintf(stderr, "peerlanctl: cannot start the line editor\n");
		return 1;
	}
	shell_session = s;
	history(hist, &ev, H_SETSIZE, HISTORY_SIZE);
	history(hist, &ev, H_SETUNIQUE, 1);
	if (have_path)
		history(hist, &ev, H_LOAD, hpath);
	set_prompt(s);
	el_set(el, EL_PROMPT, prompt);
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_HIST, history, hist);
	el_set(el, EL_ADDFN, "pl-complete", "Complete a command word or name", complete);
	el_set(el, EL_ADDFN, "pl-help", "Show what may come next", question);
	el_set(el, EL_BIND, "^I", "pl-complete", NULL);
	el_set(el, EL_BIND, "?", "pl-help", NULL);
	el_set(el, EL_ADDFN, "pl-cancel", "Drop the line", cancel);
	el_set(el, EL_SETTY, "-d", "-isig", NULL);
	el_set(el, EL_BIND, "^C", "pl-cancel", NULL);
	el_source(el, NULL);
	for (;;) {
		int argc;
		const char **argv;

		interrupted = 0;
		line = el_gets(el, &count);
		if (line == NULL && interrupted) {
			/* Ctrl-C: the line is dropped, the shell stays. */
			fputc('\n', stdout);
			el_reset(el);
			continue;
		}
		if (line == NULL || count <= 0)
			break;
		tok_reset(tok);
		if (tok_str(tok, line, &argc, &argv) != 0) {
			fprintf(stderr, "peerlanctl: unbalanced quotes\n");
			continue;
		}
		if (argc == 0)
			continue;
		history(hist, &ev, H_ENTER, line);
		if (have_path) {
			mode_t old = umask(077);

			history(hist, &ev, H_SAVE, hpath);
			umask(old);
		}
		if (strcmp(argv[0], "quit") == 0 || strcmp(argv[0], "exit") == 0)
			break;
		run_words(s, argc, (char *const *)argv);
	}
	fputc('\n', stdout);
	tok_end(tok);
	history_end(hist);
	el_end(el);
	return 0;
}

/*
 * Batch: one command a line ('#' starts a comment), stopping at the first
 * that fails, whose status is peerlanctl's.
 */
static int batch(struct session *s, FILE *in, const char *name)
{
	Tokenizer *tok = tok_init(NULL);
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;

	if (tok == NULL)
		return fail(s->json, "out of memory");
	while (rc == 0 && !interrupted && getline(&line, &cap, in) >= 0) {
		const char **argv;
		int argc;
		char *p = line;

		lineno++;
		p += strspn(p, " \t");
		if (*p == '#' || *p == '\n' || *p == '\0')
			continue;
		tok_reset(tok);
		if (tok_str(tok, p, &argc, &argv) != 0)
			rc = fail(s->json, "%s:%d: unbalanced quotes", name, lineno);
		else if (argc > 0 && (rc = run_words(s, argc, (char *const *)argv)) != 0 &&
			 !s->json)
			fprintf(stderr,
				"peerlanctl: %s:%d failed; the lines after it were not run\n", name,
				lineno);
	}
	free(line);
	tok_end(tok);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"socket", required_argument, NULL, 's'}, {"json", no_argument, NULL, 'j'},
	    {"file", required_argument, NULL, 'f'},   {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
	};
	struct session s = {.socket = DEFAULT_SOCKET, .fd = -1};
	struct sigaction sa = {.sa_handler = on_sigint};
	const char *file = NULL, *env = getenv("PEERLANCTL_SOCKET");
	int opt, rc;

	if (env != NULL && env[0] != '\0')
		s.socket = env;
	/* '+': options stop at the first command word, so "config apply -x" is a file. */
	while ((opt = getopt_long(argc, argv, "+s:jf:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			s.socket = optarg;
			break;
		case 'j':
			s.json = true;
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("peerlanctl %s\n", PEERLAN_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 2 && strcmp(argv[0], "help") == 0 && strcmp(argv[1], "--markdown") == 0) {
		ctl_cli_markdown(stdout);
		return 0;
	}
	/* No SA_RESTART: Ctrl-C interrupts the read or wait it comes in. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (file != NULL && argc == 0) {
		FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");

		if (in == NULL)
			return fail(s.json, "%s: %s", file, strerror(errno));
		rc = batch(&s, in, file);
		if (in != stdin)
			fclose(in);
	} else if (file != NULL) {
		usage(stderr);
		return 2;
	} else if (argc == 0 && isatty(STDIN_FILENO)) {
		rc = interactive(&s);
	} else if (argc == 0) {
		rc = batch(&s, stdin, "stdin");
	} else {
		rc = run_words(&s, argc, argv);
	}
	if (s.fd >= 0)
		close(s.fd);
	json_decref(s.names);
	return rc;
}
