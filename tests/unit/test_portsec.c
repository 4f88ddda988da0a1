/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port security's state machine with an injected clock: each action, each
 * recovery, flap dampening and storm err-disable, and that the dataplane is
 * told again until it reports what it should.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "control/ctl_events.h"
#include "control/ctl_portsec.h"
#include "control/ctl_quarantine.h"
#include "fabric/pipeline.h"
#include "tests/unit/fixture.h"

#define S 1000000000ULL

struct env {
	struct fab_model *m;
	struct ctl_events *ev;
	struct ctl_psec *ps;
	struct fab_wire_port_state ports[FX_NPORTS];
	struct fab_port_stats stats[FX_NPORTS];
	/* What was pushed, as a fake dataplane would record it. */
	int pushes;
	int push_rc;
	bool dp_errdisabled[FX_NPORTS];
	uint64_t now;
};

static int push(void *arg, uint16_t port, bool on)
{
	struct env *e = arg;

	e->pushes++;
	if (e->push_rc != 0)
		return e->push_rc;
	e->dp_errdisabled[port] = on;
	e->ports[port].oper = on ? FAB_OPER_ERRDISABLED : FAB_OPER_UP;
	return 0;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	e->m = fx_exchange();
	e->ev = ctl_events_create(8);
	e->ps = ctl_psec_create(e->ev, push, e);
	assert_int_equal(ctl_psec_set_model(e->ps, e->m), 0);
	e->now = 1000 * S;
	ctl_psec_observe(e->ps, e->now, e->now, e->ports, e->stats, FX_NPORTS); /* baseline */
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	ctl_psec_destroy(e->ps);
	ctl_events_destroy(e->ev);
	fab_model_destroy(e->m);
	free(e);
	return 0;
}

/* Advances the clock by dt and lets the state machine see a read and tick. */
static void step(struct env *e, uint64_t dt)
{
	e->now += dt;
	ctl_psec_observe(e->ps, e->now, e->now, e->ports, e->stats, FX_NPORTS);
	ctl_psec_tick(e->ps, e->now, e->now);
}

static void spoof(struct env *e, uint16_t port, uint64_t n)
{
	e->stats[port].drop[FAB_DROP_src_mac_violation] += n;
	e->stats[port].last_offender_mac = 0x02000000bad1ULL;
	e->stats[port].last_offender_ethertype = 0x0800;
	e->stats[port].last_offender_reason = FAB_DROP_src_mac_violation;
}

static void test_protect_counts_only(void **state)
{
	struct env *e = *state;
	json_t *j;

	e->m->ports[FX_P_A].violation = FAB_VIOLATION_PROTECT;
	spoof(e, FX_P_A, 3);
	step(e, S);
	assert_int_equal(ctl_psec_violations(e->ps, FX_P_A), 3);
	assert_false(ctl_psec_errdisabled(e->ps, FX_P_A));
	assert_int_equal(ctl_events_total(e->ev), 0);
	assert_int_equal(e->pushes, 0);
	j = ctl_psec_json(e->ps, FX_P_A, e->now);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "last_violation"), "mac")),
	    "02:00:00:00:ba:d1");
	json_decref(j);
}

static void test_restrict_logs_rate_limited(void **state)
{
	struct env *e = *state;

	e->m->ports[FX_P_A].violation = FAB_VIOLATION_RESTRICT;
	/* A burst of events, then one a second; the rest are summed into the next. */
	for (int i = 0; i < 20; i++) {
		spoof(e, FX_P_A, 1);
		step(e, S / 10);
	}
	assert_int_equal(ctl_psec_violations(e->ps, FX_P_A), 20);
	assert_false(ctl_psec_errdisabled(e->ps, FX_P_A));
	assert_true(ctl_events_total(e->ev) >= CTL_PSEC_EVENTS_BURST);
	assert_true(ctl_events_total(e->ev) <= CTL_PSEC_EVENTS_BURST + 2);
	/* Only counters changed, nothing was pushed to the dataplane. */
	assert_int_equal(e->pushes, 0);
}

