/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The preflight checks. Each check reads a few files under the root, decides
 * OK, WARN or FAIL and says what to do; none writes anything. A file that
 * cannot be read counts as absent, which is what the kernel means by a
 * missing sysfs entry.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "fabric/config.h"

#include "preflight.h"

#define NODES_MAX    64 /* NUMA nodes looked at */
#define HP_SIZES_MAX 8  /* hugepage sizes per node */
#define TEXT_MAX     4096
#define PCI_ADDR_LEN 13 /* "0000:03:00.0" with the NUL */

#define SYS_NODE  "/sys/devices/system/node"
#define SYS_CPU   "/sys/devices/system/cpu"
#define SYS_PCI   "/sys/bus/pci/devices"
#define SYS_IOMMU "/sys/kernel/iommu_groups"

struct hugepages {
	unsigned long kb;
	unsigned long nr;
	unsigned long free;
};

struct node {
	int id;
	struct dp_cpuset cpus;
	struct hugepages hp[HP_SIZES_MAX];
	size_t nhp;
	bool needed; /* an lcore or a configured NIC is on it */
};

struct pf {
	char root[FAB_PATH_MAX];
	dp_preflight_report_fn *report;
	void *arg;
	int worst;
	const struct fab_model *m; /* NULL when no configuration could be had */
	bool have_lcores;
	int main_lcore;
	struct dp_cpuset workers;
	struct node nodes[NODES_MAX];
	size_t nnodes;
	char cmdline[TEXT_MAX];
	bool vfio_needed; /* a configured PCI device is not on a bifurcated driver */
};

/* Drivers with which DPDK drives the device itself. */
static const char *const uio_drivers[] = {"uio_pci_generic", "igb_uio"};
/* Drivers that stay bound while DPDK's PMD shares the device with the kernel. */
static const char *const bifurcated_drivers[] = {"mlx5_core", "mlx4_core"};

const char *dp_preflight_level_name(enum dp_preflight_level l)
{
	switch (l) {
	case DP_PREFLIGHT_OK:
		return "OK";
	case DP_PREFLIGHT_WARN:
		return "WARN";
	case DP_PREFLIGHT_FAIL:
		return "FAIL";
	}
	return "?";
}

void dp_preflight_print(const struct dp_preflight_finding *f, void *file)
{
	FILE *out = file;

	fprintf(out, "%-4s %s: %s", dp_preflight_level_name(f->level), f->check, f->what);
	if (f->todo[0] != '\0')
		fprintf(out, "; fix: %s", f->todo);
	fputc('\n', out);
}

static void add(struct pf *p, enum dp_preflight_level level, const char *check, const char *todo,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add(struct pf *p, enum dp_preflight_level level, const char *check, const char *todo,
		const char *fmt, ...)
{
	struct dp_preflight_finding f = {.level = level, .check = check};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f.what, sizeof(f.what), fmt, ap);
	va_end(ap);
	snprintf(f.todo, sizeof(f.todo), "%s", todo != NULL ? todo : "");
	if ((int)level > p->worst)
		p->worst = (int)level;
	p->report(&f, p->arg);
}

/* ---- CPU sets ---- */

bool dp_cpuset_has(const struct dp_cpuset *s, unsigned int cpu)
{
	return cpu < DP_PREFLIGHT_CPUS && (s->w[cpu / 64] >> (cpu % 64)) & 1;
}

static void cpuset_set(struct dp_cpuset *s, unsigned int cpu)
{
	s->w[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

static bool cpuset_empty(const struct dp_cpuset *s)
{
	for (size_t i = 0; i < sizeof(s->w) / sizeof(s->w[0]); i++)
		if (s->w[i] != 0)
			return false;
	return true;
}

/* The lowest CPU of the set, or -1. */
static int cpuset_first(const struct dp_cpuset *s)
{
	for (unsigned int c = 0; c < DP_PREFLIGHT_CPUS; c++)
		if (dp_cpuset_has(s, c))
			return (int)c;
	return -1;
}

static int parse_cpu(const char **s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)**s))
		return -EINVAL;
	errno = 0;
	v = strtoul(*s, &end, 10);
	if (errno != 0 || v >= DP_PREFLIGHT_CPUS)
		return -EINVAL;
	*s = end;
	*out = (unsigned int)v;
	return 0;
}

int dp_cpuset_parse(const char *text, struct dp_cpuset *s)
{
	const char *c = text;

	memset(s, 0, sizeof(*s));
	while (isspace((unsigned char)*c))
		c++;
	while (*c != '\0' && !isspace((unsigned char)*c)) {
		unsigned int lo, hi;

		if (parse_cpu(&c, &lo) != 0)
			goto bad;
		hi = lo;
		if (*c == '-') {
			c++;
			if (parse_cpu(&c, &hi) != 0 || hi < lo)
				goto bad;
		}
		for (unsigned int i = lo; i <= hi; i++)
			cpuset_set(s, i);
		if (*c == ',')
			c++;
		else if (*c != '\0' && !isspace((unsigned char)*c))
			goto bad;
	}
	while (isspace((unsigned char)*c))
		c++;
	if (*c == '\0')
		return 0;
bad:
	memset(s, 0, sizeof(*s));
	return -EINVAL;
}

