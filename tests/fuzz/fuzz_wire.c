/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzes the control protocol's decoders: any bytes as a received stream.
 * Messages are framed one after the other as a receiver does, and each
 * payload goes to the decoder its type and flags select. What decodes must
 * encode back to the same payload bytes, with the same type and id, so no
 * decoder accepts something the encoders could not have sent. Counters sent
 * with other list lengths than ours are the one exception by design (they
 * are read as far as both sides know): those are checked to decode again to
 * the same values after re-encoding.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/matrix.h"
#include "fabric/wire.h"
#include "fabric/wire_evpn.h"
#include "tests/fuzz/fuzz.h"

static struct fab_wire_port_state ports[FAB_PORTS_MAX], ports2[FAB_PORTS_MAX];
static struct fab_port_stats stats[FAB_PORTS_MAX], stats2[FAB_PORTS_MAX];

/* The message just encoded into b has the type, id and payload of the one received. */
static void check_same(struct fab_wire_buf *b, int rc, const struct fab_wire_hdr *h,
		       const uint8_t *payload)
{
	struct fab_wire_hdr h2;

	CHECK(rc == 0);
	CHECK(fab_wire_frame(b->data, b->len, &h2) == (long)b->len);
	CHECK(h2.type == h->type && h2.id == h->id);
	/* Requests are encoded with status 0; fab_wire_check refuses any other. */
	CHECK(h2.status == ((h->flags & FAB_WIRE_F_REPLY) ? h->status : 0));
	CHECK(h2.length == h->length);
	CHECK(memcmp(b->data + FAB_WIRE_HDR_LEN, payload, h->length) == 0);
	fab_wire_buf_consume(b, b->len);
}

/* Counters are re-encoded with our list lengths; they must decode to what was read. */
static void check_counters(struct fab_wire_buf *b, const struct fab_wire_hdr *h, const uint8_t *p)
{
	struct fab_wire_counters m = {.ports = ports, .stats = stats};
	struct fab_wire_counters m2 = {.ports = ports2, .stats = stats2};
	struct fab_wire_hdr h2;

	if (fab_wire_counters_decode(p, h->length, &m) != 0)
		return;
	if (h->length >= 14 && (p[10] << 8 | p[11]) == FAB_CTR__COUNT &&
	    (p[12] << 8 | p[13]) == FAB_DROP__COUNT) {
		check_same(b, fab_wire_counters_encode(b, h, &m), h, p);
		return;
	}
	CHECK(fab_wire_counters_encode(b, h, &m) == 0);
	CHECK(fab_wire_frame(b->data, b->len, &h2) == (long)b->len);
	CHECK(fab_wire_counters_decode(b->data + FAB_WIRE_HDR_LEN, h2.length, &m2) == 0);
	CHECK(m2.now == m.now && m2.nports == m.nports);
	CHECK(memcmp(ports, ports2, m.nports * sizeof(ports[0])) == 0);
	CHECK(memcmp(stats, stats2, m.nports * sizeof(stats[0])) == 0);
	fab_wire_buf_consume(b, b->len);
}

static struct fab_evpn_route evpn_routes[FAB_WIRE_EVPN_ROUTES_MAX];

/* Reads every record of an EVPN list into evpn_routes. */
static void evpn_recs(const uint8_t *recs, uint32_t n)
{
	CHECK(n <= FAB_WIRE_EVPN_ROUTES_MAX);
	for (uint32_t i = 0; i < n; i++)
		fab_wire_evpn_rec(recs, i, &evpn_routes[i]);
}

