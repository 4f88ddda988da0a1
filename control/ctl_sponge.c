/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sponge in peerlan-control: reads the ARP and ND frames the dataplane
 * punts, feeds fabric/sponge.c, probes through INJECT, pushes the sponged set
 * (SPONGE_SET) whenever it changes and on every (re)connect, keeps it in a
 * state file so that it survives a restart of either process, and records
 * neighbour spoofing events.
 *
 * Punts arrive while control waits for a reply from the dataplane too, so the
 * punt handler only records; everything that sends (probes, announcements,
 * corrections, the set) happens in ctl_sponge_tick, outside any call.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "ctl_int.h"
#include "ctl_metrics.h"
#include "fabric/bytes.h"
#include "fabric/neigh.h"
#include "fabric/proto.h"
#include "fabric/sponge.h"
#include "fabric/tables.h"

#define STATE_FILE   "sponge.state"
#define EVENTS_MAX   64
#define CORRECT_MAX  32 /* corrections waiting for the next tick */
#define ACTIONS_MAX  64
#define SPONGED_SHOW 4096

struct ctl_event {
	uint64_t wall; /* seconds since the epoch */
	char text[224];
};

struct correction {
	uint16_t port;
	uint16_t lan;
	fab_mac_t to;          /* the sender that used the sponge MAC */
	struct fab_naddr addr; /* the live address it sent to */
	struct fab_naddr asker;
};

struct ctl_sponge {
	struct fab_sponge *s;
	struct fab_tables *t;       /* built from the running model, for owners */
	const struct fab_model *of; /* the model t and the policy come from */
	uint64_t pushed_gen;        /* sponge generation the dataplane has */
	bool push_needed;
	uint64_t saved_gen;
	bool save_needed; /* the file holds dead states this process does not trust */
	struct ctl_event events[EVENTS_MAX];
	unsigned nevents, event_head;
	uint64_t events_total;
	struct correction corr[CORRECT_MAX];
	unsigned ncorr;
	/* What the NOC may want to know about the sponge itself. */
	uint64_t punts, unparsed, probes, announced, corrections, inject_errors;
	char last_error[FAB_PATH_MAX + 128];
};

static uint64_t now_ms(void)
{
	return ctl_now_ns() / 1000000;
}

/* Real time, for the state file: the sponge's own clock does not survive a reboot. */
static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Addresses in state st, e.g. those a restart is verifying again. */
static size_t count_state(const struct fab_sponge *s, enum fab_sponge_state st)
{
	size_t n = fab_sponge_list(s, 0, NULL, 0), k = 0;
	struct fab_sponge_info *v = calloc(n ? n : 1, sizeof(*v));

	if (v == NULL)
		return 0;
	fab_sponge_list(s, 0, v, n);
	for (size_t i = 0; i < n; i++)
		k += v[i].state == st;
	free(v);
	return k;
}

static uint32_t v4_of(const struct fab_naddr *a)
{
	return fab_rd32(a->b + 12);
}

int ctl_neigh_event_text(char *buf, size_t len, const char *member, const char *port,
			 const char *addr, const char *owner)
{
	return snprintf(buf, len, "member %s on port %s answered for address %s (owned by %s)",
			member, port, addr, owner);
}

static void event(struct ctl_sponge *sp, const char *text)
{
	struct ctl_event *e = &sp->events[sp->event_head];

	e->wall = (uint64_t)time(NULL);
	snprintf(e->text, sizeof(e->text), "%s", text);
	sp->event_head = (sp->event_head + 1) % EVENTS_MAX;
	if (sp->nevents < EVENTS_MAX)
		sp->nevents++;
	sp->events_total++;
	ctl_log("%s", text);
}

/* Keeps the owner tables and the sponge policy in step with the running model. */
static int follow_model(struct ctl *c)
{
	struct ctl_sponge *sp = c->sponge;
	struct fab_tables *t;

	if (sp->of == c->running)
		return 0;
	t = fab_tables_build(c->running, 0);
	if (t == NULL)
		return -errno;
	fab_tables_destroy(sp->t);
	sp->t = t;
	sp->of = c->running;
	fab_sponge_set_policy(sp->s, &c->running->policy.sponge);
	return 0;
}

static void state_path(const struct ctl *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", c->running->mgmt.state_dir, STATE_FILE);
}

