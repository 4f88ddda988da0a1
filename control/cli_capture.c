/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli_capture.h"
#include "sanitize.h"

/* Whether prog is an executable in a directory of $PATH. */
static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char dir[FAB_PATH_MAX * 2];

	if (path == NULL || strchr(prog, '/') != NULL)
		return strchr(prog, '/') != NULL && access(prog, X_OK) == 0;
	while (*path) {
		size_t n = strcspn(path, ":");

		if (n > 0 && n < FAB_PATH_MAX) {
			snprintf(dir, sizeof(dir), "%.*s/%s", (int)n, path, prog);
			if (access(dir, X_OK) == 0)
				return true;
		}
		path += n + (path[n] == ':');
	}
	return false;
}

int ctl_cli_capture_check(const struct ctl_request *r, char *err, size_t errlen)
{
	if (geteuid() != 0) {
		snprintf(err, errlen,
			 "capture needs root: dpdk-dumpcap attaches to the dataplane's hugepages "
			 "and runtime directory (run peerlanctl as root)");
		return -EPERM;
	}
	if (!on_path("dpdk-dumpcap")) {
		snprintf(err, errlen,
			 "dpdk-dumpcap is not installed (Debian's package dpdk: apt install dpdk)");
		return -ENOENT;
	}
	if (r->tshark && !on_path("tshark")) {
		snprintf(err, errlen, "tshark is not installed (apt install tshark)");
		return -ENOENT;
	}
	return 0;
}

/* Ctrl-C goes to dpdk-dumpcap, which stops and writes what it has; we wait for it. */
static void on_int(int sig)
{
	(void)sig;
}

static pid_t spawn(char *const *argv, int in, int out)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	if (in >= 0 && dup2(in, STDIN_FILENO) < 0)
		_exit(127);
	if (out >= 0 && dup2(out, STDOUT_FILENO) < 0)
		_exit(127);
	if (in > STDERR_FILENO)
		close(in);
	if (out > STDERR_FILENO)
		close(out);
	execvp(argv[0], argv);
	fprintf(stderr, "peerlanctl: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int wait_child(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(st))
		return WTERMSIG(st) == SIGINT ? 0 : 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* The file's name: the port (characters a shell needs no quotes for) and the time. */
static void file_name(const char *port, char *buf, size_t len)
{
	const char *dir = getenv("PEERLAN_CAPTURE_DIR");
	char safe[FAB_NAME_MAX], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	for (i = 0; port[i] && i + 1 < sizeof(safe); i++)
		safe[i] =
		    strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			   port[i])
			? port[i]
			: '_';
	safe[i] = '\0';
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	dir = dir && *dir ? dir : CTL_CAPTURE_DIR;
	snprintf(buf, len, "%s/peerlan-%s-%s.pcapng", dir, safe, stamp);
	/* dumpcap does not truncate: never hand it a file that exists. */
	for (int n = 2; access(buf, F_OK) == 0 && n < 100; n++)
		snprintf(buf, len, "%s/peerlan-%s-%s-%d.pcapng", dir, safe, stamp, n);
}