static void decode_request(struct fab_wire_buf *b, const struct fab_wire_hdr *h, const uint8_t *p)
{
	union {
		struct fab_wire_hello_req hello;
		struct fab_wire_config config;
		struct fab_wire_port_admin admin;
		struct fab_wire_port_errdisable errdisable;
		struct fab_wire_frame_msg frame;
		struct fab_wire_cli cli;
	} u;

	switch (h->type) {
	case FAB_WIRE_HELLO:
		if (fab_wire_hello_req_decode(p, h->length, &u.hello) == 0)
			check_same(b, fab_wire_hello_req_encode(b, h->id, &u.hello), h, p);
		break;
	case FAB_WIRE_CONFIG_SET:
		if (fab_wire_config_decode(p, h->length, &u.config) == 0)
			check_same(b, fab_wire_config_encode(b, h->id, &u.config), h, p);
		break;
	case FAB_WIRE_PORT_ADMIN:
		if (fab_wire_port_admin_decode(p, h->length, &u.admin) == 0)
			check_same(b, fab_wire_port_admin_encode(b, h->id, &u.admin), h, p);
		break;
	case FAB_WIRE_PORT_ERRDISABLE:
		if (fab_wire_port_errdisable_decode(p, h->length, &u.errdisable) == 0)
			check_same(b, fab_wire_port_errdisable_encode(b, h->id, &u.errdisable), h,
				   p);
		break;
	case FAB_WIRE_PUNT:
	case FAB_WIRE_INJECT:
		if (fab_wire_frame_decode(p, h->length, &u.frame) == 0)
			check_same(b, fab_wire_frame_encode(b, h->type, h->id, &u.frame), h, p);
		break;
	case FAB_WIRE_MATRIX_GET: {
		uint32_t cursor;

		if (fab_wire_mx_get_decode(p, h->length, &cursor) == 0)
			check_same(b, fab_wire_mx_get_encode(b, h->id, cursor), h, p);
		break;
	}
	case FAB_WIRE_CAPTURE_INFO: {
		uint16_t port;

		if (fab_wire_capture_req_decode(p, h->length, &port) == 0)
			check_same(b, fab_wire_capture_req_encode(b, h->id, port), h, p);
		break;
	}
	case FAB_WIRE_EVPN: {
		struct fab_wire_evpn_routes m;

		if (fab_wire_evpn_routes_decode(p, h->length, &m) == 0) {
			evpn_recs(m.recs, m.n);
			check_same(b,
				   fab_wire_evpn_routes_encode(b, h->id, m.flags, evpn_routes, m.n),
				   h, p);
		}
		break;
	}
	case FAB_WIRE_CLI:
		if (fab_wire_cli_decode(p, h->length, &u.cli) == 0) {
			CHECK(u.cli.argc <= FAB_WIRE_ARGS_MAX);
			check_same(b, fab_wire_cli_encode(b, h->id, &u.cli), h, p);
		}
		break;
	default:
		break;
	}
}

static struct fab_wire_lag lag_room[4];
static struct fab_wire_lags lags = {.cap = 4, .lags = lag_room};
/* A matrix page: every pair read back and written again gives the same bytes. */
static void check_matrix(struct fab_wire_buf *b, const struct fab_wire_hdr *h, const uint8_t *p)
{
	struct fab_wire_mx_page pg;
	struct fab_mx_ent e;

	if (fab_wire_mx_page_decode(p, h->length, &pg) != 0)
		return;
	CHECK(pg.npairs <= FAB_WIRE_MX_PAGE);
	fab_wire_mx_begin(b, h, &pg);
	for (uint32_t i = 0; i < pg.npairs; i++) {
		fab_wire_mx_pair(&pg, i, &e);
		fab_wire_mx_put(b, &e);
	}
	check_same(b, fab_wire_mx_end(b, pg.next, pg.npairs), h, p);
}

