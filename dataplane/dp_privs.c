/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The drop to an unprivileged user once the ports are up and the workers
 * run (--user). What is kept depends on the drivers of the configured
 * ports, because only some of them make privileged calls after start:
 * docs/deployment.md has the table, this is its code.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_memory.h>

#include "dp.h"
#include "privdrop.h"

struct driver_caps {
	const char *driver; /* rte_eth_dev_info.driver_name, prefix */
	cap_value_t caps[4];
	size_t n;
};

/*
 * Capabilities each driver still uses after start. tap sets its interface
 * down when stopped, an ioctl that needs CAP_NET_ADMIN; af_xdp detaches its
 * XDP program at stop (CAP_NET_ADMIN), and the pre-filter's maps are
 * updated on every reload through bpf(), which Debian's
 * kernel.unprivileged_bpf_disabled refuses without CAP_BPF; mlx5 programs
 * flows and registers memory through the kernel's verbs at run time
 * (DPDK's mlx5 guide). af_packet (its sockets are open and the interface promiscuous
 * from the start), pcap, null, ring and the PCI drivers bound to vfio-pci
 * make no privileged call after start.
 */
static const struct driver_caps drivers[] = {
    {"net_tap", {CAP_NET_ADMIN}, 1},
    {"net_af_xdp", {CAP_NET_ADMIN, CAP_BPF}, 2},
    {"mlx5", {CAP_NET_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK}, 3},
};

static void add_cap(cap_value_t *keep, size_t *n, cap_value_t c)
{
	for (size_t i = 0; i < *n; i++)
		if (keep[i] == c)
			return;
	keep[(*n)++] = c;
}

/* Gives a hugepage file of ours to the user; files made later are its own. */
static int chown_seg(const struct rte_memseg_list *msl, const struct rte_memseg *ms, void *arg)
{
	const uid_t *ids = arg;
	int fd = rte_memseg_get_fd_thread_unsafe(ms);

	(void)msl;
	if (fd < 0)
		return rte_errno == ENOTSUP ? 1 : 0; /* no files: nothing to give */
	return fchown(fd, ids[0], (gid_t)ids[1]) == 0 ? 0 : -1;
}

/* Gives dir and what is in it (no subdirectories) to uid:gid. */
static int chown_dir(const char *dir, uid_t uid, gid_t gid)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (d == NULL)
		return -errno;
	if (fchown(dirfd(d), uid, gid) != 0)
		rc = -errno;
	while (rc == 0 && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    fchownat(dirfd(d), e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
			rc = -errno;
	closedir(d);
	return rc;
}

/*
 * A capture tool is a secondary process of ours, and once we run as the
 * user, only that user's secondary processes work: we must be able to
 * answer on their sockets (in our runtime directory, RUNTIME_DIR/dpdk/
 * PREFIX), and they must be able to open our runtime files and hugepage
 * files, which we made as root. So these become the user's, and peerlanctl
 * runs the tool as the user (CAPTURE_INFO says who). The dpdk directory
 * above is shared by every DPDK program of RUNTIME_DIR: it is given too
 * only when RUNTIME_DIR is the user's already (systemd's RuntimeDirectory=);
 * capture_check() says when the user cannot reach the runtime directory.
 */
static int capture_handover(struct dp *dp, const struct passwd *pw)
{
	char dpdk_dir[PATH_MAX], base[PATH_MAX];
	uid_t ids[2] = {pw->pw_uid, (uid_t)pw->pw_gid};
	struct stat st;
	char *slash;
	int rc;

	rc = chown_dir(rte_eal_get_runtime_dir(), pw->pw_uid, pw->pw_gid);
	if (rc < 0)
		return rc;
	/* RUNTIME_DIR/dpdk/PREFIX: cut PREFIX, then dpdk. */
	snprintf(dpdk_dir, sizeof(dpdk_dir), "%s", rte_eal_get_runtime_dir());
	slash = strrchr(dpdk_dir, '/');
	if (slash != NULL)
		*slash = '\0';
	snprintf(base, sizeof(base), "%s", dpdk_dir);
	slash = strrchr(base, '/');
	if (slash != NULL)
		*slash = slash == base ? '/' : '\0';
	if (slash == base)
		base[1] = '\0';
	if (stat(base, &st) == 0 && st.st_uid == pw->pw_uid &&
	    chown(dpdk_dir, pw->pw_uid, pw->pw_gid) != 0)
		return -errno;
	if (rte_memseg_walk(chown_seg, ids) < 0)
		return -errno;
	dp->capture_uid = pw->pw_uid;
	dp->capture_gid = pw->pw_gid;
	return 0;
}

/* After the switch: whether the user reaches the runtime directory. */
static void capture_check(struct dp *dp, const char *user)
{
	const char *dir = rte_eal_get_runtime_dir();

	if (access(dir, R_OK | W_OK | X_OK) == 0)
		return;
	dp->capture_ready = false;
	snprintf(dp->capture_why, sizeof(dp->capture_why),
		 "user %s (--user) cannot reach the runtime directory %s: start the dataplane "
		 "with RUNTIME_DIRECTORY set to a directory of %s's (systemd's RuntimeDirectory=)",
		 user, dir, user);
	dp_log("live capture unavailable: %s", dp->capture_why);
}

int dp_drop_privileges(struct dp *dp, const char *user)
{
	cap_value_t keep[16] = {0};
	char names[128] = "";
	size_t n = 0, used = 0;
	int rc;

	for (uint16_t p = 0; p < dp->nports; p++) {
		struct rte_eth_dev_info info;

		if (dp->ports[p].vtep)
			continue;
		if (rte_eth_dev_info_get(dp->ports[p].eth_port, &info) != 0)
			return -ENODEV;
		for (size_t d = 0; d < sizeof(drivers) / sizeof(drivers[0]); d++)
			if (strncmp(info.driver_name, drivers[d].driver,
				    strlen(drivers[d].driver)) == 0)
				for (size_t k = 0; k < drivers[d].n; k++)
					add_cap(keep, &n, drivers[d].caps[k]);
	}
	if (dp->capture_ready) {
		struct passwd pw, *found = NULL;
		char buf[4096];

		rc = getpwnam_r(user, &pw, buf, sizeof(buf), &found);
		if (found == NULL)
			return rc != 0 ? -rc : -ENOENT;
		rc = capture_handover(dp, found);
		if (rc < 0) {
			dp->capture_ready = false;
			snprintf(dp->capture_why, sizeof(dp->capture_why),
				 "the runtime and hugepage files could not be given to user %s: %s",
				 user, strerror(-rc));
			dp_log("live capture unavailable: %s", dp->capture_why);
		}
	}
	rc = dp_privdrop(user, keep, n);
	if (rc < 0)
		return rc;
	if (dp->capture_ready)
		capture_check(dp, user);
	for (size_t i = 0; i < n && used < sizeof(names); i++) {
		char *s = cap_to_name(keep[i]);

		used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", i ? " " : "",
					 s ? s : "?");
		cap_free(s);
	}
	dp_log("running as user %s with capabilities: %s", user, n ? names : "none");
	return 0;
}