int ctl_sponge_init(struct ctl *c)
{
	struct ctl_sponge *sp = calloc(1, sizeof(*sp));
	char path[FAB_PATH_MAX + 16];
	unsigned bad = 0;
	int rc;

	if (sp == NULL)
		return -ENOMEM;
	sp->s = fab_sponge_create(&c->running->policy.sponge, 0, now_ms());
	if (sp->s == NULL) {
		free(sp);
		return -errno;
	}
	c->sponge = sp;
	rc = follow_model(c);
	if (rc < 0)
		return rc;
	state_path(c, path, sizeof(path));
	rc = fab_sponge_load(sp->s, path, now_ms(), wall_ms(), &bad);
	if (rc == -EINVAL)
		ctl_log("%s:%u: not a sponge state line; starting with nothing sponged", path, bad);
	else if (rc < 0)
		ctl_log("%s: %s; starting with nothing sponged", path, strerror(-rc));
	else if (fab_sponge_list(sp->s, 0, NULL, 0) > 0) {
		size_t stale = count_state(sp->s, FAB_SPONGE_PENDING);

		ctl_log("%s: %zu address(es) sponged, %zu dead too long ago to trust: probing them "
			"before sponging them again",
			path, fab_sponge_sponged(sp->s, NULL, 0), stale);
		/* The file is the sponged set: what is being verified leaves it until found dead. */
		sp->save_needed = stale > 0;
	}
	sp->saved_gen = fab_sponge_generation(sp->s);
	sp->push_needed = true;
	return 0;
}

void ctl_sponge_fini(struct ctl *c)
{
	if (c->sponge == NULL)
		return;
	fab_sponge_destroy(c->sponge->s);
	fab_tables_destroy(c->sponge->t);
	free(c->sponge);
	c->sponge = NULL;
}

/* What a punted ARP or ND frame says, once its headers check out. */
struct neigh_frame {
	uint16_t port;
	int lan;
	fab_mac_t src, dst;
	uint8_t kind; /* enum fab_neigh_kind */
	bool solicited;
	struct fab_naddr sender; /* ARP sender / IPv6 source; unspecified for DAD */
	struct fab_naddr target; /* ARP target / ND target / the data's destination */
	struct fab_naddr to;     /* ARP target / IPv6 destination */
};

/*
 * Reads a punted frame (fabric/neigh.c checks its headers again: what
 * comes over a socket is checked before use) and finds its LAN.
 */
static int parse(const struct fab_tables *t, const struct fab_wire_frame_msg *f,
		 struct neigh_frame *nf)
{
	struct fab_neigh_frame n;
	int rc = fab_neigh_parse(f->frame, f->len, &n);

	if (rc != 0)
		return rc;
	nf->port = f->port;
	nf->dst = n.eth.dst;
	nf->src = n.eth.src;
	nf->lan = fab_tables_lan_of(t, f->port, n.eth.tagged ? n.eth.vid : 0);
	if (nf->lan < 0)
		return -ENOENT;
	nf->kind = n.kind;
	nf->solicited = n.solicited;
	_Static_assert(sizeof(nf->sender.b) == sizeof(n.sender), "16-byte addresses, IPv4 mapped");
	memcpy(nf->sender.b, n.sender, sizeof(n.sender));
	memcpy(nf->target.b, n.target, sizeof(n.target));
	memcpy(nf->to.b, n.to, sizeof(n.to));
	return 0;
}

/* The owner of an address on a LAN; 0 or -ENOENT. */
static int owner_of(const struct fab_tables *t, int lan, const struct fab_naddr *a,
		    struct fab_owner *o)
{
	struct fab_ip6 v6;

	if (fab_naddr_is4(a))
		return fab_tables_lookup_ip4(t, (uint16_t)lan, v4_of(a), o);
	memcpy(v6.b, a->b, 16);
	return fab_tables_lookup_ip6(t, (uint16_t)lan, &v6, o);
}

static const char *member_name(const struct fab_model *m, uint32_t member, char *buf, size_t len)
{
	if (member >= m->nmembers)
		snprintf(buf, len, "nobody");
	else
		snprintf(buf, len, "AS%u (%s)", m->members[member].asn, m->members[member].name);
	return buf;
}

