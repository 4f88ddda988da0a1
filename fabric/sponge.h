/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sponge: finds addresses on a peering LAN that are asked for and never
 * answer, and marks them dead so that the fabric answers for them with the
 * sponge MAC instead of letting peers flood the LAN with requests forever.
 *
 * The algorithm follows AMS-IX's arpsponge, for IPv4 and IPv6 alike. Per
 * target address the sponge keeps the times of the last queue_depth queries.
 * A query from the same source as the previous one and closer to it than
 * flood_ms is ignored, so one impatient peer counts at most 1000/flood_ms
 * queries a second, whatever it sends.
 * When the queue is full and its rate (queries per minute between its oldest
 * and newest entry) exceeds rate_per_min, the address goes PENDING and the
 * fabric probes it (probes requests, probe_interval_ms apart). If nothing
 * comes from the address before one more interval after the last probe, it
 * goes DEAD and is sponged. Anything heard from the address (a reply, a
 * request it sends, a gratuitous ARP, an unsolicited NA) makes it ALIVE at
 * once, from any state: a live router is never answered for. STATIC is DEAD
 * set by hand; it too ends when the address speaks.
 *
 * For learning_s seconds after creation, queries are recorded but no address
 * changes state, so that a restart does not sponge on a half-filled view.
 *
 * The module is pure: it does no I/O except the state file functions, and
 * time is the caller's (milliseconds of a monotonic clock), so tests drive it
 * with a fake clock. One sponge belongs to one thread.
 */
#ifndef PEERLAN_FABRIC_SPONGE_H
#define PEERLAN_FABRIC_SPONGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* Addresses are kept as 16 bytes; IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d). */
struct fab_naddr {
	uint8_t b[16];
};

/* Addresses the sponge tracks at most; requests for more are counted, not kept. */
#define FAB_SPONGE_ADDRS_MAX 65536

/* v4 in network byte order as the 4 bytes of the frame. */
void fab_naddr_from4(struct fab_naddr *a, const uint8_t v4[4]);
void fab_naddr_from6(struct fab_naddr *a, const struct fab_ip6 *v6);
bool fab_naddr_is4(const struct fab_naddr *a);
/* The unspecified address (0.0.0.0 or ::): the source of a DAD probe. */
bool fab_naddr_is_unspec(const struct fab_naddr *a);
/* Text form, IPv4 dotted for mapped addresses. Returns buf. */
const char *fab_naddr_str(const struct fab_naddr *a, char *buf, size_t size);
/* Parses an IPv4 or IPv6 address. 0 or -EINVAL. */
int fab_naddr_parse(struct fab_naddr *a, const char *s);
/*
 * The LAN an address set by hand belongs to: the index of the first LAN of m
 * whose IPv4 or IPv6 prefix holds a. -EINVAL, with the reason in why, for
 * what no member router can own: the unspecified, loopback, multicast,
 * broadcast, link-local or reserved addresses, a LAN prefix's network or
 * broadcast address, and anything outside every LAN prefix. Answering for
 * such an address would put the sponge MAC where no router is.
 */
int fab_naddr_lan(const struct fab_model *m, const struct fab_naddr *a, char *why, size_t len);

struct fab_sponge;

/*
 * Creates an empty sponge with a copy of the policy, its learning period
 * starting at now_ms. max_addrs bounds the addresses tracked (0: the
 * default FAB_SPONGE_ADDRS_MAX). Returns NULL and sets errno (ENOMEM,
 * EINVAL for a queue depth of 0; a depth of 1 is taken as 2, the least that
 * has a rate). The caller owns the result.
 */
struct fab_sponge *fab_sponge_create(const struct fab_sponge_policy *p, size_t max_addrs,
				     uint64_t now_ms);
/* Frees a sponge. Accepts NULL. */
void fab_sponge_destroy(struct fab_sponge *s);

/* Takes new parameters (a reload); recorded queries and states stay. */
int fab_sponge_set_policy(struct fab_sponge *s, const struct fab_sponge_policy *p);

/*
 * A request (ARP request, neighbour solicitation) for target from source.
 * A DAD probe (unspecified source) is never counted. Returns the target's
 * state after the query, or -ENOSPC when the table is full, -EINVAL for a
 * DAD probe.
 */
int fab_sponge_query(struct fab_sponge *s, const struct fab_naddr *target,
		     const struct fab_naddr *source, uint64_t now_ms);

/*
 * Something was heard from addr (any frame with it as sender). Makes it
 * ALIVE and empties its queue. Returns the state it had before, or -ENOENT
 * for an address the sponge never saw (then nothing is recorded).
 */