void dp_cpuset_format(const struct dp_cpuset *s, char *buf, size_t len)
{
	size_t off = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (unsigned int c = 0; c < DP_PREFLIGHT_CPUS; c++) {
		unsigned int hi = c;
		int n;

		if (!dp_cpuset_has(s, c))
			continue;
		while (hi + 1 < DP_PREFLIGHT_CPUS && dp_cpuset_has(s, hi + 1))
			hi++;
		if (hi == c)
			n = snprintf(buf + off, len - off, "%s%u", off ? "," : "", c);
		else
			n = snprintf(buf + off, len - off, "%s%u-%u", off ? "," : "", c, hi);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += (size_t)n;
		c = hi;
	}
	if (off == 0)
		snprintf(buf, len, "none");
}

/* ---- reading under the root ---- */

static int under(const struct pf *p, char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int under(const struct pf *p, char *buf, size_t len, const char *fmt, ...)
{
	size_t rl = strlen(p->root);
	va_list ap;
	int n;

	if (rl >= len)
		return -ENAMETOOLONG;
	memcpy(buf, p->root, rl);
	va_start(ap, fmt);
	n = vsnprintf(buf + rl, len - rl, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len - rl ? -ENAMETOOLONG : 0;
}

/* Copies src into dst, cut to fit; names from sysfs are short in practice. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Reads a small file whole, without its trailing newline. 0 or -errno. */
static int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (f == NULL)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int read_under(const struct pf *p, char *buf, size_t len, const char *rel)
{
	char path[PATH_MAX];

	if (under(p, path, sizeof(path), "%s", rel) != 0)
		return -ENAMETOOLONG;
	return read_text(path, buf, len);
}

static bool exists_under(const struct pf *p, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	return under(p, path, sizeof(path), "%s", rel) == 0 && stat(path, &st) == 0;
}

/* The last component of a symbolic link's target (a driver or group name). */
static int link_base(const struct pf *p, const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	if (under(p, path, sizeof(path), "%s", rel) != 0)
		return -ENAMETOOLONG;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	copy_str(buf, len, base != NULL ? base + 1 : target);
	return 0;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* The value of a kernel command-line parameter; false if it is not there. */
static bool cmdline_param(const struct pf *p, const char *name, char *val, size_t len)
{
	size_t nl = strlen(name);
	const char *c = p->cmdline;

	while (*c != '\0') {
		size_t tl;

		while (*c == ' ')
			c++;
		tl = strcspn(c, " ");
		if (tl > nl && strncmp(c, name, nl) == 0 && c[nl] == '=') {
			size_t vl = tl - nl - 1;

			if (vl >= len)
				vl = len - 1;
			memcpy(val, c + nl + 1, vl);
			val[vl] = '\0';
			return true;
		}
		c += tl;
	}
	return false;
}

/* ---- model helpers ---- */

/*
 * The PCI address of a device string ("0000:03:00.0" or "03:00.0", with
 * optional ",key=value" arguments), in the kernel's form; false for virtual
 * devices.
 */
static bool pci_addr(const char *device, char *out, size_t len)
{
	unsigned int dom = 0, bus, dev, fn;
	size_t n = strcspn(device, ",");
	char name[32];
	int used = 0;

	if (n == 0 || n >= sizeof(name))
		return false;
	memcpy(name, device, n);
	name[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)name[i]) && name[i] != ':' && name[i] != '.')
			return false;
	if (n == 12 && sscanf(name, "%4x:%2x:%2x.%1u%n", &dom, &bus, &dev, &fn, &used) == 4 &&
	    used == 12)
		;
	else if (n == 7 && sscanf(name, "%2x:%2x.%1u%n", &bus, &dev, &fn, &used) == 3 && used == 7)
		dom = 0;
	else
		return false;
	if (dev > 0x1f || fn > 7)
		return false;
	snprintf(out, len, "%04x:%02x:%02x.%u", dom, bus, dev, fn);
	return true;
}

static bool is_af_xdp(const char *device)
{
	return strncmp(device, "net_af_xdp", strlen("net_af_xdp")) == 0;
}

/* The value of a ",key=value" argument of a device string. */
static bool device_arg(const char *device, const char *key, char *val, size_t len)
{
	size_t kl = strlen(key);
	const char *c = strchr(device, ',');

	while (c != NULL) {
		c++;
		if (strncmp(c, key, kl) == 0 && c[kl] == '=') {
			size_t vl = strcspn(c + kl + 1, ",");

			if (vl >= len)
				vl = len - 1;
			memcpy(val, c + kl + 1, vl);
			val[vl] = '\0';
			return true;
		}
		c = strchr(c, ',');
	}
	return false;
}

/* The NUMA node sysfs gives for a PCI device; -1 when it gives none. */
static int pci_numa_node(const struct pf *p, const char *addr)
{
	char rel[128], text[32];

	snprintf(rel, sizeof(rel), SYS_PCI "/%s/numa_node", addr);
	if (read_under(p, text, sizeof(text), rel) != 0)
		return -1;
	return atoi(text);
}

static struct node *node_by_id(struct pf *p, int id)
{
	for (size_t i = 0; i < p->nnodes; i++)
		if (p->nodes[i].id == id)
			return &p->nodes[i];
	return NULL;
}

static int cpu_node(const struct pf *p, unsigned int cpu)
{
	for (size_t i = 0; i < p->nnodes; i++)
		if (dp_cpuset_has(&p->nodes[i].cpus, cpu))
			return p->nodes[i].id;
	return -1;
}

/* ---- the checks ---- */

static void check_config(struct pf *p, const struct dp_preflight_opts *o, struct fab_model **loaded)
{
	struct fab_config_errors e = {0};

	if (p->m != NULL) {
		add(p, DP_PREFLIGHT_OK, "config", NULL,
		    "configuration loaded: %zu ports, %zu members", p->m->nports, p->m->nmembers);
		return;
	}
	if (o->config_path == NULL) {
		add(p, DP_PREFLIGHT_WARN, "config", "name the configuration file (-c FILE)",
		    "no configuration given: the device, NUMA and XDP checks are skipped");
		return;
	}
	*loaded = fab_config_load_file(o->config_path, &e);
	if (*loaded == NULL) {
		if (e.n == 0)
			add(p, DP_PREFLIGHT_FAIL, "config", NULL, "cannot load %s: %s",
			    o->config_path, strerror(errno));
		for (size_t i = 0; i < e.n; i++) {
			const struct fab_config_error *x = &e.v[i];

			if (x->line == 0)
				add(p, DP_PREFLIGHT_FAIL, "config",
				    "correct the file (peerlan.yaml(5))", "%s: %s", x->file,
				    x->msg);
			else
				add(p, DP_PREFLIGHT_FAIL, "config",
				    "correct the file (peerlan.yaml(5))", "%s:%u:%u: %s", x->file,
				    x->line, x->col, x->msg);
		}
		fab_config_errors_clear(&e);
		return;
	}
	p->m = *loaded;
	add(p, DP_PREFLIGHT_OK, "config", NULL, "%s: valid, %zu ports, %zu members", o->config_path,
	    p->m->nports, p->m->nmembers);
}

static void load_nodes(struct pf *p)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;

	if (under(p, path, sizeof(path), SYS_NODE) != 0 || (dir = opendir(path)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL && p->nnodes < NODES_MAX) {
		char rel[128], text[TEXT_MAX], *end;
		struct node *n;
		long id;

		if (strncmp(d->d_name, "node", 4) != 0 || !isdigit((unsigned char)d->d_name[4]))
			continue;
		id = strtol(d->d_name + 4, &end, 10);
		if (*end != '\0' || id < 0 || id > 4095)
			continue;
		n = &p->nodes[p->nnodes++];
		memset(n, 0, sizeof(*n));
		n->id = (int)id;
		snprintf(rel, sizeof(rel), SYS_NODE "/node%ld/cpulist", id);
		if (read_under(p, text, sizeof(text), rel) == 0)
			(void)dp_cpuset_parse(text, &n->cpus);
	}
	closedir(dir);
}

static void check_lcores(struct pf *p)
{
	char text[TEXT_MAX], list[256], todo[256];
	struct dp_cpuset online, bad = {{0}};
	int node;

	if (!p->have_lcores) {
		add(p, DP_PREFLIGHT_WARN, "lcores",
		    "give the EAL lcore list (-l LIST) to check NUMA locality and isolation",
		    "no lcore list given: NUMA locality and isolation of the workers not checked");
		return;
	}
	if (read_under(p, text, sizeof(text), SYS_CPU "/online") == 0 &&
	    dp_cpuset_parse(text, &online) == 0) {
		for (unsigned int c = 0; c < DP_PREFLIGHT_CPUS; c++)
			if ((dp_cpuset_has(&p->workers, c) || (int)c == p->main_lcore) &&
			    !dp_cpuset_has(&online, c))
				cpuset_set(&bad, c);
		if (!cpuset_empty(&bad)) {
			dp_cpuset_format(&bad, list, sizeof(list));
			snprintf(todo, sizeof(todo), "use CPUs from the online list %.200s", text);
			add(p, DP_PREFLIGHT_FAIL, "lcores", todo, "lcores %s are not online", list);
		}
	}
	if (cpuset_empty(&p->workers)) {
		add(p, DP_PREFLIGHT_FAIL, "lcores",
		    "give the main lcore and at least one worker (-l 1-3: main 1, workers 2-3)",
		    "only the main lcore %d: no worker would forward", p->main_lcore);
		return;
	}
	dp_cpuset_format(&p->workers, list, sizeof(list));
	node = cpu_node(p, (unsigned int)cpuset_first(&p->workers));
	if (node >= 0)
		add(p, DP_PREFLIGHT_OK, "lcores", NULL,
		    "main lcore %d, workers %s (first on node %d)", p->main_lcore, list, node);
	else
		add(p, DP_PREFLIGHT_OK, "lcores", NULL, "main lcore %d, workers %s", p->main_lcore,
		    list);
}

/* Marks the nodes that hold an lcore or a configured NIC. */
static void mark_needed_nodes(struct pf *p)
{
	for (size_t i = 0; i < p->nnodes; i++) {
		struct node *n = &p->nodes[i];

		for (unsigned int c = 0; p->have_lcores && c < DP_PREFLIGHT_CPUS; c++)
			if (dp_cpuset_has(&n->cpus, c) &&
			    (dp_cpuset_has(&p->workers, c) || (int)c == p->main_lcore))
				n->needed = true;
	}
	for (size_t i = 0; p->m != NULL && i < p->m->nports; i++) {
		char addr[PCI_ADDR_LEN];
		struct node *n;

		if (pci_addr(p->m->ports[i].device, addr, sizeof(addr)) &&
		    (n = node_by_id(p, pci_numa_node(p, addr))) != NULL)
			n->needed = true;
	}
}

static void load_hugepages(const struct pf *p, const char *dirrel, struct node *n)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;

	if (under(p, path, sizeof(path), "%s", dirrel) != 0 || (dir = opendir(path)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL && n->nhp < HP_SIZES_MAX) {
		struct hugepages *h = &n->hp[n->nhp];
		char rel[PATH_MAX], text[64];
		unsigned long kb;
		char unit[3];

		if (sscanf(d->d_name, "hugepages-%lu%2s", &kb, unit) != 2 ||
		    strcmp(unit, "kB") != 0)
			continue;
		h->kb = kb;
		snprintf(rel, sizeof(rel), "%s/%s/nr_hugepages", dirrel, d->d_name);
		h->nr = read_under(p, text, sizeof(text), rel) == 0 ? strtoul(text, NULL, 10) : 0;
		snprintf(rel, sizeof(rel), "%s/%s/free_hugepages", dirrel, d->d_name);
		h->free = read_under(p, text, sizeof(text), rel) == 0 ? strtoul(text, NULL, 10) : 0;
		n->nhp++;
	}
	closedir(dir);
}

/* "1G", "2M" or "64K": how dpdk-hugepages.py and the kernel name page sizes. */
static void size_name(unsigned long kb, char *buf, size_t len)
{
	if (kb % (1024 * 1024) == 0)
		snprintf(buf, len, "%luG", kb / (1024 * 1024));
	else if (kb % 1024 == 0)
		snprintf(buf, len, "%luM", kb / 1024);
	else
		snprintf(buf, len, "%luK", kb);
}

/*
 * Reports one node's hugepages and adds its reserved sizes to sizes[].
 * must: a node without hugepages is a failure (it holds lcores or NICs, or
 * nothing says which nodes do and none has any).
 */
static void report_node_hugepages(struct pf *p, const struct node *n, const char *name, bool must,
				  unsigned long *sizes, size_t *nsizes)
{
	char text[256] = "", todo[384];
	unsigned long nr = 0, nfree = 0;
	size_t off = 0;

	for (size_t i = 0; i < n->nhp; i++) {
		const struct hugepages *h = &n->hp[i];
		char sz[24];
		size_t j;
		int w;

		if (h->nr == 0)
			continue;
		nr += h->nr;
		nfree += h->free;
		size_name(h->kb, sz, sizeof(sz));
		w = snprintf(text + off, sizeof(text) - off, "%s%lu x %s (%lu free)",
			     off ? ", " : "", h->nr, sz, h->free);
		if (w > 0 && (size_t)w < sizeof(text) - off)
			off += (size_t)w;
		for (j = 0; j < *nsizes && sizes[j] != h->kb; j++)
			;
		if (j == *nsizes && *nsizes < HP_SIZES_MAX)
			sizes[(*nsizes)++] = h->kb;
	}
	if (nr == 0) {
		if (!must) {
			add(p, DP_PREFLIGHT_OK, "hugepages", NULL,
			    "%s: none reserved, and no lcore or NIC on it", name);
			return;
		}
		if (n->id >= 0)
			snprintf(todo, sizeof(todo),
				 "dpdk-hugepages.py -p 1G -n %d -r SIZE now; at boot, "
				 "hugepagesz=1G hugepages=N on the kernel command line",
				 n->id);
		else
			snprintf(todo, sizeof(todo),
				 "dpdk-hugepages.py -p 1G -r SIZE now; at boot, "
				 "hugepagesz=1G hugepages=N on the kernel command line");
		add(p, DP_PREFLIGHT_FAIL, "hugepages", todo, "%s: no hugepages reserved%s", name,
		    n->needed ? ", but lcores or NICs are on it" : "");
		return;
	}
	if (nfree == 0) {
		add(p, DP_PREFLIGHT_WARN, "hugepages",
		    "another DPDK process holds them (a running peerlan-dataplane?); stop it or "
		    "reserve more with dpdk-hugepages.py",
		    "%s: %s: none free", name, text);
		return;
	}
	add(p, DP_PREFLIGHT_OK, "hugepages", NULL, "%s: %s", name, text);
}

/* What a mount matcher is given: one line of /proc/mounts. */
struct mount_entry {
	const char *dir;
	const char *type;
	const char *opts;
};

typedef bool mount_match_fn(const struct mount_entry *e, void *arg);

/* Copies into where the first mount that match accepts; false if none does. */
static bool find_mount(const struct pf *p, mount_match_fn *match, void *arg, char *where,
		       size_t len)
{
	char path[PATH_MAX], line[1024];
	bool found = false;
	FILE *f;

	if (under(p, path, sizeof(path), "/proc/mounts") != 0 || (f = fopen(path, "re")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char dev[256], dir[512], type[64], opts[512];
		struct mount_entry e = {.dir = dir, .type = type, .opts = opts};

		if (sscanf(line, "%255s %511s %63s %511s", dev, dir, type, opts) == 4 &&
		    match(&e, arg)) {
			copy_str(where, len, dir);
			found = true;
		}
	}
	fclose(f);
	return found;
}

struct hugetlbfs_want {
	unsigned long kb;
	unsigned long default_kb; /* of a mount without pagesize= */
};

static bool is_hugetlbfs_of(const struct mount_entry *e, void *arg)
{
	const struct hugetlbfs_want *w = arg;
	const char *ps = strstr(e->opts, "pagesize=");
	unsigned long size = w->default_kb;
	char unit = 'K';

	if (strcmp(e->type, "hugetlbfs") != 0)
		return false;
	if (ps != NULL) {
		if (sscanf(ps, "pagesize=%lu%c", &size, &unit) < 1)
			return false;
		if (unit == 'M')
			size *= 1024;
		else if (unit == 'G')
			size *= 1024 * 1024;
	}
	return size == w->kb;
}

static bool is_bpffs(const struct mount_entry *e, void *arg)
{
	(void)arg;
	return strcmp(e->type, "bpf") == 0 && strcmp(e->dir, "/sys/fs/bpf") == 0;
}

static unsigned long default_hugepage_kb(const struct pf *p)
{
	char text[TEXT_MAX];
	const char *s;

	if (read_under(p, text, sizeof(text), "/proc/meminfo") != 0 ||
	    (s = strstr(text, "Hugepagesize:")) == NULL)
		return 0;
	return strtoul(s + strlen("Hugepagesize:"), NULL, 10);
}

static void check_hugepages(struct pf *p)
{
	unsigned long sizes[HP_SIZES_MAX], default_kb = default_hugepage_kb(p);
	bool none_anywhere = true, any_needed = false, big = false;
	struct node whole = {.id = -1};
	size_t nsizes = 0;

	for (size_t i = 0; i < p->nnodes; i++) {
		char rel[128];

		snprintf(rel, sizeof(rel), SYS_NODE "/node%d/hugepages", p->nodes[i].id);
		load_hugepages(p, rel, &p->nodes[i]);
		for (size_t j = 0; j < p->nodes[i].nhp; j++)
			if (p->nodes[i].hp[j].nr > 0)
				none_anywhere = false;
		any_needed |= p->nodes[i].needed;
	}
	if (p->nnodes == 0) {
		/* A kernel without NUMA shows one pool for the whole machine. */
		load_hugepages(p, "/sys/kernel/mm/hugepages", &whole);
		whole.needed = true;
		report_node_hugepages(p, &whole, "machine", true, sizes, &nsizes);
	}
	for (size_t i = 0; i < p->nnodes; i++) {
		char name[32];

		snprintf(name, sizeof(name), "node%d", p->nodes[i].id);
		report_node_hugepages(p, &p->nodes[i], name,
				      p->nodes[i].needed || (!any_needed && none_anywhere), sizes,
				      &nsizes);
	}
	for (size_t i = 0; i < nsizes; i++) {
		struct hugetlbfs_want w = {.kb = sizes[i], .default_kb = default_kb};
		char where[512], sz[24], todo[256];

		size_name(sizes[i], sz, sizeof(sz));
		big |= sizes[i] >= 1024 * 1024;
		if (find_mount(p, is_hugetlbfs_of, &w, where, sizeof(where))) {
			add(p, DP_PREFLIGHT_OK, "hugepages", NULL, "%s pages mounted on %s", sz,
			    where);
			continue;
		}
		snprintf(todo, sizeof(todo),
			 "dpdk-hugepages.py -p %s --mount, or an /etc/fstab line "
			 "'nodev /dev/hugepages-%s hugetlbfs pagesize=%s 0 0'",
			 sz, sz, sz);
		add(p, DP_PREFLIGHT_FAIL, "hugepages", todo, "no hugetlbfs mount for the %s pages",
		    sz);
	}
	if (nsizes > 0 && !big)
		add(p, DP_PREFLIGHT_WARN, "hugepages",
		    "reserve 1G pages, which DPDK recommends for 64-bit applications",
		    "no 1G pages reserved: more TLB misses on the frame buffers");
}

static void check_iommu(struct pf *p)
{
	enum dp_preflight_level missing = p->vfio_needed ? DP_PREFLIGHT_FAIL : DP_PREFLIGHT_WARN;
	char path[PATH_MAX], val[64];
	bool requested = false;
	size_t groups = 0;
	struct dirent *d;
	DIR *dir;

	if (under(p, path, sizeof(path), SYS_IOMMU) == 0 && (dir = opendir(path)) != NULL) {
		while ((d = readdir(dir)) != NULL)
			if (d->d_name[0] != '.')
				groups++;
		closedir(dir);
	}
	if ((cmdline_param(p, "intel_iommu", val, sizeof(val)) && strstr(val, "on") != NULL) ||
	    (cmdline_param(p, "amd_iommu", val, sizeof(val)) && strstr(val, "on") != NULL))
		requested = true;
	if (groups == 0)
		add(p, missing, "iommu",
		    requested ? "enable VT-d (Intel) or AMD-Vi (AMD) in the firmware setup"
			      : "enable VT-d or AMD-Vi in the firmware setup and add "
				"intel_iommu=on iommu=pt to the kernel command line",
		    "no IOMMU groups in /sys/kernel/iommu_groups%s%s",
		    requested ? " although the kernel command line asks for the IOMMU" : "",
		    p->vfio_needed ? ": vfio-pci cannot drive the NICs" : "");
	else
		add(p, DP_PREFLIGHT_OK, "iommu", NULL, "IOMMU active, %zu group(s)", groups);
	if (!cmdline_param(p, "iommu", val, sizeof(val)) || strcmp(val, "pt") != 0)
		add(p, DP_PREFLIGHT_WARN, "iommu", "add iommu=pt to the kernel command line",
		    "iommu=pt not set: devices left to kernel drivers (mlx5, af_xdp ports, the "
		    "management NIC) pay for IOMMU translation");

	if (exists_under(p, "/sys/module/vfio_pci"))
		add(p, DP_PREFLIGHT_OK, "vfio", NULL, "vfio-pci loaded");
	else
		add(p, missing, "vfio",
		    "modprobe vfio-pci, and load it at boot: "
		    "echo vfio-pci > /etc/modules-load.d/vfio-pci.conf",
		    "vfio-pci not loaded%s",
		    p->vfio_needed ? ": needed for the configured NICs" : "");
	if (read_under(p, val, sizeof(val),
		       "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode") == 0 &&
	    val[0] == 'Y')
		add(p, DP_PREFLIGHT_WARN, "vfio",
		    "enable the IOMMU and set vfio.enable_unsafe_noiommu_mode=0",
		    "VFIO runs in no-IOMMU mode: a device can DMA anywhere in memory");
}

/*
 * VFIO opens a device only if every device of its IOMMU group is bound to
 * vfio-pci or to no driver (bridges on pcieport are allowed).
 */
static void check_iommu_group(struct pf *p, const struct fab_port *port, const char *addr)
{
	char rel[PATH_MAX], group[32], path[PATH_MAX];
	struct dirent *d;
	DIR *dir;

	snprintf(rel, sizeof(rel), SYS_PCI "/%s/iommu_group", addr);
	if (link_base(p, rel, group, sizeof(group)) != 0) {
		add(p, DP_PREFLIGHT_FAIL, "device",
		    "enable the IOMMU (see the iommu finding), then rebind with dpdk-devbind.py",
		    "port %s: %s is on vfio-pci but in no IOMMU group", port->name, addr);
		return;
	}
	if (under(p, path, sizeof(path), SYS_IOMMU "/%s/devices", group) != 0 ||
	    (dir = opendir(path)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		char drv[64], todo[384];

		if (d->d_name[0] == '.' || strcmp(d->d_name, addr) == 0)
			continue;
		snprintf(rel, sizeof(rel), SYS_IOMMU "/%s/devices/%s/driver", group, d->d_name);
		if (link_base(p, rel, drv, sizeof(drv)) != 0 || strcmp(drv, "vfio-pci") == 0 ||
		    strcmp(drv, "pci-stub") == 0 || strcmp(drv, "pcieport") == 0)
			continue;
		snprintf(todo, sizeof(todo),
			 "dpdk-devbind.py --bind=vfio-pci %.64s (or unbind it: -u)", d->d_name);
		add(p, DP_PREFLIGHT_FAIL, "device", todo,
		    "port %s: IOMMU group %s of %s also holds %s on %s, so VFIO cannot open it",
		    port->name, group, addr, d->d_name, drv);
	}
	closedir(dir);
}

/* The kernel interface name of a PCI network device, or "". */
static void pci_netdev(const struct pf *p, const char *addr, char *buf, size_t len)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;

	buf[0] = '\0';
	if (under(p, path, sizeof(path), SYS_PCI "/%s/net", addr) != 0 ||
	    (dir = opendir(path)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL)
		if (d->d_name[0] != '.') {
			copy_str(buf, len, d->d_name);
			break;
		}
	closedir(dir);
}

static void check_pci_driver(struct pf *p, const struct fab_port *port, const char *addr)
{
	char rel[256], drv[64], todo[384], ifname[64];

	snprintf(rel, sizeof(rel), SYS_PCI "/%s", addr);
	if (!exists_under(p, rel)) {
		add(p, DP_PREFLIGHT_FAIL, "device",
		    "correct the address; dpdk-devbind.py --status lists the NICs",
		    "port %s: no PCI device %s on this machine", port->name, addr);
		return;
	}
	snprintf(rel, sizeof(rel), SYS_PCI "/%s/driver", addr);
	if (link_base(p, rel, drv, sizeof(drv)) != 0) {
		snprintf(todo, sizeof(todo), "dpdk-devbind.py --bind=vfio-pci %s", addr);
		add(p, DP_PREFLIGHT_FAIL, "device", todo, "port %s: %s is bound to no driver",
		    port->name, addr);
		return;
	}
	if (strcmp(drv, "vfio-pci") == 0) {
		add(p, DP_PREFLIGHT_OK, "device", NULL, "port %s: %s bound to vfio-pci", port->name,
		    addr);
		check_iommu_group(p, port, addr);
	} else if (in_list(drv, uio_drivers, sizeof(uio_drivers) / sizeof(uio_drivers[0]))) {
		snprintf(todo, sizeof(todo), "dpdk-devbind.py --bind=vfio-pci %s", addr);
		add(p, DP_PREFLIGHT_WARN, "device", todo,
		    "port %s: %s bound to %s: works, but without IOMMU protection and only as root",
		    port->name, addr, drv);
	} else if (in_list(drv, bifurcated_drivers,
			   sizeof(bifurcated_drivers) / sizeof(bifurcated_drivers[0]))) {
		snprintf(rel, sizeof(rel), SYS_PCI "/%s/infiniband_verbs", addr);
		if (exists_under(p, rel))
			add(p, DP_PREFLIGHT_OK, "device", NULL,
			    "port %s: %s on %s (bifurcated), verbs device present", port->name,
			    addr, drv);
		else
			add(p, DP_PREFLIGHT_FAIL, "device",
			    "modprobe mlx5_ib ib_uverbs (rdma-core's kernel side)",
			    "port %s: %s on %s (bifurcated) has no verbs device, which DPDK's PMD "
			    "needs",
			    port->name, addr, drv);
	} else {
		pci_netdev(p, addr, ifname, sizeof(ifname));
		if (ifname[0] != '\0')
			snprintf(todo, sizeof(todo),
				 "ip link set %s down; dpdk-devbind.py "
				 "--bind=vfio-pci %s",
				 ifname, addr);
		else
			snprintf(todo, sizeof(todo), "dpdk-devbind.py --bind=vfio-pci %s", addr);
		add(p, DP_PREFLIGHT_FAIL, "device", todo,
		    "port %s: %s is bound to the kernel driver %s%s%s", port->name, addr, drv,
		    ifname[0] ? ", interface " : "", ifname);
	}
}

static void check_numa(struct pf *p, const struct fab_port *port, const char *addr)
{
	char cpus[256], todo[384];
	struct dp_cpuset on_node = {{0}};
	const struct node *n;
	int node;

	if (!p->have_lcores || !exists_under(p, SYS_PCI) || p->nnodes < 2)
		return;
	node = pci_numa_node(p, addr);
	if (node < 0) {
		add(p, DP_PREFLIGHT_OK, "numa", NULL, "port %s: %s reports no NUMA node",
		    port->name, addr);
		return;
	}
	for (unsigned int c = 0; c < DP_PREFLIGHT_CPUS; c++)
		if (dp_cpuset_has(&p->workers, c) && cpu_node(p, c) == node)
			cpuset_set(&on_node, c);
	if (!cpuset_empty(&on_node)) {
		dp_cpuset_format(&on_node, cpus, sizeof(cpus));
		add(p, DP_PREFLIGHT_OK, "numa", NULL, "port %s: %s on node %d with workers %s",
		    port->name, addr, node, cpus);
		return;
	}
	n = node_by_id(p, node);
	dp_cpuset_format(n != NULL ? &n->cpus : &on_node, cpus, sizeof(cpus));
	snprintf(todo, sizeof(todo), "give it workers on node %d (CPUs %s) in the lcore list", node,
		 cpus);
	add(p, DP_PREFLIGHT_WARN, "numa", todo,
	    "port %s: %s is on node %d but no worker is: every frame crosses the interconnect",
	    port->name, addr, node);
}

static void check_af_xdp(struct pf *p, const struct fab_port *port)
{
	char ifname[64], rel[128], todo[256];

	if (!device_arg(port->device, "iface", ifname, sizeof(ifname))) {
		add(p, DP_PREFLIGHT_FAIL, "device", "add iface=NAME to the device string",
		    "port %s: %s names no interface", port->name, port->device);
		return;
	}
	snprintf(rel, sizeof(rel), "/sys/class/net/%s", ifname);
	if (strchr(ifname, '/') != NULL || !exists_under(p, rel)) {
		snprintf(todo, sizeof(todo), "correct iface= (ip link lists the interfaces)");
		add(p, DP_PREFLIGHT_FAIL, "device", todo,
		    "port %s: no interface %s on this machine", port->name, ifname);
		return;
	}
	add(p, DP_PREFLIGHT_OK, "device", NULL, "port %s: AF_XDP on interface %s", port->name,
	    ifname);
}

static void check_devices(struct pf *p)
{
	for (size_t i = 0; i < p->m->nports; i++) {
		const struct fab_port *port = &p->m->ports[i];
		char addr[PCI_ADDR_LEN];

		if (pci_addr(port->device, addr, sizeof(addr))) {
			check_pci_driver(p, port, addr);
			check_numa(p, port, addr);
		} else if (is_af_xdp(port->device)) {
			check_af_xdp(p, port);
		} else {
			add(p, DP_PREFLIGHT_OK, "device", NULL,
			    "port %s: virtual device %.*s, no hardware to check", port->name,
			    (int)strcspn(port->device, ","), port->device);
		}
	}
}

/* Which configured PCI devices need VFIO: those not on a bifurcated driver. */
static void find_vfio_needed(struct pf *p)
{
	for (size_t i = 0; p->m != NULL && i < p->m->nports; i++) {
		char addr[PCI_ADDR_LEN], rel[128], drv[64];

		if (!pci_addr(p->m->ports[i].device, addr, sizeof(addr)))
			continue;
		snprintf(rel, sizeof(rel), SYS_PCI "/%s/driver", addr);
		if (link_base(p, rel, drv, sizeof(drv)) != 0 ||
		    !in_list(drv, bifurcated_drivers,
			     sizeof(bifurcated_drivers) / sizeof(bifurcated_drivers[0])))
			p->vfio_needed = true;
	}
}

/* The CPUs of a kernel parameter's list, without isolcpus' leading flags. */
static bool cmdline_cpus(const struct pf *p, const char *name, struct dp_cpuset *s)
{
	char val[TEXT_MAX];
	const char *c = val;

	if (!cmdline_param(p, name, val, sizeof(val)))
		return false;
	while (isalpha((unsigned char)*c)) {
		c += strcspn(c, ",");
		if (*c == ',')
			c++;
	}
	return dp_cpuset_parse(c, s) == 0;
}

/* Reports workers missing from set; what names the set, fix the parameter. */
static void check_workers_in(struct pf *p, const struct dp_cpuset *set, const char *what,
			     const char *param, const char *why)
{
	struct dp_cpuset out = {{0}};
	char list[256], todo[384];

	for (unsigned int c = 0; c < DP_PREFLIGHT_CPUS; c++)
		if (dp_cpuset_has(&p->workers, c) && !dp_cpuset_has(set, c))
			cpuset_set(&out, c);
	if (cpuset_empty(&out)) {
		dp_cpuset_format(&p->workers, list, sizeof(list));
		add(p, DP_PREFLIGHT_OK, "isolation", NULL, "workers %s are %s", list, what);
		return;
	}
	dp_cpuset_format(&out, list, sizeof(list));
	snprintf(todo, sizeof(todo), "add the workers to %s on the kernel command line", param);
	add(p, DP_PREFLIGHT_WARN, "isolation", todo, "workers %s are not %s: %s", list, what, why);
}

static void check_isolation(struct pf *p)
{
	struct dp_cpuset isolated = {{0}}, nohz = {{0}};
	char text[TEXT_MAX];

	if (!p->have_lcores || cpuset_empty(&p->workers))
		return;
	/* sysfs says what the running kernel did; the command line is the fallback. */
	if (read_under(p, text, sizeof(text), SYS_CPU "/isolated") != 0 ||
	    dp_cpuset_parse(text, &isolated) != 0)
		(void)cmdline_cpus(p, "isolcpus", &isolated);
	if (read_under(p, text, sizeof(text), SYS_CPU "/nohz_full") != 0 ||
	    dp_cpuset_parse(text, &nohz) != 0)
		(void)cmdline_cpus(p, "nohz_full", &nohz);
	check_workers_in(p, &isolated, "isolated from the scheduler (isolcpus)",
			 "isolcpus=", "other tasks may run on them and delay frames");
	check_workers_in(p, &nohz, "tickless (nohz_full)",
			 "nohz_full= and rcu_nocbs=", "the timer tick interrupts them");
}

static void check_bpffs(struct pf *p)
{
	char where[512];
	bool xdp = false;

	for (size_t i = 0; i < p->m->nports; i++)
		xdp |= is_af_xdp(p->m->ports[i].device);
	if (!xdp)
		return;
	if (find_mount(p, is_bpffs, NULL, where, sizeof(where))) {
		add(p, DP_PREFLIGHT_OK, "bpffs", NULL, "bpffs mounted on %s for the af_xdp ports",
		    where);
		return;
	}
	add(p, DP_PREFLIGHT_FAIL, "bpffs",
	    "mount -t bpf bpf /sys/fs/bpf, and at boot with an /etc/fstab line "
	    "'bpf /sys/fs/bpf bpf defaults 0 0'",
	    "bpffs not mounted on /sys/fs/bpf: a mount made by the service stays in its own "
	    "namespace and the XDP pre-filter's pinned maps vanish when it stops");
}

int dp_preflight_run(const char *root, const struct fab_model *m,
		     const struct dp_preflight_opts *opts, dp_preflight_report_fn *report,
		     void *arg)
{
	static const struct dp_preflight_opts none;
	struct fab_model *loaded = NULL;
	struct dp_cpuset lcores;
	struct pf *p;
	int worst;

	if (opts == NULL)
		opts = &none;
	if (opts->lcores != NULL &&
	    (dp_cpuset_parse(opts->lcores, &lcores) != 0 || cpuset_empty(&lcores)))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	root = root != NULL ? root : "/";
	snprintf(p->root, sizeof(p->root), "%s", root);
	for (size_t n = strlen(p->root); n > 0 && p->root[n - 1] == '/'; n--)
		p->root[n - 1] = '\0';
	p->report = report;
	p->arg = arg;
	p->m = m;
	if (opts->lcores != NULL) {
		p->have_lcores = true;
		p->workers = lcores;
		p->main_lcore = cpuset_first(&lcores);
		p->workers.w[p->main_lcore / 64] &= ~(UINT64_C(1) << (p->main_lcore % 64));
	}
	(void)read_under(p, p->cmdline, sizeof(p->cmdline), "/proc/cmdline");
	load_nodes(p);

	check_config(p, opts, &loaded);
	check_lcores(p);
	find_vfio_needed(p);
	mark_needed_nodes(p);
	check_hugepages(p);
	check_iommu(p);
	if (p->m != NULL)
		check_devices(p);
	check_isolation(p);
	if (p->m != NULL)
		check_bpffs(p);

	worst = p->worst;
	fab_model_destroy(loaded);
	free(p);
	return worst;
}
