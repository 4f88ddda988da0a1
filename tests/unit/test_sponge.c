/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fabric/sponge.h"
#include "tests/unit/fixture.h"

#define T0 1000000ULL /* an arbitrary start, in ms */
/* The real time at T0, ms since the epoch: 2026-12-01 00:00:00 UTC. */
#define W0 1796083200000ULL

/* arpsponge's defaults but a queue of 10, so tests stay short. */
static struct fab_sponge_policy policy(void)
{
	return (struct fab_sponge_policy){
	    .queue_depth = 10,
	    .rate_per_min = 50,
	    .flood_ms = 333,
	    .probes = 5,
	    .probe_interval_ms = 1000,
	    .learning_s = 5,
	    .init_state = FAB_SPONGE_ALIVE,
	    .mac = 0x02005e0000feULL,
	    .enabled = true,
	};
}

static struct fab_naddr addr(const char *s)
{
	struct fab_naddr a;

	assert_int_equal(fab_naddr_parse(&a, s), 0);
	return a;
}

/* n queries for target, gap ms apart from two alternating sources, starting at t. */
static int storm(struct fab_sponge *s, const char *target, unsigned n, uint64_t t, uint64_t gap)
{
	struct fab_naddr tg = addr(target);
	struct fab_naddr src[2] = {addr("192.0.2.1"), addr("192.0.2.2")};
	int st = -1;

	for (unsigned i = 0; i < n; i++)
		st = fab_sponge_query(s, &tg, &src[i % 2], t + i * gap);
	return st;
}

/* Asserts that a is in state since since_ms (the sponge's clock), as fab_sponge_get says at now. */
static void assert_state_since(const struct fab_sponge *s, const struct fab_naddr *a, uint64_t now,
			       enum fab_sponge_state state, uint64_t since_ms)
{
	struct fab_sponge_info info;

	assert_int_equal(fab_sponge_get(s, a, now, &info), 0);
	assert_int_equal(info.state, state);
	assert_int_equal(info.since_ms, since_ms);
}

static void test_addresses(void **state)
{
	struct fab_naddr a;
	char buf[64];

	(void)state;
	a = addr("192.0.2.10");
	assert_true(fab_naddr_is4(&a));
	assert_string_equal(fab_naddr_str(&a, buf, sizeof(buf)), "192.0.2.10");
	a = addr("2001:db8::a");
	assert_false(fab_naddr_is4(&a));
	assert_string_equal(fab_naddr_str(&a, buf, sizeof(buf)), "2001:db8::a");
	a = addr("0.0.0.0");
	assert_true(fab_naddr_is_unspec(&a));
	a = addr("::");
	assert_true(fab_naddr_is_unspec(&a));
	assert_int_equal(fab_naddr_parse(&a, "192.0.2"), -EINVAL);
	assert_int_equal(fab_naddr_parse(&a, "2001:db8::g"), -EINVAL);
	assert_int_equal(fab_naddr_parse(&a, ""), -EINVAL);
}

