/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_parse.h"
#include "fabric/sponge.h"

enum tok_type {
	T_NONE,     /* ends a list */
	T_END,      /* the command may end here; value is the command */
	T_KEYWORD,  /* a fixed word; value (if not 0) sets the family */
	T_PORT,     /* argument: a port name */
	T_LAN,      /* argument: a LAN name */
	T_ASN,      /* argument: an AS number */
	T_FILE,     /* argument: a file name */
	T_SECONDS,  /* argument: a confirm timeout */
	T_MAC,      /* argument: a MAC address */
	T_DURATION, /* argument: 90, 90s, 30m, 4h or 2d */
	T_ADDR,     /* argument: an IPv4 or IPv6 address */
};

struct token {
	enum tok_type type;
	const char *word; /* keyword, or the placeholder of an argument */
	int value;
	const struct token *next;
	const char *help;
};

static const struct token t_show_ports[] = {
    {T_END, NULL, CTL_SHOW_PORTS, NULL,
     "Every port with its state, member, receive and transmit rates and drops"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_show_port[] = {
    {T_END, NULL, CTL_SHOW_PORT, NULL,
     "One port: state, member, MACs, VLANs, every counter, drops by reason, last offender, "
     "rates"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_show_port[] = {
    {T_PORT, "NAME", 0, t_end_show_port, "Port name"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_show_members[] = {
    {T_END, NULL, CTL_SHOW_MEMBERS, NULL, "Every member with its ports and address counts"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_show_member[] = {
    {T_END, NULL, CTL_SHOW_MEMBER, NULL,
     "One member: its connections, LANs, MACs and addresses, port states"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_show_member[] = {
    {T_ASN, "ASN", 0, t_end_show_member, "AS number, as 64500 or AS64500"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_show_mac_table_lan[] = {
    {T_END, NULL, CTL_SHOW_MAC_TABLE, NULL, "The MAC addresses provisioned on one LAN"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_show_mac_table[] = {
    {T_END, NULL, CTL_SHOW_MAC_TABLE, NULL,
     "Every provisioned MAC address with its LAN, VLAN, port and member"},
    {T_LAN, "LAN", 0, t_end_show_mac_table_lan, "LAN name"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_show_neighbors_v4[] = {
    {T_END, NULL, CTL_SHOW_NEIGHBORS, NULL, "Provisioned IPv4 addresses"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_show_neighbors_v6[] = {
    {T_END, NULL, CTL_SHOW_NEIGHBORS, NULL, "Provisioned IPv6 addresses"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_show_neighbors[] = {
    {T_END, NULL, CTL_SHOW_NEIGHBORS, NULL,
     "Every provisioned address with its MAC, member, port and the port's state"},
    {T_KEYWORD, "ipv4", 4, t_end_show_neighbors_v4, "IPv4 only"},
    {T_KEYWORD, "ipv6", 6, t_end_show_neighbors_v6, "IPv6 only"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_show_drops[] = {
    {T_END, NULL, CTL_SHOW_DROPS, NULL, "Non-zero drop counters by port and reason"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_show_status[] = {
    {T_END, NULL, CTL_SHOW_STATUS, NULL,
     "Dataplane connection, configuration generation, uptime, versions, pending confirm"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_show_psec_port[] = {
    {T_END, NULL, CTL_SHOW_PORT_SECURITY, NULL,
     "One port's violation action, state, cause, violation count and last violation"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_show_psec[] = {
    {T_END, NULL, CTL_SHOW_PORT_SECURITY, NULL,
     "Every port: violation action, enabled or err-disabled and why, violations, last one"},
    {T_PORT, "NAME", 0, t_end_show_psec_port, "Port name"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_show_events_port[] = {
    {T_END, NULL, CTL_SHOW_EVENTS, NULL, "The kept events of one port"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_show_events[] = {
    {T_END, NULL, CTL_SHOW_EVENTS, NULL,
     "Port-security events, oldest first: err-disables, recoveries, restrict violations, link "
     "changes"},
    {T_PORT, "NAME", 0, t_end_show_events_port, "Port name"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_show_quarantine[] = {
    {T_END, NULL, CTL_SHOW_QUARANTINE, NULL,
     "What a port in quarantine sent, and pass or fail against each rule"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_show_quarantine[] = {
    {T_PORT, "NAME", 0, t_end_show_quarantine, "Port name"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_show_config[] = {
    {T_END, NULL, CTL_SHOW_CONFIG, NULL, "The running configuration in canonical YAML"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_clear_port[] = {
    {T_END, NULL, CTL_CLEAR_COUNTERS, NULL, "Set the display baseline of one port"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_clear_counters[] = {
    {T_END, NULL, CTL_CLEAR_COUNTERS, NULL,
     "Set the display baseline of every port (exported counters never go back)"},
    {T_PORT, "NAME", 0, t_end_clear_port, "Port name"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_clear[] = {
    {T_KEYWORD, "counters", 0, t_clear_counters, "Counters shown by the CLI"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_shutdown[] = {
    {T_END, NULL, CTL_PORT_SHUTDOWN, NULL, "Shut the port down (kept across restarts)"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_no_shutdown[] = {
    {T_END, NULL, CTL_PORT_NO_SHUTDOWN, NULL, "Bring the port administratively up"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_port_no[] = {
    {T_KEYWORD, "shutdown", 0, t_end_no_shutdown, "Undo shutdown"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_promote_lock[] = {
    {T_END, NULL, CTL_PORT_PROMOTE_LOCK, NULL,
     "Promote, and make the one MAC seen in quarantine the member's only MAC"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_port_promote[] = {
    {T_END, NULL, CTL_PORT_PROMOTE, NULL,
     "Move a port that passes its quarantine report to production (saved)"},
    {T_KEYWORD, "lock-mac", 0, t_end_promote_lock, "Keep only the MAC seen in quarantine"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_allow_mac[] = {
    {T_END, NULL, CTL_PORT_ALLOW_MAC, NULL,
     "Admit a second MAC for the port's member (router swap); removed by itself at expiry"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_allow_mac_duration[] = {
    {T_DURATION, "DURATION", 0, t_end_allow_mac, "How long: 90, 90s, 30m, 4h or 2d (at most 7d)"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_allow_mac_for[] = {
    {T_KEYWORD, "for", 0, t_allow_mac_duration, "For how long"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_allow_mac[] = {
    {T_MAC, "MAC", 0, t_allow_mac_for, "The new router's MAC address"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_port_action[] = {
    {T_KEYWORD, "shutdown", 0, t_end_shutdown, "Administratively down"},
    {T_KEYWORD, "no", 0, t_port_no, "Negate"},
    {T_KEYWORD, "promote", 0, t_port_promote, "From quarantine to production"},
    {T_KEYWORD, "allow-mac", 0, t_allow_mac, "A MAC swap window"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_port[] = {
    {T_PORT, "NAME", 0, t_port_action, "Port name"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_check[] = {
    {T_END, NULL, CTL_CONFIG_CHECK, NULL, "Load and validate a file; list every error"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_diff[] = {
    {T_END, NULL, CTL_CONFIG_DIFF, NULL, "What applying a file would change"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_apply_confirm[] = {
    {T_END, NULL, CTL_CONFIG_APPLY, NULL,
     "Apply a file; roll back by itself unless `config confirm` follows within SECONDS"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_apply_confirm[] = {
    {T_SECONDS, "SECONDS", 0, t_end_apply_confirm, "Seconds to wait for `config confirm`"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_apply_file[] = {
    {T_END, NULL, CTL_CONFIG_APPLY, NULL,
     "Validate a file and apply it as one atomic change, committed at once"},
    {T_KEYWORD, "confirm", 0, t_apply_confirm, "Commit only if confirmed in time"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_config_file_check[] = {
    {T_FILE, "FILE", 0, t_end_check, "Configuration file"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_config_file_diff[] = {
    {T_FILE, "FILE", 0, t_end_diff, "Configuration file"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_config_file_apply[] = {
    {T_FILE, "FILE", 0, t_apply_file, "Configuration file"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_confirm[] = {
    {T_END, NULL, CTL_CONFIG_CONFIRM, NULL, "Commit the configuration applied with confirm"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_rollback[] = {
    {T_END, NULL, CTL_CONFIG_ROLLBACK, NULL,
     "Undo an unconfirmed apply, or else go back to the previous configuration"},
    {T_NONE, NULL, 0, NULL, NULL},
};

/*
 * config import: the arguments of peerlan-import as keyword and FILE pairs in
 * a fixed order, the output last, so cli_import.c reads them by position.
 */
static const struct token t_end_import_overwrite[] = {
    {T_END, NULL, CTL_CONFIG_IMPORT, NULL, "The same, replacing an existing FILE"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_import[] = {
    {T_END, NULL, CTL_CONFIG_IMPORT, NULL,
     "Write the configuration the exports describe to a new FILE, for review (needs no "
     "control)"},
    {T_KEYWORD, "overwrite", 0, t_end_import_overwrite, "Replace an existing FILE"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_import_out_file[] = {
    {T_FILE, "FILE", 0, t_end_import, "The configuration to write"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_import_output[] = {
    {T_KEYWORD, "output", 0, t_import_out_file, "Where to write the configuration"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_import_ixf_file[] = {
    {T_FILE, "FILE", 0, t_import_output, "IX-F Member Export (JSON)"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_import_ixpm_opt[] = {
    {T_KEYWORD, "ixf", 0, t_import_ixf_file, "Member ASNs, names and prefixes from IX-F"},
    {T_KEYWORD, "output", 0, t_import_out_file, "Where to write the configuration"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_import_ixpm_map_file[] = {
    {T_FILE, "FILE", 0, t_import_ixpm_opt, "Import map (YAML)"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_import_ixpm_map[] = {
    {T_KEYWORD, "map", 0, t_import_ixpm_map_file, "The import map"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_import_l2_file[] = {
    {T_FILE, "FILE", 0, t_import_ixpm_map, "Provisioner layer2interfaces output"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_import_l2[] = {
    {T_KEYWORD, "interfaces", 0, t_import_l2_file, "The switch's layer-2 interfaces"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_import_vlans_file[] = {
    {T_FILE, "FILE", 0, t_import_l2, "Provisioner vlans output"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_import_ixpm[] = {
    {T_KEYWORD, "vlans", 0, t_import_vlans_file, "The switch's VLANs"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_import_ixf_map_file[] = {
    {T_FILE, "FILE", 0, t_import_output, "Import map (YAML)"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_import_ixf_map[] = {
    {T_KEYWORD, "map", 0, t_import_ixf_map_file, "The import map"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_import_export_file[] = {
    {T_FILE, "FILE", 0, t_import_ixf_map, "IX-F Member Export (JSON)"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_import_ixf[] = {
    {T_KEYWORD, "export", 0, t_import_export_file, "The member export"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_import[] = {
    {T_KEYWORD, "ixp-manager", 0, t_import_ixpm, "IXP Manager provisioner outputs"},
    {T_KEYWORD, "ixf", 0, t_import_ixf, "IX-F Member Export 1.0"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_save[] = {
    {T_END, NULL, CTL_CONFIG_SAVE, NULL,
     "Commit the running configuration, so that a restart runs it (after --ignore-committed)"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_sync_now[] = {
    {T_END, NULL, CTL_CONFIG_SYNC_NOW, NULL, "Fetch IXP Manager's documents and apply them now"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_sync_accept[] = {
    {T_END, NULL, CTL_CONFIG_SYNC_ACCEPT, NULL,
     "Apply the sync the removal guard holds back (see show sync)"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_config_sync[] = {
    {T_KEYWORD, "now", 0, t_end_sync_now, "Sync now"},
    {T_KEYWORD, "accept", 0, t_end_sync_accept, "Let a held-back sync through"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_show_sync[] = {
    {T_END, NULL, CTL_SHOW_SYNC, NULL,
     "Sync from IXP Manager: last result and why, what is held back, failures"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_config[] = {
    {T_KEYWORD, "check", 0, t_config_file_check, "Validate a file"},
    {T_KEYWORD, "diff", 0, t_config_file_diff, "Compare a file with the running configuration"},
    {T_KEYWORD, "apply", 0, t_config_file_apply, "Apply a file"},
    {T_KEYWORD, "confirm", 0, t_end_confirm, "Confirm an apply"},
    {T_KEYWORD, "rollback", 0, t_end_rollback, "Go back"},
    {T_KEYWORD, "save", 0, t_end_save, "Commit the running configuration"},
    {T_KEYWORD, "import", 0, t_import, "Write a configuration from exported files"},
    {T_KEYWORD, "sync", 0, t_config_sync, "Follow IXP Manager (management.sync)"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_show_sponge[] = {
    {T_END, NULL, CTL_SHOW_SPONGE, NULL,
     "Sponge parameters, sponged and pending addresses, spoofing events"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_sponge[] = {
    {T_END, NULL, CTL_SPONGE, NULL, "Answer for an address with the sponge MAC (STATIC)"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_unsponge[] = {
    {T_END, NULL, CTL_UNSPONGE, NULL, "Stop answering for an address (ALIVE)"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_sponge_addr[] = {
    {T_ADDR, "ADDRESS", 0, t_end_sponge, "IPv4 or IPv6 address"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_unsponge_addr[] = {
    {T_ADDR, "ADDRESS", 0, t_end_unsponge, "IPv4 or IPv6 address"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_neighbor_alive[] = {
    {T_END, NULL, CTL_SET_NEIGHBOR_ALIVE, NULL, "Mark the address alive; stop answering for it"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_neighbor_dead[] = {
    {T_END, NULL, CTL_SET_NEIGHBOR_DEAD, NULL,
     "Mark the address dead: sponged until it is heard from"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_neighbor_pending[] = {
    {T_END, NULL, CTL_SET_NEIGHBOR_PENDING, NULL, "Probe the address now; dead if it is silent"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_neighbor_state[] = {
    {T_KEYWORD, "alive", 0, t_end_neighbor_alive, "ALIVE"},
    {T_KEYWORD, "dead", 0, t_end_neighbor_dead, "DEAD"},
    {T_KEYWORD, "pending", 0, t_end_neighbor_pending, "PENDING"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_neighbor_addr[] = {
    {T_ADDR, "ADDRESS", 0, t_neighbor_state, "IPv4 or IPv6 address"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_set[] = {
    {T_KEYWORD, "neighbor", 0, t_neighbor_addr, "A neighbour's sponge state"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_end_show_lag[] = {
    {T_END, NULL, CTL_SHOW_LAG, NULL,
     "One LAG: each link's LACP state, partner, why it is out, counters"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_show_lag[] = {
    {T_END, NULL, CTL_SHOW_LAG, NULL, "Every LAG with its links' LACP state and counters"},
    {T_PORT, "NAME", 0, t_end_show_lag, "LAG port name"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_show[] = {
    {T_KEYWORD, "ports", 0, t_show_ports, "All ports: state, member, rates, drops"},
    {T_KEYWORD, "port", 0, t_show_port, "One port in detail"},
    {T_KEYWORD, "members", 0, t_show_members, "All members"},
    {T_KEYWORD, "member", 0, t_show_member, "One member in detail"},
    {T_KEYWORD, "mac-table", 0, t_show_mac_table, "Provisioned MAC addresses"},
    {T_KEYWORD, "neighbors", 0, t_show_neighbors, "Provisioned IPv4 and IPv6 addresses"},
    {T_KEYWORD, "drops", 0, t_show_drops, "Dropped frames by port and reason"},
    {T_KEYWORD, "status", 0, t_show_status, "Dataplane, configuration and control status"},
    {T_KEYWORD, "port-security", 0, t_show_psec, "Violation actions and err-disabled ports"},
    {T_KEYWORD, "events", 0, t_show_events, "Port-security state changes with their times"},
    {T_KEYWORD, "quarantine", 0, t_show_quarantine, "A quarantined port's report"},
    {T_KEYWORD, "config", 0, t_show_config, "The running configuration"},
    {T_KEYWORD, "sponge", 0, t_show_sponge, "The ARP/ND sponge"},
    {T_KEYWORD, "sync", 0, t_show_sync, "Sync from IXP Manager"},
    {T_KEYWORD, "lag", 0, t_show_lag, "LAGs: links, LACP state, partners, counters"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static const struct token t_main[] = {
    {T_KEYWORD, "show", 0, t_show, "Show state, counters and configuration"},
    {T_KEYWORD, "clear", 0, t_clear, "Reset display baselines"},
    {T_KEYWORD, "port", 0, t_port, "Change a port's state: shutdown, promotion, MAC swap"},
    {T_KEYWORD, "config", 0, t_config, "Check, compare, apply and roll back configuration"},
    {T_KEYWORD, "sponge", 0, t_sponge_addr, "Sponge an address by hand"},
    {T_KEYWORD, "unsponge", 0, t_unsponge_addr, "Stop sponging an address"},
    {T_KEYWORD, "set", 0, t_set, "Set a neighbour's state"},
    {T_NONE, NULL, 0, NULL, NULL},
};

static bool is_arg(enum tok_type t)
{
	return t >= T_PORT;
}

static const char *type_what(enum tok_type t)
{
	switch (t) {
	case T_PORT:
		return "port name";
	case T_LAN:
		return "LAN name";
	case T_ASN:
		return "AS number";
	case T_FILE:
		return "file name";
	case T_SECONDS:
		return "number of seconds";
	case T_MAC:
		return "MAC address";
	case T_DURATION:
		return "duration";
	case T_ADDR:
		return "IPv4 or IPv6 address";
	default:
		return "word";
	}
}

/*
 * The keyword matching word in list: exact match first, else the only one
 * it is a prefix of. *ambiguous is set when several share the prefix.
 */
static const struct token *match_keyword(const struct token *list, const char *word,
					 bool *ambiguous)
{
	const struct token *found = NULL;
	size_t len = strlen(word);
	int n = 0;

	*ambiguous = false;
	if (len == 0)
		return NULL;
	for (const struct token *t = list; t->type != T_NONE; t++)
		if (t->type == T_KEYWORD && strcmp(t->word, word) == 0)
			return t;
	for (const struct token *t = list; t->type != T_NONE; t++)
		if (t->type == T_KEYWORD && strncmp(t->word, word, len) == 0) {
			found = t;
			n++;
		}
	if (n > 1) {
		*ambiguous = true;
		return NULL;
	}
	return found;
}

static const struct token *arg_token(const struct token *list)
{
	for (const struct token *t = list; t->type != T_NONE; t++)
		if (is_arg(t->type))
			return t;
	return NULL;
}

static const struct token *end_token(const struct token *list)
{
	for (const struct token *t = list; t->type != T_NONE; t++)
		if (t->type == T_END)
			return t;
	return NULL;
}

/* "a, b, c" of what may come next (keywords and placeholders). */
static void list_choices(const struct token *list, const char *prefix, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (const struct token *t = list; t->type != T_NONE && o < len; t++) {
		if (t->type == T_END)
			continue;
		if (prefix != NULL &&
		    (t->type != T_KEYWORD || strncmp(t->word, prefix, strlen(prefix)) != 0))
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", t->word);
	}
}

/* A word from a socket or terminal, quoted in an error only when printable. */
static const char *quotable(const char *w, char *buf, size_t len)
{
	size_t o = 0;

	for (; *w && o + 5 < len; w++) {
		unsigned char c = (unsigned char)*w;

		if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9' || strlen(s) > 10)
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* "90", "90s", "30m", "4h", "2d": 1 s to CTL_SWAP_MAX_S. */
static int parse_duration(const char *w, uint32_t *out)
{
	char num[16];
	size_t len = strlen(w);
	uint32_t unit = 1, v;

	if (len == 0 || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, w, len + 1);
	switch (num[len - 1]) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		len++;
		break;
	}
	num[len - 1] = '\0';
	if (parse_u32(num, 1, CTL_SWAP_MAX_S, &v) != 0 || (uint64_t)v * unit > CTL_SWAP_MAX_S)
		return -EINVAL;
	*out = v * unit;
	return 0;
}

static int take_arg(const struct token *t, const char *w, struct ctl_request *req, char *err,
		    size_t errlen)
{
	char q[64];
	size_t len = strlen(w);

	switch (t->type) {
	case T_PORT:
	case T_LAN:
		if (len == 0 || len >= FAB_NAME_MAX)
			goto bad;
		snprintf(t->type == T_PORT ? req->port : req->lan, FAB_NAME_MAX, "%s", w);
		return 0;
	case T_FILE:
		if (len == 0 || len >= sizeof(req->file))
			goto bad;
		snprintf(req->file, sizeof(req->file), "%s", w);
		return 0;
	case T_ASN:
		if (strncasecmp(w, "as", 2) == 0)
			w += 2;
		if (parse_u32(w, 1, UINT32_MAX, &req->asn) != 0)
			goto bad;
		return 0;
	case T_MAC:
		if (fab_mac_parse(w, &req->mac) != 0 || fab_mac_is_multicast(req->mac) ||
		    req->mac == 0)
			goto bad;
		return 0;
	case T_DURATION:
		if (parse_duration(w, &req->duration_s) != 0) {
			snprintf(err, errlen,
				 "bad duration: %s (as 90, 90s, 30m, 4h or 2d; at most 7d)",
				 quotable(w, q, sizeof(q)));
			return -EINVAL;
		}
		return 0;
	case T_ADDR: {
		struct fab_naddr a;

		if (len >= sizeof(req->addr) || fab_naddr_parse(&a, w) != 0)
			goto bad;
		snprintf(req->addr, sizeof(req->addr), "%s", w);
		return 0;
	}
	case T_SECONDS:
		if (parse_u32(w, 1, CTL_CONFIRM_MAX_S, &req->seconds) != 0) {
			snprintf(err, errlen, "bad number of seconds: %s (1 to %d)",
				 quotable(w, q, sizeof(q)), CTL_CONFIRM_MAX_S);
			return -EINVAL;
		}
		return 0;
	default:
		break;
	}
bad:
	snprintf(err, errlen, "bad %s: %s", type_what(t->type), quotable(w, q, sizeof(q)));
	return -EINVAL;
}

/*
 * Walks the words; *level is the list reached. Returns 0, or -EINVAL with
 * the error in err. req may be NULL (completion only checks the prefix).
 */
static int walk(int argc, char *const *argv, const struct token **level, struct ctl_request *req,
		char *err, size_t errlen)
{
	const struct token *list = t_main;
	struct ctl_request scratch;
	char q[64], choices[256];

	if (req == NULL)
		req = &scratch;
	memset(req, 0, sizeof(*req));
	if (argc > FAB_WIRE_ARGS_MAX) {
		snprintf(err, errlen, "too many words (at most %d)", FAB_WIRE_ARGS_MAX);
		return -EINVAL;
	}
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		bool amb;
		const struct token *t = match_keyword(list, w, &amb);

		if (amb) {
			list_choices(list, w, choices, sizeof(choices));
			snprintf(err, errlen, "ambiguous argument: %s (%s)",
				 quotable(w, q, sizeof(q)), choices);
			return -EINVAL;
		}
		if (t == NULL)
			t = arg_token(list);
		if (t == NULL) {
			bool at_end = end_token(list) != NULL;

			list_choices(list, NULL, choices, sizeof(choices));
			if (at_end && choices[0] == '\0')
				snprintf(err, errlen, "unexpected argument: %s",
					 quotable(w, q, sizeof(q)));
			else
				snprintf(err, errlen, "unknown argument: %s (expected %s)",
					 quotable(w, q, sizeof(q)), choices);
			return -EINVAL;
		}
		if (t->type == T_KEYWORD) {
			if (t->value != 0)
				req->family = t->value;
			snprintf(req->argv[req->argc++], sizeof(req->argv[0]), "%s", t->word);
		} else {
			if (take_arg(t, w, req, err, errlen) != 0)
				return -EINVAL;
			snprintf(req->argv[req->argc++], sizeof(req->argv[0]), "%s", w);
		}
		list = t->next;
	}
	*level = list;
	return 0;
}

int ctl_cli_parse(int argc, char *const *argv, struct ctl_request *req, char *err, size_t errlen)
{
	const struct token *list, *end;
	char choices[256];

	if (walk(argc, argv, &list, req, err, errlen) != 0)
		return -EINVAL;
	end = end_token(list);
	if (end == NULL) {
		const struct token *a = arg_token(list);

		if (argc == 0)
			snprintf(err, errlen,
				 "missing command (one of: show, clear, port, config, sponge, "
				 "unsponge, set)");
		else if (a != NULL)
			snprintf(err, errlen, "missing argument: %s (%s)", a->word,
				 type_what(a->type));
		else {
			list_choices(list, NULL, choices, sizeof(choices));
			snprintf(err, errlen, "missing argument: one of %s", choices);
		}
		return -EINVAL;
	}
	req->cmd = (enum ctl_cmd)end->value;
	return 0;
}

bool ctl_cmd_readonly(enum ctl_cmd cmd)
{
	return cmd >= CTL_SHOW_PORTS && cmd <= CTL_SHOW_CONFIG;
}

bool ctl_cmd_takes_file(enum ctl_cmd cmd)
{
	return cmd == CTL_CONFIG_CHECK || cmd == CTL_CONFIG_DIFF || cmd == CTL_CONFIG_APPLY;
}

int ctl_cli_complete(int argc, char *const *argv, const char *partial,
		     void (*fn)(void *arg, const char *word, bool placeholder), void *arg)
{
	const struct token *list;
	char err[256];
	size_t len = strlen(partial);
	int n = 0;

	if (walk(argc, argv, &list, NULL, err, sizeof(err)) != 0)
		return -EINVAL;
	for (const struct token *t = list; t->type != T_NONE; t++) {
		if (t->type == T_KEYWORD && strncmp(t->word, partial, len) == 0) {
			fn(arg, t->word, false);
			n++;
		} else if (is_arg(t->type)) {
			fn(arg, t->word, true);
			n++;
		}
	}
	return n;
}

int ctl_cli_help_at(int argc, char *const *argv, FILE *out)
{
	const struct token *list;
	char err[256];

	if (walk(argc, argv, &list, NULL, err, sizeof(err)) != 0) {
		fprintf(out, "%s\n", err);
		return -EINVAL;
	}
	for (const struct token *t = list; t->type != T_NONE; t++)
		fprintf(out, "  %-12s %s\n", t->type == T_END ? "<cr>" : t->word, t->help);
	return 0;
}

/* Calls fn for each complete command: its words and its help. */
static void each_command(const struct token *list, char *path, size_t len, size_t used,
			 void (*fn)(void *arg, const char *path, const char *help), void *arg)
{
	for (const struct token *t = list; t->type != T_NONE; t++) {
		int n;

		if (t->type == T_END) {
			fn(arg, path, t->help);
			continue;
		}
		n = snprintf(path + used, len - used, "%s%s", used ? " " : "", t->word);
		if (n < 0 || (size_t)n >= len - used)
			continue;
		each_command(t->next, path, len, used + (size_t)n, fn, arg);
		path[used] = '\0';
	}
}

static void list_one(void *arg, const char *path, const char *help)
{
	fprintf(arg, "  %-40s %s\n", path, help);
}

void ctl_cli_list(FILE *out)
{
	char path[256] = "";

	each_command(t_main, path, sizeof(path), 0, list_one, out);
}

static void markdown_one(void *arg, const char *path, const char *help)
{
	fprintf(arg, "| `%s` | %s |\n", path, help);
}

void ctl_cli_markdown(FILE *out)
{
	char path[256] = "";

	fprintf(out, "| Command | What it does |\n|---|---|\n");
	each_command(t_main, path, sizeof(path), 0, markdown_one, out);
}
