/* SPDX-License-Identifier: BSD-3-Clause */
/* Which configuration changes a running dataplane refuses (fabric/diff.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fabric/config.h"
#include "fabric/diff.h"

/* %s: the ports, each "  - {name: ..., device: ..., lans: [peering]}" line. */
static const char fmt[] =
    "fabric: {name: t}\n"
    "lans:\n"
    "  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24}\n"
    "ports:\n"
    "%s"
    "members:\n"
    "  - asn: 64501\n"
    "    name: One\n"
    "    connections:\n"
    "      - port: p1\n"
    "        lans:\n"
    "          - {lan: peering, macs: [02:00:00:00:00:01], ipv4: [192.0.2.1]}\n";

#define P1 "  - {name: p1, device: net_null0, lans: [peering]}\n"
#define P2 "  - {name: p2, device: net_null1, lans: [peering]}\n"
#define P3 "  - {name: p3, device: net_null2, lans: [peering]}\n"

static struct fab_model *load(const char *ports)
{
	struct fab_config_errors e = {0};
	struct fab_model *m;
	char text[2048];

	snprintf(text, sizeof(text), fmt, ports);
	m = fab_config_load_string(text, strlen(text), "test", &e);
	if (m == NULL)
		fail_msg("does not load: %s", e.n ? e.v[0].msg : "?");
	return m;
}

struct seen {
	char text[8][512];
	size_t n;
};

static void collect(void *arg, const char *text)
{
	struct seen *s = arg;

	if (s->n < 8)
		snprintf(s->text[s->n++], sizeof(s->text[0]), "%s", text);
}

/* The reasons from a to b: exactly want (NULL-terminated), each as a substring. */
static void expect(const char *a, const char *b, bool mtu, const char *const *want)
{
	struct fab_model *ma = load(a), *mb = load(b);
	struct seen s = {0};
	size_t n = fab_model_restart_reasons(ma, mb, mtu, collect, &s), k = 0;
	char joined[1024];

	while (want[k] != NULL)
		k++;
	assert_int_equal(n, s.n);
	if (n != k)
		fail_msg("%zu reasons, want %zu; first: %s", n, k, n ? s.text[0] : "-");
	for (size_t i = 0; i < k; i++)
		if (strstr(s.text[i], want[i]) == NULL)
			fail_msg("reason %zu '%s' does not say '%s'", i, s.text[i], want[i]);
	assert_int_equal(fab_model_restart_text(ma, mb, mtu, joined, sizeof(joined)), n);
	if (n > 0)
		assert_non_null(strstr(joined, s.text[n - 1]));
	else
		assert_string_equal(joined, "");
	fab_model_destroy(ma);
	fab_model_destroy(mb);
}

static void test_no_restart(void **state)
{
	static const char *const none[] = {NULL};

	(void)state;
	expect(P1 P2, P1 P2, true, none);
	/* Admin state, description and a lower MTU are reloadable. */
	expect(P1 P2,
	       P1 "  - {name: p2, device: net_null1, lans: [peering], admin: down, mtu: 1400, "
		  "description: x}\n",
	       true, none);
}

static void test_device_changed(void **state)
{
	static const char *const want[] = {"port p2: device net_null1 -> net_null9", NULL};

	(void)state;
	expect(P1 P2, P1 "  - {name: p2, device: net_null9, lans: [peering]}\n", true, want);
}

static void test_added_and_removed(void **state)
{
	static const char *const added[] = {"port p3 (net_null2) added", NULL};
	static const char *const removed[] = {"port p2 (net_null1) removed", NULL};
	static const char *const renamed[] = {"port p9 (net_null1) added",
					      "port p2 (net_null1) removed", NULL};

	(void)state;
	expect(P1 P2, P1 P2 P3, true, added);
	expect(P1 P2, P1, true, removed);
	/* The middle one removed: the ports after it move, said by the removal alone. */
	expect(P1 P2 P3, P1 P3, true, removed);
	expect(P1 P2, P1 "  - {name: p9, device: net_null1, lans: [peering]}\n", true, renamed);
}

static void test_reordered(void **state)
{
	static const char *const want[] = {"2 port(s) in another order", NULL};

	(void)state;
	expect(P1 P2 P3, P1 P3 P2, true, want);
}

static void test_mtu_above_running(void **state)
{
	static const char *const want[] = {"port p2: MTU 9000 is above 1500", NULL};
	static const char *const none[] = {NULL};
	const char *big = P1 "  - {name: p2, device: net_null1, lans: [peering], mtu: 9000}\n";

	(void)state;
	expect(P1 P2, big, true, want);
	expect(P1 P2, big, false, none); /* the dataplane checks its NICs instead */
	expect(big,
	       P1 "  - {name: p2, device: net_null1, lans: [peering], mtu: 4000}\n"
		  "  - {name: p3, device: net_null2, lans: [peering], mtu: 9000}\n",
	       true, (const char *const[]){"port p3 (net_null2) added", NULL});
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_restart),        cmocka_unit_test(test_device_changed),
	    cmocka_unit_test(test_added_and_removed), cmocka_unit_test(test_reordered),
	    cmocka_unit_test(test_mtu_above_running),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
