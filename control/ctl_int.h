/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the parts of peerlan-control share: the state behind struct ctl.
 * Only control/ctl*.c include this; everyone else sees ctl.h.
 */
#ifndef PEERLAN_CONTROL_CTL_INT_H
#define PEERLAN_CONTROL_CTL_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <poll.h>
#include <sys/types.h>

#include <jansson.h>

#include "cli_parse.h"
#include "ctl.h"
#include "ctl_dp.h"
#include "ctl_events.h"
#include "ctl_evpn.h"
#include "ctl_portsec.h"
#include "ctl_quarantine.h"
#include "ctl_metrics.h"
#include "ctl_sync.h"
#include "fabric/counters.h"
#include "fabric/wire.h"

#define CTL_SAMPLES     4  /* counter reads kept for rates */
#define CTL_CLIENTS_MAX 32 /* CLI connections at once */
/* Of those, the read-only socket (open to every local user) may hold at
 * most this many, so that it can never lock the NOC out of the other. */
#define CTL_CLIENTS_RO_MAX 16

/* One read of every port's counters. */
struct ctl_sample {
	uint64_t t_ns; /* control's monotonic clock */
	struct fab_wire_counters c;
	struct fab_wire_port_state ports[FAB_PORTS_MAX];
	struct fab_port_stats stats[FAB_PORTS_MAX];
};

#define CTL_SWAPS_MAX 64 /* MAC swap windows open at once */

struct ctl_swap_window {
	char port[FAB_NAME_MAX];
	fab_mac_t mac;
	uint64_t until_ns;      /* control's monotonic clock */
	uint64_t until_wall_ns; /* the same as wall-clock time, for the state file */
};

struct ctl_client {
	int fd;
	bool readonly;
	int64_t uid;          /* SO_PEERCRED of the read-write socket's peer; -1 unknown */
	uint64_t last_ns;     /* last byte in or out: idle ones are closed */
	uint64_t in_since_ns; /* first byte of the request still incomplete */
	struct fab_wire_buf in;
	struct fab_wire_buf out;
};

struct ctl {
	struct ctl_opts opts;
	char config_path[FAB_PATH_MAX];
	char source[FAB_PATH_MAX + 48]; /* where the running configuration came from */
	/* Who the change being made comes from: the CLI peer running it, else
	 * control itself (a confirm that timed out). Kept with each commit. */
	struct {
		int64_t uid;
		char user[FAB_NAME_MAX];
		char comment[CTL_COMMENT_MAX];
		char command[256];
	} who;
	uint64_t start_ns;

	/* The running configuration (admin states included) and its text as pushed. */
	struct fab_model *running;
	char *running_text;
	size_t running_len;
	uint64_t running_digest;
	/* The configuration before the last commit, for `config rollback`. */
	struct fab_model *previous;
	/* The committed file is not what runs (--ignore-committed, a failed save). */
	bool commit_stale;
	/* An apply waiting for `config confirm`: what to go back to, and when. */
	struct fab_model *confirm_from;
	uint64_t confirm_deadline_ns;

	/* The dataplane. */
	struct ctl_dp *dp;
	bool synced; /* connected and brought to the running state */
	uint64_t next_connect_ns;
	unsigned backoff_ms;
	struct fab_wire_status dp_status;
	struct fab_wire_port_state dp_ports[FAB_PORTS_MAX];
	uint64_t dp_status_ns; /* when dp_status was read */
	/* Each port's MAC address as the dataplane's driver reports it, read
	 * on every (re)connect (ports change only with a dataplane restart);
	 * dp_nmacs 0 when the dataplane does not tell (an older one). */
	fab_mac_t dp_macs[FAB_PORTS_MAX];
	uint16_t dp_nmacs;
	char dp_error[256]; /* last failure to bring the dataplane in line */
	/* A request got no reply in time: since when (0: it answers), and the
	 * reply count then; a later reply ends it (ctl_dp_replies). */
	uint64_t stall_ns, stall_wall_ns;
	uint64_t stall_replies;
	/* The STATUS sent without waiting before each round of reads. */
	uint32_t probe_id;
	uint64_t probe_ns;
	uint64_t connects;
	uint64_t punts;     /* PUNT messages received from the dataplane */
	uint64_t punts_bad; /* of which did not decode: counted, not used */
	uint64_t next_poll_ns;

	/* Counter reads: a ring for rates, the newest read, and display baselines. */
	struct ctl_sample *samples[CTL_SAMPLES];
	unsigned nsamples, sample_head;
	struct ctl_sample *fresh;
	struct fab_port_stats *baseline; /* per running port, by index */
	uint64_t *baseline_ns;           /* 0: never cleared */

