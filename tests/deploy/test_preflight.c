/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The preflight checks against fake sysfs/procfs trees. Each test builds the
 * tree of a well-prepared two-node server, breaks one thing, and checks that
 * exactly that is reported, and how.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fabric/config.h"

#include "preflight.h"

#define FINDINGS_MAX 64

struct collected {
	struct dp_preflight_finding v[FINDINGS_MAX];
	size_t n;
};

struct env {
	char root[64]; /* mkdtemp of a short template */
	struct collected c;
	struct fab_model *m;
};

/* ---- the fake tree ---- */

static void mkdirs(const char *path)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s != '\0'; s++)
		if (*s == '/') {
			*s = '\0';
			(void)mkdir(p, 0755);
			*s = '/';
		}
	(void)mkdir(p, 0755);
}

static void tree_path(const struct env *e, const char *rel, char *out, size_t len)
{
	snprintf(out, len, "%s%s", e->root, rel);
}

/* Makes rel's parent directories. */
static void parents(const struct env *e, const char *rel)
{
	char p[PATH_MAX], *slash;

	tree_path(e, rel, p, sizeof(p));
	slash = strrchr(p, '/');
	*slash = '\0';
	mkdirs(p);
}

static void tree_write(const struct env *e, const char *rel, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	parents(e, rel);
	tree_path(e, rel, p, sizeof(p));
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void tree_dir(const struct env *e, const char *rel)
{
	char p[PATH_MAX];

	tree_path(e, rel, p, sizeof(p));
	mkdirs(p);
}

/* A symbolic link at rel to target; the checks read only its last component. */
static void tree_link(const struct env *e, const char *rel, const char *target)
{
	char p[PATH_MAX];

	parents(e, rel);
	tree_path(e, rel, p, sizeof(p));
	(void)unlink(p);
	assert_int_equal(symlink(target, p), 0);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void tree_rm(const struct env *e, const char *rel)
{
	char p[PATH_MAX];

	tree_path(e, rel, p, sizeof(p));
	(void)nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A PCI device with its driver, IOMMU group and NUMA node ("" driver: none). */
static void pci_dev(const struct env *e, const char *addr, const char *driver, int group, int node)
{
	char rel[256], target[PATH_MAX], num[16];

	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/numa_node", addr);
	snprintf(num, sizeof(num), "%d\n", node);
	tree_write(e, rel, num);
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/driver", addr);
	if (driver[0] != '\0') {
		snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", driver);
		tree_link(e, rel, target);
	}
	if (group >= 0) {
		snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/iommu_group", addr);
		snprintf(target, sizeof(target), "../../../kernel/iommu_groups/%d", group);
		tree_link(e, rel, target);
		snprintf(rel, sizeof(rel), "/sys/kernel/iommu_groups/%d/devices/%s", group, addr);
		snprintf(target, sizeof(target), "%s/sys/bus/pci/devices/%s", e->root, addr);
		tree_link(e, rel, target);
	}
}

static void hugepages(const struct env *e, int node, const char *size, const char *nr,
		      const char *nfree)
{
	char rel[256];

	snprintf(rel, sizeof(rel),
		 "/sys/devices/system/node/node%d/hugepages/hugepages-%s/nr_hugepages", node, size);
	tree_write(e, rel, nr);
	snprintf(rel, sizeof(rel),
		 "/sys/devices/system/node/node%d/hugepages/hugepages-%s/free_hugepages", node,
		 size);
	tree_write(e, rel, nfree);
}

#define MOUNTS_BASE                                              \
	"sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n" \
	"proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
#define MOUNT_HUGE_1G "nodev /dev/hugepages1G hugetlbfs rw,relatime,pagesize=1024M 0 0\n"
#define MOUNT_HUGE_2M "hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n"
#define MOUNT_BPF     "bpf /sys/fs/bpf bpf rw,nosuid,nodev,noexec,relatime,mode=700 0 0\n"

/*
 * A server ready for peerlan: two nodes of 8 CPUs, 1G pages on both and
 * mounted, IOMMU on, vfio-pci loaded, both NICs on vfio-pci in groups of
 * their own on node 0, workers 2-7 isolated and tickless.
 */
static void good_server(const struct env *e)
{
	tree_write(e, "/proc/cmdline",
		   "BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on iommu=pt "
		   "isolcpus=2-7,10-15 nohz_full=2-7,10-15 rcu_nocbs=2-7,10-15\n");
	tree_write(e, "/proc/meminfo", "MemTotal:       65536000 kB\nHugepagesize:    2048 kB\n");
	tree_write(e, "/proc/mounts", MOUNTS_BASE MOUNT_HUGE_1G MOUNT_HUGE_2M MOUNT_BPF);
	tree_write(e, "/sys/devices/system/cpu/online", "0-15\n");
	tree_write(e, "/sys/devices/system/cpu/isolated", "2-7,10-15\n");
	tree_write(e, "/sys/devices/system/cpu/nohz_full", "2-7,10-15\n");
	tree_write(e, "/sys/devices/system/node/node0/cpulist", "0-7\n");
	tree_write(e, "/sys/devices/system/node/node1/cpulist", "8-15\n");
	hugepages(e, 0, "1048576kB", "4\n", "4\n");
	hugepages(e, 0, "2048kB", "0\n", "0\n");
	hugepages(e, 1, "1048576kB", "4\n", "4\n");
	hugepages(e, 1, "2048kB", "0\n", "0\n");
	tree_dir(e, "/sys/module/vfio_pci");
	tree_write(e, "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "N\n");
	pci_dev(e, "0000:03:00.0", "vfio-pci", 12, 0);
	pci_dev(e, "0000:03:00.1", "vfio-pci", 13, 0);
	tree_dir(e, "/sys/class/net/ens5f0");
}

/* Two PCI ports (one in the short form) and one AF_XDP port. */
static const char config_text[] = "fabric:\n"
				  "  name: t\n"
				  "lans:\n"
				  "  - name: peering\n"
				  "    vlan: 100\n"
				  "ports:\n"
				  "  - name: p1\n"
				  "    device: \"0000:03:00.0\"\n"
				  "    lans: [peering]\n"
				  "  - name: p2\n"
				  "    device: \"03:00.1,rxq_pkt_pad_en=1\"\n"
				  "    lans: [peering]\n"
				  "  - name: x1\n"
				  "    device: \"net_af_xdp0,iface=ens5f0,start_queue=0\"\n"
				  "    lans: [peering]\n";

/* A model from configuration text that must be valid; the caller destroys it. */
static struct fab_model *load_model(const char *text)
{
	struct fab_config_errors errs = {0};
	struct fab_model *m = fab_config_load_string(text, strlen(text), "t.yaml", &errs);

	fab_config_errors_print(&errs, stderr);
	fab_config_errors_clear(&errs);
	assert_non_null(m);
	return m;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	snprintf(e->root, sizeof(e->root), "/tmp/peerlan-preflight-XXXXXX");
	assert_non_null(mkdtemp(e->root));
	e->m = load_model(config_text);
	good_server(e);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	tree_rm(e, "");
	fab_model_destroy(e->m);
	free(e);
	return 0;
}

/* ---- running and looking at the findings ---- */

static void collect(const struct dp_preflight_finding *f, void *arg)
{
	struct collected *c = arg;

	assert_true(c->n < FINDINGS_MAX);
	c->v[c->n++] = *f;
}

static int run_opts(struct env *e, const struct fab_model *m, const struct dp_preflight_opts *o)
{
	e->c.n = 0;
	return dp_preflight_run(e->root, m, o, collect, &e->c);
}

/* The checks with the model and workers 2-7 (main lcore 1). */
static int run(struct env *e)
{
	struct dp_preflight_opts o = {.lcores = "1-7"};

	return run_opts(e, e->m, &o);
}

static void dump(const struct env *e)
{
	for (size_t i = 0; i < e->c.n; i++)
		dp_preflight_print(&e->c.v[i], stderr);
}

/* The finding of this level and check whose text contains what, or NULL. */
static const struct dp_preflight_finding *find(const struct env *e, enum dp_preflight_level l,
					       const char *check, const char *what)
{
	for (size_t i = 0; i < e->c.n; i++)
		if (e->c.v[i].level == l && strcmp(e->c.v[i].check, check) == 0 &&
		    strstr(e->c.v[i].what, what) != NULL)
			return &e->c.v[i];
	return NULL;
}

static const struct dp_preflight_finding *expect(const struct env *e, enum dp_preflight_level l,
						 const char *check, const char *what)
{
	const struct dp_preflight_finding *f = find(e, l, check, what);

	if (f == NULL) {
		fprintf(stderr, "expected %s %s: ...%s...; found:\n", dp_preflight_level_name(l),
			check, what);
		dump(e);
		fail();
	}
	return f;
}

static size_t count(const struct env *e, enum dp_preflight_level l)
{
	size_t n = 0;

	for (size_t i = 0; i < e->c.n; i++)
		n += e->c.v[i].level == l;
	return n;
}

/* Exactly one finding that is not OK, with this level, check and text. */
static const struct dp_preflight_finding *expect_only(const struct env *e, int rc,
						      enum dp_preflight_level l, const char *check,
						      const char *what)
{
	const struct dp_preflight_finding *f = expect(e, l, check, what);

	if (count(e, DP_PREFLIGHT_WARN) + count(e, DP_PREFLIGHT_FAIL) != 1) {
		fprintf(stderr, "expected only %s %s: %s; found:\n", dp_preflight_level_name(l),
			check, what);
		dump(e);
		fail();
	}
	assert_int_equal(rc, l);
	return f;
}

/* ---- the good server ---- */

static void test_good_server(void **state)
{
	struct env *e = *state;
	int rc = run(e);

	if (rc != DP_PREFLIGHT_OK)
		dump(e);
	assert_int_equal(rc, DP_PREFLIGHT_OK);
	expect(e, DP_PREFLIGHT_OK, "config", "3 ports");
	expect(e, DP_PREFLIGHT_OK, "lcores", "main lcore 1, workers 2-7 (first on node 0)");
	expect(e, DP_PREFLIGHT_OK, "hugepages", "node0: 4 x 1G (4 free)");
	expect(e, DP_PREFLIGHT_OK, "hugepages", "node1: 4 x 1G (4 free)");
	expect(e, DP_PREFLIGHT_OK, "hugepages", "1G pages mounted on /dev/hugepages1G");
	expect(e, DP_PREFLIGHT_OK, "iommu", "IOMMU active, 2 group(s)");
	expect(e, DP_PREFLIGHT_OK, "vfio", "vfio-pci loaded");
	expect(e, DP_PREFLIGHT_OK, "device", "port p1: 0000:03:00.0 bound to vfio-pci");
	expect(e, DP_PREFLIGHT_OK, "device", "port p2: 0000:03:00.1 bound to vfio-pci");
	expect(e, DP_PREFLIGHT_OK, "device", "port x1: AF_XDP on interface ens5f0");
	expect(e, DP_PREFLIGHT_OK, "numa", "port p1: 0000:03:00.0 on node 0 with workers 2-7");
	expect(e, DP_PREFLIGHT_OK, "isolation", "workers 2-7 are isolated");
	expect(e, DP_PREFLIGHT_OK, "isolation", "workers 2-7 are tickless");
	expect(e, DP_PREFLIGHT_OK, "bpffs", "/sys/fs/bpf");
	for (size_t i = 0; i < e->c.n; i++)
		assert_string_equal(e->c.v[i].todo, "");
}

/* ---- config ---- */

static void test_config_file(void **state)
{
	struct env *e = *state;
	struct dp_preflight_opts o = {.config_path = SOURCE_ROOT "/docs/example.yaml"};
	char path[PATH_MAX];
	const struct dp_preflight_finding *f;
	int rc;

	run_opts(e, NULL, &o);
	expect(e, DP_PREFLIGHT_OK, "config", "example.yaml: valid, 7 ports, 6 members");
	/* The example's ports were checked: two of its NICs are in the tree. */
	expect(e, DP_PREFLIGHT_OK, "device", "port rs1: 0000:03:00.0 bound to vfio-pci");
	expect(e, DP_PREFLIGHT_FAIL, "device", "port port2: no PCI device 0000:04:00.0");

	tree_write(e, "/bad.yaml",
		   "fabric:\n  name: t\nlans:\n  - name: x\n    vlan: 5000\n"
		   "  - name: y\n    vlan: 0\n");
	tree_path(e, "/bad.yaml", path, sizeof(path));
	o.config_path = path;
	rc = run_opts(e, NULL, &o);
	assert_int_equal(rc, DP_PREFLIGHT_FAIL);
	/* Every error, each with its place in the file. */
	f = expect(e, DP_PREFLIGHT_FAIL, "config", "bad.yaml:5:");
	assert_non_null(strstr(f->todo, "peerlan.yaml(5)"));
	expect(e, DP_PREFLIGHT_FAIL, "config", "bad.yaml:7:");
	/* Without a model the port checks are not made. */
	assert_null(find(e, DP_PREFLIGHT_FAIL, "device", ""));
	assert_null(find(e, DP_PREFLIGHT_OK, "device", ""));

	o.config_path = "/nonexistent/peerlan.yaml";
	assert_int_equal(run_opts(e, NULL, &o), DP_PREFLIGHT_FAIL);
	expect(e, DP_PREFLIGHT_FAIL, "config", "/nonexistent/peerlan.yaml: cannot open");

	o.config_path = NULL;
	run_opts(e, NULL, &o);
	expect(e, DP_PREFLIGHT_WARN, "config", "no configuration given");
}

/* ---- lcores ---- */

static void test_lcores(void **state)
{
	struct env *e = *state;
	struct dp_preflight_opts o = {0};
	int rc;

	const char *bad[] = {"", "x", "3-1", "1,,2", "1-", "-1", "0-1024", "1 2"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.lcores = bad[i];
		assert_int_equal(run_opts(e, e->m, &o), -EINVAL);
		assert_int_equal(e->c.n, 0);
	}

	o.lcores = "1-7,16-17";
	rc = run_opts(e, e->m, &o);
	assert_int_equal(rc, DP_PREFLIGHT_FAIL);
	assert_non_null(strstr(
	    expect(e, DP_PREFLIGHT_FAIL, "lcores", "lcores 16-17 are not online")->todo, "0-15"));

	o.lcores = "3";
	assert_int_equal(run_opts(e, e->m, &o), DP_PREFLIGHT_FAIL);
	expect(e, DP_PREFLIGHT_FAIL, "lcores", "only the main lcore 3");

	o.lcores = NULL;
	run_opts(e, e->m, &o);
	expect(e, DP_PREFLIGHT_WARN, "lcores", "no lcore list given");
	/* Without lcores, isolation and NUMA locality are not judged. */
	assert_null(find(e, DP_PREFLIGHT_OK, "isolation", ""));
	assert_null(find(e, DP_PREFLIGHT_OK, "numa", ""));
}

/* ---- hugepages ---- */

static void test_hugepages_node_without(void **state)
{
	struct env *e = *state;
	const struct dp_preflight_finding *f;

	/* Nothing runs on node 1: no pages there is fine. */
	hugepages(e, 1, "1048576kB", "0\n", "0\n");
	assert_int_equal(run(e), DP_PREFLIGHT_OK);
	expect(e, DP_PREFLIGHT_OK, "hugepages", "node1: none reserved, and no lcore or NIC on it");

	/* A NIC on node 1 needs them there. */
	pci_dev(e, "0000:03:00.1", "vfio-pci", 13, 1);
	assert_int_equal(run(e), DP_PREFLIGHT_FAIL);
	f = expect(e, DP_PREFLIGHT_FAIL, "hugepages", "node1: no hugepages reserved, but lcores");
	assert_non_null(strstr(f->todo, "dpdk-hugepages.py -p 1G -n 1 -r"));
}

static void test_hugepages_none(void **state)
{
	struct env *e = *state;
	struct dp_preflight_opts o = {0};

	hugepages(e, 0, "1048576kB", "0\n", "0\n");
	hugepages(e, 1, "1048576kB", "0\n", "0\n");
	assert_int_equal(run(e), DP_PREFLIGHT_FAIL);
	expect(e, DP_PREFLIGHT_FAIL, "hugepages", "node0: no hugepages reserved");
	expect(e, DP_PREFLIGHT_OK, "hugepages", "node1: none reserved");

	/* Knowing neither lcores nor ports, every empty node is a failure. */
	assert_int_equal(run_opts(e, NULL, &o), DP_PREFLIGHT_FAIL);
	expect(e, DP_PREFLIGHT_FAIL, "hugepages", "node0: no hugepages reserved");
	expect(e, DP_PREFLIGHT_FAIL, "hugepages", "node1: no hugepages reserved");
}

static void test_hugepages_no_numa(void **state)
{
	struct env *e = *state;

	tree_rm(e, "/sys/devices/system/node");
	tree_write(e, "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "2\n");
	tree_write(e, "/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "1\n");
	assert_int_equal(run(e), DP_PREFLIGHT_OK);
	expect(e, DP_PREFLIGHT_OK, "hugepages", "machine: 2 x 1G (1 free)");

	tree_write(e, "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
	assert_int_equal(run(e), DP_PREFLIGHT_FAIL);
	expect(e, DP_PREFLIGHT_FAIL, "hugepages", "machine: no hugepages reserved");
}

static void test_hugepages_in_use(void **state)
{
	struct env *e = *state;
	const struct dp_preflight_finding *f;

	hugepages(e, 0, "1048576kB", "4\n", "0\n");
	f = expect_only(e, run(e), DP_PREFLIGHT_WARN, "hugepages",
			"node0: 4 x 1G (0 free): none free");
	assert_non_null(strstr(f->todo, "running peerlan-dataplane"));
}

static void test_hugepages_mounts(void **state)
{
	struct env *e = *state;
	const struct dp_preflight_finding *f;

	tree_write(e, "/proc/mounts", MOUNTS_BASE MOUNT_HUGE_2M MOUNT_BPF);
	f = expect_only(e, run(e), DP_PREFLIGHT_FAIL, "hugepages", "no hugetlbfs mount for the 1G");
	assert_non_null(strstr(f->todo, "dpdk-hugepages.py -p 1G --mount"));

	/* A mount without pagesize= has the default size. */
	tree_write(e, "/proc/mounts",
		   MOUNTS_BASE "hugetlbfs /mnt/huge hugetlbfs rw 0 0\n" MOUNT_BPF);
	tree_write(e, "/proc/meminfo", "Hugepagesize:    1048576 kB\n");
	assert_int_equal(run(e), DP_PREFLIGHT_OK);
	expect(e, DP_PREFLIGHT_OK, "hugepages", "1G pages mounted on /mnt/huge");
}

static void test_hugepages_small_only(void **state)
{
	struct env *e = *state;

	for (int n = 0; n < 2; n++) {
		hugepages(e, n, "1048576kB", "0\n", "0\n");
		hugepages(e, n, "2048kB", "1024\n", "1024\n");
	}
	assert_int_equal(run(e), DP_PREFLIGHT_WARN);
	expect(e, DP_PREFLIGHT_OK, "hugepages", "node0: 1024 x 2M (1024 free)");
	expect(e, DP_PREFLIGHT_OK, "hugepages", "2M pages mounted on /dev/hugepages");
	expect(e, DP_PREFLIGHT_WARN, "hugepages", "no 1G pages");
}

/* ---- IOMMU and VFIO ---- */

static void test_iommu_off(void **state)
{
	struct env *e = *state;
	const struct dp_preflight_finding *f;

	tree_rm(e, "/sys/kernel/iommu_groups");
	tree_rm(e, "/sys/bus/pci/devices/0000:03:00.0/iommu_group");
	tree_rm(e, "/sys/bus/pci/devices/0000:03:00.1/iommu_group");
	assert_int_equal(run(e), DP_PREFLIGHT_FAIL);
	f = expect(e, DP_PREFLIGHT_FAIL, "iommu", "although the kernel command line asks");
	assert_non_null(strstr(f->what, "vfio-pci cannot drive the NICs"));
	assert_string_equal(f->todo, "enable VT-d (Intel) or AMD-Vi (AMD) in the firmware setup");
	expect(e, DP_PREFLIGHT_FAIL, "device",
	       "port p1: 0000:03:00.0 is on vfio-pci but in no IOMMU");

	tree_write(e, "/proc/cmdline", "root=/dev/sda1 iommu=pt\n");
	run(e);
	f = expect(e, DP_PREFLIGHT_FAIL, "iommu", "no IOMMU groups");
	assert_non_null(strstr(f->todo, "intel_iommu=on iommu=pt"));
}

static void test_iommu_not_needed_for_mlx5(void **state)
{
	struct env *e = *state;

	tree_rm(e, "/sys/kernel/iommu_groups");
	tree_rm(e, "/sys/module/vfio_pci");
	for (int i = 0; i < 2; i++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/0000:03:00.%d", i);
		tree_rm(e, rel);
		pci_dev(e, rel + strlen("/sys/bus/pci/devices/"), "mlx5_core", -1, 0);
		strncat(rel, "/infiniband_verbs/uverbs0", sizeof(rel) - strlen(rel) - 1);
		tree_dir(e, rel);
	}
	/* Bifurcated NICs need neither: a warning each, no failure. */
	assert_int_equal(run(e), DP_PREFLIGHT_WARN);
	expect(e, DP_PREFLIGHT_WARN, "iommu", "no IOMMU groups");
	expect(e, DP_PREFLIGHT_WARN, "vfio", "vfio-pci not loaded");
	expect(e, DP_PREFLIGHT_OK, "device", "port p1: 0000:03:00.0 on mlx5_core (bifurcated)");
	assert_int_equal(count(e, DP_PREFLIGHT_WARN), 2);
}

static void test_iommu_pt(void **state)
{
	struct env *e = *state;
	const struct dp_preflight_finding *f;

	tree_write(e, "/proc/cmdline", "intel_iommu=on isolcpus=2-7 nohz_full=2-7\n");
	f = expect_only(e, run(e), DP_PREFLIGHT_WARN, "iommu", "iommu=pt not set");
	assert_string_equal(f->todo, "add iommu=pt to the kernel command line");
}

static void test_vfio_missing(void **state)
{
	struct env *e = *state;
	const struct dp_preflight_finding *f;

	tree_rm(e, "/sys/module/vfio_pci");
	f = expect_only(e, run(e), DP_PREFLIGHT_FAIL, "vfio", "vfio-pci not loaded: needed");
	assert_non_null(strstr(f->todo, "modprobe vfio-pci"));
}

static void test_vfio_noiommu(void **state)
{
	struct env *e = *state;

	tree_write(e, "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "Y\n");
	expect_only(e, run(e), DP_PREFLIGHT_WARN, "vfio", "no-IOMMU mode");
}

/* ---- devices ---- */

static void test_device_unbound(void **state)
{
	struct env *e = *state;
	const struct dp_preflight_finding *f;

	tree_rm(e, "/sys/bus/pci/devices/0000:03:00.1/driver");
	f = expect_only(e, run(e), DP_PREFLIGHT_FAIL, "device",
			"port p2: 0000:03:00.1 is bound to no driver");
	assert_string_equal(f->todo, "dpdk-devbind.py --bind=vfio-pci 0000:03:00.1");
}

static void test_device_kernel_driver(void **state)
{
	struct env *e = *state;
	const struct dp_preflight_finding *f;

	pci_dev(e, "0000:03:00.0", "ice", 12, 0);
	tree_dir(e, "/sys/bus/pci/devices/0000:03:00.0/net/ens1f0");
	f = expect_only(
	    e, run(e), DP_PREFLIGHT_FAIL, "device",
	    "port p1: 0000:03:00.0 is bound to the kernel driver ice, interface ens1f0");
	assert_string_equal(
	    f->todo, "ip link set ens1f0 down; dpdk-devbind.py --bind=vfio-pci 0000:03:00.0");
}

static void test_device_uio(void **state)
{
	struct env *e = *state;

	pci_dev(e, "0000:03:00.0", "uio_pci_generic", 12, 0);
	expect_only(e, run(e), DP_PREFLIGHT_WARN, "device", "bound to uio_pci_generic");
}

static void test_device_mlx5_without_verbs(void **state)
{
	struct env *e = *state;
	const struct dp_preflight_finding *f;

	tree_rm(e, "/sys/bus/pci/devices/0000:03:00.0");
	pci_dev(e, "0000:03:00.0", "mlx5_core", -1, 0);
	f = expect_only(e, run(e), DP_PREFLIGHT_FAIL, "device", "has no verbs device");
	assert_non_null(strstr(f->todo, "mlx5_ib"));
}

static void test_device_absent(void **state)
{
	struct env *e = *state;

	tree_rm(e, "/sys/bus/pci/devices/0000:03:00.1");
	expect_only(e, run(e), DP_PREFLIGHT_FAIL, "device", "port p2: no PCI device 0000:03:00.1");
}

static void test_device_iommu_group_shared(void **state)
{
	struct env *e = *state;
	const struct dp_preflight_finding *f;

	/* A bridge in the group is allowed; a device on a kernel driver is not. */
	pci_dev(e, "0000:00:01.0", "pcieport", 12, 0);
	assert_int_equal(run(e), DP_PREFLIGHT_OK);
	pci_dev(e, "0000:03:00.2", "i40e", 12, 0);
	f = expect_only(e, run(e), DP_PREFLIGHT_FAIL, "device",
			"IOMMU group 12 of 0000:03:00.0 also holds 0000:03:00.2 on i40e");
	assert_non_null(strstr(f->todo, "dpdk-devbind.py --bind=vfio-pci 0000:03:00.2"));
}

static void test_device_af_xdp(void **state)
{
	struct env *e = *state;
	static const char text[] = "fabric:\n  name: t\nlans:\n  - name: peering\n    vlan: 100\n"
				   "ports:\n  - name: x2\n    device: net_af_xdp1\n"
				   "    lans: [peering]\n"
				   "  - name: v1\n    device: \"net_pcap0,rx_pcap=a.pcap\"\n"
				   "    lans: [peering]\n";
	struct dp_preflight_opts o = {.lcores = "1-7"};
	struct fab_model *m;

	tree_rm(e, "/sys/class/net/ens5f0");
	expect_only(e, run(e), DP_PREFLIGHT_FAIL, "device", "port x1: no interface ens5f0");

	m = load_model(text);
	assert_int_equal(run_opts(e, m, &o), DP_PREFLIGHT_FAIL);
	expect(e, DP_PREFLIGHT_FAIL, "device", "port x2: net_af_xdp1 names no interface");
	expect(e, DP_PREFLIGHT_OK, "device", "port v1: virtual device net_pcap0, no hardware");
	fab_model_destroy(m);
}

/* ---- NUMA ---- */

static void test_numa(void **state)
{
	struct env *e = *state;
	const struct dp_preflight_finding *f;
	struct dp_preflight_opts o = {.lcores = "1,10-15"};

	pci_dev(e, "0000:03:00.1", "vfio-pci", 13, 1);
	f = expect_only(e, run(e), DP_PREFLIGHT_WARN, "numa",
			"port p2: 0000:03:00.1 is on node 1 but no worker is");
	assert_non_null(strstr(f->todo, "workers on node 1 (CPUs 8-15)"));

	/* Workers on both nodes serve both NICs. */
	o.lcores = "1-3,10-11";
	assert_int_equal(run_opts(e, e->m, &o), DP_PREFLIGHT_OK);
	expect(e, DP_PREFLIGHT_OK, "numa", "port p2: 0000:03:00.1 on node 1 with workers 10-11");

	pci_dev(e, "0000:03:00.1", "vfio-pci", 13, -1);
	run(e);
	expect(e, DP_PREFLIGHT_OK, "numa", "port p2: 0000:03:00.1 reports no NUMA node");
}

/* ---- isolation ---- */

static void test_isolation(void **state)
{
	struct env *e = *state;
	struct dp_preflight_opts o = {.lcores = "1-9"};
	const struct dp_preflight_finding *f;
	int rc;

	rc = run_opts(e, e->m, &o);
	assert_int_equal(rc, DP_PREFLIGHT_WARN);
	f = expect(e, DP_PREFLIGHT_WARN, "isolation", "workers 8-9 are not isolated");
	assert_non_null(strstr(f->todo, "isolcpus="));
	f = expect(e, DP_PREFLIGHT_WARN, "isolation", "workers 8-9 are not tickless");
	assert_non_null(strstr(f->todo, "nohz_full= and rcu_nocbs="));
	assert_int_equal(count(e, DP_PREFLIGHT_WARN), 2);
}

static void test_isolation_from_cmdline(void **state)
{
	struct env *e = *state;

	/* Without the sysfs files, the kernel command line says, flags and all. */
	tree_rm(e, "/sys/devices/system/cpu/isolated");
	tree_rm(e, "/sys/devices/system/cpu/nohz_full");
	tree_write(e, "/proc/cmdline",
		   "intel_iommu=on iommu=pt isolcpus=domain,managed_irq,2-7 nohz_full=2-5\n");
	expect_only(e, run(e), DP_PREFLIGHT_WARN, "isolation", "workers 6-7 are not tickless");
	expect(e, DP_PREFLIGHT_OK, "isolation", "workers 2-7 are isolated");

	tree_write(e, "/proc/cmdline", "intel_iommu=on iommu=pt\n");
	assert_int_equal(run(e), DP_PREFLIGHT_WARN);
	expect(e, DP_PREFLIGHT_WARN, "isolation", "workers 2-7 are not isolated");
}

/* ---- bpffs ---- */

static void test_bpffs(void **state)
{
	struct env *e = *state;
	static const char text[] = "fabric:\n  name: t\nlans:\n  - name: peering\n    vlan: 100\n"
				   "ports:\n  - name: p1\n    device: \"0000:03:00.0\"\n"
				   "    lans: [peering]\n";
	struct dp_preflight_opts o = {.lcores = "1-7"};
	const struct dp_preflight_finding *f;
	struct fab_model *m;

	tree_write(e, "/proc/mounts", MOUNTS_BASE MOUNT_HUGE_1G);
	f = expect_only(e, run(e), DP_PREFLIGHT_FAIL, "bpffs", "bpffs not mounted");
	assert_non_null(strstr(f->todo, "mount -t bpf bpf /sys/fs/bpf"));

	/* Without af_xdp ports, bpffs does not matter. */
	m = load_model(text);
	assert_int_equal(run_opts(e, m, &o), DP_PREFLIGHT_OK);
	assert_null(find(e, DP_PREFLIGHT_OK, "bpffs", ""));
	fab_model_destroy(m);
}

/* ---- output and CPU lists ---- */

static void test_print(void **state)
{
	struct dp_preflight_finding f = {.level = DP_PREFLIGHT_FAIL, .check = "vfio"};
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	snprintf(f.what, sizeof(f.what), "vfio-pci not loaded");
	snprintf(f.todo, sizeof(f.todo), "modprobe vfio-pci");
	out = open_memstream(&text, &len);
	assert_non_null(out);
	dp_preflight_print(&f, out);
	f.level = DP_PREFLIGHT_OK;
	f.todo[0] = '\0';
	dp_preflight_print(&f, out);
	fclose(out);
	assert_string_equal(text, "FAIL vfio: vfio-pci not loaded; fix: modprobe vfio-pci\n"
				  "OK   vfio: vfio-pci not loaded\n");
	free(text);
}

static void test_cpuset(void **state)
{
	struct dp_cpuset s;
	char buf[64];

	(void)state;
	assert_int_equal(dp_cpuset_parse(" 0-3,8,10-11\n", &s), 0);
	assert_true(dp_cpuset_has(&s, 0) && dp_cpuset_has(&s, 3) && dp_cpuset_has(&s, 11));
	assert_false(dp_cpuset_has(&s, 4) || dp_cpuset_has(&s, 9) || dp_cpuset_has(&s, 5000));
	dp_cpuset_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "0-3,8,10-11");
	assert_int_equal(dp_cpuset_parse("1023", &s), 0);
	dp_cpuset_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "1023");
	assert_int_equal(dp_cpuset_parse("\n", &s), 0);
	dp_cpuset_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	assert_int_equal(dp_cpuset_parse("1-2:1/2", &s), -EINVAL);
	assert_false(dp_cpuset_has(&s, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_good_server, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lcores, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hugepages_node_without, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hugepages_none, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hugepages_no_numa, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hugepages_in_use, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hugepages_mounts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hugepages_small_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_iommu_off, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_iommu_not_needed_for_mlx5, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_iommu_pt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vfio_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vfio_noiommu, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_device_unbound, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_device_kernel_driver, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_device_uio, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_device_mlx5_without_verbs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_device_absent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_device_iommu_group_shared, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_device_af_xdp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_numa, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_isolation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_isolation_from_cmdline, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bpffs, setup, teardown),
	    cmocka_unit_test(test_print),
	    cmocka_unit_test(test_cpuset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
