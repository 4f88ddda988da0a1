/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peerlanctl: the NOC's command line.
 *
 *   peerlanctl [-s SOCKET] [--json] COMMAND...   one command
 *   peerlanctl [-s SOCKET] [--json]              interactive shell
 *   peerlanctl help [--markdown]                 the command reference
 *
 * `config import` runs here, without control (cli_import.h).
 */
#include <errno.h>
#include <getopt.h>
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_client.h"
#include "cli_import.h"
#include "cli_parse.h"
#include "cli_text.h"
#include "sanitize.h"

#define DEFAULT_SOCKET "/run/peerlan/cli.sock"
#define HISTORY_SIZE   500

struct session {
	const char *socket;
	bool json;
	int fd;
};

static void usage(FILE *out)
{
	fprintf(out, "usage: peerlanctl [-s SOCKET] [--json] [COMMAND...]\n"
		     "       peerlanctl help [--markdown]\n"
		     "Without a command, peerlanctl reads commands interactively.\n");
}

static void help(FILE *out)
{
	fprintf(out, "Commands (words may be shortened to a unique prefix):\n");
	ctl_cli_list(out);
	fprintf(out, "  %-40s %s\n", "help", "This list");
	fprintf(out, "  %-40s %s\n", "quit", "Leave the interactive shell");
}

