/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol: messages between peerlan-dataplane (server) and
 * peerlan-control (client), and between peerlanctl and peerlan-control, over
 * Unix stream sockets.
 *
 * Every message is a fixed header followed by `length` payload bytes. All
 * integers are big-endian. A request carries an id that its reply echoes; a
 * reply carries the status (0 or a negative errno) and, when the status is
 * not 0, a payload that is one string: the error message. The receiver checks
 * the magic, the version, the length against FAB_WIRE_PAYLOAD_MAX and, for
 * each payload, every length before it reads: a message it does not
 * understand is answered with an error reply and never acted on.
 *
 * Everything here is a pure function on byte buffers, so the decoders are
 * unit-tested and fuzzed without sockets. A stream delivers messages in
 * pieces: fab_wire_frame tells how much of a buffer is one whole message.
 */
#ifndef PEERLAN_FABRIC_WIRE_H
#define PEERLAN_FABRIC_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "model.h"

#define FAB_WIRE_MAGIC   0x504c414eu /* "PLAN" */
#define FAB_WIRE_VERSION 1
#define FAB_WIRE_HDR_LEN 20
/* A canonical configuration of a large exchange is a few hundred KiB; the
 * counters of FAB_PORTS_MAX ports are about 600 KiB. */
#define FAB_WIRE_PAYLOAD_MAX (4u << 20)
#define FAB_WIRE_MSG_MAX     (FAB_WIRE_HDR_LEN + FAB_WIRE_PAYLOAD_MAX)
/* Largest frame carried by PUNT or INJECT: a jumbo frame with two tags. */
#define FAB_WIRE_FRAME_MAX 9238
#define FAB_WIRE_STR_MAX   65535 /* strings carry a 16-bit length */
#define FAB_WIRE_SOFTWARE  32    /* software version strings, with the NUL */
#define FAB_WIRE_ARGS_MAX  16    /* words in one CLI request */

enum fab_wire_type {
	FAB_WIRE_HELLO = 1,        /* both: version and who runs what */
	FAB_WIRE_STATUS = 2,       /* generation, uptime, port states */
	FAB_WIRE_COUNTERS_GET = 3, /* every port's summed counters */
	FAB_WIRE_CONFIG_SET = 4,   /* a whole canonical configuration, one RCU swap */
	FAB_WIRE_PORT_ADMIN = 5,   /* one port administratively up or down */
	FAB_WIRE_PUNT = 6,         /* dataplane -> control, async: a copied frame */
	FAB_WIRE_INJECT = 7,       /* control -> dataplane: send a frame */
	FAB_WIRE_CLI = 8,          /* peerlanctl -> control: one command */
	/* control -> dataplane: a port err-disabled (port security) or not. */
	FAB_WIRE_PORT_ERRDISABLE = 9,
	/* control -> dataplane: the whole sponged set (wire_sponge.c). */
	FAB_WIRE_SPONGE_SET = 10,
	/* control -> dataplane: every LAG's links and their LACP state (wire_lag.c). */
	FAB_WIRE_LAG_GET = 11,
	/* control -> dataplane: a page of the member-to-member matrix (wire_matrix.c). */
	FAB_WIRE_MATRIX_GET = 12,
	/* control -> dataplane: every port's MAC address (fab_wire_port_info). */
	FAB_WIRE_PORT_INFO = 13,
	/* control -> dataplane: what dpdk-dumpcap needs to capture a port (wire_capture.c). */
	FAB_WIRE_CAPTURE_INFO = 14,
	/* peerlan-evpn -> control, on the read-write CLI socket: the EVPN routes
	 * BGP holds and the sessions' state; the reply: what this node
	 * announces (wire_evpn.h). */
	FAB_WIRE_EVPN = 15,
	FAB_WIRE_TYPE__MAX
};

/* hdr.flags */
#define FAB_WIRE_F_REPLY 0x0001 /* an answer to the request with the same id */
#define FAB_WIRE_F_ASYNC 0x0002 /* expects no reply */
#define FAB_WIRE_F_KNOWN (FAB_WIRE_F_REPLY | FAB_WIRE_F_ASYNC)

struct fab_wire_hdr {
	uint32_t magic;
	uint8_t version;
	uint8_t type; /* enum fab_wire_type */
	uint16_t flags;
	uint32_t length; /* payload bytes after the header */
	uint32_t id;     /* chosen by the requester, echoed by the reply */
	int32_t status;  /* replies: 0 or a negative errno; requests: 0 */
};

/* Writes a header into buf (FAB_WIRE_HDR_LEN bytes). */
void fab_wire_hdr_encode(const struct fab_wire_hdr *h, uint8_t *buf);