static bool link_local6(const struct fab_naddr *a)
{
	return !fab_naddr_is4(a) && a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

/* A frame whose sender is not the member that sent it: one event, nothing learned. */
static void spoof_event(struct ctl *c, const struct neigh_frame *nf, const struct fab_owner *from,
			const struct fab_naddr *addr, const struct fab_owner *owner)
{
	const struct fab_model *m = c->running;
	char who[FAB_NAME_MAX + 24], whose[FAB_NAME_MAX + 24], a[64], text[224];

	ctl_neigh_event_text(
	    text, sizeof(text), member_name(m, from->member, who, sizeof(who)),
	    nf->port < m->nports ? m->ports[nf->port].name : "?", fab_naddr_str(addr, a, sizeof(a)),
	    owner ? member_name(m, owner->member, whose, sizeof(whose)) : "nobody");
	event(c->sponge, text);
}

static void want_correction(struct ctl_sponge *sp, const struct neigh_frame *nf)
{
	if (sp->ncorr == CORRECT_MAX)
		return;
	sp->corr[sp->ncorr++] = (struct correction){.port = nf->port,
						    .lan = (uint16_t)nf->lan,
						    .to = nf->src,
						    .addr = nf->target,
						    .asker = nf->sender};
}

/*
 * A copy of an answer the fabric gave to a request from an address it
 * answers for (fabric/pipeline.c): the copy is the answer, on its way back
 * out of the port the request came in on, so its destination is the
 * requester, whose address is speaking again. True if nf is one (then
 * heard, if the requester owns that address).
 */
static bool answer_copy(struct ctl_sponge *sp, const struct neigh_frame *nf, uint64_t now)
{
	struct fab_owner to, src, owner;

	if ((nf->kind != FAB_NEIGH_ARP_REPLY && nf->kind != FAB_NEIGH_NA) ||
	    fab_tables_lookup_mac(sp->t, (uint16_t)nf->lan, nf->dst, &to) != 0 ||
	    to.port != nf->port ||
	    (fab_tables_lookup_mac(sp->t, (uint16_t)nf->lan, nf->src, &src) == 0 &&
	     src.port == nf->port))
		return false;
	if (owner_of(sp->t, nf->lan, &nf->to, &owner) == 0 && owner.binding == to.binding)
		fab_sponge_heard(sp->s, &nf->to, now);
	return true;
}

void ctl_sponge_punt(struct ctl *c, const struct fab_wire_frame_msg *f)
{
	struct ctl_sponge *sp = c->sponge;
	struct neigh_frame nf;
	struct fab_owner from, owner;
	uint64_t now = now_ms();
	bool has_owner, legit;
	const struct fab_naddr *claimed;

	if (sp == NULL || follow_model(c) < 0)
		return;
	sp->punts++;
	if (parse(sp->t, f, &nf) != 0) {
		sp->unparsed++;
		return;
	}
	if (answer_copy(sp, &nf, now))
		return;
	if (fab_tables_lookup_mac(sp->t, (uint16_t)nf.lan, nf.src, &from) != 0) {
		sp->unparsed++;
		return;
	}
	if (nf.kind == FAB_NEIGH_IP) {
		struct fab_sponge_info info;

		/* Sent to the sponge MAC: correct the sender if the address lives. */
		if (nf.dst == c->running->policy.sponge.mac &&
		    owner_of(sp->t, nf.lan, &nf.target, &owner) == 0 &&
		    (fab_sponge_get(sp->s, &nf.target, now, &info) != 0 ||
		     info.state == FAB_SPONGE_ALIVE))
			want_correction(sp, &nf);
		return;
	}
	/* An NA speaks for its target; everything else for its sender. */
	claimed = nf.kind == FAB_NEIGH_NA ? &nf.target : &nf.sender;
	if (fab_naddr_is_unspec(claimed) || link_local6(claimed)) {
		claimed = NULL;
	} else {
		has_owner = owner_of(sp->t, nf.lan, claimed, &owner) == 0;
		legit = has_owner && owner.binding == from.binding;
		if (!legit) {
			spoof_event(c, &nf, &from, claimed, has_owner ? &owner : NULL);
			return;
		}
		fab_sponge_heard(sp->s, claimed, now);
	}
	/* A request from a verified sender (never a DAD probe) counts as a query,
	 * unless its target is behind another node's VTEP: that node probes and
	 * sponges its own members, and this one cannot reach them but by it. */
	if ((nf.kind == FAB_NEIGH_ARP_REQUEST || nf.kind == FAB_NEIGH_NS) && claimed != NULL &&
	    memcmp(&nf.sender, &nf.target, sizeof(nf.target)) != 0 &&
	    !(owner_of(sp->t, nf.lan, &nf.target, &owner) == 0 && owner.port < c->running->nports &&
	      c->running->ports[owner.port].kind == FAB_PORT_VTEP))
		fab_sponge_query(sp->s, &nf.target, &nf.sender, now);
}

/* Sends one frame through the dataplane; counts failures. */
static void inject(struct ctl *c, uint16_t port, const uint8_t *frame, uint16_t len)
{
	struct ctl_sponge *sp = c->sponge;
	struct fab_wire_frame_msg m = {.port = port, .frame = frame, .len = len};
	uint32_t id = ctl_dp_next_id(c->dp);
	char err[160] = "";
	int rc;

	rc = ctl_dp_request(c, fab_wire_frame_encode(ctl_dp_out(c->dp), FAB_WIRE_INJECT, id, &m),
			    id, err, sizeof(err));
	if (rc != 0) {
		sp->inject_errors++;
		snprintf(sp->last_error, sizeof(sp->last_error), "inject on port %u: %s", port,
			 err);
	}
}

/* The Ethernet header of a frame out of port on lan: the LAN's tag on a trunk port. */
static struct fab_eth_hdr eth(const struct fab_model *m, uint16_t port, uint16_t lan, fab_mac_t dst,
			      fab_mac_t src)
{
	return (struct fab_eth_hdr){.dst = dst,
				    .src = src,
				    .tagged = m->ports[port].mode == FAB_PORT_TRUNK,
				    .vid = m->lans[lan].vlan};
}

/* An ARP message between IPv4 addresses held as struct fab_naddr. */
static struct fab_arp_msg arp_msg(uint16_t op, fab_mac_t sha, const struct fab_naddr *spa,
				  fab_mac_t tha, const struct fab_naddr *tpa)
{
	struct fab_arp_msg a = {.op = op, .sha = sha, .tha = tha};

	memcpy(a.spa, spa->b + 12, sizeof(a.spa));
	memcpy(a.tpa, tpa->b + 12, sizeof(a.tpa));
	return a;
}

/* An NS or NA; lla FAB_ND_NO_LLA leaves out the link-layer option. */
static struct fab_nd_msg nd_msg(uint8_t type, uint8_t flags, const uint8_t src[16],
				const uint8_t dst[16], const uint8_t target[16], fab_mac_t lla)
{
	struct fab_nd_msg nd = {.type = type, .flags = flags, .lla = lla};

	memcpy(nd.src, src, sizeof(nd.src));
	memcpy(nd.dst, dst, sizeof(nd.dst));
	memcpy(nd.target, target, sizeof(nd.target));
	return nd;
}

static const uint8_t zero16[16];

/* A probe to the owner's port: an ARP probe or a DAD solicitation, which any
 * live owner answers and which claims no address of the fabric's own. */
static void probe(struct ctl *c, const struct fab_naddr *a)
{
	const struct fab_model *m = c->running;
	fab_mac_t smac = m->policy.sponge.mac;
	struct fab_owner o;
	uint8_t d[FAB_NEIGH_FRAME_MAX];
	size_t n;
	int lan;

	/* An address nobody owns has nobody to answer: it is silent by definition. */
	for (lan = 0; lan < (int)m->nlans; lan++)
		if (owner_of(c->sponge->t, lan, a, &o) == 0)
			break;
	if (lan == (int)m->nlans)
		return;
	if (fab_naddr_is4(a)) {
		struct fab_eth_hdr e = eth(m, o.port, o.lan, o.mac, smac);
		struct fab_arp_msg arp = {.op = FAB_ARP_OP_REQUEST, .sha = smac};

		/* Sender 0.0.0.0 (RFC 5227): the probe claims nothing. */
		memcpy(arp.tpa, a->b + 12, sizeof(arp.tpa));
		n = fab_arp_frame(d, &e, &arp);
	} else {
		uint8_t snm[16];
		fab_mac_t group;
		struct fab_eth_hdr e;
		struct fab_nd_msg ns;

		fab_nd_snm(a->b, snm, &group);
		e = eth(m, o.port, o.lan, group, smac);
		ns = nd_msg(FAB_ICMP6_NS, 0, zero16, snm, a->b, FAB_ND_NO_LLA);
		n = fab_nd_frame(d, &e, &ns);
	}
	c->sponge->probes++;
	inject(c, o.port, d, (uint16_t)n);
}

/* Tells every other port of the address's LAN that the sponge has it now. */
static void announce(struct ctl *c, const struct fab_naddr *a)
{
	const struct fab_model *m = c->running;
	fab_mac_t smac = m->policy.sponge.mac;
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
	struct fab_owner o;
	uint8_t d[FAB_NEIGH_FRAME_MAX];

	for (size_t lan = 0; lan < m->nlans; lan++) {
		if (owner_of(c->sponge->t, (int)lan, a, &o) != 0)
			continue;
		for (size_t p = 0; p < m->nports; p++) {
			size_t n;
			bool carries = false;

			for (size_t k = 0; k < m->ports[p].nlans; k++)
				carries |= m->ports[p].lans[k] == lan;
			if (!carries || p == o.port || m->ports[p].kind != FAB_PORT_EDGE)
				continue;
			/* Gratuitous ARP, or an unsolicited NA that overrides caches. */
			if (fab_naddr_is4(a)) {
				struct fab_eth_hdr e =
				    eth(m, (uint16_t)p, (uint16_t)lan, FAB_MAC_BROADCAST, smac);
				struct fab_arp_msg arp = arp_msg(FAB_ARP_OP_REQUEST, smac, a, 0, a);

				n = fab_arp_frame(d, &e, &arp);
			} else {
				struct fab_eth_hdr e = eth(m, (uint16_t)p, (uint16_t)lan,
							   FAB_MAC_IPV6_ALL_NODES, smac);
				struct fab_nd_msg na = nd_msg(FAB_ICMP6_NA, FAB_ND_NA_OVERRIDE,
							      a->b, all_nodes, a->b, smac);

				n = fab_nd_frame(d, &e, &na);
			}
			inject(c, (uint16_t)p, d, (uint16_t)n);
		}
	}
	c->sponge->announced++;
}

/* Puts a sender that used the sponge MAC for a live address right, unicast. */
static void correct(struct ctl *c, const struct correction *k)
{
	const struct fab_model *m = c->running;
	struct fab_owner o;
	struct fab_eth_hdr e;
	uint8_t d[FAB_NEIGH_FRAME_MAX];
	size_t n;

	if (owner_of(c->sponge->t, k->lan, &k->addr, &o) != 0 || k->port >= m->nports)
		return;
	e = eth(m, k->port, k->lan, k->to, o.mac);
	if (fab_naddr_is4(&k->addr)) {
		struct fab_arp_msg arp =
		    arp_msg(FAB_ARP_OP_REPLY, o.mac, &k->addr, k->to, &k->asker);

		n = fab_arp_frame(d, &e, &arp);
	} else {
		/* Unsolicited, with override: it replaces the sponge MAC in the sender's cache. */
		struct fab_nd_msg na = nd_msg(FAB_ICMP6_NA, FAB_ND_NA_OVERRIDE, k->addr.b,
					      k->asker.b, k->addr.b, o.mac);

		n = fab_nd_frame(d, &e, &na);
	}
	c->sponge->corrections++;
	inject(c, k->port, d, (uint16_t)n);
}

int ctl_sponge_push(struct ctl *c, char *err, size_t errlen)
{
	struct ctl_sponge *sp = c->sponge;
	size_t n = fab_sponge_sponged(sp->s, NULL, 0);
	struct fab_naddr *v = calloc(n ? n : 1, sizeof(*v));
	struct fab_wire_sponge_set m;
	uint64_t gen = fab_sponge_generation(sp->s);
	uint32_t id;
	int rc;

	if (v == NULL)
		return -ENOMEM;
	fab_sponge_sponged(sp->s, v, n);
	m = (struct fab_wire_sponge_set){.addrs = (const uint8_t(*)[16])v, .n = (uint32_t)n};
	id = ctl_dp_next_id(c->dp);
	rc = ctl_dp_request(c, fab_wire_sponge_set_encode(ctl_dp_out(c->dp), id, &m), id, err,
			    errlen);
	free(v);
	if (rc == 0) {
		sp->pushed_gen = gen;
		sp->push_needed = false;
	}
	return rc;
}

static void save(struct ctl *c)
{
	struct ctl_sponge *sp = c->sponge;
	char path[FAB_PATH_MAX + 16];
	int rc;

	state_path(c, path, sizeof(path));
	(void)mkdir(c->running->mgmt.state_dir, 0750);
	rc = fab_sponge_save(sp->s, path, now_ms(), wall_ms());
	/* Tried once per change: a full disk is reported, not retried every tick. */
	sp->saved_gen = fab_sponge_generation(sp->s);
	sp->save_needed = false;
	if (rc < 0) {
		snprintf(sp->last_error, sizeof(sp->last_error), "cannot save %s: %s", path,
			 strerror(-rc));
		ctl_log("%s", sp->last_error);
	}
}

void ctl_sponge_tick(struct ctl *c)
{
	struct ctl_sponge *sp = c->sponge;
	struct fab_sponge_action act[ACTIONS_MAX];
	struct correction corr[CORRECT_MAX];
	unsigned ncorr;
	size_t n;

	if (sp == NULL || follow_model(c) < 0)
		return;
	/* Without a dataplane no probe can leave: time must not run out on one. */
	n = c->synced ? fab_sponge_tick(sp->s, now_ms(), act, ACTIONS_MAX) : 0;
	/* Corrections are copied first: sending lets new punts queue more. */
	ncorr = sp->ncorr;
	memcpy(corr, sp->corr, ncorr * sizeof(corr[0]));
	sp->ncorr = 0;
	for (size_t i = 0; i < n && c->synced; i++) {
		if (act[i].kind == FAB_SPONGE_PROBE)
			probe(c, &act[i].addr);
		else
			announce(c, &act[i].addr);
	}
	for (unsigned i = 0; i < ncorr && c->synced; i++)
		correct(c, &corr[i]);
	if (sp->save_needed || fab_sponge_generation(sp->s) != sp->saved_gen)
		save(c);
	if (c->synced && (sp->push_needed || fab_sponge_generation(sp->s) != sp->pushed_gen)) {
		char err[160] = "";

		if (ctl_sponge_push(c, err, sizeof(err)) != 0)
			snprintf(sp->last_error, sizeof(sp->last_error), "SPONGE_SET: %s", err);
	}
}

void ctl_sponge_resync(struct ctl *c)
{
	if (c->sponge != NULL)
		c->sponge->push_needed = true;
}

static json_t *info_json(const struct ctl *c, const struct fab_sponge_info *in, uint64_t now)
{
	json_t *o = json_object();
	char a[64];

	(void)c;
	json_object_set_new(o, "address", json_string(fab_naddr_str(&in->addr, a, sizeof(a))));
	json_object_set_new(o, "state", json_string(fab_sponge_state_name(in->state)));
	json_object_set_new(o, "queries_per_min", json_integer(in->rate_per_min));
	json_object_set_new(o, "queued", json_integer(in->queued));
	json_object_set_new(o, "queries", json_integer((json_int_t)in->queries));
	json_object_set_new(o, "flood_ignored", json_integer((json_int_t)in->flood_ignored));
	json_object_set_new(o, "probes_sent", json_integer(in->probes_sent));
	if (in->last_query_ms)
		json_object_set_new(o, "last_query_s_ago",
				    json_integer((json_int_t)((now - in->last_query_ms) / 1000)));
	if (in->last_heard_ms)
		json_object_set_new(o, "last_heard_s_ago",
				    json_integer((json_int_t)((now - in->last_heard_ms) / 1000)));
	json_object_set_new(o, "state_for_s",
			    json_integer((json_int_t)((now - in->since_ms) / 1000)));
	return o;
}

void ctl_sponge_annotate(const struct ctl *c, const char *addr, json_t *o)
{
	struct fab_sponge_info in;
	struct fab_naddr a;
	uint64_t now = now_ms();
	json_t *s;

	if (c->sponge == NULL || fab_naddr_parse(&a, addr) != 0)
		return;
	if (fab_sponge_get(c->sponge->s, &a, now, &in) != 0) {
		json_object_set_new(o, "state",
				    json_string(fab_sponge_state_name(FAB_SPONGE_ALIVE)));
		return;
	}
	s = info_json(c, &in, now);
	json_object_del(s, "address");
	json_object_update(o, s);
	json_decref(s);
}

static int show_sponge(struct ctl *c, json_t **out)
{
	struct ctl_sponge *sp = c->sponge;
	const struct fab_sponge_policy *p = &c->running->policy.sponge;
	size_t n = fab_sponge_list(sp->s, 0, NULL, 0);
	struct fab_sponge_info *v = calloc(n ? n : 1, sizeof(*v));
	json_t *o = json_object(), *pol = json_object(), *list = json_array(), *ev = json_array();
	uint64_t now = now_ms();
	char mac[24];

	if (v == NULL)
		return ctl_error(out, -ENOMEM, "out of memory");
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(p->mac >> 40) & 0xff,
		 (unsigned)(p->mac >> 32) & 0xff, (unsigned)(p->mac >> 24) & 0xff,
		 (unsigned)(p->mac >> 16) & 0xff, (unsigned)(p->mac >> 8) & 0xff,
		 (unsigned)p->mac & 0xff);
	json_object_set_new(pol, "enabled", json_boolean(p->enabled));
	json_object_set_new(pol, "mac", json_string(mac));
	json_object_set_new(pol, "queue_depth", json_integer(p->queue_depth));
	json_object_set_new(pol, "rate_per_min", json_integer(p->rate_per_min));
	json_object_set_new(pol, "flood_ms", json_integer(p->flood_ms));
	json_object_set_new(pol, "probes", json_integer(p->probes));
	json_object_set_new(pol, "probe_interval_ms", json_integer(p->probe_interval_ms));
	json_object_set_new(pol, "learning", json_boolean(fab_sponge_learning(sp->s, now)));
	json_object_set_new(pol, "gratuitous", json_boolean(p->gratuitous));
	json_object_set_new(o, "policy", pol);
	fab_sponge_list(sp->s, now, v, n);
	/* The addresses worth a look: sponged, being probed, or asked for now. */
	for (size_t i = 0; i < n && json_array_size(list) < SPONGED_SHOW; i++)
		if (v[i].state != FAB_SPONGE_ALIVE || v[i].rate_per_min > 0)
			json_array_append_new(list, info_json(c, &v[i], now));
	free(v);
	json_object_set_new(o, "addresses", list);
	json_object_set_new(o, "tracked", json_integer((json_int_t)n));
	json_object_set_new(o, "sponged",
			    json_integer((json_int_t)fab_sponge_sponged(sp->s, NULL, 0)));
	json_object_set_new(o, "in_dataplane",
			    json_boolean(c->synced && !sp->push_needed &&
					 sp->pushed_gen == fab_sponge_generation(sp->s)));
	json_object_set_new(o, "punts", json_integer((json_int_t)sp->punts));
	json_object_set_new(o, "unparsed", json_integer((json_int_t)sp->unparsed));
	json_object_set_new(o, "probes_sent", json_integer((json_int_t)sp->probes));
	json_object_set_new(o, "announced", json_integer((json_int_t)sp->announced));
	json_object_set_new(o, "corrections", json_integer((json_int_t)sp->corrections));
	json_object_set_new(o, "inject_errors", json_integer((json_int_t)sp->inject_errors));
	json_object_set_new(o, "table_full", json_integer((json_int_t)fab_sponge_overflow(sp->s)));
	if (sp->last_error[0] != '\0')
		json_object_set_new(o, "last_error", json_string(sp->last_error));
	for (unsigned i = 0; i < sp->nevents; i++) {
		const struct ctl_event *e =
		    &sp->events[(sp->event_head + EVENTS_MAX - sp->nevents + i) % EVENTS_MAX];
		json_t *j = json_object();

		json_object_set_new(j, "time", json_integer((json_int_t)e->wall));
		json_object_set_new(j, "text", json_string(e->text));
		json_array_append_new(ev, j);
	}
	json_object_set_new(o, "events", ev);
	json_object_set_new(o, "events_total", json_integer((json_int_t)sp->events_total));
	*out = o;
	return 0;
}

