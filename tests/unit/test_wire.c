/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fabric/config.h"
#include "fabric/pipeline.h"
#include "fabric/wire.h"

/* Frames the one message in b and returns its payload; asserts it is whole. */
static const uint8_t *one_message(const struct fab_wire_buf *b, struct fab_wire_hdr *h)
{
	long n = fab_wire_frame(b->data, b->len, h);

	assert_int_equal(n, (long)b->len);
	assert_int_equal(fab_wire_check(h), 0);
	return b->data + FAB_WIRE_HDR_LEN;
}

static void test_hello_round_trip(void **state)
{
	struct fab_wire_buf b = {0};
	struct fab_wire_hello_req rq = {.software = "0.1.0", .pid = 4242}, rq2;
	struct fab_wire_hello_rep rp = {
	    .software = "0.1.0-dp", .generation = 7, .digest = 0x0123456789abcdefULL, .nports = 12};
	struct fab_wire_hello_rep rp2;
	struct fab_wire_hdr h;
	const uint8_t *p;

	(void)state;
	assert_int_equal(fab_wire_hello_req_encode(&b, 99, &rq), 0);
	p = one_message(&b, &h);
	assert_int_equal(h.type, FAB_WIRE_HELLO);
	assert_int_equal(h.id, 99);
	assert_int_equal(h.flags, 0);
	assert_int_equal(fab_wire_hello_req_decode(p, h.length, &rq2), 0);
	assert_string_equal(rq2.software, "0.1.0");
	assert_int_equal(rq2.pid, 4242);

	fab_wire_buf_consume(&b, b.len);
	assert_int_equal(fab_wire_hello_rep_encode(&b, &h, &rp), 0);
	p = one_message(&b, &h);
	assert_int_equal(h.flags, FAB_WIRE_F_REPLY);
	assert_int_equal(h.id, 99);
	assert_int_equal(h.status, 0);
	assert_int_equal(fab_wire_hello_rep_decode(p, h.length, &rp2), 0);
	assert_string_equal(rp2.software, "0.1.0-dp");
	assert_true(rp2.generation == 7);
	assert_true(rp2.digest == 0x0123456789abcdefULL);
	assert_int_equal(rp2.nports, 12);
	fab_wire_buf_free(&b);
}

static void fill_stats(struct fab_port_stats *s, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	for (int c = 0; c < FAB_CTR__COUNT; c++)
		s->ctr[c] = seed * 1000 + (uint64_t)c;
	for (int d = 0; d < FAB_DROP__COUNT; d++)
		s->drop[d] = seed * 100000 + (uint64_t)d;
	s->last_offender_mac = 0x020000000000ULL | seed;
	s->last_offender_time = 1000000000ULL * seed;
	s->last_offender_ethertype = 0x88cc;
	s->last_offender_reason = FAB_DROP_lldp;
}

