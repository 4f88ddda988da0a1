/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peerlan-control's logic against a fake dataplane on a Unix socket:
 * connect and resync, transactions (apply, confirm, rollback, time-out),
 * bad configurations, port admin state across restarts of either side,
 * counters and their display baseline, the CLI sockets.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "control/cli_client.h"
#include "control/cli_parse.h"
#include "control/cli_text.h"
#include "control/ctl.h"
#include "control/ctl_int.h"
#include "tests/control/fake_dp.h"

struct env {
	char dir[64];
	char dp_sock[128];
	char cfg[128];
	struct fake_dp *dp;
	struct ctl *ctl;
};

/* The base configuration: two ports, one member. %s is the test directory. */
static const char base_fmt[] = "fabric: {name: t}\n"
			       "management:\n"
			       "  control-socket: %s/dp.sock\n"
			       "  cli-socket: %s/cli.sock\n"
			       "  cli-readonly-socket: %s/cli-ro.sock\n"
			       "  state-dir: %s/state\n"
			       "  cli-group: peerlan-test-none\n"
			       "  metrics: off\n"
			       "lans:\n"
			       "  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24}\n"
			       "ports:\n"
			       "  - {name: p1, device: net_null0, lans: [peering]}\n"
			       "  - {name: p2, device: net_null1, lans: [peering]}\n"
			       "  - {name: p3, device: net_null2, lans: [peering]}\n"
			       "members:\n"
			       "  - asn: 64501\n"
			       "    name: One\n"
			       "    connections:\n"
			       "      - port: p1\n"
			       "        lans:\n"
			       "          - {lan: peering, macs: [02:00:00:00:00:01], ipv4: "
			       "[192.0.2.1]}\n"
			       "%s";

static const char member2[] = "  - asn: 64502\n"
			      "    name: \"Two \\\"q\\\" \\u202ex\"\n"
			      "    connections:\n"
			      "      - port: p2\n"
			      "        lans:\n"
			      "          - {lan: peering, macs: [02:00:00:00:00:02], ipv4: "
			      "[192.0.2.2]}\n";

static char *config_text(const struct env *e, const char *extra)
{
	char *t = NULL;

	assert_true(asprintf(&t, base_fmt, e->dir, e->dir, e->dir, e->dir, extra) > 0);
	return t;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct ctl *start_ctl(struct env *e)
{
	struct ctl_opts o = {.config_path = e->cfg, .poll_ms = 100, .backoff_max_ms = 50};
	struct fab_config_errors errs = {0};
	struct ctl *c = ctl_create(&o, &errs);

	if (c == NULL)
		fab_config_errors_print(&errs, stderr);
	assert_non_null(c);
	fab_config_errors_clear(&errs);
	return c;
}

/* Turns the control loop until cond holds or about ms pass. */
static bool run_until(struct env *e, bool (*cond)(struct env *), int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		ctl_run_once(e->ctl, 10);
		if (cond(e))
			return true;
	}
	return cond(e);
}