/* Tracked addresses by family and state; nothing if they cannot be listed. */
static void neighbor_gauges(const struct ctl_sponge *sp, FILE *out)
{
	static const enum fab_sponge_state states[] = {FAB_SPONGE_ALIVE, FAB_SPONGE_PENDING,
						       FAB_SPONGE_DEAD, FAB_SPONGE_STATIC};
	size_t n = fab_sponge_list(sp->s, 0, NULL, 0);
	struct fab_sponge_info *v = calloc(n ? n : 1, sizeof(*v));
	uint64_t count[2][FAB_SPONGE_STATIC + 1] = {{0}};

	if (v == NULL)
		return;
	fab_sponge_list(sp->s, now_ms(), v, n);
	for (size_t i = 0; i < n; i++)
		count[fab_naddr_is4(&v[i].addr) ? 0 : 1][v[i].state]++;
	free(v);
	ctl_metrics_family(
	    out, "peerlan_neighbors", "gauge",
	    "Addresses the sponge tracks, by state (alive, pending, dead, static) and "
	    "address family");
	for (int f = 0; f < 2; f++)
		for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++)
			fprintf(out, "peerlan_neighbors{state=\"%s\",family=\"%s\"} %llu\n",
				fab_sponge_state_name(states[k]), f == 0 ? "ipv4" : "ipv6",
				(unsigned long long)count[f][states[k]]);
}