static void test_counters_round_trip(void **state)
{
	enum { N = 3 };
	struct fab_port_stats st[N], st2[FAB_PORTS_MAX];
	struct fab_wire_port_state ps[N] = {
	    {1, FAB_OPER_UP}, {0, FAB_OPER_DOWN}, {1, FAB_OPER_ERRDISABLED}};
	struct fab_wire_port_state ps2[FAB_PORTS_MAX];
	struct fab_wire_counters m = {.now = 123456789, .nports = N, .ports = ps, .stats = st};
	struct fab_wire_counters m2 = {.ports = ps2, .stats = st2};
	struct fab_wire_buf b = {0};
	struct fab_wire_hdr req = {.type = FAB_WIRE_COUNTERS_GET, .id = 5}, h;
	const uint8_t *p;

	(void)state;
	for (int i = 0; i < N; i++)
		fill_stats(&st[i], (uint64_t)i + 1);
	assert_int_equal(fab_wire_counters_encode(&b, &req, &m), 0);
	p = one_message(&b, &h);
	assert_int_equal(fab_wire_counters_decode(p, h.length, &m2), 0);
	assert_int_equal(m2.nports, N);
	assert_true(m2.now == 123456789);
	for (int i = 0; i < N; i++) {
		assert_memory_equal(st2[i].ctr, st[i].ctr, sizeof(st[i].ctr));
		assert_memory_equal(st2[i].drop, st[i].drop, sizeof(st[i].drop));
		assert_true(st2[i].last_offender_mac == st[i].last_offender_mac);
		assert_true(st2[i].last_offender_time == st[i].last_offender_time);
		assert_int_equal(st2[i].last_offender_reason, FAB_DROP_lldp);
		assert_int_equal(ps2[i].admin_up, ps[i].admin_up);
		assert_int_equal(ps2[i].oper, ps[i].oper);
	}
	/* One byte short, one byte long: the size check refuses both. */
	assert_int_equal(fab_wire_counters_decode(p, h.length - 1, &m2), -EBADMSG);
	{
		uint8_t *longer = malloc(h.length + 1);

		memcpy(longer, p, h.length);
		longer[h.length] = 0;
		assert_int_equal(fab_wire_counters_decode(longer, h.length + 1, &m2), -EBADMSG);
		/* A port count that lies (larger than what follows). */
		longer[8] = 0;
		longer[9] = N + 1;
		assert_int_equal(fab_wire_counters_decode(longer, h.length, &m2), -EBADMSG);
		/* More ports than any fabric has. */
		longer[8] = 0xff;
		longer[9] = 0xff;
		assert_int_equal(fab_wire_counters_decode(longer, h.length, &m2), -EBADMSG);
		free(longer);
	}
	fab_wire_buf_free(&b);
}

static void test_status_round_trip(void **state)
{
	struct fab_wire_port_state ps[2] = {{1, FAB_OPER_UP, 0}, {0, FAB_OPER_DOWN, 70000}},
				   ps2[FAB_PORTS_MAX];
	struct fab_wire_status m = {
	    .hello = {.software = "x", .generation = 3, .digest = 9, .nports = 2},
	    .uptime_ns = 5000,
	    .punt_dropped = 17,
	    .nworkers = 2,
	    .ports = ps,
	};
	struct fab_wire_status m2 = {.ports = ps2};
	struct fab_wire_hdr req = {.type = FAB_WIRE_STATUS, .id = 1}, h;
	struct fab_wire_buf b = {0};
	const uint8_t *p;

	(void)state;
	assert_int_equal(fab_wire_status_encode(&b, &req, &m), 0);
	p = one_message(&b, &h);
	assert_int_equal(fab_wire_status_decode(p, h.length, &m2), 0);
	assert_true(m2.hello.generation == 3 && m2.uptime_ns == 5000 && m2.punt_dropped == 17);
	assert_int_equal(m2.nworkers, 2);
	assert_int_equal(ps2[1].admin_up, 0);
	assert_int_equal(ps2[1].link_changes, 70000);
	/* An oper state nobody defined is refused (the last port's, before its
	 * 32-bit link change count). */
	((uint8_t *)p)[h.length - 5] = 7;
	assert_int_equal(fab_wire_status_decode(p, h.length, &m2), -EBADMSG);
	fab_wire_buf_free(&b);
}

static void test_port_info(void **state)
{
	const uint8_t macs[2][6] = {{0x02, 0x70, 0x63, 0x61, 0x70, 0x00}, {0}};
	struct fab_wire_port_info m = {.nports = 2, .macs = macs}, m2;
	struct fab_wire_hdr req = {.type = FAB_WIRE_PORT_INFO, .id = 4}, h;
	struct fab_wire_buf b = {0};
	const uint8_t *p;

	(void)state;
	assert_int_equal(fab_wire_port_info_encode(&b, &req, &m), 0);
	p = one_message(&b, &h);
	assert_int_equal(h.type, FAB_WIRE_PORT_INFO);
	assert_int_equal(fab_wire_port_info_decode(p, h.length, &m2), 0);
	assert_int_equal(m2.nports, 2);
	assert_memory_equal(m2.macs, macs, sizeof(macs));
	/* A count that does not match the addresses that follow is refused. */
	assert_int_equal(fab_wire_port_info_decode(p, h.length - 1, &m2), -EBADMSG);
	((uint8_t *)p)[1] = 3;
	assert_int_equal(fab_wire_port_info_decode(p, h.length, &m2), -EBADMSG);
	assert_int_equal(fab_wire_port_info_decode(p, 1, &m2), -EBADMSG);
	fab_wire_buf_free(&b);
}