int fab_sponge_heard(struct fab_sponge *s, const struct fab_naddr *addr, uint64_t now_ms);

/*
 * Sets an address's state by hand (creating it if needed): ALIVE and PENDING
 * empty the queue (PENDING starts probing), DEAD and STATIC sponge at once.
 * 0, -ENOSPC or -EINVAL.
 */
int fab_sponge_set_state(struct fab_sponge *s, const struct fab_naddr *addr,
			 enum fab_sponge_state st, uint64_t now_ms);

enum fab_sponge_action_kind {
	FAB_SPONGE_PROBE,    /* send a request for addr from the sponge MAC */
	FAB_SPONGE_ANNOUNCE, /* addr was just sponged: gratuitous ARP / unsolicited NA */
};

struct fab_sponge_action {
	enum fab_sponge_action_kind kind;
	struct fab_naddr addr;
};

/*
 * Advances time: sends due probes and turns PENDING addresses whose probes
 * went unanswered into DEAD. Writes up to max actions into out and returns
 * how many; actions that do not fit are taken by the next call. A disabled
 * sponge does nothing: its PENDING addresses wait until it is enabled.
 */
size_t fab_sponge_tick(struct fab_sponge *s, uint64_t now_ms, struct fab_sponge_action *out,
		       size_t max);

/* True while the learning period lasts. */
bool fab_sponge_learning(const struct fab_sponge *s, uint64_t now_ms);

/* Changes whenever the set of sponged (DEAD or STATIC) addresses changes. */
uint64_t fab_sponge_generation(const struct fab_sponge *s);

struct fab_sponge_info {
	struct fab_naddr addr;
	enum fab_sponge_state state;
	uint32_t queued;       /* queries in the queue */
	uint32_t rate_per_min; /* of the queue, 0 below two entries */
	uint32_t probes_sent;  /* while PENDING */
	uint64_t queries;      /* counted since tracked, flood-protected ones excluded */
	uint64_t flood_ignored;
	uint64_t last_query_ms; /* 0: never */
	uint64_t last_heard_ms; /* 0: never */
	uint64_t since_ms;      /* when the state last changed */
};

/* One address; 0 or -ENOENT. */
int fab_sponge_get(const struct fab_sponge *s, const struct fab_naddr *addr, uint64_t now_ms,
		   struct fab_sponge_info *out);
/* Every tracked address in first-seen order: writes up to max, returns the total. */
size_t fab_sponge_list(const struct fab_sponge *s, uint64_t now_ms, struct fab_sponge_info *out,
		       size_t max);
/* Sponged addresses (DEAD or STATIC): writes up to max, returns the total. */
size_t fab_sponge_sponged(const struct fab_sponge *s, struct fab_naddr *out, size_t max);
/* Queries refused because the table was full. */
uint64_t fab_sponge_overflow(const struct fab_sponge *s);

/*
 * How long the sponge takes to find an address dead once it starts probing:
 * its probes and one more interval ((probes + 1) * probe_interval_ms). A
 * DEAD state saved less than this long ago is "fresh" when it is loaded;
 * an older one is "stale" and is verified again before it is sponged.
 */
uint64_t fab_sponge_verify_ms(const struct fab_sponge_policy *p);

/*
 * The state file: one line per sponged address, "dead ADDRESS SINCE" or
 * "static ADDRESS SINCE", SINCE being when the address entered that state,
 * in whole seconds since the epoch (UTC, rounded down). now_ms is the
 * sponge's clock and wall_ms the real time (ms since the epoch) at the same
 * moment: together they turn the sponge's times into real ones. Saving
 * writes path.tmp, syncs it and renames it over path, so a crash leaves the
 * old file or the new one, never half of one. 0 or -errno.
 */
int fab_sponge_save(const struct fab_sponge *s, const char *path, uint64_t now_ms,
		    uint64_t wall_ms);
/*
 * Loads a state file into the sponge. A missing file is an empty one.
 *  - static: STATIC, whatever its age (the operator's word is not checked);
 *  - dead, fresh (younger than fab_sponge_verify_ms): DEAD, sponged at once,
 *    keeping its time, and probed once more as if PENDING; an answer makes
 *    it ALIVE, silence leaves it DEAD;
 *  - dead, stale (older than that, with a time in the future, or with no
 *    time, as files before the time was kept): PENDING, so it is probed
 *    and sponged only if the probes go unanswered.
 * A bad line stops loading with -EINVAL and *bad_line set, having changed
 * nothing. 0 or -errno.
 */
int fab_sponge_load(struct fab_sponge *s, const char *path, uint64_t now_ms, uint64_t wall_ms,
		    unsigned *bad_line);

#endif