static void test_shutdown_and_recovery_timer(void **state)
{
	struct env *e = *state;

	e->m->ports[FX_P_B].violation = FAB_VIOLATION_SHUTDOWN;
	e->m->policy.errdisable_recovery_s = 300;
	spoof(e, FX_P_B, 1);
	step(e, S);
	assert_true(ctl_psec_errdisabled(e->ps, FX_P_B));
	assert_int_equal(ctl_psec_cause(e->ps, FX_P_B), CTL_PSEC_VIOLATION);
	assert_true(e->dp_errdisabled[FX_P_B]);
	/* More violations while err-disabled do not re-trigger anything. */
	spoof(e, FX_P_B, 5);
	step(e, 299 * S);
	assert_true(ctl_psec_errdisabled(e->ps, FX_P_B));
	step(e, S);
	assert_false(ctl_psec_errdisabled(e->ps, FX_P_B));
	assert_false(e->dp_errdisabled[FX_P_B]);
	assert_int_equal(ctl_events_total(e->ev), 2); /* err-disable, recovery */
}

static void test_shutdown_without_recovery_and_clear(void **state)
{
	struct env *e = *state;

	e->m->ports[FX_P_B].violation = FAB_VIOLATION_SHUTDOWN;
	e->m->policy.errdisable_recovery_s = 0;
	spoof(e, FX_P_B, 1);
	step(e, S);
	step(e, 86400 * S);
	assert_true(ctl_psec_errdisabled(e->ps, FX_P_B));
	assert_int_equal(ctl_psec_clear(e->ps, FX_P_B, e->now, e->now, "no shutdown"), 1);
	assert_false(ctl_psec_errdisabled(e->ps, FX_P_B));
	assert_false(e->dp_errdisabled[FX_P_B]);
	assert_int_equal(ctl_psec_clear(e->ps, FX_P_B, e->now, e->now, "no shutdown"), 0);
	assert_int_equal(ctl_psec_clear(e->ps, 999, e->now, e->now, "x"), -ENOENT);
}

static void test_core_port_never_shut(void **state)
{
	struct env *e = *state;

	e->m->ports[FX_P_CORE].violation = FAB_VIOLATION_SHUTDOWN;
	spoof(e, FX_P_CORE, 4);
	step(e, S);
	assert_false(ctl_psec_errdisabled(e->ps, FX_P_CORE));
	assert_int_equal(ctl_psec_violations(e->ps, FX_P_CORE), 4);
	assert_int_equal(ctl_events_total(e->ev), 1);
}

/* A port's link coming up as the dataplane starts is no flap. */
static void test_link_up_is_no_flap(void **state)
{
	struct env *e = *state;
	struct ctl_psec *ps = ctl_psec_create(e->ev, push, e);
	json_t *j;

	assert_int_equal(ctl_psec_set_model(ps, e->m), 0);
	e->ports[FX_P_C].link_changes = 1;
	ctl_psec_observe(ps, e->now, e->now, e->ports, e->stats, FX_NPORTS);
	j = ctl_psec_json(ps, FX_P_C, e->now);
	assert_int_equal(json_integer_value(json_object_get(j, "flaps")), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "link_changes")), 1);
	json_decref(j);
	e->ports[FX_P_C].link_changes += 2;
	ctl_psec_observe(ps, e->now + S, e->now + S, e->ports, e->stats, FX_NPORTS);
	j = ctl_psec_json(ps, FX_P_C, e->now + S);
	assert_int_equal(json_integer_value(json_object_get(j, "flaps")), 2);
	json_decref(j);
	ctl_psec_destroy(ps);
}

static void test_flap_dampening(void **state)
{
	struct env *e = *state;

	e->m->policy.flap_changes = 3;
	e->m->policy.flap_window_s = 5;
	e->m->policy.flap_hold_s = 10;
	/* Three changes in 5 s is allowed; spread out, many more are too. */
	e->ports[FX_P_C].link_changes += 3;
	step(e, S);
	assert_false(ctl_psec_errdisabled(e->ps, FX_P_C));
	e->ports[FX_P_C].link_changes += 1;
	step(e, 6 * S);
	assert_false(ctl_psec_errdisabled(e->ps, FX_P_C));
	/* The fourth within the window: err-disabled for hold seconds. */
	e->ports[FX_P_C].link_changes += 3;
	step(e, S);
	assert_true(ctl_psec_errdisabled(e->ps, FX_P_C));
	assert_int_equal(ctl_psec_cause(e->ps, FX_P_C), CTL_PSEC_FLAP);
	step(e, 9 * S);
	assert_true(ctl_psec_errdisabled(e->ps, FX_P_C));
	step(e, S);
	assert_false(ctl_psec_errdisabled(e->ps, FX_P_C));
	/* The changes before the hold are forgotten. */
	e->ports[FX_P_C].link_changes += 1;
	step(e, S);
	assert_false(ctl_psec_errdisabled(e->ps, FX_P_C));
}