static bool synced(struct env *e)
{
	return ctl_dp_connected(e->ctl);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char *text;

	snprintf(e->dir, sizeof(e->dir), "/tmp/pl-ctl-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->dp_sock, sizeof(e->dp_sock), "%s/dp.sock", e->dir);
	snprintf(e->cfg, sizeof(e->cfg), "%s/peerlan.yaml", e->dir);
	text = config_text(e, "");
	write_file(e->cfg, text);
	e->dp = fake_dp_start(e->dp_sock, text);
	assert_non_null(e->dp);
	free(text);
	e->ctl = start_ctl(e);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char cmd[256];

	ctl_destroy(e->ctl);
	fake_dp_stop(e->dp);
	/* Only what this test made, by its exact name. */
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", e->dir);
	assert_int_equal(system(cmd), 0);
	free(e);
	return 0;
}

/* Runs a command line against control, as the read-write socket would. */
static int exec_line(struct env *e, const char *line, const char *file_text, json_t **out)
{
	struct fab_wire_cli *w = calloc(1, sizeof(*w));
	char *copy = strdup(line), *save = NULL;
	int rc;

	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
		snprintf(w->argv[w->argc++], sizeof(w->argv[0]), "%s", t);
	w->file = file_text;
	w->file_len = file_text ? strlen(file_text) : 0;
	rc = ctl_exec(e->ctl, w, false, out);
	free(copy);
	free(w);
	return rc;
}

static json_t *exec_ok(struct env *e, const char *line, const char *file_text)
{
	json_t *out = NULL;
	int rc = exec_line(e, line, file_text, &out);

	if (rc != 0)
		fprintf(stderr, "%s: %s\n", line, json_dumps(out, 0));
	assert_int_equal(rc, 0);
	assert_non_null(out);
	return out;
}

/* Runs a command that must fail with status and say msg in its error. */
static void exec_fails(struct env *e, const char *line, const char *file_text, int status,
		       const char *msg)
{
	json_t *out = NULL;
	const char *err;

	assert_int_equal(exec_line(e, line, file_text, &out), status);
	err = json_string_value(json_object_get(out, "error"));
	assert_non_null(err);
	if (strstr(err, msg) == NULL)
		fail_msg("%s: error '%s' does not say '%s'", line, err, msg);
	json_decref(out);
}

/* Turns the loop until control is in sync; returns the dataplane's configuration digest. */
static uint64_t synced_digest(struct env *e)
{
	struct fake_dp_view v;

	assert_true(run_until(e, synced, 2000));
	fake_dp_view(e->dp, &v);
	return v.digest;
}

/* Turns the loop until the dataplane saw these many pushes and we are synced. */
static void run_until_pushed(struct env *e, unsigned config_sets, unsigned port_admins,
			     struct fake_dp_view *v)
{
	for (int i = 0; i < 300; i++) {
		ctl_run_once(e->ctl, 10);
		fake_dp_view(e->dp, v);
		if (v->config_sets == config_sets && v->port_admins == port_admins &&
		    ctl_dp_connected(e->ctl))
			return;
	}
}

static void test_connect_same_config_pushes_nothing(void **state)
{
	struct env *e = *state;
	struct fake_dp_view v;

	assert_true(run_until(e, synced, 2000));
	fake_dp_view(e->dp, &v);
	assert_int_equal(v.hellos, 1);
	assert_int_equal(v.config_sets, 0);
	assert_int_equal(v.port_admins, 0);
	assert_int_equal(ctl_dp_generation(e->ctl), 1);
}

static void test_dataplane_absent_then_present(void **state)
{
	struct env *e = *state;
	char *text = config_text(e, "");

	fake_dp_stop(e->dp);
	e->dp = NULL;
	for (int i = 0; i < 20; i++)
		ctl_run_once(e->ctl, 10);
	assert_false(ctl_dp_connected(e->ctl));
	/* show works without a dataplane, and says so. */
	{
		json_t *o = exec_ok(e, "show status", NULL);

		json_t *dp = json_object_get(o, "dataplane");

		assert_true(json_is_false(json_object_get(dp, "connected")));
		assert_non_null(strstr(json_string_value(json_object_get(dp, "last_error")),
				       "connect: No such file"));
		json_decref(o);
	}
	e->dp = fake_dp_start(e->dp_sock, text);
	assert_true(run_until(e, synced, 2000));
	free(text);
}

static bool never(struct env *e)
{
	(void)e;
	return false;
}

/* A dataplane without --matrix is asked once per connection, not at every
 * poll; show traffic and /metrics/p2p say the matrix is off. */
static void test_matrix_off_asked_once(void **state)
{
	struct env *e = *state;
	struct fake_dp_view v;
	char *page = NULL;
	size_t len = 0;
	FILE *f;

	assert_true(run_until(e, synced, 2000));
	run_until(e, never, 1000); /* ten polls */
	fake_dp_view(e->dp, &v);
	assert_int_equal(v.matrix_gets, 1);
	assert_int_equal(v.refusals, 0);
	exec_fails(e, "show traffic", NULL, -ENOTSUP, "start it with --matrix");
	f = open_memstream(&page, &len);
	assert_non_null(f);
	assert_int_equal(ctl_p2p_metrics(e->ctl, f), 0);
	fclose(f);
	assert_non_null(strstr(page, "\npeerlan_p2p_matrix_enabled 0\n"));
	assert_null(strstr(page, "peerlan_p2p_pairs"));
	free(page);
	fake_dp_view(e->dp, &v);
	assert_int_equal(v.matrix_gets, 1);
	/* A new connection may be to a dataplane restarted with --matrix: asked again. */
	fake_dp_drop_client(e->dp);
	run_until(e, never, 1000);
	assert_true(ctl_dp_connected(e->ctl));
	fake_dp_view(e->dp, &v);
	assert_int_equal(v.matrix_gets, 2);
}

static void test_resync_pushes_config_when_dataplane_differs(void **state)
{
	struct env *e = *state;
	char *other = config_text(e, member2);
	struct fake_dp_view v;
	uint64_t digest = synced_digest(e);

	/* The dataplane restarts with another file: control brings it back. */
	fake_dp_restart(e->dp, other);
	fake_dp_view(e->dp, &v);
	assert_true(v.digest != digest);
	run_until_pushed(e, 1, 0, &v);
	fake_dp_view(e->dp, &v);
	assert_int_equal(v.config_sets, 1);
	assert_true(v.digest == digest);
	assert_int_equal(v.generation, 2);
	free(other);
}

static bool rolled_back(struct env *e)
{
	return ctl_running(e->ctl)->nmembers == 1;
}

/* A reload behind control's back is undone within a poll interval. */
static void test_drift_is_undone(void **state)
{
	struct env *e = *state;
	char *other = config_text(e, member2);
	struct fake_dp_view v;
	uint64_t digest = synced_digest(e);

	fake_dp_reload(e->dp, other);
	run_until_pushed(e, 1, 0, &v);
	assert_int_equal(v.config_sets, 1);
	assert_true(v.digest == digest);
	assert_int_equal(v.generation, 3);
	assert_int_equal(v.connections, 1);
	free(other);
}

/* The confirm time runs out while the dataplane is away: the rollback waits for it. */
static void test_confirm_runs_out_while_disconnected(void **state)
{
	struct env *e = *state;
	char *text = config_text(e, member2);
	struct fake_dp_view v;
	uint64_t digest0 = synced_digest(e);

	json_decref(exec_ok(e, "config apply new.yaml confirm 1", text));
	fake_dp_stop(e->dp);
	e->dp = NULL;
	assert_true(run_until(e, rolled_back, 3000));
	assert_false(ctl_dp_connected(e->ctl));
	/* The dataplane comes back with the applied configuration; control fixes it. */
	e->dp = fake_dp_start(e->dp_sock, text);
	assert_non_null(e->dp);
	run_until_pushed(e, 1, 0, &v);
	assert_true(v.digest == digest0);
	free(text);
}

static void test_apply_good_config(void **state)
{
	struct env *e = *state;
	char *text = config_text(e, member2);
	struct fake_dp_view v;
	json_t *o;
	char path[160];
	struct stat st;

	assert_true(run_until(e, synced, 2000));
	o = exec_ok(e, "config diff new.yaml", text);
	assert_true(json_array_size(json_object_get(o, "diff")) > 0);
	json_decref(o);
	fake_dp_view(e->dp, &v);
	assert_int_equal(v.config_sets, 0); /* diff changes nothing */

	o = exec_ok(e, "config apply new.yaml", text);
	assert_int_equal(json_integer_value(json_object_get(o, "generation")), 2);
	json_decref(o);
	fake_dp_view(e->dp, &v);
	assert_int_equal(v.config_sets, 1);
	assert_int_equal(v.generation, 2);
	assert_int_equal(ctl_running(e->ctl)->nmembers, 2);
	snprintf(path, sizeof(path), "%s/state/committed.yaml", e->dir);
	assert_int_equal(stat(path, &st), 0);

	/* The same file again: nothing to push. */
	o = exec_ok(e, "config apply new.yaml", text);
	json_decref(o);
	fake_dp_view(e->dp, &v);
	assert_int_equal(v.config_sets, 1);

	/* Rollback goes to the configuration before the last commit. */
	o = exec_ok(e, "config rollback", NULL);
	json_decref(o);
	assert_int_equal(ctl_running(e->ctl)->nmembers, 1);
	fake_dp_view(e->dp, &v);
	assert_int_equal(v.config_sets, 2);
	free(text);
}

static void test_bad_config_changes_nothing(void **state)
{
	struct env *e = *state;
	struct fake_dp_view v;
	json_t *o = NULL;
	const char *bad = "fabric: {name: t}\nports:\n  - {name: p1, mtu: 99999}\nbogus: 1\n";
	int rc;

	assert_true(run_until(e, synced, 2000));
	rc = exec_line(e, "config apply bad.yaml", bad, &o);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(json_object_get(o, "error"));
	/* Every error, each as {file, line, col, message}. */
	assert_true(json_array_size(json_object_get(o, "errors")) >= 2);
	{
		const json_t *e0 = json_array_get(json_object_get(o, "errors"), 0);

		assert_non_null(strstr(json_string_value(json_object_get(e0, "file")), "bad.yaml"));
		assert_true(json_integer_value(json_object_get(e0, "line")) > 0);
		assert_true(json_integer_value(json_object_get(e0, "col")) > 0);
		assert_non_null(json_string_value(json_object_get(e0, "message")));
	}
	json_decref(o);
	exec_fails(e, "config check bad.yaml", bad, -EINVAL, "nothing changed");
	/* The import runs in peerlanctl; control never writes a file a peer names. */
	exec_fails(e, "config import ixf export x.json map m.yaml output /tmp/x.yaml", NULL,
		   -EINVAL, "runs in peerlanctl");
	fake_dp_view(e->dp, &v);
	assert_int_equal(v.config_sets, 0);
	assert_int_equal(ctl_running(e->ctl)->nports, 3);

	/* A valid file the dataplane refuses also changes nothing here. */
	{
		char *text = config_text(e, member2);

		fake_dp_fail_config(e->dp, -EBUSY);
		exec_fails(e, "config apply new.yaml", text, -EBUSY, "refused by the test");
		assert_int_equal(ctl_running(e->ctl)->nmembers, 1);
		fake_dp_fail_config(e->dp, 0);
		free(text);
	}
}

/* Replaces the first from in t (a config_text) by to; the caller frees. */
static char *edited(const char *t, const char *from, const char *to)
{
	const char *at = strstr(t, from);
	char *out = NULL;

	assert_non_null(at);
	assert_true(asprintf(&out, "%.*s%s%s", (int)(at - t), t, to, at + strlen(from)) > 0);
	return out;
}

/* A port's device changed or a port removed: said before, and relayed when refused. */
static void test_port_change_needs_restart(void **state)
{
	static const char dev_reason[] = "port p2: device net_null1 -> net_null9";
	struct env *e = *state;
	char *text = config_text(e, ""), *redev, *unport, *rendered = NULL;
	struct fake_dp_view v;
	size_t rlen = 0;
	FILE *f;
	json_t *o, *rs;

	redev = edited(text, "device: net_null1", "device: net_null9");
	unport = edited(text, "  - {name: p3, device: net_null2, lans: [peering]}\n", "");
	assert_true(run_until(e, synced, 2000));

	o = exec_ok(e, "config check same.yaml", text);
	assert_int_equal(json_array_size(json_object_get(o, "restart_needed")), 0);
	json_decref(o);
	o = exec_ok(e, "config check redev.yaml", redev);
	rs = json_object_get(o, "restart_needed");
	assert_int_equal(json_array_size(rs), 1);
	assert_non_null(strstr(json_string_value(json_array_get(rs, 0)), dev_reason));
	f = open_memstream(&rendered, &rlen);
	ctl_text_render(&(struct ctl_request){.cmd = CTL_CONFIG_CHECK}, o, f);
	fclose(f);
	assert_non_null(strstr(rendered, "configuration OK"));
	assert_non_null(strstr(rendered, "needs a dataplane restart"));
	assert_non_null(strstr(rendered, dev_reason));
	free(rendered);
	json_decref(o);
	o = exec_ok(e, "config diff unport.yaml", unport);
	rs = json_object_get(o, "restart_needed");
	assert_int_equal(json_array_size(rs), 1);
	assert_non_null(
	    strstr(json_string_value(json_array_get(rs, 0)), "port p3 (net_null2) removed"));
	json_decref(o);

	/* The dataplane's own reason comes back, and nothing changes. */
	exec_fails(e, "config apply redev.yaml", redev, -EINVAL, dev_reason);
	exec_fails(e, "config apply unport.yaml", unport, -EINVAL, "port p3 (net_null2) removed");
	assert_int_equal(ctl_running(e->ctl)->nports, 3);
	assert_string_equal(ctl_running(e->ctl)->ports[1].device, "net_null1");
	fake_dp_view(e->dp, &v);
	assert_int_equal(v.generation, 1);
	assert_int_equal(v.nports, 3);
	free(text);
	free(redev);
	free(unport);
}

static void test_apply_confirm_times_out_and_rolls_back(void **state)
{
	struct env *e = *state;
	char *text = config_text(e, member2);
	struct fake_dp_view v;
	uint64_t digest0 = synced_digest(e);
	json_t *o = NULL;

	o = exec_ok(e, "config apply new.yaml confirm 1", text);
	assert_int_equal(json_integer_value(json_object_get(o, "confirm_within_s")), 1);
	json_decref(o);
	assert_int_equal(ctl_running(e->ctl)->nmembers, 2);
	/* A second apply waits for the first to be settled. */
	exec_fails(e, "config apply new.yaml", text, -EBUSY, "waiting for `config confirm`");
	assert_true(run_until(e, rolled_back, 3000));
	fake_dp_view(e->dp, &v);
	assert_true(v.digest == digest0);
	assert_int_equal(v.generation, 3);
	/* Nothing left to confirm. */
	exec_fails(e, "config confirm", NULL, -ENOENT, "nothing to confirm");
	free(text);
}

static void test_apply_confirm_confirmed_stays(void **state)
{
	struct env *e = *state;
	char *text = config_text(e, member2);
	json_t *o;

	assert_true(run_until(e, synced, 2000));
	json_decref(exec_ok(e, "config apply new.yaml confirm 1", text));
	json_decref(exec_ok(e, "config confirm", NULL));
	for (int i = 0; i < 150; i++)
		ctl_run_once(e->ctl, 10);
	assert_int_equal(ctl_running(e->ctl)->nmembers, 2);
	o = exec_ok(e, "show status", NULL);
	assert_true(json_is_null(json_object_get(o, "confirm_left_s")));
	json_decref(o);

	/* An explicit rollback of a pending apply. */
	json_decref(exec_ok(e, "config rollback", NULL));
	assert_int_equal(ctl_running(e->ctl)->nmembers, 1);
	free(text);
}

/* A shutdown survives a restart of control and a restart of the dataplane. */
static void test_port_shutdown_across_restarts(void **state)
{
	struct env *e = *state;
	struct fake_dp_view v;
	char *text = config_text(e, "");
	json_t *o;

	assert_true(run_until(e, synced, 2000));
	o = exec_ok(e, "port p2 shutdown", NULL);
	json_decref(o);
	fake_dp_view(e->dp, &v);
	assert_int_equal(v.admin[1], 0);
	assert_int_equal(v.port_admins, 1);
	assert_int_equal(v.config_sets, 0); /* no table rebuild for an admin change */

	/* Control restarts (kill -9 would do the same): nothing to push. */
	ctl_destroy(e->ctl);
	e->ctl = start_ctl(e);
	assert_false(ctl_running(e->ctl)->ports[1].admin_up);
	assert_true(run_until(e, synced, 2000));
	fake_dp_view(e->dp, &v);
	assert_int_equal(v.port_admins, 1);
	assert_int_equal(v.config_sets, 0);
	assert_int_equal(v.connections, 2);

	/* The dataplane restarts from its file (p2 up): control shuts p2 again. */
	fake_dp_restart(e->dp, text);
	run_until_pushed(e, 0, 1, &v);
	assert_int_equal(v.admin[1], 0);
	assert_int_equal(v.config_sets, 0);

	o = exec_ok(e, "port p2 no shutdown", NULL);
	json_decref(o);
	fake_dp_view(e->dp, &v);
	assert_int_equal(v.admin[1], 1);
	exec_fails(e, "port nosuch shutdown", NULL, -ENOENT, "no such port: nosuch");
	free(text);
}

static void test_counters_and_clear(void **state)
{
	struct env *e = *state;
	struct fake_dp_view v;
	json_t *o, *ctr;

	assert_true(run_until(e, synced, 2000));
	fake_dp_traffic(e->dp, 0, 100, 100);
	o = exec_ok(e, "show port p1", NULL);
	ctr = json_object_get(o, "counters");
	assert_int_equal(json_integer_value(json_object_get(ctr, "rx_packets")), 100);
	/* Every counter and every drop reason is there by name. */
	assert_int_equal(json_object_size(ctr), FAB_CTR__COUNT);
	assert_int_equal(json_object_size(json_object_get(o, "drops")), FAB_DROP__COUNT);
	json_decref(o);

	fake_dp_drops(e->dp, 0, FAB_DROP_runt, 7, 0x020000000099ULL);
	json_decref(exec_ok(e, "clear counters p1", NULL));
	fake_dp_traffic(e->dp, 0, 5, 100);
	fake_dp_drops(e->dp, 0, FAB_DROP_runt, 2, 0x020000000099ULL);
	o = exec_ok(e, "show port p1", NULL);
	/* JSON counters are absolute, like the metrics: a clear never makes them go back. */
	ctr = json_object_get(o, "counters");
	assert_int_equal(json_integer_value(json_object_get(ctr, "rx_packets")), 114);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "drops"), "runt")),
			 9);
	/* Beside them, the counts since the clear, as the text shows them. */
	ctr = json_object_get(o, "counters_since_clear");
	assert_int_equal(json_integer_value(json_object_get(ctr, "rx_packets")), 7);
	assert_int_equal(json_object_size(ctr), FAB_CTR__COUNT);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(o, "drops_since_clear"), "runt")),
	    2);
	json_decref(o);
	o = exec_ok(e, "show ports", NULL);
	{
		json_t *p1 = json_array_get(json_object_get(o, "ports"), 0);

		assert_int_equal(json_integer_value(json_object_get(p1, "rx_packets")), 114);
		assert_int_equal(json_integer_value(json_object_get(p1, "drops")), 9);
		assert_int_equal(json_integer_value(json_object_get(p1, "drops_since_clear")), 2);
	}
	json_decref(o);
	/* The dataplane's counter did not go back (the view is updated by traffic only). */
	fake_dp_view(e->dp, &v);
	assert_int_equal(v.rx_packets[0], 112);

	/* Rates appear once two reads are a second apart: 1000 frames in ~1 s. */
	for (int i = 0; i < 120; i++)
		ctl_run_once(e->ctl, 10);
	fake_dp_traffic(e->dp, 0, 1000, 100);
	o = exec_ok(e, "show ports", NULL);
	{
		json_t *p1 = json_array_get(json_object_get(o, "ports"), 0);
		json_t *rates = json_object_get(p1, "rates");

		assert_true(json_is_object(rates));
		assert_true(json_integer_value(json_object_get(rates, "rx_pps")) > 100);
		assert_true(json_integer_value(json_object_get(rates, "rx_bps")) > 8 * 100 * 100);
	}
	json_decref(o);
}

