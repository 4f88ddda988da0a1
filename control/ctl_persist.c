/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "ctl_int.h"
#include "ctl_persist.h"
#include "sanitize.h"

#define EVENTS_SAVE_NS 1000000000ULL /* an event storm costs one write a second */

int ctl_write_atomic(const char *path, const void *data, size_t len)
{
	char tmp[FAB_PATH_MAX + 48];
	int fd, rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	errno = 0;
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) != 0)
		rc = errno ? -errno : -EIO;
	close(fd);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

static void events_path(const struct fab_model *m, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", m->mgmt.state_dir, CTL_EVENTS_FILE);
}

struct fab_model *ctl_persist_load(struct ctl *c, struct fab_model *m)
{
	char path[FAB_PATH_MAX + 32], why[FAB_PATH_MAX + 256], clean[2 * sizeof(why)];

	events_path(m, path, sizeof(path));
	/* The reason may quote the file's bytes. */
	if (ctl_events_load(c->events, path, why, sizeof(why)) != 0)
		ctl_log("%s; starting with an empty event list",
			ctl_sanitize(why, clean, sizeof(clean)));
	else if (ctl_events_count(c->events) > 0)
		ctl_log("%s: %zu event(s) kept from before the restart", path,
			ctl_events_count(c->events));
	return ctl_swap_restore(c, m);
}

static void save_events(struct ctl *c, uint64_t now_ns)
{
	char path[FAB_PATH_MAX + 32];
	int rc;

	(void)mkdir(c->running->mgmt.state_dir, 0750);
	events_path(c->running, path, sizeof(path));
	rc = ctl_events_save(c->events, path);
	/* Said once per failure, not once a second. */
	if (rc != 0 && rc != c->events_save_rc)
		ctl_log("%s: %s; events are kept in memory only", path, strerror(-rc));
	c->events_save_rc = rc;
	c->events_saved_ns = now_ns;
}

void ctl_persist_tick(struct ctl *c, uint64_t now_ns)
{
	if (c->running != NULL && ctl_events_dirty(c->events) &&
	    now_ns - c->events_saved_ns >= EVENTS_SAVE_NS)
		save_events(c, now_ns);
}

void ctl_persist_flush(struct ctl *c)
{
	if (c->running != NULL && c->events != NULL && ctl_events_dirty(c->events))
		save_events(c, ctl_now_ns());
}
