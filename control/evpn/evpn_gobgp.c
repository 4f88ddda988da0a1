/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "evpn_gobgp.h"

static bool get_ip4(const json_t *v, uint32_t *out)
{
	return json_is_string(v) && fab_ip4_parse(json_string_value(v), out) == 0;
}

/* The route's address, if it has one: IPv4, IPv6, or none ("<nil>", "", "0.0.0.0"). */
static bool get_address(const json_t *v, struct fab_evpn_route *r)
{
	const char *s = json_string_value(v);
	uint32_t a4;
	struct fab_ip6 a6;

	r->family = 0;
	if (s == NULL || strcmp(s, "<nil>") == 0 || s[0] == '\0' || strcmp(s, "0.0.0.0") == 0 ||
	    strcmp(s, "::") == 0)
		return true;
	if (fab_ip4_parse(s, &a4) == 0) {
		r->family = 4;
		r->ip[0] = (uint8_t)(a4 >> 24);
		r->ip[1] = (uint8_t)(a4 >> 16);
		r->ip[2] = (uint8_t)(a4 >> 8);
		r->ip[3] = (uint8_t)a4;
		return true;
	}
	if (fab_ip6_parse(s, &a6) == 0) {
		r->family = 6;
		memcpy(r->ip, a6.b, 16);
		return true;
	}
	return false;
}

/* The attribute of this type code in a path's attrs, or NULL. */
static const json_t *attr(const json_t *path, int type)
{
	const json_t *a;
	size_t i;

	json_array_foreach(json_object_get(path, "attrs"), i,
			   a) if (json_integer_value(json_object_get(a, "type")) == type) return a;
	return NULL;
}

static bool vni_ok(json_int_t v)
{
	return v > 0 && v <= FAB_VNI_MAX;
}

/* One path into p; false if it is not something peerlan uses. */
static bool read_path(const json_t *path, struct evpn_path *p)
{
	const json_t *nlri = json_object_get(path, "nlri");
	const json_t *val = json_object_get(nlri, "value");
	const json_t *rd = json_object_get(val, "rd"), *mp = attr(path, 14);
	json_int_t type = json_integer_value(json_object_get(nlri, "type")), vni = 0;

	memset(p, 0, sizeof(*p));
	p->local = json_object_get(path, "neighbor-ip") == NULL;
	if (!json_is_object(val) || json_is_true(json_object_get(path, "withdrawal")))
		return false;
	if (json_is_object(rd))
		snprintf(p->rd, sizeof(p->rd), "%s:%lld",
			 json_string_value(json_object_get(rd, "admin"))
			     ? json_string_value(json_object_get(rd, "admin"))
			     : "",
			 (long long)json_integer_value(json_object_get(rd, "assigned")));
	if (type == FAB_EVPN_MACIP) {
		p->r.type = FAB_EVPN_MACIP;
		vni = json_integer_value(json_array_get(json_object_get(val, "labels"), 0));
		if (fab_mac_parse(json_string_value(json_object_get(val, "mac")) ?: "",
				  &p->r.mac) != 0 ||
		    !get_address(json_object_get(val, "ip"), &p->r) ||
		    !get_ip4(json_object_get(mp, "nexthop"), &p->r.vtep))
			return false;
	} else if (type == FAB_EVPN_IMET) {
		const json_t *pmsi = attr(path, 22);

		p->r.type = FAB_EVPN_IMET;
		vni = pmsi ? json_integer_value(json_object_get(pmsi, "label")) : 0;
		if (!vni_ok(vni))
			vni = json_integer_value(json_object_get(val, "etag"));
		if (!get_ip4(json_object_get(val, "ip"), &p->r.vtep))
			return false;
	} else {
		return false;
	}
	if (!vni_ok(vni))
		return false;
	p->r.vni = (uint32_t)vni;
	return true;
}