static bool dp_p1_errdisabled(struct env *e)
{
	struct fake_dp_view v;

	fake_dp_view(e->dp, &v);
	return v.errdisabled[0];
}

static bool dp_p1_enabled(struct env *e)
{
	return !dp_p1_errdisabled(e);
}

static bool dp_p2_errdisabled(struct env *e)
{
	struct fake_dp_view v;

	fake_dp_view(e->dp, &v);
	return v.errdisabled[1];
}

static const char *psec_field(json_t *o, const char *key)
{
	return json_string_value(
	    json_object_get(json_array_get(json_object_get(o, "ports"), 0), key));
}

/* Violation, err-disable, show, recovery by timer and by hand, resync, flaps. */
static void test_port_security(void **state)
{
	struct env *e = *state;
	char *text = config_text(e, "policy: {violation: shutdown, errdisable-recovery: 1}\n");
	json_t *o, *ev;

	assert_true(run_until(e, synced, 2000));
	json_decref(exec_ok(e, "config apply shut.yaml", text));
	/* A spoofed source on p1: control sees the counter rise and shuts p1. */
	fake_dp_drops(e->dp, 0, FAB_DROP_src_mac_violation, 3, 0x02000000bad1ULL);
	assert_true(run_until(e, dp_p1_errdisabled, 2000));
	o = exec_ok(e, "show port-security p1", NULL);
	assert_string_equal(psec_field(o, "state"), "err-disabled");
	assert_string_equal(psec_field(o, "cause"), "violation");
	json_decref(o);
	o = exec_ok(e, "show port p1", NULL);
	assert_string_equal(json_string_value(json_object_get(o, "oper")), "err-disabled");
	assert_string_equal(json_string_value(json_object_get(o, "errdisabled")), "violation");
	json_decref(o);
	/* Recovery after errdisable-recovery (1 s). */
	assert_true(run_until(e, dp_p1_enabled, 3000));
	o = exec_ok(e, "show events p1", NULL);
	ev = json_object_get(o, "events");
	assert_int_equal(json_array_size(ev), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 0), "type")),
			    "err-disable");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 1), "type")),
			    "recovery");
	json_decref(o);

	/* Again, cleared by hand at once. */
	fake_dp_drops(e->dp, 0, FAB_DROP_ipv6_ra, 1, 0x02000000bad2ULL);
	assert_true(run_until(e, dp_p1_errdisabled, 2000));
	/* A restarted dataplane forgot it: control pushes it again. */
	fake_dp_restart(e->dp, text);
	assert_true(run_until(e, dp_p1_errdisabled, 3000));
	o = exec_ok(e, "port p1 no shutdown", NULL);
	assert_true(json_is_true(json_object_get(o, "errdisable_cleared")));
	json_decref(o);
	assert_true(dp_p1_enabled(e));

	/* Four link changes within 5 s (the default allows 3): p2 is held down. */
	fake_dp_link_changes(e->dp, 1, 4);
	assert_true(run_until(e, dp_p2_errdisabled, 2000));
	o = exec_ok(e, "show port-security", NULL);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(o, "ports"), 1), "cause")),
			    "link-flap");
	json_decref(o);
	json_decref(exec_ok(e, "port p2 no shutdown", NULL));
	assert_false(dp_p2_errdisabled(e));
	exec_fails(e, "show port-security nosuch", NULL, -ENOENT, "no such port");
	free(text);
}