/*
 * Looks at the start of a received byte stream. Returns the length of the
 * first whole message (header and payload) and fills *h; 0 if more bytes are
 * needed; -EBADMSG if the bytes are not this protocol (bad magic, unknown
 * flags) and -EMSGSIZE if the length is over FAB_WIRE_PAYLOAD_MAX: after
 * either the stream cannot be resynchronised and must be closed. A message
 * with another version or an unknown type is still framed, so that the
 * receiver can answer it with fab_wire_refusal and go on.
 */
long fab_wire_frame(const uint8_t *buf, size_t len, struct fab_wire_hdr *h);

/* 0 if this side can act on the message, else -EPROTONOSUPPORT (version)
 * or -EOPNOTSUPP (type). */
int fab_wire_check(const struct fab_wire_hdr *h);

/*
 * A growable output buffer for building messages. Writers never fail
 * halfway: on allocation failure or overflow of FAB_WIRE_MSG_MAX the buffer
 * remembers the error and fab_wire_finish returns it.
 */
struct fab_wire_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t start; /* offset of the message being built */
	int err;      /* 0 or a negative errno */
};

/* Frees the storage. Accepts NULL. */
void fab_wire_buf_free(struct fab_wire_buf *b);
/* Drops the first n bytes (sent). */
void fab_wire_buf_consume(struct fab_wire_buf *b, size_t n);

/*
 * Stream helpers for non-blocking sockets, the same on every side. Reading
 * appends at most what keeps the buffer under one whole message plus the
 * header of the next, so a peer cannot make a receiver grow without bound.
 * Both return 0 on progress, -EAGAIN when the socket has nothing to give or
 * take, -ECONNRESET when the peer closed, or another negative errno.
 */
int fab_wire_buf_read(struct fab_wire_buf *b, int fd);
int fab_wire_buf_write(struct fab_wire_buf *b, int fd);

/*
 * A non-blocking listening Unix stream socket at path, with the file's mode
 * set to mode (a socket file left by an earlier run is removed first). A
 * missing directory is created, mode 0755 as the socket's own mode guards
 * it, since /run is empty after a boot. Returns the descriptor or a negative
 * errno.
 */
int fab_wire_listen(const char *path, unsigned int mode);
/* A Unix stream socket connected to path, non-blocking if asked; the
 * descriptor or a negative errno (-ENOENT, -ECONNREFUSED when nobody listens). */
int fab_wire_connect(const char *path, bool nonblock);

/* Starts a message: reserves the header. */
void fab_wire_begin(struct fab_wire_buf *b, uint8_t type, uint16_t flags, uint32_t id,
		    int32_t status);
/* Completes the header of the message begun last. 0 or a negative errno
 * (then the partial message is removed). */
int fab_wire_finish(struct fab_wire_buf *b);

void fab_wire_put_u8(struct fab_wire_buf *b, uint8_t v);
void fab_wire_put_u16(struct fab_wire_buf *b, uint16_t v);
void fab_wire_put_u32(struct fab_wire_buf *b, uint32_t v);
void fab_wire_put_u64(struct fab_wire_buf *b, uint64_t v);
void fab_wire_put_bytes(struct fab_wire_buf *b, const void *p, size_t n);
/* A 16-bit length and the bytes, no NUL. */
void fab_wire_put_str(struct fab_wire_buf *b, const char *s);
/* A 32-bit length and the bytes (long text: configurations, JSON). */
void fab_wire_put_blob(struct fab_wire_buf *b, const void *p, size_t n);

/*
 * A reader over one payload. Reads past the end or malformed strings set
 * err; the fab_wire_*_decode functions check it once at the end and also
 * refuse trailing bytes, so a length field that lies is always caught.
 */
struct fab_wire_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

void fab_wire_rd_init(struct fab_wire_rd *r, const uint8_t *p, size_t len);
uint8_t fab_wire_get_u8(struct fab_wire_rd *r);
uint16_t fab_wire_get_u16(struct fab_wire_rd *r);
uint32_t fab_wire_get_u32(struct fab_wire_rd *r);
uint64_t fab_wire_get_u64(struct fab_wire_rd *r);
/* Copies a string into out (size outlen, NUL-terminated); err if it is
 * longer than outlen - 1 or holds a NUL byte. */
void fab_wire_get_str(struct fab_wire_rd *r, char *out, size_t outlen);
/* Points *p at a 32-bit-length blob inside the payload (not copied). */
size_t fab_wire_get_blob(struct fab_wire_rd *r, const uint8_t **p);
/* 0 if the whole payload was read without error, else -EBADMSG. */
int fab_wire_rd_end(const struct fab_wire_rd *r);