/* Only unicast addresses inside a LAN's prefix may be sponged by hand. */
static void test_lan_of_address(void **state)
{
	static const struct {
		const char *addr, *why;
	} bad[] = {
	    {"0.0.0.0", "unspecified"},
	    {"255.255.255.255", "broadcast"},
	    {"224.0.0.1", "multicast"},
	    {"127.0.0.1", "loopback"},
	    {"169.254.1.1", "link-local"},
	    {"240.0.0.1", "reserved"},
	    {"192.0.2.0", "network address of LAN peering"},
	    {"192.0.2.255", "broadcast address of LAN peering"},
	    {"198.51.100.7", "outside every LAN's IPv4 prefix"},
	    {"::", "unspecified"},
	    {"::1", "loopback"},
	    {"ff02::1", "multicast"},
	    {"ff02::1:ff00:1", "multicast"},
	    {"fe80::1", "link-local"},
	    {"2001:db8:1::", "subnet-router anycast address of LAN peering"},
	    {"2001:db8:2::1", "outside every LAN's IPv6 prefix"},
	};
	struct fab_model *m = fx_model();
	struct fab_naddr a;
	char why[160];

	(void)state;
	fx_lan(m, "other", 200, FAB_NEIGH_STEER);
	fx_lan(m, "peering", 100, FAB_NEIGH_STEER);
	assert_int_equal(fab_prefix4_parse("192.0.2.0/24", &m->lans[1].ipv4), 0);
	assert_int_equal(fab_prefix6_parse("2001:db8:1::/64", &m->lans[1].ipv6), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = addr(bad[i].addr);
		why[0] = '\0';
		assert_int_equal(fab_naddr_lan(m, &a, why, sizeof(why)), -EINVAL);
		if (strstr(why, bad[i].why) == NULL || strstr(why, bad[i].addr) == NULL)
			fail_msg("%s: \"%s\" does not say \"%s\"", bad[i].addr, why, bad[i].why);
	}
	a = addr("192.0.2.1");
	assert_int_equal(fab_naddr_lan(m, &a, why, sizeof(why)), 1);
	a = addr("192.0.2.254");
	assert_int_equal(fab_naddr_lan(m, &a, why, sizeof(why)), 1);
	a = addr("2001:db8:1::a");
	assert_int_equal(fab_naddr_lan(m, &a, why, sizeof(why)), 1);
	/* A /31 has no network or broadcast address: both ends are routers. */
	assert_int_equal(fab_prefix4_parse("203.0.113.0/31", &m->lans[0].ipv4), 0);
	a = addr("203.0.113.0");
	assert_int_equal(fab_naddr_lan(m, &a, why, sizeof(why)), 0);
	fab_model_destroy(m);
}

static void test_threshold(void **state)
{
	struct fab_sponge_policy p = policy();
	struct fab_sponge *s = fab_sponge_create(&p, 0, T0);
	uint64_t t = T0 + 10000;
	struct fab_sponge_info info;
	struct fab_naddr a = addr("192.0.2.99");

	(void)state;
	assert_non_null(s);
	/* 9 queries a second apart: 60/min, but the queue is not full yet. */
	assert_int_equal(storm(s, "192.0.2.99", 9, t, 1000), FAB_SPONGE_ALIVE);
	assert_int_equal(fab_sponge_get(s, &a, t, &info), 0);
	assert_int_equal(info.queued, 9);
	assert_int_equal(info.rate_per_min, 60);
	/* The tenth fills it, over 50/min: PENDING. */
	assert_int_equal(storm(s, "192.0.2.99", 1, t + 9000, 0), FAB_SPONGE_PENDING);

	/* Two seconds apart is 30/min: a full queue stays ALIVE. */
	assert_int_equal(storm(s, "2001:db8::99", 30, t, 2000), FAB_SPONGE_ALIVE);
	a = addr("2001:db8::99");
	assert_int_equal(fab_sponge_get(s, &a, t, &info), 0);
	assert_int_equal(info.queued, 10);
	assert_int_equal(info.rate_per_min, 30);
	assert_int_equal(info.queries, 30);
	fab_sponge_destroy(s);
}

static void test_learning_period(void **state)
{
	struct fab_sponge_policy p = policy();
	struct fab_sponge *s = fab_sponge_create(&p, 0, T0);

	(void)state;
	/* A storm inside the 5 s learning period changes nothing ... */
	assert_true(fab_sponge_learning(s, T0 + 4999));
	assert_int_equal(storm(s, "192.0.2.99", 40, T0, 100), FAB_SPONGE_ALIVE);
	assert_false(fab_sponge_learning(s, T0 + 5000));
	/* ... but it was recorded: the first query after it decides. */
	assert_int_equal(storm(s, "192.0.2.99", 1, T0 + 5000, 0), FAB_SPONGE_PENDING);
	fab_sponge_destroy(s);
}

static void test_flood_protection(void **state)
{
	struct fab_sponge_policy p = policy();
	struct fab_sponge *s = fab_sponge_create(&p, 0, T0);
	struct fab_naddr tg = addr("192.0.2.99"), src = addr("192.0.2.1");
	struct fab_sponge_info info;
	uint64_t t = T0 + 10000;

	(void)state;
	p.rate_per_min = 200;
	fab_sponge_set_policy(s, &p);
	/* One source every 100 ms for 10 s: only one in four counts (>= 333 ms apart). */
	for (unsigned i = 0; i < 100; i++)
		assert_int_equal(fab_sponge_query(s, &tg, &src, t + i * 100), FAB_SPONGE_ALIVE);
	assert_int_equal(fab_sponge_get(s, &tg, t, &info), 0);
	assert_int_equal(info.queries, 25);
	assert_int_equal(info.flood_ignored, 75);
	/* What is left is 400 ms apart: 150/min, under this test's 200. */
	assert_int_equal(info.rate_per_min, 150);
	assert_int_equal(info.queued, 10);
	fab_sponge_destroy(s);
}

