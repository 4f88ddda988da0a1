/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peerlan-dataplane: the DPDK primary process.
 *
 *   peerlan-dataplane [EAL options] -- -c FILE [options]
 *
 * The main lcore brings the ports up from the configuration, launches the
 * workers and then only does slow-path work: link polling, draining the punt
 * rings, reloads on SIGHUP and freeing retired tables. It forwards with no
 * control process at all.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_pdump.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "fabric/config.h"

#include "dp.h"
#include "dp_sflow.h"
#include "preflight/preflight.h"

#define LINK_POLL_MS  100 /* how often link state and idle time are looked at */
#define MAIN_SLEEP_US 1000
#define POOL_CACHE    256
#define PUNT_POOL     4095

struct options {
	const char *config;
	const char *stats_json;
	const char *user;      /* --user: run as this user once started */
	uint64_t idle_exit_ms; /* 0: run until a signal */
	bool check;
	bool preflight;
	bool no_xdp_filter;
	bool matrix;           /* --matrix: count the member-to-member matrix */
	bool no_capture;       /* --no-capture: no rte_pdump_init */
	uint32_t matrix_slots; /* its table's size per worker */
};

static volatile sig_atomic_t got_stop;
static volatile sig_atomic_t got_hup;

void dp_log(const char *fmt, ...)
{
	va_list ap;

	fputs("peerlan-dataplane: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: peerlan-dataplane [EAL options] -- -c FILE [options]\n"
	    "\n"
	    "The peerlan forwarding plane: a DPDK primary process that brings up the\n"
	    "ports named in the configuration and forwards by the exchange's rules.\n"
	    "EAL options (before --) are DPDK's: -l CORES, -a PCI, --vdev, --file-prefix,\n"
	    "--no-huge -m MB, ... The first lcore is the main lcore, every other one a worker.\n"
	    "\n"
	    "Options (after --):\n"
	    "  -c, --config FILE    configuration file (required); SIGHUP reloads it\n"
	    "      --check          load and validate the configuration, print every\n"
	    "                       error or \"configuration OK\", and exit\n"
	    "      --preflight      check this server for running the configuration (hugepages,\n"
	    "                       IOMMU, NIC drivers, NUMA, isolated cores, bpffs) without\n"
	    "                       changing anything, print one line per finding, and exit\n"
	    "                       (1 if anything would stop the dataplane)\n"
	    "      --stats-json FILE  on exit, write every port's counters (summed over\n"
	    "                       workers) and drops by reason to FILE as JSON\n"
	    "      --idle-exit MS   exit once frames have been received and no port has\n"
	    "                       received one for MS milliseconds (for tests on pcap files)\n"
	    "      --no-xdp-filter  run net_af_xdp ports without the XDP pre-filter (without\n"
	    "                       it, a port whose filter cannot be loaded stops the start)\n"
	    "      --user USER      once the ports are up and the workers run, switch to USER\n"
	    "                       (its groups too) keeping only the capabilities the ports'\n"
	    "                       drivers still need; the configuration file must be\n"
	    "                       readable by USER for SIGHUP reloads\n"
	    "      --matrix         count the exact member-to-member traffic matrix (off by\n"
	    "                       default: it costs forwarding speed, see performance.md)\n"
	    "      --no-matrix      do not count it (the default)\n"
	    "      --matrix-slots N  pairs each worker's matrix table has room for with\n"
	    "                       --matrix, a power of two (64 bytes each, 7/8 usable;\n"
	    "                       default 262144: 16 MiB)\n"
	    "      --no-capture     refuse live capture: dpdk-dumpcap and dpdk-pdump cannot\n"
	    "                       attach (capture needs hugepages, not --no-huge; with\n"
	    "                       --user, the tools run as USER: peerlanctl capture does)\n"
	    "  -h, --help           this text\n"
	    "\n"
	    "Signals: SIGHUP reloads the configuration (a file that fails validation\n"
	    "changes nothing); SIGINT and SIGTERM stop the dataplane.\n"
	    "Telemetry (dpdk-telemetry.py -f PREFIX): /peerlan/status, /peerlan/ports,\n"
	    "/peerlan/port,NAME.\n");
}