int ctl_cli_capture_run(const struct ctl_request *r, const json_t *info, bool json)
{
	const char *prefix = json_string_value(json_object_get(info, "file_prefix"));
	const char *device = json_string_value(json_object_get(info, "device"));
	json_int_t dpdk_port = json_integer_value(json_object_get(info, "dpdk_port"));
	char opt_prefix[FAB_NAME_MAX + 16], port_id[16], count[16], duration[32];
	char file[FAB_PATH_MAX * 2], clean[FAB_PATH_MAX * 2];
	char *argv[20];
	char fifo_dir[] = "/tmp/peerlan-capture-XXXXXX";
	mode_t old_mask = 0;
	int argc = 0, rc;
	pid_t dumpcap, tshark = -1;
	struct sigaction sa = {.sa_handler = on_int}, old_int, old_term;
	struct stat stt;

	if (prefix == NULL || device == NULL) {
		fprintf(stderr, "peerlanctl: control's answer lacks the dataplane's file prefix\n");
		return 1;
	}
	snprintf(opt_prefix, sizeof(opt_prefix), "--file-prefix=%s", prefix);
	snprintf(port_id, sizeof(port_id), "%lld", (long long)dpdk_port);
	argv[argc++] = "dpdk-dumpcap";
	argv[argc++] = opt_prefix;
	argv[argc++] = "-i";
	argv[argc++] = port_id;
	if (r->filter[0]) {
		argv[argc++] = "-f";
		argv[argc++] = (char *)r->filter;
	}
	if (r->top > 0) {
		snprintf(count, sizeof(count), "%u", r->top);
		argv[argc++] = "-c";
		argv[argc++] = count;
	}
	if (r->seconds > 0) {
		snprintf(duration, sizeof(duration), "duration:%u", r->seconds);
		argv[argc++] = "-a";
		argv[argc++] = duration;
	}
	argv[argc++] = "-w";
	if (r->tshark) {
		/* A FIFO, not dumpcap's "-w -": dumpcap also prints on stdout. */
		if (mkdtemp(fifo_dir) == NULL) {
			fprintf(stderr, "peerlanctl: %s: %s\n", fifo_dir, strerror(errno));
			return 1;
		}
		snprintf(file, sizeof(file), "%s/capture.pcapng", fifo_dir);
		if (mkfifo(file, 0600) != 0) {
			fprintf(stderr, "peerlanctl: %s: %s\n", file, strerror(errno));
			rmdir(fifo_dir);
			return 1;
		}
		argv[argc++] = file;
	} else {
		file_name(r->port, file, sizeof(file));
		argv[argc++] = file;
		/* Members' traffic: readable by root alone. */
		old_mask = umask(077);
	}
	argv[argc] = NULL;

	if (!json)
		fprintf(stderr, "capturing port %s (%s, DPDK port %lld) %s%s; Ctrl-C stops\n",
			r->port, device, (long long)dpdk_port,
			r->tshark ? "through tshark" : "into ",
			r->tshark ? "" : ctl_sanitize(file, clean, sizeof(clean)));
	fflush(stderr);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	/* dumpcap's own messages (and its counts at the end) go to stderr. */
	dumpcap = spawn(argv, -1, STDERR_FILENO);
	if (r->tshark && dumpcap > 0) {
		char *targv[] = {"tshark", "-n", "-l", "-r", file, NULL};

		tshark = spawn(targv, -1, -1);
	}
	rc = dumpcap > 0 ? wait_child(dumpcap) : -1;
	if (tshark > 0) {
		/* A dumpcap that failed before opening the FIFO leaves tshark
		 * waiting in open(): a writer that comes and goes releases it. */
		int fd = open(file, O_WRONLY | O_NONBLOCK);

		if (rc != 0)
			kill(tshark, SIGTERM);
		if (fd >= 0)
			close(fd);
		wait_child(tshark);
	}
	if (r->tshark) {
		unlink(file);
		rmdir(fifo_dir);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (!r->tshark)
		umask(old_mask);
	if (rc != 0) {
		fprintf(stderr,
			"peerlanctl: dpdk-dumpcap failed (status %d); what it said is above\n", rc);
		return 1;
	}
	if (r->tshark)
		return 0;
	if (stat(file, &stt) != 0) {
		fprintf(stderr, "peerlanctl: dpdk-dumpcap wrote no file %s\n",
			ctl_sanitize(file, clean, sizeof(clean)));
		return 1;
	}
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:I}", "port", r->port, "device",
				      device, "dpdk_port", (int)dpdk_port, "file", file, "bytes",
				      (json_int_t)stt.st_size);

		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		fputc('\n', stdout);
		json_decref(o);
	} else {
		ctl_sanitize(file, clean, sizeof(clean));
		printf("capture of port %s: %s (%lld bytes, pcapng)\n", r->port, clean,
		       (long long)stt.st_size);
		printf("open it with: tshark -r %s   (or Wireshark; it is readable by root only)\n",
		       clean);
	}
	return 0;
}
