/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peerlan-snmp: an AgentX subagent of the host's snmpd (net-snmp) serving
 * IF-MIB, BRIDGE-MIB/Q-BRIDGE-MIB, IEEE8023-LAG-MIB and PEERLAN-MIB from
 * peerlan-control's read-only CLI socket.
 *
 * Two threads. The poller asks control for show ports, show mac-table,
 * show status and show lag every few seconds, each with a deadline, and
 * builds a whole new sorted view from the answers; the main thread runs net-snmp and
 * answers snmpd from the newest view, taking a lock only to read which one
 * that is. So a slow or absent control never makes snmpd wait: its
 * requests are answered from the last view, and once that is older than
 * --stale seconds, not at all (noSuchObject), until control answers again.
 * Nothing here can write to control: the read-only socket serves only show
 * commands, and forwarding never depends on either process.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_callbacks.h>

#include "control/cli_client.h"
#include "control/cli_parse.h"
#include "snmp_mib.h"

struct opts {
	const char *socket;
	const char *agentx;
	const char *state_dir;
	unsigned refresh_s;
	unsigned timeout_ms;
	unsigned stale_s;
};

static volatile sig_atomic_t running = 1;
static pthread_mutex_t view_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t poll_wake = PTHREAD_COND_INITIALIZER;
static struct snmp_view *current; /* under view_lock */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t start_ms;

static void on_signal(int sig)
{
	(void)sig;
	running = 0;
}

/* Sets the varbind's value from o. */
static void set_value(netsnmp_variable_list *vb, const struct snmp_view *v,
		      const struct snmp_obj *o)
{
	static const oid zero_dot_zero[] = {0, 0};

	switch (o->type) {
	case ASN_OCTET_STR:
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, snmp_view_text(v, o), o->slen);
		break;
	case ASN_OBJECT_ID:
		snmp_set_var_typed_value(vb, ASN_OBJECT_ID, zero_dot_zero, sizeof(zero_dot_zero));
		break;
	case ASN_COUNTER64: {
		struct counter64 c = {.high = (u_long)(o->v.u >> 32),
				      .low = (u_long)(o->v.u & 0xffffffffu)};

		snmp_set_var_typed_value(vb, ASN_COUNTER64, &c, sizeof(c));
		break;
	}
	case ASN_INTEGER: {
		long l = (long)o->v.i;

		snmp_set_var_typed_value(vb, ASN_INTEGER, &l, sizeof(l));
		break;
	}
	default: { /* Counter32, Gauge32, TimeTicks, Unsigned32 */
		u_long u = (u_long)(o->v.u & 0xffffffffu);

		snmp_set_var_typed_value(vb, o->type, &u, sizeof(u));
		break;
	}
	}
}

static bool under(const oid *name, size_t len, const oid *root, size_t rlen)
{
	return len >= rlen && snmp_oid_compare(name, rlen, root, rlen) == 0;
}

/*
 * The object that answers a GETNEXT of name: name itself if inclusive and
 * it is there, else the first one after it; none (NULL) past end (endlen
 * 0: no end) or past the view. v may be NULL (nothing served).
 */
static const struct snmp_obj *next_obj(const struct snmp_view *v, const oid *name, size_t len,
				       bool inclusive, const oid *end, size_t endlen)
{
	const struct snmp_obj *o = inclusive ? snmp_view_get(v, name, len) : NULL;

	if (o == NULL)
		o = snmp_view_next(v, name, len);
	if (o != NULL && endlen > 0 && snmp_oid_compare(o->name, o->len, end, endlen) >= 0)
		return NULL;
	return o;
}

/* GET: the object named, or why there is none. */
static void get_value(netsnmp_variable_list *vb, const struct snmp_view *v)
{
	const struct snmp_obj *o = snmp_view_get(v, vb->name, vb->name_length);

	if (o != NULL)
		set_value(vb, v, o);
	else
		snmp_set_var_typed_value(vb, v == NULL ? SNMP_NOSUCHOBJECT : SNMP_NOSUCHINSTANCE,
					 NULL, 0);
}

/*
 * The handler registered for every subtree: what net-snmp's agent engine
 * calls for a request that answer_direct() leaves to it (a GETBULK from a
 * master that sends them, a non-default context).
 */