/* The text of the newest event of port, or "" if it has none. */
static const char *last_event(struct env *e, const char *port, const char **type)
{
	static char text[CTL_EVENT_TEXT], kind[CTL_EVENT_TYPE];
	json_t *a = ctl_events_json(e->ev, port);
	json_t *last = json_array_get(a, json_array_size(a) - 1);

	snprintf(text, sizeof(text), "%s",
		 last ? json_string_value(json_object_get(last, "text")) : "");
	snprintf(kind, sizeof(kind), "%s",
		 last ? json_string_value(json_object_get(last, "type")) : "");
	json_decref(a);
	*type = kind;
	return text;
}

static void test_link_events(void **state)
{
	struct env *e = *state;
	const char *port = e->m->ports[FX_P_C].name, *type;

	e->m->policy.flap_changes = 0; /* no dampening: only the events */
	e->ports[FX_P_C].admin_up = 1;
	e->ports[FX_P_C].oper = FAB_OPER_UP;
	step(e, S);
	assert_int_equal(ctl_events_total(e->ev), 0);
	/* The member's link goes down: the port is up, but oper down. */
	e->ports[FX_P_C].oper = FAB_OPER_DOWN;
	e->ports[FX_P_C].link_changes++;
	step(e, S);
	assert_int_equal(ctl_events_total(e->ev), 1);
	assert_string_equal(last_event(e, port, &type), "link down");
	assert_string_equal(type, "link");
	/* Down and up again between two reads. */
	e->ports[FX_P_C].oper = FAB_OPER_UP;
	e->ports[FX_P_C].link_changes += 3;
	step(e, S);
	assert_string_equal(last_event(e, port, &type), "link up (3 changes since the last read)");
	/* No change, no event; an administratively down port only says it changed. */
	step(e, S);
	assert_int_equal(ctl_events_total(e->ev), 2);
	e->ports[FX_P_C].admin_up = 0;
	e->ports[FX_P_C].oper = FAB_OPER_DOWN;
	e->ports[FX_P_C].link_changes++;
	step(e, S);
	assert_string_equal(last_event(e, port, &type), "link changed");
	assert_false(ctl_psec_errdisabled(e->ps, FX_P_C));
}

static void test_storm_errdisable_after(void **state)
{
	struct env *e = *state;

	e->m->policy.storm_errdisable_s = 3;
	e->m->policy.errdisable_recovery_s = 60;
	/* A read without storm drops ends the run. */
	for (int i = 0; i < 3; i++) {
		e->stats[FX_P_G].drop[FAB_DROP_storm] += 100;
		step(e, S);
	}
	step(e, S);
	assert_false(ctl_psec_errdisabled(e->ps, FX_P_G));
	for (int i = 0; i < 4; i++) {
		e->stats[FX_P_G].drop[FAB_DROP_storm] += 100;
		step(e, S);
	}
	assert_true(ctl_psec_errdisabled(e->ps, FX_P_G));
	assert_int_equal(ctl_psec_cause(e->ps, FX_P_G), CTL_PSEC_STORM);
	step(e, 60 * S);
	assert_false(ctl_psec_errdisabled(e->ps, FX_P_G));
}

static void test_storm_without_action_only_drops(void **state)
{
	struct env *e = *state;

	e->m->policy.storm_errdisable_s = 0;
	for (int i = 0; i < 100; i++) {
		e->stats[FX_P_G].drop[FAB_DROP_storm] += 100;
		step(e, S);
	}
	assert_false(ctl_psec_errdisabled(e->ps, FX_P_G));
}

static void test_push_retried_and_resynced(void **state)
{
	struct env *e = *state;

	e->m->ports[FX_P_A].violation = FAB_VIOLATION_SHUTDOWN;
	e->push_rc = -ENOTCONN;
	spoof(e, FX_P_A, 1);
	step(e, S);
	assert_true(ctl_psec_errdisabled(e->ps, FX_P_A));
	assert_false(e->dp_errdisabled[FX_P_A]);
	e->push_rc = 0;
	step(e, S);
	assert_true(e->dp_errdisabled[FX_P_A]);
	/* A restarted dataplane forgets; the sync puts it back. */
	e->dp_errdisabled[FX_P_A] = false;
	e->ports[FX_P_A].oper = FAB_OPER_UP;
	memset(e->stats, 0, sizeof(e->stats));
	ctl_psec_rebase(e->ps);
	ctl_psec_sync(e->ps, e->ports, FX_NPORTS);
	step(e, S);
	assert_true(e->dp_errdisabled[FX_P_A]);
	/* Counters that went back are a new baseline, not a violation. */
	assert_int_equal(ctl_psec_violations(e->ps, FX_P_A), 1);
}

