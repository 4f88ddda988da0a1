/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exact member-to-member traffic matrix: frames and bytes forwarded
 * between every pair of members of a LAN, by EtherType family.
 *
 * Each worker counts the frames it forwards in a table of its own (struct
 * fab_mxw), so the hot path takes no lock and no atomic read-modify-write;
 * the main lcore adds the workers' tables together when asked (merged on
 * read) into a table keyed by what the export names (struct fab_matrix:
 * the LAN's VLAN and both ASNs).
 *
 * A worker's key is cheaper: each member of a LAN (its VLAN and ASN) gets a
 * small id the first time a table set names it (struct fab_mx_ids), kept
 * for the dataplane's life and never given to another. Each table set
 * keeps the id in the MAC-table entries the pipeline loads anyway, and a
 * forward's verdict carries both, so a forwarded frame costs one multiply,
 * one probe and two adds; the ids are turned into ASNs only when the
 * matrix is read.
 * Across table swaps a member removed and provisioned again keeps its id
 * and so its counts, one that moves to other ports or MACs too, and no
 * member can inherit another's.
 *
 * Both tables are open addressing with linear probing over 64-byte slots,
 * sized once at start: they grow with the pairs that talk, not with
 * members squared. When one is 7/8 full, frames of pairs not yet in it are
 * counted as lost (never under another pair), so the sums still add up.
 */
#ifndef PEERLAN_FABRIC_MATRIX_H
#define PEERLAN_FABRIC_MATRIX_H

#include <stddef.h>
#include <stdint.h>

/* EtherType families, as exported (afi label). */
enum { FAB_AFI_IPV4, FAB_AFI_IPV6, FAB_AFI_OTHER, FAB_AFI__COUNT };

#define FAB_MX_SLOTS_MIN     1024u
#define FAB_MX_SLOTS_MAX     (1u << 20)
#define FAB_MX_SLOTS_DEFAULT (1u << 18) /* 16 MiB, 229,376 pairs */

/* One pair's counters; also the record the wire carries. */
struct fab_mx_ent {
	uint32_t src_asn;
	uint32_t dst_asn;
	uint16_t vlan;
	uint16_t used; /* written last, with release order: a reader sees whole keys */
	uint32_t pad;
	uint64_t frames[FAB_AFI__COUNT];
	uint64_t bytes[FAB_AFI__COUNT];
};
_Static_assert(sizeof(struct fab_mx_ent) == 64, "one pair, one cache line");

struct fab_matrix {
	struct fab_mx_ent *ent; /* mask + 1 slots */
	uint32_t mask;
	uint32_t npairs; /* slots in use */
	uint32_t limit;  /* most pairs it takes */
	/* Forwarded frames of pairs that found no room, and their bytes. */
	uint64_t lost_frames;
	uint64_t lost_bytes;
};

/* Bytes of a table of slots slots (a power of two). */
size_t fab_matrix_size(uint32_t slots);
/*
 * Sets mx up over mem (fab_matrix_size(slots) bytes, zeroed, owned by the
 * caller). 0, or -EINVAL if slots is not a power of two within
 * FAB_MX_SLOTS_MIN..FAB_MX_SLOTS_MAX.
 */
int fab_matrix_init(struct fab_matrix *mx, void *mem, uint32_t slots);
/* Empties mx (its memory stays). */
void fab_matrix_clear(struct fab_matrix *mx);
static inline uint32_t fab_matrix_hash(uint16_t vlan, uint32_t src, uint32_t dst)
{
	uint64_t k = ((uint64_t)src << 32 | dst) ^ ((uint64_t)vlan << 20);

	return (uint32_t)(((k ^ (k >> 29)) * 0x9e3779b97f4a7c15ULL) >> 32);
}

/* The slot of a pair whose hash is h, a new one if there is room, else NULL. */
static inline struct fab_mx_ent *fab_matrix_slot_h(struct fab_matrix *mx, uint32_t h, uint16_t vlan,
						   uint32_t src, uint32_t dst)
{
	for (uint32_t i = h & mx->mask;; i = (i + 1) & mx->mask) {
		struct fab_mx_ent *e = &mx->ent[i];

		if (__builtin_expect(e->used, 1)) {
			if (e->src_asn == src && e->dst_asn == dst && e->vlan == vlan)
				return e;
			continue;
		}
		if (mx->npairs >= mx->limit)
			return NULL;
		e->src_asn = src;
		e->dst_asn = dst;
		e->vlan = vlan;
		mx->npairs++;
		__atomic_store_n(&e->used, 1, __ATOMIC_RELEASE);
		return e;
	}
}

static inline struct fab_mx_ent *fab_matrix_slot(struct fab_matrix *mx, uint16_t vlan, uint32_t src,
						 uint32_t dst)
{
	return fab_matrix_slot_h(mx, fab_matrix_hash(vlan, src, dst), vlan, src, dst);
}

/*
 * Adds a frame of len bytes to slot e, or to the lost counters when e is
 * NULL. Per frame: no lock, no atomic read-modify-write, no allocation;
 * only the worker that owns mx writes it.
 */
static inline void fab_matrix_put(struct fab_matrix *mx, struct fab_mx_ent *e, unsigned afi,
				  uint32_t len)
{
	if (__builtin_expect(e == NULL, 0)) {
		mx->lost_frames++;
		mx->lost_bytes += len;
		return;
	}
	e->frames[afi]++;
	e->bytes[afi] += len;
}

/* Counts one forwarded frame of len bytes. */
static inline void fab_matrix_add(struct fab_matrix *mx, uint16_t vlan, uint32_t src, uint32_t dst,
				  unsigned afi, uint32_t len)
{
	fab_matrix_put(mx, fab_matrix_slot(mx, vlan, src, dst), afi, len);
}

/*
 * Calls fn on every pair of mx with a slot index from *cursor on, in slot
 * order, until fn returns non-zero; *cursor is then the slot to go on from,
 * or mask + 1 at the end.
 */
typedef int (*fab_matrix_fn)(void *arg, const struct fab_mx_ent *e);
void fab_matrix_walk(const struct fab_matrix *mx, uint32_t *cursor, fab_matrix_fn fn, void *arg);

/* Orders records by VLAN, source ASN, destination ASN (for qsort, bsearch). */
int fab_matrix_cmp(const void *a, const void *b);

/*
 * Members' ids (see the top of this file): id i (1..n) is the member who[i -
 * 1]. FAB_MX_ID_NONE is what a member gets once FAB_MX_IDS_MAX are given
 * out; its frames are counted as lost.
 */
#define FAB_MX_IDS_MAX 0xfffeu
#define FAB_MX_ID_NONE 0xffffu

struct fab_mx_who {
	uint32_t asn;
	uint16_t vlan;
};

struct fab_mx_ids {
	struct fab_mx_who *who; /* by id - 1 */
	uint16_t *order;        /* the ids sorted by VLAN then ASN */
	uint32_t n, cap;
};

/* The id of (vlan, asn), a new one if it has none: FAB_MX_ID_NONE when
 * FAB_MX_IDS_MAX are given out or memory runs out. */
uint16_t fab_mx_ids_get(struct fab_mx_ids *ids, uint16_t vlan, uint32_t asn);
/* Frees what ids holds (not ids itself); ids may be NULL. */
void fab_mx_ids_free(struct fab_mx_ids *ids);

/*
 * A pair's key in a worker's table: the verdict's two ids as one word, as
 * they lie in memory (src, then dst), so that the worker reads it in one
 * load on either byte order.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FAB_MX_SRC_SHIFT 0
#define FAB_MX_DST_SHIFT 16
#else
#define FAB_MX_SRC_SHIFT 16
#define FAB_MX_DST_SHIFT 0
#endif
static inline uint32_t fab_mx_key(uint16_t src, uint16_t dst)
{
	return (uint32_t)src << FAB_MX_SRC_SHIFT | (uint32_t)dst << FAB_MX_DST_SHIFT;
}

static inline uint16_t fab_mx_key_src(uint32_t key)
{
	return (uint16_t)(key >> FAB_MX_SRC_SHIFT);
}

static inline uint16_t fab_mx_key_dst(uint32_t key)
{
	return (uint16_t)(key >> FAB_MX_DST_SHIFT);
}

/* One slot of a worker's table: a pair of ids and its counters. */
struct fab_mxw_slot {
	/* fab_mx_key; 0: empty (ids start at 1). Slot 0 is never a pair's: the
	 * verdicts that name no pair count there (matrix_count.h), unread. */
	uint32_t key;
	uint32_t pad;
	uint64_t frames[FAB_AFI__COUNT];
	uint64_t bytes[FAB_AFI__COUNT];
	uint64_t pad2;
};
_Static_assert(sizeof(struct fab_mxw_slot) == 64, "one pair, one cache line");

struct fab_mxw {
	struct fab_mxw_slot *slot; /* mask + 1 slots */
	uint32_t mask;
	uint32_t omask; /* mask * 64: the bits of a slot's offset (fab_mxw_off) */
	uint32_t npairs;
	uint32_t limit;
	/* Forwarded frames of pairs that found no room, by family. */
	struct fab_mxw_slot lost;
};

/* Sets mx up over mem (fab_matrix_size(slots) bytes, zeroed, owned by the
 * caller). 0, or -EINVAL as fab_matrix_init. */
int fab_mxw_init(struct fab_mxw *mx, void *mem, uint32_t slots);

/*
 * The byte offset of key's slot in a table of omask / 64 + 1 slots: bits of
 * a multiplicative hash, the top ones for a table of FAB_MX_SLOTS_MAX, the
 * ones below them for a smaller one (the product modulo 2^30 for the
 * default table: keys that differ only in their top two bits, destination
 * ids from 16,384 on, share a home slot there, and probe). A constant
 * shift and a mask, so that the hot path holds no shift count; key 0 (no
 * pair) has offset 0.
 */
static inline uint64_t fab_mxw_off(uint32_t key, uint64_t omask)
{
	return (uint32_t)(key * 0x9e3779b1u) >> 6 & omask;
}
_Static_assert((uint64_t)FAB_MX_SLOTS_MAX * 64 == 1ULL << 26,
	       "the hash's top bits index the largest table");

/* The slot key's hash names in mx. */
static inline struct fab_mxw_slot *fab_mxw_home(const struct fab_mxw *mx, uint32_t key)
{
	return (struct fab_mxw_slot *)((char *)mx->slot + fab_mxw_off(key, mx->omask));
}

/* The slot of key (never 0) from e, the slot its hash names, on: a new one
 * if there is room, else mx->lost. */
struct fab_mxw_slot *fab_mxw_probe(struct fab_mxw *mx, struct fab_mxw_slot *e, uint32_t key);

/* The slot of key (never 0), a new one if there is room, else mx->lost. */
static inline struct fab_mxw_slot *fab_mxw_slot(struct fab_mxw *mx, uint32_t key)
{
	return fab_mxw_probe(mx, fab_mxw_home(mx, key), key);
}

/*
 * Adds every pair of the worker table from into to, with the ASNs ids
 * gives their ids; the main lcore does it while the worker counts: a pair
 * read while its worker adds to it gives either count, each a value it
 * really had. Pairs of an id ids does not know, or that find no room in
 * to, go to to's lost counters.
 */
void fab_mxw_merge(struct fab_matrix *to, const struct fab_mxw *from, const struct fab_mx_ids *ids);

#endif