static void test_probes_then_dead(void **state)
{
	struct fab_sponge_policy p = policy();
	struct fab_sponge *s;
	struct fab_sponge_action act[8];
	struct fab_naddr dead[4], a = addr("2001:db8::99");
	uint64_t t = T0 + 10000, gen;

	(void)state;
	p.gratuitous = true;
	s = fab_sponge_create(&p, 0, T0);
	assert_int_equal(storm(s, "2001:db8::99", 10, t, 100), FAB_SPONGE_PENDING);
	t += 900;
	gen = fab_sponge_generation(s);
	/* One probe at once, then one a second; a bounded out takes them in turns. */
	assert_int_equal(fab_sponge_tick(s, t, act, 0), 0);
	assert_int_equal(fab_sponge_tick(s, t, act, 8), 1);
	assert_int_equal(act[0].kind, FAB_SPONGE_PROBE);
	assert_memory_equal(&act[0].addr, &a, sizeof(a));
	assert_int_equal(fab_sponge_tick(s, t + 999, act, 8), 0);
	for (unsigned i = 1; i < 5; i++)
		assert_int_equal(fab_sponge_tick(s, t + i * 1000, act, 8), 1);
	assert_int_equal(fab_sponge_sponged(s, dead, 4), 0);
	assert_int_equal(fab_sponge_generation(s), gen);
	/* No answer one interval after the fifth probe: DEAD, announced. */
	assert_int_equal(fab_sponge_tick(s, t + 5000, act, 8), 1);
	assert_int_equal(act[0].kind, FAB_SPONGE_ANNOUNCE);
	assert_int_equal(fab_sponge_sponged(s, dead, 4), 1);
	assert_memory_equal(&dead[0], &a, sizeof(a));
	assert_int_not_equal(fab_sponge_generation(s), gen);
	/* Dead addresses are not probed any more. */
	assert_int_equal(fab_sponge_tick(s, t + 60000, act, 8), 0);
	fab_sponge_destroy(s);
}

static void test_answer_during_probes(void **state)
{
	struct fab_sponge_policy p = policy();
	struct fab_sponge *s = fab_sponge_create(&p, 0, T0);
	struct fab_sponge_action act[8];
	struct fab_naddr a = addr("192.0.2.99");
	struct fab_sponge_info info;
	uint64_t t = T0 + 10000;

	(void)state;
	assert_int_equal(storm(s, "192.0.2.99", 10, t, 100), FAB_SPONGE_PENDING);
	assert_int_equal(fab_sponge_tick(s, t + 1000, act, 8), 1);
	assert_int_equal(fab_sponge_heard(s, &a, t + 1500), FAB_SPONGE_PENDING);
	assert_int_equal(fab_sponge_get(s, &a, t, &info), 0);
	assert_int_equal(info.state, FAB_SPONGE_ALIVE);
	assert_int_equal(info.queued, 0);
	assert_int_equal(info.last_heard_ms, t + 1500);
	/* No further probes and never DEAD. */
	assert_int_equal(fab_sponge_tick(s, t + 60000, act, 8), 0);
	assert_int_equal(fab_sponge_sponged(s, NULL, 0), 0);
	/* It takes a full queue again to go PENDING again. */
	assert_int_equal(storm(s, "192.0.2.99", 9, t + 70000, 100), FAB_SPONGE_ALIVE);
	fab_sponge_destroy(s);
}

