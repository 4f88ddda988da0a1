/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A snapshot of everything peerlan-snmp serves, as one array of objects
 * sorted by OID: a GET is a binary search, a GETNEXT the first object after
 * the asked name. It is built whole from one set of answers of
 * peerlan-control and never changed afterwards, so the thread that builds
 * the next one shares nothing with the one that answers from this one.
 */
#ifndef PEERLAN_CONTROL_SNMP_VIEW_H
#define PEERLAN_CONTROL_SNMP_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#define SNMP_OID_MAX 24 /* longest name served: dot1qTpFdbStatus.FdbId.MAC is 20 */

struct snmp_obj {
	oid name[SNMP_OID_MAX];
	uint8_t len;
	uint8_t type;  /* ASN_INTEGER, ASN_OCTET_STR, ASN_COUNTER64, ... */
	uint32_t slen; /* ASN_OCTET_STR: length of the text at sval */
	union {
		uint64_t u;
		int64_t i;
		size_t soff; /* ASN_OCTET_STR: offset in the view's text pool */
	} v;
};

struct snmp_view; /* opaque */

/* An empty view, or NULL (errno set). */
struct snmp_view *snmp_view_create(void);
/* NULL-safe. */
void snmp_view_destroy(struct snmp_view *v);

/*
 * Adds one object: prefix (plen sub-identifiers) followed by the index
 * sub-identifiers idx (nidx of them). 0 or a negative errno (-ENAMETOOLONG
 * past SNMP_OID_MAX, -ENOMEM). The view copies what it is given.
 */
int snmp_view_int(struct snmp_view *v, const oid *prefix, size_t plen, const oid *idx, size_t nidx,
		  uint8_t type, int64_t value);
int snmp_view_u64(struct snmp_view *v, const oid *prefix, size_t plen, const oid *idx, size_t nidx,
		  uint8_t type, uint64_t value);
int snmp_view_str(struct snmp_view *v, const oid *prefix, size_t plen, const oid *idx, size_t nidx,
		  const void *data, size_t len);
/* zeroDotZero, the null OBJECT IDENTIFIER value. */
int snmp_view_null_oid(struct snmp_view *v, const oid *prefix, size_t plen, const oid *idx,
		       size_t nidx);

/* Sorts the objects; a duplicate name is an error (-EEXIST). Call once,
 * after the last add and before any lookup. */
int snmp_view_seal(struct snmp_view *v);

size_t snmp_view_count(const struct snmp_view *v);

/* The object named exactly name, or NULL. */
const struct snmp_obj *snmp_view_get(const struct snmp_view *v, const oid *name, size_t len);
/* The first object whose name is greater than name, or NULL. */
const struct snmp_obj *snmp_view_next(const struct snmp_view *v, const oid *name, size_t len);
/* The text of an ASN_OCTET_STR object (slen bytes, not NUL-terminated). */
const char *snmp_view_text(const struct snmp_view *v, const struct snmp_obj *o);

#endif
