/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The parser over ctl_commands[]: each row's words are matched in turn,
 * keywords by unique prefix (an exact match wins over a longer keyword:
 * "port" against "ports"), placeholders by the syntax of their argument.
 * The rows still possible after each word are the candidates; completion
 * and `?` help list what the candidates may take next.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_parse.h"
#include "fabric/sponge.h"

#define ROWS_MAX  96
#define WORDS_MAX FAB_WIRE_ARGS_MAX

/* A row's words, split once. */
struct row {
	const struct ctl_command *cmd;
	int n;
	const char *w[WORDS_MAX];
	char buf[256];
};

static struct row rows[ROWS_MAX];
static int nrows = -1;

static void split_rows(void)
{
	if (nrows >= 0)
		return;
	nrows = 0;
	for (const struct ctl_command *c = ctl_commands; c->cmd != CTL_CMD_NONE; c++) {
		struct row *r = &rows[nrows];
		char *save = NULL;

		if (nrows == ROWS_MAX)
			abort(); /* the table outgrew ROWS_MAX: a build-time mistake */
		r->cmd = c;
		snprintf(r->buf, sizeof(r->buf), "%s", c->words);
		for (char *t = strtok_r(r->buf, " ", &save); t != NULL && r->n < WORDS_MAX;
		     t = strtok_r(NULL, " ", &save))
			r->w[r->n++] = t;
		nrows++;
	}
}

static const struct {
	const char *word;
	enum ctl_arg kind;
	const char *what; /* in errors */
	const char *help; /* in `?` help */
} placeholders[] = {
    {"NAME", CTL_ARG_PORT, "port name", "Port name"},
    {"LAG", CTL_ARG_LAG, "LAG port name", "LAG port name"},
    {"LAN", CTL_ARG_LAN, "LAN name", "LAN name"},
    {"ASN", CTL_ARG_ASN, "AS number", "AS number, as 64500 or AS64500"},
    {"FILE", CTL_ARG_FILE, "file name", "File name"},
    {"SECONDS", CTL_ARG_SECONDS, "number of seconds",
     "Seconds: to wait for `config confirm`, or to capture (1 to 86400)"},
    {"MAC", CTL_ARG_MAC, "MAC address", "MAC address"},
    {"DURATION", CTL_ARG_DURATION, "duration", "How long: 90, 90s, 30m, 4h or 2d (at most 7d)"},
    {"ADDRESS", CTL_ARG_ADDR, "IPv4 or IPv6 address", "IPv4 or IPv6 address"},
    {"N", CTL_ARG_NUMBER, "history number", "Number in `show config history` (1: the last)"},
    {"TEXT", CTL_ARG_TEXT, "comment", "A comment, in quotes if it has blanks"},
    {"MEMBER", CTL_ARG_MEMBER, "member", "A member's AS number (64500, AS64500) or name"},
    {"COUNT", CTL_ARG_COUNT, "count", "How many lines or frames, 1 to 1000000"},
    {"FILTER", CTL_ARG_FILTER, "capture filter",
     "A capture filter in libpcap syntax, in quotes if it has blanks: \"tcp port 179\""},
};

static int placeholder(const char *w)
{
	for (size_t i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]); i++)
		if (strcmp(placeholders[i].word, w) == 0)
			return (int)i;
	return -1;
}

static bool is_keyword(const char *w)
{
	return placeholder(w) < 0;
}