static void test_unsponge_when_heard(void **state)
{
	struct fab_sponge_policy p = policy();
	struct fab_sponge *s = fab_sponge_create(&p, 0, T0);
	struct fab_naddr a = addr("192.0.2.99"), b = addr("2001:db8::1");
	uint64_t gen;

	(void)state;
	assert_int_equal(fab_sponge_heard(s, &a, T0), -ENOENT);
	assert_int_equal(fab_sponge_set_state(s, &a, FAB_SPONGE_DEAD, T0), 0);
	assert_int_equal(fab_sponge_set_state(s, &b, FAB_SPONGE_STATIC, T0), 0);
	assert_int_equal(fab_sponge_sponged(s, NULL, 0), 2);
	gen = fab_sponge_generation(s);
	/* A gratuitous ARP or any frame from it: ALIVE at once, from DEAD or STATIC. */
	assert_int_equal(fab_sponge_heard(s, &a, T0 + 1), FAB_SPONGE_DEAD);
	assert_int_equal(fab_sponge_heard(s, &b, T0 + 1), FAB_SPONGE_STATIC);
	assert_int_equal(fab_sponge_sponged(s, NULL, 0), 0);
	assert_int_not_equal(fab_sponge_generation(s), gen);
	assert_int_equal(fab_sponge_set_state(s, &a, (enum fab_sponge_state)9, T0), -EINVAL);
	fab_sponge_destroy(s);
}

static void test_dad_never_counts(void **state)
{
	struct fab_sponge_policy p = policy();
	struct fab_sponge *s = fab_sponge_create(&p, 0, T0);
	struct fab_naddr tg = addr("192.0.2.99"), z4 = addr("0.0.0.0"), z6 = addr("::");
	struct fab_sponge_info info;

	(void)state;
	for (unsigned i = 0; i < 100; i++) {
		assert_int_equal(fab_sponge_query(s, &tg, &z4, T0 + 10000 + i), -EINVAL);
		assert_int_equal(fab_sponge_query(s, &tg, &z6, T0 + 10000 + i), -EINVAL);
	}
	assert_int_equal(fab_sponge_get(s, &tg, T0, &info), -ENOENT);
	assert_int_equal(fab_sponge_list(s, T0, &info, 1), 0);
	fab_sponge_destroy(s);
}

static void test_disabled_and_full(void **state)
{
	struct fab_sponge_policy p = policy();
	struct fab_sponge *s;
	struct fab_naddr a = addr("192.0.2.50"), src = addr("192.0.2.1");

	(void)state;
	p.enabled = false;
	s = fab_sponge_create(&p, 2, T0);
	assert_int_equal(storm(s, "192.0.2.99", 50, T0 + 10000, 100), FAB_SPONGE_ALIVE);
	assert_int_equal(storm(s, "192.0.2.98", 1, T0 + 10000, 100), FAB_SPONGE_ALIVE);
	/* A third address does not fit a table of two. */
	assert_int_equal(fab_sponge_query(s, &a, &src, T0 + 20000), -ENOSPC);
	assert_int_equal(fab_sponge_overflow(s), 1);
	fab_sponge_destroy(s);
	p.queue_depth = 0;
	errno = 0;
	assert_null(fab_sponge_create(&p, 0, T0));
	assert_int_equal(errno, EINVAL);
	fab_sponge_destroy(NULL);
}