	/* The ARP/ND sponge and its events (ctl_sponge.c). */
	struct ctl_sponge *sponge;
	/* Port security and the events it logs (ctl_portsec.h, ctl_events.h). */
	struct ctl_events *events;
	struct ctl_psec *psec;
	struct ctl_quar *quar;
	/* Open MAC swap windows (ctl_swap.c). */
	struct ctl_swap_window swaps[CTL_SWAPS_MAX];
	size_t nswaps;
	/* The event list's state file (ctl_persist.c). */
	uint64_t events_saved_ns;
	int events_save_rc;
	/* Outcome of configuration changes, for the exporter. */
	bool last_change_ok;
	int64_t last_change_time; /* Unix seconds; control's start before any change */
	uint64_t changes_ok, changes_failed;
	struct ctl_metrics *metrics; /* NULL when management.metrics is off */
	struct ctl_sync *sync;       /* NULL when management.sync is off */
	struct fab_wire_lags lags;   /* the last LAG_GET read (ctl_lag.c) */
	struct ctl_p2p *p2p;         /* the traffic matrix's reads (ctl_p2p.c) */
	struct ctl_evpn evpn;        /* BGP EVPN routes from peerlan-evpn (ctl_evpn.c) */
	/* The digest of what was last pushed or compared: the running
	 * configuration, less inactive EVPN members (ctl_evpn_filtered). */
	uint64_t pushed_digest;

	/* The CLI sockets. */
	int cli_fd;
	int cli_ro_fd;
	struct ctl_client clients[CTL_CLIENTS_MAX];
	uint64_t cli_ro_refused; /* read-only connections refused: its slots were full */
};

uint64_t ctl_now_ns(void);
/* Nanoseconds since the epoch, for event times. */
uint64_t ctl_wall_ns(void);
/* Log a line to stderr with the program name; the text is sanitised. */
void ctl_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* JSON helpers: an error object, and the error-returning shorthand. */
int ctl_error(json_t **out, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Sends the request built in the dp's buffer (build_rc: the encoder's result)
 * and waits for its reply, whose payload is ignored. 0 or a negative errno,
 * with the reason in err.
 */
int ctl_dp_request(struct ctl *c, int build_rc, uint32_t id, char *err, size_t errlen);
/* The same, with the reply's payload (valid until the next request). */
int ctl_dp_fetch(struct ctl *c, int build_rc, uint32_t id, const uint8_t **p, size_t *len,
		 char *err, size_t errlen);

/*
 * The traffic matrix (ctl_p2p.c): read from the dataplane at every poll,
 * kept with the read before it for rates, written to the p2p file every
 * management.p2p-interval, shown by `show traffic` and /metrics/p2p.
 */
int ctl_p2p_init(struct ctl *c);
void ctl_p2p_fini(struct ctl *c);
void ctl_p2p_tick(struct ctl *c, uint64_t now);
/* Reads it now. 0 or a negative errno (-ENOTSUP: the dataplane counts none). */
int ctl_p2p_read(struct ctl *c);
int ctl_show_traffic(struct ctl *c, const struct ctl_request *r, json_t **out);
/* capture port NAME (ctl_capture.c): how dpdk-dumpcap reaches the port. */
int ctl_capture_cmd(struct ctl *c, const struct ctl_request *r, json_t **out);
/* The /metrics/p2p page. 0 or a negative errno. */
int ctl_p2p_metrics(struct ctl *c, FILE *out);

