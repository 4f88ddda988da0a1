/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What VXLAN costs the pipeline per frame, in instructions, beside a plain
 * forward in the same run (docs/performance.md, "VXLAN"). Runs
 * fab_pipeline_run on bursts of 32 64-byte frames of one mix:
 *
 *   local  member A to member B, both on access ports (the fast path)
 *   encap  member A to member R behind a remote VTEP
 *   decap  VXLAN from R's VTEP on the underlay port to member A
 *
 *   vxlan_cost MIX ROUNDS
 *
 * Meant to run under valgrind --tool=callgrind --toggle-collect=fab_pipeline_run,
 * so that only the pipeline counts; it prints the frames it decided, and
 * checks that every one got the verdict its mix expects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/bytes.h"
#include "fabric/config.h"
#include "fabric/model.h"
#include "fabric/pipeline.h"
#include "fabric/proto.h"
#include "fabric/tables.h"
#include "fabric/vxlan.h"

#define BURST    32
#define ROOM     128
#define LEN      60 /* a 64-byte frame without its FCS */
#define VTEP_IP  0xc6120001u
#define R_IP     0xc6120002u
#define VTEP_MAC 0x02aa00000001ULL
#define NH_MAC   0x02bb00000001ULL
#define MAC_A    0x02000000000aULL
#define MAC_B    0x02000000000bULL
#define MAC_R    0x020000000021ULL

static const char config[] =
    "fabric: {name: bench}\n"
    "lans: [{name: p, vlan: 100, vni: 10100, ipv4: 192.0.2.0/24}]\n"
    "ports:\n"
    "  - {name: a, device: d0, lans: [p]}\n"
    "  - {name: b, device: d1, lans: [p]}\n"
    "  - {name: u, kind: underlay, device: d2, mtu: 1600, vtep-address: 198.18.0.1,\n"
    "     vtep-mac: 02:aa:00:00:00:01, next-hop-mac: 02:bb:00:00:00:01}\n"
    "  - {name: r, kind: vtep, remote: 198.18.0.2, lans: [p]}\n"
    "members:\n"
    "  - {asn: 1, name: A, connections: [{port: a, lans: [{lan: p, macs: [02:00:00:00:00:0a],"
    " ipv4: [192.0.2.10]}]}]}\n"
    "  - {asn: 2, name: B, connections: [{port: b, lans: [{lan: p, macs: [02:00:00:00:00:0b],"
    " ipv4: [192.0.2.11]}]}]}\n"
    "  - {asn: 3, name: R, connections: [{port: r, lans: [{lan: p, macs: [02:00:00:00:00:21],"
    " ipv4: [192.0.2.33]}]}]}\n";

/* A 60-byte IPv4/UDP frame from src to dst at d, flow number i. */
static void udp_frame(uint8_t *d, fab_mac_t dst, fab_mac_t src, unsigned i)
{
	memset(d, 0, LEN);
	fab_wr_mac(d, dst);
	fab_wr_mac(d + 6, src);
	fab_wr16(d + 12, FAB_ETH_P_IPV4);
	d[14] = 0x45;
	fab_wr16(d + 16, LEN - 14);
	d[22] = 64;
	d[23] = FAB_IPPROTO_UDP;
	fab_wr32(d + 26, 0xc000020a);
	fab_wr32(d + 30, 0xc0000200 | (i & 0xff));
	fab_wr16(d + 34, (uint16_t)(1024 + i));
	fab_wr16(d + 36, 179);
	fab_wr16(d + 38, LEN - 34);
}

int main(int argc, char **argv)
{
	static uint8_t bufs[BURST][ROOM + 2048], tmpl[BURST][2048];
	struct fab_config_errors errs = {0};
	struct fab_model *m;
	struct fab_tables *t;
	struct fab_port_stats stats[4] = {0};
	uint8_t oper[4] = {0};
	struct fab_frame f[BURST];
	struct fab_verdict v[BURST];
	struct fab_pipeline_ctx ctx;
	uint16_t in, len = LEN, want;
	long rounds;
	int mix;

	if (argc != 3 ||
	    (mix = !strcmp(argv[1], "local")   ? 0
		   : !strcmp(argv[1], "encap") ? 1
		   : !strcmp(argv[1], "decap") ? 2
					       : -1) < 0 ||
	    (rounds = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: vxlan_cost local|encap|decap ROUNDS\n");
		return 2;
	}
	m = fab_config_load_string(config, sizeof(config) - 1, "bench", &errs);
	t = m != NULL ? fab_tables_build(m, 1) : NULL;
	if (t == NULL) {
		fab_config_errors_print(&errs, stderr);
		return 1;
	}
	for (unsigned i = 0; i < BURST; i++) {
		if (mix == 2) {
			struct fab_vxlan_outer o = {.src_mac = NH_MAC,
						    .dst_mac = VTEP_MAC,
						    .src_ip = R_IP,
						    .dst_ip = VTEP_IP,
						    .vni = 10100,
						    .sport = (uint16_t)(49152 + i)};

			udp_frame(tmpl[i] + FAB_VXLAN_OUTER_LEN, MAC_A, MAC_R, i);
			fab_vxlan_write(tmpl[i], &o, LEN);
			len = LEN + FAB_VXLAN_OUTER_LEN;
		} else {
			udp_frame(tmpl[i], mix == 0 ? MAC_B : MAC_R, MAC_A, i);
		}
	}
	in = mix == 2 ? 2 : 0;
	want = mix == 1 ? 2 : mix == 2 ? 0 : 1;
	ctx = (struct fab_pipeline_ctx){.t = t, .oper = oper, .stats = stats, .now = 1};
	for (long r = 0; r < rounds; r++) {
		for (unsigned i = 0; i < BURST; i++) {
			memcpy(bufs[i] + ROOM, tmpl[i], len);
			f[i] = (struct fab_frame){
			    .data = bufs[i] + ROOM, .len = len, .headroom = ROOM};
		}
		fab_pipeline_run(&ctx, in, f, v, BURST);
		for (unsigned i = 0; i < BURST; i++)
			if (v[i].action != FAB_ACT_FORWARD || v[i].port != want) {
				fprintf(stderr, "frame %u: action %u port %u reason %s\n", i,
					v[i].action, v[i].port, fab_drop_name(v[i].reason));
				return 1;
			}
	}
	printf("%s: %ld frames\n", argv[1], rounds * BURST);
	fab_tables_destroy(t);
	fab_model_destroy(m);
	return 0;
}