static void test_persistence(void **state)
{
	struct fab_sponge_policy p = policy();
	struct fab_sponge *s = fab_sponge_create(&p, 0, T0), *r;
	struct fab_naddr a = addr("192.0.2.99"), b = addr("2001:db8::99"), c = addr("192.0.2.7");
	struct fab_sponge_info info;
	char dir[] = "/tmp/test_sponge.XXXXXX", path[128], tmp[140], line[80];
	unsigned bad = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sponge.state", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fab_sponge_set_state(s, &a, FAB_SPONGE_DEAD, T0);
	fab_sponge_set_state(s, &b, FAB_SPONGE_STATIC, T0);
	fab_sponge_set_state(s, &c, FAB_SPONGE_PENDING, T0);
	assert_int_equal(fab_sponge_save(s, path, T0 + 1500, W0 + 1500), 0);
	assert_int_equal(access(tmp, F_OK), -1);
	/* Each line says when the address entered its state, in seconds. */
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "dead 192.0.2.99 1796083200\n");
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "static 2001:db8::99 1796083200\n");
	assert_null(fgets(line, sizeof(line), f));
	fclose(f);

	/* Loaded 2 s later by a sponge whose clock started elsewhere: still fresh. */
	r = fab_sponge_create(&p, 0, 50000);
	/* A missing file is an empty state. */
	assert_int_equal(fab_sponge_load(r, tmp, 50000, W0 + 2000, &bad), 0);
	assert_int_equal(fab_sponge_load(r, path, 50000, W0 + 2000, &bad), 0);
	assert_int_equal(fab_sponge_sponged(r, NULL, 0), 2);
	/* Since the time it entered, on the new clock. */
	assert_state_since(r, &a, T0, FAB_SPONGE_DEAD, 48000);
	assert_int_equal(fab_sponge_get(r, &b, T0, &info), 0);
	assert_int_equal(info.state, FAB_SPONGE_STATIC);
	/* Only sponged addresses are saved. */
	assert_int_equal(fab_sponge_get(r, &c, T0, &info), -ENOENT);
	fab_sponge_destroy(r);

	/* A bad line refuses the whole file and says where. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("dead 192.0.2.1\n\nstatic 192.0.2.2\nalive 192.0.2.3\n", f);
	fclose(f);
	r = fab_sponge_create(&p, 0, T0);
	assert_int_equal(fab_sponge_load(r, path, T0, W0, &bad), -EINVAL);
	assert_int_equal(bad, 4);
	assert_int_equal(fab_sponge_list(r, T0, &info, 1), 0);
	/* So does a time that is not one. */
	static const char *const bad_times[] = {
	    "12x", "-5", "+5", "1e9", "1000000000000", "99999999999999999999999", "1 2"};
	for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++) {
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "static 192.0.2.2 1796083200\ndead 192.0.2.1 %s\n", bad_times[i]);
		fclose(f);
		bad = 0;
		assert_int_equal(fab_sponge_load(r, path, T0, W0, &bad), -EINVAL);
		assert_int_equal(bad, 2);
		assert_int_equal(fab_sponge_list(r, T0, &info, 1), 0);
	}
	fab_sponge_destroy(r);

	/* Saving where the directory is gone fails cleanly. */
	unlink(path);
	rmdir(dir);
	assert_int_equal(fab_sponge_save(s, path, T0, W0), -ENOENT);
	fab_sponge_destroy(s);
}

struct state_file {
	char dir[32];
	char path[64];
};

