/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fake-dataplane SOCKET CONFIG: the fake dataplane of fake_dp.c as a
 * program, for scripted tests of peerlan-control and peerlanctl. SIGUSR1
 * counts 1000 forwarded frames on every port, as traffic would.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fake_dp.h"

static volatile sig_atomic_t stop, traffic;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	traffic++;
}

int main(int argc, char **argv)
{
	struct sigaction term = {.sa_handler = on_term}, usr1 = {.sa_handler = on_usr1};
	struct fake_dp *f;
	char *text = NULL;
	size_t len = 0;
	FILE *in, *mem;
	int ch;

	if (argc != 3) {
		fprintf(stderr, "usage: fake-dataplane SOCKET CONFIG\n");
		return 2;
	}
	in = fopen(argv[2], "r");
	mem = open_memstream(&text, &len);
	if (in == NULL || mem == NULL) {
		perror(argv[2]);
		return 1;
	}
	while ((ch = fgetc(in)) != EOF)
		fputc(ch, mem);
	fclose(in);
	fclose(mem);
	f = fake_dp_start(argv[1], text);
	free(text);
	if (f == NULL) {
		perror(argv[1]);
		return 1;
	}
	/* Set by a test whose configurations add ports, which a real dataplane refuses. */
	if (getenv("FAKE_DP_PORTS_CHANGE") != NULL)
		fake_dp_ports_fixed(f, false);
	sigaction(SIGTERM, &term, NULL);
	sigaction(SIGINT, &term, NULL);
	sigaction(SIGUSR1, &usr1, NULL);
	while (!stop) {
		usleep(10000);
		for (; traffic > 0; traffic--) {
			struct fake_dp_view v;

			fake_dp_view(f, &v);
			for (uint16_t p = 0; p < v.nports; p++)
				fake_dp_traffic(f, p, 1000, 100);
		}
	}
	fake_dp_stop(f);
	return 0;
}
