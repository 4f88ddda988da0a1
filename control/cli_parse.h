/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CLI's command set: one table, ctl_commands[] (ctl_commands.c), one row
 * per command, as bgpctl's parser tables. peerlanctl parses a line against it
 * for completion, `?` help and early errors, and sends the words; the
 * control process parses them again against the same table, because a
 * socket peer is not trusted to have done it. docs/cli.md is generated from
 * the table (ctl_cli_markdown) and a test keeps the two equal.
 *
 * Keywords match by unique prefix ("sh po" is not enough, "sh ports" is);
 * an exact match wins over a longer keyword ("port" against "ports").
 */
#ifndef PEERLAN_CONTROL_CLI_PARSE_H
#define PEERLAN_CONTROL_CLI_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "fabric/model.h"
#include "fabric/wire.h"

/* Names the code uses for a command; a row of ctl_commands[] says the rest. */
enum ctl_cmd {
	CTL_CMD_NONE,
	CTL_SHOW_PORTS,
	CTL_SHOW_PORT,
	CTL_SHOW_MEMBERS,
	CTL_SHOW_MEMBER,
	CTL_SHOW_MAC_TABLE,
	CTL_SHOW_NEIGHBORS,
	CTL_SHOW_DROPS,
	CTL_SHOW_STATUS,
	CTL_SHOW_PORT_SECURITY,
	CTL_SHOW_EVENTS,
	CTL_SHOW_QUARANTINE,
	CTL_SHOW_SPONGE,
	CTL_SHOW_SYNC,
	CTL_SHOW_LAG,
	CTL_SHOW_EVPN,
	CTL_SHOW_TRAFFIC,
	CTL_SHOW_CONFIG,
	CTL_SHOW_CONFIG_HISTORY,
	CTL_SHOW_NAMES,
	CTL_SPONGE,
	CTL_UNSPONGE,
	CTL_SET_NEIGHBOR_ALIVE,
	CTL_SET_NEIGHBOR_DEAD,
	CTL_SET_NEIGHBOR_PENDING,
	CTL_CLEAR_COUNTERS,
	CTL_PORT_SHUTDOWN,
	CTL_PORT_NO_SHUTDOWN,
	CTL_PORT_PROMOTE,
	CTL_PORT_PROMOTE_LOCK,
	CTL_PORT_ALLOW_MAC,
	CTL_CONFIG_CHECK,
	CTL_CONFIG_DIFF,
	CTL_CONFIG_DIFF_ROLLBACK,
	CTL_CONFIG_APPLY,
	CTL_CONFIG_CONFIRM,
	CTL_CONFIG_ROLLBACK,
	CTL_CONFIG_SAVE,
	CTL_CONFIG_IMPORT,  /* run by peerlanctl itself (cli_import.h), never sent */
	CTL_WATCH,          /* run by peerlanctl: a show command redrawn every second */
	CTL_MONITOR_EVENTS, /* run by peerlanctl: new events as they come */
	CTL_CONFIG_SYNC_NOW,
	CTL_CONFIG_SYNC_ACCEPT,
	CTL_CAPTURE, /* control tells how; peerlanctl runs dpdk-dumpcap (cli_capture.h) */
	CTL_CMD__COUNT
};

/* Longest MAC swap window: a week. */
#define CTL_SWAP_MAX_S (7 * 86400)

/* Longest comment of a change, and how many committed configurations are kept. */
#define CTL_COMMENT_MAX 128
#define CTL_HISTORY_MAX 20

/* Longest BPF expression of `capture port NAME filter FILTER`, with the NUL. */
#define CTL_FILTER_MAX FAB_PATH_MAX

/* Longest time a `config apply ... confirm` may wait: one day. */
#define CTL_CONFIRM_MAX_S 86400

/* A parsed command. Arguments the command does not take are left zero. */
struct ctl_request {
	enum ctl_cmd cmd;
	char port[FAB_NAME_MAX];
	char lan[FAB_NAME_MAX];
	char file[FAB_PATH_MAX];
	uint32_t asn;
	uint32_t seconds;              /* config apply ... confirm SECONDS; 0: no confirm */
	int family;                    /* show neighbors: 0 both, 4 or 6 */
	fab_mac_t mac;                 /* port ... allow-mac MAC */
	uint32_t duration_s;           /* ... for DURATION */
	char addr[48];                 /* sponge, unsponge, set neighbor: an IPv4 or IPv6 address */
	uint32_t number;               /* config rollback N, config diff rollback N */
	char comment[CTL_COMMENT_MAX]; /* ... comment TEXT: kept in the audit log */
	char member[FAB_NAME_MAX];     /* show traffic member MEMBER, when not an ASN */
	uint32_t top;                  /* show traffic ... top COUNT; 0: every pair */
	char filter[CTL_FILTER_MAX];   /* capture ... filter FILTER: a BPF expression */
	bool tshark;                   /* capture ... tshark */
	/* The command in full words, keywords expanded: what travels to control. */
	uint16_t argc;
	char argv[FAB_WIRE_ARGS_MAX][FAB_PATH_MAX];
	/* Filled by the control process, not by the parser: the text of FILE
	 * sent with the command, and who sent it (SO_PEERCRED). */
	const char *text;
	size_t text_len;
	int64_t uid; /* -1: unknown (the read-only socket does not ask) */
	char user[FAB_NAME_MAX];
};

