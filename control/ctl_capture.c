/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `capture port NAME`, control's part: what DPDK's capture tools need to
 * attach to the dataplane and capture the port (its EAL file prefix, the
 * port's DPDK port id), asked of the dataplane, which alone knows them.
 * peerlanctl then runs dpdk-dumpcap itself (cli_capture.c). The request is
 * logged as an event with its user: a capture reads members' traffic.
 */
#include <errno.h>
#include <pwd.h>
#include <string.h>

#include "ctl_dp.h"
#include "ctl_events.h"
#include "ctl_int.h"

/* The name of the uid the CLI socket read with SO_PEERCRED (-1: unknown). */
static void user_of(int64_t uid, char *name, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (uid >= 0 && getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(name, len, "%s", pw.pw_name);
	else
		snprintf(name, len, "an unknown user");
}

int ctl_capture_cmd(struct ctl *c, const struct ctl_request *r, json_t **out)
{
	char user[FAB_NAME_MAX];
	int port = fab_model_port_by_name(c->running, r->port);
	struct fab_wire_capture m;
	char err[256];
	const uint8_t *p;
	size_t len;
	uint32_t id;
	int rc;

	if (port < 0)
		return ctl_error(out, -ENOENT, "no such port: %s", r->port);
	if (!c->synced)
		return ctl_error(out, -ENOTCONN,
				 "dataplane not connected: nothing to capture from");
	id = ctl_dp_next_id(c->dp);
	rc = ctl_dp_fetch(c, fab_wire_capture_req_encode(ctl_dp_out(c->dp), id, (uint16_t)port), id,
			  &p, &len, err, sizeof(err));
	if (rc == -EOPNOTSUPP)
		return ctl_error(out, rc,
				 "this dataplane cannot tell how to capture its ports "
				 "(an older version?)");
	if (rc != 0)
		return ctl_error(out, rc, "dataplane: %s", err[0] ? err : strerror(-rc));
	if (fab_wire_capture_rep_decode(p, len, &m) != 0 || m.port != port)
		return ctl_error(out, -EBADMSG, "dataplane sent a malformed CAPTURE_INFO reply");
	if (!m.ready)
		return ctl_error(out, -EOPNOTSUPP, "port %s cannot be captured: %s", r->port,
				 m.why);
	user_of(r->uid, user, sizeof(user));
	ctl_events_add(c->events, ctl_wall_ns(), "capture", r->port,
		       "capture requested by %s (uid %lld)", user, (long long)r->uid);
	*out = json_pack("{s:s, s:s, s:i, s:s, s:s, s:I, s:I}", "port", r->port, "device", m.device,
			 "dpdk_port", (int)m.dpdk_port, "file_prefix", m.file_prefix, "runtime_dir",
			 m.runtime_dir, "uid", (json_int_t)m.uid, "gid", (json_int_t)m.gid);
	return 0;
}