static bool swap_mac_gone(struct env *e)
{
	const struct fab_binding *b = &ctl_running(e->ctl)->members[0].conns[0].bindings[0];

	return b->nmacs == 1;
}

/* A swap window adds a MAC to the running configuration, never to the saved
 * one, and takes it out by itself. */
static void test_mac_swap_window(void **state)
{
	struct env *e = *state;
	char path[256], *saved;
	json_t *o;
	FILE *f;
	long n;

	assert_true(run_until(e, synced, 2000));
	o = exec_ok(e, "port p1 allow-mac 02:00:00:00:00:11 for 1", NULL);
	json_decref(o);
	assert_int_equal(ctl_running(e->ctl)->members[0].conns[0].bindings[0].nmacs, 2);
	o = exec_ok(e, "show port p1", NULL);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(o, "swap_windows"), 0), "mac")),
			    "02:00:00:00:00:11");
	json_decref(o);
	o = exec_ok(e, "show config", NULL);
	assert_non_null(strstr(json_string_value(json_object_get(o, "text")), "02:00:00:00:00:11"));
	json_decref(o);
	snprintf(path, sizeof(path), "%s/state/committed.yaml", e->dir);
	f = fopen(path, "r");
	assert_non_null(f);
	saved = calloc(1, 65536);
	n = (long)fread(saved, 1, 65535, f);
	fclose(f);
	assert_true(n > 0);
	assert_null(strstr(saved, "02:00:00:00:00:11"));
	free(saved);
	exec_fails(e, "port p1 allow-mac 02:00:00:00:00:11 for 1", NULL, -EEXIST,
		   "already allowed");
	exec_fails(e, "port p2 allow-mac 02:00:00:00:00:12 for 60", NULL, -EINVAL,
		   "no single member");
	/* Expiry: the MAC goes, and both ends are events, beside the audit of
	 * the command that opened the window. */
	assert_true(run_until(e, swap_mac_gone, 3000));
	o = exec_ok(e, "show events p1", NULL);
	assert_int_equal(json_array_size(json_object_get(o, "events")), 3);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(o, "events"), 1), "type")),
			    "change");
	json_decref(o);
	/* A config apply closes a window and keeps what its file says. */
	json_decref(exec_ok(e, "port p1 allow-mac 02:00:00:00:00:12 for 1", NULL));
	{
		char text[4096], *at;

		snprintf(text, sizeof(text), base_fmt, e->dir, e->dir, e->dir, e->dir, "");
		at = strstr(text, "02:00:00:00:00:01]");
		assert_non_null(at);
		at[15] = '1';
		at[16] = '2';
		json_decref(exec_ok(e, "config apply new.yaml", text));
	}
	for (int i = 0; i < 150; i++)
		ctl_run_once(e->ctl, 10);
	assert_int_equal(ctl_running(e->ctl)->members[0].conns[0].bindings[0].nmacs, 1);
	assert_int_equal(ctl_running(e->ctl)->members[0].conns[0].bindings[0].macs[0],
			 0x020000000012ULL);
}

static void restart_ctl(struct env *e)
{
	ctl_destroy(e->ctl);
	e->ctl = start_ctl(e);
	assert_true(run_until(e, synced, 2000));
}

static json_t *swap_windows_p1(struct env *e)
{
	json_t *o = exec_ok(e, "show port p1", NULL);
	json_t *w = json_incref(json_object_get(o, "swap_windows"));

	json_decref(o);
	return w;
}

static size_t events_of(struct env *e, const char *type)
{
	json_t *o = exec_ok(e, "show events", NULL), *v;
	size_t i, n = 0;

	json_array_foreach(json_object_get(o, "events"), i, v) n +=
	    strcmp(json_string_value(json_object_get(v, "type")), type) == 0;
	json_decref(o);
	return n;
}

/* Events and open swap windows survive a restart of control; expired windows do not. */
static void test_swap_and_events_survive_restart(void **state)
{
	struct env *e = *state;
	char path[256], swaps[256];
	json_t *w, *a;
	long long left;

	assert_true(run_until(e, synced, 2000));
	json_decref(exec_ok(e, "port p1 allow-mac 02:00:00:00:00:21 for 60", NULL));
	json_decref(exec_ok(e, "port p1 allow-mac 02:00:00:00:00:22 for 60", NULL));
	assert_int_equal(events_of(e, "swap-open"), 2);

	restart_ctl(e);
	/* Both windows again, with the time they had left, and their MACs allowed. */
	w = swap_windows_p1(e);
	assert_int_equal(json_array_size(w), 2);
	left = json_integer_value(json_object_get(json_array_get(w, 0), "expires_in_s"));
	assert_true(left > 0 && left <= 60);
	json_decref(w);
	assert_int_equal(ctl_running(e->ctl)->members[0].conns[0].bindings[0].nmacs, 3);
	/* The events from before the restart, plus one per reopened window. */
	assert_int_equal(events_of(e, "swap-open"), 4);
	snprintf(path, sizeof(path), "%s/state/events.json.new", e->dir);
	assert_int_not_equal(access(path, F_OK), 0);

	/* One window's expiry passes while control is down: only the other comes back. */
	ctl_destroy(e->ctl);
	e->ctl = NULL;
	snprintf(swaps, sizeof(swaps), "%s/state/swaps.json", e->dir);
	a = json_load_file(swaps, 0, NULL);
	assert_int_equal(json_array_size(a), 2);
	json_object_set_new(json_array_get(a, 0), "until_wall_ns", json_integer(1000000000LL));
	assert_int_equal(json_dump_file(a, swaps, 0), 0);
	json_decref(a);
	e->ctl = start_ctl(e);
	assert_true(run_until(e, synced, 2000));
	w = swap_windows_p1(e);
	assert_int_equal(json_array_size(w), 1);
	json_decref(w);
	assert_int_equal(ctl_running(e->ctl)->members[0].conns[0].bindings[0].nmacs, 2);
	assert_int_equal(events_of(e, "swap-close"), 1);
	{
		json_t *o = exec_ok(e, "show events p1", NULL), *v;
		size_t i, expired = 0;

		json_array_foreach(json_object_get(o, "events"), i, v) expired +=
		    strstr(json_string_value(json_object_get(v, "text")),
			   "02:00:00:00:00:21 on port p1 expired while control was down") != NULL;
		assert_int_equal(expired, 1);
		json_decref(o);
	}

	/* A corrupted event file: an empty list and a working control, never a crash. */
	static const char *const bad[] = {
	    "{\"version\": 1, \"total\": 3, \"events\": [{\"wall_ns\": 1, \"ty",
	    ("{\"version\": 1, \"total\": 1, \"events\": [{\"wall_ns\": \"x\", \"type\": "
	     "\"a\", \"port\": \"\", \"text\": \"b\"}]}"),
	    "{\"version\": 7, \"total\": 0, \"events\": []}",
	    "[1, 2, 3]",
	    "\x01\x02\xff",
	};
	snprintf(path, sizeof(path), "%s/state/events.json", e->dir);
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		json_t *o;

		ctl_destroy(e->ctl);
		e->ctl = NULL;
		write_file(path, bad[k]);
		e->ctl = start_ctl(e);
		o = exec_ok(e, "show events", NULL);
		assert_int_equal(json_array_size(json_object_get(o, "events")), 1); /* reopened */
		assert_int_equal(json_integer_value(json_object_get(o, "total")), 1);
		json_decref(o);
	}
}