static void test_frames_and_admin(void **state)
{
	uint8_t frame[64];
	struct fab_wire_frame_msg f = {.port = 3, .time = 77, .frame = frame, .len = sizeof(frame)};
	struct fab_wire_frame_msg f2;
	struct fab_wire_port_admin a = {.port = 9, .up = 0}, a2;
	struct fab_wire_buf b = {0};
	struct fab_wire_hdr h;
	const uint8_t *p;

	(void)state;
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	assert_int_equal(fab_wire_frame_encode(&b, FAB_WIRE_PUNT, 0, &f), 0);
	p = one_message(&b, &h);
	assert_int_equal(h.flags, FAB_WIRE_F_ASYNC);
	assert_int_equal(fab_wire_frame_decode(p, h.length, &f2), 0);
	assert_int_equal(f2.port, 3);
	assert_int_equal(f2.len, sizeof(frame));
	assert_memory_equal(f2.frame, frame, sizeof(frame));
	/* The frame length says more than the payload holds. */
	assert_int_equal(fab_wire_frame_decode(p, h.length - 1, &f2), -EBADMSG);

	fab_wire_buf_consume(&b, b.len);
	/* A frame over the maximum is refused by the encoder, which leaves nothing. */
	{
		uint8_t *big = calloc(1, FAB_WIRE_FRAME_MAX + 1);

		f.frame = big;
		f.len = FAB_WIRE_FRAME_MAX + 1;
		assert_int_equal(fab_wire_frame_encode(&b, FAB_WIRE_INJECT, 1, &f), -EMSGSIZE);
		assert_int_equal(b.len, 0);
		free(big);
	}

	assert_int_equal(fab_wire_port_admin_encode(&b, 4, &a), 0);
	p = one_message(&b, &h);
	assert_int_equal(fab_wire_port_admin_decode(p, h.length, &a2), 0);
	assert_int_equal(a2.port, 9);
	assert_int_equal(a2.up, 0);
	((uint8_t *)p)[2] = 2; /* neither up nor down */
	assert_int_equal(fab_wire_port_admin_decode(p, h.length, &a2), -EBADMSG);
	fab_wire_buf_free(&b);
}

static void test_sponge_set(void **state)
{
	uint8_t addrs[3][16] = {{1}, {2}, {3}};
	struct fab_wire_sponge_set m = {.addrs = (const uint8_t(*)[16])addrs, .n = 3}, m2;
	struct fab_wire_buf b = {0};
	struct fab_wire_hdr h;
	const uint8_t *p;

	(void)state;
	assert_int_equal(fab_wire_sponge_set_encode(&b, 5, &m), 0);
	p = one_message(&b, &h);
	assert_int_equal(h.type, FAB_WIRE_SPONGE_SET);
	assert_int_equal(fab_wire_sponge_set_decode(p, h.length, &m2), 0);
	assert_int_equal(m2.n, 3);
	assert_memory_equal(m2.addrs, addrs, sizeof(addrs));
	/* Short by a byte, or a blob that is not whole addresses. */
	assert_int_equal(fab_wire_sponge_set_decode(p, h.length - 1, &m2), -EBADMSG);
	((uint8_t *)p)[3] = 47;
	assert_int_equal(fab_wire_sponge_set_decode(p, h.length, &m2), -EBADMSG);
	fab_wire_buf_consume(&b, b.len);
	m.n = 0;
	assert_int_equal(fab_wire_sponge_set_encode(&b, 6, &m), 0);
	p = one_message(&b, &h);
	assert_int_equal(fab_wire_sponge_set_decode(p, h.length, &m2), 0);
	assert_int_equal(m2.n, 0);
	fab_wire_buf_consume(&b, b.len);
	m.n = FAB_WIRE_SPONGED_MAX + 1;
	assert_int_equal(fab_wire_sponge_set_encode(&b, 7, &m), -E2BIG);
	assert_int_equal(b.len, 0);
	fab_wire_buf_free(&b);
}