/* A word from a socket or terminal, quoted in an error only when printable. */
static const char *quotable(const char *w, char *buf, size_t len)
{
	size_t o = 0;

	for (; *w && o + 5 < len; w++) {
		unsigned char c = (unsigned char)*w;

		if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9' || strlen(s) > 10)
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* "90", "90s", "30m", "4h", "2d": 1 s to CTL_SWAP_MAX_S. */
static int parse_duration(const char *w, uint32_t *out)
{
	char num[16];
	size_t len = strlen(w);
	uint32_t unit = 1, v;

	if (len == 0 || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, w, len + 1);
	switch (num[len - 1]) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		len++;
		break;
	}
	num[len - 1] = '\0';
	if (parse_u32(num, 1, CTL_SWAP_MAX_S, &v) != 0 || (uint64_t)v * unit > CTL_SWAP_MAX_S)
		return -EINVAL;
	*out = v * unit;
	return 0;
}

/* Checks w as the argument ph stands for, and stores it in req. */
static int take_arg(const char *ph, const char *w, struct ctl_request *req, char *err,
		    size_t errlen)
{
	int k = placeholder(ph);
	char q[64];
	size_t len = strlen(w);

	switch (placeholders[k].kind) {
	case CTL_ARG_PORT:
	case CTL_ARG_LAG:
	case CTL_ARG_LAN:
		if (len == 0 || len >= FAB_NAME_MAX)
			goto bad;
		snprintf(placeholders[k].kind == CTL_ARG_LAN ? req->lan : req->port, FAB_NAME_MAX,
			 "%s", w);
		return 0;
	case CTL_ARG_FILE:
		if (len == 0 || len >= sizeof(req->file))
			goto bad;
		snprintf(req->file, sizeof(req->file), "%s", w);
		return 0;
	case CTL_ARG_ASN:
		if (strncasecmp(w, "as", 2) == 0)
			w += 2;
		if (parse_u32(w, 1, UINT32_MAX, &req->asn) != 0)
			goto bad;
		return 0;
	case CTL_ARG_MAC:
		if (fab_mac_parse(w, &req->mac) != 0 || fab_mac_is_multicast(req->mac) ||
		    req->mac == 0)
			goto bad;
		return 0;
	case CTL_ARG_DURATION:
		if (parse_duration(w, &req->duration_s) != 0) {
			snprintf(err, errlen,
				 "bad duration: %s (as 90, 90s, 30m, 4h or 2d; at most 7d)",
				 quotable(w, q, sizeof(q)));
			return -EINVAL;
		}
		return 0;
	case CTL_ARG_ADDR: {
		struct fab_naddr a;

		if (len >= sizeof(req->addr) || fab_naddr_parse(&a, w) != 0)
			goto bad;
		snprintf(req->addr, sizeof(req->addr), "%s", w);
		return 0;
	}
	case CTL_ARG_SECONDS:
		if (parse_u32(w, 1, CTL_CONFIRM_MAX_S, &req->seconds) != 0) {
			snprintf(err, errlen, "bad number of seconds: %s (1 to %d)",
				 quotable(w, q, sizeof(q)), CTL_CONFIRM_MAX_S);
			return -EINVAL;
		}
		return 0;
	case CTL_ARG_NUMBER:
		if (parse_u32(w, 1, CTL_HISTORY_MAX, &req->number) != 0) {
			snprintf(err, errlen, "bad history number: %s (1 to %d)",
				 quotable(w, q, sizeof(q)), CTL_HISTORY_MAX);
			return -EINVAL;
		}
		return 0;
	case CTL_ARG_MEMBER:
		if (len == 0 || len >= sizeof(req->member))
			goto bad;
		if (parse_u32(strncasecmp(w, "as", 2) == 0 ? w + 2 : w, 1, UINT32_MAX, &req->asn) ==
		    0)
			return 0;
		req->asn = 0;
		snprintf(req->member, sizeof(req->member), "%s", w);
		return 0;
	case CTL_ARG_COUNT:
		if (parse_u32(w, 1, 1000000, &req->top) != 0)
			goto bad;
		return 0;
	case CTL_ARG_FILTER:
		if (len == 0 || len >= sizeof(req->filter))
			goto bad;
		snprintf(req->filter, sizeof(req->filter), "%s", w);
		return 0;
	case CTL_ARG_TEXT:
		if (len >= sizeof(req->comment))
			goto bad;
		snprintf(req->comment, sizeof(req->comment), "%s", w);
		return 0;
	default:
		break;
	}
bad:
	snprintf(err, errlen, "bad %s: %s", placeholders[k].what, quotable(w, q, sizeof(q)));
	return -EINVAL;
}

/* The rows still possible, and where the walk stopped. */
struct walk {
	bool cand[ROWS_MAX];
	int used;       /* words matched by the rows (the rest: comment TEXT) */
	bool commented; /* "comment" seen where a change ends */
};

static bool prefix_of(const char *w, const char *kw)
{
	return w[0] != '\0' && strncmp(kw, w, strlen(w)) == 0;
}

/* Whether row r takes words from..argc in full (keywords by prefix). */
static bool row_takes(const struct row *r, int from, int argc, char *const *argv)
{
	struct ctl_request scratch;
	char err[256];

	if (r->n != argc)
		return false;
	memset(&scratch, 0, sizeof(scratch));
	for (int j = from; j < argc; j++) {
		if (is_keyword(r->w[j])
			? !prefix_of(argv[j], r->w[j])
			: take_arg(r->w[j], argv[j], &scratch, err, sizeof(err)) != 0)
			return false;
	}
	return true;
}

/* "a, b, c": the distinct words candidates may take at i (keywords only if kw_only). */
static void list_next(const struct walk *wk, int i, const char *prefix, bool kw_only, char *buf,
		      size_t len)
{
	const char *seen[ROWS_MAX];
	int nseen = 0;
	size_t o = 0;

	buf[0] = '\0';
	for (int k = 0; k < nrows && o < len; k++) {
		const char *w;
		bool dup = false;

		if (!wk->cand[k] || rows[k].n <= i)
			continue;
		w = rows[k].w[i];
		if ((kw_only || prefix != NULL) && !is_keyword(w))
			continue;
		if (prefix != NULL && !prefix_of(prefix, w))
			continue;
		for (int s = 0; s < nseen; s++)
			dup |= strcmp(seen[s], w) == 0;
		if (dup)
			continue;
		seen[nseen++] = w;
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", w);
	}
}

/* The keyword at i for word w, or NULL; -EINVAL in *rc when ambiguous. */
static const char *match_keyword(struct walk *wk, int i, int argc, char *const *argv, int *rc,
				 char *err, size_t errlen)
{
	const char *w = argv[i], *found = NULL, *ctx = NULL;
	bool several = false, several_ctx = false;
	char q[64], choices[256];

	*rc = 0;
	for (int k = 0; k < nrows; k++)
		if (wk->cand[k] && rows[k].n > i && is_keyword(rows[k].w[i]) &&
		    strcmp(rows[k].w[i], w) == 0)
			return rows[k].w[i];
	for (int k = 0; k < nrows; k++) {
		const char *kw;

		if (!wk->cand[k] || rows[k].n <= i || !is_keyword(rows[k].w[i]) ||
		    !prefix_of(w, rows[k].w[i]))
			continue;
		kw = rows[k].w[i];
		several |= found != NULL && strcmp(found, kw) != 0;
		found = found ? found : kw;
		/* Context: the next word is an argument only this keyword takes. */
		if (i + 1 < argc && rows[k].n > i + 1 && !is_keyword(rows[k].w[i + 1]) &&
		    row_takes(&rows[k], i + 1, argc, argv)) {
			several_ctx |= ctx != NULL && strcmp(ctx, kw) != 0;
			ctx = ctx ? ctx : kw;
		}
	}
	if (!several)
		return found;
	if (ctx != NULL && !several_ctx)
		return ctx;
	list_next(wk, i, w, true, choices, sizeof(choices));
	snprintf(err, errlen, "ambiguous argument: %s (%s)", quotable(w, q, sizeof(q)), choices);
	*rc = -EINVAL;
	return NULL;
}

static bool ends_change(const struct walk *wk, int i)
{
	for (int k = 0; k < nrows; k++)
		if (wk->cand[k] && rows[k].n == i && (rows[k].cmd->flags & CTL_F_CHANGE))
			return true;
	return false;
}

static void keep_only(struct walk *wk, int i, const char *w)
{
	for (int k = 0; k < nrows; k++)
		if (wk->cand[k] && (rows[k].n <= i || strcmp(rows[k].w[i], w) != 0))
			wk->cand[k] = false;
}

/*
 * Walks the words through the rows. Returns 0, or -EINVAL with the error in
 * err. A change may end with `comment TEXT`, kept in the audit log.
 */
static int walk(int argc, char *const *argv, struct walk *wk, struct ctl_request *req, char *err,
		size_t errlen)
{
	struct ctl_request scratch;
	char q[64], choices[256];

	split_rows();
	if (req == NULL)
		req = &scratch;
	memset(req, 0, sizeof(*req));
	memset(wk, 0, sizeof(*wk));
	for (int k = 0; k < nrows; k++)
		wk->cand[k] = true;
	if (argc > FAB_WIRE_ARGS_MAX) {
		snprintf(err, errlen, "too many words (at most %d)", FAB_WIRE_ARGS_MAX);
		return -EINVAL;
	}
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i], *kw, *ph = NULL;
		int rc;

		if (wk->commented) {
			if (i != argc - 1 || take_arg("TEXT", w, req, err, errlen) != 0) {
				if (i != argc - 1)
					snprintf(err, errlen, "unexpected argument: %s",
						 quotable(argv[i + 1], q, sizeof(q)));
				return -EINVAL;
			}
			snprintf(req->argv[req->argc++], sizeof(req->argv[0]), "%s", w);
			continue;
		}
		kw = match_keyword(wk, i, argc, argv, &rc, err, errlen);
		if (rc != 0)
			return rc;
		if (kw == NULL && strcmp(w, "comment") == 0 && ends_change(wk, i)) {
			wk->commented = true;
			snprintf(req->argv[req->argc++], sizeof(req->argv[0]), "comment");
			continue;
		}
		if (kw != NULL) {
			keep_only(wk, i, kw);
			if (strcmp(kw, "ipv4") == 0 || strcmp(kw, "ipv6") == 0)
				req->family = kw[3] - '0';
			req->tshark |= strcmp(kw, "tshark") == 0;
			snprintf(req->argv[req->argc++], sizeof(req->argv[0]), "%s", kw);
			wk->used = i + 1;
			continue;
		}
		for (int k = 0; k < nrows && ph == NULL; k++)
			if (wk->cand[k] && rows[k].n > i && !is_keyword(rows[k].w[i]))
				ph = rows[k].w[i];
		if (ph == NULL) {
			list_next(wk, i, NULL, false, choices, sizeof(choices));
			if (choices[0] == '\0')
				snprintf(err, errlen, "unexpected argument: %s",
					 quotable(w, q, sizeof(q)));
			else
				snprintf(err, errlen, "unknown argument: %s (expected %s)",
					 quotable(w, q, sizeof(q)), choices);
			return -EINVAL;
		}
		if (take_arg(ph, w, req, err, errlen) != 0)
			return -EINVAL;
		keep_only(wk, i, ph);
		snprintf(req->argv[req->argc++], sizeof(req->argv[0]), "%s", w);
		wk->used = i + 1;
	}
	return 0;
}