static void test_shows(void **state)
{
	struct env *e = *state;
	static const char *const lines[] = {
	    "show ports",        "show port p1",        "show members",
	    "show member 64501", "show mac-table",      "show mac-table peering",
	    "show neighbors",    "show neighbors ipv6", "show drops",
	    "show status",       "show config",
	};
	json_t *o = NULL;

	assert_true(run_until(e, synced, 2000));
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		o = exec_ok(e, lines[i], NULL);
		assert_true(json_is_object(o));
		json_decref(o);
	}
	o = exec_ok(e, "show mac-table", NULL);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(o, "macs"), 0), "mac")),
			    "02:00:00:00:00:01");
	json_decref(o);
	o = exec_ok(e, "show neighbors ipv6", NULL);
	assert_int_equal(json_array_size(json_object_get(o, "neighbors")), 0);
	json_decref(o);
	o = exec_ok(e, "show status", NULL);
	assert_true(json_is_true(json_object_get(json_object_get(o, "dataplane"), "in_sync")));
	json_decref(o);
	exec_fails(e, "show member 64999", NULL, -ENOENT, "no such member: AS64999");
	exec_fails(e, "show mac-table nosuch", NULL, -ENOENT, "no such LAN: nosuch");
	exec_fails(e, "show po", NULL, -EINVAL, "ambiguous argument: po");
}

/* Garbage and requests from the dataplane side are refused, not acted on. */
static void test_dataplane_sends_garbage(void **state)
{
	struct env *e = *state;
	struct fab_wire_buf b = {0};
	struct fab_wire_frame_msg f = {
	    .port = 0, .frame = (const uint8_t *)"0123456789abcdef", .len = 16};
	json_t *o;

	assert_true(run_until(e, synced, 2000));
	/* A punted frame is taken. */
	assert_int_equal(fab_wire_frame_encode(&b, FAB_WIRE_PUNT, 0, &f), 0);
	assert_int_equal(fake_dp_send(e->dp, b.data, b.len), 0);
	for (int i = 0; i < 10; i++)
		ctl_run_once(e->ctl, 10);
	o = exec_ok(e, "show status", NULL);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(o, "dataplane"), "punts_received")),
	    1);
	json_decref(o);
	/* Bytes that are not the protocol: control drops the link and reconnects. */
	assert_int_equal(fake_dp_send(e->dp, "GET / HTTP/1.0\r\n\r\n", 18), 0);
	for (int i = 0; i < 10; i++)
		ctl_run_once(e->ctl, 10);
	assert_true(run_until(e, synced, 2000));
	fab_wire_buf_free(&b);
}

/* The CLI sockets, served by a control loop in another thread. */
static volatile int loop_stop;

static void *loop(void *arg)
{
	struct env *e = arg;

	while (!loop_stop)
		ctl_run_once(e->ctl, 10);
	return NULL;
}

static void test_cli_sockets(void **state)
{
	struct env *e = *state;
	struct ctl_request r;
	char path[160], err[256];
	char *words[] = {"port", "p1", "shutdown"};
	char *show[] = {"show", "ports"};
	json_t *reply = NULL;
	pthread_t th;
	struct stat st;
	int fd, rc;

	assert_true(run_until(e, synced, 2000));
	assert_int_equal(ctl_listen(e->ctl), 0);
	snprintf(path, sizeof(path), "%s/cli.sock", e->dir);
	/* The group does not exist: root only. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	loop_stop = 0;
	assert_int_equal(pthread_create(&th, NULL, loop, e), 0);

	fd = ctl_client_connect(path);
	assert_true(fd >= 0);
	assert_int_equal(ctl_cli_parse(2, show, &r, err, sizeof(err)), 0);
	rc = ctl_client_call(fd, &r, NULL, 0, &reply, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_int_equal(json_array_size(json_object_get(reply, "ports")), 3);
	json_decref(reply);
	close(fd);

	/* The read-only socket answers show and refuses the rest. */
	snprintf(path, sizeof(path), "%s/cli-ro.sock", e->dir);
	fd = ctl_client_connect(path);
	assert_true(fd >= 0);
	rc = ctl_client_call(fd, &r, NULL, 0, &reply, err, sizeof(err));
	assert_int_equal(rc, 0);
	json_decref(reply);
	assert_int_equal(ctl_cli_parse(3, words, &r, err, sizeof(err)), 0);
	rc = ctl_client_call(fd, &r, NULL, 0, &reply, err, sizeof(err));
	assert_int_equal(rc, -EPERM);
	assert_non_null(strstr(json_string_value(json_object_get(reply, "error")), "show"));
	json_decref(reply);
	/* A message of another protocol version gets an error and the link stays. */
	{
		struct fab_wire_buf b = {0};
		struct fab_wire_hdr h;
		uint8_t in[512];
		ssize_t n;

		fab_wire_begin(&b, FAB_WIRE_CLI, 0, 7, 0);
		fab_wire_put_u16(&b, 0);
		fab_wire_put_u8(&b, 0);
		assert_int_equal(fab_wire_finish(&b), 0);
		b.data[4] = 9;
		assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
		n = read(fd, in, sizeof(in));
		assert_true(n >= FAB_WIRE_HDR_LEN);
		assert_true(fab_wire_frame(in, (size_t)n, &h) > 0);
		assert_int_equal(h.status, -EPROTONOSUPPORT);
		assert_int_equal(h.id, 7);
		fab_wire_buf_free(&b);
		assert_int_equal(ctl_cli_parse(2, show, &r, err, sizeof(err)), 0);
		assert_int_equal(ctl_client_call(fd, &r, NULL, 0, &reply, err, sizeof(err)), 0);
		json_decref(reply);
	}
	close(fd);
	loop_stop = 1;
	pthread_join(th, NULL);
	assert_true(ctl_running(e->ctl)->ports[0].admin_up);
}

/* ---- the sponge ---- */

static const char sponge_policy[] = "policy:\n"
				    "  sponge: {queue-depth: 5, rate: 50, flood-protection: 0, "
				    "probes: 2, probe-interval: 100, learning: 0}\n";