/* The sponge (ctl_sponge.c). init loads the state file; 0 or a negative errno. */
int ctl_sponge_init(struct ctl *c);
void ctl_sponge_fini(struct ctl *c);
/* A punted frame: recorded only, never answered from here (we may be inside a call). */
void ctl_sponge_punt(struct ctl *c, const struct fab_wire_frame_msg *f);
/* Probes, announcements, corrections, the state file and SPONGE_SET when due. */
void ctl_sponge_tick(struct ctl *c);
/* A (re)connected dataplane gets the whole set at the next tick. */
void ctl_sponge_resync(struct ctl *c);
/* Pushes the sponged set now. 0 or a negative errno with the reason in err. */
int ctl_sponge_push(struct ctl *c, char *err, size_t errlen);
/* sponge, unsponge, set neighbor; show sponge. */
int ctl_sponge_cmd(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_show_sponge(struct ctl *c, const struct ctl_request *r, json_t **out);
/* Every address the sponge tracks, as strings (for completion). */
json_t *ctl_sponge_addresses(const struct ctl *c);
/* Adds an address's sponge state to a show neighbors entry. */
void ctl_sponge_annotate(const struct ctl *c, const char *addr, json_t *o);
/* The sponge's part of /metrics: addresses by state and family, its counters. */
void ctl_sponge_metrics(const struct ctl *c, FILE *out);
/*
 * The text of a neighbour spoofing event, for every list that shows events:
 * "member M on port P answered for address A (owned by O)". As snprintf.
 */
int ctl_neigh_event_text(char *buf, size_t len, const char *member, const char *port,
			 const char *addr, const char *owner);

/* Brings a synced dataplane to the running configuration now (after an
 * EVPN change). 0 or a negative errno with the reason in err. */
int ctl_push_running(struct ctl *c, char *err, size_t errlen);

/* Reads the dataplane's STATUS now into c->dp_status. 0 or a negative errno. */
int ctl_dp_status(struct ctl *c, char *err, size_t errlen);
/* Reads every port's counters now into c->fresh. 0 or a negative errno. */
int ctl_read_counters(struct ctl *c);

/*
 * Makes m (owned by c from now on, or freed) the running configuration,
 * pushed and saved, as `config apply` does. 0; -EIO when applied but not
 * saved (err says so); another negative errno when nothing changed.
 */
int ctl_commit(struct ctl *c, struct fab_model *m, char *err, size_t errlen);

/*
 * The path of every whole new configuration, typed or fetched: refuses a
 * management change, does nothing for an equal one, else pushes m (owned
 * by c from now on, or freed), keeps the old one for rollback and saves
 * (or waits confirm_s for `config confirm`). source names the change in
 * messages and `show status`; how ends open MAC swap windows' events
 * ("config apply"). *out gets the diff, or the error as ctl_exec gives it.
 */
int ctl_apply_model(struct ctl *c, struct fab_model *m, const char *source, const char *how,
		    uint32_t confirm_s, json_t **out);

/* MAC swap windows (ctl_swap.c): `port NAME allow-mac`, expiry, show. */
int ctl_swap_open(struct ctl *c, const struct ctl_request *r, json_t **out);
void ctl_swap_tick(struct ctl *c, uint64_t now_ns);
json_t *ctl_swap_json(const struct ctl *c, const char *port);
/* Closes every window without touching the configuration: a whole new
 * configuration (apply, rollback) decides the MACs from now on. */
void ctl_swap_forget(struct ctl *c, const char *why);
/* A copy of m without the windows' MACs: what is saved. NULL on ENOMEM. */
struct fab_model *ctl_swap_strip(const struct ctl *c, const struct fab_model *m);
/*
 * The open windows live in CTL_SWAPS_FILE of the state directory with their
 * wall-clock expiry, so a restart of control keeps them: save writes it
 * (after every change), restore reopens the unexpired ones on m (the start
 * configuration, which never holds their MACs) and returns m, or a new
 * model in its place (m freed). Expired and unusable windows are dropped,
 * with an event.
 */
#define CTL_SWAPS_FILE "swaps.json"
void ctl_swap_save(struct ctl *c);
struct fab_model *ctl_swap_restore(struct ctl *c, struct fab_model *m);

/*
 * Handlers of the rows of ctl_commands[]: each fills *out with its reply,
 * or an error (ctl_error), and returns 0 or a negative errno.
 */
/* show commands (ctl_show.c). */
int ctl_show_ports(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_show_port(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_show_members(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_show_member(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_show_mac_table(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_show_neighbors(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_show_drops(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_show_status(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_show_port_security(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_show_events(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_show_quarantine(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_show_config(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_show_names(struct ctl *c, const struct ctl_request *r, json_t **out);
/* Changes (ctl.c). */
int ctl_cmd_clear(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_cmd_port_admin(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_cmd_promote(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_cmd_check_diff(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_cmd_apply(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_cmd_confirm(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_cmd_rollback(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_cmd_save(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_cmd_diff_rollback(struct ctl *c, const struct ctl_request *r, json_t **out);
int ctl_show_config_history(struct ctl *c, const struct ctl_request *r, json_t **out);

/* The last CTL_HISTORY_MAX committed configurations, newest first, in the state directory. */
#define CTL_HISTORY_FILE "history.json"
/* The display value of a port's stats: the fresh read minus the baseline. */
void ctl_port_display(const struct ctl *c, size_t port, struct fab_port_stats *out);

/* The unified diff of two texts, labelled on its ---/+++ lines, as a JSON
 * array of lines (empty when equal). NULL on ENOMEM. */
json_t *ctl_diff_lines(const char *a, size_t alen, const char *b, size_t blen, const char *alabel,
		       const char *blabel);

/* CLI sockets (ctl_cli.c). */
int ctl_cli_open(struct ctl *c);
void ctl_cli_close(struct ctl *c);
/* Adds the CLI descriptors to a poll set; returns how many were added. */
int ctl_cli_pollfds(struct ctl *c, struct pollfd *pfd, int max);
void ctl_cli_serve(struct ctl *c, const struct pollfd *pfd, int n);
/* Whether a peer with these credentials may use the read-write socket. */
bool ctl_cred_allowed(uid_t uid, gid_t gid, const char *group);

#endif
