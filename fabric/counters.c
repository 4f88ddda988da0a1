/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "counters.h"

#define FAB_X_NAME(name, help)             #name,
#define FAB_X_HELP(name, help)             help,
#define FAB_X_DROP_NAME(name, class, help) #name,
#define FAB_X_DROP_HELP(name, class, help) help,

static const char *const ctr_names[] = {FAB_PORT_COUNTERS(FAB_X_NAME)};
static const char *const ctr_help[] = {FAB_PORT_COUNTERS(FAB_X_HELP)};
static const char *const drop_names[] = {FAB_DROP_REASONS(FAB_X_DROP_NAME)};
static const char *const drop_help[] = {FAB_DROP_REASONS(FAB_X_DROP_HELP)};
static const uint8_t drop_class[] = {FAB_DROP_REASONS(FAB_X_DROP_CLASS)};

_Static_assert(sizeof(ctr_names) / sizeof(ctr_names[0]) == FAB_CTR__COUNT, "counter names");
_Static_assert(sizeof(drop_names) / sizeof(drop_names[0]) == FAB_DROP__COUNT, "drop names");

const char *fab_counter_name(enum fab_counter c)
{
	return (unsigned)c < FAB_CTR__COUNT ? ctr_names[c] : "unknown";
}

const char *fab_counter_help(enum fab_counter c)
{
	return (unsigned)c < FAB_CTR__COUNT ? ctr_help[c] : "";
}

const char *fab_drop_name(enum fab_drop_reason r)
{
	return (unsigned)r < FAB_DROP__COUNT ? drop_names[r] : "unknown";
}

const char *fab_drop_help(enum fab_drop_reason r)
{
	return (unsigned)r < FAB_DROP__COUNT ? drop_help[r] : "";
}

enum fab_drop_class fab_drop_class(enum fab_drop_reason r)
{
	return (unsigned)r < FAB_DROP__COUNT ? (enum fab_drop_class)drop_class[r]
					     : FAB_DROP_CLASS_OTHER;
}

bool fab_drop_is_offence(unsigned reason)
{
	return fab_drop_class((enum fab_drop_reason)reason) == FAB_DROP_CLASS_OFFENCE;
}

int fab_drop_by_name(const char *name)
{
	for (int i = 0; i < FAB_DROP__COUNT; i++)
		if (strcmp(drop_names[i], name) == 0)
			return i;
	return -1;
}

void fab_port_stats_add(struct fab_port_stats *dst, const struct fab_port_stats *src)
{
	for (int i = 0; i < FAB_CTR__COUNT; i++)
		dst->ctr[i] += src->ctr[i];
	for (int i = 0; i < FAB_DROP__COUNT; i++)
		dst->drop[i] += src->drop[i];
	/* The newest offender wins; times come from one monotonic clock. */
	if (src->last_offender_time > dst->last_offender_time) {
		dst->last_offender_time = src->last_offender_time;
		dst->last_offender_mac = src->last_offender_mac;
		dst->last_offender_ethertype = src->last_offender_ethertype;
		dst->last_offender_reason = src->last_offender_reason;
	}
}

uint64_t fab_punt_lost(const struct fab_port_stats *s)
{
	return s->ctr[FAB_CTR_punt_policed] + s->ctr[FAB_CTR_punt_no_buffer] +
	       s->ctr[FAB_CTR_punt_ring_full] + s->ctr[FAB_CTR_punt_no_control] +
	       s->ctr[FAB_CTR_punt_socket_busy] + s->ctr[FAB_CTR_punt_disconnected];
}