/* An ARP frame as the dataplane punts it, from port with sender (mac, spa). */
static void punt_arp(struct env *e, uint16_t port, uint16_t op, uint8_t mac, const char *spa,
		     const char *tpa)
{
	uint8_t f[60] = {0xff, 0xff,        0xff, 0xff, 0xff, 0xff, 2, 0,  0, 0,
			 0,    mac,         0x08, 0x06, 0,    1,    8, 0,  6, 4,
			 0,    (uint8_t)op, 2,    0,    0,    0,    0, mac};
	struct fab_wire_frame_msg m = {.port = port, .frame = f, .len = sizeof(f)};
	struct fab_wire_buf b = {0};

	assert_int_equal(inet_pton(AF_INET, spa, f + 28), 1);
	assert_int_equal(inet_pton(AF_INET, tpa, f + 38), 1);
	assert_int_equal(fab_wire_frame_encode(&b, FAB_WIRE_PUNT, 0, &m), 0);
	assert_int_equal(fake_dp_send(e->dp, b.data, b.len), 0);
	fab_wire_buf_free(&b);
}

static struct fake_dp_view sp_view;

static bool sponged1(struct env *e)
{
	fake_dp_view(e->dp, &sp_view);
	return sp_view.nsponged == 1;
}

static bool sponged2(struct env *e)
{
	fake_dp_view(e->dp, &sp_view);
	return sp_view.nsponged == 2;
}

static bool has_event(struct env *e)
{
	json_t *o = exec_ok(e, "show sponge", NULL);
	bool yes = json_array_size(json_object_get(o, "events")) > 0;

	json_decref(o);
	return yes;
}

static void test_sponge(void **state)
{
	struct env *e = *state;
	char *extra = NULL, *text, path[160], line[64];
	static const uint8_t a99[16] = {[10] = 0xff, [11] = 0xff, 192, 0, 2, 99};
	json_t *o;
	FILE *f;

	assert_true(asprintf(&extra, "%s%s", member2, sponge_policy) > 0);
	text = config_text(e, extra);
	write_file(e->cfg, text);
	fake_dp_reload(e->dp, text);
	restart_ctl(e);

	/* By hand: pushed at once and written to the state file. */
	o = exec_ok(e, "sponge 192.0.2.99", NULL);
	assert_string_equal(json_string_value(json_object_get(o, "state")), "static");
	assert_true(json_is_true(json_object_get(o, "in_dataplane")));
	json_decref(o);
	assert_true(run_until(e, sponged1, 1000));
	assert_memory_equal(sp_view.sponged[0], a99, 16);
	snprintf(path, sizeof(path), "%s/state/sponge.state", e->dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	/* With the time it was sponged, in seconds since the epoch. */
	{
		unsigned long long since = 0;
		long long now = (long long)time(NULL);

		assert_int_equal(sscanf(line, "static 192.0.2.99 %llu\n", &since), 1);
		assert_true(llabs((long long)since - now) <= 5);
	}

	/* A restarted control gives the dataplane the same set when it connects. */
	fake_dp_view(e->dp, &sp_view);
	{
		unsigned sets = sp_view.sponge_sets;

		restart_ctl(e);
		assert_true(run_until(e, sponged1, 1000));
		assert_true(sp_view.sponge_sets > sets);
	}

	/* Two asks for One's 192.0.2.1 again and again: probed on p1, then sponged. */
	for (int i = 0; i < 5; i++)
		punt_arp(e, 1, 1, 2, "192.0.2.2", "192.0.2.1");
	assert_true(run_until(e, sponged2, 2000));
	assert_true(sp_view.injects >= 2);
	assert_int_equal(sp_view.inject_port, 0);
	/* An ARP probe: to One's MAC, from the sponge MAC, sender 0.0.0.0, for 192.0.2.1. */
	assert_int_equal(sp_view.inject_frame[5], 1);
	assert_int_equal(sp_view.inject_frame[11], 0xfe);
	assert_int_equal(sp_view.inject_frame[21], 1);
	assert_int_equal(sp_view.inject_frame[28], 0);
	assert_int_equal(sp_view.inject_frame[41], 1);
	o = exec_ok(e, "show neighbors ipv4", NULL);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(o, "neighbors"), 0), "state")),
			    "dead");
	json_decref(o);

	/* One announces itself: alive at once, the dataplane stops answering for it. */
	punt_arp(e, 0, 1, 1, "192.0.2.1", "192.0.2.1");
	assert_true(run_until(e, sponged1, 1000));
	assert_memory_equal(sp_view.sponged[0], a99, 16);

	/* Two answers for One's address: dropped by the dataplane, an event here. */
	punt_arp(e, 1, 2, 2, "192.0.2.1", "192.0.2.2");
	assert_true(run_until(e, has_event, 1000));
	o = exec_ok(e, "show sponge", NULL);
	assert_non_null(strstr(json_string_value(json_object_get(
				   json_array_get(json_object_get(o, "events"), 0), "text")),
			       "member AS64502"));
	assert_non_null(
	    strstr(json_string_value(
		       json_object_get(json_array_get(json_object_get(o, "events"), 0), "text")),
		   "on port p2 answered for address 192.0.2.1 (owned by AS64501 (One))"));
	json_decref(o);

	/* Unsponged by hand, and a bad address changes nothing. */
	exec_fails(e, "unsponge 192.0.2.999", NULL, -EINVAL, "bad IPv4 or IPv6 address");
	json_decref(exec_ok(e, "unsponge 192.0.2.99", NULL));
	fake_dp_view(e->dp, &sp_view);
	assert_int_equal(sp_view.nsponged, 0);
	free(extra);
	free(text);
}

/* Probes 1 s apart: a dead state younger than 3 s is fresh on load. */
static const char sponge_restart_policy[] =
    "policy:\n"
    "  sponge: {queue-depth: 5, rate: 50, flood-protection: 0, "
    "probes: 2, probe-interval: 1000, learning: 0}\n";

static const uint8_t a1[16] = {[10] = 0xff, [11] = 0xff, 192, 0, 2, 1};
static const uint8_t a2[16] = {[10] = 0xff, [11] = 0xff, 192, 0, 2, 2};

/* text with the first `from` replaced by `to`; the caller frees it. */
static char *replaced(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	char *t = NULL;

	assert_non_null(at);
	assert_true(asprintf(&t, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from)) > 0);
	return t;
}

static bool sponged_a1(struct env *e)
{
	fake_dp_view(e->dp, &sp_view);
	return sp_view.nsponged == 1 && memcmp(sp_view.sponged[0], a1, 16) == 0;
}

/*
 * Requests for a member behind another node's VTEP are that node's sponge's:
 * asked for again and again, R is never probed or sponged here, while One,
 * asked for after it, is.
 */
static void test_sponge_leaves_remote_members(void **state)
{
	struct env *e = *state;
	static const char member_r[] =
	    "  - asn: 64505\n"
	    "    name: R\n"
	    "    connections:\n"
	    "      - port: r\n"
	    "        lans:\n"
	    "          - {lan: peering, macs: [02:00:00:00:00:05], ipv4: "
	    "[192.0.2.5]}\n";
	char *extra = NULL, *base, *lan, *text;
	json_t *o;

	assert_true(asprintf(&extra, "%s%s%s", member2, member_r, sponge_policy) > 0);
	/* The LAN in a VNI, and p3 turned into an underlay port and a remote VTEP. */
	base = config_text(e, extra);
	lan = replaced(base, "ipv4: 192.0.2.0/24}", "ipv4: 192.0.2.0/24, vni: 10100}");
	text = replaced(lan, "  - {name: p3, device: net_null2, lans: [peering]}\n",
			"  - {name: u, kind: underlay, device: net_null2, mtu: 1600, "
			"vtep-address: 198.18.0.1, vtep-mac: 02:aa:00:00:00:01, "
			"next-hop-mac: 02:bb:00:00:00:01}\n"
			"  - {name: r, kind: vtep, remote: 198.18.0.2, lans: [peering]}\n");
	write_file(e->cfg, text);
	fake_dp_ports_fixed(e->dp, false); /* a restarted dataplane with the new ports */
	fake_dp_reload(e->dp, text);
	restart_ctl(e);

	for (int i = 0; i < 5; i++)
		punt_arp(e, 1, 1, 2, "192.0.2.2", "192.0.2.5");
	for (int i = 0; i < 5; i++)
		punt_arp(e, 1, 1, 2, "192.0.2.2", "192.0.2.1");
	assert_true(run_until(e, sponged_a1, 2000));
	/* Every probe went to One's port, none to R's VTEP (port 3). */
	assert_int_equal(sp_view.inject_port, 0);
	o = exec_ok(e, "show sponge", NULL);
	assert_int_equal(json_integer_value(json_object_get(o, "inject_errors")), 0);
	json_decref(o);
	fake_dp_view(e->dp, &sp_view);
	assert_int_equal(sp_view.nsponged, 1);
	free(extra);
	free(base);
	free(lan);
	free(text);
}