static int handle(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
		  netsnmp_agent_request_info *info, netsnmp_request_info *requests)
{
	(void)handler;
	pthread_mutex_lock(&view_lock);
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		netsnmp_variable_list *vb = r->requestvb;
		const struct snmp_obj *o;

		if (r->processed)
			continue;
		switch (info->mode) {
		case MODE_GET:
			get_value(vb, current);
			break;
		case MODE_GETNEXT:
			o = next_obj(current, vb->name, vb->name_length, r->inclusive != 0,
				     r->range_end, r->range_end != NULL ? r->range_end_len : 0);
			/* Past our subtree, or the range the master asked for: not
			 * ours to answer, the agent moves on. */
			if (o == NULL || !under(o->name, o->len, reg->rootoid, reg->rootoid_len))
				break;
			snmp_set_var_objid(vb, o->name, o->len);
			set_value(vb, current, o);
			break;
		default:
			netsnmp_set_request_error(info, r, SNMP_ERR_NOTWRITABLE);
			break;
		}
	}
	pthread_mutex_unlock(&view_lock);
	return SNMP_ERR_NOERROR;
}

/*
 * The AgentX PDU types of RFC 2741 (section 6.1), as net-snmp's AgentX
 * session hands them to its callback in pdu->command.
 */
enum { AX_MSG_GET = 5, AX_MSG_GETNEXT = 6, AX_MSG_RESPONSE = 18 };

static netsnmp_callback ax_engine; /* net-snmp's own callback of the session */

/*
 * The AgentX session's callback. net-snmp's subagent passes every request
 * from the master on to its own agent engine through an internal session
 * (two pipe round trips and a request cache per PDU) and back. snmpd's
 * master sends a GETBULK to a subagent as one AgentX GETNEXT per
 * repetition, so a walk of 500 ports is 20,000 such PDUs: the GET and
 * GETNEXT of the default context are answered here, straight from the
 * view, with the same answers; everything else (responses, close, other
 * contexts) goes to net-snmp's callback.
 */
static int answer_direct(int op, netsnmp_session *s, int reqid, netsnmp_pdu *pdu, void *magic)
{
	netsnmp_pdu *resp;

	if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || pdu == NULL ||
	    (pdu->command != AX_MSG_GET && pdu->command != AX_MSG_GETNEXT) ||
	    pdu->community_len != 0 || (resp = snmp_clone_pdu(pdu)) == NULL)
		return ax_engine(op, s, reqid, pdu, magic);
	pthread_mutex_lock(&view_lock);
	for (netsnmp_variable_list *vb = resp->variables; vb != NULL; vb = vb->next_variable) {
		const struct snmp_obj *o;
		/* The search range's end, or none (a null OID). */
		size_t endlen = vb->val.objid != NULL ? vb->val_len / sizeof(oid) : 0;
		oid end[MAX_OID_LEN];

		if (endlen > MAX_OID_LEN)
			endlen = 0;
		if (endlen > 0)
			memcpy(end, vb->val.objid, endlen * sizeof(oid));
		if (pdu->command == AX_MSG_GET) {
			get_value(vb, current);
			continue;
		}
		o = next_obj(current, vb->name, vb->name_length, vb->type == ASN_PRIV_INCL_RANGE,
			     end, endlen);
		if (o == NULL) { /* RFC 2741 7.2.3.2: the start name, endOfMibView */
			snmp_set_var_typed_value(vb, SNMP_ENDOFMIBVIEW, NULL, 0);
			continue;
		}
		snmp_set_var_objid(vb, o->name, o->len);
		set_value(vb, current, o);
	}
	pthread_mutex_unlock(&view_lock);
	resp->command = AX_MSG_RESPONSE;
	resp->errstat = SNMP_ERR_NOERROR;
	resp->errindex = 0;
	resp->time = netsnmp_get_agent_uptime();
	if (snmp_send(s, resp) == 0)
		snmp_free_pdu(resp);
	return 1;
}

/* A new AgentX session with the master (at start and after every
 * reconnection): its requests come to answer_direct() first. */
static int on_session(int major, int minor, void *server, void *client)
{
	netsnmp_session *s = server;

	(void)major;
	(void)minor;
	(void)client;
	if (s != NULL && s->callback != answer_direct) {
		ax_engine = s->callback;
		s->callback = answer_direct;
	}
	return SNMP_ERR_NOERROR;
}

static int register_all(void)
{
	for (size_t i = 0; i < snmp_nsubtrees; i++) {
		const struct snmp_subtree *t = &snmp_subtrees[i];
		netsnmp_handler_registration *reg = netsnmp_create_handler_registration(
		    t->name, handle, t->root, t->len, HANDLER_CAN_RONLY);

		if (reg == NULL || netsnmp_register_handler(reg) != MIB_REGISTERED_OK) {
			fprintf(stderr, "peerlan-snmp: cannot register %s\n", t->name);
			return -1;
		}
	}
	return 0;
}