static int parse_ms(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

/* 0 to run, 1 to exit successfully (--help), -1 on a usage error. */
static int parse_options(int argc, char **argv, struct options *o)
{
	enum {
		OPT_STATS_JSON = 256,
		OPT_IDLE_EXIT,
		OPT_CHECK,
		OPT_PREFLIGHT,
		OPT_NO_XDP,
		OPT_USER,
		OPT_MATRIX,
		OPT_NO_MATRIX,
		OPT_MATRIX_SLOTS,
		OPT_NO_CAPTURE
	};
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check", no_argument, NULL, OPT_CHECK},
	    {"preflight", no_argument, NULL, OPT_PREFLIGHT},
	    {"stats-json", required_argument, NULL, OPT_STATS_JSON},
	    {"idle-exit", required_argument, NULL, OPT_IDLE_EXIT},
	    {"no-xdp-filter", no_argument, NULL, OPT_NO_XDP},
	    {"user", required_argument, NULL, OPT_USER},
	    {"matrix", no_argument, NULL, OPT_MATRIX},
	    {"no-matrix", no_argument, NULL, OPT_NO_MATRIX},
	    {"matrix-slots", required_argument, NULL, OPT_MATRIX_SLOTS},
	    {"no-capture", no_argument, NULL, OPT_NO_CAPTURE},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case OPT_CHECK:
			o->check = true;
			break;
		case OPT_PREFLIGHT:
			o->preflight = true;
			break;
		case OPT_NO_XDP:
			o->no_xdp_filter = true;
			break;
		case OPT_STATS_JSON:
			o->stats_json = optarg;
			break;
		case OPT_USER:
			o->user = optarg;
			break;
		case OPT_MATRIX:
			o->matrix = true;
			break;
		case OPT_NO_MATRIX:
			o->matrix = false;
			break;
		case OPT_NO_CAPTURE:
			o->no_capture = true;
			break;
		case OPT_MATRIX_SLOTS: {
			uint64_t v;

			if (parse_ms(optarg, &v) < 0 || v < FAB_MX_SLOTS_MIN ||
			    v > FAB_MX_SLOTS_MAX || (v & (v - 1)) != 0) {
				dp_log(
				    "--matrix-slots needs a power of two from %u to %u, not '%s'",
				    FAB_MX_SLOTS_MIN, FAB_MX_SLOTS_MAX, optarg);
				return -1;
			}
			o->matrix_slots = (uint32_t)v;
			break;
		}
		case OPT_IDLE_EXIT:
			if (parse_ms(optarg, &o->idle_exit_ms) < 0 || o->idle_exit_ms == 0) {
				dp_log(
				    "--idle-exit needs a positive number of milliseconds, not '%s'",
				    optarg);
				return -1;
			}
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		dp_log("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (o->config == NULL) {
		dp_log("no configuration file: use -c FILE after --");
		usage(stderr);
		return -1;
	}
	return 0;
}

/* The peerlan options are those after the first "--"; with none, all of them. */
static int app_args_start(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return i;
	}
	return 0;
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_stop = 1;
}

static int setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGHUP, &sa, NULL) < 0)
		return -errno;
	return 0;
}

static struct fab_model *load_config(const char *path)
{
	struct fab_config_errors errs = {0};
	struct fab_model *m = fab_config_load_file(path, &errs);

	if (m == NULL) {
		dp_log("%s has %zu error(s):", path, errs.n);
		fab_config_errors_print(&errs, stderr);
	}
	fab_config_errors_clear(&errs);
	return m;
}