static const struct row *ended(const struct walk *wk)
{
	for (int k = 0; k < nrows; k++)
		if (wk->cand[k] && rows[k].n == wk->used)
			return &rows[k];
	return NULL;
}

int ctl_cli_parse(int argc, char *const *argv, struct ctl_request *req, char *err, size_t errlen)
{
	struct walk wk;
	const struct row *end;
	char choices[256];

	if (walk(argc, argv, &wk, req, err, errlen) != 0)
		return -EINVAL;
	if (wk.commented && wk.used == argc - 1) {
		snprintf(err, errlen, "missing argument: TEXT (comment)");
		return -EINVAL;
	}
	end = ended(&wk);
	if (end == NULL) {
		const char *ph = NULL;

		for (int k = 0; k < nrows && ph == NULL; k++)
			if (wk.cand[k] && rows[k].n > argc && !is_keyword(rows[k].w[argc]))
				ph = rows[k].w[argc];
		if (argc == 0) {
			list_next(&wk, 0, NULL, true, choices, sizeof(choices));
			snprintf(err, errlen, "missing command (one of: %s)", choices);
		} else if (ph != NULL) {
			snprintf(err, errlen, "missing argument: %s (%s)", ph,
				 placeholders[placeholder(ph)].what);
		} else {
			list_next(&wk, argc, NULL, true, choices, sizeof(choices));
			snprintf(err, errlen, "missing argument: one of %s", choices);
		}
		return -EINVAL;
	}
	req->cmd = end->cmd->cmd;
	return 0;
}