static void test_lags(void **state)
{
	static struct fab_wire_lag in[2], out[2];
	struct fab_wire_lags m = {.nlags = 2, .cap = 2, .lags = in};
	struct fab_wire_lags m2 = {.cap = 2, .lags = out};
	struct fab_wire_buf b = {0};
	struct fab_wire_hdr h, req = {.type = FAB_WIRE_LAG_GET, .id = 8};
	const uint8_t *p;

	(void)state;
	in[0] = (struct fab_wire_lag){.port = 3, .min_links = 2, .nbundled = 1, .nlinks = 2};
	snprintf(in[0].links[0].device, sizeof(in[0].links[0].device), "0000:03:00.0");
	snprintf(in[0].links[1].device, sizeof(in[0].links[1].device), "0000:03:00.1");
	in[0].links[0].bundled = 1;
	in[0].links[0].partner_key = 0x1234;
	in[0].links[0].partner_system[5] = 0xfe;
	in[0].links[0].tx_bytes = 1ULL << 40;
	snprintf(in[0].links[1].why, sizeof(in[0].links[1].why), "no carrier");
	in[1] = (struct fab_wire_lag){.port = 7, .min_links = 1, .nbundled = 0, .nlinks = 1};
	assert_int_equal(fab_wire_lags_encode(&b, &req, &m), 0);
	p = one_message(&b, &h);
	assert_int_equal(h.type, FAB_WIRE_LAG_GET);
	assert_int_equal(fab_wire_lags_decode(p, h.length, &m2), 0);
	assert_int_equal(m2.nlags, 2);
	assert_int_equal(out[0].port, 3);
	assert_int_equal(out[0].nlinks, 2);
	assert_string_equal(out[0].links[1].device, "0000:03:00.1");
	assert_string_equal(out[0].links[1].why, "no carrier");
	assert_int_equal(out[0].links[0].partner_key, 0x1234);
	assert_int_equal(out[0].links[0].partner_system[5], 0xfe);
	assert_int_equal(out[0].links[0].tx_bytes, 1ULL << 40);
	assert_int_equal(out[1].port, 7);
	/* Short by a byte; more LAGs than the room given. */
	assert_int_equal(fab_wire_lags_decode(p, h.length - 1, &m2), -EBADMSG);
	m2.cap = 1;
	assert_int_equal(fab_wire_lags_decode(p, h.length, &m2), -EBADMSG);
	m2.cap = 2;
	/* More links bundled than the LAG has. */
	((uint8_t *)p)[2 + 2 + 1] = 3;
	assert_int_equal(fab_wire_lags_decode(p, h.length, &m2), -EBADMSG);
	fab_wire_buf_free(&b);
}

