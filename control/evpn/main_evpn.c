/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peerlan-evpn: joins peerlan-control and the BGP speaker beside it
 * (gobgpd), a process of its own so that a crash or hang of either side
 * never touches forwarding (docs/architecture.md, "More than one node").
 *
 * Every interval it reads the speaker's EVPN routes and sessions through
 * the `gobgp` CLI (run with an argument vector, never a shell), sends
 * control the whole set of routes received from other VTEPs and whether a
 * session is up (FAB_WIRE_EVPN), and makes the speaker announce exactly
 * what control's reply lists: this node's members as type-2 routes and its
 * VTEP as type-3, adding what is missing and withdrawing what is not
 * wanted any more. Whole state each time: a restart of this process, of
 * gobgpd or of control is in step again after one round.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <jansson.h>

#include "control/cli_client.h"
#include "evpn_gobgp.h"
#include "fabric/wire_evpn.h"

#define OUTPUT_MAX (64u << 20) /* what one gobgp run may print */
#define ARGS_MAX   40

struct opts {
	const char *socket;
	const char *gobgp;
	const char *host;
	const char *port;
	unsigned interval_ms;
	unsigned settle_ms; /* a session must be up this long before its routes count */
	unsigned timeout_ms;
	bool once;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;

	fputs("peerlan-evpn: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Runs gobgp with -u HOST -p PORT and words, collecting what it prints on
 * stdout (its stderr is discarded: the exit status says enough) for at most
 * timeout_ms. Returns its exit status (0 ok), or -1 when it could not run
 * or took too long (then it is killed).
 */
static int gobgp(const struct opts *o, const char *const *words, char **out, size_t *len)
{
	const char *argv[ARGS_MAX + 8];
	size_t n = 0, cap = 0;
	char *buf = NULL;
	int fds[2], status = -1;
	uint64_t deadline = now_ms() + o->timeout_ms;
	pid_t pid;

	argv[n++] = o->gobgp;
	argv[n++] = "-u";
	argv[n++] = o->host;
	argv[n++] = "-p";
	argv[n++] = o->port;
	for (size_t i = 0; words[i] != NULL && n < ARGS_MAX + 7; i++)
		argv[n++] = words[i];
	argv[n] = NULL;
	if (out != NULL) {
		*out = NULL;
		*len = 0;
	}
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(fds[1], STDOUT_FILENO);
		if (null >= 0) {
			dup2(null, STDERR_FILENO);
			dup2(null, STDIN_FILENO);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd p = {.fd = fds[0], .events = POLLIN};
		uint64_t t = now_ms();
		ssize_t r;

		if (t >= deadline || poll(&p, 1, (int)(deadline - t)) <= 0)
			break;
		if (cap - *len < 65536 + 1 || buf == NULL) {
			char *g = cap < OUTPUT_MAX ? realloc(buf, cap ? cap * 2 : 131072) : NULL;

			if (g == NULL)
				break;
			buf = g;
			cap = cap ? cap * 2 : 131072;
		}
		r = read(fds[0], buf + *len, cap - *len - 1);
		if (r <= 0) {
			if (r == 0)
				status = 0;
			break;
		}
		*len += (size_t)r;
	}
	close(fds[0]);
	if (status != 0)
		kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) < 0 || status == -1)
		status = -1;
	else
		status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (buf != NULL)
		buf[*len] = '\0';
	if (out != NULL && status == 0)
		*out = buf;
	else
		free(buf);
	return status;
}

/* gobgp with words and no output kept. */
static int gobgp_do(const struct opts *o, const char *const *words)
{
	size_t len = 0;

	return gobgp(o, words, NULL, &len);
}

static int route_cmp(const struct fab_evpn_route *a, const struct fab_evpn_route *b)
{
	if (a->type != b->type || a->vni != b->vni || a->vtep != b->vtep || a->mac != b->mac ||
	    a->family != b->family)
		return 1;
	return memcmp(a->ip, b->ip, sizeof(a->ip));
}

