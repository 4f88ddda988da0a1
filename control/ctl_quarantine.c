/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_quarantine.h"
#include "fabric/bytes.h"
#include "fabric/pipeline.h"
#include "fabric/proto.h"

struct quar_port {
	char name[FAB_NAME_MAX];
	bool quarantine;
	uint64_t frames;
	uint64_t first_ns, last_ns;
	struct {
		fab_mac_t mac;
		uint64_t n;
	} macs[CTL_QUAR_MACS];
	size_t nmacs;
	struct {
		uint16_t etype;
		uint64_t n;
	} etypes[CTL_QUAR_ETYPES];
	size_t netypes;
	struct {
		bool v6;
		uint8_t a[16];
		uint64_t n;
	} asked[CTL_QUAR_ADDRS];
	size_t nasked;
	uint64_t overflow; /* entries that did not fit */
};

struct ctl_quar {
	const struct fab_model *m;
	struct quar_port *p;
	size_t n;
};

struct ctl_quar *ctl_quar_create(void)
{
	return calloc(1, sizeof(struct ctl_quar));
}

void ctl_quar_destroy(struct ctl_quar *q)
{
	if (q == NULL)
		return;
	free(q->p);
	free(q);
}

static bool on_quarantine(const struct fab_model *m, const struct fab_port *p)
{
	for (size_t k = 0; k < p->nlans; k++)
		if (m->lans[p->lans[k]].kind == FAB_LAN_QUARANTINE)
			return true;
	return false;
}

int ctl_quar_set_model(struct ctl_quar *q, const struct fab_model *m)
{
	struct quar_port *p = calloc(m->nports ? m->nports : 1, sizeof(*p));

	if (p == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->nports; i++) {
		for (size_t j = 0; j < q->n; j++)
			if (strcmp(q->p[j].name, m->ports[i].name) == 0) {
				p[i] = q->p[j];
				break;
			}
		snprintf(p[i].name, sizeof(p[i].name), "%s", m->ports[i].name);
		p[i].quarantine = on_quarantine(m, &m->ports[i]);
	}
	free(q->p);
	q->p = p;
	q->n = m->nports;
	q->m = m;
	return 0;
}

void ctl_quar_reset(struct ctl_quar *q, uint16_t port)
{
	if (port < q->n) {
		struct quar_port *p = &q->p[port];
		bool quarantine = p->quarantine;
		char name[FAB_NAME_MAX];

		memcpy(name, p->name, sizeof(name));
		memset(p, 0, sizeof(*p));
		memcpy(p->name, name, sizeof(name));
		p->quarantine = quarantine;
	}
}

bool ctl_quar_port(const struct ctl_quar *q, uint16_t port)
{
	return port < q->n && q->p[port].quarantine;
}

/* Finds key in a small table of entries, adding it if there is room. */
#define COUNT_IN(tab, ntab, max, match, init)               \
	do {                                                \
		size_t k_;                                  \
		for (k_ = 0; k_ < (ntab) && !(match); k_++) \
			;                                   \
		if (k_ == (ntab)) {                         \
			if ((ntab) == (max)) {              \
				p->overflow++;              \
				break;                      \
			}                                   \
			(ntab)++;                           \
			init;                               \
		}                                           \
		(tab)[k_].n++;                              \
	} while (0)

static void asked(struct quar_port *p, bool v6, const uint8_t *a)
{
	size_t len = v6 ? 16 : 4;

	COUNT_IN(p->asked, p->nasked, CTL_QUAR_ADDRS,
		 p->asked[k_].v6 == v6 && memcmp(p->asked[k_].a, a, len) == 0, ({
			 p->asked[k_].v6 = v6;
			 memset(p->asked[k_].a, 0, sizeof(p->asked[k_].a));
			 memcpy(p->asked[k_].a, a, len);
			 p->asked[k_].n = 0;
		 }));
}