static void test_state_follows_port_names(void **state)
{
	struct env *e = *state;
	struct fab_model *m2 = fab_model_clone(e->m);

	e->m->ports[FX_P_B].violation = FAB_VIOLATION_SHUTDOWN;
	spoof(e, FX_P_B, 1);
	step(e, S);
	assert_true(ctl_psec_errdisabled(e->ps, FX_P_B));
	assert_int_equal(ctl_psec_set_model(e->ps, m2), 0);
	fab_model_destroy(e->m);
	e->m = m2;
	assert_true(ctl_psec_errdisabled(e->ps, FX_P_B));
	assert_false(ctl_psec_errdisabled(e->ps, FX_P_A));
}

static void test_events_ring(void **state)
{
	struct ctl_events *ev = ctl_events_create(3);
	json_t *a;

	(void)state;
	for (int i = 0; i < 5; i++)
		ctl_events_add(ev, (uint64_t)(1700000000 + i) * S, "test", i % 2 ? "p1" : "p2",
			       "event %d", i);
	assert_int_equal(ctl_events_count(ev), 3);
	assert_int_equal(ctl_events_total(ev), 5);
	a = ctl_events_json(ev, NULL);
	assert_int_equal(json_array_size(a), 3);
	/* Oldest kept first, with its UTC time. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "text")),
			    "event 2");
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "time")),
			    "2023-11-14T22:13:22.000Z");
	json_decref(a);
	a = ctl_events_json(ev, "p1");
	assert_int_equal(json_array_size(a), 1);
	json_decref(a);
	ctl_events_destroy(ev);
}

/* Port A moved to a quarantine LAN, its binding with it. */
static struct fab_model *quarantined(uint16_t *qlan)
{
	struct fab_model *m = fx_exchange();

	assert_int_equal(fab_prefix4_parse("192.0.2.0/24", &m->lans[FX_LAN_STEER].ipv4), 0);
	*qlan = fx_lan(m, "quarantine", 999, FAB_NEIGH_STEER);
	m->lans[*qlan].kind = FAB_LAN_QUARANTINE;
	m->ports[FX_P_A].lans[0] = *qlan;
	for (size_t k = 0; k < m->nmembers; k++)
		for (size_t c = 0; c < m->members[k].nconns; c++)
			if (m->members[k].conns[c].port == FX_P_A)
				m->members[k].conns[c].bindings[0].lan = *qlan;
	return m;
}

/* A broadcast ARP request from mac for tpa (four bytes). */
static size_t arp_from(uint8_t *f, fab_mac_t mac, const uint8_t *tpa)
{
	memset(f, 0, 60);
	memset(f, 0xff, 6);
	for (int k = 0; k < 6; k++)
		f[6 + k] = f[22 + k] = (uint8_t)(mac >> (40 - 8 * k));
	f[12] = 0x08, f[13] = 0x06;
	f[14 + 1] = 1, f[14 + 2] = 8, f[14 + 4] = 6, f[14 + 5] = 4, f[14 + 7] = 1;
	memcpy(f + 14 + 24, tpa, 4);
	return 60;
}

static const char *check_detail(json_t *rep, const char *name, bool *pass)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(rep, "checks"), i,
			   c) if (strcmp(json_string_value(json_object_get(c, "check")), name) == 0)
	{
		*pass = json_is_true(json_object_get(c, "pass"));
		return json_string_value(json_object_get(c, "detail"));
	}
	fail_msg("no check %s", name);
	return NULL;
}