/* A sponge started at T0 from a state file holding text, read at real time wall_ms. */
static struct fab_sponge *sponge_from(const struct fab_sponge_policy *p, const char *text,
				      uint64_t wall_ms, struct state_file *sf)
{
	struct fab_sponge *s = fab_sponge_create(p, 0, T0);
	FILE *f;

	snprintf(sf->dir, sizeof(sf->dir), "/tmp/test_sponge.XXXXXX");
	assert_non_null(mkdtemp(sf->dir));
	snprintf(sf->path, sizeof(sf->path), "%s/sponge.state", sf->dir);
	f = fopen(sf->path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_non_null(s);
	assert_int_equal(fab_sponge_load(s, sf->path, T0, wall_ms, NULL), 0);
	return s;
}

/* An address's state, or -ENOENT. */
static int state_of(const struct fab_sponge *s, const struct fab_naddr *a)
{
	struct fab_sponge_info info;
	int rc = fab_sponge_get(s, a, T0, &info);

	return rc != 0 ? rc : (int)info.state;
}

static void sponge_done(struct fab_sponge *s, struct state_file *sf)
{
	fab_sponge_destroy(s);
	unlink(sf->path);
	rmdir(sf->dir);
}

/* Counts the probes for a among n actions. */
static unsigned probes_for(const struct fab_sponge_action *act, size_t n, const struct fab_naddr *a)
{
	unsigned k = 0;

	for (size_t i = 0; i < n; i++) {
		assert_int_equal(act[i].kind, FAB_SPONGE_PROBE);
		k += memcmp(&act[i].addr, a, sizeof(*a)) == 0;
	}
	return k;
}

/* The tick at t probes a and b, once each, and does nothing else. */
static void assert_probes_two(struct fab_sponge *s, uint64_t t, const struct fab_naddr *a,
			      const struct fab_naddr *b)
{
	struct fab_sponge_action act[8];

	assert_int_equal(fab_sponge_tick(s, t, act, 8), 2);
	assert_int_equal(probes_for(act, 2, a), 1);
	assert_int_equal(probes_for(act, 2, b), 1);
}

/*
 * A dead state older than the sponge's own verification (5 probes a second
 * apart and one more second: 6 s) is not sponged on load: it is probed
 * first, and sponged only when the probes go unanswered.
 */
static void test_load_stale_dead_is_verified(void **state)
{
	struct fab_sponge_policy p = policy();
	struct fab_sponge *s;
	struct fab_sponge_action act[8];
	struct fab_naddr a = addr("192.0.2.1"), b = addr("2001:db8::1");
	struct state_file sf;
	uint64_t t = T0, gen;

	(void)state;
	p.gratuitous = true;
	assert_int_equal(fab_sponge_verify_ms(&p), 6000);
	/* a sponged at W0, b a day before; the restart comes exactly 6 s after W0. */
	s = sponge_from(&p, "dead 192.0.2.1 1796083200\ndead 2001:db8::1 1795996800\n", W0 + 6000,
			&sf);
	assert_int_equal(fab_sponge_sponged(s, NULL, 0), 0);
	assert_int_equal(state_of(s, &a), FAB_SPONGE_PENDING);
	assert_int_equal(state_of(s, &b), FAB_SPONGE_PENDING);
	gen = fab_sponge_generation(s);

	/* Probed at once, learning period or not, then once a second. */
	assert_true(fab_sponge_learning(s, t));
	assert_probes_two(s, t, &a, &b);
	/* b's owner answers: ALIVE, and never sponged. */
	assert_int_equal(fab_sponge_heard(s, &b, t + 300), FAB_SPONGE_PENDING);
	for (unsigned i = 1; i < 5; i++) {
		assert_int_equal(fab_sponge_tick(s, t + i * 1000, act, 8), 1);
		assert_int_equal(probes_for(act, 1, &a), 1);
		assert_int_equal(fab_sponge_sponged(s, NULL, 0), 0);
	}
	assert_int_equal(fab_sponge_generation(s), gen);
	/* a stays silent one interval after its last probe: DEAD now, announced. */
	assert_int_equal(fab_sponge_tick(s, t + 5000, act, 8), 1);
	assert_int_equal(act[0].kind, FAB_SPONGE_ANNOUNCE);
	assert_int_equal(fab_sponge_sponged(s, NULL, 0), 1);
	assert_state_since(s, &a, t, FAB_SPONGE_DEAD, t + 5000);
	assert_int_equal(state_of(s, &b), FAB_SPONGE_ALIVE);
	assert_int_equal(fab_sponge_tick(s, t + 60000, act, 8), 0);
	sponge_done(s, &sf);
}

/*
 * A dead state younger than that is sponged at once, keeps its time, and is
 * probed once more: an owner that answers is ALIVE, a silent one stays DEAD
 * without a second announcement.
 */
static void test_load_fresh_dead_is_kept_and_rechecked(void **state)
{
	struct fab_sponge_policy p = policy();
	struct fab_sponge *s;
	struct fab_sponge_action act[8];
	struct fab_naddr a = addr("192.0.2.1"), b = addr("2001:db8::1");
	struct state_file sf;
	uint64_t t = T0, gen;

	(void)state;
	p.gratuitous = true;
	s = sponge_from(&p, "dead 192.0.2.1 1796083200\ndead 2001:db8::1 1796083200\n", W0 + 5999,
			&sf);
	assert_int_equal(fab_sponge_sponged(s, NULL, 0), 2);
	assert_state_since(s, &a, t, FAB_SPONGE_DEAD, t - 5999);

	assert_probes_two(s, t, &a, &b);
	/* b was back: its answer unsponges it. */
	assert_int_equal(fab_sponge_heard(s, &b, t + 200), FAB_SPONGE_DEAD);
	assert_int_equal(fab_sponge_sponged(s, NULL, 0), 1);
	gen = fab_sponge_generation(s);
	for (unsigned i = 1; i < 5; i++) {
		assert_int_equal(fab_sponge_tick(s, t + i * 1000, act, 8), 1);
		assert_int_equal(probes_for(act, 1, &a), 1);
	}
	/* a stays silent: DEAD as it was, not announced again, not probed again. */
	assert_int_equal(fab_sponge_tick(s, t + 5000, act, 8), 0);
	assert_int_equal(fab_sponge_tick(s, t + 60000, act, 8), 0);
	assert_int_equal(fab_sponge_generation(s), gen);
	assert_state_since(s, &a, t, FAB_SPONGE_DEAD, t - 5999);
	assert_int_equal(state_of(s, &b), FAB_SPONGE_ALIVE);
	sponge_done(s, &sf);
}

/*
 * Files written before the time was kept: a dead line has no age and is
 * verified; a static line is the operator's word and is kept. So is a
 * static line of any age. A time in the future (the clock went back) makes
 * a dead state as untrustworthy as no time at all.
 */
static void test_load_old_format_and_static(void **state)
{
	struct fab_sponge_policy p = policy();
	struct fab_sponge *s;
	struct fab_sponge_action act[8];
	struct fab_naddr a = addr("192.0.2.1"), b = addr("192.0.2.2"), c = addr("192.0.2.3"),
			 d = addr("2001:db8::4");
	struct state_file sf;
	uint64_t t = T0;

	(void)state;
	s = sponge_from(&p,
			"dead 192.0.2.1\nstatic 192.0.2.2\n"
			"static 192.0.2.3 1700000000\ndead 2001:db8::4 1796083260\n",
			W0, &sf);
	assert_int_equal(state_of(s, &a), FAB_SPONGE_PENDING);
	assert_state_since(s, &b, t, FAB_SPONGE_STATIC, t);
	assert_int_equal(state_of(s, &c), FAB_SPONGE_STATIC);
	assert_int_equal(state_of(s, &d), FAB_SPONGE_PENDING);
	assert_int_equal(fab_sponge_sponged(s, NULL, 0), 2);
	/* Only the dead ones are probed; the static ones never. */
	for (unsigned i = 0; i < 5; i++) {
		assert_probes_two(s, t + i * 1000, &a, &d);
	}
	assert_int_equal(fab_sponge_tick(s, t + 5000, act, 8), 0);
	assert_int_equal(fab_sponge_sponged(s, NULL, 0), 4);
	sponge_done(s, &sf);

	/* With the sponge off nothing is probed; the stale ones wait, unsponged. */
	p.enabled = false;
	s = sponge_from(&p, "dead 192.0.2.1\nstatic 192.0.2.2\n", W0, &sf);
	assert_int_equal(fab_sponge_tick(s, t + 60000, act, 8), 0);
	assert_int_equal(state_of(s, &a), FAB_SPONGE_PENDING);
	/* Turned on a minute late (or the dataplane came late): the probes are
	 * still a second apart, and the owner has all the time to answer. */
	p.enabled = true;
	assert_int_equal(fab_sponge_set_policy(s, &p), 0);
	t += 60000;
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(fab_sponge_tick(s, t + i * 1000, act, 8), 1);
		assert_int_equal(probes_for(act, 1, &a), 1);
		assert_int_equal(fab_sponge_tick(s, t + i * 1000 + 999, act, 8), 0);
	}
	assert_int_equal(state_of(s, &a), FAB_SPONGE_PENDING);
	assert_int_equal(fab_sponge_tick(s, t + 5000, act, 8), 0);
	assert_int_equal(state_of(s, &a), FAB_SPONGE_DEAD);
	sponge_done(s, &sf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addresses),
	    cmocka_unit_test(test_threshold),
	    cmocka_unit_test(test_learning_period),
	    cmocka_unit_test(test_flood_protection),
	    cmocka_unit_test(test_probes_then_dead),
	    cmocka_unit_test(test_answer_during_probes),
	    cmocka_unit_test(test_unsponge_when_heard),
	    cmocka_unit_test(test_dad_never_counts),
	    cmocka_unit_test(test_disabled_and_full),
	    cmocka_unit_test(test_persistence),
	    cmocka_unit_test(test_load_stale_dead_is_verified),
	    cmocka_unit_test(test_load_fresh_dead_is_kept_and_rechecked),
	    cmocka_unit_test(test_load_old_format_and_static),
	    cmocka_unit_test(test_lan_of_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
