/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp_xdp.h"
#include "peerlan_xdp.skel.h"
#include "xdp_shared.h"

#define BPFFS_MOUNT "/sys/fs/bpf"

/* One 8-byte value, so a reader never sees flags of one update and a length of another. */
_Static_assert(sizeof(struct dp_xdp_cfg) == 8, "cfg is written in one word");

/* What one model allows on one port, as the maps hold it. */
struct xdp_state {
	uint64_t *macs; /* sorted, unique DP_XDP_MAC_KEY values */
	size_t nmacs;
	uint64_t etype[DP_XDP_ETYPE_WORDS];
	uint64_t vlan[DP_XDP_VLAN_WORDS];
	struct dp_xdp_cfg cfg;
	bool admin_up;
};

struct dp_xdp {
	struct peerlan_xdp *skel;
	int ifindex;
	uint32_t xdp_flags;
	int old_prog_fd; /* the program to replace on attach, or -1 */
	bool attached;
	bool forced_down;          /* dp_xdp_set_down */
	bool admin_down;           /* the model's, as of the last update */
	struct xdp_state *pending; /* between update_begin and update_end */
	char pin_dir[PATH_MAX];
};

const char *dp_xdp_object_path(void)
{
	if (access(DP_XDP_OBJ_INSTALL, R_OK) == 0)
		return DP_XDP_OBJ_INSTALL;
	return DP_XDP_OBJ_BUILD;
}

static bool on_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static int mkdir_exist_ok(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* A port name becomes one path component: nothing that could leave it. */
static bool port_name_ok(const char *name)
{
	size_t n = strnlen(name, FAB_NAME_MAX);

	return n > 0 && n < FAB_NAME_MAX && strchr(name, '/') == NULL && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

/* Creates <root>/<port>/ on bpffs, mounting bpffs on /sys/fs/bpf if it is not. */
static int make_pin_dir(struct dp_xdp *x, const char *root, const char *port)
{
	int ret;

	if (!on_bpffs(BPFFS_MOUNT) && mount("bpf", BPFFS_MOUNT, "bpf", 0, "mode=0700") < 0)
		return -errno;
	ret = mkdir_exist_ok(root);
	if (ret < 0)
		return ret;
	if (snprintf(x->pin_dir, sizeof(x->pin_dir), "%s/%s", root, port) >=
	    (int)sizeof(x->pin_dir))
		return -ENAMETOOLONG;
	ret = mkdir_exist_ok(x->pin_dir);
	if (ret < 0)
		return ret;
	return on_bpffs(x->pin_dir) ? 0 : -ENOTSUP;
}

static int set_pin(struct dp_xdp *x, struct bpf_map *map)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", x->pin_dir, bpf_map__name(map)) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	return bpf_map__set_pin_path(map, path);
}

/*
 * Finds the XSK map of the program attached on ifindex (the PMD's) and makes
 * ours reuse it; keeps that program's fd for the atomic replace.
 */
static int share_xsk_map(struct dp_xdp *x)
{
	struct bpf_prog_info pinfo = {0};
	uint32_t plen = sizeof(pinfo);
	uint32_t prog_id = 0, ids[64];
	int ret, found = -ENOENT;

	ret = bpf_xdp_query_id(x->ifindex, (int)x->xdp_flags, &prog_id);
	if (ret < 0)
		return ret;
	if (prog_id == 0)
		return -ENOENT;
	x->old_prog_fd = bpf_prog_get_fd_by_id(prog_id);
	if (x->old_prog_fd < 0)
		return -errno;
	pinfo.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	pinfo.map_ids = (uint64_t)(uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(x->old_prog_fd, &pinfo, &plen) < 0)
		return -errno;
	for (uint32_t i = 0; i < pinfo.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct bpf_map_info minfo = {0};
		uint32_t mlen = sizeof(minfo);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &minfo, &mlen) == 0 &&
		    minfo.type == BPF_MAP_TYPE_XSKMAP && strcmp(minfo.name, "xsks_map") == 0)
			found = bpf_map__reuse_fd(x->skel->maps.xsks_map, fd);
		close(fd);
		if (found != -ENOENT)
			break;
	}
	return found;
}

struct dp_xdp *dp_xdp_create(const struct dp_xdp_opts *opts)
{
	struct bpf_map *filter_maps[5];
	struct dp_xdp *x;
	int ret;