/* CAPTURE_INFO: a port asked, its capture parameters answered, lengths checked. */
static void test_capture_info(void **state)
{
	struct fab_wire_capture m = {.port = 4, .dpdk_port = 9, .ready = 1, .uid = 998, .gid = 997},
				m2;
	struct fab_wire_buf b = {0};
	struct fab_wire_hdr h;
	const uint8_t *p;
	uint16_t port;

	(void)state;
	assert_int_equal(fab_wire_capture_req_encode(&b, 5, 4), 0);
	p = one_message(&b, &h);
	assert_int_equal(h.type, FAB_WIRE_CAPTURE_INFO);
	assert_int_equal(fab_wire_capture_req_decode(p, h.length, &port), 0);
	assert_int_equal(port, 4);
	assert_int_equal(fab_wire_capture_req_decode(p, h.length - 1, &port), -EBADMSG);
	assert_int_equal(fab_wire_capture_req_decode(p, 0, &port), -EBADMSG);
	fab_wire_buf_free(&b);

	snprintf(m.file_prefix, sizeof(m.file_prefix), "peerlan");
	snprintf(m.device, sizeof(m.device), "0000:03:00.0");
	snprintf(m.runtime_dir, sizeof(m.runtime_dir), "/run/peerlan");
	h = (struct fab_wire_hdr){.type = FAB_WIRE_CAPTURE_INFO, .id = 5};
	assert_int_equal(fab_wire_capture_rep_encode(&b, &h, &m), 0);
	p = one_message(&b, &h);
	assert_true(h.flags & FAB_WIRE_F_REPLY);
	assert_int_equal(fab_wire_capture_rep_decode(p, h.length, &m2), 0);
	assert_int_equal(m2.port, 4);
	assert_int_equal(m2.dpdk_port, 9);
	assert_int_equal(m2.ready, 1);
	assert_string_equal(m2.file_prefix, "peerlan");
	assert_string_equal(m2.device, "0000:03:00.0");
	assert_string_equal(m2.why, "");
	assert_int_equal(m2.uid, 998);
	assert_int_equal(m2.gid, 997);
	assert_string_equal(m2.runtime_dir, "/run/peerlan");
	/* Short by a byte; ready neither 0 nor 1. */
	assert_int_equal(fab_wire_capture_rep_decode(p, h.length - 1, &m2), -EBADMSG);
	((uint8_t *)p)[4] = 2;
	assert_int_equal(fab_wire_capture_rep_decode(p, h.length, &m2), -EBADMSG);
	fab_wire_buf_free(&b);
	/* Ready, but no absolute runtime directory to find the dataplane in. */
	m.runtime_dir[0] = '\0';
	assert_int_equal(fab_wire_capture_rep_encode(&b, &h, &m), 0);
	p = one_message(&b, &h);
	assert_int_equal(fab_wire_capture_rep_decode(p, h.length, &m2), -EBADMSG);
	fab_wire_buf_free(&b);
}

static void test_errdisable(void **state)
{
	struct fab_wire_port_errdisable e = {.port = 5, .on = 1}, e2;
	struct fab_wire_buf b = {0};
	struct fab_wire_hdr h;
	const uint8_t *p;

	(void)state;
	assert_int_equal(fab_wire_port_errdisable_encode(&b, 8, &e), 0);
	p = one_message(&b, &h);
	assert_int_equal(h.type, FAB_WIRE_PORT_ERRDISABLE);
	assert_int_equal(fab_wire_check(&h), 0);
	assert_string_equal(fab_wire_type_name(h.type), "PORT_ERRDISABLE");
	assert_int_equal(fab_wire_port_errdisable_decode(p, h.length, &e2), 0);
	assert_int_equal(e2.port, 5);
	assert_int_equal(e2.on, 1);
	/* Short, or a flag that is neither on nor off: refused. */
	assert_int_equal(fab_wire_port_errdisable_decode(p, h.length - 1, &e2), -EBADMSG);
	((uint8_t *)p)[2] = 3;
	assert_int_equal(fab_wire_port_errdisable_decode(p, h.length, &e2), -EBADMSG);
	fab_wire_buf_free(&b);
}