/* NULL with err set on failure; *refused (if given) tells a command this
 * control does not know or refuses from one it never answered. */
static json_t *ask(int fd, const char *cmd, unsigned timeout_ms, bool *refused, char *err,
		   size_t errlen)
{
	char line[64];
	char *argv[4];
	int argc = 0, rc;
	struct ctl_request *r = calloc(1, sizeof(*r));
	json_t *reply = NULL;

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(line, sizeof(line), "%s", cmd);
	for (char *s = strtok(line, " "); s != NULL && argc < 4; s = strtok(NULL, " "))
		argv[argc++] = s;
	rc = ctl_cli_parse(argc, argv, r, err, errlen);
	if (refused != NULL)
		*refused = rc != 0;
	if (rc == 0)
		rc = ctl_client_call_timeout(fd, r, NULL, 0, (int)timeout_ms, &reply, err, errlen);
	free(r);
	if (rc != 0 && reply != NULL) {
		if (refused != NULL)
			*refused = true;
		const char *m = json_string_value(json_object_get(reply, "error"));

		snprintf(err, errlen, "%s: %s", cmd, m != NULL ? m : strerror(-rc));
		json_decref(reply);
		return NULL;
	}
	return reply;
}

/*
 * One round: the four answers, then a new view. 0 or -1 with err set. A
 * control that does not know show lag (older than LAGs) has none: the
 * view is built without; one that does not answer it fails the round, so
 * that LAGs never vanish from the view for a slow answer.
 */
static int refresh(const struct opts *o, struct snmp_mib *mib, char *err, size_t errlen)
{
	int fd = ctl_client_connect(o->socket);
	json_t *ports = NULL, *macs = NULL, *status = NULL, *lags = NULL;
	bool lag_refused = false, lag_ok = false;
	struct snmp_view *v = NULL, *old;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", o->socket, strerror(-fd));
		return -1;
	}
	ports = ask(fd, "show ports", o->timeout_ms, NULL, err, errlen);
	if (ports != NULL)
		macs = ask(fd, "show mac-table", o->timeout_ms, NULL, err, errlen);
	if (macs != NULL)
		status = ask(fd, "show status", o->timeout_ms, NULL, err, errlen);
	if (status != NULL) {
		lags = ask(fd, "show lag", o->timeout_ms, &lag_refused, err, errlen);
		lag_ok = lags != NULL || lag_refused;
		if (lags == NULL && lag_refused)
			err[0] = '\0';
	}
	close(fd);
	if (lag_ok)
		v = snmp_mib_build(mib, ports, macs, status, lags,
				   (uint32_t)((mono_ms() - start_ms) / 10), err, errlen);
	json_decref(ports);
	json_decref(macs);
	json_decref(status);
	json_decref(lags);
	if (v == NULL)
		return -1;
	pthread_mutex_lock(&view_lock);
	old = current;
	current = v;
	pthread_mutex_unlock(&view_lock);
	snmp_view_destroy(old);
	return 0;
}

struct poller {
	const struct opts *o;
	struct snmp_mib *mib;
};