void ctl_quar_frame(struct ctl_quar *q, uint16_t port, const uint8_t *f, size_t len,
		    uint64_t now_ns)
{
	struct quar_port *p;
	fab_mac_t src = 0;
	uint16_t etype;
	size_t l2 = FAB_ETH_HLEN;

	if (port >= q->n || !q->p[port].quarantine || len < FAB_ETH_HLEN)
		return;
	p = &q->p[port];
	for (int k = 0; k < FAB_ETH_ADDR_LEN; k++)
		src = src << 8 | f[FAB_ETH_ADDR_LEN + k];
	etype = (uint16_t)(f[12] << 8 | f[13]);
	if (etype == FAB_ETH_P_8021Q) {
		if (len < FAB_ETH_HLEN + FAB_VLAN_HLEN)
			return;
		etype = (uint16_t)(f[16] << 8 | f[17]);
		l2 += FAB_VLAN_HLEN;
	}
	if (p->frames++ == 0)
		p->first_ns = now_ns;
	p->last_ns = now_ns;
	COUNT_IN(p->macs, p->nmacs, CTL_QUAR_MACS, p->macs[k_].mac == src, ({
			 p->macs[k_].mac = src;
			 p->macs[k_].n = 0;
		 }));
	COUNT_IN(p->etypes, p->netypes, CTL_QUAR_ETYPES, p->etypes[k_].etype == etype, ({
			 p->etypes[k_].etype = etype;
			 p->etypes[k_].n = 0;
		 }));
	/* ARP: the target protocol address, 24 bytes in. */
	if (etype == FAB_ETH_P_ARP && len >= l2 + 28)
		asked(p, false, f + l2 + 24);
	/* A neighbour solicitation right after the IPv6 header: its target. */
	if (etype == FAB_ETH_P_IPV6 && len >= l2 + 40 + 24 && f[l2 + 6] == 58 &&
	    f[l2 + 40] == FAB_ICMP6_NS)
		asked(p, true, f + l2 + 40 + 8);
}

static void check(json_t *a, bool *all, const char *name, bool pass, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void check(json_t *a, bool *all, const char *name, bool pass, const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	json_t *o = json_object();

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	json_object_set_new(o, "check", json_string(name));
	json_object_set_new(o, "pass", json_boolean(pass));
	json_object_set_new(o, "detail", json_string(detail));
	json_array_append_new(a, o);
	*all = *all && pass;
}

/* Whether an asked address is one the member may ask for: on a LAN's prefix. */
static bool addr_on_lans(const struct fab_model *m, bool v6, const uint8_t *a)
{
	for (size_t i = 0; i < m->nlans; i++) {
		if (v6) {
			struct fab_ip6 x;

			memcpy(x.b, a, 16);
			if (m->lans[i].ipv6.set && fab_prefix6_contains(&m->lans[i].ipv6, &x))
				return true;
		} else {
			uint32_t x = fab_rd32(a);

			if (m->lans[i].ipv4.set && fab_prefix4_contains(&m->lans[i].ipv4, x))
				return true;
		}
	}
	return false;
}

static void addr_text(bool v6, const uint8_t *a, char *buf, size_t len)
{
	if (v6) {
		struct fab_ip6 x;

		memcpy(x.b, a, 16);
		fab_ip6_format(&x, buf, len);
	} else {
		fab_ip4_format(fab_rd32(a), buf, len);
	}
}

json_t *ctl_quar_report(const struct ctl_quar *q, uint16_t port, const struct fab_port_stats *s,
			uint64_t now_ns, fab_mac_t *mac)
{
	const struct quar_port *p;
	json_t *o, *checks, *macs, *ets, *addrs;
	char buf[512], one[64];
	size_t off = 0;
	uint64_t forbidden = 0;
	bool all = true, stray = false;

	*mac = 0;
	if (port >= q->n)
		return NULL;
	p = &q->p[port];
	o = json_object();
	checks = json_array();
	macs = json_array();
	ets = json_array();
	addrs = json_array();
	json_object_set_new(o, "port", json_string(p->name));
	check(checks, &all, "in quarantine", p->quarantine,
	      p->quarantine ? "the port carries a quarantine LAN"
			    : "the port carries no quarantine LAN");
	check(checks, &all, "traffic seen", p->frames > 0, "%llu frame%s recorded",
	      (unsigned long long)p->frames, p->frames == 1 ? "" : "s");
	for (size_t k = 0; k < p->nmacs; k++) {
		json_t *e = json_object();

		fab_mac_format(p->macs[k].mac, one, sizeof(one));
		json_object_set_new(e, "mac", json_string(one));
		json_object_set_new(e, "frames", json_integer((json_int_t)p->macs[k].n));
		json_array_append_new(macs, e);
		off += (size_t)snprintf(buf + off, off < sizeof(buf) ? sizeof(buf) - off : 0,
					"%s%s", k ? ", " : "", one);
	}
	if (p->nmacs == 0)
		snprintf(buf, sizeof(buf), "none");
	check(checks, &all, "one source MAC", p->nmacs == 1, "%s", buf);
	if (p->nmacs == 1)
		*mac = p->macs[0].mac;
	if (s == NULL) {
		check(checks, &all, "source MAC provisioned", false, "counters not known");
		check(checks, &all, "no forbidden frames", false, "counters not known");
	} else {
		check(checks, &all, "source MAC provisioned",
		      s->drop[FAB_DROP_src_mac_violation] == 0,
		      "%llu frame%s from MACs not provisioned on the port",
		      (unsigned long long)s->drop[FAB_DROP_src_mac_violation],
		      s->drop[FAB_DROP_src_mac_violation] == 1 ? "" : "s");
		off = 0;
		buf[0] = '\0';
		for (unsigned r = 0; r < FAB_DROP__COUNT; r++) {
			if (r == FAB_DROP_src_mac_violation || !fab_drop_is_offence(r) ||
			    s->drop[r] == 0)
				continue;
			forbidden += s->drop[r];
			off += (size_t)snprintf(
			    buf + off, off < sizeof(buf) ? sizeof(buf) - off : 0, "%s%s %llu",
			    off ? ", " : "", fab_drop_name(r), (unsigned long long)s->drop[r]);
		}
		check(checks, &all, "no forbidden frames", forbidden == 0, "%s",
		      forbidden ? buf : "none dropped");
	}
	for (size_t k = 0; k < p->netypes; k++) {
		json_t *e = json_object();

		snprintf(one, sizeof(one), "0x%04x", p->etypes[k].etype);
		json_object_set_new(e, "ethertype", json_string(one));
		json_object_set_new(e, "frames", json_integer((json_int_t)p->etypes[k].n));
		json_array_append_new(ets, e);
	}
	off = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < p->nasked; k++) {
		json_t *e = json_object();
		bool ok = addr_on_lans(q->m, p->asked[k].v6, p->asked[k].a);

		addr_text(p->asked[k].v6, p->asked[k].a, one, sizeof(one));
		json_object_set_new(e, "address", json_string(one));
		json_object_set_new(e, "requests", json_integer((json_int_t)p->asked[k].n));
		json_object_set_new(e, "on_lan", json_boolean(ok));
		json_array_append_new(addrs, e);
		if (!ok) {
			stray = true;
			off +=
			    (size_t)snprintf(buf + off, off < sizeof(buf) ? sizeof(buf) - off : 0,
					     "%s%s", off ? ", " : "", one);
		}
	}
	check(checks, &all, "ARP/ND only for the LANs' addresses", !stray, "%s",
	      stray ? buf : "every request was for an address on a LAN's prefix");
	json_object_set_new(o, "pass", json_boolean(all));
	json_object_set_new(o, "checks", checks);
	json_object_set_new(o, "source_macs", macs);
	json_object_set_new(o, "ethertypes", ets);
	json_object_set_new(o, "arp_nd_targets", addrs);
	json_object_set_new(o, "frames", json_integer((json_int_t)p->frames));
	json_object_set_new(o, "not_recorded", json_integer((json_int_t)p->overflow));
	if (p->frames)
		json_object_set_new(
		    o, "last_frame_s_ago",
		    json_integer((json_int_t)((now_ns - p->last_ns) / 1000000000ULL)));
	return o;
}