void ctl_sponge_metrics(const struct ctl *c, FILE *out)
{
	const struct ctl_sponge *sp = c->sponge;

	if (sp == NULL)
		return;
	const struct {
		const char *name, *help;
		uint64_t v;
	} counters[] = {
	    {"peerlan_sponge_punts_total", "Frames the dataplane copied to the sponge", sp->punts},
	    {"peerlan_sponge_unparsed_total",
	     "Copied frames that were not an ARP or ND message the sponge could read",
	     sp->unparsed},
	    {"peerlan_sponge_probes_total", "Probes sent to addresses being checked", sp->probes},
	    {"peerlan_sponge_announcements_total",
	     "Gratuitous ARPs and unsolicited NAs sent for newly sponged addresses", sp->announced},
	    {"peerlan_sponge_corrections_total",
	     "Unicast corrections sent to members that used the sponge MAC for a live address",
	     sp->corrections},
	    {"peerlan_sponge_inject_errors_total", "Probes or answers the dataplane could not send",
	     sp->inject_errors},
	    {"peerlan_sponge_untracked_total",
	     "Queries for addresses not tracked because the sponge's table was full",
	     fab_sponge_overflow(sp->s)},
	    {"peerlan_neighbor_events_total",
	     "Neighbor spoofing and proxy-ARP/ND events (show sponge lists the latest)",
	     sp->events_total},
	};

	neighbor_gauges(sp, out);
	for (size_t k = 0; k < sizeof(counters) / sizeof(counters[0]); k++) {
		ctl_metrics_family(out, counters[k].name, "counter", counters[k].help);
		fprintf(out, "%s %llu\n", counters[k].name, (unsigned long long)counters[k].v);
	}
}