static void *poll_loop(void *arg)
{
	struct poller *p = arg;
	uint64_t last_ok = 0;
	bool failing = false;

	while (running) {
		char err[512] = "";
		struct timespec until;

		if (refresh(p->o, p->mib, err, sizeof(err)) == 0) {
			if (err[0] != '\0') /* served, with a warning */
				fprintf(stderr, "peerlan-snmp: %s\n", err);
			if (failing || last_ok == 0)
				fprintf(stderr, "peerlan-snmp: serving from %s\n", p->o->socket);
			failing = false;
			last_ok = mono_ms();
		} else {
			if (err[0] != '\0' && !failing)
				fprintf(stderr, "peerlan-snmp: %s\n", err);
			failing = true;
			if (mono_ms() - last_ok > (uint64_t)p->o->stale_s * 1000) {
				struct snmp_view *old;

				pthread_mutex_lock(&view_lock);
				old = current;
				current = NULL;
				pthread_mutex_unlock(&view_lock);
				if (old != NULL)
					fprintf(
					    stderr,
					    "peerlan-snmp: no answer for %u s: serving nothing\n",
					    p->o->stale_s);
				snmp_view_destroy(old);
			}
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += p->o->refresh_s;
		pthread_mutex_lock(&view_lock);
		if (running)
			pthread_cond_timedwait(&poll_wake, &view_lock, &until);
		pthread_mutex_unlock(&view_lock);
	}
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: peerlan-snmp [OPTION...]\n"
		   "  -s, --socket PATH     peerlan-control's read-only CLI socket\n"
		   "                        (default /run/peerlan/cli-ro.sock)\n"
		   "  -x, --agentx ADDRESS  snmpd's AgentX socket (default net-snmp's,\n"
		   "                        /var/agentx/master)\n"
		   "  -d, --state-dir DIR   where the ifIndex of every port is kept\n"
		   "                        (default /var/lib/peerlan-snmp)\n"
		   "  -r, --refresh SECONDS how often to read control (default 5)\n"
		   "  -t, --timeout MS      deadline of each answer of control (default 2000)\n"
		   "  -S, --stale SECONDS   serve nothing when control has not answered\n"
		   "                        for this long (default 30)\n"
		   "  -h, --help\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"agentx", required_argument, NULL, 'x'},
	    {"state-dir", required_argument, NULL, 'd'},
	    {"refresh", required_argument, NULL, 'r'},
	    {"timeout", required_argument, NULL, 't'},
	    {"stale", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "s:x:d:r:t:S:h", lo, NULL)) != -1) {
		int rc = 0;

		switch (ch) {
		case 's':
			o->socket = optarg;
			break;
		case 'x':
			o->agentx = optarg;
			break;
		case 'd':
			o->state_dir = optarg;
			break;
		case 'r':
			rc = ctl_parse_uint(optarg, 1, 3600, &o->refresh_s);
			break;
		case 't':
			rc = ctl_parse_uint(optarg, 10, 60000, &o->timeout_ms);
			break;
		case 'S':
			rc = ctl_parse_uint(optarg, 1, 86400, &o->stale_s);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
		if (rc != 0) {
			fprintf(stderr, "peerlan-snmp: -%c %s: not a number in range\n", ch,
				optarg);
			return rc;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {
	    .socket = "/run/peerlan/cli-ro.sock",
	    .state_dir = "/var/lib/peerlan-snmp",
	    .refresh_s = 5,
	    .timeout_ms = 2000,
	    .stale_s = 30,
	};
	struct sigaction sa = {.sa_handler = on_signal};
	char path[4096], err[512] = "";
	struct snmp_mib *mib;
	struct poller p;
	pthread_t thr;

	if (parse_opts(argc, argv, &o) != 0)
		return 2;
	if ((size_t)snprintf(path, sizeof(path), "%s/ifindex", o.state_dir) >= sizeof(path)) {
		fprintf(stderr, "peerlan-snmp: state directory name too long\n");
		return 1;
	}
	if (mkdir(o.state_dir, 0750) != 0 && errno != EEXIST) {
		fprintf(stderr, "peerlan-snmp: %s: %s\n", o.state_dir, strerror(errno));
		return 1;
	}
	mib = snmp_mib_create(path, err, sizeof(err));
	if (mib == NULL) {
		fprintf(stderr, "peerlan-snmp: %s\n", err);
		return 1;
	}
	start_ms = mono_ms();
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	snmp_enable_stderrlog();
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	if (o.agentx != NULL)
		netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET,
				      o.agentx);
	/* Reconnect by itself when snmpd restarts. */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL, 5);
	/* No MIB files are needed: everything is served by number. */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	setenv("MIBS", "", 1);
	if (init_agent("peerlan-snmp") != 0) {
		fprintf(stderr, "peerlan-snmp: cannot start the AgentX subagent\n");
		snmp_mib_destroy(mib);
		return 1;
	}
	if (register_all() != 0 ||
	    snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_START,
				   on_session, NULL) != SNMPERR_SUCCESS) {
		snmp_mib_destroy(mib);
		return 1;
	}
	init_snmp("peerlan-snmp");

	p.o = &o;
	p.mib = mib;
	if (pthread_create(&thr, NULL, poll_loop, &p) != 0) {
		fprintf(stderr, "peerlan-snmp: cannot start the poller\n");
		return 1;
	}
	while (running)
		agent_check_and_process(1);

	pthread_mutex_lock(&view_lock);
	pthread_cond_signal(&poll_wake);
	pthread_mutex_unlock(&view_lock);
	pthread_join(thr, NULL);
	snmp_shutdown("peerlan-snmp");
	snmp_view_destroy(current);
	snmp_mib_destroy(mib);
	return 0;
}