/* The speaker's own settings: the global AS and router id, and the neighbours. */
static void configure(const struct opts *o, const struct fab_wire_evpn_local *loc,
		      const uint32_t *have, size_t nhave)
{
	char *out = NULL, asn[12], rid[16], nasn[12], addr[16];
	size_t len = 0;
	json_t *g;

	snprintf(asn, sizeof(asn), "%u", loc->asn);
	snprintf(nasn, sizeof(nasn), "%u", loc->neighbor_asn);
	fab_ip4_format(loc->router_id, rid, sizeof(rid));
	/* gobgpd not there: nothing to configure, the caller says so once. */
	if (gobgp(o, (const char *[]){"-j", "global", NULL}, &out, &len) != 0)
		return;
	g = json_loadb(out, len, 0, NULL);
	free(out);
	if (json_integer_value(json_object_get(g, "asn")) == 0) {
		logf_("starting the speaker's BGP: AS %s, router id %s", asn, rid);
		if (gobgp_do(o, (const char *[]){"global", "as", asn, "router-id", rid, NULL}) != 0)
			logf_("gobgp could not start BGP");
	}
	json_decref(g);
	for (uint8_t i = 0; i < loc->nneighbors; i++) {
		bool known = false;

		for (size_t k = 0; k < nhave; k++)
			known = known || have[k] == loc->neighbors[i];
		if (known)
			continue;
		fab_ip4_format(loc->neighbors[i], addr, sizeof(addr));
		logf_("adding neighbour %s, AS %s, family l2vpn-evpn", addr, nasn);
		gobgp_do(o, (const char *[]){"neighbor", "add", addr, "as", nasn, "family",
					     "l2vpn-evpn", NULL});
	}
}

/* One add or del of a local route; false if gobgp failed. */
static bool announce(const struct opts *o, const struct fab_evpn_route *r, const char *rd,
		     uint32_t asn, bool add)
{
	const char *argv[ARGS_MAX];
	char buf[512], line[160];
	int rc;

	if (evpn_gobgp_argv(r, rd, asn, add, argv, ARGS_MAX, buf, sizeof(buf)) < 0)
		return false;
	rc = gobgp_do(o, argv);
	if (rc != 0) {
		fab_evpn_route_format(r, line, sizeof(line));
		logf_("gobgp could not %s %s (exit %d)", add ? "announce" : "withdraw", line, rc);
	}
	return rc == 0;
}

/* Makes the speaker's local EVPN paths what control wants: adds, then withdraws. */
static void reconcile(const struct opts *o, const struct fab_wire_evpn_local *loc,
		      const struct evpn_path *paths, size_t npaths)
{
	bool *wanted = calloc(npaths ? npaths : 1, sizeof(*wanted));
	unsigned added = 0, withdrawn = 0;

	if (wanted == NULL)
		return;
	for (uint32_t i = 0; i < loc->n; i++) {
		struct fab_evpn_route r;
		char rd[EVPN_RD_MAX];
		bool found = false;

		fab_wire_evpn_rec(loc->recs, i, &r);
		fab_evpn_rd(loc->router_id, r.evi, rd, sizeof(rd));
		for (size_t k = 0; k < npaths; k++)
			if (paths[k].local && route_cmp(&paths[k].r, &r) == 0 &&
			    strcmp(paths[k].rd, rd) == 0) {
				wanted[k] = true;
				found = true;
			}
		if (!found)
			added += announce(o, &r, rd, loc->asn, true);
	}
	for (size_t k = 0; k < npaths; k++)
		if (paths[k].local && !wanted[k])
			withdrawn += announce(o, &paths[k].r, paths[k].rd, loc->asn, false);
	if (added || withdrawn)
		logf_("announced %u routes, withdrew %u", added, withdrawn);
	free(wanted);
}

/* What one round knows of the speaker. */
struct speaker {
	bool reachable;
	unsigned established;
	uint32_t neighbors[64];
	size_t nneighbors;
	struct evpn_path *paths;
	size_t npaths;
};