	if (opts == NULL || opts->port == NULL || !port_name_ok(opts->port) ||
	    (opts->takeover && opts->ifindex <= 0)) {
		errno = EINVAL;
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return NULL;
	x->ifindex = opts->ifindex;
	x->xdp_flags = opts->xdp_flags;
	x->old_prog_fd = -1;

	ret = make_pin_dir(x, opts->pin_root ? opts->pin_root : DP_XDP_PIN_ROOT, opts->port);
	if (ret < 0)
		goto fail;
	x->skel = peerlan_xdp__open();
	if (x->skel == NULL) {
		ret = -errno;
		goto fail;
	}
	filter_maps[0] = x->skel->maps.macs;
	filter_maps[1] = x->skel->maps.ethertypes;
	filter_maps[2] = x->skel->maps.vlans;
	filter_maps[3] = x->skel->maps.cfg;
	filter_maps[4] = x->skel->maps.drops;
	for (size_t i = 0; i < sizeof(filter_maps) / sizeof(filter_maps[0]); i++) {
		ret = set_pin(x, filter_maps[i]);
		if (ret < 0)
			goto fail;
	}
	if (opts->takeover) {
		ret = share_xsk_map(x);
		if (ret < 0)
			goto fail;
	}
	/* Reuses the pinned maps if they are there (and compatible), else pins new ones. */
	ret = peerlan_xdp__load(x->skel);
	if (ret < 0)
		goto fail;
	return x;
fail:
	dp_xdp_destroy(x);
	errno = -ret;
	return NULL;
}

void dp_xdp_destroy(struct dp_xdp *x)
{
	if (x == NULL)
		return;
	if (x->pending != NULL)
		free(x->pending->macs);
	free(x->pending);
	peerlan_xdp__destroy(x->skel);
	if (x->old_prog_fd >= 0)
		close(x->old_prog_fd);
	free(x);
}

int dp_xdp_prog_fd(const struct dp_xdp *x)
{
	return x != NULL && x->skel != NULL ? bpf_program__fd(x->skel->progs.peerlan_xdp) : -1;
}

int dp_xdp_attach(struct dp_xdp *x)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o);
	uint32_t flags = x->xdp_flags;
	int ret;

	if (x->ifindex <= 0)
		return -EINVAL;
	if (x->old_prog_fd >= 0) {
		/* Fails, changing nothing, if someone else replaced it meanwhile. */
		flags |= XDP_FLAGS_REPLACE;
		o.old_prog_fd = x->old_prog_fd;
	} else {
		flags |= XDP_FLAGS_UPDATE_IF_NOEXIST;
	}
	ret = bpf_xdp_attach(x->ifindex, dp_xdp_prog_fd(x), flags, &o);
	if (ret < 0)
		return ret;
	x->attached = true;
	return 0;
}

int dp_xdp_detach(struct dp_xdp *x)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = dp_xdp_prog_fd(x));
	int ret;

	if (!x->attached)
		return -ENOENT;
	ret = bpf_xdp_detach(x->ifindex, x->xdp_flags | XDP_FLAGS_REPLACE, &o);
	if (ret < 0)
		return ret;
	x->attached = false;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void state_free(struct xdp_state *s)
{
	if (s != NULL)
		free(s->macs);
	free(s);
}

/* What the model allows on fabric port `port`; NULL and errno. */
static struct xdp_state *state_from_model(const struct fab_model *m, uint16_t port, bool down)
{
	const struct fab_port *p;
	struct xdp_state *s;
	size_t n = 0, cap = 0;
	bool trunk;

	if (m == NULL || port >= m->nports) {
		errno = EINVAL;
		return NULL;
	}
	p = &m->ports[port];
	trunk = p->mode == FAB_PORT_TRUNK;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;

	for (size_t i = 0; i < m->nmembers; i++)
		for (size_t c = 0; c < m->members[i].nconns; c++)
			if (m->members[i].conns[c].port == port)
				for (size_t b = 0; b < m->members[i].conns[c].nbindings; b++)
					cap += m->members[i].conns[c].bindings[b].nmacs;
	if (cap > 0) {
		s->macs = calloc(cap, sizeof(*s->macs));
		if (s->macs == NULL)
			goto fail;
	}
	for (size_t i = 0; i < m->nmembers; i++) {
		for (size_t c = 0; c < m->members[i].nconns; c++) {
			const struct fab_connection *conn = &m->members[i].conns[c];

			if (conn->port != port)
				continue;
			for (size_t b = 0; b < conn->nbindings; b++) {
				const struct fab_binding *bd = &conn->bindings[b];

				if (bd->lan >= m->nlans) {
					errno = EINVAL;
					goto fail;
				}
				for (size_t k = 0; k < bd->nmacs; k++)
					s->macs[n++] = DP_XDP_MAC_KEY(
					    trunk ? m->lans[bd->lan].vlan : 0, bd->macs[k]);
			}
		}
	}
	qsort(s->macs, n, sizeof(*s->macs), cmp_u64);
	for (size_t i = 0; i < n; i++)
		if (s->nmacs == 0 || s->macs[s->nmacs - 1] != s->macs[i])
			s->macs[s->nmacs++] = s->macs[i];
	if (s->nmacs > DP_XDP_MACS_MAX) {
		errno = ENOSPC;
		goto fail;
	}