/* Whether the last SPONGE_SET the dataplane got holds addr. */
static bool dp_sponges(const struct fake_dp_view *v, const uint8_t addr[16])
{
	for (uint32_t i = 0; i < v->nsponged && i < 16; i++)
		if (memcmp(v->sponged[i], addr, 16) == 0)
			return true;
	return false;
}

static bool sponges_a1(struct env *e)
{
	fake_dp_view(e->dp, &sp_view);
	return dp_sponges(&sp_view, a1);
}

static void write_state(struct env *e, const char *text)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/state", e->dir);
	(void)mkdir(path, 0750);
	snprintf(path, sizeof(path), "%s/state/sponge.state", e->dir);
	write_file(path, text);
}

static bool state_has(struct env *e, const char *prefix)
{
	char path[160], line[128];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/state/sponge.state", e->dir);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strncmp(line, prefix, strlen(prefix)) == 0;
	fclose(f);
	return found;
}

static const char *neighbor_state(struct env *e, const char *addr)
{
	static char st[16];
	json_t *o = exec_ok(e, "show neighbors ipv4", NULL), *n;
	size_t i;

	st[0] = '\0';
	json_array_foreach(json_object_get(o, "neighbors"), i,
			   n) if (strcmp(json_string_value(json_object_get(n, "address")), addr) ==
				  0)
	    snprintf(st, sizeof(st), "%s", json_string_value(json_object_get(n, "state")));
	json_decref(o);
	return st;
}

/*
 * A restart with a dead state saved long ago (the owner may have come back
 * while control was away): the address is probed and left out of the set
 * the dataplane gets until the probes go unanswered; an owner that answers
 * is never sponged. A dead state saved a moment ago is given to the
 * dataplane at once.
 */
static void test_sponge_restart_reverifies(void **state)
{
	struct env *e = *state;
	char *extra = NULL, *text, buf[160];
	struct fake_dp_view v0;
	unsigned long long now = (unsigned long long)time(NULL);

	assert_true(asprintf(&extra, "%s%s", member2, sponge_restart_policy) > 0);
	text = config_text(e, extra);
	write_file(e->cfg, text);
	fake_dp_reload(e->dp, text);
	/* One's 192.0.2.1 dead an hour ago; Two's 192.0.2.2 dead just now. */
	snprintf(buf, sizeof(buf), "dead 192.0.2.1 %llu\ndead 192.0.2.2 %llu\n", now - 3600, now);
	write_state(e, buf);
	fake_dp_view(e->dp, &v0);
	restart_ctl(e);

	/* The set given on connect holds the fresh address, not the stale one. */
	fake_dp_view(e->dp, &sp_view);
	assert_true(sp_view.sponge_sets > v0.sponge_sets);
	assert_true(dp_sponges(&sp_view, a2));
	assert_false(dp_sponges(&sp_view, a1));
	/* The file no longer claims what is being verified. */
	assert_false(state_has(e, "dead 192.0.2.1"));
	assert_true(state_has(e, "dead 192.0.2.2"));
	/* One stays silent: probed on its port, sponged only after both probes. */
	for (int i = 0; i < 1000 && !sponges_a1(e); i++) {
		unsigned injects = sp_view.injects;

		ctl_run_once(e->ctl, 10);
		fake_dp_view(e->dp, &sp_view);
		if (dp_sponges(&sp_view, a1))
			/* Two probes for One, and one or two rechecks for Two before. */
			assert_true(injects - v0.injects >= 3);
	}
	assert_true(sponges_a1(e));
	assert_true(dp_sponges(&sp_view, a2));
	assert_true(state_has(e, "dead 192.0.2.1"));
	assert_string_equal(neighbor_state(e, "192.0.2.1"), "dead");

	free(extra);
	free(text);
}

/*
 * The lab's case: One's router came back while control was away, and a
 * restarted control finds it dead in the state file. It probes One first,
 * even when the dataplane connects late; One answers, and the dataplane
 * never answers for it.
 */
static void test_sponge_restart_owner_answers(void **state)
{
	struct env *e = *state;
	char *extra = NULL, *text;
	struct fake_dp_view v0;

	assert_true(asprintf(&extra, "%s%s", member2, sponge_restart_policy) > 0);
	text = config_text(e, extra);
	write_file(e->cfg, text);
	fake_dp_reload(e->dp, text);
	/* A line of a file from before times were kept: of unknown age, so stale. */
	write_state(e, "dead 192.0.2.1\n");
	/* Both restart, and the dataplane comes up later than the probes would
	 * take: they must still leave a second apart, not all at once. */
	fake_dp_stop(e->dp);
	e->dp = NULL;
	ctl_destroy(e->ctl);
	e->ctl = start_ctl(e);
	for (time_t end = time(NULL) + 4; time(NULL) < end;)
		ctl_run_once(e->ctl, 10);
	e->dp = fake_dp_start(e->dp_sock, text);
	assert_non_null(e->dp);
	fake_dp_view(e->dp, &v0);
	sp_view = v0;
	for (time_t end = time(NULL) + 10; time(NULL) < end && sp_view.injects == v0.injects;) {
		ctl_run_once(e->ctl, 10);
		fake_dp_view(e->dp, &sp_view);
	}
	/* The set was given on connect, before the first probe, without One. */
	assert_true(sp_view.injects > v0.injects);
	assert_true(sp_view.sponge_sets > v0.sponge_sets);
	assert_int_equal(sp_view.inject_port, 0);
	assert_int_equal(sp_view.inject_frame[41], 1); /* an ARP probe for 192.0.2.1 */
	assert_false(dp_sponges(&sp_view, a1));
	punt_arp(e, 0, 2, 1, "192.0.2.1", "0.0.0.0");
	/* Past the time the probes would have taken (3 s): never in the set, alive. */
	for (time_t end = time(NULL) + 5; time(NULL) < end;) {
		ctl_run_once(e->ctl, 10);
		fake_dp_view(e->dp, &sp_view);
		assert_false(dp_sponges(&sp_view, a1));
	}
	assert_string_equal(neighbor_state(e, "192.0.2.1"), "alive");
	assert_false(state_has(e, "dead 192.0.2.1"));
	free(extra);
	free(text);
}

/* Asserts that o's string member key holds part. */
static void says(const json_t *o, const char *key, const char *part)
{
	const char *v = json_string_value(json_object_get(o, key));

	if (v == NULL || strstr(v, part) == NULL)
		fail_msg("%s is '%s', not with '%s'", key, v ? v : "(none)", part);
}