/* State sized by the model, before any DPDK resource is taken. */
static int dp_alloc(struct dp *dp, const struct fab_model *m, const char *path)
{
	snprintf(dp->config_path, sizeof(dp->config_path), "%s", path);
	dp->nports = (uint16_t)m->nports;
	dp->ports = calloc(m->nports, sizeof(*dp->ports));
	dp->admin_up = calloc(m->nports, 1);
	dp->errdisabled = calloc(m->nports, 1);
	dp->link_up = calloc(m->nports, 1);
	dp->link_changes = calloc(m->nports, sizeof(*dp->link_changes));
	dp->oper = calloc(m->nports, 1);
	dp->main_stats = calloc(m->nports, sizeof(*dp->main_stats));
	dp->ifflags_fd = -1;
	if (dp->ports == NULL || dp->admin_up == NULL || dp->errdisabled == NULL ||
	    dp->link_up == NULL || dp->link_changes == NULL || dp->oper == NULL ||
	    dp->main_stats == NULL || dp_xdpport_init(dp) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < m->nports; i++) {
		struct dp_port *p = &dp->ports[i];

		snprintf(p->name, sizeof(p->name), "%s", m->ports[i].name);
		snprintf(p->device, sizeof(p->device), "%s", m->ports[i].device);
		p->lag = m->ports[i].lag;
		p->eth_port = RTE_MAX_ETHPORTS;
		p->vtep = m->ports[i].kind == FAB_PORT_VTEP;
		for (size_t u = 0; u < m->nports; u++)
			if (m->ports[u].kind == FAB_PORT_UNDERLAY)
				p->underlay = (uint16_t)u;
		for (uint8_t k = 0; k < FAB_LAG_LINKS_MAX; k++)
			p->links[k].eth_port = RTE_MAX_ETHPORTS;
		dp->oper[i] = FAB_OPER_DOWN;
		if (m->ports[i].mtu > dp->mtu_max)
			dp->mtu_max = m->ports[i].mtu;
	}
	return 0;
}

/*
 * Buffers one RX queue of this device may hold. net_af_xdp keeps its fill
 * and completion rings (2048 each in DPDK 22.11, whatever nb_rx_desc says)
 * stocked from the pool; too few buffers and the last ports to start receive
 * nothing, with no error from the driver.
 */
static unsigned int port_rx_reserve(const char *device)
{
	enum { AF_XDP_RINGS = 2 * 2048 };

	return strncmp(device, "net_af_xdp", 10) == 0 ? AF_XDP_RINGS : DP_RX_DESC;
}

/* Buffers one worker may hold for a port: a LAG's on each of its links. */
static unsigned int port_mbufs(const struct dp_port *p)
{
	unsigned int n = 0;

	if (p->vtep)
		return 0;
	if (p->lag.nlinks == 0)
		return port_rx_reserve(p->device) + DP_TX_DESC + DP_BURST;
	for (uint8_t k = 0; k < p->lag.nlinks; k++)
		n += port_rx_reserve(p->lag.links[k]) + DP_TX_DESC + DP_BURST;
	/* Room for one more link added live (docs/runbook.md). */
	return n + DP_RX_DESC + DP_TX_DESC + DP_BURST;
}