static void test_cli_round_trip(void **state)
{
	struct fab_wire_cli c = {.argc = 3, .file = "a: 1\n", .file_len = 5};
	struct fab_wire_cli *c2 = malloc(sizeof(*c2));
	struct fab_wire_buf b = {0};
	struct fab_wire_hdr h;
	const uint8_t *p;

	(void)state;
	snprintf(c.argv[0], sizeof(c.argv[0]), "config");
	snprintf(c.argv[1], sizeof(c.argv[1]), "check");
	snprintf(c.argv[2], sizeof(c.argv[2]), "new.yaml");
	assert_int_equal(fab_wire_cli_encode(&b, 8, &c), 0);
	p = one_message(&b, &h);
	assert_int_equal(fab_wire_cli_decode(p, h.length, c2), 0);
	assert_int_equal(c2->argc, 3);
	assert_string_equal(c2->argv[2], "new.yaml");
	assert_int_equal(c2->file_len, 5);
	assert_memory_equal(c2->file, "a: 1\n", 5);
	/* A NUL inside a word would cut it short when used as a C string. */
	((uint8_t *)p)[2 + 2 + 1] = '\0';
	assert_int_equal(fab_wire_cli_decode(p, h.length, c2), -EBADMSG);
	/* More words than a command can have. */
	((uint8_t *)p)[1] = FAB_WIRE_ARGS_MAX + 1;
	assert_int_equal(fab_wire_cli_decode(p, h.length, c2), -EBADMSG);
	free(c2);
	fab_wire_buf_free(&b);
}

static void test_error_reply(void **state)
{
	struct fab_wire_hdr req = {.type = FAB_WIRE_CONFIG_SET, .id = 11}, h;
	struct fab_wire_buf b = {0};
	char msg[64];
	const uint8_t *p;

	(void)state;
	assert_int_equal(fab_wire_put_error(&b, &req, -EINVAL, "bad: line 3"), 0);
	p = one_message(&b, &h);
	assert_int_equal(h.status, -EINVAL);
	assert_int_equal(h.id, 11);
	assert_int_equal(h.flags, FAB_WIRE_F_REPLY);
	fab_wire_error_decode(p, h.length, msg, sizeof(msg));
	assert_string_equal(msg, "bad: line 3");
	/* A message longer than the caller's buffer is not half-copied. */
	fab_wire_error_decode(p, h.length, msg, 4);
	assert_string_equal(msg, "");
	fab_wire_buf_free(&b);
}

/* The stream framer, fed a message one byte at a time, waits until it is whole. */
static void test_partial_reads(void **state)
{
	struct fab_wire_hello_req rq = {.software = "v", .pid = 1};
	struct fab_wire_buf b = {0};
	struct fab_wire_hdr h;
	long total;

	(void)state;
	assert_int_equal(fab_wire_hello_req_encode(&b, 1, &rq), 0);
	assert_int_equal(fab_wire_hello_req_encode(&b, 2, &rq), 0);
	total = (long)b.len / 2;
	for (long n = 0; n < total; n++)
		assert_int_equal(fab_wire_frame(b.data, (size_t)n, &h), 0);
	assert_int_equal(fab_wire_frame(b.data, (size_t)total, &h), total);
	assert_int_equal(h.id, 1);
	/* Two messages in one read: the first is framed alone, then the second. */
	assert_int_equal(fab_wire_frame(b.data, b.len, &h), total);
	fab_wire_buf_consume(&b, (size_t)total);
	assert_int_equal(fab_wire_frame(b.data, b.len, &h), total);
	assert_int_equal(h.id, 2);
	fab_wire_buf_free(&b);
}