const struct ctl_command *ctl_command_of(enum ctl_cmd cmd)
{
	for (const struct ctl_command *c = ctl_commands; c->cmd != CTL_CMD_NONE; c++)
		if (c->cmd == cmd)
			return c;
	return NULL;
}

bool ctl_cmd_readonly(enum ctl_cmd cmd)
{
	const struct ctl_command *c = ctl_command_of(cmd);

	return c != NULL && (c->flags & CTL_F_READONLY);
}

bool ctl_cmd_takes_file(enum ctl_cmd cmd)
{
	const struct ctl_command *c = ctl_command_of(cmd);

	return c != NULL && (c->flags & CTL_F_FILE);
}

/* Calls fn for each distinct word candidates may take at the walk's end. */
static int each_next(const struct walk *wk, int at,
		     void (*fn)(void *arg, const char *word, const char *help, enum ctl_arg kind),
		     void *arg)
{
	const char *seen[ROWS_MAX];
	int nseen = 0;

	if (wk->commented) {
		if (at == wk->used + 1) {
			fn(arg, "TEXT", placeholders[placeholder("TEXT")].help, CTL_ARG_TEXT);
			return 1;
		}
		return 0;
	}
	for (int k = 0; k < nrows; k++) {
		const char *w, *help = NULL;
		bool dup = false;
		int p;

		if (!wk->cand[k] || rows[k].n <= at)
			continue;
		w = rows[k].w[at];
		for (int s = 0; s < nseen; s++)
			dup |= strcmp(seen[s], w) == 0;
		if (dup)
			continue;
		seen[nseen++] = w;
		p = placeholder(w);
		if (p < 0) {
			char path[256];
			size_t o = 0;

			for (int j = 0; j <= at; j++)
				o += (size_t)snprintf(path + o, sizeof(path) - o, "%s%s",
						      j ? " " : "", rows[k].w[j]);
			for (int j = 0; ctl_keywords[j].path != NULL; j++)
				if (strcmp(ctl_keywords[j].path, path) == 0)
					help = ctl_keywords[j].help;
		}
		fn(arg, w,
		   help     ? help
		   : p >= 0 ? placeholders[p].help
			    : rows[k].cmd->help,
		   p >= 0 ? placeholders[p].kind : CTL_ARG_NONE);
	}
	if (ends_change(wk, at)) {
		fn(arg, "comment", "Keep a comment with the change in the audit log", CTL_ARG_NONE);
		nseen++;
	}
	return nseen;
}