/* Runs one parsed command; returns the exit code (0 or 1). */
static int run(struct session *s, const struct ctl_request *r)
{
	char err[512] = "", clean[1024];
	char *text = NULL;
	size_t len = 0;
	json_t *reply = NULL;
	int rc;

	if (r->cmd == CTL_CONFIG_IMPORT) {
		rc = ctl_cli_import(r, &reply);
		if (reply == NULL) {
			fprintf(stderr, "peerlanctl: %s\n", strerror(-rc));
			return 1;
		}
		goto render;
	}
	if (ctl_cmd_takes_file(r->cmd)) {
		rc = ctl_client_read_file(r->file, FAB_WIRE_PAYLOAD_MAX / 2, &text, &len);
		if (rc != 0) {
			fprintf(stderr, "peerlanctl: %s: %s\n",
				ctl_sanitize(r->file, clean, sizeof(clean)), strerror(-rc));
			return 1;
		}
		/* Exports and map are read here, with this user's rights. */
		rc = ctl_cli_expand(r, &text, &len, &reply);
		if (rc != 0) {
			free(text);
			if (reply == NULL) {
				fprintf(stderr, "peerlanctl: %s\n", strerror(-rc));
				return 1;
			}
			goto render;
		}
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		if (s->fd < 0) {
			s->fd = ctl_client_connect(s->socket);
			if (s->fd < 0) {
				fprintf(stderr, "peerlanctl: cannot connect to %s: %s\n",
					ctl_sanitize(s->socket, clean, sizeof(clean)),
					strerror(-s->fd));
				free(text);
				return 1;
			}
		}
		rc = ctl_client_call(s->fd, r, text, len, &reply, err, sizeof(err));
		/* A shell kept open across a control restart reconnects once. */
		if (reply == NULL && (rc == -ECONNRESET || rc == -EPIPE) && attempt == 0) {
			close(s->fd);
			s->fd = -1;
			continue;
		}
		break;
	}
	free(text);
	if (reply == NULL) {
		fprintf(stderr, "peerlanctl: %s\n", ctl_sanitize(err, clean, sizeof(clean)));
		close(s->fd);
		s->fd = -1;
		return 1;
	}
render:
	if (s->json) {
		/* jansson escapes every control character; ensure_ascii covers the rest. */
		json_dumpf(reply, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		fputc('\n', stdout);
	} else if (rc == 0) {
		ctl_text_render(r, reply, stdout);
	}
	if (rc != 0 && !s->json)
		ctl_text_error(reply, stderr);
	json_decref(reply);
	fflush(stdout);
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

static int run_words(struct session *s, int argc, char *const *argv)
{
	struct ctl_request r;
	char err[FAB_PATH_MAX + 64], clean[1024];

	if (ctl_cli_parse(argc, argv, &r, err, sizeof(err)) != 0 ||
	    absolute_file(&r, err, sizeof(err)) != 0) {
		fprintf(stderr, "peerlanctl: %s\n", ctl_sanitize(err, clean, sizeof(clean)));
		return 1;
	}
	return run(s, &r);
}

/* Interactive shell. */

static const char *prompt(EditLine *el)
{
	(void)el;
	return "peerlan> ";
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
	return rc == 0 ? 0 : -1;
}

struct matches {
	char words[32][FAB_NAME_MAX];
	bool placeholder[32];
	int n;
};

static void add_match(void *arg, const char *word, enum ctl_arg kind)
{
	struct matches *m = arg;
	bool placeholder = kind != CTL_ARG_NONE;

	if (m->n < 32) {
		snprintf(m->words[m->n], sizeof(m->words[0]), "%s", word);
		m->placeholder[m->n++] = placeholder;
	}
}

static unsigned char complete(EditLine *el, int ch)
{
	struct cursor_words cw = {0};
	struct matches m = {0};
	unsigned char ret = CC_ERROR;

	(void)ch;
	if (words_at_cursor(el, &cw) != 0)
		goto out;
	if (ctl_cli_complete(cw.argc, (char *const *)cw.argv, cw.partial, add_match, &m) <= 0)
		goto out;
	if (m.n == 1 && !m.placeholder[0]) {
		char rest[FAB_NAME_MAX + 1];

		snprintf(rest, sizeof(rest), "%s ", m.words[0] + strlen(cw.partial));
		el_insertstr(el, rest);
		ret = CC_REFRESH;
		goto out;
	}
	/* Several candidates: extend to their common prefix, then list them. */
	{
		size_t common = strlen(m.words[0]);
		int nk = 0;

		for (int i = 0; i < m.n; i++) {
			size_t k = 0;

			if (m.placeholder[i])
				continue;
			nk++;
			while (k < common && m.words[i][k] == m.words[0][k])
				k++;
			common = k;
		}
		if (nk == m.n && common > strlen(cw.partial)) {
			char ext[FAB_NAME_MAX];

			snprintf(ext, sizeof(ext), "%.*s", (int)(common - strlen(cw.partial)),
				 m.words[0] + strlen(cw.partial));
			el_insertstr(el, ext);
			ret = CC_REFRESH;
			goto out;
		}
	}
	fputc('\n', stdout);
	for (int i = 0; i < m.n; i++)
		printf("  %s\n", m.words[i]);
	ret = CC_REDISPLAY;
out:
	if (cw.tok)
		tok_end(cw.tok);
	return ret;
}

static unsigned char question(EditLine *el, int ch)
{
	struct cursor_words cw = {0};

	(void)ch;
	fputc('\n', stdout);
	if (words_at_cursor(el, &cw) == 0) {
		if (cw.partial[0] != '\0') {
			struct matches m = {0};

			ctl_cli_complete(cw.argc, (char *const *)cw.argv, cw.partial, add_match,
					 &m);
			for (int i = 0; i < m.n; i++)
				printf("  %s\n", m.words[i]);
		} else {
			ctl_cli_help_at(cw.argc, (char *const *)cw.argv, stdout);
		}
	}
	if (cw.tok)
		tok_end(cw.tok);
	return CC_REDISPLAY;
}

static int interactive(struct session *s)
{
	EditLine *el = el_init("peerlanctl", stdin, stdout, stderr);
	History *hist = history_init();
	Tokenizer *tok = tok_init(NULL);
	HistEvent ev;
	int count;
	const char *line;

	if (el == NULL || hist == NULL || tok == NULL) {
		fprintf(stderr, "peerlanctl: cannot start the line editor\n");
		return 1;
	}
	history(hist, &ev, H_SETSIZE, HISTORY_SIZE);
	history(hist, &ev, H_SETUNIQUE, 1);
	el_set(el, EL_PROMPT, prompt);
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_HIST, history, hist);
	el_set(el, EL_ADDFN, "pl-complete", "Complete a command word", complete);
	el_set(el, EL_ADDFN, "pl-help", "Show what may come next", question);
	el_set(el, EL_BIND, "^I", "pl-complete", NULL);
	el_set(el, EL_BIND, "?", "pl-help", NULL);
	el_source(el, NULL);
	while ((line = el_gets(el, &count)) != NULL && count > 0) {
		int argc;
		const char **argv;

		tok_reset(tok);
		if (tok_str(tok, line, &argc, &argv) != 0) {
			fprintf(stderr, "peerlanctl: unbalanced quotes\n");
			continue;
		}
		if (argc == 0)
			continue;
		history(hist, &ev, H_ENTER, line);
		if (strcmp(argv[0], "quit") == 0 || strcmp(argv[0], "exit") == 0)
			break;
		if (strcmp(argv[0], "help") == 0) {
			help(stdout);
			continue;
		}
		run_words(s, argc, (char *const *)argv);
	}
	tok_end(tok);
	history_end(hist);
	el_end(el);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct session s = {.socket = DEFAULT_SOCKET, .fd = -1};
	int opt, rc;

	/* '+': options stop at the first command word, so "config apply -x" is a file. */
	while ((opt = getopt_long(argc, argv, "+s:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			s.socket = optarg;
			break;
		case 'j':
			s.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc >= 1 && strcmp(argv[0], "help") == 0) {
		if (argc == 2 && strcmp(argv[1], "--markdown") == 0)
			ctl_cli_markdown(stdout);
		else if (argc == 1)
			help(stdout);
		else {
			usage(stderr);
			return 2;
		}
		return 0;
	}
	if (argc == 0) {
		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr,
				"peerlanctl: no command given and input is not a terminal\n");
			return 2;
		}
		rc = interactive(&s);
	} else {
		rc = run_words(&s, argc, argv);
	}
	if (s.fd >= 0)
		close(s.fd);
	return rc;
}