static void test_bad_headers(void **state)
{
	struct fab_wire_hello_req rq = {.software = "v", .pid = 1};
	struct fab_wire_buf b = {0}, out = {0};
	struct fab_wire_hdr h;
	uint8_t save;
	char msg[128];

	(void)state;
	assert_int_equal(fab_wire_hello_req_encode(&b, 1, &rq), 0);

	/* Not this protocol: refused from the first wrong byte. */
	save = b.data[0];
	b.data[0] = 'G';
	assert_int_equal(fab_wire_frame(b.data, 1, &h), -EBADMSG);
	assert_int_equal(fab_wire_frame(b.data, b.len, &h), -EBADMSG);
	b.data[0] = save;

	/* A length over the maximum is refused before any payload is awaited. */
	b.data[8] = 0x7f;
	assert_int_equal(fab_wire_frame(b.data, FAB_WIRE_HDR_LEN, &h), -EMSGSIZE);
	b.data[8] = 0;

	/* Unknown flags. */
	b.data[6] = 0x80;
	assert_int_equal(fab_wire_frame(b.data, b.len, &h), -EBADMSG);
	b.data[6] = 0;

	/* Wrong version: framed, refused by check, answered with an error. */
	b.data[4] = FAB_WIRE_VERSION + 1;
	assert_int_equal(fab_wire_frame(b.data, b.len, &h), (long)b.len);
	assert_int_equal(fab_wire_check(&h), -EPROTONOSUPPORT);
	assert_int_equal(fab_wire_refusal(&out, &h, fab_wire_check(&h)), 0);
	assert_true(fab_wire_frame(out.data, out.len, &h) > 0);
	assert_int_equal(h.version, FAB_WIRE_VERSION);
	assert_int_equal(h.status, -EPROTONOSUPPORT);
	assert_int_equal(h.id, 1);
	fab_wire_error_decode(out.data + FAB_WIRE_HDR_LEN, h.length, msg, sizeof(msg));
	assert_non_null(strstr(msg, "version 2"));
	b.data[4] = FAB_WIRE_VERSION;

	/* Unknown type. */
	b.data[5] = 200;
	assert_int_equal(fab_wire_frame(b.data, b.len, &h), (long)b.len);
	assert_int_equal(fab_wire_check(&h), -EOPNOTSUPP);
	b.data[5] = 0;
	fab_wire_frame(b.data, b.len, &h);
	assert_int_equal(fab_wire_check(&h), -EOPNOTSUPP);
	b.data[5] = FAB_WIRE_HELLO;

	/* A request carrying a status. */
	b.data[19] = 1;
	fab_wire_frame(b.data, b.len, &h);
	assert_int_equal(fab_wire_check(&h), -EBADMSG);
	b.data[19] = 0;

	/* A payload longer than its fields: trailing bytes are refused. */
	{
		struct fab_wire_hello_req r2;
		uint8_t pl[64];
		size_t n = b.len - FAB_WIRE_HDR_LEN;

		memcpy(pl, b.data + FAB_WIRE_HDR_LEN, n);
		pl[n] = 0;
		assert_int_equal(fab_wire_hello_req_decode(pl, n, &r2), 0);
		assert_int_equal(fab_wire_hello_req_decode(pl, n + 1, &r2), -EBADMSG);
		/* The string length lies: longer than the payload. */
		pl[1] = 60;
		assert_int_equal(fab_wire_hello_req_decode(pl, n, &r2), -EBADMSG);
		/* Every truncation of a valid payload is refused. */
		pl[1] = 1;
		for (size_t k = 0; k < n; k++)
			assert_int_equal(fab_wire_hello_req_decode(pl, k, &r2), -EBADMSG);
	}
	fab_wire_buf_free(&b);
	fab_wire_buf_free(&out);
}

/* Builders refuse to grow a message past the maximum and leave the buffer clean. */
static void test_oversized_encode(void **state)
{
	struct fab_wire_buf b = {0};
	size_t big = FAB_WIRE_PAYLOAD_MAX + 1;
	char *text = malloc(big);
	struct fab_wire_config c = {.text = text, .len = big}, c2;
	struct fab_wire_hdr h;

	(void)state;
	memset(text, 'a', big);
	assert_int_equal(fab_wire_config_encode(&b, 1, &c), -EMSGSIZE);
	assert_int_equal(b.len, 0);
	c.len = 1000;
	assert_int_equal(fab_wire_config_encode(&b, 2, &c), 0);
	assert_int_equal(fab_wire_frame(b.data, b.len, &h), (long)b.len);
	assert_int_equal(fab_wire_config_decode(b.data + FAB_WIRE_HDR_LEN, h.length, &c2), 0);
	assert_int_equal(c2.len, 1000);
	/* The blob length says 1001 bytes where 1000 follow. */
	b.data[FAB_WIRE_HDR_LEN + 3] = (uint8_t)(1001 & 0xff);
	assert_int_equal(fab_wire_config_decode(b.data + FAB_WIRE_HDR_LEN, h.length, &c2),
			 -EBADMSG);
	free(text);
	fab_wire_buf_free(&b);
}

