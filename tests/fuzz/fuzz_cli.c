/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzes the CLI parser on any line, split into words as peerlanctl's shell
 * splits it (libedit's tokenizer). Parsing, completion and `?` help must
 * not crash and must say why a line is refused. A line that parses must
 * parse again from the words it expands to, as the control process parses
 * them after they cross the socket, to the same request.
 */
#include <errno.h>
#include <histedit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cli_parse.h"
#include "fabric/wire.h"
#include "tests/fuzz/fuzz.h"

static void count_word(void *arg, const char *word, enum ctl_arg kind)
{
	(void)kind;
	CHECK(word != NULL && word[0] != '\0');
	++*(int *)arg;
}

/* The words of r sent as a CLI message and decoded by the receiving side. */
static void through_wire(const struct ctl_request *r, struct fab_wire_cli *out)
{
	static struct fab_wire_cli w;
	struct fab_wire_buf b = {0};
	struct fab_wire_hdr h;

	w.argc = r->argc;
	memcpy(w.argv, r->argv, sizeof(w.argv));
	w.file = NULL;
	w.file_len = 0;
	CHECK(fab_wire_cli_encode(&b, 1, &w) == 0);
	CHECK(fab_wire_frame(b.data, b.len, &h) == (long)b.len);
	CHECK(fab_wire_cli_decode(b.data + FAB_WIRE_HDR_LEN, h.length, out) == 0);
	fab_wire_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_request req, again;
	static struct fab_wire_cli w;
	char *line, err[256], *argv2[FAB_WIRE_ARGS_MAX];
	const char **argv;
	Tokenizer *tok;
	static FILE *sink;
	int argc, n = 0;

	line = malloc(size + 1);
	tok = tok_init(NULL);
	if (sink == NULL)
		sink = fopen("/dev/null", "w");
	CHECK(line != NULL && tok != NULL && sink != NULL);
	memcpy(line, data, size);
	line[size] = '\0';
	if (tok_str(tok, line, &argc, &argv) != 0)
		goto out;

	memset(err, 0x55, sizeof(err));
	if (ctl_cli_parse(argc, (char *const *)argv, &req, err, sizeof(err)) != 0) {
		CHECK(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
	} else {
		CHECK(req.cmd > CTL_CMD_NONE && req.cmd < CTL_CMD__COUNT);
		CHECK(req.argc == argc && req.argc <= FAB_WIRE_ARGS_MAX);
		through_wire(&req, &w);
		for (int i = 0; i < w.argc; i++)
			argv2[i] = w.argv[i];
		if (ctl_cli_parse(w.argc, argv2, &again, err, sizeof(err)) != 0) {
			fprintf(stderr, "expanded words do not parse: %s\n", err);
			abort();
		}
		CHECK(memcmp(&req, &again, sizeof(req)) == 0);
	}
	/* Completion and help of the last word, as the shell asks while typing. */
	if (argc > 0) {
		int rc =
		    ctl_cli_complete(argc - 1, (char *const *)argv, argv[argc - 1], count_word, &n);

		CHECK(rc == -EINVAL || rc == n);
	}
	ctl_cli_help_at(argc, (char *const *)argv, sink);
out:
	tok_end(tok);
	free(line);
	return 0;
}
