/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fake dataplane for testing peerlan-control: it serves the control
 * protocol on a Unix socket from its own thread, keeps a configuration,
 * admin states and counters as the real one does, and records what it was
 * asked, so that tests assert what control pushed and when. It validates a
 * pushed configuration with the same loader the real dataplane uses.
 */
#ifndef PEERLAN_TESTS_FAKE_DP_H
#define PEERLAN_TESTS_FAKE_DP_H

#include <stdbool.h>
#include <stdint.h>

#include "fabric/wire.h"

struct fake_dp;

struct fake_dp_view {
	unsigned hellos, config_sets, port_admins, counters_gets, refusals;
	unsigned matrix_gets; /* answered like a dataplane without --matrix */
	unsigned connections;
	uint64_t generation;
	uint64_t digest;
	uint16_t nports;
	uint8_t admin[FAB_PORTS_MAX];
	unsigned errdisable_sets;
	uint8_t errdisabled[FAB_PORTS_MAX];
	uint32_t link_changes[FAB_PORTS_MAX];
	uint64_t rx_packets[FAB_PORTS_MAX];
	/* The sponge's side: the last SPONGE_SET (first 16 addresses) and INJECTs. */
	unsigned sponge_sets, injects;
	uint32_t nsponged;
	uint8_t sponged[16][16];
	uint16_t inject_port;
	uint16_t inject_len;
	uint8_t inject_frame[128];
};

/* Starts serving path with the configuration in text (as if loaded at
 * start: generation 1). NULL on failure. */
struct fake_dp *fake_dp_start(const char *path, const char *text);
/* Stops the thread, closes and removes the socket. Accepts NULL. */
void fake_dp_stop(struct fake_dp *f);
/* A restart: the client is dropped and the state goes back to text. */
void fake_dp_restart(struct fake_dp *f, const char *text);
/* A reload of another file, the client staying connected (a SIGHUP). */
void fake_dp_reload(struct fake_dp *f, const char *text);
/* Drops the connected client without changing state (a broken link). */
void fake_dp_drop_client(struct fake_dp *f);
/* Whether a CONFIG_SET that changes the port list is refused, as the real
 * dataplane does (the default), or taken. */
void fake_dp_ports_fixed(struct fake_dp *f, bool fixed);
/* Makes the next CONFIG_SET fail with status (0 to stop). */
void fake_dp_fail_config(struct fake_dp *f, int status);
/* Counts n received-and-forwarded frames of len bytes on port. */
void fake_dp_traffic(struct fake_dp *f, uint16_t port, uint64_t n, uint16_t len);
/* Counts n drops for reason on port, the last from mac (an offence sets
 * the last offender as the pipeline does). */
void fake_dp_drops(struct fake_dp *f, uint16_t port, int reason, uint64_t n, uint64_t mac);
/* Counts n link state changes on port. */
void fake_dp_link_changes(struct fake_dp *f, uint16_t port, uint32_t n);
/* Sends raw bytes to the connected client (tests of control's decoder). */
int fake_dp_send(struct fake_dp *f, const void *p, size_t len);
/* Returns once a client is connected, or -ETIMEDOUT after ms. */
int fake_dp_wait_client(struct fake_dp *f, int ms);
void fake_dp_view(struct fake_dp *f, struct fake_dp_view *v);

#endif