static bool exists(const char *dir, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

/*
 * Management is read at start: a file that changes it is refused by check
 * and apply, naming each setting, and nothing is pushed or saved anywhere.
 */
static void test_management_change_refused(void **state)
{
	struct env *e = *state;
	char *base = config_text(e, member2), *moved = replaced(base, "/dp.sock", "/dp2.sock");
	char *state2 = replaced(base, "/state\n", "/state2\n");
	struct fake_dp_view v;
	json_t *o = NULL;
	const char *err;

	assert_true(run_until(e, synced, 2000));
	exec_fails(e, "config check moved.yaml", moved, -EINVAL,
		   "management.control-socket cannot change while peerlan runs");
	exec_fails(e, "config apply moved.yaml", moved, -EINVAL,
		   "this needs a restart of peerlan-dataplane");
	/* Only control reads the state directory: only control needs a restart. */
	exec_fails(e, "config apply state2.yaml", state2, -EINVAL,
		   "this needs a restart of peerlan-control with the new file as its start file");
	assert_int_equal(exec_line(e, "config apply state2.yaml", state2, &o), -EINVAL);
	err = json_string_value(
	    json_object_get(json_array_get(json_object_get(o, "errors"), 0), "message"));
	assert_non_null(err);
	assert_non_null(strstr(err, "management.state-dir: "));
	assert_non_null(strstr(err, "/state2 here, "));
	json_decref(o);
	/* diff shows the change and warns that apply refuses it. */
	o = exec_ok(e, "config diff state2.yaml", state2);
	says(o, "warning", "management.state-dir cannot change");
	json_decref(o);
	fake_dp_view(e->dp, &v);
	assert_int_equal(v.config_sets, 0);
	assert_int_equal(ctl_running(e->ctl)->nmembers, 1);
	assert_false(exists(e->dir, "state2"));
	assert_false(exists(e->dir, "state/committed.yaml"));
	free(base);
	free(moved);
	free(state2);
}

/*
 * The operator moves the control socket in the start file and restarts
 * both processes: control reaches the dataplane on the new socket and
 * still runs the configuration committed before.
 */
static void test_restart_takes_management_from_start_file(void **state)
{
	struct env *e = *state;
	char *two = config_text(e, member2), *one = config_text(e, "");
	char *moved = replaced(one, "/dp.sock", "/dp2.sock");

	assert_true(run_until(e, synced, 2000));
	json_decref(exec_ok(e, "config apply two.yaml", two));
	assert_true(exists(e->dir, "state/committed.yaml"));
	ctl_destroy(e->ctl);
	fake_dp_stop(e->dp);
	write_file(e->cfg, moved);
	snprintf(e->dp_sock, sizeof(e->dp_sock), "%s/dp2.sock", e->dir);
	e->dp = fake_dp_start(e->dp_sock, moved);
	assert_non_null(e->dp);
	e->ctl = start_ctl(e);
	assert_true(run_until(e, synced, 3000));
	assert_string_equal(ctl_running(e->ctl)->mgmt.control_socket, e->dp_sock);
	assert_int_equal(ctl_running(e->ctl)->nmembers, 2);
	free(two);
	free(one);
	free(moved);
}

static struct ctl *start_ctl_ignoring_commit(struct env *e)
{
	struct ctl_opts o = {
	    .config_path = e->cfg, .poll_ms = 100, .backoff_max_ms = 50, .ignore_committed = true};
	struct fab_config_errors errs = {0};
	struct ctl *c = ctl_create(&o, &errs);

	assert_non_null(c);
	return c;
}

/* Commits text, then restarts control with --ignore-committed: 1 member runs. */
static void commit_then_ignore_it(struct env *e, const char *text)
{
	assert_true(run_until(e, synced, 2000));
	json_decref(exec_ok(e, "config apply two.yaml", text));
	ctl_destroy(e->ctl);
	e->ctl = start_ctl_ignoring_commit(e);
	assert_int_equal(ctl_running(e->ctl)->nmembers, 1);
	assert_true(run_until(e, synced, 2000));
}

/* A plain restart of control runs a configuration of n members. */
static void restart_runs_members(struct env *e, size_t n)
{
	ctl_destroy(e->ctl);
	e->ctl = start_ctl(e);
	assert_int_equal(ctl_running(e->ctl)->nmembers, n);
}

/*
 * After a start with --ignore-committed, the commit on disk is not what
 * runs: `config save`, or an apply of the file that runs, replaces it.
 */
static void test_commit_the_running_configuration(void **state)
{
	struct env *e = *state;
	char *two = config_text(e, member2), *one = config_text(e, "");
	json_t *o;

	commit_then_ignore_it(e, two);
	o = exec_ok(e, "config apply one.yaml", one);
	assert_true(json_is_true(json_object_get(o, "unchanged")));
	says(o, "saved", "/state/committed.yaml");
	json_decref(o);
	restart_runs_members(e, 1);

	/* The same with config save, which waits for a pending confirm. */
	commit_then_ignore_it(e, two);
	json_decref(exec_ok(e, "config apply two.yaml confirm 60", two));
	exec_fails(e, "config save", NULL, -EBUSY, "waiting for `config confirm`");
	json_decref(exec_ok(e, "config rollback", NULL));
	o = exec_ok(e, "config save", NULL);
	says(o, "saved", "/state/committed.yaml");
	json_decref(o);
	restart_runs_members(e, 1);
	free(two);
	free(one);
}

/*
 * A peer's `import:` would have control open files with its own rights and
 * show their lines in errors: refused, and the file's content never shows.
 */
static void test_import_from_peer_refused(void **state)
{
	struct env *e = *state;
	char secret[160], *text = NULL, *dump;
	json_t *o = NULL;

	snprintf(secret, sizeof(secret), "%s/secret.yaml", e->dir);
	write_file(secret, "secret-token-4711: [1]\n");
	assert_true(asprintf(&text, "import:\n  format: ixf\n  export: %s\n  map: %s\n", secret,
			     secret) > 0);
	assert_true(run_until(e, synced, 2000));
	assert_int_equal(exec_line(e, "config check imp.yaml", text, &o), -EINVAL);
	dump = json_dumps(o, 0);
	assert_non_null(strstr(dump, "'import' is not accepted here"));
	assert_null(strstr(dump, "secret-token"));
	free(dump);
	json_decref(o);
	exec_fails(e, "config apply imp.yaml", text, -EINVAL, "nothing changed");
	assert_int_equal(ctl_running(e->ctl)->nmembers, 1);
	free(text);
}

/* Addresses no router on a LAN can own are refused by name, and nothing is pushed. */
static void test_sponge_refuses_non_lan_addresses(void **state)
{
	static const struct {
		const char *addr, *why;
	} bad[] = {
	    {"0.0.0.0", "unspecified"},
	    {"255.255.255.255", "broadcast address"},
	    {"224.0.0.1", "multicast"},
	    {"ff02::1", "multicast"},
	    {"::1", "loopback"},
	    {"127.0.0.1", "loopback"},
	    {"192.0.2.255", "broadcast address of LAN peering"},
	    {"198.51.100.1", "outside every LAN's IPv4 prefix"},
	    {"2001:db8::1", "outside every LAN's IPv6 prefix"},
	};
	static const char *const verbs[] = {"dead", "pending"};
	struct env *e = *state;
	char *text = config_text(e, sponge_policy), line[96];
	struct fake_dp_view v0, v1;
	json_t *o;

	write_file(e->cfg, text);
	fake_dp_reload(e->dp, text);
	restart_ctl(e);
	fake_dp_view(e->dp, &v0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "sponge %s", bad[i].addr);
		exec_fails(e, line, NULL, -EINVAL, bad[i].why);
		for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++) {
			snprintf(line, sizeof(line), "set neighbor %s %s", bad[i].addr, verbs[k]);
			exec_fails(e, line, NULL, -EINVAL, bad[i].why);
		}
	}
	for (int i = 0; i < 20; i++)
		ctl_run_once(e->ctl, 10);
	fake_dp_view(e->dp, &v1);
	assert_int_equal(v1.nsponged, 0);
	assert_int_equal(v1.sponge_sets, v0.sponge_sets);
	o = exec_ok(e, "show sponge", NULL);
	assert_int_equal(json_integer_value(json_object_get(o, "sponged")), 0);
	assert_int_equal(json_array_size(json_object_get(o, "addresses")), 0);
	json_decref(o);
	/* A LAN address is still taken, and forgetting any address stays possible. */
	json_decref(exec_ok(e, "sponge 192.0.2.77", NULL));
	json_decref(exec_ok(e, "unsponge 224.0.0.1", NULL));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_connect_same_config_pushes_nothing, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_dataplane_absent_then_present, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_matrix_off_asked_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resync_pushes_config_when_dataplane_differs, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_drift_is_undone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_confirm_runs_out_while_disconnected, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_apply_good_config, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_config_changes_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_port_change_needs_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_apply_confirm_times_out_and_rolls_back, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_apply_confirm_confirmed_stays, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_port_shutdown_across_restarts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counters_and_clear, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_port_security, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mac_swap_window, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_swap_and_events_survive_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dataplane_sends_garbage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cli_sockets, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sponge, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sponge_leaves_remote_members, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sponge_restart_reverifies, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sponge_restart_owner_answers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_management_change_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_restart_takes_management_from_start_file, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_commit_the_running_configuration, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_import_from_peer_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sponge_refuses_non_lan_addresses, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