static void decode_reply(struct fab_wire_buf *b, const struct fab_wire_hdr *h, const uint8_t *p)
{
	struct fab_wire_hello_rep hello;
	struct fab_wire_status st = {.ports = ports};
	struct fab_wire_port_info info;
	const uint8_t *blob;
	size_t n;

	switch (h->type) {
	case FAB_WIRE_HELLO:
	case FAB_WIRE_CONFIG_SET:
		if (fab_wire_hello_rep_decode(p, h->length, &hello) == 0)
			check_same(b, fab_wire_hello_rep_encode(b, h, &hello), h, p);
		break;
	case FAB_WIRE_STATUS:
		if (fab_wire_status_decode(p, h->length, &st) == 0)
			check_same(b, fab_wire_status_encode(b, h, &st), h, p);
		break;
	case FAB_WIRE_COUNTERS_GET:
		check_counters(b, h, p);
		break;
	case FAB_WIRE_PORT_ADMIN:
	case FAB_WIRE_PORT_ERRDISABLE:
		if (h->length == 0)
			check_same(b, fab_wire_empty_rep(b, h), h, p);
		break;
	case FAB_WIRE_CLI:
		if (fab_wire_blob_decode(p, h->length, &blob, &n) == 0)
			check_same(b, fab_wire_blob_rep_encode(b, h, blob, n), h, p);
		break;
	case FAB_WIRE_CAPTURE_INFO: {
		struct fab_wire_capture cap;

		if (fab_wire_capture_rep_decode(p, h->length, &cap) == 0)
			check_same(b, fab_wire_capture_rep_encode(b, h, &cap), h, p);
		break;
	}
	case FAB_WIRE_LAG_GET:
		if (fab_wire_lags_decode(p, h->length, &lags) == 0)
			check_same(b, fab_wire_lags_encode(b, h, &lags), h, p);
		break;
	case FAB_WIRE_PORT_INFO:
		if (fab_wire_port_info_decode(p, h->length, &info) == 0)
			check_same(b, fab_wire_port_info_encode(b, h, &info), h, p);
		break;
	case FAB_WIRE_MATRIX_GET:
		check_matrix(b, h, p);
		break;
	case FAB_WIRE_EVPN: {
		struct fab_wire_evpn_local m;

		if (fab_wire_evpn_local_decode(p, h->length, &m) == 0) {
			evpn_recs(m.recs, m.n);
			check_same(b, fab_wire_evpn_local_encode(b, h, &m, evpn_routes, m.n), h, p);
		}
		break;
	}
	default:
		break;
	}
}

/* An error reply's message: a string with nothing after it. */
static void decode_error(struct fab_wire_buf *b, const struct fab_wire_hdr *h, const uint8_t *p)
{
	char msg[FAB_WIRE_STR_MAX + 1];
	struct fab_wire_rd r;

	fab_wire_error_decode(p, h->length, msg, sizeof(msg));
	CHECK(memchr(msg, '\0', sizeof(msg)) != NULL);
	fab_wire_rd_init(&r, p, h->length);
	fab_wire_get_str(&r, msg, sizeof(msg));
	/* Encoders send only negative statuses; others are refused by their callers. */
	if (fab_wire_rd_end(&r) == 0 && h->status < 0)
		check_same(b, fab_wire_put_error(b, h, h->status, msg), h, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fab_wire_buf b = {0};
	size_t off = 0;

	while (off < size) {
		struct fab_wire_hdr h;
		long n = fab_wire_frame(data + off, size - off, &h);

		if (n <= 0) {
			CHECK(n == 0 || n == -EBADMSG || n == -EMSGSIZE);
			break;
		}
		CHECK((size_t)n <= size - off && (size_t)n == FAB_WIRE_HDR_LEN + h.length);
		/* Receivers act only on what fab_wire_check passes; decoders must survive the rest. */
		(void)fab_wire_check(&h);
		if (!(h.flags & FAB_WIRE_F_REPLY))
			decode_request(&b, &h, data + off + FAB_WIRE_HDR_LEN);
		else if (h.status != 0)
			decode_error(&b, &h, data + off + FAB_WIRE_HDR_LEN);
		else
			decode_reply(&b, &h, data + off + FAB_WIRE_HDR_LEN);
		off += (size_t)n;
	}
	fab_wire_buf_free(&b);
	return 0;
}
