/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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

static volatile pid_t dumpcap_pid;

/* Ctrl-C (the terminal's goes to dumpcap too) or a SIGTERM of ours: dumpcap
 * stops and writes what it has; we wait for it. */
static void on_int(int sig)
{
	(void)sig;
	if (dumpcap_pid > 0)
		kill(dumpcap_pid, SIGINT);
}

/*
 * dpdk-dumpcap, its output on our stderr. A dataplane that switched user
 * answers only that user's secondary processes, so dumpcap runs as it
 * (uid 0: as we are); RUNTIME_DIRECTORY tells its EAL where the
 * dataplane's runtime directory is, which for a user is not where it
 * would look by itself.
 */
static pid_t spawn_dumpcap(char *const *argv, const char *runtime_dir, uid_t uid, gid_t gid)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0 || setenv("RUNTIME_DIRECTORY", runtime_dir, 1))
		_exit(127);
	if (uid != 0 && (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0)) {
		fprintf(stderr, "peerlanctl: cannot run dpdk-dumpcap as uid %u: %s\n",
			(unsigned int)uid, strerror(errno));
		_exit(127);
	}
	execvp(argv[0], argv);
	fprintf(stderr, "peerlanctl: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* tshark reading the FIFO, its output ours. */
static pid_t spawn_tshark(const char *fifo)
{
	char *argv[] = {"tshark", "-n", "-l", "-r", (char *)fifo, NULL};
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	execvp(argv[0], argv);
	fprintf(stderr, "peerlanctl: cannot run tshark: %s\n", strerror(errno));
	_exit(127);
}

/* A process copying the FIFO into out, the file we made for the operator. */
static pid_t spawn_copy(const char *fifo, int out)
{
	char buf[65536];
	pid_t pid = fork();
	ssize_t n;
	int in;

	if (pid != 0)
		return pid;
	in = open(fifo, O_RDONLY);
	if (in < 0)
		_exit(1);
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue; /* Ctrl-C: dumpcap stops and writes the rest */
		if (n < 0)
			_exit(1);
		for (ssize_t off = 0, w; off < n; off += w) {
			w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w < 0)
				_exit(1);
		}
	}
	_exit(0);
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

/* Says where the capture is (text or JSON). */
static void report(const struct ctl_request *r, const json_t *info, const char *file,
		   const struct stat *st, bool json)
{
	char clean[FAB_PATH_MAX * 2];

	if (json) {
		json_t *o = json_pack("{s:s, s:O, s:O, s:s, s:I}", "port", r->port, "device",
				      json_object_get(info, "device"), "dpdk_port",
				      json_object_get(info, "dpdk_port"), "file", file, "bytes",
				      (json_int_t)st->st_size);

		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		fputc('\n', stdout);
		json_decref(o);
		return;
	}
	ctl_sanitize(file, clean, sizeof(clean));
	printf("capture of port %s: %s (%lld bytes, pcapng)\n", r->port, clean,
	       (long long)st->st_size);
	printf("open it with: tshark -r %s   (or Wireshark; it is readable by root only)\n", clean);
}

int ctl_cli_capture_run(const struct ctl_request *r, const json_t *info, bool json)
{
	const char *prefix = json_string_value(json_object_get(info, "file_prefix"));
	const char *device = json_string_value(json_object_get(info, "device"));
	const char *runtime_dir = json_string_value(json_object_get(info, "runtime_dir"));
	json_int_t dpdk_port = json_integer_value(json_object_get(info, "dpdk_port"));
	uid_t uid = (uid_t)json_integer_value(json_object_get(info, "uid"));
	gid_t gid = (gid_t)json_integer_value(json_object_get(info, "gid"));
	char opt_prefix[FAB_NAME_MAX + 16], port_id[16], count[16], duration[32];
	char fifo[FAB_PATH_MAX], file[FAB_PATH_MAX * 2], clean[FAB_PATH_MAX * 2];
	char *argv[20];
	char fifo_dir[] = "/tmp/peerlan-capture-XXXXXX";
	int argc = 0, rc, out = -1;
	bool copied = false;
	pid_t dumpcap, reader;
	struct sigaction sa = {.sa_handler = on_int}, old_int, old_term;
	struct stat stt;

	if (prefix == NULL || device == NULL || runtime_dir == NULL) {
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
	/* dumpcap writes into a FIFO (not "-w -": it also prints on stdout),
	 * which tshark reads, or we copy into the file: dumpcap may run as the
	 * dataplane's user, and the file is root's alone (members' traffic). */
	if (mkdtemp(fifo_dir) == NULL) {
		fprintf(stderr, "peerlanctl: %s: %s\n", fifo_dir, strerror(errno));
		return 1;
	}
	snprintf(fifo, sizeof(fifo), "%s/capture.pcapng", fifo_dir);
	if (mkfifo(fifo, 0600) != 0 ||
	    (uid != 0 && (chown(fifo_dir, uid, gid) != 0 || chown(fifo, uid, gid) != 0))) {
		fprintf(stderr, "peerlanctl: %s: %s\n", fifo, strerror(errno));
		unlink(fifo);
		rmdir(fifo_dir);
		return 1;
	}
	argv[argc++] = "-w";
	argv[argc++] = fifo;
	argv[argc] = NULL;
	if (!r->tshark) {
		file_name(r->port, file, sizeof(file));
		out = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (out < 0) {
			fprintf(stderr, "peerlanctl: %s: %s\n",
				ctl_sanitize(file, clean, sizeof(clean)), strerror(errno));
			unlink(fifo);
			rmdir(fifo_dir);
			return 1;
		}
	}

	if (!json)
		fprintf(stderr, "capturing port %s (%s, DPDK port %lld) %s%s; Ctrl-C stops\n",
			r->port, device, (long long)dpdk_port,
			r->tshark ? "through tshark" : "into ",
			r->tshark ? "" : ctl_sanitize(file, clean, sizeof(clean)));
	fflush(stderr);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	dumpcap = spawn_dumpcap(argv, runtime_dir, uid, gid);
	dumpcap_pid = dumpcap;
	reader = dumpcap < 0 ? -1 : r->tshark ? spawn_tshark(fifo) : spawn_copy(fifo, out);
	rc = dumpcap > 0 ? wait_child(dumpcap) : -1;
	if (reader > 0) {
		/* A dumpcap that failed before opening the FIFO leaves the reader
		 * waiting in open(): a writer that comes and goes releases it. */
		int fd = open(fifo, O_WRONLY | O_NONBLOCK);

		if (rc != 0)
			kill(reader, SIGTERM);
		if (fd >= 0)
			close(fd);
		copied = wait_child(reader) == 0 || r->tshark;
	}
	dumpcap_pid = 0;
	unlink(fifo);
	rmdir(fifo_dir);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (out >= 0 && (fstat(out, &stt) != 0 || close(out) != 0))
		copied = false;
	if (rc == 0 && !copied) {
		fprintf(stderr, "peerlanctl: could not write the capture into %s\n",
			ctl_sanitize(file, clean, sizeof(clean)));
		unlink(file);
		return 1;
	}
	if (rc != 0) {
		if (!r->tshark)
			unlink(file);
		fprintf(stderr,
			"peerlanctl: dpdk-dumpcap failed (status %d); what it said is above\n", rc);
		return 1;
	}
	if (!r->tshark)
		report(r, info, file, &stt, json);
	return 0;
}