int ctl_show_sponge(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	(void)r;
	if (c->sponge == NULL)
		return ctl_error(out, -ENOTSUP, "the sponge is not running");
	return show_sponge(c, out);
}

int ctl_sponge_cmd(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	static const enum fab_sponge_state to[] = {
	    [CTL_SPONGE] = FAB_SPONGE_STATIC,
	    [CTL_UNSPONGE] = FAB_SPONGE_ALIVE,
	    [CTL_SET_NEIGHBOR_ALIVE] = FAB_SPONGE_ALIVE,
	    [CTL_SET_NEIGHBOR_DEAD] = FAB_SPONGE_DEAD,
	    [CTL_SET_NEIGHBOR_PENDING] = FAB_SPONGE_PENDING,
	};
	struct fab_naddr a;
	char why[160];
	int rc;

	if (c->sponge == NULL)
		return ctl_error(out, -ENOTSUP, "the sponge is not running");
	if (r->cmd < CTL_SPONGE || r->cmd > CTL_SET_NEIGHBOR_PENDING ||
	    fab_naddr_parse(&a, r->addr) != 0)
		return ctl_error(out, -EINVAL, "bad address: %s", r->addr);
	/* Answering or probing needs a LAN the address is on; forgetting one does not. */
	if (to[r->cmd] != FAB_SPONGE_ALIVE && fab_naddr_lan(c->running, &a, why, sizeof(why)) < 0)
		return ctl_error(out, -EINVAL, "%s; nothing changed", why);
	rc = fab_sponge_set_state(c->sponge->s, &a, to[r->cmd], now_ms());
	if (rc != 0)
		return ctl_error(out, rc, "cannot set %s: %s", r->addr, strerror(-rc));
	ctl_log("neighbor %s set %s by hand", r->addr, fab_sponge_state_name(to[r->cmd]));
	/* Pushed and saved at once, so the answer the NOC gets is already true. */
	ctl_sponge_tick(c);
	*out = json_object();
	json_object_set_new(*out, "address", json_string(r->addr));
	json_object_set_new(*out, "state", json_string(fab_sponge_state_name(to[r->cmd])));
	json_object_set_new(
	    *out, "in_dataplane",
	    json_boolean(c->synced && !c->sponge->push_needed &&
			 c->sponge->pushed_gen == fab_sponge_generation(c->sponge->s)));
	return 0;
}

json_t *ctl_sponge_addresses(const struct ctl *c)
{
	json_t *a = json_array();
	struct fab_sponge_info *v;
	size_t n;

	if (c->sponge == NULL || a == NULL)
		return a;
	n = fab_sponge_list(c->sponge->s, 0, NULL, 0);
	v = calloc(n ? n : 1, sizeof(*v));
	if (v == NULL)
		return a;
	n = fab_sponge_list(c->sponge->s, 0, v, n);
	for (size_t i = 0; i < n; i++) {
		char s[64];

		json_array_append_new(a, json_string(fab_naddr_str(&v[i].addr, s, sizeof(s))));
	}
	free(v);
	return a;
}
