/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "fabric/config.h"
#include "fabric/diff.h"
#include "fabric/pipeline.h"
#include "fake_dp.h"

struct fake_dp {
	pthread_t thread;
	pthread_mutex_t lock;
	bool stop;
	char path[108];
	int lfd;
	int cfd;
	struct fab_wire_buf in, out;
	int fail_config;
	struct fab_model *model; /* the running configuration */
	bool ports_changeable;
	uint64_t start_ns;
	struct fake_dp_view v;
	struct fab_port_stats *stats;
};

/* What a test may read back: each configuration taken, in FAKE_DP_CONFIG_OUT. */
static void keep_config(const char *text, size_t len)
{
	const char *path = getenv("FAKE_DP_CONFIG_OUT");
	char tmp[4096];
	FILE *f;

	if (path == NULL || snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return;
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	fwrite(text, 1, len, f);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Takes the configuration like the dataplane does; 0 or -EINVAL with msg.
 * Like the dataplane (dp_apply_model), a running fake refuses a new port
 * list, naming the ports; only a (re)start (running false) takes any.
 */
static int load(struct fake_dp *f, const char *text, size_t len, bool running, char *msg,
		size_t msglen)
{
	struct fab_config_errors e = {0};
	struct fab_model *m = fab_config_load_string(text, len, "pushed", &e);
	char why[1024];

	if (m == NULL) {
		snprintf(msg, msglen, "%zu errors, first: %s", e.n, e.n ? e.v[0].msg : "?");
		fab_config_errors_clear(&e);
		return -EINVAL;
	}
	if (running && !f->ports_changeable && f->model != NULL &&
	    fab_model_restart_text(f->model, m, false, why, sizeof(why)) > 0) {
		snprintf(msg, msglen, "dataplane kept generation %llu: %s",
			 (unsigned long long)f->v.generation, why);
		fab_model_destroy(m);
		return -EINVAL;
	}
	f->v.digest = fab_wire_config_digest(m);
	f->v.nports = (uint16_t)m->nports;
	for (size_t i = 0; i < m->nports; i++)
		f->v.admin[i] = m->ports[i].admin_up;
	fab_model_destroy(f->model);
	f->model = m;
	return 0;
}

static void port_states(struct fake_dp *f, struct fab_wire_port_state *ps)
{
	for (uint16_t i = 0; i < f->v.nports; i++) {
		ps[i].admin_up = f->v.admin[i];
		ps[i].oper = f->v.errdisabled[i] ? FAB_OPER_ERRDISABLED
			     : f->v.admin[i]     ? FAB_OPER_UP
						 : FAB_OPER_DOWN;
		ps[i].link_changes = f->v.link_changes[i];
	}
}

static void serve(struct fake_dp *f, const struct fab_wire_hdr *h, const uint8_t *p)
{
	static struct fab_wire_port_state ps[FAB_PORTS_MAX];
	struct fab_wire_hello_rep hello = {
	    .generation = f->v.generation, .digest = f->v.digest, .nports = f->v.nports};
	int rc = fab_wire_check(h);
	char msg[1200];

	snprintf(hello.software, sizeof(hello.software), "fake-%s", PEERLAN_VERSION);
	if (rc != 0 || (h->flags & FAB_WIRE_F_REPLY)) {
		f->v.refusals++;
		if (!(h->flags & (FAB_WIRE_F_REPLY | FAB_WIRE_F_ASYNC)))
			fab_wire_refusal(&f->out, h, rc ? rc : -EBADMSG);
		return;
	}
	switch (h->type) {
	case FAB_WIRE_HELLO: {
		struct fab_wire_hello_req rq;

		if (fab_wire_hello_req_decode(p, h->length, &rq) != 0)
			break;
		f->v.hellos++;
		fab_wire_hello_rep_encode(&f->out, h, &hello);
		return;
	}
	case FAB_WIRE_STATUS: {
		struct fab_wire_status st = {.hello = hello,
					     .uptime_ns = now_ns() - f->start_ns,
					     .nworkers = 1,
					     .ports = ps};

		if (h->length != 0)
			break;
		port_states(f, ps);
		fab_wire_status_encode(&f->out, h, &st);
		return;
	}
	case FAB_WIRE_COUNTERS_GET: {
		struct fab_wire_counters c = {
		    .now = now_ns(), .nports = f->v.nports, .ports = ps, .stats = f->stats};

		if (h->length != 0)
			break;
		f->v.counters_gets++;
		port_states(f, ps);
		fab_wire_counters_encode(&f->out, h, &c);
		return;
	}
	case FAB_WIRE_CONFIG_SET: {
		struct fab_wire_config c;

		if (fab_wire_config_decode(p, h->length, &c) != 0)
			break;
		f->v.config_sets++;
		if (f->fail_config != 0) {
			fab_wire_put_error(&f->out, h, f->fail_config, "refused by the test");
			return;
		}
		if (load(f, c.text, c.len, true, msg, sizeof(msg)) != 0) {
			fab_wire_put_error(&f->out, h, -EINVAL, msg);
			return;
		}
		f->v.generation++;
		hello.generation = f->v.generation;
		hello.digest = f->v.digest;
		hello.nports = f->v.nports;
		fab_wire_hello_rep_encode(&f->out, h, &hello);
		keep_config(c.text, c.len);
		return;
	}
	case FAB_WIRE_PORT_INFO: {
		/* Port i's address: 02:fd:00:00 and i, as a driver reports one. */
		static uint8_t macs[FAB_PORTS_MAX][6];
		struct fab_wire_port_info m = {.nports = f->v.nports,
					       .macs = (const uint8_t(*)[6])macs};

		if (h->length != 0)
			break;
		for (uint16_t i = 0; i < f->v.nports; i++) {
			const uint8_t a[6] = {0x02, 0xfd, 0, 0, (uint8_t)(i >> 8), (uint8_t)i};

			memcpy(macs[i], a, 6);
		}
		fab_wire_port_info_encode(&f->out, h, &m);
		return;
	}
	case FAB_WIRE_SPONGE_SET: {
		struct fab_wire_sponge_set m;

		if (fab_wire_sponge_set_decode(p, h->length, &m) != 0)
			break;
		f->v.sponge_sets++;
		f->v.nsponged = m.n;
		memcpy(f->v.sponged, m.addrs, (m.n < 16 ? m.n : 16) * 16u);
		fab_wire_empty_rep(&f->out, h);
		return;
	}
	case FAB_WIRE_INJECT: {
		struct fab_wire_frame_msg m;

		if (fab_wire_frame_decode(p, h->length, &m) != 0)
			break;
		f->v.injects++;
		f->v.inject_port = m.port;
		f->v.inject_len = m.len;
		memcpy(f->v.inject_frame, m.frame,
		       m.len < sizeof(f->v.inject_frame) ? m.len : sizeof(f->v.inject_frame));
		fab_wire_empty_rep(&f->out, h);
		return;
	}
	case FAB_WIRE_PORT_ADMIN: {
		struct fab_wire_port_admin a;

		if (fab_wire_port_admin_decode(p, h->length, &a) != 0)
			break;
		if (a.port >= f->v.nports) {
			fab_wire_put_error(&f->out, h, -ENOENT, "no such port");
			return;
		}
		f->v.port_admins++;
		f->v.admin[a.port] = a.up;
		fab_wire_empty_rep(&f->out, h);
		return;
	}
	case FAB_WIRE_PORT_ERRDISABLE: {
		struct fab_wire_port_errdisable a;

		if (fab_wire_port_errdisable_decode(p, h->length, &a) != 0)
			break;
		if (a.port >= f->v.nports) {
			fab_wire_put_error(&f->out, h, -ENOENT, "no such port");
			return;
		}
		f->v.errdisable_sets++;
		f->v.errdisabled[a.port] = a.on;
		fab_wire_empty_rep(&f->out, h);
		return;
	}
	case FAB_WIRE_CAPTURE_INFO: {
		/* As a dataplane started with --no-huge answers. */
		struct fab_wire_capture m = {.ready = 0};

		if (fab_wire_capture_req_decode(p, h->length, &m.port) != 0)
			break;
		if (m.port >= f->v.nports) {
			fab_wire_put_error(&f->out, h, -ENOENT, "no such port");
			return;
		}
		m.dpdk_port = m.port;
		snprintf(m.file_prefix, sizeof(m.file_prefix), "fake");
		snprintf(m.why, sizeof(m.why), "the dataplane runs without hugepages (--no-huge)");
		fab_wire_capture_rep_encode(&f->out, h, &m);
		return;
	}
	case FAB_WIRE_MATRIX_GET:
		f->v.matrix_gets++;
		fab_wire_put_error(&f->out, h, -ENOTSUP, "the dataplane counts no matrix");
		return;
	default:
		break;
	}
	f->v.refusals++;
	fab_wire_refusal(&f->out, h, -EBADMSG);
}

static void close_client(struct fake_dp *f)
{
	if (f->cfd >= 0)
		close(f->cfd);
	f->cfd = -1;
	f->in.len = 0;
	f->out.len = f->out.start = 0;
}

static void *run(void *arg)
{
	struct fake_dp *f = arg;

	for (;;) {
		struct pollfd pfd[2] = {{.fd = f->lfd, .events = POLLIN}, {.fd = -1}};
		struct fab_wire_hdr h;
		long n;

		pthread_mutex_lock(&f->lock);
		if (f->stop) {
			pthread_mutex_unlock(&f->lock);
			return NULL;
		}
		pfd[1].fd = f->cfd;
		pfd[1].events = POLLIN | (f->out.len ? POLLOUT : 0);
		pthread_mutex_unlock(&f->lock);
		if (poll(pfd, 2, 10) <= 0)
			continue;
		pthread_mutex_lock(&f->lock);
		if (pfd[0].revents & POLLIN) {
			int fd = accept4(f->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

			/* One client at a time, like the dataplane: a new one replaces the old. */
			if (fd >= 0) {
				close_client(f);
				f->cfd = fd;
				f->v.connections++;
			}
		} else if (f->cfd >= 0 && f->cfd == pfd[1].fd && pfd[1].revents) {
			int rc = fab_wire_buf_read(&f->in, f->cfd);

			if (rc != 0 && rc != -EAGAIN) {
				close_client(f);
			} else {
				while ((n = fab_wire_frame(f->in.data, f->in.len, &h)) > 0) {
					serve(f, &h, f->in.data + FAB_WIRE_HDR_LEN);
					fab_wire_buf_consume(&f->in, (size_t)n);
				}
				if (n < 0)
					close_client(f);
			}
			if (f->cfd >= 0)
				fab_wire_buf_write(&f->out, f->cfd);
		}
		pthread_mutex_unlock(&f->lock);
	}
}

static void reset(struct fake_dp *f, const char *text)
{
	char msg[256];

	memset(&f->v, 0, sizeof(f->v));
	memset(f->stats, 0, FAB_PORTS_MAX * sizeof(*f->stats));
	f->v.generation = 1;
	f->start_ns = now_ns();
	f->fail_config = 0;
	if (load(f, text, strlen(text), false, msg, sizeof(msg)) != 0)
		fprintf(stderr, "fake dataplane: start configuration does not load: %s\n", msg);
}

struct fake_dp *fake_dp_start(const char *path, const char *text)
{
	struct fake_dp *f = calloc(1, sizeof(*f));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (f == NULL || strlen(path) >= sizeof(sa.sun_path))
		goto fail;
	f->stats = calloc(FAB_PORTS_MAX, sizeof(*f->stats));
	if (f->stats == NULL)
		goto fail;
	snprintf(f->path, sizeof(f->path), "%s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	f->cfd = -1;
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	unlink(path);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(f->lfd, 4) != 0)
		goto fail;
	reset(f, text);
	pthread_mutex_init(&f->lock, NULL);
	if (pthread_create(&f->thread, NULL, run, f) != 0)
		goto fail;
	return f;
fail:
	if (f != NULL) {
		if (f->lfd > 0)
			close(f->lfd);
		fab_model_destroy(f->model);
		free(f->stats);
	}
	free(f);
	return NULL;
}

void fake_dp_stop(struct fake_dp *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	close_client(f);
	close(f->lfd);
	unlink(f->path);
	fab_wire_buf_free(&f->in);
	fab_wire_buf_free(&f->out);
	pthread_mutex_destroy(&f->lock);
	fab_model_destroy(f->model);
	free(f->stats);
	free(f);
}

void fake_dp_restart(struct fake_dp *f, const char *text)
{
	pthread_mutex_lock(&f->lock);
	close_client(f);
	reset(f, text);
	pthread_mutex_unlock(&f->lock);
}

void fake_dp_reload(struct fake_dp *f, const char *text)
{
	char msg[256];

	pthread_mutex_lock(&f->lock);
	if (load(f, text, strlen(text), true, msg, sizeof(msg)) == 0)
		f->v.generation++;
	else
		fprintf(stderr, "fake dataplane: reload refused: %s\n", msg);
	pthread_mutex_unlock(&f->lock);
}

void fake_dp_drop_client(struct fake_dp *f)
{
	pthread_mutex_lock(&f->lock);
	close_client(f);
	pthread_mutex_unlock(&f->lock);
}

void fake_dp_ports_fixed(struct fake_dp *f, bool fixed)
{
	pthread_mutex_lock(&f->lock);
	f->ports_changeable = !fixed;
	pthread_mutex_unlock(&f->lock);
}

void fake_dp_fail_config(struct fake_dp *f, int status)
{
	pthread_mutex_lock(&f->lock);
	f->fail_config = status;
	pthread_mutex_unlock(&f->lock);
}

void fake_dp_traffic(struct fake_dp *f, uint16_t port, uint64_t n, uint16_t len)
{
	struct fab_port_stats *s;

	pthread_mutex_lock(&f->lock);
	s = &f->stats[port];
	s->ctr[FAB_CTR_rx_packets] += n;
	s->ctr[FAB_CTR_rx_octets] += n * len;
	s->ctr[FAB_CTR_rx_unicast] += n;
	s->ctr[FAB_CTR_forwarded] += n;
	f->v.rx_packets[port] = s->ctr[FAB_CTR_rx_packets];
	pthread_mutex_unlock(&f->lock);
}

void fake_dp_drops(struct fake_dp *f, uint16_t port, int reason, uint64_t n, uint64_t mac)
{
	struct fab_port_stats *s;

	pthread_mutex_lock(&f->lock);
	s = &f->stats[port];
	s->ctr[FAB_CTR_rx_packets] += n;
	s->ctr[FAB_CTR_rx_discards] += n;
	s->drop[reason] += n;
	if (fab_drop_is_offence((unsigned)reason)) {
		s->last_offender_mac = mac;
		s->last_offender_ethertype = 0x0800;
		s->last_offender_reason = (uint16_t)reason;
		s->last_offender_time = now_ns();
	}
	pthread_mutex_unlock(&f->lock);
}

void fake_dp_link_changes(struct fake_dp *f, uint16_t port, uint32_t n)
{
	pthread_mutex_lock(&f->lock);
	f->v.link_changes[port] += n;
	pthread_mutex_unlock(&f->lock);
}

int fake_dp_send(struct fake_dp *f, const void *p, size_t len)
{
	int rc = -ENOTCONN;

	pthread_mutex_lock(&f->lock);
	if (f->cfd >= 0) {
		fab_wire_put_bytes(&f->out, p, len);
		f->out.start = f->out.len;
		rc = fab_wire_buf_write(&f->out, f->cfd);
	}
	pthread_mutex_unlock(&f->lock);
	return rc;
}

int fake_dp_wait_client(struct fake_dp *f, int ms)
{
	for (int waited = 0; waited < ms; waited += 5) {
		bool ok;

		pthread_mutex_lock(&f->lock);
		ok = f->cfd >= 0;
		pthread_mutex_unlock(&f->lock);
		if (ok)
			return 0;
		usleep(5000);
	}
	return -ETIMEDOUT;
}

void fake_dp_view(struct fake_dp *f, struct fake_dp_view *v)
{
	pthread_mutex_lock(&f->lock);
	*v = f->v;
	pthread_mutex_unlock(&f->lock);
}