/* The speaker's sessions: how many are established, and their neighbours. */
static int read_sessions(const struct opts *o, unsigned *established, uint32_t *addrs, size_t *n)
{
	char *out = NULL;
	size_t len = 0;
	int rc = gobgp(o, (const char *[]){"-j", "neighbor", NULL}, &out, &len);

	if (rc == 0)
		rc = evpn_gobgp_neighbors(out, len, established, addrs, 64, n);
	free(out);
	return rc;
}

/*
 * The sessions, the RIB, and the sessions again: gobgpd empties the RIB of
 * a session's routes as the session drops, so a RIB read while one dropped
 * is no withdrawal. Such a round counts as one without an established
 * session, and control keeps the routes it has.
 */
static void read_speaker(const struct opts *o, struct speaker *s)
{
	char *out = NULL;
	size_t len = 0, skipped = 0, nafter = 0;
	unsigned after = 0;
	uint32_t addrs[64];

	memset(s, 0, sizeof(*s));
	if (read_sessions(o, &s->established, s->neighbors, &s->nneighbors) != 0)
		return;
	if (gobgp(o, (const char *[]){"-j", "global", "rib", "-a", "evpn", NULL}, &out, &len) !=
		0 ||
	    evpn_gobgp_rib(out, len, &s->paths, &s->npaths, &skipped) != 0) {
		free(out);
		return;
	}
	free(out);
	if (read_sessions(o, &after, addrs, &nafter) != 0) {
		free(s->paths);
		s->paths = NULL;
		s->npaths = 0;
		return;
	}
	if (after < s->established)
		s->established = 0;
	s->reachable = true;
}

/* Sends control the received routes; its reply into *in (header *h). */
static int tell_control(const struct opts *o, int *fd, const struct speaker *s, bool up,
			struct fab_wire_buf *in, struct fab_wire_hdr *h, char *err, size_t errlen)
{
	struct fab_wire_buf out = {0};
	struct fab_evpn_route *r = calloc(s->npaths ? s->npaths : 1, sizeof(*r));
	size_t n = 0;
	int rc;

	if (r == NULL)
		return -ENOMEM;
	for (size_t i = 0; up && i < s->npaths; i++)
		if (!s->paths[i].local)
			r[n++] = s->paths[i].r;
	if (*fd < 0)
		*fd = ctl_client_connect(o->socket);
	rc = *fd < 0 ? *fd : 0;
	if (rc != 0)
		snprintf(err, errlen, "cannot connect to %s: %s", o->socket, strerror(-rc));
	if (rc == 0)
		rc = fab_wire_evpn_routes_encode(&out, 1, up ? FAB_WIRE_EVPN_UP : 0, r, n);
	free(r);
	in->len = 0;
	if (rc == 0)
		rc = ctl_client_exchange(*fd, &out, in, o->timeout_ms, h, err, errlen);
	if (rc == 0 && h->status != 0) {
		fab_wire_error_decode(in->data + FAB_WIRE_HDR_LEN, h->length, err, errlen);
		rc = h->status;
	}
	fab_wire_buf_free(&out);
	if (rc != 0 && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: peerlan-evpn [--socket PATH] [--gobgp PATH] [--api HOST:PORT]\n"
		   "                    [--interval MS] [--settle MS] [--once]\n"
		   "  --socket   peerlan-control's read-write CLI socket (/run/peerlan/cli.sock)\n"
		   "  --gobgp    the gobgp command (gobgp)\n"
		   "  --api      gobgpd's gRPC API (127.0.0.1:50051)\n"
		   "  --interval between two rounds, in ms (1000)\n"
		   "  --settle   how long a session is up before its routes count, in ms (3000)\n"
		   "  --once     one round, then exit (status 0 if control took it)\n");
}