static void test_quarantine_report(void **state)
{
	uint16_t q;
	struct fab_model *m = quarantined(&q);
	struct ctl_quar *qr = ctl_quar_create();
	struct fab_port_stats st = {0};
	static const uint8_t b_addr[4] = {192, 0, 2, 11}, stray[4] = {198, 51, 100, 77};
	uint8_t f[64];
	fab_mac_t mac;
	json_t *rep;
	bool pass;

	(void)state;
	assert_int_equal(ctl_quar_set_model(qr, m), 0);
	assert_true(ctl_quar_port(qr, FX_P_A));
	assert_false(ctl_quar_port(qr, FX_P_B));
	/* Nothing seen yet: fails. */
	rep = ctl_quar_report(qr, FX_P_A, &st, 0, &mac);
	assert_false(json_is_true(json_object_get(rep, "pass")));
	check_detail(rep, "traffic seen", &pass);
	assert_false(pass);
	json_decref(rep);
	/* One MAC asking for an address on the LAN: passes, and names the MAC. */
	ctl_quar_frame(qr, FX_P_A, f, arp_from(f, FX_MAC_A, b_addr), 1);
	ctl_quar_frame(qr, FX_P_A, f, 10, 2);                            /* too short: ignored */
	ctl_quar_frame(qr, FX_P_B, f, arp_from(f, FX_MAC_B, b_addr), 2); /* not quarantined */
	rep = ctl_quar_report(qr, FX_P_A, &st, 3, &mac);
	assert_true(json_is_true(json_object_get(rep, "pass")));
	assert_int_equal(mac, FX_MAC_A);
	assert_int_equal(json_integer_value(json_object_get(rep, "frames")), 1);
	json_decref(rep);
	/* Forbidden frames in the counters fail it, by name. */
	st.drop[FAB_DROP_ipv6_ra] = 4;
	rep = ctl_quar_report(qr, FX_P_A, &st, 3, &mac);
	assert_false(json_is_true(json_object_get(rep, "pass")));
	assert_string_equal(check_detail(rep, "no forbidden frames", &pass), "ipv6_ra 4");
	assert_false(pass);
	json_decref(rep);
	st.drop[FAB_DROP_ipv6_ra] = 0;
	/* A second MAC, and a request for an address on no LAN, fail it. */
	ctl_quar_frame(qr, FX_P_A, f, arp_from(f, 0x0200000000eeULL, stray), 4);
	rep = ctl_quar_report(qr, FX_P_A, &st, 5, &mac);
	assert_false(json_is_true(json_object_get(rep, "pass")));
	assert_int_equal(mac, 0);
	check_detail(rep, "one source MAC", &pass);
	assert_false(pass);
	assert_string_equal(check_detail(rep, "ARP/ND only for the LANs' addresses", &pass),
			    "198.51.100.77");
	assert_false(pass);
	json_decref(rep);
	/* A new observation starts clean. */
	ctl_quar_reset(qr, FX_P_A);
	rep = ctl_quar_report(qr, FX_P_A, &st, 6, &mac);
	assert_int_equal(json_integer_value(json_object_get(rep, "frames")), 0);
	json_decref(rep);
	ctl_quar_destroy(qr);
	fab_model_destroy(m);
}

static void test_quarantine_promoted(void **state)
{
	uint16_t q;
	struct fab_model *m = quarantined(&q), *p;
	char err[256];
	int k = fab_model_member_by_port(m, FX_P_A);
	const struct fab_binding *b;

	(void)state;
	assert_true(k >= 0);
	p = ctl_quar_promoted(m, FX_P_A, true, 0x020000000a0aULL, err, sizeof(err));
	assert_non_null(p);
	assert_int_equal(p->ports[FX_P_A].lans[0], FX_LAN_STEER);
	b = &p->members[k].conns[0].bindings[0];
	assert_int_equal(b->lan, FX_LAN_STEER);
	assert_int_equal(b->nmacs, 1);
	assert_int_equal(b->macs[0], 0x020000000a0aULL);
	/* The original is untouched. */
	assert_int_equal(m->ports[FX_P_A].lans[0], q);
	fab_model_destroy(p);
	/* A port with nothing in quarantine cannot be promoted. */
	assert_null(ctl_quar_promoted(m, FX_P_B, false, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "no member binding on a quarantine LAN"));
	fab_model_destroy(m);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_protect_counts_only),
	    T(test_restrict_logs_rate_limited),
	    T(test_shutdown_and_recovery_timer),
	    T(test_shutdown_without_recovery_and_clear),
	    T(test_core_port_never_shut),
	    T(test_link_up_is_no_flap),
	    T(test_flap_dampening),
	    T(test_link_events),
	    T(test_storm_errdisable_after),
	    T(test_storm_without_action_only_drops),
	    T(test_push_retried_and_resynced),
	    T(test_state_follows_port_names),
	    cmocka_unit_test(test_events_ring),
	    cmocka_unit_test(test_quarantine_report),
	    cmocka_unit_test(test_quarantine_promoted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