/* The peering LAN the member's addresses on binding b belong to, or -1. */
static int production_lan(const struct fab_model *m, const struct fab_binding *b)
{
	int only = -1, n = 0;

	for (size_t i = 0; i < m->nlans; i++) {
		const struct fab_lan *l = &m->lans[i];

		if (l->kind != FAB_LAN_PEERING)
			continue;
		n++;
		only = (int)i;
		if (b->nipv4 > 0 && fab_prefix4_contains(&l->ipv4, b->ipv4[0]))
			return (int)i;
		if (b->nipv6 > 0 && fab_prefix6_contains(&l->ipv6, &b->ipv6[0]))
			return (int)i;
	}
	return n == 1 ? only : -1;
}

struct fab_model *ctl_quar_promoted(const struct fab_model *m, uint16_t port, bool lock_mac,
				    fab_mac_t mac, char *err, size_t errlen)
{
	struct fab_model *n = fab_model_clone(m);
	struct fab_port *p;
	bool moved = false;

	if (n == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p = &n->ports[port];
	for (size_t k = 0; k < n->nmembers; k++)
		for (size_t c = 0; c < n->members[k].nconns; c++) {
			struct fab_connection *cn = &n->members[k].conns[c];

			if (cn->port != port)
				continue;
			for (size_t b = 0; b < cn->nbindings; b++) {
				struct fab_binding *bd = &cn->bindings[b];
				uint16_t from = bd->lan;
				int to;

				if (n->lans[from].kind != FAB_LAN_QUARANTINE)
					continue;
				to = production_lan(n, bd);
				if (to < 0) {
					snprintf(err, errlen,
						 "cannot tell which peering LAN AS%u's addresses "
						 "belong to",
						 n->members[k].asn);
					fab_model_destroy(n);
					return NULL;
				}
				bd->lan = (uint16_t)to;
				for (size_t l = 0; l < p->nlans; l++)
					if (p->lans[l] == from)
						p->lans[l] = (uint16_t)to;
				if (lock_mac && bd->nmacs > 0) {
					bd->macs[0] = mac;
					bd->nmacs = 1;
				}
				moved = true;
			}
		}
	if (!moved) {
		snprintf(err, errlen, "port %s has no member binding on a quarantine LAN", p->name);
		fab_model_destroy(n);
		return NULL;
	}
	return n;
}