/*
 * Messages. Each payload has an encoder that appends a whole message to a
 * buffer (returning fab_wire_finish's result) and a decoder that takes the
 * payload and returns 0 or -EBADMSG, leaving *out unspecified on error.
 */

/* An error reply: status and a message. */
int fab_wire_put_error(struct fab_wire_buf *b, const struct fab_wire_hdr *req, int status,
		       const char *msg);
/* The reply to a message fab_wire_check refused: its type and id, our version. */
int fab_wire_refusal(struct fab_wire_buf *b, const struct fab_wire_hdr *req, int status);
/* A reply with status 0 and no payload. */
int fab_wire_empty_rep(struct fab_wire_buf *b, const struct fab_wire_hdr *req);
/* The message of an error reply; "" if the payload is not one. */
void fab_wire_error_decode(const uint8_t *p, size_t len, char *out, size_t outlen);

/* HELLO request: who asks. */
struct fab_wire_hello_req {
	char software[FAB_WIRE_SOFTWARE];
	uint32_t pid;
};
/* HELLO reply, and the first part of STATUS. */
struct fab_wire_hello_rep {
	char software[FAB_WIRE_SOFTWARE];
	uint64_t generation; /* of the configuration in use, from 1 */
	uint64_t digest;     /* fab_wire_config_digest of it */
	uint16_t nports;
};
int fab_wire_hello_req_encode(struct fab_wire_buf *b, uint32_t id,
			      const struct fab_wire_hello_req *m);
int fab_wire_hello_req_decode(const uint8_t *p, size_t len, struct fab_wire_hello_req *m);
/* Replies take the request's header, whose type and id they echo. */
int fab_wire_hello_rep_encode(struct fab_wire_buf *b, const struct fab_wire_hdr *req,
			      const struct fab_wire_hello_rep *m);
int fab_wire_hello_rep_decode(const uint8_t *p, size_t len, struct fab_wire_hello_rep *m);

/* One port's state as the dataplane applies it. */
struct fab_wire_port_state {
	uint8_t admin_up; /* as configured or set by PORT_ADMIN */
	uint8_t oper;     /* enum fab_port_oper */
	/* Link state changes the dataplane has seen since it started; it
	 * polls every 100 ms and counts each, so control misses none. */
	uint32_t link_changes;
};

/* STATUS reply; the request has no payload. ports points at nports entries
 * (owned by the caller; decode needs room for FAB_PORTS_MAX). */
struct fab_wire_status {
	struct fab_wire_hello_rep hello;
	uint64_t uptime_ns;
	uint64_t punt_dropped; /* punted frames dropped for want of a control */
	uint16_t nworkers;
	struct fab_wire_port_state *ports;
};
int fab_wire_status_encode(struct fab_wire_buf *b, const struct fab_wire_hdr *req,
			   const struct fab_wire_status *m);
int fab_wire_status_decode(const uint8_t *p, size_t len, struct fab_wire_status *m);

/*
 * PORT_INFO reply; the request has no payload. What the dataplane's driver
 * reports of each port that STATUS, polled every second, need not carry:
 * its MAC address (for a LAG, its bonding device's), all zero when the
 * driver gives none. A message of its own, so that a control that asks it
 * of an older dataplane gets "message type not supported" and goes on,
 * and an older control never sees it. macs points into the payload after
 * decode, nports entries of 6 bytes.
 */
struct fab_wire_port_info {
	uint16_t nports;
	const uint8_t (*macs)[6];
};
/* macs: nports entries, owned by the caller. */
int fab_wire_port_info_encode(struct fab_wire_buf *b, const struct fab_wire_hdr *req,
			      const struct fab_wire_port_info *m);
int fab_wire_port_info_decode(const uint8_t *p, size_t len, struct fab_wire_port_info *m);

/* COUNTERS_GET reply; the request has no payload. ports and stats point at
 * nports entries each, owned by the caller (decode needs FAB_PORTS_MAX). */
struct fab_wire_counters {
	uint64_t now; /* the dataplane clock, to age the last offenders */
	uint16_t nports;
	struct fab_wire_port_state *ports;
	struct fab_port_stats *stats;
};
int fab_wire_counters_encode(struct fab_wire_buf *b, const struct fab_wire_hdr *req,
			     const struct fab_wire_counters *m);
int fab_wire_counters_decode(const uint8_t *p, size_t len, struct fab_wire_counters *m);

