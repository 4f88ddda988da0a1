/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_privdrop() for real: a child process with a second thread, standing in
 * for a worker, drops to nobody keeping CAP_NET_RAW. The calling thread
 * must end with exactly CAP_NET_RAW and the other thread with nothing, as
 * /proc says. Needs root; exits 77 (skipped) where it is not root.
 */
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/if_ether.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "privdrop.h"

/* The value of a "Name:\tvalue" line of a status file, as text ("" if none). */
static void status_line(const char *path, const char *name, char *out, size_t len)
{
	char line[256];
	FILE *f = fopen(path, "re");

	out[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, strlen(name)) == 0 && line[strlen(name)] == ':')
			snprintf(out, len, "%s", line + strlen(name) + 1);
	fclose(f);
}

/* The same as a hexadecimal number (capability sets); UINT64_MAX if none. */
static uint64_t status_hex(const char *path, const char *name)
{
	char text[256];

	status_line(path, name, text, sizeof(text));
	return text[0] != '\0' ? strtoull(text, NULL, 16) : UINT64_MAX;
}

struct worker {
	int go[2]; /* the main thread writes once the drop is done */
	pid_t tid;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char c;

	w->tid = (pid_t)syscall(SYS_gettid);
	/* Parks until the test has read this thread's status. */
	if (read(w->go[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

/* Codes the child exits with; 0 is success. */
enum {
	CHILD_THREAD = 10,
	CHILD_DROP,
	CHILD_CAPS,
	CHILD_UIDS,
	CHILD_WORKER,
	CHILD_RAW,
	CHILD_ROOT,
};

static int child(void)
{
	static const cap_value_t keep[] = {CAP_NET_RAW};
	struct passwd *pw = getpwnam("nobody");
	struct worker w = {.tid = 0};
	char path[64], uids[256], want[128];
	pthread_t t;
	int rc, fd;

	if (pw == NULL || pipe(w.go) != 0 || pthread_create(&t, NULL, worker_main, &w) != 0)
		return CHILD_THREAD;
	while (__atomic_load_n(&w.tid, __ATOMIC_SEQ_CST) == 0)
		usleep(1000);
	rc = dp_privdrop("nobody", keep, 1);
	if (rc != 0) {
		fprintf(stderr, "dp_privdrop: %s\n", strerror(-rc));
		return CHILD_DROP;
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)syscall(SYS_gettid));
	if (status_hex(path, "CapEff") != UINT64_C(1) << CAP_NET_RAW ||
	    status_hex(path, "CapPrm") != UINT64_C(1) << CAP_NET_RAW ||
	    status_hex(path, "CapInh") != 0 || status_hex(path, "CapAmb") != 0) {
		fprintf(stderr, "main thread: CapEff %llx CapPrm %llx\n",
			(unsigned long long)status_hex(path, "CapEff"),
			(unsigned long long)status_hex(path, "CapPrm"));
		return CHILD_CAPS;
	}
	status_line(path, "Uid", uids, sizeof(uids));
	snprintf(want, sizeof(want), "\t%u\t%u\t%u\t%u\n", pw->pw_uid, pw->pw_uid, pw->pw_uid,
		 pw->pw_uid);
	if (strcmp(uids, want) != 0)
		return CHILD_UIDS;
	/* The other thread was switched to nobody too, and kept no capability. */
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)w.tid);
	status_line(path, "Uid", uids, sizeof(uids));
	if (strcmp(uids, want) != 0 || status_hex(path, "CapEff") != 0 ||
	    status_hex(path, "CapPrm") != 0)
		return CHILD_WORKER;
	/* What was kept works... */
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0)
		return CHILD_RAW;
	close(fd);
	/* ...and root is gone for good. */
	if (setuid(0) == 0 || errno != EPERM)
		return CHILD_ROOT;
	if (write(w.go[1], "x", 1) != 1)
		return CHILD_THREAD;
	pthread_join(t, NULL);
	return 0;
}

static void test_drop_to_nobody(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_errors(void **state)
{
	static const cap_value_t bad[] = {(cap_value_t)4000};
	pid_t pid;
	int status;

	(void)state;
	/* Checked before anything changes, so these run in this process. */
	assert_int_equal(dp_privdrop("nobody", bad, 1), -EINVAL);
	assert_int_equal(getuid(), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(dp_privdrop("peerlan-no-such-user", NULL, 0) == -ENOENT && getuid() == 0 ? 0
											       : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_drop_to_nobody),
	    cmocka_unit_test(test_errors),
	};

	const uint64_t need =
	    UINT64_C(1) << CAP_SETUID | UINT64_C(1) << CAP_SETGID | UINT64_C(1) << CAP_NET_RAW;

	if (geteuid() != 0 || (status_hex("/proc/self/status", "CapEff") & need) != need) {
		printf("skip: dropping privileges needs root with CAP_SETUID, CAP_SETGID and "
		       "CAP_NET_RAW\n");
		return 77;
	}
	if (getpwnam("nobody") == NULL) {
		printf("skip: no user 'nobody' on this machine\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
