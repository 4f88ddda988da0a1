/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fabric/sflow.h"

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const struct fab_sflow_agent agent4 = {.addr = {192, 0, 2, 1}, .sub_agent = 7};

/* The datagram header, byte by byte as the specification lays it out. */
static void test_header(void **state)
{
	struct fab_sflow_dgram d;
	struct fab_sflow_agent a6 = {.ipv6 = true, .addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};

	(void)state;
	fab_sflow_begin(&d, &agent4, 42, 123456);
	assert_int_equal(d.len, 28);
	assert_int_equal(get32(d.buf), 5);
	assert_int_equal(get32(d.buf + 4), 1);
	assert_memory_equal(d.buf + 8, agent4.addr, 4);
	assert_int_equal(get32(d.buf + 12), 7);
	assert_int_equal(get32(d.buf + 16), 42);
	assert_int_equal(get32(d.buf + 20), 123456);
	assert_int_equal(get32(d.buf + 24), 0);
	fab_sflow_begin(&d, &a6, 1, 0);
	assert_int_equal(d.len, 40);
	assert_int_equal(get32(d.buf + 4), 2);
	assert_memory_equal(d.buf + 8, a6.addr, 16);
}

static void test_flow_sample(void **state)
{
	uint8_t frame[61];
	struct fab_sflow_flow f = {.seq = 3,
				   .ifindex = 2,
				   .rate = 2048,
				   .pool = 9000,
				   .drops = 1,
				   .input = 2,
				   .output = FAB_SFLOW_OUT_DISCARD,
				   .frame_len = 65,
				   .hdr = frame,
				   .hdr_len = 61};
	struct fab_sflow_dgram d;
	const uint8_t *s;

	(void)state;
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i + 1);
	fab_sflow_begin(&d, &agent4, 1, 0);
	assert_int_equal(fab_sflow_add_flow(&d, &f), 0);
	s = d.buf + 28;
	assert_int_equal(get32(d.buf + 24), 1); /* samples */
	assert_int_equal(get32(s), 1);          /* flow sample */
	assert_int_equal(get32(s + 4), 32 + 8 + 16 + 64);
	assert_int_equal(get32(s + 8), 3);
	assert_int_equal(get32(s + 12), 2);
	assert_int_equal(get32(s + 16), 2048);
	assert_int_equal(get32(s + 20), 9000);
	assert_int_equal(get32(s + 24), 1);
	assert_int_equal(get32(s + 28), 2);
	assert_int_equal(get32(s + 32), 0x40000102u);
	assert_int_equal(get32(s + 36), 1);  /* records */
	assert_int_equal(get32(s + 40), 1);  /* raw packet header */
	assert_int_equal(get32(s + 44), 80); /* its length */
	assert_int_equal(get32(s + 48), 1);  /* Ethernet */
	assert_int_equal(get32(s + 52), 65);
	assert_int_equal(get32(s + 56), 4);
	assert_int_equal(get32(s + 60), 61);
	assert_memory_equal(s + 64, frame, 61);
	assert_int_equal(s[64 + 61] | s[64 + 62] | s[64 + 63], 0); /* XDR padding */
	assert_int_equal(d.len, 28 + 8 + 120);

	f.hdr_len = 66; /* more than the frame */
	assert_int_equal(fab_sflow_add_flow(&d, &f), -EINVAL);
	assert_int_equal(get32(d.buf + 24), 1);
}

static void test_counter_sample(void **state)
{
	struct fab_port_stats st = {0};
	struct fab_sflow_if c = {.seq = 9,
				 .ifindex = 4,
				 .speed_bps = 10000000000ULL,
				 .admin_up = true,
				 .oper_up = false,
				 .stats = &st};
	struct fab_sflow_dgram d;
	const uint8_t *s;

	(void)state;
	st.ctr[FAB_CTR_rx_octets] = 0x100000002ULL;
	st.ctr[FAB_CTR_rx_unicast] = 0x100000005ULL; /* a 32-bit field wraps */
	st.ctr[FAB_CTR_rx_discards] = 6;
	st.drop[FAB_DROP_ethertype] = 2;
	st.drop[FAB_DROP_llc_snap] = 1;
	st.ctr[FAB_CTR_tx_octets] = 77;
	st.ctr[FAB_CTR_tx_discards] = 8;
	fab_sflow_begin(&d, &agent4, 1, 0);
	assert_int_equal(fab_sflow_add_if(&d, &c), 0);
	s = d.buf + 28;
	assert_int_equal(get32(s), 2);
	assert_int_equal(get32(s + 4), 108);
	assert_int_equal(get32(s + 8), 9);
	assert_int_equal(get32(s + 12), 4);
	assert_int_equal(get32(s + 16), 1);
	assert_int_equal(get32(s + 20), 1);  /* generic interface counters */
	assert_int_equal(get32(s + 24), 88); /* their length */
	s += 28;
	assert_int_equal(get32(s), 4);
	assert_int_equal(get32(s + 4), 6);
	assert_int_equal(get32(s + 8), 2);           /* 10 Gb/s, high word */
	assert_int_equal(get32(s + 12), 0x540be400); /* low word */
	assert_int_equal(get32(s + 16), 1);
	assert_int_equal(get32(s + 20), 1); /* admin up, oper down */
	assert_int_equal(get32(s + 24), 1); /* in octets, high */
	assert_int_equal(get32(s + 28), 2);
	assert_int_equal(get32(s + 32), 5);
	assert_int_equal(get32(s + 44), 6);
	assert_int_equal(get32(s + 52), 3); /* unknown protocols */
	assert_int_equal(get32(s + 60), 77);
	assert_int_equal(get32(s + 76), 8);
	assert_int_equal(get32(s + 84), 1);
	assert_int_equal(d.len, 28 + 8 + 108);
}

/* A full datagram refuses the sample and stays valid as it is. */
static void test_full(void **state)
{
	uint8_t frame[256] = {0};
	struct fab_sflow_flow f = {.frame_len = 1518, .hdr = frame, .hdr_len = 256};
	struct fab_sflow_dgram d;
	int n = 0;

	(void)state;
	fab_sflow_begin(&d, &agent4, 1, 0);
	while (fab_sflow_add_flow(&d, &f) == 0)
		n++;
	assert_int_equal(n, (FAB_SFLOW_DGRAM_MAX - 28) / (8 + 56 + 256));
	assert_int_equal(get32(d.buf + 24), (uint32_t)n);
	assert_true(d.len <= FAB_SFLOW_DGRAM_MAX);
	assert_int_equal(fab_sflow_add_flow(&d, &f), -ENOSPC);
	assert_int_equal(d.len, 28 + (size_t)n * (8 + 56 + 256));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header),
	    cmocka_unit_test(test_flow_sample),
	    cmocka_unit_test(test_counter_sample),
	    cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
