/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The privilege drop: keep-capabilities across the uid change, then trim the
 * capability sets to what was asked, then check that root cannot come back.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>

#include "privdrop.h"

static bool kept(cap_value_t c, const cap_value_t keep[], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (keep[i] == c)
			return true;
	return false;
}

/* Removes what is not kept from the bounding set, if CAP_SETPCAP allows it. */
static int trim_bounding(const cap_value_t keep[], size_t n)
{
	cap_flag_value_t setpcap = CAP_CLEAR;
	cap_t cur = cap_get_proc();

	if (cur == NULL)
		return -errno;
	cap_get_flag(cur, CAP_SETPCAP, CAP_EFFECTIVE, &setpcap);
	cap_free(cur);
	if (setpcap != CAP_SET)
		return 0;
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (!kept(c, keep, n) && CAP_IS_SUPPORTED(c) && cap_drop_bound(c) != 0)
			return -errno;
	return 0;
}

static int set_caps(const cap_value_t keep[], size_t n)
{
	cap_t caps = cap_init();
	int rc = 0;

	if (caps == NULL)
		return -errno;
	if (n > 0 && (cap_set_flag(caps, CAP_PERMITTED, (int)n, keep, CAP_SET) != 0 ||
		      cap_set_flag(caps, CAP_EFFECTIVE, (int)n, keep, CAP_SET) != 0))
		rc = -EINVAL;
	else if (cap_set_proc(caps) != 0)
		rc = -errno;
	cap_free(caps);
	if (rc == 0 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 &&
	    errno != EINVAL)
		rc = -errno;
	return rc;
}

int dp_privdrop(const char *user, const cap_value_t keep[], size_t n)
{
	struct passwd pw, *found = NULL;
	uid_t ruid, euid, suid;
	long bufsize = sysconf(_SC_GETPW_R_SIZE_MAX);
	char *buf;
	int rc;

	for (size_t i = 0; i < n; i++)
		if (!cap_valid(keep[i]))
			return -EINVAL;
	if (bufsize < 1024)
		bufsize = 16384;
	buf = malloc((size_t)bufsize);
	if (buf == NULL)
		return -ENOMEM;
	rc = getpwnam_r(user, &pw, buf, (size_t)bufsize, &found);
	if (found == NULL) {
		free(buf);
		return rc != 0 ? -rc : -ENOENT;
	}
	/* Keep the permitted set across setresuid(); the kernel clears it otherwise. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 || (rc = trim_bounding(keep, n)) != 0 ||
	    initgroups(pw.pw_name, pw.pw_gid) != 0 ||
	    setresgid(pw.pw_gid, pw.pw_gid, pw.pw_gid) != 0 ||
	    setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid) != 0) {
		rc = rc != 0 ? rc : -errno;
		free(buf);
		return rc;
	}
	free(buf);
	rc = set_caps(keep, n);
	if (rc != 0)
		return rc;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0)
		return -errno;
	/* A process that could become root again has not dropped anything. */
	if (getresuid(&ruid, &euid, &suid) != 0 || ruid != pw.pw_uid || euid != pw.pw_uid ||
	    suid != pw.pw_uid)
		return -EPERM;
	if (pw.pw_uid != 0 && !kept(CAP_SETUID, keep, n) && setuid(0) == 0)
		return -EPERM;
	return 0;
}