/* Decoders never read out of bounds on random input (run under ASan). */
static void test_random_payloads(void **state)
{
	uint8_t buf[512];
	struct fab_wire_port_state ps[FAB_PORTS_MAX];
	struct fab_port_stats *st = calloc(FAB_PORTS_MAX, sizeof(*st));
	struct fab_wire_counters cm = {.ports = ps, .stats = st};
	struct fab_wire_status sm = {.ports = ps};
	struct fab_wire_cli *cli = malloc(sizeof(*cli));
	unsigned seed = 1;

	(void)state;
	for (int it = 0; it < 20000; it++) {
		size_t n = (size_t)(rand_r(&seed) % (int)sizeof(buf));
		struct fab_wire_hello_req a;
		struct fab_wire_hello_rep bb;
		struct fab_wire_config c;
		struct fab_wire_port_admin pa;
		struct fab_wire_frame_msg f;
		struct fab_wire_hdr h;
		char msg[64];

		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)rand_r(&seed);
		if (it % 3 == 0 && n > 2) {
			buf[0] = 0; /* short strings and counts, to reach deeper */
			buf[1] = (uint8_t)(buf[1] % 8);
		}
		fab_wire_hello_req_decode(buf, n, &a);
		fab_wire_hello_rep_decode(buf, n, &bb);
		fab_wire_status_decode(buf, n, &sm);
		fab_wire_counters_decode(buf, n, &cm);
		fab_wire_config_decode(buf, n, &c);
		fab_wire_port_admin_decode(buf, n, &pa);
		fab_wire_frame_decode(buf, n, &f);
		fab_wire_cli_decode(buf, n, cli);
		fab_wire_error_decode(buf, n, msg, sizeof(msg));
		fab_wire_frame(buf, n, &h);
	}
	free(cli);
	free(st);
}

static const char config_text[] = "fabric: {name: t}\n"
				  "lans:\n"
				  "  - {name: peering, vlan: 100, ipv4: 192.0.2.0/24}\n"
				  "ports:\n"
				  "  - {name: p1, device: net_null0, lans: [peering]}\n"
				  "  - {name: p2, device: net_null1, lans: [peering]}\n";

/* The digest ignores admin states (they travel separately) and nothing else. */
static void test_config_digest(void **state)
{
	struct fab_config_errors errs = {0};
	struct fab_model *m =
	    fab_config_load_string(config_text, sizeof(config_text) - 1, "t", &errs);
	uint64_t d0, d1;

	(void)state;
	if (m == NULL)
		fab_config_errors_print(&errs, stderr);
	assert_non_null(m);
	d0 = fab_wire_config_digest(m);
	assert_true(d0 != 0);
	m->ports[1].admin_up = !m->ports[1].admin_up;
	assert_true(fab_wire_config_digest(m) == d0);
	m->ports[1].mtu = 1400;
	d1 = fab_wire_config_digest(m);
	assert_true(d1 != d0);
	fab_model_destroy(m);
	fab_config_errors_clear(&errs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hello_round_trip),
	    cmocka_unit_test(test_counters_round_trip),
	    cmocka_unit_test(test_status_round_trip),
	    cmocka_unit_test(test_frames_and_admin),
	    cmocka_unit_test(test_cli_round_trip),
	    cmocka_unit_test(test_sponge_set),
	    cmocka_unit_test(test_lags),
	    cmocka_unit_test(test_port_info),
	    cmocka_unit_test(test_error_reply),
	    cmocka_unit_test(test_partial_reads),
	    cmocka_unit_test(test_bad_headers),
	    cmocka_unit_test(test_oversized_encode),
	    cmocka_unit_test(test_random_payloads),
	    cmocka_unit_test(test_config_digest),
	    cmocka_unit_test(test_errdisable),
	    cmocka_unit_test(test_capture_info),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