static int dp_eal_resources(struct dp *dp)
{
	unsigned int lcore;
	uint16_t i = 0;
	size_t rcu_size;
	/* The standard buffer: a 1500 LAN's frames fit one; a jumbo frame arrives
	 * in several where the port can scatter, else in one from pool_big
	 * (dp_port.c). Copies for control are chained alike. */
	uint32_t room = RTE_MBUF_DEFAULT_BUF_SIZE;
	unsigned int nb_mbuf;

	dp->tsc_hz = rte_get_tsc_hz();
	dp->ns_mult = (uint64_t)(((unsigned __int128)1000000000 << 32) / dp->tsc_hz);
	dp->start_tsc = rte_get_tsc_cycles();
	dp->start_time = (uint64_t)time(NULL);

	dp->nworkers = (uint16_t)rte_lcore_count() - 1;
	if (dp->nworkers == 0) {
		dp_log("no worker lcore: give at least two lcores (-l 0,1), the first is the "
		       "main lcore");
		return -EINVAL;
	}
	dp->workers =
	    rte_zmalloc("dp_workers", sizeof(*dp->workers) * dp->nworkers, RTE_CACHE_LINE_SIZE);
	if (dp->workers == NULL)
		return -ENOMEM;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		dp->workers[i].lcore = lcore;
		dp->workers[i].index = i;
		i++;
	}

	rcu_size = rte_rcu_qsbr_get_memsize(dp->nworkers);
	dp->rcu = rte_zmalloc("dp_rcu", rcu_size, RTE_CACHE_LINE_SIZE);
	if (dp->rcu == NULL || rte_rcu_qsbr_init(dp->rcu, dp->nworkers) != 0)
		return -ENOMEM;

	/* Every RX and TX ring full, every TX buffer full, and the per-lcore caches. */
	nb_mbuf = rte_lcore_count() * (POOL_CACHE + DP_BURST);
	for (size_t p = 0; p < dp->nports; p++)
		nb_mbuf += dp->nworkers * port_mbufs(&dp->ports[p]);
	/* Big buffers, if a port needs them, for the ports whose frames may not
	 * fit a standard one: each one's rings and TX buffers, as above. */
	dp->nb_mbuf_big = rte_lcore_count() * (POOL_CACHE + DP_BURST);
	for (size_t p = 0; p < dp->nports; p++)
		if (dp_port_frame(dp, &dp->ports[p]) > room - RTE_PKTMBUF_HEADROOM)
			dp->nb_mbuf_big += dp->nworkers * port_mbufs(&dp->ports[p]);
	dp->pool = rte_pktmbuf_pool_create("dp_rx", nb_mbuf, POOL_CACHE, 0, (uint16_t)room,
					   (int)rte_socket_id());
	dp->punt_pool = rte_pktmbuf_pool_create("dp_punt", PUNT_POOL, POOL_CACHE, 0, (uint16_t)room,
						(int)rte_socket_id());
	if (dp->pool == NULL || dp->punt_pool == NULL) {
		dp_log("cannot create the buffer pools (%u buffers of %u bytes): %s", nb_mbuf, room,
		       rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

static void dp_free(struct dp *dp)
{
	dp_sflow_fini(dp);
	dp_matrix_free(dp);
	dp_workers_free(dp);
	rte_free(dp->workers);
	for (unsigned int i = 0; i < dp->nreclaim; i++)
		fab_tables_destroy(dp->reclaim[i].tables);
	fab_tables_destroy(dp->tables);
	fab_model_destroy(dp->model);
	free(dp->sponged);
	rte_mempool_free(dp->pool);
	rte_mempool_free(dp->pool_big);
	rte_mempool_free(dp->punt_pool);
	rte_free(dp->rcu);
	dp_xdpport_free(dp);
	free(dp->ports);
	free(dp->admin_up);
	free(dp->errdisabled);
	free(dp->link_up);
	free(dp->link_changes);
	free(dp->oper);
	free(dp->main_stats);
}

static uint64_t rx_total(const struct dp *dp)
{
	uint64_t total = 0;

	for (uint16_t i = 0; i < dp->nworkers; i++) {
		for (uint16_t p = 0; p < dp->nports; p++)
			total += __atomic_load_n(&dp->workers[i].stats[p].ctr[FAB_CTR_rx_packets],
						 __ATOMIC_RELAXED);
	}
	return total;
}

/*
 * The main lcore's loop: each step is slow-path work, none of which may
 * stall the workers. Servers that run on the main lcore (the control socket)
 * are polled from here too, between the punt rings and the reload.
 */
static void main_loop(struct dp *dp, const struct options *o)
{
	uint64_t poll_cycles = dp->tsc_hz * LINK_POLL_MS / 1000;
	uint64_t next_poll = rte_get_tsc_cycles() + poll_cycles;
	uint64_t last_rx = 0, last_rx_change = rte_get_tsc_cycles();

	while (!got_stop) {
		uint64_t now = rte_get_tsc_cycles();

		if (now >= next_poll) {
			next_poll = now + poll_cycles;
			dp_ports_poll_link(dp);
			if (o->idle_exit_ms > 0) {
				uint64_t rx = rx_total(dp);

				if (rx != last_rx) {
					last_rx = rx;
					last_rx_change = now;
				} else if (rx > 0 && now - last_rx_change >=
							 o->idle_exit_ms * dp->tsc_hz / 1000) {
					dp_log("no frame received for %" PRIu64 " ms; exiting",
					       o->idle_exit_ms);
					break;
				}
			}
		}
		dp_ctl_poll(dp);
		dp_sflow_poll(dp);
		if (got_hup) {
			got_hup = 0;
			dp_reload(dp);
		}
		dp_reclaim_poll(dp);
		rte_delay_us_sleep(MAIN_SLEEP_US);
	}
}

static int run(struct dp *dp, const struct options *o)
{
	unsigned int lcore;
	int rc = 0;

	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		for (uint16_t i = 0; i < dp->nworkers; i++) {
			if (dp->workers[i].lcore == lcore)
				rte_eal_remote_launch(dp_worker_main, &dp->workers[i], lcore);
		}
	}
	dp_log("forwarding on %u port(s) with %u worker(s), generation %" PRIu64, dp->nports,
	       dp->nworkers, dp->generation);
	/* Capabilities are per thread: the workers, launched as root, lose theirs
	 * with the switch of user, and need none. */
	if (o->user != NULL) {
		rc = dp_drop_privileges(dp, o->user);
		if (rc < 0) {
			dp_log("cannot run as user %s: %s; stopping", o->user,
			       rc == -ENOENT ? "no such user" : strerror(-rc));
			got_stop = 1;
		}
	}
	main_loop(dp, o);

	__atomic_store_n(&dp->stop, true, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
	/* The last copies go to control if it can take them, and every one is
	 * counted before the counters are written out. */
	dp_ctl_stop(dp);
	dp_sflow_poll(dp); /* the last samples still reach the collectors */
	if (o->stats_json != NULL) {
		int wrc = dp_stats_write_json(dp, o->stats_json);

		if (wrc < 0)
			dp_log("cannot write %s: %s", o->stats_json, strerror(-wrc));
		if (rc == 0)
			rc = wrc;
	}
	return rc;
}

/* The -l (or --lcores) value among the EAL arguments before "--", or NULL. */
static const char *eal_lcores(int sep, char **argv)
{
	for (int i = 1; i < sep; i++) {
		if ((strcmp(argv[i], "-l") == 0 || strcmp(argv[i], "--lcores") == 0) && i + 1 < sep)
			return argv[i + 1];
		if (strncmp(argv[i], "-l", 2) == 0 && argv[i][2] != '\0')
			return argv[i] + 2;
	}
	return NULL;
}

/*
 * Live capture with DPDK's own dpdk-dumpcap and dpdk-pdump, as secondary
 * processes: they install their RX/TX callbacks on the ports they capture
 * and take them away when they stop, so a port nobody captures runs as
 * before. A secondary process maps the primary's hugepages: with
 * --no-huge there is nothing for it to map.
 */
static void capture_init(struct dp *dp, const struct options *o)
{
	const char *why = NULL;

	if (o->no_capture)
		why = "the dataplane runs with --no-capture";
	else if (!rte_eal_has_hugepages())
		why = "the dataplane runs without hugepages (--no-huge): DPDK's capture tools "
		      "attach as secondary processes, which need its hugepages";
	else if (rte_pdump_init() < 0) {
		why = "rte_pdump_init failed (see the dataplane's log)";
		dp_log("live capture unavailable: rte_pdump_init: %s", rte_strerror(rte_errno));
	}
	dp->capture_ready = why == NULL;
	dp->pdump_on = dp->capture_ready;
	if (dp->pdump_on)
		dp_pdump_sync_workers(dp->rcu);
	snprintf(dp->capture_why, sizeof(dp->capture_why), "%s", why ? why : "");
}

int main(int argc, char **argv)
{
	struct options o = {.matrix_slots = FAB_MX_SLOTS_DEFAULT};
	struct dp dp = {0};
	struct fab_model *m;
	int sep = app_args_start(argc, argv), rc;

	/* Options are checked and the configuration validated before the EAL
	 * takes any resource, so a mistake costs nothing. */
	rc = sep > 0 ? parse_options(argc - sep, argv + sep, &o) : parse_options(argc, argv, &o);
	if (rc != 0)
		return rc > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	m = load_config(o.config);
	if (m == NULL)
		return EXIT_FAILURE;
	if (o.check) {
		printf("%s: configuration OK: %zu LANs, %zu ports, %zu members\n", o.config,
		       m->nlans, m->nports, m->nmembers);
		fab_model_destroy(m);
		return EXIT_SUCCESS;
	}
	if (o.preflight) {
		const struct dp_preflight_opts po = {.config_path = o.config,
						     .lcores = eal_lcores(sep, argv)};

		rc = dp_preflight_run("/", m, &po, dp_preflight_print, stdout);
		fab_model_destroy(m);
		if (rc == -EINVAL)
			dp_log("--preflight: the EAL -l list '%s' is not a list of cores",
			       po.lcores ? po.lcores : "");
		return rc == DP_PREFLIGHT_OK || rc == DP_PREFLIGHT_WARN ? EXIT_SUCCESS
									: EXIT_FAILURE;
	}
	dp.xdp_off = o.no_xdp_filter;
	dp.mx_slots = o.matrix ? o.matrix_slots : 0; /* 0: no matrix */
	if (dp_alloc(&dp, m, o.config) < 0) {
		dp_log("out of memory");
		fab_model_destroy(m);
		dp_free(&dp);
		return EXIT_FAILURE;
	}
	if (setup_signals() < 0) {
		dp_log("cannot install signal handlers: %s", strerror(errno));
		fab_model_destroy(m);
		dp_free(&dp);
		return EXIT_FAILURE;
	}

	rc = rte_eal_init(sep > 0 ? sep : 1, argv);
	if (rc < 0) {
		dp_log("cannot initialise the EAL: %s", rte_strerror(rte_errno));
		fab_model_destroy(m);
		dp_free(&dp);
		return EXIT_FAILURE;
	}

	rc = dp_eal_resources(&dp);
	if (rc == 0)
		rc = dp_ports_start(&dp, m);
	if (rc == 0) {
		rc = dp_workers_init(&dp);
		if (rc == 0)
			rc = dp_matrix_init(&dp);
		if (rc < 0)
			dp_ports_stop(&dp);
	}
	if (rc == 0) {
		rc = dp_apply_model(&dp, m, NULL, 0);
		if (rc < 0)
			dp_ports_stop(&dp);
	}
	if (rc == 0) {
		rc = dp_sflow_init(&dp);
		if (rc < 0)
			dp_ports_stop(&dp);
	}
	if (rc < 0) {
		/* dp_apply_model() takes m only on success. */
		if (dp.model != m)
			fab_model_destroy(m);
		dp_log("not started");
		dp_free(&dp);
		rte_eal_cleanup();
		return EXIT_FAILURE;
	}
	if (dp_telemetry_init(&dp) < 0)
		dp_log("telemetry commands not registered; counters are still in --stats-json");
	capture_init(&dp, &o);
	dp_ctl_init(&dp);

	rc = run(&dp, &o);

	dp_ctl_fini(&dp);
	if (dp.pdump_on) {
		rte_pdump_uninit();
		dp_pdump_sync_workers(NULL); /* dp.rcu goes below */
	}
	dp_telemetry_fini();
	dp_ports_stop(&dp);
	dp_free(&dp);
	rte_eal_cleanup();
	dp_log("stopped");
	return rc < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