static int parse_opts(int argc, char **argv, struct opts *o, char *api, size_t apilen)
{
	static const struct option longs[] = {
	    {"socket", required_argument, NULL, 's'}, {"gobgp", required_argument, NULL, 'g'},
	    {"api", required_argument, NULL, 'a'},    {"interval", required_argument, NULL, 'i'},
	    {"settle", required_argument, NULL, 'S'}, {"once", no_argument, NULL, '1'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	char *colon;
	bool bad = false;
	int c;

	*o = (struct opts){.socket = "/run/peerlan/cli.sock",
			   .gobgp = "gobgp",
			   .interval_ms = 1000,
			   .settle_ms = 3000,
			   .timeout_ms = 10000};
	snprintf(api, apilen, "127.0.0.1:50051");
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 'g':
			o->gobgp = optarg;
			break;
		case 'a':
			snprintf(api, apilen, "%s", optarg);
			break;
		case 'i':
		case 'S':
			if (ctl_parse_uint(optarg, c == 'i' ? 10 : 0, 600000,
					   c == 'i' ? &o->interval_ms : &o->settle_ms) != 0) {
				fprintf(stderr,
					"peerlan-evpn: --%s takes milliseconds, %u to 600000, not "
					"'%s'\n",
					c == 'i' ? "interval" : "settle", c == 'i' ? 10 : 0,
					optarg);
				bad = true;
			}
			break;
		case '1':
			o->once = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	colon = strrchr(api, ':');
	if (bad || optind != argc || colon == NULL || colon == api || colon[1] == '\0') {
		usage(stderr);
		return -1;
	}
	*colon = '\0';
	o->host = api;
	o->port = colon + 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	char api[256], err[256] = "", last_err[256] = "";
	struct fab_wire_buf in = {0};
	uint64_t up_since = 0;
	bool was_up = false, was_reachable = true;
	int fd = -1, rc = 0;

	if (parse_opts(argc, argv, &o, api, sizeof(api)) != 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!stop) {
		struct speaker s;
		struct fab_wire_hdr h;
		struct fab_wire_evpn_local loc;
		uint64_t t0 = now_ms();
		bool up;

		read_speaker(&o, &s);
		if (s.reachable != was_reachable)
			logf_("gobgpd at %s:%s %s", o.host, o.port,
			      s.reachable ? "answers"
					  : "does not answer; control keeps the last routes");
		was_reachable = s.reachable;
		if (!s.reachable || s.established == 0)
			up_since = 0;
		else if (up_since == 0)
			up_since = t0;
		/* Routes learnt just after a session came up may still be arriving. */
		up = up_since != 0 && t0 - up_since >= o.settle_ms;
		if (up != was_up)
			logf_("BGP EVPN %s", up ? "session established" : "no session established");
		was_up = up;
		rc = tell_control(&o, &fd, &s, up, &in, &h, err, sizeof(err));
		if (rc == 0 &&
		    fab_wire_evpn_local_decode(in.data + FAB_WIRE_HDR_LEN, h.length, &loc) != 0) {
			snprintf(err, sizeof(err), "peerlan-control sent a malformed EVPN reply");
			rc = -EBADMSG;
		}
		if (rc != 0 && strcmp(err, last_err) != 0)
			logf_("%s", err);
		snprintf(last_err, sizeof(last_err), "%s", rc != 0 ? err : "");
		/* A gobgpd without a global configuration lists no neighbour:
		 * it is given one first, and answers from the next round. */
		if (rc == 0 && loc.asn != 0)
			configure(&o, &loc, s.neighbors, s.nneighbors);
		if (rc == 0 && loc.asn != 0 && s.reachable)
			reconcile(&o, &loc, s.paths, s.npaths);
		free(s.paths);
		if (o.once)
			break;
		while (!stop && now_ms() < t0 + o.interval_ms)
			poll(NULL, 0, (int)(t0 + o.interval_ms - now_ms()));
	}
	fab_wire_buf_free(&in);
	if (fd >= 0)
		close(fd);
	return rc == 0 ? 0 : 1;
}
