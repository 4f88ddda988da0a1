/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "sflow.h"

/* Sample and record formats of the sFlow v5 specification, enterprise 0. */
#define FMT_FLOW_SAMPLE    1
#define FMT_COUNTER_SAMPLE 2
#define FMT_RAW_HEADER     1
#define FMT_GENERIC_IF     1
#define PROTO_ETHERNET     1 /* header_protocol ETHERNET-ISO88023 */
#define IFTYPE_ETHERNET    6 /* ethernetCsmacd */
#define IF_FULL_DUPLEX     1
#define FCS_LEN            4
#define GENERIC_IF_LEN     88
#define HDR_BYTES_MAX      256

static uint32_t pad4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

static void put32(struct fab_sflow_dgram *d, uint32_t v)
{
	d->buf[d->len++] = (uint8_t)(v >> 24);
	d->buf[d->len++] = (uint8_t)(v >> 16);
	d->buf[d->len++] = (uint8_t)(v >> 8);
	d->buf[d->len++] = (uint8_t)v;
}

static void put64(struct fab_sflow_dgram *d, uint64_t v)
{
	put32(d, (uint32_t)(v >> 32));
	put32(d, (uint32_t)v);
}

/* Writes the sample count into the header so that the buffer is always sendable. */
static void count_sample(struct fab_sflow_dgram *d)
{
	size_t len = d->len;

	d->nsamples++;
	d->len = d->nsamples_off;
	put32(d, d->nsamples);
	d->len = len;
}

void fab_sflow_begin(struct fab_sflow_dgram *d, const struct fab_sflow_agent *a, uint32_t seq,
		     uint32_t uptime_ms)
{
	d->len = 0;
	d->nsamples = 0;
	put32(d, FAB_SFLOW_VERSION);
	put32(d, a->ipv6 ? 2 : 1);
	memcpy(d->buf + d->len, a->addr, a->ipv6 ? 16 : 4);
	d->len += a->ipv6 ? 16 : 4;
	put32(d, a->sub_agent);
	put32(d, seq);
	put32(d, uptime_ms);
	d->nsamples_off = d->len;
	put32(d, 0);
}

int fab_sflow_add_flow(struct fab_sflow_dgram *d, const struct fab_sflow_flow *f)
{
	uint32_t rec_len = 16 + pad4(f->hdr_len);
	uint32_t sample_len = 32 + 8 + rec_len;

	if (f->hdr_len > f->frame_len || f->hdr_len > HDR_BYTES_MAX)
		return -EINVAL;
	if (d->len + 8 + sample_len > sizeof(d->buf))
		return -ENOSPC;
	put32(d, FMT_FLOW_SAMPLE);
	put32(d, sample_len);
	put32(d, f->seq);
	put32(d, f->ifindex); /* source id: type 0 (ifIndex) in the top byte */
	put32(d, f->rate);
	put32(d, f->pool);
	put32(d, f->drops);
	put32(d, f->input);
	put32(d, f->output);
	put32(d, 1); /* records */
	put32(d, FMT_RAW_HEADER);
	put32(d, rec_len);
	put32(d, PROTO_ETHERNET);
	put32(d, f->frame_len);
	put32(d, FCS_LEN); /* the NIC took the FCS off before we saw the frame */
	put32(d, f->hdr_len);
	memcpy(d->buf + d->len, f->hdr, f->hdr_len);
	memset(d->buf + d->len + f->hdr_len, 0, pad4(f->hdr_len) - f->hdr_len);
	d->len += pad4(f->hdr_len);
	count_sample(d);
	return 0;
}

int fab_sflow_add_if(struct fab_sflow_dgram *d, const struct fab_sflow_if *c)
{
	const uint64_t *k = c->stats->ctr;
	const uint64_t *drop = c->stats->drop;
	uint32_t sample_len = 12 + 8 + GENERIC_IF_LEN;

	if (d->len + 8 + sample_len > sizeof(d->buf))
		return -ENOSPC;
	put32(d, FMT_COUNTER_SAMPLE);
	put32(d, sample_len);
	put32(d, c->seq);
	put32(d, c->ifindex);
	put32(d, 1); /* records */
	put32(d, FMT_GENERIC_IF);
	put32(d, GENERIC_IF_LEN);
	put32(d, c->ifindex);
	put32(d, IFTYPE_ETHERNET);
	put64(d, c->speed_bps);
	put32(d, IF_FULL_DUPLEX);
	put32(d, (c->admin_up ? 1u : 0u) | (c->oper_up ? 2u : 0u));
	/* The 32-bit counters wrap, as the specification and SNMP's do. */
	put64(d, k[FAB_CTR_rx_octets]);
	put32(d, (uint32_t)k[FAB_CTR_rx_unicast]);
	put32(d, (uint32_t)k[FAB_CTR_rx_multicast]);
	put32(d, (uint32_t)k[FAB_CTR_rx_broadcast]);
	put32(d, (uint32_t)k[FAB_CTR_rx_discards]);
	put32(d, (uint32_t)k[FAB_CTR_rx_errors]);
	put32(d, (uint32_t)(drop[FAB_DROP_ethertype] + drop[FAB_DROP_llc_snap]));
	put64(d, k[FAB_CTR_tx_octets]);
	put32(d, (uint32_t)k[FAB_CTR_tx_unicast]);
	put32(d, (uint32_t)k[FAB_CTR_tx_multicast]);
	put32(d, (uint32_t)k[FAB_CTR_tx_broadcast]);
	put32(d, (uint32_t)k[FAB_CTR_tx_discards]);
	put32(d, 0); /* ifOutErrors: a frame the NIC accepted is not seen again */
	put32(d, 1); /* promiscuous: every port is */
	count_sample(d);
	return 0;
}