struct complete_ctx {
	const char *partial;
	void (*fn)(void *arg, const char *word, enum ctl_arg kind);
	void *arg;
	int n;
};

static void complete_one(void *arg, const char *word, const char *help, enum ctl_arg kind)
{
	struct complete_ctx *cc = arg;

	(void)help;
	if (kind == CTL_ARG_NONE && strncmp(word, cc->partial, strlen(cc->partial)) != 0)
		return;
	cc->fn(cc->arg, word, kind);
	cc->n++;
}

int ctl_cli_complete(int argc, char *const *argv, const char *partial,
		     void (*fn)(void *arg, const char *word, enum ctl_arg kind), void *arg)
{
	struct walk wk;
	struct complete_ctx cc = {partial, fn, arg, 0};
	char err[256];

	if (walk(argc, argv, &wk, NULL, err, sizeof(err)) != 0)
		return -EINVAL;
	each_next(&wk, argc, complete_one, &cc);
	return cc.n;
}

static void help_one(void *arg, const char *word, const char *help, enum ctl_arg kind)
{
	(void)kind;
	fprintf(arg, "  %-14s %s\n", word, help);
}

int ctl_cli_help_at(int argc, char *const *argv, FILE *out)
{
	struct walk wk;
	const struct row *end;
	char err[256];

	if (walk(argc, argv, &wk, NULL, err, sizeof(err)) != 0) {
		fprintf(out, "%s\n", err);
		return -EINVAL;
	}
	end = wk.used == argc ? ended(&wk) : NULL;
	if (end != NULL || (wk.commented && argc == wk.used + 2))
		fprintf(out, "  %-14s %s\n", "<cr>",
			end ? end->cmd->help : "Run the change with its comment");
	each_next(&wk, argc, help_one, out);
	return 0;
}

void ctl_cli_list(FILE *out)
{
	/* Words longer than the column get a line of their own, so the help stays aligned. */
	for (const struct ctl_command *c = ctl_commands; c->cmd != CTL_CMD_NONE; c++)
		if (strlen(c->words) > 40)
			fprintf(out, "  %s\n  %-40s %s\n", c->words, "", c->help);
		else
			fprintf(out, "  %-40s %s\n", c->words, c->help);
}

void ctl_cli_markdown(FILE *out)
{
	fprintf(out, "| Command | Read-only socket | What it does |\n|---|---|---|\n");
	for (const struct ctl_command *c = ctl_commands; c->cmd != CTL_CMD_NONE; c++)
		fprintf(out, "| `%s%s` | %s | %s |\n", c->words,
			(c->flags & CTL_F_CHANGE) ? " [comment TEXT]" : "",
			(c->flags & CTL_F_READONLY) ? "yes" : "no", c->help);
}