struct ctl;

/*
 * One command: one row of ctl_commands[] (ctl_commands.c). words are the
 * keywords and argument placeholders in order: NAME (a port), LAN, ASN
 * FILE, SECONDS, MAC, DURATION, ADDRESS,
 * N (a history number), TEXT (a comment), MEMBER (an ASN or a member's
 * name), COUNT (how many lines or frames), FILTER (a BPF expression). ASN is a member's AS number. Completion, `?` help, the
 * read-only rule, dispatch in control, rendering in peerlanctl and the
 * table in docs/cli.md all come from the rows.
 */
enum ctl_cmd_flags {
	CTL_F_READONLY = 1 << 0, /* the read-only socket runs it */
	CTL_F_FILE = 1 << 1,     /* the text of FILE travels with it */
	CTL_F_LOCAL = 1 << 2,    /* run by peerlanctl itself, never sent */
	CTL_F_CHANGE = 1 << 3,   /* changes state: logged with who and why */
};

typedef int (*ctl_handler_fn)(struct ctl *c, const struct ctl_request *r, json_t **out);
typedef void (*ctl_render_fn)(const struct ctl_request *r, const json_t *reply, FILE *out);

struct ctl_command {
	enum ctl_cmd cmd;
	const char *words;
	unsigned int flags;
	ctl_handler_fn handler; /* in peerlan-control */
	ctl_render_fn render;   /* in peerlanctl: text from the JSON reply */
	const char *help;
};

/* The rows, ended by one with cmd CTL_CMD_NONE. */
extern const struct ctl_command ctl_commands[];
/* Help of keywords that lead to several commands ("show", "config"). */
struct ctl_keyword_help {
	const char *path;
	const char *help;
};
extern const struct ctl_keyword_help ctl_keywords[];

/* The first row of cmd (several rows may share one), or NULL. */
const struct ctl_command *ctl_command_of(enum ctl_cmd cmd);

/*
 * Parses argc words. Returns 0 and fills *req, or -EINVAL with one line in
 * err ("ambiguous argument: po (port, ports)", "missing argument: NAME", ...).
 * A prefix shared by several keywords is resolved by what follows it when
 * only one of them can take the rest ("show mem 64501": member).
 */
int ctl_cli_parse(int argc, char *const *argv, struct ctl_request *req, char *err, size_t errlen);

/* The read-only socket runs it (CTL_F_READONLY in its row). */
bool ctl_cmd_readonly(enum ctl_cmd cmd);
/* Commands whose FILE argument's text travels with them. */
bool ctl_cmd_takes_file(enum ctl_cmd cmd);

/* What an argument placeholder stands for, for completion of names. */
enum ctl_arg {
	CTL_ARG_NONE,
	CTL_ARG_PORT,
	CTL_ARG_LAG, /* a port name; completed from the LAG ports */
	CTL_ARG_LAN,
	CTL_ARG_ASN,
	CTL_ARG_FILE,
	CTL_ARG_SECONDS,
	CTL_ARG_MAC,
	CTL_ARG_DURATION,
	CTL_ARG_ADDR,
	CTL_ARG_NUMBER,
	CTL_ARG_TEXT,
	CTL_ARG_MEMBER,
	CTL_ARG_COUNT,
	CTL_ARG_FILTER,
};

/*
 * Completion for the word being typed after argc complete words: calls fn
 * with each keyword that starts with `partial` (arg CTL_ARG_NONE), or with
 * the placeholder ("NAME") of an argument expected there and its kind.
 * Returns how many, or -EINVAL if the complete words do not parse as a
 * prefix of a command.
 */
int ctl_cli_complete(int argc, char *const *argv, const char *partial,
		     void (*fn)(void *arg, const char *word, enum ctl_arg kind), void *arg);

/* `?` help: what may follow argc words, one "  word  help" line each. */
int ctl_cli_help_at(int argc, char *const *argv, FILE *out);

/* Every command with its help, as lines ("show port NAME  help"). */
void ctl_cli_list(FILE *out);
/* The command reference of docs/cli.md, as a Markdown table. */
void ctl_cli_markdown(FILE *out);

#endif
