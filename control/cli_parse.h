/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CLI's command set: one static token tree with a help text on every
 * node, as in OpenBSD bgpctl's parser. peerlanctl parses a line against it
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

#include "fabric/model.h"
#include "fabric/wire.h"

/* The show commands come first, up to CTL_SHOW_CONFIG: ctl_cmd_readonly
 * takes that range, so a new show command goes inside it. */
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
	CTL_SHOW_SPONGE, /* ctl_sponge.c, like the five after CTL_SHOW_CONFIG */
	CTL_SHOW_SYNC,   /* ctl_sync.c, like CTL_CONFIG_SYNC_* */
	CTL_SHOW_LAG,    /* ctl_lag.c */
	CTL_SHOW_CONFIG,
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
	CTL_CONFIG_APPLY,
	CTL_CONFIG_CONFIRM,
	CTL_CONFIG_ROLLBACK,
	CTL_CONFIG_SAVE,
	CTL_CONFIG_IMPORT, /* run by peerlanctl itself (cli_import.h), never sent */
	CTL_CONFIG_SYNC_NOW,
	CTL_CONFIG_SYNC_ACCEPT,
	CTL_CMD__COUNT
};

/* Longest MAC swap window: a week. */
#define CTL_SWAP_MAX_S (7 * 86400)

/* Longest time a `config apply ... confirm` may wait: one day. */
#define CTL_CONFIRM_MAX_S 86400

/* A parsed command. Arguments the command does not take are left zero. */
struct ctl_request {
	enum ctl_cmd cmd;
	char port[FAB_NAME_MAX];
	char lan[FAB_NAME_MAX];
	char file[FAB_PATH_MAX];
	uint32_t asn;
	uint32_t seconds;    /* config apply ... confirm SECONDS; 0: no confirm */
	int family;          /* show neighbors: 0 both, 4 or 6 */
	fab_mac_t mac;       /* port ... allow-mac MAC */
	uint32_t duration_s; /* ... for DURATION */
	char addr[48];       /* sponge, unsponge, set neighbor: an IPv4 or IPv6 address */
	/* The command in full words, keywords expanded: what travels to control. */
	uint16_t argc;
	char argv[FAB_WIRE_ARGS_MAX][FAB_PATH_MAX];
};

/*
 * Parses argc words. Returns 0 and fills *req, or -EINVAL with one line in
 * err ("ambiguous argument: po (port, ports)", "missing argument: NAME", ...).
 */
int ctl_cli_parse(int argc, char *const *argv, struct ctl_request *req, char *err, size_t errlen);

/* Show commands: the only ones the read-only socket answers. */
bool ctl_cmd_readonly(enum ctl_cmd cmd);
/* Commands whose FILE argument's text travels with them. */
bool ctl_cmd_takes_file(enum ctl_cmd cmd);

/*
 * Completion for the word being typed after argc complete words: calls fn
 * with each keyword that starts with `partial`, or with the placeholder
 * ("NAME") of an argument expected there. Returns how many, or -EINVAL if
 * the complete words do not parse as a prefix of a command.
 */
int ctl_cli_complete(int argc, char *const *argv, const char *partial,
		     void (*fn)(void *arg, const char *word, bool placeholder), void *arg);

/* `?` help: what may follow argc words, one "  word  help" line each. */
int ctl_cli_help_at(int argc, char *const *argv, FILE *out);

/* Every command with its help, as lines ("show port NAME  help"). */
void ctl_cli_list(FILE *out);
/* The command reference of docs/cli.md, as a Markdown table. */
void ctl_cli_markdown(FILE *out);

#endif