int evpn_gobgp_rib(const char *json, size_t len, struct evpn_path **out, size_t *n, size_t *skipped)
{
	json_t *root = json_loadb(json, len, 0, NULL), *paths;
	const char *key;
	size_t cap = 0, i;
	struct evpn_path *v = NULL;
	int rc = 0;

	*out = NULL;
	*n = *skipped = 0;
	/* An empty RIB prints nothing, or an empty object. */
	if (root == NULL && strspn(json, " \t\r\n") == len)
		return 0;
	if (!json_is_object(root)) {
		json_decref(root);
		return -EBADMSG;
	}
	json_object_foreach(root, key, paths)
	{
		const json_t *path;

		(void)key;
		if (!json_is_array(paths)) {
			rc = -EBADMSG;
			break;
		}
		json_array_foreach(paths, i, path)
		{
			if (*n == cap) {
				struct evpn_path *g = realloc(v, (cap ? cap * 2 : 64) * sizeof(*v));

				if (g == NULL) {
					rc = -ENOMEM;
					break;
				}
				v = g;
				cap = cap ? cap * 2 : 64;
			}
			if (read_path(path, &v[*n]))
				(*n)++;
			else
				(*skipped)++;
		}
		if (rc != 0)
			break;
	}
	json_decref(root);
	if (rc != 0) {
		free(v);
		*n = 0;
		return rc;
	}
	*out = v;
	return 0;
}

int evpn_gobgp_neighbors(const char *json, size_t len, unsigned *established, uint32_t *addrs,
			 size_t max, size_t *naddrs)
{
	json_t *root = json_loadb(json, len, 0, NULL);
	const json_t *nb;
	size_t i;

	*established = 0;
	*naddrs = 0;
	if (root == NULL && strspn(json, " \t\r\n") == len)
		return 0;
	if (!json_is_array(root)) {
		json_decref(root);
		return -EBADMSG;
	}
	json_array_foreach(root, i, nb)
	{
		const json_t *st = json_object_get(json_object_get(nb, "state"), "session_state");
		uint32_t a;

		/* 6 is Established in GoBGP's API (older versions print the name). */
		if (json_integer_value(st) == 6 ||
		    (json_is_string(st) && strcmp(json_string_value(st), "established") == 0))
			(*established)++;
		if (*naddrs < max &&
		    get_ip4(json_object_get(json_object_get(nb, "conf"), "neighbor_address"), &a))
			addrs[(*naddrs)++] = a;
	}
	json_decref(root);
	return 0;
}

/* Appends a word to argv, copied into buf. */
static bool word(const char **argv, size_t max, size_t *n, char *buf, size_t buflen, size_t *used,
		 const char *s)
{
	size_t l = strlen(s) + 1;

	if (*n >= max || *used + l > buflen)
		return false;
	memcpy(buf + *used, s, l);
	argv[(*n)++] = buf + *used;
	*used += l;
	return true;
}

int evpn_gobgp_argv(const struct fab_evpn_route *r, const char *rd, uint32_t asn, bool add,
		    const char **argv, size_t max, char *buf, size_t buflen)
{
	char vtep[16], mac[18], ip[48] = "0.0.0.0", vni[12], rt[32];
	const char *head[] = {"global", "rib", "-a", "evpn", add ? "add" : "del"};
	size_t n = 0, used = 0;
	bool ok = true;

	fab_ip4_format(r->vtep, vtep, sizeof(vtep));
	snprintf(vni, sizeof(vni), "%u", r->vni);
	fab_evpn_rt(asn, r->vni, rt, sizeof(rt));
	for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		ok = ok && word(argv, max, &n, buf, buflen, &used, head[i]);
	if (r->type == FAB_EVPN_MACIP) {
		fab_mac_format(r->mac, mac, sizeof(mac));
		if (r->family == 4)
			inet_ntop(AF_INET, r->ip, ip, sizeof(ip));
		else if (r->family == 6)
			inet_ntop(AF_INET6, r->ip, ip, sizeof(ip));
		const char *w[] = {"macadv", mac, ip, "etag", "0", "label", vni, "rd", rd};

		for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
			ok = ok && word(argv, max, &n, buf, buflen, &used, w[i]);
	} else {
		const char *w[] = {"multicast", vtep, "etag", "0", "rd", rd};

		for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
			ok = ok && word(argv, max, &n, buf, buflen, &used, w[i]);
	}
	if (add) {
		const char *w[] = {"rt", rt, "encap", "vxlan", "nexthop", vtep};

		for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
			ok = ok && word(argv, max, &n, buf, buflen, &used, w[i]);
		/* Type 3 by ingress replication to this VTEP, with the VNI (RFC 8365 5.1.3). */
		if (r->type == FAB_EVPN_IMET) {
			const char *p[] = {"pmsi", "ingress-repl", vni, vtep};

			for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
				ok = ok && word(argv, max, &n, buf, buflen, &used, p[i]);
		}
	}
	ok = ok && n < max;
	if (!ok)
		return -ENOSPC;
	argv[n] = NULL;
	return (int)n;
}