	for (size_t i = 0; i < m->policy.nethertypes && i < FAB_ETHERTYPE_MAX; i++)
		s->etype[m->policy.ethertypes[i] / 64] |= 1ULL << (m->policy.ethertypes[i] % 64);
	for (size_t i = 0; trunk && i < p->nlans; i++) {
		if (p->lans[i] >= m->nlans) {
			errno = EINVAL;
			goto fail;
		}
		uint16_t v = m->lans[p->lans[i]].vlan & 0xfff;
		s->vlan[v / 64] |= 1ULL << (v % 64);
	}
	s->cfg.flags = trunk ? DP_XDP_F_TAGGED : DP_XDP_F_UNTAGGED;
	s->admin_up = p->admin_up;
	if (!p->admin_up || down)
		s->cfg.flags |= DP_XDP_F_DOWN;
	/* An access port's frames are its LAN's: the smaller MTU holds, as in
	 * the pipeline; a trunk's LANs are told apart there. */
	s->cfg.max_len = p->mtu + FAB_ETH_HLEN + (trunk ? FAB_VLAN_HLEN : 0);
	if (!trunk && p->nlans == 1 && p->lans[0] < m->nlans && m->lans[p->lans[0]].mtu < p->mtu)
		s->cfg.max_len = m->lans[p->lans[0]].mtu + FAB_ETH_HLEN;
	return s;
fail:
	state_free(s);
	return NULL;
}

static int map_fd(struct bpf_map *map)
{
	return bpf_map__fd(map);
}

/* Reads a bitmap map into words[n]. */
static int read_words(struct bpf_map *map, uint64_t *words, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (bpf_map_lookup_elem(map_fd(map), &i, &words[i]) < 0)
			return -errno;
	return 0;
}

/* Writes the words that differ from cur[]. */
static int write_words(struct bpf_map *map, const uint64_t *cur, const uint64_t *words, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (words[i] != cur[i] && bpf_map_update_elem(map_fd(map), &i, &words[i], 0) < 0)
			return -errno;
	return 0;
}

static int read_cfg(struct dp_xdp *x, struct dp_xdp_cfg *c)
{
	uint32_t zero = 0;

	return bpf_map_lookup_elem(map_fd(x->skel->maps.cfg), &zero, c) < 0 ? -errno : 0;
}

static int write_cfg(struct dp_xdp *x, const struct dp_xdp_cfg *c)
{
	uint32_t zero = 0;

	return bpf_map_update_elem(map_fd(x->skel->maps.cfg), &zero, c, 0) < 0 ? -errno : 0;
}

/*
 * The maps' contents while both models may be in use: the union of what
 * they allow, the intersection of what they check. The filter then drops a
 * frame only when both the old and the new tables would.
 */
static void state_meet(struct xdp_state *mid, const struct xdp_state *old,
		       const struct xdp_state *new)
{
	for (size_t i = 0; i < DP_XDP_ETYPE_WORDS; i++)
		mid->etype[i] = old->etype[i] | new->etype[i];
	for (size_t i = 0; i < DP_XDP_VLAN_WORDS; i++)
		mid->vlan[i] = old->vlan[i] & new->vlan[i];
	mid->cfg.flags = (old->cfg.flags & new->cfg.flags);
	mid->cfg.max_len =
	    old->cfg.max_len < new->cfg.max_len ? old->cfg.max_len : new->cfg.max_len;
}

static int read_arrays(struct dp_xdp *x, struct xdp_state *s)
{
	int ret = read_words(x->skel->maps.ethertypes, s->etype, DP_XDP_ETYPE_WORDS);

	if (ret == 0)
		ret = read_words(x->skel->maps.vlans, s->vlan, DP_XDP_VLAN_WORDS);
	if (ret == 0)
		ret = read_cfg(x, &s->cfg);
	return ret;
}

