/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peerlan-control: validates and applies configuration, keeps the dataplane
 * in line with it and serves the CLI.
 *
 *   peerlan-control -c FILE            run
 *     [--ignore-committed]             start from FILE, not a later commit
 *     [--cli-idle-timeout SECONDS]     close idle CLI connections (60 s)
 *   peerlan-control --check FILE       validate FILE: "configuration OK" or every error
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: peerlan-control -c FILE [--ignore-committed] "
		     "[--cli-idle-timeout SECONDS]\n"
		     "       peerlan-control --check FILE\n");
}

static int check(const char *path)
{
	struct fab_config_errors e = {0};
	struct fab_model *m = fab_config_load_file(path, &e);

	if (m == NULL) {
		fab_config_errors_print(&e, stderr);
		if (e.n == 0)
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
		fab_config_errors_clear(&e);
		return 1;
	}
	fab_model_destroy(m);
	printf("configuration OK\n");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check", required_argument, NULL, 'n'},
	    {"ignore-committed", no_argument, NULL, 'i'},
	    {"cli-idle-timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct ctl_opts o = {0};
	struct fab_config_errors e = {0};
	struct sigaction sa = {.sa_handler = on_signal};
	struct ctl *c;
	char *end;
	unsigned long n;
	int opt;

	while ((opt = getopt_long(argc, argv, "c:n:ih", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			o.config_path = optarg;
			break;
		case 'n':
			return check(optarg);
		case 'i':
			o.ignore_committed = true;
			break;
		case 't':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || n < 1 || n > 86400) {
				fprintf(stderr,
					"peerlan-control: --cli-idle-timeout: 1 to 86400 "
					"seconds, not '%s'\n",
					optarg);
				return 2;
			}
			o.cli_idle_s = (unsigned)n;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (o.config_path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	c = ctl_create(&o, &e);
	if (c == NULL) {
		fab_config_errors_print(&e, stderr);
		if (e.n == 0)
			fprintf(stderr, "peerlan-control: %s\n", strerror(errno));
		fab_config_errors_clear(&e);
		return 1;
	}
	if (ctl_listen(c) != 0) {
		ctl_destroy(c);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "peerlan-control %s: serving %s and %s\n", PEERLAN_VERSION,
		ctl_running(c)->mgmt.cli_socket, ctl_running(c)->mgmt.cli_ro_socket);
	while (!stop)
		if (ctl_run_once(c, 1000) != 0)
			break;
	ctl_destroy(c);
	return 0;
}