/* CONFIG_SET request: the canonical YAML text (not NUL-terminated, points
 * into the payload after decode). The reply is a fab_wire_hello_rep with the
 * new generation (fab_wire_hello_rep_encode); an invalid configuration gets -EINVAL and every error. */
struct fab_wire_config {
	const char *text;
	size_t len;
};
int fab_wire_config_encode(struct fab_wire_buf *b, uint32_t id, const struct fab_wire_config *m);
int fab_wire_config_decode(const uint8_t *p, size_t len, struct fab_wire_config *m);

/* PORT_ADMIN request; the reply has no payload (fab_wire_empty_rep). */
struct fab_wire_port_admin {
	uint16_t port;
	uint8_t up;
};
int fab_wire_port_admin_encode(struct fab_wire_buf *b, uint32_t id,
			       const struct fab_wire_port_admin *m);
int fab_wire_port_admin_decode(const uint8_t *p, size_t len, struct fab_wire_port_admin *m);

/* PORT_ERRDISABLE request: on 1 err-disables the port (the dataplane drops
 * everything it receives and sends nothing to it), 0 clears that. The reply
 * has no payload. Not part of the configuration: control owns the state. */
struct fab_wire_port_errdisable {
	uint16_t port;
	uint8_t on;
};
int fab_wire_port_errdisable_encode(struct fab_wire_buf *b, uint32_t id,
				    const struct fab_wire_port_errdisable *m);
int fab_wire_port_errdisable_decode(const uint8_t *p, size_t len,
				    struct fab_wire_port_errdisable *m);

/* PUNT (async, port is the ingress) and INJECT (port is the egress). The
 * frame points into the payload after decode. */
struct fab_wire_frame_msg {
	uint16_t port;
	uint64_t time; /* PUNT: dataplane clock when received; INJECT: 0 */
	const uint8_t *frame;
	uint16_t len;
};
int fab_wire_frame_encode(struct fab_wire_buf *b, uint8_t type, uint32_t id,
			  const struct fab_wire_frame_msg *m);
int fab_wire_frame_decode(const uint8_t *p, size_t len, struct fab_wire_frame_msg *m);

/* CLI request: the words of one command, and a file's text for the
 * commands that take one (read by peerlanctl with its user's rights). The
 * reply payload is one blob of JSON. */
struct fab_wire_cli {
	uint16_t argc;
	char argv[FAB_WIRE_ARGS_MAX][FAB_PATH_MAX];
	const char *file; /* NULL when none */
	size_t file_len;
};
int fab_wire_cli_encode(struct fab_wire_buf *b, uint32_t id, const struct fab_wire_cli *m);
int fab_wire_cli_decode(const uint8_t *p, size_t len, struct fab_wire_cli *m);
int fab_wire_blob_rep_encode(struct fab_wire_buf *b, const struct fab_wire_hdr *req, const void *p,
			     size_t n);
/* The blob of a reply (points into p). */
int fab_wire_blob_decode(const uint8_t *p, size_t len, const uint8_t **blob, size_t *n);

/*
 * What a configuration is, for deciding whether both sides run the same one:
 * a 64-bit FNV-1a hash of the canonical YAML text with every port's admin
 * state left out, because admin states travel separately (PORT_ADMIN) and
 * must not force a table rebuild. It detects change; it is not a defence
 * against anyone, as only trusted processes share the socket.
 */
/*
 * SPONGE_SET request (wire_sponge.c): every address the sponge answers for,
 * 16 bytes each with IPv4 mapped (::ffff:a.b.c.d), replacing the previous
 * set; the reply has no payload. addrs points into the payload after decode.
 */
#define FAB_WIRE_SPONGED_MAX 65536
struct fab_wire_sponge_set {
	const uint8_t (*addrs)[16];
	uint32_t n;
};
int fab_wire_sponge_set_encode(struct fab_wire_buf *b, uint32_t id,
			       const struct fab_wire_sponge_set *m);
int fab_wire_sponge_set_decode(const uint8_t *p, size_t len, struct fab_wire_sponge_set *m);

/*
 * LAG_GET reply (wire_lag.c); the request has no payload. One entry per LAG
 * port, each link as the dataplane's main lcore last read it: carrier, in
 * the bundle (collecting and distributing on both ends), the 802.1AX state
 * bits and keys of both ends, the partner's system, why it is not bundled,
 * and the link's own NIC counters. lags points at cap entries owned by the
 * caller.
 */