/* Moves the array maps (EtherTypes, VLANs, cfg) from cur to to. */
static int write_arrays(struct dp_xdp *x, const struct xdp_state *cur, const struct xdp_state *to)
{
	int ret = write_words(x->skel->maps.ethertypes, cur->etype, to->etype, DP_XDP_ETYPE_WORDS);

	if (ret == 0)
		ret = write_words(x->skel->maps.vlans, cur->vlan, to->vlan, DP_XDP_VLAN_WORDS);
	if (ret == 0 && memcmp(&cur->cfg, &to->cfg, sizeof(cur->cfg)) != 0)
		ret = write_cfg(x, &to->cfg);
	return ret;
}

static void delete_keys(struct dp_xdp *x, const uint64_t *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(map_fd(x->skel->maps.macs), &keys[i]);
}

int dp_xdp_update_begin(struct dp_xdp *x, const struct fab_model *m, uint16_t port)
{
	struct xdp_state *new, old = {0}, mid = {0};
	uint64_t *added = NULL;
	size_t nadded = 0;
	uint8_t one = 1;
	int ret;

	new = state_from_model(m, port, x->forced_down);
	if (new == NULL)
		return -errno;
	if (new->nmacs > 0) {
		added = calloc(new->nmacs, sizeof(*added));
		if (added == NULL) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = read_arrays(x, &old);
	if (ret < 0)
		goto out;

	for (size_t i = 0; i < new->nmacs; i++) {
		if (bpf_map_update_elem(map_fd(x->skel->maps.macs), &new->macs[i], &one,
					BPF_NOEXIST) == 0)
			added[nadded++] = new->macs[i];
		else if (errno != EEXIST) {
			ret = errno == E2BIG ? -ENOSPC : -errno;
			goto undo;
		}
	}
	state_meet(&mid, &old, new);
	ret = write_arrays(x, &old, &mid);
	if (ret < 0) {
		write_arrays(x, &mid, &old);
		goto undo;
	}
	state_free(x->pending);
	x->pending = new;
	new = NULL;
	goto out;
undo:
	delete_keys(x, added, nadded);
out:
	free(added);
	state_free(new);
	return ret;
}

int dp_xdp_update_end(struct dp_xdp *x)
{
	struct xdp_state *new = x->pending, cur = {0};
	uint64_t key, *stale = NULL;
	size_t nstale = 0, cap = 0;
	int fd, ret;

	if (new == NULL)
		return -EINVAL;
	fd = map_fd(x->skel->maps.macs);
	/* Collect first: deleting while walking would restart the walk. */
	for (int r = bpf_map_get_next_key(fd, NULL, &key); r == 0;
	     r = bpf_map_get_next_key(fd, &key, &key)) {
		if (bsearch(&key, new->macs, new->nmacs, sizeof(key), cmp_u64) != NULL)
			continue;
		if (nstale == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			uint64_t *p = realloc(stale, ncap * sizeof(*p));

			if (p == NULL) {
				free(stale);
				return -ENOMEM;
			}
			stale = p;
			cap = ncap;
		}
		stale[nstale++] = key;
	}
	delete_keys(x, stale, nstale);
	free(stale);

	ret = read_arrays(x, &cur);
	if (ret == 0)
		ret = write_arrays(x, &cur, new);
	if (ret == 0) {
		x->admin_down = !new->admin_up;
		state_free(new);
		x->pending = NULL;
	}
	return ret;
}

int dp_xdp_update(struct dp_xdp *x, const struct fab_model *m, uint16_t port)
{
	int ret = dp_xdp_update_begin(x, m, port);

	return ret < 0 ? ret : dp_xdp_update_end(x);
}

int dp_xdp_set_down(struct dp_xdp *x, bool down)
{
	struct dp_xdp_cfg c;
	int ret = read_cfg(x, &c);

	if (ret < 0)
		return ret;
	x->forced_down = down;
	if (down || x->admin_down)
		c.flags |= DP_XDP_F_DOWN;
	else
		c.flags &= ~DP_XDP_F_DOWN;
	return write_cfg(x, &c);
}

int dp_xdp_read_drops(struct dp_xdp *x, uint64_t drop[FAB_DROP__COUNT])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *percpu;
	int ret = 0;

	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (percpu == NULL)
		return -ENOMEM;
	for (uint32_t r = 0; r < FAB_DROP__COUNT; r++) {
		if (bpf_map_lookup_elem(map_fd(x->skel->maps.drops), &r, percpu) < 0) {
			ret = -errno;
			break;
		}
		drop[r] = 0;
		for (int c = 0; c < ncpu; c++)
			drop[r] += percpu[c];
	}
	free(percpu);
	return ret;
}