#define FAB_WIRE_LAG_WHY 128
struct fab_wire_lag_link {
	char device[FAB_DEVICE_MAX];
	uint8_t carrier, bundled, actor_state, partner_state;
	uint16_t actor_key, partner_key;
	uint8_t actor_system[6], partner_system[6];
	uint32_t bundle_changes;
	char why[FAB_WIRE_LAG_WHY];
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errors, tx_errors;
};
struct fab_wire_lag {
	uint16_t port; /* fabric port index */
	uint8_t min_links, nbundled, nlinks;
	struct fab_wire_lag_link links[FAB_LAG_LINKS_MAX];
};
struct fab_wire_lags {
	uint16_t nlags, cap;
	struct fab_wire_lag *lags;
};
int fab_wire_lags_encode(struct fab_wire_buf *b, const struct fab_wire_hdr *req,
			 const struct fab_wire_lags *m);
int fab_wire_lags_decode(const uint8_t *p, size_t len, struct fab_wire_lags *m);

/*
 * MATRIX_GET (wire_matrix.c): the request carries a cursor, 0 for the first
 * page, at which the dataplane adds its workers' tables together; the reply
 * carries the dataplane's start time (a restart shows as a new one), what
 * the tables could not hold, up to FAB_WIRE_MX_PAGE pairs and the cursor of
 * the next page (0: this was the last). pairs points into the payload after
 * decode: read each with fab_wire_mx_pair.
 */
#define FAB_WIRE_MX_PAGE     60000
#define FAB_WIRE_MX_PAIR_LEN 58 /* vlan, two ASNs, frames and bytes by family */
struct fab_wire_mx_page {
	uint64_t start_time; /* the dataplane's, seconds since the epoch */
	uint64_t lost_frames;
	uint64_t lost_bytes;
	uint32_t next;
	uint32_t npairs;
	const uint8_t *pairs;
};
struct fab_mx_ent;
int fab_wire_mx_get_encode(struct fab_wire_buf *b, uint32_t id, uint32_t cursor);
int fab_wire_mx_get_decode(const uint8_t *p, size_t len, uint32_t *cursor);
/* Begins a reply page; add pairs with fab_wire_mx_put, then fab_wire_mx_end. */
void fab_wire_mx_begin(struct fab_wire_buf *b, const struct fab_wire_hdr *req,
		       const struct fab_wire_mx_page *m);
void fab_wire_mx_put(struct fab_wire_buf *b, const struct fab_mx_ent *e);
/* Writes next and the count of pairs put since fab_wire_mx_begin. */
int fab_wire_mx_end(struct fab_wire_buf *b, uint32_t next, uint32_t npairs);
int fab_wire_mx_page_decode(const uint8_t *p, size_t len, struct fab_wire_mx_page *m);
/* Pair i (< npairs) of a decoded page. */
void fab_wire_mx_pair(const struct fab_wire_mx_page *m, uint32_t i, struct fab_mx_ent *e);

uint64_t fab_wire_config_digest(const struct fab_model *m);
uint64_t fab_wire_fnv1a(const void *p, size_t n);

const char *fab_wire_type_name(uint8_t type);

/*
 * CAPTURE_INFO: what DPDK's capture tools (dpdk-dumpcap, dpdk-pdump, run as
 * secondary processes of the dataplane) need to capture one port. The
 * request carries the fabric port; the reply the EAL's --file-prefix, the
 * port's DPDK port id and device name, and whether a secondary process can
 * attach at all (why not, when it cannot: no hugepages, capture off). A
 * dataplane that switched user (--user) answers only that user's secondary
 * processes: the tool must run as uid/gid, with RUNTIME_DIRECTORY set to
 * runtime_dir, where the EAL finds dpdk/PREFIX.
 */
struct fab_wire_capture {
	uint16_t port;      /* fabric port: request and reply */
	uint16_t dpdk_port; /* its ethdev port id */
	uint8_t ready;      /* 1: a capture tool can attach */
	char file_prefix[FAB_NAME_MAX];
	char device[FAB_NAME_MAX]; /* the ethdev's name */
	char why[256];             /* when not ready */
	uint32_t uid;              /* the dataplane's user (0: root) */
	uint32_t gid;              /* and group */
	char runtime_dir[FAB_PATH_MAX];
};
int fab_wire_capture_req_encode(struct fab_wire_buf *b, uint32_t id, uint16_t port);
int fab_wire_capture_req_decode(const uint8_t *p, size_t len, uint16_t *port);
int fab_wire_capture_rep_encode(struct fab_wire_buf *b, const struct fab_wire_hdr *req,
				const struct fab_wire_capture *m);
int fab_wire_capture_rep_decode(const uint8_t *p, size_t len, struct fab_wire_capture *m);

#endif
